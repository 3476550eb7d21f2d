//! `gem` against its authoritative comparator: RubyGems itself (`Gem::Version.correct?` and
//! `Gem::Version#<=>`, from Debian's `ruby`), one `ruby` process reading pairs on stdin.
//!
//! Versions: every version in the GitHub advisories for RubyGems (`ghsa-rubygems`) and in the
//! rubysec advisory database (`ruby-advisory-db`, the versions inside its `patched_versions` and
//! `unaffected_versions` requirements), plus generated ones: prereleases by letters and by `-`,
//! trailing zeros in both parts, mixed case, leading zeros, long numbers, whitespace, and
//! malformed strings (which `correct?` rejects and we must refuse).

use std::collections::BTreeSet;
use std::process::Command;

use bulkhead_test::{require_tool, shared_dir};
use bulkhead_version::{Scheme, compare};

use crate::golang::support::{Mismatches, Rng, files, hex_lines, osv_versions, pairs, pipe};

const SCRIPT: &str = r##"
$stdout.sync = false
STDIN.each_line do |line|
  a, b = line.chomp.split(",", -1).map { |h| [h].pack("H*") }
  ca = Gem::Version.correct?(a)
  cb = Gem::Version.correct?(b)
  cmp = (ca && cb) ? (Gem::Version.new(a) <=> Gem::Version.new(b)) : "x"
  puts "#{ca} #{cb} #{cmp}"
end
"##;

/// For each pair: whether RubyGems accepts each side, and `<=>` when both are accepted.
fn ruby_oracle(pairs: &[(String, String)]) -> Vec<(bool, bool, Option<i32>)> {
    require_tool("ruby", "ruby");
    let input = hex_lines(pairs);
    let out = pipe(Command::new("ruby").args(["-e", SCRIPT]), &input);
    let answers: Vec<_> = out
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            (
                fields[0] == "true",
                fields[1] == "true",
                fields[2].parse().ok(),
            )
        })
        .collect();
    assert_eq!(
        answers.len(),
        pairs.len(),
        "ruby answered {} of {} pairs",
        answers.len(),
        pairs.len()
    );
    answers
}

/// The versions inside rubysec's requirement lists (`- ">= 1.2.3, < 2"`).
fn rubysec_versions() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for text in files(&shared_dir().join("vulndata/ruby-advisory-db/gems"), ".yml") {
        for line in text.lines() {
            let Some(item) = line.trim_start().strip_prefix("- ") else {
                continue;
            };
            let item = item.trim().trim_matches(|c| c == '"' || c == '\'');
            if !item.starts_with(['<', '>', '=', '~', '!']) {
                continue;
            }
            for requirement in item.split(',') {
                let version = requirement
                    .trim()
                    .trim_start_matches(['<', '>', '=', '~', '!'])
                    .trim();
                out.insert(version.to_owned());
            }
        }
    }
    out
}

fn generated(rng: &mut Rng) -> Vec<String> {
    let numbers = [
        "0",
        "1",
        "2",
        "9",
        "10",
        "00",
        "01",
        "0010",
        "99999999999999999999999",
    ];
    let words = [
        "a", "b", "pre", "rc", "RC", "beta", "Beta", "alpha", "z", "A",
    ];
    let mut out = Vec::new();
    for _ in 0..3000 {
        let mut version = rng.pick(&numbers).to_owned();
        for _ in 0..rng.below(5) {
            version.push('.');
            match rng.below(4) {
                0 => version.push_str(rng.pick(&words)),
                1 => {
                    version.push_str(rng.pick(&words));
                    version.push_str(rng.pick(&numbers));
                }
                _ => version.push_str(rng.pick(&numbers)),
            }
        }
        if rng.below(4) == 0 {
            version.push('-');
            version.push_str(rng.pick(&["1", "rc1", "beta.2", "pre", "a-b", "0", "-"]));
        }
        // Near-duplicates, which sort next to it: trailing zeros in either part, case.
        if rng.below(3) == 0 {
            let suffix = rng.pick(&[".0", ".0.0", ".00", "-0", ".a", ".a.0", "0"]);
            out.push(format!("{version}{suffix}"));
            out.push(version.to_uppercase());
        }
        match rng.below(30) {
            0 => version = format!("  {version}\n"),
            3 => version = format!("\u{b}{version}\u{c}\r\t"),
            1 => version.push_str(rng.pick(&[".", "-", "..", "_", " x", "+1"])),
            2 => version.insert_str(0, rng.pick(&["v", ".", "a", "-"])),
            _ => {}
        }
        out.push(version);
    }
    out.extend(
        [
            "",
            " ",
            "\t",
            "1.0\u{e9}",
            "1..0",
            "1.0-",
            "1.0-.a",
            "1a",
            "1.a-",
        ]
        .map(str::to_owned),
    );
    out
}

#[test]
fn gem_matches_rubygems() {
    let mut rng = Rng::new(0x6e3);
    let mut real = osv_versions(&shared_dir().join("vulndata/ghsa-rubygems"));
    let ghsa = real.len();
    real.extend(rubysec_versions());
    assert!(
        ghsa > 700 && real.len() > ghsa + 200,
        "too few versions: {ghsa} from GHSA, {} with rubysec",
        real.len()
    );
    let mut pool: Vec<String> = real.into_iter().collect();
    pool.extend(generated(&mut rng));
    let pairs = pairs(&mut rng, &pool, 12_000);

    let answers = ruby_oracle(&pairs);
    let mut mismatches = Mismatches::new("gem vs Gem::Version");
    let mut ordered = 0;
    for ((a, b), (valid_a, valid_b, cmp)) in pairs.iter().zip(answers) {
        let expected = if valid_a && valid_b {
            cmp.map(|c| c.cmp(&0))
        } else {
            None
        };
        ordered += usize::from(expected.is_some());
        let ours = compare(Scheme::RubyGems, a, b).ok();
        if ours != expected {
            mismatches.push(format!("{a:?} vs {b:?}: ours {ours:?}, RubyGems {expected:?} (correct?: {valid_a}, {valid_b})"));
        }
    }
    mismatches.finish(pairs.len());
    assert!(ordered > 9_000, "only {ordered} pairs were both valid");
}
