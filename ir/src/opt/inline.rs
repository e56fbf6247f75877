//! Inlining of small direct callees.
//!
//! **Requires**: caller and callees in SSA form.
//! **Invalidates**: the caller's CFG, dominator tree and loop analysis
//! (blocks are split and added). The callees are only read.
//!
//! [`inline_calls`] replaces each `call direct(slot)` of the caller whose
//! callee (given by the `lookup` the module supplies) is small enough and
//! fits the growth budget by a copy of the callee's body:
//!
//! 1. the caller's block is split after the call: the instructions after it
//!    move to a new continuation block whose parameters are the call's
//!    result values (so their uses need no renaming);
//! 2. the call becomes `jump` to the copy of the callee's entry block,
//!    passing the call's arguments as its parameters;
//! 3. every callee block is copied with fresh values, blocks and jump
//!    tables; each `return vals` becomes `jump continuation(vals)`.
//!
//! Copied instructions get the call's source location, so a trap inside an
//! inlined body is reported at the call site. `vmctx` is copied as is: a
//! direct callee runs in the caller's instance. A copied block's loop depth
//! is the call block's plus its own in the callee. Calls inside the inlined
//! bodies are not inlined in turn (run the function again for another
//! level), which bounds the work and rules out unbounded recursion; a callee
//! with the caller's own (non-empty) name is never inlined, nor is one whose
//! signature does not match the call's argument and result types.
//!
//! The new blocks follow the call's block in the layout, continuation last.
//! Cost: linear in the caller plus the inlined code.

use crate::{Block, BlockCall, CallKind, Function, Inst, InstData, Value, ValueList};

/// Size limits for inlining.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InlineBudget {
    /// Callees with more instructions than this are not inlined.
    pub max_callee_insts: usize,
    /// The most instructions inlining may add to one caller in total.
    pub max_growth: usize,
}

impl Default for InlineBudget {
    fn default() -> Self {
        InlineBudget {
            max_callee_insts: 30,
            max_growth: 400,
        }
    }
}

/// The number of instructions in `func`'s layout.
pub fn inst_count(func: &Function) -> usize {
    func.layout
        .iter()
        .map(|b| func.blocks[b.index()].insts.len())
        .sum()
}

/// Whether the call `inst` of `caller` may be replaced by `callee`'s body.
fn compatible(caller: &Function, inst: Inst, callee: &Function) -> bool {
    let InstData::Call { args, results, .. } = &caller.insts[inst.index()] else {
        return false;
    };
    let Some(entry) = callee.entry_block() else {
        return false;
    };
    if !caller.name.is_empty() && caller.name == callee.name {
        return false;
    }
    let args = caller.values(*args);
    let results = caller.values(*results);
    let params = &callee.blocks[entry.index()].params;
    params.len() == args.len()
        && params
            .iter()
            .zip(args)
            .all(|(&p, &a)| callee.value_type(p) == caller.value_type(a))
        && callee.signature.results.len() == results.len()
        && callee
            .signature
            .results
            .iter()
            .zip(results)
            .all(|(&t, &r)| caller.value_type(r) == t)
}

/// Maps callee entities to fresh caller entities.
struct Copier<'c> {
    callee: &'c Function,
    vmap: Vec<Option<Value>>,
    bmap: Vec<Option<Block>>,
    cont: Block,
}

impl Copier<'_> {
    fn val(&mut self, caller: &mut Function, v: Value) -> Value {
        if let Some(n) = self.vmap[v.index()] {
            return n;
        }
        let n = caller.new_value(self.callee.value_type(v));
        self.vmap[v.index()] = Some(n);
        n
    }

    fn list(&mut self, caller: &mut Function, l: ValueList) -> ValueList {
        let vals: Vec<Value> = self
            .callee
            .values(l)
            .iter()
            .map(|&v| self.val(caller, v))
            .collect();
        caller.make_value_list(&vals)
    }

    fn block(&self, b: Block) -> Block {
        self.bmap[b.index()].expect("branch targets are in the callee's layout")
    }

    fn block_call(&mut self, caller: &mut Function, bc: &BlockCall) -> BlockCall {
        BlockCall {
            block: self.block(bc.block),
            args: self.list(caller, bc.args),
        }
    }

    fn inst(&mut self, caller: &mut Function, data: &InstData) -> InstData {
        let mut m = |v: Value| self.val(caller, v);
        match *data {
            InstData::Iconst { dst, imm } => InstData::Iconst { dst: m(dst), imm },
            InstData::Fconst { dst, bits } => InstData::Fconst { dst: m(dst), bits },
            InstData::Unary { op, dst, arg } => InstData::Unary {
                op,
                arg: m(arg),
                dst: m(dst),
            },
            InstData::Binary { op, dst, lhs, rhs } => InstData::Binary {
                op,
                lhs: m(lhs),
                rhs: m(rhs),
                dst: m(dst),
            },
            InstData::Icmp { cc, dst, lhs, rhs } => InstData::Icmp {
                cc,
                lhs: m(lhs),
                rhs: m(rhs),
                dst: m(dst),
            },
            InstData::Fcmp { cc, dst, lhs, rhs } => InstData::Fcmp {
                cc,
                lhs: m(lhs),
                rhs: m(rhs),
                dst: m(dst),
            },
            InstData::Select {
                dst,
                cond,
                if_true,
                if_false,
            } => InstData::Select {
                cond: m(cond),
                if_true: m(if_true),
                if_false: m(if_false),
                dst: m(dst),
            },
            InstData::Copy { dst, src } => InstData::Copy {
                src: m(src),
                dst: m(dst),
            },
            InstData::Vmctx { dst } => InstData::Vmctx { dst: m(dst) },
            InstData::Load {
                op,
                space,
                dst,
                addr,
                offset,
            } => InstData::Load {
                op,
                space,
                addr: m(addr),
                dst: m(dst),
                offset,
            },
            InstData::Store {
                op,
                space,
                addr,
                value,
                offset,
            } => InstData::Store {
                op,
                space,
                addr: m(addr),
                value: m(value),
                offset,
            },
            InstData::Call {
                kind,
                args,
                results,
            } => InstData::Call {
                kind,
                args: self.list(caller, args),
                results: self.list(caller, results),
            },
            InstData::Jump { dest } => InstData::Jump {
                dest: self.block_call(caller, &dest),
            },
            InstData::Brif {
                cond,
                then_dest,
                else_dest,
            } => InstData::Brif {
                cond: m(cond),
                then_dest: self.block_call(caller, &then_dest),
                else_dest: self.block_call(caller, &else_dest),
            },
            InstData::BrTable { index, table } => {
                let index = m(index);
                let targets: Vec<Block> = self.callee.jump_tables[table.index()]
                    .iter()
                    .map(|&b| self.block(b))
                    .collect();
                InstData::BrTable {
                    index,
                    table: caller.make_jump_table(targets),
                }
            }
            InstData::Return { args } => InstData::Jump {
                dest: BlockCall {
                    block: self.cont,
                    args: self.list(caller, args),
                },
            },
            InstData::Trap { code } => InstData::Trap { code },
            InstData::TrapIf { cond, code } => InstData::TrapIf {
                cond: m(cond),
                code,
            },
        }
    }
}

/// Copies `callee`'s blocks into `caller` (returns them in the callee's
/// layout order, entry first), returning into `cont`.
fn copy_body(
    caller: &mut Function,
    callee: &Function,
    cont: Block,
    srcloc: u32,
    depth: u32,
) -> Vec<Block> {
    let mut c = Copier {
        callee,
        vmap: vec![None; callee.num_values()],
        bmap: vec![None; callee.blocks.len()],
        cont,
    };
    let new_blocks: Vec<Block> = callee
        .layout
        .iter()
        .map(|&b| {
            let nb = caller.new_block();
            c.bmap[b.index()] = Some(nb);
            nb
        })
        .collect();
    for (&b, &nb) in callee.layout.iter().zip(&new_blocks) {
        let data = &callee.blocks[b.index()];
        let params: Vec<Value> = data.params.iter().map(|&p| c.val(caller, p)).collect();
        caller.blocks[nb.index()].params = params;
        caller.blocks[nb.index()].loop_depth = depth + data.loop_depth;
        for &i in &data.insts {
            let new = c.inst(caller, &callee.insts[i.index()]);
            caller.append_inst(nb, new, srcloc);
        }
    }
    new_blocks
}

/// Inlines the small direct callees of `caller` (see the module docs);
/// `lookup` maps a call's kind to the callee's SSA body, or `None` to keep
/// the call. Returns whether anything was inlined.
pub fn inline_calls<'f>(
    caller: &mut Function,
    lookup: &dyn Fn(CallKind) -> Option<&'f Function>,
    budget: &InlineBudget,
) -> bool {
    let original = caller.layout.clone();
    let mut after: Vec<Vec<Block>> = vec![Vec::new(); caller.blocks.len()];
    let mut growth = 0usize;
    let mut changed = false;
    for &b0 in &original {
        let mut cur = b0;
        let mut start = 0;
        loop {
            let insts = &caller.blocks[cur.index()].insts;
            let found = (start..insts.len()).find_map(|k| {
                let i = insts[k];
                let InstData::Call { kind, .. } = caller.insts[i.index()] else {
                    return None;
                };
                if !matches!(kind, CallKind::Direct { .. }) {
                    return None;
                }
                let callee = lookup(kind)?;
                let size = inst_count(callee);
                (size <= budget.max_callee_insts
                    && growth + size <= budget.max_growth
                    && compatible(caller, i, callee))
                .then_some((k, callee, size))
            });
            let Some((k, callee, size)) = found else {
                break;
            };
            growth += size;
            changed = true;
            let call = caller.blocks[cur.index()].insts[k];
            let InstData::Call { args, results, .. } = caller.insts[call.index()] else {
                unreachable!("found a call");
            };
            let srcloc = caller.srclocs[call.index()];
            let depth = caller.blocks[cur.index()].loop_depth;
            // Split: the tail moves to the continuation.
            let cont = caller.new_block();
            let tail = caller.blocks[cur.index()].insts.split_off(k + 1);
            caller.blocks[cont.index()].insts = tail;
            caller.blocks[cont.index()].params = caller.values(results).to_vec();
            caller.blocks[cont.index()].loop_depth = depth;
            let body = copy_body(caller, callee, cont, srcloc, depth);
            // The call becomes a jump into the copied entry.
            caller.insts[call.index()] = InstData::Jump {
                dest: BlockCall {
                    block: body[0],
                    args,
                },
            };
            after[b0.index()].extend(body);
            after[b0.index()].push(cont);
            cur = cont;
            start = 0;
        }
    }
    if changed {
        let mut layout = Vec::with_capacity(caller.blocks.len());
        for &b in &original {
            layout.push(b);
            layout.append(&mut after[b.index()]);
        }
        caller.layout = layout;
    }
    changed
}
