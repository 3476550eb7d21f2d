//! pnpm: `pnpm-lock.yaml`, lockfileVersion 5.x (pnpm 5–7), 6.x (pnpm 8) and 9.x (pnpm 9 and
//! later); later versions are read with the 9.x rules.
//!
//! Every version lists each resolved package once under `packages`, keyed by name and version
//! in a format that changed twice:
//! - 5.x: `/name/1.2.3`, `/@scope/name/1.2.3`, with peer resolutions appended after `_`
//!   (`/name/1.2.3_react@18.2.0`), sometimes behind a registry host;
//! - 6.x: `/name@1.2.3`, `/@scope/name@1.2.3`, peers in parentheses (`(react@18.2.0)`);
//! - 9.x: the same without the leading `/`, peers moved to a separate `snapshots` map.
//!
//! An entry's own `name` and `version` fields (written for git and tarball dependencies, whose
//! keys are URLs) win over the key.
//!
//! Dev-only: 5.x and 6.x write `dev: true` (dev-only), `dev: false` (production-only) or
//! nothing (both); only `true` marks a package dev. 9.x dropped the flag, so it is recomputed
//! the way pnpm did: a package is production if any importer's `dependencies` or
//! `optionalDependencies` reach it through `snapshots`, dev otherwise.
//!
//! Skipped without error: local folders and links (`file:`/`link:` keys or references,
//! `resolution: {type: directory}`), which are the project's own code, and entries without a
//! version. Lockfiles inside `node_modules` are skipped (pnpm's own copy is
//! `node_modules/.pnpm/lock.yaml`, which repeats the project lockfile).

use std::collections::HashSet;

use bulkhead_fsview::Metadata;
use serde_yaml_ng::{Mapping, Value};

use super::npm::{check_size, in_node_modules, npm_package, shown, split_spec};
use super::{Cataloger, Context, ParseError, file_name};
use crate::{Options, Package};

#[derive(Debug)]
pub(crate) struct PnpmLock;

impl Cataloger for PnpmLock {
    fn name(&self) -> &'static str {
        "pnpm-pnpmlock"
    }

    fn wants(&self, path: &str, meta: &Metadata, _options: &Options) -> bool {
        meta.is_file() && file_name(path) == "pnpm-lock.yaml" && !in_node_modules(path)
    }

    fn parse(
        &self,
        _path: &str,
        content: &[u8],
        ctx: &Context<'_>,
    ) -> Result<Vec<Package>, ParseError> {
        check_size(content, ctx)?;
        let doc: Value =
            serde_yaml_ng::from_slice(content).map_err(|e| format!("not valid YAML: {e}"))?;
        let Value::Mapping(doc) = doc else {
            return Err("expected a YAML mapping at the top level".to_owned());
        };
        let major = lockfile_major(doc.get("lockfileVersion"))?;
        let packages = match doc.get("packages") {
            Some(Value::Mapping(packages)) => packages,
            // A project without dependencies has no `packages`.
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(_) => return Err("`packages` is not a mapping".to_owned()),
        };
        let production = if major >= 9 {
            production_set(&doc)
        } else {
            None
        };
        let mut found = Vec::new();
        for (key, entry) in packages {
            let Some(key) = key.as_str() else {
                return Err("a `packages` key is not a string".to_owned());
            };
            let entry = match entry {
                Value::Mapping(entry) => Some(entry),
                Value::Null => None,
                _ => return Err(format!("package `{}` is not a mapping", shown(key))),
            };
            if is_local(key) || entry.is_some_and(is_directory) {
                continue;
            }
            let (key_name, key_version) = if major < 6 { key_v5(key) } else { key_v6(key) }.unzip();
            let name = match field(entry, "name", key)? {
                Some(name) => name,
                None => key_name
                    .ok_or_else(|| format!("cannot read a package name in `{}`", shown(key)))?,
            };
            let Some(version) = field(entry, "version", key)?.or(key_version) else {
                continue;
            };
            if is_local(&version) {
                continue;
            }
            let mut package = npm_package(&name, &version)?;
            package.dev = match &production {
                Some(production) => !production.contains(base(key)),
                None => entry.and_then(|e| e.get("dev")).and_then(Value::as_bool) == Some(true),
            };
            found.push(package);
        }
        Ok(found)
    }
}

/// The major lockfile version: `5.4` is a YAML number, `'6.0'` and `'9.0'` strings.
fn lockfile_major(version: Option<&Value>) -> Result<u64, ParseError> {
    let text = match version {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        None => return Err("no `lockfileVersion`".to_owned()),
        Some(_) => return Err("`lockfileVersion` is not a number or string".to_owned()),
    };
    let digits = text.split('.').next().unwrap_or_default();
    digits
        .parse()
        .map_err(|_| format!("`lockfileVersion` `{}` is not a version", shown(&text)))
}

/// Local code: a workspace link or a folder.
fn is_local(reference: &str) -> bool {
    reference.starts_with("link:") || reference.starts_with("file:")
}

/// `resolution: {type: directory}`: a local folder.
fn is_directory(entry: &Mapping) -> bool {
    entry
        .get("resolution")
        .and_then(|r| r.get("type"))
        .and_then(Value::as_str)
        == Some("directory")
}

/// A string field of an entry (numbers are accepted: YAML may read a version as one).
fn field(entry: Option<&Mapping>, name: &str, key: &str) -> Result<Option<String>, ParseError> {
    match entry.and_then(|e| e.get(name)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone()).filter(|s| !s.is_empty())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(format!("`{name}` of `{}` is not a string", shown(key))),
    }
}

/// 5.x keys: `/name/1.2.3_peers`, `/@scope/name/1.2.3`, possibly after a registry host.
fn key_v5(key: &str) -> Option<(String, String)> {
    let segments: Vec<&str> = key.trim_start_matches('/').split('/').collect();
    let (version, rest) = segments.split_last()?;
    let (bare, rest) = rest.split_last()?;
    let name = match rest.last() {
        Some(scope) if scope.starts_with('@') => format!("{scope}/{bare}"),
        _ => (*bare).to_owned(),
    };
    // Versions never contain `_`; pnpm appends peer resolutions after one.
    let version = version.split('_').next().unwrap_or_default();
    Some((name, version.to_owned()))
}

/// 6.x and 9.x keys: `/name@1.2.3(peers)` (6.x) or `@scope/name@1.2.3(peers)` (9.x).
fn key_v6(key: &str) -> Option<(String, String)> {
    let (name, version) = split_spec(base(key.strip_prefix('/').unwrap_or(key)))?;
    Some((name.to_owned(), version.to_owned()))
}

/// A key without its peer suffix: `a@1.0.0(b@2.0.0)` → `a@1.0.0`.
fn base(key: &str) -> &str {
    key.split('(').next().unwrap_or(key)
}

/// 9.x: the `packages` keys (`name@version`, no peers) that some importer's production
/// dependencies reach through `snapshots`; `None` without importers and snapshots to walk, so
/// an odd lockfile loses the dev marking rather than marking production packages dev.
fn production_set(doc: &Mapping) -> Option<HashSet<String>> {
    let importers = doc.get("importers")?.as_mapping()?;
    let snapshots = doc.get("snapshots")?.as_mapping()?;
    let mut queue: Vec<String> = Vec::new();
    for importer in importers.values() {
        push_dependencies(importer, &mut queue);
    }
    // Each snapshot is expanded once, so hostile cycles end.
    let mut seen: HashSet<String> = HashSet::new();
    while let Some(key) = queue.pop() {
        if seen.contains(&key) {
            continue;
        }
        if let Some(snapshot) = snapshots.get(key.as_str()) {
            push_dependencies(snapshot, &mut queue);
        }
        seen.insert(key);
    }
    Some(seen.iter().map(|key| base(key).to_owned()).collect())
}

/// Queues the snapshot keys an importer or snapshot depends on in production.
fn push_dependencies(node: &Value, queue: &mut Vec<String>) {
    for section in ["dependencies", "optionalDependencies"] {
        let Some(dependencies) = node.get(section).and_then(Value::as_mapping) else {
            continue;
        };
        for (name, reference) in dependencies {
            // Importers write `{specifier, version}`, snapshots the version alone.
            let version = reference.get("version").unwrap_or(reference);
            if let (Some(name), Some(version)) = (name.as_str(), version.as_str())
                && !is_local(version)
            {
                queue.push(snapshot_key(name, version));
            }
        }
    }
}

/// The snapshot a dependency reference points at: `ms: 2.0.0` → `ms@2.0.0`, while an alias
/// (`foo: bar@1.0.0`) already names its package.
fn snapshot_key(name: &str, version: &str) -> String {
    match split_spec(version) {
        Some((aliased, _)) if !aliased.contains([':', '(']) => version.to_owned(),
        _ => format!("{name}@{version}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(content: &str) -> Result<Vec<(String, String, bool)>, ParseError> {
        let options = Options::default();
        let found = PnpmLock.parse(
            "pnpm-lock.yaml",
            content.as_bytes(),
            &Context {
                os: None,
                options: &options,
            },
        )?;
        let mut found: Vec<_> = found
            .into_iter()
            .map(|p| (p.name, p.version, p.dev))
            .collect();
        found.sort();
        found.dedup();
        Ok(found)
    }

    fn triples(expected: &[(&str, &str, bool)]) -> Vec<(String, String, bool)> {
        expected
            .iter()
            .map(|(n, v, d)| ((*n).to_owned(), (*v).to_owned(), *d))
            .collect()
    }

    #[test]
    fn v5_keys() {
        let lock = "lockfileVersion: 5.4\npackages:\n\
            \x20 /@s/a/1.0.0:\n    dev: false\n\
            \x20 /b/2.0.0_react@18.2.0:\n    dev: true\n\
            \x20 /c/3.0.0:\n    resolution: {integrity: x}\n\
            \x20 registry.example.com/d/4.0.0:\n    dev: false\n\
            \x20 github.com/o/repo/abcdef:\n    name: e\n    version: 5.0.0\n\
            \x20 file:packages/f:\n    name: f\n    version: 1.0.0\n    resolution: {type: directory, directory: packages/f}\n";
        assert_eq!(
            parse(lock).unwrap(),
            triples(&[
                ("@s/a", "1.0.0", false),
                ("b", "2.0.0", true),
                ("c", "3.0.0", false),
                ("d", "4.0.0", false),
                ("e", "5.0.0", false)
            ])
        );
    }

    #[test]
    fn v6_keys() {
        let lock = "lockfileVersion: '6.0'\npackages:\n\
            \x20 /@s/a@1.0.0:\n    dev: false\n\
            \x20 /b@2.0.0(react@18.2.0)(@types/react@18.0.0):\n    dev: true\n\
            \x20 '@registry.example/c/-/c-3.0.0.tgz':\n    name: c\n    version: 3.0.0\n";
        assert_eq!(
            parse(lock).unwrap(),
            triples(&[
                ("@s/a", "1.0.0", false),
                ("b", "2.0.0", true),
                ("c", "3.0.0", false)
            ])
        );
    }

    #[test]
    fn v9_dev_is_recomputed() {
        let lock = "lockfileVersion: '9.0'\n\
            importers:\n  .:\n    dependencies:\n      a: {specifier: ^1, version: 1.0.0(p@1.0.0)}\n      al: {specifier: 'npm:real@^1', version: real@1.0.0}\n      w: {specifier: 'workspace:*', version: link:packages/w}\n\
            \x20   devDependencies:\n      d: {specifier: ^4, version: 4.0.0}\n\
            \x20 packages/w:\n    optionalDependencies:\n      o: {specifier: ^5, version: 5.0.0}\n\
            packages:\n  a@1.0.0: {}\n  p@1.0.0: {}\n  t@2.0.0: {}\n  real@1.0.0: {}\n  d@4.0.0: {}\n  t@3.0.0: {}\n  o@5.0.0: {}\n  cyc@1.0.0: {}\n\
            snapshots:\n  a@1.0.0(p@1.0.0):\n    dependencies:\n      t: 2.0.0\n      p: 1.0.0\n  p@1.0.0: {}\n  t@2.0.0:\n    dependencies:\n      cyc: 1.0.0\n  cyc@1.0.0:\n    dependencies:\n      t: 2.0.0\n\
            \x20 real@1.0.0: {}\n  d@4.0.0:\n    dependencies:\n      t: 3.0.0\n  t@3.0.0: {}\n  o@5.0.0: {}\n";
        assert_eq!(
            parse(lock).unwrap(),
            triples(&[
                ("a", "1.0.0", false),
                ("cyc", "1.0.0", false),
                ("d", "4.0.0", true),
                ("o", "5.0.0", false),
                ("p", "1.0.0", false),
                ("real", "1.0.0", false),
                ("t", "2.0.0", false),
                ("t", "3.0.0", true),
            ])
        );
    }

    #[test]
    fn hostile_input_is_an_error_not_a_panic() {
        let bomb = "lockfileVersion: '9.0'\na: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n\
            b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n\
            d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n\
            f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n\
            h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
        let deep = format!(
            "lockfileVersion: '9.0'\npackages: {}{}\n",
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        let huge = format!(
            "lockfileVersion: '9.0'\npackages:\n  {}@1.0.0: {{}}\n",
            "a".repeat(1 << 20)
        );
        for broken in [
            "",
            ":",
            "- a",
            "packages: {}",
            "lockfileVersion: [9]",
            "lockfileVersion: 'x.y'",
            "lockfileVersion: '9.0'\npackages: [1]",
            "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: 7",
            "lockfileVersion: '9.0'\npackages:\n  ? [a]\n  : {}",
            "lockfileVersion: '9.0'\npackages:\n  noversion: {}",
            "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {name: [x]}",
            "lockfileVersion: '6.0'\npackages:\n  /a b@1.0.0: {}",
            "lockfileVersion: 5.4\npackages:\n  /: {}",
            "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {}\n  a@1.0.0: {}",
            bomb,
            &deep,
            &huge,
        ] {
            let result = parse(broken);
            assert!(result.is_err(), "{} gave {result:?}", shown(broken));
            assert!(result.unwrap_err().len() < 400);
        }
        // Wrong types in importers or snapshots only lose the dev marking, never the packages.
        let odd = "lockfileVersion: '9.0'\nimporters: {'.': {dependencies: [1]}}\npackages:\n  a@1.0.0: {}\nsnapshots: 7\n";
        assert_eq!(parse(odd).unwrap(), triples(&[("a", "1.0.0", false)]));
        assert!(parse("lockfileVersion: '9.0'\n").unwrap().is_empty());
    }

    #[test]
    fn keys() {
        assert_eq!(
            key_v5("/@s/a/1.0.0_b@2.0.0"),
            Some(("@s/a".to_owned(), "1.0.0".to_owned()))
        );
        assert_eq!(key_v5("/a"), None);
        assert_eq!(
            key_v6("/@s/a@1.0.0(b@2.0.0)"),
            Some(("@s/a".to_owned(), "1.0.0".to_owned()))
        );
        assert_eq!(
            key_v6("a@https://codeload.github.com/o/r/tar.gz/abc"),
            Some((
                "a".to_owned(),
                "https://codeload.github.com/o/r/tar.gz/abc".to_owned()
            ))
        );
        assert_eq!(snapshot_key("a", "1.0.0(b@2.0.0)"), "a@1.0.0(b@2.0.0)");
        assert_eq!(snapshot_key("a", "@s/real@1.0.0"), "@s/real@1.0.0");
        assert_eq!(snapshot_key("a", "https://x/@s/r"), "a@https://x/@s/r");
    }
}
