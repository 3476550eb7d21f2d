use std::process::Command;

use assert_cmd::cargo::cargo_bin;
use bulkhead_test::{images, registry::Registry, shared_dir};
use serde_json::Value;

fn bulkhead() -> Command {
    crate::bulkhead_command()
}

fn output(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json_file(path: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The README's first command, run from the checkout root exactly as written there.
#[test]
fn readme_first_command_scans_the_demo_image() {
    let readme =
        std::fs::read_to_string(bulkhead_test::workspace_root().join("README.md")).unwrap();
    let command = readme
        .lines()
        .find(|l| l.trim_start().starts_with("cargo run"))
        .expect("README shows a `cargo run` command");
    let reference = command.split_whitespace().last().unwrap();
    let (code, stdout, stderr) = output(
        bulkhead()
            .current_dir(bulkhead_test::workspace_root())
            .args(["image", reference]),
    );
    assert_eq!(code, 0, "{stderr}");
    // A vulnerability table per target, from the embedded database (see vuln.rs for the
    // exact findings).
    for needle in [
        "debian 12",
        "Python (pypi)",
        "Node.js (npm)",
        "CVE-2021-44906",
        "Vulnerability database: embedded",
    ] {
        assert!(stdout.contains(needle), "{needle} missing from\n{stdout}");
    }
}

#[test]
fn json_metadata_matches_the_config_blob() {
    let layout = shared_dir().join("images/webapp-oci");
    let (code, stdout, stderr) = output(bulkhead().args([
        "image",
        "inspect",
        &format!("oci:{}:webapp", layout.display()),
        "--format",
        "json",
    ]));
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let image = &report["image"];
    let manifest = json_file(
        &layout
            .join("blobs/sha256")
            .join(&image["manifest_digest"].as_str().unwrap()[7..]),
    );
    let config = json_file(
        &layout
            .join("blobs/sha256")
            .join(&manifest["config"]["digest"].as_str().unwrap()[7..]),
    );
    assert_eq!(report["schema_version"], 1);
    assert_eq!(image["user"], config["config"]["User"]);
    assert_eq!(image["env"], config["config"]["Env"]);
    assert_eq!(image["cmd"], config["config"]["Cmd"]);
    assert_eq!(image["working_dir"], config["config"]["WorkingDir"]);
    let mut ports: Vec<&str> = config["config"]["ExposedPorts"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    ports.sort_unstable();
    assert_eq!(image["exposed_ports"], serde_json::json!(ports));
    assert_eq!(image["platform"]["architecture"], config["architecture"]);
    let layers = image["layers"].as_array().unwrap();
    assert_eq!(layers.len(), manifest["layers"].as_array().unwrap().len());
    for (ours, theirs) in layers.iter().zip(manifest["layers"].as_array().unwrap()) {
        assert_eq!(ours["digest"], theirs["digest"]);
        assert_eq!(ours["size"], theirs["size"]);
    }
    // NOTE.md: layer 3 is 4,592,640 bytes uncompressed.
    assert_eq!(layers[2]["uncompressed_size"], 4_592_640);
}

#[test]
fn verify_passes_then_fails_with_exit_1_on_a_tampered_copy() {
    let source = images::layered_image();
    let (code, stdout, stderr) = output(bulkhead().args([
        "image",
        "verify",
        &format!("oci:{}:layered", source.display()),
    ]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("verified"), "{stdout}");

    let copy = tempfile::tempdir().unwrap();
    bulkhead_test::run(
        Command::new("cp")
            .arg("-a")
            .arg(format!("{}/.", source.display()))
            .arg(copy.path()),
    );
    let index = json_file(&copy.path().join("index.json"));
    let manifest_digest = index["manifests"][0]["digest"].as_str().unwrap();
    let manifest = json_file(&copy.path().join("blobs/sha256").join(&manifest_digest[7..]));
    let layer = manifest["layers"][1]["digest"].as_str().unwrap();
    let blob = copy.path().join("blobs/sha256").join(&layer[7..]);
    let mut bytes = std::fs::read(&blob).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&blob, bytes).unwrap();

    let (code, stdout, _) = output(bulkhead().args([
        "image",
        "verify",
        &format!("oci:{}:layered", copy.path().display()),
    ]));
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("FAILED") && stdout.contains(layer),
        "{stdout}"
    );
    let (code, stdout, _) = output(bulkhead().args([
        "image",
        "verify",
        "--format",
        "json",
        &format!("oci:{}:layered", copy.path().display()),
    ]));
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["verification"]["verified"], false);
    assert!(
        report["verification"]["error"]
            .as_str()
            .unwrap()
            .contains(layer)
    );
    // Reading metadata of a tampered image is an input error (2), not a gate result.
    let (code, _, stderr) =
        output(bulkhead().args(["image", &format!("oci:{}:layered", copy.path().display())]));
    assert_eq!(code, 2);
    assert!(stderr.contains(layer), "{stderr}");
}

#[test]
fn usage_and_input_errors_exit_2() {
    let (code, _, stderr) = output(bulkhead().args(["image", "oci:/nonexistent/layout"]));
    assert_eq!(code, 2);
    assert!(stderr.starts_with("error: "), "{stderr}");
    let (code, _, _) = output(bulkhead().args(["image", "--format", "yaml", "x"]));
    assert_eq!(code, 2);
    let (code, _, stderr) = output(bulkhead().args(["image", "--platform", "linux", "oci:/x"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("OS/ARCH"), "{stderr}");
    let (code, _, _) = output(bulkhead().args(["fs", "/nonexistent/dir"]));
    assert_eq!(code, 2);
}

#[test]
fn help_documents_every_source_form_and_verify() {
    let (code, stdout, _) = output(bulkhead().args(["image", "--help"]));
    assert_eq!(code, 0);
    for needle in [
        "oci:DIR[:TAG]",
        "docker-archive:PATH[:TAG]",
        "@sha256",
        "verify",
        "--platform",
        "--insecure",
        "--max-decompressed-size",
        "--format",
    ] {
        assert!(
            stdout.contains(needle),
            "`{needle}` missing from --help:\n{stdout}"
        );
    }
    let (_, stdout, _) = output(bulkhead().arg("--help"));
    assert!(stdout.contains("image") && stdout.contains("fs"));
}

#[test]
fn output_file_and_closed_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let layout = shared_dir().join("images/minimal-oci");
    let (code, stdout, _) = output(bulkhead().args([
        "image",
        "inspect",
        layout.to_str().unwrap(),
        "-f",
        "json",
        "-o",
        out.to_str().unwrap(),
    ]));
    assert_eq!(code, 0);
    assert!(stdout.is_empty());
    let report = json_file(&out);
    assert_eq!(report["image"]["user"], "65534");

    // `| head -1`: the reader goes away; that is success, and no error is printed.
    let script = format!(
        "BULKHEAD_CACHE_DIR='{}' '{}' image '{}' | head -c 1 >/dev/null; echo ${{PIPESTATUS[0]}}",
        crate::test_cache_dir().display(),
        cargo_bin("bulkhead").display(),
        layout.display()
    );
    let (_, stdout, stderr) = output(Command::new("bash").arg("-c").arg(script));
    assert_eq!(stdout.trim(), "0", "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn registry_pull_through_the_cli() {
    let registry = Registry::start();
    let layout = shared_dir().join("images/minimal-oci");
    let reference = registry.push(
        &format!("oci:{}:minimal", layout.display()),
        "demo/minimal:1",
        false,
    );
    let (code, stdout, stderr) =
        output(bulkhead().args(["image", "verify", "--insecure", &reference]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("verified"));
    // Tamper with the layer inside the registry's own storage: a pull must catch it.
    let index = json_file(&layout.join("index.json"));
    let manifest = json_file(
        &layout
            .join("blobs/sha256")
            .join(&index["manifests"][0]["digest"].as_str().unwrap()[7..]),
    );
    let layer = &manifest["layers"][0]["digest"].as_str().unwrap()[7..];
    let data = registry
        .storage_dir()
        .join("docker/registry/v2/blobs/sha256")
        .join(&layer[..2])
        .join(layer)
        .join("data");
    let mut bytes = std::fs::read(&data).unwrap();
    bytes[1000] ^= 0xff;
    std::fs::write(&data, bytes).unwrap();
    let (code, stdout, stderr) =
        output(bulkhead().args(["image", "verify", "--insecure", &reference]));
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains(layer), "{stdout}");
}

/// `--scanners misconfig` on an image judges its configuration; the expected findings are
/// worked out here from the configuration as `skopeo inspect --config` reads it.
#[test]
fn image_configuration_misconfigurations_match_the_config_skopeo_reads() {
    let layout = bulkhead_test::shared_dir().join("images/webapp-oci");
    let reference = format!("oci:{}:webapp", layout.display());
    let config: serde_json::Value = serde_json::from_str(&bulkhead_test::run(
        std::process::Command::new("skopeo").args(["inspect", "--config", &reference]),
    ))
    .unwrap();
    let cfg = &config["config"];
    let mut expected = Vec::new();
    let user = cfg["User"].as_str().unwrap_or("");
    if ["", "root", "0"].contains(&user.split(':').next().unwrap_or("")) {
        expected.push("BH-IMG-001");
    }
    if cfg["ExposedPorts"]
        .as_object()
        .is_some_and(|p| p.keys().any(|k| k.starts_with("22/")))
    {
        expected.push("BH-IMG-002");
    }
    if cfg["Healthcheck"].is_null() {
        expected.push("BH-IMG-003");
    }
    assert_eq!(
        expected,
        ["BH-IMG-001", "BH-IMG-002", "BH-IMG-003"],
        "the demo image plants all three"
    );

    let out = crate::bulkhead_command()
        .args(["image", &reference, "--scanners", "misconfig", "-f", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut found: Vec<String> = report["scan"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["class"] == "config")
        .flat_map(|t| t["findings"].as_array().unwrap())
        .map(|f| f["rule"]["id"].as_str().unwrap().to_owned())
        .collect();
    found.sort();
    assert_eq!(found, expected);
    // The gate counts them: HIGH is at or above the threshold.
    let gated = crate::bulkhead_command()
        .args([
            "image",
            &reference,
            "--scanners",
            "misconfig",
            "--exit-code",
            "1",
            "--severity",
            "HIGH",
        ])
        .output()
        .unwrap();
    assert_eq!(gated.status.code(), Some(1));
}
