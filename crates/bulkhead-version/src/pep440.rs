//! Python versions, PEP 440 (the "Version specifiers" specification on packaging.python.org).
//!
//! We do not write this one ourselves: [`pep440_rs`] is Astral's implementation, the one uv
//! resolves with, so it has been run against most of PyPI. It parses every normalisation
//! form PEP 440 allows (`1.0-alpha1`, `1.0.0.0`, `v1.0`, `1.0-1`, leading zeros, any case), and
//! its `Ord` is PEP 440's total order: epoch, release with trailing zeros ignored,
//! `.devN < aN < bN < rcN < final < .postN`, then the local label.
//!
//! The test holds it to Python's `packaging.version.Version`, what pip uses, on thousands of
//! real and generated pairs. That found three corners, which this module settles:
//!
//! - `packaging` trims Python's whitespace (Unicode, plus `\x1c`..`\x1f`) around a version;
//!   `pep440_rs` trims ASCII whitespace only. We trim Python's set first.
//! - `pep440_rs` keeps a local segment of digits too large for a `u64` as a *string*, which
//!   sorts below every number and so misorders `1.0+99999999999999999999` silently. Versions
//!   with such a segment compare here by their public part, then by a local comparison that
//!   takes numbers of any size.
//! - `pep440_rs` stands for "no `.dev`" by `u64::MAX` in a pre- or post-release, so it finds
//!   `1.0a1.dev18446744073709551615` equal to `1.0a1`. We refuse that dev number, as
//!   `pep440_rs` refuses any number above it.
//!
//! What remains different is deliberate: a number above 2^64 − 1 outside the local label is
//! an error here (Python's integers have no limit). It is loud, never a wrong order.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::str::FromStr;

use pep440_rs::{LocalSegment, Version};

use crate::VersionError;

const SCHEME: &str = "pep440";

pub(crate) fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let (a, b) = (parse(a)?, parse(b)?);
    if has_big_local_number(&a) || has_big_local_number(&b) {
        let public = a.clone().without_local().cmp(&b.clone().without_local());
        return Ok(public.then_with(|| compare_local(a.local(), b.local())));
    }
    Ok(a.cmp(&b))
}

fn parse(version: &str) -> Result<Version, VersionError> {
    let parsed = Version::from_str(version.trim_matches(is_python_whitespace))
        .map_err(|e| VersionError::new(SCHEME, version, e.to_string()))?;
    if parsed.dev() == Some(u64::MAX) {
        return Err(VersionError::new(
            SCHEME,
            version,
            "dev release number 18446744073709551615 is too large",
        ));
    }
    Ok(parsed)
}

/// A local segment of digits that did not fit a `u64` (see the module comment).
fn has_big_local_number(version: &Version) -> bool {
    version.local().iter().any(|segment| {
        matches!(segment, LocalSegment::String(s) if s.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// PEP 440's local ordering, as `packaging` implements it: segment by segment, numbers above
/// strings, numbers numerically, strings lexicographically (already lower-cased), and a label
/// that is a prefix of another below it.
fn compare_local(a: &[LocalSegment], b: &[LocalSegment]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let order = match (local_number(x), local_number(y)) {
            // Without leading zeros, a longer number is a larger one.
            (Some(m), Some(n)) => (m.len(), &m).cmp(&(n.len(), &n)),
            (Some(_), None) => Ordering::Greater,
            (None, Some(_)) => Ordering::Less,
            (None, None) => x.cmp(y),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

/// The digits of a numeric local segment, without leading zeros, whatever its size.
fn local_number(segment: &LocalSegment) -> Option<Cow<'_, str>> {
    match segment {
        LocalSegment::Number(0) => Some(Cow::Borrowed("")),
        LocalSegment::Number(n) => Some(Cow::Owned(n.to_string())),
        LocalSegment::String(s) if s.bytes().all(|b| b.is_ascii_digit()) => {
            Some(Cow::Borrowed(s.trim_start_matches('0')))
        }
        LocalSegment::String(_) => None,
    }
}

/// What Python's `\s` matches in a `str` pattern: `str.isspace()`, which is Unicode's
/// White_Space plus the ASCII separators `\x1c`..`\x1f`.
fn is_python_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_the_pep440_examples() {
        let ascending = [
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
            "1!0.1",
        ];
        for pair in ascending.windows(2) {
            assert_eq!(compare(pair[0], pair[1]), Ok(Ordering::Less), "{pair:?}");
        }
        assert_eq!(compare("1.0-alpha1", "1.0a1"), Ok(Ordering::Equal));
        assert_eq!(compare("1.0.0.0", "1.0"), Ok(Ordering::Equal));
        assert!(compare("1.0", "not a version").is_err());
    }

    #[test]
    fn settles_the_corners() {
        assert_eq!(compare("\u{a0}1.0\u{1f}", "1.0"), Ok(Ordering::Equal));
        assert_eq!(
            compare("1.0+99999999999999999999", "1.0+abc"),
            Ok(Ordering::Greater)
        );
        assert_eq!(
            compare("1.0+99999999999999999999", "1.0+099999999999999999998"),
            Ok(Ordering::Greater)
        );
        assert_eq!(
            compare("1.0+abc.99999999999999999999", "1.0+abc.7"),
            Ok(Ordering::Greater)
        );
        assert_eq!(
            compare("1.1+99999999999999999999", "1.0+abc"),
            Ok(Ordering::Greater)
        );
        assert!(compare("1.0a1.dev18446744073709551615", "1.0a1").is_err());
        assert!(compare("1.0.99999999999999999999", "1.0").is_err());
    }
}
