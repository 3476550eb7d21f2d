#![allow(clippy::unwrap_used, clippy::disallowed_methods)]
//! Integration tests: real repositories built with the `git` CLI, and the expected
//! (blob, first commit, path) set computed independently with the `git` CLI too.

mod history;
mod hostile;
mod support;
