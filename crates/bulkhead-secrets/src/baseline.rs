//! A baseline of accepted secret findings, in the spirit of detect-secrets' `.secrets.baseline`:
//! each entry is a finding's fingerprint (`path:rule:sha256(secret)`), so the file records
//! which secrets were reviewed without holding any of them, and survives lines moving.
//!
//! ```json
//! {"version": 1, "generated_by": "bulkhead 0.1.0",
//!  "results": [{"fingerprint": "app/.env:github-pat:9f…", "rule": "github-pat", "path": "app/.env", "line": 3}]}
//! ```

use std::collections::BTreeSet;

use bulkhead_finding::{Finding, Location};
use serde::{Deserialize, Serialize};

/// The largest baseline read.
const MAX_BASELINE_BYTES: usize = 64 << 20;

/// A baseline that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("the baseline is larger than {MAX_BASELINE_BYTES} bytes")]
    TooLarge,
    #[error("not a Bulkhead secret baseline: {0}")]
    Format(#[from] serde_json::Error),
    #[error("baseline version {0} is not supported (expected 1)")]
    Version(u32),
}

#[derive(Serialize, Deserialize)]
struct File {
    version: u32,
    #[serde(default)]
    generated_by: String,
    results: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    fingerprint: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
}

/// Accepted fingerprints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    fingerprints: BTreeSet<String>,
}

impl Baseline {
    pub fn parse(bytes: &[u8]) -> Result<Baseline, BaselineError> {
        if bytes.len() > MAX_BASELINE_BYTES {
            return Err(BaselineError::TooLarge);
        }
        let file: File = serde_json::from_slice(bytes)?;
        if file.version != 1 {
            return Err(BaselineError::Version(file.version));
        }
        Ok(Baseline {
            fingerprints: file.results.into_iter().map(|e| e.fingerprint).collect(),
        })
    }

    /// Whether `finding` was accepted.
    pub fn accepts(&self, finding: &Finding) -> bool {
        finding
            .fingerprint
            .as_ref()
            .is_some_and(|f| self.fingerprints.contains(f))
    }

    /// A baseline accepting every finding that has a fingerprint, as JSON.
    pub fn write(findings: &[Finding], generated_by: &str) -> String {
        let mut results: Vec<Entry> = findings
            .iter()
            .filter_map(|f| {
                let fingerprint = f.fingerprint.clone()?;
                let (path, line) = match &f.location {
                    Location::Image { path, line, .. } => (path.clone().unwrap_or_default(), *line),
                    Location::File { path, line, .. } | Location::Commit { path, line, .. } => {
                        (path.clone(), *line)
                    }
                    Location::Object { name, .. } => (name.clone(), None),
                };
                Some(Entry {
                    fingerprint,
                    rule: f.rule.id.clone(),
                    path,
                    line,
                })
            })
            .collect();
        results.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
        results.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        let file = File {
            version: 1,
            generated_by: generated_by.to_owned(),
            results,
        };
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulkhead_finding::{RuleId, Severity};

    fn finding(fingerprint: &str) -> Finding {
        Finding {
            rule: RuleId::new("github-pat"),
            severity: Severity::High,
            title: "t".into(),
            location: Location::File {
                path: "app/.env".into(),
                line: Some(3),
                column: Some(1),
            },
            evidence: None,
            remediation: None,
            fingerprint: Some(fingerprint.into()),
        }
    }

    #[test]
    fn round_trips_and_refuses_junk() {
        let text = Baseline::write(&[finding("a:b:c"), finding("a:b:c")], "test");
        let baseline = Baseline::parse(text.as_bytes()).unwrap();
        assert!(baseline.accepts(&finding("a:b:c")));
        assert!(!baseline.accepts(&finding("a:b:d")));
        assert_eq!(text.matches("a:b:c").count(), 1);
        assert!(Baseline::parse(b"{}").is_err());
        assert!(matches!(
            Baseline::parse(br#"{"version": 2, "results": []}"#),
            Err(BaselineError::Version(2))
        ));
    }
}
