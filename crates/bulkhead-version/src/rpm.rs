//! RPM versions: rpm's `rpmvercmp` (`rpmio/rpmvercmp.c`, rpm >= 4.15 with the `^` marker) on
//! each part of an `[epoch:]version[-release]` string, split as rpm's own `rpmverParse`
//! (`lib/rpmver.c`, `rpm.ver` in Python) splits it and compared as `rpm.labelCompare`
//! (`python/header-py.c`) compares the parts.
//!
//! `rpmvercmp` walks both strings segment by segment. Characters other than ASCII letters,
//! digits, `~` and `^` only separate segments (so `1.0`, `1_0` and `1.0.` are all equal). `~`
//! sorts before anything, even the end (`1.0~rc1 < 1.0`); `^` sorts after the end but before
//! anything else (`1.0 < 1.0^git1 < 1.0.1`). A digit segment beats a letter segment
//! (`1.0a < 1.0.1`); digit segments compare as numbers (leading zeros ignored, then by
//! length, then digit by digit, so any length works), letter segments by ASCII order
//! (`Z < a`). When every segment ties, the string with something left over wins, unless all
//! it has left is separators (`1.0a > 1.0`, `1.0. = 1.0`).
//!
//! The EVR split: the epoch is a run of digits directly followed by `:` (an empty one, `:1.0`,
//! is `0`; `abc:1` has no epoch, its version is `abc:1`); the release is what follows the last
//! `-`. `labelCompare` compares the epochs with `rpmvercmp` (a missing epoch is `0`), then the
//! versions, then the releases, where a missing release sorts before any release, even an
//! empty one (`1.0 < 1.0-`), and two missing releases tie.
//!
//! rpm accepts any string whose version part is not empty: `rpm.ver("")` and `labelCompare`
//! with an empty version (`1:`, `-1`, `:`) raise "invalid version", and so do we. We also
//! refuse a NUL byte, which cannot reach rpm's C strings (Python's binding silently cuts the
//! string there).

use std::cmp::Ordering;

use crate::VersionError;

const SCHEME: &str = "rpm";

struct Evr<'a> {
    epoch: Option<&'a [u8]>,
    version: &'a [u8],
    release: Option<&'a [u8]>,
}

pub(crate) fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a = parse(a)?;
    let b = parse(b)?;
    let (ea, eb) = (a.epoch.unwrap_or(b"0"), b.epoch.unwrap_or(b"0"));
    Ok(rpmvercmp(ea, eb)
        .then_with(|| rpmvercmp(a.version, b.version))
        .then_with(|| match (a.release, b.release) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(ra), Some(rb)) => rpmvercmp(ra, rb),
        }))
}

fn parse(input: &str) -> Result<Evr<'_>, VersionError> {
    let s = input.as_bytes();
    if s.contains(&0) {
        return Err(VersionError::new(
            SCHEME,
            input,
            "version string contains a NUL byte",
        ));
    }
    let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
    let (epoch, rest) = if s.get(digits) == Some(&b':') {
        let epoch: &[u8] = if digits == 0 { b"0" } else { &s[..digits] };
        (Some(epoch), &s[digits + 1..])
    } else {
        (None, s)
    };
    let (version, release) = match rest.iter().rposition(|&c| c == b'-') {
        Some(hyphen) => (&rest[..hyphen], Some(&rest[hyphen + 1..])),
        None => (rest, None),
    };
    if version.is_empty() {
        return Err(VersionError::new(
            SCHEME,
            input,
            "the version part is empty",
        ));
    }
    Ok(Evr {
        epoch,
        version,
        release,
    })
}

/// rpm's `rpmvercmp`: `Less`, `Equal` or `Greater`.
fn rpmvercmp(a: &[u8], b: &[u8]) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let is_sep = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while a.get(i).is_some_and(|&c| is_sep(c)) {
            i += 1;
        }
        while b.get(j).is_some_and(|&c| is_sep(c)) {
            j += 1;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());

        // `~` sorts before everything, even the end.
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        // `^` sorts after the end but before anything else.
        if ca == Some(b'^') || cb == Some(b'^') {
            if ca.is_none() {
                return Ordering::Less;
            }
            if cb.is_none() {
                return Ordering::Greater;
            }
            if ca != Some(b'^') {
                return Ordering::Greater;
            }
            if cb != Some(b'^') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        let (Some(ca), Some(_)) = (ca, cb) else {
            break;
        };

        // One segment: all digits or all letters, of the kind `a` starts with.
        let numeric = ca.is_ascii_digit();
        let in_segment = |c: &u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let seg_a = &a[i..i + a[i..].iter().take_while(|c| in_segment(c)).count()];
        let seg_b = &b[j..j + b[j..].iter().take_while(|c| in_segment(c)).count()];
        // `b` holds the other kind here: a number is newer than letters.
        if seg_b.is_empty() {
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let ord = if numeric {
            let (na, nb) = (strip_zeros(seg_a), strip_zeros(seg_b));
            na.len().cmp(&nb.len()).then_with(|| na.cmp(nb))
        } else {
            seg_a.cmp(seg_b)
        };
        if ord != Ordering::Equal {
            return ord;
        }
        i += seg_a.len();
        j += seg_b.len();
    }
    // All segments tied: whichever string has something left wins (separators included,
    // since the loop stops as soon as one side is exhausted).
    match (i < a.len(), j < b.len()) {
        (false, false) => Ordering::Equal,
        (false, true) => Ordering::Less,
        (true, _) => Ordering::Greater,
    }
}

fn strip_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|&&c| c == b'0').count();
    &digits[zeros..]
}
