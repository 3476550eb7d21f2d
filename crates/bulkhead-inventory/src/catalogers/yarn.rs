//! yarn: `yarn.lock`, in both of its unrelated formats.
//!
//! Classic (yarn 1, `# yarn lockfile v1`): a YAML-like text that is not YAML, so it is read
//! line by line here: an unindented line lists the specifiers an entry satisfies
//! (`"@s/a@^1.0.0", "@s/a@^1.1.0":`), and its two-space-indented `version "1.2.3"` line the
//! version chosen. The name comes from the first specifier; an alias (`foo@npm:bar@^1`) names
//! `bar`. Workspaces never appear in a classic lockfile.
//!
//! Berry (yarn 2+, a real YAML document with a `__metadata` entry): each entry's `resolution`
//! (`name@npm:1.2.3`, `name@patch:…`, `name@https://…`) names the package and `version` gives
//! its version. A builtin `patch:` entry (yarn patches `resolve`, `typescript`, `fsevents`)
//! repeats its `npm:` entry and merges with it.
//!
//! Skipped in both, without error: workspaces (`@workspace:`, berry's `linkType: soft`) and
//! local links and folders (`link:`, `portal:`, `file:`): the project's own code, not
//! registry packages. Lockfiles inside `node_modules` are skipped too (a dependency author's
//! lockfile, not what was installed). Neither format says which packages are dev-only, so
//! `dev` stays false.

use bulkhead_fsview::Metadata;
use serde_yaml_ng::Value;

use super::npm::{check_size, in_node_modules, npm_package, shown, split_spec};
use super::{Cataloger, Context, ParseError, file_name};
use crate::{Options, Package};

#[derive(Debug)]
pub(crate) struct YarnLock;

impl Cataloger for YarnLock {
    fn name(&self) -> &'static str {
        "yarn-yarnlock"
    }

    fn wants(&self, path: &str, meta: &Metadata, _options: &Options) -> bool {
        meta.is_file() && file_name(path) == "yarn.lock" && !in_node_modules(path)
    }

    fn parse(
        &self,
        _path: &str,
        content: &[u8],
        ctx: &Context<'_>,
    ) -> Result<Vec<Package>, ParseError> {
        check_size(content, ctx)?;
        let text = std::str::from_utf8(content).map_err(|e| format!("not UTF-8: {e}"))?;
        if text.lines().any(|line| line.starts_with("__metadata:")) {
            berry(content)
        } else {
            classic(text)
        }
    }
}

/// Protocols of local code (workspaces, links, folders), which are not registry packages.
fn is_local(range: &str) -> bool {
    ["workspace:", "link:", "portal:", "file:"]
        .iter()
        .any(|p| range.starts_with(p))
}

/// yarn 1 `yarn.lock`.
fn classic(text: &str) -> Result<Vec<Package>, ParseError> {
    let mut found = Vec::new();
    let mut in_entry = false;
    // The current entry's package (`None` if skipped) and its version once seen.
    let mut name: Option<String> = None;
    let mut version: Option<String> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') {
            let Some(specifiers) = line.strip_suffix(':') else {
                return Err(format!(
                    "line {number}: expected `specifier, …:`, found `{}`",
                    shown(line)
                ));
            };
            emit(&mut found, name.take(), version.take())?;
            name = classic_name(specifiers).map_err(|e| format!("line {number}: {e}"))?;
            in_entry = true;
        } else if let Some(value) = line.strip_prefix("  version ") {
            // Only the entry's own `version` (two spaces): deeper lines are its dependencies.
            if !in_entry {
                return Err(format!("line {number}: `version` outside an entry"));
            }
            version = Some(unquote(value.trim()).map_err(|e| format!("line {number}: {e}"))?);
        }
    }
    emit(&mut found, name, version)?;
    Ok(found)
}

/// Adds a finished classic entry that has both a package and a version.
fn emit(
    found: &mut Vec<Package>,
    name: Option<String>,
    version: Option<String>,
) -> Result<(), ParseError> {
    if let (Some(name), Some(version)) = (name, version) {
        found.push(npm_package(&name, &version)?);
    }
    Ok(())
}

/// The package an entry's specifier list resolves to; `None` for local code (skipped) and for
/// a specifier that is not `name@range`.
fn classic_name(specifiers: &str) -> Result<Option<String>, ParseError> {
    let first = split_specifiers(specifiers)?
        .into_iter()
        .next()
        .unwrap_or_default();
    let Some((name, range)) = split_spec(&first) else {
        return Ok(None);
    };
    if let Some(aliased) = range.strip_prefix("npm:") {
        // `foo@npm:bar@^1` installs bar; a bare `foo@npm:^1` is foo itself.
        if let Some((real, _)) = split_spec(aliased) {
            return Ok(Some(real.to_owned()));
        }
    }
    Ok((!is_local(range)).then(|| name.to_owned()))
}

/// Splits `a@1, "b@^2 || ^3"` into its specifiers, honouring quotes.
fn split_specifiers(list: &str) -> Result<Vec<String>, ParseError> {
    let mut specifiers = Vec::new();
    let mut rest = list.trim();
    while !rest.is_empty() {
        let (specifier, after) = if rest.starts_with('"') {
            let end = closing_quote(rest)
                .ok_or_else(|| format!("unterminated quote in `{}`", shown(rest)))?;
            (unquote(&rest[..=end])?, &rest[end + 1..])
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            (rest[..end].trim().to_owned(), &rest[end..])
        };
        specifiers.push(specifier);
        rest = after.trim_start();
        if let Some(after_comma) = rest.strip_prefix(',') {
            rest = after_comma.trim_start();
        } else if !rest.is_empty() {
            return Err(format!("expected `,` before `{}`", shown(rest)));
        }
    }
    Ok(specifiers)
}

/// The index of the quote that closes the string `s` starts with.
fn closing_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i),
            _ => {}
        }
    }
    None
}

/// yarn 1 writes strings with `JSON.stringify` when they need quotes.
fn unquote(value: &str) -> Result<String, ParseError> {
    if value.starts_with('"') {
        serde_json::from_str(value).map_err(|_| format!("bad quoted string `{}`", shown(value)))
    } else {
        Ok(value.to_owned())
    }
}

/// yarn 2+ `yarn.lock`.
fn berry(content: &[u8]) -> Result<Vec<Package>, ParseError> {
    let doc: Value =
        serde_yaml_ng::from_slice(content).map_err(|e| format!("not valid YAML: {e}"))?;
    let Value::Mapping(entries) = doc else {
        return Err("expected a YAML mapping at the top level".to_owned());
    };
    let mut found = Vec::new();
    for (key, entry) in entries {
        let Some(key) = key.as_str() else {
            return Err("an entry's key is not a string".to_owned());
        };
        if key == "__metadata" {
            continue;
        }
        let Value::Mapping(entry) = entry else {
            return Err(format!("entry `{}` is not a mapping", shown(key)));
        };
        if entry.get("linkType").and_then(Value::as_str) == Some("soft") {
            continue;
        }
        let resolution = match entry.get("resolution") {
            Some(Value::String(r)) => r.clone(),
            None => split_specifiers(key)?
                .into_iter()
                .next()
                .unwrap_or_default(),
            Some(_) => return Err(format!("`resolution` of `{}` is not a string", shown(key))),
        };
        let Some((name, reference)) = split_spec(&resolution) else {
            return Err(format!(
                "resolution `{}` is not `name@reference`",
                shown(&resolution)
            ));
        };
        if is_local(reference) {
            continue;
        }
        // `npm:` references carry the exact version, safe from YAML reading `1.10` as a number.
        let version = match (reference.strip_prefix("npm:"), entry.get("version")) {
            (Some(v), _) => v.to_owned(),
            (None, Some(Value::String(v))) => v.clone(),
            (None, Some(Value::Number(v))) => v.to_string(),
            (None, None | Some(Value::Null)) => continue,
            (None, Some(_)) => {
                return Err(format!("`version` of `{}` is not a string", shown(key)));
            }
        };
        found.push(npm_package(name, &version)?);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(content: &str) -> Result<Vec<(String, String)>, ParseError> {
        let options = Options::default();
        let found = YarnLock.parse(
            "yarn.lock",
            content.as_bytes(),
            &Context {
                os: None,
                options: &options,
            },
        )?;
        Ok(found.into_iter().map(|p| (p.name, p.version)).collect())
    }

    fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        expected
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn classic_entries() {
        let lock = "# yarn lockfile v1\r\n\r\n\
            \"@s/a@^1.0.0\", \"@s/a@^1.1.0\":\r\n  version \"1.2.0\"\r\n  dependencies:\r\n    b \"^2\"\r\n    version \"9\"\r\n\r\n\
            b@^2, b@2.0.0:\n  version \"2.0.0\"\n\n\
            alias@npm:real@^3:\n  version \"3.0.1\"\n\n\
            \"own@^4 || ^5\":\n  version 4.0.0\n\n\
            local@file:../local:\n  version \"0.0.1\"\n\n\
            linked@link:../linked:\n  version \"0.0.0\"\n\n\
            noversion@1:\n  resolved \"x\"\n";
        assert_eq!(
            parse(lock).unwrap(),
            pairs(&[
                ("@s/a", "1.2.0"),
                ("b", "2.0.0"),
                ("real", "3.0.1"),
                ("own", "4.0.0")
            ])
        );
    }

    #[test]
    fn berry_entries() {
        let lock = r#"
__metadata:
  version: 8
  cacheKey: 10c0

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  linkType: soft

"@s/a@npm:^1.0.0, @s/a@npm:^1.1.0":
  version: 1.2.0
  resolution: "@s/a@npm:1.2.0"
  linkType: hard

"foo@npm:bar@^2":
  version: 2.0.0
  resolution: "bar@npm:2.0.0"
  linkType: hard

"resolve@patch:resolve@npm%3A^1.22.8#optional!builtin<compat/resolve>":
  version: 1.22.8
  resolution: "resolve@patch:resolve@npm%3A1.22.8#optional!builtin<compat/resolve>::version=1.22.8&hash=c3c19d"
  linkType: hard

"git@https://github.com/o/git.git":
  version: 0.3.0
  resolution: "git@https://github.com/o/git.git#commit=abc"
  linkType: hard

"loc@link:./loc":
  version: 0.0.0-use.local
  resolution: "loc@link:./loc::locator=app%40workspace%3A."
  linkType: hard
"#;
        assert_eq!(
            parse(lock).unwrap(),
            pairs(&[
                ("@s/a", "1.2.0"),
                ("bar", "2.0.0"),
                ("resolve", "1.22.8"),
                ("git", "0.3.0")
            ])
        );
    }

    #[test]
    fn hostile_input_is_an_error_not_a_panic() {
        let huge = format!("{}@^1:\n  version \"1.0.0\"\n", "a".repeat(1 << 20));
        let bomb = "__metadata:\n  version: 8\na: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n\
            b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n\
            d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n\
            f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n\
            h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
        let deep = format!(
            "__metadata:\n  version: 8\nx: {}{}\n",
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        for broken in [
            "a@1\n  version \"1.0.0\"\n",
            "  version \"1.0.0\"\n",
            "\"a@1:\n  version \"1\"\n",
            "a@1:\n  version \"1.0.0\n",
            "\"a@1\" b:\n  version \"1\"\n",
            "a@1:\n  version \"1 0\"\n",
            &huge,
            "__metadata:\n  version: 8\n\"a@npm:1\": [1, 2]\n",
            "__metadata:\n  version: 8\n\"a@npm:1\":\n  resolution: 7\n",
            "__metadata:\n  version: 8\n\"a@npm:1\":\n  resolution: nameonly\n",
            "__metadata:\n  version: 8\n\"a@git:1\":\n  resolution: a@git:1\n  version: [1]\n",
            "__metadata: [\n",
            "__metadata:\n  version: 8\n? [1]\n: x\n",
            bomb,
            &deep,
        ] {
            let result = parse(broken);
            assert!(result.is_err(), "{} gave {result:?}", shown(broken));
            assert!(result.unwrap_err().len() < 400);
        }
        assert!(
            YarnLock
                .parse(
                    "yarn.lock",
                    &[0xff, 0xfe],
                    &Context {
                        os: None,
                        options: &Options::default()
                    }
                )
                .is_err()
        );
        // Nothing recognisable as `name@range` is skipped, not guessed at.
        assert!(parse("weird:\n  version \"1.0.0\"\n").unwrap().is_empty());
        assert!(parse("").unwrap().is_empty());
    }
}
