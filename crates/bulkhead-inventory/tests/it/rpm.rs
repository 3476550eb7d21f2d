//! Tests of the `rpm` cataloger.
