//! Differential tests: every function of some hand-written modules is
//! translated by both the baseline and the SSA translator, and the IR
//! interpreter must give identical outcomes (results or trap) for both on
//! several argument sets. Calls to defined functions are run by the
//! interpreter too (in the same tier); globals and `memory.size` read a `vm`
//! buffer laid out as `VMOffsets` says.

use std::collections::HashMap;

use strata_frontend::baseline::BaselineTranslator;
use strata_frontend::module::{ModuleEnv, translate_module, wasm2_features};
use strata_frontend::ssa::SsaTranslator;
use strata_frontend::vmoffsets::{VMOffsets, funcref, memory};
use strata_ir::interp::{Env, Outcome, VM_BASE, run, same_outcome};
use strata_ir::verifier::verify;
use strata_ir::{CallKind, Function, TrapCode};

const FUEL: u64 = 5_000_000;
const HEAP: usize = 65536;

/// One tier's translation of a module, ready to run.
struct Tier {
    funcs: Vec<Function>,
    /// Direct-call slot -> defined function index.
    slots: HashMap<u32, usize>,
    vm: Vec<u8>,
}

/// A `vm` buffer: the VMContext (defined globals keep their storage in it),
/// then 16 bytes of storage per global for the storage pointers (read by
/// imported globals), then memory 0's definition.
fn vm_buffer(env: &ModuleEnv, o: &VMOffsets) -> Vec<u8> {
    let globals = o.size as usize;
    let memdef = globals + 16 * env.globals.len();
    let mut vm = vec![0u8; memdef + 16];
    let put =
        |vm: &mut Vec<u8>, at: usize, x: u64| vm[at..at + 8].copy_from_slice(&x.to_le_bytes());
    for g in 0..env.globals.len() {
        let storage = VM_BASE + (globals + 16 * g) as u64;
        put(&mut vm, o.global(g as u32) as usize, storage);
    }
    if !env.memories.is_empty() {
        put(&mut vm, o.memory(0) as usize, VM_BASE + memdef as u64);
        put(&mut vm, memdef + memory::LENGTH as usize, HEAP as u64);
    }
    vm
}

fn translate(env: &ModuleEnv, bytes: &[u8], ssa: bool) -> Tier {
    let o = VMOffsets::new(env);
    let mut base = BaselineTranslator::new();
    let mut opt = SsaTranslator::new();
    let mut funcs = Vec::new();
    let mut slots = HashMap::new();
    for i in 0..env.bodies.len() {
        let mut f = Function::new();
        let r = if ssa {
            opt.translate(env, &o, bytes, i, &mut f)
        } else {
            base.translate(env, &o, bytes, i, &mut f)
        };
        r.unwrap_or_else(|e| panic!("function {i}: {e}"));
        verify(&f, ssa).unwrap_or_else(|e| panic!("ssa={ssa}: {e}\n{f}"));
        let index = env.bodies[i].func_index();
        slots.insert(o.funcref(index) + funcref::CODE, i);
        funcs.push(f);
    }
    Tier {
        funcs,
        slots,
        vm: vm_buffer(env, &o),
    }
}

/// Runs defined function `i` of `tier` (with a fresh heap and `vm`).
fn call(tier: &Tier, i: usize, args: &[u64], depth: u32) -> Outcome {
    if depth > 200 {
        return Outcome::Trapped(TrapCode::StackOverflow);
    }
    let mut callback = |kind: CallKind, args: &[u64]| -> Result<Vec<u64>, TrapCode> {
        let CallKind::Direct { slot } = kind else {
            panic!("unexpected call {kind:?}");
        };
        match call(tier, tier.slots[&slot], args, depth + 1) {
            Outcome::Returned(v) => Ok(v),
            Outcome::Trapped(t) => Err(t),
            other => panic!("callee: {other:?}"),
        }
    };
    let mut env = Env {
        // Callees get no memory: only the functions called first use it.
        heap: vec![0; if depth == 0 { HEAP } else { 0 }],
        vm: tier.vm.clone(),
        call: &mut callback,
    };
    run(&tier.funcs[i], args, &mut env, FUEL)
}

/// Checks that both tiers agree on every function of `wat` for every
/// argument set (arguments past a function's arity are ignored); returns
/// the outcomes for spot checks.
fn differential(wat: &str, arg_sets: &[&[u64]]) -> HashMap<String, Vec<Outcome>> {
    let bytes = wat::parse_str(wat).unwrap();
    let env = translate_module(&bytes, wasm2_features()).unwrap();
    let base = translate(&env, &bytes, false);
    let ssa = translate(&env, &bytes, true);
    let mut all = HashMap::new();
    for i in 0..env.bodies.len() {
        let f = &ssa.funcs[i];
        let n = f.signature.params.len();
        let mut outs = Vec::new();
        for args in arg_sets {
            let args: Vec<u64> = (0..n).map(|k| args.get(k).copied().unwrap_or(3)).collect();
            let a = call(&base, i, &args, 0);
            let b = call(&ssa, i, &args, 0);
            assert!(
                !matches!(a, Outcome::Error(_) | Outcome::OutOfFuel),
                "{} {args:?}: baseline {a:?}",
                f.name
            );
            assert!(
                same_outcome(&a, &b, &f.signature.results),
                "{} {args:?}: baseline {a:?}, ssa {b:?}\n{f}",
                f.name
            );
            outs.push(b);
        }
        all.insert(f.name.clone(), outs);
    }
    all
}

const ARGS: &[&[u64]] = &[
    &[0, 0, 0],
    &[1, 2, 3],
    &[5, 1, 0],
    &[10, 7, 2],
    &[37, 0xffff_ffff, 9],
    &[0xffff_ffff, 3, 1],
    &[100, 64, 33],
];

const CONTROL: &str = r#"
(module
  (memory 1)
  (global $g (mut i32) (i32.const 5))
  (global $h (mut i64) (i64.const -1))
  (func $fac (param $n i32) (result i64) (local $acc i64)
    (local.set $acc (i64.const 1))
    (local.set $n (i32.and (local.get $n) (i32.const 31)))
    (block $done
      (loop $l
        (br_if $done (i32.le_u (local.get $n) (i32.const 1)))
        (local.set $acc (i64.mul (local.get $acc) (i64.extend_i32_u (local.get $n))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    local.get $acc)
  (func $fib (param $n i32) (result i32)
    (local.set $n (i32.and (local.get $n) (i32.const 15)))
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func $fib_small (param i32) (result i32)
    (call $fib (i32.and (local.get 0) (i32.const 15))))
  (func $nested_results (param $a i32) (param $b i32) (result i32)
    (block $outer (result i32)
      (block $inner (result i32)
        (drop (br_if $inner (i32.const 11) (i32.eqz (local.get $a))))
        (drop (br_if $outer (i32.const 22) (i32.eq (local.get $a) (local.get $b))))
        (local.set $b (i32.add (local.get $b) (local.get $a)))
        (i32.mul (local.get $b) (i32.const 3)))
      (i32.add (local.get $b))))
  (func $switch (param $x i32) (result i32) (local $r i32)
    (local.set $r (i32.const 100))
    (block $d
      (block $c
        (block $b
          (block $a
            (br_table $a $b $c $a $d (i32.and (local.get $x) (i32.const 7))))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $d))
        (local.set $r (i32.mul (local.get $r) (i32.const 2))))
      (local.set $r (i32.sub (local.get $r) (i32.const 3))))
    local.get $r)
  (func $switch_values (param $x i32) (param $y i32) (result i32)
    (block $b (result i32)
      (block $a (result i32)
        (local.get $y)
        (br_table $a $b $a (local.get $x)))
      (i32.const 1000)
      (i32.add)))
  (func $branchy (param $n i32) (param $m i32) (result i32) (local $i i32) (local $x i32) (local $y i32)
    (local.set $n (i32.and (local.get $n) (i32.const 255)))
    (local.set $y (local.get $m))
    (block $exit
      (loop $l
        (br_if $exit (i32.ge_u (local.get $i) (local.get $n)))
        (if (i32.and (local.get $i) (i32.const 1))
          (then (local.set $x (i32.add (local.get $x) (local.get $i))))
          (else
            (if (i32.eqz (i32.rem_u (local.get $i) (i32.const 3)))
              (then (local.set $y (i32.xor (local.get $y) (local.get $i)))
                    (local.set $x (i32.sub (local.get $x) (i32.const 1)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (i32.add (local.get $x) (i32.mul (local.get $y) (i32.const 7))))
  (func $nested_loops (param $n i32) (result i32) (local $i i32) (local $j i32) (local $s i32) (local $k i32)
    (local.set $n (i32.and (local.get $n) (i32.const 31)))
    (local.set $k (i32.const 3))
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (local.set $s (i32.add (local.get $s) (i32.mul (local.get $i) (local.get $j))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $j) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
    (i32.add (local.get $s) (local.get $k)))
  (func $early_return (param $n i32) (param $m i32) (result i32) (local $i i32)
    (loop $l
      (if (i32.eq (local.get $i) (i32.and (local.get $m) (i32.const 15)))
        (then (return (i32.mul (local.get $i) (i32.const 10)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.and (local.get $n) (i32.const 63)))))
    (i32.const -1))
  (func $br_if_return (param i32) (result i32)
    (br_if 0 (i32.const 42) (local.get 0))
    (drop)
    (i32.const 43))
  (func $memory_sum (param $n i32) (result i32) (local $i i32) (local $s i32)
    (local.set $n (i32.and (local.get $n) (i32.const 127)))
    (loop $fill
      (i32.store (i32.shl (local.get $i) (i32.const 2)) (i32.mul (local.get $i) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (local.get $n))))
    (loop $sum
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (local.set $s (i32.add (local.get $s) (i32.load (i32.shl (local.get $i) (i32.const 2)))))
      (br_if $sum (local.get $i)))
    (i32.add (local.get $s) (memory.size)))
  (func $globals (param i32) (result i64)
    (global.set $g (i32.add (global.get $g) (local.get 0)))
    (global.set $h (i64.add (global.get $h) (i64.extend_i32_s (global.get $g))))
    (global.get $h))
  (func $tee_select (param $a i32) (param $b i32) (result i32) (local $t i32)
    (select
      (local.tee $t (i32.add (local.get $a) (local.get $b)))
      (i32.sub (local.get $t) (local.get $a))
      (i32.gt_u (local.get $a) (local.get $b))))
  (func $swap (param i32 i32) (result i32)
    local.get 0 local.get 1 local.set 0 local.set 1 local.get 0 local.get 1 i32.sub)
  (func $dead_code (param i32) (result i32) (local $x i32)
    (block $b
      (local.set $x (i32.const 5))
      (br $b)
      (local.set $x (i32.const 6))
      (loop (br 0))
      (unreachable))
    (if (local.get 0) (then (return (local.get $x))) (else (unreachable)))
    (i32.const 99))
  (func $divs (param $a i32) (param $b i32) (result i32)
    (i32.add (i32.div_s (local.get $a) (local.get $b)) (i32.rem_u (local.get $a) (i32.add (local.get $b) (i32.const 1)))))
  (func $floats (param $a i32) (result f64) (local $x f64) (local $i i32)
    (local.set $x (f64.convert_i32_s (local.get $a)))
    (loop $l
      (local.set $x (f64.add (f64.mul (local.get $x) (f64.const 0.5)) (f64.const 1.25)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 10))))
    (f64.sqrt (f64.abs (local.get $x))))
  (func $loop_params (param $n i32) (result i32)
    (i32.const 0)
    (local.get $n)
    (loop $l (param i32 i32) (result i32)
      (local.set $n)
      (i32.add (local.get $n))
      (local.tee $n (i32.and (i32.sub (local.get $n) (i32.const 1)) (i32.const 63)))
      (local.get $n)
      (br_if $l (i32.ne (i32.const 0)))
      (drop))
    (i32.add (local.get $n)))
  (func $if_params (param $a i32) (param $b i32) (result i32)
    (local.get $b)
    (if (param i32) (result i32 i32) (i32.and (local.get $a) (i32.const 1))
      (then (local.set $a (i32.const 9)) (i32.const 1) (i32.add) (local.get $a))
      (else (local.set $b (i32.const 8)) (local.get $b) (i32.mul) (i32.const 5)))
    (i32.add (local.get $a) (local.get $b))
    (i32.mul)
    (i32.sub))
  (func $multi_exit (param $n i32) (result i32) (local $x i32) (local $y i32)
    (local.set $y (i32.const 1))
    (block $a
      (block $b
        (loop $l
          (local.set $x (i32.add (local.get $x) (i32.const 3)))
          (br_if $a (i32.gt_u (local.get $x) (local.get $n)))
          (local.set $y (i32.shl (local.get $y) (i32.const 1)))
          (br_if $b (i32.gt_u (local.get $y) (i32.const 1000)))
          (br $l)))
      (local.set $x (i32.const 0)))
    (i32.add (local.get $x) (local.get $y)))
)
"#;

#[test]
fn both_tiers_agree() {
    let outs = differential(CONTROL, ARGS);
    // A few spot checks that the interpreter really computed something.
    assert_eq!(outs["fac"][2], Outcome::Returned(vec![120]));
    assert_eq!(outs["fib_small"][3], Outcome::Returned(vec![55]));
    assert_eq!(
        outs["divs"][0],
        Outcome::Trapped(TrapCode::IntegerDivideByZero)
    );
    assert_eq!(outs["switch"][0], Outcome::Returned(vec![101]));
    assert_eq!(outs["switch"][1], Outcome::Returned(vec![197]));
}

/// Many small generated functions: each takes two arguments and mixes
/// `block`/`if`/`loop`/`br_table` with local updates in a pattern chosen by
/// its index.
#[test]
fn generated_functions_agree() {
    let mut wat = String::from("(module\n");
    for k in 0..40u32 {
        let (p, q) = (k % 5, k % 3);
        wat.push_str(&format!(
            "(func (param $a i32) (param $b i32) (result i32) (local $x i32) (local $y i64) (local $i i32)
  (local.set $a (i32.and (local.get $a) (i32.const 31)))
  (local.set $x (i32.const {k}))
  (loop $l
    (block $e2 (block $e1 (block $e0
      (br_table $e0 $e1 $e2 (i32.rem_u (i32.add (local.get $i) (i32.const {p})) (i32.const 4))))
      (local.set $x (i32.add (local.get $x) (local.get $i)))
      (br_if $e2 (i32.and (local.get $b) (i32.const {q}))))
      (local.set $y (i64.add (local.get $y) (i64.extend_i32_u (local.get $x)))))
    (if (i32.gt_u (local.get $i) (i32.const {p}))
      (then (local.set $b (i32.rotl (local.get $b) (i32.const 1)))))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br_if $l (i32.lt_u (local.get $i) (local.get $a))))
  (i32.xor (local.get $x) (i32.wrap_i64 (local.get $y))))\n"
        ));
    }
    wat.push(')');
    differential(&wat, ARGS);
}

/// A function with 50,000 locals, each incremented in a loop: translation
/// stays linear (one phi per local at the loop header, none elsewhere).
#[test]
fn fifty_thousand_locals() {
    let n = 50_000;
    let mut wat = format!(
        "(module (func (param $p i32) (result i32) (local {})\n",
        "i32 ".repeat(n - 1)
    );
    wat.push_str("loop $l\n");
    for i in 1..n {
        wat.push_str(&format!(
            "local.get {i} i32.const {i} i32.add local.set {i}\n"
        ));
    }
    wat.push_str("local.get 0 i32.const 1 i32.sub local.tee 0 br_if $l end\n");
    wat.push_str(&format!("local.get {} local.get 1 i32.add))", n - 1));
    let outs = differential(&wat, &[&[3]]);
    let expect = 3 * (n as u64 - 1) + 3;
    assert_eq!(outs["f0"][0], Outcome::Returned(vec![expect]));
}

/// `n` nested `block`s, each left early by a `br_if` after updating a
/// local, then `n` nested `loop`s and `n` nested `if`s.
fn nested_constructs(n: usize) -> String {
    let mut wat = String::from("(module (func (param $c i32) (result i32) (local $x i32)\n");
    wat.push_str(&"block\n".repeat(n));
    for _ in 0..n {
        wat.push_str("local.get $x i32.const 1 i32.add local.set $x local.get $c br_if 0 end\n");
    }
    wat.push_str(&"loop\n".repeat(n));
    wat.push_str("local.get $x i32.const 2 i32.add local.set $x\n");
    wat.push_str(&"end\n".repeat(n));
    for _ in 0..n {
        wat.push_str("local.get $c if\n");
    }
    wat.push_str("local.get $x i32.const 3 i32.mul local.set $x\n");
    wat.push_str(&"end\n".repeat(n));
    wat.push_str("local.get $x))");
    wat
}

#[test]
fn nested_constructs_agree() {
    let n = 500;
    let outs = differential(&nested_constructs(n), &[&[0], &[1]]);
    assert_eq!(outs["f0"][0], Outcome::Returned(vec![n as u64 + 2]));
    assert_eq!(outs["f0"][1], Outcome::Returned(vec![3 * (n as u64 + 2)]));
}

/// 10,000 nested blocks, loops and ifs translate in both builders (neither
/// deep recursion nor quadratic work) and verify.
#[test]
fn ten_thousand_nested_constructs_translate() {
    let bytes = wat::parse_str(nested_constructs(10_000)).unwrap();
    let env = translate_module(&bytes, wasm2_features()).unwrap();
    let o = VMOffsets::new(&env);
    let mut f = Function::new();
    SsaTranslator::new()
        .translate(&env, &o, &bytes, 0, &mut f)
        .unwrap();
    verify(&f, true).unwrap();
    let mut g = Function::new();
    BaselineTranslator::new()
        .translate(&env, &o, &bytes, 0, &mut g)
        .unwrap();
    verify(&g, false).unwrap();
    // The loop headers get no parameters: $x is unchanged around each loop.
    assert!(
        f.layout[1..]
            .iter()
            .all(|b| f.blocks[b.index()].params.len() <= 1)
    );
}
