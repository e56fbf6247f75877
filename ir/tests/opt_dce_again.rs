//! The second `dce` of `opt::optimize_with` runs in full only after a
//! `fold` that changed something; after `gvn` and `licm` alone it runs
//! without its mark and sweep unless its other steps changed something
//! (`dce::run_clean_with`), and not at all unless `gvn` rewrote a branch or
//! `licm` made a preheader. On golden inputs and random SSA functions, each
//! taken through the passes before it, that must give exactly what a full
//! `dce` gives.

use strata_ir::opt::domtree::DomTree;
use strata_ir::opt::{dce, fold, gvn, licm};
use strata_ir::parser::parse_function;
use strata_ir::testing::{GenConfig, Rng, random_function};
use strata_ir::{Function, verifier::verify};

#[path = "golden/harness.rs"]
mod harness;

fn inputs() -> Vec<Function> {
    let mut funcs = harness::parsed_cases(&["dce", "fold", "gvn", "licm"]);
    let mut rng = Rng::new(0xdce2);
    for k in 0..2000 {
        let cfg = GenConfig {
            max_blocks: 3 + k % 24,
            max_insts_per_block: 4 + k % 16,
            ..GenConfig::default()
        };
        funcs.push(random_function(&mut rng, &cfg));
    }
    funcs
}

#[test]
fn the_second_dce_is_skipped_only_where_it_has_nothing_to_do() {
    let (mut skipped, mut clean, mut clean_changed) = (0, 0, 0);
    for (k, input) in inputs().into_iter().enumerate() {
        // What `optimize_with` runs before the second `dce`.
        let mut f = input.clone();
        fold::run(&mut f);
        dce::run(&mut f);
        let dt = DomTree::compute(&f);
        let mut gs = gvn::Scratch::default();
        gvn::run_with(&mut f, &dt, &mut gs);
        let mut ls = licm::Scratch::default();
        licm::run_with(&mut f, &dt, &mut ls);
        if fold::run(&mut f) {
            continue;
        }
        let mut full = f.clone();
        let full_changed = dce::run(&mut full);
        if gs.rewrote_branch() || ls.created_preheaders() {
            clean += 1;
            let changed = dce::run_clean_with(&mut f, &mut dce::Scratch::default());
            clean_changed += usize::from(changed);
            assert_eq!(changed, full_changed, "function {k}:\n{input}");
        } else {
            skipped += 1;
            assert!(!full_changed, "function {k}: dce had work\n{input}\n{f}");
        }
        verify(&f, true).unwrap();
        assert_eq!(f.to_string(), full.to_string(), "function {k}:\n{input}");
    }
    // Each way is taken (about 1,700 skipped, 70 clean of which a few
    // change something, with these seeds).
    assert!(
        skipped > 500 && clean > 30,
        "{skipped} skipped, {clean} clean"
    );
    assert!(
        clean_changed > 0,
        "{clean_changed} clean runs changed something"
    );
}

#[test]
fn gvn_reports_rewritten_branches() {
    let run = |text: &str| {
        let mut f = parse_function(text).unwrap();
        let dt = DomTree::compute(&f);
        let mut s = gvn::Scratch::default();
        let changed = gvn::run_with(&mut f, &dt, &mut s);
        (changed, s.rewrote_branch())
    };
    // v2 duplicates v1; only an addition uses it.
    let body = "function %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = iadd.i32 v0, v0\n    \
                v2 = iadd.i32 v0, v0\n    v3 = imul.i32 v1, v2\n    return v3\n}\n";
    assert_eq!(run(body), (true, false));
    // Now a jump passes it to a block.
    let branch = "function %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = iadd.i32 v0, v0\n    \
                  v2 = iadd.i32 v0, v0\n    jump block1(v1, v2)\nblock1(v3: i32, v4: i32):\n    \
                  v5 = imul.i32 v3, v4\n    return v5\n}\n";
    assert_eq!(run(branch), (true, true));
}

#[test]
fn a_join_whose_arguments_gvn_made_equal_loses_its_parameter() {
    // After `gvn`, both edges into block3 pass v1: the clean `dce` removes
    // the parameter, as the full one does.
    let text = "function %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = iadd.i32 v0, v0\n    \
                brif v0, block1, block2\nblock1:\n    v2 = iadd.i32 v0, v0\n    \
                jump block3(v2)\nblock2:\n    jump block3(v1)\nblock3(v3: i32):\n    \
                return v3\n}\n";
    let mut f = parse_function(text).unwrap();
    let dt = DomTree::compute(&f);
    let mut s = gvn::Scratch::default();
    assert!(gvn::run_with(&mut f, &dt, &mut s) && s.rewrote_branch());
    let mut full = f.clone();
    assert!(dce::run(&mut full));
    assert!(dce::run_clean_with(&mut f, &mut dce::Scratch::default()));
    assert_eq!(f.to_string(), full.to_string());
    assert!(!f.to_string().contains("v3"), "{f}");
}
