//! What a Dockerfile RUN executes, decided the way BuildKit's `dispatchRun` decides it:
//!
//! - exec form runs argv directly (one command; a `sh -c` string in it is read);
//! - a RUN whose argument is a single heredoc marker runs the heredoc body — directly, by
//!   its `#!` interpreter, if it has one, else with the shell;
//! - any other RUN with heredocs runs `ARG\nBODY1NAME1\nBODY2NAME2…` with the shell, which
//!   then feeds the bodies to their commands (read as scripts only when fed to a shell);
//! - otherwise the shell runs the argument. The shell is the stage's last `SHELL` (or the
//!   one of the stage it is built from), `/bin/sh -c` by default; a non-POSIX one (`pwsh`,
//!   `cmd`) means nothing is read and [`Script::interpreter`] says why.

use std::ops::Range;

use super::lexer::{self, from_command};
use super::{Command, ExtractError, Origin, Script, Word, basename, is_shell};
use crate::ast::{Dockerfile, Instruction, Keyword};
use crate::json::{self, JsonArray};
use crate::span::Span;

/// How script offsets map back to the source.
enum Piece {
    /// Offsets into the instruction's argument text.
    Line,
    /// Offsets from a source position (a heredoc body).
    Source(usize),
    /// Text BuildKit adds (newlines, terminators): pinned to one source position.
    Fixed(usize),
}

struct Mapper<'a> {
    df: &'a Dockerfile,
    instr: &'a Instruction,
    /// `(start in script, piece)`, in order.
    pieces: Vec<(usize, Piece)>,
}

impl Mapper<'_> {
    fn source_offset(&self, at: usize, end: bool) -> usize {
        let i = match self.pieces.binary_search_by(|(s, _)| s.cmp(&at)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let Some((start, piece)) = self.pieces.get(i) else {
            return 0;
        };
        let rel = at - start;
        match piece {
            Piece::Line => {
                let base = self.instr.args_offset + rel;
                let r = if end {
                    self.instr.map.range(base..base + 1)
                } else {
                    self.instr.map.range(base..base)
                };
                if end { r.end } else { r.start }
            }
            Piece::Source(s) => s + rel + usize::from(end),
            Piece::Fixed(s) => *s,
        }
    }

    fn span(&self, r: &Range<usize>) -> Span {
        let start = self.source_offset(r.start, false);
        let end = if r.end > r.start {
            self.source_offset(r.end - 1, true)
        } else {
            start
        };
        self.df
            .line_index()
            .span(self.df.text(), start..end.max(start))
    }

    fn apply(&self, commands: &mut [Command]) {
        let sp = |w: &mut Word| w.span = Some(self.span(&w.range));
        for c in commands {
            c.span = Some(self.span(&c.range));
            c.words.iter_mut().for_each(sp);
            for a in &mut c.assignments {
                sp(&mut a.word);
            }
            for r in &mut c.redirections {
                r.span = Some(self.span(&r.range));
                if let Some(t) = &mut r.target {
                    sp(t);
                }
                if let Some(h) = &mut r.heredoc {
                    h.span = Some(self.span(&h.range));
                }
            }
        }
    }
}

/// The program a `#!` line names (`/usr/bin/env python3` → `python3`).
fn shebang_program(line: &str) -> Option<&str> {
    let mut parts = line.split_whitespace();
    let first = basename(parts.next()?);
    if first == "env" {
        return parts.find(|p| !p.starts_with('-')).map(basename);
    }
    Some(first)
}

fn not_read(interpreter: String) -> Script {
    Script {
        commands: Vec::new(),
        interpreter: Some(interpreter),
    }
}

fn read(commands: Vec<Command>) -> Script {
    Script {
        commands,
        interpreter: None,
    }
}

/// Exec form: argv is the JSON array, run without a shell.
fn exec_form(df: &Dockerfile, instr: &Instruction) -> Result<Script, ExtractError> {
    let text = instr.args_text();
    let JsonArray::Strings(elements) = json::parse_array(text) else {
        return Ok(Script::default());
    };
    let words: Vec<Word> = elements
        .into_iter()
        .map(|(value, range)| Word {
            value,
            range,
            span: None,
            quoted: true,
            expansion: false,
        })
        .collect();
    let Some(range) = words
        .first()
        .zip(words.last())
        .map(|(a, b)| a.range.start..b.range.end)
    else {
        return Ok(Script::default());
    };
    let command = Command {
        words,
        assignments: Vec::new(),
        redirections: Vec::new(),
        range,
        span: None,
        connector: None,
        next: None,
        origin: Origin::Script,
        depth: 0,
    };
    let mut commands = from_command(text, command)?;
    Mapper {
        df,
        instr,
        pieces: vec![(0, Piece::Line)],
    }
    .apply(&mut commands);
    Ok(read(commands))
}

/// A RUN with heredocs.
fn with_heredocs(
    df: &Dockerfile,
    instr: &Instruction,
    arg: &str,
    foreign_shell: Option<String>,
) -> Result<Script, ExtractError> {
    let single =
        instr.args.len() == 1 && crate::parser::parse_heredoc(arg).ok().flatten().is_some();
    if single {
        let heredoc = &instr.heredocs[0];
        let body = &heredoc.content;
        if let Some(shebang) = body.strip_prefix("#!") {
            let line = shebang.lines().next().unwrap_or("");
            if !shebang_program(line).is_some_and(is_shell) {
                return Ok(not_read(line.trim().to_owned()));
            }
        } else if let Some(sh) = foreign_shell {
            return Ok(not_read(sh));
        }
        let mut commands = lexer::extract(body, Origin::Script, 0)?;
        Mapper {
            df,
            instr,
            pieces: vec![(0, Piece::Source(heredoc.body_span.start.offset))],
        }
        .apply(&mut commands);
        return Ok(read(commands));
    }
    if let Some(sh) = foreign_shell {
        return Ok(not_read(sh));
    }
    // BuildKit reassembles the heredocs into one script for the shell.
    let mut text = arg.to_owned();
    let mut pieces = vec![(0, Piece::Line)];
    for h in &instr.heredocs {
        pieces.push((text.len(), Piece::Fixed(h.body_span.start.offset)));
        text.push('\n');
        pieces.push((text.len(), Piece::Source(h.body_span.start.offset)));
        text.push_str(&h.content);
        pieces.push((text.len(), Piece::Fixed(h.terminator_span.start.offset)));
        text.push_str(&h.name);
    }
    let mut commands = lexer::extract(&text, Origin::Script, 0)?;
    Mapper { df, instr, pieces }.apply(&mut commands);
    Ok(read(commands))
}

/// Extracts the commands a RUN (or `ONBUILD RUN`) executes. Any other instruction yields
/// an empty [`Script`]. Ranges index the text that was read (the RUN's argument text, the
/// heredoc body, or BuildKit's reassembly of both); every command, word, redirection and
/// heredoc also gets its source [`Span`].
pub fn extract_run(df: &Dockerfile, instruction: &Instruction) -> Result<Script, ExtractError> {
    let instr = match (&instruction.kind, &instruction.onbuild) {
        (Keyword::Onbuild, Some(child)) => child.as_ref(),
        _ => instruction,
    };
    if instr.kind != Keyword::Run {
        return Ok(Script::default());
    }
    if instr.json {
        return exec_form(df, instr);
    }
    let shell = df.index_of(instruction).and_then(|i| df.active_shell(i));
    let foreign_shell = shell
        .filter(|s| !s.args.first().is_some_and(|p| is_shell(basename(&p.value))))
        .map(|s| {
            let argv: Vec<&str> = s.args.iter().map(|a| a.value.as_str()).collect();
            argv.join(" ")
        });
    let Some(arg) = instr.args.first() else {
        return Ok(Script::default());
    };
    if !instr.heredocs.is_empty() {
        return with_heredocs(df, instr, &arg.value, foreign_shell);
    }
    if let Some(sh) = foreign_shell {
        return Ok(not_read(sh));
    }
    let mut commands = lexer::extract(&arg.value, Origin::Script, 0)?;
    Mapper {
        df,
        instr,
        pieces: vec![(0, Piece::Line)],
    }
    .apply(&mut commands);
    Ok(read(commands))
}
