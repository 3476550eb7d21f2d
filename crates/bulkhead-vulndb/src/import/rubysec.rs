//! rubysec's ruby-advisory-db (`gems/<gem>/<id>.yml`): a gem version is vulnerable unless it
//! satisfies one of `patched_versions` or `unaffected_versions`, each a RubyGems requirement
//! (`"~> 2.1.3"`, `">= 1.4.0, < 1.5"`). `~>` is expanded at import into the two bounds RubyGems
//! gives it (`~> 2.1.3` is `>= 2.1.3, < 2.2`). Interpreter advisories (`rubies/`, `engine:`)
//! name no gem and are skipped.

use serde::Deserialize;

use super::{ParseError, lenient};
use crate::model::{Advisory, Affected, Constraint, Op, Range};
use crate::severity::{score_rating, v2_rating};

#[derive(Deserialize)]
struct Record {
    #[serde(default)]
    gem: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    cve: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    ghsa: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    osvdb: Option<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    date: Option<String>,
    #[serde(default)]
    cvss_v2: Option<f64>,
    #[serde(default)]
    cvss_v3: Option<f64>,
    #[serde(default)]
    cvss_v4: Option<f64>,
    #[serde(default, deserialize_with = "lenient::string_vec")]
    patched_versions: Vec<String>,
    #[serde(default, deserialize_with = "lenient::string_vec")]
    unaffected_versions: Vec<String>,
}

pub(crate) fn looks_like(text: &str) -> bool {
    text.lines()
        .any(|l| l.starts_with("gem:") || l.starts_with("engine:"))
}

/// `Ok(None)` for interpreter advisories.
pub(crate) fn parse(bytes: &[u8], file_stem: &str) -> Result<Option<Advisory>, ParseError> {
    let record: Record = serde_yaml_ng::from_slice(bytes).map_err(|e| ParseError(e.to_string()))?;
    let Some(gem) = record.gem else {
        return Ok(None);
    };
    let mut ids: Vec<String> = Vec::new();
    if let Some(cve) = record.cve.filter(|c| !c.trim().is_empty()) {
        ids.push(format!("CVE-{}", cve.trim().trim_start_matches("CVE-")));
    }
    if let Some(ghsa) = record.ghsa.filter(|g| !g.trim().is_empty()) {
        ids.push(format!("GHSA-{}", ghsa.trim().trim_start_matches("GHSA-")));
    }
    if let Some(osvdb) = record.osvdb.filter(|o| !o.trim().is_empty()) {
        ids.push(format!("OSVDB-{}", osvdb.trim()));
    }
    if ids.is_empty() {
        ids.push(format!("rubysec:{gem}:{file_stem}"));
    }
    let id = ids.remove(0);

    let mut groups = Vec::new();
    for requirement in record
        .patched_versions
        .iter()
        .chain(&record.unaffected_versions)
    {
        groups.push(parse_requirement(requirement)?);
    }
    let severity = [
        record.cvss_v4.map(score_rating),
        record.cvss_v3.map(score_rating),
        record.cvss_v2.map(v2_rating),
    ]
    .into_iter()
    .flatten()
    .next();

    Ok(Some(Advisory {
        id,
        source: String::new(),
        aliases: ids,
        summary: record.title.unwrap_or_default().trim().to_owned(),
        severity,
        cvss: Vec::new(),
        published: record.date,
        modified: None,
        references: record.url.into_iter().collect(),
        informational: None,
        affected: vec![Affected {
            ecosystem: "RubyGems".into(),
            package: gem.trim().to_owned(),
            ranges: vec![Range::NoneOf(groups)],
            versions: Vec::new(),
            severity: None,
        }],
    }))
}

/// One RubyGems requirement string: comma-separated `op version` terms, all of which hold.
pub(crate) fn parse_requirement(text: &str) -> Result<Vec<Constraint>, ParseError> {
    let mut out = Vec::new();
    for term in text.split(',') {
        let term = term.trim();
        if term.is_empty() {
            continue;
        }
        let (op, version) = split_op(term);
        let version = version.trim();
        if version.is_empty() || version.len() > 128 {
            return Err(ParseError(format!("bad requirement `{term}`")));
        }
        match op {
            "~>" => {
                out.push(Constraint {
                    op: Op::Ge,
                    version: version.to_owned(),
                });
                out.push(Constraint {
                    op: Op::Lt,
                    version: pessimistic_bound(version)
                        .ok_or_else(|| ParseError(format!("bad requirement `{term}`")))?,
                });
            }
            _ => out.push(Constraint {
                op: match op {
                    "<" => Op::Lt,
                    "<=" => Op::Le,
                    ">" => Op::Gt,
                    ">=" => Op::Ge,
                    "!=" => Op::Ne,
                    _ => Op::Eq,
                },
                version: version.to_owned(),
            }),
        }
    }
    if out.is_empty() {
        return Err(ParseError(format!("empty requirement `{text}`")));
    }
    Ok(out)
}

fn split_op(term: &str) -> (&str, &str) {
    for op in ["~>", ">=", "<=", "!=", ">", "<", "="] {
        if let Some(rest) = term.strip_prefix(op) {
            return (op, rest);
        }
    }
    ("=", term)
}

/// `Gem::Version#bump`: drop prerelease parts, drop the last number if there are two or more,
/// and increment the new last number (`2.1.3` → `2.2`, `2` → `3`).
fn pessimistic_bound(version: &str) -> Option<String> {
    let mut parts: Vec<&str> = version.split(['.', '-']).collect();
    // `Gem::Version` drops every segment from the first one with letters on (`1.0.0.rc1.1`).
    if let Some(first_text) = parts
        .iter()
        .position(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        parts.truncate(first_text);
    }
    if parts.len() > 1 {
        parts.pop();
    }
    let last: u64 = parts.last()?.parse().ok()?;
    let mut out: Vec<String> = parts[..parts.len() - 1]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    out.push((last + 1).to_string());
    Some(out.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pessimistic_bounds_follow_rubygems() {
        assert_eq!(pessimistic_bound("2.1.3").as_deref(), Some("2.2"));
        assert_eq!(pessimistic_bound("2.1").as_deref(), Some("3"));
        assert_eq!(pessimistic_bound("2").as_deref(), Some("3"));
        assert_eq!(pessimistic_bound("1.2.3.beta").as_deref(), Some("1.3"));
        assert_eq!(pessimistic_bound("1.0.0.rc1.1").as_deref(), Some("1.1"));
        assert_eq!(pessimistic_bound("beta"), None);
    }

    #[test]
    fn requirements_parse() {
        let c = parse_requirement(">= 1.4.0, < 1.5").unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].op, Op::Lt);
        assert!(parse_requirement(" , ").is_err());
    }
}
