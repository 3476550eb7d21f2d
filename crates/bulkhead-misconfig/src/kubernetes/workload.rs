//! Pod and container rules the Pod Security Standards do not cover, on one workload.
//!
//! Which containers a rule looks at: resources, the read-only root filesystem and UID/GID
//! apply to `containers` and `initContainers` (ephemeral containers may not set resources and
//! are debugging sessions); probes to `containers` only, and not in Jobs and CronJobs (a batch
//! pod is not "live" or "ready" in the serving sense; kube-score skips them too); images, env,
//! ports and capabilities to all three lists.

use std::collections::HashMap;

use bulkhead_manifest::{Container, ContainerKind, LabelSelector, Node, Object, PodTemplate};

use super::pss::container_word;
use super::{Cx, describe};

/// Runtime sockets: whoever reaches one controls every container on the node.
const RUNTIME_SOCKETS: &[&str] = &[
    "docker.sock",
    "containerd.sock",
    "crio.sock",
    "cri-dockerd.sock",
    "podman.sock",
];

pub(super) fn check(cx: &mut Cx<'_>, object: &Object, pod: &PodTemplate<'_>) {
    pod_level(cx, object, pod);
    for c in pod.containers() {
        container(cx, object, pod, &c);
    }
}

fn pod_level(cx: &mut Cx<'_>, object: &Object, pod: &PodTemplate<'_>) {
    runtime_socket(cx, object, pod);
    service_account(cx, object, pod);
    selector_matches_template(cx, object, pod);
    update_strategy(cx, object);
    components(cx, object, pod);
}

fn runtime_socket(cx: &mut Cx<'_>, object: &Object, pod: &PodTemplate<'_>) {
    let spec = pod.spec;
    let at = |field: &str| format!("{}/{field}", pod.spec_pointer);
    let who = describe(object);
    // K17: a runtime socket as a hostPath volume.
    for (i, volume) in spec
        .get("volumes")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let Some(path) = volume.get("hostPath").and_then(|h| h.get_str("path")) else {
            continue;
        };
        let file = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
        let is_socket_dir = matches!(
            path.trim_end_matches('/'),
            "/var/run"
                | "/run"
                | "/var/run/docker"
                | "/run/containerd"
                | "/var/run/containerd"
                | "/var/run/crio"
                | "/run/crio"
        );
        if RUNTIME_SOCKETS.contains(&file) || is_socket_dir {
            let name = volume.get_str("name").unwrap_or("");
            cx.emit(
                object,
                "BH-K8S-017",
                &at(&format!("volumes/{i}/hostPath/path")),
                format!("{who} mounts the container runtime's socket {path} (volume \"{name}\")"),
            );
        }
    }
}

fn service_account(cx: &mut Cx<'_>, object: &Object, pod: &PodTemplate<'_>) {
    let spec = pod.spec;
    let at = |field: &str| format!("{}/{field}", pod.spec_pointer);
    let who = describe(object);
    // K34: the default ServiceAccount; K40: the deprecated field.
    let sa_name = spec.get_str("serviceAccountName");
    let deprecated = spec.get_str("serviceAccount");
    if deprecated.is_some() {
        cx.emit(
            object,
            "BH-K8S-047",
            &at("serviceAccount"),
            format!("{who} sets the deprecated serviceAccount field; use serviceAccountName"),
        );
    }
    match sa_name.or(deprecated) {
        None | Some("") => cx.emit(
            object,
            "BH-K8S-034",
            &at("serviceAccountName"),
            format!("{who} runs as the default ServiceAccount (serviceAccountName is not set)"),
        ),
        Some("default") => cx.emit(
            object,
            "BH-K8S-034",
            &at(if sa_name.is_some() {
                "serviceAccountName"
            } else {
                "serviceAccount"
            }),
            format!("{who} runs as the default ServiceAccount"),
        ),
        Some(_) => {}
    }
}

fn selector_matches_template(cx: &mut Cx<'_>, object: &Object, pod: &PodTemplate<'_>) {
    let who = describe(object);
    // K40: the workload's selector must select its own pods.
    if let Some(selector_node) = object
        .root
        .pointer("/spec/selector")
        .filter(|n| !n.is_null())
        && matches!(
            object.kind.as_str(),
            "Deployment"
                | "StatefulSet"
                | "DaemonSet"
                | "ReplicaSet"
                | "Job"
                | "ReplicationController"
        )
    {
        let selector = if object.kind == "ReplicationController" {
            LabelSelector::from_map(selector_node)
        } else {
            LabelSelector::from_label_selector(selector_node)
        };
        if let Ok(selector) = selector
            && !selector.matches_labels(pod.labels())
        {
            cx.emit(
                object,
                "BH-K8S-045",
                "/spec/selector",
                format!("The selector of {who} does not match its pod template's labels"),
            );
        }
    }
}

fn update_strategy(cx: &mut Cx<'_>, object: &Object) {
    let who = describe(object);
    // K40: rolling updates.
    let strategy = match object.kind.as_str() {
        "Deployment" => object
            .root
            .pointer("/spec/strategy/type")
            .map(|n| ("/spec/strategy/type", n)),
        "DaemonSet" | "StatefulSet" => object
            .root
            .pointer("/spec/updateStrategy/type")
            .map(|n| ("/spec/updateStrategy/type", n)),
        _ => None,
    };
    if let Some((pointer, node)) = strategy
        && let Some(kind) = node.as_str()
        && kind != "RollingUpdate"
    {
        cx.emit(
            object,
            "BH-K8S-049",
            pointer,
            format!("{who} uses the {kind} update strategy, not RollingUpdate"),
        );
    }
}

fn components(cx: &mut Cx<'_>, object: &Object, pod: &PodTemplate<'_>) {
    let who = describe(object);
    // K43: components by label.
    let labels: HashMap<&str, &str> = pod.labels().chain(object.labels()).collect();
    if labels.get("app") == Some(&"helm") && labels.get("name") == Some(&"tiller") {
        cx.emit(
            object,
            "BH-K8S-065",
            pod.metadata_pointer,
            format!("{who} runs Tiller (labels app: helm, name: tiller)"),
        );
    }
    if labels.get("k8s-app") == Some(&"kubernetes-dashboard") {
        cx.emit(
            object,
            "BH-K8S-066",
            pod.metadata_pointer,
            format!("{who} runs the Kubernetes dashboard (label k8s-app: kubernetes-dashboard)"),
        );
    }
}

fn container(cx: &mut Cx<'_>, object: &Object, pod: &PodTemplate<'_>, c: &Container<'_>) {
    root_fs_and_resources(cx, object, c);
    probes(cx, object, c);
    image(cx, object, c);
    capabilities(cx, object, c);
    user_and_group(cx, object, pod, c);
    env(cx, object, c);
    ports(cx, object, c);
}

fn root_fs_and_resources(cx: &mut Cx<'_>, object: &Object, c: &Container<'_>) {
    let node = c.node;
    let who = container_who(object, c);
    let at = |field: &str| format!("{}/{field}", c.pointer);
    let sc = node.get("securityContext");
    let not_ephemeral = c.kind != ContainerKind::Ephemeral;
    // K2
    if not_ephemeral
        && sc
            .and_then(|s| s.get("readOnlyRootFilesystem"))
            .and_then(Node::as_bool)
            != Some(true)
    {
        cx.emit(
            object,
            "BH-K8S-002",
            &at("securityContext/readOnlyRootFilesystem"),
            format!("{who} does not set readOnlyRootFilesystem: true"),
        );
    }

    // K4–K7
    if not_ephemeral {
        for (id, kind, resource, what) in [
            ("BH-K8S-004", "requests", "cpu", "CPU request"),
            ("BH-K8S-005", "limits", "cpu", "CPU limit"),
            ("BH-K8S-006", "requests", "memory", "memory request"),
            ("BH-K8S-007", "limits", "memory", "memory limit"),
        ] {
            let has = |kind: &str| {
                node.get("resources")
                    .and_then(|r| r.get(kind))
                    .and_then(|r| r.get(resource))
                    .is_some_and(|v| !v.is_null())
            };
            // A missing request defaults to the limit (API server defaulting), so a container
            // with only limits has requests.
            let defaulted = kind == "requests" && has("limits");
            if !(has(kind) || defaulted) {
                cx.emit(
                    object,
                    id,
                    &at(&format!("resources/{kind}/{resource}")),
                    format!("{who} has no {what}"),
                );
            }
        }
    }
}

fn probes(cx: &mut Cx<'_>, object: &Object, c: &Container<'_>) {
    let node = c.node;
    let who = container_who(object, c);
    let at = |field: &str| format!("{}/{field}", c.pointer);
    let batch = matches!(object.kind.as_str(), "Job" | "CronJob");
    // K14, K15
    if c.kind == ContainerKind::Container && !batch {
        for (id, probe, what) in [
            ("BH-K8S-014", "livenessProbe", "liveness"),
            ("BH-K8S-015", "readinessProbe", "readiness"),
        ] {
            if node.get(probe).is_none_or(Node::is_null) {
                cx.emit(object, id, &at(probe), format!("{who} has no {what} probe"));
            }
        }
    }
}

fn image(cx: &mut Cx<'_>, object: &Object, c: &Container<'_>) {
    let node = c.node;
    let who = container_who(object, c);
    let at = |field: &str| format!("{}/{field}", c.pointer);
    // Images: K8, K28, K35, K43.
    if let Some(image) = c.image() {
        let reference = ImageRef::parse(image);
        if !reference.has_digest && matches!(reference.tag, None | Some("latest")) {
            let why = if reference.tag.is_some() {
                "uses the `latest` tag"
            } else {
                "has no tag"
            };
            cx.emit(
                object,
                "BH-K8S-008",
                &at("image"),
                format!("{who}: image {image} {why}"),
            );
        }
        if !reference.has_digest {
            cx.emit(
                object,
                "BH-K8S-035",
                &at("image"),
                format!("{who}: image {image} is not pinned by digest"),
            );
        }
        let policy = node.get_str("imagePullPolicy");
        let effective = policy.unwrap_or(if matches!(reference.tag, None | Some("latest")) {
            "Always"
        } else {
            "IfNotPresent"
        });
        if effective != "Always" && !reference.has_digest {
            let pointer = at("imagePullPolicy");
            let detail = match policy {
                Some(p) => format!("{who} sets imagePullPolicy: {p}"),
                None => format!(
                    "{who} pulls image {image} only if not present (imagePullPolicy defaults to IfNotPresent)"
                ),
            };
            cx.emit(object, "BH-K8S-028", &pointer, detail);
        }
        let lower = image.to_ascii_lowercase();
        let repo = reference.repository.to_ascii_lowercase();
        if repo.ends_with("/tiller") || repo == "tiller" {
            cx.emit(
                object,
                "BH-K8S-065",
                &at("image"),
                format!("{who} runs Tiller (image {image})"),
            );
        }
        if lower.contains("kubernetes-dashboard") || repo.ends_with("kubernetesui/dashboard") {
            cx.emit(
                object,
                "BH-K8S-066",
                &at("image"),
                format!("{who} runs the Kubernetes dashboard (image {image})"),
            );
        }
    }
}

fn capabilities(cx: &mut Cx<'_>, object: &Object, c: &Container<'_>) {
    let node = c.node;
    let who = container_who(object, c);
    let at = |field: &str| format!("{}/{field}", c.pointer);
    let sc = node.get("securityContext");
    // Capabilities: K23 SYS_ADMIN, K24 NET_RAW.
    let caps = sc.and_then(|s| s.get("capabilities"));
    let list = |field: &str| -> Vec<(usize, String)> {
        caps.and_then(|c| c.get(field))
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter_map(|(i, n)| Some((i, normalise_cap(n.as_str()?))))
            .collect()
    };
    let added = list("add");
    let dropped = list("drop");
    for (i, cap) in &added {
        if cap == "SYS_ADMIN" {
            cx.emit(
                object,
                "BH-K8S-023",
                &at(&format!("securityContext/capabilities/add/{i}")),
                format!("{who} adds capability SYS_ADMIN"),
            );
        }
    }
    if let Some((i, _)) = added
        .iter()
        .find(|(_, cap)| cap == "NET_RAW" || cap == "ALL")
    {
        cx.emit(
            object,
            "BH-K8S-024",
            &at(&format!("securityContext/capabilities/add/{i}")),
            format!("{who} adds capability NET_RAW"),
        );
    } else if !dropped
        .iter()
        .any(|(_, cap)| cap == "NET_RAW" || cap == "ALL")
    {
        cx.emit(
            object,
            "BH-K8S-024",
            &at("securityContext/capabilities/drop"),
            format!("{who} keeps NET_RAW: capabilities.drop has neither NET_RAW nor ALL"),
        );
    }
}

fn user_and_group(cx: &mut Cx<'_>, object: &Object, pod: &PodTemplate<'_>, c: &Container<'_>) {
    let node = c.node;
    let who = container_who(object, c);
    let at = |field: &str| format!("{}/{field}", c.pointer);
    let sc = node.get("securityContext");
    let not_ephemeral = c.kind != ContainerKind::Ephemeral;
    // K33: UID and GID above 10000, from the container or else the pod.
    if not_ephemeral {
        let pod_sc = pod.spec.get("securityContext");
        for (field, what) in [("runAsUser", "UID"), ("runAsGroup", "GID")] {
            let own = sc.and_then(|s| s.get(field)).filter(|n| !n.is_null());
            let inherited = pod_sc.and_then(|s| s.get(field)).filter(|n| !n.is_null());
            let (pointer, value) = match (own, inherited) {
                (Some(v), _) => (at(&format!("securityContext/{field}")), Some(v)),
                (None, Some(v)) => (
                    format!("{}/securityContext/{field}", pod.spec_pointer),
                    Some(v),
                ),
                (None, None) => (at(&format!("securityContext/{field}")), None),
            };
            match value.map(Node::as_i64) {
                None => cx.emit(
                    object,
                    "BH-K8S-033",
                    &pointer,
                    format!("{who} does not set {field}: its {what} is the image's, likely root or a low id"),
                ),
                Some(Some(id)) if id <= 10_000 => cx.emit(
                    object,
                    "BH-K8S-033",
                    &pointer,
                    format!("{who} runs with {what} {id} (not above 10000)"),
                ),
                Some(_) => {}
            }
        }
    }
}

fn env(cx: &mut Cx<'_>, object: &Object, c: &Container<'_>) {
    let node = c.node;
    let who = container_who(object, c);
    let at = |field: &str| format!("{}/{field}", c.pointer);
    // Env: K26 credentials in clear, K27 Secrets as env vars, K40 duplicates.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, var) in node
        .get("env")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let Some(var_name) = var.get_str("name") else {
            continue;
        };
        if let Some(first) = seen.insert(var_name, i) {
            cx.emit(
                object,
                "BH-K8S-046",
                &at(&format!("env/{i}/name")),
                format!("{who} sets env var {var_name} twice (entries {first} and {i})"),
            );
        }
        if let Some(value) = var.get_str("value")
            && is_sensitive_name(var_name)
            && looks_like_a_value(value)
        {
            cx.emit(
                object,
                "BH-K8S-026",
                &at(&format!("env/{i}/value")),
                format!("{who} sets {var_name} to a literal value; it looks like a credential"),
            );
        }
        if var
            .get("valueFrom")
            .and_then(|v| v.get("secretKeyRef"))
            .is_some_and(|r| !r.is_null())
        {
            let secret = var
                .get("valueFrom")
                .and_then(|v| v.get("secretKeyRef"))
                .and_then(|r| r.get_str("name"))
                .unwrap_or("");
            cx.emit(
                object,
                "BH-K8S-027",
                &at(&format!("env/{i}/valueFrom/secretKeyRef")),
                format!("{who} reads Secret \"{secret}\" into env var {var_name}"),
            );
        }
    }
    for (i, source) in node
        .get("envFrom")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if let Some(secret) = source.get("secretRef").filter(|r| !r.is_null()) {
            let secret = secret.get_str("name").unwrap_or("");
            cx.emit(
                object,
                "BH-K8S-027",
                &at(&format!("envFrom/{i}/secretRef")),
                format!("{who} loads every key of Secret \"{secret}\" as env vars"),
            );
        }
    }
}

fn ports(cx: &mut Cx<'_>, object: &Object, c: &Container<'_>) {
    let node = c.node;
    let who = container_who(object, c);
    let at = |field: &str| format!("{}/{field}", c.pointer);
    // K41: ports.
    for (i, port) in node
        .get("ports")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let Some(number) = port.get("containerPort").and_then(Node::as_i64) else {
            continue;
        };
        let pointer = at(&format!("ports/{i}/containerPort"));
        if number == 22 {
            cx.emit(
                object,
                "BH-K8S-050",
                &pointer,
                format!("{who} exposes port 22 (SSH)"),
            );
        }
        if (1..1024).contains(&number) {
            cx.emit(
                object,
                "BH-K8S-051",
                &pointer,
                format!("{who} listens on privileged port {number}"),
            );
        }
    }
}

/// `cap_sys_admin` and `CAP_SYS_ADMIN` are `SYS_ADMIN` to the runtime.
fn normalise_cap(cap: &str) -> String {
    let upper = cap.trim().to_ascii_uppercase();
    upper.strip_prefix("CAP_").unwrap_or(&upper).to_owned()
}

/// An image reference split as the runtime reads it.
struct ImageRef<'a> {
    repository: &'a str,
    tag: Option<&'a str>,
    has_digest: bool,
}

impl<'a> ImageRef<'a> {
    fn parse(image: &'a str) -> Self {
        let (name, has_digest) = match image.split_once('@') {
            Some((name, digest)) => (name, !digest.is_empty()),
            None => (image, false),
        };
        // A `:` after the last `/` starts the tag (`host:5000/app` has none).
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        match name[last_slash..].rfind(':') {
            Some(colon) => {
                let at = last_slash + colon;
                ImageRef {
                    repository: &name[..at],
                    tag: Some(&name[at + 1..]).filter(|t| !t.is_empty()),
                    has_digest,
                }
            }
            None => ImageRef {
                repository: name,
                tag: None,
                has_digest,
            },
        }
    }
}

/// Polaris' and kube-linter's heuristic, by variable (or ConfigMap key) name: the words
/// credentials are named with. Names that hold a *reference* to a credential (`…_FILE`,
/// `…_PATH`, `…_NAME`, `…_URL` without a password) are not credentials themselves.
pub(super) fn is_sensitive_name(name: &str) -> bool {
    const WORDS: &[&str] = &[
        "password",
        "passwd",
        "secret",
        "token",
        "api_key",
        "apikey",
        "access_key",
        "private_key",
        "privatekey",
        "credential",
        "client_secret",
        "auth_key",
    ];
    const REFERENCES: &[&str] = &[
        "_file",
        "_path",
        "_name",
        "_dir",
        "_ref",
        "_id",
        "_url",
        "_endpoint",
        "_length",
        "_ttl",
        "_expiry",
        "_timeout",
        "_type",
    ];
    let lower = name.to_ascii_lowercase().replace(['-', '.'], "_");
    WORDS.iter().any(|w| lower.contains(w)) && !REFERENCES.iter().any(|r| lower.ends_with(r))
}

/// A value worth reporting: not empty, not a template or variable reference, not a boolean.
pub(super) fn looks_like_a_value(value: &str) -> bool {
    let v = value.trim();
    !(v.is_empty()
        || v.starts_with("$(")
        || v.starts_with("${")
        || v.starts_with("{{")
        || matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "none" | "null" | "changeme" | "<none>"
        ))
}

/// `Container "web" of Deployment shop/web` (or init/ephemeral container): how findings name
/// the container they are about.
fn container_who(object: &Object, c: &Container<'_>) -> String {
    let word = container_word(c.kind.field()).unwrap_or("Container");
    let name = c.name().unwrap_or("");
    format!("{word} \"{name}\" of {}", describe(object))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references() {
        let r = ImageRef::parse("registry:5000/team/app");
        assert_eq!(
            (r.repository, r.tag, r.has_digest),
            ("registry:5000/team/app", None, false)
        );
        let r = ImageRef::parse("nginx:1.27@sha256:abc");
        assert_eq!(
            (r.repository, r.tag, r.has_digest),
            ("nginx", Some("1.27"), true)
        );
        let r = ImageRef::parse("nginx:");
        assert_eq!(r.tag, None);
    }

    #[test]
    fn sensitive_names() {
        for yes in [
            "DB_PASSWORD",
            "api-key",
            "AWS_SECRET_ACCESS_KEY",
            "GITHUB_TOKEN",
        ] {
            assert!(is_sensitive_name(yes), "{yes}");
        }
        for no in ["PASSWORD_FILE", "TOKEN_PATH", "LOG_LEVEL", "SECRET_NAME"] {
            assert!(!is_sensitive_name(no), "{no}");
        }
        assert!(!looks_like_a_value("$(DB_PASSWORD)"));
        assert!(looks_like_a_value("hunter2"));
    }
}
