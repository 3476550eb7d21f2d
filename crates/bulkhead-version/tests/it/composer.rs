//! `composer` against its authoritative comparator: composer/semver itself (Debian's
//! `php-composer-semver`, 3.3.2, on `php-cli`), one `php` process reading pairs on stdin. For
//! each pair it runs `VersionParser::normalize` on both sides and, when both normalise,
//! `Comparator::lessThan`, `equalTo` and `greaterThan` on the results, which is exactly what
//! we claim to do.
//!
//! Versions: every version in the GitHub advisories for Packagist (`ghsa-composer`) and in
//! FriendsOfPHP's security advisories (`friendsofphp-security-advisories`, the versions inside
//! `branches.*.versions` constraints such as `'>=2.0.0'`, and the branch names themselves, as
//! written and as `-dev` and `dev-` branches), plus generated ones: one to five numbers (up to
//! past 2^63), `v` prefixes, every stability word in several cases with numbers and
//! separators, `dev` suffixes, dates with and without separators, branches, aliases, stability
//! flags, build metadata, surrounding and inner whitespace, and malformed strings.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use bulkhead_test::{require_tool, shared_dir};
use bulkhead_version::{Scheme, VersionError, compare};

use crate::golang::support::{Mismatches, Rng, files, hex_lines, osv_versions, pairs, pipe};

const AUTOLOAD: &str = "/usr/share/php/Composer/Semver/autoload.php";

/// Prints `<a valid> <b valid> <lt><eq><gt> <normalised a> <normalised b>` (the normalised
/// strings hex-encoded, for the failure message) per pair.
const SCRIPT: &str = r#"
require getenv('COMPOSER_SEMVER_AUTOLOAD');
use Composer\Semver\Comparator;
use Composer\Semver\VersionParser;
$parser = new VersionParser();
$normalize = function ($v) use ($parser) {
    try {
        return $parser->normalize($v);
    } catch (\UnexpectedValueException $e) {
        return null;
    }
};
$out = '';
while (($line = fgets(STDIN)) !== false) {
    [$a, $b] = array_map('hex2bin', explode(',', rtrim($line, "\n")));
    $na = $normalize($a);
    $nb = $normalize($b);
    $ops = '-';
    if ($na !== null && $nb !== null) {
        $ops = (int) Comparator::lessThan($na, $nb) . (int) Comparator::equalTo($na, $nb)
            . (int) Comparator::greaterThan($na, $nb);
    }
    $out .= (int) ($na !== null) . ' ' . (int) ($nb !== null) . ' ' . $ops . ' '
        . bin2hex((string) $na) . ' ' . bin2hex((string) $nb) . "\n";
}
echo $out;
"#;

/// What composer/semver says about one pair.
#[derive(Debug)]
struct Answer {
    valid: (bool, bool),
    /// `lessThan`, `equalTo`, `greaterThan`, when both sides normalise.
    ops: Option<[bool; 3]>,
    normalized: (String, String),
}

fn composer_oracle(pairs: &[(String, String)]) -> Vec<Answer> {
    require_tool("php", "php-cli");
    assert!(
        Path::new(AUTOLOAD).is_file(),
        "`{AUTOLOAD}` is required for this test: `apt-get install php-composer-semver`"
    );
    let out = pipe(
        Command::new("php")
            .args([
                "-d",
                "error_reporting=-1",
                "-d",
                "display_errors=stderr",
                "-r",
                SCRIPT,
            ])
            .env("COMPOSER_SEMVER_AUTOLOAD", AUTOLOAD),
        &hex_lines(pairs),
    );
    let unhex = |h: &str| {
        let bytes: Vec<u8> = (0..h.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let answers: Vec<Answer> = out
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            assert_eq!(fields.len(), 5, "unexpected php output line {line:?}");
            let ops = (fields[2] != "-").then(|| {
                let bits: Vec<bool> = fields[2].bytes().map(|b| b == b'1').collect();
                [bits[0], bits[1], bits[2]]
            });
            Answer {
                valid: (fields[0] == "1", fields[1] == "1"),
                ops,
                normalized: (unhex(fields[3]), unhex(fields[4])),
            }
        })
        .collect();
    assert_eq!(
        answers.len(),
        pairs.len(),
        "php answered {} of {} pairs",
        answers.len(),
        pairs.len()
    );
    answers
}

/// The versions inside FriendsOfPHP's `versions: ['>=2.0.0', '<2.0.99']` lists, and its branch
/// names (`2.0.x:`) as written, as `-dev` branches and as `dev-` branches.
fn friendsofphp_versions(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for text in files(dir, ".yaml") {
        let mut branches_indent = None;
        for line in text.lines() {
            let indent = line.len() - line.trim_start().len();
            let trimmed = line.trim();
            if trimmed == "branches:" {
                branches_indent = Some(indent);
                continue;
            }
            if let Some(outer) = branches_indent {
                if !trimmed.is_empty() && indent <= outer {
                    branches_indent = None;
                } else if let Some(name) = trimmed.strip_suffix(':') {
                    let name = name.trim_matches(|c| c == '"' || c == '\'');
                    out.insert(name.to_owned());
                    out.insert(format!("{name}-dev"));
                    out.insert(format!("dev-{name}"));
                }
            }
            let Some((_, list)) = line.split_once("versions:") else {
                continue;
            };
            for item in list.trim().trim_matches(['[', ']']).split(',') {
                let version = item
                    .trim()
                    .trim_matches(|c| c == '\'' || c == '"')
                    .trim_start_matches(['<', '>', '=', '!', '~', '^'])
                    .trim();
                if !version.is_empty() {
                    out.insert(version.to_owned());
                }
            }
        }
    }
    out
}

const NUMBERS: [&str; 15] = [
    "0",
    "1",
    "2",
    "9",
    "10",
    "00",
    "01",
    "007",
    "12345",
    // Too long for a major (at most five digits), and past `i64::MAX`.
    "123456",
    "99999",
    "9999999",
    "9223372036854775807",
    "9223372036854775808",
    "99999999999999999999",
];

// Pieces of a modifier composer accepts, then pieces it may not (used a quarter of the time).
const WORDS: [&str; 21] = [
    "stable", "STABLE", "Stable", "beta", "Beta", "BETA", "b", "B", "RC", "rc", "Rc", "alpha",
    "ALPHA", "a", "A", "patch", "Patch", "pl", "PL", "p", "P",
];
const ODD_WORDS: [&str; 10] = [
    "dev", "DEV", "gm", "test", "r", "c", "x", "s", "bet", "alph",
];
const STABILITY_NUMBERS: [&str; 11] = [
    "", "", "1", "2", "10", ".1", "-1", "1.2", ".1.2", "-1-2", "01",
];
const ODD_STABILITY_NUMBERS: [&str; 5] = ["1-", "1.", "_1", "..1", "+1"];
const DEV_SUFFIXES: [&str; 8] = ["", "", "", "dev", "-dev", ".dev", "DEV", "-Dev"];
const ODD_DEV_SUFFIXES: [&str; 4] = ["_dev", "--dev", "-devel", "dev1"];
const SEPARATORS: [&str; 5] = ["", "", ".", "-", "_"];
const ODD_SEPARATORS: [&str; 4] = ["+", "..", "-.", "~"];

/// Usually one of `usual`, sometimes one of `odd`.
fn usually(rng: &mut Rng, usual: &[&'static str], odd: &[&'static str]) -> &'static str {
    if rng.below(4) == 0 {
        rng.pick(odd)
    } else {
        rng.pick(usual)
    }
}

/// What may follow the numbers: `-beta.2`, `RC1-dev`, `dev`, nothing, or something odd.
fn modifier(rng: &mut Rng) -> String {
    let mut m = String::new();
    if rng.below(2) == 0 {
        return m;
    }
    if rng.below(3) > 0 {
        m.push_str(usually(rng, &SEPARATORS, &ODD_SEPARATORS));
        m.push_str(usually(rng, &WORDS, &ODD_WORDS));
        m.push_str(usually(rng, &STABILITY_NUMBERS, &ODD_STABILITY_NUMBERS));
    }
    m.push_str(usually(rng, &DEV_SUFFIXES, &ODD_DEV_SUFFIXES));
    m
}

/// One to five numbers, mostly with a major of at most five digits, as composer wants.
fn classical(rng: &mut Rng) -> String {
    let mut v = rng.pick(&["", "", "", "v", "V"]).to_owned();
    let majors = if rng.below(8) == 0 { NUMBERS.len() } else { 9 };
    v.push_str(rng.pick(&NUMBERS[..majors]));
    let more = if rng.below(8) == 0 { 5 } else { 4 };
    for _ in 0..rng.below(more) {
        v.push('.');
        v.push_str(rng.pick(&NUMBERS));
    }
    v + &modifier(rng)
}

/// Four digits, then mostly two-digit groups, some separated.
fn date(rng: &mut Rng) -> String {
    let mut v = rng.pick(&["", "", "v"]).to_owned();
    v.push_str(rng.pick(&["2010", "1999", "20100102", "0001"]));
    for _ in 0..rng.below(8) {
        if rng.below(5) == 0 {
            v.push_str(rng.pick(&["", "", ".", ":", "-", "_", "/", " "]));
            v.push_str(rng.pick(&["1", "123", "1234"]));
        } else {
            v.push_str(rng.pick(&["", "", ".", ":", "-"]));
            v.push_str(rng.pick(&["01", "12", "31", "00"]));
        }
    }
    v + &modifier(rng)
}

/// `dev-name`, `master`, numeric branches with `x` or `*`.
fn branch(rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => {
            let names = [
                "master",
                "main",
                "feature/x",
                "1.0",
                "Foo",
                "foo bar",
                "a.b-c",
                "\u{e9}t\u{e9}",
                "#1",
                "",
                "1.x",
                "beta",
            ];
            let prefix = rng.pick(&["dev-", "DEV-", "Dev-", "dev", "dev_"]);
            format!("{prefix}{}", rng.pick(&names))
        }
        1 => rng
            .pick(&["master", "trunk", "default", "Master", "main"])
            .to_owned(),
        _ => {
            let mut v = rng.pick(&["", "v", "V"]).to_owned();
            v.push_str(rng.pick(&NUMBERS[..6]));
            for _ in 0..rng.below(5) {
                v.push('.');
                v.push_str(rng.pick(&["x", "X", "*", "1", "0", "y", ""]));
            }
            v + usually(rng, &DEV_SUFFIXES, &ODD_DEV_SUFFIXES)
        }
    }
}

/// Anything at all, from the pieces.
fn junk(rng: &mut Rng) -> String {
    let mut v = String::new();
    for _ in 0..=rng.below(4) {
        v.push_str(usually(rng, &SEPARATORS, &ODD_SEPARATORS));
        v.push_str(match rng.below(3) {
            0 => rng.pick(&NUMBERS),
            1 => usually(rng, &WORDS, &ODD_WORDS),
            _ => rng.pick(&["@dev", "+b", " as 1.0", ",", "\n", "#", "v"]),
        });
    }
    v
}

fn generated(rng: &mut Rng) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..4000 {
        let mut version = match rng.below(10) {
            0..=5 => classical(rng),
            6 | 7 => date(rng),
            8 => branch(rng),
            _ => junk(rng),
        };
        // Near-duplicates, which sort next to it and may normalise to the same thing.
        if rng.below(3) == 0 {
            let suffix = rng.pick(&[".0", ".0.0", "-stable", "+build.1", "@dev", "@STABLE"]);
            out.push(format!("{version}{suffix}"));
            out.push(format!("v{version}"));
            out.push(version.to_uppercase());
        }
        // Decorations composer strips or refuses.
        match rng.below(25) {
            0 => version = format!("  {version}\n"),
            1 => version = format!("\t{version}\u{b}\0"),
            2 => version.push_str(" as 9.9"),
            3 => version.push_str(rng.pick(&["@dev", "@alpha", "@RC", "@stable", "@Beta"])),
            4 => version.push_str(rng.pick(&["+build", "+", "+a+b", "+a b"])),
            5 => version.push_str(rng.pick(&["\n@dev", " \n@dev", "\n\n@dev", "\u{c}"])),
            6 => version = format!("{}\n{version}", rng.pick(&["foo", "1.0", "dev"])),
            7 => version.push_str(rng.pick(&[",", " ", "..", "-", "_", "."])),
            _ => {}
        }
        out.push(version);
    }
    out.extend(
        [
            "",
            " ",
            "\0",
            "x",
            "1..0",
            ".1",
            "-1",
            "1.0-",
            "1.0.",
            "1.0_",
            "1.0--dev",
            "1.0-beta_1",
            "1.0-beta..1",
            "1.0 as",
            "as 1.0",
            "1.0 as 2.0 as 3.0",
            "dev-",
            "dev-\0x",
            "dev-a\nb",
            "1.0\u{e9}",
            "\u{e9}1.0",
            "1.0@",
            "@dev",
            "+build",
        ]
        .map(str::to_owned),
    );
    out
}

#[test]
fn composer_matches_composer_semver() {
    let shared = shared_dir();
    let mut rng = Rng::new(0xc0_4905);
    let mut real = osv_versions(&shared.join("vulndata/ghsa-composer"));
    let ghsa = real.len();
    real.extend(friendsofphp_versions(
        &shared.join("vulndata/friendsofphp-security-advisories"),
    ));
    assert!(
        ghsa > 2000 && real.len() > ghsa + 500,
        "too few versions: {ghsa} from GHSA, {} with FriendsOfPHP",
        real.len()
    );
    let real: Vec<String> = real.into_iter().collect();
    let mut pool = real.clone();
    pool.extend(generated(&mut rng));
    // Everything together, then the real versions alone (nearly all of which normalise).
    let mut pairs = pairs(&mut rng, &pool, 40_000);
    pairs.extend(crate::golang::support::pairs(&mut rng, &real, 20_000));

    let answers = composer_oracle(&pairs);
    let mut mismatches = Mismatches::new("composer vs composer/semver");
    let (mut ordered, mut equal, mut unordered, mut refused) = (0, 0, 0, 0);
    for ((a, b), answer) in pairs.iter().zip(answers) {
        let expected = match answer.ops {
            None => {
                refused += 1;
                None
            }
            Some([true, false, false]) => Some(Ordering::Less),
            Some([false, true, false]) => Some(Ordering::Equal),
            Some([false, false, true]) => Some(Ordering::Greater),
            Some([false, false, false]) => {
                unordered += 1;
                None
            }
            Some(ops) => {
                mismatches.push(format!(
                    "{a:?} vs {b:?}: composer/semver is inconsistent (<, ==, >: {ops:?})"
                ));
                continue;
            }
        };
        ordered += usize::from(expected.is_some());
        equal += usize::from(expected == Some(Ordering::Equal));
        let ours = compare(Scheme::Composer, a, b).ok();
        if ours != expected {
            mismatches.push(format!(
                "{a:?} vs {b:?}: ours {ours:?}, composer/semver {expected:?} (normalize: {:?}, {:?}; valid: {:?})",
                answer.normalized.0, answer.normalized.1, answer.valid
            ));
        }
    }
    mismatches.finish(pairs.len());
    assert!(
        ordered > 30_000 && equal > 600 && unordered > 800 && refused > 20_000,
        "too little coverage: {ordered} ordered ({equal} equal), {unordered} unordered, {refused} refused pairs"
    );
}

fn composer(a: &str, b: &str) -> Result<Ordering, VersionError> {
    compare(Scheme::Composer, a, b)
}

/// Asserts every pair of `chain` is ordered as the chain says (earlier is less).
fn assert_chain(chain: &[&str]) {
    for (i, a) in chain.iter().enumerate() {
        for (j, b) in chain.iter().enumerate() {
            assert_eq!(composer(a, b), Ok(i.cmp(&j)), "{a:?} vs {b:?}");
        }
    }
}

/// Asserts every pair of `group` is equal.
fn assert_equal(group: &[&str]) {
    for a in group {
        for b in group {
            assert_eq!(composer(a, b), Ok(Ordering::Equal), "{a:?} vs {b:?}");
        }
    }
}

// Each case below was also run through composer/semver 3.3.2 on PHP 8.2.
#[test]
fn composer_hand_checked_orderings() {
    // Stabilities (getcomposer.org, "Versions and constraints"): dev < alpha < beta < RC <
    // stable, and a patch release after its version; numbers follow the word.
    assert_chain(&[
        "0.0.1",
        "1.0.0-dev",
        "1.0.0-alpha1",
        "1.0.0-alpha2",
        "1.0.0-beta-dev",
        "1.0.0-beta",
        "1.0.0-beta.1",
        "1.0.0-beta2",
        "1.0.0-RC1",
        "1.0.0-rc.2",
        "1.0.0",
        "1.0.0-patch1",
        "1.0.0-pl2",
        "1.0.1",
        "1.0.10",
        "1.99999.0",
        // A numeric branch: its `x` is 9999999, and it is a dev version.
        "1.x-dev",
        "2.0.0-dev",
        "2.0.0",
        // A date-like version is one big number.
        "20100102",
    ]);

    // Normalisation makes these one version: `v`, padding, `stable`, build metadata, an
    // alias, a stability flag, a short stability word, the separator before it.
    assert_equal(&[
        "1.0",
        "v1.0.0",
        "1.0.0.0",
        "1.0-stable",
        "1.0+build.5",
        "1.0 as 2.0",
        "1.0@dev",
        " 1.0\n",
    ]);
    assert_equal(&["1.0b2", "1.0.0-beta.2", "1.0.0.0_BETA-2"]);
    assert_equal(&["1.0-p1", "1.0-pl1", "1.0-patch.1"]);

    // Branches: `master` is `dev-master`; a branch is below every numbered version, equal to
    // itself, and not ordered against another branch.
    assert_equal(&["dev-master", "master", "DEV-master"]);
    assert_eq!(composer("dev-master", "0.0.0-dev"), Ok(Ordering::Less));
    assert_eq!(
        composer("1.0.0-alpha1", "dev-feature/x"),
        Ok(Ordering::Greater)
    );
    assert!(composer("dev-master", "dev-main").is_err());

    // Quirks kept on purpose, because Composer has them:
    // `2010.01.02` is a classical version (`2010.01.02.0`), `2010-01-02` a date (`2010.01.02`).
    assert_eq!(composer("2010-01-02", "2010.01.02"), Ok(Ordering::Less));
    // Only lowercase `stable` is dropped; `STABLE` stays a word, below every special form.
    assert_eq!(composer("1.0-STABLE", "1.0-dev"), Ok(Ordering::Less));
    // PHP's `strtol` saturates at 2^63 - 1.
    assert_eq!(
        composer("1.99999999999999999999", "1.9223372036854775807"),
        Ok(Ordering::Equal)
    );

    // Strings composer cannot normalise.
    for invalid in [
        "",
        "foo",
        "1.0.0.0.0",
        "1.2.x",
        "6.0.0-GM",
        "1.3.0r1",
        "1.0@dev@dev",
        "123456789.0",
    ] {
        assert!(composer(invalid, "1.0").is_err(), "{invalid:?}");
        assert!(composer("1.0", invalid).is_err(), "{invalid:?}");
    }
}
