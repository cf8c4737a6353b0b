//! The scenario reader on arbitrary bytes: TOML and JSON text must give a scenario or an error,
//! never a panic, a hang or an allocation the size of the input's claims.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = carecast::Scenario::from_toml_str(&text, "fuzz.toml");
    let _ = carecast::Scenario::from_json_str(&text, "fuzz.json");
});
