//! Reading a CycloneDX (JSON, 1.2–1.6) or SPDX (JSON, 2.2–2.3) document back as an
//! [`Inventory`], so `bulkhead sbom FILE` can be judged like a scan. Components are taken by
//! their purl; a component without one cannot be matched to advisories and is counted in the
//! inventory's warnings.

use bulkhead_inventory::{
    Ecosystem, Inventory, OsRelease, Package, PackageLocation, SourcePackage,
};
use serde_json::Value;

/// Errors reading an SBOM document.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SbomError {
    #[error("not JSON")]
    Json(#[from] serde_json::Error),
    #[error("not a CycloneDX or SPDX JSON document (no `bomFormat` or `spdxVersion`)")]
    UnknownFormat,
    #[error("document is {size} bytes, over the limit of {limit}")]
    TooLarge { size: usize, limit: usize },
}

/// Where a format keeps a component's purl.
type PurlOf = fn(&Value) -> Option<&str>;

/// The largest SBOM read (real image SBOMs are a few MB).
pub(crate) const MAX_SBOM_BYTES: usize = 256 << 20;

/// Reads an SBOM document. `origin` names it in package locations (e.g. the file path).
pub fn read(bytes: &[u8], origin: &str) -> Result<Inventory, SbomError> {
    if bytes.len() > MAX_SBOM_BYTES {
        return Err(SbomError::TooLarge {
            size: bytes.len(),
            limit: MAX_SBOM_BYTES,
        });
    }
    let doc: Value = serde_json::from_slice(bytes)?;
    let mut inventory = Inventory::default();
    let (items, purl_of): (Vec<&Value>, PurlOf) =
        if doc.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
            let mut all = Vec::new();
            collect_cyclonedx(doc.get("components"), &mut all, 0);
            for c in &all {
                if c.get("type").and_then(Value::as_str) == Some("operating-system") {
                    inventory.os = Some(OsRelease {
                        id: c
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_ascii_lowercase(),
                        version_id: c.get("version").and_then(Value::as_str).map(str::to_owned),
                        ..OsRelease::default()
                    });
                }
            }
            (all, |c| c.get("purl").and_then(Value::as_str))
        } else if doc.get("spdxVersion").is_some() {
            let packages: Vec<&Value> = doc
                .get("packages")
                .and_then(Value::as_array)
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            // The OS is a package whose purpose is OPERATING-SYSTEM (ours and Trivy's form).
            if let Some(os) = packages.iter().find(|p| {
                p.get("primaryPackagePurpose").and_then(Value::as_str) == Some("OPERATING-SYSTEM")
            }) {
                inventory.os = Some(OsRelease {
                    id: os
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_ascii_lowercase(),
                    version_id: os
                        .get("versionInfo")
                        .and_then(Value::as_str)
                        .filter(|v| !v.is_empty())
                        .map(str::to_owned),
                    ..OsRelease::default()
                });
            }
            (packages, |p| {
                p.get("externalRefs")?
                    .as_array()?
                    .iter()
                    .find(|r| r.get("referenceType").and_then(Value::as_str) == Some("purl"))?
                    .get("referenceLocator")?
                    .as_str()
            })
        } else {
            return Err(SbomError::UnknownFormat);
        };
    let mut without_purl = 0usize;
    for item in items {
        if item.get("type").and_then(Value::as_str) == Some("operating-system")
            || item.get("primaryPackagePurpose").and_then(Value::as_str) == Some("OPERATING-SYSTEM")
        {
            continue;
        }
        match purl_of(item).and_then(package_from_purl) {
            Some(mut p) => {
                p.source = source_package(item, &p);
                p.locations = locations(item);
                if p.locations.is_empty() {
                    p.locations.push(PackageLocation {
                        path: origin.to_owned(),
                        layer: None,
                    });
                }
                inventory.packages.push(p);
            }
            None => without_purl += 1,
        }
    }
    if without_purl > 0 {
        inventory.warnings.push(format!(
            "{without_purl} components have no usable purl and cannot be matched"
        ));
    }
    inventory.packages.sort();
    inventory.packages.dedup();
    Ok(inventory)
}

/// The source package a distro package was built from, as SBOM writers record it: our
/// `bulkhead:package:source-*` and Trivy's `aquasecurity:trivy:Src*` CycloneDX properties,
/// syft's `upstream` purl qualifier (`glibc` or `glibc@2.36-9`), and the SPDX `sourceInfo`
/// sentences we and Trivy write. Distro advisories are keyed by it, so without it a scan of
/// an SBOM would miss every binary package named differently from its source.
fn source_package(item: &Value, package: &Package) -> Option<SourcePackage> {
    if !matches!(
        package.ecosystem,
        Ecosystem::Deb | Ecosystem::Apk | Ecosystem::Rpm
    ) {
        return None;
    }
    let property = |name: &str| {
        item.get("properties")?
            .as_array()?
            .iter()
            .find(|p| p.get("name").and_then(Value::as_str) == Some(name))?
            .get("value")?
            .as_str()
            .map(str::to_owned)
    };
    let with_version = |name: String, version: Option<String>| SourcePackage {
        name,
        version: version.unwrap_or_else(|| package.version.clone()),
    };
    if let Some(name) = property("bulkhead:package:source-name") {
        return Some(with_version(
            name,
            property("bulkhead:package:source-version"),
        ));
    }
    if let Some(name) = property("aquasecurity:trivy:SrcName") {
        // Trivy splits the version into epoch, version and release.
        let version = property("aquasecurity:trivy:SrcVersion").map(|v| {
            let mut full = v;
            if let Some(release) = property("aquasecurity:trivy:SrcRelease") {
                full = format!("{full}-{release}");
            }
            match property("aquasecurity:trivy:SrcEpoch") {
                Some(epoch) if epoch != "0" => format!("{epoch}:{full}"),
                _ => full,
            }
        });
        return Some(with_version(name, version));
    }
    if let Some(info) = item.get("sourceInfo").and_then(Value::as_str) {
        let rest = info
            .strip_prefix("built from source package ")
            .or_else(|| info.strip_prefix("built package from: "))?;
        let mut words = rest.split_whitespace();
        let name = words.next()?.to_owned();
        return Some(with_version(name, words.next().map(str::to_owned)));
    }
    let purl: packageurl::PackageUrl<'_> = package.purl.parse().ok()?;
    let upstream = purl
        .qualifiers()
        .iter()
        .find(|(k, _)| *k == "upstream")
        .map(|(_, v)| v.to_string())?;
    Some(match upstream.split_once('@') {
        Some((name, version)) => with_version(name.to_owned(), Some(version.to_owned())),
        None => with_version(upstream, None),
    })
}

/// Where our own CycloneDX documents say a package was found (`bulkhead:location:*`).
fn locations(item: &Value) -> Vec<PackageLocation> {
    let Some(properties) = item.get("properties").and_then(Value::as_array) else {
        return Vec::new();
    };
    let mut out: Vec<PackageLocation> = Vec::new();
    for p in properties {
        let value = p.get("value").and_then(Value::as_str).unwrap_or_default();
        match p.get("name").and_then(Value::as_str) {
            Some("bulkhead:location:path") => out.push(PackageLocation {
                path: value.trim_start_matches('/').to_owned(),
                layer: None,
            }),
            Some("bulkhead:location:layer") => {
                if let Some(last) = out.last_mut() {
                    last.layer = Some(value.to_owned());
                }
            }
            _ => {}
        }
    }
    out
}

/// CycloneDX components nest (`components[].components`); bounded depth.
fn collect_cyclonedx<'a>(list: Option<&'a Value>, out: &mut Vec<&'a Value>, depth: usize) {
    let Some(list) = list.and_then(Value::as_array) else {
        return;
    };
    for c in list {
        out.push(c);
        if depth < 16 {
            collect_cyclonedx(c.get("components"), out, depth + 1);
        }
    }
}

fn package_from_purl(purl: &str) -> Option<Package> {
    let parsed: packageurl::PackageUrl<'_> = purl.parse().ok()?;
    let ecosystem = match parsed.ty() {
        "deb" => Ecosystem::Deb,
        "apk" => Ecosystem::Apk,
        "rpm" => Ecosystem::Rpm,
        "pypi" => Ecosystem::PyPI,
        "npm" => Ecosystem::Npm,
        "cargo" => Ecosystem::Cargo,
        "golang" => Ecosystem::Golang,
        "maven" => Ecosystem::Maven,
        "gem" => Ecosystem::Gem,
        "composer" => Ecosystem::Composer,
        "nuget" => Ecosystem::NuGet,
        _ => return None,
    };
    let name = match (parsed.namespace(), ecosystem) {
        (Some(ns), Ecosystem::Maven) => format!("{ns}:{}", parsed.name()),
        (Some(ns), Ecosystem::Npm | Ecosystem::Golang | Ecosystem::Composer) => {
            format!("{ns}/{}", parsed.name())
        }
        _ => parsed.name().to_owned(),
    };
    let arch = parsed
        .qualifiers()
        .iter()
        .find(|(k, _)| *k == "arch")
        .map(|(_, v)| v.to_string());
    Some(Package {
        ecosystem,
        name,
        version: parsed.version()?.to_owned(),
        purl: purl.to_owned(),
        licenses: Vec::new(),
        source: None,
        arch,
        dev: false,
        locations: Vec::new(),
        cataloger: "sbom".to_owned(),
    })
}
