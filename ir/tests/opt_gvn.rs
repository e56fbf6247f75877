//! GVN: golden tests (`tests/golden/gvn/*.ir` → `*.expected`, rewritten
//! with `STRATA_BLESS=1`) and structural checks on large inputs.

use strata_ir::opt::gvn;
use strata_ir::parser::parse_function;
use strata_ir::verifier::verify;
use strata_ir::{BinaryOp, BlockCall, Function, InstData, Type};

#[path = "golden/harness.rs"]
mod harness;

fn run_gvn(text: &str) -> String {
    let mut f = parse_function(text).expect("input parses");
    verify(&f, true).expect("input is valid SSA");
    gvn::run(&mut f);
    if let Err(e) = verify(&f, true) {
        panic!("invalid after gvn: {e}\n{f}");
    }
    f.to_string()
}

#[test]
fn golden_gvn() {
    harness::golden_text("gvn", 6, |text| Ok(run_gvn(text)));
}

#[test]
fn unchanged_function_reports_no_change() {
    let mut f = parse_function(
        "function %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = iadd.i32 v0, v0\n    return v1\n}\n",
    )
    .unwrap();
    assert!(!gvn::run(&mut f));
}

/// 10,000 blocks in a chain, each repeating the entry's expression: no stack
/// overflow, and every repeat goes.
#[test]
fn deep_chain_is_numbered_without_recursion() {
    let mut f = Function::new();
    f.name = "chain".into();
    f.signature.params = vec![Type::I32];
    f.signature.results = vec![Type::I32];
    let n = 10_000;
    let blocks: Vec<_> = (0..n).map(|_| f.new_block()).collect();
    let x = f.append_block_param(blocks[0], Type::I32);
    let mut last = x;
    for (k, &b) in blocks.iter().enumerate() {
        f.append_block_to_layout(b);
        let dst = f.new_value(Type::I32);
        f.append_inst(
            b,
            InstData::Binary {
                op: BinaryOp::Iadd,
                dst,
                lhs: x,
                rhs: x,
            },
            0,
        );
        last = dst;
        let term = if k + 1 < n {
            InstData::Jump {
                dest: BlockCall::new(blocks[k + 1]),
            }
        } else {
            let args = f.make_value_list(&[last]);
            InstData::Return { args }
        };
        f.append_inst(b, term, 0);
    }
    let _ = last;
    verify(&f, true).unwrap();
    assert!(gvn::run(&mut f));
    verify(&f, true).unwrap();
    let total: usize = f
        .layout
        .iter()
        .map(|b| f.blocks[b.index()].insts.len())
        .sum();
    assert_eq!(total, n + 1);
}

/// Runs `pass` on 500 random functions and checks, for a few
/// argument sets each, that the interpreter's outcome (traps included, any
/// NaN equal to any NaN) and the final heap and vm contents are unchanged,
/// and that the result verifies. Runs out of fuel are skipped.
fn check_pass_preserves_semantics(pass: impl Fn(&mut Function) -> bool) {
    use strata_ir::interp::{Outcome, run, same_outcome};
    use strata_ir::testing::{GenConfig, Rng, env_for_tests, random_args, random_function};
    let cfg = GenConfig::default();
    let mut changed = 0;
    for seed in 0..500u64 {
        let mut rng = Rng::new(seed);
        let f = random_function(&mut rng, &cfg);
        let mut g = f.clone();
        if pass(&mut g) {
            changed += 1;
        }
        if let Err(e) = verify(&g, true) {
            panic!("seed {seed}: invalid after the pass: {e}\n{f}\n{g}");
        }
        for _ in 0..3 {
            let args = random_args(&mut rng, &f.signature);
            let mut e1 = env_for_tests();
            let o1 = run(&f, &args, &mut e1, 20_000);
            let mut e2 = env_for_tests();
            let o2 = run(&g, &args, &mut e2, 20_000);
            if o1 == Outcome::OutOfFuel || o2 == Outcome::OutOfFuel {
                continue;
            }
            assert!(
                same_outcome(&o1, &o2, &f.signature.results)
                    && e1.heap == e2.heap
                    && e1.vm == e2.vm,
                "seed {seed}, args {args:x?}: {o1:?} became {o2:?} (or memory differs)\n{f}\n{g}"
            );
        }
    }
    assert!(
        changed > 50,
        "the pass changed only {changed} random functions"
    );
}

#[test]
fn gvn_preserves_semantics_of_random_functions() {
    check_pass_preserves_semantics(gvn::run);
}

#[test]
fn gvn_then_licm_preserves_semantics_of_random_functions() {
    check_pass_preserves_semantics(|f| {
        let a = gvn::run(f);
        let b = strata_ir::opt::licm::run(f);
        a | b
    });
}

#[test]
fn uses_in_unreachable_blocks_are_rewritten_too() {
    // block1 is in the layout but not reachable, so the walk never visits
    // it; its use of the deleted v2 still becomes v1.
    let text = "function %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = iadd.i32 v0, v0\n    \
                v2 = iadd.i32 v0, v0\n    v3 = imul.i32 v1, v2\n    return v3\n\
                block1:\n    v4 = iadd.i32 v2, v0\n    return v4\n}\n";
    let mut f = parse_function(text).unwrap();
    verify(&f, true).expect("input is valid");
    assert!(gvn::run(&mut f));
    verify(&f, true).unwrap_or_else(|e| panic!("{e}\n{f}"));
    let out = f.to_string();
    assert!(out.contains("v4 = iadd.i32 v1, v0"), "{out}");
    assert!(!out.contains("v2"), "{out}");
}
