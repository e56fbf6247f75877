//! Traps through the embedding API: every trap kind with its message and
//! backtrace, traps across host calls, stack exhaustion and recovery, many
//! traps without leaks, and traps on several threads at once.

use strata::{Caller, Engine, Error, Func, Instance, Linker, Module, Store, TrapCode, Val};

const TRAPS: &str = r#"
(module
  (type $ii (func (param i32) (result i32)))
  (type $v (func))
  (memory 1)
  (table 3 funcref)
  (elem (i32.const 0) $id $nop)
  (func $id (type $ii) local.get 0)
  (func $nop (type $v))
  (func $inner (export "unreachable") unreachable)
  (func (export "nested") call $middle)
  (func $middle call $inner)
  (func (export "div_by_zero") (param i32) (result i32) i32.const 7 local.get 0 i32.div_u)
  (func (export "rem_by_zero") (param i64) (result i64) i64.const 7 local.get 0 i64.rem_s)
  (func (export "div_overflow") (result i32) i32.const 0x80000000 i32.const -1 i32.div_s)
  (func (export "rem_overflow") (result i32) i32.const 0x80000000 i32.const -1 i32.rem_s)
  (func (export "trunc_nan") (result i32) f32.const nan i32.trunc_f32_s)
  (func (export "trunc_big") (result i64) f64.const 1e30 i64.trunc_f64_u)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load offset=4)
  (func (export "store") (param i32) local.get 0 i64.const 1 i64.store8)
  (func (export "call_indirect") (param i32) (result i32)
    i32.const 5 local.get 0 call_indirect (type $ii))
  (func $rec (export "recurse") (param i32) (result i32)
    local.get 0 i32.const 1 i32.add call $rec)
  (func (export "ok") (result i32) i32.const 42)
)
"#;

fn setup() -> (Store<()>, Instance) {
    let engine = Engine::default();
    let module = Module::new(&engine, TRAPS).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (store, instance)
}

/// Every tier.
const TIERS: [strata::Tier; 3] = [
    strata::Tier::Baseline,
    strata::Tier::Optimizing,
    strata::Tier::Tiered,
];

/// An instance of `wasm` (binary or text) in an engine of `tier`.
fn instantiate_in(tier: strata::Tier, wasm: &[u8]) -> (Store<()>, Instance) {
    let mut config = strata::Config::new();
    config.tier(tier);
    let engine = Engine::new(&config).unwrap();
    let module = Module::new(&engine, wasm).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).unwrap();
    (store, instance)
}

fn trap_of(r: Result<(), Error>) -> (TrapCode, String) {
    let e = r.expect_err("expected a trap");
    let t = e.as_trap().unwrap_or_else(|| panic!("not a trap: {e}"));
    (t.code().expect("a wasm trap"), t.message().to_string())
}

fn call(store: &mut Store<()>, i: &Instance, name: &str, args: &[Val]) -> Result<(), Error> {
    let f = i.get_func(store, name).unwrap();
    let mut results = vec![Val::I64(0); f.ty(store).results().len()];
    f.call(store, args, &mut results)
}

#[test]
fn every_trap_kind_has_its_code_and_message() {
    let (mut s, i) = setup();
    let cases: Vec<(&str, Vec<Val>, TrapCode, &str)> = vec![
        ("unreachable", vec![], TrapCode::Unreachable, "unreachable"),
        (
            "div_by_zero",
            vec![Val::I32(0)],
            TrapCode::IntegerDivideByZero,
            "integer divide by zero",
        ),
        (
            "rem_by_zero",
            vec![Val::I64(0)],
            TrapCode::IntegerDivideByZero,
            "integer divide by zero",
        ),
        (
            "div_overflow",
            vec![],
            TrapCode::IntegerOverflow,
            "integer overflow",
        ),
        (
            "trunc_nan",
            vec![],
            TrapCode::BadConversionToInteger,
            "invalid conversion to integer",
        ),
        (
            "trunc_big",
            vec![],
            TrapCode::IntegerOverflow,
            "integer overflow",
        ),
        (
            "load",
            vec![Val::I32(65533)],
            TrapCode::MemoryOutOfBounds,
            "out of bounds memory access",
        ),
        (
            "load",
            vec![Val::I32(-1)],
            TrapCode::MemoryOutOfBounds,
            "out of bounds memory access",
        ),
        (
            "store",
            vec![Val::I32(65536)],
            TrapCode::MemoryOutOfBounds,
            "out of bounds memory access",
        ),
        (
            "call_indirect",
            vec![Val::I32(3)],
            TrapCode::UndefinedElement,
            "undefined element",
        ),
        (
            "call_indirect",
            vec![Val::I32(2)],
            TrapCode::UninitializedElement,
            "uninitialized element",
        ),
        (
            "call_indirect",
            vec![Val::I32(1)],
            TrapCode::IndirectCallTypeMismatch,
            "indirect call type mismatch",
        ),
        (
            "recurse",
            vec![Val::I32(0)],
            TrapCode::StackOverflow,
            "call stack exhausted",
        ),
    ];
    for (name, args, code, message) in cases {
        let (c, m) = trap_of(call(&mut s, &i, name, &args));
        assert_eq!((c, m.as_str()), (code, message), "{name}({args:?})");
    }
}

#[test]
fn non_trapping_edge_cases() {
    let (mut s, i) = setup();
    let rem = i.get_typed_func::<(), i32>(&mut s, "rem_overflow").unwrap();
    assert_eq!(rem.call(&mut s, ()).unwrap(), 0, "INT_MIN rem_s -1 is 0");
    let ci = i
        .get_typed_func::<i32, i32>(&mut s, "call_indirect")
        .unwrap();
    assert_eq!(ci.call(&mut s, 0).unwrap(), 5);
    let load = i.get_typed_func::<i32, i32>(&mut s, "load").unwrap();
    assert_eq!(
        load.call(&mut s, 65528).unwrap(),
        0,
        "index + offset 4 reads the last four bytes"
    );
}

#[test]
fn backtrace_names_frames_innermost_first() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (func $inner unreachable)
             (func $middle nop call $inner)
             (func $outer (export "outer") call $middle))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let i = Instance::new(&mut store, &module, &[]).unwrap();
    let f = i.get_func(&mut store, "outer").unwrap();
    let e = f.call(&mut store, &[], &mut []).unwrap_err();
    let t = e.as_trap().unwrap();
    let names: Vec<_> = t
        .backtrace()
        .iter()
        .map(|f| f.func_name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, ["inner", "middle", "outer"]);
    let idx: Vec<_> = t.backtrace().iter().map(|f| f.func_index).collect();
    assert_eq!(idx, [0, 1, 2]);
    assert!(t.backtrace().iter().all(|f| f.module_offset.is_some()));
    let text = e.to_string();
    assert!(text.starts_with("unreachable"), "{text}");
    assert!(
        text.contains("wasm backtrace:") && text.contains("(middle)"),
        "{text}"
    );
}

#[test]
fn trap_inside_host_call_chain() {
    // wasm (outer) -> host -> wasm (inner traps): the host sees the trap as
    // an error and passes it on; the outer call reports it.
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "call_back" (func $cb (param i32) (result i32)))
             (func (export "outer") (param i32) (result i32) local.get 0 call $cb i32.const 1 i32.add)
             (func (export "inner") (param i32) (result i32)
               local.get 0 i32.eqz if unreachable end local.get 0 i32.const 10 i32.mul))"#,
    )
    .unwrap();
    let mut store: Store<Option<Func>> = Store::new(&engine, None);
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap(
            "host",
            "call_back",
            |mut caller: Caller<'_, Option<Func>>, x: i32| {
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
    let e = outer.call(&mut store, 0).unwrap_err();
    assert_eq!(
        e.as_trap().and_then(|t| t.code()),
        Some(TrapCode::Unreachable)
    );
    // The store still works.
    assert_eq!(outer.call(&mut store, 2).unwrap(), 21);
}

#[test]
fn host_error_becomes_a_trap_with_backtrace() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "fail" (func $fail))
             (func $f (export "f") call $fail))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "fail", || -> Result<(), Error> {
            Err(Error::msg("host says no"))
        })
        .unwrap();
    let i = linker.instantiate(&mut store, &module).unwrap();
    let f = i.get_func(&mut store, "f").unwrap();
    let e = f.call(&mut store, &[], &mut []).unwrap_err();
    assert_eq!(e.message(), "host says no");
    let t = e.as_trap().expect("host error carries a backtrace");
    assert_eq!(
        t.backtrace().first().and_then(|f| f.func_name.as_deref()),
        Some("f")
    );
}

#[test]
fn stack_overflow_then_normal_calls() {
    let (mut s, i) = setup();
    let rec = i.get_typed_func::<i32, i32>(&mut s, "recurse").unwrap();
    let ok = i.get_typed_func::<(), i32>(&mut s, "ok").unwrap();
    for _ in 0..5 {
        let e = rec.call(&mut s, 0).unwrap_err();
        assert_eq!(
            e.as_trap().and_then(|t| t.code()),
            Some(TrapCode::StackOverflow)
        );
        assert_eq!(ok.call(&mut s, ()).unwrap(), 42);
    }
}

/// `max_wasm_stack` bounds the stack recursion uses, and nearly all of it
/// is usable: the depth reached times the frame size (measured from two
/// limits) stays within the limit and short of it by less than the slack
/// that small frames leave (1 KiB, their prologue compares `rsp` itself),
/// two frames and the entry's own frames. Also for a frame over 1 KiB (a call
/// with 140 stack arguments), whose prologue computes its lowest address.
#[test]
fn max_wasm_stack_bounds_the_stack_recursion_uses() {
    let small_frame = r#"
(module
  (global $depth (export "depth") (mut i32) (i32.const 0))
  (func $rec (export "rec") (param i32) (result i32)
    (global.set $depth (local.get 0))
    (i32.add (call $rec (i32.add (local.get 0) (i32.const 1))) (i32.const 1))))
"#
    .to_string();
    let n = 140;
    let params = " i64".repeat(n);
    let args: String = (1..=n).map(|k| format!(" (local.get {k})")).collect();
    let large_frame = format!(
        r#"
(module
  (global $depth (export "depth") (mut i32) (i32.const 0))
  (func (export "rec") (param i32) (result i32)
    (call $big (local.get 0){zeros}))
  (func $big (param i32{params}) (result i32)
    (global.set $depth (local.get 0))
    (i32.add (call $big (i32.add (local.get 0) (i32.const 1)){args}) (i32.const 1))))
"#,
        zeros = " (i64.const 0)".repeat(n),
    );
    for (wat, frames, check) in [
        (&small_frame, 32..=256, "cmp rsp,[r11]"),
        (&large_frame, 1024..=8192, "cmp r10,[r11]"),
    ] {
        for tier in [strata::Tier::Baseline, strata::Tier::Optimizing] {
            let mut config = strata::Config::new();
            config.tier(tier);
            let listing = strata::compile_listing(
                &Engine::new(&config).unwrap(),
                wat.as_bytes(),
                strata::Emit::Asm,
            )
            .unwrap();
            assert!(listing.contains(check), "{tier:?}:\n{listing}");
            let depth_at = |max: usize| {
                let mut config = strata::Config::new();
                config.tier(tier).max_wasm_stack(max);
                let engine = Engine::new(&config).unwrap();
                let module = Module::new(&engine, wat).unwrap();
                let mut store = Store::new(&engine, ());
                let i = Instance::new(&mut store, &module, &[]).unwrap();
                let rec = i.get_typed_func::<i32, i32>(&mut store, "rec").unwrap();
                let e = rec.call(&mut store, 1).unwrap_err();
                assert_eq!(
                    e.as_trap().and_then(|t| t.code()),
                    Some(TrapCode::StackOverflow)
                );
                let g = i.get_global(&mut store, "depth").unwrap();
                match g.get(&store) {
                    Val::I32(d) => d as usize,
                    v => panic!("depth {v:?}"),
                }
            };
            let (small, large) = (64 * 1024, 256 * 1024);
            let (d1, d2) = (depth_at(small), depth_at(large));
            // Frames are 16-byte multiples.
            let frame = ((large - small) as f64 / (d2 - d1) as f64 / 16.0).round() as usize * 16;
            assert!(frames.contains(&frame), "{tier:?}: frame {frame}");
            for (max, d) in [(small, d1), (large, d2)] {
                let used = d * frame;
                assert!(
                    used <= max,
                    "{tier:?}: {d} frames of {frame} bytes past {max}"
                );
                // (Short by the slack, the frame that did not fit, the
                // caller `rec`'s own frame and the entry's.)
                assert!(
                    used + 1024 + 2 * frame + 512 >= max,
                    "{tier:?}: {d} frames of {frame} bytes leave too much of {max}"
                );
            }
        }
    }
}

fn rss_pages() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[test]
fn ten_thousand_traps_do_not_grow_memory() {
    let (mut s, i) = setup();
    let f = i.get_typed_func::<i32, i32>(&mut s, "div_by_zero").unwrap();
    for _ in 0..1000 {
        assert!(f.call(&mut s, 0).is_err());
    }
    let before = rss_pages();
    for _ in 0..10_000 {
        let e = f.call(&mut s, 0).unwrap_err();
        assert_eq!(
            e.as_trap().and_then(|t| t.code()),
            Some(TrapCode::IntegerDivideByZero)
        );
    }
    let after = rss_pages();
    // Allow a little noise (allocator arenas), not growth per trap.
    assert!(
        after <= before + 256,
        "RSS grew from {before} to {after} pages"
    );
}

#[test]
fn two_threads_trap_at_the_same_time() {
    let engine = Engine::default();
    let module = Module::new(&engine, TRAPS).unwrap();
    let handles: Vec<_> = (0..2)
        .map(|t| {
            let engine = engine.clone();
            let module = module.clone();
            std::thread::spawn(move || {
                let mut store = Store::new(&engine, ());
                let i = Instance::new(&mut store, &module, &[]).unwrap();
                let load = i.get_typed_func::<i32, i32>(&mut store, "load").unwrap();
                let div = i
                    .get_typed_func::<i32, i32>(&mut store, "div_by_zero")
                    .unwrap();
                for k in 0..2000 {
                    if (k + t) % 2 == 0 {
                        let e = load.call(&mut store, -8).unwrap_err();
                        assert_eq!(
                            e.as_trap().and_then(|t| t.code()),
                            Some(TrapCode::MemoryOutOfBounds)
                        );
                    } else {
                        let e = div.call(&mut store, 0).unwrap_err();
                        assert_eq!(
                            e.as_trap().and_then(|t| t.code()),
                            Some(TrapCode::IntegerDivideByZero)
                        );
                    }
                    assert_eq!(div.call(&mut store, 7).unwrap(), 1);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn start_function_trap_fails_instantiation() {
    let engine = Engine::default();
    let module = Module::new(&engine, r#"(module (func $s unreachable) (start $s))"#).unwrap();
    let mut store = Store::new(&engine, ());
    let e = Instance::new(&mut store, &module, &[]).unwrap_err();
    assert_eq!(
        e.as_trap().and_then(|t| t.code()),
        Some(TrapCode::Unreachable)
    );
}

/// A heap load folded into the arithmetic that uses it (`add reg, [mem]`,
/// `addsd xmm, [mem]`) still traps as an out-of-bounds load, and the
/// backtrace points at the load's own bytecode offset, in every tier.
#[test]
fn folded_load_traps_at_the_load() {
    use wasm_encoder::{
        CodeSection, ExportKind, ExportSection, Function, FunctionSection, Instruction, MemArg,
        MemArgTarget, MemorySection, MemoryType, TypeSection, ValType,
    };
    let mut types = TypeSection::new();
    types
        .ty()
        .function([ValType::I32, ValType::I32], [ValType::I32]);
    types
        .ty()
        .function([ValType::F64, ValType::I32], [ValType::F64]);
    let mut funcs = FunctionSection::new();
    funcs.function(0).function(1);
    let mut memories = MemorySection::new();
    memories.memory(MemoryType {
        minimum: 1,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut exports = ExportSection::new();
    exports.export("int", ExportKind::Func, 0);
    exports.export("float", ExportKind::Func, 1);
    let arg = |align| MemArg {
        offset: 8,
        align,
        target: MemArgTarget::Memory(0),
        ordering: None,
    };
    let mut code = CodeSection::new();
    let mut f = Function::new([]);
    f.instruction(&Instruction::LocalGet(0))
        .instruction(&Instruction::LocalGet(1))
        .instruction(&Instruction::I32Load(arg(2)))
        .instruction(&Instruction::I32Add)
        .instruction(&Instruction::End);
    code.function(&f);
    let mut f = Function::new([]);
    f.instruction(&Instruction::LocalGet(0))
        .instruction(&Instruction::LocalGet(1))
        .instruction(&Instruction::F64Load(arg(3)))
        .instruction(&Instruction::F64Mul)
        .instruction(&Instruction::End);
    code.function(&f);
    let mut m = wasm_encoder::Module::new();
    m.section(&types)
        .section(&funcs)
        .section(&memories)
        .section(&exports)
        .section(&code);
    let bytes = m.finish();
    // The loads' opcodes: after `local.get 1`, before their memarg.
    let at = |seq: &[u8]| {
        bytes
            .windows(seq.len())
            .position(|w| w == seq)
            .expect("load in the code")
            + 2
    };
    let int_load = at(&[0x20, 0x01, 0x28, 0x02, 0x08]);
    let float_load = at(&[0x20, 0x01, 0x2b, 0x03, 0x08]);
    for tier in TIERS {
        let (mut store, i) = instantiate_in(tier, &bytes);
        let cases = [
            ("int", Val::I32(3), int_load),
            ("float", Val::F64(1.5f64.to_bits()), float_load),
        ];
        for (name, x, load_at) in cases {
            // In bounds: the sum or product of the zeroed memory.
            let f = i.get_func(&mut store, name).unwrap();
            let mut out = [Val::I32(0)];
            f.call(&mut store, &[x.clone(), Val::I32(16)], &mut out)
                .unwrap();
            // Out of bounds: 0xffff_fff0 + 8 is past the 64 KiB memory.
            let e = f
                .call(&mut store, &[x, Val::I32(-16)], &mut out)
                .expect_err("out of bounds");
            let t = e.as_trap().unwrap_or_else(|| panic!("not a trap: {e}"));
            assert_eq!(
                t.code(),
                Some(TrapCode::MemoryOutOfBounds),
                "{tier:?} {name}"
            );
            assert_eq!(
                t.backtrace()[0].module_offset,
                Some(load_at),
                "{tier:?} {name}: {e}"
            );
        }
    }
}

/// Where the byte sequence `seq` starts in the module `bytes`.
fn code_offset(bytes: &[u8], seq: &[u8]) -> usize {
    bytes
        .windows(seq.len())
        .position(|w| w == seq)
        .expect("the sequence in the code")
}

/// A load, an operation and a store of one place (`x[i] += y`), compiled as
/// one read-modify-write instruction (`add [mem], reg`), still traps as an
/// out-of-bounds load at the load's bytecode offset, leaves memory alone
/// when it traps, and otherwise updates it, in every tier; also when the
/// access straddles the end of memory.
#[test]
fn read_modify_write_traps_at_the_load() {
    let wat = r#"
      (module
        (memory (export "mem") 1)
        (func (export "bump") (param $p i32) (param $x i32)
          (i32.store offset=8 (local.get $p)
            (i32.add (i32.load offset=8 (local.get $p)) (local.get $x))))
        (func (export "bump64") (param $p i32)
          (i64.store (local.get $p)
            (i64.xor (i64.const -1) (i64.load (local.get $p))))))
    "#;
    let bytes = wat::parse_str(wat).unwrap();
    // `local.get 0; i32.load offset=8` and `i64.const -1; i64.load`: the
    // loads' opcodes.
    let at = |seq: &[u8], skip: usize| code_offset(&bytes, seq) + skip;
    let load32 = at(&[0x20, 0x00, 0x28, 0x02, 0x08], 2);
    let load64 = at(&[0x42, 0x7f, 0x20, 0x00, 0x29], 4);
    for tier in TIERS {
        let (mut store, i) = instantiate_in(tier, &bytes);
        let mem = i.get_memory(&mut store, "mem").unwrap();
        mem.write(&mut store, 24, &40u32.to_le_bytes()).unwrap();
        mem.write(&mut store, 65528, &[0x0f; 8]).unwrap();
        let bump = i
            .get_typed_func::<(i32, i32), ()>(&mut store, "bump")
            .unwrap();
        let bump64 = i.get_typed_func::<i32, ()>(&mut store, "bump64").unwrap();
        bump.call(&mut store, (16, 2)).unwrap();
        bump64.call(&mut store, 65528).unwrap();
        let mut buf = [0u8; 8];
        mem.read(&store, 24, &mut buf[..4]).unwrap();
        assert_eq!(
            u32::from_le_bytes(buf[..4].try_into().unwrap()),
            42,
            "{tier:?}"
        );
        mem.read(&store, 65528, &mut buf).unwrap();
        assert_eq!(buf, [0xf0; 8], "{tier:?}");
        // Out of bounds: 65528 + 8 straddles the end (the first four bytes
        // are in bounds); 0xffff_fff0 + 8 is far past it.
        for (f, p, load_at) in [(0, 65528, load32), (0, -16, load32), (1, 65530, load64)] {
            let e = if f == 0 {
                bump.call(&mut store, (p, 1))
            } else {
                bump64.call(&mut store, p)
            }
            .expect_err("out of bounds");
            let t = e.as_trap().unwrap_or_else(|| panic!("not a trap: {e}"));
            assert_eq!(t.code(), Some(TrapCode::MemoryOutOfBounds), "{tier:?} {p}");
            assert_eq!(
                t.backtrace()[0].module_offset,
                Some(load_at),
                "{tier:?} {p}: {e}"
            );
        }
        mem.read(&store, 65528, &mut buf).unwrap();
        assert_eq!(buf, [0xf0; 8], "{tier:?}: a trapping access wrote");
    }
}

/// A heap load used only by a comparison, compared in memory (`cmp [mem],
/// reg`, `cmp byte ptr [mem], 0`), traps as an out-of-bounds load at the
/// load's bytecode offset, and compares right in bounds, in every tier.
#[test]
fn compared_load_traps_at_the_load() {
    let wat = r#"
      (module
        (memory 1)
        (func (export "less") (param $p i32) (param $x i32) (result i32)
          (if (result i32) (i32.lt_u (i32.load offset=8 (local.get $p)) (local.get $x))
            (then (i32.const 1)) (else (i32.const 0))))
        (func (export "nonzero") (param $p i32) (result i32)
          (select (i32.const 1) (i32.const 2) (i32.load8_u (local.get $p)))))
    "#;
    let bytes = wat::parse_str(wat).unwrap();
    let at = |seq: &[u8], skip: usize| code_offset(&bytes, seq) + skip;
    // `local.get 0; i32.load offset=8` and `local.get 0; i32.load8_u`.
    let load32 = at(&[0x20, 0x00, 0x28, 0x02, 0x08], 2);
    let load8 = at(&[0x20, 0x00, 0x2d, 0x00, 0x00], 2);
    for tier in TIERS {
        let (mut store, i) = instantiate_in(tier, &bytes);
        let less = i
            .get_typed_func::<(i32, i32), i32>(&mut store, "less")
            .unwrap();
        let nonzero = i.get_typed_func::<i32, i32>(&mut store, "nonzero").unwrap();
        // Memory is zero: 0 < 1, not 0 < 0; the byte is zero.
        assert_eq!(less.call(&mut store, (65520, 1)).unwrap(), 1, "{tier:?}");
        assert_eq!(less.call(&mut store, (65520, 0)).unwrap(), 0, "{tier:?}");
        assert_eq!(nonzero.call(&mut store, 65535).unwrap(), 2, "{tier:?}");
        for (e, load_at) in [
            (less.call(&mut store, (65530, 1)).map(drop), load32),
            (nonzero.call(&mut store, 65536).map(drop), load8),
        ] {
            let e = e.expect_err("out of bounds");
            let t = e.as_trap().unwrap_or_else(|| panic!("not a trap: {e}"));
            assert_eq!(t.code(), Some(TrapCode::MemoryOutOfBounds), "{tier:?}");
            assert_eq!(
                t.backtrace()[0].module_offset,
                Some(load_at),
                "{tier:?}: {e}"
            );
        }
    }
}

/// Heap address arithmetic wraps at 32 bits, as Wasm computes it, in every
/// tier: an index computation folds into the 64-bit addressing mode only
/// where it provably cannot wrap (a masked index scaled and offset, in
/// bounds or just past the end), and wraps where it can (an unknown index
/// plus a constant, or shifted).
#[test]
fn address_arithmetic_wraps_at_32_bits() {
    let wat = r#"
    (module
      (memory 1)
      (data (i32.const 0) "\01\02\03\04\05\06\07\08")
      (data (i32.const 0x410) "\11\12\13\14\15\16\17\18")
      (func (export "add") (param i32) (result i32)
        (i32.load8_u (i32.add (local.get 0) (i32.const 4))))
      (func (export "shl") (param i32) (result i32)
        (i32.load (i32.shl (local.get 0) (i32.const 2))))
      (func (export "add_folded_load") (param i32 i32) (result i32)
        (i32.add (local.get 1) (i32.load (i32.add (local.get 0) (i32.const 8)))))
      (func (export "table") (param i32) (result i32)
        (i32.load offset=0x10
          (i32.add (i32.shl (i32.and (local.get 0) (i32.const 0xff)) (i32.const 2))
                   (i32.const 0x400))))
      (func (export "edge") (param i32) (result i32)
        (i32.load (i32.add (i32.and (local.get 0) (i32.const 0xffff)) (i32.const 0xfffc))))
      (func (export "store") (param i32 i32) (result i32)
        (i32.store16 offset=2 (i32.shl (i32.and (local.get 0) (i32.const 0x7fff)) (i32.const 1))
                     (local.get 1))
        (i32.load16_u offset=2 (i32.shl (i32.and (local.get 0) (i32.const 0x7fff)) (i32.const 1)))))
    "#;
    let ok = |v: i32| Ok::<i32, TrapCode>(v);
    let oob = Err(TrapCode::MemoryOutOfBounds);
    let cases: [(&str, &[i32], Result<i32, TrapCode>); 13] = [
        // 0xffff_fffc + 4 wraps to 0, 0xffff_fffd + 4 to 1.
        ("add", &[-4], ok(1)),
        ("add", &[-3], ok(2)),
        ("add", &[0xfffc], oob),
        // 0x4000_0001 << 2 wraps to 4.
        ("shl", &[0x4000_0001], ok(0x0807_0605)),
        ("shl", &[0x4000], oob),
        // 0xffff_fff8 + 8 wraps to 0.
        ("add_folded_load", &[-8, 1], ok(0x0403_0202)),
        // (x & 0xff) * 4 + 0x400 + 0x10: 0x410 for x = 0x100, 0x414 for 0x301.
        ("table", &[0x100], ok(0x1413_1211)),
        ("table", &[0x301], ok(0x1817_1615)),
        // (x & 0xffff) + 0xfffc: the last word of the page, or 1 byte past.
        ("edge", &[0x1_0000], ok(0)),
        ("edge", &[1], oob),
        ("edge", &[-1], oob),
        // (x & 0x7fff) * 2 + 2: the last halfword, from an index with high bits.
        ("store", &[0x7fff_7ffe, 0xabcd], ok(0xabcd)),
        ("store", &[0x7fff, 0xabcd], oob),
    ];
    for tier in TIERS {
        let (mut store, i) = instantiate_in(tier, wat.as_bytes());
        for (name, args, want) in &cases {
            let f = i.get_func(&mut store, name).unwrap();
            let args: Vec<Val> = args.iter().map(|&a| Val::I32(a)).collect();
            let mut out = [Val::I32(0)];
            let got = match f.call(&mut store, &args, &mut out) {
                Ok(()) => Ok(out[0].i32().unwrap()),
                Err(e) => Err(e
                    .as_trap()
                    .and_then(|t| t.code())
                    .unwrap_or_else(|| panic!("{tier:?} {name}{args:?}: {e}"))),
            };
            assert_eq!(&got, want, "{tier:?} {name}{args:?}");
        }
    }
}

/// `call_indirect`'s three checks (index against the table's length, null
/// entry, signature id), each a comparison and a conditional jump to its
/// trap, trap with their own codes at the call's bytecode offset in every
/// tier, and a call that passes them returns.
#[test]
fn call_indirect_checks_trap_at_the_call() {
    let bytes = wat::parse_str(TRAPS).unwrap();
    // `local.get 0; call_indirect (type 0) (table 0)`.
    let call_at = code_offset(&bytes, &[0x20, 0x00, 0x11, 0x00, 0x00]) + 2;
    for tier in TIERS {
        let (mut store, i) = instantiate_in(tier, &bytes);
        let f = i
            .get_typed_func::<i32, i32>(&mut store, "call_indirect")
            .unwrap();
        assert_eq!(f.call(&mut store, 0).unwrap(), 5, "{tier:?}");
        for (index, code) in [
            (3, TrapCode::UndefinedElement),
            (-1, TrapCode::UndefinedElement),
            (2, TrapCode::UninitializedElement),
            (1, TrapCode::IndirectCallTypeMismatch),
        ] {
            let e = f.call(&mut store, index).expect_err("a trap");
            let t = e.as_trap().unwrap_or_else(|| panic!("not a trap: {e}"));
            assert_eq!(t.code(), Some(code), "{tier:?} index {index}");
            assert_eq!(
                t.backtrace()[0].module_offset,
                Some(call_at),
                "{tier:?} index {index}: {e}"
            );
        }
    }
}
