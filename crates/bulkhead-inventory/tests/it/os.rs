//! Tests of the `os` cataloger.
