//! `dpkg` against its authoritative comparator: `dpkg --compare-versions` (Debian's `dpkg`).
//!
//! Thousands of pairs: real versions (this machine's `/var/lib/dpkg/status`, the webapp demo
//! image's inventory, the fixed/introduced events of `../shared/vulndata/debian-osv`) and
//! generated tricky ones (tildes, epochs, `+b1`, letters against digits, leading zeros, empty
//! and invalid parts, long digit runs). dpkg answers every pair; we must answer the same,
//! errors included. The version sources and the pair generator are `pub(crate)` because the
//! rpm and apk tests reuse them.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write;
use std::process::{Command, Stdio};

use bulkhead_version::{Scheme, compare};

pub(crate) use crate::support::Rng;

/// Real Debian versions: this machine's dpkg database (installed versions and the versions
/// in dependency fields), the demo image's `dpkg-query` listing, and Debian OSV events.
pub(crate) fn real_debian_versions() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let status = std::fs::read_to_string("/var/lib/dpkg/status").unwrap();
    for line in status.lines() {
        if let Some(v) = line.strip_prefix("Version: ") {
            out.insert(v.trim().to_owned());
        }
        // `Depends: libc6 (>= 2.34), ...`: every `(op version)`.
        if line.starts_with(|c: char| c.is_ascii_uppercase()) && line.contains(" (") {
            for part in line.split('(').skip(1) {
                let inside = part.split(')').next().unwrap_or("");
                if let Some((_, v)) = inside.split_once(' ') {
                    out.insert(v.trim().to_owned());
                }
            }
        }
    }
    let shared = bulkhead_test::shared_dir();
    let inventory = std::fs::read_to_string(shared.join("images/webapp-inventory.txt")).unwrap();
    let mut in_dpkg = false;
    for line in inventory.lines() {
        if line.starts_with('#') {
            in_dpkg = line.starts_with("# dpkg-query");
            continue;
        }
        if let Some((_, v)) = line.split_once(' ').filter(|_| in_dpkg) {
            out.insert(v.trim().to_owned());
        }
    }
    let osv =
        crate::support::osv_versions(&shared.join("vulndata/debian-osv"), Some("Debian"), false);
    assert!(
        osv.len() > 1000,
        "only {} Debian OSV event versions",
        osv.len()
    );
    out.extend(osv);
    out.retain(|v| !v.is_empty());
    out
}

/// Hand-picked corner cases of `deb-version(7)` and of dpkg's parser.
fn tricky_versions() -> Vec<String> {
    let mut v: Vec<String> = [
        // dpkg's "absent" versions, and blanks around a version.
        "",
        "<unknown>",
        " ",
        "\t",
        " 1.0",
        "1.0\t",
        "1 0",
        // Zeros and leading zeros.
        "0",
        "00",
        "0:0",
        "0.0",
        "1.0",
        "1.00",
        "1.01",
        "1.001",
        "1.1",
        "007",
        "7",
        // Tildes: before everything, even the end; `~~` before `~`.
        "1.0~",
        "1.0~~",
        "1.0~~a",
        "1.0~a",
        "1.0~rc1",
        "1.0~rc1-1",
        "1.0~rc1+dfsg-1",
        "~",
        "~~",
        "~1",
        "1~",
        // Revisions, binNMUs, backports.
        "1.0-0",
        "1.0-1",
        "1.0-1~bpo12+1",
        "1.0-1+b1",
        "1.0-1.1",
        "1.0-1+deb12u1",
        "1.0-1ubuntu0.1",
        "1.0+b1",
        "1.0-1-1",
        "1:2-3-4",
        // Letters sort before non-letters; uppercase before lowercase.
        "1.0a",
        "1.0A",
        "1.0+",
        "1.0.",
        "1.0.1",
        "1.0+really0.9",
        "1.0z",
        "1.0Z",
        // Epochs, including what strtol accepts.
        "1:1.0",
        "01:1.0",
        "2:0",
        "0:1.0-1",
        "+1:2",
        "\t-0:2",
        "-0:2",
        "\u{b}1:2",
        "2147483647:1",
        // Errors.
        "2147483648:1",
        "99999999999999999999:1",
        "-1:2",
        ":1",
        "a:1",
        "1:",
        "1-",
        "-1",
        "1:-1",
        "1.0-a:b",
        "+:1",
        // Colons after the epoch, odd characters (dpkg only warns), non-ASCII bytes.
        "1:2:3",
        "1_2",
        "1\u{e9}",
        "1.0-\u{e9}",
        "1.0\u{e9}a",
        "a1",
        "1.0@",
        "1.0\r",
        // Real-world shapes.
        "2.36-9+deb12u4",
        "1:2.38.1-5+deb12u3",
        "9.2p1-2+deb12u2",
        "0.0~git20230101.abcdef0-1",
        "1.2.3~rc1+dfsg-2~deb12u1",
        "3.0.11-1~deb12u2",
        "20230311+deb12u1",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    // Digit runs far longer than any integer type.
    let nines = "9".repeat(300);
    let one_and_zeros = format!("1{}", "0".repeat(300));
    v.push(format!("1.{nines}"));
    v.push(format!("1.{one_and_zeros}"));
    v.push(format!("1.{}{one_and_zeros}", "0".repeat(50)));
    v.push(format!("{nines}:1"));
    v.push(format!("1.0-{nines}"));
    v
}

/// Random versions stitched from fragments that exercise every branch of `verrevcmp` and of
/// the parser.
pub(crate) fn generated_versions(rng: &mut Rng, count: usize, fragments: &[&str]) -> Vec<String> {
    (0..count)
        .map(|_| {
            let parts = 1 + rng.below(6);
            (0..parts)
                .map(|_| fragments[rng.below(fragments.len())])
                .collect::<String>()
        })
        .collect()
}

/// Random strings over characters that matter to some scheme, plus control characters, NUL
/// and multi-byte UTF-8: every comparator must answer them without panicking.
pub(crate) fn assert_total_on_noise(scheme: Scheme) {
    const NOISE: &[char] = &[
        '0',
        '1',
        '9',
        '0',
        'a',
        'p',
        'r',
        'z',
        'A',
        'Z',
        '.',
        '.',
        '-',
        '-',
        '_',
        '~',
        '^',
        '+',
        ':',
        ' ',
        '\t',
        '\n',
        '\0',
        '\u{7f}',
        '\u{80}',
        '\u{e9}',
        '\u{20ac}',
        '\u{1d11e}',
    ];
    let mut rng = Rng::new(0x0000_6e01_5e00);
    let noise: Vec<String> = (0..4000)
        .map(|_| {
            let len = rng.below(12);
            (0..len).map(|_| NOISE[rng.below(NOISE.len())]).collect()
        })
        .collect();
    for a in &noise {
        let b = rng.pick_ref(&noise);
        let forward = compare(scheme, a, b);
        let backward = compare(scheme, b, a);
        match (&forward, &backward) {
            (Ok(f), Ok(r)) => assert_eq!(*f, r.reverse(), "{a:?} vs {b:?}"),
            (Err(_), Err(_)) => {}
            _ => panic!("{a:?} vs {b:?}: {forward:?} but reversed {backward:?}"),
        }
        if let Ok(o) = compare(scheme, a, a) {
            assert_eq!(o, Ordering::Equal, "{a:?}");
        }
    }
}

const DPKG_FRAGMENTS: &[&str] = &[
    "0", "1", "2", "9", "10", "01", "00", ".", ".", "~", "~~", "+", "-", "-", ":", "1:", "a", "b",
    "Z", "z", "rc", "+b1", "~rc1", "-1", ".1", "+dfsg", "~bpo1",
];

/// One shell loop: two lines (A, B) in, one answer out.
const DPKG_LOOP: &str = r#"
while IFS= read -r a && IFS= read -r b; do
  dpkg --compare-versions "$a" lt "$b" 2>/dev/null; lt=$?
  if [ "$lt" = 0 ]; then echo '<'; continue; fi
  if [ "$lt" != 1 ]; then echo E; continue; fi
  dpkg --compare-versions "$a" eq "$b" 2>/dev/null
  case $? in 0) echo '=';; 1) echo '>';; *) echo E;; esac
done
"#;

/// dpkg's answer for each pair: `<`, `=`, `>` or `E` (dpkg refused a version), from
/// `dpkg --compare-versions A lt B` and, when that is false, `A eq B`. Runs a few shell loops
/// in parallel, each fed its share of the pairs on stdin.
fn dpkg_answers(pairs: &[(String, String)]) -> Vec<char> {
    bulkhead_test::require_tool("dpkg", "dpkg");
    // dpkg's option parser would take a leading `-` for an option; dpkg's version parser
    // skips leading blanks, so a tab in front passes the same version.
    let arg = |v: &str| {
        assert!(!v.contains('\n'), "pairs travel one version per line");
        if v.starts_with('-') {
            format!("\t{v}")
        } else {
            v.to_owned()
        }
    };
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4)) + 1;
    let chunk = pairs.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = pairs
            .chunks(chunk)
            .map(|chunk| {
                scope.spawn(move || {
                    let mut child = Command::new("sh")
                        .args(["-c", DPKG_LOOP])
                        .stdin(Stdio::piped())
                        .stdout(Stdio::piped())
                        .spawn()
                        .unwrap();
                    let mut input = String::new();
                    for (a, b) in chunk {
                        input.push_str(&arg(a));
                        input.push('\n');
                        input.push_str(&arg(b));
                        input.push('\n');
                    }
                    let mut stdin = child.stdin.take().unwrap();
                    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
                    let out = child.wait_with_output().unwrap();
                    writer.join().unwrap().unwrap();
                    assert!(out.status.success(), "the dpkg loop failed: {out:?}");
                    let answers: Vec<char> = String::from_utf8(out.stdout)
                        .unwrap()
                        .lines()
                        .map(|l| l.chars().next().unwrap_or('?'))
                        .collect();
                    assert_eq!(answers.len(), chunk.len(), "one answer per pair");
                    answers
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

pub(crate) fn symbol(result: &Result<Ordering, bulkhead_version::VersionError>) -> char {
    match result {
        Ok(Ordering::Less) => '<',
        Ok(Ordering::Equal) => '=',
        Ok(Ordering::Greater) => '>',
        Err(_) => 'E',
    }
}

/// Checks our answers against the tool's, printing at most 20 mismatches.
pub(crate) fn assert_same_answers(
    scheme: Scheme,
    tool: &str,
    pairs: &[(String, String)],
    truth: &[char],
) {
    assert_eq!(pairs.len(), truth.len());
    let mut mismatches = 0;
    let mut shown = String::new();
    for ((a, b), &want) in pairs.iter().zip(truth) {
        let got = compare(scheme, a, b);
        // Whatever the truth, our answer must be antisymmetric.
        let back = compare(scheme, b, a);
        let mirrored = match symbol(&back) {
            '<' => '>',
            '>' => '<',
            other => other,
        };
        if symbol(&got) != want || mirrored != want {
            mismatches += 1;
            if mismatches <= 20 {
                writeln!(
                    shown,
                        "{scheme:?} {a:?} vs {b:?}: {tool} says {want}, we say {} (reversed: {}) {got:?}",
                        symbol(&got),
                        symbol(&back)
                )
                .unwrap();
            }
        }
    }
    assert_eq!(
        mismatches,
        0,
        "{mismatches} of {} pairs differ from {tool} (the first 20):\n{shown}",
        pairs.len()
    );
}

#[test]
fn matches_dpkg_compare_versions() {
    let real: Vec<String> = real_debian_versions().into_iter().collect();
    assert!(real.len() > 3000, "only {} real versions", real.len());
    let tricky = tricky_versions();
    let mut rng = Rng::new(0x5eed_d9c6);
    let generated = generated_versions(&mut rng, 400, DPKG_FRAGMENTS);

    let mut pairs = Vec::new();
    // Neighbours in byte order share long prefixes: the comparisons that decide real matches.
    for w in real.windows(2) {
        pairs.push((w[0].clone(), w[1].clone()));
    }
    // Every tricky version against every other.
    for (i, a) in tricky.iter().enumerate() {
        for b in &tricky[i + 1..] {
            pairs.push((a.clone(), b.clone()));
        }
    }
    // Tricky and generated versions against real ones and each other.
    for _ in 0..600 {
        pairs.push((
            rng.pick_ref(&tricky).to_owned(),
            rng.pick_ref(&real).to_owned(),
        ));
    }
    for i in 0..generated.len() {
        pairs.push((generated[i].clone(), rng.pick_ref(&generated).to_owned()));
        pairs.push((generated[i].clone(), rng.pick_ref(&real).to_owned()));
    }
    for _ in 0..600 {
        pairs.push((
            rng.pick_ref(&real).to_owned(),
            rng.pick_ref(&real).to_owned(),
        ));
    }

    let truth = dpkg_answers(&pairs);
    for symbol in ['<', '=', '>', 'E'] {
        assert!(truth.contains(&symbol), "no pair answered {symbol}");
    }
    assert_same_answers(Scheme::Dpkg, "dpkg --compare-versions", &pairs, &truth);
}

#[test]
fn documented_examples() {
    let lt = |a, b| assert_eq!(compare(Scheme::Dpkg, a, b), Ok(Ordering::Less), "{a} < {b}");
    lt("1.0~rc1", "1.0");
    lt("1.0", "1.0a");
    lt("1.0a", "1.0+b1");
    lt("1.0+b1", "1.0.1");
    lt("1.0~~", "1.0~");
    lt("", "0");
    lt("9:1", "10:0");
    let eq = |a, b| {
        assert_eq!(
            compare(Scheme::Dpkg, a, b),
            Ok(Ordering::Equal),
            "{a} = {b}"
        );
    };
    eq("1.0", "1.00");
    eq("0:1.0", "1.0");
    eq(" 1.0\t", "1.0");
    eq("", "<unknown>");
    let err = compare(Scheme::Dpkg, "1:", "1").unwrap_err();
    assert_eq!(err.reason, "nothing after colon in version number");
    assert_eq!(err.scheme, "dpkg");
    let err = compare(Scheme::Dpkg, "1", "1.0\0").unwrap_err();
    assert_eq!(err.version, "1.0\0");
}

#[test]
fn absurd_inputs_are_bounded() {
    assert_total_on_noise(Scheme::Dpkg);
    // A megabyte of digits, tildes or separators: exact answers, linear time, no panic.
    let long_a = format!("1.{}", "9".repeat(1 << 20));
    let long_b = format!("1.1{}", "0".repeat(1 << 20));
    assert_eq!(compare(Scheme::Dpkg, &long_a, &long_b), Ok(Ordering::Less));
    assert_eq!(
        compare(Scheme::Dpkg, &long_b, &long_a),
        Ok(Ordering::Greater)
    );
    let tildes = "~".repeat(1 << 20);
    assert_eq!(
        compare(Scheme::Dpkg, &format!("1{tildes}"), "1"),
        Ok(Ordering::Less)
    );
    let dots = format!("1{}", ".".repeat(1 << 20));
    assert_eq!(compare(Scheme::Dpkg, &dots, &dots), Ok(Ordering::Equal));
    let epoch = format!("{}:1", "0".repeat(1 << 20));
    assert_eq!(compare(Scheme::Dpkg, &epoch, "1"), Ok(Ordering::Equal));
    let err = compare(Scheme::Dpkg, &format!("{}:1", "9".repeat(1 << 20)), "1").unwrap_err();
    assert!(err.version.len() <= 200, "errors quote a bounded prefix");
}
