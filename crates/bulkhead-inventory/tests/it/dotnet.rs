//! Tests of the `dotnet` cataloger.
//!
//! No .NET SDK can be installed here, so the fixture is written by hand to the documented
//! format (see `tests/fixtures/dotnet/PROVENANCE.md`). The expectation is derived from the
//! fixture's own JSON in the test, with the rule the format documents (`type: package` are
//! NuGet packages), not from our parser.

use std::collections::BTreeSet;
use std::path::PathBuf;

use bulkhead_fsview::DirView;
use bulkhead_inventory::{Ecosystem, Options, catalog};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dotnet/app")
}

#[test]
fn deps_json_packages_match_the_libraries_of_type_package() {
    let raw = std::fs::read(fixture().join("MyWebApp.deps.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    let expected: BTreeSet<(String, String)> = doc["libraries"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, lib)| lib["type"] == "package")
        .map(|(key, _)| {
            let (name, version) = key.split_once('/').unwrap();
            (name.to_owned(), version.to_owned())
        })
        .collect();
    assert_eq!(
        expected.len(),
        4,
        "the fixture has four packages beside projects and a runtime pack"
    );

    let inventory = catalog(&DirView::new(fixture()).unwrap(), &Options::default()).unwrap();
    // Other catalogers' opinions of the same file are theirs to test.
    let ours: Vec<_> = inventory
        .warnings
        .iter()
        .filter(|w| w.contains("(dotnet-depsjson)"))
        .collect();
    assert!(ours.is_empty(), "{ours:?}");
    let got: BTreeSet<(String, String)> = inventory
        .packages
        .iter()
        .filter(|p| p.cataloger == "dotnet-depsjson")
        .inspect(|p| {
            assert_eq!(p.ecosystem, Ecosystem::NuGet);
            assert_eq!(p.purl, format!("pkg:nuget/{}@{}", p.name, p.version));
            assert_eq!(p.locations[0].path, "MyWebApp.deps.json");
        })
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect();
    assert_eq!(got, expected);
}
