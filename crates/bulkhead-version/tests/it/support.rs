//! Helpers every oracle test shares: a seeded generator, the files of a data tree, and the
//! versions in OSV records.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// A deterministic generator (SplitMix64), so every run checks the same pairs and a failure
/// reproduces.
#[derive(Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap()
    }

    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    pub(crate) fn pick_ref<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Files under `dir` (recursively) whose names end with `suffix`, sorted.
pub(crate) fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path.to_string_lossy().ends_with(suffix) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The OSV records (JSON) under `dir`.
pub(crate) fn osv_records(dir: &Path) -> Vec<Value> {
    files(dir, ".json")
        .iter()
        .map(|path| {
            serde_json::from_slice(&std::fs::read(path).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        })
        .collect()
}

/// The `affected` entries of a record whose ecosystem starts with `ecosystem` (all with `None`).
pub(crate) fn affected<'a>(
    record: &'a Value,
    ecosystem: Option<&'a str>,
) -> impl Iterator<Item = &'a Value> + 'a {
    record["affected"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(move |a| {
            ecosystem.is_none_or(|e| {
                a["package"]["ecosystem"]
                    .as_str()
                    .is_some_and(|x| x.starts_with(e))
            })
        })
}

/// Every `introduced`, `fixed` and `last_affected` event, and with `enumerated` every
/// `versions` entry, of the OSV records under `dir` (for the ecosystems starting with
/// `ecosystem`, or all). Fails if the data is missing.
pub(crate) fn osv_versions(
    dir: &Path,
    ecosystem: Option<&str>,
    enumerated: bool,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for record in osv_records(dir) {
        for affected in affected(&record, ecosystem) {
            for range in affected["ranges"].as_array().into_iter().flatten() {
                for event in range["events"].as_array().into_iter().flatten() {
                    for key in ["introduced", "fixed", "last_affected"] {
                        if let Some(v) = event[key].as_str() {
                            out.insert(v.to_owned());
                        }
                    }
                }
            }
            if enumerated {
                out.extend(
                    affected["versions"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|v| v.as_str().map(str::to_owned)),
                );
            }
        }
    }
    assert!(
        out.len() > 100,
        "too few versions under `{}`: is the vulnerability data there?",
        dir.display()
    );
    out
}
