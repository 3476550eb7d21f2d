//! Tests of the `ruby` cataloger.
