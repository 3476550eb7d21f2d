//! [`LayeredFs`]: the image's layers, verified and indexed, merged into one read-only
//! filesystem view the way overlayfs would show it, without extracting anything.
//!
//! Merging follows the OCI image spec: layers apply in order; a whiteout `.wh.NAME` deletes
//! `NAME` from lower layers and an opaque whiteout `.wh..wh..opq` hides a directory's lower
//! content, both regardless of where they sit inside their own layer; a non-directory replaces
//! whatever was at its path (and a directory's whole subtree); parent paths written through a
//! symlink land where the symlink points, inside the root, as an extracting runtime would place
//! them. Every entry of every layer stays listed with its [`Fate`], so content that was deleted
//! or overwritten later (where secrets hide) can still be found and read.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bulkhead_fsview::{
    DirEntry, FileKind, FileVisitor, FsError, FsView, Metadata, NodeKind, normalize,
    resolve_in_root,
};

use crate::digest::Digest;
use crate::layer::{Compression, EntryKind, LayerEntry, LayerError, Prefetched, open_entry_data};
use crate::store::BlobStore;

/// What happened to a layer entry in the merged view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "fate", rename_all = "snake_case")]
pub enum Fate {
    /// It is what the merged filesystem shows at its path.
    Visible,
    /// A whiteout in layer `by_layer` deleted it.
    Deleted { by_layer: usize },
    /// An entry of layer `by_layer` was written over it (or over a parent directory).
    Replaced { by_layer: usize },
    /// A whiteout or other marker that is not itself content.
    Marker,
}

/// One verified layer and its entries.
#[derive(Debug)]
pub struct IndexedLayer {
    /// The blob digest (verified).
    pub digest: Digest,
    /// Where the blob is read from inside the store.
    pub(crate) blob_path: String,
    pub diff_id: Digest,
    /// Compressed blob size and uncompressed tar size, as measured while verifying.
    pub size: u64,
    pub uncompressed_size: u64,
    pub compression: Compression,
    pub entries: Vec<LayerEntry>,
    pub fates: Vec<Fate>,
    /// Content kept, or ruled out, while the layer was verified (by entry index).
    pub(crate) prefetched: HashMap<usize, Prefetched>,
}

/// Points at an entry of a layer; `entry == SYNTHETIC` is a directory no layer wrote but whose
/// children exist (tar files need not list parent directories).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NodeRef {
    layer: u32,
    entry: u32,
}

const SYNTHETIC: u32 = u32::MAX;

/// A file to read from a layer stream: data offset, size, and the path to report it under.
type Wanted = (u64, u64, String);

/// A file that some layer holds but the merged filesystem does not show.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HiddenFile {
    pub path: String,
    /// Index of the layer that holds the content.
    pub layer: usize,
    pub size: u64,
    pub fate: Fate,
}

/// The merged, read-only filesystem of an image; also an [`FsView`].
#[derive(Debug)]
pub struct LayeredFs {
    store: Arc<BlobStore>,
    layers: Vec<IndexedLayer>,
    merged: BTreeMap<String, NodeRef>,
    /// Hard link entries → the entry that holds their data.
    hardlinks: HashMap<(u32, u32), NodeRef>,
}

impl LayeredFs {
    pub(crate) fn merge(
        store: Arc<BlobStore>,
        mut layers: Vec<IndexedLayer>,
    ) -> Result<Self, (usize, LayerError)> {
        let mut fs = LayeredFs {
            store,
            layers: Vec::new(),
            merged: BTreeMap::new(),
            hardlinks: HashMap::new(),
        };
        for layer in &mut layers {
            layer.fates = vec![Fate::Visible; layer.entries.len()];
        }
        fs.layers = layers;
        for li in 0..fs.layers.len() {
            fs.apply_layer(li).map_err(|e| (li, e))?;
        }
        Ok(fs)
    }

    fn apply_layer(&mut self, li: usize) -> Result<(), LayerError> {
        let layer_no = u32::try_from(li).unwrap_or(u32::MAX);
        // Whiteouts first: they only ever hide lower layers, wherever they sit in this one.
        for ei in 0..self.layers[li].entries.len() {
            let entry = &self.layers[li].entries[ei];
            let (kind, path) = (entry.kind.clone(), entry.path.clone());
            match kind {
                EntryKind::Whiteout | EntryKind::OpaqueWhiteout => {
                    self.layers[li].fates[ei] = Fate::Marker;
                    let Ok(Some(key)) = self.place(&path, false) else {
                        continue; // deleting under a path that does not exist: nothing to do
                    };
                    let fate = Fate::Deleted { by_layer: li };
                    if kind == EntryKind::Whiteout
                        && let Some(node) = self.merged.remove(&key)
                    {
                        self.set_fate(node, fate);
                    }
                    self.remove_descendants(&key, fate);
                }
                _ => {}
            }
        }
        for ei in 0..self.layers[li].entries.len() {
            let entry = &self.layers[li].entries[ei];
            if matches!(entry.kind, EntryKind::Whiteout | EntryKind::OpaqueWhiteout) {
                continue;
            }
            let (path, kind) = (entry.path.clone(), entry.kind.clone());
            let key = self
                .place(&path, true)?
                .ok_or_else(|| LayerError::UnsafePath {
                    path: path.clone(),
                    reason: "cannot be placed in the root",
                })?;
            let node = NodeRef {
                layer: layer_no,
                entry: u32::try_from(ei).unwrap_or(u32::MAX),
            };
            if let EntryKind::Hardlink(target) = &kind {
                let data = self.hardlink_data(target).ok_or_else(|| {
                    LayerError::HardlinkTargetMissing {
                        path: path.clone(),
                        target: target.clone(),
                    }
                })?;
                self.hardlinks.insert((node.layer, node.entry), data);
            }
            let replaced_by = Fate::Replaced { by_layer: li };
            if let Some(old) = self.merged.get(&key).copied() {
                let both_dirs = kind == EntryKind::Dir && self.node_kind(old) == NodeKind::Dir;
                if !both_dirs {
                    self.remove_descendants(&key, replaced_by);
                }
                self.set_fate(old, replaced_by);
            }
            self.merged.insert(key, node);
        }
        Ok(())
    }

    /// Where an entry path lands in the merged tree: parents resolved through symlinks inside
    /// the root. With `create`, missing parents become synthetic directories; without, a
    /// missing parent gives `None`. A parent that is a file is an error (`create`) or `None`.
    fn place(&mut self, path: &str, create: bool) -> Result<Option<String>, LayerError> {
        let (parent, name) = match path.rsplit_once('/') {
            Some((p, n)) => (p, n),
            None => ("", path),
        };
        // Fast path: no ancestor is a symlink, so the parent is the path itself.
        let mut through_symlink = false;
        let mut end = 0;
        while end < parent.len() {
            end = parent[end..].find('/').map_or(parent.len(), |i| end + i);
            let ancestor = &parent[..end];
            match self.merged.get(ancestor).map(|n| self.node_kind(*n)) {
                Some(NodeKind::Symlink(_)) => {
                    through_symlink = true;
                    break;
                }
                Some(NodeKind::NonDir) if create => {
                    return Err(LayerError::ParentNotDirectory {
                        path: path.to_owned(),
                        parent: ancestor.to_owned(),
                    });
                }
                Some(NodeKind::NonDir) => return Ok(None),
                None if !create => return Ok(None),
                _ => {}
            }
            end += 1;
        }
        let parent = if through_symlink {
            let resolved = resolve_in_root(parent, true, |p| {
                self.merged
                    .get(p)
                    .map_or(NodeKind::Dir, |n| self.node_kind(*n))
            });
            match resolved {
                Ok(p) => p,
                Err(_) if !create => return Ok(None),
                Err(_) => {
                    return Err(LayerError::UnsafePath {
                        path: path.to_owned(),
                        reason: "its parent is a symlink that cannot be resolved in the root",
                    });
                }
            }
        } else {
            parent.to_owned()
        };
        if create {
            self.ensure_dirs(&parent, path)?;
        } else if !parent.is_empty() && !self.merged.contains_key(&parent) {
            return Ok(None);
        }
        Ok(Some(if parent.is_empty() {
            name.to_owned()
        } else {
            format!("{parent}/{name}")
        }))
    }

    /// Makes sure every component of `dir` exists as a directory, adding synthetic ones.
    fn ensure_dirs(&mut self, dir: &str, for_path: &str) -> Result<(), LayerError> {
        let mut end = 0;
        while end < dir.len() {
            end = dir[end..].find('/').map_or(dir.len(), |i| end + i);
            let ancestor = &dir[..end];
            match self.merged.get(ancestor).map(|n| self.node_kind(*n)) {
                None => {
                    self.merged.insert(
                        ancestor.to_owned(),
                        NodeRef {
                            layer: 0,
                            entry: SYNTHETIC,
                        },
                    );
                }
                Some(NodeKind::Dir) => {}
                Some(_) => {
                    return Err(LayerError::ParentNotDirectory {
                        path: for_path.to_owned(),
                        parent: ancestor.to_owned(),
                    });
                }
            }
            end += 1;
        }
        Ok(())
    }

    fn remove_descendants(&mut self, key: &str, fate: Fate) {
        let prefix = if key.is_empty() {
            String::new()
        } else {
            format!("{key}/")
        };
        let doomed: Vec<String> = self
            .merged
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect();
        for k in doomed {
            if let Some(node) = self.merged.remove(&k) {
                self.set_fate(node, fate);
            }
        }
    }

    fn set_fate(&mut self, node: NodeRef, fate: Fate) {
        if node.entry != SYNTHETIC {
            self.layers[node.layer as usize].fates[node.entry as usize] = fate;
        }
    }

    fn entry(&self, node: NodeRef) -> Option<&LayerEntry> {
        (node.entry != SYNTHETIC)
            .then(|| &self.layers[node.layer as usize].entries[node.entry as usize])
    }

    fn node_kind(&self, node: NodeRef) -> NodeKind {
        match self.entry(node).map(|e| &e.kind) {
            None | Some(EntryKind::Dir) => NodeKind::Dir,
            Some(EntryKind::Symlink(t)) => NodeKind::Symlink(t.clone()),
            Some(_) => NodeKind::NonDir,
        }
    }

    /// The node holding the data a hard link to `target` shares, as the tree is right now.
    fn hardlink_data(&self, target: &str) -> Option<NodeRef> {
        let node = *self.merged.get(target)?;
        match &self.entry(node)?.kind {
            EntryKind::File => Some(node),
            EntryKind::Hardlink(_) => self.hardlinks.get(&(node.layer, node.entry)).copied(),
            _ => None,
        }
    }

    /// The verified layers, bottom first, with every entry and its fate.
    pub fn layers(&self) -> &[IndexedLayer] {
        &self.layers
    }

    /// Files that a layer holds but the merged filesystem does not show (deleted by a later
    /// whiteout or overwritten by a later layer), in layer order.
    pub fn hidden_files(&self) -> Vec<HiddenFile> {
        let mut out = Vec::new();
        for (li, layer) in self.layers.iter().enumerate() {
            for (entry, fate) in layer.entries.iter().zip(&layer.fates) {
                if entry.kind == EntryKind::File
                    && matches!(fate, Fate::Deleted { .. } | Fate::Replaced { .. })
                {
                    out.push(HiddenFile {
                        path: entry.path.clone(),
                        layer: li,
                        size: entry.size,
                        fate: *fate,
                    });
                }
            }
        }
        out
    }

    /// Which layer last wrote `path` (after resolving symlinks in its parents).
    pub fn origin(&self, path: &str) -> Result<Option<usize>, FsError> {
        let key = resolve_in_root(path, false, |p| self.lookup(p))?;
        Ok(self
            .merged
            .get(&key)
            .filter(|n| n.entry != SYNTHETIC)
            .map(|n| n.layer as usize))
    }

    /// Streams the content of a regular file as layer `layer` holds it, whether or not it is
    /// still visible: the way to read what a later layer deleted.
    pub fn open_in_layer(&self, layer: usize, path: &str) -> Result<Box<dyn Read + Send>, FsError> {
        let path = normalize(path);
        let found = self.layers.get(layer).and_then(|l| {
            l.entries.iter().rposition(|e| {
                e.path == path && matches!(e.kind, EntryKind::File | EntryKind::Hardlink(_))
            })
        });
        let Some(ei) = found else {
            return Err(FsError::NotFound { path });
        };
        let node = NodeRef {
            layer: u32::try_from(layer).unwrap_or(u32::MAX),
            entry: u32::try_from(ei).unwrap_or(u32::MAX),
        };
        self.open_node(node, &path)
    }

    fn open_node(&self, node: NodeRef, path: &str) -> Result<Box<dyn Read + Send>, FsError> {
        let data = self
            .hardlinks
            .get(&(node.layer, node.entry))
            .copied()
            .unwrap_or(node);
        let Some(entry) = self.entry(data).filter(|e| e.kind == EntryKind::File) else {
            return Err(FsError::NotAFile {
                path: path.to_owned(),
            });
        };
        let layer = &self.layers[data.layer as usize];
        let backend = |source: Box<dyn std::error::Error + Send + Sync>| FsError::Backend {
            path: path.to_owned(),
            source,
        };
        let (blob, _) = self
            .store
            .open(&layer.blob_path)
            .map_err(|e| backend(Box::new(e)))?
            .ok_or_else(|| {
                backend(format!("layer blob `{}` has disappeared", layer.digest).into())
            })?;
        open_entry_data(blob, entry.data_offset, entry.size).map_err(|e| backend(Box::new(e)))
    }

    /// Streams one layer front to back, handing over the data of each `(offset, size, path)`
    /// in `wanted` (sorted by offset).
    fn stream_layer(
        &self,
        layer_no: u32,
        wanted: &[Wanted],
        send: &mut dyn FnMut(String, Result<Vec<u8>, FsError>),
    ) {
        let layer = &self.layers[layer_no as usize];
        let opened = self
            .store
            .open(&layer.blob_path)
            .map_err(|e| e.to_string())
            .and_then(|b| b.ok_or_else(|| format!("layer blob `{}` has disappeared", layer.digest)))
            .and_then(|(blob, _)| open_entry_data(blob, 0, u64::MAX).map_err(|e| e.to_string()));
        let mut stream = match opened {
            Ok(stream) => stream,
            Err(message) => {
                for (_, _, path) in wanted {
                    let source = message.clone().into();
                    send(
                        path.clone(),
                        Err(FsError::Backend {
                            path: path.clone(),
                            source,
                        }),
                    );
                }
                return;
            }
        };
        let mut position = 0u64;
        // Hard links share their target's data offset: later paths reuse the bytes.
        let mut shared: Option<(u64, Vec<u8>)> = None;
        for (i, (offset, size, path)) in wanted.iter().enumerate() {
            if let Some((at, data)) = &shared
                && at == offset
            {
                send(path.clone(), Ok(data.clone()));
                continue;
            }
            match read_at(&mut stream, &mut position, *offset, *size) {
                Ok(data) => {
                    let again = wanted.get(i + 1).is_some_and(|(next, _, _)| next == offset);
                    shared = again.then(|| (*offset, data.clone()));
                    send(path.clone(), Ok(data));
                }
                Err(source) => send(
                    path.clone(),
                    Err(FsError::Io {
                        path: path.clone(),
                        source,
                    }),
                ),
            }
        }
    }

    fn lookup(&self, path: &str) -> NodeKind {
        if path.is_empty() {
            return NodeKind::Dir;
        }
        self.merged
            .get(path)
            .map_or(NodeKind::Missing, |n| self.node_kind(*n))
    }

    fn metadata_of(&self, node: NodeRef) -> Metadata {
        let Some(entry) = self.entry(node) else {
            return synthetic_dir();
        };
        let (kind, size) = match &entry.kind {
            EntryKind::File => (FileKind::File, entry.size),
            EntryKind::Dir => (FileKind::Dir, 0),
            EntryKind::Symlink(t) => (FileKind::Symlink { target: t.clone() }, 0),
            EntryKind::Hardlink(_) => {
                let size = self
                    .hardlinks
                    .get(&(node.layer, node.entry))
                    .and_then(|d| self.entry(*d))
                    .map_or(0, |e| e.size);
                (FileKind::File, size)
            }
            EntryKind::Other | EntryKind::Whiteout | EntryKind::OpaqueWhiteout => {
                (FileKind::Other, 0)
            }
        };
        Metadata {
            kind,
            size,
            mode: entry.mode,
            uid: entry.uid,
            gid: entry.gid,
            mtime: entry.mtime,
        }
    }

    fn dir_entry(&self, path: &str, node: NodeRef) -> DirEntry {
        DirEntry {
            path: path.to_owned(),
            metadata: self.metadata_of(node),
        }
    }
}

/// Reads `size` bytes at `offset` of a forward-only stream now at `*position`.
fn read_at(
    stream: &mut dyn Read,
    position: &mut u64,
    offset: u64,
    size: u64,
) -> std::io::Result<Vec<u8>> {
    if offset < *position {
        return Err(std::io::Error::other(
            "file data lies behind the stream position",
        ));
    }
    let skipped = std::io::copy(&mut stream.take(offset - *position), &mut std::io::sink())?;
    *position += skipped;
    if *position != offset {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(1 << 20));
    let read = stream.take(size).read_to_end(&mut data)?;
    *position += read as u64;
    if read as u64 != size {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    Ok(data)
}

fn synthetic_dir() -> Metadata {
    Metadata {
        kind: FileKind::Dir,
        size: 0,
        mode: 0o755,
        uid: 0,
        gid: 0,
        mtime: 0,
    }
}

impl FsView for LayeredFs {
    fn symlink_metadata(&self, path: &str) -> Result<Metadata, FsError> {
        let key = resolve_in_root(path, false, |p| self.lookup(p))?;
        if key.is_empty() {
            return Ok(synthetic_dir());
        }
        let node = self
            .merged
            .get(&key)
            .ok_or(FsError::NotFound { path: key.clone() })?;
        Ok(self.metadata_of(*node))
    }

    fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>, FsError> {
        let dir = self.canonicalize(path)?;
        if self.lookup(&dir) != NodeKind::Dir {
            return Err(FsError::NotADirectory { path: dir });
        }
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let mut out = Vec::new();
        let mut from = prefix.clone();
        while let Some((key, node)) = self.merged.range(from.clone()..).next() {
            let Some(rest) = key.strip_prefix(&prefix) else {
                break;
            };
            if let Some(slash) = rest.find('/') {
                // A grandchild: skip the rest of that child's subtree (`child/...` sorts before
                // `child0`, because `0` follows `/`).
                from = format!("{prefix}{}0", &rest[..slash]);
                continue;
            }
            out.push(self.dir_entry(key, *node));
            from = format!("{key}\0"); // the least key after this one
        }
        Ok(out)
    }

    fn open(&self, path: &str) -> Result<Box<dyn Read + Send + '_>, FsError> {
        let key = self.canonicalize(path)?;
        let node = self
            .merged
            .get(&key)
            .ok_or(FsError::NotAFile { path: key.clone() })?;
        self.open_node(*node, &key)
    }

    fn canonicalize(&self, path: &str) -> Result<String, FsError> {
        let key = resolve_in_root(path, true, |p| self.lookup(p))?;
        if !key.is_empty() && !self.merged.contains_key(&key) {
            return Err(FsError::NotFound { path: key });
        }
        Ok(key)
    }

    /// Streams each layer that holds a selected file once, front to back, reading the selected
    /// files' data on the way.
    fn read_selected(
        &self,
        select: &dyn Fn(&str, &Metadata) -> bool,
        max_size: u64,
        visit: &mut FileVisitor<'_>,
    ) -> Result<(), FsError> {
        // layer -> (data offset, size, path), from the visible files chosen.
        let mut by_layer: BTreeMap<u32, Vec<Wanted>> = BTreeMap::new();
        for (path, node) in &self.merged {
            let meta = self.metadata_of(*node);
            if !meta.is_file() || meta.size > max_size || !select(path, &meta) {
                continue;
            }
            let data = self
                .hardlinks
                .get(&(node.layer, node.entry))
                .copied()
                .unwrap_or(*node);
            match self.layers[data.layer as usize]
                .prefetched
                .get(&(data.entry as usize))
            {
                Some(Prefetched::Kept(content)) => {
                    visit(path, Ok(content.to_vec()));
                    continue;
                }
                Some(Prefetched::ProbedAbsent) => continue,
                None => {}
            }
            if let Some(entry) = self.entry(data) {
                by_layer.entry(data.layer).or_default().push((
                    entry.data_offset,
                    entry.size,
                    path.clone(),
                ));
            }
        }
        // Layers stream in parallel (as in verification); the caller's `visit` runs on this
        // thread. The bounded channel caps how many file contents wait in memory at once.
        let jobs: Vec<(u32, Vec<Wanted>)> = by_layer.into_iter().collect();
        let next = AtomicUsize::new(0);
        let workers = std::thread::available_parallelism()
            .map_or(2, usize::from)
            .min(jobs.len())
            .max(1);
        let (tx, rx) = std::sync::mpsc::sync_channel::<(String, Result<Vec<u8>, FsError>)>(4);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                let tx = tx.clone();
                let (jobs, next) = (&jobs, &next);
                scope.spawn(move || {
                    while let Some((layer_no, wanted)) =
                        jobs.get(next.fetch_add(1, Ordering::Relaxed))
                    {
                        let mut wanted = wanted.clone();
                        wanted.sort();
                        // A send fails only if the receiver is gone, i.e. the caller stopped.
                        self.stream_layer(*layer_no, &wanted, &mut |path, result| {
                            let _ = tx.send((path, result));
                        });
                    }
                });
            }
            drop(tx);
            for (path, result) in rx {
                visit(&path, result);
            }
        });
        Ok(())
    }

    fn origin_layer(&self, path: &str) -> Option<String> {
        let layer = self.origin(path).ok().flatten()?;
        Some(self.layers[layer].digest.to_string())
    }

    /// Walks the merged tree in path order straight from the index (parents before children).
    fn walk(&self, visit: &mut dyn FnMut(&DirEntry) -> Result<(), FsError>) -> Result<(), FsError> {
        for (path, node) in &self.merged {
            visit(&self.dir_entry(path, *node))?;
        }
        Ok(())
    }
}
