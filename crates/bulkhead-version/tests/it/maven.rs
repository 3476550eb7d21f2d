//! `maven` against its authoritative comparator: Maven's own `ComparableVersion`, run from the
//! `maven-artifact` jar (Debian: `libmaven3-core-java`, `/usr/share/java/maven3-artifact.jar`)
//! through its `main`, which prints how each argument compares with the one before it. One JVM
//! run orders every adjacent pair of a long argument list.
//!
//! Versions: every version in the GitHub advisories for Maven (`ghsa-maven`: range events and
//! `versions` lists), plus generated mixes of numbers (leading zeros, `int`/`long`/`BigInteger`
//! sizes), known and unknown qualifiers in any case, `.`/`-`/no separator, and empty items.

use std::path::PathBuf;
use std::process::Command;

use bulkhead_test::{require_tool, shared_dir};
use bulkhead_version::{Scheme, compare};

use crate::golang::support::{Mismatches, Rng, osv_versions, pairs};

const JARS: [&str; 3] = [
    "/usr/share/java/maven3-artifact.jar",
    "/usr/share/maven/lib/maven-artifact-3.x.jar",
    "/usr/share/java/maven-artifact.jar",
];

fn maven_artifact_jar() -> PathBuf {
    JARS.iter().map(PathBuf::from).find(|p| p.is_file()).unwrap_or_else(|| {
        panic!("Maven's ComparableVersion is required: `apt-get install libmaven3-core-java` (looked for {JARS:?})")
    })
}

/// Orders each adjacent pair of `versions` with the real `ComparableVersion`.
fn maven_oracle(versions: &[String]) -> Vec<std::cmp::Ordering> {
    require_tool("java", "default-jre-headless");
    let out = bulkhead_test::run(
        Command::new("java")
            .arg("-cp")
            .arg(maven_artifact_jar())
            .arg("org.apache.maven.artifact.versioning.ComparableVersion")
            .args(versions),
    );
    // `main` prints "N. version -> canonical…" for each argument and, from the second on,
    // "   previous OP version" first.
    let lines: Vec<&str> = out.lines().filter(|l| l.starts_with("   ")).collect();
    assert_eq!(
        lines.len() + 1,
        versions.len(),
        "unexpected output from ComparableVersion:\n{out}"
    );
    lines
        .iter()
        .zip(versions.windows(2))
        .map(|(line, pair)| {
            let op = line
                .strip_prefix(&format!("   {} ", pair[0]))
                .and_then(|rest| rest.strip_suffix(&format!(" {}", pair[1])))
                .unwrap_or_else(|| panic!("cannot read {line:?} for {pair:?}"));
            match op {
                "<" => std::cmp::Ordering::Less,
                "==" => std::cmp::Ordering::Equal,
                ">" => std::cmp::Ordering::Greater,
                _ => panic!("unexpected comparison {line:?}"),
            }
        })
        .collect()
}

fn generated(rng: &mut Rng) -> Vec<String> {
    let numbers = [
        "0",
        "1",
        "2",
        "9",
        "10",
        "01",
        "00",
        "000",
        "123456789",
        "1234567890",
        "000000000",
        "0000000000",
        "000000000000000000",
        "0000000000000000000",
        "00000000001",
        "999999999999999999",
        "1000000000000000000",
        "12345678901234567890123",
    ];
    let qualifiers = [
        "alpha",
        "a",
        "beta",
        "b",
        "milestone",
        "m",
        "rc",
        "cr",
        "snapshot",
        "SNAPSHOT",
        "ga",
        "GA",
        "final",
        "Final",
        "release",
        "RELEASE",
        "sp",
        "SP",
        "foo",
        "x",
        "z",
        "Alpha",
        "abc",
        "jre",
        "android",
        "M",
        "RC",
        "pre",
        "dev",
        "_",
        "+",
        " ",
    ];
    let separators = [".", ".", "-", "-", "", "..", "-.", ".-", "--"];
    let mut out = Vec::new();
    for _ in 0..4000 {
        let mut version = String::new();
        if rng.below(20) == 0 {
            version.push_str(rng.pick(&separators));
        }
        for i in 0..=rng.below(6) {
            if i > 0 {
                version.push_str(rng.pick(&separators));
            }
            if rng.below(5) < 3 {
                version.push_str(rng.pick(&numbers));
            } else {
                version.push_str(rng.pick(&qualifiers));
            }
        }
        if rng.below(20) == 0 {
            version.push_str(rng.pick(&separators));
        }
        // Near-duplicates, which sort next to it: trailing nulls, case, aliases.
        if rng.below(3) == 0 {
            let suffix = rng.pick(&[".0", "-0", ".0.0", "-ga", ".final", "-", "0", "-sp", "-1"]);
            out.push(format!("{version}{suffix}"));
            out.push(version.to_uppercase());
        }
        out.push(version);
    }
    out
}

#[test]
fn maven_matches_comparable_version() {
    let mut rng = Rng::new(0x3a7e);
    let real = osv_versions(&shared_dir().join("vulndata/ghsa-maven"));
    assert!(
        real.len() > 3000,
        "only {} versions found in ghsa-maven",
        real.len()
    );
    // A newline would break `main`'s output; non-ASCII versions are outside what our
    // comparator accepts (see maven.rs).
    let mut pool: Vec<String> = real
        .into_iter()
        .filter(|v| v.is_ascii() && !v.contains('\n'))
        .collect();
    pool.push(String::new());
    pool.extend(generated(&mut rng));
    let pairs = pairs(&mut rng, &pool, 12_000);
    // a1 b1 a2 b2 …: every adjacent pair is compared, the chosen ones and the links between.
    let sequence: Vec<String> = pairs.into_iter().flat_map(|(a, b)| [a, b]).collect();

    let answers = maven_oracle(&sequence);
    let mut mismatches = Mismatches::new("maven vs ComparableVersion");
    for (pair, expected) in sequence.windows(2).zip(answers) {
        let ours = compare(Scheme::Maven, &pair[0], &pair[1]);
        if ours != Ok(expected) {
            mismatches.push(format!(
                "{:?} vs {:?}: ours {ours:?}, ComparableVersion {expected:?}",
                pair[0], pair[1]
            ));
        }
    }
    mismatches.finish(sequence.len() - 1);
}
