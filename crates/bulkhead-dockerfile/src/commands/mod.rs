//! The simple commands a shell script runs, in order, for rules about what a RUN does.
//!
//! [`extract`] reads POSIX `sh` (plus the bash forms common in Dockerfiles: `[[ ]]`,
//! `(( ))`, `|&`, `&>`, `<<<`, `$'…'`, process substitution) and returns every simple
//! command: its argv with quotes removed ([`Word::expansion`] says whether `$…` or a
//! command substitution was left unexpanded), its `VAR=x` prefix assignments, its
//! redirections (with heredoc bodies), the operator to the next command (`&&`, `||`, `;`,
//! `|`, `&`, newline) and the index of that command. Commands inside subshells, groups,
//! `if`/`while`/`for`/`case` bodies are listed like any other; commands inside `$( )`,
//! backticks, `sh -c '…'`/`bash -c "…"` strings and heredocs fed to a shell are listed too,
//! with [`Command::origin`] and [`Command::depth`] saying how they were reached.
//! [`extract_run`] does this for a Dockerfile RUN the way BuildKit runs it (shell form,
//! exec form, heredocs, the stage's SHELL) and maps every range to a source [`Span`].
//!
//! It is a linter's reader, not a shell: it is tolerant (an unterminated quote runs to the
//! end, a stray `)` is skipped), never expands anything, and treats reserved words only in
//! command position. Work is linear in the input; recursion (substitutions, `sh -c`,
//! heredocs) is bounded by [`MAX_DEPTH`], beyond which [`ExtractError::TooDeep`] is
//! returned instead of overflowing the stack.
//!
//! Written by hand because no maintained crate offers a tolerant POSIX-shell reader with
//! positions that fits a 1 MB hostile input budget.

mod lexer;
mod run;

use std::ops::Range;

use serde::Serialize;

use crate::span::Span;

pub use run::extract_run;

/// How deeply substitutions, `sh -c` strings and heredoc scripts may nest.
pub const MAX_DEPTH: usize = 32;

/// Why a script could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    #[error("shell script nested more than {max} levels deep (substitutions, `sh -c`, heredocs)")]
    TooDeep { max: usize },
}

/// The operator after a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Connector {
    /// `&&`
    And,
    /// `||`
    Or,
    /// `;` (also `;;` in `case`)
    Seq,
    /// `|` or `|&`
    Pipe,
    /// `&`
    Background,
    /// A newline
    Newline,
}

/// How a command was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The script itself (including subshells, groups and compound commands).
    Script,
    /// `$( )`, backticks, `<( )`, `>( )`.
    Substitution,
    /// The string of `sh -c '…'` / `bash -c "…"`.
    ShellC,
    /// A heredoc fed to a shell (`bash <<EOF`).
    Heredoc,
}

/// A word with quotes removed and escapes resolved; expansions are kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Word {
    pub value: String,
    /// Byte range in the text given to [`extract`] (for [`extract_run`], in the RUN's
    /// script; commands from a `sh -c` string point at the whole string).
    pub range: Range<usize>,
    /// Source span, when extracted from a Dockerfile.
    pub span: Option<Span>,
    /// Any part was quoted or escaped.
    pub quoted: bool,
    /// Holds an unexpanded `$var`, `${…}`, `$( )`, `$(( ))` or backtick substitution.
    pub expansion: bool,
}

/// `NAME=value` before a command's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    pub name: String,
    /// The value, quotes removed.
    pub value: String,
    /// The whole `NAME=value` word.
    pub word: Word,
}

/// A heredoc inside the script (`cat <<EOF > /etc/conf`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShellHeredoc {
    pub delimiter: String,
    /// The delimiter was quoted: the body is not expanded.
    pub quoted: bool,
    /// `<<-`
    pub strip_tabs: bool,
    pub body: String,
    pub range: Range<usize>,
    pub span: Option<Span>,
}

/// One redirection: `2>&1`, `> file`, `<<EOF`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redirection {
    pub fd: Option<u32>,
    /// The operator: `<`, `>`, `>>`, `>|`, `<>`, `<&`, `>&`, `&>`, `&>>`, `<<`, `<<-`, `<<<`.
    pub op: String,
    pub target: Option<Word>,
    pub heredoc: Option<ShellHeredoc>,
    pub range: Range<usize>,
    pub span: Option<Span>,
}

/// A simple command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Command {
    /// argv.
    pub words: Vec<Word>,
    pub assignments: Vec<Assignment>,
    pub redirections: Vec<Redirection>,
    pub range: Range<usize>,
    pub span: Option<Span>,
    /// The operator after this command, if another command follows it (a trailing `&`
    /// is kept).
    pub connector: Option<Connector>,
    /// Index of the command `connector` leads to.
    pub next: Option<usize>,
    pub origin: Origin,
    /// 0 for the script itself; +1 per substitution, `sh -c` string or shell heredoc.
    pub depth: usize,
}

/// Commands that only run the command given as their arguments, with the options that
/// take a value.
const WRAPPERS: &[(&str, &[&str])] = &[
    (
        "sudo",
        &[
            "-u", "-g", "-p", "-C", "-D", "-h", "-r", "-t", "-T", "-U", "--user", "--group",
        ],
    ),
    ("doas", &["-u", "-C"]),
    ("env", &["-u", "-C", "-S", "--unset", "--chdir"]),
    ("nohup", &[]),
    ("exec", &["-a"]),
    ("time", &["-f", "-o"]),
    ("nice", &["-n", "--adjustment"]),
    ("command", &[]),
    ("builtin", &[]),
    ("timeout", &["-s", "-k", "--signal", "--kill-after"]),
    ("stdbuf", &["-i", "-o", "-e"]),
];

/// Shells whose `-c` string and stdin heredocs we read as scripts.
pub(crate) fn is_shell(program: &str) -> bool {
    matches!(
        program,
        "sh" | "bash" | "dash" | "ash" | "zsh" | "ksh" | "mksh" | "busybox"
    )
}

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

impl Command {
    /// The argv values.
    pub fn args(&self) -> impl Iterator<Item = &str> {
        self.words.iter().map(|w| w.value.as_str())
    }

    /// argv with wrappers such as `sudo -u x`, `env A=b`, `nohup`, `time` skipped: the
    /// command that actually runs.
    pub fn effective(&self) -> &[Word] {
        let mut words = self.words.as_slice();
        while let Some((first, rest)) = words.split_first() {
            let name = basename(&first.value);
            let Some((_, valued)) = WRAPPERS.iter().find(|(w, _)| *w == name) else {
                break;
            };
            let mut i = 0;
            while let Some(w) = rest.get(i) {
                let a = w.value.as_str();
                if a == "--" {
                    i += 1;
                    break;
                }
                if name == "env" && !a.starts_with('-') && a.contains('=') {
                    i += 1;
                    continue;
                }
                if name == "timeout" && !a.starts_with('-') {
                    // The duration, then the command.
                    i += 1;
                    break;
                }
                if !a.starts_with('-') || a == "-" {
                    break;
                }
                i += if valued.contains(&a) { 2 } else { 1 };
            }
            // A wrapper with nothing to run is itself the command (`sudo -v`, `env`).
            if i >= rest.len() {
                break;
            }
            words = &rest[i..];
        }
        words
    }

    /// The program that runs, without its directory (`apt-get`, `pip3`): `argv[0]` after
    /// [wrappers](Command::effective); for `busybox sh`, `sh`.
    pub fn program(&self) -> Option<&str> {
        let eff = self.effective();
        let first = basename(&eff.first()?.value);
        if first == "busybox" {
            return eff.get(1).map(|w| basename(&w.value)).or(Some(first));
        }
        Some(first)
    }

    /// Whether any argument after the program equals `arg`.
    pub fn has_arg(&self, arg: &str) -> bool {
        self.effective().iter().skip(1).any(|w| w.value == arg)
    }
}

/// The commands of a script.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Script {
    /// In source order (a command before the commands nested in its words).
    pub commands: Vec<Command>,
    /// Set when the script is not run by a POSIX shell — a RUN under `SHELL ["pwsh", …]`,
    /// or a heredoc with a `#!/usr/bin/env python3` line — and so was not read.
    pub interpreter: Option<String>,
}

impl Script {
    /// The command that `command` pipes into, if its connector is `|`.
    pub fn piped_into(&self, command: usize) -> Option<&Command> {
        let c = self.commands.get(command)?;
        (c.connector == Some(Connector::Pipe))
            .then(|| c.next.and_then(|n| self.commands.get(n)))
            .flatten()
    }
}

/// Reads `script` as `sh -c` would receive it. Ranges are byte offsets into `script`;
/// spans are `None`.
pub fn extract(script: &str) -> Result<Script, ExtractError> {
    Ok(Script {
        commands: lexer::extract(script, Origin::Script, 0)?,
        interpreter: None,
    })
}
