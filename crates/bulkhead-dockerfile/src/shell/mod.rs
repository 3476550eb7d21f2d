//! BuildKit's shell lexer ([`Lexer`]) and the environments it expands against.
//!
//! This is the Dockerfile frontend's own little shell language — what BuildKit applies to
//! `ENV`, `ARG`, `COPY`, `FROM` and friends before anything runs — not `/bin/sh`. For the
//! commands a `RUN` executes, see [`crate::commands`].
//!
//! ```
//! use bulkhead_dockerfile::shell::{self, Env};
//!
//! let env = Env::from_pairs(["PWD=/home", "NULL="]);
//! assert_eq!(shell::process_word("he${PWD:-x}'s'", &env).unwrap(), "he/homes");
//! assert_eq!(shell::process_word("${NULL:-def} ${NULL-def}", &env).unwrap(), "def ");
//! assert_eq!(shell::process_words("a \"b c\" $PWD", &env).unwrap(), ["a", "b c", "/home"]);
//! assert!(shell::process_word("${NULL:?must be set}", &env).is_err());
//! ```

pub mod env;
mod lex;
mod pattern;

pub use env::{Env, EnvGetter, NoEnv, Scope, ScopeOptions};
pub use lex::{LexError, LexErrorKind, Lexer, MAX_NESTING, Processed};

/// Expands `word` with the default escape token `\` (BuildKit's `ProcessWord`).
pub fn process_word(word: &str, env: &dyn EnvGetter) -> Result<String, LexError> {
    Lexer::default().process_word(word, env)
}

/// Expands and splits `word` with the default escape token (BuildKit's `ProcessWords`).
pub fn process_words(word: &str, env: &dyn EnvGetter) -> Result<Vec<String>, LexError> {
    Lexer::default().process_words(word, env)
}
