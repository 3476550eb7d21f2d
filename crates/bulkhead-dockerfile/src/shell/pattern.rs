//! Shell patterns in `${VAR#pat}`, `${VAR%pat}` and `${VAR/pat/repl}`, as BuildKit does
//! them: the pattern becomes a regular expression (`*` → `.*` or `.*?`, `?` → `.`, no
//! bracket expressions) and Go's leftmost-first matching picks the result. The `regex`
//! crate has the same semantics for these expressions, in linear time, so a hostile
//! pattern cannot make expansion slow. The suffix forms reverse both the value and the
//! pattern and trim a prefix, exactly like BuildKit.

use regex::Regex;

use super::lex::LexErrorKind;

/// Go's `convertShellPatternToRegex`.
pub(crate) fn to_regex(pattern: &str, greedy: bool, anchored: bool) -> Result<String, String> {
    let mut out = String::with_capacity(pattern.len() + 4);
    if anchored {
        out.push('^');
    }
    let star = if greedy { ".*" } else { ".*?" };
    // Go reads the pattern with text/scanner, which drops a leading byte-order mark.
    let mut chars = pattern
        .strip_prefix('\u{feff}')
        .unwrap_or(pattern)
        .chars()
        .peekable();
    while let Some(mut tok) = chars.next() {
        match tok {
            '*' => {
                out.push_str(star);
                continue;
            }
            '?' => {
                out.push('.');
                continue;
            }
            '\\' => {
                // `\}` and `\/` only protect the character from `${…}` parsing.
                if matches!(chars.peek(), Some('}' | '/')) {
                    continue;
                }
                out.push('\\');
                match chars.next() {
                    Some(c @ ('*' | '?' | '\\')) => tok = c,
                    other => {
                        return Err(format!(
                            "invalid escape '\\{}'",
                            other.unwrap_or('\u{fffd}')
                        ));
                    }
                }
            }
            '[' | ']' | '{' | '}' | '.' | '+' | '(' | ')' | '|' | '^' | '$' => out.push('\\'),
            _ => {}
        }
        out.push(tok);
    }
    Ok(out)
}

fn compile(pattern: &str, greedy: bool, anchored: bool) -> Result<Regex, LexErrorKind> {
    let invalid = |reason: String| LexErrorKind::InvalidPattern {
        pattern: pattern.to_owned(),
        reason,
    };
    let expr = to_regex(pattern, greedy, anchored).map_err(invalid)?;
    Regex::new(&expr).map_err(|e| invalid(e.to_string()))
}

/// `${VAR#pat}` (`greedy`: `##`).
pub(crate) fn trim_prefix(
    pattern: &str,
    value: &str,
    greedy: bool,
) -> Result<String, LexErrorKind> {
    let re = compile(pattern, greedy, true)?;
    Ok(match re.find(value) {
        Some(m) => value[m.end()..].to_owned(),
        None => value.to_owned(),
    })
}

/// Reverses a pattern but keeps each `\x` escape in front of its character.
fn reverse_pattern(pattern: &str) -> String {
    let runes: Vec<char> = pattern.chars().collect();
    let mut out = vec!['\0'; runes.len()];
    let last = runes.len().wrapping_sub(1);
    let mut i = 0;
    while i < runes.len() {
        let tok = runes[i];
        let at = last - i;
        if tok == '\\' && i != last {
            out[at - 1] = tok;
            out[at] = runes[i + 1];
            i += 2;
        } else {
            out[at] = tok;
            i += 1;
        }
    }
    out.into_iter().collect()
}

/// `${VAR%pat}` (`greedy`: `%%`).
pub(crate) fn trim_suffix(
    pattern: &str,
    value: &str,
    greedy: bool,
) -> Result<String, LexErrorKind> {
    let reversed: String = value.chars().rev().collect();
    let trimmed = trim_prefix(&reverse_pattern(pattern), &reversed, greedy)?;
    Ok(trimmed.chars().rev().collect())
}

/// `${VAR/pat/repl}` (`all`: `//`). Like Go, only the replace-all form expands `$0`-style
/// references in the replacement.
pub(crate) fn replace(
    value: &str,
    pattern: &str,
    replacement: &str,
    all: bool,
) -> Result<String, LexErrorKind> {
    let re = compile(pattern, true, false)?;
    if !all {
        return Ok(match re.find(value) {
            Some(m) => format!("{}{replacement}{}", &value[..m.start()], &value[m.end()..]),
            None => value.to_owned(),
        });
    }
    // Go's `ReplaceAllString`: an empty match right after a match is not replaced, and the
    // search always advances by at least one character.
    let mut out = String::with_capacity(value.len());
    let mut last_end = 0;
    let mut search = 0;
    while search <= value.len() {
        let Some(m) = re.find_at(value, search) else {
            break;
        };
        out.push_str(&value[last_end..m.start()]);
        if m.end() > last_end || m.start() == 0 {
            expand(&mut out, replacement, m.as_str());
        }
        last_end = m.end();
        let width = value[search..].chars().next().map_or(0, char::len_utf8);
        if search + width > m.end() {
            search += width;
        } else if search + 1 > m.end() {
            search += 1;
        } else {
            search = m.end();
        }
    }
    out.push_str(&value[last_end..]);
    Ok(out)
}

/// Go's `Regexp.expand` for a regexp without groups: `$$` is `$`, `$0`/`${0}` the match,
/// any other well-formed reference is empty, and a malformed one is a literal `$`.
fn expand(out: &mut String, template: &str, matched: &str) {
    let mut rest = template;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
            continue;
        }
        let (braced, body) = match rest.strip_prefix('{') {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let name_len: usize = body
            .chars()
            .take_while(|&c| crate::gochar::is_letter(c) || crate::gochar::is_digit(c) || c == '_')
            .map(char::len_utf8)
            .sum();
        if name_len == 0 || (braced && !body[name_len..].starts_with('}')) {
            out.push('$');
            continue;
        }
        let name = &body[..name_len];
        rest = &body[name_len + usize::from(braced)..];
        if name == "0" {
            out.push_str(matched);
        }
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regex_conversion_matches_buildkit() {
        assert_eq!(to_regex("*", true, true).unwrap(), "^.*");
        assert_eq!(to_regex("?", true, true).unwrap(), "^.");
        assert_eq!(to_regex("\\*", true, true).unwrap(), "^\\*");
        assert_eq!(
            to_regex("(()[]{\\}^$.\\*\\?|\\\\", true, true).unwrap(),
            "^\\(\\(\\)\\[\\]\\{\\}\\^\\$\\.\\*\\?\\|\\\\"
        );
        for bad in ["\\", "\\x", "\\\\\\"] {
            assert!(to_regex(bad, true, true).is_err(), "{bad}");
        }
    }

    #[test]
    fn reverse_pattern_keeps_escapes() {
        for (p, want) in [
            ("a\\*c", "c\\*a"),
            ("\\\\\\ab", "b\\a\\\\"),
            ("ab\\", "\\ba"),
            ("👽\\🚀🖖", "🖖\\🚀👽"),
            ("\\\\b", "b\\\\"),
            ("", ""),
        ] {
            assert_eq!(reverse_pattern(p), want, "{p}");
        }
    }

    #[test]
    fn go_expand() {
        let mut out = String::new();
        expand(&mut out, "<$0|${0}|$$|$1|$x|${x|$|$.>", "M");
        assert_eq!(out, "<M|M|$|||${x|$|$.>");
    }
}
