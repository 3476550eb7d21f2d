//! Vulnerability scans end to end, against hand-checked advisories of the shared data: each
//! expected id and fixed version below was read from the advisory file named next to it.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use bulkhead_test::shared_dir;
use serde_json::Value;

fn bulkhead() -> Command {
    crate::bulkhead_command()
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn webapp() -> String {
    format!(
        "oci:{}:webapp",
        shared_dir().join("images/webapp-oci").display()
    )
}

/// `(package, id)` → (severity, fixed version or "").
fn rows(report: &Value) -> BTreeMap<(String, String), (String, String)> {
    report["scan"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["vulnerabilities"].as_array().unwrap())
        .map(|v| {
            (
                (
                    v["package"].as_str().unwrap().to_owned(),
                    v["id"].as_str().unwrap().to_owned(),
                ),
                (
                    v["severity"].as_str().unwrap().to_owned(),
                    v["fixed_version"].as_str().unwrap_or("").to_owned(),
                ),
            )
        })
        .collect()
}

fn scan_json(args: &[&str]) -> Value {
    let (code, stdout, stderr) = run(bulkhead().args(args).args(["--format", "json"]));
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

#[test]
fn demo_image_hand_checked_findings() {
    let report = scan_json(&["image", &webapp()]);
    let rows = rows(&report);
    let expect = |package: &str, id: &str, severity: &str, fixed: &str| {
        let got = rows.get(&(package.to_owned(), id.to_owned()));
        assert_eq!(
            got,
            Some(&(severity.to_owned(), fixed.to_owned())),
            "{package} {id}"
        );
    };
    // ghsa-npm/2020/04/GHSA-vh95-rmgr-6w4m: minimist >= 1.0.0, < 1.2.3 (CVE-2020-7598, CVSS 5.6).
    expect("minimist", "CVE-2020-7598", "MEDIUM", "1.2.3");
    // ghsa-npm/2022/03/GHSA-xvch-5gv4-984h: minimist < 1.2.6 (CVE-2021-44906, CVSS 9.8).
    expect("minimist", "CVE-2021-44906", "CRITICAL", "1.2.6");
    // ghsa-npm/2020/07/GHSA-p6mc-m468-83gw: lodash < 4.17.19 (CVE-2020-8203, CVSS 7.4).
    expect("lodash", "CVE-2020-8203", "HIGH", "4.17.19");
    // ghsa-npm/2021/05/GHSA-35jh-r3h4-6jhm: lodash < 4.17.21 (CVE-2021-23337, CVSS 7.2).
    expect("lodash", "CVE-2021-23337", "HIGH", "4.17.21");
    // pypa vulns/jinja2/PYSEC-2019-217 (CVE-2019-10906): fixed 2.10.1; PyPA gives no severity.
    expect("jinja2", "CVE-2019-10906", "UNKNOWN", "2.10.1");
    // pypa vulns/flask/PYSEC-2018-66 (CVE-2018-1000656): fixed 0.12.3.
    expect("flask", "CVE-2018-1000656", "UNKNOWN", "0.12.3");
    // debian-osv CVE/2010/CVE-2010-4756: glibc in Debian:12, introduced 0 and no fix,
    // urgency "unimportant", which is the Debian rating shown (not NVD's CVSS).
    expect("libc6", "CVE-2010-4756", "LOW", "");
    // GHSA-8p5q-j9m2-g8wr is GitHub's withdrawn lodash advisory (CVE-2021-41720): not reported.
    assert!(!rows.contains_key(&("lodash".into(), "CVE-2021-41720".into())));
    // debug 2.6.9 is the fixed version of GHSA-gxpj-cx7g-858c: not affected.
    assert!(!rows.keys().any(|(p, _)| p == "debug"));
    // One row per CVE per package: the PYSEC and GHSA ids of a CVE are aliases, not rows.
    let ids: Vec<&str> = rows.keys().map(|(_, id)| id.as_str()).collect();
    assert!(!ids.iter().any(|id| id.starts_with("PYSEC-")), "{ids:?}");
    let flask = report["scan"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["vulnerabilities"].as_array().unwrap())
        .find(|v| v["id"] == "CVE-2018-1000656")
        .unwrap();
    assert!(
        flask["aliases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "PYSEC-2018-66"),
        "{flask}"
    );
    assert_eq!(
        flask["locations"][0]["layer"],
        "sha256:ee1afc1b6b5659492f773a7b868d412019b37badd574ff28ca64902c793e1b59",
        "the layer that installed it"
    );
}

#[test]
fn lockfiles_hand_checked_findings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("requirements.txt"),
        "Django==2.0.1\nPyYAML==5.3\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("package-lock.json"),
        r#"{"name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
            "packages": {"": {"name": "app", "version": "1.0.0", "dependencies": {"axios": "0.21.0"}},
                         "node_modules/axios": {"version": "0.21.0"}}}"#,
    )
    .unwrap();
    let report = scan_json(&["fs", dir.path().to_str().unwrap()]);
    let rows = rows(&report);
    let get = |p: &str, id: &str| rows.get(&(p.to_owned(), id.to_owned())).cloned();
    // pypa vulns/django/PYSEC-2018-4: introduced 2.0, fixed 2.0.2 (CVE-2018-6188).
    assert_eq!(
        get("django", "CVE-2018-6188"),
        Some(("UNKNOWN".into(), "2.0.2".into()))
    );
    // pypa vulns/pyyaml/PYSEC-2020-96: introduced 5.1, fixed 5.3.1 (CVE-2020-1747).
    assert_eq!(
        get("pyyaml", "CVE-2020-1747"),
        Some(("UNKNOWN".into(), "5.3.1".into()))
    );
    // pypa vulns/pyyaml/PYSEC-2021-142: fixed 5.4 (CVE-2020-14343).
    assert_eq!(
        get("pyyaml", "CVE-2020-14343"),
        Some(("UNKNOWN".into(), "5.4".into()))
    );
    // ghsa-npm/2021/01/GHSA-4w2v-q235-vp99: axios < 0.21.1, CVSS 3.1 5.9.
    assert_eq!(
        get("axios", "CVE-2020-28168"),
        Some(("MEDIUM".into(), "0.21.1".into()))
    );
    // ghsa-npm/2021/09/GHSA-cph5-m8f7-6c5x: axios < 0.21.2, CVSS 3.1 7.5.
    assert_eq!(
        get("axios", "CVE-2021-3749"),
        Some(("HIGH".into(), "0.21.2".into()))
    );
    let targets: Vec<&str> = report["scan"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["package-lock.json", "requirements.txt"]);
    let django = report["scan"]["results"][1]["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "CVE-2018-6188")
        .unwrap();
    assert_eq!(
        django["aliases"],
        serde_json::json!(["GHSA-rf4j-j272-fj86", "PYSEC-2018-4"])
    );
}

/// An old Debian package: libssl3 3.0.11-1~deb12u1 is before DSA-5532-1's fix.
fn old_debian_root(dir: &Path) {
    std::fs::create_dir_all(dir.join("etc")).unwrap();
    std::fs::create_dir_all(dir.join("var/lib/dpkg")).unwrap();
    std::fs::write(
        dir.join("etc/os-release"),
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("var/lib/dpkg/status"),
        "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\n\
         Source: openssl\nVersion: 3.0.11-1~deb12u1\n\n",
    )
    .unwrap();
}

#[test]
fn old_debian_package_gets_its_dsa_fixes() {
    let dir = tempfile::tempdir().unwrap();
    old_debian_root(dir.path());
    let report = scan_json(&["fs", dir.path().to_str().unwrap()]);
    let rows = rows(&report);
    // debian-osv CVE/2023/CVE-2023-5363.json: Debian:12 openssl fixed 3.0.11-1~deb12u2
    // (DSA-5532-1); urgency not assigned, so NVD's CVSS 3.1 vector (7.5) rates it.
    assert_eq!(
        rows.get(&("libssl3".into(), "CVE-2023-5363".into())),
        Some(&("HIGH".into(), "3.0.11-1~deb12u2".into()))
    );
    // CVE-2023-5678: fixed 3.0.13-1~deb12u1, CVSS 5.3.
    assert_eq!(
        rows.get(&("libssl3".into(), "CVE-2023-5678".into())),
        Some(&("MEDIUM".into(), "3.0.13-1~deb12u1".into()))
    );
    // CVE-2023-3446 was fixed in 3.0.10-1~deb12u1, before the installed version.
    assert!(!rows.contains_key(&("libssl3".into(), "CVE-2023-3446".into())));
    let target = &report["scan"]["results"][0];
    assert_eq!(target["class"], "os-pkgs");
    let row = &target["vulnerabilities"][0];
    assert_eq!(row["source_package"], "openssl");
}

#[test]
fn gate_filters_and_suppressions() {
    let dir = tempfile::tempdir().unwrap();
    old_debian_root(dir.path());
    let root = dir.path().to_str().unwrap();
    // Default exit code 0 even with findings; --exit-code picks the failure code.
    let (code, _, _) = run(bulkhead().args(["fs", root]));
    assert_eq!(code, 0);
    let (code, _, _) = run(bulkhead().args(["fs", root, "--exit-code", "5"]));
    assert_eq!(code, 5);
    // Nothing CRITICAL: the gate passes.
    let (code, _, _) =
        run(bulkhead().args(["fs", root, "--exit-code", "1", "--severity", "CRITICAL"]));
    assert_eq!(code, 0);
    let (code, stdout, _) =
        run(bulkhead().args(["fs", root, "--severity", "HIGH,CRITICAL", "-f", "json"]));
    assert_eq!(code, 0);
    let only_high = rows(&serde_json::from_str(&stdout).unwrap());
    assert!(
        only_high
            .values()
            .all(|(s, _)| s == "HIGH" || s == "CRITICAL")
    );
    assert!(only_high.contains_key(&("libssl3".into(), "CVE-2023-5363".into())));

    // --ignore-unfixed keeps only rows with a fixed version.
    let all = rows(&scan_json(&["fs", root]));
    let fixed = rows(&scan_json(&["fs", root, "--ignore-unfixed"]));
    assert!(all.values().any(|(_, f)| f.is_empty()), "some unfixed rows");
    assert!(fixed.values().all(|(_, f)| !f.is_empty()));
    assert_eq!(
        fixed.len(),
        all.values().filter(|(_, f)| !f.is_empty()).count()
    );

    // An ignore file and a VEX document suppress, with a reason kept in the JSON.
    let ignore = dir.path().join("ignore");
    std::fs::write(&ignore, "CVE-2023-5363 # accepted until the next rebuild\n").unwrap();
    let vex = dir.path().join("vex.json");
    std::fs::write(
        &vex,
        r#"{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex-1",
            "author": "Bank platform team", "timestamp": "2026-01-01T00:00:00Z", "version": 1,
            "statements": [{"vulnerability": {"name": "CVE-2023-5678"},
              "products": [{"@id": "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12"}],
              "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}"#,
    )
    .unwrap();
    let report = scan_json(&[
        "fs",
        root,
        "--ignorefile",
        ignore.to_str().unwrap(),
        "--vex",
        vex.to_str().unwrap(),
    ]);
    let left = rows(&report);
    assert!(!left.contains_key(&("libssl3".into(), "CVE-2023-5363".into())));
    assert!(!left.contains_key(&("libssl3".into(), "CVE-2023-5678".into())));
    assert_eq!(left.len(), all.len() - 2);
    let suppressed: Vec<(String, String)> = report["scan"]["results"][0]["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_owned(),
                s["by"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(suppressed.contains(&("CVE-2023-5363".into(), "ignorefile".into())));
    assert!(suppressed.contains(&("CVE-2023-5678".into(), "vex".into())));
}

#[test]
fn sbom_file_scan_equals_the_image_scan() {
    let dir = tempfile::tempdir().unwrap();
    let sbom = dir.path().join("webapp.cdx.json");
    let (code, _, stderr) = run(bulkhead().args(["sbom", &webapp(), "-o", sbom.to_str().unwrap()]));
    assert_eq!(code, 0, "{stderr}");
    let spdx = dir.path().join("webapp.spdx.json");
    let (code, _, stderr) = run(bulkhead().args([
        "sbom",
        &webapp(),
        "-f",
        "spdx-json",
        "-o",
        spdx.to_str().unwrap(),
    ]));
    assert_eq!(code, 0, "{stderr}");
    let from_image = rows(&scan_json(&["image", &webapp()]));
    assert!(from_image.len() > 100);
    for document in [&sbom, &spdx] {
        let from_sbom = rows(&scan_json(&["sbom", document.to_str().unwrap()]));
        assert_eq!(from_sbom, from_image, "{}", document.display());
    }
}

#[test]
fn machine_formats() {
    let dir = tempfile::tempdir().unwrap();
    old_debian_root(dir.path());
    let root = dir.path().to_str().unwrap();
    let (code, stdout, stderr) = run(bulkhead().args(["fs", root, "-f", "sarif"]));
    assert_eq!(code, 0, "{stderr}");
    let sarif: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "CVE-2023-5363"));

    let (code, stdout, _) = run(bulkhead().args(["fs", root, "-f", "junit"]));
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("<?xml") && stdout.contains("CVE-2023-5363"),
        "{stdout}"
    );

    // CycloneDX with --scanners vuln carries the vulnerabilities; without, a plain SBOM.
    let (code, stdout, _) =
        run(bulkhead().args(["fs", root, "-f", "cyclonedx", "--scanners", "vuln"]));
    assert_eq!(code, 0);
    let cdx: Value = serde_json::from_str(&stdout).unwrap();
    let vulns = cdx["vulnerabilities"].as_array().unwrap();
    assert!(vulns.iter().any(|v| v["id"] == "CVE-2023-5363"));
    let (_, stdout, _) = run(bulkhead().args(["fs", root, "-f", "cyclonedx"]));
    let plain: Value = serde_json::from_str(&stdout).unwrap();
    assert!(plain.get("vulnerabilities").is_none());

    // A scanner that does not exist is an error, not silently skipped.
    let (code, _, stderr) = run(bulkhead().args(["fs", root, "--scanners", "vuln,license"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("license"), "{stderr}");
}
