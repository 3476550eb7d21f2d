//! OSV records (JSON, and YAML as the PyPA database writes them) into [`Advisory`].
//!
//! Follows the OSV schema 1.6: `ranges` of type `ECOSYSTEM` and `SEMVER` (`GIT` ranges name
//! commits, which installed packages do not have, and are skipped), `versions` lists,
//! `withdrawn` (skipped entirely), `aliases`, CVSS vectors in `severity` (scored here), and the
//! per-package ratings feeds put in `ecosystem_specific.urgency` (Debian),
//! `ecosystem_specific.severity` / `database_specific.severity` (GHSA). RustSec's
//! `database_specific.informational` marks advisories that are not vulnerabilities.

use bulkhead_finding::Severity;
use serde::Deserialize;

use super::{ParseError, lenient};
use crate::model::{Advisory, Affected, Cvss, Event, Range};
use crate::names::{ecosystem_base, normalize_name};
use crate::severity::{cvss_severity, distro_severity};

/// How many references an advisory keeps: enough to click through, not the whole web.
const MAX_REFERENCES: usize = 8;
/// How long a one-line summary made from `details` may be.
const SUMMARY_CHARS: usize = 200;

#[derive(Deserialize)]
struct Record {
    id: String,
    #[serde(default)]
    modified: Option<String>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default, deserialize_with = "lenient::vec")]
    aliases: Vec<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default, deserialize_with = "lenient::vec")]
    severity: Vec<SeverityEntry>,
    #[serde(default, deserialize_with = "lenient::vec")]
    affected: Vec<AffectedEntry>,
    #[serde(default, deserialize_with = "lenient::vec")]
    references: Vec<Reference>,
    #[serde(default)]
    database_specific: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct SeverityEntry {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Deserialize)]
struct AffectedEntry {
    #[serde(default)]
    package: Option<PackageEntry>,
    #[serde(default, deserialize_with = "lenient::vec")]
    severity: Vec<SeverityEntry>,
    #[serde(default, deserialize_with = "lenient::vec")]
    ranges: Vec<RangeEntry>,
    #[serde(default, deserialize_with = "lenient::string_vec")]
    versions: Vec<String>,
    #[serde(default)]
    ecosystem_specific: Option<serde_json::Value>,
    #[serde(default)]
    database_specific: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct PackageEntry {
    // Entries with only GIT ranges have an empty `package` object.
    #[serde(default)]
    ecosystem: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct RangeEntry {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, deserialize_with = "lenient::vec")]
    events: Vec<EventEntry>,
}

#[derive(Deserialize)]
struct EventEntry {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    introduced: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    fixed: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    last_affected: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    limit: Option<String>,
}

#[derive(Deserialize)]
struct Reference {
    #[serde(rename = "type", default)]
    kind: String,
    url: String,
}

/// Parses one OSV JSON document. `Ok(None)` for a withdrawn advisory.
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Option<Advisory>, ParseError> {
    let record: Record = serde_json::from_slice(bytes).map_err(|e| ParseError(e.to_string()))?;
    convert(record)
}

/// Parses one OSV YAML document (PyPA's advisory database).
pub(crate) fn parse_yaml(bytes: &[u8]) -> Result<Option<Advisory>, ParseError> {
    let record: Record = serde_yaml_ng::from_slice(bytes).map_err(|e| ParseError(e.to_string()))?;
    convert(record)
}

/// Whether a JSON document looks like OSV (rather than some other JSON in the tree).
pub(crate) fn looks_like(value_keys: &[&str]) -> bool {
    value_keys.contains(&"id")
        && (value_keys.contains(&"affected") || value_keys.contains(&"modified"))
}

fn convert(record: Record) -> Result<Option<Advisory>, ParseError> {
    if record.withdrawn.is_some() || withdrawn_by_text(&record) {
        return Ok(None);
    }
    let id = record.id.trim().to_owned();
    if id.is_empty() || id.len() > 256 {
        return Err(ParseError("`id` is empty or too long".into()));
    }
    let cvss = cvss_entries(&record.severity);
    let database_specific = record.database_specific.as_ref();
    let label_severity = database_specific
        .and_then(|d| d.get("severity"))
        .and_then(serde_json::Value::as_str)
        .and_then(distro_severity);
    let severity = highest_cvss(&cvss).or(label_severity);
    let informational = database_specific
        .and_then(|d| d.get("informational"))
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);

    let mut affected = Vec::new();
    for entry in record.affected {
        let Some(package) = entry.package else {
            continue;
        };
        let ecosystem = package.ecosystem.trim().to_owned();
        if ecosystem.is_empty() || package.name.trim().is_empty() {
            continue;
        }
        let semver_go = ecosystem_base(&ecosystem) == "Go";
        let mut ranges = Vec::new();
        for range in entry.ranges {
            if !matches!(range.kind.as_str(), "ECOSYSTEM" | "SEMVER") {
                continue;
            }
            let events: Vec<Event> = range
                .events
                .into_iter()
                .filter_map(|e| event(e, semver_go))
                .collect();
            if !events.is_empty() {
                ranges.push(Range::Events(events));
            }
        }
        let package_cvss = cvss_entries(&entry.severity);
        let severity = rating(entry.ecosystem_specific.as_ref())
            .or_else(|| rating(entry.database_specific.as_ref()))
            .or_else(|| highest_cvss(&package_cvss));
        affected.push(Affected {
            package: normalize_name(&ecosystem, &package.name),
            ecosystem,
            ranges,
            versions: entry.versions,
            severity,
        });
    }

    Ok(Some(Advisory {
        aliases: record
            .aliases
            .into_iter()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty() && *a != id)
            .collect(),
        id,
        source: String::new(),
        summary: one_line(record.summary.as_deref(), record.details.as_deref()),
        severity,
        cvss,
        published: record.published,
        modified: record.modified,
        references: references(record.references),
        informational,
        affected,
    }))
}

/// GitHub marks a withdrawn advisory in its text, `Withdrawn:` before the summary and a
/// `# Withdrawn` heading in the details, and exports of the GitHub database that drop the
/// `withdrawn` field (the vulsio mirrors under `vulndata/ghsa-*`) keep only that.
fn withdrawn_by_text(record: &Record) -> bool {
    record
        .summary
        .as_deref()
        .is_some_and(|s| s.trim_start().starts_with("Withdrawn:"))
        && record
            .details
            .as_deref()
            .is_some_and(|d| d.trim_start().starts_with("# Withdrawn"))
}

/// Go's OSV versions are written without the `v` the module system puts in front.
fn event(e: EventEntry, add_v: bool) -> Option<Event> {
    let go = |v: String| {
        if add_v && v != "0" && !v.starts_with('v') {
            format!("v{v}")
        } else {
            v
        }
    };
    if let Some(v) = e.introduced {
        return Some(Event::Introduced(go(v)));
    }
    if let Some(v) = e.fixed {
        return Some(Event::Fixed(go(v)));
    }
    if let Some(v) = e.last_affected {
        return Some(Event::LastAffected(go(v)));
    }
    e.limit.map(|v| Event::Limit(go(v)))
}

fn cvss_entries(entries: &[SeverityEntry]) -> Vec<Cvss> {
    entries
        .iter()
        .filter(|s| s.kind.starts_with("CVSS_"))
        .filter_map(|s| {
            cvss_severity(&s.score).map(|(score, _)| Cvss {
                vector: s.score.trim().to_owned(),
                score,
            })
        })
        .collect()
}

/// The rating of the newest CVSS version given (v4 over v3 over v2), as NVD and Trivy prefer.
fn highest_cvss(cvss: &[Cvss]) -> Option<Severity> {
    let rank = |v: &str| {
        if v.starts_with("CVSS:4") {
            3
        } else if v.starts_with("CVSS:3") {
            2
        } else {
            1
        }
    };
    cvss.iter()
        .max_by_key(|c| rank(&c.vector))
        .and_then(|c| cvss_severity(&c.vector))
        .map(|(_, s)| s)
}

/// `urgency` (Debian) or `severity` (GHSA) in an `*_specific` object.
fn rating(specific: Option<&serde_json::Value>) -> Option<Severity> {
    let object = specific?;
    ["urgency", "severity"]
        .iter()
        .find_map(|key| object.get(key).and_then(serde_json::Value::as_str))
        .and_then(distro_severity)
}

fn one_line(summary: Option<&str>, details: Option<&str>) -> String {
    let text = summary
        .filter(|s| !s.trim().is_empty())
        .or(details)
        .unwrap_or("");
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= SUMMARY_CHARS {
        return line;
    }
    let mut short: String = line.chars().take(SUMMARY_CHARS - 1).collect();
    short.push('…');
    short
}

fn references(mut refs: Vec<Reference>) -> Vec<String> {
    // Advisory pages first; otherwise the feed's order.
    refs.sort_by_key(|r| r.kind != "ADVISORY");
    refs.into_iter()
        .map(|r| r.url)
        .filter(|u| u.len() <= 2048)
        .take(MAX_REFERENCES)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_a_ghsa_record() {
        let json = br#"{
          "id": "GHSA-aaaa-bbbb-cccc", "modified": "2024-01-01T00:00:00Z",
          "aliases": ["CVE-2024-0001"], "summary": "Prototype pollution",
          "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
          "affected": [{"package": {"ecosystem": "npm", "name": "Lodash"},
             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]},
                        {"type": "GIT", "events": [{"introduced": "abc"}]}]}],
          "database_specific": {"severity": "MODERATE"}
        }"#;
        let adv = parse_json(json).unwrap().unwrap();
        assert_eq!(adv.aliases, ["CVE-2024-0001"]);
        assert_eq!(
            adv.severity,
            Some(Severity::Critical),
            "CVSS beats the label"
        );
        assert_eq!(adv.affected[0].package, "lodash");
        assert_eq!(
            adv.affected[0].ranges,
            [Range::Events(vec![
                Event::Introduced("0".into()),
                Event::Fixed("4.17.21".into())
            ])]
        );
    }

    #[test]
    fn withdrawn_is_skipped_and_bad_types_are_errors() {
        let json = br#"{"id": "X-1", "withdrawn": "2024-01-01T00:00:00Z", "affected": []}"#;
        assert_eq!(parse_json(json).unwrap(), None);
        let json = br##"{"id": "GHSA-8p5q-j9m2-g8wr", "summary": "Withdrawn: Arbitrary code execution in lodash",
            "details": "# Withdrawn\n\nGitHub has chosen to publish this CVE as a withdrawn advisory", "affected": []}"##;
        assert_eq!(parse_json(json).unwrap(), None);
        assert!(parse_json(br#"{"id": 5}"#).is_err());
        assert!(parse_json(b"[]").is_err());
    }

    #[test]
    fn go_versions_get_their_v() {
        let json =
            br#"{"id": "GO-1", "affected": [{"package": {"ecosystem": "Go", "name": "stdlib"},
          "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.20.5"}]}]}]}"#;
        let adv = parse_json(json).unwrap().unwrap();
        assert_eq!(
            adv.affected[0].ranges,
            [Range::Events(vec![
                Event::Introduced("0".into()),
                Event::Fixed("v1.20.5".into())
            ])]
        );
    }
}
