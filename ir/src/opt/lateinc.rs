//! Late increments: in a loop of one block, a header parameter `p` that is
//! read after its next value `n = p + c` is computed gets that next value
//! computed a second time, right after `p`'s last read, and the back edge
//! carries the second one.
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
//! second is placed where the header's later instructions, its terminator
//! and the blocks it dominates can read it; reads of `n` up to the second
//! add keep `n`.
//!
//! When: the header is its loop's only block (its own only latch), `p` is
//! read nowhere but in the header, its last read is after `n`'s definition
//! and is not the terminator, and the back edge passes `n` (or a later
//! read of `n`) as `p`'s argument. Loops of several blocks are left alone:
//! their back edge is an unconditional jump already, where the copy costs
//! one `mov` and the second add would not pay.
//!
//! Runs last in the pipeline: `gvn` would merge the two adds. Requires the
//! dominator tree of `func`; leaves the CFG unchanged.

use super::domtree::{DomTree, LoopInfo};
use crate::{BinaryOp, Block, Function, Inst, InstData, Value};

/// Runs the pass on `func`; returns whether it changed anything.
pub fn run(func: &mut Function) -> bool {
    let dt = DomTree::compute(func);
    run_with(func, &dt)
}

/// [`run`] with the dominator tree of `func`.
pub fn run_with(func: &mut Function, dt: &DomTree) -> bool {
    let li = LoopInfo::compute(func, dt);
    // Loops of one block with parameters, which add a constant (unchecked
    // here) to one of them: the only candidates, looked for before the
    // walks over the whole function below. (`param_of` maps a value to its
    // index among the parameters of the block at hand, else `NONE`.)
    const NONE: u32 = u32::MAX;
    let nv = func.num_values();
    let mut param_of = vec![NONE; nv];
    let mut headers: Vec<Block> = Vec::new();
    for l in li.loops() {
        let d = li.data(l);
        let h = d.header;
        if d.latches.as_slice() != [h] || !d.children.is_empty() {
            continue;
        }
        let data = &func.blocks[h.index()];
        for (k, &p) in data.params.iter().enumerate() {
            param_of[p.index()] = k as u32;
        }
        let is_param = |v: Value| param_of[v.index()] != NONE;
        if data.insts.iter().any(|&i| {
            matches!(
                func.insts[i.index()],
                InstData::Binary { op: BinaryOp::Iadd, lhs, rhs, .. }
                    if is_param(lhs) || is_param(rhs)
            )
        }) {
            headers.push(h);
        }
        for &p in &data.params {
            param_of[p.index()] = NONE;
        }
    }
    if headers.is_empty() {
        return false;
    }
    // Integer constants, and per value the blocks that read it (a value
    // read in more than one block is marked `MANY`).
    const MANY: u32 = u32::MAX - 1;
    let mut is_const = vec![false; nv];
    let mut read_in = vec![NONE; nv];
    for &b in &func.layout {
        for &i in &func.blocks[b.index()].insts {
            if let InstData::Iconst { dst, .. } = func.insts[i.index()] {
                is_const[dst.index()] = true;
            }
            func.for_each_use(i, |v| {
                let r = &mut read_in[v.index()];
                if *r == NONE {
                    *r = b.0;
                } else if *r != b.0 {
                    *r = MANY;
                }
            });
        }
    }
    // Each rewritten next value: `(n, n2, header)`, `n2` the second add's.
    let mut done: Vec<(Value, Value, Block)> = Vec::new();
    for h in headers {
        late_increments(func, h, &is_const, &read_in, &mut param_of, &mut done);
    }
    if done.is_empty() {
        return false;
    }
    // Reads of each `n` after its second add (in the header) or anywhere
    // else (every such block is entered through the header's terminator,
    // after the second add) now read `n2`. One pass over the function.
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

/// The pass on the single-block loop `h`: second adds inserted, recorded
/// in `done` (reads are rewritten by the caller). One walk over the block:
/// `param_of` maps each value to its parameter index in `h` (`NONE` for
/// others) and is left as it was found.
fn late_increments(
    func: &mut Function,
    h: Block,
    is_const: &[bool],
    read_in: &[u32],
    param_of: &mut [u32],
    done: &mut Vec<(Value, Value, Block)>,
) {
    const NONE: u32 = u32::MAX;
    let data = &func.blocks[h.index()];
    let Some((&term, body)) = data.insts.split_last() else {
        return;
    };
    let Some(back) = back_edge_args(func, term, h) else {
        return;
    };
    let np = data.params.len();
    for (k, &p) in data.params.iter().enumerate() {
        param_of[p.index()] = k as u32;
    }
    // Per parameter: its first `n = p + c` (position and instruction), its
    // last read in the body, whether the terminator reads it.
    let mut next: Vec<Option<(usize, Inst)>> = vec![None; np];
    let mut last: Vec<usize> = vec![0; np];
    let mut read_by_term = vec![false; np];
    for (j, &i) in body.iter().enumerate() {
        func.for_each_use(i, |v| {
            if let Some(&k) = param_of.get(v.index())
                && k != NONE
            {
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
                let k = param_of.get(x.index()).copied().unwrap_or(NONE);
                let c = is_const.get(c.index()).copied().unwrap_or(false);
                if k != NONE && c && next[k as usize].is_none() {
                    next[k as usize] = Some((j, i));
                }
            }
        }
    }
    func.for_each_use(term, |v| {
        if let Some(&k) = param_of.get(v.index())
            && k != NONE
        {
            read_by_term[k as usize] = true;
        }
    });
    // The second adds, by position (after `p`'s last read).
    let mut adds: Vec<(usize, Inst)> = Vec::new();
    for k in 0..np {
        let p = func.blocks[h.index()].params[k];
        param_of[p.index()] = NONE;
        let Some((pos, add)) = next[k] else {
            continue;
        };
        let InstData::Binary {
            dst: n, lhs, rhs, ..
        } = func.insts[add.index()]
        else {
            continue;
        };
        // `p` read only in this block, last after `n`, not by the
        // terminator; the back edge carries `n` into `p`.
        if read_in[p.index()] != h.0 || last[k] <= pos || read_by_term[k] || back.get(k) != Some(&n)
        {
            continue;
        }
        let n2 = func.new_value(func.value_type(n));
        let srcloc = func.srclocs[add.index()];
        let second = func.new_inst(
            InstData::Binary {
                op: BinaryOp::Iadd,
                dst: n2,
                lhs,
                rhs,
            },
            srcloc,
        );
        adds.push((last[k] + 1, second));
        done.push((n, n2, h));
    }
    if adds.is_empty() {
        return;
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

/// The arguments the header's terminator `term` passes to `h` (its back
/// edge), if it branches to `h` once.
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
