//! FriendsOfPHP's security-advisories (`<vendor>/<package>/<name>.yaml`): a version is
//! affected if it satisfies every constraint of some branch (`versions: ['>=2.0.0', '<2.0.9']`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{ParseError, lenient};
use crate::model::{Advisory, Affected, Range};
use crate::names::normalize_name;

#[derive(Deserialize)]
struct Record {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    link: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    cve: Option<String>,
    reference: String,
    #[serde(default)]
    branches: BTreeMap<String, Branch>,
}

#[derive(Deserialize)]
struct Branch {
    #[serde(default, deserialize_with = "lenient::string_vec")]
    versions: Vec<String>,
}

pub(crate) fn looks_like(text: &str) -> bool {
    text.lines().any(|l| l.starts_with("reference:")) && text.contains("branches:")
}

pub(crate) fn parse(bytes: &[u8], file_stem: &str) -> Result<Advisory, ParseError> {
    let record: Record = serde_yaml_ng::from_slice(bytes).map_err(|e| ParseError(e.to_string()))?;
    let package = record
        .reference
        .trim()
        .strip_prefix("composer://")
        .ok_or_else(|| ParseError(format!("unknown reference `{}`", record.reference)))?;
    let package = normalize_name("Packagist", package);
    let id = match record.cve.as_deref().map(str::trim) {
        Some(cve) if cve.starts_with("CVE-") => cve.to_owned(),
        _ => format!("FriendsOfPHP:{package}:{file_stem}"),
    };
    let mut groups = Vec::new();
    for branch in record.branches.values() {
        let mut group = Vec::new();
        for constraint in &branch.versions {
            group.extend(super::rubysec::parse_requirement(constraint)?);
        }
        if !group.is_empty() {
            groups.push(group);
        }
    }
    Ok(Advisory {
        id,
        source: String::new(),
        aliases: Vec::new(),
        summary: record.title.unwrap_or_default().trim().to_owned(),
        severity: None,
        cvss: Vec::new(),
        published: None,
        modified: None,
        references: record.link.into_iter().collect(),
        informational: None,
        affected: vec![Affected {
            ecosystem: "Packagist".into(),
            package,
            ranges: vec![Range::AnyOf(groups)],
            versions: Vec::new(),
            severity: None,
        }],
    })
}
