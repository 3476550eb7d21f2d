//! What each subcommand does: call the libraries, render, write, pick the exit status.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use bulkhead_fsview::{DirView, FileKind, FsView as _};
use bulkhead_image::{Image, ImageError, ImageSource};
use bulkhead_inventory::Inventory;
use bulkhead_report::{
    ExitStatus, FsSummary, OutputFormat, VerificationReport, VerifiedLayer, render_fs_summary,
    render_image_summary, render_inventory, render_verification, write_atomically,
};
use bulkhead_sbom::{DocumentInfo, Subject};

use crate::args::{
    Cli, Command, FsArgs, ImageAction, ImageArgs, OpenArgs, OutputArgs, SbomArgs, VerifyArgs,
};

pub(crate) fn run(cli: &Cli) -> anyhow::Result<ExitStatus> {
    match &cli.command {
        Command::Image(ImageArgs {
            action: Some(ImageAction::Verify(args)),
            ..
        }) => verify(args),
        Command::Image(args) => image(args, cli.quiet),
        Command::Fs(args) => fs(args, cli.quiet),
        Command::Sbom(args) => sbom(args, cli.quiet),
    }
}

fn image(args: &ImageArgs, quiet: bool) -> anyhow::Result<ExitStatus> {
    let reference = args
        .reference
        .as_deref()
        .context("missing image reference")?;
    let (image, layers) = open_and_read(reference, &args.open, args.output.format.is_sbom())?;
    if args.output.format.is_sbom() {
        let inventory = catalog(&layers, quiet)?;
        let subject = image_subject(reference, &image);
        emit(
            &args.output,
            &sbom_document(args.output.format, &subject, &inventory)?,
        )?;
        return Ok(ExitStatus::Success);
    }
    let summary = image.summary(&layers);
    emit(
        &args.output,
        &render_image_summary(&summary, args.output.format)?,
    )?;
    Ok(ExitStatus::Success)
}

fn verify(args: &VerifyArgs) -> anyhow::Result<ExitStatus> {
    let mut report = VerificationReport {
        image: args.reference.clone(),
        verified: false,
        manifest_digest: None,
        config_digest: None,
        layers: Vec::new(),
        error: None,
    };
    let outcome = open_and_read(&args.reference, &args.open, false);
    let status = match outcome {
        Ok((image, fs)) => {
            report.verified = true;
            report.manifest_digest = image.manifest_digest().map(ToString::to_string);
            report.config_digest = Some(image.config_digest().to_string());
            report.layers = fs
                .layers()
                .iter()
                .map(|l| VerifiedLayer {
                    digest: l.digest.to_string(),
                    diff_id: l.diff_id.to_string(),
                })
                .collect();
            ExitStatus::Success
        }
        Err(err) if is_integrity(&err) => {
            report.error = Some(format!("{err:#}"));
            ExitStatus::GateFailed
        }
        Err(err) => return Err(err),
    };
    emit(
        &args.output,
        &render_verification(&report, args.output.format)?,
    )?;
    Ok(status)
}

fn is_integrity(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<ImageError>()
            .is_some_and(ImageError::is_integrity_failure)
    })
}

/// Opens an image and reads (verifies) its layers. `for_inventory`: also keep the package
/// records and probe the executables the catalogers want while the layers stream past, so
/// cataloging rarely decompresses a layer twice.
fn open_and_read(
    reference: &str,
    open: &OpenArgs,
    for_inventory: bool,
) -> anyhow::Result<(Image, bulkhead_image::LayeredFs)> {
    let options = open.to_options()?;
    let source = ImageSource::parse(reference)?;
    let image =
        Image::open(&source, &options).with_context(|| format!("cannot open image `{source}`"))?;
    let layers = if for_inventory {
        let inventory_options = bulkhead_inventory::Options::default();
        image.read_layers_prefetching(
            &bulkhead_inventory::prefetch_policy(&inventory_options),
            inventory_options.prefetch_budget,
        )
    } else {
        image.read_layers()
    }
    .with_context(|| format!("cannot read the layers of `{source}`"))?;
    Ok((image, layers))
}

fn fs(args: &FsArgs, quiet: bool) -> anyhow::Result<ExitStatus> {
    let view = DirView::new(&args.dir)?;
    if args.output.format.is_sbom() {
        let inventory = catalog(&view, quiet)?;
        let subject = Subject {
            name: args.dir.display().to_string(),
            digest: None,
            is_image: false,
        };
        emit(
            &args.output,
            &sbom_document(args.output.format, &subject, &inventory)?,
        )?;
        return Ok(ExitStatus::Success);
    }
    let mut summary = FsSummary {
        root: args.dir.display().to_string(),
        ..FsSummary::default()
    };
    view.walk(&mut |entry| {
        match entry.metadata.kind {
            FileKind::File => {
                summary.files += 1;
                summary.total_bytes += entry.metadata.size;
            }
            FileKind::Dir => summary.directories += 1,
            FileKind::Symlink { .. } => summary.symlinks += 1,
            FileKind::Other => summary.other += 1,
        }
        Ok(())
    })
    .with_context(|| format!("cannot read `{}`", args.dir.display()))?;
    emit(
        &args.output,
        &render_fs_summary(&summary, args.output.format)?,
    )?;
    Ok(ExitStatus::Success)
}

fn sbom(args: &SbomArgs, quiet: bool) -> anyhow::Result<ExitStatus> {
    let output = OutputArgs {
        format: args.format,
        output: args.output.clone(),
    };
    let path = Path::new(&args.target);
    if path.is_file() && looks_like_sbom(path) {
        let bytes = fs_err::read(path)?;
        let inventory = bulkhead_sbom::read(&bytes, &args.target)
            .with_context(|| format!("cannot read SBOM `{}`", args.target))?;
        let text = if args.format.is_sbom() {
            let subject = Subject {
                name: args.target.clone(),
                digest: None,
                is_image: false,
            };
            sbom_document(args.format, &subject, &inventory)?
        } else {
            render_inventory(&inventory, args.format)?
        };
        emit(&output, &text)?;
        return Ok(ExitStatus::Success);
    }
    let (subject, inventory) = if path.is_dir() && !path.join("oci-layout").exists() {
        let view = DirView::new(path)?;
        (
            Subject {
                name: args.target.clone(),
                digest: None,
                is_image: false,
            },
            catalog(&view, quiet)?,
        )
    } else {
        let (image, layers) = open_and_read(&args.target, &args.open, true)?;
        (
            image_subject(&args.target, &image),
            catalog(&layers, quiet)?,
        )
    };
    let text = if args.format.is_sbom() {
        sbom_document(args.format, &subject, &inventory)?
    } else {
        render_inventory(&inventory, args.format)?
    };
    emit(&output, &text)?;
    Ok(ExitStatus::Success)
}

/// A JSON document (first non-blank byte `{`): images and archives never start that way, and
/// `bulkhead_sbom::read` says clearly if it is JSON but neither CycloneDX nor SPDX.
fn looks_like_sbom(path: &Path) -> bool {
    use std::io::Read as _;
    let Ok(file) = fs_err::File::open(path) else {
        return false;
    };
    let mut head = Vec::new();
    if file.take(4096).read_to_end(&mut head).is_err() {
        return false;
    }
    head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// Catalogs a view; files that could not be parsed are reported on stderr (unless `quiet`)
/// and kept in the inventory, so a JSON consumer sees them too.
fn catalog(view: &dyn bulkhead_fsview::FsView, quiet: bool) -> anyhow::Result<Inventory> {
    let inventory = bulkhead_inventory::catalog(view, &bulkhead_inventory::Options::default())?;
    if !quiet {
        for warning in &inventory.warnings {
            eprintln!("warning: {warning}");
        }
    }
    Ok(inventory)
}

fn image_subject(reference: &str, image: &Image) -> Subject {
    Subject {
        name: reference.to_owned(),
        digest: Some(
            image
                .manifest_digest()
                .unwrap_or_else(|| image.config_digest())
                .to_string(),
        ),
        is_image: true,
    }
}

fn sbom_document(
    format: OutputFormat,
    subject: &Subject,
    inventory: &Inventory,
) -> anyhow::Result<String> {
    let info = DocumentInfo {
        created: now_rfc3339(),
        tool_version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    let doc = match format {
        OutputFormat::SpdxJson => bulkhead_sbom::spdx(subject, inventory, &info),
        _ => bulkhead_sbom::cyclonedx(subject, inventory, &info),
    };
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    Ok(text)
}

/// The current time (or `SOURCE_DATE_EPOCH`, for reproducible documents) as RFC 3339 UTC.
fn now_rfc3339() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Writes the report to `--output` (atomically) or stdout.
fn emit(output: &OutputArgs, text: &str) -> anyhow::Result<()> {
    if let Some(path) = &output.output {
        return write_atomically(path, text.as_bytes())
            .with_context(|| format!("cannot write `{}`", path.display()));
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}
