//! strata-regalloc: an ISA-independent linear-scan register allocator.
//!
//! The allocator never sees an opcode. A client (an ISA's lowered machine code)
//! exposes its code through the [`Function`] trait: blocks in a linear order,
//! their successors and predecessors, and for every instruction a list of
//! [`Operand`]s (virtual register, register class, use or def, early or late,
//! and a constraint) plus the physical registers it clobbers. A [`MachineEnv`]
//! lists the allocatable registers of each class and the scratch registers that
//! the allocator keeps for itself.
//!
//! The result ([`Output`]) gives one [`Allocation`] per operand and a list of
//! [`Edit`]s (moves between registers and spill slots, and rematerialized
//! constants) to insert at program
//! points. Executing the instructions with their operands replaced by their
//! allocations and the edits inserted computes the same values as the virtual
//! program; [`checker`] proves this symbolically for every allocation when
//! [`Options::validate`] is set.
//!
//! [`allocate`] reuses its buffers from one call to the next on each thread
//! (a [`Context`]); a client may also keep a [`Context`] of its own.
//!
//! ## Invariants the client must uphold
//! - The code is *not* required to be in SSA form: a virtual register may be
//!   defined several times (the baseline tier writes locals as plain virtual
//!   registers). There are no block parameters at this level.
//! - Instruction indices are dense, `0..num_insts()`, and each block's
//!   instructions are a contiguous range; blocks are numbered in layout order.
//! - The last instruction of every block is a branch or a return
//!   ([`Function::is_branch`] / [`Function::is_ret`]), and only the last one.
//!   A branch's operands are all uses.
//! - A [`OperandConstraint::Reuse`] def names the index of a use operand of the
//!   same instruction and class; the def is given the same register as that use.
//! - A [`OperandConstraint::FixedReg`] register must not be in the allocatable
//!   or scratch set of another class, nor a scratch register.
//! - Every virtual register is defined on every path before it is used: a
//!   vreg live into the entry block is rejected as
//!   [`RegAllocError::InvalidInput`].
//! - A vreg is defined at most once per instruction, and an early def's vreg is
//!   not also a use of the same instruction.
//! - Critical edges are split: a block with several successors never branches
//!   to a block with several predecessors. (Edge moves, when a mode needs them,
//!   go at the start of a successor with one predecessor, else before the
//!   branch of a predecessor with one successor; such a branch must then have
//!   no operands.)
//! - A branch's register uses should fit in the scratch registers (plus values
//!   already in registers). If they do not, the allocator borrows a register
//!   and restores it at the start of each successor, which requires every
//!   successor to have a single predecessor; otherwise it reports
//!   [`RegAllocError::Unsatisfiable`].
//!
//! ## What the output looks like
//! - In [`Mode::Fast`] every vreg has one location (register or spill slot)
//!   for its whole life, so there are no moves at block edges: all edits are
//!   local to an instruction. `Before(i)` edits move values into fixed-register
//!   uses and reload spilled register uses into scratch registers; `After(i)`
//!   edits move fixed-register and scratch defs to their homes.
//! - If an instruction needs more registers of a class than the scratch set
//!   offers, the allocator *borrows* an allocatable register that no operand of
//!   the instruction uses: its value is stored to an extra spill slot in
//!   `Before(i)` and reloaded in `After(i)` (for a branch: at `Before` of the
//!   first instruction of each successor, ahead of that instruction's own
//!   edits).
//! - Edits at `Before(i)` of a branch therefore run before the branch reads
//!   its operands; no edit is ever placed at `After(i)` of a branch.
//! - In [`Mode::Optimizing`] a vreg's interval is split into children, each
//!   with one location (see the `split` module: Wimmer & Mössenböck 2005).
//!   On top of the edits above there are moves between children at
//!   `Before(i)` of the instruction where one ends and the next begins (ahead
//!   of that instruction's own edits), and edge moves where a value live
//!   across a CFG edge is in different places at the two ends: at
//!   `Before(first instruction)` of a successor with a single predecessor
//!   (after any restores of borrowed registers, before everything else), or
//!   else at `Before(branch)` of the predecessor, after the branch's own
//!   edits. Such a branch must have a single successor and no operands,
//!   otherwise [`RegAllocError::InvalidInput`] is reported (critical edges
//!   must be split).
//! - In [`Mode::Optimizing`], a vreg for which [`Function::remat_constant`]
//!   returns a constant has no spill slot: where one of its stack children
//!   would be reloaded (a split or edge move, or an operand's reload at an
//!   instruction) there is an [`Edit::Remat`] into the register instead
//!   (after the other edits of its point and priority: at `Before(i)`,
//!   after the parallel move it belongs to), and stores are dropped. An
//!   `Any` operand of such a vreg in a stack child gets a scratch register.
//! - Spill slots are shared between values whose lifetimes do not overlap
//!   (in [`Mode::Optimizing`]: one slot per vreg, spanning its stack
//!   children).
//!
//! ## Program points
//! Each instruction `i` has two points: `Before(i)` (early: where uses are
//! read and early defs written) and `After(i)` (late: where late defs are
//! written). Edits at `Before(i)` run before the instruction; edits at
//! `After(i)` run after it (for a branch, they are not allowed: the allocator
//! places edge moves at the start of the successor or before the branch).

#![forbid(unsafe_code)]

use std::fmt;

pub mod checker;
mod hull;
mod linear_scan;
pub mod moves;
mod split;
#[doc(hidden)]
pub mod testing;
#[cfg(test)]
mod tests;

/// The class of a register: which register file a value lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RegClass {
    /// General-purpose integer registers (also pointers).
    Int = 0,
    /// Floating-point / vector registers.
    Float = 1,
}

impl RegClass {
    /// Both classes, in index order.
    pub const ALL: [RegClass; 2] = [RegClass::Int, RegClass::Float];
}

/// A physical register: a class and a hardware encoding (0..=63).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PReg(u8);

impl PReg {
    /// The number of distinct `PReg` indices (64 per class).
    pub const NUM_INDEX: usize = 128;

    /// A register of `class` with hardware encoding `hw_enc` (< 64).
    pub const fn new(hw_enc: u8, class: RegClass) -> PReg {
        assert!(hw_enc < 64);
        PReg(hw_enc | ((class as u8) << 6))
    }
    /// The hardware encoding.
    pub const fn hw_enc(self) -> u8 {
        self.0 & 63
    }
    /// The class.
    pub const fn class(self) -> RegClass {
        if self.0 >> 6 == 0 {
            RegClass::Int
        } else {
            RegClass::Float
        }
    }
    /// A dense index in `0..NUM_INDEX`.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
    /// The register with dense index `index`.
    pub const fn from_index(index: usize) -> PReg {
        PReg(index as u8)
    }
}

impl fmt::Debug for PReg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.class() {
            RegClass::Int => write!(f, "p{}i", self.hw_enc()),
            RegClass::Float => write!(f, "p{}f", self.hw_enc()),
        }
    }
}

/// A set of physical registers (a 128-bit mask over [`PReg::index`]).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PRegSet(u128);

impl PRegSet {
    /// The empty set.
    pub const fn empty() -> Self {
        PRegSet(0)
    }
    /// Adds a register.
    pub const fn with(self, r: PReg) -> Self {
        PRegSet(self.0 | (1u128 << r.index()))
    }
    /// Adds a register in place.
    pub fn add(&mut self, r: PReg) {
        self.0 |= 1u128 << r.index();
    }
    /// Removes a register in place.
    pub fn remove(&mut self, r: PReg) {
        self.0 &= !(1u128 << r.index());
    }
    /// Whether `r` is in the set.
    pub const fn contains(self, r: PReg) -> bool {
        self.0 & (1u128 << r.index()) != 0
    }
    /// Union of two sets.
    pub const fn union(self, other: Self) -> Self {
        PRegSet(self.0 | other.0)
    }
    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The registers in the set, in index order.
    pub fn iter(self) -> impl Iterator<Item = PReg> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            if bits == 0 {
                return None;
            }
            let i = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            Some(PReg::from_index(i))
        })
    }
}

impl fmt::Debug for PRegSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// A virtual register: a dense index (below 2^31) and a class, packed into
/// one `u32` (the class in the top bit) so that an [`Operand`] is 8 bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VReg(u32);

/// Ordered by index, then class.
impl Ord for VReg {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.index(), self.class()).cmp(&(other.index(), other.class()))
    }
}

impl PartialOrd for VReg {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl VReg {
    /// The class bit of the packed form.
    const FLOAT_BIT: u32 = 1 << 31;
    /// The largest index a `VReg` can have.
    pub const MAX_INDEX: usize = (1 << 31) - 1;

    /// Virtual register number `index` of `class` (`index` at most
    /// [`VReg::MAX_INDEX`]; higher bits are dropped).
    pub const fn new(index: usize, class: RegClass) -> VReg {
        let index = index as u32 & !Self::FLOAT_BIT;
        VReg(match class {
            RegClass::Int => index,
            RegClass::Float => index | Self::FLOAT_BIT,
        })
    }
    /// Its dense index (`< Function::num_vregs()`).
    #[inline]
    pub const fn index(self) -> usize {
        (self.0 & !Self::FLOAT_BIT) as usize
    }
    /// Its class.
    #[inline]
    pub const fn class(self) -> RegClass {
        if self.0 & Self::FLOAT_BIT == 0 {
            RegClass::Int
        } else {
            RegClass::Float
        }
    }
}

impl fmt::Debug for VReg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.index())
    }
}

/// A block index (layout order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Block(pub u32);

impl Block {
    /// Its index.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

/// An instruction index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Inst(pub u32);

impl Inst {
    /// Its index.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

/// A half-open range of instructions `first..last`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstRange {
    /// The first instruction.
    pub first: Inst,
    /// One past the last instruction.
    pub last: Inst,
}

impl InstRange {
    /// The instructions in order.
    pub fn iter(self) -> impl DoubleEndedIterator<Item = Inst> {
        (self.first.0..self.last.0).map(Inst)
    }
    /// The number of instructions.
    pub fn len(self) -> usize {
        (self.last.0 - self.first.0) as usize
    }
    /// Whether the range is empty.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

/// Whether an operand reads or writes its virtual register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperandKind {
    /// Read.
    Use,
    /// Written.
    Def,
}

/// When an operand is read or written relative to the instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperandPos {
    /// At `Before(i)`: uses are always early; an early def is written before
    /// the uses are read, so it may not share a register with any use.
    Early,
    /// At `After(i)`: a late def may share a register with a use that dies here.
    Late,
}

/// Where an operand must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperandConstraint {
    /// A register or a spill slot.
    Any,
    /// Any allocatable register of the class.
    Reg,
    /// Exactly this register.
    FixedReg(PReg),
    /// (Defs only.) The same register as use operand number `n` of this
    /// instruction: a two-address instruction. The use's value is consumed.
    Reuse(u8),
}

/// One operand of an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Operand {
    /// The virtual register.
    pub vreg: VReg,
    /// The constraint.
    pub constraint: OperandConstraint,
    /// Use or def.
    pub kind: OperandKind,
    /// Early or late.
    pub pos: OperandPos,
}

impl Operand {
    /// An early use with `constraint`.
    pub const fn new_use(vreg: VReg, constraint: OperandConstraint) -> Self {
        Operand {
            vreg,
            constraint,
            kind: OperandKind::Use,
            pos: OperandPos::Early,
        }
    }
    /// A late def with `constraint`.
    pub const fn new_def(vreg: VReg, constraint: OperandConstraint) -> Self {
        Operand {
            vreg,
            constraint,
            kind: OperandKind::Def,
            pos: OperandPos::Late,
        }
    }
    /// An early def with `constraint`.
    pub const fn new_early_def(vreg: VReg, constraint: OperandConstraint) -> Self {
        Operand {
            vreg,
            constraint,
            kind: OperandKind::Def,
            pos: OperandPos::Early,
        }
    }
    /// A use in any register.
    pub const fn reg_use(vreg: VReg) -> Self {
        Self::new_use(vreg, OperandConstraint::Reg)
    }
    /// A late def in any register.
    pub const fn reg_def(vreg: VReg) -> Self {
        Self::new_def(vreg, OperandConstraint::Reg)
    }
    /// A use in a fixed register.
    pub const fn fixed_use(vreg: VReg, preg: PReg) -> Self {
        Self::new_use(vreg, OperandConstraint::FixedReg(preg))
    }
    /// A late def in a fixed register.
    pub const fn fixed_def(vreg: VReg, preg: PReg) -> Self {
        Self::new_def(vreg, OperandConstraint::FixedReg(preg))
    }
    /// A late def that reuses the register of use operand `idx`.
    pub const fn reuse_def(vreg: VReg, idx: u8) -> Self {
        Self::new_def(vreg, OperandConstraint::Reuse(idx))
    }
}

/// A spill slot. Slots of class `Int` are 8 bytes, of class `Float` 16 bytes
/// (room for a 128-bit vector); the client maps slot indices to frame offsets
/// with arithmetic of its own, using [`Output::num_spillslots`] 16-byte
/// units.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpillSlot(pub u32);

impl SpillSlot {
    /// Its index: the slot occupies bytes `16 * index .. 16 * index + 16` of
    /// the spill area.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Debug for SpillSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ss{}", self.0)
    }
}

/// Where a value is.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Allocation {
    /// Not allocated (an operand never has this).
    #[default]
    None,
    /// In a register.
    Reg(PReg),
    /// In a spill slot.
    Stack(SpillSlot),
}

impl Allocation {
    /// The register, if it is one.
    pub fn as_reg(self) -> Option<PReg> {
        match self {
            Allocation::Reg(r) => Some(r),
            _ => None,
        }
    }
    /// The spill slot, if it is one.
    pub fn as_stack(self) -> Option<SpillSlot> {
        match self {
            Allocation::Stack(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Debug for Allocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Allocation::None => write!(f, "none"),
            Allocation::Reg(r) => write!(f, "{r:?}"),
            Allocation::Stack(s) => write!(f, "{s:?}"),
        }
    }
}

/// A program point: before or after an instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProgPoint(u32);

impl ProgPoint {
    /// Before instruction `i` (early).
    pub const fn before(i: Inst) -> Self {
        ProgPoint(i.0 * 2)
    }
    /// After instruction `i` (late).
    pub const fn after(i: Inst) -> Self {
        ProgPoint(i.0 * 2 + 1)
    }
    /// The instruction.
    pub const fn inst(self) -> Inst {
        Inst(self.0 / 2)
    }
    /// Whether this is the `After` point.
    pub const fn is_after(self) -> bool {
        self.0 & 1 == 1
    }
}

/// An edit to insert at a program point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Copy the value of class `class` in `from` to `to`. At most one of the two
    /// is a spill slot: the allocator never asks for a memory-to-memory move.
    Move {
        /// Source.
        from: Allocation,
        /// Destination.
        to: Allocation,
        /// The class of the value moved (decides the width of the copy).
        class: RegClass,
    },
    /// Put the constant `value` (the bits [`Function::remat_constant`]
    /// returned for `vreg`) into `to`, which is always a register of class
    /// `class` (only [`Mode::Optimizing`] emits these). It reads no location,
    /// and must be emitted without touching any other register (or the
    /// machine's flags: it may sit between a flag-setting instruction and
    /// its consumer, like any move).
    Remat {
        /// The vreg whose value is re-created (for the checker).
        vreg: VReg,
        /// The constant's bits, as returned by [`Function::remat_constant`].
        value: u64,
        /// Destination (a register).
        to: Allocation,
        /// The class of the value.
        class: RegClass,
    },
}

/// The registers the allocator may use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineEnv {
    /// Allocatable registers per class (index by `RegClass as usize`), in
    /// order of preference. Registers used only as fixed constraints need not
    /// appear here.
    pub regs: [Vec<PReg>; 2],
    /// Scratch registers per class that the allocator keeps for itself (to
    /// reload spilled operands and to break move cycles). They are never
    /// allocatable, never fixed constraints, and their values do not survive
    /// from one instruction to the next.
    pub scratch: [Vec<PReg>; 2],
}

/// How hard to work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mode {
    /// Baseline: whole intervals (with holes), no splitting; a spilled value
    /// lives in its slot and is reloaded into a scratch register at each use
    /// that needs a register.
    #[default]
    Fast,
    /// Optimizing: intervals are split (before a register is needed by
    /// another value, around calls, before uses after a spill, preferably at
    /// block boundaries outside loops) and each child gets a register or the
    /// vreg's spill slot; spill weights count uses by `10^loop_depth` per
    /// program point; hints coalesce copies, two-address and fixed-register
    /// operands; moves connect children inside blocks and on CFG edges.
    Optimizing,
}

/// Allocation options.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// The allocation strategy.
    pub mode: Mode,
    /// Run the symbolic checker on the result and fail if it finds an error.
    pub validate: bool,
    /// How live intervals are computed.
    pub liveness: LivenessMode,
}

/// How live intervals are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LivenessMode {
    /// Exact intervals (with lifetime holes) from per-block liveness sets,
    /// unless the sets would be huge (blocks × vregs live across blocks over
    /// 2^24 bits): then conservative ones, as with `Conservative`.
    #[default]
    Auto,
    /// Always exact, however large the sets.
    Exact,
    /// Conservative intervals without per-block sets: one range per vreg,
    /// from its first occurrence to its last, extended over the loops it
    /// lives across; linear time. Allocation then runs in [`Mode::Fast`].
    /// Needs a CFG laid out with loops contiguous and entered only at their
    /// headers (as a structured frontend produces); for any other CFG the
    /// intervals are exact. For tests of this path on small functions.
    Conservative,
}

/// What the client exposes to the allocator.
pub trait Function {
    /// The number of instructions.
    fn num_insts(&self) -> usize;
    /// The number of blocks.
    fn num_blocks(&self) -> usize;
    /// The entry block (no predecessors).
    fn entry_block(&self) -> Block {
        Block(0)
    }
    /// The instructions of block `b`.
    fn block_insns(&self, b: Block) -> InstRange;
    /// The successors of `b` (in the order of the branch's targets).
    fn block_succs(&self, b: Block) -> &[Block];
    /// The predecessors of `b`.
    fn block_preds(&self, b: Block) -> &[Block];
    /// Whether `i` returns from the function (ends a block, no successors).
    fn is_ret(&self, i: Inst) -> bool;
    /// Whether `i` is a branch (ends a block with successors).
    fn is_branch(&self, i: Inst) -> bool;
    /// The operands of `i`.
    fn inst_operands(&self, i: Inst) -> &[Operand];
    /// The physical registers `i` clobbers (a call's caller-saved set). A
    /// clobbered register may also be a fixed def of the same instruction.
    fn inst_clobbers(&self, i: Inst) -> PRegSet;
    /// The number of virtual registers (`VReg::index` < this).
    fn num_vregs(&self) -> usize;
    /// Whether `i` is a plain copy: exactly two operands, a use and a def of
    /// the same class with `Reg` or `Any` constraints. The allocator then
    /// prefers to give both the same location, so the client can drop the
    /// copy when the two allocations are equal.
    fn is_move(&self, _i: Inst) -> bool {
        false
    }
    /// The loop depth of `b` (0 outside loops); used for spill weights.
    fn block_loop_depth(&self, _b: Block) -> u32 {
        0
    }
    /// If `vreg` is a constant, its bits: the exact register contents its
    /// definition produces. Then `vreg` must have exactly one definition in
    /// the whole function, an instruction that only materializes this
    /// constant, and the client must be able to emit [`Edit::Remat`] of
    /// `vreg` into any register of its class. In [`Mode::Optimizing`] such
    /// a vreg is never stored to a spill slot: where it would be reloaded,
    /// the allocator asks for an [`Edit::Remat`] instead. The default (no
    /// constants) disables rematerialization.
    fn remat_constant(&self, _vreg: VReg) -> Option<u64> {
        None
    }
}

/// The allocation of a whole function.
#[derive(Clone, Debug, Default)]
pub struct Output {
    /// The allocations of all operands, instruction after instruction.
    pub allocs: Vec<Allocation>,
    /// `allocs[inst_alloc_offsets[i]..]` are the allocations of instruction
    /// `i`'s operands, in operand order.
    pub inst_alloc_offsets: Vec<u32>,
    /// Edits sorted by program point (stable: edits at one point run in order).
    pub edits: Vec<(ProgPoint, Edit)>,
    /// The number of 16-byte spill slots used.
    pub num_spillslots: usize,
    /// Edge blocks whose moves may run early, in ascending order
    /// ([`Mode::Optimizing`] only). Each is a block of copies
    /// ([`Function::is_move`]) and a jump back (to a block not after the
    /// branch's), whose only predecessor ends in a branch to two different
    /// blocks; its copies and edits only write registers, and none of those
    /// registers holds a value live into the branch's other successor. (A
    /// forward edge block usually falls through into its target, and
    /// folding it would only add a jump.) A client may
    /// then run the copies and edits, in order, after the branch has
    /// evaluated its condition and before it transfers control (with
    /// nothing in between that they could disturb, such as flags), and
    /// branch straight to the edge block's successor: the loop back edge
    /// `jcc exit; mov; jmp header` becomes `mov; jcc header`.
    pub hoistable_edges: Vec<u32>,
}

impl Output {
    /// The allocations of instruction `i`'s operands.
    pub fn inst_allocs(&self, i: Inst) -> &[Allocation] {
        let start = self.inst_alloc_offsets[i.index()] as usize;
        let end = self
            .inst_alloc_offsets
            .get(i.index() + 1)
            .map_or(self.allocs.len(), |&e| e as usize);
        &self.allocs[start..end]
    }
}

/// Why allocation failed. These are bugs in the client or the allocator,
/// never properties of the user's program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegAllocError {
    /// The client broke an invariant of [`Function`].
    InvalidInput(String),
    /// The constraints of one instruction cannot be met (e.g. two uses fixed
    /// to one register with different values).
    Unsatisfiable(String),
    /// The checker found the allocation incorrect.
    CheckerFailed(String),
}

impl fmt::Display for RegAllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegAllocError::InvalidInput(m) => write!(f, "invalid allocator input: {m}"),
            RegAllocError::Unsatisfiable(m) => write!(f, "unsatisfiable constraints: {m}"),
            RegAllocError::CheckerFailed(m) => write!(f, "allocation checker failed: {m}"),
        }
    }
}

impl std::error::Error for RegAllocError {}

/// Reusable allocator state: the buffers of every pass. Allocating many
/// functions with one `Context` (one after the other) reuses them instead of
/// allocating memory for each function. [`allocate`] keeps one per thread.
#[derive(Default)]
pub struct Context {
    ctx: linear_scan::Ctx,
}

impl Context {
    /// A context with empty buffers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Allocates registers for `func` (like [`allocate`]).
    pub fn allocate<F: Function>(
        &mut self,
        func: &F,
        env: &MachineEnv,
        options: &Options,
    ) -> Result<Output, RegAllocError> {
        let output = linear_scan::run(func, env, options.mode, options.liveness, &mut self.ctx);
        if self.ctx.is_oversized() {
            // Do not keep the memory of a huge function around.
            self.ctx = linear_scan::Ctx::default();
        }
        let output = output?;
        if options.validate {
            checker::check(func, env, &output).map_err(RegAllocError::CheckerFailed)?;
        }
        Ok(output)
    }

    /// Hands back an [`Output`] the client is done with: the next
    /// allocation reuses its vectors instead of allocating its own.
    pub fn recycle(&mut self, output: Output) {
        self.ctx.fixup_spare(output);
    }
}

thread_local! {
    static CONTEXT: std::cell::RefCell<Context> = std::cell::RefCell::new(Context::new());
}

/// Hands `output` back to this thread's [`Context`] (see
/// [`Context::recycle`]), for [`allocate`] to reuse its vectors.
pub fn recycle(output: Output) {
    let _ = CONTEXT.try_with(|c| {
        if let Ok(mut c) = c.try_borrow_mut() {
            c.recycle(output);
        }
    });
}

/// Allocates registers for `func`, reusing this thread's [`Context`].
pub fn allocate<F: Function>(
    func: &F,
    env: &MachineEnv,
    options: &Options,
) -> Result<Output, RegAllocError> {
    CONTEXT
        .try_with(|c| match c.try_borrow_mut() {
            Ok(mut c) => Some(c.allocate(func, env, options)),
            // (Only if a `Function` method allocates re-entrantly.)
            Err(_) => None,
        })
        .ok()
        .flatten()
        // (Or while the thread's storage is being torn down.)
        .unwrap_or_else(|| Context::new().allocate(func, env, options))
}
