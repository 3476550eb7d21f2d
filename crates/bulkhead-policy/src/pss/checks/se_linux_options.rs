//! `seLinuxOptions` (baseline, 1.0+; `container_engine_t` allowed from 1.31): the SELinux
//! type may only be a container type, and user and role must not be set.

use std::collections::BTreeSet;

use super::super::FieldPath;
use super::super::read::{Obj, Pod, Reader, join_quote, pluralize};
use super::{Found, containers_phrase, pod_security_context, spec_path};

const TYPES_1_0: [&str; 4] = ["", "container_t", "container_init_t", "container_kvm_t"];
const TYPE_1_31: &str = "container_engine_t";

#[derive(Default)]
struct Findings<'a> {
    bad_types: BTreeSet<&'a str>,
    set_user: bool,
    set_role: bool,
    paths: Vec<FieldPath>,
}

/// Judges one `seLinuxOptions` object; `true` when it is fine.
fn valid<'a>(
    opts: &'a Obj,
    opts_path: &FieldPath,
    minor: u32,
    r: &mut Reader,
    found: &mut Findings<'a>,
) -> bool {
    let mut valid = true;
    let ty = r.str(Some(opts), opts_path, &["type"]).unwrap_or("");
    if !(TYPES_1_0.contains(&ty) || (minor >= 31 && ty == TYPE_1_31)) {
        valid = false;
        found.bad_types.insert(ty);
        found.paths.push(opts_path.key("type"));
    }
    if !r
        .str(Some(opts), opts_path, &["user"])
        .unwrap_or("")
        .is_empty()
    {
        valid = false;
        found.set_user = true;
        found.paths.push(opts_path.key("user"));
    }
    if !r
        .str(Some(opts), opts_path, &["role"])
        .unwrap_or("")
        .is_empty()
    {
        valid = false;
        found.set_role = true;
        found.paths.push(opts_path.key("role"));
    }
    valid
}

pub(super) fn run(pod: &Pod<'_>, minor: u32, r: &mut Reader) -> Option<Found> {
    let mut found = Findings::default();
    let mut pod_bad = false;
    let sc = pod_security_context(pod, r);
    let sc_path = spec_path().key("securityContext");
    if let Some(opts) = r.object(sc, &sc_path, &["seLinuxOptions"]) {
        pod_bad = !valid(opts, &sc_path.key("seLinuxOptions"), minor, r, &mut found);
    }
    let mut bad = Vec::new();
    for c in pod.containers(r) {
        let field = ["securityContext", "seLinuxOptions"];
        if let Some(opts) = r.object(Some(c.obj), &c.path, &field)
            && !valid(opts, &c.path.keys(&field), minor, r, &mut found)
        {
            bad.push(c.name);
        }
    }
    if !pod_bad && bad.is_empty() {
        return None;
    }
    let mut setters = Vec::new();
    if pod_bad {
        setters.push("pod".to_owned());
    }
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }
    let mut data = Vec::new();
    if !found.bad_types.is_empty() {
        data.push(format!(
            "{} {}",
            pluralize("type", "types", found.bad_types.len()),
            join_quote(&found.bad_types)
        ));
    }
    if found.set_user {
        data.push("user may not be set".to_owned());
    }
    if found.set_role {
        data.push("role may not be set".to_owned());
    }
    Some(Found::new(
        "seLinuxOptions",
        format!(
            "{} set forbidden securityContext.seLinuxOptions: {}",
            setters.join(" and "),
            data.join("; ")
        ),
        found.paths,
    ))
}
