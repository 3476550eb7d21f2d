//! Report format tests: SARIF validated against the official OASIS schema, JUnit XML read
//! back by Python's XML parser.

#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

mod junit;
mod sarif;
mod table;

use std::process::Command;

use bulkhead_finding::{Evidence, Finding, Location, RuleId, Severity};
use bulkhead_report::{Artifact, RowLocation, ScanReport, ScanTarget, VulnRow};

/// Runs a Python snippet in the peer-tools venv (`target/py-venv`) with `document` written to
/// a file whose path is `argv[1]`.
fn python(script: &str, document: &[u8]) -> String {
    let venv = bulkhead_test::python_venv();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("document");
    fs_err::write(&path, document).unwrap();
    bulkhead_test::run(
        Command::new(venv.join("bin/python"))
            .arg("-c")
            .arg(script)
            .arg(&path),
    )
}

fn vuln(id: &str, package: &str, version: &str, severity: Severity) -> VulnRow {
    VulnRow {
        id: id.into(),
        aliases: Vec::new(),
        package: package.into(),
        source_package: None,
        purl: format!("pkg:deb/debian/{package}@{version}?arch=amd64&distro=debian-12"),
        installed_version: version.into(),
        fixed_version: None,
        severity,
        cvss_score: None,
        cvss_vector: None,
        title: format!("{package}: a flaw"),
        references: Vec::new(),
        sources: vec!["osv/Debian".into()],
        locations: vec![RowLocation {
            path: "var/lib/dpkg/status".into(),
            layer: Some(
                "sha256:5d0aeceef7eeb2ad9b3e3bd5e1c5e5ea3f2c3c4f9f3e0f1a2b3c4d5e6f708192".into(),
            ),
        }],
    }
}

fn target(name: &str, class: &str) -> ScanTarget {
    ScanTarget {
        target: name.into(),
        class: class.into(),
        kind: None,
        packages: 0,
        vulnerabilities: Vec::new(),
        suppressed: Vec::new(),
        suppressed_findings: Vec::new(),
        findings: Vec::new(),
    }
}

/// An image scan as the CLI builds it: OS packages (a CVE shared by two packages, fixed and
/// unfixed vulnerabilities, with and without CVSS), Python packages (a GHSA with a CVE alias
/// and no location), a clean Node.js target, a secret in a file, and misconfigurations in a
/// Kubernetes object and in the image config.
#[allow(clippy::too_many_lines)] // one realistic report, field by field
fn sample_report() -> ScanReport {
    let mut os = target("webapp (debian 12)", "os-pkgs");
    os.kind = Some("debian".into());
    os.packages = 120;
    let mut openssl = vuln(
        "CVE-2024-0727",
        "openssl",
        "3.0.11-1~deb12u2",
        Severity::Critical,
    );
    openssl.fixed_version = Some("3.0.13-1~deb12u1".into());
    openssl.cvss_score = Some(9.8);
    openssl.cvss_vector = Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into());
    openssl.source_package = None;
    openssl.references = vec![
        "not a url".into(),
        "https://security-tracker.debian.org/tracker/CVE-2024-0727".into(),
        "https://nvd.nist.gov/vuln/detail/CVE-2024-0727".into(),
    ];
    let mut libssl = openssl.clone();
    libssl.package = "libssl3".into();
    libssl.source_package = Some("openssl".into());
    libssl.purl = "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12".into();
    let mut zlib = vuln("CVE-2023-45853", "zlib1g", "1:1.2.13.dfsg-1", Severity::Low);
    zlib.title = "zlib: integer overflow in zipOpenNewFileInZip4_6 \"<minizip>\"".into();
    let tar = vuln("CVE-2005-2541", "tar", "1.34+dfsg-1.2", Severity::Unknown);
    let mut perl = vuln("CVE-2023-31484", "perl-base", "5.36.0-7", Severity::Medium);
    perl.fixed_version = Some("5.36.0-7+deb12u1".into());
    os.vulnerabilities = vec![openssl, libssl, zlib, tar, perl];

    let mut python = target("Python", "lang-pkgs");
    python.kind = Some("pypi".into());
    python.packages = 12;
    let mut flask = vuln("CVE-2023-30861", "flask", "0.12.2", Severity::High);
    flask.aliases = vec!["GHSA-m2qf-hxjv-5gpq".into(), "PYSEC-2023-62".into()];
    flask.purl = "pkg:pypi/flask@0.12.2".into();
    flask.fixed_version = Some("2.2.5".into());
    flask.cvss_score = Some(7.5);
    flask.references = vec!["https://github.com/advisories/GHSA-m2qf-hxjv-5gpq".into()];
    flask.locations = Vec::new();
    python.vulnerabilities = vec![flask];

    let mut node = target("Node.js", "lang-pkgs");
    node.packages = 40;

    let mut secrets = target("app/.env", "secret");
    secrets.findings = vec![Finding {
        rule: RuleId::new("BH-SECRET-AWS-001").with_aliases(["aws-access-key-id"]),
        severity: Severity::Critical,
        title: "AWS access key ID".into(),
        location: Location::File {
            path: "app/.env".into(),
            line: Some(3),
            column: Some(19),
        },
        evidence: Some(Evidence {
            text: "AWS_ACCESS_KEY_ID=AKIA************".into(),
            first_line: None,
        }),
        remediation: Some("Revoke the key and load it from a secret store.".into()),
        fingerprint: None,
    }];

    let mut config = target("deploy/web.yaml", "config");
    config.findings = vec![
        Finding {
            rule: RuleId::new("BH-K8S-001").with_aliases(["KSV001", "CKV_K8S_20"]),
            severity: Severity::Medium,
            title: "Container can escalate privileges".into(),
            location: Location::Object {
                kind: "Deployment".into(),
                namespace: Some("shop".into()),
                name: "web".into(),
                pointer: "/spec/template/spec/containers/0/securityContext".into(),
                file: None,
                line: None,
                column: None,
            },
            evidence: None,
            remediation: Some("Set allowPrivilegeEscalation to false.".into()),
            fingerprint: None,
        },
        Finding {
            rule: RuleId::new("BH-IMG-002"),
            severity: Severity::High,
            title: "Image runs as root".into(),
            location: Location::Image {
                layer: None,
                path: None,
                line: None,
                column: None,
            },
            evidence: None,
            remediation: None,
            fingerprint: None,
        },
    ];
    config.suppressed_findings = vec![bulkhead_report::SuppressedFinding {
        finding: Finding {
            rule: RuleId::new("BH-K8S-009").with_aliases(["KSV-0014"]),
            severity: Severity::High,
            title: "Container \"web\" has a writable root filesystem".into(),
            location: Location::Object {
                kind: "Deployment".into(),
                namespace: Some("shop".into()),
                name: "web".into(),
                pointer: "/spec/template/spec/containers/0/securityContext".into(),
                file: Some("deploy/web.yaml".into()),
                line: Some(21),
                column: Some(11),
            },
            evidence: None,
            remediation: None,
            fingerprint: None,
        },
        by: "inline".into(),
        reason: "nginx writes its cache; inline bulkhead comment on line 20".into(),
    }];

    ScanReport {
        artifact: Artifact {
            name: "oci:/srv/images/webapp-oci:webapp".into(),
            kind: "container_image".into(),
            digest: Some(
                "sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0".into(),
            ),
            os: Some("debian 12".into()),
        },
        results: vec![os, python, node, secrets, config],
        database: None,
        warnings: Vec::new(),
        inventory: None,
    }
}
