//! `semver_cargo` against its authoritative comparator.
//!
//! Cargo's comparator *is* the `semver` crate, and our module is a thin layer over it, so
//! comparing the module with that crate would only test the layer. Instead the same pairs go
//! to node-semver in strict mode (`semver.compare(a, b, false)`): a second implementation of
//! SemVer 2.0 precedence (§11) with no code, language or authors in common with the `semver`
//! crate, and one whose results npm has relied on for years. Where the two agree on tens of
//! thousands of pairs, a shared bug is unlikely. Build metadata is ignored by both.
//!
//! node-semver is not SemVer to the letter in a few places, where it cannot be the judge:
//! it accepts a leading `v` and surrounding whitespace, refuses numbers above 2^53 − 1 and
//! strings over 256 characters, and compares prerelease numbers from 2^53 − 1 up as doubles.
//! Versions that touch those are left out of the comparison and counted, and
//! `cargo_where_node_semver_is_not_semver` pins our behaviour there to the SemVer text.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use bulkhead_test::{shared_dir, workspace_root};
use bulkhead_version::{Scheme, compare};

use crate::npm::{
    assert_no_mismatches, describe, node_semver, osv_json_versions, pairs, summary, token,
    tricky_semver,
};

#[test]
fn cargo_orders_as_semver_precedence() {
    let mut real = BTreeSet::new();
    osv_json_versions(
        &shared_dir().join("vulndata/rustsec-advisory-db-osv/crates"),
        &mut real,
    );
    let from_osv = real.len();
    let lock = cargo_lock_versions();
    let from_lock = lock.len();
    real.extend(lock);
    let mut generated = tricky_semver();
    let before = real.len() + generated.len();
    real.retain(|v| !node_semver_is_not_semver(v));
    generated.retain(|v| !node_semver_is_not_semver(v));
    let skipped = before - real.len() - generated.len();
    let pairs = pairs(&real, &generated);

    let answers = node_semver(&pairs);
    let mut mismatches = Vec::new();
    let mut ordered = 0;
    for ((a, b), answer) in pairs.iter().zip(&answers) {
        let (_, strict) = answer.split_once(' ').unwrap();
        let ours = compare(Scheme::Cargo, a, b);
        if ours.is_ok() {
            ordered += 1;
        }
        if token(&ours) != strict {
            mismatches.push(format!(
                "{a:?} vs {b:?}: node-semver (strict) {strict}, we {}",
                describe(&ours)
            ));
        }
    }
    summary(
        "cargo",
        &pairs,
        ordered,
        &format!(
            "{from_osv} RustSec versions, {from_lock} from Cargo.lock; {skipped} versions left out where node-semver departs from SemVer"
        ),
    );
    assert_no_mismatches(
        &mismatches,
        pairs.len(),
        "node-semver `compare(a, b, false)`",
    );
}

/// Where node-semver cannot judge, SemVer 2.0 and Cargo's parser do.
#[test]
fn cargo_where_node_semver_is_not_semver() {
    let cargo = |a, b| compare(Scheme::Cargo, a, b);
    // Cargo takes no `v` and no whitespace.
    for bad in ["v1.0.0", " 1.0.0", "1.0.0\n", "=1.0.0"] {
        assert!(cargo(bad, "1.0.0").is_err(), "{bad:?}");
    }
    // Numbers are u64, exactly, not doubles.
    assert_eq!(
        cargo("9007199254740993.0.0", "9007199254740992.0.0"),
        Ok(Ordering::Greater)
    );
    assert_eq!(
        cargo("0.0.18446744073709551615", "0.0.18446744073709551614"),
        Ok(Ordering::Greater)
    );
    assert!(cargo("18446744073709551616.0.0", "1.0.0").is_err());
    // Numeric prerelease identifiers compare numerically at any size (§11.4.1).
    assert_eq!(
        cargo("1.0.0-9007199254740993", "1.0.0-9007199254740992"),
        Ok(Ordering::Greater)
    );
    assert_eq!(
        cargo(
            "1.0.0-99999999999999999999.1",
            "1.0.0-99999999999999999998.2"
        ),
        Ok(Ordering::Greater)
    );
    assert_eq!(
        cargo("1.0.0-99999999999999999999", "1.0.0-alpha"),
        Ok(Ordering::Less)
    );
    // No length limit.
    let long = format!("1.0.0-{}", "a".repeat(300));
    assert_eq!(cargo(&long, "1.0.0"), Ok(Ordering::Less));
}

/// Whether `v` is in one of the places where node-semver departs from SemVer 2.0 (see the
/// module comment). Errs on the side of skipping.
fn node_semver_is_not_semver(v: &str) -> bool {
    const MAX_SAFE_INTEGER: u128 = (1 << 53) - 1;
    let unsafe_number = v
        .split(['.', '-', '+'])
        .filter(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        .any(|digits| {
            digits
                .parse::<u128>()
                .map_or(true, |n| n >= MAX_SAFE_INTEGER)
        });
    unsafe_number
        || v.starts_with('v')
        || v.trim() != v
        || v.encode_utf16().count() > 256
        // JavaScript's whitespace beyond Rust's `trim`.
        || v.starts_with('\u{feff}')
        || v.ends_with('\u{feff}')
}

/// The versions in the workspace's own `Cargo.lock`.
fn cargo_lock_versions() -> BTreeSet<String> {
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock")).unwrap();
    let versions: BTreeSet<String> = lock
        .lines()
        .filter_map(|line| line.strip_prefix("version = \"")?.strip_suffix('"'))
        .map(str::to_owned)
        .collect();
    assert!(versions.len() > 50, "too few versions in Cargo.lock");
    versions
}
