//! Kubernetes rules (themes K1–K44 of the rule map).

use crate::registry::RuleInfo;

/// Kubernetes rules.
pub static RULES: &[RuleInfo] = &[];
