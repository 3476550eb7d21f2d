//! `pep440` against its authoritative comparator: `packaging.version.Version`, what pip
//! orders with, run on every pair in one Python process (the venv at `target/py-venv`).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use bulkhead_test::{python_venv, shared_dir};
use bulkhead_version::{Scheme, compare};

use crate::npm::{
    Rng, assert_no_mismatches, dedup, describe, files_under, pairs, run_peer, summary, token,
};

/// Reads the pairs (one JSON `[a, b]` per line) and answers, per pair, `-1`, `0`, `1`, or `E`
/// when `packaging` refuses either version.
const PYTHON_COMPARE: &str = r#"
import json, sys
try:
    from packaging.version import Version
except ImportError:
    sys.exit("`packaging` is missing from the venv: target/py-venv/bin/pip install packaging (as .ci/run does)")

def parse(s):
    try:
        return Version(s)
    except ValueError:  # InvalidVersion, or an integer too long for int()
        return None

out = []
for line in sys.stdin:
    a, b = map(parse, json.loads(line))
    if a is None or b is None:
        out.append("E")
    else:
        out.append("-1" if a < b else "1" if a > b else "0")
sys.stdout.write("\n".join(out) + "\n")
"#;

#[test]
fn pep440_orders_as_packaging() {
    let mut real = BTreeSet::new();
    let advisories = shared_dir().join("vulndata/pypa-advisory-database/vulns");
    osv_yaml_versions(&advisories, &mut real);
    let from_osv = real.len();
    let installed = venv_versions();
    let from_venv = installed.len();
    real.extend(installed);
    real.extend(webapp_pip_versions());
    let generated = tricky_pep440();
    let pairs = pairs(&real, &generated);

    let python = python_venv().join("bin/python");
    let answers = run_peer(Command::new(python).arg("-c").arg(PYTHON_COMPARE), &pairs);
    let mut mismatches = Vec::new();
    let (mut ordered, mut beyond_u64) = (0, 0);
    for ((a, b), theirs) in pairs.iter().zip(&answers) {
        let ours = compare(Scheme::Pep440, a, b);
        if ours.is_ok() {
            ordered += 1;
        }
        if ours.is_err() && theirs != "E" && (beyond_u64_number(a) || beyond_u64_number(b)) {
            // The one deliberate difference (see `src/pep440.rs`): an error, never an order.
            beyond_u64 += 1;
        } else if token(&ours) != theirs {
            mismatches.push(format!(
                "{a:?} vs {b:?}: packaging {theirs}, we {}",
                describe(&ours)
            ));
        }
    }
    summary(
        "pep440",
        &pairs,
        ordered,
        &format!(
            "{from_osv} PyPA advisory versions, {from_venv} installed in the venv; \
             {beyond_u64} pairs with a number beyond u64 refused where packaging orders them"
        ),
    );
    assert_no_mismatches(&mismatches, pairs.len(), "packaging.version.Version");
}

/// Whether `version` has a number of 2^64 − 1 or more outside its local label, which our
/// module refuses and `packaging` orders.
fn beyond_u64_number(version: &str) -> bool {
    let public = version.split('+').next().unwrap_or_default();
    public.split(|c: char| !c.is_ascii_digit()).any(|digits| {
        digits
            .parse::<u64>()
            .map_or(!digits.is_empty(), |n| n == u64::MAX)
    })
}

/// Every `ECOSYSTEM` event and `versions` entry in the PyPA advisories (OSV as YAML). The
/// files are regular enough to read line by line: events are `- introduced: X` under a
/// `- type:` line, and `versions:` is a list of `- X` lines.
fn osv_yaml_versions(dir: &Path, out: &mut BTreeSet<String>) {
    let before = out.len();
    for file in files_under(dir, ".yaml") {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut git_range = false;
        let mut versions_list: Option<usize> = None;
        for line in text.lines() {
            let indent = line.len() - line.trim_start().len();
            let item = line.trim_start().strip_prefix("- ");
            if let Some(list_indent) = versions_list {
                match item {
                    Some(value) if indent >= list_indent => {
                        out.insert(yaml_scalar(value));
                        continue;
                    }
                    _ => versions_list = None,
                }
            }
            if line.trim() == "versions:" {
                versions_list = Some(indent);
            } else if let Some(kind) = item.and_then(|i| i.strip_prefix("type: ")) {
                if matches!(kind, "GIT" | "ECOSYSTEM" | "SEMVER") {
                    git_range = kind == "GIT";
                }
            } else if let Some((key, value)) = item.and_then(|i| i.split_once(": ")) {
                let event = matches!(key, "introduced" | "fixed" | "last_affected" | "limit");
                if event && !git_range {
                    out.insert(yaml_scalar(value));
                }
            }
        }
    }
    assert!(
        out.len() - before > 1000,
        "too few versions in `{}`: is the vulnerability data there?",
        dir.display()
    );
}

/// A one-line YAML scalar: plain, `'single'` (with `''`) or `"double"` quoted.
fn yaml_scalar(value: &str) -> String {
    let value = value.trim();
    if let Some(inner) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        inner.replace("''", "'")
    } else if let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        assert!(
            !inner.contains('\\'),
            "escapes in a version are not expected: {value}"
        );
        inner.to_owned()
    } else {
        value.to_owned()
    }
}

/// What is installed in the venv (`pip list`), from the `<name>-<version>.dist-info` folders.
fn venv_versions() -> BTreeSet<String> {
    let lib = python_venv().join("lib");
    let mut versions = BTreeSet::new();
    for python in std::fs::read_dir(&lib).unwrap() {
        let site = python.unwrap().path().join("site-packages");
        let Ok(entries) = std::fs::read_dir(&site) else {
            continue;
        };
        for entry in entries {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if let Some((_, version)) = name
                .strip_suffix(".dist-info")
                .and_then(|n| n.split_once('-'))
            {
                versions.insert(version.to_owned());
            }
        }
    }
    assert!(
        versions.len() > 10,
        "too few packages in the venv at `{}`",
        lib.display()
    );
    versions
}

/// Versions from the `pip list` section of the demo image's inventory.
fn webapp_pip_versions() -> BTreeSet<String> {
    let inventory =
        std::fs::read_to_string(shared_dir().join("images/webapp-inventory.txt")).unwrap();
    let section = inventory
        .split("# pip list")
        .nth(1)
        .expect("webapp-inventory.txt has a `pip list` section");
    section
        .lines()
        .skip(1)
        .take_while(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_whitespace().nth(1))
        .filter(|version| !version.starts_with('-') && *version != "Version")
        .map(str::to_owned)
        .collect()
}

/// Versions that exercise PEP 440's corners: epochs, pre/post/dev releases and their
/// spellings, implicit numbers, local labels, normalisation forms, zeros, huge numbers, and
/// near misses that must be refused.
#[rustfmt::skip]
const TRICKY_PEP440: &[&str] = &[
    // Release segment: trailing zeros do not count, leading zeros do not either.
    "0", "1", "1.0", "1.0.0", "1.0.0.0", "1.0.0.0.0.0.0", "01", "1.01", "1.001", "001.000",
    "1.1", "1.9", "1.10", "1.0.1", "0.9.9", "2024.1.15", "0.0.0.1", "1.2.3.4.5.6",
    // Epochs.
    "1!1.0", "1!2.0", "0!1.0", "01!1.0", "2!0.1", "1!1.0.post1", "1!1.0a1", "1!1.0+local",
    // Pre-releases and their spellings.
    "1.0a1", "1.0a", "1.0a0", "1.0alpha1", "1.0-alpha1", "1.0.alpha1", "1.0_alpha_1", "1.0a.1",
    "1.0-a-1", "1.0b2", "1.0beta2", "1.0c1", "1.0rc1", "1.0pre1", "1.0preview1", "1.0RC1",
    "1.0A1", "1.0a01", "1.0a10", "1.0a9", "1.0rc", "1.0c", "1.0-rc.1", "1.0.rc1",
    // Post-releases, implicit and explicit.
    "1.0.post1", "1.0.post", "1.0post1", "1.0-post1", "1.0_post1", "1.0.post0", "1.0-1",
    "1.0-0", "1.0.rev1", "1.0.r1", "1.0r", "1.0.POST1", "1.0.post01", "1.0.post.1", "1.0-post-1",
    // Development releases, and the combinations.
    "1.0.dev", "1.0.dev0", "1.0.dev1", "1.0dev2", "1.0-dev3", "1.0_dev4", "1.0.DEV1",
    "1.0.post1.dev2", "1.0a1.dev1", "1.0a1.post1", "1.0a1.post1.dev1", "1.0rc1.post2.dev3",
    "1.0.post1.dev0", "1.0a1-1", "1.0.dev1.post1",
    // Local versions: numeric above alphanumeric, longer above shorter, case folded.
    "1.0+abc", "1.0+abc.1", "1.0+abc.2", "1.0+abc.10", "1.0+1", "1.0+2", "1.0+10", "1.0+1.abc",
    "1.0+abc.0", "1.0+ABC", "1.0+abc-def_1", "1.0+0", "1.0+00", "1.0+01", "1.0+a", "1.0+z",
    "1.0+a.b.c", "1.0+1.0", "1.0.post1+local", "1.0a1+local", "1.0.dev1+local", "1.0+ubuntu1",
    "1.0+abc.01", "1.0+0a",
    // Normalisation forms: prefixes and whitespace.
    "v1.0", "V1.0", " 1.0", "1.0 ", "\t1.0\n", "\u{b}1.0", "\u{c}1.0\r",
    "\u{a0}1.0", "1.0\u{2003}", "\u{3000}1.0", "\u{85}1.0", "\u{feff}1.0", "\u{1c}1.0",
    // Numbers around 2^64.
    "18446744073709551615", "18446744073709551616", "1.99999999999999999999",
    "18446744073709551615!1.0", "99999999999999999999!1.0", "1.0a18446744073709551616",
    "1.0.post99999999999999999999", "1.0.dev99999999999999999999", "1.0+99999999999999999999",
    "1.0+99999999999999999998", "1.0+099999999999999999999", "1.0+abc.99999999999999999999",
    "1.0+abc.18446744073709551616", "1.0+18446744073709551615", "1.0+0000000000000000000000",
    "1.0a1.dev18446744073709551615", "1.0a1.dev18446744073709551614", "1.0.post1.dev18446744073709551615",
    "1.0.dev18446744073709551615", "1.0a18446744073709551615", "1.0.post18446744073709551615",
    "18446744073709551615.0", "1.0a1.post18446744073709551615",
    // Near misses.
    "", " ", "1.0+", "1.0+abc..1", "1.0+abc+def", "1.0+.abc", "1.0+abc.", "1.", ".1", "1..0",
    "1.0-", "1.0a1a1", "1.0.post1.post2", "1.0.dev1.dev2", "1.0 .1", "1.0 a1", "a1", "1.0-foo",
    "1.0_", "1.0.*", "1.0.x", "!1.0", "1!", "1!!1.0", "-1.0", "1.0-1-1", "1.0c1rc1",
    "٣.٠", "1.٠", "1.0a١", "1.0+ß", "1.0+\u{212a}", "1.0+\u{17f}", "1.0\u{131}", "1.0.POSt1",
    "1.0.dev-1", "1.0a-", "1.0.a", "1.0+abc_", "latest", "2.0.0-beta.1+build.5",
];

fn tricky_pep440() -> Vec<String> {
    let mut versions: Vec<String> = TRICKY_PEP440.iter().map(|&v| v.to_owned()).collect();
    versions.push(format!("1.{}", "9".repeat(300)));
    versions.push(format!("1.0+{}", "9".repeat(300)));
    // And combinations of the parts above.
    let epochs = ["", "", "", "", "1!", "0!"];
    let releases = [
        "1", "1.0", "1.0.0", "1.1", "1.0.1", "0.9", "2", "01.0", "1.00",
    ];
    let pres = [
        "", "", "", "a1", "a2", "b1", "rc1", "c1", "-alpha1", ".beta2", "a", "rc",
    ];
    let posts = [
        "", "", "", ".post1", ".post2", "-1", ".post", "post0", ".rev3",
    ];
    let devs = ["", "", "", ".dev0", ".dev1", "dev", "-dev2"];
    let locals = [
        "", "", "", "", "", "+abc", "+abc.1", "+1", "+1.abc", "+ABC.2", "+0",
    ];
    let mut rng = Rng::new(0x0000_7E57);
    for _ in 0..400 {
        versions.push(format!(
            "{}{}{}{}{}{}",
            rng.pick(&epochs),
            rng.pick(&releases),
            rng.pick(&pres),
            rng.pick(&posts),
            rng.pick(&devs),
            rng.pick(&locals)
        ));
    }
    dedup(versions)
}
