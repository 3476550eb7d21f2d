//! One test binary for the crate (STYLE.md §2.5). BuildKit's own test data is read from
//! `../shared/peer-data/buildkit-dockerfile-parser` at test time.

// Tests fail by panicking, and report timings on stderr (`--nocapture`), never assert them.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod commands;
mod conformance;
mod heredoc;
mod hostile;
mod lexer;
mod scopes;
mod spans;

use std::path::PathBuf;

/// `../shared/peer-data/buildkit-dockerfile-parser`.
pub fn buildkit_data() -> PathBuf {
    bulkhead_test::shared_dir().join("peer-data/buildkit-dockerfile-parser")
}

pub fn parse(text: &str) -> bulkhead_dockerfile::Dockerfile {
    bulkhead_dockerfile::parse(text).unwrap_or_else(|e| panic!("{e}\n--- input:\n{text}"))
}
