//! `Image::read_layers_inspecting`: every regular file of every layer, including files later
//! layers delete, is shown once with its exact content, checked against Python's `tarfile`
//! reading the same layer blobs.

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::Mutex;

use bulkhead_fsview::{FsView as _, Metadata, Prefetch};
use bulkhead_image::{Image, ImageSource, LayerInspector, OpenOptions};
use bulkhead_test::shared_dir;
use sha2::{Digest as _, Sha256};

struct Collect(Mutex<BTreeSet<(usize, String, String)>>);

impl LayerInspector for Collect {
    fn wants(&self, _path: &str, metadata: &Metadata) -> bool {
        metadata.size <= 64 << 20
    }

    fn inspect(&self, layer: usize, path: &str, content: &[u8]) {
        let hash = hex::encode(Sha256::digest(content));
        self.0
            .lock()
            .unwrap()
            .insert((layer, path.to_owned(), hash));
    }
}

#[test]
fn every_file_of_every_layer_is_inspected_once() {
    let layout = shared_dir().join("images/webapp-oci");
    let image = Image::open(
        &ImageSource::parse(&format!("oci:{}:webapp", layout.display())).unwrap(),
        &OpenOptions::default(),
    )
    .unwrap();
    let seen = Collect(Mutex::new(BTreeSet::new()));
    // Keep the dpkg status while inspecting: the two features share the pass.
    let policy = |path: &str, _: &Metadata| {
        if path == "var/lib/dpkg/status" {
            Prefetch::Keep
        } else {
            Prefetch::Skip
        }
    };
    let fs = image
        .read_layers_inspecting(&policy, 1 << 20, &seen)
        .unwrap();
    let seen = seen.0.into_inner().unwrap();

    // The truth: Python's tarfile over each layer blob, in manifest order.
    let blobs: Vec<String> = fs
        .layers()
        .iter()
        .map(|l| {
            let digest = l.digest.to_string();
            let (algorithm, hex) = digest.split_once(':').unwrap();
            layout
                .join("blobs")
                .join(algorithm)
                .join(hex)
                .display()
                .to_string()
        })
        .collect();
    let script = r#"
import hashlib, sys, tarfile
for index, blob in enumerate(sys.argv[1:]):
    with tarfile.open(blob, "r:*") as tar:
        for member in tar:
            # Whiteouts (`.wh.NAME`) are deletion markers, not files.
            if member.isreg() and not member.name.rsplit("/", 1)[-1].startswith(".wh."):
                name = member.name[2:] if member.name.startswith("./") else member.name
                data = tar.extractfile(member).read()
                print(f"{index}\t{name}\t{hashlib.sha256(data).hexdigest()}")
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(&blobs)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let truth: BTreeSet<(usize, String, String)> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let mut f = l.split('\t');
            (
                f.next().unwrap().parse().unwrap(),
                f.next().unwrap().to_owned(),
                f.next().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(truth.len() > 10_000);
    let differences: Vec<_> = seen.symmetric_difference(&truth).take(5).collect();
    assert!(differences.is_empty(), "{differences:?}");

    // The `.env` deleted by layer 4 was seen in layer 3, and is gone from the merged view.
    assert!(seen.iter().any(|(l, p, _)| *l == 2 && p == "srv/api/.env"));
    assert!(fs.symlink_metadata("srv/api/.env").is_err());
    // The prefetched file is still served from memory.
    assert!(fs.read_to_vec("var/lib/dpkg/status", 1 << 20).is_ok());
}

/// Defers every file to [`LayerInspector::help`], the way a scanner hands work to threads
/// that ran out of layers: whatever was deferred must have been handled when the read returns.
#[derive(Default)]
struct Defer {
    queue: Mutex<Vec<(usize, String)>>,
    handled: Mutex<BTreeSet<(usize, String)>>,
    inspected: Mutex<BTreeSet<(usize, String)>>,
    helps: Mutex<Vec<bool>>,
}

impl LayerInspector for Defer {
    fn wants(&self, _path: &str, _metadata: &Metadata) -> bool {
        true
    }

    fn inspect(&self, layer: usize, path: &str, _content: &[u8]) {
        self.inspected
            .lock()
            .unwrap()
            .insert((layer, path.to_owned()));
        self.queue.lock().unwrap().push((layer, path.to_owned()));
    }

    fn help(&self, reading: &dyn Fn() -> bool) {
        self.helps.lock().unwrap().push(reading());
        loop {
            let next = self.queue.lock().unwrap().pop();
            match next {
                Some(file) => {
                    self.handled.lock().unwrap().insert(file);
                }
                None if reading() => std::thread::yield_now(),
                None => return,
            }
        }
    }
}

#[test]
fn deferred_work_is_done_before_the_read_returns() {
    for (dir, tag) in [("minimal-oci", "minimal"), ("webapp-oci", "webapp")] {
        let layout = shared_dir().join("images").join(dir);
        let image = Image::open(
            &ImageSource::parse(&format!("oci:{}:{tag}", layout.display())).unwrap(),
            &OpenOptions::default(),
        )
        .unwrap();
        let defer = Defer::default();
        image
            .read_layers_inspecting(&|_: &str, _: &Metadata| Prefetch::Skip, 0, &defer)
            .unwrap();
        let inspected = defer.inspected.into_inner().unwrap();
        assert!(!inspected.is_empty(), "{dir}");
        assert_eq!(inspected, defer.handled.into_inner().unwrap(), "{dir}");
        assert!(defer.queue.into_inner().unwrap().is_empty(), "{dir}");
        // Every reading thread helped once (more threads than the one layer of `minimal`),
        // and the last one found no reader left.
        let helps = defer.helps.into_inner().unwrap();
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        assert_eq!(helps.len(), cores, "{dir}");
        assert!(helps.contains(&false), "{dir}: {helps:?}");
    }
}
