//! `semver_cargo` against its authoritative comparator.
