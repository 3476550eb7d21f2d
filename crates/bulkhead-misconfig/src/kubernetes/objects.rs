//! Rules on one object of any kind: its namespace and API version, and the contents of
//! ConfigMaps, Services, Ingresses and ServiceAccounts.

use bulkhead_manifest::{Node, Object};

use super::workload::{is_sensitive_name, looks_like_a_value};
use super::{Cx, describe, token};

/// API versions Kubernetes deprecated or removed: (apiVersion, kind or `*`, deprecated in,
/// removed in (`None`: still served), replacement). From the upstream deprecation guide.
#[rustfmt::skip]
const DEPRECATED_APIS: &[(&str, &str, &str, Option<&str>, &str)] = &[
    ("extensions/v1beta1", "Deployment", "1.9", Some("1.16"), "apps/v1"),
    ("extensions/v1beta1", "DaemonSet", "1.9", Some("1.16"), "apps/v1"),
    ("extensions/v1beta1", "ReplicaSet", "1.9", Some("1.16"), "apps/v1"),
    ("extensions/v1beta1", "NetworkPolicy", "1.9", Some("1.16"), "networking.k8s.io/v1"),
    ("extensions/v1beta1", "PodSecurityPolicy", "1.10", Some("1.16"), "policy/v1beta1 (itself removed in 1.25: use Pod Security Admission)"),
    ("extensions/v1beta1", "Ingress", "1.14", Some("1.22"), "networking.k8s.io/v1"),
    ("extensions/v1beta1", "*", "1.9", Some("1.22"), "the kind's GA group"),
    ("apps/v1beta1", "*", "1.9", Some("1.16"), "apps/v1"),
    ("apps/v1beta2", "*", "1.9", Some("1.16"), "apps/v1"),
    ("admissionregistration.k8s.io/v1beta1", "*", "1.16", Some("1.22"), "admissionregistration.k8s.io/v1"),
    ("apiextensions.k8s.io/v1beta1", "*", "1.16", Some("1.22"), "apiextensions.k8s.io/v1"),
    ("apiregistration.k8s.io/v1beta1", "*", "1.19", Some("1.22"), "apiregistration.k8s.io/v1"),
    ("authentication.k8s.io/v1beta1", "*", "1.19", Some("1.22"), "authentication.k8s.io/v1"),
    ("authorization.k8s.io/v1beta1", "*", "1.19", Some("1.22"), "authorization.k8s.io/v1"),
    ("certificates.k8s.io/v1beta1", "*", "1.19", Some("1.22"), "certificates.k8s.io/v1"),
    ("coordination.k8s.io/v1beta1", "*", "1.19", Some("1.22"), "coordination.k8s.io/v1"),
    ("networking.k8s.io/v1beta1", "*", "1.19", Some("1.22"), "networking.k8s.io/v1"),
    ("rbac.authorization.k8s.io/v1alpha1", "*", "1.17", Some("1.22"), "rbac.authorization.k8s.io/v1"),
    ("rbac.authorization.k8s.io/v1beta1", "*", "1.17", Some("1.22"), "rbac.authorization.k8s.io/v1"),
    ("scheduling.k8s.io/v1beta1", "*", "1.14", Some("1.22"), "scheduling.k8s.io/v1"),
    ("scheduling.k8s.io/v1alpha1", "*", "1.14", Some("1.17"), "scheduling.k8s.io/v1"),
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity", "1.24", Some("1.27"), "storage.k8s.io/v1"),
    ("storage.k8s.io/v1beta1", "*", "1.19", Some("1.22"), "storage.k8s.io/v1"),
    ("batch/v1beta1", "*", "1.21", Some("1.25"), "batch/v1"),
    ("batch/v2alpha1", "*", "1.8", Some("1.21"), "batch/v1"),
    ("discovery.k8s.io/v1beta1", "*", "1.21", Some("1.25"), "discovery.k8s.io/v1"),
    ("events.k8s.io/v1beta1", "*", "1.19", Some("1.25"), "events.k8s.io/v1"),
    ("autoscaling/v2beta1", "*", "1.22", Some("1.25"), "autoscaling/v2"),
    ("autoscaling/v2beta2", "*", "1.23", Some("1.26"), "autoscaling/v2"),
    ("policy/v1beta1", "PodSecurityPolicy", "1.21", Some("1.25"), "Pod Security Admission"),
    ("policy/v1beta1", "*", "1.21", Some("1.25"), "policy/v1"),
    ("node.k8s.io/v1beta1", "*", "1.20", Some("1.25"), "node.k8s.io/v1"),
    ("node.k8s.io/v1alpha1", "*", "1.14", Some("1.16"), "node.k8s.io/v1"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "*", "1.23", Some("1.26"), "flowcontrol.apiserver.k8s.io/v1"),
    ("flowcontrol.apiserver.k8s.io/v1beta2", "*", "1.26", Some("1.29"), "flowcontrol.apiserver.k8s.io/v1"),
    ("flowcontrol.apiserver.k8s.io/v1beta3", "*", "1.29", Some("1.32"), "flowcontrol.apiserver.k8s.io/v1"),
    ("v1", "ComponentStatus", "1.19", None, "nothing (query the components' health endpoints)"),
    ("v1", "Endpoints", "1.33", None, "discovery.k8s.io/v1 EndpointSlice"),
];

/// The deprecation entry for an apiVersion and kind.
pub(crate) fn deprecated_api(
    api_version: &str,
    kind: &str,
) -> Option<(&'static str, Option<&'static str>, &'static str)> {
    DEPRECATED_APIS
        .iter()
        .find(|(v, k, ..)| *v == api_version && (*k == kind || *k == "*"))
        .map(|&(_, _, deprecated, removed, replacement)| (deprecated, removed, replacement))
}

pub(super) fn check(cx: &mut Cx<'_>, object: &Object) {
    let who = describe(object);

    // K21
    if !object.is_cluster_scoped() {
        let ns = object.namespace.as_deref();
        let exempt = (object.kind == "ServiceAccount" && object.name.as_deref() == Some("default"))
            || (object.kind == "Service" && object.name.as_deref() == Some("kubernetes"));
        if !exempt && matches!(ns, None | Some("default")) {
            let why = if ns.is_none() {
                " (metadata.namespace is not set)"
            } else {
                ""
            };
            cx.emit(
                object,
                "BH-K8S-021",
                "/metadata/namespace",
                format!("{who} is in the default namespace{why}"),
            );
        }
    }

    // K39
    if let Some((deprecated, removed, replacement)) =
        deprecated_api(&object.api_version, &object.kind)
    {
        let status = match removed {
            Some(removed) => {
                format!("deprecated in Kubernetes {deprecated} and removed in {removed}")
            }
            None => format!("deprecated since Kubernetes {deprecated}"),
        };
        cx.emit(
            object,
            "BH-K8S-040",
            "/apiVersion",
            format!(
                "{who} uses {} {}, {status}; use {replacement}",
                object.api_version, object.kind
            ),
        );
    }

    match (object.group(), object.kind.as_str()) {
        ("", "ConfigMap") => config_map(cx, object, &who),
        ("", "Service") => service(cx, object, &who),
        ("networking.k8s.io" | "extensions", "Ingress") => ingress(cx, object, &who),
        ("", "ServiceAccount")
            if object.name.as_deref() == Some("default")
                && object
                    .root
                    .get("automountServiceAccountToken")
                    .and_then(Node::as_bool)
                    != Some(false) =>
        {
            cx.emit(
                object,
                "BH-K8S-034",
                "/automountServiceAccountToken",
                format!("{who} is the default ServiceAccount and does not set automountServiceAccountToken: false"),
            );
        }
        _ => {}
    }
}

fn config_map(cx: &mut Cx<'_>, object: &Object, who: &str) {
    for entry in object
        .root
        .get("data")
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        let Some(value) = entry.value.as_str() else {
            continue;
        };
        let pointer = format!("/data/{}", token(&entry.key));
        if is_sensitive_name(&entry.key) && looks_like_a_value(value) {
            cx.emit(
                object,
                "BH-K8S-026",
                &pointer,
                format!(
                    "{who} holds {} in clear; it looks like a credential",
                    entry.key
                ),
            );
        }
        if entry.key == "allow-snippet-annotations" && value.trim().eq_ignore_ascii_case("true") {
            cx.emit(
                object,
                "BH-K8S-067",
                &pointer,
                format!(
                    "{who} sets allow-snippet-annotations: \"true\" (ingress-nginx, CVE-2021-25742)"
                ),
            );
        }
    }
}

fn service(cx: &mut Cx<'_>, object: &Object, who: &str) {
    let spec = object.root.get("spec");
    let get = |name| spec.and_then(|s| s.get(name));
    if let Some(kind @ ("NodePort" | "LoadBalancer")) = get("type").and_then(Node::as_str) {
        cx.emit(
            object,
            "BH-K8S-053",
            "/spec/type",
            format!("{who} is of type {kind}, reachable from outside the cluster"),
        );
    }
    if get("externalIPs")
        .and_then(Node::as_seq)
        .is_some_and(|ips| !ips.is_empty())
    {
        cx.emit(
            object,
            "BH-K8S-052",
            "/spec/externalIPs",
            format!("{who} sets externalIPs"),
        );
    }
    for (i, port) in get("ports")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        for field in ["port", "targetPort"] {
            if port.get(field).and_then(Node::as_i64) == Some(22) {
                cx.emit(
                    object,
                    "BH-K8S-050",
                    &format!("/spec/ports/{i}/{field}"),
                    format!("{who} exposes port 22 (SSH)"),
                );
                break;
            }
        }
    }
    let selector = get("selector");
    let label = |k: &str| selector.and_then(|s| s.get_str(k));
    if object.name.as_deref() == Some("tiller-deploy")
        || (label("app") == Some("helm") && label("name") == Some("tiller"))
    {
        cx.emit(
            object,
            "BH-K8S-065",
            "/metadata/name",
            format!("{who} exposes Tiller (Helm v2)"),
        );
    }
}

fn ingress(cx: &mut Cx<'_>, object: &Object, who: &str) {
    for entry in object
        .root
        .pointer("/metadata/annotations")
        .and_then(Node::as_map)
        .unwrap_or_default()
    {
        if entry.key.starts_with("nginx.ingress.kubernetes.io/") && entry.key.ends_with("-snippet")
        {
            cx.emit(
                object,
                "BH-K8S-067",
                &format!("/metadata/annotations/{}", token(&entry.key)),
                format!("{who} sets the {} annotation (CVE-2021-25742)", entry.key),
            );
        }
    }
}
