//! Hostile input: huge, deep, broken. Nothing may panic, overflow the stack or take
//! super-linear time. Timings are printed (`--nocapture`), never asserted (DESIGN §5).

use std::fmt::Write as _;
use std::time::Instant;

use bulkhead_dockerfile::commands::{self, ExtractError};
use bulkhead_dockerfile::shell::{self, LexErrorKind, NoEnv};
use bulkhead_dockerfile::{ParseError, parse};

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    eprintln!("{what}: {:?}", started.elapsed());
    out
}

#[test]
fn one_megabyte_single_line_is_refused_like_buildkit() {
    let text = format!("FROM x\nRUN echo {}\n", "a".repeat(1 << 20));
    let err = timed("1 MiB line", || parse(&text)).unwrap_err();
    assert_eq!(
        err,
        ParseError::LineTooLong {
            line: 2,
            max: 65_535
        }
    );
    // BuildKit's scanner holds 64 KiB including the newline.
    let fits = format!("FROM x\nRUN {}\n", "a".repeat(65_535 - 4));
    assert!(parse(&fits).is_ok());
    let too_long = format!("FROM x\nRUN {}\n", "a".repeat(65_536 - 4));
    assert!(matches!(
        parse(&too_long),
        Err(ParseError::LineTooLong { line: 2, .. })
    ));
    // With no instruction before it, BuildKit reports the empty file instead.
    let alone = "#".repeat(70_000);
    assert!(matches!(
        parse(&alone),
        Err(ParseError::NoInstructions { .. })
    ));
    // A too-long line inside a heredoc ends the body early: unterminated.
    let in_heredoc = format!("FROM x\nRUN <<E\n{}\nE\n", "b".repeat(70_000));
    assert!(matches!(
        parse(&in_heredoc),
        Err(ParseError::UnterminatedHeredoc { .. })
    ));
}

#[test]
fn one_megabyte_shell_script() {
    let chain = "apt-get install -y pkg && ".repeat(41_000) + "true";
    assert!(chain.len() > 1 << 20);
    let s = timed("1 MB && chain", || commands::extract(&chain)).unwrap();
    assert_eq!(s.commands.len(), 41_001);
    for script in [
        "'".repeat(1 << 20),
        "\"".to_owned() + &"$x".repeat(1 << 19),
        "$((".repeat(1 << 18),
        "<<E ".repeat(1 << 18) + "\n",
        "a|".repeat(1 << 19),
        "((".repeat(1 << 19),
        "`".repeat(1 << 20),
        "\\".repeat(1 << 20),
        "${".repeat(1 << 19),
        "case x in ".repeat(1 << 16),
        "x() ".repeat(1 << 18),
    ] {
        let what = format!("1 MB of {:?}…", &script[..8]);
        let _ = timed(&what, || commands::extract(&script));
    }
}

#[test]
fn a_hundred_thousand_lines() {
    let mut text = String::from("FROM alpine\n");
    for i in 0..100_000 {
        let _ = write!(text, "RUN echo {i} && apk add pkg{i}\n# comment {i}\n");
    }
    let df = timed("100k instructions", || parse(&text)).unwrap();
    assert_eq!(df.instructions.len(), 100_001);
    assert_eq!(df.instructions[100_000].start_line(), 200_000);
    let dump = timed("dump", || df.dump());
    assert_eq!(dump.lines().count(), 100_001);
    let total: usize = timed("extract every RUN", || {
        df.instructions[1..]
            .iter()
            .map(|i| commands::extract_run(&df, i).unwrap().commands.len())
            .sum()
    });
    assert_eq!(total, 200_000);
}

#[test]
fn ten_thousand_continuation_lines() {
    let mut text = String::from("FROM x\nRUN apk add \\\n");
    for i in 0..10_000 {
        let _ = writeln!(text, "    pkg{i} \\");
        if i % 100 == 0 {
            text.push_str("# a comment inside\n\n");
        }
    }
    text.push_str("    last\nUSER app\n");
    let df = timed("10k continuations", || parse(&text)).unwrap();
    let run = &df.instructions[1];
    assert_eq!(
        (run.start_line(), df.instructions[2].start_line()),
        (2, 10_204)
    );
    let s = commands::extract_run(&df, run).unwrap();
    assert_eq!(s.commands[0].words.len(), 10_003);
    let last = s.commands[0].words.last().unwrap();
    assert_eq!(df.source(last.span.as_ref().unwrap()), "last");
}

#[test]
fn deep_command_substitution_is_an_error_not_a_crash() {
    let text = format!(
        "FROM x\nRUN {}id{}\n",
        "$(".repeat(15_000),
        ")".repeat(15_000)
    );
    let df = parse(&text).unwrap();
    let err = commands::extract_run(&df, &df.instructions[1]).unwrap_err();
    assert_eq!(
        err,
        ExtractError::TooDeep {
            max: commands::MAX_DEPTH
        }
    );
    let backticks = "echo `".to_owned() + &"\\`".repeat(1000) + "`";
    let _ = commands::extract(&backticks);
}

#[test]
fn deep_variable_nesting_is_an_error() {
    let word = "${a:-".repeat(10_000) + &"}".repeat(10_000);
    let err = shell::process_word(&word, &NoEnv).unwrap_err();
    assert_eq!(err.kind, LexErrorKind::TooDeep);
    let df = parse(&format!("FROM x\nENV A={word}\n")).unwrap();
    let mut seen = 0;
    df.walk_scopes(&shell::ScopeOptions::default(), |_| seen += 1);
    assert_eq!(seen, 2);
}

#[test]
fn deep_json_follows_go() {
    let ok = format!("FROM x\nCMD [{}{}]\n", "[".repeat(9_999), "]".repeat(9_999));
    assert!(matches!(
        parse(&ok),
        Err(ParseError::JsonNotStringArray { .. })
    ));
    let deep = format!(
        "FROM x\nCMD [{}{}]\n",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    let df = parse(&deep).unwrap();
    assert!(!df.instructions[1].json);
}

#[test]
fn onbuild_nesting_is_bounded() {
    let text = format!("FROM x\n{}RUN y\n", "ONBUILD ".repeat(5_000));
    assert!(matches!(
        parse(&text),
        Err(ParseError::NestingTooDeep { .. })
    ));
    let ok = parse("FROM x\nONBUILD ONBUILD RUN y\n").unwrap();
    assert_eq!(ok.instructions[1].dump(), "onbuild (onbuild (run \"y\"))");
}

#[test]
fn broken_input() {
    // Unterminated JSON: shell form, as BuildKit.
    let df = parse("FROM x\nCMD [\"a\", \"b\"\nENTRYPOINT [\"a\n").unwrap();
    assert_eq!(
        df.dump(),
        "(from \"x\")\n(cmd \"[\\\"a\\\", \\\"b\\\"\")\n(entrypoint \"[\\\"a\")"
    );
    // NUL bytes are just characters.
    let df = parse("FROM x\0y\nRUN a\0b && c\n").unwrap();
    assert_eq!(df.dump(), "(from \"x\\x00y\")\n(run \"a\\x00b && c\")");
    assert_eq!(
        commands::extract_run(&df, &df.instructions[1])
            .unwrap()
            .commands
            .len(),
        2
    );
    // Invalid or repeated directives.
    assert!(matches!(
        parse("# escape=x\nFROM a\n"),
        Err(ParseError::InvalidEscapeToken { line: 1, ref token }) if token == "x"
    ));
    assert!(matches!(
        parse("# syntax=a\n# SYNTAX=b\nFROM a\n"),
        Err(ParseError::DuplicateDirective { line: 2, ref name }) if name == "syntax"
    ));
    // Too late to be a directive: an ordinary comment.
    let df = parse("FROM a\n# escape=x\n").unwrap();
    assert!(df.directives.is_empty());
    // Bytes that are not UTF-8.
    assert_eq!(
        bulkhead_dockerfile::parse_bytes(b"FROM a\nRUN \xff\n").unwrap_err(),
        ParseError::InvalidUtf8 {
            line: 2,
            offset: 11
        }
    );
    for text in [
        "\\",
        "`",
        "\n\n\n",
        "\u{feff}",
        "# escape=`\n`",
        "RUN <<",
        "RUN <<''\n",
        "ONBUILD",
        "HEALTHCHECK \u{a0}[1]",
    ] {
        let _ = parse(text);
    }
}

#[test]
fn escape_token_everywhere() {
    let text =
        "# escape=`\nFROM windows\nRUN dir c:\\ `\n  && echo done\nCOPY --from=`\"a b`\" x y\n";
    let df = parse(text).unwrap();
    assert_eq!(df.escape, '`');
    assert_eq!(
        df.instructions[1].dump(),
        "run \"dir c:\\\\   && echo done\""
    );
    assert_eq!(df.instructions[2].flags[0].raw, "--from=\"a");
}
