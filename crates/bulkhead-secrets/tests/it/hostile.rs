//! Inputs built to hurt: invalid UTF-8, one huge line, many lines, and runs that keep
//! regexes busy. Each must finish (no timing assertions) and still find what is there.

use std::fmt::Write as _;

use crate::support::default;

fn token() -> String {
    ["ghp_", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"].concat()
}

fn scan_ids(text: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    default().scan("hostile.txt", text, &mut out);
    out.into_iter().map(|f| f.rule_id).collect()
}

#[test]
fn invalid_utf8_around_a_secret() {
    let mut text = vec![0xff, 0xfe, 0xc3, b'\n', 0x80, b' '];
    text.extend_from_slice(token().as_bytes());
    text.extend_from_slice(
        b"\n\xed\xa0\x80 api_key = \"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\"\n",
    );
    let mut out = Vec::new();
    default().scan("x.txt", &text, &mut out);
    let mut exhaustive = Vec::new();
    default().scan_exhaustive("x.txt", &text, &mut exhaustive);
    assert_eq!(out, exhaustive);
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].rule_id.as_str(), out[0].line), ("github-pat", 2));
}

#[test]
fn one_line_of_64_mib() {
    let size = 64 * 1024 * 1024;
    let mut text = Vec::with_capacity(size + 100);
    let filler: &[u8] = b"lorem ipsum key token api auth secret password dolor sit amet ";
    while text.len() < size / 2 {
        text.extend_from_slice(filler);
    }
    text.extend_from_slice(token().as_bytes());
    text.push(b' ');
    while text.len() < size {
        text.extend_from_slice(filler);
    }
    let found = scan_ids(&text);
    assert!(found.contains(&"github-pat".to_owned()), "{found:?}");
    let mut out = Vec::new();
    default().scan("big.txt", &text, &mut out);
    let pat = out.iter().find(|f| f.rule_id == "github-pat").unwrap();
    // The line is capped, not copied whole.
    assert!(pat.line_text.len() < 400);
    assert_eq!(pat.line, 1);
}

#[test]
fn a_hundred_thousand_lines() {
    let mut text = String::with_capacity(100_000 * 40);
    for i in 0..100_000 {
        writeln!(text, "line {i}: config_key = value_{i}").unwrap();
    }
    writeln!(text, "TOKEN={}", token()).unwrap();
    let mut out = Vec::new();
    default().scan("many.txt", text.as_bytes(), &mut out);
    let pat = out.iter().find(|f| f.rule_id == "github-pat").unwrap();
    assert_eq!(pat.line, 100_001);
}

#[test]
fn regex_heavy_runs() {
    let mb = 4 * 1024 * 1024;
    let base64: Vec<u8> = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkrLw=="
        .iter()
        .copied()
        .cycle()
        .take(mb)
        .collect();
    let cases: Vec<Vec<u8>> = vec![
        vec![b'a'; mb],
        vec![b'='; mb],
        base64.clone(),
        [b"api_key=".as_slice(), &base64].concat(),
        [b"password: \"".as_slice(), &vec![b'a'; mb]].concat(),
        [b"-----BEGIN PRIVATE KEY-----".as_slice(), &base64].concat(),
        b"key=".repeat(mb / 4),
        b"key\n".repeat(mb / 4),
        b"ops_eyJ"
            .iter()
            .copied()
            .chain(base64.iter().copied())
            .collect(),
        b"xoxb-1234567890-".repeat(mb / 16),
    ];
    for case in &cases {
        // Must return; what it finds is the rules' business.
        let _ = scan_ids(case);
    }
}

/// Many matches on one huge line: line bounds, `gitleaks:allow` and line allowlists must not
/// be recomputed from the start of the line for each match (that would be quadratic).
#[test]
fn many_matches_on_one_huge_line() {
    let mut text = Vec::new();
    let mut i = 0u64;
    while text.len() < 16 * 1024 * 1024 {
        // Distinct, high-entropy values so the generic rule keeps them.
        text.extend_from_slice(format!("api_key=Zx9Qw2Er7Ty4Ui8Op3{i:08x} ").as_bytes());
        i += 1;
    }
    let mut out = Vec::new();
    default().scan("one-line.txt", &text, &mut out);
    assert!(out.len() > 100_000, "{}", out.len());
    assert!(out.iter().all(|f| f.line == 1 && f.line_text.len() < 400));
}
