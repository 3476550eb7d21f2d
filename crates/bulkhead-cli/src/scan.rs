//! A vulnerability scan: inventory → database lookups → targets grouped as Trivy groups them
//! → filters (`--severity`, `--ignore-unfixed`) → suppressions (ignore file, OpenVEX).

use std::collections::{BTreeMap, HashMap};

use anyhow::Context as _;
use bulkhead_finding::{Finding, Location};
use bulkhead_inventory::{Ecosystem, Inventory, Package};
use bulkhead_report::{
    Artifact, DatabaseUsed, RowLocation, ScanReport, ScanTarget, SuppressedFinding, VulnRow,
};
use bulkhead_suppress::Suppressions;
use bulkhead_vulndb::{Database, PackageQuery, QueryOrigin, Vulnerability};

use crate::args::ScanArgs;

/// Matches every package of `inventory` and builds the report.
pub(crate) fn vulnerability_report(
    artifact: Artifact,
    inventory: &Inventory,
    db: &Database,
    db_used: DatabaseUsed,
    args: &ScanArgs,
) -> anyhow::Result<ScanReport> {
    let mut warnings = inventory.warnings.clone();
    let queries = bulkhead_vulndb::inventory_queries(inventory);
    let mut cache: HashMap<PackageQuery, Vec<Vulnerability>> = HashMap::new();
    let mut targets: BTreeMap<(u8, String), ScanTarget> = BTreeMap::new();
    let mut unknown_release = 0usize;
    let mut unsupported: BTreeMap<&'static str, usize> = BTreeMap::new();

    for (package, origin) in inventory.packages.iter().zip(queries) {
        let (order, name, class, kind) = target_of(package, &artifact);
        let target = targets
            .entry((order, name.clone()))
            .or_insert_with(|| ScanTarget {
                target: name,
                class: class.to_owned(),
                kind: Some(kind),
                packages: 0,
                vulnerabilities: Vec::new(),
                suppressed: Vec::new(),
                suppressed_findings: Vec::new(),
                findings: Vec::new(),
            });
        target.packages += 1;
        let query = match origin {
            QueryOrigin::Query(q) => q,
            QueryOrigin::UnknownRelease => {
                unknown_release += 1;
                continue;
            }
            QueryOrigin::Unsupported => {
                *unsupported
                    .entry(package.ecosystem.purl_type())
                    .or_default() += 1;
                continue;
            }
        };
        if !cache.contains_key(&query) {
            let lookup = db
                .matches(&query)
                .with_context(|| format!("looking up {} {}", query.name, query.version))?;
            warnings.extend(lookup.warnings);
            cache.insert(query.clone(), bulkhead_vulndb::dedupe(lookup.matches));
        }
        for vuln in &cache[&query] {
            if vuln.informational.is_some() && !args.include_informational {
                continue;
            }
            target.vulnerabilities.push(row(package, vuln));
        }
    }
    if unknown_release > 0 {
        warnings.push(format!(
            "{unknown_release} OS packages were not checked: the OS release is unknown (no os-release file)"
        ));
    }
    for (kind, count) in unsupported {
        warnings.push(format!(
            "{count} {kind} packages were not checked: there is no advisory feed for {}",
            artifact.os.as_deref().unwrap_or("this OS")
        ));
    }
    let mut report = ScanReport {
        artifact,
        results: targets.into_values().collect(),
        database: Some(db_used),
        warnings,
        inventory: args.list_all_pkgs.then(|| inventory.clone()),
    };
    for target in &mut report.results {
        target.vulnerabilities.sort_by(|a, b| {
            (&a.package, &a.installed_version, &a.id).cmp(&(
                &b.package,
                &b.installed_version,
                &b.id,
            ))
        });
    }
    Ok(report)
}

/// A report without vulnerability results (secret scans alone).
pub(crate) fn empty_report(
    artifact: Artifact,
    inventory: &Inventory,
    args: &ScanArgs,
) -> ScanReport {
    ScanReport {
        artifact,
        results: Vec::new(),
        database: None,
        warnings: inventory.warnings.clone(),
        inventory: args.list_all_pkgs.then(|| inventory.clone()),
    }
}

/// Adds secret findings as one `secret` target per file (or config field), as Trivy groups
/// them, after the package targets.
/// Adds `findings` as targets of `class` (`secret`, `config`), one per file (or image
/// path, or object), with the inline-suppressed findings of the same file beside them.
pub(crate) fn add_findings(
    report: &mut ScanReport,
    findings: Vec<Finding>,
    class: &str,
    suppressed: Vec<bulkhead_misconfig::inline::Suppressed>,
) {
    let file_of = |location: &Location| match location {
        Location::Image { path, .. } => path.clone().unwrap_or_default(),
        Location::File { path, .. } | Location::Commit { path, .. } => path.clone(),
        Location::Object { file, name, .. } => file.clone().unwrap_or_else(|| name.clone()),
    };
    let mut by_file: BTreeMap<String, (Vec<Finding>, Vec<SuppressedFinding>)> = BTreeMap::new();
    for finding in findings {
        by_file
            .entry(file_of(&finding.location))
            .or_default()
            .0
            .push(finding);
    }
    for s in suppressed {
        by_file
            .entry(file_of(&s.finding.location))
            .or_default()
            .1
            .push(SuppressedFinding {
                finding: s.finding,
                by: "inline".to_owned(),
                reason: s.reason,
            });
    }
    for (file, (mut findings, mut suppressed_findings)) in by_file {
        findings.sort();
        suppressed_findings.sort_by(|a, b| a.finding.cmp(&b.finding));
        report.results.push(ScanTarget {
            target: file,
            class: class.to_owned(),
            kind: None,
            packages: 0,
            vulnerabilities: Vec::new(),
            suppressed: Vec::new(),
            suppressed_findings,
            findings,
        });
    }
}

/// Applies `--ignore-unfixed`, `--severity`, the ignore file and VEX documents. Ignore
/// entries that matched nothing or have expired become warnings: a stale ignore file is worth
/// knowing about.
pub(crate) fn filter(report: &mut ScanReport, args: &ScanArgs, suppressions: &Suppressions) {
    let outcome = suppressions.apply(report);
    for id in outcome.expired_ignores {
        report
            .warnings
            .push(format!("ignore entry {id} has expired"));
    }
    for id in outcome.unused_ignores {
        report
            .warnings
            .push(format!("ignore entry {id} matched nothing"));
    }
    for target in &mut report.results {
        target.vulnerabilities.retain(|v| {
            (!args.ignore_unfixed || v.is_fixed())
                && (args.severity.is_empty() || args.severity.contains(&v.severity))
        });
        target
            .findings
            .retain(|f| args.severity.is_empty() || args.severity.contains(&f.severity));
    }
}

fn row(package: &Package, vuln: &Vulnerability) -> VulnRow {
    VulnRow {
        id: vuln.id.clone(),
        aliases: vuln.aliases.clone(),
        package: package.name.clone(),
        source_package: package
            .source
            .as_ref()
            .filter(|s| s.name != package.name)
            .map(|s| s.name.clone()),
        purl: package.purl.clone(),
        installed_version: package.version.clone(),
        fixed_version: vuln.fixed_version.clone(),
        severity: vuln.severity,
        cvss_score: vuln.cvss_score,
        cvss_vector: vuln.cvss_vector.clone(),
        title: vuln.title.clone(),
        references: vuln.references.clone(),
        sources: vuln.sources.clone(),
        locations: package
            .locations
            .iter()
            .map(|l| RowLocation {
                path: l.path.clone(),
                layer: l.layer.clone(),
            })
            .collect(),
    }
}

/// Which target a package is reported under: `(order, name, class, kind)`. OS packages
/// first under the artifact's name; installed language packages by language (as Trivy
/// groups `site-packages`); lockfiles and binaries by their path.
fn target_of(package: &Package, artifact: &Artifact) -> (u8, String, &'static str, String) {
    let kind = package.ecosystem.purl_type().to_owned();
    match package.ecosystem {
        Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm => {
            let os = artifact.os.as_deref().unwrap_or("unknown OS");
            (
                0,
                format!("{} ({os})", artifact.name),
                "os-pkgs",
                os.split(' ').next().unwrap_or(os).to_owned(),
            )
        }
        _ => {
            let label = match package.cataloger.as_str() {
                "python-installed" => Some("Python"),
                "npm-nodemodules" => Some("Node.js"),
                "ruby-gemspecs" => Some("Ruby"),
                _ => None,
            };
            let name = label.map_or_else(
                || {
                    package
                        .locations
                        .first()
                        .map_or_else(|| kind.clone(), |l| l.path.clone())
                },
                str::to_owned,
            );
            (1, name, "lang-pkgs", kind)
        }
    }
}

/// `debian 12`, from the inventory's OS release.
pub(crate) fn os_label(inventory: &Inventory) -> Option<String> {
    inventory.os.as_ref().map(|os| match &os.version_id {
        Some(v) => format!("{} {v}", os.id),
        None => os.id.clone(),
    })
}
