//! Real manifests against an independent YAML implementation: PyYAML (YAML 1.1, like
//! go-yaml v2), from the test virtualenv. For every document of the 4,537 Pod Security
//! Admission fixture pods and of our example manifests, PyYAML's JSON must equal `to_json`,
//! and PyYAML's node marks must equal our spans: the line and column of every mapping key,
//! the start of every value, and the end of every scalar.
//!
//! PyYAML and go-yaml (which we follow) disagree on a few YAML 1.1 corners; a difference is
//! accepted only if it is one of these, and each is counted so the report shows them:
//! `y`/`n` (booleans for go-yaml), Go number syntax (`0o17`, `1e5`, `08`), sexagesimal
//! numbers (`1:20`, an integer for PyYAML), timestamps (datetimes for PyYAML), and merge keys
//! (`<<`: explicit keys win in PyYAML, the later assignment in go-yaml).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use bulkhead_manifest::{Documents, Node, Value, to_json};
use serde_json::Value as Json;

use crate::support::json_eq;

const PYTHON: &str = r#"
import json, sys, yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

def marks(node, out):
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            end = [v.end_mark.line + 1, v.end_mark.column + 1] if isinstance(v, yaml.ScalarNode) else None
            out.append([k.start_mark.line + 1, k.start_mark.column + 1,
                        v.start_mark.line + 1, v.start_mark.column + 1, end])
            marks(v, out)
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            marks(v, out)

for path in sys.stdin.read().splitlines():
    try:
        with open(path, "rb") as f:
            text = f.read()
        docs = [d for d in yaml.load_all(text, Loader=Loader)]
        nodes = [n for n in yaml.compose_all(text, Loader=Loader)]
        m = []
        for n in nodes:
            one = []
            marks(n, one)
            m.append(one)
        print(json.dumps({"docs": docs, "marks": m}, default=str))
    except Exception as e:
        print(json.dumps({"error": str(e)}))
"#;

fn python_yaml(files: &[PathBuf]) -> Vec<Json> {
    let python = bulkhead_test::python_venv().join("bin/python");
    let mut child = Command::new(python)
        .args(["-c", PYTHON])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let list = files.iter().fold(String::new(), |mut s, f| {
        writeln!(s, "{}", f.display()).unwrap();
        s
    });
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(list.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "PyYAML helper failed");
    let answers: Vec<Json> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), files.len());
    answers
}

/// Our marks, in PyYAML's order: for each mapping entry, key start, value start, and the
/// end of a scalar value.
fn our_marks(node: &Node, out: &mut Vec<Json>) {
    match &node.value {
        Value::Map(entries) => {
            for e in entries.iter() {
                let end = match e.value.value {
                    Value::Map(_) | Value::Seq(_) => Json::Null,
                    _ => serde_json::json!([e.value.span.end.line, e.value.span.end.column]),
                };
                out.push(serde_json::json!([
                    e.key_span.start.line,
                    e.key_span.start.column,
                    e.value.span.start.line,
                    e.value.span.start.column,
                    end
                ]));
                our_marks(&e.value, out);
            }
        }
        Value::Seq(items) => items.iter().for_each(|i| our_marks(i, out)),
        _ => {}
    }
}

/// Which accepted dialect difference explains `ours` ≠ `python`, if any.
fn known_difference(ours: &Json, python: &Json) -> Option<&'static str> {
    match (ours, python) {
        (Json::Bool(b), Json::String(s)) => {
            let word = if *b { ["y", "Y"] } else { ["n", "N"] };
            word.contains(&s.as_str()).then_some("y/n booleans")
        }
        (Json::Number(_), Json::String(s)) => {
            let s = s.replace('_', "");
            let s = s.trim_start_matches(['+', '-']);
            let go_syntax = s.starts_with("0o")
                || s.starts_with("0O")
                || (s.contains(['e', 'E']) && !s.contains('.'))
                || (s.starts_with('0') && s.len() > 1 && s.bytes().all(|b| b.is_ascii_digit()));
            go_syntax.then_some("Go number syntax")
        }
        (Json::String(s), Json::Number(_)) if s.contains(':') => Some("sexagesimal"),
        (Json::String(s), Json::String(p))
            if s.len() >= 10 && s.as_bytes()[4] == b'-' && p.starts_with(&s[..10]) =>
        {
            Some("timestamp")
        }
        _ => None,
    }
}

/// Compares two JSON trees; each difference is either explained (counted) or reported.
fn compare(
    path: &str,
    ours: &Json,
    python: &Json,
    explained: &mut BTreeMap<&'static str, usize>,
    unexplained: &mut Vec<String>,
) {
    if json_eq(ours, python) {
        return;
    }
    match (ours, python) {
        (Json::Object(a), Json::Object(b)) if a.len() == b.len() => {
            for (k, v) in a {
                match b.get(k) {
                    Some(w) => compare(&format!("{path}/{k}"), v, w, explained, unexplained),
                    None => unexplained.push(format!("{path}: key `{k}` only in ours")),
                }
            }
        }
        (Json::Array(a), Json::Array(b)) if a.len() == b.len() => {
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                compare(&format!("{path}/{i}"), v, w, explained, unexplained);
            }
        }
        _ => match known_difference(ours, python) {
            Some(kind) => *explained.entry(kind).or_default() += 1,
            None => unexplained.push(format!("{path}: ours {ours}, PyYAML {python}")),
        },
    }
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            out.push(path);
        }
    }
}

/// Runs the comparison over `files`; returns how many documents and marks were compared.
fn check(files: &[PathBuf], merges_allowed: bool) -> (usize, usize, BTreeMap<&'static str, usize>) {
    let answers = python_yaml(files);
    let mut explained = BTreeMap::new();
    let mut unexplained = Vec::new();
    let (mut docs_compared, mut marks_compared) = (0, 0);
    for (file, answer) in files.iter().zip(&answers) {
        let bytes = std::fs::read(file).unwrap();
        let label = file.display().to_string();
        let ours: Vec<_> = Documents::new(&label, &bytes).collect();
        if let Some(error) = answer.get("error") {
            // PyYAML cannot read it; we must not read it either, unless it is a dialect case.
            assert!(
                ours.iter().any(Result::is_err),
                "{label}: PyYAML fails ({error}) but we load it"
            );
            continue;
        }
        let docs = answer["docs"].as_array().unwrap();
        let marks = answer["marks"].as_array().unwrap();
        // PyYAML yields empty documents as null; we do not yield them.
        let theirs: Vec<_> = docs
            .iter()
            .zip(marks)
            .filter(|(d, _)| !d.is_null())
            .collect();
        let ours: Vec<_> = ours
            .into_iter()
            .map(|d| d.unwrap_or_else(|e| panic!("{e}")))
            .filter(|d| !d.root.is_null())
            .collect();
        assert_eq!(ours.len(), theirs.len(), "{label}: document count");
        for (doc, (json, marks)) in ours.iter().zip(theirs) {
            let here = format!("{label}#{}", doc.number);
            compare(
                &here,
                &to_json(&doc.root),
                json,
                &mut explained,
                &mut unexplained,
            );
            if merges_allowed && bytes.windows(2).any(|w| w == b"<<") {
                continue;
            }
            let mut mine = Vec::new();
            our_marks(&doc.root, &mut mine);
            assert_eq!(&Json::Array(mine.clone()), marks, "{here}: marks");
            docs_compared += 1;
            marks_compared += mine.len();
        }
    }
    assert!(unexplained.is_empty(), "{}", unexplained.join("\n"));
    (docs_compared, marks_compared, explained)
}

#[test]
fn pod_security_admission_pods_match_pyyaml() {
    let root = bulkhead_test::shared_dir().join("peer-data/pod-security-admission/test/testdata");
    let mut files = Vec::new();
    yaml_files(&root, &mut files);
    files.sort();
    assert_eq!(files.len(), 4537, "the PSA fixture set changed");
    let (docs, marks, explained) = check(&files, false);
    assert_eq!(docs, 4537);
    assert!(marks > 50_000, "only {marks} marks compared");
    assert!(explained.is_empty(), "{explained:?}");
}

#[test]
fn example_manifests_match_pyyaml() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files = Vec::new();
    yaml_files(&root, &mut files);
    files.sort();
    // The Helm template is not YAML to either of us in the same way; it has its own test.
    files.retain(|f| !f.ends_with("helm-template.yaml"));
    let (docs, _, explained) = check(&files, true);
    assert!(docs >= 15, "{docs}");
    // The examples use the dialect on purpose: `y`/`Y` and `0o1750`.
    assert_eq!(explained.get("y/n booleans"), Some(&2), "{explained:?}");
    assert_eq!(explained.get("Go number syntax"), Some(&1), "{explained:?}");
}
