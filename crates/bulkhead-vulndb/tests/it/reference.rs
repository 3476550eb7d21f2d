//! Our matcher against an independent reference: `tests/reference/reference_matcher.py`,
//! written from the OSV specification's evaluation algorithm, with each ecosystem's own
//! comparator (`packaging` for PyPI, libapt's dpkg ordering for Debian, node-semver for npm)
//! and its own reading of the feed files.
//!
//! Both sides get the real feeds in `../shared/vulndata` (Debian OSV, the PyPA database, GHSA
//! npm). The queries are derived from the data: every event version of every affected package
//! (Debian: only `Debian:12`) and versions just around it, a few listed versions, and the
//! packages of the demo image `webapp-oci`, sampled with a seeded generator to a few tens of
//! thousands. For every query our `Database::matches` must name exactly the advisories the
//! reference names, and warn about every advisory the reference could not evaluate. Where the
//! spec or the data is ambiguous (events at the same version, npm names in two cases,
//! `introduced: 0` against a version the comparator rejects), the reference says in a comment
//! what it decides and why.

// The counts and timings printed are the test's report (shown with `--nocapture` or on failure).
#![allow(clippy::print_stderr)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use bulkhead_test::{require_tool, shared_dir, workspace_root};
use bulkhead_vulndb::{Database, PackageQuery, Writer};
use serde_json::{Value, json};

/// The feeds both sides read, and the ecosystems queried from each.
const FEEDS: &[&str] = &["debian-osv", "pypa-advisory-database", "ghsa-npm"];
const ECOSYSTEMS: &[&str] = &["Debian:12", "PyPI", "npm"];
/// Queries sampled per ecosystem (the demo image's packages come on top).
const PER_ECOSYSTEM: usize = 12_000;

#[test]
fn matches_agree_with_the_osv_reference() {
    let started = Instant::now();
    let vulndata = shared_dir().join("vulndata");
    let feeds: Vec<PathBuf> = FEEDS.iter().map(|f| vulndata.join(f)).collect();

    // Our side: import the feeds into a fresh database.
    let dir = tempfile::tempdir().unwrap();
    let mut writer = Writer::create(&dir.path().join("reference.db")).unwrap();
    let stats = bulkhead_vulndb::import::import_paths(&mut writer, &feeds, &mut |_| {}).unwrap();
    let db = Database::open(&writer.finish("2026-01-01T00:00:00Z").unwrap()).unwrap();
    assert!(
        stats.failed.is_empty(),
        "files failed to import: {:?}",
        stats.failed
    );
    let imported = started.elapsed();

    let phase = Instant::now();
    let queries = queries(&feeds);
    let generated = phase.elapsed();

    // The reference runs while we match.
    let phase = Instant::now();
    let reference = start_reference(&feeds, &queries);
    let ours: Vec<(BTreeSet<String>, Vec<String>)> = queries
        .iter()
        .map(|q| {
            let lookup = db
                .matches(q)
                .unwrap_or_else(|e| panic!("matching {q:?}: {e}"));
            let ids = lookup.matches.into_iter().map(|m| m.advisory.id).collect();
            (ids, lookup.warnings)
        })
        .collect();
    let matching = phase.elapsed();
    let expected = finish_reference(reference, queries.len());

    let mut disagreements = Vec::new();
    let mut hits: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let (mut undecided, mut silent) = (0, Vec::new());
    for ((query, (ours, warnings)), (reference, unsure)) in queries.iter().zip(&ours).zip(&expected)
    {
        let counts = hits.entry(query.ecosystem.as_str()).or_default();
        counts.0 += 1;
        counts.1 += usize::from(!reference.is_empty());
        undecided += usize::from(!unsure.is_empty());
        for id in unsure {
            if !warnings.iter().any(|w| w.contains(id.as_str())) {
                silent.push(format!(
                    "{} {} {}: {id}",
                    query.ecosystem, query.name, query.version
                ));
            }
        }
        if ours != reference {
            disagreements.push(format!(
                "{} {} {}:\n    only ours: {:?}\n    only reference: {:?}\n    ours: {ours:?}\n    reference: {reference:?}",
                query.ecosystem,
                query.name,
                query.version,
                ours.difference(reference).collect::<Vec<_>>(),
                reference.difference(ours).collect::<Vec<_>>(),
            ));
        }
    }
    eprintln!(
        "{} queries (per ecosystem: queries, with a match): {hits:?}; {undecided} with advisories \
         the reference could not evaluate; import {imported:.1?}, generating queries \
         {generated:.1?}, matching {matching:.1?}, total {:.1?}",
        queries.len(),
        started.elapsed(),
    );
    assert!(
        disagreements.is_empty(),
        "{} of {} queries disagree with the OSV reference; the first 20:\n{}",
        disagreements.len(),
        queries.len(),
        disagreements
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // What the reference cannot evaluate (a version its comparator rejects, such as GHSA's
    // `introduced: 1.90` for npm), we must not pass over silently either.
    assert!(
        silent.is_empty(),
        "{} advisories the reference could not evaluate were skipped without a warning; the \
         first 20:\n{}",
        silent.len(),
        silent
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Not vacuous: every ecosystem has many queries that do match.
    let matched: usize = hits.values().map(|c| c.1).sum();
    assert!(matched > 1000, "only {matched} queries match anything");
    for ecosystem in ECOSYSTEMS {
        let (_, with_match) = hits.get(ecosystem).copied().unwrap_or_default();
        assert!(
            with_match > 300,
            "only {with_match} {ecosystem} queries match"
        );
    }
}

// ---- The queries ----

/// Every queried package's seed versions (event versions and some listed ones), turned into
/// queries with versions around them, sampled per ecosystem, plus the demo image's packages.
fn queries(feeds: &[PathBuf]) -> Vec<PackageQuery> {
    let mut seeds: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for feed in feeds {
        for path in files(feed) {
            let Some(record) = read_record(&path) else {
                continue;
            };
            collect_seeds(&record, &mut seeds);
        }
    }
    let mut per_ecosystem: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for ((ecosystem, name), versions) in &seeds {
        let around: fn(&str) -> Vec<String> = match ecosystem.as_str() {
            "Debian:12" => debian_around,
            "PyPI" => pypi_around,
            _ => npm_around,
        };
        for version in versions {
            for v in around(version) {
                per_ecosystem
                    .entry(ecosystem.clone())
                    .or_default()
                    .insert((name.clone(), v));
            }
        }
    }
    let mut rng = Rng(0x0b01_dface);
    let mut out = Vec::new();
    for (ecosystem, candidates) in per_ecosystem {
        eprintln!(
            "{ecosystem}: {} packages, {} candidate queries",
            seeds.keys().filter(|(e, _)| *e == ecosystem).count(),
            candidates.len()
        );
        let mut candidates: Vec<_> = candidates.into_iter().collect();
        // A seeded partial Fisher-Yates shuffle keeps the sample the same on every run.
        let keep = candidates.len().min(PER_ECOSYSTEM);
        for i in 0..keep {
            let j = i + rng.below(candidates.len() - i);
            candidates.swap(i, j);
        }
        candidates.truncate(keep);
        candidates.sort();
        out.extend(candidates.into_iter().map(|(name, version)| PackageQuery {
            ecosystem: ecosystem.clone(),
            name,
            version,
        }));
    }
    out.extend(image_queries());
    out
}

/// The seed versions of one record's affected packages in the queried ecosystems.
fn collect_seeds(record: &Value, seeds: &mut BTreeMap<(String, String), BTreeSet<String>>) {
    for affected in record["affected"].as_array().into_iter().flatten() {
        let package = &affected["package"];
        let (Some(ecosystem), Some(name)) =
            (package["ecosystem"].as_str(), package["name"].as_str())
        else {
            continue;
        };
        if !ECOSYSTEMS.contains(&ecosystem) {
            continue;
        }
        let entry = seeds
            .entry((ecosystem.to_owned(), name.to_owned()))
            .or_default();
        for range in affected["ranges"].as_array().into_iter().flatten() {
            // GIT ranges hold commit hashes, not versions.
            if !matches!(range["type"].as_str(), Some("ECOSYSTEM" | "SEMVER")) {
                continue;
            }
            for event in range["events"].as_array().into_iter().flatten() {
                for version in event.as_object().into_iter().flat_map(|e| e.values()) {
                    let version = scalar(version);
                    if version != "0" && version != "*" && !version.is_empty() {
                        entry.insert(version);
                    }
                }
            }
        }
        // A few listed versions: the first, the middle and the last.
        let listed = affected["versions"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        if let (Some(first), Some(last)) = (listed.first(), listed.last()) {
            entry.insert(scalar(first));
            entry.insert(scalar(&listed[listed.len() / 2]));
            entry.insert(scalar(last));
        }
    }
}

/// The demo image's Debian, PyPI and npm packages, queried as the scanner queries them.
#[cfg(feature = "inventory")]
fn image_queries() -> Vec<PackageQuery> {
    let layout = shared_dir().join("images/webapp-oci");
    let image = bulkhead_image::Image::open(
        &bulkhead_image::ImageSource::parse(&format!("oci:{}:webapp", layout.display())).unwrap(),
        &bulkhead_image::OpenOptions::default(),
    )
    .unwrap();
    let inventory = bulkhead_inventory::catalog(
        &image.read_layers().unwrap(),
        &bulkhead_inventory::Options::default(),
    )
    .unwrap();
    let queries: Vec<PackageQuery> = bulkhead_vulndb::inventory_queries(&inventory)
        .into_iter()
        .filter_map(|origin| match origin {
            bulkhead_vulndb::QueryOrigin::Query(q)
                if ECOSYSTEMS.contains(&q.ecosystem.as_str()) =>
            {
                Some(q)
            }
            _ => None,
        })
        .collect();
    eprintln!("{} queries from the demo image", queries.len());
    assert!(
        queries.len() > 150,
        "only {} queries from the demo image",
        queries.len()
    );
    queries
}

#[cfg(not(feature = "inventory"))]
fn image_queries() -> Vec<PackageQuery> {
    Vec::new()
}

/// `v`, just below it (`~`), just above it (`+b1`, a binNMU), and its last number ±1.
fn debian_around(v: &str) -> Vec<String> {
    let mut out = vec![v.to_owned(), format!("{v}~"), format!("{v}+b1")];
    out.extend(bump_last_number(v));
    out
}

/// `v`, a post-release, a release candidate of it, and the release before and after it.
fn pypi_around(v: &str) -> Vec<String> {
    let mut out = vec![v.to_owned(), format!("{v}.post1")];
    if v.ends_with(|c: char| c.is_ascii_digit()) {
        out.push(format!("{v}rc1"));
    }
    // The release segment alone (`1.2.3` of `1.2.3rc1`), and its last number ±1.
    let release: String = v
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let release = release.trim_end_matches('.');
    if !release.is_empty() {
        out.push(release.to_owned());
        out.extend(bump_last_number(release));
    }
    out
}

/// `v`, a pre-release of it, and the patch version before and after it.
fn npm_around(v: &str) -> Vec<String> {
    let mut out = vec![v.to_owned()];
    if !v.contains(['-', '+']) {
        out.push(format!("{v}-rc.1"));
    }
    let core = v.split(['-', '+']).next().unwrap_or(v);
    let parts: Vec<&str> = core.split('.').collect();
    if let [major, minor, patch] = parts[..]
        && let Ok(patch) = patch.parse::<u64>()
    {
        out.push(format!("{major}.{minor}.{}", patch + 1));
        if patch > 0 {
            out.push(format!("{major}.{minor}.{}", patch - 1));
        }
    }
    out
}

/// `v` with its last run of digits plus one and (if not 0) minus one.
fn bump_last_number(v: &str) -> Vec<String> {
    let Some(end) = v.rfind(|c: char| c.is_ascii_digit()).map(|i| i + 1) else {
        return Vec::new();
    };
    let start = v[..end]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    let Ok(n) = v[start..end].parse::<u64>() else {
        return Vec::new();
    };
    let with = |m: u64| format!("{}{m}{}", &v[..start], &v[end..]);
    let mut out = vec![with(n + 1)];
    if n > 0 {
        out.push(with(n - 1));
    }
    out
}

// ---- Reading the feeds (only to derive versions; the reference has its own loader) ----

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(dir) = todo.pop() {
        for entry in fs_err::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "json" || e == "yaml" || e == "yml")
            {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn read_record(path: &Path) -> Option<Value> {
    let bytes = fs_err::read(path).unwrap();
    let value: Value = if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_slice(&bytes).ok()?
    } else {
        serde_yaml_ng::from_slice(&bytes).ok()?
    };
    value.get("affected").is_some().then_some(value)
}

/// A version as text, whatever scalar type the file gave it.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

// ---- The reference process ----

fn start_reference(feeds: &[PathBuf], queries: &[PackageQuery]) -> std::process::Child {
    let python = bulkhead_test::python_venv().join("bin/python");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/reference_matcher.py");
    let node = require_tool("node", "nodejs");
    let semver = workspace_root().join("target/node-tools/node_modules/semver");
    assert!(
        semver.join("package.json").is_file(),
        "node-semver is missing at `{}`: install it with `npm install --prefix target/node-tools semver@7` (as .ci/run does)",
        semver.display()
    );
    let request = json!({
        "feeds": feeds,
        "node": node,
        "semver": semver,
        "queries": queries
            .iter()
            .map(|q| json!({"ecosystem": q.ecosystem, "name": q.name, "version": q.version}))
            .collect::<Vec<_>>(),
    });
    let mut child = Command::new(&python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    // The reference reads all of its input before it writes anything.
    let mut stdin = child.stdin.take().unwrap();
    serde_json::to_writer(&mut stdin, &request).unwrap();
    stdin.flush().unwrap();
    drop(stdin);
    child
}

/// The reference's answer per query: (affected ids, ids it could not evaluate).
fn finish_reference(
    child: std::process::Child,
    expected: usize,
) -> Vec<(BTreeSet<String>, BTreeSet<String>)> {
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the reference matcher failed ({}); install what it needs with .ci/run \
         (python3-apt, and PyYAML and packaging in target/py-venv):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = out.stdout;
    let answer: Value = serde_json::from_slice(&stdout).unwrap();
    let ids = |v: &Value| -> BTreeSet<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|id| id.as_str().unwrap().to_owned())
            .collect()
    };
    let results: Vec<_> = answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (ids(&r["affected"]), ids(&r["undecided"])))
        .collect();
    assert_eq!(
        results.len(),
        expected,
        "the reference answered too few queries"
    );
    eprintln!("reference loaded: {}", answer["stats"]);
    results
}

/// SplitMix64: a seeded generator, so every run samples the same queries.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap()
    }
}
