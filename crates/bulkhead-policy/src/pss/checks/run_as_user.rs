//! `runAsUser` (restricted, 1.23+; pods in a user namespace exempt from 1.35): neither the
//! pod nor a container may set `runAsUser: 0`.

use super::super::read::{INT64, Pod, Reader};
use super::{Found, pod_security_context, setters, spec_path};

pub(super) fn run(pod: &Pod<'_>, minor: u32, r: &mut Reader) -> Option<Found> {
    // Root in a user namespace is not root on the host (KEP-127). The fields are still
    // read, so that a malformed one fails closed.
    let found = forbid_root(pod, r);
    if minor >= 35 && pod.in_user_namespace(r) {
        return None;
    }
    found
}

fn forbid_root(pod: &Pod<'_>, r: &mut Reader) -> Option<Found> {
    let mut paths = Vec::new();
    let sc = pod_security_context(pod, r);
    let sc_path = spec_path().key("securityContext");
    let pod_bad = r.int(sc, &sc_path, &["runAsUser"], INT64) == Some(0);
    if pod_bad {
        paths.push(sc_path.key("runAsUser"));
    }
    let mut bad = Vec::new();
    for c in pod.containers(r) {
        let field = ["securityContext", "runAsUser"];
        if r.int(Some(c.obj), &c.path, &field, INT64) == Some(0) {
            bad.push(c.name);
            paths.push(c.path.keys(&field));
        }
    }
    (pod_bad || !bad.is_empty()).then(|| {
        Found::new(
            "runAsUser=0",
            format!("{} must not set runAsUser=0", setters(pod_bad, &bad)),
            paths,
        )
    })
}
