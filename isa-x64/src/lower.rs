//! Instruction selection: IR → [`VCode`].
//!
//! One pass over the blocks in layout order; each IR instruction becomes one
//! or a few machine instructions through a small per-operation function.
//! IR value `vN` becomes virtual register N (class from its type); temporaries
//! are numbered after the IR values. Requirements on the input: non-SSA form
//! (only the entry block has parameters, branches pass no arguments), every
//! block in the layout ends with a terminator, every branch target is in the
//! layout.

use smallvec::SmallVec;
use strata_ir::{
    AddrSpace, BinaryOp, CallKind, Function, Inst, InstData, LoadOp, StoreOp, Type, UnaryOp, Value,
};
use strata_regalloc::{
    Block, InstRange, Operand, OperandConstraint, PReg, PRegSet, RegClass, VReg,
};

use crate::CompileError;
use crate::abi::{self, ArgLoc, CallConv};
use crate::inst::{AluOp, BitOp, CallTarget, DivKind, ExtOp, FpuOp, MInst, ShiftOp, Size, VCode};
use crate::regs;

/// Reusable buffers of the lowering pass.
#[derive(Default)]
pub struct LowerScratch {
    block_index: Vec<u32>,
    seen: Vec<u32>,
    locs: Vec<ArgLoc>,
    pregs: Vec<PReg>,
    ops: Vec<Operand>,
}

/// The register class of a type.
pub fn class_of(ty: Type) -> RegClass {
    if ty.is_int() {
        RegClass::Int
    } else {
        RegClass::Float
    }
}

fn size_of(ty: Type) -> Size {
    if ty == Type::I64 {
        Size::S64
    } else {
        Size::S32
    }
}

fn err(msg: impl Into<String>) -> CompileError {
    CompileError(msg.into())
}

struct Lower<'a> {
    func: &'a Function,
    vc: &'a mut VCode,
    s: &'a mut LowerScratch,
    srcloc: u32,
}

/// Lowers `func` into `vc` (which is cleared first).
pub fn lower(func: &Function, vc: &mut VCode, s: &mut LowerScratch) -> Result<(), CompileError> {
    vc.clear();
    vc.num_vregs = func.num_values();
    abi::check_signature(&func.signature)?;
    if func.layout.is_empty() {
        return Err(err("function has no blocks"));
    }
    s.block_index.clear();
    s.block_index.resize(func.blocks.len(), u32::MAX);
    for (i, b) in func.layout.iter().enumerate() {
        if b.index() >= func.blocks.len() || s.block_index[b.index()] != u32::MAX {
            return Err(err(format!("bad layout entry {b}")));
        }
        s.block_index[b.index()] = i as u32;
    }
    s.seen.clear();
    s.seen.resize(func.layout.len(), u32::MAX);
    let mut l = Lower {
        func,
        vc,
        s,
        srcloc: 0,
    };
    for (bi, &b) in func.layout.iter().enumerate() {
        let data = &func.blocks[b.index()];
        let first = l.vc.insts.len() as u32;
        let succ_start = l.vc.succs.len() as u32;
        if bi == 0 {
            l.srcloc = data.insts.first().map_or(0, |i| func.srclocs[i.index()]);
            l.lower_args(&data.params)?;
        } else if !data.params.is_empty() {
            return Err(err(format!(
                "{b} has parameters (lowering needs non-SSA form)"
            )));
        }
        for &inst in &data.insts {
            l.srcloc = func.srclocs[inst.index()];
            l.lower_inst(inst, bi as u32)?;
        }
        let last = l.vc.insts.len() as u32;
        match l.vc.insts.last() {
            Some(m) if last > first && (m.is_branch() || m.is_ret()) => {}
            _ => return Err(err(format!("{b} does not end with a terminator"))),
        }
        l.vc.block_ranges.push(InstRange {
            first: strata_regalloc::Inst(first),
            last: strata_regalloc::Inst(last),
        });
        l.vc.succ_ranges.push((succ_start, l.vc.succs.len() as u32));
        l.vc.loop_depths.push(data.loop_depth);
    }
    vc.compute_preds();
    Ok(())
}

impl Lower<'_> {
    fn v(&self, v: Value) -> VReg {
        VReg::new(v.index(), class_of(self.func.value_type(v)))
    }
    fn ty(&self, v: Value) -> Type {
        self.func.value_type(v)
    }
    fn tmp(&mut self, class: RegClass) -> VReg {
        self.vc.new_vreg(class)
    }
    fn emit(&mut self, inst: MInst, ops: &[Operand]) {
        self.vc.push(inst, ops, PRegSet::empty(), self.srcloc);
    }
    fn block(&self, b: strata_ir::Block) -> Result<u32, CompileError> {
        match self.s.block_index.get(b.index()) {
            Some(&i) if i != u32::MAX => Ok(i),
            _ => Err(err(format!("branch to {b}, which is not in the layout"))),
        }
    }
    /// Records a successor of the current block (deduplicated).
    fn succ(&mut self, cur: u32, b: u32) {
        if self.s.seen[b as usize] != cur {
            self.s.seen[b as usize] = cur;
            self.vc.succs.push(Block(b));
        }
    }
    /// A copy of `v` into a fresh temporary.
    fn copy_to_tmp(&mut self, v: VReg) -> VReg {
        let t = self.tmp(v.class());
        self.emit(MInst::Copy, &[Operand::reg_use(v), Operand::reg_def(t)]);
        t
    }

    fn lower_args(&mut self, params: &[Value]) -> Result<(), CompileError> {
        self.s.locs.clear();
        let tys: SmallVec<[Type; 16]> = params.iter().map(|&p| self.ty(p)).collect();
        abi::assign_args(tys.iter().copied(), &mut self.s.locs);
        let mut ops: SmallVec<[Operand; 16]> = SmallVec::new();
        for (k, &p) in params.iter().enumerate() {
            if let ArgLoc::Reg(r) = self.s.locs[k] {
                ops.push(Operand::fixed_def(self.v(p), r));
            }
        }
        self.emit(MInst::Args, &ops);
        for (k, &p) in params.iter().enumerate() {
            if let ArgLoc::Stack(off) = self.s.locs[k] {
                let off = abi::incoming_arg_offset(off);
                self.emit(MInst::LoadStackArg { off }, &[Operand::reg_def(self.v(p))]);
            }
        }
        Ok(())
    }

    fn lower_inst(&mut self, inst: Inst, cur: u32) -> Result<(), CompileError> {
        let data = &self.func.insts[inst.index()];
        match *data {
            InstData::Iconst { dst, imm } => {
                let size = size_of(self.ty(dst));
                let imm = if size == Size::S32 {
                    imm as u32 as u64
                } else {
                    imm as u64
                };
                self.emit(MInst::Imm { size, imm }, &[Operand::reg_def(self.v(dst))]);
            }
            InstData::Fconst { dst, bits } => {
                let f64 = self.ty(dst) == Type::F64;
                let t = self.tmp(RegClass::Int);
                let bits = if f64 { bits } else { bits as u32 as u64 };
                self.emit(
                    MInst::FImm { f64, bits },
                    &[
                        Operand::reg_def(self.v(dst)),
                        Operand::new_early_def(t, OperandConstraint::Reg),
                    ],
                );
            }
            InstData::Unary { op, dst, arg } => self.lower_unary(op, dst, arg)?,
            InstData::Binary { op, dst, lhs, rhs } => self.lower_binary(op, dst, lhs, rhs)?,
            InstData::Icmp { cc, dst, lhs, rhs } => {
                let size = size_of(self.ty(lhs));
                let ops = [
                    Operand::reg_use(self.v(lhs)),
                    Operand::reg_use(self.v(rhs)),
                    Operand::reg_def(self.v(dst)),
                ];
                self.emit(MInst::Icmp { cc, size }, &ops);
            }
            InstData::Fcmp { cc, dst, lhs, rhs } => {
                let f64 = self.ty(lhs) == Type::F64;
                let t = self.tmp(RegClass::Int);
                let ops = [
                    Operand::reg_use(self.v(lhs)),
                    Operand::reg_use(self.v(rhs)),
                    Operand::reg_def(self.v(dst)),
                    Operand::new_early_def(t, OperandConstraint::Reg),
                ];
                self.emit(MInst::Fcmp { cc, f64 }, &ops);
            }
            InstData::Select {
                dst,
                cond,
                if_true,
                if_false,
            } => {
                let float = self.ty(dst).is_float();
                let ops = [
                    Operand::reg_use(self.v(cond)),
                    Operand::reg_use(self.v(if_true)),
                    Operand::reg_use(self.v(if_false)),
                    Operand::reuse_def(self.v(dst), 2),
                ];
                self.emit(MInst::Select { float }, &ops);
            }
            InstData::Copy { dst, src } => {
                if dst != src {
                    let ops = [Operand::reg_use(self.v(src)), Operand::reg_def(self.v(dst))];
                    self.emit(MInst::Copy, &ops);
                }
            }
            InstData::Vmctx { dst } => {
                self.emit(MInst::Vmctx, &[Operand::reg_def(self.v(dst))]);
            }
            InstData::Load {
                op,
                space,
                dst,
                addr,
                offset,
            } => self.lower_load(op, space, dst, addr, offset),
            InstData::Store {
                op,
                space,
                addr,
                value,
                offset,
            } => self.lower_store(op, space, addr, value, offset),
            InstData::Call {
                kind,
                args,
                results,
            } => self.lower_call(kind, self.func.values(args), self.func.values(results))?,
            InstData::Jump { dest } => {
                if !dest.args.is_empty() {
                    return Err(err(
                        "branch arguments are not supported (non-SSA form needed)",
                    ));
                }
                let target = self.block(dest.block)?;
                self.succ(cur, target);
                self.emit(MInst::Jump { target }, &[]);
            }
            InstData::Brif {
                cond,
                then_dest,
                else_dest,
            } => {
                if !then_dest.args.is_empty() || !else_dest.args.is_empty() {
                    return Err(err(
                        "branch arguments are not supported (non-SSA form needed)",
                    ));
                }
                let then_ = self.block(then_dest.block)?;
                let else_ = self.block(else_dest.block)?;
                self.succ(cur, then_);
                self.succ(cur, else_);
                if then_ == else_ {
                    self.emit(MInst::Jump { target: then_ }, &[]);
                } else {
                    self.emit(
                        MInst::Brif { then_, else_ },
                        &[Operand::reg_use(self.v(cond))],
                    );
                }
            }
            InstData::BrTable { index, table } => {
                let targets = self
                    .func
                    .jump_tables
                    .get(table.index())
                    .ok_or_else(|| err(format!("unknown jump table {table}")))?;
                if targets.is_empty() {
                    return Err(err(format!("empty jump table {table}")));
                }
                let start = self.vc.jt_targets.len() as u32;
                for &t in targets {
                    let t = self.block(t)?;
                    self.vc.jt_targets.push(t);
                    self.succ(cur, t);
                }
                let jt = self.vc.jump_tables.len() as u32;
                self.vc
                    .jump_tables
                    .push((start, self.vc.jt_targets.len() as u32));
                let addr = self.tmp(RegClass::Int);
                let t = self.tmp(RegClass::Int);
                let ops = [
                    Operand::reg_use(self.v(index)),
                    Operand::new_early_def(addr, OperandConstraint::Reg),
                    Operand::new_early_def(t, OperandConstraint::Reg),
                ];
                self.emit(MInst::JumpTableAddr { jt }, &ops);
                self.emit(MInst::BrTable { jt }, &[Operand::reg_use(addr)]);
            }
            InstData::Return { args } => {
                let args = self.func.values(args);
                self.s.pregs.clear();
                let tys: SmallVec<[Type; 4]> = args.iter().map(|&a| self.ty(a)).collect();
                abi::assign_results(CallConv::Wasm, tys, &mut self.s.pregs)?;
                let mut ops: SmallVec<[Operand; 4]> = SmallVec::new();
                for (k, &a) in args.iter().enumerate() {
                    let mut v = self.v(a);
                    if ops.iter().any(|o| o.vreg == v) {
                        v = self.copy_to_tmp(v);
                    }
                    ops.push(Operand::fixed_use(v, self.s.pregs[k]));
                }
                self.emit(MInst::Ret, &ops);
            }
            InstData::Trap { code } => self.emit(MInst::Trap { code }, &[]),
            InstData::TrapIf { cond, code } => {
                self.emit(MInst::TrapIf { code }, &[Operand::reg_use(self.v(cond))]);
            }
        }
        Ok(())
    }

    fn lower_unary(&mut self, op: UnaryOp, dst: Value, arg: Value) -> Result<(), CompileError> {
        let (d, a) = (self.v(dst), self.v(arg));
        let (aty, dty) = (self.ty(arg), self.ty(dst));
        let simple = [Operand::reg_use(a), Operand::reg_def(d)];
        let f64 = aty == Type::F64;
        let m = match op {
            UnaryOp::Clz | UnaryOp::Ctz | UnaryOp::Popcnt => {
                let op = match op {
                    UnaryOp::Clz => BitOp::Lzcnt,
                    UnaryOp::Ctz => BitOp::Tzcnt,
                    _ => BitOp::Popcnt,
                };
                MInst::BitCount {
                    op,
                    size: size_of(aty),
                }
            }
            UnaryOp::Eqz => MInst::Eqz { size: size_of(aty) },
            UnaryOp::Fneg | UnaryOp::Fabs => {
                let t = self.tmp(RegClass::Int);
                let ops = [
                    Operand::reg_use(a),
                    Operand::reg_def(d),
                    Operand::new_early_def(t, OperandConstraint::Reg),
                ];
                let neg = op == UnaryOp::Fneg;
                self.emit(MInst::FSign { neg, f64 }, &ops);
                return Ok(());
            }
            UnaryOp::Fsqrt => MInst::Fsqrt { f64 },
            UnaryOp::Fnearest => MInst::Round { mode: 0, f64 },
            UnaryOp::Ffloor => MInst::Round { mode: 1, f64 },
            UnaryOp::Fceil => MInst::Round { mode: 2, f64 },
            UnaryOp::Ftrunc => MInst::Round { mode: 3, f64 },
            UnaryOp::SextI32 | UnaryOp::Sext32 => MInst::Ext {
                op: ExtOp::Sx32To64,
            },
            UnaryOp::UextI32 | UnaryOp::Wrap => MInst::Ext { op: ExtOp::Mov32 },
            UnaryOp::Sext8 => MInst::Ext {
                op: if dty == Type::I64 {
                    ExtOp::Sx8To64
                } else {
                    ExtOp::Sx8To32
                },
            },
            UnaryOp::Sext16 => MInst::Ext {
                op: if dty == Type::I64 {
                    ExtOp::Sx16To64
                } else {
                    ExtOp::Sx16To32
                },
            },
            UnaryOp::TruncS | UnaryOp::TruncU | UnaryOp::TruncSatS | UnaryOp::TruncSatU => {
                let ft = self.tmp(RegClass::Float);
                let it = self.tmp(RegClass::Int);
                let ops = [
                    Operand::reg_use(a),
                    Operand::reg_def(d),
                    Operand::new_early_def(ft, OperandConstraint::Reg),
                    Operand::new_early_def(it, OperandConstraint::Reg),
                ];
                let m = MInst::FloatToInt {
                    f64,
                    dst64: dty == Type::I64,
                    signed: matches!(op, UnaryOp::TruncS | UnaryOp::TruncSatS),
                    sat: matches!(op, UnaryOp::TruncSatS | UnaryOp::TruncSatU),
                };
                self.emit(m, &ops);
                return Ok(());
            }
            UnaryOp::ConvertS => MInst::IntToFloat {
                src64: aty == Type::I64,
                f64: dty == Type::F64,
            },
            UnaryOp::ConvertU if aty == Type::I32 => MInst::IntToFloat {
                src64: true,
                f64: dty == Type::F64,
            },
            UnaryOp::ConvertU => {
                let t1 = self.tmp(RegClass::Int);
                let t2 = self.tmp(RegClass::Int);
                let ops = [
                    Operand::reg_use(a),
                    Operand::reg_def(d),
                    Operand::new_early_def(t1, OperandConstraint::Reg),
                    Operand::new_early_def(t2, OperandConstraint::Reg),
                ];
                self.emit(
                    MInst::U64ToFloat {
                        f64: dty == Type::F64,
                    },
                    &ops,
                );
                return Ok(());
            }
            UnaryOp::Promote => MInst::Promote,
            UnaryOp::Demote => MInst::Demote,
            UnaryOp::Reinterpret if dty.is_float() => MInst::BitcastToFloat {
                f64: dty == Type::F64,
            },
            UnaryOp::Reinterpret => MInst::BitcastToInt { f64 },
        };
        self.emit(m, &simple);
        Ok(())
    }

    fn lower_binary(
        &mut self,
        op: BinaryOp,
        dst: Value,
        lhs: Value,
        rhs: Value,
    ) -> Result<(), CompileError> {
        let ty = self.ty(dst);
        let size = size_of(ty);
        let f64 = ty == Type::F64;
        let (d, a, mut b) = (self.v(dst), self.v(lhs), self.v(rhs));
        let two_addr = [
            Operand::reg_use(a),
            Operand::reg_use(b),
            Operand::reuse_def(d, 0),
        ];
        let alu = |op| MInst::Alu { op, size };
        let m = match op {
            BinaryOp::Iadd => alu(AluOp::Add),
            BinaryOp::Isub => alu(AluOp::Sub),
            BinaryOp::Imul => alu(AluOp::Imul),
            BinaryOp::And => alu(AluOp::And),
            BinaryOp::Or => alu(AluOp::Or),
            BinaryOp::Xor => alu(AluOp::Xor),
            BinaryOp::Shl | BinaryOp::ShrS | BinaryOp::ShrU | BinaryOp::Rotl | BinaryOp::Rotr => {
                let sop = match op {
                    BinaryOp::Shl => ShiftOp::Shl,
                    BinaryOp::ShrS => ShiftOp::Sar,
                    BinaryOp::ShrU => ShiftOp::Shr,
                    BinaryOp::Rotl => ShiftOp::Rol,
                    _ => ShiftOp::Ror,
                };
                if a == b {
                    b = self.copy_to_tmp(b);
                }
                let ops = [
                    Operand::reg_use(a),
                    Operand::fixed_use(b, regs::RCX),
                    Operand::reuse_def(d, 0),
                ];
                self.emit(MInst::Shift { op: sop, size }, &ops);
                return Ok(());
            }
            BinaryOp::DivS | BinaryOp::DivU | BinaryOp::RemS | BinaryOp::RemU => {
                let kind = match op {
                    BinaryOp::DivS => DivKind::DivS,
                    BinaryOp::DivU => DivKind::DivU,
                    BinaryOp::RemS => DivKind::RemS,
                    _ => DivKind::RemU,
                };
                if a == b {
                    b = self.copy_to_tmp(b);
                }
                let t = self.tmp(RegClass::Int);
                // An early def may not be one of the instruction's uses.
                let (d, copy_back) = if kind.is_rem() && (d == a || d == b) {
                    (self.tmp(RegClass::Int), Some(d))
                } else {
                    (d, None)
                };
                let ops = if kind.is_rem() {
                    [
                        Operand::fixed_use(a, regs::RAX),
                        Operand::reg_use(b),
                        Operand::new_early_def(d, OperandConstraint::FixedReg(regs::RDX)),
                        Operand::fixed_def(t, regs::RAX),
                    ]
                } else {
                    [
                        Operand::fixed_use(a, regs::RAX),
                        Operand::reg_use(b),
                        Operand::new_early_def(t, OperandConstraint::FixedReg(regs::RDX)),
                        Operand::fixed_def(d, regs::RAX),
                    ]
                };
                self.emit(MInst::DivRem { kind, size }, &ops);
                if let Some(dst) = copy_back {
                    self.emit(MInst::Copy, &[Operand::reg_use(d), Operand::reg_def(dst)]);
                }
                return Ok(());
            }
            BinaryOp::Fadd => MInst::Fpu {
                op: FpuOp::Add,
                f64,
            },
            BinaryOp::Fsub => MInst::Fpu {
                op: FpuOp::Sub,
                f64,
            },
            BinaryOp::Fmul => MInst::Fpu {
                op: FpuOp::Mul,
                f64,
            },
            BinaryOp::Fdiv => MInst::Fpu {
                op: FpuOp::Div,
                f64,
            },
            BinaryOp::Fmin => MInst::FMinMax { max: false, f64 },
            BinaryOp::Fmax => MInst::FMinMax { max: true, f64 },
            BinaryOp::Fcopysign => {
                let t1 = self.tmp(RegClass::Int);
                let t2 = self.tmp(RegClass::Int);
                let ops = [
                    Operand::reg_use(a),
                    Operand::reg_use(b),
                    Operand::reg_def(d),
                    Operand::new_early_def(t1, OperandConstraint::Reg),
                    Operand::new_early_def(t2, OperandConstraint::Reg),
                ];
                self.emit(MInst::Fcopysign { f64 }, &ops);
                return Ok(());
            }
        };
        self.emit(m, &two_addr);
        Ok(())
    }

    /// The address register and displacement of an access, materializing
    /// offsets that do not fit a signed 32-bit displacement.
    fn address(&mut self, addr: Value, offset: u32) -> (VReg, i32) {
        let a = self.v(addr);
        if offset <= i32::MAX as u32 {
            return (a, offset as i32);
        }
        let t = self.tmp(RegClass::Int);
        self.emit(
            MInst::Imm {
                size: Size::S64,
                imm: offset as u64,
            },
            &[Operand::reg_def(t)],
        );
        let sum = self.tmp(RegClass::Int);
        self.emit(
            MInst::Alu {
                op: AluOp::Add,
                size: Size::S64,
            },
            &[
                Operand::reg_use(a),
                Operand::reg_use(t),
                Operand::reuse_def(sum, 0),
            ],
        );
        (sum, 0)
    }

    fn lower_load(&mut self, op: LoadOp, space: AddrSpace, dst: Value, addr: Value, off: u32) {
        let (a, offset) = self.address(addr, off);
        let heap = space == AddrSpace::Heap;
        let ops = [Operand::reg_use(a), Operand::reg_def(self.v(dst))];
        self.emit(MInst::Load { op, heap, offset }, &ops);
    }

    fn lower_store(&mut self, op: StoreOp, space: AddrSpace, addr: Value, value: Value, off: u32) {
        let (a, offset) = self.address(addr, off);
        let heap = space == AddrSpace::Heap;
        let ops = [Operand::reg_use(a), Operand::reg_use(self.v(value))];
        self.emit(MInst::Store { op, heap, offset }, &ops);
    }

    fn lower_call(
        &mut self,
        kind: CallKind,
        args: &[Value],
        results: &[Value],
    ) -> Result<(), CompileError> {
        let (target, conv, wasm_args) = match kind {
            CallKind::Direct { slot } => (CallTarget::Direct(slot), CallConv::Wasm, args),
            CallKind::Builtin { slot } => (CallTarget::Builtin(slot), CallConv::SysV, args),
            CallKind::Indirect => {
                if args.len() < 2 {
                    return Err(err("indirect call without code pointer and vmctx"));
                }
                (CallTarget::Indirect, CallConv::Wasm, &args[2..])
            }
        };
        self.s.locs.clear();
        let tys: SmallVec<[Type; 16]> = wasm_args.iter().map(|&a| self.ty(a)).collect();
        let stack = abi::assign_args(tys, &mut self.s.locs);
        self.vc.outgoing_args = self.vc.outgoing_args.max(stack);
        self.s.pregs.clear();
        let rtys: SmallVec<[Type; 4]> = results.iter().map(|&a| self.ty(a)).collect();
        abi::assign_results(conv, rtys, &mut self.s.pregs)?;

        let mut ops = std::mem::take(&mut self.s.ops);
        ops.clear();
        if target == CallTarget::Indirect {
            let code = self.v(args[0]);
            let mut vmctx = self.v(args[1]);
            if vmctx == code {
                vmctx = self.copy_to_tmp(vmctx);
            }
            ops.push(Operand::reg_use(code));
            ops.push(Operand::reg_use(vmctx));
        }
        for (k, &a) in wasm_args.iter().enumerate() {
            let mut v = self.v(a);
            match self.s.locs[k] {
                ArgLoc::Stack(off) => {
                    self.emit(MInst::StoreOutgoingArg { off }, &[Operand::reg_use(v)]);
                }
                ArgLoc::Reg(r) => {
                    if ops.iter().any(|o| o.vreg == v) {
                        v = self.copy_to_tmp(v);
                    }
                    ops.push(Operand::fixed_use(v, r));
                }
            }
        }
        for (k, &r) in results.iter().enumerate() {
            ops.push(Operand::fixed_def(self.v(r), self.s.pregs[k]));
        }
        let clobbers = match conv {
            CallConv::Wasm => regs::wasm_call_clobbers(),
            CallConv::SysV => regs::sysv_call_clobbers(),
        };
        self.vc
            .push(MInst::Call { target }, &ops, clobbers, self.srcloc);
        self.s.ops = ops;
        Ok(())
    }
}
