//! Advisories as the store keeps them: one shape for every feed, with ranges kept in the
//! semantics the feed wrote them in.

use bulkhead_finding::Severity;
use serde::{Deserialize, Serialize};

/// One advisory (a CVE, GHSA, PYSEC, RUSTSEC, GO, … record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// The feed's own id (`CVE-2023-1234`, `GHSA-xxxx-…`, `PYSEC-2021-1`).
    pub id: String,
    /// Which feed it came from (`debian-osv`, `ghsa-npm`, `alpine-secdb`, …): the folder or
    /// file name it was imported from.
    pub source: String,
    /// Other ids of the same vulnerability, without `id`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// One line for a table: the OSV `summary`, else the start of `details`.
    #[serde(default)]
    pub summary: String,
    /// Severity of the advisory as a whole: the highest CVSS base score given, else the
    /// feed's own rating (GHSA `database_specific.severity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// CVSS vectors as given (`CVSS:3.1/AV:N/…`), with their computed base scores.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cvss: Vec<Cvss>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// The advisory's first few reference URLs (advisory pages first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// RustSec's informational kinds (`unmaintained`, `unsound`, `notice`): not a
    /// vulnerability, reported only when asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub informational: Option<String>,
    pub affected: Vec<Affected>,
}

/// A CVSS vector and its base score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cvss {
    pub vector: String,
    pub score: f64,
}

/// One package an advisory affects, in one ecosystem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    /// OSV ecosystem, with the release for distros: `Debian:12`, `Alpine:v3.19`, `PyPI`,
    /// `npm`, `crates.io`, `Go`, `Maven`, `NuGet`, `Packagist`, `RubyGems`.
    pub ecosystem: String,
    /// Package name, normalised per ecosystem ([`crate::normalize_name`]). For distros, the
    /// source package.
    pub package: String,
    /// A version is affected if any range says so, or it is listed in `versions`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Affected versions listed one by one (OSV `versions`), compared as exact strings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// The distro's or ecosystem's own rating for this package (Debian urgency, GHSA
    /// per-package severity); preferred over the advisory's CVSS for distro packages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
}

/// Version ranges in the semantics of the feed that wrote them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Range {
    /// OSV `ECOSYSTEM`/`SEMVER` events, evaluated as the OSV specification says: sorted by
    /// version, `introduced` opens, `fixed` and the version after `last_affected` close, and
    /// `limit` bounds the whole range from above.
    Events(Vec<Event>),
    /// Affected if every constraint of some group holds (FriendsOfPHP `branches`).
    AnyOf(Vec<Vec<Constraint>>),
    /// Affected unless every constraint of some group holds (rubysec `patched_versions` and
    /// `unaffected_versions`; `~>` is expanded at import).
    NoneOf(Vec<Vec<Constraint>>),
}

/// One OSV range event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// `introduced`; `"0"` means "since the first version".
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

/// `op version`, as in `>= 1.2.3`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Constraint {
    pub op: Op,
    pub version: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "=")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "=",
            Op::Ne => "!=",
        }
    }
}

impl Advisory {
    /// `id` and every alias.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}
