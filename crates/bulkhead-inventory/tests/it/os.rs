//! OS detection against Python's own os-release parser.

use std::process::Command;

use bulkhead_fsview::DirView;

#[test]
fn os_release_parse_agrees_with_python() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    std::fs::copy("/etc/os-release", dir.path().join("etc/os-release")).unwrap();
    let ours = bulkhead_inventory::os::detect(&DirView::new(dir.path()).unwrap()).unwrap();
    let script = "import platform, json; r = platform.freedesktop_os_release(); print(json.dumps([r.get('ID'), r.get('VERSION_ID'), r.get('VERSION_CODENAME'), r.get('PRETTY_NAME')]))";
    let theirs: Vec<Option<String>> = serde_json::from_str(&bulkhead_test::run(
        Command::new("python3").args(["-c", script]),
    ))
    .unwrap();
    assert_eq!(
        theirs,
        [
            Some(ours.id),
            ours.version_id,
            ours.codename,
            ours.pretty_name
        ]
    );
}

#[test]
fn webapp_is_debian_12_and_minimal_has_no_os() {
    let os = crate::webapp_inventory().os.clone().unwrap();
    assert_eq!(
        (
            os.id.as_str(),
            os.version_id.as_deref(),
            os.codename.as_deref()
        ),
        ("debian", Some("12"), Some("bookworm"))
    );
    let layout = bulkhead_test::shared_dir().join("images/minimal-oci");
    let image = bulkhead_image::Image::open(
        &bulkhead_image::ImageSource::parse(&layout.display().to_string()).unwrap(),
        &bulkhead_image::OpenOptions::default(),
    )
    .unwrap();
    let inventory = bulkhead_inventory::catalog(
        &image.read_layers().unwrap(),
        &bulkhead_inventory::Options::default(),
    )
    .unwrap();
    assert!(inventory.os.is_none());
    assert!(inventory.packages.is_empty(), "{:?}", inventory.packages);
}

#[test]
fn prefetching_while_verifying_finds_the_same_inventory() {
    let layout = bulkhead_test::shared_dir().join("images/webapp-oci");
    let image = bulkhead_image::Image::open(
        &bulkhead_image::ImageSource::parse(&format!("oci:{}:webapp", layout.display())).unwrap(),
        &bulkhead_image::OpenOptions::default(),
    )
    .unwrap();
    let options = bulkhead_inventory::Options::default();
    let prefetched = image
        .read_layers_prefetching(
            &bulkhead_inventory::prefetch_policy(&options),
            options.prefetch_budget,
        )
        .unwrap();
    let inventory = bulkhead_inventory::catalog(&prefetched, &options).unwrap();
    assert_eq!(&inventory, crate::webapp_inventory());
}
