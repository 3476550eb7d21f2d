//! Suppressions written in the scanned file itself, next to what they excuse.
//!
//! Ours: `# bulkhead:ignore=BH-DF-001,DL3007 the reason` on the line above the instruction or
//! field (or at the end of a YAML line), and `# bulkhead:ignore-file=ID reason` anywhere for the
//! whole file. The peers' forms are honoured too, matched against our rules' aliases, so a
//! repository migrating keeps its reviewed exceptions: hadolint's `# hadolint ignore=DL3008`
//! and `# hadolint global ignore=DL3008`, checkov's `# checkov:skip=CKV_DOCKER_7: reason` and
//! Trivy's `# trivy:ignore:DS-0001`.

use std::collections::BTreeMap;

use bulkhead_finding::Finding;

use crate::registry::RuleInfo;

/// One suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Rule ids or aliases it names.
    pub names: Vec<String>,
    /// Why, as written (may be empty: the peers' forms have no reason field).
    pub reason: String,
    /// `bulkhead`, `hadolint`, `checkov` or `trivy`.
    pub syntax: &'static str,
    /// The 1-based line the comment is on.
    pub line: u32,
}

impl Entry {
    fn covers(&self, rule: &RuleInfo) -> bool {
        self.names.iter().any(|n| rule.answers_to(n))
    }

    /// The reason as recorded with the suppressed finding.
    pub fn describe(&self) -> String {
        let how = format!("inline {} comment on line {}", self.syntax, self.line);
        if self.reason.is_empty() {
            how
        } else {
            format!("{}; {how}", self.reason)
        }
    }
}

/// The suppression comments of one file.
#[derive(Debug, Clone, Default)]
pub struct InlineIgnores {
    /// By the line they apply to: the comment's own line (a trailing comment) and the next
    /// line that is neither blank nor a comment.
    by_line: BTreeMap<u32, Vec<Entry>>,
    whole_file: Vec<Entry>,
}

impl InlineIgnores {
    /// Finds the suppression comments in `text` (`#` comments, whole-line or trailing).
    pub fn parse(text: &str) -> InlineIgnores {
        let mut ignores = InlineIgnores::default();
        // Whole-line comments waiting for the line they precede.
        let mut pending: Vec<Entry> = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
            let trimmed = raw.trim_start();
            let whole_line_comment = trimmed.starts_with('#');
            if !whole_line_comment && !trimmed.is_empty() {
                for entry in pending.drain(..) {
                    ignores.by_line.entry(line).or_default().push(entry);
                }
            }
            let Some(comment) = comment_of(raw) else {
                continue;
            };
            let Some((entry, whole_file)) = parse_comment(comment, line) else {
                continue;
            };
            if whole_file {
                ignores.whole_file.push(entry);
            } else if whole_line_comment {
                pending.push(entry);
            } else {
                ignores.by_line.entry(line).or_default().push(entry);
            }
        }
        ignores
    }

    pub fn is_empty(&self) -> bool {
        self.by_line.is_empty() && self.whole_file.is_empty()
    }

    /// The comment that suppresses `rule` at `line` (1-based), if any.
    pub fn suppression(&self, rule: &RuleInfo, line: Option<u32>) -> Option<&Entry> {
        line.and_then(|l| self.by_line.get(&l))
            .into_iter()
            .flatten()
            .chain(&self.whole_file)
            .find(|e| e.covers(rule))
    }
}

/// A finding an inline comment suppressed, and the comment's reason.
#[derive(Debug, Clone, PartialEq)]
pub struct Suppressed {
    pub finding: Finding,
    pub reason: String,
}

/// Splits `findings` (all of rules in the registry, all in the file `ignores` came from) into
/// those kept and those an inline comment suppresses. `line_of` gives a finding's line.
pub fn apply(
    ignores: &InlineIgnores,
    findings: Vec<Finding>,
    line_of: impl Fn(&Finding) -> Option<u32>,
) -> (Vec<Finding>, Vec<Suppressed>) {
    if ignores.is_empty() {
        return (findings, Vec::new());
    }
    let mut kept = Vec::new();
    let mut suppressed = Vec::new();
    for finding in findings {
        let entry = crate::registry::rules()
            .find(|r| r.id == finding.rule.id)
            .and_then(|rule| ignores.suppression(rule, line_of(&finding)));
        match entry {
            Some(entry) => suppressed.push(Suppressed {
                reason: entry.describe(),
                finding,
            }),
            None => kept.push(finding),
        }
    }
    (kept, suppressed)
}

/// The text after the `#` that starts a comment: at the start of the line, or after
/// whitespace (so `image: x#y` and URLs with fragments are not comments).
fn comment_of(line: &str) -> Option<&str> {
    let bytes = line.as_bytes();
    bytes.iter().enumerate().find_map(|(i, &b)| {
        (b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace())).then(|| &line[i + 1..])
    })
}

/// One comment's suppression, and whether it is for the whole file.
fn parse_comment(comment: &str, line: u32) -> Option<(Entry, bool)> {
    let c = comment.trim();
    let entry = |names: &str, reason: &str, syntax| Entry {
        names: split_names(names),
        reason: reason.trim().to_owned(),
        syntax,
        line,
    };
    if let Some(rest) = c.strip_prefix("bulkhead:ignore-file=") {
        let (names, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        return Some((entry(names, reason, "bulkhead"), true));
    }
    if let Some(rest) = c.strip_prefix("bulkhead:ignore=") {
        let (names, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        return Some((entry(names, reason, "bulkhead"), false));
    }
    if let Some(rest) = c.strip_prefix("hadolint") {
        let rest = rest.trim_start();
        let (global, rest) = match rest.strip_prefix("global") {
            Some(r) => (true, r.trim_start()),
            None => (false, rest),
        };
        let names = rest.strip_prefix("ignore=")?;
        let names = names.split_whitespace().next().unwrap_or("");
        return Some((entry(names, "", "hadolint"), global));
    }
    if let Some(rest) = c.strip_prefix("checkov:skip=") {
        let (names, reason) = rest.split_once(':').unwrap_or((rest, ""));
        return Some((entry(names, reason, "checkov"), false));
    }
    if let Some(rest) = c.strip_prefix("trivy:ignore:") {
        let names = rest.split_whitespace().next().unwrap_or("");
        return Some((entry(names, "", "trivy"), false));
    }
    None
}

fn split_names(names: &str) -> Vec<String> {
    names
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::rule;

    #[test]
    fn comments_apply_to_the_next_code_line_or_their_own() {
        let text = "\
FROM alpine
# bulkhead:ignore=BH-DF-001,DL3008 pinned by digest in CI

# another comment
FROM node:latest
RUN apk add curl   # bulkhead:ignore=BH-DF-024 cache is needed here
RUN x
";
        let ignores = InlineIgnores::parse(text);
        let latest = rule("BH-DF-001");
        let apk = rule("BH-DF-024");
        assert_eq!(
            ignores.suppression(latest, Some(5)).map(Entry::describe),
            Some("pinned by digest in CI; inline bulkhead comment on line 2".to_owned())
        );
        assert!(ignores.suppression(latest, Some(1)).is_none());
        assert!(ignores.suppression(latest, Some(7)).is_none());
        assert!(ignores.suppression(apk, Some(6)).is_some());
        assert!(ignores.suppression(apk, Some(7)).is_none());
        // DL3008 is an alias of BH-DF-034, not of BH-DF-001's line 5 neighbours.
        assert!(ignores.suppression(rule("BH-DF-034"), Some(5)).is_some());
    }

    #[test]
    fn peers_forms_match_aliases() {
        let text = "\
# hadolint global ignore=DL3059
# hadolint ignore=DL3006
FROM ubuntu
# checkov:skip=CKV_DOCKER_4: we need ADD's unpacking
ADD x.tar /
# trivy:ignore:DS-0013
RUN cd /tmp
image: x#notacomment
";
        let ignores = InlineIgnores::parse(text);
        assert!(ignores.suppression(rule("BH-DF-053"), Some(40)).is_some());
        assert!(ignores.suppression(rule("BH-DF-001"), Some(3)).is_some());
        let add = ignores.suppression(rule("BH-DF-003"), Some(5)).unwrap();
        assert_eq!(add.reason, "we need ADD's unpacking");
        assert_eq!(add.syntax, "checkov");
        assert!(ignores.suppression(rule("BH-DF-019"), Some(7)).is_some());
        assert!(comment_of("image: x#notacomment").is_none());
    }

    #[test]
    fn hostile_comments_do_not_panic() {
        for text in [
            "#",
            "# bulkhead:ignore=",
            "# bulkhead:ignore=,,, ",
            "# hadolint",
            "# checkov:skip=",
            "#\u{feff}bulkhead:ignore=é",
            "x #",
        ] {
            let ignores = InlineIgnores::parse(text);
            assert!(
                ignores.suppression(rule("BH-DF-001"), Some(1)).is_none(),
                "{text}"
            );
        }
    }
}
