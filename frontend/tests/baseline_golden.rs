//! Golden tests of the baseline translator: small WAT functions and the exact
//! IR text they translate to. Every translation is also run through the IR
//! verifier (non-SSA form) and through the IR parser (the text must parse
//! back to a function that prints the same).

use strata_frontend::baseline::BaselineTranslator;
use strata_frontend::module::{translate_module, wasm1_features};
use strata_frontend::vmoffsets::{Builtin, VMOffsets, funcref};
use strata_ir::Function;
use strata_ir::parser::parse_function;
use strata_ir::verifier::verify;

/// Translates every defined function of `wat`, verifying each, and returns
/// the printed IR of each.
fn translate_all(wat: &str) -> Vec<String> {
    let bytes = wat::parse_str(wat).unwrap();
    let env = translate_module(&bytes, wasm1_features()).unwrap();
    let offsets = VMOffsets::new(&env);
    let mut t = BaselineTranslator::new();
    let mut func = Function::new();
    let mut out = Vec::new();
    for i in 0..env.bodies.len() {
        t.translate(&env, &offsets, &bytes, i, &mut func)
            .unwrap_or_else(|e| panic!("function {i}: {e}"));
        let text = func.to_string();
        verify(&func, false).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let reparsed = parse_function(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(reparsed.to_string(), text);
        out.push(text);
    }
    out
}

/// The printed IR of function `%name` of `wat`.
fn ir_of(wat: &str, name: &str) -> String {
    let prefix = format!("function %{name}(");
    translate_all(wat)
        .into_iter()
        .find(|f| f.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no function {name}"))
}

/// Replaces the VMContext offsets written `$(what)` in `expected` by their
/// values for `wat`, so that the goldens survive layout changes:
/// `$(funcref N)`, `$(funcref N vmctx)`, `$(funcref N type)`, `$(table N)`,
/// `$(global N)` (storage pointer), `$(global_storage N)` (a defined
/// global's storage), `$(memory N)`, `$(type_id N)`, `$(memory_grow)`.
fn with_offsets(wat: &str, expected: &str) -> String {
    let bytes = wat::parse_str(wat).unwrap();
    let env = translate_module(&bytes, wasm1_features()).unwrap();
    let o = VMOffsets::new(&env);
    let mut out = String::new();
    let mut rest = expected;
    while let Some(i) = rest.find("$(") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(')').expect("closed placeholder") + i;
        let words: Vec<&str> = rest[i + 2..end].split(' ').collect();
        let n = |k: usize| words[k].parse::<u32>().unwrap();
        let value = match words.as_slice() {
            ["funcref", _] => o.funcref(n(1)) + funcref::CODE,
            ["funcref", _, "vmctx"] => o.funcref(n(1)) + funcref::VMCTX,
            ["table", _] => o.table(n(1)),
            ["global", _] => o.global(n(1)),
            ["global_storage", _] => o.defined_global(n(1)).expect("a defined global"),
            ["memory", _] => o.memory(n(1)),
            ["type_id", _] => o.type_id(n(1)),
            ["memory_grow"] => o.builtin(Builtin::MemoryGrow),
            other => panic!("unknown placeholder {other:?}"),
        };
        out.push_str(&value.to_string());
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn check(wat: &str, name: &str, expected: &str) {
    let expected = with_offsets(wat, expected);
    let got = ir_of(wat, name);
    assert_eq!(got, expected, "\n--- got:\n{got}--- expected:\n{expected}");
}

const MODULE: &str = r#"
(module
  (import "env" "imp" (func $imp (param i32) (result i32)))
  (type $t (func (param i32) (result i32)))
  (table 2 funcref)
  (memory 1)
  (global $g (mut i32) (i32.const 0))
  (func $add (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func $loop (param $n i32) (result i32) (local $acc i32)
    (loop $l
      local.get $acc local.get $n i32.add local.set $acc
      local.get $n i32.const 1 i32.sub local.tee $n
      br_if $l)
    local.get $acc)
  (func $ifelse (param i32) (result i32)
    (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 2))))
  (func $call (param i32) (result i32) (call $add (local.get 0) (call $imp (local.get 0))))
  (func $ci (param i32) (result i32) (call_indirect (type $t) (i32.const 5) (local.get 0)))
  (func $glob (global.set $g (i32.add (global.get $g) (i32.const 1))))
  (func $mem (param i32) (i64.store offset=8 (local.get 0) (i64.load8_u offset=3 (local.get 0))))
  (func $grow (param i32) (result i32) (memory.grow (local.get 0)))
  (func $msize (result i32) (memory.size))
  (func $swap (param i32 i32) (result i32)
    local.get 0 local.get 1 local.set 0 local.get 0 i32.sub)
  (func $dead (param i32) (result i32)
    (block (result i32) (i32.const 1) (br 0) (i32.const 2) (drop) (unreachable)))
)
"#;

#[test]
fn add() {
    check(
        MODULE,
        "add",
        "\
function %add(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = iadd.i32 v0, v1
    return v2
}
",
    );
}

#[test]
fn loop_with_br_if() {
    // The declared local is zeroed at entry; `local.set`/`local.tee` write
    // the producing instruction's result straight into the local.
    check(
        MODULE,
        "loop",
        "\
function %loop(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 0
    jump block1
block1:
    v1 = iadd.i32 v1, v0
    v3 = iconst.i32 1
    v0 = isub.i32 v0, v3
    brif v0, block1, block2
block2:
    return v1
}
",
    );
}

#[test]
fn if_else_with_result() {
    check(
        MODULE,
        "ifelse",
        "\
function %ifelse(i32) -> i32 {
block0(v0: i32):
    brif v0, block1, block2
block1:
    v2 = iconst.i32 1
    v1 = copy.i32 v2
    jump block3
block2:
    v3 = iconst.i32 2
    v1 = copy.i32 v3
    jump block3
block3:
    return v1
}
",
    );
}

#[test]
fn calls_to_imported_and_defined_functions() {
    // Imported: code and VMContext from the import's VMFuncRef, called
    // indirectly; defined: through the code slot.
    check(
        MODULE,
        "call",
        "\
function %call(i32) -> i32 {
block0(v0: i32):
    v1 = vmctx
    v2 = load.i64 vm v1+$(funcref 0)
    v3 = load.i64 vm v1+$(funcref 0 vmctx)
    v4: i32 = call indirect (v2, v3, v0)
    v5: i32 = call direct($(funcref 1)) (v0, v4)
    return v5
}
",
    );
}

#[test]
fn call_indirect_checks_bounds_null_and_signature() {
    check(
        MODULE,
        "ci",
        "\
function %ci(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 5
    v2 = vmctx
    v3 = load.i64 vm v2+$(table 0)
    v4 = load.i32 vm v3+8
    v5 = icmp.uge v0, v4
    trapif v5, undefined_elem
    v6 = load.i64 vm v3+0
    v7 = uext_i32.i64 v0
    v8 = iconst.i64 3
    v9 = ishl.i64 v7, v8
    v10 = iadd.i64 v6, v9
    v11 = load.i64 vm v10+0
    v12 = eqz.i32 v11
    trapif v12, uninit_elem
    v13 = load.i32 vm v11+8
    v14 = vmctx
    v15 = load.i32 vm v14+$(type_id 0)
    v16 = icmp.ne v13, v15
    trapif v16, bad_sig
    v17 = load.i64 vm v11+0
    v18 = load.i64 vm v11+16
    v19: i32 = call indirect (v17, v18, v1)
    return v19
}
",
    );
}

#[test]
fn global_get_and_set() {
    check(
        MODULE,
        "glob",
        "\
function %glob() {
block0:
    v0 = vmctx
    v1 = load.i32 vm v0+$(global_storage 0)
    v2 = iconst.i32 1
    v3 = iadd.i32 v1, v2
    v4 = vmctx
    store.i32 vm v4+$(global_storage 0), v3
    return
}
",
    );
}

/// An imported global is reached through its storage pointer, a defined one
/// in the VMContext.
#[test]
fn imported_global_through_its_pointer() {
    check(
        r#"
(module
  (import "env" "g" (global $imp (mut i64)))
  (global $own (mut i64) (i64.const 7))
  (func $swap
    (global.get $imp)
    (global.set $imp (global.get $own))
    (global.set $own)))
"#,
        "swap",
        "\
function %swap() {
block0:
    v0 = vmctx
    v1 = load.i64 vm v0+$(global 0)
    v2 = load.i64 vm v1+0
    v3 = vmctx
    v4 = load.i64 vm v3+$(global_storage 1)
    v5 = vmctx
    v6 = load.i64 vm v5+$(global 0)
    store.i64 vm v6+0, v4
    v7 = vmctx
    store.i64 vm v7+$(global_storage 1), v2
    return
}
",
    );
}

#[test]
fn memory_load_and_store() {
    check(
        MODULE,
        "mem",
        "\
function %mem(i32) {
block0(v0: i32):
    v1 = load8_u.i64 heap v0+3
    store.i64 heap v0+8, v1
    return
}
",
    );
}

#[test]
fn memory_grow_and_size() {
    check(
        MODULE,
        "grow",
        "\
function %grow(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 0
    v2 = vmctx
    v3: i32 = call builtin($(memory_grow)) (v2, v1, v0)
    return v3
}
",
    );
    check(
        MODULE,
        "msize",
        "\
function %msize() -> i32 {
block0:
    v0 = vmctx
    v1 = load.i64 vm v0+$(memory 0)
    v2 = load.i64 vm v1+8
    v3 = iconst.i64 16
    v4 = ushr.i64 v2, v3
    v5 = wrap.i32 v4
    return v5
}
",
    );
}

#[test]
fn local_on_the_stack_is_copied_before_set() {
    // `local.get 0` is still on the stack when local 0 is set: it must keep
    // the old value, through a copy made before the assignment.
    check(
        MODULE,
        "swap",
        "\
function %swap(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = copy.i32 v0
    v0 = copy.i32 v1
    v3 = isub.i32 v2, v0
    return v3
}
",
    );
}

#[test]
fn code_after_br_is_not_translated() {
    check(
        MODULE,
        "dead",
        "\
function %dead(i32) -> i32 {
block0(v0: i32):
    v2 = iconst.i32 1
    v1 = copy.i32 v2
    jump block1
block1:
    return v1
}
",
    );
}

const BRANCHES: &str = r#"
(module
  (func $brt (param i32) (result i32)
    (block $a (block $b (block $c (br_table $a $b $c $a (local.get 0)))
      (return (i32.const 1))) (return (i32.const 2)))
    i32.const 3)
  (func $brt_res (param i32) (result i32)
    (block $a (result i32)
      (block $b (result i32) (br_table $a $b $a (i32.const 7) (local.get 0)))
      (i32.const 1) i32.add))
  (func $brif_res (param i32) (result i32)
    (block $a (result i32) (br_if $a (local.get 0) (local.get 0)) (drop) (i32.const 9)))
  (func $ret_in_if (param i32) (result i32)
    (if (local.get 0) (then (return (i32.const 1)))) (i32.const 0))
  (func $unreach_if (param i32) (result i32)
    (if (result i32) (local.get 0) (then (unreachable)) (else (unreachable))))
  (func $nested_dead (param i32) (result i32)
    (block $a (result i32) (i32.const 1) (br $a)
      (block (loop (if (local.get 0) (then (nop)) (else (nop)))))))
)
"#;

#[test]
fn br_table_without_values_targets_labels() {
    check(
        BRANCHES,
        "brt",
        "\
function %brt(i32) -> i32 {
block0(v0: i32):
    br_table v0, [block1, block2, block3, block1]
block3:
    v1 = iconst.i32 1
    return v1
block2:
    v2 = iconst.i32 2
    return v2
block1:
    v3 = iconst.i32 3
    return v3
}
",
    );
}

#[test]
fn br_table_with_values_goes_through_edge_blocks() {
    // One edge block per distinct target, holding the copy to its result.
    check(
        BRANCHES,
        "brt_res",
        "\
function %brt_res(i32) -> i32 {
block0(v0: i32):
    v3 = iconst.i32 7
    br_table v0, [block3, block4, block3]
block3:
    v1 = copy.i32 v3
    jump block1
block4:
    v2 = copy.i32 v3
    jump block2
block2:
    v4 = iconst.i32 1
    v5 = iadd.i32 v2, v4
    v1 = copy.i32 v5
    jump block1
block1:
    return v1
}
",
    );
}

#[test]
fn br_if_with_value() {
    check(
        BRANCHES,
        "brif_res",
        "\
function %brif_res(i32) -> i32 {
block0(v0: i32):
    brif v0, block2, block3
block2:
    v1 = copy.i32 v0
    jump block1
block3:
    v2 = iconst.i32 9
    v1 = copy.i32 v2
    jump block1
block1:
    return v1
}
",
    );
}

#[test]
fn return_and_unreachable_in_arms() {
    check(
        BRANCHES,
        "ret_in_if",
        "\
function %ret_in_if(i32) -> i32 {
block0(v0: i32):
    brif v0, block1, block2
block1:
    v1 = iconst.i32 1
    return v1
block2:
    jump block3
block3:
    v2 = iconst.i32 0
    return v2
}
",
    );
    // Neither arm reaches the end: no end block, no return.
    check(
        BRANCHES,
        "unreach_if",
        "\
function %unreach_if(i32) -> i32 {
block0(v0: i32):
    brif v0, block1, block2
block1:
    trap unreachable
block2:
    trap unreachable
}
",
    );
    // Control structures in dead code build nothing.
    check(
        BRANCHES,
        "nested_dead",
        "\
function %nested_dead(i32) -> i32 {
block0(v0: i32):
    v2 = iconst.i32 1
    v1 = copy.i32 v2
    jump block1
block1:
    return v1
}
",
    );
}
