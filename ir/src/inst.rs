//! The instruction set.
//!
//! Operations are named by meaning, never by one ISA's mnemonics, and have
//! Wasm's exact semantics: integer division traps on zero (and signed on
//! overflow), `rem_s` of `INT_MIN` by -1 is 0, float min/max propagate NaN and
//! order -0 below +0, `nearest` rounds ties to even, trapping truncations trap
//! on NaN and out-of-range values, shifts and rotates take their count modulo
//! the bit width. The type of an instruction is the type of its result value
//! (for stores and comparisons, of the operands: see each variant).

use crate::{Block, BlockCall, JumpTable, TrapCode, Type, Value, ValueList};

/// Unary operations. The result type is the destination's; conversions take
/// the source type from their argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// Count leading zeros.
    Clz,
    /// Count trailing zeros.
    Ctz,
    /// Count set bits.
    Popcnt,
    /// `x == 0` as an `i32` 0 or 1 (argument of any integer type).
    Eqz,
    /// Float negation (flips the sign bit, NaN included).
    Fneg,
    /// Float absolute value (clears the sign bit).
    Fabs,
    /// Square root.
    Fsqrt,
    /// Round toward +inf.
    Fceil,
    /// Round toward -inf.
    Ffloor,
    /// Round toward zero.
    Ftrunc,
    /// Round to nearest, ties to even.
    Fnearest,
    /// `i32` -> `i64`, sign-extending.
    SextI32,
    /// `i32` -> `i64`, zero-extending.
    UextI32,
    /// `i64` -> `i32`, keeping the low bits.
    Wrap,
    /// Sign-extend the low 8 bits, within the same type.
    Sext8,
    /// Sign-extend the low 16 bits, within the same type.
    Sext16,
    /// Sign-extend the low 32 bits of an `i64`.
    Sext32,
    /// Float -> signed int, trapping on NaN and out of range.
    TruncS,
    /// Float -> unsigned int, trapping on NaN and out of range.
    TruncU,
    /// Float -> signed int, saturating, NaN -> 0.
    TruncSatS,
    /// Float -> unsigned int, saturating, NaN -> 0.
    TruncSatU,
    /// Signed int -> float, rounding to nearest.
    ConvertS,
    /// Unsigned int -> float, rounding to nearest.
    ConvertU,
    /// `f32` -> `f64`.
    Promote,
    /// `f64` -> `f32`.
    Demote,
    /// Same bits, other type of the same width.
    Reinterpret,
}

/// Binary operations; both operands and the result have one type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// Wrapping add.
    Iadd,
    /// Wrapping subtract.
    Isub,
    /// Wrapping multiply.
    Imul,
    /// Signed division: traps on zero and on `INT_MIN / -1`.
    DivS,
    /// Unsigned division: traps on zero.
    DivU,
    /// Signed remainder: traps on zero; `INT_MIN rem -1` is 0.
    RemS,
    /// Unsigned remainder: traps on zero.
    RemU,
    /// Bitwise and.
    And,
    /// Bitwise or.
    Or,
    /// Bitwise xor.
    Xor,
    /// Shift left (count modulo width).
    Shl,
    /// Arithmetic shift right.
    ShrS,
    /// Logical shift right.
    ShrU,
    /// Rotate left.
    Rotl,
    /// Rotate right.
    Rotr,
    /// Float add.
    Fadd,
    /// Float subtract.
    Fsub,
    /// Float multiply.
    Fmul,
    /// Float divide.
    Fdiv,
    /// Wasm `min`: NaN if either is NaN, -0 < +0.
    Fmin,
    /// Wasm `max`: NaN if either is NaN, -0 < +0.
    Fmax,
    /// Magnitude of the first, sign of the second.
    Fcopysign,
}

impl BinaryOp {
    /// Whether the operation may trap.
    pub const fn can_trap(self) -> bool {
        matches!(
            self,
            BinaryOp::DivS | BinaryOp::DivU | BinaryOp::RemS | BinaryOp::RemU
        )
    }
    /// Whether `a op b == b op a`.
    pub const fn is_commutative(self) -> bool {
        matches!(
            self,
            BinaryOp::Iadd
                | BinaryOp::Imul
                | BinaryOp::And
                | BinaryOp::Or
                | BinaryOp::Xor
                | BinaryOp::Fadd
                | BinaryOp::Fmul
        )
    }
}

impl UnaryOp {
    /// Whether the operation may trap.
    pub const fn can_trap(self) -> bool {
        matches!(self, UnaryOp::TruncS | UnaryOp::TruncU)
    }
}

/// Integer comparisons.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntCC {
    /// `==`
    Equal,
    /// `!=`
    NotEqual,
    /// signed `<`
    SignedLessThan,
    /// signed `<=`
    SignedLessThanOrEqual,
    /// signed `>`
    SignedGreaterThan,
    /// signed `>=`
    SignedGreaterThanOrEqual,
    /// unsigned `<`
    UnsignedLessThan,
    /// unsigned `<=`
    UnsignedLessThanOrEqual,
    /// unsigned `>`
    UnsignedGreaterThan,
    /// unsigned `>=`
    UnsignedGreaterThanOrEqual,
}

impl IntCC {
    /// Every condition.
    pub const ALL: [IntCC; 10] = [
        IntCC::Equal,
        IntCC::NotEqual,
        IntCC::SignedLessThan,
        IntCC::SignedLessThanOrEqual,
        IntCC::SignedGreaterThan,
        IntCC::SignedGreaterThanOrEqual,
        IntCC::UnsignedLessThan,
        IntCC::UnsignedLessThanOrEqual,
        IntCC::UnsignedGreaterThan,
        IntCC::UnsignedGreaterThanOrEqual,
    ];
    /// The condition with operands swapped (`a cc b == b cc.swap() a`).
    pub const fn swap_args(self) -> IntCC {
        match self {
            IntCC::Equal => IntCC::Equal,
            IntCC::NotEqual => IntCC::NotEqual,
            IntCC::SignedLessThan => IntCC::SignedGreaterThan,
            IntCC::SignedLessThanOrEqual => IntCC::SignedGreaterThanOrEqual,
            IntCC::SignedGreaterThan => IntCC::SignedLessThan,
            IntCC::SignedGreaterThanOrEqual => IntCC::SignedLessThanOrEqual,
            IntCC::UnsignedLessThan => IntCC::UnsignedGreaterThan,
            IntCC::UnsignedLessThanOrEqual => IntCC::UnsignedGreaterThanOrEqual,
            IntCC::UnsignedGreaterThan => IntCC::UnsignedLessThan,
            IntCC::UnsignedGreaterThanOrEqual => IntCC::UnsignedLessThanOrEqual,
        }
    }
    /// The negated condition.
    pub const fn inverse(self) -> IntCC {
        match self {
            IntCC::Equal => IntCC::NotEqual,
            IntCC::NotEqual => IntCC::Equal,
            IntCC::SignedLessThan => IntCC::SignedGreaterThanOrEqual,
            IntCC::SignedLessThanOrEqual => IntCC::SignedGreaterThan,
            IntCC::SignedGreaterThan => IntCC::SignedLessThanOrEqual,
            IntCC::SignedGreaterThanOrEqual => IntCC::SignedLessThan,
            IntCC::UnsignedLessThan => IntCC::UnsignedGreaterThanOrEqual,
            IntCC::UnsignedLessThanOrEqual => IntCC::UnsignedGreaterThan,
            IntCC::UnsignedGreaterThan => IntCC::UnsignedLessThanOrEqual,
            IntCC::UnsignedGreaterThanOrEqual => IntCC::UnsignedLessThan,
        }
    }
    /// Text name.
    pub const fn name(self) -> &'static str {
        match self {
            IntCC::Equal => "eq",
            IntCC::NotEqual => "ne",
            IntCC::SignedLessThan => "slt",
            IntCC::SignedLessThanOrEqual => "sle",
            IntCC::SignedGreaterThan => "sgt",
            IntCC::SignedGreaterThanOrEqual => "sge",
            IntCC::UnsignedLessThan => "ult",
            IntCC::UnsignedLessThanOrEqual => "ule",
            IntCC::UnsignedGreaterThan => "ugt",
            IntCC::UnsignedGreaterThanOrEqual => "uge",
        }
    }
}

/// Float comparisons (ordered except `NotEqual`, which is true for NaN).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FloatCC {
    /// `==` (false if either is NaN)
    Equal,
    /// `!=` (true if either is NaN)
    NotEqual,
    /// `<`
    LessThan,
    /// `<=`
    LessThanOrEqual,
    /// `>`
    GreaterThan,
    /// `>=`
    GreaterThanOrEqual,
}

impl FloatCC {
    /// Every condition.
    pub const ALL: [FloatCC; 6] = [
        FloatCC::Equal,
        FloatCC::NotEqual,
        FloatCC::LessThan,
        FloatCC::LessThanOrEqual,
        FloatCC::GreaterThan,
        FloatCC::GreaterThanOrEqual,
    ];
    /// Text name.
    pub const fn name(self) -> &'static str {
        match self {
            FloatCC::Equal => "eq",
            FloatCC::NotEqual => "ne",
            FloatCC::LessThan => "lt",
            FloatCC::LessThanOrEqual => "le",
            FloatCC::GreaterThan => "gt",
            FloatCC::GreaterThanOrEqual => "ge",
        }
    }
}

/// Which memory an access addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddrSpace {
    /// Linear memory 0: the address is a zero-extended `i32` index plus the
    /// offset, relative to the instance's memory base; an access outside the
    /// accessible size traps with [`TrapCode::MemoryOutOfBounds`].
    Heap,
    /// Runtime data: the address is an `i64` pointer plus the offset; the
    /// access never traps.
    Vm,
}

/// Loads: memory width, extension, and result type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum LoadOp {
    I32,
    I64,
    F32,
    F64,
    I32Load8S,
    I32Load8U,
    I32Load16S,
    I32Load16U,
    I64Load8S,
    I64Load8U,
    I64Load16S,
    I64Load16U,
    I64Load32S,
    I64Load32U,
}

impl LoadOp {
    /// The result type.
    pub const fn result_type(self) -> Type {
        match self {
            LoadOp::I32
            | LoadOp::I32Load8S
            | LoadOp::I32Load8U
            | LoadOp::I32Load16S
            | LoadOp::I32Load16U => Type::I32,
            LoadOp::F32 => Type::F32,
            LoadOp::F64 => Type::F64,
            _ => Type::I64,
        }
    }
    /// Bytes read.
    pub const fn width(self) -> u32 {
        match self {
            LoadOp::I32Load8S | LoadOp::I32Load8U | LoadOp::I64Load8S | LoadOp::I64Load8U => 1,
            LoadOp::I32Load16S | LoadOp::I32Load16U | LoadOp::I64Load16S | LoadOp::I64Load16U => 2,
            LoadOp::I32 | LoadOp::F32 | LoadOp::I64Load32S | LoadOp::I64Load32U => 4,
            LoadOp::I64 | LoadOp::F64 => 8,
        }
    }
    /// Whether a narrow load sign-extends.
    pub const fn is_signed(self) -> bool {
        matches!(
            self,
            LoadOp::I32Load8S
                | LoadOp::I32Load16S
                | LoadOp::I64Load8S
                | LoadOp::I64Load16S
                | LoadOp::I64Load32S
        )
    }
    /// Text name.
    pub const fn name(self) -> &'static str {
        match self {
            LoadOp::I32 => "load.i32",
            LoadOp::I64 => "load.i64",
            LoadOp::F32 => "load.f32",
            LoadOp::F64 => "load.f64",
            LoadOp::I32Load8S => "load8_s.i32",
            LoadOp::I32Load8U => "load8_u.i32",
            LoadOp::I32Load16S => "load16_s.i32",
            LoadOp::I32Load16U => "load16_u.i32",
            LoadOp::I64Load8S => "load8_s.i64",
            LoadOp::I64Load8U => "load8_u.i64",
            LoadOp::I64Load16S => "load16_s.i64",
            LoadOp::I64Load16U => "load16_u.i64",
            LoadOp::I64Load32S => "load32_s.i64",
            LoadOp::I64Load32U => "load32_u.i64",
        }
    }
    /// Every load.
    pub const ALL: [LoadOp; 14] = [
        LoadOp::I32,
        LoadOp::I64,
        LoadOp::F32,
        LoadOp::F64,
        LoadOp::I32Load8S,
        LoadOp::I32Load8U,
        LoadOp::I32Load16S,
        LoadOp::I32Load16U,
        LoadOp::I64Load8S,
        LoadOp::I64Load8U,
        LoadOp::I64Load16S,
        LoadOp::I64Load16U,
        LoadOp::I64Load32S,
        LoadOp::I64Load32U,
    ];
}

/// Stores: value type and memory width.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum StoreOp {
    I32,
    I64,
    F32,
    F64,
    I32Store8,
    I32Store16,
    I64Store8,
    I64Store16,
    I64Store32,
}

impl StoreOp {
    /// The type of the stored value.
    pub const fn value_type(self) -> Type {
        match self {
            StoreOp::I32 | StoreOp::I32Store8 | StoreOp::I32Store16 => Type::I32,
            StoreOp::F32 => Type::F32,
            StoreOp::F64 => Type::F64,
            _ => Type::I64,
        }
    }
    /// Bytes written.
    pub const fn width(self) -> u32 {
        match self {
            StoreOp::I32Store8 | StoreOp::I64Store8 => 1,
            StoreOp::I32Store16 | StoreOp::I64Store16 => 2,
            StoreOp::I32 | StoreOp::F32 | StoreOp::I64Store32 => 4,
            StoreOp::I64 | StoreOp::F64 => 8,
        }
    }
    /// Text name.
    pub const fn name(self) -> &'static str {
        match self {
            StoreOp::I32 => "store.i32",
            StoreOp::I64 => "store.i64",
            StoreOp::F32 => "store.f32",
            StoreOp::F64 => "store.f64",
            StoreOp::I32Store8 => "store8.i32",
            StoreOp::I32Store16 => "store16.i32",
            StoreOp::I64Store8 => "store8.i64",
            StoreOp::I64Store16 => "store16.i64",
            StoreOp::I64Store32 => "store32.i64",
        }
    }
    /// Every store.
    pub const ALL: [StoreOp; 9] = [
        StoreOp::I32,
        StoreOp::I64,
        StoreOp::F32,
        StoreOp::F64,
        StoreOp::I32Store8,
        StoreOp::I32Store16,
        StoreOp::I64Store8,
        StoreOp::I64Store16,
        StoreOp::I64Store32,
    ];
}

/// How a call finds its callee and which convention it uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallKind {
    /// A Wasm function of the same instance: the code pointer is read from
    /// the VMContext at byte offset `slot`; the callee's VMContext is the
    /// caller's. Wasm calling convention.
    Direct {
        /// VMContext offset of the code pointer.
        slot: u32,
    },
    /// A Wasm function given by value: the call's first argument is the code
    /// pointer, the second the callee's VMContext, the rest the Wasm
    /// arguments. Wasm calling convention; the caller's VMContext and memory
    /// base are restored after the call.
    Indirect,
    /// A runtime function (a "builtin" written in Rust): the code pointer is
    /// read from the VMContext at byte offset `slot`, the arguments (the
    /// caller passes the VMContext explicitly, usually first) follow the
    /// platform's C calling convention.
    Builtin {
        /// VMContext offset of the function pointer.
        slot: u32,
    },
    /// The tiered engine's counter check (baseline code only): decrements
    /// the `i32` counter at VMContext offset `counter` and, when it goes
    /// negative, calls the tier-up builtin at VMContext offset `builtin` as
    /// `(vmctx, counter, loop_index) -> code` from an out-of-line path that
    /// preserves every register. At a loop header (`loop_index` is not
    /// [`CallKind::NO_LOOP`]) a non-null result is the entry of optimized
    /// code for the rest of the function (on-stack replacement): the
    /// arguments (the frame's state: locals, then the operand stack) are
    /// written to a buffer, the entry is called with its address, and this
    /// function returns what it returns. No results; the arguments may be
    /// anywhere (register or stack).
    TierCheck {
        /// VMContext offset of the counter.
        counter: u32,
        /// VMContext offset of the tier-up builtin's pointer.
        builtin: u32,
        /// Which loop (the n-th `loop` of the body), or `NO_LOOP`.
        loop_index: u32,
    },
}

impl CallKind {
    /// `loop_index` of a [`CallKind::TierCheck`] that cannot enter optimized
    /// code (at function entry, or a loop without an OSR entry).
    pub const NO_LOOP: u32 = u32::MAX;
}

/// One instruction. Results (`dst`) come first in each variant.
#[derive(Clone, Debug, PartialEq)]
pub enum InstData {
    /// Integer constant (type of `dst`; for `i32` the low 32 bits count).
    Iconst {
        /// Result.
        dst: Value,
        /// The bits.
        imm: i64,
    },
    /// Float constant given by its bits (for `f32` the low 32 bits).
    Fconst {
        /// Result.
        dst: Value,
        /// The bits.
        bits: u64,
    },
    /// A unary operation.
    Unary {
        /// Operation.
        op: UnaryOp,
        /// Result.
        dst: Value,
        /// Operand.
        arg: Value,
    },
    /// A binary operation.
    Binary {
        /// Operation.
        op: BinaryOp,
        /// Result.
        dst: Value,
        /// Left operand.
        lhs: Value,
        /// Right operand.
        rhs: Value,
    },
    /// Integer comparison, result `i32` 0 or 1.
    Icmp {
        /// Condition.
        cc: IntCC,
        /// Result (`i32`).
        dst: Value,
        /// Left operand.
        lhs: Value,
        /// Right operand.
        rhs: Value,
    },
    /// Float comparison, result `i32` 0 or 1.
    Fcmp {
        /// Condition.
        cc: FloatCC,
        /// Result (`i32`).
        dst: Value,
        /// Left operand.
        lhs: Value,
        /// Right operand.
        rhs: Value,
    },
    /// `dst = cond != 0 ? if_true : if_false` (`cond` is `i32`).
    Select {
        /// Result.
        dst: Value,
        /// Condition.
        cond: Value,
        /// Chosen when `cond != 0`.
        if_true: Value,
        /// Chosen when `cond == 0`.
        if_false: Value,
    },
    /// `dst = src`.
    Copy {
        /// Result.
        dst: Value,
        /// Source.
        src: Value,
    },
    /// The current instance's VMContext pointer (`i64`).
    Vmctx {
        /// Result.
        dst: Value,
    },
    /// Load from memory.
    Load {
        /// Width, extension and result type.
        op: LoadOp,
        /// Address space.
        space: AddrSpace,
        /// Result.
        dst: Value,
        /// Address (`i32` index for `heap`, `i64` pointer for `vm`).
        addr: Value,
        /// Constant offset added to the address.
        offset: u32,
    },
    /// Store to memory.
    Store {
        /// Width and value type.
        op: StoreOp,
        /// Address space.
        space: AddrSpace,
        /// Address (`i32` index for `heap`, `i64` pointer for `vm`).
        addr: Value,
        /// The stored value.
        value: Value,
        /// Constant offset added to the address.
        offset: u32,
    },
    /// A call. Results are defined by the call.
    Call {
        /// Callee and convention.
        kind: CallKind,
        /// Arguments (for `Indirect`: code pointer, VMContext, then arguments).
        args: ValueList,
        /// Results.
        results: ValueList,
    },
    /// Unconditional branch.
    Jump {
        /// Target with arguments.
        dest: BlockCall,
    },
    /// Conditional branch on an `i32`.
    Brif {
        /// Condition (`i32`, taken when non-zero).
        cond: Value,
        /// Target when non-zero.
        then_dest: BlockCall,
        /// Target when zero.
        else_dest: BlockCall,
    },
    /// Multi-way branch: `index` selects an entry of the table, an index past
    /// the end selects the table's default (its last entry). Targets take no
    /// arguments.
    BrTable {
        /// Index (`i32`).
        index: Value,
        /// Targets; the last is the default.
        table: JumpTable,
    },
    /// Return from the function.
    Return {
        /// The returned values.
        args: ValueList,
    },
    /// Trap unconditionally.
    Trap {
        /// Why.
        code: TrapCode,
    },
    /// Trap when `cond` (`i32`) is non-zero.
    TrapIf {
        /// Condition.
        cond: Value,
        /// Why.
        code: TrapCode,
    },
}

/// The instructions with exactly one result, and a reference to it (`&`
/// or `&mut` as `$data` is): one list for [`InstData::single_dst`] and
/// [`InstData::single_dst_mut`].
macro_rules! single_dst_of {
    ($data:expr) => {
        match $data {
            InstData::Iconst { dst, .. }
            | InstData::Fconst { dst, .. }
            | InstData::Unary { dst, .. }
            | InstData::Binary { dst, .. }
            | InstData::Icmp { dst, .. }
            | InstData::Fcmp { dst, .. }
            | InstData::Select { dst, .. }
            | InstData::Copy { dst, .. }
            | InstData::Vmctx { dst }
            | InstData::Load { dst, .. } => Some(dst),
            _ => None,
        }
    };
}

impl InstData {
    /// Whether this instruction ends a block.
    pub fn is_terminator(&self) -> bool {
        matches!(
            self,
            InstData::Jump { .. }
                | InstData::Brif { .. }
                | InstData::BrTable { .. }
                | InstData::Return { .. }
                | InstData::Trap { .. }
        )
    }

    /// Whether the instruction reads only its operands, writes only its
    /// result and cannot trap (constants, the VMContext, copies, selects,
    /// comparisons, arithmetic that cannot trap): it may be computed
    /// wherever its operands are available (hoisted, copied).
    pub fn is_speculatable(&self) -> bool {
        match self {
            InstData::Iconst { .. }
            | InstData::Fconst { .. }
            | InstData::Vmctx { .. }
            | InstData::Copy { .. }
            | InstData::Select { .. }
            | InstData::Icmp { .. }
            | InstData::Fcmp { .. } => true,
            InstData::Unary { op, .. } => !op.can_trap(),
            InstData::Binary { op, .. } => !op.can_trap(),
            _ => false,
        }
    }

    /// The value an instruction with [`InstData::single_dst`] defines, to
    /// replace.
    pub fn single_dst_mut(&mut self) -> Option<&mut Value> {
        single_dst_of!(self)
    }

    /// The single result of an instruction that has at most one.
    pub fn single_dst(&self) -> Option<Value> {
        single_dst_of!(self).copied()
    }

    /// The blocks this terminator can branch to (jump tables not included).
    pub fn branch_dests(&self) -> [Option<Block>; 2] {
        match self {
            InstData::Jump { dest } => [Some(dest.block), None],
            InstData::Brif {
                then_dest,
                else_dest,
                ..
            } => [Some(then_dest.block), Some(else_dest.block)],
            _ => [None, None],
        }
    }
}
