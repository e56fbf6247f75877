//! Operator tables shared by both IR builders: which IR instruction a
//! numeric operator becomes, and which load or store a memory operator is.
//! Keeping one table means the two tiers cannot disagree on what an operator
//! means.

use strata_ir::{BinaryOp, FloatCC, IntCC, LoadOp, StoreOp, Type, UnaryOp};
use wasmparser::{MemArg, Operator};

/// An operator that pops its operands and pushes one result computed by one
/// instruction.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Simple {
    /// A unary operation with its result type.
    Un(UnaryOp, Type),
    /// A binary operation with its type.
    Bin(BinaryOp, Type),
    /// An integer comparison (result `i32`).
    Icmp(IntCC),
    /// A float comparison (result `i32`).
    Fcmp(FloatCC),
}

/// The numeric operators' translation, shared by both builders.
#[inline(always)]
pub(crate) fn simple_op(op: &Operator<'_>) -> Option<Simple> {
    use BinaryOp as B;
    use IntCC as I;
    use Operator as O;
    use Type::{F32, F64, I32, I64};
    use UnaryOp as U;
    Some(match op {
        O::I32Eqz => Simple::Un(U::Eqz, I32),
        O::I64Eqz => Simple::Un(U::Eqz, I32),
        O::I32Eq | O::I64Eq => Simple::Icmp(I::Equal),
        O::I32Ne | O::I64Ne => Simple::Icmp(I::NotEqual),
        O::I32LtS | O::I64LtS => Simple::Icmp(I::SignedLessThan),
        O::I32LtU | O::I64LtU => Simple::Icmp(I::UnsignedLessThan),
        O::I32GtS | O::I64GtS => Simple::Icmp(I::SignedGreaterThan),
        O::I32GtU | O::I64GtU => Simple::Icmp(I::UnsignedGreaterThan),
        O::I32LeS | O::I64LeS => Simple::Icmp(I::SignedLessThanOrEqual),
        O::I32LeU | O::I64LeU => Simple::Icmp(I::UnsignedLessThanOrEqual),
        O::I32GeS | O::I64GeS => Simple::Icmp(I::SignedGreaterThanOrEqual),
        O::I32GeU | O::I64GeU => Simple::Icmp(I::UnsignedGreaterThanOrEqual),
        O::F32Eq | O::F64Eq => Simple::Fcmp(FloatCC::Equal),
        O::F32Ne | O::F64Ne => Simple::Fcmp(FloatCC::NotEqual),
        O::F32Lt | O::F64Lt => Simple::Fcmp(FloatCC::LessThan),
        O::F32Gt | O::F64Gt => Simple::Fcmp(FloatCC::GreaterThan),
        O::F32Le | O::F64Le => Simple::Fcmp(FloatCC::LessThanOrEqual),
        O::F32Ge | O::F64Ge => Simple::Fcmp(FloatCC::GreaterThanOrEqual),

        O::I32Clz => Simple::Un(U::Clz, I32),
        O::I32Ctz => Simple::Un(U::Ctz, I32),
        O::I32Popcnt => Simple::Un(U::Popcnt, I32),
        O::I64Clz => Simple::Un(U::Clz, I64),
        O::I64Ctz => Simple::Un(U::Ctz, I64),
        O::I64Popcnt => Simple::Un(U::Popcnt, I64),
        O::I32Add => Simple::Bin(B::Iadd, I32),
        O::I32Sub => Simple::Bin(B::Isub, I32),
        O::I32Mul => Simple::Bin(B::Imul, I32),
        O::I32DivS => Simple::Bin(B::DivS, I32),
        O::I32DivU => Simple::Bin(B::DivU, I32),
        O::I32RemS => Simple::Bin(B::RemS, I32),
        O::I32RemU => Simple::Bin(B::RemU, I32),
        O::I32And => Simple::Bin(B::And, I32),
        O::I32Or => Simple::Bin(B::Or, I32),
        O::I32Xor => Simple::Bin(B::Xor, I32),
        O::I32Shl => Simple::Bin(B::Shl, I32),
        O::I32ShrS => Simple::Bin(B::ShrS, I32),
        O::I32ShrU => Simple::Bin(B::ShrU, I32),
        O::I32Rotl => Simple::Bin(B::Rotl, I32),
        O::I32Rotr => Simple::Bin(B::Rotr, I32),
        O::I64Add => Simple::Bin(B::Iadd, I64),
        O::I64Sub => Simple::Bin(B::Isub, I64),
        O::I64Mul => Simple::Bin(B::Imul, I64),
        O::I64DivS => Simple::Bin(B::DivS, I64),
        O::I64DivU => Simple::Bin(B::DivU, I64),
        O::I64RemS => Simple::Bin(B::RemS, I64),
        O::I64RemU => Simple::Bin(B::RemU, I64),
        O::I64And => Simple::Bin(B::And, I64),
        O::I64Or => Simple::Bin(B::Or, I64),
        O::I64Xor => Simple::Bin(B::Xor, I64),
        O::I64Shl => Simple::Bin(B::Shl, I64),
        O::I64ShrS => Simple::Bin(B::ShrS, I64),
        O::I64ShrU => Simple::Bin(B::ShrU, I64),
        O::I64Rotl => Simple::Bin(B::Rotl, I64),
        O::I64Rotr => Simple::Bin(B::Rotr, I64),

        O::F32Abs => Simple::Un(U::Fabs, F32),
        O::F32Neg => Simple::Un(U::Fneg, F32),
        O::F32Ceil => Simple::Un(U::Fceil, F32),
        O::F32Floor => Simple::Un(U::Ffloor, F32),
        O::F32Trunc => Simple::Un(U::Ftrunc, F32),
        O::F32Nearest => Simple::Un(U::Fnearest, F32),
        O::F32Sqrt => Simple::Un(U::Fsqrt, F32),
        O::F32Add => Simple::Bin(B::Fadd, F32),
        O::F32Sub => Simple::Bin(B::Fsub, F32),
        O::F32Mul => Simple::Bin(B::Fmul, F32),
        O::F32Div => Simple::Bin(B::Fdiv, F32),
        O::F32Min => Simple::Bin(B::Fmin, F32),
        O::F32Max => Simple::Bin(B::Fmax, F32),
        O::F32Copysign => Simple::Bin(B::Fcopysign, F32),
        O::F64Abs => Simple::Un(U::Fabs, F64),
        O::F64Neg => Simple::Un(U::Fneg, F64),
        O::F64Ceil => Simple::Un(U::Fceil, F64),
        O::F64Floor => Simple::Un(U::Ffloor, F64),
        O::F64Trunc => Simple::Un(U::Ftrunc, F64),
        O::F64Nearest => Simple::Un(U::Fnearest, F64),
        O::F64Sqrt => Simple::Un(U::Fsqrt, F64),
        O::F64Add => Simple::Bin(B::Fadd, F64),
        O::F64Sub => Simple::Bin(B::Fsub, F64),
        O::F64Mul => Simple::Bin(B::Fmul, F64),
        O::F64Div => Simple::Bin(B::Fdiv, F64),
        O::F64Min => Simple::Bin(B::Fmin, F64),
        O::F64Max => Simple::Bin(B::Fmax, F64),
        O::F64Copysign => Simple::Bin(B::Fcopysign, F64),

        O::I32WrapI64 => Simple::Un(U::Wrap, I32),
        O::I32TruncF32S | O::I32TruncF64S => Simple::Un(U::TruncS, I32),
        O::I32TruncF32U | O::I32TruncF64U => Simple::Un(U::TruncU, I32),
        O::I64ExtendI32S => Simple::Un(U::SextI32, I64),
        O::I64ExtendI32U => Simple::Un(U::UextI32, I64),
        O::I64TruncF32S | O::I64TruncF64S => Simple::Un(U::TruncS, I64),
        O::I64TruncF32U | O::I64TruncF64U => Simple::Un(U::TruncU, I64),
        O::F32ConvertI32S | O::F32ConvertI64S => Simple::Un(U::ConvertS, F32),
        O::F32ConvertI32U | O::F32ConvertI64U => Simple::Un(U::ConvertU, F32),
        O::F32DemoteF64 => Simple::Un(U::Demote, F32),
        O::F64ConvertI32S | O::F64ConvertI64S => Simple::Un(U::ConvertS, F64),
        O::F64ConvertI32U | O::F64ConvertI64U => Simple::Un(U::ConvertU, F64),
        O::F64PromoteF32 => Simple::Un(U::Promote, F64),
        O::I32ReinterpretF32 => Simple::Un(U::Reinterpret, I32),
        O::I64ReinterpretF64 => Simple::Un(U::Reinterpret, I64),
        O::F32ReinterpretI32 => Simple::Un(U::Reinterpret, F32),
        O::F64ReinterpretI64 => Simple::Un(U::Reinterpret, F64),

        O::I32Extend8S => Simple::Un(U::Sext8, I32),
        O::I32Extend16S => Simple::Un(U::Sext16, I32),
        O::I64Extend8S => Simple::Un(U::Sext8, I64),
        O::I64Extend16S => Simple::Un(U::Sext16, I64),
        O::I64Extend32S => Simple::Un(U::Sext32, I64),
        O::I32TruncSatF32S | O::I32TruncSatF64S => Simple::Un(U::TruncSatS, I32),
        O::I32TruncSatF32U | O::I32TruncSatF64U => Simple::Un(U::TruncSatU, I32),
        O::I64TruncSatF32S | O::I64TruncSatF64S => Simple::Un(U::TruncSatS, I64),
        O::I64TruncSatF32U | O::I64TruncSatF64U => Simple::Un(U::TruncSatU, I64),
        _ => return None,
    })
}

/// A linear-memory access operator.
pub(crate) enum MemAccess<'a> {
    /// A load, with its memory immediate.
    Load(LoadOp, &'a MemArg),
    /// A store, with its memory immediate.
    Store(StoreOp, &'a MemArg),
}

/// The load or store `op` is, if it is one.
pub(crate) fn memory_op<'a>(op: &'a Operator<'_>) -> Option<MemAccess<'a>> {
    use Operator as O;
    Some(match op {
        O::I32Load { memarg } => MemAccess::Load(LoadOp::I32, memarg),
        O::I64Load { memarg } => MemAccess::Load(LoadOp::I64, memarg),
        O::F32Load { memarg } => MemAccess::Load(LoadOp::F32, memarg),
        O::F64Load { memarg } => MemAccess::Load(LoadOp::F64, memarg),
        O::I32Load8S { memarg } => MemAccess::Load(LoadOp::I32Load8S, memarg),
        O::I32Load8U { memarg } => MemAccess::Load(LoadOp::I32Load8U, memarg),
        O::I32Load16S { memarg } => MemAccess::Load(LoadOp::I32Load16S, memarg),
        O::I32Load16U { memarg } => MemAccess::Load(LoadOp::I32Load16U, memarg),
        O::I64Load8S { memarg } => MemAccess::Load(LoadOp::I64Load8S, memarg),
        O::I64Load8U { memarg } => MemAccess::Load(LoadOp::I64Load8U, memarg),
        O::I64Load16S { memarg } => MemAccess::Load(LoadOp::I64Load16S, memarg),
        O::I64Load16U { memarg } => MemAccess::Load(LoadOp::I64Load16U, memarg),
        O::I64Load32S { memarg } => MemAccess::Load(LoadOp::I64Load32S, memarg),
        O::I64Load32U { memarg } => MemAccess::Load(LoadOp::I64Load32U, memarg),
        O::I32Store { memarg } => MemAccess::Store(StoreOp::I32, memarg),
        O::I64Store { memarg } => MemAccess::Store(StoreOp::I64, memarg),
        O::F32Store { memarg } => MemAccess::Store(StoreOp::F32, memarg),
        O::F64Store { memarg } => MemAccess::Store(StoreOp::F64, memarg),
        O::I32Store8 { memarg } => MemAccess::Store(StoreOp::I32Store8, memarg),
        O::I32Store16 { memarg } => MemAccess::Store(StoreOp::I32Store16, memarg),
        O::I64Store8 { memarg } => MemAccess::Store(StoreOp::I64Store8, memarg),
        O::I64Store16 { memarg } => MemAccess::Store(StoreOp::I64Store16, memarg),
        O::I64Store32 { memarg } => MemAccess::Store(StoreOp::I64Store32, memarg),
        _ => return None,
    })
}

/// The full-width load of a value of type `ty`.
pub(crate) fn load_op_for(ty: Type) -> LoadOp {
    match ty {
        Type::I32 => LoadOp::I32,
        Type::I64 => LoadOp::I64,
        Type::F32 => LoadOp::F32,
        Type::F64 => LoadOp::F64,
    }
}

/// The full-width store of a value of type `ty`.
pub(crate) fn store_op_for(ty: Type) -> StoreOp {
    match ty {
        Type::I32 => StoreOp::I32,
        Type::I64 => StoreOp::I64,
        Type::F32 => StoreOp::F32,
        Type::F64 => StoreOp::F64,
    }
}
