//! CycloneDX 1.6 with a `vulnerabilities` array (<https://cyclonedx.org/docs/1.6/json/#vulnerabilities>):
//! the SBOM of [`cyclonedx`](crate::cyclonedx) plus what a scan found in it, as Trivy writes
//! for `--format cyclonedx --scanners vuln`.
//!
//! One vulnerability object per id, whatever the number of packages it affects:
//!
//! - `bom-ref` `bulkhead:vulnerability:ID`, `id`, and `source` naming the id's authority (NVD
//!   for `CVE-`, GitHub for `GHSA-`, OSV otherwise) with the id's page there;
//! - `references`: the aliases, each with its own source;
//! - `ratings`: the severity (lowercase), with the CVSS score, vector and method
//!   (`CVSSv2`, `CVSSv3`, `CVSSv31`, `CVSSv4`) when known;
//! - `description` (the title), `recommendation` (`Upgrade X to F` for each fixed package);
//! - `affects`: the `bom-ref` of each affected component (matched by purl against the
//!   components the document lists) with the installed version as `affected`; a row whose
//!   purl is not among the components is left out of `affects` rather than pointing nowhere;
//! - `properties`: the feeds that reported it (`bulkhead:vulnerability:feed`).
//!
//! The scan's vulnerability-level facts (severity, CVSS, title) come from the first row of
//! each id, in the order given; `analysis` (VEX) is omitted.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use bulkhead_finding::Severity;
use bulkhead_inventory::Inventory;
use bulkhead_report::VulnRow;
use serde_json::{Value, json};

use crate::{DocumentInfo, Subject, cyclonedx};

/// The inventory as a CycloneDX 1.6 JSON document, like [`cyclonedx`], plus a top-level
/// `vulnerabilities` array built from a scan's rows (see the module documentation for the
/// mapping). Vulnerabilities are sorted by id; `affects` by component reference.
pub fn cyclonedx_with_vulnerabilities(
    subject: &Subject,
    inventory: &Inventory,
    info: &DocumentInfo,
    vulnerabilities: &[VulnRow],
) -> Value {
    let mut document = cyclonedx(subject, inventory, info);
    // Match by the purl the document itself lists, so the references are whatever
    // `cyclonedx` assigned.
    let bom_refs: BTreeMap<String, String> = document["components"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| {
            Some((
                c["purl"].as_str()?.to_owned(),
                c["bom-ref"].as_str()?.to_owned(),
            ))
        })
        .collect();
    let mut by_id: BTreeMap<&str, Vec<&VulnRow>> = BTreeMap::new();
    for row in vulnerabilities {
        by_id.entry(row.id.as_str()).or_default().push(row);
    }
    let entries: Vec<Value> = by_id
        .into_iter()
        .map(|(id, rows)| vulnerability(id, &rows, &bom_refs))
        .collect();
    document["vulnerabilities"] = Value::Array(entries);
    document
}

fn vulnerability(id: &str, rows: &[&VulnRow], bom_refs: &BTreeMap<String, String>) -> Value {
    // `rows` is never empty: it was grouped from at least one row.
    let first = rows[0];
    let mut entry = json!({
        "bom-ref": format!("bulkhead:vulnerability:{id}"),
        "id": id,
        "source": source(id),
        "ratings": [rating(first)],
    });
    let aliases: BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| r.aliases.iter().map(String::as_str))
        .filter(|a| *a != id)
        .collect();
    if !aliases.is_empty() {
        entry["references"] = aliases
            .into_iter()
            .map(|a| json!({"id": a, "source": source(a)}))
            .collect();
    }
    if !first.title.trim().is_empty() {
        entry["description"] = json!(first.title);
    }
    let upgrades: BTreeSet<String> = rows
        .iter()
        .filter_map(|r| {
            r.fixed_version
                .as_ref()
                .map(|f| format!("Upgrade {} to {f}", r.package))
        })
        .collect();
    if !upgrades.is_empty() {
        entry["recommendation"] = json!(upgrades.into_iter().collect::<Vec<_>>().join("; "));
    }
    let mut affects: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for row in rows {
        if let Some(bom_ref) = bom_refs.get(&row.purl) {
            affects
                .entry(bom_ref)
                .or_default()
                .insert(&row.installed_version);
        }
    }
    if !affects.is_empty() {
        entry["affects"] = affects
            .into_iter()
            .map(|(bom_ref, versions)| {
                json!({
                    "ref": bom_ref,
                    "versions": versions
                        .into_iter()
                        .map(|v| json!({"version": v, "status": "affected"}))
                        .collect::<Vec<_>>(),
                })
            })
            .collect();
    }
    let feeds: BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| r.sources.iter().map(String::as_str))
        .collect();
    if !feeds.is_empty() {
        entry["properties"] = feeds
            .into_iter()
            .map(|f| json!({"name": "bulkhead:vulnerability:feed", "value": f}))
            .collect();
    }
    entry
}

/// Who assigns `id`, and its page there.
fn source(id: &str) -> Value {
    let (name, base) = if id.starts_with("CVE-") {
        ("NVD", "https://nvd.nist.gov/vuln/detail/")
    } else if id.starts_with("GHSA-") {
        ("GitHub", "https://github.com/advisories/")
    } else {
        ("OSV", "https://osv.dev/vulnerability/")
    };
    json!({"name": name, "url": format!("{base}{}", url_segment(id))})
}

/// `id` as one URL path segment: ids from feeds are attacker-reachable text.
fn url_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

fn rating(row: &VulnRow) -> Value {
    let mut rating = json!({"severity": severity(row.severity)});
    if let Some(score) = row.cvss_score.filter(|s| (0.0..=10.0).contains(s)) {
        rating["score"] = json!(score);
    }
    if let Some(vector) = &row.cvss_vector {
        rating["vector"] = json!(vector);
        if let Some(method) = cvss_method(vector) {
            rating["method"] = json!(method);
        }
    }
    rating
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Unknown => "unknown",
    }
}

/// The CycloneDX scoring method of a CVSS vector, from its prefix; CVSS v2 vectors have none.
fn cvss_method(vector: &str) -> Option<&'static str> {
    if vector.starts_with("CVSS:4.0/") {
        Some("CVSSv4")
    } else if vector.starts_with("CVSS:3.1/") {
        Some("CVSSv31")
    } else if vector.starts_with("CVSS:3.0/") {
        Some("CVSSv3")
    } else if vector.starts_with("AV:") {
        Some("CVSSv2")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_follow_vector_versions() {
        assert_eq!(cvss_method("CVSS:3.1/AV:N/AC:L"), Some("CVSSv31"));
        assert_eq!(cvss_method("CVSS:3.0/AV:N/AC:L"), Some("CVSSv3"));
        assert_eq!(cvss_method("CVSS:4.0/AV:N/AC:L"), Some("CVSSv4"));
        assert_eq!(cvss_method("AV:N/AC:L/Au:N/C:P/I:P/A:P"), Some("CVSSv2"));
        assert_eq!(cvss_method("garbage"), None);
    }

    #[test]
    fn sources_name_the_id_authority() {
        assert_eq!(source("CVE-2024-1")["name"], "NVD");
        assert_eq!(source("GHSA-aaaa-bbbb-cccc")["name"], "GitHub");
        assert_eq!(
            source("RUSTSEC-2024-0001/x y")["url"],
            "https://osv.dev/vulnerability/RUSTSEC-2024-0001%2Fx%20y"
        );
    }
}
