//! `seccompProfile_baseline`: seccomp, when set, must be the runtime default or a localhost
//! profile; read from the alpha annotations before 1.19 and from the fields from 1.19.
//! `seccompProfile_restricted` (1.19+; Windows pods exempt from 1.25; replaces the baseline
//! check at `restricted`): the profile must also be set, on the pod or on every container.

use std::collections::{BTreeSet, HashMap};

use super::super::FieldPath;
use super::super::read::{Obj, Pod, Reader, annotation_pair, join_plain, join_quote, pluralize};
use super::{Found, annotations, containers_phrase, pod_security_context, setters, spec_path};

const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

const PROFILE: &str = "seccompProfile";

fn valid_type(ty: &str) -> bool {
    matches!(ty, "RuntimeDefault" | "Localhost")
}

fn valid_annotation(value: &str) -> bool {
    value == "runtime/default" || value == "docker/default" || value.starts_with("localhost/")
}

pub(super) fn baseline(pod: &Pod<'_>, minor: u32, r: &mut Reader) -> Option<Found> {
    if minor < 19 {
        baseline_annotations(pod, r)
    } else {
        fields(pod, r, false)
    }
}

pub(super) fn restricted(pod: &Pod<'_>, minor: u32, r: &mut Reader) -> Option<Found> {
    // Windows pods are exempt from 1.25 (API validation forbids the field there); the
    // fields are still read, so that a malformed one fails closed.
    let found = fields(pod, r, true);
    if minor >= 25 && pod.is_windows(r) {
        return None;
    }
    found
}

/// Upstream's `seccompProfileBaseline_1_0`: the pod annotation and each container's.
fn baseline_annotations(pod: &Pod<'_>, r: &mut Reader) -> Option<Found> {
    let annotations: HashMap<&str, (&str, FieldPath)> = annotations(pod, r)
        .into_iter()
        .map(|(k, v, path)| (k, (v, path)))
        .collect();
    let lookup = |key: &str| {
        annotations
            .get_key_value(key)
            .map(|(k, (v, path))| (*k, *v, path))
    };
    let mut forbidden = BTreeSet::new();
    let mut paths = Vec::new();
    let mut judge = |key: &str| {
        if let Some((k, v, path)) = lookup(key)
            && !valid_annotation(v)
        {
            forbidden.insert(annotation_pair(k, v));
            paths.push(path.clone());
        }
    };
    judge(POD_ANNOTATION);
    for c in pod.containers(r) {
        judge(&format!("{CONTAINER_ANNOTATION_PREFIX}{}", c.name));
    }
    (!forbidden.is_empty()).then(|| {
        Found::new(
            "seccompProfile",
            format!(
                "forbidden {} {}",
                pluralize("annotation", "annotations", forbidden.len()),
                join_plain(&forbidden)
            ),
            paths,
        )
    })
}

/// The type of a set `seccompProfile` object (`""` when the type is missing).
fn profile_type<'a>(
    base: Option<&'a Obj>,
    base_path: &FieldPath,
    r: &mut Reader,
) -> Option<&'a str> {
    let profile = r.object(base, base_path, &[PROFILE])?;
    Some(
        r.str(Some(profile), &base_path.key(PROFILE), &["type"])
            .unwrap_or(""),
    )
}

/// Upstream's `seccompProfileBaseline_1_19` and, with `required`, `seccompProfileRestricted`.
fn fields(pod: &Pod<'_>, r: &mut Reader, required: bool) -> Option<Found> {
    let mut bad_values = BTreeSet::new();
    let mut paths = Vec::new();
    let sc = pod_security_context(pod, r);
    let sc_path = spec_path().key("securityContext");
    let mut pod_bad = false;
    let mut pod_set = false;
    if let Some(ty) = profile_type(sc, &sc_path, r) {
        if valid_type(ty) {
            pod_set = true;
        } else {
            pod_bad = true;
            bad_values.insert(ty);
            paths.push(sc_path.keys(&[PROFILE, "type"]));
        }
    }
    let mut explicitly_bad = Vec::new();
    let mut implicitly_bad = Vec::new();
    let mut implicit_paths = Vec::new();
    for c in pod.containers(r) {
        let c_sc = r.object(Some(c.obj), &c.path, &["securityContext"]);
        let c_sc_path = c.path.key("securityContext");
        match profile_type(c_sc, &c_sc_path, r) {
            Some(ty) if !valid_type(ty) => {
                explicitly_bad.push(c.name);
                bad_values.insert(ty);
                paths.push(c_sc_path.keys(&[PROFILE, "type"]));
            }
            None if required && !pod_set => {
                implicitly_bad.push(c.name);
                implicit_paths.push(c_sc_path.keys(&[PROFILE, "type"]));
            }
            Some(_) | None => {}
        }
    }
    if pod_bad || !explicitly_bad.is_empty() {
        return Some(Found::new(
            "seccompProfile",
            format!(
                "{} must not set securityContext.seccompProfile.type to {}",
                setters(pod_bad, &explicitly_bad),
                join_quote(&bad_values)
            ),
            paths,
        ));
    }
    (!implicitly_bad.is_empty()).then(|| {
        Found::new(
            "seccompProfile",
            format!(
                r#"pod or {} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost""#,
                containers_phrase(&implicitly_bad)
            ),
            implicit_paths,
        )
    })
}
