//! OCI image layouts (a directory, or the OCI-in-tar form of a docker-archive), and choosing
//! one image manifest from an index by tag and platform. The registry uses the same choice.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use oci_spec::image::{Descriptor, ImageIndex};

use crate::digest::Digest;
use crate::error::{BlobRole, ImageError};
use crate::image::Image;
use crate::platform::Platform;
use crate::store::BlobStore;
use crate::{Limits, OpenOptions};

/// Fetches a small JSON blob by digest and declared size, verified.
pub(crate) type FetchBlob<'a> = dyn Fn(BlobRole, &Digest, u64) -> Result<Vec<u8>, ImageError> + 'a;

const REF_NAME: &str = "org.opencontainers.image.ref.name";
const CONTAINERD_NAME: &str = "io.containerd.image.name";
pub(crate) const INDEX_TYPES: [&str; 2] = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];
pub(crate) const MANIFEST_TYPES: [&str; 2] = [
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

pub(crate) fn open_layout_dir(
    dir: &Path,
    tag: Option<&str>,
    options: &OpenOptions,
) -> Result<Image, ImageError> {
    let meta = fs_err::metadata(dir).map_err(|e| ImageError::io(dir, e))?;
    if !meta.is_dir() {
        return Err(ImageError::NotAnOciLayout {
            path: dir.to_owned(),
            reason: "not a directory".into(),
        });
    }
    let store = BlobStore::Dir {
        root: dir.to_owned(),
        _keep: None,
    };
    let label = match tag {
        Some(t) => format!("oci:{}:{t}", dir.display()),
        None => format!("oci:{}", dir.display()),
    };
    open_layout(Arc::new(store), label, dir, tag, options)
}

/// Opens the image a layout's `index.json` leads to.
pub(crate) fn open_layout(
    store: Arc<BlobStore>,
    label: String,
    path_for_errors: &Path,
    tag: Option<&str>,
    options: &OpenOptions,
) -> Result<Image, ImageError> {
    let not_layout = |reason: String| ImageError::NotAnOciLayout {
        path: path_for_errors.to_owned(),
        reason,
    };
    if store.open("oci-layout")?.is_none() {
        return Err(not_layout("no `oci-layout` file".into()));
    }
    let index_bytes = store.read_small(
        BlobRole::Index,
        "index.json",
        None,
        options.limits.max_json_bytes,
    )?;
    let index: ImageIndex =
        serde_json::from_slice(&index_bytes).map_err(|source| ImageError::Json {
            what: format!("`{}/index.json`", path_for_errors.display()),
            source,
        })?;
    let tagged: Vec<Descriptor> = match tag {
        None => index.manifests().clone(),
        Some(tag) => index
            .manifests()
            .iter()
            .filter(|d| descriptor_tag_matches(d, tag))
            .cloned()
            .collect(),
    };
    if tagged.is_empty() {
        let available = index
            .manifests()
            .iter()
            .filter_map(descriptor_tag)
            .collect::<Vec<_>>();
        return Err(ImageError::NoMatchingImage {
            wanted: tag.map_or_else(|| "any tag".to_owned(), |t| format!("tag `{t}`")),
            available: list_or_none(&available),
        });
    }
    if tag.is_none() {
        let tags: HashSet<String> = tagged.iter().filter_map(descriptor_tag).collect();
        if tags.len() > 1 {
            let mut tags: Vec<String> = tags.into_iter().collect();
            tags.sort();
            return Err(ImageError::AmbiguousImage {
                what: format!("`{}`", path_for_errors.display()),
                available: tags.join(", "),
                hint: "`oci:DIR:TAG`",
            });
        }
    }
    let fetch = |role: BlobRole, digest: &Digest, size: u64| {
        store.read_small(
            role,
            &BlobStore::digest_path(digest),
            Some((digest, size)),
            options.limits.max_json_bytes,
        )
    };
    let (manifest_digest, manifest_bytes) =
        select_manifest(&tagged, options.platform.as_ref(), &options.limits, &fetch)?;
    Image::from_manifest(
        label,
        store,
        manifest_digest,
        &manifest_bytes,
        options.limits,
    )
}

fn descriptor_tag(d: &Descriptor) -> Option<String> {
    let ann = d.annotations().as_ref()?;
    ann.get(REF_NAME)
        .or_else(|| ann.get(CONTAINERD_NAME))
        .cloned()
}

fn descriptor_tag_matches(d: &Descriptor, tag: &str) -> bool {
    let Some(ann) = d.annotations().as_ref() else {
        return false;
    };
    ann.get(REF_NAME).is_some_and(|r| r == tag)
        || ann.get(CONTAINERD_NAME).is_some_and(|n| {
            n == tag || n.ends_with(&format!(":{tag}")) || n.ends_with(&format!("/{tag}"))
        })
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

/// One image manifest reachable from an index, with the platform its descriptor declares.
struct Candidate {
    digest: Digest,
    size: u64,
    platform: Option<Platform>,
}

/// Chooses one image manifest among `descriptors`, descending into nested indexes (each
/// verified against its digest; nesting is bounded and a repeated index is an error).
/// Returns the manifest's digest and verified bytes.
pub(crate) fn select_manifest(
    descriptors: &[Descriptor],
    wanted: Option<&Platform>,
    limits: &Limits,
    fetch: &FetchBlob<'_>,
) -> Result<(Digest, Vec<u8>), ImageError> {
    let mut candidates = Vec::new();
    let mut seen = HashSet::new();
    collect(descriptors, 0, limits, fetch, &mut seen, &mut candidates)?;
    let (digest, size) = pick(&candidates, wanted)?;
    let bytes = fetch(BlobRole::Manifest, &digest, size)?;
    Ok((digest, bytes))
}

fn collect(
    descriptors: &[Descriptor],
    depth: usize,
    limits: &Limits,
    fetch: &FetchBlob<'_>,
    seen: &mut HashSet<Digest>,
    out: &mut Vec<Candidate>,
) -> Result<(), ImageError> {
    for d in descriptors {
        let media_type = d.media_type().to_string();
        let digest = Digest::parse(d.digest().as_ref())?;
        if is_attestation(d) {
            continue;
        }
        if INDEX_TYPES.contains(&media_type.as_str()) {
            if depth + 1 > limits.max_index_depth {
                return Err(ImageError::IndexNesting {
                    digest: digest.to_string(),
                    reason: format!("is deeper than the limit of {}", limits.max_index_depth),
                });
            }
            if !seen.insert(digest.clone()) {
                return Err(ImageError::IndexNesting {
                    digest: digest.to_string(),
                    reason: "refers back to an index already visited (a loop)".into(),
                });
            }
            let bytes = fetch(BlobRole::Index, &digest, d.size())?;
            let nested: ImageIndex =
                serde_json::from_slice(&bytes).map_err(|source| ImageError::Json {
                    what: format!("index `{digest}`"),
                    source,
                })?;
            collect(nested.manifests(), depth + 1, limits, fetch, seen, out)?;
        } else if MANIFEST_TYPES.contains(&media_type.as_str()) {
            let platform = d.platform().as_ref().map(|p| {
                Platform::new(
                    &p.os().to_string(),
                    &p.architecture().to_string(),
                    p.variant().as_deref(),
                )
            });
            out.push(Candidate {
                digest,
                size: d.size(),
                platform,
            });
        } else {
            return Err(ImageError::UnsupportedMediaType {
                role: BlobRole::Manifest,
                media_type,
            });
        }
    }
    Ok(())
}

/// BuildKit stores provenance and SBOM attestations in the index as manifests for the
/// platform `unknown/unknown`; they are not images to scan.
fn is_attestation(d: &Descriptor) -> bool {
    let by_annotation = d
        .annotations()
        .as_ref()
        .and_then(|a| a.get("vnd.docker.reference.type"))
        .is_some_and(|t| t == "attestation-manifest");
    let by_platform = d.platform().as_ref().is_some_and(|p| {
        p.os().to_string() == "unknown" && p.architecture().to_string() == "unknown"
    });
    by_annotation || by_platform
}

fn pick(candidates: &[Candidate], wanted: Option<&Platform>) -> Result<(Digest, u64), ImageError> {
    let available = || {
        let names: Vec<String> = candidates
            .iter()
            .map(|c| {
                c.platform
                    .as_ref()
                    .map_or_else(|| c.digest.short().to_owned(), Platform::to_string)
            })
            .collect();
        list_or_none(&names)
    };
    let host = Platform::host();
    let chosen = match (wanted, candidates.len()) {
        (_, 0) => None,
        // One image and no platform asked for: take it, whatever it is.
        (None, 1) => candidates.first(),
        (Some(w), _) => candidates
            .iter()
            .find(|c| c.platform.as_ref().is_some_and(|p| w.accepts(p)))
            // An entry without a platform in its descriptor can still be the one asked for;
            // its config is checked after opening.
            .or_else(|| {
                (candidates.len() == 1 && candidates[0].platform.is_none()).then(|| &candidates[0])
            }),
        (None, _) => {
            let for_host: Vec<&Candidate> = candidates
                .iter()
                .filter(|c| c.platform.as_ref().is_some_and(|p| host.accepts(p)))
                .collect();
            if for_host.is_empty() && candidates.iter().all(|c| c.platform.is_none()) {
                return Err(ImageError::AmbiguousImage {
                    what: "the index".into(),
                    available: available(),
                    hint: "a tag or digest",
                });
            }
            for_host.first().copied()
        }
    };
    match chosen {
        Some(c) => Ok((c.digest.clone(), c.size)),
        None => Err(ImageError::NoMatchingImage {
            wanted: format!("platform `{}`", wanted.cloned().unwrap_or(host)),
            available: available(),
        }),
    }
}
