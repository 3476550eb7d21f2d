//! SARIF 2.1.0, for code-scanning dashboards (GitHub code scanning, Azure DevOps, IDEs).
//!
//! The mapping, close to Trivy's so dashboards fed by either look alike:
//!
//! - one `run`, whose `tool.driver` is `bulkhead` with the crate version;
//! - one `rule` per distinct vulnerability id or finding rule id, sorted by id, carrying
//!   `shortDescription`/`fullDescription` (the title), `helpUri` (the first http(s)
//!   reference), `defaultConfiguration.level`, and `properties.security-severity` (the CVSS
//!   base score when known, else a number derived from the severity, which is what GitHub
//!   ranks alerts by) with `properties.tags` (`vulnerability`/`secret`/`misconfiguration`,
//!   `security`, the severity);
//! - one `result` per vulnerability and package (a [`VulnRow`]) and per finding, in report
//!   order, with `ruleId`, `ruleIndex`, `level` (`error` for CRITICAL and HIGH, `warning` for
//!   MEDIUM, `note` for LOW and UNKNOWN) and a Trivy-like message;
//! - every result has at least one `physicalLocation` with a `region` (consumers reject
//!   results without one): the package's paths, else the target's name, at line 1; a
//!   finding's file or image path with its line and column; a Kubernetes object as a
//!   `logicalLocation` beside the target's path. A layer digest goes in the location's
//!   `properties.layer`. URIs are relative and percent-encoded, so `uri-reference` holds.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use bulkhead_finding::{Finding, Location, Severity};
use serde_json::{Map, Value, json};

use crate::scan::{ScanReport, ScanTarget, VulnRow};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/bulkhead-sec/bulkhead";

pub(crate) fn render(report: &ScanReport) -> serde_json::Result<String> {
    let mut text = serde_json::to_string_pretty(&log(report))?;
    text.push('\n');
    Ok(text)
}

/// The whole SARIF log as a JSON value.
fn log(report: &ScanReport) -> Value {
    // Rules first, sorted by id, so `ruleIndex` is stable; the first occurrence of an id (in
    // report order) describes its rule.
    let mut rules: BTreeMap<&str, Value> = BTreeMap::new();
    for (_, vuln) in report.vulnerabilities() {
        rules
            .entry(vuln.id.as_str())
            .or_insert_with(|| vuln_rule(vuln));
    }
    // Findings suppressed in source stay in the log, marked, so an auditor sees them and why.
    let suppressed = || {
        report.results.iter().flat_map(|t| {
            t.suppressed_findings
                .iter()
                .map(move |s| (t, &s.finding, s.reason.as_str()))
        })
    };
    for (target, finding) in report.findings() {
        rules
            .entry(finding.rule.id.as_str())
            .or_insert_with(|| finding_rule(target, finding));
    }
    for (target, finding, _) in suppressed() {
        rules
            .entry(finding.rule.id.as_str())
            .or_insert_with(|| finding_rule(target, finding));
    }
    let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, id)| (*id, i)).collect();

    let mut results = Vec::new();
    for (target, vuln) in report.vulnerabilities() {
        results.push(vuln_result(target, vuln, index[vuln.id.as_str()]));
    }
    for (target, finding) in report.findings() {
        results.push(finding_result(
            target,
            finding,
            index[finding.rule.id.as_str()],
        ));
    }
    for (target, finding, reason) in suppressed() {
        let mut result = finding_result(target, finding, index[finding.rule.id.as_str()]);
        result["suppressions"] = json!([{"kind": "inSource", "justification": reason}]);
        results.push(result);
    }

    let mut properties = Map::new();
    properties.insert("artifactName".into(), json!(report.artifact.name));
    properties.insert("artifactType".into(), json!(report.artifact.kind));
    if let Some(digest) = &report.artifact.digest {
        properties.insert("artifactDigest".into(), json!(digest));
    }
    if let Some(os) = &report.artifact.os {
        properties.insert("os".into(), json!(os));
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "bulkhead",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": INFORMATION_URI,
                "rules": rules.into_values().collect::<Vec<_>>(),
            }},
            "results": results,
            "properties": properties,
        }],
    })
}

/// `error` for CRITICAL and HIGH, `warning` for MEDIUM, `note` otherwise (as Trivy).
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Unknown => "note",
    }
}

/// GitHub ranks alerts by `security-severity`: a CVSS-like number in `0.0..=10.0`, as a
/// string. Without a score, the severity maps to the middle of its CVSS band, as Trivy does.
fn security_severity(severity: Severity, cvss: Option<f64>) -> String {
    match cvss {
        Some(score) if (0.0..=10.0).contains(&score) => format!("{score:.1}"),
        _ => match severity {
            Severity::Critical => "9.5",
            Severity::High => "8.0",
            Severity::Medium => "5.5",
            Severity::Low => "2.0",
            Severity::Unknown => "0.0",
        }
        .to_owned(),
    }
}

/// The first reference usable as a `helpUri` (the schema wants an absolute URI).
fn primary_url(references: &[String]) -> Option<&str> {
    references.iter().map(String::as_str).find(|r| {
        (r.starts_with("https://") || r.starts_with("http://"))
            && !r.chars().any(|c| c.is_whitespace() || c.is_control())
    })
}

fn text_or<'a>(text: &'a str, fallback: &'a str) -> &'a str {
    if text.trim().is_empty() {
        fallback
    } else {
        text
    }
}

fn vuln_rule(vuln: &VulnRow) -> Value {
    let title = text_or(&vuln.title, &vuln.id);
    let mut full = title.to_owned();
    if !vuln.aliases.is_empty() {
        let _ = write!(full, " (also known as {})", vuln.aliases.join(", "));
    }
    let url = primary_url(&vuln.references);
    let link = url.map_or_else(String::new, |u| format!("\nLink: [{}]({u})", vuln.id));
    let mut properties = json!({
        "security-severity": security_severity(vuln.severity, vuln.cvss_score),
        "tags": ["vulnerability", "security", vuln.severity.as_str()],
        "precision": "very-high",
    });
    if !vuln.aliases.is_empty() {
        properties["aliases"] = json!(vuln.aliases);
    }
    if let Some(vector) = &vuln.cvss_vector {
        properties["cvssVector"] = json!(vector);
    }
    let mut rule = json!({
        "id": vuln.id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": full},
        "defaultConfiguration": {"level": level(vuln.severity)},
        "help": {
            "text": format!("Vulnerability {}\nSeverity: {}\n{title}{link}", vuln.id, vuln.severity),
            "markdown": format!(
                "**Vulnerability {}**\n\nSeverity: {}\n\n{title}{}",
                vuln.id,
                vuln.severity,
                url.map_or_else(String::new, |u| format!("\n\n[{}]({u})", vuln.id)),
            ),
        },
        "properties": properties,
    });
    if let Some(url) = url {
        rule["helpUri"] = json!(url);
    }
    rule
}

/// `secret` or `misconfiguration` from the target's class, for tags and messages.
fn finding_kind(target: &ScanTarget) -> &'static str {
    match target.class.as_str() {
        "secret" => "secret",
        "config" => "misconfiguration",
        _ => "finding",
    }
}

fn finding_rule(target: &ScanTarget, finding: &Finding) -> Value {
    let title = text_or(&finding.title, &finding.rule.id);
    let mut full = title.to_owned();
    if let Some(remediation) = &finding.remediation {
        let _ = write!(full, " Remediation: {remediation}");
    }
    let mut properties = json!({
        "security-severity": security_severity(finding.severity, None),
        "tags": [finding_kind(target), "security", finding.severity.as_str()],
        "precision": "very-high",
    });
    if !finding.rule.aliases.is_empty() {
        properties["aliases"] = json!(finding.rule.aliases);
    }
    json!({
        "id": finding.rule.id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": full},
        "defaultConfiguration": {"level": level(finding.severity)},
        "help": {"text": format!(
            "{} {}\nSeverity: {}\n{full}",
            capitalised(finding_kind(target)), finding.rule.id, finding.severity
        )},
        "properties": properties,
    })
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn vuln_result(target: &ScanTarget, vuln: &VulnRow, rule_index: usize) -> Value {
    let url = primary_url(&vuln.references).unwrap_or_default();
    let message = format!(
        "Package: {}\nInstalled Version: {}\nVulnerability {}\nSeverity: {}\nFixed Version: {}\nLink: [{}]({url})",
        vuln.package,
        vuln.installed_version,
        vuln.id,
        vuln.severity,
        vuln.fixed_version.as_deref().unwrap_or_default(),
        vuln.id,
    );
    let what = format!("{}@{}", vuln.package, vuln.installed_version);
    let locations: Vec<Value> = if vuln.locations.is_empty() {
        vec![physical(
            &target.target,
            1,
            None,
            None,
            &format!("{}: {what}", target.target),
        )]
    } else {
        vuln.locations
            .iter()
            .map(|l| {
                physical(
                    &l.path,
                    1,
                    None,
                    l.layer.as_deref(),
                    &format!("{}: {what}", l.path),
                )
            })
            .collect()
    };
    json!({
        "ruleId": vuln.id,
        "ruleIndex": rule_index,
        "level": level(vuln.severity),
        "message": {"text": message},
        "locations": locations,
        "properties": {"purl": vuln.purl, "target": target.target},
    })
}

fn finding_result(target: &ScanTarget, finding: &Finding, rule_index: usize) -> Value {
    let mut message = format!(
        "Artifact: {}\nType: {}\n{} {}\nSeverity: {}\n{}",
        target.target,
        target.class,
        capitalised(finding_kind(target)),
        finding.rule.id,
        finding.severity,
        text_or(&finding.title, &finding.rule.id),
    );
    if let Some(evidence) = &finding.evidence {
        let _ = write!(message, "\nEvidence: {}", evidence.text);
    }
    if let Some(remediation) = &finding.remediation {
        let _ = write!(message, "\nRemediation: {remediation}");
    }
    let described = crate::location_text(&finding.location);
    let location = match &finding.location {
        Location::File { path, line, column } => {
            physical(path, line.unwrap_or(1), *column, None, &described)
        }
        Location::Image {
            layer,
            path,
            line,
            column,
        } => physical(
            path.as_deref().unwrap_or(&target.target),
            line.unwrap_or(1),
            *column,
            layer.as_deref(),
            &described,
        ),
        Location::Commit {
            commit,
            path,
            line,
            column,
        } => {
            let mut location = physical(path, line.unwrap_or(1), *column, None, &described);
            location["properties"] = json!({"commit": commit});
            location
        }
        Location::Object {
            kind,
            namespace,
            name,
            pointer: _,
            file,
            line,
            column,
        } => {
            // The object lives in a manifest (its file and line when read from one, else the
            // target's); the object itself is a logical location, which dashboards show
            // beside the file.
            let file = file.as_deref().unwrap_or(&target.target);
            let mut location = physical(file, line.unwrap_or(1), *column, None, &described);
            let qualified = match namespace {
                Some(ns) => format!("{kind}/{ns}/{name}"),
                None => format!("{kind}/{name}"),
            };
            location["logicalLocations"] = json!([{
                "name": name,
                "fullyQualifiedName": qualified,
                "kind": "resource",
            }]);
            location
        }
    };
    json!({
        "ruleId": finding.rule.id,
        "ruleIndex": rule_index,
        "level": level(finding.severity),
        "message": {"text": message},
        "locations": [location],
        "properties": {"target": target.target},
    })
}

/// A `location` with a `physicalLocation` at `path`, `line` (and `column`), 1-based.
fn physical(
    path: &str,
    line: u32,
    column: Option<u32>,
    layer: Option<&str>,
    message: &str,
) -> Value {
    let mut region = json!({"startLine": line.max(1)});
    if let Some(column) = column {
        region["startColumn"] = json!(column.max(1));
    }
    let mut location = json!({
        "physicalLocation": {
            "artifactLocation": {"uri": path_uri(path)},
            "region": region,
        },
        "message": {"text": message},
    });
    if let Some(layer) = layer {
        location["properties"] = json!({"layer": layer});
    }
    location
}

/// A path as a relative URI reference: backslashes become `/`, leading slashes go (paths are
/// relative to the scanned root), and every byte outside RFC 3986 `pchar` and `/` is
/// percent-encoded. `:` is always encoded, so `oci:dir:tag` cannot read as a scheme.
fn path_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.trim_start_matches('/');
    let mut uri = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=@/".contains(&byte);
        if keep {
            uri.push(char::from(byte));
        } else {
            let _ = write!(uri, "%{byte:02X}");
        }
    }
    if uri.is_empty() {
        uri.push('.');
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_relative_uri_references() {
        assert_eq!(
            path_uri("/usr/lib/node_modules/@babel/core/package.json"),
            "usr/lib/node_modules/@babel/core/package.json"
        );
        assert_eq!(
            path_uri("oci:/tmp/x:webapp (debian 12)"),
            "oci%3A/tmp/x%3Awebapp%20(debian%2012)"
        );
        assert_eq!(path_uri("C:\\app\\ü.txt"), "C%3A/app/%C3%BC.txt");
        assert_eq!(path_uri("100%"), "100%25");
        assert_eq!(path_uri("/"), ".");
    }

    #[test]
    fn scores_prefer_cvss_and_fall_back_to_severity() {
        assert_eq!(security_severity(Severity::Low, Some(9.8)), "9.8");
        assert_eq!(security_severity(Severity::High, None), "8.0");
        assert_eq!(security_severity(Severity::Critical, Some(f64::NAN)), "9.5");
        assert_eq!(security_severity(Severity::Medium, Some(11.0)), "5.5");
        assert_eq!(security_severity(Severity::Unknown, None), "0.0");
    }
}
