//! Golden tests of `opt::dce`: each `tests/golden/dce/NAME.ir` holds an
//! SSA function; the pass's output, printed, must equal `NAME.expected`.
//! `STRATA_BLESS=1 cargo test -p strata-ir --test opt_dce` rewrites the
//! expected files. The verifier (SSA mode) checks the input and the output.
//!
//! Also: random SSA functions from `strata_ir::testing`, whose interpreted
//! outcome, memories and calls must not change, and on which a second run
//! of `dce` (after `fold` + `dce`) must change nothing.

#[path = "golden/harness.rs"]
mod harness;

use std::fs;

use strata_ir::opt::{dce, fold};
use strata_ir::parser::parse_function;

#[test]
fn golden_dce() {
    harness::golden("dce", dce::run);
}

#[test]
fn dce_reaches_a_fixpoint_in_one_run() {
    for path in harness::cases("dce") {
        let text = fs::read_to_string(&path).unwrap();
        let mut f = parse_function(&text).unwrap();
        dce::run(&mut f);
        let once = f.to_string();
        assert!(
            !dce::run(&mut f),
            "{}: a second run changed
{once}
{f}",
            path.display()
        );
        assert_eq!(f.to_string(), once);
    }
}

#[test]
fn dce_preserves_semantics_on_random_functions() {
    let stats = harness::check_equivalence(3000, 300, &dce::run);
    assert!(
        stats.changed > 100,
        "dce changed only {} functions",
        stats.changed
    );
    assert!(
        stats.compared > 600,
        "only {} runs compared",
        stats.compared
    );
}

#[test]
fn dce_is_idempotent_on_random_functions() {
    use strata_ir::testing::{GenConfig, Rng, random_function};
    for seed in 7000..7300 {
        let mut f = random_function(&mut Rng::new(seed), &GenConfig::default());
        fold::run(&mut f);
        dce::run(&mut f);
        let once = f.to_string();
        assert!(
            !dce::run(&mut f),
            "seed {seed}: a second run changed\n{once}\n{f}"
        );
    }
}
