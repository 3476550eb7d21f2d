//! Kubernetes manifests, loaded the way `kubectl` reads them, with a source position on every
//! node: the input of misconfiguration rules (a finding needs the file, line and column of
//! the offending field) and of RBAC and NetworkPolicy analysis.
//!
//! - [`load`] takes a file's label and bytes (YAML, multi-document YAML, or JSON, which is
//!   YAML) and returns a [`LoadResult`]: the [`Object`]s (`List` kinds flattened into their
//!   items), the documents [`Skipped`] because they are not Kubernetes objects (a
//!   `values.yaml`), and a [`DocError`] per document that could not be loaded (bad YAML, an
//!   unrendered Helm template, a hostile document). One bad document does not lose the
//!   others. [`Documents`] is the same, one document at a time.
//! - A document is a tree of [`Node`]s, each with a [`Span`] (1-based line and column,
//!   byte offsets). [`to_json`] gives the JSON the API server would receive;
//!   [`Node::pointer`] finds a node by JSON pointer and [`Node::locate`] the span a finding
//!   about a field should point at (its nearest existing ancestor if the field is missing).
//! - [`pod_template`] reduces every built-in workload to the pod it runs, with the pointer
//!   of its spec, and [`PodTemplate::containers`] lists containers, init containers and
//!   ephemeral containers with their pointers.
//! - [`Index`] holds all objects of a scan: by kind, namespace and name, and by label
//!   selector (which workloads a Service, NetworkPolicy or PodDisruptionBudget selects,
//!   which workloads no NetworkPolicy selects, which Role a RoleBinding refers to).
//!
//! **Scalars are resolved as Kubernetes resolves them**, not as YAML 1.2 would: kubectl and
//! the API server decode YAML with `sigs.k8s.io/yaml`, which is go-yaml v2 (YAML 1.1 words,
//! Go number syntax) followed by a JSON conversion. So `yes`, `on` and `y` are `true`,
//! `0644` is 420, `0o17` and `0x1F` and `1_000` are numbers, `08` is the float 8, quoted
//! scalars are strings, `.nan` as a value is an error, and the key `yes:` is `"true"`.
//! Merge keys (`<<`) follow go-yaml too: in document order, the later assignment wins.
//! A mapping key written twice is an error (kubectl keeps the last value, strict decoding
//! rejects the document: a scanner must not guess). See `resolve.rs`.
//!
//! **Hostile input** is bounded by [`Limits`]: nesting depth (an error, not a stack
//! overflow), and the nodes and bytes aliases may expand to (aliases are shared, never
//! copied, and their expansion is counted). Invalid UTF-8 fails its document only.
//!
//! What it deliberately does not do: read files (the caller passes bytes), render Helm or
//! Kustomize (a template is reported as such), validate objects against the API schema, or
//! judge anything (rules live in `bulkhead-misconfig`).
//!
//! ```
//! let yaml = b"apiVersion: apps/v1
//! kind: Deployment
//! metadata: {name: web}
//! spec:
//!   template:
//!     spec:
//!       containers:
//!       - name: app
//!         securityContext: {privileged: yes}
//! ";
//! let result = bulkhead_manifest::load("deploy.yaml", yaml);
//! let object = &result.objects[0];
//! let pod = bulkhead_manifest::pod_template(object).unwrap();
//! let container = pod.containers().next().unwrap();
//! let pointer = format!("{}/securityContext/privileged", container.pointer);
//! assert_eq!(object.root.pointer(&pointer).unwrap().as_bool(), Some(true));
//! let span = object.root.locate(&pointer).unwrap();
//! assert_eq!((span.start.line, span.start.column), (9, 27));
//! // A missing field points at its nearest ancestor: here the container.
//! let missing = object.root.locate(&format!("{}/resources/limits", container.pointer)).unwrap();
//! assert_eq!(missing.start.line, 8);
//! ```

mod error;
mod index;
mod node;
mod object;
mod parse;
mod resolve;
mod workload;

pub use error::{DocError, DocErrorKind, SkipReason, Skipped};
pub use index::{
    Index, LabelSelector, Operator, Requirement, Selection, SelectorError, pod_selector,
};
pub use node::{Entry, Node, Pos, Span, Value, escape_pointer_token, to_json};
pub use object::{LoadResult, Object, load, load_with_limits, objects_of};
pub use parse::{Document, Documents, Limits};
pub use workload::{Container, ContainerKind, PodTemplate, pod_template};
