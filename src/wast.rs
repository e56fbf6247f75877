//! The spec-script (`.wast`) runner.
//!
//! A `.wast` file is a sequence of directives (`module`, `register`, `invoke`,
//! `assert_return`, `assert_trap`, ...) that the official WebAssembly test
//! suite uses to describe expected behaviour. [`WastRunner`] executes such a
//! script against the strata embedding API and returns a [`FileReport`].
//!
//! Invariants and conventions:
//! - Every script gets a fresh [`Store`] and [`Linker`] with the `spectest`
//!   host module defined in it; all directives of one script share them.
//! - Every `assert_*` directive counts as exactly one assertion, passed or
//!   failed. `module`, `register` and `invoke` directives count only when
//!   they fail (as failures).
//! - A directive that needs something the engine does not support (the
//!   engine answers [`ErrorKind::Unsupported`], or the runner cannot express
//!   a value) is reported as skipped with its reason, never as passed. An
//!   assertion that expects a module to be rejected is never skipped: any
//!   rejection passes it.
//! - A panic inside the engine is caught per directive and counted as a
//!   failure carrying the panic message.

use std::collections::HashMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use wast::core::{AbstractHeapType, HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::parser::{self, ParseBuffer};
use wast::token::{F32, F64};
use wast::{
    QuoteWat, QuoteWatTest, Wast, WastArg, WastDirective, WastExecute, WastInvoke, WastRet, Wat,
};

use crate::{
    Config, Engine, Error, ErrorKind, Extern, ExternRef, Func, FuncType, Global, GlobalType,
    Instance, Linker, Memory, MemoryType, Module, Mutability, Store, Table, TableType, Val,
    ValType,
};

/// The outcome of running one `.wast` script.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FileReport {
    /// Assertions that held.
    pub passed: usize,
    /// Assertions that did not hold, plus failed `module`/`register`/`invoke` directives.
    pub failed: usize,
    /// Directives that were not run: `(location, reason)`.
    pub skipped: Vec<(String, String)>,
    /// One line per failure: `"file:line:col: message"`.
    pub failures: Vec<String>,
}

impl FileReport {
    /// Adds the counts and lines of `other` to `self`.
    pub fn merge(&mut self, other: FileReport) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped.extend(other.skipped);
        self.failures.extend(other.failures);
    }
}

/// Runs `.wast` spec scripts on one [`Engine`].
pub struct WastRunner {
    engine: Engine,
    verbose: bool,
}

impl fmt::Debug for WastRunner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WastRunner")
            .field("verbose", &self.verbose)
            .finish_non_exhaustive()
    }
}

impl WastRunner {
    /// Creates a runner whose modules are compiled with `config`.
    pub fn new(config: &Config) -> Result<Self, Error> {
        Ok(WastRunner {
            engine: Engine::new(config)?,
            verbose: false,
        })
    }

    /// When `verbose` is set, the `spectest.print*` host functions print their
    /// arguments to stdout; otherwise they print nothing.
    pub fn set_verbose(&mut self, verbose: bool) -> &mut Self {
        self.verbose = verbose;
        self
    }

    /// Reads and runs the script at `path`. An unreadable file is reported as
    /// one failure.
    pub fn run_file(&mut self, path: &Path) -> FileReport {
        let name = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(text) => self.run_str(&name, &text),
            Err(e) => FileReport {
                failed: 1,
                failures: vec![format!("{name}: failed to read file: {e}")],
                ..FileReport::default()
            },
        }
    }

    /// Runs the script `text`; `name` is used in locations (`name:line:col`).
    pub fn run_str(&mut self, name: &str, text: &str) -> FileReport {
        let mut report = FileReport::default();
        let mut lexer = wast::lexer::Lexer::new(text);
        lexer.allow_confusing_unicode(true);
        let buf = match ParseBuffer::new_with_lexer(lexer) {
            Ok(buf) => buf,
            Err(e) => {
                report.failed += 1;
                report.failures.push(parse_error_line(name, text, &e));
                return report;
            }
        };
        let script = match parser::parse::<Wast>(&buf) {
            Ok(script) => script,
            Err(e) => {
                report.failed += 1;
                report.failures.push(parse_error_line(name, text, &e));
                return report;
            }
        };
        let mut state = match Script::new(&self.engine, self.verbose) {
            Ok(state) => state,
            Err(e) => {
                report.failed += 1;
                report
                    .failures
                    .push(format!("{name}: failed to set up the spectest module: {e}"));
                return report;
            }
        };
        for directive in script.directives {
            let (line, col) = directive.span().linecol_in(text);
            let location = format!("{name}:{}:{}", line + 1, col + 1);
            let counts = is_assertion(&directive);
            let outcome =
                catch_unwind(AssertUnwindSafe(|| state.run(directive))).unwrap_or_else(|payload| {
                    Outcome::Fail(format!("panic: {}", panic_message(&*payload)))
                });
            match outcome {
                Outcome::Pass => {
                    if counts {
                        report.passed += 1;
                    }
                }
                Outcome::Fail(msg) => {
                    report.failed += 1;
                    report.failures.push(format!("{location}: {msg}"));
                }
                Outcome::Skip(reason) => report.skipped.push((location, reason)),
            }
        }
        report
    }
}

/// Formats a parse error of the whole script as one line.
fn parse_error_line(name: &str, text: &str, e: &wast::Error) -> String {
    let (line, col) = e.span().linecol_in(text);
    format!(
        "{name}:{}:{}: failed to parse script: {}",
        line + 1,
        col + 1,
        e.message()
    )
}

/// Extracts the message of a caught panic payload.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}

/// Whether a directive is an assertion (counted as passed when it holds).
fn is_assertion(d: &WastDirective<'_>) -> bool {
    !matches!(
        d,
        WastDirective::Module(_)
            | WastDirective::ModuleDefinition(_)
            | WastDirective::ModuleInstance { .. }
            | WastDirective::Register { .. }
            | WastDirective::Invoke(_)
            | WastDirective::Thread(_)
            | WastDirective::Wait { .. }
    )
}

/// What happened to one directive.
enum Outcome {
    Pass,
    Fail(String),
    Skip(String),
}

/// Early exit from a directive: `?` on a `Result<_, Outcome>`.
type Step<T> = Result<T, Outcome>;

/// An instance slot of the script: either a live instance, or the reason why
/// the module that should have filled it is not available.
#[derive(Clone)]
enum Slot {
    Live(Instance),
    /// The module was skipped (unsupported); directives using it are skipped.
    Skipped(String),
    /// The module failed; directives using it fail.
    Failed(String),
}

/// The state one script's directives share.
struct Script {
    engine: Engine,
    store: Store<()>,
    linker: Linker<()>,
    /// The most recently defined instance (the target of unnamed `invoke`s).
    current: Option<Slot>,
    /// Instances named with `(module $M ...)`.
    instances: HashMap<String, Slot>,
    /// Module definitions named with `(module definition $M ...)`.
    definitions: HashMap<String, Module>,
    /// The host value of each `(ref.extern N)` argument: one `ExternRef`
    /// (holding `N` as a `u32`) per number, so equal numbers are the same
    /// reference.
    externs: HashMap<u32, ExternRef>,
}

impl Script {
    fn new(engine: &Engine, verbose: bool) -> Result<Self, Error> {
        let mut store = Store::new(engine, ());
        let mut linker = Linker::new(engine);
        define_spectest(&mut store, &mut linker, verbose)?;
        Ok(Script {
            engine: engine.clone(),
            store,
            linker,
            current: None,
            instances: HashMap::new(),
            definitions: HashMap::new(),
            externs: HashMap::new(),
        })
    }

    fn run(&mut self, directive: WastDirective<'_>) -> Outcome {
        match self.directive(directive) {
            Ok(()) => Outcome::Pass,
            Err(outcome) => outcome,
        }
    }

    fn directive(&mut self, directive: WastDirective<'_>) -> Step<()> {
        match directive {
            WastDirective::Module(mut module) => {
                let name = module.name().map(|id| id.name().to_string());
                let slot = match self.compile_quote(&mut module) {
                    Ok(m) => match self.instantiate(&m) {
                        Ok(instance) => Slot::Live(instance),
                        Err(e) => slot_for_error("instantiation failed", &e),
                    },
                    Err(CompileError::Engine(e)) => slot_for_error("compilation failed", &e),
                    Err(CompileError::Text(msg)) => Slot::Failed(msg),
                    Err(CompileError::Skip(reason)) => Slot::Skipped(reason),
                };
                self.set_current(name, slot.clone());
                slot_outcome(&slot)
            }
            WastDirective::ModuleDefinition(mut module) => {
                let name = module.name().map(|id| id.name().to_string());
                match self.compile_quote(&mut module) {
                    Ok(m) => {
                        if let Some(name) = name {
                            self.definitions.insert(name, m);
                        }
                        Ok(())
                    }
                    Err(CompileError::Engine(e)) => {
                        Err(outcome_for_error("compilation failed", &e))
                    }
                    Err(CompileError::Text(msg)) => Err(Outcome::Fail(msg)),
                    Err(CompileError::Skip(reason)) => Err(Outcome::Skip(reason)),
                }
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let Some(module) = module else {
                    return Err(Outcome::Fail(
                        "module instance without a module name".into(),
                    ));
                };
                let Some(m) = self.definitions.get(module.name()).cloned() else {
                    return Err(Outcome::Fail(format!(
                        "unknown module definition ${}",
                        module.name()
                    )));
                };
                let slot = match self.instantiate(&m) {
                    Ok(i) => Slot::Live(i),
                    Err(e) => slot_for_error("instantiation failed", &e),
                };
                self.set_current(instance.map(|id| id.name().to_string()), slot.clone());
                slot_outcome(&slot)
            }
            WastDirective::Register { name, module, .. } => {
                let instance = self.instance(module.map(|id| id.name()))?;
                self.linker
                    .instance(&mut self.store, name, instance)
                    .map(|_| ())
                    .map_err(|e| outcome_for_error("register failed", &e))
            }
            WastDirective::Invoke(invoke) => self.invoke(&invoke).map(|_| ()),
            WastDirective::AssertReturn { exec, results, .. } => {
                let actual = match self.execute(exec)? {
                    Ok(vals) => vals,
                    Err(e) => return Err(outcome_for_error("expected a return, got an error", &e)),
                };
                check_results(&results, &actual)
            }
            WastDirective::AssertTrap { exec, message, .. } => {
                let got = self.execute(exec)?;
                expect_trap(got, message)
            }
            WastDirective::AssertExhaustion { call, message, .. } => {
                let got = self.invoke(&call)?;
                expect_trap(got, message)
            }
            WastDirective::AssertInvalid {
                mut module,
                message,
                ..
            }
            | WastDirective::AssertMalformed {
                mut module,
                message,
                ..
            } => {
                match self.compile_quote(&mut module) {
                    Ok(_) => Err(Outcome::Fail(format!(
                        "expected module to be rejected ({message:?}), but it compiled"
                    ))),
                    // Any rejection holds: a text module that does not even
                    // parse, an invalid module, or an engine limitation.
                    Err(CompileError::Engine(_) | CompileError::Text(_)) => Ok(()),
                    Err(CompileError::Skip(reason)) => Err(Outcome::Skip(reason)),
                }
            }
            WastDirective::AssertUnlinkable {
                mut module,
                message,
                ..
            } => {
                let m = match self.compile_wat(&mut module) {
                    Ok(m) => m,
                    Err(CompileError::Engine(e)) => {
                        return Err(outcome_for_error(
                            "expected a link error, module failed to compile",
                            &e,
                        ));
                    }
                    Err(CompileError::Text(msg)) => return Err(Outcome::Fail(msg)),
                    Err(CompileError::Skip(reason)) => return Err(Outcome::Skip(reason)),
                };
                match self.instantiate(&m) {
                    Ok(_) => Err(Outcome::Fail(format!(
                        "expected a link error ({message:?}), but instantiation succeeded"
                    ))),
                    Err(e) if is_unsupported(&e) => Err(Outcome::Skip(e.to_string())),
                    Err(_) => Ok(()),
                }
            }
            WastDirective::AssertInvalidCustom { .. }
            | WastDirective::AssertMalformedCustom { .. } => Err(Outcome::Skip(
                "custom-section assertions are not supported by the runner".into(),
            )),
            WastDirective::AssertException { .. } => {
                Err(Outcome::Skip("exception handling is not supported".into()))
            }
            WastDirective::AssertSuspension { .. } => {
                Err(Outcome::Skip("stack switching is not supported".into()))
            }
            WastDirective::Thread(_) | WastDirective::Wait { .. } => Err(Outcome::Skip(
                "threads are not supported by the runner".into(),
            )),
        }
    }

    fn set_current(&mut self, name: Option<String>, slot: Slot) {
        if let Some(name) = name {
            self.instances.insert(name, slot.clone());
        }
        self.current = Some(slot);
    }

    /// The instance named `name`, or the current one.
    fn instance(&self, name: Option<&str>) -> Step<Instance> {
        let slot = match name {
            Some(name) => self
                .instances
                .get(name)
                .ok_or_else(|| Outcome::Fail(format!("unknown module ${name}")))?,
            None => self
                .current
                .as_ref()
                .ok_or_else(|| Outcome::Fail("no module defined yet".into()))?,
        };
        match slot {
            Slot::Live(instance) => Ok(*instance),
            Slot::Skipped(reason) => {
                Err(Outcome::Skip(format!("its module was skipped: {reason}")))
            }
            Slot::Failed(msg) => Err(Outcome::Fail(format!("its module failed: {msg}"))),
        }
    }

    fn instantiate(&mut self, module: &Module) -> Result<Instance, Error> {
        self.linker.instantiate(&mut self.store, module)
    }

    fn compile_quote(&self, module: &mut QuoteWat<'_>) -> Result<Module, CompileError> {
        if let QuoteWat::QuoteComponent(..) | QuoteWat::Wat(Wat::Component(_)) = module {
            return Err(CompileError::Skip("components are not supported".into()));
        }
        let bytes = match module.to_test() {
            Ok(QuoteWatTest::Binary(bytes)) => bytes,
            Ok(QuoteWatTest::Text(_)) => module.encode().map_err(|e| {
                CompileError::Text(format!("text module does not parse: {}", e.message()))
            })?,
            Err(e) => {
                return Err(CompileError::Text(format!(
                    "module does not encode: {}",
                    e.message()
                )));
            }
        };
        Module::new(&self.engine, bytes).map_err(CompileError::Engine)
    }

    fn compile_wat(&self, module: &mut Wat<'_>) -> Result<Module, CompileError> {
        if let Wat::Component(_) = module {
            return Err(CompileError::Skip("components are not supported".into()));
        }
        let bytes = module
            .encode()
            .map_err(|e| CompileError::Text(format!("module does not encode: {}", e.message())))?;
        Module::new(&self.engine, bytes).map_err(CompileError::Engine)
    }

    /// Runs `exec`. The outer `Step` is for problems of the runner (unknown
    /// export, unsupported value); the inner `Result` is the engine's answer.
    fn execute(&mut self, exec: WastExecute<'_>) -> Step<Result<Vec<Val>, Error>> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(&invoke),
            WastExecute::Wat(mut module) => {
                let m = match self.compile_wat(&mut module) {
                    Ok(m) => m,
                    Err(CompileError::Engine(e)) => {
                        return Err(outcome_for_error("module failed to compile", &e));
                    }
                    Err(CompileError::Text(msg)) => return Err(Outcome::Fail(msg)),
                    Err(CompileError::Skip(reason)) => return Err(Outcome::Skip(reason)),
                };
                Ok(self.instantiate(&m).map(|_| Vec::new()))
            }
            WastExecute::Get { module, global, .. } => {
                let instance = self.instance(module.map(|id| id.name()))?;
                let g = instance
                    .get_global(&mut self.store, global)
                    .ok_or_else(|| Outcome::Fail(format!("no exported global {global:?}")))?;
                Ok(Ok(vec![g.get(&self.store)]))
            }
        }
    }

    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Step<Result<Vec<Val>, Error>> {
        let instance = self.instance(invoke.module.map(|id| id.name()))?;
        let func = instance
            .get_func(&mut self.store, invoke.name)
            .ok_or_else(|| Outcome::Fail(format!("no exported function {:?}", invoke.name)))?;
        let args = invoke
            .args
            .iter()
            .map(|a| arg_to_val(a, &mut self.externs))
            .collect::<Step<Vec<Val>>>()?;
        let ty = func.ty(&self.store);
        let mut results: Vec<Val> = ty.results().iter().map(|t| Val::default_for(*t)).collect();
        Ok(func
            .call(&mut self.store, &args, &mut results)
            .map(|()| results))
    }
}

/// Why a module could not be compiled.
enum CompileError {
    /// The text did not parse or encode.
    Text(String),
    /// The engine rejected the bytes.
    Engine(Error),
    /// The runner cannot express this module (components).
    Skip(String),
}

/// Whether `e` says the engine lacks a feature (rather than that the input is
/// wrong): [`ErrorKind::Unsupported`], or the validator's "... support is not
/// enabled" for a post-1.0 proposal the engine does not turn on.
fn is_unsupported(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::Unsupported) || e.message().contains("support is not enabled")
}

fn slot_for_error(what: &str, e: &Error) -> Slot {
    if is_unsupported(e) {
        Slot::Skipped(e.to_string())
    } else {
        Slot::Failed(format!("{what}: {}", one_line(e)))
    }
}

fn slot_outcome(slot: &Slot) -> Step<()> {
    match slot {
        Slot::Live(_) => Ok(()),
        Slot::Skipped(reason) => Err(Outcome::Skip(reason.clone())),
        Slot::Failed(msg) => Err(Outcome::Fail(msg.clone())),
    }
}

fn outcome_for_error(what: &str, e: &Error) -> Outcome {
    if is_unsupported(e) {
        Outcome::Skip(e.to_string())
    } else {
        Outcome::Fail(format!("{what}: {}", one_line(e)))
    }
}

/// The first line of an error's display (traps append a backtrace).
fn one_line(e: &Error) -> String {
    e.to_string().lines().next().unwrap_or_default().to_string()
}

/// Checks that `got` is a trap whose message contains `expected`.
fn expect_trap(got: Result<Vec<Val>, Error>, expected: &str) -> Step<()> {
    let err = match got {
        Ok(vals) => {
            return Err(Outcome::Fail(format!(
                "expected trap {expected:?}, got {}",
                DisplayVals(&vals)
            )));
        }
        Err(e) => e,
    };
    let message = match err.as_trap() {
        Some(trap) => trap.message().to_string(),
        None if matches!(err.kind(), ErrorKind::Trap) => one_line(&err),
        None if is_unsupported(&err) => return Err(Outcome::Skip(err.to_string())),
        None => {
            return Err(Outcome::Fail(format!(
                "expected trap {expected:?}, got error: {}",
                one_line(&err)
            )));
        }
    };
    if trap_message_matches(&message, expected) {
        Ok(())
    } else {
        Err(Outcome::Fail(format!(
            "expected trap {expected:?}, got trap {message:?}"
        )))
    }
}

/// The spec's convention: the expected text is contained in our message.
/// One relaxation (as in Wasmtime's runner): a script may name the element
/// index in "uninitialized element N", which our message need not repeat.
fn trap_message_matches(actual: &str, expected: &str) -> bool {
    const UNINIT: &str = "uninitialized element";
    actual.contains(expected)
        || (expected.starts_with(UNINIT)
            && actual.contains(UNINIT)
            && expected[UNINIT.len()..].trim().parse::<u32>().is_ok())
}

/// The value of an argument; `externs` gives `(ref.extern N)` its host value.
fn arg_to_val(arg: &WastArg<'_>, externs: &mut HashMap<u32, ExternRef>) -> Step<Val> {
    let WastArg::Core(arg) = arg else {
        return Err(Outcome::Skip("component-model value".into()));
    };
    Ok(match arg {
        WastArgCore::I32(x) => Val::I32(*x),
        WastArgCore::I64(x) => Val::I64(*x),
        WastArgCore::F32(x) => Val::F32(x.bits),
        WastArgCore::F64(x) => Val::F64(x.bits),
        WastArgCore::V128(x) => Val::V128(u128::from_le_bytes(x.to_le_bytes())),
        WastArgCore::RefNull(ty) => match null_type(ty) {
            Some(ValType::FuncRef) => Val::FuncRef(None),
            Some(_) => Val::ExternRef(None),
            None => return Err(Outcome::Skip(format!("unsupported null reference {ty:?}"))),
        },
        WastArgCore::RefExtern(n) => Val::ExternRef(Some(
            externs
                .entry(*n)
                .or_insert_with(|| ExternRef::new(*n))
                .clone(),
        )),
        other => return Err(Outcome::Skip(format!("unsupported argument {other:?}"))),
    })
}

/// The reference type whose null `(ref.null ty)` is, for the heap types of
/// Wasm 2.0 (and their bottom types).
fn null_type(ty: &HeapType<'_>) -> Option<ValType> {
    match ty {
        HeapType::Abstract {
            ty: AbstractHeapType::Func | AbstractHeapType::NoFunc,
            ..
        } => Some(ValType::FuncRef),
        HeapType::Abstract {
            ty: AbstractHeapType::Extern | AbstractHeapType::NoExtern,
            ..
        } => Some(ValType::ExternRef),
        _ => None,
    }
}

/// The number an externref made by the runner holds.
fn extern_number(r: &ExternRef) -> Option<u32> {
    r.downcast_ref::<u32>().copied()
}

fn check_results(expected: &[WastRet<'_>], actual: &[Val]) -> Step<()> {
    if expected.len() != actual.len() {
        return Err(Outcome::Fail(format!(
            "expected {} result(s), got {} ({})",
            expected.len(),
            actual.len(),
            DisplayVals(actual)
        )));
    }
    for (i, (want, got)) in expected.iter().zip(actual).enumerate() {
        let WastRet::Core(want) = want else {
            return Err(Outcome::Skip("component-model value".into()));
        };
        if !matches_ret(want, got)? {
            return Err(Outcome::Fail(format!(
                "result {i}: expected {}, got {}",
                DisplayRet(want),
                DisplayVal(got)
            )));
        }
    }
    Ok(())
}

fn matches_ret(want: &WastRetCore<'_>, got: &Val) -> Step<bool> {
    Ok(match (want, got) {
        (WastRetCore::I32(w), Val::I32(g)) => w == g,
        (WastRetCore::I64(w), Val::I64(g)) => w == g,
        (WastRetCore::F32(w), Val::F32(g)) => f32_matches(w, *g),
        (WastRetCore::F64(w), Val::F64(g)) => f64_matches(w, *g),
        (WastRetCore::V128(w), Val::V128(g)) => v128_matches(w, *g),
        (WastRetCore::RefNull(None), Val::FuncRef(r)) => r.is_none(),
        (WastRetCore::RefNull(None), Val::ExternRef(r)) => r.is_none(),
        (WastRetCore::RefNull(Some(ty)), got) => match null_type(ty) {
            Some(ValType::FuncRef) => matches!(got, Val::FuncRef(None)),
            Some(_) => matches!(got, Val::ExternRef(None)),
            None => {
                return Err(Outcome::Skip(format!(
                    "unsupported null reference pattern {ty:?}"
                )));
            }
        },
        (WastRetCore::RefExtern(None), Val::ExternRef(r)) => r.is_some(),
        (WastRetCore::RefExtern(Some(n)), Val::ExternRef(r)) => {
            r.as_ref().and_then(extern_number) == Some(*n)
        }
        (WastRetCore::RefFunc(None), Val::FuncRef(r)) => r.is_some(),
        (WastRetCore::Either(cases), got) => {
            for case in cases {
                if matches_ret(case, got)? {
                    return Ok(true);
                }
            }
            false
        }
        (
            WastRetCore::I32(_)
            | WastRetCore::I64(_)
            | WastRetCore::F32(_)
            | WastRetCore::F64(_)
            | WastRetCore::V128(_)
            | WastRetCore::RefNull(_)
            | WastRetCore::RefExtern(_)
            | WastRetCore::RefFunc(None),
            _,
        ) => false,
        (other, _) => {
            return Err(Outcome::Skip(format!(
                "unsupported expected value {other:?}"
            )));
        }
    })
}

const F32_QUIET: u32 = 0x0040_0000;
const F32_EXP: u32 = 0x7f80_0000;
const F64_QUIET: u64 = 0x0008_0000_0000_0000;
const F64_EXP: u64 = 0x7ff0_0000_0000_0000;

/// Canonical NaN: quiet bit only (either sign). Arithmetic NaN: quiet bit set.
fn f32_matches(want: &NanPattern<F32>, got: u32) -> bool {
    match want {
        NanPattern::CanonicalNan => got & 0x7fff_ffff == F32_EXP | F32_QUIET,
        NanPattern::ArithmeticNan => got & (F32_EXP | F32_QUIET) == F32_EXP | F32_QUIET,
        NanPattern::Value(v) => v.bits == got,
    }
}

/// See [`f32_matches`].
fn f64_matches(want: &NanPattern<F64>, got: u64) -> bool {
    match want {
        NanPattern::CanonicalNan => got & 0x7fff_ffff_ffff_ffff == F64_EXP | F64_QUIET,
        NanPattern::ArithmeticNan => got & (F64_EXP | F64_QUIET) == F64_EXP | F64_QUIET,
        NanPattern::Value(v) => v.bits == got,
    }
}

fn v128_matches(want: &V128Pattern, got: u128) -> bool {
    let bytes = got.to_le_bytes();
    let lane = |i: usize, n: usize| -> u64 {
        let mut buf = [0u8; 8];
        buf[..n].copy_from_slice(&bytes[i * n..(i + 1) * n]);
        u64::from_le_bytes(buf)
    };
    match want {
        V128Pattern::I8x16(w) => w
            .iter()
            .enumerate()
            .all(|(i, x)| lane(i, 1) == u64::from(*x as u8)),
        V128Pattern::I16x8(w) => w
            .iter()
            .enumerate()
            .all(|(i, x)| lane(i, 2) == u64::from(*x as u16)),
        V128Pattern::I32x4(w) => w
            .iter()
            .enumerate()
            .all(|(i, x)| lane(i, 4) == u64::from(*x as u32)),
        V128Pattern::I64x2(w) => w.iter().enumerate().all(|(i, x)| lane(i, 8) == *x as u64),
        V128Pattern::F32x4(w) => w
            .iter()
            .enumerate()
            .all(|(i, p)| f32_matches(p, lane(i, 4) as u32)),
        V128Pattern::F64x2(w) => w
            .iter()
            .enumerate()
            .all(|(i, p)| f64_matches(p, lane(i, 8))),
    }
}

/// Displays a value as `type:value` for failure messages.
struct DisplayVal<'a>(&'a Val);

impl fmt::Display for DisplayVal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Val::I32(x) => write!(f, "i32:{x}"),
            Val::I64(x) => write!(f, "i64:{x}"),
            Val::F32(b) => write!(f, "f32:{} (0x{b:08x})", f32::from_bits(*b)),
            Val::F64(b) => write!(f, "f64:{} (0x{b:016x})", f64::from_bits(*b)),
            Val::V128(x) => write!(f, "v128:0x{x:032x}"),
            Val::FuncRef(r) => write!(f, "funcref:{}", if r.is_some() { "func" } else { "null" }),
            Val::ExternRef(None) => f.write_str("externref:null"),
            Val::ExternRef(Some(r)) => match extern_number(r) {
                Some(n) => write!(f, "externref:{n}"),
                None => f.write_str("externref:host"),
            },
        }
    }
}

struct DisplayVals<'a>(&'a [Val]);

impl fmt::Display for DisplayVals<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}", DisplayVal(v))?;
        }
        f.write_str("]")
    }
}

/// Displays an expected value compactly (NaN patterns by name).
struct DisplayRet<'a, 'b>(&'a WastRetCore<'b>);

impl fmt::Display for DisplayRet<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn nan<T>(
            f: &mut fmt::Formatter<'_>,
            ty: &str,
            p: &NanPattern<T>,
            show: impl Fn(&T) -> String,
        ) -> fmt::Result {
            match p {
                NanPattern::CanonicalNan => write!(f, "{ty}:nan:canonical"),
                NanPattern::ArithmeticNan => write!(f, "{ty}:nan:arithmetic"),
                NanPattern::Value(v) => write!(f, "{ty}:{}", show(v)),
            }
        }
        match self.0 {
            WastRetCore::I32(x) => write!(f, "i32:{x}"),
            WastRetCore::I64(x) => write!(f, "i64:{x}"),
            WastRetCore::F32(p) => nan(f, "f32", p, |v| {
                format!("{} (0x{:08x})", f32::from_bits(v.bits), v.bits)
            }),
            WastRetCore::F64(p) => nan(f, "f64", p, |v| {
                format!("{} (0x{:016x})", f64::from_bits(v.bits), v.bits)
            }),
            WastRetCore::RefNull(None) => f.write_str("ref.null"),
            WastRetCore::RefNull(Some(ty)) => match null_type(ty) {
                Some(t) => write!(f, "{t}:null"),
                None => write!(f, "ref.null {ty:?}"),
            },
            WastRetCore::RefExtern(None) => f.write_str("externref:any"),
            WastRetCore::RefExtern(Some(n)) => write!(f, "externref:{n}"),
            WastRetCore::RefFunc(None) => f.write_str("funcref:non-null"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Defines the `spectest` host module in `linker`.
fn define_spectest(
    store: &mut Store<()>,
    linker: &mut Linker<()>,
    verbose: bool,
) -> Result<(), Error> {
    use ValType::{F32 as TF32, F64 as TF64, I32 as TI32, I64 as TI64};
    let prints: [(&str, &[ValType]); 7] = [
        ("print", &[]),
        ("print_i32", &[TI32]),
        ("print_i64", &[TI64]),
        ("print_f32", &[TF32]),
        ("print_f64", &[TF64]),
        ("print_i32_f32", &[TI32, TF32]),
        ("print_f64_f64", &[TF64, TF64]),
    ];
    for (name, params) in prints {
        let ty = FuncType::new(params.iter().copied(), []);
        let func = Func::new(
            store,
            ty,
            move |_caller, args: &[Val], _results: &mut [Val]| {
                if verbose {
                    let shown: Vec<String> =
                        args.iter().map(|v| DisplayVal(v).to_string()).collect();
                    println!("{}", shown.join(" "));
                }
                Ok(())
            },
        )?;
        linker.define(store, "spectest", name, Extern::Func(func))?;
    }
    let globals = [
        ("global_i32", TI32, Val::I32(666)),
        ("global_i64", TI64, Val::I64(666)),
        ("global_f32", TF32, Val::F32(666.6f32.to_bits())),
        ("global_f64", TF64, Val::F64(666.6f64.to_bits())),
    ];
    for (name, ty, val) in globals {
        let global = Global::new(store, GlobalType::new(ty, Mutability::Const), val)?;
        linker.define(store, "spectest", name, Extern::Global(global))?;
    }
    let table = Table::new(
        store,
        TableType::new(ValType::FuncRef, 10, Some(20)),
        Val::FuncRef(None),
    )?;
    linker.define(store, "spectest", "table", Extern::Table(table))?;
    let memory = Memory::new(store, MemoryType::new(1, Some(2)))?;
    linker.define(store, "spectest", "memory", Extern::Memory(memory))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_patterns() {
        let canon = NanPattern::<F32>::CanonicalNan;
        let arith = NanPattern::<F32>::ArithmeticNan;
        assert!(f32_matches(&canon, 0x7fc0_0000));
        assert!(f32_matches(&canon, 0xffc0_0000));
        assert!(!f32_matches(&canon, 0x7fc0_0001));
        assert!(f32_matches(&arith, 0x7fc0_0001));
        assert!(!f32_matches(&arith, 0x7fa0_0000));
        assert!(!f32_matches(&arith, 0x3fc0_0000));
        let canon = NanPattern::<F64>::CanonicalNan;
        let arith = NanPattern::<F64>::ArithmeticNan;
        assert!(f64_matches(&canon, 0xfff8_0000_0000_0000));
        assert!(!f64_matches(&canon, 0x7ff8_0000_0000_0001));
        assert!(f64_matches(&arith, 0x7ffc_0000_0000_0000));
        assert!(!f64_matches(&arith, 0x7ff4_0000_0000_0000));
    }

    #[test]
    fn trap_messages() {
        assert!(trap_message_matches(
            "integer divide by zero",
            "integer divide"
        ));
        assert!(trap_message_matches(
            "uninitialized element",
            "uninitialized element 7"
        ));
        assert!(!trap_message_matches(
            "uninitialized element",
            "uninitialized elements"
        ));
        assert!(!trap_message_matches("unreachable", "integer overflow"));
    }

    /// Runs `script` on the default engine.
    fn run(script: &str) -> FileReport {
        let mut runner = WastRunner::new(&Config::new()).expect("runner");
        runner.run_str("test.wast", script)
    }

    #[test]
    fn reference_arguments_and_results() {
        let report = run(r#"
            (module
              (table $t 4 externref)
              (func (export "id") (param externref) (result externref) local.get 0)
              (func (export "put") (param i32 externref) local.get 0 local.get 1 table.set $t)
              (func (export "get") (param i32) (result externref) local.get 0 table.get $t)
              (func $f (export "f"))
              (func (export "fref") (result funcref) ref.func $f)
              (func (export "null") (result funcref) ref.null func)
              (func (export "is_null") (param funcref) (result i32) local.get 0 ref.is_null))
            (assert_return (invoke "id" (ref.extern 7)) (ref.extern 7))
            (assert_return (invoke "id" (ref.extern 7)) (ref.extern))
            (assert_return (invoke "id" (ref.null extern)) (ref.null extern))
            (assert_return (invoke "id" (ref.null extern)) (ref.null))
            (invoke "put" (i32.const 1) (ref.extern 42))
            (assert_return (invoke "get" (i32.const 1)) (ref.extern 42))
            (assert_return (invoke "get" (i32.const 0)) (ref.null extern))
            (assert_return (invoke "fref") (ref.func))
            (assert_return (invoke "null") (ref.null func))
            (assert_return (invoke "is_null" (ref.null func)) (i32.const 1))
        "#);
        assert_eq!(report.failures, Vec::<String>::new());
        assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        assert_eq!(report.passed, 9);
    }

    #[test]
    fn wrong_references_fail() {
        let report = run(r#"
            (module
              (func (export "id") (param externref) (result externref) local.get 0)
              (func (export "null") (result funcref) ref.null func))
            (assert_return (invoke "id" (ref.extern 7)) (ref.extern 8))
            (assert_return (invoke "id" (ref.extern 7)) (ref.null extern))
            (assert_return (invoke "id" (ref.null extern)) (ref.extern))
            (assert_return (invoke "null") (ref.func))
            (assert_return (invoke "null") (ref.null extern))
        "#);
        assert_eq!(report.passed, 0);
        assert_eq!(report.failed, 5, "{:?}", report.failures);
    }

    #[test]
    fn multiple_results() {
        let report = run(r#"
            (module
              (func (export "three") (param i32) (result i32 i64 f64)
                local.get 0 i64.const -2 f64.const 0.5))
            (assert_return (invoke "three" (i32.const 9))
              (i32.const 9) (i64.const -2) (f64.const 0.5))
            (assert_return (invoke "three" (i32.const 9)) (i32.const 9) (i64.const -2))
        "#);
        assert_eq!(report.passed, 1);
        assert_eq!(report.failed, 1, "{:?}", report.failures);
    }

    #[test]
    fn v128_lanes() {
        let got = u128::from_le_bytes([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
        assert!(v128_matches(&V128Pattern::I32x4([1, 2, 3, -1]), got));
        assert!(!v128_matches(&V128Pattern::I32x4([1, 2, 3, 4]), got));
    }
}
