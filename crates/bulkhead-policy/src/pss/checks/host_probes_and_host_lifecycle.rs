//! `hostProbesAndHostLifecycle` (baseline, 1.34+): probes and lifecycle handlers must not
//! set `httpGet.host` or `tcpSocket.host` (they would let the kubelet reach any host on the
//! pod's behalf).

use std::collections::BTreeSet;

use super::super::read::{Pod, Reader, join_quote, pluralize};
use super::Found;

/// Where a host can be set, in upstream's order: the three probes, then the two lifecycle
/// handlers (`tcpSocket` there is deprecated but still decoded, so still checked).
const HANDLERS: [&[&str]; 5] = [
    &["livenessProbe"],
    &["readinessProbe"],
    &["startupProbe"],
    &["lifecycle", "postStart"],
    &["lifecycle", "preStop"],
];

pub(super) fn run(pod: &Pod<'_>, _minor: u32, r: &mut Reader) -> Option<Found> {
    let mut bad_containers = BTreeSet::new();
    let mut hosts = BTreeSet::new();
    let mut paths = Vec::new();
    for c in pod.containers(r) {
        for handler in HANDLERS {
            let Some(obj) = r.object(Some(c.obj), &c.path, handler) else {
                continue;
            };
            let handler_path = c.path.keys(handler);
            for action in ["httpGet", "tcpSocket"] {
                match r.str(Some(obj), &handler_path, &[action, "host"]) {
                    None | Some("") => {}
                    Some(host) => {
                        bad_containers.insert(c.name);
                        hosts.insert(host);
                        paths.push(handler_path.keys(&[action, "host"]));
                    }
                }
            }
        }
    }
    (!bad_containers.is_empty()).then(|| {
        Found::new(
            "probe or lifecycle host",
            format!(
                "{} {} {} {} {}",
                pluralize("container", "containers", bad_containers.len()),
                join_quote(&bad_containers),
                pluralize("uses", "use", bad_containers.len()),
                pluralize(
                    "probe or lifecycle host",
                    "probe or lifecycle hosts",
                    hosts.len()
                ),
                join_quote(&hosts)
            ),
            paths,
        )
    })
}
