//! The optimizing tier's passes over SSA IR, one file each, and the
//! pipeline that runs them.
//!
//! Every pass takes a function in SSA form (block parameters, one definition
//! per value) and leaves it in SSA form. A pass states in its docs what it
//! requires (e.g. the dominator tree) and what it preserves. In debug builds
//! the verifier runs after every pass.
//!
//! | pass | file | does |
//! | --- | --- | --- |
//! | fold | `fold.rs` | constant folding and algebraic simplification (Wasm-exact) |
//! | dce | `dce.rs` | dead code, unreachable blocks, branch folding, copy propagation, redundant block parameters |
//! | gvn | `gvn.rs` | dominator-based value numbering of pure instructions, redundant load elimination |
//! | licm | `licm.rs` | loop-invariant code motion of pure, non-trapping instructions |
//! | inline | `inline.rs` | inlining of small direct callees within a size budget |
//!
//! `domtree.rs` holds the dominator tree and loop analysis the passes share.

pub mod dce;
pub mod domtree;
pub mod fold;
pub mod gvn;
pub mod inline;
pub mod licm;

use crate::Function;

/// Which passes run.
#[derive(Clone, Copy, Debug)]
pub struct OptOptions {
    /// Run the verifier after each pass and panic on an error (tests, debug).
    pub verify: bool,
}

impl Default for OptOptions {
    fn default() -> Self {
        OptOptions {
            verify: cfg!(debug_assertions),
        }
    }
}

fn check(func: &Function, pass: &str, opts: &OptOptions) {
    if opts.verify
        && let Err(e) = crate::verifier::verify(func, true)
    {
        panic!("IR invalid after {pass}: {e}\n{func}");
    }
}

/// Runs the function-local pipeline on an SSA function (inlining is done
/// before, at module level, by [`inline`]).
pub fn optimize(func: &mut Function, opts: &OptOptions) {
    check(func, "SSA construction", opts);
    fold::run(func);
    check(func, "fold", opts);
    dce::run(func);
    check(func, "dce", opts);
    gvn::run(func);
    check(func, "gvn", opts);
    licm::run(func);
    check(func, "licm", opts);
    fold::run(func);
    check(func, "fold (2)", opts);
    dce::run(func);
    check(func, "dce (2)", opts);
}
