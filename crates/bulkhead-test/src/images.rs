//! Real images built with `umoci` and `skopeo` from real parts (host binaries and files).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cached_fixture, require_tool, run};

/// Bump when a builder below changes, so cached fixtures are rebuilt.
const VERSION: u32 = 2;

fn umoci(args: &[&str]) -> String {
    require_tool("umoci", "umoci");
    run(Command::new("umoci").args(args))
}

fn skopeo(args: &[&str]) -> String {
    require_tool("skopeo", "skopeo");
    run(Command::new("skopeo").args(args))
}

fn copy_host_file(host: &str, rootfs: &Path, image_path: &str) {
    let dest = rootfs.join(image_path);
    fs_err::create_dir_all(dest.parent().unwrap()).unwrap();
    fs_err::copy(host, &dest).unwrap();
}

fn write(rootfs: &Path, image_path: &str, content: &str) {
    let dest = rootfs.join(image_path);
    fs_err::create_dir_all(dest.parent().unwrap()).unwrap();
    fs_err::write(dest, content).unwrap();
}

fn symlink(target: &str, rootfs: &Path, image_path: &str) {
    let dest = rootfs.join(image_path);
    fs_err::create_dir_all(dest.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, dest).unwrap();
}

/// Packs the bundle's rootfs as a new layer with a history entry.
fn repack(image: &str, bundle: &Path, created_by: &str) {
    umoci(&[
        "repack",
        // Without it the next repack diffs against the first unpack, not this layer.
        "--refresh-bundle",
        "--image",
        image,
        "--history.created_by",
        created_by,
        bundle.to_str().unwrap(),
    ]);
}

/// A secret planted in [`layered_image`]'s first layer and deleted by its second.
pub const PLANTED_SECRET: &str = "API_TOKEN=bh_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0\n";

/// An OCI layout (tag `layered`) with three layers built by umoci from host files:
///
/// 1. `etc/os-release` (the host's), `usr/bin/env` (the host's ELF binary), `bin -> usr/bin`,
///    `usr/bin/env-abs -> /usr/bin/env`, `usr/bin/escape -> ../../../../../etc/os-release`,
///    `app/secret.env` ([`PLANTED_SECRET`]), `app/keep.txt` (`v1`), `data/old/{a,b}.txt`.
/// 2. deletes `app/secret.env` and `data/old/` (umoci writes whiteouts), rewrites
///    `app/keep.txt` (`v2`), adds `data/new/c.txt`.
/// 3. `usr/local/bin/tool` (the host's `true`) and a hard link `usr/local/bin/tool-link`.
///
/// Config: user `1000:1000`, port `8080/tcp`, env `APP_MODE=test`, entrypoint `/usr/bin/env`,
/// label `org.example.team=sec`.
pub fn layered_image() -> PathBuf {
    cached_fixture(&format!("layered-oci-v{VERSION}"), |dir| {
        let layout = dir.join("layout");
        let bundle = dir.join("bundle");
        let layout_s = layout.to_str().unwrap();
        let image = format!("{layout_s}:layered");
        umoci(&["init", "--layout", layout_s]);
        umoci(&["new", "--image", &image]);
        umoci(&["unpack", "--image", &image, bundle.to_str().unwrap()]);
        let rootfs = bundle.join("rootfs");

        copy_host_file("/etc/os-release", &rootfs, "etc/os-release");
        copy_host_file("/usr/bin/env", &rootfs, "usr/bin/env");
        symlink("usr/bin", &rootfs, "bin");
        symlink("/usr/bin/env", &rootfs, "usr/bin/env-abs");
        symlink("../../../../../etc/os-release", &rootfs, "usr/bin/escape");
        write(&rootfs, "app/secret.env", PLANTED_SECRET);
        write(&rootfs, "app/keep.txt", "v1\n");
        write(&rootfs, "data/old/a.txt", "a\n");
        write(&rootfs, "data/old/b.txt", "b\n");
        repack(&image, &bundle, "base: os-release, env, app files");

        fs_err::remove_file(rootfs.join("app/secret.env")).unwrap();
        fs_err::remove_dir_all(rootfs.join("data/old")).unwrap();
        write(&rootfs, "app/keep.txt", "v2\n");
        write(&rootfs, "data/new/c.txt", "c\n");
        repack(
            &image,
            &bundle,
            "rm app/secret.env data/old; update keep.txt",
        );

        copy_host_file("/usr/bin/true", &rootfs, "usr/local/bin/tool");
        fs_err::hard_link(
            rootfs.join("usr/local/bin/tool"),
            rootfs.join("usr/local/bin/tool-link"),
        )
        .unwrap();
        repack(&image, &bundle, "add tool with a hard link");

        umoci(&[
            "config",
            "--image",
            &image,
            "--config.user",
            "1000:1000",
            "--config.exposedports",
            "8080/tcp",
            "--config.env",
            "APP_MODE=test",
            "--config.entrypoint",
            "/usr/bin/env",
            "--config.label",
            "org.example.team=sec",
        ]);
        umoci(&["gc", "--layout", layout_s]);
        fs_err::remove_dir_all(&bundle).unwrap();
    })
    .join("layout")
}

/// [`layered_image`] copied by skopeo into a docker-archive (`example/layered:1.0`); skopeo
/// writes uncompressed layers and a legacy `manifest.json`.
pub fn layered_docker_archive() -> PathBuf {
    let layout = layered_image();
    cached_fixture(&format!("layered-docker-archive-v{VERSION}"), |dir| {
        let out = dir.join("layered.tar");
        skopeo(&[
            "copy",
            "--quiet",
            &format!("oci:{}:layered", layout.display()),
            &format!("docker-archive:{}:example/layered:1.0", out.display()),
        ]);
    })
    .join("layered.tar")
}

/// A shared demo image (`webapp-oci` or `minimal-oci`) copied by skopeo into a docker-archive.
pub fn shared_docker_archive(name: &str, tag: &str) -> PathBuf {
    let layout = crate::shared_dir().join("images").join(name);
    cached_fixture(&format!("{name}-docker-archive-v{VERSION}"), |dir| {
        let out = dir.join("image.tar");
        skopeo(&[
            "copy",
            "--quiet",
            &format!("oci:{}:{tag}", layout.display()),
            &format!("docker-archive:{}:example/{tag}:1.0", out.display()),
        ]);
    })
    .join("image.tar")
}

/// An OCI layout whose `index.json` holds one entry, tag `multi`, pointing at a nested image
/// index with two single-layer images built by umoci: `linux/amd64` (file `/platform` says
/// `amd64`) and `linux/arm64/v8` (says `arm64`). The two images stay tagged `amd64` and
/// `arm64` in the same layout.
pub fn multi_platform_image() -> PathBuf {
    cached_fixture(&format!("multi-platform-v{VERSION}"), |dir| {
        let layout = dir.join("layout");
        let layout_s = layout.to_str().unwrap();
        umoci(&["init", "--layout", layout_s]);
        for arch in ["amd64", "arm64"] {
            let image = format!("{layout_s}:{arch}");
            let bundle = dir.join(format!("bundle-{arch}"));
            umoci(&["new", "--image", &image]);
            umoci(&["unpack", "--image", &image, bundle.to_str().unwrap()]);
            write(&bundle.join("rootfs"), "platform", &format!("{arch}\n"));
            repack(&image, &bundle, &format!("platform file for {arch}"));
            // umoci cannot set a variant in the config; the nested index below declares it.
            umoci(&[
                "config",
                "--image",
                &image,
                "--architecture",
                arch,
                "--os",
                "linux",
            ]);
            fs_err::remove_dir_all(&bundle).unwrap();
        }
        umoci(&["gc", "--layout", layout_s]);
        crate::layout::nest_tags_in_index(
            &layout,
            &[("amd64", None), ("arm64", Some("v8"))],
            "multi",
        );
    })
    .join("layout")
}

/// A docker-archive whose layer members are gzip-compressed (as `build-images.sh` in
/// `../shared/images` writes them, and as older `docker save` did for some storage drivers):
/// [`layered_docker_archive`] with every layer member gzipped in place, same names.
pub fn layered_docker_archive_gzip_layers() -> PathBuf {
    let plain = layered_docker_archive();
    cached_fixture(&format!("layered-docker-archive-gz-v{VERSION}"), |dir| {
        let manifest: serde_json::Value = {
            let mut archive = tar::Archive::new(fs_err::File::open(&plain).unwrap());
            let mut entry = archive
                .entries()
                .unwrap()
                .map(Result::unwrap)
                .find(|e| e.path().unwrap().to_str() == Some("manifest.json"))
                .expect("manifest.json in the archive");
            serde_json::from_reader(&mut entry).unwrap()
        };
        let layers: Vec<String> = manifest[0]["Layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_owned())
            .collect();
        let out = fs_err::File::create(dir.join("layered-gz.tar")).unwrap();
        let mut builder = tar::Builder::new(out);
        let mut archive = tar::Archive::new(fs_err::File::open(&plain).unwrap());
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let name = entry.path().unwrap().to_string_lossy().into_owned();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
            if layers.contains(&name) {
                data = crate::layout::gzip(&data);
            }
            let mut header = entry.header().clone();
            header.set_size(data.len() as u64);
            header.set_cksum();
            builder
                .append_data(&mut header, &name, data.as_slice())
                .unwrap();
        }
        builder.finish().unwrap();
    })
    .join("layered-gz.tar")
}

/// Fake but realistic-looking credentials planted in [`secrets_image`]: made from a fixed
/// pseudo-random sequence at run time, so no token appears literally in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlantedTokens {
    /// `ghp_` + 36 alphanumerics (gitleaks `github-pat`).
    pub github: String,
    /// `npm_` + 36 lowercase alphanumerics (gitleaks `npm-access-token`).
    pub npm: String,
    /// `xoxb-` + two number groups + alphanumerics (gitleaks `slack-bot-token`).
    pub slack: String,
}

pub fn planted_tokens() -> PlantedTokens {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |alphabet: &[u8], n: usize| -> String {
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                alphabet[usize::try_from(state >> 33).unwrap() % alphabet.len()] as char
            })
            .collect()
    };
    let github = format!("ghp_{}", next(ALNUM, 36));
    let npm = format!("npm_{}", next(&ALNUM[26..], 36));
    let slack = format!(
        "xoxb-{}-{}-{}",
        next(b"0123456789", 12),
        next(b"0123456789", 13),
        next(ALNUM, 24)
    );
    PlantedTokens { github, npm, slack }
}

/// An OCI layout (tag `secrets`) built by umoci with [`planted_tokens`] hidden the ways they
/// leak into images:
///
/// 1. `app/.env` (`GITHUB_TOKEN=<github>`), `app/main.py` (clean);
/// 2. deletes `app/.env` (a whiteout; the token stays in layer 1), adds `app/settings.json`
///    (`{"slack": "<slack>"}`);
/// 3. nothing on disk; history `ARG NPM_TOKEN=<npm>` (where build args end up).
///
/// Config env: `SLACK_TOKEN=<slack>`, `MODE=prod`.
pub fn secrets_image() -> PathBuf {
    let tokens = planted_tokens();
    cached_fixture(&format!("secrets-oci-v{VERSION}"), |dir| {
        let layout = dir.join("layout");
        let bundle = dir.join("bundle");
        let layout_s = layout.to_str().unwrap();
        let image = format!("{layout_s}:secrets");
        umoci(&["init", "--layout", layout_s]);
        umoci(&["new", "--image", &image]);
        umoci(&["unpack", "--image", &image, bundle.to_str().unwrap()]);
        let rootfs = bundle.join("rootfs");

        write(
            &rootfs,
            "app/.env",
            &format!("GITHUB_TOKEN={}\n", tokens.github),
        );
        write(&rootfs, "app/main.py", "print('hello')\n");
        repack(&image, &bundle, "COPY app/ /app/");

        fs_err::remove_file(rootfs.join("app/.env")).unwrap();
        write(
            &rootfs,
            "app/settings.json",
            &format!("{{\"slack\": \"{}\"}}\n", tokens.slack),
        );
        repack(&image, &bundle, "RUN rm /app/.env && write settings");

        repack(&image, &bundle, &format!("ARG NPM_TOKEN={}", tokens.npm));
        umoci(&[
            "config",
            "--image",
            &image,
            "--config.env",
            &format!("SLACK_TOKEN={}", tokens.slack),
            "--config.env",
            "MODE=prod",
        ]);
        umoci(&["gc", "--layout", layout_s]);
        fs_err::remove_dir_all(&bundle).unwrap();
    })
    .join("layout")
}
