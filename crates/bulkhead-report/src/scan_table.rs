//! The scan report as a table for people, grouped by target as Trivy prints it.

use std::fmt::Write as _;

use bulkhead_finding::Severity;
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use crate::scan::{ScanReport, ScanTarget};

/// Column widths are capped so a long title does not push the table off the screen.
const TITLE_CHARS: usize = 60;

pub(crate) fn render(report: &ScanReport) -> String {
    let mut out = String::new();
    let packages: u64 = report.results.iter().map(|t| t.packages).sum();
    let label = report
        .artifact
        .os
        .as_deref()
        .unwrap_or(&report.artifact.kind);
    // Package counts mean something only when packages were matched (the vuln scanner ran).
    match &report.database {
        Some(db) => {
            let _ = writeln!(
                out,
                "{} ({label}): {packages} packages checked",
                report.artifact.name
            );
            let _ = writeln!(
                out,
                "Vulnerability database: {} (built {})",
                db.location, db.built_at
            );
        }
        None => {
            let _ = writeln!(out, "{} ({label})", report.artifact.name);
        }
    }
    out.push('\n');
    let mut any = false;
    for target in &report.results {
        if target.vulnerabilities.is_empty() && target.findings.is_empty() {
            continue;
        }
        any = true;
        render_target(&mut out, target);
    }
    let suppressed: usize = report
        .results
        .iter()
        .map(|t| t.suppressed_findings.len())
        .sum();
    if !any {
        if report.database.is_some() {
            let _ = writeln!(
                out,
                "No vulnerabilities found ({packages} packages in {} targets checked).",
                report.results.len()
            );
        } else {
            let _ = writeln!(out, "Nothing found.");
        }
    }
    if suppressed > 0 {
        let _ = writeln!(
            out,
            "{suppressed} findings suppressed by inline comments (listed with their reasons in --format json)."
        );
    }
    out
}

fn render_target(out: &mut String, target: &ScanTarget) {
    // OS targets already name the release; language targets say their package type.
    let title = match &target.kind {
        Some(kind) if target.class != "os-pkgs" => format!("{} ({kind})", target.target),
        _ => target.target.clone(),
    };
    let _ = writeln!(out, "{title}");
    let _ = writeln!(out, "{}", "=".repeat(title.chars().count()));
    if !target.vulnerabilities.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            totals(target.vulnerabilities.iter().map(|v| v.severity))
        );
        out.push('\n');
        let mut table = Table::new();
        table
            .load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header([
                "Library",
                "Vulnerability",
                "Severity",
                "Status",
                "Installed Version",
                "Fixed Version",
                "Title",
            ]);
        for v in &target.vulnerabilities {
            table.add_row([
                v.package.clone(),
                v.id.clone(),
                v.severity.to_string(),
                if v.is_fixed() { "fixed" } else { "affected" }.to_owned(),
                v.installed_version.clone(),
                v.fixed_version.clone().unwrap_or_default(),
                short(&v.title),
            ]);
        }
        let _ = writeln!(out, "{table}");
    }
    if !target.findings.is_empty() && target.class == "config" {
        let _ = writeln!(
            out,
            "{}",
            totals(target.findings.iter().map(|f| f.severity))
        );
        out.push('\n');
        for f in &target.findings {
            render_snippet(out, f);
        }
    } else if !target.findings.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            totals(target.findings.iter().map(|f| f.severity))
        );
        out.push('\n');
        let mut table = Table::new();
        table
            .load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(["Rule", "Severity", "Title", "Location"]);
        for f in &target.findings {
            table.add_row([
                f.rule.id.clone(),
                f.severity.to_string(),
                short(&f.title),
                crate::location_text(&f.location),
            ]);
        }
        let _ = writeln!(out, "{table}");
    }
    out.push('\n');
}

/// A misconfiguration with the source lines it is about, as compilers show diagnostics:
///
/// ```text
/// BH-DF-001 (MEDIUM): Base image "node:latest" uses the latest tag
///   --> Dockerfile:1:6
///    |
///  1 | FROM node:latest
///    |
///    = fix: Pin the base image to a specific version tag or, better, a digest.
/// ```
fn render_snippet(out: &mut String, f: &bulkhead_finding::Finding) {
    let _ = writeln!(out, "{} ({}): {}", f.rule.id, f.severity, f.title);
    let _ = writeln!(out, "  --> {}", crate::location_text(&f.location));
    let focus = match &f.location {
        bulkhead_finding::Location::File { line, .. }
        | bulkhead_finding::Location::Object { line, .. } => *line,
        _ => None,
    };
    match &f.evidence {
        Some(evidence) if evidence.first_line.is_some() => {
            let first = evidence.first_line.unwrap_or(1);
            let count = u32::try_from(evidence.text.lines().count()).unwrap_or(u32::MAX);
            let width = first.saturating_add(count).to_string().len();
            let _ = writeln!(out, "{:width$} |", "");
            for (n, line) in (first..).zip(evidence.text.lines()) {
                // With several lines, point at the one the finding is about.
                let mark = if count > 1 && focus == Some(n) {
                    '>'
                } else {
                    ' '
                };
                let _ = writeln!(out, "{n:>width$} |{mark}{line}");
            }
            let _ = writeln!(out, "{:width$} |", "");
        }
        Some(evidence) => {
            let _ = writeln!(out, "    {}", evidence.text);
        }
        None => {}
    }
    if let Some(fix) = &f.remediation {
        let _ = writeln!(out, "   = fix: {fix}");
    }
    out.push('\n');
}

fn totals(severities: impl Iterator<Item = Severity>) -> String {
    let mut counts = [0u64; 5];
    let mut total = 0;
    for s in severities {
        counts[s as usize] += 1;
        total += 1;
    }
    let parts: Vec<String> = Severity::ALL
        .iter()
        .map(|s| format!("{s}: {}", counts[*s as usize]))
        .collect();
    format!("Total: {total} ({})", parts.join(", "))
}

fn short(text: &str) -> String {
    if text.chars().count() <= TITLE_CHARS {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(TITLE_CHARS - 1).collect();
    s.push('…');
    s
}
