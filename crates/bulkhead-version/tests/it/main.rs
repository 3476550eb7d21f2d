//! Each scheme against its authoritative comparator.

#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

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
mod support;
