//! `nuget` against independent truths. The authoritative comparator, `NuGet.Versioning`, needs
//! .NET, which cannot be installed here, so three checks stand in for it:
//!
//! 1. Hand-checked orderings: chains written from the NuGet docs
//!    (<https://learn.microsoft.com/nuget/concepts/package-versioning>) and SemVer 2.0 §11
//!    (which NuGet 4.3+ follows), every pair of each chain checked, plus groups of equal
//!    versions and strings NuGet refuses. The few rules the docs leave out come from
//!    `NuGet.Versioning`'s source (`NuGetVersionFactory.cs`, `VersionComparer.cs`) and say so.
//! 2. An independent implementation: `univers` (PyPI, aboutcode.org; its `nuget.py` comes from
//!    OSV's port of NuGet's rules), in `target/univers-venv`, on every real version in the
//!    GitHub advisories for NuGet (`ghsa-nuget`) and generated ones, one `python` process. It is
//!    faithful except for a few corners (a leading `v`, whitespace, numbers above
//!    2147483647, labels like `-1`), which are kept out of that comparison and covered by 1.
//! 3. The real versions in a consistent total order: sorted with our comparator, every adjacent
//!    pair and a sample of random pairs agree with the sort, in both directions.

use std::cmp::Ordering;
use std::path::PathBuf;
use std::process::Command;

use bulkhead_test::{shared_dir, workspace_root};
use bulkhead_version::{Scheme, compare};

use crate::golang::support::{Mismatches, Rng, hex_lines, osv_versions, pairs, pipe};

fn nuget(a: &str, b: &str) -> Result<Ordering, bulkhead_version::VersionError> {
    compare(Scheme::NuGet, a, b)
}

/// Asserts every pair of `chain` is ordered as the chain says (earlier is less).
fn assert_chain(chain: &[&str]) -> usize {
    let mut checked = 0;
    for (i, a) in chain.iter().enumerate() {
        for (j, b) in chain.iter().enumerate() {
            assert_eq!(nuget(a, b), Ok(i.cmp(&j)), "{a:?} vs {b:?}");
            checked += 1;
        }
    }
    checked
}

/// Asserts every pair of `group` is equal.
fn assert_equal(group: &[&str]) -> usize {
    for a in group {
        for b in group {
            assert_eq!(nuget(a, b), Ok(Ordering::Equal), "{a:?} vs {b:?}");
        }
    }
    group.len() * group.len()
}

#[test]
fn nuget_hand_checked_orderings_from_the_docs() {
    let mut checked = 0;

    // Docs, "Version basics" and "Normalized version numbers": Major.Minor.Patch[-Suffix]; a
    // missing part is 0; numbers compare numerically; a fourth part (Revision) counts and
    // orders after Patch. SemVer §11: a prerelease sorts before its release.
    checked += assert_chain(&[
        "0.0.0-alpha",
        "0",
        "0.0.0.1",
        "0.0.1",
        "0.1",
        "0.9.9.9",
        "0.10",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.0.1-alpha",
        "1.0.0.1",
        "1.0.0.2",
        "1.0.0.10",
        "1.0.1-alpha",
        "1.0.1",
        "1.0.2",
        "1.0.10",
        "1.1",
        "1.1.0.1",
        "1.2",
        "1.10",
        "1.10.1",
        "2.0.0-rc",
        "2.0.0",
        "9.0",
        "10.0",
        "100.0",
        "2147483647.0.0",
    ]);

    // SemVer 2.0 §11's example chain, which NuGet 4.3+ orders the same way: numeric labels
    // numerically and before alphanumeric ones, labels left to right, more labels win a tie.
    checked += assert_chain(&[
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
    ]);

    // Docs, "Pre-release versions": a version without a suffix comes first, then suffixes in
    // reverse alphabetical order (their list: 1.0.1, -zzz, -rc, -open, -beta, -alpha2,
    // -alpha10, -aaa), and "1.0.1-build23" is not greater than "1.0.1-build3". Numeric labels
    // sort before alphanumeric ones (SemVer §11). Letters compare case-insensitively
    // (`VersionComparer.CompareRelease` uses OrdinalIgnoreCase), so `A` is a prefix of `alpha`.
    checked += assert_chain(&[
        "1.0.1-0",
        "1.0.1-2",
        "1.0.1-10",
        "1.0.1-A",
        "1.0.1-aaa",
        "1.0.1-alpha",
        "1.0.1-Alpha.1",
        "1.0.1-alpha10",
        "1.0.1-alpha2",
        "1.0.1-beta",
        "1.0.1-build23",
        "1.0.1-build3",
        "1.0.1-open",
        "1.0.1-RC",
        "1.0.1-rc.0",
        "1.0.1-zzz",
        "1.0.1",
    ]);

    // Real-world shapes from ghsa-nuget: .NET previews (numeric labels with build numbers), and
    // labels compared as text: zero-padded betas sort by character, and a label that another
    // extends (`rc1` in `rc1-11259`) sorts first.
    checked += assert_chain(&[
        "5.0.0-preview.7.20364.11",
        "5.0.0-preview.8.20407.11",
        "5.0.0-preview.8.20414.8",
        "5.0.0-rc.1.20451.14",
        "5.0.0-rc.2.20475.17",
        "5.0.0",
    ]);
    checked += assert_chain(&[
        "4.8.0-beta00005",
        "4.8.0-beta00017",
        "4.8.0-beta1",
        "4.8.0-rc1",
        "4.8.0-rc1-11259",
        "4.8.0",
    ]);

    // Docs, "Normalized version numbers": leading zeros are dropped, a zero fourth part is
    // omitted, metadata is dropped; labels equal but for case are equal (OrdinalIgnoreCase).
    checked += assert_equal(&[
        "1",
        "1.0",
        "1.0.0",
        "1.0.0.0",
        "01.0.0",
        "1.00.0.000",
        "1.0.0+build",
        "1.0.0+b.1-2",
        " 1.0 ",
    ]);
    checked += assert_equal(&[
        "1.0.0-beta",
        "1.0.0-BETA",
        "1.0.0-Beta+meta",
        "1.0.0.0-beta",
        "1.0-beta",
    ]);
    checked += assert_equal(&["1.2.3.4", "1.2.3.04", "01.2.3.4+x"]);
    assert!(checked > 500, "{checked}");
}

#[test]
fn nuget_hand_checked_orderings_from_the_source() {
    // From NuGet.Versioning's source, not the docs. Labels are numeric when `int.TryParse`
    // says so, which reads a leading `-` as a sign and refuses numbers above 2147483647 (those
    // then compare as text, after every number). Each number is `int.TryParse`d with
    // NumberStyles.Integer, which allows whitespace around it.
    assert_chain(&[
        "1.0.0-a.-5",
        "1.0.0-a.-1",
        "1.0.0-a.0",
        "1.0.0-a.3",
        "1.0.0-a.2147483647",
        "1.0.0-a.2147483648",
        "1.0.0-a.a",
    ]);
    assert_equal(&["1. 2 .3", "1.2.3", "\t1.2.3\n"]);
}

#[test]
fn nuget_refuses_what_nuget_refuses() {
    // Refused (docs: the grammar; source: TryParse): `v`, five parts, empty parts or labels, a
    // dangling `-`/`+`, leading zeros in a numeric label, other characters, numbers out of
    // `int` range, non-ASCII.
    for bad in [
        "",
        " ",
        "v1.0",
        "V1.0.0",
        "1.0.0.0.0",
        "1..0",
        ".1",
        "1.",
        "-1",
        "+1",
        "1.0.0-",
        "1.0.0+",
        "1.0.0-a+",
        "1.0.0-+a",
        "1.0.0-a..b",
        "1.0.0-.a",
        "1.0.0-01",
        "1.0.0-a.00",
        "1.0.0+a..b",
        "1.0.0+a+b",
        "1.0.0-beta_1",
        "1.0.0-beta 1",
        "1 0.0",
        "2147483648",
        "1.99999999999",
        "1.0.0-\u{e9}",
        "1.0.0\u{a0}.1",
        "a",
        "1.a",
        "1.0.0.-1",
    ] {
        assert!(nuget(bad, "1.0").is_err(), "{bad:?} should be refused");
        assert!(nuget("1.0", bad).is_err(), "{bad:?} should be refused");
    }
    // But a leading zero in an alphanumeric label, or in metadata, is fine.
    assert_equal(&["1.0.0-0a+01", "1.0.0-0A"]);
}

fn univers_python() -> PathBuf {
    let python = workspace_root().join("target/univers-venv/bin/python");
    assert!(
        python.is_file(),
        "`{}` is missing: create it with `python3 -m venv target/univers-venv && target/univers-venv/bin/pip install univers==32.0.1`",
        python.display()
    );
    python
}

const SCRIPT: &str = r#"
import sys
from univers.nuget import Version

def parse(h):
    try:
        return Version.from_string(bytes.fromhex(h).decode())
    except Exception:
        return None

out = []
for line in sys.stdin:
    x, y = line.rstrip("\n").split(",")
    a, b = parse(x), parse(y)
    if a is None or b is None:
        out.append(f"{a is not None} {b is not None} x")
    else:
        out.append("True True %d" % (-1 if a < b else (1 if b < a else 0)))
sys.stdout.write("".join(l + "\n" for l in out))
"#;

/// Whether `univers` is known to follow NuGet on `version` (see the module comment).
fn univers_is_faithful(version: &str) -> bool {
    let in_int = |n: &str| {
        n.trim_start_matches('0').len() < 10 || n.parse::<u64>().is_ok_and(|n| n <= 2_147_483_647)
    };
    let main = version.split(['-', '+']).next().unwrap_or("");
    let labels = version
        .split_once('-')
        .map_or("", |(_, rest)| rest.split('+').next().unwrap_or(""));
    version.is_ascii()
        && !version.starts_with(['v', 'V'])
        && !version.bytes().any(|b| b.is_ascii_whitespace() || b == 0)
        && main
            .split('.')
            .all(|n| !n.bytes().all(|b| b.is_ascii_digit()) || in_int(n))
        && labels.split('.').all(|label| {
            let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            !label.strip_prefix('-').is_some_and(numeric) && (!numeric(label) || in_int(label))
        })
}

fn generated(rng: &mut Rng) -> Vec<String> {
    let numbers = ["0", "1", "2", "9", "10", "01", "00", "123", "2147483647"];
    let labels = [
        "alpha", "Alpha", "beta", "rc", "RC1", "preview", "0", "1", "2", "10", "01", "0a", "a-b",
        "-", "", "x.y", "20364",
    ];
    let metadata = ["build", "1", "01", "a.b", "", "sha-abc", "a..b"];
    let mut out = Vec::new();
    for _ in 0..3000 {
        let most = if rng.below(10) == 0 { 5 } else { 4 };
        let parts = 1 + rng.below(most);
        let mut version: Vec<&str> = Vec::new();
        for _ in 0..parts {
            version.push(rng.pick(&numbers));
        }
        let mut version = version.join(".");
        if rng.below(2) == 0 {
            let count = 1 + rng.below(3);
            let chosen: Vec<&str> = (0..count).map(|_| rng.pick(&labels)).collect();
            version = format!("{version}-{}", chosen.join("."));
        }
        if rng.below(5) == 0 {
            version = format!("{version}+{}", rng.pick(&metadata));
        }
        if rng.below(30) == 0 {
            version.push_str(rng.pick(&["-", "+", ".", "_", "é"]));
        }
        out.push(version);
    }
    out
}

#[test]
fn nuget_matches_univers() {
    let python = univers_python();
    let mut rng = Rng::new(0x9e7);
    let real = osv_versions(&shared_dir().join("vulndata/ghsa-nuget"));
    assert!(
        real.len() > 500,
        "only {} versions found in ghsa-nuget",
        real.len()
    );
    let mut pool: Vec<String> = real.into_iter().collect();
    pool.extend(generated(&mut rng));
    pool.retain(|v| univers_is_faithful(v));
    let pairs = pairs(&mut rng, &pool, 10_000);

    let input = hex_lines(&pairs);
    let out = pipe(Command::new(python).args(["-c", SCRIPT]), &input);
    let answers: Vec<&str> = out.lines().collect();
    assert_eq!(answers.len(), pairs.len());
    let mut mismatches = Mismatches::new("nuget vs univers");
    let mut ordered = 0;
    for ((a, b), answer) in pairs.iter().zip(answers) {
        let fields: Vec<&str> = answer.split(' ').collect();
        let expected = if fields[0] == "True" && fields[1] == "True" {
            Some(fields[2].parse::<i32>().unwrap().cmp(&0))
        } else {
            None
        };
        ordered += usize::from(expected.is_some());
        let ours = nuget(a, b).ok();
        if ours != expected {
            mismatches.push(format!(
                "{a:?} vs {b:?}: ours {ours:?}, univers {expected:?} ({answer})"
            ));
        }
    }
    mismatches.finish(pairs.len());
    assert!(ordered > 5_000, "only {ordered} pairs were both valid");
}

#[test]
fn nuget_orders_real_versions_consistently() {
    let mut versions: Vec<String> = osv_versions(&shared_dir().join("vulndata/ghsa-nuget"))
        .into_iter()
        .filter(|v| nuget(v, v).is_ok())
        .collect();
    assert!(
        versions.len() > 500,
        "only {} valid versions in ghsa-nuget",
        versions.len()
    );
    versions.sort_by(|a, b| nuget(a, b).unwrap());

    let mut checked = 0;
    for pair in versions.windows(2) {
        let forward = nuget(&pair[0], &pair[1]).unwrap();
        assert_ne!(
            forward,
            Ordering::Greater,
            "{pair:?} out of order after sorting"
        );
        assert_eq!(
            nuget(&pair[1], &pair[0]).unwrap(),
            forward.reverse(),
            "{pair:?} not antisymmetric"
        );
        checked += 1;
    }
    let mut rng = Rng::new(0x50_27);
    for _ in 0..20_000 {
        let (i, j) = (rng.below(versions.len()), rng.below(versions.len()));
        let (lo, hi) = (i.min(j), i.max(j));
        let order = nuget(&versions[lo], &versions[hi]).unwrap();
        assert_ne!(
            order,
            Ordering::Greater,
            "{} at {lo} > {} at {hi}: not transitive",
            versions[lo],
            versions[hi]
        );
        checked += 1;
    }
    assert!(checked > 20_000);
}
