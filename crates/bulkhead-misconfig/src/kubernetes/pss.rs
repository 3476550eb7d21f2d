//! The themes the Pod Security Standards cover, judged by `bulkhead_policy::pss` rather than
//! re-implemented: each offending field of each violation becomes one finding of the theme's
//! rule.
//!
//! The pod is evaluated at `baseline` and at `restricted` (policy `latest`). Baseline checks
//! are taken from the baseline run, restricted checks from the restricted one: at
//! `restricted` a restricted check *replaces* the baseline check it overrides
//! (`capabilities_restricted` replaces `capabilities_baseline`), but the two are different
//! themes here (K16 "drop ALL" and K22 "non-default capability added"), so both are wanted.
//!
//! | upstream check | rule |
//! |---|---|
//! | `privileged` | BH-K8S-001 (K1) |
//! | `runAsNonRoot`, `runAsUser` | BH-K8S-003 (K3) |
//! | `allowPrivilegeEscalation` | BH-K8S-009 (K9) |
//! | `hostNamespaces` | BH-K8S-010/011/012 (K10–K12) by field |
//! | `capabilities_restricted` | BH-K8S-016 (K16) |
//! | `hostPathVolumes` | BH-K8S-018 (K18) |
//! | `seccompProfile_baseline`, `seccompProfile_restricted` | BH-K8S-019 (K19) |
//! | `capabilities_baseline` | BH-K8S-022 (K22) |
//! | `hostPorts` | BH-K8S-025 (K25) |
//! | `windowsHostProcess` | BH-K8S-029 (K29) |
//! | `procMount`, `procMount_restricted` | BH-K8S-030 (K30) |
//! | `sysctls` | BH-K8S-031 (K31) |
//! | `appArmorProfile`, `seLinuxOptions` | BH-K8S-032 (K32) |
//! | `restrictedVolumes` (other than hostPath, which K18 reports) | BH-K8S-068 |
//! | `hostProbesAndHostLifecycle` | BH-K8S-069 |
//!
//! A field of the wrong type (`privileged: "yes"`) makes upstream's check fail closed; the API
//! server would reject such a pod, so it is a warning here ("could not be judged"), not a
//! finding of the theme.

use std::collections::BTreeSet;

use bulkhead_manifest::{Object, PodTemplate, to_json};
use bulkhead_policy::pss::{FieldPath, Level, Root, Version, evaluate_pod};
use serde_json::Value;

use super::{Cx, describe};

/// The rule each upstream check reports under (see the module table).
pub(crate) fn rule_of(check: &str, last_token: &str) -> Option<&'static str> {
    Some(match check {
        "privileged" => "BH-K8S-001",
        "runAsNonRoot" | "runAsUser" => "BH-K8S-003",
        "allowPrivilegeEscalation" => "BH-K8S-009",
        "hostNamespaces" => match last_token {
            "hostNetwork" => "BH-K8S-010",
            "hostPID" => "BH-K8S-011",
            _ => "BH-K8S-012",
        },
        "capabilities_restricted" => "BH-K8S-016",
        "hostPathVolumes" => "BH-K8S-018",
        "seccompProfile_baseline" | "seccompProfile_restricted" => "BH-K8S-019",
        "capabilities_baseline" => "BH-K8S-022",
        "hostPorts" => "BH-K8S-025",
        "windowsHostProcess" => "BH-K8S-029",
        "procMount" | "procMount_restricted" => "BH-K8S-030",
        "sysctls" => "BH-K8S-031",
        "appArmorProfile" | "seLinuxOptions" => "BH-K8S-032",
        "restrictedVolumes" if last_token == "hostPath" => return None,
        "restrictedVolumes" => "BH-K8S-068",
        "hostProbesAndHostLifecycle" => "BH-K8S-069",
        _ => return None,
    })
}

pub(super) fn check(cx: &mut Cx<'_>, object: &Object, pod: &PodTemplate<'_>) {
    let meta = pod.metadata.map_or(Value::Null, to_json);
    let spec = to_json(pod.spec);
    let baseline = evaluate_pod(&meta, &spec, Level::Baseline, Version::Latest);
    let restricted = evaluate_pod(&meta, &spec, Level::Restricted, Version::Latest);
    let mut malformed = BTreeSet::new();
    for v in baseline
        .iter()
        .chain(restricted.iter().filter(|v| v.level == Level::Restricted))
    {
        if v.malformed {
            for path in &v.paths {
                malformed.insert((
                    path.resolve(pod.spec_pointer, pod.metadata_pointer),
                    v.detail.clone(),
                ));
            }
            continue;
        }
        for path in &v.paths {
            let pointer = path.pointer();
            let last = pointer.rsplit('/').next().unwrap_or("");
            let Some(id) = rule_of(v.check, last) else {
                continue;
            };
            let value = match path.root() {
                Root::Spec => spec.pointer(&pointer),
                Root::Metadata => meta.pointer(&pointer),
            };
            let detail = detail(v.check, path, &pointer, value, &spec, object);
            cx.emit(
                object,
                id,
                &path.resolve(pod.spec_pointer, pod.metadata_pointer),
                detail,
            );
        }
    }
    for (pointer, detail) in malformed {
        let line = object
            .root
            .locate(&pointer)
            .map_or(0, |span| span.start.line);
        cx.warnings.push(format!(
            "{}:{line}: {}: {detail}; the Pod Security checks that read it could not judge it",
            object.file,
            describe(object),
        ));
    }
}

/// `Container "web" of Deployment shop/web` for a field under a container, `Deployment
/// shop/web` for a pod-level field.
pub(super) fn subject(object: &Object, root: Root, pointer: &str, spec: &Value) -> String {
    let mut tokens = pointer.split('/').skip(1);
    match root {
        Root::Spec => {
            let (Some(list), Some(index)) = (tokens.next(), tokens.next()) else {
                return describe(object);
            };
            let Some(word) = container_word(list) else {
                return describe(object);
            };
            let name = spec
                .pointer(&format!("/{list}/{index}/name"))
                .and_then(Value::as_str)
                .unwrap_or("");
            format!("{word} \"{name}\" of {}", describe(object))
        }
        Root::Metadata => {
            // `/annotations/container.apparmor.security.beta.kubernetes.io~1NAME`
            let key = tokens
                .nth(1)
                .unwrap_or("")
                .replace("~1", "/")
                .replace("~0", "~");
            match key.rsplit_once('/') {
                Some((prefix, name)) if prefix.starts_with("container.") => {
                    format!("Container \"{name}\" of {}", describe(object))
                }
                _ => describe(object),
            }
        }
    }
}

/// `Container`, `Init container`, `Ephemeral container` for the pod spec's lists.
pub(super) fn container_word(list: &str) -> Option<&'static str> {
    match list {
        "containers" => Some("Container"),
        "initContainers" => Some("Init container"),
        "ephemeralContainers" => Some("Ephemeral container"),
        _ => None,
    }
}

/// A JSON value as a user wrote it: strings bare, others as JSON.
pub(super) fn shown(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => "(unset)".to_owned(),
    }
}

fn detail(
    check: &str,
    path: &FieldPath,
    pointer: &str,
    value: Option<&Value>,
    spec: &Value,
    object: &Object,
) -> String {
    let who = subject(object, path.root(), pointer, spec);
    let last = pointer.rsplit('/').next().unwrap_or("");
    let v = shown(value);
    match check {
        "privileged" => format!("{who} is privileged"),
        "allowPrivilegeEscalation" if value.is_some() => {
            format!("{who} sets allowPrivilegeEscalation: {v}")
        }
        "allowPrivilegeEscalation" => {
            format!("{who} does not set allowPrivilegeEscalation: false")
        }
        "hostNamespaces" => format!("{who} sets {last}: true"),
        "capabilities_baseline" => {
            format!("{who} adds capability {v}, which is not in the runtime's default set")
        }
        "capabilities_restricted" if last == "drop" => {
            format!("{who} does not drop ALL capabilities")
        }
        "capabilities_restricted" => {
            format!("{who} adds capability {v}; only NET_BIND_SERVICE may be added")
        }
        "hostPathVolumes" => {
            let volume = volume_of(pointer, spec);
            let host_path = value
                .and_then(|h| h.get("path"))
                .and_then(Value::as_str)
                .unwrap_or("");
            format!("{who} mounts host path {host_path} (volume \"{volume}\")")
        }
        "restrictedVolumes" => {
            let volume = volume_of(pointer, spec);
            format!("{who} uses a {last} volume (\"{volume}\")")
        }
        "hostPorts" => format!("{who} binds host port {v}"),
        "hostProbesAndHostLifecycle" => {
            let field = pointer.split('/').skip(3).collect::<Vec<_>>().join(".");
            format!("{who} sets {field}: {v}")
        }
        "procMount" | "procMount_restricted" => format!("{who} sets procMount: {v}"),
        "seLinuxOptions" => format!("{who} sets seLinuxOptions.{last}: {v}"),
        "appArmorProfile" => format!("{who} sets AppArmor profile {v}"),
        "seccompProfile_baseline" | "seccompProfile_restricted" if value.is_some() => {
            format!("{who} sets seccomp profile {v}")
        }
        "seccompProfile_baseline" | "seccompProfile_restricted" => {
            format!("{who} sets no seccomp profile (RuntimeDefault or Localhost), nor does its pod")
        }
        "sysctls" => format!("{who} sets unsafe sysctl {v}"),
        "windowsHostProcess" => format!("{who} runs as a Windows HostProcess container"),
        "runAsNonRoot" if value.is_some() => format!("{who} sets runAsNonRoot: {v}"),
        "runAsNonRoot" => {
            format!("{who} may run as root: neither it nor its pod sets runAsNonRoot: true")
        }
        "runAsUser" => format!("{who} runs as root (runAsUser: 0)"),
        _ => format!("{who}: {check}"),
    }
}

/// The name of the volume a `/volumes/N/...` pointer is in.
fn volume_of<'s>(pointer: &str, spec: &'s Value) -> &'s str {
    let index = pointer.split('/').nth(2).unwrap_or("");
    spec.pointer(&format!("/volumes/{index}/name"))
        .and_then(Value::as_str)
        .unwrap_or("")
}
