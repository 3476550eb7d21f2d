//! SPDX 2.3 JSON (<https://spdx.github.io/spdx-spec/v2.3/>).

use bulkhead_inventory::{Inventory, Package};
use serde_json::{Value, json};

use crate::{DocumentInfo, Subject, content_uuid, inventory_fingerprint};

/// The inventory as an SPDX 2.3 JSON document.
pub fn spdx(subject: &Subject, inventory: &Inventory, info: &DocumentInfo) -> Value {
    let fingerprint = inventory_fingerprint(subject, inventory);
    let root_id = "SPDXRef-Subject";
    let mut root = json!({
        "SPDXID": root_id,
        "name": subject.name,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "primaryPackagePurpose": if subject.is_image { "CONTAINER" } else { "SOURCE" },
    });
    if let Some(digest) = &subject.digest {
        root["versionInfo"] = json!(digest);
    }
    let mut packages = vec![root];
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": root_id,
    })];
    if let Some(os) = &inventory.os {
        let id = "SPDXRef-OperatingSystem";
        packages.push(json!({
            "SPDXID": id,
            "name": os.id,
            "versionInfo": os.version_id.clone().unwrap_or_default(),
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "primaryPackagePurpose": "OPERATING-SYSTEM",
        }));
        relationships.push(json!({"spdxElementId": root_id, "relationshipType": "CONTAINS", "relatedSpdxElement": id}));
    }
    for (n, p) in inventory.packages.iter().enumerate() {
        let id = format!("SPDXRef-Package-{}-{}", n + 1, spdx_id_safe(&p.name));
        relationships.push(json!({"spdxElementId": root_id, "relationshipType": "CONTAINS", "relatedSpdxElement": id}));
        packages.push(package(&id, p));
    }
    let safe_name = spdx_id_safe(&subject.name);
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": subject.name,
        "documentNamespace": format!(
            "https://bulkhead.invalid/spdx/{safe_name}-{}",
            content_uuid(&[&fingerprint, "spdx"])
        ),
        "creationInfo": {
            "created": info.created,
            "creators": [format!("Tool: bulkhead-{}", info.tool_version)],
        },
        "documentDescribes": [root_id],
        "packages": packages,
        "relationships": relationships,
    })
}

fn package(id: &str, p: &Package) -> Value {
    let mut value = json!({
        "SPDXID": id,
        "name": p.name,
        "versionInfo": p.version,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": declared_license(&p.licenses),
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "LIBRARY",
        "externalRefs": [{
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": p.purl,
        }],
    });
    let mut notes = Vec::new();
    if let Some(src) = &p.source {
        value["sourceInfo"] = json!(format!(
            "built from source package {} {}",
            src.name, src.version
        ));
    }
    if !p.licenses.is_empty() && value["licenseDeclared"] == "NOASSERTION" {
        notes.push(format!("declared license text: {}", p.licenses.join("; ")));
    }
    let paths: Vec<String> = p
        .locations
        .iter()
        .map(|l| match &l.layer {
            Some(layer) => format!("/{} (layer {layer})", l.path),
            None => format!("/{}", l.path),
        })
        .collect();
    notes.push(format!("found at: {}", paths.join(", ")));
    value["comment"] = json!(notes.join("\n"));
    value
}

/// Licences as packages declare them are free text; an SPDX `licenseDeclared` must be a valid
/// expression. Only a single, plainly SPDX-shaped identifier from the common set is passed
/// through; anything else is `NOASSERTION`, with the text kept in the package comment.
fn declared_license(licenses: &[String]) -> String {
    const COMMON: &[&str] = &[
        "MIT",
        "Apache-2.0",
        "BSD-2-Clause",
        "BSD-3-Clause",
        "ISC",
        "MPL-2.0",
        "GPL-2.0-only",
        "GPL-2.0-or-later",
        "GPL-3.0-only",
        "GPL-3.0-or-later",
        "LGPL-2.1-only",
        "LGPL-2.1-or-later",
        "LGPL-3.0-only",
        "LGPL-3.0-or-later",
        "Unlicense",
        "0BSD",
        "Zlib",
        "PSF-2.0",
        "CC0-1.0",
        "BlueOak-1.0.0",
        "Python-2.0",
        "Artistic-2.0",
        "EPL-2.0",
        "AGPL-3.0-only",
    ];
    match licenses {
        [one] if COMMON.contains(&one.as_str()) => one.clone(),
        _ => "NOASSERTION".to_owned(),
    }
}

/// SPDX ids allow letters, digits, `.` and `-` only.
fn spdx_id_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}
