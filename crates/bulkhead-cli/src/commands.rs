//! What each subcommand does: call the libraries, render, write, pick the exit status.

use std::io::Write as _;

use anyhow::Context as _;
use bulkhead_fsview::{DirView, FileKind, FsView as _};
use bulkhead_image::{Image, ImageError, ImageSource};
use bulkhead_report::{
    ExitStatus, FsSummary, VerificationReport, VerifiedLayer, render_fs_summary,
    render_image_summary, render_verification, write_atomically,
};

use crate::args::{Cli, Command, FsArgs, ImageAction, ImageArgs, OpenArgs, OutputArgs, VerifyArgs};

pub(crate) fn run(cli: &Cli) -> anyhow::Result<ExitStatus> {
    match &cli.command {
        Command::Image(ImageArgs {
            action: Some(ImageAction::Verify(args)),
            ..
        }) => verify(args),
        Command::Image(args) => image(args),
        Command::Fs(args) => fs(args),
    }
}

fn image(args: &ImageArgs) -> anyhow::Result<ExitStatus> {
    let reference = args
        .reference
        .as_deref()
        .context("missing image reference")?;
    let (image, layers) = open_and_read(reference, &args.open)?;
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
    let outcome = open_and_read(&args.reference, &args.open);
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

fn open_and_read(
    reference: &str,
    open: &OpenArgs,
) -> anyhow::Result<(Image, bulkhead_image::LayeredFs)> {
    let options = open.to_options()?;
    let source = ImageSource::parse(reference)?;
    let image =
        Image::open(&source, &options).with_context(|| format!("cannot open image `{source}`"))?;
    let layers = image
        .read_layers()
        .with_context(|| format!("cannot read the layers of `{source}`"))?;
    Ok((image, layers))
}

fn fs(args: &FsArgs) -> anyhow::Result<ExitStatus> {
    let view = DirView::new(&args.dir)?;
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
