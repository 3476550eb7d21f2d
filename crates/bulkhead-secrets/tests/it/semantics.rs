//! One hand-written case per behaviour of gitleaks' detector (`detect/detect.go`), each with
//! small rules of our own so the case shows exactly one thing.

use std::path::Path;

use bulkhead_secrets::{RuleError, Ruleset};

use crate::support::{ids, rules, scan};

const TOKEN_RULE: &str = r#"
[[rules]]
id = "demo-token"
description = "Demo token"
regex = '''\b(demo_[a-z0-9]{16})\b'''
keywords = ["demo_"]
"#;

fn ids_of(rules: &Ruleset, path: &str, text: &str) -> Vec<(String, u32)> {
    ids(&scan(rules, path, text))
}

#[test]
fn finds_with_location_secret_and_match() {
    let r = rules(TOKEN_RULE);
    let text = "first line\n  x = \"demo_abcdef0123456789\"\n";
    let found = scan(&r, "a.py", text);
    assert_eq!(found.len(), 1);
    let f = &found[0];
    assert_eq!(f.rule_id, "demo-token");
    assert_eq!(f.description, "Demo token");
    assert_eq!((f.line, f.column, f.end_line, f.end_column), (2, 8, 2, 28));
    assert_eq!(f.secret, "demo_abcdef0123456789");
    assert_eq!(f.matched, "demo_abcdef0123456789");
    assert_eq!(f.line_text, "  x = \"demo_abcdef0123456789\"");
    assert_eq!(&text.as_bytes()[f.start..f.end], f.secret.as_bytes());
    assert_eq!(f.fingerprint("a.py"), "a.py:demo-token:2");
    assert!(f.secret_fingerprint("a.py").starts_with("a.py:demo-token:"));
    assert_eq!(
        f.secret_fingerprint("a.py").len(),
        "a.py:demo-token:".len() + 64
    );
    assert_eq!(f.redacted(), "demo*****");
}

#[test]
fn keywords_gate_rules_case_insensitively() {
    let r = rules(
        r#"
[[rules]]
id = "gated"
regex = '''tok_[0-9]{8}'''
keywords = ["Trigger"]
"#,
    );
    assert!(ids_of(&r, "a", "tok_12345678").is_empty());
    assert_eq!(ids_of(&r, "a", "TRIGGER\ntok_12345678").len(), 1);
    // The keyword may be far from the match: the rule then searches the whole buffer.
    let far = format!("trigger\n{}tok_12345678\n", "filler line\n".repeat(500));
    assert_eq!(ids_of(&r, "a", &far), vec![("gated".to_owned(), 502)]);
}

#[test]
fn multi_line_matches_are_found_and_located() {
    // The value sits on the line after the key (YAML block style): `\s` spans the newline.
    let r = rules(
        r#"
[[rules]]
id = "multi"
regex = '''(?i)password[ \t]*:[\s'"]{0,5}([a-z0-9]{12,})'''
keywords = ["password"]
"#,
    );
    let text = "a: 1\npassword:\n  \"hunter2hunter2x\"\nb: 2\n";
    let found = scan(&r, "c.yaml", text);
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].line, found[0].column), (2, 1));
    assert_eq!((found[0].end_line, found[0].end_column), (3, 18));
    assert_eq!(found[0].secret, "hunter2hunter2x");
    assert_eq!(found[0].line_text, "password:\n  \"hunter2hunter2x\"");
}

#[test]
fn secret_group_and_first_non_empty_group() {
    let r = rules(
        r#"
[[rules]]
id = "grouped"
regex = '''(user|admin)=(?:(x+)|([a-z0-9]{10}))'''
keywords = ["user", "admin"]

[[rules]]
id = "chosen"
regex = '''(svc)_([a-z0-9]{10})'''
secretGroup = 2
keywords = ["svc_"]
"#,
    );
    let found = scan(&r, "f", "user=abcde12345\nsvc_0123456789\n");
    let secrets: Vec<(&str, &str)> = found
        .iter()
        .map(|f| (f.rule_id.as_str(), f.secret.as_str()))
        .collect();
    // Group 1 (`user`) is the first non-empty group.
    assert_eq!(secrets, vec![("grouped", "user"), ("chosen", "0123456789")]);
}

#[test]
fn entropy_must_be_strictly_greater_than_the_threshold() {
    let r = rules(
        r#"
[[rules]]
id = "entropic"
regex = '''ent_([a-z]{4})'''
entropy = 2.0
keywords = ["ent_"]
"#,
    );
    // "abcd": exactly 2.0 bits → dropped; "aabb": 1.0 → dropped.
    assert!(ids_of(&r, "f", "ent_abcd ent_aabb").is_empty());
    let r = rules(
        r#"
[[rules]]
id = "entropic"
regex = '''ent_([a-z]{5})'''
entropy = 2.0
keywords = ["ent_"]
"#,
    );
    // "abcde": log2(5) ≈ 2.32 bits → kept, with the entropy reported.
    let found = scan(&r, "f", "ent_abcde");
    assert_eq!(found.len(), 1);
    assert!((found[0].entropy - 5f32.log2()).abs() < 1e-5);
}

#[test]
fn gitleaks_allow_on_the_line_suppresses() {
    let r = rules(TOKEN_RULE);
    let text = "a = 'demo_abcdef0123456789' # gitleaks:allow\nb = 'demo_abcdef0123456780'\n";
    assert_eq!(ids_of(&r, "f", text), vec![("demo-token".to_owned(), 2)]);
}

#[test]
fn allowlist_regex_targets() {
    let make = |target: &str, regex: &str| {
        rules(&format!(
            r#"
[[rules]]
id = "t"
regex = '''key=(tok_[a-z0-9]{{8}})'''
keywords = ["tok_"]
[[rules.allowlists]]
{target}
regexes = ['''{regex}''']
"#
        ))
    };
    let text = "# fixture\nkey=tok_abcd1234\n";
    // Default target: the secret.
    assert!(ids_of(&make("", "^tok_abcd"), "f", text).is_empty());
    assert!(ids_of(&make("regexTarget = \"secret\"", "^tok_abcd"), "f", text).is_empty());
    // `key=` is not part of the secret, so a secret-target regex for it does not apply...
    assert_eq!(ids_of(&make("", "^key="), "f", text).len(), 1);
    // ...but it is part of the match.
    assert!(ids_of(&make("regexTarget = \"match\"", "^key="), "f", text).is_empty());
    // `fixture` is on another line: not the match, not this line.
    assert_eq!(
        ids_of(&make("regexTarget = \"line\"", "fixture"), "f", text).len(),
        1
    );
    let inline = "key=tok_abcd1234 # fixture\n";
    assert!(ids_of(&make("regexTarget = \"line\"", "fixture"), "f", inline).is_empty());
    assert_eq!(
        ids_of(&make("regexTarget = \"match\"", "fixture"), "f", inline).len(),
        1
    );
}

#[test]
fn stopwords_are_case_insensitive_substrings_of_the_secret() {
    let r = rules(
        r#"
[[rules]]
id = "s"
regex = '''pw=([A-Za-z0-9]{12})'''
keywords = ["pw="]
[[rules.allowlists]]
stopwords = ["Sample"]
"#,
    );
    assert!(ids_of(&r, "f", "pw=xxSAMPLExxxx").is_empty());
    assert_eq!(ids_of(&r, "f", "pw=xxSAMPLxxxxx").len(), 1);
    // Only the secret counts, not the rest of the line.
    assert_eq!(ids_of(&r, "f", "sample: pw=Abcdefgh1234").len(), 1);
}

#[test]
fn allowlist_condition_and_needs_every_check() {
    let r = rules(
        r#"
[[rules]]
id = "c"
regex = '''tok_[a-z0-9]{8}'''
keywords = ["tok_"]
[[rules.allowlists]]
condition = "AND"
paths = ['''(?:^|/)testdata/''']
regexes = ['''^tok_test''']
"#,
    );
    let text = "tok_test1234 tok_abcd1234";
    // Outside testdata/: neither is allowed.
    assert_eq!(ids_of(&r, "src/a.go", text).len(), 2);
    // In testdata/: only the one the regex also allows.
    let found = scan(&r, "pkg/testdata/a.go", text);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].secret, "tok_abcd1234");
    // OR (the default) with the same checks: either suffices.
    let r = rules(
        r#"
[[rules]]
id = "c"
regex = '''tok_[a-z0-9]{8}'''
keywords = ["tok_"]
[[rules.allowlists]]
paths = ['''(?:^|/)testdata/''']
regexes = ['''^tok_test''']
"#,
    );
    assert_eq!(ids_of(&r, "src/a.go", text).len(), 1);
    assert!(ids_of(&r, "pkg/testdata/a.go", text).is_empty());
}

#[test]
fn global_allowlists_legacy_and_targeted() {
    let r = rules(
        r#"
[allowlist]
paths = ['''\.lock$''']
regexes = ['''^tok_0''']

[[rules]]
id = "a"
regex = '''tok_[a-z0-9]{8}'''
keywords = ["tok_"]
"#,
    );
    assert!(ids_of(&r, "Gemfile.lock", "tok_abcd1234").is_empty());
    assert!(ids_of(&r, "a.txt", "tok_0bcd1234").is_empty());
    assert_eq!(ids_of(&r, "a.txt", "tok_abcd1234").len(), 1);

    let r = rules(
        r#"
[[allowlists]]
targetRules = ["a"]
stopwords = ["abcd"]

[[rules]]
id = "a"
regex = '''tok_[a-z0-9]{8}'''
keywords = ["tok_"]

[[rules]]
id = "b"
regex = '''key_[a-z0-9]{8}'''
keywords = ["key_"]
"#,
    );
    // The targeted allowlist applies to `a` only.
    assert_eq!(
        ids_of(&r, "f", "tok_abcd1234\nkey_abcd1234\n"),
        vec![("b".to_owned(), 2)]
    );
}

#[test]
fn path_rules() {
    let r = rules(
        r#"
[[rules]]
id = "p12"
path = '''(?i)\.p(?:12|fx)$'''

[[rules]]
id = "yaml-only"
path = '''\.ya?ml$'''
regex = '''tok_[a-z0-9]{8}'''
keywords = ["tok_"]
"#,
    );
    let found = scan(&r, "certs/client.P12", b"\x30\x82binary");
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].rule_id.as_str(), found[0].line), ("p12", 0));
    assert!(found[0].secret.is_empty());
    // Even an empty file is a finding: the file itself is the secret.
    assert_eq!(ids_of(&r, "x.pfx", ""), vec![("p12".to_owned(), 0)]);
    assert!(ids_of(&r, "a.json", "tok_abcd1234").is_empty());
    assert_eq!(
        ids_of(&r, "a.yaml", "tok_abcd1234"),
        vec![("yaml-only".to_owned(), 1)]
    );
}

#[test]
fn generic_findings_yield_to_specific_ones_on_the_same_line() {
    let r = rules(
        r#"
[[rules]]
id = "generic-thing"
regex = '''(?i)key\s*=\s*"([a-z0-9_]{10,})"'''
keywords = ["key"]

[[rules]]
id = "specific"
regex = '''sk_[a-z0-9]{12}'''
keywords = ["sk_"]
"#,
    );
    // The same secret: only the specific rule reports it.
    assert_eq!(
        ids_of(&r, "f", "key = \"sk_abcdef012345\"\n"),
        vec![("specific".to_owned(), 1)]
    );
    // A generic secret that is not inside the specific one stays.
    assert_eq!(
        ids(&scan(&r, "f", "key = \"zzzzzzzzzzzz\" sk_abcdef012345\n")).len(),
        2
    );
    // Contained, but on different lines: both stay.
    assert_eq!(
        ids_of(&r, "f", "key = \"abcdef012345\"\nsk_abcdef012345\n"),
        vec![("generic-thing".to_owned(), 1), ("specific".to_owned(), 2)]
    );
}

#[test]
fn skip_report_and_required_composites() {
    let r = rules(
        r#"
[[rules]]
id = "client-id"
regex = '''cid_[a-z0-9]{8}'''
keywords = ["cid_"]
skipReport = true

[[rules]]
id = "client-secret"
regex = '''csec_[a-z0-9]{8}'''
keywords = ["csec_"]
[[rules.required]]
id = "client-id"
withinLines = 2
"#,
    );
    // Alone, the secret is not reported; the skipReport id is never reported.
    assert!(ids_of(&r, "f", "csec_abcd1234\n").is_empty());
    assert!(ids_of(&r, "f", "cid_abcd1234\n").is_empty());
    // With the id within two lines: reported.
    assert_eq!(
        ids_of(&r, "f", "cid_abcd1234\n\ncsec_abcd1234\n"),
        vec![("client-secret".to_owned(), 3)]
    );
    // Too far apart: not.
    assert!(ids_of(&r, "f", "cid_abcd1234\n\n\n\ncsec_abcd1234\n").is_empty());
}

#[test]
fn go_regex_syntax_that_rust_rejects_is_translated() {
    // `{` that is not a repetition is a literal in Go.
    let r = rules(
        r#"
[[rules]]
id = "tmpl"
regex = '''token: ([a-z{}]{6,})'''
keywords = ["token"]
[[rules.allowlists]]
regexes = ['''^{{[a-z]+}}$''']
"#,
    );
    assert!(ids_of(&r, "f", "token: {{abc}}").is_empty());
    assert_eq!(ids_of(&r, "f", "token: abcdefgh").len(), 1);
}

#[test]
fn extend_use_default_and_disabled_rules() {
    let r = rules(
        r#"
[extend]
useDefault = true
disabledRules = ["github-pat", "no-such-rule"]

[[rules]]
id = "my-token"
regex = '''myco_[a-z0-9]{16}'''
keywords = ["myco_"]

[[rules]]
id = "github-oauth"
description = "Overridden description"
keywords = ["extra-keyword"]
"#,
    );
    let default_count = Ruleset::default_rules().rules().count();
    assert_eq!(r.rules().count(), default_count - 1 + 1);
    assert!(r.rule("github-pat").is_none());
    let merged = r.rule("github-oauth").unwrap();
    assert_eq!(merged.description(), "Overridden description");
    // The base regex stays; keywords are the base's plus ours.
    assert!(merged.regex().unwrap().starts_with("gho_"));
    assert_eq!(merged.keywords(), ["gho_", "extra-keyword"]);
    assert!(r.warnings().iter().any(|w| w.contains("no-such-rule")));
    // Rules are sorted by id after extending, like gitleaks' ordered rules.
    let order: Vec<&str> = r.rules().map(bulkhead_secrets::Rule::id).collect();
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(order, sorted);

    let pat = format!("ghp_{}", "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5");
    let text = format!("GH={pat}\nMY=myco_0123456789abcdef\n");
    let found = ids(&scan(&r, "f.env", &text));
    assert_eq!(found, vec![("my-token".to_owned(), 2)]);
    // The default rules do report the PAT.
    assert_eq!(
        ids(&scan(Ruleset::default_rules(), "f.env", &text)),
        vec![("github-pat".to_owned(), 1)]
    );
    // The default global allowlist came along too.
    assert!(ids_of(&r, "node_modules/x/index.js", "MY=myco_0123456789abcdef").is_empty());
}

#[test]
fn extend_path_is_relative_to_the_config_and_stops_at_depth_two() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write(
        "base.toml",
        r#"
[extend]
path = "sub/deeper.toml"
[[rules]]
id = "base-rule"
regex = '''base_[a-z]{8}'''
keywords = ["base_"]
"#,
    );
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    write(
        "sub/deeper.toml",
        r#"
[extend]
path = "never.toml"
[[rules]]
id = "deeper-rule"
regex = '''deep_[a-z]{8}'''
keywords = ["deep_"]
"#,
    );
    let top = r#"
[extend]
path = "base.toml"
[[rules]]
id = "top-rule"
regex = '''top_[a-z]{8}'''
keywords = ["top_"]
"#;
    let origin = dir.path().join("gitleaks.toml");
    // `never.toml` does not exist: loading it would fail, so depth 2 stops before it.
    let r = Ruleset::from_toml(top, &origin).unwrap();
    let ids: Vec<&str> = r.rules().map(bulkhead_secrets::Rule::id).collect();
    assert_eq!(ids, ["base-rule", "deeper-rule", "top-rule"]);

    let err = Ruleset::from_toml(
        "[extend]\npath = \"missing.toml\"\n",
        &dir.path().join("x.toml"),
    )
    .unwrap_err();
    assert!(matches!(err, RuleError::Extend { .. }), "{err}");
    assert!(err.to_string().contains("missing.toml"), "{err}");
}

#[test]
fn invalid_configs_are_errors_that_name_the_file() {
    let cases = [
        ("not toml = [", "invalid gitleaks configuration"),
        (
            "[[rules]]\nid = \"x\"\n",
            "both `regex` and `path` are empty",
        ),
        ("[[rules]]\nregex = 'a'\n", "no `id`"),
        (
            "[[rules]]\nid = \"x\"\nregex = '(a'\n",
            "invalid rule regex",
        ),
        (
            "[[rules]]\nid = \"x\"\nregex = '(a)'\nsecretGroup = 2\n",
            "`secretGroup` is 2",
        ),
        (
            "[[rules]]\nid = \"x\"\nregex = 'a'\n[[rules.allowlists]]\ncondition = \"XOR\"\nregexes = ['a']\n",
            "unknown allowlist `condition`",
        ),
        (
            "[[rules]]\nid = \"x\"\nregex = 'a'\n[[rules.allowlists]]\nregexTarget = \"file\"\nregexes = ['a']\n",
            "unknown allowlist `regexTarget`",
        ),
        (
            "[[rules]]\nid = \"x\"\nregex = 'a'\n[[rules.allowlists]]\ndescription = \"empty\"\n",
            "at least one of",
        ),
        (
            "[[allowlists]]\ntargetRules = [\"nope\"]\nregexes = ['a']\n",
            "target rule `nope` does not exist",
        ),
        (
            "[[rules]]\nid = \"x\"\nregex = 'a'\n[[rules.required]]\nid = \"nope\"\n",
            "required rule `nope` does not exist",
        ),
        (
            "[extend]\nuseDefault = true\npath = \"x.toml\"\n",
            "both `path` and `useDefault`",
        ),
        (
            "[extend]\nurl = \"https://example.invalid/x.toml\"\n",
            "`url` is not supported",
        ),
    ];
    for (text, expected) in cases {
        let err = Ruleset::from_toml(text, Path::new("conf/gitleaks.toml")).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("conf/gitleaks.toml"), "{message}");
        assert!(message.contains(expected), "{text:?}: {message}");
    }
}

#[test]
fn line_text_is_capped_around_the_match() {
    let r = rules(TOKEN_RULE);
    let text = format!(
        "{} demo_abcdef0123456789 {}",
        "x".repeat(5000),
        "y".repeat(5000)
    );
    let found = scan(&r, "f", &text);
    assert_eq!(found.len(), 1);
    let f = &found[0];
    assert!(f.line_text.len() < 320, "{}", f.line_text.len());
    assert!(f.line_text.contains("demo_abcdef0123456789"));
    assert!(f.line_text.starts_with('…') && f.line_text.ends_with('…'));
    assert_eq!(f.column, 5002);
}

#[test]
fn binary_detection() {
    assert!(!bulkhead_secrets::looks_binary(b"plain text\n"));
    assert!(!bulkhead_secrets::looks_binary("naïve café\n".as_bytes()));
    assert!(!bulkhead_secrets::looks_binary(b""));
    assert!(bulkhead_secrets::looks_binary(b"ELF\x00\x01\x02"));
    // Latin-1 text: a few invalid bytes only.
    assert!(!bulkhead_secrets::looks_binary(
        b"caf\xe9 cr\xe8me br\xfbl\xe9e, and a long enough sentence around it.\n"
    ));
    // Mostly invalid UTF-8 and control bytes, without a NUL.
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| u8::try_from((i * 131 + 7) % 255 + 1).unwrap())
        .collect();
    assert!(bulkhead_secrets::looks_binary(&noise));
    // Only the first 8 KiB count.
    let mut late_nul = vec![b'a'; 9000];
    late_nul[8500] = 0;
    assert!(!bulkhead_secrets::looks_binary(&late_nul));
}
