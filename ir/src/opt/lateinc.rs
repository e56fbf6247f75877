//! Late increments: in a loop whose one latch ends in a conditional
//! branch, a header parameter `p` that the latch reads after computing its
//! next value `n = p + c` gets that next value computed a second time, right
//! after `p`'s last read, and the back edge carries the second one.
//!
//! Why: in `for (j = 0; j != n; j++) s += f(j + 1) * a[j];` the loop reads
//! `j + 1` early and `j` late, so `p` and `n` are live together until the
//! end of the block and need two registers. The back edge then copies `n`
//! into `p`'s register, and since it is also the loop's conditional branch
//! the copy needs a block of its own: the loop ends in `jcc exit; mov;
//! jmp header`. After this pass `p` dies at the second add, which the
//! allocator computes in place (`add r, c`) in the register the back edge
//! wants, and the loop ends in `jcc header`: one `add` for a `mov` and a
//! `jmp`.
//!
//! Exact: both adds compute `p + c` (wrapping) from the same `p`, and the
//! second is placed where the latch's later instructions, its terminator
//! and the blocks it dominates can read it; reads of `n` up to the second
//! add keep `n`.
//!
//! When: the loop has one latch (the header itself, in a loop of one
//! block), which ends in a conditional branch; `n` is the latch's first add
//! of `p` and something, and that something is a constant; `p` is read
//! nowhere outside the loop, its last read in the latch is after `n`'s
//! definition and is not the terminator; and the back edge passes `n` as
//! `p`'s argument. A latch that ends in an unconditional jump is left alone:
//! the copy costs one `mov` there, and the second add would not pay. (In
//! quicksort's partition loop, `j = p - 1` is computed before `p` is
//! compared in the latch; the copy and a `jmp` ran on every iteration.)
//!
//! Exact for several blocks too: `n` is defined in the latch, so every
//! block that reads it is dominated by the latch and entered through its
//! terminator, after the second add.
//!
//! Cost: one walk over each loop's latch; the walk over the whole function
//! (constants, and where each value is read) only when a latch passes that
//! first look.
//!
//! Runs at the end of the pipeline, after `gvn` (which would merge the two
//! adds); only the block layout comes after it. Requires the loops of
//! `func`; leaves the CFG unchanged.

use super::domtree::{DomTree, Loop, LoopInfo};
use crate::{BinaryOp, Block, Function, Inst, InstData, Value};

/// Runs the pass on `func`; returns whether it changed anything.
pub fn run(func: &mut Function) -> bool {
    let dt = DomTree::compute(func);
    run_with_loops(func, &LoopInfo::compute(func, &dt))
}

/// [`run`] with the loops of `func` (which the pass leaves valid: it does
/// not change the CFG).
pub fn run_with_loops(func: &mut Function, li: &LoopInfo) -> bool {
    // First what each loop's latch shows by itself (`param_of` maps a
    // value to its index among the parameters of the header at hand, else
    // `NONE`); the walk over the whole function for the rest only when
    // some loop qualifies.
    const NONE: u32 = u32::MAX;
    let nv = func.num_values();
    let mut param_of = vec![NONE; nv];
    let mut cands: Vec<Candidate> = Vec::new();
    for l in li.loops() {
        let d = li.data(l);
        if let [latch] = *d.latches.as_slice() {
            find_candidates(func, l, d.header, latch, &mut param_of, &mut cands);
        }
    }
    if cands.is_empty() {
        return false;
    }
    // Integer constants, and whether each candidate's `p` is read outside
    // its loop (`cand_of` maps `p` to its candidate).
    let mut is_const = vec![false; nv];
    let mut cand_of = vec![NONE; nv];
    for (k, c) in cands.iter().enumerate() {
        cand_of[c.p.index()] = k as u32;
    }
    let mut outside = vec![false; cands.len()];
    for &b in &func.layout {
        for &i in &func.blocks[b.index()].insts {
            if let InstData::Iconst { dst, .. } = func.insts[i.index()] {
                is_const[dst.index()] = true;
            }
            func.for_each_use(i, |v| {
                let k = cand_of[v.index()];
                if k != NONE && !li.contains(cands[k as usize].loop_, b) {
                    outside[k as usize] = true;
                }
            });
        }
    }
    // The second adds, after `p`'s last read; per latch, inserted in one
    // rebuild of its instruction list. Each rewritten next value:
    // `(n, n2, latch)`.
    let mut k = 0;
    cands.retain(|c| {
        k += 1;
        is_const[c.c.index()] && !outside[k - 1]
    });
    if cands.is_empty() {
        return false;
    }
    let mut done: Vec<(Value, Value, Block)> = Vec::new();
    let mut adds: Vec<(usize, Inst)> = Vec::new();
    k = 0;
    while k < cands.len() {
        let h = cands[k].latch;
        adds.clear();
        while k < cands.len() && cands[k].latch == h {
            let c = &cands[k];
            let InstData::Binary {
                dst: n, lhs, rhs, ..
            } = func.insts[c.add.index()]
            else {
                k += 1;
                continue;
            };
            let srcloc = func.srclocs[c.add.index()];
            let n2 = func.new_value(func.value_type(n));
            let second = func.new_inst(
                InstData::Binary {
                    op: BinaryOp::Iadd,
                    dst: n2,
                    lhs,
                    rhs,
                },
                srcloc,
            );
            adds.push((c.last + 1, second));
            done.push((n, n2, h));
            k += 1;
        }
        adds.sort_by_key(|a| a.0);
        let old = std::mem::take(&mut func.blocks[h.index()].insts);
        let mut insts = Vec::with_capacity(old.len() + adds.len());
        let mut a = adds.iter().peekable();
        for (j, i) in old.into_iter().enumerate() {
            while let Some(&&(at, add)) = a.peek()
                && at == j
            {
                insts.push(add);
                a.next();
            }
            insts.push(i);
        }
        func.blocks[h.index()].insts = insts;
    }
    // Reads of each `n` after its second add (in the latch) or anywhere
    // else (every such block is dominated by the latch, which defines `n`,
    // and so entered through its terminator, after the second add) now
    // read `n2`. One pass over the function.
    let total = func.num_values();
    let mut second: Vec<Option<(Value, Block)>> = vec![None; total];
    let mut first_of: Vec<Option<Value>> = vec![None; total];
    for &(n, n2, h) in &done {
        second[n.index()] = Some((n2, h));
        first_of[n2.index()] = Some(n);
    }
    let mut passed = vec![false; total];
    for bi in 0..func.layout.len() {
        let b = func.layout[bi];
        for j in 0..func.blocks[b.index()].insts.len() {
            let i = func.blocks[b.index()].insts[j];
            if let Some(n) = func.insts[i.index()]
                .single_dst()
                .and_then(|d| first_of[d.index()])
            {
                passed[n.index()] = true;
                continue;
            }
            super::gvn::rewrite_uses(func, i, |v| {
                if let Some((n2, h)) = second[v.index()]
                    && (b != h || passed[v.index()])
                {
                    *v = n2;
                }
            });
        }
    }
    true
}

/// A parameter `p` of loop `loop_`'s header, read in the loop's one latch
/// after the latch's first `n = p + c` (instruction `add`) and last at
/// position `last`, not by the terminator, whose back edge passes `n` to
/// `p`. Whether `c` is a constant and `p` read nowhere outside the loop is
/// checked after.
struct Candidate {
    loop_: Loop,
    latch: Block,
    p: Value,
    c: Value,
    add: Inst,
    last: usize,
}

/// The candidates of loop `l` with header `h` and one latch `latch`, by
/// one walk over the latch. `param_of` maps each value to its parameter
/// index in `h` (`NONE` for others) and is left as it was found.
fn find_candidates(
    func: &Function,
    l: Loop,
    h: Block,
    latch: Block,
    param_of: &mut [u32],
    cands: &mut Vec<Candidate>,
) {
    const NONE: u32 = u32::MAX;
    let data = &func.blocks[h.index()];
    if data.params.is_empty() {
        return;
    }
    let Some((&term, body)) = func.blocks[latch.index()].insts.split_last() else {
        return;
    };
    if !matches!(func.insts[term.index()], InstData::Brif { .. }) {
        return;
    }
    let Some(back) = back_edge_args(func, term, h) else {
        return;
    };
    let np = data.params.len();
    for (k, &p) in data.params.iter().enumerate() {
        param_of[p.index()] = k as u32;
    }
    let param = |v: Value| param_of.get(v.index()).copied().unwrap_or(NONE);
    // Per parameter: its first `n = p + x` (position, instruction, `x`),
    // its last read in the body, whether the terminator reads it.
    let mut next: Vec<Option<(usize, Inst, Value)>> = vec![None; np];
    let mut last: Vec<usize> = vec![0; np];
    let mut read_by_term = vec![false; np];
    for (j, &i) in body.iter().enumerate() {
        func.for_each_use(i, |v| {
            let k = param(v);
            if k != NONE {
                last[k as usize] = j;
            }
        });
        if let InstData::Binary {
            op: BinaryOp::Iadd,
            lhs,
            rhs,
            ..
        } = func.insts[i.index()]
        {
            for (x, c) in [(lhs, rhs), (rhs, lhs)] {
                let k = param(x);
                if k != NONE && next[k as usize].is_none() {
                    next[k as usize] = Some((j, i, c));
                }
            }
        }
    }
    func.for_each_use(term, |v| {
        let k = param(v);
        if k != NONE {
            read_by_term[k as usize] = true;
        }
    });
    for (k, &p) in data.params.iter().enumerate() {
        param_of[p.index()] = NONE;
        let Some((pos, add, c)) = next[k] else {
            continue;
        };
        let n = func.insts[add.index()].single_dst();
        if last[k] > pos && !read_by_term[k] && n.is_some() && back.get(k).copied() == n {
            cands.push(Candidate {
                loop_: l,
                latch,
                p,
                c,
                add,
                last: last[k],
            });
        }
    }
}

/// The arguments the latch's terminator `term` passes to the header `h`
/// (its back edge), if it branches to `h` once.
fn back_edge_args(func: &Function, term: Inst, h: Block) -> Option<Vec<Value>> {
    let call = match &func.insts[term.index()] {
        InstData::Jump { dest } => *dest,
        InstData::Brif {
            then_dest,
            else_dest,
            ..
        } => match (then_dest.block == h, else_dest.block == h) {
            (true, false) => *then_dest,
            (false, true) => *else_dest,
            _ => return None,
        },
        _ => return None,
    };
    (call.block == h).then(|| func.values(call.args).to_vec())
}
