//! Hostile images: each is refused with a clear, specific error, without a panic, and nothing
//! is written anywhere (the reader never writes image content to disk).

use bulkhead_fsview::{FsError, FsView};
use bulkhead_image::{BlobRole, Image, ImageError, ImageSource, LayerError, Limits, OpenOptions};
use bulkhead_test::layout::{LayoutWriter, RawTar, gzip, sha256, tagged};
use serde_json::json;

fn layout_with(layers: &[Vec<u8>]) -> (tempfile::TempDir, LayoutWriter) {
    let dir = tempfile::tempdir().unwrap();
    let writer = LayoutWriter::new(dir.path());
    let manifest = writer.image(layers);
    writer.index(&[tagged(manifest, "t")]);
    (dir, writer)
}

fn read_with(
    dir: &std::path::Path,
    limits: Limits,
) -> Result<bulkhead_image::LayeredFs, ImageError> {
    let options = OpenOptions {
        limits,
        ..OpenOptions::default()
    };
    Image::open(
        &ImageSource::parse(&format!("oci:{}:t", dir.display())).unwrap(),
        &options,
    )?
    .read_layers()
}

fn read_default(dir: &std::path::Path) -> Result<bulkhead_image::LayeredFs, ImageError> {
    read_with(dir, Limits::default())
}

fn layer_error(err: ImageError) -> LayerError {
    match err {
        ImageError::Layer { source, .. } => source,
        other => panic!("expected a layer error, got {other:?}"),
    }
}

#[test]
fn dot_dot_entry_is_refused() {
    let (dir, _) = layout_with(&[gzip(
        &RawTar::new()
            .file("../../tmp/bulkhead-escape", b"x")
            .finish(),
    )]);
    let err = layer_error(read_default(dir.path()).unwrap_err());
    assert!(
        matches!(err, LayerError::UnsafePath { reason, .. } if reason.contains("..")),
        "{err}"
    );
    assert!(!std::path::Path::new("/tmp/bulkhead-escape").exists());
}

#[test]
fn absolute_entry_is_refused() {
    let (dir, _) = layout_with(&[gzip(&RawTar::new().file("/etc/cron.d/evil", b"x").finish())]);
    let err = layer_error(read_default(dir.path()).unwrap_err());
    assert!(
        matches!(
            err,
            LayerError::UnsafePath {
                reason: "absolute path",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn symlink_out_of_the_root_resolves_inside_it() {
    let tar = RawTar::new()
        .symlink("passwd-rel", "../../../../../../etc/passwd")
        .symlink("passwd-abs", "/etc/passwd")
        .symlink("dir-escape", "../../..")
        .finish();
    let (dir, _) = layout_with(&[gzip(&tar)]);
    let fs = read_default(dir.path()).unwrap();
    for link in ["passwd-rel", "passwd-abs", "dir-escape/etc/passwd"] {
        // The image has no etc/passwd, so the host's must not be what we read.
        assert!(
            matches!(fs.read_to_vec(link, 1 << 20), Err(FsError::NotFound { .. })),
            "{link}"
        );
    }
    assert_eq!(fs.canonicalize("dir-escape").unwrap(), "");
}

#[test]
fn symlink_loops_are_an_error_not_a_hang() {
    let tar = RawTar::new()
        .symlink("a", "b")
        .symlink("b", "a")
        .symlink("self", "./self/x")
        .finish();
    let (dir, _) = layout_with(&[gzip(&tar)]);
    let fs = read_default(dir.path()).unwrap();
    assert!(matches!(fs.open("a"), Err(FsError::SymlinkLoop { .. })));
    assert!(matches!(
        fs.metadata("self"),
        Err(FsError::SymlinkLoop { .. })
    ));
    // Listing does not follow links, so it terminates.
    let mut n = 0;
    fs.walk(&mut |_| {
        n += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(n, 3);
}

#[test]
fn hard_link_to_missing_target_is_refused() {
    let (dir, _) = layout_with(&[gzip(
        &RawTar::new().hardlink("etc/shadow", "etc/nowhere").finish(),
    )]);
    let err = layer_error(read_default(dir.path()).unwrap_err());
    assert!(
        matches!(&err, LayerError::HardlinkTargetMissing { path, target } if path == "etc/shadow" && target == "etc/nowhere"),
        "{err}"
    );
    let (dir, _) = layout_with(&[gzip(
        &RawTar::new().hardlink("x", "../../etc/passwd").finish(),
    )]);
    assert!(matches!(
        layer_error(read_default(dir.path()).unwrap_err()),
        LayerError::UnsafePath { .. }
    ));
}

#[test]
fn gzip_bomb_hits_the_decompression_cap() {
    let zeros = vec![0u8; 64 << 20];
    let bomb = gzip(&RawTar::new().file("zeros", &zeros).finish());
    assert!(
        bomb.len() < 1 << 20,
        "the bomb should be small: {}",
        bomb.len()
    );
    let (dir, _) = layout_with(&[bomb]);
    let limits = Limits {
        max_decompressed_bytes: 8 << 20,
        ..Limits::default()
    };
    let err = layer_error(read_with(dir.path(), limits).unwrap_err());
    assert!(
        matches!(err, LayerError::DecompressedLimit { limit } if limit == 8 << 20),
        "{err}"
    );
    // Under the default cap the same image is fine.
    assert!(read_default(dir.path()).is_ok());
}

#[test]
fn entry_count_cap() {
    let mut tar = RawTar::new();
    for i in 0..3000 {
        tar.file(&format!("f{i}"), b"");
    }
    let (dir, _) = layout_with(&[gzip(&tar.finish())]);
    let limits = Limits {
        max_entries: 1000,
        ..Limits::default()
    };
    let err = layer_error(read_with(dir.path(), limits).unwrap_err());
    assert!(
        matches!(err, LayerError::EntryLimit { limit: 1000 }),
        "{err}"
    );
}

#[test]
fn truncated_and_corrupt_gzip_are_refused() {
    let layer = gzip(&RawTar::new().file("a", &vec![7u8; 100_000]).finish());
    // Truncated, with an honest digest for the truncated bytes: the stream itself is bad.
    let truncated = layer[..layer.len() / 2].to_vec();
    let dir = tempfile::tempdir().unwrap();
    let writer = LayoutWriter::new(dir.path());
    let full_diff_id = sha256(&RawTar::new().file("a", &vec![7u8; 100_000]).finish());
    let manifest = writer.image_with_diff_ids(&[truncated], &[full_diff_id]);
    writer.index(&[tagged(manifest, "t")]);
    let err = layer_error(read_default(dir.path()).unwrap_err());
    assert!(matches!(err, LayerError::Corrupt { .. }), "{err}");

    // Garbage after a valid gzip header.
    let mut corrupt = layer.clone();
    for b in &mut corrupt[20..200] {
        *b ^= 0x5a;
    }
    let dir = tempfile::tempdir().unwrap();
    let writer = LayoutWriter::new(dir.path());
    let full_diff_id = sha256(&RawTar::new().file("a", &vec![7u8; 100_000]).finish());
    let manifest = writer.image_with_diff_ids(&[corrupt], &[full_diff_id]);
    writer.index(&[tagged(manifest, "t")]);
    let err = read_default(dir.path()).unwrap_err();
    assert!(
        matches!(
            &err,
            ImageError::Layer {
                source: LayerError::Corrupt { .. },
                ..
            } | ImageError::DiffIdMismatch { .. }
        ),
        "{err:?}"
    );
}

#[test]
fn manifest_listing_a_missing_blob() {
    let (dir, writer) = layout_with(&[gzip(&RawTar::new().file("a", b"a").finish())]);
    let layer = gzip(&RawTar::new().file("a", b"a").finish());
    std::fs::remove_file(writer.blob_path(&sha256(&layer))).unwrap();
    let err = read_default(dir.path()).unwrap_err();
    assert!(
        matches!(&err, ImageError::BlobMissing { role: BlobRole::Layer, digest, .. } if *digest == sha256(&layer)),
        "{err}"
    );
}

#[test]
fn changed_layer_is_caught_and_named() {
    let layer = gzip(&RawTar::new().file("app", b"original").finish());
    let (dir, writer) = layout_with(std::slice::from_ref(&layer));
    let evil = gzip(&RawTar::new().file("app", b"backdoor").finish());
    std::fs::write(writer.blob_path(&sha256(&layer)), &evil).unwrap();
    let err = read_default(dir.path()).unwrap_err();
    assert!(
        matches!(&err, ImageError::DigestMismatch { role: BlobRole::Layer, expected, actual }
            if *expected == sha256(&layer) && *actual == sha256(&evil)),
        "{err}"
    );
    assert!(err.is_integrity_failure());
    assert!(err.to_string().contains(&sha256(&layer)));
}

#[test]
fn wrong_diff_id_is_caught() {
    let layer = gzip(&RawTar::new().file("a", b"a").finish());
    let dir = tempfile::tempdir().unwrap();
    let writer = LayoutWriter::new(dir.path());
    let lie = sha256(b"something else");
    let manifest = writer.image_with_diff_ids(&[layer], std::slice::from_ref(&lie));
    writer.index(&[tagged(manifest, "t")]);
    let err = read_default(dir.path()).unwrap_err();
    assert!(
        matches!(&err, ImageError::DiffIdMismatch { expected, .. } if *expected == lie),
        "{err}"
    );
}

#[test]
fn changed_manifest_and_config_are_caught() {
    let (dir, writer) = layout_with(&[gzip(&RawTar::new().file("a", b"a").finish())]);
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("index.json")).unwrap()).unwrap();
    let manifest_digest = index["manifests"][0]["digest"].as_str().unwrap().to_owned();
    let manifest_path = writer.blob_path(&manifest_digest);
    let original = std::fs::read(&manifest_path).unwrap();
    let mut edited = original.clone();
    let pos = edited.windows(6).position(|w| w == b"layers").unwrap();
    edited[pos] = b'L';
    std::fs::write(&manifest_path, &edited).unwrap();
    let err = read_default(dir.path()).unwrap_err();
    assert!(
        matches!(
            &err,
            ImageError::DigestMismatch {
                role: BlobRole::Manifest,
                ..
            }
        ),
        "{err}"
    );

    std::fs::write(&manifest_path, &original).unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&original).unwrap();
    let config_path = writer.blob_path(manifest["config"]["digest"].as_str().unwrap());
    let mut config = std::fs::read(&config_path).unwrap();
    config.push(b' ');
    std::fs::write(&config_path, &config).unwrap();
    let err = read_default(dir.path()).unwrap_err();
    assert!(
        matches!(
            &err,
            ImageError::DigestMismatch {
                role: BlobRole::Config,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn index_pointing_at_itself_and_deep_nesting() {
    // An index blob that lists its own digest cannot hash to it: the digest check stops it.
    let dir = tempfile::tempdir().unwrap();
    let writer = LayoutWriter::new(dir.path());
    let fake = sha256(b"self");
    let self_ref = json!({"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.index.v1+json", "digest": fake, "size": 200}]});
    let bytes = serde_json::to_vec(&self_ref).unwrap();
    std::fs::write(writer.blob_path(&fake), &bytes).unwrap();
    writer.index(&[tagged(
        json!({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": fake, "size": bytes.len()}),
        "t",
    )]);
    let err = read_default(dir.path()).unwrap_err();
    assert!(
        matches!(
            &err,
            ImageError::DigestMismatch {
                role: BlobRole::Index,
                ..
            }
        ),
        "{err}"
    );

    // A chain of honest indexes deeper than the limit.
    let dir = tempfile::tempdir().unwrap();
    let writer = LayoutWriter::new(dir.path());
    let mut desc = writer.image(&[gzip(&RawTar::new().file("a", b"a").finish())]);
    for _ in 0..12 {
        let index = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [desc]});
        desc = writer.blob(
            "application/vnd.oci.image.index.v1+json",
            &serde_json::to_vec(&index).unwrap(),
        );
    }
    writer.index(&[tagged(desc, "t")]);
    let err = read_default(dir.path()).unwrap_err();
    assert!(matches!(&err, ImageError::IndexNesting { .. }), "{err}");
}

#[test]
fn enormous_and_deeply_nested_json() {
    let dir = tempfile::tempdir().unwrap();
    let writer = LayoutWriter::new(dir.path());
    writer.index(&[]);
    let huge = format!(
        r#"{{"schemaVersion":2,"manifests":[],"annotations":{{"x":"{}"}}}}"#,
        "a".repeat(9 << 20)
    );
    std::fs::write(dir.path().join("index.json"), huge).unwrap();
    let err = read_default(dir.path()).unwrap_err();
    assert!(matches!(err, ImageError::JsonTooLarge { .. }), "{err}");

    // A descriptor that claims a 1 GiB manifest is refused before anything is read.
    let dir = tempfile::tempdir().unwrap();
    let writer = LayoutWriter::new(dir.path());
    let mut desc = writer.image(&[gzip(&RawTar::new().file("a", b"a").finish())]);
    desc["size"] = json!(1u64 << 30);
    writer.index(&[tagged(desc, "t")]);
    let err = read_default(dir.path()).unwrap_err();
    assert!(
        matches!(&err, ImageError::JsonTooLarge { size, .. } if *size == 1 << 30),
        "{err}"
    );

    // 100 000 nested arrays: a parse error, not a stack overflow.
    let dir = tempfile::tempdir().unwrap();
    let writer = LayoutWriter::new(dir.path());
    writer.index(&[]);
    let deep = format!(
        r#"{{"schemaVersion":2,"manifests":{}{}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    std::fs::write(dir.path().join("index.json"), deep).unwrap();
    let err = read_default(dir.path()).unwrap_err();
    assert!(matches!(err, ImageError::Json { .. }), "{err}");
}

#[test]
fn digest_with_path_tricks_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let writer = LayoutWriter::new(dir.path());
    writer.index(&[tagged(
        json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:../../../../etc/passwd", "size": 10}),
        "t",
    )]);
    let err = read_default(dir.path()).unwrap_err();
    assert!(
        matches!(
            err,
            ImageError::InvalidDigest { .. } | ImageError::Json { .. }
        ),
        "{err}"
    );
}

#[test]
fn blob_that_is_a_symlink_is_not_followed() {
    let layer = gzip(&RawTar::new().file("a", b"a").finish());
    let (dir, writer) = layout_with(std::slice::from_ref(&layer));
    let blob = writer.blob_path(&sha256(&layer));
    let elsewhere = dir.path().join("elsewhere");
    std::fs::rename(&blob, &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &blob).unwrap();
    let err = read_default(dir.path()).unwrap_err();
    assert!(matches!(err, ImageError::Io { .. }), "{err}");
}

#[test]
fn whiteout_of_dot_dot_and_entries_under_files() {
    let (dir, _) = layout_with(&[gzip(&RawTar::new().file("a/.wh...", b"").finish())]);
    assert!(matches!(
        layer_error(read_default(dir.path()).unwrap_err()),
        LayerError::UnsafePath { .. }
    ));

    let (dir, _) = layout_with(&[gzip(
        &RawTar::new()
            .file("f", b"file")
            .file("f/x", b"under a file")
            .finish(),
    )]);
    let err = layer_error(read_default(dir.path()).unwrap_err());
    assert!(
        matches!(&err, LayerError::ParentNotDirectory { parent, .. } if parent == "f"),
        "{err}"
    );
}

#[test]
fn layers_are_not_valid_tar() {
    let (dir, _) = layout_with(&[gzip(
        b"this is not a tar archive at all, just some words to fill a block",
    )]);
    let err = read_default(dir.path()).unwrap_err();
    assert!(
        matches!(
            &err,
            ImageError::Layer {
                source: LayerError::Corrupt { .. },
                ..
            }
        ),
        "{err:?}"
    );
}
