//! The IR text form: printing, and the names the parser shares.
//!
//! ```text
//! function %add1(i32) -> i32 {
//! block0(v0: i32):
//!     v1 = iconst.i32 1
//!     v2 = iadd.i32 v0, v1
//!     v3 = load.i32 heap v2+16
//!     store.i32 vm v4+8, v3
//!     v5: i32, v6: f64 = call direct(48) (v0, v1)
//!     brif v2, block1, block2
//!     br_table v2, [block1, block2]
//!     trapif v2, int_divz
//!     return v2
//! }
//! ```
//! A result is printed with the instruction's type suffix; call results carry
//! their types explicitly. In non-SSA form the same value may be assigned by
//! several instructions.

use std::fmt::{self, Write};

use crate::{
    AddrSpace, BinaryOp, BlockCall, CallKind, FloatCC, Function, InstData, IntCC, LoadOp, StoreOp,
    TrapCode, UnaryOp,
};

impl UnaryOp {
    /// Every unary operation.
    pub const ALL: [UnaryOp; 26] = [
        UnaryOp::Clz,
        UnaryOp::Ctz,
        UnaryOp::Popcnt,
        UnaryOp::Eqz,
        UnaryOp::Fneg,
        UnaryOp::Fabs,
        UnaryOp::Fsqrt,
        UnaryOp::Fceil,
        UnaryOp::Ffloor,
        UnaryOp::Ftrunc,
        UnaryOp::Fnearest,
        UnaryOp::SextI32,
        UnaryOp::UextI32,
        UnaryOp::Wrap,
        UnaryOp::Sext8,
        UnaryOp::Sext16,
        UnaryOp::Sext32,
        UnaryOp::TruncS,
        UnaryOp::TruncU,
        UnaryOp::TruncSatS,
        UnaryOp::TruncSatU,
        UnaryOp::ConvertS,
        UnaryOp::ConvertU,
        UnaryOp::Promote,
        UnaryOp::Demote,
        UnaryOp::Reinterpret,
    ];

    /// Text name.
    pub const fn name(self) -> &'static str {
        match self {
            UnaryOp::Clz => "clz",
            UnaryOp::Ctz => "ctz",
            UnaryOp::Popcnt => "popcnt",
            UnaryOp::Eqz => "eqz",
            UnaryOp::Fneg => "fneg",
            UnaryOp::Fabs => "fabs",
            UnaryOp::Fsqrt => "sqrt",
            UnaryOp::Fceil => "ceil",
            UnaryOp::Ffloor => "floor",
            UnaryOp::Ftrunc => "trunc",
            UnaryOp::Fnearest => "nearest",
            UnaryOp::SextI32 => "sext_i32",
            UnaryOp::UextI32 => "uext_i32",
            UnaryOp::Wrap => "wrap",
            UnaryOp::Sext8 => "sext8",
            UnaryOp::Sext16 => "sext16",
            UnaryOp::Sext32 => "sext32",
            UnaryOp::TruncS => "trunc_s",
            UnaryOp::TruncU => "trunc_u",
            UnaryOp::TruncSatS => "trunc_sat_s",
            UnaryOp::TruncSatU => "trunc_sat_u",
            UnaryOp::ConvertS => "convert_s",
            UnaryOp::ConvertU => "convert_u",
            UnaryOp::Promote => "promote",
            UnaryOp::Demote => "demote",
            UnaryOp::Reinterpret => "reinterpret",
        }
    }
}

impl BinaryOp {
    /// Every binary operation.
    pub const ALL: [BinaryOp; 22] = [
        BinaryOp::Iadd,
        BinaryOp::Isub,
        BinaryOp::Imul,
        BinaryOp::DivS,
        BinaryOp::DivU,
        BinaryOp::RemS,
        BinaryOp::RemU,
        BinaryOp::And,
        BinaryOp::Or,
        BinaryOp::Xor,
        BinaryOp::Shl,
        BinaryOp::ShrS,
        BinaryOp::ShrU,
        BinaryOp::Rotl,
        BinaryOp::Rotr,
        BinaryOp::Fadd,
        BinaryOp::Fsub,
        BinaryOp::Fmul,
        BinaryOp::Fdiv,
        BinaryOp::Fmin,
        BinaryOp::Fmax,
        BinaryOp::Fcopysign,
    ];

    /// Text name.
    pub const fn name(self) -> &'static str {
        match self {
            BinaryOp::Iadd => "iadd",
            BinaryOp::Isub => "isub",
            BinaryOp::Imul => "imul",
            BinaryOp::DivS => "sdiv",
            BinaryOp::DivU => "udiv",
            BinaryOp::RemS => "srem",
            BinaryOp::RemU => "urem",
            BinaryOp::And => "band",
            BinaryOp::Or => "bor",
            BinaryOp::Xor => "bxor",
            BinaryOp::Shl => "ishl",
            BinaryOp::ShrS => "sshr",
            BinaryOp::ShrU => "ushr",
            BinaryOp::Rotl => "rotl",
            BinaryOp::Rotr => "rotr",
            BinaryOp::Fadd => "fadd",
            BinaryOp::Fsub => "fsub",
            BinaryOp::Fmul => "fmul",
            BinaryOp::Fdiv => "fdiv",
            BinaryOp::Fmin => "fmin",
            BinaryOp::Fmax => "fmax",
            BinaryOp::Fcopysign => "fcopysign",
        }
    }
}

impl TrapCode {
    /// The short text name used by the IR printer and parser.
    pub const fn ir_name(self) -> &'static str {
        match self {
            TrapCode::Unreachable => "unreachable",
            TrapCode::IntegerDivideByZero => "int_divz",
            TrapCode::IntegerOverflow => "int_ovf",
            TrapCode::BadConversionToInteger => "bad_toint",
            TrapCode::MemoryOutOfBounds => "heap_oob",
            TrapCode::UndefinedElement => "undefined_elem",
            TrapCode::UninitializedElement => "uninit_elem",
            TrapCode::IndirectCallTypeMismatch => "bad_sig",
            TrapCode::StackOverflow => "stk_ovf",
            TrapCode::TableOutOfBounds => "table_oob",
            TrapCode::NullReference => "null_ref",
        }
    }
}

impl AddrSpace {
    /// Text name.
    pub const fn name(self) -> &'static str {
        match self {
            AddrSpace::Heap => "heap",
            AddrSpace::Vm => "vm",
        }
    }
}

/// Looks an operation up by its text name.
pub fn lookup<T: Copy>(all: &[T], name: &str, name_of: impl Fn(T) -> &'static str) -> Option<T> {
    all.iter().copied().find(|&x| name_of(x) == name)
}

/// Parses a unary op name.
pub fn unary_from_name(s: &str) -> Option<UnaryOp> {
    lookup(&UnaryOp::ALL, s, UnaryOp::name)
}
/// Parses a binary op name.
pub fn binary_from_name(s: &str) -> Option<BinaryOp> {
    lookup(&BinaryOp::ALL, s, BinaryOp::name)
}
/// Parses an integer condition name.
pub fn intcc_from_name(s: &str) -> Option<IntCC> {
    lookup(&IntCC::ALL, s, IntCC::name)
}
/// Parses a float condition name.
pub fn floatcc_from_name(s: &str) -> Option<FloatCC> {
    lookup(&FloatCC::ALL, s, FloatCC::name)
}
/// Parses a load name (`load8_s.i32`, ...).
pub fn load_from_name(s: &str) -> Option<LoadOp> {
    lookup(&LoadOp::ALL, s, LoadOp::name)
}
/// Parses a store name (`store16.i64`, ...).
pub fn store_from_name(s: &str) -> Option<StoreOp> {
    lookup(&StoreOp::ALL, s, StoreOp::name)
}
/// Parses a trap code's IR name.
pub fn trapcode_from_name(s: &str) -> Option<TrapCode> {
    lookup(&TrapCode::ALL, s, TrapCode::ir_name)
}

impl Function {
    fn write_values(&self, out: &mut String, list: crate::ValueList) {
        for (i, v) in self.values(list).iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "{v}");
        }
    }

    fn write_block_call(&self, out: &mut String, bc: &BlockCall) {
        let _ = write!(out, "{}", bc.block);
        if !bc.args.is_empty() {
            out.push('(');
            self.write_values(out, bc.args);
            out.push(')');
        }
    }

    /// Prints one instruction (without indentation or newline).
    pub fn display_inst(&self, inst: crate::Inst) -> String {
        let mut s = String::new();
        let ty = |v| self.value_type(v);
        match &self.insts[inst.index()] {
            InstData::Iconst { dst, imm } => {
                let _ = write!(s, "{dst} = iconst.{} {imm}", ty(*dst));
            }
            InstData::Fconst { dst, bits } => {
                let _ = write!(s, "{dst} = fconst.{} {bits:#x}", ty(*dst));
            }
            InstData::Unary { op, dst, arg } => {
                let _ = write!(s, "{dst} = {}.{} {arg}", op.name(), ty(*dst));
            }
            InstData::Binary { op, dst, lhs, rhs } => {
                let _ = write!(s, "{dst} = {}.{} {lhs}, {rhs}", op.name(), ty(*dst));
            }
            InstData::Icmp { cc, dst, lhs, rhs } => {
                let _ = write!(s, "{dst} = icmp.{} {lhs}, {rhs}", cc.name());
            }
            InstData::Fcmp { cc, dst, lhs, rhs } => {
                let _ = write!(s, "{dst} = fcmp.{} {lhs}, {rhs}", cc.name());
            }
            InstData::Select {
                dst,
                cond,
                if_true,
                if_false,
            } => {
                let _ = write!(
                    s,
                    "{dst} = select.{} {cond}, {if_true}, {if_false}",
                    ty(*dst)
                );
            }
            InstData::Copy { dst, src } => {
                let _ = write!(s, "{dst} = copy.{} {src}", ty(*dst));
            }
            InstData::Vmctx { dst } => {
                let _ = write!(s, "{dst} = vmctx");
            }
            InstData::Load {
                op,
                space,
                dst,
                addr,
                offset,
            } => {
                let _ = write!(s, "{dst} = {} {} {addr}+{offset}", op.name(), space.name());
            }
            InstData::Store {
                op,
                space,
                addr,
                value,
                offset,
            } => {
                let _ = write!(s, "{} {} {addr}+{offset}, {value}", op.name(), space.name());
            }
            InstData::Call {
                kind,
                args,
                results,
            } => {
                for (i, r) in self.values(*results).iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    let _ = write!(s, "{r}: {}", ty(*r));
                }
                if !results.is_empty() {
                    s.push_str(" = ");
                }
                match kind {
                    CallKind::Direct { slot } => {
                        let _ = write!(s, "call direct({slot}) (");
                    }
                    CallKind::Indirect => s.push_str("call indirect ("),
                    CallKind::Builtin { slot } => {
                        let _ = write!(s, "call builtin({slot}) (");
                    }
                    CallKind::TierCheck {
                        counter,
                        builtin,
                        loop_index,
                    } => {
                        let l = if *loop_index == CallKind::NO_LOOP {
                            "none".to_string()
                        } else {
                            loop_index.to_string()
                        };
                        let _ = write!(s, "call tiercheck({counter}, {builtin}, {l}) (");
                    }
                }
                self.write_values(&mut s, *args);
                s.push(')');
            }
            InstData::Jump { dest } => {
                s.push_str("jump ");
                self.write_block_call(&mut s, dest);
            }
            InstData::Brif {
                cond,
                then_dest,
                else_dest,
            } => {
                let _ = write!(s, "brif {cond}, ");
                self.write_block_call(&mut s, then_dest);
                s.push_str(", ");
                self.write_block_call(&mut s, else_dest);
            }
            InstData::BrTable { index, table } => {
                let _ = write!(s, "br_table {index}, [");
                for (i, b) in self.jump_tables[table.index()].iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    let _ = write!(s, "{b}");
                }
                s.push(']');
            }
            InstData::Return { args } => {
                s.push_str("return");
                if !args.is_empty() {
                    s.push(' ');
                    self.write_values(&mut s, *args);
                }
            }
            InstData::Trap { code } => {
                let _ = write!(s, "trap {}", code.ir_name());
            }
            InstData::TrapIf { cond, code } => {
                let _ = write!(s, "trapif {cond}, {}", code.ir_name());
            }
        }
        s
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "function %{}(", self.name)?;
        for (i, t) in self.signature.params.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{t}")?;
        }
        f.write_str(")")?;
        if !self.signature.results.is_empty() {
            f.write_str(" -> ")?;
            for (i, t) in self.signature.results.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{t}")?;
            }
        }
        f.write_str(" {\n")?;
        for &b in &self.layout {
            let data = &self.blocks[b.index()];
            write!(f, "{b}")?;
            if !data.params.is_empty() {
                f.write_str("(")?;
                for (i, p) in data.params.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{p}: {}", self.value_type(*p))?;
                }
                f.write_str(")")?;
            }
            f.write_str(":\n")?;
            for &i in &data.insts {
                writeln!(f, "    {}", self.display_inst(i))?;
            }
        }
        f.write_str("}\n")
    }
}
