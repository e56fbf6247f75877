//! wasm-smith modules run in wasmi and in strata; any divergence panics.
//! The oracle is `tests/differential/oracle.rs`, shared with
//! `tests/differential.rs` (which runs it on fixed seeds in CI).
#![no_main]

#[path = "../../tests/differential/oracle.rs"]
mod oracle;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(report) = oracle::differential_one(data) {
        panic!("divergence: {report}");
    }
});
