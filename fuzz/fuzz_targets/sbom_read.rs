//! Reading CycloneDX and SPDX JSON documents back as an inventory.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = bulkhead_sbom::read(data, "fuzz");
});
