//! `windowsHostProcess` (baseline, 1.0+): `securityContext.windowsOptions.hostProcess` must
//! be unset or false, on the pod and on every container.

use super::super::read::{Pod, Reader};
use super::{Found, pod_security_context, setters, spec_path};

const FIELD: [&str; 2] = ["windowsOptions", "hostProcess"];

pub(super) fn run(pod: &Pod<'_>, _minor: u32, r: &mut Reader) -> Option<Found> {
    let mut paths = Vec::new();
    let mut bad = Vec::new();
    for c in pod.containers(r) {
        let sc = r.object(Some(c.obj), &c.path, &["securityContext"]);
        let sc_path = c.path.key("securityContext");
        if r.bool(sc, &sc_path, &FIELD) == Some(true) {
            bad.push(c.name);
            paths.push(sc_path.keys(&FIELD));
        }
    }
    let sc = pod_security_context(pod, r);
    let sc_path = spec_path().key("securityContext");
    let pod_bad = r.bool(sc, &sc_path, &FIELD) == Some(true);
    if pod_bad {
        paths.insert(0, sc_path.keys(&FIELD));
    }
    (pod_bad || !bad.is_empty()).then(|| {
        Found::new(
            "hostProcess",
            format!(
                "{} must not set securityContext.windowsOptions.hostProcess=true",
                setters(pod_bad, &bad)
            ),
            paths,
        )
    })
}
