//! .NET packages from `*.deps.json`, the dependency manifest the .NET SDK writes beside every
//! published application (format: dotnet/sdk `documentation/specs/runtime-configuration-file.md`).
//!
//! The `libraries` object is keyed `Name/Version`; each value has a `type`. Only `"package"`
//! entries are NuGet packages and become `pkg:nuget/Name@Version`. Skipped, on purpose:
//! `"project"` (the application itself and projects referenced from source: not published
//! packages, no advisory names them), `"reference"`/`"referenceassembly"` (framework reference
//! assemblies) and `"runtimepack"` (the runtime copied into a self-contained app: its key is
//! `runtimepack.<pack>.<rid>/<version>`, not a NuGet identity). `targets` is not consulted: a
//! library listed in `libraries` is shipped with the application whatever its target.
//!
//! NuGet ids are case-insensitive; we keep the case the manifest gives (it is the id as
//! published), as Trivy and Syft do.

use bulkhead_fsview::Metadata;
use serde::Deserialize;

use super::{Cataloger, Context, ParseError, file_name, package};
use crate::{Ecosystem, Options, Package};

#[derive(Debug)]
pub(crate) struct DepsJson;

#[derive(Deserialize)]
struct DepsFile {
    #[serde(default)]
    libraries: serde_json::Map<String, serde_json::Value>,
}

impl Cataloger for DepsJson {
    fn name(&self) -> &'static str {
        "dotnet-depsjson"
    }

    fn wants(&self, path: &str, _meta: &Metadata, _options: &Options) -> bool {
        selects(path)
    }

    fn parse(
        &self,
        _path: &str,
        content: &[u8],
        _context: &Context<'_>,
    ) -> Result<Vec<Package>, ParseError> {
        parse_deps_json(content)
    }
}

fn selects(path: &str) -> bool {
    let name = file_name(path);
    name.len() > ".deps.json".len() && name.ends_with(".deps.json")
}

/// Parses a `deps.json` document; invalid JSON is an error, odd entries are skipped.
fn parse_deps_json(content: &[u8]) -> Result<Vec<Package>, ParseError> {
    let value: serde_json::Value =
        serde_json::from_slice(content).map_err(|e| format!("not a deps.json document: {e}"))?;
    if !value.is_object() {
        return Err("not a deps.json document: expected an object".into());
    }
    let deps =
        DepsFile::deserialize(&value).map_err(|e| format!("not a deps.json document: {e}"))?;
    let mut out = Vec::new();
    for (key, library) in &deps.libraries {
        if library.get("type").and_then(serde_json::Value::as_str) != Some("package") {
            continue;
        }
        let Some((name, version)) = key.rsplit_once('/') else {
            continue;
        };
        let (name, version) = (name.trim(), version.trim());
        if name.is_empty() || version.is_empty() {
            continue;
        }
        out.push(package(Ecosystem::NuGet, None, name, version, &[])?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_only() {
        let json = br#"{
          "runtimeTarget": {"name": ".NETCoreApp,Version=v8.0"},
          "libraries": {
            "App/1.0.0": {"type": "project", "serviceable": false, "sha512": ""},
            "Newtonsoft.Json/13.0.1": {"type": "package", "serviceable": true},
            "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0": {"type": "runtimepack"},
            "NoSlash": {"type": "package"},
            "/1.0": {"type": "package"},
            "Odd/": {"type": "package"},
            "NotAnObject/1.0": 3
          }
        }"#;
        let pkgs = parse_deps_json(json).unwrap();
        assert_eq!(pkgs.len(), 1);
        assert_eq!(pkgs[0].name, "Newtonsoft.Json");
        assert_eq!(pkgs[0].version, "13.0.1");
        assert_eq!(pkgs[0].purl, "pkg:nuget/Newtonsoft.Json@13.0.1");
    }

    #[test]
    fn hostile_input_is_an_error_or_empty() {
        assert!(parse_deps_json(b"{\"libraries\": ").is_err());
        assert!(parse_deps_json(b"\xff\xfe").is_err());
        assert!(parse_deps_json(b"[]").is_err());
        assert!(parse_deps_json(b"{\"libraries\": []}").is_err());
        assert!(parse_deps_json(b"{}").unwrap().is_empty());
        // Deep nesting: serde_json's recursion limit turns it into an error, not a stack overflow.
        let deep = format!(
            "{{\"libraries\": {{\"a/1\": {}{}}}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(parse_deps_json(deep.as_bytes()).is_err());
    }

    #[test]
    fn wants_only_deps_json() {
        let meta = Metadata {
            kind: bulkhead_fsview::FileKind::File,
            size: 1,
            mode: 0o644,
            uid: 0,
            gid: 0,
            mtime: 0,
        };
        let options = Options::default();
        assert!(DepsJson.wants("app/MyApp.deps.json", &meta, &options));
        assert!(!DepsJson.wants("app/.deps.json", &meta, &options));
        assert!(!DepsJson.wants("app/MyApp.runtimeconfig.json", &meta, &options));
    }
}
