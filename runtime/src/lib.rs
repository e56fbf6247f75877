//! strata-runtime: code memory, instances, linear memories, tables, globals,
//! host functions, and the signal-based trap machinery; and the embedding
//! API that the `strata` crate re-exports.
//!
//! Ownership: an [`Engine`] holds configuration and engine-wide caches; a
//! [`Module`] owns its compiled code (registered for trap handling while it
//! lives); a [`Store`] owns everything instantiated in it, and handles
//! ([`Func`], [`Memory`], ...) are indices into their store.

mod builtins;
pub mod code_memory;
mod engine;
mod error;
mod func;
mod instance;
mod lazy;
mod linker;
pub mod memory;
mod module;
mod perfmap;
mod refs;
mod store;
mod tiering;
pub mod traphandlers;
mod values;
mod vm;
pub mod wasi;

pub use engine::{Config, Engine, TIER_EVENTS_KEPT, Tier, TierUpBudget, TierUpEvent};
pub use error::{Error, ErrorKind, FrameInfo, Result, Trap, TrapCode};
pub use func::{Caller, Func, IntoFunc, TypedFunc, WasmParams, WasmResults, WasmRet, WasmTy};
pub use instance::{Extern, Global, Instance, Memory, Table};
pub use linker::Linker;
pub use module::{Emit, ExportType, ImportType, LazyCompilationStats, Module, compile_listing};
pub use perfmap::path as perf_map_path;
pub use store::{AsStoreMut, Store};
pub use strata_frontend::module::WasmFeatures;
pub use values::{
    ExternRef, ExternType, FuncType, GlobalType, MemoryType, Mutability, TableType, Val, ValType,
};
