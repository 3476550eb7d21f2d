//! `restrictedVolumes` (restricted, 1.0+; replaces `hostPathVolumes` at `restricted`):
//! volumes may only use the sources that a user who can create pods can use anyway.
//!
//! Two deliberate differences from upstream, both on objects the API server would not
//! accept as they are, and both stricter:
//!
//! - Upstream's `switch` admits a volume as soon as one of its sources is allowed. A volume
//!   with two sources is invalid, so this never matters in a cluster; here every source a
//!   volume names is judged, so `{emptyDir: {}, hostPath: {…}}` is not admitted.
//! - A key we do not know (a typo, or a source newer than this port) counts as the type
//!   `unknown`, as upstream counts a source its switch does not handle. Kubernetes'
//!   decoder would drop a typo and default the volume to `emptyDir`; we flag it instead.
//!
//! A volume with no source at all is an `emptyDir` (API defaulting), hence allowed.

use std::collections::BTreeSet;

use super::super::read::{Pod, Reader, join_quote, pluralize};
use super::{Found, volumes};

/// Sources every pod author may use (upstream's allow-list; `image` since Kubernetes 1.33,
/// patched into the 1.0 policy, so allowed at every version).
const ALLOWED: [&str; 9] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// Every other source Kubernetes defines; the key is also upstream's name for the type.
const RESTRICTED: [&str; 21] = [
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
];

pub(super) fn run(pod: &Pod<'_>, _minor: u32, r: &mut Reader) -> Option<Found> {
    let mut bad = Vec::new();
    let mut types = BTreeSet::new();
    let mut paths = Vec::new();
    for volume in volumes(pod, r) {
        let mut volume_bad = false;
        for (key, value) in volume.obj {
            if key == "name" || value.is_null() {
                continue;
            }
            if !value.is_object() {
                r.record(volume.path.key(key), "an object", value);
            }
            if ALLOWED.contains(&key.as_str()) {
                continue;
            }
            volume_bad = true;
            types.insert(if RESTRICTED.contains(&key.as_str()) {
                key.as_str()
            } else {
                "unknown"
            });
            paths.push(volume.path.key(key));
        }
        if volume_bad {
            bad.push(volume.name);
        }
    }
    (!bad.is_empty()).then(|| {
        Found::new(
            "restricted volume types",
            format!(
                "{} {} {} {} {}",
                pluralize("volume", "volumes", bad.len()),
                join_quote(&bad),
                pluralize("uses", "use", bad.len()),
                pluralize(
                    "restricted volume type",
                    "restricted volume types",
                    types.len()
                ),
                join_quote(&types)
            ),
            paths,
        )
    })
}
