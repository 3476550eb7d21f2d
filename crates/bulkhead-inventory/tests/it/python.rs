//! Python, against `pip list`.

use std::process::Command;

use bulkhead_fsview::DirView;
use bulkhead_inventory::{Ecosystem, catalog};

use crate::{assert_same_set, name_versions, webapp_inventory, webapp_truth};

/// PEP 503, written here independently of the crate's own normaliser.
fn pep503(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let mut out = String::new();
    for part in lower.split(['-', '_', '.']).filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(part);
    }
    out
}

#[test]
fn webapp_python_matches_pip_list_at_build_time() {
    let truth: std::collections::BTreeSet<(String, String)> = webapp_truth("# pip list")
        .iter()
        .skip(2) // pip's header and rule
        .map(|l| {
            let mut f = l.split_whitespace();
            (pep503(f.next().unwrap()), f.next().unwrap().to_owned())
        })
        .collect();
    assert_eq!(truth.len(), 18);
    assert_same_set(&name_versions(webapp_inventory(), Ecosystem::PyPI), &truth);
}

#[test]
fn a_real_virtualenv_matches_pip_list() {
    // The tool venv `.ci/run` builds (cyclonedx-python-lib, spdx-tools and their
    // dependencies, installed from real wheels).
    let venv = bulkhead_test::python_venv();
    let out = bulkhead_test::run(
        Command::new(venv.join("bin/python")).args(["-m", "pip", "list", "--format", "json"]),
    );
    let listed: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let truth: std::collections::BTreeSet<(String, String)> = listed
        .iter()
        .map(|p| {
            (
                pep503(p["name"].as_str().unwrap()),
                p["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let site = std::fs::read_dir(venv.join("lib"))
        .unwrap()
        .map(|e| e.unwrap().path().join("site-packages"))
        .find(|p| p.is_dir())
        .unwrap();
    let inventory = catalog(
        &DirView::new(&site).unwrap(),
        &bulkhead_inventory::Options::default(),
    )
    .unwrap();
    assert_same_set(&name_versions(&inventory, Ecosystem::PyPI), &truth);
    assert!(inventory.warnings.is_empty(), "{:?}", inventory.warnings);
}

#[test]
fn a_one_gigabyte_metadata_file_is_skipped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("site-packages/huge-1.0.dist-info");
    std::fs::create_dir_all(&dist).unwrap();
    // Sparse: 1 GiB on paper, nothing on disk; it must not be read.
    std::fs::File::create(dist.join("METADATA"))
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "six==1.17.0\n").unwrap();
    let inventory = catalog(
        &DirView::new(dir.path()).unwrap(),
        &bulkhead_inventory::Options::default(),
    )
    .unwrap();
    assert_eq!(
        inventory.packages.len(),
        1,
        "the other files are still read"
    );
    assert_eq!(inventory.warnings.len(), 1, "{:?}", inventory.warnings);
    assert!(
        inventory.warnings[0].contains("METADATA")
            && inventory.warnings[0].contains("over the limit")
    );
}
