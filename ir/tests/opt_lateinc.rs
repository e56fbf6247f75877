//! Late increments: golden tests (`tests/golden/lateinc/*.ir` →
//! `*.expected`, rewritten with `STRATA_BLESS=1`) and equivalence on random
//! functions and on generated counting loops.

use strata_ir::opt::lateinc;
use strata_ir::testing::Rng;

#[path = "golden/harness.rs"]
mod harness;

#[test]
fn golden_lateinc() {
    harness::golden_cases("lateinc", 7, lateinc::run);
}

#[test]
fn random_functions_keep_their_behaviour() {
    harness::check_random_functions(&lateinc::run);
}

/// A one-block loop `p, s = init, 0; loop { n = p + c; s += heap[n & 255];
/// t = s ^ p; if (exit) break; p, s = n, t }` (i32 or i64, the constant on
/// either side, the back edge on either arm), exiting on `n` or on `t`
/// against the argument, and returning `n`, `t` or both combined; or the
/// same latch after a header that returns `s` when `heap[p & 255]` is 77.
fn counting_loop(rng: &mut Rng) -> String {
    let shape = harness::CountingLoop::random(rng);
    let (load, index) = shape.masked_load("v4");
    let harness::CountingLoop {
        ty,
        init,
        c,
        cc,
        add,
    } = shape;
    let exit_on = harness::pick(rng, &["v4", "v9"]);
    let branch = if rng.below(2) == 0 {
        "brif v6, block2, block1(v4, v9)"
    } else {
        "brif v6, block1(v4, v9), block2"
    };
    // Half the loops get a header of their own before the latch, which
    // reads `p` too and leaves the loop when a byte is 77.
    let header = if rng.below(2) == 0 {
        String::new()
    } else {
        let addr = if ty == "i32" {
            "v41"
        } else {
            "v46\n    v46 = wrap.i32 v41"
        };
        let (addr_use, addr_def) = addr.split_once('\n').unwrap_or((addr, ""));
        format!(
            "    v41 = band.{ty} v1, v20\n{addr_def}{nl}\
             \x20   v42 = load8_u.i32 heap {addr_use}+1024\n\
             \x20   v44 = iconst.i32 77\n\
             \x20   v45 = icmp.eq v42, v44\n\
             \x20   brif v45, block4, block3\n\
             block3:\n",
            nl = if addr_def.is_empty() { "" } else { "\n" }
        )
    };
    let ret = match rng.below(3) {
        0 => "    return v4\n".to_string(),
        1 => "    return v9\n".to_string(),
        _ => format!("    v10 = imul.{ty} v4, v9\n    return v10\n"),
    };
    let early = if header.is_empty() {
        ""
    } else {
        "block4:\n    return v31\n"
    };
    format!(
        "function %f({ty}) -> {ty} {{\n\
         block0(v0: {ty}):\n\
         \x20   v7 = iconst.{ty} {init}\n\
         \x20   v3 = iconst.{ty} {c}\n\
         \x20   v20 = iconst.{ty} 255\n\
         \x20   v30 = iconst.{ty} 0\n\
         \x20   jump block1(v7, v30)\n\
         block1(v1: {ty}, v31: {ty}):\n\
         {header}\
         \x20   v4 = {add}\n\
         {index}\
         \x20   v2 = {load} heap v21+1024\n\
         \x20   v8 = iadd.{ty} v31, v2\n\
         \x20   v9 = bxor.{ty} v8, v1\n\
         \x20   v6 = icmp.{cc} {exit_on}, v0\n\
         \x20   {branch}\n\
         block2:\n\
         {ret}\
         {early}\
         }}\n"
    )
}

/// Generated counting loops run the same before and after the pass (a
/// wrong rewrite shows as a different result), and the pass rewrites every
/// one of them: `p` is read after `n` in the latch, and only in the loop.
#[test]
fn counting_loops_keep_their_behaviour() {
    let pass = |f: &mut strata_ir::Function| lateinc::run(f);
    let (changed, compared) = harness::check_generated(23, 2000, counting_loop, &pass, true);
    assert!(
        changed == 2000 && compared > 3000,
        "{changed} changed, {compared} compared"
    );
}

/// The generator makes both shapes, and the two-block one parses as a loop
/// with a separate latch.
#[test]
fn counting_loops_come_in_both_shapes() {
    let mut rng = Rng::new(5);
    let (mut one, mut two) = (0, 0);
    for _ in 0..40 {
        let text = counting_loop(&mut rng);
        let f = strata_ir::parser::parse_function(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        if text.contains("block3:") {
            two += 1;
            assert_eq!(f.layout.len(), 5, "{text}");
        } else {
            one += 1;
        }
    }
    assert!(one > 5 && two > 5, "{one} one-block, {two} two-block loops");
}
