//! Golden tests of `opt::fold`: each `tests/golden/fold/NAME.ir` holds an
//! SSA function; the pass's output, printed, must equal `NAME.expected`.
//! `STRATA_BLESS=1 cargo test -p strata-ir --test opt_fold` rewrites the
//! expected files. The verifier (SSA mode) checks the input and the output.
//!
//! Also: every unary, binary and comparison operation on constants (edge
//! values and NaNs), with one constant operand, chained, and on equal
//! operands, checked against `strata_ir::interp` before and after `fold`
//! (and `fold` + `dce`); and random SSA functions from
//! `strata_ir::testing`, whose interpreted outcome, memories and calls must
//! not change.

#[path = "golden/harness.rs"]
mod harness;

use strata_ir::opt::{dce, fold};
use strata_ir::parser::parse_function;

#[test]
fn golden_fold() {
    harness::golden("fold", fold::run);
}

#[test]
fn fold_reports_no_change_on_folded_code() {
    // A function without anything to fold is left alone and reported so.
    let text = "function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = iadd.i32 v0, v1
    v3 = sdiv.i32 v2, v1
    return v3
}
";
    let mut f = parse_function(text).unwrap();
    assert!(!fold::run(&mut f));
    assert_eq!(f.to_string(), text);
}

#[test]
fn fold_preserves_semantics_on_random_functions() {
    let stats = harness::check_equivalence(1000, 300, &fold::run);
    assert!(
        stats.changed > 100,
        "fold changed only {} functions",
        stats.changed
    );
    assert!(
        stats.compared > 600,
        "only {} runs compared",
        stats.compared
    );
}

#[test]
fn fold_then_dce_preserves_semantics_on_random_functions() {
    let stats = harness::check_equivalence(5000, 300, &|f| fold::run(f) | dce::run(f));
    assert!(
        stats.changed > 100,
        "fold+dce changed only {} functions",
        stats.changed
    );
}

// ---- exhaustive small cases against the interpreter ----------------------

use strata_ir::interp::{self, Env, Outcome, same_outcome};
use strata_ir::testing::test_call;
use strata_ir::verifier::verify;
use strata_ir::{BinaryOp, FloatCC, Function, IntCC, Type, UnaryOp};

const INT_EDGES: [i64; 24] = [
    0,
    1,
    2,
    3,
    4,
    8,
    16,
    31,
    32,
    33,
    63,
    64,
    65,
    -1,
    -2,
    0x80,
    0x8000,
    i32::MIN as i64,
    i32::MAX as i64,
    1 << 31,
    1 << 32,
    i64::MIN,
    i64::MAX,
    0x1234_5678_9abc_def0,
];

const F64_EDGES: [f64; 16] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    -0.5,
    2.5,
    -3.5,
    f64::INFINITY,
    f64::NEG_INFINITY,
    2147483647.5,
    -2147483648.5,
    4294967295.5,
    3e9,
    1e30,
    5e-324,
];

fn int_edges(ty: Type) -> Vec<u64> {
    INT_EDGES
        .iter()
        .map(|&x| {
            if ty == Type::I32 {
                x as u32 as u64
            } else {
                x as u64
            }
        })
        .collect()
}

fn float_edges(ty: Type) -> Vec<u64> {
    let mut v: Vec<u64> = F64_EDGES
        .iter()
        .map(|&x| {
            if ty == Type::F32 {
                (x as f32).to_bits() as u64
            } else {
                x.to_bits()
            }
        })
        .collect();
    // NaNs: canonical, negative, with a payload, signaling.
    v.extend(if ty == Type::F32 {
        [0x7fc0_0000, 0xffc0_0000, 0x7fc0_0001, 0x7fa0_0000]
    } else {
        [
            0x7ff8_0000_0000_0000,
            0xfff8_0000_0000_0000,
            0x7ff8_0000_0000_0001,
            0x7ff4_0000_0000_0000,
        ]
    });
    v
}

fn edges(ty: Type) -> Vec<u64> {
    if ty.is_int() {
        int_edges(ty)
    } else {
        float_edges(ty)
    }
}

/// The text of a constant of type `ty`.
fn konst(v: &str, ty: Type, bits: u64) -> String {
    if ty.is_int() {
        format!("    {v} = iconst.{ty} {}\n", bits as i64)
    } else {
        format!("    {v} = fconst.{ty} {bits:#x}\n")
    }
}

/// Checks that `fold` (then `dce`) leaves `text` verifiable and agreeing
/// with the original on each argument vector; returns whether it changed.
fn agrees(text: &str, argsets: &[Vec<u64>]) -> bool {
    let f = parse_function(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    verify(&f, true).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut g = f.clone();
    let changed = fold::run(&mut g);
    verify(&g, true).unwrap_or_else(|e| panic!("after fold: {e}\n{text}\n{g}"));
    let mut h = g.clone();
    dce::run(&mut h);
    verify(&h, true).unwrap_or_else(|e| panic!("after dce: {e}\n{text}\n{h}"));
    for args in argsets {
        // These functions touch no memory: an empty environment is enough.
        let run = |func: &Function| {
            let mut call = test_call;
            let mut env = Env {
                heap: Vec::new(),
                vm: Vec::new(),
                call: &mut call,
            };
            interp::run(func, args, &mut env, 1000)
        };
        let want = run(&f);
        assert!(!matches!(want, Outcome::Error(_)), "{want:?}\n{text}");
        for (what, func) in [("fold", &g), ("fold+dce", &h)] {
            let got = run(func);
            assert!(
                same_outcome(&want, &got, &f.signature.results),
                "args {args:x?}: {want:x?} became {got:x?} after {what}\n{text}--- after\n{func}"
            );
        }
    }
    changed
}

/// The valid (result, argument) types of a unary operation.
fn unary_types(op: UnaryOp) -> Vec<(Type, Type)> {
    use Type::{F32, F64, I32, I64};
    use UnaryOp as U;
    match op {
        U::Clz | U::Ctz | U::Popcnt | U::Sext8 | U::Sext16 => vec![(I32, I32), (I64, I64)],
        U::Eqz => vec![(I32, I32), (I32, I64)],
        U::Fneg | U::Fabs | U::Fsqrt | U::Fceil | U::Ffloor | U::Ftrunc | U::Fnearest => {
            vec![(F32, F32), (F64, F64)]
        }
        U::SextI32 | U::UextI32 => vec![(I64, I32)],
        U::Wrap => vec![(I32, I64)],
        U::Sext32 => vec![(I64, I64)],
        U::TruncS | U::TruncU | U::TruncSatS | U::TruncSatU => {
            vec![(I32, F32), (I32, F64), (I64, F32), (I64, F64)]
        }
        U::ConvertS | U::ConvertU => vec![(F32, I32), (F32, I64), (F64, I32), (F64, I64)],
        U::Promote => vec![(F64, F32)],
        U::Demote => vec![(F32, F64)],
        U::Reinterpret => vec![(F32, I32), (I32, F32), (F64, I64), (I64, F64)],
    }
}

fn is_float_op(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::Fadd
            | BinaryOp::Fsub
            | BinaryOp::Fmul
            | BinaryOp::Fdiv
            | BinaryOp::Fmin
            | BinaryOp::Fmax
            | BinaryOp::Fcopysign
    )
}

#[test]
fn unary_operations_on_constants_agree_with_the_interpreter() {
    let mut folded = 0;
    for op in UnaryOp::ALL {
        for (dt, at) in unary_types(op) {
            for a in edges(at) {
                let text = format!(
                    "function %u() -> {dt} {{\nblock0:\n{}    v1 = {}.{dt} v0\n    return v1\n}}\n",
                    konst("v0", at, a),
                    op.name()
                );
                folded += agrees(&text, &[vec![]]) as usize;
            }
            // Unary of unary, for the identities on non-constants.
            for op2 in UnaryOp::ALL {
                for (dt2, at2) in unary_types(op2) {
                    if at2 != dt {
                        continue;
                    }
                    let text = format!(
                        "function %uu({at}) -> {dt2} {{\nblock0(v0: {at}):\n    v1 = {}.{dt} v0\n    v2 = {}.{dt2} v1\n    return v2\n}}\n",
                        op.name(),
                        op2.name()
                    );
                    let args: Vec<Vec<u64>> = edges(at).into_iter().map(|a| vec![a]).collect();
                    agrees(&text, &args);
                }
            }
        }
    }
    assert!(folded > 300, "only {folded} folded");
}

#[test]
fn binary_operations_with_constants_agree_with_the_interpreter() {
    for op in BinaryOp::ALL {
        let types = if is_float_op(op) {
            [Type::F32, Type::F64]
        } else {
            [Type::I32, Type::I64]
        };
        for ty in types {
            let e = edges(ty);
            let args: Vec<Vec<u64>> = e.iter().map(|&a| vec![a]).collect();
            let name = op.name();
            for &c in &e {
                let k = konst("v1", ty, c);
                // x op c, c op x, (x op c) op c, and c op d for every d.
                let right = format!(
                    "function %r({ty}) -> {ty} {{\nblock0(v0: {ty}):\n{k}    v2 = {name}.{ty} v0, v1\n    return v2\n}}\n"
                );
                let left = format!(
                    "function %l({ty}) -> {ty} {{\nblock0(v0: {ty}):\n{k}    v2 = {name}.{ty} v1, v0\n    return v2\n}}\n"
                );
                let chain = format!(
                    "function %c({ty}) -> {ty} {{\nblock0(v0: {ty}):\n{k}    v2 = {name}.{ty} v0, v1\n    v3 = {name}.{ty} v2, v1\n    return v3\n}}\n"
                );
                agrees(&right, &args);
                agrees(&left, &args);
                agrees(&chain, &args);
                for &d in &e {
                    let both = format!(
                        "function %b() -> {ty} {{\nblock0:\n{k}{}    v2 = {name}.{ty} v1, v0\n    return v2\n}}\n",
                        konst("v0", ty, d)
                    );
                    agrees(&both, &[vec![]]);
                }
            }
            // x op x.
            let same = format!(
                "function %s({ty}) -> {ty} {{\nblock0(v0: {ty}):\n    v1 = {name}.{ty} v0, v0\n    return v1\n}}\n"
            );
            agrees(&same, &args);
        }
    }
}

#[test]
fn comparisons_and_selects_agree_with_the_interpreter() {
    for ty in [Type::I32, Type::I64] {
        let e = int_edges(ty);
        let args: Vec<Vec<u64>> = e.iter().map(|&a| vec![a]).collect();
        for cc in IntCC::ALL {
            let cc = cc.name();
            for &c in &e {
                let k = konst("v1", ty, c);
                for (l, r) in [("v0", "v1"), ("v1", "v0"), ("v0", "v0"), ("v1", "v1")] {
                    // icmp, its eqz, and selects on it.
                    let text = format!(
                        "function %i({ty}) -> i32, i32, i32, {ty} {{\nblock0(v0: {ty}):\n{k}    v2 = icmp.{cc} {l}, {r}\n    v3 = eqz.i32 v2\n    v4 = iconst.i32 1\n    v5 = iconst.i32 0\n    v6 = select.i32 v3, v5, v4\n    v7 = select.{ty} v3, v0, v1\n    return v2, v3, v6, v7\n}}\n"
                    );
                    agrees(&text, &args);
                }
            }
        }
    }
    for ty in [Type::F32, Type::F64] {
        let e = float_edges(ty);
        for cc in FloatCC::ALL {
            let cc = cc.name();
            for &a in &e {
                for &b in &e {
                    let text = format!(
                        "function %f() -> i32, i32 {{\nblock0:\n{}{}    v2 = fcmp.{cc} v0, v1\n    v3 = eqz.i32 v2\n    return v2, v3\n}}\n",
                        konst("v0", ty, a),
                        konst("v1", ty, b)
                    );
                    agrees(&text, &[vec![]]);
                }
            }
            let text = format!(
                "function %g({ty}, {ty}) -> i32 {{\nblock0(v0: {ty}, v1: {ty}):\n    v2 = fcmp.{cc} v0, v1\n    v3 = eqz.i32 v2\n    return v3\n}}\n"
            );
            let args: Vec<Vec<u64>> = e
                .iter()
                .flat_map(|&a| e.iter().map(move |&b| vec![a, b]))
                .collect();
            agrees(&text, &args);
        }
    }
}
