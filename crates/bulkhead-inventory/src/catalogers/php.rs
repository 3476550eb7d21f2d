//! PHP packages recorded by Composer.
//!
//! - `composer.lock`: `packages` (runtime) and `packages-dev` (→ `dev`).
//! - `vendor/composer/installed.json`, what is actually installed, in both of its forms:
//!   Composer 1 wrote a bare array of packages (no dev information: everything is runtime);
//!   Composer 2 writes `{"packages": [...], "dev": bool, "dev-package-names": [...]}`, and a
//!   package named in `dev-package-names` is `dev`.
//!
//! Each entry's `name` (`vendor/project`) and `version` (kept as written, `v1.2.3` included:
//! that is how Composer and the advisory databases print it) make `pkg:composer/vendor/project@version`;
//! `license` may be a string or a list. Entries without a name or version are skipped, and
//! so is a name that is not `vendor/project` (Composer itself refuses those). The root
//! project is in neither file, so it is never reported.

use bulkhead_fsview::Metadata;
use serde::Deserialize;
use serde_json::Value;

use super::{Cataloger, Context, ParseError, file_name, package};
use crate::{Ecosystem, Options, Package};

#[derive(Debug)]
pub(crate) struct Composer;

impl Cataloger for Composer {
    fn name(&self) -> &'static str {
        "php-composer"
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
        if file_name(path) == "composer.lock" {
            composer_lock(content)
        } else {
            installed_json(content)
        }
    }
}

fn selects(path: &str) -> bool {
    file_name(path) == "composer.lock"
        || path == "vendor/composer/installed.json"
        || path.ends_with("/vendor/composer/installed.json")
}

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    packages: Vec<Value>,
    #[serde(default, rename = "packages-dev")]
    packages_dev: Vec<Value>,
}

fn composer_lock(content: &[u8]) -> Result<Vec<Package>, ParseError> {
    let value: Value = serde_json::from_slice(content)
        .map_err(|e| format!("not a composer.lock document: {e}"))?;
    if !value.is_object() {
        return Err("not a composer.lock document: expected an object".into());
    }
    let lock =
        Lock::deserialize(&value).map_err(|e| format!("not a composer.lock document: {e}"))?;
    let mut out = Vec::new();
    for (entries, dev) in [(&lock.packages, false), (&lock.packages_dev, true)] {
        for entry in entries {
            if let Some(mut pkg) = entry_package(entry)? {
                pkg.dev = dev;
                out.push(pkg);
            }
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Installed {
    /// Composer 1: a bare array.
    V1(Vec<Value>),
    /// Composer 2.
    V2 {
        packages: Vec<Value>,
        #[serde(default, rename = "dev-package-names")]
        dev_package_names: Vec<String>,
    },
}

fn installed_json(content: &[u8]) -> Result<Vec<Package>, ParseError> {
    // Untagged enums buffer the document and lose serde_json's error positions; parse to a
    // `Value` first so a syntax error says where it is.
    let value: Value = serde_json::from_slice(content)
        .map_err(|e| format!("not an installed.json document: {e}"))?;
    let installed: Installed = serde_json::from_value(value)
        .map_err(|_| "not an installed.json document: expected an array of packages or an object with `packages`".to_owned())?;
    let (entries, dev_names) = match installed {
        Installed::V1(entries) => (entries, Vec::new()),
        Installed::V2 {
            packages,
            dev_package_names,
        } => (packages, dev_package_names),
    };
    let mut out = Vec::new();
    for entry in &entries {
        if let Some(mut pkg) = entry_package(entry)? {
            pkg.dev = dev_names.iter().any(|d| d == &pkg.name);
            out.push(pkg);
        }
    }
    Ok(out)
}

/// One package object; `None` for entries that name no installable package.
fn entry_package(entry: &Value) -> Result<Option<Package>, ParseError> {
    let text = |key: &str| {
        entry
            .get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let (Some(full_name), Some(version)) = (text("name"), text("version")) else {
        return Ok(None);
    };
    let Some((vendor, project)) = full_name.split_once('/') else {
        return Ok(None);
    };
    if vendor.is_empty() || project.is_empty() || project.contains('/') {
        return Ok(None);
    }
    let mut pkg = package(Ecosystem::Composer, Some(vendor), project, version, &[])?;
    pkg.licenses = match entry.get("license") {
        Some(Value::String(l)) if !l.trim().is_empty() => vec![l.trim().to_owned()],
        Some(Value::Array(ls)) => ls
            .iter()
            .filter_map(Value::as_str)
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    Ok(Some(pkg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_marks_dev_and_reads_licenses() {
        let lock = br#"{"packages": [
              {"name": "symfony/console", "version": "v5.4.0", "license": ["MIT"]},
              {"name": "monolog/monolog", "version": "2.9.1", "license": "MIT"},
              {"name": "nameless"},
              {"name": "novendor", "version": "1.0"},
              {"name": "a/b/c", "version": "1.0"},
              7
            ],
            "packages-dev": [{"name": "phpunit/phpunit", "version": "9.6.0"}]}"#;
        let pkgs = composer_lock(lock).unwrap();
        let got: Vec<_> = pkgs
            .iter()
            .map(|p| (p.purl.as_str(), p.dev, p.licenses.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "pkg:composer/symfony/console@v5.4.0",
                    false,
                    vec!["MIT".to_owned()]
                ),
                (
                    "pkg:composer/monolog/monolog@2.9.1",
                    false,
                    vec!["MIT".to_owned()]
                ),
                ("pkg:composer/phpunit/phpunit@9.6.0", true, vec![]),
            ]
        );
        assert_eq!(pkgs[0].name, "symfony/console");
    }

    #[test]
    fn installed_both_forms() {
        let v1 = br#"[{"name": "a/b", "version": "1.0.0"}]"#;
        let v2 = br#"{"packages": [{"name": "a/b", "version": "1.0.0"}, {"name": "c/d", "version": "2.0.0"}],
                      "dev": true, "dev-package-names": ["c/d"]}"#;
        let one = installed_json(v1).unwrap();
        assert_eq!((one.len(), one[0].dev), (1, false));
        let two = installed_json(v2).unwrap();
        assert_eq!(
            two.iter()
                .map(|p| (p.name.as_str(), p.dev))
                .collect::<Vec<_>>(),
            [("a/b", false), ("c/d", true)]
        );
    }

    #[test]
    fn hostile_input_is_an_error_or_empty() {
        assert!(composer_lock(b"{\"packages\": [").is_err());
        assert!(composer_lock(b"\xff").is_err());
        assert!(composer_lock(b"[]").is_err());
        assert!(composer_lock(b"{\"packages\": {}}").is_err());
        assert!(composer_lock(b"{}").unwrap().is_empty());
        assert!(installed_json(b"{\"packages\": 1}").is_err());
        assert!(installed_json(b"{}").is_err());
        assert!(installed_json(b"\"x\"").is_err());
        assert!(installed_json(b"[]").unwrap().is_empty());
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(installed_json(deep.as_bytes()).is_err());
        assert!(composer_lock(format!("{{\"packages\": {deep}}}").as_bytes()).is_err());
    }

    #[test]
    fn wants_paths() {
        let meta = Metadata {
            kind: bulkhead_fsview::FileKind::File,
            size: 1,
            mode: 0o644,
            uid: 0,
            gid: 0,
            mtime: 0,
        };
        let options = Options::default();
        assert!(Composer.wants("srv/app/composer.lock", &meta, &options));
        assert!(Composer.wants("composer.lock", &meta, &options));
        assert!(Composer.wants("srv/app/vendor/composer/installed.json", &meta, &options));
        assert!(Composer.wants("vendor/composer/installed.json", &meta, &options));
        assert!(!Composer.wants("srv/app/installed.json", &meta, &options));
        assert!(!Composer.wants("srv/app/composer.json", &meta, &options));
    }
}
