//! End-to-end tests of the `bulkhead` binary: the README commands, formats, exit codes.

#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

mod config;
mod config_dockerfile;
mod config_kubernetes;
mod db;
mod image;
mod sbom;
mod secret;
mod secret_peers;
mod vuln;

use std::path::PathBuf;
use std::process::Command;

/// The `bulkhead` binary, with its cache (the decompressed embedded database, local
/// databases) under `target/` rather than the user's home.
pub(crate) fn bulkhead_command() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("bulkhead"));
    cmd.env("BULKHEAD_CACHE_DIR", test_cache_dir());
    cmd.env_remove("BULKHEAD_DB");
    cmd.env_remove("BULKHEAD_DB_URLS");
    cmd
}

pub(crate) fn test_cache_dir() -> PathBuf {
    bulkhead_test::workspace_root().join("target/bulkhead-test-cache")
}
