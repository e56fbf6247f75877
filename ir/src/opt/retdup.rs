//! Return blocks copied for the entry: when the entry block branches to a
//! small block that computes a result and returns, and that block has other
//! predecessors too, the entry's edge gets a copy of its own, placed right
//! after the entry in the layout.
//!
//! Why: a recursive function's base case often returns through the block
//! its loop leaves by. In Ackermann's function as clang leaves it,
//!
//! ```text
//! block0(v0, v1):  brif v0, block1, block2(v1)      ;; if (m == 0) ...
//! ...              (the loop over m, with the recursive call)
//! block7:          jump block2(v11)                  ;; the loop's exit
//! block2(v12):     v14 = iadd v12, 1; return v14     ;; return n + 1
//! ```
//!
//! the base case shares `block2` with the loop's exit, so the entry
//! block's branch does not lead to a part of the function that only
//! returns, and the code generator must set up the frame (and save the
//! callee-saved registers the loop uses) before the test. With a copy of
//! `block2` for the entry's edge, the base case is an *early exit* that
//! the x64 emitter runs before the prologue, without a frame (see
//! `isa-x64`'s `Emitter::plan_wrap`).
//!
//! Exact: the copy computes what the block computes from the same
//! arguments. Values the block reads from elsewhere are defined in the
//! entry block (the only block that dominates both the block and the
//! entry's edge into it), so they dominate the copy too; the block's own
//! values are read only inside it (it returns), and the copy gets fresh
//! ones.
//!
//! When: the entry block ends in a `jump` or `brif` to a block other than
//! itself with at least two predecessors, whose instructions, at most
//! [`MAX_COPIED`] besides the `return`, cannot trap (constants, copies,
//! selects, comparisons, arithmetic that cannot trap), and which is not
//! also the entry's other target. Changes the CFG (a new block, one edge
//! retargeted); loop depths stay right (the copy is outside loops, like the
//! entry).
//!
//! The entry's edge may also reach such a block through a block that only
//! forwards values to it, as an `if` with a result leaves its arm:
//!
//! ```text
//! block0(v0):  brif v2, block1, block2      ;; (if (result i32) (n < 2)
//! block1:      jump block3(v0)              ;;   (then n)
//! block2:      ... calls ...; jump block3(v10)  ;; (else fib(n-1) + fib(n-2)))
//! block3(v3):  return v3
//! ```
//!
//! When that block (`block1`) has the entry as its only predecessor, the
//! returning block's instructions replace its `jump`, reading the jump's
//! arguments where the block reads its parameters (`block1: return v0`).
//! Exact for the same reason: what dominates the returning block dominates
//! every block that jumps to it. This changes no edge but the forwarding
//! block's, which is gone.

use super::gvn::rewrite_uses;
use crate::{Block, Function, Inst, InstData, Value};

/// The most instructions (the `return` aside) a copied block may have.
pub const MAX_COPIED: usize = 4;

/// Runs the pass on `func`; returns whether it changed anything.
pub fn run(func: &mut Function) -> bool {
    let Some(entry) = func.entry_block() else {
        return false;
    };
    let Some(term) = func.terminator(entry) else {
        return false;
    };
    let targets: [Option<Block>; 2] = match func.insts[term.index()] {
        InstData::Jump { dest } => [Some(dest.block), None],
        InstData::Brif {
            then_dest,
            else_dest,
            ..
        } if then_dest.block != else_dest.block => [Some(then_dest.block), Some(else_dest.block)],
        _ => return false,
    };
    let mut changed = false;
    for b in targets.into_iter().flatten() {
        if b == entry {
            continue;
        }
        if copyable(func, b) && predecessors(func, b) >= 2 {
            let copy = copy_block(func, b);
            func.retarget(term, b, copy);
            let at = func.layout.iter().position(|&x| x == entry).unwrap_or(0);
            func.layout.insert(at + 1, copy);
            changed = true;
        } else if let Some((r, args)) = forwards_to(func, b)
            && r != entry
            && r != b
            && copyable(func, r)
            && predecessors(func, b) == 1
            && predecessors(func, r) >= 2
        {
            copy_into(func, r, b, &args);
            changed = true;
        }
    }
    changed
}

/// The target and arguments of `b` when its only instruction is a `jump`
/// (a block that only forwards values, such as an `if` arm that yields a
/// parameter: `block1: jump block3(v0)`).
fn forwards_to(func: &Function, b: Block) -> Option<(Block, Vec<Value>)> {
    let [i] = func.blocks[b.index()].insts[..] else {
        return None;
    };
    match func.insts[i.index()] {
        InstData::Jump { dest } => Some((dest.block, func.values(dest.args).to_vec())),
        _ => None,
    }
}

/// Whether `b` is a block of at most [`MAX_COPIED`] instructions that
/// cannot trap, followed by a `return`.
fn copyable(func: &Function, b: Block) -> bool {
    let insts = &func.blocks[b.index()].insts;
    let Some((&last, body)) = insts.split_last() else {
        return false;
    };
    matches!(func.insts[last.index()], InstData::Return { .. })
        && body.len() <= MAX_COPIED
        && body
            .iter()
            .all(|&i| func.insts[i.index()].is_speculatable())
}

/// The number of edges into `b` (a `brif` with both arms there counts
/// twice, a `br_table` once per entry).
fn predecessors(func: &Function, b: Block) -> usize {
    let mut succs = Vec::new();
    func.layout
        .iter()
        .map(|&x| {
            func.successors(x, &mut succs);
            succs.iter().filter(|&&s| s == b).count()
        })
        .sum()
}

/// A copy of `b` (not yet in the layout) with fresh parameters and values:
/// each instruction cloned, its operands mapped to the copy's values (others,
/// the entry's, stay) and its result given a fresh value.
fn copy_block(func: &mut Function, b: Block) -> Block {
    let copy = func.new_block();
    func.blocks[copy.index()].loop_depth = 0;
    let mut map: Vec<(Value, Value)> = Vec::new();
    for k in 0..func.blocks[b.index()].params.len() {
        let p = func.blocks[b.index()].params[k];
        let q = func.append_block_param(copy, func.value_type(p));
        map.push((p, q));
    }
    clone_insts(func, b, copy, map);
    copy
}

/// Replaces the `jump` that ends `into` (to `b`, with `args`) by a copy of
/// `b`'s instructions that reads `args` where `b` reads its parameters.
/// (`into` has the entry as its only predecessor and jumps to `b`, so what
/// dominates `b` dominates `into`: the copy's other operands are defined.)
fn copy_into(func: &mut Function, b: Block, into: Block, args: &[Value]) {
    func.blocks[into.index()].insts.clear();
    let map = func.blocks[b.index()]
        .params
        .iter()
        .copied()
        .zip(args.iter().copied())
        .collect();
    clone_insts(func, b, into, map);
}

/// Appends to `to` a clone of each instruction of `b`, its operands mapped
/// by `map` (then by the clones' fresh results) and its result fresh.
fn clone_insts(func: &mut Function, b: Block, to: Block, mut map: Vec<(Value, Value)>) {
    for k in 0..func.blocks[b.index()].insts.len() {
        let i: Inst = func.blocks[b.index()].insts[k];
        let mut data = func.insts[i.index()].clone();
        // (A return's list gets a copy of its own: lists are rewritten in
        // place.)
        if let InstData::Return { args } = &mut data {
            let vals = func.values(*args).to_vec();
            *args = func.make_value_list(&vals);
        }
        let new = func.append_inst(to, data, func.srclocs[i.index()]);
        rewrite_uses(func, new, |v| {
            if let Some(&(_, to)) = map.iter().find(|&&(from, _)| from == *v) {
                *v = to;
            }
        });
        if let Some(d) = func.insts[new.index()].single_dst() {
            let fresh = func.new_value(func.value_type(d));
            if let Some(dst) = func.insts[new.index()].single_dst_mut() {
                *dst = fresh;
            }
            map.push((d, fresh));
        }
    }
}
