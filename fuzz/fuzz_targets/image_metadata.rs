//! Image index, manifest and config JSON, and manifest selection over an index.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bulkhead_image::fuzzing::metadata_json(data);
});
