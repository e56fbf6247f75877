//! The SSA IR builder of the optimizing tier: one forward pass over a
//! function's operators, validating each with wasmparser's `FuncValidator`
//! (exactly like [`crate::baseline`], through `crate::visit`) and
//! translating it to IR in SSA form.
//!
//! ## How values flow
//! - Operand-stack entries are plain SSA values: an instruction's result is
//!   pushed, `local.get` pushes the local's current value, and nothing is
//!   ever reassigned, so no copies are needed.
//! - Locals are turned into SSA values on the fly with the algorithm of
//!   Braun et al. 2013, "Simple and Efficient Construction of Static Single
//!   Assignment Form": `local.set` records the local's current value in the
//!   current block (one sparse map keyed by block and local); `local.get`
//!   looks it up, and when the block has no entry, asks its predecessors. A
//!   block with one known predecessor forwards the question; one with several
//!   gets a phi (a block parameter); one whose predecessors are not all known
//!   yet (an unsealed loop header) gets an *incomplete* phi whose operands are
//!   filled in when the block is sealed. At function entry, parameters are
//!   the entry block's parameters and declared locals read as one shared zero
//!   constant per type.
//! - A block is *sealed* once all its predecessors are known: blocks with one
//!   predecessor at once, a `block`/`if` end block at its `end`, a loop
//!   header at the loop's `end`.
//! - Trivial phis (all operands the same value or the phi itself) are removed
//!   as soon as they are complete; a removed phi is aliased to its
//!   replacement (a union-find with path compression), and the phis that used
//!   it are re-examined.
//! - Block results (and loop parameters) are phis too, created with the end
//!   block (or loop header) and given their operands by the branches that
//!   carry them. They are removed when trivial like the others.
//! - Phi operands are kept per predecessor edge while translating. When the
//!   pass ends, the surviving phis become the blocks' parameters, every
//!   edge's `BlockCall` gets its arguments, and all operands are rewritten
//!   through the alias map.
//! - `br_table` targets take no arguments in the IR, so every distinct
//!   target of a `br_table` goes through its own edge block, which jumps to
//!   the real target with arguments. Conditional branches pass arguments in
//!   their `BlockCall`s directly.
//! - Code after an unconditional branch is unreachable: it is validated but
//!   not translated, until the end of its frame.
//!
//! The VMContext accesses (calls, `call_indirect` checks, globals,
//! `memory.size`/`memory.grow`) and memory accesses are exactly those of the
//! baseline, so both tiers mean the same thing.
//!
//! Every step is linear in the size of the function (up to hashing): the
//! per-block variable maps are sparse, end blocks of `block`s that nothing
//! branches to are never created, and variable lookups, phi completion and
//! trivial-phi removal use explicit work stacks instead of recursion. The
//! translator's buffers are reused from one function to the next.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use strata_ir::{
    AddrSpace, Block, BlockCall, Function, Inst, InstData, LoadOp, TrapCode, Type, Value, ValueList,
};
use wasmparser::{
    BlockType, FuncValidator, FuncValidatorAllocations, Operator, OperatorsReader,
    ValidatorResources,
};

use crate::baseline::{MAX_OSR_STATE, ir_type, read_locals};
use crate::module::{ModuleEnv, WasmError};
use crate::ops::{Simple, simple_op};
use crate::vmoffsets::VMOffsets;

/// "No phi" in [`SsaTranslator::phi_of`].
const NO_PHI: u32 = u32::MAX;
/// The `local` of a phi that carries block results or loop parameters.
const FIXED: u32 = u32::MAX;

/// A hasher for the `(block, local)` keys of the variable map.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 ^= i;
    }
    fn finish(&self) -> u64 {
        // MurmurHash3's finalizer: every input bit affects every output bit.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^= h >> 33;
        h
    }
}

/// Current value of each local per block, keyed by [`var_key`].
type DefMap = HashMap<u64, Value, BuildHasherDefault<KeyHasher>>;

fn var_key(b: Block, local: u32) -> u64 {
    (u64::from(b.0) << 32) | u64::from(local)
}

/// Functions with at most this many locals keep their variable map in
/// dense per-block rows instead of hashing (a block's row is made when a
/// variable is first written in it, so the rows take O(blocks * this)).
const DENSE_LOCALS: u32 = 128;

/// Body bytes per instruction (and per value) assumed when sizing a fresh
/// function's arenas.
const RESERVE_BYTES_PER_INST: usize = 3;

/// Initial instruction capacity of a block made without a spare one.
const BLOCK_INSTS: usize = 8;

/// "No row" in [`Defs::rows`].
const NO_ROW: u32 = u32::MAX;

/// The current value of each variable per block: a dense row per block for
/// the first `row_len` variables, a hash map for the rest.
#[derive(Default)]
struct Defs {
    row_len: u32,
    /// Start of each block's row in `vals`, or [`NO_ROW`].
    rows: Vec<u32>,
    /// Rows; `NO_VALUE` where nothing is recorded.
    vals: Vec<Value>,
    map: DefMap,
}

/// "Nothing recorded" in [`Defs::vals`].
const NO_VALUE: Value = Value(u32::MAX);

impl Defs {
    /// Forgets everything; variables below `row_len` go in rows.
    fn reset(&mut self, row_len: u32) {
        self.row_len = row_len;
        self.rows.clear();
        self.vals.clear();
        self.map.clear();
    }

    #[inline]
    fn get(&self, b: Block, local: u32) -> Option<Value> {
        if local < self.row_len {
            let row = *self.rows.get(b.index())?;
            if row == NO_ROW {
                return None;
            }
            let v = self.vals[(row + local) as usize];
            (v != NO_VALUE).then_some(v)
        } else {
            self.map.get(&var_key(b, local)).copied()
        }
    }

    #[inline]
    fn insert(&mut self, b: Block, local: u32, v: Value) {
        if local < self.row_len {
            if self.rows.len() <= b.index() {
                self.rows.resize(b.index() + 1, NO_ROW);
            }
            let mut row = self.rows[b.index()];
            if row == NO_ROW {
                row = self.vals.len() as u32;
                self.rows[b.index()] = row;
                self.vals
                    .resize(self.vals.len() + self.row_len as usize, NO_VALUE);
            }
            self.vals[(row + local) as usize] = v;
        } else {
            self.map.insert(var_key(b, local), v);
        }
    }
}

/// Which `BlockCall` of a terminator an edge is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EdgeSlot {
    /// `jump`'s destination.
    Jump,
    /// `brif`'s taken destination.
    Then,
    /// `brif`'s fall-through destination.
    Else,
    /// A `br_table` entry (no arguments).
    Table,
}

/// A control-flow edge into a block.
#[derive(Clone, Copy, Debug)]
struct Edge {
    from: Block,
    inst: Inst,
    slot: EdgeSlot,
}

/// Construction state of one block.
#[derive(Clone, Debug, Default)]
struct BlockState {
    /// All predecessors are known.
    sealed: bool,
    /// Incoming edges, in the order phi operands are kept.
    preds: Vec<Edge>,
    /// The block's phis in creation order (fixed phis first).
    phis: Vec<u32>,
    /// Phis created while unsealed, to be completed when sealed.
    incomplete: Vec<u32>,
    /// For the join at the end of a construct (a `block`'s or `if`'s end, a
    /// loop's header once the loop ends): the block where the construct
    /// began, which dominates it, and the write counter then. A variable
    /// last written before the construct began has the same value here as
    /// there, so a read walks on to that block instead of making a phi
    /// (which would turn out trivial).
    skip: Option<(Block, u32)>,
}

/// A phi: a block parameter under construction.
#[derive(Clone, Debug)]
struct Phi {
    value: Value,
    block: Block,
    /// The local it merges, or [`FIXED`] for block results/loop parameters.
    local: u32,
    /// One operand per predecessor edge of `block`, in edge order.
    operands: Vec<Value>,
    /// Phis that have this one as an operand (may hold stale entries).
    users: Vec<u32>,
    /// Set once removed as trivial: the value that replaces it.
    replaced: Option<Value>,
}

/// A phi whose operands are being read, in [`Ctx::drive`].
#[derive(Clone, Copy, Debug)]
struct ReadFrame {
    phi: u32,
    /// The next predecessor edge to read from.
    next: u32,
    /// Where the chain of single-predecessor blocks that led here starts.
    chain_mark: u32,
}

/// Where [`Ctx::drive`] starts.
enum Start {
    /// Read a local in a block.
    Read(Block),
    /// Fill in the operands of an incomplete phi.
    Fill(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FrameKind {
    Function,
    Block,
    Loop,
    If,
    Else,
}

#[derive(Clone, Debug)]
struct Frame {
    kind: FrameKind,
    /// Entered in unreachable code: no IR is built for it.
    dead: bool,
    /// Branch target: the loop header, or the end block (created by the
    /// first branch to it).
    label: Option<Block>,
    /// For `if`: the block of the else arm, until `else` or `end` uses it.
    else_block: Option<Block>,
    /// Stack height below the frame's parameters.
    height: usize,
    /// Where the parameter types, then the result types, start in
    /// `frame_types`.
    types_start: u32,
    num_params: u32,
    num_results: u32,
    /// For `if`: where its parameters start in `saved_params`.
    saved_start: u32,
    /// The block current when the construct began (for a loop: the block
    /// that enters it), and the write counter then (see
    /// [`BlockState::skip`]).
    entry: Option<Block>,
    start_writes: u32,
}

impl Frame {
    /// The number of values a branch to this frame carries.
    fn branch_arity(&self) -> u32 {
        if self.kind == FrameKind::Loop {
            self.num_params
        } else {
            self.num_results
        }
    }

    /// Where the types of the values a branch carries start in `frame_types`.
    fn branch_types_start(&self) -> usize {
        if self.kind == FrameKind::Loop {
            self.types_start as usize
        } else {
            (self.types_start + self.num_params) as usize
        }
    }
}

/// Translates function bodies to SSA IR. Reuse one per thread.
#[derive(Default)]
pub struct SsaTranslator {
    allocs: Option<FuncValidatorAllocations>,
    stack: Vec<Value>,
    frames: Vec<Frame>,
    frame_types: Vec<Type>,
    saved_params: Vec<Value>,
    scratch: Vec<Value>,
    cur: Option<Block>,
    srcloc: u32,
    /// The source location of the entry block's constants.
    entry_srcloc: u32,
    /// The number of live `loop` frames.
    loop_depth: u32,
    /// The type of each local (parameters first).
    local_types: Vec<Type>,
    num_params: u32,
    /// The shared zero constant per type (I32, I64, F32, F64), once made.
    zeros: [Option<Value>; 4],
    defs: Defs,
    /// Block states; only the first `num_blocks` belong to the function
    /// being translated (the rest keep their buffers for reuse).
    blocks: Vec<BlockState>,
    num_blocks: usize,
    /// Phis; only the first `num_phis` are live (as for `blocks`).
    phis: Vec<Phi>,
    num_phis: usize,
    /// Writes of variables so far (`local.set`/`local.tee`), and per
    /// variable the count at its last write (see [`BlockState::skip`]).
    writes: u32,
    last_write: Vec<u32>,
    /// SSA construction's work so far: phis made and the operands and users
    /// the removal of trivial phis looked at (see [`ssa_budget`]).
    work: usize,
    /// Where the body starts in the module, and whether translation
    /// stopped at the work budget (see [`ssa_budget`]).
    body_start: usize,
    too_complex: bool,
    /// Scratch for the users of a removed phi.
    users: Vec<u32>,
    /// For each value: its phi, or [`NO_PHI`] (shorter than the value count
    /// when the last values are not phis).
    phi_of: Vec<u32>,
    read_stack: Vec<ReadFrame>,
    chain: Vec<Block>,
    worklist: Vec<u32>,
    /// On-stack replacement: the loop whose header the function is entered
    /// at, and whether it was reached.
    osr: Option<u32>,
    osr_reached: bool,
    /// The loops enclosing the OSR loop, outermost first, when the entry
    /// goes through their headers (see [`SsaTranslator::translate_osr`]);
    /// empty when it jumps to the OSR loop's header directly.
    osr_chain: Vec<u32>,
    /// The header of the outermost loop of `osr_chain`, once made.
    osr_outer_header: Option<Block>,
    /// The dispatch block of the last enclosing header made, waiting for
    /// the next loop of the chain (or the OSR loop) to jump to.
    osr_dispatch: Option<Block>,
    /// The first variable that carries operand-stack slots across loop
    /// headers in an OSR variant (after the locals, and after the dispatch
    /// flag when there is one: variable `num_locals`).
    slot_base: u32,
    /// The number of `loop` operators seen so far (dead ones included).
    loop_count: u32,
    /// The number of locals (parameters included).
    num_locals: u32,
}

/// A translation in progress: the module, the function and the translator.
struct Ctx<'a> {
    env: &'a ModuleEnv,
    offsets: &'a VMOffsets,
    func: &'a mut Function,
    t: &'a mut SsaTranslator,
}

/// The most work SSA construction may have done after reading `len` bytes
/// of a function's body before the translator gives up: 8 units per byte
/// plus 50,000. A phi made (a block parameter, trivial ones included)
/// costs 4 units; each block a read walks through, and each operand or
/// user looked at while removing trivial phis, one. Real code stays well
/// below: libc's `printf_core`, the most seen, makes 490 phis and 7,200
/// units in its 9,000 bytes, 6% of its budget (5,200 phis and 44,000 units
/// before reads learned to skip constructs that do not write the variable,
/// see `BlockState::skip`). What exceeds it:
/// - a deep nest of loops carrying many variables: every loop header gets a
///   parameter for each variable written in an inner loop;
/// - many variables read after a long run of `if`s: each read walks back
///   through every join.
///
/// Both make the work quadratic in the body (and the allocator's on the
/// result grows faster still). Checked after every operator, so a blow-up
/// stops after about `ssa_budget` units of work.
pub fn ssa_budget(len: usize) -> usize {
    len.saturating_mul(8).saturating_add(50_000)
}

impl SsaTranslator {
    /// A translator with empty buffers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the last translation stopped because the function's SSA
    /// form outgrew [`ssa_budget`] (its error says so): such a function
    /// may well be valid, and the caller compiles it another way.
    pub fn too_complex(&self) -> bool {
        self.too_complex
    }

    /// The phis (block parameters) the last translation made, trivial ones
    /// that were removed again included: a measure of SSA construction's
    /// work.
    pub fn phis_made(&self) -> usize {
        self.num_phis
    }

    /// Validates and translates defined function `def_index` of `env` (whose
    /// bytes are `wasm`) into `func`, which is cleared first. The result is
    /// in SSA form.
    pub fn translate(
        &mut self,
        env: &ModuleEnv,
        offsets: &VMOffsets,
        wasm: &[u8],
        def_index: usize,
        func: &mut Function,
    ) -> Result<(), WasmError> {
        self.osr = None;
        self.translate_inner(env, offsets, wasm, def_index, func)
    }

    /// Translates defined function `def_index` into its on-stack-replacement
    /// variant for loop `loop_index` (the n-th `loop` operator of the body,
    /// from 0): a function of one `i64` parameter, the address of the state
    /// a baseline frame hands over at that loop's header (8 bytes per value:
    /// every local in order, then the operand stack from the bottom; an
    /// `i32` or `f32` in the low bytes), that runs the rest of the original
    /// function from there and returns its results. The entry block loads
    /// the state into the variables; the original code from the function's
    /// start, which nothing enters, is left for dead-code elimination.
    ///
    /// A loop nested in others is entered through its enclosing loops'
    /// headers: the entry jumps to the outermost one's header with a flag
    /// set, each enclosing header branches on the flag to the next loop's
    /// header (a dispatch block), and the last dispatch clears the flag and
    /// jumps to the OSR loop's header. Every loop is then entered at its
    /// header only, so the loop nest stays as it was (a jump into the inner
    /// loop would make the enclosing loops one loop whose header is the
    /// inner one's: the inner loop no deeper than the rest, its values
    /// spilled inside it). The flag costs a test per iteration of the
    /// enclosing loops. Loops with parameters in the nest fall back to the
    /// direct jump.
    ///
    /// Fails
    /// when the loop is unreachable or its state is larger than
    /// [`crate::baseline::MAX_OSR_STATE`], the cases where the baseline
    /// offers no OSR.
    pub fn translate_osr(
        &mut self,
        env: &ModuleEnv,
        offsets: &VMOffsets,
        wasm: &[u8],
        def_index: usize,
        loop_index: u32,
        func: &mut Function,
    ) -> Result<(), WasmError> {
        self.osr = Some(loop_index);
        self.osr_chain = osr_chain(env, wasm, def_index, loop_index);
        self.osr_outer_header = None;
        self.osr_dispatch = None;
        let r = self.translate_inner(env, offsets, wasm, def_index, func);
        let reached = self.osr_reached;
        self.osr = None;
        self.osr_chain.clear();
        r?;
        if !reached {
            return Err(WasmError::new(
                format!("loop {loop_index} is not a reachable loop of the function"),
                0,
            ));
        }
        Ok(())
    }

    fn translate_inner(
        &mut self,
        env: &ModuleEnv,
        offsets: &VMOffsets,
        wasm: &[u8],
        def_index: usize,
        func: &mut Function,
    ) -> Result<(), WasmError> {
        self.osr_reached = false;
        self.loop_count = 0;
        let info = &env.bodies[def_index];
        let body = info.function_body(wasm);
        let mut validator = info.func_validator(self.allocs.take().unwrap_or_default());
        let func_index = info.func_index();
        func.clear();
        // A fresh `Function` would otherwise grow its arenas step by step:
        // size them from the body once (about one instruction and one value
        // per RESERVE_BYTES_PER_INST body bytes; only capacity, never
        // contents).
        let expected = info.body.len() / RESERVE_BYTES_PER_INST;
        func.insts.reserve(expected);
        func.srclocs.reserve(expected);
        func.value_types.reserve(expected);
        self.stack.clear();
        self.frames.clear();
        self.frame_types.clear();
        self.saved_params.clear();
        self.cur = None;
        self.loop_depth = 0;
        self.local_types.clear();
        self.num_params = 0;
        self.zeros = [None; 4];
        self.defs.reset(0);
        self.num_blocks = 0;
        self.num_phis = 0;
        self.work = 0;
        self.writes = 0;
        self.body_start = body.range().start as usize;
        self.too_complex = false;
        self.phi_of.clear();
        self.read_stack.clear();
        self.chain.clear();
        self.srcloc = body.range().start as u32;
        self.entry_srcloc = self.srcloc;
        let result = Ctx {
            env,
            offsets,
            func,
            t: self,
        }
        .run(func_index, body, &mut validator);
        self.allocs = Some(validator.into_allocations());
        result
    }
}

/// The loops enclosing loop `osr` (the n-th `loop` operator) of defined
/// function `def_index`, outermost first, by a scan of its operators; none
/// when one of them or the loop itself has parameters (the OSR entry then
/// jumps to the loop directly) or the body does not decode.
fn osr_chain(env: &ModuleEnv, wasm: &[u8], def_index: usize, osr: u32) -> Vec<u32> {
    let body = env.bodies[def_index].function_body(wasm);
    let Ok(mut reader) = body.get_operators_reader() else {
        return Vec::new();
    };
    // Per open construct: its loop number, if it is a loop without
    // parameters; `OTHER` for other constructs.
    const OTHER: u32 = u32::MAX;
    const WITH_PARAMS: u32 = u32::MAX - 1;
    let mut open: Vec<u32> = Vec::new();
    let mut loops = 0u32;
    while !reader.eof() {
        let Ok(op) = reader.read() else {
            return Vec::new();
        };
        match op {
            Operator::Block { .. } | Operator::If { .. } | Operator::TryTable { .. } => {
                open.push(OTHER)
            }
            Operator::Loop { blockty } => {
                let simple = !matches!(blockty, BlockType::FuncType(_));
                if loops == osr {
                    if !simple || open.contains(&WITH_PARAMS) {
                        return Vec::new();
                    }
                    open.retain(|&l| l != OTHER);
                    return open;
                }
                open.push(if simple { loops } else { WITH_PARAMS });
                loops += 1;
            }
            Operator::End => {
                open.pop();
            }
            _ => {}
        }
    }
    Vec::new()
}

impl Ctx<'_> {
    fn run(
        &mut self,
        func_index: u32,
        body: wasmparser::FunctionBody<'_>,
        validator: &mut FuncValidator<ValidatorResources>,
    ) -> Result<(), WasmError> {
        let env = self.env;
        let ty = env.func_type(func_index);
        env.write_func_name(func_index, &mut self.func.name);
        let start = body.range().start as usize;
        for &p in ty.params.iter() {
            let t = ir_type(p, start)?;
            self.func.signature.params.push(t);
            self.t.local_types.push(t);
        }
        for &r in ty.results.iter() {
            self.func.signature.results.push(ir_type(r, start)?);
        }
        let entry = self.new_block();
        self.func.append_block_to_layout(entry);
        self.t.blocks[entry.index()].sealed = true;
        self.t.cur = Some(entry);
        self.t.num_params = self.func.signature.params.len() as u32;
        if self.t.osr.is_some() {
            // The entry takes the state buffer and is completed at the loop;
            // the original code starts in a block nothing enters.
            self.func.signature.params.clear();
            self.func.signature.params.push(Type::I64);
            self.func.append_block_param(entry, Type::I64);
            let dead = self.new_block();
            self.t.blocks[dead.index()].sealed = true;
            self.switch_to(dead);
        } else {
            for i in 0..self.func.signature.params.len() {
                let t = self.func.signature.params[i];
                self.func.append_block_param(entry, t);
            }
        }

        let mut reader = body.get_binary_reader();
        let local_types = &mut self.t.local_types;
        read_locals(&mut reader, validator, |count, t| {
            local_types.resize(local_types.len() + count as usize, t);
        })?;

        self.t.num_locals = self.t.local_types.len() as u32;
        self.t.slot_base = self.t.num_locals;
        if self.t.osr.is_some() && !self.t.osr_chain.is_empty() {
            // The dispatch flag (see `translate_osr`).
            self.t.local_types.push(Type::I32);
            self.t.slot_base += 1;
        }
        self.t.last_write.clear();
        self.t.last_write.resize(self.t.local_types.len(), 0);
        if self.t.num_locals <= DENSE_LOCALS {
            self.t.defs.reset(self.t.num_locals);
        }

        // The function's own frame: a branch to it returns.
        let nres = ty.results.len() as u32;
        let types_start = self.t.frame_types.len() as u32;
        let results = self.func.signature.results.clone();
        self.t.frame_types.extend_from_slice(&results);
        self.t.frames.push(Frame {
            kind: FrameKind::Function,
            dead: false,
            label: None,
            else_block: None,
            height: 0,
            types_start,
            num_params: 0,
            num_results: nres,
            saved_start: 0,
            entry: None,
            start_writes: 0,
        });

        let mut ops = OperatorsReader::new(reader);
        while !self.t.frames.is_empty() {
            let offset = crate::visit::next_op(&mut ops, validator, self)?;
            // (The budget of the bytes read so far: a blow-up stops early.)
            let read = offset.saturating_sub(self.t.body_start);
            if self.t.work > ssa_budget(read) {
                self.t.too_complex = true;
                return Err(WasmError::new(
                    format!(
                        "function too complex for the optimizing tier: {} block parameters \
                         and {} units of SSA construction work after {read} bytes of its body",
                        self.t.num_phis, self.t.work
                    ),
                    offset,
                ));
            }
        }
        ops.finish()?;
        self.finalize();
        Ok(())
    }

    // ---- small helpers -------------------------------------------------

    fn reachable(&self) -> bool {
        self.t.cur.is_some()
    }

    fn emit(&mut self, data: InstData) -> Inst {
        let b = self.t.cur.expect("emit in reachable code");
        self.func.append_inst(b, data, self.t.srcloc)
    }

    fn temp(&mut self, ty: Type) -> Value {
        self.func.new_value(ty)
    }

    fn push(&mut self, v: Value) {
        self.t.stack.push(v);
    }

    fn pop(&mut self) -> Value {
        // Validation guarantees the stack is deep enough in reachable code.
        self.t.stack.pop().expect("validated operand stack")
    }

    fn peek_n(&self, n: usize) -> &[Value] {
        &self.t.stack[self.t.stack.len() - n..]
    }

    fn truncate_stack(&mut self, height: usize) {
        self.t.stack.truncate(height);
    }

    fn new_block(&mut self) -> Block {
        let b = self.func.new_block();
        // One allocation instead of growing from empty (a no-op for a
        // reused block that already has room).
        self.func.blocks[b.index()].insts.reserve(BLOCK_INSTS);
        let t = &mut *self.t;
        if let Some(bs) = t.blocks.get_mut(t.num_blocks) {
            bs.sealed = false;
            bs.preds.clear();
            bs.phis.clear();
            bs.incomplete.clear();
            bs.skip = None;
        } else {
            t.blocks.push(BlockState::default());
        }
        t.num_blocks += 1;
        debug_assert_eq!(t.num_blocks, self.func.blocks.len());
        b
    }

    fn switch_to(&mut self, b: Block) {
        self.func.append_block_to_layout(b);
        self.func.blocks[b.index()].loop_depth = self.t.loop_depth;
        self.t.cur = Some(b);
    }

    // ---- SSA construction ----------------------------------------------

    fn phi_index(&self, v: Value) -> Option<u32> {
        match self.t.phi_of.get(v.index()) {
            Some(&p) if p != NO_PHI => Some(p),
            _ => None,
        }
    }

    /// The value `v` stands for now that trivial phis have been replaced.
    fn resolve(&mut self, v: Value) -> Value {
        let mut r = v;
        while let Some(p) = self.phi_index(r) {
            match self.t.phis[p as usize].replaced {
                Some(n) => r = n,
                None => break,
            }
        }
        // Path compression.
        let mut c = v;
        while c != r {
            let p = self.phi_index(c).expect("aliased values are phis") as usize;
            let next = self.t.phis[p].replaced.expect("aliased phi");
            self.t.phis[p].replaced = Some(r);
            c = next;
        }
        r
    }

    /// A new phi of `block` for `local` (or [`FIXED`]) of type `ty`.
    fn new_phi(&mut self, block: Block, local: u32, ty: Type) -> u32 {
        let value = self.func.new_value(ty);
        let t = &mut *self.t;
        let p = t.num_phis as u32;
        if let Some(phi) = t.phis.get_mut(t.num_phis) {
            phi.value = value;
            phi.block = block;
            phi.local = local;
            phi.operands.clear();
            phi.users.clear();
            phi.replaced = None;
        } else {
            t.phis.push(Phi {
                value,
                block,
                local,
                operands: Vec::new(),
                users: Vec::new(),
                replaced: None,
            });
        }
        t.num_phis += 1;
        // (A phi costs a value, a map entry and two vectors.)
        t.work += 4;
        if self.t.phi_of.len() <= value.index() {
            self.t.phi_of.resize(value.index() + 1, NO_PHI);
        }
        self.t.phi_of[value.index()] = p;
        self.t.blocks[block.index()].phis.push(p);
        p
    }

    /// Appends operand `v` to phi `p`.
    fn push_operand(&mut self, p: u32, v: Value) {
        let v = self.resolve(v);
        self.t.phis[p as usize].operands.push(v);
        if let Some(s) = self.phi_index(v)
            && s != p
        {
            self.t.phis[s as usize].users.push(p);
        }
    }

    /// The zero constant of type `ty`, made at the top of the entry block on
    /// first use.
    fn zero(&mut self, ty: Type) -> Value {
        let slot = match ty {
            Type::I32 => 0,
            Type::I64 => 1,
            Type::F32 => 2,
            Type::F64 => 3,
        };
        if let Some(v) = self.t.zeros[slot] {
            return v;
        }
        let v = self.func.new_value(ty);
        let data = if ty.is_int() {
            InstData::Iconst { dst: v, imm: 0 }
        } else {
            InstData::Fconst { dst: v, bits: 0 }
        };
        let entry = self.func.layout[0];
        let i = self.func.append_inst(entry, data, self.t.entry_srcloc);
        let insts = &mut self.func.blocks[entry.index()].insts;
        insts.pop();
        insts.insert(0, i);
        self.t.zeros[slot] = Some(v);
        v
    }

    /// The value of `local` on function entry.
    fn initial_value(&mut self, local: u32) -> Value {
        if self.t.osr.is_some() {
            // Only the code before the OSR loop, which never runs, reads
            // locals from the entry.
            return self.zero(self.t.local_types[local as usize]);
        }
        if local < self.t.num_params {
            self.func.blocks[self.func.layout[0].index()].params[local as usize]
        } else {
            self.zero(self.t.local_types[local as usize])
        }
    }

    #[inline]
    fn write_variable(&mut self, local: u32, b: Block, v: Value) {
        self.t.defs.insert(b, local, v);
    }

    fn read_variable(&mut self, local: u32, b: Block) -> Value {
        self.drive(local, Start::Read(b))
    }

    /// Braun et al.'s `readVariable` / `addPhiOperands`, with explicit
    /// stacks: `read_stack` holds the phis whose operands are being read,
    /// `chain` the single-predecessor blocks walked through, which get the
    /// value found written back.
    fn drive(&mut self, local: u32, start: Start) -> Value {
        let base = self.t.read_stack.len();
        let mut chain_mark = self.t.chain.len();
        let mut next_block = None;
        match start {
            Start::Read(b) => next_block = Some(b),
            Start::Fill(p) => self.t.read_stack.push(ReadFrame {
                phi: p,
                next: 0,
                chain_mark: chain_mark as u32,
            }),
        }
        let ty = self.t.local_types[local as usize];
        loop {
            let mut pending = None;
            if let Some(mut b) = next_block.take() {
                pending = loop {
                    if let Some(v) = self.t.defs.get(b, local) {
                        break Some(self.resolve(v));
                    }
                    let bs = &self.t.blocks[b.index()];
                    if !bs.sealed {
                        let p = self.new_phi(b, local, ty);
                        self.t.blocks[b.index()].incomplete.push(p);
                        let v = self.t.phis[p as usize].value;
                        self.write_variable(local, b, v);
                        break Some(v);
                    }
                    // The construct's start, if it does not write `local`.
                    let skip_to = bs
                        .skip
                        .filter(|&(_, w)| {
                            self.t
                                .last_write
                                .get(local as usize)
                                .is_some_and(|&l| l <= w)
                        })
                        .map(|(entry, _)| entry);
                    match bs.preds.len() {
                        0 => break Some(self.initial_value(local)),
                        1 => {
                            let from = bs.preds[0].from;
                            self.t.chain.push(b);
                            self.t.work += 1;
                            b = from;
                        }
                        _ if let Some(entry) = skip_to => {
                            self.t.chain.push(b);
                            self.t.work += 1;
                            b = entry;
                        }
                        _ => {
                            let p = self.new_phi(b, local, ty);
                            let v = self.t.phis[p as usize].value;
                            self.write_variable(local, b, v);
                            self.t.read_stack.push(ReadFrame {
                                phi: p,
                                next: 0,
                                chain_mark: chain_mark as u32,
                            });
                            break None;
                        }
                    }
                };
            }
            loop {
                if let Some(v) = pending.take() {
                    for i in chain_mark..self.t.chain.len() {
                        let cb = self.t.chain[i];
                        self.write_variable(local, cb, v);
                    }
                    self.t.chain.truncate(chain_mark);
                    if self.t.read_stack.len() == base {
                        return v;
                    }
                    let top = self.t.read_stack.last_mut().expect("read frame");
                    top.next += 1;
                    let p = top.phi;
                    self.push_operand(p, v);
                }
                let top = *self.t.read_stack.last().expect("read frame");
                let blk = self.t.phis[top.phi as usize].block;
                let preds = &self.t.blocks[blk.index()].preds;
                if (top.next as usize) < preds.len() {
                    next_block = Some(preds[top.next as usize].from);
                    chain_mark = self.t.chain.len();
                    break;
                }
                self.t.read_stack.pop();
                chain_mark = top.chain_mark as usize;
                pending = Some(self.try_remove_trivial(top.phi));
            }
        }
    }

    /// Braun et al.'s `tryRemoveTrivialPhi`, with a worklist: removes `p`
    /// if it is complete and trivial, then re-examines the phis that used
    /// it. Returns what `p` stands for.
    fn try_remove_trivial(&mut self, p: u32) -> Value {
        let mut wl = std::mem::take(&mut self.t.worklist);
        wl.clear();
        wl.push(p);
        while let Some(q) = wl.pop() {
            let qi = q as usize;
            let ph = &self.t.phis[qi];
            if ph.replaced.is_some() {
                continue;
            }
            let bs = &self.t.blocks[ph.block.index()];
            if !bs.sealed || ph.operands.len() != bs.preds.len() {
                continue;
            }
            let this = ph.value;
            let mut same = None;
            let mut trivial = true;
            self.t.work += ph.operands.len();
            for i in 0..self.t.phis[qi].operands.len() {
                let op = self.resolve(self.t.phis[qi].operands[i]);
                if op == this || Some(op) == same {
                    continue;
                }
                if same.is_some() {
                    trivial = false;
                    break;
                }
                same = Some(op);
            }
            // `same` is `None` only for a phi that merges nothing but itself,
            // which reachable code never builds: keep it.
            let (true, Some(same)) = (trivial, same) else {
                continue;
            };
            self.t.phis[qi].replaced = Some(same);
            // Users that were removed themselves are dropped for good, so
            // chains of removals do not pass ever-growing lists along.
            let mut users = std::mem::take(&mut self.t.users);
            users.clear();
            self.t.work += self.t.phis[qi].users.len();
            for k in 0..self.t.phis[qi].users.len() {
                let u = self.t.phis[qi].users[k];
                if u != q && self.t.phis[u as usize].replaced.is_none() {
                    users.push(u);
                }
            }
            self.t.phis[qi].users.clear();
            if let Some(s) = self.phi_index(same) {
                self.t.phis[s as usize].users.extend_from_slice(&users);
            }
            wl.extend_from_slice(&users);
            self.t.users = users;
        }
        self.t.worklist = wl;
        let v = self.t.phis[p as usize].value;
        self.resolve(v)
    }

    /// Records the edge `from` → `to` of terminator `inst`, carrying `args`
    /// for `to`'s fixed phis.
    fn add_edge(&mut self, to: Block, from: Block, inst: Inst, slot: EdgeSlot, args: &[Value]) {
        debug_assert!(!self.t.blocks[to.index()].sealed);
        self.t.blocks[to.index()]
            .preds
            .push(Edge { from, inst, slot });
        for (i, &a) in args.iter().enumerate() {
            let p = self.t.blocks[to.index()].phis[i];
            debug_assert_eq!(self.t.phis[p as usize].local, FIXED);
            self.push_operand(p, a);
        }
    }

    /// All predecessors of `b` are known: completes its incomplete phis and
    /// removes its trivial ones.
    fn seal(&mut self, b: Block) {
        self.t.blocks[b.index()].sealed = true;
        let mut incomplete = std::mem::take(&mut self.t.blocks[b.index()].incomplete);
        for &p in &incomplete {
            let local = self.t.phis[p as usize].local;
            self.drive(local, Start::Fill(p));
        }
        // A sealed block gets no new incomplete phis: keep the buffer.
        incomplete.clear();
        self.t.blocks[b.index()].incomplete = incomplete;
        let mut i = 0;
        while let Some(&p) = self.t.blocks[b.index()].phis.get(i) {
            if self.t.phis[p as usize].local != FIXED {
                break;
            }
            self.try_remove_trivial(p);
            i += 1;
        }
    }

    /// Turns the surviving phis into block parameters, fills in every
    /// edge's arguments and rewrites all operands through the alias map.
    fn finalize(&mut self) {
        let mut live = Vec::new();
        let mut args = Vec::new();
        for b in 0..self.t.num_blocks {
            live.clear();
            for i in 0..self.t.blocks[b].phis.len() {
                let p = self.t.blocks[b].phis[i];
                if self.t.phis[p as usize].replaced.is_none() {
                    live.push(p);
                }
            }
            if !live.is_empty() {
                let params = &mut self.func.blocks[b].params;
                params.clear();
                params.extend(live.iter().map(|&p| self.t.phis[p as usize].value));
            }
            for k in 0..self.t.blocks[b].preds.len() {
                let edge = self.t.blocks[b].preds[k];
                if edge.slot == EdgeSlot::Table {
                    debug_assert!(live.is_empty(), "br_table targets take no arguments");
                    continue;
                }
                args.clear();
                for &p in &live {
                    let v = self.t.phis[p as usize].operands[k];
                    args.push(self.resolve(v));
                }
                let list = self.func.make_value_list(&args);
                set_block_call_args(&mut self.func.insts[edge.inst.index()], edge.slot, list);
            }
        }
        if self.t.phis[..self.t.num_phis]
            .iter()
            .all(|p| p.replaced.is_none())
        {
            return;
        }
        // Value lists (call arguments and results, return values, branch
        // arguments) are never shared, so rewriting the pool rewrites them.
        for i in 0..self.func.value_pool.len() {
            let v = self.func.value_pool[i];
            self.func.value_pool[i] = self.resolve(v);
        }
        for i in 0..self.func.insts.len() {
            let placeholder = InstData::Trap {
                code: TrapCode::Unreachable,
            };
            let mut data = std::mem::replace(&mut self.func.insts[i], placeholder);
            for_each_scalar_use(&mut data, |v| *v = self.resolve(*v));
            self.func.insts[i] = data;
        }
    }
}

/// Sets the arguments of the `BlockCall` of `data` that `slot` names.
fn set_block_call_args(data: &mut InstData, slot: EdgeSlot, list: ValueList) {
    match (data, slot) {
        (InstData::Jump { dest }, EdgeSlot::Jump) => dest.args = list,
        (InstData::Brif { then_dest, .. }, EdgeSlot::Then) => then_dest.args = list,
        (InstData::Brif { else_dest, .. }, EdgeSlot::Else) => else_dest.args = list,
        (data, slot) => unreachable!("edge {slot:?} recorded for {data:?}"),
    }
}

/// Calls `f` on every operand of `data` that is not in a value list.
fn for_each_scalar_use(data: &mut InstData, mut f: impl FnMut(&mut Value)) {
    match data {
        InstData::Iconst { .. }
        | InstData::Fconst { .. }
        | InstData::Vmctx { .. }
        | InstData::Trap { .. }
        | InstData::Call { .. }
        | InstData::Jump { .. }
        | InstData::Return { .. } => {}
        InstData::Unary { arg, .. } => f(arg),
        InstData::Binary { lhs, rhs, .. }
        | InstData::Icmp { lhs, rhs, .. }
        | InstData::Fcmp { lhs, rhs, .. } => {
            f(lhs);
            f(rhs)
        }
        InstData::Select {
            cond,
            if_true,
            if_false,
            ..
        } => {
            f(cond);
            f(if_true);
            f(if_false)
        }
        InstData::Copy { src, .. } => f(src),
        InstData::Load { addr, .. } => f(addr),
        InstData::Store { addr, value, .. } => {
            f(addr);
            f(value)
        }
        InstData::Brif { cond, .. } => f(cond),
        InstData::BrTable { index, .. } => f(index),
        InstData::TrapIf { cond, .. } => f(cond),
    }
}

impl Ctx<'_> {
    // ---- frames --------------------------------------------------------

    fn block_type(
        &self,
        bt: BlockType,
        offset: usize,
    ) -> Result<(Vec<Type>, Vec<Type>), WasmError> {
        Ok(match bt {
            BlockType::Empty => (vec![], vec![]),
            BlockType::Type(t) => (vec![], vec![ir_type(t, offset)?]),
            BlockType::FuncType(i) => {
                let ft = &self.env.types[i as usize];
                let p = ft
                    .params
                    .iter()
                    .map(|&t| ir_type(t, offset))
                    .collect::<Result<_, _>>()?;
                let r = ft
                    .results
                    .iter()
                    .map(|&t| ir_type(t, offset))
                    .collect::<Result<_, _>>()?;
                (p, r)
            }
        })
    }

    fn push_frame(
        &mut self,
        kind: FrameKind,
        bt: BlockType,
        offset: usize,
    ) -> Result<(), WasmError> {
        let types_start = self.t.frame_types.len() as u32;
        if !self.reachable() {
            self.t.frames.push(Frame {
                kind,
                dead: true,
                label: None,
                else_block: None,
                height: self.t.stack.len(),
                types_start,
                num_params: 0,
                num_results: 0,
                saved_start: self.t.saved_params.len() as u32,
                entry: None,
                start_writes: 0,
            });
            return Ok(());
        }
        let (params, results) = self.block_type(bt, offset)?;
        self.t.frame_types.extend_from_slice(&params);
        self.t.frame_types.extend_from_slice(&results);
        if kind == FrameKind::Loop {
            self.t.loop_depth += 1;
        }
        // (Still in the block before the frame: before a loop's entry jump
        // and an `if`'s branch.)
        self.osr_write_slots(self.t.stack.len() - params.len());
        self.t.frames.push(Frame {
            kind,
            dead: false,
            label: None,
            else_block: None,
            height: self.t.stack.len() - params.len(),
            types_start,
            num_params: params.len() as u32,
            num_results: results.len() as u32,
            saved_start: self.t.saved_params.len() as u32,
            entry: self.t.cur,
            start_writes: self.t.writes,
        });
        Ok(())
    }

    fn frame_index(&self, depth: u32) -> usize {
        self.t.frames.len() - 1 - depth as usize
    }

    /// The branch target of frame `fi`, created with one fixed phi per
    /// carried value on first use.
    fn label(&mut self, fi: usize) -> Block {
        if let Some(l) = self.t.frames[fi].label {
            return l;
        }
        let b = self.new_block();
        let f = &self.t.frames[fi];
        let start = f.branch_types_start();
        for i in start..start + f.branch_arity() as usize {
            let ty = self.t.frame_types[i];
            self.new_phi(b, FIXED, ty);
        }
        self.t.frames[fi].label = Some(b);
        b
    }

    /// The values of `b`'s fixed phis (the block's results or loop
    /// parameters), pushed on the stack.
    fn push_fixed_phis(&mut self, b: Block, n: usize) {
        for i in 0..n {
            let p = self.t.blocks[b.index()].phis[i];
            let v = self.t.phis[p as usize].value;
            self.push(v);
        }
    }

    fn emit_return(&mut self) {
        let n = self.func.signature.results.len();
        let mut vals = std::mem::take(&mut self.t.scratch);
        vals.clear();
        vals.extend_from_slice(self.peek_n(n));
        let args = self.func.make_value_list(&vals);
        self.t.scratch = vals;
        self.emit(InstData::Return { args });
    }

    /// Emits the unconditional branch to frame `fi` carrying the top values,
    /// from the current block, and ends the block.
    fn jump_to_frame(&mut self, fi: usize) {
        if self.t.frames[fi].kind == FrameKind::Function {
            self.emit_return();
        } else {
            let label = self.label(fi);
            let from = self.t.cur.expect("reachable");
            let inst = self.emit(InstData::Jump {
                dest: BlockCall::new(label),
            });
            let n = self.t.frames[fi].branch_arity() as usize;
            let mut args = std::mem::take(&mut self.t.scratch);
            args.clear();
            args.extend_from_slice(self.peek_n(n));
            self.add_edge(label, from, inst, EdgeSlot::Jump, &args);
            self.t.scratch = args;
        }
        self.t.cur = None;
    }

    /// A new block whose only predecessor is the edge `slot` of `inst`.
    fn single_pred_block(&mut self, b: Block, from: Block, inst: Inst, slot: EdgeSlot) {
        self.add_edge(b, from, inst, slot, &[]);
        self.seal(b);
    }

    // ---- control flow --------------------------------------------------

    fn op_block(&mut self, bt: BlockType, offset: usize) -> Result<(), WasmError> {
        self.push_frame(FrameKind::Block, bt, offset)
    }

    fn op_loop(&mut self, bt: BlockType, offset: usize) -> Result<(), WasmError> {
        let loop_index = self.t.loop_count;
        self.t.loop_count += 1;
        self.push_frame(FrameKind::Loop, bt, offset)?;
        if !self.reachable() {
            return Ok(());
        }
        let fi = self.t.frames.len() - 1;
        let (height, n) = {
            let f = &self.t.frames[fi];
            (f.height, f.num_params as usize)
        };
        // In an OSR variant, the optimized code may enter a loop nest in the
        // middle, so every loop header merges the operand-stack entries below
        // the loop like locals: they become variables (one per stack slot
        // and type), written before the loop (by `push_frame`) and read at
        // its header.
        let osr_mode = self.t.osr.is_some();
        let osr_here = self.t.osr == Some(loop_index);
        if osr_here && self.t.num_locals as usize + self.t.stack.len() > MAX_OSR_STATE {
            return Err(WasmError::new(
                "too much state for on-stack replacement",
                offset,
            ));
        }
        // Enter the loop with its parameters as the header's arguments.
        let header = self.label(fi);
        self.jump_to_frame(fi);
        let in_chain = osr_mode && self.t.osr_chain.contains(&loop_index);
        // The dispatch from the enclosing header before this one: on to
        // this header (the OSR loop's loads the state first).
        let dispatch = if in_chain || osr_here {
            self.t.osr_dispatch.take()
        } else {
            None
        };
        if let Some(d) = dispatch {
            self.switch_to(d);
            if !osr_here {
                self.jump_to_frame(fi);
            }
        }
        if osr_here {
            self.enter_osr(fi, dispatch);
        }
        self.truncate_stack(height);
        self.switch_to(header);
        self.osr_read_slots(header, height);
        self.push_fixed_phis(header, n);
        if in_chain {
            // Entered with the flag set: on to the next loop's header.
            if self.t.osr_outer_header.is_none() {
                self.t.osr_outer_header = Some(header);
            }
            let flag = self.read_variable(self.t.num_locals, header);
            let dispatch = self.new_block();
            let body = self.new_block();
            let inst = self.emit(InstData::Brif {
                cond: flag,
                then_dest: BlockCall::new(dispatch),
                else_dest: BlockCall::new(body),
            });
            self.single_pred_block(dispatch, header, inst, EdgeSlot::Then);
            self.single_pred_block(body, header, inst, EdgeSlot::Else);
            self.t.osr_dispatch = Some(dispatch);
            self.switch_to(body);
        }
        Ok(())
    }

    /// In an OSR variant, writes the operand-stack entries below `height`
    /// into their slot variables in the current block: at every frame's
    /// start, so that each path into the frame's end (or a loop's header)
    /// has them defined (see [`Self::osr_read_slots`]).
    fn osr_write_slots(&mut self, height: usize) {
        if self.t.osr.is_none() {
            return;
        }
        let from = self.t.cur.expect("reachable");
        for j in 0..height {
            let v = self.t.stack[j];
            let var = self.slot_var(j, self.func.value_type(v));
            self.write_variable(var, from, v);
        }
    }

    /// In an OSR variant, reads the operand-stack entries below `height`
    /// from their slot variables at `b`, a loop header or a frame's end.
    /// A loop header makes them phis (the OSR entry may come in with other
    /// values), and a later merge may join a path through that header with
    /// one around it (an `if` whose other arm has no loop, a branch out of
    /// a block taken before its loop): there the value the translator last
    /// held does not dominate, so it is read again as a variable.
    fn osr_read_slots(&mut self, b: Block, height: usize) {
        if self.t.osr.is_none() {
            return;
        }
        for j in 0..height {
            let var = self.slot_var(j, self.func.value_type(self.t.stack[j]));
            let v = self.read_variable(var, b);
            self.t.stack[j] = v;
        }
    }

    /// The variable (numbered after the locals) that carries operand-stack
    /// slot `j` holding a `ty` value across loop headers in an OSR variant.
    fn slot_var(&mut self, j: usize, ty: Type) -> u32 {
        let k = match ty {
            Type::I32 => 0,
            Type::I64 => 1,
            Type::F32 => 2,
            Type::F64 => 3,
        };
        let base = self.t.slot_base as usize;
        let var = base + 4 * j + k;
        while self.t.local_types.len() <= var {
            let t =
                [Type::I32, Type::I64, Type::F32, Type::F64][(self.t.local_types.len() - base) % 4];
            self.t.local_types.push(t);
        }
        var as u32
    }

    /// Loads entry `slot` (8 bytes each) of the OSR state buffer as a `ty`
    /// in the current block.
    fn load_osr_state(&mut self, ty: Type, slot: usize) -> Value {
        let entry = self.func.layout[0];
        let buf = self.func.blocks[entry.index()].params[0];
        let dst = self.temp(ty);
        let op = match ty {
            Type::I32 => LoadOp::I32,
            Type::I64 => LoadOp::I64,
            Type::F32 => LoadOp::F32,
            Type::F64 => LoadOp::F64,
        };
        self.emit(InstData::Load {
            op,
            space: AddrSpace::Vm,
            dst,
            addr: buf,
            offset: 8 * slot as u32,
        });
        dst
    }

    /// At the OSR loop `fi`, after the original path's jump to its header:
    /// completes the entry block, which loads every local and operand-stack
    /// entry from the state buffer into the variables and jumps to the
    /// header. When the entry goes through the enclosing loops' headers
    /// (`dispatch`: the last dispatch block, current), the entry sets the
    /// flag and jumps to the outermost one instead, and the dispatch clears
    /// the flag and jumps to the header. (The state is loaded in the entry,
    /// so that the locals the nest never writes keep one value, invariant
    /// in every loop.)
    fn enter_osr(&mut self, fi: usize, dispatch: Option<Block>) {
        let entry = self.func.layout[0];
        let height = self.t.frames[fi].height;
        if let Some(d) = dispatch {
            let zero = self.zero(Type::I32);
            self.write_variable(self.t.num_locals, d, zero);
            self.jump_to_frame(fi);
        }
        self.t.cur = Some(entry);
        let nlocals = self.t.num_locals as usize;
        for local in 0..nlocals {
            let ty = self.t.local_types[local];
            let v = self.load_osr_state(ty, local);
            self.write_variable(local as u32, entry, v);
        }
        for j in 0..self.t.stack.len() {
            let ty = self.func.value_type(self.t.stack[j]);
            let v = self.load_osr_state(ty, nlocals + j);
            if j < height {
                let var = self.slot_var(j, ty);
                self.write_variable(var, entry, v);
            }
            self.t.stack[j] = v;
        }
        match (dispatch, self.t.osr_outer_header) {
            (Some(_), Some(outer)) => {
                let one = self.temp(Type::I32);
                self.emit(InstData::Iconst { dst: one, imm: 1 });
                self.write_variable(self.t.num_locals, entry, one);
                let inst = self.emit(InstData::Jump {
                    dest: BlockCall::new(outer),
                });
                self.add_edge(outer, entry, inst, EdgeSlot::Jump, &[]);
                self.t.cur = None;
            }
            _ => self.jump_to_frame(fi),
        }
        self.t.osr_reached = true;
    }

    fn op_if(&mut self, bt: BlockType, offset: usize) -> Result<(), WasmError> {
        let cond = if self.reachable() {
            Some(self.pop())
        } else {
            None
        };
        self.push_frame(FrameKind::If, bt, offset)?;
        let Some(cond) = cond else { return Ok(()) };
        let fi = self.t.frames.len() - 1;
        // The else arm needs the parameters too.
        let n = self.t.frames[fi].num_params as usize;
        let start = self.t.stack.len() - n;
        for i in start..self.t.stack.len() {
            let v = self.t.stack[i];
            self.t.saved_params.push(v);
        }
        let from = self.t.cur.expect("reachable");
        let then_block = self.new_block();
        let else_block = self.new_block();
        let inst = self.emit(InstData::Brif {
            cond,
            then_dest: BlockCall::new(then_block),
            else_dest: BlockCall::new(else_block),
        });
        self.single_pred_block(then_block, from, inst, EdgeSlot::Then);
        self.single_pred_block(else_block, from, inst, EdgeSlot::Else);
        self.t.frames[fi].else_block = Some(else_block);
        self.switch_to(then_block);
        Ok(())
    }

    /// Starts the else arm of the `if` frame `fi`.
    fn start_else_arm(&mut self, fi: usize) {
        let f = &mut self.t.frames[fi];
        let else_block = f.else_block.take().expect("if frame has an else block");
        let (height, start, n) = (f.height, f.saved_start as usize, f.num_params as usize);
        self.truncate_stack(height);
        self.switch_to(else_block);
        // (The then arm may have replaced them with a loop header's phis,
        // which do not dominate this arm.)
        self.osr_read_slots(else_block, height);
        for i in start..start + n {
            let v = self.t.saved_params[i];
            self.push(v);
        }
    }

    fn op_else(&mut self) {
        let fi = self.t.frames.len() - 1;
        if !self.t.frames[fi].dead {
            if self.reachable() {
                self.jump_to_frame(fi);
            }
            self.start_else_arm(fi);
        }
        self.t.frames[fi].kind = FrameKind::Else;
    }

    fn op_end(&mut self) {
        let fi = self.t.frames.len() - 1;
        let f = self.t.frames[fi].clone();
        if !f.dead {
            match f.kind {
                FrameKind::Function => {
                    if self.reachable() {
                        self.emit_return();
                    }
                    self.t.cur = None;
                }
                FrameKind::Loop => {
                    let header = f.label.expect("loop header");
                    self.seal(header);
                    self.set_skip(header, &f);
                    self.t.loop_depth -= 1;
                }
                FrameKind::Block | FrameKind::If | FrameKind::Else => {
                    if f.kind == FrameKind::If {
                        // No else arm: the parameters flow to the results.
                        if self.reachable() {
                            self.jump_to_frame(fi);
                        }
                        self.start_else_arm(fi);
                        self.jump_to_frame(fi);
                    }
                    match self.t.frames[fi].label {
                        // Nothing branches to the end: fall through in the
                        // current block, results in place.
                        None => {
                            if !self.reachable() {
                                self.truncate_stack(f.height);
                            }
                        }
                        Some(label) => {
                            if self.reachable() {
                                self.jump_to_frame(fi);
                            }
                            self.truncate_stack(f.height);
                            self.seal(label);
                            self.set_skip(label, &f);
                            self.switch_to(label);
                            self.osr_read_slots(label, f.height);
                            self.push_fixed_phis(label, f.num_results as usize);
                        }
                    }
                }
            }
        }
        self.t.saved_params.truncate(f.saved_start as usize);
        self.t.frame_types.truncate(f.types_start as usize);
        self.t.frames.pop();
    }

    /// Records `f`'s entry block for reads through `join`, the join at its
    /// end (see [`BlockState::skip`]). Not in an OSR variant, whose entry
    /// block also jumps into the middle of loop nests.
    fn set_skip(&mut self, join: Block, f: &Frame) {
        if self.t.osr.is_none()
            && let Some(entry) = f.entry
        {
            self.t.blocks[join.index()].skip = Some((entry, f.start_writes));
        }
    }

    fn op_br(&mut self, depth: u32) {
        let fi = self.frame_index(depth);
        self.jump_to_frame(fi);
    }

    fn op_br_if(&mut self, depth: u32) {
        let cond = self.pop();
        let fi = self.frame_index(depth);
        let from = self.t.cur.expect("reachable");
        let cont = self.new_block();
        if self.t.frames[fi].kind == FrameKind::Function {
            let edge = self.new_block();
            let inst = self.emit(InstData::Brif {
                cond,
                then_dest: BlockCall::new(edge),
                else_dest: BlockCall::new(cont),
            });
            self.single_pred_block(edge, from, inst, EdgeSlot::Then);
            self.single_pred_block(cont, from, inst, EdgeSlot::Else);
            self.switch_to(edge);
            self.emit_return();
        } else {
            let label = self.label(fi);
            let inst = self.emit(InstData::Brif {
                cond,
                then_dest: BlockCall::new(label),
                else_dest: BlockCall::new(cont),
            });
            let n = self.t.frames[fi].branch_arity() as usize;
            let args = self.peek_n(n).to_vec();
            self.add_edge(label, from, inst, EdgeSlot::Then, &args);
            self.single_pred_block(cont, from, inst, EdgeSlot::Else);
        }
        self.switch_to(cont);
    }

    fn op_br_table(&mut self, targets: &wasmparser::BrTable<'_>) -> Result<(), WasmError> {
        let index = self.pop();
        let from = self.t.cur.expect("reachable");
        // One edge block per distinct target depth.
        let mut blocks = Vec::with_capacity(targets.len() as usize + 1);
        let mut edges: Vec<(u32, Block)> = Vec::new();
        let mut edge_of: HashMap<u32, Block> = HashMap::new();
        let depths = targets
            .targets()
            .chain(std::iter::once(Ok(targets.default())));
        for depth in depths {
            let depth = depth?;
            let b = match edge_of.get(&depth) {
                Some(&b) => b,
                None => {
                    let b = self.new_block();
                    edge_of.insert(depth, b);
                    edges.push((depth, b));
                    b
                }
            };
            blocks.push(b);
        }
        let table = self.func.make_jump_table(blocks);
        let inst = self.emit(InstData::BrTable { index, table });
        for &(_, b) in &edges {
            self.single_pred_block(b, from, inst, EdgeSlot::Table);
        }
        for &(depth, b) in &edges {
            self.switch_to(b);
            let fi = self.frame_index(depth);
            self.jump_to_frame(fi);
        }
        self.t.cur = None;
        Ok(())
    }

    // ---- calls ---------------------------------------------------------

    // ---- variables -----------------------------------------------------

    fn op_local_get(&mut self, l: u32) {
        let b = self.t.cur.expect("reachable");
        let v = self.read_variable(l, b);
        self.push(v);
    }

    fn op_local_set(&mut self, l: u32, tee: bool) {
        let v = self.pop();
        let b = self.t.cur.expect("reachable");
        self.write_variable(l, b, v);
        self.t.writes += 1;
        self.t.last_write[l as usize] = self.t.writes;
        if tee {
            self.push(v);
        }
    }

    // ---- memory --------------------------------------------------------

    // ---- numeric -------------------------------------------------------

    fn simple(&mut self, s: Simple) {
        let (data, dst) = match s {
            Simple::Un(op, ty) => {
                let arg = self.pop();
                let dst = self.temp(ty);
                (InstData::Unary { op, dst, arg }, dst)
            }
            Simple::Bin(op, ty) => {
                let rhs = self.pop();
                let lhs = self.pop();
                let dst = self.temp(ty);
                (InstData::Binary { op, dst, lhs, rhs }, dst)
            }
            Simple::Icmp(cc) => {
                let rhs = self.pop();
                let lhs = self.pop();
                let dst = self.temp(Type::I32);
                (InstData::Icmp { cc, dst, lhs, rhs }, dst)
            }
            Simple::Fcmp(cc) => {
                let rhs = self.pop();
                let lhs = self.pop();
                let dst = self.temp(Type::I32);
                (InstData::Fcmp { cc, dst, lhs, rhs }, dst)
            }
        };
        self.emit(data);
        self.push(dst);
    }

    /// Translates one (already validated) operator.
    #[inline(always)]
    fn operator(&mut self, op: &Operator<'_>, offset: usize) -> Result<(), WasmError> {
        use Operator as O;

        // Control operators are handled in unreachable code too.
        match op {
            O::Block { blockty } => return self.op_block(*blockty, offset),
            O::Loop { blockty } => return self.op_loop(*blockty, offset),
            O::If { blockty } => return self.op_if(*blockty, offset),
            O::Else => {
                self.op_else();
                return Ok(());
            }
            O::End => {
                self.op_end();
                return Ok(());
            }
            _ => {}
        }
        if !self.reachable() {
            return Ok(());
        }
        if let Some(s) = simple_op(op) {
            self.simple(s);
            return Ok(());
        }
        match op {
            O::Unreachable => {
                self.emit(InstData::Trap {
                    code: TrapCode::Unreachable,
                });
                self.t.cur = None;
            }
            O::Nop => {}
            O::Br { relative_depth } => self.op_br(*relative_depth),
            O::BrIf { relative_depth } => self.op_br_if(*relative_depth),
            O::BrTable { targets } => self.op_br_table(targets)?,
            O::Return => {
                self.emit_return();
                self.t.cur = None;
            }
            O::Drop => {
                self.pop();
            }
            O::LocalGet { local_index } => self.op_local_get(*local_index),
            O::LocalSet { local_index } => self.op_local_set(*local_index, false),
            O::LocalTee { local_index } => self.op_local_set(*local_index, true),

            other => {
                if crate::bulk::translate(self, other, offset)? {
                    return Ok(());
                }
                return Err(WasmError::new(
                    format!("unsupported operator: {other:?}"),
                    offset,
                ));
            }
        }
        Ok(())
    }
}

impl<'a> crate::visit::Translate<'a> for Ctx<'_> {
    #[inline(always)]
    fn translate(&mut self, op: &Operator<'a>, offset: usize) -> Result<(), WasmError> {
        self.t.srcloc = offset as u32;
        self.operator(op, offset)
    }
}

impl crate::bulk::IrSink for Ctx<'_> {
    fn ir_offsets(&self) -> &VMOffsets {
        self.offsets
    }
    fn ir_env(&self) -> &ModuleEnv {
        self.env
    }
    fn ir_func(&mut self) -> &mut Function {
        self.func
    }
    fn ir_emit(&mut self, data: InstData) {
        self.emit(data);
    }
    fn ir_pop(&mut self) -> Value {
        self.pop()
    }
    fn ir_push(&mut self, v: Value) {
        self.push(v);
    }
}
