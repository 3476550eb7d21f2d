//! Table and JSON renderings of image summaries, verification results and inventories.

use std::fmt::Write as _;

use bulkhead_image::ImageSummary;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};

use crate::{OutputFormat, json_envelope};

/// Renders an image summary as a table or JSON.
pub fn render_image_summary(
    summary: &ImageSummary,
    format: OutputFormat,
) -> serde_json::Result<String> {
    if format == OutputFormat::Json {
        return json_envelope("image", summary);
    }
    let mut out = String::new();
    let none = || "-".to_owned();
    let join = |v: &[String]| if v.is_empty() { none() } else { v.join(" ") };
    let mut facts = Table::new();
    facts.load_preset(UTF8_FULL_CONDENSED);
    let rows: [(&str, String); 11] = [
        ("Image", summary.source.clone()),
        (
            "Manifest",
            summary
                .manifest_digest
                .as_ref()
                .map_or_else(none, ToString::to_string),
        ),
        ("Config", summary.config_digest.to_string()),
        ("Platform", summary.platform.to_string()),
        ("Created", summary.created.clone().unwrap_or_else(none)),
        (
            "User",
            summary
                .user
                .clone()
                .unwrap_or_else(|| "(unset: root)".to_owned()),
        ),
        ("Exposed ports", join(&summary.exposed_ports)),
        ("Entrypoint", join(&summary.entrypoint)),
        ("Cmd", join(&summary.cmd)),
        (
            "Working dir",
            summary.working_dir.clone().unwrap_or_else(none),
        ),
        (
            "Hidden files",
            format!(
                "{} (deleted or overwritten by a later layer)",
                summary.hidden_files
            ),
        ),
    ];
    for (k, v) in rows {
        facts.add_row(vec![k.to_owned(), v]);
    }
    for env in &summary.env {
        facts.add_row(vec!["Env".to_owned(), env.clone()]);
    }
    for (k, v) in &summary.labels {
        facts.add_row(vec!["Label".to_owned(), format!("{k}={v}")]);
    }
    let _ = writeln!(out, "{facts}");

    let mut layers = Table::new();
    layers.load_preset(UTF8_FULL_CONDENSED);
    layers.set_header(vec![
        "#",
        "Digest",
        "Size",
        "Uncompressed",
        "Entries",
        "Compression",
        "Created by",
    ]);
    for (i, layer) in summary.layers.iter().enumerate() {
        let created_by = layer.created_by.clone().unwrap_or_default();
        layers.add_row(vec![
            (i + 1).to_string(),
            layer.digest.short().to_owned(),
            human_bytes(layer.size),
            human_bytes(layer.uncompressed_size),
            layer.entries.to_string(),
            layer.compression.as_str().to_owned(),
            truncate(&created_by, 60),
        ]);
    }
    let _ = writeln!(out, "{layers}");
    Ok(out)
}

/// `1.2 MiB`-style sizes; exact bytes stay available in JSON.
fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    #[allow(clippy::cast_precision_loss)] // display only
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(51_083_317), "48.7 MiB");
        assert_eq!(truncate("abcdef", 4), "abc…");
    }
}

/// The outcome of `bulkhead image verify`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerificationReport {
    pub image: String,
    pub verified: bool,
    pub manifest_digest: Option<String>,
    pub config_digest: Option<String>,
    /// Each verified layer: blob digest and diff_id.
    pub layers: Vec<VerifiedLayer>,
    /// Why verification failed, naming the blob.
    pub error: Option<String>,
}

/// One layer whose blob digest and diff_id both matched.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VerifiedLayer {
    pub digest: String,
    pub diff_id: String,
}

/// Renders a verification outcome as a short list or JSON.
pub fn render_verification(
    report: &VerificationReport,
    format: OutputFormat,
) -> serde_json::Result<String> {
    if format == OutputFormat::Json {
        return json_envelope("verification", report);
    }
    let mut out = String::new();
    let _ = writeln!(out, "{}", report.image);
    if let Some(d) = &report.manifest_digest {
        let _ = writeln!(out, "  ok  manifest  {d}");
    }
    if let Some(d) = &report.config_digest {
        let _ = writeln!(out, "  ok  config    {d}");
    }
    for (i, layer) in report.layers.iter().enumerate() {
        let _ = writeln!(
            out,
            "  ok  layer {:<3} {} (diff_id {})",
            i + 1,
            layer.digest,
            layer.diff_id
        );
    }
    match &report.error {
        None => {
            let _ = writeln!(out, "verified: every digest matches");
        }
        Some(e) => {
            let _ = writeln!(out, "FAILED: {e}");
        }
    }
    Ok(out)
}

/// Renders a package inventory as a table (grouped by ecosystem) or JSON.
pub fn render_inventory(
    inventory: &bulkhead_inventory::Inventory,
    format: OutputFormat,
) -> serde_json::Result<String> {
    if format != OutputFormat::Table {
        return json_envelope("inventory", inventory);
    }
    let mut out = String::new();
    if let Some(os) = &inventory.os {
        let _ = writeln!(
            out,
            "OS: {}",
            os.pretty_name.clone().unwrap_or_else(|| format!(
                "{} {}",
                os.id,
                os.version_id.clone().unwrap_or_default()
            ))
        );
    } else {
        let _ = writeln!(out, "OS: unknown");
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(vec!["Type", "Package", "Version", "Source", "Location"]);
    for p in &inventory.packages {
        let location = p
            .locations
            .first()
            .map(|l| format!("/{}", l.path))
            .unwrap_or_default();
        let more = if p.locations.len() > 1 {
            format!(" (+{})", p.locations.len() - 1)
        } else {
            String::new()
        };
        table.add_row(vec![
            p.ecosystem.purl_type().to_owned(),
            if p.dev {
                format!("{} (dev)", p.name)
            } else {
                p.name.clone()
            },
            p.version.clone(),
            p.source
                .as_ref()
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            truncate(&format!("{location}{more}"), 60),
        ]);
    }
    let _ = writeln!(out, "{table}");
    let _ = writeln!(out, "{} packages", inventory.packages.len());
    for w in &inventory.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    Ok(out)
}
