//! The tiered engine: tier-up of hot functions, publication of optimized
//! code to every instance and importer, on-stack replacement at loop
//! headers with the frame's locals and operand stack handed over, traps in
//! OSR code, and tier-up events. What ran where is observed through the
//! tier-up events and `Func::tier`, never through timing.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use strata::{
    Config, Engine, Instance, Module, Store, Tier, TierUpBudget, TierUpEvent, TrapCode, Val,
};

/// A tiered engine whose events are also collected in the returned list.
fn tiered(
    budget: u32,
    osr_poll: u32,
    sync: bool,
    tweak: impl FnOnce(&mut Config),
) -> (Engine, Arc<Mutex<Vec<TierUpEvent>>>) {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    let mut config = Config::new();
    config
        .tier(Tier::Tiered)
        .tier_up_budget(TierUpBudget { budget, osr_poll })
        .tier_up_sync(sync)
        .on_tier_up(move |e| sink.lock().unwrap().push(e.clone()));
    tweak(&mut config);
    (Engine::new(&config).unwrap(), events)
}

/// Budgets of 1, compiled on the spot: every function tiers up on its
/// second check and every loop enters OSR code on its first iterations.
fn tiny() -> (Engine, Arc<Mutex<Vec<TierUpEvent>>>) {
    tiered(1, 1, true, |_| {})
}

const SUM_LOOP: &str = r#"(module
  (func $sum (export "sum") (param $n i64) (result i64)
    (local $i i64) (local $acc i64)
    (loop $l
      (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get $i) (local.get $i))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.lt_u (local.get $i) (local.get $n))))
    (local.get $acc)))"#;

fn sum_of_squares(n: u64) -> u64 {
    (0..n.max(1)).fold(0u64, |a, i| a.wrapping_add(i.wrapping_mul(i)))
}

fn osr_events(events: &[TierUpEvent], name: &str) -> Vec<TierUpEvent> {
    events
        .iter()
        .filter(|e| e.osr && e.name.as_deref() == Some(name))
        .cloned()
        .collect()
}

#[test]
fn tiered_is_the_default() {
    let engine = Engine::default();
    let module = Module::new(&engine, SUM_LOOP).unwrap();
    let mut store = Store::new(&engine, ());
    let i = Instance::new(&mut store, &module, &[]).unwrap();
    let f = i.get_func(&mut store, "sum").unwrap();
    assert_eq!(f.tier(&store), Some(Tier::Baseline));
}

/// The shape of most benchmark kernels: one call that spends its time in
/// one loop. With tier-ups compiled on the spot the run must leave baseline
/// code at the loop's header.
#[test]
fn a_single_long_loop_moves_into_optimized_code_through_osr() {
    let (engine, events) = tiered(1000, 100, true, |_| {});
    let module = Module::new(&engine, SUM_LOOP).unwrap();
    let mut store = Store::new(&engine, ());
    let i = Instance::new(&mut store, &module, &[]).unwrap();
    let sum = i.get_typed_func::<i64, i64>(&mut store, "sum").unwrap();
    assert_eq!(
        sum.call(&mut store, 1_000_000).unwrap() as u64,
        sum_of_squares(1_000_000)
    );
    let events = events.lock().unwrap().clone();
    let osr = osr_events(&events, "sum");
    assert_eq!(osr.len(), 1, "{events:#?}");
    assert_eq!(osr[0].func_index, 0);
    assert_eq!(osr[0].loop_index, Some(0));
    assert_eq!((osr[0].from, osr[0].to), (Tier::Baseline, Tier::Optimizing));
    // The same events through the engine.
    assert_eq!(engine.tier_events(), events);
}

/// The same with the background compile threads: the loop runs long enough
/// (hundreds of millions of iterations) for a compile of a few milliseconds
/// to finish first.
#[test]
fn background_compiles_reach_a_running_loop() {
    let (engine, events) = tiered(1000, 1000, false, |c| {
        c.compile_threads(1);
    });
    let module = Module::new(&engine, SUM_LOOP).unwrap();
    let mut store = Store::new(&engine, ());
    let i = Instance::new(&mut store, &module, &[]).unwrap();
    let sum = i.get_typed_func::<i64, i64>(&mut store, "sum").unwrap();
    let n = 400_000_000;
    assert_eq!(
        sum.call(&mut store, n).unwrap() as u64,
        sum_of_squares(n as u64)
    );
    let osr = osr_events(&events.lock().unwrap(), "sum");
    assert_eq!(osr.len(), 1);
    // The function itself was published too (the next call is optimized).
    wait_for(|| sum.func().tier(&store) == Some(Tier::Optimizing));
    assert_eq!(sum.call(&mut store, 10).unwrap(), 285);
}

fn wait_for(mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no tier-up within a minute"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

const FIB: &str = r#"(module
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2))))))))"#;

#[test]
fn hot_functions_are_published_and_later_calls_run_optimized_code() {
    let (engine, events) = tiered(50, 1, false, |_| {});
    let module = Module::new(&engine, FIB).unwrap();
    let mut store = Store::new(&engine, ());
    let i = Instance::new(&mut store, &module, &[]).unwrap();
    let fib = i.get_typed_func::<i32, i32>(&mut store, "fib").unwrap();
    assert_eq!(fib.func().tier(&store), Some(Tier::Baseline));
    // fib(15) makes 1973 calls: the budget runs out in the middle of it.
    assert_eq!(fib.call(&mut store, 15).unwrap(), 610);
    wait_for(|| fib.func().tier(&store) == Some(Tier::Optimizing));
    for (n, want) in [(0, 0), (1, 1), (10, 55), (20, 6765)] {
        assert_eq!(fib.call(&mut store, n).unwrap(), want);
    }
    let events = events.lock().unwrap().clone();
    let published: Vec<_> = events.iter().filter(|e| !e.osr).collect();
    assert_eq!(published.len(), 1, "{events:#?}");
    assert_eq!(published[0].name.as_deref(), Some("fib"));
    assert_eq!(published[0].loop_index, None);
}

#[test]
fn publication_reaches_every_instance_and_importer() {
    let (engine, _) = tiny();
    let lib = Module::new(&engine, FIB).unwrap();
    let user = Module::new(
        &engine,
        r#"(module
             (import "lib" "fib" (func $fib (param i32) (result i32)))
             (func (export "twice") (param i32) (result i32)
               (i32.mul (call $fib (local.get 0)) (i32.const 2))))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let a = Instance::new(&mut store, &lib, &[]).unwrap();
    let b = Instance::new(&mut store, &lib, &[]).unwrap();
    let fib_a = a.get_func(&mut store, "fib").unwrap();
    let fib_b = b.get_func(&mut store, "fib").unwrap();
    let u = Instance::new(&mut store, &user, &[fib_b.into()]).unwrap();
    assert_eq!(fib_a.tier(&store), Some(Tier::Baseline));
    // Tier up through instance `a`; instance `b` sees the code at once.
    let fa = fib_a.typed::<i32, i32>(&store).unwrap();
    assert_eq!(fa.call(&mut store, 5).unwrap(), 5);
    assert_eq!(fib_a.tier(&store), Some(Tier::Optimizing));
    assert_eq!(fib_b.tier(&store), Some(Tier::Optimizing));
    let twice = u.get_typed_func::<i32, i32>(&mut store, "twice").unwrap();
    assert_eq!(twice.call(&mut store, 12).unwrap(), 288);
    // A new instance starts with the published code.
    let c = Instance::new(&mut store, &lib, &[]).unwrap();
    let fib_c = c.get_func(&mut store, "fib").unwrap();
    assert_eq!(fib_c.tier(&store), Some(Tier::Optimizing));
}

/// A loop entered with values on the operand stack (below the loop and as
/// loop parameters), many locals of every type (more than the registers),
/// parameters on the stack, and more results than result registers: every
/// piece of state must arrive, every result must come back.
const STATE: &str = r#"(module
  (type $lp (func (param i64 f64) (result i64 f64)))
  (func $state (export "state")
    (param $n i32) (param $a i64) (param $b f32) (param $c f64)
    (param $p4 i32) (param $p5 i32) (param $p6 i32) (param $p7 i32) (param $p8 i64)
    (result i32 i64 f32 f64 i64 i32 f64)
    (local $i i32)
    (local $l0 i32) (local $l1 i64) (local $l2 f32) (local $l3 f64)
    (local $l4 i32) (local $l5 i64) (local $l6 f32) (local $l7 f64)
    (local $l8 i32) (local $l9 i64) (local $l10 f32) (local $l11 f64)
    (local $l12 i32) (local $l13 i64) (local $l14 f32) (local $l15 f64)
    (local.set $l0 (i32.add (local.get $p4) (local.get $p5)))
    (local.set $l13 (local.get $p8))
    (local.set $l14 (local.get $b))
    ;; below the loop: an i32 and an f32 that the code after it uses
    (i32.mul (local.get $p6) (local.get $p7))
    (f32.mul (local.get $b) (f32.const 2))
    (i64.const 3) (f64.const 0.5)
    (loop $l (type $lp)
      ;; stack: i64 x, f64 y
      (local.set $l11 (f64.add (local.get $l11) (f64.const 1.25)))
      (local.set $l1 (i64.add (local.get $l1) (local.get $a)))
      (local.set $l2 (f32.add (local.get $l2) (f32.const 0.5)))
      (local.set $l3 (f64.add (local.get $l3) (local.get $c)))
      (local.set $l4 (i32.xor (local.get $l4) (local.get $i)))
      (local.set $l5 (i64.add (local.get $l5) (i64.extend_i32_u (local.get $i))))
      (local.set $l8 (i32.add (local.get $l8) (local.get $l0)))
      (local.set $l9 (i64.mul (local.get $l9) (i64.const 3)))
      (local.set $l12 (i32.rotl (local.get $l12) (i32.const 1)))
      (local.set $l13 (i64.add (local.get $l13) (i64.const 7)))
      (local.set $l15 (f64.add (local.get $l15) (f64.convert_i32_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      ;; y' = y * 1.0001, x' = x + i
      (f64.mul (f64.const 1.0001))
      (local.set $l7)
      (i64.add (i64.extend_i32_u (local.get $i)))
      (local.get $l7)
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    ;; stack: i32 m, f32 b2, i64 x, f64 y
    (local.set $l3 (f64.add (local.get $l3)))
    (local.set $l1 (i64.add (local.get $l1)))
    (local.set $l2 (f32.add (local.get $l2)))
    (local.set $l0 (i32.add (local.get $l0)))
    (local.get $l0) (local.get $l1) (local.get $l2) (local.get $l3)
    (i64.add (local.get $l5) (local.get $l13))
    (i32.add (local.get $l4) (i32.add (local.get $l8) (local.get $l12)))
    (f64.add (local.get $l11) (f64.add (local.get $l15) (f64.convert_i64_s (local.get $l9))))))"#;

fn call_state(engine: &Engine, n: i32) -> Vec<Val> {
    let module = Module::new(engine, STATE).unwrap();
    let mut store = Store::new(engine, ());
    let i = Instance::new(&mut store, &module, &[]).unwrap();
    let f = i.get_func(&mut store, "state").unwrap();
    let args = [
        Val::I32(n),
        Val::I64(-5),
        Val::F32(1.5f32.to_bits()),
        Val::F64(0.25f64.to_bits()),
        Val::I32(3),
        Val::I32(4),
        Val::I32(5),
        Val::I32(6),
        Val::I64(1 << 40),
    ];
    let mut results = vec![Val::I32(0); 7];
    f.call(&mut store, &args, &mut results).unwrap();
    results
}

#[test]
fn osr_hands_over_locals_operand_stack_and_returns_every_result() {
    let mut base = Config::new();
    base.tier(Tier::Baseline);
    let baseline = Engine::new(&base).unwrap();
    for n in [1, 2, 3, 100, 5000] {
        let want = call_state(&baseline, n);
        let (engine, events) = tiny();
        let got = call_state(&engine, n);
        assert_eq!(format!("{got:?}"), format!("{want:?}"), "n = {n}");
        let osr = osr_events(&events.lock().unwrap(), "state");
        assert_eq!(osr.len(), 1, "n = {n}");
    }
}

#[test]
fn a_trap_in_osr_code_has_the_right_code_and_backtrace() {
    let wat = r#"(module
      (func $inner (export "run") (param $n i32) (result i32)
        (local $i i32) (local $acc i32)
        (loop $l
          (local.set $acc (i32.add (local.get $acc)
            (i32.div_u (i32.const 1000) (i32.sub (local.get $n) (local.get $i)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l))
        (local.get $acc))
      (func (export "outer") (param i32) (result i32)
        (call $inner (local.get 0))))"#;
    let (engine, events) = tiny();
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let i = Instance::new(&mut store, &module, &[]).unwrap();
    let outer = i.get_typed_func::<i32, i32>(&mut store, "outer").unwrap();
    let err = outer.call(&mut store, 50).unwrap_err();
    let trap = err.as_trap().expect("a trap");
    assert_eq!(trap.code(), Some(TrapCode::IntegerDivideByZero), "{err}");
    // The baseline frame that handed over to the OSR code is not a frame of
    // its own: the backtrace is as if `inner` had run optimized throughout.
    let names: Vec<_> = trap
        .backtrace()
        .iter()
        .map(|f| f.func_name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, ["inner", ""], "{err}");
    assert!(trap.backtrace()[0].module_offset.is_some());
    assert_eq!(osr_events(&events.lock().unwrap(), "inner").len(), 1);
    // The store is still usable, and the next call runs optimized code.
    let run = i.get_typed_func::<i32, i32>(&mut store, "run").unwrap();
    assert_eq!(run.func().tier(&store), Some(Tier::Optimizing));
    assert!(run.call(&mut store, 3).is_err());
}

/// Runs [`SUM_LOOP`]'s `sum(1000)` in a new instance, checks the result and
/// returns the tier the function runs in afterwards.
fn sum_1000(engine: &Engine) -> Option<Tier> {
    let module = Module::new(engine, SUM_LOOP).unwrap();
    let mut store = Store::new(engine, ());
    let i = Instance::new(&mut store, &module, &[]).unwrap();
    let sum = i.get_typed_func::<i64, i64>(&mut store, "sum").unwrap();
    assert_eq!(
        sum.call(&mut store, 1000).unwrap() as u64,
        sum_of_squares(1000)
    );
    sum.func().tier(&store)
}

#[test]
fn without_osr_a_running_loop_stays_in_baseline_code() {
    let (engine, events) = tiered(1, 1, true, |c| {
        c.osr(false);
    });
    sum_1000(&engine);
    let events = events.lock().unwrap().clone();
    assert!(events.iter().all(|e| !e.osr), "{events:#?}");
    assert_eq!(
        events.len(),
        1,
        "the function is still published: {events:#?}"
    );
}

#[test]
fn forced_tiers_never_tier_up() {
    for tier in [Tier::Baseline, Tier::Optimizing] {
        let (engine, events) = tiered(1, 1, true, |c| {
            c.tier(tier);
        });
        assert_eq!(sum_1000(&engine), Some(tier));
        assert!(events.lock().unwrap().is_empty());
    }
}

/// OSR at an inner loop: the optimized code continues the outer loop, so it
/// enters the inner loop again from its ordinary path, with values on the
/// operand stack below both loops.
#[test]
fn osr_at_an_inner_loop_continues_the_outer_loop() {
    let wat = r#"(module
      (func $nest (export "nest") (param $n i32) (param $m i32) (result i32 i64)
        (local $i i32) (local $j i32) (local $acc i64)
        (i32.const 12345)
        (loop $outer (result i64)
          (local.set $j (i32.const 0))
          (i64.extend_i32_u (local.get $i))
          (loop $inner (param i64) (result i64)
            (local.set $acc (i64.add (local.get $acc)
              (i64.extend_i32_u (i32.mul (local.get $i) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (i64.add (i64.const 1))
            (br_if $inner (i32.lt_u (local.get $j) (local.get $m))))
          (local.set $acc (i64.add (local.get $acc)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (local.get $acc)
          (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
        (i64.add (i64.const 1))))"#;
    let expected = |n: u32, m: u32| -> (i32, i64) {
        let mut acc: i64 = 0;
        for i in 0..n.max(1) {
            let mut x = i as i64;
            for j in 0..m.max(1) {
                acc += (i.wrapping_mul(j)) as i64;
                x += 1;
            }
            acc += x;
        }
        (12345, acc + 1)
    };
    for budget in [1, 5, 50, 500, 1500] {
        let (engine, events) = tiered(budget, 3, true, |_| {});
        let module = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let i = Instance::new(&mut store, &module, &[]).unwrap();
        let nest = i
            .get_typed_func::<(i32, i32), (i32, i64)>(&mut store, "nest")
            .unwrap();
        assert_eq!(
            nest.call(&mut store, (10, 300)).unwrap(),
            expected(10, 300),
            "budget {budget}"
        );
        let osr = osr_events(&events.lock().unwrap(), "nest");
        assert_eq!(osr.len(), 1, "budget {budget}");
        if budget >= 50 {
            // The counter runs out inside the inner loop.
            assert_eq!(osr[0].loop_index, Some(1), "budget {budget}");
        }
    }
}

/// A nest of three loops, each writing locals, with operand-stack entries
/// below the outer and the middle loop; every loop's trip count is `n`.
const NEST: &str = r#"(module
  (func $nest (export "nest") (param $n i32) (result i64)
    (local $i i32) (local $j i32) (local $k i32) (local $acc i64) (local $row i64)
    (i64.const 7)
    (loop $a
      (local.set $row (i64.extend_i32_u (i32.mul (local.get $i) (i32.const 1000))))
      (local.set $j (i32.const 0))
      (i32.const 3)
      (loop $b
        (local.set $k (i32.const 0))
        (loop $c
          (local.set $acc (i64.add (local.get $acc)
            (i64.add (local.get $row)
              (i64.extend_i32_u (i32.mul (local.get $j) (local.get $k))))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $c (i32.lt_u (local.get $k) (local.get $n))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $b (i32.lt_u (local.get $j) (local.get $n))))
      i64.extend_i32_u
      (local.set $acc (i64.add (local.get $acc)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $a (i32.lt_u (local.get $i) (local.get $n))))
    (i64.add (local.get $acc))))"#;

fn call_nest(engine: &Engine, n: i32) -> i64 {
    let module = Module::new(engine, NEST).unwrap();
    let mut store = Store::new(engine, ());
    let i = Instance::new(&mut store, &module, &[]).unwrap();
    let f = i.get_typed_func::<i32, i64>(&mut store, "nest").unwrap();
    f.call(&mut store, n).unwrap()
}

/// OSR into the innermost loop of a nest enters through the enclosing
/// loops' headers (so that the optimizer still sees three nested loops):
/// the state handed over, the operand-stack entries below the outer loops
/// included, gives the baseline's result, and the enclosing loops run their
/// remaining iterations normally after the first.
#[test]
fn osr_into_an_inner_loop_runs_the_rest_of_the_nest() {
    let mut base = Config::new();
    base.tier(Tier::Baseline);
    let baseline = Engine::new(&base).unwrap();
    // A budget of 50 runs out at a back edge of the inner loop (it makes
    // most of them), partway through the middle and the outer loop.
    for n in [10, 13, 40, 100] {
        let want = call_nest(&baseline, n);
        let (engine, events) = tiered(50, 1, true, |_| {});
        assert_eq!(call_nest(&engine, n), want, "n = {n}");
        let osr = osr_events(&events.lock().unwrap(), "nest");
        assert_eq!(osr.len(), 1, "n = {n}: {osr:#?}");
        assert_eq!(osr[0].loop_index, Some(2), "n = {n}");
    }
}

/// `run` keeps a value below an `if` whose then arm holds a loop and whose
/// else arm falls through to a use of the value; it returns 0 (the file
/// says why). From the differential test, seed 33,704,963: in an OSR
/// variant the entries below a loop are that loop header's phis, which
/// the translator kept using in the else arm and after the `if`, where
/// they are not defined.
const STACK_BELOW_IF: &str = include_str!("regressions/osr_stack_below_if.wat");

#[test]
fn osr_into_a_loop_in_an_if_keeps_the_values_below_it_for_the_else_arm() {
    let mut entered = 0;
    for budget in [2, 3, 5, 8, 13, 20, 50] {
        for n in [3, 10, 40] {
            let (engine, events) = tiered(budget, 1, true, |_| {});
            let module = Module::new(&engine, STACK_BELOW_IF).unwrap();
            let mut store = Store::new(&engine, ());
            let i = Instance::new(&mut store, &module, &[]).unwrap();
            let run = i.get_typed_func::<i32, i32>(&mut store, "run").unwrap();
            assert_eq!(
                run.call(&mut store, n).unwrap(),
                0,
                "budget {budget}, n = {n}"
            );
            entered += osr_events(&events.lock().unwrap(), "run")
                .iter()
                .filter(|e| e.loop_index == Some(1))
                .count();
        }
    }
    assert!(entered > 0, "no run entered the inner loop through OSR");
}

/// The engine keeps the most recent `TIER_EVENTS_KEPT` tier-ups, not every
/// one: an engine that loads and runs modules for as long as its embedder
/// lives does not grow with them. `on_tier_up` sees them all.
#[test]
fn the_engine_keeps_only_the_latest_tier_ups() {
    let (engine, events) = tiny();
    // Function k returns k; each tiers up on its second call.
    let n = strata::TIER_EVENTS_KEPT + 10;
    let mut wat = String::from("(module");
    for k in 0..n {
        wat.push_str(&format!(
            "(func (export \"f{k}\") (result i32) (i32.const {k}))"
        ));
    }
    wat.push(')');
    let module = Module::new(&engine, &wat).unwrap();
    let mut store = Store::new(&engine, ());
    let i = Instance::new(&mut store, &module, &[]).unwrap();
    for k in 0..n {
        let f = i
            .get_typed_func::<(), i32>(&mut store, &format!("f{k}"))
            .unwrap();
        for _ in 0..3 {
            assert_eq!(f.call(&mut store, ()).unwrap(), k as i32);
        }
    }
    let all = events.lock().unwrap().clone();
    assert_eq!(all.len(), n, "one tier-up per function");
    let kept = engine.tier_events();
    assert_eq!(kept.len(), strata::TIER_EVENTS_KEPT);
    assert_eq!(kept[..], all[n - strata::TIER_EVENTS_KEPT..]);
}
