//! Misconfiguration rules: Dockerfiles, built images' configurations and Kubernetes objects,
//! each rule with a stable Bulkhead id (`BH-DF-nnn`, `BH-IMG-nnn`, `BH-K8S-nnn`) and the ids
//! the peers use for the same check as aliases ([`registry`]).
//!
//! Inputs are already parsed: a [`bulkhead_dockerfile`]-style syntax tree, an image
//! configuration's facts ([`image_config::ImageFacts`]), Kubernetes objects with source
//! positions. Output is [`bulkhead_finding::Finding`]s located by file, line and column (or
//! object and JSON pointer), after inline suppressions ([`inline`]) are applied. Reading files,
//! choosing what to scan and rendering are the caller's job; nothing here prints or touches
//! the filesystem.

pub mod dockerfile;
pub mod image_config;
pub mod inline;
pub mod kubernetes;
pub mod registry;
pub mod sources;

use bulkhead_finding::{Evidence, Finding, Location};

pub use registry::{RuleInfo, Target, lookup, rules};

/// What analyzing some sources produced.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    /// Findings an inline comment in the source suppressed, with its reason.
    pub suppressed: Vec<inline::Suppressed>,
    /// Input that could not be judged and is not a finding (a YAML document that does not
    /// parse, a file that is not Kubernetes YAML), for the user to know.
    pub warnings: Vec<String>,
}

impl Outcome {
    pub fn extend(&mut self, other: Outcome) {
        self.findings.extend(other.findings);
        self.suppressed.extend(other.suppressed);
        self.warnings.extend(other.warnings);
    }
}

/// A finding of `rule` at `location`. `detail` is what exactly is wrong here (the finding's
/// title; the rule's title when empty); `evidence` the offending source text.
pub(crate) fn finding(
    rule: &RuleInfo,
    location: Location,
    detail: &str,
    evidence: Option<String>,
) -> Finding {
    Finding {
        rule: rule.rule_id(),
        severity: rule.severity,
        title: if detail.is_empty() {
            rule.title.to_owned()
        } else {
            detail.to_owned()
        },
        location,
        evidence: evidence.map(|text| Evidence { text }),
        remediation: Some(rule.remediation.to_owned()),
        fingerprint: None,
    }
}
