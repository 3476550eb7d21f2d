//! The top-level loop of BuildKit's `parser.Parse`: physical lines to logical lines,
//! parser directives, comments, continuations, heredoc bodies.
//!
//! Ported statement by statement from `frontend/dockerfile/parser/parser.go` and
//! `directives.go`, so that the corner cases come out the same: a directive counts only
//! before the first instruction, comment or blank line; comment and blank lines inside a
//! continuation are dropped (blank ones with a warning); an escape token followed only by
//! blanks continues the line unless it is itself escaped; a heredoc body is read verbatim
//! after the instruction's logical line; lines end at `\n` with any trailing `\r` dropped;
//! and, like Go's `bufio.Scanner`, a physical line of 64 KiB or more is refused.

use std::ops::Range;

use crate::ast::{Arg, Directive, Dockerfile, Flag, Heredoc, Instruction, Keyword, Warning};
use crate::error::ParseError;
use crate::gochar::{is_space, trim_space};
use crate::line_parsers::{self, LineError, RawNode};
use crate::shell::{Lexer, NoEnv};
use crate::span::{LineIndex, OffsetMap};

/// Go's `bufio.MaxScanTokenSize`: a line (with its `\n`) must fit in this many bytes.
const MAX_LINE: usize = 64 * 1024;

/// One physical line: from `start` to `full_end`, just after its `\n`.
#[derive(Clone, Copy)]
struct RawLine {
    start: usize,
    full_end: usize,
}

/// Splits on `\n` like BuildKit's scanner, stopping (and remembering why) at a line too
/// long for it.
struct Lines<'a> {
    text: &'a str,
    pos: usize,
    too_long_at: Option<usize>,
    yielded: usize,
}

impl Lines<'_> {
    fn next(&mut self) -> Option<RawLine> {
        if self.pos >= self.text.len() || self.too_long_at.is_some() {
            return None;
        }
        let rest = &self.text.as_bytes()[self.pos..];
        let (end, full_end) = match memchr::memchr(b'\n', rest) {
            Some(i) => (self.pos + i, self.pos + i + 1),
            None => (self.text.len(), self.text.len()),
        };
        if end - self.pos >= MAX_LINE {
            self.too_long_at = Some(self.yielded + 1);
            return None;
        }
        let line = RawLine {
            start: self.pos,
            full_end,
        };
        self.pos = full_end;
        self.yielded += 1;
        Some(line)
    }
}

/// Go `bytes.TrimRight(s, "\r\n")` on `start..end`.
fn trim_newline(text: &str, start: usize, end: usize) -> usize {
    start + text[start..end].trim_end_matches(['\r', '\n']).len()
}

/// Go `trimLeadingWhitespace` (unicode.IsSpace).
fn trim_leading_ws(text: &str, start: usize, end: usize) -> usize {
    end - text[start..end].trim_start_matches(is_space).len()
}

fn is_comment(s: &str) -> bool {
    s.trim_start_matches(is_space).starts_with('#')
}

/// RE2's `\s`: `[\t\n\f\r ]`.
fn is_re2_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{c}' | '\r' | ' ')
}

/// `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`, the directive pattern.
fn match_directive(line: &str) -> Option<(&str, &str)> {
    let s = line.strip_prefix('#')?.trim_start_matches(is_re2_space);
    let name_len = s
        .char_indices()
        .take_while(|&(i, c)| {
            if i == 0 {
                c.is_ascii_alphabetic()
            } else {
                c.is_ascii_alphanumeric()
            }
        })
        .count();
    if name_len == 0 {
        return None;
    }
    let (name, s) = s.split_at(name_len);
    let s = s.trim_start_matches(is_re2_space).strip_prefix('=')?;
    let v = s.trim_start_matches(is_re2_space);
    if !v.is_empty() {
        return Some((name, v.trim_end_matches(is_re2_space)));
    }
    // All blanks: the lazy group still takes one character (the last).
    let last = s.chars().next_back()?;
    Some((name, &s[s.len() - last.len_utf8()..]))
}

/// The directive state: escape token and `DirectiveParser`.
struct Directives {
    escape: char,
    done: bool,
    found: Vec<Directive>,
}

impl Directives {
    /// `possibleParserDirective`: whether `line` (newline and, for a first line, leading
    /// white space trimmed) was a directive.
    fn check(
        &mut self,
        line: &str,
        line_no: usize,
        span: Range<usize>,
        text: &str,
        index: &LineIndex,
    ) -> Result<bool, ParseError> {
        if self.done {
            return Ok(false);
        }
        let Some((name, value)) = match_directive(line) else {
            self.done = true;
            return Ok(false);
        };
        let name = name.to_ascii_lowercase();
        if !matches!(name.as_str(), "syntax" | "escape" | "check") {
            self.done = true;
            return Ok(false);
        }
        if self.found.iter().any(|d| d.name == name) {
            return Err(ParseError::DuplicateDirective {
                line: line_no,
                name,
            });
        }
        if name == "escape" {
            self.escape = match value {
                "\\" => '\\',
                "`" => '`',
                _ => {
                    return Err(ParseError::InvalidEscapeToken {
                        line: line_no,
                        token: value.to_owned(),
                    });
                }
            };
        }
        self.found.push(Directive {
            name,
            value: value.to_owned(),
            span: index.span(text, span),
        });
        Ok(true)
    }

    /// `trimContinuationCharacter`: the end of `line` without a trailing continuation,
    /// and whether the logical line ends here.
    fn trim_continuation(&self, line: &str) -> (usize, bool) {
        let t = line.trim_end_matches([' ', '\t']);
        let Some(before) = t.strip_suffix(self.escape) else {
            return (line.len(), true);
        };
        if before.is_empty() {
            return (0, false);
        }
        if before.ends_with(self.escape) {
            return (line.len(), true);
        }
        (before.len(), false)
    }
}

/// Parses a Dockerfile the way BuildKit does. Kept in one piece, like Go's `Parse`, so the
/// two can be compared statement by statement.
#[allow(clippy::too_many_lines)]
pub(crate) fn parse(text: &str) -> Result<Dockerfile, ParseError> {
    let index = LineIndex::new(text);
    let mut d = Directives {
        escape: '\\',
        done: false,
        found: Vec::new(),
    };
    let mut lines = Lines {
        text,
        pos: 0,
        too_long_at: None,
        yielded: 0,
    };
    let mut current_line = 0;
    let mut comments: Vec<String> = Vec::new();
    let mut instructions = Vec::new();
    let mut warnings = Vec::new();

    while let Some(raw) = lines.next() {
        let mut start = raw.start;
        if current_line == 0 && text[start..].starts_with('\u{feff}') {
            start += 3;
        }
        let with_newline = &text[start..raw.full_end];
        if is_comment(with_newline) {
            // Go slices off the first byte of the line, not the `#` (so an indented
            // comment keeps its `#`, and a multi-byte first character leaves U+FFFD).
            let after_first = String::from_utf8_lossy(&with_newline.as_bytes()[1..]);
            let comment = trim_space(&after_first);
            if comment.is_empty() {
                comments.clear();
            } else {
                comments.push(comment.to_owned());
            }
        }
        // processLine(d, line, stripLeftWhitespace=true)
        let end = trim_newline(text, start, raw.full_end);
        let start = trim_leading_ws(text, start, end);
        let token = &text[start..end];
        let is_directive = d.check(token, current_line + 1, start..end, text, &index)?;
        if is_directive {
            comments.pop();
        }
        let token_end = if is_comment(token) { start } else { end };
        current_line += 1;
        let start_line = current_line;
        let first_offset = start;

        let (len, mut is_end) = d.trim_continuation(&text[start..token_end]);
        if is_end && len == 0 {
            continue;
        }
        let mut map = OffsetMap::new(start);
        let mut logical = String::from(&text[start..start + len]);
        map.push(start..start + len);
        let mut last_end = end;
        let mut empty_continuation = false;
        while !is_end {
            let Some(next) = lines.next() else { break };
            current_line += 1;
            let end = trim_newline(text, next.start, next.full_end);
            last_end = end;
            if is_comment(&text[next.start..next.full_end]) {
                continue;
            }
            if text[next.start..end]
                .trim_start_matches(is_space)
                .is_empty()
            {
                empty_continuation = true;
                continue;
            }
            let (len, end_here) = d.trim_continuation(&text[next.start..end]);
            is_end = end_here;
            logical.push_str(&text[next.start..next.start + len]);
            map.push(next.start..next.start + len);
        }
        if empty_continuation {
            warnings.push(Warning {
                message: format!("Empty continuation line found in: {logical}"),
                span: index.span(text, first_offset..last_end),
            });
        }

        let raw_node = line_parsers::parse_line(&logical, 0, d.escape, 0)
            .map_err(|e| line_error(e, start_line, current_line))?;
        let mut instruction = build_instruction(raw_node, &logical, &map, text, &index);
        instruction.comments = std::mem::take(&mut comments);

        if instruction.can_contain_heredoc() && logical.contains("<<") {
            let markers =
                heredocs_from_line(&logical).map_err(|message| ParseError::InvalidHeredoc {
                    start_line,
                    end_line: current_line,
                    message,
                })?;
            for marker in markers {
                let mut content = String::new();
                let body_start = lines.pos;
                let mut terminator = None;
                while let Some(line) = lines.next() {
                    current_line += 1;
                    let end = trim_newline(text, line.start, line.full_end);
                    let mut candidate = &text[line.start..end];
                    if marker.chomp {
                        candidate = candidate.trim_start_matches('\t');
                    }
                    if candidate == marker.name {
                        terminator = Some(line);
                        break;
                    }
                    content.push_str(&text[line.start..line.full_end]);
                }
                let Some(term) = terminator else {
                    return Err(ParseError::UnterminatedHeredoc {
                        start_line,
                        end_line: current_line,
                        name: marker.name,
                    });
                };
                let body_end = trim_newline(text, body_start, term.start);
                last_end = trim_newline(text, term.start, term.full_end);
                instruction.heredocs.push(Heredoc {
                    name: marker.name,
                    file_descriptor: marker.fd,
                    expand: marker.expand,
                    chomp: marker.chomp,
                    content,
                    body_span: index.span(text, body_start..body_end.max(body_start)),
                    terminator_span: index.span(text, term.start..last_end),
                });
            }
        }
        instruction.span = index.span(text, first_offset..last_end.max(first_offset));
        instructions.push(instruction);
    }

    if instructions.is_empty() {
        return Err(ParseError::NoInstructions { line: current_line });
    }
    if let Some(line) = lines.too_long_at {
        return Err(ParseError::LineTooLong {
            line,
            max: MAX_LINE - 1,
        });
    }
    Ok(Dockerfile {
        shells: crate::ast::shells(&instructions),
        instructions,
        directives: d.found,
        escape: d.escape,
        warnings,
        text: text.to_owned(),
        index,
    })
}

fn line_error(e: LineError, start_line: usize, end_line: usize) -> ParseError {
    match e {
        LineError::MissingValue(instruction) => ParseError::MissingValue {
            start_line,
            end_line,
            instruction: instruction.to_owned(),
        },
        LineError::MissingEquals(word) => ParseError::MissingEquals {
            start_line,
            end_line,
            word,
        },
        LineError::NotStringArray => ParseError::JsonNotStringArray {
            start_line,
            end_line,
        },
        LineError::TooDeep => ParseError::NestingTooDeep {
            start_line,
            end_line,
            max: line_parsers::MAX_ONBUILD_NESTING,
        },
    }
}

/// Turns the line parsers' output into an [`Instruction`] with source spans; `line` is
/// the top-level logical line all ranges index into.
fn build_instruction(
    raw: RawNode,
    line: &str,
    map: &OffsetMap,
    text: &str,
    index: &LineIndex,
) -> Instruction {
    let span = |r: Range<usize>| index.span(text, map.range(r));
    let onbuild = raw.child.map(|(child, at)| {
        let mut child = build_instruction(*child, line, map, text, index);
        line[at..].clone_into(&mut child.original);
        child.map = map.suffix(at);
        child.args_offset -= at;
        child.span = span(at..line.len());
        Box::new(child)
    });
    Instruction {
        keyword: raw.keyword.0,
        kind: raw.kind.unwrap_or(Keyword::Unknown),
        keyword_span: span(raw.keyword.1),
        flags: raw
            .flags
            .into_iter()
            .map(|(raw, r)| Flag { raw, span: span(r) })
            .collect(),
        args: raw
            .args
            .into_iter()
            .map(|(value, r)| Arg {
                value,
                span: span(r),
            })
            .collect(),
        json: raw.json,
        heredocs: Vec::new(),
        onbuild,
        original: line.to_owned(),
        comments: Vec::new(),
        span: span(0..line.len()),
        map: map.clone(),
        args_offset: raw.args_offset,
    }
}

/// A heredoc marker found on an instruction line.
pub(crate) struct Marker {
    pub(crate) name: String,
    pub(crate) fd: u64,
    pub(crate) expand: bool,
    pub(crate) chomp: bool,
}

/// `heredocsFromLine`: the line's words (quotes and escapes raw, unset variables kept)
/// that are heredoc markers.
fn heredocs_from_line(line: &str) -> Result<Vec<Marker>, String> {
    let mut lexer = Lexer::new('\\');
    lexer.raw_quotes = true;
    lexer.raw_escapes = true;
    lexer.skip_unset_env = true;
    let words = lexer.process_words(line, &NoEnv).unwrap_or_default();
    let mut out = Vec::new();
    for word in words {
        if let Some(marker) = parse_heredoc(&word)? {
            out.push(marker);
        }
    }
    Ok(out)
}

/// `ParseHeredoc`: `^(\d*)<<(-?)\s*([^<]*)$`, then the terminator word.
pub(crate) fn parse_heredoc(src: &str) -> Result<Option<Marker>, String> {
    let digits = src.bytes().take_while(u8::is_ascii_digit).count();
    let Some(after) = src[digits..].strip_prefix("<<") else {
        return Ok(None);
    };
    let (chomp, after) = match after.strip_prefix('-') {
        Some(a) => (true, a),
        None => (false, after),
    };
    let rest = after.trim_start_matches(is_re2_space);
    if rest.contains('<') || rest.is_empty() {
        return Ok(None);
    }
    // Go's ParseUint: out of range saturates; the error is ignored.
    let fd = if digits == 0 {
        0
    } else {
        src[..digits].parse::<u64>().unwrap_or(u64::MAX)
    };
    let mut lexer = Lexer::new('\\');
    lexer.skip_unset_env = true;
    let words = lexer
        .process_words(rest, &NoEnv)
        .map_err(|e| e.to_string())?;
    if words.len() != 1 {
        return Ok(None);
    }
    lexer.raw_quotes = true;
    let raw = lexer
        .process_words(rest, &NoEnv)
        .map_err(|e| e.to_string())?;
    if raw.len() != words.len() {
        return Err(format!(
            "internal lexing of heredoc produced inconsistent results: {rest}"
        ));
    }
    let quotes = |s: &str| s.chars().filter(|&c| c == '\'' || c == '"').count();
    let expand = quotes(&words[0]) == quotes(&raw[0]);
    Ok(Some(Marker {
        name: words.into_iter().next().unwrap_or_default(),
        fd,
        expand,
        chomp,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directive_pattern() {
        assert_eq!(match_directive("# escape=`"), Some(("escape", "`")));
        assert_eq!(match_directive("#escape = ` \t"), Some(("escape", "`")));
        assert_eq!(
            match_directive("# syntax=docker/dockerfile:1 "),
            Some(("syntax", "docker/dockerfile:1"))
        );
        assert_eq!(match_directive("# escape=  "), Some(("escape", " ")));
        assert_eq!(match_directive("# escape="), None);
        assert_eq!(match_directive("# esc-ape=x"), None);
        assert_eq!(match_directive("# 1x=y"), None);
    }

    #[test]
    fn heredoc_helpers() {
        for src in [
            "<<EOF",
            "<<'EOF'",
            "<<\"EOF\"",
            "<<-EOF",
            "<<-'EOF'",
            "<<-\"EOF\"",
            "<< EOF",
        ] {
            assert_eq!(parse_heredoc(src).unwrap().unwrap().name, "EOF", "{src}");
        }
        for src in ["<<'EOF", "<<\"EOF", "<<EOF'", "<<EOF\""] {
            assert!(parse_heredoc(src).is_err(), "{src}");
        }
        for src in ["", "EOF", "<<", "<<-", "<EOF", "<<<EOF"] {
            assert!(parse_heredoc(src).unwrap().is_none(), "{src}");
        }
        let m = parse_heredoc("3<<-E'O'F").unwrap().unwrap();
        assert_eq!(
            (m.name.as_str(), m.fd, m.chomp, m.expand),
            ("EOF", 3, true, false)
        );
    }

    #[test]
    fn heredocs_on_a_line() {
        let names = |l: &str| -> Vec<String> {
            heredocs_from_line(l)
                .unwrap()
                .into_iter()
                .map(|m| m.name)
                .collect()
        };
        assert_eq!(names("RUN <<EOF"), ["EOF"]);
        assert_eq!(names("RUN 4<<EOF"), ["EOF"]);
        assert_eq!(names("RUN <<EOF <<EOF2"), ["EOF", "EOF2"]);
        assert!(names("RUN '<<EOF'").is_empty());
        assert!(names("RUN \"<<EOF\"").is_empty());
        assert_eq!(names("RUN <<$EOF"), ["$EOF"]);
        assert_eq!(names("COPY <<file.txt /dest"), ["file.txt"]);
    }
}
