//! Hostile and odd input: every case ends in a value or a typed error, never a panic, a stack
//! overflow or unbounded work.

use std::fmt::Write as _;

use bulkhead_manifest::{DocErrorKind, Documents, Limits, load, to_json};

fn first(bytes: &[u8]) -> Result<bulkhead_manifest::Document, bulkhead_manifest::DocError> {
    Documents::new("hostile.yaml", bytes).next().unwrap()
}

fn error_kind(bytes: &[u8]) -> DocErrorKind {
    first(bytes).unwrap_err().kind
}

/// The classic: 10 levels of 10 aliases each stand for 10¹⁰ nodes in a few hundred bytes.
fn billion_laughs() -> String {
    let mut s = String::from("a0: &a0 [lol]\n");
    for i in 1..=10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        writeln!(s, "a{i}: &a{i} [{refs}]").unwrap();
    }
    s
}

#[test]
fn billion_laughs_is_refused() {
    let text = billion_laughs();
    let e = first(text.as_bytes()).unwrap_err();
    assert_eq!(e.kind, DocErrorKind::AliasNodes { limit: 1_000_000 });
    // Refused where the expansion crosses the limit: level 6 stands for 10⁶ nodes.
    assert_eq!(e.line, 7);
    // Below the limit, aliases expand (and to_json really produces them).
    let small = "a: &a [p, q]\nb: &b [*a, *a, *a]\nc: [*b, *b]\n";
    let json = to_json(&first(small.as_bytes()).unwrap().root);
    assert_eq!(json["c"][1][2][1], "q");
}

#[test]
fn alias_text_is_counted_too() {
    let big = "x".repeat(1 << 20);
    let mut text = format!("a: &a \"{big}\"\nb: [");
    text.push_str(&vec!["*a"; 100].join(", "));
    text.push_str("]\n");
    assert_eq!(
        error_kind(text.as_bytes()),
        DocErrorKind::AliasBytes { limit: 64 << 20 }
    );
}

#[test]
fn nested_anchors_share_instead_of_copying() {
    // Each level anchors the whole subtree below it: copying anchors would be quadratic.
    let depth = 900;
    let mut text = String::new();
    for _ in 0..depth {
        text.push_str("- &x\n");
    }
    text.push_str("- leaf\n");
    let doc = first(text.as_bytes());
    assert!(doc.is_ok(), "{doc:?}");
}

#[test]
fn recursive_and_unknown_aliases_are_errors() {
    assert_eq!(error_kind(b"a: &x [1, *x]\n"), DocErrorKind::RecursiveAlias);
    assert!(matches!(
        error_kind(b"a: *nowhere\n"),
        DocErrorKind::Syntax { .. }
    ));
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for text in [
        (0..10_000).fold(String::new(), |mut s, i| {
            writeln!(s, "{}k:", " ".repeat(i)).unwrap();
            s
        }),
        "- ".repeat(10_000) + "x",
    ] {
        let e = first(text.as_bytes()).unwrap_err();
        assert_eq!(e.kind, DocErrorKind::TooDeep { limit: 1000 }, "{e}");
    }
    // Flow collections: the parser's own bound is 255 levels.
    for text in [
        "[".repeat(10_000) + &"]".repeat(10_000),
        "{a: ".repeat(10_000) + &"}".repeat(10_000),
    ] {
        let e = first(text.as_bytes()).unwrap_err();
        assert_eq!(e.kind, DocErrorKind::TooDeep { limit: 255 }, "{e}");
    }
    // At the limit it loads, converts and drops on an ordinary test thread's stack.
    let text = "- ".repeat(1000) + "x";
    let doc = first(text.as_bytes()).unwrap();
    let json = to_json(&doc.root);
    assert!(json.is_array());
    drop(doc);
    drop(json);
    let text = "[".repeat(255) + &"]".repeat(255);
    assert!(first(text.as_bytes()).is_ok());
    // The limit is the caller's to choose.
    let limits = Limits {
        max_depth: 3,
        ..Limits::default()
    };
    let r = bulkhead_manifest::load_with_limits("x", b"a: {b: {c: {d: 1}}}\n", limits);
    assert_eq!(r.errors[0].kind, DocErrorKind::TooDeep { limit: 3 });
}

#[test]
fn huge_mappings_stay_linear() {
    // A 200,000-key ConfigMap: duplicate detection must not be quadratic.
    let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n");
    for i in 0..200_000 {
        writeln!(text, "  k{i}: v").unwrap();
    }
    let r = load("big.yaml", text.as_bytes());
    assert_eq!(
        r.objects[0]
            .root
            .get("data")
            .unwrap()
            .as_map()
            .unwrap()
            .len(),
        200_000
    );
    text.push_str("  k17: again\n");
    let r = load("big.yaml", text.as_bytes());
    assert!(matches!(
        r.errors[0].kind,
        DocErrorKind::DuplicateKey { first_line: 22, .. }
    ));
}

#[test]
fn encodings() {
    // Not UTF-8 at all.
    let r = load("bin", &[0x80, 0xff, 0x00, 0x41]);
    assert!(matches!(
        r.errors[0].kind,
        DocErrorKind::Encoding { offset: 0 }
    ));
    // A byte order mark at the start, and again after a separator (concatenated files).
    let text = b"\xEF\xBB\xBFapiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n\xEF\xBB\xBFapiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n";
    let r = load("bom.yaml", text);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.objects.len(), 2);
    let kind = r.objects[1].root.entry("kind").unwrap();
    assert_eq!(
        (kind.key_span.start.line, kind.key_span.start.column),
        (6, 1)
    );
    assert_eq!(kind.key_span.start.offset, 76);
    // UTF-16, with its byte order mark, as go-yaml reads it.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: é}\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let r = load("utf16.yaml", &utf16);
    assert_eq!(r.objects[0].name.as_deref(), Some("é"));
    assert!(matches!(
        load("odd", &[0xFF, 0xFE, 0x41]).errors[0].kind,
        DocErrorKind::Encoding { .. }
    ));
}

#[test]
fn line_endings_and_tabs() {
    let lf = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostPID: true\n";
    let crlf = lf.replace('\n', "\r\n");
    let a = load("lf", lf.as_bytes()).objects.remove(0);
    let b = load("crlf", crlf.as_bytes()).objects.remove(0);
    assert_eq!(to_json(&a.root), to_json(&b.root));
    let (pa, pb) = (
        a.root.locate("/spec/hostPID").unwrap(),
        b.root.locate("/spec/hostPID").unwrap(),
    );
    assert_eq!(
        (pa.start.line, pa.start.column),
        (pb.start.line, pb.start.column)
    );
    assert_eq!(pb.start.offset, pa.start.offset + 5);
    // A tab after `key:` is accepted, as kubectl accepts it; a tab-indented line is not.
    let r = load(
        "tab",
        b"apiVersion: v1\nkind:\tPod\nmetadata:\t{name: p}\nspec:\n  hostIPC:\ttrue\n",
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(
        r.objects[0]
            .root
            .pointer("/spec/hostIPC")
            .unwrap()
            .as_bool(),
        Some(true)
    );
    assert_eq!(
        r.objects[0]
            .root
            .locate("/spec/hostIPC")
            .unwrap()
            .start
            .column,
        3
    );
    // Tabs inside a scalar are content, and stay.
    let r = load("tab", b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: t}\ndata:\n  tsv: \"a:\\tb\"\n  raw: |\n    x:\ty\n");
    let data = r.objects[0].root.get("data").unwrap();
    assert_eq!(data.get_str("tsv"), Some("a:\tb"));
    assert_eq!(data.get_str("raw"), Some("x:\ty\n"));
    let e = load(
        "tab",
        b"apiVersion: v1\nkind: Pod\nspec:\n\thostPID: true\n",
    )
    .errors
    .remove(0);
    assert_eq!((e.line, e.document), (4, 1));
}

#[test]
fn null_and_empty_things() {
    let r = load(
        "n.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: null\n  containers:\n  - name: c\n    securityContext: ~\n",
    );
    let pod = &r.objects[0].root;
    assert!(pod.pointer("/spec/securityContext").unwrap().is_null());
    // Asking inside a null points at the null field.
    let span = pod
        .locate("/spec/containers/0/securityContext/privileged")
        .unwrap();
    assert_eq!((span.start.line, span.start.column), (8, 5));
    for empty in [
        &b""[..],
        b"\n\n",
        b"# only a comment\n",
        b"---\n",
        b"---\n---\n...\n",
        b"~\n",
        b"---\n# c\n---\n",
    ] {
        let r = load("empty", empty);
        assert_eq!(r, bulkhead_manifest::LoadResult::default(), "{empty:?}");
    }
}

#[test]
fn garbage_never_panics() {
    // A few shapes that have broken YAML parsers before; each must end in a value or error.
    for text in [
        &b"{"[..],
        b"]",
        b"? ? ? ?",
        b"&a &b c",
        b"!<> x",
        b"%YAML 1.1\n%YAML 1.1\n---\n",
        b"'unterminated",
        b"\"\\uD800\"",
        b"a: |\n  x\n b",
        b"- - - - -",
        b"--- |\n---\n",
        b"*a",
        b"<<: *a",
        b"a: !!binary ====",
        b"\xEF\xBB\xBF\xEF\xBB\xBF",
        b"\t",
        b"a:\t-\tb",
        b"[",
        b"a: 'x",
        b"a:",
    ] {
        let r = load("garbage", text);
        // Errors name a line that exists (the parser's end of input is one line further
        // when the text has no final line break).
        let lines = 1 + memchr::memchr_iter(b'\n', text).count();
        for e in &r.errors {
            assert!((1..=lines).contains(&(e.line as usize)), "{text:?}: {e}");
        }
    }
}

/// ~100 MB of real-looking manifests, loaded one document at a time: the object count is
/// exact and nothing is held but the current document. Timings are for the report, measured
/// with `--release` (see the crate's benchmark notes), not asserted here.
#[test]
fn a_hundred_megabyte_stream() {
    let one = include_str!("../fixtures/web.yaml");
    let copies = 100_000_000 / one.len() + 1;
    let mut text = String::with_capacity(copies * (one.len() + 4));
    for _ in 0..copies {
        text.push_str(one);
        text.push_str("---\n");
    }
    assert!(text.len() >= 100_000_000);
    let mut objects = 0;
    let mut docs = Documents::new("big.yaml", text.as_bytes());
    let label = std::sync::Arc::from("big.yaml");
    for doc in docs.by_ref() {
        let mut out = Vec::new();
        let mut skipped = Vec::new();
        bulkhead_manifest::objects_of(&label, doc.unwrap(), &mut out, &mut skipped);
        objects += out.len();
    }
    assert_eq!(objects, copies * 4);
}
