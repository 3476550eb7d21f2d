//! The Kubernetes Pod Security Standards, as upstream Pod Security Admission enforces them.
//!
//! [`evaluate_pod`] takes a pod's metadata and spec as JSON, a [`Level`] and a policy
//! [`Version`], and returns one [`Violation`] per failed check, in upstream's order
//! (baseline checks by id, then restricted checks by id). The checks, their ids, version
//! ranges, overrides and messages are a port of `k8s.io/pod-security-admission/policy`
//! (`check_*.go`); [`checks`] lists them with their revisions.
//!
//! How a policy version resolves, as upstream's `checkRegistry` does it:
//!
//! - each check applies from its first revision's version, and a version uses the newest
//!   revision at or below it;
//! - at `restricted`, a restricted check that *overrides* a baseline check replaces it
//!   (`restrictedVolumes` replaces `hostPathVolumes`, for example), so one problem is
//!   reported once;
//! - `latest`, and any version newer than the newest revision we know ([`NEWEST_VERSION`]),
//!   evaluate as that newest version.
//!
//! Upstream's user-namespace relaxations (`hostUsers: false`) apply from policy v1.35 only:
//! earlier they sat behind a perma-alpha feature gate that was off by default and has since
//! been deleted.

mod checks;
mod read;

use std::fmt::{self, Write as _};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use checks::{CheckInfo, Revision, active_checks, check, checks};

use read::{Pod, Reader, Recorded, join_plain, pluralize};

/// The most paths a [`Violation`] lists; further offending fields are only counted in
/// [`Violation::omitted_paths`], so a hostile pod cannot make the result huge.
pub const MAX_PATHS: usize = 1000;

/// The newest policy version with a revision of its own; `latest` and anything newer
/// evaluate as this version.
pub const NEWEST_VERSION: Version = Version::V1(37);

/// A Pod Security Standards level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Unrestricted: nothing is checked.
    Privileged,
    /// Prevents known privilege escalations; a minimally restrictive default.
    Baseline,
    /// Current pod hardening best practice; includes everything in baseline.
    Restricted,
}

impl Level {
    pub const fn as_str(self) -> &'static str {
        match self {
            Level::Privileged => "privileged",
            Level::Baseline => "baseline",
            Level::Restricted => "restricted",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = PssError;

    /// The values of the `pod-security.kubernetes.io/<mode>` namespace labels; exact case,
    /// as upstream.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "privileged" => Ok(Level::Privileged),
            "baseline" => Ok(Level::Baseline),
            "restricted" => Ok(Level::Restricted),
            other => Err(PssError::UnknownLevel(clip_for_error(other))),
        }
    }
}

/// A policy version: `v1.<minor>` or `latest` (the values of the
/// `pod-security.kubernetes.io/<mode>-version` labels). `Latest` orders after every `V1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// `v1.<minor>`.
    V1(u32),
    /// `latest`: the newest policy this crate knows ([`NEWEST_VERSION`]).
    Latest,
}

impl Version {
    /// The minor version the checks are evaluated at: `latest` and versions past
    /// [`NEWEST_VERSION`] clamp to it.
    pub fn effective_minor(self) -> u32 {
        let Version::V1(newest) = NEWEST_VERSION else {
            unreachable!("NEWEST_VERSION is a concrete version")
        };
        match self {
            Version::V1(minor) => minor.min(newest),
            Version::Latest => newest,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::V1(minor) => write!(f, "v1.{minor}"),
            Version::Latest => f.write_str("latest"),
        }
    }
}

impl FromStr for Version {
    type Err = PssError;

    /// `latest` or `v1.<minor>` with no leading zeros, as upstream's `api.ParseVersion`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "latest" {
            return Ok(Version::Latest);
        }
        let invalid = || PssError::InvalidVersion(clip_for_error(s));
        let minor = s.strip_prefix("v1.").ok_or_else(invalid)?;
        let canonical = minor == "0" || (!minor.starts_with('0') && !minor.is_empty());
        if !canonical || !minor.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        minor.parse().map(Version::V1).map_err(|_| invalid())
    }
}

impl Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Errors parsing a level or a version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PssError {
    #[error("unknown Pod Security level `{0}`: expected `privileged`, `baseline` or `restricted`")]
    UnknownLevel(String),
    #[error(
        "invalid Pod Security version `{0}`: expected `latest` or `v1.<minor>`, such as `v1.30`"
    )]
    InvalidVersion(String),
}

/// Label values are at most 63 bytes; a longer input is cut so an error stays readable.
fn clip_for_error(s: &str) -> String {
    let mut end = s.len().min(64);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    if end < s.len() {
        format!("{}…", &s[..end])
    } else {
        s.to_owned()
    }
}

/// Which object a [`FieldPath`] starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Root {
    /// The pod spec passed to [`evaluate_pod`].
    Spec,
    /// The object metadata passed to [`evaluate_pod`] (annotations).
    Metadata,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Segment {
    Key(String),
    Index(usize),
}

/// Where an offending field is, relative to the spec or the metadata that was evaluated.
///
/// A pod template sits at different places in different workloads, so paths are relative:
/// [`FieldPath::pointer`] is a JSON pointer (RFC 6901) within its [`Root`], and
/// [`FieldPath::resolve`] prefixes it with where that root sits in the whole object.
/// `Display` uses Kubernetes' field-path style: `spec.containers[0].securityContext.privileged`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldPath {
    root: Root,
    segments: Vec<Segment>,
}

impl FieldPath {
    pub fn root(&self) -> Root {
        self.root
    }

    /// The JSON pointer within the root object, e.g. `/containers/0/securityContext/privileged`
    /// (empty for the root itself).
    pub fn pointer(&self) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            out.push('/');
            match segment {
                Segment::Key(key) => out.push_str(&key.replace('~', "~0").replace('/', "~1")),
                Segment::Index(i) => out.push_str(&i.to_string()),
            }
        }
        out
    }

    /// The JSON pointer within the whole object, given where the spec and the metadata sit in
    /// it: `("/spec", "/metadata")` for a Pod, `("/spec/template/spec",
    /// "/spec/template/metadata")` for a Deployment.
    pub fn resolve(&self, spec_pointer: &str, metadata_pointer: &str) -> String {
        let base = match self.root {
            Root::Spec => spec_pointer,
            Root::Metadata => metadata_pointer,
        };
        format!("{base}{}", self.pointer())
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.root {
            Root::Spec => "spec",
            Root::Metadata => "metadata",
        })?;
        for segment in &self.segments {
            match segment {
                Segment::Key(key) if is_plain_key(key) => write!(f, ".{key}")?,
                Segment::Key(key) => write!(f, "[{key}]")?,
                Segment::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// Field names print as `.name`; map keys with dots or slashes (annotations) as `[key]`.
fn is_plain_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl Serialize for FieldPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut s = serializer.serialize_struct("FieldPath", 2)?;
        s.serialize_field("root", &self.root)?;
        s.serialize_field("pointer", &self.pointer())?;
        s.end()
    }
}

/// One failed check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Upstream's check id, e.g. `privileged`, `hostNamespaces`, `seccompProfile_restricted`.
    pub check: &'static str,
    /// The level the check belongs to (a baseline check failed at `restricted` says
    /// `Baseline`).
    pub level: Level,
    /// Upstream's short reason, e.g. `privileged`, `host namespaces`; or `malformed field`.
    pub reason: String,
    /// Upstream's detail, e.g. `container "x" must not set securityContext.privileged=true`.
    pub detail: String,
    /// Each offending field; for a field that must be set, where it is missing. At most
    /// [`MAX_PATHS`], in the order upstream reports them (pod, then containers in visiting
    /// order).
    pub paths: Vec<FieldPath>,
    /// How many more offending fields there were beyond `paths`.
    pub omitted_paths: usize,
    /// The check read a field of the wrong JSON type. The API server would reject such a
    /// pod before admission; we report it against each check that could not judge it.
    pub malformed: bool,
}

impl Violation {
    /// Upstream's per-check text: `reason (detail)`.
    pub fn message(&self) -> String {
        if self.detail.is_empty() {
            self.reason.clone()
        } else {
            format!("{} ({})", self.reason, self.detail)
        }
    }
}

/// Upstream's aggregate message for a denied pod: each violation's `reason (detail)`,
/// joined by `, ` (what follows `violates PodSecurity "restricted:v1.30": `).
pub fn forbidden_detail(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(Violation::message)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Evaluates a pod against a level at a policy version.
///
/// `metadata` is the object metadata (only `annotations` is read: the AppArmor and, before
/// v1.19, the seccomp annotations); `spec` is the pod spec. Either may be `null`. Nothing
/// here panics on bad input: a field of the wrong type yields a violation with
/// [`Violation::malformed`] set, for each check that needed it.
pub fn evaluate_pod(
    metadata: &Value,
    spec: &Value,
    level: Level,
    version: Version,
) -> Vec<Violation> {
    let minor = version.effective_minor();
    let active = active_checks(level, Version::V1(minor));
    if active.is_empty() {
        return Vec::new();
    }
    let pod = Pod::new(metadata, spec);
    let mut violations = Vec::new();
    for check in active {
        let mut reader = Reader::default();
        if let Some(found) = check.run(&pod, minor, &mut reader) {
            let mut paths = found.paths;
            let omitted_paths = paths.len().saturating_sub(MAX_PATHS);
            paths.truncate(MAX_PATHS);
            violations.push(Violation {
                check: check.id,
                level: check.level,
                reason: found.reason,
                detail: found.detail,
                paths,
                omitted_paths,
                malformed: false,
            });
        }
        let recorded = reader.into_recorded();
        if !recorded.is_empty() {
            violations.push(malformed_violation(check, recorded));
        }
    }
    violations
}

fn malformed_violation(check: &CheckInfo, recorded: Recorded) -> Violation {
    let total = recorded.malformed.len() + recorded.omitted;
    let mut detail = join_plain(
        recorded
            .malformed
            .iter()
            .map(|m| format!("{} must be {}, not {}", m.path, m.expected, m.found)),
    );
    if recorded.omitted > 0 {
        let _ = write!(detail, " (and {} more)", recorded.omitted);
    }
    Violation {
        check: check.id,
        level: check.level,
        reason: pluralize("malformed field", "malformed fields", total).to_owned(),
        detail,
        paths: recorded.malformed.into_iter().map(|m| m.path).collect(),
        omitted_paths: recorded.omitted,
        malformed: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_like_upstream() {
        assert_eq!("latest".parse(), Ok(Version::Latest));
        assert_eq!("v1.0".parse(), Ok(Version::V1(0)));
        assert_eq!("v1.30".parse(), Ok(Version::V1(30)));
        for bad in [
            "",
            "v1.",
            "v1.01",
            "v2.0",
            "1.30",
            "v1.30.1",
            "v1.-1",
            "Latest",
            "v1.99999999999",
        ] {
            assert!(bad.parse::<Version>().is_err(), "{bad}");
        }
        assert!(Version::V1(99) < Version::Latest);
        assert_eq!(Version::V1(99).effective_minor(), 37);
        assert_eq!(Version::Latest.to_string(), "latest");
    }

    #[test]
    fn levels_parse_like_upstream() {
        assert_eq!("restricted".parse(), Ok(Level::Restricted));
        assert!("Restricted".parse::<Level>().is_err());
        let err = "x".repeat(1000).parse::<Level>().unwrap_err().to_string();
        assert!(err.len() < 200, "{err}");
    }

    #[test]
    fn paths_render_as_pointer_and_field_path() {
        let path = FieldPath {
            root: Root::Metadata,
            segments: vec![
                Segment::Key("annotations".into()),
                Segment::Key("container.apparmor.security.beta.kubernetes.io/c~1".into()),
            ],
        };
        assert_eq!(
            path.pointer(),
            "/annotations/container.apparmor.security.beta.kubernetes.io~1c~01"
        );
        assert_eq!(
            path.resolve("/spec/template/spec", "/spec/template/metadata"),
            "/spec/template/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1c~01"
        );
        assert_eq!(
            path.to_string(),
            "metadata.annotations[container.apparmor.security.beta.kubernetes.io/c~1]"
        );
    }
}
