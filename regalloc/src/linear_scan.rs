//! Linear scan over live intervals with lifetime holes.
//!
//! Passes, each linear or `n log n` in the size of the function:
//! 1. [`validate`]: the client's invariants (block layout, operand shapes).
//! 2. [`liveness`]: backward dataflow over the CFG with dense bitsets and a
//!    worklist, giving live-in/live-out sets per block (loops converge in a
//!    few rounds).
//! 3. [`build_intervals`]: one backward walk over the blocks in reverse layout
//!    order builds each virtual register's interval as a sorted list of
//!    half-open ranges of program points (two points per instruction:
//!    `2i` = early, `2i + 1` = late). Gaps between ranges are lifetime holes.
//! 4. [`build_fixed`]: per physical register, the points where it is a fixed
//!    operand (tagged with the vreg that may sit there) or clobbered.
//! 5. [`scan`]: intervals in order of start; each takes a register whose
//!    fixed ranges and already-assigned intervals do not overlap it (ranges in
//!    a per-register `BTreeMap`, so holes are shared for free), else the
//!    cheaper of itself and the conflicting intervals (by spill weight:
//!    loop-depth-weighted use count per program point) goes to the stack.
//!    Every virtual register has one location for its whole life.
//! 6. [`assign_slots`]: spilled intervals share slots when they do not
//!    overlap (interval-graph colouring with a min-heap).
//! 7. [`Fixup`]: per instruction, operands whose constraint the location does
//!    not meet get local moves (fixed registers, reloads into scratch
//!    registers, two-address copies); each point's moves are one parallel move
//!    sequenced by [`crate::moves`]. When the scratch registers of a class run
//!    out, an allocatable register not used by the instruction is borrowed: its
//!    value (if any) is saved to an emergency slot before and restored after.
//!
//! `Mode::Optimizing` shares passes 1-4 and 7 and replaces 5 and 6 with the
//! splitting scan of [`crate::split`], which also adds split and edge moves;
//! the fix-up reads each operand's location from [`Locs`].

use crate::moves::{self, Move};
use crate::{
    Allocation, Block, Edit, Function, Inst, MachineEnv, Mode, OperandConstraint, OperandKind,
    OperandPos, Output, PReg, PRegSet, ProgPoint, RegAllocError, RegClass, SpillSlot,
};
use smallvec::SmallVec;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

/// A program point index: `2i` (early) or `2i + 1` (late).
pub(crate) type Point = u32;

/// A half-open range of program points `[from, to)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Range {
    pub from: Point,
    pub to: Point,
}

/// The ranges of one interval, sorted and disjoint.
pub(crate) type Ranges = SmallVec<[Range; 2]>;

/// Owner tag of a fixed range that no virtual register may overlap.
pub(crate) const NO_OWNER: u32 = u32::MAX;

/// A temporary stack marker for "spilled, slot not yet chosen".
pub(crate) const SPILLED: Allocation = Allocation::Stack(SpillSlot(u32::MAX));

/// The tag bit of a rematerialization marker: `Stack(SpillSlot(REMAT_BIT |
/// v))` is where a stack child of constant vreg `v` "lives" in
/// `Mode::Optimizing`: it has no slot; reads from it become
/// [`Edit::Remat`]s and writes to it are dropped. Markers never reach the
/// output.
pub(crate) const REMAT_BIT: u32 = 1 << 31;

/// The marker location of constant vreg `v`.
pub(crate) fn remat_marker(v: usize) -> Allocation {
    debug_assert!((v as u32) < REMAT_BIT - 1);
    Allocation::Stack(SpillSlot(REMAT_BIT | v as u32))
}

/// The vreg of a rematerialization marker.
pub(crate) fn remat_vreg(a: Allocation) -> Option<usize> {
    match a {
        Allocation::Stack(s) if s.0 & REMAT_BIT != 0 && a != SPILLED => {
            Some((s.0 & !REMAT_BIT) as usize)
        }
        _ => None,
    }
}

/// Splits the moves into markers out of `moves`: moves into a marker are
/// dropped (a constant needs no store) and moves out of one are returned as
/// [`Edit::Remat`]s, to run after the remaining (parallel) moves.
pub(crate) fn take_remats<F: Function>(
    func: &F,
    moves: &mut Vec<Move>,
) -> Result<SmallVec<[Edit; 2]>, RegAllocError> {
    let mut remats = SmallVec::new();
    if !moves
        .iter()
        .any(|m| remat_vreg(m.from).is_some() || remat_vreg(m.to).is_some())
    {
        return Ok(remats);
    }
    let mut bad = None;
    moves.retain(|m| {
        if remat_vreg(m.to).is_some() {
            return false;
        }
        let Some(v) = remat_vreg(m.from) else {
            return true;
        };
        let vreg = crate::VReg::new(v, m.class);
        match (func.remat_constant(vreg), m.to) {
            (Some(value), Allocation::Reg(_)) => remats.push(Edit::Remat {
                vreg,
                value,
                to: m.to,
                class: m.class,
            }),
            _ => bad = Some(*m),
        }
        false
    });
    if let Some(m) = bad {
        return Err(RegAllocError::Unsatisfiable(format!(
            "cannot rematerialize {m:?}"
        )));
    }
    Ok(remats)
}

pub(crate) fn early(i: usize) -> Point {
    (2 * i) as Point
}

fn class_of_index(c: usize) -> RegClass {
    RegClass::ALL[c]
}

/// Entry point: allocates `func`.
pub(crate) fn run<F: Function>(
    func: &F,
    env: &MachineEnv,
    mode: Mode,
) -> Result<Output, RegAllocError> {
    validate(func, env)?;
    let live = liveness(func)?;
    let ranges = build_intervals(func, &live);
    let fixed = build_fixed(func)?;
    if mode == Mode::Optimizing {
        return crate::split::run(func, env, &live, &ranges, &fixed);
    }
    let weights = spill_weights(func, &ranges);
    let (mut loc, maps) = scan(func, env, &ranges, &fixed, &weights);
    let num_slots = assign_slots(&ranges, &mut loc);
    let locs = Locs::whole(&loc);
    Fixup::new(func, env, &ranges, &locs, &maps, num_slots).run(Vec::new())
}

fn invalid(msg: String) -> RegAllocError {
    RegAllocError::InvalidInput(msg)
}

/// Checks the client's invariants.
fn validate<F: Function>(func: &F, env: &MachineEnv) -> Result<(), RegAllocError> {
    for c in 0..2 {
        for &r in env.regs[c].iter().chain(&env.scratch[c]) {
            if r.class() != class_of_index(c) {
                return Err(invalid(format!("{r:?} listed under the wrong class")));
            }
        }
        for r in &env.scratch[c] {
            if env.regs[c].contains(r) {
                return Err(invalid(format!("{r:?} is both allocatable and scratch")));
            }
        }
    }
    let scratch: PRegSet = env
        .scratch
        .iter()
        .flatten()
        .fold(PRegSet::empty(), |s, &r| s.with(r));
    let nb = func.num_blocks();
    let ni = func.num_insts();
    let nv = func.num_vregs();
    if nb == 0 {
        return Err(invalid("function has no blocks".into()));
    }
    if func.entry_block().index() != 0 {
        return Err(invalid("the entry block must be block 0".into()));
    }
    if !func.block_preds(Block(0)).is_empty() {
        return Err(invalid("the entry block has predecessors".into()));
    }
    let mut next = 0usize;
    for b in 0..nb {
        let blk = Block(b as u32);
        let r = func.block_insns(blk);
        if r.first.index() != next || r.is_empty() {
            return Err(invalid(format!(
                "block{b}: instructions must be a non-empty range starting at inst{next}"
            )));
        }
        next = r.last.index();
        for i in r.iter() {
            let last = i.index() + 1 == r.last.index();
            let term = func.is_branch(i) || func.is_ret(i);
            if term != last {
                return Err(invalid(format!(
                    "block{b}: inst{} must {}be a branch or return",
                    i.index(),
                    if last { "" } else { "not " }
                )));
            }
        }
        let t = Inst(r.last.0 - 1);
        if func.is_ret(t) != func.block_succs(blk).is_empty() {
            return Err(invalid(format!(
                "block{b}: a return has no successors, a branch has some"
            )));
        }
        for &s in func.block_succs(blk) {
            if s.index() >= nb || !func.block_preds(s).contains(&blk) {
                return Err(invalid(format!(
                    "block{b}: successor {s:?} does not list it as a predecessor"
                )));
            }
        }
        for &p in func.block_preds(blk) {
            if p.index() >= nb || !func.block_succs(p).contains(&blk) {
                return Err(invalid(format!(
                    "block{b}: predecessor {p:?} does not list it as a successor"
                )));
            }
        }
    }
    if next != ni {
        return Err(invalid(format!(
            "blocks cover {next} instructions, num_insts() is {ni}"
        )));
    }
    let mut vclass: Vec<u8> = vec![u8::MAX; nv];
    for i in 0..ni {
        let inst = Inst(i as u32);
        let ops = func.inst_operands(inst);
        let mut fixed_uses: SmallVec<[(PReg, u32); 8]> = SmallVec::new();
        let mut fixed_defs = PRegSet::empty();
        let mut reused = 0u64;
        for (k, op) in ops.iter().enumerate() {
            let v = op.vreg;
            if v.index() >= nv {
                return Err(invalid(format!("inst{i}: {v:?} >= num_vregs {nv}")));
            }
            let c = v.class() as u8;
            if vclass[v.index()] == u8::MAX {
                vclass[v.index()] = c;
            } else if vclass[v.index()] != c {
                return Err(invalid(format!("inst{i}: {v:?} used with two classes")));
            }
            if op.kind == OperandKind::Def {
                if func.is_branch(inst) {
                    return Err(invalid(format!("inst{i}: a branch may not define {v:?}")));
                }
                if ops[..k]
                    .iter()
                    .any(|o| o.kind == OperandKind::Def && o.vreg == v)
                {
                    return Err(invalid(format!("inst{i}: {v:?} defined twice")));
                }
                if op.pos == OperandPos::Early
                    && ops
                        .iter()
                        .any(|o| o.kind == OperandKind::Use && o.vreg == v)
                {
                    return Err(invalid(format!(
                        "inst{i}: {v:?} is both used and early-defined"
                    )));
                }
            }
            match op.constraint {
                OperandConstraint::FixedReg(p) => {
                    if p.class() != v.class() {
                        return Err(invalid(format!("inst{i}: {v:?} fixed to {p:?}")));
                    }
                    if scratch.contains(p) {
                        return Err(invalid(format!(
                            "inst{i}: fixed register {p:?} is a scratch register"
                        )));
                    }
                    match op.kind {
                        OperandKind::Use => {
                            if fixed_uses
                                .iter()
                                .any(|&(q, w)| q == p && w != v.index() as u32)
                            {
                                return Err(RegAllocError::Unsatisfiable(format!(
                                    "inst{i}: two different values used in {p:?}"
                                )));
                            }
                            fixed_uses.push((p, v.index() as u32));
                        }
                        OperandKind::Def => {
                            if fixed_defs.contains(p) {
                                return Err(RegAllocError::Unsatisfiable(format!(
                                    "inst{i}: two values defined in {p:?}"
                                )));
                            }
                            fixed_defs.add(p);
                        }
                    }
                }
                OperandConstraint::Reuse(n) => {
                    let ok = op.kind == OperandKind::Def
                        && op.pos == OperandPos::Late
                        && n < ops.len()
                        && n < 64
                        && ops[n].kind == OperandKind::Use
                        && ops[n].vreg.class() == v.class()
                        && !matches!(ops[n].constraint, OperandConstraint::Reuse(_))
                        && reused & (1 << n) == 0;
                    if !ok {
                        return Err(invalid(format!(
                            "inst{i}: operand {k} has a malformed Reuse({n}) constraint"
                        )));
                    }
                    reused |= 1 << n;
                }
                _ => {}
            }
        }
        // A reuse def whose input is fixed is itself a def in that register.
        for op in ops {
            if let OperandConstraint::Reuse(n) = op.constraint
                && let OperandConstraint::FixedReg(p) = ops[n].constraint
            {
                if fixed_defs.contains(p) {
                    return Err(RegAllocError::Unsatisfiable(format!(
                        "inst{i}: two values defined in {p:?}"
                    )));
                }
                fixed_defs.add(p);
            }
        }
    }
    Ok(())
}

/// Dense bitsets, one row of `words` per block.
pub(crate) struct Liveness {
    pub(crate) words: usize,
    pub(crate) live_in: Vec<u64>,
    pub(crate) live_out: Vec<u64>,
}

impl Liveness {
    pub(crate) fn row(v: &[u64], words: usize, b: usize) -> &[u64] {
        &v[b * words..(b + 1) * words]
    }
}

fn bit_set(row: &mut [u64], v: usize) {
    row[v / 64] |= 1 << (v % 64);
}
fn bit_clear(row: &mut [u64], v: usize) {
    row[v / 64] &= !(1 << (v % 64));
}
fn bit_test(row: &[u64], v: usize) -> bool {
    row[v / 64] & (1 << (v % 64)) != 0
}
pub(crate) fn bits(row: &[u64]) -> impl Iterator<Item = usize> + '_ {
    row.iter().enumerate().flat_map(|(w, &word)| {
        let mut x = word;
        std::iter::from_fn(move || {
            if x == 0 {
                return None;
            }
            let t = x.trailing_zeros() as usize;
            x &= x - 1;
            Some(w * 64 + t)
        })
    })
}

/// Backward liveness dataflow over the CFG.
fn liveness<F: Function>(func: &F) -> Result<Liveness, RegAllocError> {
    let nb = func.num_blocks();
    let words = func.num_vregs().div_ceil(64).max(1);
    let mut gen_ = vec![0u64; nb * words];
    let mut kill = vec![0u64; nb * words];
    for b in 0..nb {
        let (g, k) = (
            &mut gen_[b * words..(b + 1) * words],
            &mut kill[b * words..(b + 1) * words],
        );
        for i in func.block_insns(Block(b as u32)).iter() {
            let ops = func.inst_operands(i);
            for op in ops.iter().filter(|o| o.kind == OperandKind::Use) {
                let v = op.vreg.index();
                if !bit_test(k, v) {
                    bit_set(g, v);
                }
            }
            for op in ops.iter().filter(|o| o.kind == OperandKind::Def) {
                bit_set(k, op.vreg.index());
            }
        }
    }
    let mut live_in = vec![0u64; nb * words];
    let mut live_out = vec![0u64; nb * words];
    let mut queued = vec![true; nb];
    let mut work: VecDeque<usize> = (0..nb).rev().collect();
    let mut tmp = vec![0u64; words];
    while let Some(b) = work.pop_front() {
        queued[b] = false;
        tmp.iter_mut().for_each(|w| *w = 0);
        for &s in func.block_succs(Block(b as u32)) {
            let si = Liveness::row(&live_in, words, s.index());
            for (t, &x) in tmp.iter_mut().zip(si) {
                *t |= x;
            }
        }
        live_out[b * words..(b + 1) * words].copy_from_slice(&tmp);
        let mut changed = false;
        for w in 0..words {
            let new = gen_[b * words + w] | (tmp[w] & !kill[b * words + w]);
            if new != live_in[b * words + w] {
                live_in[b * words + w] = new;
                changed = true;
            }
        }
        if changed {
            for &p in func.block_preds(Block(b as u32)) {
                if !queued[p.index()] {
                    queued[p.index()] = true;
                    work.push_back(p.index());
                }
            }
        }
    }
    let entry = Liveness::row(&live_in, words, 0);
    if let Some(v) = bits(entry).next() {
        return Err(invalid(format!(
            "v{v} is used before it is defined (live into the entry block)"
        )));
    }
    Ok(Liveness {
        words,
        live_in,
        live_out,
    })
}

/// Appends `[from, to)` to ranges built in descending order, merging with the
/// earliest range so far when they touch.
fn add_range(r: &mut Ranges, from: Point, to: Point) {
    if let Some(last) = r.last_mut()
        && to >= last.from
    {
        last.from = last.from.min(from);
        last.to = last.to.max(to);
        return;
    }
    r.push(Range { from, to });
}

/// Builds each vreg's interval (sorted, disjoint ranges).
fn build_intervals<F: Function>(func: &F, live: &Liveness) -> Vec<Ranges> {
    let nv = func.num_vregs();
    let mut ranges: Vec<Ranges> = vec![Ranges::new(); nv];
    let mut cur = vec![0u64; live.words];
    for b in (0..func.num_blocks()).rev() {
        let insts = func.block_insns(Block(b as u32));
        let start = early(insts.first.index());
        let end = early(insts.last.index());
        cur.copy_from_slice(Liveness::row(&live.live_out, live.words, b));
        for v in bits(&cur) {
            add_range(&mut ranges[v], start, end);
        }
        for i in insts.iter().rev() {
            let ops = func.inst_operands(i);
            let e = early(i.index());
            for op in ops.iter().filter(|o| o.kind == OperandKind::Def) {
                let v = op.vreg.index();
                let p = if op.pos == OperandPos::Early {
                    e
                } else {
                    e + 1
                };
                if bit_test(&cur, v) {
                    let r = ranges[v].last_mut().expect("live vreg has a range");
                    r.from = p;
                    // An early def occupies its register through the late point.
                    r.to = r.to.max(e + 2);
                    bit_clear(&mut cur, v);
                } else {
                    add_range(&mut ranges[v], p, e + 2);
                }
            }
            for op in ops.iter().filter(|o| o.kind == OperandKind::Use) {
                let v = op.vreg.index();
                add_range(&mut ranges[v], start, e + 1);
                bit_set(&mut cur, v);
            }
        }
        debug_assert_eq!(
            &cur[..],
            Liveness::row(&live.live_in, live.words, b),
            "block{b}: live-in mismatch"
        );
    }
    for r in &mut ranges {
        r.reverse();
    }
    ranges
}

/// A fixed range of a physical register: `owner` may overlap it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FixedRange {
    pub(crate) range: Range,
    pub(crate) owner: u32,
}

/// Per physical register (by index), its fixed ranges sorted by start.
fn build_fixed<F: Function>(func: &F) -> Result<Vec<Vec<FixedRange>>, RegAllocError> {
    let mut fixed: Vec<Vec<FixedRange>> = vec![Vec::new(); PReg::NUM_INDEX];
    for i in 0..func.num_insts() {
        let inst = Inst(i as u32);
        let ops = func.inst_operands(inst);
        let e = early(i);
        let mut def_regs = PRegSet::empty();
        let mut push = |p: PReg, from: Point, to: Point, owner: u32| {
            fixed[p.index()].push(FixedRange {
                range: Range { from, to },
                owner,
            });
        };
        for op in ops {
            let v = op.vreg.index() as u32;
            match (op.constraint, op.kind) {
                (OperandConstraint::FixedReg(p), OperandKind::Use) => push(p, e, e + 1, v),
                (OperandConstraint::FixedReg(p), OperandKind::Def) => {
                    let from = if op.pos == OperandPos::Early {
                        e
                    } else {
                        e + 1
                    };
                    push(p, from, e + 2, v);
                    def_regs.add(p);
                }
                (OperandConstraint::Reuse(n), _) => {
                    if let OperandConstraint::FixedReg(p) = ops[n].constraint {
                        push(p, e + 1, e + 2, v);
                        def_regs.add(p);
                    }
                }
                _ => {}
            }
        }
        for p in func.inst_clobbers(inst).iter() {
            if !def_regs.contains(p) {
                push(p, e + 1, e + 2, NO_OWNER);
            }
        }
    }
    for (p, list) in fixed.iter_mut().enumerate() {
        list.sort_by_key(|f| (f.range.from, f.range.to));
        for w in list.windows(2) {
            let (a, b) = (w[0], w[1]);
            if b.range.from < a.range.to && (a.owner != b.owner || a.owner == NO_OWNER) {
                if a.owner == NO_OWNER && b.owner == NO_OWNER {
                    continue;
                }
                return Err(RegAllocError::Unsatisfiable(format!(
                    "inst{}: {:?} is needed by two values at once",
                    b.range.from / 2,
                    PReg::from_index(p)
                )));
            }
        }
    }
    Ok(fixed)
}

/// Spill weight per vreg: loop-weighted number of operands per program point
/// of the interval. Higher weight = more deserving of a register.
fn spill_weights<F: Function>(func: &F, ranges: &[Ranges]) -> Vec<f32> {
    let mut w = vec![0f32; ranges.len()];
    for b in 0..func.num_blocks() {
        let blk = Block(b as u32);
        let depth = func.block_loop_depth(blk).min(6) as i32;
        let freq = 8f32.powi(depth);
        for i in func.block_insns(blk).iter() {
            for op in func.inst_operands(i) {
                let bonus = match op.constraint {
                    OperandConstraint::Reg | OperandConstraint::Reuse(_) => 1.0,
                    _ => 0.5,
                };
                w[op.vreg.index()] += freq * bonus;
            }
        }
    }
    for (v, r) in ranges.iter().enumerate() {
        let len: u32 = r.iter().map(|r| r.to - r.from).sum();
        w[v] /= len as f32 + 4.0;
    }
    w
}

/// The intervals assigned to one register: `from -> (to, vreg)`.
pub(crate) type RegMap = BTreeMap<Point, (Point, u32)>;

fn map_conflicts(map: &RegMap, ranges: &[Range], out: &mut SmallVec<[u32; 8]>) {
    for r in ranges {
        for (_, &(to, v)) in map.range(..r.to).rev() {
            if to <= r.from {
                break;
            }
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
}

fn fixed_conflict(fixed: &[FixedRange], ranges: &[Range], v: u32) -> bool {
    for r in ranges {
        let start = fixed.partition_point(|f| f.range.to <= r.from);
        for f in &fixed[start..] {
            if f.range.from >= r.to {
                break;
            }
            if f.range.to > r.from && f.owner != v {
                return true;
            }
        }
    }
    false
}

/// Register hints of each vreg: a fixed register it is used or defined in,
/// and the vregs it is copied to or from (by [`Function::is_move`]) or that a
/// two-address def reuses, whose registers it should preferably share.
pub(crate) struct Hints {
    pub(crate) fixed: Vec<Option<PReg>>,
    pub(crate) related: Vec<SmallVec<[u32; 2]>>,
}

pub(crate) fn hints<F: Function>(func: &F) -> Hints {
    let nv = func.num_vregs();
    let mut fixed = vec![None; nv];
    let mut related: Vec<SmallVec<[u32; 2]>> = vec![SmallVec::new(); nv];
    let mut relate = |a: usize, b: usize| {
        if a != b && related[a].len() < 4 && !related[a].contains(&(b as u32)) {
            related[a].push(b as u32);
        }
    };
    for i in 0..func.num_insts() {
        let inst = Inst(i as u32);
        let ops = func.inst_operands(inst);
        for op in ops {
            match op.constraint {
                OperandConstraint::FixedReg(p) => {
                    fixed[op.vreg.index()].get_or_insert(p);
                }
                OperandConstraint::Reuse(n) => {
                    relate(op.vreg.index(), ops[n].vreg.index());
                    relate(ops[n].vreg.index(), op.vreg.index());
                }
                _ => {}
            }
        }
        if func.is_move(inst) && ops.len() == 2 {
            relate(ops[0].vreg.index(), ops[1].vreg.index());
            relate(ops[1].vreg.index(), ops[0].vreg.index());
        }
    }
    Hints { fixed, related }
}

/// Assigns each interval a register or `SPILLED`.
fn scan<F: Function>(
    func: &F,
    env: &MachineEnv,
    ranges: &[Ranges],
    fixed: &[Vec<FixedRange>],
    weights: &[f32],
) -> (Vec<Allocation>, Vec<RegMap>) {
    let nv = ranges.len();
    let hint = hints(func);
    let mut class = vec![RegClass::Int; nv];
    for i in 0..func.num_insts() {
        for op in func.inst_operands(Inst(i as u32)) {
            class[op.vreg.index()] = op.vreg.class();
        }
    }
    let mut order: Vec<u32> = (0..nv as u32)
        .filter(|&v| !ranges[v as usize].is_empty())
        .collect();
    order.sort_unstable_by_key(|&v| (ranges[v as usize][0].from, v));
    let mut loc = vec![Allocation::None; nv];
    let mut maps: Vec<RegMap> = vec![RegMap::new(); PReg::NUM_INDEX];
    let mut conflicts: SmallVec<[u32; 8]> = SmallVec::new();
    for &v in &order {
        let vi = v as usize;
        let regs = &env.regs[class[vi] as usize];
        let mut cands: SmallVec<[PReg; 32]> = SmallVec::new();
        let related = hint.related[vi]
            .iter()
            .filter_map(|&w| loc[w as usize].as_reg());
        for h in hint.fixed[vi].into_iter().chain(related) {
            if regs.contains(&h) && !cands.contains(&h) {
                cands.push(h);
            }
        }
        for &r in regs {
            if !cands.contains(&r) {
                cands.push(r);
            }
        }
        let mut best: Option<(f32, PReg, SmallVec<[u32; 8]>)> = None;
        let mut done = false;
        for &r in &cands {
            if fixed_conflict(&fixed[r.index()], &ranges[vi], v) {
                continue;
            }
            conflicts.clear();
            map_conflicts(&maps[r.index()], &ranges[vi], &mut conflicts);
            if conflicts.is_empty() {
                assign(&mut maps[r.index()], &ranges[vi], v);
                loc[vi] = Allocation::Reg(r);
                done = true;
                break;
            }
            let cost: f32 = conflicts.iter().map(|&c| weights[c as usize]).sum();
            if best.as_ref().is_none_or(|b| cost < b.0) {
                best = Some((cost, r, conflicts.clone()));
            }
        }
        if done {
            continue;
        }
        match best {
            Some((cost, r, evict)) if cost < weights[vi] => {
                for c in evict {
                    for rg in &ranges[c as usize] {
                        maps[r.index()].remove(&rg.from);
                    }
                    loc[c as usize] = SPILLED;
                }
                assign(&mut maps[r.index()], &ranges[vi], v);
                loc[vi] = Allocation::Reg(r);
            }
            _ => loc[vi] = SPILLED,
        }
    }
    (loc, maps)
}

pub(crate) fn assign(map: &mut RegMap, ranges: &[Range], v: u32) {
    for r in ranges {
        map.insert(r.from, (r.to, v));
    }
}

/// Gives spilled intervals slots, sharing a slot between intervals whose
/// extents do not overlap. Returns the number of slots.
fn assign_slots(ranges: &[Ranges], loc: &mut [Allocation]) -> usize {
    let mut spilled: Vec<usize> = (0..loc.len()).filter(|&v| loc[v] == SPILLED).collect();
    spilled.sort_unstable_by_key(|&v| ranges[v][0].from);
    let mut busy: BinaryHeap<Reverse<(Point, u32)>> = BinaryHeap::new();
    let mut free: Vec<u32> = Vec::new();
    let mut n = 0u32;
    for v in spilled {
        let r = &ranges[v];
        let (start, end) = (r[0].from, r[r.len() - 1].to);
        while let Some(&Reverse((e, s))) = busy.peek() {
            if e > start {
                break;
            }
            busy.pop();
            free.push(s);
        }
        let s = free.pop().unwrap_or_else(|| {
            n += 1;
            n - 1
        });
        busy.push(Reverse((end, s)));
        loc[v] = Allocation::Stack(SpillSlot(s));
    }
    n as usize
}

/// Where each vreg lives: per vreg, its pieces as `(first point, location)`
/// sorted by point (one piece in `Mode::Fast`; split children in
/// `Mode::Optimizing`). A piece extends to the next one's first point.
pub(crate) struct Locs {
    pub(crate) pieces: Vec<SmallVec<[(Point, Allocation); 1]>>,
}

impl Locs {
    /// One location per vreg for its whole life.
    fn whole(loc: &[Allocation]) -> Self {
        Locs {
            pieces: loc
                .iter()
                .map(|&a| SmallVec::from_elem((0, a), 1))
                .collect(),
        }
    }

    /// The location of `v` at point `p` (where `v` is live).
    pub(crate) fn at_point(&self, v: usize, p: Point) -> Allocation {
        let s = &self.pieces[v];
        if s.len() == 1 {
            return s[0].1;
        }
        let k = s.partition_point(|x| x.0 <= p);
        if k == 0 { Allocation::None } else { s[k - 1].1 }
    }

    /// The location of `v` at instruction `i` (pieces change only at early
    /// points, so it is the same at both points of `i`).
    fn at(&self, v: usize, i: usize) -> Allocation {
        self.at_point(v, early(i) + 1)
    }
}

/// Edits from outside the fix-up (split and edge moves) with their priority
/// among the edits of one program point: 0 = restores of registers borrowed
/// by a branch, 1 = edge moves at the start of a block, 2 = moves between
/// split children, 3 = the instruction's own moves, 4 = edge moves before a
/// branch.
pub(crate) type PrioEdits = Vec<(ProgPoint, u8, Edit)>;

/// Per-instruction constraint fix-up.
pub(crate) struct Fixup<'a, F: Function> {
    func: &'a F,
    env: &'a MachineEnv,
    ranges: &'a [Ranges],
    locs: &'a Locs,
    maps: &'a [RegMap],
    num_slots: usize,
    /// Emergency slots for borrowed registers, created on demand.
    emergency: Vec<SpillSlot>,
    /// The block of each instruction.
    block_of: Vec<u32>,
}

/// Temporary registers handed out at one instruction.
#[derive(Default)]
struct Temps {
    /// Taken at the early point (hold a use or an early def).
    early: PRegSet,
    /// Taken at the late point (hold a late def).
    late: PRegSet,
    /// Allocatable registers borrowed for this instruction.
    borrowed: SmallVec<[PReg; 4]>,
    /// Registers that may not be borrowed to hold a value at the early point:
    /// read or written there by the instruction or its moves.
    excl_early: PRegSet,
    /// Registers that may not be borrowed to hold a value at the late point.
    excl_late: PRegSet,
}

impl<'a, F: Function> Fixup<'a, F> {
    pub(crate) fn new(
        func: &'a F,
        env: &'a MachineEnv,
        ranges: &'a [Ranges],
        locs: &'a Locs,
        maps: &'a [RegMap],
        num_slots: usize,
    ) -> Self {
        Fixup {
            func,
            env,
            ranges,
            locs,
            maps,
            num_slots,
            emergency: Vec::new(),
            block_of: {
                let mut v = vec![0u32; func.num_insts()];
                for b in 0..func.num_blocks() {
                    for i in func.block_insns(Block(b as u32)).iter() {
                        v[i.index()] = b as u32;
                    }
                }
                v
            },
        }
    }

    fn covers(&self, v: usize, p: Point) -> bool {
        let r = &self.ranges[v];
        let k = r.partition_point(|x| x.to <= p);
        k < r.len() && r[k].from <= p
    }

    #[allow(clippy::too_many_arguments)]
    fn temp(
        &mut self,
        i: usize,
        class: RegClass,
        at_early: bool,
        at_late: bool,
        t: &mut Temps,
        before: &mut Vec<Move>,
        after: &mut Vec<Move>,
    ) -> Result<PReg, RegAllocError> {
        let ok = |t: &Temps, r: PReg| {
            r.class() == class
                && !(at_early && t.early.contains(r))
                && !(at_late && t.late.contains(r))
        };
        let take = |t: &mut Temps, r: PReg| {
            if at_early {
                t.early.add(r);
            }
            if at_late {
                t.late.add(r);
            }
        };
        let c = class as usize;
        for &r in self.env.scratch[c].iter().chain(t.borrowed.iter()) {
            if ok(t, r) {
                take(t, r);
                return Ok(r);
            }
        }
        let inst = Inst(i as u32);
        for &r in &self.env.regs[c] {
            if t.borrowed.contains(&r) {
                continue;
            }
            let usable_e = !t.excl_early.contains(r);
            let usable_l = !t.excl_late.contains(r);
            if (at_early && !usable_e) || (at_late && !usable_l) {
                continue;
            }
            // A value living through the instruction in `r` is saved and
            // restored. (A value dying here is not read from `r` by the
            // instruction, or `r` would be excluded at the early point; one
            // born here is a def, excluded at the late point.)
            let e = early(i);
            // (An early def of this instruction whose home is `r` is not
            // saved: its value only arrives after the instruction.)
            let ops = self.func.inst_operands(inst);
            let save = self.maps[r.index()]
                .range(..=e)
                .next_back()
                .is_some_and(|(_, &(to, v))| {
                    to >= e + 2
                        && !ops
                            .iter()
                            .any(|o| o.kind == OperandKind::Def && o.vreg.index() == v as usize)
                });
            if save {
                // After a branch, the value is restored at the start of each
                // successor, which must then have no other predecessor.
                if self.func.is_branch(inst) {
                    let b = Block(self.block_of[i]);
                    let ok = self
                        .func
                        .block_succs(b)
                        .iter()
                        .all(|&s| self.func.block_preds(s).len() == 1);
                    if !ok {
                        continue;
                    }
                }
                let k = t.borrowed.len();
                while self.emergency.len() <= k {
                    self.emergency
                        .push(SpillSlot((self.num_slots + self.emergency.len()) as u32));
                }
                let slot = Allocation::Stack(self.emergency[k]);
                before.push(Move::new(Allocation::Reg(r), slot, class));
                if !self.func.is_ret(inst) {
                    after.push(Move::new(slot, Allocation::Reg(r), class));
                }
            }
            t.borrowed.push(r);
            if !usable_e {
                t.early.add(r);
            }
            if !usable_l {
                t.late.add(r);
            }
            take(t, r);
            return Ok(r);
        }
        Err(RegAllocError::Unsatisfiable(format!(
            "inst{i}: needs more {class:?} registers than the machine has; operands: {:?}",
            self.func.inst_operands(Inst(i as u32))
        )))
    }

    pub(crate) fn run(mut self, extra: PrioEdits) -> Result<Output, RegAllocError> {
        let func = self.func;
        let n = func.num_insts();
        let mut out = Output {
            allocs: Vec::new(),
            inst_alloc_offsets: Vec::with_capacity(n),
            edits: Vec::new(),
            num_spillslots: 0,
        };
        let scratch: SmallVec<[PReg; 4]> = self.env.scratch.iter().flatten().copied().collect();
        let mut before: Vec<Move> = Vec::new();
        let mut after: Vec<Move> = Vec::new();
        let mut edits: PrioEdits = extra;
        for i in 0..n {
            before.clear();
            after.clear();
            let inst = Inst(i as u32);
            out.inst_alloc_offsets.push(out.allocs.len() as u32);
            let base = out.allocs.len();
            let ops = func.inst_operands(inst);
            out.allocs.resize(base + ops.len(), Allocation::None);
            self.inst(i, &mut out.allocs[base..], &mut before, &mut after)?;
            // Reloads of constants become remats after the parallel move;
            // stores of constants vanish.
            let remats = take_remats(func, &mut before)?;
            let late_remats = take_remats(func, &mut after)?;
            debug_assert!(late_remats.is_empty(), "remat after inst{i}");
            for (moves, point) in [
                (&before, ProgPoint::before(inst)),
                (&after, ProgPoint::after(inst)),
            ] {
                if moves.is_empty() {
                    continue;
                }
                let seq = moves::sequence(moves, &scratch)
                    .map_err(|e| RegAllocError::Unsatisfiable(format!("inst{i}: {e}")))?;
                let edit = |m: Move| Edit::Move {
                    from: m.from,
                    to: m.to,
                    class: m.class,
                };
                if point.is_after() && func.is_branch(inst) {
                    // Restores of registers borrowed by the branch go to the
                    // start of each (single-predecessor) successor, before
                    // that instruction's own edits.
                    for &s in func.block_succs(Block(self.block_of[i])) {
                        let first = func.block_insns(s).first;
                        edits.extend(
                            seq.iter()
                                .map(|&m| (ProgPoint::before(first), 0u8, edit(m))),
                        );
                    }
                    continue;
                }
                edits.extend(seq.into_iter().map(|m| (point, 3u8, edit(m))));
            }
            // (The sort below is stable: these stay after the moves.)
            edits.extend(
                remats
                    .into_iter()
                    .map(|e| (ProgPoint::before(inst), 3u8, e)),
            );
        }
        // Stable: edits at one point keep their order.
        edits.sort_by_key(|&(p, prio, _)| (p, prio));
        out.edits = edits.into_iter().map(|(p, _, e)| (p, e)).collect();
        out.num_spillslots = self.num_slots + self.emergency.len();
        Ok(out)
    }

    /// Chooses the allocations of instruction `i`'s operands and the moves
    /// before and after it.
    fn inst(
        &mut self,
        i: usize,
        allocs: &mut [Allocation],
        before: &mut Vec<Move>,
        after: &mut Vec<Move>,
    ) -> Result<(), RegAllocError> {
        let inst = Inst(i as u32);
        let ops = self.func.inst_operands(inst);
        let clobbers = self.func.inst_clobbers(inst);
        // The location of each operand's vreg at this instruction.
        let at: SmallVec<[(usize, Allocation); 8]> = ops
            .iter()
            .map(|o| (o.vreg.index(), self.locs.at(o.vreg.index(), i)))
            .collect();
        let loc = |v: usize| {
            at.iter()
                .find(|x| x.0 == v)
                .map_or(Allocation::None, |x| x.1)
        };
        let e = early(i);
        let mut t = Temps {
            excl_late: clobbers,
            ..Temps::default()
        };
        // Registers the instruction or its own moves read or write at each
        // point (sources of `before` moves are fine: a parallel move reads
        // all sources before writing any destination).
        for op in ops {
            let v = op.vreg.index();
            let lr = loc(v).as_reg();
            match (op.kind, op.constraint) {
                (OperandKind::Use, OperandConstraint::FixedReg(p)) => t.excl_early.add(p),
                (OperandKind::Use, _) => {
                    if let Some(r) = lr {
                        t.excl_early.add(r);
                    }
                }
                (OperandKind::Def, c) => {
                    let is_early = op.pos == OperandPos::Early;
                    if let Some(r) = lr {
                        t.excl_late.add(r);
                        // The def is written to its home at the early point
                        // (an early def allocated there, or a two-address
                        // input copied there); a fixed def only reaches its
                        // home by a move after the instruction.
                        let home_early = match c {
                            OperandConstraint::Reuse(_) => true,
                            OperandConstraint::FixedReg(_) => false,
                            _ => is_early,
                        };
                        if home_early {
                            t.excl_early.add(r);
                        }
                    }
                    let fixed = match c {
                        OperandConstraint::FixedReg(p) => Some(p),
                        OperandConstraint::Reuse(n) => match ops[n].constraint {
                            OperandConstraint::FixedReg(p) => Some(p),
                            _ => None,
                        },
                        _ => None,
                    };
                    if let Some(p) = fixed {
                        t.excl_late.add(p);
                        if is_early {
                            t.excl_early.add(p);
                        }
                    }
                }
            }
            if op.kind == OperandKind::Use
                && self.covers(v, e + 1)
                && let Some(r) = lr
            {
                t.excl_late.add(r);
            }
        }
        let mut handled = 0u64;
        let mut late_claimed = PRegSet::empty();
        // 1. Two-address defs.
        for (k, op) in ops.iter().enumerate() {
            let OperandConstraint::Reuse(n) = op.constraint else {
                continue;
            };
            let u = ops[n];
            let (x, y) = (u.vreg.index(), op.vreg.index());
            let class = op.vreg.class();
            if let OperandConstraint::FixedReg(p) = u.constraint {
                allocs[k] = Allocation::Reg(p);
                if loc(y) != allocs[k] {
                    after.push(Move::new(allocs[k], loc(y), class));
                }
                continue;
            }
            handled |= 1 << n;
            match (loc(y), loc(x)) {
                (Allocation::Reg(r), Allocation::Reg(rx)) if r == rx => {
                    allocs[k] = loc(y);
                    allocs[n] = loc(y);
                }
                (Allocation::Reg(r), _) => {
                    // `r` is free at the early point unless another use
                    // reads it there (a use moved to a fixed register reads
                    // its home only as a move source, which is fine).
                    let free = !ops.iter().enumerate().any(|(m, o)| {
                        m != n
                            && o.kind == OperandKind::Use
                            && o.vreg.index() != x
                            && match o.constraint {
                                OperandConstraint::FixedReg(p) => p == r,
                                _ => loc(o.vreg.index()) == Allocation::Reg(r),
                            }
                    });
                    if free {
                        before.push(Move::new(loc(x), loc(y), class));
                        allocs[k] = loc(y);
                        allocs[n] = loc(y);
                    } else {
                        let s = self.temp(i, class, true, true, &mut t, before, after)?;
                        before.push(Move::new(loc(x), Allocation::Reg(s), class));
                        after.push(Move::new(Allocation::Reg(s), loc(y), class));
                        allocs[k] = Allocation::Reg(s);
                        allocs[n] = Allocation::Reg(s);
                    }
                }
                (_, Allocation::Reg(rx))
                    if x != y
                        && !self.covers(x, e + 1)
                        && !clobbers.contains(rx)
                        && !late_claimed.contains(rx)
                        && !t.late.contains(rx)
                        && !ops.iter().any(|o| {
                            o.kind == OperandKind::Def
                                && o.vreg.index() != y
                                && (loc(o.vreg.index()) == Allocation::Reg(rx)
                                    || o.constraint == OperandConstraint::FixedReg(rx))
                        }) =>
                {
                    late_claimed.add(rx);
                    t.excl_late.add(rx);
                    t.late.add(rx);
                    allocs[k] = Allocation::Reg(rx);
                    allocs[n] = Allocation::Reg(rx);
                    after.push(Move::new(Allocation::Reg(rx), loc(y), class));
                }
                _ => {
                    let s = self.temp(i, class, true, true, &mut t, before, after)?;
                    before.push(Move::new(loc(x), Allocation::Reg(s), class));
                    after.push(Move::new(Allocation::Reg(s), loc(y), class));
                    allocs[k] = Allocation::Reg(s);
                    allocs[n] = Allocation::Reg(s);
                }
            }
        }
        // 2. Early defs, uses, then late defs: the most constrained
        //    temporaries (live at both points) are handed out first.
        let mut reloaded: SmallVec<[(usize, PReg); 4]> = SmallVec::new();
        for stage in 0..3 {
            for (k, op) in ops.iter().enumerate() {
                let wanted = match stage {
                    0 => op.kind == OperandKind::Def && op.pos == OperandPos::Early,
                    1 => op.kind == OperandKind::Use,
                    _ => op.kind == OperandKind::Def && op.pos == OperandPos::Late,
                };
                if !wanted {
                    continue;
                }
                if op.kind == OperandKind::Use {
                    if k < 64 && handled & (1 << k) != 0 {
                        continue;
                    }
                    let v = op.vreg.index();
                    let class = op.vreg.class();
                    allocs[k] = match op.constraint {
                        OperandConstraint::FixedReg(p) => {
                            if loc(v) != Allocation::Reg(p) {
                                before.push(Move::new(loc(v), Allocation::Reg(p), class));
                            }
                            Allocation::Reg(p)
                        }
                        OperandConstraint::Any if remat_vreg(loc(v)).is_none() => loc(v),
                        // (An `Any` use of a constant without a register is
                        // rematerialized into a temporary.)
                        _ => match loc(v) {
                            Allocation::Reg(_) => loc(v),
                            _ => {
                                if let Some(&(_, s)) = reloaded.iter().find(|(w, _)| *w == v) {
                                    Allocation::Reg(s)
                                } else {
                                    let s =
                                        self.temp(i, class, true, false, &mut t, before, after)?;
                                    before.push(Move::new(loc(v), Allocation::Reg(s), class));
                                    reloaded.push((v, s));
                                    Allocation::Reg(s)
                                }
                            }
                        },
                    };
                } else {
                    let v = op.vreg.index();
                    let class = op.vreg.class();
                    match op.constraint {
                        OperandConstraint::FixedReg(p) => {
                            allocs[k] = Allocation::Reg(p);
                            if loc(v) != allocs[k] {
                                after.push(Move::new(allocs[k], loc(v), class));
                            }
                        }
                        OperandConstraint::Any if remat_vreg(loc(v)).is_none() => {
                            allocs[k] = loc(v)
                        }
                        // (A constant without a register is defined into a
                        // temporary; the store to its marker vanishes.)
                        OperandConstraint::Reg | OperandConstraint::Any => match loc(v) {
                            Allocation::Reg(_) => allocs[k] = loc(v),
                            _ => {
                                let is_early = op.pos == OperandPos::Early;
                                let s =
                                    self.temp(i, class, is_early, true, &mut t, before, after)?;
                                allocs[k] = Allocation::Reg(s);
                                after.push(Move::new(allocs[k], loc(v), class));
                            }
                        },
                        OperandConstraint::Reuse(_) => {}
                    }
                }
            }
        }
        Ok(())
    }
}
