//! Alpine's secdb (`<release>/{main,community}.json`): per package, the version that fixed
//! each list of CVEs. Each CVE becomes an advisory whose affected entries say "before the
//! fixed version" for every package and release that lists it. Alpine writes `0` as the fixed
//! version of a CVE that never affected its package; that range is empty, so it never matches.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{ParseError, lenient};
use crate::model::{Advisory, Affected, Event, Range};

#[derive(Deserialize)]
struct SecDb {
    distroversion: String,
    #[serde(default, deserialize_with = "lenient::vec")]
    packages: Vec<PackageEntry>,
}

#[derive(Deserialize)]
struct PackageEntry {
    pkg: Pkg,
}

#[derive(Deserialize)]
struct Pkg {
    name: String,
    #[serde(default)]
    secfixes: Option<BTreeMap<String, Option<Vec<String>>>>,
}

pub(crate) fn looks_like(keys: &[&str]) -> bool {
    keys.contains(&"distroversion") && keys.contains(&"packages")
}

pub(crate) fn parse(bytes: &[u8]) -> Result<Vec<Advisory>, ParseError> {
    let db: SecDb = serde_json::from_slice(bytes).map_err(|e| ParseError(e.to_string()))?;
    let release = db.distroversion.trim();
    let release = if release.starts_with('v') || release == "edge" {
        release.to_owned()
    } else {
        format!("v{release}")
    };
    let ecosystem = format!("Alpine:{release}");
    let mut by_id: BTreeMap<String, Advisory> = BTreeMap::new();
    for entry in db.packages {
        let Some(secfixes) = entry.pkg.secfixes else {
            continue;
        };
        for (fixed, ids) in secfixes {
            for text in ids.unwrap_or_default() {
                // Entries are `CVE-2021-1234`, sometimes followed by another id
                // (`CVE-2017-1000366 XSA-123`).
                let mut words = text.split_whitespace();
                let Some(id) = words.next() else { continue };
                let advisory = by_id.entry(id.to_owned()).or_insert_with(|| Advisory {
                    id: id.to_owned(),
                    source: String::new(),
                    aliases: Vec::new(),
                    summary: String::new(),
                    severity: None,
                    cvss: Vec::new(),
                    published: None,
                    modified: None,
                    references: Vec::new(),
                    informational: None,
                    affected: Vec::new(),
                });
                for alias in words {
                    if !advisory.aliases.iter().any(|a| a == alias) {
                        advisory.aliases.push(alias.to_owned());
                    }
                }
                advisory.affected.push(Affected {
                    ecosystem: ecosystem.clone(),
                    package: entry.pkg.name.trim().to_owned(),
                    ranges: vec![Range::Events(vec![
                        Event::Introduced("0".into()),
                        Event::Fixed(fixed.trim().to_owned()),
                    ])],
                    versions: Vec::new(),
                    severity: None,
                });
            }
        }
    }
    Ok(by_id.into_values().collect())
}
