//! Turns Bulkhead results into what the user reads, and outcomes into exit statuses.
//!
//! A scan's result is one [`ScanReport`]: the artifact, and per target its vulnerabilities and
//! findings. Formats: `table` for people (comfy-table), `json` for machines (the serialized
//! result inside an envelope carrying `schema_version` and `bulkhead_version`, so a consumer
//! can tell which shape it is reading), SARIF 2.1.0 and JUnit XML for CI dashboards.
//! [`gate`] turns a report into the exit status `--exit-code` asks for. [`write_atomically`]
//! backs `--output FILE`: a reader of that file never sees half a report. [`OutputFormat`]
//! also names the SBOM formats (`cyclonedx`, `spdx-json`); those documents are written by
//! `bulkhead-sbom`.
//!
//! What this crate does not do: decide what was found (analyzers do) or what to suppress
//! (`bulkhead-suppress`), write SBOMs, print to the terminal or exit (the CLI does, with the
//! [`ExitStatus`] chosen here).
//!
//! ```
//! use bulkhead_report::ExitStatus;
//! assert_eq!(ExitStatus::GateFailed.code(), 1);
//! assert_eq!(ExitStatus::GateFailedWith(4).code(), 4);
//! ```

mod junit;
mod render;
mod sarif;
mod scan;
mod scan_table;

use std::io::Write;
use std::path::Path;

pub use render::{
    VerificationReport, VerifiedLayer, render_image_summary, render_inventory, render_verification,
};

pub use scan::{
    Artifact, DatabaseUsed, RowLocation, ScanReport, ScanTarget, SuppressedFinding, SuppressedVuln,
    VulnRow, gate,
};

/// The JSON wire format version; bump it when a field changes meaning or disappears.
pub const SCHEMA_VERSION: u32 = 1;

/// How the process ends. 0: ran and the gate passed; 1 (or `--exit-code N`): the gate failed;
/// 2: usage, input or internal error. No bitsets: one number, one meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    GateFailed,
    /// The gate failed and the user chose the exit code with `--exit-code`.
    GateFailedWith(u8),
    Error,
}

impl ExitStatus {
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::GateFailed => 1,
            ExitStatus::GateFailedWith(n) => n,
            ExitStatus::Error => 2,
        }
    }
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(status: ExitStatus) -> Self {
        std::process::ExitCode::from(status.code())
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum OutputFormat {
    /// A table for people.
    #[default]
    Table,
    /// JSON in a versioned envelope, for machines.
    Json,
    /// A CycloneDX 1.6 JSON SBOM of what is installed.
    Cyclonedx,
    /// An SPDX 2.3 JSON SBOM of what is installed.
    #[cfg_attr(feature = "cli", value(name = "spdx-json"))]
    SpdxJson,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// JUnit XML, one test case per package and finding, for CI test reports.
    Junit,
}

impl OutputFormat {
    /// Whether people read this format (footers, colour) or programs do.
    pub fn is_human_readable(self) -> bool {
        matches!(self, OutputFormat::Table)
    }

    /// Whether the format is an SBOM, which needs the package inventory.
    pub fn is_sbom(self) -> bool {
        matches!(self, OutputFormat::Cyclonedx | OutputFormat::SpdxJson)
    }
}

/// Wraps `data` as `{"schema_version", "bulkhead_version", "<kind>": data}`.
pub fn json_envelope<T: serde::Serialize>(kind: &str, data: &T) -> serde_json::Result<String> {
    let mut object = serde_json::Map::new();
    object.insert("schema_version".into(), SCHEMA_VERSION.into());
    object.insert("bulkhead_version".into(), env!("CARGO_PKG_VERSION").into());
    object.insert(kind.into(), serde_json::to_value(data)?);
    let mut text = serde_json::to_string_pretty(&serde_json::Value::Object(object))?;
    text.push('\n');
    Ok(text)
}

/// Renders a scan report in `format` (table, JSON, SARIF or JUnit; the CycloneDX form with
/// vulnerabilities is written by `bulkhead-sbom`).
pub fn render_scan(report: &ScanReport, format: OutputFormat) -> serde_json::Result<String> {
    match format {
        OutputFormat::Json => json_envelope("scan", report),
        OutputFormat::Sarif => sarif::render(report),
        OutputFormat::Junit => Ok(junit::render(report)),
        _ => Ok(scan_table::render(report)),
    }
}

/// A finding's location as one line of text: `path:line`, with the layer for images.
pub fn location_text(location: &bulkhead_finding::Location) -> String {
    use bulkhead_finding::Location;
    use std::fmt::Write as _;
    match location {
        Location::Image {
            layer,
            path,
            line,
            column,
        } => {
            let mut s = path.clone().unwrap_or_else(|| "(image config)".into());
            if let Some(line) = line {
                let _ = write!(s, ":{line}");
                if let Some(column) = column {
                    let _ = write!(s, ":{column}");
                }
            }
            if let Some(layer) = layer {
                let _ = write!(s, " (layer {})", short_digest(layer));
            }
            s
        }
        Location::File { path, line, column } => match (line, column) {
            (Some(l), Some(c)) => format!("{path}:{l}:{c}"),
            (Some(l), None) => format!("{path}:{l}"),
            _ => path.clone(),
        },
        Location::Commit {
            commit,
            path,
            line,
            column,
        } => {
            let short: String = commit.chars().take(12).collect();
            match (line, column) {
                (Some(l), Some(c)) => format!("{path}:{l}:{c} (commit {short})"),
                (Some(l), None) => format!("{path}:{l} (commit {short})"),
                _ => format!("{path} (commit {short})"),
            }
        }
        Location::Object {
            kind,
            namespace,
            name,
            pointer,
            file,
            line,
            column,
        } => {
            let object = match namespace {
                Some(ns) => format!("{kind} {ns}/{name} {pointer}"),
                None => format!("{kind} {name} {pointer}"),
            };
            match (file, line, column) {
                (Some(f), Some(l), Some(c)) => format!("{f}:{l}:{c} ({object})"),
                (Some(f), Some(l), None) => format!("{f}:{l} ({object})"),
                (Some(f), None, _) => format!("{f} ({object})"),
                _ => object,
            }
        }
    }
}

/// `sha256:0123456789ab` (12 hex digits), as `docker` shortens digests.
pub fn short_digest(digest: &str) -> &str {
    let end = digest.find(':').map_or(12, |i| i + 13);
    digest.get(..end).unwrap_or(digest)
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so
/// the file is either the old one or the whole new one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_carries_versions() {
        let text = json_envelope("thing", &vec![1, 2]).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["schema_version"], SCHEMA_VERSION);
        assert_eq!(value["bulkhead_version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(value["thing"], serde_json::json!([1, 2]));
    }

    #[test]
    fn atomic_write_replaces_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(fs_err::read(&path).unwrap(), b"second");
        assert_eq!(fs_err::read_dir(dir.path()).unwrap().count(), 1);
    }
}
