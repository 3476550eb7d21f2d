//! Go's character predicates and string quoting, which BuildKit's output depends on.
//!
//! Rust's `char` methods are defined by other Unicode properties (`is_alphabetic` is wider
//! than Go's `unicode.IsLetter`, `to_lowercase` maps `İ` to two characters), so the parser
//! and lexer use these instead wherever BuildKit calls into Go's `unicode` or `strconv`.

use std::fmt::Write as _;

use crate::unicode_tables::{DIGIT, LETTER, PRINT};

fn in_table(table: &[(u32, u32)], c: char) -> bool {
    let c = u32::from(c);
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Go `unicode.IsLetter`.
pub(crate) fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        in_table(LETTER, c)
    }
}

/// Go `unicode.IsDigit` (category Nd, not just ASCII).
pub(crate) fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        in_table(DIGIT, c)
    }
}

/// Go `unicode.IsSpace`; the same set as Unicode `White_Space`, which `char::is_whitespace`
/// implements.
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Go `strconv.IsPrint`.
fn is_print(c: char) -> bool {
    if c.is_ascii() {
        (' '..='~').contains(&c)
    } else {
        in_table(PRINT, c)
    }
}

/// Go `strings.ToLower`: per-character simple lowercase mapping. The one character whose
/// full mapping is longer (`İ`) maps to `i` as in Go, and there is no final-sigma rule.
pub(crate) fn to_lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.chars()
        .map(|c| {
            if c == '\u{130}' {
                'i'
            } else {
                c.to_lowercase().next().unwrap_or(c)
            }
        })
        .collect()
}

/// Go `strings.TrimSpace`.
pub(crate) fn trim_space(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// Appends Go's `strconv.Quote(s)` to `out`: the quoting BuildKit's `Dump` uses.
pub(crate) fn quote_into(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if is_print(c) => out.push(c),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if c < ' ' || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if u32::from(c) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\U{:08x}", u32::from(c));
            }
        }
    }
    out.push('"');
}

/// Go's `strconv.Quote`.
#[cfg(test)]
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    quote_into(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_matches_go() {
        // Expected strings printed by Go 1.19's strconv.Quote.
        assert_eq!(
            quote("\u{a0}\u{ad}\u{2028}\u{1F600}\u{7f}\u{0}é\u{200b}"),
            r#""\u00a0\u00ad\u2028😀\x7f\x00é\u200b""#
        );
        assert_eq!(quote("a\"b\\c\u{7}\u{b}"), r#""a\"b\\c\a\v""#);
        assert_eq!(quote("♥☃"), "\"♥☃\"");
    }

    #[test]
    fn predicates() {
        assert!(is_letter('한') && !is_letter('1') && !is_letter('_'));
        assert!(is_digit('٣') && !is_digit('²'));
        assert_eq!(to_lower("RUN İ Σ"), "run i σ");
    }
}
