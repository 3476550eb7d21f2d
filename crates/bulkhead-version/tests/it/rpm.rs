//! `rpm` against its authoritative comparator: rpm's own library through Debian's
//! `python3-rpm` (rpm 4.18), in one `/usr/bin/python3` process for all pairs. Each
//! `[epoch:]version[-release]` string is split by `rpm.ver` (rpm's `rpmverParse`; it raises on
//! the strings rpm refuses) and the parts are compared by `rpm.labelCompare`, which runs
//! `rpmvercmp` on epoch, version and release.
//!
//! Versions: RHEL/Fedora/SUSE/Amazon shapes and the two rpm fixture specs of
//! `bulkhead-inventory`, real Debian and Alpine versions (any string is an rpm version, and
//! these have every separator and suffix the world uses), hand-picked corner cases (`~`, `^`,
//! letters, leading zeros, empty segments, epochs) and random strings built from the
//! characters that drive `rpmvercmp`.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::io::Write;
use std::process::{Command, Stdio};

use bulkhead_version::{Scheme, compare};

use crate::dpkg::{Rng, assert_same_answers, generated_versions, real_debian_versions};

const PYTHON: &str = "/usr/bin/python3";

/// EVRs as RHEL, Fedora, SUSE and Amazon Linux ship them, and the versions of
/// `crates/bulkhead-inventory/tests/fixtures/rpm/*.spec`.
const RPM_SHAPES: &[&str] = &[
    "2:1.2.3-4.el9",
    "0.9~rc1-1",
    "1:3.0.7-27.el9",
    "1:3.0.7-28.el9_4",
    "1:1.1.1k-12.el8_9",
    "1:1.1.1k-9.el8_7",
    "2.34-100.el9_4.2",
    "2.34-100.el9",
    "2.28-251.el8_10.2",
    "5.14.0-427.13.1.el9_4",
    "5.14.0-427.el9",
    "4.18.0-553.el8_10",
    "4.18.0-513.24.1.el8_9",
    "1.2.11-40.el9",
    "1.2.11-41.el9",
    "7.76.1-29.el9_4.1",
    "7.76.1-29.el9_4",
    "7.61.1-34.el8_10.2",
    "8.7p1-38.el9_4.1",
    "8.0p1-24.el8",
    "3.9.18-3.el9_4.3",
    "3.6.8-62.el8_10",
    "2:8.2.2637-20.el9_1",
    "1:9.0.2081-1.fc39",
    "6.8.9-300.fc40",
    "6.8.10-200.fc39",
    "2.39-6.fc40",
    "1.1.1l-150400.7.60.2",
    "3.0.8-150500.5.8.1",
    "2.31-150300.63.1",
    "4.2.2-150400.3.3.1",
    "1.0.2k-25.amzn2.0.1",
    "3.0.8-1.amzn2023.0.11",
    "0:2.6.1-3.el9",
    "1.28.0-1.el9^20240101git",
    "3.0.7-25.el9_3^1",
    "1.0^20230101gitabcdef-1.fc39",
    "0.0.1~git20230101-1.fc39",
    "2.0.0~rc1-0.1.fc40",
    "20230808-2.20240531.1.el9_4",
    "1:2.4.57-11.el9_4.1",
    "1:2.4.37-65.module+el8.10.0+21982+14717793.3",
    "8.0.36-1.module+el8.9.0+20974+49f4e4bd",
    "1:10.3.39-1.module_el8.8.0+3609+204d4ab0",
    "2021.2.52.72-90.0.el9_0",
];

/// Corner cases of `rpmvercmp` and of the EVR split.
const TRICKY: &[&str] = &[
    "",
    "0",
    "00",
    "1",
    "01",
    "1.0",
    "1.00",
    "1.01",
    "1.1",
    "1_0",
    "1.0.",
    "1..0",
    ".1",
    "1.0a",
    "1.0A",
    "1.0.a",
    "1.a",
    "1a",
    "a",
    "A",
    "Z",
    "z",
    "abc",
    "abd",
    "1.0~",
    "1.0~~",
    "1.0~rc1",
    "1.0~rc2",
    "1.0~~rc1",
    "1.0~1",
    "~",
    "~~",
    "~1",
    "1.0^",
    "1.0^^",
    "1.0^git1",
    "1.0^1",
    "1.0^~",
    "1.0~^",
    "1.0^.1",
    "1.0.1^1",
    "^",
    "^1",
    "1^a",
    "1a^",
    "1.0-1",
    "1.0-",
    "1.0-0",
    "1.0-1.el9",
    "1.0-1-1",
    "-1",
    "-",
    "1:1.0",
    "01:1.0",
    "0:1.0",
    ":1.0",
    "1:",
    ":",
    "1:1.0-1",
    "10:1",
    "9:1",
    "a:1",
    "1a:1",
    "1:2:3",
    "+1:2",
    "1.0+git",
    "1.0 1",
    " 1.0",
    "1.0\u{e9}",
    "1.\u{e9}0",
    "99999999999999999999999999",
    "99999999999999999999999998",
    "000000000000000000000000001",
    "18446744073709551616",
    "18446744073709551615",
    "4294967296.1",
];

const RPM_FRAGMENTS: &[&str] = &[
    "0", "1", "2", "9", "10", "01", "00", "a", "B", "z", "rc", "git", ".", ".", "_", "+", "-", "-",
    ":", "1:", "~", "~~", "^", "^^", "\u{e9}", "el9",
];

fn require_python_rpm() {
    assert!(
        std::path::Path::new(PYTHON).is_file(),
        "`{PYTHON}` is required for this test: `apt-get install python3 python3-rpm`"
    );
    let ok = Command::new(PYTHON)
        .args(["-c", "import rpm; rpm.labelCompare; rpm.ver"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "`{PYTHON}` cannot `import rpm`: install rpm's Python bindings with `apt-get install python3-rpm`"
    );
}

/// Reads `hex(A) hex(B)` lines, writes one answer per line.
const RPM_SCRIPT: &str = r"
import sys, rpm
def evr(s):
    try:
        v = rpm.ver(s)
    except Exception:
        return None
    return (v.e, v.v, v.r)
out = []
for line in sys.stdin:
    a, b = (bytes.fromhex(x).decode('utf-8') for x in line.rstrip('\n').split(' '))
    ea, eb = evr(a), evr(b)
    if ea is None or eb is None:
        out.append('E')
        continue
    try:
        r = rpm.labelCompare(ea, eb)
    except ValueError:
        out.append('E')
        continue
    out.append('<' if r < 0 else '>' if r > 0 else '=')
sys.stdout.write('\n'.join(out) + '\n')
";

/// rpm's answer for each pair: `<`, `=`, `>`, or `E` when `rpm.ver` or `rpm.labelCompare`
/// refuses a version ("invalid version": empty, or an empty version part).
fn rpm_answers(pairs: &[(String, String)]) -> Vec<char> {
    require_python_rpm();
    let mut input = String::new();
    for (a, b) in pairs {
        for byte in a.bytes() {
            write!(input, "{byte:02x}").unwrap();
        }
        input.push(' ');
        for byte in b.bytes() {
            write!(input, "{byte:02x}").unwrap();
        }
        input.push('\n');
    }
    let mut child = Command::new(PYTHON)
        .args(["-c", RPM_SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python3-rpm failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    writer.join().unwrap().unwrap();
    let answers: Vec<char> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.chars().next().unwrap_or('?'))
        .collect();
    assert_eq!(answers.len(), pairs.len(), "one answer per pair");
    answers
}

#[test]
fn matches_rpm_label_compare() {
    let shared = bulkhead_test::shared_dir();
    let mut real: Vec<String> = RPM_SHAPES.iter().map(|s| (*s).to_owned()).collect();
    real.extend(real_debian_versions());
    real.extend(crate::support::osv_versions(
        &shared.join("vulndata/debian-osv"),
        Some("Alpine"),
        false,
    ));
    real.sort();
    real.dedup();
    let tricky: Vec<String> = TRICKY
        .iter()
        .chain(RPM_SHAPES)
        .map(|s| (*s).to_owned())
        .collect();
    let mut rng = Rng::new(0x0072_706d);
    let generated = generated_versions(&mut rng, 3000, RPM_FRAGMENTS);

    let mut pairs = Vec::new();
    for w in real.windows(2) {
        pairs.push((w[0].clone(), w[1].clone()));
    }
    for (i, a) in tricky.iter().enumerate() {
        for b in &tricky[i..] {
            pairs.push((a.clone(), b.clone()));
        }
    }
    for g in &generated {
        pairs.push((g.clone(), rng.pick_ref(&generated).to_owned()));
        pairs.push((g.clone(), rng.pick_ref(&tricky).to_owned()));
        pairs.push((g.clone(), rng.pick_ref(&real).to_owned()));
    }
    // Generated versions that differ in one spot: the comparisons that find off-by-ones.
    for g in &generated {
        let mut h = g.clone();
        h.push_str(RPM_FRAGMENTS[rng.below(RPM_FRAGMENTS.len())]);
        pairs.push((g.clone(), h));
    }
    for _ in 0..5000 {
        pairs.push((
            rng.pick_ref(&real).to_owned(),
            rng.pick_ref(&real).to_owned(),
        ));
    }

    let truth = rpm_answers(&pairs);
    for symbol in ['<', '=', '>', 'E'] {
        assert!(truth.contains(&symbol), "no pair answered {symbol}");
    }
    assert_same_answers(Scheme::Rpm, "rpm.labelCompare", &pairs, &truth);
}

#[test]
fn documented_examples() {
    let lt = |a, b| assert_eq!(compare(Scheme::Rpm, a, b), Ok(Ordering::Less), "{a} < {b}");
    lt("1.0~rc1", "1.0");
    lt("1.0", "1.0^git1");
    lt("1.0^git1", "1.0.1");
    lt("1.0a", "1.0.1");
    lt("1.a", "1.1");
    lt("Z", "a");
    lt("1.0", "1.0-");
    lt("1.0-1", "1.0a");
    lt("9:1", "10:0");
    lt("1:1.0", "2:0.1");
    lt("abc:2", "1:0");
    let eq = |a, b| assert_eq!(compare(Scheme::Rpm, a, b), Ok(Ordering::Equal), "{a} = {b}");
    eq("1.0", "1_0");
    eq("1.0.", "1.0");
    eq("1.01", "1.1");
    eq("0:1.0-1", "1.0-1");
    eq(":1.0", "1.0");
    let err = compare(Scheme::Rpm, "", "1").unwrap_err();
    assert_eq!(err.scheme, "rpm");
    assert!(compare(Scheme::Rpm, "1", "1\0").is_err());
}

#[test]
fn absurd_inputs_are_bounded() {
    crate::dpkg::assert_total_on_noise(Scheme::Rpm);
    let long_a = format!("1.{}", "9".repeat(1 << 20));
    let long_b = format!("1.1{}", "0".repeat(1 << 20));
    assert_eq!(compare(Scheme::Rpm, &long_a, &long_b), Ok(Ordering::Less));
    assert_eq!(
        compare(Scheme::Rpm, &long_b, &long_a),
        Ok(Ordering::Greater)
    );
    let carets = "^".repeat(1 << 20);
    assert_eq!(
        compare(Scheme::Rpm, &format!("1{carets}"), "1"),
        Ok(Ordering::Greater)
    );
    let seps = format!("1{}", "._+".repeat(1 << 18));
    assert_eq!(compare(Scheme::Rpm, &seps, "1"), Ok(Ordering::Equal));
    let epoch = format!("{}:1", "9".repeat(1 << 20));
    assert_eq!(compare(Scheme::Rpm, &epoch, "1"), Ok(Ordering::Greater));
}
