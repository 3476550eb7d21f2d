//! `hostPathVolumes` (baseline, 1.0+): no `hostPath` volumes. At `restricted`,
//! `restrictedVolumes` replaces it.

use serde_json::Value;

use super::super::read::{Pod, Reader, join_quote, pluralize};
use super::{Found, volumes};

pub(super) fn run(pod: &Pod<'_>, _minor: u32, r: &mut Reader) -> Option<Found> {
    let mut bad = Vec::new();
    let mut paths = Vec::new();
    for volume in volumes(pod, r) {
        let path = volume.path.key("hostPath");
        match volume.obj.get("hostPath") {
            None | Some(Value::Null) => continue,
            Some(Value::Object(_)) => {}
            // Present but undecodable: still a hostPath volume, and malformed besides.
            Some(other) => r.record(path.clone(), "an object", other),
        }
        bad.push(volume.name);
        paths.push(path);
    }
    (!bad.is_empty()).then(|| {
        Found::new(
            "hostPath volumes",
            format!(
                "{} {}",
                pluralize("volume", "volumes", bad.len()),
                join_quote(&bad)
            ),
            paths,
        )
    })
}
