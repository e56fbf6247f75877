//! Instantiation: import matching, VMContext construction, segment
//! initialization and the start function; and the exported-item handles.

use strata_frontend::module::{ConstExpr, ConstOp, DataKind, ElemItems, ElemKind, ExportKind};
use strata_frontend::vmoffsets::{Builtin, VMOffsets, funcref};

use crate::error::{Error, ErrorKind, Result};
use crate::func::Func;
use crate::memory::LinearMemory;
use crate::module::Module;
use crate::refs;
use crate::store::{FuncData, FuncKind, Store, StoreOpaque};
use crate::values::{ExternType, GlobalType, MemoryType, Mutability, TableType, Val, ValType};
use crate::vm::{GlobalData, InstanceRecord, TableData, VMFuncRef};

/// An instantiated module in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instance {
    pub(crate) store_id: u64,
    pub(crate) index: u32,
}

/// A linear memory in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Memory {
    pub(crate) store_id: u64,
    pub(crate) index: u32,
}

/// A table in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Table {
    pub(crate) store_id: u64,
    pub(crate) index: u32,
}

/// A global in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Global {
    pub(crate) store_id: u64,
    pub(crate) index: u32,
}

/// Anything an instance can import or export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A memory.
    Memory(Memory),
    /// A global.
    Global(Global),
    /// A table.
    Table(Table),
}

impl From<Func> for Extern {
    fn from(f: Func) -> Self {
        Extern::Func(f)
    }
}
impl From<Memory> for Extern {
    fn from(m: Memory) -> Self {
        Extern::Memory(m)
    }
}
impl From<Global> for Extern {
    fn from(g: Global) -> Self {
        Extern::Global(g)
    }
}
impl From<Table> for Extern {
    fn from(t: Table) -> Self {
        Extern::Table(t)
    }
}

impl Extern {
    /// The item's type.
    pub fn ty<T>(&self, store: &Store<T>) -> ExternType {
        let s = store.opaque();
        match self {
            Extern::Func(f) => ExternType::Func(f.data(s).ty.clone()),
            Extern::Memory(m) => ExternType::Memory(m.ty(store)),
            Extern::Global(g) => ExternType::Global(g.ty(store)),
            Extern::Table(t) => ExternType::Table(t.ty(store)),
        }
    }
    /// The function, if it is one.
    pub fn into_func(self) -> Option<Func> {
        match self {
            Extern::Func(f) => Some(f),
            _ => None,
        }
    }
    /// The memory, if it is one.
    pub fn into_memory(self) -> Option<Memory> {
        match self {
            Extern::Memory(m) => Some(m),
            _ => None,
        }
    }
    /// The global, if it is one.
    pub fn into_global(self) -> Option<Global> {
        match self {
            Extern::Global(g) => Some(g),
            _ => None,
        }
    }
    /// The table, if it is one.
    pub fn into_table(self) -> Option<Table> {
        match self {
            Extern::Table(t) => Some(t),
            _ => None,
        }
    }
}

/// An instance's state in its store.
pub(crate) struct InstanceData {
    /// Registrations of this VMContext's code slots (tiered and lazily
    /// compiled modules). Declared first: dropped (unregistered) before the
    /// VMContext is freed.
    pub(crate) tier_slots: Vec<crate::tiering::SlotRegistration>,
    pub(crate) module: Module,
    /// The VMContext (16-byte aligned storage).
    pub(crate) vmctx: Box<[u128]>,
    pub(crate) record: Box<InstanceRecord>,
    /// Store indices of the instance's functions, memories, tables, globals
    /// (imported first).
    pub(crate) funcs: Vec<u32>,
    pub(crate) memories: Vec<u32>,
    pub(crate) tables: Vec<u32>,
    pub(crate) globals: Vec<u32>,
    /// Per data segment: whether it was dropped (`data.drop`, or active and
    /// applied at instantiation); a dropped segment reads as empty.
    pub(crate) data_dropped: Vec<bool>,
    /// Per element segment: its items as raw references, evaluated at
    /// instantiation; empty once dropped (`elem.drop`, active or declarative).
    pub(crate) elem_items: Vec<Box<[u64]>>,
}

impl InstanceData {
    fn vmctx_ptr(&mut self) -> *mut u8 {
        self.vmctx.as_mut_ptr() as *mut u8
    }
}

/// Tiered and lazily compiled modules: starts this instance's tier-up
/// counters, and registers every VMFuncRef code slot of its VMContext that
/// names a function of such a module (its own defined functions, and
/// imported Wasm functions) so that new code (lazily compiled or
/// optimized) is published into it.
fn register_code_slots(s: &StoreOpaque, data: &mut InstanceData, vmctx: *mut u8) {
    let module = data.module.clone();
    let env = &module.inner.env;
    let offsets = &module.inner.offsets;
    let code_slot = |f: u32| vmctx as usize + (offsets.funcref(f) + funcref::CODE) as usize;
    if module.inner.tiering.is_some() {
        let budget = module.engine().config().tier_up.budget;
        for def in 0..env.bodies.len() as u32 {
            // SAFETY: the counters lie inside the VMContext.
            unsafe { (vmctx.add(offsets.counter(def) as usize) as *mut i32).write(budget as i32) };
        }
    }
    if let Some(slots) = &module.inner.slots {
        let own = (0..env.bodies.len() as u32)
            .map(|def| (def, code_slot(env.num_imported_funcs + def)))
            .collect();
        data.tier_slots.push(slots.register(&module.inner, own));
    }
    for f in 0..env.num_imported_funcs {
        let src = &s.funcs[data.funcs[f as usize] as usize];
        let FuncKind::Wasm { instance } = src.kind else {
            continue;
        };
        let exporter = &s.instances[instance as usize];
        let m = &exporter.module.inner;
        let Some(slots) = &m.slots else { continue };
        let rel = (src.funcref_ptr as usize)
            .wrapping_sub(exporter.vmctx.as_ptr() as usize)
            .wrapping_sub(m.offsets.funcrefs as usize);
        let Some(def) = (rel / funcref::SIZE as usize)
            .checked_sub(m.env.num_imported_funcs as usize)
            .filter(|&d| d < m.env.bodies.len() && rel.is_multiple_of(funcref::SIZE as usize))
        else {
            continue;
        };
        data.tier_slots
            .push(slots.register(m, vec![(def as u32, code_slot(f))]));
    }
}

/// Writes a pointer-sized value into a VMContext.
fn write_slot(vmctx: *mut u8, offset: u32, value: u64) {
    // SAFETY: callers pass offsets from the module's VMOffsets, which lie
    // inside the `size` bytes allocated for the VMContext; slots are 8-aligned.
    unsafe { (vmctx.add(offset as usize) as *mut u64).write(value) }
}

fn eval_const(store: &StoreOpaque, inst: &InstanceData, expr: &ConstExpr) -> Result<u128> {
    let global = |i: u32| -> u128 { store.globals[inst.globals[i as usize] as usize].get() };
    let funcref = |i: u32| -> u128 {
        let f = &store.funcs[inst.funcs[i as usize] as usize];
        f.funcref_ptr as usize as u128
    };
    Ok(match expr {
        ConstExpr::I32(v) => *v as u32 as u128,
        ConstExpr::I64(v) => *v as u64 as u128,
        ConstExpr::F32(b) => *b as u128,
        ConstExpr::F64(b) => *b as u128,
        ConstExpr::V128(v) => *v,
        ConstExpr::GlobalGet(g) => global(*g),
        ConstExpr::RefNull(_) => 0,
        ConstExpr::RefFunc(f) => funcref(*f),
        ConstExpr::Extended(ops) => {
            let mut stack: Vec<u128> = Vec::new();
            for op in ops.iter() {
                match *op {
                    ConstOp::I32Const(v) => stack.push(v as u32 as u128),
                    ConstOp::I64Const(v) => stack.push(v as u64 as u128),
                    ConstOp::F32Const(b) => stack.push(b as u128),
                    ConstOp::F64Const(b) => stack.push(b as u128),
                    ConstOp::V128Const(v) => stack.push(v),
                    ConstOp::GlobalGet(g) => stack.push(global(g)),
                    ConstOp::RefNull(_) => stack.push(0),
                    ConstOp::RefFunc(f) => stack.push(funcref(f)),
                    ConstOp::I32Add | ConstOp::I32Sub | ConstOp::I32Mul => {
                        let b = stack.pop().unwrap_or(0) as u32;
                        let a = stack.pop().unwrap_or(0) as u32;
                        stack.push(match op {
                            ConstOp::I32Add => a.wrapping_add(b),
                            ConstOp::I32Sub => a.wrapping_sub(b),
                            _ => a.wrapping_mul(b),
                        } as u128)
                    }
                    ConstOp::I64Add | ConstOp::I64Sub | ConstOp::I64Mul => {
                        let b = stack.pop().unwrap_or(0) as u64;
                        let a = stack.pop().unwrap_or(0) as u64;
                        stack.push(match op {
                            ConstOp::I64Add => a.wrapping_add(b),
                            ConstOp::I64Sub => a.wrapping_sub(b),
                            _ => a.wrapping_mul(b),
                        } as u128)
                    }
                }
            }
            stack.pop().unwrap_or(0)
        }
    })
}

fn limits_match(actual_min: u64, actual_max: Option<u64>, min: u64, max: Option<u64>) -> bool {
    actual_min >= min
        && match max {
            None => true,
            Some(m) => actual_max.is_some_and(|am| am <= m),
        }
}

impl Instance {
    /// Instantiates `module` with `imports` given in the module's import order.
    pub fn new<T>(store: &mut Store<T>, module: &Module, imports: &[Extern]) -> Result<Instance> {
        if !module.engine().same(store.engine()) {
            return Err(Error::other("the module was compiled for another engine"));
        }
        let env = &module.inner.env;
        let expected: Vec<_> = module.imports().collect();
        if expected.len() != imports.len() {
            return Err(Error::link(format!(
                "expected {} imports, got {}",
                expected.len(),
                imports.len()
            )));
        }
        let mut data = InstanceData {
            tier_slots: Vec::new(),
            module: module.clone(),
            vmctx: vec![0u128; (module.inner.offsets.size as usize).div_ceil(16)]
                .into_boxed_slice(),
            record: Box::new(InstanceRecord {
                store: std::ptr::null_mut(),
                instance: 0,
            }),
            funcs: Vec::with_capacity(env.functions.len()),
            memories: Vec::new(),
            tables: Vec::new(),
            globals: Vec::new(),
            data_dropped: vec![false; env.data.len()],
            elem_items: Vec::new(),
        };
        // Imports: check and record.
        for (imp, ext) in expected.iter().zip(imports) {
            let actual = ext.ty(store);
            let ok = match (&imp.ty(), &actual) {
                (ExternType::Func(a), ExternType::Func(b)) => a == b,
                (ExternType::Global(a), ExternType::Global(b)) => a == b,
                (ExternType::Memory(a), ExternType::Memory(b)) => {
                    limits_match(b.minimum, b.maximum, a.minimum, a.maximum)
                }
                (ExternType::Table(a), ExternType::Table(b)) => {
                    a.element == b.element
                        && limits_match(b.minimum, b.maximum, a.minimum, a.maximum)
                }
                _ => false,
            };
            if !ok {
                return Err(Error::link(format!(
                    "incompatible import type for {}::{}: expected {}, got {}",
                    imp.module(),
                    imp.name(),
                    imp.ty(),
                    actual
                )));
            }
            let id = store.opaque().id;
            match ext {
                Extern::Func(f) => {
                    check_id(id, f.store_id)?;
                    data.funcs.push(f.index)
                }
                Extern::Memory(m) => {
                    check_id(id, m.store_id)?;
                    data.memories.push(m.index)
                }
                Extern::Table(t) => {
                    check_id(id, t.store_id)?;
                    data.tables.push(t.index)
                }
                Extern::Global(g) => {
                    check_id(id, g.store_id)?;
                    data.globals.push(g.index)
                }
            }
        }

        let limit = store.engine().config().memory_limit_pages;
        let s = store.opaque_mut();
        let instance_index = s.instances.len() as u32;
        // Defined memories, tables.
        for i in env.num_imported_memories as usize..env.memories.len() {
            let m = &env.memories[i];
            let initial = u32::try_from(m.initial).unwrap_or(u32::MAX);
            let max = m.maximum.map(|x| u32::try_from(x).unwrap_or(u32::MAX));
            let mem = LinearMemory::new(initial, max, limit)
                .map_err(|e| Error::new(ErrorKind::Other, format!("cannot create memory: {e}")))?;
            data.memories.push(s.memories.len() as u32);
            s.memories.push(mem);
        }
        for i in env.num_imported_tables as usize..env.tables.len() {
            let ty = module.table_type(i as u32);
            if ty.minimum > 10_000_000 {
                return Err(Error::new(ErrorKind::Other, "table too large"));
            }
            data.tables.push(s.tables.len() as u32);
            s.tables.push(TableData::new(ty));
        }
        // Function handles for the defined functions; funcrefs live in the
        // VMContext.
        let offsets: &VMOffsets = &module.inner.offsets;
        let vmctx = data.vmctx_ptr();
        for f in env.num_imported_funcs..env.functions.len() as u32 {
            let idx = s.funcs.len() as u32;
            let ty = module.func_type(f).clone();
            // SAFETY: the funcref slot lies inside the VMContext.
            let funcref_ptr = unsafe { vmctx.add(offsets.funcref(f) as usize) } as *const VMFuncRef;
            s.funcs.push(FuncData {
                ty,
                kind: FuncKind::Wasm {
                    instance: instance_index,
                },
                _own_funcref: None,
                funcref_ptr,
                array_trampoline: None,
                _host_trampoline: None,
                _type_id: None,
            });
            data.funcs.push(idx);
        }
        // Defined globals (their initializers may read imported globals and
        // earlier globals, and take function references).
        for (k, init) in env.global_inits.iter().enumerate() {
            let g = env.num_imported_globals as usize + k;
            let value = eval_const(s, &data, init)?;
            let ty = module.global_type(g as u32);
            let off = offsets
                .defined_global(g as u32)
                .expect("a defined global has storage in the VMContext");
            // SAFETY: the storage lies inside the VMContext (16-aligned: a
            // boxed `[u128]` and a 16-aligned offset), which the store keeps
            // in this instance's data, unmoved, for as long as it lives.
            let global = unsafe { GlobalData::in_vmctx(vmctx.add(off as usize).cast(), value, ty) };
            data.globals.push(s.globals.len() as u32);
            s.globals.push(global);
        }

        // Fill the VMContext.
        let stack_limit: *mut usize = &mut *s.stack_limit;
        write_slot(vmctx, strata_ir::vmctx::STACK_LIMIT_PTR, stack_limit as u64);
        let heap_base = data
            .memories
            .first()
            .map_or(0, |&m| s.memories[m as usize].base() as u64);
        write_slot(vmctx, strata_ir::vmctx::HEAP_BASE, heap_base);
        data.record.store = s as *mut StoreOpaque;
        data.record.instance = instance_index;
        write_slot(
            vmctx,
            offsets.instance,
            &*data.record as *const InstanceRecord as u64,
        );
        for b in Builtin::ALL {
            write_slot(
                vmctx,
                offsets.builtin(b),
                crate::builtins::address(b) as u64,
            );
        }
        for (i, &m) in data.memories.iter().enumerate() {
            write_slot(
                vmctx,
                offsets.memory(i as u32),
                s.memories[m as usize].definition_ptr() as u64,
            );
        }
        for (i, &t) in data.tables.iter().enumerate() {
            let def: *const crate::vm::VMTableDefinition = &*s.tables[t as usize].def;
            write_slot(vmctx, offsets.table(i as u32), def as u64);
        }
        for (i, &g) in data.globals.iter().enumerate() {
            let p = s.globals[g as usize].storage();
            write_slot(vmctx, offsets.global(i as u32), p as u64);
        }
        let code_base = module.inner.code.as_ptr();
        for f in 0..env.functions.len() as u32 {
            let slot = offsets.funcref(f);
            let store_index = data.funcs[f as usize];
            let (code, type_id, callee_vmctx) = if env.is_imported_func(f) {
                let src = s.funcs[store_index as usize].funcref_ptr;
                // SAFETY: imported funcrefs are live (owned by this store).
                unsafe { ((*src).code, (*src).type_id, (*src).vmctx) }
            } else {
                let def = (f - env.num_imported_funcs) as usize;
                // SAFETY: the offset lies inside the module's code memory.
                let code = unsafe { code_base.add(module.inner.func_offsets[def] as usize) };
                let ty = env.functions[f as usize] as usize;
                (code, module.inner.type_ids[ty], vmctx)
            };
            // SAFETY: the funcref slot lies inside the VMContext.
            unsafe {
                (vmctx.add(slot as usize) as *mut VMFuncRef).write(VMFuncRef {
                    code,
                    type_id,
                    store_index,
                    vmctx: callee_vmctx,
                });
            }
        }
        for (i, &id) in module.inner.type_ids.iter().enumerate() {
            // SAFETY: the type id slots lie inside the VMContext.
            unsafe { (vmctx.add(offsets.type_id(i as u32) as usize) as *mut u32).write(id) };
        }
        register_code_slots(s, &mut data, vmctx);

        // Active segments are applied in order; the first one out of bounds
        // traps, and what earlier ones wrote stays written (the current
        // spec's rule, which the testsuite checks through shared imports).
        let s = store.opaque_mut();
        s.instances.push(data);
        let inst_index = instance_index as usize;
        init_segments(s, inst_index)?;
        let instance = Instance {
            store_id: store.opaque().id,
            index: instance_index,
        };
        if let Some(start) = env.start {
            let f = Func {
                store_id: store.opaque().id,
                index: store.opaque().instances[inst_index].funcs[start as usize],
            };
            f.call(store, &[], &mut [])?;
        }
        Ok(instance)
    }

    pub(crate) fn data<'a>(&self, store: &'a StoreOpaque) -> &'a InstanceData {
        store.check(self.store_id);
        &store.instances[self.index as usize]
    }

    /// The export called `name`.
    pub fn get_export<T>(&self, store: &mut Store<T>, name: &str) -> Option<Extern> {
        let s = store.opaque();
        let data = self.data(s);
        let e = data.module.inner.env.export(name)?;
        let id = s.id;
        let i = e.index as usize;
        Some(match e.kind {
            ExportKind::Func => Extern::Func(Func {
                store_id: id,
                index: data.funcs[i],
            }),
            ExportKind::Memory => Extern::Memory(Memory {
                store_id: id,
                index: data.memories[i],
            }),
            ExportKind::Table => Extern::Table(Table {
                store_id: id,
                index: data.tables[i],
            }),
            ExportKind::Global => Extern::Global(Global {
                store_id: id,
                index: data.globals[i],
            }),
            ExportKind::Tag => return None,
        })
    }

    /// All exports with their names, in order.
    pub fn exports<T>(&self, store: &mut Store<T>) -> Vec<(String, Extern)> {
        let names: Vec<String> = self
            .data(store.opaque())
            .module
            .inner
            .env
            .exports
            .iter()
            .map(|e| e.name.clone())
            .collect();
        names
            .into_iter()
            .filter_map(|n| {
                let e = self.get_export(store, &n)?;
                Some((n, e))
            })
            .collect()
    }

    /// The exported function `name`.
    pub fn get_func<T>(&self, store: &mut Store<T>, name: &str) -> Option<Func> {
        self.get_export(store, name)?.into_func()
    }

    /// The exported function `name` with a static type
    /// (`get_typed_func::<Params, Results>(&mut store, name)`).
    pub fn get_typed_func<P: crate::func::WasmParams, R: crate::func::WasmResults>(
        &self,
        store: &mut impl crate::store::AsStoreMut,
        name: &str,
    ) -> Result<crate::func::TypedFunc<P, R>> {
        let store = store.as_store_mut();
        let f = self.get_func(store, name).ok_or_else(|| {
            Error::new(
                ErrorKind::Link,
                format!("no exported function named `{name}`"),
            )
        })?;
        f.typed(store)
    }

    /// The exported memory `name`.
    pub fn get_memory<T>(&self, store: &mut Store<T>, name: &str) -> Option<Memory> {
        self.get_export(store, name)?.into_memory()
    }

    /// The exported global `name`.
    pub fn get_global<T>(&self, store: &mut Store<T>, name: &str) -> Option<Global> {
        self.get_export(store, name)?.into_global()
    }

    /// The exported table `name`.
    pub fn get_table<T>(&self, store: &mut Store<T>, name: &str) -> Option<Table> {
        self.get_export(store, name)?.into_table()
    }
}

fn check_id(store: u64, handle: u64) -> Result<()> {
    if store == handle {
        Ok(())
    } else {
        Err(Error::other("an import belongs to another store"))
    }
}

fn trap_error(code: strata_ir::TrapCode) -> Error {
    Error::trap(crate::error::Trap::new(
        Some(code),
        code.message().to_string(),
        vec![],
    ))
}

/// Evaluates the element segments of instance `inst`, then applies its
/// active element and data segments in order and drops them; declarative
/// element segments are dropped from the start. The first active segment out
/// of bounds traps (writing nothing); what earlier ones wrote stays written.
fn init_segments(s: &mut StoreOpaque, inst: usize) -> Result<()> {
    let module = s.instances[inst].module.clone();
    let env = &module.inner.env;
    let mut elem_items = Vec::with_capacity(env.elements.len());
    for seg in &env.elements {
        let items: Box<[u64]> = match &seg.kind {
            ElemKind::Declared => Box::default(),
            _ => match &seg.items {
                ElemItems::Funcs(fs) => fs
                    .iter()
                    .map(|&f| {
                        s.funcs[s.instances[inst].funcs[f as usize] as usize].funcref_ptr as u64
                    })
                    .collect(),
                ElemItems::Exprs(_, es) => es
                    .iter()
                    .map(|e| Ok(eval_const(s, &s.instances[inst], e)? as u64))
                    .collect::<Result<_>>()?,
            },
        };
        elem_items.push(items);
    }
    s.instances[inst].elem_items = elem_items;
    for (k, seg) in env.elements.iter().enumerate() {
        let ElemKind::Active { table, offset } = &seg.kind else {
            continue;
        };
        let off = eval_const(s, &s.instances[inst], offset)? as u32 as usize;
        let t = s.instances[inst].tables[*table as usize] as usize;
        let items = std::mem::take(&mut s.instances[inst].elem_items[k]);
        let elements = &mut s.tables[t].elements;
        if off
            .checked_add(items.len())
            .is_none_or(|end| end > elements.len())
        {
            return Err(trap_error(strata_ir::TrapCode::TableOutOfBounds));
        }
        elements[off..off + items.len()].copy_from_slice(&items);
    }
    for (k, seg) in env.data.iter().enumerate() {
        let DataKind::Active { memory, offset } = &seg.kind else {
            continue;
        };
        let off = eval_const(s, &s.instances[inst], offset)? as u32 as usize;
        let m = s.instances[inst].memories[*memory as usize] as usize;
        let bytes = &module.inner.bytes[seg.data.clone()];
        let mem = &mut s.memories[m];
        if off
            .checked_add(bytes.len())
            .is_none_or(|end| end > mem.size_bytes())
        {
            return Err(trap_error(strata_ir::TrapCode::MemoryOutOfBounds));
        }
        mem.data_mut()[off..off + bytes.len()].copy_from_slice(bytes);
        s.instances[inst].data_dropped[k] = true;
    }
    Ok(())
}

impl Memory {
    /// A new memory owned by the store.
    pub fn new<T>(store: &mut Store<T>, ty: MemoryType) -> Result<Memory> {
        let limit = store.engine().config().memory_limit_pages;
        let min =
            u32::try_from(ty.minimum).map_err(|_| Error::other("memory minimum too large"))?;
        let max = ty
            .maximum
            .map(|m| u32::try_from(m).map_err(|_| Error::other("memory maximum too large")))
            .transpose()?;
        let mem = LinearMemory::new(min, max, limit)
            .map_err(|e| Error::new(ErrorKind::Other, format!("cannot create memory: {e}")))?;
        let s = store.opaque_mut();
        s.memories.push(mem);
        Ok(Memory {
            store_id: s.id,
            index: s.memories.len() as u32 - 1,
        })
    }
    fn mem<'a>(&self, s: &'a StoreOpaque) -> &'a LinearMemory {
        s.check(self.store_id);
        &s.memories[self.index as usize]
    }
    /// Its type (current size as minimum).
    pub fn ty<T>(&self, store: &Store<T>) -> MemoryType {
        let m = self.mem(store.opaque());
        MemoryType {
            minimum: m.size_pages() as u64,
            maximum: m.maximum_pages().map(|x| x as u64),
        }
    }
    /// The memory's bytes.
    pub fn data<'a, T>(&self, store: &'a Store<T>) -> &'a [u8] {
        self.mem(store.opaque()).data()
    }
    /// The memory's bytes, mutably.
    pub fn data_mut<'a, T>(&self, store: &'a mut Store<T>) -> &'a mut [u8] {
        let s = store.opaque_mut();
        s.check(self.store_id);
        s.memories[self.index as usize].data_mut()
    }
    /// Copies bytes out of the memory.
    pub fn read<T>(&self, store: &Store<T>, offset: usize, buf: &mut [u8]) -> Result<()> {
        let data = self.data(store);
        let src = offset
            .checked_add(buf.len())
            .and_then(|end| data.get(offset..end))
            .ok_or_else(|| Error::other("out of bounds memory access"))?;
        buf.copy_from_slice(src);
        Ok(())
    }
    /// Copies bytes into the memory.
    pub fn write<T>(&self, store: &mut Store<T>, offset: usize, bytes: &[u8]) -> Result<()> {
        let data = self.data_mut(store);
        let dst = offset
            .checked_add(bytes.len())
            .and_then(|end| data.get_mut(offset..end))
            .ok_or_else(|| Error::other("out of bounds memory access"))?;
        dst.copy_from_slice(bytes);
        Ok(())
    }
    /// The size in pages.
    pub fn size<T>(&self, store: &Store<T>) -> u64 {
        self.mem(store.opaque()).size_pages() as u64
    }
    /// Grows by `delta` pages, returning the old size.
    pub fn grow<T>(&self, store: &mut Store<T>, delta: u64) -> Result<u64> {
        let s = store.opaque_mut();
        s.check(self.store_id);
        let delta = u32::try_from(delta).map_err(|_| Error::other("failed to grow memory"))?;
        s.memories[self.index as usize]
            .grow(delta)
            .map(|o| o as u64)
            .ok_or_else(|| Error::other("failed to grow memory"))
    }
}

impl Global {
    /// A new global owned by the store. A reference value is kept alive by
    /// the store (see `Store`).
    pub fn new<T>(store: &mut Store<T>, ty: GlobalType, value: Val) -> Result<Global> {
        if value.ty() != ty.content {
            return Err(Error::other(format!(
                "global of type {} initialized with a {}",
                ty.content,
                value.ty()
            )));
        }
        let raw = refs::val_to_raw(store.opaque_mut(), &value)?;
        let s = store.opaque_mut();
        s.globals.push(GlobalData::owned(raw, ty));
        Ok(Global {
            store_id: s.id,
            index: s.globals.len() as u32 - 1,
        })
    }
    /// Its type.
    pub fn ty<T>(&self, store: &Store<T>) -> GlobalType {
        let s = store.opaque();
        s.check(self.store_id);
        s.globals[self.index as usize].ty
    }
    /// Its value.
    pub fn get<T>(&self, store: &Store<T>) -> Val {
        let s = store.opaque();
        s.check(self.store_id);
        let g = &s.globals[self.index as usize];
        refs::raw_to_val(s, g.get(), g.ty.content)
    }
    /// Sets its value (mutable globals only).
    pub fn set<T>(&self, store: &mut Store<T>, value: Val) -> Result<()> {
        let ty = self.ty(store);
        if ty.mutability != Mutability::Var {
            return Err(Error::other("cannot set an immutable global"));
        }
        if value.ty() != ty.content {
            return Err(Error::other(format!(
                "global of type {} set to a {}",
                ty.content,
                value.ty()
            )));
        }
        let raw = refs::val_to_raw(store.opaque_mut(), &value)?;
        store.opaque_mut().globals[self.index as usize].set(raw);
        Ok(())
    }
}

impl Table {
    /// A new `funcref` or `externref` table owned by the store, every element
    /// `init` (which must have the element type).
    pub fn new<T>(store: &mut Store<T>, ty: TableType, init: Val) -> Result<Table> {
        if !matches!(ty.element, ValType::FuncRef | ValType::ExternRef) {
            return Err(Error::other(format!(
                "a table's elements must be references, not {}",
                ty.element
            )));
        }
        if ty.minimum > crate::vm::MAX_TABLE_ELEMENTS || ty.maximum.is_some_and(|m| m < ty.minimum)
        {
            return Err(Error::other(format!(
                "invalid table size: minimum {}, maximum {:?}",
                ty.minimum, ty.maximum
            )));
        }
        let raw = refs::ref_to_raw(store.opaque_mut(), ty.element, &init)?;
        let mut t = TableData::new(ty);
        t.elements.fill(raw);
        let s = store.opaque_mut();
        s.tables.push(t);
        Ok(Table {
            store_id: s.id,
            index: s.tables.len() as u32 - 1,
        })
    }
    fn table<'a>(&self, s: &'a StoreOpaque) -> &'a TableData {
        s.check(self.store_id);
        &s.tables[self.index as usize]
    }
    /// Its type (current size as minimum).
    pub fn ty<T>(&self, store: &Store<T>) -> TableType {
        let t = self.table(store.opaque());
        TableType {
            element: t.ty.element,
            minimum: t.elements.len() as u64,
            maximum: t.ty.maximum,
        }
    }
    /// The number of elements.
    pub fn size<T>(&self, store: &Store<T>) -> u64 {
        self.table(store.opaque()).elements.len() as u64
    }
    /// Element `index`, or `None` past the end.
    pub fn get<T>(&self, store: &Store<T>, index: u64) -> Option<Val> {
        let s = store.opaque();
        let t = self.table(s);
        let raw = *t.elements.get(usize::try_from(index).ok()?)?;
        Some(refs::raw_to_val(s, raw as u128, t.ty.element))
    }
    /// Sets element `index` to `value` (of the element type).
    pub fn set<T>(&self, store: &mut Store<T>, index: u64, value: Val) -> Result<()> {
        let element = self.table(store.opaque()).ty.element;
        let raw = refs::ref_to_raw(store.opaque_mut(), element, &value)?;
        let t = &mut store.opaque_mut().tables[self.index as usize];
        let slot = usize::try_from(index)
            .ok()
            .and_then(|i| t.elements.get_mut(i))
            .ok_or_else(|| Error::other("out of bounds table access"))?;
        *slot = raw;
        Ok(())
    }
    /// Grows by `delta` elements set to `init` (of the element type),
    /// returning the old size.
    pub fn grow<T>(&self, store: &mut Store<T>, delta: u64, init: Val) -> Result<u64> {
        let element = self.table(store.opaque()).ty.element;
        let raw = refs::ref_to_raw(store.opaque_mut(), element, &init)?;
        store.opaque_mut().tables[self.index as usize]
            .grow(delta, raw)
            .ok_or_else(|| Error::other("failed to grow table"))
    }
}
