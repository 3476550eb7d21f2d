//! `sysctls` (baseline, 1.0+, with more safe sysctls at 1.27, 1.29, 1.32 and 1.37): only
//! namespaced sysctls isolated from other pods may be set.

use super::super::read::{Pod, Reader, join_plain};
use super::{Found, pod_security_context, spec_path};

/// Each sysctl with the first policy version that allows it.
const SAFE: [(&str, u32); 14] = [
    ("kernel.shm_rmid_forced", 0),
    ("net.ipv4.ip_local_port_range", 0),
    ("net.ipv4.tcp_syncookies", 0),
    ("net.ipv4.ping_group_range", 0),
    ("net.ipv4.ip_unprivileged_port_start", 0),
    ("net.ipv4.ip_local_reserved_ports", 27),
    ("net.ipv4.tcp_keepalive_time", 29),
    ("net.ipv4.tcp_fin_timeout", 29),
    ("net.ipv4.tcp_keepalive_intvl", 29),
    ("net.ipv4.tcp_keepalive_probes", 29),
    ("net.ipv4.tcp_rmem", 32),
    ("net.ipv4.tcp_wmem", 32),
    ("net.ipv4.tcp_slow_start_after_idle", 37),
    ("net.ipv4.tcp_notsent_lowat", 37),
];

fn allowed(name: &str, minor: u32) -> bool {
    SAFE.iter()
        .any(|&(safe, since)| safe == name && minor >= since)
}

pub(super) fn run(pod: &Pod<'_>, minor: u32, r: &mut Reader) -> Option<Found> {
    let sc = pod_security_context(pod, r);
    let sc_path = spec_path().key("securityContext");
    let items = r.array(sc, &sc_path, &["sysctls"])?;
    let list = sc_path.key("sysctls");
    let mut forbidden = Vec::new();
    let mut paths = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(sysctl) = r.item_object(item, &list, i) else {
            continue;
        };
        let item_path = list.index(i);
        let name = r.str(Some(sysctl), &item_path, &["name"]).unwrap_or("");
        if !allowed(name, minor) {
            forbidden.push(name);
            paths.push(item_path.key("name"));
        }
    }
    (!forbidden.is_empty()).then(|| Found::new("forbidden sysctls", join_plain(&forbidden), paths))
}
