//! docker-archive tarballs: the legacy form (`manifest.json` + `<id>/layer.tar` or
//! `blobs/sha256/…`, as `docker save` and `skopeo copy docker-archive:` write it) and the
//! OCI-in-tar form (`oci-layout` + `index.json`, Docker 25+). Members are read in place by
//! seeking in the tarball; a gzip-compressed tarball is first decompressed to a temporary
//! file (bounded by the decompression limit), since gzip cannot seek.

use std::path::Path;
use std::sync::Arc;

use crate::OpenOptions;
use crate::digest::Digest;
use crate::error::{BlobRole, ImageError};
use crate::image::{DeclaredLayer, Image, diff_ids, parse_config, parse_healthcheck};
use crate::store::{BlobStore, TarMembers, ungzip_if_needed};

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ManifestEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

pub(crate) fn open_docker_archive(
    path: &Path,
    tag: Option<&str>,
    options: &OpenOptions,
) -> Result<Image, ImageError> {
    let limits = options.limits;
    let (tar_path, keep) = ungzip_if_needed(path, limits.max_decompressed_bytes)?;
    let members = TarMembers::index(&tar_path, keep, limits.max_entries)?;
    let label = match tag {
        Some(t) => format!("docker-archive:{}:{t}", path.display()),
        None => format!("docker-archive:{}", path.display()),
    };
    let has_legacy = members.contains("manifest.json");
    if members.contains("oci-layout") && members.contains("index.json") && !has_legacy {
        let store = Arc::new(BlobStore::Tar(members));
        return crate::layout::open_layout(store, label, path, tag, options);
    }
    if !has_legacy {
        let mut names: Vec<&str> = members.member_names().collect();
        names.sort_unstable();
        names.truncate(5);
        return Err(ImageError::NotADockerArchive {
            path: path.to_owned(),
            reason: format!(
                "no `manifest.json` or `index.json` in the tar (first members: {})",
                names.join(", ")
            ),
        });
    }
    let store = Arc::new(BlobStore::Tar(members));
    let manifest_bytes = store.read_small(
        BlobRole::Manifest,
        "manifest.json",
        None,
        limits.max_json_bytes,
    )?;
    let entries: Vec<ManifestEntry> =
        serde_json::from_slice(&manifest_bytes).map_err(|source| ImageError::Json {
            what: format!("`manifest.json` in `{}`", path.display()),
            source,
        })?;
    let entry = choose_entry(&entries, tag, path)?;

    // Legacy archives name blobs by digest (`<hex>.json`, `blobs/sha256/<hex>`): where they
    // do, the name is a promise we check.
    let config_promise = digest_in_name(&entry.config);
    let config_bytes =
        store.read_small(BlobRole::Config, &entry.config, None, limits.max_json_bytes)?;
    let config_digest = Digest::of(&config_bytes);
    if let Some(promised) = config_promise
        && promised != config_digest
    {
        return Err(ImageError::DigestMismatch {
            role: BlobRole::Config,
            expected: promised.to_string(),
            actual: config_digest.to_string(),
        });
    }
    let config = parse_config(&config_bytes, &config_digest)?;
    let healthcheck = parse_healthcheck(&config_bytes);
    let diff_ids = diff_ids(&config)?;
    if entry.layers.len() > limits.max_layers {
        return Err(ImageError::TooManyLayers {
            count: entry.layers.len(),
            limit: limits.max_layers,
        });
    }
    if entry.layers.len() != diff_ids.len() {
        return Err(ImageError::LayerCountMismatch {
            layers: entry.layers.len(),
            diff_ids: diff_ids.len(),
        });
    }
    let layers = entry
        .layers
        .iter()
        .zip(diff_ids)
        .map(|(name, diff_id)| DeclaredLayer {
            blob_path: name.clone(),
            // `blobs/sha256/<hex>` is the blob's digest; a legacy `<id>/layer.tar` promises
            // nothing but its diff_id, which is checked in any case.
            digest: name
                .strip_prefix("blobs/sha256/")
                .and_then(|hex| Digest::parse(&format!("sha256:{hex}")).ok()),
            size: None,
            media_type: "application/vnd.docker.image.rootfs.diff.tar".to_owned(),
            diff_id,
        })
        .collect();
    Ok(Image {
        source: label,
        store,
        manifest_digest: None,
        config_digest,
        config,
        healthcheck,
        layers,
        limits,
    })
}

fn choose_entry<'a>(
    entries: &'a [ManifestEntry],
    tag: Option<&str>,
    path: &Path,
) -> Result<&'a ManifestEntry, ImageError> {
    let tags_of = |e: &ManifestEntry| e.repo_tags.clone().unwrap_or_default();
    let all_tags = || {
        let t: Vec<String> = entries.iter().flat_map(tags_of).collect();
        if t.is_empty() {
            "untagged images".to_owned()
        } else {
            t.join(", ")
        }
    };
    match tag {
        Some(tag) => entries
            .iter()
            .find(|e| tags_of(e).iter().any(|t| repo_tag_matches(t, tag)))
            .ok_or_else(|| ImageError::NoMatchingImage {
                wanted: format!("tag `{tag}`"),
                available: all_tags(),
            }),
        None => match entries {
            [] => Err(ImageError::NotADockerArchive {
                path: path.to_owned(),
                reason: "`manifest.json` lists no images".into(),
            }),
            [only] => Ok(only),
            _ => Err(ImageError::AmbiguousImage {
                what: format!("`{}`", path.display()),
                available: all_tags(),
                hint: "`docker-archive:PATH:TAG`",
            }),
        },
    }
}

/// `docker.io/library/nginx:1.27` is also `nginx:1.27`, `library/nginx:1.27` and `1.27` (tag
/// alone): users type whichever they pushed.
fn repo_tag_matches(repo_tag: &str, wanted: &str) -> bool {
    let short = |s: &str| {
        s.strip_prefix("docker.io/library/")
            .or_else(|| s.strip_prefix("docker.io/"))
            .or_else(|| s.strip_prefix("library/"))
            .unwrap_or(s)
            .to_owned()
    };
    let full = short(repo_tag);
    full == short(wanted) || full.rsplit_once(':').is_some_and(|(_, tag)| tag == wanted)
}

/// The digest a config member's name promises: `blobs/sha256/<hex>` or `<hex>.json`.
fn digest_in_name(name: &str) -> Option<Digest> {
    let file = name.rsplit('/').next()?;
    let hex = file.strip_suffix(".json").unwrap_or(file);
    Digest::parse(&format!("sha256:{hex}")).ok()
}
