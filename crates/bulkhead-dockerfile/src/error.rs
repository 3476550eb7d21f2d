//! The parse error. Every variant names the 1-based line (or lines) BuildKit would report,
//! and the message says what was expected, in BuildKit's words where it has them.

/// Why a Dockerfile was rejected. BuildKit rejects exactly these inputs too (see the crate
/// docs for the few deliberate differences).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The input is not UTF-8 (only from [`crate::parse_bytes`]).
    #[error("line {line}: the Dockerfile is not valid UTF-8 (byte offset {offset})")]
    InvalidUtf8 { line: usize, offset: usize },
    /// Nothing but blank lines, comments and parser directives.
    #[error("line {line}: file with no instructions")]
    NoInstructions { line: usize },
    /// A physical line of 64 KiB or more: BuildKit's line scanner refuses it.
    #[error("line {line}: dockerfile line greater than max allowed size of {max}")]
    LineTooLong { line: usize, max: usize },
    /// `# escape=` with something other than `\` or `` ` ``.
    #[error("line {line}: invalid escape token '{token}' does not match ` or \\")]
    InvalidEscapeToken { line: usize, token: String },
    /// A parser directive given twice.
    #[error("line {line}: only one {name} parser directive can be used")]
    DuplicateDirective { line: usize, name: String },
    /// `ENV name` or `LABEL name` without a value.
    #[error("lines {start_line}-{end_line}: {instruction} must have two arguments")]
    MissingValue {
        start_line: usize,
        end_line: usize,
        instruction: String,
    },
    /// `ENV a=b c`: a later word of the `name=value` form lacks its `=`.
    #[error(
        "lines {start_line}-{end_line}: Syntax error - can't find = in {word:?}. Must be of the form: name=value"
    )]
    MissingEquals {
        start_line: usize,
        end_line: usize,
        word: String,
    },
    /// A JSON array (exec form) with an element that is not a string.
    #[error(
        "lines {start_line}-{end_line}: when using JSON array syntax, arrays must be comprised of strings only"
    )]
    JsonNotStringArray { start_line: usize, end_line: usize },
    /// A heredoc whose terminator never came.
    #[error("lines {start_line}-{end_line}: unterminated heredoc `{name}`")]
    UnterminatedHeredoc {
        start_line: usize,
        end_line: usize,
        name: String,
    },
    /// A heredoc marker whose word the shell lexer rejects.
    #[error("lines {start_line}-{end_line}: invalid heredoc marker: {message}")]
    InvalidHeredoc {
        start_line: usize,
        end_line: usize,
        message: String,
    },
    /// `ONBUILD ONBUILD …` nested beyond any sensible depth (BuildKit itself refuses any
    /// nesting when it builds; we refuse only absurd depths, to bound recursion).
    #[error("lines {start_line}-{end_line}: ONBUILD nested more than {max} levels deep")]
    NestingTooDeep {
        start_line: usize,
        end_line: usize,
        max: usize,
    },
}

impl ParseError {
    /// The first line the error concerns (0 for an empty file).
    pub fn line(&self) -> usize {
        match self {
            ParseError::InvalidUtf8 { line, .. }
            | ParseError::NoInstructions { line }
            | ParseError::LineTooLong { line, .. }
            | ParseError::InvalidEscapeToken { line, .. }
            | ParseError::DuplicateDirective { line, .. } => *line,
            ParseError::MissingValue { start_line, .. }
            | ParseError::MissingEquals { start_line, .. }
            | ParseError::JsonNotStringArray { start_line, .. }
            | ParseError::UnterminatedHeredoc { start_line, .. }
            | ParseError::InvalidHeredoc { start_line, .. }
            | ParseError::NestingTooDeep { start_line, .. } => *start_line,
        }
    }
}
