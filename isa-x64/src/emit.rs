//! Emission: allocated [`VCode`] → x86-64 machine code with dynasm.
//!
//! This is the only module that uses `dynasm!`, always through the local
//! `x64!` macro that forces `.arch x64` (so cross builds encode x86-64).
//! Registers are dynamic (`Rq(n)`, `Rd(n)`, `Rx(n)`): dynasm then always emits
//! a REX prefix, which also makes `Rb(6)` mean `sil` rather than `dh`.
//!
//! Encodings are the short ones where the operand allows: 8-bit
//! displacements (`mem_op!`, `at_op!`), sign-extended 8-bit immediates
//! for the ALU operations and `cmp`, and 2-byte jumps: backwards to a label
//! already placed within reach, and forwards where the code in between is
//! estimated within reach (no relaxation pass: each instruction kind has a
//! size estimate, and a function whose 2-byte jumps turn out too short is
//! emitted again with those long; see [`Emitter::fwd_short`]). dynasm fixes
//! an operand's size when the macro expands, so each form is chosen at run
//! time among expansions, and the two it cannot select (`cmp r, imm8` for a
//! dynamic register, `jcc`/`jmp rel8` to a dynamic label) are written as
//! bytes. `tests/encoding.rs` checks all of this over decoded code.
//!
//! Layout of the emitted code: prologue (with the stack check; see
//! [`Emitter::plan_wrap`] for code that runs without one), the blocks in
//! layout order with the allocator's edits inserted, the out-of-line trap
//! stubs (`ud2`, one per trapping instruction and trap code), then data: the
//! jump tables (4-byte aligned, entries are `target - table` as `i32`) and
//! the float constant pool, read RIP-relative: 16-byte aligned sign masks
//! for `xorps`/`andps`, then one 8-byte entry per distinct non-zero
//! constant, for `movsd` and `ucomis`.

// dynasm's expansion converts dynamic register numbers with `.into()`.
#![allow(clippy::useless_conversion)]

use dynasm::dynasm;
use dynasmrt::x64::X64Relocation;
use dynasmrt::{DynamicLabel, DynasmApi, DynasmLabelApi, VecAssembler};
use smallvec::SmallVec;
use strata_ir::vmctx::{HEAP_BASE, STACK_LIMIT_PTR, STACK_LIMIT_SLACK};
use strata_ir::{FloatCC, IntCC, LoadOp, StoreOp, TrapCode};
use strata_regalloc::{Allocation, Edit, Output, ProgPoint, RegClass};

use crate::abi;
use crate::inst::{
    AluOp, BitOp, CallTarget, CmpKind, DivKind, ExtOp, FpuOp, MInst, RmwPlace, ShiftOp, Size, VCode,
};
use crate::magic::{self, DivPlan};
use crate::{CompileError, CompiledFunction};

/// `dynasm!` with the architecture forced to x86-64.
macro_rules! x64 {
    ($ops:expr; $($t:tt)*) => {
        dynasm!($ops ; .arch x64 ; $($t)*)
    };
}

/// Expands `$body` (an `x64!` invocation whose memory operand is written
/// `[MEM]`) once per addressing form of the [`Mem`] `$m`, each with the
/// shortest displacement that holds its offset: none (a zero offset from
/// `r15`), 8 bits or 32 bits. (A dynamic base register gets at least an
/// 8-bit displacement from dynasm, which cannot tell `rbp` or `r13` apart
/// at expansion time.)
macro_rules! mem_op {
    ($self:ident, $m:expr, |$a:ident| x64!($asm:ident; $($t:tt)*)) => {{
        let m: Mem = $m;
        let b = m.base;
        let off = m.off;
        let $a = &mut $self.asm;
        mem_op!(@expand $a, m, b, off, [] $($t)*)
    }};
    (@expand $a:ident, $m:ident, $b:ident, $off:ident, [$($pre:tt)*] [MEM] $($post:tt)*) => {
        match $m.index {
            Some((_, 1)) if $m.heap => mem_op!(@heap $a, $off, [$($pre)*] [r15 + Rq($b) * 2] [$($post)*]),
            Some((_, 2)) if $m.heap => mem_op!(@heap $a, $off, [$($pre)*] [r15 + Rq($b) * 4] [$($post)*]),
            Some((_, 3)) if $m.heap => mem_op!(@heap $a, $off, [$($pre)*] [r15 + Rq($b) * 8] [$($post)*]),
            _ if $m.heap => mem_op!(@heap $a, $off, [$($pre)*] [r15 + Rq($b)] [$($post)*]),
            None => mem_op!(@disp $a, $off, [$($pre)*] [Rq($b)] [$($post)*]),
            Some((i, 0)) => mem_op!(@disp $a, $off, [$($pre)*] [Rq($b) + Rq(i)] [$($post)*]),
            Some((i, 1)) => mem_op!(@disp $a, $off, [$($pre)*] [Rq($b) + Rq(i) * 2] [$($post)*]),
            Some((i, 2)) => mem_op!(@disp $a, $off, [$($pre)*] [Rq($b) + Rq(i) * 4] [$($post)*]),
            Some((i, _)) => mem_op!(@disp $a, $off, [$($pre)*] [Rq($b) + Rq(i) * 8] [$($post)*]),
        }
    };
    (@expand $a:ident, $m:ident, $b:ident, $off:ident, [$($pre:tt)*] $t:tt $($post:tt)*) => {
        mem_op!(@expand $a, $m, $b, $off, [$($pre)* $t] $($post)*)
    };
    // `r15` as the base needs no displacement for a zero offset.
    (@heap $a:ident, $off:ident, [$($pre:tt)*] [$($ea:tt)*] [$($post:tt)*]) => {
        if $off == 0 {
            x64!($a; $($pre)* [$($ea)*] $($post)*)
        } else {
            mem_op!(@disp $a, $off, [$($pre)*] [$($ea)*] [$($post)*])
        }
    };
    (@disp $a:ident, $off:ident, [$($pre:tt)*] [$($ea:tt)*] [$($post:tt)*]) => {
        match i8::try_from($off) {
            Ok(d) => x64!($a; $($pre)* [BYTE $($ea)* + d] $($post)*),
            Err(_) => x64!($a; $($pre)* [$($ea)* + $off] $($post)*),
        }
    };
}

/// Like `mem_op!` for `[$base + $off]` with a fixed base register
/// (`rbp`, `rsp`, `r14`): no displacement for a zero offset (except from
/// `rbp`), else 8 or 32 bits. A fixed base needs no SIB byte unless it is
/// `rsp`, where a dynamic one always takes one.
macro_rules! at_op {
    ($self:ident, $base:ident, $off:expr, |$a:ident| x64!($asm:ident; $($t:tt)*)) => {{
        let off: i32 = $off;
        let $a = &mut $self.asm;
        at_op!(@expand $a, $base, off, [] $($t)*)
    }};
    (@expand $a:ident, $base:ident, $off:ident, [$($pre:tt)*] [MEM] $($post:tt)*) => {
        match i8::try_from($off) {
            Ok(0) => x64!($a; $($pre)* [$base] $($post)*),
            Ok(d) => x64!($a; $($pre)* [BYTE $base + d] $($post)*),
            Err(_) => x64!($a; $($pre)* [$base + $off] $($post)*),
        }
    };
    (@expand $a:ident, $base:ident, $off:ident, [$($pre:tt)*] $t:tt $($post:tt)*) => {
        at_op!(@expand $a, $base, $off, [$($pre)* $t] $($post)*)
    };
}

/// An x86 condition code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Cond {
    E,
    NE,
    L,
    LE,
    G,
    GE,
    B,
    BE,
    A,
    AE,
    P,
    NP,
    S,
    NO,
}

impl Cond {
    /// The condition testing `IntCC` after `cmp a, b`.
    pub fn from_intcc(cc: IntCC) -> Cond {
        match cc {
            IntCC::Equal => Cond::E,
            IntCC::NotEqual => Cond::NE,
            IntCC::SignedLessThan => Cond::L,
            IntCC::SignedLessThanOrEqual => Cond::LE,
            IntCC::SignedGreaterThan => Cond::G,
            IntCC::SignedGreaterThanOrEqual => Cond::GE,
            IntCC::UnsignedLessThan => Cond::B,
            IntCC::UnsignedLessThanOrEqual => Cond::BE,
            IntCC::UnsignedGreaterThan => Cond::A,
            IntCC::UnsignedGreaterThanOrEqual => Cond::AE,
        }
    }
}

impl Cond {
    /// The condition's number in the encodings (`jcc rel8` is `0x70 +`
    /// it).
    fn code(self) -> u8 {
        match self {
            Cond::NO => 0x1,
            Cond::B => 0x2,
            Cond::AE => 0x3,
            Cond::E => 0x4,
            Cond::NE => 0x5,
            Cond::BE => 0x6,
            Cond::A => 0x7,
            Cond::S => 0x8,
            Cond::P => 0xa,
            Cond::NP => 0xb,
            Cond::L => 0xc,
            Cond::GE => 0xd,
            Cond::LE => 0xe,
            Cond::G => 0xf,
        }
    }

    /// The negated condition.
    pub fn inv(self) -> Cond {
        match self {
            Cond::E => Cond::NE,
            Cond::NE => Cond::E,
            Cond::L => Cond::GE,
            Cond::LE => Cond::G,
            Cond::G => Cond::LE,
            Cond::GE => Cond::L,
            Cond::B => Cond::AE,
            Cond::BE => Cond::A,
            Cond::A => Cond::BE,
            Cond::AE => Cond::B,
            Cond::P => Cond::NP,
            Cond::NP => Cond::P,
            Cond::S => Cond::NO, // not used negated
            Cond::NO => Cond::S,
        }
    }
}

/// The condition tested after a [`CmpKind`] has set the flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Test {
    /// One x86 condition.
    One(Cond),
    /// Float equal: ZF and not PF.
    FEq,
    /// Float not equal: not ZF or PF.
    FNe,
}

impl Test {
    fn of(cmp: CmpKind) -> Test {
        match cmp {
            CmpKind::Cmp { cc, .. } | CmpKind::CmpImm { cc, .. } | CmpKind::CmpMem { cc, .. } => {
                Test::One(Cond::from_intcc(cc))
            }
            CmpKind::Test { zero, .. } | CmpKind::TestImm { zero, .. } => {
                Test::One(if zero { Cond::E } else { Cond::NE })
            }
            CmpKind::Fcmp { cc, .. } => match cc {
                FloatCC::Equal => Test::FEq,
                FloatCC::NotEqual => Test::FNe,
                // `ucomis a, b` (`b, a` for lt/le): above is ordered-greater.
                FloatCC::GreaterThan | FloatCC::LessThan => Test::One(Cond::A),
                FloatCC::GreaterThanOrEqual | FloatCC::LessThanOrEqual => Test::One(Cond::AE),
            },
        }
    }
}

/// The machine-code assembler with its reusable buffers.
pub struct Emitter {
    asm: VecAssembler<X64Relocation>,
    block_labels: Vec<DynamicLabel>,
    /// Per block: the block whose code runs when it is entered (itself, or
    /// for a block that is only a jump without edits, its final target).
    resolved: Vec<u32>,
    /// (label, code, srcloc, frameless) of each out-of-line trap stub;
    /// `frameless` when the instruction that branches to it runs without
    /// a frame (see [`Emitter::frameless_traps`]).
    stubs: Vec<(DynamicLabel, TrapCode, u32, bool)>,
    cur_stubs: SmallVec<[(TrapCode, DynamicLabel); 4]>,
    cur_srcloc: u32,
    trap_sites: Vec<(u32, TrapCode)>,
    /// The trap sites (code offsets) reached without a frame, where the
    /// caller's return address is at `[rsp]` (see
    /// [`CompiledFunction::frameless_traps`]).
    frameless_traps: Vec<u32>,
    addr_map: Vec<(u32, u32)>,
    jt_labels: Vec<DynamicLabel>,
    jt_fixups: Vec<(usize, DynamicLabel, DynamicLabel)>,
    frame_sub: u32,
    /// Whether the prologue saves r14 at [rbp - 8] (only for a function
    /// that makes indirect calls: see `VCode::indirect_calls`).
    save_vmctx: bool,
    /// The callee-saved registers the function writes (hardware numbers),
    /// saved by the prologue and restored by every return (but see
    /// [`Emitter::wrap`]).
    saved: SmallVec<[u8; 3]>,
    /// Shrink-wrapping: when the entry block branches to an early exit that
    /// never touches a callee-saved register, the block (the other
    /// successor) at whose start the saves go instead of the prologue, and
    /// per block whether it belongs to the early exit (its returns restore
    /// nothing). See [`Emitter::plan_wrap`].
    wrap: Option<u32>,
    early_exit: Vec<u8>,
    wrap_stack: Vec<u32>,
    /// Whether a return emitted now restores the saved registers.
    restore_saved: bool,
    /// With [`Emitter::wrap`]: whether the entry block and the early exit
    /// run without a frame, the whole prologue going to the start of the
    /// wrapped block (see [`Emitter::plan_wrap`]).
    frameless_exit: bool,
    /// Whether a return emitted now is in that frameless part, or in a
    /// leaf without a frame (a bare `ret`).
    in_frameless: bool,
    /// Out-of-line paths of the tier checks.
    tier_stubs: Vec<TierStub>,
    /// `(end, r, size)`: the instruction ending at code offset `end` (an
    /// `add`, `sub`, `and`, `or` or `xor` into register `r` at `size`) left
    /// the zero and sign flags of `r`'s value, so that a `test r,r` right
    /// after it, for a condition on zero, is not needed. (A block start
    /// clears it: other paths may branch there.)
    zf: Option<(u32, u8, Size)>,
    /// `(end, r, class, off)`: the store ending at code offset `end` wrote
    /// register `r` of `class` into the spill slot at `[rbp + off]`, so
    /// that a load of that slot right after it (a value spilled and then
    /// read back by a copy or a move of the next point) is not needed into
    /// `r` and is a register move into another register (no wait for the
    /// store to forward). (A block start clears it, as for `zf`.)
    stored: Option<(u32, u8, RegClass, i32)>,
    /// `(end, d, s, class)`: the register move ending at code offset `end`
    /// copied `s` into `d`, so that a move of `d` into `s` right after it
    /// (a split move followed by a move into a fixed register, `mov
    /// r12,rsi; mov rsi,r12`) is not needed. (A block start clears it.)
    moved: Option<(u32, u8, u8, RegClass)>,
    osr_returns: Vec<u32>,
    /// The float constant pool of the function being emitted: bits → label
    /// of its entry, and the entries in order of first use.
    fconst_labels: std::collections::HashMap<u64, DynamicLabel>,
    fconsts: Vec<(u64, DynamicLabel)>,
    /// Per block of the function being emitted: whether a jump table
    /// branches to it (empty without jump tables).
    jt_target: Vec<bool>,
    /// The 16-byte entries (sign masks; at most four distinct).
    fconsts16: Vec<(u64, DynamicLabel)>,
    /// The rbp offset of the spill slot behind each [`STACK`] operand of
    /// the instruction being emitted.
    stack_offs: Vec<i32>,
    /// The operand registers of the instruction being emitted (a buffer
    /// kept across instructions and functions).
    regs: Vec<u8>,
    /// The edge block folded into the branch being emitted, if any (see
    /// [`Hoist`]), and its edits.
    hoist: Option<Hoist>,
    hoist_edits: Vec<Edit>,
    /// Forward jumps (see [`Emitter::fwd_short`]): per label id, the
    /// estimated code offset of its place ([`UNKNOWN`] where there is no
    /// estimate); per block, its estimated start and the estimated offset
    /// of its last instruction; the estimated offset of the code being
    /// emitted (a block's start, or its last instruction's offset while
    /// that is emitted).
    label_est: Vec<u32>,
    est_start: Vec<u32>,
    est_last: Vec<u32>,
    est_here: u32,
    /// The estimated end of the blocks (where the trap stubs start).
    est_end: u32,
    /// The 2-byte forward jumps emitted: the offset of the displacement
    /// byte, the target and the jump's site number.
    short_fwd: Vec<(usize, DynamicLabel, u32)>,
    /// Forward jumps met so far in this emission (site numbers, in order).
    fwd_sites: u32,
    /// Bit set of the site numbers that must take 32-bit displacements: a
    /// 2-byte form there fell short in an earlier emission of the function.
    force_long: Vec<u64>,
    /// Whether every forward jump takes a 32-bit displacement (the last
    /// emission of a function whose 2-byte jumps fell out of reach
    /// [`MAX_SHORT_ROUNDS`] times).
    all_long: bool,
    /// Emissions of a function begun again with more jumps forced long
    /// (since the emitter was made).
    reemits: u64,
    /// Test setting: every forward jump's distance is estimated as zero
    /// (see [`Emitter::set_optimistic_jumps`]).
    optimistic: bool,
    /// Whether constant definitions that nothing reads are left out (see
    /// [`dead_constant`]): for code allocated in
    /// [`strata_regalloc::Mode::Optimizing`], whose rematerialized
    /// constants leave such definitions behind. (In the baseline's fast
    /// mode they are rare, a local's initial value overwritten before any
    /// read, and finding them costs 1% of its compile time.)
    drop_dead_constants: bool,
}

/// A conditional branch into an edge block of moves that jumps back (a
/// loop's back edge) whose moves the allocator allows to run on both
/// arms ([`strata_regalloc::Output::hoistable_edges`]): the branch sets the
/// flags, the moves run (`mov` leaves the flags alone), and one conditional
/// jump goes straight to the edge block's target. The edge block is not
/// emitted.
struct Hoist {
    /// The edge block.
    edge: u32,
    /// Where the edge block jumps (resolved).
    target: u32,
    /// The block emitted after the edge block's place, if any.
    after: Option<u32>,
}

/// Whether block `b` can run before the prologue (see
/// [`Emitter::plan_wrap`]): none of its operands or edits is a spill slot,
/// and each instruction is one that reads no frame slot and calls nothing
/// (register, VMContext and heap operations, constants, conversions,
/// divisions, trap checks, branches, returns without results in the
/// frame). Its trap sites (a heap access's own, the out-of-line `ud2` of
/// a check) are recorded as frameless ([`Emitter::frameless_traps`]): the
/// trap handler takes the caller from `[rsp]`.
fn frame_free(vc: &VCode, out: &Output, b: usize) -> bool {
    use strata_regalloc::{Block, Function as _};
    let range = vc.block_insns(Block(b as u32));
    let slot = |a: Allocation| matches!(a, Allocation::Stack(_));
    let insts_ok = range.iter().all(|i| {
        let ok = matches!(
            vc.insts[i.index()],
            MInst::Args
                | MInst::Imm { .. }
                | MInst::FImm { .. }
                | MInst::Copy
                | MInst::Vmctx
                | MInst::Alu { .. }
                | MInst::ShiftX { .. }
                | MInst::Andn { .. }
                | MInst::Shift { .. }
                | MInst::AluImm { .. }
                | MInst::ShiftImm { .. }
                | MInst::Rorx { .. }
                | MInst::Lea { .. }
                | MInst::SetCond { .. }
                | MInst::CondSelect { .. }
                | MInst::AddCarry { .. }
                | MInst::BitCount { .. }
                | MInst::Ext { .. }
                | MInst::Icmp { .. }
                | MInst::Eqz { .. }
                | MInst::Fpu { .. }
                | MInst::FMinMax { .. }
                | MInst::FSign { .. }
                | MInst::Fcopysign { .. }
                | MInst::Fsqrt { .. }
                | MInst::Round { .. }
                | MInst::Fcmp { .. }
                | MInst::IntToFloat { .. }
                | MInst::U64ToFloat { .. }
                | MInst::Promote
                | MInst::Demote
                | MInst::BitcastToFloat { .. }
                | MInst::BitcastToInt { .. }
                | MInst::Select { .. }
                | MInst::VmctxLoad { .. }
                | MInst::VmctxStore { .. }
                | MInst::Jump { .. }
                | MInst::CondBr { .. }
                | MInst::Brif { .. }
                | MInst::Ret
                | MInst::DivConst { .. }
                | MInst::DivRem { .. }
                | MInst::FloatToInt { .. }
                | MInst::Load { .. }
                | MInst::Store { .. }
                | MInst::StoreImm { .. }
                | MInst::AluMem { .. }
                | MInst::FpuMem { .. }
                | MInst::AluRmw { .. }
                | MInst::TrapIf { .. }
                | MInst::CondTrap { .. }
                | MInst::Trap { .. }
        );
        ok && !out.inst_allocs(i).iter().any(|&a| slot(a))
    });
    if !insts_ok {
        return false;
    }
    let edits = &out.edits;
    let lo = edits.partition_point(|e| e.0 < ProgPoint::before(range.first));
    let hi = edits.partition_point(|e| e.0 < ProgPoint::before(range.last));
    edits[lo..hi].iter().all(|(_, e)| match *e {
        Edit::Move { from, to, .. } => !slot(from) && !slot(to),
        Edit::Remat { to, .. } => !slot(to),
    })
}

/// Whether instruction `i`, an integer or float constant (`MInst::Imm`,
/// `MInst::FImm`), puts its value where nothing reads it, so that it need
/// not be emitted. The allocator leaves such definitions behind for
/// rematerializable constants (see `strata_regalloc::Function::remat_constant`):
/// a constant whose value starts out in a stack child (which holds nothing:
/// each reload is a fresh `Edit::Remat`) is defined into a scratch register
/// and the store that would follow is dropped; one whose first register
/// child is split off before any use is defined into a register that the
/// next value then takes. `edits` holds the edits after `Before(i)`, `end`
/// is the end of `i`'s block.
///
/// A scratch register holds nothing from one instruction to the next
/// except through an edit at `After(i)`, so the definition is dead unless
/// such an edit reads it. An allocatable register is followed through the
/// rest of the block: the definition is dead when an edit, a definition or
/// a clobber overwrites the register before an edit or an operand reads it
/// (at the block's end it may be live out: kept).
fn dead_constant(
    vc: &VCode,
    out: &Output,
    i: strata_regalloc::Inst,
    end: strata_regalloc::Inst,
    edits: &[(ProgPoint, Edit)],
) -> bool {
    use strata_regalloc::{Function as _, Inst, OperandKind};
    if !matches!(vc.insts[i.index()], MInst::Imm { .. } | MInst::FImm { .. }) {
        return false;
    }
    let &[Allocation::Reg(r)] = out.inst_allocs(i) else {
        return false;
    };
    let reg = Allocation::Reg(r);
    if crate::regs::is_scratch(r) {
        return !edits
            .iter()
            .take_while(|(at, _)| *at <= ProgPoint::after(i))
            .any(|(_, e)| matches!(*e, Edit::Move { from, .. } if from == reg));
    }
    let mut k = 0;
    for j in i.index() + 1..end.index() {
        let j = Inst(j as u32);
        while let Some((at, e)) = edits.get(k)
            && *at <= ProgPoint::before(j)
        {
            match *e {
                Edit::Move { from, .. } if from == reg => return false,
                Edit::Move { to, .. } | Edit::Remat { to, .. } if to == reg => return true,
                _ => {}
            }
            k += 1;
        }
        if matches!(vc.insts[j.index()], MInst::TierCheck { .. }) {
            return false;
        }
        let mut written = false;
        for (o, &a) in vc.inst_operands(j).iter().zip(out.inst_allocs(j)) {
            if a == reg {
                match o.kind {
                    OperandKind::Use => return false,
                    OperandKind::Def => written = true,
                }
            }
        }
        if written || vc.inst_clobbers(j).contains(r) {
            return true;
        }
    }
    false
}

/// The marks of a block of the early exit, and of one reached from the
/// other successor, in [`Emitter::early_exit`].
const EARLY_EXIT: u8 = 1;
const WRAPPED: u8 = 2;

/// An operand in `regs` that is a spill slot: `STACK | k`, its rbp offset
/// in `stack_offs[k]` (only where [`MInst::may_be_stack`]).
const STACK: u8 = 0x80;

/// An out-of-line tier-check path to emit after the blocks.
struct TierStub {
    slow: DynamicLabel,
    resume: DynamicLabel,
    id: u32,
    /// Where each operand of the check is, and its class.
    allocs: Vec<Allocation>,
    classes: Vec<RegClass>,
    srcloc: u32,
}

/// The caller-saved allocatable integer registers the tier-check path saves
/// (rax, rcx, rdx, rsi, rdi, r8, r9; rbx, r12 and r13 survive the C call).
const TIER_SAVED_INT: [u8; 7] = [0, 1, 2, 6, 7, 8, 9];
/// The number of allocatable float registers (xmm0-xmm13), all saved.
const TIER_SAVED_FLOAT: u8 = 14;
/// Bytes of the save area: the integer registers (padded to 16), then 16
/// per float register.
const TIER_SAVE_AREA: i32 = 64 + 16 * TIER_SAVED_FLOAT as i32;

impl Default for Emitter {
    fn default() -> Self {
        Emitter {
            asm: VecAssembler::new(0),
            block_labels: Vec::new(),
            resolved: Vec::new(),
            stubs: Vec::new(),
            cur_stubs: SmallVec::new(),
            cur_srcloc: 0,
            trap_sites: Vec::new(),
            frameless_traps: Vec::new(),
            addr_map: Vec::new(),
            jt_labels: Vec::new(),
            jt_fixups: Vec::new(),
            frame_sub: 0,
            save_vmctx: true,
            zf: None,
            stored: None,
            moved: None,
            saved: SmallVec::new(),
            wrap: None,
            early_exit: Vec::new(),
            wrap_stack: Vec::new(),
            restore_saved: true,
            frameless_exit: false,
            in_frameless: false,
            tier_stubs: Vec::new(),
            osr_returns: Vec::new(),
            fconst_labels: std::collections::HashMap::new(),
            fconsts: Vec::new(),
            fconsts16: Vec::new(),
            jt_target: Vec::new(),
            stack_offs: Vec::new(),
            regs: Vec::new(),
            hoist: None,
            hoist_edits: Vec::new(),
            label_est: Vec::new(),
            est_start: Vec::new(),
            est_last: Vec::new(),
            est_here: 0,
            est_end: 0,
            short_fwd: Vec::new(),
            fwd_sites: 0,
            force_long: Vec::new(),
            all_long: false,
            reemits: 0,
            optimistic: false,
            drop_dead_constants: false,
        }
    }
}

fn err(msg: impl Into<String>) -> CompileError {
    CompileError(msg.into())
}

fn reg(a: Allocation) -> Result<u8, CompileError> {
    match a {
        Allocation::Reg(r) => Ok(r.hw_enc()),
        other => Err(err(format!(
            "register operand allocated to {other:?} (register expected)"
        ))),
    }
}

/// Alignment of loop headers (bytes): a header sits [`LOOP_HEADER_OFFSET`]
/// bytes past a 64-byte boundary (functions are 64-byte aligned by the
/// runtime), so that a loop of up to 48 bytes sits in one 64-byte fetch
/// line, which measured up to 25% faster on a tight loop (benches/kernels
/// sieve) than unaligned, and neutral elsewhere. Where the code before a
/// header falls through into it, a padding longer than
/// [`MAX_RUN_PADDING`] is jumped over instead of run. Loops that call
/// are not aligned.
const LOOP_ALIGN: u32 = 64;

/// Where a loop header sits in its 64-byte line (bytes past the boundary).
/// On the AMD Zen 5 of the project's machines, loops whose first
/// instruction sat in the first few bytes of a line ran up to twice as
/// slow as the same code 8 bytes or more further on, when their
/// loads and stores address memory through registers that the loop steps
/// (`movsd [r15+rcx],xmm1; ...; add ecx,16; ...; addsd xmm1,[r15+rcx]`):
/// measured natively too, with a hand-written loop at every offset (the
/// same loop with displacements, `[r15+rcx+8]`, ran fast at all of them).
/// At offset 0, the suite's matmul took 1.42 s against 0.75-1.05 s at
/// offset 16, lu 0.75 s against 0.43 s and stencil 0.33 s against 0.28 s
/// in the optimizing tier, and the kernels' matmul 0.65 s against 0.32 s
/// in the baseline tier; programs without such loops moved by a few
/// percent either way (the padding on a path into a loop, run or jumped
/// over, moves with the offset).
const LOOP_HEADER_OFFSET: u32 = 16;

/// The longest alignment padding (bytes) that the code falling through
/// into a loop runs as `nop`s (one 9-byte `nop`); longer padding starts
/// with a 2-byte `jmp` over the rest. A loop entered on every call (the
/// loop around recursion's `fib` call, which is no longer aligned at all:
/// see [`Emitter::loop_headers`]) ran up to seven `nop`s per entry.
/// (Padding less, and so moving the loop, measured 10% slower on sieve.)
const MAX_RUN_PADDING: u32 = 9;

/// Alignment of the blocks a jump table (`br_table`) branches to (bytes):
/// each case of a switch then starts a fresh 32-byte fetch window, as GCC's
/// `-falign-jumps` does. A bytecode interpreter dispatching through one
/// `br_table` (benches/suite interp) measured 0.58-0.64 s aligned against
/// 0.91-0.97 s unaligned, and its speed had moved by a third with unrelated
/// code-size changes before; the other suite programs were unchanged.
const JUMP_TABLE_TARGET_ALIGN: u32 = 32;

/// No estimate of a label's offset: jumps to it keep 32-bit displacements.
const UNKNOWN: u32 = u32::MAX;

/// Emissions of a function after which, if 2-byte forward jumps still fell
/// out of reach, every forward jump is emitted long.
const MAX_SHORT_ROUNDS: u32 = 2;

/// The estimated size (bytes) of an allocator edit (a move, spill, reload
/// or constant; see [`MInst::size_estimate`]).
const EDIT_ESTIMATE: u32 = 7;

/// Estimated padding before a block aligned for a loop or a jump table
/// (the most it can be), and code added at the start of the block that
/// shrink-wrapping saves registers in (the prologue and the saves).
const PAD_ESTIMATE: u32 = LOOP_ALIGN - 1;
const WRAP_ESTIMATE: u32 = 64;

impl Emitter {
    fn off(&self) -> u32 {
        self.asm.offset().0 as u32
    }

    fn label(&mut self) -> DynamicLabel {
        self.asm.new_dynamic_label()
    }

    /// Sets the estimated offset of `l` (see [`Emitter::fwd_short`]).
    fn set_est(&mut self, l: DynamicLabel, at: u32) {
        let id = l.get_id();
        if self.label_est.len() <= id {
            self.label_est.resize(id + 1, UNKNOWN);
        }
        self.label_est[id] = at;
    }

    /// A label placed within the code of the instruction being emitted
    /// (a jump over part of it, at most [`MInst::size_estimate`]'s largest,
    /// 93 bytes): forward jumps to it take the 2-byte form.
    fn near_label(&mut self) -> DynamicLabel {
        let l = self.label();
        self.set_est(l, self.est_here);
        l
    }

    /// The trap stub label of the current instruction for `code`.
    fn stub(&mut self, code: TrapCode) -> DynamicLabel {
        if let Some(&(_, l)) = self.cur_stubs.iter().find(|(c, _)| *c == code) {
            return l;
        }
        let l = self.label();
        // (Each stub is a 2-byte `ud2`, in order after the blocks.)
        self.set_est(l, self.est_end.saturating_add(2 * self.stubs.len() as u32));
        self.cur_stubs.push((code, l));
        self.stubs
            .push((l, code, self.cur_srcloc, self.in_frameless));
        l
    }

    fn trap_site_here(&mut self, code: TrapCode) {
        let off = self.off();
        self.trap_sites.push((off, code));
        if self.in_frameless {
            self.frameless_traps.push(off);
        }
        self.addr_map.push((off, self.cur_srcloc));
    }

    /// The operand of a memory access about to be emitted; a heap access's
    /// instruction is recorded as a `MemoryOutOfBounds` trap site (the guard
    /// pages make it fault).
    fn access(&mut self, heap: bool, r: &[u8], offset: i32, index: Option<u8>) -> Mem {
        if heap {
            self.trap_site_here(TrapCode::MemoryOutOfBounds);
        }
        Mem::new(heap, r, offset, index)
    }

    /// `cmp r, imm`. The sign-extended 8-bit immediate form (`83 /7 ib`) is
    /// encoded here: dynasm picks the 32-bit immediate form for a dynamic
    /// register.
    fn cmp_imm(&mut self, size: Size, r: u8, imm: i32) {
        match (size, i8::try_from(imm)) {
            (_, Ok(b)) => {
                let rex = if size == Size::S64 { 0x48 } else { 0x40 } | (r >> 3);
                self.asm.extend([rex, 0x83, 0xf8 | (r & 7), b as u8]);
            }
            (Size::S32, Err(_)) => x64!(self.asm; cmp Rd(r), imm),
            (Size::S64, Err(_)) => x64!(self.asm; cmp Rq(r), imm),
        }
    }

    /// The 8-bit displacement of a 2-byte jump from here to `l`, when `l`
    /// is already placed (a backward jump) within reach. (For a forward
    /// jump, see [`Emitter::fwd_short`].)
    fn short_to(&self, l: DynamicLabel) -> Option<u8> {
        let target = self.asm.labels().resolve_dynamic(l).ok()?.0 as i64;
        let d = i8::try_from(target - (self.off() as i64 + 2)).ok()?;
        Some(d as u8)
    }

    /// Whether a jump to `l` not placed yet (a forward jump) is emitted in
    /// the 2-byte form, its displacement written once the code is complete
    /// (`short_fwd`). That is when the estimated distance to `l` (from the
    /// size estimates of the code in between, [`MInst::size_estimate`]) is within
    /// reach and this jump's site was not forced long. A distance that
    /// turns out too long for 8 bits makes [`Emitter::emit`] emit the
    /// function again with that site forced long; so an estimate that
    /// falls short costs compile time, never correctness.
    fn fwd_short(&mut self, l: DynamicLabel) -> bool {
        if self.asm.labels().resolve_dynamic(l).is_ok() {
            // Placed already (a backward jump out of reach).
            return false;
        }
        let site = self.fwd_sites;
        self.fwd_sites += 1;
        let forced = self
            .force_long
            .get(site as usize / 64)
            .is_some_and(|w| w & (1 << (site % 64)) != 0);
        let est = match self.label_est.get(l.get_id()).copied() {
            _ if self.all_long => return false,
            Some(_) | None if self.optimistic => self.est_here,
            Some(e) => e,
            None => UNKNOWN,
        };
        if forced || est == UNKNOWN || est < self.est_here || est - self.est_here > 127 + 2 {
            return false;
        }
        self.short_fwd.push((self.off() as usize + 1, l, site));
        true
    }

    fn jcc(&mut self, c: Cond, l: DynamicLabel) {
        if let Some(d) = self.short_to(l) {
            // `jcc rel8` is `0x70 + cc`.
            self.asm.extend([0x70 | c.code(), d]);
            return;
        }
        if self.fwd_short(l) {
            self.asm.extend([0x70 | c.code(), 0]);
            return;
        }
        let a = &mut self.asm;
        match c {
            Cond::E => x64!(a; je =>l),
            Cond::NE => x64!(a; jne =>l),
            Cond::L => x64!(a; jl =>l),
            Cond::LE => x64!(a; jle =>l),
            Cond::G => x64!(a; jg =>l),
            Cond::GE => x64!(a; jge =>l),
            Cond::B => x64!(a; jb =>l),
            Cond::BE => x64!(a; jbe =>l),
            Cond::A => x64!(a; ja =>l),
            Cond::AE => x64!(a; jae =>l),
            Cond::P => x64!(a; jp =>l),
            Cond::NP => x64!(a; jnp =>l),
            Cond::S => x64!(a; js =>l),
            Cond::NO => x64!(a; jno =>l),
        }
    }

    fn cmov(&mut self, c: Cond, d: u8, s: u8) {
        let a = &mut self.asm;
        match c {
            Cond::E => x64!(a; cmove Rq(d), Rq(s)),
            Cond::NE => x64!(a; cmovne Rq(d), Rq(s)),
            Cond::L => x64!(a; cmovl Rq(d), Rq(s)),
            Cond::LE => x64!(a; cmovle Rq(d), Rq(s)),
            Cond::G => x64!(a; cmovg Rq(d), Rq(s)),
            Cond::GE => x64!(a; cmovge Rq(d), Rq(s)),
            Cond::B => x64!(a; cmovb Rq(d), Rq(s)),
            Cond::BE => x64!(a; cmovbe Rq(d), Rq(s)),
            Cond::A => x64!(a; cmova Rq(d), Rq(s)),
            Cond::AE => x64!(a; cmovae Rq(d), Rq(s)),
            Cond::P => x64!(a; cmovp Rq(d), Rq(s)),
            Cond::NP => x64!(a; cmovnp Rq(d), Rq(s)),
            Cond::S => x64!(a; cmovs Rq(d), Rq(s)),
            Cond::NO => x64!(a; cmovno Rq(d), Rq(s)),
        }
    }

    /// The spill slot behind the [`STACK`] operand `r`.
    fn stack_mem(&self, r: u8) -> Mem {
        Mem {
            heap: false,
            base: 5, // rbp
            index: None,
            off: self.stack_offs[(r & !STACK) as usize],
        }
    }

    /// Notes that the instruction just emitted, `op` into `d` at `size`,
    /// set the flags from its result (see `Emitter::zf`).
    fn note_zf(&mut self, op: AluOp, size: Size, d: u8) {
        self.zf = (op != AluOp::Imul && d & STACK == 0).then(|| (self.off(), d, size));
    }

    /// Whether the flags already hold the zero flag of `r`'s value at
    /// `size`: the instruction just emitted computed it.
    fn zf_holds(&self, r: u8, size: Size) -> bool {
        self.zf == Some((self.off(), r, size))
    }

    /// Sets the flags for `cmp` from its operand registers `r`. A test of
    /// a register for zero right after the instruction that computed it
    /// (`sub r,1; test r,r; jne`) reuses its flags.
    fn set_flags(&mut self, cmp: CmpKind, r: &[u8]) {
        let zero_test = match cmp {
            CmpKind::Test { size, .. } if r[0] == r[1] => Some(size),
            CmpKind::CmpImm {
                size,
                cc: IntCC::Equal | IntCC::NotEqual,
                imm: 0,
            } => Some(size),
            _ => None,
        };
        if let Some(size) = zero_test
            && self.zf_holds(r[0], size)
        {
            return;
        }
        if let CmpKind::CmpMem {
            form, imm, offset, ..
        } = cmp
        {
            let m = self.access(true, r, offset, Some(form.shift()));
            let other = if form.has_imm() { Ok(imm) } else { Err(r[1]) };
            return self.cmp_mem(form.width(), m, other);
        }
        if let CmpKind::Cmp { size, .. } = cmp
            && r[1] & STACK != 0
        {
            let m = self.stack_mem(r[1]);
            let x = r[0];
            match size {
                Size::S32 => mem_op!(self, m, |a| x64!(a; cmp Rd(x), DWORD [MEM])),
                Size::S64 => mem_op!(self, m, |a| x64!(a; cmp Rq(x), QWORD [MEM])),
            }
            return;
        }
        let a = &mut self.asm;
        match cmp {
            CmpKind::Cmp {
                size: Size::S32, ..
            } => x64!(a; cmp Rd(r[0]), Rd(r[1])),
            CmpKind::Cmp {
                size: Size::S64, ..
            } => x64!(a; cmp Rq(r[0]), Rq(r[1])),
            CmpKind::CmpImm { size, imm, .. } => self.cmp_imm(size, r[0], imm),
            CmpKind::Test {
                size: Size::S32, ..
            } => x64!(a; test Rd(r[0]), Rd(r[1])),
            CmpKind::Test {
                size: Size::S64, ..
            } => x64!(a; test Rq(r[0]), Rq(r[1])),
            CmpKind::TestImm {
                size: Size::S32,
                imm,
                ..
            } => x64!(a; test Rd(r[0]), imm),
            CmpKind::TestImm {
                size: Size::S64,
                imm,
                ..
            } => x64!(a; test Rq(r[0]), imm),
            CmpKind::Fcmp { f64, cc } => {
                if matches!(cc, FloatCC::LessThan | FloatCC::LessThanOrEqual) {
                    self.ucomis(r[1], r[0], f64);
                } else {
                    self.ucomis(r[0], r[1], f64);
                }
            }
            CmpKind::CmpMem { .. } => unreachable!("handled above"),
        }
    }

    /// `cmp [m], imm` (`Ok`) or `cmp [m], b` (`Err`) with a memory operand
    /// of `width` bytes (an immediate only for 1 and 2 bytes).
    fn cmp_mem(&mut self, width: u8, m: Mem, other: Result<i32, u8>) {
        match (width, other) {
            (1, Ok(c)) => {
                let c = c as i8;
                mem_op!(self, m, |a| x64!(a; cmp BYTE [MEM], c));
            }
            (2, Ok(c)) => {
                let c = c as i16;
                mem_op!(self, m, |a| x64!(a; cmp WORD [MEM], c));
            }
            (4, Ok(c)) => self.short_imm(c, |e| mem_op!(e, m, |a| x64!(a; cmp DWORD [MEM], c))),
            (_, Ok(c)) => self.short_imm(c, |e| mem_op!(e, m, |a| x64!(a; cmp QWORD [MEM], c))),
            (8, Err(b)) => mem_op!(self, m, |a| x64!(a; cmp QWORD [MEM], Rq(b))),
            (_, Err(b)) => mem_op!(self, m, |a| x64!(a; cmp DWORD [MEM], Rd(b))),
        }
    }

    /// Runs `emit`, which emits one group-1 instruction with a memory
    /// operand and the 32-bit immediate `imm` (`[REX] 81 /op modrm [sib]
    /// [disp] imm32`): dynasm encodes a memory operand's immediate in 32
    /// bits, so one that fits 8 is encoded apart and shortened to the form
    /// with a sign-extended 8-bit immediate (`83 /op .. imm8`, 3 bytes
    /// less).
    fn short_imm(&mut self, imm: i32, mut emit: impl FnMut(&mut Self)) {
        let Ok(c8) = i8::try_from(imm) else {
            return emit(self);
        };
        let outer = std::mem::replace(&mut self.asm, VecAssembler::new(0));
        emit(self);
        let inner = std::mem::replace(&mut self.asm, outer);
        // (One instruction has no labels or relocations, so this does not
        // fail; if it did, the long form is emitted in place.)
        let Ok(mut bytes) = inner.finalize() else {
            return emit(self);
        };
        let op = usize::from(matches!(bytes.first(), Some(0x40..=0x4f)));
        if bytes.get(op) == Some(&0x81) && bytes.len() >= op + 6 {
            bytes[op] = 0x83;
            bytes.truncate(bytes.len() - 4);
            bytes.push(c8 as u8);
        }
        self.asm.extend(bytes);
    }

    /// Jumps to `l` when `t` holds (flags already set).
    fn jump_if(&mut self, t: Test, l: DynamicLabel) {
        match t {
            Test::One(c) => self.jcc(c, l),
            Test::FEq => {
                let skip = self.near_label();
                self.jcc(Cond::P, skip);
                self.jcc(Cond::E, l);
                x64!(self.asm; =>skip);
            }
            Test::FNe => {
                self.jcc(Cond::P, l);
                self.jcc(Cond::NE, l);
            }
        }
    }

    /// Jumps to `l` when `t` does not hold (flags already set).
    fn jump_unless(&mut self, t: Test, l: DynamicLabel) {
        match t {
            Test::One(c) => self.jcc(c.inv(), l),
            Test::FEq => {
                self.jcc(Cond::P, l);
                self.jcc(Cond::NE, l);
            }
            Test::FNe => {
                let stay = self.near_label();
                self.jcc(Cond::P, stay);
                self.jcc(Cond::E, l);
                x64!(self.asm; =>stay);
            }
        }
    }

    fn jmp(&mut self, l: DynamicLabel) {
        match self.short_to(l) {
            Some(d) => self.asm.extend([0xeb, d]),
            None if self.fwd_short(l) => self.asm.extend([0xeb, 0]),
            None => x64!(self.asm; jmp =>l),
        }
    }

    fn setcc(&mut self, c: Cond, r: u8) {
        let a = &mut self.asm;
        match c {
            Cond::E => x64!(a; sete Rb(r)),
            Cond::NE => x64!(a; setne Rb(r)),
            Cond::L => x64!(a; setl Rb(r)),
            Cond::LE => x64!(a; setle Rb(r)),
            Cond::G => x64!(a; setg Rb(r)),
            Cond::GE => x64!(a; setge Rb(r)),
            Cond::B => x64!(a; setb Rb(r)),
            Cond::BE => x64!(a; setbe Rb(r)),
            Cond::A => x64!(a; seta Rb(r)),
            Cond::AE => x64!(a; setae Rb(r)),
            Cond::P => x64!(a; setp Rb(r)),
            Cond::NP => x64!(a; setnp Rb(r)),
            Cond::S => x64!(a; sets Rb(r)),
            Cond::NO => x64!(a; setno Rb(r)),
        }
    }

    /// `mov r, imm` with the shortest encoding (32-bit writes zero-extend).
    fn mov_imm(&mut self, size: Size, r: u8, imm: u64) {
        let a = &mut self.asm;
        if size == Size::S32 || imm <= u32::MAX as u64 {
            if imm as u32 == 0 {
                x64!(a; xor Rd(r), Rd(r));
            } else {
                x64!(a; mov Rd(r), imm as u32 as i32);
            }
        } else if imm as i64 >= i32::MIN as i64 && imm as i64 <= i32::MAX as i64 {
            x64!(a; mov Rq(r), imm as i64 as i32);
        } else {
            x64!(a; mov Rq(r), QWORD imm as i64);
        }
    }

    /// Loads the float constant `bits` (an f32's in the low 32 bits) into
    /// xmm `f`: `xorps` for zero, else `movsd` from its pool entry, which
    /// zeroes the rest of the register either way. Neither changes flags.
    fn load_fconst(&mut self, f: u8, bits: u64) {
        if bits == 0 {
            x64!(self.asm; xorps Rx(f), Rx(f));
            return;
        }
        let l = self.pool_entry(bits);
        x64!(self.asm; movsd Rx(f), QWORD [=>l]);
    }

    /// The label of the constant pool entry holding `bits`.
    fn pool_entry(&mut self, bits: u64) -> DynamicLabel {
        if let Some(&l) = self.fconst_labels.get(&bits) {
            return l;
        }
        let l = self.label();
        self.fconst_labels.insert(bits, l);
        self.fconsts.push((bits, l));
        l
    }

    /// The label of the 16-byte pool entry whose low 8 bytes are `bits`
    /// (the rest zero; 16-byte aligned, for packed operands).
    fn pool_entry16(&mut self, bits: u64) -> DynamicLabel {
        if let Some(&(_, l)) = self.fconsts16.iter().find(|(b, _)| *b == bits) {
            return l;
        }
        let l = self.label();
        self.fconsts16.push((bits, l));
        l
    }

    /// `ucomis{s,d} a, [constant bits]`.
    fn ucomis_const(&mut self, a: u8, bits: u64, f64: bool) {
        let l = self.pool_entry(bits);
        if f64 {
            x64!(self.asm; ucomisd Rx(a), QWORD [=>l]);
        } else {
            x64!(self.asm; ucomiss Rx(a), DWORD [=>l]);
        }
    }

    fn ucomis(&mut self, a: u8, b: u8, f64: bool) {
        if f64 {
            x64!(self.asm; ucomisd Rx(a), Rx(b));
        } else {
            x64!(self.asm; ucomiss Rx(a), Rx(b));
        }
    }

    /// `cvtts{s,d}2si` into a 32- or 64-bit register.
    fn cvtt(&mut self, d: u8, s: u8, f64: bool, dst64: bool) {
        let a = &mut self.asm;
        match (f64, dst64) {
            (true, true) => x64!(a; cvttsd2si Rq(d), Rx(s)),
            (true, false) => x64!(a; cvttsd2si Rd(d), Rx(s)),
            (false, true) => x64!(a; cvttss2si Rq(d), Rx(s)),
            (false, false) => x64!(a; cvttss2si Rd(d), Rx(s)),
        }
    }

    fn mov_rr(&mut self, class: RegClass, d: u8, s: u8) {
        if d == s || self.moved == Some((self.off(), s, d, class)) {
            return;
        }
        match class {
            RegClass::Int => x64!(self.asm; mov Rq(d), Rq(s)),
            RegClass::Float => x64!(self.asm; movaps Rx(d), Rx(s)),
        }
        self.moved = Some((self.off(), d, s, class));
    }

    /// Stores register `r` of `class` into the spill slot at `[rbp + off]`
    /// (noted in `stored`).
    fn store_slot(&mut self, class: RegClass, off: i32, r: u8) {
        match class {
            RegClass::Int => at_op!(self, rbp, off, |a| x64!(a; mov QWORD [MEM], Rq(r))),
            RegClass::Float => at_op!(self, rbp, off, |a| x64!(a; movups [MEM], Rx(r))),
        }
        self.stored = Some((self.off(), r, class, off));
    }

    /// Loads the spill slot at `[rbp + off]` into register `d` of `class`:
    /// a register move, or nothing, right after a store of that slot (see
    /// `stored`).
    fn load_slot(&mut self, class: RegClass, d: u8, off: i32) {
        match self.stored {
            Some((end, r, c, o)) if end == self.off() && c == class && o == off => {
                self.mov_rr(class, d, r)
            }
            _ => match class {
                RegClass::Int => at_op!(self, rbp, off, |a| x64!(a; mov Rq(d), QWORD [MEM])),
                RegClass::Float => at_op!(self, rbp, off, |a| x64!(a; movups Rx(d), [MEM])),
            },
        }
    }

    fn edit(&mut self, e: &Edit) -> Result<(), CompileError> {
        let (from, to, class) = match *e {
            Edit::Move { from, to, class } => (from, to, class),
            // A constant (see `VCode::remat_table`): the same bits its `Imm`
            // or `FImm` leaves, without changing flags (the edit may sit
            // between a compare and its consumer): `mov` for an integer (no
            // `xor` for zero), `xorps` or a pool load for a float.
            Edit::Remat {
                value,
                to: Allocation::Reg(t),
                class: RegClass::Int,
                ..
            } => {
                let r = t.hw_enc();
                if value <= u32::MAX as u64 {
                    x64!(self.asm; mov Rd(r), value as u32 as i32);
                } else if value as i64 >= i32::MIN as i64 && value as i64 <= i32::MAX as i64 {
                    x64!(self.asm; mov Rq(r), value as i64 as i32);
                } else {
                    x64!(self.asm; mov Rq(r), QWORD value as i64);
                }
                return Ok(());
            }
            Edit::Remat {
                value,
                to: Allocation::Reg(t),
                class: RegClass::Float,
                ..
            } => {
                self.load_fconst(t.hw_enc(), value);
                return Ok(());
            }
            Edit::Remat { .. } => return Err(err(format!("unsupported edit {e:?}"))),
        };
        match (from, to) {
            (Allocation::Reg(f), Allocation::Reg(t)) => self.mov_rr(class, t.hw_enc(), f.hw_enc()),
            (Allocation::Reg(f), Allocation::Stack(s)) => {
                self.store_slot(class, self.slot_offset(s.index()), f.hw_enc())
            }
            (Allocation::Stack(s), Allocation::Reg(t)) => {
                self.load_slot(class, t.hw_enc(), self.slot_offset(s.index()))
            }
            _ => return Err(err(format!("unsupported edit {e:?}"))),
        }
        Ok(())
    }

    fn prologue(&mut self, srcloc: u32) {
        let n = self.frame_sub as i32;
        self.cur_srcloc = srcloc;
        self.cur_stubs.clear();
        let so = self.stub(TrapCode::StackOverflow);
        let limit = STACK_LIMIT_PTR as i32;
        x64!(self.asm
            ; push rbp
            ; mov rbp, rsp
        );
        // The VMContext's slot at [rbp - 8] is written only by a function
        // that reads it back after an indirect call; elsewhere `sub rsp`
        // covers it.
        let n = if self.save_vmctx {
            x64!(self.asm; push r14);
            n
        } else {
            n + 8
        };
        at_op!(self, r14, limit, |a| x64!(a; mov r11, QWORD [MEM]));
        // The limit is stored STACK_LIMIT_SLACK bytes above the lowest
        // address the frame may reach: a frame within that compares rsp.
        let over = n - STACK_LIMIT_SLACK as i32;
        if over <= 0 {
            x64!(self.asm; cmp rsp, QWORD [r11]);
        } else {
            at_op!(self, rsp, -over, |a| x64!(a; lea r10, [MEM]));
            x64!(self.asm; cmp r10, QWORD [r11]);
        }
        x64!(self.asm; jb =>so);
        match i8::try_from(n) {
            Ok(b) => x64!(self.asm; sub rsp, BYTE b),
            Err(_) => x64!(self.asm; sub rsp, n),
        }
        if self.wrap.is_none() {
            self.save_callee_saved();
        }
    }

    /// Stores the callee-saved registers the function writes into their
    /// frame slots.
    fn save_callee_saved(&mut self) {
        for (j, &r) in self.saved.iter().enumerate() {
            let o = abi::saved_reg_offset(j);
            at_op!(self, rbp, o, |a| x64!(a; mov QWORD [MEM], Rq(r)));
        }
    }

    /// Reloads the saved callee-saved registers (unless the return is on
    /// an early exit that never saved them) and returns.
    fn epilogue(&mut self) {
        if self.in_frameless {
            x64!(self.asm; ret);
            return;
        }
        if self.restore_saved {
            for (j, &r) in self.saved.iter().enumerate() {
                let o = abi::saved_reg_offset(j);
                at_op!(self, rbp, o, |a| x64!(a; mov Rq(r), QWORD [MEM]));
            }
        }
        x64!(self.asm; mov rsp, rbp; pop rbp; ret);
    }

    /// Shrink-wrapping of the callee-saved registers' saves, for a function
    /// whose entry block ends in a two-way branch to an *early exit*: a
    /// part of the function that only returns (every block reachable from
    /// that successor, none of them reachable from the other one) and that,
    /// like the entry block, has no operand or edit in a callee-saved
    /// register. Then the saves go at the start of the other successor
    /// (which has the entry as its only predecessor, critical edges being
    /// split) instead of the prologue, and the early exit's returns restore
    /// nothing: on its paths those registers keep the caller's values. A
    /// recursive function's base case (`if (n < 2) return n;`) then
    /// neither saves nor restores. Not for code with tier checks, whose
    /// out-of-line OSR path returns too.
    ///
    /// When, besides, the entry block and the early exit need no frame
    /// (see [`frame_free`]: no spill slot, stack argument or result or
    /// call), the whole prologue goes to the start of
    /// the other successor and the early exit returns with a bare `ret`:
    /// the base case runs without `push rbp`, stack check or `sub rsp`.
    /// That skips no check that matters: the early exit uses no stack
    /// beyond the return address its caller's `call` pushed (which every
    /// callee's check already comes after). A trap there has the caller's
    /// return address at `[rsp]` and the caller's frame in rbp; its trap
    /// site is marked frameless, so that the trap handler's backtrace
    /// takes the caller from `[rsp]` before it walks the rbp chain.
    fn plan_wrap(&mut self, vc: &VCode, out: &Output) {
        use strata_regalloc::{Block, Function as _};
        self.wrap = None;
        self.restore_saved = true;
        self.frameless_exit = false;
        self.in_frameless = false;
        let n = vc.num_blocks();
        if !vc.tier_checks.is_empty() {
            return;
        }
        // A leaf that needs no frame anywhere (no saved register, and every
        // block frame-free: no call or spill slot)
        // has no prologue at all: every return is a bare `ret`.
        // (Whether the entry block is frame-free, found when first asked.)
        let entry_free = std::cell::OnceCell::new();
        let entry_free = || *entry_free.get_or_init(|| frame_free(vc, out, 0));
        if self.saved.is_empty()
            && entry_free()
            && (1..n).all(|b| self.resolved[b] != b as u32 || frame_free(vc, out, b))
        {
            self.in_frameless = true;
            return;
        }
        // (With no saved register, the wrap can still leave out the frame.)
        if n < 3 {
            return;
        }
        let succs = |b: usize| {
            vc.block_succs(Block(b as u32))
                .iter()
                .map(|s| self.resolved[s.index()] as usize)
        };
        let entry: SmallVec<[usize; 2]> = succs(0).collect();
        let [a, b] = entry[..] else {
            return;
        };
        let mask = self.saved.iter().fold(0u16, |m, &r| m | 1 << r);
        // Whether block `b` names a saved register in an operand or edit.
        let edits = &out.edits;
        let touches = |b: usize| {
            let r = vc.block_insns(Block(b as u32));
            let in_mask = |a: Allocation| match a {
                Allocation::Reg(p) => p.class() == RegClass::Int && mask & 1 << p.hw_enc() != 0,
                _ => false,
            };
            let ops = r
                .iter()
                .any(|i| out.inst_allocs(i).iter().any(|&a| in_mask(a)));
            let lo = edits.partition_point(|e| e.0 < ProgPoint::before(r.first));
            let hi = edits.partition_point(|e| e.0 < ProgPoint::before(r.last));
            ops || edits[lo..hi].iter().any(|(_, e)| match *e {
                Edit::Move { from, to, .. } => in_mask(from) || in_mask(to),
                Edit::Remat { to, .. } => in_mask(to),
            })
        };
        if touches(0) {
            return;
        }
        // Marks blocks reachable from `start` (resolved) with `tag`;
        // false as soon as one of them is `bad`. (The entry block has no
        // predecessors, so it is never reached.)
        let mut marks = std::mem::take(&mut self.early_exit);
        let mut stack = std::mem::take(&mut self.wrap_stack);
        let mut reach =
            |start: usize, tag: u8, marks: &mut [u8], bad: &dyn Fn(usize, &[u8]) -> bool| {
                stack.clear();
                stack.push(start as u32);
                marks[start] |= tag;
                while let Some(x) = stack.pop() {
                    if bad(x as usize, marks) {
                        return false;
                    }
                    for y in succs(x as usize) {
                        if marks[y] & tag == 0 {
                            marks[y] |= tag;
                            stack.push(y as u32);
                        }
                    }
                }
                true
            };
        // Either successor may be the early exit; one whose exit (and the
        // entry) can run without a frame is preferred. (The chosen pair's
        // blocks are marked again at the end: `marks` holds the last pair
        // tried.)
        let mut chosen: Option<(usize, usize, bool)> = None;
        for (exit, body) in [(a, b), (b, a)] {
            if body == 0
                || exit == 0
                || self.resolved[body] != body as u32
                || vc.block_preds(Block(body as u32)).len() != 1
            {
                continue;
            }
            marks.clear();
            marks.resize(n, 0);
            // The early exit touches no saved register, and the rest of
            // the function never enters it.
            if reach(exit, EARLY_EXIT, &mut marks, &|x, _| {
                self.resolved[x] == x as u32 && touches(x)
            }) && reach(body, WRAPPED, &mut marks, &|x, m| m[x] & EARLY_EXIT != 0)
            {
                let frameless = entry_free()
                    && (0..n).all(|x| {
                        marks[x] & EARLY_EXIT == 0
                            || self.resolved[x] != x as u32
                            || frame_free(vc, out, x)
                    });
                if frameless || chosen.is_none() {
                    chosen = Some((exit, body, frameless));
                }
                if frameless {
                    break;
                }
            }
        }
        // Without saved registers, only a frameless exit changes anything.
        if let Some((exit, body, frameless)) = chosen
            && (frameless || !self.saved.is_empty())
        {
            marks.clear();
            marks.resize(n, 0);
            reach(exit, EARLY_EXIT, &mut marks, &|_, _| false);
            reach(body, WRAPPED, &mut marks, &|_, _| false);
            self.wrap = Some(body as u32);
            self.frameless_exit = frameless;
        }
        self.early_exit = marks;
        self.wrap_stack = stack;
    }

    /// Byte offset from rbp of spill slot `k` of this function's frame.
    fn slot_offset(&self, k: usize) -> i32 {
        abi::spill_slot_offset(k, self.saved.len())
    }

    /// The callee-saved registers the allocation writes: those any operand
    /// or edit of the function is assigned to.
    fn find_saved(&mut self, out: &Output) {
        let mut used = [false; 16];
        let mut mark = |a: Allocation| {
            if let Allocation::Reg(r) = a
                && r.class() == RegClass::Int
            {
                used[r.hw_enc() as usize] = true;
            }
        };
        out.allocs.iter().for_each(|&a| mark(a));
        for (_, e) in &out.edits {
            match *e {
                Edit::Move { to, .. } | Edit::Remat { to, .. } => mark(to),
            }
        }
        self.saved.clear();
        for r in crate::regs::CALLEE_SAVED_INT {
            if used[r.hw_enc() as usize] {
                self.saved.push(r.hw_enc());
            }
        }
    }

    /// Emits `vc` with the allocation `out`.
    pub fn emit(&mut self, vc: &VCode, out: &Output) -> Result<CompiledFunction, CompileError> {
        self.force_long.clear();
        self.all_long = false;
        let mut rounds = 0;
        loop {
            match self.emit_inner(vc, out) {
                Ok(Some(f)) => return Ok(f),
                // Some 2-byte forward jumps fell out of reach: again, with
                // those forced long; a third time with every forward jump
                // long (forcing some long can push others out of reach, so
                // without a limit this could take a round per jump).
                Ok(None) => {
                    self.reemits += 1;
                    rounds += 1;
                    self.all_long = rounds >= MAX_SHORT_ROUNDS;
                }
                Err(e) => {
                    self.asm = VecAssembler::new(0);
                    return Err(e);
                }
            }
        }
    }

    /// Test setting: take the 2-byte form for every forward jump (as if
    /// every estimate said it was in reach), so that emission falls back
    /// to the long forms wherever the distance turns out too long.
    #[doc(hidden)]
    pub fn set_optimistic_jumps(&mut self, on: bool) {
        self.optimistic = on;
    }

    /// Whether the functions emitted from now on leave out constant
    /// definitions that nothing reads (for code allocated in the optimizing
    /// mode; see `dead_constant`).
    pub fn set_drop_dead_constants(&mut self, on: bool) {
        self.drop_dead_constants = on;
    }

    /// How many times a function's emission began again because a 2-byte
    /// forward jump fell out of reach (see [`Emitter::fwd_short`]), over
    /// every function this emitter emitted.
    pub fn reemits(&self) -> u64 {
        self.reemits
    }

    /// Estimates where each block starts (`est_start`, with its label's
    /// entry in `label_est`) and its last instruction (`est_last`) and
    /// where the blocks end (`est_end`), in the layout `emit_inner` follows:
    /// blocks that are only a jump emit nothing; aligned blocks get the
    /// most padding they can; edits are [`EDIT_ESTIMATE`] each.
    fn estimate_layout(&mut self, vc: &VCode, out: &Output, headers: &[bool], jt_target: &[bool]) {
        use strata_regalloc::Function as _;
        let n = vc.num_blocks();
        self.label_est.clear();
        self.est_start.clear();
        self.est_start.resize(n, UNKNOWN);
        self.est_last.clear();
        self.est_last.resize(n, UNKNOWN);
        let edits = &out.edits;
        let mut edit_idx = 0;
        // (The prologue, from 0, is estimated as shrink-wrapping's code.)
        let mut pos = WRAP_ESTIMATE;
        for b in 0..n {
            let range = vc.block_insns(strata_regalloc::Block(b as u32));
            if self.resolved[b] != b as u32 {
                // Emits nothing (its edits, if any, were skipped with it).
                while edit_idx < edits.len() && edits[edit_idx].0 < ProgPoint::before(range.last) {
                    edit_idx += 1;
                }
                continue;
            }
            if headers.get(b).copied().unwrap_or(false)
                || jt_target.get(b).copied().unwrap_or(false)
            {
                pos += PAD_ESTIMATE;
            }
            self.est_start[b] = pos;
            if self.wrap == Some(b as u32) {
                pos += WRAP_ESTIMATE;
            }
            let insts = &vc.insts[range.first.index()..range.last.index()];
            pos += insts
                .iter()
                .map(|i| u32::from(i.size_estimate()))
                .sum::<u32>();
            let last = insts.last().map_or(0, |i| u32::from(i.size_estimate()));
            while edit_idx < edits.len() && edits[edit_idx].0 < ProgPoint::before(range.last) {
                pos += EDIT_ESTIMATE;
                edit_idx += 1;
            }
            // (A block's edits come before its last instruction, a branch
            // or a return, or an instruction without a jump.)
            self.est_last[b] = pos - last;
        }
        self.est_end = pos;
        // (Block labels are the function's first.)
        self.label_est.resize(n, UNKNOWN);
        for b in 0..n {
            if self.est_start[b] != UNKNOWN {
                self.set_est(self.block_labels[b], self.est_start[b]);
            }
        }
    }

    /// Emits the function; `None` when a 2-byte forward jump fell out of
    /// reach (its site is then forced long in `force_long`).
    fn emit_inner(
        &mut self,
        vc: &VCode,
        out: &Output,
    ) -> Result<Option<CompiledFunction>, CompileError> {
        use strata_regalloc::Function as _;
        self.stubs.clear();
        self.short_fwd.clear();
        self.fwd_sites = 0;
        self.est_here = 0;
        self.est_end = UNKNOWN;
        self.label_est.clear();
        self.zf = None;
        self.stored = None;
        self.moved = None;
        self.trap_sites.clear();
        self.frameless_traps.clear();
        self.addr_map.clear();
        self.jt_fixups.clear();
        self.tier_stubs.clear();
        self.osr_returns.clear();
        self.fconst_labels.clear();
        self.fconsts.clear();
        self.fconsts16.clear();
        self.block_labels.clear();
        self.jt_labels.clear();
        for _ in 0..vc.num_blocks() {
            let l = self.label();
            self.block_labels.push(l);
        }
        self.thread_jumps(vc, out);
        for _ in 0..vc.jump_tables.len() {
            let l = self.label();
            self.jt_labels.push(l);
        }
        let spills = u32::try_from(out.num_spillslots).map_err(|_| err("too many spill slots"))?;
        self.find_saved(out);
        self.frame_sub = abi::frame_sub(spills, self.saved.len(), vc.outgoing_args);
        if self.frame_sub > (1 << 30) {
            return Err(err("frame too large"));
        }
        self.save_vmctx = vc.indirect_calls;
        self.plan_wrap(vc, out);
        let headers = self.loop_headers(vc);
        // Targets of jump tables (resolved), when there are any.
        let mut jt_target = std::mem::take(&mut self.jt_target);
        jt_target.clear();
        if !vc.jump_tables.is_empty() {
            jt_target.resize(vc.num_blocks(), false);
            for jt in 0..vc.jump_tables.len() {
                for &t in vc.jt(jt as u32) {
                    jt_target[self.resolved[t as usize] as usize] = true;
                }
            }
        }
        self.estimate_layout(vc, out, &headers, &jt_target);
        // (`in_frameless` here: a leaf without a frame.)
        if !self.frameless_exit && !self.in_frameless {
            self.prologue(vc.srclocs.first().copied().unwrap_or(0));
        }
        let mut edit_idx = 0;
        let edits = &out.edits;
        let mut regs = std::mem::take(&mut self.regs);
        // Whether the block emitted last ends without a jump, so that its
        // code runs on into the next (the prologue into the entry block).
        let mut falls_through = true;
        // An edge block folded into the branch before it (see `Hoist`):
        // it emits nothing.
        let mut folded = None;
        for b in 0..vc.num_blocks() {
            if self.resolved[b] != b as u32 || folded == Some(b as u32) {
                // Only a jump (its label is its target's), or folded into
                // the branch before it: it emits nothing.
                continue;
            }
            if headers.get(b).copied().unwrap_or(false) {
                let pad = (LOOP_ALIGN + LOOP_HEADER_OFFSET - self.off() % LOOP_ALIGN) % LOOP_ALIGN;
                if falls_through && pad > MAX_RUN_PADDING {
                    // Not run: a jump over it (rel8, the padding < 64).
                    self.asm.extend([0xeb, (pad - 2) as u8]);
                    self.pad_nops(pad - 2);
                } else {
                    self.pad_nops(pad);
                }
            } else if jt_target.get(b).copied().unwrap_or(false) {
                self.align_nops(JUMP_TABLE_TARGET_ALIGN);
            }
            let l = self.block_labels[b];
            self.asm.dynamic_label(l);
            self.zf = None;
            self.stored = None;
            self.moved = None;
            self.est_here = self.est_start[b];
            if let Some(w) = self.wrap {
                self.restore_saved = self.early_exit[b] & EARLY_EXIT == 0;
                self.in_frameless = self.frameless_exit && (b == 0 || !self.restore_saved);
                if w == b as u32 {
                    if self.frameless_exit {
                        let srcloc = vc
                            .srclocs
                            .get(
                                vc.block_insns(strata_regalloc::Block(b as u32))
                                    .first
                                    .index(),
                            )
                            .copied()
                            .unwrap_or(0);
                        self.prologue(srcloc);
                    }
                    self.save_callee_saved();
                }
            }
            let next = (b + 1..vc.num_blocks())
                .find(|&n| self.resolved[n] == n as u32)
                .map(|n| n as u32);
            let range = vc.block_insns(strata_regalloc::Block(b as u32));
            falls_through = match (range.is_empty(), next) {
                (true, _) | (_, None) => true,
                (false, Some(n)) => match vc.insts[range.last.index() - 1] {
                    MInst::Jump { target } => self.resolved[target as usize] == n,
                    MInst::CondBr { then_, else_, .. } | MInst::Brif { then_, else_ } => {
                        self.resolved[then_ as usize] == n || self.resolved[else_ as usize] == n
                    }
                    MInst::BrTable { .. } | MInst::Ret | MInst::Trap { .. } => false,
                    _ => true,
                },
            };
            for i in range.iter() {
                while edit_idx < edits.len() && edits[edit_idx].0 <= ProgPoint::before(i) {
                    self.edit(&edits[edit_idx].1)?;
                    edit_idx += 1;
                }
                self.cur_srcloc = vc.srclocs[i.index()];
                let allocs = out.inst_allocs(i);
                if i.0 + 1 == range.last.0 {
                    // (Other instructions' jumps estimate from the block's
                    // start: further from anything forward.)
                    self.est_here = self.est_last[b];
                }
                if let MInst::TierCheck { id } = vc.insts[i.index()] {
                    self.tier_check(vc, id, allocs, vc.inst_operands(i))?;
                    continue;
                }
                if self.drop_dead_constants
                    && dead_constant(vc, out, i, range.last, &edits[edit_idx..])
                {
                    continue;
                }
                regs.clear();
                self.stack_offs.clear();
                for (k, &a) in allocs.iter().enumerate() {
                    regs.push(match a {
                        Allocation::Reg(r) => r.hw_enc(),
                        Allocation::Stack(s) if vc.insts[i.index()].may_be_stack(k) => {
                            self.stack_offs.push(self.slot_offset(s.index()));
                            STACK | (self.stack_offs.len() - 1) as u8
                        }
                        _ => reg(a)?,
                    });
                }
                self.cur_stubs.clear();
                let ops = vc.inst_operands(i);
                if let Some(e) = next
                    && !out.hoistable_edges.is_empty()
                    && self.wrap != Some(e)
                    && vc.insts[i.index()].is_branch()
                    && let Some(falls) = self.fold_edge(vc, out, i, b, e, &mut edit_idx)
                {
                    folded = Some(e);
                    falls_through = falls;
                }
                self.inst(vc, &vc.insts[i.index()], &regs, ops, next)?;
                while edit_idx < edits.len() && edits[edit_idx].0 <= ProgPoint::after(i) {
                    if vc.insts[i.index()].is_branch() || vc.insts[i.index()].is_ret() {
                        return Err(err("allocator placed an edit after a block terminator"));
                    }
                    self.edit(&edits[edit_idx].1)?;
                    edit_idx += 1;
                }
            }
        }
        self.jt_target = jt_target;
        self.regs = regs;
        // Out-of-line trap stubs.
        for k in 0..self.stubs.len() {
            let (l, code, srcloc, frameless) = self.stubs[k];
            self.asm.dynamic_label(l);
            self.cur_srcloc = srcloc;
            self.in_frameless = frameless;
            self.trap_site_here(code);
            x64!(self.asm; ud2);
        }
        self.in_frameless = false;
        // Out-of-line tier-check paths.
        for k in 0..self.tier_stubs.len() {
            let st = std::mem::replace(
                &mut self.tier_stubs[k],
                TierStub {
                    slow: self.block_labels[0],
                    resume: self.block_labels[0],
                    id: 0,
                    allocs: Vec::new(),
                    classes: Vec::new(),
                    srcloc: 0,
                },
            );
            self.tier_stub(vc, &st)?;
        }
        // Data: jump tables, then float constants.
        let code_len = self.off();
        if !vc.jump_tables.is_empty() {
            self.asm.align(4, 0xcc);
            for (jt, &tl) in self.jt_labels.clone().iter().enumerate() {
                self.asm.dynamic_label(tl);
                for &t in vc.jt(jt as u32) {
                    let pos = self.off() as usize;
                    self.jt_fixups
                        .push((pos, tl, self.block_labels[t as usize]));
                    self.asm.extend([0u8; 4]);
                }
            }
        }
        if !self.fconsts16.is_empty() {
            self.asm.align(16, 0xcc);
            for &(bits, l) in &self.fconsts16 {
                self.asm.dynamic_label(l);
                self.asm.extend(u128::from(bits).to_le_bytes());
            }
        }
        if !self.fconsts.is_empty() {
            self.asm.align(8, 0xcc);
            for &(bits, l) in &self.fconsts {
                self.asm.dynamic_label(l);
                self.asm.extend(bits.to_le_bytes());
            }
        }
        self.asm
            .commit()
            .map_err(|e| err(format!("assembler: {e}")))?;
        let mut patches: SmallVec<[(usize, i32); 16]> = SmallVec::new();
        for &(pos, table, target) in &self.jt_fixups {
            let labels = self.asm.labels();
            let t = labels
                .resolve_dynamic(table)
                .map_err(|e| err(e.to_string()))?;
            let g = labels
                .resolve_dynamic(target)
                .map_err(|e| err(e.to_string()))?;
            patches.push((pos, (g.0 as i64 - t.0 as i64) as i32));
        }
        // The 2-byte forward jumps' displacements, or the sites to force
        // long in the next emission.
        let mut short = std::mem::take(&mut self.short_fwd);
        let mut fell_short = false;
        for entry in &mut short {
            let (pos, l, site) = *entry;
            let t = self
                .asm
                .labels()
                .resolve_dynamic(l)
                .map_err(|e| err(e.to_string()))?;
            match i8::try_from(t.0 as i64 - (pos as i64 + 1)) {
                // (The displacement, kept in the site's place.)
                Ok(d) => entry.2 = u32::from(d as u8),
                Err(_) => {
                    let w = site as usize / 64;
                    if self.force_long.len() <= w {
                        self.force_long.resize(w + 1, 0);
                    }
                    self.force_long[w] |= 1 << (site % 64);
                    fell_short = true;
                }
            }
        }
        let code = self.asm.take().map_err(|e| err(format!("assembler: {e}")));
        if fell_short {
            self.short_fwd = short;
            return code.map(|_| None);
        }
        let mut code = code?;
        for (pos, v) in patches {
            code[pos..pos + 4].copy_from_slice(&v.to_le_bytes());
        }
        for &(pos, _, d) in &short {
            code[pos] = d as u8;
        }
        self.short_fwd = short;
        self.trap_sites.sort_by_key(|t| t.0);
        self.frameless_traps.sort_unstable();
        self.addr_map.sort_by_key(|t| t.0);
        Ok(Some(CompiledFunction {
            code,
            code_len,
            trap_sites: self.trap_sites.clone(),
            frameless_traps: self.frameless_traps.clone(),
            addr_map: self.addr_map.clone(),
            frame_size: self.frame_sub + 8,
            osr_returns: self.osr_returns.clone(),
        }))
    }

    /// The in-line part of a tier check: count down, branch out when the
    /// budget is spent.
    fn tier_check(
        &mut self,
        vc: &VCode,
        id: u32,
        allocs: &[Allocation],
        ops: &[strata_regalloc::Operand],
    ) -> Result<(), CompileError> {
        let info = vc
            .tier_checks
            .get(id as usize)
            .ok_or_else(|| err("tier check without data"))?;
        let counter = info.counter;
        let slow = self.label();
        let resume = self.label();
        // (`dec` sets the sign flag as `sub 1` does, without an immediate.)
        at_op!(self, r14, counter, |a| x64!(a; dec DWORD [MEM]));
        self.jcc(Cond::S, slow);
        self.asm.dynamic_label(resume);
        self.tier_stubs.push(TierStub {
            slow,
            resume,
            id,
            allocs: allocs.to_vec(),
            classes: ops.iter().map(|o| o.vreg.class()).collect(),
            srcloc: self.cur_srcloc,
        });
        Ok(())
    }

    /// The out-of-line part of a tier check: saves every caller-saved
    /// allocatable register, calls the tier-up builtin, and either resumes
    /// or (at a loop, when the builtin returns an OSR entry) writes the
    /// frame's state to a buffer on the stack, calls the optimized code with
    /// its address, copies return-area results to this function's return
    /// area and returns.
    fn tier_stub(&mut self, vc: &VCode, st: &TierStub) -> Result<(), CompileError> {
        let info = vc
            .tier_checks
            .get(st.id as usize)
            .ok_or_else(|| err("tier check without data"))?;
        let save = TIER_SAVE_AREA;
        self.asm.dynamic_label(st.slow);
        x64!(self.asm; sub rsp, save);
        for (k, &r) in TIER_SAVED_INT.iter().enumerate() {
            let o = 8 * k as i32;
            x64!(self.asm; mov QWORD [rsp + o], Rq(r));
        }
        for j in 0..TIER_SAVED_FLOAT {
            let o = 64 + 16 * j as i32;
            x64!(self.asm; movdqu [rsp + o], Rx(j));
        }
        let (counter, builtin, loop_index) = (info.counter, info.builtin, info.loop_index as i32);
        x64!(self.asm
            ; mov rdi, r14
            ; mov esi, counter
            ; mov edx, loop_index
        );
        let off = self.off();
        self.addr_map.push((off, st.srcloc));
        x64!(self.asm; call QWORD [r14 + builtin]);
        let osr = info.loop_index != strata_ir::CallKind::NO_LOOP;
        let transfer = self.label();
        if osr {
            x64!(self.asm; test rax, rax);
            self.jcc(Cond::NE, transfer);
        }
        for (k, &r) in TIER_SAVED_INT.iter().enumerate() {
            let o = 8 * k as i32;
            x64!(self.asm; mov Rq(r), QWORD [rsp + o]);
        }
        for j in 0..TIER_SAVED_FLOAT {
            let o = 64 + 16 * j as i32;
            x64!(self.asm; movdqu Rx(j), [rsp + o]);
        }
        x64!(self.asm; add rsp, save);
        self.jmp(st.resume);
        if !osr {
            return Ok(());
        }
        // OSR: [rsp, rsp + area) is the callee's return area, the buffer
        // follows; the save area sits right above both.
        self.asm.dynamic_label(transfer);
        let area = abi::align16(info.return_area) as i32;
        let n = info.state.len() as u32;
        let total = abi::align16(info.return_area.next_multiple_of(16) + 8 * n) as i32;
        x64!(self.asm
            ; mov r10, rax
            ; sub rsp, total
        );
        for (i, &op) in info.state.iter().enumerate() {
            let dst = area + 8 * i as i32;
            let a = st
                .allocs
                .get(op as usize)
                .copied()
                .ok_or_else(|| err("tier check state without an allocation"))?;
            let class = st.classes[op as usize];
            match (a, class) {
                (Allocation::Reg(p), RegClass::Int) => {
                    let hw = p.hw_enc();
                    match TIER_SAVED_INT.iter().position(|&r| r == hw) {
                        Some(k) => {
                            let o = total + 8 * k as i32;
                            x64!(self.asm; mov r11, QWORD [rsp + o]);
                        }
                        None => x64!(self.asm; mov r11, Rq(hw)),
                    }
                    x64!(self.asm; mov QWORD [rsp + dst], r11);
                }
                (Allocation::Reg(p), RegClass::Float) => {
                    let o = total + 64 + 16 * p.hw_enc() as i32;
                    x64!(self.asm
                        ; mov r11, QWORD [rsp + o]
                        ; mov QWORD [rsp + dst], r11);
                }
                (Allocation::Stack(s), _) => {
                    let o = self.slot_offset(s.index());
                    x64!(self.asm
                        ; mov r11, QWORD [rbp + o]
                        ; mov QWORD [rsp + dst], r11);
                }
                (Allocation::None, _) => return Err(err("unallocated tier check state")),
            }
        }
        x64!(self.asm; lea rdi, [rsp + area]);
        let off = self.off();
        self.addr_map.push((off, st.srcloc));
        x64!(self.asm; call r10);
        self.osr_returns.push(self.off() - 1);
        let dst_base = abi::incoming_result_offset(info.incoming_stack_args, 0);
        for k in 0..info.return_area / 8 {
            let o = 8 * k as i32;
            let d = dst_base + o;
            x64!(self.asm
                ; mov r11, QWORD [rsp + o]
                ; mov QWORD [rbp + d], r11);
        }
        self.epilogue();
        Ok(())
    }

    /// Per block: whether it is a loop header to align: the target of a
    /// backward branch in layout order, after jump threading, whose loop
    /// (the blocks from it to its last backward branch) has no call.
    fn loop_headers(&self, vc: &VCode) -> Vec<bool> {
        use strata_regalloc::Function as _;
        let n = vc.num_blocks();
        // The last block (in layout order) that jumps back to each header.
        let mut last = vec![u32::MAX; n];
        // calls[b]: the blocks before `b` that call.
        let mut calls = vec![0u32; n + 1];
        for b in 0..n {
            let call = self.resolved[b] == b as u32
                && vc
                    .block_insns(strata_regalloc::Block(b as u32))
                    .iter()
                    .any(|i| matches!(vc.insts[i.index()], MInst::Call { .. }));
            calls[b + 1] = calls[b] + u32::from(call);
            if self.resolved[b] != b as u32 {
                continue;
            }
            for &s in vc.block_succs(strata_regalloc::Block(b as u32)) {
                let t = self.resolved[s.index()] as usize;
                if t <= b && (last[t] == u32::MAX || last[t] < b as u32) {
                    last[t] = b as u32;
                }
            }
        }
        // A loop that calls is not aligned: the call costs more than the
        // fetch line, and the padding on the way in would be run (or
        // jumped over) on every entry (recursion's `fib` enters its loop
        // once per call).
        (0..n)
            .map(|t| last[t] != u32::MAX && calls[last[t] as usize + 1] == calls[t])
            .collect()
    }

    /// Prepares [`Hoist`] for the branch `i` ending block `b`, followed by
    /// block `e`, if `e` is an edge block the allocator lets fold into it
    /// and it jumps back: takes the edge block's copies (as moves) and
    /// edits, in order, into `hoist_edits` (advancing `edit_idx` past
    /// them), and returns whether the branch's other arm comes next. (Out
    /// of line: the loop over instructions stays small.)
    #[inline(never)]
    fn fold_edge(
        &mut self,
        vc: &VCode,
        out: &Output,
        i: strata_regalloc::Inst,
        b: usize,
        e: u32,
        edit_idx: &mut usize,
    ) -> Option<bool> {
        use strata_regalloc::Function as _;
        out.hoistable_edges.binary_search(&e).ok()?;
        let (h, other) = self.foldable_edge(vc, &vc.insts[i.index()], e)?;
        if h as usize > b {
            return None;
        }
        // (The branch has no edits after it.)
        let edits = &out.edits;
        self.hoist_edits.clear();
        for j in vc.block_insns(strata_regalloc::Block(e)).iter() {
            while *edit_idx < edits.len() && edits[*edit_idx].0 <= ProgPoint::before(j) {
                self.hoist_edits.push(edits[*edit_idx].1);
                *edit_idx += 1;
            }
            if let (MInst::Copy, &[from, to]) = (&vc.insts[j.index()], out.inst_allocs(j)) {
                let class = vc.inst_operands(j)[0].vreg.class();
                self.hoist_edits.push(Edit::Move { from, to, class });
            }
        }
        let after = (e as usize + 1..vc.num_blocks())
            .find(|&n| self.resolved[n] == n as u32)
            .map(|n| n as u32);
        self.hoist = Some(Hoist {
            edge: e,
            target: h,
            after,
        });
        Some(after == Some(other))
    }

    /// Whether `term` (the last instruction of the block before edge block
    /// `e`) is a two-way branch with `e` as one arm that [`Hoist`] can fold:
    /// then the edge block's (resolved) target and the other arm. (The
    /// caller folds only edges that jump back: forward, the edge block
    /// typically falls through into its target, and folding would add a
    /// jump to the other arm.)
    fn foldable_edge(&self, vc: &VCode, term: &MInst, e: u32) -> Option<(u32, u32)> {
        use strata_regalloc::Function as _;
        let (then_, else_) = match *term {
            MInst::CondBr { then_, else_, .. } | MInst::Brif { then_, else_ } => {
                (self.resolved[then_ as usize], self.resolved[else_ as usize])
            }
            _ => return None,
        };
        let other = match (then_ == e, else_ == e) {
            (true, false) => else_,
            (false, true) => then_,
            _ => return None,
        };
        let range = vc.block_insns(strata_regalloc::Block(e));
        let (&last, copies) = vc.insts[range.first.index()..range.last.index()].split_last()?;
        match last {
            MInst::Jump { target } if copies.iter().all(|m| matches!(m, MInst::Copy)) => {
                Some((self.resolved[target as usize], other))
            }
            _ => None,
        }
    }

    /// The rest of a branch folded with its edge block (see [`Hoist`]),
    /// after the flags are set: the edge block's moves, a jump on `test`
    /// (the branch to `then_`) or its inverse to the edge block's target,
    /// and a jump to the other arm unless it comes next.
    fn folded_branch(
        &mut self,
        h: Hoist,
        test: Test,
        then_: u32,
        else_: u32,
    ) -> Result<(), CompileError> {
        let edits = std::mem::take(&mut self.hoist_edits);
        for e in &edits {
            self.edit(e)?;
        }
        self.hoist_edits = edits;
        let target = self.block_labels[h.target as usize];
        let other = if then_ == h.edge {
            self.jump_if(test, target);
            else_
        } else {
            self.jump_unless(test, target);
            then_
        };
        if h.after != Some(other) {
            self.jmp(self.block_labels[other as usize]);
        }
        Ok(())
    }

    /// Pads with multi-byte NOPs up to a multiple of `align` bytes.
    fn align_nops(&mut self, align: u32) {
        self.pad_nops((align - self.off() % align) % align);
    }

    /// Emits `pad` bytes of multi-byte NOPs.
    fn pad_nops(&mut self, mut pad: u32) {
        const NOPS: [&[u8]; 9] = [
            &[0x90],
            &[0x66, 0x90],
            &[0x0f, 0x1f, 0x00],
            &[0x0f, 0x1f, 0x40, 0x00],
            &[0x0f, 0x1f, 0x44, 0x00, 0x00],
            &[0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00],
            &[0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00],
            &[0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
            &[0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
        ];
        while pad > 0 {
            let k = pad.min(NOPS.len() as u32);
            self.asm.extend(NOPS[k as usize - 1].iter().copied());
            pad -= k;
        }
    }

    /// Jump threading: a block that is a lone `Jump` with no allocator edits
    /// (an empty critical-edge block, typically), apart from copies whose
    /// source and destination share a register, is bypassed. Fills
    /// `resolved` (each block's final target; itself unless bypassed) and
    /// points a bypassed block's label at its target's label, so branches,
    /// jump tables and fall-through decisions all see the final target.
    /// A cycle of such blocks (an empty infinite loop) keeps one member.
    fn thread_jumps(&mut self, vc: &VCode, out: &Output) {
        use strata_regalloc::Function as _;
        let n = vc.num_blocks();
        self.resolved.clear();
        self.resolved.extend(0..n as u32);
        // Per block: the target if it is a lone jump without edits.
        let mut jump_to: Vec<Option<u32>> = vec![None; n];
        let mut edit_idx = 0;
        let edits = &out.edits;
        for (b, slot) in jump_to.iter_mut().enumerate() {
            let r = vc.block_insns(strata_regalloc::Block(b as u32));
            while edit_idx < edits.len() && edits[edit_idx].0 < ProgPoint::before(r.first) {
                edit_idx += 1;
            }
            let has_edits = edit_idx < edits.len() && edits[edit_idx].0 < ProgPoint::before(r.last);
            if b == 0 || has_edits || r.last.index() <= r.first.index() {
                continue;
            }
            // Copies whose source and destination got the same register
            // emit nothing.
            let last = r.last.index() - 1;
            let silent = (r.first.index()..last).all(|i| {
                let a = out.inst_allocs(strata_regalloc::Inst(i as u32));
                matches!(vc.insts[i], MInst::Copy)
                    && a.len() == 2
                    && a[0] == a[1]
                    && matches!(a[0], Allocation::Reg(_))
            });
            if let (true, MInst::Jump { target }) = (silent, &vc.insts[last]) {
                *slot = Some(*target);
            }
        }
        // Resolve every chain of lone jumps once: a walk stops at a block
        // already resolved and hands its result to every block on the path,
        // so the whole pass is linear even for long chains (10,000 nested
        // `end`s make one).
        const NEW: u8 = 0;
        const ON_PATH: u8 = 1;
        const DONE: u8 = 2;
        let mut state = vec![NEW; n];
        let mut path: SmallVec<[u32; 8]> = SmallVec::new();
        for b in 0..n {
            if state[b] == DONE {
                continue;
            }
            let mut cur = b as u32;
            path.clear();
            let target = loop {
                match state[cur as usize] {
                    DONE => break self.resolved[cur as usize],
                    ON_PATH => {
                        // A cycle of lone jumps: `cur` keeps its jump.
                        jump_to[cur as usize] = None;
                        break cur;
                    }
                    _ => {}
                }
                match jump_to[cur as usize] {
                    Some(t) => {
                        state[cur as usize] = ON_PATH;
                        path.push(cur);
                        cur = t;
                    }
                    None => {
                        state[cur as usize] = DONE;
                        self.resolved[cur as usize] = cur;
                        break cur;
                    }
                }
            };
            for &p in &path {
                state[p as usize] = DONE;
                self.resolved[p as usize] = target;
            }
            if jump_to[target as usize].is_none() {
                state[target as usize] = DONE;
                self.resolved[target as usize] = target;
            }
        }
        // A block that kept its jump (cycle member) resolves to itself even
        // if an earlier walk went through it.
        for b in 0..n {
            let t = self.resolved[b] as usize;
            if jump_to[t].is_some() {
                self.resolved[b] = b as u32;
            }
        }
        for b in 0..n {
            let t = self.resolved[b] as usize;
            self.block_labels[b] = self.block_labels[t];
        }
    }

    fn inst(
        &mut self,
        vc: &VCode,
        inst: &MInst,
        r: &[u8],
        ops: &[strata_regalloc::Operand],
        next: Option<u32>,
    ) -> Result<(), CompileError> {
        match *inst {
            MInst::Args => {}
            MInst::TierCheck { .. } => {
                return Err(err("tier check emitted as a plain instruction"));
            }
            MInst::LoadStackArg { off } => match ops[0].vreg.class() {
                RegClass::Int => at_op!(self, rbp, off, |a| x64!(a; mov Rq(r[0]), QWORD [MEM])),
                RegClass::Float => at_op!(self, rbp, off, |a| x64!(a; movsd Rx(r[0]), QWORD [MEM])),
            },
            MInst::Imm { size, imm } => self.mov_imm(size, r[0], imm),
            MInst::FImm { bits, .. } => self.load_fconst(r[0], bits),
            MInst::Copy if r[0] & STACK != 0 || r[1] & STACK != 0 => {
                let class = ops[0].vreg.class();
                let slot = |k: usize| (r[k] & STACK != 0).then(|| self.stack_mem(r[k]).off);
                let (from, to) = (slot(0), slot(1));
                let src = match (from, to) {
                    (Some(f), Some(t)) if f == t => return Ok(()),
                    (Some(f), _) => {
                        // Between two slots, through a scratch register
                        // (which no operand of a copy needs).
                        let d = if to.is_some() {
                            crate::regs::scratch(class)
                        } else {
                            r[1]
                        };
                        self.load_slot(class, d, f);
                        d
                    }
                    (None, _) => r[0],
                };
                if let Some(t) = to {
                    self.store_slot(class, t, src);
                }
            }
            MInst::Copy => self.mov_rr(ops[0].vreg.class(), r[1], r[0]),
            MInst::Vmctx => x64!(self.asm; mov Rq(r[0]), r14),
            MInst::Alu { op, size } if r[1] & STACK != 0 => {
                debug_assert_eq!(r[0], r[2], "reuse constraint");
                let m = self.stack_mem(r[1]);
                self.alu_mem(op, size, r[2], m);
                self.note_zf(op, size, r[2]);
            }
            MInst::Alu { op, size } => {
                self.alu(op, size, r);
                self.note_zf(op, size, r[2]);
            }
            MInst::AluImm { op, size, imm } => {
                self.alu_imm(op, size, imm, r[0], r[1]);
                self.note_zf(op, size, r[1]);
            }
            MInst::Andn { size } => match size {
                Size::S32 => x64!(self.asm; andn Rd(r[2]), Rd(r[0]), Rd(r[1])),
                Size::S64 => x64!(self.asm; andn Rq(r[2]), Rq(r[0]), Rq(r[1])),
            },
            MInst::ShiftImm { op, size, amt } => self.shift_imm(op, size, amt, r[1]),
            MInst::Rorx { size, amt } => {
                let (d, n) = (r[1], amt as i8);
                if r[0] & STACK != 0 {
                    let m = self.stack_mem(r[0]);
                    match size {
                        Size::S32 => mem_op!(self, m, |a| x64!(a; rorx Rd(d), DWORD [MEM], n)),
                        Size::S64 => mem_op!(self, m, |a| x64!(a; rorx Rq(d), QWORD [MEM], n)),
                    }
                } else {
                    let s = r[0];
                    match size {
                        Size::S32 => x64!(self.asm; rorx Rd(d), Rd(s), n),
                        Size::S64 => x64!(self.asm; rorx Rq(d), Rq(s), n),
                    }
                }
            }
            MInst::Lea {
                size, base: true, ..
            } if (r[0] | r[1]) & STACK != 0 => {
                // A plain sum with an input in a spill slot (see
                // `MInst::may_be_stack`): the other input into the result
                // (a register input first: the result may be its register),
                // then `add` the slot.
                let d = r[2];
                let (x, slot) = if r[0] & STACK != 0 {
                    (r[1], r[0])
                } else {
                    (r[0], r[1])
                };
                if x & STACK != 0 {
                    let m = self.stack_mem(x);
                    self.load(
                        if size == Size::S32 {
                            LoadOp::I32
                        } else {
                            LoadOp::I64
                        },
                        m,
                        d,
                    );
                } else {
                    self.mov_sized(size, d, x);
                }
                let m = self.stack_mem(slot);
                self.alu_mem(AluOp::Add, size, d, m);
                self.note_zf(AluOp::Add, size, d);
            }
            MInst::Lea {
                size,
                base: false,
                shift,
                disp,
                ..
            } => {
                // `[index * 2^shift + disp]`: no base, a 32-bit displacement.
                let (i, d) = (r[0], r[1]);
                let a = &mut self.asm;
                match (size, shift) {
                    (Size::S32, 1) => x64!(a; lea Rd(d), [Rq(i) * 2 + disp]),
                    (Size::S32, 2) => x64!(a; lea Rd(d), [Rq(i) * 4 + disp]),
                    (Size::S32, 3) => x64!(a; lea Rd(d), [Rq(i) * 8 + disp]),
                    (Size::S64, 1) => x64!(a; lea Rq(d), [Rq(i) * 2 + disp]),
                    (Size::S64, 2) => x64!(a; lea Rq(d), [Rq(i) * 4 + disp]),
                    (Size::S64, 3) => x64!(a; lea Rq(d), [Rq(i) * 8 + disp]),
                    _ => return Err(err("lea without a base needs a scaled index")),
                }
            }
            MInst::Lea {
                size,
                index,
                shift,
                disp,
                ..
            } => self.lea(size, index, shift, disp, r),
            MInst::DivConst {
                kind,
                size,
                divisor,
            } => self.div_const(kind, size, divisor, r)?,
            MInst::SetCond { cmp } => {
                let n = cmp.num_operands();
                let Test::One(c) = Test::of(cmp) else {
                    return Err(err("SetCond of a float comparison"));
                };
                self.set_flags(cmp, r);
                self.setcc(c, r[n]);
                x64!(self.asm; movzx Rd(r[n]), Rb(r[n]));
            }
            MInst::AddCarry { cmp, size, sub } => {
                let n = cmp.num_operands();
                let d = r[n + 1];
                // The carry flag is the condition (below) or its complement.
                let carry_true = match cmp {
                    CmpKind::Cmp { cc, .. }
                    | CmpKind::CmpImm { cc, .. }
                    | CmpKind::CmpMem { cc, .. } => match cc {
                        IntCC::UnsignedLessThan => true,
                        IntCC::UnsignedGreaterThanOrEqual => false,
                        _ => return Err(err("AddCarry needs an unsigned below or above-or-equal")),
                    },
                    _ => return Err(err("AddCarry needs a cmp")),
                };
                self.set_flags(cmp, r);
                // x + c: adc x, 0 (c = CF) or sbb x, -1 (c = !CF);
                // x - c: sbb x, 0 or adc x, -1.
                let imm: i8 = if carry_true { 0 } else { -1 };
                let a = &mut self.asm;
                match (sub == carry_true, size) {
                    (true, Size::S32) => x64!(a; sbb Rd(d), BYTE imm),
                    (true, Size::S64) => x64!(a; sbb Rq(d), BYTE imm),
                    (false, Size::S32) => x64!(a; adc Rd(d), BYTE imm),
                    (false, Size::S64) => x64!(a; adc Rq(d), BYTE imm),
                }
            }
            MInst::CondSelect { cmp, float } => {
                let n = cmp.num_operands();
                let (t, d) = (r[n], r[n + 2]);
                let test = Test::of(cmp);
                self.set_flags(cmp, r);
                match (float, test) {
                    (false, Test::One(c)) => self.cmov(c, d, t),
                    (false, Test::FNe) => {
                        self.cmov(Cond::NE, d, t);
                        self.cmov(Cond::P, d, t);
                    }
                    _ => {
                        let skip = self.near_label();
                        self.jump_unless(test, skip);
                        if float {
                            x64!(self.asm; movaps Rx(d), Rx(t));
                        } else {
                            x64!(self.asm; mov Rq(d), Rq(t));
                        }
                        x64!(self.asm; =>skip);
                    }
                }
            }
            MInst::Shift { op, size } => self.shift(op, size, r[2]),
            MInst::ShiftX { op, size } => {
                let (s, c, d) = (r[0], r[1], r[2]);
                let a = &mut self.asm;
                match (op, size) {
                    (ShiftOp::Shl, Size::S32) => x64!(a; shlx Rd(d), Rd(s), Rd(c)),
                    (ShiftOp::Shl, Size::S64) => x64!(a; shlx Rq(d), Rq(s), Rq(c)),
                    (ShiftOp::Sar, Size::S32) => x64!(a; sarx Rd(d), Rd(s), Rd(c)),
                    (ShiftOp::Sar, Size::S64) => x64!(a; sarx Rq(d), Rq(s), Rq(c)),
                    (ShiftOp::Shr, Size::S32) => x64!(a; shrx Rd(d), Rd(s), Rd(c)),
                    (ShiftOp::Shr, Size::S64) => x64!(a; shrx Rq(d), Rq(s), Rq(c)),
                    (ShiftOp::Rol | ShiftOp::Ror, _) => {
                        return Err(err("ShiftX of a rotate"));
                    }
                }
            }
            MInst::BitCount { op, size } => self.bitcount(op, size, r[1], r[0]),
            MInst::Ext { op } => self.ext(op, r[1], r[0]),
            MInst::DivRem { kind, size } => self.divrem(kind, size, r[1]),
            MInst::Icmp { cc, size } => {
                match size {
                    Size::S32 => x64!(self.asm; cmp Rd(r[0]), Rd(r[1])),
                    Size::S64 => x64!(self.asm; cmp Rq(r[0]), Rq(r[1])),
                }
                self.setcc(Cond::from_intcc(cc), r[2]);
                x64!(self.asm; movzx Rd(r[2]), Rb(r[2]));
            }
            MInst::Eqz { size } => {
                match size {
                    _ if self.zf_holds(r[0], size) => {}
                    Size::S32 => x64!(self.asm; test Rd(r[0]), Rd(r[0])),
                    Size::S64 => x64!(self.asm; test Rq(r[0]), Rq(r[0])),
                }
                x64!(self.asm; sete Rb(r[1]); movzx Rd(r[1]), Rb(r[1]));
            }
            MInst::Fpu { op, f64 } if r[1] & STACK != 0 => {
                let m = self.stack_mem(r[1]);
                self.fpu_mem(op, f64, r[2], r[0], m);
            }
            MInst::Fpu { op, f64 } if r[2] != r[0] => self.fpu_vex(op, f64, r[2], r[0], r[1]),
            MInst::Fpu { op, f64 } => self.fpu(op, f64, r[2], r[1]),
            MInst::AluMem {
                op,
                size,
                offset,
                shift,
            } => {
                debug_assert_eq!(r[0], r[2], "reuse constraint");
                let m = self.access(true, &r[1..], offset, Some(shift));
                self.alu_mem(op, size, r[2], m);
                self.note_zf(op, size, r[2]);
            }
            MInst::FpuMem {
                op,
                f64,
                offset,
                shift,
            } => {
                let m = self.access(true, &r[1..], offset, Some(shift));
                self.fpu_mem(op, f64, r[2], r[0], m);
            }
            MInst::FMinMax { max, f64 } => self.fminmax(max, f64, r[2], r[1]),
            MInst::FSign { neg, f64 } => {
                let sign: u64 = if f64 { 1 << 63 } else { 1 << 31 };
                let mask = if neg {
                    sign
                } else {
                    !sign & if f64 { u64::MAX } else { 0xffff_ffff }
                };
                let l = self.pool_entry16(mask);
                // (The three-operand form only where the lowering let the
                // result sit apart from the input: with AVX.)
                match (neg, r[0] == r[1]) {
                    (true, true) => x64!(self.asm; xorps Rx(r[1]), [=>l]),
                    (false, true) => x64!(self.asm; andps Rx(r[1]), [=>l]),
                    (true, false) => x64!(self.asm; vxorps Rx(r[1]), Rx(r[0]), [=>l]),
                    (false, false) => x64!(self.asm; vandps Rx(r[1]), Rx(r[0]), [=>l]),
                }
            }
            MInst::Fcopysign { f64 } => {
                let (x, y, d, t1, t2) = (r[0], r[1], r[2], r[3], r[4]);
                let a = &mut self.asm;
                if f64 {
                    x64!(a
                        ; movq Rq(t1), Rx(x); btr Rq(t1), 63
                        ; movq Rq(t2), Rx(y); shr Rq(t2), 63; shl Rq(t2), 63
                        ; or Rq(t1), Rq(t2); movq Rx(d), Rq(t1));
                } else {
                    x64!(a
                        ; movd Rd(t1), Rx(x); btr Rd(t1), 31
                        ; movd Rd(t2), Rx(y); shr Rd(t2), 31; shl Rd(t2), 31
                        ; or Rd(t1), Rd(t2); movd Rx(d), Rd(t1));
                }
            }
            MInst::Fsqrt { f64 } => {
                let (s, d) = (r[0], r[1]);
                if f64 {
                    x64!(self.asm; sqrtsd Rx(d), Rx(s));
                } else {
                    x64!(self.asm; sqrtss Rx(d), Rx(s));
                }
            }
            MInst::Round { mode, f64 } => {
                let (s, d) = (r[0], r[1]);
                if f64 {
                    x64!(self.asm; roundsd Rx(d), Rx(s), mode as i8);
                } else {
                    x64!(self.asm; roundss Rx(d), Rx(s), mode as i8);
                }
            }
            MInst::Fcmp { cc, f64 } => self.fcmp(cc, f64, r),
            MInst::IntToFloat { src64, f64 } => {
                let (s, d) = (r[0], r[1]);
                let a = &mut self.asm;
                x64!(a; xorps Rx(d), Rx(d));
                match (src64, f64) {
                    (true, true) => x64!(a; cvtsi2sd Rx(d), Rq(s)),
                    (false, true) => x64!(a; cvtsi2sd Rx(d), Rd(s)),
                    (true, false) => x64!(a; cvtsi2ss Rx(d), Rq(s)),
                    (false, false) => x64!(a; cvtsi2ss Rx(d), Rd(s)),
                }
            }
            MInst::U64ToFloat { f64 } => self.u64_to_float(f64, r),
            MInst::FloatToInt {
                f64,
                dst64,
                signed,
                sat,
            } => self.float_to_int(f64, dst64, signed, sat, r),
            MInst::Promote => x64!(self.asm; cvtss2sd Rx(r[1]), Rx(r[0])),
            MInst::Demote => x64!(self.asm; cvtsd2ss Rx(r[1]), Rx(r[0])),
            MInst::BitcastToFloat { f64 } => {
                if f64 {
                    x64!(self.asm; movq Rx(r[1]), Rq(r[0]));
                } else {
                    x64!(self.asm; movd Rx(r[1]), Rd(r[0]));
                }
            }
            MInst::BitcastToInt { f64 } => {
                if f64 {
                    x64!(self.asm; movq Rq(r[1]), Rx(r[0]));
                } else {
                    x64!(self.asm; movd Rd(r[1]), Rx(r[0]));
                }
            }
            MInst::Select { float } => {
                let (c, t, d) = (r[0], r[1], r[3]);
                x64!(self.asm; test Rd(c), Rd(c));
                if float {
                    let skip = self.near_label();
                    x64!(self.asm; jz =>skip; movaps Rx(d), Rx(t); =>skip);
                } else {
                    x64!(self.asm; cmovnz Rq(d), Rq(t));
                }
            }
            MInst::Load {
                op,
                heap,
                offset,
                index,
            } => {
                let m = self.access(heap, r, offset, index);
                self.load(op, m, r[r.len() - 1]);
            }
            MInst::VmctxLoad { op, offset } => {
                self.load(op, Mem::at(crate::regs::VMCTX, offset), r[0]);
            }
            MInst::VmctxStore { op, offset } => {
                self.store(op, Mem::at(crate::regs::VMCTX, offset), r[0]);
            }
            MInst::Store {
                op,
                heap,
                offset,
                index,
            } => {
                let m = self.access(heap, r, offset, index);
                self.store(op, m, r[r.len() - 1]);
            }
            MInst::StoreImm {
                op,
                heap,
                offset,
                shift,
                imm,
            } => {
                let m = self.access(heap, r, offset, heap.then_some(shift));
                self.store_imm(op, m, imm);
            }
            MInst::AluRmw {
                op,
                size,
                place,
                offset,
                shift,
                imm,
            } => {
                let m = match place {
                    RmwPlace::Vmctx => Mem::at(crate::regs::VMCTX, offset),
                    RmwPlace::Vm => self.access(false, r, offset, None),
                    RmwPlace::Heap => self.access(true, r, offset, Some(shift)),
                };
                let src = match imm {
                    Some(c) => Err(c),
                    None => Ok(*r.last().ok_or_else(|| err("rmw without a source"))?),
                };
                self.alu_rmw(op, size, m, src)?;
            }
            MInst::StoreOutgoingArg { off } => {
                let off = off as i32;
                match ops[0].vreg.class() {
                    RegClass::Int => at_op!(self, rsp, off, |a| x64!(a; mov QWORD [MEM], Rq(r[0]))),
                    RegClass::Float => {
                        at_op!(self, rsp, off, |a| x64!(a; movsd QWORD [MEM], Rx(r[0])))
                    }
                }
            }
            MInst::LoadStackResult { off } => {
                let off = off as i32;
                match ops[0].vreg.class() {
                    RegClass::Int => at_op!(self, rsp, off, |a| x64!(a; mov Rq(r[0]), QWORD [MEM])),
                    RegClass::Float => {
                        at_op!(self, rsp, off, |a| x64!(a; movsd Rx(r[0]), QWORD [MEM]))
                    }
                }
            }
            MInst::StoreStackResult { off } => match ops[0].vreg.class() {
                RegClass::Int => at_op!(self, rbp, off, |a| x64!(a; mov QWORD [MEM], Rq(r[0]))),
                RegClass::Float => at_op!(self, rbp, off, |a| x64!(a; movsd QWORD [MEM], Rx(r[0]))),
            },
            MInst::Call { target } => {
                let hb = HEAP_BASE as i32;
                match target {
                    CallTarget::Direct(slot) | CallTarget::Builtin(slot) => {
                        let slot = i32::try_from(slot).map_err(|_| err("call slot too large"))?;
                        // The entry covers the call instruction, so that a
                        // return address minus one maps to this srcloc.
                        let off = self.off();
                        self.addr_map.push((off, self.cur_srcloc));
                        at_op!(self, r14, slot, |a| x64!(a; call QWORD [MEM]));
                    }
                    CallTarget::Indirect => {
                        let (code, vm) = (r[0], r[1]);
                        let sv = abi::SAVED_VMCTX_OFFSET;
                        let off = self.off();
                        self.addr_map.push((off, self.cur_srcloc));
                        x64!(self.asm
                            ; mov r14, Rq(vm)
                            ; mov r15, QWORD [r14 + hb]
                            ; call Rq(code));
                        x64!(self.asm
                            ; mov r14, QWORD [rbp + sv]
                            ; mov r15, QWORD [r14 + hb]);
                    }
                }
            }
            MInst::TrapIf { code } => {
                let l = self.stub(code);
                x64!(self.asm; test Rd(r[0]), Rd(r[0]));
                self.jcc(Cond::NE, l);
            }
            MInst::CondTrap { cmp, code } => {
                let l = self.stub(code);
                self.set_flags(cmp, r);
                self.jump_if(Test::of(cmp), l);
            }
            MInst::Jump { target } => {
                let target = self.resolved[target as usize];
                if next != Some(target) {
                    let l = self.block_labels[target as usize];
                    self.jmp(l);
                }
            }
            MInst::CondBr { cmp, then_, else_ } => {
                let (then_, else_) = (self.resolved[then_ as usize], self.resolved[else_ as usize]);
                if let Some(h) = self.hoist.take() {
                    let test = Test::of(cmp);
                    self.set_flags(cmp, r);
                    return self.folded_branch(h, test, then_, else_);
                }
                if then_ == else_ {
                    // (A comparison in memory still reads it: the load may
                    // trap.)
                    if matches!(cmp, CmpKind::CmpMem { .. }) {
                        self.set_flags(cmp, r);
                    }
                    if next != Some(then_) {
                        self.jmp(self.block_labels[then_ as usize]);
                    }
                    return Ok(());
                }
                let test = Test::of(cmp);
                self.set_flags(cmp, r);
                let (tl, el) = (
                    self.block_labels[then_ as usize],
                    self.block_labels[else_ as usize],
                );
                if next == Some(then_) {
                    self.jump_unless(test, el);
                } else {
                    self.jump_if(test, tl);
                    if next != Some(else_) {
                        self.jmp(el);
                    }
                }
            }
            MInst::Brif { then_, else_ } => {
                let (then_, else_) = (self.resolved[then_ as usize], self.resolved[else_ as usize]);
                if then_ == else_ {
                    if next != Some(then_) {
                        self.jmp(self.block_labels[then_ as usize]);
                    }
                    return Ok(());
                }
                if !self.zf_holds(r[0], Size::S32) {
                    x64!(self.asm; test Rd(r[0]), Rd(r[0]));
                }
                if let Some(h) = self.hoist.take() {
                    return self.folded_branch(h, Test::One(Cond::NE), then_, else_);
                }
                let (tl, el) = (
                    self.block_labels[then_ as usize],
                    self.block_labels[else_ as usize],
                );
                if next == Some(then_) {
                    self.jcc(Cond::E, el);
                } else {
                    self.jcc(Cond::NE, tl);
                    if next != Some(else_) {
                        self.jmp(el);
                    }
                }
            }
            MInst::JumpTableAddr { jt } => {
                let tl = *self
                    .jt_labels
                    .get(jt as usize)
                    .ok_or_else(|| err("jump table address of a missing table"))?;
                x64!(self.asm; lea Rq(r[0]), [=>tl]);
            }
            MInst::BrTable {
                jt,
                in_range,
                with_addr,
            } => {
                let idx = r[0];
                let targets = vc.jt(jt);
                let tl = self.jt_labels[jt as usize];
                if !in_range {
                    // Past the last entry but the default: to the default,
                    // the table's entry for it (the code after a block's
                    // terminator is its successors', so no edit is skipped).
                    let n = targets.len() as i32 - 1;
                    let default = *targets.last().ok_or_else(|| err("empty jump table"))?;
                    let dl = self.block_labels[default as usize];
                    self.cmp_imm(Size::S32, idx, n);
                    self.jcc(Cond::AE, dl);
                }
                // The table's address in `t`, the entry's in `e`: r10 and
                // r11, the allocator's scratch registers, free at a
                // terminator, unless a reload put the index or the address
                // there. (The index, an i32, is zero-extended in its
                // register, as a heap address is.)
                let (t, e) = if with_addr {
                    let t = r[1];
                    (t, if t == 11 { 10 } else { 11 })
                } else if idx == 10 {
                    (11, 10)
                } else {
                    (10, 11)
                };
                if !with_addr {
                    x64!(self.asm; lea Rq(t), [=>tl]);
                }
                x64!(self.asm
                    ; movsxd Rq(e), DWORD [Rq(t) + Rq(idx) * 4]
                    ; add Rq(e), Rq(t)
                    ; jmp Rq(e));
            }
            MInst::Ret => self.epilogue(),
            MInst::Trap { code } => {
                self.trap_site_here(code);
                x64!(self.asm; ud2);
            }
        }
        Ok(())
    }

    fn alu(&mut self, op: AluOp, size: Size, r: &[u8]) {
        let (d, b) = (r[2], r[1]);
        debug_assert_eq!(r[0], r[2], "reuse constraint");
        let a = &mut self.asm;
        match (op, size) {
            (AluOp::Add, Size::S32) => x64!(a; add Rd(d), Rd(b)),
            (AluOp::Add, Size::S64) => x64!(a; add Rq(d), Rq(b)),
            (AluOp::Sub, Size::S32) => x64!(a; sub Rd(d), Rd(b)),
            (AluOp::Sub, Size::S64) => x64!(a; sub Rq(d), Rq(b)),
            (AluOp::And, Size::S32) => x64!(a; and Rd(d), Rd(b)),
            (AluOp::And, Size::S64) => x64!(a; and Rq(d), Rq(b)),
            (AluOp::Or, Size::S32) => x64!(a; or Rd(d), Rd(b)),
            (AluOp::Or, Size::S64) => x64!(a; or Rq(d), Rq(b)),
            (AluOp::Xor, Size::S32) => x64!(a; xor Rd(d), Rd(b)),
            (AluOp::Xor, Size::S64) => x64!(a; xor Rq(d), Rq(b)),
            (AluOp::Imul, Size::S32) => x64!(a; imul Rd(d), Rd(b)),
            (AluOp::Imul, Size::S64) => x64!(a; imul Rq(d), Rq(b)),
        }
    }

    fn shift(&mut self, op: ShiftOp, size: Size, d: u8) {
        let a = &mut self.asm;
        match (op, size) {
            (ShiftOp::Shl, Size::S32) => x64!(a; shl Rd(d), cl),
            (ShiftOp::Shl, Size::S64) => x64!(a; shl Rq(d), cl),
            (ShiftOp::Sar, Size::S32) => x64!(a; sar Rd(d), cl),
            (ShiftOp::Sar, Size::S64) => x64!(a; sar Rq(d), cl),
            (ShiftOp::Shr, Size::S32) => x64!(a; shr Rd(d), cl),
            (ShiftOp::Shr, Size::S64) => x64!(a; shr Rq(d), cl),
            (ShiftOp::Rol, Size::S32) => x64!(a; rol Rd(d), cl),
            (ShiftOp::Rol, Size::S64) => x64!(a; rol Rq(d), cl),
            (ShiftOp::Ror, Size::S32) => x64!(a; ror Rd(d), cl),
            (ShiftOp::Ror, Size::S64) => x64!(a; ror Rq(d), cl),
        }
    }

    fn bitcount(&mut self, op: BitOp, size: Size, d: u8, s: u8) {
        let a = &mut self.asm;
        match (op, size) {
            (BitOp::Lzcnt, Size::S32) => x64!(a; lzcnt Rd(d), Rd(s)),
            (BitOp::Lzcnt, Size::S64) => x64!(a; lzcnt Rq(d), Rq(s)),
            (BitOp::Tzcnt, Size::S32) => x64!(a; tzcnt Rd(d), Rd(s)),
            (BitOp::Tzcnt, Size::S64) => x64!(a; tzcnt Rq(d), Rq(s)),
            (BitOp::Popcnt, Size::S32) => x64!(a; popcnt Rd(d), Rd(s)),
            (BitOp::Popcnt, Size::S64) => x64!(a; popcnt Rq(d), Rq(s)),
        }
    }

    fn ext(&mut self, op: ExtOp, d: u8, s: u8) {
        let a = &mut self.asm;
        match op {
            ExtOp::Mov32 => x64!(a; mov Rd(d), Rd(s)),
            ExtOp::Zx8 => x64!(a; movzx Rd(d), Rb(s)),
            ExtOp::Zx16 => x64!(a; movzx Rd(d), Rw(s)),
            ExtOp::Sx8To32 => x64!(a; movsx Rd(d), Rb(s)),
            ExtOp::Sx16To32 => x64!(a; movsx Rd(d), Rw(s)),
            ExtOp::Sx8To64 => x64!(a; movsx Rq(d), Rb(s)),
            ExtOp::Sx16To64 => x64!(a; movsx Rq(d), Rw(s)),
            ExtOp::Sx32To64 => x64!(a; movsxd Rq(d), Rd(s)),
        }
    }

    /// Dividend in rax, divisor in `d`; rdx is free.
    fn divrem(&mut self, kind: DivKind, size: Size, d: u8) {
        let dz = self.stub(TrapCode::IntegerDivideByZero);
        let s64 = size == Size::S64;
        if s64 {
            x64!(self.asm; test Rq(d), Rq(d));
        } else {
            x64!(self.asm; test Rd(d), Rd(d));
        }
        self.jcc(Cond::E, dz);
        if !kind.is_signed() {
            x64!(self.asm; xor edx, edx);
            if s64 {
                x64!(self.asm; div Rq(d));
            } else {
                x64!(self.asm; div Rd(d));
            }
            return;
        }
        let do_div = self.near_label();
        let done = self.near_label();
        self.cmp_imm(if s64 { Size::S64 } else { Size::S32 }, d, -1);
        self.jcc(Cond::NE, do_div);
        if kind == DivKind::DivS {
            let ovf = self.stub(TrapCode::IntegerOverflow);
            if s64 {
                x64!(self.asm; mov rdx, QWORD i64::MIN; cmp rax, rdx);
            } else {
                x64!(self.asm; cmp eax, i32::MIN);
            }
            self.jcc(Cond::E, ovf);
        } else {
            // x rem -1 == 0 (and INT_MIN rem -1 must not fault).
            x64!(self.asm; xor edx, edx);
            self.jmp(done);
        }
        x64!(self.asm; =>do_div);
        if s64 {
            x64!(self.asm; cqo; idiv Rq(d));
        } else {
            x64!(self.asm; cdq; idiv Rd(d));
        }
        x64!(self.asm; =>done);
    }

    fn fpu(&mut self, op: FpuOp, f64: bool, d: u8, b: u8) {
        let a = &mut self.asm;
        match (op, f64) {
            (FpuOp::Add, true) => x64!(a; addsd Rx(d), Rx(b)),
            (FpuOp::Add, false) => x64!(a; addss Rx(d), Rx(b)),
            (FpuOp::Sub, true) => x64!(a; subsd Rx(d), Rx(b)),
            (FpuOp::Sub, false) => x64!(a; subss Rx(d), Rx(b)),
            (FpuOp::Mul, true) => x64!(a; mulsd Rx(d), Rx(b)),
            (FpuOp::Mul, false) => x64!(a; mulss Rx(d), Rx(b)),
            (FpuOp::Div, true) => x64!(a; divsd Rx(d), Rx(b)),
            (FpuOp::Div, false) => x64!(a; divss Rx(d), Rx(b)),
        }
    }

    /// `d = d op [m]` (integer).
    fn alu_mem(&mut self, op: AluOp, size: Size, d: u8, m: Mem) {
        match (op, size) {
            (AluOp::Add, Size::S32) => mem_op!(self, m, |a| x64!(a; add Rd(d), DWORD [MEM])),
            (AluOp::Add, Size::S64) => mem_op!(self, m, |a| x64!(a; add Rq(d), QWORD [MEM])),
            (AluOp::Sub, Size::S32) => mem_op!(self, m, |a| x64!(a; sub Rd(d), DWORD [MEM])),
            (AluOp::Sub, Size::S64) => mem_op!(self, m, |a| x64!(a; sub Rq(d), QWORD [MEM])),
            (AluOp::And, Size::S32) => mem_op!(self, m, |a| x64!(a; and Rd(d), DWORD [MEM])),
            (AluOp::And, Size::S64) => mem_op!(self, m, |a| x64!(a; and Rq(d), QWORD [MEM])),
            (AluOp::Or, Size::S32) => mem_op!(self, m, |a| x64!(a; or Rd(d), DWORD [MEM])),
            (AluOp::Or, Size::S64) => mem_op!(self, m, |a| x64!(a; or Rq(d), QWORD [MEM])),
            (AluOp::Xor, Size::S32) => mem_op!(self, m, |a| x64!(a; xor Rd(d), DWORD [MEM])),
            (AluOp::Xor, Size::S64) => mem_op!(self, m, |a| x64!(a; xor Rq(d), QWORD [MEM])),
            (AluOp::Imul, Size::S32) => mem_op!(self, m, |a| x64!(a; imul Rd(d), DWORD [MEM])),
            (AluOp::Imul, Size::S64) => mem_op!(self, m, |a| x64!(a; imul Rq(d), QWORD [MEM])),
        }
    }

    /// `d = a op b` in AVX's three-operand form (the lowering lets `d` sit
    /// apart from `a` only with [`crate::CompileOptions::avx`]).
    fn fpu_vex(&mut self, op: FpuOp, f64: bool, d: u8, a: u8, b: u8) {
        let asm = &mut self.asm;
        match (op, f64) {
            (FpuOp::Add, true) => x64!(asm; vaddsd Rx(d), Rx(a), Rx(b)),
            (FpuOp::Add, false) => x64!(asm; vaddss Rx(d), Rx(a), Rx(b)),
            (FpuOp::Sub, true) => x64!(asm; vsubsd Rx(d), Rx(a), Rx(b)),
            (FpuOp::Sub, false) => x64!(asm; vsubss Rx(d), Rx(a), Rx(b)),
            (FpuOp::Mul, true) => x64!(asm; vmulsd Rx(d), Rx(a), Rx(b)),
            (FpuOp::Mul, false) => x64!(asm; vmulss Rx(d), Rx(a), Rx(b)),
            (FpuOp::Div, true) => x64!(asm; vdivsd Rx(d), Rx(a), Rx(b)),
            (FpuOp::Div, false) => x64!(asm; vdivss Rx(d), Rx(a), Rx(b)),
        }
    }

    /// `d = a op [m]` (scalar float): the two-operand SSE form when `d` is
    /// `a`, else AVX's three-operand form (see [`Self::fpu_vex`]).
    fn fpu_mem(&mut self, op: FpuOp, f64: bool, d: u8, a: u8, m: Mem) {
        if d != a {
            match (op, f64) {
                (FpuOp::Add, true) => {
                    mem_op!(self, m, |asm| x64!(asm; vaddsd Rx(d), Rx(a), QWORD [MEM]))
                }
                (FpuOp::Add, false) => {
                    mem_op!(self, m, |asm| x64!(asm; vaddss Rx(d), Rx(a), DWORD [MEM]))
                }
                (FpuOp::Sub, true) => {
                    mem_op!(self, m, |asm| x64!(asm; vsubsd Rx(d), Rx(a), QWORD [MEM]))
                }
                (FpuOp::Sub, false) => {
                    mem_op!(self, m, |asm| x64!(asm; vsubss Rx(d), Rx(a), DWORD [MEM]))
                }
                (FpuOp::Mul, true) => {
                    mem_op!(self, m, |asm| x64!(asm; vmulsd Rx(d), Rx(a), QWORD [MEM]))
                }
                (FpuOp::Mul, false) => {
                    mem_op!(self, m, |asm| x64!(asm; vmulss Rx(d), Rx(a), DWORD [MEM]))
                }
                (FpuOp::Div, true) => {
                    mem_op!(self, m, |asm| x64!(asm; vdivsd Rx(d), Rx(a), QWORD [MEM]))
                }
                (FpuOp::Div, false) => {
                    mem_op!(self, m, |asm| x64!(asm; vdivss Rx(d), Rx(a), DWORD [MEM]))
                }
            }
            return;
        }
        match (op, f64) {
            (FpuOp::Add, true) => mem_op!(self, m, |a| x64!(a; addsd Rx(d), QWORD [MEM])),
            (FpuOp::Add, false) => mem_op!(self, m, |a| x64!(a; addss Rx(d), DWORD [MEM])),
            (FpuOp::Sub, true) => mem_op!(self, m, |a| x64!(a; subsd Rx(d), QWORD [MEM])),
            (FpuOp::Sub, false) => mem_op!(self, m, |a| x64!(a; subss Rx(d), DWORD [MEM])),
            (FpuOp::Mul, true) => mem_op!(self, m, |a| x64!(a; mulsd Rx(d), QWORD [MEM])),
            (FpuOp::Mul, false) => mem_op!(self, m, |a| x64!(a; mulss Rx(d), DWORD [MEM])),
            (FpuOp::Div, true) => mem_op!(self, m, |a| x64!(a; divsd Rx(d), QWORD [MEM])),
            (FpuOp::Div, false) => mem_op!(self, m, |a| x64!(a; divss Rx(d), DWORD [MEM])),
        }
    }

    /// `d = min/max(d, b)` with Wasm semantics.
    fn fminmax(&mut self, max: bool, f64: bool, d: u8, b: u8) {
        let (nan, normal, done) = (self.near_label(), self.near_label(), self.near_label());
        self.ucomis(d, b, f64);
        self.jcc(Cond::P, nan);
        self.jcc(Cond::NE, normal);
        // Equal: the operands differ at most in the sign of zero.
        if max {
            x64!(self.asm; andps Rx(d), Rx(b));
        } else {
            x64!(self.asm; orps Rx(d), Rx(b));
        }
        self.jmp(done);
        x64!(self.asm; =>nan);
        self.fpu(FpuOp::Add, f64, d, b);
        self.jmp(done);
        x64!(self.asm; =>normal);
        let a = &mut self.asm;
        match (max, f64) {
            (true, true) => x64!(a; maxsd Rx(d), Rx(b)),
            (true, false) => x64!(a; maxss Rx(d), Rx(b)),
            (false, true) => x64!(a; minsd Rx(d), Rx(b)),
            (false, false) => x64!(a; minss Rx(d), Rx(b)),
        }
        x64!(self.asm; =>done);
    }

    fn fcmp(&mut self, cc: FloatCC, f64: bool, r: &[u8]) {
        let (x, y, d, t) = (r[0], r[1], r[2], r[3]);
        match cc {
            FloatCC::Equal => {
                self.ucomis(x, y, f64);
                self.setcc(Cond::NP, t);
                self.setcc(Cond::E, d);
                x64!(self.asm; and Rb(d), Rb(t));
            }
            FloatCC::NotEqual => {
                self.ucomis(x, y, f64);
                self.setcc(Cond::P, t);
                self.setcc(Cond::NE, d);
                x64!(self.asm; or Rb(d), Rb(t));
            }
            FloatCC::GreaterThan => {
                self.ucomis(x, y, f64);
                self.setcc(Cond::A, d);
            }
            FloatCC::GreaterThanOrEqual => {
                self.ucomis(x, y, f64);
                self.setcc(Cond::AE, d);
            }
            FloatCC::LessThan => {
                self.ucomis(y, x, f64);
                self.setcc(Cond::A, d);
            }
            FloatCC::LessThanOrEqual => {
                self.ucomis(y, x, f64);
                self.setcc(Cond::AE, d);
            }
        }
        x64!(self.asm; movzx Rd(d), Rb(d));
    }

    fn u64_to_float(&mut self, f64: bool, r: &[u8]) {
        let (s, d, t1, t2) = (r[0], r[1], r[2], r[3]);
        let (big, done) = (self.near_label(), self.near_label());
        x64!(self.asm; xorps Rx(d), Rx(d); test Rq(s), Rq(s));
        self.jcc(Cond::S, big);
        if f64 {
            x64!(self.asm; cvtsi2sd Rx(d), Rq(s));
        } else {
            x64!(self.asm; cvtsi2ss Rx(d), Rq(s));
        }
        self.jmp(done);
        // Halve with the low bit kept sticky, convert, double.
        x64!(self.asm
            ; =>big
            ; mov Rq(t1), Rq(s); shr Rq(t1), 1
            ; mov Rq(t2), Rq(s); and Rq(t2), 1
            ; or Rq(t1), Rq(t2));
        if f64 {
            x64!(self.asm; cvtsi2sd Rx(d), Rq(t1); addsd Rx(d), Rx(d));
        } else {
            x64!(self.asm; cvtsi2ss Rx(d), Rq(t1); addss Rx(d), Rx(d));
        }
        x64!(self.asm; =>done);
    }

    /// Float bits of `v` in the source format.
    fn fbits(v: f64, f64: bool) -> u64 {
        if f64 {
            v.to_bits()
        } else {
            (v as f32).to_bits() as u64
        }
    }

    /// The unsigned path for sources ≥ 2^63 (to u64), with `ft` free.
    fn u64_big(&mut self, s: u8, d: u8, ft: u8, f64: bool) {
        self.load_fconst(ft, Self::fbits(2f64.powi(63), f64));
        if f64 {
            x64!(self.asm; subsd Rx(ft), Rx(s));
        } else {
            x64!(self.asm; subss Rx(ft), Rx(s));
        }
        self.cvtt(d, ft, f64, true);
        x64!(self.asm; neg Rq(d); bts Rq(d), 63);
    }

    fn float_to_int(&mut self, f64: bool, dst64: bool, signed: bool, sat: bool, r: &[u8]) {
        let (s, d, ft) = (r[0], r[1], r[2]);
        let done = self.near_label();
        let two = |e: i32| 2f64.powi(e);
        let width = if dst64 { 64 } else { 32 };
        match (signed, sat) {
            (true, false) => {
                let bad = self.stub(TrapCode::BadConversionToInteger);
                let ovf = self.stub(TrapCode::IntegerOverflow);
                self.cvtt(d, s, f64, dst64);
                self.cmp_imm(if dst64 { Size::S64 } else { Size::S32 }, d, 1);
                self.jcc(Cond::NO, done);
                self.ucomis(s, s, f64);
                self.jcc(Cond::P, bad);
                // The result is INT_MIN: valid only if trunc(s) == INT_MIN.
                if !dst64 && f64 {
                    self.ucomis_const(s, Self::fbits(-two(31) - 1.0, f64), f64);
                    self.jcc(Cond::BE, ovf);
                } else {
                    self.ucomis_const(s, Self::fbits(-two(width - 1), f64), f64);
                    self.jcc(Cond::B, ovf);
                }
                self.ucomis_const(s, Self::fbits(two(width - 1), f64), f64);
                self.jcc(Cond::AE, ovf);
            }
            (false, false) => {
                let bad = self.stub(TrapCode::BadConversionToInteger);
                let ovf = self.stub(TrapCode::IntegerOverflow);
                self.ucomis(s, s, f64);
                self.jcc(Cond::P, bad);
                self.ucomis_const(s, Self::fbits(-1.0, f64), f64);
                self.jcc(Cond::BE, ovf);
                self.ucomis_const(s, Self::fbits(two(width), f64), f64);
                self.jcc(Cond::AE, ovf);
                if dst64 {
                    let big = self.near_label();
                    self.ucomis_const(s, Self::fbits(two(63), f64), f64);
                    self.jcc(Cond::AE, big);
                    self.cvtt(d, s, f64, true);
                    self.jmp(done);
                    x64!(self.asm; =>big);
                    self.u64_big(s, d, ft, f64);
                } else {
                    self.cvtt(d, s, f64, true);
                }
            }
            (true, true) => {
                let nan = self.near_label();
                self.cvtt(d, s, f64, dst64);
                self.cmp_imm(if dst64 { Size::S64 } else { Size::S32 }, d, 1);
                self.jcc(Cond::NO, done);
                self.ucomis(s, s, f64);
                self.jcc(Cond::P, nan);
                x64!(self.asm; xorps Rx(ft), Rx(ft));
                self.ucomis(s, ft, f64);
                self.jcc(Cond::B, done);
                let max = if dst64 {
                    i64::MAX as u64
                } else {
                    i32::MAX as u64
                };
                self.mov_imm(Size::S64, d, max);
                self.jmp(done);
                x64!(self.asm; =>nan; xor Rd(d), Rd(d));
            }
            (false, true) => {
                let (zero, max) = (self.near_label(), self.near_label());
                x64!(self.asm; xorps Rx(ft), Rx(ft));
                self.ucomis(s, ft, f64);
                self.jcc(Cond::BE, zero);
                self.ucomis_const(s, Self::fbits(two(width), f64), f64);
                self.jcc(Cond::AE, max);
                if dst64 {
                    let big = self.near_label();
                    self.ucomis_const(s, Self::fbits(two(63), f64), f64);
                    self.jcc(Cond::AE, big);
                    self.cvtt(d, s, f64, true);
                    self.jmp(done);
                    x64!(self.asm; =>big);
                    self.u64_big(s, d, ft, f64);
                } else {
                    self.cvtt(d, s, f64, true);
                }
                self.jmp(done);
                x64!(self.asm; =>zero; xor Rd(d), Rd(d));
                self.jmp(done);
                x64!(self.asm; =>max);
                if dst64 {
                    x64!(self.asm; mov Rq(d), -1);
                } else {
                    x64!(self.asm; mov Rd(d), -1);
                }
            }
        }
        x64!(self.asm; =>done);
    }

    fn load(&mut self, op: LoadOp, m: Mem, d: u8) {
        macro_rules! ld {
            ($op:ident $rk:ident, $sz:ident) => {
                mem_op!(self, m, |a| x64!(a; $op $rk(d), $sz [MEM]))
            };
        }
        match op {
            LoadOp::I32 | LoadOp::I64Load32U => ld!(mov Rd, DWORD),
            LoadOp::I64 => ld!(mov Rq, QWORD),
            LoadOp::F32 => ld!(movss Rx, DWORD),
            LoadOp::F64 => ld!(movsd Rx, QWORD),
            LoadOp::I32Load8S => ld!(movsx Rd, BYTE),
            LoadOp::I32Load8U | LoadOp::I64Load8U => ld!(movzx Rd, BYTE),
            LoadOp::I32Load16S => ld!(movsx Rd, WORD),
            LoadOp::I32Load16U | LoadOp::I64Load16U => ld!(movzx Rd, WORD),
            LoadOp::I64Load8S => ld!(movsx Rq, BYTE),
            LoadOp::I64Load16S => ld!(movsx Rq, WORD),
            LoadOp::I64Load32S => ld!(movsxd Rq, DWORD),
        }
    }

    fn store(&mut self, op: StoreOp, m: Mem, v: u8) {
        macro_rules! st {
            ($op:ident $sz:ident, $rk:ident) => {
                mem_op!(self, m, |a| x64!(a; $op $sz [MEM], $rk(v)))
            };
        }
        match op {
            StoreOp::I32 | StoreOp::I64Store32 => st!(mov DWORD, Rd),
            StoreOp::I64 => st!(mov QWORD, Rq),
            StoreOp::F32 => st!(movss DWORD, Rx),
            StoreOp::F64 => st!(movsd QWORD, Rx),
            StoreOp::I32Store8 | StoreOp::I64Store8 => st!(mov BYTE, Rb),
            StoreOp::I32Store16 | StoreOp::I64Store16 => st!(mov WORD, Rw),
        }
    }

    /// `[m] = [m] op src`, `src` a register (`Ok`) or an immediate (`Err`,
    /// sign-extended for 64 bits).
    fn alu_rmw(
        &mut self,
        op: AluOp,
        size: Size,
        m: Mem,
        src: Result<u8, i32>,
    ) -> Result<(), CompileError> {
        macro_rules! rmw {
            ($e:ident, $op:ident) => {
                match (size, src) {
                    (Size::S32, Ok(s)) => mem_op!($e, m, |a| x64!(a; $op DWORD [MEM], Rd(s))),
                    (Size::S64, Ok(s)) => mem_op!($e, m, |a| x64!(a; $op QWORD [MEM], Rq(s))),
                    (Size::S32, Err(c)) => mem_op!($e, m, |a| x64!(a; $op DWORD [MEM], c)),
                    (Size::S64, Err(c)) => mem_op!($e, m, |a| x64!(a; $op QWORD [MEM], c)),
                }
            };
        }
        let go = |e: &mut Self| -> Result<(), CompileError> {
            match op {
                AluOp::Add => rmw!(e, add),
                AluOp::Sub => rmw!(e, sub),
                AluOp::And => rmw!(e, and),
                AluOp::Or => rmw!(e, or),
                AluOp::Xor => rmw!(e, xor),
                AluOp::Imul => return Err(err("imul has no memory destination form")),
            }
            Ok(())
        };
        match src {
            Err(c) => {
                let mut r = Ok(());
                self.short_imm(c, |e| r = go(e));
                r
            }
            Ok(_) => go(self),
        }
    }

    fn store_imm(&mut self, op: StoreOp, m: Mem, imm: i32) {
        match op.width() {
            8 => mem_op!(self, m, |a| x64!(a; mov QWORD [MEM], imm)),
            4 => mem_op!(self, m, |a| x64!(a; mov DWORD [MEM], imm)),
            2 => {
                let imm = imm as i16;
                mem_op!(self, m, |a| x64!(a; mov WORD [MEM], imm))
            }
            _ => {
                let imm = imm as i8;
                mem_op!(self, m, |a| x64!(a; mov BYTE [MEM], imm))
            }
        }
    }

    /// `d = a op imm` (`d == a` except for the three-operand `imul`).
    fn alu_imm(&mut self, op: AluOp, size: Size, imm: i32, s: u8, d: u8) {
        let a = &mut self.asm;
        // The sign-extended 8-bit immediate forms, 3 bytes shorter.
        if let Ok(b) = i8::try_from(imm) {
            match (op, size) {
                (AluOp::Add, Size::S32) => x64!(a; add Rd(d), BYTE b),
                (AluOp::Add, Size::S64) => x64!(a; add Rq(d), BYTE b),
                (AluOp::Sub, Size::S32) => x64!(a; sub Rd(d), BYTE b),
                (AluOp::Sub, Size::S64) => x64!(a; sub Rq(d), BYTE b),
                (AluOp::And, Size::S32) => x64!(a; and Rd(d), BYTE b),
                (AluOp::And, Size::S64) => x64!(a; and Rq(d), BYTE b),
                (AluOp::Or, Size::S32) => x64!(a; or Rd(d), BYTE b),
                (AluOp::Or, Size::S64) => x64!(a; or Rq(d), BYTE b),
                (AluOp::Xor, Size::S32) => x64!(a; xor Rd(d), BYTE b),
                (AluOp::Xor, Size::S64) => x64!(a; xor Rq(d), BYTE b),
                (AluOp::Imul, Size::S32) => x64!(a; imul Rd(d), Rd(s), BYTE b),
                (AluOp::Imul, Size::S64) => x64!(a; imul Rq(d), Rq(s), BYTE b),
            }
            return;
        }
        match (op, size) {
            (AluOp::Add, Size::S32) => x64!(a; add Rd(d), imm),
            (AluOp::Add, Size::S64) => x64!(a; add Rq(d), imm),
            (AluOp::Sub, Size::S32) => x64!(a; sub Rd(d), imm),
            (AluOp::Sub, Size::S64) => x64!(a; sub Rq(d), imm),
            (AluOp::And, Size::S32) => x64!(a; and Rd(d), imm),
            (AluOp::And, Size::S64) => x64!(a; and Rq(d), imm),
            (AluOp::Or, Size::S32) => x64!(a; or Rd(d), imm),
            (AluOp::Or, Size::S64) => x64!(a; or Rq(d), imm),
            (AluOp::Xor, Size::S32) => x64!(a; xor Rd(d), imm),
            (AluOp::Xor, Size::S64) => x64!(a; xor Rq(d), imm),
            (AluOp::Imul, Size::S32) => x64!(a; imul Rd(d), Rd(s), imm),
            (AluOp::Imul, Size::S64) => x64!(a; imul Rq(d), Rq(s), imm),
        }
    }

    fn shift_imm(&mut self, op: ShiftOp, size: Size, amt: u8, d: u8) {
        let n = amt as i8;
        let a = &mut self.asm;
        match (op, size) {
            (ShiftOp::Shl, Size::S32) => x64!(a; shl Rd(d), n),
            (ShiftOp::Shl, Size::S64) => x64!(a; shl Rq(d), n),
            (ShiftOp::Sar, Size::S32) => x64!(a; sar Rd(d), n),
            (ShiftOp::Sar, Size::S64) => x64!(a; sar Rq(d), n),
            (ShiftOp::Shr, Size::S32) => x64!(a; shr Rd(d), n),
            (ShiftOp::Shr, Size::S64) => x64!(a; shr Rq(d), n),
            (ShiftOp::Rol, Size::S32) => x64!(a; rol Rd(d), n),
            (ShiftOp::Rol, Size::S64) => x64!(a; rol Rq(d), n),
            (ShiftOp::Ror, Size::S32) => x64!(a; ror Rd(d), n),
            (ShiftOp::Ror, Size::S64) => x64!(a; ror Rq(d), n),
        }
    }

    fn lea(&mut self, size: Size, index: bool, shift: u8, disp: i32, r: &[u8]) {
        let (b, d) = (r[0], r[r.len() - 1]);
        if !index && b == d {
            if disp != 0 {
                self.alu_imm(AluOp::Add, size, disp, d, d);
                self.note_zf(AluOp::Add, size, d);
            } else if size == Size::S32 {
                x64!(self.asm; mov Rd(d), Rd(d));
            }
            return;
        }
        let m = if index {
            let i = r[1];
            if shift == 0 && disp == 0 && (d == b || d == i) {
                // A plain two-register sum into one of its operands.
                let other = if d == b { i } else { b };
                match size {
                    Size::S32 => x64!(self.asm; add Rd(d), Rd(other)),
                    Size::S64 => x64!(self.asm; add Rq(d), Rq(other)),
                }
                self.note_zf(AluOp::Add, size, d);
                return;
            }
            Mem {
                heap: false,
                base: b,
                index: Some((i, shift)),
                off: disp,
            }
        } else {
            Mem::at(b, disp)
        };
        match size {
            Size::S32 => mem_op!(self, m, |a| x64!(a; lea Rd(d), [MEM])),
            Size::S64 => mem_op!(self, m, |a| x64!(a; lea Rq(d), [MEM])),
        }
    }

    /// `mov d, s` at `size` (32-bit moves zero-extend; nothing if equal).
    fn mov_sized(&mut self, size: Size, d: u8, s: u8) {
        if d != s {
            match size {
                Size::S32 => x64!(self.asm; mov Rd(d), Rd(s)),
                Size::S64 => x64!(self.asm; mov Rq(d), Rq(s)),
            }
        }
    }

    /// Division by a constant; see [`MInst::DivConst`] and [`crate::magic`].
    /// Registers: `[x, dst, t1, t2]`; dst is written last.
    fn div_const(
        &mut self,
        kind: DivKind,
        size: Size,
        divisor: u64,
        r: &[u8],
    ) -> Result<(), CompileError> {
        let (x, d, t1, t2) = (r[0], r[1], r[2], r[3]);
        let s64 = size == Size::S64;
        let bits = if s64 { 64 } else { 32 };
        let signed = kind.is_signed();
        let plan = magic::div_plan(signed, bits, divisor)
            .ok_or_else(|| err("division by a constant 0 or -1"))?;
        // Shorthands over the operand size.
        macro_rules! op1 {
            ($op:ident $r:expr, $n:expr) => {
                if s64 {
                    x64!(self.asm; $op Rq($r), $n)
                } else {
                    x64!(self.asm; $op Rd($r), $n)
                }
            };
        }
        macro_rules! op2 {
            ($op:ident $a:expr, $b:expr) => {
                if s64 {
                    x64!(self.asm; $op Rq($a), Rq($b))
                } else {
                    x64!(self.asm; $op Rd($a), Rd($b))
                }
            };
        }
        // The quotient's register.
        let q = match plan {
            DivPlan::One => {
                if kind.is_rem() {
                    x64!(self.asm; xor Rd(d), Rd(d));
                } else {
                    self.mov_sized(size, d, x);
                }
                return Ok(());
            }
            DivPlan::Pow2 { k, neg } => {
                if !signed {
                    if kind.is_rem() {
                        self.mov_sized(size, t1, x);
                        if k <= 31 && !(s64 && k == 31) {
                            let mask = ((1u64 << k) - 1) as u32 as i32;
                            self.alu_imm(AluOp::And, size, mask, t1, t1);
                        } else {
                            let n = (bits - k) as i8;
                            op1!(shl t1, n);
                            op1!(shr t1, n);
                        }
                        self.mov_sized(size, d, t1);
                        return Ok(());
                    }
                    self.mov_sized(size, t1, x);
                    op1!(shr t1, k as i8);
                } else {
                    // Round toward zero: add 2^k - 1 to negative dividends.
                    self.mov_sized(size, t1, x);
                    op1!(sar t1, (bits - 1) as i8);
                    op1!(shr t1, (bits - k) as i8);
                    op2!(add t1, x);
                    op1!(sar t1, k as i8);
                    if neg {
                        if s64 {
                            x64!(self.asm; neg Rq(t1));
                        } else {
                            x64!(self.asm; neg Rd(t1));
                        }
                    }
                }
                t1
            }
            DivPlan::Magic if !signed => {
                let m = magic::magic_unsigned(divisor, bits);
                if s64 {
                    // t1 = rax, t2 = rdx.
                    self.mov_imm(Size::S64, t1, m.mul);
                    x64!(self.asm; mul Rq(x));
                    if m.add {
                        x64!(self.asm
                            ; mov Rq(t1), Rq(x)
                            ; sub Rq(t1), Rq(t2)
                            ; shr Rq(t1), 1
                            ; add Rq(t1), Rq(t2));
                        if m.shift > 0 {
                            x64!(self.asm; shr Rq(t1), m.shift as i8);
                        }
                        t1
                    } else {
                        if m.shift > 0 {
                            x64!(self.asm; shr Rq(t2), m.shift as i8);
                        }
                        t2
                    }
                } else {
                    x64!(self.asm; mov Rd(t1), Rd(x));
                    self.mov_imm(Size::S32, t2, m.mul);
                    x64!(self.asm; imul Rq(t1), Rq(t2); shr Rq(t1), 32);
                    if m.add {
                        x64!(self.asm
                            ; mov Rd(t2), Rd(x)
                            ; sub Rd(t2), Rd(t1)
                            ; shr Rd(t2), 1
                            ; add Rd(t2), Rd(t1));
                        if m.shift > 0 {
                            x64!(self.asm; shr Rd(t2), m.shift as i8);
                        }
                        t2
                    } else {
                        if m.shift > 0 {
                            x64!(self.asm; shr Rd(t1), m.shift as i8);
                        }
                        t1
                    }
                }
            }
            DivPlan::Magic => {
                let dv = if s64 {
                    divisor as i64
                } else {
                    divisor as u32 as i32 as i64
                };
                let m = magic::magic_signed(dv, bits);
                // hi = the high half of x * mul, in `h`.
                let h = if s64 {
                    // t1 = rax, t2 = rdx.
                    self.mov_imm(Size::S64, t1, m.mul as u64);
                    x64!(self.asm; imul Rq(x));
                    t2
                } else {
                    x64!(self.asm
                        ; movsxd Rq(t1), Rd(x)
                        ; imul Rq(t1), Rq(t1), m.mul as i32
                        ; sar Rq(t1), 32);
                    t1
                };
                if dv > 0 && m.mul < 0 {
                    op2!(add h, x);
                } else if dv < 0 && m.mul > 0 {
                    op2!(sub h, x);
                }
                if m.shift > 0 {
                    op1!(sar h, m.shift as i8);
                }
                let o = if h == t1 { t2 } else { t1 };
                self.mov_sized(size, o, h);
                op1!(shr o, (bits - 1) as i8);
                op2!(add h, o);
                h
            }
        };
        if !kind.is_rem() {
            self.mov_sized(size, d, q);
            return Ok(());
        }
        // r = x - q * divisor.
        let o = if q == t1 { t2 } else { t1 };
        if !s64 {
            self.alu_imm(AluOp::Imul, size, divisor as u32 as i32, q, q);
        } else if divisor as i64 == divisor as i64 as i32 as i64 {
            self.alu_imm(AluOp::Imul, size, divisor as i64 as i32, q, q);
        } else {
            self.mov_imm(Size::S64, o, divisor);
            x64!(self.asm; imul Rq(q), Rq(o));
        }
        self.mov_sized(size, d, x);
        op2!(sub d, q);
        Ok(())
    }
}

/// A memory operand: `[r15 + base << shift + off]` (heap: `index` is
/// `(base, shift)` or `None`), `[base + off]` or `[base + index << shift + off]`.
#[derive(Clone, Copy, Debug)]
struct Mem {
    heap: bool,
    base: u8,
    index: Option<(u8, u8)>,
    off: i32,
}

impl Mem {
    /// `[base + off]`.
    fn at(base: u8, off: i32) -> Mem {
        Mem {
            heap: false,
            base,
            index: None,
            off,
        }
    }

    /// From an access's registers (`[base, (index,) ..]`); a heap access's
    /// `index` shift scales its address register (`r15` is the base).
    fn new(heap: bool, r: &[u8], off: i32, index: Option<u8>) -> Mem {
        let index = if heap {
            index.map(|s| (r[0], s))
        } else {
            index.map(|s| (r[1], s))
        };
        Mem {
            heap,
            base: r[0],
            index,
            off,
        }
    }
}

/// Where a trampoline finds or puts one value: its type and ABI location.
pub(crate) type TrampolineArg = (strata_ir::Type, abi::ArgLoc);

fn tramp_asm() -> VecAssembler<X64Relocation> {
    VecAssembler::new(0)
}

fn finish(asm: VecAssembler<X64Relocation>) -> Result<Vec<u8>, CompileError> {
    asm.finalize().map_err(|e| err(format!("assembler: {e}")))
}

/// Emits the array-call trampoline (see [`crate::array_trampoline`]).
/// `args[i]` is argument i (read from value slot i); `results[j]` is result j
/// (written to slot j); `stack` is the outgoing stack-argument size and
/// `ret_area` the size of the return area above it.
pub(crate) fn array_trampoline_code(
    args: &[TrampolineArg],
    results: &[TrampolineArg],
    stack: u32,
    ret_area: u32,
) -> Result<Vec<u8>, CompileError> {
    use strata_ir::Type;
    let mut a = tramp_asm();
    let hb = HEAP_BASE as i32;
    let sub = abi::align16(stack + ret_area) as i32;
    x64!(a
        ; push rbp
        ; mov rbp, rsp
        ; push rbx
        ; push r12
        ; push r13
        ; push r14
        ; push r15
        ; push rdx // values, at [rbp - 48]
        ; mov r14, rdi
        ; mov r12, rsi
        ; mov rbx, rdx
        ; mov r15, QWORD [r14 + hb]
        ; sub rsp, sub
    );
    for (i, &(ty, loc)) in args.iter().enumerate() {
        let slot = 16 * i as i32;
        match loc {
            abi::ArgLoc::Stack(off) => {
                let off = off as i32;
                if ty == Type::I32 || ty == Type::F32 {
                    x64!(a; mov eax, DWORD [rbx + slot]);
                } else {
                    x64!(a; mov rax, QWORD [rbx + slot]);
                }
                x64!(a; mov QWORD [rsp + off], rax);
            }
            abi::ArgLoc::Reg(r) => {
                let r = r.hw_enc();
                match ty {
                    Type::I32 => x64!(a; mov Rd(r), DWORD [rbx + slot]),
                    Type::I64 => x64!(a; mov Rq(r), QWORD [rbx + slot]),
                    Type::F32 => x64!(a; movss Rx(r), DWORD [rbx + slot]),
                    Type::F64 => x64!(a; movsd Rx(r), QWORD [rbx + slot]),
                }
            }
        }
    }
    x64!(a; call r12; mov rbx, QWORD [rbp - 48]);
    for (j, &(ty, loc)) in results.iter().enumerate() {
        let slot = 16 * j as i32;
        match loc {
            abi::ArgLoc::Stack(off) => {
                // Copied by bits through r11 (not a result register).
                let off = abi::outgoing_result_offset(stack, off) as i32;
                if ty == Type::I32 || ty == Type::F32 {
                    x64!(a; mov r11d, DWORD [rsp + off]; mov DWORD [rbx + slot], r11d);
                } else {
                    x64!(a; mov r11, QWORD [rsp + off]; mov QWORD [rbx + slot], r11);
                }
            }
            abi::ArgLoc::Reg(r) => {
                let r = r.hw_enc();
                match ty {
                    Type::I32 => x64!(a; mov DWORD [rbx + slot], Rd(r)),
                    Type::I64 => x64!(a; mov QWORD [rbx + slot], Rq(r)),
                    Type::F32 => x64!(a; movss DWORD [rbx + slot], Rx(r)),
                    Type::F64 => x64!(a; movsd QWORD [rbx + slot], Rx(r)),
                }
            }
        }
    }
    x64!(a
        ; lea rsp, [rbp - 40]
        ; pop r15
        ; pop r14
        ; pop r13
        ; pop r12
        ; pop rbx
        ; pop rbp
        ; ret
    );
    finish(a)
}

/// Emits the Wasm → host trampoline (see [`crate::host_trampoline`]).
/// `stack` is the size of the incoming stack arguments (the return area, if
/// any, is right above them).
pub(crate) fn host_trampoline_code(
    args: &[TrampolineArg],
    results: &[TrampolineArg],
    stack: u32,
    host_fn: usize,
    raise_fn: usize,
) -> Result<Vec<u8>, CompileError> {
    use strata_ir::Type;
    let mut a = tramp_asm();
    let slots = args.len().max(results.len()).max(1) as u32;
    let size = abi::align16(16 * slots) as i32;
    let raise = a.new_dynamic_label();
    x64!(a; push rbp; mov rbp, rsp; sub rsp, size);
    for (i, &(ty, loc)) in args.iter().enumerate() {
        let slot = 16 * i as i32;
        match loc {
            abi::ArgLoc::Stack(off) => {
                let off = abi::incoming_arg_offset(off);
                x64!(a; mov rax, QWORD [rbp + off]; mov QWORD [rsp + slot], rax);
            }
            abi::ArgLoc::Reg(r) => {
                let r = r.hw_enc();
                match ty {
                    Type::I32 | Type::I64 => x64!(a; mov QWORD [rsp + slot], Rq(r)),
                    Type::F32 => x64!(a; movss DWORD [rsp + slot], Rx(r)),
                    Type::F64 => x64!(a; movsd QWORD [rsp + slot], Rx(r)),
                }
            }
        }
    }
    // The third argument is the calling Wasm function's VMContext, which
    // every Wasm frame saves at [rbp + SAVED_VMCTX_OFFSET]; [rbp] here is
    // that caller's frame pointer.
    let saved_vmctx = abi::SAVED_VMCTX_OFFSET;
    x64!(a
        ; mov rdi, r14
        ; mov rsi, rsp
        ; mov rdx, QWORD [rbp]
        ; mov rdx, QWORD [rdx + saved_vmctx]
        ; mov rax, QWORD host_fn as i64
        ; call rax
        ; test eax, eax
        ; jnz =>raise
    );
    for (j, &(ty, loc)) in results.iter().enumerate() {
        let slot = 16 * j as i32;
        match loc {
            abi::ArgLoc::Stack(off) => {
                // Into the caller's return area through r11 (not a result
                // register); an i32 or f32 is zero-extended.
                let off = abi::incoming_result_offset(stack, off);
                if ty == Type::I32 || ty == Type::F32 {
                    x64!(a; mov r11d, DWORD [rsp + slot]);
                } else {
                    x64!(a; mov r11, QWORD [rsp + slot]);
                }
                x64!(a; mov QWORD [rbp + off], r11);
            }
            abi::ArgLoc::Reg(r) => {
                let r = r.hw_enc();
                match ty {
                    Type::I32 => x64!(a; mov Rd(r), DWORD [rsp + slot]),
                    Type::I64 => x64!(a; mov Rq(r), QWORD [rsp + slot]),
                    Type::F32 => x64!(a; movss Rx(r), DWORD [rsp + slot]),
                    Type::F64 => x64!(a; movsd Rx(r), QWORD [rsp + slot]),
                }
            }
        }
    }
    x64!(a
        ; mov rsp, rbp
        ; pop rbp
        ; ret
        ; =>raise
        ; mov rax, QWORD raise_fn as i64
        ; call rax
        ; ud2
    );
    finish(a)
}

/// Bytes between two lazy-compilation stubs (see [`lazy_stubs_code`]).
pub(crate) const LAZY_STUB_STRIDE: u32 = 16;

/// Emits the lazy-compilation stubs (see [`crate::lazy_stubs`]): the common
/// entry at offset 0, then `count` stubs of [`LAZY_STUB_STRIDE`] bytes each
/// from the returned offset on. Stub `k` is `mov r11d, k; jmp common`.
///
/// The common entry runs with the Wasm convention's entry state (the
/// callee's VMContext in r14, arguments in registers and above the return
/// address, rsp = 8 mod 16). It saves the argument registers, calls the
/// builtin at `[r14 + builtin]` as `(vmctx, k) -> code` (SysV, which keeps
/// r14 and r15), restores them, pops its frame and jumps to `code`, so the
/// compiled function sees the stack and registers its caller set up. On 0
/// it calls `raise_fn` (which unwinds to the host with the error the
/// builtin recorded); its frame links to the caller's, so the backtrace
/// still finds the Wasm caller.
pub(crate) fn lazy_stubs_code(
    count: u32,
    builtin: i32,
    raise_fn: usize,
) -> Result<(Vec<u8>, u32), CompileError> {
    use crate::regs::{FLOAT_ARG_REGS, INT_ARG_REGS};
    let mut a = tramp_asm();
    let common = a.new_dynamic_label();
    let fail = a.new_dynamic_label();
    let nint = INT_ARG_REGS.len() as i32;
    let nfloat = FLOAT_ARG_REGS.len() as i32;
    // Entry rsp = 8 mod 16; after `push rbp` it is 16-aligned, and the save
    // area keeps it so for the call.
    let save = abi::align16(8 * nint as u32 + 16 * nfloat as u32) as i32;
    x64!(a
        ; =>common
        ; push rbp
        ; mov rbp, rsp
        ; sub rsp, save
    );
    for (k, r) in INT_ARG_REGS.iter().enumerate() {
        let (o, r) = (8 * k as i32, r.hw_enc());
        x64!(a; mov QWORD [rsp + o], Rq(r));
    }
    for (j, r) in FLOAT_ARG_REGS.iter().enumerate() {
        let (o, r) = (8 * nint + 16 * j as i32, r.hw_enc());
        x64!(a; movdqu [rsp + o], Rx(r));
    }
    x64!(a
        ; mov rdi, r14
        ; mov esi, r11d
        ; call QWORD [r14 + builtin]
        ; test rax, rax
        ; jz =>fail
        ; mov r11, rax
    );
    for (k, r) in INT_ARG_REGS.iter().enumerate() {
        let (o, r) = (8 * k as i32, r.hw_enc());
        x64!(a; mov Rq(r), QWORD [rsp + o]);
    }
    for (j, r) in FLOAT_ARG_REGS.iter().enumerate() {
        let (o, r) = (8 * nint + 16 * j as i32, r.hw_enc());
        x64!(a; movdqu Rx(r), [rsp + o]);
    }
    x64!(a
        ; mov rsp, rbp
        ; pop rbp
        ; jmp r11
        ; =>fail
        ; mov rax, QWORD raise_fn as i64
        ; call rax
        ; ud2
    );
    let pad_to = |a: &mut VecAssembler<X64Relocation>, align: u32| {
        while !(a.offset().0 as u32).is_multiple_of(align) {
            x64!(a; int3);
        }
    };
    pad_to(&mut a, LAZY_STUB_STRIDE);
    let first = a.offset().0 as u32;
    for k in 0..count {
        let imm = k as i32;
        x64!(a
            ; mov r11d, imm
            ; jmp =>common
        );
        pad_to(&mut a, LAZY_STUB_STRIDE);
        if a.offset().0 as u32 != first + (k + 1) * LAZY_STUB_STRIDE {
            return Err(err("a lazy-compilation stub is longer than its stride"));
        }
    }
    Ok((finish(a)?, first))
}
