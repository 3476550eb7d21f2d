//! Kubernetes rules (themes K1–K44 of the rule map, `../shared/specs/misconfig-rule-map.md`).
//!
//! [`analyze`] reads manifest files one YAML document at a time (`bulkhead_manifest::Documents`)
//! and runs the per-object rules on each object as soon as it is loaded; only a light copy of
//! the objects that cross-object rules need (workloads without their containers and volumes,
//! Services, NetworkPolicies, PodDisruptionBudgets, HorizontalPodAutoscalers, Ingresses,
//! ServiceAccounts, RBAC objects) is kept for the [`bulkhead_manifest::Index`]. So memory is
//! one document's tree plus that index, not every file's tree (the loader's tree is about ten
//! times the text).
//!
//! - `pss`: the themes the Pod Security Standards cover (privileged, host namespaces,
//!   capabilities, hostPath, seccomp, AppArmor/SELinux, sysctls, procMount, runAsNonRoot,
//!   HostProcess, host ports) are judged by `bulkhead_policy::pss` at `baseline` and
//!   `restricted`, and each violation's offending field becomes a finding of the theme's rule.
//! - `workload`: the other pod and container rules (resources, probes, images, env, ports,
//!   UID/GID, NET_RAW, SYS_ADMIN, the runtime socket, default ServiceAccount…).
//! - `objects`: rules on one non-workload object (namespace, deprecated API versions,
//!   ConfigMap contents, Services, Ingress annotations, ServiceAccounts).
//! - `rbac`: Roles, ClusterRoles and their bindings.
//! - `graph`: rules that need the whole scan (NetworkPolicy coverage, token automount with
//!   the ServiceAccount, replicas with HPAs, PodDisruptionBudgets, dangling selectors and
//!   references, bindings to cluster-admin-equivalent roles).
//!
//! Findings point at the offending field: the JSON pointer within the object (prefixed with the
//! item's pointer for `List` items), and the line and column `Node::locate` gives (the nearest
//! existing ancestor for a missing field). Documents that do not load, and documents that are
//! not Kubernetes objects, become warnings; the other documents are still judged.
//!
//! Hard-coded credentials (K26) are found by the *name* of an env var or ConfigMap key
//! (`password`, `token`, `api_key`…, not `…_FILE` or `…_PATH`) holding a literal value, as
//! Polaris' `sensitiveContainerEnvVar` and kube-linter's `env-var-secret` do. Running the
//! `bulkhead-secrets` rules on values instead would find tokens by shape, but that crate pulls
//! in image, git and archive readers, which is no cheap dependency for a rule crate; `bulkhead
//! fs --scanners secret` already scans manifests with those rules.
//!
//! Deliberately left out: trusted registries (K44; `analyze` takes no configuration, and a
//! registry allow-list is a policy decision for `bulkhead-policy` and admission), git-sync's
//! code-injection check (checkov `CKV_K8S_159`), and control-plane flags (the CIS engine's job).

mod graph;
mod objects;
mod pss;
mod rbac;
mod rules;
mod workload;

use std::collections::HashMap;
use std::sync::Arc;

use bulkhead_finding::{Finding, Location};
use bulkhead_manifest::{Documents, Entry, Index, Node, Object, Value, objects_of, pod_template};

use rayon::prelude::*;

use crate::Outcome;
use crate::inline::{self, InlineIgnores};
use crate::registry::rule;

pub use rules::RULES;

/// One manifest file: its path as the user should see it, and its bytes.
#[derive(Debug, Clone)]
pub struct ManifestFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Loads every file's objects, document by document, runs the per-object rules, indexes what
/// cross-object rules need, runs those, and applies inline suppressions.
pub fn analyze(files: &[ManifestFile]) -> Outcome {
    let mut outcome = Outcome::default();
    let mut findings = Vec::new();
    let mut kept = Vec::new();
    let mut texts: HashMap<&str, &str> = HashMap::new();
    // Files are independent until the cross-object rules: judge them in parallel, then merge
    // in input order (so output does not depend on scheduling).
    let judged: Vec<Judged> = files.par_iter().map(judge_file).collect();
    for (file, judged) in files.iter().zip(judged) {
        if let Ok(text) = std::str::from_utf8(&file.bytes) {
            texts.insert(&file.path, text);
        }
        findings.extend(judged.findings);
        outcome.warnings.extend(judged.warnings);
        kept.extend(judged.kept);
    }
    let index = Index::new(kept);
    graph::check(&index, &texts, &mut findings);

    // Inline suppressions, per file.
    let mut ignores: HashMap<&str, InlineIgnores> = HashMap::new();
    for file in files {
        let text = String::from_utf8_lossy(&file.bytes);
        if text.contains("ignore") || text.contains("skip") {
            let parsed = InlineIgnores::parse(&text);
            if !parsed.is_empty() {
                ignores.insert(&file.path, parsed);
            }
        }
    }
    if ignores.is_empty() {
        outcome.findings = findings;
    } else {
        let mut by_file: HashMap<Option<String>, Vec<Finding>> = HashMap::new();
        for f in findings {
            by_file
                .entry(file_of(&f).map(str::to_owned))
                .or_default()
                .push(f);
        }
        let mut groups: Vec<_> = by_file.into_iter().collect();
        groups.sort_by(|a, b| a.0.cmp(&b.0));
        for (file, group) in groups {
            match file.as_deref().and_then(|f| ignores.get(f)) {
                Some(ignores) => {
                    let (kept, suppressed) = inline::apply(ignores, group, line_of);
                    outcome.findings.extend(kept);
                    outcome.suppressed.extend(suppressed);
                }
                None => outcome.findings.extend(group),
            }
        }
    }
    outcome
}

/// What one file yields before the cross-object rules.
struct Judged {
    findings: Vec<Finding>,
    warnings: Vec<String>,
    /// Light copies of the objects cross-object rules need.
    kept: Vec<Object>,
}

/// Loads one file document by document and runs the per-object rules.
fn judge_file(file: &ManifestFile) -> Judged {
    let mut judged = Judged {
        findings: Vec::new(),
        warnings: Vec::new(),
        kept: Vec::new(),
    };
    let label: Arc<str> = Arc::from(file.path.as_str());
    let mut cx = Cx {
        text: std::str::from_utf8(&file.bytes).ok(),
        findings: &mut judged.findings,
        warnings: &mut judged.warnings,
    };
    for doc in Documents::new(&file.path, &file.bytes) {
        let doc = match doc {
            Ok(doc) => doc,
            Err(err) => {
                cx.warnings.push(err.to_string());
                continue;
            }
        };
        let mut objects = Vec::new();
        let mut skipped = Vec::new();
        objects_of(&label, doc, &mut objects, &mut skipped);
        cx.warnings.extend(skipped.iter().map(ToString::to_string));
        for object in objects {
            per_object(&mut cx, &object);
            if let Some(light) = light(object) {
                judged.kept.push(light);
            }
        }
    }
    judged
}

fn file_of(finding: &Finding) -> Option<&str> {
    match &finding.location {
        Location::Object { file, .. } => file.as_deref(),
        _ => None,
    }
}

fn line_of(finding: &Finding) -> Option<u32> {
    match &finding.location {
        Location::Object { line, .. } => *line,
        _ => None,
    }
}

fn per_object(cx: &mut Cx<'_>, object: &Object) {
    if let Some(pod) = pod_template(object) {
        pss::check(cx, object, &pod);
        workload::check(cx, object, &pod);
    }
    objects::check(cx, object);
    rbac::check(cx, object);
}

/// What the cross-object rules need of an object: `None` for kinds they never look at, and
/// for workloads only the fields graph rules read (the containers and volumes are the bulk of
/// a manifest). Spans are kept, so findings still point at the source.
fn light(object: Object) -> Option<Object> {
    const KINDS: &[&str] = &[
        "Service",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "Ingress",
        "ServiceAccount",
        "Role",
        "ClusterRole",
        "RoleBinding",
        "ClusterRoleBinding",
    ];
    let Some(pod) = pod_template(&object) else {
        return KINDS.contains(&object.kind.as_str()).then_some(object);
    };
    let tokens = |pointer: &'static str| pointer.split('/').skip(1).collect::<Vec<_>>();
    let spec = tokens(pod.spec_pointer);
    let labels = [tokens(pod.metadata_pointer), vec!["labels"]].concat();
    let mut keep = vec![vec!["spec", "replicas"], vec!["spec", "selector"], labels];
    for field in [
        "serviceAccountName",
        "serviceAccount",
        "automountServiceAccountToken",
        "affinity",
        "topologySpreadConstraints",
    ] {
        keep.push([spec.clone(), vec![field]].concat());
    }
    let root = retain(&object.root, &keep);
    // Whether anti-affinity and spread constraints exist is all the graph rules ask.
    let root = replace_at(&root, &spec, &|spec| Node {
        value: Value::Map(
            spec.as_map()
                .unwrap_or_default()
                .iter()
                .map(|e| match e.key.as_str() {
                    "affinity" | "topologySpreadConstraints" => Entry {
                        key: e.key.clone(),
                        key_span: e.key_span,
                        value: summary(&e.key, &e.value),
                    },
                    _ => e.clone(),
                })
                .collect(),
        ),
        span: spec.span,
    });
    Some(Object { root, ..object })
}

/// `affinity` as `{podAntiAffinity: true}` when it has one, `topologySpreadConstraints` as a
/// one-item list when it is not empty; else null.
fn summary(key: &str, value: &Node) -> Node {
    let mark = Node {
        value: Value::Bool(true),
        span: value.span,
    };
    let summarised = match key {
        "affinity" if value.get("podAntiAffinity").is_some_and(|n| !n.is_null()) => Value::Map(
            vec![Entry {
                key: "podAntiAffinity".to_owned(),
                key_span: value.span,
                value: mark,
            }]
            .into(),
        ),
        "topologySpreadConstraints" if value.as_seq().is_some_and(|s| !s.is_empty()) => {
            Value::Seq(vec![mark].into())
        }
        _ => Value::Null,
    };
    Node {
        value: summarised,
        span: value.span,
    }
}

/// `node` with only the mapping paths in `keep` (each kept whole from where it ends).
fn retain(node: &Node, keep: &[Vec<&str>]) -> Node {
    let Some(entries) = node.as_map() else {
        return node.clone();
    };
    let kept: Vec<Entry> = entries
        .iter()
        .filter_map(|e| {
            let below: Vec<Vec<&str>> = keep
                .iter()
                .filter(|path| path.first() == Some(&e.key.as_str()))
                .map(|path| path[1..].to_vec())
                .collect();
            if below.is_empty() {
                return None;
            }
            let value = if below.iter().any(Vec::is_empty) {
                e.value.clone()
            } else {
                retain(&e.value, &below)
            };
            Some(Entry {
                key: e.key.clone(),
                key_span: e.key_span,
                value,
            })
        })
        .collect();
    Node {
        value: Value::Map(kept.into()),
        span: node.span,
    }
}

/// `node` with the node at `path` (mapping keys) replaced by `f` of it.
fn replace_at(node: &Node, path: &[&str], f: &dyn Fn(&Node) -> Node) -> Node {
    let Some((head, rest)) = path.split_first() else {
        return f(node);
    };
    let Some(entries) = node.as_map() else {
        return node.clone();
    };
    Node {
        value: Value::Map(
            entries
                .iter()
                .map(|e| {
                    if e.key == *head {
                        Entry {
                            key: e.key.clone(),
                            key_span: e.key_span,
                            value: replace_at(&e.value, rest, f),
                        }
                    } else {
                        e.clone()
                    }
                })
                .collect(),
        ),
        span: node.span,
    }
}

/// Where findings and warnings of one file go.
pub(crate) struct Cx<'a> {
    /// The file's text, for evidence (`None` if it is not UTF-8).
    text: Option<&'a str>,
    findings: &'a mut Vec<Finding>,
    warnings: &'a mut Vec<String>,
}

impl Cx<'_> {
    /// A finding of rule `id` on `object` at `pointer` (relative to the object).
    fn emit(&mut self, object: &Object, id: &str, pointer: &str, detail: impl AsRef<str>) {
        self.findings.push(make_finding(
            self.text,
            object,
            id,
            pointer,
            detail.as_ref(),
        ));
    }
}

fn make_finding(
    text: Option<&str>,
    object: &Object,
    id: &str,
    pointer: &str,
    detail: &str,
) -> Finding {
    let span = object.root.locate(pointer);
    let line = span.map(|s| s.start.line);
    // The line the field starts on, found from its byte offset (not by counting lines from
    // the top, which would be quadratic in a large file with many findings).
    let evidence = text.zip(span).and_then(|(text, span)| {
        let at = span.start.offset;
        text.is_char_boundary(at)
            .then(|| crate::excerpt_at(text, at, at, span.start.line))
            .flatten()
    });
    crate::finding(
        rule(id),
        Location::Object {
            kind: object.kind.clone(),
            namespace: object.namespace.clone(),
            name: object.name.clone().unwrap_or_default(),
            pointer: object.document_pointer(pointer),
            file: Some(object.file.to_string()),
            line,
            column: span.map(|s| s.start.column),
        },
        detail,
        evidence,
    )
}

/// `Deployment shop/web`, `ClusterRole admin`, `Pod web` (no namespace written).
fn describe(object: &Object) -> String {
    let name = object.name.as_deref().unwrap_or("<unnamed>");
    match &object.namespace {
        Some(ns) if !object.is_cluster_scoped() => format!("{} {ns}/{name}", object.kind),
        _ => format!("{} {name}", object.kind),
    }
}

/// A JSON pointer token for a mapping key.
fn token(key: &str) -> String {
    bulkhead_manifest::escape_pointer_token(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every Kubernetes theme of the rule map has a rule, except K44 (see the module docs).
    #[test]
    fn every_theme_is_covered() {
        for n in 1..=43 {
            let theme = format!("K{n}");
            assert!(
                RULES.iter().any(|r| r.theme == theme),
                "{theme} has no rule"
            );
        }
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(r.id, format!("BH-K8S-{:03}", i + 1));
        }
    }

    #[test]
    fn light_objects_drop_containers_but_keep_spans() {
        let yaml = b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  template:\n    spec:\n      serviceAccountName: sa\n      containers: [{name: a, image: x}]\n";
        let object = bulkhead_manifest::load("f", yaml).objects.remove(0);
        let light = light(object).unwrap();
        let spec = light.root.pointer("/spec/template/spec").unwrap();
        assert!(spec.get("containers").is_none());
        let span = light
            .root
            .locate("/spec/template/spec/serviceAccountName")
            .unwrap();
        assert_eq!(span.start.line, 7);
    }
}
