//! Imports the advisory feeds in `../shared/vulndata` (or `$BULKHEAD_VULNDATA`) into a fresh
//! database and compresses it with zstd into `$OUT_DIR`, for `include_bytes!`. Without the
//! feeds the build still succeeds with an empty database and a warning, so the crate builds
//! anywhere; `bulkhead db status` then says the database is empty.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::disallowed_methods)]

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=BULKHEAD_VULNDATA");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let data = std::env::var_os("BULKHEAD_VULNDATA")
        .map_or_else(|| manifest.join("../../../shared/vulndata"), PathBuf::from);
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    let db_path = out.join("default.db");

    let mut writer = bulkhead_vulndb::Writer::create(&db_path).unwrap();
    if data.is_dir() {
        // Cargo watches a directory recursively for changes.
        println!("cargo:rerun-if-changed={}", data.display());
        let stats = bulkhead_vulndb::import::import_paths(
            &mut writer,
            std::slice::from_ref(&data),
            &mut |_| {},
        )
        .unwrap_or_else(|e| panic!("importing {}: {e}", data.display()));
        for (path, reason) in stats.failed.iter().take(5) {
            println!("cargo:warning=vulndata: {path}: {reason}");
        }
        if !stats.failed.is_empty() {
            println!(
                "cargo:warning=vulndata: {} files failed to import",
                stats.failed.len()
            );
        }
        writer.note_import("shared/vulndata (embedded at build time)");
    } else {
        println!(
            "cargo:warning=no advisory data at {}: the embedded vulnerability database is empty",
            data.display()
        );
    }
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
    writer
        .finish(&bulkhead_vulndb::time::rfc3339(secs))
        .unwrap();

    let raw = std::fs::read(&db_path).unwrap();
    let mut encoder = zstd::Encoder::new(Vec::new(), 12).unwrap();
    encoder.multithread(2).unwrap();
    std::io::Write::write_all(&mut encoder, &raw).unwrap();
    let compressed = encoder.finish().unwrap();
    // FNV-1a of the compressed bytes: names the decompressed copy in the cache, so a
    // binary with other data never opens a stale copy.
    let fingerprint = compressed.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    std::fs::write(
        out.join("fingerprint.rs"),
        format!("\"{fingerprint:016x}\"\n"),
    )
    .unwrap();
    std::fs::write(out.join("default.db.zst"), compressed).unwrap();
    std::fs::write(out.join("default_len.rs"), format!("{}\n", raw.len())).unwrap();
    std::fs::remove_file(&db_path).unwrap();
}
