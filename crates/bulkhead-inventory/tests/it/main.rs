//! Inventory tests against what the package managers themselves report.

#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

mod os;
mod dpkg;
mod apk;
mod python;
mod npm;
mod yarn;
mod pnpm;
mod cargo_lock;
mod binary;
mod java;
mod rpm;
mod ruby;
mod php;
mod dotnet;
