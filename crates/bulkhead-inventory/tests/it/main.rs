//! Inventory tests against what the package managers themselves report.

#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

use std::collections::BTreeSet;
use std::sync::OnceLock;

use bulkhead_inventory::{Ecosystem, Inventory, Options, catalog};

/// The inventory of the shared demo image `webapp-oci:webapp`, computed once per test run.
fn webapp_inventory() -> &'static Inventory {
    static INVENTORY: OnceLock<Inventory> = OnceLock::new();
    INVENTORY.get_or_init(|| {
        let layout = bulkhead_test::shared_dir().join("images/webapp-oci");
        let image = bulkhead_image::Image::open(
            &bulkhead_image::ImageSource::parse(&format!("oci:{}:webapp", layout.display()))
                .unwrap(),
            &bulkhead_image::OpenOptions::default(),
        )
        .unwrap();
        catalog(&image.read_layers().unwrap(), &Options::default()).unwrap()
    })
}

/// A section of `webapp-inventory.txt` (what dpkg-query, pip and npm printed when the image
/// was built): the lines after the header that starts with `header`, up to the next header.
fn webapp_truth(header: &str) -> Vec<String> {
    let text =
        std::fs::read_to_string(bulkhead_test::shared_dir().join("images/webapp-inventory.txt"))
            .unwrap();
    text.lines()
        .skip_while(|l| !l.starts_with(header))
        .skip(1)
        .take_while(|l| !l.starts_with('#'))
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// Asserts two sets are equal, printing only what differs (the sets run to hundreds).
#[track_caller]
fn assert_same_set<T: Ord + std::fmt::Debug>(ours: &BTreeSet<T>, truth: &BTreeSet<T>) {
    let only_ours: Vec<&T> = ours.difference(truth).take(20).collect();
    let only_truth: Vec<&T> = truth.difference(ours).take(20).collect();
    assert!(
        only_ours.is_empty() && only_truth.is_empty(),
        "only in ours: {only_ours:?}\nonly in the truth: {only_truth:?}"
    );
}

/// `name version` pairs of one ecosystem.
fn name_versions(inventory: &Inventory, ecosystem: Ecosystem) -> BTreeSet<(String, String)> {
    inventory
        .packages
        .iter()
        .filter(|p| p.ecosystem == ecosystem)
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect()
}

mod apk;
mod binary;
mod cargo_lock;
mod dotnet;
mod dpkg;
mod java;
mod npm;
mod os;
mod php;
mod pnpm;
mod python;
mod rpm;
mod ruby;
mod yarn;
