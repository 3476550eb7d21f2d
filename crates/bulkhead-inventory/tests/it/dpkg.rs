//! Tests of the `dpkg` cataloger.
