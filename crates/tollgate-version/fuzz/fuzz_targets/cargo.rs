#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    tollgate_version::properties::check_bytes(tollgate_version::Ecosystem::Cargo, data);
});
