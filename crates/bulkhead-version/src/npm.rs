//! npm versions, ordered as node-semver's `semver.compare(a, b, true)` (loose mode) orders them.
//!
//! Precedence is SemVer 2.0's, which node-semver and the [`semver`] crate agree on. Parsing is
//! where they part, so this module is written by hand rather than on top of the `semver`
//! crate, which is strict and would refuse versions that npm installs. Loose mode, as
//! node-semver 7 implements it:
//!
//! - surrounding whitespace is trimmed (ECMAScript's whitespace set, `String.prototype.trim`),
//!   and any run of `v`, `=` and whitespace may precede the numbers: `v1.2.3`, `=1.2.3`,
//!   `= v1.2.3`;
//! - numbers may have leading zeros (`01.02.03` is `1.2.3`, prerelease `01` is `1`);
//! - the prerelease hyphen is optional (`1.2.3beta` is `1.2.3-beta`). Being a regex,
//!   node-semver then backtracks: `1.2.34.5` is `1.2.3-4.5`, `1.2.3-` is the prerelease `-`;
//! - a version longer than 256 UTF-16 units, or with a number above 2^53 − 1
//!   (`Number.MAX_SAFE_INTEGER`), is invalid.
//!
//! Build metadata is parsed and ignored. One quirk is kept on purpose, because npm orders
//! this way: a numeric prerelease identifier at or above 2^53 − 1 stays a string that is
//! compared as a JavaScript number (an `f64`), so two such identifiers that round to the same
//! double compare equal, and that ends the comparison.
//!
//! The test holds this module to node-semver itself on thousands of real and generated pairs.

use std::cmp::Ordering;

use crate::VersionError;

const SCHEME: &str = "npm";
/// node-semver's `MAX_LENGTH`, counted in UTF-16 code units (JavaScript's `length`).
const MAX_LENGTH: usize = 256;
/// `Number.MAX_SAFE_INTEGER`.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

pub(crate) fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let (a, b) = (NpmVersion::parse(a)?, NpmVersion::parse(b)?);
    Ok((a.major, a.minor, a.patch)
        .cmp(&(b.major, b.minor, b.patch))
        .then_with(|| compare_prerelease(&a.pre, &b.pre)))
}

#[derive(Debug)]
struct NpmVersion<'a> {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<Identifier<'a>>,
}

/// A prerelease identifier as node-semver stores it.
#[derive(Debug)]
enum Identifier<'a> {
    /// All digits with a value below `MAX_SAFE_INTEGER`: a JavaScript number.
    Number(u64),
    /// All digits, too large for a safe integer: kept as the string.
    BigDigits(&'a str),
    /// Anything else.
    Text(&'a str),
}

impl<'a> NpmVersion<'a> {
    fn parse(version: &'a str) -> Result<Self, VersionError> {
        let error = |reason: &str| VersionError::new(SCHEME, version, reason);
        if version.encode_utf16().count() > MAX_LENGTH {
            return Err(error("longer than 256 characters"));
        }
        let invalid = || error("not a semver version (MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD])");
        let s = version
            .trim_matches(is_js_whitespace)
            .trim_start_matches(|c| c == 'v' || c == '=' || is_js_whitespace(c));
        let (major, s) = split_digits(s).ok_or_else(invalid)?;
        let s = s.strip_prefix('.').ok_or_else(invalid)?;
        let (minor, s) = split_digits(s).ok_or_else(invalid)?;
        let s = s.strip_prefix('.').ok_or_else(invalid)?;
        let (digits, _) = split_digits(s).ok_or_else(invalid)?;
        // The regex's patch `\d+` is greedy but gives digits back to the prerelease when the
        // rest does not match otherwise: the longest patch that leaves a valid tail wins.
        let (patch, pre) = (1..=digits.len())
            .rev()
            .find_map(|len| Some((&s[..len], parse_tail(&s[len..])?)))
            .ok_or_else(invalid)?;
        let number = |digits: &str, what: &str| {
            safe_integer(digits).ok_or_else(|| error(&format!("{what} is larger than 2^53 - 1")))
        };
        Ok(NpmVersion {
            major: number(major, "major version")?,
            minor: number(minor, "minor version")?,
            patch: number(patch, "patch version")?,
            pre: pre.into_iter().map(Identifier::new).collect(),
        })
    }
}

impl<'a> Identifier<'a> {
    fn new(id: &'a str) -> Self {
        if !id.bytes().all(|b| b.is_ascii_digit()) {
            return Identifier::Text(id);
        }
        match safe_integer(id) {
            Some(n) if n < MAX_SAFE_INTEGER => Identifier::Number(n),
            _ => Identifier::BigDigits(id),
        }
    }

    /// JavaScript's `===` on the stored values.
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (Identifier::Number(a), Identifier::Number(b)) => a == b,
            (Identifier::BigDigits(a), Identifier::BigDigits(b))
            | (Identifier::Text(a), Identifier::Text(b)) => a == b,
            _ => false,
        }
    }

    /// The value JavaScript's unary `+` gives a numeric identifier.
    #[allow(clippy::cast_precision_loss)] // a `Number` is below 2^53, so exact
    fn numeric_value(&self) -> f64 {
        match self {
            Identifier::Number(n) => *n as f64,
            // Rust's parse rounds to nearest as ECMAScript's StringToNumber does, and
            // overflows to infinity as it does; a digit string always parses.
            Identifier::BigDigits(digits) => digits.parse().unwrap_or(f64::INFINITY),
            Identifier::Text(_) => f64::NAN,
        }
    }
}

/// node-semver's `compareIdentifiers`: numeric identifiers compare as numbers and below
/// alphanumeric ones, which compare as strings.
fn compare_identifiers(a: &Identifier<'_>, b: &Identifier<'_>) -> Ordering {
    match (a, b) {
        (Identifier::Number(x), Identifier::Number(y)) => x.cmp(y),
        // Identifiers are ASCII, so bytes order as JavaScript's UTF-16 code units do.
        (Identifier::Text(x), Identifier::Text(y)) => x.cmp(y),
        (Identifier::Text(_), _) => Ordering::Greater,
        (_, Identifier::Text(_)) => Ordering::Less,
        // Both numeric, one at least too big for an integer: JavaScript compares doubles.
        _ => a
            .numeric_value()
            .partial_cmp(&b.numeric_value())
            .unwrap_or(Ordering::Equal),
    }
}

/// node-semver's `comparePre`: a release is above its prereleases; otherwise identifiers
/// compare left to right, and the first pair that is not identical decides, even as `Equal`.
fn compare_prerelease(a: &[Identifier<'_>], b: &[Identifier<'_>]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (false, true) => return Ordering::Less,
        (true, false) => return Ordering::Greater,
        (false, false) => {}
    }
    for (x, y) in a.iter().zip(b) {
        if !x.same(y) {
            return compare_identifiers(x, y);
        }
    }
    a.len().cmp(&b.len())
}

/// The tail after the patch's digits, `(?:-?(PRERELEASE))?(?:\+(BUILD))?$`, tried in the
/// order a backtracking regex tries it. Returns the prerelease identifiers (maybe none).
fn parse_tail(s: &str) -> Option<Vec<&str>> {
    s.strip_prefix('-')
        .and_then(parse_prerelease)
        .or_else(|| parse_prerelease(s))
        .or_else(|| is_build_or_end(s).then(Vec::new))
}

/// `id(\.id)*` then build or end, where an id is a run of `[0-9A-Za-z-]`.
fn parse_prerelease(s: &str) -> Option<Vec<&str>> {
    let mut ids = Vec::new();
    let mut rest = s;
    loop {
        let len = rest.bytes().take_while(|&b| is_identifier_byte(b)).count();
        if len == 0 {
            return None;
        }
        ids.push(&rest[..len]);
        rest = &rest[len..];
        match rest.strip_prefix('.') {
            Some(next) if next.bytes().next().is_some_and(is_identifier_byte) => rest = next,
            _ => break,
        }
    }
    is_build_or_end(rest).then_some(ids)
}

/// `(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$`
fn is_build_or_end(s: &str) -> bool {
    s.is_empty()
        || s.strip_prefix('+').is_some_and(|build| {
            build
                .split('.')
                .all(|id| !id.is_empty() && id.bytes().all(is_identifier_byte))
        })
}

fn is_identifier_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// Splits a leading run of ASCII digits (at least one) from the rest.
fn split_digits(s: &str) -> Option<(&str, &str)> {
    let len = s.bytes().take_while(u8::is_ascii_digit).count();
    (len > 0).then(|| s.split_at(len))
}

/// The value of a digit string if it is at most `MAX_SAFE_INTEGER` (leading zeros allowed).
fn safe_integer(digits: &str) -> Option<u64> {
    let significant = digits.trim_start_matches('0');
    if significant.len() > 16 {
        return None;
    }
    // At most 16 digits always fit; none at all (the number was zeros) is 0.
    let value = significant.parse().unwrap_or(0);
    (value <= MAX_SAFE_INTEGER).then_some(value)
}

/// ECMAScript's WhiteSpace and LineTerminator, which both `trim()` and `\s` use.
fn is_js_whitespace(c: char) -> bool {
    matches!(c, '\t'..='\r' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'..='\u{200A}')
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}' | '\u{FEFF}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_the_semver_example_and_ignores_build() {
        let ascending = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "2.0.0",
        ];
        for pair in ascending.windows(2) {
            assert_eq!(compare(pair[0], pair[1]), Ok(Ordering::Less), "{pair:?}");
        }
        assert_eq!(compare("1.0.0+a", "1.0.0+b"), Ok(Ordering::Equal));
    }

    #[test]
    fn accepts_loose_forms() {
        assert_eq!(compare(" =v1.2.3 ", "1.2.3"), Ok(Ordering::Equal));
        assert_eq!(compare("01.02.03", "1.2.3"), Ok(Ordering::Equal));
        assert_eq!(compare("1.2.3beta", "1.2.3-beta"), Ok(Ordering::Equal));
        assert_eq!(compare("1.2.34.5", "1.2.3-4.5"), Ok(Ordering::Equal));
        assert_eq!(compare("1.2.3-", "1.2.3"), Ok(Ordering::Less));
        for bad in [
            "1.2",
            "1.2.3.4",
            "1.2.3+",
            "1.2.3-a..b",
            "9007199254740992.0.0",
            "",
        ] {
            assert!(compare(bad, "1.0.0").is_err(), "{bad:?}");
        }
    }
}
