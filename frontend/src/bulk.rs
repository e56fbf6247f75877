//! Translations shared by both IR builders: globals, linear-memory accesses,
//! `memory.size`/`memory.grow`, and the reference-types and bulk-memory
//! operators.
//!
//! Representation (fixed; the runtime relies on it):
//! - `funcref` and `externref` values are `i64`: a funcref is a
//!   `*const VMFuncRef` (0 is null), an externref an opaque non-zero store
//!   handle (0 is null) that compiled code never dereferences.
//! - `ref.null` is `iconst.i64 0`, `ref.is_null` is `eqz`, `ref.func f` is the
//!   address of function `f`'s VMFuncRef inside the VMContext.
//! - `table.get`, `table.set` and `table.size` are inline: the table's
//!   `VMTableDefinition` is loaded from the VMContext, the index checked
//!   against its length (`trapif ... table_oob`), the 8-byte element loaded or
//!   stored at `base + index * 8`.
//! - Everything else calls a runtime [`Builtin`]. Builtins that can fail
//!   return non-zero when out of bounds (having written nothing), and the code
//!   after the call traps with `heap_oob` or `table_oob`, so the trap has the
//!   operator's source location and no Rust frame is unwound.
//!
//! The builders plug in through [`IrSink`]: how to emit an instruction and how
//! to use their operand stack. Neither builder keeps anything cached across
//! these operators: builtin calls are calls, which every pass treats as
//! clobbering memory.

use strata_ir::{
    AddrSpace, BinaryOp, CallKind, Function, InstData, IntCC, LoadOp, StoreOp, TrapCode, Type,
    UnaryOp, Value, ValueList,
};
use wasmparser::Operator;

use crate::module::{ModuleEnv, WasmError};
use crate::ops::{MemAccess, load_op_for, memory_op, store_op_for};
use crate::vmoffsets::{Builtin, VMOffsets, funcref, memory, table};

/// What the shared translations need of an IR builder.
pub(crate) trait IrSink {
    /// The VMContext layout of the module.
    fn ir_offsets(&self) -> &VMOffsets;
    /// The module.
    fn ir_env(&self) -> &ModuleEnv;
    /// The function being built.
    fn ir_func(&mut self) -> &mut Function;
    /// Appends an instruction to the current block (reachable code only).
    fn ir_emit(&mut self, data: InstData);
    /// Pops the top of the operand stack.
    fn ir_pop(&mut self) -> Value;
    /// Pushes a value onto the operand stack.
    fn ir_push(&mut self, v: Value);
}

/// Translates `op` if it is one of the shared operators (in reachable code);
/// returns whether it was one.
pub(crate) fn translate(
    b: &mut impl IrSink,
    op: &Operator<'_>,
    offset: usize,
) -> Result<bool, WasmError> {
    use Operator as O;
    match memory_op(op) {
        Some(MemAccess::Load(op, m)) => {
            let off = memarg_offset(m, offset)?;
            let addr = b.ir_pop();
            let dst = temp(b, op.result_type());
            b.ir_emit(InstData::Load {
                op,
                space: AddrSpace::Heap,
                dst,
                addr,
                offset: off,
            });
            b.ir_push(dst);
            return Ok(true);
        }
        Some(MemAccess::Store(op, m)) => {
            let off = memarg_offset(m, offset)?;
            let value = b.ir_pop();
            let addr = b.ir_pop();
            b.ir_emit(InstData::Store {
                op,
                space: AddrSpace::Heap,
                addr,
                value,
                offset: off,
            });
            return Ok(true);
        }
        None => {}
    }
    match *op {
        O::I32Const { value } => {
            // i32 constants are kept zero-extended, like i32 values.
            let v = iconst(b, Type::I32, value as u32 as i64);
            b.ir_push(v);
        }
        O::I64Const { value } => {
            let v = iconst(b, Type::I64, value);
            b.ir_push(v);
        }
        O::F32Const { value } => {
            let dst = temp(b, Type::F32);
            b.ir_emit(InstData::Fconst {
                dst,
                bits: value.bits() as u64,
            });
            b.ir_push(dst);
        }
        O::F64Const { value } => {
            let dst = temp(b, Type::F64);
            b.ir_emit(InstData::Fconst {
                dst,
                bits: value.bits(),
            });
            b.ir_push(dst);
        }
        O::Select | O::TypedSelect { .. } => {
            let cond = b.ir_pop();
            let if_false = b.ir_pop();
            let if_true = b.ir_pop();
            let ty = b.ir_func().value_type(if_true);
            let dst = temp(b, ty);
            b.ir_emit(InstData::Select {
                dst,
                cond,
                if_true,
                if_false,
            });
            b.ir_push(dst);
        }
        O::Call { function_index } => call(b, function_index, offset)?,
        O::CallIndirect {
            type_index,
            table_index,
        } => call_indirect(b, type_index, table_index, offset)?,
        O::GlobalGet { global_index } => {
            let ty = global_type(b, global_index, offset)?;
            let (ptr, off) = global_addr(b, global_index);
            let v = load_vm(b, load_op_for(ty), ptr, off);
            b.ir_push(v);
        }
        O::GlobalSet { global_index } => {
            let ty = global_type(b, global_index, offset)?;
            let value = b.ir_pop();
            let (ptr, off) = global_addr(b, global_index);
            b.ir_emit(InstData::Store {
                op: store_op_for(ty),
                space: AddrSpace::Vm,
                addr: ptr,
                value,
                offset: off,
            });
        }
        O::MemorySize { mem } => {
            check_memory(mem, offset)?;
            // The accessible length in bytes, in pages.
            let vmctx = vmctx(b);
            let def_off = b.ir_offsets().memory(0);
            let def = load_vm(b, LoadOp::I64, vmctx, def_off);
            let bytes = load_vm(b, LoadOp::I64, def, memory::LENGTH);
            let sixteen = iconst(b, Type::I64, 16);
            let pages = temp(b, Type::I64);
            b.ir_emit(InstData::Binary {
                op: BinaryOp::ShrU,
                dst: pages,
                lhs: bytes,
                rhs: sixteen,
            });
            let dst = temp(b, Type::I32);
            b.ir_emit(InstData::Unary {
                op: UnaryOp::Wrap,
                dst,
                arg: pages,
            });
            b.ir_push(dst);
        }
        O::MemoryGrow { mem } => {
            check_memory(mem, offset)?;
            let delta = b.ir_pop();
            let index = iconst(b, Type::I32, 0);
            let r = call_builtin(b, Builtin::MemoryGrow, &[index, delta], true)
                .expect("memory.grow has a result");
            b.ir_push(r);
        }
        O::RefNull { .. } => {
            let v = iconst(b, Type::I64, 0);
            b.ir_push(v);
        }
        O::RefIsNull => {
            let arg = b.ir_pop();
            let dst = temp(b, Type::I32);
            b.ir_emit(InstData::Unary {
                op: UnaryOp::Eqz,
                dst,
                arg,
            });
            b.ir_push(dst);
        }
        O::RefFunc { function_index } => {
            let off = b.ir_offsets().funcref(function_index);
            let vmctx = vmctx(b);
            let v = iadd_imm(b, vmctx, off as i64);
            b.ir_push(v);
        }
        O::TableGet { table } => {
            let index = b.ir_pop();
            let addr = table_element_addr(b, table, index, TrapCode::TableOutOfBounds);
            let v = temp(b, Type::I64);
            b.ir_emit(InstData::Load {
                op: LoadOp::I64,
                space: AddrSpace::Vm,
                dst: v,
                addr,
                offset: 0,
            });
            b.ir_push(v);
        }
        O::TableSet { table } => {
            let value = b.ir_pop();
            let index = b.ir_pop();
            let addr = table_element_addr(b, table, index, TrapCode::TableOutOfBounds);
            b.ir_emit(InstData::Store {
                op: StoreOp::I64,
                space: AddrSpace::Vm,
                addr,
                value,
                offset: 0,
            });
        }
        O::TableSize { table } => {
            let tdef = table_def(b, table);
            let len = load_vm(b, LoadOp::I32, tdef, table::LENGTH);
            b.ir_push(len);
        }
        O::TableGrow { table } => {
            let delta = b.ir_pop();
            let init = b.ir_pop();
            let t = iconst(b, Type::I32, table as i64);
            let r = call_builtin(b, Builtin::TableGrow, &[t, init, delta], true);
            b.ir_push(r.expect("table.grow has a result"));
        }
        O::TableFill { table } => {
            let len = b.ir_pop();
            let value = b.ir_pop();
            let dst = b.ir_pop();
            let t = iconst(b, Type::I32, table as i64);
            checked_builtin(b, Builtin::TableFill, &[t, dst, value, len]);
        }
        O::TableCopy {
            dst_table,
            src_table,
        } => {
            let len = b.ir_pop();
            let src = b.ir_pop();
            let dst = b.ir_pop();
            let d = iconst(b, Type::I32, dst_table as i64);
            let s = iconst(b, Type::I32, src_table as i64);
            checked_builtin(b, Builtin::TableCopy, &[d, s, dst, src, len]);
        }
        O::TableInit { elem_index, table } => {
            let len = b.ir_pop();
            let src = b.ir_pop();
            let dst = b.ir_pop();
            let t = iconst(b, Type::I32, table as i64);
            let seg = iconst(b, Type::I32, elem_index as i64);
            checked_builtin(b, Builtin::TableInit, &[t, seg, dst, src, len]);
        }
        O::ElemDrop { elem_index } => {
            let seg = iconst(b, Type::I32, elem_index as i64);
            call_builtin(b, Builtin::ElemDrop, &[seg], false);
        }
        O::MemoryCopy { dst_mem, src_mem } => {
            check_memory(dst_mem, offset)?;
            check_memory(src_mem, offset)?;
            let len = b.ir_pop();
            let src = b.ir_pop();
            let dst = b.ir_pop();
            checked_builtin(b, Builtin::MemoryCopy, &[dst, src, len]);
        }
        O::MemoryFill { mem } => {
            check_memory(mem, offset)?;
            let len = b.ir_pop();
            let value = b.ir_pop();
            let dst = b.ir_pop();
            checked_builtin(b, Builtin::MemoryFill, &[dst, value, len]);
        }
        O::MemoryInit { data_index, mem } => {
            check_memory(mem, offset)?;
            let len = b.ir_pop();
            let src = b.ir_pop();
            let dst = b.ir_pop();
            let seg = iconst(b, Type::I32, data_index as i64);
            checked_builtin(b, Builtin::MemoryInit, &[seg, dst, src, len]);
        }
        O::DataDrop { data_index } => {
            let seg = iconst(b, Type::I32, data_index as i64);
            call_builtin(b, Builtin::DataDrop, &[seg], false);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// A new value list of `prefix` followed by `n` values popped from the
/// operand stack (in push order), written straight into the function's
/// value pool (calls are frequent: no vector per call).
fn list_with_popped(b: &mut impl IrSink, prefix: &[Value], n: usize) -> ValueList {
    let pool = &mut b.ir_func().value_pool;
    let start = pool.len();
    pool.extend_from_slice(prefix);
    pool.resize(start + prefix.len() + n, Value::new(0));
    for i in (0..n).rev() {
        let v = b.ir_pop();
        b.ir_func().value_pool[start + prefix.len() + i] = v;
    }
    ValueList {
        start: start as u32,
        len: (prefix.len() + n) as u32,
    }
}

/// Emits a call of function type `type_index` with `prefix` and the
/// parameters popped from the operand stack as its arguments, and pushes
/// its results.
fn emit_call(
    b: &mut impl IrSink,
    kind: CallKind,
    type_index: u32,
    prefix: &[Value],
    offset: usize,
) -> Result<(), WasmError> {
    let (nparams, nresults) = {
        let ft = &b.ir_env().types[type_index as usize];
        (ft.params.len(), ft.results.len())
    };
    let args = list_with_popped(b, prefix, nparams);
    let start = b.ir_func().value_pool.len();
    for k in 0..nresults {
        let t = b.ir_env().types[type_index as usize].results[k];
        let r = temp(b, crate::baseline::ir_type(t, offset)?);
        b.ir_func().value_pool.push(r);
    }
    let results = ValueList {
        start: start as u32,
        len: nresults as u32,
    };
    b.ir_emit(InstData::Call {
        kind,
        args,
        results,
    });
    for k in 0..nresults {
        let r = b.ir_func().value_pool[start + k];
        b.ir_push(r);
    }
    Ok(())
}

/// `call f`: a direct call within the instance, or through the imported
/// function's funcref (its code and VMContext) for an import.
fn call(b: &mut impl IrSink, f: u32, offset: usize) -> Result<(), WasmError> {
    let type_index = b.ir_env().functions[f as usize];
    let slot = b.ir_offsets().funcref(f);
    if b.ir_env().is_imported_func(f) {
        let vmctx = vmctx(b);
        let code = load_vm(b, LoadOp::I64, vmctx, slot + funcref::CODE);
        let callee_vmctx = load_vm(b, LoadOp::I64, vmctx, slot + funcref::VMCTX);
        emit_call(
            b,
            CallKind::Indirect,
            type_index,
            &[code, callee_vmctx],
            offset,
        )
    } else {
        let kind = CallKind::Direct {
            slot: slot + funcref::CODE,
        };
        emit_call(b, kind, type_index, &[], offset)
    }
}

/// `call_indirect`: the index is checked against the table's length
/// ("undefined element"), the entry against null ("uninitialized element")
/// and the callee's canonical signature id against the expected one
/// ("indirect call type mismatch"), then the funcref's code is called with
/// its VMContext.
fn call_indirect(
    b: &mut impl IrSink,
    type_index: u32,
    table_index: u32,
    offset: usize,
) -> Result<(), WasmError> {
    let index = b.ir_pop();
    let addr = table_element_addr(b, table_index, index, TrapCode::UndefinedElement);
    let fref = load_vm(b, LoadOp::I64, addr, 0);
    let is_null = temp(b, Type::I32);
    b.ir_emit(InstData::Unary {
        op: UnaryOp::Eqz,
        dst: is_null,
        arg: fref,
    });
    b.ir_emit(InstData::TrapIf {
        cond: is_null,
        code: TrapCode::UninitializedElement,
    });
    let actual = load_vm(b, LoadOp::I32, fref, funcref::TYPE_ID);
    let expected_off = b.ir_offsets().type_id(type_index);
    let vmctx = vmctx(b);
    let expected = load_vm(b, LoadOp::I32, vmctx, expected_off);
    let mismatch = temp(b, Type::I32);
    b.ir_emit(InstData::Icmp {
        cc: IntCC::NotEqual,
        dst: mismatch,
        lhs: actual,
        rhs: expected,
    });
    b.ir_emit(InstData::TrapIf {
        cond: mismatch,
        code: TrapCode::IndirectCallTypeMismatch,
    });
    let code = load_vm(b, LoadOp::I64, fref, funcref::CODE);
    let callee_vmctx = load_vm(b, LoadOp::I64, fref, funcref::VMCTX);
    emit_call(
        b,
        CallKind::Indirect,
        type_index,
        &[code, callee_vmctx],
        offset,
    )
}

/// The constant offset of a memory immediate (memory 0 only).
fn memarg_offset(m: &wasmparser::MemArg, offset: usize) -> Result<u32, WasmError> {
    if m.target != wasmparser::MemArgTarget::Memory(0) {
        return Err(WasmError::new(
            "multiple memories are not supported",
            offset,
        ));
    }
    u32::try_from(m.offset).map_err(|_| WasmError::new("memory offset out of range", offset))
}

fn global_type(b: &impl IrSink, g: u32, offset: usize) -> Result<Type, WasmError> {
    crate::baseline::ir_type(b.ir_env().globals[g as usize].ty, offset)
}

/// The address of global `g`'s storage, as a pointer and an offset: inside
/// the VMContext for a global the module defines, else through the
/// storage pointer in the VMContext.
fn global_addr(b: &mut impl IrSink, g: u32) -> (Value, u32) {
    let vmctx = vmctx(b);
    if let Some(off) = b.ir_offsets().defined_global(g) {
        return (vmctx, off);
    }
    let off = b.ir_offsets().global(g);
    (load_vm(b, LoadOp::I64, vmctx, off), 0)
}

fn check_memory(mem: u32, offset: usize) -> Result<(), WasmError> {
    if mem != 0 {
        return Err(WasmError::new(
            "multiple memories are not supported",
            offset,
        ));
    }
    Ok(())
}

fn temp(b: &mut impl IrSink, ty: Type) -> Value {
    b.ir_func().new_value(ty)
}

fn iconst(b: &mut impl IrSink, ty: Type, imm: i64) -> Value {
    let dst = temp(b, ty);
    b.ir_emit(InstData::Iconst { dst, imm });
    dst
}

fn vmctx(b: &mut impl IrSink) -> Value {
    let dst = temp(b, Type::I64);
    b.ir_emit(InstData::Vmctx { dst });
    dst
}

fn iadd_imm(b: &mut impl IrSink, lhs: Value, imm: i64) -> Value {
    let rhs = iconst(b, Type::I64, imm);
    let dst = temp(b, Type::I64);
    b.ir_emit(InstData::Binary {
        op: BinaryOp::Iadd,
        dst,
        lhs,
        rhs,
    });
    dst
}

fn load_vm(b: &mut impl IrSink, op: LoadOp, addr: Value, offset: u32) -> Value {
    let dst = temp(b, op.result_type());
    b.ir_emit(InstData::Load {
        op,
        space: AddrSpace::Vm,
        dst,
        addr,
        offset,
    });
    dst
}

/// Loads table `t`'s `VMTableDefinition` pointer.
fn table_def(b: &mut impl IrSink, t: u32) -> Value {
    let vmctx = vmctx(b);
    let off = b.ir_offsets().table(t);
    load_vm(b, LoadOp::I64, vmctx, off)
}

/// The address of element `index` of table `t`, after checking the index
/// against the table's length (trapping with `oob` past it).
fn table_element_addr(b: &mut impl IrSink, t: u32, index: Value, oob_code: TrapCode) -> Value {
    let tdef = table_def(b, t);
    let len = load_vm(b, LoadOp::I32, tdef, table::LENGTH);
    let oob = temp(b, Type::I32);
    b.ir_emit(InstData::Icmp {
        cc: IntCC::UnsignedGreaterThanOrEqual,
        dst: oob,
        lhs: index,
        rhs: len,
    });
    b.ir_emit(InstData::TrapIf {
        cond: oob,
        code: oob_code,
    });
    let base = load_vm(b, LoadOp::I64, tdef, table::BASE);
    let idx64 = temp(b, Type::I64);
    b.ir_emit(InstData::Unary {
        op: UnaryOp::UextI32,
        dst: idx64,
        arg: index,
    });
    let three = iconst(b, Type::I64, 3);
    let scaled = temp(b, Type::I64);
    b.ir_emit(InstData::Binary {
        op: BinaryOp::Shl,
        dst: scaled,
        lhs: idx64,
        rhs: three,
    });
    let addr = temp(b, Type::I64);
    b.ir_emit(InstData::Binary {
        op: BinaryOp::Iadd,
        dst: addr,
        lhs: base,
        rhs: scaled,
    });
    addr
}

/// Calls `builtin` with the VMContext followed by `args`; returns its `i32`
/// result when `has_result`.
fn call_builtin(
    b: &mut impl IrSink,
    builtin: Builtin,
    args: &[Value],
    has_result: bool,
) -> Option<Value> {
    let vmctx = vmctx(b);
    let mut all = Vec::with_capacity(args.len() + 1);
    all.push(vmctx);
    all.extend_from_slice(args);
    let result = has_result.then(|| temp(b, Type::I32));
    let func = b.ir_func();
    let args = func.make_value_list(&all);
    let results = func.make_value_list(result.as_slice());
    let slot = b.ir_offsets().builtin(builtin);
    b.ir_emit(InstData::Call {
        kind: CallKind::Builtin { slot },
        args,
        results,
    });
    result
}

/// Calls a builtin that returns non-zero when out of bounds, and traps then
/// with the memory or table trap code.
fn checked_builtin(b: &mut impl IrSink, builtin: Builtin, args: &[Value]) {
    let code = match builtin {
        Builtin::MemoryCopy | Builtin::MemoryFill | Builtin::MemoryInit => {
            TrapCode::MemoryOutOfBounds
        }
        _ => TrapCode::TableOutOfBounds,
    };
    let r = call_builtin(b, builtin, args, true).expect("checked builtins have a result");
    b.ir_emit(InstData::TrapIf { cond: r, code });
}
