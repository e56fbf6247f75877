//! The differential oracle: generate a Wasm 2.0 (no SIMD) module with `wasm-smith`, run
//! it in wasmi (the reference) and in strata (baseline tier, and the
//! optimizing tier when [`strata::Engine::new`] accepts it), call every
//! exported function with the same arguments, and compare results, traps,
//! exported globals and exported memories after every call.
//!
//! This file is shared, through `#[path]`/`mod`, by `tests/differential.rs`
//! and the `differential` target of the `fuzz/` crate. It depends on wasmi,
//! wasm-smith and arbitrary, which are dev-dependencies only: that is why it
//! is not part of `strata::fuzzing`.
//!
//! Invariants:
//! - generated modules use Wasm 2.0 without SIMD (no imports, one memory with a
//!   declared maximum of at most [`MAX_MEMORY_PAGES`], at most one table) and
//!   terminate: wasm-smith's `ensure_termination` decrements a fuel global at
//!   every function entry and loop header and traps (`unreachable`) when it
//!   runs out;
//! - NaN results compare equal to any NaN; everything else compares by bits
//!   (wasm-smith canonicalizes NaNs, so their payloads never reach memory,
//!   globals or integers);
//! - once any engine exhausts its stack, the module stops being compared
//!   (stack limits differ, so side effects before the trap may differ too).

#![allow(dead_code)]

use std::fmt;

use arbitrary::Unstructured;

/// The largest memory a generated module may declare, in 64 KiB pages.
pub const MAX_MEMORY_PAGES: u64 = 16;
/// Fuel given to each call: wasm-smith's `ensure_termination` decrements a
/// global at every function entry and loop header and traps when it is 0.
/// The oracle exports that global as [`FUEL_EXPORT`] and refills it before
/// every call, so one call cannot starve the next and recursion stays below
/// both engines' stack limits (which differ).
pub const FUEL: u32 = 1000;
/// The export name given to the fuel global.
pub const FUEL_EXPORT: &str = "__strata_fuel";
/// Argument sets each exported function is called with.
pub const CALLS_PER_FUNC: usize = 3;

/// The wasm-smith configuration: exactly what strata supports (Wasm 2.0
/// without SIMD).
/// With `disallow_traps`, wasm-smith guards loads, stores, divisions and
/// conversions so that most calls run to completion (only the fuel check
/// and stack exhaustion trap); without it, trapping paths get exercised.
pub fn smith_config(disallow_traps: bool) -> wasm_smith::Config {
    wasm_smith::Config {
        // Wasm 2.0 without SIMD: what strata supports.
        multi_value_enabled: true,
        sign_extension_ops_enabled: true,
        saturating_float_to_int_enabled: true,
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        simd_enabled: false,
        relaxed_simd_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        tail_call_enabled: false,
        exceptions_enabled: false,
        memory64_enabled: false,
        gc_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        extended_const_enabled: false,
        custom_descriptors_enabled: false,
        compact_imports_enabled: false,
        max_memories: 1,
        max_tables: 3,
        // Shape.
        max_imports: 0,
        min_types: 1,
        min_funcs: 1,
        max_funcs: 12,
        max_instructions: 250,
        max_nesting_depth: 8,
        max_globals: 12,
        max_data_segments: 8,
        max_element_segments: 8,
        max_elements: 32,
        max_table_elements: 64,
        max_memory32_bytes: MAX_MEMORY_PAGES * 65536,
        memory_max_size_required: true,
        export_everything: true,
        allow_start_export: true,
        disallow_traps,
        // NaN payloads are nondeterministic in Wasm (an operation on NaNs
        // may return any arithmetic NaN, and x86 and wasmi pick different
        // ones); once reinterpreted or stored they would show up as false
        // divergences (seeds 10831 and 21870 did). Results themselves are
        // compared NaN-as-NaN anyway.
        canonicalize_nans: true,
        ..wasm_smith::Config::default()
    }
}

/// Generates a module from `data` (`None` when wasm-smith gives up). The
/// first byte's low bit chooses [`smith_config`]'s `disallow_traps`.
pub fn generate(data: &[u8]) -> Option<Vec<u8>> {
    let disallow_traps = data.first().is_some_and(|b| b & 1 == 1);
    let mut u = Unstructured::new(data.get(1..).unwrap_or_default());
    let mut module = wasm_smith::Module::new(smith_config(disallow_traps), &mut u).ok()?;
    let fuel_global = module.ensure_termination(FUEL).ok()?;
    add_global_export(&module.to_bytes(), FUEL_EXPORT, fuel_global)
}

fn read_leb(bytes: &[u8], pos: &mut usize) -> Option<u32> {
    let mut result = 0u32;
    let mut shift = 0;
    loop {
        let b = *bytes.get(*pos)?;
        *pos += 1;
        result |= u32::from(b & 0x7f).checked_shl(shift)?;
        if b & 0x80 == 0 {
            return Some(result);
        }
        shift += 7;
    }
}

fn write_leb(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// Adds `(export name (global index))` to the binary module `wasm`,
/// creating the export section if there is none. `None` if `name` may
/// already be taken or the module is not laid out as expected.
fn add_global_export(wasm: &[u8], name: &str, index: u32) -> Option<Vec<u8>> {
    const EXPORT: u8 = 7;
    let mut entry = Vec::new();
    write_leb(&mut entry, name.len() as u32);
    entry.extend_from_slice(name.as_bytes());
    entry.push(0x03); // global
    write_leb(&mut entry, index);

    let mut out = wasm.get(..8)?.to_vec();
    let mut pos = 8;
    let mut done = false;
    while pos < wasm.len() {
        let id = wasm[pos];
        pos += 1;
        let size = read_leb(wasm, &mut pos)? as usize;
        let payload = wasm.get(pos..pos + size)?;
        pos += size;
        // Known sections come in id order; the export section goes before
        // the first section with a larger id (custom sections, id 0, are
        // not generated).
        if !done && id > EXPORT {
            let mut section = Vec::new();
            write_leb(&mut section, 1);
            section.extend_from_slice(&entry);
            out.push(EXPORT);
            write_leb(&mut out, section.len() as u32);
            out.extend_from_slice(&section);
            done = true;
        }
        if id == EXPORT {
            if payload.windows(name.len()).any(|w| w == name.as_bytes()) {
                return None;
            }
            let mut p = 0;
            let count = read_leb(payload, &mut p)?;
            let mut section = Vec::new();
            write_leb(&mut section, count + 1);
            section.extend_from_slice(&payload[p..]);
            section.extend_from_slice(&entry);
            out.push(EXPORT);
            write_leb(&mut out, section.len() as u32);
            out.extend_from_slice(&section);
            done = true;
            continue;
        }
        out.push(id);
        write_leb(&mut out, size as u32);
        out.extend_from_slice(payload);
    }
    if !done {
        out.push(EXPORT);
        let mut section = Vec::new();
        write_leb(&mut section, 1);
        section.extend_from_slice(&entry);
        write_leb(&mut out, section.len() as u32);
        out.extend_from_slice(&section);
    }
    Some(out)
}

/// A small deterministic PRNG (splitmix64) for bytes and arguments.
#[derive(Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}

/// The bytes wasm-smith turns into the module of `seed`.
pub fn seed_bytes(seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    let len = 1024 + rng.below(8 * 1024) as usize;
    let mut bytes = rng.bytes(len);
    // Alternate between modules with and without guarded traps.
    bytes[0] = seed as u8 & 1;
    bytes
}

/// FNV-1a, to derive an argument seed from fuzzer input and to summarise
/// memories in reports.
pub fn fnv(bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A Wasm value, engine-neutral; floats by their bits.
#[derive(Clone, Copy, Debug)]
pub enum Value {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    /// A funcref or externref result, compared by whether it is null (the
    /// two engines' reference identities are not comparable).
    Ref(bool),
}

impl Value {
    fn same(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::I32(a), Value::I32(b)) => a == b,
            (Value::I64(a), Value::I64(b)) => a == b,
            (Value::Ref(a), Value::Ref(b)) => a == b,
            (Value::F32(a), Value::F32(b)) => {
                a == b || (f32::from_bits(*a).is_nan() && f32::from_bits(*b).is_nan())
            }
            (Value::F64(a), Value::F64(b)) => {
                a == b || (f64::from_bits(*a).is_nan() && f64::from_bits(*b).is_nan())
            }
            _ => false,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Ref(null) => write!(f, "ref:{}", if *null { "null" } else { "non-null" }),
            Value::I32(v) => write!(f, "i32:{v}"),
            Value::I64(v) => write!(f, "i64:{v}"),
            Value::F32(b) => write!(f, "f32:{}({b:#010x})", f32::from_bits(*b)),
            Value::F64(b) => write!(f, "f64:{}({b:#018x})", f64::from_bits(*b)),
        }
    }
}

/// An engine-neutral trap kind (strata's `TrapCode` names; the two table
/// trap codes strata distinguishes are one kind for wasmi).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrapKind {
    Unreachable,
    DivideByZero,
    IntegerOverflow,
    BadConversion,
    MemoryOutOfBounds,
    UndefinedElement,
    UninitializedElement,
    IndirectCallTypeMismatch,
    StackOverflow,
    Other,
}

/// What one call did.
#[derive(Clone, Debug)]
pub enum Outcome {
    Returned(Vec<Value>),
    Trapped(TrapKind),
    /// An error that is no trap (should not happen).
    Error(String),
}

impl Outcome {
    fn same(&self, other: &Outcome) -> bool {
        match (self, other) {
            (Outcome::Returned(a), Outcome::Returned(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y))
            }
            (Outcome::Trapped(a), Outcome::Trapped(b)) => a == b,
            _ => false,
        }
    }
    fn is_stack_overflow(&self) -> bool {
        matches!(self, Outcome::Trapped(TrapKind::StackOverflow))
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Returned(vs) => {
                f.write_str("returned [")?;
                for (i, v) in vs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Outcome::Trapped(k) => write!(f, "trapped {k:?}"),
            Outcome::Error(e) => write!(f, "error: {e}"),
        }
    }
}

/// The parameter types the oracle generates arguments for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    I32,
    I64,
    F32,
    F64,
}

const EDGE_I32: [i32; 5] = [0, 1, -1, i32::MIN, i32::MAX];
const EDGE_I64: [i64; 5] = [0, 1, -1, i64::MIN, i64::MAX];
const EDGE_F32: [f32; 8] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    f32::NAN,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::MIN_POSITIVE,
];
const EDGE_F64: [f64; 8] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::MIN_POSITIVE,
];

/// Deterministic arguments: call 0 uses small values, later calls mix edge
/// values (0, 1, -1, MIN, MAX, NaN, -0.0, ±inf) and random bits.
pub fn make_args(rng: &mut Rng, params: &[Ty], call: usize) -> Vec<Value> {
    params
        .iter()
        .map(|ty| {
            let pick = if call == 0 { 0 } else { rng.below(3) };
            let r = rng.next_u64();
            match (ty, pick) {
                (Ty::I32, 0) => Value::I32((r % 16) as i32),
                (Ty::I32, 1) => Value::I32(EDGE_I32[(r % 5) as usize]),
                (Ty::I32, _) => Value::I32(r as i32),
                (Ty::I64, 0) => Value::I64((r % 16) as i64),
                (Ty::I64, 1) => Value::I64(EDGE_I64[(r % 5) as usize]),
                (Ty::I64, _) => Value::I64(r as i64),
                (Ty::F32, 0) => Value::F32(((r % 16) as f32).to_bits()),
                (Ty::F32, 1) => Value::F32(EDGE_F32[(r % 8) as usize].to_bits()),
                (Ty::F32, _) => Value::F32(r as u32),
                (Ty::F64, 0) => Value::F64(((r % 16) as f64).to_bits()),
                (Ty::F64, 1) => Value::F64(EDGE_F64[(r % 8) as usize].to_bits()),
                (Ty::F64, _) => Value::F64(r),
            }
        })
        .collect()
}

/// One engine's instance of the module under test.
pub trait Subject {
    fn name(&self) -> String;
    fn call(&mut self, func: &str, args: &[Value]) -> Outcome;
    fn global(&mut self, name: &str) -> Option<Value>;
    /// Sets the exported mutable i32 global `name` (the fuel).
    fn set_global_i32(&mut self, name: &str, value: i32) -> bool;
    fn memory(&mut self, name: &str) -> Option<Vec<u8>>;
}

// ---------------------------------------------------------------------------
// wasmi
// ---------------------------------------------------------------------------

/// strata's limit on a table's number of elements (`runtime/src/vm.rs`).
const STRATA_MAX_TABLE_ELEMENTS: usize = 10_000_000;

pub struct Wasmi {
    store: wasmi::Store<wasmi::StoreLimits>,
    instance: wasmi::Instance,
}

fn wasmi_trap(code: wasmi::TrapCode) -> TrapKind {
    use wasmi::TrapCode as C;
    match code {
        C::UnreachableCodeReached => TrapKind::Unreachable,
        C::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
        C::TableOutOfBounds => TrapKind::UndefinedElement,
        C::IndirectCallToNull => TrapKind::UninitializedElement,
        C::IntegerDivisionByZero => TrapKind::DivideByZero,
        C::IntegerOverflow => TrapKind::IntegerOverflow,
        C::BadConversionToInteger => TrapKind::BadConversion,
        C::StackOverflow => TrapKind::StackOverflow,
        C::BadSignature => TrapKind::IndirectCallTypeMismatch,
        _ => TrapKind::Other,
    }
}

/// The outcome of a wasmi error. wasmi 1.1 reports some table bounds
/// failures (e.g. of `table.copy`) as errors without a trap code, with the
/// spec's message: those are the table trap.
fn wasmi_error(e: &wasmi::Error) -> Outcome {
    match e.as_trap_code() {
        Some(c) => Outcome::Trapped(wasmi_trap(c)),
        None if e.to_string().starts_with("out of bounds table access") => {
            Outcome::Trapped(TrapKind::UndefinedElement)
        }
        None => Outcome::Error(e.to_string()),
    }
}

fn to_wasmi(v: &Value) -> wasmi::Val {
    match *v {
        Value::I32(x) => wasmi::Val::I32(x),
        Value::I64(x) => wasmi::Val::I64(x),
        Value::F32(b) => wasmi::Val::F32(wasmi::F32::from_bits(b)),
        Value::F64(b) => wasmi::Val::F64(wasmi::F64::from_bits(b)),
        Value::Ref(_) => unreachable!("reference arguments are never generated"),
    }
}

fn from_wasmi(v: &wasmi::Val) -> Option<Value> {
    Some(match v {
        wasmi::Val::I32(x) => Value::I32(*x),
        wasmi::Val::I64(x) => Value::I64(*x),
        wasmi::Val::F32(x) => Value::F32(x.to_bits()),
        wasmi::Val::F64(x) => Value::F64(x.to_bits()),
        wasmi::Val::FuncRef(r) => Value::Ref(r.is_null()),
        wasmi::Val::ExternRef(r) => Value::Ref(r.is_null()),
        _ => return None,
    })
}

impl Wasmi {
    /// Compiles and instantiates; `Err` when wasmi rejects the module
    /// (validation) and `Ok(Err(..))` when instantiation failed.
    pub fn new(wasm: &[u8]) -> Result<Result<Wasmi, Outcome>, String> {
        let mut config = wasmi::Config::default();
        config.compilation_mode(wasmi::CompilationMode::Eager);
        // Above what the fuel allows, so that only strata's limit can be hit.
        config.set_max_recursion_depth(20 * FUEL as usize);
        let engine = wasmi::Engine::new(&config);
        let module = wasmi::Module::new(&engine, wasm).map_err(|e| e.to_string())?;
        // The same implementation limit on table growth as strata's
        // (`table.grow` past it returns -1 in both), so that a generated
        // `table.grow` by a billion elements is not a false divergence.
        let limits = wasmi::StoreLimitsBuilder::new()
            .table_elements(STRATA_MAX_TABLE_ELEMENTS)
            .build();
        let mut store = wasmi::Store::new(&engine, limits);
        store.limiter(|limits| limits);
        Ok(match wasmi::Instance::new(&mut store, &module, &[]) {
            Ok(instance) => Ok(Wasmi { store, instance }),
            Err(e) => Err(wasmi_error(&e)),
        })
    }
}

impl Subject for Wasmi {
    fn name(&self) -> String {
        "wasmi".into()
    }
    fn call(&mut self, func: &str, args: &[Value]) -> Outcome {
        let Some(f) = self.instance.get_func(&self.store, func) else {
            return Outcome::Error(format!("no function export {func:?}"));
        };
        let ty = f.ty(&self.store);
        let params: Vec<wasmi::Val> = args.iter().map(to_wasmi).collect();
        let mut results: Vec<wasmi::Val> = ty
            .results()
            .iter()
            .map(|t| wasmi::Val::default(*t))
            .collect();
        match f.call(&mut self.store, &params, &mut results) {
            Ok(()) => match results.iter().map(from_wasmi).collect() {
                Some(vs) => Outcome::Returned(vs),
                None => Outcome::Error("reference result".into()),
            },
            Err(e) => wasmi_error(&e),
        }
    }
    fn global(&mut self, name: &str) -> Option<Value> {
        let g = self.instance.get_global(&self.store, name)?;
        from_wasmi(&g.get(&self.store))
    }
    fn set_global_i32(&mut self, name: &str, value: i32) -> bool {
        match self.instance.get_global(&self.store, name) {
            Some(g) => g.set(&mut self.store, wasmi::Val::I32(value)).is_ok(),
            None => false,
        }
    }
    fn memory(&mut self, name: &str) -> Option<Vec<u8>> {
        let m = self.instance.get_memory(&self.store, name)?;
        Some(m.data(&self.store).to_vec())
    }
}

// ---------------------------------------------------------------------------
// strata
// ---------------------------------------------------------------------------

pub struct Strata {
    tier: strata::Tier,
    store: strata::Store<()>,
    instance: strata::Instance,
}

fn strata_trap(code: Option<strata::TrapCode>) -> TrapKind {
    use strata::TrapCode as C;
    match code {
        Some(C::Unreachable) => TrapKind::Unreachable,
        Some(C::IntegerDivideByZero) => TrapKind::DivideByZero,
        Some(C::IntegerOverflow) => TrapKind::IntegerOverflow,
        Some(C::BadConversionToInteger) => TrapKind::BadConversion,
        Some(C::MemoryOutOfBounds) => TrapKind::MemoryOutOfBounds,
        Some(C::UndefinedElement) | Some(C::TableOutOfBounds) => TrapKind::UndefinedElement,
        Some(C::UninitializedElement) | Some(C::NullReference) => TrapKind::UninitializedElement,
        Some(C::IndirectCallTypeMismatch) => TrapKind::IndirectCallTypeMismatch,
        Some(C::StackOverflow) => TrapKind::StackOverflow,
        None => TrapKind::Other,
    }
}

fn strata_outcome_of_error(e: &strata::Error) -> Outcome {
    match e.as_trap() {
        Some(t) => Outcome::Trapped(strata_trap(t.code())),
        None => Outcome::Error(format!("{:?}: {}", e.kind(), e.message())),
    }
}

fn to_strata(v: &Value) -> strata::Val {
    match *v {
        Value::I32(x) => strata::Val::I32(x),
        Value::I64(x) => strata::Val::I64(x),
        Value::F32(b) => strata::Val::F32(b),
        Value::F64(b) => strata::Val::F64(b),
        Value::Ref(_) => unreachable!("reference arguments are never generated"),
    }
}

fn from_strata(v: &strata::Val) -> Option<Value> {
    Some(match v {
        strata::Val::I32(x) => Value::I32(*x),
        strata::Val::I64(x) => Value::I64(*x),
        strata::Val::F32(b) => Value::F32(*b),
        strata::Val::F64(b) => Value::F64(*b),
        strata::Val::FuncRef(f) => Value::Ref(f.is_none()),
        strata::Val::ExternRef(r) => Value::Ref(r.is_none()),
        _ => return None,
    })
}

/// The engine for `tier`, or `None` when strata does not offer that tier
/// (yet).
/// An engine for `tier`.
pub fn strata_engine(tier: strata::Tier) -> Option<strata::Engine> {
    tiered_engine(tier, 1, true)
}

/// An engine for `tier`; the tiered one with `budget` and tier-ups compiled
/// on the spot, so that functions are optimized and loops enter OSR code in
/// the middle of the calls being compared, at points that depend on the
/// budget (1: the first loop reached; larger: inner loops, later calls).
/// `extensions`: BMI2 and AVX instructions where the host has them (else
/// never: the code for CPUs without them).
pub fn tiered_engine(tier: strata::Tier, budget: u32, extensions: bool) -> Option<strata::Engine> {
    let mut config = strata::Config::new();
    config.tier(tier);
    if !extensions {
        config.bmi2(false).avx(false);
    }
    if tier == strata::Tier::Tiered {
        config
            .tier_up_budget(strata::TierUpBudget {
                budget,
                osr_poll: 1 + budget / 4,
            })
            .tier_up_sync(true);
    }
    strata::Engine::new(&config).ok()
}

/// The tiered engine's budget for the module of `seed`.
pub fn budget_for(seed: u64) -> u32 {
    [1, 2, 5, 20, 100][(seed % 5) as usize]
}

impl Strata {
    /// Compiles and instantiates; `Err` when compilation failed and
    /// `Ok(Err(..))` when instantiation failed.
    pub fn new(
        engine: &strata::Engine,
        tier: strata::Tier,
        wasm: &[u8],
    ) -> Result<Result<Strata, Outcome>, String> {
        let module = strata::Module::new(engine, wasm)
            .map_err(|e| format!("{:?}: {}", e.kind(), e.message()))?;
        let mut store = strata::Store::new(engine, ());
        Ok(match strata::Instance::new(&mut store, &module, &[]) {
            Ok(instance) => Ok(Strata {
                tier,
                store,
                instance,
            }),
            Err(e) => Err(strata_outcome_of_error(&e)),
        })
    }
}

impl Subject for Strata {
    fn name(&self) -> String {
        format!("strata-{:?}", self.tier).to_lowercase()
    }
    fn call(&mut self, func: &str, args: &[Value]) -> Outcome {
        let Some(f) = self.instance.get_func(&mut self.store, func) else {
            return Outcome::Error(format!("no function export {func:?}"));
        };
        let ty = f.ty(&self.store);
        let params: Vec<strata::Val> = args.iter().map(to_strata).collect();
        let mut results: Vec<strata::Val> = ty
            .results()
            .iter()
            .map(|t| strata::Val::default_for(*t))
            .collect();
        match f.call(&mut self.store, &params, &mut results) {
            Ok(()) => match results.iter().map(from_strata).collect() {
                Some(vs) => Outcome::Returned(vs),
                None => Outcome::Error("reference result".into()),
            },
            Err(e) => strata_outcome_of_error(&e),
        }
    }
    fn global(&mut self, name: &str) -> Option<Value> {
        let g = self.instance.get_global(&mut self.store, name)?;
        from_strata(&g.get(&self.store))
    }
    fn set_global_i32(&mut self, name: &str, value: i32) -> bool {
        match self.instance.get_global(&mut self.store, name) {
            Some(g) => g.set(&mut self.store, strata::Val::I32(value)).is_ok(),
            None => false,
        }
    }
    fn memory(&mut self, name: &str) -> Option<Vec<u8>> {
        let m = self.instance.get_memory(&mut self.store, name)?;
        Some(m.data(&self.store).to_vec())
    }
}

// ---------------------------------------------------------------------------
// The comparison
// ---------------------------------------------------------------------------

/// What running one module showed.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Calls compared (per strata tier).
    pub calls: usize,
    /// Calls that trapped (in wasmi).
    pub traps: usize,
    /// Modules wasmi rejected or that failed to instantiate in both.
    pub skipped_module: bool,
    /// Whether the optimizing tier took part.
    pub optimizing: bool,
    /// Comparison stopped early at a stack exhaustion.
    pub stopped_at_stack_overflow: bool,
    /// The optimizing tier refused the module (`ErrorKind::Unsupported`):
    /// an unfinished tier may, so this is reported, not a divergence.
    pub optimizing_refused: Option<String>,
}

/// Whether a compile error of `tier` is a refusal an unfinished tier may
/// make (not a divergence).
fn tolerated_refusal(tier: strata::Tier, error: &str) -> bool {
    tier == strata::Tier::Optimizing && error.starts_with("Unsupported:")
}

/// A divergence: a readable report and the module that shows it.
#[derive(Debug)]
pub struct Divergence {
    pub report: String,
    pub wasm: Vec<u8>,
}

fn strata_ty(t: &strata::ValType) -> Option<Ty> {
    Some(match t {
        strata::ValType::I32 => Ty::I32,
        strata::ValType::I64 => Ty::I64,
        strata::ValType::F32 => Ty::F32,
        strata::ValType::F64 => Ty::F64,
        _ => return None,
    })
}

enum ExportKind {
    Func(Vec<Ty>),
    Global,
    Memory,
}

fn divergence(wasm: &[u8], what: String) -> Divergence {
    Divergence {
        report: what,
        wasm: wasm.to_vec(),
    }
}

/// Runs `wasm` in wasmi and in every strata tier available, calling every
/// exported function [`CALLS_PER_FUNC`] times with arguments drawn from
/// `arg_seed`.
pub fn check_module(wasm: &[u8], arg_seed: u64) -> Result<Stats, Divergence> {
    let mut stats = Stats::default();
    let reference = match Wasmi::new(wasm) {
        Err(_) => {
            stats.skipped_module = true;
            return Ok(stats);
        }
        Ok(r) => r,
    };

    let mut engines = vec![(
        strata::Tier::Baseline,
        strata_engine(strata::Tier::Baseline).expect("baseline engine"),
    )];
    if let Some(e) = strata_engine(strata::Tier::Optimizing) {
        engines.push((strata::Tier::Optimizing, e));
        stats.optimizing = true;
    }
    // (Half the seeds run the tiered engine without BMI2 and AVX, so that
    // the code for CPUs without them is compared on hosts with them too.)
    if let Some(e) = tiered_engine(
        strata::Tier::Tiered,
        budget_for(arg_seed),
        arg_seed.is_multiple_of(2),
    ) {
        engines.push((strata::Tier::Tiered, e));
    }

    let stats = compare(wasm, arg_seed, reference, &engines, stats)?;
    // A tier-up the optimizing tier failed keeps correct baseline code, so
    // the comparison cannot see it; it is a compiler bug all the same.
    for (tier, engine) in &engines {
        if let Some(e) = engine.tier_events().iter().find(|e| e.failure.is_some()) {
            return Err(divergence(wasm, format!("strata {tier:?}: {e}")));
        }
    }
    Ok(stats)
}

/// Instantiates `wasm` in wasmi (`reference`) and on every strata engine
/// and compares every call, the globals and the memories after each.
fn compare(
    wasm: &[u8],
    arg_seed: u64,
    reference: Result<Wasmi, Outcome>,
    engines: &[(strata::Tier, strata::Engine)],
    mut stats: Stats,
) -> Result<Stats, Divergence> {
    // Compile and instantiate everywhere; instantiation outcomes must agree.
    let mut subjects: Vec<Box<dyn Subject>> = Vec::new();
    let reference = match reference {
        Ok(r) => Some(r),
        Err(o) => {
            // A trap in the start function or a segment out of bounds.
            for (tier, engine) in engines {
                match Strata::new(engine, *tier, wasm) {
                    Err(e) if tolerated_refusal(*tier, &e) => stats.optimizing_refused = Some(e),
                    Err(e) => {
                        return Err(divergence(
                            wasm,
                            format!("strata {tier:?} rejected a valid module: {e}"),
                        ));
                    }
                    Ok(Ok(_)) => {
                        return Err(divergence(
                            wasm,
                            format!("instantiation: wasmi failed ({o}), strata {tier:?} succeeded"),
                        ));
                    }
                    Ok(Err(so)) => {
                        if let (Outcome::Trapped(a), Outcome::Trapped(b)) = (&o, &so) {
                            let overflow =
                                *a == TrapKind::StackOverflow || *b == TrapKind::StackOverflow;
                            if a != b && !overflow {
                                return Err(divergence(
                                    wasm,
                                    format!("instantiation: wasmi {o}, strata {tier:?} {so}"),
                                ));
                            }
                        }
                    }
                }
            }
            stats.skipped_module = true;
            None
        }
    };
    let Some(reference) = reference else {
        return Ok(stats);
    };
    for (tier, engine) in engines {
        match Strata::new(engine, *tier, wasm) {
            Err(e) if tolerated_refusal(*tier, &e) => stats.optimizing_refused = Some(e),
            Err(e) => {
                return Err(divergence(
                    wasm,
                    format!("strata {tier:?} rejected a valid module: {e}"),
                ));
            }
            Ok(Err(o)) => {
                return Err(divergence(
                    wasm,
                    format!("instantiation: wasmi succeeded, strata {tier:?} {o}"),
                ));
            }
            Ok(Ok(s)) => subjects.push(Box::new(s)),
        }
    }
    let mut reference: Box<dyn Subject> = Box::new(reference);

    // The exports, in module order (strata's view; both engines agree).
    let engine = &engines[0].1;
    let module = strata::Module::new(engine, wasm).expect("compiled above");
    let mut exports: Vec<(String, ExportKind)> = Vec::new();
    for e in module.exports() {
        let kind = match e.ty() {
            strata::ExternType::Func(ft) => {
                match ft
                    .params()
                    .iter()
                    .map(strata_ty)
                    .collect::<Option<Vec<_>>>()
                {
                    Some(ps) => ExportKind::Func(ps),
                    None => continue,
                }
            }
            strata::ExternType::Global(_) => ExportKind::Global,
            strata::ExternType::Memory(_) => ExportKind::Memory,
            _ => continue,
        };
        exports.push((e.name().to_string(), kind));
    }

    let mut rng = Rng(arg_seed);
    for (fname, kind) in &exports {
        let ExportKind::Func(params) = kind else {
            continue;
        };
        for call in 0..CALLS_PER_FUNC {
            let args = make_args(&mut rng, params, call);
            let refuel = reference.set_global_i32(FUEL_EXPORT, FUEL as i32);
            let expected = reference.call(fname, &args);
            let mut actual = Vec::new();
            for s in subjects.iter_mut() {
                if s.set_global_i32(FUEL_EXPORT, FUEL as i32) != refuel {
                    return Err(divergence(wasm, format!("setting global {FUEL_EXPORT}")));
                }
                actual.push(s.call(fname, &args));
            }
            let args_text = args
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            let any_overflow =
                expected.is_stack_overflow() || actual.iter().any(Outcome::is_stack_overflow);
            for (s, got) in subjects.iter().zip(&actual) {
                if any_overflow {
                    // Both exhausted: fine. Exactly one: the limits differ;
                    // skip. Either way stop comparing (state may differ).
                    continue;
                }
                if !expected.same(got) {
                    return Err(divergence(
                        wasm,
                        format!(
                            "call {fname:?}({args_text}) [call #{call}]\n  wasmi: {expected}\n  {}: {got}",
                            s.name()
                        ),
                    ));
                }
            }
            if any_overflow {
                stats.stopped_at_stack_overflow = true;
                return Ok(stats);
            }
            stats.calls += 1;
            if matches!(expected, Outcome::Trapped(_)) {
                stats.traps += 1;
            }

            // State after the call.
            for (name, kind) in &exports {
                match kind {
                    ExportKind::Global => {
                        let want = reference.global(name);
                        for s in subjects.iter_mut() {
                            let got = s.global(name);
                            let same = match (&want, &got) {
                                (Some(a), Some(b)) => a.same(b),
                                (None, None) => true,
                                _ => false,
                            };
                            if !same {
                                return Err(divergence(
                                    wasm,
                                    format!(
                                        "after {fname:?}({args_text}) [call #{call}] returned {expected}:\n  global {name:?}: wasmi {want:?}, {} {got:?}",
                                        s.name()
                                    ),
                                ));
                            }
                        }
                    }
                    ExportKind::Memory => {
                        let want = reference.memory(name).unwrap_or_default();
                        for s in subjects.iter_mut() {
                            let got = s.memory(name).unwrap_or_default();
                            if want != got {
                                let first = want
                                    .iter()
                                    .zip(&got)
                                    .position(|(a, b)| a != b)
                                    .unwrap_or(want.len().min(got.len()));
                                return Err(divergence(
                                    wasm,
                                    format!(
                                        "after {fname:?}({args_text}) [call #{call}] returned {expected}:\n  memory {name:?}: wasmi {} bytes hash {:#x}, {} {} bytes hash {:#x}; first difference at {first:#x}: wasmi {:?}, strata {:?}",
                                        want.len(),
                                        fnv(&want),
                                        s.name(),
                                        got.len(),
                                        fnv(&got),
                                        want.get(first),
                                        got.get(first),
                                    ),
                                ));
                            }
                        }
                    }
                    ExportKind::Func(_) => {}
                }
            }
        }
    }
    Ok(stats)
}

/// The fuzz target's entry point: `data` is wasm-smith's input; the
/// arguments derive from its hash. `Err` describes a divergence.
pub fn differential_one(data: &[u8]) -> Result<(), String> {
    let Some(wasm) = generate(data) else {
        return Ok(());
    };
    check_module(&wasm, fnv(data))
        .map(|_| ())
        .map_err(|d| d.report)
}
