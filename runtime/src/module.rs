//! Compiled modules: decoding, validation and compilation of every function
//! (or, with lazy compilation, validation of every function and a stub per
//! function; see [`crate::lazy`]), code memory, and registration of the code
//! for trap handling.

use std::path::Path;
use std::sync::Arc;

use std::collections::HashMap;

use strata_frontend::baseline::{BaselineTranslator, Tiering};
use strata_frontend::module::{ExportKind, ImportKind, ModuleEnv, translate_module};
use strata_frontend::ssa::SsaTranslator;
use strata_frontend::vmoffsets::VMOffsets;
use strata_frontend::vmoffsets::funcref;
use strata_ir::opt::OptOptions;
use strata_ir::opt::inline::{InlineBudget, inline_calls};
use strata_ir::{CallKind, InstData};
use strata_isa_x64::{CompileOptions, Compiler};

use crate::code_memory::CodeMemory;
use crate::engine::{Engine, Tier};
use crate::error::{Error, ErrorKind, Result};
use crate::traphandlers::{CodeInfo, CodeRegistration, FuncRange, register_code};
use crate::values::{ExternType, FuncType, GlobalType, MemoryType, Mutability, TableType, ValType};

pub(crate) struct ModuleInner {
    /// Declared first so that it is dropped first: the code must be
    /// unregistered before it is unmapped.
    _registration: CodeRegistration,
    /// Lazy compilation's state (lazily compiled modules only).
    pub(crate) lazy: Option<crate::lazy::LazyCode>,
    pub(crate) engine: Engine,
    pub(crate) bytes: Vec<u8>,
    pub(crate) env: ModuleEnv,
    pub(crate) offsets: VMOffsets,
    /// The code compiled by `Module::new`: every defined function, or with
    /// lazy compilation their stubs.
    pub(crate) code: CodeMemory,
    /// Code offset of each defined function (of its stub, with lazy
    /// compilation): its code when the module is instantiated.
    pub(crate) func_offsets: Vec<u32>,
    /// Function type of each type index.
    pub(crate) types: Vec<FuncType>,
    /// Canonical signature id of each type index (held while the module
    /// lives).
    pub(crate) type_ids: crate::engine::SignatureIds,
    /// Tier-up state ([`Tier::Tiered`] only).
    pub(crate) tiering: Option<crate::tiering::Tiering>,
    /// The code slots to publish into, when code changes after
    /// instantiation (tiered or lazily compiled modules).
    pub(crate) slots: Option<crate::tiering::CodeSlots>,
}

impl ModuleInner {
    /// Whether a code registration starting at `start` belongs to this
    /// module (`FrameInfo::code_start`): its ahead-of-time code, optimized
    /// code of the tiered engine, or a chunk of lazily compiled code.
    pub(crate) fn owns_code(&self, start: usize) -> bool {
        self.code.range().0 == start
            || self.tiering.as_ref().is_some_and(|t| t.owns_code(start))
            || self.lazy.as_ref().is_some_and(|l| l.owns_chunk(start))
    }

    /// Whether `code` is baseline code of this module (or the lazy stub
    /// that stands for it) rather than optimized code.
    pub(crate) fn is_baseline_code(&self, code: usize) -> bool {
        let (start, end) = self.code.range();
        (start..end).contains(&code) || self.lazy.as_ref().is_some_and(|l| l.contains(code))
    }
}

/// A compiled Wasm module, ready to be instantiated (cheap to clone; `Send`
/// and `Sync`).
#[derive(Clone)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("name", &self.name())
            .field("functions", &self.inner.env.functions.len())
            .field("code_bytes", &self.inner.code.len())
            .finish()
    }
}

/// What `compile_listing` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emit {
    /// The IR of each function, as the tier builds it.
    Ir,
    /// The disassembly of each function.
    Asm,
    /// The size of each function's machine code and of its data (jump
    /// tables, float constants), one line per function: `function %NAME:
    /// C bytes of code, D bytes of data`.
    Size,
}

/// Text (`.wat`) or binary bytes to a binary module.
pub(crate) fn to_binary(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>> {
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes.into());
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => wat::parse_str(text)
            .map(Into::into)
            .map_err(|e| Error::new(ErrorKind::Invalid, e.to_string().replace('\n', " "))),
        Err(_) => Err(Error::new(
            ErrorKind::Invalid,
            "not a Wasm module: neither the binary magic `\\0asm` nor UTF-8 text",
        )),
    }
}

/// Machine code of defined functions laid out one after another, with its
/// metadata (offsets from the start of `code`).
pub(crate) struct Compiled {
    pub(crate) code: Vec<u8>,
    pub(crate) func_offsets: Vec<u32>,
    pub(crate) info: CodeInfo,
}

impl Compiled {
    pub(crate) fn new() -> Compiled {
        Compiled {
            code: Vec::new(),
            func_offsets: Vec::new(),
            info: CodeInfo::default(),
        }
    }

    /// Appends code laid out from offset 0, with its function offsets and
    /// metadata, at the next 64-byte boundary (loop headers sit at a fixed
    /// offset in the 64-byte lines of their function, see isa-x64's
    /// emitter).
    fn append(&mut self, code: &[u8], func_offsets: &[u32], meta: CodeMeta<'_>) {
        let CodeMeta {
            funcs,
            trap_sites,
            frameless_traps,
            addr_map,
            hidden_returns,
        } = meta;
        while !self.code.len().is_multiple_of(64) {
            self.code.push(0xcc);
        }
        let base = self.code.len() as u32;
        self.code.extend_from_slice(code);
        self.func_offsets
            .extend(func_offsets.iter().map(|&o| o + base));
        let info = &mut self.info;
        info.funcs.extend(funcs.iter().map(|f| FuncRange {
            start: f.start + base,
            end: f.end + base,
            func_index: f.func_index,
        }));
        info.trap_sites
            .extend(trap_sites.iter().map(|&(o, c)| (o + base, c)));
        info.frameless_traps
            .extend(frameless_traps.iter().map(|&o| o + base));
        info.addr_map
            .extend(addr_map.iter().map(|&(o, w)| (o + base, w)));
        info.hidden_returns
            .extend(hidden_returns.iter().map(|&o| o + base));
    }

    /// Appends `part` (laid out from offset 0).
    fn append_part(&mut self, part: &Compiled) {
        self.append(
            &part.code,
            &part.func_offsets,
            CodeMeta {
                funcs: &part.info.funcs,
                trap_sites: &part.info.trap_sites,
                frameless_traps: &part.info.frameless_traps,
                addr_map: &part.info.addr_map,
                hidden_returns: &part.info.hidden_returns,
            },
        );
    }
}

/// The metadata of code appended by [`Compiled::append`], offsets from
/// the code's start (see [`CodeInfo`]'s fields).
struct CodeMeta<'a> {
    funcs: &'a [FuncRange],
    trap_sites: &'a [(u32, strata_ir::TrapCode)],
    frameless_traps: &'a [u32],
    addr_map: &'a [(u32, u32)],
    hidden_returns: &'a [u32],
}

/// Lowers, allocates and emits IR functions (defined functions in order) and
/// lays their code out one after another.
struct Backend<'a> {
    compiler: &'a mut Compiler,
    out: Compiled,
    num_imported_funcs: u32,
    listing: Option<(&'a mut String, Emit)>,
}

impl Backend<'_> {
    fn emit(&mut self, def: usize, func: &strata_ir::Function) -> Result<()> {
        let compiled = self.compiler.compile(func).map_err(|e| {
            Error::new(
                ErrorKind::Unsupported,
                format!("compiling function {}: {e}", func.name),
            )
        })?;
        match &mut self.listing {
            Some((text, Emit::Asm)) => {
                text.push_str(&format!("function %{}:\n", func.name));
                text.push_str(&strata_isa_x64::listing(&compiled));
                text.push('\n');
            }
            Some((text, Emit::Size)) => {
                let code = (compiled.code_len as usize).min(compiled.code.len());
                text.push_str(&format!(
                    "function %{}: {code} bytes of code, {} bytes of data\n",
                    func.name,
                    compiled.code.len() - code
                ));
            }
            _ => {}
        }
        let func_index = self.num_imported_funcs + def as u32;
        self.out.append(
            &compiled.code,
            &[0],
            CodeMeta {
                funcs: &[FuncRange {
                    start: 0,
                    end: compiled.code.len() as u32,
                    func_index,
                }],
                trap_sites: &compiled.trap_sites,
                frameless_traps: &compiled.frameless_traps,
                addr_map: &compiled.addr_map,
                hidden_returns: &compiled.osr_returns,
            },
        );
        Ok(())
    }

    fn list_ir(&mut self, func: &strata_ir::Function) {
        if let Some((text, Emit::Ir)) = &mut self.listing {
            text.push_str(&func.to_string());
            text.push('\n');
        }
    }
}

pub(crate) fn compiler(engine: &Engine, mode: strata_regalloc::Mode) -> Compiler {
    Compiler::new(CompileOptions {
        regalloc_mode: mode,
        validate_regalloc: engine.config().validate_regalloc,
        liveness: if engine.config().conservative_liveness {
            strata_regalloc::LivenessMode::Conservative
        } else {
            strata_regalloc::LivenessMode::Auto
        },
        bmi2: engine.config().uses_bmi2(),
        avx: engine.config().uses_avx(),
        bounded_heap: engine.config().memory_limit_pages
            <= crate::memory::MAX_PAGES_FOR_BOUNDED_HEAP,
    })
}

/// Baseline code for defined functions `defs`, laid out one after another
/// from offset 0, with tier checks when `tiering` is given.
fn compile_baseline(
    engine: &Engine,
    env: &ModuleEnv,
    offsets: &VMOffsets,
    wasm: &[u8],
    defs: std::ops::Range<usize>,
    tiering: Option<Tiering>,
    listing: Option<(&mut String, Emit)>,
) -> Result<Compiled> {
    let mut compiler = compiler(engine, strata_regalloc::Mode::Fast);
    let mut backend = Backend {
        compiler: &mut compiler,
        out: Compiled::new(),
        num_imported_funcs: env.num_imported_funcs,
        listing,
    };
    // One function at a time, reusing every buffer.
    let mut translator = BaselineTranslator::new();
    translator.set_tiering(tiering);
    let mut func = strata_ir::Function::new();
    for def in defs {
        translator.translate(env, offsets, wasm, def, &mut func)?;
        backend.list_ir(&func);
        backend.emit(def, &func)?;
    }
    Ok(backend.out)
}

/// The code of IR function `func` (defined function `def` of `env`) alone,
/// laid out from offset 0.
pub(crate) fn compile_function(
    compiler: &mut Compiler,
    env: &ModuleEnv,
    def: usize,
    func: &strata_ir::Function,
) -> Result<Compiled> {
    let mut backend = Backend {
        compiler,
        out: Compiled::new(),
        num_imported_funcs: env.num_imported_funcs,
        listing: None,
    };
    backend.emit(def, func)?;
    Ok(backend.out)
}

/// The buffers of one thread compiling baseline code one function at a
/// time (lazy compilation), kept from one function to the next.
pub(crate) struct BaselineWorker {
    compiler: Compiler,
    translator: BaselineTranslator,
    func: strata_ir::Function,
}

impl BaselineWorker {
    /// A worker for `engine`'s options, with tier checks when `tiering`.
    pub(crate) fn new(engine: &Engine, tiering: Option<Tiering>) -> BaselineWorker {
        let mut translator = BaselineTranslator::new();
        translator.set_tiering(tiering);
        BaselineWorker {
            compiler: compiler(engine, strata_regalloc::Mode::Fast),
            translator,
            func: strata_ir::Function::new(),
        }
    }

    /// Baseline code of defined function `def` of `m` alone, from offset 0.
    pub(crate) fn compile(&mut self, m: &ModuleInner, def: usize) -> Result<Compiled> {
        self.translator
            .translate(&m.env, &m.offsets, &m.bytes, def, &mut self.func)?;
        compile_function(&mut self.compiler, &m.env, def, &self.func)
    }
}

/// Splits defined functions `0..n` into up to `threads` contiguous ranges
/// of about equal body size.
fn split_by_body_size(env: &ModuleEnv, threads: usize) -> Vec<std::ops::Range<usize>> {
    let n = env.bodies.len();
    let total: usize = env.bodies.iter().map(|b| b.body.len()).sum();
    let mut ranges = Vec::with_capacity(threads);
    let (mut start, mut acc) = (0, 0);
    for (i, b) in env.bodies.iter().enumerate() {
        acc += b.body.len();
        if acc * threads >= total * (ranges.len() + 1) && ranges.len() + 1 < threads {
            ranges.push(start..i + 1);
            start = i + 1;
        }
    }
    ranges.push(start..n);
    ranges
}

/// Validates every function body (lazy compilation: nothing is compiled
/// yet), on up to `Config::compile_threads` threads for big modules.
/// Reports the error of the first invalid body, as compiling would.
fn validate_bodies(engine: &Engine, env: &ModuleEnv, wasm: &[u8]) -> Result<()> {
    let validate = |defs: std::ops::Range<usize>| -> Result<()> {
        let mut translator = BaselineTranslator::new();
        for def in defs {
            translator.validate(env, wasm, def)?;
        }
        Ok(())
    };
    let n = env.bodies.len();
    let total: usize = env.bodies.iter().map(|b| b.body.len()).sum();
    let threads = engine.config().compile_threads.min(n).max(1);
    // Validation is quick: only big modules are worth a thread.
    if threads == 1 || total < 1024 * 1024 {
        return validate(0..n);
    }
    let ranges = split_by_body_size(env, threads);
    each_range(&ranges, vec![(); ranges.len()], |r, ()| validate(r))
        .into_iter()
        .collect()
}

/// Runs `job` on each range of functions with its input, one thread per
/// range (the calling thread when there is only one); results in range
/// order.
fn each_range<I: Send, T: Send>(
    ranges: &[std::ops::Range<usize>],
    inputs: Vec<I>,
    job: impl Fn(std::ops::Range<usize>, I) -> Result<T> + Sync,
) -> Vec<Result<T>> {
    if let [r] = ranges {
        return inputs.into_iter().map(|i| job(r.clone(), i)).collect();
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = ranges
            .iter()
            .zip(inputs)
            .map(|(r, i)| {
                let (r, job) = (r.clone(), &job);
                scope.spawn(move || job(r, i))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(Error::new(ErrorKind::Other, "a compile thread panicked"))
                })
            })
            .collect()
    })
}

/// Baseline code for every defined function, compiled on up to
/// `Config::compile_threads` threads (contiguous ranges of functions of
/// about equal body size), then laid out in function order.
fn compile_baseline_parallel(
    engine: &Engine,
    env: &ModuleEnv,
    offsets: &VMOffsets,
    wasm: &[u8],
    tiering: Option<Tiering>,
) -> Result<Compiled> {
    let n = env.bodies.len();
    let total: usize = env.bodies.iter().map(|b| b.body.len()).sum();
    let threads = engine.config().compile_threads.min(n).max(1);
    // Small modules are not worth a thread.
    if threads == 1 || total < 64 * 1024 {
        return compile_baseline(engine, env, offsets, wasm, 0..n, tiering, None);
    }
    let ranges = split_by_body_size(env, threads);
    let parts = each_range(&ranges, vec![(); ranges.len()], |r, ()| {
        compile_baseline(engine, env, offsets, wasm, r, tiering, None)
    });
    let mut out = Compiled::new();
    for part in parts {
        out.append_part(&part?);
    }
    Ok(out)
}

/// The optimizing tier's passes after SSA construction: inlining of small
/// direct callees (translated and optimized here on demand), optimization,
/// then SSA destruction for the code generator.
pub(crate) fn optimize_for_codegen(
    env: &ModuleEnv,
    offsets: &VMOffsets,
    wasm: &[u8],
    func: &mut strata_ir::Function,
    translator: &mut SsaTranslator,
) -> Result<()> {
    let opts = OptOptions::default();
    let max_body = callee_body_max();
    let mut callees: HashMap<u32, strata_ir::Function> = HashMap::new();
    for data in func.insts.iter() {
        if let InstData::Call {
            kind: CallKind::Direct { slot },
            ..
        } = data
            && let Some(def) = direct_callee(env, offsets, *slot)
            && !callees.contains_key(&def)
            && env.bodies[def as usize].body.len() <= max_body
        {
            let mut callee = strata_ir::Function::new();
            if translator
                .translate(env, offsets, wasm, def as usize, &mut callee)
                .is_ok()
            {
                strata_ir::opt::optimize(&mut callee, &opts);
                callees.insert(def, callee);
            }
        }
    }
    let lookup = |kind: CallKind| -> Option<&strata_ir::Function> {
        let CallKind::Direct { slot } = kind else {
            return None;
        };
        callees.get(&direct_callee(env, offsets, slot)?)
    };
    finish_optimized(func, &lookup, &opts, false);
    strata_ir::ssa::destruct(func);
    strata_ir::ssa::split_critical_edges(func);
    Ok(())
}

/// The defined function whose code pointer is at VMContext offset `slot`.
fn direct_callee(env: &ModuleEnv, offsets: &VMOffsets, slot: u32) -> Option<u32> {
    let f = (slot.checked_sub(offsets.funcrefs + funcref::CODE)?) / funcref::SIZE;
    let def = f.checked_sub(env.num_imported_funcs)?;
    ((def as usize) < env.bodies.len()).then_some(def)
}

/// Inlining, then optimization (unless `optimized` says that `func` was
/// optimized already and nothing was inlined), then the passes that
/// prepare the final SSA for the code generator
/// ([`strata_ir::opt::finish`]).
///
/// A function that is not itself a callee candidate comes here straight
/// from SSA construction: optimizing it before inlining too would run the
/// whole pipeline twice on most of a module's code, for nothing (no pass
/// turns an indirect call into a direct one, and the inliner's budget
/// counts callee instructions, not the caller's). A callee candidate was
/// optimized once already, so that what is inlined is its optimized form.
fn finish_optimized<'f>(
    func: &mut strata_ir::Function,
    lookup: &dyn Fn(CallKind) -> Option<&'f strata_ir::Function>,
    opts: &OptOptions,
    optimized: bool,
) {
    if inline_calls(func, lookup, &InlineBudget::default()) || !optimized {
        strata_ir::opt::optimize(func, opts);
    }
    strata_ir::opt::finish(func, opts);
}

fn compile_all(
    engine: &Engine,
    env: &ModuleEnv,
    offsets: &VMOffsets,
    wasm: &[u8],
    listing: Option<(&mut String, Emit)>,
) -> Result<Compiled> {
    let tier = engine.config().tier;
    let tiering = (tier == Tier::Tiered).then_some(Tiering {
        osr: engine.config().osr,
    });
    match tier {
        Tier::Baseline | Tier::Tiered => match listing {
            Some(listing) => compile_baseline(
                engine,
                env,
                offsets,
                wasm,
                0..env.bodies.len(),
                tiering,
                Some(listing),
            ),
            None => compile_baseline_parallel(engine, env, offsets, wasm, tiering),
        },
        Tier::Optimizing => compile_optimizing(engine, env, offsets, wasm, listing),
    }
}

/// The optimizing tier for every defined function. First SSA and
/// optimization of the functions small enough to be inlined (a body of at
/// most [`callee_body_max`] bytes, as when a single function is compiled for
/// tier-up); then, callees known, each function in order: SSA and
/// optimization (unless done in the first phase), inlining, SSA destruction
/// and code generation. Only the first phase's functions are kept; every
/// other function is built in one reused [`strata_ir::Function`] and gone
/// once its code is emitted. Both phases run on up to
/// `Config::compile_threads` threads for big modules (each thread a
/// contiguous range of functions, the code laid out in function order as a
/// single thread would); a listing is made on the calling thread alone. The
/// first invalid function in function order is the error reported.
fn compile_optimizing(
    engine: &Engine,
    env: &ModuleEnv,
    offsets: &VMOffsets,
    wasm: &[u8],
    mut listing: Option<(&mut String, Emit)>,
) -> Result<Compiled> {
    let n = env.bodies.len();
    let total: usize = env.bodies.iter().map(|b| b.body.len()).sum();
    let threads = engine.config().compile_threads.min(n).max(1);
    let ranges = if listing.is_some() || threads == 1 || total < 64 * 1024 {
        std::iter::once(0..n).collect()
    } else {
        split_by_body_size(env, threads)
    };
    let opts = OptOptions::default();
    let max_body = callee_body_max();
    // The first phase: the would-be callees, each with its error if it has
    // one (reported when the second phase reaches it, in function order).
    let mut small: Vec<Option<Result<Optimized>>> = Vec::with_capacity(n);
    for part in each_range(&ranges, vec![(); ranges.len()], |defs, ()| {
        let mut builders = Builders::new();
        Ok(defs
            .map(|def| {
                (env.bodies[def].body.len() <= max_body).then(|| {
                    let mut func = strata_ir::Function::new();
                    let plain = builders.build(env, offsets, wasm, def, &mut func, Some(&opts))?;
                    Ok(Optimized { func, plain })
                })
            })
            .collect::<Vec<_>>())
    }) {
        small.extend(part?);
    }
    // Copies of the functions small enough to be inlined (the inliner
    // takes no larger callee).
    let max = InlineBudget::default().max_callee_insts;
    let callees: Vec<Option<strata_ir::Function>> = small
        .iter()
        .map(|o| match o {
            Some(Ok(f)) if !f.plain && strata_ir::opt::inline::inst_count(&f.func) <= max => {
                Some(f.func.clone())
            }
            _ => None,
        })
        .collect();
    let lookup = |kind: CallKind| -> Option<&strata_ir::Function> {
        let CallKind::Direct { slot } = kind else {
            return None;
        };
        callees
            .get(direct_callee(env, offsets, slot)? as usize)?
            .as_ref()
    };
    // The second phase for functions `defs`, whose first-phase results are
    // `small` (taken from).
    let second = |defs: std::ops::Range<usize>,
                  small: &mut [Option<Result<Optimized>>],
                  backend: &mut Backend|
     -> Result<()> {
        let mut builders = Builders::new();
        let mut scratch = strata_ir::Function::new();
        for (def, pre) in defs.zip(small.iter_mut()) {
            let mut built;
            let (func, plain, optimized) = match pre.take() {
                Some(r) => {
                    built = r?;
                    (&mut built.func, built.plain, true)
                }
                None => {
                    let plain = builders.build(env, offsets, wasm, def, &mut scratch, None)?;
                    (&mut scratch, plain, false)
                }
            };
            if plain {
                // As the baseline tier compiles it, fast allocator included.
                backend.list_ir(func);
                backend
                    .compiler
                    .set_regalloc_mode(strata_regalloc::Mode::Fast);
                let r = backend.emit(def, func);
                backend
                    .compiler
                    .set_regalloc_mode(strata_regalloc::Mode::Optimizing);
                r?;
                continue;
            }
            finish_optimized(func, &lookup, &opts, optimized);
            backend.list_ir(func);
            strata_ir::ssa::destruct(func);
            strata_ir::ssa::split_critical_edges(func);
            backend.emit(def, func)?;
        }
        Ok(())
    };
    if let Some(listing) = listing.take() {
        let mut compiler = compiler(engine, strata_regalloc::Mode::Optimizing);
        let mut backend = Backend {
            compiler: &mut compiler,
            out: Compiled::new(),
            num_imported_funcs: env.num_imported_funcs,
            listing: Some(listing),
        };
        second(0..n, &mut small, &mut backend)?;
        return Ok(backend.out);
    }
    // Each thread gets its range's first-phase results.
    let mut inputs = Vec::with_capacity(ranges.len());
    for r in ranges.iter().rev() {
        inputs.push(small.split_off(r.start));
    }
    inputs.reverse();
    let parts = each_range(&ranges, inputs, |defs, mut small| {
        let mut compiler = compiler(engine, strata_regalloc::Mode::Optimizing);
        let mut backend = Backend {
            compiler: &mut compiler,
            out: Compiled::new(),
            num_imported_funcs: env.num_imported_funcs,
            listing: None,
        };
        second(defs, &mut small, &mut backend)?;
        Ok(backend.out)
    });
    let mut out = Compiled::new();
    for part in parts {
        out.append_part(&part?);
    }
    Ok(out)
}

/// A function in optimized SSA form, or (`plain`) in the baseline tier's
/// form where SSA construction would have outgrown its budget.
struct Optimized {
    func: strata_ir::Function,
    plain: bool,
}

/// The IR builders of one compile thread.
struct Builders {
    ssa: SsaTranslator,
    fallback: BaselineTranslator,
}

impl Builders {
    fn new() -> Self {
        Builders {
            ssa: SsaTranslator::new(),
            fallback: BaselineTranslator::new(),
        }
    }

    /// Builds defined function `def` into `func` in SSA form, optimized
    /// with `opts` when given, or, where its SSA form would outgrow its
    /// budget (`strata_frontend::ssa::ssa_budget`), as the baseline tier
    /// translates it (linear in its size), neither optimized nor inlined.
    /// Returns whether it is the latter.
    fn build(
        &mut self,
        env: &ModuleEnv,
        offsets: &VMOffsets,
        wasm: &[u8],
        def: usize,
        func: &mut strata_ir::Function,
        opts: Option<&OptOptions>,
    ) -> Result<bool> {
        match self.ssa.translate(env, offsets, wasm, def, func) {
            Ok(()) => {
                if let Some(opts) = opts {
                    strata_ir::opt::optimize(func, opts);
                }
                Ok(false)
            }
            Err(_) if self.ssa.too_complex() => {
                self.fallback.translate(env, offsets, wasm, def, func)?;
                Ok(true)
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// The largest body, in bytes, of a function that the optimizing tier
/// considers for inlining: a body of this many bytes has about as many
/// instructions as [`InlineBudget::max_callee_insts`] allows.
fn callee_body_max() -> usize {
    8 * InlineBudget::default().max_callee_insts
}

/// Compiles `bytes` and returns the IR or the disassembly of every function.
pub fn compile_listing(engine: &Engine, bytes: &[u8], emit: Emit) -> Result<String> {
    let wasm = to_binary(bytes)?;
    let env = translate_module(&wasm, engine.config().features)?;
    let offsets = VMOffsets::new(&env);
    let mut text = String::new();
    compile_all(engine, &env, &offsets, &wasm, Some((&mut text, emit)))?;
    Ok(text)
}

impl Module {
    /// Validates and compiles a module given as binary or text.
    pub fn new(engine: &Engine, bytes: impl AsRef<[u8]>) -> Result<Module> {
        let wasm = to_binary(bytes.as_ref())?.into_owned();
        let env = translate_module(&wasm, engine.config().features)?;
        let offsets = VMOffsets::new(&env);
        let lazy = crate::lazy::applies(engine.config());
        let compiled = if lazy {
            validate_bodies(engine, &env, &wasm)?;
            crate::lazy::stubs(&env, &offsets)?
        } else {
            compile_all(engine, &env, &offsets, &wasm, None)?
        };
        // An empty code memory still gets one page so that it has an address.
        let code = CodeMemory::new(if compiled.code.is_empty() {
            &[0xcc]
        } else {
            &compiled.code
        })?;
        let (start, _) = code.range();
        if engine.config().perf_map && !lazy {
            let kind = match engine.config().tier {
                Tier::Optimizing => "optimizing",
                Tier::Baseline | Tier::Tiered => "baseline",
            };
            crate::perfmap::record(start, &compiled.info.funcs, &env, kind);
        }
        let registration = register_code(start, code.len(), Arc::new(compiled.info));
        let types: Vec<FuncType> = env.types.iter().map(FuncType::from_env).collect();
        let type_ids = engine.register_signatures(&types)?;
        let env_len = env.bodies.len();
        let tiered = engine.config().tier == Tier::Tiered;
        let slots = (tiered || lazy).then(|| {
            crate::tiering::CodeSlots::new(
                compiled
                    .func_offsets
                    .iter()
                    .map(|&o| start + o as usize)
                    .collect(),
            )
        });
        let lazy = lazy.then(|| {
            crate::lazy::LazyCode::new(
                env_len,
                tiered.then_some(Tiering {
                    osr: engine.config().osr,
                }),
            )
        });
        Ok(Module {
            inner: Arc::new(ModuleInner {
                engine: engine.clone(),
                bytes: wasm,
                env,
                offsets,
                code,
                func_offsets: compiled.func_offsets,
                types,
                type_ids,
                tiering: tiered.then(|| crate::tiering::Tiering::new(env_len)),
                slots,
                lazy,
                _registration: registration,
            }),
        })
    }

    /// Lazy compilation's counters, or `None` when the module's functions
    /// were all compiled by `Module::new` (see
    /// [`Config::lazy_compilation`](crate::Config::lazy_compilation)).
    pub fn lazy_compilation_stats(&self) -> Option<LazyCompilationStats> {
        self.inner.lazy.as_ref().map(|l| l.stats())
    }

    /// Reads and compiles a `.wasm` or `.wat` file.
    pub fn from_file(engine: &Engine, path: impl AsRef<Path>) -> Result<Module> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| {
            Error::new(
                ErrorKind::Io,
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        Module::new(engine, bytes)
    }

    /// The module's name from its name section.
    pub fn name(&self) -> Option<&str> {
        self.inner.env.module_name.as_deref()
    }

    /// The engine it was compiled for.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    pub(crate) fn func_type(&self, func_index: u32) -> &FuncType {
        &self.inner.types[self.inner.env.functions[func_index as usize] as usize]
    }

    pub(crate) fn global_type(&self, index: u32) -> GlobalType {
        let g = &self.inner.env.globals[index as usize];
        GlobalType::new(
            ValType::from_wasm(g.ty),
            if g.mutable {
                Mutability::Var
            } else {
                Mutability::Const
            },
        )
    }

    pub(crate) fn table_type(&self, index: u32) -> TableType {
        let t = &self.inner.env.tables[index as usize];
        TableType {
            element: ValType::from_wasm(wasmparser::ValType::Ref(t.elem)),
            minimum: t.initial,
            maximum: t.maximum,
        }
    }

    pub(crate) fn memory_type(&self, index: u32) -> MemoryType {
        let m = &self.inner.env.memories[index as usize];
        MemoryType {
            minimum: m.initial,
            maximum: m.maximum,
        }
    }

    /// The imports, in order.
    pub fn imports(&self) -> impl Iterator<Item = ImportType<'_>> {
        let env = &self.inner.env;
        let (mut f, mut t, mut m, mut g) = (0u32, 0u32, 0u32, 0u32);
        env.imports.iter().filter_map(move |imp| {
            let ty = match &imp.kind {
                ImportKind::Func(_) => {
                    f += 1;
                    ExternType::Func(self.func_type(f - 1).clone())
                }
                ImportKind::Table(_) => {
                    t += 1;
                    ExternType::Table(self.table_type(t - 1))
                }
                ImportKind::Memory(_) => {
                    m += 1;
                    ExternType::Memory(self.memory_type(m - 1))
                }
                ImportKind::Global(_) => {
                    g += 1;
                    ExternType::Global(self.global_type(g - 1))
                }
                ImportKind::Tag(_) => return None,
            };
            Some(ImportType {
                module: &imp.module,
                name: &imp.name,
                ty,
            })
        })
    }

    /// The exports, in order.
    pub fn exports(&self) -> impl Iterator<Item = ExportType<'_>> {
        self.inner.env.exports.iter().filter_map(|e| {
            let ty = match e.kind {
                ExportKind::Func => ExternType::Func(self.func_type(e.index).clone()),
                ExportKind::Table => ExternType::Table(self.table_type(e.index)),
                ExportKind::Memory => ExternType::Memory(self.memory_type(e.index)),
                ExportKind::Global => ExternType::Global(self.global_type(e.index)),
                ExportKind::Tag => return None,
            };
            Some(ExportType { name: &e.name, ty })
        })
    }
}

/// What lazy compilation did so far for one module (see
/// [`Module::lazy_compilation_stats`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LazyCompilationStats {
    /// Defined functions compiled so far. Each is compiled at most once per
    /// module, however many instances, importers and threads call it.
    pub compiled: usize,
    /// Calls that went through a function's stub. Compiled code is
    /// published to every instance of the module and every importer, so
    /// each function's stub runs once, on its first call; a call made while
    /// another thread compiles the same function also counts (it waits for
    /// that compilation).
    pub stub_calls: usize,
}

/// An import of a module.
#[derive(Clone, Debug)]
pub struct ImportType<'a> {
    module: &'a str,
    name: &'a str,
    ty: ExternType,
}

impl ImportType<'_> {
    /// The module name.
    pub fn module(&self) -> &str {
        self.module
    }
    /// The field name.
    pub fn name(&self) -> &str {
        self.name
    }
    /// The expected type.
    pub fn ty(&self) -> ExternType {
        self.ty.clone()
    }
}

/// An export of a module.
#[derive(Clone, Debug)]
pub struct ExportType<'a> {
    name: &'a str,
    ty: ExternType,
}

impl ExportType<'_> {
    /// The name.
    pub fn name(&self) -> &str {
        self.name
    }
    /// The type.
    pub fn ty(&self) -> ExternType {
        self.ty.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Config;

    /// A module of `n` functions with loops, memory, calls (small callees,
    /// so the optimizing tier inlines) and a trap site each: over the size
    /// at which compilation goes parallel.
    fn big_module(n: usize) -> Vec<u8> {
        let mut wat = String::from("(module (memory 1)\n");
        for i in 0..n {
            let callee = if i > 0 { i - 1 } else { 0 };
            wat.push_str(&format!(
                "(func $f{i} (param i32 i32) (result i32) (local i32 i64 f64)
                   (local.set 2 (i32.const {i}))
                   (block (loop
                     (br_if 1 (i32.ge_u (local.get 2) (local.get 1)))
                     (local.set 3 (i64.add (local.get 3)
                        (i64.extend_i32_u (i32.load offset={off} (i32.and (local.get 2) (i32.const 1020))))))
                     (local.set 4 (f64.add (local.get 4) (f64.convert_i32_s (local.get 2))))
                     (i32.store (i32.and (local.get 0) (i32.const 1020)) (i32.div_u (local.get 2) (i32.add (local.get 1) (i32.const 1))))
                     (local.set 2 (i32.add (local.get 2) (i32.const {step})))
                     (br 0)))
                   (i32.add (i32.wrap_i64 (local.get 3))
                     (i32.add (i32.trunc_f64_s (f64.min (local.get 4) (f64.const 1e9)))
                       (call $f{callee} (local.get 0) (i32.const {small})))))\n",
                off = (i % 64) * 4,
                step = i % 7 + 1,
                small = i % 3,
            ));
        }
        wat.push(')');
        to_binary(wat.as_bytes()).expect("valid text").into_owned()
    }

    fn compiled(tier: Tier, threads: usize, wasm: &[u8]) -> Compiled {
        let mut config = Config::new();
        config.tier(tier).compile_threads(threads);
        let engine = Engine::new(&config).expect("engine");
        let env = translate_module(wasm, engine.config().features).expect("valid module");
        let offsets = VMOffsets::new(&env);
        compile_all(&engine, &env, &offsets, wasm, None).expect("compiles")
    }

    /// Parallel compilation (both tiers) lays out exactly the code and
    /// metadata that one thread does.
    #[test]
    fn parallel_compile_matches_one_thread() {
        let wasm = big_module(700);
        let env = translate_module(&wasm, Config::new().features).expect("valid module");
        let code: usize = env.bodies.iter().map(|b| b.body.len()).sum();
        assert!(code >= 64 * 1024, "module too small to go parallel: {code}");
        for tier in [Tier::Baseline, Tier::Optimizing] {
            let one = compiled(tier, 1, &wasm);
            for threads in [2, 3] {
                let many = compiled(tier, threads, &wasm);
                assert!(
                    one.code == many.code,
                    "{tier:?}, {threads} threads: code differs"
                );
                assert_eq!(one.func_offsets, many.func_offsets, "{tier:?}");
                assert_eq!(
                    format!("{:?}", one.info),
                    format!("{:?}", many.info),
                    "{tier:?}"
                );
            }
        }
    }
    /// Of two invalid functions, the first in function order is the error
    /// reported, in both tiers and on any number of threads, although the
    /// optimizing tier builds a small function (a would-be callee) before
    /// the large ones.
    #[test]
    fn the_first_invalid_function_is_the_error_reported() {
        // 1,000 functions of 14 operators, of which function 300 is made
        // large and invalid at its end and function 700 small and invalid.
        let mut wat = String::from("(module (memory 1)\n");
        for i in 0..1000 {
            wat.push_str(&format!("(func $f{i} (param i32 i32) (result i32)"));
            match i {
                300 => {
                    for _ in 0..60 {
                        wat.push_str(" (drop (i32.add (local.get 0) (local.get 1)))");
                    }
                    wat.push_str(" (i64.const 0))\n");
                }
                700 => wat.push_str(" (f32.const 0))\n"),
                _ => {
                    for _ in 0..12 {
                        wat.push_str(" (drop (i32.add (local.get 0) (local.get 1)))");
                    }
                    wat.push_str(&format!(" (i32.const {i}))\n"));
                }
            }
        }
        wat.push(')');
        let wasm = to_binary(wat.as_bytes()).expect("valid text").into_owned();
        let env = translate_module(&wasm, Config::new().features).expect("valid module");
        let (large, small) = (&env.bodies[300].body, &env.bodies[700].body);
        assert!(large.len() > callee_body_max() && small.len() <= callee_body_max());
        let code: usize = env.bodies.iter().map(|b| b.body.len()).sum();
        assert!(code >= 64 * 1024, "module too small to go parallel: {code}");
        let expected = {
            let mut config = Config::new();
            config.tier(Tier::Baseline).compile_threads(1);
            let engine = Engine::new(&config).expect("engine");
            let offsets = VMOffsets::new(&env);
            compile_all(&engine, &env, &offsets, &wasm, None)
                .err()
                .expect("an invalid module")
                .to_string()
        };
        // (At the function's `end`, where its result is checked.)
        let at = format!("(at offset 0x{:x})", large.end - 1);
        assert!(
            expected.contains("type mismatch") && expected.ends_with(&at),
            "{expected}"
        );
        for tier in [Tier::Baseline, Tier::Optimizing] {
            for threads in [1, 2, 3] {
                let mut config = Config::new();
                config.tier(tier).compile_threads(threads);
                let engine = Engine::new(&config).expect("engine");
                let offsets = VMOffsets::new(&env);
                let err = compile_all(&engine, &env, &offsets, &wasm, None)
                    .err()
                    .expect("an invalid module");
                assert_eq!(err.to_string(), expected, "{tier:?}, {threads} threads");
            }
        }
    }
}
