//! `runAsNonRoot` (restricted, 1.0+; pods in a user namespace exempt from 1.35): the pod
//! must set `runAsNonRoot: true`, or every container must, and none may set it to false.

use super::super::read::{Pod, Reader};
use super::{Found, containers_phrase, pod_security_context, setters, spec_path};

pub(super) fn run(pod: &Pod<'_>, minor: u32, r: &mut Reader) -> Option<Found> {
    // Root in a user namespace is not root on the host (KEP-127). The fields are still
    // read, so that a malformed one fails closed.
    let found = require_non_root(pod, r);
    if minor >= 35 && pod.in_user_namespace(r) {
        return None;
    }
    found
}

fn require_non_root(pod: &Pod<'_>, r: &mut Reader) -> Option<Found> {
    let mut paths = Vec::new();
    let sc = pod_security_context(pod, r);
    let sc_path = spec_path().key("securityContext");
    let pod_value = r.bool(sc, &sc_path, &["runAsNonRoot"]);
    let pod_bad = pod_value == Some(false);
    if pod_bad {
        paths.push(sc_path.key("runAsNonRoot"));
    }
    let mut explicitly_bad = Vec::new();
    let mut implicitly_bad = Vec::new();
    let mut implicit_paths = Vec::new();
    for c in pod.containers(r) {
        let field = ["securityContext", "runAsNonRoot"];
        match r.bool(Some(c.obj), &c.path, &field) {
            Some(false) => {
                explicitly_bad.push(c.name);
                paths.push(c.path.keys(&field));
            }
            None if pod_value != Some(true) => {
                implicitly_bad.push(c.name);
                implicit_paths.push(c.path.keys(&field));
            }
            Some(true) | None => {}
        }
    }
    if pod_bad || !explicitly_bad.is_empty() {
        return Some(Found::new(
            "runAsNonRoot != true",
            format!(
                "{} must not set securityContext.runAsNonRoot=false",
                setters(pod_bad, &explicitly_bad)
            ),
            paths,
        ));
    }
    (!implicitly_bad.is_empty()).then(|| {
        Found::new(
            "runAsNonRoot != true",
            format!(
                "pod or {} must set securityContext.runAsNonRoot=true",
                containers_phrase(&implicitly_bad)
            ),
            implicit_paths,
        )
    })
}
