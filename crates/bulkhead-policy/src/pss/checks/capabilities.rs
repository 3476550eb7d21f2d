//! `capabilities_baseline` (1.0+): `capabilities.add` only from the default set.
//! `capabilities_restricted` (1.22+; Windows pods exempt from 1.25): `capabilities.drop`
//! must include `ALL`, and `add` may only hold `NET_BIND_SERVICE`; at `restricted` it
//! replaces the baseline check.

use std::collections::BTreeSet;

use super::super::read::{Pod, Reader, join_quote};
use super::{Found, containers_phrase};

/// The container runtime's default capability set (upstream `capabilities_allowed_1_0`).
const DEFAULT_CAPABILITIES: [&str; 13] = [
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

const CAPABILITIES: [&str; 2] = ["securityContext", "capabilities"];

pub(super) fn baseline(pod: &Pod<'_>, _minor: u32, r: &mut Reader) -> Option<Found> {
    let mut bad = Vec::new();
    let mut forbidden = BTreeSet::new();
    let mut paths = Vec::new();
    for c in pod.containers(r) {
        let caps = r.object(Some(c.obj), &c.path, &CAPABILITIES);
        let caps_path = c.path.keys(&CAPABILITIES);
        let Some(add) = r.array(caps, &caps_path, &["add"]) else {
            continue;
        };
        let add_path = caps_path.key("add");
        let mut valid = true;
        for (i, item) in add.iter().enumerate() {
            let Some(cap) = r.item_str(item, &add_path, i) else {
                continue;
            };
            if !DEFAULT_CAPABILITIES.contains(&cap) {
                valid = false;
                forbidden.insert(cap);
                paths.push(add_path.index(i));
            }
        }
        if !valid {
            bad.push(c.name);
        }
    }
    (!bad.is_empty()).then(|| {
        Found::new(
            "non-default capabilities",
            format!(
                "{} must not include {} in securityContext.capabilities.add",
                containers_phrase(&bad),
                join_quote(&forbidden)
            ),
            paths,
        )
    })
}

pub(super) fn restricted(pod: &Pod<'_>, minor: u32, r: &mut Reader) -> Option<Found> {
    // From 1.25, API validation forbids capabilities on Windows pods, so upstream admits
    // them without looking. We still read them, so that a malformed field fails closed.
    let found = drop_all(pod, r);
    if minor >= 25 && pod.is_windows(r) {
        return None;
    }
    found
}

fn drop_all(pod: &Pod<'_>, r: &mut Reader) -> Option<Found> {
    let mut missing_drop_all = Vec::new();
    let mut adding_forbidden = Vec::new();
    let mut forbidden = BTreeSet::new();
    let mut paths = Vec::new();
    for c in pod.containers(r) {
        let caps_path = c.path.keys(&CAPABILITIES);
        let Some(caps) = r.object(Some(c.obj), &c.path, &CAPABILITIES) else {
            missing_drop_all.push(c.name);
            paths.push(caps_path.key("drop"));
            continue;
        };
        let drop_path = caps_path.key("drop");
        let drop = r
            .array(Some(caps), &caps_path, &["drop"])
            .unwrap_or_default();
        let mut dropped_all = false;
        for (i, item) in drop.iter().enumerate() {
            if r.item_str(item, &drop_path, i) == Some("ALL") {
                dropped_all = true;
            }
        }
        if !dropped_all {
            missing_drop_all.push(c.name);
            paths.push(drop_path);
        }
        let add_path = caps_path.key("add");
        let add = r
            .array(Some(caps), &caps_path, &["add"])
            .unwrap_or_default();
        let mut added_forbidden = false;
        for (i, item) in add.iter().enumerate() {
            let Some(cap) = r.item_str(item, &add_path, i) else {
                continue;
            };
            if cap != "NET_BIND_SERVICE" {
                added_forbidden = true;
                forbidden.insert(cap);
                paths.push(add_path.index(i));
            }
        }
        if added_forbidden {
            adding_forbidden.push(c.name);
        }
    }
    let mut details = Vec::new();
    if !missing_drop_all.is_empty() {
        details.push(format!(
            r#"{} must set securityContext.capabilities.drop=["ALL"]"#,
            containers_phrase(&missing_drop_all)
        ));
    }
    if !adding_forbidden.is_empty() {
        details.push(format!(
            "{} must not include {} in securityContext.capabilities.add",
            containers_phrase(&adding_forbidden),
            join_quote(&forbidden)
        ));
    }
    (!details.is_empty())
        .then(|| Found::new("unrestricted capabilities", details.join("; "), paths))
}
