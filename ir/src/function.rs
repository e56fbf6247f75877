//! The function container: values, blocks in layout order, instructions.

use crate::{Block, Inst, InstData, JumpTable, Type, Value, ValueList};

/// A function signature.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Signature {
    /// Parameter types.
    pub params: Vec<Type>,
    /// Result types.
    pub results: Vec<Type>,
}

/// A branch target with its arguments (empty in non-SSA form).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BlockCall {
    /// The target block.
    pub block: Block,
    /// Arguments for the target's parameters.
    pub args: ValueList,
}

impl BlockCall {
    /// A target without arguments.
    pub const fn new(block: Block) -> Self {
        BlockCall {
            block,
            args: ValueList::EMPTY,
        }
    }
}

/// A block: parameters and instructions in order.
#[derive(Clone, Debug, Default)]
pub struct BlockData {
    /// Block parameters (for the entry block: the function's parameters).
    pub params: Vec<Value>,
    /// The instructions, in order; the last is a terminator once complete.
    pub insts: Vec<Inst>,
    /// Loop nesting depth (0 outside loops), a hint for the allocator.
    pub loop_depth: u32,
}

/// A function in either form (see the crate docs).
///
/// All arenas are plain `Vec`s so that a `Function` can be [`cleared`] and
/// reused for the next function without giving back its memory.
///
/// [`cleared`]: Function::clear
#[derive(Clone, Debug, Default)]
pub struct Function {
    /// A name for printing (`%name`).
    pub name: String,
    /// The signature.
    pub signature: Signature,
    /// The type of each value.
    pub value_types: Vec<Type>,
    /// Blocks, indexed by [`Block`].
    pub blocks: Vec<BlockData>,
    /// Layout: the order in which blocks are emitted. The first is the entry.
    pub layout: Vec<Block>,
    /// Instructions, indexed by [`Inst`].
    pub insts: Vec<InstData>,
    /// The Wasm bytecode offset each instruction came from.
    pub srclocs: Vec<u32>,
    /// The pool that [`ValueList`]s index.
    pub value_pool: Vec<Value>,
    /// Jump tables of `br_table`s; the last entry of each is the default.
    pub jump_tables: Vec<Vec<Block>>,
    /// Unsigned upper bounds of i32 values, by value, of the result their
    /// definition computes without wrapping (so it does not wrap), that hold
    /// wherever the value is used: facts an analysis proved (`opt::range`,
    /// for the shifts of scaled heap indices) that the code generator may
    /// use. `u32::MAX`, or a value past the end, means none. Passes after
    /// the analysis keep them true: they do not change what an existing
    /// value holds.
    pub value_bounds: Vec<u32>,
    /// Emptied blocks kept by [`Function::clear`], whose vectors
    /// [`Function::new_block`] reuses.
    spare_blocks: Vec<BlockData>,
}

impl Function {
    /// An empty function.
    pub fn new() -> Self {
        Self::default()
    }

    /// Empties the function, keeping the capacity of every arena.
    pub fn clear(&mut self) {
        self.name.clear();
        self.signature.params.clear();
        self.signature.results.clear();
        self.value_types.clear();
        // Keep the block structs' own vectors for reuse by `new_block`.
        self.spare_blocks.extend(self.blocks.drain(..).map(|mut b| {
            b.params.clear();
            b.insts.clear();
            b.loop_depth = 0;
            b
        }));
        self.layout.clear();
        self.insts.clear();
        self.srclocs.clear();
        self.value_pool.clear();
        self.jump_tables.clear();
        self.value_bounds.clear();
    }

    /// The proven unsigned upper bound of `v` (see
    /// [`Function::value_bounds`]): `u32::MAX` when none is known.
    pub fn value_bound(&self, v: Value) -> u32 {
        self.value_bounds
            .get(v.index())
            .copied()
            .unwrap_or(u32::MAX)
    }

    /// A new value of type `ty`.
    pub fn new_value(&mut self, ty: Type) -> Value {
        let v = Value::new(self.value_types.len());
        self.value_types.push(ty);
        v
    }

    /// The type of `v`.
    pub fn value_type(&self, v: Value) -> Type {
        self.value_types[v.index()]
    }

    /// The number of values.
    pub fn num_values(&self) -> usize {
        self.value_types.len()
    }

    /// A new block (not yet in the layout).
    pub fn new_block(&mut self) -> Block {
        let b = Block::new(self.blocks.len());
        let data = self.spare_blocks.pop().unwrap_or_default();
        self.blocks.push(data);
        b
    }

    /// Appends `b` to the layout.
    pub fn append_block_to_layout(&mut self, b: Block) {
        self.layout.push(b);
    }

    /// The entry block.
    pub fn entry_block(&self) -> Option<Block> {
        self.layout.first().copied()
    }

    /// Appends a parameter of type `ty` to `b`.
    pub fn append_block_param(&mut self, b: Block, ty: Type) -> Value {
        let v = self.new_value(ty);
        self.blocks[b.index()].params.push(v);
        v
    }

    /// Appends an instruction at the end of `b`.
    pub fn append_inst(&mut self, b: Block, data: InstData, srcloc: u32) -> Inst {
        let i = self.new_inst(data, srcloc);
        self.blocks[b.index()].insts.push(i);
        i
    }

    /// Adds an instruction to the arena without placing it in a block (the
    /// caller inserts it where it belongs).
    pub fn new_inst(&mut self, data: InstData, srcloc: u32) -> Inst {
        let i = Inst::new(self.insts.len());
        self.insts.push(data);
        self.srclocs.push(srcloc);
        i
    }

    /// Stores a list of values in the pool.
    pub fn make_value_list(&mut self, values: &[Value]) -> ValueList {
        if values.is_empty() {
            return ValueList::EMPTY;
        }
        let start = self.value_pool.len() as u32;
        self.value_pool.extend_from_slice(values);
        ValueList {
            start,
            len: values.len() as u32,
        }
    }

    /// The values of a list.
    pub fn values(&self, list: ValueList) -> &[Value] {
        &self.value_pool[list.start as usize..(list.start + list.len) as usize]
    }

    /// Creates a jump table (the last entry is the default).
    pub fn make_jump_table(&mut self, targets: Vec<Block>) -> JumpTable {
        let jt = JumpTable::new(self.jump_tables.len());
        self.jump_tables.push(targets);
        jt
    }

    /// The terminator of `b`, if it has one.
    pub fn terminator(&self, b: Block) -> Option<Inst> {
        let last = *self.blocks[b.index()].insts.last()?;
        self.insts[last.index()].is_terminator().then_some(last)
    }

    /// The successors of `b` in branch order (duplicates possible).
    pub fn successors(&self, b: Block, out: &mut Vec<Block>) {
        out.clear();
        let Some(t) = self.terminator(b) else { return };
        match &self.insts[t.index()] {
            InstData::BrTable { table, .. } => {
                out.extend_from_slice(&self.jump_tables[table.index()])
            }
            data => out.extend(data.branch_dests().into_iter().flatten()),
        }
    }

    /// Points every edge of the branch `inst` that leads to `from` at `to`
    /// instead, keeping the edge's arguments (a `br_table` gets a new jump
    /// table, since tables may be shared).
    pub fn retarget(&mut self, inst: Inst, from: Block, to: Block) {
        let fix = |d: &mut BlockCall| {
            if d.block == from {
                d.block = to;
            }
        };
        match &mut self.insts[inst.index()] {
            InstData::Jump { dest } => fix(dest),
            InstData::Brif {
                then_dest,
                else_dest,
                ..
            } => {
                fix(then_dest);
                fix(else_dest);
            }
            InstData::BrTable { table, .. } => {
                let table = *table;
                let targets: Vec<Block> = self.jump_tables[table.index()]
                    .iter()
                    .map(|&x| if x == from { to } else { x })
                    .collect();
                let jt = self.make_jump_table(targets);
                if let InstData::BrTable { table, .. } = &mut self.insts[inst.index()] {
                    *table = jt;
                }
            }
            _ => {}
        }
    }

    /// Calls `f` for each value `inst` reads, in operand order.
    pub fn for_each_use(&self, inst: Inst, mut f: impl FnMut(Value)) {
        match &self.insts[inst.index()] {
            InstData::Iconst { .. } | InstData::Fconst { .. } | InstData::Vmctx { .. } => {}
            InstData::Trap { .. } => {}
            InstData::Unary { arg, .. } => f(*arg),
            InstData::Binary { lhs, rhs, .. }
            | InstData::Icmp { lhs, rhs, .. }
            | InstData::Fcmp { lhs, rhs, .. } => {
                f(*lhs);
                f(*rhs)
            }
            InstData::Select {
                cond,
                if_true,
                if_false,
                ..
            } => {
                f(*cond);
                f(*if_true);
                f(*if_false)
            }
            InstData::Copy { src, .. } => f(*src),
            InstData::Load { addr, .. } => f(*addr),
            InstData::Store { addr, value, .. } => {
                f(*addr);
                f(*value)
            }
            InstData::Call { args, .. } => self.values(*args).iter().copied().for_each(f),
            InstData::Jump { dest } => self.values(dest.args).iter().copied().for_each(f),
            InstData::Brif {
                cond,
                then_dest,
                else_dest,
            } => {
                f(*cond);
                self.values(then_dest.args).iter().copied().for_each(&mut f);
                self.values(else_dest.args).iter().copied().for_each(f)
            }
            InstData::BrTable { index, .. } => f(*index),
            InstData::Return { args } => self.values(*args).iter().copied().for_each(f),
            InstData::TrapIf { cond, .. } => f(*cond),
        }
    }

    /// Calls `f` for each value `inst` defines.
    pub fn for_each_def(&self, inst: Inst, mut f: impl FnMut(Value)) {
        let data = &self.insts[inst.index()];
        if let Some(d) = data.single_dst() {
            f(d)
        } else if let InstData::Call { results, .. } = data {
            self.values(*results).iter().copied().for_each(f)
        }
    }
}
