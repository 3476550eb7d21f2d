//! Tests of the `yarn` cataloger.
