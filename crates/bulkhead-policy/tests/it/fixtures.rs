//! Every upstream conformance fixture: `test/testdata/<level>/v1.<minor>/<pass|fail>/<check><n>.yaml`
//! from kubernetes/pod-security-admission (see `../shared/peer-data/pod-security-admission/NOTE.md`).
//!
//! A `pass` pod must be allowed at its level and version; a `fail` pod must be denied, and
//! denied by the check its file name names (or, at `restricted`, by the restricted check
//! that overrides it there: upstream's fixtures expect the overriding check's message).

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Instant;

use bulkhead_policy::pss::{Level, Version, Violation, check, checks, evaluate_pod};
use serde_json::Value;

#[derive(Debug)]
pub(crate) struct Fixture {
    pub(crate) level: Level,
    pub(crate) minor: u32,
    pub(crate) pass: bool,
    /// The file name without its number and extension, e.g. `capabilities_baseline`.
    pub(crate) prefix: String,
    pub(crate) file: PathBuf,
    pub(crate) pod: Value,
}

impl Fixture {
    pub(crate) fn evaluate(&self, level: Level, minor: u32) -> Vec<Violation> {
        evaluate_pod(
            &self.pod["metadata"],
            &self.pod["spec"],
            level,
            Version::V1(minor),
        )
    }

    /// The upstream check id the file belongs to; `None` for the `base*` pods.
    pub(crate) fn check_id(&self) -> Option<&'static str> {
        if self.prefix.starts_with("base") {
            return None;
        }
        let found = checks()
            .iter()
            .find(|c| c.id.to_ascii_lowercase() == self.prefix)
            .unwrap_or_else(|| {
                panic!(
                    "{}: no check is named `{}`",
                    self.file.display(),
                    self.prefix
                )
            });
        Some(found.id)
    }
}

pub(crate) fn testdata() -> PathBuf {
    bulkhead_test::shared_dir().join("peer-data/pod-security-admission/test/testdata")
}

/// All fixtures, parsed once per test binary.
pub(crate) fn all() -> &'static [Fixture] {
    static FIXTURES: OnceLock<Vec<Fixture>> = OnceLock::new();
    FIXTURES.get_or_init(load)
}

fn load() -> Vec<Fixture> {
    let started = Instant::now();
    let mut fixtures = Vec::new();
    for level in [Level::Baseline, Level::Restricted] {
        let level_dir = testdata().join(level.as_str());
        for version_entry in fs_err::read_dir(&level_dir).unwrap() {
            let version_dir = version_entry.unwrap().path();
            let name = version_dir
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            let minor: u32 = name
                .strip_prefix("v1.")
                .and_then(|m| m.parse().ok())
                .unwrap_or_else(|| panic!("unexpected version directory {name}"));
            for (outcome, pass) in [("pass", true), ("fail", false)] {
                let dir = version_dir.join(outcome);
                if !dir.exists() {
                    continue;
                }
                for entry in fs_err::read_dir(&dir).unwrap() {
                    let file = entry.unwrap().path();
                    let stem = file.file_stem().unwrap().to_str().unwrap();
                    let prefix = stem
                        .trim_end_matches(|c: char| c.is_ascii_digit())
                        .to_owned();
                    let text = fs_err::read_to_string(&file).unwrap();
                    let pod: Value = serde_yaml_ng::from_str(&text)
                        .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                    fixtures.push(Fixture {
                        level,
                        minor,
                        pass,
                        prefix,
                        file,
                        pod,
                    });
                }
            }
        }
    }
    fixtures.sort_by(|a, b| a.file.cmp(&b.file));
    eprintln!(
        "loaded {} PSA fixtures in {:.2?}",
        fixtures.len(),
        started.elapsed()
    );
    fixtures
}

fn describe(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(|v| format!("{}: {}", v.check, v.message()))
        .collect::<Vec<_>>()
        .join("\n  ")
}

/// The check that reports `id`'s problems at `level` and `minor`: itself, or at
/// `restricted` the restricted check overriding it.
fn reporting_check(id: &'static str, level: Level, minor: u32) -> &'static str {
    if level == Level::Restricted
        && let Some(overrider) = checks()
            .iter()
            .find(|c| c.overrides == Some(id) && c.applies_at(Version::V1(minor)))
    {
        return overrider.id;
    }
    id
}

#[test]
fn every_fixture_matches_upstream() {
    let started = Instant::now();
    let fixtures = all();
    assert_eq!(fixtures.len(), 4537, "the NOTE.md count of fixtures");
    let mut failures = Vec::new();
    // (level, pass?) -> count
    let mut counts = std::collections::BTreeMap::new();
    let mut overridden = 0usize;
    for f in fixtures {
        let violations = f.evaluate(f.level, f.minor);
        if let Some(v) = violations.iter().find(|v| v.malformed) {
            failures.push(format!("{}: malformed? {}", f.file.display(), v.message()));
            continue;
        }
        if f.pass {
            if !violations.is_empty() {
                failures.push(format!(
                    "{}: must be allowed, got\n  {}",
                    f.file.display(),
                    describe(&violations)
                ));
                continue;
            }
        } else {
            let id = f.check_id().expect("fail fixtures name a check");
            if !check(id).unwrap().applies_at(Version::V1(f.minor)) {
                failures.push(format!(
                    "{}: `{id}` does not apply at v1.{}",
                    f.file.display(),
                    f.minor
                ));
                continue;
            }
            let expected = reporting_check(id, f.level, f.minor);
            if expected != id {
                overridden += 1;
            }
            if !violations.iter().any(|v| v.check == expected) {
                failures.push(format!(
                    "{}: must be denied by `{expected}`, got\n  {}",
                    f.file.display(),
                    describe(&violations)
                ));
                continue;
            }
        }
        *counts.entry((f.level, f.pass)).or_insert(0usize) += 1;
    }
    for ((level, pass), n) in &counts {
        eprintln!(
            "{level}: {n} {} fixtures {}",
            if *pass { "pass" } else { "fail" },
            if *pass {
                "allowed"
            } else {
                "denied by their check"
            }
        );
    }
    eprintln!(
        "({overridden} restricted fail fixtures of an overridden baseline check were denied by its overriding check; {:.2?})",
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} fixtures differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(counts[&(Level::Baseline, true)], 433);
    assert_eq!(counts[&(Level::Baseline, false)], 1122);
    assert_eq!(counts[&(Level::Restricted, true)], 618);
    assert_eq!(counts[&(Level::Restricted, false)], 2364);
}

/// What upstream's semantics make well-defined across levels: `restricted` includes
/// `baseline` (each override is stricter than what it replaces), so a pod restricted allows
/// is allowed by baseline, a pod baseline denies is denied by restricted, and a restricted
/// fail fixture of a *baseline* check is denied by baseline through that same check.
/// (A restricted fail fixture of a restricted-only check may or may not pass baseline, so
/// it is not checked.)
#[test]
fn levels_nest_as_upstream() {
    let mut checked = 0usize;
    let mut failures = Vec::new();
    for f in all() {
        match (f.level, f.pass) {
            (Level::Restricted, true) => {
                let v = f.evaluate(Level::Baseline, f.minor);
                if !v.is_empty() {
                    failures.push(format!(
                        "{}: restricted allows, baseline denies:\n  {}",
                        f.file.display(),
                        describe(&v)
                    ));
                }
            }
            (Level::Baseline, false) => {
                if f.evaluate(Level::Restricted, f.minor).is_empty() {
                    failures.push(format!(
                        "{}: baseline denies, restricted allows",
                        f.file.display()
                    ));
                }
            }
            (Level::Restricted, false) => {
                let id = f.check_id().unwrap();
                if check(id).unwrap().level != Level::Baseline {
                    continue;
                }
                let v = f.evaluate(Level::Baseline, f.minor);
                if !v.iter().any(|v| v.check == id) {
                    failures.push(format!(
                        "{}: baseline must deny by `{id}`, got\n  {}",
                        f.file.display(),
                        describe(&v)
                    ));
                }
            }
            _ => continue,
        }
        checked += 1;
    }
    eprintln!("{checked} fixtures checked across levels");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `latest` evaluates as the newest fixture version, and versions past it clamp to it.
#[test]
fn latest_is_the_newest_fixture_version() {
    let newest = all().iter().map(|f| f.minor).max().unwrap();
    assert_eq!(Version::Latest.effective_minor(), newest);
    for f in all().iter().filter(|f| f.minor == newest) {
        for version in [Version::Latest, Version::V1(newest + 10)] {
            let v = evaluate_pod(&f.pod["metadata"], &f.pod["spec"], f.level, version);
            assert_eq!(v.is_empty(), f.pass, "{} at {version}", f.file.display());
        }
    }
}

/// Every violation points at fields that exist in the pod, or for a field that must be set,
/// at a missing field under an existing (or missing) parent; and no pass fixture's paths leak.
#[test]
fn violation_paths_resolve_into_the_fixture() {
    for f in all().iter().filter(|f| !f.pass) {
        for v in f.evaluate(f.level, f.minor) {
            assert!(
                !v.paths.is_empty(),
                "{}: {} has no path",
                f.file.display(),
                v.check
            );
            for path in &v.paths {
                let pointer = path.resolve("/spec", "/metadata");
                // The value is there, unless the check asks for a field to be set.
                let missing_allowed = v.detail.contains("must set");
                assert!(
                    f.pod.pointer(&pointer).is_some() || missing_allowed,
                    "{}: {} points at {pointer}, which is absent",
                    f.file.display(),
                    v.check
                );
            }
        }
    }
}
