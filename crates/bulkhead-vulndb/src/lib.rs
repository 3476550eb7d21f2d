//! The vulnerability database: what is known to be vulnerable, and which installed packages
//! that knowledge applies to.
//!
//! Inputs are advisory feeds in their published formats ([`import`]): OSV JSON and YAML (every
//! ecosystem: Debian, Alpine, PyPI, npm, crates.io, Go, Maven, NuGet, Packagist, RubyGems),
//! Alpine's secdb, rubysec's YAML and FriendsOfPHP's YAML, from directories, zip archives or
//! single files. Each advisory becomes an [`Advisory`] with its [`Affected`] packages under a
//! normalised ecosystem and package name, and its version ranges kept in the feed's own
//! semantics ([`Range`]) so nothing is lost in translation. The [`store`] keeps them in one
//! SQLite file, written through a temporary file and a rename, so a crash mid-import never
//! leaves a broken database, and stamped with a schema version.
//!
//! [`Database::matches`] answers "which advisories affect package P at version V in ecosystem
//! E", comparing versions with `bulkhead-version`'s per-ecosystem ordering; [`dedupe`] folds
//! advisories that are the same vulnerability under different ids (CVE, GHSA, PYSEC, …) into
//! one. With the `inventory` feature, [`inventory_queries`] turns cataloged packages into
//! queries: distro packages by source package and release (`Debian:12`), language packages
//! by ecosystem and normalised name.
//!
//! What this crate does not do: download anything (the CLI fetches and hands files to
//! [`import`]), decide what to report or suppress, or render.

mod dedupe;
pub mod import;
mod matching;
mod model;
mod names;
mod severity;
pub mod store;
pub mod time;

#[cfg(feature = "inventory")]
mod queries;

pub use dedupe::{Vulnerability, dedupe};
pub use matching::{Lookup, Match, PackageQuery, scheme_for};
pub use model::{Advisory, Affected, Constraint, Event, Op, Range};
pub use names::normalize_name;
pub use severity::{cvss_severity, distro_severity};
pub use store::{Database, DbError, DbInfo, SourceInfo, Writer};

#[cfg(feature = "inventory")]
pub use queries::{QueryOrigin, inventory_queries};

/// The store's schema; a database with another one is refused with a clear message.
pub const SCHEMA_VERSION: u32 = 1;
