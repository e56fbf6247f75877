//! Early exits without a frame: a function whose entry block branches to a
//! part that only returns, where neither needs the frame (no spill slot,
//! stack argument or call), runs that part before its prologue and returns
//! with a bare `ret`; the prologue (`push rbp`, the stack check, `sub rsp`,
//! the saves) starts the other path. A leaf that needs no frame anywhere
//! has no prologue at all. Code without a frame may trap (a heap access, a
//! division, a conversion, `unreachable`): its trap sites are marked, and
//! the trap handler then finds the caller's return address at `[rsp]`.
//! These tests pin which functions get that shape, and that both paths
//! compute, trap, report full backtraces and exhaust the stack as before,
//! in every tier.

use strata::{Config, Emit, Engine, Instance, Module, Store, Tier, TrapCode, Val, compile_listing};

const WAT: &str = r#"
(module
  (memory 1)
  (global $g (mut i32) (i32.const 5))
  ;; Base case in registers: frameless.
  (func $fib (export "fib") (param i32) (result i32)
    (if (i32.lt_s (local.get 0) (i32.const 2))
      (then (return (local.get 0))))
    (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
             (call $fib (i32.sub (local.get 0) (i32.const 2)))))
  ;; Nothing lives across the body's call (no callee-saved register to
  ;; save): frameless too.
  (func $tail (export "tail") (param i32) (result i32)
    (if (i32.eqz (local.get 0))
      (then (return (i32.const -7))))
    (call $fib (local.get 0)))
  ;; The early exit reads and writes a global (the VMContext): frameless.
  (func $count (export "count") (param i32) (result i32)
    (if (i32.eqz (local.get 0))
      (then (global.set $g (i32.add (global.get $g) (i32.const 1)))
            (return (global.get $g))))
    (i32.add (call $count (i32.sub (local.get 0) (i32.const 1))) (local.get 0)))
  ;; The early exit loads from memory, which can trap: frameless, and the
  ;; trap's backtrace still has this function and its callers.
  (func $load (export "load") (param i32 i32) (result i32)
    (if (i32.eqz (local.get 1))
      (then (return (i32.load (local.get 0)))))
    (i32.add (call $load (local.get 0) (i32.sub (local.get 1) (i32.const 1)))
             (local.get 1)))
  ;; The other path recurses forever: its prologue's stack check stops it.
  (func $deep (export "deep") (param i32) (result i32)
    (if (i32.lt_s (local.get 0) (i32.const 0))
      (then (return (i32.const -1))))
    (i32.add (call $deep (i32.add (local.get 0) (i32.const 1))) (local.get 0)))
  ;; A division can trap (through an out-of-line `ud2`): frameless too.
  (func $div (export "div") (param i32 i32) (result i32)
    (if (i32.gt_s (local.get 1) (i32.const 100))
      (then (return (i32.div_s (local.get 0) (i32.sub (local.get 1) (i32.const 150))))))
    (i32.add (call $div (local.get 0) (i32.add (local.get 1) (i32.const 50))) (i32.const 1)))
  ;; The base case as an `if` with a result: its arm forwards the
  ;; parameter to the block that returns, which the other arm shares;
  ;; frameless once that block is copied into the arm.
  (func $fib_if (export "fib_if") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib_if (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib_if (i32.sub (local.get 0) (i32.const 2)))))))
  ;; The early exit calls: keeps its frame.
  (func $calls (export "calls") (param i32) (result i32)
    (if (i32.eqz (local.get 0))
      (then (return (call $fib (i32.const 10)))))
    (i32.add (call $calls (i32.sub (local.get 0) (i32.const 1))) (local.get 0)))
)
"#;

fn engine(tier: Tier) -> Engine {
    let mut config = Config::new();
    config.tier(tier);
    Engine::new(&config).unwrap()
}

/// The instructions of function `name` in the optimizing tier's listing.
fn code(name: &str) -> Vec<String> {
    let text = compile_listing(&engine(Tier::Optimizing), WAT.as_bytes(), Emit::Asm).unwrap();
    let start = text
        .find(&format!("function %{name}:\n"))
        .unwrap_or_else(|| panic!("no {name} in\n{text}"));
    text[start..]
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(": ").map(|(_, t)| t.to_string()))
        .collect()
}

#[test]
fn only_exits_that_need_no_frame_run_without_one() {
    for name in ["fib", "fib_if", "tail", "count", "deep", "load", "div"] {
        let c = code(name);
        let ret = c.iter().position(|t| t == "ret").unwrap();
        assert!(
            !c[..ret]
                .iter()
                .any(|t| t.contains("rbp") || t.contains("rsp")),
            "{name}: {c:#?}"
        );
        assert_eq!(c[ret + 1], "push rbp", "{name}: {c:#?}");
        // One prologue: its stack check, after the early exit.
        assert_eq!(
            c.iter().filter(|t| t.as_str() == "push rbp").count(),
            1,
            "{name}: {c:#?}"
        );
        let check = c.iter().position(|t| t.starts_with("cmp rsp,")).unwrap();
        assert!(check > ret, "{name}: {c:#?}");
    }
    // The global's update stays a VMContext access.
    assert!(code("count").iter().any(|t| t.contains("[r14+")));
    let c = code("calls");
    assert_eq!(&c[..2], ["push rbp", "mov rbp,rsp"], "calls: {c:#?}");
}

fn instance(tier: Tier) -> (Store<()>, Instance) {
    let engine = engine(tier);
    let module = Module::new(&engine, WAT).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (store, instance)
}

fn call(
    store: &mut Store<()>,
    i: &Instance,
    name: &str,
    args: &[Val],
) -> Result<i32, strata::Error> {
    let f = i.get_func(&mut *store, name).unwrap();
    let mut out = [Val::I32(0)];
    f.call(store, args, &mut out)?;
    Ok(out[0].i32().unwrap())
}

#[test]
fn both_paths_compute_and_trap_as_before() {
    for tier in [Tier::Baseline, Tier::Optimizing, Tier::Tiered] {
        let (mut s, i) = instance(tier);
        for (n, want) in [(0, 0), (1, 1), (2, 1), (15, 610), (20, 6765)] {
            for f in ["fib", "fib_if"] {
                assert_eq!(
                    call(&mut s, &i, f, &[Val::I32(n)]).unwrap(),
                    want,
                    "{f} {tier:?}"
                );
            }
        }
        assert_eq!(
            call(&mut s, &i, "tail", &[Val::I32(0)]).unwrap(),
            -7,
            "{tier:?}"
        );
        assert_eq!(
            call(&mut s, &i, "tail", &[Val::I32(12)]).unwrap(),
            144,
            "{tier:?}"
        );
        // count(0) bumps the global once; count(3) = 3 + 2 + 1 + count(0).
        assert_eq!(
            call(&mut s, &i, "count", &[Val::I32(0)]).unwrap(),
            6,
            "{tier:?}"
        );
        assert_eq!(
            call(&mut s, &i, "count", &[Val::I32(3)]).unwrap(),
            7 + 6,
            "{tier:?}"
        );
        assert_eq!(
            call(&mut s, &i, "calls", &[Val::I32(3)]).unwrap(),
            55 + 6,
            "{tier:?}"
        );
        // div(1000, 10) = div(1000, 60) + 1 = div(1000, 110) + 2 = 1000 / -40 + 2.
        assert_eq!(
            call(&mut s, &i, "div", &[Val::I32(1000), Val::I32(10)]).unwrap(),
            -23,
            "{tier:?}"
        );
        assert_eq!(
            call(&mut s, &i, "load", &[Val::I32(0), Val::I32(2)]).unwrap(),
            3,
            "{tier:?}"
        );
        // Traps in the early exits, below two and three recursive frames:
        // every frame is in the backtrace.
        let e = call(&mut s, &i, "load", &[Val::I32(65534), Val::I32(2)]).unwrap_err();
        let t = e.as_trap().unwrap();
        assert_eq!(t.code(), Some(TrapCode::MemoryOutOfBounds), "{tier:?}");
        let names: Vec<String> = t
            .backtrace()
            .iter()
            .map(|f| f.func_name.clone().unwrap_or_default())
            .collect();
        assert_eq!(names, ["load", "load", "load"], "{tier:?}");
        // div(7, 0) -> div(7, 50) -> div(7, 100) -> div(7, 150): 7 / 0.
        let e = call(&mut s, &i, "div", &[Val::I32(7), Val::I32(0)]).unwrap_err();
        let t = e.as_trap().unwrap();
        assert_eq!(t.code(), Some(TrapCode::IntegerDivideByZero), "{tier:?}");
        assert_eq!(t.backtrace().len(), 4, "{tier:?}");
        // The recursive path still checks the stack, and the engine works
        // after the overflow.
        let e = call(&mut s, &i, "deep", &[Val::I32(0)]).unwrap_err();
        assert_eq!(
            e.as_trap().and_then(|t| t.code()),
            Some(TrapCode::StackOverflow),
            "{tier:?}"
        );
        assert_eq!(
            call(&mut s, &i, "deep", &[Val::I32(-5)]).unwrap(),
            -1,
            "{tier:?}"
        );
        assert_eq!(
            call(&mut s, &i, "fib", &[Val::I32(10)]).unwrap(),
            55,
            "{tier:?}"
        );
    }
}

/// Leaves without any frame that trap in each way code can: a heap access
/// (the guard pages), a division and a conversion (branches to out-of-line
/// `ud2`s) and `unreachable`. Each is reached through `call_indirect` (so
/// that no tier inlines it); the trap's backtrace has the leaf, at the
/// trapping operator, and its caller, at the `call_indirect`.
#[test]
fn leaves_without_a_frame_trap_with_full_backtraces() {
    let wat = r#"
      (module
        (type $un (func (param i32) (result i32)))
        (memory 1)
        (table 4 funcref)
        (elem (i32.const 0) $get $quot $trunc $boom)
        (func $get (param i32) (result i32)
          (i32.load offset=4 (local.get 0)))
        (func $quot (param i32) (result i32)
          (i32.div_s (i32.const 7) (local.get 0)))
        (func $trunc (param i32) (result i32)
          (i32.trunc_f32_s (f32.reinterpret_i32 (local.get 0))))
        (func $boom (param i32) (result i32)
          (unreachable))
        (func $mid (export "mid") (param i32 i32) (result i32)
          (i32.add (call_indirect (type $un) (local.get 1) (local.get 0))
                   (i32.const 1))))
    "#;
    let bytes = wat::parse_str(wat).unwrap();
    let at = |seq: &[u8], skip: usize| {
        let p = bytes
            .windows(seq.len())
            .position(|w| w == seq)
            .expect("the sequence in the code");
        p + skip
    };
    // The operators' offsets: `i32.load`, `i32.div_s`, `i32.trunc_f32_s`,
    // `unreachable` (the body `00 00 0b`: no locals, the operator, `end`)
    // and mid's `call_indirect`.
    let load = at(&[0x20, 0x00, 0x28, 0x02, 0x04], 2);
    let div = at(&[0x41, 0x07, 0x20, 0x00, 0x6d], 4);
    let trunc = at(&[0x20, 0x00, 0xbe, 0xa8], 3);
    let unreachable = at(&[0x03, 0x00, 0x00, 0x0b], 2);
    let call_at = at(&[0x20, 0x01, 0x20, 0x00, 0x11], 4);

    // None of the leaves has a frame in the optimizing tier's code.
    let engine = engine(Tier::Optimizing);
    let text = compile_listing(&engine, &bytes, Emit::Asm).unwrap();
    for leaf in ["get", "quot", "trunc", "boom"] {
        let start = text.find(&format!("function %{leaf}:\n")).unwrap();
        let listing: String = text[start..].split("\n\n").next().unwrap().into();
        assert!(!listing.contains("rbp"), "{listing}");
        assert!(!listing.contains("rsp"), "{listing}");
    }

    let cases = [
        (0, 65534, TrapCode::MemoryOutOfBounds, "get", load),
        (1, 0, TrapCode::IntegerDivideByZero, "quot", div),
        (
            2,
            f32::NAN.to_bits() as i32,
            TrapCode::BadConversionToInteger,
            "trunc",
            trunc,
        ),
        (
            2,
            3e9f32.to_bits() as i32,
            TrapCode::IntegerOverflow,
            "trunc",
            trunc,
        ),
        (3, 0, TrapCode::Unreachable, "boom", unreachable),
    ];
    for tier in [Tier::Baseline, Tier::Optimizing, Tier::Tiered] {
        let engine = self::engine(tier);
        let module = Module::new(&engine, &bytes).unwrap();
        let mut store = Store::new(&engine, ());
        let i = Instance::new(&mut store, &module, &[]).unwrap();
        // And they compute.
        assert_eq!(
            call(&mut store, &i, "mid", &[Val::I32(0), Val::I32(0)]).unwrap(),
            1
        );
        assert_eq!(
            call(&mut store, &i, "mid", &[Val::I32(1), Val::I32(-7)]).unwrap(),
            0
        );
        assert_eq!(
            call(
                &mut store,
                &i,
                "mid",
                &[Val::I32(2), Val::I32(2.5f32.to_bits() as i32)]
            )
            .unwrap(),
            3
        );
        for (k, x, code, leaf, offset) in cases {
            let e = call(&mut store, &i, "mid", &[Val::I32(k), Val::I32(x)]).unwrap_err();
            let t = e.as_trap().unwrap_or_else(|| panic!("not a trap: {e}"));
            assert_eq!(t.code(), Some(code), "{tier:?} {leaf}");
            let frames: Vec<(String, Option<usize>)> = t
                .backtrace()
                .iter()
                .map(|f| (f.func_name.clone().unwrap_or_default(), f.module_offset))
                .collect();
            assert_eq!(
                frames,
                [
                    (leaf.to_string(), Some(offset)),
                    ("mid".to_string(), Some(call_at))
                ],
                "{tier:?}: {e}"
            );
        }
    }
}
