//! A repository whose config asks for commands to be run: scanning must run none of them.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use crate::support::{Git, assert_matches_git};

/// Writes an executable script that records that it ran by creating `markers/NAME`.
fn trap(path: &Path, markers: &Path, name: &str) {
    let script = format!("#!/bin/sh\ntouch '{}/{name}'\nexit 0\n", markers.display());
    fs_err::write(path, script).unwrap();
    fs_err::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn markers_in(markers: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs_err::read_dir(markers)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn configured_commands_and_hooks_never_run() {
    let tmp = tempfile::tempdir().unwrap();
    let markers = tmp.path().join("markers");
    fs_err::create_dir_all(&markers).unwrap();
    let git = Git::init(&tmp.path().join("repo"), false);
    git.write("secret.env", b"TOKEN=AKIAEXAMPLE\n");
    git.write(".gitattributes", b"* filter=evil diff=evil\n");
    git.commit("one");
    git.write("secret.env", b"TOKEN=rotated\n");
    git.commit("two");

    // Every command the config below names, and every hook, is a trap.
    let fsmonitor = tmp.path().join("fsmonitor");
    trap(&fsmonitor, &markers, "fsmonitor");
    let command = tmp.path().join("command");
    trap(&command, &markers, "command");
    let hooks = tmp.path().join("hooks");
    fs_err::create_dir_all(&hooks).unwrap();
    for hook in [
        "pre-commit",
        "post-commit",
        "post-checkout",
        "post-merge",
        "post-index-change",
        "reference-transaction",
        "pre-auto-gc",
        "fsmonitor-watchman",
        "pre-push",
        "post-rewrite",
    ] {
        trap(&hooks.join(hook), &markers, &format!("hook-{hook}"));
    }
    let command = command.to_str().unwrap();
    for (key, value) in [
        ("core.fsmonitor", fsmonitor.to_str().unwrap()),
        ("core.hooksPath", hooks.to_str().unwrap()),
        ("core.sshCommand", command),
        ("core.pager", command),
        ("core.editor", command),
        ("core.askPass", command),
        ("core.alternateRefsCommand", command),
        ("credential.helper", command),
        ("diff.external", command),
        ("diff.evil.textconv", command),
        ("filter.evil.clean", command),
        ("filter.evil.smudge", command),
        ("filter.evil.process", command),
        ("gpg.program", command),
        ("sequence.editor", command),
    ] {
        git.run(&["config", key, value]);
    }
    assert!(markers_in(&markers).is_empty());

    // `assert_matches_git` asks the git CLI only for log, ls-tree, rev-list and cat-file,
    // none of which run hooks, the fsmonitor or filters: any marker would be the scanner's.
    let (seen, stats) = assert_matches_git(&git, &bulkhead_git::HistoryOptions::default());
    assert_eq!(stats.commits, 2);
    assert!(seen.contains_key(&git.blob_id(b"TOKEN=AKIAEXAMPLE\n")));
    assert_eq!(
        markers_in(&markers),
        Vec::<String>::new(),
        "scanning ran a configured command"
    );

    // The traps are real: ordinary git porcelain fires them (and then fails on the traps'
    // silence, which does not matter here).
    git.run_unchecked(&["status", "--short"]);
    git.run_unchecked(&["update-ref", "refs/heads/other", "HEAD"]);
    let fired = markers_in(&markers);
    assert!(fired.contains(&"fsmonitor".to_owned()), "{fired:?}");
    assert!(
        fired.contains(&"hook-reference-transaction".to_owned()),
        "{fired:?}"
    );
}
