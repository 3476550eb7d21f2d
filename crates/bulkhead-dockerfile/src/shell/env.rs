//! Variable environments for expansion, and the ARG/ENV scoping BuildKit applies when it
//! expands a Dockerfile's instructions.
//!
//! The scoping mirrors `dockerfile2llb`: ARGs before the first FROM form the global scope,
//! used to expand FROM lines and inherited by a stage's `ARG NAME` (without a default);
//! inside a stage, ARG and ENV values join one environment in order (a later definition
//! of a name wins), defaults and ENV values are expanded against what came before, and
//! `--build-arg` values override ARG defaults. A stage built `FROM` an earlier stage starts
//! with that stage's ENV, not its ARGs. What a static analyzer cannot know — the base
//! image's own ENV, BuildKit's automatic platform ARGs — the caller may pass in
//! [`ScopeOptions`].

use std::collections::{BTreeMap, HashMap};

use super::lex::Lexer;
use crate::ast::{Dockerfile, Instruction, Keyword};

/// Where the lexer looks variables up (Go's `EnvGetter`).
pub trait EnvGetter {
    /// The value of `key`, or `None` if unset (set-but-empty is `Some("")`).
    fn get_env(&self, key: &str) -> Option<&str>;
}

impl EnvGetter for BTreeMap<String, String> {
    fn get_env(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl<S: std::hash::BuildHasher> EnvGetter for HashMap<String, String, S> {
    fn get_env(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl EnvGetter for [(&str, &str)] {
    fn get_env(&self, key: &str) -> Option<&str> {
        self.iter().rev().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// No variables at all.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoEnv;

impl EnvGetter for NoEnv {
    fn get_env(&self, _: &str) -> Option<&str> {
        None
    }
}

/// An environment with insertion order kept (BuildKit's `EnvsFromSlice`): setting a name
/// again replaces its value.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Env {
    vars: BTreeMap<String, String>,
    order: Vec<String>,
}

impl Env {
    pub fn new() -> Self {
        Env::default()
    }

    /// From `KEY=VALUE` strings; a string without `=` sets the key to the empty string.
    pub fn from_pairs<I, S>(pairs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut env = Env::new();
        for pair in pairs {
            let pair = pair.as_ref();
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            env.set(k, v);
        }
        env
    }

    pub fn set(&mut self, key: &str, value: &str) {
        if self.vars.insert(key.to_owned(), value.to_owned()).is_none() {
            self.order.push(key.to_owned());
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars.get(key).map(String::as_str)
    }

    /// `(name, value)` in the order names were first set.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.order
            .iter()
            .filter_map(|k| self.vars.get(k).map(|v| (k.as_str(), v.as_str())))
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

impl EnvGetter for Env {
    fn get_env(&self, key: &str) -> Option<&str> {
        self.get(key)
    }
}

/// What the caller knows beyond the Dockerfile.
#[derive(Debug, Clone, Default)]
pub struct ScopeOptions {
    /// `--build-arg NAME=VALUE`: overrides the default of a declared ARG (global or stage).
    pub build_args: BTreeMap<String, String>,
    /// Global ARGs that exist without a declaration, such as BuildKit's `BUILDPLATFORM`,
    /// `TARGETOS`, `TARGETARCH`: usable in FROM lines, and in a stage once declared.
    pub builtin_args: BTreeMap<String, String>,
}

/// The environment in effect at one instruction, handed to [`Dockerfile::walk_scopes`].
#[derive(Debug)]
pub struct Scope<'a> {
    /// Index of the instruction in [`Dockerfile::instructions`].
    pub index: usize,
    pub instruction: &'a Instruction,
    /// Index of the stage (0 = the first FROM), or `None` before the first FROM.
    pub stage: Option<usize>,
    /// The variables the instruction is expanded with: for FROM the global ARGs, otherwise
    /// the stage's ARG and ENV values defined before it.
    pub env: &'a Env,
}

struct StageState {
    name: Option<String>,
    env_only: Env,
}

impl Dockerfile {
    /// Walks the instructions in order, calling `visit` with the environment BuildKit would
    /// expand each one with (see the [module docs](crate::shell::env)). Expansion errors in
    /// ARG defaults or ENV values leave the value unexpanded, so a rule engine still sees
    /// every instruction.
    #[allow(clippy::too_many_lines)] // one pass over the instructions, like dispatchState
    pub fn walk_scopes(&self, options: &ScopeOptions, mut visit: impl FnMut(Scope<'_>)) {
        let lexer = Lexer::new(self.escape);
        let expand = |word: &str, env: &Env| {
            lexer
                .process_word(word, env)
                .unwrap_or_else(|_| word.to_owned())
        };
        let mut global = Env::new();
        for (k, v) in &options.builtin_args {
            global.set(k, v);
        }
        // Names declared by ARG before the first FROM (with or without a value).
        let mut global_declared: Vec<String> = Vec::new();
        let mut stages: Vec<StageState> = Vec::new();
        let mut env = Env::new();
        let mut env_only = Env::new();
        for (index, instruction) in self.instructions.iter().enumerate() {
            let stage = stages.len().checked_sub(1);
            match instruction.kind {
                Keyword::From => {
                    if let Some(prev) = stages.last_mut() {
                        prev.env_only = std::mem::take(&mut env_only);
                    }
                    visit(Scope {
                        index,
                        instruction,
                        stage: Some(stages.len()),
                        env: &global,
                    });
                    let base = instruction
                        .args
                        .first()
                        .map(|a| expand(&a.value, &global))
                        .unwrap_or_default();
                    let base = crate::gochar::to_lower(&base);
                    let parent = stages
                        .iter()
                        .rev()
                        .find(|s| s.name.as_deref() == Some(base.as_str()));
                    env = parent.map(|p| p.env_only.clone()).unwrap_or_default();
                    env_only = env.clone();
                    stages.push(StageState {
                        name: instruction.stage_name(),
                        env_only: Env::new(),
                    });
                }
                Keyword::Arg => {
                    let before = if stage.is_some() { &env } else { &global };
                    visit(Scope {
                        index,
                        instruction,
                        stage,
                        env: before,
                    });
                    for (key, default) in instruction.arg_definitions() {
                        if stage.is_none() {
                            let value = match options.build_args.get(&key) {
                                Some(v) => Some(v.clone()),
                                None => default.map(|d| expand(&d, &global)),
                            };
                            if let Some(v) = value {
                                global.set(&key, &v);
                            }
                            global_declared.push(key);
                            continue;
                        }
                        let value = if let Some(v) = options.build_args.get(&key) {
                            Some(v.clone())
                        } else if let Some(d) = default {
                            Some(expand(&d, &env))
                        } else if global_declared.contains(&key)
                            || options.builtin_args.contains_key(&key)
                        {
                            global.get(&key).map(str::to_owned)
                        } else {
                            None
                        };
                        if let Some(v) = value {
                            env.set(&key, &v);
                        }
                    }
                }
                Keyword::Env => {
                    visit(Scope {
                        index,
                        instruction,
                        stage,
                        env: if stage.is_some() { &env } else { &global },
                    });
                    if stage.is_some() {
                        // BuildKit expands both sides of each pair, against the
                        // environment before the instruction.
                        let pairs: Vec<(String, String)> = instruction
                            .key_values()
                            .iter()
                            .map(|kv| (expand(&kv.key.value, &env), expand(&kv.value.value, &env)))
                            .collect();
                        for (key, value) in pairs {
                            env.set(&key, &value);
                            env_only.set(&key, &value);
                        }
                    }
                }
                _ => visit(Scope {
                    index,
                    instruction,
                    stage,
                    env: if stage.is_some() { &env } else { &global },
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_from_pairs_later_wins() {
        let env = Env::from_pairs(["a=1", "b", "a=2", "c=x=y"]);
        assert_eq!(env.get("a"), Some("2"));
        assert_eq!(env.get("b"), Some(""));
        assert_eq!(env.get("c"), Some("x=y"));
        assert_eq!(
            env.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
    }
}
