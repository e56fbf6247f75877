#![doc = include_str!("../README.md")]

pub use strata_runtime::{
    AsStoreMut, Caller, Config, Emit, Engine, Error, ErrorKind, ExportType, Extern, ExternRef,
    ExternType, FrameInfo, Func, FuncType, Global, GlobalType, ImportType, Instance, IntoFunc,
    LazyCompilationStats, Linker, Memory, MemoryType, Module, Mutability, Result, Store,
    TIER_EVENTS_KEPT, Table, TableType, Tier, TierUpBudget, TierUpEvent, Trap, TrapCode, TypedFunc,
    Val, ValType, WasmFeatures, WasmParams, WasmResults, WasmRet, WasmTy, compile_listing,
    perf_map_path,
};

pub use strata_runtime::wasi;

pub mod wast;

pub mod fuzzing;
