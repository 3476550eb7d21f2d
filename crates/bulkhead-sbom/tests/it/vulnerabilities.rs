//! CycloneDX with vulnerabilities, validated by cyclonedx-python-lib against the official 1.6
//! schema and read back by its model.

use std::collections::BTreeSet;

use bulkhead_finding::Severity;
use bulkhead_inventory::Package;
use bulkhead_report::{RowLocation, VulnRow};
use serde_json::{Value, json};

use crate::{info, python, webapp};

fn row(package: &Package, id: &str, severity: Severity) -> VulnRow {
    VulnRow {
        id: id.into(),
        aliases: Vec::new(),
        package: package.name.clone(),
        source_package: None,
        purl: package.purl.clone(),
        installed_version: package.version.clone(),
        fixed_version: None,
        severity,
        cvss_score: None,
        cvss_vector: None,
        title: format!("{}: a flaw", package.name),
        references: Vec::new(),
        sources: vec!["osv/Debian".into()],
        locations: package
            .locations
            .iter()
            .map(|l| RowLocation {
                path: l.path.clone(),
                layer: l.layer.clone(),
            })
            .collect(),
    }
}

/// Rows as a scan gives them: a CVE shared by two packages (fixed, CVSS 3.1, an alias), a
/// CVSS 4 rating, an unfixed GHSA, and a row for a package the inventory does not list.
fn rows(packages: &[Package]) -> Vec<VulnRow> {
    let (a, b, c) = (&packages[0], &packages[1], &packages[2]);
    let mut shared_a = row(a, "CVE-2099-0001", Severity::Critical);
    shared_a.aliases = vec!["GHSA-2099-aaaa-bbbb".into(), "DSA-9999-1".into()];
    shared_a.cvss_score = Some(9.8);
    shared_a.cvss_vector = Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into());
    shared_a.fixed_version = Some("99.0-1".into());
    let mut shared_b = shared_a.clone();
    shared_b.package.clone_from(&b.name);
    shared_b.purl.clone_from(&b.purl);
    shared_b.installed_version.clone_from(&b.version);
    shared_b.sources = vec!["osv/Debian".into(), "osv/GHSA".into()];
    let mut v4 = row(c, "CVE-2099-0002", Severity::High);
    v4.cvss_score = Some(7.0);
    v4.cvss_vector = Some("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N".into());
    let ghsa = row(c, "GHSA-2099-cccc-dddd", Severity::Medium);
    let mut stranger = row(c, "RUSTSEC-2099-0001", Severity::Low);
    stranger.purl = "pkg:cargo/not-installed@1.0.0".into();
    stranger.package = "not-installed".into();
    vec![shared_a, v4, ghsa, shared_b, stranger]
}

#[test]
fn cyclonedx_with_vulnerabilities_validates_and_links_components() {
    let (subject, inventory) = webapp();
    let rows = rows(&inventory.packages);
    let doc = bulkhead_sbom::cyclonedx_with_vulnerabilities(subject, inventory, &info(), &rows);

    // The official 1.6 schema, through cyclonedx-python-lib's strict validator.
    let script = "import sys\nfrom cyclonedx.schema import SchemaVersion\nfrom cyclonedx.validation.json import JsonStrictValidator\nerr = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1]).read())\nprint('VALID' if err is None else f'INVALID: {err}')";
    assert_eq!(python(script, &doc).trim(), "VALID");

    // The library's model reads the vulnerabilities back, and every `affects` ref names a
    // component it knows.
    let model = "import sys, json\nfrom cyclonedx.model.bom import Bom\nbom = Bom.from_json(json.load(open(sys.argv[1])))\nrefs = {c.bom_ref.value for c in bom.components}\nfor v in sorted(bom.vulnerabilities, key=lambda v: v.id):\n    affects = [t.ref for t in v.affects]\n    print(v.id, len(affects), all(r in refs for r in affects), ','.join(sorted(r.id for r in v.references)), ','.join(str(r.method) for r in v.ratings))";
    let out = python(model, &doc);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "CVE-2099-0001 2 True DSA-9999-1,GHSA-2099-aaaa-bbbb VulnerabilityScoreSource.CVSS_V3_1",
            "CVE-2099-0002 1 True  VulnerabilityScoreSource.CVSS_V4",
            "GHSA-2099-cccc-dddd 1 True  None",
            "RUSTSEC-2099-0001 0 True  None",
        ]
    );

    // The same facts from the JSON itself.
    let components: BTreeSet<&str> = doc["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["bom-ref"].as_str().unwrap())
        .collect();
    let vulns = doc["vulnerabilities"].as_array().unwrap();
    let ids: Vec<&str> = vulns.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "CVE-2099-0001",
            "CVE-2099-0002",
            "GHSA-2099-cccc-dddd",
            "RUSTSEC-2099-0001"
        ]
    );
    for v in vulns {
        for affected in v["affects"].as_array().into_iter().flatten() {
            assert!(components.contains(affected["ref"].as_str().unwrap()));
        }
    }
    let shared = &vulns[0];
    let (a, b) = (&inventory.packages[0], &inventory.packages[1]);
    let mut expected_affects = vec![
        json!({"ref": a.purl, "versions": [{"version": a.version, "status": "affected"}]}),
        json!({"ref": b.purl, "versions": [{"version": b.version, "status": "affected"}]}),
    ];
    expected_affects.sort_by_key(|v| v["ref"].as_str().unwrap().to_owned());
    assert_eq!(shared["affects"], Value::Array(expected_affects));
    assert_eq!(shared["bom-ref"], "bulkhead:vulnerability:CVE-2099-0001");
    assert_eq!(
        shared["source"],
        json!({"name": "NVD", "url": "https://nvd.nist.gov/vuln/detail/CVE-2099-0001"})
    );
    assert_eq!(
        shared["ratings"],
        json!([{
            "severity": "critical",
            "score": 9.8,
            "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "method": "CVSSv31",
        }])
    );
    assert_eq!(shared["description"], format!("{}: a flaw", a.name));
    let mut upgrades = [
        format!("Upgrade {} to 99.0-1", a.name),
        format!("Upgrade {} to 99.0-1", b.name),
    ];
    upgrades.sort();
    assert_eq!(shared["recommendation"], upgrades.join("; "));
    assert!(shared.get("analysis").is_none());
    assert_eq!(
        vulns[2]["ratings"],
        json!([{"severity": "medium"}]),
        "no score without CVSS"
    );
    assert!(vulns[2].get("recommendation").is_none());
    assert_eq!(vulns[2]["source"]["name"], "GitHub");
    // A row whose package is not in the document affects nothing it could point at.
    assert!(vulns[3].get("affects").is_none());

    // Without rows it is the plain SBOM with an empty list.
    let mut plain = bulkhead_sbom::cyclonedx_with_vulnerabilities(subject, inventory, &info(), &[]);
    assert_eq!(plain["vulnerabilities"], json!([]));
    plain.as_object_mut().unwrap().remove("vulnerabilities");
    assert_eq!(plain, bulkhead_sbom::cyclonedx(subject, inventory, &info()));
}
