//! Whole-history scans checked against the `git` CLI.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::{PermissionsExt as _, symlink};
use std::path::Path;
use std::process::Command;

use bulkhead_git::{GitError, HistoryOptions, HistoryStats, for_each_history_blob};

use crate::support::{Git, assert_matches_git, first_appearances, scan};

/// Small enough that the test repositories stay small, large enough that `notes.txt` (edited in
/// several commits) is stored as deltas once packed.
const CAP: u64 = 64 << 10;

fn options() -> HistoryOptions {
    HistoryOptions {
        max_blob_size: CAP,
        max_commits: None,
    }
}

/// The commits of the rich repository that the tests name.
struct Rich {
    git: Git,
    first: String,
    added_then_deleted: String,
    feature: String,
    merge: String,
    tag_only: String,
    remote_only: String,
}

/// A notes file of about 8 KiB whose `version` line changes, so packs hold it as deltas.
fn notes(version: u32) -> Vec<u8> {
    let mut text = format!("version {version}\n");
    for line in 0..400 {
        writeln!(text, "line {line} of the notes, unchanged").unwrap();
    }
    text.into_bytes()
}

/// Two branches, a lightweight and an annotated tag, a file added then deleted, a rename, the
/// same content at two paths, a merge commit that adds a file of its own, commits reachable only
/// from a tag and only from a remote-tracking ref, an executable, symlinks (one pointing out of
/// the repository), a non-UTF-8 file name, blobs over and at the cap, a stash and a gitlink.
fn build_rich(dir: &Path) -> Rich {
    let git = Git::init(dir, false);
    git.write("README.md", b"hello\n");
    git.write("a/config.yml", b"password: hunter2\n");
    git.write("copy1.txt", b"same content\n");
    git.write("dir/copy2.txt", b"same content\n");
    git.write("run.sh", b"#!/bin/sh\necho hi\n");
    fs_err::set_permissions(dir.join("run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    symlink("README.md", dir.join("link")).unwrap();
    symlink("/etc/passwd", dir.join("escape")).unwrap();
    fs_err::write(
        dir.join(OsStr::from_bytes(b"caf\xe9.txt")),
        b"latin-1 name\n",
    )
    .unwrap();
    git.write("notes.txt", &notes(1));
    let first = git.commit("first");
    git.run(&["tag", "v1"]);

    git.write("deleted.txt", b"AKIAEXAMPLE temporary\n");
    git.write("notes.txt", &notes(2));
    let added_then_deleted = git.commit("add a file that will be deleted");

    git.run(&["rm", "-q", "deleted.txt"]);
    fs_err::create_dir_all(dir.join("b")).unwrap();
    git.run(&["mv", "a/config.yml", "b/config.yml"]);
    git.commit("delete and rename");

    git.run(&["checkout", "-q", "-b", "feature"]);
    git.write("feature.txt", b"feature work\n");
    git.write("notes.txt", &notes(3));
    // The same new content on both branches: the older commit (this one) introduced it.
    git.write("z-feature-copy.txt", b"added on both branches\n");
    let feature = git.commit("feature work");

    git.run(&["checkout", "-q", "main"]);
    git.write("main.txt", b"main work\n");
    git.write("a-main-copy.txt", b"added on both branches\n");
    git.commit("main work");

    git.run(&["merge", "-q", "--no-ff", "--no-commit", "feature"]);
    git.write("merged.txt", b"only in the merge\n");
    let merge = git.commit("merge feature");

    git.run(&["checkout", "-q", "--detach"]);
    git.write("tag-only.txt", b"reachable only from a tag\n");
    let tag_only = git.commit("tag only");
    git.run(&["tag", "-a", "-m", "orphan", "v-orphan"]);

    git.run(&["checkout", "-q", "--detach", &merge]);
    git.write(
        "remote-only.txt",
        b"reachable only from a remote-tracking ref\n",
    );
    let remote_only = git.commit("remote only");
    git.run(&["update-ref", "refs/remotes/origin/gone", &remote_only]);
    git.run(&["checkout", "-q", "main"]);

    git.write("big.bin", &vec![b'x'; usize::try_from(CAP).unwrap() + 1]);
    git.write("at-cap.bin", &vec![b'y'; usize::try_from(CAP).unwrap()]);
    git.write("notes.txt", &notes(4));
    git.commit("large files");

    git.write("README.md", b"hello, a stashed change\n");
    git.run(&["stash", "-q"]);

    // A gitlink names a commit of another repository; it is not a blob.
    git.run(&[
        "update-index",
        "--add",
        "--cacheinfo",
        "160000,0123456789abcdef0123456789abcdef01234567,vendor/sub",
    ]);
    git.run(&["commit", "-q", "-m", "add a submodule entry"]);

    Rich {
        git,
        first,
        added_then_deleted,
        feature,
        merge,
        tag_only,
        remote_only,
    }
}

fn find<'a>(
    seen: &'a std::collections::BTreeMap<String, crate::support::Seen>,
    git: &Git,
    content: &[u8],
) -> &'a crate::support::Seen {
    let id = git.blob_id(content);
    seen.get(&id).unwrap_or_else(|| {
        panic!(
            "blob {id} ({}) not reported",
            String::from_utf8_lossy(content)
        )
    })
}

#[test]
fn rich_history_matches_git() {
    let tmp = tempfile::tempdir().unwrap();
    let rich = build_rich(&tmp.path().join("repo"));
    let git = &rich.git;
    let (seen, stats) = assert_matches_git(git, &options());

    // The cases the comparison above covers, spelled out.
    let deleted = find(&seen, git, b"AKIAEXAMPLE temporary\n");
    assert_eq!(
        (deleted.commit.as_str(), deleted.path.as_str()),
        (rich.added_then_deleted.as_str(), "deleted.txt")
    );
    let renamed = find(&seen, git, b"password: hunter2\n");
    assert_eq!(
        (renamed.commit.as_str(), renamed.path.as_str()),
        (rich.first.as_str(), "a/config.yml")
    );
    assert_eq!(find(&seen, git, b"same content\n").path, "copy1.txt");
    let both = find(&seen, git, b"added on both branches\n");
    assert_eq!(
        (both.commit.as_str(), both.path.as_str()),
        (rich.feature.as_str(), "z-feature-copy.txt")
    );
    assert_eq!(find(&seen, git, b"only in the merge\n").commit, rich.merge);
    assert_eq!(
        find(&seen, git, b"reachable only from a tag\n").commit,
        rich.tag_only
    );
    assert_eq!(
        find(&seen, git, b"reachable only from a remote-tracking ref\n").commit,
        rich.remote_only
    );
    find(&seen, git, b"hello, a stashed change\n");
    assert_eq!(find(&seen, git, b"latin-1 name\n").path, "caf\u{FFFD}.txt");
    assert_eq!(find(&seen, git, b"#!/bin/sh\necho hi\n").path, "run.sh");
    // Symlinks are blobs holding their target; the target is never followed.
    let escape = find(&seen, git, b"/etc/passwd");
    assert_eq!(
        (escape.path.as_str(), escape.content.as_slice()),
        ("escape", b"/etc/passwd".as_slice())
    );
    assert_eq!(find(&seen, git, b"README.md").path, "link");
    // Over the cap: counted, not read. At the cap: read.
    assert!(!seen.contains_key(&git.blob_id(&vec![b'x'; usize::try_from(CAP).unwrap() + 1])));
    find(&seen, git, &vec![b'y'; usize::try_from(CAP).unwrap()]);
    assert_eq!(stats.skipped_large, 1);
    assert!(seen.values().all(|s| s.path != "vendor/sub"));
    for version in 1..=4 {
        find(&seen, git, &notes(version));
    }
}

fn count_objects(git: &Git) -> (u64, u64) {
    let output = git.run(&["count-objects", "-v"]);
    let field = |name: &str| -> u64 {
        output
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    (field("count:"), field("in-pack:"))
}

#[test]
fn packed_and_loose_repositories_give_identical_results() {
    let tmp = tempfile::tempdir().unwrap();
    let loose_dir = tmp.path().join("loose");
    let rich = build_rich(&loose_dir);
    let packed_dir = tmp.path().join("packed");
    let status = Command::new("cp")
        .arg("-a")
        .arg(&loose_dir)
        .arg(&packed_dir)
        .status()
        .unwrap();
    assert!(status.success());
    let packed = Git::at(&packed_dir, &tmp.path().join("packed.home"));
    packed.run(&["gc", "-q", "--prune=now"]);

    let (loose_count, loose_in_pack) = count_objects(&rich.git);
    assert!(
        loose_count > 0 && loose_in_pack == 0,
        "{loose_count} {loose_in_pack}"
    );
    let (packed_count, packed_in_pack) = count_objects(&packed);
    assert!(
        packed_count == 0 && packed_in_pack > 0,
        "{packed_count} {packed_in_pack}"
    );
    assert!(packed_dir.join(".git/packed-refs").exists());
    // `notes.txt` is stored as deltas, so the pack reader resolves delta chains.
    let verify = packed.run(&["verify-pack", "-v", &pack_index(&packed_dir)]);
    assert!(verify.contains("chain length = 1"), "{verify}");

    let (from_loose, loose_stats) = scan(&loose_dir, &options());
    let (from_packed, packed_stats) = assert_matches_git(&packed, &options());
    assert_eq!(from_loose, from_packed);
    assert_eq!(loose_stats, packed_stats);
}

fn pack_index(repo: &Path) -> String {
    let packs = repo.join(".git/objects/pack");
    let index = fs_err::read_dir(&packs)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension() == Some(OsStr::new("idx")))
        .unwrap();
    index.to_str().unwrap().to_owned()
}

#[test]
fn bare_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let rich = build_rich(&tmp.path().join("repo"));
    let bare_dir = tmp.path().join("bare.git");
    rich.git
        .run(&["clone", "-q", "--bare", ".", bare_dir.to_str().unwrap()]);
    let bare = Git::at(&bare_dir, &tmp.path().join("repo.home"));
    assert_eq!(
        bare.run(&["rev-parse", "--is-bare-repository"]).trim(),
        "true"
    );
    let (seen, _) = assert_matches_git(&bare, &options());
    assert!(!seen.is_empty());
}

#[test]
fn detached_head_is_scanned() {
    let tmp = tempfile::tempdir().unwrap();
    let git = Git::init(&tmp.path().join("repo"), false);
    git.write("a.txt", b"on main\n");
    git.commit("on main");
    git.run(&["checkout", "-q", "--detach"]);
    git.write("b.txt", b"only on the detached HEAD\n");
    let detached = git.commit("detached");
    assert!(
        git.run(&["for-each-ref", "--contains", &detached])
            .trim()
            .is_empty()
    );
    let (seen, stats) = assert_matches_git(&git, &options());
    assert_eq!(
        seen[&git.blob_id(b"only on the detached HEAD\n")].commit,
        detached
    );
    assert_eq!(stats.commits, 2);
}

#[test]
fn a_commit_dated_before_its_parent_still_comes_after_it() {
    let tmp = tempfile::tempdir().unwrap();
    let git = Git::init(&tmp.path().join("repo"), false);
    git.set_clock(100);
    git.write("x.txt", b"introduced by the parent\n");
    let parent = git.commit("parent, dated later");
    git.set_clock(10);
    git.write("y.txt", b"child\n");
    let child = git.commit("child, dated earlier");
    assert!(
        git.run(&["log", "-1", "--format=%ct", &child])
            < git.run(&["log", "-1", "--format=%ct", &parent])
    );
    let (seen, _) = assert_matches_git(&git, &options());
    assert_eq!(
        seen[&git.blob_id(b"introduced by the parent\n")].commit,
        parent
    );
}

#[test]
fn max_commits_scans_the_newest_commits() {
    let tmp = tempfile::tempdir().unwrap();
    let rich = build_rich(&tmp.path().join("repo"));
    let git = &rich.git;
    let options = HistoryOptions {
        max_blob_size: CAP,
        max_commits: Some(4),
    };
    let (seen, stats) = scan(&git.dir, &options);
    assert_eq!(stats.commits, 4);
    assert!(stats.truncated);
    let mut newest: Vec<String> = git
        .run(&["rev-list", "--all", "--date-order", "-n", "4"])
        .lines()
        .map(str::to_owned)
        .collect();
    newest.reverse();
    let truth = first_appearances(git, &newest);
    let expected: std::collections::BTreeMap<_, _> = truth
        .into_iter()
        .filter(|(_, (_, path))| path != "big.bin")
        .collect();
    let actual: std::collections::BTreeMap<_, _> = seen
        .into_iter()
        .map(|(id, s)| (id, (s.commit, s.path)))
        .collect();
    assert_eq!(actual, expected);
}

#[test]
fn shallow_clone() {
    let tmp = tempfile::tempdir().unwrap();
    let rich = build_rich(&tmp.path().join("repo"));
    let shallow_dir = tmp.path().join("shallow");
    let url = format!("file://{}", rich.git.dir.display());
    rich.git.run(&[
        "clone",
        "-q",
        "--depth",
        "2",
        &url,
        shallow_dir.to_str().unwrap(),
    ]);
    let shallow = Git::at(&shallow_dir, &tmp.path().join("repo.home"));
    assert!(shallow_dir.join(".git/shallow").exists());
    assert_matches_git(&shallow, &options());
}

#[test]
fn replace_refs_do_not_hide_history() {
    let tmp = tempfile::tempdir().unwrap();
    let git = Git::init(&tmp.path().join("repo"), false);
    git.write("a.txt", b"clean\n");
    let clean = git.commit("clean");
    git.write("secret.txt", b"AKIAEXAMPLE replaced away\n");
    let with_secret = git.commit("secret");
    let tree = git.rev_parse(&format!("{clean}^{{tree}}"));
    let decoy = git.run(&["commit-tree", &tree, "-p", &clean, "-m", "decoy"]);
    git.run(&["replace", &with_secret, decoy.trim()]);
    // With replacement, git itself no longer shows the secret.
    assert!(!git.run(&["ls-tree", "-r", "HEAD"]).contains("secret.txt"));

    let (seen, _) = assert_matches_git(&git, &options());
    assert_eq!(
        seen[&git.blob_id(b"AKIAEXAMPLE replaced away\n")].commit,
        with_secret
    );
}

#[test]
fn empty_repositories() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, bare) in [("empty", false), ("empty.git", true)] {
        let git = Git::init(&tmp.path().join(name), bare);
        let (seen, stats) = scan(&git.dir, &options());
        assert!(seen.is_empty());
        assert_eq!(stats, HistoryStats::default());
    }
}

#[test]
fn a_path_that_is_not_a_repository_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("plain");
    fs_err::create_dir_all(&plain).unwrap();
    fs_err::write(plain.join("file.txt"), b"not git\n").unwrap();
    let missing = tmp.path().join("missing");
    // Parent directories are not searched: a subdirectory of a work tree is not a repository.
    let git = Git::init(&tmp.path().join("repo"), false);
    git.write("sub/file.txt", b"x\n");
    git.commit("one");
    let subdirectory = git.dir.join("sub");

    for path in [&plain, &missing, &subdirectory] {
        let error = for_each_history_blob(path, &options(), &mut |_| panic!("no blob expected"))
            .unwrap_err();
        assert!(
            matches!(error, GitError::NotARepository { .. }),
            "{path:?}: {error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!("not a git repository: `{}`", path.display())
        );
    }
}

#[test]
fn errors_are_send_and_sync() {
    fn check<T: Send + Sync + std::error::Error + 'static>() {}
    check::<GitError>();
}
