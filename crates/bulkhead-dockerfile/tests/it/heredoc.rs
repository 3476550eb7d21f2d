//! Heredocs: the behaviours BuildKit's `parser_heredoc_test.go` and
//! `dockerfile_heredoc_test.go` exercise, written here as our own cases.

use bulkhead_dockerfile::{Heredoc, ParseError};

use crate::parse;

fn heredocs(text: &str) -> Vec<Vec<Heredoc>> {
    parse(text)
        .instructions
        .into_iter()
        .map(|i| i.heredocs)
        .collect()
}

/// name, fd, expand, chomp, content
type Shape<'a> = (&'a str, u64, bool, bool, &'a str);

fn shape(h: &Heredoc) -> Shape<'_> {
    (
        h.name.as_str(),
        h.file_descriptor,
        h.expand,
        h.chomp,
        h.content.as_str(),
    )
}

#[test]
fn the_buildkit_table() {
    let text = "FROM alpine:3.6\n\nENV NAME=me\n\nRUN ls\n\nUSER <<INVALID\nINVALID\n\nRUN <<EMPTY\nEMPTY\n\nRUN 3<<EMPTY2\nEMPTY2\n\nRUN \"<<NOHEREDOC\"\n\nRUN <<INDENT\n\tfoo\n\tbar\nINDENT\n\nRUN <<-UNINDENT\n\tbaz\n\tquux\nUNINDENT\n\nRUN <<-UNINDENT2\n\tbaz\n\tquux\n\tUNINDENT2\n\nRUN <<-EXPAND\n\texpand $NAME\nEXPAND\n\nRUN <<-'NOEXPAND'\n\tdon't expand $NAME\nNOEXPAND\n\nRUN <<COPY\necho hello world\necho foo bar\nCOPY\n\nRUN <<COMMENT\n# internal comment\necho hello world\necho foo bar # trailing comment\nCOMMENT\n\nRUN --mount=type=cache,target=/foo <<MOUNT\necho hello\nMOUNT\n\nCOPY <<FILE1 <<FILE2 /dest\ncontent 1\nFILE1\ncontent 2\nFILE2\n\nCOPY <<X <<Y /dest\nY\nX\nX\nY\n\t";
    let df = parse(text);
    let got: Vec<Vec<_>> = df
        .instructions
        .iter()
        .map(|i| i.heredocs.iter().map(shape).collect())
        .collect();
    let expected: Vec<Vec<Shape<'_>>> = vec![
        vec![], // FROM
        vec![], // ENV
        vec![], // RUN ls
        vec![], // USER <<INVALID: not a heredoc instruction
        vec![], // INVALID (the next line is an instruction)
        vec![("EMPTY", 0, true, false, "")],
        vec![("EMPTY2", 3, true, false, "")],
        vec![], // "<<NOHEREDOC" is quoted
        vec![("INDENT", 0, true, false, "\tfoo\n\tbar\n")],
        vec![("UNINDENT", 0, true, true, "\tbaz\n\tquux\n")],
        vec![("UNINDENT2", 0, true, true, "\tbaz\n\tquux\n")],
        vec![("EXPAND", 0, true, true, "\texpand $NAME\n")],
        vec![("NOEXPAND", 0, false, true, "\tdon't expand $NAME\n")],
        vec![("COPY", 0, true, false, "echo hello world\necho foo bar\n")],
        vec![(
            "COMMENT",
            0,
            true,
            false,
            "# internal comment\necho hello world\necho foo bar # trailing comment\n",
        )],
        vec![("MOUNT", 0, true, false, "echo hello\n")],
        vec![
            ("FILE1", 0, true, false, "content 1\n"),
            ("FILE2", 0, true, false, "content 2\n"),
        ],
        vec![("X", 0, true, false, "Y\n"), ("Y", 0, true, false, "X\n")],
    ];
    assert_eq!(got, expected);
    assert_eq!(df.instructions[9].heredocs[0].chomped(), "baz\nquux\n");
    assert_eq!(
        df.instructions[15].flags[0].raw,
        "--mount=type=cache,target=/foo"
    );
    assert_eq!(df.instructions[4].dump(), "invalid \"\"");
}

#[test]
fn json_form_has_no_heredocs() {
    let h = heredocs("FROM alpine\nRUN [\"whoami\"]\nRUN [\"<<EOF\"]\nRUN [\"<<'EOF'\"]\n");
    assert!(h.iter().all(Vec::is_empty));
}

#[test]
fn quoted_terminators_do_not_expand() {
    let h = heredocs(
        "FROM x\nRUN <<'EOF'\n$A\nEOF\nRUN <<\"EOF\"\n$A\nEOF\nRUN <<E'O'F\n$A\nEOF\nRUN <<EOF\n$A\nEOF\n",
    );
    let expand: Vec<bool> = h[1..].iter().map(|v| v[0].expand).collect();
    assert_eq!(expand, [false, false, false, true]);
    assert!(h[1..].iter().all(|v| v[0].name == "EOF"));
}

#[test]
fn marker_shapes() {
    let text = "FROM x\n\
RUN <<X python3\nprint(1)\nX\n\
RUN << EOF\nspaced\nEOF\n\
RUN <<EOF > foo\nredirect\nEOF\n\
COPY <<file.txt /app/\ndotted\nfile.txt\n\
RUN <<$EOF\ndollar\n$EOF\n\
ONBUILD RUN <<EOF\nlater\nEOF\n\
ONBUILD COPY [\"<<EOF\", \"/x\"]\n";
    let h = heredocs(text);
    let names: Vec<Vec<&str>> = h
        .iter()
        .map(|v| v.iter().map(|h| h.name.as_str()).collect())
        .collect();
    assert_eq!(
        names,
        [
            vec![],
            vec!["X"],
            vec!["EOF"],
            vec!["EOF"],
            vec!["file.txt"],
            vec!["$EOF"],
            vec!["EOF"],
            vec![]
        ]
    );
    let content: Vec<&str> = h[1..7].iter().map(|v| v[0].content.as_str()).collect();
    assert_eq!(
        content,
        [
            "print(1)\n",
            "spaced\n",
            "redirect\n",
            "dotted\n",
            "dollar\n",
            "later\n"
        ]
    );
    let df = parse(text);
    assert_eq!(df.instructions[1].dump(), "run \"<<X python3\"");
    assert_eq!(df.instructions[6].dump(), "onbuild (run \"<<EOF\")");
}

#[test]
fn unterminated_heredoc_is_an_error() {
    let err = bulkhead_dockerfile::parse("FROM x\nRUN <<EOF\necho hi\nEOFX\n").unwrap_err();
    assert!(
        matches!(err, ParseError::UnterminatedHeredoc { start_line: 2, end_line: 4, ref name } if name == "EOF"),
        "{err:?}"
    );
    let err = bulkhead_dockerfile::parse("FROM x\nCOPY <<A <<B /d\nA\n").unwrap_err();
    assert!(matches!(err, ParseError::UnterminatedHeredoc { ref name, .. } if name == "B"));
    // `<<-` only strips tabs: spaces before the terminator do not end it.
    assert!(bulkhead_dockerfile::parse("FROM x\nRUN <<-E\n  E\n").is_err());
}

#[test]
fn crlf_bodies_keep_their_line_endings() {
    let df = parse("FROM x\r\nRUN <<EOF\r\necho a\r\nEOF\r\nRUN b\r\n");
    assert_eq!(df.instructions[1].heredocs[0].content, "echo a\r\n");
    assert_eq!(df.instructions[2].dump(), "run \"b\"");
}

#[test]
fn body_and_terminator_spans() {
    let text = "FROM x\nCOPY <<A <<-B /d\nline 1\nline 2\nA\n\tb\n\tB\nRUN true\n";
    let df = parse(text);
    let copy = &df.instructions[1];
    assert_eq!((copy.start_line(), copy.end_line()), (2, 7));
    assert_eq!(df.source(&copy.heredocs[0].body_span), "line 1\nline 2");
    assert_eq!(df.source(&copy.heredocs[0].terminator_span), "A");
    assert_eq!(df.source(&copy.heredocs[1].body_span), "\tb");
    assert_eq!(df.source(&copy.heredocs[1].terminator_span), "\tB");
    assert_eq!(
        df.source(&copy.span),
        "COPY <<A <<-B /d\nline 1\nline 2\nA\n\tb\n\tB"
    );
    let empty = parse("FROM x\nRUN <<E\nE\n");
    let h = &empty.instructions[1].heredocs[0];
    assert_eq!(
        (h.body_span.start.line, empty.source(&h.body_span)),
        (3, "")
    );
}
