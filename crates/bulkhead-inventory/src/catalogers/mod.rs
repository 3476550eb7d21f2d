//! The catalogers: one module each, all behind [`Cataloger`]. Each parses one kind of file
//! from bytes; none reads the filesystem itself, so each is testable (and fuzzable) alone.

use bulkhead_fsview::Metadata;

use crate::{Ecosystem, Options, OsRelease, Package, SourcePackage, purl};

mod apk;
mod binary;
mod cargo_lock;
mod dotnet;
mod dpkg;
mod java;
mod npm;
mod php;
mod pnpm;
mod python;
mod rpm;
mod ruby;
mod yarn;

/// What a cataloger may know besides the file: the detected OS and the limits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context<'a> {
    pub(crate) os: Option<&'a OsRelease>,
    pub(crate) options: &'a Options,
}

/// A parse failure: the reason, shown as a warning with the file's path.
pub(crate) type ParseError = String;

pub(crate) trait Cataloger: Sync {
    /// Stable name, recorded on each package (`dpkg`, `python-dist-info`, …).
    fn name(&self) -> &'static str;

    /// Whether this cataloger reads the regular file at `path` (no leading `/`), judged by
    /// path and metadata alone, before any content is read.
    fn wants(&self, path: &str, meta: &Metadata, options: &Options) -> bool;

    /// The largest file this cataloger reads; bigger ones are skipped with a warning.
    fn max_size(&self, options: &Options) -> u64 {
        options.max_file_size
    }

    /// Byte strings one of which every file this cataloger can use contains (e.g. a build-info
    /// magic). When set, an image reader scans files for them while verifying layers, and
    /// files without any are never read again. `None`: every wanted file is read.
    fn probe_markers(&self) -> Option<&'static [&'static [u8]]> {
        None
    }

    /// A second look once the content is read (e.g. "is this an ELF file?"). Default: yes if
    /// `wants` said so, which the caller has already checked for the path.
    fn wants_content(&self, path: &str, content: &[u8]) -> bool {
        let _ = (path, content);
        true
    }

    /// Parses one file. Packages without locations get `path` as their location.
    fn parse(
        &self,
        path: &str,
        content: &[u8],
        context: &Context<'_>,
    ) -> Result<Vec<Package>, ParseError>;
}

/// Every cataloger, in a fixed order.
pub(crate) fn all() -> Vec<Box<dyn Cataloger>> {
    vec![
        Box::new(dpkg::Dpkg),
        Box::new(apk::Apk),
        Box::new(rpm::Rpm),
        Box::new(python::PythonInstalled),
        Box::new(python::PythonRequirements),
        Box::new(npm::NpmLock),
        Box::new(npm::NodeModules),
        Box::new(yarn::YarnLock),
        Box::new(pnpm::PnpmLock),
        Box::new(cargo_lock::CargoLock),
        Box::new(binary::Binaries),
        Box::new(java::JavaArchives),
        Box::new(ruby::Gemspecs),
        Box::new(php::Composer),
        Box::new(dotnet::DepsJson),
    ]
}

/// The file name of an image path.
pub(crate) fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// A package with the common fields filled; the purl is built from the parts, and a package
/// whose parts make no valid purl is an error (reported as a warning by the caller).
pub(crate) fn package(
    ecosystem: Ecosystem,
    namespace: Option<&str>,
    name: &str,
    version: &str,
    qualifiers: &[(&str, &str)],
) -> Result<Package, ParseError> {
    let purl = purl(ecosystem, namespace, name, version, qualifiers)
        .ok_or_else(|| format!("`{name}@{version}` does not make a valid package URL"))?;
    // For language ecosystems the namespace is part of the package's name (`@babel/core`,
    // `github.com/pkg/errors`, `org.yaml:snakeyaml`); for distro packages it is the distro.
    let full_name = match (namespace, ecosystem) {
        (Some(ns), Ecosystem::Maven) if !ns.is_empty() => format!("{ns}:{name}"),
        (Some(ns), Ecosystem::Npm | Ecosystem::Golang | Ecosystem::Composer) if !ns.is_empty() => {
            format!("{ns}/{name}")
        }
        _ => name.to_owned(),
    };
    Ok(Package {
        ecosystem,
        name: full_name,
        version: version.to_owned(),
        purl,
        licenses: Vec::new(),
        source: None,
        arch: None,
        dev: false,
        locations: Vec::new(),
        cataloger: String::new(),
    })
}

/// Source package helper for distro catalogers.
pub(crate) fn source(name: &str, version: &str) -> Option<SourcePackage> {
    (!name.is_empty()).then(|| SourcePackage {
        name: name.to_owned(),
        version: version.to_owned(),
    })
}
