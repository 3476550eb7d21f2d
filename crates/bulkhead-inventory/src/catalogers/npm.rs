//! npm: lockfiles (`package-lock.json`, `npm-shrinkwrap.json`) and installed packages
//! (`node_modules/**/package.json`). Also the npm name rules and purl helper that the yarn and
//! pnpm catalogers share.
//!
//! Lockfiles: lockfileVersion 2 and 3 are read from the flat `packages` map, keyed by install
//! path (`node_modules/a`, `node_modules/a/node_modules/@s/b`, and
//! `packages/w/node_modules/c` for a workspace's own copies); version 1 (npm 5 and 6) from the
//! nested `dependencies` tree, whose depth is bounded. Version 2 carries both; `packages` wins
//! because it is the one npm 7+ reads. Skipped without error: the root project (key `""`),
//! workspace folders (keys without `node_modules/`, the project's own code), `link: true`
//! entries (symlinks to those folders), v1 `file:` versions, and entries without a version.
//! Lockfiles inside `node_modules` are skipped: they are a dependency author's development
//! tree, not what was installed (npm honours a dependency's `npm-shrinkwrap.json` by
//! installing it into nested `node_modules`, which [`NodeModules`] sees). So is npm's hidden
//! `node_modules/.package-lock.json`: it repeats what `node_modules` holds.
//!
//! `dev: true` marks a package dev-only. `devOptional: true` does not: npm sets it when a
//! package is a dev dependency *and* an optional dependency of a production package, and
//! `npm install --omit=dev` installs it (`npm ls --omit=dev` lists it; see the `npm-v3` test
//! fixture, where `graceful-fs` is both).
//!
//! Installed packages: only a `package.json` directly inside `node_modules/<name>/` or
//! `node_modules/@scope/<name>/` (including pnpm's `node_modules/.pnpm/<id>/node_modules/<name>/`
//! store), never one deeper inside a package (test fixtures, examples, templates). The name
//! comes from the manifest (an npm alias installs `bar` under `node_modules/foo`), falling back
//! to the directory; the licence from `license` (a string, or the legacy `{type}` object) or
//! the legacy `licenses` array. Installed manifests do not say whether a package is dev-only.

use bulkhead_fsview::Metadata;
use serde_json::{Map, Value};

use super::{Cataloger, Context, ParseError, file_name};
use crate::{Ecosystem, Options, Package};

/// npm refuses to publish longer names (validate-npm-package-name), so a longer one is not a
/// registry package.
const MAX_NAME_LEN: usize = 214;

/// node-semver refuses longer versions; we allow more because v1 lockfiles and yarn record
/// git URLs as versions, but a bound keeps hostile input from producing megabyte purls.
const MAX_VERSION_LEN: usize = 1024;

/// Deepest v1 `dependencies` nesting we follow. npm 5/6 hoist, so real trees stay shallow;
/// serde_json's own limit (128 levels, two per nesting step) would stop near 64 anyway.
const MAX_V1_DEPTH: usize = 50;

#[derive(Debug)]
pub(crate) struct NpmLock;

impl Cataloger for NpmLock {
    fn name(&self) -> &'static str {
        "npm-npmlock"
    }

    fn wants(&self, path: &str, meta: &Metadata, _options: &Options) -> bool {
        meta.is_file()
            && matches!(file_name(path), "package-lock.json" | "npm-shrinkwrap.json")
            && !in_node_modules(path)
    }

    fn parse(
        &self,
        _path: &str,
        content: &[u8],
        ctx: &Context<'_>,
    ) -> Result<Vec<Package>, ParseError> {
        check_size(content, ctx)?;
        let doc: Value =
            serde_json::from_slice(content).map_err(|e| format!("not valid JSON: {e}"))?;
        let Value::Object(doc) = doc else {
            return Err("expected a JSON object at the top level".to_owned());
        };
        match (doc.get("packages"), doc.get("dependencies")) {
            (Some(Value::Object(packages)), _) => from_packages(packages),
            (Some(_), _) => Err("`packages` is not an object".to_owned()),
            (None, Some(Value::Object(dependencies))) => from_dependencies(dependencies),
            (None, Some(_)) => Err("`dependencies` is not an object".to_owned()),
            // A project without dependencies has neither.
            (None, None) => Ok(Vec::new()),
        }
    }
}

/// lockfileVersion 2 and 3: the flat `packages` map.
fn from_packages(packages: &Map<String, Value>) -> Result<Vec<Package>, ParseError> {
    let mut found = Vec::new();
    for (key, entry) in packages {
        // The package's name as installed is what follows the last `node_modules/` segment;
        // keys without one are the root project and workspace folders.
        let Some(installed_as) = installed_name(key) else {
            continue;
        };
        let Value::Object(entry) = entry else {
            return Err(format!("entry `{}` is not an object", shown(key)));
        };
        if entry.get("link").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        let Some(version) = string_field(entry, "version", key)? else {
            continue;
        };
        // An alias (`"foo": "npm:bar@1"`) is installed as `foo` but records `name: bar`.
        let name = string_field(entry, "name", key)?.unwrap_or(installed_as);
        let mut package = npm_package(name, version)?;
        // `devOptional` deliberately does not count: see the module doc.
        package.dev = entry.get("dev").and_then(Value::as_bool) == Some(true);
        package.licenses = licenses(entry);
        found.push(package);
    }
    Ok(found)
}

/// lockfileVersion 1: the nested `dependencies` tree, walked with an explicit stack.
fn from_dependencies(root: &Map<String, Value>) -> Result<Vec<Package>, ParseError> {
    let mut found = Vec::new();
    let mut stack = vec![(root, 1_usize)];
    while let Some((dependencies, depth)) = stack.pop() {
        if depth > MAX_V1_DEPTH {
            return Err(format!(
                "`dependencies` nested deeper than {MAX_V1_DEPTH} levels"
            ));
        }
        for (key, entry) in dependencies {
            let Value::Object(entry) = entry else {
                return Err(format!("dependency `{}` is not an object", shown(key)));
            };
            if let Some(Value::Object(nested)) = entry.get("dependencies") {
                stack.push((nested, depth + 1));
            }
            let Some(version) = string_field(entry, "version", key)? else {
                continue;
            };
            // Local folders (`file:../x`) are the project's own code, not a package.
            if version.starts_with("file:") {
                continue;
            }
            // An alias records `"foo": {"version": "npm:bar@1.0.0"}`.
            let (name, version) = match version.strip_prefix("npm:").and_then(split_spec) {
                Some((real, real_version)) => (real, real_version),
                None => (key.as_str(), version),
            };
            let mut package = npm_package(name, version)?;
            package.dev = entry.get("dev").and_then(Value::as_bool) == Some(true);
            found.push(package);
        }
    }
    Ok(found)
}

#[derive(Debug)]
pub(crate) struct NodeModules;

impl Cataloger for NodeModules {
    fn name(&self) -> &'static str {
        "npm-nodemodules"
    }

    fn wants(&self, path: &str, meta: &Metadata, _options: &Options) -> bool {
        meta.is_file() && installed_manifest_dir(path).is_some()
    }

    fn parse(
        &self,
        path: &str,
        content: &[u8],
        ctx: &Context<'_>,
    ) -> Result<Vec<Package>, ParseError> {
        check_size(content, ctx)?;
        let doc: Value =
            serde_json::from_slice(content).map_err(|e| format!("not valid JSON: {e}"))?;
        let Value::Object(doc) = doc else {
            return Err("expected a JSON object at the top level".to_owned());
        };
        let Some(version) = string_field(&doc, "version", "package.json")? else {
            return Ok(Vec::new());
        };
        let name = match string_field(&doc, "name", "package.json")? {
            Some(name) => name,
            // npm itself names a manifest without `name` after its directory.
            None => installed_manifest_dir(path)
                .ok_or_else(|| "not inside `node_modules`".to_owned())?,
        };
        let mut package = npm_package(name, version)?;
        package.licenses = licenses(&doc);
        Ok(vec![package])
    }
}

/// For `…/node_modules/<name>/package.json` or `…/node_modules/@scope/<name>/package.json`,
/// the installed name (`<name>` or `@scope/<name>`); `None` for any other path.
fn installed_manifest_dir(path: &str) -> Option<&str> {
    let dir = path.strip_suffix("/package.json")?;
    let (parent, name) = dir.rsplit_once('/')?;
    if !is_directory_name(name) || name.starts_with('@') {
        return None;
    }
    if parent == "node_modules" || parent.ends_with("/node_modules") {
        return Some(name);
    }
    let (grandparent, scope) = parent.rsplit_once('/')?;
    let scoped = scope.len() > 1 && scope.starts_with('@') && is_directory_name(&scope[1..]);
    let in_node_modules = grandparent == "node_modules" || grandparent.ends_with("/node_modules");
    (scoped && in_node_modules).then(|| &dir[dir.len() - scope.len() - 1 - name.len()..])
}

/// Directory names npm could have created for a package: not hidden (`.bin`, `.cache`,
/// `.pnpm` hold tooling, not packages), not empty.
fn is_directory_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.')
}

/// Whether `path` lies inside some `node_modules` directory.
pub(super) fn in_node_modules(path: &str) -> bool {
    path.split('/').any(|segment| segment == "node_modules")
}

/// The name after the last `node_modules/` segment of a v2/v3 `packages` key.
fn installed_name(key: &str) -> Option<&str> {
    let start = key.rfind("node_modules/")?;
    if start > 0 && !key[..start].ends_with('/') {
        return None;
    }
    Some(&key[start + "node_modules/".len()..])
}

/// Splits `name@version` (the name may be scoped, `@scope/name@version`) at the version's `@`.
pub(super) fn split_spec(spec: &str) -> Option<(&str, &str)> {
    let at = spec.get(1..)?.find('@')? + 1;
    Some((&spec[..at], &spec[at + 1..]))
}

/// An npm package from its full name (`name` or `@scope/name`): checks the name and version
/// against npm's rules first, so a hostile lockfile cannot produce an identifier npm could
/// never have installed.
pub(super) fn npm_package(name: &str, version: &str) -> Result<Package, ParseError> {
    let invalid = |why: &str| {
        Err(format!(
            "package `{}@{}`: {why}",
            shown(name),
            shown(version)
        ))
    };
    if name.len() > MAX_NAME_LEN {
        return invalid(&format!("name longer than {MAX_NAME_LEN} bytes"));
    }
    if version.is_empty() || version.len() > MAX_VERSION_LEN {
        return invalid(&format!(
            "version empty or longer than {MAX_VERSION_LEN} bytes"
        ));
    }
    if name
        .chars()
        .chain(version.chars())
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return invalid("whitespace or control characters");
    }
    let (scope, bare) = match name.split_once('/') {
        Some((scope, bare)) if scope.len() > 1 && scope.starts_with('@') => (Some(scope), bare),
        Some(_) => return invalid("only `@scope/name` may contain `/`"),
        None => (None, name),
    };
    if bare.is_empty() || bare.contains('/') || bare.starts_with('@') {
        return invalid("not a valid npm package name");
    }
    super::package(Ecosystem::Npm, scope, bare, version, &[])
}

/// The licences a manifest (or v3 lockfile entry) declares: `license` as a string or the
/// legacy `{ "type": … }` object, or the legacy `licenses` array of either.
fn licenses(manifest: &Map<String, Value>) -> Vec<String> {
    fn one(value: &Value) -> Option<&str> {
        match value {
            Value::String(s) => Some(s),
            Value::Object(o) => o.get("type").and_then(Value::as_str),
            _ => None,
        }
    }
    let mut found: Vec<String> = Vec::new();
    let declared = [manifest.get("license"), manifest.get("licenses")];
    for value in declared.into_iter().flatten() {
        let items = match value {
            Value::Array(items) => items.iter().collect(),
            single => vec![single],
        };
        for license in items.into_iter().filter_map(one).map(str::trim) {
            if !license.is_empty() && !found.iter().any(|l| l == license) {
                found.push(license.to_owned());
            }
        }
    }
    found
}

/// A string field: `Ok(None)` if absent or empty (skipped without error), `Err` if it has
/// another type, which npm never writes.
fn string_field<'a>(
    object: &'a Map<String, Value>,
    field: &str,
    owner: &str,
) -> Result<Option<&'a str>, ParseError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str()).filter(|s| !s.is_empty())),
        Some(_) => Err(format!("`{field}` of `{}` is not a string", shown(owner))),
    }
}

/// Refuses files above the configured size (the walk reads up to the larger binary limit).
pub(super) fn check_size(content: &[u8], ctx: &Context<'_>) -> Result<(), ParseError> {
    let limit = ctx.options.max_file_size;
    if content.len() as u64 > limit {
        return Err(format!(
            "{} bytes, more than the {limit}-byte limit",
            content.len()
        ));
    }
    Ok(())
}

/// Input quoted in an error message, cut short: hostile names can be megabytes long.
pub(super) fn shown(s: &str) -> String {
    const MAX: usize = 80;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(
        cataloger: &dyn Cataloger,
        path: &str,
        content: &str,
    ) -> Result<Vec<Package>, ParseError> {
        let options = Options::default();
        cataloger.parse(
            path,
            content.as_bytes(),
            &Context {
                os: None,
                options: &options,
            },
        )
    }

    fn file() -> Metadata {
        Metadata {
            kind: bulkhead_fsview::FileKind::File,
            size: 10,
            mode: 0o644,
            uid: 0,
            gid: 0,
            mtime: 0,
        }
    }

    #[test]
    fn selects_lockfiles_outside_node_modules() {
        let options = Options::default();
        for (path, wanted) in [
            ("srv/api/package-lock.json", true),
            ("package-lock.json", true),
            ("app/npm-shrinkwrap.json", true),
            ("srv/api/node_modules/.package-lock.json", false),
            ("srv/api/node_modules/foo/package-lock.json", false),
            ("srv/api/node_modules/foo/npm-shrinkwrap.json", false),
            ("srv/api/my-package-lock.json", false),
        ] {
            assert_eq!(NpmLock.wants(path, &file(), &options), wanted, "{path}");
        }
        let dir = Metadata {
            kind: bulkhead_fsview::FileKind::Dir,
            ..file()
        };
        assert!(!NpmLock.wants("package-lock.json", &dir, &options));
    }

    #[test]
    fn selects_installed_manifests_only() {
        let options = Options::default();
        for (path, wanted) in [
            ("srv/api/node_modules/express/package.json", true),
            ("node_modules/express/package.json", true),
            ("srv/api/node_modules/@babel/core/package.json", true),
            ("a/node_modules/b/node_modules/@s/c/package.json", true),
            (
                "a/node_modules/.pnpm/ms@2.1.3/node_modules/ms/package.json",
                true,
            ),
            ("srv/api/package.json", false),
            ("srv/api/node_modules/express/lib/package.json", false),
            (
                "srv/api/node_modules/foo/test/fixtures/bar/package.json",
                false,
            ),
            ("srv/api/node_modules/@babel/package.json", false),
            ("srv/api/node_modules/@/x/package.json", false),
            ("srv/api/node_modules/.bin/package.json", false),
            ("srv/api/node_modules/@s/.hidden/package.json", false),
            ("srv/api/node_modules/express/package.json.bak", false),
            ("xnode_modules/express/package.json", false),
        ] {
            assert_eq!(NodeModules.wants(path, &file(), &options), wanted, "{path}");
        }
    }

    #[test]
    fn v3_entries() {
        let lock = r#"{
          "lockfileVersion": 3,
          "packages": {
            "": {"name": "app", "version": "1.0.0"},
            "node_modules/@scope/a": {"version": "1.2.3", "license": "MIT"},
            "node_modules/@scope/a/node_modules/b": {"version": "2.0.0", "dev": true},
            "node_modules/c": {"version": "3.0.0", "devOptional": true},
            "node_modules/alias": {"name": "real", "version": "4.0.0"},
            "node_modules/ws": {"resolved": "packages/ws", "link": true},
            "node_modules/noversion": {},
            "packages/ws": {"name": "ws", "version": "0.1.0"},
            "packages/ws/node_modules/d": {"version": "5.0.0"}
          }
        }"#;
        let mut found = parse(&NpmLock, "package-lock.json", lock).unwrap();
        found.sort();
        let got: Vec<(&str, &str, &str, bool)> = found
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.purl.as_str(), p.dev))
            .collect();
        assert_eq!(
            got,
            [
                ("@scope/a", "1.2.3", "pkg:npm/%40scope/a@1.2.3", false),
                ("b", "2.0.0", "pkg:npm/b@2.0.0", true),
                ("c", "3.0.0", "pkg:npm/c@3.0.0", false),
                ("d", "5.0.0", "pkg:npm/d@5.0.0", false),
                ("real", "4.0.0", "pkg:npm/real@4.0.0", false),
            ]
        );
        assert_eq!(found[0].licenses, ["MIT"]);
    }

    #[test]
    fn v1_tree() {
        let lock = r#"{
          "lockfileVersion": 1,
          "dependencies": {
            "a": {"version": "1.0.0", "dependencies": {"b": {"version": "2.0.0", "dev": true}}},
            "alias": {"version": "npm:@s/real@3.0.0"},
            "local": {"version": "file:../local"},
            "none": {}
          }
        }"#;
        let mut found = parse(&NpmLock, "package-lock.json", lock).unwrap();
        found.sort();
        let got: Vec<(&str, &str, bool)> = found
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.dev))
            .collect();
        assert_eq!(
            got,
            [
                ("@s/real", "3.0.0", false),
                ("a", "1.0.0", false),
                ("b", "2.0.0", true)
            ]
        );
    }

    #[test]
    fn manifest_licence_forms() {
        for (manifest, expected) in [
            (
                r#"{"name":"a","version":"1.0.0","license":"MIT"}"#,
                vec!["MIT"],
            ),
            (
                r#"{"name":"a","version":"1.0.0","license":{"type":"BSD","url":"x"}}"#,
                vec!["BSD"],
            ),
            (
                r#"{"name":"a","version":"1.0.0","licenses":[{"type":"MIT"},{"type":"Apache-2.0"}]}"#,
                vec!["MIT", "Apache-2.0"],
            ),
            (
                r#"{"name":"a","version":"1.0.0","licenses":["ISC", 7, null]}"#,
                vec!["ISC"],
            ),
            (r#"{"name":"a","version":"1.0.0","license":42}"#, vec![]),
        ] {
            let found = parse(&NodeModules, "node_modules/a/package.json", manifest).unwrap();
            assert_eq!(found[0].licenses, expected, "{manifest}");
        }
    }

    #[test]
    fn manifest_names() {
        let found = parse(
            &NodeModules,
            "x/node_modules/@s/dir/package.json",
            r#"{"version":"1.0.0"}"#,
        )
        .unwrap();
        assert_eq!(found[0].name, "@s/dir");
        assert_eq!(found[0].purl, "pkg:npm/%40s/dir@1.0.0");
        let found = parse(
            &NodeModules,
            "x/node_modules/foo/package.json",
            r#"{"name":"bar","version":"1.0.0"}"#,
        )
        .unwrap();
        assert_eq!(found[0].name, "bar");
        assert!(
            parse(
                &NodeModules,
                "node_modules/a/package.json",
                r#"{"name":"a"}"#
            )
            .unwrap()
            .is_empty()
        );
    }

    #[test]
    fn hostile_input_is_an_error_not_a_panic() {
        let deep_v1 = format!(
            r#"{{"dependencies": {}"x": {{"version": "1.0.0"}}{}}}"#,
            r#"{"a": {"version": "1.0.0", "dependencies": "#.repeat(60),
            "}}".repeat(60)
        );
        let deeper = format!(
            r#"{{"dependencies": {}{}}}"#,
            r#"{"a": {"dependencies": "#.repeat(5000),
            "}}".repeat(5000)
        );
        let huge_name = format!(
            r#"{{"packages": {{"node_modules/{}": {{"version": "1.0.0"}}}}}}"#,
            "a".repeat(1 << 20)
        );
        for broken in [
            "",
            "not json",
            "[]",
            "{\"packages\": [1, 2]}",
            "{\"packages\": {\"node_modules/a\": 7}}",
            "{\"packages\": {\"node_modules/a\": {\"version\": 7}}}",
            "{\"packages\": {\"node_modules/a\": {\"version\": \"1.0.0\", \"name\": []}}}",
            "{\"packages\": {\"node_modules/a b\": {\"version\": \"1.0.0\"}}}",
            "{\"packages\": {\"node_modules/a/b\": {\"version\": \"1.0.0\"}}}",
            "{\"packages\": {\"node_modules/@s/\": {\"version\": \"1.0.0\"}}}",
            "{\"dependencies\": \"x\"}",
            "{\"dependencies\": {\"a\": []}}",
            "{\"packages\": {\"node_modules/a\": {\"version\": \"1.0.0\u{0}\"}}}",
            &deep_v1,
            &deeper,
            &huge_name,
        ] {
            let result = parse(&NpmLock, "package-lock.json", broken);
            assert!(result.is_err(), "{} gave {result:?}", shown(broken));
            assert!(result.unwrap_err().len() < 400);
        }
        for broken in [
            "",
            "{",
            "[]",
            "{\"version\": {}}",
            "{\"version\": \"1\", \"name\": \"a/b/c\"}",
        ] {
            assert!(
                parse(&NodeModules, "node_modules/a/package.json", broken).is_err(),
                "{broken}"
            );
        }
    }

    #[test]
    fn size_limit() {
        let options = Options {
            max_file_size: 4,
            ..Options::default()
        };
        let context = Context {
            os: None,
            options: &options,
        };
        assert!(
            NpmLock
                .parse("package-lock.json", b"{\"a\": 1}", &context)
                .is_err()
        );
    }

    #[test]
    fn empty_lockfiles() {
        assert!(
            parse(&NpmLock, "package-lock.json", r#"{"lockfileVersion": 1}"#)
                .unwrap()
                .is_empty()
        );
        assert!(
            parse(
                &NpmLock,
                "package-lock.json",
                r#"{"packages": {"": {"name": "x"}}}"#
            )
            .unwrap()
            .is_empty()
        );
    }

    #[test]
    fn names_and_specs() {
        assert_eq!(split_spec("@s/a@1.0.0"), Some(("@s/a", "1.0.0")));
        assert_eq!(split_spec("a@npm:b@1"), Some(("a", "npm:b@1")));
        assert_eq!(split_spec("@s/a"), None);
        assert_eq!(split_spec(""), None);
        assert_eq!(
            installed_name("node_modules/a/node_modules/@s/b"),
            Some("@s/b")
        );
        assert_eq!(installed_name("packages/w/node_modules/c"), Some("c"));
        assert_eq!(installed_name("packages/wnode_modules/c"), None);
        assert_eq!(installed_name(""), None);
        assert_eq!(shown(&"é".repeat(100)).chars().count(), 81);
    }
}
