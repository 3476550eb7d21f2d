//! Suppressions the user has accounted for: an ignore file and OpenVEX documents.
//!
//! Two sources, both loaded into one [`Suppressions`] and applied to a [`ScanReport`] by
//! [`Suppressions::apply`]:
//!
//! - **Ignore files**, compatible with Trivy's. The line form (`.bulkheadignore`, or an
//!   existing `.trivyignore`) has one id per line: a CVE, GHSA or any alias of a
//!   vulnerability, or a rule id or alias of a secret or misconfiguration finding; `#` starts
//!   a comment, `exp:YYYY-MM-DD` after the id ends the entry after that day, and the comment
//!   after the id (or the comment lines right above it) is the reason. The YAML form
//!   (`.trivyignore.yaml`, chosen by a `.yaml`/`.yml` extension) has `vulnerabilities`,
//!   `secrets` and `misconfigurations` lists of `{id, paths, purls, expired_at, statement}`;
//!   `paths` are globs (`*`, `?`, `**`) over package locations or finding files, `purls` are
//!   Package URLs whose version and qualifiers, when given, must match too.
//! - **OpenVEX** documents (spec v0.2.0 and the earlier `https://openvex.dev/ns` drafts). A
//!   statement applies to a vulnerability row when one of its vulnerability's names, `@id`s
//!   or aliases is one of the row's ids, and a product (or one of its subcomponents) is the
//!   row's package, or the product is the scanned artifact itself. The latest applicable
//!   statement wins (by `timestamp`, inherited from the document; ties go to the statement
//!   read last); only `not_affected` and `fixed` suppress.
//!
//! Suppressed rows move to [`bulkhead_report::ScanTarget::suppressed`] with `by` = `ignorefile` or `vex` and a
//! reason, so JSON consumers can audit them; suppressed findings are removed and counted.
//!
//! What this crate deliberately does not do: read files (the CLI reads them with `fs_err`
//! and passes the bytes), read the clock (the caller passes today's date), or apply VEX to
//! findings (VEX speaks about vulnerabilities only).
//!
//! The glob matcher is our own: `globset` is not in the dependency tree, and the subset Trivy
//! documents (`*`, `**`, `?`) fits in a few dozen lines, and matching costs at most
//! pattern length × path length, whatever the pattern.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use bulkhead_finding::{Finding, Location};
use packageurl::PackageUrl;
use serde::Deserialize;
use serde::de::{Deserializer, Error as _, IgnoredAny};

use bulkhead_report::{Artifact, ScanReport, SuppressedVuln, VulnRow};

/// The largest ignore file or VEX document read: real ones are a few kilobytes.
pub const MAX_SUPPRESSION_FILE_BYTES: usize = 16 << 20;

/// `SuppressedVuln::by` for rows suppressed by an ignore file.
const BY_IGNORE_FILE: &str = "ignorefile";
/// `SuppressedVuln::by` for rows suppressed by a VEX statement.
const BY_VEX: &str = "vex";

/// Errors loading an ignore file or a VEX document. Each names the file, and the line when
/// the format has lines to point at.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SuppressError {
    #[error("`{}` is {size} bytes, over the limit of {limit} for suppression files", .path.display())]
    TooLarge {
        path: PathBuf,
        size: usize,
        limit: usize,
    },
    #[error("`{}` line {line}: not UTF-8 text", .path.display())]
    NotUtf8 { path: PathBuf, line: usize },
    /// A line of a line-form ignore file that cannot be understood.
    #[error("`{}` line {line}: {message}", .path.display())]
    IgnoreLine {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// A YAML ignore file that does not parse, or has an unknown key.
    #[error("`{}`{}: invalid ignore file", .path.display(), .line.map(|l| format!(" line {l}")).unwrap_or_default())]
    IgnoreYaml {
        path: PathBuf,
        line: Option<usize>,
        #[source]
        source: serde_yaml_ng::Error,
    },
    /// A YAML ignore entry that parses but cannot be used (1-based `index` in `section`).
    #[error("`{}`: `{section}` entry {index}: {message}", .path.display())]
    IgnoreEntry {
        path: PathBuf,
        section: &'static str,
        index: usize,
        message: String,
    },
    /// A VEX document that is not JSON, not OpenVEX, or has an invalid field.
    #[error("`{}` line {line}, column {column}: invalid OpenVEX document", .path.display())]
    Vex {
        path: PathBuf,
        line: usize,
        column: usize,
        #[source]
        source: serde_json::Error,
    },
}

/// A day in the proleptic Gregorian calendar, for ignore-entry expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarDate {
    year: i32,
    month: u8,
    day: u8,
}

/// A date that is not `YYYY-MM-DD` or not a real day.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid date `{0}`: expected YYYY-MM-DD")]
pub struct InvalidDate(pub String);

impl CalendarDate {
    /// `None` unless `month`/`day` name a real day of `year`.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Self> {
        let month = u8::try_from(month).ok().filter(|m| (1..=12).contains(m))?;
        let day = u8::try_from(day).ok()?;
        (day >= 1 && day <= days_in_month(year, month)).then_some(CalendarDate { year, month, day })
    }

    /// The UTC date at `time` (pass `SystemTime::now()` for today).
    pub fn from_system_time(time: SystemTime) -> Self {
        let seconds = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
        };
        Self::from_days_since_epoch(seconds.div_euclid(86_400))
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        u32::from(self.month)
    }

    pub fn day(self) -> u32 {
        u32::from(self.day)
    }

    /// Howard Hinnant's `civil_from_days`.
    fn from_days_since_epoch(days: i64) -> Self {
        let z = days.saturating_add(719_468);
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        CalendarDate {
            year: i32::try_from(year).unwrap_or(if year < 0 { i32::MIN } else { i32::MAX }),
            // In range by construction: 1..=12 and 1..=31.
            month: u8::try_from(month).unwrap_or(1),
            day: u8::try_from(day).unwrap_or(1),
        }
    }

    /// Howard Hinnant's `days_from_civil`.
    fn days_since_epoch(self) -> i64 {
        let (month, day) = (i64::from(self.month), i64::from(self.day));
        let year = i64::from(self.year) - i64::from(month <= 2);
        let era = year.div_euclid(400);
        let yoe = year.rem_euclid(400);
        let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl FromStr for CalendarDate {
    type Err = InvalidDate;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidDate(snippet(s));
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(invalid());
        }
        let number = |range: std::ops::Range<usize>| -> Option<u32> {
            let digits = s.get(range)?;
            digits
                .bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| digits.parse().ok())
                .flatten()
        };
        let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10))
        else {
            return Err(invalid());
        };
        let year = i32::try_from(year).map_err(|_| invalid())?;
        CalendarDate::new(year, month, day).ok_or_else(invalid)
    }
}

impl fmt::Display for CalendarDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// An instant from an RFC 3339 timestamp: seconds since the epoch, then nanoseconds. Ordered,
/// unlike the strings, whose offsets differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Timestamp(i64, u32);

/// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
fn parse_rfc3339(s: &str) -> Option<Timestamp> {
    let date: CalendarDate = s.get(..10)?.parse().ok()?;
    if !matches!(s.as_bytes().get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let two = |at: usize| -> Option<i64> {
        let digits = s.get(at..at + 2)?;
        digits
            .bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| digits.parse().ok())
            .flatten()
    };
    let (hour, minute, second) = (two(11)?, two(14)?, two(17)?);
    if s.get(13..14)? != ":" || s.get(16..17)? != ":" || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = s.get(19..)?;
    let mut nanos = 0u32;
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return None;
        }
        for (i, digit) in fraction.bytes().take(len).enumerate() {
            if i < 9 {
                nanos = nanos * 10 + u32::from(digit - b'0');
            }
        }
        for _ in len..9 {
            nanos *= 10;
        }
        rest = &fraction[len..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.get(3..4)? != ":" {
                return None;
            }
            let (h, m) = (two_digits(rest.get(1..3)?)?, two_digits(rest.get(4..6)?)?);
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 3600 + m * 60)
        }
    };
    let seconds = date.days_since_epoch() * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Some(Timestamp(seconds, nanos))
}

fn two_digits(s: &str) -> Option<i64> {
    (s.len() == 2 && s.bytes().all(|c| c.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// At most 80 characters of `s`, for echoing hostile input in messages.
fn snippet(s: &str) -> String {
    match s.char_indices().nth(80) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_owned(),
    }
}

/// A path glob: `*` and `?` within one path segment, `**` for any number of segments.
/// Other characters, `[` and `{` included, match themselves.
#[derive(Debug, Clone)]
struct Glob {
    text: String,
    segments: Vec<GlobSegment>,
}

#[derive(Debug, Clone)]
enum GlobSegment {
    AnyDirectories,
    Pattern(Vec<char>),
}

impl Glob {
    fn new(text: &str) -> Self {
        let segments = path_segments(text)
            .map(|segment| {
                if segment == "**" {
                    GlobSegment::AnyDirectories
                } else {
                    GlobSegment::Pattern(segment.chars().collect())
                }
            })
            .collect();
        Glob {
            text: text.to_owned(),
            segments,
        }
    }

    /// Dynamic programming over (pattern segments × path segments), so hostile patterns such
    /// as `**/**/**/x` cost a product of lengths, not an exponential.
    fn matches(&self, path: &str) -> bool {
        let parts: Vec<Vec<char>> = path_segments(path).map(|p| p.chars().collect()).collect();
        let mut reachable = vec![false; parts.len() + 1];
        reachable[0] = true;
        for segment in &self.segments {
            let mut next = vec![false; parts.len() + 1];
            match segment {
                GlobSegment::AnyDirectories => {
                    let mut any = false;
                    for (slot, &was) in next.iter_mut().zip(&reachable) {
                        any |= was;
                        *slot = any;
                    }
                }
                GlobSegment::Pattern(pattern) => {
                    for (j, part) in parts.iter().enumerate() {
                        next[j + 1] = reachable[j] && segment_matches(pattern, part);
                    }
                }
            }
            reachable = next;
        }
        reachable[parts.len()]
    }
}

/// `a/./b//c/` → `a`, `b`, `c`: leading `/` and `./` do not matter to users.
fn path_segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty() && *s != ".")
}

/// `*` (any run, `**` included) and `?` within one segment; the classic backtracking-to-the-
/// last-star algorithm, O(pattern × text) at worst.
fn segment_matches(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|&c| c == '*')
}

/// A Package URL split into the parts that are compared; percent-decoded and normalised per
/// type by the `packageurl` crate, qualifiers sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Purl {
    ty: String,
    namespace: Option<String>,
    name: String,
    version: Option<String>,
    qualifiers: BTreeMap<String, String>,
    subpath: Option<String>,
}

impl Purl {
    fn parse(text: &str) -> Option<Self> {
        let purl = PackageUrl::from_str(text.trim()).ok()?;
        Some(Purl {
            ty: purl.ty().to_ascii_lowercase(),
            namespace: purl.namespace().map(str::to_owned),
            name: purl.name().to_owned(),
            version: purl.version().map(str::to_owned),
            qualifiers: purl
                .qualifiers()
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
                .collect(),
            subpath: purl.subpath().map(str::to_owned),
        })
    }

    /// Whether `target` (a scanned package) is what this constraint names, as Trivy's
    /// `purl.Match`: a version, subpath or qualifier in the constraint must be in the target;
    /// what the constraint leaves out matches anything.
    fn matches(&self, target: &Purl) -> bool {
        self.ty == target.ty
            && self.namespace == target.namespace
            && self.name == target.name
            && self
                .version
                .as_ref()
                .is_none_or(|v| Some(v) == target.version.as_ref())
            && self
                .subpath
                .as_ref()
                .is_none_or(|s| Some(s) == target.subpath.as_ref())
            && self
                .qualifiers
                .iter()
                .all(|(k, v)| target.qualifiers.get(k) == Some(v))
    }
}

/// A purl from an ignore entry or VEX statement, kept as text when it does not parse (it then
/// matches only the identical string).
#[derive(Debug, Clone)]
struct PurlPattern {
    text: String,
    parsed: Option<Purl>,
}

impl PurlPattern {
    fn new(text: &str) -> Self {
        PurlPattern {
            text: text.trim().to_owned(),
            parsed: Purl::parse(text),
        }
    }

    fn matches(&self, row: &RowPurl<'_>) -> bool {
        match (&self.parsed, &row.parsed) {
            (Some(pattern), Some(target)) => pattern.matches(target),
            _ => self.text == row.text,
        }
    }
}

/// A row's purl, parsed once per row.
struct RowPurl<'a> {
    text: &'a str,
    parsed: Option<Purl>,
}

/// Which findings an ignore entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Applies {
    /// Line-form entries: Trivy applies them to every scanner, as the id says what it is.
    Everything,
    Vulnerabilities,
    Secrets,
    Misconfigurations,
}

#[derive(Debug, Clone)]
struct IgnoreEntry {
    id: Option<String>,
    applies: Applies,
    paths: Vec<Glob>,
    purls: Vec<PurlPattern>,
    expires: Option<CalendarDate>,
    reason: Option<String>,
    /// `file:line`, or `file (section entry N)` for YAML.
    origin: String,
}

impl IgnoreEntry {
    fn describe(&self) -> String {
        if let Some(id) = &self.id {
            return format!("`{id}` ({})", self.origin);
        }
        let scope: Vec<String> = (self.paths.iter().map(|g| g.text.as_str()))
            .chain(self.purls.iter().map(|p| p.text.as_str()))
            .map(|s| format!("`{s}`"))
            .collect();
        format!("entry for {} ({})", scope.join(", "), self.origin)
    }

    fn reason_text(&self) -> String {
        let origin = match self.expires {
            Some(expires) => format!("{}, expires {expires}", self.origin),
            None => self.origin.clone(),
        };
        match &self.reason {
            Some(reason) => format!("{reason} ({origin})"),
            None => format!("ignored by {origin}"),
        }
    }

    fn paths_match<'a>(&self, mut candidates: impl Iterator<Item = &'a str>) -> bool {
        self.paths.is_empty() || candidates.any(|path| self.paths.iter().any(|g| g.matches(path)))
    }
}

/// How a VEX statement's status decides a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum VexStatus {
    NotAffected,
    Affected,
    Fixed,
    UnderInvestigation,
}

impl VexStatus {
    fn suppresses(self) -> bool {
        matches!(self, VexStatus::NotAffected | VexStatus::Fixed)
    }

    fn as_str(self) -> &'static str {
        match self {
            VexStatus::NotAffected => "not_affected",
            VexStatus::Affected => "affected",
            VexStatus::Fixed => "fixed",
            VexStatus::UnderInvestigation => "under_investigation",
        }
    }
}

#[derive(Debug, Clone)]
struct VexStatement {
    products: Vec<VexProduct>,
    status: VexStatus,
    timestamp: Option<Timestamp>,
    /// Reading order across every document added, for ties and missing timestamps.
    sequence: usize,
    reason: String,
}

#[derive(Debug, Clone)]
struct VexProduct {
    /// `@id` and `identifiers.purl`: purls, image references or digests.
    ids: Vec<String>,
    purls: Vec<PurlPattern>,
    /// `sha256:<hex>` from `hashes: {"sha-256": …}`, lowercased.
    digests: Vec<String>,
    subcomponents: Vec<PurlPattern>,
}

impl VexProduct {
    fn applies_to(&self, artifact: &Artifact, row: &RowPurl<'_>) -> bool {
        if self.is_artifact(artifact) {
            return self.subcomponents.is_empty()
                || self.subcomponents.iter().any(|s| s.matches(row));
        }
        if self.purls.iter().any(|p| p.matches(row)) {
            return true;
        }
        // A package product with subcomponents ("app is not affected through its copy of
        // x/net"). Without a dependency graph in the report the subcomponent is matched
        // wherever it is; an image product that is not this artifact says nothing here.
        let names_a_package = self.purls.iter().any(|p| {
            p.parsed
                .as_ref()
                .is_some_and(|purl| purl.ty != "oci" && purl.ty != "docker")
        });
        names_a_package && self.subcomponents.iter().any(|s| s.matches(row))
    }

    fn is_artifact(&self, artifact: &Artifact) -> bool {
        let digest = artifact.digest.as_deref().map(str::to_ascii_lowercase);
        let digest = digest.as_deref();
        self.ids.iter().any(|id| {
            id == &artifact.name
                || digest.is_some_and(|d| {
                    let id = id.to_ascii_lowercase();
                    id == d || id.ends_with(&format!("@{d}"))
                })
        }) || digest.is_some_and(|d| self.digests.iter().any(|h| h == d))
            || self
                .purls
                .iter()
                .filter_map(|p| p.parsed.as_ref())
                .any(|p| image_purl_is_artifact(p, artifact, digest))
    }
}

/// `pkg:oci/name@sha256:…` names an image by digest; `pkg:docker/ns/name@tag` by reference.
fn image_purl_is_artifact(purl: &Purl, artifact: &Artifact, digest: Option<&str>) -> bool {
    let Some(version) = purl.version.as_deref() else {
        return false;
    };
    let by_digest = digest.is_some_and(|d| version.eq_ignore_ascii_case(d));
    match purl.ty.as_str() {
        "oci" => by_digest,
        "docker" => {
            let repository = match &purl.namespace {
                Some(ns) => format!("{ns}/{}", purl.name),
                None => purl.name.clone(),
            };
            let mut references = vec![normalize_reference(&format!("{repository}:{version}"))];
            if let Some(registry) = purl.qualifiers.get("repository_url") {
                references.push(normalize_reference(&format!(
                    "{}/{repository}:{version}",
                    registry.trim_end_matches('/')
                )));
            }
            by_digest || references.contains(&normalize_reference(&artifact.name))
        }
        _ => false,
    }
}

/// Docker Hub's implicit parts dropped: `docker.io/library/alpine:3` → `alpine:3`.
fn normalize_reference(reference: &str) -> String {
    let reference = reference.trim().to_ascii_lowercase();
    let reference = reference
        .strip_prefix("docker.io/")
        .or_else(|| reference.strip_prefix("index.docker.io/"))
        .unwrap_or(&reference);
    reference
        .strip_prefix("library/")
        .unwrap_or(reference)
        .to_owned()
}

/// What [`Suppressions::apply`] did, and what the CLI should warn about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SuppressionOutcome {
    /// Vulnerability rows moved to `suppressed`.
    pub vulnerabilities: usize,
    /// Secret and misconfiguration findings removed.
    pub findings: usize,
    /// Ignore entries that matched nothing (`` `CVE-…` (file:line) ``): stale entries should
    /// be removed, as cargo-deny's `unused-ignored-advisory` says.
    pub unused_ignores: Vec<String>,
    /// Ignore entries past their expiry date, which no longer apply.
    pub expired_ignores: Vec<String>,
}

/// Ignore entries and VEX statements, loaded from any number of files, applied to a report.
///
/// ```
/// use std::path::Path;
/// use bulkhead_suppress::{CalendarDate, Suppressions};
///
/// let today: CalendarDate = "2024-06-15".parse()?;
/// let mut suppressions = Suppressions::default();
/// suppressions.add_ignore_file(
///     Path::new(".bulkheadignore"),
///     b"# We never decode WebP.\nCVE-2023-4863 exp:2024-12-31\n",
///     today,
/// )?;
/// assert!(!suppressions.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Suppressions {
    ignores: Vec<IgnoreEntry>,
    /// Lowercased id → entries in `ignores`.
    ignores_by_id: HashMap<String, Vec<usize>>,
    /// Entries without an id (YAML `paths`/`purls` only).
    ignores_without_id: Vec<usize>,
    expired: Vec<IgnoreEntry>,
    statements: Vec<VexStatement>,
    /// Lowercased vulnerability name, `@id` or alias → statements.
    statements_by_id: HashMap<String, Vec<usize>>,
}

impl Suppressions {
    /// Whether nothing was loaded (expired entries aside).
    pub fn is_empty(&self) -> bool {
        self.ignores.is_empty() && self.statements.is_empty()
    }

    /// Adds an ignore file: YAML when `path` ends in `.yaml`/`.yml`, else the line form.
    /// Entries that expired before `today` are kept aside and reported by [`Self::apply`].
    pub fn add_ignore_file(
        &mut self,
        path: &Path,
        bytes: &[u8],
        today: CalendarDate,
    ) -> Result<(), SuppressError> {
        let text = checked_text(path, bytes)?;
        let is_yaml = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
        let entries = if is_yaml {
            parse_ignore_yaml(path, text)?
        } else {
            parse_ignore_lines(path, text)?
        };
        for entry in entries {
            if entry.expires.is_some_and(|expires| today > expires) {
                self.expired.push(entry);
                continue;
            }
            let index = self.ignores.len();
            match &entry.id {
                Some(id) => self
                    .ignores_by_id
                    .entry(id.to_ascii_lowercase())
                    .or_default()
                    .push(index),
                None => self.ignores_without_id.push(index),
            }
            self.ignores.push(entry);
        }
        Ok(())
    }

    /// Adds an OpenVEX JSON document. Statements from documents added later win ties.
    pub fn add_openvex(&mut self, path: &Path, bytes: &[u8]) -> Result<(), SuppressError> {
        check_size(path, bytes)?;
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let document: RawVexDocument =
            serde_json::from_slice(bytes).map_err(|source| SuppressError::Vex {
                path: path.to_owned(),
                line: source.line(),
                column: source.column(),
                source,
            })?;
        for raw in document.statements {
            let sequence = self.statements.len();
            let reason = vex_reason(&raw, path);
            let statement = VexStatement {
                products: raw.products.into_iter().map(VexProduct::from).collect(),
                status: raw.status,
                timestamp: raw.timestamp.or(document.timestamp),
                sequence,
                reason,
            };
            let mut ids: Vec<String> = raw
                .vulnerability
                .ids
                .iter()
                .map(|id| id.to_ascii_lowercase())
                .collect();
            ids.sort();
            ids.dedup();
            for id in ids {
                self.statements_by_id.entry(id).or_default().push(sequence);
            }
            self.statements.push(statement);
        }
        Ok(())
    }

    /// Moves suppressed vulnerability rows to each target's `suppressed` list and removes
    /// suppressed findings. An ignore entry is checked before VEX: it is the user's own call.
    pub fn apply(&self, report: &mut ScanReport) -> SuppressionOutcome {
        let mut used = vec![false; self.ignores.len()];
        let mut outcome = SuppressionOutcome::default();
        let ScanReport {
            artifact, results, ..
        } = report;
        for target in results.iter_mut() {
            let name = target.target.as_str();
            let finding_kind = if target.class == "secret" {
                Applies::Secrets
            } else {
                Applies::Misconfigurations
            };
            for row in std::mem::take(&mut target.vulnerabilities) {
                match self.row_suppression(artifact, name, &row, &mut used) {
                    Some((by, reason)) => {
                        outcome.vulnerabilities += 1;
                        target.suppressed.push(SuppressedVuln {
                            vulnerability: row,
                            by: by.to_owned(),
                            reason,
                        });
                    }
                    None => target.vulnerabilities.push(row),
                }
            }
            let before = target.findings.len();
            let findings = std::mem::take(&mut target.findings);
            target.findings = findings
                .into_iter()
                .filter(|f| !self.finding_ignored(finding_kind, name, f, &mut used))
                .collect();
            outcome.findings += before - target.findings.len();
        }
        outcome.unused_ignores = self
            .ignores
            .iter()
            .zip(&used)
            .filter(|(_, used)| !**used)
            .map(|(entry, _)| entry.describe())
            .collect();
        outcome.expired_ignores = self.expired.iter().map(IgnoreEntry::describe).collect();
        outcome
    }

    /// Ignore entries that could apply to something with these ids, in file order.
    fn candidate_ignores<'a>(&self, ids: impl Iterator<Item = &'a str>) -> Vec<usize> {
        let mut candidates: Vec<usize> = ids
            .filter_map(|id| self.ignores_by_id.get(&id.to_ascii_lowercase()))
            .flatten()
            .chain(&self.ignores_without_id)
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        candidates
    }

    fn row_suppression(
        &self,
        artifact: &Artifact,
        target: &str,
        row: &VulnRow,
        used: &mut [bool],
    ) -> Option<(&'static str, String)> {
        let purl = RowPurl {
            text: row.purl.trim(),
            parsed: Purl::parse(&row.purl),
        };
        let ignored = self.candidate_ignores(row.ids()).into_iter().find(|&i| {
            let entry = &self.ignores[i];
            matches!(
                entry.applies,
                Applies::Everything | Applies::Vulnerabilities
            ) && (entry.purls.is_empty() || entry.purls.iter().any(|p| p.matches(&purl)))
                && entry.paths_match(
                    row.locations
                        .iter()
                        .map(|l| l.path.as_str())
                        .chain([target]),
                )
        });
        if let Some(i) = ignored {
            used[i] = true;
            return Some((BY_IGNORE_FILE, self.ignores[i].reason_text()));
        }
        let latest = row
            .ids()
            .filter_map(|id| self.statements_by_id.get(&id.to_ascii_lowercase()))
            .flatten()
            .map(|&i| &self.statements[i])
            .filter(|s| s.products.iter().any(|p| p.applies_to(artifact, &purl)))
            .max_by_key(|s| (s.timestamp, s.sequence))?;
        latest
            .status
            .suppresses()
            .then(|| (BY_VEX, latest.reason.clone()))
    }

    fn finding_ignored(
        &self,
        kind: Applies,
        target: &str,
        finding: &Finding,
        used: &mut [bool],
    ) -> bool {
        let rule = &finding.rule;
        let ids = std::iter::once(rule.id.as_str()).chain(rule.aliases.iter().map(String::as_str));
        let path = match &finding.location {
            Location::Image { path, .. } => path.as_deref(),
            Location::File { path, .. } | Location::Commit { path, .. } => Some(path.as_str()),
            Location::Object { file, .. } => file.as_deref(),
        };
        let ignored = self.candidate_ignores(ids).into_iter().find(|&i| {
            let entry = &self.ignores[i];
            (entry.applies == Applies::Everything || entry.applies == kind)
                && entry.id.as_deref().is_none_or(|id| rule.answers_to(id))
                && entry.paths_match(path.into_iter().chain([target]))
        });
        if let Some(i) = ignored {
            used[i] = true;
        }
        ignored.is_some()
    }
}

fn check_size(path: &Path, bytes: &[u8]) -> Result<(), SuppressError> {
    if bytes.len() > MAX_SUPPRESSION_FILE_BYTES {
        return Err(SuppressError::TooLarge {
            path: path.to_owned(),
            size: bytes.len(),
            limit: MAX_SUPPRESSION_FILE_BYTES,
        });
    }
    Ok(())
}

/// The file as UTF-8 without a byte-order mark, or an error naming the first bad line.
fn checked_text<'a>(path: &Path, bytes: &'a [u8]) -> Result<&'a str, SuppressError> {
    check_size(path, bytes)?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| SuppressError::NotUtf8 {
        path: path.to_owned(),
        line: 1 + count_newlines(&bytes[..e.valid_up_to()]),
    })
}

/// Newlines in `bytes`, to name the line of the first invalid byte.
fn count_newlines(bytes: &[u8]) -> usize {
    bytes.split(|&b| b == b'\n').count() - 1
}

/// The line form: `ID [exp:YYYY-MM-DD] [# reason]`, comments and blank lines.
fn parse_ignore_lines(path: &Path, text: &str) -> Result<Vec<IgnoreEntry>, SuppressError> {
    let mut entries = Vec::new();
    // Comment lines right above an entry explain it, as Trivy's documentation writes them.
    let mut comment_above: Vec<&str> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line_number = index + 1;
        let line = raw.trim();
        if line.is_empty() {
            comment_above.clear();
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            comment_above.push(comment.trim());
            continue;
        }
        let error = |message: String| SuppressError::IgnoreLine {
            path: path.to_owned(),
            line: line_number,
            message,
        };
        let (body, comment) = split_comment(line);
        let mut tokens = body.split_whitespace();
        // The line is not empty and does not start with `#`, so there is a first token.
        let id = tokens.next().unwrap_or_default().to_owned();
        let mut expires = None;
        for token in tokens {
            let Some(date) = token.strip_prefix("exp:") else {
                return Err(error(format!(
                    "unexpected `{}` after the id: expected `exp:YYYY-MM-DD` or a `#` comment",
                    snippet(token)
                )));
            };
            if expires.is_some() {
                return Err(error("more than one `exp:` date".into()));
            }
            expires = Some(
                date.parse()
                    .map_err(|e: InvalidDate| error(format!("{e}")))?,
            );
        }
        let reason = comment
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .or_else(|| {
                let above = comment_above.join(" ");
                (!above.trim().is_empty()).then(|| above.trim().to_owned())
            });
        comment_above.clear();
        entries.push(IgnoreEntry {
            id: Some(id),
            applies: Applies::Everything,
            paths: Vec::new(),
            purls: Vec::new(),
            expires,
            reason,
            origin: format!("{}:{line_number}", path.display()),
        });
    }
    Ok(entries)
}

/// Splits at the first `#` that starts a word: `CVE-1 # why` → (`CVE-1 `, `why`).
fn split_comment(line: &str) -> (&str, Option<&str>) {
    let mut previous_is_space = true;
    for (i, c) in line.char_indices() {
        if c == '#' && previous_is_space {
            return (&line[..i], Some(&line[i + 1..]));
        }
        previous_is_space = c.is_whitespace();
    }
    (line, None)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnoreYaml {
    #[serde(default)]
    vulnerabilities: Option<Vec<Charged<RawIgnoreEntry>>>,
    #[serde(default)]
    secrets: Option<Vec<Charged<RawIgnoreEntry>>>,
    #[serde(default)]
    misconfigurations: Option<Vec<Charged<RawIgnoreEntry>>>,
    /// Trivy's license ignores: accepted so a `.trivyignore.yaml` loads; we report no licenses.
    /// Skipped unread, so aliases in it are never expanded.
    #[serde(default)]
    #[allow(dead_code)]
    licenses: Option<IgnoredAny>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnoreEntry {
    #[serde(default)]
    id: Option<Charged<String>>,
    #[serde(default)]
    paths: Option<Vec<Charged<String>>>,
    #[serde(default)]
    purls: Option<Vec<Charged<String>>>,
    #[serde(default)]
    expired_at: Option<Charged<String>>,
    #[serde(default)]
    statement: Option<Charged<String>>,
}

// YAML anchors and aliases let a small file stand for a huge one: serde_yaml_ng bounds the
// number of alias jumps, not how much each jump copies (`[*e, *e, …]` with `e` holding a
// long `paths` list). So every string and entry read from an ignore file is charged against
// a budget proportional to the file's size, which a file without aliases cannot exceed.
thread_local! {
    static YAML_BUDGET: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
}

/// Sets the budget for one parse on this thread, and lifts it when dropped.
struct YamlBudget;

impl YamlBudget {
    fn for_text(text: &str) -> Self {
        // A string of n bytes needs n + 1 bytes of text, an entry at least 2 (`{}` and a
        // separator): weights of n + 8 and 16 stay within 8× the text.
        let limit = text.len().saturating_mul(8).saturating_add(1 << 20);
        YAML_BUDGET.with(|budget| budget.set(limit));
        YamlBudget
    }
}

impl Drop for YamlBudget {
    fn drop(&mut self) {
        YAML_BUDGET.with(|budget| budget.set(usize::MAX));
    }
}

/// What a value costs against the budget.
trait Weight {
    fn weight(&self) -> usize;
}

impl Weight for String {
    fn weight(&self) -> usize {
        self.len() + 8
    }
}

impl Weight for RawIgnoreEntry {
    fn weight(&self) -> usize {
        16
    }
}

/// A value whose deserialization is charged against the thread's YAML budget.
#[derive(Debug)]
struct Charged<T>(T);

impl<T> std::ops::Deref for Charged<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<'de, T: Deserialize<'de> + Weight> Deserialize<'de> for Charged<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = T::deserialize(deserializer)?;
        let weight = value.weight();
        YAML_BUDGET.with(|budget| {
            let left = budget.get();
            if weight > left {
                return Err(D::Error::custom(
                    "the document expands (through aliases) far beyond its size",
                ));
            }
            budget.set(left - weight);
            Ok(Charged(value))
        })
    }
}

fn parse_ignore_yaml(path: &Path, text: &str) -> Result<Vec<IgnoreEntry>, SuppressError> {
    let budget = YamlBudget::for_text(text);
    // An empty file (or only comments) is an empty list, not an error.
    let raw: Option<RawIgnoreYaml> =
        serde_yaml_ng::from_str(text).map_err(|source| SuppressError::IgnoreYaml {
            path: path.to_owned(),
            line: source.location().map(|l| l.line()),
            source,
        })?;
    drop(budget);
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let mut entries = Vec::new();
    for (section, applies, list) in [
        (
            "vulnerabilities",
            Applies::Vulnerabilities,
            raw.vulnerabilities,
        ),
        ("secrets", Applies::Secrets, raw.secrets),
        (
            "misconfigurations",
            Applies::Misconfigurations,
            raw.misconfigurations,
        ),
    ] {
        for (index, Charged(raw_entry)) in list.unwrap_or_default().into_iter().enumerate() {
            entries.push(ignore_entry_from_yaml(
                path,
                section,
                applies,
                index + 1,
                raw_entry,
            )?);
        }
    }
    Ok(entries)
}

fn ignore_entry_from_yaml(
    path: &Path,
    section: &'static str,
    applies: Applies,
    index: usize,
    raw: RawIgnoreEntry,
) -> Result<IgnoreEntry, SuppressError> {
    let error = |message: String| SuppressError::IgnoreEntry {
        path: path.to_owned(),
        section,
        index,
        message,
    };
    let id = raw
        .id
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty());
    let paths: Vec<Glob> = raw
        .paths
        .unwrap_or_default()
        .iter()
        .map(|p| Glob::new(p))
        .collect();
    let purls = raw.purls.unwrap_or_default();
    if applies != Applies::Vulnerabilities && !purls.is_empty() {
        return Err(error("`purls` applies to vulnerabilities only".into()));
    }
    let purls: Vec<PurlPattern> = purls
        .iter()
        .map(|text| match Purl::parse(text) {
            Some(parsed) => Ok(PurlPattern {
                text: text.trim().to_owned(),
                parsed: Some(parsed),
            }),
            None => Err(error(format!("invalid purl `{}`", snippet(text)))),
        })
        .collect::<Result<_, _>>()?;
    if id.is_none() && paths.is_empty() && purls.is_empty() {
        return Err(error(
            "no `id`, `paths` or `purls`: the entry would suppress everything".into(),
        ));
    }
    let expires = raw
        .expired_at
        .map(|text| {
            let text = text.trim();
            // A full timestamp counts by its date.
            let date = match text.as_bytes().get(10) {
                Some(b'T' | b't' | b' ') => text.get(..10).unwrap_or(text),
                _ => text,
            };
            date.parse::<CalendarDate>().map_err(|_| {
                error(format!(
                    "invalid `expired_at` `{}`: expected YYYY-MM-DD",
                    snippet(text)
                ))
            })
        })
        .transpose()?;
    Ok(IgnoreEntry {
        id,
        applies,
        paths,
        purls,
        expires,
        reason: raw
            .statement
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty()),
        origin: format!("{} ({section} entry {index})", path.display()),
    })
}

#[derive(Debug, Deserialize)]
struct RawVexDocument {
    #[serde(rename = "@context", deserialize_with = "openvex_context")]
    #[allow(dead_code)]
    context: String,
    #[serde(default, deserialize_with = "optional_timestamp")]
    timestamp: Option<Timestamp>,
    statements: Vec<RawStatement>,
}

#[derive(Debug, Deserialize)]
struct RawStatement {
    vulnerability: VexVulnerability,
    /// Optional in the spec (an encapsulating document may name them); without products a
    /// statement applies to nothing here.
    #[serde(default)]
    products: Vec<RawComponent>,
    status: VexStatus,
    #[serde(default, deserialize_with = "optional_timestamp")]
    timestamp: Option<Timestamp>,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    impact_statement: Option<String>,
    #[serde(default)]
    action_statement: Option<String>,
}

/// Every name a statement's vulnerability goes by; validated to have at least one.
#[derive(Debug, Deserialize)]
#[serde(try_from = "RawVulnerability")]
struct VexVulnerability {
    ids: Vec<String>,
}

/// A vulnerability object (v0.2.0), or a bare name (the v0.0.1 drafts).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawVulnerability {
    Name(String),
    Object {
        #[serde(rename = "@id", default)]
        id: Option<String>,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        aliases: Vec<String>,
    },
}

impl TryFrom<RawVulnerability> for VexVulnerability {
    type Error = String;

    fn try_from(raw: RawVulnerability) -> Result<Self, Self::Error> {
        let mut ids = Vec::new();
        match raw {
            RawVulnerability::Name(name) => ids.push(name),
            RawVulnerability::Object { id, name, aliases } => {
                if let Some(iri) = id {
                    // `https://nvd.nist.gov/vuln/detail/CVE-2021-44228` also names the CVE.
                    if (iri.starts_with("http://") || iri.starts_with("https://"))
                        && let Some(last) = iri.trim_end_matches('/').rsplit('/').next()
                    {
                        ids.push(last.to_owned());
                    }
                    ids.push(iri);
                }
                ids.extend(name);
                ids.extend(aliases);
            }
        }
        ids.retain(|id| !id.trim().is_empty());
        if ids.is_empty() {
            return Err("the statement's `vulnerability` has no `name`, `@id` or `aliases`".into());
        }
        Ok(VexVulnerability {
            ids: ids.into_iter().map(|id| id.trim().to_owned()).collect(),
        })
    }
}

/// A product or subcomponent: an object (v0.2.0) or a bare identifier (the v0.0.1 drafts).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawComponent {
    Id(String),
    Object {
        #[serde(rename = "@id", default)]
        id: Option<String>,
        #[serde(default)]
        identifiers: BTreeMap<String, String>,
        #[serde(default)]
        hashes: BTreeMap<String, String>,
        #[serde(default)]
        subcomponents: Vec<RawComponent>,
    },
}

impl RawComponent {
    /// The component's identifiers and `sha256:`-style digests, without subcomponents.
    fn into_parts(self) -> (Vec<String>, Vec<String>, Vec<RawComponent>) {
        match self {
            RawComponent::Id(id) => (vec![id], Vec::new(), Vec::new()),
            RawComponent::Object {
                id,
                identifiers,
                hashes,
                subcomponents,
            } => {
                let mut ids: Vec<String> = id.into_iter().collect();
                ids.extend(identifiers.get("purl").cloned());
                let digests = hashes
                    .iter()
                    .map(|(algorithm, hex)| {
                        format!(
                            "{}:{}",
                            algorithm.to_ascii_lowercase().replace('-', ""),
                            hex.trim().to_ascii_lowercase()
                        )
                    })
                    .collect();
                (ids, digests, subcomponents)
            }
        }
    }
}

impl From<RawComponent> for VexProduct {
    fn from(raw: RawComponent) -> Self {
        let (ids, digests, subcomponents) = raw.into_parts();
        let purls = purls_among(&ids);
        let subcomponents = subcomponents
            .into_iter()
            .flat_map(|s| purls_among(&s.into_parts().0))
            .collect();
        VexProduct {
            ids: ids.into_iter().map(|id| id.trim().to_owned()).collect(),
            purls,
            digests,
            subcomponents,
        }
    }
}

fn purls_among(ids: &[String]) -> Vec<PurlPattern> {
    ids.iter()
        .filter(|id| id.trim_start().starts_with("pkg:"))
        .map(|id| PurlPattern::new(id))
        .collect()
}

/// `not_affected (vulnerable_code_not_in_execute_path): <impact statement>; from vex.json`.
fn vex_reason(statement: &RawStatement, path: &Path) -> String {
    let mut reason = statement.status.as_str().to_owned();
    if let Some(justification) = statement.justification.as_deref().map(str::trim)
        && !justification.is_empty()
    {
        reason.push_str(" (");
        reason.push_str(justification);
        reason.push(')');
    }
    let text = statement
        .impact_statement
        .as_deref()
        .or(statement
            .action_statement
            .as_deref()
            .filter(|_| statement.status == VexStatus::Fixed))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    if let Some(text) = text {
        reason.push_str(": ");
        reason.push_str(text);
    }
    reason.push_str("; from ");
    reason.push_str(&path.display().to_string());
    reason
}

fn openvex_context<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let context = String::deserialize(deserializer)?;
    if context.starts_with("https://openvex.dev/ns") {
        Ok(context)
    } else {
        Err(D::Error::custom(format!(
            "`@context` is `{}`: expected `https://openvex.dev/ns/v0.2.0`",
            snippet(&context)
        )))
    }
}

fn optional_timestamp<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Timestamp>, D::Error> {
    Option::<String>::deserialize(deserializer)?
        .map(|text| {
            parse_rfc3339(text.trim()).ok_or_else(|| {
                D::Error::custom(format!(
                    "invalid timestamp `{}`: expected RFC 3339",
                    snippet(&text)
                ))
            })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use bulkhead_finding::{RuleId, Severity};

    use super::*;
    use bulkhead_report::{RowLocation, ScanTarget};

    const TODAY: &str = "2024-06-15";

    fn today() -> CalendarDate {
        TODAY.parse().unwrap()
    }

    fn row(id: &str, aliases: &[&str], purl: &str, path: &str) -> VulnRow {
        VulnRow {
            id: id.into(),
            aliases: aliases.iter().map(|a| (*a).into()).collect(),
            package: Purl::parse(purl).map_or_else(|| "?".into(), |p| p.name),
            source_package: None,
            purl: purl.into(),
            installed_version: "1".into(),
            fixed_version: None,
            severity: Severity::High,
            cvss_score: None,
            cvss_vector: None,
            title: String::new(),
            references: Vec::new(),
            sources: vec!["test".into()],
            locations: vec![RowLocation {
                path: path.into(),
                layer: None,
            }],
        }
    }

    fn finding(rule: RuleId, path: &str) -> Finding {
        Finding {
            rule,
            severity: Severity::High,
            title: "t".into(),
            location: Location::File {
                path: path.into(),
                line: Some(1),
                column: None,
            },
            evidence: None,
            remediation: None,
            fingerprint: None,
        }
    }

    fn target(name: &str, class: &str, rows: Vec<VulnRow>, findings: Vec<Finding>) -> ScanTarget {
        ScanTarget {
            target: name.into(),
            class: class.into(),
            kind: None,
            packages: 0,
            vulnerabilities: rows,
            suppressed: Vec::new(),
            suppressed_findings: Vec::new(),
            findings,
        }
    }

    fn report(name: &str, digest: Option<&str>, results: Vec<ScanTarget>) -> ScanReport {
        // Through JSON, so optional fields added to the report later need no change here.
        let mut report: ScanReport = serde_json::from_value(serde_json::json!({
            "artifact": {"name": name, "kind": "container_image", "digest": digest},
            "results": [],
        }))
        .unwrap();
        report.results = results;
        report
    }

    fn one_target(rows: Vec<VulnRow>) -> ScanReport {
        report(
            "app:1",
            None,
            vec![target("app (debian 12)", "os-pkgs", rows, Vec::new())],
        )
    }

    /// (id, purl) of the rows left reported.
    fn kept(report: &ScanReport) -> Vec<(String, String)> {
        report
            .vulnerabilities()
            .map(|(_, r)| (r.id.clone(), r.purl.clone()))
            .collect()
    }

    fn suppressed(report: &ScanReport) -> Vec<(String, String, String, String)> {
        report
            .results
            .iter()
            .flat_map(|t| &t.suppressed)
            .map(|s| {
                (
                    s.vulnerability.id.clone(),
                    s.vulnerability.purl.clone(),
                    s.by.clone(),
                    s.reason.clone(),
                )
            })
            .collect()
    }

    fn ignore(path: &str, text: &str) -> Suppressions {
        let mut s = Suppressions::default();
        s.add_ignore_file(Path::new(path), text.as_bytes(), today())
            .unwrap();
        s
    }

    fn vex(documents: &[&str]) -> Suppressions {
        let mut s = Suppressions::default();
        for (i, doc) in documents.iter().enumerate() {
            s.add_openvex(Path::new(&format!("vex{i}.json")), doc.as_bytes())
                .unwrap();
        }
        s
    }

    const LIBC: &str = "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12";
    const OPENSSL: &str = "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12";

    // ---- dates and timestamps ----

    #[test]
    fn calendar_dates_parse_and_validate() {
        let d: CalendarDate = "2024-02-29".parse().unwrap();
        assert_eq!((d.year(), d.month(), d.day()), (2024, 2, 29));
        assert_eq!(d.to_string(), "2024-02-29");
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-1-01",
            "24-01-01",
            "2024-01-32",
            "２024-01-01",
            "",
        ] {
            assert!(bad.parse::<CalendarDate>().is_err(), "{bad}");
        }
        assert!("1900-02-29".parse::<CalendarDate>().is_err());
        assert!("2000-02-29".parse::<CalendarDate>().is_ok());
    }

    #[test]
    fn calendar_date_from_system_time_is_utc() {
        let at = |secs: u64| {
            CalendarDate::from_system_time(UNIX_EPOCH + std::time::Duration::from_secs(secs))
        };
        assert_eq!(at(0).to_string(), "1970-01-01");
        // 2024-02-29T23:59:59Z and one second later.
        assert_eq!(at(1_709_251_199).to_string(), "2024-02-29");
        assert_eq!(at(1_709_251_200).to_string(), "2024-03-01");
        let before = CalendarDate::from_system_time(UNIX_EPOCH - std::time::Duration::from_secs(1));
        assert_eq!(before.to_string(), "1969-12-31");
        for days in [-800_000_i64, -1, 0, 59, 11_016, 2_932_896] {
            let date = CalendarDate::from_days_since_epoch(days);
            assert_eq!(date.days_since_epoch(), days, "{date}");
        }
    }

    #[test]
    fn timestamps_compare_as_instants_not_strings() {
        let a = parse_rfc3339("2023-01-09T00:30:00+02:00").unwrap();
        let b = parse_rfc3339("2023-01-08T23:00:00Z").unwrap();
        assert!(a < b, "00:30+02:00 is 22:30Z, before 23:00Z");
        let spec = parse_rfc3339("2023-01-08T18:02:03.647787998-06:00").unwrap();
        assert_eq!(spec, Timestamp(1_673_222_523, 647_787_998));
        assert_eq!(
            parse_rfc3339("1970-01-01T00:00:00.5Z"),
            Some(Timestamp(0, 500_000_000))
        );
        for bad in [
            "2023-01-08",
            "2023-01-08T18:02:03",
            "2023-01-08T25:00:00Z",
            "2023-01-08T18:02:03+0600",
            "2023-01-08T18:02:03.Z",
            "2023-01-08T18:02:03Zjunk",
            "2023-01-08T18:0é:03Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    // ---- globs and purls ----

    #[test]
    fn globs_follow_doublestar() {
        let m = |pattern: &str, path: &str| Glob::new(pattern).matches(path);
        assert!(m("**/*-lock.json", "package-lock.json"));
        assert!(m("**/*-lock.json", "app/web/package-lock.json"));
        assert!(!m("**/*-lock.json", "app/package.json"));
        assert!(m("bar/package.json", "/bar/package.json"));
        assert!(m("./bar/package.json", "bar//package.json"));
        assert!(!m("bar/*.json", "bar/sub/x.json"));
        assert!(m("vendor/**", "vendor"));
        assert!(m("vendor/**", "vendor/a/b/c.go"));
        assert!(m(
            "usr/lib/python3*/**/METADATA",
            "usr/lib/python3.11/site-packages/x/METADATA"
        ));
        assert!(m("file?.txt", "file1.txt"));
        assert!(!m("file?.txt", "file10.txt"));
        assert!(m("[a].txt", "[a].txt"), "classes are literal");
        assert!(!m("[a].txt", "a.txt"));
        assert!(!m("a/b", "a"));
        assert!(!m("a", "a/b"));
    }

    #[test]
    fn hostile_globs_stay_fast() {
        let text: String = "a".repeat(5_000);
        let pattern = format!("{}b", "*a".repeat(2_000));
        assert!(!Glob::new(&pattern).matches(&text));
        let deep = "x/".repeat(2_000);
        let many = format!("{}y", "**/".repeat(500));
        assert!(!Glob::new(&many).matches(&deep));
        assert!(Glob::new(&format!("{many}/**")).matches(&format!("{deep}y/z")));
    }

    #[test]
    fn purls_match_as_trivy_constraints() {
        let m = |pattern: &str, target: &str| {
            PurlPattern::new(pattern).matches(&RowPurl {
                text: target,
                parsed: Purl::parse(target),
            })
        };
        // No version in the constraint: any version.
        assert!(m("pkg:deb/debian/libc6", LIBC));
        // Percent-encoding and qualifier order do not matter.
        assert!(m(
            "pkg:deb/debian/libc6@2.36-9+deb12u4?distro=debian-12&arch=amd64",
            LIBC
        ));
        // Constraint qualifiers must all be in the target; the target may have more.
        assert!(m("pkg:deb/debian/libc6?arch=amd64", LIBC));
        assert!(!m("pkg:deb/debian/libc6?arch=arm64", LIBC));
        assert!(!m("pkg:deb/debian/libc6@2.36-9+deb12u3", LIBC));
        assert!(!m("pkg:deb/ubuntu/libc6", LIBC));
        assert!(!m("pkg:rpm/debian/libc6", LIBC));
        assert!(m(
            "pkg:npm/%40babel/core@7.0.0",
            "pkg:npm/@babel/core@7.0.0"
        ));
        // Type-specific normalisation (deb names are case-insensitive).
        assert!(m("pkg:deb/Debian/LIBC6", LIBC));
        // Unparsable text only matches itself.
        assert!(m("not a purl", "not a purl"));
        assert!(!m("not a purl", LIBC));
    }

    #[test]
    fn hostile_purls_do_not_panic() {
        for text in [
            "",
            "pkg:",
            "pkg:/",
            "pkg:a/",
            "pkg:a/b@",
            "pkg:a/b?",
            "pkg:a/b#",
            "pkg:a/%",
            "pkg:a/%ff%fe",
            "pkg:é/ü@ö?ä=ß#∂",
            "pkg:deb/@@@/x@%zz",
            "pkg:a/b?=&=&k",
            "pkg:a/b#../../..",
        ] {
            let _ = Purl::parse(text);
            let _ = PurlPattern::new(text).matches(&RowPurl {
                text,
                parsed: Purl::parse(text),
            });
        }
    }

    // ---- the line form ----

    #[test]
    fn ignore_lines_with_comments_reasons_and_expiry() {
        let text = "\u{feff}# Accept the risk\r\n\
                    CVE-2018-14618\r\n\
                    \r\n\
                    CVE-2019-14697 exp:2024-06-15 # fixed upstream next sprint\r\n\
                    CVE-2019-1543    exp:2024-06-14\r\n\
                    \t  # No impact in our settings\n\
                    #   (read-only rootfs)\n\
                    CVE-2020-0001\n\
                    # dangling comment, then a blank line\n\
                    \n\
                    CVE-2020-0002\n";
        let s = ignore(".bulkheadignore", text);
        let mut r = one_target(vec![
            row("CVE-2018-14618", &[], LIBC, "var/lib/dpkg/status"),
            row("CVE-2019-14697", &[], LIBC, "var/lib/dpkg/status"),
            row("CVE-2019-1543", &[], OPENSSL, "var/lib/dpkg/status"),
            row("CVE-2020-0001", &[], OPENSSL, "var/lib/dpkg/status"),
            row("CVE-2020-0002", &[], OPENSSL, "var/lib/dpkg/status"),
            row("CVE-2099-0001", &[], OPENSSL, "var/lib/dpkg/status"),
        ]);
        let outcome = s.apply(&mut r);
        assert_eq!(
            kept(&r),
            [
                ("CVE-2019-1543".into(), OPENSSL.into()),
                ("CVE-2099-0001".into(), OPENSSL.into())
            ]
        );
        let reasons: Vec<_> = suppressed(&r)
            .into_iter()
            .map(|s| (s.0, s.2, s.3))
            .collect();
        assert_eq!(
            reasons,
            [
                (
                    "CVE-2018-14618".into(),
                    "ignorefile".into(),
                    "Accept the risk (.bulkheadignore:2)".into()
                ),
                (
                    "CVE-2019-14697".into(),
                    "ignorefile".into(),
                    "fixed upstream next sprint (.bulkheadignore:4, expires 2024-06-15)".into()
                ),
                (
                    "CVE-2020-0001".into(),
                    "ignorefile".into(),
                    "No impact in our settings (read-only rootfs) (.bulkheadignore:8)".into()
                ),
                (
                    "CVE-2020-0002".into(),
                    "ignorefile".into(),
                    "ignored by .bulkheadignore:11".into()
                ),
            ]
        );
        assert_eq!(outcome.vulnerabilities, 4);
        assert_eq!(
            outcome.expired_ignores,
            ["`CVE-2019-1543` (.bulkheadignore:5)"]
        );
        assert!(outcome.unused_ignores.is_empty());
    }

    #[test]
    fn ignoring_an_alias_suppresses_the_row() {
        // The row is reported under its CVE; the user ignored the GHSA id (any case).
        let s = ignore(".bulkheadignore", "ghsa-JFH8-c2jp-5v3q\nCVE-2000-0001\n");
        let mut r = one_target(vec![
            row(
                "CVE-2021-44228",
                &["GHSA-jfh8-c2jp-5v3q"],
                "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
                "app/lib/log4j-core-2.14.1.jar",
            ),
            row(
                "GHSA-aaaa-bbbb-cccc",
                &["CVE-2000-0001"],
                "pkg:npm/left-pad@1.0.0",
                "app/package-lock.json",
            ),
            row(
                "CVE-2021-45046",
                &["GHSA-7rjr-3q55-vv33"],
                "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
                "app/lib/log4j-core-2.14.1.jar",
            ),
        ]);
        let outcome = s.apply(&mut r);
        assert_eq!(kept(&r).len(), 1);
        assert_eq!(kept(&r)[0].0, "CVE-2021-45046");
        assert_eq!(outcome.vulnerabilities, 2);
    }

    #[test]
    fn ignore_line_errors_name_the_line() {
        let cases = [
            (
                "CVE-1\nCVE-2 exp:2024-02-30\n",
                2,
                "invalid date `2024-02-30`",
            ),
            (
                "CVE-1\n\nCVE-2 exp:tomorrow\n",
                3,
                "invalid date `tomorrow`",
            ),
            (
                "CVE-1 exp:2024-01-01 exp:2025-01-01\n",
                1,
                "more than one `exp:`",
            ),
            (
                "CVE-1 because reasons\n",
                1,
                "unexpected `because` after the id",
            ),
        ];
        for (text, line, message) in cases {
            let err = Suppressions::default()
                .add_ignore_file(Path::new("x/.bulkheadignore"), text.as_bytes(), today())
                .unwrap_err();
            match &err {
                SuppressError::IgnoreLine {
                    path,
                    line: l,
                    message: m,
                } => {
                    assert_eq!(path, Path::new("x/.bulkheadignore"));
                    assert_eq!(*l, line, "{text}");
                    assert!(m.contains(message), "{m}");
                }
                other => panic!("{other:?}"),
            }
            assert!(
                err.to_string()
                    .starts_with(&format!("`x/.bulkheadignore` line {line}: ")),
                "{err}"
            );
        }
    }

    #[test]
    fn ignore_lines_apply_to_findings_by_rule_alias() {
        let s = ignore(
            ".trivyignore",
            "DL3007 # we pin by digest\naws-access-key-id\n",
        );
        let mut r = report(
            "app:1",
            None,
            vec![
                target(
                    "Dockerfile",
                    "config",
                    Vec::new(),
                    vec![
                        finding(
                            RuleId::new("BH-DF-001").with_aliases(["DL3007", "DS001"]),
                            "Dockerfile",
                        ),
                        finding(
                            RuleId::new("BH-DF-002").with_aliases(["DL3008"]),
                            "Dockerfile",
                        ),
                    ],
                ),
                target(
                    "secrets",
                    "secret",
                    Vec::new(),
                    vec![finding(RuleId::new("aws-access-key-id"), "app/.env")],
                ),
            ],
        );
        let outcome = s.apply(&mut r);
        assert_eq!(outcome.findings, 2);
        let left: Vec<_> = r.findings().map(|(_, f)| f.rule.id.clone()).collect();
        assert_eq!(left, ["BH-DF-002"]);
    }

    #[test]
    fn non_utf8_ignore_file_names_the_line() {
        let err = Suppressions::default()
            .add_ignore_file(
                Path::new(".bulkheadignore"),
                b"CVE-1\nCVE-2\nCVE-\xff3\n",
                today(),
            )
            .unwrap_err();
        assert!(
            matches!(err, SuppressError::NotUtf8 { line: 3, .. }),
            "{err:?}"
        );
        let err = Suppressions::default()
            .add_ignore_file(Path::new("i.yaml"), b"\xc3", today())
            .unwrap_err();
        assert!(
            matches!(err, SuppressError::NotUtf8 { line: 1, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn oversized_files_are_refused() {
        let big = vec![b'#'; MAX_SUPPRESSION_FILE_BYTES + 1];
        let err = Suppressions::default()
            .add_ignore_file(Path::new(".bulkheadignore"), &big, today())
            .unwrap_err();
        assert!(matches!(err, SuppressError::TooLarge { .. }), "{err:?}");
        let err = Suppressions::default()
            .add_openvex(Path::new("v.json"), &big)
            .unwrap_err();
        assert!(matches!(err, SuppressError::TooLarge { .. }), "{err:?}");
        // Just under the cap is fine.
        let ok = vec![b'#'; MAX_SUPPRESSION_FILE_BYTES];
        Suppressions::default()
            .add_ignore_file(Path::new(".bulkheadignore"), &ok, today())
            .unwrap();
    }

    // ---- the YAML form ----

    /// Trivy's own test file (pkg/result/testdata/.trivyignore.yaml), licenses included.
    const TRIVY_YAML: &str = r#"vulnerabilities:
  - id: CVE-2019-0001
    paths:
      - "**/*-lock.json"
  - id: CVE-2019-0002
    paths:
      - "bar/package.json"
  - id: CVE-2019-0003
  - id: CVE-2019-0004
    paths:
      - "bar/package.json"
  - id: CVE-2019-0005
    expired_at: 2023-01-01
  - id: CVE-2019-0006
    expired_at: 2020-01-01
  - id: CVE-2019-0007
    purls:
      - "pkg:golang/github.com/aquasecurity/aaa@9.9.9"
      - "pkg:golang/github.com/aquasecurity/bar" # Match

misconfigurations:
  - id: ID100
  - id: ID200
    paths:
      - "app/Dockerfile"
  - id: ID300
    paths:
      - "docs/Dockerfile"
secrets:
  - id: generic-unwanted-rule
  - id: generic-unwanted-rule2
    paths:
      - "**/config.yaml"
  - id: generic-wanted-rule
    paths:
      - "foo/secret.txt"
licenses:
  - id: GPL-3.0
    paths:
      - "usr/share/gcc/python/libstdcxx/v6/__init__.py"
  - id: MIT
"#;

    /// Targets for [`TRIVY_YAML`]: lockfiles, a Go module, a Dockerfile and secrets.
    fn trivy_yaml_report() -> ScanReport {
        report(
            "repo",
            None,
            vec![
                target(
                    "app/package-lock.json",
                    "lang-pkgs",
                    vec![
                        row(
                            "CVE-2019-0001",
                            &[],
                            "pkg:npm/a@1.0.0",
                            "app/package-lock.json",
                        ),
                        row(
                            "CVE-2019-0002",
                            &[],
                            "pkg:npm/b@1.0.0",
                            "app/package-lock.json",
                        ),
                        row(
                            "CVE-2019-0003",
                            &[],
                            "pkg:npm/c@1.0.0",
                            "app/package-lock.json",
                        ),
                        row(
                            "CVE-2019-0005",
                            &[],
                            "pkg:npm/d@1.0.0",
                            "app/package-lock.json",
                        ),
                    ],
                    Vec::new(),
                ),
                target(
                    "bar/package.json",
                    "lang-pkgs",
                    vec![row(
                        "CVE-2019-0002",
                        &[],
                        "pkg:npm/b@1.0.0",
                        "bar/package.json",
                    )],
                    Vec::new(),
                ),
                target(
                    "go.mod",
                    "lang-pkgs",
                    vec![
                        row(
                            "CVE-2019-0007",
                            &[],
                            "pkg:golang/github.com/aquasecurity/bar@1.2.3",
                            "go.mod",
                        ),
                        row(
                            "CVE-2019-0007",
                            &[],
                            "pkg:golang/github.com/aquasecurity/aaa@1.0.0",
                            "go.mod",
                        ),
                        row(
                            "CVE-2019-0007",
                            &[],
                            "pkg:golang/github.com/aquasecurity/aaa@9.9.9",
                            "go.mod",
                        ),
                    ],
                    Vec::new(),
                ),
                target(
                    "app/Dockerfile",
                    "config",
                    Vec::new(),
                    vec![
                        finding(
                            RuleId::new("BH-DF-100").with_aliases(["ID100"]),
                            "app/Dockerfile",
                        ),
                        finding(RuleId::new("ID200"), "app/Dockerfile"),
                        finding(RuleId::new("ID300"), "app/Dockerfile"),
                        // A secrets entry does not apply to a misconfiguration.
                        finding(RuleId::new("generic-unwanted-rule"), "app/Dockerfile"),
                    ],
                ),
                target(
                    "secrets",
                    "secret",
                    Vec::new(),
                    vec![
                        finding(RuleId::new("generic-unwanted-rule"), "x/y"),
                        finding(RuleId::new("generic-unwanted-rule2"), "deploy/config.yaml"),
                        finding(RuleId::new("generic-unwanted-rule2"), "deploy/config.json"),
                        finding(RuleId::new("generic-wanted-rule"), "bar/secret.txt"),
                        finding(RuleId::new("ID100"), "x/y"),
                    ],
                ),
            ],
        )
    }

    #[test]
    fn trivy_yaml_scopes_by_path_purl_and_section() {
        let s = ignore(".trivyignore.yaml", TRIVY_YAML);
        let mut r = trivy_yaml_report();
        let outcome = s.apply(&mut r);
        let left: Vec<(String, String)> = kept(&r);
        assert_eq!(
            left,
            [
                ("CVE-2019-0002".into(), "pkg:npm/b@1.0.0".into()), // path scoped to bar/
                ("CVE-2019-0005".into(), "pkg:npm/d@1.0.0".into()), // expired
                (
                    "CVE-2019-0007".into(),
                    "pkg:golang/github.com/aquasecurity/aaa@1.0.0".into()
                ),
            ]
        );
        let findings: Vec<(String, String)> = r
            .findings()
            .map(|(_, f)| (f.rule.id.clone(), location_path(f)))
            .collect();
        assert_eq!(
            findings,
            [
                ("ID300".into(), "app/Dockerfile".into()),
                ("generic-unwanted-rule".into(), "app/Dockerfile".into()),
                ("generic-unwanted-rule2".into(), "deploy/config.json".into()),
                ("generic-wanted-rule".into(), "bar/secret.txt".into()),
                ("ID100".into(), "x/y".into()),
            ]
        );
        assert_eq!(outcome.vulnerabilities, 5);
        assert_eq!(outcome.findings, 4);
        assert_eq!(
            outcome.expired_ignores,
            [
                "`CVE-2019-0005` (.trivyignore.yaml (vulnerabilities entry 5))",
                "`CVE-2019-0006` (.trivyignore.yaml (vulnerabilities entry 6))"
            ]
        );
        assert_eq!(
            outcome.unused_ignores,
            [
                "`CVE-2019-0004` (.trivyignore.yaml (vulnerabilities entry 4))",
                "`generic-wanted-rule` (.trivyignore.yaml (secrets entry 3))",
                "`ID300` (.trivyignore.yaml (misconfigurations entry 3))",
            ]
        );
        let sup = suppressed(&r);
        assert_eq!(
            sup[0].3,
            "ignored by .trivyignore.yaml (vulnerabilities entry 1)"
        );
    }

    fn location_path(f: &Finding) -> String {
        match &f.location {
            Location::File { path, .. } => path.clone(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn yaml_entries_without_id_and_with_statements() {
        // Trivy's id-optional form, and a `.yml` extension.
        let text = r#"
vulnerabilities:
  - purls:
      - "pkg:deb/ubuntu/linux-libc-dev"
    statement: Kernel headers, not exercised at runtime
  - paths:
      - "vendor/**"
    statement: Vendored, not in scope
    expired_at: "2024-06-15T10:00:00Z"
  - id: CVE-2024-9999
    purls:
      - "pkg:golang/example.com/foo"
misconfigurations:
  - paths: ["test/fixtures/**"]
"#;
        let s = ignore("ignore.YML", text);
        let mut r = report(
            "repo",
            None,
            vec![
                target(
                    "ubuntu",
                    "os-pkgs",
                    vec![
                        row(
                            "CVE-2024-0001",
                            &[],
                            "pkg:deb/ubuntu/linux-libc-dev@6.8.0-1?arch=amd64",
                            "var/lib/dpkg/status",
                        ),
                        row(
                            "CVE-2024-0002",
                            &[],
                            "pkg:deb/ubuntu/bash@5.2",
                            "var/lib/dpkg/status",
                        ),
                    ],
                    Vec::new(),
                ),
                target(
                    "vendor/modules.txt",
                    "lang-pkgs",
                    vec![row(
                        "CVE-2024-0003",
                        &[],
                        "pkg:golang/example.com/bar@v1.0.0",
                        "vendor/modules.txt",
                    )],
                    Vec::new(),
                ),
                target(
                    "go.mod",
                    "lang-pkgs",
                    vec![
                        row(
                            "CVE-2024-9999",
                            &[],
                            "pkg:golang/example.com/foo@v1.0.0",
                            "go.mod",
                        ),
                        // Same package, another vulnerability: the entry names one id.
                        row(
                            "CVE-2024-8888",
                            &[],
                            "pkg:golang/example.com/foo@v1.0.0",
                            "go.mod",
                        ),
                    ],
                    Vec::new(),
                ),
                target(
                    "test/fixtures/bad.yaml",
                    "config",
                    Vec::new(),
                    vec![finding(RuleId::new("BH-K8S-001"), "test/fixtures/bad.yaml")],
                ),
            ],
        );
        let outcome = s.apply(&mut r);
        assert_eq!(
            kept(&r),
            [
                ("CVE-2024-0002".into(), "pkg:deb/ubuntu/bash@5.2".into()),
                (
                    "CVE-2024-8888".into(),
                    "pkg:golang/example.com/foo@v1.0.0".into()
                ),
            ]
        );
        assert_eq!(outcome.findings, 1);
        let reasons: Vec<String> = suppressed(&r).into_iter().map(|s| s.3).collect();
        assert_eq!(
            reasons,
            [
                "Kernel headers, not exercised at runtime (ignore.YML (vulnerabilities entry 1))",
                "Vendored, not in scope (ignore.YML (vulnerabilities entry 2), expires 2024-06-15)",
                "ignored by ignore.YML (vulnerabilities entry 3)",
            ]
        );
        assert!(
            outcome.unused_ignores.is_empty(),
            "{:?}",
            outcome.unused_ignores
        );
    }

    #[test]
    fn empty_yaml_is_no_entries() {
        for text in ["", "# nothing yet\n", "vulnerabilities:\n", "---\n"] {
            let s = ignore(".trivyignore.yaml", text);
            assert!(s.is_empty(), "{text:?}");
        }
    }

    #[test]
    fn yaml_errors_are_typed() {
        let check = |text: &str| {
            Suppressions::default()
                .add_ignore_file(Path::new("i.yaml"), text.as_bytes(), today())
                .unwrap_err()
        };
        // A misspelt section must not silently ignore nothing.
        let err = check("vulnerabilites:\n  - id: CVE-1\n");
        assert!(
            matches!(err, SuppressError::IgnoreYaml { line: Some(1), .. }),
            "{err:?}"
        );
        let err = check("vulnerabilities:\n  - id: CVE-1\n    path: [a]\n");
        assert!(
            matches!(
                err,
                SuppressError::IgnoreYaml {
                    line: Some(2 | 3),
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(format!("{:#}", anyhow_like(&err)).contains("unknown field `path`"));
        let err = check("vulnerabilities: [\n");
        assert!(matches!(err, SuppressError::IgnoreYaml { .. }), "{err:?}");
        let err = check("vulnerabilities:\n  - statement: everything\n");
        assert!(
            matches!(&err, SuppressError::IgnoreEntry { section: "vulnerabilities", index: 1, message, .. } if message.contains("suppress everything")),
            "{err:?}"
        );
        let err = check("secrets:\n  - id: x\n    purls: [\"pkg:npm/a\"]\n");
        assert!(
            matches!(
                &err,
                SuppressError::IgnoreEntry {
                    section: "secrets",
                    ..
                }
            ),
            "{err:?}"
        );
        let err = check("vulnerabilities:\n  - id: x\n  - id: y\n    purls: [\"npm/a\"]\n");
        assert!(
            matches!(&err, SuppressError::IgnoreEntry { index: 2, message, .. } if message.contains("invalid purl `npm/a`")),
            "{err:?}"
        );
        let err = check("vulnerabilities:\n  - id: x\n    expired_at: soon\n");
        assert_eq!(
            err.to_string(),
            "`i.yaml`: `vulnerabilities` entry 1: invalid `expired_at` `soon`: expected YYYY-MM-DD"
        );
    }

    /// The error and its sources, as the CLI prints `{:#}`.
    fn anyhow_like(err: &dyn std::error::Error) -> String {
        let mut text = err.to_string();
        let mut source = err.source();
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        text
    }

    #[test]
    fn hostile_yaml_is_an_error_not_a_hang() {
        let deep = format!(
            "vulnerabilities: {}{}",
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        let err = Suppressions::default()
            .add_ignore_file(Path::new("i.yaml"), deep.as_bytes(), today())
            .unwrap_err();
        assert!(matches!(err, SuppressError::IgnoreYaml { .. }), "{err:?}");
        // Billion laughs (9^12 strings if expanded) in the `licenses` section, which is
        // skipped unread: it completes, so the aliases were not expanded.
        let names: Vec<String> = (0..13).map(|i| format!("l{i}")).collect();
        let mut laughs =
            String::from("licenses:\n  - &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for pair in names.windows(2) {
            let refs = vec![format!("*{}", pair[0]); 9].join(", ");
            writeln!(laughs, "  - &{} [{refs}]", pair[1]).unwrap();
        }
        let mut s = Suppressions::default();
        s.add_ignore_file(Path::new("i.yaml"), laughs.as_bytes(), today())
            .unwrap();
        assert!(s.is_empty());
        // Aliases in used fields copy: 2,000 entries sharing one 2,000-path list would be
        // 4 million globs from a 14 kB file. The budget stops it.
        let paths = vec!["a"; 2_000].join(", ");
        let mut text = format!("vulnerabilities:\n  - &e {{id: x, paths: [{paths}]}}\n");
        text.push_str(&"  - *e\n".repeat(2_000));
        let err = Suppressions::default()
            .add_ignore_file(Path::new("i.yaml"), text.as_bytes(), today())
            .unwrap_err();
        assert!(
            anyhow_like(&err).contains("expands (through aliases)"),
            "{}",
            anyhow_like(&err)
        );
        // A long string aliased many times, likewise.
        let mut text = format!("vulnerabilities:\n  - id: &s {}\n", "x".repeat(100_000));
        text.push_str(&"  - id: *s\n".repeat(2_000));
        let err = Suppressions::default()
            .add_ignore_file(Path::new("i.yaml"), text.as_bytes(), today())
            .unwrap_err();
        assert!(
            anyhow_like(&err).contains("expands (through aliases)"),
            "{}",
            anyhow_like(&err)
        );
        // A few aliases in an honest file are fine, and the budget is lifted afterwards.
        let text =
            "vulnerabilities:\n  - {id: CVE-1, paths: &p [\"a/**\"]}\n  - {id: CVE-2, paths: *p}\n";
        let s = ignore("i.yaml", text);
        assert_eq!(s.ignores.len(), 2);
        assert_eq!(YAML_BUDGET.with(std::cell::Cell::get), usize::MAX);
        // Aliases to unknown keys are refused with the key.
        let text = "x: &x [a, b]\nvulnerabilities:\n  - id: y\n    paths: *x\n";
        let err = Suppressions::default()
            .add_ignore_file(Path::new("i.yaml"), text.as_bytes(), today())
            .unwrap_err();
        assert!(
            anyhow_like(&err).contains("unknown field `x`"),
            "{}",
            anyhow_like(&err)
        );
    }

    // ---- OpenVEX ----

    /// The spec's closing example (Spring Boot and log4shell), with its JSON made valid.
    const SPEC_SPRING: &str = r#"{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://openvex.dev/docs/public/vex-2e67563e128250cbcb3e98930df948dd053e43271d70dc50cfa22d57e03fe96f",
  "author": "Spring Builds <spring-builds@users.noreply.github.com>",
  "role": "Project Release Bot",
  "timestamp": "2023-01-16T19:07:16.853479631-06:00",
  "version": 1,
  "statements": [
    {
      "vulnerability": {
        "@id": "https://nvd.nist.gov/vuln/detail/CVE-2021-44228",
        "name": "CVE-2021-44228",
        "description": "Remote code injection in Log4j",
        "aliases": [
          "GHSA-jfh8-c2jp-5v3q"
        ]
      },
      "products": [
        {
          "@id": "pkg:maven/org.springframework.boot/spring-boot@2.6.0-M3",
          "identifiers": {
            "purl": "pkg:maven/org.springframework.boot/spring-boot@2.6.0-M3"
          },
          "hashes": {
            "sha-256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
          }
        }
      ],
      "status": "not_affected",
      "justification": "vulnerable_code_not_in_execute_path",
      "impact_statement": "Spring Boot users are only affected by this vulnerability if they have switched the default logging system to Log4J2. The log4j-to-slf4j and log4j-api jars that we include in spring-boot-starter-logging cannot be exploited on their own. Only applications using log4j-core and including user input in log messages are vulnerable."
    }
  ]
}"#;

    /// The spec's minimal document.
    const SPEC_MINIMAL: &str = r#"{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://openvex.dev/docs/example/vex-9fb3463de1b57",
  "author": "Wolfi J Inkinson",
  "role": "Document Creator",
  "timestamp": "2023-01-08T18:02:03.647787998-06:00",
  "version": 1,
  "statements": [
    {
      "vulnerability": {
        "name": "CVE-2023-12345"
      },
      "products": [
        {"@id": "pkg:apk/wolfi/git@2.39.0-r1?arch=armv7"},
        {"@id": "pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64"}
      ],
      "status": "fixed"
    }
  ]
}"#;

    #[test]
    fn spec_example_not_affected_with_reason() {
        let s = vex(&[SPEC_SPRING]);
        let spring = "pkg:maven/org.springframework.boot/spring-boot@2.6.0-M3";
        let mut r = one_target(vec![
            // Matched through the alias, on the product's purl.
            row("GHSA-jfh8-c2jp-5v3q", &[], spring, "app.jar"),
            // Matched through the name.
            row("CVE-2021-44228", &[], spring, "other.jar"),
            // Another version of the product: not what the statement is about.
            row(
                "CVE-2021-44228",
                &[],
                "pkg:maven/org.springframework.boot/spring-boot@2.7.0",
                "app.jar",
            ),
            // Another vulnerability.
            row("CVE-2021-45046", &[], spring, "app.jar"),
        ]);
        let outcome = s.apply(&mut r);
        assert_eq!(outcome.vulnerabilities, 2);
        assert_eq!(
            kept(&r),
            [
                (
                    "CVE-2021-44228".into(),
                    "pkg:maven/org.springframework.boot/spring-boot@2.7.0".into()
                ),
                ("CVE-2021-45046".into(), spring.into()),
            ]
        );
        let (_, _, by, reason) = &suppressed(&r)[0];
        assert_eq!(by, "vex");
        assert!(
            reason.starts_with("not_affected (vulnerable_code_not_in_execute_path): Spring Boot users are only affected"),
            "{reason}"
        );
        assert!(reason.ends_with("; from vex0.json"), "{reason}");
        // VEX entries are never "unused ignores": a document speaks about many products.
        assert!(outcome.unused_ignores.is_empty());
    }

    #[test]
    fn spec_minimal_fixed_matches_each_listed_product() {
        let s = vex(&[SPEC_MINIMAL]);
        let mut r = one_target(vec![
            row(
                "CVE-2023-12345",
                &[],
                "pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64&distro=wolfi-20230201",
                "lib/apk/db/installed",
            ),
            row(
                "CVE-2023-12345",
                &[],
                "pkg:apk/wolfi/git@2.39.0-r1?arch=aarch64",
                "lib/apk/db/installed",
            ),
            row(
                "CVE-2023-12345",
                &[],
                "pkg:apk/wolfi/git@2.38.0-r0?arch=x86_64",
                "lib/apk/db/installed",
            ),
        ]);
        s.apply(&mut r);
        assert_eq!(
            kept(&r),
            [
                (
                    "CVE-2023-12345".into(),
                    "pkg:apk/wolfi/git@2.39.0-r1?arch=aarch64".into()
                ),
                (
                    "CVE-2023-12345".into(),
                    "pkg:apk/wolfi/git@2.38.0-r0?arch=x86_64".into()
                ),
            ]
        );
        assert_eq!(suppressed(&r)[0].3, "fixed; from vex0.json");
    }

    #[test]
    fn later_statements_override_earlier_ones() {
        // The spec's "Updating Statements with Inherited Data" example: the second statement
        // inherits the (later) document timestamp and fixes what was under investigation.
        let updated = r#"{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://openvex.dev/docs/example/vex-84822c4e5028c",
  "author": "Wolfi J Inkinson",
  "role": "Document Creator",
  "timestamp": "2023-01-09T09:08:42-06:00",
  "version": 1,
  "statements": [
    {
      "timestamp": "2023-01-08T18:02:03-06:00",
      "vulnerability": {
        "name": "CVE-2023-12345"
      },
      "products": [
        {"@id": "pkg:apk/wolfi/git@2.39.0-r1?arch=armv7"}
      ],
      "status": "under_investigation"
    },
    {
      "vulnerability": {
        "name": "CVE-2023-12345"
      },
      "products": [
        {"@id": "pkg:apk/wolfi/git@2.39.0-r1?arch=armv7"}
      ],
      "status": "fixed"
    }
  ]
}"#;
        let git = "pkg:apk/wolfi/git@2.39.0-r1?arch=armv7";
        let mut r = one_target(vec![row(
            "CVE-2023-12345",
            &[],
            git,
            "lib/apk/db/installed",
        )]);
        vex(&[updated]).apply(&mut r);
        assert!(kept(&r).is_empty());

        // Order in the file does not matter when timestamps say otherwise: the `affected`
        // statement comes first but is newer (and its offset makes the strings sort wrong).
        let reversed = r#"{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://example.com/vex/2",
  "author": "Example Security <security@example.com>",
  "timestamp": "2023-02-01T00:00:00Z",
  "version": 2,
  "statements": [
    {
      "timestamp": "2023-01-09T00:30:00+02:00",
      "vulnerability": {"name": "CVE-2023-12345"},
      "products": [{"@id": "pkg:apk/wolfi/git"}],
      "status": "affected",
      "action_statement": "Upgrade to 2.39.1-r0"
    },
    {
      "timestamp": "2023-01-08T22:00:00Z",
      "vulnerability": {"name": "CVE-2023-12345"},
      "products": [{"@id": "pkg:apk/wolfi/git"}],
      "status": "not_affected",
      "justification": "vulnerable_code_not_present"
    }
  ]
}"#;
        let mut r = one_target(vec![row(
            "CVE-2023-12345",
            &[],
            git,
            "lib/apk/db/installed",
        )]);
        vex(&[reversed]).apply(&mut r);
        assert_eq!(kept(&r).len(), 1, "the later `affected` statement wins");

        // Equal timestamps (inherited from documents): the document read last wins.
        let doc = |status: &str| {
            format!(
                r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "a", "version": 1,
                    "timestamp": "2023-01-01T00:00:00Z",
                    "statements": [{{"vulnerability": {{"name": "CVE-2023-12345"}},
                                    "products": [{{"@id": "{git}"}}], "status": "{status}"}}]}}"#
            )
        };
        let (fixed, affected) = (doc("fixed"), doc("affected"));
        let mut r = one_target(vec![row(
            "CVE-2023-12345",
            &[],
            git,
            "lib/apk/db/installed",
        )]);
        vex(&[&affected, &fixed]).apply(&mut r);
        assert!(kept(&r).is_empty());
        let mut r = one_target(vec![row(
            "CVE-2023-12345",
            &[],
            git,
            "lib/apk/db/installed",
        )]);
        vex(&[&fixed, &affected]).apply(&mut r);
        assert_eq!(kept(&r).len(), 1);
    }

    #[test]
    fn only_not_affected_and_fixed_suppress() {
        for (status, suppresses) in [
            ("not_affected", true),
            ("fixed", true),
            ("affected", false),
            ("under_investigation", false),
        ] {
            let doc = format!(
                r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "a", "version": 1,
                    "timestamp": "2024-01-01T00:00:00Z",
                    "statements": [{{"vulnerability": {{"name": "CVE-2024-0001"}},
                                    "products": [{{"@id": "pkg:deb/debian/libc6"}}],
                                    "status": "{status}", "justification": "inline_mitigations_already_exist"}}]}}"#
            );
            let mut r = one_target(vec![row("CVE-2024-0001", &[], LIBC, "var/lib/dpkg/status")]);
            let outcome = vex(&[&doc]).apply(&mut r);
            assert_eq!(outcome.vulnerabilities == 1, suppresses, "{status}");
            assert_eq!(kept(&r).is_empty(), suppresses, "{status}");
        }
    }

    #[test]
    fn the_scanned_image_as_product() {
        // `vexctl create --product pkg:docker/… --subcomponents …`, as Docker Scout documents it.
        let scout = r#"{
  "@context": "https://openvex.dev/ns/v0.2.0",
  "@id": "https://openvex.dev/docs/public/vex-a7e7c69be57bc49dec9cc2f3a3e3329b12674ca53b53a53ab42134dcc0510779",
  "author": "author@example.com",
  "timestamp": "2024-02-03T09:33:28.913572+01:00",
  "version": 1,
  "statements": [
    {
      "vulnerability": {
        "name": "CVE-2022-24999"
      },
      "timestamp": "2024-02-03T09:33:28.913574+01:00",
      "products": [
        {
          "@id": "pkg:docker/acme/scout-demo-service@v1",
          "subcomponents": [
            {
              "@id": "pkg:npm/express@4.17.1"
            },
            {
              "@id": "pkg:npm/qs@6.7.0"
            }
          ]
        }
      ],
      "status": "not_affected",
      "justification": "vulnerable_code_not_in_execute_path"
    }
  ]
}"#;
        let rows = || {
            vec![
                row(
                    "CVE-2022-24999",
                    &[],
                    "pkg:npm/qs@6.7.0",
                    "app/node_modules/qs/package.json",
                ),
                row(
                    "CVE-2022-24999",
                    &[],
                    "pkg:npm/qs@6.5.2",
                    "app/node_modules/x/node_modules/qs/package.json",
                ),
                row(
                    "CVE-2022-24999",
                    &[],
                    "pkg:npm/body-parser@1.19.0",
                    "app/node_modules/body-parser/package.json",
                ),
            ]
        };
        let s = vex(&[scout]);
        let mut r = report(
            "docker.io/acme/scout-demo-service:v1",
            None,
            vec![target("Node.js", "lang-pkgs", rows(), Vec::new())],
        );
        s.apply(&mut r);
        assert_eq!(
            kept(&r),
            [
                ("CVE-2022-24999".into(), "pkg:npm/qs@6.5.2".into()),
                ("CVE-2022-24999".into(), "pkg:npm/body-parser@1.19.0".into()),
            ]
        );
        // Scanning another image: the statement is not about it, subcomponents or not.
        let mut r = report(
            "acme/other-service:v1",
            None,
            vec![target("Node.js", "lang-pkgs", rows(), Vec::new())],
        );
        s.apply(&mut r);
        assert_eq!(kept(&r).len(), 3);

        // The image named by digest (an OCI purl, a reference, or the hash), no subcomponents:
        // every row with the vulnerability.
        let digest = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        for product in [
            r#"{"@id": "pkg:oci/scout-demo-service@sha256%3Ae3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855?repository_url=ghcr.io/acme"}"#.to_owned(),
            format!(r#"{{"@id": "ghcr.io/acme/scout-demo-service@{digest}"}}"#),
            r#"{"@id": "ghcr.io/acme/scout-demo-service:v1"}"#.to_owned(),
            r#"{"hashes": {"sha-256": "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"}}"#.to_owned(),
        ] {
            let doc = format!(
                r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "a", "version": 1,
                    "timestamp": "2024-01-01T00:00:00Z",
                    "statements": [{{"vulnerability": {{"name": "CVE-2022-24999"}},
                                    "products": [{product}], "status": "not_affected",
                                    "justification": "vulnerable_code_not_in_execute_path"}}]}}"#
            );
            let mut r = report(
                "ghcr.io/acme/scout-demo-service:v1",
                Some(digest),
                vec![target("Node.js", "lang-pkgs", rows(), Vec::new())],
            );
            vex(&[&doc]).apply(&mut r);
            assert!(kept(&r).is_empty(), "{product}");
        }
    }

    #[test]
    fn package_product_subcomponents_and_legacy_strings() {
        // The v0.0.1 drafts' string forms, and an NVD IRI as the only vulnerability name.
        let doc = r#"{
  "@context": "https://openvex.dev/ns",
  "@id": "https://openvex.dev/docs/example/legacy",
  "author": "a",
  "timestamp": "2023-01-01T00:00:00Z",
  "version": 1,
  "statements": [
    {"vulnerability": "CVE-2023-0001", "products": ["pkg:golang/golang.org/x/net"], "status": "not_affected",
     "justification": "vulnerable_code_not_present"},
    {"vulnerability": {"@id": "https://nvd.nist.gov/vuln/detail/CVE-2023-0002"},
     "products": [{"@id": "pkg:golang/example.com/app@v1.0.0",
                   "subcomponents": [{"@id": "pkg:golang/golang.org/x/text@v0.3.7"}, "pkg:golang/golang.org/x/crypto"]}],
     "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"},
    {"vulnerability": {"name": "CVE-2023-0003"}, "status": "not_affected", "justification": "component_not_present"}
  ]
}"#;
        let mut r = one_target(vec![
            row(
                "CVE-2023-0001",
                &[],
                "pkg:golang/golang.org/x/net@v0.7.0",
                "usr/bin/app",
            ),
            row(
                "CVE-2023-0002",
                &[],
                "pkg:golang/golang.org/x/text@v0.3.7",
                "usr/bin/app",
            ),
            row(
                "CVE-2023-0002",
                &[],
                "pkg:golang/golang.org/x/crypto@v0.1.0",
                "usr/bin/app",
            ),
            row(
                "CVE-2023-0002",
                &[],
                "pkg:golang/golang.org/x/text@v0.3.8",
                "usr/bin/app",
            ),
            // No products: the statement applies to nothing.
            row(
                "CVE-2023-0003",
                &[],
                "pkg:golang/golang.org/x/sys@v0.1.0",
                "usr/bin/app",
            ),
        ]);
        vex(&[doc]).apply(&mut r);
        assert_eq!(
            kept(&r),
            [
                (
                    "CVE-2023-0002".into(),
                    "pkg:golang/golang.org/x/text@v0.3.8".into()
                ),
                (
                    "CVE-2023-0003".into(),
                    "pkg:golang/golang.org/x/sys@v0.1.0".into()
                ),
            ]
        );
    }

    #[test]
    fn ignore_file_wins_over_vex() {
        let mut s = vex(&[SPEC_SPRING]);
        s.add_ignore_file(
            Path::new(".bulkheadignore"),
            b"CVE-2021-44228 # accepted\n",
            today(),
        )
        .unwrap();
        let mut r = one_target(vec![row(
            "CVE-2021-44228",
            &[],
            "pkg:maven/org.springframework.boot/spring-boot@2.6.0-M3",
            "app.jar",
        )]);
        s.apply(&mut r);
        assert_eq!(suppressed(&r)[0].2, "ignorefile");
        assert!(!s.is_empty());
    }

    #[test]
    fn vex_errors_point_at_line_and_column() {
        let check = |doc: &str| {
            Suppressions::default()
                .add_openvex(Path::new("dir/bad.vex.json"), doc.as_bytes())
                .unwrap_err()
        };
        let bad_status = SPEC_MINIMAL.replace("\"fixed\"", "\"maybe\"");
        let err = check(&bad_status);
        match &err {
            SuppressError::Vex { line, source, .. } => {
                assert_eq!(*line, 17);
                assert!(
                    source.to_string().contains("unknown variant `maybe`"),
                    "{source}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(
            err.to_string()
                .starts_with("`dir/bad.vex.json` line 17, column "),
            "{err}"
        );

        let err = check(&SPEC_MINIMAL.replace(
            "https://openvex.dev/ns/v0.2.0",
            "https://cyclonedx.org/schema",
        ));
        assert!(
            matches!(&err, SuppressError::Vex { line: 2, source, .. } if source.to_string().contains("expected `https://openvex.dev/ns/v0.2.0`")),
            "{err:?}"
        );
        let err =
            check(&SPEC_MINIMAL.replace("2023-01-08T18:02:03.647787998-06:00", "last tuesday"));
        assert!(
            matches!(&err, SuppressError::Vex { line: 6, source, .. } if source.to_string().contains("invalid timestamp `last tuesday`")),
            "{err:?}"
        );
        let err = check(
            &SPEC_MINIMAL.replace(r#""name": "CVE-2023-12345""#, r#""description": "no name""#),
        );
        assert!(
            matches!(&err, SuppressError::Vex { source, .. } if source.to_string().contains("no `name`")),
            "{err:?}"
        );
        for doc in [
            "",
            "{}",
            "[]",
            "null",
            r#"{"bomFormat": "CycloneDX"}"#,
            "{\"@context\": \"https://openvex.dev/ns/v0.2.0\", \"statements\": [1]}",
        ] {
            assert!(matches!(check(doc), SuppressError::Vex { .. }), "{doc}");
        }
    }

    #[test]
    fn hostile_vex_is_an_error_not_a_crash() {
        let nest = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        // Deep nesting in an unknown field is skipped without recursion (serde_json).
        let doc = format!(
            r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "extra": {}, "statements": []}}"#,
            nest(100_000)
        );
        let mut s = Suppressions::default();
        s.add_openvex(Path::new("v.json"), doc.as_bytes()).unwrap();
        assert!(s.is_empty());
        // Inside a product (an untagged enum buffers it) and in the statements list itself,
        // serde_json's depth limit turns it into an error.
        for doc in [
            format!(
                r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{{"vulnerability": "CVE-1", "status": "fixed", "products": [{{"@id": "x", "hashes": {}}}]}}]}}"#,
                nest(100_000)
            ),
            format!(
                r#"{{"@context": "https://openvex.dev/ns/v0.2.0", "statements": {}}}"#,
                nest(100_000)
            ),
        ] {
            let err = Suppressions::default()
                .add_openvex(Path::new("v.json"), doc.as_bytes())
                .unwrap_err();
            assert!(matches!(err, SuppressError::Vex { .. }), "{err:?}");
        }
        // Not UTF-8.
        let mut doc = SPEC_MINIMAL.as_bytes().to_vec();
        let at = SPEC_MINIMAL.find("CVE-2023-12345").unwrap();
        doc[at] = 0xff;
        let err = Suppressions::default()
            .add_openvex(Path::new("v.json"), &doc)
            .unwrap_err();
        assert!(matches!(err, SuppressError::Vex { .. }), "{err:?}");
        // A long hostile `@context` is echoed cut short.
        let long = format!(
            r#"{{"@context": "{}", "statements": []}}"#,
            "x".repeat(100_000)
        );
        let err = Suppressions::default()
            .add_openvex(Path::new("v.json"), long.as_bytes())
            .unwrap_err();
        assert!(anyhow_like(&err).len() < 400, "{}", anyhow_like(&err).len());
        // A byte-order mark is tolerated.
        let with_bom = format!("\u{feff}{SPEC_MINIMAL}");
        Suppressions::default()
            .add_openvex(Path::new("v.json"), with_bom.as_bytes())
            .unwrap();
    }
}
