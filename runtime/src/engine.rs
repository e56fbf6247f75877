//! The engine: configuration, the signature registry (ids held by the
//! modules and host functions that use them) and trampoline caches.
//! An `Engine` is cheap to clone and shared by modules and stores.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use strata_frontend::module::WasmFeatures;
use strata_ir::Signature;

use crate::code_memory::CodeMemory;
use crate::error::{Error, ErrorKind, Result};
use crate::values::FuncType;

/// Which compiler tier compiles a module's functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Hash)]
pub enum Tier {
    /// The single-pass baseline compiler only.
    Baseline,
    /// The optimizing compiler only.
    Optimizing,
    /// Baseline code first (compiled eagerly, in parallel, or on first call
    /// with [`Config::lazy_compilation`]), with call and
    /// loop counters; a function whose budget runs out is recompiled by the
    /// optimizing tier on a background thread, and a long-running loop moves
    /// into the optimized code through on-stack replacement.
    #[default]
    Tiered,
}

impl Tier {
    /// The tier's name as the CLI spells it.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Baseline => "baseline",
            Tier::Optimizing => "optimizing",
            Tier::Tiered => "tiered",
        }
    }
}

impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One tier-up (or a failed attempt), reported to [`Config::on_tier_up`]
/// and kept in [`Engine::tier_events`] (the most recent
/// [`TIER_EVENTS_KEPT`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierUpEvent {
    /// The function's index in its module (imports included).
    pub func_index: u32,
    /// The function's name from the name section, if any.
    pub name: Option<String>,
    /// The tier the function ran in.
    pub from: Tier,
    /// The tier it runs in now.
    pub to: Tier,
    /// How long the background compile took.
    pub compile_time: std::time::Duration,
    /// `false`: optimized code was published and serves the next calls.
    /// `true`: a running baseline frame moved into optimized code at a loop
    /// header (on-stack replacement); reported once per function and loop.
    pub osr: bool,
    /// For OSR: the index of the loop (the n-th `loop` in the body, from 0).
    pub loop_index: Option<u32>,
    /// `Some`: the optimizing tier failed on this function (or on its OSR
    /// variant for `loop_index`), with this message, and it keeps running
    /// its baseline code; `to` is the tier that was attempted. The code is
    /// correct either way, but a failure is a compiler bug (or a limit
    /// reached) that the tiered engine would otherwise hide.
    pub failure: Option<String>,
}

impl std::fmt::Display for TierUpEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "tier-up: function {}", self.func_index)?;
        if let Some(n) = &self.name {
            write!(f, " ({n})")?;
        }
        if let Some(failure) = &self.failure {
            write!(f, " {} -> {}", self.from, self.to)?;
            if let Some(l) = self.loop_index {
                write!(f, " (OSR variant for loop {l})")?;
            }
            return write!(
                f,
                " failed after {:.3} ms, stays in {} code: {failure}",
                self.compile_time.as_secs_f64() * 1e3,
                self.from
            );
        }
        write!(
            f,
            " {} -> {}, compiled in {:.3} ms",
            self.from,
            self.to,
            self.compile_time.as_secs_f64() * 1e3
        )?;
        if let Some(l) = self.loop_index {
            write!(f, ", entered through OSR at loop {l}")?;
        }
        Ok(())
    }
}

/// A tier-up callback.
pub type TierUpCallback = Arc<dyn Fn(&TierUpEvent) + Send + Sync>;

/// Budgets of the tiered engine (see [`Config::tier_up_budget`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TierUpBudget {
    /// Counter start value per function per instance: each call and each
    /// loop iteration of baseline code takes one off; at zero the function
    /// is queued for the optimizing tier.
    pub budget: u32,
    /// How many loop iterations pass between two checks whether optimized
    /// code with an entry at the running loop is ready (OSR).
    pub osr_poll: u32,
}

impl Default for TierUpBudget {
    fn default() -> Self {
        TierUpBudget {
            budget: 20_000,
            osr_poll: 10_000,
        }
    }
}

/// Engine configuration.
#[derive(Clone)]
pub struct Config {
    pub(crate) tier: Tier,
    pub(crate) max_wasm_stack: usize,
    pub(crate) memory_limit_pages: u32,
    pub(crate) features: WasmFeatures,
    pub(crate) validate_regalloc: bool,
    pub(crate) conservative_liveness: bool,
    /// `None`: when the host has BMI2.
    pub(crate) bmi2: Option<bool>,
    /// `None`: when the host has AVX.
    pub(crate) avx: Option<bool>,
    pub(crate) tier_up: TierUpBudget,
    pub(crate) osr: bool,
    pub(crate) tier_up_sync: bool,
    pub(crate) compile_threads: usize,
    pub(crate) lazy: Option<bool>,
    pub(crate) on_tier_up: Option<TierUpCallback>,
    pub(crate) perf_map: bool,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("tier", &self.tier)
            .field("max_wasm_stack", &self.max_wasm_stack)
            .field("memory_limit_pages", &self.memory_limit_pages)
            .field("validate_regalloc", &self.validate_regalloc)
            .field("conservative_liveness", &self.conservative_liveness)
            .field("bmi2", &self.bmi2)
            .field("avx", &self.avx)
            .field("tier_up", &self.tier_up)
            .field("osr", &self.osr)
            .field("tier_up_sync", &self.tier_up_sync)
            .field("compile_threads", &self.compile_threads)
            .field("lazy_compilation", &self.lazy)
            .field("on_tier_up", &self.on_tier_up.is_some())
            .field("perf_map", &self.perf_map)
            .finish_non_exhaustive()
    }
}

/// [`Config::memory_limit_pages`]'s default: 4 GiB minus one page.
pub const DEFAULT_MEMORY_LIMIT_PAGES: u32 = 65535;

/// One less than the machine's cores, at least one.
fn default_compile_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .saturating_sub(1)
        .max(1)
}

impl Default for Config {
    fn default() -> Self {
        Config {
            tier: Tier::Tiered,
            max_wasm_stack: 512 * 1024,
            memory_limit_pages: DEFAULT_MEMORY_LIMIT_PAGES,
            features: strata_frontend::module::wasm2_nosimd_features(),
            validate_regalloc: cfg!(debug_assertions),
            conservative_liveness: false,
            bmi2: None,
            avx: None,
            tier_up: TierUpBudget::default(),
            osr: true,
            tier_up_sync: false,
            compile_threads: default_compile_threads(),
            lazy: None,
            on_tier_up: None,
            perf_map: false,
        }
    }
}

impl Config {
    /// The default configuration.
    pub fn new() -> Self {
        Self::default()
    }
    /// Selects the compiler tier (default: [`Tier::Tiered`]).
    pub fn tier(&mut self, tier: Tier) -> &mut Self {
        self.tier = tier;
        self
    }
    /// The tiered engine's budgets (default: [`TierUpBudget::default`]).
    /// Budgets of 1 make tier-up and OSR happen almost at once, in the
    /// middle of the first calls: the tests use that.
    pub fn tier_up_budget(&mut self, budget: TierUpBudget) -> &mut Self {
        self.tier_up = TierUpBudget {
            budget: budget.budget.clamp(1, i32::MAX as u32),
            osr_poll: budget.osr_poll.clamp(1, i32::MAX as u32),
        };
        self
    }
    /// Whether the tiered engine moves running loops into optimized code
    /// (on-stack replacement; default: on).
    pub fn osr(&mut self, on: bool) -> &mut Self {
        self.osr = on;
        self
    }
    /// Compile tier-ups on the thread that runs the Wasm code, before it
    /// continues, instead of in the background (default: off). Makes
    /// tier-up and OSR happen at exactly the same points on every run: the
    /// tests combine it with tiny budgets.
    pub fn tier_up_sync(&mut self, on: bool) -> &mut Self {
        self.tier_up_sync = on;
        self
    }
    /// The number of threads that compile in the background (tier-up), and
    /// that compile a big module's code in parallel in `Module::new`, in
    /// either tier (default: one less than the cores, at least one). The
    /// code is the same whatever the number of threads.
    pub fn compile_threads(&mut self, n: usize) -> &mut Self {
        self.compile_threads = n.max(1);
        self
    }
    /// Compile each function's baseline code on its first call instead of
    /// every function in `Module::new` (default: off). Applies to
    /// [`Tier::Baseline`] and [`Tier::Tiered`]; the optimizing tier always
    /// compiles in `Module::new`.
    ///
    /// `Module::new` still validates every function body and reports the
    /// same errors; it then compiles nothing but a small stub per function.
    /// The first call of a function (from any instance of the module, or
    /// of a module importing it) compiles it once and publishes the code to
    /// every instance, so later calls run it directly. A function that
    /// cannot be compiled (an internal limit of the compiler) makes its
    /// first call fail with an error instead of `Module::new`. Modules that
    /// need features beyond those the tiers compile (see
    /// [`Config::wasm_features`]) are compiled in `Module::new` regardless.
    ///
    /// Lazy compilation starts faster when a program calls few of its
    /// functions at first; see `runtime/src/lazy.rs` for the trade-offs.
    ///
    /// Default: on for [`Tier::Tiered`] (measured: `Module::new` of a 10.6 MB
    /// module about 10x faster, 0.15 s against 1.6 s eager; the benchmark
    /// suite's time to first result 4% lower; up to a third slower to the
    /// first result only when the first call runs nearly every function), off when a tier is forced (so that
    /// `Module::new` does all the compiling, as a baseline- or
    /// optimizing-only engine is expected to).
    pub fn lazy_compilation(&mut self, on: bool) -> &mut Self {
        self.lazy = Some(on);
        self
    }
    /// Calls `f` on each tier-up (from the compile thread or the thread that
    /// runs the Wasm code; keep it short).
    pub fn on_tier_up(&mut self, f: impl Fn(&TierUpEvent) + Send + Sync + 'static) -> &mut Self {
        self.on_tier_up = Some(Arc::new(f));
        self
    }
    /// Writes the address, size and name of every compiled Wasm function to
    /// `/tmp/perf-PID.map` (see [`perf_map_path`](crate::perf_map_path)),
    /// so that Linux `perf report` names samples in Wasm code: the function
    /// and the code's tier (`[baseline]`, `[optimizing]`, `[osr loop L]`).
    /// Lines are added as code is placed (eager and lazy compiles, tier-ups,
    /// OSR variants). Default: off.
    pub fn perf_map(&mut self, on: bool) -> &mut Self {
        self.perf_map = on;
        self
    }
    /// The most stack (in bytes) that Wasm code may use before it traps with
    /// "call stack exhausted". (A call whose frame is under 1 KiB checks
    /// that 1 KiB is left: it may trap up to 1 KiB early.)
    pub fn max_wasm_stack(&mut self, bytes: usize) -> &mut Self {
        self.max_wasm_stack = bytes;
        self
    }
    /// A cap on every linear memory's size, in pages (below the declared
    /// maximum, `memory.grow` fails past it, as Wasm allows; a module whose
    /// memory starts above it fails to instantiate).
    ///
    /// Default: 65535 pages, 64 KiB short of Wasm's 4 GiB. Below 65536
    /// pages, compiled code adds a negative constant to a heap address in
    /// its addressing mode (`[r15 + x - 48]` for `load (x - 48)`) instead
    /// of computing the sum first: where the 32-bit sum would wrap, the
    /// access is then out of bounds in Wasm and faults in a guard below the
    /// memory. Likewise a positive constant after an access through `x`
    /// has run (`[r15 + x + 8]` after `[r15 + x]`): that access proved that
    /// `x + 8` cannot wrap. With 65536 (the whole 4 GiB) that folding is
    /// off.
    pub fn memory_limit_pages(&mut self, pages: u32) -> &mut Self {
        self.memory_limit_pages = pages;
        self
    }
    /// Runs the register-allocation checker on every compiled function
    /// (default: on in debug builds).
    pub fn validate_regalloc(&mut self, on: bool) -> &mut Self {
        self.validate_regalloc = on;
        self
    }
    /// Allocates registers for every function with the conservative live
    /// intervals that functions too large for exact liveness get (default:
    /// off; only those functions get them). Such intervals have no holes
    /// and are never split, so the code is slower; this exists to test that
    /// path on ordinary modules.
    pub fn conservative_liveness(&mut self, on: bool) -> &mut Self {
        self.conservative_liveness = on;
        self
    }
    /// Whether compiled code may use BMI2 instructions (`rorx`, and
    /// `shlx`/`sarx`/`shrx` for shifts by a variable count). Default: when
    /// the host CPU has BMI2. Off, the machine code is the same on every
    /// x86-64 host (reproducible listings, and a way to test the code for
    /// CPUs without it); on, [`Engine::new`] fails with an `Unsupported`
    /// error on a CPU without BMI2.
    pub fn bmi2(&mut self, on: bool) -> &mut Self {
        self.bmi2 = Some(on);
        self
    }
    /// Whether this configuration's code uses BMI2 on this host.
    pub(crate) fn uses_bmi2(&self) -> bool {
        self.bmi2.unwrap_or_else(strata_isa_x64::host_has_bmi2)
    }
    /// Whether compiled code may use AVX's three-operand forms of scalar
    /// float arithmetic (`vaddsd d, a, b` instead of a copy of `a` and
    /// `addsd`). Default: when the host CPU has AVX. Off, the code is plain
    /// SSE4.1 (the same machine code on every x86-64 host, and a way to
    /// test the code for CPUs without AVX); on, [`Engine::new`] fails with
    /// an `Unsupported` error on a CPU without AVX.
    pub fn avx(&mut self, on: bool) -> &mut Self {
        self.avx = Some(on);
        self
    }
    /// Whether this configuration's code uses AVX on this host.
    pub(crate) fn uses_avx(&self) -> bool {
        self.avx.unwrap_or_else(strata_isa_x64::host_has_avx)
    }
    /// The Wasm proposals modules may use (default: Wasm 2.0 without SIMD,
    /// everything both tiers compile). Enabling more than that makes modules
    /// that use the extra features fail to compile with an `Unsupported`
    /// error; `WasmFeatures::WASM1` restricts validation to Wasm 1.0.
    pub fn wasm_features(&mut self, features: WasmFeatures) -> &mut Self {
        self.features = features;
        self
    }
}

pub(crate) struct EngineInner {
    pub(crate) config: Config,
    signatures: Mutex<SignatureRegistry>,
    array_trampolines: Mutex<TrampolineCache>,
    host_trampolines: Mutex<TrampolineCache>,
    pool: crate::tiering::CompilePool,
    tier_events: Mutex<std::collections::VecDeque<TierUpEvent>>,
}

/// How many tier-ups [`Engine::tier_events`] keeps: the most recent ones,
/// so that an engine that loads and runs modules for as long as its
/// embedder lives does not grow with them ([`Config::on_tier_up`] sees
/// every one).
pub const TIER_EVENTS_KEPT: usize = 1024;

/// Signature ids by function type, each with the number of holders
/// ([`SignatureIds`]) of its id. A type whose last holder drops is
/// forgotten, so an engine that loads module after module with ever new
/// function types (a fuzzer's, a differential tester's) does not grow with
/// them. Ids are never reused: a type registered again after it was
/// forgotten gets a fresh id, so no id that compiled code or a table still
/// carries can come to stand for another type.
#[derive(Default)]
struct SignatureRegistry {
    /// Id and holder count of each type in use.
    by_type: HashMap<FuncType, (u32, usize)>,
    /// The type of each id in use.
    by_id: HashMap<u32, FuncType>,
    /// The last id handed out (ids start at 1; 0 is no type).
    last: u32,
}

impl SignatureRegistry {
    /// `ty`'s id, with one more holder; `None` when the ids ran out.
    fn register(&mut self, ty: &FuncType) -> Option<u32> {
        if let Some((id, holders)) = self.by_type.get_mut(ty) {
            *holders += 1;
            return Some(*id);
        }
        let id = self.last.checked_add(1)?;
        self.last = id;
        self.by_type.insert(ty.clone(), (id, 1));
        self.by_id.insert(id, ty.clone());
        Some(id)
    }

    /// One holder fewer for each of `ids`.
    fn release(&mut self, ids: &[u32]) {
        for id in ids {
            let Some(ty) = self.by_id.get(id) else {
                debug_assert!(false, "signature id {id} released but not registered");
                continue;
            };
            let Some(entry) = self.by_type.get_mut(ty) else {
                continue;
            };
            entry.1 -= 1;
            if entry.1 == 0 {
                self.by_type.remove(ty);
                self.by_id.remove(id);
            }
        }
    }
}

/// Registered signature ids (in the order of the types registered),
/// released when this drops.
pub(crate) struct SignatureIds {
    engine: Engine,
    ids: Vec<u32>,
}

impl std::ops::Deref for SignatureIds {
    type Target = [u32];
    fn deref(&self) -> &[u32] {
        &self.ids
    }
}

impl Drop for SignatureIds {
    fn drop(&mut self) {
        self.engine
            .inner
            .signatures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .release(&self.ids);
    }
}

/// Trampolines by signature. The cache does not keep them alive: their
/// users (a store's functions) hold them, and one whose users are all gone
/// is unmapped; its entry is made again on the next request.
#[derive(Default)]
struct TrampolineCache {
    map: HashMap<Signature, Weak<CodeMemory>>,
    /// When `map` reaches this size, entries of dead trampolines are
    /// dropped (amortized: the next sweep waits until the map has doubled).
    sweep_at: usize,
}

impl TrampolineCache {
    fn insert(&mut self, sig: Signature, code: &Arc<CodeMemory>) {
        if self.map.len() >= self.sweep_at {
            self.map.retain(|_, w| w.strong_count() > 0);
            self.sweep_at = (2 * self.map.len()).max(64);
        }
        self.map.insert(sig, Arc::downgrade(code));
    }
}

/// A compilation environment shared by modules and stores.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<EngineInner>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new(&Config::default()).expect("default engine")
    }
}

impl Engine {
    /// An engine with `config`. Fails when this machine lacks a CPU feature
    /// the code generator requires.
    pub fn new(config: &Config) -> Result<Engine> {
        strata_isa_x64::host_supports().map_err(|e| Error::new(ErrorKind::Unsupported, e))?;
        if config.bmi2 == Some(true) && !strata_isa_x64::host_has_bmi2() {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "BMI2 was requested (Config::bmi2) but the CPU lacks bmi2",
            ));
        }
        if config.avx == Some(true) && !strata_isa_x64::host_has_avx() {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "AVX was requested (Config::avx) but the CPU lacks avx",
            ));
        }
        crate::traphandlers::init_traps();
        Ok(Engine {
            inner: Arc::new(EngineInner {
                config: config.clone(),
                signatures: Mutex::new(SignatureRegistry::default()),
                array_trampolines: Mutex::new(TrampolineCache::default()),
                host_trampolines: Mutex::new(TrampolineCache::default()),
                pool: crate::tiering::CompilePool::new(config.compile_threads),
                tier_events: Mutex::new(std::collections::VecDeque::new()),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The most recent tier-ups, at most [`TIER_EVENTS_KEPT`], oldest
    /// first (see [`TierUpEvent`]; [`Config::on_tier_up`] sees every one).
    pub fn tier_events(&self) -> Vec<TierUpEvent> {
        let events = self
            .inner
            .tier_events
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        events.iter().cloned().collect()
    }

    pub(crate) fn report_tier_up(&self, event: TierUpEvent) {
        if let Some(f) = &self.inner.config.on_tier_up {
            f(&event);
        }
        let mut events = self
            .inner
            .tier_events
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if events.len() == TIER_EVENTS_KEPT {
            events.pop_front();
        }
        events.push_back(event);
    }

    pub(crate) fn compile_pool(&self) -> &crate::tiering::CompilePool {
        &self.inner.pool
    }

    /// Canonical ids of `types`, held until the returned [`SignatureIds`]
    /// drops: equal types get equal ids engine-wide while any holder of
    /// that type's id lives.
    pub(crate) fn register_signatures(&self, types: &[FuncType]) -> Result<SignatureIds> {
        let mut reg = self
            .inner
            .signatures
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let mut ids = Vec::with_capacity(types.len());
        for ty in types {
            match reg.register(ty) {
                Some(id) => ids.push(id),
                None => {
                    reg.release(&ids);
                    return Err(Error::new(
                        ErrorKind::Unsupported,
                        "the engine has handed out every signature id (2^32 - 1 registrations of new function types); create a new Engine",
                    ));
                }
            }
        }
        Ok(SignatureIds {
            engine: self.clone(),
            ids,
        })
    }

    /// How many function types have ids and how many trampolines are
    /// alive: what the engine keeps for the modules, instances and host
    /// functions that exist (for tests of that bookkeeping).
    #[doc(hidden)]
    pub fn registry_sizes(&self) -> (usize, usize) {
        let sigs = self
            .inner
            .signatures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .by_type
            .len();
        let live = |c: &Mutex<TrampolineCache>| {
            let c = c.lock().unwrap_or_else(|e| e.into_inner());
            c.map.values().filter(|w| w.strong_count() > 0).count()
        };
        (
            sigs,
            live(&self.inner.array_trampolines) + live(&self.inner.host_trampolines),
        )
    }

    pub(crate) fn same(&self, other: &Engine) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    fn trampoline(
        cache: &Mutex<TrampolineCache>,
        ty: &FuncType,
        make: impl FnOnce(&Signature) -> Result<Vec<u8>, strata_isa_x64::CompileError>,
    ) -> Result<Arc<CodeMemory>> {
        let sig = ty.ir_signature().ok_or_else(|| {
            Error::new(
                ErrorKind::Unsupported,
                format!("unsupported function type {ty}"),
            )
        })?;
        let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(code) = cache.map.get(&sig).and_then(Weak::upgrade) {
            return Ok(code);
        }
        let bytes = make(&sig).map_err(|e| Error::new(ErrorKind::Unsupported, e.to_string()))?;
        let code = Arc::new(CodeMemory::new(&bytes)?);
        cache.insert(sig, &code);
        Ok(code)
    }

    /// The host-to-Wasm trampoline for `ty`.
    pub(crate) fn array_trampoline(&self, ty: &FuncType) -> Result<Arc<CodeMemory>> {
        Self::trampoline(
            &self.inner.array_trampolines,
            ty,
            strata_isa_x64::array_trampoline,
        )
    }

    /// The Wasm-to-host trampoline for `ty`.
    pub(crate) fn host_trampoline(&self, ty: &FuncType) -> Result<Arc<CodeMemory>> {
        Self::trampoline(&self.inner.host_trampolines, ty, |sig| {
            strata_isa_x64::host_trampoline(
                sig,
                crate::func::host_dispatch as *const () as usize,
                crate::traphandlers::raise_pending_trap_address(),
            )
        })
    }
}
