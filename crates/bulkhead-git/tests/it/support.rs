//! Building repositories with the `git` CLI, and the independent truth.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use bulkhead_git::{HistoryOptions, HistoryStats, for_each_history_blob};

/// The first commit's date; every git invocation advances the clock by a minute, so commit
/// dates are distinct, increasing and the same on every run.
const EPOCH: u64 = 1_700_000_000;

/// A `git` CLI confined to one directory, with a fixed identity and clock and no user or
/// system configuration.
pub(crate) struct Git {
    pub(crate) dir: PathBuf,
    home: PathBuf,
    clock: Cell<u64>,
}

impl Git {
    /// `git init` (or `git init --bare`) in `dir`, which is created.
    pub(crate) fn init(dir: &Path, bare: bool) -> Git {
        fs_err::create_dir_all(dir).unwrap();
        let home = dir.with_extension("home");
        fs_err::create_dir_all(&home).unwrap();
        let git = Git::at(dir, &home);
        let mut args = vec!["-c", "init.defaultBranch=main", "init", "-q"];
        if bare {
            args.push("--bare");
        }
        git.run(&args);
        git
    }

    /// A `git` for an existing repository in `dir`.
    pub(crate) fn at(dir: &Path, home: &Path) -> Git {
        Git {
            dir: dir.to_owned(),
            home: home.to_owned(),
            clock: Cell::new(0),
        }
    }

    /// Sets the clock, so the next commit's date is `EPOCH + 60 * tick` (it may go backwards).
    pub(crate) fn set_clock(&self, tick: u64) {
        self.clock.set(tick);
    }

    fn command(&self, args: &[&str]) -> Command {
        let tick = self.clock.get();
        self.clock.set(tick + 1);
        let date = format!("@{} +0000", EPOCH + 60 * tick);
        let mut command = Command::new("git");
        command
            .current_dir(&self.dir)
            .args(["-c", "gc.auto=0", "-c", "commit.gpgSign=false"])
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("LANG", "C")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_AUTHOR_NAME", "Ada Author")
            .env("GIT_AUTHOR_EMAIL", "ada@example.test")
            .env("GIT_COMMITTER_NAME", "Cy Committer")
            .env("GIT_COMMITTER_EMAIL", "cy@example.test")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date);
        command
    }

    /// Runs `git ARGS` and returns its standard output; panics on failure.
    pub(crate) fn run_bytes(&self, args: &[&str]) -> Vec<u8> {
        let output = self.command(args).output().unwrap();
        assert!(
            output.status.success(),
            "git {args:?} failed in {}: {}",
            self.dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    }

    /// Runs `git ARGS` whether or not it succeeds.
    pub(crate) fn run_unchecked(&self, args: &[&str]) {
        self.command(args).output().unwrap();
    }

    /// Runs `git ARGS` and returns its standard output as text (non-UTF-8 paths replaced).
    pub(crate) fn run(&self, args: &[&str]) -> String {
        String::from_utf8_lossy(&self.run_bytes(args)).into_owned()
    }

    /// Runs `git ARGS` with `input` on standard input.
    pub(crate) fn run_with_input(&self, args: &[&str], input: &[u8]) -> String {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "git {args:?} failed");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Writes a work-tree file, creating its directories.
    pub(crate) fn write(&self, path: &str, content: &[u8]) {
        let path = self.dir.join(path);
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(path, content).unwrap();
    }

    /// `git add -A && git commit`, returning the new commit's id.
    pub(crate) fn commit(&self, message: &str) -> String {
        self.run(&["add", "-A"]);
        self.run(&["commit", "-q", "--allow-empty", "-m", message]);
        self.rev_parse("HEAD")
    }

    pub(crate) fn rev_parse(&self, rev: &str) -> String {
        self.run(&["rev-parse", rev]).trim().to_owned()
    }

    /// The blob id `git` gives `content`.
    pub(crate) fn blob_id(&self, content: &[u8]) -> String {
        self.run_with_input(&["hash-object", "--stdin"], content)
            .trim()
            .to_owned()
    }
}

/// What the scanner reported for one blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seen {
    pub(crate) commit: String,
    pub(crate) path: String,
    pub(crate) content: Vec<u8>,
}

/// Runs the scanner over `dir`, asserting that no blob is reported twice.
pub(crate) fn scan(dir: &Path, options: &HistoryOptions) -> (BTreeMap<String, Seen>, HistoryStats) {
    let mut seen = BTreeMap::new();
    let stats = for_each_history_blob(dir, options, &mut |blob| {
        let previous = seen.insert(
            blob.blob.to_owned(),
            Seen {
                commit: blob.commit.to_owned(),
                path: blob.path.to_owned(),
                content: blob.content.to_owned(),
            },
        );
        assert!(previous.is_none(), "blob {} reported twice", blob.blob);
    })
    .unwrap();
    assert_eq!(stats.blobs, seen.len() as u64);
    (seen, stats)
}

/// The commits `git` lists for `--all` (with `HEAD`), oldest first in date order.
pub(crate) fn all_commits_oldest_first(git: &Git) -> Vec<String> {
    git.run(&[
        "--no-replace-objects",
        "log",
        "--all",
        "--reverse",
        "--date-order",
        "--format=%H",
    ])
    .lines()
    .map(str::to_owned)
    .collect()
}

/// The independent truth: for each blob, the first commit of `commits` whose `git ls-tree -r`
/// lists it, and the first path it has there.
pub(crate) fn first_appearances(
    git: &Git,
    commits: &[String],
) -> BTreeMap<String, (String, String)> {
    let mut truth = BTreeMap::new();
    for commit in commits {
        let listing = git.run_bytes(&[
            "--no-replace-objects",
            "ls-tree",
            "-r",
            "-z",
            "--full-tree",
            commit,
        ]);
        for record in listing.split(|&b| b == 0).filter(|r| !r.is_empty()) {
            let tab = record.iter().position(|&b| b == b'\t').unwrap();
            let meta = std::str::from_utf8(&record[..tab]).unwrap();
            let path = String::from_utf8_lossy(&record[tab + 1..]).into_owned();
            let [_mode, kind, id] = meta.split(' ').collect::<Vec<_>>()[..] else {
                panic!("unexpected ls-tree line {meta}");
            };
            if kind == "blob" {
                truth
                    .entry(id.to_owned())
                    .or_insert_with(|| (commit.clone(), path));
            }
        }
    }
    truth
}

/// Every blob `git rev-list --all --objects` lists: a second, coarser truth.
pub(crate) fn rev_list_blobs(git: &Git) -> BTreeSet<String> {
    let objects = git.run(&["--no-replace-objects", "rev-list", "--all", "--objects"]);
    let ids: Vec<&str> = objects
        .lines()
        .map(|line| line.split(' ').next().unwrap())
        .collect();
    let input = ids.join("\n") + "\n";
    git.run_with_input(
        &["--no-replace-objects", "cat-file", "--batch-check"],
        input.as_bytes(),
    )
    .lines()
    .filter_map(|line| {
        let mut parts = line.split(' ');
        let id = parts.next()?;
        (parts.next()? == "blob").then(|| id.to_owned())
    })
    .collect()
}

/// The size of each of `ids`, from `git cat-file --batch-check`.
pub(crate) fn sizes(git: &Git, ids: impl IntoIterator<Item = String>) -> BTreeMap<String, u64> {
    let input: String = ids.into_iter().map(|id| id + "\n").collect();
    git.run_with_input(&["cat-file", "--batch-check"], input.as_bytes())
        .lines()
        .map(|line| {
            let parts: Vec<&str> = line.split(' ').collect();
            (parts[0].to_owned(), parts[2].parse().unwrap())
        })
        .collect()
}

/// Scans `git.dir` and checks the result exactly against the `git` CLI's own answer: the same
/// blobs with the same first commit and path, the same content, and large blobs only counted.
pub(crate) fn assert_matches_git(
    git: &Git,
    options: &HistoryOptions,
) -> (BTreeMap<String, Seen>, HistoryStats) {
    let (seen, stats) = scan(&git.dir, options);
    let commits = all_commits_oldest_first(git);
    let truth = first_appearances(git, &commits);
    assert_eq!(
        truth.keys().cloned().collect::<BTreeSet<_>>(),
        rev_list_blobs(git),
        "the two git truths disagree"
    );
    let sizes = sizes(git, truth.keys().cloned());
    let (large, expected): (BTreeMap<_, _>, BTreeMap<_, _>) = truth
        .into_iter()
        .partition(|(id, _)| sizes[id] > options.max_blob_size);
    let actual: BTreeMap<String, (String, String)> = seen
        .iter()
        .map(|(id, s)| (id.clone(), (s.commit.clone(), s.path.clone())))
        .collect();
    assert_eq!(actual, expected);
    assert_eq!(stats.skipped_large, large.len() as u64);
    assert_eq!(stats.commits, commits.len() as u64);
    assert!(!stats.truncated);
    for (id, s) in &seen {
        assert_eq!(
            s.content,
            git.run_bytes(&["cat-file", "blob", id]),
            "content of {id}"
        );
    }
    (seen, stats)
}
