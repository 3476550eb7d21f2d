//! `bulkhead-policy` against independent truths: upstream Pod Security Admission's
//! conformance fixtures (read from `../shared`), its unit-test messages, and hostile input.

// Tests report counts on stderr (run with `--nocapture` to see them); a panic is how a
// test or a fixture helper fails.
#![allow(clippy::print_stderr, clippy::unwrap_used)]

mod boundaries;
mod fixtures;
mod hostile;
mod messages;
