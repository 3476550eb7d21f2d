//! JUnit XML read back by Python's `xml.etree`, an XML 1.0 parser we did not write.

use bulkhead_finding::Severity;
use bulkhead_report::{OutputFormat, ScanReport, render_scan};
use serde_json::{Value, json};

use crate::{python, sample_report, target, vuln};

/// Parses `argv[1]` and prints it back as JSON: the root's attributes, and per suite its
/// attributes and test cases with their failures (attributes and text).
const PARSE: &str = r"
import sys, json
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
def suite(s):
    return {'attrs': dict(s.attrib), 'cases': [
        {'attrs': dict(c.attrib), 'failures': [
            {'attrs': dict(f.attrib), 'text': f.text} for f in c.findall('failure')]}
        for c in s.findall('testcase')]}
print(json.dumps({'tag': root.tag, 'attrs': dict(root.attrib),
                  'suites': [suite(s) for s in root.findall('testsuite')]}))
";

fn parsed(report: &ScanReport) -> Value {
    let xml = render_scan(report, OutputFormat::Junit).unwrap();
    serde_json::from_str(&python(PARSE, xml.as_bytes())).unwrap()
}

fn names(cases: &Value) -> Vec<&str> {
    cases
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["attrs"]["name"].as_str().unwrap())
        .collect()
}

#[test]
fn junit_counts_suites_cases_and_failures() {
    let report = sample_report();
    let doc = parsed(&report);
    assert_eq!(doc["tag"], "testsuites");
    let suites = doc["suites"].as_array().unwrap();
    let suite_names: Vec<&str> = suites
        .iter()
        .map(|s| s["attrs"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        suite_names,
        [
            "webapp (debian 12)",
            "Python",
            "Node.js",
            "app/.env",
            "deploy/web.yaml"
        ]
    );

    // OS packages: one case per package with vulnerabilities, sorted; one failure per
    // vulnerability.
    let os = &suites[0];
    assert_eq!(
        names(&os["cases"]),
        [
            "libssl3@3.0.11-1~deb12u2",
            "openssl@3.0.11-1~deb12u2",
            "perl-base@5.36.0-7",
            "tar@1.34+dfsg-1.2",
            "zlib1g@1:1.2.13.dfsg-1"
        ]
    );
    assert_eq!(os["attrs"]["tests"], "5");
    assert_eq!(os["attrs"]["failures"], "5");
    for case in os["cases"].as_array().unwrap() {
        assert_eq!(case["attrs"]["classname"], "webapp (debian 12)");
        assert_eq!(case["failures"].as_array().unwrap().len(), 1);
    }
    let openssl = &os["cases"][1]["failures"][0];
    assert_eq!(
        openssl["attrs"],
        json!({"message": "CVE-2024-0727", "type": "CRITICAL"})
    );
    let details = openssl["text"].as_str().unwrap();
    assert!(details.contains("Package: openssl\n"), "{details}");
    assert!(
        details.contains("Fixed Version: 3.0.13-1~deb12u1\n"),
        "{details}"
    );
    assert!(
        details.contains("CVSS: 9.8 (CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H)"),
        "{details}"
    );
    assert!(
        os["cases"][4]["failures"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Fixed Version: (none)\n")
    );

    // A clean target is a passing suite with one passing case.
    let node = &suites[2];
    assert_eq!(node["attrs"]["tests"], "1");
    assert_eq!(node["attrs"]["failures"], "0");
    assert_eq!(node["cases"][0]["failures"], json!([]));
    assert_eq!(node["cases"][0]["attrs"]["classname"], "Node.js");

    // Findings: a case per finding, named by rule and location.
    assert_eq!(
        names(&suites[3]["cases"]),
        ["BH-SECRET-AWS-001 at app/.env:3:19"]
    );
    assert_eq!(
        suites[3]["cases"][0]["failures"][0]["attrs"],
        json!({"message": "BH-SECRET-AWS-001", "type": "CRITICAL"})
    );
    assert_eq!(
        names(&suites[4]["cases"]),
        [
            "BH-K8S-001 at Deployment shop/web /spec/template/spec/containers/0/securityContext",
            "BH-IMG-002 at (image config)"
        ]
    );

    // Totals: every case, and every case that failed.
    assert_eq!(doc["attrs"]["tests"], "10");
    assert_eq!(doc["attrs"]["failures"], "9");
    let failure_elements: usize = suites
        .iter()
        .flat_map(|s| s["cases"].as_array().unwrap())
        .map(|c| c["failures"].as_array().unwrap().len())
        .sum();
    assert_eq!(
        failure_elements,
        report.vulnerabilities().count() + report.findings().count()
    );
}

#[test]
fn junit_groups_several_vulnerabilities_of_one_package() {
    let mut report = sample_report();
    let mut os = target("alpine (alpine 3.19)", "os-pkgs");
    os.vulnerabilities = vec![
        vuln("CVE-2024-1", "busybox", "1.36.1-r15", Severity::High),
        vuln("CVE-2024-2", "busybox", "1.36.1-r15", Severity::Low),
        vuln("CVE-2024-3", "busybox", "1.36.1-r15", Severity::Medium),
    ];
    report.results = vec![os];
    let doc = parsed(&report);
    let suite = &doc["suites"][0];
    assert_eq!(suite["attrs"]["tests"], "1");
    assert_eq!(suite["attrs"]["failures"], "1");
    let failures: Vec<(&str, &str)> = suite["cases"][0]["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["attrs"]["message"].as_str().unwrap(),
                f["attrs"]["type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        failures,
        [
            ("CVE-2024-1", "HIGH"),
            ("CVE-2024-2", "LOW"),
            ("CVE-2024-3", "MEDIUM")
        ]
    );
}

#[test]
fn junit_of_an_empty_scan_still_shows_a_run() {
    let mut report = sample_report();
    report.results.clear();
    let doc = parsed(&report);
    assert_eq!(doc["attrs"]["tests"], "1");
    assert_eq!(doc["attrs"]["failures"], "0");
    assert_eq!(
        doc["suites"][0]["attrs"]["name"],
        "oci:/srv/images/webapp-oci:webapp"
    );
}

#[test]
fn hostile_text_survives_a_round_trip() {
    let hostile = "<script>alert('x')</script> & \"quoted\" ]]> <![CDATA[ x ]]> \u{0}\u{1}\u{1b}[31m\u{7f}\u{FFFE} tab\there\r\nnext ü😀";
    // What XML 1.0 can carry: the same text less NUL, SOH, ESC and U+FFFE (DEL is allowed).
    let carried = "<script>alert('x')</script> & \"quoted\" ]]> <![CDATA[ x ]]> [31m\u{7f} tab\there\r\nnext ü😀";
    let mut report = sample_report();
    let mut t = target(&format!("target {hostile}"), "lang-pkgs");
    let mut v = vuln(&format!("ID {hostile}"), hostile, "1.0", Severity::High);
    v.title = hostile.into();
    t.vulnerabilities = vec![v];
    report.results = vec![t];
    let doc = parsed(&report);
    let suite = &doc["suites"][0];
    assert_eq!(suite["attrs"]["name"], format!("target {carried}"));
    let case = &suite["cases"][0];
    assert_eq!(case["attrs"]["classname"], format!("target {carried}"));
    assert_eq!(case["attrs"]["name"], format!("{carried}@1.0"));
    let failure = &case["failures"][0];
    assert_eq!(failure["attrs"]["message"], format!("ID {carried}"));
    assert_eq!(failure["attrs"]["type"], "HIGH");
    let text = failure["text"].as_str().unwrap();
    assert!(text.contains(&format!("\nTitle: {carried}")), "{text:?}");
    assert!(
        text.contains(&format!("\nPackage: {carried}\n")),
        "{text:?}"
    );
}
