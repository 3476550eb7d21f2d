//! [`Image`]: a located image whose manifest and config are verified, and the parallel,
//! verifying layer pass that yields its [`LayeredFs`].

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bulkhead_fsview::PrefetchPolicy;
use oci_spec::image::{ImageConfiguration, ImageManifest};

use crate::digest::{Budget, Digest, HashingReader};
use crate::error::{BlobRole, ImageError};
use crate::layer::{Compression, LayerError, LayerInspector, LayerScan, Prefetcher, scan_layer};
use crate::merged::{IndexedLayer, LayeredFs};
use crate::platform::Platform;
use crate::store::BlobStore;
use crate::{ImageSource, Limits, OpenOptions};

/// A layer as the manifest (or docker-archive `manifest.json`) declares it.
#[derive(Debug, Clone)]
pub(crate) struct DeclaredLayer {
    /// Where the blob is inside the store.
    pub(crate) blob_path: String,
    /// The digest and size the manifest promises; a legacy docker-archive may promise neither.
    pub(crate) digest: Option<Digest>,
    pub(crate) size: Option<u64>,
    pub(crate) media_type: String,
    pub(crate) diff_id: Digest,
}

/// An opened image: manifest and config verified and parsed; layers not read yet.
#[derive(Debug)]
pub struct Image {
    pub(crate) source: String,
    pub(crate) store: Arc<BlobStore>,
    pub(crate) manifest_digest: Option<Digest>,
    pub(crate) config_digest: Digest,
    pub(crate) config: ImageConfiguration,
    /// Docker's `config.Healthcheck.Test`, which the OCI config type does not carry.
    pub(crate) healthcheck: Option<Vec<String>>,
    pub(crate) layers: Vec<DeclaredLayer>,
    pub(crate) limits: Limits,
}

/// What `bulkhead image` prints: identity, platform, layers and the run configuration.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImageSummary {
    pub source: String,
    /// The manifest digest; absent for a legacy docker-archive, which has no manifest blob.
    pub manifest_digest: Option<Digest>,
    pub config_digest: Digest,
    pub platform: Platform,
    pub created: Option<String>,
    pub layers: Vec<LayerSummary>,
    pub user: Option<String>,
    pub env: Vec<String>,
    pub exposed_ports: Vec<String>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub working_dir: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// Files that a layer holds but a later layer deleted or overwrote.
    pub hidden_files: usize,
}

/// One layer in an [`ImageSummary`], with what the verifying pass measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LayerSummary {
    pub digest: Digest,
    pub diff_id: Digest,
    pub media_type: String,
    pub compression: Compression,
    pub size: u64,
    pub uncompressed_size: u64,
    pub entries: usize,
    /// The history step that made the layer, if the config records it.
    pub created_by: Option<String>,
}

impl Image {
    /// Locates and opens an image; verifies and parses its index, manifest and config.
    pub fn open(source: &ImageSource, options: &OpenOptions) -> Result<Image, ImageError> {
        let image = match source {
            ImageSource::OciLayout { dir, tag } => {
                crate::layout::open_layout_dir(dir, tag.as_deref(), options)
            }
            ImageSource::DockerArchive { path, tag } => {
                crate::archive::open_docker_archive(path, tag.as_deref(), options)
            }
            #[cfg(feature = "registry")]
            ImageSource::Registry { reference } => {
                crate::registry::open_registry(reference, options)
            }
            #[cfg(not(feature = "registry"))]
            ImageSource::Registry { reference } => Err(ImageError::InvalidReference {
                reference: reference.clone(),
                reason: "this build has no registry support (feature `registry`)".into(),
            }),
        }?;
        // An index entry may not declare its platform; the config always does.
        if let Some(wanted) = &options.platform {
            let actual = image.platform();
            // Configs rarely record a variant (umoci cannot); only a recorded one can disagree.
            let comparable = Platform {
                variant: actual.variant.clone().or_else(|| wanted.variant.clone()),
                ..actual.clone()
            };
            if !wanted.accepts(&comparable) {
                return Err(ImageError::NoMatchingImage {
                    wanted: format!("platform `{wanted}`"),
                    available: actual.to_string(),
                });
            }
        }
        Ok(image)
    }

    /// Builds an image from verified manifest bytes.
    pub(crate) fn from_manifest(
        source: String,
        store: Arc<BlobStore>,
        manifest_digest: Digest,
        manifest_bytes: &[u8],
        limits: Limits,
    ) -> Result<Image, ImageError> {
        let manifest: ImageManifest =
            serde_json::from_slice(manifest_bytes).map_err(|source| ImageError::Json {
                what: format!("manifest `{manifest_digest}`"),
                source,
            })?;
        let config_desc = manifest.config();
        let config_type = config_desc.media_type().to_string();
        if !is_config_media_type(&config_type) {
            return Err(ImageError::UnsupportedMediaType {
                role: BlobRole::Config,
                media_type: config_type,
            });
        }
        let config_digest = Digest::parse(config_desc.digest().as_ref())?;
        let config_bytes = store.read_small(
            BlobRole::Config,
            &BlobStore::digest_path(&config_digest),
            Some((&config_digest, config_desc.size())),
            limits.max_json_bytes,
        )?;
        let config = parse_config(&config_bytes, &config_digest)?;
        let healthcheck = parse_healthcheck(&config_bytes);
        let diff_ids = diff_ids(&config)?;
        if manifest.layers().len() > limits.max_layers {
            return Err(ImageError::TooManyLayers {
                count: manifest.layers().len(),
                limit: limits.max_layers,
            });
        }
        if manifest.layers().len() != diff_ids.len() {
            return Err(ImageError::LayerCountMismatch {
                layers: manifest.layers().len(),
                diff_ids: diff_ids.len(),
            });
        }
        let mut layers = Vec::new();
        for (desc, diff_id) in manifest.layers().iter().zip(diff_ids) {
            let media_type = desc.media_type().to_string();
            if !is_layer_media_type(&media_type) {
                return Err(ImageError::UnsupportedMediaType {
                    role: BlobRole::Layer,
                    media_type,
                });
            }
            let digest = Digest::parse(desc.digest().as_ref())?;
            layers.push(DeclaredLayer {
                blob_path: BlobStore::digest_path(&digest),
                digest: Some(digest),
                size: Some(desc.size()),
                media_type,
                diff_id,
            });
        }
        Ok(Image {
            source,
            store,
            manifest_digest: Some(manifest_digest),
            config_digest,
            config,
            healthcheck,
            layers,
            limits,
        })
    }

    /// The manifest digest (absent for a legacy docker-archive).
    pub fn manifest_digest(&self) -> Option<&Digest> {
        self.manifest_digest.as_ref()
    }

    pub fn config_digest(&self) -> &Digest {
        &self.config_digest
    }

    /// The parsed image configuration.
    pub fn config(&self) -> &ImageConfiguration {
        &self.config
    }

    /// Docker's `config.Healthcheck.Test` (`["NONE"]` disables an inherited one), if set.
    pub fn healthcheck(&self) -> Option<&[String]> {
        self.healthcheck.as_deref()
    }

    pub fn platform(&self) -> Platform {
        Platform::new(
            &self.config.os().to_string(),
            &self.config.architecture().to_string(),
            self.config.variant().as_deref(),
        )
    }

    pub fn layer_count(&self) -> usize {
        self.layers.len()
    }

    /// Streams every layer once, in parallel, checking each blob's digest and size against the
    /// manifest and each uncompressed stream against `rootfs.diff_ids`; returns the merged
    /// filesystem only if all of them match. The first failing layer (in layer order) is the
    /// error.
    pub fn read_layers(&self) -> Result<LayeredFs, ImageError> {
        self.read_layers_with(None)
    }

    /// [`Image::read_layers`], also applying `policy` to every regular file as it streams past:
    /// content it asks to keep is held in memory (up to `budget` bytes in all) and files it
    /// asks to probe are scanned for its markers, so that [`FsView::read_selected`] on the
    /// result decompresses a layer again only for files that were neither kept nor ruled out.
    ///
    /// [`FsView::read_selected`]: bulkhead_fsview::FsView::read_selected
    pub fn read_layers_prefetching(
        &self,
        policy: &PrefetchPolicy<'_>,
        budget: u64,
    ) -> Result<LayeredFs, ImageError> {
        self.read_layers_with(Some(&Prefetcher {
            policy,
            budget: Budget::new(budget),
            inspector: None,
        }))
    }

    /// [`Image::read_layers_prefetching`], also showing `inspector` the content of every
    /// regular file it wants in every layer, deleted and replaced files included, in the same
    /// single pass over the layers.
    pub fn read_layers_inspecting(
        &self,
        policy: &PrefetchPolicy<'_>,
        budget: u64,
        inspector: &dyn LayerInspector,
    ) -> Result<LayeredFs, ImageError> {
        self.read_layers_with(Some(&Prefetcher {
            policy,
            budget: Budget::new(budget),
            inspector: Some(inspector),
        }))
    }

    fn read_layers_with(
        &self,
        prefetcher: Option<&Prefetcher<'_>>,
    ) -> Result<LayeredFs, ImageError> {
        let bytes = Budget::new(self.limits.max_decompressed_bytes);
        let entries = Budget::new(self.limits.max_entries);
        let results: Vec<Mutex<Option<Result<LayerScan, ImageError>>>> =
            self.layers.iter().map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let inspector = prefetcher.and_then(|p| p.inspector);
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        // With an inspector, threads beyond the layer count are not idle: they help it.
        let workers = if inspector.is_some() {
            cores
        } else {
            cores.min(self.layers.len()).max(1)
        };
        let reading = AtomicUsize::new(workers);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    self.read_some_layers(&next, &failed, &results, &bytes, &entries, prefetcher);
                    reading.fetch_sub(1, Ordering::AcqRel);
                    if let Some(inspector) = inspector {
                        inspector.help(&|| reading.load(Ordering::Acquire) > 0);
                    }
                });
            }
        });
        let mut indexed = Vec::with_capacity(self.layers.len());
        for (declared, slot) in self.layers.iter().zip(results) {
            // A slot is empty only when an earlier failure stopped the workers; that failure
            // is reported in layer order before we get here, or comes later in this loop.
            let Some(result) = slot.into_inner().ok().flatten() else {
                continue;
            };
            let scan = result?;
            indexed.push(IndexedLayer {
                digest: scan.blob_digest,
                blob_path: declared.blob_path.clone(),
                diff_id: scan.diff_id,
                size: scan.blob_size,
                uncompressed_size: scan.uncompressed_size,
                compression: scan.compression,
                entries: scan.entries,
                prefetched: scan.prefetched,
                fates: Vec::new(),
            });
        }
        if indexed.len() != self.layers.len() {
            // Unreachable in practice (a failed layer returns above); refuse rather than
            // return a partial filesystem.
            return Err(ImageError::Layer {
                index: indexed.len(),
                layer: self.layers[indexed.len()].diff_id.to_string(),
                source: LayerError::Corrupt {
                    source: std::io::Error::other("layer was not read"),
                },
            });
        }
        LayeredFs::merge(Arc::clone(&self.store), indexed).map_err(|(index, source)| {
            ImageError::Layer {
                index,
                layer: self.layer_label(index),
                source,
            }
        })
    }

    /// One reading thread: takes the next unread layer until none is left or one failed.
    fn read_some_layers(
        &self,
        next: &AtomicUsize,
        failed: &AtomicBool,
        results: &[Mutex<Option<Result<LayerScan, ImageError>>>],
        bytes: &Budget,
        entries: &Budget,
        prefetcher: Option<&Prefetcher<'_>>,
    ) {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= self.layers.len() || failed.load(Ordering::Relaxed) {
                break;
            }
            let result = self.scan_and_verify(i, bytes, entries, prefetcher);
            if result.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            if let Ok(mut slot) = results[i].lock() {
                *slot = Some(result);
            }
        }
    }

    fn layer_label(&self, index: usize) -> String {
        let layer = &self.layers[index];
        layer
            .digest
            .as_ref()
            .map_or_else(|| layer.blob_path.clone(), Digest::to_string)
    }

    fn scan_and_verify(
        &self,
        index: usize,
        bytes: &Budget,
        entries: &Budget,
        prefetcher: Option<&Prefetcher<'_>>,
    ) -> Result<LayerScan, ImageError> {
        let declared = &self.layers[index];
        let label = self.layer_label(index);
        let (blob, _) = self
            .store
            .open_required(BlobRole::Layer, &declared.blob_path, &label)?;
        let scan = match scan_layer(blob, index, bytes, entries, prefetcher) {
            Ok(scan) => scan,
            Err(source) => {
                // A layer that fails to decompress may simply have been altered: if its digest
                // is wrong, say that, since it is the more precise diagnosis.
                if let (LayerError::Corrupt { .. }, Some(expected)) = (&source, &declared.digest) {
                    let actual = self.hash_blob(&declared.blob_path, &label)?;
                    if actual != *expected {
                        return Err(ImageError::DigestMismatch {
                            role: BlobRole::Layer,
                            expected: expected.to_string(),
                            actual: actual.to_string(),
                        });
                    }
                }
                return Err(ImageError::Layer {
                    index,
                    layer: label,
                    source,
                });
            }
        };
        if let Some(expected) = &declared.digest
            && scan.blob_digest != *expected
        {
            return Err(ImageError::DigestMismatch {
                role: BlobRole::Layer,
                expected: expected.to_string(),
                actual: scan.blob_digest.to_string(),
            });
        }
        if let Some(size) = declared.size
            && scan.blob_size != size
        {
            return Err(ImageError::SizeMismatch {
                role: BlobRole::Layer,
                digest: label,
                expected: size,
                actual: scan.blob_size,
            });
        }
        if scan.diff_id != declared.diff_id {
            return Err(ImageError::DiffIdMismatch {
                index,
                layer: label,
                expected: declared.diff_id.to_string(),
                actual: scan.diff_id.to_string(),
            });
        }
        Ok(scan)
    }

    fn hash_blob(&self, blob_path: &str, label: &str) -> Result<Digest, ImageError> {
        let (blob, _) = self
            .store
            .open_required(BlobRole::Layer, blob_path, label)?;
        let (digest, _) = HashingReader::new(blob)
            .finish()
            .map_err(|e| ImageError::io(blob_path, e))?;
        Ok(digest)
    }

    /// The `created_by` of every history step, empty layers included (that is where `ARG` and
    /// `ENV` values are recorded), in order; steps without one are left out.
    pub fn history(&self) -> Vec<String> {
        self.config
            .history()
            .as_deref()
            .unwrap_or_default()
            .iter()
            .filter_map(|h| h.created_by().clone())
            .collect()
    }

    /// The summary `bulkhead image` prints. `fs` is the verified filesystem from
    /// [`Image::read_layers`], which supplies the measured sizes and entry counts.
    pub fn summary(&self, fs: &LayeredFs) -> ImageSummary {
        let cfg = self.config.config().as_ref();
        let history: Vec<Option<String>> = self
            .config
            .history()
            .as_deref()
            .unwrap_or_default()
            .iter()
            .filter(|h| !h.empty_layer().unwrap_or(false))
            .map(|h| h.created_by().clone())
            .collect();
        let layers = self
            .layers
            .iter()
            .zip(fs.layers())
            .enumerate()
            .map(|(i, (declared, indexed))| LayerSummary {
                digest: indexed.digest.clone(),
                diff_id: indexed.diff_id.clone(),
                media_type: declared.media_type.clone(),
                compression: indexed.compression,
                size: indexed.size,
                uncompressed_size: indexed.uncompressed_size,
                entries: indexed.entries.len(),
                created_by: history.get(i).cloned().flatten(),
            })
            .collect();
        let list = |v: Option<&Vec<String>>| v.cloned().unwrap_or_default();
        // The config stores ports as a JSON object; its order is not meaningful, ours is sorted.
        let mut exposed_ports = list(cfg.and_then(|c| c.exposed_ports().as_ref()));
        exposed_ports.sort();
        ImageSummary {
            source: self.source.clone(),
            manifest_digest: self.manifest_digest.clone(),
            config_digest: self.config_digest.clone(),
            platform: self.platform(),
            created: self.config.created().clone(),
            layers,
            user: cfg.and_then(|c| c.user().clone()).filter(|u| !u.is_empty()),
            env: list(cfg.and_then(|c| c.env().as_ref())),
            exposed_ports,
            entrypoint: list(cfg.and_then(|c| c.entrypoint().as_ref())),
            cmd: list(cfg.and_then(|c| c.cmd().as_ref())),
            working_dir: cfg
                .and_then(|c| c.working_dir().clone())
                .filter(|w| !w.is_empty()),
            labels: cfg
                .and_then(|c| c.labels().as_ref())
                .map(|l| l.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
            hidden_files: fs.hidden_files().len(),
        }
    }
}

pub(crate) fn parse_config(
    bytes: &[u8],
    digest: &Digest,
) -> Result<ImageConfiguration, ImageError> {
    serde_json::from_slice(bytes).map_err(|source| ImageError::Json {
        what: format!("config `{digest}`"),
        source,
    })
}

/// Docker's `config.Healthcheck.Test` from the raw config (already parsed once as the OCI
/// type, so it is valid JSON; a malformed healthcheck reads as none).
pub(crate) fn parse_healthcheck(bytes: &[u8]) -> Option<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Config {
        config: Option<Inner>,
    }
    #[derive(serde::Deserialize)]
    struct Inner {
        #[serde(rename = "Healthcheck")]
        healthcheck: Option<Health>,
    }
    #[derive(serde::Deserialize)]
    struct Health {
        #[serde(rename = "Test")]
        test: Option<Vec<String>>,
    }
    let parsed: Config = serde_json::from_slice(bytes).ok()?;
    parsed.config?.healthcheck?.test
}

pub(crate) fn diff_ids(config: &ImageConfiguration) -> Result<Vec<Digest>, ImageError> {
    config
        .rootfs()
        .diff_ids()
        .iter()
        .map(|d| Digest::parse(d))
        .collect()
}

fn is_config_media_type(media_type: &str) -> bool {
    matches!(
        media_type,
        "application/vnd.oci.image.config.v1+json"
            | "application/vnd.docker.container.image.v1+json"
    )
}

fn is_layer_media_type(media_type: &str) -> bool {
    media_type.starts_with("application/vnd.oci.image.layer.")
        || media_type.starts_with("application/vnd.docker.image.rootfs.")
}
