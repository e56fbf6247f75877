//! Conservative live intervals in linear time, for functions whose exact
//! liveness would be quadratic.
//!
//! Exact liveness ([`crate::linear_scan`]) keeps a live-in and a live-out
//! bitset per block over every vreg that crosses a block boundary: blocks ×
//! such vregs bits, and that many bit operations. Deeply nested loops that
//! each carry a value of their own make both factors grow with the function
//! (40,000 nested loops: seconds and gigabytes). Above
//! [`DENSE_LIVENESS_BITS`] the allocator builds these intervals instead: one
//! range per vreg and no holes, in time linear in the function's operands
//! plus `n log n` in its blocks.
//!
//! ## The interval
//! A vreg's range runs from its first occurrence in layout order (which must
//! be a def) to its last, extended to the end of every *loop region* whose
//! header block comes after the block of the first occurrence and no later
//! than the block of the last one. A loop region is the range of blocks from
//! a header `h` (the target of a backward edge, `s -> h` with `s >= h` in
//! layout) to the furthest source of a backward edge into it, widened until
//! regions nest: a region that contains another's header contains all of it.
//!
//! ## Why it covers every live point
//! It holds when (checked by [`regions`], which otherwise makes the caller
//! use exact liveness):
//! 1. every block but the entry has a predecessor earlier in the layout, so
//!    every block is reached from the entry along forward edges only;
//! 2. a region is entered from outside only through its header;
//!
//! and the program is strict (every use is reached by a def on every path;
//! the allocator requires it).
//!
//! Let the vreg be live at point `p`: a def-free path `P` leads from `p` to
//! a use `u`. Before the first occurrence `f`, no point is live: a forward
//! path from the entry to `p` meets no occurrence, and followed by `P` it
//! would reach `u` without a def. Between the first and the last occurrence
//! the range covers `p`. After the last occurrence, `u < p`, so `P` goes
//! backwards. By (2), edges leave a region only forwards or back to an
//! enclosing region's header, and enter it only at its header; so among the
//! blocks and regions directly inside one region (or the function) a path
//! moves only forwards unless it passes that region's header. `P` going from
//! `p` back to `u` therefore passes the header `h` of some region that
//! contains both. If `h` were at or before `f`'s block, a forward path from
//! the entry to `h` (no occurrence on it) followed by `P` from `h` would again
//! reach `u` without a def. So `h` lies after `f`'s block and at or before
//! `u`'s, and the range reaches the region's end, past `p`.

use crate::linear_scan::{Point, Range, Ranges, early};
use crate::{Block, Function, OperandKind, OperandPos, RegAllocError};

/// Exact liveness is used while blocks × cross-block vregs stays at or
/// below this many bits (2 MB per set of rows); above it, when the CFG has
/// the shape [`regions`] needs, the intervals of this module.
pub(crate) const DENSE_LIVENESS_BITS: u64 = 1 << 24;

const NONE: u32 = u32::MAX;

/// Buffers of [`regions`] and [`build`], kept across functions.
#[derive(Default)]
pub(crate) struct HullBufs {
    /// Per block: the last block of the region it heads, or `NONE`.
    end: Vec<u32>,
    stack: Vec<(u32, u32)>,
    /// Segment tree over blocks: a leaf is the end point of the region
    /// headed there (0 for none), an inner node the maximum of its children.
    tree: Vec<Point>,
    /// Per vreg: the first occurrence's point (`NONE`: none yet), the
    /// range's end so far, and the blocks of the first and last occurrence.
    first: Vec<Point>,
    to: Vec<Point>,
    first_block: Vec<u32>,
    last_block: Vec<u32>,
    seen: Vec<bool>,
}

/// Whether the exact liveness sets of `func` would have more than
/// [`DENSE_LIVENESS_BITS`] bits, given the vregs with an upward-exposed use
/// (`gens`, as `(block, vreg)`).
pub(crate) fn too_big_for_sets<F: Function>(
    func: &F,
    gens: &[(u32, u32)],
    bufs: &mut HullBufs,
) -> bool {
    let nb = func.num_blocks() as u64;
    if nb * gens.len() as u64 <= DENSE_LIVENESS_BITS {
        return false;
    }
    let seen = &mut bufs.seen;
    seen.clear();
    seen.resize(func.num_vregs(), false);
    let mut globals = 0u64;
    for &(_, v) in gens {
        if !std::mem::replace(&mut seen[v as usize], true) {
            globals += 1;
        }
    }
    nb * globals > DENSE_LIVENESS_BITS
}

/// Finds the loop regions of `func` and checks conditions 1 and 2 of the
/// module docs. Returns `false` (use exact liveness) if they do not hold.
pub(crate) fn regions<F: Function>(func: &F, bufs: &mut HullBufs) -> bool {
    let nb = func.num_blocks();
    let HullBufs {
        end, stack, tree, ..
    } = bufs;
    end.clear();
    end.resize(nb, NONE);
    for (b, e) in end.iter_mut().enumerate() {
        let mut forward = b == 0;
        for &p in func.block_preds(Block(b as u32)) {
            let p = p.0;
            if (p as usize) < b {
                forward = true;
            } else if *e == NONE || p > *e {
                *e = p;
            }
        }
        if !forward {
            return false;
        }
    }
    // Widen the regions until they nest, right to left: `stack` holds the
    // outermost regions headed after `h`, the nearest on top.
    stack.clear();
    for h in (0..nb).rev() {
        let mut e = end[h];
        if e == NONE {
            continue;
        }
        while let Some(&(s, se)) = stack.last() {
            if s > e {
                break;
            }
            e = e.max(se);
            stack.pop();
        }
        end[h] = e;
        stack.push((h as u32, e));
    }
    // Condition 2, left to right: `stack` holds the regions containing `b`
    // (innermost on top). A forward edge into `b` must come from inside
    // every one of them except the region `b` heads.
    stack.clear();
    for (b, &e) in end.iter().enumerate() {
        while stack.last().is_some_and(|&(_, se)| (se as usize) < b) {
            stack.pop();
        }
        if let Some(&(outer, _)) = stack.last() {
            let entered_sideways = func
                .block_preds(Block(b as u32))
                .iter()
                .any(|p| (p.index()) < b && p.0 < outer);
            if entered_sideways {
                return false;
            }
        }
        if e != NONE {
            stack.push((b as u32, e));
        }
    }
    // The end point of each region, by header, for range-maximum queries.
    tree.clear();
    tree.resize(2 * nb, 0);
    for (b, &e) in end.iter().enumerate() {
        if e != NONE {
            tree[nb + b] = early(func.block_insns(Block(e)).last.index());
        }
    }
    for i in (1..nb).rev() {
        tree[i] = tree[2 * i].max(tree[2 * i + 1]);
    }
    true
}

/// The latest end point of the regions headed in blocks `lo..hi`.
fn region_end_max(tree: &[Point], nb: usize, lo: usize, hi: usize) -> Point {
    let (mut lo, mut hi) = (lo + nb, hi + nb);
    let mut m = 0;
    while lo < hi {
        if lo & 1 == 1 {
            m = m.max(tree[lo]);
            lo += 1;
        }
        if hi & 1 == 1 {
            hi -= 1;
            m = m.max(tree[hi]);
        }
        lo /= 2;
        hi /= 2;
    }
    m
}

/// Builds every vreg's interval (one range, see the module docs) into
/// `ranges`, after [`regions`] returned `true`.
pub(crate) fn build<F: Function>(
    func: &F,
    bufs: &mut HullBufs,
    ranges: &mut Vec<Ranges>,
) -> Result<(), RegAllocError> {
    let nb = func.num_blocks();
    let nv = func.num_vregs();
    let HullBufs {
        tree,
        first,
        to,
        first_block,
        last_block,
        ..
    } = bufs;
    first.clear();
    first.resize(nv, NONE);
    to.clear();
    to.resize(nv, 0);
    first_block.clear();
    first_block.resize(nv, 0);
    last_block.clear();
    last_block.resize(nv, 0);
    for b in 0..nb {
        let blk = Block(b as u32);
        for i in func.block_insns(blk).iter() {
            let e = early(i.index());
            let ops = func.inst_operands(i);
            // Uses read at the early point, before any def of the same
            // instruction.
            for op in ops.iter().filter(|op| op.kind == OperandKind::Use) {
                let v = op.vreg.index();
                if first[v] == NONE {
                    return Err(RegAllocError::InvalidInput(format!(
                        "v{v} is used before it is defined (live into the entry block)"
                    )));
                }
                to[v] = to[v].max(e + 1);
                last_block[v] = b as u32;
            }
            for op in ops.iter().filter(|op| op.kind == OperandKind::Def) {
                let v = op.vreg.index();
                if first[v] == NONE {
                    first[v] = if op.pos == OperandPos::Early {
                        e
                    } else {
                        e + 1
                    };
                    first_block[v] = b as u32;
                }
                // A def occupies its register through the late point.
                to[v] = to[v].max(e + 2);
                last_block[v] = b as u32;
            }
        }
    }
    ranges.truncate(nv);
    ranges.iter_mut().for_each(|r| r.clear());
    ranges.resize_with(nv, Ranges::new);
    for (v, r) in ranges.iter_mut().enumerate() {
        if first[v] == NONE {
            continue;
        }
        let (lo, hi) = (first_block[v] as usize + 1, last_block[v] as usize + 1);
        let mut end = to[v];
        if lo < hi {
            end = end.max(region_end_max(tree, nb, lo, hi));
        }
        r.push(Range {
            from: first[v],
            to: end,
        });
    }
    Ok(())
}
