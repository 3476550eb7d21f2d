//! `GitignoreRules` against `git check-ignore` itself: temp repositories with nested
//! `.gitignore` files and `.git/info/exclude`, every path of the tree asked of git in one
//! `git check-ignore --no-index -v -n -z --stdin` process and of `is_ignored`, answers
//! compared exactly. git runs with no system, global or XDG configuration, so its answer
//! depends on the tree alone, as ours does.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use bulkhead_secrets::gitignore::GitignoreRules;
use rand::{RngExt as _, SeedableRng as _};

/// A work tree with `git init` done, and an empty home for git to (not) read config from.
struct Repo {
    tree: tempfile::TempDir,
    home: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let repo = Repo {
            tree: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
        };
        let out = repo.git().args(["init", "-q", "."]).output().unwrap();
        assert!(out.status.success(), "git init: {out:?}");
        repo
    }

    fn root(&self) -> &Path {
        self.tree.path()
    }

    /// `git` in the tree, isolated from the user's environment and configuration.
    fn git(&self) -> Command {
        let mut cmd = Command::new("git");
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("GIT_") {
                cmd.env_remove(key);
            }
        }
        cmd.current_dir(self.root())
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join("xdg"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null");
        cmd
    }

    fn write(&self, rel: &str, content: impl AsRef<[u8]>) {
        let path = self.root().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    fn mkdir(&self, rel: &str) {
        std::fs::create_dir_all(self.root().join(rel)).unwrap();
    }

    /// Creates `rel` as an empty file unless something (a directory) is already there.
    fn touch(&self, rel: &str) {
        let path = self.root().join(rel);
        if std::fs::symlink_metadata(&path).is_err() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"x").unwrap();
        }
    }

    /// Every path in the tree (symlinks not followed, `.git` itself but nothing in it), with
    /// whether it is a directory.
    fn paths(&self) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        let mut stack = vec![PathBuf::new()];
        while let Some(rel) = stack.pop() {
            for entry in std::fs::read_dir(self.root().join(&rel)).unwrap() {
                let entry = entry.unwrap();
                let child = rel.join(entry.file_name());
                let is_dir = entry.file_type().unwrap().is_dir();
                if is_dir && child != Path::new(".git") {
                    stack.push(child.clone());
                }
                out.push((child.to_str().unwrap().to_owned(), is_dir));
            }
        }
        out.sort();
        out
    }

    /// Asks git and `GitignoreRules` about every path; panics listing each disagreement.
    /// Returns the number of paths compared and how many of them git ignores.
    fn compare(&self) -> (usize, usize) {
        let rules = GitignoreRules::load(self.root());
        let paths = self.paths();
        let verdicts = self.check_ignore(&paths);
        let mut diffs = String::new();
        let mut ignored = 0;
        for ((path, is_dir), (git, why)) in paths.iter().zip(&verdicts) {
            ignored += usize::from(*git);
            if rules.is_ignored(path, *is_dir) != *git {
                let kind = if *is_dir { "dir " } else { "file" };
                writeln!(diffs, "  {kind} {path:?}: git says {git} ({why})").unwrap();
            }
        }
        assert!(
            diffs.is_empty(),
            "is_ignored differs from git check-ignore:\n{diffs}warnings: {:#?}\nfiles:\n{}",
            rules.warnings(),
            self.pattern_files()
        );
        (paths.len(), ignored)
    }

    /// git's verdict on each path, and the pattern behind it.
    fn check_ignore(&self, paths: &[(String, bool)]) -> Vec<(bool, String)> {
        let mut child = self
            .git()
            .args(["check-ignore", "--no-index", "-v", "-n", "-z", "--stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = Vec::new();
        for (path, _) in paths {
            input.extend_from_slice(path.as_bytes());
            input.push(0);
        }
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || stdin.write_all(&input).unwrap());
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        // 0: something is ignored, 1: nothing is.
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "git check-ignore: {out:?}"
        );
        let fields: Vec<&[u8]> = out.stdout.split(|&b| b == 0).collect();
        assert_eq!(fields.len(), paths.len() * 4 + 1, "{out:?}");
        paths
            .iter()
            .zip(fields.chunks(4))
            .map(|((path, _), record)| {
                let [source, line, pattern, name] = record else {
                    unreachable!()
                };
                assert_eq!(*name, path.as_bytes());
                // `-v` also reports a `!pattern` that re-included the path.
                let ignored = !source.is_empty() && !pattern.starts_with(b"!");
                let why = format!(
                    "{}:{}: {:?}",
                    String::from_utf8_lossy(source),
                    String::from_utf8_lossy(line),
                    String::from_utf8_lossy(pattern)
                );
                (ignored, why)
            })
            .collect()
    }

    /// The pattern files of the tree, for failure messages.
    fn pattern_files(&self) -> String {
        let mut out = String::new();
        for (path, is_dir) in self.paths() {
            if !is_dir && path.ends_with(".gitignore") {
                let text = std::fs::read(self.root().join(&path)).unwrap_or_default();
                writeln!(out, "--- {path}\n{}", String::from_utf8_lossy(&text)).unwrap();
            }
        }
        let exclude = std::fs::read(self.root().join(".git/info/exclude")).unwrap_or_default();
        writeln!(
            out,
            "--- .git/info/exclude\n{}",
            String::from_utf8_lossy(&exclude)
        )
        .unwrap();
        out
    }
}

const ROOT_GITIGNORE: &str = "\
# Build output
/build
dist/
*.log
!keep.log
*.tmp
!important.tmp
**/secrets/*.env
a/**/b
trailing-space   \n\
escaped-space\\ \n\
\\!bang
\\#hash
 leading-space
node_modules/
logs/
!logs/keep.txt
docs/**/*.md
!docs/**/README.md
[Tt]humbs.db
*.py[cod]
/root-only.txt
foo/*/bar
*~
.env
.env.*
!.env.example
x{a,b}
q[
[[:digit:]][[:digit:]].dat
cache**/data
/gen**
!/gen-keep
*.bak/
sub/nested/
café/
*.été
";

/// Directories of the realistic tree; every file name below is created in each of them.
const DIRS: &[&str] = &[
    "",
    "build",
    "src",
    "src/build",
    "src/generated",
    "src/lib",
    "a",
    "a/b",
    "a/x/b",
    "a/x/y/b",
    "app/secrets",
    "secrets",
    "deep/nested/secrets",
    "deep/a/b",
    "dist",
    "src/dist",
    "node_modules/pkg",
    "logs/sub",
    "docs/guide",
    "docs/drafts",
    "vendor/lib/inner",
    "foo/x/bar",
    "foo/x/y/bar",
    "old.bak",
    "src/old.bak",
    "secret-notes",
    "cachex/data",
    "cache/y/data",
    "gen",
    "gen-keep",
    "generate",
    "sub/nested",
    "x/sub/nested",
    "café",
];

const FILES: &[&str] = &[
    "keep.log",
    "app.log",
    "x.env",
    "a.tmp",
    "important.tmp",
    "README.md",
    "notes.md",
    "Thumbs.db",
    "thumbs.db",
    "mod.pyc",
    "mod.py",
    "root-only.txt",
    "trailing-space",
    "trailing-space   ",
    "escaped-space",
    "escaped-space ",
    "!bang",
    "bang",
    "#hash",
    " leading-space",
    "leading-space",
    "file~",
    ".env",
    ".env.local",
    ".env.example",
    "data.local",
    "x.local",
    "keep.txt",
    "main.o",
    "keep.o",
    "main.go",
    "x{a,b}",
    "xa",
    "q[",
    "12.dat",
    "1.dat",
    "b",
    "data",
    "gen-file",
    "exclude-root",
    "x.bak",
    "page.html",
    "résumé.été",
];

#[test]
fn realistic_tree_matches_git() {
    let repo = Repo::new();
    repo.write(".gitignore", ROOT_GITIGNORE);
    repo.write(
        "src/.gitignore",
        "!*.log\n/generated\n*.o\n!keep.o\nbuild/\n",
    );
    // Ignore everything but directories, Go files and itself.
    repo.write("vendor/.gitignore", "*\n!.gitignore\n!*/\n!*.go\n");
    repo.write(
        "docs/.gitignore",
        "drafts/\n!drafts/README.md\n!guide/README.md\n*.html\n",
    );
    // Inside an ignored directory: git never reads it.
    repo.write("logs/.gitignore", "!*\n");
    repo.write("deep/a/.gitignore", "!*.log\nb/\n");
    // CRLF line ends and a BOM, as some editors write them.
    repo.write("app/.gitignore", "\u{feff}*.md\r\n!README.md\r\n");
    repo.write(
        ".git/info/exclude",
        "# local\n*.local\n!x.local\nsecret-notes/\n/exclude-root\n",
    );
    for dir in DIRS {
        repo.mkdir(dir);
    }
    for dir in DIRS {
        for file in FILES {
            repo.touch(&if dir.is_empty() {
                (*file).to_owned()
            } else {
                format!("{dir}/{file}")
            });
        }
    }
    let (compared, ignored) = repo.compare();
    assert!(compared > 1400, "{compared}");
    assert!(
        ignored > 100 && ignored < compared - 100,
        "{ignored} of {compared}"
    );
    assert!(
        GitignoreRules::load(repo.root())
            .warnings()
            .iter()
            .any(|w| w.contains("`q[`"))
    );
}

/// Name pieces: ordinary, glob-looking and escapable characters.
const NAME_PARTS: &[&str] = &[
    "a", "b", "ab", "ba", "x", ".log", ".txt", "1", "12", "-", "_", ".", "a b", "[a]", "*", "?",
    "!", "#", "{a,b}", "\\", "A", "B", "\t", "**",
];

/// Pattern pieces: the names again, every wildcard form, classes, escapes.
const PATTERN_PARTS: &[&str] = &[
    "a",
    "b",
    "ab",
    "ba",
    "x",
    ".log",
    "log",
    "1",
    "12",
    "-",
    ".",
    "A",
    "*",
    "*",
    "**",
    "***",
    "?",
    "[ab]",
    "[!a]",
    "[^b]",
    "[a-c]",
    "[!a-b]",
    "[[:digit:]]",
    "[[:alpha:]]",
    "[[:upper:]]",
    "[[:punct:]]",
    "[]a]",
    "[!]]",
    "[-a]",
    "[a-]",
    "[\\]]",
    "[\\\\]",
    "[*?]",
    "[z-a]",
    "[[:x]",
    "[/]",
    "[!/]",
    "\\*",
    "\\?",
    "\\[",
    "\\!",
    "\\#",
    "\\ ",
    "\\\\",
    "\\a",
    "{a,b}",
    "[a",
    " ",
    "!",
    "#",
    "a**",
    "**a",
    "\\**",
    "*\\*",
    "\t",
    "/**/",
];

fn pick<'a>(rng: &mut rand_pcg::Pcg64, from: &[&'a str]) -> &'a str {
    from[rng.random_range(0..from.len())]
}

fn random_name(rng: &mut rand_pcg::Pcg64) -> String {
    let mut name: String = (0..rng.random_range(1..4))
        .map(|_| pick(rng, NAME_PARTS))
        .collect();
    if name == "." || name == ".." || name == ".git" || name == ".gitignore" {
        name.push('z');
    }
    name
}

fn random_pattern(rng: &mut rand_pcg::Pcg64) -> String {
    let mut line = String::new();
    match rng.random_range(0..20) {
        0 => return "# a comment".to_owned(),
        1 => return String::new(),
        2 => {
            return pick(
                rng,
                &["!", "/", "//", "\\!", "!/", "\\", "**", "/**", "*", "!*"],
            )
            .to_owned();
        }
        _ => {}
    }
    if rng.random_bool(0.25) {
        line.push('!');
    }
    if rng.random_bool(0.3) {
        line.push('/');
    }
    for segment in 0..rng.random_range(1..4) {
        if segment > 0 {
            line.push_str(if rng.random_bool(0.1) { "\\/" } else { "/" });
        }
        for _ in 0..rng.random_range(1..4) {
            line.push_str(pick(rng, PATTERN_PARTS));
        }
    }
    if rng.random_bool(0.3) {
        line.push('/');
    }
    if rng.random_bool(0.1) {
        line.push_str("  ");
    }
    if rng.random_bool(0.05) {
        line.push('\r');
    }
    line
}

/// A random tree of glob-looking names with random `.gitignore` files (and a random
/// `.git/info/exclude`), compared against git.
fn random_repo(seed: u64) -> (usize, usize) {
    let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
    let repo = Repo::new();
    let mut dirs = vec![String::new()];
    for _ in 0..rng.random_range(10..40) {
        let parent = dirs[rng.random_range(0..dirs.len())].clone();
        if parent.matches('/').count() >= 4 {
            continue;
        }
        let dir = if parent.is_empty() {
            random_name(&mut rng)
        } else {
            format!("{parent}/{}", random_name(&mut rng))
        };
        repo.mkdir(&dir);
        dirs.push(dir);
    }
    for _ in 0..rng.random_range(100..300) {
        let dir = &dirs[rng.random_range(0..dirs.len())];
        let name = random_name(&mut rng);
        repo.touch(&if dir.is_empty() {
            name
        } else {
            format!("{dir}/{name}")
        });
    }
    let mut files = vec![".gitignore".to_owned(), ".git/info/exclude".to_owned()];
    files.extend(
        dirs.iter()
            .filter(|_| rng.random_bool(0.3))
            .map(|d| format!("{d}/.gitignore")),
    );
    for file in files {
        let lines: Vec<String> = (0..rng.random_range(2..12))
            .map(|_| random_pattern(&mut rng))
            .collect();
        let target = repo.root().join(&file);
        if target.parent().is_some_and(Path::is_dir) {
            repo.write(&file, lines.join("\n"));
        }
    }
    // A tree where nothing is ignored says little: make sure something is.
    let mut root = std::fs::read_to_string(repo.root().join(".gitignore")).unwrap();
    root.push_str("\n*.log\n");
    repo.write(".gitignore", root);
    repo.compare()
}

#[test]
fn random_trees_match_git() {
    let (compared, ignored) = (0..60)
        .map(random_repo)
        .fold((0, 0), |(n, i), (dn, di)| (n + dn, i + di));
    assert!(compared > 10_000, "{compared}");
    // Neither side of the answer may be rare.
    assert!(
        ignored > compared / 5 && ignored < compared * 4 / 5,
        "{ignored} of {compared}"
    );
}

#[test]
fn symlinks_are_not_followed_and_loops_do_not_hang() {
    use std::os::unix::fs::symlink;
    let repo = Repo::new();
    repo.write(".gitignore", "*.log\nlinks/\n!keep/\n");
    repo.write("a/b/.gitignore", "*.txt\n");
    repo.write("elsewhere/rules", "*.md\n");
    for f in ["a/x.log", "a/b/x.txt", "a/b/x.md", "c/x.md", "c/y.txt"] {
        repo.touch(f);
    }
    symlink(".", repo.root().join("a/loop")).unwrap();
    symlink("..", repo.root().join("a/b/up")).unwrap();
    symlink(repo.root(), repo.root().join("a/b/root")).unwrap();
    symlink("/", repo.root().join("c/slash")).unwrap();
    symlink("missing", repo.root().join("c/dangling")).unwrap();
    // git does not read a `.gitignore` that is a symbolic link; neither do we.
    symlink("../elsewhere/rules", repo.root().join("c/.gitignore")).unwrap();
    let (_, ignored) = repo.compare();
    assert!(ignored > 0);
    let rules = GitignoreRules::load(repo.root());
    assert!(!rules.is_ignored("c/x.md", false));
    assert!(rules.is_ignored("a/b/loop/x.txt", false));
    assert!(
        rules
            .warnings()
            .iter()
            .any(|w| w.contains("c/.gitignore") && w.contains("symbolic link")),
        "{:?}",
        rules.warnings()
    );
}

#[test]
fn unreadable_pattern_files_are_skipped_with_a_warning() {
    let repo = Repo::new();
    repo.write(".gitignore", "*.log\n");
    repo.mkdir("d/.gitignore");
    repo.mkdir("f");
    let fifo = repo.root().join("f/.gitignore");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    // git would block opening the FIFO; we must not.
    let rules = GitignoreRules::load(repo.root());
    assert!(rules.is_ignored("f/x.log", false));
    assert!(!rules.is_ignored("f/x.txt", false));
    let warnings = rules.warnings().join("\n");
    assert!(warnings.contains("f/.gitignore"), "{warnings}");
    assert_eq!(rules.warnings().len(), 1, "{warnings}");
    // A directory named `.gitignore` is simply a directory.
    assert!(!rules.is_ignored("d/.gitignore", true));
}

#[test]
fn paths_are_normalized_and_the_root_is_never_ignored() {
    let repo = Repo::new();
    repo.write(".gitignore", "*\n");
    let rules = GitignoreRules::load(repo.root());
    assert!(!rules.is_ignored("", true));
    assert!(!rules.is_ignored("/", true));
    assert!(rules.is_ignored("./a//b/", false));
    assert!(rules.warnings().is_empty());
}

/// Line `i` of the huge `.gitignore`: 99 bytes, padded inside the pattern; and the padding.
fn huge_line(i: usize) -> (String, String) {
    let make = |pad: &str| match i % 5 {
        0 => format!("/vendor/pkg-{i:06}/dist/bundle-{i}{pad}.js"),
        1 => format!("*.ext{i:06}{pad}"),
        2 => format!("!keep-{i:06}{pad}.log"),
        3 => format!("src/**/module_{i:06}_[0-9][a-z]*{pad}.gen"),
        _ => format!("build-{i:06}-*{pad}/"),
    };
    let pad = "p".repeat(99 - make("").len());
    (make(&pad), pad)
}

/// A 10 MB `.gitignore` of 100,000 patterns (anchored literals, extensions, negations,
/// wildcards spanning directories) loads, and still agrees with git.
#[test]
fn huge_gitignore_loads() {
    let repo = Repo::new();
    let mut text = String::with_capacity(11 << 20);
    // First, so the negations below can re-include.
    text.push_str("*.log\n");
    for i in 0..100_000 {
        text.push_str(&huge_line(i).0);
        text.push('\n');
    }
    assert!(text.len() >= 10_000_000, "{}", text.len());
    repo.write(".gitignore", &text);
    let pad = |i| huge_line(i).1;
    let files = [
        format!("vendor/pkg-000000/dist/bundle-0{}.js", pad(0)),
        format!("vendor/pkg-000005/dist/bundle-5{}.js", pad(5)),
        format!("a.ext000001{}", pad(1)),
        format!("a.ext099991{}", pad(99_991)),
        format!("a.ext000002{}", pad(1)),
        format!("keep-000002{}.log", pad(2)),
        format!("keep-000003{}.log", pad(2)),
        "other.log".to_owned(),
        format!("src/x/module_000003_1a{}.gen", pad(3)),
        format!("src/module_099998_1abc{}.gen", pad(99_998)),
        format!("build-000004-x{}/file", pad(4)),
        format!("x/build-099999-{}/file", pad(99_999)),
        "plain.txt".to_owned(),
    ];
    for f in &files {
        repo.touch(f);
    }
    let rules = GitignoreRules::load(repo.root());
    assert!(rules.warnings().is_empty(), "{:?}", rules.warnings());
    assert!(rules.is_ignored(&files[3], false));
    assert!(!rules.is_ignored(&files[5], false));
    assert!(rules.is_ignored(&files[6], false));
    assert!(!rules.is_ignored("plain.txt", false));
    let (compared, ignored) = repo.compare();
    assert!(ignored > 0 && ignored < compared);
}
