//! Files → objects: document numbering, `List` flattening, skips, per-document errors,
//! positions (checked against the text itself), workloads and the index.

use std::path::Path;

use bulkhead_manifest::{
    ContainerKind, DocErrorKind, Index, SkipReason, load, pod_template, to_json,
};

fn fixture(name: &str) -> (String, Vec<u8>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    (name.to_owned(), std::fs::read(path).unwrap())
}

fn load_fixture(name: &str) -> bulkhead_manifest::LoadResult {
    let (label, bytes) = fixture(name);
    load(&label, &bytes)
}

fn all_fixtures() -> Vec<bulkhead_manifest::Object> {
    [
        "web.yaml",
        "batch.yaml",
        "cluster.yaml",
        "rbac.yaml",
        "configmap.json",
    ]
    .into_iter()
    .flat_map(|f| {
        let r = load_fixture(f);
        assert!(r.errors.is_empty(), "{f}: {:?}", r.errors);
        r.objects
    })
    .collect()
}

#[test]
fn multi_document_files_become_objects() {
    let r = load_fixture("web.yaml");
    assert!(r.errors.is_empty() && r.skipped.is_empty(), "{r:?}");
    let got: Vec<_> = r
        .objects
        .iter()
        .map(|o| {
            (
                o.kind.as_str(),
                o.name.as_deref(),
                o.document,
                o.root.span.start.line,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("Deployment", Some("web"), 1, 2),
            ("Service", Some("web"), 2, 52),
            ("NetworkPolicy", Some("web-ingress"), 3, 64),
            ("PodDisruptionBudget", Some("web"), 4, 79),
        ]
    );
    assert!(
        r.objects
            .iter()
            .all(|o| o.namespace.as_deref() == Some("shop"))
    );
    assert_eq!(&*r.objects[0].file, "web.yaml");
}

#[test]
fn lists_are_flattened_with_their_positions() {
    let r = load_fixture("rbac.yaml");
    assert!(r.errors.is_empty() && r.skipped.is_empty(), "{r:?}");
    assert_eq!(r.objects.len(), 6);
    let binding = &r.objects[1];
    assert_eq!(
        (binding.kind.as_str(), binding.pointer.as_str()),
        ("RoleBinding", "/items/1")
    );
    assert_eq!(binding.root.span.start.line, 11);
    assert_eq!(
        binding.document_pointer("/roleRef/name"),
        "/items/1/roleRef/name"
    );
    let span = binding.root.locate("/roleRef/name").unwrap();
    assert_eq!((span.start.line, span.start.column), (16, 62));
}

#[test]
fn json_manifests_load() {
    let r = load_fixture("configmap.json");
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let cm = &r.objects[0];
    assert_eq!(cm.kind, "ConfigMap");
    // Quoted in JSON, so strings, whatever they look like.
    assert_eq!(
        cm.root.pointer("/data/debug").unwrap().as_str(),
        Some("true")
    );
    assert_eq!(
        cm.root.pointer("/immutable").unwrap().as_bool(),
        Some(false)
    );
    assert_eq!(cm.root.locate("/data/ratio").unwrap().start.line, 11);
}

#[test]
fn non_kubernetes_yaml_is_skipped_with_a_reason() {
    let r = load_fixture("values.yaml");
    assert!(r.objects.is_empty() && r.errors.is_empty());
    assert_eq!(r.skipped.len(), 1);
    assert_eq!(r.skipped[0].reason, SkipReason::NotKubernetes);
    assert_eq!(r.skipped[0].line, 2);

    let r = load(
        "mixed.yaml",
        b"- a\n- b\n---\njust text\n---\napiVersion: v2\nname: chart\n---\n~\n---\n",
    );
    let reasons: Vec<_> = r
        .skipped
        .iter()
        .map(|s| (s.document, s.reason.clone()))
        .collect();
    assert_eq!(
        reasons,
        [
            (
                1,
                SkipReason::NotAMapping {
                    found: "a sequence"
                }
            ),
            (2, SkipReason::NotAMapping { found: "a scalar" }),
            (3, SkipReason::MissingField { field: "kind" }),
        ]
    );
    assert!(r.objects.is_empty() && r.errors.is_empty(), "{r:?}");
}

#[test]
fn helm_templates_are_reported_as_templates() {
    let r = load_fixture("helm-template.yaml");
    assert!(r.objects.is_empty());
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    let e = &r.errors[0];
    assert!(matches!(e.kind, DocErrorKind::Template { .. }), "{e}");
    assert!(e.to_string().contains("helm template"), "{e}");
    // A string that merely contains braces (an Argo or Prometheus template) is fine.
    let ok = load(
        "alert.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  msg: \"{{ $labels.instance }} down\"\n",
    );
    assert!(ok.errors.is_empty() && ok.objects.len() == 1);
}

#[test]
fn one_bad_document_does_not_lose_the_others() {
    let text = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two\n  name: again\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: [unclosed\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: \xff\xfe}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: four}\n";
    let r = load("bad.yaml", text);
    let names: Vec<_> = r
        .objects
        .iter()
        .map(|o| (o.document, o.name.clone().unwrap()))
        .collect();
    assert_eq!(names, [(1, "one".to_owned()), (5, "four".to_owned())]);
    let errors: Vec<_> = r.errors.iter().map(|e| (e.document, e.line)).collect();
    assert_eq!(errors, [(2, 9), (3, 14), (4, 17)], "{:?}", r.errors);
    assert!(matches!(
        r.errors[0].kind,
        DocErrorKind::DuplicateKey { first_line: 8, .. }
    ));
    assert!(matches!(r.errors[1].kind, DocErrorKind::Syntax { .. }));
    assert!(matches!(r.errors[2].kind, DocErrorKind::Encoding { .. }));
    assert_eq!(
        r.errors[0].to_string(),
        "bad.yaml: document 2, line 9, column 3: mapping key `name` already defined at line 8"
    );
}

/// Every key span and scalar span, checked against the text: the bytes at the span's offset
/// are the key (or the value as written), and the offset agrees with line and column.
#[test]
fn spans_point_at_the_text() {
    for name in [
        "web.yaml",
        "batch.yaml",
        "cluster.yaml",
        "rbac.yaml",
        "anchors.yaml",
    ] {
        let (label, bytes) = fixture(name);
        let text = std::str::from_utf8(&bytes).unwrap();
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let mut checked = 0;
        for object in load(&label, &bytes).objects {
            let mut stack = vec![&object.root];
            while let Some(node) = stack.pop() {
                for e in node.as_map().unwrap_or_default() {
                    let at = e.key_span.start;
                    let from_line = line_starts[at.line as usize - 1] + at.column as usize - 1;
                    assert_eq!(at.offset, from_line, "{name}: {}", e.key);
                    assert!(
                        text[at.offset..].starts_with(&e.key) || text[at.offset..].starts_with('<'),
                        "{name}:{}: key `{}` not at its span",
                        at.line,
                        e.key
                    );
                    if let Some(s) = e.value.as_str() {
                        let written = &text[e.value.span.start.offset..e.value.span.end.offset];
                        assert!(
                            written.contains(s.lines().next().unwrap_or_default())
                                || written.starts_with('*'),
                            "{name}:{}: `{written}` vs `{s}`",
                            at.line
                        );
                    }
                    checked += 1;
                    stack.push(&e.value);
                }
                stack.extend(node.as_seq().unwrap_or_default());
            }
        }
        assert!(checked > 20, "{name}: {checked}");
    }
}

#[test]
fn locate_points_at_the_nearest_existing_field() {
    let r = load_fixture("web.yaml");
    let d = &r.objects[0].root;
    let span = d
        .locate("/spec/template/spec/containers/0/securityContext/privileged")
        .unwrap();
    assert_eq!(
        (span.start.line, span.start.column, span.end.column),
        (33, 11, 28)
    );
    // Missing: the container's securityContext.runAsNonRoot → the securityContext entry.
    let span = d
        .locate("/spec/template/spec/containers/0/securityContext/runAsNonRoot")
        .unwrap();
    assert_eq!((span.start.line, span.end.line), (32, 38));
    // Missing: the sidecar has no securityContext → the sidecar item.
    let span = d
        .locate("/spec/template/spec/containers/1/securityContext")
        .unwrap();
    assert_eq!(span.start.line, 41);
    assert_eq!(d.locate("").unwrap(), d.span);
    assert_eq!(d.locate("no-slash"), None);
    assert!(
        d.pointer("/spec/template/spec/securityContext")
            .unwrap()
            .is_null()
    );
    assert_eq!(
        d.pointer("/metadata/labels/tier").unwrap().as_str(),
        Some("frontend")
    );
    // RFC 6901 escapes.
    let r = load("e.yaml", b"a/b: {c~d: 1}\n");
    assert_eq!(r.skipped.len(), 1);
    let doc = bulkhead_manifest::Documents::new("e.yaml", b"a/b: {c~d: 1}\n")
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(doc.root.pointer("/a~1b/c~0d").unwrap().as_i64(), Some(1));
}

#[test]
fn kubernetes_values_in_real_manifests() {
    let r = load_fixture("web.yaml");
    let json = to_json(&r.objects[0].root);
    let c = &json["spec"]["template"]["spec"]["containers"][0]["securityContext"];
    assert_eq!(c["allowPrivilegeEscalation"], false);
    assert_eq!(c["readOnlyRootFilesystem"], true);
    assert_eq!(c["runAsUser"], 1000);
    assert_eq!(
        json["spec"]["template"]["spec"]["automountServiceAccountToken"],
        false
    );
    assert_eq!(
        json["spec"]["template"]["metadata"]["labels"]["version"],
        "1.0"
    );
}

#[test]
fn anchors_and_merge_keys_expand() {
    let r = load_fixture("anchors.yaml");
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let d = &r.objects[0];
    let pod = pod_template(d).unwrap();
    let names: Vec<_> = pod
        .containers()
        .map(|c| c.name().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["main", "helper"]);
    let helper = pod.containers().nth(1).unwrap();
    let escalation = helper
        .node
        .pointer("/securityContext/allowPrivilegeEscalation")
        .unwrap();
    assert_eq!(escalation.as_bool(), Some(true));
    // The merged-in field keeps the position of its definition.
    let non_root = helper
        .node
        .pointer("/securityContext/runAsNonRoot")
        .unwrap();
    assert_eq!(non_root.span.start.line, 19);
    // An alias node has the alias's position.
    assert_eq!(
        d.root
            .pointer("/spec/selector/matchLabels")
            .unwrap()
            .span
            .start
            .line,
        9
    );
}

#[test]
fn workloads_reduce_to_their_pod() {
    let objects = all_fixtures();
    let got: Vec<_> = objects
        .iter()
        .filter_map(|o| Some((o.kind.as_str(), pod_template(o)?.spec_pointer)))
        .collect();
    assert_eq!(
        got,
        [
            ("Deployment", "/spec/template/spec"),
            ("CronJob", "/spec/jobTemplate/spec/template/spec"),
            ("Job", "/spec/template/spec"),
            ("DaemonSet", "/spec/template/spec"),
            ("StatefulSet", "/spec/template/spec"),
            ("ReplicaSet", "/spec/template/spec"),
            ("ReplicationController", "/spec/template/spec"),
            ("PodTemplate", "/template/spec"),
            ("Pod", "/spec"),
        ]
    );
    let deployment = &objects[0];
    let pod = pod_template(deployment).unwrap();
    let containers: Vec<_> = pod
        .containers()
        .map(|c| (c.kind, c.pointer.clone(), c.name()))
        .collect();
    assert_eq!(
        containers,
        [
            (
                ContainerKind::Container,
                "/spec/template/spec/containers/0".into(),
                Some("web")
            ),
            (
                ContainerKind::Container,
                "/spec/template/spec/containers/1".into(),
                Some("sidecar")
            ),
            (
                ContainerKind::Init,
                "/spec/template/spec/initContainers/0".into(),
                Some("migrate")
            ),
        ]
    );
    for c in pod.containers() {
        assert_eq!(deployment.root.pointer(&c.pointer), Some(c.node));
    }
    let job = objects.iter().find(|o| o.kind == "Job").unwrap();
    let kinds: Vec<_> = pod_template(job)
        .unwrap()
        .containers()
        .map(|c| c.kind)
        .collect();
    assert_eq!(kinds, [ContainerKind::Container, ContainerKind::Ephemeral]);
    // A custom kind that happens to be called Deployment is not a workload.
    let r = load("crd.yaml", b"apiVersion: example.com/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {template: {spec: {containers: []}}}\n");
    assert!(pod_template(&r.objects[0]).is_none());
}

#[test]
fn index_answers_selector_and_reference_questions() {
    let index = Index::new(all_fixtures());
    let named = |kind, ns, name| index.get(kind, ns, name).count();
    assert_eq!(named("Deployment", Some("shop"), "web"), 1);
    assert_eq!(named("ClusterRole", None, "god"), 1);
    // No namespace written: `default`.
    assert_eq!(named("PodTemplate", Some("default"), "tmpl"), 1);

    let names = |objects: Vec<&bulkhead_manifest::Object>| -> Vec<String> {
        objects.iter().map(|o| o.name.clone().unwrap()).collect()
    };
    let service = index.get("Service", Some("shop"), "web").next().unwrap();
    assert_eq!(names(index.selected_by(service).unwrap().unwrap()), ["web"]);
    let policy = index
        .get("NetworkPolicy", Some("shop"), "web-ingress")
        .next()
        .unwrap();
    // tier In (frontend, edge), canary DoesNotExist: the Deployment only (db is tier=data).
    assert_eq!(names(index.selected_by(policy).unwrap().unwrap()), ["web"]);
    let pdb = index
        .get("PodDisruptionBudget", Some("shop"), "web")
        .next()
        .unwrap();
    assert_eq!(names(index.selected_by(pdb).unwrap().unwrap()), ["web"]);
    assert!(
        index
            .selected_by(index.of_kind("ConfigMap").next().unwrap())
            .is_none()
    );

    let unprotected: Vec<_> = index
        .workloads_without_network_policy()
        .map(|o| o.name.clone().unwrap())
        .collect();
    assert_eq!(
        unprotected,
        [
            "report",
            "once",
            "node-agent",
            "db",
            "legacy",
            "ancient",
            "tmpl",
            "debug"
        ]
    );

    let binding = index
        .get("RoleBinding", Some("shop"), "read-pods")
        .next()
        .unwrap();
    assert_eq!(
        index.role_ref(binding).unwrap().name.as_deref(),
        Some("reader")
    );
    let cluster = index
        .get("ClusterRoleBinding", None, "god-binding")
        .next()
        .unwrap();
    assert_eq!(index.role_ref(cluster).unwrap().kind, "ClusterRole");
    let dangling = index
        .get("RoleBinding", Some("shop"), "dangling")
        .next()
        .unwrap();
    assert!(index.role_ref(dangling).is_none());
}

#[test]
fn label_selector_operators() {
    use bulkhead_manifest::{Documents, LabelSelector};
    let node = |yaml: &str| {
        Documents::new("s", yaml.as_bytes())
            .next()
            .unwrap()
            .unwrap()
            .root
    };
    let s = LabelSelector::from_label_selector(&node(
        "matchLabels: {app: web}\nmatchExpressions:\n- {key: env, operator: NotIn, values: [prod]}\n- {key: team, operator: Exists}\n",
    ))
    .unwrap();
    assert!(s.matches_labels([("app", "web"), ("team", "a")]));
    assert!(s.matches_labels([("app", "web"), ("team", "a"), ("env", "dev")]));
    assert!(!s.matches_labels([("app", "web"), ("team", "a"), ("env", "prod")]));
    assert!(!s.matches_labels([("app", "web")]));
    assert!(
        LabelSelector::from_label_selector(&node("{}"))
            .unwrap()
            .matches_labels([])
    );
    assert!(
        LabelSelector::from_label_selector(&node("matchExpressions: [{key: a, operator: Maybe}]"))
            .is_err()
    );
    assert!(
        LabelSelector::from_label_selector(&node("matchExpressions: [{key: a, operator: In}]"))
            .is_err()
    );
}
