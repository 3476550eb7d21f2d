//! Documents → Kubernetes objects.

use std::sync::Arc;

use crate::error::{DocError, SkipReason, Skipped};
use crate::node::{Node, Value};
use crate::parse::{Document, Documents, Limits};

/// One Kubernetes object of a manifest.
#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    pub api_version: String,
    pub kind: String,
    /// `metadata.name`, if it is a string.
    pub name: Option<String>,
    /// `metadata.namespace` as written; see [`Object::effective_namespace`].
    pub namespace: Option<String>,
    /// The file label given to [`load`].
    pub file: Arc<str>,
    /// 1-based document number within the file.
    pub document: usize,
    /// Where the object sits in its document: `""`, or `/items/3` for an item of a `List`.
    /// Pointers into [`Object::root`] are relative to this; spans are absolute.
    pub pointer: String,
    pub root: Node,
}

/// The built-in kinds that are not namespaced. Whether a custom resource is namespaced is in
/// its CRD, which a scan may not have, so custom kinds count as namespaced.
const CLUSTER_SCOPED: &[&str] = &[
    "APIService",
    "CSIDriver",
    "CSINode",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ComponentStatus",
    "CustomResourceDefinition",
    "FlowSchema",
    "IngressClass",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
];

impl Object {
    /// Whether the kind is a built-in cluster-scoped one (custom kinds count as namespaced).
    #[must_use]
    pub fn is_cluster_scoped(&self) -> bool {
        CLUSTER_SCOPED.contains(&self.kind.as_str())
    }

    /// The namespace the object would land in: `None` for cluster-scoped kinds; otherwise
    /// `metadata.namespace`, or `default` when it is unset. (`kubectl apply -n X` would put all
    /// namespace-less objects in X instead; either way they share one namespace, which is
    /// what selector matching needs.)
    #[must_use]
    pub fn effective_namespace(&self) -> Option<&str> {
        if self.is_cluster_scoped() {
            None
        } else {
            Some(self.namespace.as_deref().unwrap_or("default"))
        }
    }

    /// The API group: `apps` for `apps/v1`, `""` for the core `v1`.
    #[must_use]
    pub fn group(&self) -> &str {
        self.api_version
            .rsplit_once('/')
            .map_or("", |(group, _)| group)
    }

    /// `metadata.labels` (string values only; Kubernetes rejects others).
    pub fn labels(&self) -> impl Iterator<Item = (&str, &str)> {
        string_map(self.root.pointer("/metadata/labels"))
    }

    /// The absolute JSON pointer (within the document) of a pointer relative to this object.
    #[must_use]
    pub fn document_pointer(&self, pointer: &str) -> String {
        format!("{}{pointer}", self.pointer)
    }
}

/// The string entries of a mapping node (empty for anything else).
pub(crate) fn string_map(node: Option<&Node>) -> impl Iterator<Item = (&str, &str)> {
    node.and_then(Node::as_map)
        .into_iter()
        .flatten()
        .filter_map(|e| Some((e.key.as_str(), e.value.as_str()?)))
}

/// Everything a file held: its objects, the documents that are not Kubernetes objects, and
/// the documents that could not be loaded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadResult {
    pub objects: Vec<Object>,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<DocError>,
}

/// Loads a manifest file (YAML, multi-document YAML, or JSON) with the default [`Limits`].
///
/// `file` labels the objects and errors (the path, usually). One bad document does not lose
/// the others. `List` kinds are flattened into their items.
#[must_use]
pub fn load(file: &str, bytes: &[u8]) -> LoadResult {
    load_with_limits(file, bytes, Limits::default())
}

#[must_use]
pub fn load_with_limits(file: &str, bytes: &[u8], limits: Limits) -> LoadResult {
    let mut result = LoadResult::default();
    let mut documents = Documents::with_limits(file, bytes, limits);
    let label = documents.file().clone();
    for doc in documents.by_ref() {
        match doc {
            Ok(doc) => objects_of(&label, doc, &mut result.objects, &mut result.skipped),
            Err(e) => result.errors.push(e),
        }
    }
    result
}

/// The objects of one loaded document (flattening `List`s); what is not an object goes to
/// `skipped`. A `null` document (`~`) is ignored, as kubectl ignores it.
pub fn objects_of(
    file: &Arc<str>,
    doc: Document,
    objects: &mut Vec<Object>,
    skipped: &mut Vec<Skipped>,
) {
    if doc.root.is_null() {
        return;
    }
    collect(file, doc.number, String::new(), doc.root, objects, skipped);
}

fn collect(
    file: &Arc<str>,
    document: usize,
    pointer: String,
    root: Node,
    objects: &mut Vec<Object>,
    skipped: &mut Vec<Skipped>,
) {
    let skip = |reason, pointer: String, root: &Node| Skipped {
        file: file.clone(),
        document,
        line: root.span.start.line,
        pointer,
        reason,
    };
    let found = match &root.value {
        Value::Map(_) => None,
        Value::Seq(_) => Some("a sequence"),
        Value::Null => Some("null"),
        _ => Some("a scalar"),
    };
    if let Some(found) = found {
        skipped.push(skip(SkipReason::NotAMapping { found }, pointer, &root));
        return;
    }
    let field = |name| {
        root.get(name)
            .and_then(Node::as_str)
            .filter(|s| !s.is_empty())
    };
    let (api_version, kind) = match (field("apiVersion"), field("kind")) {
        (Some(a), Some(k)) => (a.to_owned(), k.to_owned()),
        (None, None) if root.get("apiVersion").is_none() && root.get("kind").is_none() => {
            skipped.push(skip(SkipReason::NotKubernetes, pointer, &root));
            return;
        }
        (None, _) => {
            let reason = SkipReason::MissingField {
                field: "apiVersion",
            };
            skipped.push(skip(reason, pointer, &root));
            return;
        }
        (_, None) => {
            let reason = SkipReason::MissingField { field: "kind" };
            skipped.push(skip(reason, pointer, &root));
            return;
        }
    };
    if let Some(items) = root
        .get("items")
        .and_then(Node::as_seq)
        .filter(|_| kind.ends_with("List"))
    {
        for (i, item) in items.iter().enumerate() {
            let item_pointer = format!("{pointer}/items/{i}");
            collect(file, document, item_pointer, item.clone(), objects, skipped);
        }
        return;
    }
    let metadata = root.get("metadata");
    let meta = |name| metadata.and_then(|m| m.get_str(name)).map(str::to_owned);
    objects.push(Object {
        name: meta("name"),
        namespace: meta("namespace"),
        api_version,
        kind,
        file: file.clone(),
        document,
        pointer,
        root,
    });
}
