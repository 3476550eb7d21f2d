//! Kubernetes rules (themes K1–K44 of the rule map).

use crate::Outcome;
use crate::registry::RuleInfo;

/// Kubernetes rules.
pub static RULES: &[RuleInfo] = &[];

/// One manifest file: its path as the user should see it, and its bytes.
#[derive(Debug, Clone)]
pub struct ManifestFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// Loads every file's objects, indexes them (cross-object rules see all of them), and runs
/// every Kubernetes rule.
pub fn analyze(files: &[ManifestFile]) -> Outcome {
    let _ = files;
    Outcome::default()
}
