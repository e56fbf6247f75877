//! Loop exit values: a loop header's parameter `p`, used after the loop,
//! is recomputed there as `n - c` when the header computes `n = p + c`.
//!
//! Why: in a scan such as `while (a[i] < x) i++;` whose next value `n`
//! goes round the back edge while `p` is read after the loop, `p` and `n`
//! are live together at the exit. They then need two registers, and the
//! back edge a copy from one to the other (a `mov`, and a `jmp` that a
//! conditional branch back to the header would not need). After this pass
//! `p` dies where `n` is defined, the allocator gives both one register
//! (`add r, 1`), and each block outside the loop that read `p` pays one
//! `add` instead.
//!
//! Exact: `n` is computed in the header, so whenever control leaves the
//! header, `n = p + c` (wrapping) for the `p` of that iteration, and a use
//! after the loop sees the `p` and `n` of the last iteration. The
//! header dominates every use of `p`, so `n` is available at each.
//!
//! When: `p` has uses outside the loop, and inside it only in the header up
//! to `n`'s definition (a later use keeps both live anyway, and the pass
//! would only add instructions).
//!
//! Runs last in the pipeline: `fold` would turn `n - c` back into `p`.
//! Requires the dominator tree of `func`; leaves the CFG unchanged.

use super::domtree::{DomTree, LoopInfo};
use crate::{BinaryOp, Block, Function, InstData, Value};

const NONE: u32 = u32::MAX;

/// A header parameter `p` with `n = p + c` in its header.
struct Candidate {
    p: Value,
    n: Value,
    c: i64,
    header: Block,
    /// Position of `n`'s definition in the header.
    pos: usize,
    loop_: super::domtree::Loop,
    ok: bool,
    /// Blocks outside the loop that read `p`, in layout order.
    outside: Vec<Block>,
}

/// Runs the pass on `func`; returns whether it changed anything.
pub fn run(func: &mut Function) -> bool {
    let dt = DomTree::compute(func);
    run_with(func, &dt)
}

/// [`run`] with the dominator tree of `func`.
pub fn run_with(func: &mut Function, dt: &DomTree) -> bool {
    run_with_loops(func, &LoopInfo::compute(func, dt))
}

/// [`run`] with the loops of `func` (which the pass leaves valid: it does
/// not change the CFG).
pub fn run_with_loops(func: &mut Function, li: &LoopInfo) -> bool {
    if li.is_empty() {
        return false;
    }
    // Integer constants by value.
    let mut konst: Vec<Option<i64>> = vec![None; func.num_values()];
    for &b in &func.layout {
        for &i in &func.blocks[b.index()].insts {
            if let InstData::Iconst { dst, imm } = func.insts[i.index()] {
                konst[dst.index()] = Some(imm);
            }
        }
    }
    let mut cands: Vec<Candidate> = Vec::new();
    let mut cand_of: Vec<u32> = vec![NONE; func.num_values()];
    for l in li.loops() {
        let header = li.header(l);
        let data = &func.blocks[header.index()];
        for (pos, &i) in data.insts.iter().enumerate() {
            let InstData::Binary {
                op: BinaryOp::Iadd,
                dst,
                lhs,
                rhs,
            } = func.insts[i.index()]
            else {
                continue;
            };
            let (p, c) = match (konst[lhs.index()], konst[rhs.index()]) {
                (None, Some(c)) => (lhs, c),
                (Some(c), None) => (rhs, c),
                _ => continue,
            };
            if !data.params.contains(&p) || cand_of[p.index()] != NONE {
                continue;
            }
            cand_of[p.index()] = cands.len() as u32;
            cands.push(Candidate {
                p,
                n: dst,
                c,
                header,
                pos,
                loop_: l,
                ok: true,
                outside: Vec::new(),
            });
        }
    }
    if cands.is_empty() {
        return false;
    }
    // Classify every use of a candidate's `p`.
    for &b in &func.layout {
        for (k, &i) in func.blocks[b.index()].insts.iter().enumerate() {
            func.for_each_use(i, |v| {
                let Some(&ci) = cand_of.get(v.index()) else {
                    return;
                };
                if ci == NONE {
                    return;
                }
                let cand = &mut cands[ci as usize];
                if li.contains(cand.loop_, b) {
                    if b != cand.header || k > cand.pos {
                        cand.ok = false;
                    }
                } else if cand.outside.last() != Some(&b) {
                    cand.outside.push(b);
                }
            });
        }
    }
    let mut changed = false;
    for cand in cands.iter().filter(|c| c.ok && !c.outside.is_empty()) {
        let ty = func.value_type(cand.p);
        let srcloc = {
            let def = func.blocks[cand.header.index()].insts[cand.pos];
            func.srclocs[def.index()]
        };
        for &b in &cand.outside {
            // `q = n + (-c)` at the top of `b`, and `p` read as `q` there.
            let neg = func.new_value(ty);
            let q = func.new_value(ty);
            let k = func.new_inst(
                InstData::Iconst {
                    dst: neg,
                    imm: cand.c.wrapping_neg(),
                },
                srcloc,
            );
            let a = func.new_inst(
                InstData::Binary {
                    op: BinaryOp::Iadd,
                    dst: q,
                    lhs: cand.n,
                    rhs: neg,
                },
                srcloc,
            );
            let insts = &mut func.blocks[b.index()].insts;
            insts.splice(0..0, [k, a]);
            for j in 2..func.blocks[b.index()].insts.len() {
                let i = func.blocks[b.index()].insts[j];
                super::gvn::rewrite_uses(func, i, |v| {
                    if *v == cand.p {
                        *v = q;
                    }
                });
            }
            changed = true;
        }
    }
    changed
}

/// Whether some block adds a constant to one of its own parameters (a cheap
/// test before computing the dominator tree; the constant is not checked).
pub fn has_candidates(func: &Function) -> bool {
    func.layout.iter().any(|&b| {
        let data = &func.blocks[b.index()];
        !data.params.is_empty()
            && data.insts.iter().any(|&i| {
                matches!(
                    func.insts[i.index()],
                    InstData::Binary { op: BinaryOp::Iadd, lhs, rhs, .. }
                        if data.params.contains(&lhs) || data.params.contains(&rhs)
                )
            })
    })
}
