//! `translate_module` on modules that Wasm 1.0 forbids, on invalid modules and
//! on garbage: errors with offsets, never a panic.

use strata_frontend::module::{
    WasmError, WasmFeatures, translate_module, wasm1_features, wasm2_features,
};
use wasmparser::FuncValidatorAllocations;

fn wasm(text: &str) -> Vec<u8> {
    wat::parse_str(text).unwrap()
}

#[test]
fn wasm1_features_are_exactly_wasm1() {
    let f = wasm1_features();
    assert!(f.mutable_global() && f.floats());
    assert!(!f.sign_extension());
    assert!(!f.multi_value());
    assert!(!f.bulk_memory());
    assert!(!f.reference_types());
    assert!(!f.saturating_float_to_int());
    assert!(!f.simd());
    assert!(wasm2_features().contains(f));
}

#[test]
fn multi_value_needs_wasm2() {
    let bytes = wasm("(module (func (result i32 i32) i32.const 1 i32.const 2))");
    let err = translate_module(&bytes, wasm1_features()).unwrap_err();
    assert!(err.message.contains("multi-value"), "{err}");
    assert!(err.offset > 8 && err.offset < bytes.len(), "{err}");
    translate_module(&bytes, wasm2_features()).unwrap();
}

#[test]
fn bulk_memory_needs_wasm2() {
    // A passive segment is rejected at module level.
    let bytes = wasm(r#"(module (memory 1) (data "abc"))"#);
    let err = translate_module(&bytes, wasm1_features()).unwrap_err();
    assert!(err.message.contains("bulk-memory"), "{err}");
    translate_module(&bytes, wasm2_features()).unwrap();

    // A bulk-memory operator is only found when the body is validated, which
    // is the IR builder's job: the module itself passes.
    let bytes =
        wasm("(module (memory 1) (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))))");
    let env = translate_module(&bytes, wasm1_features()).unwrap();
    let info = &env.bodies[0];
    let mut v = info.func_validator(FuncValidatorAllocations::default());
    let err = WasmError::from(v.validate(&info.function_body(&bytes)).unwrap_err());
    assert!(err.message.contains("bulk memory"), "{err}");
    assert!(info.body.contains(&err.offset), "{err}");
}

#[test]
fn invalid_modules_report_offsets() {
    let cases: &[(&str, &str)] = &[
        (r#"(module (export "f" (func 3)))"#, "unknown function"),
        (
            r#"(module (func) (export "f" (func 0)) (export "f" (func 0)))"#,
            "duplicate export",
        ),
        ("(module (global i32 (i64.const 0)))", "type mismatch"),
        ("(module (start 0))", "unknown function"),
        (
            "(module (func (param i32)) (start 0))",
            "invalid start function",
        ),
        (
            "(module (global i32 (i32.const 0)) (global i32 (global.get 1)))",
            "unknown global",
        ),
    ];
    for (text, needle) in cases {
        let bytes = wasm(text);
        let err = translate_module(&bytes, wasm2_features()).unwrap_err();
        assert!(err.message.contains(needle), "{text}: {err}");
        assert!(
            err.offset >= 8 && err.offset <= bytes.len(),
            "{text}: {err}"
        );
        assert_eq!(
            err.to_string(),
            format!("{} (at offset 0x{:x})", err.message, err.offset)
        );
    }
}

#[test]
fn malformed_binaries() {
    let cases: &[&[u8]] = &[
        b"",
        b"\0as",
        b"\0asm",
        b"\0asm\x02\0\0\0",
        b"nope\x01\0\0\0",
        // type section claiming u32::MAX entries in four bytes
        b"\0asm\x01\0\0\0\x01\x05\xff\xff\xff\xff\x0f",
        // function section without matching code section
        b"\0asm\x01\0\0\0\x01\x04\x01\x60\0\0\x03\x02\x01\0",
        // code section entry with a body length past the end
        b"\0asm\x01\0\0\0\x01\x04\x01\x60\0\0\x03\x02\x01\0\x0a\x04\x01\x7f\0\x0b",
        // section out of order
        b"\0asm\x01\0\0\0\x03\x01\0\x01\x01\0",
    ];
    for bytes in cases {
        let err = translate_module(bytes, wasm2_features()).unwrap_err();
        assert!(err.offset <= bytes.len(), "{bytes:?}: {err}");
    }
}

#[test]
fn components_are_rejected() {
    let bytes = wasm("(component)");
    let err = translate_module(&bytes, WasmFeatures::all()).unwrap_err();
    assert!(err.message.contains("component"), "{err}");
    assert!(translate_module(&bytes, wasm2_features()).is_err());
}
