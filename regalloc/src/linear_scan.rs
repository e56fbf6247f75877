//! Linear scan over live intervals with lifetime holes.
//!
//! Passes, each linear or `n log n` in the size of the function except the
//! liveness sets of 3 (blocks × vregs live across blocks; past
//! [`crate::hull::DENSE_LIVENESS_BITS`], [`crate::hull`] builds
//! conservative intervals in linear time instead of 3 and 4, and
//! `Mode::Optimizing` allocates them as `Mode::Fast` does):
//! 1. [`check_env`]: the machine environment.
//! 2. [`analyze`]: one forward pass over every block and operand checks the
//!    block layout, the CFG and the operand invariants (on a violation,
//!    [`check_cfg`] finds the error to report: layout and CFG errors come
//!    first) and collects what the later passes need: each vreg's class,
//!    per block its upward-exposed uses and its defs, the fixed-register
//!    ranges (points where a register is a fixed operand, tagged with the
//!    vreg that may sit there, or clobbered), loop-weighted use counts and
//!    register hints.
//! 3. [`liveness`]: backward dataflow over the CFG with dense bitsets and a
//!    worklist, giving live-in/live-out sets per block (loops converge in a
//!    few rounds). The bitsets cover only the *global* vregs, those with an
//!    upward-exposed use somewhere: block-local temporaries, most of the
//!    baseline tier's vregs, never cross a block boundary.
//! 4. [`build_intervals`]: one backward walk over the blocks in reverse layout
//!    order builds each virtual register's interval as a sorted list of
//!    half-open ranges of program points (two points per instruction:
//!    `2i` = early, `2i + 1` = late). Gaps between ranges are lifetime holes.
//!    [`FixedBuilder::finish`] groups the fixed ranges by register.
//! 5. [`scan`]: intervals in order of start; each takes a register whose
//!    fixed ranges and already-assigned intervals do not overlap it (each
//!    register's assigned ranges in a sorted [`Lane`], so holes are shared
//!    for free), else the cheaper of itself and the conflicting intervals
//!    (by spill weight: loop-depth-weighted use count per program point)
//!    goes to the stack. Every virtual register has one location for its
//!    whole life.
//! 6. [`assign_slots`]: spilled intervals share slots when they do not
//!    overlap (interval-graph colouring with a min-heap).
//! 7. [`Fixup`]: per instruction, operands whose constraint the location does
//!    not meet get local moves (fixed registers, reloads into scratch
//!    registers, two-address copies); each point's moves are one parallel move
//!    sequenced by [`crate::moves`]. When the scratch registers of a class run
//!    out, an allocatable register not used by the instruction is borrowed: its
//!    value (if any) is saved to an emergency slot before and restored after.
//!    Instructions whose operands already sit where their constraints want
//!    them (most of them) take a fast path.
//!
//! `Mode::Optimizing` shares passes 1-4 and 7 and replaces 5 and 6 with the
//! splitting scan of [`crate::split`], which also adds split and edge moves;
//! the fix-up reads each operand's location from [`Locs`].
//!
//! Cost: the allocator runs once per function of every module, so the passes
//! avoid hashing and per-instruction allocation, and every buffer lives in a
//! [`Ctx`] that is reused from one function to the next (see
//! [`crate::Context`]).

use crate::moves::{Move, Sequencer};
use crate::{
    Allocation, Block, Edit, Function, Inst, LivenessMode, MachineEnv, Mode, OperandConstraint,
    OperandKind, OperandPos, Output, PReg, PRegSet, ProgPoint, RegAllocError, RegClass, SpillSlot,
};
use smallvec::SmallVec;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

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

/// The buffers of every pass, kept from one allocation to the next so that
/// allocating many functions does not allocate memory for each (see
/// [`crate::Context`]). Each pass clears what it reuses.
#[derive(Default)]
pub(crate) struct Ctx {
    analyze: AnalyzeBufs,
    facts: Facts,
    live_bufs: LiveBufs,
    live: Liveness,
    hull: crate::hull::HullBufs,
    interval_bufs: IntervalBufs,
    ranges: Vec<Ranges>,
    fixed: FixedRanges,
    scan: ScanBufs,
    locs: Locs,
    slots: SlotBufs,
    fixup: FixupBufs,
    split: crate::split::SplitBufs,
    /// The last environment [`check_env`] accepted (a client allocates
    /// function after function with the same one).
    env_checked: Option<MachineEnv>,
}

impl Ctx {
    /// Whether the buffers grew large enough (for a huge function) that
    /// keeping them for the next function is not worth the memory.
    pub(crate) fn is_oversized(&self) -> bool {
        self.ranges.capacity() > 1 << 16 || self.fixup.block_of.capacity() > 1 << 18
    }

    /// Keeps `output`'s vectors for the next fix-up (not those of a huge
    /// function: see [`Ctx::is_oversized`]).
    pub(crate) fn fixup_spare(&mut self, output: Output) {
        if output.allocs.capacity() <= 1 << 18 {
            self.fixup.spare = Some(output);
        }
    }
}

/// Entry point: allocates `func`.
pub(crate) fn run<F: Function>(
    func: &F,
    env: &MachineEnv,
    mode: Mode,
    liveness_mode: LivenessMode,
    ctx: &mut Ctx,
) -> Result<Output, RegAllocError> {
    if ctx.env_checked.as_ref() != Some(env) {
        check_env(env)?;
        ctx.env_checked = Some(env.clone());
    }
    if func.num_vregs() > crate::VReg::MAX_INDEX + 1 {
        return Err(invalid(format!(
            "{} virtual registers, more than a VReg can number",
            func.num_vregs()
        )));
    }
    if let Err(e) = analyze(func, env, &mut ctx.analyze, &mut ctx.facts) {
        // Block layout and CFG errors take precedence.
        check_cfg(func)?;
        return Err(e);
    }
    let conservative = match liveness_mode {
        LivenessMode::Exact => false,
        LivenessMode::Conservative => true,
        LivenessMode::Auto => crate::hull::too_big_for_sets(func, &ctx.facts.gens, &mut ctx.hull),
    } && crate::hull::regions(func, &mut ctx.hull);
    if conservative {
        crate::hull::build(func, &mut ctx.hull, &mut ctx.ranges)?;
    } else {
        liveness(func, &ctx.facts, &mut ctx.live_bufs, &mut ctx.live)?;
        build_intervals(func, &ctx.live, &mut ctx.interval_bufs, &mut ctx.ranges);
    }
    ctx.facts.fixed.finish(&mut ctx.fixed)?;
    let (ranges, facts) = (&ctx.ranges, &mut ctx.facts);
    // (Splitting needs the per-block sets to connect split children on CFG
    // edges: conservative intervals are allocated whole.)
    if mode == Mode::Optimizing && !conservative {
        return crate::split::run(
            func,
            env,
            &ctx.live,
            ranges,
            &ctx.fixed,
            &facts.hints,
            &mut ctx.fixup,
            &mut ctx.split,
        );
    }
    for (w, r) in facts.weights.iter_mut().zip(ranges) {
        let len: u32 = r.iter().map(|r| r.to - r.from).sum();
        *w /= len as f32 + 4.0;
    }
    let loc = &mut ctx.locs.whole;
    let num_points = 2 * func.num_insts();
    scan(
        env,
        num_points,
        ranges,
        &ctx.fixed,
        facts,
        &mut ctx.scan,
        loc,
    );
    let num_slots = assign_slots(ranges, loc, &mut ctx.slots);
    Fixup::new(func, env, ranges, &ctx.locs, num_slots, &mut ctx.fixup).run(Vec::new())
}

/// The exact intervals of `func` and, when its CFG has the shape
/// conservative ones need, those too (for tests).
#[cfg(test)]
pub(crate) fn intervals_both_ways<F: Function>(
    func: &F,
    env: &MachineEnv,
) -> (Vec<Ranges>, Option<Vec<Ranges>>) {
    let mut ctx = Ctx::default();
    analyze(func, env, &mut ctx.analyze, &mut ctx.facts).expect("valid input");
    liveness(func, &ctx.facts, &mut ctx.live_bufs, &mut ctx.live).expect("strict input");
    build_intervals(func, &ctx.live, &mut ctx.interval_bufs, &mut ctx.ranges);
    let hull = crate::hull::regions(func, &mut ctx.hull).then(|| {
        let mut ranges = Vec::new();
        crate::hull::build(func, &mut ctx.hull, &mut ranges).expect("strict input");
        ranges
    });
    (ctx.ranges, hull)
}

fn invalid(msg: String) -> RegAllocError {
    RegAllocError::InvalidInput(msg)
}

/// Checks the machine environment.
fn check_env(env: &MachineEnv) -> Result<(), RegAllocError> {
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
    Ok(())
}

/// Checks the block layout and CFG, reporting the first error (in block
/// order). [`analyze`] makes the same checks without the messages; this is
/// called only when it fails.
#[cold]
#[inline(never)]
fn check_cfg<F: Function>(func: &F) -> Result<(), RegAllocError> {
    let nb = func.num_blocks();
    let ni = func.num_insts();
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
    Ok(())
}

/// What one forward pass over the operands learns (see [`analyze`]).
#[derive(Default)]
pub(crate) struct Facts {
    /// Each vreg's class (`Int` for a vreg without operands).
    pub(crate) class: Vec<RegClass>,
    /// Per block, the vregs it reads before writing them (upward-exposed
    /// uses) and the vregs it writes, as `(block, vreg)` in block order.
    pub(crate) gens: Vec<(u32, u32)>,
    kills: Vec<(u32, u32)>,
    /// Fixed-register ranges in instruction order.
    fixed: FixedBuilder,
    /// Per vreg, its loop-weighted operand count (divided by the interval's
    /// length once the intervals are known, for `Mode::Fast`).
    weights: Vec<f32>,
    pub(crate) hints: Hints,
}

/// Scratch buffers of [`analyze`].
#[derive(Default)]
struct AnalyzeBufs {
    vclass: Vec<u8>,
    used_in: Vec<u32>,
    def_at: Vec<u32>,
    /// CFG edges whose check [`analyze`] leaves to [`edges_listed`]:
    /// `(a, b)` where `b` must be among the predecessors (`preds`) or the
    /// successors (`succs`) of block `a`, a block with more than
    /// [`SHORT_EDGE_LIST`] of them.
    preds: Vec<(u32, u32)>,
    succs: Vec<(u32, u32)>,
    /// Scratch: one block's sorted edge list.
    sorted: Vec<Block>,
}

/// Edge lists up to this long are searched on the spot by [`analyze`];
/// longer ones (a loop header entered from each case of a large
/// `br_table`, the `br_table` itself) once, sorted, by [`edges_listed`],
/// so that checking a CFG costs `E log E` and not a block's edge count per
/// edge into it.
const SHORT_EDGE_LIST: usize = 16;

/// Whether every pair `(a, b)` of `pairs` (sorted here) has `b` in
/// `list(a)`; `sorted` is scratch.
fn edges_listed<'f>(
    pairs: &mut [(u32, u32)],
    sorted: &mut Vec<Block>,
    list: impl Fn(Block) -> &'f [Block],
) -> bool {
    pairs.sort_unstable();
    let mut k = 0;
    while k < pairs.len() {
        let a = pairs[k].0;
        sorted.clear();
        sorted.extend_from_slice(list(Block(a)));
        sorted.sort_unstable();
        while k < pairs.len() && pairs[k].0 == a {
            if sorted.binary_search(&Block(pairs[k].1)).is_err() {
                return false;
            }
            k += 1;
        }
    }
    true
}

/// Whether each block of `list` (block `b`'s edges one way: successors or
/// predecessors) is one of the `nb` blocks and lists `b` among its edges
/// the other way (`back`). A `back` list longer than [`SHORT_EDGE_LIST`]
/// is not searched here: the pair goes to `deferred`, for
/// [`edges_listed`].
#[inline(always)]
fn edges_back<'f>(
    b: Block,
    list: &[Block],
    nb: usize,
    back: impl Fn(Block) -> &'f [Block],
    deferred: &mut Vec<(u32, u32)>,
) -> bool {
    for &x in list {
        if x.index() >= nb {
            return false;
        }
        let back = back(x);
        if back.len() > SHORT_EDGE_LIST {
            deferred.push((x.0, b.0));
        } else if !back.contains(&b) {
            return false;
        }
    }
    true
}

/// Clears `v` and makes it `n` copies of `x`, keeping its memory.
fn refill<T: Clone>(v: &mut Vec<T>, n: usize, x: T) {
    v.clear();
    v.resize(n, x);
}

/// One forward pass over every block and operand: checks the block layout,
/// the CFG and the operand invariants (on a violation, `run` reports
/// [`check_cfg`]'s error if there is one, else this pass's, which is the
/// first operand violation in instruction order) and collects what the
/// later passes need into `facts`.
#[inline(never)]
fn analyze<F: Function>(
    func: &F,
    env: &MachineEnv,
    bufs: &mut AnalyzeBufs,
    facts: &mut Facts,
) -> Result<(), RegAllocError> {
    const NONE: u32 = u32::MAX;
    let scratch: PRegSet = env
        .scratch
        .iter()
        .flatten()
        .fold(PRegSet::empty(), |s, &r| s.with(r));
    let nb = func.num_blocks();
    let nv = func.num_vregs();
    bufs.preds.clear();
    bufs.succs.clear();
    let vclass = &mut bufs.vclass;
    refill(vclass, nv, u8::MAX);
    // For liveness: the last block with an upward-exposed use of each vreg
    // and the last instruction defining it.
    let used_in = &mut bufs.used_in;
    let def_at = &mut bufs.def_at;
    refill(used_in, nv, NONE);
    refill(def_at, nv, NONE);
    // (Slices of exactly `nv`, so that indexing by a checked vreg is not
    // checked again.)
    let (vclass, used_in, def_at) = (&mut vclass[..nv], &mut used_in[..nv], &mut def_at[..nv]);
    let Facts {
        class,
        gens,
        kills,
        fixed,
        weights,
        hints,
    } = facts;
    gens.clear();
    kills.clear();
    fixed.clear();
    refill(weights, nv, 0f32);
    refill(&mut hints.fixed, nv, None);
    let weights = &mut weights[..nv];
    let hint_fixed = &mut hints.fixed[..nv];
    let related = &mut hints.related;
    related.truncate(nv);
    related.iter_mut().for_each(|r| r.clear());
    related.resize_with(nv, SmallVec::new);
    let mut relate = |a: usize, b: usize| {
        if a != b && related[a].len() < 4 && !related[a].contains(&(b as u32)) {
            related[a].push(b as u32);
        }
    };
    // The block layout and CFG checks of `check_cfg` (which finds the
    // message).
    let bad_cfg = || invalid("invalid block layout or CFG".into());
    if nb == 0 || func.entry_block().index() != 0 || !func.block_preds(Block(0)).is_empty() {
        return Err(bad_cfg());
    }
    let mut next = 0u32;
    for b in 0..nb {
        let blk = Block(b as u32);
        let bb = b as u32;
        let depth = func.block_loop_depth(blk).min(6) as i32;
        let freq = 8f32.powi(depth);
        let insts = func.block_insns(blk);
        if insts.first.0 != next || insts.is_empty() {
            return Err(bad_cfg());
        }
        next = insts.last.0;
        let first = insts.first.0;
        for inst in insts.iter() {
            let i = inst.index();
            let ops = func.inst_operands(inst);
            let e = early(i);
            let is_branch = func.is_branch(inst);
            if (is_branch || func.is_ret(inst)) != (inst.0 + 1 == next) {
                return Err(bad_cfg());
            }
            let mut fixed_uses = PRegSet::empty();
            let mut fixed_defs = PRegSet::empty();
            let mut def_regs = PRegSet::empty();
            let mut reused = 0u64;
            let ii = i as u32;
            for (k, op) in ops.iter().enumerate() {
                let v = op.vreg;
                let vi = v.index();
                if vi >= nv {
                    return Err(invalid(format!("inst{i}: {v:?} >= num_vregs {nv}")));
                }
                let c = v.class() as u8;
                if vclass[vi] == u8::MAX {
                    vclass[vi] = c;
                } else if vclass[vi] != c {
                    return Err(invalid(format!("inst{i}: {v:?} used with two classes")));
                }
                if op.kind == OperandKind::Def {
                    if is_branch {
                        return Err(invalid(format!("inst{i}: a branch may not define {v:?}")));
                    }
                    // (`def_at` says which instruction last defined `v`,
                    // among the operands before this one.)
                    if def_at[vi] == ii {
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
                // (An `Any` operand read from a spill slot still costs a
                // memory access each time, as a reload does: it weighs as
                // much as a register operand. A fixed-register operand
                // needs a move either way.)
                let bonus = match op.constraint {
                    OperandConstraint::Reg
                    | OperandConstraint::Reuse(_)
                    | OperandConstraint::Any => 1.0,
                    OperandConstraint::FixedReg(_) => 0.5,
                };
                weights[vi] += freq * bonus;
                // Liveness: a use is upward-exposed unless an earlier
                // instruction of the block defines the vreg (the uses of
                // an instruction are read before its defs are written).
                let d = def_at[vi];
                let defined_here = d != NONE && d >= first;
                if op.kind == OperandKind::Use {
                    if !(defined_here && d < ii) && used_in[vi] != bb {
                        used_in[vi] = bb;
                        gens.push((bb, vi as u32));
                    }
                } else {
                    if !defined_here {
                        kills.push((bb, vi as u32));
                    }
                    def_at[vi] = ii;
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
                                // (An earlier fixed use of `p` is looked
                                // for only when there is one.)
                                if fixed_uses.contains(p)
                                    && ops[..k].iter().any(|o| {
                                        o.kind == OperandKind::Use
                                            && o.constraint == OperandConstraint::FixedReg(p)
                                            && o.vreg.index() != vi
                                    })
                                {
                                    return Err(RegAllocError::Unsatisfiable(format!(
                                        "inst{i}: two different values used in {p:?}"
                                    )));
                                }
                                fixed_uses.add(p);
                                fixed.push(p, e, e + 1, vi as u32);
                            }
                            OperandKind::Def => {
                                if fixed_defs.contains(p) {
                                    return Err(RegAllocError::Unsatisfiable(format!(
                                        "inst{i}: two values defined in {p:?}"
                                    )));
                                }
                                fixed_defs.add(p);
                                let from = if op.pos == OperandPos::Early {
                                    e
                                } else {
                                    e + 1
                                };
                                fixed.push(p, from, e + 2, vi as u32);
                                def_regs.add(p);
                            }
                        }
                        hint_fixed[vi].get_or_insert(p);
                    }
                    OperandConstraint::Reuse(n) => {
                        let n = usize::from(n);
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
                        if let OperandConstraint::FixedReg(p) = ops[n].constraint {
                            fixed.push(p, e + 1, e + 2, vi as u32);
                            def_regs.add(p);
                        }
                    }
                    _ => {}
                }
            }
            // A reuse def whose input is fixed is itself a def in that
            // register. (Operands are valid from here on; `reused` marks the
            // inputs of reuse defs.)
            if reused != 0 {
                for op in ops {
                    let OperandConstraint::Reuse(n) = op.constraint else {
                        continue;
                    };
                    let n = usize::from(n);
                    if let OperandConstraint::FixedReg(p) = ops[n].constraint {
                        if fixed_defs.contains(p) {
                            return Err(RegAllocError::Unsatisfiable(format!(
                                "inst{i}: two values defined in {p:?}"
                            )));
                        }
                        fixed_defs.add(p);
                    }
                    relate(op.vreg.index(), ops[n].vreg.index());
                    relate(ops[n].vreg.index(), op.vreg.index());
                }
            }
            for p in func.inst_clobbers(inst).iter() {
                if !def_regs.contains(p) {
                    fixed.push(p, e + 1, e + 2, NO_OWNER);
                }
            }
            if ops.len() == 2 && func.is_move(inst) {
                relate(ops[0].vreg.index(), ops[1].vreg.index());
                relate(ops[1].vreg.index(), ops[0].vreg.index());
            }
        }
        let succs = func.block_succs(blk);
        if func.is_ret(Inst(next - 1)) != succs.is_empty() {
            return Err(bad_cfg());
        }
        if !edges_back(blk, succs, nb, |s| func.block_preds(s), &mut bufs.preds)
            || !edges_back(
                blk,
                func.block_preds(blk),
                nb,
                |p| func.block_succs(p),
                &mut bufs.succs,
            )
        {
            return Err(bad_cfg());
        }
    }
    if next as usize != func.num_insts()
        || !edges_listed(&mut bufs.preds, &mut bufs.sorted, |b| func.block_preds(b))
        || !edges_listed(&mut bufs.succs, &mut bufs.sorted, |b| func.block_succs(b))
    {
        return Err(bad_cfg());
    }
    class.clear();
    class.extend(vclass.iter().map(|&c| {
        if c == RegClass::Float as u8 {
            RegClass::Float
        } else {
            RegClass::Int
        }
    }));
    Ok(())
}

/// Live-in and live-out sets per block: dense bitsets, one row of `words`
/// per block, over the *global* vregs only (those with an upward-exposed
/// use in some block, numbered in vreg order). Every other vreg is defined
/// before each of its uses in every block that uses it, so it is never live
/// across a block boundary; leaving it out keeps the rows short when most
/// vregs are block-local temporaries (the baseline tier's case).
#[derive(Default)]
pub(crate) struct Liveness {
    pub(crate) words: usize,
    pub(crate) live_in: Vec<u64>,
    pub(crate) live_out: Vec<u64>,
    /// Row bit -> vreg (ascending).
    pub(crate) globals: Vec<u32>,
    /// Vreg -> row bit, or `u32::MAX` for a vreg that is never live across
    /// a block boundary.
    pub(crate) global_index: Vec<u32>,
}

impl Liveness {
    pub(crate) fn row(v: &[u64], words: usize, b: usize) -> &[u64] {
        &v[b * words..(b + 1) * words]
    }

    /// The vregs of a row, in ascending order.
    pub(crate) fn vregs<'a>(&'a self, row: &'a [u64]) -> impl Iterator<Item = usize> + 'a {
        bits(row).map(|c| self.globals[c] as usize)
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
/// The indices of the set bits of `row`, in increasing order.
pub(crate) fn bits(row: &[u64]) -> Bits<'_> {
    Bits {
        row,
        next: 0,
        base: 0,
        word: 0,
    }
}

/// The iterator of [`bits`]: the bits left of the current word, then the
/// words after it (a plain loop, cheaper than nested iterators on the
/// allocator's hot paths).
pub(crate) struct Bits<'a> {
    /// The words not taken yet; `next` is the index of the first one's bit 0.
    row: &'a [u64],
    next: usize,
    /// The current word's remaining bits; `base` is the index of its bit 0.
    base: usize,
    word: u64,
}

impl Iterator for Bits<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.word == 0 {
            let (&w, rest) = self.row.split_first()?;
            self.word = w;
            self.base = self.next;
            self.next += 64;
            self.row = rest;
        }
        let t = self.word.trailing_zeros() as usize;
        self.word &= self.word - 1;
        Some(self.base + t)
    }
}

/// Scratch buffers of [`liveness`].
#[derive(Default)]
struct LiveBufs {
    gen_: Vec<u64>,
    kill: Vec<u64>,
    queued: Vec<bool>,
    work: VecDeque<usize>,
    tmp: Vec<u64>,
}

/// Backward liveness dataflow over the CFG (from the gen and kill lists of
/// [`analyze`]), into `live`.
#[inline(never)]
fn liveness<F: Function>(
    func: &F,
    facts: &Facts,
    bufs: &mut LiveBufs,
    live: &mut Liveness,
) -> Result<(), RegAllocError> {
    const NONE: u32 = u32::MAX;
    let nb = func.num_blocks();
    let nv = func.num_vregs();
    // Number the global vregs in vreg order.
    let global_index = &mut live.global_index;
    refill(global_index, nv, NONE);
    for &(_, v) in &facts.gens {
        global_index[v as usize] = 0;
    }
    let globals = &mut live.globals;
    globals.clear();
    for (v, g) in global_index.iter_mut().enumerate() {
        if *g != NONE {
            *g = globals.len() as u32;
            globals.push(v as u32);
        }
    }
    let words = globals.len().div_ceil(64).max(1);
    live.words = words;
    let LiveBufs {
        gen_,
        kill,
        queued,
        work,
        tmp,
    } = bufs;
    refill(gen_, nb * words, 0);
    refill(kill, nb * words, 0);
    for &(b, v) in &facts.gens {
        bit_set(
            &mut gen_[b as usize * words..],
            global_index[v as usize] as usize,
        );
    }
    for &(b, v) in &facts.kills {
        let g = global_index[v as usize];
        if g != NONE {
            bit_set(&mut kill[b as usize * words..], g as usize);
        }
    }
    let (live_in, live_out) = (&mut live.live_in, &mut live.live_out);
    refill(live_in, nb * words, 0);
    refill(live_out, nb * words, 0);
    refill(queued, nb, true);
    work.clear();
    work.extend((0..nb).rev());
    refill(tmp, words, 0);
    while let Some(b) = work.pop_front() {
        queued[b] = false;
        tmp.iter_mut().for_each(|w| *w = 0);
        for &s in func.block_succs(Block(b as u32)) {
            let si = Liveness::row(live_in, words, s.index());
            for (t, &x) in tmp.iter_mut().zip(si) {
                *t |= x;
            }
        }
        live_out[b * words..(b + 1) * words].copy_from_slice(tmp);
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
    let entry = Liveness::row(&live.live_in, words, 0);
    if let Some(v) = live.vregs(entry).next() {
        return Err(invalid(format!(
            "v{v} is used before it is defined (live into the entry block)"
        )));
    }
    Ok(())
}

/// Appends `[from, to)` to ranges built in descending order, merging with the
/// earliest range so far when they touch.
#[inline]
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

/// Scratch buffers of [`build_intervals`].
#[derive(Default)]
struct IntervalBufs {
    cur: Vec<u64>,
    gcur: Vec<u64>,
    open: Vec<(Point, Point)>,
}

/// Builds each vreg's interval (sorted, disjoint ranges) into `ranges`.
#[inline(never)]
fn build_intervals<F: Function>(
    func: &F,
    live: &Liveness,
    bufs: &mut IntervalBufs,
    ranges: &mut Vec<Ranges>,
) {
    const NONE: u32 = u32::MAX;
    let nv = func.num_vregs();
    let words = live.words;
    ranges.truncate(nv);
    ranges.iter_mut().for_each(|r| r.clear());
    ranges.resize_with(nv, Ranges::new);
    // The vregs live at the current point: global ones by row bit in
    // `gcur` (starting from the block's live-out row), the others by vreg
    // index in `cur`. A non-global vreg is never live across a block
    // boundary, so `cur` is empty again at each block's start.
    let IntervalBufs { cur, gcur, open } = bufs;
    refill(cur, nv.div_ceil(64).max(1), 0);
    refill(gcur, words, 0);
    // A global vreg's earliest range so far (the one that grows as the
    // walk goes back) is kept here, by row bit, until a range before it
    // starts: a global live through many blocks then costs one update per
    // block. `(_, NONE)`: no range yet.
    refill(open, live.globals.len(), (0, NONE));
    let add_open = |open: &mut Vec<(Point, Point)>, r: &mut Ranges, g: usize, from, to| {
        let o = &mut open[g];
        if o.1 != NONE && to >= o.0 {
            o.0 = o.0.min(from);
            o.1 = o.1.max(to);
        } else {
            if o.1 != NONE {
                r.push(Range { from: o.0, to: o.1 });
            }
            *o = (from, to);
        }
    };
    for b in (0..func.num_blocks()).rev() {
        let insts = func.block_insns(Block(b as u32));
        let start = early(insts.first.index());
        let end = early(insts.last.index());
        debug_assert!(cur.iter().all(|&w| w == 0));
        gcur.copy_from_slice(Liveness::row(&live.live_out, words, b));
        for (w, &word) in gcur.iter().enumerate() {
            let mut x = word;
            while x != 0 {
                let g = w * 64 + x.trailing_zeros() as usize;
                x &= x - 1;
                let v = live.globals[g] as usize;
                add_open(open, &mut ranges[v], g, start, end);
            }
        }
        for i in insts.iter().rev() {
            let ops = func.inst_operands(i);
            let e = early(i.index());
            for op in ops {
                if op.kind != OperandKind::Def {
                    continue;
                }
                let v = op.vreg.index();
                let p = if op.pos == OperandPos::Early {
                    e
                } else {
                    e + 1
                };
                let g = live.global_index[v];
                if g != NONE {
                    let g = g as usize;
                    if bit_test(gcur, g) {
                        let o = &mut open[g];
                        o.0 = p;
                        // An early def occupies its register through the
                        // late point.
                        o.1 = o.1.max(e + 2);
                        bit_clear(gcur, g);
                    } else {
                        add_open(open, &mut ranges[v], g, p, e + 2);
                    }
                } else if bit_test(cur, v) {
                    let r = ranges[v].last_mut().expect("live vreg has a range");
                    r.from = p;
                    r.to = r.to.max(e + 2);
                    bit_clear(cur, v);
                } else {
                    add_range(&mut ranges[v], p, e + 2);
                }
            }
            for op in ops {
                if op.kind != OperandKind::Use {
                    continue;
                }
                // (A vreg live here already has a range from the block's
                // start past this point.)
                let v = op.vreg.index();
                let g = live.global_index[v];
                if g != NONE {
                    let g = g as usize;
                    if !bit_test(gcur, g) {
                        add_open(open, &mut ranges[v], g, start, e + 1);
                        bit_set(gcur, g);
                    }
                } else if !bit_test(cur, v) {
                    add_range(&mut ranges[v], start, e + 1);
                    bit_set(cur, v);
                }
            }
        }
        debug_assert_eq!(
            &gcur[..],
            Liveness::row(&live.live_in, words, b),
            "block{b}: live-in mismatch"
        );
        debug_assert!(cur.iter().all(|&w| w == 0), "block{b}: live-in mismatch");
    }
    for (g, &(from, to)) in open.iter().enumerate() {
        if to != NONE {
            ranges[live.globals[g] as usize].push(Range { from, to });
        }
    }
    for r in ranges.iter_mut() {
        if r.len() > 1 {
            r.reverse();
        }
    }
}

/// A fixed range of a physical register: `owner` may overlap it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FixedRange {
    pub(crate) range: Range,
    pub(crate) owner: u32,
}

/// Fixed ranges as [`analyze`] finds them, in instruction order.
struct FixedBuilder {
    list: Vec<(u8, FixedRange)>,
    /// Ranges per register.
    count: [u32; PReg::NUM_INDEX],
    /// The registers with ranges (bit `p.index()`): most functions name a
    /// few of the `PReg::NUM_INDEX`, so the passes over registers visit
    /// only these.
    used: [u64; PReg::NUM_INDEX / 64],
}

impl Default for FixedBuilder {
    fn default() -> Self {
        FixedBuilder {
            list: Vec::new(),
            count: [0; PReg::NUM_INDEX],
            used: [0; PReg::NUM_INDEX / 64],
        }
    }
}

impl FixedBuilder {
    #[inline]
    fn push(&mut self, p: PReg, from: Point, to: Point, owner: u32) {
        self.count[p.index()] += 1;
        bit_set(&mut self.used, p.index());
        self.list.push((
            p.index() as u8,
            FixedRange {
                range: Range { from, to },
                owner,
            },
        ));
    }

    fn clear(&mut self) {
        self.list.clear();
        for p in bits(&self.used) {
            self.count[p] = 0;
        }
        self.used = [0; PReg::NUM_INDEX / 64];
    }

    /// Groups the ranges by register into `out`, sorts each register's by
    /// start, and checks that no two values need one register at once.
    fn finish(&self, out: &mut FixedRanges) -> Result<(), RegAllocError> {
        let FixedRanges {
            ranges,
            start,
            next,
        } = out;
        refill(start, PReg::NUM_INDEX + 1, 0);
        ranges.clear();
        if self.list.is_empty() {
            return Ok(());
        }
        // `start[p]` sums the counts of the registers below `p`: it only
        // grows past a used register.
        let (mut acc, mut filled) = (0u32, 0usize);
        for p in bits(&self.used) {
            start[filled + 1..=p].fill(acc);
            acc += self.count[p];
            filled = p;
        }
        start[filled + 1..].fill(acc);
        next.clear();
        next.extend_from_slice(&start[..PReg::NUM_INDEX]);
        ranges.resize(
            self.list.len(),
            FixedRange {
                range: Range { from: 0, to: 0 },
                owner: NO_OWNER,
            },
        );
        for &(p, f) in &self.list {
            ranges[next[p as usize] as usize] = f;
            next[p as usize] += 1;
        }
        for p in bits(&self.used) {
            let list = &mut ranges[start[p] as usize..start[p + 1] as usize];
            if list.len() < 2 {
                continue;
            }
            if !list.is_sorted_by_key(|f| (f.range.from, f.range.to)) {
                list.sort_by_key(|f| (f.range.from, f.range.to));
            }
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
        Ok(())
    }
}

/// Per physical register (by index, `fixed[r.index()]`), its fixed ranges
/// sorted by start.
#[derive(Default)]
pub(crate) struct FixedRanges {
    ranges: Vec<FixedRange>,
    /// `ranges[start[p]..start[p + 1]]` are register `p`'s.
    start: Vec<u32>,
    /// Scratch for grouping.
    next: Vec<u32>,
}

impl std::ops::Index<usize> for FixedRanges {
    type Output = [FixedRange];
    fn index(&self, p: usize) -> &[FixedRange] {
        &self.ranges[self.start[p] as usize..self.start[p + 1] as usize]
    }
}

/// `s.partition_point(pred)` for a `pred` that holds on a prefix of `s`
/// including `s[..lo]`: searched forward from `lo` by galloping, so a
/// sequence of searches with growing answers costs little more than one.
pub(crate) fn gallop<T>(s: &[T], lo: usize, pred: impl Fn(&T) -> bool) -> usize {
    if lo >= s.len() || !pred(&s[lo]) {
        return lo;
    }
    // `pred(s[known])` holds; look `step` further each time.
    let mut known = lo;
    let mut step = 1;
    loop {
        let probe = known + step;
        if probe >= s.len() || !pred(&s[probe]) {
            let hi = probe.min(s.len());
            return known + 1 + s[known + 1..hi].partition_point(&pred);
        }
        known = probe;
        step *= 2;
    }
}

/// Whether a fixed range of another vreg than `v` overlaps `ranges`.
/// (Fixed ranges lie within one instruction's two points, so sorted by
/// start they are also sorted by end, and the first one ending after a
/// point is found by searching: [`gallop`] from the previous range's.)
fn fixed_conflict(fixed: &[FixedRange], ranges: &[Range], v: u32) -> bool {
    if fixed.is_empty() {
        return false;
    }
    let mut start = 0;
    for r in ranges {
        // (The ranges are sorted, so each search starts where the last
        // one ended.)
        start = gallop(fixed, start, |f| f.range.to <= r.from);
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
#[derive(Default)]
pub(crate) struct Hints {
    pub(crate) fixed: Vec<Option<PReg>>,
    pub(crate) related: Vec<SmallVec<[u32; 2]>>,
}

/// The ranges assigned to one register during [`scan`]: `(from, to, vreg)`,
/// sorted and disjoint. Intervals are scanned in order of start, so ranges
/// that end at or before the current start can never conflict again;
/// `head` skips them, and only `list[head..]` is live (the entries before
/// it are dead and may be overwritten).
#[derive(Default)]
struct Lane {
    list: Vec<(Point, Point, u32)>,
    head: usize,
}

impl Lane {
    /// Forgets ranges ending at or before `start`.
    #[inline]
    fn prune(&mut self, start: Point) {
        while self.head < self.list.len() && self.list[self.head].1 <= start {
            self.head += 1;
        }
    }

    /// Whether no range overlaps `ranges` (whose first range starts at or
    /// after the last [`Lane::prune`] point).
    #[inline]
    fn is_free(&self, ranges: &[Range]) -> bool {
        let live = &self.list[self.head..];
        if let [r] = ranges {
            // Every live range ends after the start of `r`, so the first
            // one overlaps `r` unless it starts at or after its end.
            return live.first().is_none_or(|x| x.0 >= r.to);
        }
        // Per range, the last live range starting before its end is the
        // one ending last among those (they are disjoint and sorted).
        let mut end = 0;
        for r in ranges {
            end = gallop(live, end, |x| x.0 < r.to);
            if end > 0 && live[end - 1].1 > r.from {
                return false;
            }
        }
        true
    }

    /// Appends the vregs of ranges overlapping `ranges` to `out` (once
    /// each): per range of `ranges` in order, the overlapping ones from the
    /// last to the first.
    fn conflicts(&self, ranges: &[Range], out: &mut SmallVec<[u32; 8]>) {
        let live = &self.list[self.head..];
        let mut end = 0;
        for r in ranges {
            end = gallop(live, end, |x| x.0 < r.to);
            let mut k = end;
            while k > 0 {
                k -= 1;
                let (_, to, v) = live[k];
                if to <= r.from {
                    break;
                }
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
    }

    /// Adds `v`'s ranges, which overlap none of the lane's.
    fn insert(&mut self, ranges: &[Range], v: u32) {
        for r in ranges {
            let k = self.list[self.head..].partition_point(|x| x.0 < r.from);
            self.insert_at(k, (r.from, r.to, v));
        }
    }

    /// Inserts `x` at live position `k` (where it keeps the list sorted).
    /// At the front, it takes the place of the last dead entry if there is
    /// one, so the live entries need not move.
    #[inline]
    fn insert_at(&mut self, k: usize, x: (Point, Point, u32)) {
        if k == 0 && self.head > 0 {
            if self.head == self.list.len() {
                // Nothing live: start over at the beginning.
                self.list.clear();
                self.head = 0;
                self.list.push(x);
            } else {
                self.head -= 1;
                self.list[self.head] = x;
            }
        } else {
            self.list.insert(self.head + k, x);
        }
    }

    fn remove(&mut self, ranges: &[Range]) {
        for r in ranges {
            let live = &self.list[self.head..];
            let k = live.partition_point(|x| x.0 < r.from);
            if k < live.len() && live[k].0 == r.from {
                self.list.remove(self.head + k);
            }
        }
    }
}

/// Scratch buffers of [`scan`].
#[derive(Default)]
struct ScanBufs {
    order: Vec<u32>,
    at: Vec<u32>,
    lanes: Vec<Lane>,
}

/// Whether register `ri` is free for interval `vr` of vreg `v`: no fixed
/// range of another vreg and no range of its lane overlaps it. `fixed` holds
/// every register's fixed ranges and `cursor[ri]` is `(the first of ri's
/// not ending at or before the current start, the end of ri's)`: it is
/// moved forward to `vr`'s start (intervals come in order of start), and
/// so is the lane's head.
#[inline(always)]
fn reg_free(
    ri: usize,
    vr: &[Range],
    v: u32,
    fixed: &[FixedRange],
    cursor: &mut [(u32, u32)],
    lanes: &mut [Lane],
) -> bool {
    let start = vr[0].from;
    let (mut h, end) = (cursor[ri].0 as usize, cursor[ri].1 as usize);
    while h < end && fixed[h].range.to <= start {
        h += 1;
    }
    cursor[ri].0 = h as u32;
    let lane = &mut lanes[ri];
    if let [r] = vr {
        // (Every fixed range left ends after `start`: sorted by start,
        // they are sorted by end too, see `fixed_conflict`.)
        while h < end && fixed[h].range.from < r.to {
            if fixed[h].owner != v {
                return false;
            }
            h += 1;
        }
        let list = &lane.list;
        let mut k = lane.head;
        while k < list.len() && list[k].1 <= start {
            k += 1;
        }
        lane.head = k;
        // Every live range ends after `start`: the first one overlaps `r`
        // unless it starts at or after its end.
        return k == list.len() || list[k].0 >= r.to;
    }
    if fixed_conflict(&fixed[h..end], vr, v) {
        return false;
    }
    lane.prune(start);
    lane.is_free(vr)
}

/// Assigns each interval a register or `SPILLED`, into `loc`.
///
/// Each interval takes the first candidate register (its hints, then the
/// registers of its class in order) that neither a fixed range of another
/// vreg nor an assigned interval overlaps. If there is none, the candidate
/// (without a fixed conflict) whose conflicting intervals weigh least, the
/// first of equals, is taken if they weigh less than the interval itself,
/// and they are spilled; otherwise the interval is spilled.
#[inline(never)]
fn scan(
    env: &MachineEnv,
    num_points: usize,
    ranges: &[Ranges],
    fixed: &FixedRanges,
    facts: &Facts,
    bufs: &mut ScanBufs,
    loc: &mut Vec<Allocation>,
) {
    let (weights, hint, class) = (&facts.weights, &facts.hints, &facts.class);
    let nv = ranges.len();
    // Intervals in order of (start, vreg): a counting sort by start.
    let ScanBufs { order, at, lanes } = bufs;
    order.clear();
    {
        // at[p] = the number of intervals starting before point p.
        refill(at, num_points + 1, 0);
        for r in ranges.iter().filter_map(|r| r.first()) {
            at[r.from as usize + 1] += 1;
        }
        let mut acc = 0;
        for x in at.iter_mut() {
            acc += *x;
            *x = acc;
        }
        order.resize(at[num_points] as usize, 0);
        for (v, r) in ranges.iter().enumerate() {
            if let Some(r) = r.first() {
                order[at[r.from as usize] as usize] = v as u32;
                at[r.from as usize] += 1;
            }
        }
    }
    let allowed: [PRegSet; 2] =
        [0, 1].map(|c| env.regs[c].iter().fold(PRegSet::empty(), |s, &r| s.with(r)));
    refill(loc, nv, Allocation::None);
    lanes.resize_with(PReg::NUM_INDEX, Lane::default);
    let mut conflicts: SmallVec<[u32; 8]> = SmallVec::new();
    // Per register, its fixed ranges not yet passed (see `reg_free`).
    // Only allocatable registers are ever candidates, so only their lanes
    // and cursors are set up.
    let mut cursor = [(0u32, 0u32); PReg::NUM_INDEX];
    for r in env.regs.iter().flatten() {
        let ri = r.index();
        cursor[ri] = (fixed.start[ri], fixed.start[ri + 1]);
        lanes[ri].list.clear();
        lanes[ri].head = 0;
    }
    let fixed = &fixed.ranges[..];
    for &v in order.iter() {
        let vi = v as usize;
        let c = class[vi] as usize;
        let regs = &env.regs[c];
        let vr = &ranges[vi][..];
        // Candidates: hints first (a fixed register, then the registers of
        // related vregs), then the registers in order of preference. (All
        // of class `c`, so a set of them is a mask of hardware encodings.)
        let mut hinted = [PReg::from_index(0); 5];
        let mut num_hinted = 0;
        let mut seen = 0u64;
        let related = hint.related[vi]
            .iter()
            .filter_map(|&w| loc[w as usize].as_reg());
        for h in hint.fixed[vi].into_iter().chain(related) {
            let bit = 1u64 << h.hw_enc();
            if allowed[c].contains(h) && seen & bit == 0 {
                seen |= bit;
                hinted[num_hinted] = h;
                num_hinted += 1;
            }
        }
        let hinted = &hinted[..num_hinted];
        let mut chosen = None;
        for &r in hinted {
            if reg_free(r.index(), vr, v, fixed, &mut cursor, lanes) {
                chosen = Some(r);
                break;
            }
        }
        if chosen.is_none() {
            for &r in regs {
                if seen & (1u64 << r.hw_enc()) == 0
                    && reg_free(r.index(), vr, v, fixed, &mut cursor, lanes)
                {
                    chosen = Some(r);
                    break;
                }
            }
        }
        if let Some(r) = chosen {
            let lane = &mut lanes[r.index()];
            if let [x] = vr {
                // (It overlaps nothing live, so it goes first.)
                lane.insert_at(0, (x.from, x.to, v));
            } else {
                lane.insert(vr, v);
            }
            loc[vi] = Allocation::Reg(r);
            continue;
        }
        // No candidate is free: the cheapest to evict, among those without
        // a fixed conflict (the first of equals). (Each candidate once, in
        // order; the lanes and fixed cursors were brought to the start
        // above.)
        let mut best: Option<(f32, PReg)> = None;
        let mut tried = 0u64;
        for &r in hinted.iter().chain(regs) {
            let bit = 1u64 << r.hw_enc();
            if tried & bit != 0 {
                continue;
            }
            tried |= bit;
            let ri = r.index();
            let (h, end) = (cursor[ri].0 as usize, cursor[ri].1 as usize);
            if fixed_conflict(&fixed[h..end], vr, v) {
                continue;
            }
            conflicts.clear();
            lanes[ri].conflicts(vr, &mut conflicts);
            let cost: f32 = conflicts.iter().map(|&c| weights[c as usize]).sum();
            if best.is_none_or(|b| cost < b.0) {
                best = Some((cost, r));
            }
        }
        match best {
            Some((cost, r)) if cost < weights[vi] => {
                let lane = &mut lanes[r.index()];
                conflicts.clear();
                lane.conflicts(vr, &mut conflicts);
                for &c in &conflicts {
                    lane.remove(&ranges[c as usize]);
                    loc[c as usize] = SPILLED;
                }
                lane.insert(vr, v);
                loc[vi] = Allocation::Reg(r);
            }
            _ => loc[vi] = SPILLED,
        }
    }
}

/// Scratch buffers of [`assign_slots`].
#[derive(Default)]
struct SlotBufs {
    spilled: Vec<usize>,
    busy: BinaryHeap<Reverse<(Point, u32)>>,
    free: Vec<u32>,
}

/// Gives spilled intervals slots, sharing a slot between intervals whose
/// extents do not overlap. Returns the number of slots.
#[inline(never)]
fn assign_slots(ranges: &[Ranges], loc: &mut [Allocation], bufs: &mut SlotBufs) -> usize {
    let SlotBufs {
        spilled,
        busy,
        free,
    } = bufs;
    spilled.clear();
    spilled.extend((0..loc.len()).filter(|&v| loc[v] == SPILLED));
    if spilled.is_empty() {
        return 0;
    }
    spilled.sort_unstable_by_key(|&v| ranges[v][0].from);
    busy.clear();
    free.clear();
    let mut n = 0u32;
    for &v in spilled.iter() {
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

/// Where each vreg lives: in `Mode::Fast` one location per vreg for its
/// whole life (`whole`); in `Mode::Optimizing` per vreg its pieces as
/// `(first point, location)` sorted by point (split children; `whole` is
/// empty): vreg `v`'s are `pieces[piece_at[v]..piece_at[v + 1]]`. A piece
/// extends to the next one's first point.
#[derive(Default)]
pub(crate) struct Locs {
    whole: Vec<Allocation>,
    pub(crate) piece_at: Vec<u32>,
    pub(crate) pieces: Vec<(Point, Allocation)>,
}

impl Locs {
    /// Per vreg, its pieces (`piece_at` has one more entry than vregs).
    pub(crate) fn split(piece_at: Vec<u32>, pieces: Vec<(Point, Allocation)>) -> Self {
        Locs {
            whole: Vec::new(),
            piece_at,
            pieces,
        }
    }

    /// The buffers given to [`Locs::split`], for reuse.
    pub(crate) fn into_parts(self) -> (Vec<u32>, Vec<(Point, Allocation)>) {
        (self.piece_at, self.pieces)
    }

    /// The pieces of `v`.
    #[inline]
    pub(crate) fn pieces_of(&self, v: usize) -> &[(Point, Allocation)] {
        &self.pieces[self.piece_at[v] as usize..self.piece_at[v + 1] as usize]
    }

    /// The location of `v` at point `p` (where `v` is live).
    #[inline]
    pub(crate) fn at_point(&self, v: usize, p: Point) -> Allocation {
        if let Some(&a) = self.whole.get(v) {
            return a;
        }
        let s = self.pieces_of(v);
        if s.len() == 1 {
            return s[0].1;
        }
        let k = s.partition_point(|x| x.0 <= p);
        if k == 0 { Allocation::None } else { s[k - 1].1 }
    }

    /// The location of `v` at instruction `i` (pieces change only at early
    /// points, so it is the same at both points of `i`).
    #[inline]
    fn at(&self, v: usize, i: usize) -> Allocation {
        self.at_point(v, early(i) + 1)
    }
}

/// Which value is in each register where: per register (by index), the
/// ranges `(from, to, vreg)` of the values assigned to it, sorted by `from`
/// and disjoint. The fix-up needs it only to borrow a register, which is
/// rare, so in `Mode::Fast` it is built on first use.
#[derive(Default)]
pub(crate) struct Occupancy {
    lanes: Vec<Vec<(Point, Point, u32)>>,
}

impl Occupancy {
    /// Empties the occupancy, to be filled with [`Occupancy::push`] and
    /// then [`Occupancy::sort`].
    pub(crate) fn reset(&mut self) {
        self.lanes.resize_with(PReg::NUM_INDEX, Vec::new);
        for lane in &mut self.lanes {
            lane.clear();
        }
    }

    /// Records that `v` is in `r` over `ranges`.
    pub(crate) fn push(&mut self, r: PReg, ranges: impl IntoIterator<Item = Range>, v: u32) {
        let lane = &mut self.lanes[r.index()];
        lane.extend(ranges.into_iter().map(|x| (x.from, x.to, v)));
    }

    /// Sorts each register's ranges (stable: of two ranges with one start,
    /// the later pushed wins a lookup).
    pub(crate) fn sort(&mut self) {
        for lane in &mut self.lanes {
            lane.sort_by_key(|x| x.0);
        }
    }

    /// The range in `r` with the greatest start `<= p`: `(to, vreg)`.
    fn last_at_or_before(&self, r: PReg, p: Point) -> Option<(Point, u32)> {
        let lane = &self.lanes[r.index()];
        let k = lane.partition_point(|x| x.0 <= p);
        k.checked_sub(1).map(|k| (lane[k].1, lane[k].2))
    }
}

/// Edits from outside the fix-up (split and edge moves) with their priority
/// among the edits of one program point: 0 = restores of registers borrowed
/// by a branch, 1 = edge moves at the start of a block, 2 = moves between
/// split children, 3 = the instruction's own moves, 4 = edge moves before a
/// branch.
pub(crate) type PrioEdits = Vec<(ProgPoint, u8, Edit)>;

/// Buffers of [`Fixup`], reused from one function to the next.
#[derive(Default)]
pub(crate) struct FixupBufs {
    /// The block of each instruction.
    block_of: Vec<u32>,
    /// Which value is in each register where (see [`Fixup::holder`]).
    pub(crate) occupancy: Occupancy,
    before: Vec<Move>,
    after: Vec<Move>,
    at: Vec<Allocation>,
    sequencer: Sequencer,
    seq: Vec<Move>,
    edits: Vec<(ProgPoint, Edit)>,
    restores: PrioEdits,
    /// A finished [`Output`] handed back by the client
    /// ([`crate::Context::recycle`]), whose vectors the next one reuses.
    pub(crate) spare: Option<Output>,
}

/// Per-instruction constraint fix-up.
pub(crate) struct Fixup<'a, F: Function> {
    func: &'a F,
    env: &'a MachineEnv,
    ranges: &'a [Ranges],
    locs: &'a Locs,
    num_slots: usize,
    /// Emergency slots for borrowed registers, created on demand.
    emergency: Vec<SpillSlot>,
    /// Whether `bufs.occupancy` describes this function yet.
    occupancy_ready: bool,
    bufs: &'a mut FixupBufs,
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
    /// Whether `excl_early` and `excl_late` include [`Fixup::exclusions`]
    /// yet (they are filled in on the first borrow).
    excl_ready: bool,
}

impl<'a, F: Function> Fixup<'a, F> {
    /// A fix-up of `func` whose vregs live at `locs`. `bufs.occupancy` is
    /// either filled for this function (`Mode::Optimizing`: call
    /// [`Fixup::with_occupancy`]) or derived from `locs` when first needed
    /// (`Mode::Fast`).
    #[inline(never)]
    pub(crate) fn new(
        func: &'a F,
        env: &'a MachineEnv,
        ranges: &'a [Ranges],
        locs: &'a Locs,
        num_slots: usize,
        bufs: &'a mut FixupBufs,
    ) -> Self {
        let block_of = &mut bufs.block_of;
        refill(block_of, func.num_insts(), 0);
        for b in 0..func.num_blocks() {
            let r = func.block_insns(Block(b as u32));
            block_of[r.first.index()..r.last.index()].fill(b as u32);
        }
        Fixup {
            func,
            env,
            ranges,
            locs,
            num_slots,
            emergency: Vec::new(),
            occupancy_ready: false,
            bufs,
        }
    }

    /// Declares `bufs.occupancy` filled for this function.
    pub(crate) fn with_occupancy(mut self) -> Self {
        self.occupancy_ready = true;
        self
    }

    fn covers(&self, v: usize, p: Point) -> bool {
        let r = &self.ranges[v];
        let k = r.partition_point(|x| x.to <= p);
        k < r.len() && r[k].from <= p
    }

    /// The value in `r` at point `p`, if any: `(end of its range, vreg)`.
    fn holder(&mut self, r: PReg, p: Point) -> Option<(Point, u32)> {
        if !self.occupancy_ready {
            debug_assert!(!self.locs.whole.is_empty() || self.ranges.is_empty());
            let occ = &mut self.bufs.occupancy;
            occ.reset();
            for (v, &a) in self.locs.whole.iter().enumerate() {
                if let Allocation::Reg(reg) = a {
                    occ.push(reg, self.ranges[v].iter().copied(), v as u32);
                }
            }
            occ.sort();
            self.occupancy_ready = true;
        }
        self.bufs.occupancy.last_at_or_before(r, p)
    }

    /// The registers that instruction `i` (with operands `ops` whose vregs'
    /// locations are `at`) or its own moves read or write at its early and
    /// at its late point, which may not be borrowed there (see [`Temps`]).
    /// Needed only to borrow a register, which is rare, so computed then.
    ///
    /// With `relax`, the home of a use with a fixed register other than its
    /// home, whose value lives on, is not excluded at the late point: the
    /// instruction reads the copy in the fixed register, and the home holds
    /// a value living through the instruction like any other register's,
    /// which a borrow saves and restores (see [`Fixup::temp`]'s last
    /// resort).
    fn exclusions(
        &self,
        i: usize,
        ops: &[crate::Operand],
        at: &[Allocation],
        relax: bool,
    ) -> (PRegSet, PRegSet) {
        let e = early(i);
        let mut excl_early = PRegSet::empty();
        let mut excl_late = self.func.inst_clobbers(Inst(i as u32));
        // Registers the instruction or its own moves read or write at each
        // point (sources of `before` moves are fine: a parallel move reads
        // all sources before writing any destination).
        for (k, op) in ops.iter().enumerate() {
            let v = op.vreg.index();
            let lr = at[k].as_reg();
            match (op.kind, op.constraint) {
                (OperandKind::Use, OperandConstraint::FixedReg(p)) => excl_early.add(p),
                (OperandKind::Use, _) => {
                    if let Some(r) = lr {
                        excl_early.add(r);
                    }
                }
                (OperandKind::Def, c) => {
                    let is_early = op.pos == OperandPos::Early;
                    if let Some(r) = lr {
                        excl_late.add(r);
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
                            excl_early.add(r);
                        }
                    }
                    let fixed = match c {
                        OperandConstraint::FixedReg(p) => Some(p),
                        OperandConstraint::Reuse(n) => match ops[usize::from(n)].constraint {
                            OperandConstraint::FixedReg(p) => Some(p),
                            _ => None,
                        },
                        _ => None,
                    };
                    if let Some(p) = fixed {
                        excl_late.add(p);
                        if is_early {
                            excl_early.add(p);
                        }
                    }
                }
            }
            let copied = matches!(op.constraint, OperandConstraint::FixedReg(p) if lr != Some(p));
            if op.kind == OperandKind::Use
                && let Some(r) = lr
                && self.covers(v, e + 1)
                && !(relax && copied)
            {
                excl_late.add(r);
            }
        }
        (excl_early, excl_late)
    }

    /// Borrows allocatable register `r` for instruction `i`: a value
    /// living through the instruction in `r` is saved before it and
    /// restored after it (for a branch, at the start of each successor,
    /// which must then have no other predecessor: otherwise nothing is
    /// borrowed and the result is false). `usable_e`/`usable_l`: whether
    /// `r` is free of the instruction's own reads and writes at the early
    /// and late point; where it is not, the borrow takes that point too.
    #[allow(clippy::too_many_arguments)]
    fn borrow(
        &mut self,
        i: usize,
        r: PReg,
        class: RegClass,
        usable_e: bool,
        usable_l: bool,
        t: &mut Temps,
        before: &mut Vec<Move>,
        after: &mut Vec<Move>,
    ) -> bool {
        let inst = Inst(i as u32);
        // A value living through the instruction in `r` is saved and
        // restored. (A value dying here is not read from `r` by the
        // instruction, or `r` would be excluded at the early point; one
        // born here is a def, excluded at the late point.)
        let e = early(i);
        // (An early def of this instruction whose home is `r` is not
        // saved: its value only arrives after the instruction.)
        let ops = self.func.inst_operands(inst);
        let save = self.holder(r, e).is_some_and(|(to, v)| {
            to >= e + 2
                && !ops
                    .iter()
                    .any(|o| o.kind == OperandKind::Def && o.vreg.index() == v as usize)
        });
        if save {
            // After a branch, the value is restored at the start of each
            // successor, which must then have no other predecessor.
            if self.func.is_branch(inst) {
                let b = Block(self.bufs.block_of[i]);
                let ok = self
                    .func
                    .block_succs(b)
                    .iter()
                    .all(|&s| self.func.block_preds(s).len() == 1);
                if !ok {
                    return false;
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
        true
    }

    #[allow(clippy::too_many_arguments)]
    fn temp(
        &mut self,
        i: usize,
        at: &[Allocation],
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
        for &r in &self.env.scratch[c] {
            if ok(t, r) {
                take(t, r);
                return Ok(r);
            }
        }
        for k in 0..t.borrowed.len() {
            let r = t.borrowed[k];
            if ok(t, r) {
                take(t, r);
                return Ok(r);
            }
        }
        let inst = Inst(i as u32);
        if !t.excl_ready {
            let ops = self.func.inst_operands(inst);
            let (early, late) = self.exclusions(i, ops, at, false);
            t.excl_early = t.excl_early.union(early);
            t.excl_late = t.excl_late.union(late);
            t.excl_ready = true;
        }
        for &r in &self.env.regs[c] {
            if t.borrowed.contains(&r) {
                continue;
            }
            let usable_e = !t.excl_early.contains(r);
            let usable_l = !t.excl_late.contains(r);
            if (at_early && !usable_e) || (at_late && !usable_l) {
                continue;
            }
            if self.borrow(i, r, class, usable_e, usable_l, t, before, after) {
                take(t, r);
                return Ok(r);
            }
        }
        // Last resort, when the registers above are all taken: the home of
        // a use copied to a fixed register, whose value lives on, is
        // borrowed like a register holding any value that lives through
        // (saved before, restored after). With one scratch register and
        // three allocatable ones, an instruction with a fixed use and two
        // early defs needs it: the fixed register and the home of another
        // use are taken at the early point, that use's and the fixed use's
        // homes at the late point, and an early def needs a register at
        // both. (Kept last: the usual choices save nothing.)
        if at_late {
            let ops = self.func.inst_operands(inst);
            let (_, relaxed_late) = self.exclusions(i, ops, at, true);
            for &r in &self.env.regs[c] {
                // (Only the registers the relaxed rule frees at the late
                // point; the others were tried above.)
                let freed = t.excl_late.contains(r) && !relaxed_late.contains(r);
                if !freed
                    || !ok(t, r)
                    || t.borrowed.contains(&r)
                    || (at_early && t.excl_early.contains(r))
                {
                    continue;
                }
                if self.borrow(
                    i,
                    r,
                    class,
                    !t.excl_early.contains(r),
                    false,
                    t,
                    before,
                    after,
                ) {
                    take(t, r);
                    return Ok(r);
                }
            }
        }
        Err(RegAllocError::Unsatisfiable(format!(
            "inst{i}: needs more {class:?} registers than the machine has; operands: {:?}",
            self.func.inst_operands(Inst(i as u32))
        )))
    }

    pub(crate) fn run(mut self, extra: PrioEdits) -> Result<Output, RegAllocError> {
        let func = self.func;
        let n = func.num_insts();
        // (The vectors of an output the client handed back, if any.)
        let mut out = self.bufs.spare.take().unwrap_or_default();
        out.allocs.clear();
        out.allocs.reserve(2 * n);
        out.inst_alloc_offsets.clear();
        out.inst_alloc_offsets.reserve(n);
        out.edits.clear();
        out.num_spillslots = 0;
        out.hoistable_edges.clear();
        // Only split children live at rematerialization markers.
        let may_remat = self.locs.whole.is_empty();
        let scratch: SmallVec<[PReg; 4]> = self.env.scratch.iter().flatten().copied().collect();
        // (The buffers are taken out of `self.bufs` for the loop, which
        // also borrows `self`, and put back at the end.)
        let mut before = std::mem::take(&mut self.bufs.before);
        let mut after = std::mem::take(&mut self.bufs.after);
        let mut at = std::mem::take(&mut self.bufs.at);
        let mut sequencer = std::mem::take(&mut self.bufs.sequencer);
        let mut seq = std::mem::take(&mut self.bufs.seq);
        // The instructions' own edits (priority 3) in the order made, and
        // the restores of registers borrowed by branches (priority 0).
        let mut edits = std::mem::take(&mut self.bufs.edits);
        let mut restores = std::mem::take(&mut self.bufs.restores);
        edits.clear();
        restores.clear();
        for i in 0..n {
            let inst = Inst(i as u32);
            out.inst_alloc_offsets.push(out.allocs.len() as u32);
            let base = out.allocs.len();
            let ops = func.inst_operands(inst);
            // Each operand starts at its vreg's location (the same for two
            // operands of one vreg).
            // Fast path: every operand's location already meets its
            // constraint, so the operands stay there and nothing moves.
            // (A two-address def meets its constraint when it is in the
            // register its use is in: checked below.)
            let meets = |op: &crate::Operand, a: Allocation| match op.constraint {
                OperandConstraint::Reg | OperandConstraint::Reuse(_) => {
                    matches!(a, Allocation::Reg(_))
                }
                OperandConstraint::Any => remat_vreg(a).is_none(),
                OperandConstraint::FixedReg(p) => a == Allocation::Reg(p),
            };
            let mut simple = true;
            let mut reuse = false;
            let whole = &self.locs.whole[..];
            let allocs = &mut out.allocs;
            allocs.reserve(ops.len());
            if whole.is_empty() {
                for o in ops {
                    let a = self.locs.at(o.vreg.index(), i);
                    simple &= meets(o, a);
                    reuse |= matches!(o.constraint, OperandConstraint::Reuse(_));
                    allocs.push(a);
                }
            } else {
                for o in ops {
                    let a = whole[o.vreg.index()];
                    simple &= meets(o, a);
                    allocs.push(a);
                }
                // (A two-address def meets its constraint when its use's
                // vreg is in the same register.)
                for o in ops {
                    if let OperandConstraint::Reuse(n) = o.constraint {
                        simple &= whole[ops[usize::from(n)].vreg.index()] == whole[o.vreg.index()];
                    }
                }
            }
            if simple && reuse {
                let allocs = &out.allocs[base..];
                simple = ops.iter().zip(allocs).all(|(o, &a)| match o.constraint {
                    OperandConstraint::Reuse(n) => allocs[usize::from(n)] == a,
                    _ => true,
                });
            }
            if simple {
                continue;
            }
            let allocs = &mut out.allocs[base..];
            at.clear();
            for a in allocs.iter_mut() {
                at.push(*a);
                *a = Allocation::None;
            }
            before.clear();
            after.clear();
            self.inst(i, ops, &at, allocs, &mut before, &mut after)?;
            if before.is_empty() && after.is_empty() {
                continue;
            }
            // Reloads of constants become remats after the parallel move;
            // stores of constants vanish.
            let remats = if may_remat {
                let remats = take_remats(func, &mut before)?;
                let late_remats = take_remats(func, &mut after)?;
                debug_assert!(late_remats.is_empty(), "remat after inst{i}");
                remats
            } else {
                SmallVec::new()
            };
            for (moves, point) in [
                (&before, ProgPoint::before(inst)),
                (&after, ProgPoint::after(inst)),
            ] {
                if moves.is_empty() {
                    continue;
                }
                let edit = |m: Move| Edit::Move {
                    from: m.from,
                    to: m.to,
                    class: m.class,
                };
                // (Most parallel moves are one move that needs no
                // sequencing.)
                if let [m] = moves[..]
                    && crate::moves::is_plain(m)
                    && !(point.is_after() && func.is_branch(inst))
                {
                    edits.push((point, edit(m)));
                    continue;
                }
                seq.clear();
                sequencer
                    .sequence(moves, &scratch, &mut seq)
                    .map_err(|e| RegAllocError::Unsatisfiable(format!("inst{i}: {e}")))?;
                if point.is_after() && func.is_branch(inst) {
                    // Restores of registers borrowed by the branch go to the
                    // start of each (single-predecessor) successor, before
                    // that instruction's own edits.
                    for &s in func.block_succs(Block(self.bufs.block_of[i])) {
                        let first = func.block_insns(s).first;
                        restores.extend(
                            seq.iter()
                                .map(|&m| (ProgPoint::before(first), 0u8, edit(m))),
                        );
                    }
                    continue;
                }
                edits.extend(seq.iter().map(|&m| (point, edit(m))));
            }
            // (The sort below is stable: these stay after the moves.)
            if !remats.is_empty() {
                edits.extend(remats.into_iter().map(|e| (ProgPoint::before(inst), e)));
            }
        }
        // Edits sorted by point and priority, stably: edits of one point and
        // priority keep their order. (Usually the instructions' own edits
        // are all there is, and they are made in order.)
        if extra.is_empty() && restores.is_empty() && edits.is_sorted_by_key(|&(p, _)| p) {
            out.edits.extend_from_slice(&edits);
        } else {
            let mut all = extra;
            all.extend(edits.iter().map(|&(p, e)| (p, 3u8, e)));
            all.extend_from_slice(&restores);
            all.sort_by_key(|&(p, prio, _)| (p, prio));
            out.edits.extend(all.into_iter().map(|(p, _, e)| (p, e)));
        }
        out.num_spillslots = self.num_slots + self.emergency.len();
        let b = &mut *self.bufs;
        (b.before, b.after, b.at, b.sequencer, b.seq) = (before, after, at, sequencer, seq);
        (b.edits, b.restores) = (edits, restores);
        Ok(out)
    }

    /// Chooses the allocations of instruction `i`'s operands (`ops`, whose
    /// vregs' locations are `at`: the same for two operands of one vreg)
    /// and the moves before and after it, for an instruction with an
    /// operand whose location does not meet its constraint.
    #[allow(clippy::too_many_arguments)]
    fn inst(
        &mut self,
        i: usize,
        ops: &[crate::Operand],
        at: &[Allocation],
        allocs: &mut [Allocation],
        before: &mut Vec<Move>,
        after: &mut Vec<Move>,
    ) -> Result<(), RegAllocError> {
        let inst = Inst(i as u32);
        let clobbers = self.func.inst_clobbers(inst);
        let e = early(i);
        let mut t = Temps::default();
        let mut handled = 0u64;
        let mut late_claimed = PRegSet::empty();
        // Whether a def other than operand `k` ends up in register `r` at
        // the late point: a def whose home is `r`, a fixed def, or a
        // two-address def of a fixed use (which takes the use's register).
        let other_def_in = |k: usize, r: PReg| {
            ops.iter().enumerate().any(|(m, o)| {
                m != k
                    && o.kind == OperandKind::Def
                    && (at[m] == Allocation::Reg(r)
                        || match o.constraint {
                            OperandConstraint::FixedReg(p) => p == r,
                            OperandConstraint::Reuse(n) => {
                                let n = usize::from(n);
                                ops[n].constraint == OperandConstraint::FixedReg(r)
                            }
                            _ => false,
                        })
            })
        };
        // 1. Two-address defs.
        for (k, op) in ops.iter().enumerate() {
            let OperandConstraint::Reuse(n) = op.constraint else {
                continue;
            };
            let n = usize::from(n);
            let u = ops[n];
            let (x, y) = (u.vreg.index(), op.vreg.index());
            let (loc_x, loc_y) = (at[n], at[k]);
            let class = op.vreg.class();
            if let OperandConstraint::FixedReg(p) = u.constraint {
                allocs[k] = Allocation::Reg(p);
                if loc_y != allocs[k] {
                    after.push(Move::new(allocs[k], loc_y, class));
                }
                continue;
            }
            handled |= 1 << n;
            match (loc_y, loc_x) {
                (Allocation::Reg(r), Allocation::Reg(rx)) if r == rx => {
                    allocs[k] = loc_y;
                    allocs[n] = loc_y;
                }
                (Allocation::Reg(r), _) => {
                    // `r` is free at the early point unless another use
                    // reads it there (a use moved to a fixed register reads
                    // its home only as a move source, which is fine).
                    let free = !other_def_in(k, r)
                        && !ops.iter().enumerate().any(|(m, o)| {
                            m != n
                                && o.kind == OperandKind::Use
                                && o.vreg.index() != x
                                && match o.constraint {
                                    OperandConstraint::FixedReg(p) => p == r,
                                    _ => at[m] == Allocation::Reg(r),
                                }
                        });
                    if free {
                        before.push(Move::new(loc_x, loc_y, class));
                        allocs[k] = loc_y;
                        allocs[n] = loc_y;
                    } else {
                        let s = self.temp(i, at, class, true, true, &mut t, before, after)?;
                        before.push(Move::new(loc_x, Allocation::Reg(s), class));
                        after.push(Move::new(Allocation::Reg(s), loc_y, class));
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
                        && !other_def_in(k, rx) =>
                {
                    late_claimed.add(rx);
                    t.excl_late.add(rx);
                    t.late.add(rx);
                    allocs[k] = Allocation::Reg(rx);
                    allocs[n] = Allocation::Reg(rx);
                    after.push(Move::new(Allocation::Reg(rx), loc_y, class));
                }
                _ => {
                    let s = self.temp(i, at, class, true, true, &mut t, before, after)?;
                    before.push(Move::new(loc_x, Allocation::Reg(s), class));
                    after.push(Move::new(Allocation::Reg(s), loc_y, class));
                    allocs[k] = Allocation::Reg(s);
                    allocs[n] = Allocation::Reg(s);
                }
            }
        }
        // 2. Early defs, uses, then late defs (each in operand order): the
        //    most constrained temporaries (live at both points) are handed
        //    out first.
        let mut reloaded: SmallVec<[(usize, PReg); 4]> = SmallVec::new();
        let mut fix = |k: usize, t: &mut Temps| -> Result<(), RegAllocError> {
            let op = &ops[k];
            let v = op.vreg.index();
            let lv = at[k];
            let class = op.vreg.class();
            if op.kind == OperandKind::Use {
                if k < 64 && handled & (1 << k) != 0 {
                    return Ok(());
                }
                allocs[k] = match op.constraint {
                    OperandConstraint::FixedReg(p) => {
                        if lv != Allocation::Reg(p) {
                            before.push(Move::new(lv, Allocation::Reg(p), class));
                        }
                        Allocation::Reg(p)
                    }
                    OperandConstraint::Any if remat_vreg(lv).is_none() => lv,
                    // (An `Any` use of a constant without a register is
                    // rematerialized into a temporary.)
                    _ => match lv {
                        Allocation::Reg(_) => lv,
                        _ => {
                            if let Some(&(_, s)) = reloaded.iter().find(|(w, _)| *w == v) {
                                Allocation::Reg(s)
                            } else {
                                let s = self.temp(i, at, class, true, false, t, before, after)?;
                                before.push(Move::new(lv, Allocation::Reg(s), class));
                                reloaded.push((v, s));
                                Allocation::Reg(s)
                            }
                        }
                    },
                };
            } else {
                match op.constraint {
                    OperandConstraint::FixedReg(p) => {
                        allocs[k] = Allocation::Reg(p);
                        if lv != allocs[k] {
                            after.push(Move::new(allocs[k], lv, class));
                        }
                    }
                    OperandConstraint::Any if remat_vreg(lv).is_none() => allocs[k] = lv,
                    // (A constant without a register is defined into a
                    // temporary; the store to its marker vanishes.)
                    OperandConstraint::Reg | OperandConstraint::Any => match lv {
                        Allocation::Reg(_) => allocs[k] = lv,
                        _ => {
                            let is_early = op.pos == OperandPos::Early;
                            let s = self.temp(i, at, class, is_early, true, t, before, after)?;
                            allocs[k] = Allocation::Reg(s);
                            after.push(Move::new(allocs[k], lv, class));
                        }
                    },
                    OperandConstraint::Reuse(_) => {}
                }
            }
            Ok(())
        };
        let stage = |op: &crate::Operand| match (op.kind, op.pos) {
            (OperandKind::Def, OperandPos::Early) => 0,
            (OperandKind::Use, _) => 1,
            (OperandKind::Def, OperandPos::Late) => 2,
        };
        // (One call site, so that `fix` is inlined.)
        for s in 0..3 {
            for (k, op) in ops.iter().enumerate() {
                if stage(op) == s {
                    fix(k, &mut t)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn gallop_is_partition_point(
            mut xs in proptest::collection::vec(0u32..50, 0..80),
            keys in proptest::collection::vec(0u32..55, 1..8),
        ) {
            xs.sort_unstable();
            let mut keys = keys;
            keys.sort_unstable();
            // Growing keys, each search starting at the previous answer.
            let mut lo = 0;
            for k in keys {
                let want = xs.partition_point(|&x| x < k);
                lo = gallop(&xs, lo, |&x| x < k);
                prop_assert_eq!(lo, want);
            }
        }
    }
}
