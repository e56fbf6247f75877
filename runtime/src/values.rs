//! Wasm values and types as the embedding API shows them.

use std::fmt;
use std::sync::Arc;

use crate::func::Func;

/// A Wasm value type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
    /// 128-bit vector.
    V128,
    /// Function reference.
    FuncRef,
    /// External reference.
    ExternRef,
}

impl ValType {
    pub(crate) fn from_wasm(t: wasmparser::ValType) -> ValType {
        match t {
            wasmparser::ValType::I32 => ValType::I32,
            wasmparser::ValType::I64 => ValType::I64,
            wasmparser::ValType::F32 => ValType::F32,
            wasmparser::ValType::F64 => ValType::F64,
            wasmparser::ValType::V128 => ValType::V128,
            wasmparser::ValType::Ref(r) if r.is_func_ref() => ValType::FuncRef,
            wasmparser::ValType::Ref(_) => ValType::ExternRef,
        }
    }

    /// Whether this is a reference type.
    pub fn is_ref(self) -> bool {
        matches!(self, ValType::FuncRef | ValType::ExternRef)
    }

    pub(crate) fn to_ir(self) -> Option<strata_ir::Type> {
        Some(match self {
            ValType::I32 => strata_ir::Type::I32,
            ValType::I64 => strata_ir::Type::I64,
            ValType::F32 => strata_ir::Type::F32,
            ValType::F64 => strata_ir::Type::F64,
            // References are pointer-sized: a `*const VMFuncRef` or an
            // externref handle (see `crate::refs`).
            ValType::FuncRef | ValType::ExternRef => strata_ir::Type::I64,
            ValType::V128 => return None,
        })
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::V128 => "v128",
            ValType::FuncRef => "funcref",
            ValType::ExternRef => "externref",
        })
    }
}

/// A function type.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct FuncType {
    params: Arc<[ValType]>,
    results: Arc<[ValType]>,
}

impl FuncType {
    /// A function type with these parameters and results.
    pub fn new(
        params: impl IntoIterator<Item = ValType>,
        results: impl IntoIterator<Item = ValType>,
    ) -> Self {
        FuncType {
            params: params.into_iter().collect(),
            results: results.into_iter().collect(),
        }
    }
    /// The parameter types.
    pub fn params(&self) -> &[ValType] {
        &self.params
    }
    /// The result types.
    pub fn results(&self) -> &[ValType] {
        &self.results
    }
    pub(crate) fn from_env(t: &strata_frontend::module::FuncType) -> Self {
        FuncType::new(
            t.params.iter().map(|&v| ValType::from_wasm(v)),
            t.results.iter().map(|&v| ValType::from_wasm(v)),
        )
    }
    /// The IR signature, if every type is supported by the compiler.
    pub(crate) fn ir_signature(&self) -> Option<strata_ir::Signature> {
        Some(strata_ir::Signature {
            params: self
                .params
                .iter()
                .map(|t| t.to_ir())
                .collect::<Option<_>>()?,
            results: self
                .results
                .iter()
                .map(|t| t.to_ir())
                .collect::<Option<_>>()?,
        })
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(func")?;
        if !self.params.is_empty() {
            f.write_str(" (param")?;
            for p in self.params.iter() {
                write!(f, " {p}")?;
            }
            f.write_str(")")?;
        }
        if !self.results.is_empty() {
            f.write_str(" (result")?;
            for p in self.results.iter() {
                write!(f, " {p}")?;
            }
            f.write_str(")")?;
        }
        f.write_str(")")
    }
}

/// Whether a global can be assigned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mutability {
    /// Immutable.
    Const,
    /// Mutable.
    Var,
}

/// A global's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GlobalType {
    /// The value type.
    pub content: ValType,
    /// Its mutability.
    pub mutability: Mutability,
}

impl GlobalType {
    /// A global type.
    pub fn new(content: ValType, mutability: Mutability) -> Self {
        GlobalType {
            content,
            mutability,
        }
    }
}

/// A memory's type (limits in 64 KiB pages).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemoryType {
    /// Initial size in pages.
    pub minimum: u64,
    /// Maximum size in pages.
    pub maximum: Option<u64>,
}

impl MemoryType {
    /// A memory type.
    pub fn new(minimum: u32, maximum: Option<u32>) -> Self {
        MemoryType {
            minimum: minimum as u64,
            maximum: maximum.map(|m| m as u64),
        }
    }
}

/// A table's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TableType {
    /// The element type.
    pub element: ValType,
    /// Initial size.
    pub minimum: u64,
    /// Maximum size.
    pub maximum: Option<u64>,
}

impl TableType {
    /// A table type.
    pub fn new(element: ValType, minimum: u32, maximum: Option<u32>) -> Self {
        TableType {
            element,
            minimum: minimum as u64,
            maximum: maximum.map(|m| m as u64),
        }
    }
}

/// The type of an import or export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExternType {
    /// A function.
    Func(FuncType),
    /// A global.
    Global(GlobalType),
    /// A memory.
    Memory(MemoryType),
    /// A table.
    Table(TableType),
}

impl fmt::Display for ExternType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExternType::Func(t) => write!(f, "{t}"),
            ExternType::Global(g) => match g.mutability {
                Mutability::Const => write!(f, "(global {})", g.content),
                Mutability::Var => write!(f, "(global (mut {}))", g.content),
            },
            ExternType::Memory(m) => match m.maximum {
                Some(max) => write!(f, "(memory {} {max})", m.minimum),
                None => write!(f, "(memory {})", m.minimum),
            },
            ExternType::Table(t) => match t.maximum {
                Some(max) => write!(f, "(table {} {max} {})", t.minimum, t.element),
                None => write!(f, "(table {} {})", t.minimum, t.element),
            },
        }
    }
}

/// An opaque host value held by Wasm code as an `externref`.
///
/// Cloning shares the value. Once an `ExternRef` has been given to Wasm (as
/// an argument or result, or stored in a global or a table), its store keeps
/// it alive until the store is dropped; see the `refs` module.
#[derive(Clone)]
pub struct ExternRef(pub Arc<dyn std::any::Any + Send + Sync>);

impl ExternRef {
    /// A reference to `value`.
    pub fn new<T: std::any::Any + Send + Sync>(value: T) -> ExternRef {
        ExternRef(Arc::new(value))
    }
    /// The host value.
    pub fn data(&self) -> &(dyn std::any::Any + Send + Sync) {
        &*self.0
    }
    /// The host value, if it is a `T`.
    pub fn downcast_ref<T: std::any::Any>(&self) -> Option<&T> {
        self.0.downcast_ref::<T>()
    }
    /// Whether both refer to the same host value.
    pub fn ptr_eq(&self, other: &ExternRef) -> bool {
        self.addr() == other.addr()
    }
    /// The address of the shared value: its identity.
    pub(crate) fn addr(&self) -> usize {
        Arc::as_ptr(&self.0) as *const () as usize
    }
}

impl fmt::Debug for ExternRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExternRef(..)")
    }
}

/// A Wasm value.
#[derive(Clone, Debug)]
pub enum Val {
    /// An `i32`.
    I32(i32),
    /// An `i64`.
    I64(i64),
    /// An `f32`, by its bits.
    F32(u32),
    /// An `f64`, by its bits.
    F64(u64),
    /// A `v128`.
    V128(u128),
    /// A function reference (or null).
    FuncRef(Option<Func>),
    /// An external reference (or null).
    ExternRef(Option<ExternRef>),
}

impl Val {
    /// Its type.
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FuncRef,
            Val::ExternRef(_) => ValType::ExternRef,
        }
    }
    /// The zero (or null) value of a type.
    pub fn default_for(ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            ValType::FuncRef => Val::FuncRef(None),
            ValType::ExternRef => Val::ExternRef(None),
        }
    }
    /// The `i32`, if it is one.
    pub fn i32(&self) -> Option<i32> {
        match self {
            Val::I32(v) => Some(*v),
            _ => None,
        }
    }
    /// The `i64`, if it is one.
    pub fn i64(&self) -> Option<i64> {
        match self {
            Val::I64(v) => Some(*v),
            _ => None,
        }
    }
    /// The `f32`, if it is one.
    pub fn f32(&self) -> Option<f32> {
        match self {
            Val::F32(v) => Some(f32::from_bits(*v)),
            _ => None,
        }
    }
    /// The `f64`, if it is one.
    pub fn f64(&self) -> Option<f64> {
        match self {
            Val::F64(v) => Some(f64::from_bits(*v)),
            _ => None,
        }
    }
    /// The function reference, if it is a `funcref` (`Some(None)` for null).
    pub fn funcref(&self) -> Option<Option<Func>> {
        match self {
            Val::FuncRef(f) => Some(*f),
            _ => None,
        }
    }
    /// The external reference, if it is an `externref` (`Some(None)` for
    /// null).
    pub fn externref(&self) -> Option<Option<&ExternRef>> {
        match self {
            Val::ExternRef(r) => Some(r.as_ref()),
            _ => None,
        }
    }
}

impl From<i32> for Val {
    fn from(v: i32) -> Val {
        Val::I32(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I64(v)
    }
}
impl From<f32> for Val {
    fn from(v: f32) -> Val {
        Val::F32(v.to_bits())
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::F64(v.to_bits())
    }
}
impl From<Func> for Val {
    fn from(f: Func) -> Val {
        Val::FuncRef(Some(f))
    }
}
impl From<Option<Func>> for Val {
    fn from(f: Option<Func>) -> Val {
        Val::FuncRef(f)
    }
}
impl From<ExternRef> for Val {
    fn from(r: ExternRef) -> Val {
        Val::ExternRef(Some(r))
    }
}
impl From<Option<ExternRef>> for Val {
    fn from(r: Option<ExternRef>) -> Val {
        Val::ExternRef(r)
    }
}
