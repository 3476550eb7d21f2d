//! Workloads reduced to the pod they run, so that pod rules are written once.

use crate::node::Node;
use crate::object::Object;

/// The pod a workload runs: the Pod itself, or the template of a controller.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PodTemplate<'a> {
    /// The pod's `metadata` (labels, annotations), if written.
    pub metadata: Option<&'a Node>,
    /// The pod spec.
    pub spec: &'a Node,
    /// JSON pointer of `spec` within the object, e.g. `/spec/template/spec`.
    pub spec_pointer: &'static str,
    /// JSON pointer of `metadata` within the object, e.g. `/spec/template/metadata`.
    pub metadata_pointer: &'static str,
}

/// Where each built-in workload keeps its pod (group, kind, pod-spec pointer, metadata pointer).
const WORKLOADS: &[(&[&str], &str, &str, &str)] = &[
    (&[""], "Pod", "/spec", "/metadata"),
    (&[""], "PodTemplate", "/template/spec", "/template/metadata"),
    (
        &[""],
        "ReplicationController",
        "/spec/template/spec",
        "/spec/template/metadata",
    ),
    (
        &["apps", "extensions"],
        "Deployment",
        "/spec/template/spec",
        "/spec/template/metadata",
    ),
    (
        &["apps", "extensions"],
        "DaemonSet",
        "/spec/template/spec",
        "/spec/template/metadata",
    ),
    (
        &["apps", "extensions"],
        "ReplicaSet",
        "/spec/template/spec",
        "/spec/template/metadata",
    ),
    (
        &["apps"],
        "StatefulSet",
        "/spec/template/spec",
        "/spec/template/metadata",
    ),
    (
        &["batch"],
        "Job",
        "/spec/template/spec",
        "/spec/template/metadata",
    ),
    (
        &["batch"],
        "CronJob",
        "/spec/jobTemplate/spec/template/spec",
        "/spec/jobTemplate/spec/template/metadata",
    ),
];

/// The pod template of a built-in workload (Pod, PodTemplate, ReplicationController,
/// Deployment, DaemonSet, ReplicaSet, StatefulSet, Job, CronJob, in their API groups), or
/// `None` for other kinds or a workload without a pod spec mapping.
#[must_use]
pub fn pod_template(object: &Object) -> Option<PodTemplate<'_>> {
    let group = object.group();
    let &(_, _, spec_pointer, metadata_pointer) = WORKLOADS
        .iter()
        .find(|(groups, kind, ..)| *kind == object.kind && groups.contains(&group))?;
    let spec = object.root.pointer(spec_pointer)?;
    spec.as_map()?;
    Some(PodTemplate {
        metadata: object.root.pointer(metadata_pointer),
        spec,
        spec_pointer,
        metadata_pointer,
    })
}

/// Which list of the pod spec a container is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContainerKind {
    Container,
    Init,
    Ephemeral,
}

impl ContainerKind {
    /// The pod spec field that lists this kind.
    #[must_use]
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Container => "containers",
            ContainerKind::Init => "initContainers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }
}

/// One container of a pod template.
#[derive(Clone, Debug, PartialEq)]
pub struct Container<'a> {
    pub kind: ContainerKind,
    pub index: usize,
    pub node: &'a Node,
    /// JSON pointer within the object, e.g. `/spec/template/spec/initContainers/0`.
    pub pointer: String,
}

impl<'a> Container<'a> {
    #[must_use]
    pub fn name(&self) -> Option<&'a str> {
        self.node.get_str("name")
    }

    #[must_use]
    pub fn image(&self) -> Option<&'a str> {
        self.node.get_str("image")
    }
}

impl<'a> PodTemplate<'a> {
    /// The labels of the pod (string values only).
    pub fn labels(self) -> impl Iterator<Item = (&'a str, &'a str)> {
        crate::object::string_map(self.metadata.and_then(|m| m.get("labels")))
    }

    /// Every container: `containers`, then `initContainers`, then `ephemeralContainers`, each
    /// in order, with its pointer. Items that are not mappings are passed over.
    pub fn containers(self) -> impl Iterator<Item = Container<'a>> {
        let spec = self.spec;
        let spec_pointer = self.spec_pointer;
        [
            ContainerKind::Container,
            ContainerKind::Init,
            ContainerKind::Ephemeral,
        ]
        .into_iter()
        .flat_map(move |kind| {
            spec.get(kind.field())
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .enumerate()
                .filter(|(_, node)| node.as_map().is_some())
                .map(move |(index, node)| Container {
                    kind,
                    index,
                    node,
                    pointer: format!("{spec_pointer}/{}/{index}", kind.field()),
                })
        })
    }
}
