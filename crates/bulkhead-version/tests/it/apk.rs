//! `apk` against apk-tools' rules. apk-tools cannot be installed on this (Debian) machine, so
//! the truth is its source, `src/version.c` of alpinelinux/apk-tools (the `token_state`
//! tokenizer of apk-tools 2.14/3.x): every expected order below is derived by hand from that
//! file, and each group quotes the rule it rests on. Orders are written as ascending chains;
//! every pair of a chain is checked (both ways), so each chain of n versions checks
//! n(n-1)/2 ordered pairs.
//!
//! Then the real versions: every `secfixes` key of `../shared/vulndata/alpine-secdb` and the
//! Alpine versions (events and enumerated lists) of `../shared/vulndata/debian-osv`. The
//! handful of malformed secdb keys must be refused, exactly those; the rest must sort into
//! one consistent order (reflexive, antisymmetric, transitive).

use std::cmp::Ordering;
use std::collections::BTreeSet;

use bulkhead_version::{Scheme, compare};

use crate::dpkg::Rng;

fn cmp(a: &str, b: &str) -> Ordering {
    compare(Scheme::Apk, a, b).unwrap_or_else(|e| panic!("{a:?} vs {b:?}: {e}"))
}

/// Checks that `chain` is strictly ascending: every earlier version is less than every later
/// one, and the reverse comparisons say greater. Returns the number of ordered pairs checked.
fn ascending(rule: &str, chain: &[&str]) -> usize {
    let mut checked = 0;
    for (i, a) in chain.iter().enumerate() {
        assert_eq!(cmp(a, a), Ordering::Equal, "{a} = {a}");
        for b in &chain[i + 1..] {
            assert_eq!(cmp(a, b), Ordering::Less, "{a} < {b} ({rule})");
            assert_eq!(cmp(b, a), Ordering::Greater, "{b} > {a} ({rule})");
            checked += 2;
        }
    }
    checked
}

fn equal(rule: &str, a: &str, b: &str) -> usize {
    assert_eq!(cmp(a, b), Ordering::Equal, "{a} = {b} ({rule})");
    assert_eq!(cmp(b, a), Ordering::Equal, "{b} = {a} ({rule})");
    2
}

#[test]
fn hand_checked_orders_from_version_c() {
    let n = numbers() + token_kinds() + suffixes() + revisions_and_hashes() + real_and_upstream();
    assert!(n > 600, "only {n} hand-checked ordered pairs");
}

/// The initial number, later numbers and leading zeros.
fn numbers() -> usize {
    let mut n = 0;

    // token_first: "t->token = TOKEN_INITIAL_DIGIT; token_parse_digits(t, b);" and token_cmp
    // "case TOKEN_INITIAL_DIGIT: a = ta->number;": the first number is always numeric, leading
    // zeros and all.
    n += ascending(
        "initial number is numeric",
        &[
            "0", "1", "2", "9", "10", "99", "100", "394", "20050405", "20231231",
        ],
    );
    n += equal("initial number is numeric", "010", "10");
    n += equal("initial number is numeric", "006", "6");
    n += equal("initial number is numeric", "00", "0");
    n += ascending(
        "initial number is numeric",
        &["1.0.0", "006", "013", "014-r1", "021109-r3", "20060512"],
    );

    // token_cmp "case TOKEN_DIGIT: if (ta->value.ptr[0] == '0' || tb->value.ptr[0] == '0')
    // goto use_string_sort;" otherwise "fall throught to numeric comparison".
    n += ascending(
        "`.number` is numeric without leading zeros",
        &["1.2", "1.9", "1.10", "1.11", "1.99", "1.100", "1.1000"],
    );
    n += ascending(
        "`.number` with a leading zero on either side is a byte-wise sort",
        &[
            "1.0", "1.00", "1.000", "1.01", "1.010", "1.02", "1.09", "1.1",
        ],
    );
    n += ascending(
        "`.number` with a leading zero on either side is a byte-wise sort",
        &["1.02.07", "1.02.10-r1", "1.03-r1", "1.1.0"],
    );
    n += ascending(
        "`.number` byte-wise: `10` > `09` because '1' > '0'",
        &["1.09", "1.10"],
    );
    n += ascending(
        "apk_blob_sort: \"memcmp(...); if (s != 0) return s; return a.len - b.len;\"",
        &["2.0", "2.00", "2.001", "2.0010", "2.002"],
    );
    n += ascending(
        "later numbers compare one by one, left to right",
        &[
            "0.9.9",
            "0.9.10",
            "0.10.0",
            "0.10.1",
            "0.99.163",
            "1.0.0",
            "1.0.1",
            "1.0.1.1",
            "1.0.2",
            "1.2.12.1",
            "1.2.13",
            "2.6.15.20060110",
            "2.6.16.20060323",
        ],
    );
    n
}

/// What wins when one version has a token of another kind at the same spot.
fn token_kinds() -> usize {
    let mut n = 0;

    // apk_version_compare_fuzzy, after the loop of equal tokens: "the non-terminating version
    // is greater unless it's a suffix indicating pre-release": "if (ta.token > tb.token)
    // return APK_VERSION_LESS;" with the enum order INITIAL_DIGIT, DIGIT, LETTER, SUFFIX,
    // SUFFIX_NO, COMMIT_HASH, REVISION_NO, END.
    n += ascending(
        "more numbers is greater: END > DIGIT as a kind, so the ended version is less",
        &["1", "1.0", "1.0.0", "1.0.0.0", "1.0.0.1"],
    );
    n += ascending(
        "token_next \"case 'a' ... 'z'\": one letter after a number, compared by byte",
        &[
            "1.0", "1.0a", "1.0b", "1.0m", "1.0z", "1.0.0", "1.0.1", "1.1", "1.1a",
        ],
    );
    n += ascending(
        "a letter (LETTER) against more numbers (DIGIT): the letter side moved to a later kind",
        &["1.2", "1.2a", "1.2z", "1.2.0", "1.2.3", "1.2.3a", "1.2.4"],
    );
    n += ascending(
        "real letter versions (openssl)",
        &[
            "1.1.1", "1.1.1a", "1.1.1k", "1.1.1l", "1.1.1w", "1.1.2", "3.0.0",
        ],
    );
    n
}

/// `_suffix` and suffix numbers.
fn suffixes() -> usize {
    let mut n = 0;

    // DECLARE_SUFFIXES: INVALID, ALPHA, BETA, PRE, RC, NONE, CVS, SVN, GIT, HG, P, and
    // "if (ta.token == TOKEN_SUFFIX && ta.suffix < SUFFIX_NONE) return APK_VERSION_LESS;".
    n += ascending(
        "suffix order alpha < beta < pre < rc < (none) < cvs < svn < git < hg < p",
        &[
            "1.0_alpha",
            "1.0_alpha1",
            "1.0_alpha2",
            "1.0_alpha10",
            "1.0_beta",
            "1.0_beta1",
            "1.0_beta9",
            "1.0_pre",
            "1.0_pre1",
            "1.0_pre20060124",
            "1.0_rc",
            "1.0_rc1",
            "1.0_rc9",
            "1.0",
            "1.0_cvs",
            "1.0_svn",
            "1.0_git",
            "1.0_git20230101",
            "1.0_hg",
            "1.0_p",
            "1.0_p1",
            "1.0_p9",
            "1.0_p10",
            "1.0a",
            "1.0.1_alpha",
            "1.0.1",
        ],
    );
    n += ascending(
        "a pre-release suffix makes its side less even against a later number's absence",
        &["0.1.0_alpha", "0.1.0", "0.1.3_alpha", "0.1.3", "2.2.39-r1"],
    );
    n += ascending(
        "suffix numbers (SUFFIX_NO) are numeric",
        &["1.0_p1", "1.0_p2", "1.0_p9", "1.0_p10", "1.0_p100"],
    );
    n += equal("suffix numbers are numeric", "1.0_p01", "1.0_p1");
    n += equal("suffix numbers are numeric", "1.0_rc007", "1.0_rc7");
    n += ascending(
        "suffixes repeat (\"if (t->token > TOKEN_SUFFIX_NO) goto invalid\"); a second \
         pre-release suffix is less than none, a second post-release one greater",
        &[
            "1.0_alpha_alpha",
            "1.0_alpha_pre2",
            "1.0_alpha",
            "1.0_alpha_p",
            "1.0_alpha_p1",
        ],
    );
    n += ascending(
        "`_alpha1` (SUFFIX_NO) against `_alpha_p` (SUFFIX, not pre-release): SUFFIX_NO is the \
         later kind, so `_alpha1` is less",
        &["1.0_alpha", "1.0_alpha1", "1.0_alpha_p"],
    );
    n += ascending(
        "`_alpha1` against `_alpha_beta`: `_beta` is a pre-release suffix, so its side is less",
        &["1.0_alpha_beta", "1.0_alpha1"],
    );
    n
}

/// `-rN` and `~hash`.
fn revisions_and_hashes() -> usize {
    let mut n = 0;

    // token_next "case '-': ... apk_blob_pull_blob_match(b, APK_BLOB_STRLIT(\"-r\"))" then
    // "t->token = TOKEN_REVISION_NO; token_parse_digits(t, b);" compared as numbers.
    n += ascending(
        "revisions are numeric",
        &[
            "1.0-r0", "1.0-r1", "1.0-r2", "1.0-r9", "1.0-r10", "1.0-r100",
        ],
    );
    n += equal("revisions are numeric", "1.0-r01", "1.0-r1");
    n += ascending(
        "a missing revision is not -r0: END > REVISION_NO as a kind, so the ended one is less",
        &["1.0", "1.0-r0", "1.0-r1"],
    );
    n += ascending(
        "the revision is the last kind: anything else at that spot wins over it",
        &[
            "1.0_rc1-r9",
            "1.0",
            "1.0-r0",
            "1.0-r99",
            "1.0~abc",
            "1.0_cvs",
            "1.0_p1-r0",
            "1.0a-r0",
            "1.0.0-r0",
        ],
    );
    n += ascending(
        "the revision only decides when everything before it ties",
        &[
            "2.3.0b-r1",
            "2.3.0b-r2",
            "2.3.0b-r3",
            "2.3.0b-r4",
            "2.3.0c-r0",
            "2.3.1-r0",
        ],
    );

    // token_next "case '~': ... apk_blob_spn(*b, APK_CTYPE_HEXDIGIT, ...)
    // t->token = TOKEN_COMMIT_HASH" compared by "default: r = apk_blob_sort(...)".
    n += ascending(
        "commit hashes sort as bytes, after the revision kind and before suffixes",
        &[
            "1.0",
            "1.0-r0",
            "1.0~0",
            "1.0~0123",
            "1.0~1",
            "1.0~9f",
            "1.0~abc",
            "1.0~abc-r0",
            "1.0~abc-r1",
            "1.0~abd",
            "1.0~f",
            "1.0_cvs",
        ],
    );
    n += ascending(
        "a hash after a suffix",
        &[
            "1.0_git20230101",
            "1.0_git20230101~0ad",
            "1.0_git20230101~0ad-r1",
            "1.0_git20230102",
        ],
    );
    n
}

/// Real Alpine versions, apk-tools' own test data, and our one deliberate difference.
fn real_and_upstream() -> usize {
    let mut n = 0;

    // Real Alpine versions in secdb order.
    n += ascending(
        "real versions (openssh, busybox, ncurses, openssl, expat)",
        &[
            "9.3_p1-r5",
            "9.3_p2-r0",
            "9.4_p1-r0",
            "9.6_p1-r0",
            "9.7_p1-r4",
            "9.9_p1-r0",
        ],
    );
    n += ascending(
        "real busybox revisions",
        &[
            "1.36.1-r0",
            "1.36.1-r2",
            "1.36.1-r7",
            "1.36.1-r15",
            "1.36.1-r29",
            "1.37.0-r0",
        ],
    );
    n += ascending(
        "real ncurses snapshots",
        &[
            "6.3_p20211120-r0",
            "6.3_p20220416-r0",
            "6.4_p20230506-r0",
            "6.4_p20231125-r0",
            "6.5_p20240601-r0",
        ],
    );
    n += ascending(
        "real openssl with letters and revisions",
        &[
            "1.0.2t-r0",
            "1.0.2u-r0",
            "1.1.1d-r0",
            "1.1.1g-r0",
            "1.1.1k-r0",
            "1.1.1t-r0",
            "3.0.8-r0",
            "3.0.8-r1",
            "3.1.4-r5",
        ],
    );

    // apk-tools' own test/version.data, cases that look surprising.
    n += ascending("version.data: `1.0 < 1.0bc`", &["1.0", "1.0b"]);
    n += ascending(
        "version.data: `6.0_pre1 < 6.0 < 6.0_p1`",
        &["6.0_pre1", "6.0", "6.0_p1"],
    );
    n += ascending(
        "version.data: `0.20070118 < 0.20070207_rc1 < 1.0`",
        &["0.20070118", "0.20070207_rc1", "1.0"],
    );
    n += ascending(
        "version.data: `1.0.0_pre20191002222144 < 1.0.0_pre20210530193627`",
        &["1.0.0_pre20191002222144-r0", "1.0.0_pre20210530193627-r0"],
    );

    // Deliberate difference (see src/apk.rs): apk-tools keeps numbers in a wrapping uint64_t;
    // we compare exactly, so 2^64 is greater than 2^64 - 1 and not equal to 0.
    n += ascending(
        "numbers of any length compare exactly",
        &[
            "1.18446744073709551615",
            "1.18446744073709551616",
            "1.99999999999999999999999999999",
            "18446744073709551616",
        ],
    );
    n += ascending("initial zero against 2^64", &["0", "18446744073709551616"]);
    n
}

#[test]
fn validity_follows_apk_version_validate() {
    // Every token kind, in order, once or repeated where token_next allows it.
    for valid in [
        "0",
        "1",
        "1.2.3",
        "1.0a",
        "1.0_alpha",
        "1.0_alpha1_beta2_p3",
        "1.0_p1-r5",
        "1.0~abc123-r0",
        "1.0_git20230101~deadbeef-r1",
        "1.0a_p1~0-r0",
        "20230101",
        "007.007",
    ] {
        assert!(compare(Scheme::Apk, valid, "1").is_ok(), "{valid} is valid");
    }
    for (invalid, why) in [
        ("", "token_parse_digits: no digits is TOKEN_INVALID"),
        ("a", "must start with a digit"),
        (".1", "must start with a digit"),
        ("-r1", "must start with a digit"),
        ("1.", "`.` then no digits"),
        ("1..2", "`.` then no digits"),
        ("1.0ab", "a letter only after a number (LETTER > DIGIT)"),
        ("1.0A", "uppercase is not in `case 'a' ... 'z'`"),
        ("1.0a1", "a number after a letter: `default: goto invalid`"),
        ("1.0a.1", "`.` after a letter (LETTER > DIGIT)"),
        ("1.0_", "suffix_value: an empty suffix is SUFFIX_INVALID"),
        ("1.0_foo", "unknown suffix"),
        (
            "1.0_Alpha",
            "suffix letters are lowercase (APK_CTYPE_VERSION_SUFFIX)",
        ),
        ("1.0_p1.2", "`.` after a suffix number (SUFFIX_NO > DIGIT)"),
        ("1.0-r", "`-r` then no digits"),
        ("1.0-1", "`-` must be `-r`"),
        ("1.0-r1-r2", "one revision (REVISION_NO >= REVISION_NO)"),
        ("1.0-r1a", "nothing after the revision"),
        ("1.0-r1_p1", "nothing after the revision"),
        ("1.0-r1~abc", "nothing after the revision"),
        ("1.0~", "an empty hash"),
        ("1.0~ABC", "hashes are lowercase hex (APK_CTYPE_HEXDIGIT)"),
        ("1.0~xyz", "hashes are hex"),
        ("1.0~ab~cd", "one hash (COMMIT_HASH >= COMMIT_HASH)"),
        (
            "1.0~ab_p1",
            "a suffix after a hash (COMMIT_HASH > SUFFIX_NO)",
        ),
        ("1.0 ", "a space is not a token"),
        (" 1.0", "must start with a digit"),
        ("1:1.0", "no epochs"),
        ("1.0+1", "`+` is not a token"),
        ("1.0\0", "a NUL is not a token"),
        ("1.0\u{e9}", "non-ASCII is not a token"),
    ] {
        let err = compare(Scheme::Apk, invalid, "1").expect_err(invalid);
        assert_eq!(err.scheme, "apk");
        assert!(!err.reason.is_empty(), "{invalid}: {why}");
        assert!(
            compare(Scheme::Apk, "1", invalid).is_err(),
            "{invalid}: {why}"
        );
    }
}

/// Every `secfixes` key of the Alpine secdb files (pretty-printed JSON: a key is a line
/// `"<version>": [` inside a `secfixes` object).
fn secdb_versions() -> BTreeSet<String> {
    let dir = bulkhead_test::shared_dir().join("vulndata/alpine-secdb");
    let mut out = BTreeSet::new();
    let mut releases = 0;
    for release in std::fs::read_dir(&dir).unwrap() {
        let release = release.unwrap().path();
        if !release.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&release).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            releases += 1;
            let text = std::fs::read_to_string(&path).unwrap();
            let mut in_secfixes = false;
            for line in text.lines() {
                let t = line.trim();
                if t == "\"secfixes\": {" {
                    in_secfixes = true;
                } else if in_secfixes && t.starts_with('}') {
                    in_secfixes = false;
                } else if let Some(key) = t
                    .strip_prefix('"')
                    .and_then(|k| k.strip_suffix("\": ["))
                    .filter(|_| in_secfixes)
                {
                    out.insert(key.to_owned());
                }
            }
        }
    }
    assert!(
        releases >= 40,
        "only {releases} secdb files under {}",
        dir.display()
    );
    out
}

#[test]
fn real_versions_are_valid_and_sort_consistently() {
    let secdb = secdb_versions();
    assert!(secdb.len() > 4000, "only {} secdb versions", secdb.len());

    // The secdb's malformed keys, each refused by apk_version_validate for the reason given.
    let malformed: BTreeSet<&str> = [
        // `.` must be followed by digits.
        "0.12.5.-r0",
        "1.0.4.-r0",
        "1.18.-r2",
        "1.7.5.-r1",
        "4.8.0.-r1",
        "0.8.21.r2",
        "10.2.22.r0",
        "10.2.24.r0",
        "2.15.r-r1",
        // A number after a letter.
        "1.9.5p2-r0",
        "3.3.3p1-r3",
        "6.6.2p1-r0",
        "6.6.4p1-r1",
        "6.6.4p1-r2",
        "6.7.1p1-r1",
        // `-` not followed by `r`.
        "1.11-20-r0",
        "10.0.11-0",
        "4.10-1-r1",
        "57-1-r2",
        "2021-03-27-r5",
    ]
    .into_iter()
    .collect();
    let refused: BTreeSet<&str> = secdb
        .iter()
        .map(String::as_str)
        .filter(|v| compare(Scheme::Apk, v, "0").is_err())
        .collect();
    assert_eq!(refused, malformed, "the secdb keys we refuse");

    let osv = crate::support::osv_versions(
        &bulkhead_test::shared_dir().join("vulndata/debian-osv"),
        Some("Alpine"),
        true,
    );
    let osv_total = osv.len();
    let mut versions: Vec<String> = secdb
        .into_iter()
        .chain(osv)
        .filter(|v| compare(Scheme::Apk, v, "0").is_ok())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(
        versions.len() > 7000,
        "only {} valid versions ({osv_total} from OSV)",
        versions.len()
    );

    let mut checked = 0usize;
    // Reflexive.
    for v in &versions {
        assert_eq!(cmp(v, v), Ordering::Equal, "{v} = {v}");
    }
    // Sorting works only if the order is total; then every pair of the sorted list must be in
    // order (which transitivity implies). Check all pairs within a window, and random pairs
    // across the whole list, both ways round.
    versions.sort_by(|a, b| cmp(a, b));
    let mut rng = Rng::new(0x00a9_c7e5);
    let mut check = |i: usize, j: usize| {
        let (a, b) = (&versions[i], &versions[j]);
        let forward = cmp(a, b);
        let backward = cmp(b, a);
        assert_ne!(forward, Ordering::Greater, "sorted {a} (#{i}) > {b} (#{j})");
        assert_eq!(
            forward,
            backward.reverse(),
            "{a} vs {b} is not antisymmetric"
        );
        checked += 1;
    };
    for i in 0..versions.len() {
        for j in i + 1..versions.len().min(i + 24) {
            check(i, j);
        }
    }
    for _ in 0..200_000 {
        let (x, y) = (rng.below(versions.len()), rng.below(versions.len()));
        check(x.min(y), x.max(y));
    }
    assert!(checked > 300_000, "only {checked} pairs checked");
    // Random triples, for transitivity directly.
    let mut triples = 0;
    for _ in 0..100_000 {
        let a = rng.pick_ref(&versions);
        let b = rng.pick_ref(&versions);
        let c = rng.pick_ref(&versions);
        if cmp(a, b) != Ordering::Greater && cmp(b, c) != Ordering::Greater {
            assert_ne!(
                cmp(a, c),
                Ordering::Greater,
                "{a} <= {b} <= {c} but {a} > {c}"
            );
            triples += 1;
        }
    }
    assert!(triples > 10_000, "only {triples} ordered triples met");
}

#[test]
fn absurd_inputs_are_bounded() {
    crate::dpkg::assert_total_on_noise(Scheme::Apk);
    let long_a = format!("1.{}", "9".repeat(1 << 20));
    let long_b = format!("1.1{}", "0".repeat(1 << 20));
    assert_eq!(compare(Scheme::Apk, &long_a, &long_b), Ok(Ordering::Less));
    let many = format!("1{}", ".1".repeat(1 << 19));
    assert_eq!(compare(Scheme::Apk, &many, &many), Ok(Ordering::Equal));
    let suffixes = format!("1{}", "_p".repeat(1 << 19));
    assert_eq!(compare(Scheme::Apk, &suffixes, "1"), Ok(Ordering::Greater));
    let err = compare(Scheme::Apk, &format!("{long_a}X"), "1").unwrap_err();
    assert!(err.version.len() <= 200, "errors quote a bounded prefix");
}
