//! RBAC (theme K42): what a Role or ClusterRole grants, rule entry by rule entry, and whom a
//! binding grants it to. Whether a binding refers to a role that is cluster-admin in all but
//! name needs the role, so that is in `graph`.
//!
//! A `*` in `apiGroups`, `resources` or `verbs` grants everything the other rules look for, so
//! a `*/*/*` role is reported by each of them, as the peers do: each finding names a distinct
//! power that the role hands out.

use bulkhead_manifest::{Node, Object};

use super::{Cx, describe};

/// Groups that name everyone (or every authenticated user, or full admins).
const BROAD_SUBJECTS: &[(&str, &str)] = &[
    ("Group", "system:anonymous"),
    ("Group", "system:unauthenticated"),
    ("Group", "system:authenticated"),
    ("Group", "system:masters"),
    ("User", "system:anonymous"),
];

/// One entry of a role's `rules`.
pub(super) struct Rule<'a> {
    pub(super) index: usize,
    node: &'a Node,
}

impl<'a> Rule<'a> {
    fn list(&self, field: &str) -> Vec<&'a str> {
        self.node
            .get(field)
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .collect()
    }

    /// Whether the entry grants any of `verbs` on any of `resources` in any of `groups`.
    pub(super) fn grants(&self, groups: &[&str], resources: &[&str], verbs: &[&str]) -> bool {
        let any =
            |have: Vec<&str>, want: &[&str]| have.iter().any(|h| *h == "*" || want.contains(h));
        any(self.list("apiGroups"), groups)
            && any(self.list("resources"), resources)
            && any(self.list("verbs"), verbs)
    }

    fn limited_by_name(&self) -> bool {
        !self.list("resourceNames").is_empty()
    }

    /// Where the first `*` of the entry is: (`verbs`/`resources`/`apiGroups`, index).
    fn wildcard(&self) -> Option<(&'static str, usize)> {
        ["verbs", "resources", "apiGroups"]
            .into_iter()
            .find_map(|field| {
                self.list(field)
                    .iter()
                    .position(|v| *v == "*")
                    .map(|i| (field, i))
            })
    }
}

/// The rule entries of a Role or ClusterRole (an aggregated ClusterRole's are filled in by the
/// controller, so it has none here).
pub(super) fn rules_of(object: &Object) -> Vec<Rule<'_>> {
    object
        .root
        .get("rules")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter(|(_, n)| n.as_map().is_some())
        .map(|(index, node)| Rule { index, node })
        .collect()
}

pub(super) fn is_rbac(object: &Object, kinds: &[&str]) -> bool {
    object.group() == "rbac.authorization.k8s.io" && kinds.contains(&object.kind.as_str())
}

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["create", "update", "patch"];
const WORKLOADS: &[&str] = &[
    "pods",
    "deployments",
    "daemonsets",
    "statefulsets",
    "replicasets",
    "jobs",
    "cronjobs",
    "replicationcontrollers",
];

pub(super) fn check(cx: &mut Cx<'_>, object: &Object) {
    if is_rbac(object, &["Role", "ClusterRole"]) {
        role(cx, object);
    } else if is_rbac(object, &["RoleBinding", "ClusterRoleBinding"]) {
        binding(cx, object);
    }
}

fn role(cx: &mut Cx<'_>, object: &Object) {
    let who = describe(object);
    let rules = rules_of(object);
    for rule in &rules {
        rule_entry(cx, object, &who, rule);
    }
    approve_csr(cx, object, &who, &rules);
}

fn rule_entry(cx: &mut Cx<'_>, object: &Object, who: &str, rule: &Rule<'_>) {
    let i = rule.index;
    let resources = format!("/rules/{i}/resources");
    let mut emit = |id: &str, pointer: &str, what: &str| {
        cx.emit(object, id, pointer, format!("{who} {what} (rules[{i}])"));
    };
    if let Some((field, j)) = rule.wildcard() {
        emit(
            "BH-K8S-054",
            &format!("/rules/{i}/{field}/{j}"),
            &format!("grants `*` in {field}"),
        );
    }
    if rule.grants(&["", "*"], &["secrets"], READ) && !rule.limited_by_name() {
        emit("BH-K8S-055", &resources, "can read Secrets");
    }
    if rule.grants(&[""], &["pods/exec", "pods/attach"], &["create", "get"]) {
        emit("BH-K8S-056", &resources, "can exec or attach into pods");
    }
    if rule.grants(
        &["", "apps", "batch", "extensions"],
        WORKLOADS,
        &["create", "update", "patch"],
    ) {
        emit(
            "BH-K8S-057",
            &resources,
            "can create or change pods or workloads",
        );
    }
    let rbac = &["rbac.authorization.k8s.io"];
    if rule.grants(rbac, &["roles", "clusterroles"], &["bind", "escalate"])
        || rule.grants(
            rbac,
            &[
                "roles",
                "clusterroles",
                "rolebindings",
                "clusterrolebindings",
            ],
            WRITE,
        )
    {
        emit(
            "BH-K8S-059",
            &resources,
            "can bind or escalate roles, or write RBAC objects",
        );
    }
    if rule.grants(
        &["", "authentication.k8s.io"],
        &["users", "groups", "serviceaccounts", "userextras", "uids"],
        &["impersonate"],
    ) {
        emit(
            "BH-K8S-060",
            &resources,
            "can impersonate users, groups or service accounts",
        );
    }
    if rule.grants(
        &[""],
        &["nodes/proxy"],
        &[
            "get", "create", "update", "patch", "delete", "list", "watch",
        ],
    ) {
        emit(
            "BH-K8S-061",
            &resources,
            "can use nodes/proxy (the kubelet API)",
        );
    }
    if rule.grants(
        &["admissionregistration.k8s.io"],
        &[
            "validatingwebhookconfigurations",
            "mutatingwebhookconfigurations",
        ],
        &["create", "update", "patch", "delete"],
    ) {
        emit(
            "BH-K8S-062",
            &resources,
            "can change admission webhook configurations",
        );
    }
}

/// K42 CSR approval needs both powers, possibly from two entries.
fn approve_csr(cx: &mut Cx<'_>, object: &Object, who: &str, rules: &[Rule<'_>]) {
    let certificates = &["certificates.k8s.io"];
    let approval = rules.iter().find(|r| {
        r.grants(
            certificates,
            &["certificatesigningrequests/approval"],
            &["update", "patch"],
        )
    });
    let signers = rules
        .iter()
        .any(|r| r.grants(certificates, &["signers"], &["approve"]));
    if let Some(rule) = approval
        && signers
    {
        cx.emit(
            object,
            "BH-K8S-063",
            &format!("/rules/{}/resources", rule.index),
            format!(
                "{who} can approve certificate signing requests (rules[{}])",
                rule.index
            ),
        );
    }
}

fn binding(cx: &mut Cx<'_>, object: &Object) {
    let who = describe(object);
    let role_ref = object.root.get("roleRef");
    if role_ref.and_then(|r| r.get_str("kind")) == Some("ClusterRole")
        && role_ref.and_then(|r| r.get_str("name")) == Some("cluster-admin")
    {
        cx.emit(
            object,
            "BH-K8S-058",
            "/roleRef/name",
            format!("{who} grants the cluster-admin ClusterRole"),
        );
    }
    for (i, subject) in object
        .root
        .get("subjects")
        .and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let (Some(kind), Some(name)) = (subject.get_str("kind"), subject.get_str("name")) else {
            continue;
        };
        if BROAD_SUBJECTS.contains(&(kind, name)) {
            cx.emit(
                object,
                "BH-K8S-064",
                &format!("/subjects/{i}/name"),
                format!("{who} grants its role to {kind} {name}"),
            );
        }
        if kind == "ServiceAccount" && name == "default" {
            cx.emit(
                object,
                "BH-K8S-034",
                &format!("/subjects/{i}/name"),
                format!("{who} grants its role to a default ServiceAccount"),
            );
        }
    }
}
