//! Any input to the SCIM filter parser is parsed or refused, never a panic; what parses is
//! printed back through its tree (exercising every node).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../src/scim/filter.rs"]
mod filter;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(parsed) = filter::parse(text)
    {
        let _ = format!("{parsed:?}");
    }
});
