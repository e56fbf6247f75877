//! Instruction counts of compiling fixed modules, so that compile-time
//! regressions show up as exact numbers (iai-callgrind runs the benchmark under
//! valgrind's callgrind: install it with `cargo install iai-callgrind-runner
//! --version 0.16.1` and run `cargo bench --bench compile`).

use std::hint::black_box;

use iai_callgrind::{library_benchmark, library_benchmark_group, main};
use strata::{Config, Engine, Module, Tier};

/// A module with many functions of typical shape: loops, branches, calls,
/// memory accesses, integer and float arithmetic.
fn generated_module(functions: usize) -> Vec<u8> {
    let mut wat = String::from("(module (memory 1) (global $g (mut i32) (i32.const 0))\n");
    for i in 0..functions {
        wat.push_str(&format!(
            r#"(func $f{i} (export "f{i}") (param $n i32) (param $x f64) (result f64)
                 (local $i i32) (local $acc f64)
                 (loop $l
                   (local.set $acc (f64.add (local.get $acc)
                     (f64.mul (local.get $x) (f64.convert_i32_s (local.get $i)))))
                   (i32.store offset=8 (i32.and (local.get $i) (i32.const 1023))
                     (i32.add (i32.load (local.get $i)) (local.get $i)))
                   (if (i32.eq (i32.rem_u (local.get $i) (i32.const 7)) (i32.const 3))
                     (then (global.set $g (i32.add (global.get $g) (i32.const 1)))))
                   (local.set $i (i32.add (local.get $i) (i32.const 1)))
                   (br_if $l (i32.lt_s (local.get $i) (local.get $n))))
                 (local.get $acc))
"#
        ));
    }
    wat.push(')');
    wat::parse_str(&wat).expect("generated module")
}

/// A module of many small functions calling each other: call-heavy code
/// with little work per function (what inlining and prologues cost).
fn small_functions_module(functions: usize) -> Vec<u8> {
    let mut wat = String::from("(module\n");
    for i in 0..functions {
        let callee = i.saturating_sub(1);
        wat.push_str(&format!(
            "(func $s{i} (export \"s{i}\") (param i32) (result i32)
               (if (result i32) (i32.eqz (local.get 0))
                 (then (i32.const {i}))
                 (else (i32.add (call $s{callee} (i32.sub (local.get 0) (i32.const 1)))
                                (i32.const 3)))))\n"
        ));
    }
    wat.push(')');
    wat::parse_str(&wat).expect("small-functions module")
}

fn engine(tier: Tier) -> Engine {
    let mut config = Config::new();
    // One thread: instruction counts stay deterministic and per-thread.
    config
        .tier(tier)
        .validate_regalloc(false)
        .compile_threads(1)
        // Compile everything in `Module::new`: that is what is counted.
        .lazy_compilation(false);
    Engine::new(&config).expect("engine")
}

fn setup(tier: Tier, functions: usize) -> (Engine, Vec<u8>) {
    (engine(tier), generated_module(functions))
}

fn setup_calls(tier: Tier, functions: usize) -> (Engine, Vec<u8>) {
    (engine(tier), small_functions_module(functions))
}

fn setup_fib(tier: Tier) -> (Engine, Vec<u8>) {
    let wasm = wat::parse_str(include_str!("../examples/fib.wat")).expect("fib.wat");
    (engine(tier), wasm)
}

#[library_benchmark]
#[bench::baseline_loops_100(setup(Tier::Baseline, 100))]
#[bench::optimizing_loops_100(setup(Tier::Optimizing, 100))]
#[bench::baseline_calls_1000(setup_calls(Tier::Baseline, 1000))]
#[bench::optimizing_calls_1000(setup_calls(Tier::Optimizing, 1000))]
#[bench::baseline_fib(setup_fib(Tier::Baseline))]
#[bench::optimizing_fib(setup_fib(Tier::Optimizing))]
#[bench::tiered_loops_100(setup(Tier::Tiered, 100))]
#[bench::tiered_calls_1000(setup_calls(Tier::Tiered, 1000))]
fn compile((engine, wasm): (Engine, Vec<u8>)) -> Module {
    black_box(Module::new(&engine, &wasm).expect("compiles"))
}

library_benchmark_group!(name = compile_group; benchmarks = compile);
main!(library_benchmark_groups = compile_group);
