//! Where blobs live: a directory (an OCI layout, or blobs downloaded from a registry) or the
//! members of a tar file (a docker-archive), read in place without extracting it.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bulkhead_fsview::{NodeKind, normalize, resolve_in_root};

use crate::digest::{Digest, HashingReader};
use crate::error::{BlobRole, ImageError};

/// A readable blob and its size as the store sees it.
pub(crate) type BlobReader = Box<dyn Read + Send>;

#[derive(Debug)]
pub(crate) enum BlobStore {
    /// Blobs are files under `root` (`blobs/sha256/<hex>`, or any relative member name).
    Dir {
        root: PathBuf,
        /// Keeps a download directory alive as long as any view reads from it.
        _keep: Option<Arc<tempfile::TempDir>>,
    },
    Tar(TarMembers),
}

/// The members of an uncompressed tar file, indexed once so each can be read by seeking.
#[derive(Debug)]
pub(crate) struct TarMembers {
    path: PathBuf,
    members: HashMap<String, Member>,
    _keep: Option<Arc<tempfile::TempDir>>,
}

#[derive(Debug, Clone)]
enum Member {
    File { offset: u64, size: u64 },
    Dir,
    Link(String),
}

impl TarMembers {
    /// Indexes the tar at `path`. `keep` holds a temporary directory the file lives in.
    pub(crate) fn index(
        path: &Path,
        keep: Option<Arc<tempfile::TempDir>>,
        max_entries: u64,
    ) -> Result<Self, ImageError> {
        let bad = |reason: String| ImageError::NotADockerArchive {
            path: path.to_owned(),
            reason,
        };
        let file = fs_err::File::open(path).map_err(|e| ImageError::io(path, e))?;
        let mut archive = tar::Archive::new(io::BufReader::new(file));
        let mut members = HashMap::new();
        let entries = archive
            .entries()
            .map_err(|e| bad(format!("not a tar file: {e}")))?;
        for (n, entry) in entries.enumerate() {
            if n as u64 >= max_entries {
                return Err(bad(format!("more than {max_entries} tar members")));
            }
            let entry = entry.map_err(|e| bad(format!("corrupt tar: {e}")))?;
            let name = normalize(&String::from_utf8_lossy(&entry.path_bytes()));
            let member = match entry.header().entry_type() {
                tar::EntryType::Regular | tar::EntryType::Continuous => Member::File {
                    offset: entry.raw_file_position(),
                    size: entry.size(),
                },
                tar::EntryType::Directory => Member::Dir,
                tar::EntryType::Symlink => {
                    let target = entry.link_name_bytes().unwrap_or_default();
                    let target = String::from_utf8_lossy(&target).into_owned();
                    // A relative symlink target is relative to the member's directory.
                    let parent = name.rsplit_once('/').map_or("", |(p, _)| p);
                    Member::Link(if target.starts_with('/') {
                        target
                    } else {
                        format!("{parent}/{target}")
                    })
                }
                tar::EntryType::Link => {
                    let target = entry.link_name_bytes().unwrap_or_default();
                    Member::Link(format!("/{}", String::from_utf8_lossy(&target)))
                }
                _ => continue,
            };
            members.insert(name, member);
        }
        Ok(TarMembers {
            path: path.to_owned(),
            members,
            _keep: keep,
        })
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        self.locate(name).is_some()
    }

    /// Follows links between members (Docker 25+ writes `<id>/layer.tar` as a symlink to
    /// `blobs/sha256/<hex>`), never outside the archive.
    fn locate(&self, name: &str) -> Option<(u64, u64)> {
        let resolved = resolve_in_root(name, true, |p| match self.members.get(p) {
            None => NodeKind::Missing,
            Some(Member::Dir) => NodeKind::Dir,
            Some(Member::File { .. }) => NodeKind::NonDir,
            Some(Member::Link(t)) => NodeKind::Symlink(t.clone()),
        })
        .ok()?;
        match self.members.get(&resolved)? {
            Member::File { offset, size } => Some((*offset, *size)),
            _ => None,
        }
    }

    fn open(&self, name: &str) -> Result<Option<(BlobReader, u64)>, ImageError> {
        let Some((offset, size)) = self.locate(name) else {
            return Ok(None);
        };
        let mut file = fs_err::File::open(&self.path).map_err(|e| ImageError::io(&self.path, e))?;
        file.seek(SeekFrom::Start(offset))
            .map_err(|e| ImageError::io(&self.path, e))?;
        Ok(Some((Box::new(file.into_parts().0.take(size)), size)))
    }

    pub(crate) fn member_names(&self) -> impl Iterator<Item = &str> {
        self.members.keys().map(String::as_str)
    }
}

impl BlobStore {
    pub(crate) fn describe(&self) -> String {
        match self {
            BlobStore::Dir { root, .. } => format!("`{}`", root.display()),
            BlobStore::Tar(t) => format!("`{}`", t.path.display()),
        }
    }

    /// The store path of a content-addressed blob.
    pub(crate) fn digest_path(digest: &Digest) -> String {
        format!("blobs/sha256/{}", digest.hex())
    }

    /// Opens a blob by its path inside the store. `None` if it does not exist.
    pub(crate) fn open(&self, name: &str) -> Result<Option<(BlobReader, u64)>, ImageError> {
        match self {
            BlobStore::Dir { root, .. } => {
                let path = root.join(normalize(name));
                // Never follow a symlink out of the layout: blobs are plain files.
                match std::fs::OpenOptions::new()
                    .read(true)
                    .custom_flags(libc::O_NOFOLLOW)
                    .open(&path)
                {
                    Ok(file) => {
                        let size = file.metadata().map_err(|e| ImageError::io(&path, e))?.len();
                        Ok(Some((Box::new(file) as BlobReader, size)))
                    }
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(ImageError::io(&path, e)),
                }
            }
            BlobStore::Tar(t) => t.open(name),
        }
    }

    pub(crate) fn open_required(
        &self,
        role: BlobRole,
        name: &str,
        digest_for_error: &str,
    ) -> Result<(BlobReader, u64), ImageError> {
        self.open(name)?.ok_or_else(|| ImageError::BlobMissing {
            role,
            digest: digest_for_error.to_owned(),
            store: self.describe(),
        })
    }

    /// Reads a small JSON blob whole, refusing it before reading if it claims (or turns out) to
    /// be over `limit`, and checking its digest and declared size when they are known.
    pub(crate) fn read_small(
        &self,
        role: BlobRole,
        name: &str,
        expected: Option<(&Digest, u64)>,
        limit: u64,
    ) -> Result<Vec<u8>, ImageError> {
        let label = expected.map_or_else(|| name.to_owned(), |(d, _)| d.to_string());
        let (reader, store_size) = self.open_required(role, name, &label)?;
        let declared = expected.map_or(store_size, |(_, s)| s);
        for size in [declared, store_size] {
            if size > limit {
                return Err(ImageError::JsonTooLarge {
                    what: format!("{role} `{label}`"),
                    size,
                    limit,
                });
            }
        }
        let mut hashing = HashingReader::new(reader.take(limit + 1));
        let mut bytes = Vec::with_capacity(usize::try_from(store_size).unwrap_or(0));
        hashing
            .read_to_end(&mut bytes)
            .map_err(|e| ImageError::io(name, e))?;
        let (actual, count) = hashing.finish().map_err(|e| ImageError::io(name, e))?;
        if let Some((digest, size)) = expected {
            if actual != *digest {
                return Err(ImageError::DigestMismatch {
                    role,
                    expected: digest.to_string(),
                    actual: actual.to_string(),
                });
            }
            if count != size {
                return Err(ImageError::SizeMismatch {
                    role,
                    digest: digest.to_string(),
                    expected: size,
                    actual: count,
                });
            }
        }
        Ok(bytes)
    }
}

/// Opens a plain file that may be gzip-compressed; used for docker-archives saved through
/// `gzip`. Returns the path of an uncompressed copy (in `tmp`) or the original path.
pub(crate) fn ungzip_if_needed(
    path: &Path,
    max_bytes: u64,
) -> Result<(PathBuf, Option<Arc<tempfile::TempDir>>), ImageError> {
    let mut file = fs_err::File::open(path).map_err(|e| ImageError::io(path, e))?;
    let mut magic = [0u8; 2];
    let n = read_up_to(&mut file, &mut magic).map_err(|e| ImageError::io(path, e))?;
    if n < 2 || magic != [0x1f, 0x8b] {
        return Ok((path.to_owned(), None));
    }
    file.seek(SeekFrom::Start(0))
        .map_err(|e| ImageError::io(path, e))?;
    let tmp = tempfile::Builder::new()
        .prefix("bulkhead-archive-")
        .tempdir()
        .map_err(|e| ImageError::io(std::env::temp_dir(), e))?;
    let out_path = tmp.path().join("archive.tar");
    let mut out: File = fs_err::File::create(&out_path)
        .map_err(|e| ImageError::io(&out_path, e))?
        .into_parts()
        .0;
    let decoder = flate2::read::MultiGzDecoder::new(io::BufReader::new(file));
    let copied = io::copy(&mut decoder.take(max_bytes + 1), &mut out).map_err(|e| {
        ImageError::NotADockerArchive {
            path: path.to_owned(),
            reason: format!("corrupt gzip: {e}"),
        }
    })?;
    if copied > max_bytes {
        return Err(ImageError::NotADockerArchive {
            path: path.to_owned(),
            reason: format!("decompresses to more than the limit of {max_bytes} bytes"),
        });
    }
    Ok((out_path, Some(Arc::new(tmp))))
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}
