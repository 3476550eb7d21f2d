//! Tests of the `cargo_lock` cataloger.
