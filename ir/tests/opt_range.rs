//! Range-proven address offsets: golden tests (`tests/golden/range/*.ir` →
//! `*.expected`, rewritten with `STRATA_BLESS=1`) and equivalence on random
//! functions and on generated counting loops.

use strata_ir::opt::range;
use strata_ir::parser::parse_function;
use strata_ir::testing::Rng;
use strata_ir::verifier::verify;

#[path = "golden/harness.rs"]
mod harness;

#[test]
fn golden_range() {
    // The output lists the bounds the pass proved (`value_bounds`) after
    // the function, as comments.
    harness::golden_text("range", 1, |input| {
        let mut f = parse_function(input).map_err(|e| e.to_string())?;
        verify(&f, true).map_err(|e| format!("invalid input: {e}"))?;
        range::run(&mut f);
        verify(&f, true).map_err(|e| format!("invalid output: {e}\n{f}"))?;
        let mut out = f.to_string();
        for (v, &b) in f.value_bounds.iter().enumerate() {
            if b != u32::MAX {
                out += &format!("; bound v{v} <= {b}\n");
            }
        }
        Ok(out)
    });
}

#[test]
fn random_functions_keep_their_behaviour() {
    harness::check_random_functions(&range::run);
}

/// A counting loop `for (i = init, q = qinit; ; i += step, q += t) { acc +=
/// heap[(i or q) + c + off]; if !((i + step or i) <cc> limit) break; }` (the
/// counter tested after or before its step) in one of three
/// shapes: the test continues the loop, the test exits it, or the test
/// continues it and a dominating guard `init <u limit` comes before the
/// loop. The constants are drawn to make the pass's conditions hold or fail
/// by one, and sums wrap or not.
fn counting_loop(rng: &mut Rng) -> String {
    fn pick(rng: &mut Rng, xs: &[u32]) -> u32 {
        xs[rng.below(xs.len() as u64) as usize]
    }
    let init = pick(rng, &[0, 1, 2, 3, 8, 100, 65_530, 0xFFFF_FFF0]);
    let step = pick(rng, &[1, 1, 2, 3, 4, 8, 0x8000_0000, 0xFFFF_FFFF]);
    let limit = pick(rng, &[0, 1, 8, 10, 16, 64, 100, 1000, 65_536, 0xFFFF_FFFF]);
    let c = pick(rng, &[0, 1, 16, 1024, 65_000, 0xFFFF_FF00, 0xFFFF_FFFF]);
    let off = pick(rng, &[0, 1, 7, 4096, 0xFFFF_FFFF]);
    let qinit = pick(rng, &[0, 8, 1024, 60_000, 0xFFFF_0000]);
    let t = pick(
        rng,
        &[0, 1, 8, 16, 1000, 0x1000_0000, 0xFFFF_FF00, 0xFFFF_FFF8],
    );
    let index = ["v5", "v40"][rng.below(2) as usize];
    let cc = ["ne", "ult", "ule", "eq", "ugt", "uge"][rng.below(6) as usize];
    // The counter tested after its step or before it.
    let tested = ["v10", "v5"][rng.below(2) as usize];
    let shape = rng.below(3);
    let (guard, test) = match shape {
        0 => ("", "brif v11, block1(v10, v9, v42), block2(v9)"),
        1 => ("", "brif v11, block2(v9), block1(v10, v9, v42)"),
        _ => (
            "    v30 = icmp.ult v1, v3\n    brif v30, block3, block2(v20)\nblock3:\n",
            "brif v11, block1(v10, v9, v42), block2(v9)",
        ),
    };
    format!(
        "function %f(i32) -> i32 {{\n\
         block0(v0: i32):\n\
         \x20   v1 = iconst.i32 {init}\n\
         \x20   v2 = iconst.i32 {step}\n\
         \x20   v3 = iconst.i32 {limit}\n\
         \x20   v4 = iconst.i32 {c}\n\
         \x20   v20 = iconst.i32 0\n\
         \x20   v41 = iconst.i32 {qinit}\n\
         \x20   v43 = iconst.i32 {t}\n\
         {guard}\
         \x20   jump block1(v1, v20, v41)\n\
         block1(v5: i32, v6: i32, v40: i32):\n\
         \x20   v7 = iadd.i32 {index}, v4\n\
         \x20   v8 = load8_u.i32 heap v7+{off}\n\
         \x20   v9 = iadd.i32 v6, v8\n\
         \x20   v10 = iadd.i32 v5, v2\n\
         \x20   v42 = iadd.i32 v40, v43\n\
         \x20   v11 = icmp.{cc} {tested}, v3\n\
         \x20   {test}\n\
         block2(v21: i32):\n\
         \x20   return v21\n\
         }}\n"
    )
}

/// Generated counting loops run the same before and after the pass (the
/// interpreter's outcome; loads only, so a wrong fold shows as a different
/// sum or trap), and the pass folds in a good share of them.
#[test]
fn counting_loops_keep_their_behaviour() {
    use strata_ir::interp::{Outcome, run, same_outcome};
    use strata_ir::parser::parse_function;
    use strata_ir::testing::env_for_tests;
    use strata_ir::verifier::verify;
    let mut rng = Rng::new(7);
    let (mut folded, mut compared) = (0, 0);
    for n in 0..3000 {
        let text = counting_loop(&mut rng);
        let f = parse_function(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        verify(&f, true).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let mut g = f.clone();
        if range::run(&mut g) {
            folded += 1;
        }
        verify(&g, true).unwrap_or_else(|e| panic!("after: {e}\n{g}"));
        // The pass moves no instruction and leaves the `iadd`s, so both run
        // the same number of instructions: even running out of fuel must
        // happen alike (a wrong fold traps in a loop that runs on).
        let o1 = run(&f, &[0], &mut env_for_tests(), 20_000);
        let o2 = run(&g, &[0], &mut env_for_tests(), 20_000);
        compared += usize::from(o1 != Outcome::OutOfFuel);
        assert!(
            o1 == o2 || same_outcome(&o1, &o2, &f.signature.results),
            "case {n}: {o1:?} became {o2:?}\n--- before\n{f}--- after\n{g}"
        );
    }
    eprintln!("{folded} folded, {compared} compared");
    assert!(
        folded > 300 && compared > 1500,
        "{folded} folded, {compared} compared"
    );
}
