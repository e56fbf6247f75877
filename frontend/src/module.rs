//! Module decoding and validation: Wasm bytes → [`ModuleEnv`].
//!
//! [`translate_module`] runs one [`wasmparser::Parser`] over the whole binary and
//! feeds every payload to one [`wasmparser::Validator`] configured with the
//! caller's [`WasmFeatures`]. Each section is validated first and only then
//! decoded into the owned, index-addressed tables of a [`ModuleEnv`], so
//! everything in a `ModuleEnv` is known to be valid at module level.
//!
//! Function bodies are *not* validated here. For each code-section entry the
//! validator hands out a [`wasmparser::FuncToValidate`]; it is kept in
//! [`FunctionBodyInfo`] so that the IR builder can validate the body operator
//! by operator in the same pass that translates it (see
//! [`FunctionBodyInfo::func_validator`]).
//!
//! Invariants of a `ModuleEnv` returned by [`translate_module`]:
//! - index spaces (functions, tables, memories, globals, tags) list imported
//!   entities first, in import order, then the defined ones;
//! - every index stored anywhere in the environment is in range and every
//!   function's type index names a function type (wasmparser checked both);
//! - byte ranges ([`FunctionBodyInfo::body`], [`DataSegment::data`]) index into
//!   the exact byte slice that was given to [`translate_module`].
//!
//! No input makes this module panic: malformed, truncated or invalid bytes give
//! a [`WasmError`] carrying the byte offset where the problem was found.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::ops::Range;

use wasmparser::{
    BinaryReader, BinaryReaderError, CompositeInnerType, ElementItems, ElementKind, Encoding,
    ExternalKind, FuncToValidate, FuncValidator, FuncValidatorAllocations, FunctionBody,
    KnownCustom, Name, Operator, Parser, Payload, TableInit, TypeRef, ValidPayload, Validator,
    ValidatorResources,
};

pub use wasmparser::{RefType, ValType, WasmFeatures};

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

/// A function signature: parameter and result types.
///
/// Displays in text-format syntax, e.g. `(func (param i32) (result i64))`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FuncType {
    /// Parameter types, in order.
    pub params: Box<[ValType]>,
    /// Result types, in order.
    pub results: Box<[ValType]>,
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(func")?;
        for (keyword, tys) in [("param", &self.params), ("result", &self.results)] {
            if !tys.is_empty() {
                write!(f, " ({keyword}")?;
                for ty in tys.iter() {
                    write!(f, " {ty}")?;
                }
                f.write_str(")")?;
            }
        }
        f.write_str(")")
    }
}

/// The type of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TableType {
    /// The reference type of the elements.
    pub elem: RefType,
    /// Initial size, in elements.
    pub initial: u64,
    /// Maximum size, in elements, if any.
    pub maximum: Option<u64>,
    /// Whether the table is indexed by i64 (memory64 proposal).
    pub table64: bool,
}

impl From<wasmparser::TableType> for TableType {
    fn from(t: wasmparser::TableType) -> Self {
        TableType {
            elem: t.element_type,
            initial: t.initial,
            maximum: t.maximum,
            table64: t.table64,
        }
    }
}

/// The type of a linear memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemoryType {
    /// Initial size, in pages.
    pub initial: u64,
    /// Maximum size, in pages, if any.
    pub maximum: Option<u64>,
    /// Whether the memory is indexed by i64 (memory64 proposal).
    pub memory64: bool,
    /// Whether the memory is shared (threads proposal).
    pub shared: bool,
    /// log2 of the page size when the custom-page-sizes proposal gives one;
    /// `None` means the standard 64 KiB pages.
    pub page_size_log2: Option<u32>,
}

impl From<wasmparser::MemoryType> for MemoryType {
    fn from(m: wasmparser::MemoryType) -> Self {
        MemoryType {
            initial: m.initial,
            maximum: m.maximum,
            memory64: m.memory64,
            shared: m.shared,
            page_size_log2: m.page_size_log2,
        }
    }
}

/// The type of a global.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GlobalType {
    /// The value type of the global.
    pub ty: ValType,
    /// Whether `global.set` may write it.
    pub mutable: bool,
}

impl From<wasmparser::GlobalType> for GlobalType {
    fn from(g: wasmparser::GlobalType) -> Self {
        GlobalType {
            ty: g.content_type,
            mutable: g.mutable,
        }
    }
}

// ---------------------------------------------------------------------------
// Constant expressions
// ---------------------------------------------------------------------------

/// A constant expression (global initialiser, segment offset, element item).
///
/// The common single-instruction forms have their own variants; anything longer
/// (the extended-const proposal) is kept as a small stack program in
/// [`ConstExpr::Extended`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConstExpr {
    /// `i32.const`.
    I32(i32),
    /// `i64.const`.
    I64(i64),
    /// `f32.const`, as raw bits.
    F32(u32),
    /// `f64.const`, as raw bits.
    F64(u64),
    /// `v128.const`, little-endian lanes packed into a `u128`.
    V128(u128),
    /// `global.get` of a global (always an immutable one, or an imported one).
    GlobalGet(u32),
    /// `ref.null` of the given (nullable) reference type.
    RefNull(RefType),
    /// `ref.func` of a function index.
    RefFunc(u32),
    /// A longer stack program (extended-const): evaluate the operations in order
    /// on an empty stack; exactly one value remains.
    Extended(Box<[ConstOp]>),
}

/// One operation of an [`ConstExpr::Extended`] program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstOp {
    /// Push an i32.
    I32Const(i32),
    /// Push an i64.
    I64Const(i64),
    /// Push an f32 (raw bits).
    F32Const(u32),
    /// Push an f64 (raw bits).
    F64Const(u64),
    /// Push a v128.
    V128Const(u128),
    /// Push the value of a global.
    GlobalGet(u32),
    /// Push a null reference.
    RefNull(RefType),
    /// Push a reference to a function.
    RefFunc(u32),
    /// Pop two i32, push their wrapping sum.
    I32Add,
    /// Pop two i32, push their wrapping difference.
    I32Sub,
    /// Pop two i32, push their wrapping product.
    I32Mul,
    /// Pop two i64, push their wrapping sum.
    I64Add,
    /// Pop two i64, push their wrapping difference.
    I64Sub,
    /// Pop two i64, push their wrapping product.
    I64Mul,
}

impl ConstOp {
    /// The single-instruction [`ConstExpr`] this operation forms on its own, if
    /// it pushes a value without popping any.
    fn as_simple(self) -> Option<ConstExpr> {
        Some(match self {
            ConstOp::I32Const(v) => ConstExpr::I32(v),
            ConstOp::I64Const(v) => ConstExpr::I64(v),
            ConstOp::F32Const(v) => ConstExpr::F32(v),
            ConstOp::F64Const(v) => ConstExpr::F64(v),
            ConstOp::V128Const(v) => ConstExpr::V128(v),
            ConstOp::GlobalGet(g) => ConstExpr::GlobalGet(g),
            ConstOp::RefNull(t) => ConstExpr::RefNull(t),
            ConstOp::RefFunc(f) => ConstExpr::RefFunc(f),
            _ => return None,
        })
    }
}

impl ConstExpr {
    /// The operations of this expression as a stack program (one operation
    /// for the single-instruction variants).
    pub fn ops(&self) -> Vec<ConstOp> {
        match self {
            ConstExpr::I32(v) => vec![ConstOp::I32Const(*v)],
            ConstExpr::I64(v) => vec![ConstOp::I64Const(*v)],
            ConstExpr::F32(v) => vec![ConstOp::F32Const(*v)],
            ConstExpr::F64(v) => vec![ConstOp::F64Const(*v)],
            ConstExpr::V128(v) => vec![ConstOp::V128Const(*v)],
            ConstExpr::GlobalGet(g) => vec![ConstOp::GlobalGet(*g)],
            ConstExpr::RefNull(t) => vec![ConstOp::RefNull(*t)],
            ConstExpr::RefFunc(f) => vec![ConstOp::RefFunc(*f)],
            ConstExpr::Extended(ops) => ops.to_vec(),
        }
    }
}

// ---------------------------------------------------------------------------
// Imports, exports, segments, bodies
// ---------------------------------------------------------------------------

/// What an import provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// A function of the given type index.
    Func(u32),
    /// A table.
    Table(TableType),
    /// A linear memory.
    Memory(MemoryType),
    /// A global.
    Global(GlobalType),
    /// An exception tag whose payload is the parameters of the given type index.
    Tag(u32),
}

/// One import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The module name.
    pub module: String,
    /// The field name.
    pub name: String,
    /// What is imported.
    pub kind: ImportKind,
}

/// Which index space an export refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportKind {
    /// A function.
    Func,
    /// A table.
    Table,
    /// A linear memory.
    Memory,
    /// A global.
    Global,
    /// An exception tag.
    Tag,
}

/// One export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// The exported name (unique within the module).
    pub name: String,
    /// Which index space `index` is in.
    pub kind: ExportKind,
    /// The index of the exported entity in its index space.
    pub index: u32,
}

/// How an element segment is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElemKind {
    /// Copied into `table` at `offset` during instantiation, then dropped.
    Active {
        /// The table index.
        table: u32,
        /// The start offset in the table.
        offset: ConstExpr,
    },
    /// Available to `table.init` until dropped.
    Passive,
    /// Only declares functions for `ref.func`; dropped at instantiation.
    Declared,
}

/// The items of an element segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElemItems {
    /// Function indices (items of type `funcref`).
    Funcs(Box<[u32]>),
    /// Constant expressions producing references of the given type.
    Exprs(RefType, Box<[ConstExpr]>),
}

impl ElemItems {
    /// The number of items.
    pub fn len(&self) -> usize {
        match self {
            ElemItems::Funcs(f) => f.len(),
            ElemItems::Exprs(_, e) => e.len(),
        }
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An element segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElemSegment {
    /// How the segment is used.
    pub kind: ElemKind,
    /// Its items.
    pub items: ElemItems,
}

/// How a data segment is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataKind {
    /// Copied into `memory` at `offset` during instantiation, then dropped.
    Active {
        /// The memory index.
        memory: u32,
        /// The start offset in the memory.
        offset: ConstExpr,
    },
    /// Available to `memory.init` until dropped.
    Passive,
}

/// A data segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSegment {
    /// How the segment is used.
    pub kind: DataKind,
    /// The segment's bytes, as a range into the module bytes.
    pub data: Range<usize>,
}

/// A defined function's body, not yet validated.
#[derive(Debug)]
pub struct FunctionBodyInfo {
    /// The bytes of the body (local declarations, then operators up to and
    /// including the final `end`), as a range into the module bytes; this is
    /// what [`wasmparser::FunctionBody`] covers.
    pub body: Range<usize>,
    /// What validating this body needs; the IR builder turns it into a
    /// [`FuncValidator`] and validates operator by operator while translating.
    pub validator: FuncToValidate<ValidatorResources>,
}

impl FunctionBodyInfo {
    /// A reader for this body, set up with the module's features.
    ///
    /// # Panics
    ///
    /// If `wasm` is not (at least as long as) the byte slice this body was
    /// decoded from: that is a caller bug, not bad input.
    pub fn function_body<'a>(&self, wasm: &'a [u8]) -> FunctionBody<'a> {
        let reader = BinaryReader::new_features(
            &wasm[self.body.clone()],
            self.body.start as u64,
            self.validator.features,
        );
        FunctionBody::new(reader)
    }

    /// A fresh validator for this body, without consuming `self` (the module
    /// resources are shared through an `Arc`). Pass
    /// `FuncValidatorAllocations::default()` or the allocations recovered from
    /// the previous function's `FuncValidator::into_allocations`.
    pub fn func_validator(
        &self,
        allocs: FuncValidatorAllocations,
    ) -> FuncValidator<ValidatorResources> {
        FuncToValidate {
            resources: self.validator.resources.clone(),
            index: self.validator.index,
            ty: self.validator.ty,
            features: self.validator.features,
        }
        .into_validator(allocs)
    }

    /// The index of this function in the function index space.
    pub fn func_index(&self) -> u32 {
        self.validator.index
    }
}

// ---------------------------------------------------------------------------
// The module environment
// ---------------------------------------------------------------------------

/// Everything known about a validated module except the code of its functions.
#[derive(Debug, Default)]
pub struct ModuleEnv {
    /// Function types by type index. A non-function type (GC struct/array, a
    /// continuation type) is stored as an empty placeholder `(func)`; wasmparser
    /// has already rejected every use of such a type where a function type is
    /// required.
    pub types: Vec<FuncType>,
    /// All imports, in order.
    pub imports: Vec<Import>,
    /// The type index of every function, imported ones first.
    pub functions: Vec<u32>,
    /// How many of `functions` are imported.
    pub num_imported_funcs: u32,
    /// How many of `tables` are imported.
    pub num_imported_tables: u32,
    /// How many of `memories` are imported.
    pub num_imported_memories: u32,
    /// How many of `globals` are imported.
    pub num_imported_globals: u32,
    /// How many of `tags` are imported.
    pub num_imported_tags: u32,
    /// Table types, imported ones first.
    pub tables: Vec<TableType>,
    /// Initialisers of the defined tables (by `index - num_imported_tables`):
    /// `None` means every slot starts as null; `Some` is the
    /// function-references form `(table t (expr))`.
    pub table_inits: Vec<Option<ConstExpr>>,
    /// Memory types, imported ones first.
    pub memories: Vec<MemoryType>,
    /// Global types, imported ones first.
    pub globals: Vec<GlobalType>,
    /// Initialisers of the defined globals (by `index - num_imported_globals`).
    pub global_inits: Vec<ConstExpr>,
    /// Tags (exception handling): the type index of each, imported ones first.
    pub tags: Vec<u32>,
    /// All exports, in order.
    pub exports: Vec<Export>,
    /// The start function, if any.
    pub start: Option<u32>,
    /// Element segments, in order.
    pub elements: Vec<ElemSegment>,
    /// Data segments, in order.
    pub data: Vec<DataSegment>,
    /// The data count section's value, if present.
    pub data_count: Option<u32>,
    /// The bodies of the defined functions, in order (`bodies[i]` is function
    /// `num_imported_funcs + i`).
    pub bodies: Vec<FunctionBodyInfo>,
    /// The module name from the name section.
    pub module_name: Option<String>,
    /// Function names from the name section.
    pub func_names: HashMap<u32, String>,
    /// Functions that may be referenced by `ref.func` in code: those named in
    /// element segments, global and table initialisers, and function exports
    /// (the spec's C.refs).
    pub declared_func_refs: HashSet<u32>,
}

impl ModuleEnv {
    /// The signature of function `func_index`.
    ///
    /// # Panics
    ///
    /// If `func_index` is not a function of this module (indices taken from a
    /// validated module are always in range).
    pub fn func_type(&self, func_index: u32) -> &FuncType {
        &self.types[self.functions[func_index as usize] as usize]
    }

    /// Whether function `i` is imported (as opposed to defined in the module).
    pub fn is_imported_func(&self, i: u32) -> bool {
        i < self.num_imported_funcs
    }

    /// The export called `name`, if any.
    pub fn export(&self, name: &str) -> Option<&Export> {
        self.exports.iter().find(|e| e.name == name)
    }

    /// The name section's name of function `i`, if any.
    pub fn func_name(&self, i: u32) -> Option<&str> {
        self.func_names.get(&i).map(String::as_str)
    }

    /// Makes `name` function `i`'s name, or `f{i}` if it has none, in
    /// `name`'s memory (a translator reuses one `Function` for many).
    pub fn write_func_name(&self, i: u32, name: &mut String) {
        use std::fmt::Write;
        name.clear();
        match self.func_name(i) {
            Some(n) => name.push_str(n),
            None => {
                let _ = write!(name, "f{i}");
            }
        }
    }

    /// The body of function `func_index`, or `None` if it is imported or out
    /// of range.
    pub fn body(&self, func_index: u32) -> Option<&FunctionBodyInfo> {
        let defined = func_index.checked_sub(self.num_imported_funcs)?;
        self.bodies.get(defined as usize)
    }
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// A decoding or validation error, with the byte offset where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WasmError {
    /// What is wrong.
    pub message: String,
    /// Byte offset into the module bytes.
    pub offset: usize,
}

impl WasmError {
    /// An error with the given message at the given offset.
    pub fn new(message: impl Into<String>, offset: usize) -> Self {
        WasmError {
            message: message.into(),
            offset,
        }
    }
}

impl fmt::Display for WasmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at offset 0x{:x})", self.message, self.offset)
    }
}

impl std::error::Error for WasmError {}

impl From<BinaryReaderError> for WasmError {
    fn from(e: BinaryReaderError) -> Self {
        WasmError {
            message: e.message().to_string(),
            offset: to_usize(e.offset()),
        }
    }
}

fn to_usize(offset: u64) -> usize {
    usize::try_from(offset).unwrap_or(usize::MAX)
}

// ---------------------------------------------------------------------------
// Features
// ---------------------------------------------------------------------------

/// Exactly WebAssembly 1.0: the MVP with mutable-global import/export and the
/// float instructions; no sign extension, multi-value, bulk memory, reference
/// types, saturating conversions or SIMD. This is wasmparser's
/// [`WasmFeatures::WASM1`] (which also carries the internal `gc_types` gate
/// that lets `funcref` tables through).
pub fn wasm1_features() -> WasmFeatures {
    WasmFeatures::WASM1
}

/// WebAssembly 2.0: 1.0 plus sign extension, non-trapping float-to-int,
/// multi-value, bulk memory, reference types and fixed-width SIMD
/// ([`WasmFeatures::WASM2`]).
pub fn wasm2_features() -> WasmFeatures {
    WasmFeatures::WASM2
}

/// WebAssembly 2.0 without SIMD: 1.0 plus sign extension, non-trapping
/// float-to-int, multi-value, bulk memory and reference types. This is what
/// the engine compiles by default.
pub fn wasm2_nosimd_features() -> WasmFeatures {
    WasmFeatures::WASM2.difference(WasmFeatures::SIMD)
}

// ---------------------------------------------------------------------------
// Translation
// ---------------------------------------------------------------------------

/// Parses and validates the module `bytes` (binary format) with `features`
/// into a [`ModuleEnv`]. Function bodies are split off but not validated.
///
/// Rejects components, malformed and invalid modules with a [`WasmError`]. Also
/// rejects constant expressions beyond the extended-const operators (the GC
/// proposal's `struct.new`, `ref.i31`, ...), which the environment cannot
/// represent yet.
pub fn translate_module(bytes: &[u8], features: WasmFeatures) -> Result<ModuleEnv, WasmError> {
    let mut validator = Validator::new_with_features(features);
    let mut parser = Parser::new(0);
    parser.set_features(features);
    let mut env = ModuleEnv::default();
    let mut names_seen = false;

    for payload in parser.parse_all(bytes) {
        let payload = payload?;
        if let Payload::Version {
            encoding: Encoding::Component,
            range,
            ..
        } = &payload
        {
            return Err(WasmError::new(
                "expected a WebAssembly module, found a component",
                to_usize(range.start),
            ));
        }
        match validator.payload(&payload)? {
            ValidPayload::Ok => {}
            ValidPayload::Func(validator, body) => {
                let r = body.range();
                env.bodies.push(FunctionBodyInfo {
                    body: to_usize(r.start)..to_usize(r.end),
                    validator,
                });
                continue;
            }
            ValidPayload::End(_) => return Ok(env),
            ValidPayload::Parser(_) => {
                return Err(WasmError::new(
                    "nested modules and components are not supported",
                    payload_offset(&payload),
                ));
            }
        }
        decode_payload(&mut env, payload, &mut names_seen)?;
    }
    // `parse_all` always ends with `End` or an error; be defensive anyway.
    Err(WasmError::new("unexpected end of module", bytes.len()))
}

/// A best-effort offset for errors about a payload.
fn payload_offset(payload: &Payload<'_>) -> usize {
    match payload {
        Payload::ModuleSection {
            unchecked_range, ..
        }
        | Payload::ComponentSection {
            unchecked_range, ..
        } => to_usize(unchecked_range.start),
        _ => 0,
    }
}

/// Decodes one already validated payload into `env`.
fn decode_payload(
    env: &mut ModuleEnv,
    payload: Payload<'_>,
    names_seen: &mut bool,
) -> Result<(), WasmError> {
    match payload {
        Payload::TypeSection(reader) => {
            for group in reader {
                for sub in group?.into_types() {
                    let ty = match &sub.composite_type.inner {
                        CompositeInnerType::Func(f) => FuncType {
                            params: f.params().into(),
                            results: f.results().into(),
                        },
                        _ => FuncType::default(),
                    };
                    env.types.push(ty);
                }
            }
        }
        Payload::ImportSection(reader) => {
            for import in reader.into_imports() {
                let import = import?;
                let kind = match import.ty {
                    TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                        env.functions.push(t);
                        env.num_imported_funcs += 1;
                        ImportKind::Func(t)
                    }
                    TypeRef::Table(t) => {
                        env.tables.push(t.into());
                        env.num_imported_tables += 1;
                        ImportKind::Table(t.into())
                    }
                    TypeRef::Memory(m) => {
                        env.memories.push(m.into());
                        env.num_imported_memories += 1;
                        ImportKind::Memory(m.into())
                    }
                    TypeRef::Global(g) => {
                        env.globals.push(g.into());
                        env.num_imported_globals += 1;
                        ImportKind::Global(g.into())
                    }
                    TypeRef::Tag(t) => {
                        env.tags.push(t.func_type_idx);
                        env.num_imported_tags += 1;
                        ImportKind::Tag(t.func_type_idx)
                    }
                };
                env.imports.push(Import {
                    module: import.module.to_string(),
                    name: import.name.to_string(),
                    kind,
                });
            }
        }
        Payload::FunctionSection(reader) => {
            for ty in reader {
                env.functions.push(ty?);
            }
        }
        Payload::TableSection(reader) => {
            for table in reader {
                let table = table?;
                env.tables.push(table.ty.into());
                let init = match table.init {
                    TableInit::RefNull => None,
                    TableInit::Expr(e) => Some(decode_const_expr(&e, env)?),
                };
                env.table_inits.push(init);
            }
        }
        Payload::MemorySection(reader) => {
            for memory in reader {
                env.memories.push(memory?.into());
            }
        }
        Payload::TagSection(reader) => {
            for tag in reader {
                env.tags.push(tag?.func_type_idx);
            }
        }
        Payload::GlobalSection(reader) => {
            for global in reader {
                let global = global?;
                env.globals.push(global.ty.into());
                let init = decode_const_expr(&global.init_expr, env)?;
                env.global_inits.push(init);
            }
        }
        Payload::ExportSection(reader) => {
            for export in reader {
                let export = export?;
                let kind = match export.kind {
                    ExternalKind::Func | ExternalKind::FuncExact => {
                        env.declared_func_refs.insert(export.index);
                        ExportKind::Func
                    }
                    ExternalKind::Table => ExportKind::Table,
                    ExternalKind::Memory => ExportKind::Memory,
                    ExternalKind::Global => ExportKind::Global,
                    ExternalKind::Tag => ExportKind::Tag,
                };
                env.exports.push(Export {
                    name: export.name.to_string(),
                    kind,
                    index: export.index,
                });
            }
        }
        Payload::StartSection { func, .. } => env.start = Some(func),
        Payload::ElementSection(reader) => {
            for elem in reader {
                let elem = elem?;
                let kind = match elem.kind {
                    ElementKind::Active {
                        table_index,
                        offset_expr,
                    } => ElemKind::Active {
                        table: table_index.unwrap_or(0),
                        offset: decode_const_expr(&offset_expr, env)?,
                    },
                    ElementKind::Passive => ElemKind::Passive,
                    ElementKind::Declared => ElemKind::Declared,
                };
                let items = match elem.items {
                    ElementItems::Functions(funcs) => {
                        let mut out = Vec::new();
                        for f in funcs {
                            let f = f?;
                            env.declared_func_refs.insert(f);
                            out.push(f);
                        }
                        ElemItems::Funcs(out.into())
                    }
                    ElementItems::Expressions(ty, exprs) => {
                        let mut out = Vec::new();
                        for e in exprs {
                            out.push(decode_const_expr(&e?, env)?);
                        }
                        ElemItems::Exprs(ty, out.into())
                    }
                };
                env.elements.push(ElemSegment { kind, items });
            }
        }
        Payload::DataCountSection { count, .. } => env.data_count = Some(count),
        Payload::DataSection(reader) => {
            for data in reader {
                let data = data?;
                let end = to_usize(data.range.end);
                let kind = match data.kind {
                    wasmparser::DataKind::Active {
                        memory_index,
                        offset_expr,
                    } => DataKind::Active {
                        memory: memory_index,
                        offset: decode_const_expr(&offset_expr, env)?,
                    },
                    wasmparser::DataKind::Passive => DataKind::Passive,
                };
                env.data.push(DataSegment {
                    kind,
                    data: end.saturating_sub(data.data.len())..end,
                });
            }
        }
        Payload::CustomSection(section) => {
            if let KnownCustom::Name(reader) = section.as_known() {
                // Only the first name section counts; a malformed one is
                // ignored as a whole, as the spec asks of custom sections.
                if !*names_seen {
                    *names_seen = true;
                    if let Ok((module_name, func_names)) = decode_names(reader) {
                        env.module_name = module_name;
                        env.func_names = func_names;
                    }
                }
            }
        }
        // Headers, the code section start, and anything the validator accepted
        // that carries nothing for the environment.
        _ => {}
    }
    Ok(())
}

/// Decodes the module and function names of a name section.
fn decode_names(
    reader: wasmparser::NameSectionReader<'_>,
) -> Result<(Option<String>, HashMap<u32, String>), BinaryReaderError> {
    let mut module_name = None;
    let mut func_names = HashMap::new();
    for name in reader {
        match name? {
            Name::Module { name, .. } => module_name = Some(name.to_string()),
            Name::Function(map) => {
                for naming in map {
                    let naming = naming?;
                    func_names.insert(naming.index, naming.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok((module_name, func_names))
}

/// Decodes a (validated) constant expression, recording `ref.func` targets in
/// `env.declared_func_refs`.
fn decode_const_expr(
    expr: &wasmparser::ConstExpr<'_>,
    env: &mut ModuleEnv,
) -> Result<ConstExpr, WasmError> {
    let mut reader = expr.get_operators_reader();
    let mut ops = Vec::new();
    loop {
        let (op, offset) = reader.read_with_offset()?;
        let op = match op {
            Operator::End => break,
            Operator::I32Const { value } => ConstOp::I32Const(value),
            Operator::I64Const { value } => ConstOp::I64Const(value),
            Operator::F32Const { value } => ConstOp::F32Const(value.bits()),
            Operator::F64Const { value } => ConstOp::F64Const(value.bits()),
            Operator::V128Const { value } => {
                ConstOp::V128Const(u128::from_le_bytes(*value.bytes()))
            }
            Operator::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
            Operator::RefNull { hty } => match RefType::new(true, hty) {
                Some(ty) => ConstOp::RefNull(ty),
                None => {
                    return Err(WasmError::new(
                        "unsupported heap type in ref.null",
                        to_usize(offset),
                    ));
                }
            },
            Operator::RefFunc { function_index } => {
                env.declared_func_refs.insert(function_index);
                ConstOp::RefFunc(function_index)
            }
            Operator::I32Add => ConstOp::I32Add,
            Operator::I32Sub => ConstOp::I32Sub,
            Operator::I32Mul => ConstOp::I32Mul,
            Operator::I64Add => ConstOp::I64Add,
            Operator::I64Sub => ConstOp::I64Sub,
            Operator::I64Mul => ConstOp::I64Mul,
            _ => {
                return Err(WasmError::new(
                    "unsupported operator in constant expression",
                    to_usize(offset),
                ));
            }
        };
        ops.push(op);
    }
    if let [op] = ops[..]
        && let Some(simple) = op.as_simple()
    {
        return Ok(simple);
    }
    Ok(ConstExpr::Extended(ops.into()))
}
