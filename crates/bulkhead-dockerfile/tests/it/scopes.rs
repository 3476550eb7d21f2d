//! ARG/ENV scoping for expansion, as BuildKit applies it.

use std::collections::BTreeMap;

use bulkhead_dockerfile::Keyword;
use bulkhead_dockerfile::shell::{Env, Lexer, ScopeOptions};

use crate::parse;

/// Each instruction's first argument, expanded in its scope.
fn expanded(text: &str, options: &ScopeOptions) -> Vec<(Keyword, String)> {
    let df = parse(text);
    let lexer = Lexer::new(df.escape);
    let mut out = Vec::new();
    df.walk_scopes(options, |scope| {
        let first = scope
            .instruction
            .args
            .first()
            .map_or("", |a| a.value.as_str());
        let value = lexer
            .process_word(first, scope.env)
            .unwrap_or_else(|e| format!("error: {e}"));
        out.push((scope.instruction.kind, value));
    });
    out
}

const TEXT: &str = "\
ARG REGISTRY=docker.io
ARG TAG=3.20
ARG UNSET
FROM ${REGISTRY}/alpine:${TAG} AS base
RUN echo $TAG
ARG TAG
RUN echo $TAG-$UNSET
ENV HOME=/root PATH=$HOME/bin:/usr/bin
ARG HOME=/tmp
RUN echo $HOME $PATH
FROM base AS child
RUN echo ${HOME:-nohome} ${TAG:-notag}
FROM --platform=$BUILDPLATFORM golang
RUN echo ${TARGETOS:-none}
ARG TARGETOS
RUN echo $TARGETOS
";

#[test]
fn global_args_stage_args_and_env() {
    let got = expanded(TEXT, &ScopeOptions::default());
    let values: Vec<&str> = got.iter().map(|(_, v)| v.as_str()).collect();
    assert_eq!(
        values,
        [
            "REGISTRY=docker.io",
            "TAG=3.20",
            "UNSET",
            "docker.io/alpine:3.20",
            // ARG values are not visible in a stage until declared in it…
            "echo ",
            "TAG",
            // …and then a declaration without default takes the global value.
            "echo 3.20-",
            "HOME",
            "HOME=/tmp",
            // ENV then ARG of the same name: the later one wins in BuildKit's state; and
            // the values of one ENV see only what came before it (`$HOME` was unset).
            "echo /tmp /bin:/usr/bin",
            "base",
            // A stage built from another starts with its ENV, not its ARGs.
            "echo /root notag",
            "golang",
            "echo none",
            "TARGETOS",
            "echo ",
        ]
    );
}

#[test]
fn build_args_and_builtin_args() {
    let options = ScopeOptions {
        build_args: BTreeMap::from([
            ("TAG".to_owned(), "edge".to_owned()),
            ("HOME".to_owned(), "/h".to_owned()),
        ]),
        builtin_args: BTreeMap::from([("TARGETOS".to_owned(), "linux".to_owned())]),
    };
    let got = expanded(TEXT, &options);
    assert_eq!(got[3].1, "docker.io/alpine:edge");
    assert_eq!(got[6].1, "echo edge-");
    assert_eq!(got[9].1, "echo /h /bin:/usr/bin");
    assert_eq!(got[13].1, "echo none");
    assert_eq!(got[15].1, "echo linux");
}

#[test]
fn env_values_expand_quotes_and_escapes() {
    let df = parse(
        "FROM x\nENV A=\"a b\" B='$A' C=\\$A D=${A:+set}\nENV E=${A:+set}\nENV legacy  two words\nRUN x\n",
    );
    let mut last = Env::new();
    df.walk_scopes(&ScopeOptions::default(), |scope| {
        if scope.instruction.kind == Keyword::Run {
            last = scope.env.clone();
        }
    });
    let vars: Vec<(&str, &str)> = last.iter().collect();
    assert_eq!(
        vars,
        [
            ("A", "a b"),
            ("B", "$A"),
            ("C", "$A"),
            ("D", ""),
            ("E", "set"),
            ("legacy", "two words")
        ]
    );
}
