//! Tests of the `yarn` cataloger against what yarn itself listed beside each generated
//! `yarn.lock` in `tests/fixtures/node` (see its PROVENANCE.md): `yarn list --json` for yarn 1,
//! `yarn info --all --recursive --json` for yarn 4. yarn.lock does not record dev-only
//! packages, so every package must come out with `dev` false.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::npm::{Found, catalog_npm, fixture, read_json, workspace_names};

/// Splits `name@version` (the name may be scoped).
fn split(spec: &str) -> (String, String) {
    let at = spec[1..].find('@').unwrap() + 1;
    (spec[..at].to_owned(), spec[at + 1..].to_owned())
}

fn without_dev(pairs: BTreeSet<(String, String)>) -> Found {
    pairs
        .into_iter()
        .map(|(name, version)| (name, version, false))
        .collect()
}

/// Every resolved `name@version` in a `yarn list --json` tree (`shadow` nodes only repeat a
/// range that resolves elsewhere in the list).
fn yarn_list(trees: &[Value], into: &mut BTreeSet<(String, String)>) {
    for tree in trees {
        if tree.get("shadow").and_then(Value::as_bool) != Some(true) {
            into.insert(split(tree["name"].as_str().unwrap()));
        }
        if let Some(children) = tree.get("children").and_then(Value::as_array) {
            yarn_list(children, into);
        }
    }
}

#[test]
fn classic_lockfile_matches_yarn1_list() {
    let dir = fixture("yarn-v1");
    let listing = read_json(&dir.join("yarn-list.json"));
    let mut truth = BTreeSet::new();
    yarn_list(listing["data"]["trees"].as_array().unwrap(), &mut truth);
    let workspaces = workspace_names(&dir);
    truth.retain(|(name, _)| !workspaces.contains(name));
    assert!(!truth.is_empty());
    assert_eq!(catalog_npm(&dir), without_dev(truth));
}

#[test]
fn berry_lockfile_matches_yarn4_info() {
    let dir = fixture("yarn-berry");
    let listing = std::fs::read_to_string(dir.join("yarn-info.json")).unwrap();
    let truth: BTreeSet<(String, String)> = listing
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|entry| !entry["value"].as_str().unwrap().contains("@workspace:"))
        .map(|entry| {
            let (name, _reference) = split(entry["value"].as_str().unwrap());
            (
                name,
                entry["children"]["Version"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(!truth.is_empty());
    assert_eq!(catalog_npm(&dir), without_dev(truth));
}
