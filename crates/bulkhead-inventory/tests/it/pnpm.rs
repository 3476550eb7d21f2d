//! Tests of the `pnpm` cataloger against what pnpm itself listed beside each generated
//! `pnpm-lock.yaml` in `tests/fixtures/node` (see its PROVENANCE.md):
//! `pnpm list -r --depth Infinity --json` from pnpm 7 (lockfile 5.4), 8 (6.0) and 9 (9.0).
//! A package is dev-only when pnpm lists it only below some project's `devDependencies`.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::npm::{Found, catalog_npm, fixture, read_json};

/// Every installed (name, version) below `node` (workspace links are walked, not listed).
fn walk(node: &Value, into: &mut BTreeSet<(String, String)>) {
    for section in ["dependencies", "optionalDependencies"] {
        let Some(dependencies) = node.get(section).and_then(Value::as_object) else {
            continue;
        };
        for (name, child) in dependencies {
            let version = child["version"].as_str().unwrap();
            if !version.starts_with("link:") && !version.starts_with("file:") {
                into.insert((name.clone(), version.to_owned()));
            }
            walk(child, into);
        }
    }
}

fn pnpm_truth(listing: &Value) -> Found {
    let mut production = BTreeSet::new();
    let mut development = BTreeSet::new();
    for project in listing.as_array().unwrap() {
        walk(project, &mut production);
        if let Some(dev) = project.get("devDependencies") {
            // The dev roots are listed like a project's own dependencies.
            walk(
                &serde_json::json!({ "dependencies": dev }),
                &mut development,
            );
        }
    }
    assert!(!production.is_empty() && !development.is_empty());
    production
        .iter()
        .map(|(n, v)| (n.clone(), v.clone(), false))
        .chain(
            development
                .difference(&production)
                .map(|(n, v)| (n.clone(), v.clone(), true)),
        )
        .collect()
}

fn check(name: &str) {
    let dir = fixture(name);
    let truth = pnpm_truth(&read_json(&dir.join("pnpm-list.json")));
    assert_eq!(catalog_npm(&dir), truth, "{name}");
}

#[test]
fn lockfile_v5_matches_pnpm7_list() {
    check("pnpm-v5");
}

#[test]
fn lockfile_v6_matches_pnpm8_list() {
    check("pnpm-v6");
}

#[test]
fn lockfile_v9_matches_pnpm9_list() {
    check("pnpm-v9");
}
