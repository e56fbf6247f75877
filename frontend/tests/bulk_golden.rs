//! Golden tests of the reference-types and bulk-memory translations, which
//! both builders share: the exact baseline IR of each operator, and for the
//! SSA builder the same operators verified in SSA form. Every translation is
//! run through the verifier and round-tripped through the IR parser.

use strata_frontend::baseline::BaselineTranslator;
use strata_frontend::module::{translate_module, wasm2_nosimd_features};
use strata_frontend::ssa::SsaTranslator;
use strata_frontend::vmoffsets::{Builtin, VMOffsets};
use strata_ir::Function;
use strata_ir::parser::parse_function;
use strata_ir::verifier::verify;

const MODULE: &str = r#"
(module
  (table $t0 2 funcref)
  (table $t1 3 externref)
  (memory 1)
  (data $d "abc")
  (elem $e func $null)
  (func $null (result funcref) (ref.null func))
  (func $is_null (param externref) (result i32) (ref.is_null (local.get 0)))
  (func $func (result funcref) (ref.func $null))
  (func $get (param i32) (result externref) (table.get $t1 (local.get 0)))
  (func $set (param i32 funcref) (table.set $t0 (local.get 0) (local.get 1)))
  (func $size (result i32) (table.size $t1))
  (func $grow (param externref i32) (result i32) (table.grow $t1 (local.get 0) (local.get 1)))
  (func $fill (param i32 externref i32) (table.fill $t1 (local.get 0) (local.get 1) (local.get 2)))
  (func $tcopy (param i32 i32 i32) (table.copy $t0 $t0 (local.get 0) (local.get 1) (local.get 2)))
  (func $tinit (param i32 i32 i32) (table.init $t0 $e (local.get 0) (local.get 1) (local.get 2)))
  (func $edrop (elem.drop $e))
  (func $mcopy (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func $mfill (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func $minit (param i32 i32 i32) (memory.init $d (local.get 0) (local.get 1) (local.get 2)))
  (func $ddrop (data.drop $d))
  (func $sel (param funcref funcref i32) (result funcref)
    (select (result funcref) (local.get 0) (local.get 1) (local.get 2)))
)
"#;

fn check_function(func: &Function, ssa: bool) -> String {
    let text = func.to_string();
    verify(func, ssa).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let reparsed = parse_function(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(reparsed.to_string(), text);
    text
}

/// The printed baseline and SSA IR of every defined function of `MODULE`.
fn translate_all() -> (Vec<String>, Vec<String>) {
    let bytes = wat::parse_str(MODULE).unwrap();
    let env = translate_module(&bytes, wasm2_nosimd_features()).unwrap();
    let offsets = VMOffsets::new(&env);
    let mut func = Function::new();
    let mut baseline = BaselineTranslator::new();
    let mut ssa = SsaTranslator::new();
    let (mut b, mut s) = (Vec::new(), Vec::new());
    for i in 0..env.bodies.len() {
        baseline
            .translate(&env, &offsets, &bytes, i, &mut func)
            .unwrap_or_else(|e| panic!("function {i}: {e}"));
        b.push(check_function(&func, false));
        ssa.translate(&env, &offsets, &bytes, i, &mut func)
            .unwrap_or_else(|e| panic!("function {i}: {e}"));
        s.push(check_function(&func, true));
    }
    (b, s)
}

/// Replaces `$(table N)`, `$(funcref N)` and `$(builtin Name)` in `expected`
/// by their values for `MODULE`.
fn with_offsets(expected: &str) -> String {
    let bytes = wat::parse_str(MODULE).unwrap();
    let env = translate_module(&bytes, wasm2_nosimd_features()).unwrap();
    let o = VMOffsets::new(&env);
    let mut out = String::new();
    let mut rest = expected;
    while let Some(i) = rest.find("$(") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(')').expect("closed placeholder") + i;
        let words: Vec<&str> = rest[i + 2..end].split(' ').collect();
        let value = match words.as_slice() {
            ["table", n] => o.table(n.parse().unwrap()),
            ["funcref", n] => o.funcref(n.parse().unwrap()),
            ["builtin", name] => {
                let b = Builtin::ALL
                    .into_iter()
                    .find(|b| format!("{b:?}") == *name)
                    .unwrap_or_else(|| panic!("unknown builtin {name}"));
                o.builtin(b)
            }
            other => panic!("unknown placeholder {other:?}"),
        };
        out.push_str(&value.to_string());
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn check(name: &str, expected: &str) {
    let prefix = format!("function %{name}(");
    let (baseline, _) = translate_all();
    let got = baseline
        .into_iter()
        .find(|f| f.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no function {name}"));
    let expected = with_offsets(expected);
    assert_eq!(got, expected, "\n--- got:\n{got}--- expected:\n{expected}");
}

#[test]
fn every_operator_translates_and_verifies_in_both_builders() {
    let (baseline, ssa) = translate_all();
    assert_eq!(baseline.len(), 16);
    assert_eq!(ssa.len(), 16);
}

#[test]
fn ref_null_is_null_and_func() {
    check(
        "null",
        "\
function %null() -> i64 {
block0:
    v0 = iconst.i64 0
    return v0
}
",
    );
    check(
        "is_null",
        "\
function %is_null(i64) -> i32 {
block0(v0: i64):
    v1 = eqz.i32 v0
    return v1
}
",
    );
    check(
        "func",
        "\
function %func() -> i64 {
block0:
    v0 = vmctx
    v1 = iconst.i64 $(funcref 0)
    v2 = iadd.i64 v0, v1
    return v2
}
",
    );
}

#[test]
fn table_get_set_size_are_inline_with_bounds_checks() {
    check(
        "get",
        "\
function %get(i32) -> i64 {
block0(v0: i32):
    v1 = vmctx
    v2 = load.i64 vm v1+$(table 1)
    v3 = load.i32 vm v2+8
    v4 = icmp.uge v0, v3
    trapif v4, table_oob
    v5 = load.i64 vm v2+0
    v6 = uext_i32.i64 v0
    v7 = iconst.i64 3
    v8 = ishl.i64 v6, v7
    v9 = iadd.i64 v5, v8
    v10 = load.i64 vm v9+0
    return v10
}
",
    );
    check(
        "set",
        "\
function %set(i32, i64) {
block0(v0: i32, v1: i64):
    v2 = vmctx
    v3 = load.i64 vm v2+$(table 0)
    v4 = load.i32 vm v3+8
    v5 = icmp.uge v0, v4
    trapif v5, table_oob
    v6 = load.i64 vm v3+0
    v7 = uext_i32.i64 v0
    v8 = iconst.i64 3
    v9 = ishl.i64 v7, v8
    v10 = iadd.i64 v6, v9
    store.i64 vm v10+0, v1
    return
}
",
    );
    check(
        "size",
        "\
function %size() -> i32 {
block0:
    v0 = vmctx
    v1 = load.i64 vm v0+$(table 1)
    v2 = load.i32 vm v1+8
    return v2
}
",
    );
}

#[test]
fn table_builtins_trap_on_a_non_zero_result() {
    check(
        "grow",
        "\
function %grow(i64, i32) -> i32 {
block0(v0: i64, v1: i32):
    v2 = iconst.i32 1
    v3 = vmctx
    v4: i32 = call builtin($(builtin TableGrow)) (v3, v2, v0, v1)
    return v4
}
",
    );
    check(
        "tinit",
        "\
function %tinit(i32, i32, i32) {
block0(v0: i32, v1: i32, v2: i32):
    v3 = iconst.i32 0
    v4 = iconst.i32 0
    v5 = vmctx
    v6: i32 = call builtin($(builtin TableInit)) (v5, v3, v4, v0, v1, v2)
    trapif v6, table_oob
    return
}
",
    );
    check(
        "edrop",
        "\
function %edrop() {
block0:
    v0 = iconst.i32 0
    v1 = vmctx
    call builtin($(builtin ElemDrop)) (v1, v0)
    return
}
",
    );
}

#[test]
fn memory_builtins_trap_with_the_memory_code() {
    check(
        "mcopy",
        "\
function %mcopy(i32, i32, i32) {
block0(v0: i32, v1: i32, v2: i32):
    v3 = vmctx
    v4: i32 = call builtin($(builtin MemoryCopy)) (v3, v0, v1, v2)
    trapif v4, heap_oob
    return
}
",
    );
    check(
        "minit",
        "\
function %minit(i32, i32, i32) {
block0(v0: i32, v1: i32, v2: i32):
    v3 = iconst.i32 0
    v4 = vmctx
    v5: i32 = call builtin($(builtin MemoryInit)) (v4, v3, v0, v1, v2)
    trapif v5, heap_oob
    return
}
",
    );
}
