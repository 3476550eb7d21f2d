//! `procMount` (baseline, 1.0+; from 1.35 any value is allowed in a user namespace) and
//! `procMount_restricted` (1.35+, replaces `procMount` at `restricted`): containers must use
//! the `Default` /proc mount.

use std::collections::BTreeSet;

use super::super::read::{Pod, Reader, join_quote};
use super::{Found, containers_phrase};

pub(super) fn baseline(pod: &Pod<'_>, minor: u32, r: &mut Reader) -> Option<Found> {
    // An unmasked /proc inside a user namespace exposes nothing of the host's (KEP-4265).
    // The fields are still read, so that a malformed one fails closed.
    let found = restricted(pod, minor, r);
    if minor >= 35 && pod.in_user_namespace(r) {
        return None;
    }
    found
}

/// Upstream's `procMount_1_0`: unconditional.
pub(super) fn restricted(pod: &Pod<'_>, _minor: u32, r: &mut Reader) -> Option<Found> {
    let mut bad = Vec::new();
    let mut types = BTreeSet::new();
    let mut paths = Vec::new();
    for c in pod.containers(r) {
        let field = ["securityContext", "procMount"];
        match r.str(Some(c.obj), &c.path, &field) {
            None | Some("Default") => {}
            Some(ty) => {
                bad.push(c.name);
                types.insert(ty);
                paths.push(c.path.keys(&field));
            }
        }
    }
    (!bad.is_empty()).then(|| {
        Found::new(
            "procMount",
            format!(
                "{} must not set securityContext.procMount to {}",
                containers_phrase(&bad),
                join_quote(&types)
            ),
            paths,
        )
    })
}
