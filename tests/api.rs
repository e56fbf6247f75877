//! The embedding API end to end: modules from text and binary, imports of all
//! four kinds, exports, memory access, globals, tables, typed calls,
//! malformed input.

use strata::{
    Config, Engine, ErrorKind, Extern, Func, FuncType, Global, GlobalType, Instance, Linker,
    Memory, MemoryType, Module, Mutability, Store, Table, TableType, Val, ValType,
};

#[test]
fn engine_and_module_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Engine>();
    check::<Module>();
}

#[test]
fn imports_of_every_kind_and_exports() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "env" "add" (func $add (param i32 i32) (result i32)))
             (import "env" "mem" (memory 1))
             (import "env" "g" (global $g (mut i64)))
             (import "env" "t" (table 2 funcref))
             (func (export "run") (param i32) (result i32)
               local.get 0 i32.const 100 call $add)
             (func (export "poke") (param i32 i32) local.get 0 local.get 1 i32.store)
             (func (export "bump") (result i64) global.get $g i64.const 1 i64.add global.set $g global.get $g)
             (func (export "size") (result i32) memory.size)
             (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))"#,
    )
    .unwrap();
    let imports: Vec<_> = module
        .imports()
        .map(|i| format!("{}::{}", i.module(), i.name()))
        .collect();
    assert_eq!(imports, ["env::add", "env::mem", "env::g", "env::t"]);
    assert_eq!(module.exports().count(), 5);

    let mut store = Store::new(&engine, ());
    let add = Func::wrap(&mut store, |a: i32, b: i32| a.wrapping_add(b)).unwrap();
    let mem = Memory::new(&mut store, MemoryType::new(1, Some(3))).unwrap();
    let g = Global::new(
        &mut store,
        GlobalType::new(ValType::I64, Mutability::Var),
        Val::I64(41),
    )
    .unwrap();
    let t = Table::new(
        &mut store,
        TableType::new(ValType::FuncRef, 2, None),
        Val::FuncRef(None),
    )
    .unwrap();
    let i = Instance::new(
        &mut store,
        &module,
        &[add.into(), mem.into(), g.into(), Extern::Table(t)],
    )
    .unwrap();
    let run = i.get_typed_func::<i32, i32>(&mut store, "run").unwrap();
    assert_eq!(run.call(&mut store, 5).unwrap(), 105);
    let poke = i
        .get_typed_func::<(i32, i32), ()>(&mut store, "poke")
        .unwrap();
    poke.call(&mut store, (8, 0x0403_0201)).unwrap();
    let mut buf = [0u8; 4];
    mem.read(&store, 8, &mut buf).unwrap();
    assert_eq!(buf, [1, 2, 3, 4]);
    mem.write(&mut store, 100, &[9]).unwrap();
    assert_eq!(mem.data(&store)[100], 9);
    assert!(mem.read(&store, 65535, &mut buf).is_err());
    let bump = i.get_typed_func::<(), i64>(&mut store, "bump").unwrap();
    assert_eq!(bump.call(&mut store, ()).unwrap(), 42);
    assert_eq!(g.get(&store).i64(), Some(42));
    g.set(&mut store, Val::I64(7)).unwrap();
    assert_eq!(bump.call(&mut store, ()).unwrap(), 8);

    let size = i.get_typed_func::<(), i32>(&mut store, "size").unwrap();
    let grow = i.get_typed_func::<i32, i32>(&mut store, "grow").unwrap();
    assert_eq!(size.call(&mut store, ()).unwrap(), 1);
    assert_eq!(grow.call(&mut store, 1).unwrap(), 1);
    assert_eq!(
        grow.call(&mut store, 5).unwrap(),
        -1,
        "past the maximum of 3"
    );
    assert_eq!(size.call(&mut store, ()).unwrap(), 2);
    assert_eq!(mem.size(&store), 2, "the host sees the grown memory");
    poke.call(&mut store, (65536 + 12, 77)).unwrap();
}

#[test]
fn link_errors_name_the_import() {
    let engine = Engine::default();
    let module = Module::new(&engine, r#"(module (import "env" "f" (func (param i32))))"#).unwrap();
    let mut store = Store::new(&engine, ());
    let linker: Linker<()> = Linker::new(&engine);
    let e = linker.instantiate(&mut store, &module).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Link);
    assert!(e.to_string().contains("env::f"), "{e}");

    let wrong = Func::wrap(&mut store, |_: i64| {}).unwrap();
    let e = Instance::new(&mut store, &module, &[wrong.into()]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Link);
    assert!(e.to_string().contains("incompatible import type"), "{e}");
}

#[test]
fn dynamic_calls_check_arguments() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module (func (export "f") (param i32 f64) (result f64) local.get 1))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let i = Instance::new(&mut store, &module, &[]).unwrap();
    let f = i.get_func(&mut store, "f").unwrap();
    assert_eq!(
        f.ty(&store),
        FuncType::new([ValType::I32, ValType::F64], [ValType::F64])
    );
    let mut r = [Val::F64(0)];
    f.call(
        &mut store,
        &[Val::I32(1), Val::F64(2.5f64.to_bits())],
        &mut r,
    )
    .unwrap();
    assert_eq!(r[0].f64(), Some(2.5));
    assert!(f.call(&mut store, &[Val::I32(1)], &mut r).is_err());
    assert!(
        f.call(&mut store, &[Val::I32(1), Val::I32(2)], &mut r)
            .is_err()
    );
    assert!(i.get_typed_func::<i32, i32>(&mut store, "f").is_err());
    assert!(i.get_typed_func::<i32, i32>(&mut store, "missing").is_err());
}

#[test]
fn host_functions_returning_several_values_and_many_arguments() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "h" "sum" (func $sum (param i32 i64 f32 f64 i32 i64 f32 f64 i32) (result f64)))
             (func (export "go") (result f64)
               i32.const 1 i64.const 2 f32.const 3 f64.const 4 i32.const 5 i64.const 6 f32.const 7 f64.const 8 i32.const 9
               call $sum))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_new(
            "h",
            "sum",
            FuncType::new(
                [
                    ValType::I32,
                    ValType::I64,
                    ValType::F32,
                    ValType::F64,
                    ValType::I32,
                    ValType::I64,
                    ValType::F32,
                    ValType::F64,
                    ValType::I32,
                ],
                [ValType::F64],
            ),
            |_, args, results| {
                let mut total = 0.0;
                for a in args {
                    total += match a {
                        Val::I32(v) => *v as f64,
                        Val::I64(v) => *v as f64,
                        Val::F32(b) => f32::from_bits(*b) as f64,
                        Val::F64(b) => f64::from_bits(*b),
                        _ => 0.0,
                    };
                }
                results[0] = Val::F64(total.to_bits());
                Ok(())
            },
        )
        .unwrap();
    let i = linker.instantiate(&mut store, &module).unwrap();
    let go = i.get_typed_func::<(), f64>(&mut store, "go").unwrap();
    assert_eq!(go.call(&mut store, ()).unwrap(), 45.0);
}

#[test]
fn malformed_and_truncated_modules_are_errors() {
    let engine = Engine::default();
    let wasm = wat::parse_str(
        r#"(module
             (memory 1) (table 2 funcref) (global (mut i32) (i32.const 3))
             (func $f (param i32) (result i32) local.get 0 i32.const 1 i32.add)
             (func (export "g") (result i32)
               block (result i32) i32.const 2 call $f end
               loop i32.const 1 br_if 0 end)
             (elem (i32.const 0) $f)
             (data (i32.const 8) "hello"))"#,
    )
    .unwrap();
    assert!(Module::new(&engine, &wasm).is_ok());
    // A cut at a section boundary can leave a valid module (the 8-byte
    // header alone is one); every other cut is an error, never a panic.
    let accepted = (0..wasm.len())
        .filter(|&len| Module::new(&engine, &wasm[..len]).is_ok())
        .count();
    assert!(accepted <= 4, "{accepted} truncations accepted");
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..3000 {
        let mut copy = wasm.clone();
        for _ in 0..3 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = (seed % copy.len() as u64) as usize;
            copy[at] = (seed >> 32) as u8;
        }
        // Either outcome is fine; neither may panic or crash.
        if let Ok(m) = Module::new(&engine, &copy) {
            let mut store = Store::new(&engine, ());
            let _ = Instance::new(&mut store, &m, &[]);
        }
    }
    let e = Module::new(&engine, b"\0asm\x01\0\0\0\x01").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert!(e.to_string().contains("offset"), "{e}");
    let e = Module::new(&engine, "(module (func (result i32) i64.const 1))").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
    assert!(e.to_string().contains("type mismatch"), "{e}");
}

#[test]
fn host_functions_see_the_calling_instance() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "host" "sum_bytes" (func $sum (param i32 i32) (result i32)))
             (memory (export "memory") 1)
             (data (i32.const 16) "\01\02\03\04\05")
             (func (export "run") (result i32) i32.const 16 i32.const 5 call $sum))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap(
            "host",
            "sum_bytes",
            |mut caller: strata::Caller<'_, ()>, ptr: i32, len: i32| {
                let mem = caller
                    .get_export("memory")
                    .and_then(Extern::into_memory)
                    .ok_or_else(|| strata::Error::msg("no memory"))?;
                let data = mem.data(&caller);
                let bytes = data
                    .get(ptr as usize..(ptr + len) as usize)
                    .ok_or_else(|| strata::Error::msg("out of bounds"))?;
                Ok(bytes.iter().map(|&b| b as i32).sum::<i32>())
            },
        )
        .unwrap();
    let i = linker.instantiate(&mut store, &module).unwrap();
    let run = i.get_typed_func::<(), i32>(&mut store, "run").unwrap();
    assert_eq!(run.call(&mut store, ()).unwrap(), 15);
    // Called directly from the host, there is no calling instance.
    let f = linker
        .get(&mut store, "host", "sum_bytes")
        .unwrap()
        .into_func()
        .unwrap();
    let mut r = [Val::I32(0)];
    let e = f
        .call(&mut store, &[Val::I32(16), Val::I32(5)], &mut r)
        .unwrap_err();
    assert!(e.to_string().contains("no memory"), "{e}");
}

#[test]
fn feature_set_is_configurable() {
    let wat = "(module (func (export \"f\") (result i32 i32) i32.const 1 i32.const 2))";
    let engine = Engine::default();
    assert!(
        Module::new(&engine, wat).is_ok(),
        "multi-value is on by default"
    );
    let mut config = strata::Config::new();
    config.wasm_features(strata::WasmFeatures::WASM1);
    let wasm1 = Engine::new(&config).unwrap();
    let e = Module::new(&wasm1, wat).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Invalid);
}

/// A global a module defines lives in its instance's VMContext: another
/// instance that imports it, the host's handle and the defining code all
/// see one storage, in every tier.
#[test]
fn defined_global_shared_with_an_importing_instance_and_the_host() {
    for tier in [strata::Tier::Baseline, strata::Tier::Optimizing] {
        let mut config = strata::Config::new();
        config.tier(tier);
        let engine = Engine::new(&config).unwrap();
        let owner = Module::new(
            &engine,
            r#"(module
                 (global $pad (export "pad") i32 (i32.const 9))
                 (global $n (export "n") (mut i64) (i64.const 40))
                 (func (export "add") (param i64) (result i64)
                   (global.set $n (i64.add (global.get $n) (local.get 0)))
                   (global.get $n)))"#,
        )
        .unwrap();
        let user = Module::new(
            &engine,
            r#"(module
                 (import "owner" "n" (global $n (mut i64)))
                 (import "owner" "pad" (global $pad i32))
                 (global $own (mut i32) (global.get $pad))
                 (func (export "double") (result i64)
                   (global.set $n (i64.mul (global.get $n) (i64.const 2)))
                   (global.get $n))
                 (func (export "own") (result i32)
                   (global.set $own (i32.add (global.get $own) (global.get $pad)))
                   (global.get $own)))"#,
        )
        .unwrap();
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
        let a = linker.instantiate(&mut store, &owner).unwrap();
        linker.instance(&mut store, "owner", a).unwrap();
        let b = linker.instantiate(&mut store, &user).unwrap();
        let add = a.get_typed_func::<i64, i64>(&mut store, "add").unwrap();
        let double = b.get_typed_func::<(), i64>(&mut store, "double").unwrap();
        let own = b.get_typed_func::<(), i32>(&mut store, "own").unwrap();
        let n = a.get_global(&mut store, "n").unwrap();
        assert_eq!(add.call(&mut store, 2).unwrap(), 42, "{tier:?}");
        assert_eq!(double.call(&mut store, ()).unwrap(), 84, "{tier:?}");
        assert_eq!(n.get(&store).i64(), Some(84), "{tier:?}");
        n.set(&mut store, Val::I64(-5)).unwrap();
        assert_eq!(add.call(&mut store, 1).unwrap(), -4, "{tier:?}");
        assert_eq!(double.call(&mut store, ()).unwrap(), -8, "{tier:?}");
        // The importer's own global, initialized from an imported one.
        assert_eq!(own.call(&mut store, ()).unwrap(), 18, "{tier:?}");
        assert_eq!(own.call(&mut store, ()).unwrap(), 27, "{tier:?}");
        let via_b = b.get_global(&mut store, "n");
        assert!(via_b.is_none(), "not re-exported");
    }
}

/// The optimizing tier's listing of `wat` under `config`.
fn optimizing_listing(config: &mut strata::Config, wat: &str) -> String {
    let engine = Engine::new(config.tier(strata::Tier::Optimizing)).unwrap();
    strata::compile_listing(&engine, wat.as_bytes(), strata::Emit::Asm).unwrap()
}

/// Export `f` of `wat`, instantiated with `config`'s engine.
fn typed_export<P: strata::WasmParams, R: strata::WasmResults>(
    config: &strata::Config,
    wat: &str,
) -> (Store<()>, strata::TypedFunc<P, R>) {
    let engine = Engine::new(config).unwrap();
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, ());
    let i = Instance::new(&mut store, &module, &[]).unwrap();
    let f = i.get_typed_func::<P, R>(&mut store, "f").unwrap();
    (store, f)
}

/// `Config::bmi2(false)` gives code without BMI2 instructions (a rotate
/// that keeps its input is a copy and `rol`), the same on every host; by
/// default a host with BMI2 gets `rorx`. Both compute the same.
#[test]
fn bmi2_can_be_turned_off() {
    let wat = r#"(module (func (export "f") (param i32) (result i32)
        (i32.xor (i32.rotl (local.get 0) (i32.const 7)) (local.get 0))))"#;
    let mut off = strata::Config::new();
    off.bmi2(false);
    let mut default = strata::Config::new();
    let without = optimizing_listing(&mut off, wat);
    assert!(
        !without.contains("rorx") && without.contains("rol "),
        "{without}"
    );
    let with = optimizing_listing(&mut default, wat);
    let has_bmi2 = std::is_x86_feature_detected!("bmi2");
    assert_eq!(with.contains("rorx"), has_bmi2, "{with}");
    for config in [&off, &default] {
        let (mut store, f) = typed_export::<i32, i32>(config, wat);
        let x = 0x1234_5678u32;
        assert_eq!(
            f.call(&mut store, x as i32).unwrap() as u32,
            x.rotate_left(7) ^ x
        );
    }
    // Asking for BMI2 on a CPU without it is an error, not wrong code.
    let mut on = strata::Config::new();
    on.bmi2(true);
    assert_eq!(Engine::new(&on).is_ok(), has_bmi2);
}

/// `Config::avx(false)` gives scalar float arithmetic in SSE's two-operand
/// form (an input that lives on is copied first), the same on every host;
/// by default a host with AVX gets the three-operand `vaddsd` and no copy.
/// Both compute the same.
#[test]
fn avx_can_be_turned_off() {
    let wat = r#"(module (func (export "f") (param f64 f64) (result f64)
        (f64.mul (f64.add (local.get 0) (local.get 1)) (local.get 0))))"#;
    let mut off = strata::Config::new();
    off.avx(false);
    let mut default = strata::Config::new();
    let without = optimizing_listing(&mut off, wat);
    assert!(
        !without.contains("vaddsd") && without.contains(": addsd ") && without.contains("movaps"),
        "{without}"
    );
    let with = optimizing_listing(&mut default, wat);
    let has_avx = std::is_x86_feature_detected!("avx");
    assert_eq!(with.contains("vaddsd"), has_avx, "{with}");
    assert_eq!(with.contains("movaps"), !has_avx, "{with}");
    for config in [&off, &default] {
        let (mut store, f) = typed_export::<(f64, f64), f64>(config, wat);
        assert_eq!(f.call(&mut store, (1.5, 2.25)).unwrap(), (1.5 + 2.25) * 1.5);
    }
    // Asking for AVX on a CPU without it is an error, not wrong code.
    let mut on = strata::Config::new();
    on.avx(true);
    assert_eq!(Engine::new(&on).is_ok(), has_avx);
}

/// By default a memory may have up to 65535 pages (4 GiB minus 64 KiB, the
/// room that lets compiled code fold negative heap offsets): a module whose
/// memory starts at 65536 pages does not instantiate, and `memory.grow`
/// past 65535 pages returns -1. `Config::memory_limit_pages(65536)` allows
/// the full 4 GiB.
#[test]
fn memories_stop_64_kib_short_of_4_gib_unless_configured() {
    let big = "(module (memory (export \"m\") 65536))";
    let grow = r#"(module (memory (export "m") 1)
                    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"#;
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, big).unwrap();
    let e = Instance::new(&mut store, &module, &[]).unwrap_err();
    assert!(
        e.to_string().contains(
            "memory initial size 65536 pages is above the engine's limit of 65535 pages \
             (Config::memory_limit_pages)"
        ),
        "{e}"
    );
    let module = Module::new(&engine, grow).unwrap();
    let i = Instance::new(&mut store, &module, &[]).unwrap();
    let f = i.get_typed_func::<i32, i32>(&mut store, "grow").unwrap();
    assert_eq!(f.call(&mut store, 65535).unwrap(), -1);
    assert_eq!(f.call(&mut store, 65534).unwrap(), 1);
    assert_eq!(f.call(&mut store, 1).unwrap(), -1);

    let mut config = Config::new();
    config.memory_limit_pages(65536);
    let engine = Engine::new(&config).unwrap();
    let mut store = Store::new(&engine, ());
    let module = Module::new(&engine, grow).unwrap();
    let i = Instance::new(&mut store, &module, &[]).unwrap();
    let f = i.get_typed_func::<i32, i32>(&mut store, "grow").unwrap();
    assert_eq!(f.call(&mut store, 65535).unwrap(), 1);
    let m = i.get_memory(&mut store, "m").unwrap();
    assert_eq!(m.size(&store), 65536);
}

/// An engine that outlives module after module with new function types
/// (a fuzzer's, a differential tester's) keeps signature ids and
/// trampolines only for what still exists; a type registered again after
/// it was forgotten gets a working id.
#[test]
fn the_engine_forgets_signatures_and_trampolines_nothing_uses() {
    let engine = Engine::default();
    assert_eq!(engine.registry_sizes(), (0, 0));
    let module_of = |k: usize| {
        let params = " i32".repeat(k);
        let args: String = (0..k).map(|i| format!(" local.get {i}")).collect();
        Module::new(
            &engine,
            format!(
                r#"(module
                     (import "env" "h" (func $h (param f64{params}) (result i64)))
                     (type $t (func (param{params}) (result i64)))
                     (table 1 funcref) (elem (i32.const 0) $f)
                     (func $f (export "f") (param{params}) (result i64)
                       f64.const 1.5{args} call $h)
                     (func (export "g") (param{params}) (result i64)
                       {args} i32.const 0 call_indirect (type $t)))"#
            ),
        )
        .unwrap()
    };
    let run = |module: &Module, k: usize| {
        let mut store = Store::new(&engine, ());
        let mut host_params = vec![ValType::F64];
        host_params.extend(std::iter::repeat_n(ValType::I32, k));
        let h = Func::new(
            &mut store,
            FuncType::new(host_params, [ValType::I64]),
            |_, params, results| {
                let sum: i32 = params[1..].iter().map(|p| p.i32().unwrap()).sum();
                results[0] = Val::I64(i64::from(sum) * 10 + params[0].f64().unwrap() as i64);
                Ok(())
            },
        )
        .unwrap();
        let instance = Instance::new(&mut store, module, &[h.into()]).unwrap();
        let args: Vec<Val> = (1..=k as i32).map(Val::I32).collect();
        let expect = (k * (k + 1) / 2) as i64 * 10 + 1;
        for name in ["f", "g"] {
            let f = instance.get_func(&mut store, name).unwrap();
            let mut r = [Val::I64(0)];
            f.call(&mut store, &args, &mut r).unwrap();
            assert_eq!(r[0].i64().unwrap(), expect, "{name} with {k} parameters");
        }
        // Two types (the exports', the import's) and two trampolines (one
        // into `f` and `g`, which share a type, one out to `h`).
        assert_eq!(engine.registry_sizes(), (2, 2), "{k} parameters");
    };
    for k in 0..40 {
        run(&module_of(k), k);
        assert_eq!(engine.registry_sizes(), (0, 0), "after {k} parameters");
    }
    // One module kept alive keeps its types; its type registered again by
    // another module shares the id (the call_indirect of each instance
    // checks against it).
    let kept = module_of(3);
    run(&module_of(3), 3);
    run(&kept, 3);
    assert_eq!(engine.registry_sizes().0, 2);
    drop(kept);
    assert_eq!(engine.registry_sizes(), (0, 0));
}

/// Threads sharing an engine register and release the same function types
/// at once: each module's `call_indirect` keeps matching its own functions
/// and rejecting a function of another type, whatever the others do.
#[test]
fn signature_ids_stay_consistent_while_threads_register_and_release_them() {
    let engine = Engine::default();
    let wat = |k: usize| {
        let params = " i64".repeat(k);
        format!(
            r#"(module
                 (type $t (func (param{params}) (result i32)))
                 (table 2 funcref) (elem (i32.const 0) $f $other)
                 (func $f (type $t) i32.const {k})
                 (func $other (param f32) (result i32) i32.const -1)
                 (func (export "g") (param i32) (result i32)
                   {zeros} local.get 0 call_indirect (type $t)))"#,
            zeros = "i64.const 0 ".repeat(k)
        )
    };
    std::thread::scope(|s| {
        for t in 0..4 {
            let engine = &engine;
            s.spawn(move || {
                for round in 0..60 {
                    let k = (t + round) % 5;
                    let module = Module::new(engine, wat(k)).unwrap();
                    let mut store = Store::new(engine, ());
                    let instance = Instance::new(&mut store, &module, &[]).unwrap();
                    let g = instance
                        .get_typed_func::<i32, i32>(&mut store, "g")
                        .unwrap();
                    assert_eq!(g.call(&mut store, 0).unwrap(), k as i32);
                    let e = g.call(&mut store, 1).unwrap_err();
                    assert!(e.to_string().contains("indirect call type mismatch"), "{e}");
                }
            });
        }
    });
    assert_eq!(engine.registry_sizes(), (0, 0));
}

/// Values kept across calls into SysV code survive: `run` keeps nine
/// values (more than the callee-saved registers) across a call to a host
/// function, one to a function that calls builtins, one to a function
/// whose early exit calls a builtin, and (tiered, budgets of 1) one to a
/// function whose loop enters optimized code through OSR. Every tier must
/// return the sum the host computes.
#[test]
fn values_survive_host_builtin_and_osr_calls() {
    let wat = r#"(module
      (import "host" "mix" (func $mix (param i64) (result i64)))
      (memory 1)
      (func $grows (param $n i32) (result i32)
        (memory.fill (i32.const 64) (local.get $n) (i32.const 4000))
        (i32.add (memory.grow (i32.const 0)) (local.get $n)))
      (func $early (param $n i32) (result i32) (local $k i32)
        (if (i32.eqz (local.get $n))
          (then (return (memory.grow (i32.const 0)))))
        (local.set $k (i32.mul (local.get $n) (i32.const 3)))
        (drop (call $grows (local.get $k)))
        (i32.add (local.get $k) (call $grows (local.get $n))))
      (func $looping (param $n i32) (result i32) (local $i i32) (local $acc i32)
        (loop $l
          (local.set $acc (i32.add (local.get $acc) (local.get $i)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
        (local.get $acc))
      (func (export "run") (param $x i64) (result i64)
        (local $a i64) (local $b i64) (local $c i64) (local $d i64)
        (local $e i64) (local $f i64) (local $g i64) (local $h i64) (local $r i64)
        (local.set $a (i64.mul (local.get $x) (i64.const 3)))
        (local.set $b (i64.xor (local.get $x) (i64.const 0x5555)))
        (local.set $c (i64.rotl (local.get $x) (i64.const 13)))
        (local.set $d (i64.add (local.get $x) (i64.const 77)))
        (local.set $e (i64.shr_u (local.get $x) (i64.const 3)))
        (local.set $f (i64.sub (i64.const 1000) (local.get $x)))
        (local.set $g (i64.mul (local.get $x) (local.get $x)))
        (local.set $h (i64.or (local.get $x) (i64.const 0x100)))
        (local.set $r (call $mix (local.get $x)))
        (local.set $r (i64.add (local.get $r)
          (i64.extend_i32_u (call $grows (i32.wrap_i64 (local.get $x))))))
        (local.set $r (i64.add (local.get $r)
          (i64.extend_i32_u (call $early (i32.const 0)))))
        (local.set $r (i64.add (local.get $r)
          (i64.extend_i32_u (call $early (i32.const 5)))))
        (local.set $r (i64.add (local.get $r)
          (i64.extend_i32_u (call $looping (i32.const 100)))))
        (i64.add (local.get $r)
          (i64.add (i64.add (i64.add (local.get $a) (local.get $b))
                            (i64.add (local.get $c) (local.get $d)))
                   (i64.add (i64.add (local.get $e) (local.get $f))
                            (i64.add (local.get $g) (local.get $h)))))))"#;
    let mix = |x: i64| x.rotate_left(7) ^ 0x1234_5678;
    let expected = |x: i64| {
        let sum = [
            x.wrapping_mul(3),
            x ^ 0x5555,
            x.rotate_left(13),
            x.wrapping_add(77),
            ((x as u64) >> 3) as i64,
            1000i64.wrapping_sub(x),
            x.wrapping_mul(x),
            x | 0x100,
        ]
        .iter()
        .fold(0i64, |s, v| s.wrapping_add(*v));
        // memory.grow(0) returns 1 (pages); $early(5) = 15 + 1 + 5.
        let calls = mix(x) + 1u32.wrapping_add(x as u32) as i64 + 1 + 21 + 4950;
        sum.wrapping_add(calls)
    };
    for tier in [
        strata::Tier::Baseline,
        strata::Tier::Optimizing,
        strata::Tier::Tiered,
    ] {
        let mut config = Config::new();
        config.tier(tier);
        if tier == strata::Tier::Tiered {
            config
                .tier_up_budget(strata::TierUpBudget {
                    budget: 1,
                    osr_poll: 1,
                })
                .tier_up_sync(true);
        }
        let engine = Engine::new(&config).unwrap();
        let module = Module::new(&engine, wat).unwrap();
        let mut store = Store::new(&engine, ());
        let host = Func::wrap(&mut store, move |x: i64| mix(x)).unwrap();
        let instance = Instance::new(&mut store, &module, &[Extern::Func(host)]).unwrap();
        let run = instance
            .get_typed_func::<i64, i64>(&mut store, "run")
            .unwrap();
        for x in [0i64, 1, 12345, -7, 0x7fff_ffff_ffff] {
            // (Tiered: the first calls run baseline code and tier up and
            // enter OSR in the middle; the later ones run optimized code.)
            assert_eq!(
                run.call(&mut store, x).unwrap(),
                expected(x),
                "{tier:?} x={x}"
            );
        }
    }
}
