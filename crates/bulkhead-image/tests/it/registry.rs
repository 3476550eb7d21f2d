//! Pulling from a real docker-registry on 127.0.0.1, with images pushed by skopeo.

use std::process::Command;

use bulkhead_fsview::FsView;
use bulkhead_image::{Image, ImageError, ImageSource, OpenOptions, Platform};
use bulkhead_test::{images, registry::Registry, run};

use crate::listing;

fn insecure() -> OpenOptions {
    OpenOptions {
        insecure: true,
        ..OpenOptions::default()
    }
}

fn pull(
    reference: &str,
    options: &OpenOptions,
) -> Result<(Image, bulkhead_image::LayeredFs), ImageError> {
    let image = Image::open(&ImageSource::parse(reference).unwrap(), options)?;
    let fs = image.read_layers()?;
    Ok((image, fs))
}

/// The manifest digest skopeo reports for a reference (the independent truth).
fn skopeo_digest(reference: &str, creds: Option<&str>) -> String {
    let mut cmd = Command::new("skopeo");
    cmd.args(["inspect", "--tls-verify=false", "--format", "{{.Digest}}"]);
    if let Some(c) = creds {
        cmd.arg(format!("--creds={c}"));
    }
    run(cmd.arg(format!("docker://{reference}")))
        .trim()
        .to_owned()
}

#[test]
fn pull_by_tag_and_by_digest() {
    let registry = Registry::start();
    let layout = images::layered_image();
    let reference = registry.push(
        &format!("oci:{}:layered", layout.display()),
        "team/layered:1.0",
        false,
    );
    let (image, fs) = pull(&reference, &insecure()).unwrap();
    let digest = skopeo_digest(&reference, None);
    assert_eq!(image.manifest_digest().unwrap().as_str(), digest);
    let (_, local) = pull(
        &format!("oci:{}:layered", layout.display()),
        &OpenOptions::default(),
    )
    .unwrap();
    assert_eq!(listing(&fs), listing(&local));
    assert_eq!(fs.read_to_vec("app/keep.txt", 10).unwrap(), b"v2\n");

    let by_digest = format!("{}/team/layered@{digest}", registry.host());
    let (image, _) = pull(&by_digest, &insecure()).unwrap();
    assert_eq!(image.manifest_digest().unwrap().as_str(), digest);

    // Without --insecure the client speaks TLS to a plain-HTTP registry and fails clearly.
    let err = pull(&reference, &OpenOptions::default()).unwrap_err();
    assert!(matches!(err, ImageError::Registry { .. }), "{err}");
    // An unknown tag is an error naming the reference.
    let err = pull(
        &format!("{}/team/layered:nope", registry.host()),
        &insecure(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("team/layered:nope"), "{err}");
}

#[test]
fn pull_multi_platform_index() {
    let registry = Registry::start();
    let layout = images::multi_platform_image();
    let reference = registry.push(
        &format!("oci:{}:multi", layout.display()),
        "multi:latest",
        true,
    );
    for (platform, expected) in [("linux/arm64", "arm64\n"), ("linux/amd64", "amd64\n")] {
        let options = OpenOptions {
            platform: Some(Platform::parse(platform).unwrap()),
            ..insecure()
        };
        let (_, fs) = pull(&reference, &options).unwrap();
        assert_eq!(
            fs.read_to_vec("platform", 100).unwrap(),
            expected.as_bytes(),
            "{platform}"
        );
    }
    let options = OpenOptions {
        platform: Some(Platform::parse("linux/riscv64").unwrap()),
        ..insecure()
    };
    assert!(matches!(
        pull(&reference, &options).unwrap_err(),
        ImageError::NoMatchingImage { .. }
    ));
}

#[test]
fn pull_with_basic_auth_from_docker_config() {
    let registry = Registry::start_with_basic_auth("alice", "correct horse");
    let layout = bulkhead_test::shared_dir().join("images/minimal-oci");
    let reference = registry.push(
        &format!("oci:{}:minimal", layout.display()),
        "minimal:1",
        false,
    );
    let err = pull(&reference, &insecure()).unwrap_err();
    assert!(matches!(err, ImageError::Registry { .. }), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let options = OpenOptions {
        docker_config: Some(registry.docker_config(dir.path())),
        ..insecure()
    };
    let (image, fs) = pull(&reference, &options).unwrap();
    assert_eq!(
        image.manifest_digest().unwrap().as_str(),
        skopeo_digest(&reference, Some("alice:correct horse"))
    );
    assert_eq!(fs.canonicalize("bin/sh").unwrap(), "bin/busybox");
}

#[test]
fn pull_with_token_auth() {
    let registry = Registry::start_with_token_auth("carol", "t0ken-pass");
    let layout = bulkhead_test::shared_dir().join("images/minimal-oci");
    let reference = registry.push(
        &format!("oci:{}:minimal", layout.display()),
        "tok/minimal:1",
        false,
    );
    let pushed_with = registry.tokens_issued();
    assert!(
        pushed_with > 0,
        "skopeo's push should have gone through the token server"
    );
    // Anonymous: the token server refuses, so the registry answers 401.
    let err = pull(&reference, &insecure()).unwrap_err();
    assert!(matches!(err, ImageError::Registry { .. }), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let options = OpenOptions {
        docker_config: Some(registry.docker_config(dir.path())),
        ..insecure()
    };
    let (image, fs) = pull(&reference, &options).unwrap();
    assert!(
        registry.tokens_issued() > pushed_with,
        "our pull must have fetched a bearer token"
    );
    assert_eq!(
        image.manifest_digest().unwrap().as_str(),
        skopeo_digest(&reference, Some("carol:t0ken-pass"))
    );
    assert_eq!(fs.canonicalize("bin/sh").unwrap(), "bin/busybox");
}
