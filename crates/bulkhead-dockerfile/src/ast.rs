//! The parsed Dockerfile: BuildKit's AST (`parser.Node`) in typed form, with a source span
//! on everything a finding may point at.
//!
//! The shape follows BuildKit's on purpose — arguments are what its line parsers produce,
//! raw quotes and all (`ENV a="b c"` has the value `"b c"`), so that [`Dockerfile::dump`]
//! reproduces `AST.Dump()` byte for byte and rules see what BuildKit sees. Interpretation
//! (expansion, stage resolution) is left to [`crate::shell`] and the accessors here.

use std::ops::Range;

use serde::Serialize;

use crate::gochar;
use crate::span::{LineIndex, OffsetMap, Span};

/// The instruction keywords BuildKit's parser knows; anything else is [`Keyword::Unknown`]
/// (parsed, kept, and given no arguments, as BuildKit does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
    Unknown,
}

impl Keyword {
    /// From a keyword already lower-cased the Go way.
    pub(crate) fn from_lower(s: &str) -> Keyword {
        match s {
            "add" => Keyword::Add,
            "arg" => Keyword::Arg,
            "cmd" => Keyword::Cmd,
            "copy" => Keyword::Copy,
            "entrypoint" => Keyword::Entrypoint,
            "env" => Keyword::Env,
            "expose" => Keyword::Expose,
            "from" => Keyword::From,
            "healthcheck" => Keyword::Healthcheck,
            "label" => Keyword::Label,
            "maintainer" => Keyword::Maintainer,
            "onbuild" => Keyword::Onbuild,
            "run" => Keyword::Run,
            "shell" => Keyword::Shell,
            "stopsignal" => Keyword::Stopsignal,
            "user" => Keyword::User,
            "volume" => Keyword::Volume,
            "workdir" => Keyword::Workdir,
            _ => Keyword::Unknown,
        }
    }

    /// The canonical upper-case spelling (`"UNKNOWN"` for unknown ones).
    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::Add => "ADD",
            Keyword::Arg => "ARG",
            Keyword::Cmd => "CMD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Env => "ENV",
            Keyword::Expose => "EXPOSE",
            Keyword::From => "FROM",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Run => "RUN",
            Keyword::Shell => "SHELL",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::User => "USER",
            Keyword::Volume => "VOLUME",
            Keyword::Workdir => "WORKDIR",
            Keyword::Unknown => "UNKNOWN",
        }
    }
}

/// A builder flag such as `--mount=type=cache,target=/root/.cache`, quotes and escapes
/// already resolved as BuildKit resolves them. BuildKit's parser does not validate flag
/// names; neither do we.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// The whole flag, e.g. `--from=build`.
    pub raw: String,
    pub span: Span,
}

impl Flag {
    /// The name without dashes: `from` in `--from=build`.
    pub fn name(&self) -> &str {
        let s = self.raw.strip_prefix("--").unwrap_or(&self.raw);
        s.split_once('=').map_or(s, |(name, _)| name)
    }

    /// The value after the first `=`, if any.
    pub fn value(&self) -> Option<&str> {
        self.raw.split_once('=').map(|(_, v)| v)
    }
}

/// One argument as BuildKit's line parser produced it, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Arg {
    pub value: String,
    /// The source text the value came from (for a JSON element: the quoted element; for
    /// ENV/LABEL's separator: the `=`, or an empty span between name and value).
    pub span: Span,
}

/// A heredoc attached to RUN, COPY or ADD (BuildKit's `parser.Heredoc`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heredoc {
    /// The terminator word, quotes removed.
    pub name: String,
    /// `3<<EOF` → 3; 0 when not given.
    pub file_descriptor: u64,
    /// False when any part of the terminator was quoted (`<<'EOF'`, `<<"EOF"`, `<<E'O'F`):
    /// BuildKit then does not expand variables in the body.
    pub expand: bool,
    /// `<<-`: leading tabs are stripped from body lines (see [`Heredoc::chomped`]).
    pub chomp: bool,
    /// The body exactly as written, line endings included, tabs not yet stripped.
    pub content: String,
    /// The body lines in the source (empty for an empty body).
    pub body_span: Span,
    /// The terminator line.
    pub terminator_span: Span,
}

impl Heredoc {
    /// The body with leading tabs removed from every line when `chomp` is set (BuildKit's
    /// `ChompHeredocContent`), else the body as written.
    pub fn chomped(&self) -> String {
        if !self.chomp {
            return self.content.clone();
        }
        let mut out = String::with_capacity(self.content.len());
        for line in self.content.split_inclusive('\n') {
            out.push_str(line.trim_start_matches('\t'));
        }
        out
    }
}

/// One `NAME=value` (or legacy `NAME value`) pair of ENV or LABEL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyValue<'a> {
    pub key: &'a Arg,
    /// Raw: quotes and escapes are still there, to be resolved by [`crate::shell`].
    pub value: &'a Arg,
    /// `ENV name value` (no `=`): the value is the whole rest of the line.
    pub legacy: bool,
}

/// One instruction, with BuildKit's view of it and where it sits in the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instruction {
    /// The keyword as written (`run`, `RUN`, `Run`).
    pub keyword: String,
    pub kind: Keyword,
    pub flags: Vec<Flag>,
    /// BuildKit's argument list. Shell form is one argument holding the rest of the line;
    /// exec form one per JSON element; ENV/LABEL triples `name value sep` where `sep` is
    /// `=` or, for the legacy form, empty; HEALTHCHECK the type (`CMD`/`NONE`) then its
    /// command; ONBUILD none (see `onbuild`).
    pub args: Vec<Arg>,
    /// Exec (JSON) form.
    pub json: bool,
    pub heredocs: Vec<Heredoc>,
    /// ONBUILD's instruction.
    pub onbuild: Option<Box<Instruction>>,
    /// The logical line BuildKit parsed: continuations joined, comment lines inside them
    /// dropped (BuildKit's `Node.Original`). Heredoc bodies are not part of it.
    pub original: String,
    /// Comment lines directly above the instruction, `#` and white space trimmed.
    pub comments: Vec<String>,
    /// The whole instruction in the source, continuation lines and heredoc bodies included.
    pub span: Span,
    pub keyword_span: Span,
    /// Where each byte of `original` came from.
    #[serde(skip)]
    pub(crate) map: OffsetMap,
    /// Where the arguments (after flags) start in `original`.
    #[serde(skip)]
    pub(crate) args_offset: usize,
}

impl Instruction {
    pub fn start_line(&self) -> usize {
        self.span.start.line
    }

    pub fn end_line(&self) -> usize {
        self.span.end.line
    }

    /// The flag named `name` (without dashes), if given.
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name() == name)
    }

    /// The arguments text after the flags, as BuildKit handed it to the line parser.
    pub fn args_text(&self) -> &str {
        self.original.get(self.args_offset..).unwrap_or("")
    }

    /// The shell command string of a shell-form RUN, CMD, ENTRYPOINT or HEALTHCHECK CMD
    /// (what `/bin/sh -c` receives, heredocs aside), or `None` for exec form.
    pub fn shell_command(&self) -> Option<&Arg> {
        if self.json {
            return None;
        }
        match self.kind {
            Keyword::Run | Keyword::Cmd | Keyword::Entrypoint => self.args.first(),
            Keyword::Healthcheck
                if self
                    .args
                    .first()
                    .is_some_and(|t| t.value.eq_ignore_ascii_case("cmd")) =>
            {
                self.args.get(1)
            }
            _ => None,
        }
    }

    /// ENV and LABEL pairs.
    pub fn key_values(&self) -> Vec<KeyValue<'_>> {
        if !matches!(self.kind, Keyword::Env | Keyword::Label) {
            return Vec::new();
        }
        self.args
            .chunks_exact(3)
            .map(|c| KeyValue {
                key: &c[0],
                value: &c[1],
                legacy: c[2].value.is_empty(),
            })
            .collect()
    }

    /// ARG definitions: each name with its raw default, if any.
    pub fn arg_definitions(&self) -> Vec<(String, Option<String>)> {
        if self.kind != Keyword::Arg {
            return Vec::new();
        }
        self.args
            .iter()
            .map(|a| match a.value.split_once('=') {
                Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
                None => (a.value.clone(), None),
            })
            .collect()
    }

    /// FROM's stage name (`FROM img AS name`), lower-cased as BuildKit does.
    pub fn stage_name(&self) -> Option<String> {
        if self.kind != Keyword::From || self.args.len() != 3 {
            return None;
        }
        self.args[1]
            .value
            .eq_ignore_ascii_case("as")
            .then(|| gochar::to_lower(&self.args[2].value))
    }

    /// Whether BuildKit would look for heredocs in this instruction.
    pub(crate) fn can_contain_heredoc(&self) -> bool {
        let target = match (&self.kind, &self.onbuild) {
            (Keyword::Onbuild, Some(child)) => child,
            _ => self,
        };
        matches!(target.kind, Keyword::Run | Keyword::Copy | Keyword::Add) && !target.json
    }

    fn dump_into(&self, out: &mut String) {
        let mut s = gochar::to_lower(&self.keyword);
        if !self.flags.is_empty() {
            s.push_str(" [");
            for (i, f) in self.flags.iter().enumerate() {
                if i > 0 {
                    s.push(' ');
                }
                gochar::quote_into(&mut s, &f.raw);
            }
            s.push(']');
        }
        if let Some(child) = &self.onbuild {
            s.push_str(" (");
            child.dump_into(&mut s);
            s.push(')');
        } else if self.kind == Keyword::Unknown {
            // BuildKit's parseIgnore leaves one empty node behind.
            s.push_str(" \"\"");
        } else {
            for a in &self.args {
                s.push(' ');
                gochar::quote_into(&mut s, &a.value);
            }
        }
        // Go's Dump ends with strings.TrimSpace.
        out.push_str(gochar::trim_space(&s));
    }

    /// This instruction's line of BuildKit's `Dump()`, e.g. `(copy ["--from=a"] "x" "/y")`
    /// without the parentheses.
    pub fn dump(&self) -> String {
        let mut out = String::new();
        self.dump_into(&mut out);
        out
    }
}

/// A parser directive (`# syntax=`, `# escape=`, `# check=`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Directive {
    /// Lower-cased name.
    pub name: String,
    pub value: String,
    pub span: Span,
}

/// Something BuildKit warns about but accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub message: String,
    pub span: Span,
}

/// A build stage: a FROM and the instructions up to the next FROM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    /// 0-based.
    pub index: usize,
    /// Index of the FROM in [`Dockerfile::instructions`].
    pub from: usize,
    /// The base image or stage reference as written (unexpanded).
    pub base_name: String,
    /// `AS name`, lower-cased.
    pub name: Option<String>,
    /// `--platform=…`, unexpanded.
    pub platform: Option<String>,
    /// Indices of the stage's instructions after its FROM.
    pub instructions: Range<usize>,
}

/// A parsed Dockerfile. Owns its source text, which every [`Span`] points into.
#[derive(Debug, Clone, Serialize)]
pub struct Dockerfile {
    pub instructions: Vec<Instruction>,
    pub directives: Vec<Directive>,
    /// The escape token in effect (`\` or `` ` ``).
    pub escape: char,
    pub warnings: Vec<Warning>,
    #[serde(skip)]
    pub(crate) text: String,
    #[serde(skip)]
    pub(crate) index: LineIndex,
    /// For each instruction, the index of the exec-form SHELL in effect.
    #[serde(skip)]
    pub(crate) shells: Vec<Option<usize>>,
}

impl Dockerfile {
    /// The source text, as given (a byte-order mark included).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The source text of `span`.
    pub fn source(&self, span: &Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    pub fn line_index(&self) -> &LineIndex {
        &self.index
    }

    /// The span of the whole AST: first instruction to last (BuildKit's root node lines).
    pub fn span(&self) -> Option<Span> {
        Some(Span {
            start: self.instructions.first()?.span.start,
            end: self.instructions.last()?.span.end,
        })
    }

    /// A directive by (lower-case) name.
    pub fn directive(&self, name: &str) -> Option<&Directive> {
        self.directives.iter().find(|d| d.name == name)
    }

    /// The source span of bytes `range` of `instruction.original` (for example a command
    /// found by [`crate::commands`] in a shell-form RUN, offset by where its argument
    /// starts). Ranges that straddle a line continuation include the continuation.
    pub fn span_in(&self, instruction: &Instruction, range: Range<usize>) -> Span {
        self.index.span(&self.text, instruction.map.range(range))
    }

    /// The exec-form `SHELL` instruction in effect at instruction `index`: the last one
    /// before it in its stage, or in force at the end of the stage it is built `FROM`.
    /// `None` means BuildKit's default, `/bin/sh -c`.
    pub fn active_shell(&self, index: usize) -> Option<&Instruction> {
        self.shells
            .get(index)
            .copied()
            .flatten()
            .map(|i| &self.instructions[i])
    }

    /// The index of `instruction` in [`Dockerfile::instructions`], if it is one of them
    /// (not, say, ONBUILD's nested instruction or one from another file).
    pub fn index_of(&self, instruction: &Instruction) -> Option<usize> {
        let start = self.instructions.as_ptr() as usize;
        let at = std::ptr::from_ref(instruction) as usize;
        let size = std::mem::size_of::<Instruction>();
        let offset = at.checked_sub(start)?;
        let i = offset / size;
        (offset % size == 0 && i < self.instructions.len()).then_some(i)
    }

    /// The stages, in order.
    pub fn stages(&self) -> Vec<Stage> {
        let froms: Vec<usize> = self
            .instructions
            .iter()
            .enumerate()
            .filter(|(_, i)| i.kind == Keyword::From)
            .map(|(n, _)| n)
            .collect();
        froms
            .iter()
            .enumerate()
            .map(|(index, &from)| {
                let instr = &self.instructions[from];
                let end = froms
                    .get(index + 1)
                    .copied()
                    .unwrap_or(self.instructions.len());
                Stage {
                    index,
                    from,
                    base_name: instr
                        .args
                        .first()
                        .map(|a| a.value.clone())
                        .unwrap_or_default(),
                    name: instr.stage_name(),
                    platform: instr
                        .flag("platform")
                        .and_then(Flag::value)
                        .map(str::to_owned),
                    instructions: from + 1..end,
                }
            })
            .collect()
    }

    /// BuildKit's `AST.Dump()`: one S-expression per instruction, separated by newlines
    /// (BuildKit's test files hold this plus a final newline).
    pub fn dump(&self) -> String {
        let mut out = String::new();
        for (i, instr) in self.instructions.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push('(');
            instr.dump_into(&mut out);
            out.push(')');
        }
        out
    }
}

/// Which exec-form SHELL governs each instruction (see [`Dockerfile::active_shell`]), in
/// one pass.
pub(crate) fn shells(instructions: &[Instruction]) -> Vec<Option<usize>> {
    let mut out = Vec::with_capacity(instructions.len());
    let mut by_stage: std::collections::HashMap<String, Option<usize>> =
        std::collections::HashMap::new();
    let mut stage_name: Option<String> = None;
    let mut current = None;
    for (i, instr) in instructions.iter().enumerate() {
        match instr.kind {
            Keyword::From => {
                if let Some(name) = stage_name.take() {
                    by_stage.insert(name, current);
                }
                let base = instr.args.first().map(|a| gochar::to_lower(&a.value));
                current = base.and_then(|b| by_stage.get(&b).copied()).flatten();
                stage_name = instr.stage_name();
                out.push(None);
            }
            Keyword::Shell if instr.json => {
                out.push(current);
                current = Some(i);
            }
            _ => out.push(current),
        }
    }
    out
}

impl std::fmt::Display for Dockerfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.dump())
    }
}
