//! JUnit XML, for CI test reports (GitLab, Jenkins, Azure Pipelines).
//!
//! The mapping:
//!
//! ```text
//! <testsuites name="bulkhead" tests=ALL failures=ALL_FAILED>
//!   <testsuite name=TARGET tests=N failures=FAILED errors="0" skipped="0">
//!     <testcase classname=TARGET name="PACKAGE@VERSION">      one per package with vulnerabilities
//!       <failure message=ID type=SEVERITY>details</failure>    one per vulnerability
//!     </testcase>
//!     <testcase classname=TARGET name="RULE-ID at LOCATION">   one per secret/misconfiguration
//!       <failure message=RULE-ID type=SEVERITY>details</failure>
//!     </testcase>
//!   </testsuite>
//! </testsuites>
//! ```
//!
//! `tests` and `failures` count test cases (a package with three vulnerabilities is one failed
//! test case holding three `<failure>` elements), so `failures <= tests` as CI tools expect. A
//! target where nothing was found gets one passing test case, so CI shows that it ran; so does
//! a report with no targets at all, under the artifact's name.
//!
//! XML is written by hand: the document is tiny and fixed, and the one subtle part, escaping,
//! is [`escape`] below.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::scan::{ScanReport, ScanTarget, VulnRow};

/// The name of the passing test case of a target where nothing was found.
const NOTHING_FOUND: &str = "no vulnerabilities or findings";

struct Case {
    name: String,
    /// `(message, type, details)` of each failure; empty for a passing case.
    failures: Vec<(String, String, String)>,
}

pub(crate) fn render(report: &ScanReport) -> String {
    let mut suites: Vec<(&str, Vec<Case>)> = report
        .results
        .iter()
        .map(|t| (t.target.as_str(), cases(t)))
        .collect();
    if suites.is_empty() {
        suites.push((report.artifact.name.as_str(), cases_of_nothing()));
    }
    let tests: usize = suites.iter().map(|(_, c)| c.len()).sum();
    let failed = |cases: &[Case]| cases.iter().filter(|c| !c.failures.is_empty()).count();
    let failures: usize = suites.iter().map(|(_, c)| failed(c)).sum();

    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites name=\"bulkhead\" tests=\"{tests}\" failures=\"{failures}\">"
    );
    for (target, cases) in &suites {
        let target = escape(target, true);
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{target}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">",
            cases.len(),
            failed(cases)
        );
        for case in cases {
            let _ = write!(
                xml,
                "    <testcase classname=\"{target}\" name=\"{}\"",
                escape(&case.name, true)
            );
            if case.failures.is_empty() {
                xml.push_str("/>\n");
                continue;
            }
            xml.push_str(">\n");
            for (message, kind, details) in &case.failures {
                let _ = writeln!(
                    xml,
                    "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                    escape(message, true),
                    escape(kind, true),
                    escape(details, false)
                );
            }
            xml.push_str("    </testcase>\n");
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

fn cases_of_nothing() -> Vec<Case> {
    vec![Case {
        name: NOTHING_FOUND.to_owned(),
        failures: Vec::new(),
    }]
}

/// A target's test cases: packages (sorted by name, version, purl), then findings (in report
/// order).
fn cases(target: &ScanTarget) -> Vec<Case> {
    let mut packages: BTreeMap<(&str, &str, &str), Vec<&VulnRow>> = BTreeMap::new();
    for v in &target.vulnerabilities {
        packages
            .entry((&v.package, &v.installed_version, &v.purl))
            .or_default()
            .push(v);
    }
    let mut cases: Vec<Case> = packages
        .into_iter()
        .map(|((package, version, _), vulns)| Case {
            name: format!("{package}@{version}"),
            failures: vulns
                .into_iter()
                .map(|v| (v.id.clone(), v.severity.to_string(), vuln_details(v)))
                .collect(),
        })
        .collect();
    for f in &target.findings {
        let location = crate::location_text(&f.location);
        let mut details = format!(
            "Rule: {}\nSeverity: {}\nLocation: {location}\nTitle: {}",
            f.rule.id, f.severity, f.title
        );
        if !f.rule.aliases.is_empty() {
            let _ = write!(details, "\nAliases: {}", f.rule.aliases.join(", "));
        }
        if let Some(evidence) = &f.evidence {
            let _ = write!(details, "\nEvidence: {}", evidence.text);
        }
        if let Some(remediation) = &f.remediation {
            let _ = write!(details, "\nRemediation: {remediation}");
        }
        cases.push(Case {
            name: format!("{} at {location}", f.rule.id),
            failures: vec![(f.rule.id.clone(), f.severity.to_string(), details)],
        });
    }
    if cases.is_empty() {
        cases = cases_of_nothing();
    }
    cases
}

fn vuln_details(v: &VulnRow) -> String {
    let mut details = format!(
        "Vulnerability: {}\nSeverity: {}\nPackage: {}\nInstalled Version: {}\nFixed Version: {}\nTitle: {}",
        v.id,
        v.severity,
        v.package,
        v.installed_version,
        v.fixed_version.as_deref().unwrap_or("(none)"),
        v.title
    );
    if !v.aliases.is_empty() {
        let _ = write!(details, "\nAliases: {}", v.aliases.join(", "));
    }
    if let Some(score) = v.cvss_score {
        let _ = write!(details, "\nCVSS: {score:.1}");
        if let Some(vector) = &v.cvss_vector {
            let _ = write!(details, " ({vector})");
        }
    }
    for r in &v.references {
        let _ = write!(details, "\nReference: {r}");
    }
    for l in &v.locations {
        let _ = write!(details, "\nPath: {}", l.path);
    }
    details
}

/// Escapes `text` for XML 1.0 character data (`attribute: false`) or a double- or
/// single-quoted attribute value. Characters XML 1.0 does not allow at all (C0 controls other
/// than tab, newline and carriage return; U+FFFE, U+FFFF) are dropped, since no escape can
/// carry them. In attributes, tab and newlines become character references, which parsers
/// keep, where a literal one would be normalised to a space; a carriage return is always a
/// reference, since a literal one is normalised away.
fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_drops_what_xml_cannot_carry() {
        assert_eq!(
            escape("a<b>&\"c\" 'd' ]]>", false),
            "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos; ]]&gt;"
        );
        assert_eq!(escape("x\u{0}\u{1b}[31my\u{FFFF}", false), "x[31my");
        assert_eq!(escape("l1\nl2\tt\r", false), "l1\nl2\tt&#13;");
        assert_eq!(escape("l1\nl2\tt\r", true), "l1&#10;l2&#9;t&#13;");
        assert_eq!(escape("ü ☃ 😀 \u{85}", true), "ü ☃ 😀 \u{85}");
    }
}
