//! Spans: every instruction, keyword, flag and argument points at the text it came from.

use bulkhead_dockerfile::{Dockerfile, Keyword, Span};

use crate::{buildkit_data, parse};

fn src<'a>(df: &'a Dockerfile, span: &Span) -> &'a str {
    df.source(span)
}

fn check_within(df: &Dockerfile) {
    let len = df.text().len();
    for instr in &df.instructions {
        let all = std::iter::once(&instr.span)
            .chain(std::iter::once(&instr.keyword_span))
            .chain(instr.flags.iter().map(|f| &f.span))
            .chain(instr.args.iter().map(|a| &a.span));
        for span in all {
            assert!(
                span.start.offset <= span.end.offset && span.end.offset <= len,
                "{span:?}"
            );
            assert!(
                df.text().is_char_boundary(span.start.offset)
                    && df.text().is_char_boundary(span.end.offset)
            );
            assert!(
                instr.span.contains(span),
                "{span:?} outside {:?}",
                instr.span
            );
            assert!(span.start.line >= 1 && span.start.column >= 1);
        }
    }
}

#[test]
fn spans_of_every_part() {
    let text = "# syntax=docker/dockerfile:1\nFROM --platform=$BUILDPLATFORM golang:1.22 AS build\nCOPY --chown=app:app [\"a b\", \"/dst/\"]\nENV A=1 B=\"two words\" \\\n    C=3\nLABEL legacy value with spaces\nHEALTHCHECK --interval=5s CMD curl -f http://x/ || exit 1\n";
    let df = parse(text);
    check_within(&df);
    let d = df.directive("syntax").unwrap();
    assert_eq!(
        (src(&df, &d.span), d.value.as_str()),
        ("# syntax=docker/dockerfile:1", "docker/dockerfile:1")
    );

    let from = &df.instructions[0];
    assert_eq!(src(&df, &from.keyword_span), "FROM");
    assert_eq!(src(&df, &from.flags[0].span), "--platform=$BUILDPLATFORM");
    assert_eq!(
        (from.flags[0].name(), from.flags[0].value()),
        ("platform", Some("$BUILDPLATFORM"))
    );
    let args: Vec<_> = from.args.iter().map(|a| src(&df, &a.span)).collect();
    assert_eq!(args, ["golang:1.22", "AS", "build"]);
    assert_eq!(from.stage_name().as_deref(), Some("build"));
    let first = from.args[0].span;
    assert_eq!(
        (first.start.line, first.start.column, first.end.column),
        (2, 32, 43)
    );

    let copy = &df.instructions[1];
    assert!(copy.json);
    let args: Vec<_> = copy
        .args
        .iter()
        .map(|a| (a.value.as_str(), src(&df, &a.span)))
        .collect();
    assert_eq!(args, [("a b", "\"a b\""), ("/dst/", "\"/dst/\"")]);

    let env = &df.instructions[2];
    assert_eq!((env.start_line(), env.end_line()), (4, 5));
    let kv: Vec<_> = env
        .key_values()
        .iter()
        .map(|kv| (src(&df, &kv.key.span), src(&df, &kv.value.span), kv.legacy))
        .collect();
    assert_eq!(
        kv,
        [
            ("A", "1", false),
            ("B", "\"two words\"", false),
            ("C", "3", false)
        ]
    );
    assert_eq!(src(&df, &env.args[2].span), "=");
    assert_eq!(env.args[7].span.start.line, 5);
    assert_eq!(env.original, "ENV A=1 B=\"two words\"     C=3");

    let label = &df.instructions[3];
    let kv = label.key_values();
    assert_eq!(
        (
            kv[0].key.value.as_str(),
            kv[0].value.value.as_str(),
            kv[0].legacy
        ),
        ("legacy", "value with spaces", true)
    );
    assert_eq!(
        label.args[2].span.start.offset,
        label.args[2].span.end.offset
    );

    let hc = &df.instructions[4];
    assert_eq!(
        hc.dump(),
        "healthcheck [\"--interval=5s\"] \"CMD\" \"curl -f http://x/ || exit 1\""
    );
    assert_eq!(
        hc.shell_command().map(|a| src(&df, &a.span)),
        Some("curl -f http://x/ || exit 1")
    );
}

#[test]
fn continuation_comments_and_blank_lines() {
    let text = "FROM x\nRUN a \\\n# a comment\n\n  && b\nRUN c\n";
    let df = parse(text);
    let run = &df.instructions[1];
    assert_eq!((run.start_line(), run.end_line()), (2, 5));
    assert_eq!(run.original, "RUN a   && b");
    assert_eq!(src(&df, &run.args[0].span), "a \\\n# a comment\n\n  && b");
    assert_eq!(df.warnings.len(), 1);
    assert!(
        df.warnings[0]
            .message
            .starts_with("Empty continuation line found in: RUN a")
    );
    // `span_in` maps bytes of `original` back to the source.
    assert_eq!(src(&df, &df.span_in(run, 8..12)), "&& b");
}

#[test]
fn bom_crlf_tabs_and_wide_characters() {
    let text = "\u{feff}FROM x\r\n\tRUN  echo \"héllo\" \u{1F600} done\r\n";
    let df = parse(text);
    check_within(&df);
    let from = &df.instructions[0];
    assert_eq!((from.span.start.offset, from.span.start.column), (3, 1));
    let run = &df.instructions[1];
    assert_eq!(
        (run.keyword_span.start.line, run.keyword_span.start.column),
        (2, 2)
    );
    assert_eq!(src(&df, &run.span), "RUN  echo \"héllo\" \u{1F600} done");
    let arg = run.args[0].span;
    assert_eq!((arg.start.column, arg.end.column), (7, 26));
    assert_eq!(df.line_index().utf16_column(df.text(), arg.end.offset), 27);
    // CRLF parses exactly like LF.
    assert_eq!(
        df.dump(),
        parse("FROM x\n\tRUN  echo \"héllo\" \u{1F600} done\n").dump()
    );
}

#[test]
fn onbuild_child_spans() {
    let df = parse("FROM x\nONBUILD   COPY --from=b /a \\\n  /b\n");
    let ob = &df.instructions[1];
    assert_eq!(ob.kind, Keyword::Onbuild);
    let child = ob.onbuild.as_deref().unwrap();
    assert_eq!(child.kind, Keyword::Copy);
    assert_eq!(src(&df, &child.span), "COPY --from=b /a \\\n  /b");
    assert_eq!(src(&df, &child.flags[0].span), "--from=b");
    assert_eq!(src(&df, &child.args[1].span), "/b");
    assert_eq!(child.args_text(), "/a   /b");
}

#[test]
fn comments_above_instructions() {
    let df = parse(
        "# escape=\\\n# first\n#\n# hadolint ignore=DL3008\n  # indented\nFROM x\n# not kept\n\nRUN y\n",
    );
    // As BuildKit: an empty comment resets, a directive is not a comment, and an indented
    // comment keeps its `#` (BuildKit drops the line's first byte, not the `#`).
    assert_eq!(
        df.instructions[0].comments,
        ["hadolint ignore=DL3008", "# indented"]
    );
    assert_eq!(df.instructions[1].comments, ["not kept"]);
}

#[test]
fn every_testfile_has_sane_spans() {
    for dir in fs_err::read_dir(buildkit_data().join("testfiles")).unwrap() {
        let dir = dir.unwrap().path();
        let text = fs_err::read_to_string(dir.join("Dockerfile")).unwrap();
        let df = parse(&text);
        check_within(&df);
        for instr in &df.instructions {
            assert_eq!(instr.keyword, src(&df, &instr.keyword_span));
            let last_line = df
                .line_index()
                .line_range(df.text(), instr.end_line())
                .unwrap();
            assert!(
                instr.span.end.offset <= last_line.end,
                "{}: {}",
                dir.display(),
                instr.original
            );
        }
    }
}

#[test]
fn edge_inputs_have_sane_spans() {
    for text in [
        "FROM a\n\\",
        "FROM a\n\\\n",
        "FROM a\n\\\n# c\n\n",
        "FROM a\nONBUILD\nONBUILD \\\n",
        "\u{feff}\\",
        "FROM a\nENV x=\\",
        "FROM a\nHEALTHCHECK \u{a0}CMD x",
        "FROM a\nCOPY --x=\u{e0a0}\u{a0} y",
        "# escape=`\nFROM `\n`\n",
    ] {
        let df = parse(text);
        check_within(&df);
        for instr in &df.instructions {
            if let Some(child) = &instr.onbuild {
                assert!(instr.span.contains(&child.span), "{text:?}");
            }
        }
    }
}

#[test]
fn serializes_to_json() {
    let df = parse("FROM x AS y\nRUN --mount=type=cache,target=/c make\n");
    let json = serde_json::to_value(&df).unwrap();
    assert_eq!(json["instructions"][1]["kind"], "run");
    assert_eq!(
        json["instructions"][1]["flags"][0]["raw"],
        "--mount=type=cache,target=/c"
    );
    assert_eq!(json["instructions"][1]["span"]["start"]["line"], 2);
    assert_eq!(json["stages"], serde_json::Value::Null);
    let stages = serde_json::to_value(df.stages()).unwrap();
    assert_eq!(stages[0]["name"], "y");
}
