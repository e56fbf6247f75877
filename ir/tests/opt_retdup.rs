//! Return blocks copied for the entry: golden tests
//! (`tests/golden/retdup/*.ir` → `*.expected`, rewritten with
//! `STRATA_BLESS=1`) and equivalence on random functions.

use strata_ir::opt::retdup;

#[path = "golden/harness.rs"]
mod harness;

#[test]
fn golden_retdup() {
    harness::golden_cases("retdup", 7, retdup::run);
}

#[test]
fn random_functions_keep_their_behaviour() {
    harness::check_random_functions(&retdup::run);
}
