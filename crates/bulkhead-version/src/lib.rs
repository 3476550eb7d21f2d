//! How versions order, per ecosystem. A vulnerability matcher is only as right as its
//! comparisons: `1.10 > 1.9` in every scheme, but `1.0.0-rc1 < 1.0.0` in semver while
//! `1.0~rc1 < 1.0` needs dpkg's tilde rule, and PEP 440 puts `1.0.post1` after `1.0`.
//!
//! [`compare`] orders two versions under a [`Scheme`]. Each scheme is its own module, written
//! from the ecosystem's specification and tested against that ecosystem's authoritative
//! implementation on thousands of real and generated pairs (`dpkg --compare-versions`, rpm's
//! `rpmvercmp`, `packaging`, node-semver, Maven's `ComparableVersion`, RubyGems, Go's
//! `x/mod/semver`, composer/semver on PHP).
//!
//! What this crate does not do: parse ranges or advisories (`bulkhead-vulndb` turns them into
//! comparisons), or guess a scheme from a version string.
//!
//! ```
//! use std::cmp::Ordering;
//! use bulkhead_version::{Scheme, compare};
//! assert_eq!(compare(Scheme::Dpkg, "1.0~rc1", "1.0"), Ok(Ordering::Less));
//! ```

mod apk;
mod composer;
mod dpkg;
mod gem;
mod golang;
mod maven;
mod npm;
mod nuget;
mod pep440;
mod rpm;
mod semver_cargo;

use std::cmp::Ordering;

/// A version ordering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// Debian and Ubuntu (`deb-version(7)`), epoch:upstream-revision with `~`.
    Dpkg,
    /// RPM (`rpmvercmp`, plus epoch and release), for RHEL, Fedora, SUSE, Amazon Linux.
    Rpm,
    /// Alpine's apk-tools.
    Apk,
    /// Python, PEP 440.
    Pep440,
    /// npm, node-semver (SemVer 2.0 with node-semver's loose prefixes).
    Npm,
    /// crates.io, SemVer 2.0 as the `semver` crate (Cargo) orders it.
    Cargo,
    /// Go modules (`vX.Y.Z`, pseudo-versions, `+incompatible`).
    Go,
    /// Maven, `ComparableVersion`.
    Maven,
    /// RubyGems, `Gem::Version`.
    RubyGems,
    /// NuGet, `NuGet.Versioning` (SemVer 2.0 with a fourth number, case-insensitive labels).
    NuGet,
    /// Composer (PHP, Packagist), as composer/semver orders versions: `VersionParser::normalize`
    /// (`v1.2-RC1` is `1.2.0.0-RC1`), then PHP's `version_compare` on the normalised strings.
    /// Two different `dev-` branches are not ordered (an error); any branch is below any number.
    Composer,
}

/// A version string that its scheme cannot order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {scheme} version `{version}`: {reason}")]
pub struct VersionError {
    pub scheme: &'static str,
    pub version: String,
    pub reason: String,
}

impl VersionError {
    pub(crate) fn new(scheme: &'static str, version: &str, reason: impl Into<String>) -> Self {
        VersionError {
            scheme,
            version: version.chars().take(200).collect(),
            reason: reason.into(),
        }
    }
}

/// Orders `a` and `b` under `scheme`.
pub fn compare(scheme: Scheme, a: &str, b: &str) -> Result<Ordering, VersionError> {
    match scheme {
        Scheme::Dpkg => dpkg::compare(a, b),
        Scheme::Rpm => rpm::compare(a, b),
        Scheme::Apk => apk::compare(a, b),
        Scheme::Pep440 => pep440::compare(a, b),
        Scheme::Npm => npm::compare(a, b),
        Scheme::Cargo => semver_cargo::compare(a, b),
        Scheme::Go => golang::compare(a, b),
        Scheme::Maven => maven::compare(a, b),
        Scheme::RubyGems => gem::compare(a, b),
        Scheme::NuGet => nuget::compare(a, b),
        Scheme::Composer => composer::compare(a, b),
    }
}
