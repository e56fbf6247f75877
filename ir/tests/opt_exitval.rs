//! Loop exit values: golden tests (`tests/golden/exitval/*.ir` →
//! `*.expected`, rewritten with `STRATA_BLESS=1`) and equivalence on random
//! functions and on generated scan loops.

use strata_ir::opt::exitval;
use strata_ir::testing::Rng;

#[path = "golden/harness.rs"]
mod harness;

#[test]
fn golden_exitval() {
    harness::golden_cases("exitval", 6, exitval::run);
}

#[test]
fn random_functions_keep_their_behaviour() {
    harness::check_random_functions(&exitval::run);
}

/// A loop `p = init; loop { v = heap[p & 255]; n = p + c; if (v <cc> x)
/// exit; p = n; }` (i32 or i64, the constant on either side), then uses of
/// `p` after it in one of three shapes: returned, combined with the
/// argument, or passed to a join block with `n`.
fn scan_loop(rng: &mut Rng) -> String {
    let shape = harness::CountingLoop::random(rng);
    let (load, index) = shape.masked_load("v1");
    let harness::CountingLoop {
        ty,
        init,
        c,
        cc,
        add,
    } = shape;
    let tail = match rng.below(3) {
        0 => "block3:\n    return v1\n".to_string(),
        1 => format!(
            "block3:\n    v9 = imul.{ty} v1, v0\n    v10 = iadd.{ty} v9, v4\n    return v10\n"
        ),
        _ => format!(
            "block3:\n    v9 = icmp.ult v1, v0\n    brif v9, block4(v1), block4(v4)\n\
             block4(v11: {ty}):\n    return v11\n"
        ),
    };
    format!(
        "function %f({ty}) -> {ty} {{\n\
         block0(v0: {ty}):\n\
         \x20   v7 = iconst.{ty} {init}\n\
         \x20   v3 = iconst.{ty} {c}\n\
         \x20   v20 = iconst.{ty} 255\n\
         \x20   jump block1(v7)\n\
         block1(v1: {ty}):\n\
         {index}\
         \x20   v2 = {load} heap v21+1024\n\
         \x20   v4 = {add}\n\
         \x20   v6 = icmp.{cc} v2, v0\n\
         \x20   brif v6, block3, block2\n\
         block2:\n\
         \x20   jump block1(v4)\n\
         {tail}\
         }}\n"
    )
}

/// Generated scan loops run the same before and after the pass (a wrong
/// recomputation shows as a different result), and the pass rewrites a
/// good share of them. The pass adds instructions only after the loop, so
/// the loop itself runs alike, out of fuel included.
#[test]
fn scan_loops_keep_their_behaviour() {
    let pass = |f: &mut strata_ir::Function| exitval::run(f);
    let (changed, compared) = harness::check_generated(11, 2000, scan_loop, &pass, false);
    assert!(
        changed == 2000 && compared > 5000,
        "{changed} changed, {compared} compared"
    );
}
