//! The tokenizer and the command-list reader behind [`super::extract`].
//!
//! One struct does both because they recurse into each other: a word holding `$( … )` is
//! read by running the list reader in place until the matching `)`. Backtick bodies,
//! `sh -c` strings and heredoc bodies are different texts, so they get a child reader whose
//! ranges are mapped back afterwards. Every recursion goes through [`Reader::enter`], which
//! enforces [`MAX_DEPTH`].

use std::ops::Range;

use super::{
    Assignment, Command, Connector, ExtractError, MAX_DEPTH, Origin, Redirection, ShellHeredoc,
    Word, basename, is_shell,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    AndIf,
    OrIf,
    Pipe,
    Semi,
    /// `;;`, `;&`, `;;&`
    CaseEnd,
    Amp,
    Newline,
    LParen,
    RParen,
}

/// A word plus what the reader needs to know about how it was written.
#[derive(Debug)]
struct Tw {
    word: Word,
    /// No quotes, escapes or expansions: may be a reserved word.
    plain: bool,
    /// Byte index of the `=` of a leading `NAME=`.
    assign: Option<usize>,
}

impl Tw {
    fn is(&self, s: &str) -> bool {
        self.plain && self.word.value == s
    }
}

#[derive(Debug)]
enum Tok {
    Word(Tw),
    Op(Op, Range<usize>),
    Redir {
        op: String,
        fd: Option<u32>,
        range: Range<usize>,
    },
    Eof,
}

enum Frame {
    Subshell,
    Group,
    If,
    Loop,
    Case { in_pattern: bool },
}

struct PendingHeredoc {
    cmd: usize,
    redir: usize,
    delimiter: String,
    quoted: bool,
    strip_tabs: bool,
}

/// How a child reader's ranges map into its parent's text.
pub(super) enum PosMap {
    Offset(usize),
    /// Byte `i` of the child text came from `table[i]` (backtick bodies).
    Table(Vec<usize>, usize),
    /// Everything maps to one range (a `sh -c` string's word).
    Collapse(Range<usize>),
}

impl PosMap {
    fn map(&self, r: &Range<usize>) -> Range<usize> {
        match self {
            PosMap::Offset(o) => r.start + o..r.end + o,
            PosMap::Collapse(c) => c.clone(),
            PosMap::Table(t, end) => {
                let at = |i: usize| t.get(i).copied().unwrap_or(*end);
                let start = at(r.start);
                let stop = if r.end == 0 || r.end <= r.start {
                    start
                } else {
                    t.get(r.end - 1).map_or(*end, |&x| x + 1)
                };
                start..stop.max(start)
            }
        }
    }
}

pub(super) fn map_command(c: &mut Command, f: &dyn Fn(&Range<usize>) -> Range<usize>) {
    c.range = f(&c.range);
    for w in &mut c.words {
        w.range = f(&w.range);
    }
    for a in &mut c.assignments {
        a.word.range = f(&a.word.range);
    }
    for r in &mut c.redirections {
        r.range = f(&r.range);
        if let Some(t) = &mut r.target {
            t.range = f(&t.range);
        }
        if let Some(h) = &mut r.heredoc {
            h.range = f(&h.range);
        }
    }
}

/// What kind of shell invocation a command is.
pub(super) enum ShellUse {
    /// `sh -c STRING`: index into `words` of the string.
    C(usize),
    /// A shell reading its script from stdin.
    Stdin,
    /// Not a shell, or a shell running a script file.
    Other,
}

pub(super) fn shell_use(cmd: &Command) -> ShellUse {
    let eff = cmd.effective();
    let skip = cmd.words.len() - eff.len();
    let mut i = 1;
    match eff.first().map(|w| basename(&w.value)) {
        Some("busybox") if eff.get(1).is_some_and(|w| is_shell(basename(&w.value))) => i = 2,
        Some(p) if is_shell(p) && p != "busybox" => {}
        _ => return ShellUse::Other,
    }
    let mut has_c = false;
    while let Some(w) = eff.get(i) {
        let a = w.value.as_str();
        if a == "--" || a == "-" {
            i += 1;
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            i += if matches!(long, "rcfile" | "init-file") {
                2
            } else {
                1
            };
            continue;
        }
        if a.len() > 1 && (a.starts_with('-') || a.starts_with('+')) {
            if a.starts_with('-') && a[1..].contains('c') {
                has_c = true;
            }
            i += 1 + a[1..].chars().filter(|&c| c == 'o' || c == 'O').count();
            continue;
        }
        break;
    }
    if has_c {
        return if i < eff.len() {
            ShellUse::C(skip + i)
        } else {
            ShellUse::Other
        };
    }
    if i < eff.len() {
        ShellUse::Other
    } else {
        ShellUse::Stdin
    }
}

pub(super) struct Reader<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    out: Vec<Command>,
    origin: Origin,
    depth: usize,
    /// Recursion depth on the stack, across child readers.
    nesting: usize,
    pending: Vec<PendingHeredoc>,
    peeked: Option<Tok>,
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_name(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'a> Reader<'a> {
    pub(super) fn new(src: &'a str, origin: Origin, depth: usize, nesting: usize) -> Self {
        Reader {
            src,
            b: src.as_bytes(),
            pos: 0,
            out: Vec::new(),
            origin,
            depth,
            nesting,
            pending: Vec::new(),
            peeked: None,
        }
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.b.get(i).copied()
    }

    fn enter(&mut self) -> Result<(), ExtractError> {
        self.nesting += 1;
        if self.nesting > MAX_DEPTH {
            return Err(ExtractError::TooDeep { max: MAX_DEPTH });
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.nesting -= 1;
    }

    /// Copies the character at `pos` into `value` and advances past it.
    fn push_char(&mut self, value: &mut Vec<u8>) {
        let len = self.src[self.pos..]
            .chars()
            .next()
            .map_or(1, char::len_utf8);
        let end = (self.pos + len).min(self.b.len());
        value.extend_from_slice(&self.b[self.pos..end]);
        self.pos = end;
    }

    // ---- tokens ----

    fn next_token(&mut self) -> Result<Tok, ExtractError> {
        if let Some(t) = self.peeked.take() {
            return Ok(t);
        }
        loop {
            match self.at(self.pos) {
                Some(b' ' | b'\t' | b'\r') => self.pos += 1,
                Some(b'\\') if self.at(self.pos + 1) == Some(b'\n') => self.pos += 2,
                Some(b'#') => {
                    self.pos = memchr::memchr(b'\n', &self.b[self.pos..])
                        .map_or(self.b.len(), |i| self.pos + i);
                }
                _ => break,
            }
        }
        let start = self.pos;
        let Some(c) = self.at(start) else {
            return Ok(Tok::Eof);
        };
        let next = self.at(start + 1);
        let op = |r: &mut Self, op: Op, len: usize| {
            r.pos = start + len;
            Ok(Tok::Op(op, start..start + len))
        };
        let redir = |r: &mut Self, s: &str, fd: Option<u32>, from: usize| {
            r.pos = from + s.len();
            Ok(Tok::Redir {
                op: s.to_owned(),
                fd,
                range: start..r.pos,
            })
        };
        match c {
            b'\n' => {
                self.pos += 1;
                self.read_heredoc_bodies()?;
                Ok(Tok::Op(Op::Newline, start..start + 1))
            }
            b'&' => match next {
                Some(b'&') => op(self, Op::AndIf, 2),
                Some(b'>') if self.at(start + 2) == Some(b'>') => redir(self, "&>>", None, start),
                Some(b'>') => redir(self, "&>", None, start),
                _ => op(self, Op::Amp, 1),
            },
            b'|' => match next {
                Some(b'|') => op(self, Op::OrIf, 2),
                Some(b'&') => op(self, Op::Pipe, 2),
                _ => op(self, Op::Pipe, 1),
            },
            b';' => match (next, self.at(start + 2)) {
                (Some(b';'), Some(b'&')) => op(self, Op::CaseEnd, 3),
                (Some(b';' | b'&'), _) => op(self, Op::CaseEnd, 2),
                _ => op(self, Op::Semi, 1),
            },
            b'(' => op(self, Op::LParen, 1),
            b')' => op(self, Op::RParen, 1),
            b'<' | b'>' if next == Some(b'(') => self.read_word().map(Tok::Word),
            b'<' | b'>' => {
                let s = self.redir_op(start);
                redir(self, s, None, start)
            }
            b'0'..=b'9' => {
                let digits = self.b[start..]
                    .iter()
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                match self.at(start + digits) {
                    Some(b'<' | b'>') if self.at(start + digits + 1) != Some(b'(') => {
                        let fd = self.src[start..start + digits].parse().ok();
                        let s = self.redir_op(start + digits);
                        redir(self, s, fd, start + digits)
                    }
                    _ => self.read_word().map(Tok::Word),
                }
            }
            _ => self.read_word().map(Tok::Word),
        }
    }

    fn redir_op(&self, at: usize) -> &'static str {
        let s = &self.b[at..];
        let candidates: [&'static str; 10] =
            ["<<<", "<<-", "<<", "<&", "<>", "<", ">>", ">&", ">|", ">"];
        candidates
            .into_iter()
            .find(|c| s.starts_with(c.as_bytes()))
            .unwrap_or(">")
    }

    fn read_word(&mut self) -> Result<Tw, ExtractError> {
        let start = self.pos;
        let mut value = Vec::new();
        let mut quoted = false;
        let mut expansion = false;
        let mut plain = true;
        let mut assign = None;
        while let Some(c) = self.at(self.pos) {
            match c {
                b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' => break,
                b'\r' if matches!(self.at(self.pos + 1), None | Some(b'\n')) => break,
                b'<' | b'>' => {
                    if self.at(self.pos + 1) != Some(b'(') {
                        break;
                    }
                    // Process substitution.
                    let raw = self.pos;
                    self.pos += 2;
                    self.nested_list()?;
                    value.extend_from_slice(&self.b[raw..self.pos]);
                    expansion = true;
                    plain = false;
                }
                b'\\' => {
                    plain = false;
                    quoted = true;
                    match self.at(self.pos + 1) {
                        Some(b'\n') => self.pos += 2,
                        None => {
                            value.push(b'\\');
                            self.pos += 1;
                        }
                        Some(_) => {
                            self.pos += 1;
                            self.push_char(&mut value);
                        }
                    }
                }
                b'\'' => {
                    plain = false;
                    quoted = true;
                    let body = self.pos + 1;
                    let end =
                        memchr::memchr(b'\'', &self.b[body..]).map_or(self.b.len(), |i| body + i);
                    value.extend_from_slice(&self.b[body..end]);
                    self.pos = (end + 1).min(self.b.len());
                }
                b'"' => {
                    plain = false;
                    quoted = true;
                    expansion |= self.read_double_quoted(&mut value)?;
                }
                b'$' => {
                    let before = value.len();
                    let (expanded, was_quoted) = self.read_dollar(&mut value)?;
                    if expanded || was_quoted || value.len() != before + 1 {
                        plain = false;
                    }
                    expansion |= expanded;
                    quoted |= was_quoted;
                }
                b'`' => {
                    plain = false;
                    expansion = true;
                    self.read_backtick(&mut value)?;
                }
                b'=' => {
                    if assign.is_none()
                        && plain
                        && value.first().is_some_and(|&b| is_name_start(b))
                        && value.iter().all(|&b| is_name(b))
                    {
                        assign = Some(value.len());
                    }
                    value.push(b'=');
                    self.pos += 1;
                }
                _ => self.push_char(&mut value),
            }
        }
        let value = String::from_utf8(value)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Ok(Tw {
            word: Word {
                value,
                range: start..self.pos,
                span: None,
                quoted,
                expansion,
            },
            plain,
            assign,
        })
    }

    /// `"…"` at `pos`; returns whether it held an expansion.
    fn read_double_quoted(&mut self, value: &mut Vec<u8>) -> Result<bool, ExtractError> {
        self.pos += 1;
        let mut expansion = false;
        while let Some(c) = self.at(self.pos) {
            match c {
                b'"' => {
                    self.pos += 1;
                    return Ok(expansion);
                }
                b'\\' => match self.at(self.pos + 1) {
                    Some(b'\n') => self.pos += 2,
                    Some(b'$' | b'`' | b'"' | b'\\') => {
                        self.pos += 1;
                        self.push_char(value);
                    }
                    _ => {
                        value.push(b'\\');
                        self.pos += 1;
                    }
                },
                b'$' => expansion |= self.read_dollar(value)?.0,
                b'`' => {
                    expansion = true;
                    self.read_backtick(value)?;
                }
                _ => self.push_char(value),
            }
        }
        Ok(expansion)
    }

    /// `$…` at `pos`. Returns (left an expansion, was a quoting form like `$'…'`).
    fn read_dollar(&mut self, value: &mut Vec<u8>) -> Result<(bool, bool), ExtractError> {
        let start = self.pos;
        match self.at(start + 1) {
            Some(b'(') if self.at(start + 2) == Some(b'(') => {
                self.pos = start + 1;
                self.skip_arith();
            }
            Some(b'(') => {
                self.pos = start + 2;
                self.nested_list()?;
            }
            Some(b'{') => {
                self.pos = start + 2;
                self.enter()?;
                let r = self.skip_braced();
                self.leave();
                r?;
            }
            Some(b'\'') => {
                // $'…': ANSI-C quoting.
                self.pos = start + 2;
                while let Some(c) = self.at(self.pos) {
                    match c {
                        b'\'' => {
                            self.pos += 1;
                            break;
                        }
                        b'\\' if self.pos + 1 < self.b.len() => {
                            self.pos += 1;
                            let e = self.b[self.pos];
                            let decoded = match e {
                                b'n' => Some(b'\n'),
                                b't' => Some(b'\t'),
                                b'r' => Some(b'\r'),
                                b'\\' | b'\'' | b'"' => Some(e),
                                _ => None,
                            };
                            if let Some(d) = decoded {
                                value.push(d);
                                self.pos += 1;
                            } else {
                                value.push(b'\\');
                                self.push_char(value);
                            }
                        }
                        _ => self.push_char(value),
                    }
                }
                return Ok((false, true));
            }
            Some(b'"') => {
                self.pos = start + 1;
                let e = self.read_double_quoted(value)?;
                return Ok((e, true));
            }
            Some(c) if is_name_start(c) => {
                self.pos = start + 1;
                while self.at(self.pos).is_some_and(is_name) {
                    self.pos += 1;
                }
            }
            Some(b'0'..=b'9' | b'@' | b'*' | b'#' | b'?' | b'-' | b'$' | b'!') => {
                self.pos = start + 2;
            }
            _ => {
                value.push(b'$');
                self.pos = start + 1;
                return Ok((false, false));
            }
        }
        value.extend_from_slice(&self.b[start..self.pos]);
        Ok((true, false))
    }

    /// After `$(` (or `<(`): the commands up to the matching `)`.
    fn nested_list(&mut self) -> Result<(), ExtractError> {
        self.enter()?;
        let (origin, depth) = (self.origin, self.depth);
        self.origin = Origin::Substitution;
        self.depth += 1;
        let r = self.parse_list(true);
        self.origin = origin;
        self.depth = depth;
        self.leave();
        r
    }

    /// `((…))` with `pos` at the first `(`: skips to after the matching `))`.
    fn skip_arith(&mut self) {
        let mut depth = 0usize;
        while let Some(c) = self.at(self.pos) {
            self.pos += 1;
            match c {
                b'(' => depth += 1,
                b')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    /// After `${`: to the matching `}`, reading nested quotes and substitutions.
    fn skip_braced(&mut self) -> Result<(), ExtractError> {
        let mut scratch = Vec::new();
        while let Some(c) = self.at(self.pos) {
            match c {
                b'}' => {
                    self.pos += 1;
                    return Ok(());
                }
                b'\\' => self.pos = (self.pos + 2).min(self.b.len()),
                b'\'' => {
                    let body = self.pos + 1;
                    self.pos = memchr::memchr(b'\'', &self.b[body..])
                        .map_or(self.b.len(), |i| body + i + 1);
                }
                b'"' => {
                    self.read_double_quoted(&mut scratch)?;
                }
                b'$' => {
                    self.read_dollar(&mut scratch)?;
                }
                b'`' => self.read_backtick(&mut scratch)?,
                _ => self.pos += 1,
            }
            scratch.clear();
        }
        Ok(())
    }

    /// `` `…` `` at `pos`: the body, unescaped, is read by a child reader.
    fn read_backtick(&mut self, value: &mut Vec<u8>) -> Result<(), ExtractError> {
        let start = self.pos;
        let mut i = start + 1;
        let mut inner = Vec::new();
        let mut table = Vec::new();
        while let Some(c) = self.at(i) {
            match c {
                b'`' => break,
                b'\\' if matches!(self.at(i + 1), Some(b'$' | b'`' | b'\\')) => {
                    inner.push(self.b[i + 1]);
                    table.push(i + 1);
                    i += 2;
                }
                _ => {
                    inner.push(c);
                    table.push(i);
                    i += 1;
                }
            }
        }
        let body_end = i;
        self.pos = (i + 1).min(self.b.len());
        value.extend_from_slice(&self.b[start..self.pos]);
        let inner = String::from_utf8(inner).unwrap_or_default();
        self.child(
            &inner,
            &PosMap::Table(table, body_end),
            Origin::Substitution,
        )
    }

    /// Reads `text` with a child reader one level deeper and appends its commands, ranges
    /// mapped into this reader's text.
    pub(super) fn child(
        &mut self,
        text: &str,
        map: &PosMap,
        origin: Origin,
    ) -> Result<(), ExtractError> {
        if self.nesting + 1 > MAX_DEPTH {
            return Err(ExtractError::TooDeep { max: MAX_DEPTH });
        }
        let mut child = Reader::new(text, origin, self.depth + 1, self.nesting + 1);
        child.parse_list(false)?;
        let base = self.out.len();
        for mut c in child.out {
            map_command(&mut c, &|r| map.map(r));
            c.next = c.next.map(|n| n + base);
            self.out.push(c);
        }
        Ok(())
    }

    /// At a newline: the bodies of the heredocs started on the line just ended.
    fn read_heredoc_bodies(&mut self) -> Result<(), ExtractError> {
        for h in std::mem::take(&mut self.pending) {
            let body_start = self.pos;
            let mut body_end = self.b.len();
            while self.pos < self.b.len() {
                let line_end = memchr::memchr(b'\n', &self.b[self.pos..])
                    .map_or(self.b.len(), |i| self.pos + i);
                let mut line = self.src[self.pos..line_end].trim_end_matches('\r');
                if h.strip_tabs {
                    line = line.trim_start_matches('\t');
                }
                if line == h.delimiter {
                    body_end = self.pos;
                    self.pos = (line_end + 1).min(self.b.len());
                    break;
                }
                self.pos = (line_end + 1).min(self.b.len());
            }
            let body = self.src[body_start..body_end].to_owned();
            let Some(cmd) = self.out.get_mut(h.cmd) else {
                continue;
            };
            let runs_body = matches!(shell_use(cmd), ShellUse::Stdin);
            if let Some(r) = cmd.redirections.get_mut(h.redir) {
                r.heredoc = Some(ShellHeredoc {
                    delimiter: h.delimiter,
                    quoted: h.quoted,
                    strip_tabs: h.strip_tabs,
                    body: body.clone(),
                    range: body_start..body_end,
                    span: None,
                });
            }
            if runs_body {
                self.child(&body, &PosMap::Offset(body_start), Origin::Heredoc)?;
            }
        }
        Ok(())
    }

    // ---- commands ----

    fn start_command(&mut self, at: usize, awaiting: &mut Option<usize>) -> usize {
        let i = self.out.len();
        self.out.push(Command {
            words: Vec::new(),
            assignments: Vec::new(),
            redirections: Vec::new(),
            range: at..at,
            span: None,
            connector: None,
            next: None,
            origin: self.origin,
            depth: self.depth,
        });
        if let Some(a) = awaiting.take() {
            self.out[a].next = Some(i);
        }
        i
    }

    /// Ends the current command; reads the string of `sh -c` as a script.
    fn finish(
        &mut self,
        cur: &mut Option<usize>,
        last: &mut Option<usize>,
    ) -> Result<(), ExtractError> {
        let Some(i) = cur.take() else { return Ok(()) };
        *last = Some(i);
        if let ShellUse::C(w) = shell_use(&self.out[i]) {
            let word = &self.out[i].words[w];
            let (text, range) = (word.value.clone(), word.range.clone());
            self.child(&text, &PosMap::Collapse(range), Origin::ShellC)?;
        }
        Ok(())
    }

    fn add_word(&mut self, i: usize, tw: Tw) {
        let c = &mut self.out[i];
        c.range.end = c.range.end.max(tw.word.range.end);
        match tw.assign {
            Some(eq) if c.words.is_empty() => c.assignments.push(Assignment {
                name: tw.word.value[..eq].to_owned(),
                value: tw.word.value[eq + 1..].to_owned(),
                word: tw.word,
            }),
            _ => c.words.push(tw.word),
        }
    }

    /// The next word token, or `None` (the token is put back).
    fn next_word(&mut self) -> Result<Option<Tw>, ExtractError> {
        match self.next_token()? {
            Tok::Word(w) => Ok(Some(w)),
            other => {
                self.peeked = Some(other);
                Ok(None)
            }
        }
    }

    fn skip_blanks(&mut self) {
        while let Some(b' ' | b'\t') = self.at(self.pos) {
            self.pos += 1;
        }
    }

    /// `for`/`select` header: the name and `in` list, up to `do`.
    fn skip_for_header(&mut self) -> Result<(), ExtractError> {
        self.skip_blanks();
        if self.at(self.pos) == Some(b'(') && self.at(self.pos + 1) == Some(b'(') {
            self.skip_arith();
        } else {
            self.next_word()?;
        }
        loop {
            match self.next_token()? {
                Tok::Word(w) if w.is("do") => return Ok(()),
                Tok::Eof => return Ok(()),
                Tok::Word(w) if w.is("in") => loop {
                    match self.next_token()? {
                        Tok::Op(Op::Semi | Op::Newline, _) | Tok::Eof => break,
                        _ => {}
                    }
                },
                _ => {}
            }
        }
    }

    /// `case WORD in`: up to `in`.
    fn skip_case_header(&mut self) -> Result<(), ExtractError> {
        self.next_word()?;
        loop {
            match self.next_token()? {
                Tok::Word(w) if w.is("in") => return Ok(()),
                Tok::Eof => return Ok(()),
                _ => {}
            }
        }
    }

    /// The list reader: commands until the end, or until the `)` closing a substitution.
    /// One state machine over the token stream; splitting it would scatter the state.
    #[allow(clippy::too_many_lines)]
    pub(super) fn parse_list(&mut self, in_subst: bool) -> Result<(), ExtractError> {
        let mut frames: Vec<Frame> = Vec::new();
        let mut cur: Option<usize> = None;
        let mut last: Option<usize> = None;
        let mut awaiting: Option<usize> = None;
        let mut after_compound = false;
        let mut test_mode = false;
        loop {
            let tok = self.next_token()?;
            // A `case` pattern list, up to its `)`.
            if let Some(Frame::Case { in_pattern }) = frames.last_mut()
                && *in_pattern
            {
                match tok {
                    Tok::Word(w) if w.is("esac") => {
                        frames.pop();
                        after_compound = true;
                    }
                    Tok::Op(Op::RParen, _) => *in_pattern = false,
                    Tok::Eof => break,
                    _ => {}
                }
                continue;
            }
            if test_mode {
                let Some(i) = cur else {
                    test_mode = false;
                    continue;
                };
                match tok {
                    Tok::Eof => {
                        self.finish(&mut cur, &mut last)?;
                        break;
                    }
                    Tok::Op(Op::Newline, _) => {}
                    Tok::Word(w) => {
                        test_mode = !w.is("]]");
                        self.add_word(i, Tw { assign: None, ..w });
                    }
                    Tok::Op(_, range) | Tok::Redir { range, .. } => {
                        let w = Word {
                            value: self.src[range.clone()].to_owned(),
                            range,
                            span: None,
                            quoted: false,
                            expansion: false,
                        };
                        self.add_word(
                            i,
                            Tw {
                                word: w,
                                plain: true,
                                assign: None,
                            },
                        );
                    }
                }
                continue;
            }
            match tok {
                Tok::Eof => {
                    self.finish(&mut cur, &mut last)?;
                    break;
                }
                Tok::Op(Op::RParen, _) => {
                    self.finish(&mut cur, &mut last)?;
                    if let Some(Frame::Subshell) = frames.last() {
                        frames.pop();
                        after_compound = true;
                    } else if in_subst {
                        break;
                    }
                }
                Tok::Op(Op::LParen, range) => {
                    // `name() { …; }`: a function definition, not a command.
                    if let Some(i) = cur {
                        let c = &self.out[i];
                        if c.words.len() == 1
                            && c.assignments.is_empty()
                            && c.redirections.is_empty()
                        {
                            match self.next_token()? {
                                Tok::Op(Op::RParen, _) => {
                                    self.out[i].words.clear();
                                    cur = None;
                                    continue;
                                }
                                other => self.peeked = Some(other),
                            }
                        }
                    }
                    self.finish(&mut cur, &mut last)?;
                    if self.at(range.end) == Some(b'(') {
                        // `(( … ))`: arithmetic, no commands.
                        self.pos = range.start;
                        self.skip_arith();
                        after_compound = true;
                    } else {
                        frames.push(Frame::Subshell);
                        after_compound = false;
                    }
                }
                Tok::Op(op, _) => {
                    self.finish(&mut cur, &mut last)?;
                    if op == Op::CaseEnd
                        && let Some(Frame::Case { in_pattern }) = frames.last_mut()
                    {
                        *in_pattern = true;
                    }
                    let connector = match op {
                        Op::AndIf => Connector::And,
                        Op::OrIf => Connector::Or,
                        Op::Pipe => Connector::Pipe,
                        Op::Amp => Connector::Background,
                        Op::Newline => Connector::Newline,
                        _ => Connector::Seq,
                    };
                    if let Some(l) = last
                        && self.out[l].connector.is_none()
                    {
                        self.out[l].connector = Some(connector);
                        awaiting = Some(l);
                    }
                    after_compound = false;
                }
                Tok::Redir { op, fd, range } => {
                    let target = self.next_word()?;
                    if cur.is_none() && after_compound {
                        continue;
                    }
                    let i = match cur {
                        Some(i) => i,
                        None => self.start_command(range.start, &mut awaiting),
                    };
                    cur = Some(i);
                    let c = &mut self.out[i];
                    let end = target.as_ref().map_or(range.end, |t| t.word.range.end);
                    c.range.end = c.range.end.max(end);
                    let heredoc = matches!(op.as_str(), "<<" | "<<-");
                    if let (true, Some(t)) = (heredoc, &target) {
                        self.pending.push(PendingHeredoc {
                            cmd: i,
                            redir: c.redirections.len(),
                            delimiter: t.word.value.clone(),
                            quoted: t.word.quoted,
                            strip_tabs: op == "<<-",
                        });
                    }
                    c.redirections.push(Redirection {
                        fd,
                        op,
                        target: target.map(|t| t.word),
                        heredoc: None,
                        range: range.start..end,
                        span: None,
                    });
                }
                Tok::Word(w) => {
                    if let Some(i) = cur {
                        self.add_word(i, w);
                        continue;
                    }
                    if w.plain {
                        let handled = match w.word.value.as_str() {
                            "{" => {
                                frames.push(Frame::Group);
                                true
                            }
                            "}" => {
                                if let Some(Frame::Group) = frames.last() {
                                    frames.pop();
                                }
                                after_compound = true;
                                true
                            }
                            "if" => {
                                frames.push(Frame::If);
                                true
                            }
                            "while" | "until" => {
                                frames.push(Frame::Loop);
                                true
                            }
                            "for" | "select" => {
                                frames.push(Frame::Loop);
                                self.skip_for_header()?;
                                true
                            }
                            "case" => {
                                self.skip_case_header()?;
                                frames.push(Frame::Case { in_pattern: true });
                                true
                            }
                            "fi" | "done" | "esac" => {
                                frames.pop();
                                after_compound = true;
                                true
                            }
                            "!" | "then" | "else" | "elif" | "do" => true,
                            "function" => {
                                self.next_word()?;
                                match self.next_token()? {
                                    Tok::Op(Op::LParen, _) => {
                                        self.next_token()?;
                                    }
                                    other => self.peeked = Some(other),
                                }
                                true
                            }
                            _ => false,
                        };
                        if handled {
                            continue;
                        }
                    }
                    after_compound = false;
                    test_mode = w.is("[[");
                    let i = self.start_command(w.word.range.start, &mut awaiting);
                    cur = Some(i);
                    self.add_word(i, w);
                }
            }
        }
        Ok(())
    }

    pub(super) fn into_commands(self) -> Vec<Command> {
        self.out
    }
}

/// Runs the `sh -c` handling on a command that did not come from a script (exec form);
/// `text` is what its ranges index into.
pub(super) fn from_command(text: &str, command: Command) -> Result<Vec<Command>, ExtractError> {
    let mut reader = Reader::new(text, Origin::Script, 0, 0);
    reader.out.push(command);
    reader.finish(&mut Some(0), &mut None)?;
    Ok(tidy(reader.into_commands()))
}

/// Reads `text`, then tidies the list: drops empty commands (function headers), puts
/// commands in source order, and clears `;`/newline connectors that lead nowhere.
pub(super) fn extract(
    text: &str,
    origin: Origin,
    depth: usize,
) -> Result<Vec<Command>, ExtractError> {
    let mut reader = Reader::new(text, origin, depth, 0);
    reader.parse_list(false)?;
    Ok(tidy(reader.into_commands()))
}

pub(super) fn tidy(commands: Vec<Command>) -> Vec<Command> {
    let keep: Vec<bool> = commands
        .iter()
        .map(|c| !(c.words.is_empty() && c.assignments.is_empty() && c.redirections.is_empty()))
        .collect();
    let mut order: Vec<usize> = (0..commands.len()).filter(|&i| keep[i]).collect();
    order.sort_by_key(|&i| (commands[i].range.start, commands[i].depth));
    let mut new_index = vec![None; commands.len()];
    for (n, &old) in order.iter().enumerate() {
        new_index[old] = Some(n);
    }
    let mut slots: Vec<Option<Command>> = commands.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(order.len());
    for old in order {
        let Some(mut c) = slots[old].take() else {
            continue;
        };
        c.next = c.next.and_then(|n| new_index.get(n).copied().flatten());
        if c.next.is_none() && matches!(c.connector, Some(Connector::Seq | Connector::Newline)) {
            c.connector = None;
        }
        out.push(c);
    }
    out
}
