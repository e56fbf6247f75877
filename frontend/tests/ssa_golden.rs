//! Golden tests of the SSA translator: small WAT functions and the exact IR
//! text they translate to. Every translation is also run through the IR
//! verifier (SSA form) and through the IR parser (the text must parse back
//! to a function that prints the same).

use strata_frontend::module::{translate_module, wasm2_features};
use strata_frontend::ssa::SsaTranslator;
use strata_frontend::vmoffsets::VMOffsets;
use strata_ir::Function;
use strata_ir::parser::parse_function;
use strata_ir::verifier::verify;

/// Translates every defined function of `wat`, verifying each, and returns
/// the printed IR of each.
fn translate_all(wat: &str) -> Vec<String> {
    let bytes = wat::parse_str(wat).unwrap();
    let env = translate_module(&bytes, wasm2_features()).unwrap();
    let offsets = VMOffsets::new(&env);
    let mut t = SsaTranslator::new();
    let mut func = Function::new();
    let mut out = Vec::new();
    for i in 0..env.bodies.len() {
        t.translate(&env, &offsets, &bytes, i, &mut func)
            .unwrap_or_else(|e| panic!("function {i}: {e}"));
        let text = func.to_string();
        verify(&func, true).unwrap_or_else(|e| panic!("{e}\n{text}"));
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

fn check(wat: &str, name: &str, expected: &str) {
    let got = ir_of(wat, name);
    assert_eq!(got, expected, "\n--- got:\n{got}--- expected:\n{expected}");
}

const MODULE: &str = r#"
(module
  (func $add (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func $count (param $n i32) (result i32) (local $i i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (local.get $acc) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    local.get $acc)
  (func $ifelse (param i32) (result i32) (local $x i32)
    (if (local.get 0)
      (then (local.set $x (i32.const 10)))
      (else (local.set $x (i32.const 20))))
    local.get $x)
  (func $readonly (param i32 i32) (result i32)
    (if (local.get 0) (then (nop)) (else (nop)))
    (loop $l (br_if $l (i32.eqz (local.get 1))))
    (i32.add (local.get 0) (local.get 1)))
  (func $unmodified (param $n i32) (param $k i32) (result i32)
    (loop $l
      (local.set $n (i32.sub (local.get $n) (local.get $k)))
      (br_if $l (local.get $n)))
    local.get $k)
  (func $results (param i32) (result i32)
    (block (result i32)
      (br_if 0 (i32.const 7) (local.get 0))
      drop
      (i32.const 8)))
  (func $table (param i32) (result i32) (local $x i32)
    (block $b2
      (block $b1
        (block $b0
          (br_table $b0 $b1 $b2 $b0 (local.get 0)))
        (local.set $x (i32.const 1))
        (br $b2))
      (local.set $x (i32.const 2)))
    local.get $x)
  (func $zeros (result i64) (local i32 i64 f32 f64) local.get 1)
  (func $dead (param i32) (result i32)
    (block (result i32) (i32.const 1) (br 0) (i32.const 2) (drop) (unreachable)))
)
"#;

#[test]
fn add_has_no_params() {
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
fn counting_loop_has_header_params() {
    check(
        MODULE,
        "count",
        "\
function %count(i32) -> i32 {
block0(v0: i32):
    v8 = iconst.i32 0
    jump block1(v8, v8)
block1(v1: i32, v2: i32):
    v3 = iadd.i32 v1, v2
    v4 = iconst.i32 1
    v5 = iadd.i32 v2, v4
    v7 = icmp.ult v5, v0
    brif v7, block1(v3, v5), block2
block2:
    return v3
}
",
    );
}

#[test]
fn if_else_merges_a_local_in_one_param() {
    check(
        MODULE,
        "ifelse",
        "\
function %ifelse(i32) -> i32 {
block0(v0: i32):
    brif v0, block1, block2
block1:
    v1 = iconst.i32 10
    jump block3(v1)
block2:
    v2 = iconst.i32 20
    jump block3(v2)
block3(v3: i32):
    return v3
}
",
    );
}

#[test]
fn read_only_locals_get_no_params() {
    check(
        MODULE,
        "readonly",
        "\
function %readonly(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    brif v0, block1, block2
block1:
    jump block3
block2:
    jump block3
block3:
    jump block4
block4:
    v3 = eqz.i32 v1
    brif v3, block4, block5
block5:
    v4 = iadd.i32 v0, v1
    return v4
}
",
    );
}

#[test]
fn loop_param_only_for_the_modified_local() {
    check(
        MODULE,
        "unmodified",
        "\
function %unmodified(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    jump block1(v0)
block1(v2: i32):
    v4 = isub.i32 v2, v1
    brif v4, block1(v4), block2
block2:
    return v1
}
",
    );
}

#[test]
fn block_results_are_params() {
    check(
        MODULE,
        "results",
        "\
function %results(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 7
    brif v0, block2(v1), block1
block1:
    v3 = iconst.i32 8
    jump block2(v3)
block2(v2: i32):
    return v2
}
",
    );
}

#[test]
fn br_table_goes_through_edge_blocks() {
    check(
        MODULE,
        "table",
        "\
function %table(i32) -> i32 {
block0(v0: i32):
    v4 = iconst.i32 0
    br_table v0, [block1, block2, block3, block1]
block1:
    jump block4
block2:
    jump block5
block3:
    jump block6(v4)
block4:
    v1 = iconst.i32 1
    jump block6(v1)
block5:
    v2 = iconst.i32 2
    jump block6(v2)
block6(v3: i32):
    return v3
}
",
    );
}

#[test]
fn declared_locals_share_one_zero_per_type() {
    check(
        MODULE,
        "zeros",
        "\
function %zeros() -> i64 {
block0:
    v0 = iconst.i64 0
    return v0
}
",
    );
}

#[test]
fn trivial_result_param_is_removed_and_dead_code_skipped() {
    check(
        MODULE,
        "dead",
        "\
function %dead(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 1
    jump block1
block1:
    return v1
}
",
    );
}

/// A read walks past a construct that does not write its variable, to the
/// block where the construct began, instead of making a phi at the join
/// that would turn out trivial: 100 variables read after 200 `if`s and 50
/// loops that write only the parameter make a phi per construct for the
/// parameter and none for the 100 (one per variable and construct, 25,000,
/// without the skip).
#[test]
fn reads_skip_constructs_that_do_not_write_the_variable() {
    let mut body = String::new();
    for k in 1..=100 {
        body.push_str(&format!(
            "(local.set {k} (i32.mul (local.get 0) (i32.const {k})))\n"
        ));
    }
    for k in 0..200 {
        body.push_str(&format!(
            "(if (i32.and (local.get 0) (i32.const {k})) (then (local.set 0 (i32.add (local.get 0) (i32.const 1)))))\n"
        ));
        if k % 4 == 0 {
            body.push_str(
                "(loop $l (local.set 0 (i32.add (local.get 0) (i32.const 3))) \
                 (br_if $l (i32.lt_u (local.get 0) (i32.const 10))))\n",
            );
        }
    }
    body.push_str("local.get 0\n");
    for k in 1..=100 {
        body.push_str(&format!("local.get {k} i32.add\n"));
    }
    let wat = format!(
        "(module (func $f (param i32) (result i32) (local {}) {body}))",
        "i32 ".repeat(100)
    );
    let bytes = wat::parse_str(&wat).unwrap();
    let env = translate_module(&bytes, wasm2_features()).unwrap();
    let offsets = VMOffsets::new(&env);
    let mut t = SsaTranslator::new();
    let mut func = Function::new();
    t.translate(&env, &offsets, &bytes, 0, &mut func).unwrap();
    verify(&func, true).unwrap();
    // 250: one per construct, for the parameter; none for the 100.
    assert!(t.phis_made() < 400, "{} phis made", t.phis_made());
}
