//! `appArmorProfile` (baseline, 1.0+): AppArmor may only be the runtime default or a
//! localhost profile, whether set by the `appArmorProfile` fields (pod and containers) or by
//! the deprecated `container.apparmor.security.beta.kubernetes.io/*` annotations, which
//! Pod Security Admission still reads.

use std::collections::BTreeSet;

use super::super::read::{Pod, Reader, annotation_pair, join_quote, pluralize};
use super::{Found, annotations, containers_phrase, pod_security_context, spec_path};

const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

fn allowed_type(ty: &str) -> bool {
    matches!(ty, "RuntimeDefault" | "Localhost")
}

fn allowed_annotation(value: &str) -> bool {
    value.is_empty() || value == "runtime/default" || value.starts_with("localhost/")
}

const PROFILE_TYPE: [&str; 2] = ["appArmorProfile", "type"];

pub(super) fn run(pod: &Pod<'_>, _minor: u32, r: &mut Reader) -> Option<Found> {
    let mut setters = Vec::new();
    let mut bad_values = BTreeSet::new();
    let mut paths = Vec::new();

    let sc = pod_security_context(pod, r);
    let sc_path = spec_path().key("securityContext");
    if let Some(profile) = r.object(sc, &sc_path, &["appArmorProfile"]) {
        let ty = r
            .str(Some(profile), &sc_path.key("appArmorProfile"), &["type"])
            .unwrap_or("");
        if !allowed_type(ty) {
            setters.push("pod".to_owned());
            bad_values.insert(ty.to_owned());
            paths.push(sc_path.keys(&PROFILE_TYPE));
        }
    }

    let mut bad = Vec::new();
    for c in pod.containers(r) {
        let c_sc_path = c.path.key("securityContext");
        let c_sc = r.object(Some(c.obj), &c.path, &["securityContext"]);
        if let Some(profile) = r.object(c_sc, &c_sc_path, &["appArmorProfile"]) {
            let ty = r
                .str(Some(profile), &c_sc_path.key("appArmorProfile"), &["type"])
                .unwrap_or("");
            if !allowed_type(ty) {
                bad.push(c.name);
                bad_values.insert(ty.to_owned());
                paths.push(c_sc_path.keys(&PROFILE_TYPE));
            }
        }
    }
    if !bad.is_empty() {
        setters.push(containers_phrase(&bad));
    }

    // Upstream appends the annotations, sorted, after the sorted field values.
    let mut bad_values: Vec<String> = bad_values.into_iter().collect();
    let mut forbidden: Vec<(String, _)> = annotations(pod, r)
        .into_iter()
        .filter(|(k, v, _)| k.starts_with(ANNOTATION_PREFIX) && !allowed_annotation(v))
        .map(|(k, v, path)| (annotation_pair(k, v), path))
        .collect();
    forbidden.sort();
    if !forbidden.is_empty() {
        setters.push(pluralize("annotation", "annotations", forbidden.len()).to_owned());
        for (pair, path) in forbidden {
            bad_values.push(pair);
            paths.push(path);
        }
    }

    (!setters.is_empty()).then(|| {
        Found::new(
            pluralize(
                "forbidden AppArmor profile",
                "forbidden AppArmor profiles",
                bad_values.len(),
            ),
            format!(
                "{} must not set AppArmor profile type to {}",
                setters.join(" and "),
                join_quote(&bad_values)
            ),
            paths,
        )
    })
}
