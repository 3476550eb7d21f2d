//! `bulkhead sbom`, and SBOM formats on `image` and `fs`.

use std::process::Command;

use bulkhead_test::shared_dir;
use serde_json::Value;

fn bulkhead() -> Command {
    let mut cmd = crate::bulkhead_command();
    // Fixed creation time, so two documents of the same input are byte-identical.
    cmd.env("SOURCE_DATE_EPOCH", "1764064800");
    cmd
}

fn ok_stdout(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn sbom_of_the_demo_image_in_both_formats_and_back() {
    let reference = format!(
        "oci:{}:webapp",
        shared_dir().join("images/webapp-oci").display()
    );
    let cdx: Value =
        serde_json::from_str(&ok_stdout(bulkhead().args(["sbom", &reference]))).unwrap();
    assert_eq!(cdx["specVersion"], "1.6");
    assert_eq!(cdx["metadata"]["timestamp"], "2025-11-25T10:00:00Z");
    let components = cdx["components"].as_array().unwrap();
    let libssl = components
        .iter()
        .find(|c| c["name"] == "libssl3")
        .expect("libssl3 in the SBOM");
    assert!(
        libssl["purl"]
            .as_str()
            .unwrap()
            .starts_with("pkg:deb/debian/libssl3@3.0.20-1~deb12u2")
    );
    let flask = components
        .iter()
        .find(|c| c["name"] == "flask")
        .expect("flask in the SBOM");
    assert_eq!(flask["version"], "0.12.2");

    // `image --format cyclonedx` is the same document as `sbom`.
    let via_image = ok_stdout(bulkhead().args(["image", &reference, "--format", "cyclonedx"]));
    assert_eq!(serde_json::from_str::<Value>(&via_image).unwrap(), cdx);

    let dir = tempfile::tempdir().unwrap();
    let spdx_path = dir.path().join("webapp.spdx.json");
    ok_stdout(bulkhead().args([
        "sbom",
        &reference,
        "-f",
        "spdx-json",
        "-o",
        spdx_path.to_str().unwrap(),
    ]));
    let spdx: Value = serde_json::from_slice(&std::fs::read(&spdx_path).unwrap()).unwrap();
    assert_eq!(spdx["spdxVersion"], "SPDX-2.3");

    // Reading either document back lists the same packages.
    let cdx_path = dir.path().join("webapp.cdx.json");
    std::fs::write(&cdx_path, serde_json::to_vec(&cdx).unwrap()).unwrap();
    let purls = |path: &std::path::Path| -> Vec<String> {
        let listed: Value = serde_json::from_str(&ok_stdout(bulkhead().args([
            "sbom",
            path.to_str().unwrap(),
            "-f",
            "json",
            "--list-all-pkgs",
        ])))
        .unwrap();
        listed["scan"]["inventory"]["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["purl"].as_str().unwrap().to_owned())
            .collect()
    };
    let from_cdx = purls(&cdx_path);
    assert_eq!(
        from_cdx.len(),
        components.len() - 1,
        "all but the OS component"
    );
    assert_eq!(from_cdx, purls(&spdx_path));
}

#[test]
fn fs_sbom_of_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("requirements.txt"),
        "Django==2.0.1\nPyYAML==5.3\n",
    )
    .unwrap();
    let doc: Value = serde_json::from_str(&ok_stdout(bulkhead().args([
        "fs",
        dir.path().to_str().unwrap(),
        "-f",
        "cyclonedx",
    ])))
    .unwrap();
    let purls: Vec<&str> = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["purl"].as_str().unwrap())
        .collect();
    assert_eq!(purls, ["pkg:pypi/django@2.0.1", "pkg:pypi/pyyaml@5.3"]);
    assert_eq!(doc["metadata"]["component"]["type"], "application");
}
