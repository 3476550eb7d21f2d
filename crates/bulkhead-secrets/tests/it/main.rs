//! bulkhead-secrets against gitleaks' rules and semantics.

#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

mod corpus;
mod default_rules;
mod equivalence;
mod gitignore;
mod hostile;
mod semantics;
mod support;
