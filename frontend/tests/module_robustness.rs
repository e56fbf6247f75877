//! Property-style robustness: truncated and corrupted modules make
//! `translate_module` return `Ok` or `Err`, never panic. Bodies of modules
//! that still pass are also run through their validators.

use strata_frontend::module::{WasmFeatures, translate_module, wasm1_features, wasm2_features};
use wasmparser::FuncValidatorAllocations;

const MODULE: &str = r#"
(module $m
  (type $t0 (func (param i32 i64) (result i64)))
  (import "env" "f" (func $imp (type $t0)))
  (import "env" "tab" (table 2 10 funcref))
  (import "env" "mem" (memory 1 2))
  (import "env" "g" (global $gimp (mut i32)))
  (func $main (local f32 f64)
    (block (loop (br_if 1 (i32.eqz (global.get $gimp))) (br 0)))
    (drop (call $imp (i32.const 7) (i64.const 8)))
    (memory.init $pd (i32.const 0) (i32.const 0) (i32.const 1))
    (data.drop $pd))
  (func $other (param i32) (result i64)
    (if (result i64) (local.get 0) (then (i64.const 1)) (else (i64.const 2))))
  (table $t 3 funcref)
  (global $g (mut i64) (i64.const 42))
  (global $g3 funcref (ref.func $other))
  (export "main" (func $main))
  (export "mem" (memory 0))
  (start $main)
  (elem (table $t) (i32.const 1) func $main $other)
  (elem $p funcref (ref.func $main) (ref.null func))
  (elem declare func $main)
  (data (i32.const 8) "hello")
  (data $pd "xyz")
)
"#;

/// Translates and, on success, validates every body; returns whether the
/// module passed translation. Must never panic.
fn exercise(bytes: &[u8], features: WasmFeatures) -> bool {
    match translate_module(bytes, features) {
        Ok(env) => {
            let mut allocs = FuncValidatorAllocations::default();
            for info in &env.bodies {
                let mut v = info.func_validator(allocs);
                let _ = v.validate(&info.function_body(bytes));
                allocs = v.into_allocations();
            }
            for seg in &env.data {
                assert!(seg.data.end <= bytes.len());
            }
            true
        }
        Err(e) => {
            assert!(e.offset <= bytes.len() + 16, "{e}");
            false
        }
    }
}

/// A 64-bit linear congruential generator (Knuth's MMIX constants).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn the_module_itself_is_valid() {
    let bytes = wat::parse_str(MODULE).unwrap();
    assert!(exercise(&bytes, wasm2_features()));
    assert!(!exercise(&bytes, wasm1_features()));
}

#[test]
fn truncation_at_every_byte_never_panics() {
    let bytes = wat::parse_str(MODULE).unwrap();
    for len in 0..bytes.len() {
        // Every proper prefix either fails or (at a section boundary) is a
        // shorter valid-looking module; it must not panic either way.
        exercise(&bytes[..len], wasm2_features());
        exercise(&bytes[..len], WasmFeatures::all());
    }
}

#[test]
fn random_corruption_never_panics() {
    let bytes = wat::parse_str(MODULE).unwrap();
    let mut rng = Lcg(0x5eed_1234_abcd_0001);
    let mut passed = 0;
    for round in 0..3000 {
        let mut m = bytes.clone();
        let edits = 1 + rng.below(4);
        for _ in 0..edits {
            let pos = rng.below(m.len());
            match rng.below(4) {
                0 => m[pos] ^= 1 << rng.below(8),
                1 => m[pos] = rng.next() as u8,
                2 => m[pos] = [0x00, 0x7f, 0x80, 0xff][rng.below(4)],
                _ => m.insert(pos, rng.next() as u8),
            }
        }
        let features = if round % 2 == 0 {
            wasm2_features()
        } else {
            WasmFeatures::all()
        };
        if exercise(&m, features) {
            passed += 1;
        }
    }
    // Some corruptions land in data or names and keep the module valid.
    assert!(passed > 0);
}
