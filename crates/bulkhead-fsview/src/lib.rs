//! A read-only view of a filesystem that can never be led outside its root.
//!
//! Every Bulkhead analyzer reads files through [`FsView`], whether they come from a directory on
//! disk ([`DirView`]) or from the merged layers of a container image (`bulkhead-image`). Paths
//! are always *image paths*: `/`-separated, relative to the root (`etc/os-release`; a leading
//! `/` is accepted and ignored). Symlinks are resolved with chroot semantics by
//! [`resolve_in_root`]: an absolute target starts again at the root and `..` stops at the root,
//! so `etc/passwd -> ../../../../etc/shadow` names the image's own `etc/shadow`, never the
//! host's. Resolution is bounded ([`MAX_SYMLINK_HOPS`]), so loops are an error, not a hang.
//!
//! What this crate does not do: write anything, follow a symlink out of the root, or decide
//! what is interesting to read. The directory implementation resolves names itself and opens
//! the final component with `O_NOFOLLOW`; a tree that is being changed *while* it is scanned can
//! still race it between the check and the open, which is acceptable for a scanner (it reads,
//! never writes) and documented here rather than hidden.
//!
//! ```
//! use bulkhead_fsview::{DirView, FsView};
//! # let dir = tempfile::tempdir().unwrap();
//! # std::fs::create_dir(dir.path().join("etc")).unwrap();
//! # std::fs::write(dir.path().join("etc/os-release"), "ID=debian\n").unwrap();
//! # std::os::unix::fs::symlink("/../../../etc/os-release", dir.path().join("escape")).unwrap();
//! let view = DirView::new(dir.path()).unwrap();
//! // An absolute symlink target resolves inside the root, not on the host.
//! assert_eq!(view.canonicalize("escape").unwrap(), "etc/os-release");
//! assert_eq!(view.read_to_vec("/escape", 1024).unwrap(), b"ID=debian\n");
//! ```

mod dir;
mod resolve;

use std::io::Read;

pub use dir::DirView;
pub use resolve::{MAX_SYMLINK_HOPS, NodeKind, normalize, resolve_in_root};

/// What kind of node a path is. Symlinks carry their raw target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    File,
    Dir,
    Symlink {
        target: String,
    },
    /// Devices, FIFOs, sockets: listed, never read.
    Other,
}

/// Metadata of one node, without following a final symlink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    pub kind: FileKind,
    /// Size in bytes of a regular file's content; 0 for everything else.
    pub size: u64,
    /// Permission bits (including setuid/setgid/sticky), without the file-type bits.
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    /// Modification time, seconds since the epoch.
    pub mtime: u64,
}

impl Metadata {
    pub fn is_file(&self) -> bool {
        self.kind == FileKind::File
    }

    pub fn is_dir(&self) -> bool {
        self.kind == FileKind::Dir
    }
}

/// One node met while listing or walking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// Full image path of the node (relative to the root, no leading `/`).
    pub path: String,
    pub metadata: Metadata,
}

impl DirEntry {
    /// The last path component.
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// Errors of a filesystem view. Each names the image path it is about.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FsError {
    #[error("`/{path}` does not exist")]
    NotFound { path: String },
    #[error("`/{path}` is not a directory")]
    NotADirectory { path: String },
    #[error("`/{path}` is not a regular file")]
    NotAFile { path: String },
    #[error("too many levels of symbolic links resolving `/{path}` (limit {MAX_SYMLINK_HOPS})")]
    SymlinkLoop { path: String },
    #[error("invalid path `{path}`: {reason}")]
    InvalidPath { path: String, reason: &'static str },
    #[error("`/{path}` is larger than the limit of {limit} bytes")]
    TooLarge { path: String, limit: u64 },
    #[error("directory tree under `/{path}` is deeper than {limit} levels")]
    TooDeep { path: String, limit: usize },
    #[error("cannot read `/{path}`")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A failure of the storage under the view (for images: a layer that cannot be re-read).
    #[error("cannot read `/{path}` from its backing store")]
    Backend {
        path: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// What a reader of compressed layers should do with a file's bytes as they stream past
/// during verification, so a later [`FsView::read_selected`] need not decompress the layer
/// again. Views without layers ignore it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefetch {
    /// Not needed later.
    Skip,
    /// Keep the content in memory (within the reader's budget).
    Keep,
    /// Needed only if the content contains one of these byte strings: scan for them as the
    /// bytes pass, and deliver the file later only if one is found.
    ProbeFor(&'static [&'static [u8]]),
}

/// Decides [`Prefetch`] for a file from its path and metadata.
pub type PrefetchPolicy<'a> = dyn Fn(&str, &Metadata) -> Prefetch + Sync + 'a;

/// Receives each file [`FsView::read_selected`] reads: its path and content (or why not).
pub type FileVisitor<'a> = dyn FnMut(&str, Result<Vec<u8>, FsError>) + 'a;

/// How deep [`FsView::walk`] goes before refusing; deeper trees are hostile, not real.
pub const MAX_WALK_DEPTH: usize = 256;

/// A read-only filesystem rooted somewhere, that never resolves a path outside that root.
pub trait FsView: Send + Sync {
    /// Metadata of `path` itself; a final symlink is not followed. Intermediate symlinks are
    /// resolved inside the root.
    fn symlink_metadata(&self, path: &str) -> Result<Metadata, FsError>;

    /// The nodes directly inside directory `path` (symlinks to directories are followed, inside
    /// the root), sorted by name.
    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError>;

    /// Opens the regular file at `path` for streaming, following symlinks inside the root.
    fn open(&self, path: &str) -> Result<Box<dyn Read + Send + '_>, FsError>;

    /// The path with every symlink resolved inside the root, normalised, without a leading `/`.
    fn canonicalize(&self, path: &str) -> Result<String, FsError>;

    /// Metadata of what `path` points at, following symlinks inside the root.
    fn metadata(&self, path: &str) -> Result<Metadata, FsError> {
        let real = self.canonicalize(path)?;
        self.symlink_metadata(&real)
    }

    /// Reads a whole regular file, refusing files over `limit` bytes (a hostile image can claim
    /// any size; never trust it for an allocation).
    fn read_to_vec(&self, path: &str, limit: u64) -> Result<Vec<u8>, FsError> {
        let meta = self.metadata(path)?;
        if !meta.is_file() {
            return Err(FsError::NotAFile {
                path: normalize(path),
            });
        }
        if meta.size > limit {
            return Err(FsError::TooLarge {
                path: normalize(path),
                limit,
            });
        }
        let mut out = Vec::with_capacity(usize::try_from(meta.size).unwrap_or(0));
        let reader = self.open(path)?;
        reader
            .take(limit.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|source| FsError::Io {
                path: normalize(path),
                source,
            })?;
        if out.len() as u64 > limit {
            return Err(FsError::TooLarge {
                path: normalize(path),
                limit,
            });
        }
        Ok(out)
    }

    /// Reads every regular file (not following symlinks) for which `select` returns true and
    /// whose size is at most `max_size`, and hands each one's content to `visit`, in no
    /// particular order. A file that cannot be read is reported to `visit` as an error; the
    /// pass goes on. The default opens each file in turn; an image view overrides it to stream
    /// each layer only once, since reopening a compressed layer per file would be quadratic.
    fn read_selected(
        &self,
        select: &dyn Fn(&str, &Metadata) -> bool,
        max_size: u64,
        visit: &mut FileVisitor<'_>,
    ) -> Result<(), FsError> {
        let mut chosen = Vec::new();
        self.walk(&mut |entry| {
            if entry.metadata.is_file()
                && entry.metadata.size <= max_size
                && select(&entry.path, &entry.metadata)
            {
                chosen.push(entry.path.clone());
            }
            Ok(())
        })?;
        for path in chosen {
            visit(&path, self.read_to_vec(&path, max_size));
        }
        Ok(())
    }

    /// Which layer (its blob digest) last wrote `path`, for views that have layers.
    fn origin_layer(&self, path: &str) -> Option<String> {
        let _ = path;
        None
    }

    /// Visits every node under the root, parents before children, siblings in name order.
    /// Symlinks are reported, not followed, so a loop cannot trap the walk.
    fn walk(&self, visit: &mut dyn FnMut(&DirEntry) -> Result<(), FsError>) -> Result<(), FsError> {
        fn go(
            view: &(impl FsView + ?Sized),
            dir: &str,
            depth: usize,
            visit: &mut dyn FnMut(&DirEntry) -> Result<(), FsError>,
        ) -> Result<(), FsError> {
            if depth > MAX_WALK_DEPTH {
                return Err(FsError::TooDeep {
                    path: dir.to_owned(),
                    limit: MAX_WALK_DEPTH,
                });
            }
            for entry in view.read_dir(dir)? {
                visit(&entry)?;
                if entry.metadata.is_dir() {
                    go(view, &entry.path, depth + 1, visit)?;
                }
            }
            Ok(())
        }
        go(self, "", 0, visit)
    }
}
