//! Tests of the `python` cataloger.
