//! Secret scanning of arbitrary bytes with gitleaks' default rules: no panic, and the
//! windowed search finds exactly what the whole-buffer (gitleaks) search finds.
//!
//! Input: the first byte picks the logical path (some paths switch path rules and path
//! allowlists on); the rest is the file content.
#![no_main]

use bulkhead_secrets::Ruleset;

const PATHS: [&str; 6] = [
    "src/config.py",
    ".env",
    "deploy/values.yaml",
    "infra/main.tf",
    "certs/client.p12",
    "",
];

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&selector, content)) = data.split_first() else {
        return;
    };
    let path = PATHS[usize::from(selector) % PATHS.len()];
    let rules = Ruleset::default_rules();
    let mut windowed = Vec::new();
    rules.scan(path, content, &mut windowed);
    let mut exhaustive = Vec::new();
    rules.scan_exhaustive(path, content, &mut exhaustive);
    assert_eq!(windowed, exhaustive, "windowed and exhaustive scans differ");
    for found in &windowed {
        assert!(found.end <= content.len());
        assert!(found.line_text.chars().count() <= 302);
        let _ = found.redacted();
        let _ = found.secret_fingerprint(path);
    }
});
