//! `hostPorts` (baseline, 1.0+): every `ports[*].hostPort` must be unset or 0.

use std::collections::BTreeSet;

use super::super::read::{INT32, Pod, Reader, join_plain, pluralize};
use super::{Found, containers_phrase};

pub(super) fn run(pod: &Pod<'_>, _minor: u32, r: &mut Reader) -> Option<Found> {
    let mut bad = Vec::new();
    // Upstream keeps the ports as strings in a sorted set: "10" sorts before "9".
    let mut ports = BTreeSet::new();
    let mut paths = Vec::new();
    for c in pod.containers(r) {
        let Some(items) = r.array(Some(c.obj), &c.path, &["ports"]) else {
            continue;
        };
        let list = c.path.key("ports");
        let mut valid = true;
        for (i, item) in items.iter().enumerate() {
            let Some(port) = r.item_object(item, &list, i) else {
                continue;
            };
            let port_path = list.index(i);
            match r.int(Some(port), &port_path, &["hostPort"], INT32) {
                Some(0) | None => {}
                Some(host_port) => {
                    valid = false;
                    ports.insert(host_port.to_string());
                    paths.push(port_path.key("hostPort"));
                }
            }
        }
        if !valid {
            bad.push(c.name);
        }
    }
    (!bad.is_empty()).then(|| {
        Found::new(
            "hostPort",
            format!(
                "{} {} {} {}",
                containers_phrase(&bad),
                pluralize("uses", "use", bad.len()),
                pluralize("hostPort", "hostPorts", ports.len()),
                join_plain(&ports)
            ),
            paths,
        )
    })
}
