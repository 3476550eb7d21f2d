//! BuildKit's per-instruction line parsers (`line_parsers.go`, `split_command.go`), ported
//! so that every value also carries the byte range of the logical line it came from.
//!
//! The logical line is the instruction with continuations joined; ranges index into it and
//! the caller maps them back to the source. Go quirks kept on purpose: flags are scanned
//! byte by byte (a non-ASCII byte in a flag becomes the Latin-1 character of that value,
//! exactly as `rune(line[pos])` does), `ENV`/`LABEL` keep quotes raw, and an unknown
//! instruction keeps no arguments.

use std::ops::Range;

use crate::ast::Keyword;
use crate::gochar::{is_space, to_lower, trim_space};
use crate::json::{self, JsonArray};

/// How deeply ONBUILD may nest (`ONBUILD ONBUILD …`) before we give up: BuildKit's parser
/// recurses without limit, its builder rejects any nesting.
pub(crate) const MAX_ONBUILD_NESTING: usize = 16;

/// Why a logical line is not an instruction BuildKit accepts.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum LineError {
    /// `ENV`/`LABEL` with a name and no value.
    MissingValue(&'static str),
    /// A `name=value` list with a word lacking `=`.
    MissingEquals(String),
    NotStringArray,
    TooDeep,
}

/// A value and its byte range in the logical line.
pub(crate) type Piece = (String, Range<usize>);

/// One instruction as the line parsers see it.
#[derive(Debug, Default)]
pub(crate) struct RawNode {
    pub(crate) keyword: Piece,
    pub(crate) kind: Option<Keyword>,
    pub(crate) flags: Vec<Piece>,
    pub(crate) args: Vec<Piece>,
    pub(crate) json: bool,
    /// ONBUILD's instruction, and where its text starts in the line.
    pub(crate) child: Option<(Box<RawNode>, usize)>,
    pub(crate) args_offset: usize,
}

/// `[\t\v\f\r ]`, BuildKit's `reWhitespace` class.
fn is_re_ws(c: char) -> bool {
    matches!(c, '\t' | '\u{b}' | '\u{c}' | '\r' | ' ')
}

/// Go's `reWhitespace.Split(s, n)` (n = -1 for all), as ranges relative to `s`.
fn split_ws(s: &str, limit: Option<usize>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    if s.is_empty() {
        out.push(0..0);
        return out;
    }
    let mut beg = 0;
    let mut iter = s.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if !is_re_ws(c) {
            continue;
        }
        if limit.is_some_and(|n| out.len() + 1 == n) {
            break;
        }
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = iter.peek() {
            if !is_re_ws(d) {
                break;
            }
            end = j + d.len_utf8();
            iter.next();
        }
        out.push(beg..i);
        beg = end;
    }
    out.push(beg..s.len());
    out
}

/// The first character boundary at or after `i`: byte-wise scans can stop inside a
/// character, spans must not.
fn ceil_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Go `unicode.IsSpace(rune(b))` for one byte of a byte-wise scan.
fn is_space_byte(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x85 | 0xa0)
}

/// `extractBuilderFlags`: leading `--flag` words. Returns the flags (ranges relative to
/// `line`) and where the rest of the line starts.
fn extract_builder_flags(line: &str, escape: char) -> (Vec<Piece>, usize) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let bytes = line.as_bytes();
    let escape = u8::try_from(escape).unwrap_or(b'\\');
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut word_start = 0;
    let mut quote = 0u8;
    let mut blank_ok = false;
    let mut pos = 0;
    // A "space" byte can sit inside a multi-byte character (Go checks bytes); keep the
    // rest and the flag ranges on character boundaries.
    let rest_at = |pos: usize| ceil_boundary(line, pos);
    while pos <= bytes.len() {
        let ch = bytes.get(pos).copied().unwrap_or(0);
        if phase == Phase::Spaces {
            if pos == bytes.len() {
                break;
            }
            if is_space_byte(ch) {
                pos += 1;
                continue;
            }
            if ch != b'-' || pos + 1 == bytes.len() || bytes[pos + 1] != b'-' {
                return (words, rest_at(pos));
            }
            phase = Phase::Word;
            word_start = pos;
        }
        if pos == bytes.len() {
            if word != "--" && (blank_ok || !word.is_empty()) {
                words.push((std::mem::take(&mut word), word_start..rest_at(pos)));
            }
            break;
        }
        if phase == Phase::Word {
            if is_space_byte(ch) {
                phase = Phase::Spaces;
                if word == "--" {
                    return (words, rest_at(pos));
                }
                if blank_ok || !word.is_empty() {
                    words.push((std::mem::take(&mut word), word_start..rest_at(pos)));
                }
                word.clear();
                blank_ok = false;
                pos += 1;
                continue;
            }
            if ch == b'\'' || ch == b'"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                pos += 1;
                continue;
            }
            let mut ch = ch;
            if ch == escape {
                if pos + 1 == bytes.len() {
                    pos += 1;
                    continue;
                }
                pos += 1;
                ch = bytes[pos];
            }
            word.push(char::from(ch));
            pos += 1;
            continue;
        }
        // Phase::Quote
        if ch == quote {
            phase = Phase::Word;
            pos += 1;
            continue;
        }
        let mut ch = ch;
        if ch == escape {
            if pos + 1 == bytes.len() {
                phase = Phase::Word;
                pos += 1;
                continue;
            }
            pos += 1;
            ch = bytes[pos];
        }
        word.push(char::from(ch));
        pos += 1;
    }
    (words, bytes.len())
}

/// `parseWords`: white-space separated words, quotes and escapes kept. Ranges relative to
/// `rest`.
fn parse_words(rest: &str, escape: char) -> Vec<Piece> {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut word = String::new();
    let mut start = 0;
    let mut end = 0;
    let mut chars = rest.char_indices().peekable();
    loop {
        let Some((pos, ch)) = chars.next() else {
            if phase != Phase::Spaces && (blank_ok || !word.is_empty()) {
                words.push((word, start..end));
            }
            break;
        };
        let at_end =
            |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| chars.peek().is_none();
        if phase == Phase::Spaces {
            if is_space(ch) {
                continue;
            }
            phase = Phase::Word;
            start = pos;
            end = pos;
        }
        if phase == Phase::Word {
            if is_space(ch) {
                phase = Phase::Spaces;
                if blank_ok || !word.is_empty() {
                    words.push((std::mem::take(&mut word), start..end));
                }
                blank_ok = false;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            }
            if ch == escape {
                if at_end(&mut chars) {
                    continue;
                }
                word.push(ch);
                let Some((p, c)) = chars.next() else { break };
                word.push(c);
                end = p + c.len_utf8();
                continue;
            }
            word.push(ch);
            end = pos + ch.len_utf8();
            continue;
        }
        // Phase::Quote
        if ch == quote {
            phase = Phase::Word;
        }
        if ch == escape && quote != '\'' {
            if at_end(&mut chars) {
                phase = Phase::Word;
                continue;
            }
            word.push(ch);
            let Some((p, c)) = chars.next() else { break };
            word.push(c);
            end = p + c.len_utf8();
            continue;
        }
        word.push(ch);
        end = pos + ch.len_utf8();
    }
    words
}

fn offset(pieces: Vec<Piece>, base: usize) -> Vec<Piece> {
    pieces
        .into_iter()
        .map(|(v, r)| (v, r.start + base..r.end + base))
        .collect()
}

/// `parseNameVal` (ENV, LABEL): `name value sep` triples.
fn parse_name_val(
    rest: &str,
    base: usize,
    key: &'static str,
    escape: char,
) -> Result<Vec<Piece>, LineError> {
    let words = parse_words(rest, escape);
    let Some(first) = words.first() else {
        return Ok(Vec::new());
    };
    if !first.0.contains('=') {
        let parts = split_ws(rest, Some(2));
        if parts.len() < 2 {
            return Err(LineError::MissingValue(key));
        }
        let (k, v) = (parts[0].clone(), parts[1].clone());
        let sep = base + k.end..base + k.end;
        return Ok(vec![
            (rest[k.clone()].to_owned(), base + k.start..base + k.end),
            (rest[v.clone()].to_owned(), base + v.start..base + v.end),
            (String::new(), sep),
        ]);
    }
    let mut out = Vec::with_capacity(words.len() * 3);
    for (word, range) in words {
        let Some(eq) = word.find('=') else {
            return Err(LineError::MissingEquals(word));
        };
        let s = base + range.start;
        out.push((word[..eq].to_owned(), s..s + eq));
        out.push((word[eq + 1..].to_owned(), s + eq + 1..base + range.end));
        out.push(("=".to_owned(), s + eq..s + eq + 1));
    }
    Ok(out)
}

/// `parseStringsWhitespaceDelimited`.
fn parse_whitespace_delimited(rest: &str, base: usize) -> Vec<Piece> {
    if rest.is_empty() {
        return Vec::new();
    }
    split_ws(rest, None)
        .into_iter()
        .map(|r| (rest[r.clone()].to_owned(), base + r.start..base + r.end))
        .collect()
}

/// `parseMaybeJSON`: exec form, else the whole rest as one string.
fn parse_maybe_json(rest: &str, base: usize) -> Result<(Vec<Piece>, bool), LineError> {
    if rest.is_empty() {
        return Ok((Vec::new(), false));
    }
    match json::parse_array(rest) {
        JsonArray::Strings(v) => Ok((offset(v, base), true)),
        JsonArray::NotStrings => Err(LineError::NotStringArray),
        JsonArray::Invalid => Ok((vec![(rest.to_owned(), base..base + rest.len())], false)),
    }
}

/// `parseMaybeJSONToList`: exec form, else white-space separated.
fn parse_maybe_json_to_list(rest: &str, base: usize) -> Result<(Vec<Piece>, bool), LineError> {
    match json::parse_array(rest) {
        JsonArray::Strings(v) => Ok((offset(v, base), true)),
        JsonArray::NotStrings => Err(LineError::NotStringArray),
        JsonArray::Invalid => Ok((parse_whitespace_delimited(rest, base), false)),
    }
}

/// `parseHealthConfig`: the type word, then the command like `parseMaybeJSON`. Go scans
/// bytes here, so the last byte of a character such as U+00A0 (`C2 A0`) ends the type word
/// mid-character; we do the same and show the broken character as U+FFFD (Go keeps the
/// raw byte), so what follows — and whether it is valid exec form — matches BuildKit.
fn parse_health_config(rest: &str, base: usize) -> Result<(Vec<Piece>, bool), LineError> {
    let bytes = rest.as_bytes();
    let sep = bytes
        .iter()
        .position(|&b| is_space_byte(b))
        .unwrap_or(bytes.len());
    let blanks = bytes[sep..]
        .iter()
        .take_while(|&&b| is_space_byte(b))
        .count();
    let next = ceil_boundary(rest, sep + blanks);
    if sep == 0 {
        return Ok((Vec::new(), false));
    }
    let typ = String::from_utf8_lossy(&bytes[..sep]).into_owned();
    let mut args = vec![(typ, base..base + ceil_boundary(rest, sep))];
    let (cmd, json) = parse_maybe_json(&rest[next..], base + next)?;
    args.extend(cmd);
    Ok((args, json))
}

/// `newNodeFromLine`: splits the keyword and flags off `line` and dispatches on the
/// keyword. `base` is where `line` starts in the top-level logical line.
pub(crate) fn parse_line(
    line: &str,
    base: usize,
    escape: char,
    depth: usize,
) -> Result<RawNode, LineError> {
    if depth > MAX_ONBUILD_NESTING {
        return Err(LineError::TooDeep);
    }
    // splitCommand
    let trimmed = trim_space(line);
    let t0 = line.len() - line.trim_start_matches(is_space).len();
    let parts = split_ws(trimmed, Some(2));
    let cmd_range = parts[0].clone();
    let keyword = trimmed[cmd_range.clone()].to_owned();
    let mut node = RawNode {
        keyword: (
            keyword,
            base + t0 + cmd_range.start..base + t0 + cmd_range.end,
        ),
        ..RawNode::default()
    };
    let (flags, args_start) = match parts.get(1) {
        Some(r) => {
            let (flags, rel) = extract_builder_flags(&trimmed[r.clone()], escape);
            (offset(flags, base + t0 + r.start), t0 + r.start + rel)
        }
        None => (Vec::new(), t0 + trimmed.len()),
    };
    node.flags = flags;
    let untrimmed = &line[args_start..];
    let args_lead = untrimmed.len() - untrimmed.trim_start_matches(is_space).len();
    let rest = trim_space(untrimmed);
    let rest_base = base + args_start + args_lead;
    node.args_offset = rest_base;
    let kind = Keyword::from_lower(&to_lower(&node.keyword.0));
    node.kind = Some(kind);
    let (args, json) = match kind {
        Keyword::Add | Keyword::Copy | Keyword::Volume => {
            parse_maybe_json_to_list(rest, rest_base)?
        }
        Keyword::Cmd | Keyword::Entrypoint | Keyword::Run | Keyword::Shell => {
            parse_maybe_json(rest, rest_base)?
        }
        Keyword::Arg => (offset(parse_words(rest, escape), rest_base), false),
        Keyword::Env => (parse_name_val(rest, rest_base, "ENV", escape)?, false),
        Keyword::Label => (parse_name_val(rest, rest_base, "LABEL", escape)?, false),
        Keyword::Expose | Keyword::From => (parse_whitespace_delimited(rest, rest_base), false),
        Keyword::Healthcheck => parse_health_config(rest, rest_base)?,
        Keyword::Maintainer | Keyword::Stopsignal | Keyword::User | Keyword::Workdir => {
            if rest.is_empty() {
                (Vec::new(), false)
            } else {
                (
                    vec![(rest.to_owned(), rest_base..rest_base + rest.len())],
                    false,
                )
            }
        }
        Keyword::Onbuild => {
            if !rest.is_empty() {
                let child = parse_line(rest, rest_base, escape, depth + 1)?;
                node.child = Some((Box::new(child), rest_base));
            }
            (Vec::new(), false)
        }
        Keyword::Unknown => (Vec::new(), false),
    };
    node.args = args;
    node.json = json;
    Ok(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        parse_words(s, '\\').into_iter().map(|(w, _)| w).collect()
    }

    #[test]
    fn split_like_go_regexp() {
        assert_eq!(split_ws("a  b\tc", None), vec![0..1, 3..4, 5..6]);
        assert_eq!(split_ws("a b ", None), vec![0..1, 2..3, 4..4]);
        assert_eq!(split_ws(" a", None), vec![0..0, 1..2]);
        assert_eq!(split_ws("a  b c", Some(2)), vec![0..1, 3..6]);
        assert_eq!(split_ws("a", Some(2)), vec![0..1]);
    }

    #[test]
    fn flags() {
        let (f, rest) = extract_builder_flags("--user=me --doit=true foo /tmp/", '\\');
        assert_eq!(
            f,
            vec![("--user=me".into(), 0..9), ("--doit=true".into(), 10..21)]
        );
        assert_eq!(rest, 22);
        let (f, rest) = extract_builder_flags("--doit=true -- foo", '\\');
        assert_eq!(f.len(), 1);
        assert_eq!(rest, 14);
        let (f, _) = extract_builder_flags("--mount=type=bind,source=\"a b\" x", '\\');
        assert_eq!(f[0].0, "--mount=type=bind,source=a b");
        let (f, rest) = extract_builder_flags("--chown=josé x", '\\');
        assert_eq!(f[0].0, "--chown=jos\u{c3}\u{a9}");
        assert_eq!(rest, 14);
    }

    #[test]
    fn words_keep_quotes() {
        assert_eq!(words(r#"name="value value1""#), [r#"name="value value1""#]);
        assert_eq!(words(r"a\ b c"), [r"a\ b", "c"]);
        assert_eq!(words(r#"abc="123 456" def"#), [r#"abc="123 456""#, "def"]);
        assert_eq!(words("''"), ["''"]);
        assert_eq!(words("x\\"), ["x"]);
    }
}
