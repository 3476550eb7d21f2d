//! TODO(issue 5): this scheme is being written.

use std::cmp::Ordering;

use crate::VersionError;

pub(crate) fn compare(a: &str, b: &str) -> Result<Ordering, VersionError> {
    Err(VersionError::new("golang", a, format!("not implemented yet (comparing with `{b}`)")))
}
