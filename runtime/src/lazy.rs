//! Lazy compilation: a function's baseline code is compiled on its first
//! call instead of in `Module::new` ([`Config::lazy_compilation`]).
//!
//! ## How it fits together
//! - `Module::new` validates every function body up front (the same reads
//!   and checks as the baseline translator, so the same errors; in parallel
//!   for big modules) and compiles nothing. Its code memory holds the
//!   *stubs* instead (isa-x64's `lazy_stubs`): per defined function `def`,
//!   `mov r11d, def; jmp common`; the common entry saves the argument
//!   registers and calls [`lazy_compile`] through the VMContext's
//!   `Builtin::LazyCompile` slot as `(vmctx, def) -> code`, restores them
//!   and jumps to the code, which then runs as if called directly. Each
//!   function's VMFuncRef code pointers start out pointing at its stub.
//! - [`lazy_compile`] compiles the function with the baseline tier (with
//!   tier checks under [`Tier::Tiered`], exactly as eager compilation
//!   does), copies it into executable memory registered for trap handling,
//!   and *publishes* it through the module's
//!   [`CodeSlots`](crate::tiering::CodeSlots): every VMFuncRef code slot of
//!   every instance of the module and of every importer gets the address,
//!   and so do instances created later. The stub therefore runs once per
//!   function per module; later calls, from any instance, run the code.
//! - Tier-up is unchanged: the baseline code counts and calls the tier-up
//!   builtin, and optimized code is published through the same slots.
//!
//! ## Invariants
//! - A function is compiled at most once per module: its cell is a
//!   [`OnceLock`], so a thread that calls it while another compiles it
//!   waits for that code. Publication happens inside the cell's
//!   initialisation, before any thread can run the code, hence before the
//!   code can ask for its optimized version: a function's publications come
//!   in tier order.
//! - [`lazy_compile`] never unwinds into compiled code (`catch_unwind`). A
//!   failure (an internal limit of the compiler; invalid bodies were
//!   rejected by `Module::new`) is remembered in the cell and makes every
//!   call of the function raise that error, with the Wasm backtrace of the
//!   caller, through the host-error path of the trap machinery.
//! - Modules whose engine enables features beyond those the tiers compile
//!   are compiled eagerly ([`applies`]), so that `Module::new` rejects
//!   unsupported operators exactly as without lazy compilation.
//!
//! ## Code memory and trap registration: the trade-offs
//! Compiled functions go into *chunks* ([`CodeChunk`]) of [`CHUNK_BYTES`]
//! of address space, each registered once with the trap registry through a
//! [`CodeTable`] to which every function compiled into it is appended as a
//! part. The process-wide registry has a fixed number of live
//! registrations (65536) and the signal handler scans them linearly, so one
//! registration (and one mapping) per function would not scale to modules
//! with thousands of functions; a chunk costs one registration and one
//! mapping per `CHUNK_BYTES` of code, and finding the function of a PC
//! inside a chunk is a binary search.
//!
//! W^X forbids writing a page that may be running code, yet functions
//! compiled one by one should sit next to each other. On Linux a chunk is a
//! memory file mapped read+execute only, and each function is written into
//! the file with `pwrite`: no writable mapping exists, and functions are
//! packed at 64-byte alignment as in eagerly compiled code. Where that is
//! refused (no memfd, or a kernel that forbids executable memfds), chunks
//! fall back to one fresh page (or more) per function, made read-write then
//! read+execute: correct, but a small function wastes most of its page and
//! functions that all start at a page boundary compete for the same cache
//! sets (a chain of 5,000 small functions ran about 2x slower that way than
//! packed, which runs as fast as eager code).
//!
//! Lazy compilation moves compile time from `Module::new` to first calls:
//! a module whose program calls few of its functions at first starts much
//! sooner (a generated 10.6 MB module: 0.15 s instead of 1.6 s to its first
//! result), one that calls all of them at once pays more in total (a chain
//! of 5,000 functions: 13-33% more), since the compiles happen one at a
//! time on the calling threads, never in parallel, each with a few
//! microseconds of bookkeeping.
//!
//! A compiling thread reuses a pooled [`BaselineWorker`], so the compiler's
//! buffers are not rebuilt for every function.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use strata_frontend::baseline::Tiering;
use strata_frontend::module::ModuleEnv;
use strata_frontend::vmoffsets::{Builtin, VMOffsets};

use crate::code_memory::CodeChunk;
use crate::engine::{Config, Tier};
use crate::error::{Error, ErrorKind, Result};
use crate::module::{BaselineWorker, Compiled, LazyCompilationStats, ModuleInner};
use crate::traphandlers::{
    CodeInfo, CodeRegistration, CodeTable, register_code_table, set_pending_host_error,
};

/// Address space reserved per chunk of lazily compiled code (reserved, not
/// committed: only the pages that receive code use memory).
pub(crate) const CHUNK_BYTES: usize = 8 << 20;

/// Whether modules compiled with `config` are compiled lazily.
pub(crate) fn applies(config: &Config) -> bool {
    config.lazy.unwrap_or(config.tier == Tier::Tiered)
        && config.tier != Tier::Optimizing
        && strata_frontend::module::wasm2_nosimd_features().contains(config.features)
}

/// The stubs of a lazily compiled module: its code memory's contents.
pub(crate) fn stubs(env: &ModuleEnv, offsets: &VMOffsets) -> Result<Compiled> {
    let n = env.bodies.len() as u32;
    let stubs = strata_isa_x64::lazy_stubs(
        n,
        offsets.builtin(Builtin::LazyCompile),
        crate::traphandlers::raise_pending_trap_address(),
    )
    .map_err(|e| Error::new(ErrorKind::Unsupported, e.to_string()))?;
    Ok(Compiled {
        func_offsets: (0..n).map(|def| stubs.offset(def)).collect(),
        code: stubs.code,
        // The stubs are not Wasm functions: no frames, no trap sites.
        info: CodeInfo::default(),
    })
}

/// A chunk of lazily compiled code.
struct Chunk {
    /// Declared first: unregistered before the memory is unmapped.
    _registration: CodeRegistration,
    table: Arc<CodeTable>,
    memory: CodeChunk,
}

/// A function's outcome: its code's address, or why it cannot be compiled.
type Outcome = std::result::Result<usize, (ErrorKind, String)>;

/// A lazily compiled module's state.
pub(crate) struct LazyCode {
    /// Per defined function, once compiled (or failed).
    funcs: Box<[OnceLock<Outcome>]>,
    /// The chunks, the last one being filled.
    chunks: Mutex<Vec<Chunk>>,
    /// Functions compiled so far (changed under the `chunks` lock).
    compiled: AtomicUsize,
    /// Calls of [`lazy_compile`] for this module.
    stub_calls: AtomicUsize,
    /// Tier checks in the code (tiered engine).
    tiering: Option<Tiering>,
    /// Workers not in use.
    workers: Mutex<Vec<BaselineWorker>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl LazyCode {
    /// The state of a module with `num_defined` functions, none compiled.
    pub(crate) fn new(num_defined: usize, tiering: Option<Tiering>) -> LazyCode {
        LazyCode {
            funcs: (0..num_defined).map(|_| OnceLock::new()).collect(),
            chunks: Mutex::new(Vec::new()),
            compiled: AtomicUsize::new(0),
            stub_calls: AtomicUsize::new(0),
            tiering,
            workers: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn stats(&self) -> LazyCompilationStats {
        LazyCompilationStats {
            compiled: self.compiled.load(Ordering::Relaxed),
            stub_calls: self.stub_calls.load(Ordering::Relaxed),
        }
    }

    /// Whether a chunk of this module starts at `start`.
    pub(crate) fn owns_chunk(&self, start: usize) -> bool {
        lock(&self.chunks)
            .iter()
            .any(|c| c.memory.range().0 == start)
    }

    /// Whether `addr` lies in a chunk of this module.
    pub(crate) fn contains(&self, addr: usize) -> bool {
        lock(&self.chunks).iter().any(|c| {
            let (start, end) = c.memory.range();
            (start..end).contains(&addr)
        })
    }

    /// The code of defined function `def` of `m` (whose lazy state this
    /// is), compiled and published on the first request.
    fn code(&self, m: &ModuleInner, def: u32) -> Result<usize> {
        self.stub_calls.fetch_add(1, Ordering::Relaxed);
        let cell = self
            .funcs
            .get(def as usize)
            .ok_or_else(|| Error::new(ErrorKind::Other, format!("no defined function {def}")))?;
        cell.get_or_init(|| {
            self.compile(m, def)
                .map_err(|e| (e.kind(), e.message().to_string()))
        })
        .clone()
        .map_err(|(kind, message)| Error::new(kind, message))
    }

    /// Compiles, places, registers and publishes `def` (once: called from
    /// its cell's initialisation).
    fn compile(&self, m: &ModuleInner, def: u32) -> Result<usize> {
        let mut worker = lock(&self.workers)
            .pop()
            .unwrap_or_else(|| BaselineWorker::new(&m.engine, self.tiering));
        let compiled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            #[cfg(test)]
            if tests::FAIL_COMPILES.with(|f| f.get()) {
                return Err(Error::new(ErrorKind::Unsupported, "injected failure"));
            }
            worker.compile(m, def as usize)
        }));
        let compiled = match compiled {
            Ok(r) => {
                lock(&self.workers).push(worker);
                r
            }
            // The worker's buffers may be inconsistent: drop it.
            Err(_) => Err(Error::new(
                ErrorKind::Other,
                "the baseline compiler panicked",
            )),
        };
        let func_index = m.env.num_imported_funcs + def;
        let compiled = compiled.map_err(|e| {
            let name = m
                .env
                .func_name(func_index)
                .map_or(String::new(), |n| format!(" ({n})"));
            Error::new(
                e.kind(),
                format!(
                    "lazy compilation of function {func_index}{name}: {}",
                    e.message()
                ),
            )
        })?;
        let funcs = m
            .engine
            .config()
            .perf_map
            .then(|| compiled.info.funcs.clone());
        let code = self.place(compiled)?;
        if let Some(funcs) = funcs {
            crate::perfmap::record(code, &funcs, &m.env, "baseline");
        }
        if let Some(slots) = &m.slots {
            slots.publish(def, code);
        }
        Ok(code)
    }

    /// Copies one function's code into the last chunk (or a new one),
    /// registers it for traps and returns its address.
    fn place(&self, compiled: Compiled) -> Result<usize> {
        let map_error =
            |e: std::io::Error| Error::new(ErrorKind::Other, format!("cannot map code: {e}"));
        let mut chunks = lock(&self.chunks);
        let len = compiled.code.len();
        let fits = chunks
            .last()
            .is_some_and(|c| c.memory.fits(len) && c.table.len() < c.table.capacity());
        if !fits {
            let size = CHUNK_BYTES.max(len);
            #[cfg(test)]
            let memory = if tests::FORCE_PAGED.with(|f| f.get()) {
                CodeChunk::paged(size)
            } else {
                CodeChunk::new(size)
            };
            #[cfg(not(test))]
            let memory = CodeChunk::new(size);
            let memory = memory.map_err(map_error)?;
            // Every function is compiled once: the chunk holds no more parts
            // than there are functions left, nor than pieces fit.
            let uncompiled = self.funcs.len() - self.compiled.load(Ordering::Relaxed);
            let capacity = memory.max_pieces().min(uncompiled).max(1);
            let table = Arc::new(CodeTable::new(capacity));
            let (start, end) = memory.range();
            let registration = register_code_table(start, end - start, table.clone());
            chunks.push(Chunk {
                _registration: registration,
                table,
                memory,
            });
        }
        let chunk = chunks.last_mut().expect("a chunk was just made");
        let offset = chunk.memory.push(&compiled.code).map_err(map_error)?;
        chunk
            .table
            .push(offset, offset + len, Arc::new(compiled.info));
        self.compiled.fetch_add(1, Ordering::Relaxed);
        Ok(chunk.memory.range().0 + offset)
    }
}

/// The lazy-compilation builtin (`Builtin::LazyCompile`), called by the
/// stub of defined function `def`: its code, compiled on the first call
/// (see the module docs), or 0 after recording the error that the stub
/// then raises.
///
/// # Safety
/// Called only by a lazy-compilation stub, with the VMContext of an
/// instance of the stub's module.
pub(crate) unsafe extern "sysv64" fn lazy_compile(vmctx: *mut u8, def: u32) -> usize {
    let result = std::panic::catch_unwind(|| {
        // SAFETY: the caller passes the VMContext of a live instance of the
        // module; we only read the instance's module handle.
        let (s, inst) = unsafe { crate::builtins::context(vmctx) };
        let module = s.instances[inst].module.inner.clone();
        match &module.lazy {
            Some(lazy) => lazy.code(&module, def),
            None => Err(Error::new(
                ErrorKind::Other,
                "lazy compilation stub of an eagerly compiled module",
            )),
        }
    });
    let error: Box<dyn std::error::Error + Send + Sync> = match result {
        Ok(Ok(code)) => return code,
        Ok(Err(e)) => Box::new(e),
        Err(_) => "lazy compilation panicked".into(),
    };
    set_pending_host_error(error);
    0
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::lock;
    use crate::{Config, Engine, ErrorKind, Instance, Module, Store, Tier};

    thread_local! {
        /// Makes every compilation on this thread fail.
        pub(super) static FAIL_COMPILES: Cell<bool> = const { Cell::new(false) };
        /// Makes chunks made on this thread paged (see `CodeChunk`).
        pub(super) static FORCE_PAGED: Cell<bool> = const { Cell::new(false) };
    }

    /// The layout used where memory files cannot hold code: calls, traps
    /// with backtraces and tier-up across functions on pages of their own.
    #[test]
    fn paged_chunks_run_and_trap_like_packed_ones() {
        FORCE_PAGED.with(|f| f.set(true));
        let mut config = Config::new();
        config.tier(Tier::Tiered).lazy_compilation(true);
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(
            &engine,
            r#"(module
                 (func $fib (export "fib") (param i32) (result i32)
                   (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
                     (then (local.get 0))
                     (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                                    (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
                 (func $div (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
                 (func $f (export "f") (param i32) (result i32) (call $div (local.get 0))))"#,
        )
        .unwrap();
        let mut store = Store::new(&engine, ());
        let i = Instance::new(&mut store, &module, &[]).unwrap();
        let fib = i.get_typed_func::<i32, i32>(&mut store, "fib").unwrap();
        assert_eq!(fib.call(&mut store, 20).unwrap(), 6765);
        let f = i.get_typed_func::<i32, i32>(&mut store, "f").unwrap();
        let e = f.call(&mut store, 0).unwrap_err();
        let t = e.as_trap().unwrap();
        assert_eq!(t.code(), Some(crate::TrapCode::IntegerDivideByZero));
        let names: Vec<_> = t
            .backtrace()
            .iter()
            .map(|f| f.func_name.as_deref())
            .collect();
        assert_eq!(names, [Some("div"), Some("f")]);
        assert_eq!(f.call(&mut store, 1).unwrap(), 1);
        assert_eq!(module.lazy_compilation_stats().unwrap().compiled, 3);
        let chunks = lock(&module.inner.lazy.as_ref().unwrap().chunks);
        assert!(chunks.iter().all(|c| !c.memory.is_packed()));
        FORCE_PAGED.with(|f| f.set(false));
    }

    #[test]
    fn a_failed_compilation_fails_every_call_with_the_callers_backtrace() {
        let mut config = Config::new();
        config.tier(Tier::Tiered).lazy_compilation(true);
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(
            &engine,
            r#"(module
                 (func $outer (export "outer") (param i32) (result i32)
                   (if (result i32) (local.get 0)
                     (then (call $inner (local.get 0)))
                     (else (i32.const -1))))
                 (func $inner (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
                 (func $other (export "other") (result i32) (i32.const 9)))"#,
        )
        .unwrap();
        let mut store = Store::new(&engine, ());
        let i = Instance::new(&mut store, &module, &[]).unwrap();
        let outer = i.get_typed_func::<i32, i32>(&mut store, "outer").unwrap();
        assert_eq!(outer.call(&mut store, 0).unwrap(), -1);
        FAIL_COMPILES.with(|f| f.set(true));
        let e = outer.call(&mut store, 5).unwrap_err();
        FAIL_COMPILES.with(|f| f.set(false));
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert_eq!(
            e.message(),
            "lazy compilation of function 1 (inner): injected failure"
        );
        let t = e.as_trap().expect("raised through the Wasm frames");
        let names: Vec<_> = t
            .backtrace()
            .iter()
            .map(|f| f.func_name.as_deref())
            .collect();
        assert_eq!(names, [Some("outer")]);
        // The failure is remembered: the function is never half compiled.
        let e = outer.call(&mut store, 5).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        let stats = module.lazy_compilation_stats().unwrap();
        assert_eq!((stats.compiled, stats.stub_calls), (1, 3));
        // Everything else still works.
        assert_eq!(outer.call(&mut store, 0).unwrap(), -1);
        let other = i.get_typed_func::<(), i32>(&mut store, "other").unwrap();
        assert_eq!(other.call(&mut store, ()).unwrap(), 9);
    }
}
