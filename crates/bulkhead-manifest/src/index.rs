//! All objects of a scan, found by name and by label selector.

use std::collections::HashMap;

use crate::node::Node;
use crate::object::Object;
use crate::workload::{PodTemplate, pod_template};

/// A label selector: `metav1.LabelSelector` (`matchLabels` + `matchExpressions`), or the
/// plain map a Service or ReplicationController uses. All requirements must hold; an empty
/// selector matches everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector {
    pub requirements: Vec<Requirement>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    pub operator: Operator,
    /// For `In` and `NotIn`.
    pub values: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// Why a selector could not be read. Kubernetes rejects such objects; a rule may report it.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SelectorError {
    #[error("a label selector must be a mapping")]
    NotAMapping,
    #[error("`matchLabels` value for `{key}` is not a string")]
    NonStringLabel { key: String },
    #[error("`matchExpressions` entry {index} is not a mapping with a string `key`")]
    InvalidExpression { index: usize },
    #[error("unknown selector operator `{operator}`")]
    UnknownOperator { operator: String },
    #[error("operator `{operator}` for key `{key}` needs {needs}")]
    InvalidValues {
        key: String,
        operator: String,
        needs: &'static str,
    },
}

impl LabelSelector {
    /// Reads a `metav1.LabelSelector` (`matchLabels`, `matchExpressions`).
    pub fn from_label_selector(node: &Node) -> Result<Self, SelectorError> {
        if node.is_null() {
            return Ok(Self::default());
        }
        node.as_map().ok_or(SelectorError::NotAMapping)?;
        let mut requirements = match node.get("matchLabels") {
            Some(labels) if !labels.is_null() => Self::from_map(labels)?.requirements,
            _ => Vec::new(),
        };
        let expressions = node.get("matchExpressions").and_then(Node::as_seq);
        for (index, expr) in expressions.unwrap_or_default().iter().enumerate() {
            let key = expr
                .get_str("key")
                .ok_or(SelectorError::InvalidExpression { index })?;
            let op = expr
                .get_str("operator")
                .ok_or(SelectorError::InvalidExpression { index })?;
            let operator = match op {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                _ => {
                    return Err(SelectorError::UnknownOperator {
                        operator: op.to_owned(),
                    });
                }
            };
            let values: Vec<String> = expr
                .get("values")
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            // As apimachinery validates: In/NotIn need values, Exists/DoesNotExist none.
            let needs = match operator {
                Operator::In | Operator::NotIn if values.is_empty() => Some("values"),
                Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
                    Some("no values")
                }
                _ => None,
            };
            if let Some(needs) = needs {
                return Err(SelectorError::InvalidValues {
                    key: key.to_owned(),
                    operator: op.to_owned(),
                    needs,
                });
            }
            requirements.push(Requirement {
                key: key.to_owned(),
                operator,
                values,
            });
        }
        Ok(LabelSelector { requirements })
    }

    /// Reads a plain `key: value` selector (Service `spec.selector`, ReplicationController).
    pub fn from_map(node: &Node) -> Result<Self, SelectorError> {
        let entries = node.as_map().ok_or(SelectorError::NotAMapping)?;
        let requirements = entries
            .iter()
            .map(|e| {
                let value = e
                    .value
                    .as_str()
                    .ok_or_else(|| SelectorError::NonStringLabel { key: e.key.clone() })?;
                Ok(Requirement {
                    key: e.key.clone(),
                    operator: Operator::In,
                    values: vec![value.to_owned()],
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(LabelSelector { requirements })
    }

    /// Whether labels (looked up by `get`) satisfy every requirement.
    pub fn matches<'l>(&self, get: impl Fn(&str) -> Option<&'l str>) -> bool {
        self.requirements.iter().all(|r| {
            let value = get(&r.key);
            match r.operator {
                Operator::In => value.is_some_and(|v| r.values.iter().any(|x| x == v)),
                Operator::NotIn => value.is_none_or(|v| r.values.iter().all(|x| x != v)),
                Operator::Exists => value.is_some(),
                Operator::DoesNotExist => value.is_none(),
            }
        })
    }

    /// Whether a set of `(key, value)` labels satisfies the selector.
    pub fn matches_labels<'l>(&self, labels: impl IntoIterator<Item = (&'l str, &'l str)>) -> bool {
        let labels: HashMap<&str, &str> = labels.into_iter().collect();
        self.matches(|k| labels.get(k).copied())
    }
}

/// What an object selects pods with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// It selects no pods (a Service without a selector, a `policy/v1beta1` PDB with an
    /// empty one).
    Nothing,
    /// The pods its selector matches, in its namespace (an empty selector matches all).
    Pods(LabelSelector),
}

/// The pod selector of a Service, NetworkPolicy, PodDisruptionBudget or workload
/// (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, ReplicationController); `None` for
/// kinds that select no pods.
pub fn pod_selector(object: &Object) -> Option<Result<Selection, SelectorError>> {
    let spec = object.root.get("spec");
    let get = |name| spec.and_then(|s| s.get(name)).filter(|n| !n.is_null());
    Some(match (object.group(), object.kind.as_str()) {
        ("", "Service") => match get("selector") {
            None => Ok(Selection::Nothing),
            Some(node) => LabelSelector::from_map(node).map(Selection::Pods),
        },
        ("", "ReplicationController") => match get("selector") {
            Some(node) => LabelSelector::from_map(node).map(Selection::Pods),
            // Defaulted from the template's labels.
            None => Ok(Selection::Pods(LabelSelector::from_labels(
                pod_template(object)
                    .into_iter()
                    .flat_map(PodTemplate::labels),
            ))),
        },
        ("networking.k8s.io" | "extensions", "NetworkPolicy") => match get("podSelector") {
            None => Ok(Selection::Pods(LabelSelector::default())),
            Some(node) => LabelSelector::from_label_selector(node).map(Selection::Pods),
        },
        ("policy", "PodDisruptionBudget") => match get("selector") {
            // policy/v1: an empty selector selects every pod; v1beta1: none.
            Some(node) => LabelSelector::from_label_selector(node).map(|s| {
                if s.requirements.is_empty() && object.api_version == "policy/v1beta1" {
                    Selection::Nothing
                } else {
                    Selection::Pods(s)
                }
            }),
            None => Ok(Selection::Nothing),
        },
        (
            "apps" | "extensions" | "batch",
            "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Job",
        ) => match get("selector") {
            Some(node) => LabelSelector::from_label_selector(node).map(Selection::Pods),
            None => Ok(Selection::Pods(LabelSelector::from_labels(
                pod_template(object)
                    .into_iter()
                    .flat_map(PodTemplate::labels),
            ))),
        },
        _ => return None,
    })
}

impl LabelSelector {
    fn from_labels<'l>(labels: impl IntoIterator<Item = (&'l str, &'l str)>) -> Self {
        LabelSelector {
            requirements: labels
                .into_iter()
                .map(|(k, v)| Requirement {
                    key: k.to_owned(),
                    operator: Operator::In,
                    values: vec![v.to_owned()],
                })
                .collect(),
        }
    }
}

/// The objects of a scan, indexed.
#[derive(Debug, Default)]
pub struct Index {
    objects: Vec<Object>,
    by_name: HashMap<(String, Option<String>, String), Vec<usize>>,
    by_kind: HashMap<String, Vec<usize>>,
}

impl Index {
    #[must_use]
    pub fn new(objects: Vec<Object>) -> Self {
        let mut by_name: HashMap<_, Vec<usize>> = HashMap::new();
        let mut by_kind: HashMap<_, Vec<usize>> = HashMap::new();
        for (i, o) in objects.iter().enumerate() {
            by_kind.entry(o.kind.clone()).or_default().push(i);
            if let Some(name) = &o.name {
                let key = (
                    o.kind.clone(),
                    o.effective_namespace().map(str::to_owned),
                    name.clone(),
                );
                by_name.entry(key).or_default().push(i);
            }
        }
        Index {
            objects,
            by_name,
            by_kind,
        }
    }

    #[must_use]
    pub fn objects(&self) -> &[Object] {
        &self.objects
    }

    /// Objects with this kind, namespace (`None` for cluster-scoped kinds; a namespaced
    /// object without one is in `default`) and name: usually one, more if the scan declares
    /// the same object twice.
    pub fn get(
        &self,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> impl Iterator<Item = &Object> {
        let key = (
            kind.to_owned(),
            namespace.map(str::to_owned),
            name.to_owned(),
        );
        self.by_name
            .get(&key)
            .into_iter()
            .flatten()
            .map(|&i| &self.objects[i])
    }

    pub fn of_kind(&self, kind: &str) -> impl Iterator<Item = &Object> {
        self.by_kind
            .get(kind)
            .into_iter()
            .flatten()
            .map(|&i| &self.objects[i])
    }

    /// Objects that run pods (those with a [`pod_template`]).
    pub fn workloads(&self) -> impl Iterator<Item = &Object> {
        self.objects.iter().filter(|o| pod_template(o).is_some())
    }

    /// The workloads in `namespace` whose pods `selector` matches.
    #[must_use]
    pub fn select_workloads(
        &self,
        namespace: Option<&str>,
        selector: &LabelSelector,
    ) -> Vec<&Object> {
        self.workloads()
            .filter(|o| {
                o.effective_namespace() == namespace
                    && pod_template(o).is_some_and(|t| selector.matches_labels(t.labels()))
            })
            .collect()
    }

    /// The workloads whose pods a Service, NetworkPolicy or PodDisruptionBudget (or a
    /// workload's own selector) selects; `None` if the object selects no pods by kind,
    /// `Some(Err)` if its selector is malformed.
    pub fn selected_by<'s>(
        &'s self,
        object: &'s Object,
    ) -> Option<Result<Vec<&'s Object>, SelectorError>> {
        Some(pod_selector(object)?.map(|selection| match selection {
            Selection::Nothing => Vec::new(),
            Selection::Pods(selector) => {
                self.select_workloads(object.effective_namespace(), &selector)
            }
        }))
    }

    /// The NetworkPolicies whose `podSelector` selects this workload's pods.
    pub fn network_policies_for<'s>(&'s self, workload: &'s Object) -> Vec<&'s Object> {
        let Some(template) = pod_template(workload) else {
            return Vec::new();
        };
        let labels: HashMap<&str, &str> = template.labels().collect();
        self.of_kind("NetworkPolicy")
            .filter(|np| np.effective_namespace() == workload.effective_namespace())
            .filter(|np| {
                matches!(pod_selector(np), Some(Ok(Selection::Pods(s))) if s.matches(|k| labels.get(k).copied()))
            })
            .collect()
    }

    /// Workloads that no NetworkPolicy of the scan selects.
    pub fn workloads_without_network_policy(&self) -> impl Iterator<Item = &Object> {
        self.workloads()
            .filter(|w| self.network_policies_for(w).is_empty())
    }

    /// The Role or ClusterRole a RoleBinding or ClusterRoleBinding refers to (`roleRef`), if
    /// the scan has it. A RoleBinding's Role is looked up in the binding's namespace.
    pub fn role_ref<'s>(&'s self, binding: &'s Object) -> Option<&'s Object> {
        if binding.group() != "rbac.authorization.k8s.io"
            || !matches!(binding.kind.as_str(), "RoleBinding" | "ClusterRoleBinding")
        {
            return None;
        }
        let role_ref = binding.root.get("roleRef")?;
        let name = role_ref.get_str("name")?;
        let kind = role_ref.get_str("kind")?;
        let namespace = match kind {
            "Role" if binding.kind == "RoleBinding" => binding.effective_namespace(),
            "ClusterRole" => None,
            _ => return None,
        };
        self.get(kind, namespace, name)
            .find(|r| r.group() == "rbac.authorization.k8s.io")
    }
}
