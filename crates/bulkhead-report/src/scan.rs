//! The result of a scan (`bulkhead image`, `fs`, `sbom FILE`): what was scanned, and per
//! target (the OS packages, a lockfile, a language's installed packages) the vulnerabilities
//! found and the findings of the other analyzers. Renderers for every `--format` read this
//! one shape; [`gate`] decides the exit status from it.

use bulkhead_finding::{Finding, Severity};
use serde::{Deserialize, Serialize};

use crate::ExitStatus;

/// A whole scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    pub artifact: Artifact,
    /// Targets in a stable order: the OS first, then language targets by name.
    pub results: Vec<ScanTarget>,
    /// Facts about the database used (`embedded`, or the path; build time).
    pub database: Option<DatabaseUsed>,
    /// Anything the user should know that is not a finding (unparsable files, unknown
    /// release, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Every package found, with `--list-all-pkgs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory: Option<bulkhead_inventory::Inventory>,
}

/// What was scanned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// As the user named it (`oci:dir:tag`, a path, an SBOM file).
    pub name: String,
    /// `container_image`, `filesystem` or `sbom`.
    pub kind: String,
    /// Manifest digest (or config digest) for images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// `debian 12`, `alpine 3.19.1`, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
}

/// The database a scan used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseUsed {
    pub location: String,
    pub built_at: String,
}

/// One target: a set of packages that belong together, as Trivy groups them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanTarget {
    /// `webapp (debian 12)`, `app/requirements.txt`, `Python`, …
    pub target: String,
    /// `os-pkgs`, `lang-pkgs`, `secret`, `config`.
    pub class: String,
    /// The package type (`debian`, `pypi`, `npm`, …) for package targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Packages in this target that were looked up.
    #[serde(default)]
    pub packages: u64,
    #[serde(default)]
    pub vulnerabilities: Vec<VulnRow>,
    /// Vulnerabilities hidden by an ignore file or a VEX statement, with why: kept so JSON
    /// consumers can audit the suppression.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<SuppressedVuln>,
    /// Secret and misconfiguration findings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// Findings suppressed where they are (an inline comment in the scanned file), with why:
    /// kept for the audit trail, not reported or gated on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed_findings: Vec<SuppressedFinding>,
}

/// A finding and what suppressed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuppressedFinding {
    pub finding: Finding,
    /// `inline` (a comment in the scanned file).
    pub by: String,
    pub reason: String,
}

/// One vulnerability in one installed package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VulnRow {
    /// CVE id when there is one, else GHSA, else the feed's id.
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Installed package name (binary package for distros).
    pub package: String,
    /// Source package, for distro packages (what the advisory names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_package: Option<String>,
    pub purl: String,
    pub installed_version: String,
    /// `None`: no fix is known (the `affected`/unfixed status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_vector: Option<String>,
    pub title: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Feeds that reported it.
    pub sources: Vec<String>,
    /// Where the package was found: path, and layer digest for images.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<RowLocation>,
}

impl VulnRow {
    /// Whether a fixed version is known.
    pub fn is_fixed(&self) -> bool {
        self.fixed_version.is_some()
    }

    /// The id and every alias.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

/// A path (and layer) a package was found at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowLocation {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
}

/// A vulnerability left out of the report, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuppressedVuln {
    #[serde(flatten)]
    pub vulnerability: VulnRow,
    /// `ignorefile` or `vex`.
    pub by: String,
    /// The statement or line that suppressed it, with its justification if given.
    pub reason: String,
}

impl ScanReport {
    /// Every reported vulnerability, across targets.
    pub fn vulnerabilities(&self) -> impl Iterator<Item = (&ScanTarget, &VulnRow)> {
        self.results
            .iter()
            .flat_map(|t| t.vulnerabilities.iter().map(move |v| (t, v)))
    }

    /// Every reported secret or misconfiguration finding, across targets.
    pub fn findings(&self) -> impl Iterator<Item = (&ScanTarget, &Finding)> {
        self.results
            .iter()
            .flat_map(|t| t.findings.iter().map(move |f| (t, f)))
    }
}

/// The exit status: `exit_code` (Trivy's `--exit-code`; 0 means "never fail") if anything is
/// reported at all, since `--severity` and the suppressions have already removed what does
/// not count.
pub fn gate(report: &ScanReport, exit_code: u8) -> ExitStatus {
    let anything = report
        .results
        .iter()
        .any(|t| !t.vulnerabilities.is_empty() || !t.findings.is_empty());
    match (anything, exit_code) {
        (false, _) | (true, 0) => ExitStatus::Success,
        (true, 1) => ExitStatus::GateFailed,
        (true, n) => ExitStatus::GateFailedWith(n),
    }
}
