//! The per-module layout of an instance's VMContext.
//!
//! ```text
//! 0   header (strata_ir::vmctx): stack-limit pointer, heap base
//! 16  instance      the runtime's pointer back to its instance record
//! 24  builtins      one function pointer per [`Builtin`]
//!     memories      one *mut VMMemoryDefinition per memory (imported first)
//!     tables        one *mut VMTableDefinition per table
//!     globals       one pointer to the global's 16-byte storage per global
//!     (16-aligned)  the 16-byte storage of each defined global
//!     funcrefs      one VMFuncRef (24 bytes) per function (imported first)
//!     type_ids      one u32 canonical signature id per type index
//!     counters      one i32 tier-up counter per defined function
//! ```
//! The runtime allocates `size` bytes per instance and fills them in; the
//! frontend reads them with explicit `vm` loads. Table entries are raw 8-byte
//! reference values: in a `funcref` table a pointer to a VMFuncRef, in an
//! `externref` table an opaque store handle; 0 is null in both.

use crate::module::ModuleEnv;
use strata_ir::vmctx::HEADER_SIZE;

/// Runtime functions that compiled code calls (the `CallKind::Builtin` slots).
///
/// All take the caller's VMContext first (`i64`); the other arguments are
/// `i32` unless said otherwise. The builtins that can fail return 0 on success
/// and non-zero when an access is out of bounds, having written nothing; the
/// compiled code then traps (`trapif`) with the memory or table trap code, so
/// no Rust frame is ever unwound by a trap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Builtin {
    /// `memory.grow`: `(vmctx, memory, delta) -> i32` (old size in pages, or -1).
    MemoryGrow = 0,
    /// `memory.copy`: `(vmctx, dst, src, len) -> i32` (0, or out of bounds).
    MemoryCopy = 1,
    /// `memory.fill`: `(vmctx, dst, value, len) -> i32`.
    MemoryFill = 2,
    /// `memory.init`: `(vmctx, segment, dst, src, len) -> i32`.
    MemoryInit = 3,
    /// `data.drop`: `(vmctx, segment)`.
    DataDrop = 4,
    /// `table.copy`: `(vmctx, dst_table, src_table, dst, src, len) -> i32`.
    TableCopy = 5,
    /// `table.init`: `(vmctx, table, segment, dst, src, len) -> i32`.
    TableInit = 6,
    /// `elem.drop`: `(vmctx, segment)`.
    ElemDrop = 7,
    /// `table.grow`: `(vmctx, table, init: i64, delta) -> i32` (old size, or -1).
    TableGrow = 8,
    /// `table.fill`: `(vmctx, table, dst, value: i64, len) -> i32`.
    TableFill = 9,
    /// The tiered engine's tier-up request (see `CallKind::TierCheck`):
    /// `(vmctx, counter: u32, loop_index: u32) -> code` (an `i64` code
    /// pointer to enter through OSR, or 0). Called from a path that preserves
    /// every register.
    TierUp = 10,
    /// Lazy compilation: `(vmctx, def: u32) -> code` compiles defined
    /// function `def` of the VMContext's module (once per module), publishes
    /// it, and returns its code pointer, or 0 after recording an error to
    /// raise. Called only by the lazy-compilation stubs, which save and
    /// restore every argument register around it.
    LazyCompile = 11,
}

impl Builtin {
    /// The number of builtins.
    pub const COUNT: u32 = 12;
    /// Every builtin, in slot order.
    pub const ALL: [Builtin; Builtin::COUNT as usize] = [
        Builtin::MemoryGrow,
        Builtin::MemoryCopy,
        Builtin::MemoryFill,
        Builtin::MemoryInit,
        Builtin::DataDrop,
        Builtin::TableCopy,
        Builtin::TableInit,
        Builtin::ElemDrop,
        Builtin::TableGrow,
        Builtin::TableFill,
        Builtin::TierUp,
        Builtin::LazyCompile,
    ];
}

/// Layout of a `VMFuncRef`: what a table entry or an imported function is.
pub mod funcref {
    /// Offset of the code pointer (Wasm calling convention).
    pub const CODE: u32 = 0;
    /// Offset of the canonical signature id (`u32`).
    pub const TYPE_ID: u32 = 8;
    /// Offset of the callee's VMContext pointer.
    pub const VMCTX: u32 = 16;
    /// Size in bytes.
    pub const SIZE: u32 = 24;
}

/// Layout of a `VMTableDefinition`.
pub mod table {
    /// Offset of the pointer to the first element (8 bytes each: a
    /// `*const VMFuncRef` or an extern handle; 0 is null).
    pub const BASE: u32 = 0;
    /// Offset of the current number of elements (`u32`, stored in 8 bytes).
    pub const LENGTH: u32 = 8;
}

/// Layout of a `VMMemoryDefinition`.
pub mod memory {
    /// Offset of the base pointer.
    pub const BASE: u32 = 0;
    /// Offset of the current length in bytes (`usize`).
    pub const LENGTH: u32 = 8;
}

/// The VMContext layout of one module.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VMOffsets {
    /// The runtime's back pointer to its instance record.
    pub instance: u32,
    /// Start of the builtin function pointers.
    pub builtins: u32,
    /// Start of the memory definition pointers.
    pub memories: u32,
    /// Start of the table definition pointers.
    pub tables: u32,
    /// Start of the global storage pointers.
    pub globals: u32,
    /// Start of the defined globals' storage (16 bytes each, 16-aligned).
    pub defined_globals: u32,
    /// How many globals are imported (their storage is elsewhere).
    pub num_imported_globals: u32,
    /// Start of the VMFuncRefs.
    pub funcrefs: u32,
    /// Start of the canonical type ids.
    pub type_ids: u32,
    /// Start of the tier-up counters (one `i32` per defined function).
    pub counters: u32,
    /// Total size in bytes.
    pub size: u32,
}

impl VMOffsets {
    /// Computes the layout for `env`.
    pub fn new(env: &ModuleEnv) -> VMOffsets {
        let instance = HEADER_SIZE;
        let builtins = instance + 8;
        let memories = builtins + 8 * Builtin::COUNT;
        let tables = memories + 8 * env.memories.len() as u32;
        let globals = tables + 8 * env.tables.len() as u32;
        let num_imported_globals = env.num_imported_globals;
        let num_defined = env.globals.len() as u32 - num_imported_globals;
        // (Aligned only if there is storage: the funcrefs after it stay
        // within an 8-bit displacement in small modules.)
        let mut defined_globals = globals + 8 * env.globals.len() as u32;
        if num_defined > 0 {
            defined_globals = (defined_globals + 15) & !15;
        }
        let funcrefs = defined_globals + 16 * num_defined;
        let type_ids = funcrefs + funcref::SIZE * env.functions.len() as u32;
        let counters = type_ids + 4 * env.types.len() as u32;
        let size = (counters + 4 * env.bodies.len() as u32 + 15) & !15;
        VMOffsets {
            instance,
            builtins,
            memories,
            tables,
            globals,
            defined_globals,
            num_imported_globals,
            funcrefs,
            type_ids,
            counters,
            size,
        }
    }
    /// Offset of a builtin's function pointer.
    pub fn builtin(&self, b: Builtin) -> u32 {
        self.builtins + 8 * b as u32
    }
    /// Offset of memory `i`'s definition pointer.
    pub fn memory(&self, i: u32) -> u32 {
        self.memories + 8 * i
    }
    /// Offset of table `i`'s definition pointer.
    pub fn table(&self, i: u32) -> u32 {
        self.tables + 8 * i
    }
    /// Offset of global `i`'s storage pointer.
    pub fn global(&self, i: u32) -> u32 {
        self.globals + 8 * i
    }
    /// Offset of global `i`'s storage when the module defines it (`None`
    /// for an imported global: its storage is reached through the pointer).
    pub fn defined_global(&self, i: u32) -> Option<u32> {
        let k = i.checked_sub(self.num_imported_globals)?;
        Some(self.defined_globals + 16 * k)
    }
    /// Offset of function `i`'s VMFuncRef.
    pub fn funcref(&self, i: u32) -> u32 {
        self.funcrefs + funcref::SIZE * i
    }
    /// Offset of type `i`'s canonical id.
    pub fn type_id(&self, i: u32) -> u32 {
        self.type_ids + 4 * i
    }
    /// Offset of defined function `def`'s tier-up counter.
    pub fn counter(&self, def: u32) -> u32 {
        self.counters + 4 * def
    }
    /// The defined function whose counter is at `offset`, if any.
    pub fn counter_def(&self, offset: u32, num_defined: u32) -> Option<u32> {
        let rel = offset.checked_sub(self.counters)?;
        (rel % 4 == 0 && rel / 4 < num_defined).then_some(rel / 4)
    }
}
