//! The exec-form JSON array, decoded the way BuildKit's `encoding/json` call decodes it,
//! with the source range of every element.
//!
//! Written by hand rather than with `serde_json` because the outcome must follow Go in the
//! corners that decide between "exec form", "shell form" and "error": a lone surrogate
//! `\ud800` decodes to U+FFFD (serde rejects it), nesting up to 10 000 levels is valid (serde
//! stops at 128), a number that overflows `float64` anywhere makes the whole value invalid,
//! and a valid array holding a non-string is a hard error rather than shell form. We also
//! need element spans, which serde does not give. Validation is iterative, so depth costs no
//! stack.

use std::ops::Range;

/// What `parseJSON` concluded about an argument string.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum JsonArray {
    /// A valid array of strings: each decoded value and its byte range in the input.
    Strings(Vec<(String, Range<usize>)>),
    /// Valid JSON, but an element is not a string (BuildKit: a parse error).
    NotStrings,
    /// Not a JSON array at all, or invalid JSON (BuildKit: fall back to shell form).
    Invalid,
}

/// Go's `encoding/json` maximum nesting depth.
const MAX_DEPTH: usize = 10_000;

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.s[self.pos..].starts_with(word) {
            self.pos += word.len();
            Some(())
        } else {
            None
        }
    }

    /// A number; `Some(true)` if it overflows `float64` (Go's `convertNumber` error).
    fn number(&mut self) -> Option<bool> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => {
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.pos += 1;
                }
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return None;
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return None;
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.pos]).ok()?;
        Some(text.parse::<f64>().map_or(true, f64::is_infinite))
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.s.get(at..at + 4)?;
        let mut v = 0;
        for &d in digits {
            v = v * 16 + char::from(d).to_digit(16)?;
        }
        Some(v)
    }

    /// A string starting at `"`; decodes it when `out` is given.
    fn string(&mut self, mut out: Option<&mut String>) -> Option<()> {
        self.pos += 1;
        loop {
            let b = self.peek()?;
            match b {
                b'"' => {
                    self.pos += 1;
                    return Some(());
                }
                0..=0x1f => return None,
                b'\\' => {
                    let esc = *self.s.get(self.pos + 1)?;
                    let simple = match esc {
                        b'"' => Some('"'),
                        b'\\' => Some('\\'),
                        b'/' => Some('/'),
                        b'b' => Some('\u{8}'),
                        b'f' => Some('\u{c}'),
                        b'n' => Some('\n'),
                        b'r' => Some('\r'),
                        b't' => Some('\t'),
                        b'u' => None,
                        _ => return None,
                    };
                    if let Some(c) = simple {
                        if let Some(o) = out.as_deref_mut() {
                            o.push(c);
                        }
                        self.pos += 2;
                        continue;
                    }
                    let unit = self.hex4(self.pos + 2)?;
                    self.pos += 6;
                    let c = if (0xD800..0xE000).contains(&unit) {
                        // Go: a valid surrogate pair decodes to one character; anything
                        // else is U+FFFD and the following escape is read on its own.
                        let pair = (self.s.get(self.pos..self.pos + 2) == Some(b"\\u"))
                            .then(|| self.hex4(self.pos + 2))
                            .flatten()
                            .filter(|low| {
                                (0xD800..0xDC00).contains(&unit) && (0xDC00..0xE000).contains(low)
                            });
                        match pair {
                            Some(low) => {
                                self.pos += 6;
                                char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                                    .unwrap_or('\u{fffd}')
                            }
                            None => '\u{fffd}',
                        }
                    } else {
                        char::from_u32(unit).unwrap_or('\u{fffd}')
                    };
                    if let Some(o) = out.as_deref_mut() {
                        o.push(c);
                    }
                }
                _ => {
                    // Copy the run of plain bytes up to the next quote, escape or control
                    // byte; the input is a `&str`, so the run is whole characters.
                    let start = self.pos;
                    while let Some(b) = self.peek() {
                        if b == b'"' || b == b'\\' || b < 0x20 {
                            break;
                        }
                        self.pos += 1;
                    }
                    if let Some(o) = out.as_deref_mut() {
                        o.push_str(std::str::from_utf8(&self.s[start..self.pos]).ok()?);
                    }
                }
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Container {
    Array,
    Object,
}

/// Go's `parseJSON`: `rest` with leading white space trimmed must be a JSON array.
/// Element ranges are relative to `rest`.
pub(crate) fn parse_array(rest: &str) -> JsonArray {
    let lead = rest.len() - rest.trim_start_matches(crate::gochar::is_space).len();
    let mut cur = Cursor {
        s: rest.as_bytes(),
        pos: lead,
    };
    if cur.peek() != Some(b'[') {
        return JsonArray::Invalid;
    }
    match validate(&mut cur) {
        Some(Outcome {
            overflow: false,
            top,
        }) => top.map_or(JsonArray::NotStrings, JsonArray::Strings),
        _ => JsonArray::Invalid,
    }
}

struct Outcome {
    overflow: bool,
    /// The top-level elements if all are strings.
    top: Option<Vec<(String, Range<usize>)>>,
}

/// Validates one JSON value (an array, at `cur`) followed by white space only: Go's
/// scanner as one loop with an explicit stack.
#[allow(clippy::too_many_lines)]
fn validate(cur: &mut Cursor<'_>) -> Option<Outcome> {
    let mut stack: Vec<Container> = Vec::new();
    let mut overflow = false;
    let mut top = Some(Vec::new());
    // Expecting a value (true) or, inside a container, a separator/closer (false).
    let mut want_value = true;
    loop {
        cur.skip_ws();
        if want_value {
            let at_top_element = stack.len() == 1 && stack[0] == Container::Array;
            let start = cur.pos;
            match cur.peek()? {
                b'[' | b'{' => {
                    if at_top_element {
                        top = None;
                    }
                    let kind = if cur.peek() == Some(b'[') {
                        Container::Array
                    } else {
                        Container::Object
                    };
                    cur.pos += 1;
                    stack.push(kind);
                    if stack.len() > MAX_DEPTH {
                        return None;
                    }
                    cur.skip_ws();
                    let close = if kind == Container::Array { b']' } else { b'}' };
                    if cur.peek() == Some(close) {
                        cur.pos += 1;
                        stack.pop();
                        want_value = false;
                    } else if kind == Container::Object {
                        // A key, then `:`, then the value.
                        if cur.peek()? != b'"' {
                            return None;
                        }
                        cur.string(None)?;
                        cur.skip_ws();
                        if cur.peek()? != b':' {
                            return None;
                        }
                        cur.pos += 1;
                    }
                    if stack.is_empty() {
                        break;
                    }
                    continue;
                }
                b'"' => {
                    if at_top_element {
                        let mut value = String::new();
                        cur.string(Some(&mut value))?;
                        if let Some(t) = top.as_mut() {
                            t.push((value, start..cur.pos));
                        }
                    } else {
                        cur.string(None)?;
                    }
                }
                b't' => cur.literal(b"true")?,
                b'f' => cur.literal(b"false")?,
                b'n' => cur.literal(b"null")?,
                b'-' | b'0'..=b'9' => overflow |= cur.number()?,
                _ => return None,
            }
            if at_top_element && cur.s[start] != b'"' {
                top = None;
            }
            want_value = false;
            continue;
        }
        // After a value inside a container.
        let kind = *stack.last()?;
        match (cur.peek()?, kind) {
            (b',', Container::Array) => {
                cur.pos += 1;
                want_value = true;
            }
            (b',', Container::Object) => {
                cur.pos += 1;
                cur.skip_ws();
                if cur.peek()? != b'"' {
                    return None;
                }
                cur.string(None)?;
                cur.skip_ws();
                if cur.peek()? != b':' {
                    return None;
                }
                cur.pos += 1;
                want_value = true;
            }
            (b']', Container::Array) | (b'}', Container::Object) => {
                cur.pos += 1;
                stack.pop();
                if stack.is_empty() {
                    break;
                }
            }
            _ => return None,
        }
    }
    cur.skip_ws();
    if cur.pos != cur.s.len() {
        return None;
    }
    Some(Outcome { overflow, top })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(s: &str) -> Vec<String> {
        match parse_array(s) {
            JsonArray::Strings(v) => v.into_iter().map(|(s, _)| s).collect(),
            other => panic!("{s}: {other:?}"),
        }
    }

    #[test]
    fn decodes_like_go() {
        assert_eq!(strings("[]"), Vec::<String>::new());
        assert_eq!(strings(r#" [ "a" , "b" ] "#), ["a", "b"]);
        assert_eq!(
            strings(r#"["\" \\ \/ \b \f \n \r \t \u0000"]"#),
            ["\" \\ / \u{8} \u{c} \n \r \t \u{0}"]
        );
        assert_eq!(strings(r#"["\ud800"]"#), ["\u{fffd}"]);
        assert_eq!(strings(r#"["\ud800\u0041"]"#), ["\u{fffd}A"]);
        assert_eq!(strings(r#"["\ud83d\ude00"]"#), ["😀"]);
        assert_eq!(strings(r#"["\uDC00\ud83d"]"#), ["\u{fffd}\u{fffd}"]);
    }

    #[test]
    fn ranges_cover_the_raw_elements() {
        let JsonArray::Strings(v) = parse_array(r#"[ "a\n", "b" ]"#) else {
            panic!()
        };
        assert_eq!(v[0].1, 2..7);
        assert_eq!(v[1].1, 9..12);
    }

    #[test]
    fn outcomes() {
        assert_eq!(
            parse_array(r#"[ "echo", [ "nested json" ] ]"#),
            JsonArray::NotStrings
        );
        assert_eq!(
            parse_array(r#"["a", 1, {"k": [null, true]}]"#),
            JsonArray::NotStrings
        );
        assert_eq!(parse_array("[1e400]"), JsonArray::Invalid);
        assert_eq!(parse_array(r#"["a", {"x": 1e999}]"#), JsonArray::Invalid);
        assert_eq!(parse_array("[1e-400]"), JsonArray::NotStrings);
        for bad in [
            "['a']",
            "[\"a\"",
            "[\"a\"] x",
            "[\"a\",]",
            "[01]",
            "[1.]",
            "[-]",
            "[\"\t\"]",
            "[\"\\x\"]",
            "{}",
            "",
            "[tru]",
            "[{\"a\" 1}]",
            "[{1:2}]",
        ] {
            assert_eq!(parse_array(bad), JsonArray::Invalid, "{bad}");
        }
        let deep_ok = format!("[{}{}]", "[".repeat(9_999), "]".repeat(9_999));
        assert_eq!(parse_array(&deep_ok), JsonArray::NotStrings);
        let too_deep = format!("[{}{}]", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(parse_array(&too_deep), JsonArray::Invalid);
    }
}
