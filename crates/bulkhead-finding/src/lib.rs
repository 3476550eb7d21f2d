//! The vocabulary every Bulkhead analyzer speaks: a [`Finding`] with its [`Severity`],
//! [`RuleId`] (plus the peer aliases users migrate from), [`Location`] and [`Evidence`], and the
//! [`FindingSink`] analyzers push into.
//!
//! This crate sits at the bottom of the workspace and depends on `serde` only, so that an
//! analyzer never has to depend "up" on the report renderer to describe what it found. It does
//! no rendering, sorting policy or gating: that is `bulkhead-report`'s job.
//!
//! ```
//! use bulkhead_finding::{Finding, Location, RuleId, Severity, FindingSink};
//!
//! let mut found: Vec<Finding> = Vec::new();
//! found.push_finding(Finding {
//!     rule: RuleId::new("BH-IMG-001"),
//!     severity: Severity::High,
//!     title: "layer digest mismatch".into(),
//!     location: Location::Image { layer: None, path: None, line: None, column: None },
//!     evidence: None,
//!     remediation: None,
//!     fingerprint: None,
//! });
//! assert_eq!(found.len(), 1);
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

/// How bad a finding is. Ordered from least to most severe, so `>=` compares against a
/// threshold the way `--severity HIGH` expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Unknown,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// All severities, least severe first.
    pub const ALL: [Severity; 5] = [
        Severity::Unknown,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "UNKNOWN",
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a severity name that is none of the five.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSeverity(pub String);

impl fmt::Display for UnknownSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown severity `{}`: expected one of UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL",
            self.0
        )
    }
}

impl std::error::Error for UnknownSeverity {}

impl std::str::FromStr for Severity {
    type Err = UnknownSeverity;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|sev| sev.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownSeverity(s.to_owned()))
    }
}

/// A stable Bulkhead rule id (`BH-DF-001`) and the ids peers use for the same check
/// (`DL3007`, `CKV_DOCKER_7`, `DS001`), so users can migrate ignores and compare results.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RuleId {
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

impl RuleId {
    pub fn new(id: impl Into<String>) -> Self {
        RuleId {
            id: id.into(),
            aliases: Vec::new(),
        }
    }

    #[must_use]
    pub fn with_aliases<I, S>(mut self, aliases: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.aliases = aliases.into_iter().map(Into::into).collect();
        self
    }

    /// True if `name` is this rule's id or one of its aliases (case-insensitive, as users type them).
    pub fn answers_to(&self, name: &str) -> bool {
        self.id.eq_ignore_ascii_case(name)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    }
}

/// Where a finding is. Image locations name the layer, because a secret deleted in a later
/// layer is still in the image and the user needs to know which blob carries it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Location {
    /// Inside a container image: the layer digest (if the finding is in a layer), a path in the
    /// image filesystem (or `config:Env`-style names for the image configuration), a 1-based
    /// line and column.
    Image {
        layer: Option<String>,
        path: Option<String>,
        line: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        column: Option<u32>,
    },
    /// A file on the scanned host or directory, with an optional 1-based line and column.
    File {
        path: String,
        line: Option<u32>,
        column: Option<u32>,
    },
    /// A file as a git commit holds it (secrets in history): the commit id, the path, a
    /// 1-based line and column.
    Commit {
        commit: String,
        path: String,
        line: Option<u32>,
        column: Option<u32>,
    },
    /// A Kubernetes object and a JSON pointer inside it; for an object read from a manifest
    /// file, the file and the 1-based line and column of the pointed-at field.
    Object {
        kind: String,
        namespace: Option<String>,
        name: String,
        pointer: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        line: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        column: Option<u32>,
    },
}

/// What the finding is based on, shown to the user (secrets are redacted before they get here).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Evidence {
    pub text: String,
    /// When `text` is an excerpt of the scanned file (whole lines), the 1-based number of its
    /// first line, so renderers can show it with line numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_line: Option<u32>,
}

/// One thing an analyzer found. The same type whatever produced it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    pub title: String,
    pub location: Location,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// A stable identity for baselines and ignore lists (secrets: a hash of where and what,
    /// never the secret itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
}

/// Where analyzers push findings. Streaming consumers (the sensor, the server) implement it;
/// the CLI collects into a `Vec` and sorts at the end.
pub trait FindingSink {
    fn push_finding(&mut self, finding: Finding);
}

impl FindingSink for Vec<Finding> {
    fn push_finding(&mut self, finding: Finding) {
        self.push(finding);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Low > Severity::Unknown);
        assert_eq!("high".parse::<Severity>(), Ok(Severity::High));
        assert!("urgent".parse::<Severity>().is_err());
        for sev in Severity::ALL {
            let json = serde_json::to_string(&sev).expect("severity serializes");
            assert_eq!(json, format!("\"{sev}\""));
        }
    }

    #[test]
    fn rule_answers_to_aliases() {
        let rule = RuleId::new("BH-DF-001").with_aliases(["DL3007", "CKV_DOCKER_7"]);
        assert!(rule.answers_to("bh-df-001"));
        assert!(rule.answers_to("dl3007"));
        assert!(!rule.answers_to("DL3008"));
    }
}
