//! `allowPrivilegeEscalation` (restricted, 1.8+; Windows pods exempt from 1.25): every
//! container must set `securityContext.allowPrivilegeEscalation: false`.

use super::super::read::{Pod, Reader};
use super::{Found, containers_phrase};

pub(super) fn run(pod: &Pod<'_>, minor: u32, r: &mut Reader) -> Option<Found> {
    // From 1.25, API validation forbids the field on Windows pods, so upstream admits them.
    // The fields are still read, so that a malformed one fails closed.
    let found = require_false(pod, r);
    if minor >= 25 && pod.is_windows(r) {
        return None;
    }
    found
}

fn require_false(pod: &Pod<'_>, r: &mut Reader) -> Option<Found> {
    let mut bad = Vec::new();
    let mut paths = Vec::new();
    for c in pod.containers(r) {
        let field = ["securityContext", "allowPrivilegeEscalation"];
        if r.bool(Some(c.obj), &c.path, &field) != Some(false) {
            bad.push(c.name);
            paths.push(c.path.keys(&field));
        }
    }
    (!bad.is_empty()).then(|| {
        Found::new(
            "allowPrivilegeEscalation != false",
            format!(
                "{} must set securityContext.allowPrivilegeEscalation=false",
                containers_phrase(&bad)
            ),
            paths,
        )
    })
}
