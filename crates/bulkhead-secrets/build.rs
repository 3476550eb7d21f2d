//! Copies gitleaks' default rules (`../shared/peer-data/gitleaks/gitleaks.toml`, or
//! `$BULKHEAD_GITLEAKS_TOML`) into `$OUT_DIR` for `include_str!`. The default rules are part of
//! the product, so a missing file fails the build instead of producing a scanner that finds
//! nothing.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::disallowed_methods)]

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=BULKHEAD_GITLEAKS_TOML");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let source = std::env::var_os("BULKHEAD_GITLEAKS_TOML").map_or_else(
        || manifest.join("../../../shared/peer-data/gitleaks/gitleaks.toml"),
        PathBuf::from,
    );
    println!("cargo:rerun-if-changed={}", source.display());
    let text = std::fs::read_to_string(&source).unwrap_or_else(|e| {
        panic!(
            "bulkhead-secrets embeds gitleaks' default rules, but `{}` cannot be read ({e}). \
             Check out ../shared beside the workspace, or set BULKHEAD_GITLEAKS_TOML to a \
             gitleaks.toml (gitleaks/gitleaks config/gitleaks.toml, MIT).",
            source.display()
        )
    });
    assert!(
        text.contains("[[rules]]"),
        "`{}` has no [[rules]]: not a gitleaks configuration",
        source.display()
    );
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    std::fs::write(out.join("gitleaks.toml"), text).unwrap();
}
