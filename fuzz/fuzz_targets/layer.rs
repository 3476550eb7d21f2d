//! A layer blob (gzip, zstd or tar) read, verified, merged and walked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bulkhead_image::fuzzing::layer(data);
});
