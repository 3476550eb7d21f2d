//! Tests of the `npm` cataloger.
