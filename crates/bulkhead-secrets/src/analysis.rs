//! Static analysis of a rule's regex that lets the scanner search only near keyword hits
//! while finding exactly what a whole-buffer search would.
//!
//! gitleaks runs a triggered rule over the whole fragment. That is exact but slow: a file
//! that mentions `key` once is searched end to end by `generic-api-key`. The scanner instead
//! searches *windows* around the keyword hits, which is exact when two facts hold:
//!
//! 1. every match of the regex contains one of the rule's keywords (ASCII case-insensitively),
//!    at a position the analysis can point at (the *anchor*), and
//! 2. a match contains at most `before` newlines before its anchor and `after` newlines after.
//!
//! Then every match lies within the lines `line(hit) - before ..= line(hit) + after` of the
//! keyword hit at its anchor, the Aho-Corasick pass finds every such hit (it reports
//! overlapping matches), and a search confined to the union of those windows — with
//! look-around (`^`, `$`, `\b`) still seeing the bytes outside, which `regex-automata`'s spans
//! guarantee — yields the same leftmost-first matches as the whole-buffer search: a match
//! inside a window is a match of the whole buffer, and no whole-buffer match lies outside
//! the windows. Rules for which the analysis cannot prove both facts (no keywords, a keyword
//! not spelled by the regex, an unbounded number of newlines such as `(?s:.)+`) are searched
//! over the whole buffer, as gitleaks does.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Where the scanner may search for a rule's matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    /// The whole buffer, whenever one of the rule's keywords occurs (or always, without keywords).
    Whole,
    /// Only the lines from `before` above to `after` below each keyword hit.
    Lines { before: u32, after: u32 },
}

/// Most strings a finite language may hold before the analysis gives up on it.
const MAX_LANGUAGE: usize = 64;
/// Longest string of a finite language kept (keywords are short).
const MAX_WORD: usize = 128;

/// Chooses the plan for a rule with the given (lower-cased) keywords.
pub(crate) fn plan(hir: &Hir, keywords: &[String]) -> Plan {
    if keywords.is_empty() || keywords.iter().any(|k| k.is_empty() || k.contains('\n')) {
        return Plan::Whole;
    }
    // A regex that can match the empty string has matches no keyword anchors.
    if hir.properties().minimum_len().is_none_or(|n| n == 0) {
        return Plan::Whole;
    }
    let keywords: Vec<&[u8]> = keywords.iter().map(String::as_bytes).collect();
    match anchor(hir, &keywords) {
        Some((before, after)) => Plan::Lines { before, after },
        None => Plan::Whole,
    }
}

/// Newlines (before, after) the anchored keyword occurrence, if every match has one.
fn anchor(hir: &Hir, keywords: &[&[u8]]) -> Option<(u32, u32)> {
    // A small finite language whose every word contains a keyword anchors by itself.
    if let Some(words) = language(hir)
        && !words.is_empty()
        && words.iter().all(|w| contains_keyword(w, keywords))
    {
        let nl = newlines(hir)?;
        return Some((nl, nl));
    }
    match hir.kind() {
        HirKind::Capture(cap) => anchor(&cap.sub, keywords),
        HirKind::Alternation(branches) => {
            let mut worst = (0u32, 0u32);
            for branch in branches {
                let (b, a) = anchor(branch, keywords)?;
                worst = (worst.0.max(b), worst.1.max(a));
            }
            Some(worst)
        }
        HirKind::Repetition(rep) if rep.min >= 1 => {
            // The anchor sits in the first iteration; later ones only add newlines after it.
            let (b, a) = anchor(&rep.sub, keywords)?;
            let per = newlines(&rep.sub)?;
            let extra = if per == 0 {
                0
            } else {
                per.checked_mul(rep.max?.checked_sub(1)?)?
            };
            Some((b, a.checked_add(extra)?))
        }
        HirKind::Concat(children) => concat_anchor(children, keywords),
        _ => None,
    }
}

fn concat_anchor(children: &[Hir], keywords: &[&[u8]]) -> Option<(u32, u32)> {
    let nls: Vec<Option<u32>> = children.iter().map(newlines).collect();
    let sum = |range: std::ops::Range<usize>| -> Option<u32> {
        nls[range]
            .iter()
            .try_fold(0u32, |acc, n| acc.checked_add((*n)?))
    };
    let mut best: Option<(u32, u32)> = None;
    let mut consider = |candidate: Option<(u32, u32)>| {
        if let Some(c) = candidate
            && best.is_none_or(|b| c.0 + c.1 < b.0 + b.1)
        {
            best = Some(c);
        }
    };
    // A child that anchors by itself.
    for (i, child) in children.iter().enumerate() {
        if let Some((b, a)) = anchor(child, keywords) {
            consider(
                sum(0..i)
                    .and_then(|pre| pre.checked_add(b))
                    .zip(sum(i + 1..children.len()).and_then(|post| post.checked_add(a))),
            );
        }
    }
    // A run of children that together spell a keyword, e.g. `(?:ghu|ghs)` then `_`, or the
    // per-letter classes `(?i)key` becomes.
    let languages: Vec<Option<Vec<Vec<u8>>>> = children.iter().map(language).collect();
    for start in 0..children.len() {
        let mut words: Vec<Vec<u8>> = vec![Vec::new()];
        for (end, language) in languages.iter().enumerate().skip(start) {
            let Some(next) = language else { break };
            let Some(product) = concat_languages(&words, next) else {
                break;
            };
            words = product;
            if words.iter().all(|w| contains_keyword(w, keywords)) {
                let run = sum(start..end + 1);
                consider(
                    run.and_then(|r| sum(0..start)?.checked_add(r))
                        .zip(run.and_then(|r| sum(end + 1..children.len())?.checked_add(r))),
                );
                break;
            }
        }
    }
    best
}

/// The most newlines any match of `hir` can contain (`None`: unbounded).
fn newlines(hir: &Hir) -> Option<u32> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(0),
        HirKind::Literal(lit) => u32::try_from(memchr::memchr_iter(b'\n', &lit.0).count()).ok(),
        HirKind::Class(class) => Some(u32::from(class_has_newline(class))),
        HirKind::Capture(cap) => newlines(&cap.sub),
        HirKind::Repetition(rep) => {
            let per = newlines(&rep.sub)?;
            if per == 0 {
                Some(0)
            } else {
                per.checked_mul(rep.max?)
            }
        }
        HirKind::Concat(children) => children
            .iter()
            .try_fold(0u32, |acc, c| acc.checked_add(newlines(c)?)),
        HirKind::Alternation(branches) => branches
            .iter()
            .try_fold(0u32, |acc, c| Some(acc.max(newlines(c)?))),
    }
}

fn class_has_newline(class: &Class) -> bool {
    match class {
        Class::Bytes(bytes) => bytes
            .ranges()
            .iter()
            .any(|r| r.start() <= b'\n' && b'\n' <= r.end()),
        Class::Unicode(uni) => uni
            .ranges()
            .iter()
            .any(|r| r.start() <= '\n' && '\n' <= r.end()),
    }
}

/// The ASCII-lower-cased strings `hir` matches, if there are few and they are short.
fn language(hir: &Hir) -> Option<Vec<Vec<u8>>> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(vec![Vec::new()]),
        HirKind::Literal(lit) => {
            (lit.0.len() <= MAX_WORD).then(|| vec![lit.0.to_ascii_lowercase()])
        }
        HirKind::Class(class) => class_language(class),
        HirKind::Capture(cap) => language(&cap.sub),
        HirKind::Repetition(rep) => {
            // `x?`, `x{2}`, `x{1,3}`: the union of the few possible repetitions.
            let max = rep.max.filter(|&m| m <= 8)?;
            let sub = language(&rep.sub)?;
            let mut power = vec![Vec::new()];
            let mut words: Vec<Vec<u8>> = Vec::new();
            for count in 0..=max {
                if count >= rep.min {
                    for word in &power {
                        if !words.contains(word) {
                            words.push(word.clone());
                        }
                    }
                    if words.len() > MAX_LANGUAGE {
                        return None;
                    }
                }
                if count < max {
                    power = concat_languages(&power, &sub)?;
                }
            }
            Some(words)
        }
        HirKind::Concat(children) => {
            let mut words = vec![Vec::new()];
            for child in children {
                words = concat_languages(&words, &language(child)?)?;
            }
            Some(words)
        }
        HirKind::Alternation(branches) => {
            let mut words: Vec<Vec<u8>> = Vec::new();
            for branch in branches {
                for word in language(branch)? {
                    if !words.contains(&word) {
                        words.push(word);
                    }
                }
                if words.len() > MAX_LANGUAGE {
                    return None;
                }
            }
            Some(words)
        }
    }
}

fn class_language(class: &Class) -> Option<Vec<Vec<u8>>> {
    let mut bytes: Vec<u8> = Vec::new();
    let mut push = |b: u8| {
        let b = b.to_ascii_lowercase();
        if !bytes.contains(&b) {
            bytes.push(b);
        }
    };
    match class {
        Class::Bytes(class) => {
            for range in class.ranges() {
                if usize::from(range.end() - range.start()) >= MAX_LANGUAGE {
                    return None;
                }
                for b in range.start()..=range.end() {
                    push(b);
                }
            }
        }
        Class::Unicode(class) => {
            for range in class.ranges() {
                let (start, end) = (u32::from(range.start()), u32::from(range.end()));
                if end >= 0x80 || end - start >= 64 {
                    return None;
                }
                for c in start..=end {
                    push(u8::try_from(c).ok()?);
                }
            }
        }
    }
    (bytes.len() <= MAX_LANGUAGE).then(|| bytes.into_iter().map(|b| vec![b]).collect())
}

fn concat_languages(left: &[Vec<u8>], right: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if left.len().checked_mul(right.len())? > MAX_LANGUAGE {
        return None;
    }
    let mut out = Vec::with_capacity(left.len() * right.len());
    for l in left {
        for r in right {
            if l.len() + r.len() > MAX_WORD {
                return None;
            }
            let mut word = l.clone();
            word.extend_from_slice(r);
            if !out.contains(&word) {
                out.push(word);
            }
        }
    }
    Some(out)
}

fn contains_keyword(word: &[u8], keywords: &[&[u8]]) -> bool {
    keywords
        .iter()
        .any(|k| word.windows(k.len()).any(|w| w == *k))
}

#[cfg(test)]
mod tests {
    use super::{Plan, plan};

    fn plan_of(pattern: &str, keywords: &[&str]) -> Plan {
        let hir = regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(pattern)
            .unwrap();
        let keywords: Vec<String> = keywords.iter().map(|k| (*k).to_owned()).collect();
        plan(&hir, &keywords)
    }

    #[test]
    fn literal_tokens_anchor_on_their_line() {
        assert_eq!(
            plan_of("ghp_[0-9a-zA-Z]{36}", &["ghp_"]),
            Plan::Lines {
                before: 0,
                after: 0
            }
        );
        assert_eq!(
            plan_of("(?:ghu|ghs)_[0-9a-zA-Z]{36}", &["ghu_", "ghs_"]),
            Plan::Lines {
                before: 0,
                after: 0
            }
        );
    }

    #[test]
    fn assignment_rules_count_newlines_after_the_keyword() {
        let generic = r#"(?i)[\w.-]{0,50}?(?:adafruit)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|>|:{1,3}=|\|\||:|=>|\?=|,)[\x60'"\s=]{0,5}([a-z0-9_-]{32})(?:[\x60'"\s;]|\\[nr]|$)"#;
        assert_eq!(
            plan_of(generic, &["adafruit"]),
            Plan::Lines {
                before: 0,
                after: 9
            }
        );
    }

    #[test]
    fn keyword_not_in_the_regex_or_unbounded_newlines_search_everything() {
        assert_eq!(
            plan_of(r"\b(pat[[:alnum:]]{14}\.[a-f0-9]{64})\b", &["airtable"]),
            Plan::Whole
        );
        assert_eq!(plan_of(r"key(?s:.)+end", &["key"]), Plan::Whole);
        assert_eq!(plan_of(r"key\s*=", &["key"]), Plan::Whole);
        assert_eq!(plan_of(r"(?:key)?", &["key"]), Plan::Whole);
        assert_eq!(plan_of(r"key", &[]), Plan::Whole);
    }
}
