//! Tests of the `npm` catalogers (`npm-npmlock`, `npm-nodemodules`) against what npm itself
//! listed: the `npm ls --all` captured when the shared webapp image was built, and the
//! `npm ls --all --json` (and `--omit=dev`) captured beside each generated lockfile in
//! `tests/fixtures/node` (see its PROVENANCE.md).

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::path::{Path, PathBuf};

use bulkhead_fsview::{DirView, FsView};
use bulkhead_image::{Image, ImageSource, OpenOptions};
use bulkhead_inventory::{Ecosystem, Inventory, Options, catalog};
use serde_json::Value;

type TestResult = Result<(), Box<dyn Error>>;

/// (name, version, dev)
pub(crate) type Found = BTreeSet<(String, String, bool)>;

pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/node")
        .join(name)
}

pub(crate) fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Catalogs `dir` and returns its npm packages, failing on any warning from the JavaScript
/// catalogers.
pub(crate) fn catalog_npm(dir: &Path) -> Found {
    let inventory = catalog(&DirView::new(dir).unwrap(), &Options::default()).unwrap();
    assert_no_js_warnings(&inventory);
    inventory
        .packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Npm)
        .map(|p| {
            let expected_purl = match p.name.split_once('/') {
                Some((scope, bare)) => format!("pkg:npm/%40{}/{bare}@{}", &scope[1..], p.version),
                None => format!("pkg:npm/{}@{}", p.name, p.version),
            };
            assert_eq!(p.purl, expected_purl);
            (p.name.clone(), p.version.clone(), p.dev)
        })
        .collect()
}

pub(crate) fn assert_no_js_warnings(inventory: &Inventory) {
    let ours: Vec<&String> = inventory
        .warnings
        .iter()
        .filter(|w| ["(npm-", "(yarn-", "(pnpm-"].iter().any(|c| w.contains(c)))
        .collect();
    assert!(ours.is_empty(), "{ours:#?}");
}

/// The workspace packages of a fixture (`packages/*/package.json` names): tools list them,
/// but they are the project's own code, which the catalogers skip.
pub(crate) fn workspace_names(dir: &Path) -> BTreeSet<String> {
    let Ok(entries) = std::fs::read_dir(dir.join("packages")) else {
        return BTreeSet::new();
    };
    entries
        .map(|e| {
            read_json(&e.unwrap().path().join("package.json"))["name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// Every (name, version) in an `npm ls --json` tree, except workspace links.
fn npm_ls(tree: &Value, into: &mut BTreeSet<(String, String)>) {
    let Some(dependencies) = tree.get("dependencies").and_then(Value::as_object) else {
        return;
    };
    for (name, node) in dependencies {
        let link = node
            .get("resolved")
            .and_then(Value::as_str)
            .is_some_and(|r| r.starts_with("file:"));
        if let (Some(version), false) = (node.get("version").and_then(Value::as_str), link) {
            into.insert((name.clone(), version.to_owned()));
        }
        npm_ls(node, into);
    }
}

/// What npm listed beside a lockfile fixture: everything, with dev-only = absent from the
/// production listing.
fn npm_truth(dir: &Path) -> Found {
    let mut all = BTreeSet::new();
    npm_ls(&read_json(&dir.join("npm-ls.json")), &mut all);
    let mut production = BTreeSet::new();
    npm_ls(&read_json(&dir.join("npm-ls-prod.json")), &mut production);
    assert!(
        !all.is_empty() && production.len() < all.len(),
        "the fixture has prod and dev packages"
    );
    all.into_iter()
        .map(|(name, version)| {
            let dev = !production.contains(&(name.clone(), version.clone()));
            (name, version, dev)
        })
        .collect()
}

fn check_lockfile_fixture(name: &str) {
    let dir = fixture(name);
    assert_eq!(catalog_npm(&dir), npm_truth(&dir), "{name}");
}

#[test]
fn lockfile_v1_matches_npm6_ls() {
    check_lockfile_fixture("npm-v1");
}

#[test]
fn lockfile_v2_matches_npm8_ls() {
    check_lockfile_fixture("npm-v2");
}

#[test]
fn lockfile_v3_matches_npm11_ls() {
    check_lockfile_fixture("npm-v3");
}

#[test]
fn shrinkwrap_is_read_like_a_lockfile() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("npm-v3/package-lock.json"),
        dir.path().join("npm-shrinkwrap.json"),
    )
    .unwrap();
    assert_eq!(catalog_npm(dir.path()), npm_truth(&fixture("npm-v3")));
}

/// The `npm ls --all` section of the image's build-time inventory, as (name, version).
fn webapp_npm_ls(inventory: &str) -> BTreeSet<(String, String)> {
    inventory
        .lines()
        .skip_while(|line| !line.starts_with("# npm ls"))
        .skip(1)
        .take_while(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let entry = line
                .trim_start_matches(['│', '├', '└', '─', '┬', ' '])
                .split_whitespace()
                .next()?;
            let at = entry[1..].find('@')? + 1;
            Some((entry[..at].to_owned(), entry[at + 1..].to_owned()))
        })
        .collect()
}

#[test]
fn webapp_image_matches_npm_ls() -> TestResult {
    let shared = bulkhead_test::shared_dir();
    let dir = shared.join("images/webapp-oci");
    let source = ImageSource::parse(&format!("oci:{}:webapp", dir.display()))?;
    let fs = Image::open(&source, &OpenOptions::default())?.read_layers()?;
    let inventory = catalog(&fs, &Options::default())?;
    assert_no_js_warnings(&inventory);

    let truth = webapp_npm_ls(&std::fs::read_to_string(
        shared.join("images/webapp-inventory.txt"),
    )?);
    assert!(
        truth.contains(&("express".to_owned(), "4.16.0".to_owned())),
        "listing parsed: {truth:?}"
    );
    let npm: Vec<_> = inventory
        .packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Npm)
        .collect();
    let found: BTreeSet<(String, String)> = npm
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect();
    assert_eq!(found, truth);
    assert_eq!(found.len(), npm.len(), "one entry per name@version");

    // The lockfile (as npm wrote it, read here without our code) names each package's licence.
    let lock: Value =
        serde_json::from_slice(&fs.read_to_vec("srv/api/package-lock.json", 1 << 20)?)?;
    let mut lock_licenses: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for (key, entry) in lock["packages"].as_object().unwrap() {
        if let Some((_, name)) = key.rsplit_once("node_modules/") {
            lock_licenses
                .entry((
                    name.to_owned(),
                    entry["version"].as_str().unwrap().to_owned(),
                ))
                .or_default()
                .insert(entry["license"].as_str().unwrap().to_owned());
        }
    }
    for p in npm {
        assert!(!p.dev, "{} is not a dev dependency", p.name);
        // Both the lockfile and the installed manifest saw it.
        let paths: Vec<&str> = p.locations.iter().map(|l| l.path.as_str()).collect();
        assert!(
            paths.contains(&"srv/api/package-lock.json"),
            "{}: {paths:?}",
            p.name
        );
        assert!(
            paths
                .iter()
                .any(|path| path.starts_with("srv/api/node_modules/")
                    && path.ends_with("/package.json")),
            "{}: {paths:?}",
            p.name
        );
        assert!(
            p.locations.iter().all(|l| l.layer.is_some()),
            "{}: layer recorded",
            p.name
        );
        let licenses: BTreeSet<String> = p.licenses.iter().cloned().collect();
        assert_eq!(
            Some(&licenses),
            lock_licenses.get(&(p.name.clone(), p.version.clone())),
            "{}",
            p.name
        );
    }
    Ok(())
}

#[test]
fn nested_fixtures_inside_packages_are_not_installed_packages() {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, json: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, json).unwrap();
    };
    write(
        "app/node_modules/a/package.json",
        r#"{"name": "a", "version": "1.0.0", "license": "MIT"}"#,
    );
    write(
        "app/node_modules/@s/b/package.json",
        r#"{"name": "@s/b", "version": "2.0.0"}"#,
    );
    write(
        "app/node_modules/a/node_modules/c/package.json",
        r#"{"name": "c", "version": "3.0.0"}"#,
    );
    write(
        "app/node_modules/a/test/fixtures/d/package.json",
        r#"{"name": "d", "version": "4.0.0"}"#,
    );
    write(
        "app/node_modules/a/package-lock.json",
        r#"{"packages": {"node_modules/e": {"version": "5.0.0"}}}"#,
    );
    write(
        "app/node_modules/a/yarn.lock",
        "f@^1:\n  version \"1.0.0\"\n",
    );
    write("app/package.json", r#"{"name": "app", "version": "0.0.1"}"#);
    let found = catalog_npm(dir.path());
    let expected: Found = [("@s/b", "2.0.0"), ("a", "1.0.0"), ("c", "3.0.0")]
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned(), false))
        .collect();
    assert_eq!(found, expected);
}
