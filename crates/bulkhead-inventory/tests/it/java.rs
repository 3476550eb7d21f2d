//! Tests of the `java` cataloger.
