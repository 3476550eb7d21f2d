//! `cargo bench -p bulkhead-secrets --bench throughput`: single-thread `scan` throughput
//! with all default rules over a real source tree (issue goal: ≥ 150 MB/s per core).
//!
//! The corpus is every text file (by [`looks_binary`]) under the Rust standard library's
//! source if rustup has it (`*.rs`, `*.md`, `*.toml`), else under `/usr/share/doc` and
//! `/usr/lib/python3`, read into memory first so only scanning is timed; or the directories
//! given in `BULKHEAD_BENCH_DIRS` (`:`-separated). Printed next to it, measured in the same
//! run: the gitleaks way (`scan_exhaustive`, every triggered rule over the whole file) and
//! the keyword pass alone (the floor). `BULKHEAD_BENCH_PROFILE=1` runs only the windowed scan,
//! repeatedly, for `perf record`.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bulkhead_secrets::{Ruleset, looks_binary};

/// Stop collecting after this many bytes, to keep the run short on a 2-core machine.
const MAX_CORPUS: usize = 96 * 1024 * 1024;
/// Skip files larger than this (callers bound sizes).
const MAX_FILE: u64 = 4 * 1024 * 1024;

fn collect(dir: &Path, exts: Option<&[&str]>, out: &mut Vec<(String, Vec<u8>)>, total: &mut usize) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        if *total >= MAX_CORPUS {
            return;
        }
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            collect(&path, exts, out, total);
        } else if meta.is_file() && meta.len() <= MAX_FILE {
            if let Some(exts) = exts {
                let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
                if !exts.contains(&ext) {
                    continue;
                }
            }
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            if looks_binary(&bytes) {
                continue;
            }
            *total += bytes.len();
            out.push((path.to_string_lossy().into_owned(), bytes));
        }
    }
}

fn corpus() -> (String, Vec<(String, Vec<u8>)>) {
    let mut files = Vec::new();
    let mut total = 0;
    if let Ok(dirs) = std::env::var("BULKHEAD_BENCH_DIRS") {
        for dir in dirs.split(':') {
            collect(Path::new(dir), None, &mut files, &mut total);
        }
        return (dirs, files);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    if let Ok(toolchains) = std::fs::read_dir(home.join(".rustup/toolchains")) {
        for tc in toolchains.filter_map(Result::ok) {
            let lib = tc.path().join("lib/rustlib/src/rust/library");
            if lib.is_dir() {
                collect(&lib, Some(&["rs", "md", "toml"]), &mut files, &mut total);
                return (lib.display().to_string(), files);
            }
        }
    }
    for dir in ["/usr/share/doc", "/usr/lib/python3"] {
        collect(Path::new(dir), None, &mut files, &mut total);
    }
    ("/usr/share/doc + /usr/lib/python3".to_owned(), files)
}

fn best_of(runs: usize, mut f: impl FnMut() -> usize) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut found = 0;
    for _ in 0..runs {
        let start = Instant::now();
        found = f();
        best = best.min(start.elapsed());
    }
    (best, found)
}

fn mb_per_s(bytes: usize, d: Duration) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let mb = bytes as f64 / 1e6;
    mb / d.as_secs_f64()
}

fn main() {
    let start = Instant::now();
    let rules = Ruleset::default_rules();
    println!(
        "compiled {} rules in {:?}",
        rules.rules().count(),
        start.elapsed()
    );
    let (source, files) = corpus();
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    println!(
        "corpus: {source}: {} text files, {:.1} MB",
        files.len(),
        mb_per_s(bytes, Duration::from_secs(1))
    );
    assert!(bytes > 0, "no corpus found");

    let runs = 3;
    let (windowed, found) = best_of(runs, || {
        let mut out = Vec::new();
        for (path, content) in &files {
            rules.scan(path, content, &mut out);
        }
        out.len()
    });
    println!(
        "scan (windowed):        {:8.1} MB/s  {found} findings",
        mb_per_s(bytes, windowed)
    );
    if std::env::var_os("BULKHEAD_BENCH_PROFILE").is_some() {
        // Under `perf record`: the windowed scan again, for a few seconds, and nothing else.
        for _ in 0..5 {
            let mut out = Vec::new();
            for (path, content) in &files {
                rules.scan(path, content, &mut out);
            }
        }
        return;
    }
    let (exhaustive, found_exhaustive) = best_of(1, || {
        let mut out = Vec::new();
        for (path, content) in &files {
            rules.scan_exhaustive(path, content, &mut out);
        }
        out.len()
    });
    let prefilter = aho_corasick_floor(rules, &files);
    println!(
        "scan_exhaustive:        {:8.1} MB/s  {found_exhaustive} findings  (windowed is {:.1}x faster)",
        mb_per_s(bytes, exhaustive),
        exhaustive.as_secs_f64() / windowed.as_secs_f64()
    );
    println!(
        "keyword pass only:      {:8.1} MB/s  (the floor; scan spends {:.0}% of its time here)",
        mb_per_s(bytes, prefilter),
        100.0 * prefilter.as_secs_f64() / windowed.as_secs_f64()
    );
    assert_eq!(
        found, found_exhaustive,
        "windowed and exhaustive scans differ"
    );
}

/// The keyword pass alone: an Aho-Corasick automaton built like the ruleset's.
fn aho_corasick_floor(rules: &Ruleset, files: &[(String, Vec<u8>)]) -> Duration {
    let mut keywords: Vec<&str> = rules
        .rules()
        .flat_map(|r| r.keywords().iter().map(String::as_str))
        .collect();
    keywords.sort_unstable();
    keywords.dedup();
    let ac = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build(&keywords)
        .unwrap();
    best_of(3, || {
        files
            .iter()
            .map(|(_, content)| ac.find_overlapping_iter(content).count())
            .sum()
    })
    .0
}
