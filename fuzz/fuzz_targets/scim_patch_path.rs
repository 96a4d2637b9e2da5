//! Any input to the SCIM PATCH path parser is parsed or refused, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../src/scim/filter.rs"]
mod filter;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(parsed) = filter::parse_patch_path(text)
    {
        let _ = format!("{parsed:?}");
    }
});
