//! The shell lexer beyond `envVarTest`: the modifier, pattern and replacement forms BuildKit
//! supports, the variables it reports as used or unset, and its quirks. Expected values
//! were checked against BuildKit's `shell` package.

use std::collections::BTreeMap;

use bulkhead_dockerfile::shell::{Env, LexErrorKind, Lexer};

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// input, environment, expected expansion
type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);

fn word(input: &str, pairs: &[(&str, &str)]) -> Result<String, LexErrorKind> {
    Lexer::default()
        .process_word(input, &env(pairs))
        .map_err(|e| e.kind)
}

#[test]
fn defaults_alternatives_and_required() {
    let e = [("FOO", "xxx"), ("BAR", "")];
    assert_eq!(
        word("${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", &e).unwrap(),
        "xxx  ccc"
    );
    assert_eq!(
        word("${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", &e).unwrap(),
        "xxx bbb ccc"
    );
    assert_eq!(
        word("${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", &e).unwrap(),
        "aaa bbb "
    );
    assert_eq!(
        word("${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", &e).unwrap(),
        "aaa  "
    );
    assert_eq!(word("${FOO?aaa}", &e).unwrap(), "xxx");
    assert_eq!(word("${BAR?bbb}", &e).unwrap(), "");
    assert_eq!(word("${FOO:?aaa}", &e).unwrap(), "xxx");
    assert_eq!(
        word("${BAZ?ccc}", &e),
        Err(LexErrorKind::Required {
            name: "BAZ".into(),
            message: "ccc".into()
        })
    );
    assert_eq!(
        word("${BAR:?}", &e),
        Err(LexErrorKind::Required {
            name: "BAR".into(),
            message: "is not allowed to be empty".into()
        })
    );
    assert_eq!(
        word("${BAZ:?}", &e),
        Err(LexErrorKind::Required {
            name: "BAZ".into(),
            message: "is not allowed to be unset".into()
        })
    );
    let msg = word("${VAR:?message here$ARG}", &[("VAR", ""), ("ARG", "x")]).unwrap_err();
    assert_eq!(msg.to_string(), "VAR: message herex");
    for bad in [
        "${FOO=aaa}",
        "${FOO=:aaa}",
        "${FOO=}",
        "${FOO:#}",
        "${FOO:##}",
        "${FOO:%}",
        "${FOO:%%}",
    ] {
        assert!(word(bad, &e).is_err(), "{bad}");
    }
}

#[test]
fn prefix_and_suffix_patterns() {
    let cases: &[Case<'_>] = &[
        (
            "${FOO#()[]{\\}^$.\\*\\?|\\\\}",
            &[("FOO", "()[]{}^$.*?|\\x")],
            "x",
        ),
        ("${FOO%%\\**}", &[("FOO", "xx**")], "xx"),
        ("${FOO#*x*y}", &[("FOO", "xxyy")], "y"),
        ("${FOO#*}", &[("FOO", "xxyy")], "xxyy"),
        ("${FOO#$BAR}", &[("FOO", "xxyy"), ("BAR", "x")], "xyy"),
        ("${FOO#$BAR}", &[("FOO", "xxyy"), ("BAR", "")], "xxyy"),
        ("${FOO#}", &[("FOO", "xxyy")], "xxyy"),
        ("${FOO##*x}", &[("FOO", "xxyy")], "yy"),
        ("${FOO##}", &[("FOO", "xxyy")], "xxyy"),
        ("${FOO#?\\?}", &[("FOO", "???y")], "?y"),
        ("${ABC:-.}${FOO%x}${ABC:-.}", &[("FOO", "xxyy")], ".xxyy."),
        ("${FOO%%\\**\\*}", &[("FOO", "a***yy*")], "a"),
        ("${FOO%}", &[("FOO", "xxyy")], "xxyy"),
        ("${FOO%%$BAR}", &[("FOO", "xxyy"), ("BAR", "")], "xxyy"),
        (
            "${PATH%%:*}",
            &[("PATH", "/usr/local/bin:/usr/bin")],
            "/usr/local/bin",
        ),
        ("${V%.*}", &[("V", "1.2.3")], "1.2"),
        ("${V%%.*}", &[("V", "1.2.3")], "1"),
    ];
    for (input, e, want) in cases {
        assert_eq!(word(input, e).as_deref(), Ok(*want), "{input}");
    }
    assert!(matches!(
        word("${FOO#\\x}", &[("FOO", "a")]),
        Err(LexErrorKind::InvalidPattern { .. })
    ));
}

#[test]
fn replacement() {
    let cases: &[Case<'_>] = &[
        (
            "${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}",
            &[("FOO", "/foo*/*/*.txt"), ("NEEDLE", "\\*/")],
            "/foo.*/*.txt - /foo..*.txt",
        ),
        (
            "${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}",
            &[("FOO", "/tmp/tmp/bar.txt"), ("NEEDLE", "/tmp")],
            "/tmp/bar.txt - /bar.txt",
        ),
        (
            "${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
            &[
                ("FOO", "/a/foo/b/c.txt"),
                ("NEEDLE", "/?/"),
                ("REPLACEMENT", "/"),
            ],
            "/foo/b/c.txt - /foo/c.txt",
        ),
        (
            "${FOO/$NEEDLE/$REPLACEMENT}",
            &[
                ("FOO", "http://google.de"),
                ("NEEDLE", "http://"),
                ("REPLACEMENT", "https://"),
            ],
            "https://google.de",
        ),
        (
            "${FOO//\\//\\/}",
            &[("FOO", "/tmp/foo.txt")],
            "\\/tmp\\/foo.txt",
        ),
        ("${FOO/$BAR/ww}", &[("FOO", "xxyy"), ("BAR", "")], "wwxxyy"),
        ("${FOO///}", &[("FOO", "xxyy")], "xxyy"),
        ("${FOO///}", &[], ""),
        // Only the replace-all form expands `$`-references in the replacement, like Go.
        ("${FOO//x/<\\$0>}", &[("FOO", "axb")], "a<\\x>b"),
        ("${FOO/x/<\\$0>}", &[("FOO", "axb")], "a<\\$0>b"),
    ];
    for (input, e, want) in cases {
        assert_eq!(word(input, e).as_deref(), Ok(*want), "{input}");
    }
    for bad in ["${FOO//ww}", "${FOO//}"] {
        assert!(word(bad, &[("FOO", "xxyy")]).is_err(), "{bad}");
    }
}

#[test]
fn matched_and_unmatched_variables() {
    let lexer = Lexer::default();
    let e = env(&[("FOO", "xxx"), ("BAR", "")]);
    let p = lexer
        .process_word_with_matches("x ${UNUSED} ${FOO:-a} ${BAR+b}", &e)
        .unwrap();
    assert_eq!(p.result, "x  xxx b");
    assert_eq!(p.matched.iter().collect::<Vec<_>>(), ["BAR", "FOO"]);
    assert_eq!(p.unmatched.iter().collect::<Vec<_>>(), ["UNUSED"]);
    let release =
        "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz";
    let arm = env(&[
        ("VERSION", "v1.2.3"),
        ("TARGETOS", "linux"),
        ("TARGETARCH", "arm"),
        ("TARGETVARIANT", "v7"),
    ]);
    assert_eq!(
        lexer.process_word(release, &arm).unwrap(),
        "something-v1.2.3.linux-arm-v7.tar.gz"
    );
}

#[test]
fn options_and_quirks() {
    let mut raw = Lexer::new('\\');
    raw.raw_quotes = true;
    raw.skip_unset_env = true;
    let e = Env::from_pairs(["SET=v"]);
    assert_eq!(
        raw.process_word("'a' \"$SET\" $UNSET ${UNSET:-x}", &e)
            .unwrap(),
        "'a' \"v\" $UNSET ${UNSET:-x}"
    );
    let tick = Lexer::new('`');
    assert_eq!(
        tick.process_word("a`$b c\\d \"`\"\"", &e).unwrap(),
        "a$b c\\d \""
    );
    // BuildKit shares one word buffer across nested expansions: a partial word before a
    // `${x:-…}` is lost when splitting (not when expanding).
    let plain = Lexer::default();
    assert_eq!(
        plain.process_words("a b${x:-c}d e", &e).unwrap(),
        ["a", "cd", "e"]
    );
    assert_eq!(plain.process_word("a b${x:-c}d e", &e).unwrap(), "a bcd e");
    // `<<` and the blanks after it stay with the next word (heredoc detection needs it).
    assert_eq!(
        plain.process_words("echo a<< b", &e).unwrap(),
        ["echo", "a<< b"]
    );
    // text/scanner drops a leading byte-order mark.
    assert_eq!(plain.process_word("\u{feff}x", &e).unwrap(), "x");
}
