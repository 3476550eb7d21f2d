//! CycloneDX 1.6 JSON (<https://cyclonedx.org/docs/1.6/json/>).

use bulkhead_inventory::{Inventory, Package};
use serde_json::{Value, json};

use crate::{DocumentInfo, Subject, content_uuid, inventory_fingerprint};

/// The inventory as a CycloneDX 1.6 JSON document.
pub fn cyclonedx(subject: &Subject, inventory: &Inventory, info: &DocumentInfo) -> Value {
    let fingerprint = inventory_fingerprint(subject, inventory);
    let root_ref = format!("bulkhead:subject:{}", &fingerprint[..16]);
    let mut root = json!({
        "bom-ref": root_ref,
        "type": if subject.is_image { "container" } else { "application" },
        "name": subject.name,
    });
    if let Some(digest) = &subject.digest {
        root["version"] = json!(digest);
    }
    let mut components = Vec::new();
    let mut refs = Vec::new();
    if let Some(os) = &inventory.os {
        let os_ref = format!(
            "bulkhead:os:{}-{}",
            os.id,
            os.version_id.clone().unwrap_or_default()
        );
        let mut c = json!({"bom-ref": os_ref, "type": "operating-system", "name": os.id});
        if let Some(v) = &os.version_id {
            c["version"] = json!(v);
        }
        if let Some(desc) = &os.pretty_name {
            c["description"] = json!(desc);
        }
        refs.push(os_ref);
        components.push(c);
    }
    for package in &inventory.packages {
        refs.push(package.purl.clone());
        components.push(component(package));
    }
    json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{}", content_uuid(&[&fingerprint, "cyclonedx"])),
        "version": 1,
        "metadata": {
            "timestamp": info.created,
            "tools": {"components": [{"type": "application", "name": "bulkhead", "version": info.tool_version}]},
            "component": root,
        },
        "components": components,
        "dependencies": [{"ref": root_ref, "dependsOn": refs}],
    })
}

fn component(p: &Package) -> Value {
    let mut c = json!({
        "bom-ref": p.purl,
        "type": "library",
        "name": p.name,
        "version": p.version,
        "purl": p.purl,
    });
    if !p.licenses.is_empty() {
        // `name`, not `id`: the strings are as packages declare them ("BSD License"), and an
        // `id` must be an exact SPDX identifier.
        c["licenses"] = Value::Array(
            p.licenses
                .iter()
                .map(|l| json!({"license": {"name": l}}))
                .collect(),
        );
    }
    let mut properties = vec![
        json!({"name": "bulkhead:package:ecosystem", "value": p.ecosystem.purl_type()}),
        json!({"name": "bulkhead:package:cataloger", "value": p.cataloger}),
    ];
    if let Some(src) = &p.source {
        properties.push(json!({"name": "bulkhead:package:source-name", "value": src.name}));
        properties.push(json!({"name": "bulkhead:package:source-version", "value": src.version}));
    }
    if p.dev {
        properties.push(json!({"name": "bulkhead:package:dev", "value": "true"}));
    }
    for l in &p.locations {
        properties.push(json!({"name": "bulkhead:location:path", "value": format!("/{}", l.path)}));
        if let Some(layer) = &l.layer {
            properties.push(json!({"name": "bulkhead:location:layer", "value": layer}));
        }
    }
    c["properties"] = Value::Array(properties);
    c
}
