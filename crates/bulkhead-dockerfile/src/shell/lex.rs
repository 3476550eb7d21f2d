//! A port of BuildKit's `frontend/dockerfile/shell/lex.go`: word splitting and variable
//! expansion as the Dockerfile frontend does them (not as `/bin/sh` does).
//!
//! Kept deliberately close to the Go, quirks included, because instructions are expanded
//! with these exact rules: `\` outside quotes escapes anything, inside double quotes only
//! `"`, `$` and the escape token; `'…'` is literal; `$1`, `$@` and the other special
//! parameters are never set; unsupported modifiers are errors. Two quirks worth knowing:
//!
//! - Word splitting shares one buffer across nested `${…}` expansions, so in
//!   `process_words`, a partial word before a `${x:-…}`/`${x#…}`/`${x/…}` expansion is lost
//!   (`ab${x:-c}d` splits to `cd`). `process_word` is unaffected.
//! - `<<` plus following blanks stay glued to the next word (heredoc detection relies on it).
//!
//! The only deliberate difference: nesting of `${…}` is bounded ([`MAX_NESTING`]), where
//! Go recurses without limit.

use std::collections::BTreeSet;

use super::env::EnvGetter;
use super::pattern;
use crate::gochar::{is_digit, is_letter, is_space};

/// How deeply `${…}` may nest before the lexer gives up (an error, never a stack overflow).
pub const MAX_NESTING: usize = 100;

/// Why a word could not be expanded. The message follows BuildKit's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed to process {word:?}: {kind}")]
pub struct LexError {
    /// The word given to the lexer.
    pub word: String,
    pub kind: LexErrorKind,
}

/// The specific failure inside a [`LexError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LexErrorKind {
    #[error("unexpected end of statement while looking for matching single-quote")]
    UnterminatedSingleQuote,
    #[error("unexpected end of statement while looking for matching double-quote")]
    UnterminatedDoubleQuote,
    #[error("unexpected end of statement while looking for matching {0}")]
    UnexpectedEnd(char),
    #[error("syntax error: missing '}}'")]
    MissingBrace,
    #[error("syntax error: missing '/' in ${{}}")]
    MissingSlash,
    #[error("syntax error: bad substitution")]
    BadSubstitution,
    #[error("unsupported modifier ({0}) in substitution")]
    UnsupportedModifier(String),
    /// `${VAR?msg}` / `${VAR:?msg}` on an unset (or empty) variable.
    #[error("{name}: {message}")]
    Required { name: String, message: String },
    #[error("invalid pattern ({pattern}) in substitution: {reason}")]
    InvalidPattern { pattern: String, reason: String },
    #[error("variable expansions nested more than {MAX_NESTING} levels deep")]
    TooDeep,
}

/// The result of [`Lexer::process_word_with_matches`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Processed {
    /// The expanded word (`ProcessWord`).
    pub result: String,
    /// The expanded word split into words (`ProcessWords`).
    pub words: Vec<String>,
    /// Variables that were referenced and set.
    pub matched: BTreeSet<String>,
    /// Variables that were referenced but not set (for "undefined variable" lints).
    pub unmatched: BTreeSet<String>,
}

/// BuildKit's `shell.Lex`: the escape token plus the options BuildKit sets for special uses
/// (heredoc detection keeps quotes and escapes raw and leaves unset variables alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // BuildKit's own four switches
pub struct Lexer {
    escape: char,
    /// Keep quote characters in the output.
    pub raw_quotes: bool,
    /// Keep escape tokens in the output.
    pub raw_escapes: bool,
    /// Treat quotes as ordinary characters.
    pub skip_process_quotes: bool,
    /// Leave references to unset variables as written (`$X`, `${X:-y}`).
    pub skip_unset_env: bool,
}

impl Default for Lexer {
    fn default() -> Self {
        Lexer::new('\\')
    }
}

impl Lexer {
    /// A lexer with the given escape token (`\` by default, `` ` `` after `# escape=`).
    pub fn new(escape: char) -> Self {
        Lexer {
            escape,
            raw_quotes: false,
            raw_escapes: false,
            skip_process_quotes: false,
            skip_unset_env: false,
        }
    }

    pub fn escape(&self) -> char {
        self.escape
    }

    /// Expands variables and removes quotes (`ProcessWord`).
    pub fn process_word(&self, word: &str, env: &dyn EnvGetter) -> Result<String, LexError> {
        Ok(self.process(word, env)?.result)
    }

    /// Expands, then splits on unquoted white space (`ProcessWords`).
    pub fn process_words(&self, word: &str, env: &dyn EnvGetter) -> Result<Vec<String>, LexError> {
        Ok(self.process(word, env)?.words)
    }

    /// Both results plus the variables referenced (`ProcessWordWithMatches`).
    pub fn process_word_with_matches(
        &self,
        word: &str,
        env: &dyn EnvGetter,
    ) -> Result<Processed, LexError> {
        self.process(word, env)
    }

    fn process(self, word: &str, env: &dyn EnvGetter) -> Result<Processed, LexError> {
        let mut sw = ShellWord {
            lex: self,
            env,
            src: word,
            pos: 0,
            raw_escapes: self.raw_escapes,
            words_buf: String::new(),
            matched: BTreeSet::new(),
            unmatched: BTreeSet::new(),
            depth: 0,
        };
        // Go's text/scanner drops a byte-order mark at the very start.
        if word.starts_with('\u{feff}') {
            sw.pos = 3;
        }
        let raw = self.raw_escapes;
        match sw.process_stop_on(None, raw) {
            Ok((result, words)) => Ok(Processed {
                result,
                words,
                matched: sw.matched,
                unmatched: sw.unmatched,
            }),
            Err(kind) => Err(LexError {
                word: word.to_owned(),
                kind,
            }),
        }
    }
}

/// Word-splitting state; the current word lives in `ShellWord::words_buf`, shared across
/// nesting levels exactly as in Go.
#[derive(Default)]
struct Words {
    words: Vec<String>,
    in_word: bool,
}

impl Words {
    fn add_char(&mut self, buf: &mut String, ch: char) {
        if is_space(ch) && self.in_word {
            if !buf.is_empty() {
                self.words.push(std::mem::take(buf));
                self.in_word = false;
            }
        } else if !is_space(ch) {
            self.add_raw_char(buf, ch);
        }
    }

    fn add_raw_char(&mut self, buf: &mut String, ch: char) {
        buf.push(ch);
        self.in_word = true;
    }

    fn add_string(&mut self, buf: &mut String, s: &str) {
        for ch in s.chars() {
            self.add_char(buf, ch);
        }
    }

    fn add_raw_string(&mut self, buf: &mut String, s: &str) {
        buf.push_str(s);
        self.in_word = true;
    }

    fn get_words(mut self, buf: &mut String) -> Vec<String> {
        if !buf.is_empty() {
            self.words.push(std::mem::take(buf));
        }
        self.words
    }
}

struct ShellWord<'a> {
    lex: Lexer,
    env: &'a dyn EnvGetter,
    src: &'a str,
    pos: usize,
    raw_escapes: bool,
    words_buf: String,
    matched: BTreeSet<String>,
    unmatched: BTreeSet<String>,
    depth: usize,
}

type Step<T> = Result<T, LexErrorKind>;

impl ShellWord<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn get_env(&mut self, name: &str) -> Option<String> {
        if let Some(v) = self.env.get_env(name) {
            let v = v.to_owned();
            self.matched.insert(name.to_owned());
            Some(v)
        } else {
            self.unmatched.insert(name.to_owned());
            None
        }
    }

    /// `processStopOn`: reads until `stop` (consumed) or the end.
    fn process_stop_on(
        &mut self,
        stop: Option<char>,
        raw_escapes: bool,
    ) -> Step<(String, Vec<String>)> {
        let saved = self.raw_escapes;
        self.raw_escapes = raw_escapes;
        let out = self.process_stop_on_inner(stop);
        self.raw_escapes = saved;
        out
    }

    fn process_stop_on_inner(&mut self, stop: Option<char>) -> Step<(String, Vec<String>)> {
        let mut result = String::new();
        self.words_buf.clear();
        let mut words = Words::default();
        while let Some(ch) = self.peek() {
            if stop == Some(ch) {
                self.next();
                let mut buf = std::mem::take(&mut self.words_buf);
                let words = words.get_words(&mut buf);
                self.words_buf = buf;
                return Ok((result, words));
            }
            let quotes = !self.lex.skip_process_quotes;
            let special = match ch {
                '$' => Some(self.process_dollar()?),
                '<' => Some(self.process_possible_heredoc()),
                '\'' if quotes => Some(self.process_single_quote()?),
                '"' if quotes => Some(self.process_double_quote()?),
                _ => None,
            };
            let mut buf = std::mem::take(&mut self.words_buf);
            if let Some(tmp) = special {
                result.push_str(&tmp);
                if ch == '$' {
                    words.add_string(&mut buf, &tmp);
                } else {
                    words.add_raw_string(&mut buf, &tmp);
                }
                self.words_buf = buf;
                continue;
            }
            let mut ch = self.next().unwrap_or(ch);
            if ch == self.lex.escape {
                if self.raw_escapes {
                    words.add_raw_char(&mut buf, ch);
                    result.push(ch);
                }
                match self.next() {
                    None => {
                        self.words_buf = buf;
                        break;
                    }
                    Some(c) => ch = c,
                }
                words.add_raw_char(&mut buf, ch);
            } else {
                words.add_char(&mut buf, ch);
            }
            result.push(ch);
            self.words_buf = buf;
        }
        if let Some(stop) = stop {
            return Err(LexErrorKind::UnexpectedEnd(stop));
        }
        let mut buf = std::mem::take(&mut self.words_buf);
        let words = words.get_words(&mut buf);
        self.words_buf = buf;
        Ok((result, words))
    }

    fn process_single_quote(&mut self) -> Step<String> {
        let mut result = String::new();
        let open = self.next();
        if self.lex.raw_quotes {
            result.extend(open);
        }
        loop {
            match self.next() {
                None => return Err(LexErrorKind::UnterminatedSingleQuote),
                Some('\'') => {
                    if self.lex.raw_quotes {
                        result.push('\'');
                    }
                    return Ok(result);
                }
                Some(c) => result.push(c),
            }
        }
    }

    fn process_double_quote(&mut self) -> Step<String> {
        let mut result = String::new();
        let open = self.next();
        if self.lex.raw_quotes {
            result.extend(open);
        }
        loop {
            match self.peek() {
                None => return Err(LexErrorKind::UnterminatedDoubleQuote),
                Some('"') => {
                    self.next();
                    if self.lex.raw_quotes {
                        result.push('"');
                    }
                    return Ok(result);
                }
                Some('$') => {
                    let value = self.process_dollar()?;
                    result.push_str(&value);
                }
                Some(_) => {
                    let Some(mut ch) = self.next() else { continue };
                    if ch == self.lex.escape {
                        if self.raw_escapes {
                            result.push(ch);
                        }
                        match self.peek() {
                            // A trailing escape is dropped (and the quote then never closes).
                            None => continue,
                            Some(c) if c == '"' || c == '$' || c == self.lex.escape => {
                                self.next();
                                ch = c;
                            }
                            Some(_) => {}
                        }
                    }
                    result.push(ch);
                }
            }
        }
    }

    fn process_dollar(&mut self) -> Step<String> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(LexErrorKind::TooDeep);
        }
        let out = self.process_dollar_inner();
        self.depth -= 1;
        out
    }

    /// `processDollar`, branch for branch.
    #[allow(clippy::too_many_lines)]
    fn process_dollar_inner(&mut self) -> Step<String> {
        self.next();
        if self.peek() != Some('{') {
            let name = self.process_name();
            if name.is_empty() {
                return Ok("$".to_owned());
            }
            return Ok(match self.get_env(&name) {
                Some(v) => v,
                None if self.lex.skip_unset_env => format!("${name}"),
                None => String::new(),
            });
        }
        self.next();
        match self.peek() {
            None => return Err(LexErrorKind::MissingBrace),
            Some('{' | '}' | ':') => return Err(LexErrorKind::BadSubstitution),
            Some(_) => {}
        }
        let name = self.process_name();
        let mut ch = self.next();
        // Go's `string(rune(-1))` at the end of input.
        let show = |c: Option<char>| c.unwrap_or('\u{fffd}');
        let mut chs = String::from(show(ch));
        match ch {
            Some('}') => Ok(match self.get_env(&name) {
                Some(v) => v,
                None if self.lex.skip_unset_env => format!("${{{name}}}"),
                None => String::new(),
            }),
            Some(':' | '+' | '-' | '?' | '#' | '%') => {
                let mut null_is_unset = false;
                if ch == Some(':') {
                    null_is_unset = true;
                    ch = self.next();
                    chs.push(show(ch));
                }
                let raw = matches!(ch, Some('#' | '%'));
                if null_is_unset && raw {
                    return Err(LexErrorKind::UnsupportedModifier(chs));
                }
                let mut word = match self.process_stop_on(Some('}'), raw) {
                    Ok((w, _)) => w,
                    Err(_) if self.peek().is_none() => return Err(LexErrorKind::MissingBrace),
                    Err(e) => return Err(e),
                };
                let value = self.get_env(&name);
                if self.lex.skip_unset_env && value.is_none() {
                    return Ok(format!("${{{name}{chs}{word}}}"));
                }
                let empty = value
                    .as_deref()
                    .is_none_or(|v| null_is_unset && v.is_empty());
                match ch {
                    Some('-') => Ok(if empty {
                        word
                    } else {
                        value.unwrap_or_default()
                    }),
                    Some('+') => Ok(if empty { String::new() } else { word }),
                    Some('?') => {
                        let default = match value {
                            None => "is not allowed to be unset",
                            Some(ref v) if null_is_unset && v.is_empty() => {
                                "is not allowed to be empty"
                            }
                            Some(v) => return Ok(v),
                        };
                        let message = if word.is_empty() {
                            default.to_owned()
                        } else {
                            word
                        };
                        Err(LexErrorKind::Required { name, message })
                    }
                    Some(op @ ('%' | '#')) => {
                        let greedy = word.starts_with(op);
                        if greedy {
                            word.remove(0);
                        }
                        let value = value.unwrap_or_default();
                        if op == '%' {
                            pattern::trim_suffix(&word, &value, greedy)
                        } else {
                            pattern::trim_prefix(&word, &value, greedy)
                        }
                    }
                    _ => Err(LexErrorKind::UnsupportedModifier(chs)),
                }
            }
            Some('/') => {
                let replace_all = self.peek() == Some('/');
                if replace_all {
                    self.next();
                }
                let pat = match self.process_stop_on(Some('/'), true) {
                    Ok((w, _)) => w,
                    Err(_) if self.peek().is_none() => return Err(LexErrorKind::MissingSlash),
                    Err(e) => return Err(e),
                };
                let replacement = match self.process_stop_on(Some('}'), true) {
                    Ok((w, _)) => w,
                    Err(_) if self.peek().is_none() => return Err(LexErrorKind::MissingBrace),
                    Err(e) => return Err(e),
                };
                let Some(value) = self.get_env(&name) else {
                    if self.lex.skip_unset_env {
                        return Ok(format!("${{{name}/{pat}/{replacement}}}"));
                    }
                    return pattern::replace("", &pat, &replacement, replace_all);
                };
                pattern::replace(&value, &pat, &replacement, replace_all)
            }
            _ => Err(LexErrorKind::UnsupportedModifier(chs)),
        }
    }

    /// A variable name: letters, digits and `_`; or a run of digits; or one special
    /// parameter character.
    fn process_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && is_digit(ch) {
                while let Some(c) = self.peek().filter(|&c| is_digit(c)) {
                    self.next();
                    name.push(c);
                }
                return name;
            }
            if name.is_empty() && matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.next();
                name.push(ch);
                return name;
            }
            if !is_letter(ch) && !is_digit(ch) && ch != '_' {
                break;
            }
            self.next();
            name.push(ch);
        }
        name
    }

    fn process_possible_heredoc(&mut self) -> String {
        self.next();
        if self.peek() != Some('<') {
            return "<".to_owned();
        }
        self.next();
        let mut out = String::from("<<");
        while let Some(c @ ('\t' | '\r' | ' ')) = self.peek() {
            out.push(c);
            self.next();
        }
        out
    }
}
