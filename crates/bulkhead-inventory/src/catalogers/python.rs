//! Python packages. Installed distributions: `*.dist-info/METADATA` (wheels, PEP 376/566)
//! and `*.egg-info/PKG-INFO` or a bare `*.egg-info` file (setuptools eggs), read as the
//! RFC 822 header block the core metadata spec defines. Lock and requirements files:
//! `requirements*.txt` (exact `==` pins only: a range is not a version), `Pipfile.lock`
//! (`develop` → dev) and `poetry.lock` (`category = "dev"` or dev groups → dev).
//!
//! Names are normalised per PEP 503 (`Flask_SQLAlchemy` → `flask-sqlalchemy`), which is how
//! PyPI, pip and the advisory databases compare them.

use bulkhead_fsview::Metadata;

use super::{Cataloger, Context, ParseError, file_name, package};
use crate::{Ecosystem, Options, Package};

/// PEP 503: lowercase, runs of `-`, `_` and `.` become one `-`.
pub(crate) fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
        } else {
            if separator && !out.is_empty() {
                out.push('-');
            }
            separator = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

fn pypi(name: &str, version: &str) -> Result<Package, ParseError> {
    package(
        Ecosystem::PyPI,
        None,
        &normalize_name(name),
        version.trim(),
        &[],
    )
}

#[derive(Debug)]
pub(crate) struct PythonInstalled;

impl Cataloger for PythonInstalled {
    fn name(&self) -> &'static str {
        "python-installed"
    }

    fn wants(&self, path: &str, _meta: &Metadata, _options: &Options) -> bool {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let parent = file_name(dir);
        (name == "METADATA" && parent.ends_with(".dist-info"))
            || (name == "PKG-INFO" && parent.ends_with(".egg-info"))
            || name.ends_with(".egg-info")
    }

    fn parse(
        &self,
        _path: &str,
        content: &[u8],
        _context: &Context<'_>,
    ) -> Result<Vec<Package>, ParseError> {
        let text = String::from_utf8_lossy(content);
        let mut name = None;
        let mut version = None;
        let mut licenses = Vec::new();
        // The header block ends at the first empty line; the description follows.
        for line in text.lines().take_while(|l| !l.is_empty()) {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match key {
                "Name" => name = Some(value.to_owned()),
                "Version" => version = Some(value.to_owned()),
                "License-Expression" => licenses.insert(0, value.to_owned()),
                "License"
                    if !value.is_empty()
                        && value != "UNKNOWN"
                        && !value.contains('\n')
                        && value.len() < 100 =>
                {
                    licenses.push(value.to_owned());
                }
                "Classifier" => {
                    if let Some(l) = value
                        .strip_prefix("License :: OSI Approved :: ")
                        .or_else(|| value.strip_prefix("License :: "))
                    {
                        licenses.push(l.to_owned());
                    }
                }
                _ => {}
            }
        }
        let (Some(name), Some(version)) = (name, version) else {
            return Err("no `Name` and `Version` in the metadata headers".into());
        };
        let mut pkg = pypi(&name, &version)?;
        licenses.dedup();
        pkg.licenses = licenses;
        Ok(vec![pkg])
    }
}

#[derive(Debug)]
pub(crate) struct PythonRequirements;

impl Cataloger for PythonRequirements {
    fn name(&self) -> &'static str {
        "python-lockfile"
    }

    fn wants(&self, path: &str, _meta: &Metadata, _options: &Options) -> bool {
        let name = file_name(path);
        (name.starts_with("requirements")
            && std::path::Path::new(name)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("txt")))
            || name == "Pipfile.lock"
            || name == "poetry.lock"
    }

    fn parse(
        &self,
        path: &str,
        content: &[u8],
        _context: &Context<'_>,
    ) -> Result<Vec<Package>, ParseError> {
        let text = String::from_utf8_lossy(content);
        match file_name(path) {
            "Pipfile.lock" => pipfile_lock(&text),
            "poetry.lock" => poetry_lock(&text),
            _ => Ok(requirements(&text)),
        }
    }
}

/// `name==1.2.3` pins; options, URLs, editable installs and ranges are skipped.
fn requirements(text: &str) -> Vec<Package> {
    let mut out = Vec::new();
    for raw in text.lines() {
        let line = raw.split(" #").next().unwrap_or_default();
        let line = line.split(';').next().unwrap_or_default().trim();
        if line.is_empty() || line.starts_with(['#', '-']) || line.contains("://") {
            continue;
        }
        let Some((name, version)) = line.split_once("==") else {
            continue;
        };
        // `name[extra]==1.0`; `===` (arbitrary equality) leaves a leading `=`.
        let name = name.split('[').next().unwrap_or_default().trim();
        let version = version
            .trim_start_matches('=')
            .split([',', ' '])
            .next()
            .unwrap_or_default();
        if name.is_empty() || version.is_empty() || version.contains('*') {
            continue;
        }
        if let Ok(pkg) = pypi(name, version) {
            out.push(pkg);
        }
    }
    out
}

fn pipfile_lock(text: &str) -> Result<Vec<Package>, ParseError> {
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let mut out = Vec::new();
    for (section, dev) in [("default", false), ("develop", true)] {
        let Some(deps) = json.get(section).and_then(|d| d.as_object()) else {
            continue;
        };
        for (name, spec) in deps {
            let Some(version) = spec
                .get("version")
                .and_then(|v| v.as_str())
                .and_then(|v| v.strip_prefix("=="))
            else {
                continue;
            };
            let mut pkg = pypi(name, version)?;
            pkg.dev = dev;
            out.push(pkg);
        }
    }
    Ok(out)
}

/// `[[package]]` tables with `name`, `version` and, in Poetry < 1.5, `category`; later
/// Poetry records groups only in `pyproject.toml`, so such packages count as main.
fn poetry_lock(text: &str) -> Result<Vec<Package>, ParseError> {
    let mut out = Vec::new();
    let mut in_package = false;
    let (mut name, mut version, mut dev) = (None, None, false);
    let mut flush = |name: &mut Option<String>,
                     version: &mut Option<String>,
                     dev: &mut bool|
     -> Result<(), ParseError> {
        if let (Some(n), Some(v)) = (name.take(), version.take()) {
            let mut pkg = pypi(&n, &v)?;
            pkg.dev = *dev;
            out.push(pkg);
        }
        *dev = false;
        Ok(())
    };
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            flush(&mut name, &mut version, &mut dev)?;
            in_package = line == "[[package]]";
            continue;
        }
        if !in_package {
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            let value = value.trim().trim_matches('"');
            match key.trim() {
                "name" => name = Some(value.to_owned()),
                "version" => version = Some(value.to_owned()),
                "category" => dev = value == "dev",
                _ => {}
            }
        }
    }
    flush(&mut name, &mut version, &mut dev)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context_parse(
        c: &dyn Cataloger,
        path: &str,
        text: &str,
    ) -> Result<Vec<Package>, ParseError> {
        let options = Options::default();
        c.parse(
            path,
            text.as_bytes(),
            &Context {
                os: None,
                options: &options,
            },
        )
    }

    #[test]
    fn pep_503_names() {
        assert_eq!(normalize_name("Flask_SQLAlchemy"), "flask-sqlalchemy");
        assert_eq!(normalize_name("zope.interface"), "zope-interface");
        assert_eq!(normalize_name("A--B__c"), "a-b-c");
    }

    #[test]
    fn metadata_headers() {
        let meta = "Metadata-Version: 2.1\nName: Jinja2\nVersion: 2.10\nLicense: BSD\nClassifier: License :: OSI Approved :: BSD License\n\nName: NotThis\n";
        let pkgs =
            context_parse(&PythonInstalled, "x/Jinja2-2.10.dist-info/METADATA", meta).unwrap();
        assert_eq!(pkgs[0].purl, "pkg:pypi/jinja2@2.10");
        assert_eq!(pkgs[0].licenses, ["BSD", "BSD License"]);
        assert!(context_parse(&PythonInstalled, "x.dist-info/METADATA", "garbage\u{0}").is_err());
        assert!(PythonInstalled.wants(
            "usr/lib/python3/dist-packages/pip-23.0.1.egg-info",
            &meta_file(),
            &Options::default()
        ));
    }

    #[test]
    fn lock_and_requirement_files() {
        let req = "# pins\nflask==0.12.2\nrequests[security]==2.19.1 ; python_version < '3'\nsix>=1.0\n-r other.txt\nurllib3===1.24.1\n";
        let names: Vec<String> = context_parse(&PythonRequirements, "requirements.txt", req)
            .unwrap()
            .into_iter()
            .map(|p| p.purl)
            .collect();
        assert_eq!(
            names,
            [
                "pkg:pypi/flask@0.12.2",
                "pkg:pypi/requests@2.19.1",
                "pkg:pypi/urllib3@1.24.1"
            ]
        );
        let pipfile = r#"{"default":{"django":{"version":"==2.0.1"}},"develop":{"pytest":{"version":"==7.0.0"}}}"#;
        let pkgs = context_parse(&PythonRequirements, "Pipfile.lock", pipfile).unwrap();
        assert_eq!((pkgs[0].name.as_str(), pkgs[0].dev), ("django", false));
        assert_eq!((pkgs[1].name.as_str(), pkgs[1].dev), ("pytest", true));
        assert!(context_parse(&PythonRequirements, "Pipfile.lock", "{broken").is_err());
        let poetry = "[[package]]\nname = \"PyYAML\"\nversion = \"5.3\"\ncategory = \"main\"\n\n[package.dependencies]\nx = \"1\"\n\n[[package]]\nname = \"pytest\"\nversion = \"7.0\"\ncategory = \"dev\"\n\n[metadata]\nlock-version = \"1.1\"\n";
        let pkgs = context_parse(&PythonRequirements, "poetry.lock", poetry).unwrap();
        assert_eq!(pkgs.len(), 2);
        assert_eq!((pkgs[0].name.as_str(), pkgs[0].dev), ("pyyaml", false));
        assert!(pkgs[1].dev);
    }

    fn meta_file() -> Metadata {
        Metadata {
            kind: bulkhead_fsview::FileKind::File,
            size: 1,
            mode: 0o644,
            uid: 0,
            gid: 0,
            mtime: 0,
        }
    }
}
