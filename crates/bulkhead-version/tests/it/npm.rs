//! `npm` against its authoritative comparator: node-semver's own `semver.compare(a, b, loose)`,
//! run by Node on every pair in one process.
//!
//! This file also holds the helpers the PEP 440 and Cargo tests share: the version harvesters,
//! the pair generator, the JSON line protocol to the peer process and the mismatch report.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

pub(crate) use crate::support::{Rng, files as files_under};
use bulkhead_test::{require_tool, shared_dir, workspace_root};
use bulkhead_version::{Scheme, VersionError, compare};

/// Reads the pairs (one JSON `[a, b]` per line) and answers, per pair, node-semver's loose
/// then strict `compare`: `-1`, `0`, `1`, or `E` when it throws (an invalid version).
const NODE_COMPARE: &str = r"
const semver = require(process.argv[1]);
const cmp = (a, b, loose) => {
  try { return String(semver.compare(a, b, loose)); } catch (e) { return 'E'; }
};
const out = require('fs').readFileSync(0, 'utf8').split('\n').filter(Boolean).map((line) => {
  const [a, b] = JSON.parse(line);
  return cmp(a, b, true) + ' ' + cmp(a, b, false);
});
process.stdout.write(out.join('\n') + '\n');
";

#[test]
fn npm_orders_as_node_semver_loose() {
    let mut real = BTreeSet::new();
    osv_json_versions(&shared_dir().join("vulndata/ghsa-npm"), &mut real);
    let from_osv = real.len();
    real.extend(webapp_npm_versions());
    let generated = tricky_semver();
    let pairs = pairs(&real, &generated);

    let answers = node_semver(&pairs);
    let mut mismatches = Vec::new();
    let mut ordered = 0;
    for ((a, b), answer) in pairs.iter().zip(&answers) {
        let (loose, strict) = answer.split_once(' ').unwrap();
        let ours = compare(Scheme::Npm, a, b);
        if ours.is_ok() {
            ordered += 1;
        }
        if token(&ours) != loose {
            mismatches.push(format!(
                "{a:?} vs {b:?}: node-semver (loose) {loose}, we {}",
                describe(&ours)
            ));
        } else if strict != "E" && strict != loose {
            // A strictly valid version must mean the same in loose mode, or loose is not
            // the superset this module assumes.
            mismatches.push(format!(
                "{a:?} vs {b:?}: node-semver strict {strict}, loose {loose}"
            ));
        }
    }
    summary(
        "npm",
        &pairs,
        ordered,
        &format!("{from_osv} GHSA npm versions"),
    );
    assert_no_mismatches(
        &mismatches,
        pairs.len(),
        "node-semver `compare(a, b, true)`",
    );
}

/// Versions from the `npm ls --all` section of the demo image's inventory (`name@version`).
fn webapp_npm_versions() -> BTreeSet<String> {
    let inventory =
        std::fs::read_to_string(shared_dir().join("images/webapp-inventory.txt")).unwrap();
    let section = inventory
        .split("# npm ls --all")
        .nth(1)
        .expect("webapp-inventory.txt has an `npm ls --all` section");
    let versions: BTreeSet<String> = section
        .lines()
        .take_while(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let package = line.split_whitespace().find(|word| word.contains('@'))?;
            let (_, version) = package.rsplit_once('@')?;
            Some(version.to_owned())
        })
        .collect();
    assert!(
        versions.len() > 20,
        "too few npm versions in the inventory: {versions:?}"
    );
    versions
}

// ---- Shared with `pep440.rs` and `semver_cargo.rs` ----

/// Runs node-semver on `pairs`: one `"<loose> <strict>"` answer per pair.
pub(crate) fn node_semver(pairs: &[(&str, &str)]) -> Vec<String> {
    let module = workspace_root().join("target/node-tools/node_modules/semver");
    assert!(
        module.join("package.json").is_file(),
        "node-semver is missing at `{}`: install it with `npm install --prefix target/node-tools semver@7` (as .ci/run does)",
        module.display()
    );
    let node = require_tool("node", "nodejs");
    let mut cmd = Command::new(node);
    cmd.arg("-e").arg(NODE_COMPARE).arg(module);
    run_peer(&mut cmd, pairs)
}

#[rustfmt::skip]
const TRICKY_SEMVER: &[&str] = &[
        // SemVer 2.0 §11.
        "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
        "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1",
        // Identifiers: numeric below alphanumeric, ASCII order, hyphens, zeros.
        "1.0.0-1", "1.0.0-a", "1.0.0-A", "1.0.0-Z", "1.0.0-z", "1.0.0-a1", "1.0.0-1a", "1.0.0-0",
        "1.0.0-00", "1.0.0-01", "1.0.0-0a", "1.0.0--", "1.0.0---", "1.0.0-a-b", "1.0.0--1",
        "1.0.0-alpha.9", "1.0.0-alpha.10", "1.0.0-alpha.1.1", "1.0.0-alpha.0", "1.0.0-alpha-1",
        "1.0.0-rc.1.2.3.4.5", "1.0.0-x.7.z.92", "1.0.0-0.3.7", "1.0.0-beta.-1",
        // Build metadata: parsed, never ordered.
        "1.0.0+build", "1.0.0+build.1", "1.0.0+build.2", "1.0.0+001", "1.0.0+-", "1.0.0+a-b.c",
        "1.0.0-rc.1+build.1", "1.0.0-rc.1+build.2", "1.0.0-alpha+001", "1.0.0+20130313144700",
        "1.0.0-beta+exp.sha.5114f85", "1.0.0+21AF26D3----117B344092BD",
        // Numbers around 2^53 (JavaScript's safe integers) and 2^64.
        "9007199254740990.0.0", "9007199254740991.0.0", "9007199254740992.0.0",
        "0.9007199254740991.0", "0.0.9007199254740991", "0.0.9007199254740992",
        "18446744073709551615.0.0", "18446744073709551616.0.0", "99999999999999999999.0.0",
        "1.0.0-9007199254740990", "1.0.0-9007199254740991", "1.0.0-9007199254740992",
        "1.0.0-9007199254740993", "1.0.0-18446744073709551615", "1.0.0-18446744073709551616",
        "1.0.0-99999999999999999999", "1.0.0-99999999999999999998",
        "1.0.0-99999999999999999999.1", "1.0.0-99999999999999999998.2",
        "1.0.0-alpha.99999999999999999999", "1.0.0-alpha.9007199254740993",
        // Loose forms: prefixes, whitespace, leading zeros, no hyphen, backtracking.
        "v1.0.0", "=1.0.0", "==v1.0.0", "v=v1.0.0", " v 1.0.0", "\t1.0.0\n", "1.0.0 ", "V1.0.0",
        "\u{a0}1.0.0", "1.0.0\u{feff}", "\u{3000}v1.0.0", "\u{85}1.0.0", "\u{2028}1.0.0",
        "01.0.0", "1.00.0", "1.0.00", "00.00.00", "1.0.0beta", "1.0.0beta.2", "1.0.0-beta.02",
        "1.0.0alpha", "1.0.0a", "1.0.0-0alpha", "1.2.34.5", "1.2.30.1", "1.2.3.4", "1.0.10.a",
        "1.0.0-", "1.0.0-.a", "1.0.0-a.", "1.0.0-a..b", "1.0.0--.a", "1.0.0-+b", "1.0.0+",
        "1.0.0+a..b", "1.0.0++a", "v1.0.0-rc.1+build.5",
        // Not versions at all, or almost.
        "", "1", "1.0", "1.0.", "1..0.0", ".1.0.0", "x", "v", "1.0.0 beta", "1.0.0-béta",
        "1.0.0_1", "1.0.0-alpha_1", "1.0.0/1", "1.x.0", "1.0.x", "*", "latest", "-1.0.0",
        "1.0.0.0.0", "١.٠.٠", "1.0.0-\u{0}",
];

/// Versions written in SemVer's grammar that trip implementations up: SemVer's own precedence
/// example, numeric against alphanumeric identifiers, ASCII order, numbers around 2^53 and
/// 2^64, build metadata, node-semver's loose forms, the 256-character limit, and near misses.
pub(crate) fn tricky_semver() -> Vec<String> {
    let mut versions: Vec<String> = TRICKY_SEMVER.iter().map(|&v| v.to_owned()).collect();
    // The 256-character limit, counted before trimming.
    for (prefix, len) in [
        ("1.0.0-", 250),
        ("1.0.0-", 251),
        ("1.0.0+", 250),
        ("1.0.0+", 251),
    ] {
        versions.push(format!("{prefix}{}", "a".repeat(len)));
    }
    versions.push(format!("{}1.0.0", " ".repeat(251)));
    versions.push(format!("1.0.0-{}", "9".repeat(250)));
    versions.push(format!("1.0.0-{}", "9".repeat(400)));

    // And combinations of the parts above.
    let majors = ["0", "1", "2", "10", "01"];
    let minors = ["0", "1", "9", "10"];
    let prereleases = [
        "",
        "",
        "",
        "-alpha",
        "-alpha.1",
        "-alpha.beta",
        "-beta.2",
        "-beta.11",
        "-rc.1",
        "-0",
        "-1",
        "-a.1",
        "-1.a",
        "-rc-1",
        "beta",
        "-x.7.z.92",
    ];
    let builds = ["", "", "", "+b", "+build.7", "+001"];
    let prefixes = ["", "", "", "", "v", "=", " "];
    let mut rng = Rng::new(0x00C0_FFEE);
    for _ in 0..300 {
        versions.push(format!(
            "{}{}.{}.{}{}{}",
            rng.pick(&prefixes),
            rng.pick(&majors),
            rng.pick(&minors),
            rng.pick(&minors),
            rng.pick(&prereleases),
            rng.pick(&builds)
        ));
    }
    dedup(versions)
}

/// Every OSV event and `versions` entry under `dir`, added to `out`.
pub(crate) fn osv_json_versions(dir: &Path, out: &mut BTreeSet<String>) {
    out.extend(crate::support::osv_versions(dir, None, true));
}

/// The pairs to check, each version at most once per pair:
/// - every version against itself (so a version the peer refuses is seen on its own, not
///   hidden behind a partner it also refuses);
/// - every pair of generated versions;
/// - every real version against its neighbour in sorted order (close strings such as `1.2.3`
///   and `1.2.3-rc.1`), two random real versions and one random generated one.
///
/// The pairs are deterministic, and each is put in a random order.
pub(crate) fn pairs<'a>(
    real: &'a BTreeSet<String>,
    generated: &'a [String],
) -> Vec<(&'a str, &'a str)> {
    let real: Vec<&str> = real.iter().map(String::as_str).collect();
    let generated: Vec<&str> = generated.iter().map(String::as_str).collect();
    let mut rng = Rng::new(0x5EED_1234);
    let mut pairs = Vec::new();
    let mut push = |rng: &mut Rng, a, b| {
        pairs.push(if rng.below(2) == 0 { (a, b) } else { (b, a) });
    };
    for &v in real.iter().chain(&generated) {
        push(&mut rng, v, v);
    }
    for (i, &a) in generated.iter().enumerate() {
        for &b in &generated[i + 1..] {
            push(&mut rng, a, b);
        }
    }
    for (i, &a) in real.iter().enumerate() {
        if let Some(&next) = real.get(i + 1) {
            push(&mut rng, a, next);
        }
        for _ in 0..2 {
            let b = real[rng.below(real.len())];
            push(&mut rng, a, b);
        }
        let b = generated[rng.below(generated.len())];
        push(&mut rng, a, b);
    }
    pairs
}

/// Runs `cmd`, feeding it the pairs as JSON lines on stdin; returns its stdout, one line per pair.
pub(crate) fn run_peer(cmd: &mut Command, pairs: &[(&str, &str)]) -> Vec<String> {
    let mut input = String::new();
    for (a, b) in pairs {
        writeln!(input, "[{},{}]", json_string(a), json_string(b)).unwrap();
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    // Written from another thread so that neither side blocks on a full pipe.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed with {}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        answers.len(),
        pairs.len(),
        "one answer per pair from {cmd:?}"
    );
    answers
}

/// A JSON string literal, ASCII only (every other UTF-16 unit escaped), so neither side has
/// to agree on an encoding.
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for unit in s.encode_utf16() {
        match unit {
            0x22 => out.push_str("\\\""),
            0x5C => out.push_str("\\\\"),
            0x20..=0x7E => out.push(char::from(u8::try_from(unit).unwrap())),
            _ => write!(out, "\\u{unit:04x}").unwrap(),
        }
    }
    out.push('"');
    out
}

/// Our answer in the peers' notation: `-1`, `0`, `1`, or `E` for an error.
pub(crate) fn token(result: &Result<Ordering, VersionError>) -> &'static str {
    match result {
        Ok(Ordering::Less) => "-1",
        Ok(Ordering::Equal) => "0",
        Ok(Ordering::Greater) => "1",
        Err(_) => "E",
    }
}

pub(crate) fn describe(result: &Result<Ordering, VersionError>) -> String {
    match result {
        Ok(_) => token(result).to_owned(),
        Err(e) => format!("E ({e})"),
    }
}

#[track_caller]
pub(crate) fn assert_no_mismatches(mismatches: &[String], total: usize, peer: &str) {
    assert!(
        mismatches.is_empty(),
        "{} of {total} pairs disagree with {peer}; the first {}:\n{}",
        mismatches.len(),
        mismatches.len().min(20),
        mismatches
            .iter()
            .take(20)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// One line for the test log (`--nocapture`): how much was compared.
#[allow(clippy::print_stderr)]
pub(crate) fn summary(scheme: &str, pairs: &[(&str, &str)], ordered: usize, sources: &str) {
    eprintln!(
        "{scheme}: {} pairs checked ({ordered} ordered, the rest invalid); sources: {sources}",
        pairs.len()
    );
}

pub(crate) fn dedup(versions: Vec<String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    versions
        .into_iter()
        .filter(|v| seen.insert(v.clone()))
        .collect()
}
