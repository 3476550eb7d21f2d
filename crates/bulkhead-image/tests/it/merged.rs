//! Layer merging, checked against the OCI image spec's rules ("Changesets" and "Whiteouts").

use bulkhead_fsview::{FileKind, FsError, FsView};
use bulkhead_image::Fate;
use bulkhead_test::layout::{LayoutWriter, RawTar, gzip, tagged};

/// Builds a one-tag layout of `layers` (each gzipped) and reads it. The layout directory is
/// returned too: file content is streamed from it on demand, so it must outlive the view.
fn merged_in(layers: &[Vec<u8>]) -> (tempfile::TempDir, bulkhead_image::LayeredFs) {
    let dir = tempfile::tempdir().unwrap();
    let writer = LayoutWriter::new(dir.path());
    let manifest = writer.image(&layers.iter().map(|l| gzip(l)).collect::<Vec<_>>());
    writer.index(&[tagged(manifest, "t")]);
    let image = bulkhead_image::Image::open(
        &bulkhead_image::ImageSource::parse(&format!("oci:{}:t", dir.path().display())).unwrap(),
        &bulkhead_image::OpenOptions::default(),
    )
    .unwrap();
    let fs = image.read_layers().unwrap();
    (dir, fs)
}

fn names(fs: &dyn FsView, dir: &str) -> Vec<String> {
    fs.read_dir(dir)
        .unwrap()
        .iter()
        .map(|e| e.file_name().to_owned())
        .collect()
}

#[test]
fn whiteout_deletes_lower_file_and_subtree() {
    let (_dir, fs) = merged_in(&[
        RawTar::new()
            .dir("a/")
            .file("a/x", b"x")
            .dir("a/sub/")
            .file("a/sub/y", b"y")
            .file("b", b"b")
            .finish(),
        RawTar::new()
            .file("a/.wh.sub", b"")
            .file(".wh.b", b"")
            .finish(),
    ]);
    assert_eq!(names(&fs, "a"), ["x"]);
    assert!(matches!(fs.metadata("b"), Err(FsError::NotFound { .. })));
    let hidden: Vec<_> = fs
        .hidden_files()
        .into_iter()
        .map(|h| (h.path, h.fate))
        .collect();
    assert_eq!(
        hidden,
        [
            ("a/sub/y".to_owned(), Fate::Deleted { by_layer: 1 }),
            ("b".to_owned(), Fate::Deleted { by_layer: 1 })
        ]
    );
}

#[test]
fn opaque_whiteout_hides_lower_children_only() {
    let (_dir, fs) = merged_in(&[
        RawTar::new()
            .dir("d/")
            .file("d/old1", b"1")
            .file("d/old2", b"2")
            .finish(),
        // The opaque marker comes *after* a sibling from the same layer: order does not matter.
        RawTar::new()
            .dir("d/")
            .file("d/new", b"n")
            .file("d/.wh..wh..opq", b"")
            .finish(),
    ]);
    assert_eq!(names(&fs, "d"), ["new"]);
    assert_eq!(fs.read_to_vec("d/new", 10).unwrap(), b"n");
}

#[test]
fn whiteout_in_the_same_layer_does_not_delete_its_own_file() {
    let (_dir, fs) = merged_in(&[RawTar::new()
        .file("keep", b"k")
        .file(".wh.keep", b"")
        .finish()]);
    assert_eq!(fs.read_to_vec("keep", 10).unwrap(), b"k");
}

#[test]
fn file_replaces_directory_and_directories_merge() {
    let (_dir, fs) = merged_in(&[
        RawTar::new()
            .dir("x/")
            .file("x/inner", b"i")
            .dir("y/")
            .file("y/one", b"1")
            .finish(),
        RawTar::new()
            .file("x", b"now a file")
            .dir("y/")
            .file("y/two", b"2")
            .finish(),
    ]);
    assert!(fs.metadata("x").unwrap().is_file());
    assert!(matches!(
        fs.metadata("x/inner"),
        Err(FsError::NotADirectory { .. })
    ));
    assert_eq!(names(&fs, "y"), ["one", "two"]);
    let hidden: Vec<_> = fs
        .hidden_files()
        .into_iter()
        .map(|h| (h.path, h.fate))
        .collect();
    assert_eq!(
        hidden,
        [("x/inner".to_owned(), Fate::Replaced { by_layer: 1 })]
    );
}

#[test]
fn entries_written_through_a_symlinked_parent_land_at_its_target() {
    let (_dir, fs) = merged_in(&[
        RawTar::new()
            .dir("usr/")
            .dir("usr/lib/")
            .symlink("lib", "usr/lib")
            .symlink("up", "../../..")
            .finish(),
        RawTar::new()
            .file("lib/libx.so", b"elf")
            .file("up/etc/evil", b"inside")
            .finish(),
    ]);
    assert_eq!(names(&fs, "usr/lib"), ["libx.so"]);
    assert_eq!(fs.read_to_vec("lib/libx.so", 10).unwrap(), b"elf");
    // The escaping symlink is clamped at the root: the file is the image's own /etc/evil.
    assert_eq!(fs.read_to_vec("etc/evil", 10).unwrap(), b"inside");
    assert!(matches!(
        fs.symlink_metadata("lib").unwrap().kind,
        FileKind::Symlink { .. }
    ));
}

#[test]
fn missing_parent_directories_are_implied() {
    let (_dir, fs) = merged_in(&[RawTar::new().file("deep/er/file", b"f").finish()]);
    assert!(fs.metadata("deep/er").unwrap().is_dir());
    assert_eq!(names(&fs, ""), ["deep"]);
    let mut seen = Vec::new();
    fs.walk(&mut |e| {
        seen.push(e.path.clone());
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, ["deep", "deep/er", "deep/er/file"]);
}

#[test]
fn read_dir_lists_direct_children_in_order() {
    let (_dir, fs) = merged_in(&[RawTar::new()
        .dir("a/")
        .file("a/z", b"")
        .file("a.b", b"")
        .dir("a/m/")
        .file("a/m/deep", b"")
        .file("a0", b"")
        .file("a/b", b"")
        .finish()]);
    assert_eq!(names(&fs, ""), ["a", "a.b", "a0"]);
    assert_eq!(names(&fs, "a"), ["b", "m", "z"]);
    assert!(matches!(
        fs.read_dir("a0"),
        Err(FsError::NotADirectory { .. })
    ));
}
