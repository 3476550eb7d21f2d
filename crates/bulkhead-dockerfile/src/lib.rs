//! Dockerfiles read exactly as BuildKit reads them, with a source span on everything.
//!
//! [`parse`] turns Dockerfile text into a [`Dockerfile`]: parser directives (`# syntax=`,
//! `# escape=`, `# check=`), then one [`Instruction`] per logical line with its keyword,
//! builder flags, arguments (exec-form JSON decoded, ENV/LABEL as raw `name value sep`
//! triples), heredocs, ONBUILD's nested instruction, the comments above it, and [`Span`]s
//! (1-based lines and columns plus byte offsets) for the instruction, its keyword, each flag
//! and each argument — what SARIF regions and snippet rendering need. It accepts and
//! rejects what BuildKit's `parser.Parse` accepts and rejects (down to its 64 KiB limit on
//! a physical line, [`ParseError::LineTooLong`]), and [`Dockerfile::dump`]
//! reproduces BuildKit's `AST.Dump()` byte for byte; the tests hold it to BuildKit's own
//! test files.
//!
//! Two layers sit on top:
//! - [`shell`]: BuildKit's shell lexer (variable expansion and word splitting as the
//!   Dockerfile frontend does it, `${VAR:-x}`, `${VAR#pat}`, `${VAR/a/b}` and the rest) and
//!   [`Dockerfile::walk_scopes`], the ARG/ENV environment each instruction is expanded in.
//! - [`commands`]: the simple commands a shell-form RUN (or a heredoc run by `sh`) executes,
//!   with argv, assignments, redirections and the operator to the next command, for rules
//!   such as "`apt-get install` without `--no-install-recommends`" or "`curl … | sh`".
//!
//! ```
//! let df = bulkhead_dockerfile::parse(
//!     "FROM alpine:3.20 AS base\nRUN --mount=type=cache,target=/var/cache/apk \\\n    apk add curl && curl -fsSL https://x.example | sh\n",
//! )
//! .unwrap();
//! assert_eq!(df.dump(), concat!(
//!     "(from \"alpine:3.20\" \"AS\" \"base\")\n",
//!     "(run [\"--mount=type=cache,target=/var/cache/apk\"] \"apk add curl && curl -fsSL https://x.example | sh\")",
//! ));
//! let run = &df.instructions[1];
//! assert_eq!((run.start_line(), run.end_line()), (2, 3));
//! assert_eq!(run.flags[0].name(), "mount");
//! assert_eq!(df.source(&run.flags[0].span), "--mount=type=cache,target=/var/cache/apk");
//!
//! let script = bulkhead_dockerfile::commands::extract_run(&df, run).unwrap();
//! let argv: Vec<Vec<&str>> = script.commands.iter().map(|c| c.args().collect()).collect();
//! assert_eq!(argv, [vec!["apk", "add", "curl"], vec!["curl", "-fsSL", "https://x.example"], vec!["sh"]]);
//! assert_eq!(df.source(&script.commands[2].span.unwrap()), "sh");
//! ```
//!
//! # What it does not do
//!
//! It does not validate instructions beyond what BuildKit's parser checks (unknown flags,
//! `COPY` with one argument, stage references: those are BuildKit's later `instructions`
//! step, and rules' business), never runs anything, and never fetches base images, so
//! environments know only what the Dockerfile and the caller say.
//!
//! # Differences from BuildKit
//!
//! Deliberate, and only for inputs no real Dockerfile contains: nesting is bounded
//! (`ONBUILD ONBUILD …` beyond 16 levels, `${…}` beyond 100) where Go recurses without
//! limit; where Go cuts a flag or HEALTHCHECK's type word at a byte *inside* a multi-byte
//! character (its scan is byte-wise and treats bytes 0x85/0xA0 as blanks), the cut
//! character shows as U+FFFD instead of Go's raw byte, the rest of the line parsing the
//! same; and the Unicode tables (`unicode.IsLetter`, `strconv.IsPrint`) are Unicode 14,
//! where current Go has 15.

mod ast;
pub mod commands;
mod error;
mod gochar;
mod json;
mod line_parsers;
mod parser;
pub mod shell;
mod span;
mod unicode_tables;

pub use ast::{
    Arg, Directive, Dockerfile, Flag, Heredoc, Instruction, KeyValue, Keyword, Stage, Warning,
};
pub use error::ParseError;
pub use span::{LineIndex, Position, Span};

/// Parses Dockerfile text. A leading UTF-8 byte-order mark is ignored, as BuildKit does;
/// spans still index into `text` as given.
pub fn parse(text: &str) -> Result<Dockerfile, ParseError> {
    parser::parse(text)
}

/// Parses Dockerfile bytes, which must be UTF-8 (BuildKit reads bytes, but a Dockerfile
/// that is not UTF-8 has no meaningful text to report on).
pub fn parse_bytes(bytes: &[u8]) -> Result<Dockerfile, ParseError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(e) => {
            let offset = e.valid_up_to();
            let line = 1 + memchr::memchr_iter(b'\n', &bytes[..offset]).count();
            Err(ParseError::InvalidUtf8 { line, offset })
        }
    }
}
