//! The table format's misconfiguration snippets: source lines with their numbers, the
//! finding's own line marked, the fix.

use bulkhead_finding::{Evidence, Finding, Location, RuleId, Severity};
use bulkhead_report::{OutputFormat, render_scan};

#[test]
fn misconfigurations_show_their_source_lines() {
    let mut report = crate::sample_report();
    let mut target = crate::target("Dockerfile", "config");
    target.findings = vec![Finding {
        rule: RuleId::new("BH-DF-022").with_aliases(["DL3015"]),
        severity: Severity::High,
        title: "`apt-get install` without `--no-install-recommends`".into(),
        location: Location::File {
            path: "Dockerfile".into(),
            line: Some(10),
            column: Some(5),
        },
        evidence: Some(Evidence {
            text: "RUN apt-get update && \\\n    apt-get install -y curl".into(),
            first_line: Some(9),
        }),
        remediation: Some("Add `--no-install-recommends`.".into()),
        fingerprint: None,
    }];
    report.results = vec![target];
    let text = render_scan(&report, OutputFormat::Table).unwrap();
    let expected = "\
BH-DF-022 (HIGH): `apt-get install` without `--no-install-recommends`
  --> Dockerfile:10:5
   |
 9 | RUN apt-get update && \\
10 |>    apt-get install -y curl
   |
   = fix: Add `--no-install-recommends`.
";
    assert!(text.contains(expected), "{text}");
}
