//! VMContext reads made local: a `vmctx` value used outside the block that
//! defines it is read again (a new `vmctx`) in each block that uses it,
//! before the block's first use, and those uses take the new value.
//!
//! Why: `vmctx` only reads the register the code generator pins to the
//! VMContext, so recomputing it costs no more than the register copy a use
//! needs anyway. But GVN gives a function one `vmctx` for all its uses and
//! LICM hoists it out of loops, so it lives from the top of the function
//! (or a preheader) to its last use. Across a call (a loop calling a
//! builtin such as `memory.fill`, which takes the VMContext as its first
//! argument) such a value needs a callee-saved register or a stack slot,
//! where a fresh read of the pinned register needs neither:
//!
//! ```text
//! block2:                               block2:
//!     v8 = vmctx                            v8 = vmctx
//!     jump block3                           jump block3
//! block3:                               block3:
//!     v9 = call builtin(40) (v8, ..)        v50 = vmctx
//!     ...                                   v9 = call builtin(40) (v50, ..)
//! ```
//!
//! (The first `vmctx` is dead afterwards when its own block does not use
//! it: the code generator emits nothing for a value nothing reads.)
//!
//! Run once per function, last, by [`super::finish`]: GVN, which would
//! merge the reads again, needs the one `vmctx` to compare VMContext
//! addresses.
//!
//! Exact: every `vmctx` computes the same value. Requires SSA form; keeps
//! it (the new value is defined in the block of its uses, before them) and
//! leaves the CFG as it is.

use super::gvn::rewrite_uses;
use crate::{AddrSpace, BinaryOp, Block, Function, Inst, InstData, Value};

/// Whether `data` is of a kind that reads the VMContext: a call (builtins
/// and indirect calls take it), a VMContext load or store, an `iadd` (an
/// address inside it), or a branch or copy passing it on. (Other uses of a
/// `vmctx` value outside its block stay as they are: a skipped one costs
/// the copy of it that lives on, nothing else.)
fn reads_vmctx(data: &InstData) -> bool {
    matches!(
        data,
        InstData::Call { .. }
            | InstData::Load {
                space: AddrSpace::Vm,
                ..
            }
            | InstData::Store {
                space: AddrSpace::Vm,
                ..
            }
            | InstData::Binary {
                op: BinaryOp::Iadd,
                ..
            }
            | InstData::Jump { .. }
            | InstData::Brif { .. }
            | InstData::Copy { .. }
    )
}

/// Runs the pass on `func`; returns whether it changed anything.
pub fn run(func: &mut Function) -> bool {
    // The block defining each `vmctx` value.
    let mut home: Vec<Option<Block>> = Vec::new();
    for &b in &func.layout {
        for &i in &func.blocks[b.index()].insts {
            if let InstData::Vmctx { dst } = func.insts[i.index()] {
                if home.len() <= dst.index() {
                    home.resize(dst.index() + 1, None);
                }
                home[dst.index()] = Some(b);
            }
        }
    }
    if home.is_empty() {
        return false;
    }
    let outside = |v: Value, b: Block| matches!(home.get(v.index()), Some(Some(h)) if *h != b);
    let mut changed = false;
    // Per block: the local read that replaces each outside `vmctx` value
    // (few per block; usually one), and the instructions with their new
    // reads inserted.
    let mut local: Vec<(Value, Value)> = Vec::new();
    let mut insts: Vec<Inst> = Vec::new();
    for k in 0..func.layout.len() {
        let b = func.layout[k];
        // (Most blocks read no outside `vmctx`: looked for first.)
        let mut any = false;
        for &i in &func.blocks[b.index()].insts {
            if reads_vmctx(&func.insts[i.index()]) {
                func.for_each_use(i, |v| any |= outside(v, b));
                if any {
                    break;
                }
            }
        }
        if !any {
            continue;
        }
        local.clear();
        insts.clear();
        for p in 0..func.blocks[b.index()].insts.len() {
            let i = func.blocks[b.index()].insts[p];
            if reads_vmctx(&func.insts[i.index()]) {
                let mut reads: [Option<Value>; 4] = [None; 4];
                let mut n = 0;
                func.for_each_use(i, |v| {
                    if outside(v, b) && n < reads.len() && !reads[..n].contains(&Some(v)) {
                        reads[n] = Some(v);
                        n += 1;
                    }
                });
                for v in reads[..n].iter().flatten() {
                    if local.iter().all(|&(o, _)| o != *v) {
                        let fresh = func.new_value(func.value_type(*v));
                        let srcloc = func.srclocs[i.index()];
                        insts.push(func.new_inst(InstData::Vmctx { dst: fresh }, srcloc));
                        local.push((*v, fresh));
                    }
                }
                if n > 0 {
                    rewrite_uses(func, i, |u| {
                        if let Some(&(_, fresh)) = local.iter().find(|&&(o, _)| o == *u) {
                            *u = fresh;
                        }
                    });
                }
            }
            insts.push(i);
        }
        std::mem::swap(&mut func.blocks[b.index()].insts, &mut insts);
        changed = true;
    }
    changed
}
