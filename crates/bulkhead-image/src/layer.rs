//! Reading one layer blob in a single streaming pass: hash the compressed bytes, decompress
//! (gzip, zstd or none, recognised by magic bytes), hash the tar stream for its diff_id, and
//! record every tar entry's metadata and where its data starts. Nothing is extracted and no
//! file content is kept: content is re-streamed on demand from the recorded offset.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;

use bulkhead_fsview::{FileKind, Metadata, Prefetch, PrefetchPolicy};

use crate::digest::{Budget, BudgetExceeded, BudgetReader, Digest, HashingReader};

/// Size of the read buffers on each side of the decompressor.
const BUF_SIZE: usize = 256 * 1024;

/// Longest path accepted in a layer (Linux `PATH_MAX`); longer ones are hostile.
pub(crate) const MAX_PATH_LEN: usize = 4096;

/// Errors while reading a layer's tar stream.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LayerError {
    #[error("entry `{path}` has an unsafe path ({reason})")]
    UnsafePath { path: String, reason: &'static str },
    #[error(
        "hard link `{path}` points at `{target}`, which does not exist in this or a lower layer"
    )]
    HardlinkTargetMissing { path: String, target: String },
    #[error("entry `{path}` is inside `{parent}`, which is not a directory")]
    ParentNotDirectory { path: String, parent: String },
    #[error(
        "decompressed size limit of {limit} bytes exceeded (a decompression bomb?); raise it with --max-decompressed-size"
    )]
    DecompressedLimit { limit: u64 },
    #[error("more than {limit} tar entries (raise it with --max-entries)")]
    EntryLimit { limit: u64 },
    #[error("corrupt or truncated layer data")]
    Corrupt {
        #[source]
        source: io::Error,
    },
}

impl LayerError {
    fn from_io(source: io::Error) -> Self {
        if let Some(limit) = source
            .get_ref()
            .and_then(|e| e.downcast_ref::<BudgetExceeded>())
            .map(|b| b.limit)
        {
            return LayerError::DecompressedLimit { limit };
        }
        LayerError::Corrupt { source }
    }
}

/// What a tar entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    Symlink(String),
    /// A hard link to another path (normalised, relative to the root).
    Hardlink(String),
    /// An OCI whiteout `.wh.NAME`: deletes `NAME` (the entry's path) from lower layers.
    Whiteout,
    /// An opaque whiteout `.wh..wh..opq`: hides everything lower layers put in this directory.
    OpaqueWhiteout,
    /// Devices, FIFOs and the like.
    Other,
}

/// One tar entry of a layer. For whiteouts, `path` is the path they delete (or, for an opaque
/// whiteout, the directory they make opaque).
#[derive(Debug, Clone)]
pub struct LayerEntry {
    pub path: String,
    pub kind: EntryKind,
    pub size: u64,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub mtime: u64,
    /// Byte offset of the entry's data in the uncompressed tar stream.
    pub(crate) data_offset: u64,
}

/// The result of reading one layer: its entries in tar order and the two digests.
#[derive(Debug)]
pub(crate) struct LayerScan {
    pub(crate) entries: Vec<LayerEntry>,
    pub(crate) blob_digest: Digest,
    pub(crate) blob_size: u64,
    pub(crate) diff_id: Digest,
    pub(crate) uncompressed_size: u64,
    pub(crate) compression: Compression,
    /// What the prefetch policy kept or ruled out, by entry index.
    pub(crate) prefetched: HashMap<usize, Prefetched>,
}

/// The prefetch policy for one [`crate::Image::read_layers_prefetching`] pass, the byte
/// budget (shared by all layers) for content it keeps, and an optional inspector that sees the
/// content of every file it wants in every layer.
pub(crate) struct Prefetcher<'a> {
    pub(crate) policy: &'a PrefetchPolicy<'a>,
    pub(crate) budget: Budget,
    pub(crate) inspector: Option<&'a dyn LayerInspector>,
}

/// Sees the content of regular files as the layers stream past during verification, in every
/// layer, including files a later layer deletes or replaces (which the merged view hides):
/// secret scanning reads everything once this way. Called from the layer-reading threads, so
/// layers are inspected in parallel and in no particular order.
pub trait LayerInspector: Sync {
    /// Whether to see this file's content; decided before any of it is read, so this is the
    /// place to bound sizes.
    fn wants(&self, path: &str, metadata: &Metadata) -> bool;
    /// One regular file of layer `layer` (its index in the manifest), whole. Nothing is
    /// trusted yet: the layer's digests are checked when its stream ends, and an image that
    /// fails them is an error however inspection went.
    fn inspect(&self, layer: usize, path: &str, content: &[u8]);
    /// Called on each layer-reading thread once no layer is left for it to start, so an
    /// inspector that deferred work from [`LayerInspector::inspect`] can use the thread (on a
    /// few large layers, the thread that drew the small ones would otherwise sit idle while
    /// the largest is read). `reading` says whether another thread is still reading a layer
    /// (and so may still call `inspect`); the call must return once deferred work is done and
    /// `reading` is false. The last thread to finish reading calls this with `reading` false.
    fn help(&self, reading: &dyn Fn() -> bool) {
        let _ = reading;
    }
}

/// The outcome of prefetching one entry.
#[derive(Debug, Clone)]
pub(crate) enum Prefetched {
    /// Its content, kept while it streamed past.
    Kept(Arc<[u8]>),
    /// It was probed for markers and holds none: nobody will want it.
    ProbedAbsent,
}

/// How a layer blob is compressed, from its first bytes (media types lie; magic does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    fn sniff(head: &[u8]) -> Self {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// A decompressor that can give back its input, so the rest of the blob can be hashed.
// One per layer stream, never in a collection: boxing the larger variants would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Decoder<R: BufRead> {
    Plain(R),
    Gzip(flate2::bufread::MultiGzDecoder<R>),
    Zstd(zstd::stream::read::Decoder<'static, R>),
}

impl<R: BufRead> Decoder<R> {
    fn new(mut input: R) -> io::Result<(Self, Compression)> {
        let compression = Compression::sniff(input.fill_buf()?);
        let decoder = match compression {
            Compression::None => Decoder::Plain(input),
            Compression::Gzip => Decoder::Gzip(flate2::bufread::MultiGzDecoder::new(input)),
            Compression::Zstd => Decoder::Zstd(zstd::stream::read::Decoder::with_buffer(input)?),
        };
        Ok((decoder, compression))
    }

    fn into_inner(self) -> R {
        match self {
            Decoder::Plain(r) => r,
            Decoder::Gzip(d) => d.into_inner(),
            Decoder::Zstd(d) => d.finish(),
        }
    }
}

impl<R: BufRead> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Plain(r) => r.read(buf),
            Decoder::Gzip(d) => d.read(buf),
            Decoder::Zstd(d) => d.read(buf),
        }
    }
}

/// Reads a layer blob end to end: every byte of the blob and of the tar stream is hashed, so
/// the caller can compare both digests before trusting `entries`.
pub(crate) fn scan_layer(
    blob: impl Read,
    layer: usize,
    bytes: &Budget,
    entries: &Budget,
    prefetcher: Option<&Prefetcher<'_>>,
) -> Result<LayerScan, LayerError> {
    let hashed_blob = HashingReader::new(blob);
    let buffered = BufReader::with_capacity(BUF_SIZE, hashed_blob);
    let (decoder, compression) = Decoder::new(buffered).map_err(LayerError::from_io)?;
    let mut tar_stream = HashingReader::new(BudgetReader::new(
        BufReader::with_capacity(BUF_SIZE, decoder),
        bytes.clone(),
    ));

    let mut prefetched = HashMap::new();
    let recorded = read_entries(&mut tar_stream, layer, entries, prefetcher, &mut prefetched)?;

    // The tar reader stops at the end-of-archive marker, but the diff_id covers every byte of
    // the uncompressed stream (padding included) and the blob digest every compressed byte.
    io::copy(&mut tar_stream, &mut io::sink()).map_err(LayerError::from_io)?;
    let (budgeted, diff_id, uncompressed_size) = tar_stream.into_parts();
    let mut buffered = budgeted.into_inner().into_inner().into_inner();
    io::copy(&mut buffered, &mut io::sink()).map_err(LayerError::from_io)?;
    let (_, blob_digest, blob_size) = buffered.into_inner().into_parts();

    Ok(LayerScan {
        entries: recorded,
        blob_digest,
        blob_size,
        diff_id,
        uncompressed_size,
        compression,
        prefetched,
    })
}

/// Opens a layer blob for reading `size` bytes of entry data at `offset` of its tar stream.
pub(crate) fn open_entry_data(
    blob: impl Read + Send + 'static,
    offset: u64,
    size: u64,
) -> io::Result<Box<dyn Read + Send>> {
    let (decoder, _) = Decoder::new(BufReader::with_capacity(BUF_SIZE, blob))?;
    let mut stream = BufReader::with_capacity(BUF_SIZE, decoder);
    let skipped = io::copy(&mut (&mut stream).take(offset), &mut io::sink())?;
    if skipped != offset {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "layer blob is shorter than when it was verified",
        ));
    }
    Ok(Box::new(stream.take(size)))
}

fn read_entries(
    stream: &mut impl Read,
    layer: usize,
    budget: &Budget,
    prefetcher: Option<&Prefetcher<'_>>,
    prefetched: &mut HashMap<usize, Prefetched>,
) -> Result<Vec<LayerEntry>, LayerError> {
    let mut archive = tar::Archive::new(stream);
    let mut out = Vec::new();
    for entry in archive.entries().map_err(LayerError::from_io)? {
        let mut entry = entry.map_err(LayerError::from_io)?;
        budget.take(1).map_err(|_| LayerError::EntryLimit {
            limit: budget.limit(),
        })?;
        let header = entry.header();
        let raw_path = entry.path_bytes();
        let Some(path) = safe_entry_path(&raw_path)? else {
            continue; // the root directory itself (`./`)
        };
        let (name_start, name) = match path.rfind('/') {
            Some(i) => (i + 1, &path[i + 1..]),
            None => (0, path.as_str()),
        };
        let parent = &path[..name_start.saturating_sub(1)];
        let entry_type = header.entry_type();
        let (path, kind) = if let Some(deleted) = name.strip_prefix(".wh.") {
            if deleted == ".wh..opq" {
                (parent.to_owned(), EntryKind::OpaqueWhiteout)
            } else if deleted.starts_with(".wh.") {
                continue; // aufs metadata (`.wh..wh.plnk`, ...): not content
            } else if deleted.is_empty() || deleted == "." || deleted == ".." {
                return Err(LayerError::UnsafePath {
                    path,
                    reason: "whiteout of `.` or `..`",
                });
            } else if parent.is_empty() {
                (deleted.to_owned(), EntryKind::Whiteout)
            } else {
                (format!("{parent}/{deleted}"), EntryKind::Whiteout)
            }
        } else {
            let kind = match entry_type {
                tar::EntryType::Regular | tar::EntryType::Continuous => EntryKind::File,
                tar::EntryType::Directory => EntryKind::Dir,
                tar::EntryType::Symlink => EntryKind::Symlink(
                    String::from_utf8_lossy(&entry.link_name_bytes().unwrap_or_default())
                        .into_owned(),
                ),
                tar::EntryType::Link => {
                    let target = entry.link_name_bytes().unwrap_or_default();
                    match safe_entry_path(&target)? {
                        Some(target) => EntryKind::Hardlink(target),
                        None => {
                            return Err(LayerError::UnsafePath {
                                path,
                                reason: "hard link to the root directory",
                            });
                        }
                    }
                }
                _ => EntryKind::Other,
            };
            (path, kind)
        };
        let recorded = LayerEntry {
            size: if kind == EntryKind::File {
                entry.size()
            } else {
                0
            },
            kind,
            mode: header.mode().unwrap_or(0) & 0o7777,
            uid: header.uid().unwrap_or(0),
            gid: header.gid().unwrap_or(0),
            mtime: header.mtime().unwrap_or(0),
            data_offset: entry.raw_file_position(),
            path,
        };
        if let Some(prefetcher) = prefetcher
            && recorded.kind == EntryKind::File
            && let Some(outcome) =
                prefetch(prefetcher, layer, &recorded, &mut entry).map_err(LayerError::from_io)?
        {
            prefetched.insert(out.len(), outcome);
        }
        out.push(recorded);
    }
    Ok(out)
}

/// Applies the prefetch policy (and the inspector, if any) to one regular file while its
/// bytes stream past.
fn prefetch(
    prefetcher: &Prefetcher<'_>,
    layer: usize,
    entry: &LayerEntry,
    data: &mut impl Read,
) -> io::Result<Option<Prefetched>> {
    let meta = Metadata {
        kind: FileKind::File,
        size: entry.size,
        mode: entry.mode,
        uid: entry.uid,
        gid: entry.gid,
        mtime: entry.mtime,
    };
    let decision = (prefetcher.policy)(&entry.path, &meta);
    if let Some(inspector) = prefetcher.inspector.filter(|i| i.wants(&entry.path, &meta)) {
        // The inspector bounds the size in `wants`; the content is read once and serves the
        // prefetch decision too.
        let mut content = Vec::with_capacity(usize::try_from(entry.size).unwrap_or(0));
        data.take(entry.size).read_to_end(&mut content)?;
        inspector.inspect(layer, &entry.path, &content);
        return Ok(match decision {
            Prefetch::Skip => None,
            Prefetch::Keep => prefetcher
                .budget
                .take(entry.size)
                .is_ok()
                .then(|| Prefetched::Kept(content.into())),
            Prefetch::ProbeFor(markers) => (!contains_any(&mut content.as_slice(), markers)?)
                .then_some(Prefetched::ProbedAbsent),
        });
    }
    match decision {
        Prefetch::Skip => Ok(None),
        Prefetch::Keep => {
            // Over budget: not kept, so it will be streamed again if it is wanted.
            if prefetcher.budget.take(entry.size).is_err() {
                return Ok(None);
            }
            let mut content = Vec::with_capacity(usize::try_from(entry.size).unwrap_or(0));
            data.take(entry.size).read_to_end(&mut content)?;
            Ok(Some(Prefetched::Kept(content.into())))
        }
        Prefetch::ProbeFor(markers) => {
            Ok((!contains_any(data, markers)?).then_some(Prefetched::ProbedAbsent))
        }
    }
}

/// Whether the stream contains any of `markers`, scanning in chunks (with an overlap, so a
/// marker split across two reads is still found) without keeping the content.
fn contains_any(data: &mut impl Read, markers: &[&[u8]]) -> io::Result<bool> {
    let finders: Vec<memchr::memmem::Finder<'_>> = markers
        .iter()
        .filter(|m| !m.is_empty())
        .map(memchr::memmem::Finder::new)
        .collect();
    let overlap = markers
        .iter()
        .map(|m| m.len())
        .max()
        .unwrap_or(1)
        .saturating_sub(1);
    let mut buf = vec![0u8; 64 * 1024 + overlap];
    let mut carried = 0;
    loop {
        let n = data.read(&mut buf[carried..])?;
        if n == 0 {
            return Ok(false);
        }
        let window = &buf[..carried + n];
        if finders.iter().any(|f| f.find(window).is_some()) {
            return Ok(true);
        }
        let keep = overlap.min(window.len());
        let end = window.len();
        buf.copy_within(end - keep..end, 0);
        carried = keep;
    }
}

/// Checks and normalises a tar entry path: relative, no `..`, no NUL, not absurdly long.
/// `None` for the root directory itself.
fn safe_entry_path(raw: &[u8]) -> Result<Option<String>, LayerError> {
    let text = String::from_utf8_lossy(raw);
    let unsafe_path = |reason| LayerError::UnsafePath {
        path: text.chars().take(200).collect(),
        reason,
    };
    if raw.len() > MAX_PATH_LEN {
        return Err(unsafe_path("longer than 4096 bytes"));
    }
    if raw.contains(&0) {
        return Err(unsafe_path("contains a NUL byte"));
    }
    if text.starts_with('/') {
        return Err(unsafe_path("absolute path"));
    }
    let mut parts = Vec::new();
    for comp in text.split('/') {
        match comp {
            "" | "." => {}
            ".." => return Err(unsafe_path("`..` component")),
            other => parts.push(other),
        }
    }
    Ok((!parts.is_empty()).then(|| parts.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_paths_are_checked() {
        assert_eq!(
            safe_entry_path(b"./etc/passwd").unwrap().unwrap(),
            "etc/passwd"
        );
        assert_eq!(safe_entry_path(b"./").unwrap(), None);
        assert!(safe_entry_path(b"../etc/passwd").is_err());
        assert!(safe_entry_path(b"a/../../b").is_err());
        assert!(safe_entry_path(b"/etc/passwd").is_err());
        assert!(safe_entry_path(&[b'a'; 5000]).is_err());
    }

    #[test]
    fn markers_are_found_across_chunk_boundaries() {
        let marker: &[u8] = b"\xff Go buildinf:";
        for at in [0, 10, 64 * 1024 - 5, 64 * 1024 + 3, 200_000] {
            let mut data = vec![0u8; 300_000];
            data[at..at + marker.len()].copy_from_slice(marker);
            assert!(
                contains_any(&mut data.as_slice(), &[b".dep-v0", marker]).unwrap(),
                "{at}"
            );
        }
        assert!(!contains_any(&mut vec![0u8; 300_000].as_slice(), &[marker]).unwrap());
    }

    #[test]
    fn compression_is_sniffed() {
        assert_eq!(Compression::sniff(&[0x1f, 0x8b, 8]), Compression::Gzip);
        assert_eq!(
            Compression::sniff(&[0x28, 0xb5, 0x2f, 0xfd]),
            Compression::Zstd
        );
        assert_eq!(Compression::sniff(b"etc/"), Compression::None);
    }
}
