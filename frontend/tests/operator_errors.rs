//! Errors found while reading a body's operators, in the three readers that
//! validate them (the baseline and SSA builders, and validation alone for
//! lazy compilation): the validator's message at the offending operator's
//! offset, SIMD operators rejected by the validator when the feature is off
//! and by the builders (which do not translate them yet) when it is on.

use strata_frontend::baseline::BaselineTranslator;
use strata_frontend::module::{
    WasmError, WasmFeatures, translate_module, wasm2_features, wasm2_nosimd_features,
};
use strata_frontend::ssa::SsaTranslator;
use strata_frontend::vmoffsets::VMOffsets;
use strata_ir::Function;

/// Defined function 0 of module `bytes` through each reader: baseline,
/// SSA, validation only.
fn read_all(bytes: &[u8], features: WasmFeatures) -> [Result<(), WasmError>; 3] {
    let env = translate_module(bytes, features).unwrap();
    let offsets = VMOffsets::new(&env);
    let mut func = Function::new();
    [
        BaselineTranslator::new().translate(&env, &offsets, bytes, 0, &mut func),
        SsaTranslator::new().translate(&env, &offsets, bytes, 0, &mut func),
        BaselineTranslator::new().validate(&env, bytes, 0),
    ]
}

/// [`read_all`] of the binary of `wat`.
fn read_wat(wat: &str, features: WasmFeatures) -> [Result<(), WasmError>; 3] {
    read_all(&wat::parse_str(wat).unwrap(), features)
}

/// Every one of `results` is an error whose message contains `message`,
/// at byte offset `at`.
fn assert_errors(
    results: impl IntoIterator<Item = Result<(), WasmError>>,
    message: &str,
    at: usize,
) {
    for r in results {
        let e = r.unwrap_err();
        assert!(e.message.contains(message), "{e}");
        assert_eq!(e.offset, at, "{e}");
    }
}

/// The byte offset of `needle`, which occurs once in the binary of `wat`.
fn offset_of(wat: &str, needle: &[u8]) -> usize {
    let bytes = wat::parse_str(wat).unwrap();
    let at: Vec<usize> = (0..bytes.len())
        .filter(|&i| bytes[i..].starts_with(needle))
        .collect();
    assert_eq!(at.len(), 1, "{needle:02x?} in {bytes:02x?}");
    at[0]
}

#[test]
fn a_type_error_is_reported_at_its_operator_by_every_reader() {
    // `i64.add` (0x7c) of two i32s: the fourth operator of the body.
    let wat = "(module (func (result i64) i32.const 7 i32.const 9 i64.add))";
    let at = offset_of(wat, &[0x41, 0x09, 0x7c]) + 2;
    assert_errors(read_wat(wat, wasm2_features()), "type mismatch", at);
}

#[test]
fn a_truncated_body_is_an_error_not_a_panic() {
    // The body ends (the function's own `end` dropped) with a block open.
    let mut bytes = wat::parse_str("(module (func block nop end))").unwrap();
    let n = bytes.len();
    assert_eq!(bytes[n - 1], 0x0b);
    bytes[n - 1] = 0x01; // `nop` where the last `end` was.
    for r in read_all(&bytes, wasm2_features()) {
        let e = r.unwrap_err();
        assert!(e.offset <= bytes.len(), "{e}");
    }
}

#[test]
fn simd_operators_are_the_validators_error_without_the_feature() {
    let wat = "(module (func (result i32) v128.const i64x2 1 2 i32x4.extract_lane 0))";
    let at = offset_of(wat, &[0xfd, 0x0c]);
    assert_errors(
        read_wat(wat, wasm2_nosimd_features()),
        "SIMD support is not enabled",
        at,
    );
}

#[test]
fn simd_operators_validate_but_do_not_translate_with_the_feature() {
    let wat = "(module (func (result i32) v128.const i64x2 1 2 i32x4.extract_lane 0))";
    let at = offset_of(wat, &[0xfd, 0x0c]);
    let [baseline, ssa, validate] = read_wat(wat, wasm2_features());
    validate.unwrap();
    assert_errors([baseline, ssa], "unsupported operator: V128Const", at);
}

#[test]
fn an_invalid_operator_in_dead_code_is_still_rejected() {
    // After `unreachable` the builders translate nothing, but every
    // operator is validated: `i32.add` of an i64 is an error even there.
    let wat = "(module (func unreachable i64.const 1 i32.const 2 i32.add drop))";
    let at = offset_of(wat, &[0x41, 0x02, 0x6a]) + 2;
    assert_errors(read_wat(wat, wasm2_features()), "type mismatch", at);
}
