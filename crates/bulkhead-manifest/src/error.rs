//! Why a document could not be loaded, and why one was skipped.

use std::fmt;
use std::sync::Arc;

/// A document that could not be loaded. The other documents of the file are unaffected.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{file}: document {document}, line {line}, column {column}: {kind}")]
pub struct DocError {
    /// The label the caller gave the file (its path, usually).
    pub file: Arc<str>,
    /// 1-based: the first `---`-separated document of the file is 1.
    pub document: usize,
    /// 1-based line and column of the problem.
    pub line: u32,
    pub column: u32,
    pub kind: DocErrorKind,
}

/// What is wrong with a document.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum DocErrorKind {
    /// The YAML parser's message.
    #[error("invalid YAML: {message}")]
    Syntax { message: String },
    /// The document failed to load and contains `{{`: a Helm (Go) template, not a manifest.
    /// `message` is what failed.
    #[error(
        "looks like an unrendered template (`{{{{ ... }}}}`); render it first, e.g. with `helm template` ({message})"
    )]
    Template { message: String },
    #[error("not valid UTF-8 (byte offset {offset})")]
    Encoding { offset: usize },
    #[error("nesting deeper than {limit} levels")]
    TooDeep { limit: usize },
    #[error("aliases expand to more than {limit} nodes (a \"billion laughs\" document)")]
    AliasNodes { limit: usize },
    #[error("aliases expand to more than {limit} bytes of text")]
    AliasBytes { limit: usize },
    #[error("an alias refers to the node that contains it")]
    RecursiveAlias,
    #[error("an alias refers to an undefined anchor")]
    UnknownAlias,
    /// Kubernetes keeps the last value (kubectl) or rejects the document (strict decoding,
    /// kustomize); a scanner that picked either could be told one thing while the cluster
    /// gets the other, so it is an error here.
    #[error("mapping key `{key}` already defined at line {first_line}")]
    DuplicateKey { key: String, first_line: u32 },
    /// A key `sigs.k8s.io/yaml` cannot turn into a JSON object key.
    #[error("unsupported mapping key: {what}")]
    InvalidKey { what: String },
    /// `.nan` or `.inf` as a value: `json.Marshal` refuses them, and so does kubectl.
    #[error("`{value}` cannot be represented in JSON (Kubernetes rejects the document)")]
    NotRepresentable { value: String },
    #[error("cannot decode {found} `{value}` as a {tag}")]
    TagMismatch {
        tag: String,
        found: String,
        value: String,
    },
    #[error("!!binary value contains invalid base64 data")]
    InvalidBinary,
    #[error("map merge (`<<`) requires a mapping or a sequence of mappings as the value")]
    InvalidMerge,
}

/// A document (or `List` item) that loaded as YAML but is not a Kubernetes object: a Helm
/// `values.yaml`, a `Chart.yaml`, a docker-compose file. Not an error.
#[derive(Clone, Debug, PartialEq)]
pub struct Skipped {
    pub file: Arc<str>,
    pub document: usize,
    pub line: u32,
    /// JSON pointer of the skipped node inside its document: `""`, or `/items/3` in a `List`.
    pub pointer: String,
    pub reason: SkipReason,
}

#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// The document is a sequence or a scalar, not a mapping.
    NotAMapping { found: &'static str },
    /// A mapping with neither `apiVersion` nor `kind`.
    NotKubernetes,
    /// A mapping with one of `apiVersion` and `kind` but not the other, or not as a
    /// non-empty string.
    MissingField { field: &'static str },
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::NotAMapping { found } => {
                write!(f, "the document is {found}, not a Kubernetes object")
            }
            SkipReason::NotKubernetes => {
                f.write_str("no `apiVersion` or `kind`: not a Kubernetes object")
            }
            SkipReason::MissingField { field } => {
                write!(f, "`{field}` is missing or not a string")
            }
        }
    }
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: document {}, line {}: skipped: {}",
            self.file, self.document, self.line, self.reason
        )
    }
}
