//! dpkg, against `dpkg-query` (the package manager's own answer).

use std::process::Command;

use bulkhead_fsview::DirView;
use bulkhead_inventory::{Ecosystem, catalog};

use crate::{assert_same_set, name_versions, webapp_inventory, webapp_truth};

#[test]
fn webapp_dpkg_matches_dpkg_query_at_build_time() {
    let truth: std::collections::BTreeSet<(String, String)> = webapp_truth("# dpkg-query")
        .iter()
        .map(|l| {
            let (n, v) = l.split_once(' ').unwrap();
            (n.to_owned(), v.to_owned())
        })
        .collect();
    assert_eq!(truth.len(), 118);
    assert_same_set(&name_versions(webapp_inventory(), Ecosystem::Deb), &truth);
    let libssl = webapp_inventory()
        .packages
        .iter()
        .find(|p| p.name == "libssl3")
        .unwrap();
    assert_eq!(libssl.source.as_ref().unwrap().name, "openssl");
    assert!(
        libssl.purl.ends_with("?arch=amd64&distro=debian-12"),
        "{}",
        libssl.purl
    );
    // Every dpkg package was recorded by layer 1 or 2 (layer 2 rewrote the status file).
    let layer = libssl.locations[0].layer.as_deref().unwrap();
    assert!(layer.starts_with("sha256:"));
}

#[test]
fn host_dpkg_database_matches_dpkg_query_with_sources() {
    bulkhead_test::require_tool("dpkg-query", "dpkg");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("var/lib/dpkg")).unwrap();
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    std::fs::copy(
        "/var/lib/dpkg/status",
        dir.path().join("var/lib/dpkg/status"),
    )
    .unwrap();
    std::fs::copy("/etc/os-release", dir.path().join("etc/os-release")).unwrap();
    let out = bulkhead_test::run(Command::new("dpkg-query").args([
        "--admindir",
        dir.path().join("var/lib/dpkg").to_str().unwrap(),
        "-W",
        "-f",
        "${db:Status-Status} ${Package} ${Version} ${source:Package} ${source:Version}\\n",
    ]));
    let truth: std::collections::BTreeSet<(String, String, String, String)> = out
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (f[0] == "installed").then(|| {
                (
                    f[1].to_owned(),
                    f[2].to_owned(),
                    f[3].to_owned(),
                    f[4].to_owned(),
                )
            })
        })
        .collect();
    assert!(
        truth.len() > 50,
        "the host should have a real dpkg database"
    );
    let inventory = catalog(
        &DirView::new(dir.path()).unwrap(),
        &bulkhead_inventory::Options::default(),
    )
    .unwrap();
    let ours: std::collections::BTreeSet<(String, String, String, String)> = inventory
        .packages
        .iter()
        .filter(|p| p.ecosystem == Ecosystem::Deb)
        .map(|p| {
            let s = p.source.clone().unwrap();
            (p.name.clone(), p.version.clone(), s.name, s.version)
        })
        .collect();
    assert_same_set(&ours, &truth);
}
