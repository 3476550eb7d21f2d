//! `cargo bench -p bulkhead-vulndb-embedded`: how long opening the embedded database takes,
//! and matching 10,000 packages once it is open (issue goals: < 20 ms and < 50 ms).
//!
//! The queries are real keys: every (ecosystem, package) the database knows, in a fixed
//! order, each at a low version of the kind scanners see ("1.0.0", a Debian version, …), so
//! the lookups hit rows and evaluate their ranges. Two mixes: one package in ten with
//! advisories (what real inventories look like), and every package (the worst case).

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use bulkhead_vulndb::PackageQuery;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let runs = 15;
    let cache = tempfile::tempdir().unwrap();
    let time_open = |cache: Option<&std::path::Path>| {
        let start = Instant::now();
        let db = bulkhead_vulndb_embedded::open(cache).unwrap();
        let elapsed = start.elapsed();
        drop(db);
        elapsed
    };
    let first = time_open(Some(cache.path()));
    let cached: Vec<Duration> = (0..runs).map(|_| time_open(Some(cache.path()))).collect();
    let in_memory: Vec<Duration> = (0..runs).map(|_| time_open(None)).collect();
    let db = bulkhead_vulndb_embedded::open(Some(cache.path())).unwrap();
    let packages = db.packages().unwrap();
    // Worst case: every package has advisories, at a low version most of them affect.
    let all_vulnerable: Vec<PackageQuery> = packages
        .keys()
        .cycle()
        .take(10_000)
        .enumerate()
        .map(|(i, (ecosystem, name))| PackageQuery {
            ecosystem: ecosystem.clone(),
            name: name.clone(),
            version: version_for(ecosystem, i),
        })
        .collect();
    // Typical: one package in ten has advisories (a node_modules tree or a distro image
    // holds mostly packages no advisory names).
    let typical: Vec<PackageQuery> = all_vulnerable
        .iter()
        .enumerate()
        .map(|(i, q)| {
            if i % 10 == 0 {
                q.clone()
            } else {
                PackageQuery {
                    name: format!("{}-unlisted-{i}", q.name),
                    ..q.clone()
                }
            }
        })
        .collect();
    let time_matching = |queries: &[PackageQuery]| {
        let mut matched = 0;
        let samples: Vec<Duration> = (0..runs)
            .map(|_| {
                let start = Instant::now();
                matched = 0;
                for q in queries {
                    matched += db.matches(q).unwrap().matches.len();
                }
                start.elapsed()
            })
            .collect();
        (samples[0], median(samples), matched)
    };
    let (first_time, typical_time, typical_matches) = time_matching(&typical);
    let (_, worst_time, worst_matches) = time_matching(&all_vulnerable);
    println!(
        "embedded database: {} bytes compressed, {} uncompressed, {} (ecosystem, package) keys",
        bulkhead_vulndb_embedded::COMPRESSED.len(),
        bulkhead_vulndb_embedded::UNCOMPRESSED_LEN,
        packages.len()
    );
    println!(
        "open embedded database: first run (decompress to the cache) {:.1} ms; then median {:.2} ms of {runs} (goal < 20 ms); without a cache directory (in memory) median {:.1} ms",
        first.as_secs_f64() * 1e3,
        median(cached).as_secs_f64() * 1e3,
        median(in_memory).as_secs_f64() * 1e3
    );
    println!(
        "match 10,000 packages, 1 in 10 with advisories: first run (loads the key set) {:.1} ms, then median {:.1} ms of {runs} ({typical_matches} matches) (goal < 50 ms)",
        first_time.as_secs_f64() * 1e3,
        typical_time.as_secs_f64() * 1e3
    );
    println!(
        "match 10,000 packages, all with advisories: median {:.1} ms of {runs} ({worst_matches} matches)",
        worst_time.as_secs_f64() * 1e3
    );
}

fn version_for(ecosystem: &str, i: usize) -> String {
    let minor = i % 7;
    if ecosystem.starts_with("Debian") {
        format!("1.{minor}.0-1+deb12u1")
    } else if ecosystem.starts_with("Alpine") {
        format!("1.{minor}.0-r0")
    } else if ecosystem == "Go" {
        format!("v1.{minor}.0")
    } else {
        format!("1.{minor}.0")
    }
}
