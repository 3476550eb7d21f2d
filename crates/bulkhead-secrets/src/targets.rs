//! Where secrets hide, turned into findings: every file of every image layer (including the
//! files a later layer deletes, which stay in the image), the image configuration (`Env`,
//! `Labels`, the `created_by` of each history step), directory trees, git history (every blob
//! ever committed, reported once at the commit that introduced it), zip/jar archives inside
//! any of those (to a bounded depth), and Kubernetes `Secret` manifests (whose `data` values
//! are base64, so the encoded text would never match a rule).
//!
//! Files are skipped when they are larger than [`Options::max_file_size`], binary (unless an
//! archive), or on a path the rules' global allowlist names (lockfiles, `node_modules`,
//! images); the skip happens before the content is read.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::Read as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use base64::Engine as _;
use bulkhead_finding::{Evidence, Finding, Location, RuleId, Severity};
use bulkhead_fsview::{FsError, FsView, Metadata};
use bulkhead_image::{Fate, LayerInspector, LayeredFs};

use crate::{Ruleset, SecretMatch, looks_binary};

/// Limits and presentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Files (and archive members) larger than this are not read.
    pub max_file_size: u64,
    /// How deep archives inside archives are opened (0: not at all).
    pub max_archive_depth: usize,
    /// Total bytes inflated from one archive, members of nested archives included.
    pub max_archive_bytes: u64,
    /// Show the secret in findings (`--show-secrets`); otherwise it is redacted.
    pub show_secrets: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_file_size: 10 << 20,
            max_archive_depth: 2,
            max_archive_bytes: 256 << 20,
            show_secrets: false,
        }
    }
}

/// One secret in one file: the match, and where (the path, with `!member` for archive
/// members and `#Secret/...` for decoded Kubernetes values).
#[derive(Debug, Clone)]
pub struct Located {
    pub path: String,
    pub found: SecretMatch,
}

/// Scans one file's content the way every target does: archives are opened, binaries and
/// allowlisted paths skipped, Kubernetes `Secret` values decoded.
pub fn scan_file(ruleset: &Ruleset, options: &Options, path: &str, content: &[u8]) -> Vec<Located> {
    let mut out = Vec::new();
    let mut archive_budget = options.max_archive_bytes;
    scan_into(
        ruleset,
        options,
        path,
        content,
        0,
        &mut archive_budget,
        &mut out,
    );
    out
}

fn scan_into(
    ruleset: &Ruleset,
    options: &Options,
    path: &str,
    content: &[u8],
    depth: usize,
    archive_budget: &mut u64,
    out: &mut Vec<Located>,
) {
    if content.starts_with(b"PK\x03\x04") {
        if depth < options.max_archive_depth {
            scan_archive(ruleset, options, path, content, depth, archive_budget, out);
        }
        return;
    }
    if looks_binary(content) {
        return;
    }
    let mut found = Vec::new();
    ruleset.scan(path, content, &mut found);
    out.extend(found.into_iter().map(|found| Located {
        path: path.to_owned(),
        found,
    }));
    if is_manifest(path) && memchr::memmem::find(content, b"Secret").is_some() {
        scan_kubernetes_secrets(ruleset, path, content, out);
    }
}

fn scan_archive(
    ruleset: &Ruleset,
    options: &Options,
    path: &str,
    content: &[u8],
    depth: usize,
    archive_budget: &mut u64,
    out: &mut Vec<Located>,
) {
    let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(content)) else {
        return;
    };
    for index in 0..archive.len() {
        let Ok(member) = archive.by_index(index) else {
            continue;
        };
        if !member.is_file() || member.size() > options.max_file_size {
            continue;
        }
        let name = member
            .name()
            .map(std::borrow::Cow::into_owned)
            .unwrap_or_default();
        let member_path = format!("{path}!{name}");
        if ruleset.path_is_allowlisted(&member_path) {
            continue;
        }
        // The declared size is the archive's claim; the cap is on what actually inflates.
        let limit = options.max_file_size.min(*archive_budget);
        let mut bytes = Vec::new();
        if member.take(limit + 1).read_to_end(&mut bytes).is_err() {
            continue;
        }
        let read = bytes.len() as u64;
        if read > limit {
            if read > *archive_budget {
                return;
            }
            continue;
        }
        *archive_budget -= read;
        scan_into(
            ruleset,
            options,
            &member_path,
            &bytes,
            depth + 1,
            archive_budget,
            out,
        );
    }
}

fn is_manifest(path: &str) -> bool {
    std::path::Path::new(path).extension().is_some_and(|e| {
        ["yaml", "yml", "json"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
    })
}

/// Decodes the base64 `data` of every `Secret` in a (multi-document) YAML or JSON manifest and
/// scans each value as `PATH#Secret/NAMESPACE/NAME/KEY`. Lines are those of the key in the
/// manifest; lines and columns within the decoded value are its own.
fn scan_kubernetes_secrets(ruleset: &Ruleset, path: &str, content: &[u8], out: &mut Vec<Located>) {
    let text = String::from_utf8_lossy(content);
    for document in serde_yaml_ng::Deserializer::from_str(&text) {
        let Ok(value) = <serde_json::Value as serde::Deserialize>::deserialize(document) else {
            // Not YAML we can read (or an alias bomb, which serde_yaml_ng refuses); the raw
            // text was scanned already.
            return;
        };
        for secret in kubernetes_objects(&value) {
            if secret.get("kind").and_then(serde_json::Value::as_str) != Some("Secret") {
                continue;
            }
            let metadata = secret.get("metadata");
            let field = |key: &str| {
                metadata
                    .and_then(|m| m.get(key))
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            let (namespace, name) = (field("namespace"), field("name"));
            let Some(data) = secret.get("data").and_then(serde_json::Value::as_object) else {
                continue;
            };
            for (key, encoded) in data {
                let Some(encoded) = encoded.as_str() else {
                    continue;
                };
                let compact: String = encoded.split_whitespace().collect();
                let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(compact) else {
                    continue;
                };
                let virtual_path = format!("{path}#Secret/{namespace}/{name}/{key}");
                // `KEY=value` gives keyword rules (`password`, `token`) their identifier.
                let mut framed = format!("{key}=").into_bytes();
                framed.extend_from_slice(&decoded);
                let mut found = Vec::new();
                ruleset.scan(&virtual_path, &framed, &mut found);
                out.extend(found.into_iter().map(|found| Located {
                    path: virtual_path.clone(),
                    found,
                }));
            }
        }
    }
}

/// The objects of a document: itself, or the `items` of a `List`.
fn kubernetes_objects(value: &serde_json::Value) -> Vec<&serde_json::Value> {
    match value.get("items").and_then(serde_json::Value::as_array) {
        Some(items)
            if value
                .get("kind")
                .and_then(serde_json::Value::as_str)
                .is_some_and(|k| k.ends_with("List")) =>
        {
            items.iter().collect()
        }
        _ => vec![value],
    }
}

/// Collects secrets from an image's layers while they are verified: pass it to
/// [`bulkhead_image::Image::read_layers_inspecting`], then call [`LayerSecrets::findings`].
///
/// Files are scanned on the thread that reads their layer while every thread is reading. Once
/// a thread runs out of layers it [helps](LayerInspector::help): the threads still reading
/// then hand it copies of their files (at most 8 MiB queued) instead of scanning
/// them, so the largest layer's scanning is shared. Handing files to dedicated scanning
/// threads from the start measured slower on two cores (copies and contention while every
/// core was busy anyway).
#[derive(Debug)]
pub struct LayerSecrets<'r> {
    ruleset: &'r Ruleset,
    options: Options,
    found: Mutex<Vec<(usize, Located)>>,
    handoff: Mutex<Handoff>,
    queued: Condvar,
    /// Threads inside [`LayerInspector::help`].
    helpers: AtomicUsize,
}

/// Most bytes of file content waiting for a helper; past it, readers scan themselves.
const HANDOFF_BYTES: usize = 8 << 20;

#[derive(Debug, Default)]
struct Handoff {
    files: VecDeque<(usize, String, Vec<u8>)>,
    bytes: usize,
}

impl<'r> LayerSecrets<'r> {
    pub fn new(ruleset: &'r Ruleset, options: Options) -> Self {
        LayerSecrets {
            ruleset,
            options,
            found: Mutex::new(Vec::new()),
            handoff: Mutex::new(Handoff::default()),
            queued: Condvar::new(),
            helpers: AtomicUsize::new(0),
        }
    }

    /// The findings, located by layer digest, noting those a later layer deleted or replaced
    /// (they are still in the image, in the earlier layer's blob).
    pub fn findings(self, fs: &LayeredFs) -> Vec<Finding> {
        let found = self
            .found
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let hidden: HashMap<(usize, String), Fate> = fs
            .hidden_files()
            .into_iter()
            .map(|h| ((h.layer, h.path), h.fate))
            .collect();
        let layers = fs.layers();
        let mut out: Vec<Finding> = found
            .into_iter()
            .map(|(layer, located)| {
                let file = located
                    .path
                    .split(['!', '#'])
                    .next()
                    .unwrap_or(&located.path);
                let fate = hidden.get(&(layer, file.to_owned())).copied();
                let digest = layers.get(layer).map(|l| l.digest.to_string());
                let note = match fate {
                    Some(Fate::Deleted { by_layer }) => Some(format!(
                        "Deleted by layer {} but still in the image: layer {} ({}) carries it.",
                        by_layer + 1,
                        layer + 1,
                        digest.as_deref().unwrap_or("?")
                    )),
                    Some(Fate::Replaced { by_layer }) => Some(format!(
                        "Replaced by layer {} but still in the image: layer {} ({}) carries it.",
                        by_layer + 1,
                        layer + 1,
                        digest.as_deref().unwrap_or("?")
                    )),
                    _ => None,
                };
                finding(
                    &located,
                    Location::Image {
                        layer: digest,
                        path: Some(located.path.clone()),
                        line: line_of(&located.found),
                        column: column_of(&located.found),
                    },
                    note,
                    self.options.show_secrets,
                )
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

impl LayerInspector for LayerSecrets<'_> {
    fn wants(&self, path: &str, metadata: &Metadata) -> bool {
        metadata.size > 0
            && metadata.size <= self.options.max_file_size
            && !self.ruleset.path_is_allowlisted(path)
    }

    fn inspect(&self, layer: usize, path: &str, content: &[u8]) {
        if self.helpers.load(Ordering::Acquire) > 0
            && let Ok(mut handoff) = self.handoff.lock()
            && handoff.bytes + content.len() <= HANDOFF_BYTES
        {
            handoff.bytes += content.len();
            handoff
                .files
                .push_back((layer, path.to_owned(), content.to_vec()));
            self.queued.notify_one();
            return;
        }
        self.scan_one(layer, path, content);
    }

    fn help(&self, reading: &dyn Fn() -> bool) {
        self.helpers.fetch_add(1, Ordering::AcqRel);
        loop {
            let Ok(mut handoff) = self.handoff.lock() else {
                break;
            };
            if let Some((layer, path, content)) = handoff.files.pop_front() {
                handoff.bytes -= content.len();
                drop(handoff);
                self.scan_one(layer, &path, &content);
            } else if reading() {
                // A reader may queue more; the timeout covers the last reader finishing
                // without queueing anything (it drains what is left itself).
                let _ = self.queued.wait_timeout(handoff, Duration::from_millis(2));
            } else {
                break;
            }
        }
        self.helpers.fetch_sub(1, Ordering::AcqRel);
    }
}

impl LayerSecrets<'_> {
    fn scan_one(&self, layer: usize, path: &str, content: &[u8]) {
        let found = scan_file(self.ruleset, &self.options, path, content);
        if found.is_empty() {
            return;
        }
        if let Ok(mut all) = self.found.lock() {
            all.extend(found.into_iter().map(|l| (layer, l)));
        }
    }
}

/// Secrets in the image configuration: each `Env` entry, each label (`key=value`), and each
/// history step's `created_by` (where `ARG`/`ENV` values and `RUN` command lines end up).
pub fn config_findings(
    ruleset: &Ruleset,
    options: &Options,
    env: &[String],
    labels: &BTreeMap<String, String>,
    history: &[String],
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut scan = |path: String, text: &str| {
        let mut found = Vec::new();
        ruleset.scan(&path, text.as_bytes(), &mut found);
        for found in found {
            let located = Located {
                path: path.clone(),
                found,
            };
            out.push(finding(
                &located,
                Location::Image {
                    layer: None,
                    path: Some(path.clone()),
                    line: line_of(&located.found),
                    column: column_of(&located.found),
                },
                None,
                options.show_secrets,
            ));
        }
    };
    scan("config:Env".to_owned(), &env.join("\n"));
    let labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    scan("config:Labels".to_owned(), &labels.join("\n"));
    for (step, created_by) in history.iter().enumerate() {
        scan(format!("config:history[{step}]"), created_by);
    }
    out.sort();
    out.dedup();
    out
}

/// Secrets in a directory tree (any [`FsView`]): files are listed in one walk, then read and
/// scanned in parallel. With `gitignore`, files git would ignore are skipped.
pub fn tree_findings(
    ruleset: &Ruleset,
    options: &Options,
    view: &dyn FsView,
    gitignore: Option<&crate::gitignore::GitignoreRules>,
) -> Result<Vec<Finding>, FsError> {
    use rayon::prelude::*;
    let mut wanted = Vec::new();
    view.walk(&mut |entry| {
        if entry.metadata.is_file()
            && entry.metadata.size > 0
            && entry.metadata.size <= options.max_file_size
            && !ruleset.path_is_allowlisted(&entry.path)
            && !gitignore.is_some_and(|g| g.is_ignored(&entry.path, false))
        {
            wanted.push((entry.path.clone(), entry.metadata.size));
        }
        Ok(())
    })?;
    let located: Vec<Located> = wanted
        .par_iter()
        .flat_map_iter(|(path, size)| {
            if *size > STREAM_ABOVE {
                return scan_large_file(ruleset, options, view, path);
            }
            match view.read_to_vec(path, options.max_file_size) {
                Ok(content) => scan_file(ruleset, options, path, &content),
                // Vanished or unreadable since the walk: nothing to report for it.
                Err(_) => Vec::new(),
            }
        })
        .collect();
    let mut out: Vec<Finding> = located
        .iter()
        .map(|l| {
            finding(
                l,
                Location::File {
                    path: l.path.clone(),
                    line: line_of(&l.found),
                    column: column_of(&l.found),
                },
                None,
                options.show_secrets,
            )
        })
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// Files larger than this are scanned as a stream (only reachable when the user raises
/// [`Options::max_file_size`]), so a 1 GB file costs one window of memory, not 1 GB.
const STREAM_ABOVE: u64 = 32 << 20;

/// A file too large to hold: binary and archive checks on its first bytes, then
/// [`Ruleset::scan_reader`]. Archives this large are read whole, as every archive is (the zip
/// directory sits at the end), within [`Options::max_file_size`]; Kubernetes `Secret` values
/// are not decoded from a file this large.
fn scan_large_file(
    ruleset: &Ruleset,
    options: &Options,
    view: &dyn FsView,
    path: &str,
) -> Vec<Located> {
    let Ok(reader) = view.open(path) else {
        return Vec::new();
    };
    let mut reader = reader.take(options.max_file_size);
    let mut head = Vec::with_capacity(8 << 10);
    if (&mut reader).take(8 << 10).read_to_end(&mut head).is_err() {
        return Vec::new();
    }
    if head.starts_with(b"PK\x03\x04") {
        return match view.read_to_vec(path, options.max_file_size) {
            Ok(content) => scan_file(ruleset, options, path, &content),
            Err(_) => Vec::new(),
        };
    }
    if looks_binary(&head) {
        return Vec::new();
    }
    let mut found = Vec::new();
    // A read error part-way keeps what the windows before it found.
    let _ = ruleset.scan_reader(
        path,
        &mut std::io::Cursor::new(head).chain(reader),
        &mut found,
    );
    found
        .into_iter()
        .map(|found| Located {
            path: path.to_owned(),
            found,
        })
        .collect()
}

/// Secrets anywhere in a git repository's history: every distinct blob reachable from any
/// reference, scanned once, located at the commit and path that introduced it. Blobs are
/// scanned in parallel batches while the history is read.
pub fn git_findings(
    ruleset: &Ruleset,
    options: &Options,
    repo: &std::path::Path,
) -> Result<(Vec<Finding>, bulkhead_git::HistoryStats), bulkhead_git::GitError> {
    use rayon::prelude::*;
    /// Bytes of blobs held before a batch is scanned.
    const BATCH_BYTES: usize = 32 << 20;
    let mut batch: Vec<(String, String, Vec<u8>)> = Vec::new();
    let mut batch_bytes = 0usize;
    let mut located: Vec<(String, Located)> = Vec::new();
    let flush = |batch: &mut Vec<(String, String, Vec<u8>)>,
                 located: &mut Vec<(String, Located)>| {
        let found: Vec<(String, Located)> = batch
            .par_iter()
            .flat_map_iter(|(commit, path, content)| {
                scan_file(ruleset, options, path, content)
                    .into_iter()
                    .map(move |l| (commit.clone(), l))
            })
            .collect();
        located.extend(found);
        batch.clear();
    };
    let history = bulkhead_git::HistoryOptions {
        max_blob_size: options.max_file_size,
        max_commits: None,
    };
    let stats = bulkhead_git::for_each_history_blob(repo, &history, &mut |blob| {
        if blob.content.is_empty() || ruleset.path_is_allowlisted(blob.path) {
            return;
        }
        batch_bytes += blob.content.len();
        batch.push((
            blob.commit.to_owned(),
            blob.path.to_owned(),
            blob.content.to_vec(),
        ));
        if batch_bytes >= BATCH_BYTES {
            flush(&mut batch, &mut located);
            batch_bytes = 0;
        }
    })?;
    flush(&mut batch, &mut located);
    let mut out: Vec<Finding> = located
        .iter()
        .map(|(commit, l)| {
            finding(
                l,
                Location::Commit {
                    commit: commit.clone(),
                    path: l.path.clone(),
                    line: line_of(&l.found),
                    column: column_of(&l.found),
                },
                None,
                options.show_secrets,
            )
        })
        .collect();
    out.sort();
    out.dedup();
    Ok((out, stats))
}

fn line_of(found: &SecretMatch) -> Option<u32> {
    (found.line > 0).then_some(found.line)
}

fn column_of(found: &SecretMatch) -> Option<u32> {
    (found.column > 0).then_some(found.column)
}

/// Secret rules carry no severity in gitleaks' format. Private keys and cloud-provider
/// credentials open whole accounts: CRITICAL; the generic keyword-and-entropy rule is the
/// least certain: MEDIUM; every other provider token: HIGH.
pub fn severity_of(rule_id: &str) -> Severity {
    let id = rule_id.to_ascii_lowercase();
    if id.contains("private-key")
        || ["aws-", "gcp-", "azure-", "alibaba-"]
            .iter()
            .any(|p| id.starts_with(p))
    {
        Severity::Critical
    } else if id.starts_with("generic") {
        Severity::Medium
    } else {
        Severity::High
    }
}

fn finding(located: &Located, location: Location, note: Option<String>, show: bool) -> Finding {
    let found = &located.found;
    let title = match &note {
        Some(_) => format!("{} (in a file a later layer removed)", found.description),
        None => found.description.clone(),
    };
    let shown = if show || found.secret.is_empty() {
        found.line_text.clone()
    } else if found.line_text.contains(&found.secret) {
        found.line_text.replace(&found.secret, &found.redacted())
    } else {
        // The line was cut through the secret: showing the line would show part of it.
        found.redacted()
    };
    let remediation = match note {
        Some(note) => format!(
            "{note} Rebuild without it (use build secrets rather than files or ARG/ENV), and revoke it: anyone with the image has it."
        ),
        None => "Revoke it, and load it at run time from a secret store instead.".to_owned(),
    };
    Finding {
        rule: RuleId::new(found.rule_id.clone()),
        severity: severity_of(&found.rule_id),
        title,
        location,
        evidence: Some(Evidence {
            text: shown,
            first_line: None,
        }),
        remediation: Some(remediation),
        fingerprint: Some(found.secret_fingerprint(&located.path)),
    }
}
