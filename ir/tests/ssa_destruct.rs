//! `ssa::destruct` preserves behaviour: random SSA functions and random
//! parallel copies on loop back edges compute the same outcome before and
//! after leaving SSA, and the result is valid non-SSA IR with no block
//! parameters but the entry's.

use strata_ir::interp::{Outcome, run};
use strata_ir::ssa::destruct;
use strata_ir::testing::{GenConfig, Rng, env_for_tests, random_args, random_function};
use strata_ir::verifier::verify;
use strata_ir::{BinaryOp, BlockCall, Function, InstData, IntCC, Type, Value};

const FUEL: u64 = 20_000;

/// Destructs a copy of `f` and checks it against `f` on `runs` random inputs;
/// returns how many runs returned normally.
fn check_same(f: &Function, rng: &mut Rng, runs: usize, what: &str) -> usize {
    verify(f, true).unwrap_or_else(|e| panic!("{what}: input invalid: {e}\n{f}"));
    let mut g = f.clone();
    destruct(&mut g);
    verify(&g, false).unwrap_or_else(|e| panic!("{what}: {e}\n{f}\n{g}"));
    for &b in &g.layout[1..] {
        assert!(g.blocks[b.index()].params.is_empty(), "{what}: {b}\n{g}");
    }
    let mut returned = 0;
    for _ in 0..runs {
        let args = random_args(rng, &f.signature);
        let mut env_before = env_for_tests();
        let before = run(f, &args, &mut env_before, FUEL);
        if before == Outcome::OutOfFuel {
            continue;
        }
        // Copies cost fuel too.
        let mut env_after = env_for_tests();
        let after = run(&g, &args, &mut env_after, FUEL * 20);
        assert_eq!(before, after, "{what}, args {args:?}\n{f}\n{g}");
        assert!(
            env_before.heap == env_after.heap && env_before.vm == env_after.vm,
            "{what}: memory differs, args {args:?}\n{f}\n{g}"
        );
        returned += matches!(before, Outcome::Returned(_)) as usize;
    }
    returned
}

#[test]
fn random_functions_behave_the_same_after_destruction() {
    let cfgs = [
        GenConfig::default(),
        GenConfig {
            max_blocks: 40,
            max_insts_per_block: 4,
            ..GenConfig::default()
        },
        GenConfig {
            allow_traps: false,
            ..GenConfig::default()
        },
    ];
    let mut returned = 0;
    for seed in 0..1000u64 {
        let mut rng = Rng::new(seed);
        let f = random_function(&mut rng, &cfgs[seed as usize % cfgs.len()]);
        returned += check_same(&f, &mut rng, 3, &format!("seed {seed}"));
    }
    assert!(returned > 1500, "{returned}");
}

/// `n` loop-carried values of one type, permuted (with duplicates and
/// constants) on every trip around the loop; returns a hash of all of them.
fn permutation_loop(rng: &mut Rng, n: usize, ty: Type) -> Function {
    let mut f = Function::new();
    f.name = "perm".into();
    f.signature.params = vec![Type::I32];
    f.signature.results = vec![Type::I64];
    let b0 = f.new_block();
    let count = f.append_block_param(b0, Type::I32);
    let header = f.new_block();
    let exit = f.new_block();
    for b in [b0, header, exit] {
        f.append_block_to_layout(b);
    }
    // Entry: distinct initial values, counter masked to 0..=7 extra trips.
    let mut init: Vec<Value> = (0..n)
        .map(|i| {
            let dst = f.new_value(ty);
            f.append_inst(
                b0,
                InstData::Iconst {
                    dst,
                    imm: 1 + i as i64,
                },
                0,
            );
            dst
        })
        .collect();
    let seven = f.new_value(Type::I32);
    f.append_inst(b0, InstData::Iconst { dst: seven, imm: 7 }, 0);
    let c0 = f.new_value(Type::I32);
    f.append_inst(
        b0,
        InstData::Binary {
            op: BinaryOp::And,
            dst: c0,
            lhs: count,
            rhs: seven,
        },
        0,
    );
    init.push(c0);
    let args = f.make_value_list(&init);
    f.append_inst(
        b0,
        InstData::Jump {
            dest: BlockCall {
                block: header,
                args,
            },
        },
        0,
    );
    // Header: the parameters, then the counter.
    let params: Vec<Value> = (0..n).map(|_| f.append_block_param(header, ty)).collect();
    let c = f.append_block_param(header, Type::I32);
    f.blocks[header.index()].loop_depth = 1;
    let one = f.new_value(Type::I32);
    f.append_inst(header, InstData::Iconst { dst: one, imm: 1 }, 0);
    let c1 = f.new_value(Type::I32);
    f.append_inst(
        header,
        InstData::Binary {
            op: BinaryOp::Isub,
            dst: c1,
            lhs: c,
            rhs: one,
        },
        0,
    );
    let konst = f.new_value(ty);
    f.append_inst(
        header,
        InstData::Iconst {
            dst: konst,
            imm: 100,
        },
        0,
    );
    let more = f.new_value(Type::I32);
    f.append_inst(
        header,
        InstData::Icmp {
            cc: IntCC::SignedGreaterThanOrEqual,
            dst: more,
            lhs: c1,
            rhs: one,
        },
        0,
    );
    // A random permutation, then a few entries overwritten by a duplicate
    // or a constant.
    let mut next = params.clone();
    for i in (1..n).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        next.swap(i, j);
    }
    for _ in 0..rng.below(3) {
        let i = rng.below(n as u64) as usize;
        next[i] = if rng.chance(50) {
            konst
        } else {
            params[rng.below(n as u64) as usize]
        };
    }
    next.push(c1);
    let back = f.make_value_list(&next);
    f.append_inst(
        header,
        InstData::Brif {
            cond: more,
            then_dest: BlockCall {
                block: header,
                args: back,
            },
            else_dest: BlockCall::new(exit),
        },
        0,
    );
    // Exit: h = sum of p_i * 1000^i in i64.
    let wide = |f: &mut Function, v: Value| {
        if ty == Type::I64 {
            return v;
        }
        let dst = f.new_value(Type::I64);
        f.append_inst(
            exit,
            InstData::Unary {
                op: strata_ir::UnaryOp::UextI32,
                dst,
                arg: v,
            },
            0,
        );
        dst
    };
    let k = f.new_value(Type::I64);
    f.append_inst(exit, InstData::Iconst { dst: k, imm: 1000 }, 0);
    let mut h = f.new_value(Type::I64);
    f.append_inst(exit, InstData::Iconst { dst: h, imm: 0 }, 0);
    for &p in &params {
        let p = wide(&mut f, p);
        let m = f.new_value(Type::I64);
        f.append_inst(
            exit,
            InstData::Binary {
                op: BinaryOp::Imul,
                dst: m,
                lhs: h,
                rhs: k,
            },
            0,
        );
        let s = f.new_value(Type::I64);
        f.append_inst(
            exit,
            InstData::Binary {
                op: BinaryOp::Iadd,
                dst: s,
                lhs: m,
                rhs: p,
            },
            0,
        );
        h = s;
    }
    let ret = f.make_value_list(&[h]);
    f.append_inst(exit, InstData::Return { args: ret }, 0);
    f
}

#[test]
fn random_parallel_copies_on_back_edges() {
    let mut rng = Rng::new(77);
    for round in 0..200 {
        let n = 1 + round % 6;
        let ty = if round % 2 == 0 { Type::I32 } else { Type::I64 };
        let f = permutation_loop(&mut rng, n, ty);
        let returned = check_same(&f, &mut rng, 4, &format!("round {round}"));
        assert_eq!(returned, 4);
    }
}

#[test]
fn destruction_of_non_ssa_input_without_args_changes_nothing() {
    let mut rng = Rng::new(3);
    let f = permutation_loop(&mut rng, 3, Type::I32);
    let mut g = f.clone();
    destruct(&mut g);
    let mut h = g.clone();
    destruct(&mut h);
    assert_eq!(g.to_string(), h.to_string());
}
