//! Hand-made OCI layouts and raw tar streams, for the hostile cases no honest tool writes.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

/// `sha256:<hex>` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

pub fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).unwrap()
}

fn gunzip_if_needed(bytes: &[u8]) -> Vec<u8> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(bytes), &mut out)
            .unwrap();
        out
    } else if bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        zstd::decode_all(bytes).unwrap()
    } else {
        bytes.to_vec()
    }
}

/// A tar stream built entry by entry with names taken verbatim (no sanitising), so tests can
/// write `../` and absolute paths that the `tar` crate's safe API refuses.
#[derive(Debug, Default)]
pub struct RawTar {
    bytes: Vec<u8>,
}

impl RawTar {
    pub fn new() -> Self {
        RawTar::default()
    }

    fn entry(
        &mut self,
        name: &str,
        kind: tar::EntryType,
        data: &[u8],
        link: Option<&str>,
    ) -> &mut Self {
        let mut header = tar::Header::new_gnu();
        {
            let gnu = header.as_gnu_mut().unwrap();
            assert!(
                name.len() <= gnu.name.len(),
                "RawTar names are limited to 100 bytes"
            );
            gnu.name[..name.len()].copy_from_slice(name.as_bytes());
            if let Some(link) = link {
                gnu.linkname[..link.len()].copy_from_slice(link.as_bytes());
            }
        }
        header.set_entry_type(kind);
        header.set_mode(if kind == tar::EntryType::Directory {
            0o755
        } else {
            0o644
        });
        header.set_size(data.len() as u64);
        header.set_mtime(1_700_000_000);
        header.set_cksum();
        self.bytes.extend_from_slice(header.as_bytes());
        self.bytes.extend_from_slice(data);
        let pad = (512 - data.len() % 512) % 512;
        self.bytes.extend(std::iter::repeat_n(0u8, pad));
        self
    }

    pub fn file(&mut self, name: &str, data: &[u8]) -> &mut Self {
        self.entry(name, tar::EntryType::Regular, data, None)
    }

    pub fn dir(&mut self, name: &str) -> &mut Self {
        self.entry(name, tar::EntryType::Directory, b"", None)
    }

    pub fn symlink(&mut self, name: &str, target: &str) -> &mut Self {
        self.entry(name, tar::EntryType::Symlink, b"", Some(target))
    }

    pub fn hardlink(&mut self, name: &str, target: &str) -> &mut Self {
        self.entry(name, tar::EntryType::Link, b"", Some(target))
    }

    /// The tar stream, with its two zero end-of-archive blocks.
    pub fn finish(&self) -> Vec<u8> {
        let mut out = self.bytes.clone();
        out.extend(std::iter::repeat_n(0u8, 1024));
        out
    }
}

/// Writes an OCI image layout by hand: blobs, configs, manifests and `index.json` exactly as
/// the test says, including lies.
#[derive(Debug)]
pub struct LayoutWriter {
    dir: PathBuf,
}

impl LayoutWriter {
    pub fn new(dir: &Path) -> Self {
        fs_err::create_dir_all(dir.join("blobs/sha256")).unwrap();
        fs_err::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        LayoutWriter {
            dir: dir.to_owned(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn blob_path(&self, digest: &str) -> PathBuf {
        self.dir
            .join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"))
    }

    /// Stores `bytes` as a blob; returns a descriptor for it.
    pub fn blob(&self, media_type: &str, bytes: &[u8]) -> Value {
        let digest = sha256(bytes);
        fs_err::write(self.blob_path(&digest), bytes).unwrap();
        json!({"mediaType": media_type, "digest": digest, "size": bytes.len()})
    }

    /// Stores an image whose layers are the given blobs (gzip, zstd or plain tar); the config's
    /// diff_ids are computed from the layers. Returns the manifest descriptor.
    pub fn image(&self, layers: &[Vec<u8>]) -> Value {
        let diff_ids: Vec<String> = layers
            .iter()
            .map(|l| sha256(&gunzip_if_needed(l)))
            .collect();
        self.image_with_diff_ids(layers, &diff_ids)
    }

    pub fn image_with_diff_ids(&self, layers: &[Vec<u8>], diff_ids: &[String]) -> Value {
        let config = json!({
            "architecture": "amd64",
            "os": "linux",
            "config": {"User": "0", "Env": ["PATH=/bin"]},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        });
        let config_desc = self.blob(
            "application/vnd.oci.image.config.v1+json",
            serde_json::to_vec(&config).unwrap().as_slice(),
        );
        let layer_descs: Vec<Value> = layers
            .iter()
            .map(|l| {
                let media_type = if l.starts_with(&[0x1f, 0x8b]) {
                    "application/vnd.oci.image.layer.v1.tar+gzip"
                } else if l.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
                    "application/vnd.oci.image.layer.v1.tar+zstd"
                } else {
                    "application/vnd.oci.image.layer.v1.tar"
                };
                self.blob(media_type, l)
            })
            .collect();
        self.manifest(&json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": config_desc,
            "layers": layer_descs,
        }))
    }

    pub fn manifest(&self, manifest: &Value) -> Value {
        self.blob(
            "application/vnd.oci.image.manifest.v1+json",
            serde_json::to_vec(manifest).unwrap().as_slice(),
        )
    }

    /// Writes `index.json` listing `manifests` (descriptors, annotated as the test likes).
    pub fn index(&self, manifests: &[Value]) {
        let index = json!({"schemaVersion": 2, "manifests": manifests});
        fs_err::write(
            self.dir.join("index.json"),
            serde_json::to_vec(&index).unwrap(),
        )
        .unwrap();
    }
}

/// Adds `ref.name` annotation `tag` to a descriptor.
pub fn tagged(mut descriptor: Value, tag: &str) -> Value {
    descriptor["annotations"] = json!({"org.opencontainers.image.ref.name": tag});
    descriptor
}

/// Rewrites a layout's `index.json` to add `new_tag`: a nested image index (stored as a blob)
/// whose entries are the images tagged `tags`, each with the platform from its config (and the
/// given variant). The original entries stay.
pub fn nest_tags_in_index(layout: &Path, tags: &[(&str, Option<&str>)], new_tag: &str) {
    let index_path = layout.join("index.json");
    let mut index: Value = serde_json::from_slice(&fs_err::read(&index_path).unwrap()).unwrap();
    let writer = LayoutWriter {
        dir: layout.to_owned(),
    };
    let read_blob = |digest: &str| -> Value {
        serde_json::from_slice(&fs_err::read(writer.blob_path(digest)).unwrap()).unwrap()
    };
    let mut nested = Vec::new();
    for (tag, variant) in tags {
        let entry = index["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == *tag)
            .unwrap_or_else(|| panic!("tag `{tag}` not in {}", index_path.display()))
            .clone();
        let manifest = read_blob(entry["digest"].as_str().unwrap());
        let config = read_blob(manifest["config"]["digest"].as_str().unwrap());
        let mut platform = json!({"architecture": config["architecture"], "os": config["os"]});
        if let Some(v) = variant {
            platform["variant"] = json!(v);
        }
        nested.push(json!({
            "mediaType": entry["mediaType"],
            "digest": entry["digest"],
            "size": entry["size"],
            "platform": platform,
        }));
    }
    let nested_index = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": nested,
    });
    let desc = writer.blob(
        "application/vnd.oci.image.index.v1+json",
        serde_json::to_vec(&nested_index).unwrap().as_slice(),
    );
    index["manifests"]
        .as_array_mut()
        .unwrap()
        .push(tagged(desc, new_tag));
    fs_err::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
}
