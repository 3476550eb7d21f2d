//! Ruby gems: installed specifications and Bundler lockfiles.
//!
//! - `…/specifications/*.gemspec` and `…/specifications/default/*.gemspec` (the default gems
//!   shipped inside Ruby, which advisories name too: `cgi`, `rexml`, `net-imap`, …). RubyGems
//!   writes these with `Gem::Specification#to_ruby`, one `s.<attr> = <literal>` per line. We
//!   read that generated form by string matching, never by evaluating Ruby: `name`, `version`,
//!   `platform` (a string, or `Gem::Platform.new(["cpu", "os", "version"])`) and
//!   `licenses`/`license`. A value that is not a literal (a hand-written gemspec computing its
//!   version, say) makes the file an error rather than a guess. Literals are Ruby's
//!   double-quoted (`String#dump`, with escapes), single-quoted and `%q` forms, optionally
//!   followed by `.freeze`.
//! - `Gemfile.lock`: the `specs:` of the `GEM`, `GIT`, `PATH` and `PLUGIN SOURCE` sections,
//!   4-space-indented `name (version)` lines (6-space lines are dependency constraints). As
//!   Bundler's own lockfile parser does, the version ends at the first `-` and the rest is the
//!   platform (`nokogiri (1.16.0-x86_64-linux)`).
//!
//! A platform other than `ruby` becomes the purl's `platform` qualifier:
//! `pkg:gem/nokogiri@1.16.0?platform=x86_64-linux`.

use bulkhead_fsview::Metadata;

use super::{Cataloger, Context, ParseError, file_name, package};
use crate::{Ecosystem, Options, Package};

#[derive(Debug)]
pub(crate) struct Gemspecs;

impl Cataloger for Gemspecs {
    fn name(&self) -> &'static str {
        "ruby-gemspecs"
    }

    fn wants(&self, path: &str, _meta: &Metadata, _options: &Options) -> bool {
        selects(path)
    }

    fn parse(
        &self,
        path: &str,
        content: &[u8],
        _context: &Context<'_>,
    ) -> Result<Vec<Package>, ParseError> {
        let text = String::from_utf8_lossy(content);
        if file_name(path) == "Gemfile.lock" {
            gemfile_lock(&text)
        } else {
            gemspec(&text).map(|p| vec![p])
        }
    }
}

fn selects(path: &str) -> bool {
    let name = file_name(path);
    if name == "Gemfile.lock" {
        return true;
    }
    if name.len() <= ".gemspec".len() || !name.ends_with(".gemspec") {
        return false;
    }
    let mut dirs = path.rsplit('/').skip(1);
    match dirs.next() {
        Some("specifications") => true,
        Some("default") => dirs.next() == Some("specifications"),
        _ => false,
    }
}

/// A gem package; `platform` `ruby` (or none) adds no qualifier.
fn gem(name: &str, version: &str, platform: Option<&str>) -> Result<Package, ParseError> {
    let platform = platform.filter(|p| !p.is_empty() && *p != "ruby");
    package(
        Ecosystem::Gem,
        None,
        name,
        version,
        &[("platform", platform.unwrap_or_default())],
    )
}

/// Reads the attributes `Gem::Specification#to_ruby` writes.
fn gemspec(text: &str) -> Result<Package, ParseError> {
    let mut name = None;
    let mut version = None;
    let mut platform = None;
    let mut licenses = None;
    for line in text.lines() {
        let Some((attr, value)) = assignment(line) else {
            continue;
        };
        let slot = match attr {
            "name" => &mut name,
            "version" => &mut version,
            "platform" => &mut platform,
            "licenses" | "license" => &mut licenses,
            _ => continue,
        };
        // The first assignment wins, as in the generated form there is only one.
        if slot.is_none() {
            *slot = Some(value);
        }
    }
    let literal = |attr: &str, value: Option<&str>| -> Result<String, ParseError> {
        let value = value.ok_or_else(|| format!("no `{attr}` assignment"))?;
        match string_literal(value) {
            Some((s, _)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
            _ => Err(format!("`{attr}` is not a string literal")),
        }
    };
    let name = literal("name", name)?;
    let version = literal("version", version)?;
    let platform = match platform {
        None => None,
        Some(value) => Some(
            platform_literal(value)
                .ok_or("`platform` is neither a string nor a `Gem::Platform.new([...])`")?,
        ),
    };
    let mut pkg = gem(&name, &version, platform.as_deref())?;
    if let Some(value) = licenses {
        pkg.licenses = if value.starts_with('[') {
            string_array(value).unwrap_or_default()
        } else {
            string_literal(value)
                .map(|(s, _)| vec![s])
                .unwrap_or_default()
        };
        pkg.licenses.retain(|l| !l.trim().is_empty());
    }
    Ok(pkg)
}

/// `  s.name = "x".freeze` → `("name", "\"x\".freeze")`: a receiver that is a plain Ruby
/// identifier, one attribute, `=` (not `==`), and the rest of the line.
fn assignment(line: &str) -> Option<(&str, &str)> {
    let line = line.trim_start();
    let (receiver, rest) = line.split_once('.')?;
    if receiver.is_empty()
        || !receiver
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return None;
    }
    let (attr, value) = rest.split_once('=')?;
    let attr = attr.trim_end();
    if attr.is_empty()
        || !attr.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        || value.starts_with(['=', '~'])
    {
        return None;
    }
    Some((attr, value.trim()))
}

/// Parses a Ruby string literal at the start of `s` (`"…"` with escapes, `'…'`, `%q…`),
/// returning its value and what follows (`.freeze` included).
fn string_literal(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start();
    let mut chars = s.char_indices();
    let (_, open) = chars.next()?;
    let (value, rest) = match open {
        '"' => double_quoted(&s[1..])?,
        '\'' => single_quoted(&s[1..], '\'')?,
        '%' => {
            let body = s.strip_prefix("%q").or_else(|| s.strip_prefix("%Q"))?;
            let open = body.chars().next()?;
            let close = match open {
                '{' => '}',
                '<' => '>',
                '(' => ')',
                '[' => ']',
                c if c.is_ascii_punctuation() => c,
                _ => return None,
            };
            single_quoted(&body[open.len_utf8()..], close)?
        }
        _ => return None,
    };
    let rest = rest.strip_prefix(".freeze").unwrap_or(rest);
    Some((value, rest))
}

/// The body of a `'…'` or `%q…` literal up to `close`; only `\\` and `\<close>` are escapes.
/// (Nested brackets inside `%q{…}` do not occur in generated specifications and end the
/// literal early, which at worst yields a wrong-looking string, never a panic.)
fn single_quoted(body: &str, close: char) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, e)) if e == '\\' || e == close => out.push(e),
                Some((_, e)) => {
                    out.push('\\');
                    out.push(e);
                }
                None => return None,
            },
            c if c == close => return Some((out, &body[i + c.len_utf8()..])),
            c => out.push(c),
        }
    }
    None
}

/// The body of a `"…"` literal as `String#dump` writes it.
fn double_quoted(body: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &body[i + 1..])),
            '\\' => {
                let (_, e) = chars.next()?;
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'e' => out.push('\u{1b}'),
                    's' => out.push(' '),
                    'a' => out.push('\u{7}'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'v' => out.push('\u{b}'),
                    '0' => out.push('\0'),
                    'x' => {
                        let mut n = 0u32;
                        for _ in 0..2 {
                            match chars.peek().and_then(|(_, h)| h.to_digit(16)) {
                                Some(d) => {
                                    n = n * 16 + d;
                                    chars.next();
                                }
                                None => break,
                            }
                        }
                        // A raw byte of some other encoding: keep it visible rather than guess.
                        out.push(
                            char::from_u32(n)
                                .filter(char::is_ascii)
                                .unwrap_or(char::REPLACEMENT_CHARACTER),
                        );
                    }
                    'u' => {
                        if chars.peek().is_some_and(|(_, c)| *c == '{') {
                            chars.next();
                            loop {
                                let mut n = 0u32;
                                let mut digits = 0;
                                while let Some(d) = chars.peek().and_then(|(_, h)| h.to_digit(16)) {
                                    chars.next();
                                    digits += 1;
                                    if digits > 6 {
                                        return None;
                                    }
                                    n = n * 16 + d;
                                }
                                match chars.next()? {
                                    (_, ' ') if digits > 0 => out.push(char::from_u32(n)?),
                                    (_, '}') if digits > 0 => {
                                        out.push(char::from_u32(n)?);
                                        break;
                                    }
                                    _ => return None,
                                }
                            }
                        } else {
                            let mut n = 0u32;
                            for _ in 0..4 {
                                n = n * 16 + chars.next()?.1.to_digit(16)?;
                            }
                            out.push(char::from_u32(n).unwrap_or(char::REPLACEMENT_CHARACTER));
                        }
                    }
                    other => out.push(other),
                }
            }
            c => out.push(c),
        }
    }
    None
}

/// `["MIT".freeze, "Ruby".freeze]`.
fn string_array(s: &str) -> Option<Vec<String>> {
    let mut rest = s.trim_start().strip_prefix('[')?.trim_start();
    let mut out = Vec::new();
    loop {
        if rest.starts_with(']') {
            return Some(out);
        }
        let (value, after) = string_literal(rest)?;
        out.push(value);
        rest = after.trim_start();
        if let Some(after) = rest.strip_prefix(',') {
            rest = after.trim_start();
        } else if !rest.starts_with(']') {
            return None;
        }
    }
}

/// `"x86_64-linux".freeze` or `Gem::Platform.new(["x86_64", "linux", nil])` (→ the non-nil
/// parts joined with `-`, which is `Gem::Platform#to_s`).
fn platform_literal(s: &str) -> Option<String> {
    if let Some(inner) = s.strip_prefix("Gem::Platform.new(") {
        let mut parts = Vec::new();
        let mut rest = inner.trim_start().strip_prefix('[')?.trim_start();
        loop {
            if rest.starts_with(']') {
                break;
            }
            if let Some(after) = rest.strip_prefix("nil") {
                rest = after.trim_start();
            } else {
                let (value, after) = string_literal(rest)?;
                parts.push(value);
                rest = after.trim_start();
            }
            if let Some(after) = rest.strip_prefix(',') {
                rest = after.trim_start();
            } else if !rest.starts_with(']') {
                return None;
            }
        }
        return Some(parts.join("-"));
    }
    string_literal(s).map(|(v, _)| v)
}

/// The `specs:` entries of a `Gemfile.lock`.
fn gemfile_lock(text: &str) -> Result<Vec<Package>, ParseError> {
    const SOURCES: [&str; 4] = ["GEM", "GIT", "PATH", "PLUGIN SOURCE"];
    let mut out = Vec::new();
    let mut in_source = false;
    let mut in_specs = false;
    let mut saw_section = false;
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            saw_section = true;
            in_source = SOURCES.contains(&line.trim_end());
            in_specs = false;
            continue;
        }
        if !in_source {
            continue;
        }
        let indent = line.len() - line.trim_start_matches(' ').len();
        if indent == 2 {
            in_specs = line.trim() == "specs:";
            continue;
        }
        if !in_specs || indent != 4 {
            continue;
        }
        let entry = line.trim();
        let Some((name, rest)) = entry.split_once(" (") else {
            return Err(format!("`{entry}`: expected `name (version)`"));
        };
        let Some(version) = rest.strip_suffix(')') else {
            return Err(format!("`{entry}`: expected `name (version)`"));
        };
        let (version, platform) = match version.split_once('-') {
            Some((v, p)) => (v, Some(p)),
            None => (version, None),
        };
        if name.is_empty() || version.is_empty() {
            return Err(format!("`{entry}`: expected `name (version)`"));
        }
        out.push(gem(name, version, platform)?);
    }
    if !saw_section {
        return Err("no sections: not a Gemfile.lock".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RACK: &str = r#"# -*- encoding: utf-8 -*-
# stub: rack 2.2.22 ruby lib

Gem::Specification.new do |s|
  s.name = "rack".freeze
  s.version = "2.2.22"

  s.required_rubygems_version = Gem::Requirement.new(">= 0".freeze) if s.respond_to? :required_rubygems_version=
  s.metadata = { "bug_tracker_uri" => "https://github.com/rack/rack/issues" } if s.respond_to? :metadata=
  s.description = "Rack provides\n  s.name = \"evil\"\n".freeze
  s.licenses = ["MIT".freeze, "Ruby".freeze]
  s.rubygems_version = "3.3.15".freeze
end
"#;

    #[test]
    fn generated_gemspec() {
        let p = gemspec(RACK).unwrap();
        assert_eq!(
            (p.name.as_str(), p.version.as_str(), p.purl.as_str()),
            ("rack", "2.2.22", "pkg:gem/rack@2.2.22")
        );
        assert_eq!(p.licenses, ["MIT", "Ruby"]);
    }

    #[test]
    fn platforms_and_old_forms() {
        let spec = "s.name = %q{nokogiri}\ns.version = \"1.16.0\"\ns.platform = \"x86_64-linux\".freeze\ns.license = 'MIT'\n";
        let p = gemspec(spec).unwrap();
        assert_eq!(p.purl, "pkg:gem/nokogiri@1.16.0?platform=x86_64-linux");
        assert_eq!(p.licenses, ["MIT"]);
        let spec = "s.name = \"ffi\"\ns.version = \"1.15.5\"\ns.platform = Gem::Platform.new([\"x86_64\", \"linux\", nil])\n";
        assert_eq!(
            gemspec(spec).unwrap().purl,
            "pkg:gem/ffi@1.15.5?platform=x86_64-linux"
        );
        let spec = "s.name = \"x\"\ns.version = \"1\"\ns.platform = \"ruby\"\n";
        assert_eq!(gemspec(spec).unwrap().purl, "pkg:gem/x@1");
    }

    #[test]
    fn string_escapes() {
        assert_eq!(
            string_literal(r#""a\"b\\c\#{d}\u00e9\u{1F600 41}".freeze rest"#).unwrap(),
            ("a\"b\\c#{d}é😀A".to_owned(), " rest")
        );
        assert_eq!(string_literal("%q<a>b>").unwrap().0, "a");
        assert_eq!(string_literal(r"'it\'s'").unwrap().0, "it's");
        assert!(string_literal(r#""unterminated"#).is_none());
        assert!(string_literal(r#""bad \u{110000}""#).is_none());
        assert!(string_literal(r#""bad \u{1234567}""#).is_none());
        assert!(string_literal(r#""bad \uZZ""#).is_none());
        assert!(string_literal("\"trailing \\").is_none());
        assert!(string_literal("Foo::VERSION").is_none());
        assert_eq!(string_array(r#"["a".freeze, 'b']"#).unwrap(), ["a", "b"]);
        assert!(string_array(r#"["a" "b"]"#).is_none());
        assert!(string_array(r#"["a","#).is_none());
    }

    #[test]
    fn hostile_gemspecs_are_errors() {
        assert!(gemspec("").is_err());
        assert!(gemspec("s.name = \"x\"\n").is_err());
        assert!(gemspec("s.name = \"x\"\ns.version = Foo::VERSION\n").is_err());
        assert!(gemspec("s.name = \"\"\ns.version = \"1\"\n").is_err());
        assert!(
            gemspec("s.name = \"x\"\ns.version = \"1\"\ns.platform = Gem::Platform.new([\"x\"\n")
                .is_err()
        );
        assert!(
            gemspec("s.name = \"x y/z\"\ns.version = \"1\"\n")
                .is_ok_and(|p| p.purl.starts_with("pkg:gem/"))
        );
        // Huge: a long single line and many lines are linear work and an error, not a hang.
        let huge = format!("s.name = \"{}\n", "a".repeat(8 << 20));
        assert!(gemspec(&huge).is_err());
        let many = "s.x = 1\n".repeat(1 << 20);
        assert!(gemspec(&many).is_err());
        assert!(gemspec(&"\"\\u{".repeat(100_000)).is_err());
        // Bad licences are dropped, not fatal.
        assert!(
            gemspec("s.name = \"x\"\ns.version = \"1\"\ns.licenses = [\"MIT\", Foo]\n")
                .unwrap()
                .licenses
                .is_empty()
        );
    }

    #[test]
    fn lockfile_specs() {
        let lock = "GIT\n  remote: https://github.com/x/y.git\n  revision: abc\n  specs:\n    y (0.1.0)\n\nGEM\n  remote: https://rubygems.org/\n  specs:\n    nokogiri (1.16.0-x86_64-linux)\n      racc (~> 1.4)\n    racc (1.7.3)\n\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  nokogiri\n\nBUNDLED WITH\n   2.3.15\n";
        let purls: Vec<_> = gemfile_lock(lock)
            .unwrap()
            .into_iter()
            .map(|p| p.purl)
            .collect();
        assert_eq!(
            purls,
            [
                "pkg:gem/y@0.1.0",
                "pkg:gem/nokogiri@1.16.0?platform=x86_64-linux",
                "pkg:gem/racc@1.7.3"
            ]
        );
    }

    #[test]
    fn hostile_lockfiles() {
        assert!(gemfile_lock("").is_err());
        assert!(gemfile_lock("    x (1)\n").is_err());
        assert!(gemfile_lock("GEM\n  specs:\n    x\n").is_err());
        assert!(gemfile_lock("GEM\n  specs:\n    x (1\n").is_err());
        assert!(gemfile_lock("GEM\n  specs:\n    (1)\n").is_err());
        assert!(
            gemfile_lock("GEM\n  specs:\n     x (1)\n")
                .unwrap()
                .is_empty()
        );
        assert!(gemfile_lock("GEM\n  specs:\n    x (-linux)\n").is_err());
        assert!(
            gemfile_lock("DEPENDENCIES\n    x (1)\n")
                .unwrap()
                .is_empty()
        );
        assert!(
            gemfile_lock(&"GEM\n  specs:\n".repeat(100_000))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn selection() {
        for yes in [
            "usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec",
            "specifications/default/json-2.6.1.gemspec",
            "srv/app/Gemfile.lock",
            "Gemfile.lock",
        ] {
            assert!(selects(yes), "{yes}");
        }
        for no in [
            "srv/app/x.gemspec",
            "specifications/.gemspec",
            "default/json.gemspec",
            "srv/Gemfile",
        ] {
            assert!(!selects(no), "{no}");
        }
    }
}
