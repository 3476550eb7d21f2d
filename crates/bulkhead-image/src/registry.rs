//! Pulling from a registry through the OCI distribution API with `oci-client`: token and
//! basic auth (credentials from a docker `config.json`), multi-platform index resolution, and
//! plain HTTP for loopback registries with `insecure`. Manifests are verified against the
//! reference's digest (or, for a tag, every nested descriptor against its own digest); blobs
//! are downloaded into a temporary directory that lives as long as the [`Image`], and are
//! verified again when read, like any other store.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{DigestError, OciDistributionError};
use oci_client::manifest::OciDescriptor;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use oci_spec::image::{ImageIndex, ImageManifest};

use crate::OpenOptions;
use crate::digest::Digest;
use crate::error::{BlobRole, ImageError};
use crate::image::Image;
use crate::layout::{INDEX_TYPES, MANIFEST_TYPES, select_manifest};
use crate::store::BlobStore;

// One linear protocol (resolve the reference, verify manifests, download); splitting it further
// would only pass its half-dozen locals around.
#[allow(clippy::too_many_lines)]
pub(crate) fn open_registry(reference: &str, options: &OpenOptions) -> Result<Image, ImageError> {
    // rustls needs a process-wide crypto provider; a second install is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let registry_error = |source: Box<dyn std::error::Error + Send + Sync>| ImageError::Registry {
        reference: reference.to_owned(),
        source,
    };
    let parsed: Reference =
        reference
            .parse()
            .map_err(|e: oci_client::ParseError| ImageError::InvalidReference {
                reference: reference.to_owned(),
                reason: e.to_string(),
            })?;
    let auth = match &options.docker_config {
        Some(path) => credentials(path, parsed.resolve_registry())?,
        None => RegistryAuth::Anonymous,
    };
    let client = Client::new(ClientConfig {
        protocol: if options.insecure {
            ClientProtocol::Http
        } else {
            ClientProtocol::Https
        },
        platform_resolver: None,
        ..ClientConfig::default()
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| registry_error(Box::new(e)))?;
    let accepted: Vec<&str> = MANIFEST_TYPES
        .iter()
        .chain(INDEX_TYPES.iter())
        .copied()
        .collect();
    let limits = options.limits;

    let fetch_manifest = |target: &Reference| -> Result<Vec<u8>, ImageError> {
        let (bytes, _) = runtime
            .block_on(client.pull_manifest_raw(target, &auth, &accepted))
            .map_err(|e| registry_error(Box::new(e)))?;
        if bytes.len() as u64 > limits.max_json_bytes {
            return Err(ImageError::JsonTooLarge {
                what: format!("manifest of `{}`", target.whole()),
                size: bytes.len() as u64,
                limit: limits.max_json_bytes,
            });
        }
        Ok(bytes.to_vec())
    };

    let top = fetch_manifest(&parsed)?;
    let top_digest = Digest::of(&top);
    if let Some(pinned) = parsed.digest() {
        // Never trust the registry for a digest reference: the bytes must hash to it.
        if Digest::parse(pinned)? != top_digest {
            return Err(ImageError::DigestMismatch {
                role: BlobRole::Manifest,
                expected: pinned.to_owned(),
                actual: top_digest.to_string(),
            });
        }
    }
    let (manifest_digest, manifest_bytes) = if is_index(&top) {
        let index: ImageIndex =
            serde_json::from_slice(&top).map_err(|source| ImageError::Json {
                what: format!("index of `{reference}`"),
                source,
            })?;
        let fetch = |role: BlobRole, digest: &Digest, size: u64| {
            if size > limits.max_json_bytes {
                return Err(ImageError::JsonTooLarge {
                    what: format!("{role} `{digest}`"),
                    size,
                    limit: limits.max_json_bytes,
                });
            }
            let target = parsed.clone_with_digest(digest.to_string());
            let bytes = fetch_manifest(&target)?;
            let actual = Digest::of(&bytes);
            if actual != *digest {
                return Err(ImageError::DigestMismatch {
                    role,
                    expected: digest.to_string(),
                    actual: actual.to_string(),
                });
            }
            Ok(bytes)
        };
        select_manifest(
            index.manifests(),
            options.platform.as_ref(),
            &limits,
            &fetch,
        )?
    } else {
        (top_digest, top)
    };

    let manifest: ImageManifest =
        serde_json::from_slice(&manifest_bytes).map_err(|source| ImageError::Json {
            what: format!("manifest `{manifest_digest}`"),
            source,
        })?;
    let download = download_blobs(&runtime, &client, &parsed, &manifest).map_err(|e| match e {
        DownloadError::Image(e) => e,
        DownloadError::Registry(message) => registry_error(message.into()),
    })?;
    let store = BlobStore::Dir {
        root: download.path().to_owned(),
        _keep: Some(Arc::new(download)),
    };
    Image::from_manifest(
        reference.to_owned(),
        Arc::new(store),
        manifest_digest,
        &manifest_bytes,
        limits,
    )
}

enum DownloadError {
    Image(ImageError),
    Registry(String),
}

impl From<ImageError> for DownloadError {
    fn from(e: ImageError) -> Self {
        DownloadError::Image(e)
    }
}

/// Downloads the config and layer blobs into a fresh `blobs/sha256/` directory. `oci-client`
/// checks each blob's digest while it streams; the layer pass checks again when reading.
fn download_blobs(
    runtime: &tokio::runtime::Runtime,
    client: &Client,
    parsed: &Reference,
    manifest: &ImageManifest,
) -> Result<tempfile::TempDir, DownloadError> {
    let download = tempfile::Builder::new()
        .prefix("bulkhead-pull-")
        .tempdir()
        .map_err(|e| ImageError::io(std::env::temp_dir(), e))?;
    let blob_dir = download.path().join("blobs/sha256");
    fs_err::create_dir_all(&blob_dir).map_err(|e| ImageError::io(&blob_dir, e))?;
    let blobs = std::iter::once((BlobRole::Config, manifest.config()))
        .chain(manifest.layers().iter().map(|l| (BlobRole::Layer, l)));
    for (role, desc) in blobs {
        let digest = Digest::parse(desc.digest().as_ref())?;
        let path = blob_dir.join(digest.hex());
        if path.exists() {
            continue; // the same blob listed twice
        }
        let descriptor = OciDescriptor {
            media_type: desc.media_type().to_string(),
            digest: digest.to_string(),
            size: i64::try_from(desc.size()).unwrap_or(i64::MAX),
            ..OciDescriptor::default()
        };
        runtime.block_on(async {
            let file = tokio::fs::File::create(&path)
                .await
                .map_err(|e| ImageError::io(&path, e))?;
            client
                .pull_blob(parsed, &descriptor, file)
                .await
                .map_err(|e| match e {
                    // The registry served other bytes than the digest names: tampering.
                    OciDistributionError::DigestError(DigestError::VerificationError {
                        expected,
                        actual,
                    }) => DownloadError::Image(ImageError::DigestMismatch {
                        role,
                        expected,
                        actual,
                    }),
                    other => {
                        DownloadError::Registry(format!("downloading blob `{digest}`: {other}"))
                    }
                })
        })?;
    }
    Ok(download)
}

fn is_index(bytes: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(rename = "mediaType")]
        media_type: Option<String>,
        manifests: Option<serde::de::IgnoredAny>,
    }
    serde_json::from_slice::<Probe>(bytes).is_ok_and(|p| {
        p.media_type
            .as_deref()
            .map_or(p.manifests.is_some(), |m| INDEX_TYPES.contains(&m))
    })
}

#[derive(serde::Deserialize, Default)]
struct DockerConfig {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
}

#[derive(serde::Deserialize)]
struct AuthEntry {
    auth: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

/// Basic credentials for `registry` from a docker `config.json` (`auths` entries; keys may
/// carry a scheme and path, as `https://index.docker.io/v1/` does). A missing file means
/// anonymous access. Credential helpers (`credsStore`) are not run.
pub(crate) fn credentials(path: &Path, registry: &str) -> Result<RegistryAuth, ImageError> {
    let bytes = match fs_err::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(RegistryAuth::Anonymous),
        Err(e) => return Err(ImageError::io(path, e)),
    };
    let config_error = |reason: String| ImageError::DockerConfig {
        path: path.to_owned(),
        source: reason.into(),
    };
    let config: DockerConfig =
        serde_json::from_slice(&bytes).map_err(|e| config_error(e.to_string()))?;
    let wanted = canonical_host(registry);
    for (key, entry) in &config.auths {
        if canonical_host(key) != wanted {
            continue;
        }
        if let (Some(user), Some(pass)) = (&entry.username, &entry.password) {
            return Ok(RegistryAuth::Basic(user.clone(), pass.clone()));
        }
        if let Some(auth) = &entry.auth {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .map_err(|e| config_error(format!("`auth` for `{key}` is not base64: {e}")))?;
            let text = String::from_utf8(decoded)
                .map_err(|_| config_error(format!("`auth` for `{key}` is not UTF-8")))?;
            let (user, pass) = text.split_once(':').ok_or_else(|| {
                config_error(format!("`auth` for `{key}` is not `user:password`"))
            })?;
            return Ok(RegistryAuth::Basic(user.to_owned(), pass.to_owned()));
        }
    }
    Ok(RegistryAuth::Anonymous)
}

fn canonical_host(key: &str) -> String {
    let host = key
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match host.as_str() {
        "docker.io" | "registry-1.docker.io" => "index.docker.io".to_owned(),
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_match_hosts_in_any_spelling() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        let token = base64::engine::general_purpose::STANDARD.encode("alice:s3cret");
        fs_err::write(
            &path,
            format!(r#"{{"auths":{{"http://127.0.0.1:5000/v2/":{{"auth":"{token}"}},"https://index.docker.io/v1/":{{"username":"bob","password":"pw"}}}}}}"#),
        )
        .unwrap();
        assert!(
            matches!(credentials(&path, "127.0.0.1:5000").unwrap(), RegistryAuth::Basic(u, p) if u == "alice" && p == "s3cret")
        );
        assert!(
            matches!(credentials(&path, "index.docker.io").unwrap(), RegistryAuth::Basic(u, _) if u == "bob")
        );
        assert!(matches!(
            credentials(&path, "ghcr.io").unwrap(),
            RegistryAuth::Anonymous
        ));
        assert!(matches!(
            credentials(&dir.path().join("absent.json"), "x").unwrap(),
            RegistryAuth::Anonymous
        ));
        fs_err::write(&path, "{not json").unwrap();
        assert!(credentials(&path, "x").is_err());
    }
}
