//! Machine instructions with register-allocator operands, and [`VCode`]: a
//! function's lowered code, which the allocator sees through
//! [`strata_regalloc::Function`].
//!
//! Each [`MInst`] documents its operand list (stored flat in
//! [`VCode::operands`], one range per instruction). Complex operations (checked
//! division, float truncation, min/max, calls, jump tables) are single
//! pseudo-instructions with internal labels and temporary operands (early
//! defs), so VCode blocks correspond 1:1 to the IR blocks in layout order.

use std::fmt;

use strata_ir::{FloatCC, IntCC, LoadOp, StoreOp, TrapCode};
use strata_regalloc::{
    Block, Inst, InstRange, Operand, OperandConstraint, OperandKind, OperandPos, PRegSet, RegClass,
    VReg,
};

use crate::regs;

/// Width of an integer operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// 32-bit (writes zero-extend to 64 bits).
    S32,
    /// 64-bit.
    S64,
}

/// Two-address integer ALU operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum AluOp {
    Add,
    Sub,
    And,
    Or,
    Xor,
    Imul,
}

/// Where a read-modify-write instruction ([`MInst::AluRmw`]) works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RmwPlace {
    /// `[r14 + offset]`: a field of the VMContext (a global).
    Vmctx,
    /// `[addr + offset]`: vm memory through an address operand.
    Vm,
    /// `[r15 + addr << shift + offset]`: linear memory.
    Heap,
}

/// Shifts and rotates (count in cl).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum ShiftOp {
    Shl,
    Sar,
    Shr,
    Rol,
    Ror,
}

/// A flags-setting comparison and the condition tested on it (used by
/// [`MInst::SetCond`], [`MInst::CondBr`], [`MInst::CondSelect`] and
/// [`MInst::CondTrap`]). It
/// takes the first [`CmpKind::num_operands`] operands of its instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpKind {
    /// `cmp a, b` (operands a, b), then integer condition `cc`.
    Cmp {
        /// Width.
        size: Size,
        /// Condition (`a cc b`).
        cc: IntCC,
    },
    /// `cmp a, imm` (operand a), then `a cc imm`.
    CmpImm {
        /// Width.
        size: Size,
        /// Condition.
        cc: IntCC,
        /// Sign-extended immediate (for 32-bit: the 32 bits).
        imm: i32,
    },
    /// `test a, b` (operands a, b): true when `a & b == 0` if `zero`, else
    /// when it is non-zero.
    Test {
        /// Width.
        size: Size,
        /// Condition is "the and is zero".
        zero: bool,
    },
    /// `test a, imm` (operand a).
    TestImm {
        /// Width.
        size: Size,
        /// Condition is "the and is zero".
        zero: bool,
        /// Sign-extended immediate.
        imm: i32,
    },
    /// `cmp [r15 + addr << shift + offset], b` (operands addr and, without
    /// `imm`, b) or `cmp [..], imm` (operand addr): a heap load of `width`
    /// bytes folded into the comparison (a trap site), then `[..] cc b`.
    /// Loads of 1 or 2 bytes (zero-extended) are only compared with an
    /// immediate that fits them, for equality or unsigned order.
    CmpMem {
        /// The bytes read, the address's scale shift and whether the second
        /// operand is `imm`, packed (kept small: patterns and plans carry a
        /// comparison by value); see [`MemForm`].
        form: MemForm,
        /// Condition (`[..] cc b`).
        cc: IntCC,
        /// The immediate second operand (sign-extended for 8 bytes), when
        /// `form` says so.
        imm: i32,
        /// Displacement.
        offset: i32,
    },
    /// `ucomis a, b` (float operands a, b), then Wasm condition `a cc b`
    /// (false on NaN except `NotEqual`).
    Fcmp {
        /// f64 (else f32).
        f64: bool,
        /// Condition.
        cc: FloatCC,
    },
}

impl CmpKind {
    /// How many register operands the comparison reads.
    pub const fn num_operands(self) -> usize {
        match self {
            CmpKind::CmpImm { .. } | CmpKind::TestImm { .. } => 1,
            CmpKind::CmpMem { form, .. } if form.has_imm() => 1,
            _ => 2,
        }
    }
}

/// The shape of a [`CmpKind::CmpMem`] in one byte: bits 0-1 the log2 of
/// the bytes read, bits 2-3 the address's scale shift, bit 4 whether the
/// second operand is an immediate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemForm(u8);

impl MemForm {
    /// `width` bytes (1, 2, 4 or 8), scale `shift` (0-3), an immediate or
    /// a register second operand.
    pub const fn new(width: u8, shift: u8, imm: bool) -> MemForm {
        MemForm(width.trailing_zeros() as u8 & 3 | (shift & 3) << 2 | (imm as u8) << 4)
    }
    /// Bytes read.
    pub const fn width(self) -> u8 {
        1 << (self.0 & 3)
    }
    /// Scale shift of the address.
    pub const fn shift(self) -> u8 {
        (self.0 >> 2) & 3
    }
    /// Whether the second operand is an immediate.
    pub const fn has_imm(self) -> bool {
        self.0 & 16 != 0
    }
    /// The same with scale `shift`.
    pub const fn with_shift(self, shift: u8) -> MemForm {
        MemForm(self.0 & !12 | (shift & 3) << 2)
    }
}

/// Bit counting (LZCNT / TZCNT / POPCNT).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum BitOp {
    Lzcnt,
    Tzcnt,
    Popcnt,
}

/// Register-to-register integer extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtOp {
    /// `mov r32, r32`: keep the low 32 bits, zero-extended.
    Mov32,
    /// `movzx r32, r8`: keep the low 8 bits, zero-extended to 64.
    Zx8,
    /// `movzx r32, r16`: keep the low 16 bits, zero-extended to 64.
    Zx16,
    /// Sign-extend 8 → 32.
    Sx8To32,
    /// Sign-extend 16 → 32.
    Sx16To32,
    /// Sign-extend 8 → 64.
    Sx8To64,
    /// Sign-extend 16 → 64.
    Sx16To64,
    /// Sign-extend 32 → 64.
    Sx32To64,
}

/// Checked integer division and remainder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum DivKind {
    DivS,
    DivU,
    RemS,
    RemU,
}

impl DivKind {
    /// Whether the result is the remainder (in rdx).
    pub const fn is_rem(self) -> bool {
        matches!(self, DivKind::RemS | DivKind::RemU)
    }
    /// Whether the division is signed.
    pub const fn is_signed(self) -> bool {
        matches!(self, DivKind::DivS | DivKind::RemS)
    }
}

/// Two-address scalar float arithmetic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum FpuOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// How a call finds its callee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallTarget {
    /// `call [r14 + slot]`, Wasm convention.
    Direct(u32),
    /// Code pointer and VMContext in registers, Wasm convention.
    Indirect,
    /// `call [r14 + slot]`, SysV convention.
    Builtin(u32),
}

/// What the out-of-line path of an [`MInst::TierCheck`] needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierCheckInfo {
    /// VMContext offset of the counter.
    pub counter: i32,
    /// VMContext offset of the tier-up builtin's pointer.
    pub builtin: i32,
    /// The loop index passed to the builtin (`CallKind::NO_LOOP` at entry).
    pub loop_index: u32,
    /// Per state value handed over through OSR (buffer slot order): the
    /// index of the operand that carries it.
    pub state: Vec<u32>,
    /// Bytes of incoming stack arguments of this function.
    pub incoming_stack_args: u32,
    /// Bytes of this function's return area (results beyond registers).
    pub return_area: u32,
}

/// A machine instruction. "ops" lists its operands in order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MInst {
    /// ops = any-location uses of the OSR state (see [`TierCheckInfo`]):
    /// `sub dword [r14 + counter], 1; js slow`, with an out-of-line slow
    /// path that preserves every register, calls the tier-up builtin and, at
    /// a loop, may leave the function through optimized code. No clobbers.
    TierCheck {
        /// Index into [`VCode::tier_checks`].
        id: u32,
    },
    /// Entry pseudo: ops = fixed defs of the register parameters. Emits nothing.
    Args,
    /// ops = `[def]`: load an incoming stack argument from `[rbp + off]`.
    LoadStackArg {
        /// Offset from rbp.
        off: i32,
    },
    /// ops = `[def]`: integer constant.
    Imm {
        /// Width.
        size: Size,
        /// The bits.
        imm: u64,
    },
    /// ops = `[def (float)]`: float constant by bits (`xorps` for zero,
    /// else a load from the function's constant pool).
    FImm {
        /// f64 (else f32).
        f64: bool,
        /// The bits.
        bits: u64,
    },
    /// ops = `[use, def]` (same class): register copy.
    Copy,
    /// ops = `[def]`: `mov dst, r14`.
    Vmctx,
    /// ops = `[use a, use b, def reuse 0]`: `a = a op b`.
    Alu {
        /// Operation.
        op: AluOp,
        /// Width.
        size: Size,
    },
    /// ops = `[use a, use count, def]`: `dst = a` shifted by `count` (BMI2
    /// `shlx`/`sarx`/`shrx`: three-address, any count register, flags
    /// untouched). `op` is never a rotate.
    ShiftX {
        /// Operation.
        op: ShiftOp,
        /// Width.
        size: Size,
    },
    /// ops = `[use a, use b, def]`: `dst = ~a & b` (BMI1 `andn`).
    Andn {
        /// Width.
        size: Size,
    },
    /// ops = `[use a, use count fixed rcx, def reuse 0]`.
    Shift {
        /// Operation.
        op: ShiftOp,
        /// Width.
        size: Size,
    },
    /// ops = `[use a, def reuse 0]`: `a = a op imm` (for `Imul`: ops =
    /// `[use a, def]`, three-operand `imul dst, a, imm`).
    AluImm {
        /// Operation.
        op: AluOp,
        /// Width.
        size: Size,
        /// Sign-extended immediate.
        imm: i32,
    },
    /// ops = `[use a, def reuse 0]`: shift or rotate by a constant.
    ShiftImm {
        /// Operation.
        op: ShiftOp,
        /// Width.
        size: Size,
        /// Count (already reduced modulo the width, non-zero).
        amt: u8,
    },
    /// ops = `[use a, def]`: `dst = a` rotated right by `amt` (BMI2 `rorx`:
    /// three-address, flags untouched); `a` may be a spill slot.
    Rorx {
        /// Width.
        size: Size,
        /// Count (already reduced modulo the width, non-zero).
        amt: u8,
    },
    /// ops = `[(use base,) (use index,) def]`: `lea dst, [base + (index <<
    /// shift) + disp]` (32-bit: the low 32 bits); emitted as `add dst, disp`
    /// when there is no index and dst is base. Without a base there is an
    /// index (`[index * 4 + disp]`).
    Lea {
        /// Width of the result.
        size: Size,
        /// Whether there is a base operand.
        base: bool,
        /// Whether there is an index operand.
        index: bool,
        /// Scale of the index as a shift (0..=3).
        shift: u8,
        /// Displacement.
        disp: i32,
    },
    /// ops = `[use x, def dst, early def t1, early def t2]`: division or
    /// remainder by the constant `divisor` (never 0, and never -1 when
    /// signed) without `div`: shifts for powers of two, else a high multiply
    /// by a magic number. For 64-bit non-powers of two t1 is fixed to rax and
    /// t2 to rdx.
    DivConst {
        /// Operation.
        kind: DivKind,
        /// Width.
        size: Size,
        /// The divisor's bits (for 32-bit, the low 32 bits count).
        divisor: u64,
    },
    /// ops = `[cmp operands.., def]`: `dst = cond` as 0/1.
    SetCond {
        /// The comparison.
        cmp: CmpKind,
    },
    /// ops = `[cmp operands.., use if_true, use if_false, def reuse (n + 1)]`:
    /// `dst = cond ? if_true : if_false` (`cmov`, or a branch around a
    /// `movaps` for floats).
    CondSelect {
        /// The comparison.
        cmp: CmpKind,
        /// Class of the selected values.
        float: bool,
    },
    /// ops = `[cmp operands.., use x, def reuse (n)]`: `dst = x + cond` (or
    /// `x - cond` if `sub`) for an unsigned order `cc` of `cmp` (below, or
    /// above or equal): the carry flag is the condition or its complement,
    /// added or subtracted with `adc` or `sbb` (no `setcc`, no `movzx`).
    AddCarry {
        /// The comparison (`cc` unsigned below or above-or-equal).
        cmp: CmpKind,
        /// Width of `x`.
        size: Size,
        /// Subtract the condition instead of adding it.
        sub: bool,
    },
    /// ops = `[use, def]`.
    BitCount {
        /// Operation.
        op: BitOp,
        /// Width.
        size: Size,
    },
    /// ops = `[use, def]`.
    Ext {
        /// Operation.
        op: ExtOp,
    },
    /// Checked division. Div: ops = `[use lhs fixed rax, use rhs, early def
    /// temp fixed rdx, def dst fixed rax]`; Rem: ops = `[use lhs fixed rax,
    /// use rhs, early def dst fixed rdx, def temp fixed rax]`.
    DivRem {
        /// Operation.
        kind: DivKind,
        /// Width.
        size: Size,
    },
    /// ops = `[use a, use b, def]`: `dst = a cc b` (0/1).
    Icmp {
        /// Condition.
        cc: IntCC,
        /// Width.
        size: Size,
    },
    /// ops = `[use, def]`: `dst = src == 0`.
    Eqz {
        /// Width.
        size: Size,
    },
    /// ops = `[use a, use b, def reuse 0]`: `a = a op b`; with
    /// [`crate::CompileOptions::avx`], ops = `[use a, use b, def]` and
    /// the def may sit apart from `a` (`vaddsd d, a, b`).
    Fpu {
        /// Operation.
        op: FpuOp,
        /// f64 (else f32).
        f64: bool,
    },
    /// ops = `[use a, use addr, def reuse 0]`: `dst = a op [r15 + addr <<
    /// shift + offset]`, the second operand a heap load of the operation's
    /// width folded into it (a trap site).
    AluMem {
        /// Operation.
        op: AluOp,
        /// Width.
        size: Size,
        /// Displacement.
        offset: i32,
        /// Scale shift of the address.
        shift: u8,
    },
    /// ops = `[use a, use addr, def reuse 0]`: `dst = a op [r15 + addr <<
    /// shift + offset]`, the second operand a heap load folded into the
    /// operation (a trap site); with [`crate::CompileOptions::avx`] the def
    /// is not tied to `a`, as for [`MInst::Fpu`].
    FpuMem {
        /// Operation.
        op: FpuOp,
        /// f64 (else f32).
        f64: bool,
        /// Displacement.
        offset: i32,
        /// Scale shift of the address.
        shift: u8,
    },
    /// ops = `[use a, use b, def reuse 0]`: Wasm min / max.
    FMinMax {
        /// max (else min).
        max: bool,
        /// f64 (else f32).
        f64: bool,
    },
    /// ops = `[use, def reuse 0]`: flip (neg) or clear (abs) the sign bit
    /// (`xorps`/`andps` with a mask from the constant pool); with
    /// [`crate::CompileOptions::avx`], ops = `[use, def]` (`vxorps d, a,
    /// [mask]`).
    FSign {
        /// Negate (else abs).
        neg: bool,
        /// f64 (else f32).
        f64: bool,
    },
    /// ops = `[use a, use b, def, early def int temp, early def int temp]`.
    Fcopysign {
        /// f64 (else f32).
        f64: bool,
    },
    /// ops = `[use, def]`.
    Fsqrt {
        /// f64 (else f32).
        f64: bool,
    },
    /// ops = `[use, def]`: roundss/roundsd with an SSE4.1 rounding mode.
    Round {
        /// Rounding mode immediate.
        mode: u8,
        /// f64 (else f32).
        f64: bool,
    },
    /// ops = `[use a, use b, def, early def int temp]`.
    Fcmp {
        /// Condition.
        cc: FloatCC,
        /// f64 (else f32).
        f64: bool,
    },
    /// ops = `[use (int), def (float)]`: cvtsi2ss/sd from a 32- or 64-bit source.
    IntToFloat {
        /// 64-bit source (else 32-bit, signed).
        src64: bool,
        /// f64 result.
        f64: bool,
    },
    /// ops = `[use (int), def (float), early def int temp, early def int temp]`:
    /// unsigned 64-bit → float.
    U64ToFloat {
        /// f64 result.
        f64: bool,
    },
    /// ops = `[use (float), def (int), early def float temp]`: Wasm
    /// truncation (trapping or saturating).
    FloatToInt {
        /// Source is f64.
        f64: bool,
        /// Result is i64.
        dst64: bool,
        /// Signed result.
        signed: bool,
        /// Saturating (else trapping).
        sat: bool,
    },
    /// ops = `[use, def]`: f32 → f64.
    Promote,
    /// ops = `[use, def]`: f64 → f32.
    Demote,
    /// ops = `[use (int), def (float)]`: movd/movq.
    BitcastToFloat {
        /// 64-bit.
        f64: bool,
    },
    /// ops = `[use (float), def (int)]`: movd/movq.
    BitcastToInt {
        /// 64-bit.
        f64: bool,
    },
    /// ops = `[use cond, use if_true, use if_false, def reuse 2]`.
    Select {
        /// Class of the selected values.
        float: bool,
    },
    /// ops = `[use addr, (use index,) def]`: heap: `[r15 + addr + offset]`
    /// or, with a shift, `[r15 + addr << shift + offset]` (no index operand);
    /// else `[addr + offset]` or, with an index, `[addr + index << shift + offset]`.
    Load {
        /// Width and extension.
        op: LoadOp,
        /// Heap access (a trap site).
        heap: bool,
        /// Displacement.
        offset: i32,
        /// Scale shift: of the index operand (vm), of the address (heap).
        index: Option<u8>,
    },
    /// ops = `[def]`: a load from the VMContext, `[r14 + offset]` (the
    /// pinned register needs no operand).
    VmctxLoad {
        /// Width and extension.
        op: LoadOp,
        /// Displacement.
        offset: i32,
    },
    /// ops = `[use value]`: a store into the VMContext, `[r14 + offset]`.
    VmctxStore {
        /// Width.
        op: StoreOp,
        /// Displacement.
        offset: i32,
    },
    /// ops = `[use addr, (use index,) use value]`: addressing as for `Load`.
    Store {
        /// Width.
        op: StoreOp,
        /// Heap access (a trap site).
        heap: bool,
        /// Displacement.
        offset: i32,
        /// Scale shift: of the index operand (vm), of the address (heap).
        index: Option<u8>,
    },
    /// ops = `[use addr]`: store the constant `imm` (sign-extended to 64 bits
    /// for 8-byte stores), addressing as for `Load` without an index operand.
    StoreImm {
        /// Width.
        op: StoreOp,
        /// Heap access (a trap site).
        heap: bool,
        /// Displacement.
        offset: i32,
        /// Scale shift of the address (heap accesses only).
        shift: u8,
        /// The value's low bits.
        imm: i32,
    },
    /// ops = `[(use addr,) (use src)]`: `[m] = [m] op src` (or `op imm`),
    /// a load, an operation and a store of the same place in one
    /// read-modify-write instruction. The place is `[r14 + offset]` (the
    /// VMContext: no address operand) or, addressing as for `StoreImm`,
    /// `[r15 + addr << shift + offset]` (heap, a trap site) or `[addr +
    /// offset]` (vm).
    AluRmw {
        /// Operation (not `Imul`).
        op: AluOp,
        /// Width.
        size: Size,
        /// Where the place is.
        place: RmwPlace,
        /// Displacement.
        offset: i32,
        /// Scale shift of the address (heap accesses only).
        shift: u8,
        /// The constant operand, else a register operand.
        imm: Option<i32>,
    },
    /// ops = `[use value]`: store an outgoing stack argument at `[rsp + off]`.
    StoreOutgoingArg {
        /// Offset from rsp.
        off: u32,
    },
    /// ops = `[def]`: load a result of the preceding call from its
    /// return-area slot at `[rsp + off]` (see [`crate::abi`]).
    LoadStackResult {
        /// Offset from rsp.
        off: u32,
    },
    /// ops = `[use value]`: store a result of this function into its
    /// return-area slot at `[rbp + off]`, before a [`MInst::Ret`].
    StoreStackResult {
        /// Offset from rbp.
        off: i32,
    },
    /// ops = (Indirect: `[use code, use vmctx]` then) fixed uses of the
    /// register arguments, then fixed defs of the register results (results
    /// in the return area are read by [`MInst::LoadStackResult`]s that
    /// follow). Clobbers per ABI.
    Call {
        /// Callee.
        target: CallTarget,
    },
    /// ops = `[use cond]`: trap with `code` if cond != 0.
    TrapIf {
        /// Why.
        code: TrapCode,
    },
    /// ops = the comparison's: trap with `code` if it holds (`cmp a, b;
    /// jcc stub`).
    CondTrap {
        /// The fused comparison (never one in memory: its load would trap
        /// at another bytecode offset than the check).
        cmp: CmpKind,
        /// Why.
        code: TrapCode,
    },
    /// Terminator, no ops: jump to block `target`.
    Jump {
        /// Target block (VCode index).
        target: u32,
    },
    /// Terminator, ops = the comparison's operands: branch on a condition.
    CondBr {
        /// The comparison.
        cmp: CmpKind,
        /// Target when the condition holds.
        then_: u32,
        /// Target otherwise.
        else_: u32,
    },
    /// Terminator, ops = `[use cond]`.
    Brif {
        /// Target when cond != 0.
        then_: u32,
        /// Target when cond == 0.
        else_: u32,
    },
    /// Terminator, ops = `[use index]` or, `with_addr`, `[use index, use
    /// table address]` (from a [`MInst::JumpTableAddr`]): jumps to the
    /// default (the table's last target) when the index is past it (`cmp;
    /// jae`, unless `in_range`), else through jump table `jt`, with the
    /// allocator's scratch registers r10 and r11 for the table's address
    /// (unless given) and entry.
    BrTable {
        /// Index into [`VCode::jump_tables`].
        jt: u32,
        /// The index is known to be at most the default's position: no
        /// check.
        in_range: bool,
        /// The table's address is an operand.
        with_addr: bool,
    },
    /// ops = `[def]`: the address of jump table `jt` (`lea d, [rip +
    /// table]`), defined once for a `br_table` in a loop, so that the
    /// dispatch does not compute it again on every iteration.
    JumpTableAddr {
        /// Index into [`VCode::jump_tables`].
        jt: u32,
    },
    /// Terminator, ops = fixed uses of the register results (results in the
    /// return area were stored by [`MInst::StoreStackResult`]s before it):
    /// epilogue and `ret`.
    Ret,
    /// Terminator: `ud2`.
    Trap {
        /// Why.
        code: TrapCode,
    },
}

impl MInst {
    /// The estimated size (bytes) of this instruction's code, for the
    /// emitter's 2-byte forward jumps: the 95th
    /// percentile of the sizes emitted for the instruction's kind over the
    /// benchmark suite, the kernels, a generated 1 MB module and the spec
    /// tests, in both tiers, and a generous guess for the kinds those did not
    /// emit. Over those modules, estimates of this kind overshoot the distance
    /// of every jump they let take the 2-byte form (no function was emitted
    /// twice). An estimate need not be a bound: a jump it lets fall out of
    /// reach is emitted again in the long form.
    #[inline]
    pub fn size_estimate(&self) -> u8 {
        match self {
            MInst::Args => 0,
            MInst::Trap { .. } => 2,
            MInst::Vmctx | MInst::Shift { .. } => 3,
            MInst::ShiftImm { .. } | MInst::Ext { .. } => 4,
            MInst::ShiftX { .. }
            | MInst::Andn { .. }
            | MInst::Fsqrt { .. }
            | MInst::Promote
            | MInst::Demote
            | MInst::BitcastToFloat { .. }
            | MInst::BitcastToInt { .. }
            | MInst::Jump { .. } => 5,
            MInst::Alu { .. } => 6,
            MInst::AluImm { .. }
            | MInst::Round { .. }
            | MInst::JumpTableAddr { .. }
            | MInst::Select { .. } => 7,
            MInst::FSign { .. } | MInst::Lea { .. } | MInst::Copy => 8,
            MInst::FImm { .. }
            | MInst::IntToFloat { .. }
            | MInst::AluMem { .. }
            | MInst::Brif { .. } => 9,
            MInst::Imm { .. }
            | MInst::Fpu { .. }
            | MInst::FpuMem { .. }
            | MInst::Load { .. }
            | MInst::VmctxLoad { .. }
            | MInst::VmctxStore { .. }
            | MInst::Store { .. }
            | MInst::TrapIf { .. }
            | MInst::CondTrap { .. }
            | MInst::LoadStackArg { .. }
            | MInst::StoreOutgoingArg { .. }
            | MInst::LoadStackResult { .. }
            | MInst::StoreStackResult { .. } => 10,
            MInst::Rorx { .. } => 11,
            MInst::StoreImm { .. } | MInst::AluRmw { .. } => 12,
            MInst::TierCheck { .. } => 13,
            MInst::SetCond { .. } | MInst::CondBr { .. } => 15,
            MInst::AddCarry { .. }
            | MInst::BitCount { .. }
            | MInst::Icmp { .. }
            | MInst::Eqz { .. } => 16,
            MInst::Ret => 17,
            MInst::CondSelect { .. } => 18,
            MInst::Fcmp { .. } => 20,
            MInst::Call { .. } => 27,
            MInst::Fcopysign { .. } | MInst::BrTable { .. } => 31,
            MInst::FMinMax { .. } => 41,
            MInst::DivRem { .. } => 43,
            MInst::DivConst { .. } => 47,
            MInst::U64ToFloat { .. } => 50,
            MInst::FloatToInt { .. } => 93,
        }
    }

    /// Whether this ends a block with successors.
    pub fn is_branch(&self) -> bool {
        matches!(
            self,
            MInst::Jump { .. } | MInst::Brif { .. } | MInst::CondBr { .. } | MInst::BrTable { .. }
        )
    }
    /// Whether this ends a block without successors.
    pub fn is_ret(&self) -> bool {
        matches!(self, MInst::Ret | MInst::Trap { .. })
    }
}

/// A function's lowered machine code.
#[derive(Clone, Debug, Default)]
pub struct VCode {
    /// Instructions in layout order.
    pub insts: Vec<MInst>,
    /// Operand range of each instruction in [`VCode::operands`].
    pub op_ranges: Vec<(u32, u32)>,
    /// All operands, instruction after instruction.
    pub operands: Vec<Operand>,
    /// Clobbered registers of each instruction.
    pub clobbers: Vec<PRegSet>,
    /// Wasm bytecode offset of each instruction.
    pub srclocs: Vec<u32>,
    /// Instruction range of each block (layout order).
    pub block_ranges: Vec<InstRange>,
    /// Successor range of each block in `succs`.
    pub succ_ranges: Vec<(u32, u32)>,
    /// Successors, flat.
    pub succs: Vec<Block>,
    /// Predecessor range of each block in `preds`.
    pub pred_ranges: Vec<(u32, u32)>,
    /// Predecessors, flat.
    pub preds: Vec<Block>,
    /// Loop depth of each block.
    pub loop_depths: Vec<u32>,
    /// Jump tables: ranges in `jt_targets`; the last entry is the default.
    pub jump_tables: Vec<(u32, u32)>,
    /// Jump-table targets (VCode block indices), flat.
    pub jt_targets: Vec<u32>,
    /// Number of virtual registers.
    pub num_vregs: usize,
    /// Size of the outgoing stack-argument area in bytes (stack arguments
    /// plus return area of the largest call).
    pub outgoing_args: u32,
    /// Whether the function makes an indirect call (`call_indirect`, or a
    /// call to an import), after which it reloads its VMContext from the
    /// frame: only such a function saves r14 in its prologue.
    pub indirect_calls: bool,
    /// The tier checks' out-of-line data.
    pub tier_checks: Vec<TierCheckInfo>,
    /// Per vreg, the constant it holds (see [`VCode::remat_table`]),
    /// computed on first use and reset by any change.
    remat: std::cell::OnceCell<Vec<Option<u64>>>,
}

impl MInst {
    /// Whether operand `k` may be a spill slot instead of a register (its
    /// constraint is `Any`; the emitter reads it as a memory operand): the
    /// second operand of an integer ALU operation, of a scalar float
    /// operation and of an integer `cmp`; either input of a plain sum (a
    /// `lea` without scale or displacement: `mov d, x; add d, [slot]`, `x`
    /// the other input, in a register or a slot); the input of `rorx`;
    /// either side of a copy (`mov d, [slot]`, `mov [slot], s`, or through
    /// a scratch register between two slots).
    pub fn may_be_stack(&self, k: usize) -> bool {
        match self {
            MInst::Alu { .. } | MInst::Fpu { .. } => k == 1,
            MInst::SetCond { cmp }
            | MInst::CondSelect { cmp, .. }
            | MInst::AddCarry { cmp, .. }
            | MInst::CondBr { cmp, .. }
            | MInst::CondTrap { cmp, .. } => k == 1 && matches!(cmp, CmpKind::Cmp { .. }),
            MInst::Lea {
                base: true,
                index: true,
                shift: 0,
                disp: 0,
                ..
            } => k < 2,
            MInst::Rorx { .. } => k == 0,
            MInst::Copy => true,
            _ => false,
        }
    }
}

impl VCode {
    /// Empties the code, keeping capacity.
    pub fn clear(&mut self) {
        self.insts.clear();
        self.op_ranges.clear();
        self.operands.clear();
        self.clobbers.clear();
        self.srclocs.clear();
        self.block_ranges.clear();
        self.succ_ranges.clear();
        self.succs.clear();
        self.pred_ranges.clear();
        self.preds.clear();
        self.loop_depths.clear();
        self.jump_tables.clear();
        self.jt_targets.clear();
        self.num_vregs = 0;
        self.outgoing_args = 0;
        self.indirect_calls = false;
        self.tier_checks.clear();
        self.remat.take();
    }

    /// Per vreg: `Some(bits)` if its only definition in the function is a
    /// constant ([`MInst::Imm`] or [`MInst::FImm`]), with the 64-bit
    /// register contents that instruction leaves (a 32-bit constant is
    /// zero-extended; an f32's bits are in the low 32). These are what the
    /// allocator may rematerialize ([`Edit::Remat`] is emitted as a `mov`
    /// of the bits, or for a float as the same load `FImm` does).
    ///
    /// [`Edit::Remat`]: strata_regalloc::Edit::Remat
    pub fn remat_table(&self) -> &[Option<u64>] {
        self.remat.get_or_init(|| {
            // 0 = no def yet, 1 = one def (an `Imm`: `value` holds it),
            // 2 = not a constant.
            let mut state = vec![0u8; self.num_vregs];
            let mut value = vec![0u64; self.num_vregs];
            for (k, inst) in self.insts.iter().enumerate() {
                let (s, e) = self.op_ranges[k];
                for op in &self.operands[s as usize..e as usize] {
                    if op.kind != OperandKind::Def {
                        continue;
                    }
                    let v = op.vreg.index();
                    state[v] = match (state[v], inst) {
                        (0, MInst::Imm { size, imm }) if e - s == 1 => {
                            value[v] = match size {
                                Size::S32 => *imm as u32 as u64,
                                Size::S64 => *imm,
                            };
                            1
                        }
                        (0, MInst::FImm { bits, .. }) if e - s == 1 => {
                            value[v] = *bits;
                            1
                        }
                        _ => 2,
                    };
                }
            }
            state
                .iter()
                .zip(&value)
                .map(|(&st, &x)| (st == 1).then_some(x))
                .collect()
        })
    }

    /// Appends an instruction with its operands.
    pub fn push(&mut self, inst: MInst, ops: &[Operand], clobbers: PRegSet, srcloc: u32) {
        let start = self.operands.len() as u32;
        self.operands.extend_from_slice(ops);
        self.op_ranges.push((start, self.operands.len() as u32));
        self.insts.push(inst);
        self.clobbers.push(clobbers);
        self.srclocs.push(srcloc);
        self.remat.take();
    }

    /// A fresh virtual register.
    pub fn new_vreg(&mut self, class: RegClass) -> VReg {
        self.num_vregs += 1;
        VReg::new(self.num_vregs - 1, class)
    }

    /// The targets of jump table `jt`.
    pub fn jt(&self, jt: u32) -> &[u32] {
        let (s, e) = self.jump_tables[jt as usize];
        &self.jt_targets[s as usize..e as usize]
    }

    /// Computes predecessor lists from the successor lists.
    pub fn compute_preds(&mut self) {
        let n = self.block_ranges.len();
        // Count each block's predecessors into its range's end, then turn
        // the counts into empty ranges at their offsets (no scratch buffer:
        // this runs once per function).
        self.pred_ranges.clear();
        self.pred_ranges.resize(n, (0, 0));
        for s in &self.succs {
            self.pred_ranges[s.index()].1 += 1;
        }
        let mut at = 0;
        for r in &mut self.pred_ranges {
            let count = r.1;
            *r = (at, at);
            at += count;
        }
        self.preds.clear();
        self.preds.resize(self.succs.len(), Block(0));
        for b in 0..n {
            let (s, e) = self.succ_ranges[b];
            for k in s..e {
                let t = self.succs[k as usize].index();
                let slot = &mut self.pred_ranges[t].1;
                self.preds[*slot as usize] = Block(b as u32);
                *slot += 1;
            }
        }
    }
}

impl strata_regalloc::Function for VCode {
    fn num_insts(&self) -> usize {
        self.insts.len()
    }
    fn num_blocks(&self) -> usize {
        self.block_ranges.len()
    }
    fn block_insns(&self, b: Block) -> InstRange {
        self.block_ranges[b.index()]
    }
    fn block_succs(&self, b: Block) -> &[Block] {
        let (s, e) = self.succ_ranges[b.index()];
        &self.succs[s as usize..e as usize]
    }
    fn block_preds(&self, b: Block) -> &[Block] {
        let (s, e) = self.pred_ranges[b.index()];
        &self.preds[s as usize..e as usize]
    }
    fn is_ret(&self, i: Inst) -> bool {
        self.insts[i.index()].is_ret()
    }
    fn is_branch(&self, i: Inst) -> bool {
        self.insts[i.index()].is_branch()
    }
    fn inst_operands(&self, i: Inst) -> &[Operand] {
        let (s, e) = self.op_ranges[i.index()];
        &self.operands[s as usize..e as usize]
    }
    fn inst_clobbers(&self, i: Inst) -> PRegSet {
        self.clobbers[i.index()]
    }
    fn num_vregs(&self) -> usize {
        self.num_vregs
    }
    fn is_move(&self, i: Inst) -> bool {
        matches!(self.insts[i.index()], MInst::Copy)
    }
    fn block_loop_depth(&self, b: Block) -> u32 {
        self.loop_depths[b.index()]
    }
    fn remat_constant(&self, vreg: VReg) -> Option<u64> {
        *self.remat_table().get(vreg.index())?
    }
}

fn fmt_operand(f: &mut fmt::Formatter<'_>, op: &Operand) -> fmt::Result {
    let c = match op.vreg.class() {
        RegClass::Int => 'i',
        RegClass::Float => 'f',
    };
    let kind = match (op.kind, op.pos) {
        (OperandKind::Use, _) => "",
        (OperandKind::Def, OperandPos::Late) => "=",
        (OperandKind::Def, OperandPos::Early) => "=early ",
    };
    write!(f, "{kind}v{}{c}", op.vreg.index())?;
    match op.constraint {
        OperandConstraint::Any => write!(f, ":any"),
        OperandConstraint::Reg => Ok(()),
        OperandConstraint::FixedReg(r) => write!(f, ":{}", regs::name(r)),
        OperandConstraint::Reuse(n) => write!(f, ":reuse{n}"),
    }
}

impl fmt::Display for VCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use strata_regalloc::Function as _;
        for b in 0..self.num_blocks() {
            let blk = Block(b as u32);
            write!(f, "block{b}:")?;
            let succs = self.block_succs(blk);
            if !succs.is_empty() {
                write!(f, " ; succs")?;
                for s in succs {
                    write!(f, " block{}", s.index())?;
                }
            }
            writeln!(f)?;
            for i in self.block_insns(blk).iter() {
                write!(f, "  {:?}", self.insts[i.index()])?;
                for (k, op) in self.inst_operands(i).iter().enumerate() {
                    f.write_str(if k == 0 { " " } else { ", " })?;
                    fmt_operand(f, op)?;
                }
                if !self.clobbers[i.index()].is_empty() {
                    write!(f, " ; clobbers")?;
                }
                writeln!(f)?;
            }
        }
        Ok(())
    }
}
