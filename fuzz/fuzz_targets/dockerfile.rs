//! Parsing arbitrary bytes as a Dockerfile: no panic; when it parses, the dump succeeds and
//! every span (instruction, keyword, flag, argument, heredoc, directive) lies within the
//! text on character boundaries, inside its instruction; the command extractor never panics
//! on any RUN (nor on the whole input as a script) and its spans lie within the text; the
//! shell lexer and the ARG/ENV scope walk never panic.
#![no_main]

use bulkhead_dockerfile::shell::{Lexer, ScopeOptions};
use bulkhead_dockerfile::{Dockerfile, Instruction, Span, commands, parse_bytes};

fn check(df: &Dockerfile, span: &Span, within: Option<&Span>) {
    let text = df.text();
    assert!(span.start.offset <= span.end.offset, "{span:?}");
    assert!(span.end.offset <= text.len(), "{span:?} beyond {} bytes", text.len());
    assert!(text.is_char_boundary(span.start.offset) && text.is_char_boundary(span.end.offset));
    assert!(span.start.line >= 1 && span.start.column >= 1, "{span:?}");
    assert!(span.start.line <= span.end.line, "{span:?}");
    if let Some(outer) = within {
        assert!(outer.contains(span), "{span:?} outside {outer:?}");
    }
}

fn check_instruction(df: &Dockerfile, instr: &Instruction, within: Option<&Span>) {
    check(df, &instr.span, within);
    check(df, &instr.keyword_span, Some(&instr.span));
    for f in &instr.flags {
        check(df, &f.span, Some(&instr.span));
    }
    for a in &instr.args {
        check(df, &a.span, Some(&instr.span));
    }
    for h in &instr.heredocs {
        check(df, &h.body_span, Some(&instr.span));
        check(df, &h.terminator_span, Some(&instr.span));
    }
    if let Some(child) = &instr.onbuild {
        check_instruction(df, child, Some(&instr.span));
    }
    let _ = df.span_in(instr, 0..instr.original.len());
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(script) = std::str::from_utf8(data) {
        let _ = commands::extract(script);
    }
    let Ok(df) = parse_bytes(data) else {
        return;
    };
    let _ = df.dump();
    for d in &df.directives {
        check(&df, &d.span, None);
    }
    let lexer = Lexer::new(df.escape);
    for instr in &df.instructions {
        check_instruction(&df, instr, None);
        for a in &instr.args {
            let _ = lexer.process_word(&a.value, &bulkhead_dockerfile::shell::NoEnv);
        }
        if let Ok(script) = commands::extract_run(&df, instr) {
            for c in &script.commands {
                let span = c.span.expect("extract_run gives spans");
                check(&df, &span, None);
                for w in &c.words {
                    check(&df, &w.span.expect("word span"), None);
                }
            }
        }
    }
    df.walk_scopes(&ScopeOptions::default(), |_| {});
    let _ = df.stages();
});
