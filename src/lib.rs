//! strata: a WebAssembly engine with a single-pass baseline tier and an
//! optimizing tier, compiling to x86-64 machine code that runs in a sandbox of
//! guard pages and signal-based traps.
//!
//! The embedding API is shaped like Wasmtime's:
//!
//! ```
//! use strata::{Engine, Linker, Module, Store};
//!
//! let engine = Engine::default();
//! let module = Module::new(&engine, r#"
//!     (module
//!       (import "host" "double" (func $double (param i32) (result i32)))
//!       (func (export "run") (param i32) (result i32)
//!         local.get 0
//!         call $double
//!         i32.const 1
//!         i32.add))
//! "#)?;
//! let mut store = Store::new(&engine, ());
//! let mut linker = Linker::new(&engine);
//! linker.func_wrap("host", "double", |x: i32| x * 2)?;
//! let instance = linker.instantiate(&mut store, &module)?;
//! let run = instance.get_typed_func::<i32, i32>(&mut store, "run")?;
//! assert_eq!(run.call(&mut store, 20)?, 41);
//! # Ok::<(), strata::Error>(())
//! ```

pub use strata_runtime::{
    AsStoreMut, Caller, Config, Emit, Engine, Error, ErrorKind, ExportType, Extern, ExternRef,
    ExternType, FrameInfo, Func, FuncType, Global, GlobalType, ImportType, Instance, IntoFunc,
    Linker, Memory, MemoryType, Module, Mutability, Result, Store, Table, TableType, Tier, Trap,
    TrapCode, TypedFunc, Val, ValType, WasmParams, WasmResults, WasmRet, WasmTy, compile_listing,
};

pub mod wast;
