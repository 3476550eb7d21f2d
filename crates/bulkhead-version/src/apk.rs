//! Alpine package versions, as apk-tools orders them (`apk version -t`, `apk vertest`):
//! written from apk-tools' `src/version.c` (the tokenizer `token_first`/`token_next`,
//! `token_cmp` and `apk_version_compare_fuzzy`, apk-tools 2.14/3.x), whose grammar is
//! `digit{.digit}...{letter}{_suf{#}}...{~hash}{-r#}`.
//!
//! A version is a sequence of tokens, each allowed only after the ones before it in this list:
//! the initial number; `.number`; one lowercase letter (after a number); `_suffix` with an
//! optional number, repeatable (`alpha`, `beta`, `pre`, `rc` are pre-releases, then the plain
//! version, then `cvs`, `svn`, `git`, `hg`, `p`); `~hash` (lowercase hex, once); `-rN` (once).
//! Tokens are compared pairwise while both versions have a token of the same kind:
//! - the initial number, suffix numbers and the revision compare as numbers;
//! - a later `.number` compares as a number, unless either side starts with `0`, when the two
//!   digit strings compare as bytes (so `1.02 < 1.1` and `1.0 < 1.00`);
//! - letters and hashes compare as bytes, suffixes by the order above.
//!
//! At the first difference of kind, the version that ends or moves to a "later" kind is the
//! smaller one, except that a pre-release suffix makes its side smaller: `1.0_rc1 < 1.0 <
//! 1.0-r0 < 1.0_p1 < 1.0a < 1.0.1`. Note `1.0 < 1.0-r0`: apk does not treat a missing revision
//! as `-r0`.
//!
//! Invalid versions are refused (`Err`), with apk's own validity rule (`apk_version_validate`,
//! what `apk version -c` checks): `apk version -t` would still compare the valid prefix, but a
//! scanner should not guess at a version apk itself calls invalid.
//!
//! One deliberate difference: apk-tools parses numbers into a `uint64_t` that wraps silently
//! past 20 digits; we compare digit strings of any length exactly (leading zeros skipped, then
//! by length, then digit by digit). Every real version is far below that limit.

use std::cmp::Ordering;

use crate::VersionError;

const SCHEME: &str = "apk";

/// Token kinds, in apk's order: a version may only move forward through this list (with the
/// exceptions in [`next_token`]), and at a difference of kind the later kind is the smaller
/// version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    InitialDigit,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    CommitHash,
    RevisionNo,
    End,
}

/// Suffix ranks, in apk's order; `NONE` (the plain version) sits between the pre-release and
/// the post-release suffixes.
const SUFFIXES: [(&[u8], u8); 9] = [
    (b"alpha", 1),
    (b"beta", 2),
    (b"pre", 3),
    (b"rc", 4),
    (b"cvs", 6),
    (b"svn", 7),
    (b"git", 8),
    (b"hg", 9),
    (b"p", 10),
];
const SUFFIX_NONE: u8 = 5;

#[derive(Debug, Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    /// The token's text without its leading `.`, `_`, `~` or `-r`.
    value: &'a [u8],
    /// The suffix rank, for [`Kind::Suffix`].
    suffix: u8,
}

pub(crate) fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let ta = tokenize(a).map_err(|reason| VersionError::new(SCHEME, a, reason))?;
    let tb = tokenize(b).map_err(|reason| VersionError::new(SCHEME, b, reason))?;
    Ok(compare_tokens(&ta, &tb))
}

fn compare_tokens(ta: &[Token<'_>], tb: &[Token<'_>]) -> Ordering {
    let end = Token {
        kind: Kind::End,
        value: &[],
        suffix: 0,
    };
    let mut i = 0;
    loop {
        let x = ta.get(i).copied().unwrap_or(end);
        let y = tb.get(i).copied().unwrap_or(end);
        if x.kind != y.kind {
            // A pre-release suffix makes its side smaller; otherwise the side that moved on
            // to a later kind (or ended) is smaller.
            if x.kind == Kind::Suffix && x.suffix < SUFFIX_NONE {
                return Ordering::Less;
            }
            if y.kind == Kind::Suffix && y.suffix < SUFFIX_NONE {
                return Ordering::Greater;
            }
            return y.kind.cmp(&x.kind);
        }
        if x.kind == Kind::End {
            return Ordering::Equal;
        }
        let ord = compare_token(&x, &y);
        if ord != Ordering::Equal {
            return ord;
        }
        i += 1;
    }
}

/// apk's `token_cmp` for two tokens of the same kind.
fn compare_token(x: &Token<'_>, y: &Token<'_>) -> Ordering {
    match x.kind {
        Kind::Digit if x.value.first() == Some(&b'0') || y.value.first() == Some(&b'0') => {
            // "if either of the digits have a leading zero, use raw string comparison"
            x.value.cmp(y.value)
        }
        Kind::Digit | Kind::InitialDigit | Kind::SuffixNo | Kind::RevisionNo => {
            compare_numbers(x.value, y.value)
        }
        Kind::Suffix => x.suffix.cmp(&y.suffix),
        Kind::Letter | Kind::CommitHash | Kind::End => x.value.cmp(y.value),
    }
}

/// Digit strings as numbers of any size; an empty suffix number is 0 (as apk's parse gives).
fn compare_numbers(a: &[u8], b: &[u8]) -> Ordering {
    fn strip(d: &[u8]) -> &[u8] {
        let zeros = d.iter().take_while(|&&c| c == b'0').count();
        &d[zeros..]
    }
    let (a, b) = (strip(a), strip(b));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn digits_len(s: &[u8]) -> usize {
    s.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// Splits a version into tokens, refusing what `apk_version_validate` refuses.
fn tokenize(version: &str) -> Result<Vec<Token<'_>>, String> {
    let s = version.as_bytes();
    let first = digits_len(s);
    if first == 0 {
        return Err("a version must start with a digit".into());
    }
    let mut tokens = vec![Token {
        kind: Kind::InitialDigit,
        value: &s[..first],
        suffix: 0,
    }];
    let mut pos = first;
    while pos < s.len() {
        let prev = tokens.last().map_or(Kind::InitialDigit, |t| t.kind);
        let (token, len) = next_token(prev, &s[pos..]).map_err(|why| {
            let c = version
                .get(pos..)
                .and_then(|r| r.chars().next())
                .unwrap_or('?');
            format!("unexpected `{c}` at byte {pos}: {why}")
        })?;
        tokens.push(token);
        pos += len;
    }
    Ok(tokens)
}

/// apk's `token_next`: the token at the start of `s` (not empty) after one of kind `prev`, and
/// how many bytes it spans.
fn next_token(prev: Kind, s: &[u8]) -> Result<(Token<'_>, usize), &'static str> {
    let token = |kind, value| Token {
        kind,
        value,
        suffix: 0,
    };
    match s[0] {
        b'a'..=b'z' => {
            if prev > Kind::Digit {
                return Err("a letter may only follow a number");
            }
            Ok((token(Kind::Letter, &s[..1]), 1))
        }
        b'.' | b'0'..=b'9' => {
            let dot = usize::from(s[0] == b'.');
            if dot == 1 && prev > Kind::Digit {
                return Err("`.number` may only follow a number");
            }
            let kind = match prev {
                Kind::InitialDigit | Kind::Digit => Kind::Digit,
                Kind::Suffix => Kind::SuffixNo,
                _ => return Err("a number may not follow a letter, hash or revision"),
            };
            let len = digits_len(&s[dot..]);
            if len == 0 {
                return Err("`.` must be followed by digits");
            }
            Ok((token(kind, &s[dot..dot + len]), dot + len))
        }
        b'_' => {
            if prev > Kind::SuffixNo {
                return Err("a suffix may not follow a hash or revision");
            }
            let len = s[1..].iter().take_while(|c| c.is_ascii_lowercase()).count();
            let name = &s[1..=len];
            let rank = SUFFIXES
                .iter()
                .find(|(known, _)| *known == name)
                .map(|&(_, rank)| rank)
                .ok_or("unknown suffix (expected alpha, beta, pre, rc, cvs, svn, git, hg or p)")?;
            let suffix = Token {
                kind: Kind::Suffix,
                value: name,
                suffix: rank,
            };
            Ok((suffix, 1 + len))
        }
        b'~' => {
            if prev >= Kind::CommitHash {
                return Err("only one `~hash`, before the revision");
            }
            let len = s[1..]
                .iter()
                .take_while(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
                .count();
            if len == 0 {
                return Err("`~` must be followed by a lowercase hex commit hash");
            }
            Ok((token(Kind::CommitHash, &s[1..=len]), 1 + len))
        }
        b'-' => {
            if prev >= Kind::RevisionNo {
                return Err("only one `-rN` revision, at the end");
            }
            if s.get(1) != Some(&b'r') {
                return Err("`-` must start a revision `-rN`");
            }
            let len = digits_len(&s[2..]);
            if len == 0 {
                return Err("`-r` must be followed by digits");
            }
            Ok((token(Kind::RevisionNo, &s[2..2 + len]), 2 + len))
        }
        _ => Err("not allowed in an apk version"),
    }
}
