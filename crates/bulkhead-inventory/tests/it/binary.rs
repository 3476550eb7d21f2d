//! Tests of the `binary` cataloger.
