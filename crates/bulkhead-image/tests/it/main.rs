//! Integration tests of bulkhead-image against real images (the shared demo images, images
//! built here with umoci and skopeo, a real docker-registry) and hand-made hostile ones.

#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

mod hostile;
mod inspect;
mod merged;
#[cfg(feature = "registry")]
mod registry;
mod sources;

use std::collections::BTreeMap;
use std::path::Path;

use bulkhead_fsview::{DirView, FileKind, FsView};
use bulkhead_image::{Image, ImageSource, LayeredFs, OpenOptions};

fn open(reference: &str) -> Image {
    Image::open(
        &ImageSource::parse(reference).unwrap(),
        &OpenOptions::default(),
    )
    .unwrap_or_else(|e| panic!("cannot open `{reference}`: {e}"))
}

fn read(reference: &str) -> (Image, LayeredFs) {
    let image = open(reference);
    let fs = image
        .read_layers()
        .unwrap_or_else(|e| panic!("cannot read `{reference}`: {e:?}"));
    (image, fs)
}

/// Every node of a view as `path -> (kind, size, mode)`; symlink kinds carry their target.
fn listing(view: &dyn FsView) -> BTreeMap<String, (FileKind, u64, u32)> {
    let mut out = BTreeMap::new();
    view.walk(&mut |e| {
        out.insert(
            e.path.clone(),
            (e.metadata.kind.clone(), e.metadata.size, e.metadata.mode),
        );
        Ok(())
    })
    .unwrap();
    out
}

/// Unpacks an OCI image with umoci (the reference implementation of layer application) into
/// a cached directory and returns its rootfs.
fn umoci_rootfs(layout: &Path, tag: &str, cache_name: &str) -> std::path::PathBuf {
    bulkhead_test::require_tool("umoci", "umoci");
    bulkhead_test::cached_fixture(cache_name, |dir| {
        bulkhead_test::run(
            std::process::Command::new("umoci")
                .arg("unpack")
                .arg("--image")
                .arg(format!("{}:{tag}", layout.display()))
                .arg(dir.join("bundle")),
        );
    })
    .join("bundle/rootfs")
}

/// Asserts that our merged view shows exactly what umoci extracted: same paths, kinds,
/// sizes, permission bits and symlink targets.
fn assert_same_tree(ours: &LayeredFs, rootfs: &Path) {
    let theirs = listing(&DirView::new(rootfs).unwrap());
    let ours = listing(ours);
    let only_ours: Vec<_> = ours
        .keys()
        .filter(|k| !theirs.contains_key(*k))
        .take(10)
        .collect();
    let only_theirs: Vec<_> = theirs
        .keys()
        .filter(|k| !ours.contains_key(*k))
        .take(10)
        .collect();
    assert!(
        only_ours.is_empty() && only_theirs.is_empty(),
        "trees differ: only in ours {only_ours:?}; only in umoci's {only_theirs:?}"
    );
    for (path, theirs) in &theirs {
        let ours = &ours[path];
        match (&ours.0, &theirs.0) {
            // Directory modes and sizes depend on how the bundle was extracted; compare kinds.
            (FileKind::Dir, FileKind::Dir) => {}
            _ => assert_eq!(ours, theirs, "`{path}` differs (ours, umoci's)"),
        }
    }
}
