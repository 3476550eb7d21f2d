//! In-root path resolution with chroot semantics, shared by every [`crate::FsView`].
//!
//! Written here rather than taken from `cap-std`: cap-std refuses absolute symlinks, but a root
//! filesystem is full of them (`/etc/alternatives/*`, `/usr/bin/python3 -> /usr/bin/python3.11`)
//! and they must resolve *inside* the image, the way `filepath-securejoin` does for runc.

use std::collections::VecDeque;

use crate::FsError;

/// How many symlinks one resolution may pass through; Linux's own limit (`MAXSYMLINKS`).
pub const MAX_SYMLINK_HOPS: usize = 40;

/// What a lookup found at a path, as [`resolve_in_root`] needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    Missing,
    Dir,
    /// A regular file, device or anything else that is not a directory or symlink.
    NonDir,
    Symlink(String),
}

/// Lexically normalises an image path: drops empty and `.` components and a leading `/`, and
/// applies `..` without ever going above the root. Does not touch symlinks.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// Resolves `path` inside the root: every symlink met is replaced by its target, an absolute
/// target restarts at the root, and `..` stops at the root. `lookup` answers what a fully
/// resolved candidate path is. If `follow_last` is false a final symlink is kept as is (lstat).
///
/// Errors: [`FsError::NotFound`] for a missing intermediate component (a missing *final*
/// component resolves fine; the caller decides), [`FsError::NotADirectory`] when a file is used
/// as a directory, [`FsError::SymlinkLoop`] past [`MAX_SYMLINK_HOPS`].
pub fn resolve_in_root<F>(path: &str, follow_last: bool, mut lookup: F) -> Result<String, FsError>
where
    F: FnMut(&str) -> NodeKind,
{
    if path.contains('\0') {
        return Err(FsError::InvalidPath {
            path: path.replace('\0', "\\0"),
            reason: "contains a NUL byte",
        });
    }
    let mut pending: VecDeque<String> = components(path).map(str::to_owned).collect();
    let mut resolved: Vec<String> = Vec::new();
    let mut hops = 0usize;
    while let Some(comp) = pending.pop_front() {
        if comp == ".." {
            resolved.pop();
            continue;
        }
        let candidate = if resolved.is_empty() {
            comp.clone()
        } else {
            format!("{}/{comp}", resolved.join("/"))
        };
        let is_last = pending.is_empty();
        match lookup(&candidate) {
            NodeKind::Symlink(target) if !is_last || follow_last => {
                hops += 1;
                if hops > MAX_SYMLINK_HOPS {
                    return Err(FsError::SymlinkLoop {
                        path: normalize(path),
                    });
                }
                if target.starts_with('/') {
                    resolved.clear();
                }
                for part in components(&target).rev() {
                    pending.push_front(part.to_owned());
                }
            }
            NodeKind::Missing if !is_last => return Err(FsError::NotFound { path: candidate }),
            NodeKind::NonDir if !is_last => return Err(FsError::NotADirectory { path: candidate }),
            _ => resolved.push(comp),
        }
    }
    Ok(resolved.join("/"))
}

fn components(path: &str) -> impl DoubleEndedIterator<Item = &str> {
    path.split('/').filter(|c| !c.is_empty() && *c != ".")
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn tree(entries: &[(&str, NodeKind)]) -> HashMap<String, NodeKind> {
        entries
            .iter()
            .map(|(p, k)| ((*p).to_owned(), k.clone()))
            .collect()
    }

    fn resolve(t: &HashMap<String, NodeKind>, path: &str) -> Result<String, FsError> {
        resolve_in_root(path, true, |p| {
            t.get(p).cloned().unwrap_or(NodeKind::Missing)
        })
    }

    #[test]
    fn normalize_clamps_at_root() {
        assert_eq!(normalize("/../../etc//./passwd"), "etc/passwd");
        assert_eq!(normalize("a/b/../c"), "a/c");
        assert_eq!(normalize("/"), "");
    }

    #[test]
    fn symlinks_stay_inside_the_root() {
        let t = tree(&[
            ("etc", NodeKind::Dir),
            ("etc/shadow", NodeKind::NonDir),
            ("up", NodeKind::Symlink("../../../../etc/shadow".into())),
            ("abs", NodeKind::Symlink("/etc/shadow".into())),
            ("lib", NodeKind::Symlink("usr/lib".into())),
            ("usr", NodeKind::Dir),
            ("usr/lib", NodeKind::Dir),
            ("usr/lib/x", NodeKind::NonDir),
        ]);
        assert_eq!(resolve(&t, "up").unwrap(), "etc/shadow");
        assert_eq!(resolve(&t, "/abs").unwrap(), "etc/shadow");
        assert_eq!(resolve(&t, "lib/x").unwrap(), "usr/lib/x");
        // `..` is physical, as in the kernel: it leaves the symlink's target, not the link.
        assert_eq!(resolve(&t, "lib/../lib/x").unwrap(), "usr/lib/x");
        assert!(
            matches!(resolve(&t, "lib/../etc/shadow"), Err(FsError::NotFound { path }) if path == "usr/etc")
        );
        let kept = resolve_in_root("lib", false, |p| {
            t.get(p).cloned().unwrap_or(NodeKind::Missing)
        });
        assert_eq!(kept.unwrap(), "lib");
    }

    #[test]
    fn loops_and_bad_parents_are_errors() {
        let t = tree(&[
            ("a", NodeKind::Symlink("b".into())),
            ("b", NodeKind::Symlink("/a".into())),
            ("self", NodeKind::Symlink("self/x".into())),
            ("f", NodeKind::NonDir),
        ]);
        assert!(matches!(resolve(&t, "a"), Err(FsError::SymlinkLoop { .. })));
        assert!(matches!(
            resolve(&t, "self"),
            Err(FsError::SymlinkLoop { .. })
        ));
        assert!(matches!(
            resolve(&t, "f/x"),
            Err(FsError::NotADirectory { .. })
        ));
        assert!(matches!(
            resolve(&t, "nope/x"),
            Err(FsError::NotFound { .. })
        ));
        assert_eq!(resolve(&t, "nope").unwrap(), "nope");
        assert!(matches!(
            resolve(&t, "a\0b"),
            Err(FsError::InvalidPath { .. })
        ));
    }
}
