//! Integration tests for `bulkhead-manifest`, one binary (STYLE.md §2.5).

#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

mod hostile;
mod load;
mod peers;
mod resolve;
mod support;
