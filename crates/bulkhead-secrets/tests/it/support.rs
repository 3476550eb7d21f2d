//! Helpers shared by the test modules.

use std::path::Path;

use bulkhead_secrets::{Ruleset, SecretMatch};

/// Scans `text` as `path` with `rules`, checking on the way that the windowed and the
/// exhaustive (gitleaks-style) searches agree.
pub(crate) fn scan(rules: &Ruleset, path: &str, text: impl AsRef<[u8]>) -> Vec<SecretMatch> {
    let text = text.as_ref();
    let mut windowed = Vec::new();
    rules.scan(path, text, &mut windowed);
    let mut exhaustive = Vec::new();
    rules.scan_exhaustive(path, text, &mut exhaustive);
    assert_eq!(
        windowed,
        exhaustive,
        "windowed and exhaustive scans differ on {path}: {:?}",
        String::from_utf8_lossy(text)
    );
    windowed
}

/// `(rule id, line)` of each finding.
pub(crate) fn ids(found: &[SecretMatch]) -> Vec<(String, u32)> {
    found.iter().map(|f| (f.rule_id.clone(), f.line)).collect()
}

/// A ruleset from TOML text that must load.
pub(crate) fn rules(toml: &str) -> Ruleset {
    Ruleset::from_toml(toml, Path::new("test.toml"))
        .unwrap_or_else(|e| panic!("{e}: {:?}", std::error::Error::source(&e)))
}

/// The default rules.
pub(crate) fn default() -> &'static Ruleset {
    Ruleset::default_rules()
}
