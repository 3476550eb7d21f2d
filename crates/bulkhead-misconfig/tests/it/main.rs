//! Integration tests of the misconfiguration rules, one module per target.

#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

mod dockerfile;
mod kubernetes;
