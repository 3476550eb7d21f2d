//! `privileged` (baseline, 1.0+): `securityContext.privileged` must be unset or false.

use super::super::read::{Pod, Reader};
use super::{Found, containers_phrase};

pub(super) fn run(pod: &Pod<'_>, _minor: u32, r: &mut Reader) -> Option<Found> {
    let mut bad = Vec::new();
    let mut paths = Vec::new();
    for c in pod.containers(r) {
        let field = ["securityContext", "privileged"];
        if r.bool(Some(c.obj), &c.path, &field) == Some(true) {
            bad.push(c.name);
            paths.push(c.path.keys(&field));
        }
    }
    (!bad.is_empty()).then(|| {
        Found::new(
            "privileged",
            format!(
                "{} must not set securityContext.privileged=true",
                containers_phrase(&bad)
            ),
            paths,
        )
    })
}
