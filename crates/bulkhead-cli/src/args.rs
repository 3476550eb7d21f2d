//! Command-line arguments (clap derive), and their conversion into validated library settings.

use std::path::PathBuf;

use anyhow::{Context as _, bail};
use bulkhead_finding::Severity;
use bulkhead_image::{Limits, OpenOptions, Platform};
use bulkhead_report::OutputFormat;
use clap::{Args, Parser, Subcommand};

/// Bulkhead: container security from build to run.
///
/// Reads container images from OCI layouts, docker-archives and registries, verifying every
/// digest before trusting a byte.
#[derive(Debug, Parser)]
#[command(
    name = "bulkhead",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub(crate) struct Cli {
    /// Print nothing but the report (no progress or warnings on stderr).
    #[arg(long, short, global = true)]
    pub(crate) quiet: bool,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run
pub(crate) enum Command {
    /// Scan a container image for vulnerabilities (OS and language packages, matched against
    /// the embedded or local vulnerability database; works offline).
    ///
    /// REF is one of:
    ///   oci:DIR[:TAG]               an OCI image layout directory
    ///   docker-archive:PATH[:TAG]   a `docker save` / `skopeo copy docker-archive:` tarball
    ///   HOST/REPO:TAG, HOST/REPO@sha256:HEX   an image in a registry
    ///   DIR or PATH                 an OCI layout directory or a docker-archive file
    ///
    /// Every blob is checked against its digest and every layer against the config's
    /// rootfs.diff_ids before anything is trusted; a mismatch is an error naming the blob.
    /// `bulkhead image inspect REF` prints the image's metadata instead.
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
    Image(ImageArgs),

    /// Scan a directory or root filesystem (lockfiles, installed packages) for
    /// vulnerabilities.
    ///
    /// Symlinks are resolved inside DIR only; nothing outside it is read. With
    /// `--format cyclonedx` or `spdx-json`, print an SBOM of the packages found.
    Fs(FsArgs),

    /// Write an SBOM of an image or directory, or scan an SBOM file for vulnerabilities.
    ///
    /// TARGET is an image reference (as for `bulkhead image`), a directory, or an existing
    /// CycloneDX/SPDX JSON file. For an image or directory, the packages found (OS packages
    /// and language packages, with purls and the layer each came from) are written as
    /// CycloneDX 1.6 (default) or SPDX 2.3 JSON. An SBOM file is scanned for
    /// vulnerabilities (`--format table|json|sarif|junit`), or converted to the other SBOM
    /// format (`--format cyclonedx|spdx-json`).
    Sbom(SbomArgs),

    /// Scan Dockerfiles and Kubernetes manifests for misconfigurations.
    ///
    /// PATH is a file or a directory. In a directory, `Dockerfile`, `Containerfile`,
    /// `Dockerfile.*`, `*.Dockerfile`, `*.yaml`, `*.yml` and `*.json` files are read
    /// (`.git`, `node_modules` and `vendor` are skipped); YAML that is not Kubernetes is
    /// skipped with a warning. Inline comments `# bulkhead:ignore=ID reason` (and hadolint's,
    /// checkov's and Trivy's forms) suppress a finding on the next line; `bulkhead config
    /// --list-rules` prints every rule with its aliases.
    Config(ConfigArgs),

    /// Manage the vulnerability database: show it, import advisory feeds, update it.
    #[command(subcommand)]
    Db(DbCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum DbCommand {
    /// Show the database in use: where it is, when it was built, its sources and their age.
    Status(DbStatusArgs),
    /// Import advisory feeds (directories, zip archives, OSV JSON/YAML, Alpine secdb,
    /// rubysec, FriendsOfPHP files) into the local database.
    ///
    /// The result replaces the local database atomically; until then scans keep using the
    /// old one. Without `--replace`, the advisories are added to a copy of the database in
    /// use (the embedded one, if there is no local one yet).
    Import(DbImportArgs),
    /// Download advisory feeds from URLs (zip archives or single files) and rebuild the local
    /// database from them.
    ///
    /// URLs come from `--url`, else from `$BULKHEAD_DB_URLS` (whitespace-separated).
    /// Nothing is replaced unless every download and the import succeed.
    Update(DbUpdateArgs),
}

#[derive(Debug, Args)]
pub(crate) struct DbStatusArgs {
    #[command(flatten)]
    pub(crate) db: DbLocationArgs,

    /// Output format (table or json).
    #[arg(long, short, value_enum, default_value_t = OutputFormat::Table)]
    pub(crate) format: OutputFormat,
}

#[derive(Debug, Args)]
pub(crate) struct DbImportArgs {
    /// Files, directories or zip archives of advisories.
    #[arg(value_name = "PATH", required = true)]
    pub(crate) paths: Vec<PathBuf>,

    /// Start from an empty database instead of a copy of the one in use.
    #[arg(long)]
    pub(crate) replace: bool,

    #[command(flatten)]
    pub(crate) db: DbLocationArgs,
}

#[derive(Debug, Args)]
pub(crate) struct DbUpdateArgs {
    /// A feed to download (repeatable).
    #[arg(long = "url", value_name = "URL")]
    pub(crate) urls: Vec<String>,

    #[command(flatten)]
    pub(crate) db: DbLocationArgs,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct DbLocationArgs {
    /// The local database file. [default: $BULKHEAD_CACHE_DIR/db/bulkhead.db, else
    /// $XDG_CACHE_HOME/bulkhead/db/bulkhead.db, else ~/.cache/bulkhead/db/bulkhead.db]
    #[arg(long, value_name = "FILE", env = "BULKHEAD_DB")]
    pub(crate) db: Option<PathBuf>,
}

/// What a scan looks for, and what makes it fail.
#[derive(Debug, Clone, Args)]
#[allow(clippy::struct_excessive_bools)] // each is a command-line switch
pub(crate) struct ScanArgs {
    /// Analyzers to run (comma-separated): vuln, secret, misconfig.
    /// [default: vuln,secret (vuln for an SBOM file); for SBOM formats, none unless given]
    #[arg(long, value_enum, value_delimiter = ',', value_name = "LIST")]
    pub(crate) scanners: Option<Vec<Scanner>>,

    /// Report only these severities (comma-separated: UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub(crate) severity: Vec<Severity>,

    /// Rules not to report, by id or any alias (comma-separated: BH-DF-001,DL3008,KSV-0014).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub(crate) skip_rules: Vec<String>,

    /// Leave out vulnerabilities that have no fixed version yet.
    #[arg(long)]
    pub(crate) ignore_unfixed: bool,

    /// Exit with this code when anything is reported (0: never fail).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) exit_code: u8,

    /// Ids to ignore, one per line (`.trivyignore` format, or its YAML form).
    /// [default: .bulkheadignore if it exists]
    #[arg(long, value_name = "FILE")]
    pub(crate) ignorefile: Option<PathBuf>,

    /// OpenVEX documents whose `not_affected`/`fixed` statements suppress vulnerabilities
    /// (repeatable).
    #[arg(long, value_name = "FILE")]
    pub(crate) vex: Vec<PathBuf>,

    /// Also report RustSec's informational advisories (unmaintained, unsound).
    #[arg(long)]
    pub(crate) include_informational: bool,

    /// Include every package in the JSON report, not only vulnerable ones.
    #[arg(long)]
    pub(crate) list_all_pkgs: bool,

    /// Secret rules in gitleaks' TOML format (`[extend] useDefault = true` adds them to the
    /// built-in gitleaks rules). [default: the 222 gitleaks rules]
    #[arg(long, value_name = "FILE")]
    pub(crate) secret_config: Option<PathBuf>,

    /// Show secrets in full in findings (they are redacted by default).
    #[arg(long)]
    pub(crate) show_secrets: bool,

    /// Accept the secret findings recorded in this baseline (fingerprints, no secrets).
    #[arg(long, value_name = "FILE")]
    pub(crate) secret_baseline: Option<PathBuf>,

    /// Write the secret findings of this scan to FILE as a baseline (before the baseline and
    /// ignore file are applied), to accept them in later scans.
    #[arg(long, value_name = "FILE")]
    pub(crate) write_secret_baseline: Option<PathBuf>,

    /// Files larger than SIZE are not searched for secrets (K, M, G suffixes).
    #[arg(long, value_name = "SIZE", default_value = "10M")]
    pub(crate) secret_max_file_size: String,

    #[command(flatten)]
    pub(crate) db: DbLocationArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Scanner {
    Vuln,
    Secret,
    Misconfig,
}

#[derive(Debug, Args)]
pub(crate) struct ImageArgs {
    #[command(subcommand)]
    pub(crate) action: Option<ImageAction>,

    /// The image to read (see `bulkhead image --help` for the forms).
    #[arg(value_name = "REF", required = true)]
    pub(crate) reference: Option<String>,

    #[command(flatten)]
    pub(crate) open: OpenArgs,

    #[command(flatten)]
    pub(crate) output: OutputArgs,

    #[command(flatten)]
    pub(crate) scan: ScanArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ImageAction {
    /// Print an image's metadata: digests, platform, layers (sizes, entries, compression,
    /// history), user, env, ports, entrypoint, cmd, labels.
    Inspect(VerifyArgs),
    /// Verify an image's integrity: manifest, config and layer digests and sizes, and every
    /// layer's uncompressed digest against rootfs.diff_ids. Exits 1 if anything does not match.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The image to verify (same forms as `bulkhead image`).
    #[arg(value_name = "REF")]
    pub(crate) reference: String,

    #[command(flatten)]
    pub(crate) open: OpenArgs,

    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

#[derive(Debug, Args)]
pub(crate) struct FsArgs {
    /// The directory or root filesystem to read.
    #[arg(value_name = "DIR")]
    pub(crate) dir: PathBuf,

    /// Also search the git history of DIR for secrets: every blob ever committed on any
    /// branch or tag, reported once with the commit that introduced it.
    #[arg(long)]
    pub(crate) git: bool,

    /// Do not search files that git ignores (`.gitignore` files in DIR and
    /// `.git/info/exclude`; the user's global excludes are not read).
    #[arg(long)]
    pub(crate) skip_gitignored: bool,

    #[command(flatten)]
    pub(crate) output: OutputArgs,

    #[command(flatten)]
    pub(crate) scan: ScanArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ConfigArgs {
    /// The Dockerfile, manifest or directory to read.
    #[arg(value_name = "PATH", required_unless_present = "list_rules")]
    pub(crate) path: Option<PathBuf>,

    /// Print every misconfiguration rule (id, severity, aliases, title) and exit.
    #[arg(long)]
    pub(crate) list_rules: bool,

    #[command(flatten)]
    pub(crate) output: OutputArgs,

    #[command(flatten)]
    pub(crate) scan: ScanArgs,
}

#[derive(Debug, Args)]
pub(crate) struct SbomArgs {
    /// Image reference, directory, or SBOM file.
    #[arg(value_name = "TARGET")]
    pub(crate) target: String,

    /// Output format. [default: cyclonedx for an image or directory; table for an SBOM file]
    #[arg(long, short, value_enum)]
    pub(crate) format: Option<OutputFormat>,

    /// Write the document to FILE (atomically) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,

    #[command(flatten)]
    pub(crate) open: OpenArgs,

    #[command(flatten)]
    pub(crate) scan: ScanArgs,
}

#[derive(Debug, Args)]
pub(crate) struct OutputArgs {
    /// Output format (`cyclonedx` and `spdx-json` write an SBOM of the packages found).
    #[arg(long, short, value_enum, default_value_t = OutputFormat::Table)]
    pub(crate) format: OutputFormat,

    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct OpenArgs {
    /// Platform to pick from a multi-platform image, as OS/ARCH[/VARIANT] (e.g. linux/arm64).
    /// Default: the only image, or the host's platform among several.
    #[arg(long, value_name = "PLATFORM")]
    pub(crate) platform: Option<String>,

    /// Use plain HTTP for the registry (for loopback and test registries only).
    #[arg(long)]
    pub(crate) insecure: bool,

    /// Docker config.json with registry credentials.
    /// [default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json]
    #[arg(long, value_name = "FILE")]
    pub(crate) docker_config: Option<PathBuf>,

    /// Refuse images whose layers decompress to more than SIZE in total (K, M, G, T suffixes,
    /// powers of 1024). Protects against decompression bombs.
    #[arg(long, value_name = "SIZE", default_value = "32G")]
    pub(crate) max_decompressed_size: String,

    /// Refuse images with more than N tar entries in total.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_entries)]
    pub(crate) max_entries: u64,
}

impl OpenArgs {
    /// Validated library settings; reads the environment for the docker config default.
    pub(crate) fn to_options(&self) -> anyhow::Result<OpenOptions> {
        let platform = self.platform.as_deref().map(Platform::parse).transpose()?;
        let max_decompressed_bytes =
            parse_size(&self.max_decompressed_size).with_context(|| {
                format!(
                    "invalid --max-decompressed-size `{}`",
                    self.max_decompressed_size
                )
            })?;
        let docker_config = self.docker_config.clone().or_else(default_docker_config);
        Ok(OpenOptions {
            platform,
            insecure: self.insecure,
            docker_config,
            limits: Limits {
                max_decompressed_bytes,
                max_entries: self.max_entries,
                ..Limits::default()
            },
        })
    }
}

fn default_docker_config() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG") {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".docker/config.json"))
}

/// `512`, `64K`, `10M`, `32G`, `1T` (powers of 1024; a trailing `B`/`iB` is accepted).
pub(crate) fn parse_size(text: &str) -> anyhow::Result<u64> {
    let t = text
        .trim()
        .trim_end_matches(['B', 'b'])
        .trim_end_matches('i');
    let (digits, shift) = match t.chars().last() {
        Some('K' | 'k') => (&t[..t.len() - 1], 10),
        Some('M' | 'm') => (&t[..t.len() - 1], 20),
        Some('G' | 'g') => (&t[..t.len() - 1], 30),
        Some('T' | 't') => (&t[..t.len() - 1], 40),
        _ => (t, 0),
    };
    let n: u64 = digits
        .trim()
        .parse()
        .context("expected a number with an optional K, M, G or T suffix")?;
    if n.leading_zeros() < shift {
        bail!("size is too large");
    }
    Ok(n << shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("512").unwrap(), 512);
        assert_eq!(parse_size("64K").unwrap(), 64 << 10);
        assert_eq!(parse_size("10MiB").unwrap(), 10 << 20);
        assert_eq!(parse_size("32G").unwrap(), 32 << 30);
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999T").is_err());
    }

    #[test]
    fn cli_definition_is_valid() {
        use clap::CommandFactory as _;
        Cli::command().debug_assert();
    }
}
