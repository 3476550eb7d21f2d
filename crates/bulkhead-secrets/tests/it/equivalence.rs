//! The windowed search (`scan`) must find exactly what gitleaks' whole-buffer search
//! (`scan_exhaustive`) finds. `support::scan` checks this on every test's input; here it is
//! checked on real files and on keyword-dense text built to put matches across lines and
//! next to window edges.

#![allow(clippy::print_stdout)] // the table is the point of --nocapture

use std::path::Path;

use bulkhead_secrets::Ruleset;
use rand::{RngExt as _, SeedableRng as _};

use crate::support::default;

fn assert_same(rules: &Ruleset, path: &str, text: &[u8]) -> usize {
    let mut windowed = Vec::new();
    rules.scan(path, text, &mut windowed);
    let mut exhaustive = Vec::new();
    rules.scan_exhaustive(path, text, &mut exhaustive);
    assert_eq!(
        windowed, exhaustive,
        "windowed and exhaustive scans differ on {path}"
    );
    windowed.len()
}

fn collect(dir: &Path, budget: &mut usize, out: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        if *budget == 0 {
            return;
        }
        let path = entry.path();
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            collect(&path, budget, out);
        } else if meta.is_file() && meta.len() < 512 * 1024 {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            if bulkhead_secrets::looks_binary(&bytes) {
                continue;
            }
            *budget = budget.saturating_sub(bytes.len());
            out.push((path.display().to_string(), bytes));
        }
    }
}

#[test]
fn real_files() {
    let mut files = Vec::new();
    for dir in ["/usr/lib/python3", "/usr/share/doc", "/etc"] {
        let mut budget = 3 * 1024 * 1024;
        collect(Path::new(dir), &mut budget, &mut files);
    }
    // This crate's own sources and the shared rules: real Rust and TOML full of keywords.
    let mut budget = 4 * 1024 * 1024;
    collect(
        Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/peer-data"
        )),
        &mut budget,
        &mut files,
    );
    collect(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &mut budget,
        &mut files,
    );
    assert!(!files.is_empty());
    let found: usize = files
        .iter()
        .map(|(path, bytes)| assert_same(default(), path, bytes))
        .sum();
    println!("{} files, {found} findings, identical", files.len());
}

/// Keywords, separators, quotes, newlines and random values, densely mixed.
#[test]
fn keyword_soup() {
    let rules = default();
    let keywords: Vec<String> = rules
        .rules()
        .flat_map(|r| r.keywords().iter().cloned())
        .collect();
    let pieces = [
        "=", ":", ": ", " = ", ":=", "=>", ",", "\"", "'", "`", "\n", "\n\n", "  ", "\t", ";",
        "\\n", "-", "_", ".", "{{", "}}", "${", "}", "\r\n", "key", "token", "secret", "password",
        "api", "auth", "access",
    ];
    let alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=_-";
    let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
    let mut total = 0;
    for doc in 0..600 {
        let mut text = String::new();
        for _ in 0..rng.random_range(20..200) {
            match rng.random_range(0..10) {
                0..=2 => text.push_str(&keywords[rng.random_range(0..keywords.len())]),
                3..=5 => text.push_str(pieces[rng.random_range(0..pieces.len())]),
                _ => {
                    for _ in 0..rng.random_range(1..48) {
                        text.push(char::from(alphabet[rng.random_range(0..alphabet.len())]));
                    }
                }
            }
        }
        total += assert_same(rules, &format!("doc{doc}.txt"), text.as_bytes());
    }
    // The soup does produce findings, so the comparison is not vacuous.
    assert!(total > 100, "{total}");
}
