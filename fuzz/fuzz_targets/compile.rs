//! Arbitrary bytes into `Module::new` on every tier: an error or a compiled
//! module, never a panic. The logic is `strata::fuzzing::compile_one`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    strata::fuzzing::compile_one(data);
});
