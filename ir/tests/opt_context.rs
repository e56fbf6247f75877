//! The passes' reusable buffers (`opt::Context`, and the thread-local one
//! `opt::optimize` uses) must not change any result: one context reused
//! over many functions of varied sizes (golden inputs and random SSA
//! functions, large ones between small ones) gives exactly what a fresh
//! context gives for each function.

use strata_ir::Function;
use strata_ir::opt::{Context, OptOptions, optimize, optimize_with};
use strata_ir::testing::{GenConfig, Rng, random_function};

#[path = "golden/harness.rs"]
mod harness;

fn inputs() -> Vec<Function> {
    let mut funcs = harness::parsed_cases(&["dce", "fold", "gvn", "licm"]);
    let mut rng = Rng::new(0x5eed);
    for k in 0..300 {
        let big = k % 7 == 0;
        let cfg = GenConfig {
            max_blocks: if big { 120 } else { 3 + k % 20 },
            max_insts_per_block: if big { 16 } else { 8 },
            ..GenConfig::default()
        };
        funcs.push(random_function(&mut rng, &cfg));
    }
    funcs
}

#[test]
fn a_reused_context_changes_nothing() {
    let opts = OptOptions { verify: true };
    let mut shared = Context::new();
    for (k, f) in inputs().into_iter().enumerate() {
        let mut fresh = f.clone();
        optimize_with(&mut fresh, &opts, &mut Context::new());
        let mut reused = f.clone();
        optimize_with(&mut reused, &opts, &mut shared);
        assert_eq!(reused.to_string(), fresh.to_string(), "function {k}:\n{f}");
        let mut local = f;
        optimize(&mut local, &opts);
        assert_eq!(
            local.to_string(),
            fresh.to_string(),
            "function {k} (thread context)"
        );
    }
}
