//! Every package cataloger (dpkg, apk, rpm, Python, npm, yarn, pnpm, Cargo, binaries, Java,
//! Ruby, PHP, .NET) and the os-release parser, on the same bytes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    bulkhead_inventory::fuzzing::parse_everything(data);
});
