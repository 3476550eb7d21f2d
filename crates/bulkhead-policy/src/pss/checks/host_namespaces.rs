//! `hostNamespaces` (baseline, 1.0+): `hostNetwork`, `hostPID` and `hostIPC` must be unset
//! or false.

use super::super::read::{Pod, Reader, join_plain};
use super::{Found, spec_path};

pub(super) fn run(pod: &Pod<'_>, _minor: u32, r: &mut Reader) -> Option<Found> {
    let spec = pod.spec(r);
    let mut bad = Vec::new();
    let mut paths = Vec::new();
    for (field, shown) in [
        ("hostNetwork", "hostNetwork=true"),
        ("hostPID", "hostPID=true"),
        ("hostIPC", "hostIPC=true"),
    ] {
        if r.bool(spec, &spec_path(), &[field]) == Some(true) {
            bad.push(shown);
            paths.push(spec_path().key(field));
        }
    }
    (!bad.is_empty()).then(|| Found::new("host namespaces", join_plain(&bad), paths))
}
