//! Lazy compilation (`Config::lazy_compilation`): results equal eager
//! compilation's, only called functions are compiled, traps and backtraces
//! in lazily compiled code, one compilation shared by every instance and
//! importer, concurrent first calls, validation errors as with eager
//! compilation, and tier-up and OSR from lazily compiled baseline code.
//! What was compiled is observed through `Module::lazy_compilation_stats`.

use std::sync::{Arc, Barrier, Mutex};

use strata::{
    Config, Engine, Func, Instance, LazyCompilationStats, Linker, Module, Store, Tier,
    TierUpBudget, TierUpEvent, TrapCode, Val, WasmFeatures,
};

fn engine(tier: Tier, lazy: bool) -> Engine {
    let mut config = Config::new();
    config.tier(tier).lazy_compilation(lazy);
    Engine::new(&config).unwrap()
}

fn stats(m: &Module) -> LazyCompilationStats {
    m.lazy_compilation_stats()
        .expect("the module is compiled lazily")
}

/// Direct, indirect and imported calls; more arguments than argument
/// registers of both classes (so some arrive on the stack, which the stub
/// must leave untouched); more results than result registers (the return
/// area); a start function; a recursive function.
const MIXED: &str = r#"(module
  (import "host" "add" (func $host_add (param i64 i64) (result i64)))
  (type $ii (func (param i32) (result i32)))
  (table 4 funcref)
  (elem (i32.const 0) $double $square $fib)
  (memory 1)
  (global $started (mut i32) (i32.const 0))
  (func $start (global.set $started (i32.const 7)))
  (start $start)
  (func $double (type $ii) (i32.mul (local.get 0) (i32.const 2)))
  (func $square (type $ii) (i32.mul (local.get 0) (local.get 0)))
  (func $fib (export "fib") (type $ii)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func $apply (export "apply") (param $f i32) (param $x i32) (result i32)
    (call_indirect (type $ii) (local.get $x) (local.get $f)))
  (func $many (export "many")
    (param i64 i64 i64 i64 i64 i64 i64 i64)
    (param f64 f64 f64 f64 f64 f64 f64 f64 f64 f64)
    (result i64 i64 i64 f64 f64 f64 i32)
    (local.get 0)
    (i64.add (local.get 6) (local.get 7))
    (i64.mul (local.get 1) (local.get 5))
    (f64.add (local.get 8) (local.get 17))
    (f64.mul (local.get 15) (local.get 16))
    (f64.sub (local.get 9) (local.get 14))
    (global.get $started))
  (func (export "call_many") (param $k i64) (result i64)
    (local $a i64) (local $b i64) (local $c i64)
    (local $d f64) (local $e f64) (local $f f64) (local $g i32)
    (call $many
      (local.get $k) (i64.const 2) (i64.const 3) (i64.const 4)
      (i64.const 5) (i64.const 6) (i64.const 7) (i64.const 8)
      (f64.const 1.5) (f64.const 2.5) (f64.const 3.5) (f64.const 4.5) (f64.const 5.5)
      (f64.const 6.5) (f64.const 7.5) (f64.const 8.5) (f64.const 9.5) (f64.const 10.5))
    (local.set $g) (local.set $f) (local.set $e) (local.set $d)
    (local.set $c) (local.set $b) (local.set $a)
    ;; a + 10 b + 100 c + 1000 d + 10^4 e + 10^5 f + 10^6 g, as integers
    (i64.add (local.get $a)
      (i64.add (i64.mul (local.get $b) (i64.const 10))
        (i64.add (i64.mul (local.get $c) (i64.const 100))
          (i64.add (i64.mul (i64.trunc_f64_s (local.get $d)) (i64.const 1000))
            (i64.add (i64.mul (i64.trunc_f64_s (local.get $e)) (i64.const 10000))
              (i64.add (i64.mul (i64.trunc_f64_s (local.get $f)) (i64.const 100000))
                (i64.mul (i64.extend_i32_u (local.get $g)) (i64.const 1000000)))))))))
  (func (export "sum_to") (param $n i64) (result i64)
    (local $i i64) (local $acc i64)
    (loop $l
      (local.set $acc (call $host_add (local.get $acc) (local.get $i)))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.le_u (local.get $i) (local.get $n))))
    (local.get $acc))
  (func (export "store_load") (param $a i32) (param $v i64) (result i64)
    (i64.store (local.get $a) (local.get $v))
    (i64.load (local.get $a)))
)"#;

/// Everything `MIXED` computes, called in an order that makes calls from
/// the host, from Wasm (direct, indirect) and recursive calls each be the
/// first call of some function.
fn run_mixed(engine: &Engine) -> Vec<String> {
    let module = Module::new(engine, MIXED).unwrap();
    let mut store = Store::new(engine, ());
    let mut linker = Linker::new(engine);
    linker
        .func_wrap("host", "add", |a: i64, b: i64| a + b)
        .unwrap();
    let i = linker.instantiate(&mut store, &module).unwrap();
    let mut out = Vec::new();
    let call_many = i
        .get_typed_func::<i64, i64>(&mut store, "call_many")
        .unwrap();
    out.push(format!(
        "call_many {}",
        call_many.call(&mut store, 1).unwrap()
    ));
    let apply = i
        .get_typed_func::<(i32, i32), i32>(&mut store, "apply")
        .unwrap();
    for f in 0..3 {
        out.push(format!(
            "apply {f} {}",
            apply.call(&mut store, (f, 9)).unwrap()
        ));
    }
    let e = apply.call(&mut store, (3, 1)).unwrap_err();
    out.push(format!("apply 3 {:?}", e.as_trap().and_then(|t| t.code())));
    let fib = i.get_typed_func::<i32, i32>(&mut store, "fib").unwrap();
    out.push(format!("fib {}", fib.call(&mut store, 20).unwrap()));
    // `many` from the host: the array trampoline calls the stub.
    let many = i.get_func(&mut store, "many").unwrap();
    let mut args: Vec<Val> = (1..=8).map(|k| Val::I64(k * 11)).collect();
    args.extend((0..10).map(|k| Val::F64((k as f64 + 0.25).to_bits())));
    let mut results = vec![Val::I32(0); 7];
    many.call(&mut store, &args, &mut results).unwrap();
    out.push(format!("many {results:?}"));
    let sum_to = i.get_typed_func::<i64, i64>(&mut store, "sum_to").unwrap();
    out.push(format!("sum_to {}", sum_to.call(&mut store, 1000).unwrap()));
    let sl = i
        .get_typed_func::<(i32, i64), i64>(&mut store, "store_load")
        .unwrap();
    out.push(format!(
        "store_load {}",
        sl.call(&mut store, (64, -5)).unwrap()
    ));
    out
}

#[test]
fn results_equal_eager_compilation_on_a_multi_function_module() {
    for tier in [Tier::Baseline, Tier::Tiered] {
        let eager = run_mixed(&engine(tier, false));
        let lazy = run_mixed(&engine(tier, true));
        assert_eq!(lazy, eager, "{tier}");
        // a = 1, b = 7 + 8, c = 2 * 6, d = 1.5 + 10.5, e = 8.5 * 9.5,
        // f = 2.5 - 7.5, g = 7 (the start function ran).
        let want = 1 + 10 * 15 + 100 * 12 + 1000 * 12 + 10_000 * 80 - 100_000 * 5 + 1_000_000 * 7;
        assert_eq!(eager[0], format!("call_many {want}"), "{eager:?}");
        assert_eq!(eager[1..4], ["apply 0 18", "apply 1 81", "apply 2 34"]);
        assert_eq!(eager[5], "fib 6765");
    }
}

#[test]
fn only_called_functions_are_compiled() {
    let engine = engine(Tier::Tiered, true);
    let module = Module::new(
        &engine,
        r#"(module
             (func $a (export "a") (result i32) (i32.add (call $b) (i32.const 1)))
             (func $b (result i32) (i32.const 41))
             (func $c (export "c") (result i32) (call $d))
             (func $d (result i32) (unreachable))
             (func $e (export "e") (result i32) (i32.const 5)))"#,
    )
    .unwrap();
    assert_eq!(
        stats(&module),
        LazyCompilationStats {
            compiled: 0,
            stub_calls: 0
        }
    );
    let mut store = Store::new(&engine, ());
    let i = Instance::new(&mut store, &module, &[]).unwrap();
    assert_eq!(stats(&module).compiled, 0, "instantiation compiles nothing");
    let a = i.get_typed_func::<(), i32>(&mut store, "a").unwrap();
    // A function not compiled yet runs baseline code on its next call.
    assert_eq!(a.func().tier(&store), Some(Tier::Baseline));
    assert_eq!(a.call(&mut store, ()).unwrap(), 42);
    assert_eq!(
        stats(&module),
        LazyCompilationStats {
            compiled: 2,
            stub_calls: 2
        },
        "a and b"
    );
    // Later calls run the code directly.
    for _ in 0..3 {
        assert_eq!(a.call(&mut store, ()).unwrap(), 42);
    }
    assert_eq!(stats(&module).stub_calls, 2);
    assert_eq!(a.func().tier(&store), Some(Tier::Baseline));
    let e = i.get_typed_func::<(), i32>(&mut store, "e").unwrap();
    assert_eq!(e.call(&mut store, ()).unwrap(), 5);
    assert_eq!(stats(&module).compiled, 3, "c and d are never called");
}

#[test]
fn eager_modules_report_no_lazy_statistics() {
    for (tier, lazy) in [
        (Tier::Tiered, false),
        (Tier::Baseline, false),
        // The optimizing tier always compiles ahead of time.
        (Tier::Optimizing, true),
    ] {
        let m = Module::new(&engine(tier, lazy), "(module (func))").unwrap();
        assert_eq!(m.lazy_compilation_stats(), None, "{tier} lazy={lazy}");
    }
    let m = Module::new(&engine(Tier::Baseline, true), "(module (func))").unwrap();
    assert_eq!(
        m.lazy_compilation_stats(),
        Some(LazyCompilationStats::default())
    );
}

const TRAPS: &str = r#"(module
  (memory 1)
  (func $div (param i32) (result i32) (i32.div_u (i32.const 7) (local.get 0)))
  (func $middle (param i32) (result i32) (i32.add (call $div (local.get 0)) (i32.const 1)))
  (func $outer (export "outer") (param i32) (result i32) (call $middle (local.get 0)))
  (func $load (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func $rec (export "recurse") (param i32) (result i32)
    (call $rec (i32.add (local.get 0) (i32.const 1))))
  (func $never (export "never") (unreachable)))"#;

#[test]
fn traps_and_backtraces_in_lazily_compiled_code() {
    for tier in [Tier::Baseline, Tier::Tiered] {
        let engine = engine(tier, true);
        let module = Module::new(&engine, TRAPS).unwrap();
        let mut store = Store::new(&engine, ());
        let i = Instance::new(&mut store, &module, &[]).unwrap();
        let outer = i.get_typed_func::<i32, i32>(&mut store, "outer").unwrap();
        // The first call compiles three functions and traps in the last.
        let e = outer.call(&mut store, 0).unwrap_err();
        let t = e.as_trap().expect("a trap");
        assert_eq!(t.code(), Some(TrapCode::IntegerDivideByZero));
        let names: Vec<_> = t
            .backtrace()
            .iter()
            .map(|f| f.func_name.clone().unwrap_or_default())
            .collect();
        assert_eq!(names, ["div", "middle", "outer"], "{tier}");
        let idx: Vec<_> = t.backtrace().iter().map(|f| f.func_index).collect();
        assert_eq!(idx, [0, 1, 2]);
        assert!(t.backtrace().iter().all(|f| f.module_offset.is_some()));
        assert_eq!(outer.call(&mut store, 7).unwrap(), 2);
        assert_eq!(stats(&module).compiled, 3);
        // Again, now that the code is there.
        let e = outer.call(&mut store, 0).unwrap_err();
        assert_eq!(e.as_trap().unwrap().backtrace().len(), 3);

        let load = i.get_typed_func::<i32, i32>(&mut store, "load").unwrap();
        let e = load.call(&mut store, 65536).unwrap_err();
        assert_eq!(
            e.as_trap().and_then(|t| t.code()),
            Some(TrapCode::MemoryOutOfBounds)
        );
        assert_eq!(
            e.as_trap().unwrap().backtrace()[0].func_name.as_deref(),
            Some("load")
        );
        let rec = i.get_typed_func::<i32, i32>(&mut store, "recurse").unwrap();
        let e = rec.call(&mut store, 0).unwrap_err();
        assert_eq!(
            e.as_trap().and_then(|t| t.code()),
            Some(TrapCode::StackOverflow),
            "{e}"
        );
        let never = i.get_typed_func::<(), ()>(&mut store, "never").unwrap();
        let e = never.call(&mut store, ()).unwrap_err();
        assert_eq!(
            e.as_trap().and_then(|t| t.code()),
            Some(TrapCode::Unreachable)
        );
        // The store still works after the traps.
        assert_eq!(outer.call(&mut store, 1).unwrap(), 8);
        assert_eq!(stats(&module).compiled, 6);
    }
}

const LIB: &str = r#"(module
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "one") (result i32) (i32.const 1)))"#;

const USER: &str = r#"(module
  (import "lib" "fib" (func $fib (param i32) (result i32)))
  (func (export "twice") (param i32) (result i32)
    (i32.mul (call $fib (local.get 0)) (i32.const 2))))"#;

#[test]
fn instances_and_importers_share_one_compilation() {
    let engine = engine(Tier::Tiered, true);
    let lib = Module::new(&engine, LIB).unwrap();
    let user = Module::new(&engine, USER).unwrap();
    let mut store = Store::new(&engine, ());
    let a = Instance::new(&mut store, &lib, &[]).unwrap();
    let b = Instance::new(&mut store, &lib, &[]).unwrap();
    let fib_a = a.get_typed_func::<i32, i32>(&mut store, "fib").unwrap();
    let fib_b = b.get_typed_func::<i32, i32>(&mut store, "fib").unwrap();
    let u = Instance::new(&mut store, &user, &[fib_b.func().into()]).unwrap();
    let twice = u.get_typed_func::<i32, i32>(&mut store, "twice").unwrap();
    // The first call comes from the importer, through its copy of b's
    // funcref: lib's `fib` is compiled (once) and published everywhere.
    assert_eq!(twice.call(&mut store, 10).unwrap(), 110);
    let once = LazyCompilationStats {
        compiled: 1,
        stub_calls: 1,
    };
    assert_eq!(stats(&lib), once);
    assert_eq!(stats(&user).compiled, 1, "twice");
    assert_eq!(fib_a.call(&mut store, 12).unwrap(), 144);
    assert_eq!(fib_b.call(&mut store, 12).unwrap(), 144);
    assert_eq!(twice.call(&mut store, 5).unwrap(), 10);
    assert_eq!(stats(&lib), once, "no stub ran again");
    // An instance made later, in another store, starts with the code.
    let mut store2 = Store::new(&engine, ());
    let c = Instance::new(&mut store2, &lib, &[]).unwrap();
    let fib_c = c.get_typed_func::<i32, i32>(&mut store2, "fib").unwrap();
    assert_eq!(fib_c.call(&mut store2, 15).unwrap(), 610);
    let one = c.get_typed_func::<(), i32>(&mut store2, "one").unwrap();
    assert_eq!(one.call(&mut store2, ()).unwrap(), 1);
    assert_eq!(
        stats(&lib),
        LazyCompilationStats {
            compiled: 2,
            stub_calls: 2
        }
    );
    // An importer made after the compilation does not go through a stub.
    let u2 = Instance::new(&mut store2, &user, &[fib_c.func().into()]).unwrap();
    let twice2 = u2.get_typed_func::<i32, i32>(&mut store2, "twice").unwrap();
    assert_eq!(twice2.call(&mut store2, 6).unwrap(), 16);
    assert_eq!(stats(&lib).stub_calls, 2);
}

/// A body big enough that compiling it takes a while, so that two threads
/// calling it at once meet in the compilation.
fn big_module(terms: usize) -> String {
    let mut body = String::from("(local.get 0)");
    for k in 0..terms {
        body = format!(
            "(i32.add (i32.xor {body} (i32.const {k})) (i32.mul (local.get 0) (i32.const {})))",
            k % 7
        );
        if k % 64 == 63 {
            body = format!("(local.tee 1 {body})");
        }
    }
    format!(
        r#"(module
             (func $big (param i32) (result i32) (local i32) {body})
             (func (export "run") (param i32) (result i32)
               (i32.add (call $big (local.get 0)) (call $big (i32.const 3)))))"#
    )
}

#[test]
fn a_first_call_from_two_threads_at_once_compiles_once() {
    let mut config = Config::new();
    config.tier(Tier::Baseline).lazy_compilation(true);
    let engine = Engine::new(&config).unwrap();
    let text = big_module(2000);
    // What eager compilation computes.
    let eager = Engine::new(Config::new().tier(Tier::Baseline)).unwrap();
    let expected = {
        let m = Module::new(&eager, &text).unwrap();
        let mut s = Store::new(&eager, ());
        let i = Instance::new(&mut s, &m, &[]).unwrap();
        let run = i.get_typed_func::<i32, i32>(&mut s, "run").unwrap();
        [run.call(&mut s, 1).unwrap(), run.call(&mut s, 2).unwrap()]
    };
    let mut met = 0;
    for _ in 0..8 {
        let module = Module::new(&engine, &text).unwrap();
        let barrier = Arc::new(Barrier::new(2));
        let threads: Vec<_> = (0..2)
            .map(|t| {
                let (engine, module, barrier) = (engine.clone(), module.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let mut store = Store::new(&engine, ());
                    let i = Instance::new(&mut store, &module, &[]).unwrap();
                    let run = i.get_typed_func::<i32, i32>(&mut store, "run").unwrap();
                    barrier.wait();
                    run.call(&mut store, t + 1).unwrap()
                })
            })
            .collect();
        let results: Vec<i32> = threads.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(results, expected);
        let s = stats(&module);
        assert_eq!(s.compiled, 2, "run and big, once each: {s:?}");
        assert!((2..=4).contains(&s.stub_calls), "{s:?}");
        if s.stub_calls > 2 {
            met += 1;
        }
    }
    // Not asserted (scheduling decides), but shown with --nocapture.
    println!("the threads met in a compilation in {met} of 8 runs");
}

#[test]
fn validation_errors_are_the_same_as_with_eager_compilation() {
    let invalid: &[&str] = &[
        // A type mismatch in the second function.
        r#"(module (func) (func (result i32) (i64.const 1)))"#,
        // An unknown local.
        r#"(module (func (local.get 3) (drop)))"#,
        // A branch depth out of range.
        r#"(module (func (block (br 2))))"#,
        // Values left on the stack.
        r#"(module (func (i32.const 1)))"#,
        // A call of an unknown function.
        r#"(module (func (call 7)))"#,
    ];
    let eager = engine(Tier::Tiered, false);
    let lazy = engine(Tier::Tiered, true);
    for text in invalid {
        let bytes = wat::parse_str(text).unwrap();
        let e1 = Module::new(&eager, &bytes).unwrap_err();
        let e2 = Module::new(&lazy, &bytes).unwrap_err();
        assert_eq!(
            (e1.kind(), e1.message()),
            (e2.kind(), e2.message()),
            "{text}"
        );
    }
    // Bytes after the function's final `end` (hand-made: the text format
    // cannot say it): body = 0 locals, `end`, `nop`.
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    bytes.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]); // type: () -> ()
    bytes.extend_from_slice(&[3, 2, 1, 0]); // function 0 has type 0
    bytes.extend_from_slice(&[10, 5, 1, 3, 0, 0x0b, 0x01]); // code
    let e1 = Module::new(&eager, &bytes).unwrap_err();
    let e2 = Module::new(&lazy, &bytes).unwrap_err();
    assert_eq!((e1.kind(), e1.message()), (e2.kind(), e2.message()));
}

#[test]
fn features_the_tiers_cannot_compile_are_rejected_up_front() {
    // SIMD validates when enabled, but no tier compiles it: lazy
    // compilation must not defer that error to the first call.
    let module = r#"(module (func (export "f") (param v128) (result i32) (i32.const 1)))"#;
    let mut errors = Vec::new();
    for lazy in [false, true] {
        let mut config = Config::new();
        config
            .tier(Tier::Tiered)
            .lazy_compilation(lazy)
            .wasm_features(WasmFeatures::WASM2);
        let engine = Engine::new(&config).unwrap();
        let e = Module::new(&engine, module).unwrap_err();
        errors.push((e.kind(), e.message().to_string()));
    }
    assert_eq!(errors[0], errors[1]);
}

const LOOPS: &str = r#"(module
  (func $sq (export "sq") (param i64) (result i64) (i64.mul (local.get 0) (local.get 0)))
  (func $sum (export "sum") (param $n i64) (result i64)
    (local $i i64) (local $acc i64)
    (loop $l
      (local.set $acc (i64.add (local.get $acc) (call $sq (local.get $i))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.lt_u (local.get $i) (local.get $n))))
    (local.get $acc)))"#;

#[test]
fn tiered_lazy_code_tiers_up_and_enters_optimized_code_through_osr() {
    let events: Arc<Mutex<Vec<TierUpEvent>>> = Arc::default();
    let sink = events.clone();
    let mut config = Config::new();
    config
        .tier(Tier::Tiered)
        .lazy_compilation(true)
        .tier_up_budget(TierUpBudget {
            budget: 1,
            osr_poll: 1,
        })
        .tier_up_sync(true)
        .on_tier_up(move |e| sink.lock().unwrap().push(e.clone()));
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, LOOPS).unwrap();
    let mut store = Store::new(&engine, ());
    let i = Instance::new(&mut store, &module, &[]).unwrap();
    let sum = i.get_typed_func::<i64, i64>(&mut store, "sum").unwrap();
    let want = |n: u64| (0..n).map(|k| k * k).sum::<u64>() as i64;
    assert_eq!(sum.call(&mut store, 1000).unwrap(), want(1000));
    // The loop's first iterations ran lazily compiled baseline code, then
    // moved into optimized code (where `sq` may have been inlined, so its
    // own stub need not have run).
    assert!((1..=2).contains(&stats(&module).compiled));
    // `sq` from the host: compiled on its first call, optimized on a later
    // one and published.
    let sq = i.get_typed_func::<i64, i64>(&mut store, "sq").unwrap();
    for k in 0..4 {
        assert_eq!(sq.call(&mut store, k).unwrap(), k * k);
    }
    assert_eq!(stats(&module).compiled, 2);
    assert_eq!(sq.func().tier(&store), Some(Tier::Optimizing));
    let events = events.lock().unwrap().clone();
    let name = |e: &TierUpEvent| e.name.clone().unwrap_or_default();
    assert!(
        events
            .iter()
            .any(|e| e.osr && name(e) == "sum" && e.loop_index == Some(0)),
        "{events:#?}"
    );
    for f in ["sum", "sq"] {
        assert!(
            events.iter().any(|e| !e.osr && name(e) == f),
            "{f}: {events:#?}"
        );
    }
    assert!(events.iter().all(|e| e.from == Tier::Baseline));
    // `sum` itself was published: the next call runs optimized code.
    assert_eq!(sum.func().tier(&store), Some(Tier::Optimizing));
    assert_eq!(sum.call(&mut store, 10).unwrap(), 285);
    // A second instance gets the optimized code, not a stub.
    let j = Instance::new(&mut store, &module, &[]).unwrap();
    let sum_j = j.get_func(&mut store, "sum").unwrap();
    assert_eq!(sum_j.tier(&store), Some(Tier::Optimizing));
    let stub_calls = stats(&module).stub_calls;
    let mut r = [Val::I64(0)];
    sum_j.call(&mut store, &[Val::I64(100)], &mut r).unwrap();
    assert_eq!(r[0].i64(), Some(want(100)));
    assert_eq!(stats(&module).stub_calls, stub_calls);
}

#[test]
fn a_host_function_calling_back_into_an_uncompiled_function() {
    // Wasm -> host -> Wasm, where the inner function's first call happens
    // inside the host call: a nested activation runs the stub.
    let engine = engine(Tier::Baseline, true);
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "call_back" (func $cb (param i32) (result i32)))
             (func (export "outer") (param i32) (result i32)
               (i32.add (call $cb (local.get 0)) (i32.const 1)))
             (func (export "inner") (param i32) (result i32)
               (i32.mul (local.get 0) (i32.const 10))))"#,
    )
    .unwrap();
    let mut store: Store<Option<Func>> = Store::new(&engine, None);
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap(
            "host",
            "call_back",
            |mut caller: strata::Caller<'_, Option<Func>>, x: i32| {
                let inner = caller.data().expect("inner set");
                let mut r = [Val::I32(0)];
                inner.call(&mut caller, &[Val::I32(x)], &mut r)?;
                Ok(r[0].i32().unwrap())
            },
        )
        .unwrap();
    let i = linker.instantiate(&mut store, &module).unwrap();
    let inner = i.get_func(&mut store, "inner").unwrap();
    *store.data_mut() = Some(inner);
    let outer = i.get_typed_func::<i32, i32>(&mut store, "outer").unwrap();
    assert_eq!(outer.call(&mut store, 4).unwrap(), 41);
    assert_eq!(stats(&module).compiled, 2);
}
