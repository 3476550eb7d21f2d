#![allow(clippy::case_sensitive_file_extension_comparisons)] // test paths are fixed, lowercase names
//! Every source kind, read from real images.

use std::io::Read as _;

use bulkhead_fsview::{FileKind, FsView};
use bulkhead_image::{Fate, Image, ImageError, ImageSource, OpenOptions, Platform};
use bulkhead_test::images;
use serde_json::Value;

use crate::{assert_same_tree, listing, open, read, umoci_rootfs};

fn json_file(path: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn shared_webapp_layout_matches_its_index_and_umoci() {
    let layout = bulkhead_test::shared_dir().join("images/webapp-oci");
    let index = json_file(&layout.join("index.json"));
    let manifest_digest = index["manifests"][0]["digest"].as_str().unwrap();
    let manifest = json_file(&layout.join("blobs/sha256").join(&manifest_digest[7..]));
    let config = json_file(
        &layout
            .join("blobs/sha256")
            .join(&manifest["config"]["digest"].as_str().unwrap()[7..]),
    );

    let (image, fs) = read(&format!("oci:{}:webapp", layout.display()));
    assert_eq!(image.manifest_digest().unwrap().as_str(), manifest_digest);
    assert_eq!(image.config_digest().as_str(), manifest["config"]["digest"]);
    let layers = fs.layers();
    assert_eq!(layers.len(), 4);
    for (i, layer) in layers.iter().enumerate() {
        assert_eq!(layer.digest.as_str(), manifest["layers"][i]["digest"]);
        assert_eq!(layer.size, manifest["layers"][i]["size"].as_u64().unwrap());
        assert_eq!(layer.diff_id.as_str(), config["rootfs"]["diff_ids"][i]);
    }

    // The merged tree is exactly what umoci extracts.
    let rootfs = umoci_rootfs(&layout, "webapp", "webapp-umoci-unpack-v1");
    assert_same_tree(&fs, &rootfs);

    // Content comes back byte for byte, through symlinks inside the root.
    for path in [
        "etc/os-release",
        "var/lib/dpkg/status",
        "srv/api/package-lock.json",
    ] {
        let ours = fs.read_to_vec(path, 64 << 20).unwrap();
        assert_eq!(ours, std::fs::read(rootfs.join(path)).unwrap(), "{path}");
    }
    let os_release = String::from_utf8(fs.read_to_vec("/etc/os-release", 4096).unwrap()).unwrap();
    assert!(
        os_release.contains("VERSION_CODENAME=bookworm"),
        "{os_release}"
    );

    // dpkg's own record agrees with `dpkg-query -W` run when the image was built.
    let inventory =
        std::fs::read_to_string(bulkhead_test::shared_dir().join("images/webapp-inventory.txt"))
            .unwrap();
    let dpkg_count = inventory
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with('#'))
        .filter(|l| !l.trim().is_empty())
        .count();
    let status =
        String::from_utf8(fs.read_to_vec("var/lib/dpkg/status", 64 << 20).unwrap()).unwrap();
    let installed = status
        .split("\n\n")
        .filter(|stanza| stanza.contains("Status: install ok installed"))
        .count();
    assert_eq!(installed, dpkg_count);
}

#[test]
fn shared_webapp_deleted_env_is_listed_and_readable() {
    let layout = bulkhead_test::shared_dir().join("images/webapp-oci");
    let (_, fs) = read(&format!("oci:{}:webapp", layout.display()));
    assert!(matches!(
        fs.metadata("srv/api/.env"),
        Err(bulkhead_fsview::FsError::NotFound { .. })
    ));
    let hidden: Vec<_> = fs
        .hidden_files()
        .into_iter()
        .filter(|h| h.path == "srv/api/.env")
        .collect();
    assert_eq!(hidden.len(), 1, "{hidden:?}");
    assert_eq!(hidden[0].layer, 2);
    assert_eq!(hidden[0].fate, Fate::Deleted { by_layer: 3 });
    assert_eq!(hidden[0].size, 141);
    let mut env = String::new();
    fs.open_in_layer(2, "srv/api/.env")
        .unwrap()
        .read_to_string(&mut env)
        .unwrap();
    let key_id = ["AKIAIOSFOD", "NN7EX", "AMPLE"].concat();
    assert!(
        env.contains(&format!("AWS_ACCESS_KEY_ID={key_id}")),
        "{env}"
    );
    assert_eq!(
        fs.origin("srv/api/config/production.json").unwrap(),
        Some(3)
    );
}

#[test]
fn shared_minimal_layout_resolves_its_symlink() {
    let layout = bulkhead_test::shared_dir().join("images/minimal-oci");
    let (image, fs) = read(&layout.display().to_string());
    assert_eq!(image.platform(), Platform::new("linux", "amd64", None));
    assert_eq!(fs.canonicalize("/bin/sh").unwrap(), "bin/busybox");
    let sh = fs.read_to_vec("bin/sh", 4 << 20).unwrap();
    assert!(sh.starts_with(b"\x7fELF"));
    assert!(sh.windows(16).any(|w| w == b"BusyBox v1.35.0 "));
    assert!(fs.hidden_files().is_empty());
}

#[test]
fn layered_umoci_image_matches_umoci_unpack() {
    let layout = images::layered_image();
    let (image, fs) = read(&format!("oci:{}:layered", layout.display()));
    assert_same_tree(
        &fs,
        &umoci_rootfs(&layout, "layered", "layered-umoci-unpack-v1"),
    );

    // Symlinks resolve inside the root: absolute, relative, and escaping ones.
    assert_eq!(fs.canonicalize("bin/env").unwrap(), "usr/bin/env");
    assert_eq!(fs.canonicalize("usr/bin/env-abs").unwrap(), "usr/bin/env");
    assert_eq!(fs.canonicalize("usr/bin/escape").unwrap(), "etc/os-release");
    assert_eq!(
        fs.read_to_vec("usr/bin/escape", 4096).unwrap(),
        std::fs::read("/etc/os-release").unwrap()
    );
    assert_eq!(
        fs.read_to_vec("bin/env", 8 << 20).unwrap(),
        std::fs::read("/usr/bin/env").unwrap()
    );
    // The hard link reads as the file it links to.
    assert_eq!(
        fs.read_to_vec("usr/local/bin/tool-link", 8 << 20).unwrap(),
        std::fs::read("/usr/bin/true").unwrap()
    );
    assert_eq!(fs.read_to_vec("app/keep.txt", 10).unwrap(), b"v2\n");

    // What layer 2 deleted or overwrote is still there, in layer 1.
    let hidden: Vec<(String, usize, Fate)> = fs
        .hidden_files()
        .into_iter()
        .map(|h| (h.path, h.layer, h.fate))
        .collect();
    for expected in [
        (
            "app/secret.env".to_owned(),
            0,
            Fate::Deleted { by_layer: 1 },
        ),
        ("app/keep.txt".to_owned(), 0, Fate::Replaced { by_layer: 1 }),
        (
            "data/old/a.txt".to_owned(),
            0,
            Fate::Deleted { by_layer: 1 },
        ),
    ] {
        assert!(hidden.contains(&expected), "{expected:?} not in {hidden:?}");
    }
    let mut secret = String::new();
    fs.open_in_layer(0, "app/secret.env")
        .unwrap()
        .read_to_string(&mut secret)
        .unwrap();
    assert_eq!(secret, images::PLANTED_SECRET);

    let summary = image.summary(&fs);
    assert_eq!(summary.user.as_deref(), Some("1000:1000"));
    assert_eq!(summary.exposed_ports, ["8080/tcp"]);
    assert_eq!(summary.entrypoint, ["/usr/bin/env"]);
    assert_eq!(summary.labels["org.example.team"], "sec");
    assert_eq!(
        summary.layers[1].created_by.as_deref(),
        Some("rm app/secret.env data/old; update keep.txt")
    );
}

#[test]
fn docker_archive_from_skopeo_reads_like_the_layout() {
    let layout = images::layered_image();
    let (oci_image, oci_fs) = read(&format!("oci:{}:layered", layout.display()));
    let archive = images::layered_docker_archive();
    let (image, fs) = read(&format!("docker-archive:{}", archive.display()));
    // skopeo rewrites layers uncompressed, so blob digests differ; diff_ids and the tree do not.
    let diff_ids = |fs: &bulkhead_image::LayeredFs| {
        fs.layers()
            .iter()
            .map(|l| l.diff_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(diff_ids(&fs), diff_ids(&oci_fs));
    assert_eq!(listing(&fs), listing(&oci_fs));
    assert_eq!(image.summary(&fs).user, oci_image.summary(&oci_fs).user);
    assert!(
        image.manifest_digest().is_none(),
        "a legacy docker-archive has no manifest blob"
    );
    // Tag selection by RepoTags.
    read(&format!(
        "docker-archive:{}:example/layered:1.0",
        archive.display()
    ));
    let err = Image::open(
        &ImageSource::parse(&format!("docker-archive:{}:nope", archive.display())).unwrap(),
        &OpenOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, ImageError::NoMatchingImage { .. }), "{err}");
}

#[test]
fn docker_archive_with_gzip_layers() {
    let (_, plain) = read(&images::layered_docker_archive().display().to_string());
    let (_, gz) = read(&format!(
        "docker-archive:{}",
        images::layered_docker_archive_gzip_layers().display()
    ));
    assert!(
        gz.layers()
            .iter()
            .all(|l| l.compression == bulkhead_image::Compression::Gzip)
    );
    // The diff_ids (of the uncompressed tar) still match the config; the trees are identical.
    let diff_ids = |fs: &bulkhead_image::LayeredFs| {
        fs.layers()
            .iter()
            .map(|l| l.diff_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(diff_ids(&gz), diff_ids(&plain));
    assert_eq!(listing(&gz), listing(&plain));
    assert_eq!(gz.read_to_vec("app/keep.txt", 10).unwrap(), b"v2\n");
}

#[test]
fn gzip_docker_archive_and_gzip_layers_read_the_same() {
    let archive = images::shared_docker_archive("minimal-oci", "minimal");
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("image.tar.gz");
    std::fs::write(
        &gz,
        bulkhead_test::layout::gzip(&std::fs::read(&archive).unwrap()),
    )
    .unwrap();
    let (_, plain) = read(&archive.display().to_string());
    let (_, zipped) = read(&format!("docker-archive:{}", gz.display()));
    assert_eq!(listing(&plain), listing(&zipped));
    assert_eq!(
        zipped.read_to_vec("bin/sh", 4 << 20).unwrap(),
        plain.read_to_vec("bin/busybox", 4 << 20).unwrap()
    );
}

#[test]
fn oci_layout_inside_a_tar_is_read_in_place() {
    let layout = images::layered_image();
    let dir = tempfile::tempdir().unwrap();
    let tar_path = dir.path().join("oci.tar");
    let mut builder = tar::Builder::new(std::fs::File::create(&tar_path).unwrap());
    builder.append_dir_all(".", &layout).unwrap();
    builder.finish().unwrap();
    drop(builder);
    let (from_dir, dir_fs) = read(&format!("oci:{}:layered", layout.display()));
    let (from_tar, tar_fs) = read(&format!("docker-archive:{}:layered", tar_path.display()));
    assert_eq!(from_tar.manifest_digest(), from_dir.manifest_digest());
    assert_eq!(listing(&tar_fs), listing(&dir_fs));
    assert_eq!(tar_fs.read_to_vec("app/keep.txt", 10).unwrap(), b"v2\n");
}

#[test]
fn multi_platform_index_picks_by_tag_and_platform() {
    let layout = images::multi_platform_image();
    let reference = format!("oci:{}:multi", layout.display());
    let platform_of = |platform: Option<&str>| -> Result<String, ImageError> {
        let options = OpenOptions {
            platform: platform.map(|p| Platform::parse(p).unwrap()),
            ..OpenOptions::default()
        };
        let image = Image::open(&ImageSource::parse(&reference).unwrap(), &options)?;
        let fs = image.read_layers()?;
        Ok(String::from_utf8(fs.read_to_vec("platform", 100).unwrap()).unwrap())
    };
    assert_eq!(platform_of(Some("linux/arm64")).unwrap(), "arm64\n");
    assert_eq!(platform_of(Some("linux/arm64/v8")).unwrap(), "arm64\n");
    assert_eq!(platform_of(Some("linux/amd64")).unwrap(), "amd64\n");
    // No platform asked for: the host's (these tests run on amd64 machines).
    assert_eq!(
        platform_of(None).unwrap(),
        format!("{}\n", Platform::host().architecture)
    );
    let err = platform_of(Some("linux/s390x")).unwrap_err();
    assert!(
        matches!(&err, ImageError::NoMatchingImage { available, .. } if available.contains("linux/arm64/v8") && available.contains("linux/amd64")),
        "{err}"
    );
    // Three tags in the layout and none chosen: refuse to guess.
    let err = Image::open(
        &ImageSource::parse(&format!("oci:{}", layout.display())).unwrap(),
        &OpenOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(err, ImageError::AmbiguousImage { .. }), "{err}");
    // The per-platform tags still work directly.
    let (image, _) = read(&format!("oci:{}:arm64", layout.display()));
    assert_eq!(image.platform().architecture, "arm64");
}

#[test]
fn zstd_and_uncompressed_layers() {
    use bulkhead_test::layout::{LayoutWriter, RawTar, tagged, zstd};
    let dir = tempfile::tempdir().unwrap();
    let writer = LayoutWriter::new(dir.path());
    let l1 = RawTar::new()
        .dir("etc/")
        .file("etc/a", b"from zstd")
        .finish();
    let l2 = RawTar::new().file("etc/b", b"from plain tar").finish();
    let manifest = writer.image(&[zstd(&l1), l2]);
    writer.index(&[tagged(manifest, "t")]);
    let (_, fs) = read(&format!("oci:{}:t", dir.path().display()));
    assert_eq!(
        fs.layers()[0].compression,
        bulkhead_image::Compression::Zstd
    );
    assert_eq!(
        fs.layers()[1].compression,
        bulkhead_image::Compression::None
    );
    assert_eq!(fs.read_to_vec("etc/a", 100).unwrap(), b"from zstd");
    assert_eq!(fs.read_to_vec("etc/b", 100).unwrap(), b"from plain tar");
    assert!(matches!(fs.metadata("etc").unwrap().kind, FileKind::Dir));
    let _ = open(&format!("oci:{}:t", dir.path().display()));
}

#[test]
fn batch_reading_matches_one_by_one_reading() {
    let layout = images::layered_image();
    let (_, fs) = read(&format!("oci:{}:layered", layout.display()));
    let mut batch = std::collections::BTreeMap::new();
    fs.read_selected(&|_, _| true, 1 << 20, &mut |path, content| {
        batch.insert(path.to_owned(), content.unwrap());
    })
    .unwrap();
    let files: Vec<String> = listing(&fs)
        .into_iter()
        .filter(|(_, (kind, _, _))| *kind == FileKind::File)
        .map(|(p, _)| p)
        .collect();
    assert_eq!(batch.keys().cloned().collect::<Vec<_>>(), files);
    for (path, content) in &batch {
        assert_eq!(content, &fs.read_to_vec(path, 1 << 20).unwrap(), "{path}");
    }
    // Both names of the hard-linked pair are delivered, with the same bytes.
    assert_eq!(
        batch["usr/local/bin/tool"],
        batch["usr/local/bin/tool-link"]
    );
    assert_eq!(
        fs.origin_layer("app/keep.txt").as_deref(),
        Some(fs.layers()[1].digest.as_str())
    );
}

#[test]
fn prefetching_delivers_the_same_files_and_drops_probed_ones() {
    use bulkhead_fsview::{Metadata, Prefetch};
    let layout = images::layered_image();
    let image = open(&format!("oci:{}:layered", layout.display()));
    let collect = |fs: &bulkhead_image::LayeredFs| {
        let mut out = std::collections::BTreeMap::new();
        fs.read_selected(&|_, _| true, 1 << 20, &mut |path, content| {
            out.insert(path.to_owned(), content.unwrap());
        })
        .unwrap();
        out
    };
    let plain = collect(&image.read_layers().unwrap());
    // Keep text files (a budget too small for all of them, so some stream again), and probe
    // executables for ELF's magic: `env` and `true` have it, nothing else is executable.
    let policy = |path: &str, meta: &Metadata| {
        if meta.mode & 0o111 != 0 {
            Prefetch::ProbeFor(&[b"\x7fELF"])
        } else if path.ends_with(".txt") {
            Prefetch::Keep
        } else {
            Prefetch::ProbeFor(&[b"this marker is in no file"])
        }
    };
    let prefetched = collect(&image.read_layers_prefetching(&policy, 4).unwrap());
    let expected: std::collections::BTreeMap<String, Vec<u8>> = plain
        .into_iter()
        .filter(|(path, content)| path.ends_with(".txt") || content.starts_with(b"\x7fELF"))
        .collect();
    assert_eq!(prefetched, expected);
    assert!(expected.contains_key("usr/bin/env") && expected.contains_key("app/keep.txt"));
}
