//! What each subcommand does: call the libraries, render, write, pick the exit status.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use anyhow::bail;
use bulkhead_fsview::DirView;
use bulkhead_image::{Image, ImageError, ImageSource};
use bulkhead_inventory::Inventory;
use bulkhead_report::{
    Artifact, ExitStatus, OutputFormat, VerificationReport, VerifiedLayer, gate,
    render_image_summary, render_inventory, render_scan, render_verification, write_atomically,
};
use bulkhead_sbom::{DocumentInfo, Subject};
use bulkhead_secrets::targets::LayerSecrets;
use bulkhead_suppress::Suppressions;

use crate::args::{
    Cli, Command, ConfigArgs, DbCommand, FsArgs, ImageAction, ImageArgs, OpenArgs, OutputArgs,
    SbomArgs, ScanArgs, Scanner, VerifyArgs,
};
use crate::{db, scan};

pub(crate) fn run(cli: &Cli) -> anyhow::Result<ExitStatus> {
    match &cli.command {
        Command::Image(ImageArgs {
            action: Some(ImageAction::Verify(args)),
            ..
        }) => verify(args),
        Command::Image(ImageArgs {
            action: Some(ImageAction::Inspect(args)),
            ..
        }) => inspect(args),
        Command::Image(args) => image(args, cli.quiet),
        Command::Fs(args) => fs(args, cli.quiet),
        Command::Sbom(args) => sbom(args, cli.quiet),
        Command::Config(args) => config(args, cli.quiet),
        Command::Db(command) => {
            let text = match command {
                DbCommand::Status(args) => db::status(args)?,
                DbCommand::Import(args) => db::import(args, cli.quiet)?,
                DbCommand::Update(args) => db::update(args, cli.quiet)?,
            };
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
            Ok(ExitStatus::Success)
        }
    }
}

fn image(args: &ImageArgs, quiet: bool) -> anyhow::Result<ExitStatus> {
    let reference = args
        .reference
        .as_deref()
        .context("missing image reference")?;
    // Settle the database, rules and suppressions before the (long) image read.
    let plan = plan(&args.scan, args.output.format)?;
    let options = args.open.to_options()?;
    let source = ImageSource::parse(reference)?;
    let image =
        Image::open(&source, &options).with_context(|| format!("cannot open image `{source}`"))?;
    let inventory_options = bulkhead_inventory::Options::default();
    let policy = bulkhead_inventory::prefetch_policy(&inventory_options);
    let mut findings = Findings::default();
    // One pass over the layers: verification, package records for the inventory, and every
    // file of every layer for the secret rules.
    let layers = match &plan.secrets {
        Some(secrets) => {
            let collector = LayerSecrets::new(secrets.ruleset(), secrets.options);
            let layers = image
                .read_layers_inspecting(&policy, inventory_options.prefetch_budget, &collector)
                .with_context(|| format!("cannot read the layers of `{source}`"))?;
            findings.secrets = collector.findings(&layers);
            let summary = image.summary(&layers);
            findings
                .secrets
                .extend(bulkhead_secrets::targets::config_findings(
                    secrets.ruleset(),
                    &secrets.options,
                    &summary.env,
                    &summary.labels,
                    &image.history(),
                ));
            layers
        }
        None => image
            .read_layers_prefetching(&policy, inventory_options.prefetch_budget)
            .with_context(|| format!("cannot read the layers of `{source}`"))?,
    };
    if plan.misconfig {
        let summary = image.summary(&layers);
        findings
            .misconfig
            .extend(bulkhead_misconfig::image_config::check(
                &bulkhead_misconfig::image_config::ImageFacts {
                    user: summary.user.as_deref(),
                    exposed_ports: &summary.exposed_ports,
                    healthcheck: image.healthcheck(),
                    history: &image.history(),
                },
            ));
    }
    let inventory = catalog_if_needed(&layers, &plan, &args.scan, args.output.format, quiet)?;
    let subject = image_subject(reference, &image);
    finish_scan(
        &args.output,
        &args.scan,
        "container_image",
        &subject,
        &inventory,
        &plan,
        findings,
        quiet,
    )
}

fn inspect(args: &VerifyArgs) -> anyhow::Result<ExitStatus> {
    let (image, layers) = open_and_read(&args.reference, &args.open, false)?;
    let summary = image.summary(&layers);
    emit(
        &args.output,
        &render_image_summary(&summary, args.output.format)?,
    )?;
    Ok(ExitStatus::Success)
}

/// What a scan will do, settled before any artifact is read: the database (for `vuln`), the
/// rules (for `secret`), and the suppressions. SBOM formats without `--scanners` write a plain
/// SBOM, as Trivy does.
struct Plan {
    vuln: Option<VulnSetup>,
    secrets: Option<SecretSetup>,
    misconfig: bool,
    suppressions: Suppressions,
}

/// What the analyzers other than `vuln` found, gathered by each front door.
#[derive(Default)]
struct Findings {
    secrets: Vec<bulkhead_finding::Finding>,
    misconfig: Vec<bulkhead_finding::Finding>,
    /// Misconfigurations an inline comment in the scanned file suppressed.
    suppressed: Vec<bulkhead_misconfig::inline::Suppressed>,
    /// Configuration files that could not be judged.
    warnings: Vec<String>,
}

impl Findings {
    fn add_misconfig(&mut self, outcome: bulkhead_misconfig::Outcome) {
        self.misconfig.extend(outcome.findings);
        self.suppressed.extend(outcome.suppressed);
        self.warnings.extend(outcome.warnings);
    }
}

struct VulnSetup {
    db: bulkhead_vulndb::Database,
    db_used: bulkhead_report::DatabaseUsed,
}

struct SecretSetup {
    /// User rules (`--secret-config`), else the embedded gitleaks defaults.
    rules: Option<bulkhead_secrets::Ruleset>,
    options: bulkhead_secrets::targets::Options,
    baseline: Option<bulkhead_secrets::baseline::Baseline>,
}

impl SecretSetup {
    fn ruleset(&self) -> &bulkhead_secrets::Ruleset {
        self.rules
            .as_ref()
            .unwrap_or_else(|| bulkhead_secrets::Ruleset::default_rules())
    }
}

fn plan(scan: &ScanArgs, format: OutputFormat) -> anyhow::Result<Plan> {
    let chosen = match &scan.scanners {
        Some(list) => list.clone(),
        None if format.is_sbom() => Vec::new(),
        None => vec![Scanner::Vuln, Scanner::Secret],
    };
    if format == OutputFormat::SpdxJson && chosen.contains(&Scanner::Vuln) {
        bail!("SPDX documents cannot carry vulnerabilities; use --format cyclonedx");
    }
    let vuln = if chosen.contains(&Scanner::Vuln) {
        let (db, db_used) = db::open(&scan.db)?;
        Some(VulnSetup { db, db_used })
    } else {
        None
    };
    let secrets = if chosen.contains(&Scanner::Secret) {
        let rules = match &scan.secret_config {
            Some(path) => {
                let text = fs_err::read_to_string(path)
                    .with_context(|| format!("cannot read secret rules `{}`", path.display()))?;
                Some(bulkhead_secrets::Ruleset::from_toml(&text, path)?)
            }
            None => None,
        };
        let baseline = match &scan.secret_baseline {
            Some(path) => {
                let bytes = fs_err::read(path)?;
                Some(
                    bulkhead_secrets::baseline::Baseline::parse(&bytes).with_context(|| {
                        format!("cannot read the baseline `{}`", path.display())
                    })?,
                )
            }
            None => None,
        };
        let max_file_size = crate::args::parse_size(&scan.secret_max_file_size)
            .context("invalid --secret-max-file-size")?;
        Some(SecretSetup {
            rules,
            options: bulkhead_secrets::targets::Options {
                show_secrets: scan.show_secrets,
                max_file_size,
                ..bulkhead_secrets::targets::Options::default()
            },
            baseline,
        })
    } else {
        None
    };
    let mut suppressions = Suppressions::default();
    let ignorefile = scan.ignorefile.clone().or_else(|| {
        let default = Path::new(".bulkheadignore");
        default.is_file().then(|| default.to_owned())
    });
    if let Some(path) = ignorefile {
        let bytes = fs_err::read(&path)
            .with_context(|| format!("cannot read the ignore file `{}`", path.display()))?;
        let today = bulkhead_suppress::CalendarDate::from_system_time(std::time::SystemTime::now());
        suppressions.add_ignore_file(&path, &bytes, today)?;
    }
    for path in &scan.vex {
        let bytes = fs_err::read(path)
            .with_context(|| format!("cannot read the VEX document `{}`", path.display()))?;
        suppressions.add_openvex(path, &bytes)?;
    }
    Ok(Plan {
        vuln,
        secrets,
        misconfig: chosen.contains(&Scanner::Misconfig),
        suppressions,
    })
}

/// Matches, filters, renders and gates. `kind`: `container_image`, `filesystem` or `sbom`.
#[allow(clippy::too_many_arguments)] // one call per front door; a struct would only rename them
fn finish_scan(
    output: &OutputArgs,
    scan: &ScanArgs,
    kind: &str,
    subject: &Subject,
    inventory: &Inventory,
    plan: &Plan,
    findings: Findings,
    quiet: bool,
) -> anyhow::Result<ExitStatus> {
    if plan.vuln.is_none() && plan.secrets.is_none() && !plan.misconfig {
        if output.format.is_sbom() {
            emit(output, &sbom_document(output.format, subject, inventory)?)?;
            return Ok(ExitStatus::Success);
        }
        bail!("no scanner selected: pass --scanners vuln,secret,misconfig");
    }
    let artifact = Artifact {
        name: subject.name.clone(),
        kind: kind.to_owned(),
        digest: subject.digest.clone(),
        os: scan::os_label(inventory),
    };
    let mut report = match &plan.vuln {
        Some(vuln) => {
            scan::vulnerability_report(artifact, inventory, &vuln.db, vuln.db_used.clone(), scan)?
        }
        None => scan::empty_report(artifact, inventory, scan),
    };
    let Findings {
        secrets: mut secret_findings,
        mut misconfig,
        suppressed,
        warnings,
    } = findings;
    report.warnings.extend(warnings);
    // `--skip-rules`: by our id or any alias, before anything else sees the findings.
    let skipped =
        |f: &bulkhead_finding::Finding| scan.skip_rules.iter().any(|r| f.rule.answers_to(r));
    secret_findings.retain(|f| !skipped(f));
    misconfig.retain(|f| !skipped(f));
    if let Some(path) = &scan.write_secret_baseline {
        let text = bulkhead_secrets::baseline::Baseline::write(
            &secret_findings,
            concat!("bulkhead ", env!("CARGO_PKG_VERSION")),
        );
        write_atomically(path, text.as_bytes())
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    if let Some(baseline) = plan.secrets.as_ref().and_then(|s| s.baseline.as_ref()) {
        let before = secret_findings.len();
        secret_findings.retain(|f| !baseline.accepts(f));
        let accepted = before - secret_findings.len();
        if accepted > 0 {
            report.warnings.push(format!(
                "{accepted} secret findings are accepted by the baseline and not reported"
            ));
        }
    }
    scan::add_findings(&mut report, secret_findings, "secret", Vec::new());
    scan::add_findings(&mut report, misconfig, "config", suppressed);
    scan::filter(&mut report, scan, &plan.suppressions);
    if !quiet {
        for warning in report.warnings.iter().skip(inventory.warnings.len()) {
            eprintln!("warning: {warning}");
        }
    }
    let text = if output.format == OutputFormat::Cyclonedx {
        let rows: Vec<_> = report.vulnerabilities().map(|(_, v)| v.clone()).collect();
        let info = DocumentInfo {
            created: db::now(),
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
        };
        let mut text = serde_json::to_string_pretty(
            &bulkhead_sbom::cyclonedx_with_vulnerabilities(subject, inventory, &info, &rows),
        )?;
        text.push('\n');
        text
    } else {
        render_scan(&report, output.format)?
    };
    emit(output, &text)?;
    Ok(gate(&report, scan.exit_code))
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
    let plan = plan(&args.scan, args.output.format)?;
    let view = DirView::new(&args.dir)?;
    let inventory = catalog_if_needed(&view, &plan, &args.scan, args.output.format, quiet)?;
    let mut secret_findings = match &plan.secrets {
        Some(secrets) => {
            let gitignore = args
                .skip_gitignored
                .then(|| bulkhead_secrets::gitignore::GitignoreRules::load(&args.dir));
            if !quiet {
                for warning in gitignore
                    .iter()
                    .flat_map(bulkhead_secrets::gitignore::GitignoreRules::warnings)
                {
                    eprintln!("warning: {warning}");
                }
            }
            bulkhead_secrets::targets::tree_findings(
                secrets.ruleset(),
                &secrets.options,
                &view,
                gitignore.as_ref(),
            )
            .with_context(|| format!("cannot read `{}`", args.dir.display()))?
        }
        None => Vec::new(),
    };
    if args.git {
        let Some(secrets) = &plan.secrets else {
            bail!("--git searches history for secrets: add `secret` to --scanners");
        };
        let (found, stats) =
            bulkhead_secrets::targets::git_findings(secrets.ruleset(), &secrets.options, &args.dir)
                .with_context(|| {
                    format!("cannot read the git history of `{}`", args.dir.display())
                })?;
        if !quiet {
            eprintln!(
                "git history: {} commits, {} distinct blobs searched, {} over the size cap skipped",
                stats.commits, stats.blobs, stats.skipped_large
            );
        }
        secret_findings.extend(found);
    }
    let mut findings = Findings {
        secrets: secret_findings,
        ..Findings::default()
    };
    if plan.misconfig {
        findings.add_misconfig(crate::misconfig::scan_path(&args.dir)?);
    }
    let subject = Subject {
        name: args.dir.display().to_string(),
        digest: None,
        is_image: false,
    };
    finish_scan(
        &args.output,
        &args.scan,
        "filesystem",
        &subject,
        &inventory,
        &plan,
        findings,
        quiet,
    )
}

fn config(args: &ConfigArgs, quiet: bool) -> anyhow::Result<ExitStatus> {
    if args.list_rules {
        emit(&args.output, &render_rules(args.output.format)?)?;
        return Ok(ExitStatus::Success);
    }
    let Some(path) = &args.path else {
        bail!("missing PATH");
    };
    let scan = ScanArgs {
        scanners: Some(
            args.scan
                .scanners
                .clone()
                .unwrap_or_else(|| vec![Scanner::Misconfig]),
        ),
        ..args.scan.clone()
    };
    let plan = plan(&scan, args.output.format)?;
    if plan.vuln.is_some() || plan.secrets.is_some() {
        bail!(
            "`bulkhead config` runs the misconfig scanner only; use `bulkhead fs` for the others"
        );
    }
    let mut findings = Findings::default();
    findings.add_misconfig(crate::misconfig::scan_path(path)?);
    let subject = Subject {
        name: path.display().to_string(),
        digest: None,
        is_image: false,
    };
    finish_scan(
        &args.output,
        &scan,
        "filesystem",
        &subject,
        &Inventory::default(),
        &plan,
        findings,
        quiet,
    )
}

/// `bulkhead config --list-rules`: a table, or JSON for `--format json`.
fn render_rules(format: OutputFormat) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let rules: Vec<_> = bulkhead_misconfig::rules().collect();
    if format == OutputFormat::Json {
        let mut text = serde_json::to_string_pretty(&rules)?;
        text.push('\n');
        return Ok(text);
    }
    let mut text = String::new();
    for rule in rules {
        let _ = writeln!(
            text,
            "{}\t{}\t{}\t{}\t{}",
            rule.id,
            rule.severity,
            rule.theme,
            rule.aliases.join(","),
            rule.title
        );
    }
    Ok(text)
}

fn sbom(args: &SbomArgs, quiet: bool) -> anyhow::Result<ExitStatus> {
    let format = args.format.unwrap_or(OutputFormat::Cyclonedx);
    let output = OutputArgs {
        format,
        output: args.output.clone(),
    };
    let path = Path::new(&args.target);
    if path.is_file() && looks_like_sbom(path) {
        let bytes = fs_err::read(path)?;
        let inventory = bulkhead_sbom::read(&bytes, &args.target)
            .with_context(|| format!("cannot read SBOM `{}`", args.target))?;
        let subject = Subject {
            name: args.target.clone(),
            digest: None,
            is_image: false,
        };
        // Reading an SBOM back: scan it (Trivy's `sbom FILE`), or convert it.
        let format = args.format.unwrap_or(OutputFormat::Table);
        let output = OutputArgs {
            format,
            output: args.output.clone(),
        };
        if args
            .scan
            .scanners
            .as_ref()
            .is_some_and(|s| s.contains(&Scanner::Secret))
        {
            bail!("an SBOM lists packages, not file contents: only the vuln scanner applies");
        }
        let scanners = match &args.scan.scanners {
            Some(list) => list.clone(),
            None if format.is_sbom() => Vec::new(),
            None => vec![Scanner::Vuln],
        };
        let plan = plan(
            &ScanArgs {
                scanners: Some(scanners),
                ..args.scan.clone()
            },
            format,
        )?;
        return finish_scan(
            &output,
            &args.scan,
            "sbom",
            &subject,
            &inventory,
            &plan,
            Findings::default(),
            quiet,
        );
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
    let text = if format.is_sbom() {
        sbom_document(format, &subject, &inventory)?
    } else {
        render_inventory(&inventory, format)?
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

/// The inventory, when something will use it: matching, an SBOM, `--list-all-pkgs`. A
/// secret-only scan skips cataloging, which is most of its time on a large tree.
fn catalog_if_needed(
    view: &dyn bulkhead_fsview::FsView,
    plan: &Plan,
    scan: &ScanArgs,
    format: OutputFormat,
    quiet: bool,
) -> anyhow::Result<Inventory> {
    if plan.vuln.is_some() || format.is_sbom() || scan.list_all_pkgs {
        return catalog(view, quiet);
    }
    Ok(Inventory {
        os: bulkhead_inventory::os::detect(view),
        ..Inventory::default()
    })
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
        created: db::now(),
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
