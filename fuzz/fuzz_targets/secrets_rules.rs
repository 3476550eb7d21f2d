//! Loading arbitrary text as a gitleaks configuration: no panic, and a ruleset that loads
//! can scan its own text (which is full of its own keywords) without panicking.
//!
//! `[extend] path` resolves against a directory that does not exist, so no file is read.
#![no_main]

use std::path::Path;

use bulkhead_secrets::Ruleset;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let origin = Path::new("/nonexistent-bulkhead-fuzz/gitleaks.toml");
    if let Ok(rules) = Ruleset::from_toml(text, origin) {
        let mut out = Vec::new();
        rules.scan("fuzz/input.txt", data, &mut out);
        let mut exhaustive = Vec::new();
        rules.scan_exhaustive("fuzz/input.txt", data, &mut exhaustive);
        assert_eq!(out, exhaustive, "windowed and exhaustive scans differ");
    }
});
