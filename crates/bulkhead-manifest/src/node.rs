//! The tree a document is loaded into: every node and every mapping key knows where it is.

use std::fmt;
use std::sync::Arc;

/// A position in the input: 1-based line and column (columns count Unicode scalar values,
/// SARIF's `unicodeCodePoints`), and the 0-based byte offset into the UTF-8 text.
///
/// The text is the input itself, except for UTF-16 input (with a byte order mark), which is
/// transcoded to UTF-8 first: its lines and columns are the same, its offsets are the
/// transcoded text's. A UTF-8 byte order mark at the start of a document is not counted as a
/// column (editors do not show it) but is counted in offsets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
    pub offset: usize,
}

/// Where a node is: from `start` (inclusive) to `end` (exclusive).
///
/// A scalar's span covers its text, including quotes, and a tag or anchor before it; a flow
/// collection's covers its brackets; a block collection's runs from its first entry to the end
/// of its last. A node copied in by an alias has the alias's span, and its children keep the
/// spans of the anchored original (that is where a user would change them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    /// The span from the start of `self` to the end of `other`.
    #[must_use]
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start,
            end: other.end,
        }
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.start.line, self.start.column)
    }
}

/// A loaded YAML (or JSON) value with its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

/// A node's value, already resolved the way Kubernetes resolves it (see the crate docs):
/// what `to_json` gives is what `kubectl` would send to the API server.
///
/// Collections are shared (`Arc`) so that an alias costs nothing to copy; the expansion limits
/// in [`crate::Limits`] still count what each alias would expand to.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// An integer (`i64`, or `u64` above `i64::MAX`) or a finite float.
    Number(serde_json::Number),
    String(String),
    Seq(Arc<[Node]>),
    /// Entries in document order; keys are unique (duplicates are a document error).
    Map(Arc<[Entry]>),
}

/// One `key: value` of a mapping. The key is the JSON object key Kubernetes would use: a
/// non-string key (`1:`, `true:`, `yes:`) is written the way `sigs.k8s.io/yaml` writes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Entry {
    /// From the start of the key to the end of the value: the region a finding about this
    /// field should highlight.
    #[must_use]
    pub fn span(&self) -> Span {
        self.key_span.to(self.value.span)
    }
}

impl Node {
    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_map(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The mapping entry for `key`, if this is a mapping that has it.
    #[must_use]
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_map()?.iter().find(|e| e.key == key)
    }

    /// The value of mapping field `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The value of field `key` if it is a string.
    #[must_use]
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key)?.as_str()
    }

    /// The node at an RFC 6901 JSON pointer (`""` is this node, `/spec/containers/0`), or
    /// `None` if it does not exist or the pointer is malformed.
    #[must_use]
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        let mut node = self;
        for token in tokens(pointer)? {
            node = step(node, &token)?.1;
        }
        Some(node)
    }

    /// Where the field at `pointer` is, for a finding: the span of its `key: value` entry (or
    /// of the node, for the root and sequence items). If the field does not exist, the span of
    /// its nearest existing ancestor, so that a "missing field" finding points at the parent.
    /// `None` only for a malformed pointer (one that is neither empty nor starts with `/`).
    #[must_use]
    pub fn locate(&self, pointer: &str) -> Option<Span> {
        let mut span = self.span;
        let mut node = self;
        for token in tokens(pointer)? {
            match step(node, &token) {
                Some((entry_span, next)) => {
                    span = entry_span;
                    node = next;
                }
                None => break,
            }
        }
        Some(span)
    }
}

/// One step down: the child named by `token` and the span a finding on it should use.
fn step<'n>(node: &'n Node, token: &str) -> Option<(Span, &'n Node)> {
    match &node.value {
        Value::Map(entries) => entries
            .iter()
            .find(|e| e.key == token)
            .map(|e| (e.span(), &e.value)),
        Value::Seq(items) => {
            // RFC 6901: decimal, no leading zeros (`-` names the end, which never exists).
            if token.is_empty()
                || (token.len() > 1 && token.starts_with('0'))
                || !token.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            let item = items.get(token.parse::<usize>().ok()?)?;
            Some((item.span, item))
        }
        _ => None,
    }
}

/// The unescaped reference tokens of a JSON pointer; `None` if it is malformed.
fn tokens(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    rest.split('/')
        .map(|raw| {
            if !raw.contains('~') {
                return Some(raw.to_owned());
            }
            let mut out = String::with_capacity(raw.len());
            let mut chars = raw.chars();
            while let Some(c) = chars.next() {
                if c == '~' {
                    match chars.next() {
                        Some('0') => out.push('~'),
                        Some('1') => out.push('/'),
                        _ => return None,
                    }
                } else {
                    out.push(c);
                }
            }
            Some(out)
        })
        .collect()
}

/// Escapes a mapping key as a JSON pointer token (`~` → `~0`, `/` → `~1`).
#[must_use]
pub fn escape_pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The JSON value Kubernetes would build from this node (`sigs.k8s.io/yaml`'s `YAMLToJSON`).
///
/// Recursion is bounded by [`crate::Limits::max_depth`], which every loaded node respects.
#[must_use]
pub fn to_json(node: &Node) -> serde_json::Value {
    match &node.value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => serde_json::Value::Number(n.clone()),
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Seq(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|e| (e.key.clone(), to_json(&e.value)))
                .collect(),
        ),
    }
}
