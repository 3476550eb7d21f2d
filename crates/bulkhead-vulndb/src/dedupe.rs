//! One row per vulnerability per package. The same flaw arrives as `CVE-2023-1234` from
//! Debian, `GHSA-…` from GitHub with the CVE as an alias, and again from rubysec: matches whose
//! ids overlap (transitively) are one vulnerability, shown under its CVE id when it has one.

use std::collections::BTreeSet;

use bulkhead_finding::Severity;
use serde::Serialize;

use crate::matching::Match;

/// A vulnerability affecting one package, merged from every feed that knows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vulnerability {
    /// The CVE id if any feed gives one, else a GHSA id, else the first feed's id.
    pub id: String,
    /// Every other id of it, sorted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub severity: Severity,
    /// Highest CVSS base score any feed gives, with its vector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss_score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss_vector: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    pub title: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// The feeds that reported it (`osv/Debian`, `alpine-secdb`, …).
    pub sources: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// RustSec informational kind (`unmaintained`, `unsound`), if it is not a vulnerability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub informational: Option<String>,
}

/// Folds one package's matches into distinct vulnerabilities, sorted by id.
///
/// When feeds disagree, the first match in feed priority wins each field: distro feeds
/// (their severity is the distro's own assessment for the package it ships), then OSV/GHSA,
/// then the rest. A fix one feed knows and another does not is kept.
pub fn dedupe(mut matches: Vec<Match>) -> Vec<Vulnerability> {
    matches.sort_by(|a, b| {
        priority(&a.advisory.source)
            .cmp(&priority(&b.advisory.source))
            .then_with(|| a.advisory.id.cmp(&b.advisory.id))
    });
    // Union-find over matches by shared id.
    let mut groups: Vec<(BTreeSet<String>, Vec<Match>)> = Vec::new();
    for m in matches {
        let ids: BTreeSet<String> = m.advisory.ids().map(str::to_owned).collect();
        let overlapping: Vec<usize> = groups
            .iter()
            .enumerate()
            .filter(|(_, (group_ids, _))| !group_ids.is_disjoint(&ids))
            .map(|(i, _)| i)
            .collect();
        let mut merged_ids = ids;
        let mut merged = Vec::new();
        for &i in overlapping.iter().rev() {
            let (group_ids, group) = groups.remove(i);
            merged_ids.extend(group_ids);
            merged.splice(0..0, group);
        }
        merged.push(m);
        merged.sort_by(|a, b| {
            priority(&a.advisory.source)
                .cmp(&priority(&b.advisory.source))
                .then_with(|| a.advisory.id.cmp(&b.advisory.id))
        });
        groups.push((merged_ids, merged));
    }
    let mut out: Vec<Vulnerability> = groups
        .into_iter()
        .map(|(ids, group)| merge(&ids, &group))
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

fn priority(source: &str) -> u8 {
    if source.starts_with("osv/Debian")
        || source.starts_with("osv/Alpine")
        || source.starts_with("alpine-secdb")
        || source.starts_with("osv/Ubuntu")
    {
        0
    } else if source.starts_with("osv/") {
        1
    } else {
        2
    }
}

fn merge(ids: &BTreeSet<String>, group: &[Match]) -> Vulnerability {
    let primary = ids
        .iter()
        .find(|i| i.starts_with("CVE-"))
        .or_else(|| ids.iter().find(|i| i.starts_with("GHSA-")))
        .cloned()
        .unwrap_or_else(|| group[0].advisory.id.clone());
    let severity = group
        .iter()
        .map(|m| m.severity)
        .find(|s| *s != Severity::Unknown)
        .unwrap_or(Severity::Unknown);
    let best_cvss = group
        .iter()
        .flat_map(|m| &m.advisory.cvss)
        .filter(|c| c.vector.starts_with("CVSS:3") || c.vector.starts_with("CVSS:4"))
        .max_by(|a, b| a.score.total_cmp(&b.score));
    let mut references: Vec<String> = Vec::new();
    for m in group {
        for r in &m.advisory.references {
            if !references.contains(r) {
                references.push(r.clone());
            }
        }
    }
    references.truncate(8);
    let mut sources: Vec<String> = group.iter().map(|m| m.advisory.source.clone()).collect();
    sources.sort();
    sources.dedup();
    Vulnerability {
        aliases: ids.iter().filter(|i| **i != primary).cloned().collect(),
        id: primary,
        severity,
        cvss_score: best_cvss.map(|c| c.score),
        cvss_vector: best_cvss.map(|c| c.vector.clone()),
        fixed_version: group.iter().find_map(|m| m.fixed_version.clone()),
        title: group
            .iter()
            .map(|m| m.advisory.summary.as_str())
            .find(|s| !s.is_empty())
            .unwrap_or_default()
            .to_owned(),
        references,
        sources,
        published: group.iter().find_map(|m| m.advisory.published.clone()),
        informational: group
            .iter()
            .all(|m| m.advisory.informational.is_some())
            .then(|| group[0].advisory.informational.clone())
            .flatten(),
    }
}
