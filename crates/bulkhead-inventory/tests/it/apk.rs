//! Tests of the `apk` cataloger.
