//! BuildKit's conformance data: every `testfiles/*` must dump to its `result`, every
//! `testfiles-negative/*` must be rejected, the line test must give BuildKit's lines, and
//! the shell lexer must pass every `envVarTest` and `wordsTest` case.

use std::time::Instant;

use bulkhead_dockerfile::shell::{Env, Lexer};

use crate::buildkit_data;

fn dirs(sub: &str) -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = fs_err::read_dir(buildkit_data().join(sub))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_testfile_dumps_to_its_result() {
    let dirs = dirs("testfiles");
    assert_eq!(dirs.len(), 33, "BuildKit ships 33 parser test files");
    let mut failures = Vec::new();
    let started = Instant::now();
    for dir in &dirs {
        let text = fs_err::read(dir.join("Dockerfile")).unwrap();
        let expected = fs_err::read_to_string(dir.join("result")).unwrap();
        match bulkhead_dockerfile::parse_bytes(&text) {
            Ok(df) => {
                let got = df.dump() + "\n";
                if got != expected {
                    failures.push(format!(
                        "{}:\n--- expected\n{expected}--- got\n{got}",
                        dir.display()
                    ));
                }
            }
            Err(e) => failures.push(format!("{}: {e}", dir.display())),
        }
    }
    eprintln!(
        "parsed and dumped {} testfiles in {:?}",
        dirs.len(),
        started.elapsed()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// BuildKit drops `\r` before `\n`, so every test file with CRLF line endings (and with a
/// byte-order mark) still dumps to the same result.
#[test]
fn every_testfile_with_crlf_and_bom() {
    for dir in dirs("testfiles") {
        let text = fs_err::read_to_string(dir.join("Dockerfile")).unwrap();
        let expected = fs_err::read_to_string(dir.join("result")).unwrap();
        let crlf = format!("\u{feff}{}", text.replace('\n', "\r\n"));
        let df = crate::parse(&crlf);
        assert_eq!(df.dump() + "\n", expected, "{}", dir.display());
        let lf = crate::parse(&text);
        let lines = |d: &bulkhead_dockerfile::Dockerfile| -> Vec<(usize, usize)> {
            d.instructions
                .iter()
                .map(|i| (i.start_line(), i.end_line()))
                .collect()
        };
        assert_eq!(lines(&df), lines(&lf), "{}", dir.display());
    }
}

#[test]
fn every_negative_testfile_is_rejected() {
    let dirs = dirs("testfiles-negative");
    assert_eq!(dirs.len(), 4);
    for dir in dirs {
        let text = fs_err::read(dir.join("Dockerfile")).unwrap();
        let result = bulkhead_dockerfile::parse_bytes(&text);
        assert!(
            result.is_err(),
            "{} parsed: {:?}",
            dir.display(),
            result.map(|d| d.dump())
        );
    }
}

#[test]
fn negative_testfiles_fail_for_buildkit_s_reasons() {
    use bulkhead_dockerfile::ParseError;
    let err = |name: &str| {
        let text = fs_err::read(
            buildkit_data()
                .join("testfiles-negative")
                .join(name)
                .join("Dockerfile"),
        )
        .unwrap();
        bulkhead_dockerfile::parse_bytes(&text).unwrap_err()
    };
    assert!(matches!(
        err("empty_dockerfile"),
        ParseError::NoInstructions { line: 0 }
    ));
    assert!(matches!(
        err("only_comments"),
        ParseError::NoInstructions { line: 3 }
    ));
    assert!(matches!(
        err("env_no_value"),
        ParseError::MissingValue { start_line: 3, end_line: 3, ref instruction } if instruction == "ENV"
    ));
    assert!(matches!(
        err("shykes-nested-json"),
        ParseError::JsonNotStringArray { start_line: 1, .. }
    ));
}

#[test]
fn testfile_line_has_buildkit_s_lines() {
    let text = fs_err::read_to_string(buildkit_data().join("testfile-line/Dockerfile")).unwrap();
    let df = crate::parse(&text);
    let whole = df.span().unwrap();
    assert_eq!((whole.start.line, whole.end.line), (5, 31));
    let lines: Vec<(usize, usize)> = df
        .instructions
        .iter()
        .map(|i| (i.start_line(), i.end_line()))
        .collect();
    assert_eq!(lines, [(5, 5), (11, 12), (17, 31)]);
    // The directive on line 1 is upper case; BuildKit matches names case-insensitively.
    assert_eq!(df.directive("escape").map(|d| d.value.as_str()), Some("\\"));
}

/// `envVarTest`: `PLATFORM | input | expected`, run for A and U.
#[test]
fn env_var_test() {
    let text = fs_err::read_to_string(buildkit_data().join("shell/envVarTest")).unwrap();
    let env = Env::from_pairs(["PWD=/home", "SHELL=bash", "KOREAN=한국어", "NULL="]);
    let lexer = Lexer::new('\\');
    let mut ran = 0;
    let mut failures = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.trim().split('|').collect();
        assert_eq!(fields.len(), 3, "line {}: {line}", n + 1);
        let (platform, source, expected) = (fields[0].trim(), fields[1].trim(), fields[2].trim());
        if platform == "W" {
            continue;
        }
        ran += 1;
        let got = lexer.process_word(source, &env);
        let ok = match &got {
            Ok(w) => expected != "error" && w == expected,
            Err(_) => expected == "error",
        };
        if !ok {
            failures.push(format!(
                "line {}: {source:?}: expected {expected:?}, got {got:?}",
                n + 1
            ));
        }
    }
    assert!(ran > 200, "only {ran} cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `wordsTest`: `ENV k=v` lines extend the environment; other lines are
/// `input | w1,w2,...` for word splitting (`error` if it must fail).
#[test]
fn words_test() {
    let text = fs_err::read_to_string(buildkit_data().join("shell/wordsTest")).unwrap();
    let lexer = Lexer::new('\\');
    let mut envs: Vec<String> = Vec::new();
    let mut ran = 0;
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("ENV ") {
            envs.push(rest.trim_start_matches(' ').to_owned());
            continue;
        }
        let fields: Vec<&str> = line.split('|').collect();
        assert_eq!(fields.len(), 2, "line {}: {line}", n + 1);
        let source = fields[0].trim();
        let expected: Vec<&str> = fields[1].trim_start_matches(' ').split(',').collect();
        let got = lexer
            .process_words(source, &Env::from_pairs(&envs))
            .unwrap_or_else(|_| vec!["error".to_owned()]);
        assert_eq!(got, expected, "line {}: {source:?}", n + 1);
        ran += 1;
    }
    assert!(ran >= 20, "only {ran} cases");
}
