//! `bulkhead config PATH`, and `--scanners misconfig` on a directory: find the Dockerfiles and
//! Kubernetes manifests, read them (size-capped, inside the root only), run the rules.

use std::path::Path;

use anyhow::Context as _;
use bulkhead_fsview::{DirView, FsView as _};
use bulkhead_misconfig::Outcome;
use bulkhead_misconfig::kubernetes::ManifestFile;
use bulkhead_misconfig::sources::{is_dockerfile, is_manifest_candidate};

/// Larger files are skipped with a warning (a 100 MB manifest is still read).
const MAX_FILE: u64 = 256 << 20;

/// Directories that hold other people's files, not the project's configuration.
const SKIPPED_DIRS: &[&str] = &[".git", "node_modules", "vendor", ".terraform"];

/// Everything the rules find in `path`, a file or a directory. In a directory, files are
/// picked by name (`Dockerfile*`, `*.yaml`, `*.yml`, `*.json`); a file named explicitly is a
/// manifest if it has a YAML/JSON extension, else a Dockerfile.
pub(crate) fn scan_path(path: &Path) -> anyhow::Result<Outcome> {
    let mut dockerfiles = Vec::new();
    let mut manifests = Vec::new();
    let mut outcome = Outcome::default();
    if path.is_file() {
        let label = path.display().to_string();
        let bytes = read_capped(path)?;
        if is_manifest_candidate(&label) {
            manifests.push(ManifestFile { path: label, bytes });
        } else {
            dockerfiles.push((label, bytes));
        }
    } else {
        let view = DirView::new(path)?;
        let mut wanted = Vec::new();
        view.walk(&mut |entry| {
            let in_skipped = entry
                .path
                .split('/')
                .any(|part| SKIPPED_DIRS.contains(&part));
            if entry.metadata.is_file()
                && !in_skipped
                && (is_dockerfile(&entry.path) || is_manifest_candidate(&entry.path))
            {
                wanted.push((entry.path.clone(), entry.metadata.size));
            }
            Ok(())
        })
        .with_context(|| format!("cannot read `{}`", path.display()))?;
        for (file, size) in wanted {
            if size > MAX_FILE {
                outcome.warnings.push(format!(
                    "{file}: {size} bytes, over the {MAX_FILE}-byte limit for configuration files; not read"
                ));
                continue;
            }
            let bytes = match view.read_to_vec(&file, MAX_FILE) {
                Ok(bytes) => bytes,
                Err(err) => {
                    outcome.warnings.push(format!("{file}: cannot read: {err}"));
                    continue;
                }
            };
            if is_dockerfile(&file) {
                dockerfiles.push((file, bytes));
            } else {
                manifests.push(ManifestFile { path: file, bytes });
            }
        }
    }
    for (file, bytes) in dockerfiles {
        match std::str::from_utf8(&bytes) {
            Ok(text) => outcome.extend(bulkhead_misconfig::dockerfile::analyze(&file, text)),
            Err(err) => outcome.warnings.push(format!(
                "{file}: not UTF-8 text ({err}); not read as a Dockerfile"
            )),
        }
    }
    outcome.extend(bulkhead_misconfig::kubernetes::analyze(&manifests));
    Ok(outcome)
}

fn read_capped(path: &Path) -> anyhow::Result<Vec<u8>> {
    let size = fs_err::metadata(path)?.len();
    if size > MAX_FILE {
        anyhow::bail!(
            "`{}` is {size} bytes, over the {MAX_FILE}-byte limit for configuration files",
            path.display()
        );
    }
    Ok(fs_err::read(path)?)
}
