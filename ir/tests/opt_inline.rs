//! Inlining: golden tests (`tests/golden/inline/*.ir` → `*.expected`,
//! rewritten with `STRATA_BLESS=1`; the first function is the caller, and
//! `call direct(N)` calls the function named `%fN`), source locations, loop
//! depths and the growth budget.

use strata_ir::opt::inline::{InlineBudget, inline_calls};
use strata_ir::parser::parse_functions;
use strata_ir::verifier::verify;
use strata_ir::{CallKind, Function};

#[path = "golden/harness.rs"]
mod harness;

/// Inlines into the first of `funcs`, looking callees up by name.
fn inline_first(funcs: &[Function], budget: &InlineBudget) -> (Function, bool) {
    let mut caller = funcs[0].clone();
    let lookup = |k: CallKind| match k {
        CallKind::Direct { slot } => funcs.iter().find(|f| f.name == format!("f{slot}")),
        _ => None,
    };
    let changed = inline_calls(&mut caller, &lookup, budget);
    if let Err(e) = verify(&caller, true) {
        panic!("invalid after inlining: {e}\n{caller}");
    }
    (caller, changed)
}

fn run_inline(text: &str) -> String {
    let funcs = parse_functions(text).expect("input parses");
    for f in &funcs {
        verify(f, true).expect("input is valid SSA");
    }
    let (caller, _) = inline_first(&funcs, &InlineBudget::default());
    caller.to_string()
}

#[test]
fn golden_inline() {
    harness::golden_text("inline", 6, |text| Ok(run_inline(text)));
}

#[test]
fn inlined_code_keeps_the_call_site_srcloc_and_adds_loop_depth() {
    let mut funcs = parse_functions(include_str!("golden/inline/callee_loop.ir")).expect("parses");
    funcs[0].blocks[0].loop_depth = 2;
    let call = funcs[0].blocks[0].insts[0];
    funcs[0].srclocs[call.index()] = 1234;
    funcs[1].blocks[1].loop_depth = 1;
    let (caller, changed) = inline_first(&funcs, &InlineBudget::default());
    assert!(changed);
    // block0, the callee's three blocks, the continuation.
    assert_eq!(caller.layout.len(), 5);
    let depths: Vec<u32> = caller
        .layout
        .iter()
        .map(|b| caller.blocks[b.index()].loop_depth)
        .collect();
    assert_eq!(depths, [2, 2, 3, 2, 2]);
    for &b in &caller.layout[1..4] {
        for &i in &caller.blocks[b.index()].insts {
            assert_eq!(caller.srclocs[i.index()], 1234);
        }
    }
}

#[test]
fn growth_budget_limits_the_number_of_inlined_calls() {
    let funcs = parse_functions(include_str!("golden/inline/two_calls.ir")).expect("parses");
    // The callee has 7 instructions: room for one copy only.
    let budget = InlineBudget {
        max_callee_insts: 30,
        max_growth: 10,
    };
    let (caller, changed) = inline_first(&funcs, &budget);
    assert!(changed);
    let calls = caller
        .layout
        .iter()
        .flat_map(|b| &caller.blocks[b.index()].insts)
        .filter(|i| matches!(caller.insts[i.index()], strata_ir::InstData::Call { .. }))
        .count();
    assert_eq!(calls, 1);
    let budget = InlineBudget {
        max_callee_insts: 6,
        max_growth: 100,
    };
    let (_, changed) = inline_first(&funcs, &budget);
    assert!(!changed);
}

/// An IR callee that computes exactly what `strata_ir::testing::test_call`
/// returns for callee `k` (and traps where it traps).
fn callee_ir(k: usize) -> String {
    use std::fmt::Write;
    use strata_ir::Type;
    use strata_ir::testing::{CALLEES, TRAPPING_CALLEE, callee_slot};
    let (params, results) = CALLEES[k];
    let mut s = String::new();
    let names = |ts: &[Type]| ts.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ");
    let _ = write!(s, "function %f{}({})", callee_slot(k), names(params));
    if !results.is_empty() {
        let _ = write!(s, " -> {}", names(results));
    }
    s.push_str(" {\nblock0(");
    let ps: Vec<String> = params
        .iter()
        .enumerate()
        .map(|(i, t)| format!("v{i}: {t}"))
        .collect();
    s.push_str(&ps.join(", "));
    s.push_str("):\n");
    let mut n = params.len();
    let mut fresh = || {
        n += 1;
        n - 1
    };
    if k == TRAPPING_CALLEE {
        let (c, a, t) = (fresh(), fresh(), fresh());
        let _ = writeln!(s, "    v{c} = iconst.i32 15\n    v{a} = band.i32 v0, v{c}");
        let _ = writeln!(
            s,
            "    v{t} = icmp.eq v{a}, v{c}\n    trapif v{t}, unreachable"
        );
    }
    let mut h = fresh();
    let _ = writeln!(
        s,
        "    v{h} = iconst.i64 {}",
        0x51_7cc1_b727_220a_i64 + k as i64
    );
    let mul = fresh();
    let _ = writeln!(
        s,
        "    v{mul} = iconst.i64 {}",
        0x9e37_79b9_7f4a_7c15_u64 as i64
    );
    let sh = fresh();
    let _ = writeln!(s, "    v{sh} = iconst.i64 29");
    for (i, t) in params.iter().enumerate() {
        let a = match t {
            Type::I64 => i,
            Type::I32 => {
                let a = fresh();
                let _ = writeln!(s, "    v{a} = uext_i32.i64 v{i}");
                a
            }
            Type::F64 => {
                let a = fresh();
                let _ = writeln!(s, "    v{a} = reinterpret.i64 v{i}");
                a
            }
            Type::F32 => {
                let (b, a) = (fresh(), fresh());
                let _ = writeln!(
                    s,
                    "    v{b} = reinterpret.i32 v{i}\n    v{a} = uext_i32.i64 v{b}"
                );
                a
            }
        };
        let (x, m, y, h2) = (fresh(), fresh(), fresh(), fresh());
        let _ = writeln!(
            s,
            "    v{x} = bxor.i64 v{h}, v{a}\n    v{m} = imul.i64 v{x}, v{mul}"
        );
        let _ = writeln!(
            s,
            "    v{y} = ushr.i64 v{m}, v{sh}\n    v{h2} = bxor.i64 v{m}, v{y}"
        );
        h = h2;
    }
    let mut rets = Vec::new();
    for (i, t) in results.iter().enumerate() {
        let (c, r) = (fresh(), fresh());
        let _ = writeln!(
            s,
            "    v{c} = iconst.i64 {}\n    v{r} = rotl.i64 v{h}, v{c}",
            17 * i
        );
        let out = match t {
            Type::I64 => r,
            Type::I32 => {
                let o = fresh();
                let _ = writeln!(s, "    v{o} = wrap.i32 v{r}");
                o
            }
            Type::F32 | Type::F64 => {
                let (m, q, cf, k1000, o) = (fresh(), fresh(), fresh(), fresh(), fresh());
                let bits = if *t == Type::F32 {
                    format!("{:#x}", 1000.0f32.to_bits())
                } else {
                    format!("{:#x}", 1000.0f64.to_bits())
                };
                let _ = writeln!(
                    s,
                    "    v{m} = iconst.i64 2001\n    v{q} = urem.i64 v{r}, v{m}"
                );
                let _ = writeln!(
                    s,
                    "    v{cf} = convert_u.{t} v{q}\n    v{k1000} = fconst.{t} {bits}"
                );
                let _ = writeln!(s, "    v{o} = fsub.{t} v{cf}, v{k1000}");
                o
            }
        };
        rets.push(format!("v{out}"));
    }
    s.push_str("    return");
    if !rets.is_empty() {
        let _ = write!(s, " {}", rets.join(", "));
    }
    s.push_str("\n}\n");
    s
}

/// The IR callees agree with the interpreter's call callback.
#[test]
fn ir_callees_match_the_test_callback() {
    use strata_ir::interp::{Outcome, run};
    use strata_ir::testing::{CALLEES, Rng, callee_slot, env_for_tests, random_args, test_call};
    let mut rng = Rng::new(7);
    for k in 0..CALLEES.len() {
        let text = callee_ir(k);
        let f = strata_ir::parser::parse_function(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        verify(&f, true).unwrap_or_else(|e| panic!("{e}\n{text}"));
        for _ in 0..50 {
            let args = random_args(&mut rng, &f.signature);
            let want = match test_call(
                CallKind::Direct {
                    slot: callee_slot(k),
                },
                &args,
            ) {
                Ok(v) => Outcome::Returned(v),
                Err(t) => Outcome::Trapped(t),
            };
            let got = run(&f, &args, &mut env_for_tests(), 10_000);
            assert_eq!(got, want, "callee {k}, args {args:x?}\n{text}");
        }
    }
}

/// Random callers whose calls are inlined with IR callees equivalent to the
/// test callback: same outcome, same memory, valid IR.
#[test]
fn inlining_preserves_semantics_of_random_functions() {
    use strata_ir::interp::{Outcome, run, same_outcome};
    use strata_ir::testing::{
        CALLEES, GenConfig, Rng, callee_index, env_for_tests, random_args, random_function,
    };
    let callees: Vec<Function> = (0..CALLEES.len())
        .map(|k| strata_ir::parser::parse_function(&callee_ir(k)).unwrap())
        .collect();
    let lookup = |kind: CallKind| callee_index(kind).map(|k| &callees[k]);
    let budget = InlineBudget {
        max_callee_insts: 100,
        max_growth: 10_000,
    };
    let cfg = GenConfig::default();
    let mut changed = 0;
    for seed in 0..500u64 {
        let mut rng = Rng::new(seed);
        let f = random_function(&mut rng, &cfg);
        let mut g = f.clone();
        if inline_calls(&mut g, &lookup, &budget) {
            changed += 1;
        }
        if let Err(e) = verify(&g, true) {
            panic!("seed {seed}: invalid after inlining: {e}\n{f}\n{g}");
        }
        for _ in 0..3 {
            let args = random_args(&mut rng, &f.signature);
            let mut e1 = env_for_tests();
            let o1 = run(&f, &args, &mut e1, 20_000);
            let mut e2 = env_for_tests();
            let o2 = run(&g, &args, &mut e2, 200_000);
            if o1 == Outcome::OutOfFuel || o2 == Outcome::OutOfFuel {
                continue;
            }
            assert!(
                same_outcome(&o1, &o2, &f.signature.results)
                    && e1.heap == e2.heap
                    && e1.vm == e2.vm,
                "seed {seed}, args {args:x?}: {o1:?} became {o2:?}\n{f}\n{g}"
            );
        }
    }
    assert!(
        changed > 50,
        "inlining changed only {changed} random functions"
    );
}
