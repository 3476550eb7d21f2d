//! Rules that need every object of the scan (the [`Index`] of light objects): NetworkPolicy
//! coverage, token automount with the ServiceAccount, replicas with HorizontalPodAutoscalers,
//! PodDisruptionBudgets, anti-affinity, dangling selectors and references, and bindings to
//! roles that are cluster-admin in all but name.
//!
//! What "not in the scan" means: the scan is all the user gave us. A Service whose pods are
//! defined elsewhere is reported as dangling, as kube-linter and kube-score do; suppress the
//! rule for repositories that split an application across scans.

use std::collections::{HashMap, HashSet};

use bulkhead_finding::Finding;
use bulkhead_manifest::{
    Index, LabelSelector, Node, Object, PodTemplate, Selection, pod_selector, pod_template,
};

use super::rbac::{is_rbac, rules_of};
use super::{describe, make_finding};

/// Workload kinds whose pods serve (replicas, PDBs, anti-affinity apply).
const REPLICATED: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
];

struct Out<'a> {
    texts: &'a HashMap<&'a str, &'a str>,
    findings: &'a mut Vec<Finding>,
}

impl Out<'_> {
    fn emit(&mut self, object: &Object, id: &str, pointer: &str, detail: impl AsRef<str>) {
        let text = self.texts.get(&*object.file).copied();
        self.findings
            .push(make_finding(text, object, id, pointer, detail.as_ref()));
    }
}

/// A workload's pods, as selectors see them: computed once, since every selector of the scan
/// is matched against every workload of its namespace.
struct Pods<'a> {
    workload: &'a Object,
    namespace: Option<&'a str>,
    labels: HashMap<&'a str, &'a str>,
}

/// The workloads of `pods` in `namespace` that `selector` selects.
fn selected<'p, 'a>(
    pods: &'p [Pods<'a>],
    namespace: Option<&'p str>,
    selector: &'p LabelSelector,
) -> impl Iterator<Item = &'p Pods<'a>> {
    pods.iter()
        .filter(move |p| p.namespace == namespace && selector.matches(|k| p.labels.get(k).copied()))
}

/// The selector of a Service, NetworkPolicy or PodDisruptionBudget, if it selects pods.
fn selector_of(object: &Object) -> Option<LabelSelector> {
    match pod_selector(object) {
        Some(Ok(Selection::Pods(selector))) => Some(selector),
        _ => None,
    }
}

pub(super) fn check(index: &Index, texts: &HashMap<&str, &str>, findings: &mut Vec<Finding>) {
    let mut out = Out { texts, findings };
    let scaled = hpa_targets(index, &mut out);
    let pods: Vec<Pods<'_>> = index
        .workloads()
        .filter(|w| w.kind != "PodTemplate")
        .filter_map(|w| {
            Some(Pods {
                workload: w,
                namespace: w.effective_namespace(),
                labels: pod_template(w)?.labels().collect(),
            })
        })
        .collect();
    // Which workloads some PodDisruptionBudget or NetworkPolicy selects, computed once per
    // selector (asking per workload would be quadratic in a large scan).
    let covered_by = |kind: &str| -> HashSet<*const Object> {
        let mut covered = HashSet::new();
        for object in index.of_kind(kind) {
            if let Some(selector) = selector_of(object) {
                covered.extend(
                    selected(&pods, object.effective_namespace(), &selector)
                        .map(|p| std::ptr::from_ref(p.workload)),
                );
            }
        }
        covered
    };
    let budgeted = covered_by("PodDisruptionBudget");
    let isolated = covered_by("NetworkPolicy");
    for p in &pods {
        workload(index, &scaled, &budgeted, &isolated, p.workload, &mut out);
    }
    for pdb in index.of_kind("PodDisruptionBudget") {
        disruption_budget(&pods, pdb, &mut out);
    }
    for object in index.objects() {
        match (object.group(), object.kind.as_str()) {
            ("", "Service") => {
                selects_something(&pods, object, "BH-K8S-041", "/spec/selector", &mut out);
            }
            ("networking.k8s.io" | "extensions", "NetworkPolicy") => {
                selects_something(&pods, object, "BH-K8S-042", "/spec/podSelector", &mut out);
            }
            ("networking.k8s.io" | "extensions", "Ingress") => ingress(index, object, &mut out),
            _ if is_rbac(object, &["RoleBinding", "ClusterRoleBinding"]) => {
                binding(index, object, &mut out);
            }
            _ => {}
        }
    }
}

/// (kind, namespace, name) of every HorizontalPodAutoscaler target; reports the dangling ones.
fn hpa_targets(index: &Index, out: &mut Out<'_>) -> HashSet<(String, Option<String>, String)> {
    let mut targets = HashSet::new();
    for hpa in index.of_kind("HorizontalPodAutoscaler") {
        let target = hpa.root.pointer("/spec/scaleTargetRef");
        let field = |f| target.and_then(|t| t.get_str(f));
        let (Some(kind), Some(name)) = (field("kind"), field("name")) else {
            continue;
        };
        let ns = hpa.effective_namespace().map(str::to_owned);
        if index.get(kind, ns.as_deref(), name).next().is_none() {
            out.emit(
                hpa,
                "BH-K8S-043",
                "/spec/scaleTargetRef/name",
                format!(
                    "{} scales {kind} {name}, which is not in the scan",
                    describe(hpa)
                ),
            );
        }
        targets.insert((kind.to_owned(), ns, name.to_owned()));
    }
    targets
}

fn replicas(w: &Object) -> Option<i64> {
    w.root.pointer("/spec/replicas").and_then(Node::as_i64)
}

fn workload(
    index: &Index,
    scaled: &HashSet<(String, Option<String>, String)>,
    budgeted: &HashSet<*const Object>,
    isolated: &HashSet<*const Object>,
    w: &Object,
    out: &mut Out<'_>,
) {
    let Some(pod) = pod_template(w) else {
        return;
    };
    let who = describe(w);
    let ns = w.effective_namespace();
    let at = |field: &str| format!("{}/{field}", pod.spec_pointer);
    let labels_pointer = format!("{}/labels", pod.metadata_pointer);

    // K13
    if !isolated.contains(&std::ptr::from_ref(w)) {
        out.emit(
            w,
            "BH-K8S-013",
            &labels_pointer,
            format!("No NetworkPolicy in the scan selects the pods of {who}"),
        );
    }

    // K20, K40 (missing ServiceAccount)
    let sa_field = if pod.spec.get("serviceAccountName").is_some() {
        "serviceAccountName"
    } else {
        "serviceAccount"
    };
    let sa = pod.spec.get_str(sa_field).filter(|s| !s.is_empty());
    let sa_name = sa.unwrap_or("default");
    let accounts: Vec<&Object> = index.get("ServiceAccount", ns, sa_name).collect();
    match pod
        .spec
        .get("automountServiceAccountToken")
        .and_then(Node::as_bool)
    {
        Some(false) => {}
        Some(true) => out.emit(
            w,
            "BH-K8S-020",
            &at("automountServiceAccountToken"),
            format!("{who} sets automountServiceAccountToken: true"),
        ),
        None => {
            let off_by_account = accounts.iter().any(|a| {
                a.root
                    .get("automountServiceAccountToken")
                    .and_then(Node::as_bool)
                    == Some(false)
            });
            if !off_by_account {
                out.emit(
                    w,
                    "BH-K8S-020",
                    &at("automountServiceAccountToken"),
                    format!(
                        "{who} mounts the token of ServiceAccount \"{sa_name}\": neither the pod nor the ServiceAccount sets automountServiceAccountToken: false"
                    ),
                );
            }
        }
    }
    if let Some(name) = sa
        && name != "default"
        && accounts.is_empty()
    {
        out.emit(
            w,
            "BH-K8S-048",
            &at(sa_field),
            format!("{who} runs as ServiceAccount \"{name}\", which is not in the scan"),
        );
    }
    replicated(scaled, budgeted, w, &pod, &who, &labels_pointer, out);
}

/// K36–K38: replicas, disruption budgets and spreading of a serving workload.
fn replicated(
    scaled: &HashSet<(String, Option<String>, String)>,
    budgeted: &HashSet<*const Object>,
    w: &Object,
    pod: &PodTemplate<'_>,
    who: &str,
    labels_pointer: &str,
    out: &mut Out<'_>,
) {
    let ns = w.effective_namespace();
    let at = |field: &str| format!("{}/{field}", pod.spec_pointer);
    if !REPLICATED.contains(&w.kind.as_str()) {
        return;
    }
    let autoscaled = scaled.contains(&(
        w.kind.clone(),
        ns.map(str::to_owned),
        w.name.clone().unwrap_or_default(),
    ));
    let count = replicas(w);
    if !autoscaled && matches!(count, None | Some(1)) {
        let why = if count.is_none() {
            " (spec.replicas is not set)"
        } else {
            ""
        };
        out.emit(
            w,
            "BH-K8S-036",
            "/spec/replicas",
            format!("{who} runs a single replica{why}"),
        );
    }
    let replicated = autoscaled || count.is_some_and(|n| n >= 2);
    if !replicated || !matches!(w.kind.as_str(), "Deployment" | "StatefulSet") {
        return;
    }
    if !budgeted.contains(&std::ptr::from_ref(w)) {
        out.emit(
            w,
            "BH-K8S-037",
            labels_pointer,
            format!("No PodDisruptionBudget in the scan selects the pods of {who}"),
        );
    }
    let anti_affinity = pod
        .spec
        .pointer("/affinity/podAntiAffinity")
        .is_some_and(|n| !n.is_null());
    let spread = pod
        .spec
        .get("topologySpreadConstraints")
        .and_then(Node::as_seq)
        .is_some_and(|s| !s.is_empty());
    if !anti_affinity && !spread {
        out.emit(
            w,
            "BH-K8S-039",
            &at("affinity"),
            format!("{who} has replicas but no pod anti-affinity or topology spread constraints"),
        );
    }
}

fn disruption_budget(pods: &[Pods<'_>], pdb: &Object, out: &mut Out<'_>) {
    let who = describe(pdb);
    let spec = pdb.root.get("spec");
    let field = |f| spec.and_then(|s| s.get(f));
    let is_zero = |n: &Node| n.as_i64() == Some(0) || n.as_str().is_some_and(|s| s.trim() == "0%");
    if let Some(max) = field("maxUnavailable")
        && is_zero(max)
    {
        out.emit(
            pdb,
            "BH-K8S-038",
            "/spec/maxUnavailable",
            format!("{who} sets maxUnavailable to 0: no pod may ever be evicted"),
        );
    }
    let Some(min) = field("minAvailable") else {
        return;
    };
    if min.as_str().is_some_and(|s| s.trim() == "100%") {
        out.emit(
            pdb,
            "BH-K8S-038",
            "/spec/minAvailable",
            format!("{who} sets minAvailable to 100%: no pod may ever be evicted"),
        );
    } else if let Some(min) = min.as_i64()
        && let Some(selector) = selector_of(pdb)
    {
        let chosen: Vec<&Pods<'_>> = selected(pods, pdb.effective_namespace(), &selector).collect();
        let counts: Vec<i64> = chosen.iter().filter_map(|p| replicas(p.workload)).collect();
        if !counts.is_empty() && counts.len() == chosen.len() && counts.iter().all(|&n| n <= min) {
            out.emit(
                pdb,
                "BH-K8S-038",
                "/spec/minAvailable",
                format!("{who} sets minAvailable to {min}, no fewer than the replicas it selects: no pod may ever be evicted"),
            );
        }
    }
}

/// A Service or NetworkPolicy whose (non-empty) selector matches no workload in the scan.
fn selects_something(
    pods: &[Pods<'_>],
    object: &Object,
    id: &str,
    pointer: &str,
    out: &mut Out<'_>,
) {
    let Some(selector) = selector_of(object) else {
        return;
    };
    if selector.requirements.is_empty() {
        return;
    }
    if selected(pods, object.effective_namespace(), &selector)
        .next()
        .is_none()
    {
        out.emit(
            object,
            id,
            pointer,
            format!(
                "{} selects no pods of any workload in the scan",
                describe(object)
            ),
        );
    }
}

fn ingress<'o>(index: &Index, object: &'o Object, out: &mut Out<'_>) {
    let mut backends: Vec<(String, &'o str)> = Vec::new();
    let mut add = |pointer: String, backend: Option<&'o Node>| {
        let Some(backend) = backend else { return };
        if let Some(name) = backend.pointer("/service/name").and_then(Node::as_str) {
            backends.push((format!("{pointer}/service/name"), name));
        } else if let Some(name) = backend.get_str("serviceName") {
            backends.push((format!("{pointer}/serviceName"), name));
        }
    };
    add(
        "/spec/defaultBackend".into(),
        object.root.pointer("/spec/defaultBackend"),
    );
    add("/spec/backend".into(), object.root.pointer("/spec/backend"));
    for (i, rule) in object
        .root
        .pointer("/spec/rules")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        for (j, path) in rule
            .pointer("/http/paths")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            add(
                format!("/spec/rules/{i}/http/paths/{j}/backend"),
                path.get("backend"),
            );
        }
    }
    let ns = object.effective_namespace();
    for (pointer, name) in backends {
        if index.get("Service", ns, name).next().is_none() {
            out.emit(
                object,
                "BH-K8S-044",
                &pointer,
                format!(
                    "{} routes to Service \"{name}\", which is not in the scan",
                    describe(object)
                ),
            );
        }
    }
}

/// A binding to a role that grants every verb on every resource of every group.
fn binding(index: &Index, object: &Object, out: &mut Out<'_>) {
    let Some(role) = index.role_ref(object) else {
        return;
    };
    if role.name.as_deref() == Some("cluster-admin") {
        return; // reported by name, per object
    }
    if rules_of(role).iter().any(is_all) {
        out.emit(
            object,
            "BH-K8S-058",
            "/roleRef/name",
            format!(
                "{} grants {}, which allows every verb on every resource (cluster-admin in all but name)",
                describe(object),
                describe(role)
            ),
        );
    }
}

/// Whether the entry has `*` in all three fields: only a `*` grants a name no real group,
/// resource or verb has.
fn is_all(rule: &super::rbac::Rule<'_>) -> bool {
    rule.grants(&["\u{0}"], &["\u{0}"], &["\u{0}"])
}
