//! Go modules, as `golang.org/x/mod/semver` orders them (`semver.Compare`, the comparator the
//! `go` command uses for module versions; <https://pkg.go.dev/golang.org/x/mod/semver>).
//!
//! - A version is `vMAJOR[.MINOR[.PATCH[-PRERELEASE][+BUILD]]]`. The shorthands `v1` and `v1.2`
//!   mean `v1.0.0` and `v1.2.0`, and take neither a prerelease nor a build. Numbers have no
//!   leading zeros.
//! - The prerelease is dot-separated identifiers of `[0-9A-Za-z-]`; numeric identifiers have no
//!   leading zeros and sort before alphanumeric ones; a version with a prerelease sorts before
//!   the same version without one (SemVer 2.0 §11).
//! - The build (`+…`) is ignored. So is `+incompatible`, which is build metadata.
//! - Pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`, `v1.2.4-0.20191109021931-…`) are
//!   ordinary prereleases, and their timestamp makes them sort by commit time; no special case.
//!
//! One extension, on purpose: the OSV `Go` ecosystem (golang/vulndb) writes versions without
//! the `v` (`1.2.3`, and `0` for "every version"), so a version that does not start with `v` is
//! read as if it did. Anything `semver.IsValid` rejects (after that) is an error here, where
//! `semver.Compare` would silently order it before every valid version.
//!
//! Numbers are compared as digit strings (length, then bytes), so any length works.

use std::cmp::Ordering;

use crate::VersionError;

const SCHEME: &str = "golang";

pub(crate) fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a = Parsed::new(a)?;
    let b = Parsed::new(b)?;
    Ok(compare_number(a.major, b.major)
        .then_with(|| compare_number(a.minor, b.minor))
        .then_with(|| compare_number(a.patch, b.patch))
        .then_with(|| compare_prerelease(a.prerelease, b.prerelease)))
}

/// The parts of a valid version that take part in ordering (the build is dropped).
struct Parsed<'a> {
    major: &'a str,
    minor: &'a str,
    patch: &'a str,
    /// Without its leading `-`; empty for a release.
    prerelease: &'a str,
}

impl<'a> Parsed<'a> {
    fn new(version: &'a str) -> Result<Self, VersionError> {
        let err = |reason: &str| VersionError::new(SCHEME, version, reason);
        let rest = version.strip_prefix('v').unwrap_or(version);

        let (major, rest) = number(rest).ok_or_else(|| err("expected a major number after `v`"))?;
        if rest.is_empty() {
            return Ok(Parsed {
                major,
                minor: "0",
                patch: "0",
                prerelease: "",
            });
        }
        let rest = rest
            .strip_prefix('.')
            .ok_or_else(|| err("expected `.` after the major number"))?;
        let (minor, rest) = number(rest).ok_or_else(|| err("expected a minor number"))?;
        if rest.is_empty() {
            return Ok(Parsed {
                major,
                minor,
                patch: "0",
                prerelease: "",
            });
        }
        let rest = rest.strip_prefix('.').ok_or_else(|| {
            err("expected `.` after the minor number (a shorthand takes no suffix)")
        })?;
        let (patch, rest) = number(rest).ok_or_else(|| err("expected a patch number"))?;

        let (prerelease, build) = match rest.find('+') {
            Some(plus) => (&rest[..plus], Some(&rest[plus + 1..])),
            None => (rest, None),
        };
        let prerelease = if prerelease.is_empty() {
            prerelease
        } else {
            let identifiers = prerelease
                .strip_prefix('-')
                .ok_or_else(|| err("expected `-`, `+` or the end after the patch number"))?;
            if !identifiers
                .split('.')
                .all(|id| valid_identifier(id) && !bad_number(id))
            {
                return Err(err(
                    "the prerelease must be dot-separated non-empty identifiers of [0-9A-Za-z-], numbers without leading zeros",
                ));
            }
            identifiers
        };
        if let Some(build) = build
            && !build.split('.').all(valid_identifier)
        {
            return Err(err(
                "the build must be dot-separated non-empty identifiers of [0-9A-Za-z-]",
            ));
        }
        Ok(Parsed {
            major,
            minor,
            patch,
            prerelease,
        })
    }
}

/// A leading run of digits without a leading zero (`0` itself is fine), and what follows it.
fn number(s: &str) -> Option<(&str, &str)> {
    let end = s
        .bytes()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(s.len());
    let digits = &s[..end];
    if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
        return None;
    }
    Some((digits, &s[end..]))
}

fn valid_identifier(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
}

fn is_numeric(id: &str) -> bool {
    id.bytes().all(|c| c.is_ascii_digit())
}

/// A numeric prerelease identifier with a leading zero (`01`), which SemVer forbids.
fn bad_number(id: &str) -> bool {
    id.len() > 1 && id.starts_with('0') && is_numeric(id)
}

/// Digit strings without leading zeros: the longer is larger, equal lengths compare bytewise.
fn compare_number(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn compare_prerelease(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    let mut a_ids = a.split('.');
    let mut b_ids = b.split('.');
    loop {
        match (a_ids.next(), b_ids.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = match (is_numeric(x), is_numeric(y)) {
                    (true, true) => compare_number(x, y),
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (false, false) => x.cmp(y),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        compare(a, b).unwrap()
    }

    #[test]
    fn shorthand_and_missing_v() {
        assert_eq!(cmp("v1", "v1.0.0"), Ordering::Equal);
        assert_eq!(cmp("v1.2", "1.2.0"), Ordering::Equal);
        assert_eq!(cmp("0", "v0.0.0"), Ordering::Equal);
        assert!(compare("v1.2-pre", "v1.2.0").is_err());
        assert!(compare("v01.2.3", "v1.2.3").is_err());
        assert!(compare("V1.2.3", "v1.2.3").is_err());
        assert!(compare("", "v1.2.3").is_err());
    }

    #[test]
    fn prerelease_pseudo_and_build() {
        assert_eq!(cmp("v1.0.0-rc.1", "v1.0.0"), Ordering::Less);
        assert_eq!(cmp("v1.0.0-2", "v1.0.0-10"), Ordering::Less);
        assert_eq!(cmp("v1.0.0-a", "v1.0.0-1"), Ordering::Greater);
        assert_eq!(cmp("v2.0.0+incompatible", "v2.0.0"), Ordering::Equal);
        assert_eq!(
            cmp(
                "v0.0.0-20191109021931-daa7c04131f5",
                "v0.0.0-20201109021931-aaa7c04131f5"
            ),
            Ordering::Less
        );
        assert_eq!(
            cmp("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3"),
            Ordering::Greater
        );
        assert!(compare("v1.0.0-01", "v1.0.0").is_err());
        assert!(compare("v1.0.0+", "v1.0.0").is_err());
    }

    #[test]
    fn long_numbers_do_not_overflow() {
        let big = format!("v{}.0.0", "9".repeat(400));
        assert_eq!(cmp(&big, "v18446744073709551615.0.0"), Ordering::Greater);
    }
}
