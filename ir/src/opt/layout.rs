//! Block layout: the blocks of every natural loop made contiguous, header
//! first, with the blocks that leave it placed after it.
//!
//! Why: Wasm's structured control flow puts the code that leaves a loop
//! inside the loop's text. In
//!
//! ```text
//! loop $l
//!   block $next
//!     ... br_if $next (more to do)
//!     ... return                  ;; the way out
//!   end
//!   ... br $l                     ;; the latch
//! end
//! ```
//!
//! the way out sits between the test and the latch, so in Wasm order the
//! latch comes after it, and every iteration takes two jumps: a `jcc` over
//! the exit path to the latch, and the latch's `jmp` back to the header.
//! With the loop contiguous the test falls through into the latch, and the
//! exit path, run once, is the one that jumps. It also keeps cold exit paths
//! out of the loop's cache lines.
//!
//! Order: within each loop (and at the top level), blocks and nested loops
//! keep the relative order of their first block in the old layout; a loop
//! starts with its header, and a nested loop is placed as a whole where its
//! first block was. One exception keeps fall-throughs: when the last block
//! of a nested loop (whose exit edge led to the next block in the old
//! layout, typically) ends in a `jump` or `brif` that does not lead to the
//! next item, a successor of it from the same list whose predecessors are
//! all placed goes first.
//! Blocks of no loop (unreachable ones included) stay at the top level. For
//! the reducible CFGs made from Wasm, whose loops are entered through their
//! headers, an edge that went forward in the old layout and is not a back
//! edge still goes forward.
//!
//! Requires: the dominator tree and loop analysis of `func` as it is.
//! Changes only `func.layout` (the CFG, and with it the dominator tree and
//! loops, stay valid). Linear in the number of blocks, edges and loops: a
//! block is pulled up only if it has at most [`MAX_PULL_PREDS`]
//! predecessors, so each loop's end looks at a bounded number of them.

use super::domtree::{DomTree, Loop, LoopInfo};
use crate::{Block, Function};

/// An item of a loop's (or the top level's) list: a block, or a nested loop
/// with this bit set on its index.
const LOOP_ITEM: u32 = 1 << 31;

/// The most predecessors of a block pulled up behind a nested loop.
const MAX_PULL_PREDS: usize = 16;

/// Buffers kept from one function to the next.
#[derive(Debug, Default)]
pub struct Scratch {
    /// The items of each loop in order, the top level's last.
    lists: Vec<Vec<u32>>,
    /// Whether each loop has its item in its parent's list yet.
    placed: Vec<bool>,
    /// Loops whose items are being written out: (list, next position).
    stack: Vec<(usize, usize)>,
    chain: Vec<Loop>,
    layout: Vec<Block>,
    /// Whether each block is in `layout` yet.
    placed_block: Vec<bool>,
}

/// Reorders the layout of `func`, whose dominator tree is `dt` and loops
/// `li`; returns whether it changed.
pub fn run_with(func: &mut Function, dt: &DomTree, li: &LoopInfo, s: &mut Scratch) -> bool {
    if li.is_empty() || func.layout.is_empty() {
        return false;
    }
    let n = li.len();
    if s.lists.len() < n + 1 {
        s.lists.resize_with(n + 1, Vec::new);
    }
    for list in &mut s.lists[..=n] {
        list.clear();
    }
    s.placed.clear();
    s.placed.resize(n, false);
    let top = n;
    for &b in &func.layout {
        let Some(l) = li.innermost(b) else {
            s.lists[top].push(b.0);
            continue;
        };
        // Place `l` and each enclosing loop not yet placed, outermost first,
        // in its parent's list.
        s.chain.clear();
        let mut x = Some(l);
        while let Some(y) = x
            && !s.placed[y.index()]
        {
            s.placed[y.index()] = true;
            s.chain.push(y);
            x = li.parent(y);
        }
        for &y in s.chain.iter().rev() {
            let parent = li.parent(y).map_or(top, |p| p.index());
            s.lists[parent].push(LOOP_ITEM | y.0);
        }
        if li.header(l) != b {
            s.lists[l.index()].push(b.0);
        }
    }
    s.layout.clear();
    s.placed_block.clear();
    s.placed_block.resize(func.blocks.len(), false);
    s.stack.clear();
    s.stack.push((top, 0));
    let cfg = dt.cfg();
    // Whether the block placed last ends a nested loop's range.
    let mut after_loop = false;
    while let Some(&mut (list, ref mut pos)) = s.stack.last_mut() {
        let Some(&item) = s.lists[list].get(*pos) else {
            s.stack.pop();
            after_loop = true;
            continue;
        };
        *pos += 1;
        if item & LOOP_ITEM != 0 {
            let l = Loop(item & !LOOP_ITEM);
            if !s.placed_block[li.header(l).index()] {
                place(s, li.header(l));
                after_loop = false;
                s.stack.push((l.index(), 0));
            }
            continue;
        }
        let b = Block(item);
        if s.placed_block[b.index()] {
            continue; // pulled forward already
        }
        // Keep the fall-through of a nested loop's last block, if `b` is
        // not it: a successor of it from this list (a block, or a nested
        // loop's header) whose predecessors from outside its loop are all
        // placed. (Only there: elsewhere the old order is Wasm's, whose
        // fall-throughs a pulled block would break; and only after a
        // branch, not a `br_table`.)
        if after_loop && let Some(&last) = s.layout.last() {
            after_loop = false;
            let succs = cfg.succs(last);
            if succs.len() <= 2 && !succs.contains(&b) {
                let list_loop = (list != top).then_some(Loop(list as u32));
                let pick = succs.iter().copied().find_map(|t| {
                    // (A block with many predecessors is left where it is:
                    // looking at all of them after every loop that leads
                    // there would be quadratic.)
                    if s.placed_block[t.index()] || cfg.preds(t).len() > MAX_PULL_PREDS {
                        return None;
                    }
                    let inner = li.innermost(t);
                    let nested = match inner {
                        _ if inner == list_loop => None,
                        Some(l) if li.header(l) == t && li.parent(l) == list_loop => Some(l),
                        _ => return None,
                    };
                    if list_loop.is_some_and(|l| li.header(l) == t) {
                        return None;
                    }
                    let ready = cfg.preds(t).iter().all(|&p| {
                        s.placed_block[p.index()] || nested.is_some_and(|l| li.contains(l, p))
                    });
                    ready.then_some((t, nested))
                });
                if let Some((t, nested)) = pick {
                    *s.stack.last_mut().map(|(_, pos)| pos).expect("in a list") -= 1;
                    place(s, t);
                    if let Some(l) = nested {
                        s.stack.push((l.index(), 0));
                    }
                    continue;
                }
            }
        }
        place(s, b);
        after_loop = false;
    }
    debug_assert_eq!(s.layout.len(), func.layout.len());
    if s.layout == func.layout {
        return false;
    }
    std::mem::swap(&mut func.layout, &mut s.layout);
    true
}

fn place(s: &mut Scratch, b: Block) {
    s.placed_block[b.index()] = true;
    s.layout.push(b);
}

/// [`run_with`] with fresh analyses and buffers (tests).
pub fn run(func: &mut Function) -> bool {
    let dt = DomTree::compute(func);
    let li = LoopInfo::compute(func, &dt);
    run_with(func, &dt, &li, &mut Scratch::default())
}
