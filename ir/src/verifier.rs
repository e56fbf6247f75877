//! The IR verifier: checks the invariants every pass may rely on, in either
//! form (see the crate docs).
//!
//! Checks, in this order (the first failure is reported):
//! 1. **Structure**: the layout is non-empty and names distinct, existing
//!    blocks; every instruction, value, value list and jump table an
//!    instruction refers to exists; no instruction sits in two blocks.
//! 2. **Blocks**: the entry block's parameters match the signature; in
//!    non-SSA form no other block has parameters; every block in the layout
//!    ends with its only terminator.
//! 3. **Definitions**: every used value is defined somewhere; in SSA form
//!    each value is defined exactly once, and a use in the block of its
//!    definition comes after it.
//! 4. **Types and targets**, per instruction: operand and result types (see
//!    [`crate::InstData`]), branch targets in the layout, branch arguments
//!    matching the target's parameters, `br_table` with a non-empty table,
//!    `return` values matching the signature.
//! 5. **Dominance** (SSA form): a value used in another block than its
//!    definition's is defined in a block that dominates the user (every
//!    path from the entry to the use passes the definition). Uses in blocks
//!    the entry cannot reach are not checked: they never run.
//!
//! Everything is linear in the size of the function, but for the dominator
//! tree of step 5 (see [`crate::opt::domtree`]).

use std::fmt;

use crate::{
    AddrSpace, BinaryOp, Block, BlockCall, CallKind, Function, Inst, InstData, Type, UnaryOp,
    Value, ValueList,
};

/// Why a function is malformed, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierError {
    /// The offending instruction, if the problem is in one.
    pub inst: Option<Inst>,
    /// The block the problem is in, if any.
    pub block: Option<Block>,
    /// The offending instruction as printed (empty if there is none).
    pub inst_text: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for VerifierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(b) = self.block {
            write!(f, "{b}: ")?;
        }
        if let Some(i) = self.inst {
            write!(f, "{i} `{}`: ", self.inst_text)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for VerifierError {}

/// Verifies `func`; `ssa` selects the form it must be in.
pub fn verify(func: &Function, ssa: bool) -> Result<(), VerifierError> {
    let mut v = Verifier {
        func,
        ssa,
        in_layout: vec![false; func.blocks.len()],
        structure_ok: false,
    };
    v.structure()?;
    v.structure_ok = true;
    v.blocks()?;
    let def_block = v.definitions()?;
    v.instructions()?;
    if ssa {
        v.dominance(&def_block)?;
    }
    Ok(())
}

struct Verifier<'a> {
    func: &'a Function,
    ssa: bool,
    in_layout: Vec<bool>,
    /// Once set, instructions can be printed safely.
    structure_ok: bool,
}

const UNDEF: u32 = u32::MAX;

impl Verifier<'_> {
    fn error<T>(
        &self,
        block: Option<Block>,
        inst: Option<Inst>,
        message: impl Into<String>,
    ) -> Result<T, VerifierError> {
        let inst_text = match inst {
            Some(i) if self.structure_ok => self.func.display_inst(i),
            Some(i) => match self.func.insts.get(i.index()) {
                Some(d) => format!("{d:?}"),
                None => String::new(),
            },
            None => String::new(),
        };
        Err(VerifierError {
            inst,
            block,
            inst_text,
            message: message.into(),
        })
    }

    fn ty(&self, v: Value) -> Type {
        self.func.value_type(v)
    }

    // ---- 1. structure --------------------------------------------------

    fn structure(&mut self) -> Result<(), VerifierError> {
        let f = self.func;
        if f.layout.is_empty() {
            return self.error(None, None, "the function has no blocks (empty layout)");
        }
        let mut inst_seen = vec![false; f.insts.len()];
        let nvals = f.num_values();
        for &b in &f.layout {
            if b.index() >= f.blocks.len() {
                return self.error(Some(b), None, format!("{b} in the layout does not exist"));
            }
            if self.in_layout[b.index()] {
                return self.error(Some(b), None, format!("{b} appears twice in the layout"));
            }
            self.in_layout[b.index()] = true;
            for &p in &f.blocks[b.index()].params {
                if p.index() >= nvals {
                    return self.error(
                        Some(b),
                        None,
                        format!("parameter {p} out of range ({nvals} values)"),
                    );
                }
            }
            for &i in &f.blocks[b.index()].insts {
                if i.index() >= f.insts.len() {
                    return self.error(Some(b), None, format!("{i} does not exist"));
                }
                if inst_seen[i.index()] {
                    return self.error(Some(b), Some(i), format!("{i} appears in two places"));
                }
                inst_seen[i.index()] = true;
                self.inst_structure(b, i)?;
            }
        }
        Ok(())
    }

    fn list_ok(&self, l: ValueList) -> bool {
        l.start as usize + l.len as usize <= self.func.value_pool.len()
    }

    fn inst_structure(&self, b: Block, i: Inst) -> Result<(), VerifierError> {
        let f = self.func;
        let data = &f.insts[i.index()];
        let lists: [Option<ValueList>; 2] = match data {
            InstData::Call { args, results, .. } => [Some(*args), Some(*results)],
            InstData::Jump { dest } => [Some(dest.args), None],
            InstData::Brif {
                then_dest,
                else_dest,
                ..
            } => [Some(then_dest.args), Some(else_dest.args)],
            InstData::Return { args } => [Some(*args), None],
            _ => [None, None],
        };
        for l in lists.into_iter().flatten() {
            if !self.list_ok(l) {
                return self.error(Some(b), Some(i), "value list outside the value pool");
            }
        }
        if let InstData::BrTable { table, .. } = data
            && table.index() >= f.jump_tables.len()
        {
            return self.error(Some(b), Some(i), format!("{table} does not exist"));
        }
        let nvals = f.num_values();
        let mut bad = None;
        let mut check = |v: Value| {
            if v.index() >= nvals && bad.is_none() {
                bad = Some(v);
            }
        };
        f.for_each_use(i, &mut check);
        f.for_each_def(i, &mut check);
        if let Some(v) = bad {
            return self.error(
                Some(b),
                Some(i),
                format!("{v} out of range ({nvals} values)"),
            );
        }
        Ok(())
    }

    // ---- 2. blocks -----------------------------------------------------

    fn blocks(&self) -> Result<(), VerifierError> {
        let f = self.func;
        let entry = f.layout[0];
        let params = &f.blocks[entry.index()].params;
        let sig = &f.signature.params;
        if params.len() != sig.len() || params.iter().zip(sig).any(|(&p, &t)| self.ty(p) != t) {
            let have: Vec<&str> = params.iter().map(|&p| self.ty(p).name()).collect();
            let want: Vec<&str> = sig.iter().map(|t| t.name()).collect();
            return self.error(
                Some(entry),
                None,
                format!(
                    "entry block parameters ({}) do not match the signature ({})",
                    have.join(", "),
                    want.join(", ")
                ),
            );
        }
        for &b in &f.layout {
            let data = &f.blocks[b.index()];
            if !self.ssa && b != entry && !data.params.is_empty() {
                return self.error(
                    Some(b),
                    None,
                    "non-entry block has parameters in non-SSA form",
                );
            }
            let Some((&last, body)) = data.insts.split_last() else {
                return self.error(Some(b), None, "block is empty (no terminator)");
            };
            if let Some(&t) = body.iter().find(|&&i| f.insts[i.index()].is_terminator()) {
                return self.error(Some(b), Some(t), "terminator in the middle of the block");
            }
            if !f.insts[last.index()].is_terminator() {
                return self.error(Some(b), Some(last), "block does not end with a terminator");
            }
        }
        Ok(())
    }

    // ---- 3. definitions ------------------------------------------------

    /// Returns each value's defining block (`UNDEF` for none).
    fn definitions(&self) -> Result<Vec<u32>, VerifierError> {
        let f = self.func;
        // For each value: the block of its (first) definition and the
        // position there (0 for block parameters, instruction index + 1).
        let mut def_block = vec![UNDEF; f.num_values()];
        let mut def_pos = vec![0u32; f.num_values()];
        for &b in &f.layout {
            let data = &f.blocks[b.index()];
            for &p in &data.params {
                if self.ssa && def_block[p.index()] != UNDEF {
                    return self.error(Some(b), None, format!("{p} is defined more than once"));
                }
                def_block[p.index()] = b.0;
                def_pos[p.index()] = 0;
            }
            for (pos, &i) in data.insts.iter().enumerate() {
                let mut dup = None;
                f.for_each_def(i, |v| {
                    if def_block[v.index()] != UNDEF {
                        if self.ssa && dup.is_none() {
                            dup = Some(v);
                        }
                        return;
                    }
                    def_block[v.index()] = b.0;
                    def_pos[v.index()] = pos as u32 + 1;
                });
                if let Some(v) = dup {
                    return self.error(Some(b), Some(i), format!("{v} is defined more than once"));
                }
            }
        }
        for &b in &f.layout {
            for (pos, &i) in f.blocks[b.index()].insts.iter().enumerate() {
                let mut problem = None;
                f.for_each_use(i, |v| {
                    if problem.is_some() {
                        return;
                    }
                    if def_block[v.index()] == UNDEF {
                        problem = Some(format!("{v} is used but never defined"));
                    } else if self.ssa
                        && def_block[v.index()] == b.0
                        && def_pos[v.index()] > pos as u32
                    {
                        problem = Some(format!("{v} is used before its definition"));
                    }
                });
                if let Some(m) = problem {
                    return self.error(Some(b), Some(i), m);
                }
            }
        }
        Ok(def_block)
    }

    // ---- 5. dominance --------------------------------------------------

    fn dominance(&self, def_block: &[u32]) -> Result<(), VerifierError> {
        let f = self.func;
        let dt = crate::opt::domtree::DomTree::compute(f);
        for &b in &f.layout {
            if !dt.is_reachable(b) {
                continue;
            }
            for &i in &f.blocks[b.index()].insts {
                let mut problem = None;
                f.for_each_use(i, |v| {
                    let d = Block(def_block[v.index()]);
                    if problem.is_none() && d != b && !dt.dominates(d, b) {
                        problem = Some(format!(
                            "{v} is used here but defined in {d}, which does not dominate {b}"
                        ));
                    }
                });
                if let Some(m) = problem {
                    return self.error(Some(b), Some(i), m);
                }
            }
        }
        Ok(())
    }

    // ---- 4. per-instruction checks -------------------------------------

    fn instructions(&self) -> Result<(), VerifierError> {
        for &b in &self.func.layout {
            for &i in &self.func.blocks[b.index()].insts {
                if let Err(m) = self.inst(i) {
                    return self.error(Some(b), Some(i), m);
                }
            }
        }
        Ok(())
    }

    fn expect(&self, v: Value, want: Type, what: &str) -> Result<(), String> {
        let t = self.ty(v);
        if t == want {
            Ok(())
        } else {
            Err(format!("{what} {v} has type {t}, expected {want}"))
        }
    }

    fn addr(&self, space: AddrSpace, addr: Value) -> Result<(), String> {
        let want = match space {
            AddrSpace::Heap => Type::I32,
            AddrSpace::Vm => Type::I64,
        };
        self.expect(addr, want, &format!("{} address", space.name()))
    }

    fn block_call(&self, bc: &BlockCall) -> Result<(), String> {
        let f = self.func;
        let b = bc.block;
        if !self.in_layout.get(b.index()).copied().unwrap_or(false) {
            return Err(format!("branch target {b} is not in the layout"));
        }
        let args = f.values(bc.args);
        let params = &f.blocks[b.index()].params;
        if args.len() != params.len() {
            return Err(format!(
                "branch to {b} passes {} arguments, but {b} has {} parameters",
                args.len(),
                params.len()
            ));
        }
        for (&a, &p) in args.iter().zip(params) {
            if self.ty(a) != self.ty(p) {
                return Err(format!(
                    "branch argument {a} has type {}, but parameter {p} of {b} has type {}",
                    self.ty(a),
                    self.ty(p)
                ));
            }
        }
        Ok(())
    }

    fn inst(&self, i: Inst) -> Result<(), String> {
        let f = self.func;
        match &f.insts[i.index()] {
            InstData::Iconst { dst, .. } => {
                if !self.ty(*dst).is_int() {
                    return Err(format!("iconst result {dst} is not an integer"));
                }
            }
            InstData::Fconst { dst, .. } => {
                if !self.ty(*dst).is_float() {
                    return Err(format!("fconst result {dst} is not a float"));
                }
            }
            InstData::Unary { op, dst, arg } => self.unary(*op, self.ty(*dst), self.ty(*arg))?,
            InstData::Binary { op, dst, lhs, rhs } => {
                let t = self.ty(*dst);
                self.expect(*lhs, t, "left operand")?;
                self.expect(*rhs, t, "right operand")?;
                let int_op = !matches!(
                    op,
                    BinaryOp::Fadd
                        | BinaryOp::Fsub
                        | BinaryOp::Fmul
                        | BinaryOp::Fdiv
                        | BinaryOp::Fmin
                        | BinaryOp::Fmax
                        | BinaryOp::Fcopysign
                );
                if int_op != t.is_int() {
                    let kind = if int_op { "an integer" } else { "a float" };
                    return Err(format!("{} is {kind} operation, applied to {t}", op.name()));
                }
            }
            InstData::Icmp { dst, lhs, rhs, .. } => {
                self.expect(*dst, Type::I32, "icmp result")?;
                let t = self.ty(*lhs);
                if !t.is_int() {
                    return Err(format!(
                        "icmp operand {lhs} has type {t}, expected an integer"
                    ));
                }
                self.expect(*rhs, t, "right operand")?;
            }
            InstData::Fcmp { dst, lhs, rhs, .. } => {
                self.expect(*dst, Type::I32, "fcmp result")?;
                let t = self.ty(*lhs);
                if !t.is_float() {
                    return Err(format!("fcmp operand {lhs} has type {t}, expected a float"));
                }
                self.expect(*rhs, t, "right operand")?;
            }
            InstData::Select {
                dst,
                cond,
                if_true,
                if_false,
            } => {
                self.expect(*cond, Type::I32, "select condition")?;
                let t = self.ty(*dst);
                self.expect(*if_true, t, "select operand")?;
                self.expect(*if_false, t, "select operand")?;
            }
            InstData::Copy { dst, src } => self.expect(*src, self.ty(*dst), "copy source")?,
            InstData::Vmctx { dst } => self.expect(*dst, Type::I64, "vmctx result")?,
            InstData::Load {
                op,
                space,
                dst,
                addr,
                ..
            } => {
                self.addr(*space, *addr)?;
                self.expect(*dst, op.result_type(), &format!("{} result", op.name()))?;
            }
            InstData::Store {
                op,
                space,
                addr,
                value,
                ..
            } => {
                self.addr(*space, *addr)?;
                self.expect(*value, op.value_type(), &format!("{} value", op.name()))?;
            }
            InstData::Call {
                kind,
                args,
                results,
            } => {
                if matches!(kind, CallKind::TierCheck { .. }) && !f.values(*results).is_empty() {
                    return Err("a tier check has no results".to_string());
                }
                if let CallKind::Indirect = kind {
                    let args = f.values(*args);
                    if args.len() < 2 {
                        return Err(
                            "an indirect call needs a code pointer and a VMContext".to_string()
                        );
                    }
                    self.expect(args[0], Type::I64, "code pointer")?;
                    self.expect(args[1], Type::I64, "callee VMContext")?;
                }
            }
            InstData::Jump { dest } => self.block_call(dest)?,
            InstData::Brif {
                cond,
                then_dest,
                else_dest,
            } => {
                self.expect(*cond, Type::I32, "branch condition")?;
                self.block_call(then_dest)?;
                self.block_call(else_dest)?;
            }
            InstData::BrTable { index, table } => {
                self.expect(*index, Type::I32, "br_table index")?;
                let targets = &f.jump_tables[table.index()];
                if targets.is_empty() {
                    return Err(format!("{table} is empty (it needs a default)"));
                }
                for &t in targets {
                    self.block_call(&BlockCall::new(t))?;
                }
            }
            InstData::Return { args } => {
                let args = f.values(*args);
                let want = &f.signature.results;
                if args.len() != want.len() {
                    return Err(format!(
                        "returns {} values, the signature has {} results",
                        args.len(),
                        want.len()
                    ));
                }
                for (&a, &t) in args.iter().zip(want) {
                    self.expect(a, t, "returned value")?;
                }
            }
            InstData::Trap { .. } => {}
            InstData::TrapIf { cond, .. } => self.expect(*cond, Type::I32, "trap condition")?,
        }
        Ok(())
    }

    fn unary(&self, op: UnaryOp, dst: Type, arg: Type) -> Result<(), String> {
        use Type::{F32, F64, I32, I64};
        use UnaryOp as U;
        let ok = match op {
            U::Clz | U::Ctz | U::Popcnt | U::Sext8 | U::Sext16 => dst.is_int() && arg == dst,
            U::Eqz => arg.is_int() && dst == I32,
            U::Fneg | U::Fabs | U::Fsqrt | U::Fceil | U::Ffloor | U::Ftrunc | U::Fnearest => {
                dst.is_float() && arg == dst
            }
            U::SextI32 | U::UextI32 => arg == I32 && dst == I64,
            U::Wrap => arg == I64 && dst == I32,
            U::Sext32 => arg == I64 && dst == I64,
            U::TruncS | U::TruncU | U::TruncSatS | U::TruncSatU => arg.is_float() && dst.is_int(),
            U::ConvertS | U::ConvertU => arg.is_int() && dst.is_float(),
            U::Promote => arg == F32 && dst == F64,
            U::Demote => arg == F64 && dst == F32,
            U::Reinterpret => arg.bytes() == dst.bytes() && arg.is_int() != dst.is_int(),
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "{} from {arg} to {dst} is not a valid combination of types",
                op.name()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse_function;
    use crate::{BlockCall, LoadOp, TrapCode};

    const VALID: &str = "\
function %sum(i32, i64) -> i32 {
block0(v0: i32, v1: i64):
    v2 = iconst.i32 0
    v3 = vmctx
    v4 = load.i64 vm v3+16
    store.f64 heap v0+8, v5
    v5 = fconst.f64 0x0
    jump block1
block1:
    v2 = iadd.i32 v2, v0
    v6 = wrap.i32 v1
    v7 = icmp.slt v2, v6
    trapif v7, int_ovf
    v8: i32 = call indirect (v4, v3, v2)
    v9 = select.i32 v7, v8, v2
    brif v7, block1, block2
block2:
    br_table v9, [block3, block1]
block3:
    return v9
}
";

    /// Parses `text` and returns the verifier's complaint.
    fn reject(text: &str, ssa: bool) -> VerifierError {
        let f = parse_function(text).unwrap_or_else(|e| panic!("{e}"));
        verify(&f, ssa).expect_err(text)
    }

    /// `VALID` with `from` replaced by `to`, rejected with `msg`.
    fn mutant(from: &str, to: &str, msg: &str) -> VerifierError {
        assert!(VALID.contains(from), "{from}");
        let e = reject(&VALID.replacen(from, to, 1), false);
        assert!(
            e.message.contains(msg),
            "{from} -> {to}: got `{e}`, expected `{msg}`"
        );
        e
    }

    fn ssa_fn() -> Function {
        parse_function(
            "function %f(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 1
    brif v0, block1(v1), block2
block1(v2: i32):
    v3 = iadd.i32 v2, v0
    return v3
block2:
    return v1
}",
        )
        .unwrap()
    }

    #[test]
    fn valid_functions_pass() {
        let f = parse_function(VALID).unwrap();
        verify(&f, false).unwrap();
        // v2 is assigned twice and v5 used before its definition.
        assert!(verify(&f, true).is_err());
        verify(&ssa_fn(), true).unwrap();
    }

    #[test]
    fn entry_params_must_match_signature() {
        mutant(
            "block0(v0: i32, v1: i64):",
            "block0(v0: i32, v1: i32):",
            "do not match the signature",
        );
        let e = mutant(
            "%sum(i32, i64)",
            "%sum(i32)",
            "entry block parameters (i32, i64) do not match the signature (i32)",
        );
        assert_eq!(e.block, Some(Block(0)));
    }

    #[test]
    fn blocks_end_with_exactly_one_terminator() {
        let e = mutant(
            "    return v9\n",
            "    v10 = copy.i32 v9\n",
            "does not end with a terminator",
        );
        assert_eq!(e.block, Some(Block(3)));
        assert_eq!(e.inst_text, "v10 = copy.i32 v9");
        assert!(e.to_string().starts_with("block3: inst"), "{e}");
        let e = mutant(
            "    trapif v7, int_ovf\n",
            "    trap int_ovf\n",
            "terminator in the middle",
        );
        assert_eq!(e.inst_text, "trap int_ovf");
        mutant("block3:\n    return v9\n", "block3:\n", "block is empty");
    }

    #[test]
    fn branch_targets_must_be_in_the_layout() {
        mutant(
            "    jump block1\n",
            "    jump block7\n",
            "branch target block7 is not in the layout",
        );
        mutant(
            "[block3, block1]",
            "[block3, block5]",
            "block5 is not in the layout",
        );
        mutant("[block3, block1]", "[]", "jt0 is empty");
        let mut f = parse_function(VALID).unwrap();
        f.layout.push(Block(2));
        assert!(
            verify(&f, false)
                .unwrap_err()
                .message
                .contains("appears twice in the layout")
        );
        f.layout.clear();
        assert!(verify(&f, false).unwrap_err().message.contains("no blocks"));
        f.layout.push(Block(40));
        assert!(
            verify(&f, false)
                .unwrap_err()
                .message
                .contains("block40 in the layout does not exist")
        );
    }

    #[test]
    fn block_calls_match_parameters() {
        let text = ssa_fn().to_string();
        let e = reject(&text.replace("block1(v1)", "block1"), true);
        assert!(
            e.message
                .contains("passes 0 arguments, but block1 has 1 parameters"),
            "{e}"
        );
        let e = reject(
            &text
                .replace("block1(v2: i32)", "block1(v2: i64)")
                .replace("iadd.i32 v2", "iadd.i32 v1"),
            true,
        );
        assert!(
            e.message.contains(
                "branch argument v1 has type i32, but parameter v2 of block1 has type i64"
            ),
            "{e}"
        );
        // Non-SSA form has no block parameters but the entry's.
        let e = verify(&ssa_fn(), false).unwrap_err();
        assert!(e.message.contains("non-entry block has parameters"), "{e}");
        assert_eq!(e.block, Some(Block(1)));
    }

    #[test]
    fn operand_types_are_checked() {
        mutant(
            "iadd.i32 v2, v0",
            "iadd.i32 v2, v1",
            "right operand v1 has type i64, expected i32",
        );
        // The store that uses v5 comes first in the layout.
        mutant(
            "v5 = fconst.f64 0x0",
            "v5 = fconst.i64 0x0",
            "store.f64 value v5 has type i64",
        );
        let text = "function %f() -> i32 {\nblock0:\n    v0 = fconst.i32 0x0\n    return v0\n}";
        assert!(
            reject(text, true)
                .message
                .contains("fconst result v0 is not a float")
        );
        let text = "function %f() -> f32 {\nblock0:\n    v0 = iconst.f32 0\n    return v0\n}";
        assert!(
            reject(text, true)
                .message
                .contains("iconst result v0 is not an integer")
        );
        mutant(
            "v6 = wrap.i32 v1",
            "v6 = wrap.i32 v0",
            "wrap from i32 to i32 is not a valid combination",
        );
        mutant(
            "v7 = icmp.slt v2, v6",
            "v7 = icmp.slt v2, v1",
            "right operand v1 has type i64",
        );
        mutant(
            "v9 = select.i32 v7, v8, v2",
            "v9 = select.i32 v1, v8, v2",
            "select condition v1 has type i64",
        );
        mutant(
            "v9 = select.i32 v7, v8, v2",
            "v9 = select.i32 v7, v4, v2",
            "select operand v4 has type i64",
        );
        mutant(
            "v8: i32 = call indirect (v4, v3, v2)",
            "v8: i32 = call indirect (v2)",
            "needs a code pointer",
        );
    }

    #[test]
    fn int_and_float_operations_do_not_mix() {
        let text = "function %f(f64) -> f64 {
block0(v0: f64):
    v1 = iadd.f64 v0, v0
    return v1
}";
        assert!(
            reject(text, true)
                .message
                .contains("iadd is an integer operation, applied to f64")
        );
        let text = text.replace("iadd", "fmin").replace("f64", "i32");
        assert!(
            reject(&text, true)
                .message
                .contains("fmin is a float operation, applied to i32")
        );
        let text = "function %f(f64) -> i32 {
block0(v0: f64):
    v1 = icmp.eq v0, v0
    return v1
}";
        assert!(
            reject(text, true)
                .message
                .contains("icmp operand v0 has type f64")
        );
        let text = text.replace("icmp", "fcmp").replace("f64", "i32");
        assert!(
            reject(&text, true)
                .message
                .contains("fcmp operand v0 has type i32")
        );
        let text = "function %f(f64) -> i64 {
block0(v0: f64):
    v1 = reinterpret.i64 v0
    v2 = reinterpret.i32 v0
    return v1
}";
        assert!(
            reject(text, true)
                .message
                .contains("reinterpret from f64 to i32")
        );
    }

    #[test]
    fn memory_accesses_are_typed() {
        mutant(
            "store.f64 heap v0+8",
            "store.f64 heap v1+8",
            "heap address v1 has type i64, expected i32",
        );
        mutant(
            "load.i64 vm v3+16",
            "load.i64 vm v0+16",
            "vm address v0 has type i32, expected i64",
        );
        mutant(
            "store.f64 heap v0+8, v5",
            "store.f32 heap v0+8, v5",
            "store.f32 value v5 has type f64",
        );
        // A load whose result has another type (the parser cannot write it).
        let mut f = parse_function(VALID).unwrap();
        let i = f.blocks[0].insts[2];
        if let InstData::Load { op, .. } = &mut f.insts[i.index()] {
            *op = LoadOp::I32;
        }
        let e = verify(&f, false).unwrap_err();
        assert!(
            e.message
                .contains("load.i32 result v4 has type i64, expected i32"),
            "{e}"
        );
        assert_eq!(e.inst, Some(i));
    }

    #[test]
    fn conditions_and_indices_are_i32() {
        mutant("brif v7,", "brif v1,", "branch condition v1 has type i64");
        mutant("trapif v7,", "trapif v5,", "trap condition v5 has type f64");
        mutant(
            "br_table v9,",
            "br_table v4,",
            "br_table index v4 has type i64",
        );
    }

    #[test]
    fn returns_match_the_signature() {
        mutant(
            "return v9",
            "return",
            "returns 0 values, the signature has 1 results",
        );
        mutant(
            "return v9",
            "return v4",
            "returned value v4 has type i64, expected i32",
        );
    }

    #[test]
    fn values_must_exist_and_be_defined() {
        let mut f = parse_function(VALID).unwrap();
        let i = f.blocks[3].insts[0];
        let args = f.make_value_list(&[Value(99)]);
        f.insts[i.index()] = InstData::Return { args };
        let e = verify(&f, false).unwrap_err();
        assert!(e.message.contains("v99 out of range (10 values)"), "{e}");
        // Printing needs valid values, so the text is the debug form.
        assert!(e.inst_text.contains("Return"), "{e}");

        let mut f = parse_function(VALID).unwrap();
        let v = f.new_value(Type::I32);
        let args = f.make_value_list(&[v]);
        f.insts[i.index()] = InstData::Return { args };
        let e = verify(&f, false).unwrap_err();
        assert!(e.message.contains("v10 is used but never defined"), "{e}");

        let mut f = parse_function(VALID).unwrap();
        f.insts[i.index()] = InstData::Return {
            args: crate::ValueList {
                start: 1000,
                len: 2,
            },
        };
        assert!(
            verify(&f, false)
                .unwrap_err()
                .message
                .contains("outside the value pool")
        );

        let mut f = parse_function(VALID).unwrap();
        let first = f.blocks[0].insts[0];
        f.blocks[3].insts.insert(0, first);
        assert!(
            verify(&f, false)
                .unwrap_err()
                .message
                .contains("appears in two places")
        );
    }

    /// The shape of the OSR bug of 89bb626: a value defined in one arm
    /// (here a block parameter of `block1`) used where the other arm
    /// comes too.
    #[test]
    fn ssa_uses_are_dominated_by_their_definitions() {
        let join = "function %f(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 1
    brif v0, block1(v1), block2
block1(v2: i32):
    jump block3
block2:
    jump block3
block3:
    v3 = iadd.i32 v2, v0
    return v3
}";
        let e = reject(join, true);
        assert!(
            e.message
                .contains("v2 is used here but defined in block1, which does not dominate block3"),
            "{e}"
        );
        assert_eq!(e.inst_text, "v3 = iadd.i32 v2, v0");
        // Used where its block dominates: accepted; in a block the entry
        // cannot reach, a use never runs and is not checked.
        let dominated = join.replace("block2:\n    jump block3", "block2:\n    return v0");
        verify(&parse_function(&dominated).unwrap(), true).unwrap();
        let unreachable = join.replace("brif v0, block1(v1), block2", "return v1");
        verify(&parse_function(&unreachable).unwrap(), true).unwrap();
    }

    #[test]
    fn ssa_values_are_defined_once_before_use() {
        let text = ssa_fn().to_string();
        let e = reject(
            &text
                .replace("v3 = iadd.i32 v2, v0", "v1 = iadd.i32 v2, v0")
                .replace("return v3", "return v1"),
            true,
        );
        assert!(e.message.contains("v1 is defined more than once"), "{e}");
        let e = reject(
            &text.replace(
                "v1 = iconst.i32 1",
                "v1 = iconst.i32 1\n    v4 = iadd.i32 v5, v1\n    v5 = iconst.i32 2",
            ),
            true,
        );
        assert!(
            e.message.contains("v5 is used before its definition"),
            "{e}"
        );
        assert_eq!(e.inst_text, "v4 = iadd.i32 v5, v1");
        let e = reject(
            &text.replace("v1 = iconst.i32 1", "v1 = iadd.i32 v1, v0"),
            true,
        );
        assert!(
            e.message.contains("v1 is used before its definition"),
            "{e}"
        );
        // A block parameter redefined by an instruction.
        let e = reject(
            &text
                .replace("v3 = iadd.i32 v2, v0", "v2 = iadd.i32 v2, v0")
                .replace("return v3", "return v2"),
            true,
        );
        assert!(e.message.contains("v2 is defined more than once"), "{e}");
    }

    #[test]
    fn programmatic_function_with_trap() {
        let mut f = Function::new();
        let b = f.new_block();
        f.append_block_to_layout(b);
        f.append_inst(
            b,
            InstData::Trap {
                code: TrapCode::Unreachable,
            },
            0,
        );
        verify(&f, true).unwrap();
        let b2 = f.new_block();
        f.append_inst(
            b,
            InstData::Jump {
                dest: BlockCall::new(b2),
            },
            0,
        );
        assert!(
            verify(&f, true)
                .unwrap_err()
                .message
                .contains("terminator in the middle")
        );
    }
}
