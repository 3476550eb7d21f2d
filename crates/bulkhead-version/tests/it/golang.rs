//! `golang` against its authoritative comparator: `golang.org/x/mod/semver` as vendored in the
//! Go toolchain's own source tree (`$GOROOT/src/cmd/vendor/golang.org/x/mod/semver`), built
//! offline into a tiny program that reads pairs on stdin and prints `IsValid` and `Compare`.
//!
//! Versions: every version in golang/vulndb's OSV records (they lack the `v`, which our
//! comparator accepts and the oracle is given), plus generated releases, prereleases,
//! pseudo-versions, `+incompatible` and malformed strings.
//!
//! This file also holds the helpers the other oracle tests of this crate share (`support`).

use std::cmp::Ordering;
use std::path::Path;
use std::process::Command;

use bulkhead_test::{require_tool, run, shared_dir};
use bulkhead_version::{Scheme, compare};

use self::support::{Mismatches, Rng, TempDir, hex_lines, osv_versions, pipe};

const MAIN_GO: &str = r#"package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"oracle/semver"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		x, y, _ := strings.Cut(in.Text(), ",")
		a, errA := hex.DecodeString(x)
		b, errB := hex.DecodeString(y)
		if errA != nil || errB != nil {
			panic("bad hex")
		}
		v, w := string(a), string(b)
		fmt.Fprintf(out, "%t %t %d\n", semver.IsValid(v), semver.IsValid(w), semver.Compare(v, w))
	}
}
"#;

/// Runs the real `x/mod/semver` on `pairs`: for each, whether each side is valid and `Compare`.
fn go_oracle(pairs: &[(String, String)]) -> Vec<(bool, bool, i32)> {
    require_tool("go", "golang-go");
    let goroot = run(Command::new("go").args(["env", "GOROOT"]));
    let semver_go =
        Path::new(goroot.trim()).join("src/cmd/vendor/golang.org/x/mod/semver/semver.go");
    assert!(
        semver_go.is_file(),
        "`{}` is missing: Debian's golang-go ships the Go source tree with x/mod/semver vendored",
        semver_go.display()
    );
    let module = TempDir::new("go-semver-oracle");
    std::fs::create_dir_all(module.path().join("semver")).unwrap();
    std::fs::copy(&semver_go, module.path().join("semver/semver.go")).unwrap();
    std::fs::write(module.path().join("go.mod"), "module oracle\n\ngo 1.17\n").unwrap();
    std::fs::write(module.path().join("main.go"), MAIN_GO).unwrap();

    let cache = bulkhead_test::fixtures_dir().join("go-cache");
    let mut cmd = Command::new("go");
    cmd.args(["run", "."])
        .current_dir(module.path())
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOWORK", "off")
        .env("GOCACHE", cache.join("build"))
        .env("GOPATH", cache.join("path"));
    let input = hex_lines(pairs);
    let output = pipe(&mut cmd, &input);
    let answers: Vec<_> = output
        .lines()
        .map(|line| {
            let mut fields = line.split(' ');
            let mut next = || fields.next().unwrap();
            (next() == "true", next() == "true", next().parse().unwrap())
        })
        .collect();
    assert_eq!(
        answers.len(),
        pairs.len(),
        "the oracle answered {} of {} pairs",
        answers.len(),
        pairs.len()
    );
    answers
}

/// What the oracle is given for a version: ours accepts a missing `v`, `x/mod/semver` does not.
fn with_v(version: &str) -> String {
    if version.starts_with('v') {
        version.to_owned()
    } else {
        format!("v{version}")
    }
}

fn generated(rng: &mut Rng) -> Vec<String> {
    let mut out = Vec::new();
    let hash = |rng: &mut Rng| -> String {
        (0..12)
            .map(|_| char::from(rng.pick(b"0123456789abcdef")))
            .collect()
    };
    let stamp = |rng: &mut Rng| {
        format!(
            "20{:02}{:02}{:02}{:02}{:02}{:02}",
            rng.below(30),
            1 + rng.below(12),
            1 + rng.below(28),
            rng.below(24),
            rng.below(60),
            rng.below(60)
        )
    };
    let numbers = [
        "0",
        "1",
        "2",
        "9",
        "10",
        "11",
        "99",
        "100",
        "01",
        "00",
        "123456789012345678901234",
    ];
    let idents = [
        "alpha", "beta", "rc", "0", "1", "2", "10", "01", "rc1", "RC", "x-y", "-", "a.b", "",
        "pre.0",
    ];
    for _ in 0..1500 {
        let (major, minor, patch) = (rng.pick(&numbers), rng.pick(&numbers), rng.pick(&numbers));
        let base = match rng.below(10) {
            0 => format!("v{major}"),
            1 => format!("v{major}.{minor}"),
            2 => format!("{major}.{minor}.{patch}"),
            _ => format!("v{major}.{minor}.{patch}"),
        };
        let version = match rng.below(8) {
            // Pseudo-versions in their three forms (go.dev/ref/mod#pseudo-versions).
            0 => format!("v0.0.0-{}-{}", stamp(rng), hash(rng)),
            1 => format!("{base}-0.{}-{}", stamp(rng), hash(rng)),
            2 => format!(
                "{base}-{}.0.{}-{}",
                rng.pick(&idents),
                stamp(rng),
                hash(rng)
            ),
            3 => format!("{base}+incompatible"),
            4 => format!("{base}-{}+incompatible", rng.pick(&idents)),
            5 => format!("{base}-{}.{}", rng.pick(&idents), rng.pick(&idents)),
            6 => format!("{base}-{}", rng.pick(&idents)),
            _ => base,
        };
        out.push(version);
    }
    // Malformed on purpose, and a few valid edge shapes.
    out.extend(
        [
            "",
            "v",
            "V1.0.0",
            "v1.0.0-",
            "v1.0.0+",
            "v1.0.0-a..b",
            "v1.2-pre",
            "v1.2+meta",
            "v1.0.0 ",
            "vv1.0.0",
            "v1.0.0-é",
            "v1.0.0+a+b",
            "v-1.0.0",
            "v1.0.0.0",
            "1.0.0-rc.1+build.1",
        ]
        .map(str::to_owned),
    );
    out
}

#[test]
fn golang_matches_x_mod_semver() {
    let mut rng = Rng::new(0x60);
    let real = osv_versions(&shared_dir().join("vulndata/golang-vulndb/data/osv"));
    assert!(
        real.len() > 2000,
        "only {} versions found in golang-vulndb",
        real.len()
    );
    let mut pool: Vec<String> = real.into_iter().collect();
    pool.extend(generated(&mut rng));
    let pairs = support::pairs(&mut rng, &pool, 12_000);

    let oracle_pairs: Vec<_> = pairs.iter().map(|(a, b)| (with_v(a), with_v(b))).collect();
    let answers = go_oracle(&oracle_pairs);
    let mut mismatches = Mismatches::new("golang vs x/mod/semver");
    let mut ordered = 0;
    for ((a, b), (valid_a, valid_b, cmp)) in pairs.iter().zip(answers) {
        let expected = (valid_a && valid_b).then(|| cmp.cmp(&0));
        let ours = compare(Scheme::Go, a, b).ok();
        ordered += usize::from(expected.is_some());
        if ours != expected {
            mismatches.push(format!("{a:?} vs {b:?}: ours {ours:?}, semver.Compare {expected:?} (valid: {valid_a}, {valid_b})"));
        }
    }
    mismatches.finish(pairs.len());
    assert!(ordered > 8_000, "only {ordered} pairs were both valid");
}

#[test]
fn golang_orders_vulndb_ranges() {
    // Every introduced/fixed pair in one range is increasing, as the OSV schema requires. A few
    // records carry versions that are not Go semver (`19.03.0`, from Docker's tags); those are
    // refused, and counted.
    let (mut checked, mut refused) = (0, 0);
    for record in crate::support::osv_records(&shared_dir().join("vulndata/golang-vulndb/data/osv"))
    {
        for affected in crate::support::affected(&record, None) {
            for range in affected["ranges"].as_array().into_iter().flatten() {
                let mut introduced: Option<&str> = None;
                for event in range["events"].as_array().into_iter().flatten() {
                    if let Some(v) = event["introduced"].as_str() {
                        introduced = Some(v);
                    } else if let (Some(fixed), Some(start)) =
                        (event["fixed"].as_str(), introduced.take())
                    {
                        // `0` is OSV's "from the beginning", below even `v0.0.0-…` pseudo-versions.
                        if start == "0" {
                            continue;
                        }
                        match compare(Scheme::Go, start, fixed) {
                            Ok(order) => {
                                assert_eq!(order, Ordering::Less, "{start} .. {fixed}");
                                checked += 1;
                            }
                            Err(_) => refused += 1,
                        }
                    }
                }
            }
        }
    }
    assert!(
        checked > 500 && refused < checked / 50,
        "{checked} ranges checked, {refused} refused"
    );
}

/// Helpers shared by this crate's oracle tests (Go, Maven, RubyGems, NuGet).
pub(crate) mod support {
    use std::collections::BTreeSet;
    use std::fmt::Write as _;
    use std::io::Write as _;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};

    pub(crate) use crate::support::Rng;

    /// `count` pairs from `pool`: half uniformly random, half neighbours in sorted order (close
    /// versions, where orderings differ in the details).
    pub(crate) fn pairs(rng: &mut Rng, pool: &[String], count: usize) -> Vec<(String, String)> {
        let mut sorted = pool.to_vec();
        sorted.sort();
        sorted.dedup();
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            if i % 2 == 0 {
                let (i, j) = (rng.below(sorted.len()), rng.below(sorted.len()));
                out.push((sorted[i].clone(), sorted[j].clone()));
            } else {
                let j = rng.below(sorted.len() - 3);
                let k = j + 1 + rng.below(3);
                out.push((sorted[j].clone(), sorted[k].clone()));
            }
        }
        out
    }

    /// Collects mismatches, prints the first 20, and fails the test if there were any.
    #[derive(Debug)]
    pub(crate) struct Mismatches {
        what: &'static str,
        count: usize,
        shown: Vec<String>,
    }

    impl Mismatches {
        pub(crate) fn new(what: &'static str) -> Self {
            Mismatches {
                what,
                count: 0,
                shown: Vec::new(),
            }
        }

        pub(crate) fn push(&mut self, message: String) {
            self.count += 1;
            if self.shown.len() < 20 {
                self.shown.push(message);
            }
        }

        pub(crate) fn finish(self, total: usize) {
            assert!(
                self.count == 0,
                "{}: {} of {total} pairs disagree; the first {}:\n{}",
                self.what,
                self.count,
                self.shown.len(),
                self.shown.join("\n")
            );
        }
    }

    /// A directory under the system temp dir, removed on drop.
    #[derive(Debug)]
    pub(crate) struct TempDir(PathBuf);

    impl TempDir {
        pub(crate) fn new(name: &str) -> Self {
            let path = std::env::temp_dir().join(format!("bulkhead-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            TempDir(path)
        }

        pub(crate) fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Runs `cmd` with `input` on stdin; fails the test, showing stderr, unless it succeeds.
    pub(crate) fn pipe(cmd: &mut Command, input: &str) -> String {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_owned();
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap().unwrap();
        assert!(
            out.status.success(),
            "{cmd:?} failed with {}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub(crate) fn hex(s: &str) -> String {
        s.bytes().fold(String::new(), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
    }

    /// One `hex(a),hex(b)` line per pair: any bytes survive the trip through stdin.
    pub(crate) fn hex_lines(pairs: &[(String, String)]) -> String {
        pairs.iter().fold(String::new(), |mut out, (a, b)| {
            let _ = writeln!(out, "{},{}", hex(a), hex(b));
            out
        })
    }

    /// The text of every file under `dir` whose name ends with `suffix`, in path order.
    pub(crate) fn files(dir: &Path, suffix: &str) -> Vec<String> {
        crate::support::files(dir, suffix)
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }

    /// Every distinct version in the OSV records under `dir`: range events and `versions` lists.
    pub(crate) fn osv_versions(dir: &Path) -> BTreeSet<String> {
        crate::support::osv_versions(dir, None, true)
    }
}
