//! Loading arbitrary bytes as a Kubernetes manifest: no panic, every span lies within the
//! input (UTF-8 input; UTF-16 is transcoded and has its own offsets), every error names a
//! line inside it, `to_json` and `locate` never panic, and workloads and the index can be
//! built from whatever loaded.
#![no_main]

use bulkhead_manifest::{Index, Node, Span, Value, load, pod_template, to_json};

fn check_span(span: Span, len: usize, lines: u32) {
    assert!(span.start.offset <= span.end.offset, "{span:?}");
    assert!(span.end.offset <= len, "{span:?} beyond {len} bytes");
    assert!(
        span.start.line >= 1 && span.end.line <= lines,
        "{span:?} beyond {lines} lines"
    );
    assert!(span.start.column >= 1, "{span:?}");
}

fn walk(node: &Node, len: usize, lines: u32) {
    check_span(node.span, len, lines);
    match &node.value {
        Value::Map(entries) => {
            for e in entries.iter() {
                check_span(e.key_span, len, lines);
                walk(&e.value, len, lines);
            }
        }
        Value::Seq(items) => items.iter().for_each(|i| walk(i, len, lines)),
        _ => {}
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let result = load("fuzz.yaml", data);
    let utf16 = data.starts_with(&[0xFF, 0xFE]) || data.starts_with(&[0xFE, 0xFF]);
    // Lines as the parser counts them (`\n`, `\r\n`, lone `\r`), plus the last one.
    let lines = 1 + data
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && data.get(i + 1) != Some(&b'\n')))
        .count() as u32;
    for e in &result.errors {
        let _ = e.to_string();
        if !utf16 {
            assert!(e.line >= 1 && e.line <= lines, "{e}");
        }
    }
    for object in &result.objects {
        if !utf16 {
            walk(&object.root, data.len(), lines);
        }
        let _ = to_json(&object.root);
        let _ = object
            .root
            .locate("/spec/template/spec/containers/0/securityContext");
        if let Some(pod) = pod_template(object) {
            for c in pod.containers() {
                assert_eq!(object.root.pointer(&c.pointer), Some(c.node));
            }
        }
    }
    let index = Index::new(result.objects);
    for o in index.objects() {
        let _ = index.selected_by(o);
        let _ = index.role_ref(o);
    }
    let _ = index.workloads_without_network_policy().count();
});
