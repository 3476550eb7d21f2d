//! `Cargo.lock` files, every lockfile version Cargo has written (v1 to v4): one package per
//! `[[package]]` table, as `pkg:cargo/<name>@<version>`.
//!
//! What it deliberately skips:
//! - packages without a `source` key: those are the workspace's own members and `path`
//!   dependencies, local crates that no registry (and so no advisory) knows;
//! - everything outside `[[package]]` tables (`[metadata]` checksums of v1 lockfiles,
//!   `[[patch.unused]]`), and every key but `name`, `version` and `source`.
//!
//! Registry and git sources are both kept, with the same plain purl; the purl does not say
//! which registry or repository a crate came from.
//!
//! Why a hand-written reader rather than the `toml` crate: a lockfile is a small, machine-written
//! subset of TOML (tables, arrays of tables, strings and arrays of strings), and we need three
//! string keys out of it. The reader below still understands the whole value syntax (basic and
//! literal strings with escapes, multi-line strings, nested arrays, inline tables, bare scalars,
//! comments) so that an unusual but valid file is skipped over correctly rather than misread,
//! and it reports the line of anything it cannot follow. It never panics and never recurses
//! deeper than [`MAX_NESTING`].

use bulkhead_fsview::Metadata;

use super::{Cataloger, Context, ParseError, file_name, package};
use crate::{Ecosystem, Options, Package};

/// How deep arrays and inline tables may nest; lockfiles use one level.
const MAX_NESTING: usize = 32;

#[derive(Debug)]
pub(crate) struct CargoLock;

impl Cataloger for CargoLock {
    fn name(&self) -> &'static str {
        "cargo-lock"
    }

    fn wants(&self, path: &str, meta: &Metadata, options: &Options) -> bool {
        meta.is_file() && meta.size <= options.max_file_size && file_name(path) == "Cargo.lock"
    }

    fn parse(
        &self,
        _path: &str,
        content: &[u8],
        _context: &Context<'_>,
    ) -> Result<Vec<Package>, ParseError> {
        let text = std::str::from_utf8(content).map_err(|e| format!("not UTF-8: {e}"))?;
        let mut packages = Vec::new();
        for entry in read_packages(text)? {
            let (Some(name), Some(version)) = (entry.name, entry.version) else {
                return Err(format!(
                    "the `[[package]]` table at line {} lacks a `name` or a `version`",
                    entry.line
                ));
            };
            if entry.source.is_none() {
                continue;
            }
            packages.push(package(Ecosystem::Cargo, None, &name, &version, &[])?);
        }
        Ok(packages)
    }
}

/// The keys we keep from one `[[package]]` table.
#[derive(Debug, Default, PartialEq, Eq)]
struct LockEntry {
    /// Line of the `[[package]]` header, for messages.
    line: usize,
    name: Option<String>,
    version: Option<String>,
    source: Option<String>,
}

/// A value: strings are kept, anything else only skipped.
#[derive(Debug, PartialEq, Eq)]
enum Value {
    Str(String),
    Other,
}

/// Reads every `[[package]]` table of a lockfile.
fn read_packages(text: &str) -> Result<Vec<LockEntry>, ParseError> {
    let mut reader = Reader {
        s: text.as_bytes(),
        pos: 0,
        line: 1,
    };
    let mut entries = Vec::new();
    let mut in_package = false;
    loop {
        reader.skip_blank_lines();
        let Some(c) = reader.peek() else { break };
        if c == b'[' {
            let (array, name) = reader.header()?;
            in_package = array && name == "package";
            if in_package {
                entries.push(LockEntry {
                    line: reader.line,
                    ..LockEntry::default()
                });
            }
        } else {
            let line = reader.line;
            let key = reader.key()?;
            reader.skip_spaces();
            if !reader.eat(b'=') {
                return Err(format!("line {line}: expected `=` after key `{key}`"));
            }
            reader.skip_spaces();
            let value = reader.value(0)?;
            if let (true, Some(entry), Value::Str(s)) = (in_package, entries.last_mut(), value) {
                let slot = match key.as_str() {
                    "name" => Some(&mut entry.name),
                    "version" => Some(&mut entry.version),
                    "source" => Some(&mut entry.source),
                    _ => None,
                };
                if let Some(slot) = slot {
                    if slot.is_some() {
                        return Err(format!(
                            "line {line}: key `{key}` is defined twice in one `[[package]]`"
                        ));
                    }
                    *slot = Some(s);
                }
            }
        }
        reader.end_of_line()?;
    }
    Ok(entries)
}

/// A cursor over the lockfile's bytes that tracks the line number.
struct Reader<'a> {
    s: &'a [u8],
    pos: usize,
    line: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.s.get(self.pos + offset).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.pos += 1;
        if c == b'\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn starts_with(&self, prefix: &[u8]) -> bool {
        self.s[self.pos..].starts_with(prefix)
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.bump();
        }
    }

    fn skip_comment(&mut self) {
        if self.peek() == Some(b'#') {
            while !matches!(self.peek(), None | Some(b'\n')) {
                self.bump();
            }
        }
    }

    /// Skips whitespace, newlines and comments between top-level items.
    fn skip_blank_lines(&mut self) {
        loop {
            self.skip_spaces();
            self.skip_comment();
            if !(self.eat(b'\n') || self.eat(b'\r')) {
                return;
            }
        }
    }

    /// Skips whitespace, newlines and comments inside an array.
    fn skip_array_space(&mut self) {
        self.skip_blank_lines();
    }

    /// After an item: only spaces and a comment may follow on its line.
    fn end_of_line(&mut self) -> Result<(), ParseError> {
        self.skip_spaces();
        self.skip_comment();
        match self.peek() {
            None | Some(b'\n' | b'\r') => Ok(()),
            Some(c) => Err(format!(
                "line {}: unexpected `{}` after a value",
                self.line,
                char::from(c)
            )),
        }
    }

    /// `[table]` or `[[array.of.tables]]`: whether it is an array, and its name with quotes
    /// removed and spaces around dots dropped.
    fn header(&mut self) -> Result<(bool, String), ParseError> {
        let line = self.line;
        self.bump();
        let array = self.eat(b'[');
        let mut name = String::new();
        loop {
            self.skip_spaces();
            name.push_str(&self.key_part()?);
            self.skip_spaces();
            if self.eat(b'.') {
                name.push('.');
            } else {
                break;
            }
        }
        let closed = self.eat(b']') && (!array || self.eat(b']'));
        if !closed {
            return Err(format!("line {line}: unterminated table header"));
        }
        Ok((array, name))
    }

    /// A possibly dotted key (`name`, `"quoted key"`, `a.b`).
    fn key(&mut self) -> Result<String, ParseError> {
        let mut key = self.key_part()?;
        loop {
            self.skip_spaces();
            if self.peek() == Some(b'.') {
                self.bump();
                self.skip_spaces();
                key.push('.');
                key.push_str(&self.key_part()?);
            } else {
                return Ok(key);
            }
        }
    }

    fn key_part(&mut self) -> Result<String, ParseError> {
        match self.peek() {
            Some(b'"') => self.basic_string(),
            Some(b'\'') => self.literal_string(),
            _ => {
                let start = self.pos;
                while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
                {
                    self.bump();
                }
                if start == self.pos {
                    return Err(format!("line {}: expected a key", self.line));
                }
                Ok(String::from_utf8_lossy(&self.s[start..self.pos]).into_owned())
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, ParseError> {
        if depth > MAX_NESTING {
            return Err(format!(
                "line {}: values nested deeper than {MAX_NESTING} levels",
                self.line
            ));
        }
        match self.peek() {
            Some(b'"') => self.basic_string().map(Value::Str),
            Some(b'\'') => self.literal_string().map(Value::Str),
            Some(b'[') => {
                self.bump();
                loop {
                    self.skip_array_space();
                    if self.eat(b']') {
                        return Ok(Value::Other);
                    }
                    self.value(depth + 1)?;
                    self.skip_array_space();
                    if self.eat(b']') {
                        return Ok(Value::Other);
                    }
                    if !self.eat(b',') {
                        return Err(format!(
                            "line {}: expected `,` or `]` in an array",
                            self.line
                        ));
                    }
                }
            }
            Some(b'{') => {
                self.bump();
                self.skip_spaces();
                if self.eat(b'}') {
                    return Ok(Value::Other);
                }
                loop {
                    self.skip_spaces();
                    self.key()?;
                    self.skip_spaces();
                    if !self.eat(b'=') {
                        return Err(format!(
                            "line {}: expected `=` in an inline table",
                            self.line
                        ));
                    }
                    self.skip_spaces();
                    self.value(depth + 1)?;
                    self.skip_spaces();
                    if self.eat(b'}') {
                        return Ok(Value::Other);
                    }
                    if !self.eat(b',') {
                        return Err(format!(
                            "line {}: expected `,` or `}}` in an inline table",
                            self.line
                        ));
                    }
                }
            }
            Some(c)
                if c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'_' | b'.' | b':') =>
            {
                // Numbers, booleans and dates; a space may sit inside a date-time.
                while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'_' | b'.' | b':'))
                    || (self.peek() == Some(b' ')
                        && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()))
                {
                    self.bump();
                }
                Ok(Value::Other)
            }
            _ => Err(format!("line {}: expected a value", self.line)),
        }
    }

    /// A `"…"` or `"""…"""` string, with escapes decoded.
    fn basic_string(&mut self) -> Result<String, ParseError> {
        let line = self.line;
        let multi = self.starts_with(b"\"\"\"");
        if multi {
            self.pos += 3;
            self.eat_newline();
        } else {
            self.bump();
        }
        let mut out = Vec::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(format!("line {line}: unterminated string"));
            };
            match c {
                b'"' if !multi => break,
                b'"' if self.starts_with(b"\"\"") => {
                    // A closing `"""` may follow up to two quotes that belong to the content.
                    let run = 1 + self.s[self.pos..]
                        .iter()
                        .take_while(|&&q| q == b'"')
                        .count();
                    out.resize(out.len() + (run - 3).min(2), b'"');
                    self.pos += run - 1;
                    break;
                }
                b'\n' if !multi => return Err(format!("line {line}: newline inside a string")),
                b'\\' => self.escape(&mut out, multi, line)?,
                c => out.push(c),
            }
        }
        String::from_utf8(out).map_err(|_| format!("line {line}: string is not UTF-8"))
    }

    fn eat_newline(&mut self) {
        if !self.eat(b'\n') && self.starts_with(b"\r\n") {
            self.pos += 1;
            self.bump();
        }
    }

    fn escape(&mut self, out: &mut Vec<u8>, multi: bool, line: usize) -> Result<(), ParseError> {
        let Some(e) = self.bump() else {
            return Err(format!("line {line}: unterminated string"));
        };
        let decoded = match e {
            b'b' => '\u{8}',
            b't' => '\t',
            b'n' => '\n',
            b'f' => '\u{c}',
            b'r' => '\r',
            b'e' => '\u{1b}',
            b'"' => '"',
            b'\\' => '\\',
            b'u' | b'U' => {
                let len = if e == b'u' { 4 } else { 8 };
                let digits = self
                    .s
                    .get(self.pos..self.pos + len)
                    .ok_or_else(|| format!("line {line}: truncated escape"))?;
                let code = std::str::from_utf8(digits)
                    .ok()
                    .and_then(|d| u32::from_str_radix(d, 16).ok())
                    .and_then(char::from_u32)
                    .ok_or_else(|| format!("line {line}: invalid unicode escape"))?;
                self.pos += len;
                code
            }
            b' ' | b'\t' | b'\r' | b'\n' if multi => {
                // A line-ending backslash trims the newline and the whitespace after it.
                while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
                    self.bump();
                }
                return Ok(());
            }
            other => {
                return Err(format!(
                    "line {line}: invalid escape `\\{}`",
                    char::from(other)
                ));
            }
        };
        let mut buf = [0; 4];
        out.extend_from_slice(decoded.encode_utf8(&mut buf).as_bytes());
        Ok(())
    }

    /// A `'…'` or `'''…'''` string, taken verbatim.
    fn literal_string(&mut self) -> Result<String, ParseError> {
        let line = self.line;
        let multi = self.starts_with(b"'''");
        if multi {
            self.pos += 3;
            self.eat_newline();
        } else {
            self.bump();
        }
        let start = self.pos;
        loop {
            if multi && self.starts_with(b"'''") {
                // A closing `'''` may follow up to two quotes that belong to the content.
                let run = self.s[self.pos..]
                    .iter()
                    .take_while(|&&q| q == b'\'')
                    .count();
                let end = self.pos + (run - 3).min(2);
                self.pos += run;
                return Ok(String::from_utf8_lossy(&self.s[start..end]).into_owned());
            }
            match self.bump() {
                None => return Err(format!("line {line}: unterminated string")),
                Some(b'\'') if !multi => {
                    return Ok(String::from_utf8_lossy(&self.s[start..self.pos - 1]).into_owned());
                }
                Some(b'\n') if !multi => {
                    return Err(format!("line {line}: newline inside a string"));
                }
                Some(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Options;

    fn parse(text: &str) -> Result<Vec<String>, ParseError> {
        let options = Options::default();
        let ctx = Context {
            os: None,
            options: &options,
        };
        Ok(CargoLock
            .parse("Cargo.lock", text.as_bytes(), &ctx)?
            .into_iter()
            .map(|p| p.purl)
            .collect())
    }

    #[test]
    fn reads_v4_and_skips_local_crates() {
        let lock = r#"# This file is automatically @generated by Cargo.
# It is not intended for manual editing.
version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = [
 "serde",
 "git-dep",
]

[[package]]
name = "git-dep"
version = "0.2.0"
source = "git+https://example.com/git-dep?branch=main#0123456789abcdef"

[[package]]
name = "serde"
version = "1.0.200"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "ddc6f9cc94d67c0e21aaf7eda3a010fd3af78ebf6e096aa6e2e13c79749cce4f"
"#;
        assert_eq!(
            parse(lock).unwrap(),
            ["pkg:cargo/git-dep@0.2.0", "pkg:cargo/serde@1.0.200"]
        );
    }

    #[test]
    fn reads_v1_with_metadata_table() {
        let lock = r#"[[package]]
name = "itoa"
version = "0.4.8"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "root"
version = "0.0.1"
dependencies = [
 "itoa 0.4.8 (registry+https://github.com/rust-lang/crates.io-index)",
]

[metadata]
"checksum itoa 0.4.8 (registry+https://github.com/rust-lang/crates.io-index)" = "b71991ff56294aa922b450139ee08b3bfc70982c6b2c7562771375cf73542dd4"
"#;
        assert_eq!(parse(lock).unwrap(), ["pkg:cargo/itoa@0.4.8"]);
    }

    #[test]
    fn keys_after_other_tables_do_not_leak_into_packages() {
        let lock = "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\n[[patch.unused]]\nname = \"b\"\nversion = \"2.0.0\"\nsource = \"x\"\n";
        assert_eq!(parse(lock).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn understands_unusual_but_valid_toml() {
        let lock = "version = 3 # comment\r\n\
                    [[ package ]]\r\n\
                    'name' = 'literal' # trailing\r\n\
                    \"version\" = \"1.\\u0030.0\"\r\n\
                    source = \"\"\"registry+x\"\"\"\r\n\
                    nested = [[1, 2], {a = \"]\", b = [\"}\"]}, 1979-05-27 07:32:00Z, true]\r\n\
                    desc = '''multi\nline ] [[package]]'''\r\n";
        assert_eq!(parse(lock).unwrap(), ["pkg:cargo/literal@1.0.0"]);
        // Quotes just before a multi-line string's closing delimiter belong to the string.
        let quotes =
            "[[package]]\nname = \"\"\"q\"\"\"\"\"\nversion = '''1\\\n'''''\nsource = \"s\"\n";
        let entries = read_packages(quotes).unwrap();
        assert_eq!(entries[0].name.as_deref(), Some("q\"\""));
        assert_eq!(entries[0].version.as_deref(), Some("1\\\n''"));
    }

    #[test]
    fn broken_files_are_errors_not_panics() {
        for bad in [
            "[[package]]\nname = \"a",
            "[[package]\nname = \"a\"",
            "[[package]]\nname \"a\"",
            "[[package]]\nname = \"a\" junk\n",
            "[[package]]\nname = [\"a\",\n",
            "[[package]]\nname = \"\\q\"\n",
            "[[package]]\nname = \"\\u12\"",
            "[[package]]\nversion = \"1\"\nsource = \"s\"\n",
            "[[package]]\nname = \"a\"\nname = \"b\"\n",
            "[[package]]\nname = '''a",
            "= 1",
            "x = ",
            "x = {a = 1",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be an error");
        }
        let deep = format!("x = {}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(&deep).is_err());
        assert!(
            CargoLock
                .parse(
                    "Cargo.lock",
                    b"\xff\xfe",
                    &Context {
                        os: None,
                        options: &Options::default()
                    }
                )
                .is_err()
        );
    }

    #[test]
    fn wants_only_files_named_cargo_lock() {
        let meta = |size| Metadata {
            kind: bulkhead_fsview::FileKind::File,
            size,
            mode: 0o644,
            uid: 0,
            gid: 0,
            mtime: 0,
        };
        let options = Options::default();
        assert!(CargoLock.wants("src/app/Cargo.lock", &meta(10), &options));
        assert!(CargoLock.wants("Cargo.lock", &meta(10), &options));
        assert!(!CargoLock.wants("src/app/Cargo.lock.orig", &meta(10), &options));
        assert!(!CargoLock.wants("Cargo.lock", &meta(options.max_file_size + 1), &options));
    }
}
