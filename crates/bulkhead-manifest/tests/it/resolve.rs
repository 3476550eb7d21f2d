//! Scalar resolution and YAML→JSON conversion against the real thing: Kubernetes'
//! `sigs.k8s.io/yaml` (go-yaml v2.4.0), run over `tests/data/go-yaml-inputs.json` by the Go
//! program in `tests/data/go-oracle` (how to re-run it is at its top). Its answers are in
//! `tests/data/go-yaml-golden.json`: for each input, `YAMLToJSON` (what kubectl uses) and
//! `YAMLToJSONStrict` (strict field validation).
//!
//! The oracle runs from Debian's `golang-k8s-sigs-yaml-dev`, which CI does not install, so its
//! output is committed rather than recomputed; the inputs cover every rule of go-yaml's
//! `resolve.go` and the key conversion of `sigs.k8s.io/yaml`, with near misses.

use bulkhead_manifest::{DocErrorKind, Documents, to_json};
use serde_json::Value as Json;

use crate::support::json_eq;

/// Where we deliberately differ from lax decoding: both decoders accept these, but we refuse
/// them because a key is written twice (by its JSON spelling).
const DUPLICATE_BY_JSON_KEY: &[&str] = &["\"1\": a\n1: b\n"];

/// Ours: the first document's JSON, or its error.
fn ours(input: &str) -> Result<Json, DocErrorKind> {
    let mut docs = Documents::new("golden.yaml", input.as_bytes());
    match docs.next() {
        None => Ok(Json::Null),
        Some(Ok(doc)) => Ok(to_json(&doc.root)),
        Some(Err(e)) => Err(e.kind),
    }
}

#[test]
fn scalars_and_keys_resolve_as_kubernetes_does() {
    let golden = include_str!("../data/go-yaml-golden.json");
    let rows: Vec<(String, String, String)> = serde_json::from_str(golden).unwrap();
    assert!(rows.len() > 150, "the golden file lost its rows");
    let mut failures = Vec::new();
    for (input, lax, strict) in &rows {
        let got = ours(input);
        let parse = |r: &str| -> Option<Json> {
            r.strip_prefix("OK ")
                .map(|j| serde_json::from_str(j).unwrap())
        };
        let (lax, strict) = (parse(lax), parse(strict));
        let ok = if DUPLICATE_BY_JSON_KEY.contains(&input.as_str()) {
            matches!(got, Err(DocErrorKind::DuplicateKey { .. }))
        } else {
            match (&lax, &strict) {
                // They agree: so must we.
                (Some(want), Some(_)) => got.as_ref().is_ok_and(|g| json_eq(g, want)),
                (None, None) => got.is_err(),
                // Only strict decoding refuses it: a key written twice (we refuse too), or
                // keys brought in by a merge (we follow kubectl's lax decoding).
                (Some(want), None) => {
                    if input.contains("<<") {
                        got.as_ref().is_ok_and(|g| json_eq(g, want))
                    } else {
                        matches!(got, Err(DocErrorKind::DuplicateKey { .. }))
                    }
                }
                (None, Some(_)) => false,
            }
        };
        if !ok {
            failures.push(format!(
                "{input:?}: ours {got:?}, kubernetes {lax:?} (strict {strict:?})"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn errors_name_the_rule() {
    let kind = |input: &str| ours(input).unwrap_err();
    assert!(matches!(
        kind("a: .nan\n"),
        DocErrorKind::NotRepresentable { .. }
    ));
    assert!(matches!(kind("~: a\n"), DocErrorKind::InvalidKey { .. }));
    assert!(matches!(
        kind("? [a]\n: b\n"),
        DocErrorKind::InvalidKey { .. }
    ));
    assert!(matches!(
        kind("v: !!int abc\n"),
        DocErrorKind::TagMismatch { .. }
    ));
    assert!(matches!(
        kind("v: !!binary x!\n"),
        DocErrorKind::InvalidBinary
    ));
    assert!(matches!(kind("c:\n  <<: 1\n"), DocErrorKind::InvalidMerge));
    assert!(matches!(
        kind("a: &x {b: *x}\n"),
        DocErrorKind::RecursiveAlias
    ));
    assert_eq!(
        kind("a: 1\nb: 2\na: 3\n"),
        DocErrorKind::DuplicateKey {
            key: "a".into(),
            first_line: 1
        }
    );
}
