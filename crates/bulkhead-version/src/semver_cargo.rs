//! crates.io versions: SemVer 2.0, parsed by the [`semver`] crate, which is what Cargo uses.
//!
//! Parsing is Cargo's, so it is strict: exactly `MAJOR.MINOR.PATCH[-PRE][+BUILD]`, no leading
//! `v`, no surrounding whitespace, no leading zeros in numbers; a string Cargo would refuse in
//! a `Cargo.lock` is an error here.
//!
//! Ordering is SemVer 2.0 *precedence* ([`semver::Version::cmp_precedence`]), not
//! `semver::Version`'s `Ord`. That `Ord` breaks ties on build metadata (`1.0.0+a < 1.0.0+b`) so
//! that it can be a total order consistent with `Eq`, but SemVer §10 says build metadata MUST
//! be ignored when determining precedence. For vulnerability matching `1.0.0+a` and `1.0.0+b`
//! are the same release, and a range `< 1.0.0` must not treat either differently from
//! `1.0.0`, so they compare `Equal` here.

use std::cmp::Ordering;

use semver::Version;

use crate::VersionError;

const SCHEME: &str = "cargo";

pub(crate) fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    Ok(parse(a)?.cmp_precedence(&parse(b)?))
}

fn parse(version: &str) -> Result<Version, VersionError> {
    Version::parse(version).map_err(|e| VersionError::new(SCHEME, version, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_metadata_does_not_order() {
        assert_eq!(compare("1.0.0+a", "1.0.0+b"), Ok(Ordering::Equal));
        assert_eq!(compare("1.0.0+zzz", "1.0.0"), Ok(Ordering::Equal));
        assert_eq!(compare("1.0.0-rc.1+b", "1.0.0-rc.1+a"), Ok(Ordering::Equal));
        assert_eq!(compare("1.0.0-rc.1+z", "1.0.0+a"), Ok(Ordering::Less));
    }

    #[test]
    fn follows_semver_precedence_example() {
        // SemVer 2.0 §11.
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
            "2.1.0",
            "2.1.1",
        ];
        for pair in ascending.windows(2) {
            assert_eq!(compare(pair[0], pair[1]), Ok(Ordering::Less), "{pair:?}");
        }
    }

    #[test]
    fn refuses_what_cargo_refuses() {
        for bad in [
            "v1.0.0", " 1.0.0", "1.0", "01.0.0", "1.0.0-01", "1.0.0-", "1.0.0+",
        ] {
            assert!(compare(bad, "1.0.0").is_err(), "{bad}");
        }
    }
}
