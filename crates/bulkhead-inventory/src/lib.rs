//! What is installed in a filesystem: the operating system and every package a package
//! manager or a language ecosystem left a record of.
//!
//! [`catalog`] takes any [`FsView`] (an image's merged layers or a directory), selects the
//! files the catalogers understand in one walk, reads them in one streaming pass
//! ([`FsView::read_selected`], which for images reads each layer once; with
//! [`prefetch_policy`] applied while the image is verified, most files are already in hand and
//! executables without build info are ruled out, so layers are rarely read twice), and returns an
//! [`Inventory`]: the [`OsRelease`] and a sorted, de-duplicated list of [`Package`]s, each with
//! a purl and the locations (path, and layer digest for images) it was found at.
//!
//! Catalogers (one module each under `catalogers/`): dpkg (keeping the source package, which
//! distro advisories are keyed by), apk, rpm, Python dist-info/egg-info and requirement files,
//! npm `package-lock.json`/`yarn.lock`/`pnpm-lock.yaml`/installed `package.json`, Cargo.lock,
//! Go build info and `cargo auditable` data in binaries, Java archives, Ruby gemspecs, PHP
//! `composer.lock`/`installed.json`, .NET `*.deps.json`.
//!
//! A file a cataloger cannot parse is a warning in the inventory, not an error: one broken
//! lockfile must not hide the other thousand packages. What this crate does not do: match
//! vulnerabilities (`bulkhead-vulndb`) or write SBOMs (`bulkhead-sbom`).
//!
//! ```
//! use bulkhead_fsview::DirView;
//! # let dir = tempfile::tempdir().unwrap();
//! # std::fs::create_dir_all(dir.path().join("app")).unwrap();
//! # std::fs::write(dir.path().join("app/requirements.txt"), "flask==0.12.2\n").unwrap();
//! let inventory = bulkhead_inventory::catalog(&DirView::new(dir.path()).unwrap(), &Default::default()).unwrap();
//! assert_eq!(inventory.packages[0].purl, "pkg:pypi/flask@0.12.2");
//! ```

mod catalogers;
pub mod os;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use bulkhead_fsview::{FsError, FsView, Metadata, Prefetch};
use serde::{Deserialize, Serialize};

pub use os::OsRelease;

/// The ecosystem a package belongs to: decides its purl type and which advisories apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Deb,
    Apk,
    Rpm,
    #[serde(rename = "pypi")]
    PyPI,
    Npm,
    Cargo,
    Golang,
    Maven,
    Gem,
    Composer,
    #[serde(rename = "nuget")]
    NuGet,
}

impl Ecosystem {
    /// The purl type (`pkg:<type>/…`).
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Deb => "deb",
            Ecosystem::Apk => "apk",
            Ecosystem::Rpm => "rpm",
            Ecosystem::PyPI => "pypi",
            Ecosystem::Npm => "npm",
            Ecosystem::Cargo => "cargo",
            Ecosystem::Golang => "golang",
            Ecosystem::Maven => "maven",
            Ecosystem::Gem => "gem",
            Ecosystem::Composer => "composer",
            Ecosystem::NuGet => "nuget",
        }
    }
}

/// The source package a binary package was built from (dpkg `Source:`, apk `origin`, rpm
/// source RPM). Distro advisories name source packages.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SourcePackage {
    pub name: String,
    pub version: String,
}

/// Where a package was found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PackageLocation {
    /// Path inside the scanned root (no leading `/`).
    pub path: String,
    /// Blob digest of the image layer that last wrote `path`; `None` for directories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
}

/// One installed or locked package.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Package {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    pub purl: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourcePackage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// A development-only dependency (npm `dev`, composer `packages-dev`, …).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dev: bool,
    pub locations: Vec<PackageLocation>,
    /// Which cataloger found it (`dpkg`, `python-dist-info`, …).
    pub cataloger: String,
}

/// What [`catalog`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    pub os: Option<OsRelease>,
    pub packages: Vec<Package>,
    /// Files that looked like package records but could not be parsed, with the reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Limits for cataloging hostile trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Largest file any cataloger reads; bigger ones are skipped with a warning.
    pub max_file_size: u64,
    /// Largest executable inspected for embedded Go or Rust build data.
    pub max_binary_size: u64,
    /// How deep nested Java archives are opened.
    pub max_archive_depth: usize,
    /// Memory for file contents kept while an image's layers are verified
    /// ([`prefetch_policy`]), so they need not be decompressed a second time.
    pub prefetch_budget: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_file_size: 64 << 20,
            max_binary_size: 256 << 20,
            max_archive_depth: 4,
            prefetch_budget: 48 << 20,
        }
    }
}

/// Errors that stop cataloging altogether (a broken file is only a warning).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InventoryError {
    #[error("cannot walk the filesystem")]
    Walk(#[from] FsError),
}

/// Files up to this size that a cataloger wants are kept while an image is verified; bigger
/// ones are read again afterwards.
const PREFETCH_KEEP_MAX: u64 = 2 << 20;

/// What to keep or probe while an image's layers stream through verification (see
/// `bulkhead_image::Image::read_layers_prefetching`), so that [`catalog`] afterwards rarely
/// decompresses a layer again: small package records are kept; executables are only scanned
/// for the build-info markers, and read again only if they have one.
pub fn prefetch_policy(options: &Options) -> impl Fn(&str, &Metadata) -> Prefetch + Sync + '_ {
    let all = catalogers::all();
    move |path, meta| {
        let wanting: Vec<&dyn catalogers::Cataloger> = all
            .iter()
            .map(AsRef::as_ref)
            .filter(|c| c.wants(path, meta, options))
            .collect();
        if wanting.is_empty() {
            return Prefetch::Skip;
        }
        if let [only] = wanting.as_slice()
            && let Some(markers) = only.probe_markers()
        {
            return Prefetch::ProbeFor(markers);
        }
        if meta.size <= PREFETCH_KEEP_MAX {
            Prefetch::Keep
        } else {
            Prefetch::Skip
        }
    }
}

/// Detects the OS and runs every cataloger over `fs`.
pub fn catalog(fs: &dyn FsView, options: &Options) -> Result<Inventory, InventoryError> {
    let os = os::detect(fs);
    let context = catalogers::Context {
        os: os.as_ref(),
        options,
    };
    let all = catalogers::all();
    let mut packages = Vec::new();
    let mut warnings = Vec::new();
    // Which catalogers asked for each selected path: decided once, from path and metadata.
    let wanted_by: RefCell<HashMap<String, Vec<usize>>> = RefCell::new(HashMap::new());
    let too_large: RefCell<Vec<String>> = RefCell::new(Vec::new());
    fs.read_selected(
        &|path, meta| {
            let which: Vec<usize> = (0..all.len())
                .filter(|&i| all[i].wants(path, meta, options))
                .collect();
            if which.is_empty() {
                return false;
            }
            let limit = which
                .iter()
                .map(|&i| all[i].max_size(options))
                .max()
                .unwrap_or(0);
            if meta.size > limit {
                too_large.borrow_mut().push(format!(
                    "`/{path}` is skipped: {} bytes is over the limit of {limit}",
                    meta.size
                ));
                return false;
            }
            wanted_by.borrow_mut().insert(path.to_owned(), which);
            true
        },
        u64::MAX,
        &mut |path, content| {
            let content = match content {
                Ok(c) => c,
                Err(e) => {
                    warnings.push(format!("`/{path}`: {e}"));
                    return;
                }
            };
            let layer = fs.origin_layer(path);
            let which = wanted_by.borrow_mut().remove(path).unwrap_or_default();
            for cataloger in which
                .iter()
                .map(|&i| &all[i])
                .filter(|c| c.wants_content(path, &content))
            {
                match cataloger.parse(path, &content, &context) {
                    Ok(found) => packages.extend(found.into_iter().map(|mut p| {
                        if p.locations.is_empty() {
                            p.locations.push(PackageLocation {
                                path: path.to_owned(),
                                layer: layer.clone(),
                            });
                        } else {
                            for l in &mut p.locations {
                                l.layer = l.layer.take().or_else(|| layer.clone());
                            }
                        }
                        cataloger.name().clone_into(&mut p.cataloger);
                        p
                    })),
                    Err(e) => warnings.push(format!("`/{path}` ({}): {e}", cataloger.name())),
                }
            }
        },
    )?;
    warnings.extend(too_large.into_inner());
    warnings.sort();
    Ok(Inventory {
        os,
        packages: merge(packages),
        warnings,
    })
}

/// One entry per (ecosystem, name, version, source, arch): locations are merged, and a
/// package is dev-only only if every sighting says so.
fn merge(packages: Vec<Package>) -> Vec<Package> {
    let mut merged: BTreeMap<(Ecosystem, String, String, String), Package> = BTreeMap::new();
    for p in packages {
        let key = (
            p.ecosystem,
            p.name.clone(),
            p.version.clone(),
            p.purl.clone(),
        );
        match merged.get_mut(&key) {
            Some(existing) => {
                existing.locations.extend(p.locations);
                existing.dev &= p.dev;
                for l in p.licenses {
                    if !existing.licenses.contains(&l) {
                        existing.licenses.push(l);
                    }
                }
            }
            None => {
                merged.insert(key, p);
            }
        }
    }
    merged
        .into_values()
        .map(|mut p| {
            p.locations.sort();
            p.locations.dedup();
            p
        })
        .collect()
}

/// Builds a purl string; `None` if the parts are not a valid purl (the caller then skips the
/// package with a warning rather than emit an invalid identifier).
pub fn purl(
    ecosystem: Ecosystem,
    namespace: Option<&str>,
    name: &str,
    version: &str,
    qualifiers: &[(&str, &str)],
) -> Option<String> {
    let mut p = packageurl::PackageUrl::new(ecosystem.purl_type(), name).ok()?;
    if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
        p.with_namespace(ns).ok()?;
    }
    if !version.is_empty() {
        p.with_version(version).ok()?;
    }
    for (k, v) in qualifiers {
        if !v.is_empty() {
            p.add_qualifier(*k, *v).ok()?;
        }
    }
    Some(p.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_are_encoded() {
        assert_eq!(
            purl(
                Ecosystem::Deb,
                Some("debian"),
                "libc6",
                "2.36-9+deb12u4",
                &[("arch", "amd64"), ("distro", "debian-12")]
            )
            .unwrap(),
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12"
        );
        assert_eq!(
            purl(Ecosystem::Npm, Some("@babel"), "core", "7.0.0", &[]).unwrap(),
            "pkg:npm/%40babel/core@7.0.0"
        );
        assert_eq!(
            purl(
                Ecosystem::Golang,
                Some("github.com/pkg"),
                "errors",
                "v0.9.1",
                &[]
            )
            .unwrap(),
            "pkg:golang/github.com/pkg/errors@v0.9.1"
        );
    }
}

/// Entry points for `cargo fuzz` (see `fuzz/`); not a stable API.
#[doc(hidden)]
pub mod fuzzing {
    use bulkhead_fsview::{FileKind, Metadata};

    /// A path each cataloger recognises, so every parser sees the fuzzer's bytes.
    const SAMPLE_PATHS: &[&str] = &[
        "var/lib/dpkg/status",
        "var/lib/dpkg/status.d/pkg",
        "lib/apk/db/installed",
        "var/lib/rpm/rpmdb.sqlite",
        "usr/lib/python3/site-packages/x-1.0.dist-info/METADATA",
        "usr/lib/python3/site-packages/x.egg-info",
        "app/requirements.txt",
        "app/Pipfile.lock",
        "app/poetry.lock",
        "app/package-lock.json",
        "app/node_modules/x/package.json",
        "app/yarn.lock",
        "app/pnpm-lock.yaml",
        "app/Cargo.lock",
        "usr/bin/app",
        "app/app.jar",
        "usr/share/gems/specifications/x-1.0.gemspec",
        "app/Gemfile.lock",
        "app/composer.lock",
        "app/vendor/composer/installed.json",
        "app/app.deps.json",
    ];

    /// Runs every cataloger that wants each sample path on `bytes`. Must never panic.
    pub fn parse_everything(bytes: &[u8]) {
        let options = crate::Options {
            max_file_size: 1 << 20,
            max_binary_size: 1 << 20,
            max_archive_depth: 3,
            prefetch_budget: 1 << 20,
        };
        let os = crate::OsRelease {
            id: "debian".into(),
            version_id: Some("12".into()),
            ..Default::default()
        };
        let context = crate::catalogers::Context {
            os: Some(&os),
            options: &options,
        };
        let meta = Metadata {
            kind: FileKind::File,
            size: bytes.len() as u64,
            mode: 0o755,
            uid: 0,
            gid: 0,
            mtime: 0,
        };
        for cataloger in crate::catalogers::all() {
            for path in SAMPLE_PATHS {
                if cataloger.wants(path, &meta, &options) && cataloger.wants_content(path, bytes) {
                    let _ = cataloger.parse(path, bytes, &context);
                }
            }
        }
        let _ = crate::os::parse_os_release(&String::from_utf8_lossy(bytes));
    }
}
