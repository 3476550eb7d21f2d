//! RubyGems, as `Gem::Version#<=>` orders versions (RubyGems 3.3, `lib/rubygems/version.rb`;
//! <https://guides.rubygems.org/patterns/#semantic-versioning> describes the intent).
//!
//! - Valid is what `Gem::Version.correct?` accepts: optional surrounding whitespace around
//!   `[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?`, or nothing at all (an empty
//!   or blank version is `0`). Anything else is an error here.
//! - Each `-` becomes `.pre.`, then the segments are the runs of digits (numbers) and the runs
//!   of ASCII letters (strings): `1.0.0.rc1` is `1, 0, 0, "rc", 1`; `1.0-1` is `1, 0, "pre", 1`.
//! - Trailing zeros are dropped from the numeric segments before the first string, and from the
//!   segments from the first string on: `1.0.a.0` is `1, "a"`, equal to `1.a`.
//! - Segment by segment, a missing one counting as `0`: a string is less than a number (so any
//!   version with letters is a prerelease, `1.0.a < 1.0`); numbers compare numerically;
//!   strings compare byte by byte, case-sensitively (`1.A < 1.a`).
//!
//! Numbers are compared as digit strings (leading zeros dropped), so any length works.

use std::cmp::Ordering;

use crate::VersionError;

const SCHEME: &str = "gem";

pub(crate) fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a = canonical_segments(a)?;
    let b = canonical_segments(b)?;
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(Segment::ZERO);
        let y = b.get(i).copied().unwrap_or(Segment::ZERO);
        let order = match (x, y) {
            (Segment::Number(x), Segment::Number(y)) => {
                x.len().cmp(&y.len()).then_with(|| x.cmp(y))
            }
            (Segment::String(_), Segment::Number(_)) => Ordering::Less,
            (Segment::Number(_), Segment::String(_)) => Ordering::Greater,
            (Segment::String(x), Segment::String(y)) => x.cmp(y),
        };
        if order != Ordering::Equal {
            return Ok(order);
        }
    }
    Ok(Ordering::Equal)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment<'a> {
    /// Digits without leading zeros (empty for zero).
    Number(&'a str),
    String(&'a str),
}

impl Segment<'_> {
    const ZERO: Segment<'static> = Segment::Number("");

    fn is_zero(self) -> bool {
        self == Self::ZERO
    }
}

/// Ruby's `\s` and what `String#strip` removes around a valid version.
fn is_ruby_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{0b}' | '\u{0c}' | '\r')
}

fn canonical_segments(version: &str) -> Result<Vec<Segment<'_>>, VersionError> {
    let trimmed = version.trim_matches(is_ruby_space);
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    if !correct(trimmed) {
        return Err(VersionError::new(
            SCHEME,
            version,
            "expected digits, then `.`-separated runs of [0-9A-Za-z], then optionally `-` and `.`-separated runs of [0-9A-Za-z-]",
        ));
    }

    let mut segments = Vec::new();
    let bytes = trimmed.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_digit() || c.is_ascii_alphabetic() {
            let digit = c.is_ascii_digit();
            let len = bytes[i..]
                .iter()
                .position(|b| b.is_ascii_digit() != digit || !b.is_ascii_alphanumeric())
                .unwrap_or(bytes.len() - i);
            let run = &trimmed[i..i + len];
            segments.push(if digit {
                Segment::Number(run.trim_start_matches('0'))
            } else {
                Segment::String(run)
            });
            i += len;
        } else {
            if c == b'-' {
                // RubyGems rewrites each `-` to `.pre.`.
                segments.push(Segment::String("pre"));
            }
            i += 1;
        }
    }

    // Drop trailing zeros from the release part and from the prerelease part, separately.
    let first_string = segments
        .iter()
        .position(|s| matches!(s, Segment::String(_)))
        .unwrap_or(segments.len());
    let mut prerelease = segments.split_off(first_string);
    while prerelease.last().is_some_and(|s| s.is_zero()) {
        prerelease.pop();
    }
    while segments.last().is_some_and(|s| s.is_zero()) {
        segments.pop();
    }
    segments.append(&mut prerelease);
    Ok(segments)
}

/// `Gem::Version::VERSION_PATTERN`, anchored, on a non-empty trimmed version.
fn correct(v: &str) -> bool {
    let bytes = v.as_bytes();
    let run = |from: usize, ok: fn(u8) -> bool| {
        bytes[from..]
            .iter()
            .position(|&b| !ok(b))
            .unwrap_or(bytes.len() - from)
    };
    let mut i = run(0, |b| b.is_ascii_digit());
    if i == 0 {
        return false;
    }
    while bytes.get(i) == Some(&b'.') {
        let len = run(i + 1, |b| b.is_ascii_alphanumeric());
        if len == 0 {
            return false;
        }
        i += 1 + len;
    }
    if bytes.get(i) == Some(&b'-') {
        let part = |b: u8| b.is_ascii_alphanumeric() || b == b'-';
        let len = run(i + 1, part);
        if len == 0 {
            return false;
        }
        i += 1 + len;
        while bytes.get(i) == Some(&b'.') {
            let len = run(i + 1, part);
            if len == 0 {
                return false;
            }
            i += 1 + len;
        }
    }
    i == bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        compare(a, b).unwrap()
    }

    #[test]
    fn prereleases_and_trailing_zeros() {
        assert_eq!(cmp("1.0.a", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0.0.rc1", "1.0.0.rc1.0"), Ordering::Equal);
        assert_eq!(cmp("1.0.a.0", "1.a"), Ordering::Equal);
        assert_eq!(cmp("1.0-1", "1.0.pre.1"), Ordering::Equal);
        assert_eq!(cmp("1.0.0.rc10", "1.0.0.rc9"), Ordering::Greater);
        assert_eq!(cmp("1.A", "1.a"), Ordering::Less);
        assert_eq!(cmp("  1.2 \n", "1.2"), Ordering::Equal);
        assert_eq!(cmp("", "0"), Ordering::Equal);
    }

    #[test]
    fn invalid() {
        for bad in [
            "a", "1.", "1..2", ".1", "1a", "1.0-", "1.0-.a", "1 2", "1.ä", "v1",
        ] {
            assert!(compare(bad, "1").is_err(), "{bad:?}");
        }
        assert!(compare("1.0--", "1").is_ok());
    }

    #[test]
    fn long_numbers_do_not_overflow() {
        let big = format!("1.{}", "9".repeat(300));
        assert_eq!(cmp(&big, "1.18446744073709551616"), Ordering::Greater);
        assert_eq!(cmp("1.000000000000000000000000002", "1.2"), Ordering::Equal);
    }
}
