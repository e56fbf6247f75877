//! `Mode::Optimizing`: linear scan with interval splitting, after Wimmer &
//! Mössenböck 2005 ("Optimized Interval Splitting in a Linear Scan Register
//! Allocator") and Wimmer & Franz 2010 (intervals with lifetime holes).
//!
//! Each vreg starts as one *child* covering its whole interval (the ranges
//! built by [`crate::linear_scan`]), or several if it is redefined after a
//! lifetime hole in a stretch that ends at a loop's back edge (see
//! `Scan::new`). Children are taken from a queue in order of their first
//! point; each is given:
//! 1. a register that is free (no fixed range of another vreg, no assigned
//!    child) for the whole child, preferring hints (for a child that starts
//!    at a move into its vreg, the register of the move's source; the
//!    register of the vreg's previous child, a fixed register the vreg is
//!    used or defined in inside the child, registers of vregs it is copied
//!    to or from or reused by). A two-address def whose reused input lives
//!    on takes the register of another input of its instruction only when
//!    no other is free: the input's copy would overwrite that one. Else
//! 2. the register free the longest (or the register of a vreg it is copied
//!    to or from, free for less long, if the split point would be the
//!    same), if that is past the child's start: the
//!    child is split before the register becomes unavailable (at a point
//!    after its last use before then, moved back to a block boundary of
//!    lower loop depth when there is one; a block start inside a loop's
//!    stretch of the layout, header excluded, costs as much as the loop,
//!    since a split there puts moves on every edge crossing it, back edge
//!    included) and the rest goes back to the queue; else
//! 3. (blocked) the register whose conflicting children within the child
//!    have the least total spill weight (loop-depth-weighted uses, `10^depth`,
//!    per program point), if that is below the child's own weight and the
//!    child uses the register before its next fixed conflict: those
//!    children are split at the current point (moved whole if they have no
//!    use before it), their remainder lives in the
//!    stack until just before its next register use, from where it is queued
//!    again; else
//! 4. the child itself is spilled until before its next register use (uses
//!    at its first instruction are served from the stack by scratch
//!    reloads), and the rest is queued; its reload moves up to a join
//!    shortly before that use when paths that did not spill the value
//!    enter it with the value in a register (`Scan::merge_before`), which
//!    saves a store on each of them. The rest, a reload, stays on the
//!    stack from the block after its last use, and from a block before its
//!    next use that is nested deeper than its first use's and entered from
//!    blocks laid out before it (`Scan::trim_reload`).
//!
//! A copy's operands (`Function::is_move`) count as register operands in
//! all of this even when their constraint is `Any`: the fix-up then uses
//! a slot where the scan left the value on the stack, but the scan does not
//! spill a value early because only copies use it next (which would store
//! it on every path into them, to be read back into a register anyway).
//!
//! Every queued remainder starts after the current point, so the scan ends;
//! a per-vreg cap on splits keeps the number of children linear in the uses.
//!
//! Then:
//! - Spill slots: one per vreg with a stack child, live from its first stack
//!   point to its last (including the edge moves that read or write it);
//!   vregs whose spans do not overlap share a slot.
//! - Split moves: where two children of a vreg touch inside a block, a move
//!   at `Before(i)` (priority 2, before the instruction's own moves).
//! - Edge resolution: for each CFG edge and each vreg live into the
//!   successor, a move from its location at the end of the predecessor to its
//!   location at the start of the successor; at `Before(first)` of a
//!   successor with one predecessor, else before the branch of the
//!   predecessor, which then must have one successor (critical edges split)
//!   and a branch without operands. Each edge's moves form one parallel move.
//! - The per-instruction fix-up of [`crate::linear_scan`] then meets operand
//!   constraints exactly as in `Mode::Fast`, reading each operand's location
//!   from the child covering the instruction.
//!
//! - Store elimination: a move into a vreg's slot is dropped where the slot
//!   already holds the vreg's current value on every path (a forward
//!   dataflow over which vreg each slot holds), so a value spilled, reloaded
//!   and spilled again without being redefined is stored once.
//!
//! - Rematerialization: a vreg for which [`Function::remat_constant`] gives
//!   a constant gets no slot. Its stack children live at a marker location
//!   (see [`crate::linear_scan::remat_marker`]): moves into it are dropped,
//!   moves out of it become [`Edit::Remat`]s into the destination register,
//!   placed after the parallel move of their point and priority (a remat
//!   reads nothing, so it commutes with the moves' reads, and its
//!   destination is no other move's destination). The fix-up does the same
//!   for reloads at operands.

use crate::linear_scan::{
    FixedRanges, Fixup, FixupBufs, Hints, Liveness, Locs, Point, PrioEdits, Range, Ranges, SPILLED,
    early, gallop, remat_marker, take_remats,
};
use crate::moves::{self, Move};
use crate::{
    Allocation, Block, Edit, Function, Inst, MachineEnv, OperandConstraint, OperandKind,
    OperandPos, Output, PReg, PRegSet, ProgPoint, RegAllocError, RegClass, SpillSlot,
};
use smallvec::SmallVec;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// One operand of a vreg, for weights and split decisions.
#[derive(Clone, Copy, Debug)]
struct Use {
    /// The point where the operand is read or written.
    pos: Point,
    /// Whether it needs the value in an allocatable register.
    reg: bool,
    /// A fixed register it must be in.
    fixed: Option<PReg>,
}

/// A piece of a vreg's interval with one location: the vreg's ranges
/// clipped to `[start, end)` (both covered by the vreg's ranges).
#[derive(Clone, Debug)]
struct Child {
    vreg: u32,
    start: Point,
    end: Point,
    /// `Reg`, `SPILLED`, or `None` while unassigned.
    alloc: Allocation,
    weight: f32,
    /// The child this one was split off (the vreg's piece just before it),
    /// or `NO_CHILD`.
    prev: u32,
}

/// No child (in [`Child::prev`]).
const NO_CHILD: u32 = u32::MAX;

/// How many ranges of its vreg a child looks at past its end when it
/// chooses among free registers (see [`Scan::allocate_in`]): a bound that
/// keeps the choice linear in the function when a value is redefined in
/// many loops one after another (each of its children would otherwise
/// look at all the ranges after it).
const LOOKAHEAD_RANGES: usize = 32;

impl Child {
    fn start(&self) -> Point {
        self.start
    }
    fn end(&self) -> Point {
        self.end
    }
}

/// The ranges of `r` clipped to `[start, end)`.
fn clipped(r: &[Range], start: Point, end: Point) -> impl Iterator<Item = Range> + '_ {
    let k = r.partition_point(|x| x.to <= start);
    r[k..]
        .iter()
        .take_while(move |x| x.from < end)
        .map(move |x| Range {
            from: x.from.max(start),
            to: x.to.min(end),
        })
}

/// `s.partition_point(pred)` for a monotone `pred`, searched from `hint`
/// (in either direction; cheap when the answer is near `hint`).
#[inline(never)]
fn seek<T>(s: &[T], hint: usize, pred: impl Fn(&T) -> bool) -> usize {
    let h = hint.min(s.len());
    if h == 0 || pred(&s[h - 1]) {
        return gallop(s, h, pred);
    }
    // The answer is below `h - 1`, where `pred` fails.
    let mut hi = h - 1;
    let mut step = 1;
    loop {
        if hi < step {
            return s[..hi].partition_point(&pred);
        }
        let probe = hi - step;
        if pred(&s[probe]) {
            return probe + 1 + s[probe + 1..hi].partition_point(&pred);
        }
        hi = probe;
        step *= 2;
    }
}

/// The first index of `a..b` where the monotone `pred` fails, or `b`.
fn bisect(mut a: usize, mut b: usize, pred: impl Fn(usize) -> bool) -> usize {
    while a < b {
        let m = a + (b - a) / 2;
        if pred(m) {
            a = m + 1;
        } else {
            b = m;
        }
    }
    a
}

/// `partition_point` over the indices `0..len` for a monotone `pred` that
/// holds on `..lo` (see [`gallop`]): searched forward from `lo`.
fn gallop_at(len: usize, lo: usize, pred: impl Fn(usize) -> bool) -> usize {
    if lo >= len || !pred(lo) {
        return lo;
    }
    let mut known = lo;
    let mut step = 1;
    loop {
        let probe = known + step;
        if probe >= len || !pred(probe) {
            return bisect(known + 1, probe.min(len), pred);
        }
        known = probe;
        step *= 2;
    }
}

/// [`seek`] over the indices `0..len`: the partition point of a monotone
/// `pred`, searched from `hint` in either direction.
fn seek_at(len: usize, hint: usize, pred: impl Fn(usize) -> bool) -> usize {
    let h = hint.min(len);
    if h == 0 || pred(h - 1) {
        return gallop_at(len, h, pred);
    }
    let mut hi = h - 1;
    let mut step = 1;
    loop {
        let probe = hi.saturating_sub(step);
        if probe == 0 || pred(probe) {
            let a = if pred(probe) { probe + 1 } else { probe };
            return bisect(a, hi, pred);
        }
        hi = probe;
        step *= 2;
    }
}

/// One range of a lane: `(from, to, child)`.
type LaneEntry = (Point, Point, u32);

/// The ranges of the children assigned to one register, `(from, to,
/// child)`: disjoint, sorted by `from` (so by `to` too), addressed by
/// their index in that order. They are kept as a gap buffer: `front`
/// holds the first ones in order and `back` the rest in reverse order, so
/// that inserting at the gap costs nothing and moving the gap costs the
/// distance. Children are allocated roughly in order of their start, so
/// insertions mostly come in order: near the end, or, once a child with
/// many ranges (a value live across a loop with many paths) has taken the
/// register, one hole of it after the other; with one sorted vector, each
/// of those would move the whole rest of the list (quadratic in a loop
/// with thousands of cases).
#[derive(Default)]
struct Lane {
    front: Vec<LaneEntry>,
    back: Vec<LaneEntry>,
    /// Where the last [`Lane::seek`] ended (a hint).
    head: usize,
}

impl Lane {
    fn len(&self) -> usize {
        self.front.len() + self.back.len()
    }

    /// The range at index `k` (below [`Lane::len`]).
    #[inline]
    fn get(&self, k: usize) -> LaneEntry {
        let f = self.front.len();
        if k < f {
            self.front[k]
        } else {
            self.back[self.back.len() - 1 - (k - f)]
        }
    }

    /// The ranges in order.
    fn iter(&self) -> impl Iterator<Item = &LaneEntry> {
        self.front.iter().chain(self.back.iter().rev())
    }

    fn clear(&mut self) {
        self.front.clear();
        self.back.clear();
        self.head = 0;
    }

    /// Moves the gap to index `p`.
    fn gap_to(&mut self, p: usize) {
        while self.front.len() > p {
            let x = self.front.pop().expect("front is longer than p");
            self.back.push(x);
        }
        while self.front.len() < p {
            let Some(x) = self.back.pop() else { break };
            self.front.push(x);
        }
    }

    /// The index of the first range ending after `p` (searched from the
    /// last such search's answer).
    #[inline]
    fn seek(&mut self, p: Point) -> usize {
        // (The gap is mostly at the end: one sorted slice then.)
        if !self.back.is_empty() {
            return self.seek_gapped(p);
        }
        let (l, h) = (&self.front, self.head);
        if h <= l.len() && l.get(h).is_none_or(|x| x.1 > p) && (h == 0 || l[h - 1].1 <= p) {
            return h;
        }
        self.head = seek(l, h, |x| x.1 <= p);
        self.head
    }

    /// [`Lane::seek`] with the gap inside the list.
    #[inline(never)]
    fn seek_gapped(&mut self, p: Point) -> usize {
        let (n, h) = (self.len(), self.head);
        if h <= n && (h == n || self.get(h).1 > p) && (h == 0 || self.get(h - 1).1 <= p) {
            return h;
        }
        self.head = seek_at(n, h, |k| self.get(k).1 <= p);
        self.head
    }

    /// The first point of `[from, to)` covered by a range, if any, and the
    /// index of the first range ending after `from`, searched from `k` (at
    /// most that index).
    #[inline]
    fn first_in(&self, from: Point, to: Point, k: usize) -> (Option<Point>, usize) {
        let n = self.len();
        let k = if self.back.is_empty() {
            gallop(&self.front, k, |x| x.1 <= from)
        } else {
            gallop_at(n, k, |i| self.get(i).1 <= from)
        };
        let first = (k < n)
            .then(|| self.get(k))
            .and_then(|x| (x.0 < to).then(|| x.0.max(from)));
        (first, k)
    }

    /// Calls `f` with the child of each range overlapping `[from, to)`, in
    /// order, searching from `k` as [`Lane::first_in`]; stops early (and
    /// returns `None`) when `f` returns false.
    #[inline]
    fn overlaps(
        &self,
        from: Point,
        to: Point,
        k: usize,
        mut f: impl FnMut(u32) -> bool,
    ) -> Option<usize> {
        let n = self.len();
        if self.back.is_empty() {
            let k = gallop(&self.front, k, |x| x.1 <= from);
            return self.front[k..]
                .iter()
                .take_while(|x| x.0 < to)
                .all(|x| f(x.2))
                .then_some(k);
        }
        let k = gallop_at(n, k, |i| self.get(i).1 <= from);
        (k..n)
            .map(|i| self.get(i))
            .take_while(|x| x.0 < to)
            .all(|x| f(x.2))
            .then_some(k)
    }

    /// Adds the ranges `rs` (sorted, disjoint from the lane's) of child `c`.
    fn insert(&mut self, rs: &[Range], c: u32) {
        let Some(first) = rs.first() else { return };
        // The ranges from `p` on start after the first new one.
        let p = if self.back.is_empty() {
            seek(&self.front, self.head, |x| x.0 < first.from)
        } else {
            seek_at(self.len(), self.head, |k| self.get(k).0 < first.from)
        };
        self.gap_to(p);
        for r in rs {
            while let Some(&x) = self.back.last()
                && x.0 < r.from
            {
                self.back.pop();
                self.front.push(x);
            }
            self.front.push((r.from, r.to, c));
        }
        debug_assert!(
            {
                let f = &self.front;
                let k = p.saturating_sub(1);
                f[k..]
                    .iter()
                    .chain(self.back.last())
                    .collect::<Vec<_>>()
                    .windows(2)
                    .all(|x| x[0].1 <= x[1].0 && x[0].0 < x[0].1)
            },
            "overlapping ranges in a lane"
        );
    }

    /// Removes the ranges of child `c`, which all start at or after
    /// `start`.
    fn remove(&mut self, c: u32, start: Point) {
        let p = seek_at(self.len(), self.head, |k| self.get(k).0 < start);
        self.gap_to(p);
        self.back.retain(|x| x.2 != c);
    }
}

/// What [`Scan::free_until`] learned of [`Scan::fixed_block`] for a
/// register: the answer, or that no fixed range blocks the register in the
/// current child's ranges before range `.0`, from where the search goes on
/// (at fixed range `.1` or later).
#[derive(Clone, Copy)]
enum FixedHint {
    Known(Point),
    From(u32, u32),
}

/// How many block boundaries a split-position search looks at.
const SPLIT_SEARCH: usize = 256;

/// How far before a stack piece's next register use (in points) a join
/// may take its reload instead ([`Scan::merge_before`]). A short piece from
/// the join to the use nearly always keeps its register; a longer one may
/// have to be spilled again, and then stores on every path (with no limit,
/// the suite's strings ran 1% more instructions, hashtable 4% fewer).
const MERGE_REACH: Point = 16;

/// The buffers of [`Scan`] and [`run`], kept from one function to the next
/// (in [`crate::linear_scan::Ctx`]).
#[derive(Default)]
pub(crate) struct SplitBufs {
    /// `uses[use_at[v]..use_at[v + 1]]`: vreg `v`'s operands sorted by
    /// point; `wsum[use_at[v] + v..=use_at[v + 1] + v]`: prefix sums of
    /// their loop-depth weights (`wsum[use_at[v] + v + k]` = weight of the
    /// first `k` uses).
    use_at: Vec<u32>,
    uses: Vec<Use>,
    wsum: Vec<f32>,
    /// `rlen[range_at[v]..]`: prefix sums of the lengths of vreg `v`'s
    /// ranges (one more entry than ranges).
    range_at: Vec<u32>,
    rlen: Vec<u32>,
    class: Vec<RegClass>,
    children: Vec<Child>,
    lanes: Vec<Lane>,
    /// Per register, the first fixed range ending after the current point.
    fixed_head: Vec<u32>,
    /// The initial children as `(start, child)` sorted, taken from `next`
    /// on; later ones (remainders of splits) in `queue`.
    initial: Vec<(Point, u32)>,
    next: usize,
    queue: BinaryHeap<Reverse<(Point, u32)>>,
    /// Splits done per vreg.
    splits: Vec<u32>,
    /// The register most recently given to a child of each vreg.
    last_reg: Vec<Option<PReg>>,
    /// `(point, def, other)`, by point: a two-address def at `point` (a late
    /// point) whose reused input lives on, and a vreg `other` that the
    /// instruction also reads. The input is copied into the def's register
    /// before the instruction, so that register should not be `other`'s.
    reuse_avoid: Vec<(Point, u32, u32)>,
    /// The first entry of `reuse_avoid` at or after the current point.
    reuse_head: usize,
    /// Per register, `(start, vreg)` of vregs without a register yet that
    /// a related vreg's register (this one) will be offered to as a hint:
    /// a child free to take another register leaves it to them.
    wanted: Vec<Vec<(Point, u32)>>,
    /// Per instruction that is a move (`Function::is_move`): its source
    /// and destination vregs, else `(NONE_VREG, NONE_VREG)`.
    copies: Vec<(u32, u32)>,
    block_of: Vec<u32>,
    depth: Vec<u32>,
    /// Per block, `10^depth`: the weight of a use there.
    freq: Vec<f32>,
    /// The first point of each block (layout order, ascending).
    block_starts: Vec<Point>,
    /// The cost of a split at each block's start (the loop depth of its
    /// cheapest incoming forward edge).
    start_cost: Vec<u32>,
    /// Per block, the lowest layout index of its predecessors.
    min_pred: Vec<u32>,
    /// Scratch for [`Scan::new`]'s loop stretches.
    cover: Vec<i32>,
    cover_diff: Vec<i32>,
    /// The ranges of the child being allocated.
    cur: Vec<Range>,
    /// Per vreg, whether [`Scan::new`] gave it several children, one per
    /// stretch of its interval that ends at a loop's back edge (see
    /// [`Scan::allocate_in`]'s step 1).
    chained: Vec<bool>,
    /// Scratch: `cur` while step 1 looks past the child's end.
    cur_saved: Vec<Range>,
    /// Scratch list of conflicting children.
    list: Vec<u32>,
    /// Per candidate, what [`Scan::free_until`] learned.
    hints: Vec<FixedHint>,
    /// Candidate registers, and the registers of each class (kept for
    /// their memory).
    cands: Vec<PReg>,
    regs: [Vec<PReg>; 2],
    /// Scratch counts for counting sorts.
    counts: Vec<u32>,
    post: PostBufs,
}

/// No vreg (in [`SplitBufs::copies`]).
const NONE_VREG: u32 = u32::MAX;

/// Clears `v` and makes it `n` copies of `x`, keeping its memory.
fn refill<T: Clone>(v: &mut Vec<T>, n: usize, x: T) {
    v.clear();
    v.resize(n, x);
}

/// Notes in `list` (see [`SplitBufs::reuse_avoid`]) the other inputs of
/// the instruction at `e` (operands `ops`) whose def of vreg `v` reuses
/// operand `n`, if that input lives on.
fn note_reuse(
    list: &mut Vec<(Point, u32, u32)>,
    ranges: &[Ranges],
    ops: &[crate::Operand],
    v: usize,
    n: usize,
    e: Point,
) {
    let input = ops[n].vreg.index();
    let r = &ranges[input];
    let k = r.partition_point(|x| x.to <= e + 1);
    if r.get(k).is_some_and(|x| x.from <= e + 1) {
        for o in ops {
            let w = o.vreg.index();
            if o.kind == OperandKind::Use && w != input && w != v {
                list.push((e + 1, v as u32, w as u32));
            }
        }
    }
}

struct Scan<'a> {
    /// Each vreg's ranges.
    vranges: &'a [Ranges],
    fixed: &'a FixedRanges,
    hint_fixed: &'a [Option<PReg>],
    related: &'a [SmallVec<[u32; 2]>],
    /// The allocatable registers of each class (a mask by hardware
    /// encoding), and in order without repeats.
    allowed: [u64; 2],
    regs: [Vec<PReg>; 2],
    /// The start of the child being allocated.
    now: Point,
    b: SplitBufs,
}

/// Where values live into the body of a function with an *early exit*
/// start a new child: the first point of block `y` when the entry block
/// ends in a two-way branch to `y` (whose only predecessor it is) and to an
/// early exit, a part of the function that only returns, makes no call
/// (no instruction with clobbers), and is laid out between the two
/// (every block reachable from its first lies before `y`; so is the entry
/// block free of calls). A value that lives across the body's calls then
/// takes its callee-saved register at the start of the body, not in the
/// entry block: the entry and the early exit keep it where it is (an
/// argument register), so that they touch no callee-saved register and
/// the emitter can leave the saves, and even the frame, to the body
/// (shrink-wrapping, `if (n < 2) return n;`). The body's path makes the
/// same move it would have made in the entry block.
fn early_exit_split<F: Function>(func: &F, block_starts: &[Point]) -> Option<Point> {
    let nb = func.num_blocks();
    let succs = func.block_succs(Block(0));
    let calls = |blk: usize| {
        func.block_insns(Block(blk as u32))
            .iter()
            .any(|i| !func.inst_clobbers(i).is_empty())
    };
    let [a, b] = *succs else { return None };
    if calls(0) {
        return None;
    }
    for (x, y) in [(a.index(), b.index()), (b.index(), a.index())] {
        if x == 0 || y == 0 || x >= y || func.block_preds(Block(y as u32)).len() != 1 {
            continue;
        }
        // Every block reachable from `x` lies in `[x, y)` and calls
        // nothing. (Blocks in layout order; `seen` keeps the search linear.)
        let mut seen = vec![false; y - x];
        let mut stack = vec![x];
        seen[0] = true;
        let mut ok = true;
        while let Some(q) = stack.pop() {
            if calls(q) {
                ok = false;
                break;
            }
            for &t in func.block_succs(Block(q as u32)) {
                let t = t.index();
                if t < x || t >= y {
                    ok = false;
                    break;
                }
                if !seen[t - x] {
                    seen[t - x] = true;
                    stack.push(t);
                }
            }
            if !ok {
                break;
            }
        }
        if ok && y < nb {
            return Some(block_starts[y]);
        }
    }
    None
}

impl<'a> Scan<'a> {
    fn new<F: Function>(
        func: &F,
        env: &'a MachineEnv,
        ranges: &'a [Ranges],
        fixed: &'a FixedRanges,
        h: &'a Hints,
        mut b: SplitBufs,
    ) -> Self {
        let nv = ranges.len();
        let nb = func.num_blocks();
        let ni = func.num_insts();
        refill(&mut b.block_of, ni, 0);
        refill(&mut b.copies, ni, (NONE_VREG, NONE_VREG));
        b.depth.clear();
        b.block_starts.clear();
        for blk in 0..nb {
            let r = func.block_insns(Block(blk as u32));
            b.depth
                .push(func.block_loop_depth(Block(blk as u32)).min(6));
            b.block_starts.push(early(r.first.index()));
            b.block_of[r.first.index()..r.last.index()].fill(blk as u32);
        }
        b.freq.clear();
        b.freq.extend(b.depth.iter().map(|&d| 10f32.powi(d as i32)));
        // Loops by layout: per block, how many loops' stretches `(header,
        // furthest back-edge source]` contain it. A split at a block start
        // inside such a stretch moves the value on every edge that crosses
        // it in layout order, back edge included, even where the block
        // itself runs once (an exit path laid out inside the loop).
        refill(&mut b.cover, nb + 1, 0);
        for q in 0..nb {
            for &h in func.block_succs(Block(q as u32)) {
                let h = h.index();
                if h <= q {
                    // (Furthest back-edge source per header, kept in
                    // `cover[h]` until the pass below; `q + 1` so that 0
                    // means none.)
                    b.cover[h] = b.cover[h].max(q as i32 + 1);
                }
            }
        }
        let mut diff = std::mem::take(&mut b.cover_diff);
        refill(&mut diff, nb + 1, 0);
        for h in 0..nb {
            let far = b.cover[h];
            if far > 0 {
                diff[h + 1] += 1;
                diff[far as usize] -= 1;
            }
        }
        let mut inside = 0i32;
        b.start_cost.clear();
        for blk in 0..nb {
            inside += diff[blk];
            let depth = &b.depth;
            let cost = func
                .block_preds(Block(blk as u32))
                .iter()
                .filter(|p| p.index() < blk)
                .map(|p| depth[p.index()].min(depth[blk]))
                .min()
                .unwrap_or(depth[blk]);
            b.start_cost.push(cost.max(inside.clamp(0, 6) as u32));
        }
        b.cover_diff = diff;
        b.min_pred.clear();
        b.min_pred.extend((0..nb).map(|blk| {
            func.block_preds(Block(blk as u32))
                .iter()
                .map(|p| p.0)
                .min()
                .unwrap_or(u32::MAX)
        }));
        let entry_split = early_exit_split(func, &b.block_starts);
        // Operands per vreg: count, then place (in instruction order, each
        // kept sorted by point by insertion: stable, like a stable sort).
        refill(&mut b.class, nv, RegClass::Int);
        refill(&mut b.use_at, nv + 1, 0);
        for i in 0..ni {
            for op in func.inst_operands(Inst(i as u32)) {
                b.use_at[op.vreg.index() + 1] += 1;
            }
        }
        for v in 0..nv {
            b.use_at[v + 1] += b.use_at[v];
        }
        let total = b.use_at[nv] as usize;
        refill(
            &mut b.uses,
            total,
            Use {
                pos: 0,
                reg: false,
                fixed: None,
            },
        );
        refill(&mut b.wsum, total + nv, 0.0);
        b.reuse_avoid.clear();
        b.reuse_head = 0;
        // `fill[v]`: uses of `v` placed so far (borrowing `splits`).
        let fill = &mut b.splits;
        refill(fill, nv, 0);
        for i in 0..ni {
            let ops = func.inst_operands(Inst(i as u32));
            let is_move = ops.len() == 2 && func.is_move(Inst(i as u32));
            if let [a, b2] = ops
                && is_move
            {
                let (src, dst) = if a.kind == OperandKind::Use {
                    (a, b2)
                } else {
                    (b2, a)
                };
                if src.kind == OperandKind::Use && dst.kind == OperandKind::Def {
                    b.copies[i] = (src.vreg.index() as u32, dst.vreg.index() as u32);
                }
            }
            let e = early(i);
            let freq = b.freq[b.block_of[i] as usize];
            for op in ops {
                let v = op.vreg.index();
                b.class[v] = op.vreg.class();
                let pos = if op.kind == OperandKind::Def && op.pos == OperandPos::Late {
                    e + 1
                } else {
                    e
                };
                if let OperandConstraint::Reuse(n) = op.constraint {
                    note_reuse(&mut b.reuse_avoid, ranges, ops, v, n as usize, e);
                }
                let (reg, fixed, bonus) = match op.constraint {
                    OperandConstraint::Reg | OperandConstraint::Reuse(_) => (true, None, 1.0),
                    // A copy's operands may be slots (`Any`), but they are
                    // placed as register operands: a value spilled only for
                    // its copies would be stored on every path into them
                    // and read back for the copy's register anyway.
                    OperandConstraint::Any if is_move => (true, None, 1.0),
                    OperandConstraint::FixedReg(p) => (false, Some(p), 0.5),
                    OperandConstraint::Any => (false, None, 0.5),
                };
                // The prefix sums follow operand order; sorting by point
                // keeps them right only if no vreg has operands out of
                // point order within one instruction; operands of one
                // instruction share the instruction's weight, so reorder
                // them together: sums over whole instructions are
                // unaffected.
                let base = b.use_at[v] as usize;
                let k = fill[v] as usize;
                fill[v] += 1;
                let ws = base + v + k;
                b.wsum[ws + 1] = b.wsum[ws] + freq * bonus;
                let mut at = base + k;
                while at > base && b.uses[at - 1].pos > pos {
                    b.uses[at] = b.uses[at - 1];
                    at -= 1;
                }
                b.uses[at] = Use { pos, reg, fixed };
            }
        }
        refill(&mut b.splits, nv, 0);
        // Prefix sums of range lengths.
        b.range_at.clear();
        b.rlen.clear();
        for r in ranges {
            b.range_at.push(b.rlen.len() as u32);
            let mut acc = 0;
            b.rlen.push(0);
            for x in r {
                acc += x.to - x.from;
                b.rlen.push(acc);
            }
        }
        b.children.clear();
        b.lanes.resize_with(PReg::NUM_INDEX, Lane::default);
        for l in &mut b.lanes {
            l.clear();
        }
        refill(&mut b.fixed_head, PReg::NUM_INDEX, 0);
        b.queue.clear();
        b.initial.clear();
        b.next = 0;
        refill(&mut b.last_reg, nv, None);
        b.wanted.resize_with(PReg::NUM_INDEX, Vec::new);
        b.wanted.iter_mut().for_each(Vec::clear);
        let mut allowed = [0u64; 2];
        let mut regs = [
            std::mem::take(&mut b.regs[0]),
            std::mem::take(&mut b.regs[1]),
        ];
        for c in 0..2 {
            regs[c].clear();
            for &r in &env.regs[c] {
                if allowed[c] & (1 << r.hw_enc()) == 0 {
                    allowed[c] |= 1 << r.hw_enc();
                    regs[c].push(r);
                }
            }
        }
        let mut s = Scan {
            vranges: ranges,
            fixed,
            hint_fixed: &h.fixed,
            related: &h.related,
            allowed,
            regs,
            now: 0,
            b,
        };
        // A vreg redefined after a lifetime hole (a non-SSA vreg: a block
        // parameter assigned by copies on the incoming edges) starts a new
        // child at the redefinition when that stretch of its interval ends
        // in a block that jumps back to a loop header: the value before the
        // hole is dead, so no move joins the two children, and the new one
        // picks its register afresh (the source of the copy that defines
        // it), which makes the back edge's moves disappear where one child
        // for the whole interval would keep the register the first
        // stretch got. (A range that does not begin at a block start
        // begins at a definition.) Stretches ending in forward edges stay
        // together: one register for all the edges into a join block means
        // the copies there are the only moves.
        refill(&mut s.b.chained, nv, false);
        for (v, r) in ranges.iter().enumerate() {
            let Some(first) = r.first() else { continue };
            let mut start = first.from;
            let mut k = 1;
            while k < r.len() {
                let from = r[k].from;
                let b = s.b.block_of[(from / 2) as usize] as usize;
                if r[k - 1].to < from && s.b.block_starts[b] != from {
                    // The stretch from `from`: up to the next such point.
                    let mut j = k + 1;
                    while j < r.len() {
                        let f = r[j].from;
                        let bj = s.b.block_of[(f / 2) as usize] as usize;
                        if r[j - 1].to < f && s.b.block_starts[bj] != f {
                            break;
                        }
                        j += 1;
                    }
                    let last = r[j - 1].to - 1;
                    let blk = s.b.block_of[(last / 2) as usize];
                    let back = func.block_succs(Block(blk)).iter().any(|t| t.0 <= blk);
                    if back {
                        s.new_child(v as u32, start, r[k - 1].to, NO_CHILD);
                        s.b.chained[v] = true;
                        start = from;
                    }
                    k = j;
                } else {
                    k += 1;
                }
            }
            let end = r[r.len() - 1].to;
            // (See `early_exit_split`. A child's ends are covered by its
            // vreg's ranges: where a range starts at the split point, after
            // a hole, the first child ends with the range before it; where
            // the point is in a hole, there is nothing to split.)
            let mut split = None;
            if let Some(p) = entry_split
                && start < p
                && p < end
            {
                let k = r.partition_point(|x| x.from < p);
                if k > 0 {
                    let prev = r[k - 1];
                    if prev.to > p {
                        split = Some((p, p));
                    } else if k < r.len() && r[k].from == p && prev.to > start {
                        split = Some((prev.to, p));
                    }
                }
            }
            match split {
                Some((first_end, second_start)) => {
                    let first = s.new_child(v as u32, start, first_end, NO_CHILD);
                    s.new_child(v as u32, second_start, end, first as u32);
                }
                None => {
                    s.new_child(v as u32, start, end, NO_CHILD);
                }
            }
        }
        // The initial children by start (then index): a counting sort.
        let b = &mut s.b;
        refill(&mut b.counts, 2 * ni + 2, 0);
        for ch in &b.children {
            b.counts[ch.start as usize + 1] += 1;
        }
        for p in 0..2 * ni + 1 {
            b.counts[p + 1] += b.counts[p];
        }
        refill(&mut b.initial, b.children.len(), (0, 0));
        for (c, ch) in b.children.iter().enumerate() {
            let at = &mut b.counts[ch.start as usize];
            b.initial[*at as usize] = (ch.start, c as u32);
            *at += 1;
        }
        s
    }

    /// The uses of `v`, sorted by point.
    fn uses(&self, v: usize) -> &[Use] {
        &self.b.uses[self.b.use_at[v] as usize..self.b.use_at[v + 1] as usize]
    }

    fn new_child(&mut self, vreg: u32, start: Point, end: Point, prev: u32) -> usize {
        let weight = self.weight(vreg as usize, start, end);
        self.b.children.push(Child {
            vreg,
            start,
            end,
            alloc: Allocation::None,
            weight,
            prev,
        });
        self.b.children.len() - 1
    }

    fn push(&mut self, c: usize) {
        self.b
            .queue
            .push(Reverse((self.b.children[c].start(), c as u32)));
    }

    /// The next child in order of start (then of index).
    fn pop(&mut self) -> Option<usize> {
        let a = self.b.initial.get(self.b.next).copied();
        let q = self.b.queue.peek().map(|x| x.0);
        match (a, q) {
            (Some(a), Some(q)) if q < a => self.b.queue.pop().map(|x| x.0.1 as usize),
            (Some(a), _) => {
                self.b.next += 1;
                Some(a.1 as usize)
            }
            (None, Some(_)) => self.b.queue.pop().map(|x| x.0.1 as usize),
            (None, None) => None,
        }
    }

    /// Loop-weighted uses per program point of `ranges` (of vreg `v`).
    fn weight(&self, v: usize, start: Point, end: Point) -> f32 {
        // (`partition_point`s, mostly answered by their ends: children
        // often start at the first use or range, or end at the last.)
        fn pp<T>(s: &[T], pred: impl Fn(&T) -> bool) -> usize {
            match (s.first(), s.last()) {
                (Some(f), _) if !pred(f) => 0,
                (_, Some(l)) if pred(l) => s.len(),
                _ => s.partition_point(pred),
            }
        }
        let u = self.uses(v);
        let a = pp(u, |x| x.pos < start);
        let b = pp(u, |x| x.pos < end);
        let ws = &self.b.wsum[self.b.use_at[v] as usize + v..];
        // Covered points in `[start, end)` (both ends are covered).
        let r = &self.vranges[v];
        let rlen = &self.b.rlen[self.b.range_at[v] as usize..];
        let k1 = pp(r, |x| x.to <= start);
        let k2 = pp(r, |x| x.from < end);
        let len = rlen[k2] - rlen[k1] - (start - r[k1].from) - (r[k2 - 1].to - end);
        (ws[b] - ws[a]) / (len as f32 + 2.0)
    }

    fn can_split(&self, v: usize) -> bool {
        (self.b.splits[v] as usize) < 2 * self.uses(v).len() + 8
    }

    /// Moves the part of child `c` from point `p` (> its start) on into a new
    /// child, which is returned if it is not empty.
    fn split_off(&mut self, c: usize, p: Point) -> Option<usize> {
        debug_assert!(p > self.b.children[c].start() && p.is_multiple_of(2));
        let v = self.b.children[c].vreg;
        self.b.splits[v as usize] += 1;
        let (start, end) = (self.b.children[c].start, self.b.children[c].end);
        let r = &self.vranges[v as usize];
        // The first part ends with the last range starting before `p`.
        let k = r.partition_point(|x| x.from < p);
        let a_end = r[k - 1].to.min(p);
        self.b.children[c].end = a_end;
        self.b.children[c].weight = self.weight(v as usize, start, a_end);
        // The rest starts with the first range ending after `p`.
        let k = r.partition_point(|x| x.to <= p);
        if k == r.len() || r[k].from >= end {
            return None;
        }
        let b_start = r[k].from.max(p);
        Some(self.new_child(v, b_start, end, c as u32))
    }

    /// The first use of `v` in `[from, to)` that needs a register.
    fn next_reg_use(&self, v: usize, from: Point, to: Point) -> Option<Point> {
        let u = self.uses(v);
        let k = u.partition_point(|x| x.pos < from);
        u[k..]
            .iter()
            .take_while(|x| x.pos < to)
            .find(|x| x.reg)
            .map(|x| x.pos)
    }

    /// The last use of `v` in `[from, to)`.
    fn last_use_before(&self, v: usize, from: Point, to: Point) -> Option<Point> {
        let u = self.uses(v);
        let k = u.partition_point(|x| x.pos < to);
        (k > 0 && u[k - 1].pos >= from).then(|| u[k - 1].pos)
    }

    /// The cost of a split at `p` (moves there run this often, as a power of
    /// ten).
    fn point_cost(&self, p: Point) -> u32 {
        let b = self.b.block_of[(p / 2) as usize] as usize;
        if self.b.block_starts[b] == p {
            self.b.start_cost[b]
        } else {
            self.b.depth[b]
        }
    }

    /// A split point in `(lo, hi]` (`hi` even, `> lo`): the latest of the
    /// cheapest among `hi` and the block starts in between.
    fn best_split(&self, lo: Point, hi: Point) -> Point {
        debug_assert!(hi > lo && hi.is_multiple_of(2));
        let mut best = hi;
        let mut cost = self.point_cost(hi);
        if cost == 0 {
            return best;
        }
        let starts = &self.b.block_starts;
        let k = starts.partition_point(|&b| b < hi);
        for (n, b) in (0..k).rev().enumerate() {
            let p = starts[b];
            if p <= lo || n >= SPLIT_SEARCH {
                break;
            }
            if self.b.start_cost[b] < cost {
                cost = self.b.start_cost[b];
                best = p;
                if cost == 0 {
                    break;
                }
            }
        }
        best
    }

    /// Fills `cur` with the ranges of child `c`.
    fn load_ranges(&mut self, c: usize) {
        let ch = &self.b.children[c];
        let r = &self.vranges[ch.vreg as usize];
        self.b.cur.clear();
        // (A child not split yet covers all of its vreg's ranges.)
        if r.first().is_some_and(|x| x.from == ch.start) && r.last().is_some_and(|x| x.to == ch.end)
        {
            self.b.cur.extend_from_slice(r);
        } else {
            self.b.cur.extend(clipped(r, ch.start, ch.end));
        }
    }

    /// Clips `cur` (the ranges of child `c`) to the child's end, after a
    /// split moved it back.
    fn clip_cur(&mut self, c: usize) {
        let end = self.b.children[c].end;
        let cur = &mut self.b.cur;
        let k = cur.partition_point(|x| x.from < end);
        cur.truncate(k);
        if let Some(l) = cur.last_mut() {
            l.to = l.to.min(end);
        }
    }

    /// Register `r`'s fixed ranges from the first one ending after the
    /// current point (searched from where the last search for `r` ended:
    /// the current point mostly grows).
    fn fixed_from(&mut self, r: PReg) -> usize {
        let f = &self.fixed[r.index()];
        let now = self.now;
        let h = &mut self.b.fixed_head[r.index()];
        let k = *h as usize;
        if k <= f.len()
            && f.get(k).is_none_or(|x| x.range.to > now)
            && (k == 0 || f[k - 1].range.to <= now)
        {
            return k;
        }
        *h = seek(f, k, |x| x.range.to <= now) as u32;
        *h as usize
    }

    /// The first point of the current child (vreg `v`, ranges `cur`) where
    /// fixed ranges of other vregs occupy `r`, or `Point::MAX`; `hint` is
    /// what [`Scan::free_until`] learned of it.
    fn fixed_block(&self, r: PReg, v: u32, hint: FixedHint) -> Point {
        let (from, mut k) = match hint {
            FixedHint::Known(p) => return p,
            FixedHint::From(i, k) => (i as usize, k as usize),
        };
        let f = &self.fixed[r.index()];
        for rg in &self.b.cur[from..] {
            // (Fixed ranges lie within one instruction, so sorted by start
            // they are sorted by end too.)
            k = gallop(f, k, |x| x.range.to <= rg.from);
            for x in &f[k..] {
                if x.range.from >= rg.to {
                    break;
                }
                if x.owner != v {
                    return x.range.from.max(rg.from);
                }
            }
        }
        Point::MAX
    }

    /// The first point of the current child (vreg `v`, ranges `cur`) where
    /// `r` is not free, or `Point::MAX`; and what it learned of
    /// [`Scan::fixed_block`].
    fn free_until(&mut self, r: PReg, v: u32) -> (Point, FixedHint) {
        let mut k = self.fixed_from(r);
        let mut kl = self.b.lanes[r.index()].seek(self.now);
        let f = &self.fixed[r.index()];
        let lane = &self.b.lanes[r.index()];
        for (i, rg) in self.b.cur.iter().enumerate() {
            let mut first = Point::MAX;
            k = gallop(f, k, |x| x.range.to <= rg.from);
            for x in &f[k..] {
                if x.range.from >= rg.to {
                    break;
                }
                if x.owner != v {
                    first = x.range.from.max(rg.from);
                    break;
                }
            }
            let (p, k2) = lane.first_in(rg.from, rg.to, kl);
            kl = k2;
            if let Some(p) = p {
                // (No fixed range blocks `r` in earlier ranges.)
                let hint = if first != Point::MAX {
                    FixedHint::Known(first)
                } else {
                    FixedHint::From(i as u32 + 1, k as u32)
                };
                return (first.min(p), hint);
            }
            if first != Point::MAX {
                return (first, FixedHint::Known(first));
            }
        }
        (Point::MAX, FixedHint::Known(Point::MAX))
    }

    /// For child `c` (ranges in `cur`), free in `r` for its whole length:
    /// the first point up to `to` where `r` is not free for its vreg `v`
    /// past the child's end (its vreg's ranges from the child's start, at
    /// most [`LOOKAHEAD_RANGES`] of them), or `Point::MAX`. Leaves `cur` as
    /// it was.
    fn free_until_past(&mut self, c: usize, r: PReg, v: u32, to: Point) -> Point {
        let start = self.b.children[c].start;
        std::mem::swap(&mut self.b.cur, &mut self.b.cur_saved);
        self.b.cur.clear();
        self.b
            .cur
            .extend(clipped(&self.vranges[v as usize], start, to).take(LOOKAHEAD_RANGES));
        let (fu, _) = self.free_until(r, v);
        std::mem::swap(&mut self.b.cur, &mut self.b.cur_saved);
        fu
    }

    /// The children assigned to `r` that overlap the current child (ranges
    /// `cur`) before `lim`, into `list`, and their total weight; `None` once
    /// the weight reaches `budget`.
    fn conflicts(&mut self, r: PReg, lim: Point, budget: f32, list: &mut Vec<u32>) -> Option<f32> {
        let mut k = self.b.lanes[r.index()].seek(self.now);
        let lane = &self.b.lanes[r.index()];
        list.clear();
        let mut cost = 0f32;
        for rg in &self.b.cur {
            if rg.from >= lim {
                break;
            }
            k = lane.overlaps(rg.from, rg.to.min(lim), k, |w| {
                if !list.contains(&w) {
                    list.push(w);
                    cost += self.b.children[w as usize].weight;
                }
                cost < budget
            })?;
        }
        Some(cost)
    }

    fn assign(&mut self, c: usize, r: PReg) {
        self.note_wanted(c, r);
        let ch = &mut self.b.children[c];
        ch.alloc = Allocation::Reg(r);
        self.b.last_reg[ch.vreg as usize] = Some(r);
        let (v, start, end) = (ch.vreg, ch.start, ch.end);
        let lane = &mut self.b.lanes[r.index()];
        let mut rs = clipped(&self.vranges[v as usize], start, end);
        // (Mostly one range: no buffer then.)
        match (rs.next(), rs.next()) {
            (None, _) => {}
            (Some(a), None) => lane.insert(&[a], c as u32),
            (Some(a), Some(b2)) => {
                let mut tmp: SmallVec<[Range; 8]> = SmallVec::new();
                tmp.push(a);
                tmp.push(b2);
                tmp.extend(rs);
                lane.insert(&tmp, c as u32);
            }
        }
    }

    /// Records that the vregs related to child `c`'s that have no register
    /// yet will be offered `r` (see [`SplitBufs::wanted`]); only on the
    /// vreg's first register.
    fn note_wanted(&mut self, c: usize, r: PReg) {
        let v = self.b.children[c].vreg as usize;
        if self.b.last_reg[v].is_some() {
            return;
        }
        for &w in &self.related[v] {
            if self.b.last_reg[w as usize].is_none()
                && let Some(first) = self.vranges[w as usize].first()
                && first.from > self.now
            {
                self.b.wanted[r.index()].push((first.from, w));
            }
        }
    }

    /// Whether a vreg that will be offered `r` as a hint starts within the
    /// child being allocated (`[now, end)`), so that taking `r` would deny
    /// it. Forgets the entries that no longer matter.
    fn contested(&mut self, r: PReg, end: Point, v: u32) -> bool {
        let now = self.now;
        let last_reg = &self.b.last_reg;
        let wanted = &mut self.b.wanted[r.index()];
        if wanted.is_empty() {
            return false;
        }
        wanted.retain(|&(s, w)| s >= now && last_reg[w as usize].is_none());
        wanted.iter().any(|&(s, w)| s < end && w != v)
    }

    /// [`Scan::assign`] for the child whose ranges are in `cur`.
    fn assign_cur(&mut self, c: usize, r: PReg) {
        self.note_wanted(c, r);
        let ch = &mut self.b.children[c];
        ch.alloc = Allocation::Reg(r);
        self.b.last_reg[ch.vreg as usize] = Some(r);
        debug_assert!(self.b.cur.iter().copied().eq(clipped(
            &self.vranges[ch.vreg as usize],
            ch.start,
            ch.end
        )));
        self.b.lanes[r.index()].insert(&self.b.cur, c as u32);
    }

    fn unassign(&mut self, c: usize, r: PReg) {
        let start = self.b.children[c].start;
        self.b.lanes[r.index()].remove(c as u32, start);
    }

    /// Registers to try for child `c`, hints first, into `cands`: for a
    /// child that starts at a move into its vreg, the register of the
    /// move's source (so that the move disappears; the previous child's
    /// register would save no move, the vreg is redefined there), the
    /// register of the vreg's previous child, the first fixed register of
    /// its first 8 uses in the child, its fixed hint, the registers of the
    /// related vregs, then the others in order. Returns how many of them are
    /// hints, and the related vregs' registers (a mask by hardware
    /// encoding).
    fn candidates(&self, c: usize, cands: &mut Vec<PReg>) -> (usize, u64) {
        let ch = &self.b.children[c];
        let v = ch.vreg as usize;
        let class = self.b.class[v] as usize;
        let allowed = self.allowed[class];
        cands.clear();
        // (Registers of the class by hardware encoding.)
        let mut seen = 0u64;
        let mut hint = |h: PReg| {
            let bit = 1u64 << h.hw_enc();
            if h.class() as usize == class && allowed & bit != 0 && seen & bit == 0 {
                seen |= bit;
                cands.push(h);
            }
        };
        if let Some(&(src, dst)) = self.b.copies.get((ch.start / 2) as usize)
            && dst as usize == v
            && let Some(h) = self.b.last_reg[src as usize]
        {
            hint(h);
        }
        if let Some(h) = self.b.last_reg[v] {
            hint(h);
        }
        let u = self.uses(v);
        let k = u.partition_point(|x| x.pos < ch.start);
        for x in u[k..].iter().take(8) {
            if x.pos >= ch.end {
                break;
            }
            if let Some(h) = x.fixed {
                hint(h);
                break;
            }
        }
        if let Some(h) = self.hint_fixed[v] {
            hint(h);
        }
        let mut related = 0u64;
        for &w in &self.related[v] {
            if let Some(h) = self.b.last_reg[w as usize] {
                related |= 1 << h.hw_enc();
                hint(h);
            }
        }
        let regs = &self.regs[class];
        let num_hints = cands.len();
        if seen == 0 {
            cands.extend_from_slice(regs);
        } else {
            cands.extend(regs.iter().filter(|r| seen & (1 << r.hw_enc()) == 0));
        }
        (num_hints, related)
    }

    /// The registers (a mask by hardware encoding) that a child of vreg `v`
    /// starting at `s` should not take because it is a two-address def
    /// there whose input lives on (see [`SplitBufs::reuse_avoid`]): those
    /// of the instruction's other inputs.
    #[inline(never)]
    fn reuse_avoid(&mut self, v: u32, s: Point) -> u64 {
        let list = &self.b.reuse_avoid;
        // (Children are allocated in order of their starts.)
        let mut k = self.b.reuse_head;
        while k < list.len() && list[k].0 < s {
            k += 1;
        }
        self.b.reuse_head = k;
        list[k..]
            .iter()
            .take_while(|x| x.0 == s)
            .filter(|x| x.1 == v)
            .filter_map(|x| self.b.last_reg[x.2 as usize])
            .fold(0, |m, r| m | 1 << r.hw_enc())
    }

    fn run(&mut self) {
        while let Some(c) = self.pop() {
            self.now = self.b.children[c].start();
            self.allocate(c);
        }
    }

    fn allocate(&mut self, c: usize) {
        let mut cands = std::mem::take(&mut self.b.cands);
        let (num_hints, related) = self.candidates(c, &mut cands);
        self.allocate_in(c, &cands, num_hints, related);
        self.b.cands = cands;
    }

    fn allocate_in(&mut self, c: usize, cands: &[PReg], num_hints: usize, related: u64) {
        let v = self.b.children[c].vreg as usize;
        let vr = v as u32;
        let s = self.b.children[c].start();
        if cands.is_empty() {
            // No allocatable register in this class.
            self.b.children[c].alloc = SPILLED;
            return;
        }
        self.load_ranges(c);
        // 1. A register free for the whole child: a hint, else one that no
        // vreg starting meanwhile is to be offered as a hint, else any.
        // Otherwise the one free longest. For a child of a vreg that
        // `Scan::new` cut at its redefinitions in a loop (a value carried
        // around the loop, assigned by copies on different paths), "one
        // that no vreg..." is the one of those free longest past the
        // child, up to the vreg's end: each later child starts with the
        // register of its defining copy's source, which tends to be this
        // one, and wherever a later child cannot keep it (a division or a
        // shift fixing it meanwhile), its back edge into the loop header
        // moves the value back into this child's register.
        let end = self.b.children[c].end();
        let look_to = if self.b.chained[v] {
            self.vranges[v].last().map_or(end, |x| x.to)
        } else {
            end
        };
        let mut ahead: Option<(Point, PReg)> = None;
        let mut best: Option<(Point, PReg)> = None;
        let mut best_related: Option<(Point, PReg)> = None;
        let mut hints = std::mem::take(&mut self.b.hints);
        hints.clear();
        let mut contested_free = None;
        let mut avoided_free = None;
        // (Two-address defs start at a late point, which is odd.)
        let avoid = if s % 2 == 1 && self.b.reuse_head < self.b.reuse_avoid.len() {
            self.reuse_avoid(vr, s)
        } else {
            0
        };
        for (k, &r) in cands.iter().enumerate() {
            let (fu, hint) = self.free_until(r, vr);
            if fu == Point::MAX {
                if avoid & (1 << r.hw_enc()) != 0 {
                    avoided_free.get_or_insert(r);
                } else if k < num_hints {
                    self.assign_cur(c, r);
                    self.b.hints = hints;
                    return;
                } else if !self.contested(r, end, vr) {
                    if look_to <= end {
                        self.assign_cur(c, r);
                        self.b.hints = hints;
                        return;
                    }
                    let fu = self.free_until_past(c, r, vr, look_to);
                    if ahead.is_none_or(|a| fu > a.0) {
                        ahead = Some((fu, r));
                    }
                } else {
                    contested_free.get_or_insert(r);
                }
            }
            hints.push(hint);
            if best.is_none_or(|b| fu > b.0) {
                best = Some((fu, r));
            }
            if related & !avoid & (1 << r.hw_enc()) != 0
                && best_related.is_none_or(|b: (Point, PReg)| fu > b.0)
            {
                best_related = Some((fu, r));
            }
        }
        if let Some(r) = ahead.map(|a| a.1).or(contested_free).or(avoided_free) {
            self.assign_cur(c, r);
            self.b.hints = hints;
            return;
        }
        // 2. Split before the register becomes unavailable.
        if let Some((fu, r)) = best
            && self.can_split(v)
        {
            let lim = fu & !1;
            // (Only worth a move if the register serves a use meanwhile.)
            if lim > s
                && let Some(u) = self.last_use_before(v, s, lim)
            {
                let lo = u.max(s);
                let p = self.best_split(lo, lim);
                let mut r = r;
                // A related vreg's register free for less long, whose split
                // would fall at the same point, serves the same uses: take
                // it, which saves the copies between the two (a loop
                // counter's next value and the register the back edge
                // copies it into, both unavailable from a call in one case
                // on).
                if let Some((hfu, hr)) = best_related
                    && hr != r
                    && hfu & !1 > lo
                    && self.best_split(lo, hfu & !1) == p
                {
                    r = hr;
                }
                let rest = self.split_off(c, p);
                self.clip_cur(c);
                self.assign_cur(c, r);
                if let Some(rest) = rest {
                    self.push(rest);
                }
                self.b.hints = hints;
                return;
            }
        }
        // 3. Evict cheaper children.
        let wc = self.b.children[c].weight;
        let end = self.b.children[c].end();
        let mut evict: Option<(f32, PReg, Point)> = None;
        let mut list = std::mem::take(&mut self.b.list);
        for (&r, &hint) in cands.iter().zip(hints.iter()) {
            let bp = self.fixed_block(r, vr, hint);
            let lim = if bp == Point::MAX { bp } else { bp & !1 };
            if lim <= s || (lim < end && !self.can_split(v)) {
                continue;
            }
            // (Evicting others for a stretch without a use of this child
            // buys nothing: it would be split before using the register.)
            if lim < end && self.last_use_before(v, s, lim).is_none() {
                continue;
            }
            if let Some(cost) = self.conflicts(r, lim, wc, &mut list)
                && evict.as_ref().is_none_or(|b| cost < b.0)
            {
                evict = Some((cost, r, lim));
            }
        }
        self.b.hints = hints;
        if let Some((_, r, lim)) = evict {
            if lim < end {
                let lo = self.last_use_before(v, s, lim).map_or(s, |u| u.max(s));
                let p = self.best_split(lo, lim);
                if let Some(rest) = self.split_off(c, p) {
                    self.push(rest);
                }
                self.clip_cur(c);
            }
            self.conflicts(r, Point::MAX, f32::INFINITY, &mut list)
                .expect("no budget");
            for &w in &list {
                self.evict(w as usize, r, s);
            }
            self.b.list = list;
            self.assign_cur(c, r);
            return;
        }
        self.b.list = list;
        // 4. Spill the child until its next register use.
        self.spill_until_next_use(c, early(s as usize / 2) + 2);
    }

    /// Child `c` (unassigned) goes to the stack from its start until just
    /// before its first register use at or after `after`; the rest is queued.
    fn spill_until_next_use(&mut self, c: usize, after: Point) {
        let v = self.b.children[c].vreg as usize;
        let (start, end) = (self.b.children[c].start(), self.b.children[c].end());
        self.b.children[c].alloc = SPILLED;
        if !self.can_split(v) {
            return;
        }
        if let Some(u) = self.next_reg_use(v, after.max(start), end) {
            let hi = self.merge_before(c, u & !1);
            if hi > start {
                let p = self.best_split(start, hi);
                if let Some(rest) = self.split_off(c, p) {
                    self.trim_reload(rest);
                    self.push(rest);
                }
            }
        }
    }

    /// `hi`, or a block start shortly before it (at most `MERGE_REACH`
    /// points) that is entered from a block laid out before the start of
    /// child `c` (which goes to the stack), at whose end the vreg is in a
    /// register (the pieces `c` was split from): a join of paths that did
    /// not spill it. A stack piece reaching past that block start would
    /// store the value on each of those edges; reloaded there instead, it
    /// costs a reload on the spilling path only.
    fn merge_before(&self, c: usize, hi: Point) -> Point {
        let start = self.b.children[c].start();
        let home = self.b.block_of[(start / 2) as usize];
        let starts = &self.b.block_starts;
        let k = starts.partition_point(|&p| p <= start.max(hi.saturating_sub(MERGE_REACH)));
        starts[k..]
            .iter()
            .enumerate()
            .take_while(|&(_, &p)| p < hi)
            .find(|&(n, _)| {
                let pred = self.b.min_pred[k + n];
                pred < home && self.in_reg_before(c, starts[pred as usize + 1] - 1)
            })
            .map_or(hi, |(_, &p)| p)
    }

    /// Whether the pieces child `c` was split from put its vreg in a
    /// register at point `at` (before `c`'s start).
    fn in_reg_before(&self, c: usize, at: Point) -> bool {
        let mut x = self.b.children[c].prev;
        while x != NO_CHILD {
            let ch = &self.b.children[x as usize];
            if ch.start <= at {
                return ch.end > at && matches!(ch.alloc, Allocation::Reg(_));
            }
            x = ch.prev;
        }
        false
    }

    /// Child `c` (a reload's, unassigned) is trimmed where keeping its
    /// register would serve no read and cost moves: it stays on the stack
    /// (the slot still holds the value, so nothing is stored)
    /// - from the first block start after its last use on;
    /// - from the start of a block, after its first use and before its next
    ///   one, that is more deeply nested than that first use's block and is
    ///   entered from blocks laid out before the child: a loop's blocks laid
    ///   out after an exit path that reloads the value, entered from the
    ///   loop's other blocks, where the value is on the stack. A register
    ///   there would need a reload on each such edge. The rest is spilled
    ///   until its next register use.
    fn trim_reload(&mut self, c: usize) {
        let v = self.b.children[c].vreg as usize;
        let (start, end) = (self.b.children[c].start(), self.b.children[c].end());
        let first_at = |s: &Self, p: Point| {
            let u = s.uses(v);
            u.get(u.partition_point(|x| x.pos < p)).map(|x| x.pos)
        };
        let Some(first) = first_at(self, start) else {
            return;
        };
        if first >= end || !self.can_split(v) {
            return;
        }
        let home = self.b.block_of[(start / 2) as usize] as usize;
        let fb = self.b.block_of[(first / 2) as usize] as usize;
        let starts = &self.b.block_starts;
        let Some(&after) = starts.get(fb + 1) else {
            return;
        };
        if after >= end {
            return;
        }
        let cut = match first_at(self, after).filter(|&x| x < end) {
            // No use after the first use's block: on the stack from there.
            None => Some((after, true)),
            // The first block up to the next use's that is deeper than the
            // first use's and entered from before the child.
            Some(next) => (fb + 1..starts.len())
                .take(SPLIT_SEARCH)
                .take_while(|&b| starts[b] <= next)
                .find(|&b| {
                    self.b.depth[b] > self.b.depth[fb] && (self.b.min_pred[b] as usize) < home
                })
                .map(|b| (starts[b], false)),
        };
        if let Some((at, unused)) = cut
            && let Some(rest) = self.split_off(c, at)
        {
            if unused {
                self.b.children[rest].alloc = SPILLED;
            } else {
                self.spill_until_next_use(rest, at);
            }
        }
    }

    /// Takes register `r` from child `w` from point `s` on (split at the
    /// early point of `s`'s instruction).
    fn evict(&mut self, w: usize, r: PReg, s: Point) {
        let hi = s & !1;
        self.unassign(w, r);
        let start = self.b.children[w].start();
        // Split after the child's last use before `s`, at a block boundary
        // of lower loop depth if there is one. Without a use before `s`,
        // the register serves nothing: the whole child goes, unless a split
        // is cheaper than a move at its start (a split at the conflict,
        // inside a loop, would store the value there on every iteration).
        let v = self.b.children[w].vreg as usize;
        let cut = if start >= hi {
            None
        } else if let Some(u) = self.last_use_before(v, start, hi) {
            Some(self.best_split(u.max(start), hi))
        } else {
            let p = self.best_split(start, hi);
            (self.point_cost(p) < self.point_cost(start)).then_some(p)
        };
        let rest = match cut {
            None => Some(w),
            Some(cut) => {
                let rest = self.split_off(w, cut);
                self.assign(w, r);
                rest
            }
        };
        let Some(rest) = rest else { return };
        self.b.children[rest].alloc = Allocation::None;
        if self.b.children[rest].start() > s {
            self.push(rest);
        } else {
            self.spill_until_next_use(rest, early(s as usize / 2) + 2);
        }
    }
}

/// A move of vreg `vreg` (locations may be `SPILLED`: its slot).
#[derive(Clone, Copy)]
struct VMove {
    point: ProgPoint,
    prio: u8,
    vreg: u32,
    from: Allocation,
    to: Allocation,
}

/// Buffers of [`run`] after the scan, and of [`drop_redundant_stores`].
#[derive(Default)]
struct PostBufs {
    remat: Vec<bool>,
    order: Vec<u32>,
    piece_at: Vec<u32>,
    pieces: Vec<(Point, Allocation)>,
    moves: Vec<VMove>,
    sorted: Vec<VMove>,
    split_vregs: Vec<u64>,
    live_split: Vec<u64>,
    starts: Vec<(usize, Allocation, Point)>,
    /// Per vreg, the piece (index into its pieces) holding it at the start
    /// of the block whose edges are being resolved.
    piece_cursor: Vec<u32>,
    /// The piece boundaries of the vregs in `split_vregs` by instruction:
    /// `bounds[bound_at[i]..bound_at[i + 1]]` are the vregs with a piece
    /// starting at instruction `i`, ascending.
    bound_at: Vec<u32>,
    bounds: Vec<u32>,
    /// Per vreg, the last edge (a counter) whose moves it was checked for.
    edge_seen: Vec<u32>,
    span: Vec<(Point, Point)>,
    spilled: Vec<u32>,
    slot: Vec<u32>,
    busy: BinaryHeap<Reverse<(Point, u32)>>,
    free: Vec<u32>,
    par: Vec<Move>,
    seq: Vec<Move>,
    sequencer: moves::Sequencer,
    stores: StoreBufs,
    defs: DefBufs,
}

#[cfg(test)]
thread_local! {
    /// Tests: how edge moves are found (see [`edge_moves_by_bounds`]).
    pub(crate) static EDGE_MOVES_BY_BOUNDS: std::cell::Cell<Option<bool>> =
        const { std::cell::Cell::new(None) };
}

/// Whether the edge moves of every block are found from the piece starts
/// between each predecessor's branch and the block (`Some(true)`) or from
/// the live split vregs (`Some(false)`), instead of whichever is fewer;
/// set by tests, which compare the two.
fn edge_moves_by_bounds() -> Option<bool> {
    #[cfg(test)]
    return EDGE_MOVES_BY_BOUNDS.with(|c| c.get());
    #[cfg(not(test))]
    None
}

/// Allocates `func` in `Mode::Optimizing`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run<F: Function>(
    func: &F,
    env: &MachineEnv,
    live: &Liveness,
    ranges: &[Ranges],
    fixed: &FixedRanges,
    hints: &Hints,
    fixup_bufs: &mut FixupBufs,
    bufs: &mut SplitBufs,
) -> Result<Output, RegAllocError> {
    let mut scan = Scan::new(func, env, ranges, fixed, hints, std::mem::take(bufs));
    scan.run();
    let mut sb = scan.b;
    sb.regs = scan.regs;
    let result = finish(func, env, live, ranges, &mut sb, fixup_bufs);
    *bufs = sb;
    result
}

/// Everything after the scan: locations, split and edge moves, spill slots,
/// the fix-up.
fn finish<F: Function>(
    func: &F,
    env: &MachineEnv,
    live: &Liveness,
    ranges: &[Ranges],
    sb: &mut SplitBufs,
    fixup_bufs: &mut FixupBufs,
) -> Result<Output, RegAllocError> {
    let nv = ranges.len();
    let SplitBufs {
        class,
        children,
        lanes,
        block_of,
        block_starts,
        counts,
        post,
        ..
    } = sb;
    let PostBufs {
        remat,
        order,
        piece_at,
        pieces,
        moves,
        sorted,
        split_vregs,
        live_split,
        starts,
        piece_cursor,
        bound_at,
        bounds,
        edge_seen,
        span,
        spilled,
        slot,
        busy,
        free,
        par,
        seq,
        sequencer,
        stores,
        defs,
    } = post;
    // Constants: asked only for vregs with a stack child.
    refill(remat, nv, false);
    for ch in children.iter() {
        let v = ch.vreg as usize;
        if ch.alloc == SPILLED && !remat[v] {
            remat[v] = func.remat_constant(crate::VReg::new(v, class[v])).is_some();
        }
    }
    // Children of each vreg in order: by vreg (a counting sort), then by
    // start.
    refill(counts, nv + 1, 0);
    for ch in children.iter() {
        counts[ch.vreg as usize + 1] += 1;
    }
    for v in 0..nv {
        counts[v + 1] += counts[v];
    }
    refill(order, children.len(), 0);
    for (c, ch) in children.iter().enumerate() {
        let at = &mut counts[ch.vreg as usize];
        order[*at as usize] = c as u32;
        *at += 1;
    }
    // (`counts[v]` is now where vreg `v + 1`'s children start.)
    let mut lo = 0;
    for &hi in &counts[..nv] {
        let hi = hi as usize;
        if hi - lo > 1 {
            order[lo..hi].sort_unstable_by_key(|&c| children[c as usize].start);
        }
        lo = hi;
    }
    // (Sorted by vreg, each vreg's children are contiguous in `order`.)
    piece_at.clear();
    piece_at.push(0);
    piece_at.extend_from_slice(&counts[..nv]);
    pieces.clear();
    pieces.extend(order.iter().map(|&c| {
        let ch = &children[c as usize];
        debug_assert!(ch.alloc != Allocation::None, "unassigned child {ch:?}");
        (ch.start(), ch.alloc)
    }));
    let mut locs = Locs::split(std::mem::take(piece_at), std::mem::take(pieces));
    moves.clear();
    // Split moves inside blocks.
    let is_block_start = |p: Point| {
        let b = block_of[(p / 2) as usize] as usize;
        block_starts[b] == p
    };
    for w in order.windows(2) {
        let (a, b) = (&children[w[0] as usize], &children[w[1] as usize]);
        if a.vreg != b.vreg || a.end() != b.start() || a.alloc == b.alloc {
            continue;
        }
        let p = b.start();
        debug_assert!(p.is_multiple_of(2));
        if !is_block_start(p) {
            moves.push(VMove {
                point: ProgPoint::before(Inst(p / 2)),
                prio: 2,
                vreg: a.vreg,
                from: a.alloc,
                to: b.alloc,
            });
        }
    }
    // Edge moves: only vregs whose pieces are in different places can
    // need them (a vreg is never live in a piece without a location).
    let words = live.words;
    refill(split_vregs, words, 0);
    for (v, w) in locs.piece_at.windows(2).enumerate() {
        // (Only global vregs are ever live into a block.)
        let g = live.global_index[v] as usize;
        let mut placed = locs.pieces_of(v).iter().filter(|x| x.1 != Allocation::None);
        let first_place = placed.next().map(|x| x.1);
        let moves_around = placed.any(|x| Some(x.1) != first_place);
        if w[1] - w[0] > 1 && g != u32::MAX as usize && moves_around {
            split_vregs[g / 64] |= 1 << (g % 64);
        }
    }
    // Where those vregs change pieces, by instruction (a counting sort;
    // vregs ascend within an instruction).
    let ni = func.num_insts();
    // (A piece may start at the end point of the last instruction.)
    refill(bound_at, ni + 3, 0);
    let is_split = |v: usize| {
        let g = live.global_index[v] as usize;
        g != u32::MAX as usize && split_vregs[g / 64] & (1 << (g % 64)) != 0
    };
    for v in (0..nv).filter(|&v| is_split(v)) {
        for &(p, _) in &locs.pieces_of(v)[1..] {
            bound_at[(p / 2) as usize + 2] += 1;
        }
    }
    for i in 2..ni + 3 {
        bound_at[i] += bound_at[i - 1];
    }
    refill(bounds, bound_at[ni + 2] as usize, 0);
    for v in (0..nv).filter(|&v| is_split(v)) {
        for &(p, _) in &locs.pieces_of(v)[1..] {
            let k = &mut bound_at[(p / 2) as usize + 1];
            bounds[*k as usize] = v as u32;
            *k += 1;
        }
    }
    refill(live_split, words, 0);
    refill(edge_seen, nv, u32::MAX);
    let mut edge = 0u32;
    // Block starts grow with the blocks, so each vreg's piece there is
    // found by moving a cursor forward over its pieces.
    refill(piece_cursor, nv, 0);
    for b in 0..func.num_blocks() {
        let blk = Block(b as u32);
        let preds = func.block_preds(blk);
        let first = func.block_insns(blk).first;
        let live_in = Liveness::row(&live.live_in, words, b);
        let mut num_live = 0;
        for ((x, &l), &sv) in live_split.iter_mut().zip(live_in).zip(split_vregs.iter()) {
            *x = l & sv;
            num_live += x.count_ones() as usize;
        }
        if num_live == 0 {
            continue;
        }
        let at = early(first.index());
        // A vreg's location differs between a predecessor's branch and the
        // block start only if one of its pieces starts between the two:
        // either look at those piece starts, or at every live split vreg,
        // whichever is fewer.
        let between = |br: Inst| {
            let (lo, hi) = if br.index() < first.index() {
                (br.index() + 1, first.index())
            } else {
                (first.index() + 1, br.index())
            };
            lo..=hi
        };
        let by_bounds = edge_moves_by_bounds().unwrap_or_else(|| {
            preds
                .iter()
                .map(|&p| {
                    let r = between(Inst(func.block_insns(p).last.0 - 1));
                    (bound_at[*r.end() + 1] - bound_at[*r.start()]) as usize
                })
                .sum::<usize>()
                < num_live
        });
        starts.clear();
        if !by_bounds {
            starts.extend(live.vregs(live_split).map(|v| {
                let s = locs.pieces_of(v);
                let mut k = piece_cursor[v] as usize;
                while k + 1 < s.len() && s[k + 1].0 <= at {
                    k += 1;
                }
                piece_cursor[v] = k as u32;
                match s.get(k) {
                    Some(&(from, a)) if from <= at => (v, a, from),
                    _ => (v, Allocation::None, Point::MAX),
                }
            }));
        }
        for &p in preds {
            let br = Inst(func.block_insns(p).last.0 - 1);
            let n0 = moves.len();
            let at_br = early(br.index());
            let (point, prio) = if preds.len() == 1 {
                (ProgPoint::before(first), 1)
            } else {
                (ProgPoint::before(br), 4)
            };
            let push = |moves: &mut Vec<VMove>, v: usize, from, to| {
                if from != to {
                    moves.push(VMove {
                        point,
                        prio,
                        vreg: v as u32,
                        from,
                        to,
                    });
                }
            };
            if by_bounds {
                edge += 1;
                let r = between(br);
                let vs = &bounds[bound_at[*r.start()] as usize..bound_at[*r.end() + 1] as usize];
                for &v in vs {
                    let v = v as usize;
                    let g = live.global_index[v] as usize;
                    if edge_seen[v] == edge || live_split[g / 64] & (1 << (g % 64)) == 0 {
                        continue;
                    }
                    edge_seen[v] = edge;
                    push(moves, v, locs.at_point(v, at_br), locs.at_point(v, at));
                }
                // (In vreg order, as the other way gives them.)
                moves[n0..].sort_unstable_by_key(|m| m.vreg);
            } else {
                for &(v, to, piece_start) in starts.iter() {
                    // A predecessor's branch in the piece that holds the
                    // block start sees the same location (it lies between
                    // the two).
                    let from = if piece_start <= at_br && at_br < at {
                        to
                    } else {
                        locs.at_point(v, at_br)
                    };
                    push(moves, v, from, to);
                }
            }
            if moves.len() > n0 && preds.len() > 1 {
                if func.block_succs(p).len() > 1 {
                    (*piece_at, *pieces) = locs.into_parts();
                    return Err(RegAllocError::InvalidInput(format!(
                        "critical edge {p:?} -> {blk:?} needs moves; split it"
                    )));
                }
                if !func.inst_operands(br).is_empty() {
                    (*piece_at, *pieces) = locs.into_parts();
                    return Err(RegAllocError::InvalidInput(format!(
                        "inst{}: moves for the edge {p:?} -> {blk:?} go before this branch, \
                         which must then have no operands",
                        br.index()
                    )));
                }
            }
        }
    }
    store_at_defs(func, ranges, &locs, moves, remat, defs);
    // Spill slots: one per vreg, spanning its stack children and the moves
    // that touch its slot.
    refill(span, nv, (Point::MAX, 0));
    let mut widen = |v: usize, from: Point, to: Point| {
        let s = &mut span[v];
        s.0 = s.0.min(from);
        s.1 = s.1.max(to);
    };
    for ch in children.iter() {
        if ch.alloc == SPILLED && !remat[ch.vreg as usize] {
            widen(ch.vreg as usize, ch.start(), ch.end() + 1);
        }
    }
    for m in moves.iter() {
        if (m.from == SPILLED || m.to == SPILLED) && !remat[m.vreg as usize] {
            let p = early(m.point.inst().index());
            widen(m.vreg as usize, p, p + 1);
        }
    }
    spilled.clear();
    spilled.extend((0..nv as u32).filter(|&v| span[v as usize].0 != Point::MAX));
    spilled.sort_unstable_by_key(|&v| span[v as usize].0);
    refill(slot, nv, u32::MAX);
    busy.clear();
    free.clear();
    let mut num_slots = 0u32;
    for &v in spilled.iter() {
        let (start, end) = span[v as usize];
        while let Some(&Reverse((e, s))) = busy.peek() {
            if e > start {
                break;
            }
            busy.pop();
            free.push(s);
        }
        let s = free.pop().unwrap_or_else(|| {
            num_slots += 1;
            num_slots - 1
        });
        busy.push(Reverse((end, s)));
        slot[v as usize] = s;
    }
    let slot = &*slot;
    let remat = &*remat;
    let real = |v: usize, a: Allocation| {
        if a == SPILLED && remat[v] {
            remat_marker(v)
        } else if a == SPILLED {
            Allocation::Stack(SpillSlot(slot[v]))
        } else {
            a
        }
    };
    for (&c, x) in order.iter().zip(locs.pieces.iter_mut()) {
        x.1 = real(children[c as usize].vreg as usize, x.1);
    }
    // A constant is never stored.
    moves.retain(|m| !(m.to == SPILLED && remat[m.vreg as usize]));
    // Sort by point and priority, stably: with many moves, a counting sort
    // (all points are `Before` an instruction).
    let ni = func.num_insts();
    if moves.len() < ni / 8 {
        moves.sort_by_key(|m| (m.point, m.prio));
    } else {
        let key = |m: &VMove| {
            debug_assert!(m.point == ProgPoint::before(m.point.inst()) && m.prio < 5);
            m.point.inst().index() * 5 + m.prio as usize
        };
        refill(counts, 5 * ni + 1, 0);
        for m in moves.iter() {
            counts[key(m) + 1] += 1;
        }
        for k in 0..5 * ni {
            counts[k + 1] += counts[k];
        }
        sorted.clear();
        sorted.resize(
            moves.len(),
            VMove {
                point: ProgPoint::before(Inst(0)),
                prio: 0,
                vreg: 0,
                from: Allocation::None,
                to: Allocation::None,
            },
        );
        for m in moves.iter() {
            let at = &mut counts[key(m)];
            sorted[*at as usize] = *m;
            *at += 1;
        }
        std::mem::swap(moves, sorted);
    }
    drop_redundant_stores(func, &locs, moves, slot, num_slots as usize, stores);
    // Sequence each point's (and priority's) moves as one parallel move.
    let scratch: SmallVec<[PReg; 4]> = env.scratch.iter().flatten().copied().collect();
    let mut extra: PrioEdits = Vec::with_capacity(moves.len());
    for group in moves.chunk_by(|a, b| (a.point, a.prio) == (b.point, b.prio)) {
        par.clear();
        par.extend(group.iter().map(|m| {
            let v = m.vreg as usize;
            Move::new(real(v, m.from), real(v, m.to), class[v])
        }));
        let remats = match take_remats(func, par) {
            Ok(r) => r,
            Err(e) => {
                (*piece_at, *pieces) = locs.into_parts();
                return Err(e);
            }
        };
        seq.clear();
        if let Err(e) = sequencer.sequence(par, &scratch, seq) {
            (*piece_at, *pieces) = locs.into_parts();
            return Err(RegAllocError::Unsatisfiable(format!(
                "moves at {:?}: {e}",
                group[0].point
            )));
        }
        extra.extend(seq.iter().map(|&m| {
            (
                group[0].point,
                group[0].prio,
                Edit::Move {
                    from: m.from,
                    to: m.to,
                    class: m.class,
                },
            )
        }));
        extra.extend(
            remats
                .into_iter()
                .map(|e| (group[0].point, group[0].prio, e)),
        );
    }
    // Registers' contents for the fix-up (which borrows free registers).
    let occupancy = &mut fixup_bufs.occupancy;
    occupancy.reset();
    // (The lanes hold exactly the ranges of the children in registers,
    // sorted, so the sort finds them sorted.)
    debug_assert_eq!(
        lanes.iter().map(|l| l.len()).sum::<usize>(),
        children
            .iter()
            .filter(|ch| matches!(ch.alloc, Allocation::Reg(_)))
            .map(|ch| clipped(&ranges[ch.vreg as usize], ch.start, ch.end).count())
            .sum::<usize>()
    );
    for (ri, lane) in lanes.iter().enumerate() {
        let r = PReg::from_index(ri);
        for &(from, to, c) in lane.iter() {
            debug_assert_eq!(children[c as usize].alloc, Allocation::Reg(r));
            occupancy.push(r, [Range { from, to }], children[c as usize].vreg);
        }
    }
    occupancy.sort();
    let out = Fixup::new(func, env, ranges, &locs, num_slots as usize, fixup_bufs)
        .with_occupancy()
        .run(extra);
    let out = out.map(|mut o| {
        o.hoistable_edges = hoistable_edges(func, live, &locs, &o);
        o
    });
    (*piece_at, *pieces) = locs.into_parts();
    out
}

/// The edge blocks of [`Output::hoistable_edges`], from the finished
/// allocation `out`. An edge block qualifies when its instructions are
/// copies ([`Function::is_move`]) and then a jump, and everything it writes
/// (the copies' and the edits' destinations) is a register. A value live
/// into the branch's other successor is where it was at the branch (that
/// successor either has several predecessors, and then the edge needs no
/// moves, or its own edge moves read those locations).
fn hoistable_edges<F: Function>(func: &F, live: &Liveness, locs: &Locs, out: &Output) -> Vec<u32> {
    let mut found = Vec::new();
    for e in 0..func.num_blocks() {
        let eb = Block(e as u32);
        let insts = func.block_insns(eb);
        let (preds, succs) = (func.block_preds(eb), func.block_succs(eb));
        if insts.is_empty() || preds.len() != 1 || succs.len() != 1 {
            continue;
        }
        let b = preds[0];
        if succs[0].index() > b.index() {
            continue; // forward: nothing to gain (see the docs)
        }
        let other = match *func.block_succs(b) {
            [s, t] if s == eb && t != eb => t,
            [s, t] if t == eb && s != eb => s,
            _ => continue,
        };
        let last = Inst(insts.last.0 - 1);
        let mut written = PRegSet::empty();
        let mut any = false;
        let copies_ok = insts.iter().all(|i| {
            if i == last {
                return true;
            }
            if !func.is_move(i) {
                return false;
            }
            match out.inst_allocs(i) {
                // (A copy within one register writes nothing.)
                [from, Allocation::Reg(r)] => {
                    if *from != Allocation::Reg(*r) {
                        any = true;
                        written.add(*r);
                    }
                    true
                }
                _ => false,
            }
        });
        if !copies_ok {
            continue;
        }
        let (lo_at, hi_at) = (ProgPoint::before(insts.first), ProgPoint::before(last));
        let lo = out.edits.partition_point(|m| m.0 < lo_at);
        let hi = lo + out.edits[lo..].partition_point(|m| m.0 <= hi_at);
        let edits_ok = out.edits[lo..hi].iter().all(|(_, ed)| match *ed {
            Edit::Move {
                to: Allocation::Reg(r),
                ..
            }
            | Edit::Remat {
                to: Allocation::Reg(r),
                ..
            } => {
                written.add(r);
                any = true;
                true
            }
            _ => false,
        });
        if !edits_ok || !any {
            continue;
        }
        let br = func.block_insns(b).last.0 - 1;
        let live_in = Liveness::row(&live.live_in, live.words, other.index());
        let clash = live.vregs(live_in).any(|v| {
            matches!(locs.at_point(v, early(br as usize)), Allocation::Reg(r) if written.contains(r))
        });
        if !clash {
            found.push(e as u32);
        }
    }
    found
}

/// Buffers of [`store_at_defs`].
#[derive(Default)]
struct DefBufs {
    /// Per vreg: the deepest loop depth of a store into its slot (or
    /// `u32::MAX`), its number of definitions and its last one.
    store_depth: Vec<u32>,
    num_defs: Vec<u32>,
    def_at: Vec<u32>,
    /// The loop depth of each instruction's block, and whether the
    /// instruction is the last of its block.
    inst_depth: Vec<u32>,
    last_in_block: Vec<bool>,
    /// The stores to add: `(vreg, instruction after the definition)`.
    added: Vec<(u32, u32)>,
}

/// Adds, for a vreg defined once whose value some move stores into its
/// slot in a loop deeper than the definition, a store right after the
/// definition: from there on the slot holds the value on every path (it
/// is never redefined, and the slot's span then starts at the store, so no
/// other vreg shares it in between), so [`drop_redundant_stores`] removes
/// the deeper stores. Without it, a value loaded before a loop and evicted
/// inside it (a jump table's address around a division's fixed registers,
/// an invariant under register pressure) is stored again on every path
/// back to the loop's header.
fn store_at_defs<F: Function>(
    func: &F,
    ranges: &[Ranges],
    locs: &Locs,
    moves: &mut Vec<VMove>,
    remat: &[bool],
    bufs: &mut DefBufs,
) {
    const NONE: u32 = u32::MAX;
    if !moves
        .iter()
        .any(|m| m.to == SPILLED && !remat[m.vreg as usize])
    {
        return;
    }
    let DefBufs {
        store_depth,
        num_defs,
        def_at,
        inst_depth,
        last_in_block,
        added,
    } = bufs;
    let nv = ranges.len();
    let n = func.num_insts();
    refill(inst_depth, n, 0);
    refill(last_in_block, n, false);
    for b in 0..func.num_blocks() {
        let blk = Block(b as u32);
        let r = func.block_insns(blk);
        let d = func.block_loop_depth(blk);
        for i in r.iter() {
            inst_depth[i.index()] = d;
        }
        if !r.is_empty() {
            last_in_block[r.last.index() - 1] = true;
        }
    }
    refill(store_depth, nv, NONE);
    for m in moves.iter() {
        let v = m.vreg as usize;
        if m.to == SPILLED && !remat[v] {
            let d = inst_depth[m.point.inst().index()];
            store_depth[v] = if store_depth[v] == NONE {
                d
            } else {
                store_depth[v].max(d)
            };
        }
    }
    refill(num_defs, nv, 0);
    refill(def_at, nv, NONE);
    for i in 0..n {
        for op in func.inst_operands(Inst(i as u32)) {
            let v = op.vreg.index();
            if op.kind == OperandKind::Def && store_depth[v] != NONE {
                num_defs[v] += 1;
                def_at[v] = i as u32;
            }
        }
    }
    added.clear();
    for v in 0..nv {
        let i = def_at[v] as usize;
        if store_depth[v] == NONE
            || num_defs[v] != 1
            || last_in_block[i]
            || inst_depth[i] >= store_depth[v]
        {
            continue;
        }
        // In a register right after the definition and still there, live,
        // before the next instruction.
        let after = early(i + 1);
        let r = &ranges[v];
        let k = r.partition_point(|x| x.to <= after);
        let live = k < r.len() && r[k].from <= after;
        let at = locs.at_point(v, early(i) + 1);
        if live && matches!(at, Allocation::Reg(_)) && locs.at_point(v, after) == at {
            added.push((v as u32, i as u32 + 1));
        }
    }
    if added.is_empty() {
        return;
    }
    // Not where a move of the vreg is already (a split there).
    added.sort_unstable_by_key(|&(v, _)| v);
    for m in moves.iter() {
        if m.point == ProgPoint::before(m.point.inst())
            && let Ok(k) = added.binary_search_by_key(&m.vreg, |&(v, _)| v)
            && added[k].1 == m.point.inst().0
        {
            added[k].1 = NONE;
        }
    }
    for &(v, i) in added.iter() {
        if i != NONE {
            let from = locs.at_point(v as usize, early(i as usize));
            moves.push(VMove {
                point: ProgPoint::before(Inst(i)),
                prio: 2,
                vreg: v,
                from,
                to: SPILLED,
            });
        }
    }
}

/// Buffers of [`drop_redundant_stores`].
#[derive(Default)]
struct StoreBufs {
    at: Vec<usize>,
    redundant: Vec<bool>,
    /// Per block, whether it has an entry state, and the states
    /// (`num_slots` per block).
    has_in: Vec<bool>,
    ins: Vec<u32>,
    queued: Vec<bool>,
    work: std::collections::VecDeque<usize>,
    st: Vec<u32>,
}

/// Removes moves into a vreg's slot where the slot already holds the vreg's
/// current value on every path (stored before and not redefined since): a
/// forward dataflow over which vreg's value each slot holds. `moves` are
/// sorted by point and priority; slots may be shared, so a store of another
/// vreg into the slot ends the validity.
fn drop_redundant_stores<F: Function>(
    func: &F,
    locs: &Locs,
    moves: &mut Vec<VMove>,
    slot: &[u32],
    num_slots: usize,
    bufs: &mut StoreBufs,
) {
    const NONE: u32 = u32::MAX;
    if num_slots == 0 || !moves.iter().any(|m| m.to == SPILLED) {
        return;
    }
    let StoreBufs {
        at,
        redundant,
        has_in,
        ins,
        queued,
        work,
        st,
    } = bufs;
    let n = func.num_insts();
    // moves[at[i]..at[i + 1]] are at `Before(i)`.
    refill(at, n + 1, 0);
    for m in moves.iter() {
        at[m.point.inst().index() + 1] += 1;
    }
    for i in 0..n {
        at[i + 1] += at[i];
    }
    refill(redundant, moves.len(), false);
    let moves_ro = &*moves;
    let at = &*at;
    let walk = |b: usize, st: &mut [u32], mut mark: Option<&mut Vec<bool>>| {
        for inst in func.block_insns(Block(b as u32)).iter() {
            let i = inst.index();
            let mut k = at[i];
            let apply = |k: usize, st: &mut [u32], mark: &mut Option<&mut Vec<bool>>| {
                let m = moves_ro[k];
                if m.to == SPILLED {
                    let s = slot[m.vreg as usize] as usize;
                    if st[s] == m.vreg
                        && let Some(r) = mark.as_deref_mut()
                    {
                        r[k] = true;
                    }
                    st[s] = m.vreg;
                }
            };
            while k < at[i + 1] && moves_ro[k].prio < 3 {
                apply(k, st, &mut mark);
                k += 1;
            }
            for op in func.inst_operands(inst) {
                if op.kind != OperandKind::Def {
                    continue;
                }
                let v = op.vreg.index();
                let s = slot[v];
                if s == u32::MAX {
                    // (Then `v` is never in a slot, nor does one hold it.)
                    continue;
                }
                match locs.at_point(v, early(i) + 1) {
                    Allocation::Stack(x) if x.index() < num_slots => st[x.index()] = v as u32,
                    _ => {
                        if st[s as usize] == v as u32 {
                            st[s as usize] = NONE;
                        }
                    }
                }
            }
            while k < at[i + 1] {
                apply(k, st, &mut mark);
                k += 1;
            }
        }
    };
    let nb = func.num_blocks();
    refill(has_in, nb, false);
    refill(ins, nb * num_slots, NONE);
    has_in[0] = true;
    refill(queued, nb, false);
    queued[0] = true;
    work.clear();
    work.push_back(0);
    while let Some(b) = work.pop_front() {
        queued[b] = false;
        st.clear();
        st.extend_from_slice(&ins[b * num_slots..(b + 1) * num_slots]);
        walk(b, st, None);
        for &s in func.block_succs(Block(b as u32)) {
            let si = s.index();
            let old = &mut ins[si * num_slots..(si + 1) * num_slots];
            let changed = if !has_in[si] {
                has_in[si] = true;
                old.copy_from_slice(st);
                true
            } else {
                let mut ch = false;
                for (o, &x) in old.iter_mut().zip(st.iter()) {
                    if *o != x && *o != NONE {
                        *o = NONE;
                        ch = true;
                    }
                }
                ch
            };
            if changed && !queued[si] {
                queued[si] = true;
                work.push_back(si);
            }
        }
    }
    for b in 0..nb {
        if has_in[b] {
            st.clear();
            st.extend_from_slice(&ins[b * num_slots..(b + 1) * num_slots]);
            walk(b, st, Some(redundant));
        }
    }
    let mut k = 0;
    moves.retain(|_| {
        k += 1;
        !redundant[k - 1]
    });
}

#[cfg(test)]
mod lane_tests {
    use super::{Lane, LaneEntry, Point, Range};
    use crate::testing::Rng;

    /// A lane against a plain sorted list: random children (each a few
    /// disjoint ranges in free space) inserted and removed, and every query
    /// answered the same way, from random search hints.
    #[test]
    fn lane_answers_as_a_sorted_list_does() {
        for seed in 0..200 {
            let mut rng = Rng::new(seed);
            let mut lane = Lane::default();
            let mut model: Vec<LaneEntry> = Vec::new();
            let span = 40 + rng.below(400) as Point;
            for step in 0..300 {
                if rng.chance(30) && !model.is_empty() {
                    // Remove a child's ranges from one of its starts on.
                    let &(from, _, c) = &model[rng.below(model.len())];
                    lane.remove(c, from);
                    model.retain(|x| x.2 != c || x.0 < from);
                } else {
                    // A new child: ranges in gaps of the model.
                    let c = step as u32;
                    let mut rs: Vec<Range> = Vec::new();
                    let mut at = rng.below(span as usize) as Point;
                    for _ in 0..1 + rng.below(6) {
                        let len = 1 + rng.below(5) as Point;
                        let (from, to) = (at, at + len);
                        let free = model.iter().all(|x| x.1 <= from || x.0 >= to)
                            && rs.last().is_none_or(|r| r.to < from);
                        if free {
                            rs.push(Range { from, to });
                        }
                        at = to + 1 + rng.below(40) as Point;
                    }
                    lane.insert(&rs, c);
                    model.extend(rs.iter().map(|r| (r.from, r.to, c)));
                    model.sort_unstable();
                }
                assert_eq!(
                    lane.iter().copied().collect::<Vec<_>>(),
                    model,
                    "seed {seed}"
                );
                for _ in 0..4 {
                    let p = rng.below(span as usize + 50) as Point;
                    let want = model.partition_point(|x| x.1 <= p);
                    lane.head = rng.below(model.len() + 2);
                    assert_eq!(lane.seek(p), want, "seed {seed} seek {p}");
                    let to = p + 1 + rng.below(30) as Point;
                    let hint = rng.below(want + 1);
                    let first = model[want..]
                        .first()
                        .filter(|x| x.0 < to)
                        .map(|x| x.0.max(p));
                    assert_eq!(lane.first_in(p, to, hint), (first, want), "seed {seed}");
                    let mut seen = Vec::new();
                    let r = lane.overlaps(p, to, hint, |c| {
                        seen.push(c);
                        true
                    });
                    let over: Vec<u32> = model[want..]
                        .iter()
                        .take_while(|x| x.0 < to)
                        .map(|x| x.2)
                        .collect();
                    assert_eq!((r, seen), (Some(want), over), "seed {seed}");
                }
            }
        }
    }
}
