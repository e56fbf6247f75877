//! Tiered compilation: counters in baseline code, a background pool that
//! recompiles hot functions with the optimizing tier, publication of the
//! optimized code, and on-stack replacement (OSR) at loop headers.
//!
//! ## How it fits together
//! - A module compiled with [`Tier::Tiered`] gets baseline code with
//!   `CallKind::TierCheck`s (see `strata_ir`): one at function entry and one
//!   at every loop header. Each decrements the function's counter in the
//!   instance's VMContext (started at [`TierUpBudget::budget`]) and calls
//!   [`tier_up`] when it goes negative.
//! - [`tier_up`] queues the function for the optimizing tier (once), and at a
//!   loop also queues an OSR variant of the function for that loop (once); it
//!   runs on the thread that runs the Wasm code and only takes a lock and
//!   sends a job.
//! - A pool of [`Config::compile_threads`](crate::Config::compile_threads)
//!   threads compiles jobs. A finished function is *published*: its code
//!   address is written with one atomic store into every VMFuncRef code slot
//!   that names it (each instance of the module registers its own slots, and
//!   every instance importing the function registers its copy; see
//!   [`CodeSlots`], which lazy compilation uses too). Calls made
//!   after that run optimized code; frames already running baseline code
//!   finish there, or move over through OSR.
//! - OSR: the optimized variant for loop `L` takes the address of the
//!   baseline frame's state (locals, then operand stack) and runs the rest of
//!   the function from `L`'s header. When a baseline frame's counter runs out
//!   at `L` and the variant is ready, [`tier_up`] returns its entry, and the
//!   baseline code writes its state to a buffer, calls the entry and returns
//!   its results (isa-x64's tier-check stub).
//!
//! Optimized code is never freed before its module: a baseline frame's
//! callee may still be running it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use strata_frontend::ssa::SsaTranslator;
use strata_ir::CallKind;

use crate::code_memory::CodeMemory;
use crate::engine::{Tier, TierUpEvent};
use crate::module::{ModuleInner, compile_function, compiler, optimize_for_codegen};
use crate::traphandlers::{CodeRegistration, register_code};

/// A defined function's state in the tiered engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FuncState {
    /// Runs baseline code; not requested yet.
    Baseline,
    /// Queued or being compiled.
    Queued,
    /// Optimized code at this address is published.
    Optimized(usize),
    /// The optimizing tier failed; stays on baseline code.
    Failed,
}

/// The OSR variant of a function for one loop.
#[derive(Clone, Copy, Debug)]
enum OsrState {
    Queued,
    Ready {
        entry: usize,
        compile_time: Duration,
        reported: bool,
    },
    Failed,
}

/// Optimized code, kept until the module goes.
struct OptimizedCode {
    start: usize,
    /// Declared first: unregistered before it is unmapped.
    _registration: CodeRegistration,
    _code: CodeMemory,
}

#[derive(Default)]
struct Tables {
    funcs: Vec<FuncState>,
    osr: HashMap<(u32, u32), OsrState>,
    code: Vec<OptimizedCode>,
}

/// A module's tiering state.
pub(crate) struct Tiering {
    tables: Mutex<Tables>,
}

impl Tiering {
    pub(crate) fn new(num_defined: usize) -> Tiering {
        Tiering {
            tables: Mutex::new(Tables {
                funcs: vec![FuncState::Baseline; num_defined],
                ..Tables::default()
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether optimized code of this module starts at `start`.
    pub(crate) fn owns_code(&self, start: usize) -> bool {
        self.lock().code.iter().any(|c| c.start == start)
    }
}

/// The code slots of a module whose functions' code changes after
/// instantiation (tiered or lazily compiled modules): every VMFuncRef code
/// pointer that names one of its defined functions, in each instance of
/// the module and in each instance importing one of its functions, and
/// each function's current code.
///
/// A *publication* ([`CodeSlots::publish`]) makes new code current and
/// writes it into every slot with one atomic store each; a registration
/// writes the current code into the slots it adds. Both happen under one
/// lock, so no slot misses a publication. A function's publications come
/// in tier order: lazily compiled baseline code is published before it
/// first runs, so before anything can request its optimized code.
pub(crate) struct CodeSlots {
    tables: Mutex<SlotTables>,
}

struct SlotTables {
    /// Per defined function: the code to write into its slots.
    current: Vec<usize>,
    /// Per defined function: (registration token, slot address).
    by_def: Vec<Vec<(u64, usize)>>,
    /// Per registration token: the functions it has slots for.
    regs: HashMap<u64, Vec<u32>>,
    next_token: u64,
}

/// A registration of code slots with a module's [`CodeSlots`]; removes
/// them when dropped (before the VMContext that holds them is freed).
pub(crate) struct SlotRegistration {
    module: Weak<ModuleInner>,
    token: u64,
}

impl Drop for SlotRegistration {
    fn drop(&mut self) {
        if let Some(m) = self.module.upgrade()
            && let Some(slots) = &m.slots
        {
            slots.unregister(self.token);
        }
    }
}

impl CodeSlots {
    /// Slots of a module whose defined function `def` starts with the
    /// code at `initial[def]`.
    pub(crate) fn new(initial: Vec<usize>) -> CodeSlots {
        CodeSlots {
            tables: Mutex::new(SlotTables {
                by_def: vec![Vec::new(); initial.len()],
                current: initial,
                regs: HashMap::new(),
                next_token: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SlotTables> {
        self.tables.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers code slots `(def, slot address)` to be updated when code
    /// of `def` is published, and writes the current code of each into its
    /// slot.
    ///
    /// Every slot must stay valid (a VMFuncRef code pointer in live memory)
    /// until the returned registration is dropped.
    pub(crate) fn register(
        &self,
        module: &Arc<ModuleInner>,
        slots: Vec<(u32, usize)>,
    ) -> SlotRegistration {
        let mut t = self.lock();
        let token = t.next_token;
        t.next_token += 1;
        let mut defs = Vec::with_capacity(slots.len());
        for (def, addr) in slots {
            let Some(&code) = t.current.get(def as usize) else {
                continue;
            };
            // SAFETY: the caller passes live, 8-aligned VMFuncRef code slots.
            unsafe { (*(addr as *const AtomicU64)).store(code as u64, Ordering::Release) };
            t.by_def[def as usize].push((token, addr));
            defs.push(def);
        }
        t.regs.insert(token, defs);
        SlotRegistration {
            module: Arc::downgrade(module),
            token,
        }
    }

    fn unregister(&self, token: u64) {
        let mut t = self.lock();
        let defs = t.regs.remove(&token).unwrap_or_default();
        for def in defs {
            t.by_def[def as usize].retain(|&(k, _)| k != token);
        }
    }

    /// Makes `code` the current code of `def` and writes it into every
    /// registered slot of `def`.
    pub(crate) fn publish(&self, def: u32, code: usize) {
        let mut t = self.lock();
        let Some(current) = t.current.get_mut(def as usize) else {
            return;
        };
        *current = code;
        for &(_, addr) in &t.by_def[def as usize] {
            // SAFETY: registered slots are live VMFuncRef code pointers (see
            // `register`); compiled code reads them with plain aligned loads.
            unsafe { (*(addr as *const AtomicU64)).store(code as u64, Ordering::Release) };
        }
    }
}

/// One compile request.
pub(crate) struct Job {
    module: Weak<ModuleInner>,
    def: u32,
    osr_loop: Option<u32>,
}

/// The background compile threads of an engine, started on first use.
pub(crate) struct CompilePool {
    threads: usize,
    sender: Mutex<Option<Sender<Job>>>,
}

impl CompilePool {
    pub(crate) fn new(threads: usize) -> CompilePool {
        CompilePool {
            threads: threads.max(1),
            sender: Mutex::new(None),
        }
    }

    fn submit(&self, job: Job) {
        let mut sender = self.sender.lock().unwrap_or_else(|e| e.into_inner());
        if sender.is_none() {
            let (tx, rx) = channel::<Job>();
            let rx = Arc::new(Mutex::new(rx));
            for i in 0..self.threads {
                let rx = rx.clone();
                let spawned = std::thread::Builder::new()
                    .name(format!("strata-compile-{i}"))
                    .spawn(move || worker(&rx));
                if spawned.is_err() && i == 0 {
                    // No thread: the job is dropped and the function keeps
                    // running baseline code.
                    return;
                }
            }
            *sender = Some(tx);
        }
        if let Some(tx) = sender.as_ref() {
            let _ = tx.send(job);
        }
    }
}

fn worker(rx: &Mutex<Receiver<Job>>) {
    loop {
        let job = {
            let rx = rx.lock().unwrap_or_else(|e| e.into_inner());
            rx.recv()
        };
        match job {
            Ok(job) => run_job(job),
            // The engine is gone.
            Err(_) => return,
        }
    }
}

/// Compiles defined function `def` of `m` with the optimizing tier (its OSR
/// variant for `osr_loop` if given) into its own code memory, registered
/// for traps. Returns the code, its registration and the entry address.
fn compile_one(
    m: &ModuleInner,
    def: u32,
    osr_loop: Option<u32>,
) -> Result<(CodeMemory, CodeRegistration, usize), String> {
    #[cfg(test)]
    if tests::PANIC_IN_OPTIMIZER.with(|f| f.get()) {
        panic!("injected panic in function {def}");
    }
    let env = &m.env;
    let mut translator = SsaTranslator::new();
    let mut func = strata_ir::Function::new();
    match osr_loop {
        None => translator.translate(env, &m.offsets, &m.bytes, def as usize, &mut func),
        Some(l) => translator.translate_osr(env, &m.offsets, &m.bytes, def as usize, l, &mut func),
    }
    .map_err(|e| e.to_string())?;
    optimize_for_codegen(env, &m.offsets, &m.bytes, &mut func, &mut translator)
        .map_err(|e| e.to_string())?;
    let mut compiler = compiler(&m.engine, strata_regalloc::Mode::Optimizing);
    let compiled = compile_function(&mut compiler, env, def as usize, &func)
        .map_err(|e| e.message().to_string())?;
    let code = CodeMemory::new(&compiled.code).map_err(|e| e.to_string())?;
    let (start, _) = code.range();
    if m.engine.config().perf_map {
        let kind = match osr_loop {
            None => "optimizing".to_string(),
            Some(l) => format!("osr loop {l}"),
        };
        crate::perfmap::record(start, &compiled.info.funcs, env, &kind);
    }
    let registration = register_code(start, code.len(), Arc::new(compiled.info));
    Ok((code, registration, start))
}

fn run_job(job: Job) {
    let Some(m) = job.module.upgrade() else {
        return;
    };
    let Some(tiering) = &m.tiering else { return };
    let start = Instant::now();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        compile_one(&m, job.def, job.osr_loop)
    }))
    .unwrap_or_else(|payload| Err(panic_message(payload.as_ref())));
    let compile_time = start.elapsed();
    let mut t = tiering.lock();
    match (result, job.osr_loop) {
        (Ok((code, registration, entry)), None) => {
            t.code.push(OptimizedCode {
                start: code.range().0,
                _registration: registration,
                _code: code,
            });
            t.funcs[job.def as usize] = FuncState::Optimized(entry);
            // Published under the tiering lock (lock order: tiering, then
            // slots), like every change of the function's state.
            if let Some(slots) = &m.slots {
                slots.publish(job.def, entry);
            }
            drop(t);
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                report(&m, job.def, compile_time, None)
            }));
        }
        (Ok((code, registration, entry)), Some(l)) => {
            t.code.push(OptimizedCode {
                start: code.range().0,
                _registration: registration,
                _code: code,
            });
            t.osr.insert(
                (job.def, l),
                OsrState::Ready {
                    entry,
                    compile_time,
                    reported: false,
                },
            );
        }
        (Err(message), osr_loop) => {
            match osr_loop {
                None => t.funcs[job.def as usize] = FuncState::Failed,
                Some(l) => {
                    t.osr.insert((job.def, l), OsrState::Failed);
                }
            }
            drop(t);
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                report_event(&m, job.def, compile_time, osr_loop, Some(message))
            }));
        }
    }
}

/// The message of a panic of the optimizing tier.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    match crate::error::panic_text(payload) {
        Some(text) => format!("the optimizing tier panicked: {text}"),
        None => "the optimizing tier panicked".to_string(),
    }
}

fn report(m: &ModuleInner, def: u32, compile_time: Duration, loop_index: Option<u32>) {
    report_event(m, def, compile_time, loop_index, None)
}

/// Reports a tier-up, or with `failure` a failed attempt, of `def`.
fn report_event(
    m: &ModuleInner,
    def: u32,
    compile_time: Duration,
    loop_index: Option<u32>,
    failure: Option<String>,
) {
    let func_index = m.env.num_imported_funcs + def;
    let event = TierUpEvent {
        func_index,
        name: m.env.func_name(func_index).map(str::to_string),
        from: Tier::Baseline,
        to: Tier::Optimizing,
        compile_time,
        osr: loop_index.is_some(),
        loop_index,
        failure,
    };
    m.engine.report_tier_up(event);
}

/// The tier-up builtin (`Builtin::TierUp`), called by a baseline tier check
/// whose counter ran out: queues what is missing and, at a loop whose OSR
/// variant is ready, returns that variant's entry (else 0). Resets the
/// counter: to the poll interval while an OSR entry is pending, else out of
/// reach.
///
/// # Safety
/// Called only by compiled code with its own VMContext.
pub(crate) unsafe extern "sysv64" fn tier_up(
    vmctx: *mut u8,
    counter: u32,
    loop_index: u32,
) -> usize {
    std::panic::catch_unwind(|| {
        // SAFETY: the caller passes its own VMContext.
        unsafe { tier_up_inner(vmctx, counter, loop_index) }
    })
    .unwrap_or(0)
}

/// # Safety
/// As [`tier_up`].
unsafe fn tier_up_inner(vmctx: *mut u8, counter: u32, loop_index: u32) -> usize {
    // SAFETY: the caller passes its own VMContext.
    let (s, inst) = unsafe { crate::builtins::context(vmctx) };
    let module = s.instances[inst].module.inner.clone();
    // SAFETY: `counter` is the counter's offset inside this VMContext.
    let counter_ptr = unsafe { vmctx.add(counter as usize) } as *mut i32;
    let set_counter = |v: u32| {
        // SAFETY: see above; only this thread runs this instance's code.
        unsafe { counter_ptr.write(v.min(i32::MAX as u32) as i32) }
    };
    let Some(tiering) = &module.tiering else {
        set_counter(u32::MAX);
        return 0;
    };
    let Some(def) = module
        .offsets
        .counter_def(counter, module.env.bodies.len() as u32)
    else {
        set_counter(u32::MAX);
        return 0;
    };
    let config = module.engine.config();
    let osr = loop_index != CallKind::NO_LOOP && config.osr;
    let mut jobs: Vec<Job> = Vec::new();
    let mut t = tiering.lock();
    if t.funcs[def as usize] == FuncState::Baseline {
        t.funcs[def as usize] = FuncState::Queued;
        jobs.push(Job {
            module: Arc::downgrade(&module),
            def,
            osr_loop: None,
        });
    }
    if osr && !t.osr.contains_key(&(def, loop_index)) {
        t.osr.insert((def, loop_index), OsrState::Queued);
        jobs.push(Job {
            module: Arc::downgrade(&module),
            def,
            osr_loop: Some(loop_index),
        });
    }
    drop(t);
    for job in jobs {
        if config.tier_up_sync {
            run_job(job);
        } else {
            module.engine.compile_pool().submit(job);
        }
    }
    let mut t = tiering.lock();
    let mut entry = 0;
    let mut pending = false;
    let mut reached = None;
    if osr {
        match t.osr.get_mut(&(def, loop_index)) {
            Some(OsrState::Queued) => pending = true,
            Some(OsrState::Ready {
                entry: e,
                compile_time,
                reported,
            }) => {
                entry = *e;
                if !*reported {
                    *reported = true;
                    reached = Some(*compile_time);
                }
            }
            Some(OsrState::Failed) | None => {}
        }
    }
    let settled = matches!(
        t.funcs[def as usize],
        FuncState::Optimized(_) | FuncState::Failed
    );
    drop(t);
    if let Some(compile_time) = reached {
        report(&module, def, compile_time, Some(loop_index));
    }
    // While the function waits for optimized code, keep counting: a loop
    // may still want an OSR entry.
    set_counter(if pending {
        config.tier_up.osr_poll
    } else if settled {
        u32::MAX
    } else {
        config.tier_up.budget
    });
    entry
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::sync::{Arc, Mutex};

    use crate::{Config, Engine, Instance, Module, Store, Tier, TierUpBudget, TierUpEvent};

    thread_local! {
        /// Makes every optimizing compile on this thread panic (tier-ups
        /// compiled with `tier_up_sync` run on the calling thread).
        pub(super) static PANIC_IN_OPTIMIZER: Cell<bool> = const { Cell::new(false) };
    }

    /// A panic of the optimizing tier in a tier-up leaves the function in
    /// correct baseline code, is reported once for the function and once
    /// for its OSR variant, with the panic's message, and is not retried.
    #[test]
    fn failed_tier_ups_are_reported_and_keep_baseline_code() {
        let events: Arc<Mutex<Vec<TierUpEvent>>> = Arc::default();
        let sink = events.clone();
        let mut config = Config::new();
        config
            .tier(Tier::Tiered)
            .tier_up_budget(TierUpBudget {
                budget: 1,
                osr_poll: 1,
            })
            .tier_up_sync(true)
            .on_tier_up(move |e| sink.lock().unwrap().push(e.clone()));
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(
            &engine,
            r#"(module
                 (func $sum (export "sum") (param i32) (result i32) (local i32)
                   (loop $l
                     (local.set 1 (i32.add (local.get 1) (local.get 0)))
                     (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
                   (local.get 1)))"#,
        )
        .unwrap();
        let mut store = Store::new(&engine, ());
        let i = Instance::new(&mut store, &module, &[]).unwrap();
        let sum = i.get_typed_func::<i32, i32>(&mut store, "sum").unwrap();
        PANIC_IN_OPTIMIZER.with(|f| f.set(true));
        let first = sum.call(&mut store, 100);
        let second = sum.call(&mut store, 1000);
        PANIC_IN_OPTIMIZER.with(|f| f.set(false));
        assert_eq!(first.unwrap(), 5050);
        assert_eq!(second.unwrap(), 500500);
        let events = events.lock().unwrap();
        let shown: Vec<String> = events.iter().map(|e| e.to_string()).collect();
        assert_eq!(events.len(), 2, "{shown:#?}");
        assert!(
            events
                .iter()
                .all(|e| e.func_index == 0 && e.to == Tier::Optimizing)
        );
        assert_eq!(
            events.iter().map(|e| e.loop_index).collect::<Vec<_>>(),
            [None, Some(0)]
        );
        for e in events.iter() {
            assert_eq!(
                e.failure.as_deref(),
                Some("the optimizing tier panicked: injected panic in function 0")
            );
        }
        assert!(
            shown[0].starts_with("tier-up: function 0 (sum) baseline -> optimizing failed after "),
            "{}",
            shown[0]
        );
        assert!(
            shown[0].ends_with(
                " stays in baseline code: the optimizing tier panicked: injected panic in function 0"
            ),
            "{}",
            shown[0]
        );
        assert!(
            shown[1].starts_with(
                "tier-up: function 0 (sum) baseline -> optimizing (OSR variant for loop 0) failed"
            ),
            "{}",
            shown[1]
        );
        assert_eq!(engine.tier_events(), *events);
    }
}
