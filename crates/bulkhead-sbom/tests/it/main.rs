//! SBOM tests: documents validated against the official schemas and validators.

#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

mod hostile_scale;
mod vulnerabilities;

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::OnceLock;

use bulkhead_inventory::{Inventory, catalog};
use bulkhead_sbom::{DocumentInfo, Subject};

fn webapp() -> &'static (Subject, Inventory) {
    static WEBAPP: OnceLock<(Subject, Inventory)> = OnceLock::new();
    WEBAPP.get_or_init(|| {
        let layout = bulkhead_test::shared_dir().join("images/webapp-oci");
        let reference = format!("oci:{}:webapp", layout.display());
        let image = bulkhead_image::Image::open(
            &bulkhead_image::ImageSource::parse(&reference).unwrap(),
            &bulkhead_image::OpenOptions::default(),
        )
        .unwrap();
        let inventory = catalog(
            &image.read_layers().unwrap(),
            &bulkhead_inventory::Options::default(),
        )
        .unwrap();
        assert!(inventory.packages.len() > 100);
        let subject = Subject {
            name: reference,
            digest: image.manifest_digest().map(ToString::to_string),
            is_image: true,
        };
        (subject, inventory)
    })
}

fn info() -> DocumentInfo {
    DocumentInfo {
        created: "2026-11-25T10:00:00Z".into(),
        tool_version: "0.1.0".into(),
    }
}

/// Runs a Python snippet in the peer-tools venv with the document at `argv[1]`.
fn python(script: &str, document: &serde_json::Value) -> String {
    let venv = bulkhead_test::python_venv();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.json");
    std::fs::write(&path, serde_json::to_vec(document).unwrap()).unwrap();
    bulkhead_test::run(
        Command::new(venv.join("bin/python"))
            .arg("-c")
            .arg(script)
            .arg(&path),
    )
}

fn purls(inventory: &Inventory) -> BTreeSet<String> {
    inventory.packages.iter().map(|p| p.purl.clone()).collect()
}

#[test]
fn cyclonedx_validates_against_the_official_1_6_schema() {
    let (subject, inventory) = webapp();
    let doc = bulkhead_sbom::cyclonedx(subject, inventory, &info());
    let script = "import sys\nfrom cyclonedx.schema import SchemaVersion\nfrom cyclonedx.validation.json import JsonStrictValidator\nerr = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1]).read())\nprint('VALID' if err is None else f'INVALID: {err}')";
    assert_eq!(python(script, &doc).trim(), "VALID");
    // The library's own model reads it back with the same components.
    let count = "import sys, json\nfrom cyclonedx.model.bom import Bom\nbom = Bom.from_json(json.load(open(sys.argv[1])))\nprint(len(bom.components))";
    assert_eq!(
        python(count, &doc).trim(),
        (inventory.packages.len() + 1).to_string()
    );
    // And our reader gets back every purl.
    let back = bulkhead_sbom::read(&serde_json::to_vec(&doc).unwrap(), "sbom.json").unwrap();
    assert_eq!(purls(&back), purls(inventory));
    assert_eq!(back.os.as_ref().unwrap().id, "debian");
}

#[test]
fn spdx_passes_the_spdx_tools_validator() {
    let (subject, inventory) = webapp();
    let doc = bulkhead_sbom::spdx(subject, inventory, &info());
    let script = "import sys\nfrom spdx_tools.spdx.parser.parse_anything import parse_file\nfrom spdx_tools.spdx.validation.document_validator import validate_full_spdx_document\ndoc = parse_file(sys.argv[1])\nmsgs = validate_full_spdx_document(doc)\nprint(len(doc.packages))\nfor m in msgs[:10]: print(m.validation_message)";
    let out = python(script, &doc);
    let mut lines = out.lines();
    // Root subject + OS + every package, and no validation messages.
    assert_eq!(
        lines.next().unwrap(),
        (inventory.packages.len() + 2).to_string()
    );
    let messages: Vec<&str> = lines.collect();
    assert!(messages.is_empty(), "{messages:?}");
    let back = bulkhead_sbom::read(&serde_json::to_vec(&doc).unwrap(), "sbom.spdx.json").unwrap();
    assert_eq!(purls(&back), purls(inventory));
}

#[test]
fn documents_are_deterministic_apart_from_the_timestamp() {
    let (subject, inventory) = webapp();
    assert_eq!(
        bulkhead_sbom::cyclonedx(subject, inventory, &info()),
        bulkhead_sbom::cyclonedx(subject, inventory, &info())
    );
    assert_eq!(
        bulkhead_sbom::spdx(subject, inventory, &info()),
        bulkhead_sbom::spdx(subject, inventory, &info())
    );
}

#[test]
fn hostile_documents_are_errors() {
    assert!(bulkhead_sbom::read(b"not json", "x").is_err());
    assert!(matches!(
        bulkhead_sbom::read(br#"{"hello": "world"}"#, "x"),
        Err(bulkhead_sbom::SbomError::UnknownFormat)
    ));
    let deep = format!(
        r#"{{"bomFormat":"CycloneDX","components":{}{}}}"#,
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    assert!(bulkhead_sbom::read(deep.as_bytes(), "x").is_err());
    // Components with odd shapes or no purl are skipped and counted, never a crash.
    let odd = br#"{"bomFormat":"CycloneDX","components":[{"name":"a"},{"purl":"not a purl"},{"purl":"pkg:npm/x@1","components":[{"purl":"pkg:pypi/y@2"}]},7,null]}"#;
    let inventory = bulkhead_sbom::read(odd, "x").unwrap();
    assert_eq!(inventory.packages.len(), 2);
    assert_eq!(inventory.warnings.len(), 1);
}
