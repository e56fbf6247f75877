//! The engine: configuration, the signature registry and trampoline caches.
//! An `Engine` is cheap to clone and shared by modules and stores.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use strata_frontend::module::WasmFeatures;
use strata_ir::Signature;

use crate::code_memory::CodeMemory;
use crate::error::{Error, ErrorKind, Result};
use crate::values::FuncType;

/// Which compiler tier compiles a module's functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Tier {
    /// The single-pass baseline compiler.
    #[default]
    Baseline,
    /// The optimizing compiler.
    Optimizing,
}

/// Engine configuration.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) tier: Tier,
    pub(crate) max_wasm_stack: usize,
    pub(crate) memory_limit_pages: u32,
    pub(crate) features: WasmFeatures,
    pub(crate) validate_regalloc: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            tier: Tier::Baseline,
            max_wasm_stack: 512 * 1024,
            memory_limit_pages: 65536,
            features: strata_frontend::module::wasm2_nosimd_features(),
            validate_regalloc: cfg!(debug_assertions),
        }
    }
}

impl Config {
    /// The default configuration.
    pub fn new() -> Self {
        Self::default()
    }
    /// Selects the compiler tier.
    pub fn tier(&mut self, tier: Tier) -> &mut Self {
        self.tier = tier;
        self
    }
    /// The most stack (in bytes) that Wasm code may use before it traps with
    /// "call stack exhausted".
    pub fn max_wasm_stack(&mut self, bytes: usize) -> &mut Self {
        self.max_wasm_stack = bytes;
        self
    }
    /// A cap on every linear memory's size, in pages (below the declared
    /// maximum, `memory.grow` fails past it).
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
    signatures: Mutex<HashMap<FuncType, u32>>,
    array_trampolines: Mutex<HashMap<Signature, Arc<CodeMemory>>>,
    host_trampolines: Mutex<HashMap<Signature, Arc<CodeMemory>>>,
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
        crate::traphandlers::init_traps();
        Ok(Engine {
            inner: Arc::new(EngineInner {
                config: config.clone(),
                signatures: Mutex::new(HashMap::new()),
                array_trampolines: Mutex::new(HashMap::new()),
                host_trampolines: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The canonical id of a function type: equal types get equal ids
    /// engine-wide (ids start at 1).
    pub(crate) fn signature_id(&self, ty: &FuncType) -> u32 {
        let mut sigs = self
            .inner
            .signatures
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let next = sigs.len() as u32 + 1;
        *sigs.entry(ty.clone()).or_insert(next)
    }

    pub(crate) fn same(&self, other: &Engine) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    fn trampoline(
        cache: &Mutex<HashMap<Signature, Arc<CodeMemory>>>,
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
        if let Some(code) = cache.get(&sig) {
            return Ok(code.clone());
        }
        let bytes = make(&sig).map_err(|e| Error::new(ErrorKind::Unsupported, e.to_string()))?;
        let code = Arc::new(CodeMemory::new(&bytes)?);
        cache.insert(sig, code.clone());
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
