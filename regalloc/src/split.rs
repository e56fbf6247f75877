//! `Mode::Optimizing`: linear scan with interval splitting, after Wimmer &
//! Mössenböck 2005 ("Optimized Interval Splitting in a Linear Scan Register
//! Allocator") and Wimmer & Franz 2010 (intervals with lifetime holes).
//!
//! Each vreg starts as one *child* covering its whole interval (the ranges
//! built by [`crate::linear_scan`]). Children are taken from a queue in order
//! of their first point; each is given:
//! 1. a register that is free (no fixed range of another vreg, no assigned
//!    child) for the whole child, preferring hints (the register of the
//!    vreg's previous child, a fixed register the vreg is used or defined in
//!    inside the child, registers of vregs it is copied to or from or reused
//!    by); else
//! 2. the register free the longest, if that is past the child's start: the
//!    child is split before the register becomes unavailable (at a point
//!    after its last use before then, moved back to a block boundary of
//!    lower loop depth when there is one) and the rest goes back to the
//!    queue; else
//! 3. (blocked) the register whose conflicting children within the child
//!    have the least total spill weight (loop-depth-weighted uses, `10^depth`,
//!    per program point), if that is below the child's own weight: those
//!    children are split at the current point, their remainder lives in the
//!    stack until just before its next register use, from where it is queued
//!    again; else
//! 4. the child itself is spilled until before its next register use (uses
//!    at its first instruction are served from the stack by scratch
//!    reloads), and the rest is queued.
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
    early, remat_marker, take_remats,
};
use crate::moves::{self, Move};
use crate::{
    Allocation, Block, Edit, Function, Inst, MachineEnv, OperandConstraint, OperandKind,
    OperandPos, Output, PReg, ProgPoint, RegAllocError, RegClass, SpillSlot,
};
use smallvec::SmallVec;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

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
}

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

/// Per physical register: assigned children's ranges, `from -> (to, child)`.
type ChildMap = BTreeMap<Point, (Point, u32)>;

/// How many block boundaries a split-position search looks at.
const SPLIT_SEARCH: usize = 256;

struct Scan<'a> {
    /// Each vreg's ranges, and prefix sums of their lengths.
    vranges: &'a [Ranges],
    rlen: Vec<Vec<u32>>,
    env: &'a MachineEnv,
    fixed: &'a FixedRanges,
    class: Vec<RegClass>,
    /// Per vreg, its operands sorted by point, and prefix sums of their
    /// loop-depth weights (`wsum[v][k]` = weight of the first `k` uses).
    uses: Vec<Vec<Use>>,
    wsum: Vec<Vec<f32>>,
    children: Vec<Child>,
    maps: Vec<ChildMap>,
    queue: BinaryHeap<Reverse<(Point, u32)>>,
    /// Splits done per vreg, and the cap.
    splits: Vec<u32>,
    hint_fixed: &'a [Option<PReg>],
    related: &'a [SmallVec<[u32; 2]>],
    /// The register most recently given to a child of each vreg.
    last_reg: Vec<Option<PReg>>,
    block_of: Vec<u32>,
    depth: Vec<u32>,
    /// The first point of each block (layout order, ascending).
    block_starts: Vec<Point>,
    /// The cost of a split at each block's start (the loop depth of its
    /// cheapest incoming forward edge).
    start_cost: Vec<u32>,
}

/// Calls `f` with each child overlapping `[from, to)` in `map` (possibly
/// repeatedly); stops early when `f` returns false.
fn overlaps(map: &ChildMap, from: Point, to: Point, mut f: impl FnMut(Point, u32) -> bool) -> bool {
    if let Some((_, &(end, c))) = map.range(..=from).next_back()
        && end > from
        && !f(from, c)
    {
        return false;
    }
    for (&a, &(_, c)) in map.range(from + 1..to) {
        if !f(a, c) {
            return false;
        }
    }
    true
}

impl<'a> Scan<'a> {
    fn new<F: Function>(
        func: &F,
        env: &'a MachineEnv,
        ranges: &'a [Ranges],
        fixed: &'a FixedRanges,
        h: &'a Hints,
    ) -> Self {
        let nv = ranges.len();
        let nb = func.num_blocks();
        let mut block_of = vec![0u32; func.num_insts()];
        let mut depth = Vec::with_capacity(nb);
        let mut block_starts = Vec::with_capacity(nb);
        for b in 0..nb {
            let blk = Block(b as u32);
            let r = func.block_insns(blk);
            depth.push(func.block_loop_depth(blk).min(6));
            block_starts.push(early(r.first.index()));
            for i in r.iter() {
                block_of[i.index()] = b as u32;
            }
        }
        let start_cost = (0..nb)
            .map(|b| {
                func.block_preds(Block(b as u32))
                    .iter()
                    .filter(|p| p.index() < b)
                    .map(|p| depth[p.index()].min(depth[b]))
                    .min()
                    .unwrap_or(depth[b])
            })
            .collect();
        let mut class = vec![RegClass::Int; nv];
        let mut uses: Vec<Vec<Use>> = vec![Vec::new(); nv];
        let mut wsum: Vec<Vec<f32>> = vec![vec![0.0]; nv];
        for i in 0..func.num_insts() {
            let ops = func.inst_operands(Inst(i as u32));
            let e = early(i);
            let freq = 10f32.powi(depth[block_of[i] as usize] as i32);
            for op in ops {
                let v = op.vreg.index();
                class[v] = op.vreg.class();
                let pos = if op.kind == OperandKind::Def && op.pos == OperandPos::Late {
                    e + 1
                } else {
                    e
                };
                let (reg, fixed, bonus) = match op.constraint {
                    OperandConstraint::Reg | OperandConstraint::Reuse(_) => (true, None, 1.0),
                    OperandConstraint::FixedReg(p) => (false, Some(p), 0.5),
                    OperandConstraint::Any => (false, None, 0.5),
                };
                uses[v].push(Use { pos, reg, fixed });
                let last = *wsum[v].last().expect("prefix sums start at 0");
                wsum[v].push(last + freq * bonus);
            }
        }
        // Sorting by point keeps the prefix sums right only if no vreg has
        // operands out of point order within one instruction; operands of
        // one instruction share the instruction's weight, so reorder them
        // together: sums over whole instructions are unaffected.
        for u in &mut uses {
            u.sort_by_key(|x| x.pos);
        }
        let rlen = ranges
            .iter()
            .map(|r| {
                let mut acc = 0;
                std::iter::once(0)
                    .chain(r.iter().map(|x| {
                        acc += x.to - x.from;
                        acc
                    }))
                    .collect()
            })
            .collect();
        let mut s = Scan {
            vranges: ranges,
            rlen,
            env,
            fixed,
            class,
            uses,
            wsum,
            children: Vec::with_capacity(nv * 2),
            maps: vec![ChildMap::new(); PReg::NUM_INDEX],
            queue: BinaryHeap::with_capacity(nv),
            splits: vec![0; nv],
            hint_fixed: &h.fixed,
            related: &h.related,
            last_reg: vec![None; nv],
            block_of,
            depth,
            block_starts,
            start_cost,
        };
        for (v, r) in ranges.iter().enumerate() {
            if !r.is_empty() {
                let c = s.new_child(v as u32, r[0].from, r[r.len() - 1].to);
                s.push(c);
            }
        }
        s
    }

    fn new_child(&mut self, vreg: u32, start: Point, end: Point) -> usize {
        let weight = self.weight(vreg as usize, start, end);
        self.children.push(Child {
            vreg,
            start,
            end,
            alloc: Allocation::None,
            weight,
        });
        self.children.len() - 1
    }

    fn push(&mut self, c: usize) {
        self.queue
            .push(Reverse((self.children[c].start(), c as u32)));
    }

    /// Loop-weighted uses per program point of `ranges` (of vreg `v`).
    fn weight(&self, v: usize, start: Point, end: Point) -> f32 {
        let u = &self.uses[v];
        let a = u.partition_point(|x| x.pos < start);
        let b = u.partition_point(|x| x.pos < end);
        // Covered points in `[start, end)` (both ends are covered).
        let r = &self.vranges[v];
        let k1 = r.partition_point(|x| x.to <= start);
        let k2 = r.partition_point(|x| x.from < end);
        let len = self.rlen[v][k2] - self.rlen[v][k1] - (start - r[k1].from) - (r[k2 - 1].to - end);
        (self.wsum[v][b] - self.wsum[v][a]) / (len as f32 + 2.0)
    }

    fn can_split(&self, v: usize) -> bool {
        (self.splits[v] as usize) < 2 * self.uses[v].len() + 8
    }

    /// Moves the part of child `c` from point `p` (> its start) on into a new
    /// child, which is returned if it is not empty.
    fn split_off(&mut self, c: usize, p: Point) -> Option<usize> {
        debug_assert!(p > self.children[c].start() && p.is_multiple_of(2));
        let v = self.children[c].vreg;
        self.splits[v as usize] += 1;
        let (start, end) = (self.children[c].start, self.children[c].end);
        let r = &self.vranges[v as usize];
        // The first part ends with the last range starting before `p`.
        let k = r.partition_point(|x| x.from < p);
        let a_end = r[k - 1].to.min(p);
        self.children[c].end = a_end;
        self.children[c].weight = self.weight(v as usize, start, a_end);
        // The rest starts with the first range ending after `p`.
        let k = r.partition_point(|x| x.to <= p);
        if k == r.len() || r[k].from >= end {
            return None;
        }
        let b_start = r[k].from.max(p);
        Some(self.new_child(v, b_start, end))
    }

    /// The first use of `v` in `[from, to)` that needs a register.
    fn next_reg_use(&self, v: usize, from: Point, to: Point) -> Option<Point> {
        let u = &self.uses[v];
        let k = u.partition_point(|x| x.pos < from);
        u[k..]
            .iter()
            .take_while(|x| x.pos < to)
            .find(|x| x.reg)
            .map(|x| x.pos)
    }

    /// The last use of `v` in `[from, to)`.
    fn last_use_before(&self, v: usize, from: Point, to: Point) -> Option<Point> {
        let u = &self.uses[v];
        let k = u.partition_point(|x| x.pos < to);
        (k > 0 && u[k - 1].pos >= from).then(|| u[k - 1].pos)
    }

    /// The cost of a split at `p` (moves there run this often, as a power of
    /// ten).
    fn point_cost(&self, p: Point) -> u32 {
        let b = self.block_of[(p / 2) as usize] as usize;
        if self.block_starts[b] == p {
            self.start_cost[b]
        } else {
            self.depth[b]
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
        let k = self.block_starts.partition_point(|&b| b < hi);
        for (n, b) in (0..k).rev().enumerate() {
            let p = self.block_starts[b];
            if p <= lo || n >= SPLIT_SEARCH {
                break;
            }
            if self.start_cost[b] < cost {
                cost = self.start_cost[b];
                best = p;
                if cost == 0 {
                    break;
                }
            }
        }
        best
    }

    /// The first point of child `c` where fixed ranges of other vregs
    /// occupy `r`, or `Point::MAX`.
    fn fixed_block(&self, r: PReg, c: usize) -> Point {
        let ch = &self.children[c];
        let f = &self.fixed[r.index()];
        for rg in clipped(&self.vranges[ch.vreg as usize], ch.start, ch.end) {
            let k = f.partition_point(|x| x.range.to <= rg.from);
            for x in &f[k..] {
                if x.range.from >= rg.to {
                    break;
                }
                if x.owner != ch.vreg {
                    return x.range.from.max(rg.from);
                }
            }
        }
        Point::MAX
    }

    /// The first point of child `c` where `r` is not free, or `Point::MAX`.
    fn free_until(&self, r: PReg, c: usize) -> Point {
        let ch = &self.children[c];
        let f = &self.fixed[r.index()];
        let map = &self.maps[r.index()];
        for rg in clipped(&self.vranges[ch.vreg as usize], ch.start, ch.end) {
            let mut first = Point::MAX;
            let k = f.partition_point(|x| x.range.to <= rg.from);
            for x in &f[k..] {
                if x.range.from >= rg.to {
                    break;
                }
                if x.owner != ch.vreg {
                    first = x.range.from.max(rg.from);
                    break;
                }
            }
            overlaps(map, rg.from, rg.to, |p, _| {
                first = first.min(p);
                false
            });
            if first != Point::MAX {
                return first;
            }
        }
        Point::MAX
    }

    /// The children assigned to `r` that overlap child `c` before `lim`, and
    /// their total weight; `None` once the weight reaches `budget`.
    fn conflicts(
        &self,
        r: PReg,
        c: usize,
        lim: Point,
        budget: f32,
    ) -> Option<(f32, SmallVec<[u32; 8]>)> {
        let map = &self.maps[r.index()];
        let mut list: SmallVec<[u32; 8]> = SmallVec::new();
        let mut cost = 0f32;
        let ch = &self.children[c];
        for rg in clipped(&self.vranges[ch.vreg as usize], ch.start, ch.end) {
            if rg.from >= lim {
                break;
            }
            let ok = overlaps(map, rg.from, rg.to.min(lim), |_, w| {
                if !list.contains(&w) {
                    list.push(w);
                    cost += self.children[w as usize].weight;
                }
                cost < budget
            });
            if !ok {
                return None;
            }
        }
        Some((cost, list))
    }

    fn assign(&mut self, c: usize, r: PReg) {
        let ch = &mut self.children[c];
        ch.alloc = Allocation::Reg(r);
        self.last_reg[ch.vreg as usize] = Some(r);
        for rg in clipped(&self.vranges[ch.vreg as usize], ch.start, ch.end) {
            self.maps[r.index()].insert(rg.from, (rg.to, c as u32));
        }
    }

    fn unassign(&mut self, c: usize, r: PReg) {
        let ch = &self.children[c];
        for rg in clipped(&self.vranges[ch.vreg as usize], ch.start, ch.end) {
            self.maps[r.index()].remove(&rg.from);
        }
    }

    /// Registers to try for child `c`, hints first.
    fn candidates(&self, c: usize) -> SmallVec<[PReg; 32]> {
        let ch = &self.children[c];
        let v = ch.vreg as usize;
        let regs = &self.env.regs[self.class[v] as usize];
        let u = &self.uses[v];
        let k = u.partition_point(|x| x.pos < ch.start());
        let fixed_here = u[k..]
            .iter()
            .take(8)
            .take_while(|x| x.pos < ch.end())
            .find_map(|x| x.fixed);
        let related = self.related[v]
            .iter()
            .filter_map(|&w| self.last_reg[w as usize]);
        let mut cands: SmallVec<[PReg; 32]> = SmallVec::new();
        for h in self.last_reg[v]
            .into_iter()
            .chain(fixed_here)
            .chain(self.hint_fixed[v])
            .chain(related)
        {
            if regs.contains(&h) && !cands.contains(&h) {
                cands.push(h);
            }
        }
        for &r in regs {
            if !cands.contains(&r) {
                cands.push(r);
            }
        }
        cands
    }

    fn run(&mut self) {
        while let Some(Reverse((_, c))) = self.queue.pop() {
            self.allocate(c as usize);
        }
    }

    fn allocate(&mut self, c: usize) {
        let v = self.children[c].vreg as usize;
        let s = self.children[c].start();
        let cands = self.candidates(c);
        if cands.is_empty() {
            // No allocatable register in this class.
            self.children[c].alloc = SPILLED;
            return;
        }
        // 1. A register free for the whole child, else the one free longest.
        let mut best: Option<(Point, PReg)> = None;
        for &r in &cands {
            let fu = self.free_until(r, c);
            if fu == Point::MAX {
                self.assign(c, r);
                return;
            }
            if best.is_none_or(|b| fu > b.0) {
                best = Some((fu, r));
            }
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
                let p = self.best_split(u.max(s), lim);
                let rest = self.split_off(c, p);
                self.assign(c, r);
                if let Some(rest) = rest {
                    self.push(rest);
                }
                return;
            }
        }
        // 3. Evict cheaper children.
        let wc = self.children[c].weight;
        let end = self.children[c].end();
        let mut evict: Option<(f32, PReg, Point)> = None;
        for &r in &cands {
            let bp = self.fixed_block(r, c);
            let lim = if bp == Point::MAX { bp } else { bp & !1 };
            if lim <= s || (lim < end && !self.can_split(v)) {
                continue;
            }
            if let Some((cost, _)) = self.conflicts(r, c, lim, wc)
                && evict.as_ref().is_none_or(|b| cost < b.0)
            {
                evict = Some((cost, r, lim));
            }
        }
        if let Some((_, r, lim)) = evict {
            if lim < end {
                let lo = self.last_use_before(v, s, lim).map_or(s, |u| u.max(s));
                let p = self.best_split(lo, lim);
                if let Some(rest) = self.split_off(c, p) {
                    self.push(rest);
                }
            }
            let (_, list) = self
                .conflicts(r, c, Point::MAX, f32::INFINITY)
                .expect("no budget");
            for w in list {
                self.evict(w as usize, r, s);
            }
            self.assign(c, r);
            return;
        }
        // 4. Spill the child until its next register use.
        self.spill_until_next_use(c, early(s as usize / 2) + 2);
    }

    /// Child `c` (unassigned) goes to the stack from its start until just
    /// before its first register use at or after `after`; the rest is queued.
    fn spill_until_next_use(&mut self, c: usize, after: Point) {
        let v = self.children[c].vreg as usize;
        let (start, end) = (self.children[c].start(), self.children[c].end());
        self.children[c].alloc = SPILLED;
        if !self.can_split(v) {
            return;
        }
        if let Some(u) = self.next_reg_use(v, after.max(start), end) {
            let hi = u & !1;
            if hi > start {
                let p = self.best_split(start, hi);
                if let Some(rest) = self.split_off(c, p) {
                    self.push(rest);
                }
            }
        }
    }

    /// Takes register `r` from child `w` from point `s` on (split at the
    /// early point of `s`'s instruction).
    fn evict(&mut self, w: usize, r: PReg, s: Point) {
        let hi = s & !1;
        self.unassign(w, r);
        let start = self.children[w].start();
        let rest = if start >= hi {
            Some(w)
        } else {
            // Split after the child's last use before `s`, at a block
            // boundary of lower loop depth if there is one.
            let v = self.children[w].vreg as usize;
            let lo = self
                .last_use_before(v, start, hi)
                .map_or(start, |u| u.max(start));
            let cut = self.best_split(lo, hi);
            let rest = self.split_off(w, cut);
            self.assign(w, r);
            rest
        };
        let Some(rest) = rest else { return };
        self.children[rest].alloc = Allocation::None;
        if self.children[rest].start() > s {
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

/// Allocates `func` in `Mode::Optimizing`.
pub(crate) fn run<F: Function>(
    func: &F,
    env: &MachineEnv,
    live: &Liveness,
    ranges: &[Ranges],
    fixed: &FixedRanges,
    hints: &Hints,
    fixup_bufs: &mut FixupBufs,
) -> Result<Output, RegAllocError> {
    let mut scan = Scan::new(func, env, ranges, fixed, hints);
    scan.run();
    let nv = ranges.len();
    let class = std::mem::take(&mut scan.class);
    // Constants: asked only for vregs with a stack child.
    let mut remat = vec![false; nv];
    for ch in &scan.children {
        let v = ch.vreg as usize;
        if ch.alloc == SPILLED && !remat[v] {
            remat[v] = func.remat_constant(crate::VReg::new(v, class[v])).is_some();
        }
    }
    // Children of each vreg in order.
    let mut order: Vec<u32> = (0..scan.children.len() as u32).collect();
    order.sort_unstable_by_key(|&c| {
        let ch = &scan.children[c as usize];
        (ch.vreg, ch.start())
    });
    let mut pieces: Vec<SmallVec<[(Point, Allocation); 1]>> = vec![SmallVec::new(); nv];
    for &c in &order {
        let ch = &scan.children[c as usize];
        debug_assert!(ch.alloc != Allocation::None, "unassigned child {ch:?}");
        pieces[ch.vreg as usize].push((ch.start(), ch.alloc));
    }
    let mut locs = Locs::split(pieces);
    let mut moves: Vec<VMove> = Vec::new();
    // Split moves inside blocks.
    let is_block_start = |p: Point| {
        let b = scan.block_of[(p / 2) as usize] as usize;
        scan.block_starts[b] == p
    };
    for w in order.windows(2) {
        let (a, b) = (&scan.children[w[0] as usize], &scan.children[w[1] as usize]);
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
    // Edge moves (only vregs with several pieces can need them).
    let words = live.words;
    let mut split_vregs = vec![0u64; words];
    for (v, p) in locs.pieces.iter().enumerate() {
        // (Only global vregs are ever live into a block.)
        let g = live.global_index[v] as usize;
        if p.len() > 1 && g != u32::MAX as usize {
            split_vregs[g / 64] |= 1 << (g % 64);
        }
    }
    let mut live_split = vec![0u64; words];
    let mut starts: Vec<(usize, Allocation)> = Vec::new();
    for b in 0..func.num_blocks() {
        let blk = Block(b as u32);
        let preds = func.block_preds(blk);
        let first = func.block_insns(blk).first;
        let live_in = Liveness::row(&live.live_in, words, b);
        for ((x, &l), &sv) in live_split.iter_mut().zip(live_in).zip(&split_vregs) {
            *x = l & sv;
        }
        starts.clear();
        starts.extend(
            live.vregs(&live_split)
                .map(|v| (v, locs.at_point(v, early(first.index())))),
        );
        for &p in preds {
            let br = Inst(func.block_insns(p).last.0 - 1);
            let n0 = moves.len();
            for &(v, to) in &starts {
                let from = locs.at_point(v, early(br.index()));
                if from == to {
                    continue;
                }
                let (point, prio) = if preds.len() == 1 {
                    (ProgPoint::before(first), 1)
                } else {
                    (ProgPoint::before(br), 4)
                };
                moves.push(VMove {
                    point,
                    prio,
                    vreg: v as u32,
                    from,
                    to,
                });
            }
            if moves.len() > n0 && preds.len() > 1 {
                if func.block_succs(p).len() > 1 {
                    return Err(RegAllocError::InvalidInput(format!(
                        "critical edge {p:?} -> {blk:?} needs moves; split it"
                    )));
                }
                if !func.inst_operands(br).is_empty() {
                    return Err(RegAllocError::InvalidInput(format!(
                        "inst{}: moves for the edge {p:?} -> {blk:?} go before this branch, \
                         which must then have no operands",
                        br.index()
                    )));
                }
            }
        }
    }
    // Spill slots: one per vreg, spanning its stack children and the moves
    // that touch its slot.
    let mut span: Vec<(Point, Point)> = vec![(Point::MAX, 0); nv];
    let mut widen = |v: usize, from: Point, to: Point| {
        let s = &mut span[v];
        s.0 = s.0.min(from);
        s.1 = s.1.max(to);
    };
    for ch in &scan.children {
        if ch.alloc == SPILLED && !remat[ch.vreg as usize] {
            widen(ch.vreg as usize, ch.start(), ch.end() + 1);
        }
    }
    for m in &moves {
        if (m.from == SPILLED || m.to == SPILLED) && !remat[m.vreg as usize] {
            let p = early(m.point.inst().index());
            widen(m.vreg as usize, p, p + 1);
        }
    }
    let mut spilled: Vec<usize> = (0..nv).filter(|&v| span[v].0 != Point::MAX).collect();
    spilled.sort_unstable_by_key(|&v| span[v].0);
    let mut slot = vec![u32::MAX; nv];
    let mut busy: BinaryHeap<Reverse<(Point, u32)>> = BinaryHeap::new();
    let mut free: Vec<u32> = Vec::new();
    let mut num_slots = 0u32;
    for v in spilled {
        let (start, end) = span[v];
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
        slot[v] = s;
    }
    let real = |v: usize, a: Allocation| {
        if a == SPILLED && remat[v] {
            remat_marker(v)
        } else if a == SPILLED {
            Allocation::Stack(SpillSlot(slot[v]))
        } else {
            a
        }
    };
    for (v, p) in locs.pieces.iter_mut().enumerate() {
        for x in p.iter_mut() {
            x.1 = real(v, x.1);
        }
    }
    // A constant is never stored.
    moves.retain(|m| !(m.to == SPILLED && remat[m.vreg as usize]));
    moves.sort_by_key(|m| (m.point, m.prio));
    drop_redundant_stores(func, &locs, &mut moves, &slot, num_slots as usize);
    // Sequence each point's (and priority's) moves as one parallel move.
    let scratch: SmallVec<[PReg; 4]> = env.scratch.iter().flatten().copied().collect();
    let mut extra: PrioEdits = Vec::with_capacity(moves.len());
    let mut par: Vec<Move> = Vec::new();
    let mut sequencer = moves::Sequencer::new();
    let mut seq: Vec<Move> = Vec::new();
    for group in moves.chunk_by(|a, b| (a.point, a.prio) == (b.point, b.prio)) {
        par.clear();
        par.extend(group.iter().map(|m| {
            let v = m.vreg as usize;
            Move::new(real(v, m.from), real(v, m.to), class[v])
        }));
        let remats = take_remats(func, &mut par)?;
        seq.clear();
        sequencer.sequence(&par, &scratch, &mut seq).map_err(|e| {
            RegAllocError::Unsatisfiable(format!("moves at {:?}: {e}", group[0].point))
        })?;
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
    for ch in &scan.children {
        if let Allocation::Reg(r) = ch.alloc {
            let rs = clipped(&ranges[ch.vreg as usize], ch.start, ch.end);
            occupancy.push(r, rs, ch.vreg);
        }
    }
    occupancy.sort();
    Fixup::new(func, env, ranges, &locs, num_slots as usize, fixup_bufs)
        .with_occupancy()
        .run(extra)
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
) {
    const NONE: u32 = u32::MAX;
    if num_slots == 0 || !moves.iter().any(|m| m.to == SPILLED) {
        return;
    }
    let n = func.num_insts();
    // moves[at[i]..at[i + 1]] are at `Before(i)`.
    let mut at = vec![0usize; n + 1];
    for m in moves.iter() {
        at[m.point.inst().index() + 1] += 1;
    }
    for i in 0..n {
        at[i + 1] += at[i];
    }
    let mut redundant = vec![false; moves.len()];
    let walk = |b: usize, st: &mut Vec<u32>, mut mark: Option<&mut Vec<bool>>| {
        for inst in func.block_insns(Block(b as u32)).iter() {
            let i = inst.index();
            let mut k = at[i];
            let apply = |k: usize, st: &mut Vec<u32>, mark: &mut Option<&mut Vec<bool>>| {
                let m = moves[k];
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
            while k < at[i + 1] && moves[k].prio < 3 {
                apply(k, st, &mut mark);
                k += 1;
            }
            for op in func.inst_operands(inst) {
                if op.kind != OperandKind::Def {
                    continue;
                }
                let v = op.vreg.index();
                match locs.at_point(v, early(i) + 1) {
                    Allocation::Stack(s) if s.index() < num_slots => st[s.index()] = v as u32,
                    _ => {
                        let s = slot[v];
                        if s != u32::MAX && st[s as usize] == v as u32 {
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
    let mut ins: Vec<Option<Vec<u32>>> = vec![None; nb];
    ins[0] = Some(vec![NONE; num_slots]);
    let mut queued = vec![false; nb];
    queued[0] = true;
    let mut work = std::collections::VecDeque::from([0usize]);
    let mut st = Vec::new();
    while let Some(b) = work.pop_front() {
        queued[b] = false;
        st.clone_from(ins[b].as_ref().expect("queued block has a state"));
        walk(b, &mut st, None);
        for &s in func.block_succs(Block(b as u32)) {
            let si = s.index();
            let changed = match &mut ins[si] {
                None => {
                    ins[si] = Some(st.clone());
                    true
                }
                Some(old) => {
                    let mut ch = false;
                    for (o, &x) in old.iter_mut().zip(&st) {
                        if *o != x && *o != NONE {
                            *o = NONE;
                            ch = true;
                        }
                    }
                    ch
                }
            };
            if changed && !queued[si] {
                queued[si] = true;
                work.push_back(si);
            }
        }
    }
    for (b, state) in ins.iter().enumerate() {
        if let Some(state) = state {
            st.clone_from(state);
            walk(b, &mut st, Some(&mut redundant));
        }
    }
    let mut k = 0;
    moves.retain(|_| {
        k += 1;
        !redundant[k - 1]
    });
}
