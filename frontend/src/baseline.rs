//! The baseline IR builder: one forward pass over a function's operators,
//! validating each with wasmparser's `FuncValidator` and translating it to
//! non-SSA IR on the spot (one visitor call per operator: `crate::visit`).
//! No SSA construction, no optimisation.
//!
//! ## How values flow
//! - Locals are the function's first values: parameters `v0..vP` (the entry
//!   block's parameters), then declared locals, zero-initialized at entry.
//!   `local.set` assigns the local's value again (non-SSA).
//! - The operand stack holds [`Value`]s. `local.get` pushes the local's own
//!   value (no copy); before a local is assigned, every stack entry that still
//!   refers to it is replaced by a copy made at that point, so the stack keeps
//!   the old value (a per-local reference count makes the common case free).
//! - Each control frame owns "label variables": for a `loop` its parameters,
//!   otherwise its results. A branch copies the values it carries into the
//!   target's label variables (as a parallel copy) and jumps; after a `block`,
//!   `if` or `else` ends, its result variables are pushed.
//! - Code after an unconditional branch is unreachable: it is validated but
//!   not translated, until the end of its frame.
//!
//! Every pass here is linear in the size of the function; the translator's
//! buffers are reused from one function to the next.

use std::collections::HashMap;

use strata_ir::{
    BinaryOp, Block, BlockCall, CallKind, FloatCC, Function, InstData, IntCC, TrapCode, Type,
    UnaryOp, Value,
};
use wasmparser::{
    BlockType, FuncValidator, FuncValidatorAllocations, Operator, OperatorsReader, ValType,
    ValidatorResources,
};

use crate::module::{ModuleEnv, WasmError};
use crate::ops::{Simple, simple_op};
use crate::vmoffsets::VMOffsets;

/// Converts a Wasm value type to an IR type. References (`funcref`,
/// `externref`) are `i64` pointers or handles, 0 being null.
pub fn ir_type(ty: ValType, offset: usize) -> Result<Type, WasmError> {
    Ok(match ty {
        ValType::I32 => Type::I32,
        ValType::I64 => Type::I64,
        ValType::F32 => Type::F32,
        ValType::F64 => Type::F64,
        ValType::Ref(_) => Type::I64,
        other => {
            return Err(WasmError::new(
                format!("unsupported value type {other}"),
                offset,
            ));
        }
    })
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
    /// Branch target: loop header or end block.
    label: Block,
    /// For `if`: the block of the else arm, until `else` or `end` fills it.
    else_block: Option<Block>,
    /// Stack height below the frame's parameters.
    height: usize,
    /// First label variable; the variables are consecutive values.
    vars_start: u32,
    /// The number of label variables.
    vars_len: u32,
    /// The number of parameters and results.
    num_params: u32,
    num_results: u32,
    /// For `if` with parameters: where the saved parameters start in
    /// `saved_params`.
    saved_start: u32,
    /// Whether some branch targets the end of this frame.
    end_reachable: bool,
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
}

/// Translates function bodies to baseline IR. Reuse one per thread.
#[derive(Default)]
pub struct BaselineTranslator {
    allocs: Option<FuncValidatorAllocations>,
    stack: Vec<Value>,
    frames: Vec<Frame>,
    /// Per local: how many stack entries refer to it.
    local_refs: Vec<u32>,
    num_locals: u32,
    saved_params: Vec<Value>,
    scratch: Vec<Value>,
    cur: Option<Block>,
    srcloc: u32,
    /// The lowest stack position that may hold a local's value
    /// (`usize::MAX`: none).
    min_local_ref: usize,
    /// The number of live (not dead) loop frames open.
    loop_depth: u32,
    /// The tiered engine's counters, when on.
    tiering: Option<Tiering>,
    /// The number of `loop` operators seen so far (dead ones included).
    loop_count: u32,
    /// The defined function being translated.
    def_index: u32,
}

/// Counter checks for the tiered engine (see `CallKind::TierCheck`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tiering {
    /// Whether loop headers offer on-stack replacement (they count in any
    /// case).
    pub osr: bool,
}

/// The most state values (locals plus operand-stack entries) a loop may
/// hand over through on-stack replacement; loops with more only count.
pub const MAX_OSR_STATE: usize = 2048;

/// A translation in progress: the module, the function and the translator.
struct Ctx<'a> {
    env: &'a ModuleEnv,
    offsets: &'a VMOffsets,
    func: &'a mut Function,
    t: &'a mut BaselineTranslator,
}

impl BaselineTranslator {
    /// A translator with empty buffers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the translated code count calls and loop iterations for the
    /// tiered engine (`None`: no counters, the default).
    pub fn set_tiering(&mut self, tiering: Option<Tiering>) {
        self.tiering = tiering;
    }

    /// Validates and translates defined function `def_index` of `env` (whose
    /// bytes are `wasm`) into `func`, which is cleared first.
    pub fn translate(
        &mut self,
        env: &ModuleEnv,
        offsets: &VMOffsets,
        wasm: &[u8],
        def_index: usize,
        func: &mut Function,
    ) -> Result<(), WasmError> {
        let info = &env.bodies[def_index];
        let body = info.function_body(wasm);
        let mut validator = info.func_validator(self.allocs.take().unwrap_or_default());
        let func_index = info.func_index();
        func.clear();
        self.stack.clear();
        self.frames.clear();
        self.local_refs.clear();
        self.saved_params.clear();
        self.cur = None;
        self.min_local_ref = usize::MAX;
        self.loop_depth = 0;
        self.loop_count = 0;
        self.def_index = def_index as u32;
        self.srcloc = body.range().start as u32;
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

    /// Validates defined function `def_index` of `env` without translating
    /// it: reads the body exactly as [`translate`](Self::translate) does and
    /// fails with the same error on every body that `translate` rejects for
    /// a reason other than an operator it cannot translate (with the
    /// engine's supported features, that is every invalid body). For lazy
    /// compilation, which checks every body up front and translates later.
    pub fn validate(
        &mut self,
        env: &ModuleEnv,
        wasm: &[u8],
        def_index: usize,
    ) -> Result<(), WasmError> {
        let info = &env.bodies[def_index];
        let body = info.function_body(wasm);
        let mut validator = info.func_validator(self.allocs.take().unwrap_or_default());
        let result = validate_body(env, info.func_index(), body, &mut validator);
        self.allocs = Some(validator.into_allocations());
        result
    }
}

/// Reads the local declarations at the start of a body, validating each
/// group (and that its type is one the tiers compile) before calling
/// `declare(count, type)` for it.
pub(crate) fn read_locals(
    reader: &mut wasmparser::BinaryReader<'_>,
    validator: &mut FuncValidator<ValidatorResources>,
    mut declare: impl FnMut(u32, Type),
) -> Result<(), WasmError> {
    let groups = reader.read_var_u32()?;
    for _ in 0..groups {
        let offset = reader.original_position();
        let count = reader.read_var_u32()?;
        let vt: ValType = reader.read()?;
        validator.define_locals(offset, count, vt)?;
        declare(count, ir_type(vt, offset as usize)?);
    }
    Ok(())
}

/// The body of [`BaselineTranslator::validate`]: the reads and checks of
/// `Ctx::run`, in the same order, without the translation.
fn validate_body(
    env: &ModuleEnv,
    func_index: u32,
    body: wasmparser::FunctionBody<'_>,
    validator: &mut FuncValidator<ValidatorResources>,
) -> Result<(), WasmError> {
    let ty = env.func_type(func_index);
    let start = body.range().start;
    for &t in ty.params.iter().chain(ty.results.iter()) {
        ir_type(t, start as usize)?;
    }
    let mut reader = body.get_binary_reader();
    read_locals(&mut reader, validator, |_, _| {})?;
    // `translate` reads operators until the function's own frame closes,
    // which is when the validator's control stack empties.
    let mut ops = OperatorsReader::new(reader);
    while validator.control_stack_height() > 0 {
        let offset = ops.original_position();
        ops.visit_operator(&mut validator.simd_visitor(offset))??;
    }
    ops.finish()?;
    Ok(())
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
            self.func.signature.params.push(ir_type(p, start)?);
        }
        for &r in ty.results.iter() {
            self.func.signature.results.push(ir_type(r, start)?);
        }
        let entry = self.func.new_block();
        self.func.append_block_to_layout(entry);
        self.t.cur = Some(entry);
        for i in 0..self.func.signature.params.len() {
            let t = self.func.signature.params[i];
            self.func.append_block_param(entry, t);
        }

        let mut reader = body.get_binary_reader();
        read_locals(&mut reader, validator, |count, t| {
            for _ in 0..count {
                let v = self.func.new_value(t);
                let zero = if t.is_int() {
                    InstData::Iconst { dst: v, imm: 0 }
                } else {
                    InstData::Fconst { dst: v, bits: 0 }
                };
                self.emit(zero);
            }
        })?;
        self.t.num_locals = self.func.num_values() as u32;
        self.t.local_refs.resize(self.t.num_locals as usize, 0);
        if self.t.tiering.is_some() {
            self.tier_check(CallKind::NO_LOOP, 0);
        }

        // The function's own frame: a branch to it returns.
        let nres = ty.results.len() as u32;
        self.t.frames.push(Frame {
            kind: FrameKind::Function,
            dead: false,
            label: entry,
            else_block: None,
            height: 0,
            vars_start: 0,
            vars_len: 0,
            num_params: 0,
            num_results: nres,
            saved_start: 0,
            end_reachable: false,
        });

        let mut ops = OperatorsReader::new(reader);
        while !self.t.frames.is_empty() {
            crate::visit::next_op(&mut ops, validator, self)?;
        }
        ops.finish()?;
        Ok(())
    }

    // ---- small helpers -------------------------------------------------

    fn reachable(&self) -> bool {
        self.t.cur.is_some()
    }

    fn emit(&mut self, data: InstData) {
        let b = self.t.cur.expect("emit in reachable code");
        self.func.append_inst(b, data, self.t.srcloc);
    }

    fn temp(&mut self, ty: Type) -> Value {
        self.func.new_value(ty)
    }

    fn is_local(&self, v: Value) -> bool {
        (v.index() as u32) < self.t.num_locals
    }

    fn push(&mut self, v: Value) {
        if self.is_local(v) {
            self.t.local_refs[v.index()] += 1;
            self.t.min_local_ref = self.t.min_local_ref.min(self.t.stack.len());
        }
        self.t.stack.push(v);
    }

    fn pop(&mut self) -> Value {
        // Validation guarantees the stack is deep enough in reachable code.
        let v = self.t.stack.pop().expect("validated operand stack");
        if self.is_local(v) {
            self.t.local_refs[v.index()] -= 1;
        }
        v
    }

    fn peek_n(&self, n: usize) -> &[Value] {
        &self.t.stack[self.t.stack.len() - n..]
    }

    fn truncate_stack(&mut self, height: usize) {
        while self.t.stack.len() > height {
            self.pop();
        }
    }

    fn switch_to(&mut self, b: Block) {
        self.func.append_block_to_layout(b);
        self.func.blocks[b.index()].loop_depth = self.loop_depth();
        self.t.cur = Some(b);
    }

    fn loop_depth(&self) -> u32 {
        self.t.loop_depth
    }

    /// Before local `l` is assigned: stack entries still referring to it get
    /// the current value through a copy.
    fn materialize_local(&mut self, l: Value) {
        let mut left = self.t.local_refs[l.index()];
        if left == 0 {
            return;
        }
        let ty = self.func.value_type(l);
        let copy = self.temp(ty);
        self.emit(InstData::Copy { dst: copy, src: l });
        for i in (0..self.t.stack.len()).rev() {
            if self.t.stack[i] == l {
                self.t.stack[i] = copy;
                left -= 1;
                if left == 0 {
                    break;
                }
            }
        }
        self.t.local_refs[l.index()] = 0;
    }

    /// Before control flow splits (entering a block, loop or if), every stack
    /// entry still referring to a local gets its current value through a copy,
    /// so a later assignment inside the construct cannot change it. Inside
    /// one frame, `materialize_local` suffices because the code from the read
    /// to the assignment is then on one path. Amortized linear: each scan
    /// starts at the lowest position pushed since the last one.
    fn materialize_all_locals(&mut self) {
        let start = self.t.min_local_ref;
        self.t.min_local_ref = usize::MAX;
        for i in start..self.t.stack.len() {
            let v = self.t.stack[i];
            if self.is_local(v) {
                let copy = self.temp(self.func.value_type(v));
                self.emit(InstData::Copy { dst: copy, src: v });
                self.t.local_refs[v.index()] -= 1;
                self.t.stack[i] = copy;
            }
        }
    }

    /// Copies the top `n` stack values (left in place) into the label
    /// variables of frame `fi`, as a parallel copy.
    fn copy_to_vars(&mut self, fi: usize) {
        let f = &self.t.frames[fi];
        let n = f.branch_arity() as usize;
        let (start, len) = (f.vars_start, f.vars_len);
        debug_assert_eq!(len as usize, n);
        let mut srcs = std::mem::take(&mut self.t.scratch);
        srcs.clear();
        srcs.extend_from_slice(self.peek_n(n));
        let overlaps = srcs
            .iter()
            .any(|v| (start..start + len).contains(&(v.index() as u32)));
        if overlaps {
            for s in srcs.iter_mut() {
                let ty = self.func.value_type(*s);
                let t = self.temp(ty);
                self.emit(InstData::Copy { dst: t, src: *s });
                *s = t;
            }
        }
        for (i, &src) in srcs.iter().enumerate() {
            let dst = Value(start + i as u32);
            if dst != src {
                self.emit(InstData::Copy { dst, src });
            }
        }
        self.t.scratch = srcs;
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

    /// Emits the branch to frame `fi` carrying the top values, from the
    /// current block, and ends the block.
    fn branch_to(&mut self, fi: usize) {
        if self.t.frames[fi].kind == FrameKind::Function {
            self.emit_return();
            return;
        }
        self.copy_to_vars(fi);
        let f = &mut self.t.frames[fi];
        if f.kind != FrameKind::Loop {
            f.end_reachable = true;
        }
        let label = f.label;
        self.emit(InstData::Jump {
            dest: BlockCall::new(label),
        });
    }

    /// The block a conditional branch to frame `fi` should target: the label
    /// itself when nothing needs copying, else a new edge block holding the
    /// copies and the jump.
    fn branch_target(&mut self, fi: usize) -> Block {
        let f = &self.t.frames[fi];
        if f.kind != FrameKind::Function && f.branch_arity() == 0 {
            let label = f.label;
            if f.kind != FrameKind::Loop {
                self.t.frames[fi].end_reachable = true;
            }
            return label;
        }
        let cur = self.t.cur;
        let edge = self.func.new_block();
        self.switch_to(edge);
        self.branch_to(fi);
        self.t.cur = cur;
        edge
    }

    fn push_frame(
        &mut self,
        kind: FrameKind,
        bt: BlockType,
        offset: usize,
    ) -> Result<(), WasmError> {
        if !self.reachable() {
            self.t.frames.push(Frame {
                kind,
                dead: true,
                label: Block(0),
                else_block: None,
                height: self.t.stack.len(),
                vars_start: 0,
                vars_len: 0,
                num_params: 0,
                num_results: 0,
                saved_start: 0,
                end_reachable: false,
            });
            return Ok(());
        }
        // The block's parameter and result types, checked without a vector
        // for them (blocks are frequent); a loop's variables are its
        // parameters, any other block's its results.
        let env = self.env;
        let single;
        let (params, results): (&[ValType], &[ValType]) = match bt {
            BlockType::Empty => (&[], &[]),
            BlockType::Type(t) => {
                single = [t];
                (&[], &single)
            }
            BlockType::FuncType(i) => {
                let ft = &env.types[i as usize];
                (&ft.params, &ft.results)
            }
        };
        let (var_types, other_types) = if kind == FrameKind::Loop {
            (params, results)
        } else {
            (results, params)
        };
        // (The variables' types are checked as their values are made.)
        for &t in other_types {
            ir_type(t, offset)?;
        }
        let vars_start = self.func.num_values() as u32;
        for &t in var_types {
            self.func.new_value(ir_type(t, offset)?);
        }
        let height = self.t.stack.len() - params.len();
        let frame = Frame {
            kind,
            dead: false,
            label: Block(0),
            else_block: None,
            height,
            vars_start,
            vars_len: var_types.len() as u32,
            num_params: params.len() as u32,
            num_results: results.len() as u32,
            saved_start: self.t.saved_params.len() as u32,
            end_reachable: false,
        };
        self.t.frames.push(frame);
        Ok(())
    }

    fn top_frame(&mut self) -> &mut Frame {
        self.t.frames.last_mut().expect("validated control stack")
    }

    fn frame_index(&self, depth: u32) -> usize {
        self.t.frames.len() - 1 - depth as usize
    }

    // ---- control flow --------------------------------------------------

    fn op_block(&mut self, bt: BlockType, offset: usize) -> Result<(), WasmError> {
        if self.reachable() {
            self.materialize_all_locals();
        }
        self.push_frame(FrameKind::Block, bt, offset)?;
        if self.reachable() {
            let end = self.func.new_block();
            self.top_frame().label = end;
        }
        Ok(())
    }

    /// A tier-up counter check; at a loop header (`loop_index` set) its
    /// arguments are the state handed over through OSR: every local, then
    /// the bottom `stack` operand-stack entries.
    fn tier_check(&mut self, loop_index: u32, stack: usize) {
        let counter = self.offsets.counter(self.t.def_index);
        let builtin = self.offsets.builtin(crate::vmoffsets::Builtin::TierUp);
        let mut vals = std::mem::take(&mut self.t.scratch);
        vals.clear();
        if loop_index != CallKind::NO_LOOP {
            vals.extend((0..self.t.num_locals).map(Value));
            vals.extend_from_slice(&self.t.stack[..stack]);
        }
        let args = self.func.make_value_list(&vals);
        self.t.scratch = vals;
        let results = self.func.make_value_list(&[]);
        self.emit(InstData::Call {
            kind: CallKind::TierCheck {
                counter,
                builtin,
                loop_index,
            },
            args,
            results,
        });
    }

    fn op_loop(&mut self, bt: BlockType, offset: usize) -> Result<(), WasmError> {
        let loop_index = self.t.loop_count;
        self.t.loop_count += 1;
        if self.reachable() {
            self.materialize_all_locals();
        }
        self.push_frame(FrameKind::Loop, bt, offset)?;
        if !self.reachable() {
            return Ok(());
        }
        let header = self.func.new_block();
        let fi = self.t.frames.len() - 1;
        self.t.frames[fi].label = header;
        self.t.loop_depth += 1;
        // Enter the loop with its parameters in the label variables.
        self.copy_to_vars(fi);
        self.emit(InstData::Jump {
            dest: BlockCall::new(header),
        });
        let f = self.t.frames[fi].clone();
        self.truncate_stack(f.height);
        self.switch_to(header);
        for i in 0..f.vars_len {
            self.push(Value(f.vars_start + i));
        }
        if let Some(tiering) = self.t.tiering {
            let state = self.t.num_locals as usize + self.t.stack.len();
            let index = if tiering.osr && state <= MAX_OSR_STATE {
                loop_index
            } else {
                CallKind::NO_LOOP
            };
            self.tier_check(index, self.t.stack.len());
        }
        Ok(())
    }

    fn op_if(&mut self, bt: BlockType, offset: usize) -> Result<(), WasmError> {
        let cond = if self.reachable() {
            let cond = self.pop();
            self.materialize_all_locals();
            Some(cond)
        } else {
            None
        };
        self.push_frame(FrameKind::If, bt, offset)?;
        let Some(cond) = cond else { return Ok(()) };
        let fi = self.t.frames.len() - 1;
        let nparams = self.t.frames[fi].num_params as usize;
        // The else arm needs the parameters too: keep their current values.
        for i in 0..nparams {
            let idx = self.t.stack.len() - nparams + i;
            let v = self.t.stack[idx];
            let v = if self.is_local(v) {
                let t = self.temp(self.func.value_type(v));
                self.emit(InstData::Copy { dst: t, src: v });
                self.t.local_refs[v.index()] -= 1;
                self.t.stack[idx] = t;
                t
            } else {
                v
            };
            self.t.saved_params.push(v);
        }
        let then_block = self.func.new_block();
        let else_block = self.func.new_block();
        let end = self.func.new_block();
        let f = &mut self.t.frames[fi];
        f.label = end;
        f.else_block = Some(else_block);
        self.emit(InstData::Brif {
            cond,
            then_dest: BlockCall::new(then_block),
            else_dest: BlockCall::new(else_block),
        });
        self.switch_to(then_block);
        Ok(())
    }

    /// Ends the arm of an `if` (or a `block`) that is being left by falling
    /// through: branch to the end with the results.
    fn fall_through_to_end(&mut self, fi: usize) {
        if self.reachable() {
            self.branch_to(fi);
            self.t.cur = None;
        }
    }

    /// Starts the else arm of the `if` frame `fi`.
    fn start_else_arm(&mut self, fi: usize) {
        let f = self.t.frames[fi].clone();
        self.truncate_stack(f.height);
        let else_block = f.else_block.expect("if frame has an else block");
        self.t.frames[fi].else_block = None;
        self.switch_to(else_block);
        for i in 0..f.num_params {
            let v = self.t.saved_params[(f.saved_start + i) as usize];
            self.push(v);
        }
    }

    fn op_else(&mut self) {
        let fi = self.t.frames.len() - 1;
        if self.t.frames[fi].dead {
            self.t.frames[fi].kind = FrameKind::Else;
            return;
        }
        self.fall_through_to_end(fi);
        self.start_else_arm(fi);
        self.t.frames[fi].kind = FrameKind::Else;
    }

    fn op_end(&mut self) {
        let fi = self.t.frames.len() - 1;
        let f = self.t.frames[fi].clone();
        if f.dead {
            self.t.frames.pop();
            return;
        }
        match f.kind {
            FrameKind::Function => {
                if self.reachable() {
                    self.emit_return();
                }
                self.t.cur = None;
            }
            FrameKind::Loop => self.t.loop_depth -= 1,
            FrameKind::Block | FrameKind::If | FrameKind::Else => {
                self.fall_through_to_end(fi);
                if f.kind == FrameKind::If {
                    // No else arm: the parameters flow to the results.
                    self.start_else_arm(fi);
                    self.fall_through_to_end(fi);
                }
                self.truncate_stack(f.height);
                if self.t.frames[fi].end_reachable {
                    self.switch_to(f.label);
                    for i in 0..f.vars_len {
                        self.push(Value(f.vars_start + i));
                    }
                }
            }
        }
        self.t.saved_params.truncate(f.saved_start as usize);
        self.t.frames.pop();
    }

    fn op_br(&mut self, depth: u32) {
        let fi = self.frame_index(depth);
        self.branch_to(fi);
        self.t.cur = None;
    }

    fn op_br_if(&mut self, depth: u32) {
        let cond = self.pop();
        let fi = self.frame_index(depth);
        let target = self.branch_target(fi);
        let cont = self.func.new_block();
        self.emit(InstData::Brif {
            cond,
            then_dest: BlockCall::new(target),
            else_dest: BlockCall::new(cont),
        });
        self.switch_to(cont);
    }

    fn op_br_table(&mut self, targets: &wasmparser::BrTable<'_>) -> Result<(), WasmError> {
        let index = self.pop();
        let mut blocks = Vec::with_capacity(targets.len() as usize + 1);
        let mut edges: HashMap<u32, Block> = HashMap::new();
        let mut resolve = |this: &mut Self, depth: u32| -> Block {
            if let Some(&b) = edges.get(&depth) {
                return b;
            }
            let fi = this.frame_index(depth);
            let b = this.branch_target(fi);
            edges.insert(depth, b);
            b
        };
        for depth in targets.targets() {
            let depth = depth?;
            let b = resolve(self, depth);
            blocks.push(b);
        }
        let b = resolve(self, targets.default());
        blocks.push(b);
        let table = self.func.make_jump_table(blocks);
        self.emit(InstData::BrTable { index, table });
        self.t.cur = None;
        Ok(())
    }

    // ---- calls ---------------------------------------------------------

    // ---- variables -----------------------------------------------------

    fn op_local_set(&mut self, l: u32, tee: bool) {
        let local = Value(l);
        let v = self.pop();
        self.materialize_local(local);
        if v != local {
            // Write the result of the instruction that just produced a
            // single-use temporary straight into the local. (Label variables
            // and call results are written by copies and calls, which are
            // never retargeted.)
            let retargeted = !self.is_local(v) && self.retarget_last_def(v, local);
            if !retargeted {
                self.emit(InstData::Copy { dst: local, src: v });
            }
        }
        if tee {
            self.push(local);
        }
    }

    fn retarget_last_def(&mut self, v: Value, local: Value) -> bool {
        let Some(b) = self.t.cur else { return false };
        let Some(&last) = self.func.blocks[b.index()].insts.last() else {
            return false;
        };
        let data = &mut self.func.insts[last.index()];
        // (Not a copy or a VMContext read: those stay as they are.)
        if matches!(data, InstData::Copy { .. } | InstData::Vmctx { .. }) {
            return false;
        }
        match data.single_dst_mut() {
            Some(dst) if *dst == v => {
                *dst = local;
                true
            }
            _ => false,
        }
    }

    // ---- memory --------------------------------------------------------

    // ---- numeric -------------------------------------------------------

    fn unary(&mut self, op: UnaryOp, ty: Type) {
        let arg = self.pop();
        let dst = self.temp(ty);
        self.emit(InstData::Unary { op, dst, arg });
        self.push(dst);
    }

    fn binary(&mut self, op: BinaryOp, ty: Type) {
        let rhs = self.pop();
        let lhs = self.pop();
        let dst = self.temp(ty);
        self.emit(InstData::Binary { op, dst, lhs, rhs });
        self.push(dst);
    }

    fn icmp(&mut self, cc: IntCC) {
        let rhs = self.pop();
        let lhs = self.pop();
        let dst = self.temp(Type::I32);
        self.emit(InstData::Icmp { cc, dst, lhs, rhs });
        self.push(dst);
    }

    fn fcmp(&mut self, cc: FloatCC) {
        let rhs = self.pop();
        let lhs = self.pop();
        let dst = self.temp(Type::I32);
        self.emit(InstData::Fcmp { cc, dst, lhs, rhs });
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
            match s {
                Simple::Un(op, ty) => self.unary(op, ty),
                Simple::Bin(op, ty) => self.binary(op, ty),
                Simple::Icmp(cc) => self.icmp(cc),
                Simple::Fcmp(cc) => self.fcmp(cc),
            }
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
            O::LocalGet { local_index } => self.push(Value(*local_index)),
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
