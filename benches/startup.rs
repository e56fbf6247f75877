//! Start-up benchmark: compile throughput of each tier, time from
//! `Module::new` to the first result, instantiation time, and the overhead of
//! typed host-to-wasm and wasm-to-host calls.
//!
//! Run with `cargo bench --bench startup` (add `-- --quick` for fewer runs).
//! It prints a markdown report and writes it to `benches/startup/RESULTS.md`.
//! For investigations, `-- --only compile,first,instantiate,calls` runs some
//! sections only and `-- --tier baseline,optimizing,tiered` some tiers only;
//! such partial runs print their report without writing RESULTS.md.
//!
//! Compile throughput is measured on the largest `.wasm` programs of the
//! benchmark suite (`target/suite/*.wasm`, built by `benches/suite/run.py`;
//! skipped with a note when absent), on `tests/programs/rust-workload`
//! built by rustc for wasm32-wasip1 (about 4 MB of real code: wasm-smith,
//! wasmparser, wasmi, regex, serde_json; built here with cargo, skipped
//! with a note without the rustup target), and on a module generated here
//! whose code section is over 10 MB. V8 and Wasmtime, where installed,
//! compile the last two. Throughput is the code section's size (the bytes of
//! the section's contents, from wasmparser) divided by the median wall-clock
//! time of `Module::new` (validation and compilation), in MB/s with
//! 1 MB = 10^6 bytes. Every time is a median of several runs.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[path = "../tests/programs/cargo_build.rs"]
mod cargo_build;

use strata::{Config, Engine, Func, Instance, Module, Store, Tier, TypedFunc, Val};
use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, ElementSection, Elements, ExportKind, ExportSection,
    Function, FunctionSection, GlobalSection, GlobalType, InstructionSink, MemArg, MemArgTarget,
    MemorySection, MemoryType, RefType, TableSection, TableType, TypeSection, ValType,
};

/// The generated module's code section grows until it has at least this many
/// bytes (over 10 MB and over 10 MiB).
const GENERATED_CODE_BYTES: usize = 10_600_000;
/// Seed of the generator (the module is the same on every run).
const GENERATED_SEED: u64 = 0x5717_a7a0_2024_0001;
/// How many of the suite's modules (the largest code sections) are compiled.
const SUITE_MODULES: usize = 3;
/// `Module::new` runs per configuration: suite modules, the large modules
/// (rust-workload and the generated one) with the baseline/tiered tiers,
/// and with the optimizing tier.
const SUITE_COMPILE_RUNS: usize = 9;
const GENERATED_FAST_RUNS: usize = 5;
const GENERATED_OPT_RUNS: usize = 3;
/// Runs of compile + instantiate + call on the small module.
const FIRST_RESULT_RUNS: usize = 101;
/// The small module's first call: `fib(FIB_ARG)`.
const FIB_ARG: i32 = 20;
const FIB_RESULT: i32 = 6765;
/// Instantiations of the small module per tier.
const INSTANTIATE_ITERS: usize = 20_000;
/// Typed calls: batches, and calls per batch.
const CALL_BATCHES: usize = 9;
const CALLS_PER_BATCH: u32 = 1_000_000;
/// Iterations of the wasm loops that call a host (or wasm) function.
const LOOP_ITERS: i32 = 1_000_000;

/// Targets from the project issue.
const TARGET_BASELINE_MBS: f64 = 20.0;
const TARGET_OPTIMIZING_MBS: f64 = 2.0;
const TARGET_INSTANTIATE_US: f64 = 10.0;
const TARGET_HOST_TO_WASM_NS: f64 = 30.0;

const TIERS: [Tier; 3] = [Tier::Baseline, Tier::Optimizing, Tier::Tiered];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    // `--only compile,first,instantiate,calls`: run some sections only.
    let only: Option<Vec<String>> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|l| l.split(',').map(str::to_string).collect());
    let run = |section: &str| only.as_ref().is_none_or(|o| o.iter().any(|s| s == section));
    // `--tier baseline,optimizing,tiered`: measure some tiers only.
    let tiers: Vec<Tier> = match args.iter().position(|a| a == "--tier") {
        None => TIERS.to_vec(),
        Some(i) => TIERS
            .into_iter()
            .filter(|t| {
                args.get(i + 1)
                    .is_some_and(|l| l.split(',').any(|n| n == t.name()))
            })
            .collect(),
    };
    let scale = |n: usize| if quick { n.div_ceil(3).max(1) } else { n };
    // `--write-generated PATH [--generated-bytes N]`: write the generated
    // module (to profile compiling it) and exit.
    if let Some(path) = args
        .iter()
        .position(|a| a == "--write-generated")
        .and_then(|i| args.get(i + 1))
    {
        // `--generated-bytes N`: a smaller (or larger) module of the same kind.
        let size = args
            .iter()
            .position(|a| a == "--generated-bytes")
            .and_then(|i| args.get(i + 1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(GENERATED_CODE_BYTES);
        let bytes = generate_module(size, GENERATED_SEED);
        std::fs::write(path, &bytes).expect("write the generated module");
        eprintln!("wrote {} bytes to {path}", bytes.len());
        return;
    }
    let load_before = loadavg();
    let started = Instant::now();
    let mut report = Report::default();

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if run("compile") {
        let mut inputs: Vec<Input> = Vec::new();
        match suite_modules(&root.join("target").join("suite")) {
            Ok(mods) => inputs.extend(mods),
            Err(note) => report.notes.push(note),
        }
        match rust_workload_module(root) {
            Ok(input) => inputs.push(input),
            Err(note) => report.notes.push(note),
        }
        let t0 = Instant::now();
        let generated = generate_module(GENERATED_CODE_BYTES, GENERATED_SEED);
        let gen_stats = code_stats(&generated);
        eprintln!(
            "generated module: {} bytes of code in {} functions, in {:.2} s",
            gen_stats.code_bytes,
            gen_stats.functions,
            secs(t0.elapsed())
        );
        assert!(
            gen_stats.code_bytes >= 10 * 1024 * 1024,
            "generated code section too small"
        );
        inputs.push(Input {
            name: "generated".to_string(),
            stats: gen_stats,
            bytes: generated,
            generated: true,
            large: true,
        });
        compile_throughput(
            &inputs,
            &mut report,
            &tiers,
            quick,
            scale(SUITE_COMPILE_RUNS),
        );
        for input in inputs.iter().filter(|i| i.large) {
            v8_compile(input, &mut report, quick);
            wasmtime_compile(input, &mut report, quick);
        }
    }
    if run("first") {
        first_result(&mut report, &tiers, scale(FIRST_RESULT_RUNS));
    }
    if run("instantiate") {
        instantiation(&mut report, &tiers, scale(INSTANTIATE_ITERS));
    }
    if run("calls") {
        calls(&mut report, &tiers, scale(CALL_BATCHES));
    }

    report.total = started.elapsed();
    report.load = (load_before, loadavg());
    let cmd = args
        .iter()
        .skip(1)
        .filter(|a| *a != "--bench")
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    let md = report.markdown(quick, &cmd);
    println!("{md}");
    if only.is_some() || tiers.len() < TIERS.len() {
        eprintln!("partial run (--only/--tier): RESULTS.md not written");
        return;
    }
    let out = root.join("benches").join("startup").join("RESULTS.md");
    std::fs::create_dir_all(out.parent().unwrap()).expect("create benches/startup");
    std::fs::write(&out, &md).expect("write RESULTS.md");
    eprintln!("wrote {}", out.display());
}

// ---------------------------------------------------------------------------
// Measurements

/// An engine for `tier`; `lazy`: `Some` pins lazy compilation on or off,
/// `None` keeps the default (lazy for tiered, eager otherwise).
fn engine(tier: Tier, threads: Option<usize>, lazy: Option<bool>) -> Engine {
    let mut config = Config::new();
    config.tier(tier);
    if let Some(n) = threads {
        config.compile_threads(n);
    }
    if let Some(on) = lazy {
        config.lazy_compilation(on);
    }
    Engine::new(&config).expect("engine")
}

fn median(xs: &mut [f64]) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// CPU time used so far by all threads of this process, in seconds.
fn process_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write to.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Threads the engine uses by default (mirrors `Config`'s documented
/// default: one less than the cores, at least one).
fn default_threads() -> usize {
    cores().saturating_sub(1).max(1)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

struct Input {
    name: String,
    stats: CodeStats,
    bytes: Vec<u8>,
    /// The generated module: its first call is timed too.
    generated: bool,
    /// Megabytes of code: fewer runs, and the reference engines compile it.
    large: bool,
}

struct CompileRow {
    module: String,
    code_bytes: usize,
    functions: u32,
    tier: Tier,
    /// Lazy compilation (only validation in `Module::new`).
    lazy: bool,
    threads: String,
    runs: usize,
    median_s: f64,
    min_s: f64,
    /// Median CPU time of the process (all threads) during `Module::new`.
    cpu_s: f64,
    /// Generated module only: median time from `Module::new` to the result
    /// of the first call (compile + instantiate + call of a leaf export).
    first_result_s: Option<f64>,
}

impl CompileRow {
    /// The tier, and for tiered whether compilation was eager or lazy.
    fn label(&self) -> String {
        match (self.tier, self.lazy) {
            (Tier::Tiered, true) => "tiered, lazy (default): validation only".to_string(),
            (Tier::Tiered, false) => "tiered, eager".to_string(),
            (t, _) => t.name().to_string(),
        }
    }
    fn mbs(&self) -> f64 {
        self.code_bytes as f64 / 1e6 / self.median_s
    }
    /// MB per CPU-second (all threads): on one thread, what an uncontended
    /// core gives even when other processes took turns on it.
    fn cpu_mbs(&self) -> f64 {
        self.code_bytes as f64 / 1e6 / self.cpu_s
    }
    /// One compile thread, yet the wall clock ran well ahead of the CPU time:
    /// other processes took the core for part of the time.
    fn contended(&self) -> bool {
        self.threads.starts_with('1') && self.median_s > 1.15 * self.cpu_s
    }
}

fn compile_throughput(
    inputs: &[Input],
    report: &mut Report,
    tiers: &[Tier],
    quick: bool,
    suite_runs: usize,
) {
    // (tier, threads: None = the engine's default, lazy). Throughput rows
    // compile everything in `Module::new` (eager); the last row is the
    // tiered engine's default, lazy compilation, where `Module::new` only
    // validates and the first call of each function compiles it.
    let mut configs: Vec<(Tier, Option<usize>, bool)> =
        tiers.iter().map(|&t| (t, Some(1), false)).collect();
    if default_threads() > 1 {
        configs.push((Tier::Baseline, None, false));
        configs.push((Tier::Optimizing, None, false));
        configs.push((Tier::Tiered, None, false));
    } else if cores() > 1 {
        // The default is one thread here (the rows above): show instead
        // what all cores give.
        configs.push((Tier::Baseline, Some(cores()), false));
        configs.push((Tier::Optimizing, Some(cores()), false));
        configs.push((Tier::Tiered, Some(cores()), false));
    }
    configs.push((Tier::Tiered, Some(1), true));
    configs.retain(|(t, _, _)| tiers.contains(t));
    for input in inputs {
        for &(tier, threads, lazy) in &configs {
            let runs = match (input.large, tier) {
                (false, _) => suite_runs,
                (true, Tier::Optimizing) if quick => 1,
                (true, Tier::Optimizing) => GENERATED_OPT_RUNS,
                (true, _) if quick => 2,
                (true, _) => GENERATED_FAST_RUNS,
            };
            let engine = engine(tier, threads, Some(lazy));
            let mut times = Vec::with_capacity(runs);
            let mut firsts = Vec::with_capacity(runs);
            let mut cpu = Vec::with_capacity(runs);
            for _ in 0..runs {
                let c0 = process_cpu();
                let t0 = Instant::now();
                let module = Module::new(&engine, &input.bytes).expect("compile");
                let compiled = t0.elapsed();
                cpu.push(process_cpu() - c0);
                times.push(secs(compiled));
                if input.generated {
                    let mut store = Store::new(&engine, ());
                    let instance = Instance::new(&mut store, &module, &[]).expect("instantiate");
                    let entry: TypedFunc<(i32, i32), i32> = instance
                        .get_typed_func(&mut store, "entry")
                        .expect("entry export");
                    black_box(entry.call(&mut store, (3, 7)).expect("entry call"));
                    firsts.push(secs(t0.elapsed()));
                }
                drop(module);
            }
            let threads = match threads {
                None => format!("default ({})", default_threads()),
                Some(1) if default_threads() == 1 => "1 (default)".to_string(),
                Some(n) if n == cores() && n > 1 => format!("{n} (all cores)"),
                Some(n) => n.to_string(),
            };
            let row = CompileRow {
                module: input.name.clone(),
                code_bytes: input.stats.code_bytes,
                functions: input.stats.functions,
                tier,
                lazy,
                threads,
                runs,
                min_s: times.iter().copied().fold(f64::INFINITY, f64::min),
                median_s: median(&mut times),
                cpu_s: median(&mut cpu),
                first_result_s: (!firsts.is_empty()).then(|| median(&mut firsts)),
            };
            eprintln!(
                "compile {:<12} {:<10} threads {:<16} {:>9.2} ms {:>8.2} MB/s",
                row.module,
                row.label(),
                row.threads,
                row.median_s * 1e3,
                row.mbs()
            );
            report.compile.push(row);
        }
    }
}

const FIB_WAT: &str = r#"
(module
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_s (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2))))))))
"#;

struct FirstResultRow {
    tier: Tier,
    compile_us: f64,
    instantiate_us: f64,
    call_us: f64,
    total_us: f64,
}

fn first_result(report: &mut Report, tiers: &[Tier], runs: usize) {
    let wasm = wat::parse_str(FIB_WAT).expect("fib module");
    report.fib_bytes = wasm.len();
    for &tier in tiers {
        let engine = engine(tier, None, None);
        let (mut c, mut i, mut k, mut t) = (vec![], vec![], vec![], vec![]);
        for _ in 0..runs {
            let t0 = Instant::now();
            let module = Module::new(&engine, &wasm).expect("compile");
            let t1 = Instant::now();
            let mut store = Store::new(&engine, ());
            let instance = Instance::new(&mut store, &module, &[]).expect("instantiate");
            let fib: TypedFunc<i32, i32> = instance.get_typed_func(&mut store, "fib").expect("fib");
            let t2 = Instant::now();
            let r = fib.call(&mut store, black_box(FIB_ARG)).expect("fib call");
            let t3 = Instant::now();
            assert_eq!(r, FIB_RESULT);
            c.push(secs(t1 - t0) * 1e6);
            i.push(secs(t2 - t1) * 1e6);
            k.push(secs(t3 - t2) * 1e6);
            t.push(secs(t3 - t0) * 1e6);
            drop(store);
            drop(module);
        }
        let row = FirstResultRow {
            tier,
            compile_us: median(&mut c),
            instantiate_us: median(&mut i),
            call_us: median(&mut k),
            total_us: median(&mut t),
        };
        eprintln!("first result {:<10} {:>9.1} us", tier.name(), row.total_us);
        report.first.push(row);
    }
}

/// A small module: a memory, a table, a few globals and functions, an
/// element and a data segment, no start function.
const SMALL_WAT: &str = r#"
(module
  (type $binop (func (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (table (export "table") 4 funcref)
  (global $counter (export "counter") (mut i32) (i32.const 0))
  (global $wide (mut i64) (i64.const 1))
  (global $scale f64 (f64.const 2.5))
  (global $base i32 (i32.const 1024))
  (elem (i32.const 0) $add $sub $mul)
  (data (i32.const 16) "strata start-up")
  (func $add (export "add") (type $binop) (i32.add (local.get 0) (local.get 1)))
  (func $sub (type $binop) (i32.sub (local.get 0) (local.get 1)))
  (func $mul (type $binop) (i32.mul (local.get 0) (local.get 1)))
  (func (export "apply") (param $op i32) (param $a i32) (param $b i32) (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (call_indirect (type $binop) (local.get $a) (local.get $b) (local.get $op)))
  (func (export "load") (param $p i32) (result i32)
    (i32.load offset=16 (local.get $p))))
"#;

struct InstRow {
    tier: Tier,
    instantiate_us: f64,
    instantiate_mean_us: f64,
    store_cycle_us: f64,
}

fn instantiation(report: &mut Report, tiers: &[Tier], iters: usize) {
    let wasm = wat::parse_str(SMALL_WAT).expect("small module");
    report.small_bytes = wasm.len();
    for &tier in tiers {
        let engine = engine(tier, None, None);
        let module = Module::new(&engine, &wasm).expect("compile");
        // Warm up (trampolines, signal handlers, allocator).
        for _ in 0..100 {
            let mut store = Store::new(&engine, ());
            black_box(Instance::new(&mut store, &module, &[]).expect("instantiate"));
        }
        let mut inst = Vec::with_capacity(iters);
        let mut cycle = Vec::with_capacity(iters);
        for _ in 0..iters {
            let t0 = Instant::now();
            let mut store = Store::new(&engine, ());
            let t1 = Instant::now();
            let instance = Instance::new(&mut store, &module, &[]).expect("instantiate");
            let t2 = Instant::now();
            black_box(instance);
            drop(store);
            let t3 = Instant::now();
            inst.push(secs(t2 - t1) * 1e6);
            cycle.push(secs(t3 - t0) * 1e6);
        }
        let mean = inst.iter().sum::<f64>() / inst.len() as f64;
        let row = InstRow {
            tier,
            instantiate_us: median(&mut inst),
            instantiate_mean_us: mean,
            store_cycle_us: median(&mut cycle),
        };
        eprintln!(
            "instantiate {:<10} {:>7.2} us (store+instantiate+drop {:.2} us)",
            tier.name(),
            row.instantiate_us,
            row.store_cycle_us
        );
        report.inst.push(row);
    }
    report.inst_iters = iters;
}

/// Loops that call a host function, a wasm function, or nothing, `n` times.
const LOOPS_WAT: &str = r#"
(module
  (import "host" "inc" (func $host_inc (param i32) (result i32)))
  (func $add (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func $wasm_inc (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 1)))
  (func (export "loop_host") (param $n i32) (result i32) (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (call $host_inc (local.get $acc)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $acc))
  (func (export "loop_wasm") (param $n i32) (result i32) (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (call $wasm_inc (local.get $acc)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $acc))
  (func (export "loop_empty") (param $n i32) (result i32) (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $acc)))
"#;

struct CallRow {
    tier: Tier,
    host_to_wasm_ns: f64,
    host_to_wasm_best_ns: f64,
    /// `Func::call` of the same function with `Val`s.
    dynamic_ns: f64,
    loop_host_ns: f64,
    loop_wasm_ns: f64,
    loop_empty_ns: f64,
}

fn calls(report: &mut Report, tiers: &[Tier], batches: usize) {
    let wasm = wat::parse_str(LOOPS_WAT).expect("loops module");
    for &tier in tiers {
        let engine = engine(tier, None, None);
        let module = Module::new(&engine, &wasm).expect("compile");
        let mut store = Store::new(&engine, ());
        let inc = Func::wrap(&mut store, |x: i32| x.wrapping_add(1)).expect("host func");
        let instance = Instance::new(&mut store, &module, &[inc.into()]).expect("instantiate");
        let add: TypedFunc<(i32, i32), i32> =
            instance.get_typed_func(&mut store, "add").expect("add");
        let loop_fn = |name: &str, store: &mut Store<()>| -> TypedFunc<i32, i32> {
            instance.get_typed_func(store, name).expect(name)
        };
        let loops = [
            loop_fn("loop_host", &mut store),
            loop_fn("loop_wasm", &mut store),
            loop_fn("loop_empty", &mut store),
        ];

        // Host to wasm: typed calls of `add`, the result feeding the next call.
        let mut acc = 0i32;
        for i in 0..(CALLS_PER_BATCH / 10) as i32 {
            acc = add.call(&mut store, (acc, i)).unwrap();
        }
        let mut per_call = Vec::with_capacity(batches);
        for _ in 0..batches {
            let t0 = Instant::now();
            for i in 0..CALLS_PER_BATCH as i32 {
                acc = add.call(&mut store, (acc, black_box(i))).unwrap();
            }
            per_call.push(secs(t0.elapsed()) * 1e9 / CALLS_PER_BATCH as f64);
        }
        black_box(acc);
        let host_to_wasm_best_ns = per_call.iter().copied().fold(f64::INFINITY, f64::min);
        let host_to_wasm_ns = median(&mut per_call);

        // The same calls through the dynamic API (`Func::call` with `Val`s).
        let add_dyn = add.func();
        let mut out = [Val::I32(0)];
        let mut per_call = Vec::with_capacity(batches);
        for _ in 0..batches {
            let t0 = Instant::now();
            for i in 0..(CALLS_PER_BATCH / 4) as i32 {
                add_dyn
                    .call(
                        &mut store,
                        &[Val::I32(acc), Val::I32(black_box(i))],
                        &mut out,
                    )
                    .unwrap();
                acc = out[0].i32().expect("i32 result");
            }
            per_call.push(secs(t0.elapsed()) * 1e9 / (CALLS_PER_BATCH / 4) as f64);
        }
        black_box(acc);
        let dynamic_ns = median(&mut per_call);

        // The loops: one warm-up call each (for the tiered engine: tier-up),
        // then batches, interleaved.
        for f in &loops {
            assert_eq!(f.call(&mut store, LOOP_ITERS).unwrap(), LOOP_ITERS);
        }
        let mut per_iter = [vec![], vec![], vec![]];
        for _ in 0..batches {
            for (k, f) in loops.iter().enumerate() {
                let t0 = Instant::now();
                let r = f.call(&mut store, black_box(LOOP_ITERS)).unwrap();
                per_iter[k].push(secs(t0.elapsed()) * 1e9 / LOOP_ITERS as f64);
                assert_eq!(r, LOOP_ITERS);
            }
        }
        let [h, w, e] = &mut per_iter;
        let row = CallRow {
            tier,
            host_to_wasm_ns,
            host_to_wasm_best_ns,
            dynamic_ns,
            loop_host_ns: median(h),
            loop_wasm_ns: median(w),
            loop_empty_ns: median(e),
        };
        eprintln!(
            "calls {:<10} host->wasm {:.1} ns (dynamic {:.1}), wasm->host loop {:.1} ns/iter (wasm callee {:.1}, empty {:.1})",
            tier.name(),
            row.host_to_wasm_ns,
            row.dynamic_ns,
            row.loop_host_ns,
            row.loop_wasm_ns,
            row.loop_empty_ns
        );
        report.calls.push(row);
    }
    report.call_batches = batches;
}

// ---------------------------------------------------------------------------
// Modules

#[derive(Clone, Copy)]
struct CodeStats {
    code_bytes: usize,
    functions: u32,
}

/// The size of the code section's contents and its function count.
fn code_stats(wasm: &[u8]) -> CodeStats {
    let mut stats = CodeStats {
        code_bytes: 0,
        functions: 0,
    };
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::CodeSectionStart {
            count,
            unchecked_range,
            ..
        } = payload.expect("parse module")
        {
            stats.code_bytes = (unchecked_range.end - unchecked_range.start) as usize;
            stats.functions = count;
        }
    }
    stats
}

/// The suite's `SUITE_MODULES` largest code sections.
fn suite_modules(dir: &Path) -> Result<Vec<Input>, String> {
    let missing = || {
        format!(
            "no suite modules in {}: run `python3 benches/suite/run.py` (needs clang and \
             wasi-libc) to build them; suite rows skipped.",
            dir.display()
        )
    };
    let entries = std::fs::read_dir(dir).map_err(|_| missing())?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .collect();
    paths.sort();
    let mut mods: Vec<Input> = paths
        .iter()
        .filter_map(|p| {
            let bytes = std::fs::read(p).ok()?;
            let stats = code_stats(&bytes);
            Some(Input {
                name: p.file_name()?.to_string_lossy().into_owned(),
                stats,
                bytes,
                generated: false,
                large: false,
            })
        })
        .collect();
    if mods.is_empty() {
        return Err(missing());
    }
    mods.sort_by_key(|m| std::cmp::Reverse(m.stats.code_bytes));
    mods.truncate(SUITE_MODULES);
    Ok(mods)
}

/// `tests/programs/rust-workload` for wasm32-wasip1, built with cargo
/// (release, its own lock file) into `target/rust-workload`; an `Err` note
/// when the rustup target or the build is missing.
fn rust_workload_module(root: &Path) -> Result<Input, String> {
    const TARGET: &str = "wasm32-wasip1";
    let skipped = |why: String| format!("rust-workload rows skipped: {why}");
    if !cargo_build::have_target(TARGET) {
        return Err(skipped(format!(
            "no rustup target {TARGET} (rustup target add {TARGET})"
        )));
    }
    eprintln!("building tests/programs/rust-workload for {TARGET}");
    let path = cargo_build::build(
        &root.join("tests/programs"),
        "rust-workload",
        Some(TARGET),
        &root.join("target").join("rust-workload"),
    )
    .map_err(skipped)?;
    let bytes = std::fs::read(&path).map_err(|e| skipped(format!("{}: {e}", path.display())))?;
    Ok(Input {
        name: "rust-workload".to_string(),
        stats: code_stats(&bytes),
        bytes,
        generated: false,
        large: true,
    })
}

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u32) -> u32 {
        (self.next() % u64::from(n)) as u32
    }
    /// True with probability `pct` percent.
    fn chance(&mut self, pct: u32) -> bool {
        self.below(100) < pct
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u32) as usize]
    }
}

/// The generated module's function types: (params, result).
const FUNC_TYPES: [(&[ValType], Option<ValType>); 4] = [
    (&[ValType::I32, ValType::I32], Some(ValType::I32)),
    (&[ValType::I32, ValType::I64], Some(ValType::I64)),
    (&[ValType::I32, ValType::F64], Some(ValType::F64)),
    (&[ValType::I32, ValType::I32], None),
];
/// Globals: mutable i32, i64, f64, i32.
const GLOBALS: [ValType; 4] = [ValType::I32, ValType::I64, ValType::F64, ValType::I32];
/// Functions in the table (for `call_indirect`).
const TABLE_SIZE: u32 = 64;
/// Locals declared by every generated function (after its two parameters):
/// general i32 locals, loop counters (one per loop nesting level), i64, f64.
const GEN_I32_LOCALS: u32 = 4;
const MAX_DEPTH: u32 = 3;
const GEN_I64_LOCALS: u32 = 2;
const GEN_F64_LOCALS: u32 = 2;

/// A deterministic module of many functions of realistic shape: arithmetic
/// on locals of all types, loads and stores, counted loops with early exits,
/// `if`/`else`, blocks left with `br_if`, direct calls to recent functions and
/// `call_indirect` through a table, and global updates. Functions call only
/// earlier functions; the export `entry` (function 0) calls nothing, always
/// terminates and never traps. The code section grows until it has at least
/// `code_bytes` bytes.
fn generate_module(code_bytes: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut code = CodeSection::new();
    let mut func_types: Vec<u32> = Vec::new();
    while code.byte_len() < code_bytes {
        let index = func_types.len() as u32;
        let ty = if index == 0 { 0 } else { rng.below(4) };
        let mut g = FuncGen {
            rng: &mut rng,
            index,
            ty,
            func_types: &func_types,
            body: Vec::new(),
            loop_level: 0,
        };
        let body = g.function();
        code.function(&body);
        func_types.push(ty);
    }

    let mut types = TypeSection::new();
    for (params, result) in FUNC_TYPES {
        types.ty().function(params.iter().copied(), result);
    }
    let mut functions = FunctionSection::new();
    for &t in &func_types {
        functions.function(t);
    }
    let mut tables = TableSection::new();
    tables.table(TableType {
        element_type: RefType::FUNCREF,
        table64: false,
        minimum: u64::from(TABLE_SIZE),
        maximum: Some(u64::from(TABLE_SIZE)),
        shared: false,
    });
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: 1,
        maximum: Some(16),
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut globals = GlobalSection::new();
    for (i, &t) in GLOBALS.iter().enumerate() {
        let init = match t {
            ValType::I64 => ConstExpr::i64_const(i as i64),
            ValType::F64 => ConstExpr::f64_const((i as f64).into()),
            _ => ConstExpr::i32_const(i as i32),
        };
        globals.global(
            GlobalType {
                val_type: t,
                mutable: true,
                shared: false,
            },
            &init,
        );
    }
    let mut exports = ExportSection::new();
    exports.export("entry", ExportKind::Func, 0);
    exports.export("memory", ExportKind::Memory, 0);
    for i in (97..func_types.len() as u32).step_by(97) {
        exports.export(&format!("f{i}"), ExportKind::Func, i);
    }
    let mut elements = ElementSection::new();
    let table_funcs: Vec<u32> = (0..TABLE_SIZE.min(func_types.len() as u32)).collect();
    elements.active(
        None,
        &ConstExpr::i32_const(0),
        Elements::Functions(table_funcs.into()),
    );

    let mut module = wasm_encoder::Module::new();
    module
        .section(&types)
        .section(&functions)
        .section(&tables)
        .section(&memories)
        .section(&globals)
        .section(&exports)
        .section(&elements)
        .section(&code);
    module.finish()
}

struct FuncGen<'a> {
    rng: &'a mut Rng,
    index: u32,
    ty: u32,
    func_types: &'a [u32],
    body: Vec<u8>,
    loop_level: u32,
}

impl FuncGen<'_> {
    fn sink(&mut self) -> InstructionSink<'_> {
        InstructionSink::new(&mut self.body)
    }

    fn function(&mut self) -> Function {
        let mut f = Function::new([
            (GEN_I32_LOCALS + MAX_DEPTH, ValType::I32),
            (GEN_I64_LOCALS, ValType::I64),
            (GEN_F64_LOCALS, ValType::F64),
        ]);
        let n = 8 + self.rng.below(24);
        for _ in 0..n {
            self.stmt(0);
        }
        if let Some(t) = FUNC_TYPES[self.ty as usize].1 {
            self.expr(t, 0);
        }
        self.sink().end();
        f.raw(std::mem::take(&mut self.body));
        f
    }

    fn param1(&self) -> ValType {
        FUNC_TYPES[self.ty as usize].0[1]
    }

    /// Locals of type `t` that statements may assign (not loop counters).
    fn writable(&self, t: ValType) -> Vec<u32> {
        let base_i64 = 2 + GEN_I32_LOCALS + MAX_DEPTH;
        let base_f64 = base_i64 + GEN_I64_LOCALS;
        let mut v: Vec<u32> = match t {
            ValType::I32 => (2..2 + GEN_I32_LOCALS).chain([0]).collect(),
            ValType::I64 => (base_i64..base_i64 + GEN_I64_LOCALS).collect(),
            _ => (base_f64..base_f64 + GEN_F64_LOCALS).collect(),
        };
        if self.param1() == t {
            v.push(1);
        }
        v
    }

    /// Locals of type `t` that expressions may read.
    fn readable(&self, t: ValType) -> Vec<u32> {
        let mut v = self.writable(t);
        if t == ValType::I32 {
            v.extend((2 + GEN_I32_LOCALS)..(2 + GEN_I32_LOCALS + self.loop_level));
        }
        v
    }

    fn counter(level: u32) -> u32 {
        2 + GEN_I32_LOCALS + level
    }

    fn stmt(&mut self, depth: u32) {
        let nested = depth < MAX_DEPTH;
        let roll = self.rng.below(100);
        match roll {
            0..=33 => {
                let t = self.val_type();
                self.expr(t, 1);
                let l = self.rng.pick(&self.writable(t));
                self.sink().local_set(l);
            }
            34..=45 => self.store(),
            46..=53 => {
                let g = self.rng.below(GLOBALS.len() as u32);
                let t = GLOBALS[g as usize];
                self.sink().global_get(g);
                self.expr(t, 2);
                match t {
                    ValType::I32 => self.sink().i32_add(),
                    ValType::I64 => self.sink().i64_xor(),
                    _ => self.sink().f64_add(),
                };
                self.sink().global_set(g);
            }
            54..=67 if self.index > 0 => self.call(),
            68..=79 if nested => {
                self.expr(ValType::I32, 1);
                let bt = BlockType::Empty;
                self.sink().if_(bt);
                for _ in 0..1 + self.rng.below(3) {
                    self.stmt(depth + 1);
                }
                if self.rng.chance(50) {
                    self.sink().else_();
                    for _ in 0..1 + self.rng.below(3) {
                        self.stmt(depth + 1);
                    }
                }
                self.sink().end();
            }
            80..=91 if nested => {
                // for (c = 0; ; ) { body; [if (cond) break;] if (++c < k) continue; break; }
                let c = Self::counter(self.loop_level);
                let k = 2 + self.rng.below(15) as i32;
                self.sink().i32_const(0).local_set(c);
                self.sink().block(BlockType::Empty).loop_(BlockType::Empty);
                self.loop_level += 1;
                for _ in 0..1 + self.rng.below(4) {
                    self.stmt(depth + 1);
                }
                if self.rng.chance(30) {
                    self.expr(ValType::I32, 2);
                    self.sink().br_if(1);
                }
                self.loop_level -= 1;
                self.sink()
                    .local_get(c)
                    .i32_const(1)
                    .i32_add()
                    .local_tee(c)
                    .i32_const(k)
                    .i32_lt_u()
                    .br_if(0)
                    .end()
                    .end();
            }
            92..=99 if nested => {
                self.sink().block(BlockType::Empty);
                self.stmt(depth + 1);
                self.expr(ValType::I32, 2);
                self.sink().br_if(0);
                self.stmt(depth + 1);
                self.sink().end();
            }
            _ => {
                let l = self.rng.pick(&self.writable(ValType::I32));
                self.sink().local_get(l).i32_const(1).i32_add().local_set(l);
            }
        }
    }

    fn val_type(&mut self) -> ValType {
        match self.rng.below(10) {
            0..=5 => ValType::I32,
            6..=7 => ValType::I64,
            _ => ValType::F64,
        }
    }

    /// An in-bounds address (below 64 KiB) and a memory argument.
    fn addr(&mut self, align: u32) -> MemArg {
        let l = self.rng.pick(&self.readable(ValType::I32));
        self.sink().local_get(l).i32_const(0xfff0).i32_and();
        MemArg {
            offset: u64::from(self.rng.below(32) * 8),
            align,
            target: MemArgTarget::Memory(0),
            ordering: None,
        }
    }

    fn store(&mut self) {
        let t = self.val_type();
        match t {
            ValType::I32 => {
                let m = self.addr(2);
                self.expr(t, 1);
                if self.rng.chance(30) {
                    self.sink().i32_store8(MemArg { align: 0, ..m });
                } else {
                    self.sink().i32_store(m);
                }
            }
            ValType::I64 => {
                let m = self.addr(3);
                self.expr(t, 1);
                self.sink().i64_store(m);
            }
            _ => {
                let m = self.addr(3);
                self.expr(t, 1);
                self.sink().f64_store(m);
            }
        }
    }

    fn call(&mut self) {
        let indirect = self.rng.chance(15);
        let (callee_ty, callee) = if indirect {
            (self.rng.below(4), None)
        } else {
            // Mostly recent functions, as in compiled code.
            let lo = self.index.saturating_sub(200);
            let f = lo + self.rng.below(self.index - lo);
            (self.func_types[f as usize], Some(f))
        };
        let (params, result) = FUNC_TYPES[callee_ty as usize];
        for &p in params {
            self.expr(p, 2);
        }
        match callee {
            Some(f) => {
                self.sink().call(f);
            }
            None => {
                self.expr(ValType::I32, 2);
                self.sink()
                    .i32_const(TABLE_SIZE as i32 - 1)
                    .i32_and()
                    .call_indirect(0, callee_ty);
            }
        }
        if let Some(t) = result {
            if self.rng.chance(80) {
                let l = self.rng.pick(&self.writable(t));
                self.sink().local_set(l);
            } else {
                self.sink().drop();
            }
        }
    }

    fn expr(&mut self, t: ValType, depth: u32) {
        if depth >= 4 || self.rng.chance(30) {
            return self.leaf(t);
        }
        let d = depth + 1;
        let roll = self.rng.below(100);
        match t {
            ValType::I32 => match roll {
                0..=49 => {
                    self.expr(t, d);
                    self.expr(t, d);
                    let mut s = self.sink();
                    match roll % 10 {
                        0 | 1 => s.i32_add(),
                        2 => s.i32_sub(),
                        3 => s.i32_mul(),
                        4 => s.i32_and(),
                        5 => s.i32_or(),
                        6 => s.i32_xor(),
                        7 => s.i32_shl(),
                        8 => s.i32_shr_u(),
                        _ => s.i32_rotl(),
                    };
                }
                50..=64 => {
                    let ct = self.val_type();
                    self.expr(ct, d);
                    self.expr(ct, d);
                    let mut s = self.sink();
                    match (ct, roll % 3) {
                        (ValType::I32, 0) => s.i32_lt_s(),
                        (ValType::I32, 1) => s.i32_eq(),
                        (ValType::I32, _) => s.i32_gt_u(),
                        (ValType::I64, 0) => s.i64_lt_s(),
                        (ValType::I64, _) => s.i64_ne(),
                        (_, 0) => s.f64_lt(),
                        (_, _) => s.f64_ge(),
                    };
                }
                65..=79 => {
                    if roll.is_multiple_of(2) {
                        let m = self.addr(2);
                        self.sink().i32_load(m);
                    } else {
                        let m = self.addr(0);
                        self.sink().i32_load8_u(m);
                    }
                }
                80..=86 => {
                    self.expr(t, d);
                    self.expr(t, d);
                    self.sink().i32_const(1).i32_or().i32_div_u();
                }
                87..=92 => {
                    if roll.is_multiple_of(2) {
                        self.expr(ValType::I64, d);
                        self.sink().i32_wrap_i64();
                    } else {
                        self.expr(ValType::F64, d);
                        self.sink().i32_trunc_sat_f64_s();
                    }
                }
                93..=96 => {
                    self.expr(t, d);
                    self.expr(t, d);
                    self.expr(ValType::I32, d);
                    self.sink().select();
                }
                _ => {
                    self.expr(t, d);
                    self.sink().i32_eqz();
                }
            },
            ValType::I64 => match roll {
                0..=59 => {
                    self.expr(t, d);
                    self.expr(t, d);
                    let mut s = self.sink();
                    match roll % 6 {
                        0 | 1 => s.i64_add(),
                        2 => s.i64_mul(),
                        3 => s.i64_xor(),
                        4 => s.i64_shr_u(),
                        _ => s.i64_sub(),
                    };
                }
                60..=79 => {
                    self.expr(ValType::I32, d);
                    if roll.is_multiple_of(2) {
                        self.sink().i64_extend_i32_s();
                    } else {
                        self.sink().i64_extend_i32_u();
                    }
                }
                _ => {
                    let m = self.addr(3);
                    self.sink().i64_load(m);
                }
            },
            _ => match roll {
                0..=54 => {
                    self.expr(t, d);
                    self.expr(t, d);
                    let mut s = self.sink();
                    match roll % 5 {
                        0 | 1 => s.f64_add(),
                        2 => s.f64_mul(),
                        3 => s.f64_sub(),
                        _ => s.f64_div(),
                    };
                }
                55..=69 => {
                    self.expr(ValType::I32, d);
                    self.sink().f64_convert_i32_s();
                }
                70..=79 => {
                    self.expr(t, d);
                    if roll.is_multiple_of(2) {
                        self.sink().f64_sqrt();
                    } else {
                        self.sink().f64_abs();
                    }
                }
                _ => {
                    let m = self.addr(3);
                    self.sink().f64_load(m);
                }
            },
        }
    }

    fn leaf(&mut self, t: ValType) {
        let roll = self.rng.below(100);
        if roll < 60 {
            let l = self.rng.pick(&self.readable(t));
            self.sink().local_get(l);
        } else if roll < 90 {
            let v = self.rng.next();
            let mut s = self.sink();
            match t {
                ValType::I32 => s.i32_const((v as i32) >> (v % 24)),
                ValType::I64 => s.i64_const((v as i64) >> (v % 48)),
                _ => s.f64_const(((v % 10_000) as f64 / 7.0).into()),
            };
        } else {
            let g = match t {
                ValType::I32 => self.rng.pick(&[0, 3]),
                ValType::I64 => 1,
                _ => 2,
            };
            self.sink().global_get(g);
        }
    }
}

// ---------------------------------------------------------------------------
// V8 as a reference

/// A reference engine's compiler on one of the large modules.
struct RefRow {
    module: String,
    compiler: &'static str,
    flags: &'static str,
    runs: usize,
    median_s: f64,
    min_s: f64,
    code_bytes: usize,
}

impl RefRow {
    /// The row of `times` (seconds, one per run; not empty).
    fn new(
        input: &Input,
        compiler: &'static str,
        flags: &'static str,
        mut times: Vec<f64>,
    ) -> Self {
        let min_s = times.iter().copied().fold(f64::INFINITY, f64::min);
        RefRow {
            module: input.name.clone(),
            compiler,
            flags,
            runs: times.len(),
            median_s: median(&mut times),
            min_s,
            code_bytes: input.stats.code_bytes,
        }
    }
}

/// Compiles `bytes` `runs` times with `new WebAssembly.Module` in node;
/// each run appends a custom section of its own (V8 caches modules by
/// their bytes). Prints one time in seconds per line.
const V8_SCRIPT: &str = r#"
const fs = require('fs');
const base = fs.readFileSync(process.argv[2]);
const runs = Number(process.argv[3]);
for (let i = 0; i < runs; i++) {
  // Custom section: id 0, size 5, name "x", 3 bytes that differ per run.
  const tag = Buffer.from([0, 5, 1, 0x78, i & 0xff, (i >> 8) & 0xff, process.pid & 0xff]);
  const bytes = Buffer.concat([base, tag]);
  const t = process.hrtime.bigint();
  new WebAssembly.Module(bytes);
  console.log(Number(process.hrtime.bigint() - t) / 1e9);
}
"#;

/// V8's Liftoff and TurboFan, each alone and on one thread, compiling
/// `input` (skipped with a note when `node` is not on PATH).
fn v8_compile(input: &Input, report: &mut Report, quick: bool) {
    let Ok(out) = std::process::Command::new("node").arg("--version").output() else {
        report
            .notes
            .push("node not found on PATH: no V8 comparison.".to_string());
        return;
    };
    report.node = format!("node {}", String::from_utf8_lossy(&out.stdout).trim());
    let dir = std::env::temp_dir();
    let module = dir.join(format!("strata-startup-{}.wasm", std::process::id()));
    let script = dir.join(format!("strata-startup-{}.cjs", std::process::id()));
    if std::fs::write(&module, &input.bytes).is_err() || std::fs::write(&script, V8_SCRIPT).is_err()
    {
        report
            .notes
            .push("could not write the V8 comparison's files: skipped.".to_string());
        return;
    }
    const COMMON: [&str; 2] = ["--single-threaded", "--no-wasm-lazy-compilation"];
    let compilers: [(&'static str, &'static str, usize); 2] = [
        (
            "Liftoff",
            "--liftoff --no-wasm-tier-up",
            if quick { 3 } else { 7 },
        ),
        ("TurboFan", "--no-liftoff", if quick { 1 } else { 3 }),
    ];
    for (compiler, flags, runs) in compilers {
        eprintln!("V8 {compiler}: {runs} compiles of {}", input.name);
        let result = std::process::Command::new("node")
            .args(COMMON)
            .args(flags.split(' '))
            .arg(&script)
            .arg(&module)
            .arg(runs.to_string())
            .output();
        let times: Vec<f64> = match &result {
            Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter_map(|l| l.trim().parse().ok())
                .collect(),
            _ => Vec::new(),
        };
        if times.len() != runs {
            let why = match result {
                Ok(o) => String::from_utf8_lossy(&o.stderr).trim().to_string(),
                Err(e) => e.to_string(),
            };
            report
                .notes
                .push(format!("V8 {compiler} ({flags}) did not run: {why}"));
            continue;
        }
        report.v8.push(RefRow::new(input, compiler, flags, times));
    }
    let _ = std::fs::remove_file(&module);
    let _ = std::fs::remove_file(&script);
}

/// Wasmtime's Cranelift and Winch, each on one thread, compiling `input`
/// ahead of time with `wasmtime compile` (skipped with a
/// note when there is no `wasmtime`). Each run is one process, timed
/// from outside: its start-up and the writing of the `.cwasm` are in the
/// time (milliseconds, against the seconds the compile takes).
fn wasmtime_compile(input: &Input, report: &mut Report, quick: bool) {
    // `wasmtime` on PATH, else where benches/install-wasmtime.sh builds it.
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/wasmtime/bin/wasmtime");
    let found = [PathBuf::from("wasmtime"), local]
        .into_iter()
        .find_map(|exe| {
            let out = std::process::Command::new(&exe)
                .arg("--version")
                .output()
                .ok()?;
            out.status.success().then_some((exe, out))
        });
    let Some((exe, out)) = found else {
        report.notes.push(
            "wasmtime not found (on PATH or in target/wasmtime/bin, where benches/install-wasmtime.sh builds it): no Wasmtime comparison."
                .to_string(),
        );
        return;
    };
    report.wasmtime_version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let dir = std::env::temp_dir();
    let module = dir.join(format!("strata-startup-wt-{}.wasm", std::process::id()));
    let cwasm = dir.join(format!("strata-startup-wt-{}.cwasm", std::process::id()));
    if std::fs::write(&module, &input.bytes).is_err() {
        report
            .notes
            .push("could not write the Wasmtime comparison's module: skipped.".to_string());
        return;
    }
    let compilers: [(&'static str, &'static str, usize); 2] = [
        (
            "Cranelift",
            "-C compiler=cranelift -C parallel-compilation=n -C cache=n",
            if quick { 1 } else { 3 },
        ),
        (
            "Winch",
            "-C compiler=winch -C parallel-compilation=n -C cache=n",
            if quick { 1 } else { 5 },
        ),
    ];
    for (compiler, flags, runs) in compilers {
        eprintln!("Wasmtime {compiler}: {runs} compiles of {}", input.name);
        let mut times = Vec::with_capacity(runs);
        let mut failure = None;
        for _ in 0..runs {
            let t = Instant::now();
            let result = std::process::Command::new(&exe)
                .arg("compile")
                .args(flags.split(' '))
                .arg("-o")
                .arg(&cwasm)
                .arg(&module)
                .output();
            let elapsed = secs(t.elapsed());
            match result {
                Ok(o) if o.status.success() => times.push(elapsed),
                Ok(o) => {
                    failure = Some(String::from_utf8_lossy(&o.stderr).trim().to_string());
                    break;
                }
                Err(e) => {
                    failure = Some(e.to_string());
                    break;
                }
            }
        }
        if let Some(why) = failure {
            report
                .notes
                .push(format!("Wasmtime {compiler} ({flags}) did not run: {why}"));
            continue;
        }
        report
            .wasmtime
            .push(RefRow::new(input, compiler, flags, times));
    }
    let _ = std::fs::remove_file(&module);
    let _ = std::fs::remove_file(&cwasm);
}

// ---------------------------------------------------------------------------
// Report

#[derive(Default)]
struct Report {
    notes: Vec<String>,
    compile: Vec<CompileRow>,
    /// V8's compilers on the large modules, when `node` is on PATH.
    v8: Vec<RefRow>,
    /// `node --version`.
    node: String,
    /// Wasmtime's compilers on the large modules, when `wasmtime` is on
    /// PATH.
    wasmtime: Vec<RefRow>,
    /// `wasmtime --version`.
    wasmtime_version: String,
    first: Vec<FirstResultRow>,
    fib_bytes: usize,
    inst: Vec<InstRow>,
    inst_iters: usize,
    small_bytes: usize,
    calls: Vec<CallRow>,
    call_batches: usize,
    total: Duration,
    /// The 1-minute load average before and after the run.
    load: (String, String),
}

/// The 1-minute load average (other processes compete for the cores).
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".to_string())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

/// Today's date (UTC) as YYYY-MM-DD, from the system clock.
fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Howard Hinnant's civil_from_days.
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn verdict(met: bool, by: String) -> String {
    if met {
        format!("**met** ({by})")
    } else {
        format!("**missed** ({by})")
    }
}

/// A reference engine's rows: its compilers on the large modules.
fn ref_table(line: &mut impl FnMut(&str), flags_title: &str, rows: &[RefRow]) {
    line(&format!(
        "| module | compiler | {flags_title} | runs | median | min | MB/s |"
    ));
    line("|---|---|---|---:|---:|---:|---:|");
    for r in rows {
        line(&format!(
            "| {} | {} | `{}` | {} | {:.2} ms | {:.2} ms | **{:.2}** |",
            r.module,
            r.compiler,
            r.flags,
            r.runs,
            r.median_s * 1e3,
            r.min_s * 1e3,
            r.code_bytes as f64 / r.median_s / 1e6
        ));
    }
    line("");
}

impl Report {
    fn generated_row(&self, tier: Tier) -> Option<&CompileRow> {
        self.compile
            .iter()
            .find(|r| r.module == "generated" && r.tier == tier && r.threads.starts_with("1"))
    }

    fn markdown(&self, quick: bool, args: &str) -> String {
        let mut s = String::new();
        let mut line = |l: &str| {
            s.push_str(l);
            s.push('\n');
        };
        line("# strata start-up benchmark");
        line("");
        line(&format!(
            "Generated by `cargo bench --bench startup{}` on {} (UTC), in {:.0} s.",
            if args.is_empty() {
                String::new()
            } else {
                format!(" -- {args}")
            },
            today(),
            self.total.as_secs_f64()
        ));
        line("");
        line(&format!(
            "- CPU: {} ({} cores available)",
            cpu_model(),
            cores()
        ));
        line(&format!(
            "- 1-minute load average: {} before, {} after the run (the benchmark itself accounts for about 1; more means other processes competed for the {} cores)",
            self.load.0,
            self.load.1,
            cores()
        ));
        line(&format!(
            "- default compile threads: {} (one less than the cores, at least one)",
            default_threads()
        ));
        line(&format!(
            "- build: {} profile",
            if cfg!(debug_assertions) {
                "debug (numbers are meaningless)"
            } else {
                "release (bench)"
            }
        ));
        if quick {
            line("- **--quick**: fewer runs than a normal run; numbers are noisier.");
        }
        line("");
        line("All times are wall clock, medians of several runs. 1 MB = 10^6 bytes.");
        line("");

        // Targets.
        line("## Targets");
        line("");
        line("| target | measured | verdict |");
        line("|---|---:|---|");
        for (tier, target) in [
            (Tier::Baseline, TARGET_BASELINE_MBS),
            (Tier::Optimizing, TARGET_OPTIMIZING_MBS),
        ] {
            if let Some(r) = self.generated_row(tier) {
                let mbs = r.mbs();
                let ratio = mbs / target;
                let mut by = if mbs >= target {
                    format!("{ratio:.2}x the target")
                } else {
                    format!(
                        "{:.0}% short: {ratio:.2}x the target",
                        (1.0 - ratio) * 100.0
                    )
                };
                if r.contended() {
                    by.push_str(&format!(
                        "; wall clock inflated by other processes, by CPU time {:.2}x the target",
                        r.cpu_mbs() / target
                    ));
                }
                line(&format!(
                    "| {} compile throughput >= {target} MB/s, 1 thread (generated {:.1} MB module) | {mbs:.2} MB/s ({:.2} per CPU-second) | {} |",
                    tier.name(),
                    r.code_bytes as f64 / 1e6,
                    r.cpu_mbs(),
                    verdict(mbs >= target, by)
                ));
            }
        }
        if let Some(worst) = self
            .inst
            .iter()
            .map(|r| r.instantiate_us)
            .max_by(f64::total_cmp)
        {
            line(&format!(
                "| instantiation of a small module < {TARGET_INSTANTIATE_US} µs (slowest tier's median) | {worst:.2} µs | {} |",
                verdict(
                    worst < TARGET_INSTANTIATE_US,
                    format!("{:.2}x the target", worst / TARGET_INSTANTIATE_US)
                )
            ));
        }
        if let Some(worst) = self
            .calls
            .iter()
            .map(|r| r.host_to_wasm_ns)
            .max_by(f64::total_cmp)
        {
            line(&format!(
                "| typed host-to-wasm call < {TARGET_HOST_TO_WASM_NS} ns (slowest tier's median) | {worst:.1} ns | {} |",
                verdict(
                    worst < TARGET_HOST_TO_WASM_NS,
                    format!("{:.2}x the target", worst / TARGET_HOST_TO_WASM_NS)
                )
            ));
        }
        line("");

        if !self.compile.is_empty() {
            line("## Compile throughput (`Module::new`)");
            line("");
            line(
                "Code section = size of the code section's contents (wasmparser's `CodeSectionStart` range). ",
            );
            line(
                "Time = `Module::new` from bytes (decoding, validation, compilation, code memory). ",
            );
            line(
                "`generated` is this benchmark's deterministic module (see `generate_module` in `benches/startup.rs`): ",
            );
            line(
                "thousands of functions with arithmetic on i32/i64/f64 locals, loads and stores, counted loops with early exits, ",
            );
            line("`if`/`else`, `br_if`, direct calls and `call_indirect`, global updates.");
            line("");
            line(
                "| module | code section | functions | tier | compile threads | runs | median | min | CPU time (median) | MB/s | MB per CPU-second |",
            );
            line("|---|---:|---:|---|---|---:|---:|---:|---:|---:|---:|");
            for r in &self.compile {
                line(&format!(
                    "| {} | {:.3} MB | {} | {} | {} | {} | {:.2} ms{} | {:.2} ms | {:.2} ms | **{:.2}** | {:.2} |",
                    r.module,
                    r.code_bytes as f64 / 1e6,
                    r.functions,
                    r.label(),
                    r.threads,
                    r.runs,
                    r.median_s * 1e3,
                    if r.contended() { " †" } else { "" },
                    r.min_s * 1e3,
                    r.cpu_s * 1e3,
                    r.mbs(),
                    r.cpu_mbs()
                ));
            }
            line("");
            line(
                "CPU time = the process's CPU time (all threads) during `Module::new`. † = one compile thread, but the wall clock ran over 15% ahead of the CPU time: other processes took the core part of the time, and MB per CPU-second is the better estimate of an idle core's throughput. With several compile threads, MB/s (wall) is the figure that matters.",
            );
            line("");
            for n in &self.notes {
                line(&format!("Note: {n}"));
                line("");
            }
            if !self.v8.is_empty() {
                line(&format!(
                    "V8 ({}, `node --single-threaded --no-wasm-lazy-compilation`) on the same large modules, each compiler alone: `new WebAssembly.Module(bytes)`, each run with a different custom section appended so that V8's module cache cannot answer. The same machine, the same run:",
                    self.node
                ));
                line("");
                ref_table(&mut line, "node flags", &self.v8);
            }
            if !self.wasmtime.is_empty() {
                line(&format!(
                    "Wasmtime ({}) on the same large modules, each compiler alone on one thread: `wasmtime compile` to a `.cwasm` file, one process per run, timed from outside (process start-up and writing the file included). The same machine, the same run:",
                    self.wasmtime_version
                ));
                line("");
                ref_table(&mut line, "wasmtime flags", &self.wasmtime);
            }
            line(
                "For scale, the figures quoted in the project issue (another machine, another module; the reference engines measured above, when present, are the ones that compare): V8 Liftoff ~23 MB/s, Wasmtime Winch ~4.8 MB/s, V8 TurboFan ~1.0 MB/s, Wasmtime Cranelift ~0.8 MB/s.",
            );
            line("");
        }
        if !self.first.is_empty() {
            line("## Time from `Module::new` to the first result");
            line("");
            line(&format!(
                "Small module: recursive `fib` ({} bytes of Wasm), `fib({FIB_ARG})` = {FIB_RESULT}. Each run: `Module::new` (from bytes) + `Store::new` + `Instance::new` + `get_typed_func` + the call. Engine creation is not included. Default compile threads.",
                self.fib_bytes
            ));
            line("");
            line("| tier | compile | store + instantiate | call | total |");
            line("|---|---:|---:|---:|---:|");
            for r in &self.first {
                line(&format!(
                    "| {} | {:.1} µs | {:.1} µs | {:.1} µs | **{:.1} µs** |",
                    r.tier.name(),
                    r.compile_us,
                    r.instantiate_us,
                    r.call_us,
                    r.total_us
                ));
            }
            line("");
            let big: Vec<&CompileRow> = self
                .compile
                .iter()
                .filter(|r| r.first_result_s.is_some())
                .collect();
            if !big.is_empty() {
                line(
                    "Generated module (same runs as the compile table): `Module::new` + `Store::new` + `Instance::new` + a call of the export `entry` (a function without calls).",
                );
                line("");
                line("| tier | compile threads | compile | to first result |");
                line("|---|---|---:|---:|");
                for r in big {
                    line(&format!(
                        "| {} | {} | {:.1} ms | **{:.1} ms** |",
                        r.label(),
                        r.threads,
                        r.median_s * 1e3,
                        r.first_result_s.unwrap_or(0.0) * 1e3
                    ));
                }
                line("");
            }
        }
        if !self.inst.is_empty() {
            line("## Instantiation");
            line("");
            line(&format!(
                "Small module ({} bytes): a memory (1 page), a table (4 funcrefs) with a 3-entry element segment, a 15-byte data segment, 4 globals, 5 functions, no imports, no start function. {} iterations per tier, each in a fresh `Store` (created before the timed `Instance::new`).",
                self.small_bytes, self.inst_iters
            ));
            line("");
            line(
                "| tier | `Instance::new` median | mean | `Store::new` + `Instance::new` + drop, median |",
            );
            line("|---|---:|---:|---:|");
            for r in &self.inst {
                line(&format!(
                    "| {} | **{:.2} µs** | {:.2} µs | {:.2} µs |",
                    r.tier.name(),
                    r.instantiate_us,
                    r.instantiate_mean_us,
                    r.store_cycle_us
                ));
            }
            line("");
        }
        if !self.calls.is_empty() {
            line("## Call overhead");
            line("");
            line(&format!(
                "Host to wasm: `TypedFunc<(i32, i32), i32>::call` of an exported `add`, each result feeding the next call; median over {} batches of {CALLS_PER_BATCH} calls. Dynamic: the same calls through `Func::call` with `Val` arguments and results, batches of {}.",
                self.call_batches,
                CALLS_PER_BATCH / 4
            ));
            line(&format!(
                "Wasm to host: a wasm loop that calls an imported host function (`Func::wrap(|x: i32| x + 1)`) {LOOP_ITERS} times; the same loop calling a wasm function of the same body, and the loop with the addition inline, measure the loop's own cost. \"host call\" = loop with host callee − empty loop; \"wasm call\" = loop with wasm callee − empty loop (the optimizing tier may inline the wasm callee). Median over {} batches; one warm-up call first.",
                self.call_batches
            ));
            line("");
            line(
                "| tier | host → wasm (typed), median | best batch | host → wasm (dynamic) | loop, host callee | loop, wasm callee | empty loop | **wasm → host call** | wasm → wasm call |",
            );
            line("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            for r in &self.calls {
                line(&format!(
                    "| {} | **{:.1} ns** | {:.1} ns | {:.1} ns | {:.2} ns | {:.2} ns | {:.2} ns | **{:.1} ns** | {:.2} ns |",
                    r.tier.name(),
                    r.host_to_wasm_ns,
                    r.host_to_wasm_best_ns,
                    r.dynamic_ns,
                    r.loop_host_ns,
                    r.loop_wasm_ns,
                    r.loop_empty_ns,
                    r.loop_host_ns - r.loop_empty_ns,
                    r.loop_wasm_ns - r.loop_empty_ns
                ));
            }
            line("");
        }
        s
    }
}
