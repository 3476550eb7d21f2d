//! Hostile advisory feeds. Each case is written into a temporary directory beside a good
//! advisory and imported the way `bulkhead db import` does it. A broken file must be counted in
//! `stats.failed` with a reason that names the problem, a non-advisory file must be counted as
//! skipped, the good advisory must still be imported, and the import as a whole must succeed.
//! Version strings that no feed should contain (100 KB, 10,000 dots) must get an answer or a
//! warning from `Database::matches`, not a panic or a hang.
//!
//! Cases that could exhaust memory run in a child process (this test binary again, filtered to
//! the one test) with its address space capped. A regression then fails one test; it does not
//! kill the whole run or the CI machine.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use bulkhead_version::{Scheme, compare};
use bulkhead_vulndb::import::{self, ImportStats, MAX_FILE_SIZE};
use bulkhead_vulndb::{Database, Lookup, PackageQuery, Writer};
use serde_json::json;
use tempfile::TempDir;

/// An advisory that every case puts beside its hostile files: `goodpkg` before 2.0 on PyPI.
fn good(id: &str) -> String {
    osv(
        id,
        "PyPI",
        "goodpkg",
        &json!([{"introduced": "0"}, {"fixed": "2.0"}]),
    )
}

/// An OSV record with one affected package and one `ECOSYSTEM` range.
fn osv(id: &str, ecosystem: &str, name: &str, events: &serde_json::Value) -> String {
    json!({
        "id": id,
        "modified": "2026-01-01T00:00:00Z",
        "affected": [{
            "package": {"ecosystem": ecosystem, "name": name},
            "ranges": [{"type": "ECOSYSTEM", "events": events}],
        }],
    })
    .to_string()
}

fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs_err::create_dir_all(parent).unwrap();
    }
    fs_err::write(&path, contents).unwrap();
    path
}

/// An import's outcome and the database it built (kept in its own directory, apart from the
/// feed, so the writer's temporary file is never part of what is imported).
struct Imported {
    stats: ImportStats,
    db: Database,
    _dir: TempDir,
}

fn import(paths: &[PathBuf]) -> Imported {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("vuln.db");
    let mut writer = Writer::create(&dest).unwrap();
    let stats = import::import_paths(&mut writer, paths, &mut |_| {})
        .expect("a hostile file must not fail the import as a whole");
    writer.finish("2026-01-01T00:00:00Z").unwrap();
    let db = Database::open(&dest).unwrap();
    Imported {
        stats,
        db,
        _dir: dir,
    }
}

/// The reason recorded for the one failed file whose name ends with `suffix`.
fn failure<'a>(stats: &'a ImportStats, suffix: &str) -> &'a str {
    let hits: Vec<&(String, String)> = stats
        .failed
        .iter()
        .filter(|(path, _)| path.ends_with(suffix))
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "expected `{suffix}` among the failed files: {:?}",
        stats.failed
    );
    &hits[0].1
}

fn lookup(db: &Database, ecosystem: &str, name: &str, version: &str) -> Lookup {
    db.matches(&PackageQuery {
        ecosystem: ecosystem.into(),
        name: name.into(),
        version: version.into(),
    })
    .unwrap()
}

fn matched_ids(lookup: &Lookup) -> Vec<&str> {
    lookup
        .matches
        .iter()
        .map(|m| m.advisory.id.as_str())
        .collect()
}

fn assert_good_imported(db: &Database, id: &str) {
    let found = lookup(db, "PyPI", "goodpkg", "1.0");
    assert!(
        matched_ids(&found).contains(&id),
        "the good advisory `{id}` beside the hostile files was not imported: {found:?}"
    );
}

/// Runs `f` on another thread and fails the test if it takes longer than `limit`: a hang
/// becomes a failure with a message instead of a stuck CI job.
fn within<T: Send + 'static>(
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(value) => {
            worker.join().unwrap();
            value
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what} did not finish within {limit:?} (a hang?)")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(worker.join().unwrap_err())
        }
    }
}

/// Set in the child process that [`capped`] starts.
const CHILD_ENV: &str = "BULKHEAD_HOSTILE_CAPPED_CHILD";

/// Runs `body` in a child process (this binary, filtered to `test`) whose address space is
/// capped at `limit_mib` and which is killed after `timeout`; panics if the child fails, with
/// its output. In the child itself, just runs `body`.
fn capped(test: &str, limit_mib: u64, timeout: Duration, body: impl FnOnce()) {
    if std::env::var_os(CHILD_ENV).is_some() {
        body();
        return;
    }
    let test = format!("hostile::{test}");
    let logs = tempfile::tempdir().unwrap();
    let stdout = fs_err::File::create(logs.path().join("stdout")).unwrap();
    let stderr = fs_err::File::create(logs.path().join("stderr")).unwrap();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {} && exec \"$0\" \"$@\"",
            limit_mib * 1024
        ))
        .arg(std::env::current_exe().unwrap())
        .args([test.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .stdout(stdout.into_file())
        .stderr(stderr.into_file())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > timeout {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = fs_err::read_to_string(logs.path().join("stdout")).unwrap_or_default();
    let err = fs_err::read_to_string(logs.path().join("stderr")).unwrap_or_default();
    match status {
        Some(s) if s.success() && out.contains("1 passed") => {}
        Some(s) => panic!(
            "`{test}` failed in a child capped at {limit_mib} MiB of address space ({s}):\n{out}\n{err}"
        ),
        None => panic!(
            "`{test}` did not finish within {timeout:?} in a child capped at {limit_mib} MiB:\n{out}\n{err}"
        ),
    }
}

#[test]
fn osv_with_wrong_types_fails_only_that_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "good.json", good("GOOD-1"));
    write(
        d,
        "id_number.json",
        r#"{"id": 12345, "modified": "2026-01-01T00:00:00Z", "affected": []}"#,
    );
    write(
        d,
        "affected_object.json",
        r#"{"id": "BAD-2", "affected": {"package": {"ecosystem": "PyPI", "name": "x"}}}"#,
    );
    write(
        d,
        "events_string.json",
        r#"{"id": "BAD-3", "affected": [{"package": {"ecosystem": "PyPI", "name": "x"},
            "ranges": [{"type": "ECOSYSTEM", "events": "introduced 0, fixed 2.0"}]}]}"#,
    );
    let imported = import(&[d.to_owned()]);
    let stats = &imported.stats;
    assert_eq!(stats.failed.len(), 3, "{stats:?}");
    assert_eq!(stats.advisories, 1, "{stats:?}");
    // The reasons are serde's: the wrong type, the expected one, and where.
    let reason = failure(stats, "id_number.json");
    assert!(
        reason.contains("invalid type: integer `12345`, expected a string")
            && reason.contains("line 1"),
        "{reason}"
    );
    let reason = failure(stats, "affected_object.json");
    assert!(
        reason.contains("invalid type: map, expected a sequence"),
        "{reason}"
    );
    let reason = failure(stats, "events_string.json");
    assert!(
        reason.contains("invalid type: string \"introduced 0, fixed 2.0\", expected a sequence"),
        "{reason}"
    );
    assert_good_imported(&imported.db, "GOOD-1");
}

/// A record in an advisory format whose JSON has a syntax error is a failed file, as the
/// `import` module documents ("files that are one of these but broken are counted as failed"):
/// a truncated OSV file must not silently vanish as "not an advisory". (This once happened:
/// the format sniffing read no keys from broken JSON and skipped the file.)
#[test]
fn syntactically_broken_osv_json_is_failed_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "good.json", good("GOOD-1"));
    let mut truncated = good("TRUNC-1");
    truncated.truncate(truncated.len() / 2);
    write(d, "truncated.json", &truncated);
    write(
        d,
        "missing_comma.json",
        r#"{"id": "COMMA-1", "modified": "2026-01-01T00:00:00Z" "affected": []}"#,
    );
    write(
        d,
        "trailing_comma.json",
        r#"{"id": "TRAIL-1", "modified": "2026-01-01T00:00:00Z", "affected": [],}"#,
    );
    let imported = import(&[d.to_owned()]);
    let stats = &imported.stats;
    assert_good_imported(&imported.db, "GOOD-1");
    assert!(
        failure(stats, "truncated.json").contains("EOF"),
        "{stats:?}"
    );
    assert!(
        failure(stats, "missing_comma.json").contains("expected `,` or `}`"),
        "{stats:?}"
    );
    assert!(
        failure(stats, "trailing_comma.json").contains("trailing comma"),
        "{stats:?}"
    );
    assert_eq!(stats.skipped, 0, "{stats:?}");
}

/// 10,000-deep nesting, bytes that are not UTF-8 and empty files. Nesting and bad bytes in an
/// advisory are failed files; empty files and binary noise are no advisory format: skipped.
#[test]
fn deep_nesting_bad_bytes_and_empty_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "good.json", good("GOOD-1"));
    let open = "[".repeat(10_000);
    let close = "]".repeat(10_000);
    // In a free-form field (read into a `serde_json::Value`), and where the record's own
    // fields are.
    write(
        d,
        "deep.json",
        format!(
            r#"{{"id": "DEEP-1", "modified": "2026-01-01T00:00:00Z", "affected": [], "database_specific": {open}1{close}}}"#
        ),
    );
    write(
        d,
        "deep_affected.json",
        format!(r#"{{"id": "DEEP-2", "affected": {open}{close}}}"#),
    );
    write(
        d,
        "deep.yaml",
        format!("id: DEEP-3\naffected: []\ndatabase_specific: {open}1{close}\n"),
    );
    write(
        d,
        "deep_affected.yaml",
        format!("id: DEEP-4\naffected: {open}1{close}\n"),
    );
    // Latin-1 inside a JSON string; a raw 0xFF in a YAML advisory.
    let mut latin1 =
        br#"{"id": "LATIN-1", "modified": "2026-01-01T00:00:00Z", "summary": "caf"#.to_vec();
    latin1.extend_from_slice(b"\xe9 \xff\xfe\", \"affected\": []}");
    write(d, "latin1.json", latin1);
    write(d, "noise.yaml", b"id: NOISE-1\naffected: \xff\xfe\x00[]\n");
    // Binary noise and empty files under advisory names.
    write(d, "noise.json", b"\xff\xfe\x00\x01{\"id\"\x80\x81");
    write(d, "empty.json", b"");
    write(d, "empty.yaml", b"");
    write(d, "empty.yml", b"");

    let imported = import(&[d.to_owned()]);
    let stats = &imported.stats;
    assert_good_imported(&imported.db, "GOOD-1");
    assert_eq!(
        (
            stats.files,
            stats.advisories,
            stats.skipped,
            stats.failed.len()
        ),
        (11, 1, 3, 7),
        "{stats:?}"
    );
    let expect = [
        ("deep.json", "recursion limit exceeded"),
        ("deep_affected.json", "invalid type: sequence"),
        ("deep.yaml", "recursion limit exceeded"),
        ("deep_affected.yaml", "recursion limit exceeded"),
        ("latin1.json", "invalid unicode code point"),
        ("noise.yaml", "unprintable character"),
        // A `.json` file that is not JSON at all is a broken advisory, not "something else".
        ("noise.json", "expected value"),
    ];
    for (file, problem) in expect {
        let reason = failure(stats, file);
        assert!(reason.contains(problem), "{file}: {reason}");
    }
}

#[test]
fn a_million_listed_versions() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "good.json", good("GOOD-1"));
    let versions: Vec<String> = (0..1_000_000)
        .map(|i| format!("1.{}.{}", i / 1000, i % 1000))
        .collect();
    let record = json!({
        "id": "MANY-1",
        "modified": "2026-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "many"}, "versions": versions}],
    })
    .to_string();
    assert!(record.len() as u64 <= MAX_FILE_SIZE, "{}", record.len());
    write(d, "many.json", record);
    let imported = within(
        Duration::from_secs(300),
        "importing a million versions",
        move || {
            let imported = import(&[dir.path().to_owned()]);
            (imported, dir)
        },
    )
    .0;
    assert!(imported.stats.failed.is_empty(), "{:?}", imported.stats);
    assert_eq!(imported.stats.advisories, 2);
    assert_good_imported(&imported.db, "GOOD-1");
    let db = &imported.db;
    assert_eq!(
        matched_ids(&lookup(db, "PyPI", "many", "1.0.0")),
        ["MANY-1"]
    );
    assert_eq!(
        matched_ids(&lookup(db, "PyPI", "many", "1.999.999")),
        ["MANY-1"]
    );
    assert!(lookup(db, "PyPI", "many", "1.999.9999").matches.is_empty());
    assert!(lookup(db, "PyPI", "many", "2.0.0").matches.is_empty());
}

/// An advisory of exactly [`MAX_FILE_SIZE`] bytes (versions listed up to the cap) is read; one
/// byte more is refused with the cap in the reason.
#[test]
fn the_file_size_cap_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "good.json", good("GOOD-1"));
    let cap = usize::try_from(MAX_FILE_SIZE).unwrap();
    let head = r#"{"id": "CAP-1", "modified": "2026-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "capped"}, "versions": ["#;
    let tail = "]}]}";
    let mut at_cap = String::with_capacity(cap + 1);
    at_cap.push_str(head);
    let mut listed = 0u64;
    loop {
        let entry = format!(
            "{}\"3.{}.{}\"",
            if listed == 0 { "" } else { "," },
            listed / 1000,
            listed % 1000
        );
        if at_cap.len() + entry.len() + tail.len() > cap {
            break;
        }
        at_cap.push_str(&entry);
        listed += 1;
    }
    at_cap.push_str(tail);
    // Whitespace after the document makes it exactly the cap.
    at_cap.push_str(&" ".repeat(cap - at_cap.len()));
    assert_eq!(at_cap.len(), cap);
    let over_cap = format!("{} ", at_cap.replacen("CAP-1", "CAP-2", 1));
    write(d, "at_cap.json", &at_cap);
    write(d, "over_cap.json", &over_cap);
    drop((at_cap, over_cap));
    let imported = within(
        Duration::from_secs(300),
        "importing 32 MiB advisories",
        move || {
            let imported = import(&[dir.path().to_owned()]);
            (imported, dir)
        },
    )
    .0;
    let stats = &imported.stats;
    assert_eq!(stats.advisories, 2, "{stats:?}");
    assert_eq!(
        failure(stats, "over_cap.json"),
        format!("larger than {MAX_FILE_SIZE} bytes")
    );
    assert_good_imported(&imported.db, "GOOD-1");
    let last = format!("3.{}.{}", (listed - 1) / 1000, (listed - 1) % 1000);
    assert_eq!(
        matched_ids(&lookup(&imported.db, "PyPI", "capped", &last)),
        ["CAP-1"]
    );
}

/// Ranges no correct feed writes. They import (the file is well-formed OSV) and are
/// evaluated as the OSV specification says, or skipped with a warning when a version does not
/// parse.
#[test]
fn bad_ranges_import_and_answer() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "good.json", good("GOOD-1"));
    let cases = [
        (
            "BACKWARDS-1",
            "backwards",
            json!([{"introduced": "2.0"}, {"fixed": "1.0"}]),
        ),
        (
            "UNPARSABLE-1",
            "unparsable",
            json!([{"introduced": "banana!!"}, {"fixed": "@@@"}]),
        ),
        ("LIMIT-1", "limit-only", json!([{"limit": "3.0"}])),
        ("EMPTY-1", "empty-events", json!([])),
        ("NULL-1", "null-events", serde_json::Value::Null),
        ("BLANK-1", "blank-event", json!([{}, {"introduced": null}])),
    ];
    for (id, name, events) in &cases {
        write(d, &format!("{name}.json"), osv(id, "PyPI", name, events));
    }
    let imported = import(&[d.to_owned()]);
    assert!(imported.stats.failed.is_empty(), "{:?}", imported.stats);
    assert_eq!(imported.stats.advisories, 1 + cases.len() as u64);
    assert_good_imported(&imported.db, "GOOD-1");
    let db = &imported.db;

    // OSV sorts events by version: fixed 1.0, then introduced 2.0, so 2.0 and later are
    // affected, with no fix known, and nothing below.
    assert!(lookup(db, "PyPI", "backwards", "1.5").matches.is_empty());
    let later = lookup(db, "PyPI", "backwards", "2.5");
    assert_eq!(matched_ids(&later), ["BACKWARDS-1"]);
    assert_eq!(later.matches[0].fixed_version, None);

    let unparsable = lookup(db, "PyPI", "unparsable", "1.0");
    assert!(unparsable.matches.is_empty(), "{unparsable:?}");
    assert_eq!(unparsable.warnings.len(), 1, "{unparsable:?}");
    assert!(
        unparsable.warnings[0].contains("UNPARSABLE-1")
            && unparsable.warnings[0].contains("banana!!"),
        "{unparsable:?}"
    );

    for name in ["limit-only", "empty-events", "null-events", "blank-event"] {
        let found = lookup(db, "PyPI", name, "1.0");
        assert_eq!(found, Lookup::default(), "{name}");
    }
    // An installed version that does not parse is a warning, never a panic.
    let bad_query = lookup(db, "PyPI", "backwards", "not a version");
    assert!(bad_query.matches.is_empty());
    assert_eq!(bad_query.warnings.len(), 1, "{bad_query:?}");
}

/// A package per ecosystem whose advisory's events carry 100 KB versions, queried with 100 KB
/// versions too: every lookup answers (a match, no match, or a warning), and promptly.
#[test]
fn huge_versions_in_events_and_queries() {
    let ecosystems = [
        "Debian:12",
        "Alpine:v3.20",
        "Red Hat",
        "PyPI",
        "npm",
        "crates.io",
        "Go",
        "Maven",
        "RubyGems",
        "NuGet",
        "Packagist",
    ];
    let numeric = format!("1.0.{}", "7".repeat(100_000));
    let dotted = format!("1{}", ".1".repeat(50_000));
    let alpha = format!("1.0.0-{}", "a".repeat(100_000));
    let huge = [numeric, dotted, alpha];

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "good.json", good("GOOD-1"));
    for (i, ecosystem) in ecosystems.iter().enumerate() {
        for (j, v) in huge.iter().enumerate() {
            let events =
                json!([{"introduced": v}, {"fixed": format!("{v}9")}, {"last_affected": v}]);
            write(
                d,
                &format!("huge-{i}-{j}.json"),
                osv(&format!("HUGE-{i}-{j}"), ecosystem, "huge", &events),
            );
        }
    }
    let paths = vec![d.to_owned()];
    let (imported, _dir) = within(
        Duration::from_secs(120),
        "importing 100 KB versions",
        move || (import(&paths), dir),
    );
    assert!(imported.stats.failed.is_empty(), "{:?}", imported.stats);
    assert_eq!(imported.stats.advisories, 1 + 3 * ecosystems.len() as u64);
    let mut queries: Vec<String> = huge.to_vec();
    queries.extend(["1.0".into(), "1.0.0".into(), "v1.0.0".into(), "0".into()]);
    within(
        Duration::from_secs(300),
        "matching 100 KB versions",
        move || {
            for ecosystem in ecosystems {
                for version in &queries {
                    // A match, no match or a warning: all fine; a panic or a hang is not.
                    let found = lookup(&imported.db, ecosystem, "huge", version);
                    assert!(
                        found.matches.len() + found.warnings.len() <= 3,
                        "{ecosystem}"
                    );
                }
            }
            assert_good_imported(&imported.db, "GOOD-1");
        },
    );
}

/// Every scheme orders absurd versions without panicking, promptly, and consistently:
/// `compare(a, a)` is `Equal` and `compare(a, b)` reverses `compare(b, a)` whenever they
/// succeed; where a scheme accepts two versions that differ only in their last digit, the
/// larger one is greater (except where the scheme's reference saturates huge numbers).
#[test]
fn every_scheme_survives_absurd_versions() {
    // `Scheme` is non-exhaustive: add new schemes here.
    const SCHEMES: [Scheme; 11] = [
        Scheme::Dpkg,
        Scheme::Rpm,
        Scheme::Apk,
        Scheme::Pep440,
        Scheme::Npm,
        Scheme::Cargo,
        Scheme::Go,
        Scheme::Maven,
        Scheme::RubyGems,
        Scheme::NuGet,
        Scheme::Composer,
    ];
    let digits = "1".repeat(100_000);
    let dots = "1.".repeat(10_000);
    // (smaller, larger) pairs that differ only at the end.
    let pairs: Vec<(String, String)> = vec![
        (format!("{digits}1"), format!("{digits}2")),
        (format!("1.0.{digits}1"), format!("1.0.{digits}2")),
        (format!("v1.0.{digits}1"), format!("v1.0.{digits}2")),
        (format!("{dots}1"), format!("{dots}2")),
        (format!("v{dots}1"), format!("v{dots}2")),
        (format!("1.0.0-{dots}1"), format!("1.0.0-{dots}2")),
        (
            format!("1.0.0-{}1", "a".repeat(100_000)),
            format!("1.0.0-{}2", "a".repeat(100_000)),
        ),
    ];
    let odd: Vec<String> = vec![
        ".".repeat(10_000),
        "-".repeat(100_000),
        "~".repeat(100_000),
        "+".repeat(100_000),
        "0".repeat(100_000),
        format!("{}:1", "9".repeat(100_000)),
        format!("1-{}", "9".repeat(100_000)),
        "1.0".into(),
        String::new(),
    ];
    within(
        Duration::from_secs(300),
        "comparing absurd versions",
        move || {
            for scheme in SCHEMES {
                for (smaller, larger) in &pairs {
                    if let Ok(order) = compare(scheme, smaller, larger) {
                        // Composer orders as PHP's `version_compare`, whose `strtol` saturates
                        // numbers above `i64::MAX`: 100,000-digit numbers may compare equal.
                        let saturates = scheme == Scheme::Composer && smaller.contains(&digits);
                        assert!(
                            order.is_lt() || (saturates && order.is_eq()),
                            "{scheme:?}: {}… vs {}…: {order:?}",
                            &smaller[..20],
                            &larger[..20]
                        );
                    }
                }
                let all: Vec<&String> =
                    pairs.iter().flat_map(|(a, b)| [a, b]).chain(&odd).collect();
                for a in &all {
                    if let Ok(order) = compare(scheme, a, a) {
                        assert!(
                            order.is_eq(),
                            "{scheme:?}: a {}-byte version against itself: {order:?}",
                            a.len()
                        );
                    }
                    for b in &all {
                        if let (Ok(ab), Ok(ba)) = (compare(scheme, a, b), compare(scheme, b, a)) {
                            assert_eq!(
                                ab,
                                ba.reverse(),
                                "{scheme:?}: {} vs {} bytes",
                                a.len(),
                                b.len()
                            );
                        }
                    }
                }
            }
        },
    );
}

/// `item` `n` times, comma-separated (a YAML flow sequence's inside).
fn repeat(item: &str, n: usize) -> String {
    std::iter::repeat_n(item, n).collect::<Vec<_>>().join(",")
}

fn yaml_bomb_import(name: &str, yaml: &str) -> ImportStats {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "good.yaml",
        "id: GOOD-Y\nmodified: '2026-01-01T00:00:00Z'\naffected:\n  - package: {ecosystem: PyPI, name: goodpkg}\n    ranges: [{type: ECOSYSTEM, events: [{introduced: '0'}, {fixed: '2.0'}]}]\n",
    );
    write(dir.path(), name, yaml);
    let imported = import(&[dir.path().to_owned()]);
    assert_good_imported(&imported.db, "GOOD-Y");
    imported.stats
}

/// The classic billion laughs: nine levels of ten aliases each (10^9 strings) in a 500-byte
/// OSV YAML file. serde_yaml_ng's repetition limit refuses it.
#[test]
fn yaml_billion_laughs_is_refused() {
    capped(
        "yaml_billion_laughs_is_refused",
        4096,
        Duration::from_secs(120),
        || {
            let mut yaml = String::from(
                "id: LAUGHS-1\nmodified: '2026-01-01T00:00:00Z'\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
            );
            let levels = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
            for pair in levels.windows(2) {
                let (prev, name) = (pair[0], pair[1]);
                writeln!(
                    yaml,
                    "{name}: &{name} [{}]",
                    repeat(&format!("*{prev}"), 10)
                )
                .unwrap();
            }
            yaml.push_str("database_specific: {laughs: *i}\naffected:\n  - package: {ecosystem: PyPI, name: laughs}\n    versions: *i\n");
            let stats = yaml_bomb_import("laughs.yaml", &yaml);
            let reason = failure(&stats, "laughs.yaml");
            assert!(reason.contains("YAML alias at line 4"), "{reason}");
        },
    );
}

/// Aliases that stay under serde_yaml_ng's repetition limit (at most 100 alias expansions per
/// event in the document) but expand to 10^8 values or more, because each alias names a large
/// node rather than a small one. Such a file must be refused (or read within bounds) with at
/// most a few GiB of memory, like any other broken file; no real feed uses YAML aliases.
///
/// The two documents below are well under the 32 MiB file cap (25 KB and 180 KB) and pass
/// the repetition limit; before the importer refused aliases they ran until memory was
/// exhausted. They run in a child capped at 4 GiB so a regression fails instead of taking
/// the machine down.
fn yaml_alias_amplification(test: &str, name: &str, yaml: impl FnOnce() -> String) {
    capped(test, 4096, Duration::from_secs(180), || {
        let stats = yaml_bomb_import(name, &yaml());
        let reason = failure(&stats, name);
        assert!(
            reason.contains("must not use anchors and aliases"),
            "{reason}"
        );
    });
}

/// 10,000 scalars × 1,000 aliases × 1,000 aliases (10^10 values) into `database_specific`,
/// which is read into a `serde_json::Value`.
#[test]
fn yaml_alias_amplification_into_a_free_form_field() {
    yaml_alias_amplification(
        "yaml_alias_amplification_into_a_free_form_field",
        "free_form.yaml",
        || {
            let mut yaml =
                String::from("id: WIDE-1\nmodified: '2026-01-01T00:00:00Z'\naffected: []\n");
            writeln!(yaml, "a: &a [{}]", repeat("x", 10_000)).unwrap();
            writeln!(yaml, "b: &b [{}]", repeat("*a", 1_000)).unwrap();
            writeln!(yaml, "database_specific: {{x: [{}]}}", repeat("*b", 1_000)).unwrap();
            yaml
        },
    );
}

/// 20,000 affected entries, each an alias of one entry listing 20,000 versions (4·10^8
/// strings).
#[test]
fn yaml_alias_amplification_into_listed_versions() {
    yaml_alias_amplification(
        "yaml_alias_amplification_into_listed_versions",
        "listed.yaml",
        || {
            let mut yaml = String::from("id: WIDE-2\nmodified: '2026-01-01T00:00:00Z'\n");
            writeln!(yaml, "v: &v [{}]", repeat("'1.0'", 20_000)).unwrap();
            yaml.push_str("e: &e {package: {ecosystem: PyPI, name: wide}, versions: *v}\n");
            writeln!(yaml, "affected: [{}]", repeat("*e", 20_000)).unwrap();
            yaml
        },
    );
}

fn zip_with(path: &Path, members: &[(&str, &[u8])]) {
    let file = fs_err::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file.into_file());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, bytes) in members {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

/// A zip member that inflates past the per-file cap (40 MiB of JSON from about 40 KB) is
/// refused after reading at most the cap; the archive's other members are still imported.
#[test]
fn zip_bomb_member_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut bomb = good("BOMB-1").into_bytes();
    bomb.pop();
    bomb.extend_from_slice(br#", "details": ""#);
    bomb.resize(40 << 20, b'A');
    bomb.extend_from_slice(b"\"}");
    let zip_path = d.join("feed.zip");
    zip_with(
        &zip_path,
        &[
            ("feed/bomb.json", &bomb),
            ("feed/good.json", good("GOOD-1").as_bytes()),
        ],
    );
    drop(bomb);
    let size = fs_err::metadata(&zip_path).unwrap().len();
    assert!(
        size < 1 << 20,
        "the bomb should compress well: {size} bytes"
    );
    let imported = import(&[d.to_owned()]);
    let stats = &imported.stats;
    assert_eq!(
        failure(stats, "feed.zip!feed/bomb.json"),
        format!("larger than {MAX_FILE_SIZE} bytes")
    );
    assert_eq!(stats.advisories, 1, "{stats:?}");
    assert_good_imported(&imported.db, "GOOD-1");
}

/// Member names are labels: `../` and absolute names are read from the archive like any other
/// member, and nothing is written outside the database.
#[test]
fn zip_traversal_names_are_only_labels() {
    let outer = tempfile::tempdir().unwrap();
    let feed = outer.path().join("a/b/feed");
    fs_err::create_dir_all(&feed).unwrap();
    let before = listing(outer.path());
    let zip_path = feed.join("evil.zip");
    zip_with(
        &zip_path,
        &[
            ("../../escaped.json", good("GOOD-1").as_bytes()),
            ("/tmp/absolute.json", good("ABS-1").as_bytes()),
            (
                "../../../../../../../etc/passwd.yaml",
                b"root:x:0:0:root:/root:/bin/sh\n",
            ),
        ],
    );
    let imported = import(std::slice::from_ref(&feed));
    let stats = &imported.stats;
    assert!(stats.failed.is_empty(), "{stats:?}");
    assert_eq!(
        (stats.files, stats.advisories, stats.skipped),
        (3, 2, 1),
        "{stats:?}"
    );
    assert_good_imported(&imported.db, "GOOD-1");
    let mut after = listing(outer.path());
    after.retain(|p| p != &zip_path);
    assert_eq!(after, before, "the import created files");
}

fn listing(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in fs_err::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if fs_err::symlink_metadata(&path).unwrap().is_dir() {
                stack.push(path.clone());
            }
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Symlinks inside an imported directory are not followed: loops do not hang the walk, and
/// advisories reachable only through a link (inside or outside the tree) are not imported.
#[test]
fn symlinks_are_not_followed() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "outside.json", good("OUTSIDE-1"));
    write(outside.path(), "sub/deeper.json", good("OUTSIDE-2"));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "feed/good.json", good("GOOD-1"));
    symlink(".", d.join("feed/self")).unwrap();
    symlink("..", d.join("feed/parent")).unwrap();
    fs_err::create_dir_all(d.join("feed/x")).unwrap();
    symlink("../y/link", d.join("feed/x/link")).unwrap();
    fs_err::create_dir_all(d.join("feed/y")).unwrap();
    symlink("../x/link", d.join("feed/y/link")).unwrap();
    symlink(d.join("feed/loop.json"), d.join("feed/loop.json")).unwrap();
    symlink(
        outside.path().join("outside.json"),
        d.join("feed/linked.json"),
    )
    .unwrap();
    symlink(outside.path().join("sub"), d.join("feed/linked-dir")).unwrap();
    symlink("/dev/zero", d.join("feed/zero.json")).unwrap();
    let paths = vec![d.join("feed")];
    let imported = within(
        Duration::from_secs(60),
        "walking symlink loops",
        move || import(&paths),
    );
    let stats = &imported.stats;
    assert_eq!((stats.files, stats.advisories), (1, 1), "{stats:?}");
    assert!(stats.failed.is_empty(), "{stats:?}");
    // The advisories outside are for the same package: a followed link would show here.
    assert_eq!(
        matched_ids(&lookup(&imported.db, "PyPI", "goodpkg", "1.0")),
        ["GOOD-1"]
    );
}

#[test]
fn fifty_thousand_tiny_non_advisory_files_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "good.json", good("GOOD-1"));
    for i in 0..50_000 {
        let name = match i % 4 {
            0 => format!("n/{}/{i}.txt", i % 100),
            1 => format!("n/{}/{i}.json", i % 100),
            2 => format!("n/{}/{i}.yaml", i % 100),
            _ => format!("n/{}/{i}", i % 100),
        };
        let body: &[u8] = match i % 4 {
            1 => br#"{"name": "not an advisory"}"#,
            2 => b"title: not an advisory\n",
            _ => b"x",
        };
        write(d, &name, body);
    }
    let imported = within(
        Duration::from_secs(300),
        "importing 50,000 files",
        move || (import(&[dir.path().to_owned()]), dir),
    )
    .0;
    let stats = &imported.stats;
    assert_eq!(stats.files, 50_001, "{stats:?}");
    assert_eq!(stats.skipped, 50_000, "{stats:?}");
    assert_eq!(stats.advisories, 1);
    assert!(stats.failed.is_empty());
    assert_good_imported(&imported.db, "GOOD-1");
}
