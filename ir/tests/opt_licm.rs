//! LICM: golden tests (`tests/golden/licm/*.ir` → `*.expected`, rewritten
//! with `STRATA_BLESS=1`), loop depths (created preheaders, every block's
//! from the loop tree), and deep nesting.

use strata_ir::opt::domtree::{DomTree, LoopInfo};
use strata_ir::opt::licm;
use strata_ir::parser::parse_function;
use strata_ir::verifier::verify;
use strata_ir::{BinaryOp, BlockCall, Function, InstData, IntCC, Type};

#[path = "golden/harness.rs"]
mod harness;

fn run_licm(text: &str) -> String {
    let mut f = parse_function(text).expect("input parses");
    verify(&f, true).expect("input is valid SSA");
    licm::run(&mut f);
    if let Err(e) = verify(&f, true) {
        panic!("invalid after licm: {e}\n{f}");
    }
    f.to_string()
}

#[test]
fn golden_licm() {
    harness::golden_text("licm", 8, |text| Ok(run_licm(text)));
}

#[test]
fn created_preheader_gets_the_outer_depth() {
    let mut f = parse_function(include_str!("golden/licm/create_preheader.ir")).unwrap();
    f.blocks[1].loop_depth = 1;
    assert!(licm::run(&mut f));
    let pre = f.layout[2];
    assert_eq!(f.blocks[pre.index()].loop_depth, 0);
    assert_eq!(f.layout[3].index(), 1);
    // The loop is still a loop, now with a preheader.
    let dt = DomTree::compute(&f);
    let li = LoopInfo::compute(&f, &dt);
    assert_eq!(li.len(), 1);
    let l = li.loops().next().unwrap();
    assert_eq!(li.preheader(l, &dt), Some(pre));
}

#[test]
fn blocks_get_their_depth_in_the_loop_tree() {
    // As the frontend numbers a Wasm `loop` whose last `br_if` falls
    // through: block2 (the fall-through, after the loop's only back edge)
    // and block3 (a `loop` without a back edge) at depth 1. Neither is in a
    // loop: both become 0; the loop's header stays at 1.
    let mut f = parse_function(
        "function %f(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 1
    jump block1(v0)
block1(v2: i32):
    v3 = isub.i32 v2, v1
    brif v3, block1(v3), block2
block2:
    jump block3
block3:
    return v3
}",
    )
    .unwrap();
    for b in 1..4 {
        f.blocks[b].loop_depth = 1;
    }
    licm::run(&mut f);
    let depth = |n: usize| f.blocks[n].loop_depth;
    assert_eq!(
        (depth(0), depth(1), depth(2), depth(3)),
        (0, 1, 0, 0),
        "{f}"
    );
}

/// 2,000 nested loops, each with a counter; the innermost computes an
/// expression of the function's parameters, which must reach the outermost
/// preheader in one go.
#[test]
fn deeply_nested_loops() {
    let depth = 2_000;
    let mut f = Function::new();
    f.name = "deep".into();
    f.signature.params = vec![Type::I32, Type::I32];
    f.signature.results = vec![Type::I32];
    let entry = f.new_block();
    let a = f.append_block_param(entry, Type::I32);
    let b = f.append_block_param(entry, Type::I32);
    f.append_block_to_layout(entry);
    let headers: Vec<_> = (0..depth).map(|_| f.new_block()).collect();
    let latches: Vec<_> = (0..depth).map(|_| f.new_block()).collect();
    let exit = f.new_block();
    let zero = f.new_value(Type::I32);
    f.append_inst(entry, InstData::Iconst { dst: zero, imm: 0 }, 0);
    let args = f.make_value_list(&[zero]);
    f.append_inst(
        entry,
        InstData::Jump {
            dest: BlockCall {
                block: headers[0],
                args,
            },
        },
        0,
    );
    let mut counters = Vec::new();
    for k in 0..depth {
        let h = headers[k];
        f.append_block_to_layout(h);
        let c = f.append_block_param(h, Type::I32);
        counters.push(c);
        if k + 1 < depth {
            let args = f.make_value_list(&[zero]);
            f.append_inst(
                h,
                InstData::Jump {
                    dest: BlockCall {
                        block: headers[k + 1],
                        args,
                    },
                },
                0,
            );
        } else {
            let x = f.new_value(Type::I32);
            f.append_inst(
                h,
                InstData::Binary {
                    op: BinaryOp::Imul,
                    dst: x,
                    lhs: a,
                    rhs: b,
                },
                0,
            );
            let sink = f.new_value(Type::I32);
            f.append_inst(
                h,
                InstData::Binary {
                    op: BinaryOp::Iadd,
                    dst: sink,
                    lhs: x,
                    rhs: c,
                },
                0,
            );
            f.append_inst(
                h,
                InstData::Jump {
                    dest: BlockCall::new(latches[k]),
                },
                0,
            );
        }
    }
    for k in (0..depth).rev() {
        let l = latches[k];
        f.append_block_to_layout(l);
        let next = f.new_value(Type::I32);
        f.append_inst(
            l,
            InstData::Binary {
                op: BinaryOp::Iadd,
                dst: next,
                lhs: counters[k],
                rhs: a,
            },
            0,
        );
        let cond = f.new_value(Type::I32);
        f.append_inst(
            l,
            InstData::Icmp {
                cc: IntCC::UnsignedLessThan,
                dst: cond,
                lhs: next,
                rhs: b,
            },
            0,
        );
        let again = f.make_value_list(&[next]);
        let out = if k == 0 { exit } else { latches[k - 1] };
        f.append_inst(
            l,
            InstData::Brif {
                cond,
                then_dest: BlockCall {
                    block: headers[k],
                    args: again,
                },
                else_dest: BlockCall::new(out),
            },
            0,
        );
    }
    f.append_block_to_layout(exit);
    let r = f.make_value_list(&[a]);
    f.append_inst(exit, InstData::Return { args: r }, 0);
    verify(&f, true).unwrap();

    let dt = DomTree::compute(&f);
    let li = LoopInfo::compute(&f, &dt);
    assert_eq!(li.len(), depth);
    assert_eq!(li.block_depth(headers[depth - 1]), depth as u32);

    assert!(licm::run(&mut f));
    verify(&f, true).unwrap();
    // The multiplication now sits in the entry, before its jump.
    let entry_insts = &f.blocks[entry.index()].insts;
    assert_eq!(entry_insts.len(), 3);
    assert!(matches!(
        f.insts[entry_insts[1].index()],
        InstData::Binary {
            op: BinaryOp::Imul,
            ..
        }
    ));
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
fn licm_preserves_semantics_of_random_functions() {
    check_pass_preserves_semantics(licm::run);
}
