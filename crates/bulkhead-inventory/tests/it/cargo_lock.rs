//! Tests of the `cargo_lock` cataloger: against Python's `tomllib` (an independent TOML
//! reader) and against cargo's own view of the workspace (`cargo metadata`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use bulkhead_fsview::DirView;
use bulkhead_inventory::{Ecosystem, Options, catalog};

use crate::{assert_same_set, name_versions};

type NameVersions = BTreeSet<(String, String)>;

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// `(name, version)` of every `[[package]]` with a `source`, read by Python's `tomllib`.
fn tomllib_truth(lock: &Path) -> NameVersions {
    let script = "import sys, json, tomllib\n\
                  d = tomllib.load(open(sys.argv[1], 'rb'))\n\
                  print(json.dumps([[p['name'], p['version']] for p in d.get('package', []) if 'source' in p]))";
    let out = bulkhead_test::run(Command::new("python3").args(["-c", script]).arg(lock));
    let pairs: Vec<(String, String)> = serde_json::from_str(&out).unwrap();
    pairs.into_iter().collect()
}

/// Our packages, per location path, from cataloging `root`.
fn ours_by_path(root: &Path) -> BTreeMap<String, NameVersions> {
    let inventory = catalog(&DirView::new(root).unwrap(), &Options::default()).unwrap();
    assert!(inventory.warnings.is_empty(), "{:?}", inventory.warnings);
    let mut by_path: BTreeMap<String, NameVersions> = BTreeMap::new();
    for p in inventory
        .packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Cargo)
    {
        assert_eq!(p.cataloger, "cargo-lock");
        assert_eq!(
            p.purl,
            format!("pkg:cargo/{}@{}", p.name, p.version.replace('+', "%2B"))
        );
        for l in &p.locations {
            by_path
                .entry(l.path.clone())
                .or_default()
                .insert((p.name.clone(), p.version.clone()));
        }
    }
    by_path
}

#[test]
fn workspace_lockfile_agrees_with_tomllib_and_cargo_metadata() {
    let root = bulkhead_test::workspace_root();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root.join("Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();
    let inventory = catalog(&DirView::new(dir.path()).unwrap(), &Options::default()).unwrap();
    let ours = name_versions(&inventory, Ecosystem::Cargo);
    assert!(ours.len() > 100, "{}", ours.len());
    assert_same_set(&ours, &tomllib_truth(&dir.path().join("Cargo.lock")));

    // Cargo's own resolve for this host: every registry package it lists is one of ours (the
    // lockfile also holds packages for other platforms, which metadata filters out).
    let rustc = bulkhead_test::run(Command::new("rustc").arg("-vV"));
    let host = rustc
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .unwrap()
        .to_owned();
    let metadata = bulkhead_test::run(
        Command::new("cargo")
            .current_dir(&root)
            .args([
                "metadata",
                "--format-version",
                "1",
                "--locked",
                "--offline",
                "--all-features",
            ])
            .args(["--filter-platform", &host]),
    );
    let metadata: serde_json::Value = serde_json::from_str(&metadata).unwrap();
    let mut cargo_says = NameVersions::new();
    let mut local = BTreeSet::new();
    for p in metadata["packages"].as_array().unwrap() {
        let pair = (
            p["name"].as_str().unwrap().to_owned(),
            p["version"].as_str().unwrap().to_owned(),
        );
        if p["source"].is_null() {
            local.insert(pair);
        } else {
            cargo_says.insert(pair);
        }
    }
    let missing: Vec<_> = cargo_says.difference(&ours).collect();
    assert!(
        missing.is_empty(),
        "cargo metadata lists packages we missed: {missing:?}"
    );
    // The workspace's own crates are not reported.
    assert!(local.iter().any(|(n, _)| n == "bulkhead-inventory"));
    assert!(ours.intersection(&local).next().is_none());
}

#[test]
fn lockfile_versions_one_to_four_agree_with_tomllib() {
    let by_path = ours_by_path(&fixtures().join("cargo_lock"));
    let expected: NameVersions = [
        ("hex", "0.4.3"),
        ("itoa", "1.0.15"),
        ("version_check", "0.9.5"),
    ]
    .map(|(n, v)| (n.to_owned(), v.to_owned()))
    .into();
    for version in ["v1", "v2", "v3", "v4"] {
        let path = format!("{version}/Cargo.lock");
        let truth = tomllib_truth(&fixtures().join("cargo_lock").join(&path));
        assert_eq!(
            truth, expected,
            "{path}: the fixtures all describe one project"
        );
        assert_same_set(by_path.get(&path).unwrap_or(&NameVersions::new()), &truth);
    }
    let tricky = "tricky/Cargo.lock";
    assert_same_set(
        &by_path[tricky],
        &tomllib_truth(&fixtures().join("cargo_lock").join(tricky)),
    );
    assert_eq!(by_path.len(), 5, "{:?}", by_path.keys());
}

#[test]
fn lockfile_matches_the_binary_built_from_it() {
    // The auditable fixture was built from this lockfile: cargo recorded the same non-local
    // crates in the binary (build-only ones included, before any filtering).
    let project = fixtures().join("binary/auditable/project");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(project.join("Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();
    let ours = name_versions(
        &catalog(&DirView::new(dir.path()).unwrap(), &Options::default()).unwrap(),
        Ecosystem::Cargo,
    );
    let embedded = crate::binary::auditable_truth(
        &fixtures().join("binary/auditable/bulkhead-auditable-fixture"),
        true,
    );
    assert_same_set(&ours, &embedded);
}
