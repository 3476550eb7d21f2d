//! Tests of the `php` cataloger.
