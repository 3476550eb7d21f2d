//! The shell command extractor, on the shapes Dockerfile rules care about.

use bulkhead_dockerfile::commands::{self, Command, Connector, ExtractError, Origin, Script};

fn extract(script: &str) -> Script {
    commands::extract(script).unwrap_or_else(|e| panic!("{script:?}: {e}"))
}

fn argv(c: &Command) -> Vec<&str> {
    c.args().collect()
}

fn all_argv(s: &Script) -> Vec<Vec<&str>> {
    s.commands.iter().map(argv).collect()
}

#[test]
fn and_or_seq_pipe_background() {
    let s = extract("apt-get update && apt-get install -y curl || true; echo a | tee b & wait");
    assert_eq!(
        all_argv(&s),
        [
            vec!["apt-get", "update"],
            vec!["apt-get", "install", "-y", "curl"],
            vec!["true"],
            vec!["echo", "a"],
            vec!["tee", "b"],
            vec!["wait"],
        ]
    );
    let connectors: Vec<_> = s.commands.iter().map(|c| c.connector).collect();
    assert_eq!(
        connectors,
        [
            Some(Connector::And),
            Some(Connector::Or),
            Some(Connector::Seq),
            Some(Connector::Pipe),
            Some(Connector::Background),
            None,
        ]
    );
    let next: Vec<_> = s.commands.iter().map(|c| c.next).collect();
    assert_eq!(next, [Some(1), Some(2), Some(3), Some(4), Some(5), None]);
    assert_eq!(
        &"apt-get update && apt-get install -y curl"[s.commands[1].range.clone()],
        "apt-get install -y curl"
    );
}

#[test]
fn curl_piped_to_a_shell() {
    let s = extract("curl -fsSL https://get.example.com | sudo -E bash -s -- --yes");
    assert_eq!(s.piped_into(0).and_then(Command::program), Some("bash"));
    let s = extract("wget -qO- https://x.example/i.sh |sh");
    assert_eq!(s.piped_into(0).and_then(Command::program), Some("sh"));
    // Through a subshell, the pipe still connects the last command inside.
    let s = extract("(cd /src && curl -s x) | /bin/sh");
    assert_eq!(
        all_argv(&s),
        [vec!["cd", "/src"], vec!["curl", "-s", "x"], vec!["/bin/sh"]]
    );
    assert_eq!(s.piped_into(1).and_then(Command::program), Some("sh"));
}

#[test]
fn assignments_are_separate() {
    let s = extract(
        "DEBIAN_FRONTEND=noninteractive A=\"x y\" apt-get install -y --no-install-recommends git; B=1",
    );
    let c = &s.commands[0];
    assert_eq!(
        argv(c),
        ["apt-get", "install", "-y", "--no-install-recommends", "git"]
    );
    let names: Vec<_> = c
        .assignments
        .iter()
        .map(|a| (a.name.as_str(), a.value.as_str()))
        .collect();
    assert_eq!(names, [("DEBIAN_FRONTEND", "noninteractive"), ("A", "x y")]);
    assert!(c.has_arg("--no-install-recommends"));
    assert!(s.commands[1].words.is_empty());
    assert_eq!(s.commands[1].assignments[0].name, "B");
    // Not an assignment once the command name is there, or when the name is quoted.
    let s = extract("env X=1 make; \"Y\"=2 cmd");
    assert_eq!(argv(&s.commands[0]), ["env", "X=1", "make"]);
    assert_eq!(s.commands[0].program(), Some("make"));
    assert_eq!(argv(&s.commands[1]), ["Y=2", "cmd"]);
}

#[test]
fn quotes_escapes_and_expansions() {
    let s =
        extract(r#"echo "$HOME/x" '$HOME' plain a\ b "a\"b" $'t\tab' ${X:-d} `id -u` $((1+2))"#);
    let words = &s.commands[0].words;
    let values: Vec<_> = words.iter().map(|w| w.value.as_str()).collect();
    assert_eq!(
        values,
        [
            "echo", "$HOME/x", "$HOME", "plain", "a b", "a\"b", "t\tab", "${X:-d}", "`id -u`",
            "$((1+2))"
        ]
    );
    let expansion: Vec<_> = words.iter().map(|w| w.expansion).collect();
    assert_eq!(
        expansion,
        [
            false, true, false, false, false, false, false, true, true, true
        ]
    );
    let quoted: Vec<_> = words.iter().map(|w| w.quoted).collect();
    assert_eq!(
        quoted,
        [
            false, true, true, false, true, true, true, false, false, false
        ]
    );
    // The backtick body is a command too.
    assert_eq!(argv(&s.commands[1]), ["id", "-u"]);
    assert_eq!(s.commands[1].origin, Origin::Substitution);
}

#[test]
fn redirections() {
    let s = extract("make >/tmp/log 2>&1 </dev/null; echo x >> f; cmd &> all");
    let r = &s.commands[0].redirections;
    let shapes: Vec<_> = r
        .iter()
        .map(|r| {
            (
                r.fd,
                r.op.as_str(),
                r.target.as_ref().map(|t| t.value.as_str()),
            )
        })
        .collect();
    assert_eq!(
        shapes,
        [
            (None, ">", Some("/tmp/log")),
            (Some(2), ">&", Some("1")),
            (None, "<", Some("/dev/null"))
        ]
    );
    assert_eq!(argv(&s.commands[0]), ["make"]);
    assert_eq!(s.commands[1].redirections[0].op, ">>");
    assert_eq!(s.commands[2].redirections[0].op, "&>");
}

#[test]
fn heredoc_inside_the_script() {
    let script = "cat <<'EOF' > /etc/app.conf && chmod 600 /etc/app.conf\nkey=$VALUE\nEOF\nbash <<-SH\n\tapt-get install -y jq\n\tSH\necho done";
    let s = extract(script);
    assert_eq!(
        all_argv(&s),
        [
            vec!["cat"],
            vec!["chmod", "600", "/etc/app.conf"],
            vec!["bash"],
            vec!["apt-get", "install", "-y", "jq"],
            vec!["echo", "done"],
        ]
    );
    let h = s.commands[0].redirections[0].heredoc.as_ref().unwrap();
    assert_eq!(
        (h.delimiter.as_str(), h.quoted, h.body.as_str()),
        ("EOF", true, "key=$VALUE\n")
    );
    assert_eq!(
        s.commands[0].redirections[1].target.as_ref().unwrap().value,
        "/etc/app.conf"
    );
    assert_eq!(s.commands[3].origin, Origin::Heredoc);
    assert_eq!(s.commands[3].depth, 1);
    assert_eq!(
        &script[s.commands[3].range.clone()],
        "apt-get install -y jq"
    );
}

#[test]
fn sh_c_strings_are_read() {
    let s = extract(
        r#"sh -c "apt-get update && apt-get upgrade -y" && bash -euxo pipefail -c 'cd /x; sudo make install'"#,
    );
    assert_eq!(
        all_argv(&s),
        [
            vec!["sh", "-c", "apt-get update && apt-get upgrade -y"],
            vec!["apt-get", "update"],
            vec!["apt-get", "upgrade", "-y"],
            vec![
                "bash",
                "-euxo",
                "pipefail",
                "-c",
                "cd /x; sudo make install"
            ],
            vec!["cd", "/x"],
            vec!["sudo", "make", "install"],
        ]
    );
    assert_eq!(s.commands[1].origin, Origin::ShellC);
    assert_eq!(s.commands[5].program(), Some("make"));
    // The outer `&&` links the outer commands.
    assert_eq!(s.commands[0].next, Some(3));
    // `sh script.sh` and `sh -c` without a string are not read.
    assert_eq!(extract("sh ./install.sh -c x").commands.len(), 1);
}

#[test]
fn compound_commands() {
    let s = extract(
        "if [ -f /a ]; then rm /a; elif true; then :; else echo no; fi; \
         for f in $(ls /d); do echo \"$f\"; done; \
         while read l; do echo $l; done < list; \
         case \"$ARCH\" in amd64|x86_64) dpkg --add-architecture i386;; *) echo other;; esac; \
         f() { apt-get clean; }; f; { cd /; pwd; } > out; [[ -f a && -d b ]] && echo ok; (( i++ )); ! false",
    );
    assert_eq!(
        all_argv(&s),
        [
            vec!["[", "-f", "/a", "]"],
            vec!["rm", "/a"],
            vec!["true"],
            vec![":"],
            vec!["echo", "no"],
            vec!["ls", "/d"],
            vec!["echo", "$f"],
            vec!["read", "l"],
            vec!["echo", "$l"],
            vec!["dpkg", "--add-architecture", "i386"],
            vec!["echo", "other"],
            vec!["apt-get", "clean"],
            vec!["f"],
            vec!["cd", "/"],
            vec!["pwd"],
            vec!["[[", "-f", "a", "&&", "-d", "b", "]]"],
            vec!["echo", "ok"],
            vec!["false"],
        ]
    );
    assert_eq!(s.commands[5].origin, Origin::Substitution);
}

#[test]
fn comments_and_continuations() {
    let s = extract("echo a # && rm -rf /\necho b\\\nc \\\n  d; echo '#not' x#y");
    assert_eq!(
        all_argv(&s),
        [
            vec!["echo", "a"],
            vec!["echo", "bc", "d"],
            vec!["echo", "#not", "x#y"]
        ]
    );
    assert_eq!(s.commands[0].connector, Some(Connector::Newline));
}

#[test]
fn wrappers_and_programs() {
    let s = extract(
        "sudo -u root -E /usr/bin/apt-get install x; nohup ./srv & env -i PATH=/bin timeout 5 curl x; busybox sh -c 'wget y'",
    );
    let programs: Vec<_> = s.commands.iter().map(Command::program).collect();
    assert_eq!(
        programs,
        [
            Some("apt-get"),
            Some("srv"),
            Some("curl"),
            Some("sh"),
            Some("wget")
        ]
    );
}

#[test]
fn nesting_is_bounded() {
    let deep = "$(".repeat(10_000) + "echo" + &")".repeat(10_000);
    assert_eq!(
        commands::extract(&deep),
        Err(ExtractError::TooDeep {
            max: commands::MAX_DEPTH
        })
    );
    // Heredocs fed to shells nest without the quoting blow-up of `sh -c`.
    let opening = (0..50).map(|i| format!("bash <<E{i}"));
    let closing = (0..50).rev().map(|i| format!("E{i}"));
    let nested_sh = opening
        .chain(["id".to_owned()])
        .chain(closing)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(matches!(
        commands::extract(&nested_sh),
        Err(ExtractError::TooDeep { .. })
    ));
    let sh_c = (0..3).fold("id".to_owned(), |inner, _| format!("sh -c {inner:?}"));
    assert_eq!(extract(&sh_c).commands.last().map(|c| c.depth), Some(3));
    // Within the bound, nested substitutions are all found.
    // Within the bound, every level is found: each `$( )` holds one command whose word is
    // the next substitution.
    let ok = "$(".repeat(20) + "echo" + &")".repeat(20);
    let s = extract(&ok);
    assert_eq!(s.commands.len(), 21);
    assert_eq!(
        s.commands.last().map(|c| (argv(c), c.depth)),
        Some((vec!["echo"], 20))
    );
}

#[test]
fn tolerant_of_broken_scripts() {
    for script in [
        "echo 'unterminated",
        "echo \"x",
        ")))",
        "a && && b",
        "${",
        "`",
        "cat <<EOF",
        "case x in",
        "fi done }",
        "$(",
        "for",
        "f() ",
    ] {
        let _ = extract(script);
    }
    assert_eq!(
        all_argv(&extract("echo 'unterminated")),
        [vec!["echo", "unterminated"]]
    );
}

mod run {
    use super::*;
    use crate::parse;

    #[test]
    fn shell_form_spans_point_into_the_dockerfile() {
        let text = "FROM debian\nRUN apt-get update \\\n && apt-get install -y \\\n      curl \\\n && curl -sL https://x.example/setup | bash -\n";
        let df = parse(text);
        let s = commands::extract_run(&df, &df.instructions[1]).unwrap();
        assert_eq!(all_argv(&s)[1], ["apt-get", "install", "-y", "curl"]);
        let spans: Vec<_> = s
            .commands
            .iter()
            .map(|c| {
                let sp = c.span.unwrap();
                (sp.start.line, sp.start.column, sp.end.line, sp.end.column)
            })
            .collect();
        assert_eq!(
            spans,
            [(2, 5, 2, 19), (3, 5, 4, 11), (5, 5, 5, 37), (5, 40, 5, 46)]
        );
        assert_eq!(df.source(&s.commands[3].span.unwrap()), "bash -");
        let curl = &s.commands[2];
        assert_eq!(
            df.source(&curl.words[2].span.unwrap()),
            "https://x.example/setup"
        );
        // A command that straddles a continuation spans it.
        assert_eq!(
            df.source(&s.commands[1].span.unwrap()),
            "apt-get install -y \\\n      curl"
        );
    }

    #[test]
    fn single_heredoc_runs_its_body() {
        let text = "FROM alpine\nRUN <<EOF\napk add curl\ncurl -o /x https://y | sh\nEOF\n";
        let df = parse(text);
        let s = commands::extract_run(&df, &df.instructions[1]).unwrap();
        assert_eq!(
            all_argv(&s),
            [
                vec!["apk", "add", "curl"],
                vec!["curl", "-o", "/x", "https://y"],
                vec!["sh"]
            ]
        );
        let sp = s.commands[1].span.unwrap();
        assert_eq!((sp.start.line, sp.start.column), (4, 1));
        assert_eq!(df.source(&s.commands[2].span.unwrap()), "sh");
    }

    #[test]
    fn shebang_heredoc_with_another_interpreter_is_not_read() {
        let text = "FROM python\nRUN <<EOF\n#!/usr/bin/env python3\nimport os\nEOF\nRUN <<EOF\n#!/bin/bash\nset -e\napt-get install -y x\nEOF\n";
        let df = parse(text);
        let py = commands::extract_run(&df, &df.instructions[1]).unwrap();
        assert!(py.commands.is_empty());
        assert_eq!(py.interpreter.as_deref(), Some("/usr/bin/env python3"));
        let sh = commands::extract_run(&df, &df.instructions[2]).unwrap();
        assert_eq!(
            all_argv(&sh),
            [vec!["set", "-e"], vec!["apt-get", "install", "-y", "x"]]
        );
    }

    #[test]
    fn heredoc_fed_to_a_command_is_reassembled_like_buildkit() {
        let text =
            "FROM x\nRUN <<EOF bash -ex\napt-get update\nEOF\nRUN python3 <<EOF\nimport os\nEOF\n";
        let df = parse(text);
        let s = commands::extract_run(&df, &df.instructions[1]).unwrap();
        assert_eq!(
            all_argv(&s),
            [vec!["bash", "-ex"], vec!["apt-get", "update"]]
        );
        assert_eq!(s.commands[1].origin, Origin::Heredoc);
        assert_eq!(df.source(&s.commands[1].span.unwrap()), "apt-get update");
        let s = commands::extract_run(&df, &df.instructions[2]).unwrap();
        assert_eq!(all_argv(&s), [vec!["python3"]]);
        let h = s.commands[0].redirections[0].heredoc.as_ref().unwrap();
        assert_eq!(h.body, "import os\n");
    }

    #[test]
    fn exec_form_and_onbuild() {
        let text = "FROM x\nRUN [\"/bin/sh\", \"-c\", \"apt-get update && apt-get upgrade -y\"]\nONBUILD RUN pip install -r req.txt\n";
        let df = parse(text);
        let s = commands::extract_run(&df, &df.instructions[1]).unwrap();
        assert_eq!(
            all_argv(&s),
            [
                vec!["/bin/sh", "-c", "apt-get update && apt-get upgrade -y"],
                vec!["apt-get", "update"],
                vec!["apt-get", "upgrade", "-y"],
            ]
        );
        assert_eq!(
            df.source(&s.commands[0].words[0].span.unwrap()),
            "\"/bin/sh\""
        );
        let nested = s.commands[1].span.unwrap();
        assert_eq!(
            df.source(&nested),
            "\"apt-get update && apt-get upgrade -y\""
        );
        let s = commands::extract_run(&df, &df.instructions[2]).unwrap();
        assert_eq!(all_argv(&s), [vec!["pip", "install", "-r", "req.txt"]]);
        assert_eq!(
            df.source(&s.commands[0].span.unwrap()),
            "pip install -r req.txt"
        );
        // Not a RUN: nothing.
        assert!(
            commands::extract_run(&df, &df.instructions[0])
                .unwrap()
                .commands
                .is_empty()
        );
    }

    #[test]
    fn the_stage_shell_decides() {
        let text = "FROM mcr.microsoft.com/windows AS win\nSHELL [\"powershell\", \"-Command\"]\nRUN Invoke-WebRequest x\nFROM win AS child\nRUN iwr y\nFROM alpine\nSHELL [\"/bin/ash\", \"-eo\", \"pipefail\", \"-c\"]\nRUN apk add x\n";
        let df = parse(text);
        for i in [2, 4] {
            let s = commands::extract_run(&df, &df.instructions[i]).unwrap();
            assert!(s.commands.is_empty());
            assert_eq!(s.interpreter.as_deref(), Some("powershell -Command"));
        }
        let s = commands::extract_run(&df, &df.instructions[7]).unwrap();
        assert_eq!(all_argv(&s), [vec!["apk", "add", "x"]]);
    }
}
