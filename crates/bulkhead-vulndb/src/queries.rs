//! From cataloged packages to store queries. Distro advisories name the source package and
//! the release (`Debian:12` + `glibc`), so a dpkg package is looked up by its `Source:` and
//! that source's version; language packages by their ecosystem and normalised name.

use bulkhead_inventory::{Ecosystem, Inventory, OsRelease, Package};

use crate::matching::PackageQuery;

/// Why a package was or was not queried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryOrigin {
    /// Looked up as this query.
    Query(PackageQuery),
    /// A distro package whose release is unknown (no `os-release`), so no advisory applies
    /// with certainty.
    UnknownRelease,
    /// An ecosystem no feed covers here (rpm without a release mapping, …).
    Unsupported,
}

/// One query per package of `inventory`, in package order.
pub fn inventory_queries(inventory: &Inventory) -> Vec<QueryOrigin> {
    inventory
        .packages
        .iter()
        .map(|p| query_for(p, inventory.os.as_ref()))
        .collect()
}

fn query_for(package: &Package, os: Option<&OsRelease>) -> QueryOrigin {
    let language = |ecosystem: &str| {
        QueryOrigin::Query(PackageQuery {
            ecosystem: ecosystem.to_owned(),
            name: package.name.clone(),
            version: package.version.clone(),
        })
    };
    match package.ecosystem {
        Ecosystem::PyPI => language("PyPI"),
        Ecosystem::Npm => language("npm"),
        Ecosystem::Cargo => language("crates.io"),
        Ecosystem::Golang => language("Go"),
        Ecosystem::Maven => language("Maven"),
        Ecosystem::Gem => language("RubyGems"),
        Ecosystem::Composer => language("Packagist"),
        Ecosystem::NuGet => language("NuGet"),
        Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm => {
            let Some(ecosystem) = os.and_then(|os| distro_ecosystem(package.ecosystem, os)) else {
                return if os.is_none() {
                    QueryOrigin::UnknownRelease
                } else {
                    QueryOrigin::Unsupported
                };
            };
            let (name, version) = match &package.source {
                Some(source) if !source.name.is_empty() => (
                    source.name.clone(),
                    if source.version.is_empty() {
                        package.version.clone()
                    } else {
                        source.version.clone()
                    },
                ),
                _ => (package.name.clone(), package.version.clone()),
            };
            QueryOrigin::Query(PackageQuery {
                ecosystem,
                name,
                version,
            })
        }
    }
}

/// `Debian:12`, `Alpine:v3.19`, `Ubuntu:22.04`, …, as OSV names distro releases.
fn distro_ecosystem(ecosystem: Ecosystem, os: &OsRelease) -> Option<String> {
    let version = os.version_id.as_deref()?.trim();
    let major = version.split('.').next().unwrap_or(version);
    let family = |id: &str| os.id == id || os.id_like.iter().any(|l| l == id);
    match (ecosystem, os.id.as_str()) {
        (Ecosystem::Deb, "debian") => Some(format!("Debian:{major}")),
        (Ecosystem::Deb, "ubuntu") => Some(format!("Ubuntu:{version}")),
        (Ecosystem::Apk, "alpine") => {
            let mut parts = version.split('.');
            let (Some(a), Some(b)) = (parts.next(), parts.next()) else {
                return None;
            };
            Some(format!("Alpine:v{a}.{b}"))
        }
        (Ecosystem::Deb, _) if family("debian") => None,
        (Ecosystem::Rpm, "almalinux") => Some(format!("AlmaLinux:{major}")),
        (Ecosystem::Rpm, "rocky") => Some(format!("Rocky Linux:{major}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulkhead_inventory::SourcePackage;

    #[test]
    fn debian_packages_query_their_source() {
        let os = OsRelease {
            id: "debian".into(),
            version_id: Some("12".into()),
            ..OsRelease::default()
        };
        let package = Package {
            ecosystem: Ecosystem::Deb,
            name: "libc6".into(),
            version: "2.36-9+deb12u4".into(),
            purl: String::new(),
            licenses: Vec::new(),
            source: Some(SourcePackage {
                name: "glibc".into(),
                version: "2.36-9+deb12u4".into(),
            }),
            arch: None,
            dev: false,
            locations: Vec::new(),
            cataloger: "dpkg".into(),
        };
        assert_eq!(
            query_for(&package, Some(&os)),
            QueryOrigin::Query(PackageQuery {
                ecosystem: "Debian:12".into(),
                name: "glibc".into(),
                version: "2.36-9+deb12u4".into(),
            })
        );
        assert_eq!(query_for(&package, None), QueryOrigin::UnknownRelease);
        let alpine = OsRelease {
            id: "alpine".into(),
            version_id: Some("3.19.1".into()),
            ..OsRelease::default()
        };
        assert_eq!(
            distro_ecosystem(Ecosystem::Apk, &alpine).as_deref(),
            Some("Alpine:v3.19")
        );
    }
}
