//! Reads a git repository's whole history, so the secret scanner can look at every blob that
//! was ever committed, not only the files in the current checkout.
//!
//! [`for_each_history_blob`] opens a repository (a work tree with `.git`, or a bare repository),
//! takes every commit reachable from `HEAD` (even detached) and from every reference under
//! `refs/` (branches, tags, remote-tracking refs, notes, the stash), and hands each distinct
//! blob to a visitor exactly **once**, as a [`HistoryBlob`]: its id, the commit that introduced
//! it and the path it had there. "Introduced" means the first commit whose tree contains the blob
//! at some path, with commits ordered oldest first: a commit never comes before its parents, and
//! among the commits whose parents have all been seen, the one with the oldest committer date
//! comes first (ties broken by commit id, so the result never depends on reference order). A
//! file that was added and later deleted is still found, with the commit that added it; a file
//! that was renamed is reported once, with its first path; content stored at two paths of the
//! same commit is reported with the first of them in git's tree order (the order of
//! `git ls-tree -r`).
//!
//! The inputs are a path and [`HistoryOptions`]; the outputs are the visitor calls and
//! [`HistoryStats`]. Errors are [`GitError`] values that name the repository and the object.
//!
//! What this crate deliberately does not do:
//! - **Run anything.** The repository is read with gitoxide (`gix`), which never runs hooks,
//!   `core.fsmonitor`, `core.sshCommand`, clean/smudge filters, credential helpers or any other
//!   configured command, and this crate asks it for nothing that would (no network, no work-tree
//!   status, no index, no checkout). It is opened *isolated*: only the repository's own config is
//!   read (never the user's or the system's, never `include.path`), and no environment variable
//!   (`GIT_DIR`, `GIT_OBJECT_DIRECTORY`, …) is consulted. A repository is attacker-controlled
//!   input here, and its config is treated as such.
//! - **Touch the work tree.** Only objects are read, so a symlink in history is just a blob whose
//!   content is the link target; nothing on disk is followed. (Objects may come from the
//!   alternate object directories that `objects/info/alternates` names, exactly as git reads
//!   them; they are still only objects reachable from this repository's references.)
//! - **Honour replace refs.** `refs/replace/*` would let a repository show a doctored history;
//!   replacement is switched off, so the real objects are read, and the replacement objects are
//!   scanned too, because they are reachable from a reference.
//! - **Hold large blobs.** A blob's size is read from its header first; blobs over
//!   [`HistoryOptions::max_blob_size`] are counted in [`HistoryStats::skipped_large`] and never
//!   decompressed. One blob buffer is reused, so memory is bounded by that cap, the delta-base
//!   cache (96 MiB) and the per-commit/tree/blob bookkeeping (ids only). Packed objects whose
//!   delta base is itself huge are the remaining case gitoxide decodes whole.
//! - **Report objects that no commit contains.** A tag that points directly at a tree or a blob,
//!   and the blobs of submodules (gitlinks name a commit of another repository), are out of scope.
//!
//! Paths are git's bytes shown as UTF-8, with invalid sequences replaced (`U+FFFD`).
//!
//! ```no_run
//! use bulkhead_git::{HistoryOptions, for_each_history_blob};
//!
//! let options = HistoryOptions { max_blob_size: 10 << 20, max_commits: None };
//! let stats = for_each_history_blob(std::path::Path::new("."), &options, &mut |blob| {
//!     if blob.content.windows(8).any(|w| w == b"AKIA0000") {
//!         // A finding at `blob.path`, introduced by commit `blob.commit`.
//!     }
//! })?;
//! assert!(stats.blobs + stats.skipped_large >= 1);
//! # Ok::<(), bulkhead_git::GitError>(())
//! ```

mod walk;

use std::path::{Path, PathBuf};

/// What to read and how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryOptions {
    /// Blobs larger than this many bytes are counted in [`HistoryStats::skipped_large`] and
    /// never read.
    pub max_blob_size: u64,
    /// Scan at most this many commits: the newest ones by committer date, walking back from the
    /// references. `None` scans all of history. With a cap, "the commit that introduced a blob"
    /// is the oldest such commit *within the scanned window*.
    pub max_commits: Option<usize>,
}

impl Default for HistoryOptions {
    /// 10 MiB per blob (the secret scanner's file cap), all commits.
    fn default() -> Self {
        Self {
            max_blob_size: 10 << 20,
            max_commits: None,
        }
    }
}

/// One distinct blob of history, with the commit and path that introduced it.
#[derive(Debug, Clone, Copy)]
pub struct HistoryBlob<'a> {
    /// The blob's object id, as lowercase hex.
    pub blob: &'a str,
    /// The id (lowercase hex) of the first commit whose tree contains the blob.
    pub commit: &'a str,
    /// The blob's `/`-separated path in that commit's tree (the first such path in tree order).
    pub path: &'a str,
    /// The blob's content, at most [`HistoryOptions::max_blob_size`] bytes.
    pub content: &'a [u8],
}

/// What a history scan did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistoryStats {
    /// Commits whose trees were read.
    pub commits: u64,
    /// Distinct blobs handed to the visitor.
    pub blobs: u64,
    /// Distinct blobs over [`HistoryOptions::max_blob_size`], counted but not read.
    pub skipped_large: u64,
    /// Whether [`HistoryOptions::max_commits`] left older commits unscanned.
    pub truncated: bool,
}

/// Why a repository's history could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GitError {
    /// The path is neither a work tree with a `.git` nor a (bare) git directory.
    #[error("not a git repository: `{}`", path.display())]
    NotARepository {
        path: PathBuf,
        #[source]
        source: gix::Error,
    },
    #[error("cannot open the git repository `{}`", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: gix::Error,
    },
    #[error("cannot list the references of `{}`", path.display())]
    References {
        path: PathBuf,
        #[source]
        source: gix::Error,
    },
    #[error("cannot resolve reference `{name}` in `{}`", path.display())]
    Reference {
        path: PathBuf,
        name: String,
        #[source]
        source: gix::Error,
    },
    #[error("cannot read object `{id}` in `{}`", path.display())]
    ReadObject {
        path: PathBuf,
        id: String,
        #[source]
        source: gix::Error,
    },
    /// A reachable object is absent: the repository is corrupt, or a partial clone.
    #[error("object `{id}` is missing from `{}` (a corrupt repository or a partial clone)", path.display())]
    MissingObject { path: PathBuf, id: String },
    #[error("object `{id}` in `{}` is a {found}, expected a {expected}", path.display())]
    UnexpectedKind {
        path: PathBuf,
        id: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("cannot decode {kind} `{id}` in `{}`", path.display())]
    Decode {
        path: PathBuf,
        id: String,
        kind: &'static str,
        #[source]
        source: gix::Error,
    },
    #[error("commit `{id}` in `{}` has no {field}", path.display())]
    MalformedCommit {
        path: PathBuf,
        id: String,
        field: &'static str,
    },
}

/// Calls `visit` once for every distinct blob reachable from `HEAD` and any reference of the
/// repository at `repo` (a work tree or a bare repository; parent directories are not searched),
/// oldest commits first, and returns what it did. See the crate documentation for the order and
/// for what is never done (hooks, configured commands, the work tree).
pub fn for_each_history_blob(
    repo: &Path,
    options: &HistoryOptions,
    visit: &mut dyn FnMut(HistoryBlob<'_>),
) -> Result<HistoryStats, GitError> {
    walk::run(repo, options, visit)
}
