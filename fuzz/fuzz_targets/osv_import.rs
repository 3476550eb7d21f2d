//! One advisory file's bytes parsed as an import does, as JSON and as YAML: OSV (both forms),
//! Alpine secdb, rubysec and FriendsOfPHP, recognised from the content.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = bulkhead_vulndb::import::fuzz_parse(data);
});
