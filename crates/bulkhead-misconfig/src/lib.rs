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
/// title; the rule's title when empty); `evidence` the offending text (see [`excerpt`] for
/// source lines).
pub(crate) fn finding(
    rule: &RuleInfo,
    location: Location,
    detail: &str,
    evidence: Option<Evidence>,
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
        evidence,
        remediation: Some(rule.remediation.to_owned()),
        fingerprint: None,
    }
}

/// Evidence that is plain text, not source lines.
pub(crate) fn text_evidence(text: impl Into<String>) -> Evidence {
    Evidence {
        text: text.into(),
        first_line: None,
    }
}

/// Lines `first..=last` (1-based) of `source` as evidence for a snippet, at most
/// [`EXCERPT_LINES`] lines of at most [`EXCERPT_LINE_BYTES`] bytes each (cut with `…`).
pub fn excerpt(source: &str, first: u32, last: u32) -> Option<Evidence> {
    let first = first.max(1);
    let last = last.max(first).min(first.saturating_add(EXCERPT_LINES - 1));
    let mut text = String::new();
    for line in source
        .lines()
        .skip(usize::try_from(first - 1).ok()?)
        .take(usize::try_from(last - first + 1).ok()?)
    {
        if !text.is_empty() {
            text.push('\n');
        }
        if line.len() > EXCERPT_LINE_BYTES {
            let mut end = EXCERPT_LINE_BYTES;
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            text.push_str(&line[..end]);
            text.push('…');
        } else {
            text.push_str(line);
        }
    }
    (!text.is_empty()).then_some(Evidence {
        text,
        first_line: Some(first),
    })
}

/// The whole lines holding bytes `start..end` of `source` (the first of them is line
/// `first_line`), capped like [`excerpt`]. Costs the excerpt's length, not the file's: rules
/// that report thousands of findings in a large file use this.
pub fn excerpt_at(source: &str, start: usize, end: usize, first_line: u32) -> Option<Evidence> {
    let start = start.min(source.len());
    let end = end.clamp(start, source.len());
    let from = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let to = source[end..].find('\n').map_or(source.len(), |i| end + i);
    let lines = source.get(from..to)?;
    let count = u32::try_from(lines.lines().count().max(1)).unwrap_or(u32::MAX);
    excerpt(lines, 1, count).map(|e| Evidence {
        first_line: Some(first_line),
        ..e
    })
}

/// Most lines an excerpt keeps (a long RUN is cut).
pub const EXCERPT_LINES: u32 = 8;
/// Most bytes of one excerpt line.
pub const EXCERPT_LINE_BYTES: usize = 200;

#[cfg(test)]
mod excerpt_tests {
    use super::*;

    #[test]
    fn excerpts_are_whole_lines_capped() {
        let source = "a\nb\nc\n";
        assert_eq!(excerpt(source, 2, 3).unwrap().text, "b\nc");
        assert_eq!(excerpt(source, 2, 3).unwrap().first_line, Some(2));
        assert!(excerpt(source, 9, 9).is_none());
        assert_eq!(excerpt(source, 0, 0).unwrap().text, "a");
        let long = "é".repeat(300);
        let cut = excerpt(&long, 1, 1).unwrap().text;
        assert!(cut.ends_with('…') && cut.len() <= EXCERPT_LINE_BYTES + 3);
        let many = "x\n".repeat(100);
        assert_eq!(excerpt(&many, 1, 100).unwrap().text.lines().count(), 8);
        let text = "FROM a\nRUN b \\\n  c\nUSER d\n";
        let run = text.find("RUN").unwrap();
        let e = excerpt_at(text, run + 4, run + 10, 2).unwrap();
        assert_eq!((e.text.as_str(), e.first_line), ("RUN b \\\n  c", Some(2)));
        assert_eq!(excerpt_at(text, 0, 0, 1).unwrap().text, "FROM a");
        assert_eq!(excerpt_at(text, 999, 999, 5).map(|e| e.text), None);
    }
}
