//! Typed reads from an untyped pod, recording every field that has the wrong JSON type.
//!
//! The API server decodes a pod into Go structs before Pod Security Admission sees it, so a
//! field of the wrong type (`privileged: "true"`, `containers: 5`) never reaches the checks:
//! the request is rejected. We read JSON directly, so each check reads through a [`Reader`]
//! that treats such a field as absent *and* remembers it; the evaluator turns what a check
//! remembered into a "malformed" violation of that check. That keeps us closed on bad
//! input without becoming a schema validator: a malformed field no check reads (an `image`
//! that is a number) is not our business.
//!
//! `null` is absent, as in Go's decoder. Keys match exactly (Kubernetes decodes
//! case-sensitively and drops unknown fields), so `Privileged: true` is an unknown field,
//! not a privileged container.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::{FieldPath, MAX_PATHS, Root, Segment};

/// A JSON object.
pub(crate) type Obj = Map<String, Value>;

/// The malformed fields a reader kept, and how many more it only counted.
#[derive(Debug, Default)]
pub(crate) struct Recorded {
    pub(crate) malformed: Vec<Malformed>,
    pub(crate) omitted: usize,
}

impl Recorded {
    pub(crate) fn is_empty(&self) -> bool {
        self.malformed.is_empty() && self.omitted == 0
    }
}

/// A field that had the wrong JSON type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Malformed {
    pub(crate) path: FieldPath,
    pub(crate) expected: &'static str,
    pub(crate) found: &'static str,
}

/// What a check read wrongly typed. One per check evaluation.
///
/// Records are distinct (a check may read one bad `securityContext` once per field it
/// wants from it) and capped at [`MAX_PATHS`]; the rest are only counted, so a pod with a
/// million bad entries costs a million reads, not a million paths per check.
#[derive(Debug, Default)]
pub(crate) struct Reader {
    malformed: BTreeSet<Malformed>,
    omitted: usize,
}

impl Reader {
    pub(crate) fn record(&mut self, path: FieldPath, expected: &'static str, found: &Value) {
        self.insert(Malformed {
            path,
            expected,
            found: json_type(found),
        });
    }

    fn insert(&mut self, malformed: Malformed) {
        if self.malformed.len() < MAX_PATHS {
            self.malformed.insert(malformed);
        } else if !self.malformed.contains(&malformed) {
            self.omitted += 1;
        }
    }

    /// Adds what another reader recorded (the pod's structural problems).
    pub(crate) fn extend(&mut self, other: &Recorded) {
        for m in &other.malformed {
            self.insert(m.clone());
        }
        self.omitted += other.omitted;
    }

    /// Everything recorded, sorted, and how many more were not kept.
    pub(crate) fn into_recorded(self) -> Recorded {
        Recorded {
            malformed: self.malformed.into_iter().collect(),
            omitted: self.omitted,
        }
    }

    /// The value at `keys` below `base`, or `None` when a step is absent or `null`. Every
    /// intermediate step must be an object; one that is not is recorded and ends the walk.
    pub(crate) fn lookup<'a>(
        &mut self,
        base: Option<&'a Obj>,
        base_path: &FieldPath,
        keys: &[&str],
    ) -> Option<&'a Value> {
        let mut obj = base?;
        let (last, steps) = keys.split_last()?;
        for (i, key) in steps.iter().enumerate() {
            match obj.get(*key) {
                None | Some(Value::Null) => return None,
                Some(Value::Object(next)) => obj = next,
                Some(other) => {
                    self.record(base_path.keys(&keys[..=i]), "an object", other);
                    return None;
                }
            }
        }
        obj.get(*last).filter(|v| !v.is_null())
    }

    pub(crate) fn object<'a>(
        &mut self,
        base: Option<&'a Obj>,
        base_path: &FieldPath,
        keys: &[&str],
    ) -> Option<&'a Obj> {
        match self.lookup(base, base_path, keys)? {
            Value::Object(obj) => Some(obj),
            other => {
                self.record(base_path.keys(keys), "an object", other);
                None
            }
        }
    }

    pub(crate) fn array<'a>(
        &mut self,
        base: Option<&'a Obj>,
        base_path: &FieldPath,
        keys: &[&str],
    ) -> Option<&'a [Value]> {
        match self.lookup(base, base_path, keys)? {
            Value::Array(items) => Some(items),
            other => {
                self.record(base_path.keys(keys), "an array", other);
                None
            }
        }
    }

    pub(crate) fn bool(
        &mut self,
        base: Option<&Obj>,
        base_path: &FieldPath,
        keys: &[&str],
    ) -> Option<bool> {
        match self.lookup(base, base_path, keys)? {
            Value::Bool(b) => Some(*b),
            other => {
                self.record(base_path.keys(keys), "a boolean", other);
                None
            }
        }
    }

    pub(crate) fn str<'a>(
        &mut self,
        base: Option<&'a Obj>,
        base_path: &FieldPath,
        keys: &[&str],
    ) -> Option<&'a str> {
        match self.lookup(base, base_path, keys)? {
            Value::String(s) => Some(s),
            other => {
                self.record(base_path.keys(keys), "a string", other);
                None
            }
        }
    }

    /// An integer in `min..=max` (Go's `int32`/`int64` fields). A fraction or an
    /// out-of-range number fails Go's decoding, so it is malformed here too.
    pub(crate) fn int(
        &mut self,
        base: Option<&Obj>,
        base_path: &FieldPath,
        keys: &[&str],
        (min, max): (i64, i64),
    ) -> Option<i64> {
        let value = self.lookup(base, base_path, keys)?;
        match value.as_i64() {
            Some(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                let expected = if max == i64::from(i32::MAX) {
                    "a 32-bit integer"
                } else {
                    "a 64-bit integer"
                };
                self.record(base_path.keys(keys), expected, value);
                None
            }
        }
    }

    /// An array item that must be an object; `null` reads as an empty one, as Go decodes it.
    pub(crate) fn item_object<'a>(
        &mut self,
        item: &'a Value,
        array_path: &FieldPath,
        index: usize,
    ) -> Option<&'a Obj> {
        static EMPTY: LazyLock<Obj> = LazyLock::new(Obj::new);
        match item {
            Value::Null => Some(&EMPTY),
            Value::Object(obj) => Some(obj),
            other => {
                self.record(array_path.index(index), "an object", other);
                None
            }
        }
    }

    /// An array item that must be a string; `null` reads as `""`, as Go decodes it.
    pub(crate) fn item_str<'a>(
        &mut self,
        item: &'a Value,
        array_path: &FieldPath,
        index: usize,
    ) -> Option<&'a str> {
        match item {
            Value::Null => Some(""),
            Value::String(s) => Some(s),
            other => {
                self.record(array_path.index(index), "a string", other);
                None
            }
        }
    }
}

pub(crate) const INT32: (i64, i64) = (i32::MIN as i64, i32::MAX as i64);
pub(crate) const INT64: (i64, i64) = (i64::MIN, i64::MAX);

pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// One container of any kind, with where it sits.
#[derive(Debug)]
pub(crate) struct Container<'a> {
    /// `""` when absent or not a string: names only label messages.
    pub(crate) name: &'a str,
    /// An empty object for a `null` entry, which Go decodes as an empty container.
    pub(crate) obj: &'a Obj,
    pub(crate) path: FieldPath,
}

/// The pod as the checks see it: metadata and spec objects, and every container in
/// upstream's visiting order (init, regular, ephemeral).
#[derive(Debug)]
pub(crate) struct Pod<'a> {
    meta: Option<&'a Obj>,
    spec: Option<&'a Obj>,
    meta_malformed: Recorded,
    spec_malformed: Recorded,
    containers: Vec<Container<'a>>,
    containers_malformed: Recorded,
}

/// Upstream's `visitContainers` order.
const CONTAINER_LISTS: [&str; 3] = ["initContainers", "containers", "ephemeralContainers"];

impl<'a> Pod<'a> {
    pub(crate) fn new(metadata: &'a Value, spec: &'a Value) -> Self {
        let (meta, meta_malformed) = root_object(metadata, Root::Metadata);
        let (spec_obj, spec_malformed) = root_object(spec, Root::Spec);
        let mut r = Reader::default();
        let mut containers = Vec::new();
        let spec_path = FieldPath::at(Root::Spec);
        for list in CONTAINER_LISTS {
            let Some(items) = r.array(spec_obj, &spec_path, &[list]) else {
                continue;
            };
            let list_path = spec_path.key(list);
            for (i, item) in items.iter().enumerate() {
                let Some(obj) = r.item_object(item, &list_path, i) else {
                    continue;
                };
                let name = obj.get("name").and_then(Value::as_str).unwrap_or("");
                containers.push(Container {
                    name,
                    obj,
                    path: list_path.index(i),
                });
            }
        }
        Pod {
            meta,
            spec: spec_obj,
            meta_malformed,
            spec_malformed,
            containers,
            containers_malformed: r.into_recorded(),
        }
    }

    /// The spec object; reading it marks a spec that is not an object as malformed for the
    /// reading check.
    pub(crate) fn spec(&self, r: &mut Reader) -> Option<&'a Obj> {
        if !self.spec_malformed.is_empty() {
            r.extend(&self.spec_malformed);
        }
        self.spec
    }

    pub(crate) fn metadata(&self, r: &mut Reader) -> Option<&'a Obj> {
        if !self.meta_malformed.is_empty() {
            r.extend(&self.meta_malformed);
        }
        self.meta
    }

    /// Every container; a container list or entry of the wrong type is malformed for the
    /// reading check.
    pub(crate) fn containers(&self, r: &mut Reader) -> &[Container<'a>] {
        self.spec(r);
        if !self.containers_malformed.is_empty() {
            r.extend(&self.containers_malformed);
        }
        &self.containers
    }

    /// `spec.os.name == "windows"` (policy 1.25+ exempts such pods from the Linux-only
    /// restricted checks). A malformed `os` reads as not Windows: no exemption.
    pub(crate) fn is_windows(&self, r: &mut Reader) -> bool {
        let spec = self.spec(r);
        r.str(spec, &FieldPath::at(Root::Spec), &["os", "name"]) == Some("windows")
    }

    /// `spec.hostUsers == false`: the pod runs in a user namespace (KEP-127).
    pub(crate) fn in_user_namespace(&self, r: &mut Reader) -> bool {
        let spec = self.spec(r);
        r.bool(spec, &FieldPath::at(Root::Spec), &["hostUsers"]) == Some(false)
    }
}

fn root_object(value: &Value, root: Root) -> (Option<&Obj>, Recorded) {
    match value {
        Value::Null => (None, Recorded::default()),
        Value::Object(obj) => (Some(obj), Recorded::default()),
        other => {
            let mut r = Reader::default();
            r.record(FieldPath::at(root), "an object", other);
            (None, r.into_recorded())
        }
    }
}

impl FieldPath {
    pub(crate) fn at(root: Root) -> Self {
        FieldPath {
            root,
            segments: Vec::new(),
        }
    }

    pub(crate) fn key(&self, key: &str) -> Self {
        let mut path = self.clone();
        path.segments.push(Segment::Key(key.to_owned()));
        path
    }

    pub(crate) fn keys(&self, keys: &[&str]) -> Self {
        let mut path = self.clone();
        path.segments
            .extend(keys.iter().map(|k| Segment::Key((*k).to_owned())));
        path
    }

    pub(crate) fn index(&self, index: usize) -> Self {
        let mut path = self.clone();
        path.segments.push(Segment::Index(index));
        path
    }
}

// --- Messages in upstream's words -------------------------------------------------------

/// A value longer than this is cut in messages. Real names are at most 253 bytes; the cap
/// stops a hostile manifest from making each message as large as itself.
const MAX_VALUE_BYTES: usize = 1024;
/// Lists longer than this are elided in messages (the paths still name every field).
const MAX_LIST_ITEMS: usize = 100;

/// Upstream's `pluralize`.
pub(crate) fn pluralize(singular: &'static str, plural: &'static str, n: usize) -> &'static str {
    if n == 1 { singular } else { plural }
}

fn clip(s: &str) -> &str {
    if s.len() <= MAX_VALUE_BYTES {
        return s;
    }
    let mut end = MAX_VALUE_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn push_clipped(out: &mut String, s: &str) {
    let clipped = clip(s);
    out.push_str(clipped);
    if clipped.len() < s.len() {
        out.push('…');
    }
}

/// Upstream's `joinQuote`: `"a", "b"` (the values are not escaped, as upstream).
pub(crate) fn join_quote<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    join_with(items, |out, s| {
        out.push('"');
        push_clipped(out, s);
        out.push('"');
    })
}

/// Upstream's `strings.Join(items, ", ")`.
pub(crate) fn join_plain<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    join_with(items, push_clipped)
}

fn join_with<S: AsRef<str>>(
    items: impl IntoIterator<Item = S>,
    each: impl Fn(&mut String, &str),
) -> String {
    let mut out = String::new();
    let mut count = 0usize;
    for item in items {
        if count < MAX_LIST_ITEMS {
            if count > 0 {
                out.push_str(", ");
            }
            each(&mut out, item.as_ref());
        }
        count += 1;
    }
    if count > MAX_LIST_ITEMS {
        let _ = write!(out, ", … and {} more", count - MAX_LIST_ITEMS);
    }
    out
}

/// `fmt.Sprintf("%s=%q", key, value)`: how upstream names a forbidden annotation.
pub(crate) fn annotation_pair(key: &str, value: &str) -> String {
    let mut out = String::new();
    push_clipped(&mut out, key);
    out.push('=');
    out.push_str(&go_quote(clip(value)));
    if clip(value).len() < value.len() {
        out.push('…');
    }
    out
}

/// Go's `%q` for a string: a double-quoted literal with Go escapes. Printability follows
/// Rust's `char::is_control` plus the Unicode separators, which matches Go's
/// `strconv.IsPrint` for everything a manifest plausibly holds.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x80 && c.is_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                if (c as u32) <= 0xffff {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                } else {
                    let _ = write!(out, "\\U{:08x}", c as u32);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_quote_escapes_like_go() {
        assert_eq!(go_quote("unconfined"), r#""unconfined""#);
        assert_eq!(go_quote("a\"b\\c\n\u{1}"), r#""a\"b\\c\n\x01""#);
        assert_eq!(go_quote("é"), "\"é\"");
    }

    #[test]
    fn lists_and_values_are_capped() {
        let many: Vec<String> = (0..150).map(|i| i.to_string()).collect();
        let joined = join_quote(&many);
        assert!(joined.ends_with(r#""99", … and 50 more"#), "{joined}");
        let long = "x".repeat(5000);
        assert_eq!(
            join_quote([&long]).len(),
            MAX_VALUE_BYTES + 2 + '…'.len_utf8()
        );
    }
}
