//! End-to-end tests of the `bulkhead` binary: the README commands, formats, exit codes.

#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

mod image;
mod sbom;
