//! Version boundaries, derived from which fixtures upstream generates at which version,
//! never from our own table: then checked against what the evaluator does one version
//! earlier.

use std::collections::{BTreeMap, BTreeSet};

use bulkhead_policy::pss::{Level, Version, check, evaluate_pod};
use serde_json::json;

use super::fixtures::{Fixture, all};

/// The first version at which any fixture of the check exists, at either level.
fn first_fixture_version(id: &str) -> u32 {
    all()
        .iter()
        .filter(|f| f.check_id() == Some(id))
        .map(|f| f.minor)
        .min()
        .unwrap_or_else(|| panic!("no fixtures for {id}"))
}

fn fails_at(id: &str, minor: u32) -> impl Iterator<Item = &'static Fixture> {
    let id = id.to_owned();
    all()
        .iter()
        .filter(move |f| !f.pass && f.minor == minor && f.check_id() == Some(id.as_str()))
}

/// Checks introduced after v1.0: the fixtures start at the version the check starts at;
/// one version earlier, the same pods are not flagged by that check.
#[test]
fn checks_start_where_their_fixtures_start() {
    let mut boundaries = Vec::new();
    for id in [
        "allowPrivilegeEscalation",
        "seccompProfile_restricted",
        "capabilities_restricted",
        "runAsUser",
        "hostProbesAndHostLifecycle",
        "procMount_restricted",
    ] {
        let first = first_fixture_version(id);
        assert_eq!(check(id).unwrap().since(), Version::V1(first), "{id}");
        let mut n = 0;
        for f in fails_at(id, first) {
            let at = f.evaluate(f.level, first);
            assert!(
                at.iter().any(|v| v.check == id),
                "{} at v1.{first}",
                f.file.display()
            );
            let before = f.evaluate(f.level, first - 1);
            assert!(
                before.iter().all(|v| v.check != id),
                "{}: `{id}` must not apply at v1.{}",
                f.file.display(),
                first - 1
            );
            n += 1;
        }
        assert!(n > 0);
        boundaries.push(format!("{id}@v1.{first}"));
    }
    // hostProbesAndHostLifecycle is the only problem in its baseline fail pods: one
    // version earlier they are allowed outright.
    for f in fails_at("hostProbesAndHostLifecycle", 34).filter(|f| f.level == Level::Baseline) {
        assert!(
            f.evaluate(Level::Baseline, 33).is_empty(),
            "{}",
            f.file.display()
        );
    }
    eprintln!("check boundaries from fixtures: {}", boundaries.join(", "));
}

/// The safe sysctls grow with the version. The `sysctls` pass fixtures at each version
/// list the safe set; a name that first appears at v1.N must be allowed at v1.N and
/// forbidden at v1.(N-1).
#[test]
fn sysctl_boundaries_follow_the_pass_fixtures() {
    let mut safe: BTreeMap<u32, BTreeSet<String>> = BTreeMap::new();
    for f in all()
        .iter()
        .filter(|f| f.pass && f.level == Level::Baseline && f.check_id() == Some("sysctls"))
    {
        let names = f.pod["spec"]["securityContext"]["sysctls"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["name"].as_str().map(str::to_owned));
        safe.entry(f.minor).or_default().extend(names);
    }
    let mut boundaries = Vec::new();
    let versions: Vec<u32> = safe.keys().copied().collect();
    for pair in versions.windows(2) {
        let (before, at) = (pair[0], pair[1]);
        assert_eq!(at, before + 1, "a sysctls pass fixture per version");
        for name in safe[&at].difference(&safe[&before]) {
            let spec = json!({
                "containers": [{"name": "c"}],
                "securityContext": {"sysctls": [{"name": name, "value": "1"}]},
            });
            let eval = |minor| evaluate_pod(&json!({}), &spec, Level::Baseline, Version::V1(minor));
            assert!(eval(at).is_empty(), "{name} at v1.{at}");
            let denied = eval(before);
            assert_eq!(denied.len(), 1, "{name} at v1.{before}");
            assert_eq!(denied[0].check, "sysctls");
            assert_eq!(denied[0].detail, *name);
            boundaries.push(format!("{name}@v1.{at}"));
        }
    }
    eprintln!("sysctl boundaries from fixtures: {}", boundaries.join(", "));
    assert_eq!(boundaries.len(), 9, "{boundaries:?}");
}

/// Baseline's `procMount` relaxation for user-namespace pods: the pass fixture with an
/// unmasked /proc and `hostUsers: false` first appears at v1.35; one version earlier it
/// is denied by `procMount`; at `restricted`, `procMount_restricted` still denies it.
#[test]
fn proc_mount_relaxation_starts_at_its_first_pass_fixture() {
    let unmasked_userns_pass: Vec<&Fixture> = all()
        .iter()
        .filter(|f| {
            f.pass
                && f.check_id() == Some("procMount")
                && f.pod["spec"]["hostUsers"] == json!(false)
                && f.pod.to_string().contains("Unmasked")
        })
        .collect();
    let first = unmasked_userns_pass.iter().map(|f| f.minor).min().unwrap();
    assert_eq!(first, 35);
    for f in &unmasked_userns_pass {
        assert!(f.evaluate(Level::Baseline, f.minor).is_empty());
        let before = f.evaluate(Level::Baseline, first - 1);
        assert_eq!(before.len(), 1, "{}", f.file.display());
        assert_eq!(before[0].check, "procMount");
        let restricted = f.evaluate(Level::Restricted, f.minor);
        assert!(restricted.iter().any(|v| v.check == "procMount_restricted"));
    }
}

/// Overrides, from the fixtures too: upstream stops generating *pass* fixtures of a
/// baseline check at `restricted` from the version its overriding restricted check starts
/// (the restricted minimal pod already satisfies the stricter check).
#[test]
fn overrides_start_where_restricted_pass_fixtures_of_the_baseline_check_stop() {
    for (baseline, restricted) in [
        ("capabilities_baseline", "capabilities_restricted"),
        ("seccompProfile_baseline", "seccompProfile_restricted"),
    ] {
        let last = all()
            .iter()
            .filter(|f| f.pass && f.level == Level::Restricted && f.check_id() == Some(baseline))
            .map(|f| f.minor)
            .max()
            .unwrap();
        let overrider = check(restricted).unwrap();
        assert_eq!(overrider.overrides, Some(baseline));
        assert_eq!(overrider.since(), Version::V1(last + 1), "{baseline}");
    }
}
