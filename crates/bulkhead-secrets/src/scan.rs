//! The detection loop (gitleaks' `Detector.Detect` / `detectRule` / `filter`).

use std::collections::HashMap;

use aho_corasick::AhoCorasick;
use regex_automata::Input;

use crate::analysis::Plan;
use crate::{Allowlist, RegexTarget, Rule, Ruleset, SecretMatch};

const ALLOW_SIGNATURE: &[u8] = b"gitleaks:allow";
/// Lines longer than this have their allowlist verdicts cached, so a huge single line with
/// many findings is not searched again for each.
const LONG_LINE: usize = 4096;
/// About how much of the line [`SecretMatch::line_text`] keeps.
const LINE_TEXT_CAP: usize = 300;
/// About how much of the match [`SecretMatch::matched`] keeps.
const MATCHED_CAP: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Search triggered rules only near keyword hits where that is provably exact.
    Windowed,
    /// Search every triggered rule over the whole buffer (gitleaks).
    Exhaustive,
}

/// A finding before its line numbers and strings are worked out.
#[derive(Debug, Clone)]
struct Raw {
    rule: usize,
    /// The match, newlines trimmed from both ends (`start == end` for a path-only finding).
    start: usize,
    end: usize,
    /// The secret, as a range of the buffer.
    secret: (usize, usize),
    /// The line(s) holding the match.
    line: (usize, usize),
    entropy: f64,
    whole_file: bool,
}

/// Per-scan state shared by the rules.
struct Ctx<'a> {
    set: &'a Ruleset,
    path: &'a str,
    content: &'a [u8],
    /// `gitleaks:allow` verdicts for long lines.
    allow_cache: HashMap<(usize, usize), bool>,
    /// (allowlist uid, line) → verdict of its `regexTarget = "line"` regexes, for long lines.
    line_cache: HashMap<(usize, usize, usize), bool>,
}

/// A triggered rule and where to search it.
struct Trigger {
    rule: usize,
    /// Merged, increasing windows (only for `Plan::Lines` in windowed mode).
    spans: Vec<(usize, usize)>,
    /// The line of the last keyword hit, so hits on the same line cost nothing.
    last_line: (usize, usize),
    whole: bool,
}

pub(crate) fn scan(
    set: &Ruleset,
    path: &str,
    content: &[u8],
    out: &mut Vec<SecretMatch>,
    mode: Mode,
) {
    if content.is_empty() && path.is_empty() {
        return;
    }
    if set.global.iter().any(|a| path_allowed(a, path)) {
        return;
    }
    let mut ctx = Ctx {
        set,
        path,
        content,
        allow_cache: HashMap::new(),
        line_cache: HashMap::new(),
    };

    let triggers = prefilter(set, content, mode);
    let mut findings: Vec<Raw> = Vec::new();
    for trigger in &triggers {
        let rule = &set.rules[trigger.rule];
        let spans = if trigger.whole {
            None
        } else {
            Some(trigger.spans.as_slice())
        };
        let before = findings.len();
        detect_rule(&mut ctx, trigger.rule, spans, false, &mut findings);
        if !rule.required.is_empty() && findings.len() > before {
            let primaries = findings.split_off(before);
            findings.extend(composite(&mut ctx, rule, primaries));
        }
    }
    if findings.is_empty() {
        return;
    }
    findings.sort_by_key(|f| (f.start, f.end, f.rule));
    let located = locate(content, &findings);
    let keep = generic_dedupe(set, content, &findings, &located);
    let first = out.len();
    for ((raw, loc), keep) in findings.iter().zip(&located).zip(keep) {
        if keep {
            out.push(to_match(&set.rules[raw.rule], content, raw, *loc));
        }
    }
    out[first..].sort_by(|a, b| {
        (a.line, a.column, &a.rule_id, a.end).cmp(&(b.line, b.column, &b.rule_id, b.end))
    });
}

/// The keyword pass: which rules run, and (windowed) where.
fn prefilter(set: &Ruleset, content: &[u8], mode: Mode) -> Vec<Trigger> {
    let mut slot = vec![usize::MAX; set.rules.len()];
    let mut triggers: Vec<Trigger> = Vec::new();
    let trigger = |rule: usize, triggers: &mut Vec<Trigger>, slot: &mut [usize]| -> usize {
        if slot[rule] == usize::MAX {
            slot[rule] = triggers.len();
            let whole = mode == Mode::Exhaustive || matches!(set.rules[rule].plan, Plan::Whole);
            triggers.push(Trigger {
                rule,
                spans: Vec::new(),
                last_line: (usize::MAX, 0),
                whole,
            });
        }
        slot[rule]
    };
    for &rule in &set.unconditional {
        trigger(rule, &mut triggers, &mut slot);
    }
    if let Some(ac) = &set.prefilter {
        for hit in ac.find_overlapping_iter(content) {
            for &rule in &set.keyword_rules[hit.pattern().as_usize()] {
                let at = trigger(rule, &mut triggers, &mut slot);
                let t = &mut triggers[at];
                if t.whole {
                    continue;
                }
                if hit.start() >= t.last_line.0 && hit.end() <= t.last_line.1 {
                    continue;
                }
                let Plan::Lines { before, after } = set.rules[rule].plan else {
                    continue;
                };
                let (ls, le) = line_bounds(content, hit.start(), hit.end());
                t.last_line = (ls, le);
                let start = lines_up(content, ls, before);
                let end = lines_down(content, le, after);
                match t.spans.last_mut() {
                    Some(last) if start <= last.1 => {
                        last.0 = last.0.min(start);
                        last.1 = last.1.max(end);
                    }
                    _ => t.spans.push((start, end)),
                }
            }
        }
    }
    for t in &mut triggers {
        if !t.whole && t.spans.windows(2).any(|w| w[1].0 <= w[0].1) {
            // Only possible with keywords that overlap lines oddly; keep spans disjoint.
            t.spans.sort_unstable();
            let mut merged: Vec<(usize, usize)> = Vec::with_capacity(t.spans.len());
            for &(s, e) in &t.spans {
                match merged.last_mut() {
                    Some(last) if s <= last.1 => last.1 = last.1.max(e),
                    _ => merged.push((s, e)),
                }
            }
            t.spans = merged;
        }
    }
    // Rules run in config order, like gitleaks' ordered rules (the order only affects
    // which duplicates survive nothing: output is sorted).
    triggers.sort_by_key(|t| t.rule);
    triggers
}

/// The line holding `[start, end)`: from after the previous `\n` to before the next.
fn line_bounds(content: &[u8], start: usize, end: usize) -> (usize, usize) {
    let ls = memchr::memrchr(b'\n', &content[..start]).map_or(0, |i| i + 1);
    let le = memchr::memchr(b'\n', &content[end..]).map_or(content.len(), |i| end + i);
    (ls, le)
}

/// Line bounds for a rule's matches, which arrive in increasing order: each search for a
/// newline starts where the previous one ended, so a huge line with many matches is walked
/// once, not once per match.
#[derive(Default)]
struct LineCursor {
    /// The line holding the last match start: `[start, end)`, `end` at its `\n` or the end.
    line: Option<(usize, usize)>,
}

impl LineCursor {
    fn line_of(&mut self, content: &[u8], pos: usize) -> (usize, usize) {
        let ls = match self.line {
            Some((ls, le)) if pos >= ls && pos < le => return (ls, le),
            // `content[le]` is the `\n` that ended the previous line, so the search stops there.
            Some((_, le)) if pos > le => {
                memchr::memrchr(b'\n', &content[le..pos]).map_or(le, |i| le + i + 1)
            }
            _ => memchr::memrchr(b'\n', &content[..pos]).map_or(0, |i| i + 1),
        };
        let le = memchr::memchr(b'\n', &content[pos..]).map_or(content.len(), |i| pos + i);
        self.line = Some((ls, le));
        (ls, le)
    }

    /// The line(s) holding the (newline-trimmed, non-empty) match `[start, end)`.
    fn bounds(&mut self, content: &[u8], start: usize, end: usize) -> (usize, usize) {
        let (ls, le) = self.line_of(content, start);
        if end <= le {
            (ls, le)
        } else {
            let le = memchr::memchr(b'\n', &content[end..]).map_or(content.len(), |i| end + i);
            (ls, le)
        }
    }
}

/// The start of the line `n` lines above the line starting at `ls`.
fn lines_up(content: &[u8], mut ls: usize, n: u32) -> usize {
    for _ in 0..n {
        if ls == 0 {
            break;
        }
        ls = memchr::memrchr(b'\n', &content[..ls - 1]).map_or(0, |i| i + 1);
    }
    ls
}

/// The end (exclusive, before its `\n`) of the line `n` lines below the line ending at `le`.
fn lines_down(content: &[u8], mut le: usize, n: u32) -> usize {
    for _ in 0..n {
        if le >= content.len() {
            break;
        }
        le = memchr::memchr(b'\n', &content[le + 1..]).map_or(content.len(), |i| le + 1 + i);
    }
    le
}

fn path_matches(re: &regex::bytes::Regex, path: &str) -> bool {
    re.is_match(path.as_bytes())
}

/// gitleaks' `checkCommitOrPathAllowed` for one allowlist (there is no commit here).
pub(crate) fn path_allowed(a: &Allowlist, path: &str) -> bool {
    if path.is_empty() {
        return false;
    }
    let path_ok = a.paths.as_ref().is_some_and(|re| path_matches(re, path));
    if a.and {
        // Regexes and stopwords are checked per finding; commits never match here.
        if a.regexes.is_some() || a.stopwords.is_some() {
            return false;
        }
        !a.has_commits && (a.paths.is_none() || path_ok)
    } else {
        path_ok
    }
}

/// gitleaks' `detectRule`. `spans`: search only these windows (else the whole buffer).
/// `inherited`: run as a required rule of a composite (ignores `skipReport`).
fn detect_rule(
    ctx: &mut Ctx<'_>,
    index: usize,
    spans: Option<&[(usize, usize)]>,
    inherited: bool,
    out: &mut Vec<Raw>,
) {
    let set = ctx.set;
    let rule = &set.rules[index];
    let content = ctx.content;
    if rule.skip_report && !inherited {
        return;
    }
    if rule.allowlists.iter().any(|a| path_allowed(a, ctx.path)) {
        return;
    }
    if let Some(path_re) = &rule.path {
        let matched = path_matches(path_re, ctx.path);
        if rule.regex.is_none() {
            if matched {
                out.push(Raw {
                    rule: index,
                    start: 0,
                    end: 0,
                    secret: (0, 0),
                    line: (0, 0),
                    entropy: 0.0,
                    whole_file: true,
                });
            }
            return;
        }
        if !matched {
            return;
        }
    }
    let Some(regex) = &rule.regex else { return };
    let whole = [(0, content.len())];
    let spans = spans.unwrap_or(&whole);
    let mut caps = regex.create_captures();
    let mut lines = LineCursor::default();
    for &(s, e) in spans {
        let input = Input::new(content).range(s..e);
        for m in regex.find_iter(input) {
            let (mut start, mut end) = (m.start(), m.end());
            // strings.Trim(match, "\n")
            while start < end && content[start] == b'\n' {
                start += 1;
            }
            while end > start && content[end - 1] == b'\n' {
                end -= 1;
            }
            if start == end {
                continue;
            }
            let line = lines.bounds(content, start, end);
            if let Some(raw) = check_match(ctx, index, rule, (start, end), line, &mut caps) {
                out.push(raw);
            }
        }
    }
}

/// Everything gitleaks does to one regex match before keeping it.
fn check_match(
    ctx: &mut Ctx<'_>,
    index: usize,
    rule: &Rule,
    (start, end): (usize, usize),
    line: (usize, usize),
    caps: &mut regex_automata::util::captures::Captures,
) -> Option<Raw> {
    let content = ctx.content;
    if allow_signature(ctx, line) {
        return None;
    }
    let regex = rule.regex.as_ref()?;
    // gitleaks matches the rule again against the match alone to extract the groups.
    let matched = &content[start..end];
    regex.search_captures(&Input::new(matched), caps);
    let mut secret = (start, end);
    if caps.is_match() && caps.group_len() >= 2 {
        let group = if rule.secret_group > 0 {
            Some(
                caps.get_group(rule.secret_group)
                    .map_or((0, 0), |g| (start + g.start, start + g.end)),
            )
        } else {
            (1..caps.group_len())
                .filter_map(|i| caps.get_group(i))
                .find(|g| !g.is_empty())
                .map(|g| (start + g.start, start + g.end))
        };
        if let Some(group) = group {
            secret = group;
        }
    }
    let secret_bytes = &content[secret.0..secret.1];
    let entropy = crate::shannon_entropy(secret_bytes);
    if rule.entropy != 0.0 && entropy <= rule.entropy {
        return None;
    }
    let set = ctx.set;
    let candidate = Candidate {
        secret: secret_bytes,
        matched,
        line,
    };
    if set
        .global
        .iter()
        .any(|a| finding_allowed(ctx, a, &candidate))
        || rule
            .allowlists
            .iter()
            .any(|a| finding_allowed(ctx, a, &candidate))
    {
        return None;
    }
    Some(Raw {
        rule: index,
        start,
        end,
        secret,
        line,
        entropy,
        whole_file: false,
    })
}

struct Candidate<'a> {
    secret: &'a [u8],
    matched: &'a [u8],
    line: (usize, usize),
}

fn allow_signature(ctx: &mut Ctx<'_>, line: (usize, usize)) -> bool {
    let text = &ctx.content[line.0..line.1];
    if text.len() <= LONG_LINE {
        return memchr::memmem::find(text, ALLOW_SIGNATURE).is_some();
    }
    *ctx.allow_cache
        .entry(line)
        .or_insert_with(|| memchr::memmem::find(text, ALLOW_SIGNATURE).is_some())
}

/// gitleaks' `checkFindingAllowed` for one allowlist.
fn finding_allowed(ctx: &mut Ctx<'_>, a: &Allowlist, c: &Candidate<'_>) -> bool {
    let content = ctx.content;
    let regex_allowed = |ctx: &mut Ctx<'_>| -> bool {
        let Some(re) = &a.regexes else { return false };
        // gitleaks: `re.FindString(target) != ""` — the leftmost match must be non-empty.
        let test =
            |target: &[u8]| !target.is_empty() && re.find(target).is_some_and(|m| !m.is_empty());
        match a.target {
            RegexTarget::Secret => test(c.secret),
            RegexTarget::Match => test(c.matched),
            RegexTarget::Line => {
                let text = &content[c.line.0..c.line.1];
                if text.len() <= LONG_LINE {
                    test(text)
                } else {
                    *ctx.line_cache
                        .entry((a.uid, c.line.0, c.line.1))
                        .or_insert_with(|| test(text))
                }
            }
        }
    };
    let stopword = || -> bool {
        let Some(words) = &a.stopwords else {
            return false;
        };
        if c.secret.is_empty() {
            return false;
        }
        contains_stopword(words, c.secret)
    };
    if a.and {
        if a.has_commits {
            return false;
        }
        if a.paths
            .as_ref()
            .is_some_and(|re| ctx.path.is_empty() || !path_matches(re, ctx.path))
        {
            return false;
        }
        if a.regexes.is_some() && !regex_allowed(ctx) {
            return false;
        }
        if a.stopwords.is_some() && !stopword() {
            return false;
        }
        true
    } else {
        regex_allowed(ctx) || stopword()
    }
}

/// `strings.Contains(strings.ToLower(secret), stopword)` for any stopword.
fn contains_stopword(words: &AhoCorasick, secret: &[u8]) -> bool {
    if secret.is_ascii() {
        let lower = secret.to_ascii_lowercase();
        words.is_match(&lower)
    } else {
        let lower = String::from_utf8_lossy(secret).to_lowercase();
        words.is_match(lower.as_bytes())
    }
}

/// gitleaks' `processRequiredRules`: keep a primary finding only if every required rule has
/// a finding near it. Required rules search the whole buffer, keywords or not, as in gitleaks.
fn composite(ctx: &mut Ctx<'_>, rule: &Rule, primaries: Vec<Raw>) -> Vec<Raw> {
    let mut required: Vec<Vec<Raw>> = Vec::with_capacity(rule.required.len());
    for req in &rule.required {
        let mut found = Vec::new();
        detect_rule(ctx, req.rule, None, true, &mut found);
        required.push(found);
    }
    // Line numbers of every finding involved, counted in one pass.
    let mut offsets: Vec<usize> = primaries
        .iter()
        .chain(required.iter().flatten())
        .map(|r| r.start)
        .collect();
    offsets.sort_unstable();
    offsets.dedup();
    let mut numbers = Vec::with_capacity(offsets.len());
    let (mut pos, mut line) = (0usize, 1usize);
    for &offset in &offsets {
        line += memchr::memchr_iter(b'\n', &ctx.content[pos..offset]).count();
        pos = offset;
        numbers.push(line);
    }
    let position = |raw: &Raw| -> (i64, i64) {
        if raw.whole_file {
            return (0, 0);
        }
        let line = offsets.binary_search(&raw.start).map_or(0, |i| numbers[i]);
        let column = raw.start - raw.line.0 + 1;
        (
            i64::try_from(line).unwrap_or(i64::MAX),
            i64::try_from(column).unwrap_or(i64::MAX),
        )
    };
    primaries
        .into_iter()
        .filter(|primary| {
            let (pl, pc) = position(primary);
            rule.required.iter().zip(&required).all(|(req, found)| {
                found.iter().any(|f| {
                    let (fl, fc) = position(f);
                    req.within_lines
                        .is_none_or(|n| (pl - fl).abs() <= i64::from(n))
                        && req
                            .within_columns
                            .is_none_or(|n| (pc - fc).abs() <= i64::from(n))
                })
            })
        })
        .collect()
}

#[derive(Debug, Clone, Copy)]
struct Location {
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
}

/// Line and column of every finding (sorted by start), counting newlines incrementally.
fn locate(content: &[u8], findings: &[Raw]) -> Vec<Location> {
    let mut out = Vec::with_capacity(findings.len());
    let mut pos = 0usize;
    let mut line = 1usize;
    let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    for f in findings {
        if f.whole_file {
            out.push(Location {
                line: 0,
                column: 0,
                end_line: 0,
                end_column: 0,
            });
            continue;
        }
        line += memchr::memchr_iter(b'\n', &content[pos..f.start]).count();
        pos = f.start;
        let last = f.end - 1;
        let inner = memchr::memchr_iter(b'\n', &content[f.start..last]).count();
        let last_line_start = if inner == 0 {
            f.line.0
        } else {
            memchr::memrchr(b'\n', &content[..last]).map_or(0, |i| i + 1)
        };
        out.push(Location {
            line: to_u32(line),
            column: to_u32(f.start - f.line.0 + 1),
            end_line: to_u32(line + inner),
            end_column: to_u32(last - last_line_start + 1),
        });
    }
    out
}

/// gitleaks' `filter`: drop a generic finding when a non-generic rule found a secret
/// containing it on the same line. Returns which findings to keep.
fn generic_dedupe(
    set: &Ruleset,
    content: &[u8],
    findings: &[Raw],
    located: &[Location],
) -> Vec<bool> {
    let mut keep = vec![true; findings.len()];
    if !findings.iter().any(|f| set.rules[f.rule].generic) {
        return keep;
    }
    // Group by start line: findings are sorted by start, so each line is a contiguous run.
    let mut i = 0;
    while i < findings.len() {
        let mut j = i + 1;
        while j < findings.len() && located[j].line == located[i].line {
            j += 1;
        }
        let group = i..j;
        let specific: Vec<usize> = group
            .clone()
            .filter(|&k| !set.rules[findings[k].rule].generic)
            .collect();
        if !specific.is_empty() {
            let secret = |k: usize| &content[findings[k].secret.0..findings[k].secret.1];
            let generic: Vec<usize> = group
                .filter(|&k| set.rules[findings[k].rule].generic)
                .collect();
            if generic.len() * specific.len() <= 64 {
                for &g in &generic {
                    let needle = secret(g);
                    keep[g] = !specific.iter().any(|&s| {
                        findings[s].rule != findings[g].rule
                            && memchr::memmem::find(secret(s), needle).is_some()
                    });
                }
            } else {
                // Many on one huge line: one automaton over the generic secrets.
                let patterns: Vec<&[u8]> = generic.iter().map(|&g| secret(g)).collect();
                if let Ok(ac) = AhoCorasick::new(&patterns) {
                    let mut contained = vec![false; generic.len()];
                    let has_empty = patterns.iter().any(|p| p.is_empty());
                    for &s in &specific {
                        for m in ac.find_overlapping_iter(secret(s)) {
                            contained[m.pattern().as_usize()] = true;
                        }
                    }
                    for (n, &g) in generic.iter().enumerate() {
                        // The empty string is contained in any secret.
                        keep[g] = !(contained[n] || (has_empty && patterns[n].is_empty()));
                    }
                }
            }
        }
        i = j;
    }
    keep
}

fn to_match(rule: &Rule, content: &[u8], raw: &Raw, loc: Location) -> SecretMatch {
    let (secret, matched, line_text) = if raw.whole_file {
        (String::new(), String::new(), String::new())
    } else {
        (
            String::from_utf8_lossy(&content[raw.secret.0..raw.secret.1]).into_owned(),
            excerpt(content, (raw.start, raw.end), raw.start, MATCHED_CAP),
            excerpt(content, raw.line, raw.start, LINE_TEXT_CAP),
        )
    };
    #[allow(clippy::cast_possible_truncation)] // gitleaks reports entropy as float32
    let entropy = raw.entropy as f32;
    SecretMatch {
        rule_id: rule.id().to_owned(),
        description: rule.description().to_owned(),
        line: loc.line,
        column: loc.column,
        end_line: loc.end_line,
        end_column: loc.end_column,
        start: raw.start,
        end: raw.end,
        secret,
        matched,
        line_text,
        entropy,
        tags: rule.tags().to_vec(),
    }
}

/// `content[range]` as lossy UTF-8, cut to about `cap` bytes starting a little before
/// `focus`, with `…` where it was cut.
fn excerpt(content: &[u8], range: (usize, usize), focus: usize, cap: usize) -> String {
    let (s, e) = range;
    if e - s <= cap {
        return String::from_utf8_lossy(&content[s..e]).into_owned();
    }
    let mut from = focus.saturating_sub(cap / 4).max(s);
    let mut to = (from + cap).min(e);
    // Do not cut a UTF-8 character in half.
    while from > s && from < to && (content[from] & 0xC0) == 0x80 {
        from -= 1;
    }
    while to < e && to > from && (content[to] & 0xC0) == 0x80 {
        to -= 1;
    }
    let mut out = String::with_capacity(to - from + 8);
    if from > s {
        out.push('…');
    }
    out.push_str(&String::from_utf8_lossy(&content[from..to]));
    if to < e {
        out.push('…');
    }
    out
}
