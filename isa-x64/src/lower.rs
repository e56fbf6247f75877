//! Instruction selection: IR → [`VCode`].
//!
//! First a selection pass (see the section comment above `Pat`): use and
//! definition counts per value, then per block a backward greedy match that
//! picks a pattern per instruction: immediates, shifts by constants, `lea`
//! for address-like adds, compare (or `test`) fused into branches, `setcc`
//! and `cmov`, folded vm addressing modes, stores of constants, division by
//! constants; fused definitions emit nothing. Then one pass over the blocks
//! in layout order; each IR instruction becomes one or a few machine
//! instructions through its pattern or a small per-operation function.
//! IR value `vN` becomes virtual register N (class from its type); temporaries
//! are numbered after the IR values. Requirements on the input: non-SSA form
//! (only the entry block has parameters, branches pass no arguments), every
//! block in the layout ends with a terminator, every branch target is in the
//! layout.

use smallvec::SmallVec;
use strata_ir::{
    AddrSpace, BinaryOp, CallKind, Function, Inst, InstData, IntCC, LoadOp, StoreOp, Type, UnaryOp,
    Value,
};
use strata_regalloc::{Block, InstRange, Operand, OperandConstraint, PRegSet, RegClass, VReg};

use crate::CompileError;
use crate::abi::{self, ArgLoc, CallConv};
use crate::inst::{
    AluOp, BitOp, CallTarget, CmpKind, DivKind, ExtOp, FpuOp, MInst, MemForm, RmwPlace, ShiftOp,
    Size, TierCheckInfo, VCode,
};
use crate::magic::{self, DivPlan};
use crate::regs;

/// Reusable buffers of the lowering pass.
#[derive(Default)]
pub struct LowerScratch {
    /// [`crate::CompileOptions::bounded_heap`] of this function.
    bounded_heap: bool,
    /// In the optimizing tier, per `br_table` in a loop: the IR
    /// instruction, the vreg holding its jump table's address (defined
    /// once, in the entry block, by a [`MInst::JumpTableAddr`]) and that
    /// definition's VCode index. The splitting allocator keeps the address
    /// in a register over the loop where it can, and reloads it before the
    /// loop otherwise, instead of a `lea` per dispatch. In layout order,
    /// as the `br_table`s are lowered; `jt_next` is the next one's.
    jt_addrs: Vec<(Inst, VReg, u32)>,
    jt_next: usize,
    block_index: Vec<u32>,
    seen: Vec<u32>,
    locs: Vec<ArgLoc>,
    rlocs: Vec<ArgLoc>,
    ops: Vec<Operand>,
    /// Per value: number of uses, of definitions, the instruction of the
    /// (single) definition, and uses not absorbed as immediates.
    use_count: Vec<u32>,
    def_count: Vec<u32>,
    def_inst: Vec<u32>,
    /// Per value, the loop depth of the block of its last definition.
    def_depth: Vec<u32>,
    remaining: Vec<u32>,
    /// Per instruction: the selected pattern.
    pats: Vec<Pat>,
    /// Per heap access: its address computation folded into the
    /// addressing mode, if any.
    heap_am: Vec<Option<HeapAm>>,
    /// Per instruction: bit `k` is set if use slot `k` (of [`uses3`]) is
    /// the last use of its value, which is then dead after the instruction
    /// (the value's single definition is earlier in the block and this is
    /// its single use).
    dies: Vec<u8>,
    /// Per position of the block being planned, per use slot: the position
    /// of the reaching definition in the block, and of the next definition
    /// after the instruction (`NONE` if there is none in the block).
    reach: Vec<[u32; 3]>,
    next: Vec<[u32; 3]>,
    /// Per position of the block being planned: [`uses3`] of its
    /// instruction.
    uses: Vec<[Option<Value>; 3]>,
    /// Per position of the block being planned: for a comparison whose
    /// every use is a flag consumer later in the block (see
    /// [`Sel::dup_cmp`]), the number of those uses; `NONE` for one with
    /// another use; and the position of its last use.
    dup_uses: Vec<u32>,
    dup_last: Vec<u32>,
    /// Per value, stamped by block: position of the last definition seen.
    last_blk: Vec<u32>,
    last_pos: Vec<u32>,
    /// Per value: the destination of the first `copy` of it (`NONE` if it
    /// is never copied). After SSA destruction, a loop-carried value's
    /// next value is copied into it on the back edge.
    copied_to: Vec<u32>,
    /// Per value: the number of its uses that are `copy`s of it.
    copy_uses: Vec<u32>,
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
    /// BMI2 instructions may be used.
    bmi2: bool,
    /// AVX's three-operand forms of scalar float arithmetic may be used.
    avx: bool,
}

/// Lowers `func` into `vc` (which is cleared first); `bmi2`: BMI2
/// instructions may be used.
pub fn lower(
    func: &Function,
    vc: &mut VCode,
    s: &mut LowerScratch,
    opts: &crate::CompileOptions,
) -> Result<(), CompileError> {
    let bmi2 = opts.bmi2;
    s.bounded_heap = opts.bounded_heap;
    vc.clear();
    vc.num_vregs = func.num_values();
    // (Any signature is supported: results past the registers go to the
    // return area.)
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
    analyze(func, s);
    for (bi, &b) in func.layout.iter().enumerate() {
        let data = &func.blocks[b.index()];
        plan_block(func, s, &data.insts, data.loop_depth, bi as u32);
    }
    s.jt_addrs.clear();
    s.jt_next = 0;
    if opts.regalloc_mode == strata_regalloc::Mode::Optimizing {
        for &b in &func.layout {
            let data = &func.blocks[b.index()];
            if let Some(&t) = data.insts.last()
                && data.loop_depth > 0
                && matches!(func.insts[t.index()], InstData::BrTable { .. })
            {
                let v = vc.new_vreg(RegClass::Int);
                s.jt_addrs.push((t, v, 0));
            }
        }
    }
    let mut l = Lower {
        func,
        vc,
        s,
        srcloc: 0,
        bmi2,
        avx: opts.avx,
    };
    for (bi, &b) in func.layout.iter().enumerate() {
        let data = &func.blocks[b.index()];
        let first = l.vc.insts.len() as u32;
        let succ_start = l.vc.succs.len() as u32;
        if bi == 0 {
            l.srcloc = data.insts.first().map_or(0, |i| func.srclocs[i.index()]);
            l.lower_args(&data.params)?;
            // Jump table addresses for the `br_table`s in loops (see
            // `LowerScratch::jt_addrs`), their tables filled in when the
            // `br_table` is lowered.
            for k in 0..l.s.jt_addrs.len() {
                l.s.jt_addrs[k].2 = l.vc.insts.len() as u32;
                let d = Operand::reg_def(l.s.jt_addrs[k].1);
                l.emit(MInst::JumpTableAddr { jt: u32::MAX }, &[d]);
            }
        } else if !data.params.is_empty() {
            return Err(err(format!(
                "{b} has parameters (lowering needs non-SSA form)"
            )));
        }
        for &inst in &data.insts {
            l.srcloc = func.srclocs[inst.index()];
            match l.s.pats[inst.index()] {
                Pat::Skip => {}
                Pat::Default => match func.insts[inst.index()] {
                    // Every use became an immediate.
                    InstData::Iconst { dst, .. } | InstData::Vmctx { dst }
                        if l.s.remaining[dst.index()] == 0 => {}
                    _ => l.lower_inst(inst, bi as u32)?,
                },
                pat => l.lower_pat(inst, pat, bi as u32)?,
            }
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

    /// The branch targets of a `brif` (recorded as successors).
    fn brif_targets(&mut self, inst: Inst, cur: u32) -> Result<(u32, u32), CompileError> {
        let InstData::Brif {
            then_dest,
            else_dest,
            ..
        } = self.func.insts[inst.index()]
        else {
            return Err(err("CondBr pattern on a non-branch"));
        };
        if !then_dest.args.is_empty() || !else_dest.args.is_empty() {
            return Err(err(
                "branch arguments are not supported (non-SSA form needed)",
            ));
        }
        let then_ = self.block(then_dest.block)?;
        let else_ = self.block(else_dest.block)?;
        self.succ(cur, then_);
        self.succ(cur, else_);
        Ok((then_, else_))
    }

    /// Emits the binary operation `data` with the heap load at IR
    /// instruction `load` (its second operand, or its first if `swap`)
    /// folded in: `inst(op, type, displacement)` is the machine instruction,
    /// with operands `[use other, use address, def d reusing the first]`.
    /// The folded instruction faults where the load would have, so it gets
    /// the load's bytecode offset.
    fn lower_folded_load(
        &mut self,
        data: &InstData,
        load: u32,
        swap: bool,
        d: VReg,
        inst: impl FnOnce(BinaryOp, Type, i32, u8) -> Result<MInst, CompileError>,
    ) -> Result<(), CompileError> {
        let InstData::Binary {
            op, lhs, rhs, dst, ..
        } = *data
        else {
            return Err(err("folded-load pattern on a non-binary"));
        };
        let InstData::Load { addr, offset, .. } = self.func.insts[load as usize] else {
            return Err(err("folded-load pattern without a load"));
        };
        let a = if swap { rhs } else { lhs };
        let srcloc = std::mem::replace(&mut self.srcloc, self.func.srclocs[load as usize]);
        let (am, offset, shift) = self.address(load as usize, addr, offset);
        let m = inst(op, self.ty(dst), offset, shift)?;
        // With AVX a float operation takes its result register apart from
        // its register input (`vaddsd d, a, [mem]`).
        let def = if self.avx && matches!(m, MInst::FpuMem { .. }) {
            Operand::reg_def(d)
        } else {
            Operand::reuse_def(d, 0)
        };
        let ops = [Operand::reg_use(self.v(a)), Operand::reg_use(am), def];
        self.emit(m, &ops);
        self.srcloc = srcloc;
        Ok(())
    }

    /// Appends the operands of comparison `c` to `ops` (`cmp`'s second
    /// may stay in a spill slot: see [`MInst::may_be_stack`]) and returns
    /// its final kind. A comparison with a folded load (`a` is the loaded
    /// value) takes the load's address and bytecode offset: the caller
    /// restores `self.srcloc` after emitting.
    fn cmp_ops(
        &mut self,
        c: Cmp,
        ops: &mut SmallVec<[Operand; 6]>,
    ) -> Result<CmpKind, CompileError> {
        if let CmpKind::CmpMem { form, cc, imm, .. } = c.kind {
            let load = self.s.def_inst[c.a.index()] as usize;
            let Some(&InstData::Load { addr, offset, .. }) = self.func.insts.get(load) else {
                return Err(err("memory comparison without its load"));
            };
            self.srcloc = self.func.srclocs[load];
            let (a, offset, shift) = self.address(load, addr, offset);
            ops.push(Operand::reg_use(a));
            if !form.has_imm() {
                ops.push(Operand::reg_use(self.v(c.b)));
            }
            return Ok(CmpKind::CmpMem {
                form: form.with_shift(shift),
                cc,
                imm,
                offset,
            });
        }
        ops.push(Operand::reg_use(self.v(c.a)));
        if c.kind.num_operands() == 2 {
            ops.push(if matches!(c.kind, CmpKind::Cmp { .. }) {
                Operand::new_use(self.v(c.b), OperandConstraint::Any)
            } else {
                Operand::reg_use(self.v(c.b))
            });
        }
        Ok(c.kind)
    }

    /// Appends the address operands of `am` to `ops`.
    fn am_ops(&self, am: Am, ops: &mut SmallVec<[Operand; 6]>) {
        if let Some(b) = am.base {
            ops.push(Operand::reg_use(self.v(b)));
        }
        if let Some((i, _)) = am.index {
            ops.push(Operand::reg_use(self.v(i)));
        }
    }

    /// The `br_table` `inst` on `index` through a jump table (`in_range`:
    /// the index never exceeds the default's position, so it is not
    /// clamped).
    fn lower_br_table(
        &mut self,
        inst: Inst,
        index: Value,
        table: strata_ir::JumpTable,
        in_range: bool,
        cur: u32,
    ) -> Result<(), CompileError> {
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
        let index = Operand::reg_use(self.v(index));
        // (Blocks are lowered in layout order, the order of `jt_addrs`.)
        let hoisted = self
            .s
            .jt_addrs
            .get(self.s.jt_next)
            .filter(|h| h.0 == inst)
            .copied();
        if hoisted.is_some() {
            self.s.jt_next += 1;
        }
        match hoisted {
            Some((_, addr, at)) => {
                self.vc.insts[at as usize] = MInst::JumpTableAddr { jt };
                let ops = [index, Operand::reg_use(addr)];
                self.emit(
                    MInst::BrTable {
                        jt,
                        in_range,
                        with_addr: true,
                    },
                    &ops,
                );
            }
            None => self.emit(
                MInst::BrTable {
                    jt,
                    in_range,
                    with_addr: false,
                },
                &[index],
            ),
        }
        Ok(())
    }

    /// Lowers `inst` with the pattern selected for it.
    fn lower_pat(&mut self, inst: Inst, pat: Pat, cur: u32) -> Result<(), CompileError> {
        let data = &self.func.insts[inst.index()];
        let dst = data.single_dst();
        let d = dst.map(|v| self.v(v));
        let size = dst.map_or(Size::S64, |v| size_of(self.ty(v)));
        let mut ops: SmallVec<[Operand; 6]> = SmallVec::new();
        let need = |d: Option<VReg>| d.ok_or_else(|| err("pattern without a result"));
        match pat {
            Pat::Default | Pat::Skip => unreachable!("handled by the caller"),
            Pat::CondTrap { c } => {
                let InstData::TrapIf { code, .. } = *data else {
                    return Err(err("CondTrap pattern on a non-trapif"));
                };
                let cmp = self.cmp_ops(c, &mut ops)?;
                self.emit(MInst::CondTrap { cmp, code }, &ops);
            }
            Pat::BrTableInRange => {
                let InstData::BrTable { index, table } = *data else {
                    return Err(err("BrTableInRange pattern on a non-br_table"));
                };
                self.lower_br_table(inst, index, table, true, cur)?;
            }
            Pat::Ext { op, a } => {
                let ops = [Operand::reg_use(self.v(a)), Operand::reg_def(need(d)?)];
                self.emit(MInst::Ext { op }, &ops);
            }
            Pat::AluImm { op, a, imm } => {
                // (`imul d, a, imm` is three-address.)
                let (input, def) = if op == AluOp::Imul {
                    (Operand::reg_use(self.v(a)), Operand::reg_def(need(d)?))
                } else {
                    let input = reuse_input(self.v(a), self.dies_here(inst, a));
                    (input, Operand::reuse_def(need(d)?, 0))
                };
                self.emit(MInst::AluImm { op, size, imm }, &[input, def]);
            }
            // A rotate whose input lives on: `rorx` writes another register
            // (a rotate left by k is one right by width - k), where `rol`
            // would need a copy first.
            Pat::ShiftImm {
                op: op @ (ShiftOp::Rol | ShiftOp::Ror),
                a,
                amt,
            } if self.bmi2 && !self.dies_here(inst, a) => {
                let bits = if size == Size::S64 { 64 } else { 32 };
                let amt = if op == ShiftOp::Rol { bits - amt } else { amt };
                let ops = [
                    Operand::new_use(self.v(a), OperandConstraint::Any),
                    Operand::reg_def(need(d)?),
                ];
                self.emit(MInst::Rorx { size, amt }, &ops);
            }
            Pat::ShiftImm { op, a, amt } => {
                ops.push(reuse_input(self.v(a), self.dies_here(inst, a)));
                ops.push(Operand::reuse_def(need(d)?, 0));
                self.emit(MInst::ShiftImm { op, size, amt }, &ops);
            }
            Pat::CopyImm { imm } => {
                let d = need(d)?;
                self.emit(MInst::Imm { size, imm }, &[Operand::reg_def(d)]);
            }
            Pat::Move { src } => {
                let d = need(d)?;
                let s = self.v(src);
                if s != d {
                    self.emit(
                        MInst::Copy,
                        &[
                            Operand::new_use(s, OperandConstraint::Any),
                            Operand::new_def(d, OperandConstraint::Any),
                        ],
                    );
                }
            }
            Pat::Lea { am } => {
                self.am_ops(am, &mut ops);
                ops.push(Operand::reg_def(need(d)?));
                let m = MInst::Lea {
                    size,
                    base: am.base.is_some(),
                    index: am.index.is_some(),
                    shift: am.index.map_or(0, |i| i.1),
                    disp: am.disp,
                };
                self.emit(m, &ops);
            }
            Pat::DivConst { divisor } => {
                let InstData::Binary { op, lhs, .. } = *data else {
                    return Err(err("DivConst pattern on a non-binary"));
                };
                let kind = match op {
                    BinaryOp::DivS => DivKind::DivS,
                    BinaryOp::DivU => DivKind::DivU,
                    BinaryOp::RemS => DivKind::RemS,
                    _ => DivKind::RemU,
                };
                let bits = if size == Size::S64 { 64 } else { 32 };
                let plan = magic::div_plan(kind.is_signed(), bits, divisor);
                let (c1, c2) = if size == Size::S64 && plan == Some(DivPlan::Magic) {
                    (
                        OperandConstraint::FixedReg(regs::RAX),
                        OperandConstraint::FixedReg(regs::RDX),
                    )
                } else {
                    (OperandConstraint::Reg, OperandConstraint::Reg)
                };
                let t1 = self.tmp(RegClass::Int);
                let t2 = self.tmp(RegClass::Int);
                ops.push(Operand::reg_use(self.v(lhs)));
                ops.push(Operand::reg_def(need(d)?));
                ops.push(Operand::new_early_def(t1, c1));
                ops.push(Operand::new_early_def(t2, c2));
                self.emit(
                    MInst::DivConst {
                        kind,
                        size,
                        divisor,
                    },
                    &ops,
                );
            }
            Pat::SetCond { c } => {
                let srcloc = self.srcloc;
                let cmp = self.cmp_ops(c, &mut ops)?;
                ops.push(Operand::reg_def(need(d)?));
                self.emit(MInst::SetCond { cmp }, &ops);
                self.srcloc = srcloc;
            }
            Pat::CondBr { c } => {
                let (then_, else_) = self.brif_targets(inst, cur)?;
                let srcloc = self.srcloc;
                let cmp = self.cmp_ops(c, &mut ops)?;
                self.emit(MInst::CondBr { cmp, then_, else_ }, &ops);
                self.srcloc = srcloc;
            }
            Pat::CondSelect { c } => {
                let InstData::Select {
                    if_true, if_false, ..
                } = *data
                else {
                    return Err(err("CondSelect pattern on a non-select"));
                };
                let float = self.ty(if_true).is_float();
                let srcloc = self.srcloc;
                let cmp = self.cmp_ops(c, &mut ops)?;
                let n = ops.len() as u8; // (at most 6 operands)
                ops.push(Operand::reg_use(self.v(if_true)));
                ops.push(Operand::reg_use(self.v(if_false)));
                ops.push(Operand::reuse_def(need(d)?, n + 1));
                self.emit(MInst::CondSelect { cmp, float }, &ops);
                self.srcloc = srcloc;
            }
            Pat::AddCarry { c, x, sub } => {
                let srcloc = self.srcloc;
                let cmp = self.cmp_ops(c, &mut ops)?;
                let n = ops.len() as u8; // (at most 5 operands)
                ops.push(Operand::reg_use(self.v(x)));
                ops.push(Operand::reuse_def(need(d)?, n));
                self.emit(MInst::AddCarry { cmp, size, sub }, &ops);
                self.srcloc = srcloc;
            }
            Pat::VmAccess { am } => {
                self.am_ops(am, &mut ops);
                let index = am.index.map(|i| i.1);
                let offset = am.disp;
                match *data {
                    InstData::Load { op, dst, .. } => {
                        ops.push(Operand::reg_def(self.v(dst)));
                        let m = MInst::Load {
                            op,
                            heap: false,
                            offset,
                            index,
                        };
                        self.emit(m, &ops);
                    }
                    InstData::Store { op, value, .. } => {
                        ops.push(Operand::reg_use(self.v(value)));
                        let m = MInst::Store {
                            op,
                            heap: false,
                            offset,
                            index,
                        };
                        self.emit(m, &ops);
                    }
                    _ => return Err(err("VmAccess pattern on a non-access")),
                }
            }
            Pat::Andn { not, other } => {
                let ops = [
                    Operand::reg_use(self.v(not)),
                    Operand::reg_use(self.v(other)),
                    Operand::reg_def(need(d)?),
                ];
                self.emit(MInst::Andn { size }, &ops);
            }
            Pat::VmctxAccess { offset } => match *data {
                InstData::Load { op, dst, .. } => {
                    let m = MInst::VmctxLoad { op, offset };
                    self.emit(m, &[Operand::reg_def(self.v(dst))]);
                }
                InstData::Store { op, value, .. } => {
                    let m = MInst::VmctxStore { op, offset };
                    self.emit(m, &[Operand::reg_use(self.v(value))]);
                }
                _ => return Err(err("VmctxAccess pattern on a non-access")),
            },
            Pat::AluMem { load, swap } => {
                self.lower_folded_load(data, load, swap, need(d)?, |op, ty, offset, shift| {
                    let op = match op {
                        BinaryOp::Iadd => AluOp::Add,
                        BinaryOp::Isub => AluOp::Sub,
                        BinaryOp::And => AluOp::And,
                        BinaryOp::Or => AluOp::Or,
                        BinaryOp::Xor => AluOp::Xor,
                        BinaryOp::Imul => AluOp::Imul,
                        _ => return Err(err("AluMem pattern on another operation")),
                    };
                    let size = size_of(ty);
                    Ok(MInst::AluMem {
                        op,
                        size,
                        offset,
                        shift,
                    })
                })?;
            }
            Pat::FpuMem { load, swap } => {
                self.lower_folded_load(data, load, swap, need(d)?, |op, ty, offset, shift| {
                    let op = match op {
                        BinaryOp::Fadd => FpuOp::Add,
                        BinaryOp::Fsub => FpuOp::Sub,
                        BinaryOp::Fmul => FpuOp::Mul,
                        BinaryOp::Fdiv => FpuOp::Div,
                        _ => return Err(err("FpuMem pattern on a non-float operation")),
                    };
                    let f64 = ty == Type::F64;
                    Ok(MInst::FpuMem {
                        op,
                        f64,
                        offset,
                        shift,
                    })
                })?;
            }
            Pat::Rmw {
                op,
                load,
                place,
                src,
                imm,
            } => {
                let InstData::Store {
                    op: sop,
                    addr,
                    offset,
                    ..
                } = *data
                else {
                    return Err(err("Rmw pattern on a non-store"));
                };
                let size = if sop == StoreOp::I64 {
                    Size::S64
                } else {
                    Size::S32
                };
                // It faults (a heap place out of bounds) where the load
                // would have, first.
                let srcloc = std::mem::replace(&mut self.srcloc, self.func.srclocs[load as usize]);
                let (offset, shift) = if place == RmwPlace::Vmctx {
                    (offset as i32, 0)
                } else {
                    let (a, offset, shift) = self.address(inst.index(), addr, offset);
                    ops.push(Operand::reg_use(a));
                    (offset, shift)
                };
                if imm.is_none() {
                    ops.push(Operand::reg_use(self.v(src)));
                }
                let m = MInst::AluRmw {
                    op,
                    size,
                    place,
                    offset,
                    shift,
                    imm,
                };
                self.emit(m, &ops);
                self.srcloc = srcloc;
            }
            Pat::StoreImm { imm } => {
                let InstData::Store {
                    op,
                    space,
                    addr,
                    offset,
                    ..
                } = *data
                else {
                    return Err(err("StoreImm pattern on a non-store"));
                };
                let (a, offset, shift) = self.address(inst.index(), addr, offset);
                let heap = space == AddrSpace::Heap;
                self.emit(
                    MInst::StoreImm {
                        op,
                        heap,
                        offset,
                        shift,
                        imm,
                    },
                    &[Operand::reg_use(a)],
                );
            }
        }
        Ok(())
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

    // (One caller, in `lower`'s per-instruction loop: inlined there, the
    // baseline's compile of a 1 MB module runs 1% fewer host instructions;
    // the compiler stopped inlining it by itself as it grew.)
    #[inline(always)]
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
                let bits = if f64 { bits } else { bits as u32 as u64 };
                self.emit(MInst::FImm { f64, bits }, &[Operand::reg_def(self.v(dst))]);
            }
            InstData::Unary { op, dst, arg } => self.lower_unary(op, dst, arg)?,
            InstData::Binary { op, dst, lhs, rhs } => {
                let dies = self.s.dies[inst.index()];
                self.lower_binary(op, dst, lhs, rhs, dies)?
            }
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
                    // (A source in a spill slot is loaded straight into the
                    // destination, a destination in one stored straight
                    // from the source.)
                    let ops = [
                        Operand::new_use(self.v(src), OperandConstraint::Any),
                        Operand::new_def(self.v(dst), OperandConstraint::Any),
                    ];
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
            } => self.lower_load(inst, op, space, dst, addr, offset),
            InstData::Store {
                op,
                space,
                addr,
                value,
                offset,
            } => self.lower_store(inst, op, space, addr, value, offset),
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
                self.lower_br_table(inst, index, table, false, cur)?;
            }
            InstData::Return { args } => {
                let args = self.func.values(args);
                self.s.rlocs.clear();
                let tys: SmallVec<[Type; 4]> = args.iter().map(|&a| self.ty(a)).collect();
                let ret_area = abi::assign_results(CallConv::Wasm, tys, &mut self.s.rlocs)?;
                // The return area is above the incoming stack arguments.
                let mut stack_args = 0;
                if ret_area > 0 {
                    self.s.locs.clear();
                    let params = self.func.signature.params.iter().copied();
                    stack_args = abi::assign_args(params, &mut self.s.locs);
                }
                let mut ops: SmallVec<[Operand; 4]> = SmallVec::new();
                for (k, &a) in args.iter().enumerate() {
                    let v = self.v(a);
                    match self.s.rlocs[k] {
                        ArgLoc::Stack(off) => {
                            let off = abi::incoming_result_offset(stack_args, off);
                            self.emit(MInst::StoreStackResult { off }, &[Operand::reg_use(v)]);
                        }
                        ArgLoc::Reg(r) => {
                            let v = if ops.iter().any(|o| o.vreg == v) {
                                self.copy_to_tmp(v)
                            } else {
                                v
                            };
                            ops.push(Operand::fixed_use(v, r));
                        }
                    }
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
                // With AVX, `vxorps d, a, [mask]` leaves `a` where it is.
                let def = if self.avx {
                    Operand::reg_def(d)
                } else {
                    Operand::reuse_def(d, 0)
                };
                let ops = [Operand::reg_use(a), def];
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
                let ops = [
                    Operand::reg_use(a),
                    Operand::reg_def(d),
                    Operand::new_early_def(ft, OperandConstraint::Reg),
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

    /// Whether `v` is an operand of `inst` that dies there (see
    /// [`LowerScratch::dies`]).
    fn dies_here(&self, inst: Inst, v: Value) -> bool {
        let dies = self.s.dies[inst.index()];
        uses3(&self.func.insts[inst.index()])
            .iter()
            .enumerate()
            .any(|(k, &u)| u == Some(v) && dies & (1 << k) != 0)
    }

    /// Whether a commutative two-address operation `dst = lhs op rhs`
    /// should overwrite `rhs` rather than `lhs` (see `lower_binary`).
    #[inline(never)]
    fn reuse_rhs(&self, dst: Value, lhs: Value, rhs: Value, a_dies: bool, b_dies: bool) -> bool {
        let copied_into = |v: Value| self.s.copied_to[dst.index()] == v.index() as u32;
        lhs != rhs
            && lhs != dst
            && ((b_dies && !a_dies)
                || rhs == dst
                || (copied_into(rhs)
                    && !copied_into(lhs)
                    && (!a_dies || self.s.use_count[rhs.index()] == 1)))
    }

    fn lower_binary(
        &mut self,
        op: BinaryOp,
        dst: Value,
        lhs: Value,
        rhs: Value,
        dies: u8,
    ) -> Result<(), CompileError> {
        let ty = self.ty(dst);
        let size = size_of(ty);
        let f64 = ty == Type::F64;
        let (d, mut a, mut b) = (self.v(dst), self.v(lhs), self.v(rhs));
        // Two-address forms overwrite their first operand: for commutative
        // operations make it the one that dies here, so that the allocator
        // needs no copy; the operand the result replaces, if it has no other
        // use: an accumulator (`s = x + s` in non-SSA code, `s2 = x + s1`
        // with `s1 = s2` on the back edge after SSA destruction) then stays
        // in its register. (`fadd`/`fmul` commute up to the
        // choice of NaN payload, which Wasm leaves nondeterministic.)
        let (a_dies, b_dies) = (dies & 1 != 0, dies & 2 != 0);
        let commutative = matches!(
            op,
            BinaryOp::Iadd
                | BinaryOp::Imul
                | BinaryOp::And
                | BinaryOp::Or
                | BinaryOp::Xor
                | BinaryOp::Fadd
                | BinaryOp::Fmul
        );
        let mut first_dies = a_dies;
        if commutative && self.reuse_rhs(dst, lhs, rhs, a_dies, b_dies) {
            std::mem::swap(&mut a, &mut b);
            first_dies = b_dies;
        }
        if op == BinaryOp::Iadd {
            // A three-address `lea`: the allocator may put the sum in either
            // input's register (then it is emitted as an `add`) or wherever
            // it is wanted next, e.g. the register of a loop-carried sum,
            // whose old value often dies here without being known to (it
            // is defined again on the back edge). A two-address `add` would
            // tie it to one input's register and need a move after. Inputs
            // may stay in their spill slots (`add d, [slot]`, see
            // `MInst::may_be_stack`).
            let ops = [
                Operand::new_use(a, OperandConstraint::Any),
                Operand::new_use(b, OperandConstraint::Any),
                Operand::reg_def(d),
            ];
            let m = MInst::Lea {
                size,
                base: true,
                index: true,
                shift: 0,
                disp: 0,
            };
            self.emit(m, &ops);
            return Ok(());
        }
        // The overwritten input, unless it dies here, is copied into the
        // result's register first: from wherever it is (see `reuse_input`).
        let first = reuse_input(a, first_dies);
        let two_addr = [first, Operand::reg_use(b), Operand::reuse_def(d, 0)];
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
                // BMI2: three-address, the count in any register.
                if self.bmi2 && !matches!(sop, ShiftOp::Rol | ShiftOp::Ror) {
                    let ops = [
                        Operand::reg_use(a),
                        Operand::reg_use(b),
                        Operand::reg_def(d),
                    ];
                    self.emit(MInst::ShiftX { op: sop, size }, &ops);
                    return Ok(());
                }
                if a == b {
                    b = self.copy_to_tmp(b);
                }
                let ops = [
                    reuse_input(a, first_dies),
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
        let mut ops = two_addr;
        if self.avx && matches!(m, MInst::Fpu { .. }) {
            // Three-operand `vaddsd d, a, b`: no copy of an `a` that lives
            // on, and the result may take any free register, or the one of
            // an input that dies here.
            ops[0] = Operand::reg_use(a);
            ops[2] = Operand::reg_def(d);
        }
        if m.may_be_stack(1) {
            ops[1] = Operand::new_use(b, OperandConstraint::Any);
        }
        self.emit(m, &ops);
        Ok(())
    }

    /// The address register, displacement and scale shift of the access
    /// `inst` (with a folded address computation, see [`HeapAm`]),
    /// materializing offsets that do not fit a signed 32-bit displacement.
    fn address(&mut self, inst: usize, addr: Value, offset: u32) -> (VReg, i32, u8) {
        if let Some(am) = self.s.heap_am[inst] {
            return (self.v(am.index), am.disp, am.shift);
        }
        let a = self.v(addr);
        if offset <= i32::MAX as u32 {
            return (a, offset as i32, 0);
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
        (sum, 0, 0)
    }

    fn lower_load(
        &mut self,
        inst: Inst,
        op: LoadOp,
        space: AddrSpace,
        dst: Value,
        addr: Value,
        off: u32,
    ) {
        let (a, offset, shift) = self.address(inst.index(), addr, off);
        let heap = space == AddrSpace::Heap;
        let ops = [Operand::reg_use(a), Operand::reg_def(self.v(dst))];
        let index = (shift != 0).then_some(shift);
        self.emit(
            MInst::Load {
                op,
                heap,
                offset,
                index,
            },
            &ops,
        );
    }

    fn lower_store(
        &mut self,
        inst: Inst,
        op: StoreOp,
        space: AddrSpace,
        addr: Value,
        value: Value,
        off: u32,
    ) {
        let (a, offset, shift) = self.address(inst.index(), addr, off);
        let heap = space == AddrSpace::Heap;
        let ops = [Operand::reg_use(a), Operand::reg_use(self.v(value))];
        let index = (shift != 0).then_some(shift);
        self.emit(
            MInst::Store {
                op,
                heap,
                offset,
                index,
            },
            &ops,
        );
    }

    fn lower_tier_check(
        &mut self,
        counter: u32,
        builtin: u32,
        loop_index: u32,
        args: &[Value],
    ) -> Result<(), CompileError> {
        let counter = i32::try_from(counter).map_err(|_| err("counter offset too large"))?;
        let builtin = i32::try_from(builtin).map_err(|_| err("builtin slot too large"))?;
        let mut ops: Vec<Operand> = Vec::new();
        let mut state = Vec::with_capacity(args.len());
        for &a in args {
            let v = self.v(a);
            let k = match ops.iter().position(|o| o.vreg == v) {
                Some(k) => k,
                None => {
                    ops.push(Operand::new_use(v, OperandConstraint::Any));
                    ops.len() - 1
                }
            };
            state.push(k as u32);
        }
        self.s.rlocs.clear();
        let results = self.func.signature.results.iter().copied();
        let return_area = abi::assign_results(CallConv::Wasm, results, &mut self.s.rlocs)?;
        self.s.locs.clear();
        let params = self.func.signature.params.iter().copied();
        let incoming_stack_args = abi::assign_args(params, &mut self.s.locs);
        let id = self.vc.tier_checks.len() as u32;
        self.vc.tier_checks.push(TierCheckInfo {
            counter,
            builtin,
            loop_index,
            state,
            incoming_stack_args,
            return_area,
        });
        self.vc.push(
            MInst::TierCheck { id },
            &ops,
            PRegSet::default(),
            self.srcloc,
        );
        Ok(())
    }

    fn lower_call(
        &mut self,
        kind: CallKind,
        args: &[Value],
        results: &[Value],
    ) -> Result<(), CompileError> {
        let (target, conv, wasm_args) = match kind {
            CallKind::TierCheck {
                counter,
                builtin,
                loop_index,
            } => return self.lower_tier_check(counter, builtin, loop_index, args),
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
        self.s.rlocs.clear();
        let rtys: SmallVec<[Type; 4]> = results.iter().map(|&a| self.ty(a)).collect();
        let ret_area = abi::assign_results(conv, rtys, &mut self.s.rlocs)?;
        self.vc.outgoing_args = self.vc.outgoing_args.max(stack + ret_area);

        let mut ops = std::mem::take(&mut self.s.ops);
        ops.clear();
        if target == CallTarget::Indirect {
            self.vc.indirect_calls = true;
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
            if let ArgLoc::Reg(p) = self.s.rlocs[k] {
                ops.push(Operand::fixed_def(self.v(r), p));
            }
        }
        let clobbers = match conv {
            CallConv::Wasm => regs::WASM_CALL_CLOBBERS,
            CallConv::SysV => regs::SYSV_CALL_CLOBBERS,
        };
        self.vc
            .push(MInst::Call { target }, &ops, clobbers, self.srcloc);
        self.s.ops = ops;
        // Results in the return area: loads right after the call, before any
        // other call can reuse the outgoing area.
        for (k, &r) in results.iter().enumerate() {
            if let ArgLoc::Stack(off) = self.s.rlocs[k] {
                let off = abi::outgoing_result_offset(stack, off);
                self.emit(
                    MInst::LoadStackResult { off },
                    &[Operand::reg_def(self.v(r))],
                );
            }
        }
        Ok(())
    }
}

// ---- instruction selection: analysis and pattern matching -------------------
//
// Before emitting anything, `plan` walks each block backwards and picks a
// pattern (`Pat`) per instruction, greedily from the roots (maximal munch):
// an instruction may absorb the instruction that defines one of its operands
// ("fusion"), which then emits nothing (`Pat::Skip`). Fusion is legal when:
//   - the definition is in the same block, before the user, and is the one
//     that reaches the user (no redefinition in between);
//   - its result has exactly one use in the whole function (that user);
//   - it is pure (no trap, no memory access);
//   - none of its operands is redefined between it and the user, where the
//     user now reads them (the IR is not in SSA form).
// Constants become immediates whatever their use count: a use is absorbed
// when the value's definition reaching it is an `iconst` (in the block, or
// the value's only definition in the function). An `iconst` all of whose
// uses were absorbed emits nothing.

/// No position (no definition in the block).
const NONE: u32 = u32::MAX;

/// How many levels of definitions [`Sel::umax`] looks through (it visits at
/// most 2^depth of them).
const UMAX_DEPTH: u32 = 6;

/// A comparison with its operand values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Cmp {
    kind: CmpKind,
    a: Value,
    /// The second operand, when the kind has two
    /// ([`CmpKind::num_operands`]; else anything, `a` by convention).
    b: Value,
}

/// An address `base + index << shift + disp` (without a base only in a
/// `lea`, and with an index).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Am {
    base: Option<Value>,
    index: Option<(Value, u8)>,
    disp: i32,
}

/// A heap access's address `index << shift + disp` (`disp` includes the
/// access's offset) whose `iadd` of a constant and `shl` by 1 to 3 are
/// folded into the addressing mode `[r15 + index * 2^shift + disp]`. Legal
/// only where they cannot wrap at 32 bits ([`Sel::umax`]): Wasm computes the
/// index modulo 2^32, the addressing mode in 64 bits. (Or, for a negative
/// constant and no offset, where the runtime's guard below the heap makes
/// a wrapping sum trap either way, or a positive one after an access
/// through `index` proved that the sum cannot wrap: see
/// [`crate::CompileOptions::bounded_heap`].)
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct HeapAm {
    index: Value,
    shift: u8,
    disp: i32,
}

/// The pattern selected for one IR instruction (operands the pattern reads
/// in registers are named; the instruction's own `dst` is implied).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub(crate) enum Pat {
    /// The generic lowering.
    #[default]
    Default,
    /// Absorbed by a later instruction (or a dead constant): emit nothing.
    Skip,
    /// `dst = a op imm`.
    AluImm { op: AluOp, a: Value, imm: i32 },
    /// `dst = a shift amt`.
    ShiftImm { op: ShiftOp, a: Value, amt: u8 },
    /// `dst = ext(a)` (`movzx` for a mask of the low byte or word, which
    /// need not overwrite its input, as `and` does).
    Ext { op: ExtOp, a: Value },
    /// `dst = src`.
    Move { src: Value },
    /// `dst = src` for a constant `src` (the bits of `dst`'s width): the
    /// constant is loaded again rather than copied, so it need not sit in
    /// a register until the copy (across a loop, or a call).
    CopyImm { imm: u64 },
    /// `dst = lea am`.
    Lea { am: Am },
    /// Division or remainder of the lhs by a constant.
    DivConst { divisor: u64 },
    /// `dst = cond`.
    SetCond { c: Cmp },
    /// Branch on a fused comparison.
    CondBr { c: Cmp },
    /// `select` on a fused comparison.
    CondSelect { c: Cmp },
    /// `x + cond` or, if `sub`, `x - cond` for a fused comparison `c` in
    /// the carry flag (an unsigned below or above-or-equal).
    AddCarry { c: Cmp, x: Value, sub: bool },
    /// `dst = ~not & other` (`andn`).
    Andn { not: Value, other: Value },
    /// A vm load or store through a folded address.
    VmAccess { am: Am },
    /// A vm load or store at `[r14 + offset]`: its address is the VMContext
    /// itself, whose pinned register needs no operand.
    VmctxAccess { offset: i32 },
    /// A store of a constant.
    StoreImm { imm: i32 },
    /// A float operation whose second operand is a heap load (the IR
    /// instruction `load`) folded into it; `swap`: the load is the
    /// (commutative) operation's first operand.
    FpuMem { load: u32, swap: bool },
    /// An integer ALU operation with its (second, or if `swap` first)
    /// operand a heap load at IR instruction `load`, folded in.
    AluMem { load: u32, swap: bool },
    /// A store of `load op src` (or `load op imm`) where `load` (an IR
    /// instruction) reads the place the store writes: one read-modify-write
    /// instruction (`add [m], src`).
    Rmw {
        op: AluOp,
        load: u32,
        place: RmwPlace,
        src: Value,
        imm: Option<i32>,
    },
    /// A `br_table` whose index never exceeds the default's position (a
    /// mask, a remainder): its jump-table load needs no clamp.
    BrTableInRange,
    /// A `trapif` on a fused comparison.
    CondTrap { c: Cmp },
}

impl Pat {
    /// Whether the pattern compares a heap load in memory
    /// ([`CmpKind::CmpMem`]); its plan then fuses that load first.
    fn mem_cmp(&self) -> bool {
        match self {
            Pat::SetCond { c } | Pat::CondBr { c } | Pat::CondSelect { c } => {
                matches!(c.kind, CmpKind::CmpMem { .. })
            }
            _ => false,
        }
    }
}

/// A short list kept inline (a plan's fused instructions or absorbed
/// constants: at most five of either in any pattern). A push past
/// [`Few::CAP`] is dropped, which only makes the plan lower more: an
/// instruction not marked fused is lowered on its own (its result then
/// unused), a constant not absorbed is materialized.
#[derive(Clone, Copy)]
struct Few<T: Copy> {
    items: [T; Few::<u32>::CAP],
    len: u8,
}

impl<T: Copy> Few<T> {
    const CAP: usize = 6;
    /// Empty (`fill` is only a placeholder for the unused slots).
    fn new(fill: T) -> Self {
        Few {
            items: [fill; Few::<u32>::CAP],
            len: 0,
        }
    }
    fn push(&mut self, x: T) {
        debug_assert!((self.len as usize) < Self::CAP, "plan list overflow");
        if (self.len as usize) < Self::CAP {
            self.items[self.len as usize] = x;
            self.len += 1;
        }
    }
    fn as_slice(&self) -> &[T] {
        &self.items[..self.len as usize]
    }
}

/// A pattern with the positions it fuses and the constant uses it absorbs.
struct Plan {
    pat: Pat,
    fused: Few<u32>,
    consts: Few<Value>,
}

impl Plan {
    fn new(pat: Pat) -> Plan {
        Plan {
            pat,
            fused: Few::new(0),
            consts: Few::new(Value::new(0)),
        }
    }
    fn fuse(mut self, i: u32) -> Plan {
        self.fused.push(i);
        self
    }
    fn absorb(mut self, v: Value) -> Plan {
        self.consts.push(v);
        self
    }
    fn merge(mut self, other: &Plan) -> Plan {
        for &i in other.fused.as_slice() {
            self.fused.push(i);
        }
        for &v in other.consts.as_slice() {
            self.consts.push(v);
        }
        self
    }
}

/// The operands an instruction reads in slot order (the first three;
/// instructions with more are never fused).
#[inline]
fn uses3(d: &InstData) -> [Option<Value>; 3] {
    match *d {
        InstData::Unary { arg, .. } => [Some(arg), None, None],
        InstData::Binary { lhs, rhs, .. }
        | InstData::Icmp { lhs, rhs, .. }
        | InstData::Fcmp { lhs, rhs, .. } => [Some(lhs), Some(rhs), None],
        InstData::Select {
            cond,
            if_true,
            if_false,
            ..
        } => [Some(cond), Some(if_true), Some(if_false)],
        InstData::Copy { src, .. } => [Some(src), None, None],
        InstData::Load { addr, .. } => [Some(addr), None, None],
        InstData::Store { addr, value, .. } => [Some(addr), Some(value), None],
        InstData::Brif { cond, .. } | InstData::TrapIf { cond, .. } => [Some(cond), None, None],
        InstData::BrTable { index, .. } => [Some(index), None, None],
        _ => [None; 3],
    }
}

/// How far back from an `iadd` [`Sel::proven_add`] looks for a heap access
/// through its operand (in instructions of the block).
const PROOF_WINDOW: u32 = 32;

/// The largest address a heap access through `addr` at `offset`, `width`
/// bytes wide, can have run with where memories end short of 4 GiB (see
/// [`crate::CompileOptions::bounded_heap`]): `addr + offset + width <= 2^32
/// - NEGATIVE_HEAP_DISP_MAX`. Once it ran (a trap ends the code), `addr` is
/// at most that, so `addr + c` cannot wrap at 32 bits for `c` up to that
/// margin plus `offset + width`: a later access in the block may fold `c`
/// into its addressing mode (`[r15 + p + 8]` after `[r15 + p]`).
fn proven_by_access(d: &InstData) -> Option<(Value, u32)> {
    const LIMIT: u64 = (1 << 32) - crate::NEGATIVE_HEAP_DISP_MAX as u64;
    let (addr, offset, width) = match *d {
        InstData::Load {
            op,
            space: AddrSpace::Heap,
            addr,
            offset,
            ..
        } => (addr, offset, op.width()),
        InstData::Store {
            op,
            space: AddrSpace::Heap,
            addr,
            offset,
            ..
        } => (addr, offset, op.width()),
        _ => return None,
    };
    let bound = LIMIT.checked_sub(u64::from(offset) + u64::from(width))?;
    Some((addr, bound as u32))
}

/// The input operand of a two-address instruction that its result
/// overwrites. An input that dies there is wanted in a register (the
/// result's). One that lives on is copied into the result's register before
/// the instruction, and that copy may read it from its spill slot: it then
/// needs no register of its own (not `mov r,[slot]; mov d,r` but
/// `mov d,[slot]`).
fn reuse_input(v: VReg, dies: bool) -> Operand {
    if dies {
        Operand::reg_use(v)
    } else {
        Operand::new_use(v, OperandConstraint::Any)
    }
}

/// Whether a binary operation may be fused into its user.
fn pure_binop(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::Iadd
            | BinaryOp::Isub
            | BinaryOp::Imul
            | BinaryOp::And
            | BinaryOp::Or
            | BinaryOp::Xor
            | BinaryOp::Shl
            | BinaryOp::ShrS
            | BinaryOp::ShrU
            | BinaryOp::Rotl
            | BinaryOp::Rotr
    )
}

/// `c` as an instruction immediate at `size`: any 32-bit value for 32-bit
/// operations (only the low bits count), else a sign-extended 32-bit value.
pub fn imm_at(size: Size, c: i64) -> Option<i32> {
    match size {
        Size::S32 => Some(c as i32),
        Size::S64 => i32::try_from(c).ok(),
    }
}

/// Counts uses and definitions of every value (linear in the function).
fn analyze(func: &Function, s: &mut LowerScratch) {
    let n = func.num_values();
    s.use_count.clear();
    s.use_count.resize(n, 0);
    s.def_count.clear();
    s.def_count.resize(n, 0);
    s.def_inst.clear();
    s.def_inst.resize(n, NONE);
    s.def_depth.clear();
    s.def_depth.resize(n, 0);
    s.last_blk.clear();
    s.last_blk.resize(2 * n, NONE);
    s.last_pos.clear();
    s.last_pos.resize(2 * n, NONE);
    s.pats.clear();
    s.pats.resize(func.insts.len(), Pat::Default);
    s.heap_am.clear();
    s.heap_am.resize(func.insts.len(), None);
    s.dies.clear();
    s.dies.resize(func.insts.len(), 0);
    s.copied_to.clear();
    s.copied_to.resize(n, NONE);
    s.copy_uses.clear();
    s.copy_uses.resize(n, 0);
    if let Some(&entry) = func.layout.first() {
        for &p in &func.blocks[entry.index()].params {
            s.def_count[p.index()] += 1;
            s.def_inst[p.index()] = NONE;
        }
    }
    for &b in &func.layout {
        let depth = func.blocks[b.index()].loop_depth;
        for &inst in &func.blocks[b.index()].insts {
            func.for_each_use(inst, |v| s.use_count[v.index()] += 1);
            let mut def = |v: Value| {
                s.def_count[v.index()] += 1;
                s.def_inst[v.index()] = inst.index() as u32;
                s.def_depth[v.index()] = depth;
            };
            match func.insts[inst.index()].single_dst() {
                Some(v) => def(v),
                None => func.for_each_def(inst, def),
            }
            if let InstData::Copy { dst, src } = func.insts[inst.index()] {
                s.copy_uses[src.index()] += 1;
                if s.copied_to[src.index()] == NONE {
                    s.copied_to[src.index()] = dst.index() as u32;
                }
            }
        }
    }
    s.remaining.clear();
    s.remaining.extend_from_slice(&s.use_count);
}

/// Selects patterns for the block `insts` (number `stamp` in the layout,
/// at loop depth `depth`).
fn plan_block(func: &Function, s: &mut LowerScratch, insts: &[Inst], depth: u32, stamp: u32) {
    let n = insts.len();
    let nv = func.num_values();
    // Reaching definitions (forward) and next definitions (backward).
    s.reach.clear();
    s.uses.clear();
    // Whether a comparison has several uses (see `find_dup_cmps`).
    let mut multi_cmp = false;
    for (p, &inst) in insts.iter().enumerate() {
        let mut r = [NONE; 3];
        let mut dies = 0u8;
        let data = &func.insts[inst.index()];
        if let InstData::Icmp { dst, .. }
        | InstData::Unary {
            op: UnaryOp::Eqz,
            dst,
            ..
        } = *data
        {
            multi_cmp |= s.use_count[dst.index()] >= 2;
        }
        let us = uses3(data);
        for (k, u) in us.into_iter().enumerate() {
            if let Some(v) = u
                && s.last_blk[v.index()] == stamp
            {
                r[k] = s.last_pos[v.index()];
                if s.use_count[v.index()] == 1 && s.def_count[v.index()] == 1 {
                    dies |= 1 << k;
                }
            }
        }
        s.dies[inst.index()] = dies;
        s.reach.push(r);
        s.uses.push(us);
        let mut def = |d: Value| {
            s.last_blk[d.index()] = stamp;
            s.last_pos[d.index()] = p as u32;
        };
        match func.insts[inst.index()].single_dst() {
            Some(d) => def(d),
            None => func.for_each_def(inst, def),
        }
    }
    s.next.clear();
    s.next.resize(n, [NONE; 3]);
    for p in (0..n).rev() {
        let inst = insts[p];
        for (k, u) in s.uses[p].into_iter().enumerate() {
            if let Some(v) = u
                && s.last_blk[nv + v.index()] == stamp
            {
                s.next[p][k] = s.last_pos[nv + v.index()];
            }
        }
        let mut def = |d: Value| {
            s.last_blk[nv + d.index()] = stamp;
            s.last_pos[nv + d.index()] = p as u32;
        };
        match func.insts[inst.index()].single_dst() {
            Some(d) => def(d),
            None => func.for_each_def(inst, def),
        }
    }
    s.dup_uses.clear();
    if multi_cmp {
        find_dup_cmps(func, s, insts);
    }
    // Greedy selection from the last instruction back.
    let LowerScratch {
        ref reach,
        ref next,
        ref uses,
        ref dup_uses,
        ref use_count,
        ref def_count,
        ref def_inst,
        ref def_depth,
        ref copy_uses,
        ref mut pats,
        ref mut heap_am,
        ref mut remaining,
        bounded_heap,
        ..
    } = *s;
    let sel = Sel {
        func,
        bounded_heap,
        insts,
        reach,
        next,
        uses,
        dup_uses,
        use_count,
        def_count,
        def_inst,
        def_depth,
        copy_uses,
        depth,
    };
    for p in (0..n).rev() {
        if pats[insts[p].index()] == Pat::Skip {
            continue;
        }
        let p = p as u32;
        // An `iadd` of a constant that every use folded (see
        // `Sel::shared_add`): nothing left to compute.
        if bounded_heap
            && let InstData::Binary {
                op: BinaryOp::Iadd,
                dst,
                ..
            } = *sel.data(p)
            && remaining[dst.index()] == 0
            && use_count[dst.index()] > 0
            && let Some((_, c)) = sel.foldable_add(p)
        {
            pats[insts[p as usize].index()] = Pat::Skip;
            remaining[c.index()] -= 1;
            continue;
        }
        let mut plan = sel.select(p);
        // The heap access made here (a load folded into the operation, or
        // the instruction itself) may absorb its address computation.
        let access = match &plan {
            Some(pl)
                if pl.pat.mem_cmp()
                    || matches!(pl.pat, Pat::AluMem { .. } | Pat::FpuMem { .. }) =>
            {
                pl.fused.as_slice()[0]
            }
            _ => p,
        };
        let mut am = None;
        if let Some((a, mut extra)) = sel.heap_amode(access, p) {
            // A read-modify-write's fused load reads the same address as
            // its store: where the store's address folded, that use of it
            // is gone too (so a shared `iadd` is not computed for nothing).
            if let Some(Plan {
                pat:
                    Pat::Rmw {
                        place: RmwPlace::Heap,
                        ..
                    },
                ..
            }) = plan
                && a.index != sel.arg(access, 0)
            {
                extra = extra.absorb(sel.arg(access, 0));
            }
            am = Some((insts[access as usize].index(), a));
            plan = Some(plan.unwrap_or(Plan::new(Pat::Default)).merge(&extra));
        }
        if let Some((i, a)) = am {
            heap_am[i] = Some(a);
        }
        if let Some(mut plan) = plan {
            // A comparison whose every use compared again: nothing left.
            if sel.dup_ok(p)
                && let InstData::Icmp { dst, .. } | InstData::Unary { dst, .. } = *sel.data(p)
                && remaining[dst.index()] == 0
            {
                plan.pat = Pat::Skip;
            }
            pats[insts[p as usize].index()] = plan.pat;
            for &i in plan.fused.as_slice() {
                pats[insts[i as usize].index()] = Pat::Skip;
            }
            for &v in plan.consts.as_slice() {
                remaining[v.index()] -= 1;
            }
        }
    }
}

/// Finds the comparisons of the block `insts` (planned in `s`) to compare
/// again at each use (see [`Sel::dup_cmp`]): used at least twice, only in
/// the block, only as a `select`'s or a two-way `brif`'s condition or as
/// the condition added to (or subtracted from) a value where it is an
/// unsigned order or a test for zero, and with operands not redefined
/// before the last use. Fills `s.dup_uses` (empty on entry) and
/// `s.dup_last`.
fn find_dup_cmps(func: &Function, s: &mut LowerScratch, insts: &[Inst]) {
    let n = insts.len();
    s.dup_uses.resize(n, 0);
    s.dup_last.clear();
    s.dup_last.resize(n, NONE);
    let mut any = false;
    for p in 0..n {
        for (k, u) in s.uses[p].into_iter().enumerate() {
            let i = s.reach[p][k];
            if u.is_none() || i == NONE || s.dup_uses[i as usize] == NONE {
                continue;
            }
            let def = &func.insts[insts[i as usize].index()];
            let unsigned_or_zero = match *def {
                InstData::Icmp { cc, rhs, .. } => {
                    matches!(
                        cc,
                        IntCC::UnsignedLessThan
                            | IntCC::UnsignedGreaterThanOrEqual
                            | IntCC::UnsignedGreaterThan
                            | IntCC::UnsignedLessThanOrEqual
                    ) || (matches!(cc, IntCC::Equal | IntCC::NotEqual)
                        && matches!(
                            s.def_inst
                                .get(rhs.index())
                                .and_then(|&d| func.insts.get(d as usize)),
                            Some(InstData::Iconst { imm: 0, .. })
                        )
                        && s.def_count[rhs.index()] == 1)
                }
                InstData::Unary {
                    op: UnaryOp::Eqz, ..
                } => true,
                _ => continue,
            };
            let consumer = match func.insts[insts[p].index()] {
                InstData::Select { .. } => k == 0,
                InstData::Brif {
                    then_dest,
                    else_dest,
                    ..
                } => then_dest.block != else_dest.block,
                InstData::Binary {
                    op: BinaryOp::Iadd,
                    dst,
                    ..
                } => unsigned_or_zero && func.value_type(dst) == Type::I32,
                InstData::Binary {
                    op: BinaryOp::Isub,
                    dst,
                    ..
                } => k == 1 && unsigned_or_zero && func.value_type(dst) == Type::I32,
                _ => false,
            };
            if consumer {
                s.dup_uses[i as usize] += 1;
                s.dup_last[i as usize] = p as u32;
                any = true;
            } else {
                s.dup_uses[i as usize] = NONE;
            }
        }
    }
    if !any {
        return;
    }
    for (i, &inst) in insts.iter().enumerate() {
        let count = s.dup_uses[i];
        if count == NONE || count == 0 {
            continue;
        }
        let d = &func.insts[inst.index()];
        let ok = d.single_dst().is_some_and(|dst| {
            count >= 2 && s.use_count[dst.index()] == count && s.def_count[dst.index()] == 1
        }) && s.next[i].iter().all(|&nx| nx == NONE || nx > s.dup_last[i]);
        if !ok {
            s.dup_uses[i] = NONE;
        }
    }
}

/// The pattern matchers of one block (read-only).
struct Sel<'a> {
    func: &'a Function,
    /// See [`crate::CompileOptions::bounded_heap`].
    bounded_heap: bool,
    insts: &'a [Inst],
    reach: &'a [[u32; 3]],
    next: &'a [[u32; 3]],
    uses: &'a [[Option<Value>; 3]],
    dup_uses: &'a [u32],
    use_count: &'a [u32],
    def_count: &'a [u32],
    def_inst: &'a [u32],
    def_depth: &'a [u32],
    copy_uses: &'a [u32],
    /// The block's loop depth.
    depth: u32,
}

impl Sel<'_> {
    fn data(&self, p: u32) -> &InstData {
        &self.func.insts[self.insts[p as usize].index()]
    }
    /// Operand `k` of the instruction at `p`.
    fn arg(&self, p: u32, k: usize) -> Value {
        self.uses[p as usize][k].expect("operand slot")
    }
    fn size(&self, v: Value) -> Size {
        size_of(self.func.value_type(v))
    }

    /// Whether the comparison at `p` is compared again at each of its uses
    /// (see [`find_dup_cmps`]).
    fn dup_ok(&self, p: u32) -> bool {
        // (Empty when the block has no comparison with several uses.)
        !matches!(self.dup_uses.get(p as usize), None | Some(&0) | Some(&NONE))
    }

    /// The comparison of the `icmp` or `eqz` at `i` from its operands alone
    /// (registers and immediates: no load or `and` folded in), and the plan
    /// of the instruction itself (its immediates absorbed). Used by the
    /// comparison and by each of its uses when it is compared again at
    /// each use ([`Sel::dup_ok`]): a flag consumer then sets the flags
    /// itself instead of testing a `setcc` result, which is not made at all
    /// once every use does.
    fn dup_cmp(&self, i: u32) -> Option<(Cmp, Plan)> {
        let none = Plan::new(Pat::Default);
        match *self.data(i) {
            InstData::Icmp { cc, .. } => Some(self.reg_cmp(i, cc)),
            InstData::Unary {
                op: UnaryOp::Eqz,
                arg,
                ..
            } => {
                let size = self.size(arg);
                let kind = CmpKind::Test { size, zero: true };
                Some((
                    Cmp {
                        kind,
                        a: arg,
                        b: arg,
                    },
                    none,
                ))
            }
            _ => None,
        }
    }

    /// Operand `k` of `p`, a comparison compared again at each use, as the
    /// comparison (its use absorbed).
    fn dup_use(&self, p: u32, k: usize) -> Option<(Cmp, Plan)> {
        let i = self.reach[p as usize][k];
        if i == NONE || !self.dup_ok(i) {
            return None;
        }
        let (c, _) = self.dup_cmp(i)?;
        Some((c, Plan::new(Pat::Default).absorb(self.arg(p, k))))
    }

    /// The position of the definition of operand `k` of `p` if it can be
    /// fused into an instruction that reads its operands at position `j`.
    fn fusable(&self, p: u32, k: usize, j: u32) -> Option<u32> {
        let i = self.reach[p as usize][k];
        if i == NONE {
            return None;
        }
        let d = self.data(i);
        let dst = d.single_dst()?;
        if self.use_count[dst.index()] != 1 {
            return None;
        }
        let pure = match *d {
            InstData::Binary { op, .. } => pure_binop(op),
            InstData::Icmp { .. } | InstData::Fcmp { .. } => true,
            InstData::Unary { op, .. } => op == UnaryOp::Eqz,
            _ => false,
        };
        if !pure {
            return None;
        }
        for (k2, u) in self.uses[i as usize].into_iter().enumerate() {
            if u.is_some() && self.next[i as usize][k2] < j {
                return None;
            }
        }
        Some(i)
    }

    /// The constant value of operand `k` of `p`, if its reaching definition
    /// is an `iconst`.
    fn const_of(&self, p: u32, k: usize) -> Option<i64> {
        let v = self.uses[p as usize][k]?;
        let i = self.reach[p as usize][k];
        let def = if i != NONE {
            &self.func.insts[self.insts[i as usize].index()]
        } else {
            self.only_def(v)?
        };
        match *def {
            InstData::Iconst { dst, imm } if dst == v => Some(imm),
            _ => None,
        }
    }

    /// The instruction defining `v` when it is `v`'s only definition in the
    /// function (so every use of `v` sees its result).
    fn only_def(&self, v: Value) -> Option<&InstData> {
        let i = self.def_inst[v.index()];
        (self.def_count[v.index()] == 1 && i != NONE).then(|| &self.func.insts[i as usize])
    }

    /// Operand `k` of `p` as an immediate at `size`.
    fn imm_of(&self, p: u32, k: usize, size: Size) -> Option<i32> {
        imm_at(size, self.const_of(p, k)?)
    }

    /// The fused binary operation `op` defining operand `k` of `p`.
    fn fused_binop(&self, p: u32, k: usize, j: u32, op: BinaryOp) -> Option<u32> {
        let i = self.fusable(p, k, j)?;
        matches!(*self.data(i), InstData::Binary { op: o, .. } if o == op).then_some(i)
    }

    /// A full-width heap load of type `ty` defining operand `k` of `p` that
    /// can move down to `p` (see [`Sel::sinkable_load`]).
    fn foldable_load(&self, p: u32, k: usize, ty: Type) -> Option<u32> {
        let i = self.reach[p as usize][k];
        if i == NONE {
            return None;
        }
        let InstData::Load {
            op,
            space: AddrSpace::Heap,
            ..
        } = *self.data(i)
        else {
            return None;
        };
        let want = match ty {
            Type::F64 => LoadOp::F64,
            Type::F32 => LoadOp::F32,
            Type::I64 => LoadOp::I64,
            _ => LoadOp::I32,
        };
        (op == want && self.sinkable_load(i, p)).then_some(i)
    }

    /// Whether the load at `i` can move down to `to`: its value is used only
    /// once, its address is not redefined in between, and everything in
    /// between is pure and cannot trap (so no store, call or other trap can
    /// be reordered with it).
    fn sinkable_load(&self, i: u32, to: u32) -> bool {
        let InstData::Load { dst, .. } = *self.data(i) else {
            return false;
        };
        if self.use_count[dst.index()] != 1
            || self.def_count[dst.index()] != 1
            || self.next[i as usize][0] < to
        {
            return false;
        }
        let harmless = |q: u32| match *self.data(q) {
            InstData::Iconst { .. }
            | InstData::Fconst { .. }
            | InstData::Copy { .. }
            | InstData::Vmctx { .. } => true,
            InstData::Icmp { .. } | InstData::Fcmp { .. } => true,
            InstData::Binary { op, dst, .. } => {
                pure_binop(op) || self.func.value_type(dst).is_float()
            }
            _ => false,
        };
        ((i + 1)..to).all(harmless)
    }

    /// The store at `p` (of width `sop` into `space` at `offset` from its
    /// address) as one read-modify-write instruction: its value is `x op y`
    /// (`add`, `sub`, `and`, `or`, `xor`, used only here) with `x` (or,
    /// but for `sub`, `y`) a load of the same width from the same place
    /// that can move down to the store. The same place: the same address
    /// value and offset, or any two `vmctx` values (the pinned register)
    /// and the offset.
    fn rmw(&self, p: u32, sop: StoreOp, space: AddrSpace, offset: u32) -> Option<Plan> {
        let (size, want) = match sop {
            StoreOp::I32 => (Size::S32, LoadOp::I32),
            StoreOp::I64 => (Size::S64, LoadOp::I64),
            _ => return None,
        };
        let b = self.fusable(p, 1, p)?;
        let InstData::Binary { op, .. } = *self.data(b) else {
            return None;
        };
        let (alu, operands) = match op {
            BinaryOp::Iadd => (AluOp::Add, 2),
            BinaryOp::Isub => (AluOp::Sub, 1),
            BinaryOp::And => (AluOp::And, 2),
            BinaryOp::Or => (AluOp::Or, 2),
            BinaryOp::Xor => (AluOp::Xor, 2),
            _ => return None,
        };
        let addr = self.arg(p, 0);
        let is_vmctx = |v: Value| matches!(self.only_def(v), Some(InstData::Vmctx { .. }));
        for k in 0..operands {
            let l = self.reach[b as usize][k];
            if l == NONE {
                continue;
            }
            let InstData::Load {
                op: lop,
                space: lspace,
                addr: laddr,
                offset: loffset,
                ..
            } = *self.data(l)
            else {
                continue;
            };
            let vmctx = space == AddrSpace::Vm
                && is_vmctx(addr)
                && is_vmctx(laddr)
                && offset <= i32::MAX as u32;
            if lop != want
                || lspace != space
                || loffset != offset
                || !(laddr == addr || vmctx)
                || !self.sinkable_load(l, p)
            {
                continue;
            }
            let place = match space {
                AddrSpace::Heap => RmwPlace::Heap,
                _ if vmctx => RmwPlace::Vmctx,
                _ => RmwPlace::Vm,
            };
            let src = self.arg(b, 1 - k);
            let imm = self.imm_of(b, 1 - k, size);
            let pat = Pat::Rmw {
                op: alu,
                load: self.insts[l as usize].index() as u32,
                place,
                src,
                imm,
            };
            let mut plan = Plan::new(pat).fuse(b).fuse(l);
            if imm.is_some() {
                plan = plan.absorb(src);
            }
            if vmctx {
                plan = plan.absorb(addr).absorb(laddr);
            }
            return Some(plan);
        }
        None
    }

    /// `c` as the negative displacement that
    /// [`crate::CompileOptions::bounded_heap`] lets a heap access
    /// with no offset fold: `c` (as an i32) in `[-NEGATIVE_HEAP_DISP_MAX, -1]`.
    fn negative_disp(&self, c: u32) -> Option<i32> {
        let c = c as i32;
        (self.bounded_heap && c < 0 && c.unsigned_abs() <= crate::NEGATIVE_HEAP_DISP_MAX)
            .then_some(c)
    }

    /// Whether `x + c`, the `iadd` at `a` with `x` its use slot `xk`, cannot
    /// wrap at 32 bits because a heap access through `x` ran before it in
    /// the block, at most [`PROOF_WINDOW`] instructions back and after
    /// `x`'s definition (see [`proven_by_access`]). Only with memories
    /// that end 64 KiB short of 4 GiB
    /// ([`crate::CompileOptions::bounded_heap`]).
    fn proven_add(&self, a: u32, xk: usize, c: u32) -> bool {
        if !self.bounded_heap || (c as i32) <= 0 {
            return false;
        }
        let Some(x) = self.uses[a as usize][xk] else {
            return false;
        };
        // The definition of `x` that reaches the `iadd`, if in the block:
        // the access must read the same value.
        let def = self.reach[a as usize][xk];
        let from = a
            .saturating_sub(PROOF_WINDOW)
            .max(if def == NONE { 0 } else { def + 1 });
        (from..a).rev().any(|q| {
            matches!(proven_by_access(self.data(q)),
                Some((v, bound)) if v == x && u64::from(bound) + u64::from(c) <= u64::from(u32::MAX))
        })
    }

    /// The destination of the instruction at `p` if it is an `iadd` with a
    /// single definition (the shape [`Sel::shared_add`] folds).
    fn single_def_iadd(&self, p: u32) -> Option<Value> {
        match *self.data(p) {
            InstData::Binary {
                op: BinaryOp::Iadd,
                dst,
                ..
            } if self.def_count[dst.index()] == 1 => Some(dst),
            _ => None,
        }
    }

    /// The constant `c` of `x + c` at `p` as the displacement of a heap
    /// access at `offset` through `x`: a negative one with no offset
    /// ([`Sel::negative_disp`]), or one that an earlier access proves free
    /// of wrapping ([`Sel::proven_add`]; `xk` is `x`'s use slot).
    fn add_disp(&self, p: u32, xk: usize, c: u32, offset: u32) -> Option<i32> {
        match self.negative_disp(c) {
            Some(d) if offset == 0 => Some(d),
            None if self.proven_add(p, xk, c) => {
                i32::try_from(u64::from(offset) + u64::from(c)).ok()
            }
            _ => None,
        }
    }

    /// The instruction at `p` as an `iadd` of a constant that heap accesses
    /// may fold where it has other uses (see [`Sel::shared_add`]), when
    /// every use did: its single definition's value and the constant.
    fn foldable_add(&self, p: u32) -> Option<(Value, Value)> {
        let dst = self.single_def_iadd(p)?;
        for (ck, xk) in [(1usize, 0usize), (0, 1)] {
            if let Some(c) = self.const_of(p, ck) {
                // (Every use folded: the sum fits some access's offset.)
                self.add_disp(p, xk, c as u32, 0)?;
                return Some((dst, self.arg(p, ck)));
            }
        }
        None
    }

    /// The address of the heap access at `i` (read at `j`, with `offset`)
    /// as `x + c` with `c` a constant, from an `iadd` in this block with
    /// other uses (a load and a store of the same address): `x` and the
    /// displacement ([`Sel::add_disp`]), when `x` still holds at `j` the
    /// value the `iadd` read and is neither a constant nor a single-use
    /// value the `iadd` could fuse.
    fn shared_add(&self, i: u32, j: u32, offset: u32) -> Option<(Value, i32)> {
        let a = self.reach[i as usize][0];
        if a == NONE {
            return None;
        }
        self.single_def_iadd(a)?;
        for (ck, xk) in [(1usize, 0usize), (0, 1)] {
            if let Some(c) = self.const_of(a, ck) {
                // The access reads `x` where it is: the `iadd`, if it stays,
                // must not absorb `x` (a constant) or fuse its definition.
                if self.next[a as usize][xk] < j
                    || self.const_of(a, xk).is_some()
                    || self.fusable(a, xk, a).is_some()
                {
                    return None;
                }
                let disp = self.add_disp(a, xk, c as u32, offset)?;
                return Some((self.arg(a, xk), disp));
            }
        }
        None
    }

    /// The folded address of the heap access at `i` (a load or store; its
    /// address is operand 0), read at `j`: `x + c` and `x << k` (k = 1..3)
    /// or both, when [`Sel::umax`] proves that the Wasm arithmetic does not
    /// wrap, so that the 64-bit addressing mode computes the same address.
    fn heap_amode(&self, i: u32, j: u32) -> Option<(HeapAm, Plan)> {
        let offset = match *self.data(i) {
            InstData::Load {
                space: AddrSpace::Heap,
                offset,
                ..
            }
            | InstData::Store {
                space: AddrSpace::Heap,
                offset,
                ..
            } => offset,
            _ => return None,
        };
        let mut plan = Plan::new(Pat::Default);
        let mut disp = i64::from(offset);
        let mut index = self.arg(i, 0);
        let mut folded = false;
        // Where `index` is read: operand `k` of the instruction at `at`.
        let (mut at, mut k) = (i, 0);
        if let Some(a) = self.fused_binop(i, 0, j, BinaryOp::Iadd) {
            for (ck, xk) in [(1usize, 0usize), (0, 1)] {
                if let Some(c) = self.const_of(a, ck) {
                    let x = self.arg(a, xk);
                    let c = c as u32;
                    // `x + c` with `c` negative (as an i32) may fold when
                    // the access has no offset, and one that an earlier
                    // access proves free of wrapping (see
                    // `CompileOptions::bounded_heap`). (The proof's scan
                    // back through the block comes last.)
                    let negative = offset == 0 && self.negative_disp(c).is_some();
                    if negative
                        || self.umax(x, UMAX_DEPTH) + u64::from(c) <= u64::from(u32::MAX)
                        || self.proven_add(a, xk, c)
                    {
                        disp += if negative {
                            i64::from(c as i32)
                        } else {
                            i64::from(c)
                        };
                        index = x;
                        plan = plan.fuse(a).absorb(self.arg(a, ck));
                        (at, k) = (a, xk);
                        folded = true;
                    }
                    break;
                }
            }
        } else if let Some((x, c)) = self.shared_add(i, j, offset) {
            // The `iadd` stays for its other uses unless they all fold it
            // too (`plan_block` then drops it). Its operand is not fused
            // (the `iadd` may still read it), so no shift folds.
            disp = i64::from(c);
            index = x;
            plan = plan.absorb(self.arg(i, 0));
            return Some((
                HeapAm {
                    index,
                    shift: 0,
                    disp: disp as i32,
                },
                plan,
            ));
        }
        let mut shift = 0;
        if let Some(sh) = self.fused_binop(at, k, j, BinaryOp::Shl)
            && let Some(c) = self.const_of(sh, 1)
        {
            let s = (c & 31) as u8;
            let x = self.arg(sh, 0);
            // (Or the range pass proved that this shift does not wrap.)
            let proven = self.func.value_bound(self.arg(at, k)) < u32::MAX;
            if (1..=3).contains(&s)
                && (proven || self.umax(x, UMAX_DEPTH) <= u64::from(u32::MAX >> s))
            {
                shift = s;
                index = x;
                plan = plan.fuse(sh).absorb(self.arg(sh, 1));
                folded = true;
            }
        }
        if !folded {
            return None;
        }
        let disp = i32::try_from(disp).ok()?;
        Some((HeapAm { index, shift, disp }, plan))
    }

    /// An upper bound of the unsigned value of `v` when it is an `i32` with
    /// a single definition (so every use sees that definition's result),
    /// from the shape of up to `depth` levels of its definitions (the rules
    /// of [`strata_ir::opt::range::result_umax`], which the optimizing
    /// tier's range pass shares). `u32::MAX` when nothing is known. (A
    /// scaled index the range pass proved is marked on its shift instead:
    /// see [`Sel::heap_amode`].)
    fn umax(&self, v: Value, depth: u32) -> u64 {
        const ALL: u64 = u32::MAX as u64;
        if self.func.value_type(v) != Type::I32 || depth == 0 {
            return ALL;
        }
        let Some(def) = self.only_def(v) else {
            return ALL;
        };
        let konst = |x: Value| match self.only_def(x)? {
            InstData::Iconst { imm, .. } => Some(u64::from(*imm as u32)),
            _ => None,
        };
        strata_ir::opt::range::result_umax(def, |x| self.umax(x, depth - 1), konst)
    }

    /// `fadd`/`fsub`/`fmul`/`fdiv` with a heap load folded into it.
    fn select_fpu_mem(&self, p: u32, op: BinaryOp, ty: Type) -> Option<Plan> {
        if !matches!(
            op,
            BinaryOp::Fadd | BinaryOp::Fsub | BinaryOp::Fmul | BinaryOp::Fdiv
        ) {
            return None;
        }
        let commutative = matches!(op, BinaryOp::Fadd | BinaryOp::Fmul);
        let (i, swap) = match self.foldable_load(p, 1, ty) {
            Some(i) => (i, false),
            None if commutative => (self.foldable_load(p, 0, ty)?, true),
            None => return None,
        };
        let load = self.insts[i as usize].index() as u32;
        Some(Plan::new(Pat::FpuMem { load, swap }).fuse(i))
    }

    /// `add`/`sub`/`and`/`or`/`xor`/`imul` with a heap load folded into it.
    fn select_alu_mem(&self, p: u32, op: BinaryOp, ty: Type) -> Option<Plan> {
        let commutative = match op {
            BinaryOp::Iadd | BinaryOp::And | BinaryOp::Or | BinaryOp::Xor | BinaryOp::Imul => true,
            BinaryOp::Isub => false,
            _ => return None,
        };
        let (i, swap) = match self.foldable_load(p, 1, ty) {
            Some(i) => (i, false),
            None if commutative => (self.foldable_load(p, 0, ty)?, true),
            None => return None,
        };
        let load = self.insts[i as usize].index() as u32;
        Some(Plan::new(Pat::AluMem { load, swap }).fuse(i))
    }

    fn select(&self, p: u32) -> Option<Plan> {
        match *self.data(p) {
            InstData::Binary { op, dst, .. } if self.func.value_type(dst).is_float() => {
                self.select_fpu_mem(p, op, self.func.value_type(dst))
            }
            InstData::Binary { op, dst, .. } if self.func.value_type(dst).is_int() => self
                .select_binary(p, op, self.size(dst))
                .or_else(|| self.select_alu_mem(p, op, self.func.value_type(dst))),
            InstData::Icmp { .. }
            | InstData::Unary {
                op: UnaryOp::Eqz, ..
            } if self.dup_ok(p) => {
                let (c, plan) = self.dup_cmp(p)?;
                Some(Plan::new(Pat::SetCond { c }).merge(&plan))
            }
            InstData::Icmp { cc, .. } => {
                let c = self.icmp_cmp(p, cc, p);
                Some(Plan::new(Pat::SetCond { c: c.0 }).merge(&c.1))
            }
            InstData::Unary {
                op: UnaryOp::Eqz, ..
            } => {
                let c = self.eqz_cmp(p, p);
                Some(Plan::new(Pat::SetCond { c: c.0 }).merge(&c.1))
            }
            // `i64.extend_i32_u` of an i32 load: the load (`mov r32`,
            // `movzx r32`, `movsx r32`) zeroed the upper half already.
            InstData::Unary {
                op: UnaryOp::UextI32,
                arg,
                ..
            } if matches!(
                self.only_def(arg),
                Some(InstData::Load {
                    op: LoadOp::I32
                        | LoadOp::I32Load8U
                        | LoadOp::I32Load8S
                        | LoadOp::I32Load16U
                        | LoadOp::I32Load16S,
                    ..
                })
            ) =>
            {
                Some(Plan::new(Pat::Move { src: arg }))
            }
            // `i64.extend_i32_u` of an integer comparison: the `setcc` and
            // `movzx` to 32 bits zero the upper half already.
            InstData::Unary {
                op: UnaryOp::UextI32,
                ..
            } => {
                let i = self.fusable(p, 0, p)?;
                let c = match *self.data(i) {
                    InstData::Icmp { cc, .. } => self.icmp_cmp(i, cc, p),
                    InstData::Unary {
                        op: UnaryOp::Eqz, ..
                    } => self.eqz_cmp(i, p),
                    _ => return None,
                };
                Some(Plan::new(Pat::SetCond { c: c.0 }).merge(&c.1.fuse(i)))
            }
            InstData::Brif {
                then_dest,
                else_dest,
                ..
            } if then_dest.block != else_dest.block => {
                let (c, plan) = self
                    .cond_cmp(p, 0, p)
                    .or_else(|| self.load_zero_cmp(p, 0, p, false))?;
                Some(Plan::new(Pat::CondBr { c }).merge(&plan))
            }
            InstData::Select { .. } => {
                let (c, plan) = self
                    .cond_cmp(p, 0, p)
                    .or_else(|| self.load_zero_cmp(p, 0, p, false))?;
                Some(Plan::new(Pat::CondSelect { c }).merge(&plan))
            }
            // A constant defined outside the copy's loop (hoisted there):
            // loaded again here, it need not hold a register through the
            // loop. A constant used only by copies (a block argument, after
            // SSA destruction: `jump block3(v0, v5)` with `v5 = iconst 0`):
            // each copy loads it, and the constant itself is gone, with
            // the register that would hold it until its last copy.
            // (Elsewhere a register copy may coalesce away.)
            InstData::Copy { dst, src }
                if self.func.value_type(dst).is_int()
                    && (self.def_depth[src.index()] < self.depth
                        || self.copy_uses[src.index()] == self.use_count[src.index()]) =>
            {
                let c = self.const_of(p, 0)?;
                let imm = match self.size(dst) {
                    Size::S32 => c as u32 as u64,
                    // (No 10-byte `movabs` where a register copy would do.)
                    Size::S64 => i32::try_from(c).ok()? as i64 as u64,
                };
                Some(Plan::new(Pat::CopyImm { imm }).absorb(self.arg(p, 0)))
            }
            // A check's comparison (a table index against its length, a
            // signature id against the expected one) and its trap are one
            // `cmp` and one `jcc` to the trap. (Not a comparison in memory,
            // whose load would be a trap site at the comparison's offset.)
            InstData::TrapIf { .. } => {
                let (c, plan) = self.cond_cmp(p, 0, p)?;
                (!matches!(c.kind, CmpKind::CmpMem { .. }))
                    .then(|| Plan::new(Pat::CondTrap { c }).merge(&plan))
            }
            // An index that never exceeds the default's position (`x & 3`
            // into five entries) needs no clamp.
            InstData::BrTable { index, table } => {
                let n = self.func.jump_tables.get(table.index())?.len() as u64;
                (n > 0 && self.umax(index, 3) < n).then(|| Plan::new(Pat::BrTableInRange))
            }
            InstData::Load {
                space: AddrSpace::Vm,
                offset,
                ..
            } => {
                if let Some(plan) = self.vmctx_access(p, offset) {
                    return Some(plan);
                }
                let (am, plan) = self.vm_amode(p, offset)?;
                Some(Plan::new(Pat::VmAccess { am }).merge(&plan))
            }
            InstData::Store {
                op, space, offset, ..
            } => {
                if let Some(c) = self.const_of(p, 1) {
                    let imm = match op {
                        StoreOp::I64 => i32::try_from(c).ok(),
                        StoreOp::F32 | StoreOp::F64 => None,
                        _ => Some(c as i32),
                    };
                    if let Some(imm) = imm {
                        return Some(Plan::new(Pat::StoreImm { imm }).absorb(self.arg(p, 1)));
                    }
                }
                if let Some(plan) = self.rmw(p, op, space, offset) {
                    return Some(plan);
                }
                if space == AddrSpace::Vm {
                    if let Some(plan) = self.vmctx_access(p, offset) {
                        return Some(plan);
                    }
                    let (am, plan) = self.vm_amode(p, offset)?;
                    return Some(Plan::new(Pat::VmAccess { am }).merge(&plan));
                }
                None
            }
            _ => None,
        }
    }

    fn select_binary(&self, p: u32, op: BinaryOp, size: Size) -> Option<Plan> {
        let (lhs, rhs) = (self.arg(p, 0), self.arg(p, 1));
        let bits: u32 = if size == Size::S64 { 64 } else { 32 };
        let norm = |c: i64| -> u64 {
            if size == Size::S64 {
                c as u64
            } else {
                c as u32 as u64
            }
        };
        if let Some(plan) = self.add_carry(p, op) {
            return Some(plan);
        }
        match op {
            BinaryOp::Iadd => {
                let (am, plan) = self.add_amode(p, p, size)?;
                let plain = am.disp == 0 && matches!(am.index, Some((_, 0)));
                (!plain).then(|| Plan::new(Pat::Lea { am }).merge(&plan))
            }
            BinaryOp::Isub => {
                let c = self.const_of(p, 1)?;
                let disp = imm_at(size, c.checked_neg()?)?;
                let am = Am {
                    base: Some(lhs),
                    index: None,
                    disp,
                };
                Some(Plan::new(Pat::Lea { am }).absorb(rhs))
            }
            BinaryOp::And
                if self.imm_of(p, 0, size).is_none() && self.imm_of(p, 1, size).is_none() =>
            {
                self.andn(p, size)
            }
            BinaryOp::And | BinaryOp::Or | BinaryOp::Xor => {
                let aop = match op {
                    BinaryOp::And => AluOp::And,
                    BinaryOp::Or => AluOp::Or,
                    _ => AluOp::Xor,
                };
                let (a, imm, c) = match self.imm_of(p, 1, size) {
                    Some(imm) => (lhs, imm, rhs),
                    None => (rhs, self.imm_of(p, 0, size)?, lhs),
                };
                let pat = match (aop, imm) {
                    (AluOp::And, 0xff) => Pat::Ext { op: ExtOp::Zx8, a },
                    (AluOp::And, 0xffff) => Pat::Ext { op: ExtOp::Zx16, a },
                    _ => Pat::AluImm { op: aop, a, imm },
                };
                Some(Plan::new(pat).absorb(c))
            }
            BinaryOp::Imul => {
                let (a, c, cv) = match (self.const_of(p, 1), self.const_of(p, 0)) {
                    (Some(c), _) => (lhs, c, rhs),
                    (None, Some(c)) => (rhs, c, lhs),
                    _ => return None,
                };
                let u = norm(c);
                let pat = if u == 1 {
                    Pat::Move { src: a }
                } else if u.is_power_of_two() {
                    Pat::ShiftImm {
                        op: ShiftOp::Shl,
                        a,
                        amt: u.trailing_zeros() as u8,
                    }
                } else if matches!(u, 3 | 5 | 9) {
                    let am = Am {
                        base: Some(a),
                        index: Some((a, (u - 1).trailing_zeros() as u8)),
                        disp: 0,
                    };
                    Pat::Lea { am }
                } else {
                    Pat::AluImm {
                        op: AluOp::Imul,
                        a,
                        imm: imm_at(size, c)?,
                    }
                };
                Some(Plan::new(pat).absorb(cv))
            }
            BinaryOp::Shl | BinaryOp::ShrS | BinaryOp::ShrU | BinaryOp::Rotl | BinaryOp::Rotr => {
                let amt = (self.const_of(p, 1)? as u64 & (bits as u64 - 1)) as u8;
                let sop = match op {
                    BinaryOp::Shl => ShiftOp::Shl,
                    BinaryOp::ShrS => ShiftOp::Sar,
                    BinaryOp::ShrU => ShiftOp::Shr,
                    BinaryOp::Rotl => ShiftOp::Rol,
                    _ => ShiftOp::Ror,
                };
                let pat = if amt == 0 {
                    Pat::Move { src: lhs }
                } else {
                    Pat::ShiftImm {
                        op: sop,
                        a: lhs,
                        amt,
                    }
                };
                Some(Plan::new(pat).absorb(rhs))
            }
            BinaryOp::DivS | BinaryOp::DivU | BinaryOp::RemS | BinaryOp::RemU => {
                let divisor = norm(self.const_of(p, 1)?);
                let signed = matches!(op, BinaryOp::DivS | BinaryOp::RemS);
                magic::div_plan(signed, bits, divisor)?;
                Some(Plan::new(Pat::DivConst { divisor }).absorb(rhs))
            }
            _ => None,
        }
    }

    /// The address computed by the `iadd` at `p` (operands read at `j`):
    /// `x + c`, `x + y + c`, `x + (y << k)`, `x + (y + c)`.
    fn add_amode(&self, p: u32, j: u32, size: Size) -> Option<(Am, Plan)> {
        let none = Plan::new(Pat::Default);
        // A constant operand: displacement, and maybe an inner add.
        for (k, other) in [(1usize, 0usize), (0, 1)] {
            if let Some(c) = self.const_of(p, k)
                && let Some(disp) = imm_at(size, c)
            {
                let x = self.arg(p, other);
                let plan = none.absorb(self.arg(p, k));
                if let Some(i) = self.fused_binop(p, other, j, BinaryOp::Iadd)
                    && self.const_of(i, 0).is_none()
                    && self.const_of(i, 1).is_none()
                {
                    let (mut am, inner) = self.reg_pair(i, j);
                    am.disp = disp;
                    return Some((am, plan.fuse(i).merge(&inner)));
                }
                // `(y << k) + c`, k ≤ 3 (a global array's element): `[y * 2
                // + c]` as `[y + y + c]`, else with no base.
                if let Some((y, k, shl)) = self.scaled(p, other, j, size) {
                    let am = Am {
                        base: (k <= 1).then_some(y),
                        index: match k {
                            0 => None,
                            1 => Some((y, 0)),
                            _ => Some((y, k)),
                        },
                        disp,
                    };
                    return Some((am, plan.merge(&shl)));
                }
                let am = Am {
                    base: Some(x),
                    index: None,
                    disp,
                };
                return Some((am, plan));
            }
        }
        // Two registers, maybe with a scaled index or an inner constant.
        for (k, other) in [(1usize, 0usize), (0, 1)] {
            if let Some(i) = self.fused_binop(p, k, j, BinaryOp::Iadd) {
                for (ck, xk) in [(1usize, 0usize), (0, 1)] {
                    if let Some(c) = self.const_of(i, ck)
                        && let Some(disp) = imm_at(size, c)
                    {
                        let am = Am {
                            base: Some(self.arg(p, other)),
                            index: Some((self.arg(i, xk), 0)),
                            disp,
                        };
                        return Some((am, none.fuse(i).absorb(self.arg(i, ck))));
                    }
                }
            }
        }
        Some(self.reg_pair(p, j))
    }

    /// Operand `k` of `p` as `y << s` (s ≤ 3, the `shl` fused): `y`, `s`
    /// and the plan.
    fn scaled(&self, p: u32, k: usize, j: u32, size: Size) -> Option<(Value, u8, Plan)> {
        let bits = if size == Size::S64 { 63 } else { 31 };
        let i = self.fused_binop(p, k, j, BinaryOp::Shl)?;
        let s = self.const_of(i, 1)? as u64 & bits;
        (s <= 3).then(|| {
            let plan = Plan::new(Pat::Default).fuse(i).absorb(self.arg(i, 1));
            (self.arg(i, 0), s as u8, plan)
        })
    }

    /// `x + y` or `x + (y << k)` (k ≤ 3) for the `iadd` at `p`.
    fn reg_pair(&self, p: u32, j: u32) -> (Am, Plan) {
        let (l, r) = (self.arg(p, 0), self.arg(p, 1));
        for (k, other) in [(1usize, 0usize), (0, 1)] {
            if let Some((y, s, plan)) = self.scaled(p, k, j, self.size(l)) {
                let am = Am {
                    base: Some(self.arg(p, other)),
                    index: Some((y, s)),
                    disp: 0,
                };
                return (am, plan);
            }
        }
        let am = Am {
            base: Some(l),
            index: Some((r, 0)),
            disp: 0,
        };
        (am, Plan::new(Pat::Default))
    }

    /// The vm access at `p` (address is operand 0) at `[r14 + offset]`, when
    /// its address is the function's VMContext (any `vmctx` instruction:
    /// the register is pinned, so the value is the same wherever it is
    /// read). The address is absorbed like a constant: a `vmctx` whose uses
    /// are all absorbed is not lowered.
    fn vmctx_access(&self, p: u32, offset: u32) -> Option<Plan> {
        let addr = self.arg(p, 0);
        if !matches!(self.only_def(addr)?, InstData::Vmctx { .. }) {
            return None;
        }
        let offset = i32::try_from(offset).ok()?;
        Some(Plan::new(Pat::VmctxAccess { offset }).absorb(addr))
    }

    /// `x & ~y` or `~y & x` at `p` (an `and` of registers, one of them the
    /// `xor` of a value with all ones used only here): BMI1's `andn`, which
    /// neither overwrites an input nor needs the complement in a register.
    fn andn(&self, p: u32, size: Size) -> Option<Plan> {
        let ones = if size == Size::S64 {
            u64::MAX
        } else {
            u32::MAX as u64
        };
        for k in 0..2 {
            let Some(i) = self.fused_binop(p, k, p, BinaryOp::Xor) else {
                continue;
            };
            let (c, not) = match (self.const_of(i, 1), self.const_of(i, 0)) {
                (Some(c), _) => (c, 0),
                (None, Some(c)) => (c, 1),
                _ => continue,
            };
            if c as u64 & ones != ones {
                continue;
            }
            let pat = Pat::Andn {
                not: self.arg(i, not),
                other: self.arg(p, 1 - k),
            };
            return Some(Plan::new(pat).fuse(i).absorb(self.arg(i, 1 - not)));
        }
        None
    }

    /// `x + cond` or `x - cond` at `p` (an `iadd` or `isub`) whose `cond`
    /// is an integer comparison used only there that can set the carry
    /// flag: an unsigned order, or a test for zero (`x < 1`).
    fn add_carry(&self, p: u32, op: BinaryOp) -> Option<Plan> {
        let ks: &[(usize, usize)] = match op {
            BinaryOp::Iadd => &[(1, 0), (0, 1)],
            BinaryOp::Isub => &[(1, 0)],
            _ => return None,
        };
        for &(k, xk) in ks {
            let r = self.reach[p as usize][k];
            if r == NONE
                || !matches!(
                    *self.data(r),
                    InstData::Icmp { .. }
                        | InstData::Unary {
                            op: UnaryOp::Eqz,
                            ..
                        }
                )
            {
                continue;
            }
            let Some(i) = self.fusable(p, k, p) else {
                if let Some((c, plan)) = self.dup_use(p, k)
                    && let Some(c) = carry_cmp(c)
                {
                    let pat = Pat::AddCarry {
                        c,
                        x: self.arg(p, xk),
                        sub: op == BinaryOp::Isub,
                    };
                    return Some(Plan::new(pat).merge(&plan));
                }
                continue;
            };
            // (An `eqz` is a `test` of its operand: `a <u 1`.)
            let (c, plan) = match *self.data(i) {
                InstData::Icmp { cc, .. } => self.icmp_cmp(i, cc, p),
                _ => match self.dup_cmp(i) {
                    Some(c) => c,
                    None => continue,
                },
            };
            let Some(c) = carry_cmp(c) else {
                continue;
            };
            let x = self.arg(p, xk);
            let pat = Pat::AddCarry {
                c,
                x,
                sub: op == BinaryOp::Isub,
            };
            return Some(Plan::new(pat).merge(&plan.fuse(i)));
        }
        None
    }

    /// The folded address of the vm access at `p` (address is operand 0).
    fn vm_amode(&self, p: u32, offset: u32) -> Option<(Am, Plan)> {
        let i = self.fused_binop(p, 0, p, BinaryOp::Iadd)?;
        let (mut am, plan) = self.add_amode(i, p, Size::S64)?;
        am.base?;
        am.disp = i32::try_from(am.disp as i64 + offset as i64).ok()?;
        Some((am, plan.fuse(i)))
    }

    /// The value operand `k` of `p` used as a condition (non-zero = true),
    /// as a fused comparison read at `j`.
    fn cond_cmp(&self, p: u32, k: usize, j: u32) -> Option<(Cmp, Plan)> {
        let Some(i) = self.fusable(p, k, j) else {
            return self.dup_use(p, k);
        };
        let (c, plan) = match *self.data(i) {
            InstData::Icmp { cc, .. } => self.icmp_cmp(i, cc, j),
            InstData::Fcmp { cc, lhs, rhs, .. } => {
                let f64 = self.func.value_type(lhs) == Type::F64;
                let c = Cmp {
                    kind: CmpKind::Fcmp { f64, cc },
                    a: lhs,
                    b: rhs,
                };
                (c, Plan::new(Pat::Default))
            }
            InstData::Unary {
                op: UnaryOp::Eqz, ..
            } => self.eqz_cmp(i, j),
            InstData::Binary {
                op: BinaryOp::And, ..
            } => self.and_test(i, false),
            _ => return None,
        };
        Some((c, plan.fuse(i)))
    }

    /// The heap load defining operand `k` of `p`, that can move down to `j`
    /// and be compared in memory: its position and width in bytes (full
    /// width, or zero-extended 1 or 2 bytes).
    fn cmp_load(&self, p: u32, k: usize, j: u32) -> Option<(u32, u8)> {
        let l = self.reach[p as usize][k];
        if l == NONE {
            return None;
        }
        let InstData::Load {
            op,
            space: AddrSpace::Heap,
            ..
        } = *self.data(l)
        else {
            return None;
        };
        let width = match op {
            LoadOp::I32 => 4,
            LoadOp::I64 => 8,
            LoadOp::I32Load8U | LoadOp::I64Load8U => 1,
            LoadOp::I32Load16U | LoadOp::I64Load16U => 2,
            _ => return None,
        };
        self.sinkable_load(l, j).then_some((l, width))
    }

    /// Operand `k` of `p`, a heap load, compared with zero in memory
    /// (`cmp [m], 0`), read at `j`: true when it is zero if `zero`.
    fn load_zero_cmp(&self, p: u32, k: usize, j: u32, zero: bool) -> Option<(Cmp, Plan)> {
        let (l, width) = self.cmp_load(p, k, j)?;
        let cc = if zero { IntCC::Equal } else { IntCC::NotEqual };
        let c = Cmp {
            kind: CmpKind::CmpMem {
                form: MemForm::new(width, 0, true),
                cc,
                imm: 0,
                offset: 0,
            },
            a: self.arg(p, k),
            b: self.arg(p, k),
        };
        // (The load first: see `Pat::mem_cmp`.)
        Some((c, Plan::new(Pat::Default).fuse(l)))
    }

    /// The `icmp` at `i` (operands read at `j`) as `load cc other` with
    /// either operand a heap load folded in (`cmp [m], r` or `cmp [m],
    /// imm`). A load of 1 or 2 bytes only with an immediate that fits it,
    /// for equality or unsigned order (which the zero extension keeps).
    fn mem_cmp(&self, i: u32, cc: IntCC, j: u32) -> Option<(Cmp, Plan)> {
        for (lk, ok) in [(0usize, 1usize), (1, 0)] {
            let Some((l, width)) = self.cmp_load(i, lk, j) else {
                continue;
            };
            let size = self.size(self.arg(i, lk));
            let cc = if lk == 0 { cc } else { cc.swap_args() };
            let imm = self.imm_of(i, ok, size);
            if width < 4 {
                let unsigned = !matches!(
                    cc,
                    IntCC::SignedLessThan
                        | IntCC::SignedLessThanOrEqual
                        | IntCC::SignedGreaterThan
                        | IntCC::SignedGreaterThanOrEqual
                );
                let value = match (self.const_of(i, ok), size) {
                    (Some(c), Size::S32) => u64::from(c as u32),
                    (Some(c), Size::S64) => c as u64,
                    (None, _) => continue,
                };
                if !unsigned || value >> (8 * width) != 0 {
                    continue;
                }
            }
            let kind = CmpKind::CmpMem {
                form: MemForm::new(width, 0, imm.is_some()),
                cc,
                imm: imm.unwrap_or(0),
                offset: 0,
            };
            // (The load first: see `Pat::mem_cmp`.)
            let mut plan = Plan::new(Pat::Default).fuse(l);
            if imm.is_some() {
                plan = plan.absorb(self.arg(i, ok));
            }
            let c = Cmp {
                kind,
                a: self.arg(i, lk),
                b: self.arg(i, ok),
            };
            return Some((c, plan));
        }
        None
    }

    /// The comparison of the `eqz` at `i` (operand read at `j`).
    fn eqz_cmp(&self, i: u32, j: u32) -> (Cmp, Plan) {
        if let Some(c) = self.load_zero_cmp(i, 0, j, true) {
            return c;
        }
        if let Some(i2) = self.fusable(i, 0, j) {
            match *self.data(i2) {
                InstData::Icmp { cc, .. } => {
                    let (c, plan) = self.icmp_cmp(i2, cc.inverse(), j);
                    return (c, plan.fuse(i2));
                }
                InstData::Binary {
                    op: BinaryOp::And, ..
                } => {
                    let (c, plan) = self.and_test(i2, true);
                    return (c, plan.fuse(i2));
                }
                _ => {}
            }
        }
        let a = self.arg(i, 0);
        let c = Cmp {
            kind: CmpKind::Test {
                size: self.size(a),
                zero: true,
            },
            a,
            b: a,
        };
        (c, Plan::new(Pat::Default))
    }

    /// The comparison of the `icmp` at `i` with condition `cc` (operands
    /// read at `j`): `test` against zero, an immediate, or `cmp`.
    fn icmp_cmp(&self, i: u32, cc: IntCC, j: u32) -> (Cmp, Plan) {
        if let Some(c) = self.mem_cmp(i, cc, j) {
            return c;
        }
        let r = self.arg(i, 1);
        if matches!(cc, IntCC::Equal | IntCC::NotEqual)
            && self.imm_of(i, 1, self.size(r)) == Some(0)
            && let Some(i2) = self.fused_binop(i, 0, j, BinaryOp::And)
        {
            let (c, plan) = self.and_test(i2, cc == IntCC::Equal);
            return (c, plan.fuse(i2).absorb(r));
        }
        self.reg_cmp(i, cc)
    }

    /// The comparison of the `icmp` at `i` from its operands alone, in
    /// registers or as immediates: `test` against zero, an immediate, or
    /// `cmp` (no load or `and` folded in).
    fn reg_cmp(&self, i: u32, cc: IntCC) -> (Cmp, Plan) {
        let (l, r) = (self.arg(i, 0), self.arg(i, 1));
        let size = self.size(l);
        let none = Plan::new(Pat::Default);
        if matches!(cc, IntCC::Equal | IntCC::NotEqual) && self.imm_of(i, 1, size) == Some(0) {
            let zero = cc == IntCC::Equal;
            let c = Cmp {
                kind: CmpKind::Test { size, zero },
                a: l,
                b: l,
            };
            return (c, none.absorb(r));
        }
        if let Some(imm) = self.imm_of(i, 1, size) {
            let c = Cmp {
                kind: CmpKind::CmpImm { size, cc, imm },
                a: l,
                b: l,
            };
            return (c, none.absorb(r));
        }
        if let Some(imm) = self.imm_of(i, 0, size) {
            let c = Cmp {
                kind: CmpKind::CmpImm {
                    size,
                    cc: cc.swap_args(),
                    imm,
                },
                a: r,
                b: r,
            };
            return (c, none.absorb(l));
        }
        let c = Cmp {
            kind: CmpKind::Cmp { size, cc },
            a: l,
            b: r,
        };
        (c, none)
    }

    /// `test` of the `and` at `i`: true when the result is zero if `zero`.
    fn and_test(&self, i: u32, zero: bool) -> (Cmp, Plan) {
        let (l, r) = (self.arg(i, 0), self.arg(i, 1));
        let size = self.size(l);
        for (ck, xk) in [(1usize, 0usize), (0, 1)] {
            if let Some(imm) = self.imm_of(i, ck, size) {
                let c = Cmp {
                    kind: CmpKind::TestImm { size, zero, imm },
                    a: self.arg(i, xk),
                    b: self.arg(i, xk),
                };
                return (c, Plan::new(Pat::Default).absorb(self.arg(i, ck)));
            }
        }
        let c = Cmp {
            kind: CmpKind::Test { size, zero },
            a: l,
            b: r,
        };
        (c, Plan::new(Pat::Default))
    }
}

/// `c` as a comparison whose result is in the carry flag (`cc` unsigned
/// below, or above or equal: its complement): an unsigned order of
/// registers (swapped for above, below or equal), a register and an
/// immediate (above `k` as above or equal `k + 1`) or memory, or a test
/// of a register for zero (below 1).
fn carry_cmp(c: Cmp) -> Option<Cmp> {
    use IntCC::*;
    let kind = match c.kind {
        CmpKind::Cmp { size, cc } => match cc {
            UnsignedLessThan | UnsignedGreaterThanOrEqual => c.kind,
            UnsignedGreaterThan | UnsignedLessThanOrEqual => {
                return Some(Cmp {
                    kind: CmpKind::Cmp {
                        size,
                        cc: cc.swap_args(),
                    },
                    a: c.b,
                    b: c.a,
                });
            }
            _ => return None,
        },
        CmpKind::CmpImm { size, cc, imm } => match cc {
            UnsignedLessThan | UnsignedGreaterThanOrEqual => c.kind,
            UnsignedGreaterThan | UnsignedLessThanOrEqual => {
                // `a > k` is `a >= k + 1`, unless k + 1 wraps (at the width:
                // the immediate is sign-extended to 64 bits).
                let next = match size {
                    Size::S32 => (imm as u32).checked_add(1)? as i32,
                    Size::S64 => imm.checked_add(1).filter(|&k| k != 0)?,
                };
                let cc = if cc == UnsignedGreaterThan {
                    UnsignedGreaterThanOrEqual
                } else {
                    UnsignedLessThan
                };
                CmpKind::CmpImm {
                    size,
                    cc,
                    imm: next,
                }
            }
            _ => return None,
        },
        CmpKind::CmpMem {
            cc: UnsignedLessThan | UnsignedGreaterThanOrEqual,
            ..
        } => c.kind,
        CmpKind::Test { size, zero } if c.a == c.b => CmpKind::CmpImm {
            size,
            cc: if zero {
                UnsignedLessThan
            } else {
                UnsignedGreaterThanOrEqual
            },
            imm: 1,
        },
        _ => return None,
    };
    Some(Cmp { kind, ..c })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lowering's analysis and pattern selection of every block of `f`.
    fn planned(f: &Function) -> LowerScratch {
        let mut s = LowerScratch::default();
        analyze(f, &mut s);
        for (bi, &b) in f.layout.iter().enumerate() {
            let data = &f.blocks[b.index()];
            plan_block(f, &mut s, &data.insts, data.loop_depth, bi as u32);
        }
        s
    }

    /// The pattern selected for each instruction of the parsed function.
    fn pats(text: &str) -> Vec<Pat> {
        let f = strata_ir::parser::parse_function(text).expect("parse");
        planned(&f).pats
    }

    #[test]
    fn constant_used_only_by_copies_is_loaded_at_each() {
        // `jump block1(v0, 0)` and `brif .., block1(v4, 0)` after SSA
        // destruction: v1 is copied into the loop's two variables on the
        // way in, v2 only on the exit; v5 is also added.
        let f = strata_ir::parser::parse_function(
            "function %f(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 0
    v2 = iconst.i32 5
    v5 = iconst.i32 9
    v3 = copy.i32 v1
    v4 = copy.i32 v1
    v6 = iadd.i32 v0, v5
    brif v0, block1, block2
block1:
    v3 = copy.i32 v2
    v7 = copy.i32 v5
    return v7
block2:
    return v4
}",
        )
        .expect("parse");
        let s = planned(&f);
        let at = |blk: usize, k: usize| s.pats[f.blocks[blk].insts[k].index()];
        assert_eq!(at(0, 3), Pat::CopyImm { imm: 0 });
        assert_eq!(at(0, 4), Pat::CopyImm { imm: 0 });
        assert_eq!(at(1, 0), Pat::CopyImm { imm: 5 });
        // Nothing is left of v1 and v2 to compute.
        assert_eq!((s.remaining[1], s.remaining[2]), (0, 0));
        // v5 has another use: its copy is a register copy (the add takes
        // it as an immediate, so the copy's is the use left).
        assert_eq!(at(1, 1), Pat::Default);
        assert_eq!(s.remaining[5], 1);
    }

    #[test]
    fn constant_copied_inside_a_loop_is_loaded_again_there() {
        let mut f = strata_ir::parser::parse_function(
            "function %f(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 1
    v2 = iconst.i32 7
    v3 = copy.i32 v0
    jump block1
block1:
    v3 = copy.i32 v1
    v4 = iadd.i32 v3, v2
    brif v0, block1, block2
block2:
    v5 = copy.i32 v2
    return v5
}",
        )
        .expect("parse");
        // block1 is a loop (the parser leaves every depth 0).
        f.blocks[1].loop_depth = 1;
        let s = planned(&f);
        let copy_at = |blk: usize, k: usize| f.blocks[blk].insts[k].index();
        // In the loop: `mov r, 1`, and v1 needs no register of its own.
        assert_eq!(s.pats[copy_at(1, 0)], Pat::CopyImm { imm: 1 });
        assert_eq!(s.remaining[1], 0);
        // After the loop, at the constant's own depth: a register copy,
        // which may coalesce.
        assert_eq!(s.pats[copy_at(2, 0)], Pat::Default);
        assert_eq!(s.remaining[2], 1);
    }

    #[test]
    fn icmp_fuses_into_brif() {
        let p = pats(
            "function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = icmp.slt v0, v1
    brif v2, block1, block1
block1:
    return v0
}",
        );
        // A branch with both targets equal is a jump: nothing to fuse.
        assert_eq!(
            p[0],
            Pat::SetCond {
                c: Cmp {
                    kind: CmpKind::Cmp {
                        size: Size::S32,
                        cc: IntCC::SignedLessThan
                    },
                    a: Value::new(0),
                    b: Value::new(1)
                }
            }
        );
        let p = pats(
            "function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = icmp.slt v0, v1
    brif v2, block1, block2
block1:
    return v0
block2:
    return v1
}",
        );
        assert_eq!(p[0], Pat::Skip);
        assert!(matches!(p[1], Pat::CondBr { .. }), "{:?}", p[1]);
    }

    #[test]
    fn zero_extended_comparison_is_one_setcond() {
        // `i64.extend_i32_u (i64.lt_s ...)`: the compare's `setcc` and
        // `movzx` write the 64-bit result, with no `mov r32, r32` after.
        let p = pats(
            "function %f(i64, i64) -> i64 {
block0(v0: i64, v1: i64):
    v2 = icmp.slt v0, v1
    v3 = uext_i32.i64 v2
    return v3
}",
        );
        assert_eq!(p[0], Pat::Skip);
        assert!(matches!(p[1], Pat::SetCond { .. }), "{:?}", p[1]);
        // Of `eqz` too; not of any other i32 (its upper half is not known
        // to be zero), and not of a compare with a second use.
        let p = pats(
            "function %f(i32, i32) -> i64 {
block0(v0: i32, v1: i32):
    v2 = eqz.i32 v0
    v3 = uext_i32.i64 v2
    v4 = iadd.i32 v0, v1
    v5 = uext_i32.i64 v4
    v6 = icmp.eq v0, v1
    v7 = uext_i32.i64 v6
    v8 = iadd.i32 v6, v0
    v9 = iadd.i64 v3, v5
    v10 = iadd.i64 v9, v7
    return v10
}",
        );
        assert_eq!(p[0], Pat::Skip);
        assert!(matches!(p[1], Pat::SetCond { .. }), "{:?}", p[1]);
        assert!(!matches!(p[3], Pat::SetCond { .. }), "{:?}", p[3]);
        assert!(matches!(p[4], Pat::SetCond { .. }), "{:?}", p[4]);
        assert!(!matches!(p[5], Pat::SetCond { .. }), "{:?}", p[5]);
    }

    #[test]
    fn redefinition_or_second_use_blocks_fusion() {
        // v0 is reassigned between the compare and the branch.
        let p = pats(
            "function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = icmp.slt v0, v1
    v0 = copy.i32 v1
    brif v2, block1, block2
block1:
    return v0
block2:
    return v1
}",
        );
        assert!(matches!(p[0], Pat::SetCond { .. }), "{:?}", p[0]);
        assert_eq!(p[2], Pat::Default);
        // The compare's result has a second use.
        let p = pats(
            "function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = icmp.slt v0, v1
    brif v2, block1, block2
block1:
    return v2
block2:
    return v1
}",
        );
        assert!(matches!(p[0], Pat::SetCond { .. }));
        assert_eq!(p[1], Pat::Default);
        // The definition is in another block.
        let p = pats(
            "function %f(i64, i64) -> i64 {
block0(v0: i64, v1: i64):
    v2 = iadd.i64 v0, v1
    jump block1
block1:
    v3 = load.i64 vm v2+8
    return v3
}",
        );
        assert_eq!(p[0], Pat::Default);
        assert_eq!(p[2], Pat::Default);
    }

    #[test]
    fn constants_become_immediates() {
        // The constant has two uses, both absorbed: the iconst is dropped
        // (remaining 0), even though one use is in another block.
        let f = strata_ir::parser::parse_function(
            "function %f(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 5
    v2 = bxor.i32 v0, v1
    jump block1
block1:
    v3 = ishl.i32 v2, v1
    return v3
}",
        )
        .unwrap();
        let s = planned(&f);
        let v = |n| Value::new(n);
        assert_eq!(
            s.pats[1],
            Pat::AluImm {
                op: AluOp::Xor,
                a: v(0),
                imm: 5
            }
        );
        assert_eq!(
            s.pats[3],
            Pat::ShiftImm {
                op: ShiftOp::Shl,
                a: v(2),
                amt: 5
            }
        );
        assert_eq!(s.remaining[1], 0);
    }

    #[test]
    fn vm_address_folds_but_heap_does_not() {
        let p = pats(
            "function %f(i64, i64, i32) -> i64 {
block0(v0: i64, v1: i64, v2: i32):
    v3 = iconst.i64 3
    v4 = ishl.i64 v1, v3
    v5 = iadd.i64 v0, v4
    v6 = load.i64 vm v5+16
    v7 = iconst.i32 8
    v8 = iadd.i32 v2, v7
    v9 = load.i64 heap v8+0
    v10 = iadd.i64 v6, v9
    return v10
}",
        );
        let v = |n| Value::new(n);
        assert_eq!(p[1], Pat::Skip);
        assert_eq!(p[2], Pat::Skip);
        assert_eq!(
            p[3],
            Pat::VmAccess {
                am: Am {
                    base: Some(v(0)),
                    index: Some((v(1), 3)),
                    disp: 16
                }
            }
        );
        // i32 add of a constant: a lea of its own, never folded into the heap offset.
        assert!(matches!(p[5], Pat::Lea { .. }));
        // The heap load (address `v8`, offset 0) folds into the i64 add
        // that is its only use.
        assert_eq!(p[6], Pat::Skip);
        assert_eq!(
            p[7],
            Pat::AluMem {
                load: 6,
                swap: false
            }
        );
    }
}
