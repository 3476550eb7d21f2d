//! The history walk: collect the reachable commits, order them oldest first, and read each
//! commit's tree depth-first, skipping every tree and blob already seen.
//!
//! Skipping a tree that was already read is what keeps this linear in the number of distinct
//! objects rather than commits × files: a tree id fixes its whole content, so every blob under
//! it was already reported (or counted) when the tree was first read, by an earlier commit or an
//! earlier path of the same commit.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::Path;

use gix::ObjectId;
use gix::hashtable::{HashMap, HashSet};
use gix::objs::commit::ref_iter::Token;
use gix::objs::{CommitRefIter, Find as _, FindHeader as _, Kind, TreeRefIter};

use crate::{GitError, HistoryBlob, HistoryOptions, HistoryStats};

/// The delta-base cache of the pack reader. Without one, every object at depth *n* of a delta
/// chain re-inflates the *n* objects below it.
const PACK_CACHE_BYTES: usize = 96 << 20;

/// The least allocation gitoxide may make for one object (a tree, a commit, a delta base), unless
/// `max_blob_size` is larger. git itself never deltifies blobs over `core.bigFileThreshold`
/// (512 MiB by default), so no pack git wrote needs more; a doctored object asking for more is
/// an error instead of an out-of-memory abort. Set explicitly, this also replaces gitoxide's
/// 16 MiB default for repositories owned by another user, which would fail on ordinary repos.
const ALLOC_LIMIT_FLOOR: u64 = 512 << 20;

pub(crate) fn run(
    path: &Path,
    options: &HistoryOptions,
    visit: &mut dyn FnMut(HistoryBlob<'_>),
) -> Result<HistoryStats, GitError> {
    let mut repo = open(path, options.max_blob_size.max(ALLOC_LIMIT_FLOOR))?;
    repo.objects.set_pack_cache(|| {
        Box::new(gix::odb::pack::cache::lru::StaticLinkedList::<64>::new(
            PACK_CACHE_BYTES,
        ))
    });
    let reader = Reader {
        hash: repo.object_hash(),
        repo: &repo,
        path,
    };
    let tips = reader.tips()?;
    let graph = reader.collect_commits(&tips, options.max_commits)?;
    let order = oldest_first(&graph);

    let mut stats = HistoryStats {
        truncated: graph.truncated,
        ..HistoryStats::default()
    };
    let mut scan = TreeScan::default();
    for index in order {
        let node = &graph.nodes[index];
        stats.commits += 1;
        scan.commit(&reader, node, options, &mut stats, visit)?;
    }
    Ok(stats)
}

fn open(path: &Path, alloc_limit: u64) -> Result<gix::Repository, GitError> {
    // API overrides take precedence over the repository's own config.
    let options = gix::open::Options::isolated().config_overrides([
        // Read the real objects: `refs/replace/*` must not be able to hide history.
        "core.useReplaceRefs=false".to_owned(),
        format!("gitoxide.objects.allocLimit={alloc_limit}"),
    ]);
    gix::open_opts(path, options).map_err(|source| {
        if source.is_not_found() {
            GitError::NotARepository {
                path: path.to_owned(),
                source,
            }
        } else {
            GitError::Open {
                path: path.to_owned(),
                source,
            }
        }
    })
}

/// Object access with errors that name the repository and the object.
struct Reader<'r> {
    repo: &'r gix::Repository,
    path: &'r Path,
    hash: gix::hash::Kind,
}

impl Reader<'_> {
    fn kind_of(&self, id: &gix::oid) -> Result<(Kind, u64), GitError> {
        match self.repo.objects.try_header(id) {
            Ok(Some(header)) => Ok((header.kind, header.size)),
            Ok(None) => Err(self.missing(id)),
            Err(source) => Err(GitError::ReadObject {
                path: self.path.to_owned(),
                id: id.to_string(),
                source,
            }),
        }
    }

    fn read<'b>(
        &self,
        id: &gix::oid,
        expected: Kind,
        buf: &'b mut Vec<u8>,
    ) -> Result<&'b [u8], GitError> {
        match self.repo.objects.try_find(id, buf) {
            Ok(Some(data)) if data.kind == expected => Ok(data.data),
            Ok(Some(data)) => Err(self.unexpected(id, expected, data.kind)),
            Ok(None) => Err(self.missing(id)),
            Err(source) => Err(GitError::ReadObject {
                path: self.path.to_owned(),
                id: id.to_string(),
                source,
            }),
        }
    }

    fn missing(&self, id: &gix::oid) -> GitError {
        GitError::MissingObject {
            path: self.path.to_owned(),
            id: id.to_string(),
        }
    }

    fn unexpected(&self, id: &gix::oid, expected: Kind, found: Kind) -> GitError {
        GitError::UnexpectedKind {
            path: self.path.to_owned(),
            id: id.to_string(),
            expected: kind_name(expected),
            found: kind_name(found),
        }
    }

    fn decode(&self, id: &gix::oid, kind: Kind, source: gix::Error) -> GitError {
        GitError::Decode {
            path: self.path.to_owned(),
            id: id.to_string(),
            kind: kind_name(kind),
            source,
        }
    }

    /// The commits that `HEAD` and every reference under `refs/` peel to. References that peel
    /// to a tree or a blob name no commit and are left out; a symbolic reference whose target
    /// does not exist (an unborn `HEAD`, a stale `refs/remotes/origin/HEAD`) names nothing.
    fn tips(&self) -> Result<Vec<ObjectId>, GitError> {
        let references_error = |source| GitError::References {
            path: self.path.to_owned(),
            source,
        };
        let platform = self.repo.references().map_err(references_error)?;
        let all = platform.all().map_err(references_error)?;
        let head = self.repo.find_reference("HEAD");
        let mut tips = Vec::new();
        for reference in std::iter::once(head).chain(all) {
            let mut reference = reference.map_err(references_error)?;
            let symbolic = reference.target().try_id().is_none();
            match reference.peel_to_id() {
                Ok(id) => {
                    let id = id.detach();
                    if self.kind_of(&id)?.0 == Kind::Commit {
                        tips.push(id);
                    }
                }
                Err(source) if symbolic && source.is_not_found() => {}
                Err(source) => {
                    return Err(GitError::Reference {
                        path: self.path.to_owned(),
                        name: reference.name().as_bstr().to_string(),
                        source,
                    });
                }
            }
        }
        Ok(tips)
    }

    fn read_commit(&self, id: ObjectId, buf: &mut Vec<u8>) -> Result<CommitNode, GitError> {
        let data = self.read(&id, Kind::Commit, buf)?;
        let mut tree = None;
        let mut parents = Vec::new();
        let mut time = None;
        for token in CommitRefIter::from_bytes(data, self.hash) {
            match token.map_err(|source| self.decode(&id, Kind::Commit, source))? {
                Token::Tree { id } => tree = Some(id),
                Token::Parent { id } => parents.push(id),
                Token::Committer { signature } => {
                    time = Some(signature.seconds());
                    // Everything after the committer (signatures, the message) is not needed.
                    break;
                }
                _ => {}
            }
        }
        let malformed = |field| GitError::MalformedCommit {
            path: self.path.to_owned(),
            id: id.to_string(),
            field,
        };
        Ok(CommitNode {
            id,
            tree: tree.ok_or_else(|| malformed("tree"))?,
            time: time.ok_or_else(|| malformed("committer"))?,
            parents,
        })
    }

    /// Every commit reachable from `tips`, newest first by committer date, stopping after
    /// `max_commits`. The parents of a shallow repository's boundary commits are not followed
    /// (they are not in the repository).
    fn collect_commits(
        &self,
        tips: &[ObjectId],
        max_commits: Option<usize>,
    ) -> Result<CommitGraph, GitError> {
        let shallow: HashSet<ObjectId> = self
            .repo
            .shallow_commits()
            .map_err(|source| GitError::Open {
                path: self.path.to_owned(),
                source,
            })?
            .map(|commits| commits.iter().copied().collect())
            .unwrap_or_default();
        let mut walk = Discovery::default();
        for &tip in tips {
            walk.discover(self, tip)?;
        }
        let mut selected = Vec::new();
        let mut truncated = false;
        while let Some((_, _, index)) = walk.queue.pop() {
            if max_commits.is_some_and(|max| selected.len() >= max) {
                truncated = true;
                break;
            }
            selected.push(index);
            if shallow.contains(&walk.nodes[index].id) {
                walk.nodes[index].parents.clear();
            }
            for parent in walk.nodes[index].parents.clone() {
                walk.discover(self, parent)?;
            }
        }
        Ok(CommitGraph {
            nodes: walk.nodes,
            index: walk.index,
            selected,
            truncated,
        })
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Blob => "blob",
        Kind::Tree => "tree",
        Kind::Commit => "commit",
        Kind::Tag => "tag",
    }
}

#[derive(Debug)]
struct CommitNode {
    id: ObjectId,
    tree: ObjectId,
    time: i64,
    parents: Vec<ObjectId>,
}

/// The commits found so far, and the ones not yet expanded, newest first.
#[derive(Default)]
struct Discovery {
    nodes: Vec<CommitNode>,
    index: HashMap<ObjectId, usize>,
    queue: BinaryHeap<(i64, ObjectId, usize)>,
    buf: Vec<u8>,
}

impl Discovery {
    fn discover(&mut self, reader: &Reader<'_>, id: ObjectId) -> Result<(), GitError> {
        if self.index.contains_key(&id) {
            return Ok(());
        }
        let node = reader.read_commit(id, &mut self.buf)?;
        let index = self.nodes.len();
        self.queue.push((node.time, id, index));
        self.index.insert(id, index);
        self.nodes.push(node);
        Ok(())
    }
}

struct CommitGraph {
    nodes: Vec<CommitNode>,
    index: HashMap<ObjectId, usize>,
    /// Indexes into `nodes` of the commits to scan (all of them unless capped).
    selected: Vec<usize>,
    truncated: bool,
}

/// The selected commits, parents before children, and among the commits whose selected parents
/// have all been emitted, oldest committer date first (then lowest id). This is Kahn's
/// algorithm with a min-heap; clock skew cannot put a commit before its parent.
fn oldest_first(graph: &CommitGraph) -> Vec<usize> {
    const UNSELECTED: usize = usize::MAX;
    let mut position = vec![UNSELECTED; graph.nodes.len()];
    for (slot, &node) in graph.selected.iter().enumerate() {
        position[node] = slot;
    }
    let mut waiting_on = vec![0_usize; graph.selected.len()];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); graph.selected.len()];
    for (slot, &node) in graph.selected.iter().enumerate() {
        let mut parents: Vec<usize> = graph.nodes[node]
            .parents
            .iter()
            .filter_map(|parent| graph.index.get(parent))
            .map(|&parent| position[parent])
            .filter(|&parent| parent != UNSELECTED)
            .collect();
        // A commit may name the same parent twice; count each edge once.
        parents.sort_unstable();
        parents.dedup();
        waiting_on[slot] = parents.len();
        for parent in parents {
            children[parent].push(slot);
        }
    }
    let key = |slot: usize| {
        let node = &graph.nodes[graph.selected[slot]];
        Reverse((node.time, node.id, slot))
    };
    let mut ready: BinaryHeap<_> = (0..graph.selected.len())
        .filter(|&slot| waiting_on[slot] == 0)
        .map(key)
        .collect();
    let mut order = Vec::with_capacity(graph.selected.len());
    while let Some(Reverse((_, _, slot))) = ready.pop() {
        order.push(graph.selected[slot]);
        for &child in &children[slot] {
            waiting_on[child] -= 1;
            if waiting_on[child] == 0 {
                ready.push(key(child));
            }
        }
    }
    // Commit ids are hashes of their parents' ids, so the graph has no cycle and every selected
    // commit was emitted above.
    order
}

/// One tree being read: its raw entries, how far they have been read, and the length of the
/// tree's own path in the shared path buffer.
struct Frame {
    id: ObjectId,
    data: Vec<u8>,
    offset: usize,
    dir_len: usize,
}

/// The state that lives across commits: what has been seen, and reusable buffers.
#[derive(Default)]
struct TreeScan {
    seen_trees: HashSet<ObjectId>,
    seen_blobs: HashSet<ObjectId>,
    stack: Vec<Frame>,
    spare: Vec<Vec<u8>>,
    path: Vec<u8>,
    scratch: Vec<u8>,
    blob: Vec<u8>,
}

impl TreeScan {
    fn commit(
        &mut self,
        reader: &Reader<'_>,
        node: &CommitNode,
        options: &HistoryOptions,
        stats: &mut HistoryStats,
        visit: &mut dyn FnMut(HistoryBlob<'_>),
    ) -> Result<(), GitError> {
        if !self.seen_trees.insert(node.tree) {
            return Ok(());
        }
        let commit = node.id.to_string();
        self.path.clear();
        self.push_tree(reader, node.tree, 0)?;
        while let Some(frame) = self.stack.last_mut() {
            let rest = &frame.data[frame.offset..];
            let mut entries = TreeRefIter::from_bytes(rest, reader.hash);
            let Some(entry) = entries.next() else {
                if let Some(done) = self.stack.pop() {
                    self.spare.push(done.data);
                }
                continue;
            };
            let entry = entry.map_err(|source| reader.decode(&frame.id, Kind::Tree, source))?;
            frame.offset += entries.offset_to_next_entry(rest);
            self.path.truncate(frame.dir_len);
            if frame.dir_len > 0 {
                self.path.push(b'/');
            }
            self.path.extend_from_slice(entry.filename);
            let (mode, id) = (entry.mode, entry.oid.to_owned());
            if mode.is_tree() {
                if self.seen_trees.insert(id) {
                    self.push_tree(reader, id, self.path.len())?;
                }
            } else if mode.is_blob_or_symlink() && self.seen_blobs.insert(id) {
                self.blob(reader, id, &commit, options, stats, visit)?;
            }
            // Anything else is a gitlink: a commit of another repository (a submodule).
        }
        Ok(())
    }

    fn push_tree(
        &mut self,
        reader: &Reader<'_>,
        id: ObjectId,
        dir_len: usize,
    ) -> Result<(), GitError> {
        // The object store may place the object anywhere in the buffer it is given, so the
        // frame keeps its own copy of exactly the tree's bytes.
        let tree = reader.read(&id, Kind::Tree, &mut self.scratch)?;
        let mut data = self.spare.pop().unwrap_or_default();
        data.clear();
        data.extend_from_slice(tree);
        self.stack.push(Frame {
            id,
            data,
            offset: 0,
            dir_len,
        });
        Ok(())
    }

    fn blob(
        &mut self,
        reader: &Reader<'_>,
        id: ObjectId,
        commit: &str,
        options: &HistoryOptions,
        stats: &mut HistoryStats,
        visit: &mut dyn FnMut(HistoryBlob<'_>),
    ) -> Result<(), GitError> {
        let (kind, size) = reader.kind_of(&id)?;
        if kind != Kind::Blob {
            return Err(reader.unexpected(&id, Kind::Blob, kind));
        }
        if size > options.max_blob_size {
            stats.skipped_large += 1;
            return Ok(());
        }
        let content = reader.read(&id, Kind::Blob, &mut self.blob)?;
        stats.blobs += 1;
        visit(HistoryBlob {
            blob: &id.to_string(),
            commit,
            path: &String::from_utf8_lossy(&self.path),
            content,
        });
        Ok(())
    }
}
