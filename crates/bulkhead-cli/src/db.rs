//! `bulkhead db …`, and which database a scan uses: `--db FILE` (or `$BULKHEAD_DB`), else
//! the local database in the cache directory if `db import`/`db update` made one, else the
//! database embedded in the binary.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use bulkhead_report::{DatabaseUsed, OutputFormat, json_envelope};
use bulkhead_vulndb::{Database, DbInfo, Writer, import::ImportStats};

use crate::args::{DbImportArgs, DbLocationArgs, DbStatusArgs, DbUpdateArgs};

/// Advisory data older than this gets a warning: new vulnerabilities are published daily.
const STALE_DAYS: i64 = 30;
/// Largest feed `db update` downloads.
const MAX_DOWNLOAD: u64 = 4 << 30;

/// `$BULKHEAD_CACHE_DIR/db`, else `$XDG_CACHE_HOME/bulkhead/db`, else `~/.cache/bulkhead/db`.
fn cache_dir() -> Option<PathBuf> {
    let cache = std::env::var_os("BULKHEAD_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("bulkhead")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/bulkhead")))?;
    Some(cache.join("db"))
}

/// The local database's path, whether or not it exists.
fn local_path(args: &DbLocationArgs) -> Option<PathBuf> {
    args.db
        .clone()
        .or_else(|| cache_dir().map(|d| d.join("bulkhead.db")))
}

/// Opens the database a scan should use.
pub(crate) fn open(args: &DbLocationArgs) -> anyhow::Result<(Database, DatabaseUsed)> {
    let db = match local_path(args) {
        Some(path) if args.db.is_some() || path.is_file() => {
            Database::open(&path).with_context(|| {
                format!(
                    "cannot open the vulnerability database `{}`",
                    path.display()
                )
            })?
        }
        _ => bulkhead_vulndb_embedded::open(cache_dir().as_deref())
            .context("cannot open the embedded vulnerability database")?
            .with_name("embedded"),
    };
    let info = db.info()?;
    Ok((
        db,
        DatabaseUsed {
            location: info.location,
            built_at: info.built_at,
        },
    ))
}

pub(crate) fn status(args: &DbStatusArgs) -> anyhow::Result<String> {
    let (db, _) = open(&args.db)?;
    let info = db.info()?;
    if args.format == OutputFormat::Json {
        return Ok(json_envelope("database", &info)?);
    }
    Ok(status_table(&info))
}

fn status_table(info: &DbInfo) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "Database:   {}", info.location);
    let _ = writeln!(out, "Schema:     {}", info.schema_version);
    let _ = writeln!(out, "Built:      {}", info.built_at);
    let _ = writeln!(
        out,
        "Contents:   {} advisories, {} affected packages",
        info.advisories, info.affected_packages
    );
    for imported in &info.imported {
        let _ = writeln!(out, "Imported:   {imported}");
    }
    let mut table = comfy_table::Table::new();
    table
        .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_header(["Source", "Advisories", "Newest advisory", "Age (days)"]);
    let today = today_days();
    let mut stale = Vec::new();
    for source in &info.sources {
        let age = source
            .newest
            .as_deref()
            .and_then(bulkhead_vulndb::time::days_since_epoch)
            .map(|d| today - d);
        if age.is_some_and(|a| a > STALE_DAYS) {
            stale.push(source.name.as_str());
        }
        table.add_row([
            source.name.clone(),
            source.advisories.to_string(),
            source.newest.clone().unwrap_or_else(|| "-".into()),
            age.map_or_else(|| "-".into(), |a| a.to_string()),
        ]);
    }
    let _ = writeln!(out, "{table}");
    if info.advisories == 0 {
        let _ = writeln!(
            out,
            "warning: the database is empty; import advisories with `bulkhead db import PATH`"
        );
    } else if !stale.is_empty() {
        let _ = writeln!(
            out,
            "warning: {} of {} sources have no advisory newer than {STALE_DAYS} days ({}); \
             vulnerabilities published since are not known. Run `bulkhead db update` or \
             `bulkhead db import`.",
            stale.len(),
            info.sources.len(),
            stale.join(", ")
        );
    }
    out
}

fn today_days() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(secs / 86_400).unwrap_or(0)
}

pub(crate) fn import(args: &DbImportArgs, quiet: bool) -> anyhow::Result<String> {
    let dest = local_path(&args.db).context("no cache directory: pass --db FILE")?;
    for path in &args.paths {
        if !path.exists() {
            bail!("`{}` does not exist", path.display());
        }
    }
    let mut writer = if args.replace {
        Writer::create(&dest)?
    } else if dest.is_file() {
        Writer::update(&dest, &dest)?
    } else {
        // Start from the embedded database: materialise it, then add to it.
        let tmp = tempfile::NamedTempFile::new_in(dest.parent().unwrap_or(Path::new(".")))
            .or_else(|_| tempfile::NamedTempFile::new())?;
        bulkhead_vulndb_embedded::write_to(tmp.path())?;
        Writer::update(&dest, tmp.path())?
    };
    let stats = run_import(&mut writer, &args.paths, quiet)?;
    for path in &args.paths {
        writer.note_import(&path.display().to_string());
    }
    let dest = writer.finish(&now())?;
    Ok(import_summary(&stats, &dest))
}

fn run_import(writer: &mut Writer, paths: &[PathBuf], quiet: bool) -> anyhow::Result<ImportStats> {
    let bar = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "importing {bar:40} {pos}/{len} files ({elapsed})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    };
    let stats = bulkhead_vulndb::import::import_paths(writer, paths, &mut |p| {
        bar.set_length(p.total);
        bar.set_position(p.done);
    })?;
    bar.finish_and_clear();
    if !quiet {
        for (path, reason) in &stats.failed {
            eprintln!("warning: {path}: {reason}");
        }
    }
    Ok(stats)
}

fn import_summary(stats: &ImportStats, dest: &Path) -> String {
    format!(
        "Imported {} advisories from {} files into {} ({} withdrawn left out, {} other files skipped, {} failed).\n",
        stats.advisories,
        stats.files,
        dest.display(),
        stats.withdrawn,
        stats.skipped,
        stats.failed.len()
    )
}

pub(crate) fn update(args: &DbUpdateArgs, quiet: bool) -> anyhow::Result<String> {
    let urls: Vec<String> = if args.urls.is_empty() {
        std::env::var("BULKHEAD_DB_URLS")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    } else {
        args.urls.clone()
    };
    if urls.is_empty() {
        bail!("no feeds to download: pass --url URL or set BULKHEAD_DB_URLS");
    }
    let dest = local_path(&args.db).context("no cache directory: pass --db FILE")?;
    let downloads = tempfile::tempdir()?;
    let mut paths = Vec::new();
    for (index, url) in urls.iter().enumerate() {
        let name = url
            .rsplit('/')
            .next()
            .filter(|n| !n.is_empty() && !n.contains(".."))
            .unwrap_or("feed");
        let path = downloads.path().join(format!("{index:03}-{name}"));
        if !quiet {
            eprintln!("downloading {url}");
        }
        download(url, &path).with_context(|| format!("cannot download `{url}`"))?;
        paths.push(path);
    }
    let mut writer = Writer::create(&dest)?;
    let stats = run_import(&mut writer, &paths, quiet)?;
    if stats.advisories == 0 {
        bail!("the downloaded feeds hold no advisories; the database was left as it was");
    }
    for url in &urls {
        writer.note_import(url);
    }
    let dest = writer.finish(&now())?;
    Ok(import_summary(&stats, &dest))
}

/// Streams `url` into `path`, refusing anything over [`MAX_DOWNLOAD`] and non-2xx answers.
fn download(url: &str, path: &Path) -> anyhow::Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(600))
            .build()?;
        let mut response = client.get(url).send().await?.error_for_status()?;
        if response.content_length().is_some_and(|n| n > MAX_DOWNLOAD) {
            bail!("larger than {MAX_DOWNLOAD} bytes");
        }
        let mut file = std::io::BufWriter::new(fs_err::File::create(path)?);
        let mut total = 0u64;
        while let Some(chunk) = response.chunk().await? {
            total += chunk.len() as u64;
            if total > MAX_DOWNLOAD {
                bail!("larger than {MAX_DOWNLOAD} bytes");
            }
            file.write_all(&chunk)?;
        }
        file.flush()?;
        Ok(())
    })
}

pub(crate) fn now() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
    bulkhead_vulndb::time::rfc3339(secs)
}
