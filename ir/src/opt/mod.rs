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
//! | range | `range.rs` | heap address `(x + c) + o` → `x + (o + c)` when bounds of `x` (loop counters, branch conditions) prove no 32-bit wrap |
//! | exitval | `exitval.rs` | a loop header's parameter `p` read after the loop becomes `n - c` there, where the header computes `n = p + c` (frees the back edge of a copy) |
//! | lateinc | `lateinc.rs` | in a loop whose latch ends in a conditional branch and reads `p` after `n = p + c`, `n` is computed again after `p`'s last read for the back edge (frees it of a copy and a `jmp`) |
//! | retdup | `retdup.rs` | a small return block the entry block shares with other paths is copied for the entry's edge (an early exit the code generator runs without a frame) |
//! | vmlocal | `vmlocal.rs` | a `vmctx` value used outside its block is read again in each block that uses it (no VMContext copy lives across blocks and calls); run once, by [`finish`], after the last round |
//! | layout | `layout.rs` | block order: each loop contiguous, header first, its exit paths after it |
//!
//! `domtree.rs` holds the dominator tree and loop analysis the passes share.

pub mod dce;
pub mod domtree;
pub mod exitval;
pub mod fold;
pub mod gvn;
pub mod inline;
pub mod lateinc;
pub mod layout;
pub mod licm;
pub mod range;
pub mod retdup;
pub mod vmlocal;

use std::cell::RefCell;

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

/// The buffers of the passes and analyses, kept from one pass and one
/// function to the next so that a warm pipeline hardly allocates. Holding
/// one changes no pass's result.
#[derive(Debug, Default)]
pub struct Context {
    dce: dce::Scratch,
    fold: fold::Scratch,
    gvn: gvn::Scratch,
    layout: layout::Scratch,
    licm: licm::Scratch,
    range: range::Scratch,
    domtree: domtree::DomTree,
}

impl Context {
    /// A context with empty buffers.
    pub fn new() -> Self {
        Self::default()
    }
}

fn check(func: &Function, pass: &str, opts: &OptOptions) {
    if opts.verify
        && let Err(e) = crate::verifier::verify(func, true)
    {
        panic!("IR invalid after {pass}: {e}\n{func}");
    }
}

/// With `verify`: that the dominator tree kept from before `pass` is the
/// one `func` has.
fn check_domtree(func: &Function, dt: &domtree::DomTree, pass: &str, opts: &OptOptions) {
    if opts.verify {
        let fresh = domtree::DomTree::compute(func);
        let idoms = |t: &domtree::DomTree| t.rpo().iter().map(|&b| t.idom(b)).collect::<Vec<_>>();
        assert!(
            fresh.rpo() == dt.rpo() && idoms(&fresh) == idoms(dt),
            "the dominator tree kept for {pass} is stale\n{func}"
        );
    }
}

thread_local! {
    /// The context [`optimize`] uses on this thread.
    static CONTEXT: RefCell<Context> = RefCell::default();
}

/// Runs the function-local pipeline on an SSA function (inlining is done
/// before, at module level, by [`inline`]), with this thread's [`Context`].
pub fn optimize(func: &mut Function, opts: &OptOptions) {
    CONTEXT.with(|c| match c.try_borrow_mut() {
        Ok(mut ctx) => optimize_with(func, opts, &mut ctx),
        // Only reachable if a pass ever ran the pipeline re-entrantly.
        Err(_) => optimize_with(func, opts, &mut Context::new()),
    })
}

/// The step between a function's last round of [`optimize`] (after
/// inlining) and SSA destruction: what served the analyses is undone for
/// the code generator. `gvn` gives a function one `vmctx` (its redundant
/// load elimination compares VMContext addresses by value) and `licm`
/// hoists it; [`vmlocal`] reads it again in each block that uses it. (Run
/// in every round, it would be undone by the next one's `gvn`.)
pub fn finish(func: &mut Function, opts: &OptOptions) {
    if vmlocal::run(func) {
        check(func, "vmlocal", opts);
    }
}

/// [`optimize`] with the buffers of `ctx`.
pub fn optimize_with(func: &mut Function, opts: &OptOptions, ctx: &mut Context) {
    check(func, "SSA construction", opts);
    fold::run_with(func, &mut ctx.fold);
    check(func, "fold", opts);
    dce::run_with(func, &mut ctx.dce);
    check(func, "dce", opts);
    // `gvn` leaves the CFG as it is, so `licm` reuses its dominator tree,
    // and so do the passes after it while nothing changes the CFG: `licm`
    // making a preheader, `fold` (a `trapif` that became a `trap`, a `brif`
    // whose targets it swapped: counted whenever it changes anything) or
    // `dce` folding a branch or removing a block.
    ctx.domtree.recompute(func);
    gvn::run_with(func, &ctx.domtree, &mut ctx.gvn);
    check(func, "gvn", opts);
    licm::run_with(func, &ctx.domtree, &mut ctx.licm);
    check(func, "licm", opts);
    let folded = fold::run_with(func, &mut ctx.fold);
    check(func, "fold (2)", opts);
    let mut cfg_as_computed = !folded && !ctx.licm.created_preheaders();
    // Only `fold` can leave dead code since the first `dce`; `gvn` and
    // `licm` leave work for it only through the branches they rewrote and
    // the preheaders they made.
    if folded {
        dce::run_with(func, &mut ctx.dce);
        check(func, "dce (2)", opts);
        cfg_as_computed &= !ctx.dce.changed_cfg();
    } else if ctx.gvn.rewrote_branch() || ctx.licm.created_preheaders() {
        dce::run_clean_with(func, &mut ctx.dce);
        check(func, "dce (2)", opts);
        cfg_as_computed &= !ctx.dce.changed_cfg();
    }
    if range::has_candidates(func) {
        if cfg_as_computed {
            check_domtree(func, &ctx.domtree, "range", opts);
        } else {
            ctx.domtree.recompute(func);
            cfg_as_computed = true;
        }
        // (`range` leaves the CFG as it is.)
        if range::run_with(func, &ctx.domtree, &mut ctx.range) {
            check(func, "range", opts);
            // The `iadd`s of the folded addresses are often dead now.
            dce::run_with(func, &mut ctx.dce);
            check(func, "dce (3)", opts);
            cfg_as_computed &= !ctx.dce.changed_cfg();
        }
    }
    // A return block the entry shares with other paths gets a copy of its
    // own for the entry's edge (an early exit for the code generator).
    if retdup::run(func) {
        check(func, "retdup", opts);
        cfg_as_computed = false;
    }
    // Last: `fold` would undo the first, `gvn` the second. (Both leave
    // the CFG, and so the dominator tree, as it is.) Then the layout, which
    // only reorders blocks. `loop_depth`, kept by the frontend, inlining and
    // `licm`, tells cheaply whether the loop analysis is worth computing.
    let exit_values = exitval::has_candidates(func);
    if exit_values
        || func
            .layout
            .iter()
            .any(|&b| func.blocks[b.index()].loop_depth > 0)
    {
        if cfg_as_computed {
            check_domtree(func, &ctx.domtree, "the loop analysis", opts);
        } else {
            ctx.domtree.recompute(func);
        }
        let loops = domtree::LoopInfo::compute(func, &ctx.domtree);
        if exit_values && exitval::run_with_loops(func, &loops) {
            check(func, "exitval", opts);
        }
        if lateinc::run_with_loops(func, &loops) {
            check(func, "lateinc", opts);
        }
        // Neither pass changes the CFG, so `loops` still holds.
        if layout::run_with(func, &ctx.domtree, &loops, &mut ctx.layout) {
            check(func, "layout", opts);
        }
    }
}
