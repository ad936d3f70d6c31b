//! Workload files, TOML and JSON: parse, then compile (the cross-field checks). No panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for name in ["fuzz.toml", "fuzz.json"] {
        if let Ok(f) = cachesim::schema::parse(text, Path::new(name)) {
            if f.workload.trace.is_none() {
                let _ = cachesim::workload::Workload::compile(&f, Path::new(name));
            }
        }
    }
});
