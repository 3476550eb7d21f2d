//! Tests of the `php` cataloger, against Composer's own listing of the same project.
//!
//! The fixtures (`tests/fixtures/php/`, see its `PROVENANCE.md`) were made by Composer 2.5.5:
//! `composer.lock` and `vendor/composer/installed.json` beside what `composer show` and
//! `composer licenses` printed for them. The dev set is what `--no-dev` leaves out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use bulkhead_fsview::DirView;
use bulkhead_inventory::{Ecosystem, Options, Package, catalog};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/php")
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// `(name, version)` pairs from `composer show --format=json` output (`locked` or `installed`).
fn listed(path: &Path, key: &str) -> Pairs {
    json(path)[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["version"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// What the Composer cataloger found under `dir` (other catalogers' opinions of the same
/// files are theirs to test).
fn scan(dir: &Path) -> Vec<Package> {
    let inventory = catalog(&DirView::new(dir).unwrap(), &Options::default()).unwrap();
    let ours: Vec<_> = inventory
        .warnings
        .iter()
        .filter(|w| w.contains("(php-composer)"))
        .collect();
    assert!(ours.is_empty(), "{ours:?}");
    let packages: Vec<Package> = inventory
        .packages
        .into_iter()
        .filter(|p| p.cataloger == "php-composer")
        .collect();
    for p in &packages {
        assert_eq!(p.ecosystem, Ecosystem::Composer);
        assert_eq!(p.purl, format!("pkg:composer/{}@{}", p.name, p.version));
    }
    packages
}

/// (name, version) pairs.
type Pairs = BTreeSet<(String, String)>;

/// All packages, and the runtime (non-dev) ones.
fn split(packages: &[Package]) -> (Pairs, Pairs) {
    let all = packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect();
    let runtime = packages
        .iter()
        .filter(|p| !p.dev)
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect();
    (all, runtime)
}

#[test]
fn composer_lock_matches_composer_show_locked() {
    let dir = fixtures().join("lock");
    let inventory = scan(&dir);
    let (all, runtime) = split(&inventory);
    assert_eq!(
        all,
        listed(&dir.join("composer-show-locked.json"), "locked")
    );
    assert_eq!(
        runtime,
        listed(&dir.join("composer-show-locked-no-dev.json"), "locked")
    );
    assert!(all.len() > runtime.len(), "the fixture has a dev package");
    assert!(
        inventory
            .iter()
            .all(|p| p.locations[0].path == "composer.lock")
    );
}

#[test]
fn installed_json_v2_matches_composer_show_and_licenses() {
    let dir = fixtures().join("installed-v2");
    let inventory = scan(&dir);
    let (all, runtime) = split(&inventory);
    assert_eq!(all, listed(&dir.join("composer-show.json"), "installed"));
    assert_eq!(
        runtime,
        listed(&dir.join("composer-show-no-dev.json"), "installed")
    );
    assert!(all.len() > runtime.len(), "the fixture has a dev package");

    let licenses: BTreeMap<String, Vec<String>> =
        json(&dir.join("composer-licenses.json"))["dependencies"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(name, d)| {
                (
                    name.clone(),
                    serde_json::from_value(d["license"].clone()).unwrap(),
                )
            })
            .collect();
    let got: BTreeMap<String, Vec<String>> = inventory
        .iter()
        .map(|p| (p.name.clone(), p.licenses.clone()))
        .collect();
    assert_eq!(got, licenses);
    assert!(
        inventory
            .iter()
            .all(|p| p.locations[0].path == "vendor/composer/installed.json")
    );
}

#[test]
fn installed_json_v1_array_form_lists_the_same_packages() {
    // Composer 1 recorded no dev information: everything it lists is reported as runtime.
    let inventory = scan(&fixtures().join("installed-v1"));
    let (all, runtime) = split(&inventory);
    assert_eq!(
        all,
        listed(
            &fixtures().join("installed-v2/composer-show.json"),
            "installed"
        )
    );
    assert_eq!(all, runtime);
}
