//! The errors of opening and reading an image. Each names the blob, layer or path it is about.

use std::path::PathBuf;

/// What a blob is for, so a digest error says which one failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobRole {
    Index,
    Manifest,
    Config,
    Layer,
}

impl std::fmt::Display for BlobRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BlobRole::Index => "index",
            BlobRole::Manifest => "manifest",
            BlobRole::Config => "config",
            BlobRole::Layer => "layer",
        })
    }
}

/// Errors while locating, verifying and parsing an image's metadata.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    #[error("invalid image reference `{reference}`: {reason}")]
    InvalidReference { reference: String, reason: String },
    #[error("cannot read `{}`", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not an OCI image layout: {reason}", path.display())]
    NotAnOciLayout { path: PathBuf, reason: String },
    #[error("`{}` is not a docker-archive: {reason}", path.display())]
    NotADockerArchive { path: PathBuf, reason: String },
    #[error("invalid digest `{digest}`: {reason}")]
    InvalidDigest {
        digest: String,
        reason: &'static str,
    },
    #[error("{role} blob `{digest}` is missing from {store}")]
    BlobMissing {
        role: BlobRole,
        digest: String,
        store: String,
    },
    #[error(
        "{role} blob `{expected}` does not match its digest: its content hashes to `{actual}` (tampered or corrupt)"
    )]
    DigestMismatch {
        role: BlobRole,
        expected: String,
        actual: String,
    },
    #[error(
        "{role} blob `{digest}` is {actual} bytes but its descriptor says {expected} (tampered or corrupt)"
    )]
    SizeMismatch {
        role: BlobRole,
        digest: String,
        expected: u64,
        actual: u64,
    },
    #[error(
        "layer {index} (`{layer}`) uncompresses to `{actual}` but the config's rootfs.diff_ids says `{expected}` (tampered or corrupt)"
    )]
    DiffIdMismatch {
        index: usize,
        layer: String,
        expected: String,
        actual: String,
    },
    #[error("{what} is {size} bytes, over the limit of {limit} bytes")]
    JsonTooLarge { what: String, size: u64, limit: u64 },
    #[error("cannot parse {what}")]
    Json {
        what: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("unsupported {role} media type `{media_type}`")]
    UnsupportedMediaType { role: BlobRole, media_type: String },
    #[error("no image matches {wanted}; available: {available}")]
    NoMatchingImage { wanted: String, available: String },
    #[error("{what} holds several images ({available}); choose one with {hint}")]
    AmbiguousImage {
        what: String,
        available: String,
        hint: &'static str,
    },
    #[error("image index nesting at `{digest}` {reason}")]
    IndexNesting { digest: String, reason: String },
    #[error("the manifest lists {layers} layers but the config has {diff_ids} diff_ids")]
    LayerCountMismatch { layers: usize, diff_ids: usize },
    #[error("image has {count} layers, over the limit of {limit}")]
    TooManyLayers { count: usize, limit: usize },
    #[error("invalid platform `{platform}`: expected OS/ARCH[/VARIANT], e.g. linux/arm64")]
    InvalidPlatform { platform: String },
    #[error("layer {index} (`{layer}`)")]
    Layer {
        index: usize,
        layer: String,
        #[source]
        source: crate::layer::LayerError,
    },
    #[error("registry request for `{reference}` failed")]
    Registry {
        reference: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("cannot read docker credentials from `{}`", path.display())]
    DockerConfig {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl ImageError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ImageError::Io {
            path: path.into(),
            source,
        }
    }
}

impl ImageError {
    /// True when the image's content does not match what its digests promise (tampering or
    /// corruption), as opposed to an image that cannot be found, parsed or is refused.
    pub fn is_integrity_failure(&self) -> bool {
        match self {
            ImageError::DigestMismatch { .. }
            | ImageError::SizeMismatch { .. }
            | ImageError::DiffIdMismatch { .. }
            | ImageError::BlobMissing { .. } => true,
            ImageError::Layer { source, .. } => {
                matches!(source, crate::layer::LayerError::Corrupt { .. })
            }
            _ => false,
        }
    }
}
