//! [`DirView`]: a directory on disk (a project tree or an unpacked root filesystem) as an
//! [`FsView`].

use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::{DirEntry, FileKind, FsError, FsView, Metadata, NodeKind, resolve_in_root};

/// A directory treated as a root: nothing outside it can be reached through this view.
#[derive(Debug, Clone)]
pub struct DirView {
    root: PathBuf,
}

impl DirView {
    /// Opens `root`, which must be a directory.
    pub fn new(root: impl Into<PathBuf>) -> Result<Self, FsError> {
        let root = root.into();
        let meta = fs_err::metadata(&root).map_err(|source| FsError::Io {
            path: root.display().to_string(),
            source,
        })?;
        if !meta.is_dir() {
            return Err(FsError::NotADirectory {
                path: root.display().to_string(),
            });
        }
        Ok(DirView { root })
    }

    /// The directory this view is rooted at.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn host_path(&self, image_path: &str) -> PathBuf {
        if image_path.is_empty() {
            self.root.clone()
        } else {
            self.root.join(image_path)
        }
    }

    fn lookup(&self, image_path: &str) -> NodeKind {
        match std::fs::symlink_metadata(self.host_path(image_path)) {
            Err(_) => NodeKind::Missing,
            Ok(m) if m.file_type().is_symlink() => {
                match std::fs::read_link(self.host_path(image_path)) {
                    Ok(target) => NodeKind::Symlink(target.to_string_lossy().into_owned()),
                    Err(_) => NodeKind::Missing,
                }
            }
            Ok(m) if m.is_dir() => NodeKind::Dir,
            Ok(_) => NodeKind::NonDir,
        }
    }

    fn resolve(&self, path: &str, follow_last: bool) -> Result<String, FsError> {
        resolve_in_root(path, follow_last, |p| self.lookup(p))
    }

    fn stat(&self, resolved: &str) -> Result<Metadata, FsError> {
        let host = self.host_path(resolved);
        let m = std::fs::symlink_metadata(&host).map_err(|source| io_error(resolved, source))?;
        let ft = m.file_type();
        let kind = if ft.is_symlink() {
            let target = std::fs::read_link(&host).map_err(|source| io_error(resolved, source))?;
            FileKind::Symlink {
                target: target.to_string_lossy().into_owned(),
            }
        } else if ft.is_dir() {
            FileKind::Dir
        } else if ft.is_file() {
            FileKind::File
        } else {
            FileKind::Other
        };
        Ok(Metadata {
            size: if kind == FileKind::File { m.len() } else { 0 },
            kind,
            mode: m.mode() & 0o7777,
            uid: u64::from(m.uid()),
            gid: u64::from(m.gid()),
            mtime: u64::try_from(m.mtime()).unwrap_or(0),
        })
    }
}

fn io_error(path: &str, source: std::io::Error) -> FsError {
    if source.kind() == std::io::ErrorKind::NotFound {
        FsError::NotFound {
            path: path.to_owned(),
        }
    } else {
        FsError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

impl FsView for DirView {
    fn symlink_metadata(&self, path: &str) -> Result<Metadata, FsError> {
        let resolved = self.resolve(path, false)?;
        self.stat(&resolved)
    }

    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        let dir = self.resolve(path, true)?;
        let host = self.host_path(&dir);
        let rd = fs_err::read_dir(&host).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotADirectory {
                FsError::NotADirectory { path: dir.clone() }
            } else {
                io_error(&dir, source)
            }
        })?;
        let mut out = Vec::new();
        for item in rd {
            let item = item.map_err(|source| io_error(&dir, source))?;
            let name = item.file_name().to_string_lossy().into_owned();
            let path = if dir.is_empty() {
                name
            } else {
                format!("{dir}/{name}")
            };
            // A node can vanish between listing and stat; skip it rather than fail the walk.
            match self.stat(&path) {
                Ok(metadata) => out.push(DirEntry { path, metadata }),
                Err(FsError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    fn open(&self, path: &str) -> Result<Box<dyn Read + Send + '_>, FsError> {
        let resolved = self.resolve(path, true)?;
        let meta = self.stat(&resolved)?;
        if !meta.is_file() {
            return Err(FsError::NotAFile { path: resolved });
        }
        // O_NOFOLLOW: if the final component became a symlink after we resolved it, refuse
        // rather than follow it out of the root.
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(self.host_path(&resolved))
            .map_err(|source| io_error(&resolved, source))?;
        Ok(Box::new(file))
    }

    fn canonicalize(&self, path: &str) -> Result<String, FsError> {
        let resolved = self.resolve(path, true)?;
        if self.lookup(&resolved) == NodeKind::Missing {
            return Err(FsError::NotFound { path: resolved });
        }
        Ok(resolved)
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    #[test]
    fn never_reads_outside_the_root() {
        let outer = tempfile::tempdir().unwrap();
        fs_err::write(outer.path().join("host-secret"), "host").unwrap();
        let root = outer.path().join("root");
        fs_err::create_dir_all(root.join("etc")).unwrap();
        fs_err::write(root.join("etc/host-secret"), "image").unwrap();
        symlink("../host-secret", root.join("rel")).unwrap();
        symlink(outer.path().join("host-secret"), root.join("abs")).unwrap();
        symlink("loop", root.join("loop")).unwrap();

        let view = DirView::new(&root).unwrap();
        // `../host-secret` from the root stays at the root: `/host-secret` does not exist in it.
        assert!(matches!(
            view.read_to_vec("rel", 100),
            Err(FsError::NotFound { .. })
        ));
        // An absolute link to the host path is re-rooted; that path does not exist in the root.
        assert!(view.read_to_vec("abs", 100).is_err());
        assert!(matches!(
            view.open("loop"),
            Err(FsError::SymlinkLoop { .. })
        ));
        assert_eq!(
            view.read_to_vec("/etc/../etc/host-secret", 100).unwrap(),
            b"image"
        );

        let mut seen = Vec::new();
        view.walk(&mut |e| {
            seen.push(e.path.clone());
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, ["abs", "etc", "etc/host-secret", "loop", "rel"]);
    }

    #[test]
    fn size_limit_is_enforced() {
        let root = tempfile::tempdir().unwrap();
        fs_err::write(root.path().join("big"), vec![b'x'; 4096]).unwrap();
        let view = DirView::new(root.path()).unwrap();
        assert!(matches!(
            view.read_to_vec("big", 100),
            Err(FsError::TooLarge { .. })
        ));
        assert_eq!(view.read_to_vec("big", 4096).unwrap().len(), 4096);
    }
}
