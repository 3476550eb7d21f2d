//! Go (RE2) regex syntax → Rust `regex` syntax, for the few places where they disagree.
//!
//! gitleaks rules are written for Go's `regexp`. Rust's `regex` accepts almost the same
//! language; the differences that reach real rules are all about characters Go reads as
//! literals where Rust reads syntax (or an error):
//!
//! - `{` that cannot start a repetition (`{n}`, `{n,}`, `{n,m}`) is a literal in Go and an
//!   error in Rust: `^\${(?:[A-Z_]+|[a-z_]+)}$`, `{{[^}]+}}`, `import[ \t]+{…}` in gitleaks'
//!   own allowlists. It becomes `\{`.
//! - Inside a class, `[` (not starting `[:alpha:]`) is a literal in Go and a nested class in
//!   Rust; `&&`, `--` and `~~` are literals in Go and set operators in Rust. The second
//!   character is escaped.
//! - `\Q…\E` quotes a literal in Go; Rust has no such syntax, so the text is escaped.
//!
//! The rest (`\s` is `[\t\n\f\r ]` in Go but also has `\v` in Rust's ASCII mode; `.` and
//! negated classes match one byte, not one rune, with Unicode off) is documented on the crate.

/// Rewrites a Go regex so Rust's `regex` parses it with Go's meaning. Patterns that are
/// already valid in both with the same meaning come back unchanged.
pub fn translate(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    // Index (in `chars`) of the first character of the current class body, for `[]…]`.
    let mut class_body_start = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let Some(&next) = chars.get(i + 1) else {
                // A trailing backslash is an error in both; let the parser report it.
                out.push(c);
                break;
            };
            if next == 'Q' && !in_class {
                let body_start = i + 2;
                let mut end = body_start;
                while end < chars.len() && !(chars[end] == '\\' && chars.get(end + 1) == Some(&'E'))
                {
                    end += 1;
                }
                let literal: String = chars[body_start..end].iter().collect();
                out.push_str(&regex_syntax::escape(&literal));
                i = if end < chars.len() { end + 2 } else { end };
                continue;
            }
            out.push(c);
            out.push(next);
            i += 2;
            // `\x{…}`, `\p{…}`, `\P{…}`: copy the braces verbatim.
            if matches!(next, 'x' | 'p' | 'P') && chars.get(i) == Some(&'{') {
                while i < chars.len() {
                    out.push(chars[i]);
                    i += 1;
                    if chars[i - 1] == '}' {
                        break;
                    }
                }
            }
            continue;
        }
        if in_class {
            match c {
                ']' if i > class_body_start => in_class = false,
                '[' => {
                    if chars.get(i + 1) == Some(&':')
                        && let Some(len) = posix_class_len(&chars[i..])
                    {
                        out.extend(&chars[i..i + len]);
                        i += len;
                        continue;
                    }
                    out.push('\\');
                }
                '&' | '~' | '-' if i > class_body_start && chars[i - 1] == c => {
                    // The first of the pair was emitted as is; escape the second.
                    out.push('\\');
                }
                _ => {}
            }
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                out.push(c);
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                class_body_start = i;
                // `]` first in a class is a literal in both languages; escape it to be plain.
                if chars.get(i) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                    class_body_start = i;
                }
            }
            '{' if !starts_repetition(&chars[i..]) => {
                out.push_str("\\{");
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// `{n}`, `{n,}` or `{n,m}` at the start of `rest` (Go's `parseRepeat` accepts only these).
fn starts_repetition(rest: &[char]) -> bool {
    let mut i = 1;
    let digits = |i: &mut usize| {
        let start = *i;
        while rest.get(*i).is_some_and(char::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return false;
    }
    if rest.get(i) == Some(&',') {
        i += 1;
        digits(&mut i);
    }
    rest.get(i) == Some(&'}')
}

/// Length of a `[:name:]` or `[:^name:]` POSIX class at the start of `rest`, if it is one.
fn posix_class_len(rest: &[char]) -> Option<usize> {
    let mut i = 2;
    if rest.get(i) == Some(&'^') {
        i += 1;
    }
    let name_start = i;
    while rest.get(i).is_some_and(char::is_ascii_lowercase) {
        i += 1;
    }
    (i > name_start && rest.get(i) == Some(&':') && rest.get(i + 1) == Some(&']')).then_some(i + 2)
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn braces_that_are_not_repetitions_become_literals() {
        assert_eq!(translate(r"^\$(?:\d+|{\d+})$"), r"^\$(?:\d+|\{\d+})$");
        assert_eq!(translate(r"{{[^}]+}}"), r"\{\{[^}]+}}");
        assert_eq!(translate(r"a{2}b{3,}c{4,5}"), r"a{2}b{3,}c{4,5}");
        assert_eq!(translate(r"x{,5}"), r"x\{,5}");
        assert_eq!(translate(r"\x{41}{2}"), r"\x{41}{2}");
    }

    #[test]
    fn class_literals_stay_literal() {
        assert_eq!(translate(r"[[:alnum:]]"), r"[[:alnum:]]");
        assert_eq!(translate(r"[[a]"), r"[\[a]");
        assert_eq!(translate(r"[^]]+"), r"[^\]]+");
        assert_eq!(translate(r"[a&&b]"), r"[a&\&b]");
        assert_eq!(translate(r"[+--]"), r"[+-\-]");
        assert_eq!(translate(r"[{]{2}"), r"[{]{2}");
    }

    #[test]
    fn quoted_literals() {
        assert_eq!(translate(r"\Qa.b\Ec"), r"a\.bc");
        assert_eq!(translate(r"\Qa.b"), r"a\.b");
    }
}
