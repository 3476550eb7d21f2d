//! Opens container images from every place they live, verifies every digest before trusting a
//! byte, and shows their layers as one merged, read-only filesystem.
//!
//! Sources ([`ImageSource`]): an OCI image layout directory (`oci:DIR[:TAG]`), a docker-archive
//! tarball as `docker save` or `skopeo copy` write it (`docker-archive:PATH[:TAG]`, legacy
//! `manifest.json` form or OCI-in-tar form, the tarball itself plain or gzip), and a registry
//! (`registry.example/repo:tag` or `@sha256:…`, pulled with `oci-client`, blobs kept in a
//! temporary directory for the life of the [`Image`]).
//!
//! Integrity: every manifest, index and config blob is checked against its descriptor's digest
//! and size before it is parsed; [`Image::read_layers`] streams each layer once (in parallel),
//! hashing the compressed blob and the uncompressed tar, and returns a [`LayeredFs`] only if
//! every blob digest and every `rootfs.diff_ids` entry matches.
//!
//! Hostile input: entry paths with `..` or a leading `/` are refused; symlinks resolve inside
//! the image root only; decompressed bytes and entry counts are capped by [`Limits`] across the
//! whole image; JSON blobs are size-capped before they are read. Nothing is extracted to disk
//! and no layer is ever held whole in memory.
//!
//! What this crate does not do: decide what is interesting in an image (the analyzers do), print,
//! or read environment variables (the caller passes the docker config path and the platform).
//!
//! ```no_run
//! use bulkhead_fsview::FsView;
//! use bulkhead_image::{Image, ImageSource, OpenOptions};
//!
//! let source = ImageSource::parse("oci:../shared/images/webapp-oci:webapp")?;
//! let image = Image::open(&source, &OpenOptions::default())?;
//! let fs = image.read_layers()?; // verifies every layer digest and diff_id
//! let os_release = fs.read_to_vec("etc/os-release", 64 * 1024)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod archive;
mod digest;
mod error;
mod image;
mod layer;
mod layout;
mod merged;
mod platform;
#[cfg(feature = "registry")]
mod registry;
mod source;
mod store;

pub use digest::Digest;
pub use error::{BlobRole, ImageError};
pub use image::{Image, ImageSummary, LayerSummary};
pub use layer::{Compression, EntryKind, LayerEntry, LayerError, LayerInspector};
pub use merged::{Fate, HiddenFile, IndexedLayer, LayeredFs};
pub use platform::Platform;
pub use source::ImageSource;

use std::path::PathBuf;

/// Caps that protect against hostile images. The defaults fit real images with a wide margin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Total uncompressed bytes across all layers of one image.
    pub max_decompressed_bytes: u64,
    /// Total tar entries across all layers of one image.
    pub max_entries: u64,
    /// Largest manifest, index or config blob read into memory.
    pub max_json_bytes: u64,
    /// Most layers an image may have.
    pub max_layers: usize,
    /// Deepest nesting of image indexes.
    pub max_index_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_decompressed_bytes: 32 << 30,
            max_entries: 4_000_000,
            max_json_bytes: 8 << 20,
            max_layers: 512,
            max_index_depth: 8,
        }
    }
}

/// How to open an image.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// Which platform to pick from a multi-platform index; `None` picks the only image, or the
    /// host's platform among several.
    pub platform: Option<Platform>,
    /// Talk plain HTTP to the registry (loopback and test registries).
    pub insecure: bool,
    /// A docker `config.json` with registry credentials (`auths`).
    pub docker_config: Option<PathBuf>,
    pub limits: Limits,
}

/// Entry points for `cargo fuzz` (see `fuzz/`); not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    use std::sync::Arc;

    use bulkhead_fsview::FsView as _;

    use crate::digest::Budget;
    use crate::merged::{IndexedLayer, LayeredFs};
    use crate::store::BlobStore;

    /// Reads `bytes` as a layer blob (any compression) under small caps, merges it, and walks
    /// and resolves the result. Must never panic or hang.
    pub fn layer(bytes: &[u8]) {
        // Keep even-sized files, probe odd-sized ones: both prefetch paths see fuzzed data.
        let policy = |_: &str, meta: &bulkhead_fsview::Metadata| {
            if meta.size.is_multiple_of(2) {
                bulkhead_fsview::Prefetch::Keep
            } else {
                bulkhead_fsview::Prefetch::ProbeFor(&[b"\xff Go buildinf:", b".dep-v0"])
            }
        };
        let prefetcher = crate::layer::Prefetcher {
            policy: &policy,
            budget: Budget::new(1 << 20),
            inspector: None,
        };
        let Ok(scan) = crate::layer::scan_layer(
            bytes,
            0,
            &Budget::new(16 << 20),
            &Budget::new(10_000),
            Some(&prefetcher),
        ) else {
            return;
        };
        let store = Arc::new(BlobStore::Dir {
            root: std::env::temp_dir().join("bulkhead-fuzz-nonexistent"),
            _keep: None,
        });
        let paths: Vec<String> = scan.entries.iter().map(|e| e.path.clone()).collect();
        let layer = IndexedLayer {
            digest: scan.blob_digest,
            blob_path: String::new(),
            diff_id: scan.diff_id,
            size: scan.blob_size,
            uncompressed_size: scan.uncompressed_size,
            compression: scan.compression,
            entries: scan.entries,
            fates: Vec::new(),
            prefetched: scan.prefetched,
        };
        let Ok(fs) = LayeredFs::merge(store, vec![layer]) else {
            return;
        };
        let _ = fs.walk(&mut |_| Ok(()));
        let _ = fs.hidden_files();
        for path in paths.iter().take(64) {
            let _ = fs.canonicalize(path);
            let _ = fs.read_dir(path);
        }
    }

    /// Parses `bytes` as an index, a manifest and a config, and runs manifest selection over
    /// the index's descriptors with a fetcher that serves `bytes` for every digest.
    pub fn metadata_json(bytes: &[u8]) {
        let _ = serde_json::from_slice::<oci_spec::image::ImageManifest>(bytes);
        if let Ok(config) = serde_json::from_slice::<oci_spec::image::ImageConfiguration>(bytes) {
            let _ = crate::image::diff_ids(&config);
        }
        if let Ok(index) = serde_json::from_slice::<oci_spec::image::ImageIndex>(bytes) {
            let fetch = |_: crate::BlobRole, _: &crate::Digest, _: u64| Ok(bytes.to_vec());
            let _ = crate::layout::select_manifest(
                index.manifests(),
                None,
                &crate::Limits::default(),
                &fetch,
            );
        }
        if let Ok(text) = std::str::from_utf8(bytes) {
            let _ = crate::Platform::parse(text);
            let _ = crate::Digest::parse(text);
        }
    }
}
