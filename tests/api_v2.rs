//! The embedding API for Wasm 2.0 values: reference types (`funcref`,
//! `externref`) in calls, host functions, globals and tables, and
//! multi-value results of typed, dynamic and host calls.
//!
//! Tests marked `needs the multi-value ABI` or `needs reference-type
//! codegen` depend on compiled-code support that lands separately; the rest
//! exercise the API paths (raw slot conversion, the externref arena) with
//! host functions only.

use std::sync::Arc;

use strata::{
    Engine, ExternRef, Func, FuncType, Global, GlobalType, Linker, Module, Mutability, Store,
    Table, TableType, Val, ValType,
};

fn externref_number(v: &Val) -> Option<u32> {
    v.externref()??.downcast_ref::<u32>().copied()
}

// ---------------------------------------------------------------------------
// Host-only paths (no reference-typed Wasm code needed)
// ---------------------------------------------------------------------------

#[test]
fn externref_global_round_trip_and_lifetime() {
    let engine = Engine::default();
    let data = Arc::new(String::from("payload"));
    let mut store = Store::new(&engine, ());
    let r = ExternRef::new(data.clone());
    let g = Global::new(
        &mut store,
        GlobalType::new(ValType::ExternRef, Mutability::Var),
        Val::ExternRef(Some(r.clone())),
    )
    .unwrap();
    drop(r);
    // The store keeps the value alive although the host dropped its handle.
    assert_eq!(Arc::strong_count(&data), 2);
    let got = g.get(&store);
    let got_ref = got.externref().unwrap().unwrap();
    assert_eq!(
        got_ref.downcast_ref::<Arc<String>>().map(|s| s.as_str()),
        Some("payload")
    );
    drop(got);
    // Overwriting the global does not release the value: externrefs live as
    // long as their store.
    g.set(&mut store, Val::ExternRef(None)).unwrap();
    assert!(matches!(g.get(&store), Val::ExternRef(None)));
    assert_eq!(Arc::strong_count(&data), 2);
    drop(store);
    assert_eq!(Arc::strong_count(&data), 1);
}

#[test]
fn the_same_externref_is_kept_once() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let r = ExternRef::new(5u64);
    let t = Table::new(
        &mut store,
        TableType::new(ValType::ExternRef, 100, None),
        Val::ExternRef(None),
    )
    .unwrap();
    for i in 0..100 {
        t.set(&mut store, i, Val::ExternRef(Some(r.clone())))
            .unwrap();
    }
    // One arena slot, so one extra strong count, however often the value
    // entered.
    assert_eq!(Arc::strong_count(&r.0), 2);
    let back = t.get(&store, 42).unwrap();
    assert!(back.externref().unwrap().unwrap().ptr_eq(&r));
    drop(back);
    drop(store);
    assert_eq!(Arc::strong_count(&r.0), 1);
}

#[test]
fn externref_table_get_set_grow_from_the_host() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let t = Table::new(
        &mut store,
        TableType::new(ValType::ExternRef, 2, Some(5)),
        Val::ExternRef(Some(ExternRef::new(7u32))),
    )
    .unwrap();
    assert_eq!(t.size(&store), 2);
    assert_eq!(externref_number(&t.get(&store, 1).unwrap()), Some(7));
    t.set(&mut store, 0, Val::ExternRef(Some(ExternRef::new(1u32))))
        .unwrap();
    assert_eq!(externref_number(&t.get(&store, 0).unwrap()), Some(1));
    assert_eq!(
        t.grow(&mut store, 2, Val::ExternRef(Some(ExternRef::new(9u32))))
            .unwrap(),
        2
    );
    assert_eq!(t.size(&store), 4);
    assert_eq!(externref_number(&t.get(&store, 3).unwrap()), Some(9));
    assert!(t.grow(&mut store, 2, Val::ExternRef(None)).is_err());
    assert!(t.get(&store, 4).is_none());
    assert!(t.set(&mut store, 4, Val::ExternRef(None)).is_err());
    // Wrong element types are errors, not panics.
    assert!(t.set(&mut store, 0, Val::FuncRef(None)).is_err());
    assert!(t.set(&mut store, 0, Val::I32(0)).is_err());
    assert!(t.grow(&mut store, 1, Val::FuncRef(None)).is_err());
    assert!(
        Table::new(
            &mut store,
            TableType::new(ValType::I32, 1, None),
            Val::I32(0)
        )
        .is_err()
    );
}

#[test]
fn funcref_round_trip_through_host_global_and_table() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let f = Func::wrap(&mut store, |x: i32| x * 3).unwrap();
    let g = Global::new(
        &mut store,
        GlobalType::new(ValType::FuncRef, Mutability::Var),
        Val::FuncRef(None),
    )
    .unwrap();
    g.set(&mut store, Val::FuncRef(Some(f))).unwrap();
    let from_global = g.get(&store).funcref().unwrap().unwrap();
    assert_eq!(from_global, f);
    let t = Table::new(
        &mut store,
        TableType::new(ValType::FuncRef, 1, None),
        Val::FuncRef(None),
    )
    .unwrap();
    assert_eq!(t.grow(&mut store, 1, Val::FuncRef(Some(f))).unwrap(), 1);
    let from_table = t.get(&store, 1).unwrap().funcref().unwrap().unwrap();
    assert_eq!(from_table, f);
    assert!(t.get(&store, 0).unwrap().funcref().unwrap().is_none());
    let mut out = [Val::I32(0)];
    from_table
        .call(&mut store, &[Val::I32(14)], &mut out)
        .unwrap();
    assert_eq!(out[0].i32(), Some(42));
}

#[test]
fn functions_of_another_store_are_rejected() {
    let engine = Engine::default();
    let mut other = Store::new(&engine, ());
    let foreign = Func::wrap(&mut other, || 1i32).unwrap();
    let mut store = Store::new(&engine, ());
    let g = Global::new(
        &mut store,
        GlobalType::new(ValType::FuncRef, Mutability::Var),
        Val::FuncRef(None),
    );
    let g = g.unwrap();
    assert!(g.set(&mut store, Val::FuncRef(Some(foreign))).is_err());
    let t = Table::new(
        &mut store,
        TableType::new(ValType::FuncRef, 1, None),
        Val::FuncRef(None),
    )
    .unwrap();
    assert!(t.set(&mut store, 0, Val::FuncRef(Some(foreign))).is_err());
    let id = Func::wrap(&mut store, |f: Option<Func>| f).unwrap();
    let mut out = [Val::FuncRef(None)];
    assert!(
        id.call(&mut store, &[Val::FuncRef(Some(foreign))], &mut out)
            .is_err()
    );
}

#[test]
fn host_functions_with_reference_params_and_results() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    // Typed host function: externref and funcref in, both out swapped in a
    // tuple.
    let swap = Func::wrap(&mut store, |r: Option<ExternRef>, f: Option<Func>| (f, r)).unwrap();
    assert_eq!(
        swap.ty(&store),
        FuncType::new(
            [ValType::ExternRef, ValType::FuncRef],
            [ValType::FuncRef, ValType::ExternRef]
        )
    );
    let data = Arc::new(0u8);
    let typed = swap
        .typed::<(Option<ExternRef>, Option<Func>), (Option<Func>, Option<ExternRef>)>(&store)
        .unwrap();
    let (f, r) = typed
        .call(&mut store, (Some(ExternRef::new(data.clone())), Some(swap)))
        .unwrap();
    assert_eq!(f, Some(swap));
    assert!(r.unwrap().downcast_ref::<Arc<u8>>().is_some());
    // The typed call went through the raw slots: the value is in the arena.
    assert_eq!(Arc::strong_count(&data), 2);
    let mut out = [Val::FuncRef(None), Val::ExternRef(None)];
    swap.call(
        &mut store,
        &[Val::ExternRef(None), Val::FuncRef(None)],
        &mut out,
    )
    .unwrap();
    assert!(matches!(out, [Val::FuncRef(None), Val::ExternRef(None)]));
    drop(store);
    assert_eq!(Arc::strong_count(&data), 1);
}

#[test]
fn host_function_returning_three_values_called_from_the_host() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ());
    let f = Func::wrap(&mut store, |x: i32| {
        (x, i64::from(x) * 2, f64::from(x) / 2.0)
    })
    .unwrap();
    let typed = f.typed::<i32, (i32, i64, f64)>(&store).unwrap();
    assert_eq!(typed.call(&mut store, 5).unwrap(), (5, 10, 2.5));
    let mut out = [Val::I32(0), Val::I64(0), Val::F64(0)];
    f.call(&mut store, &[Val::I32(6)], &mut out).unwrap();
    assert_eq!(out[0].i32(), Some(6));
    assert_eq!(out[1].i64(), Some(12));
    assert_eq!(out[2].f64(), Some(3.0));
}

// ---------------------------------------------------------------------------
// Wasm code with reference types and multiple results
// ---------------------------------------------------------------------------

#[test]
fn host_function_returning_three_values_called_from_wasm() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "h" "three" (func $three (param i32) (result i32 i64 f64)))
             (func (export "sum") (param i32) (result f64)
               (local $b i64) (local $c f64)
               local.get 0
               call $three
               local.set $c
               local.set $b
               f64.convert_i32_s
               local.get $b
               f64.convert_i64_s
               f64.add
               local.get $c
               f64.add)
             (func (export "fwd") (param i32) (result i32 i64 f64)
               local.get 0
               call $three))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("h", "three", |x: i32| {
            (x + 1, i64::from(x) * 100, f64::from(x) / 4.0)
        })
        .unwrap();
    let i = linker.instantiate(&mut store, &module).unwrap();
    let sum = i.get_typed_func::<i32, f64>(&mut store, "sum").unwrap();
    assert_eq!(sum.call(&mut store, 2).unwrap(), 3.0 + 200.0 + 0.5);
    let fwd = i
        .get_typed_func::<i32, (i32, i64, f64)>(&mut store, "fwd")
        .unwrap();
    assert_eq!(fwd.call(&mut store, 8).unwrap(), (9, 800, 2.0));
    let f = i.get_func(&mut store, "fwd").unwrap();
    let mut out = [Val::I32(0), Val::I64(0), Val::F64(0)];
    f.call(&mut store, &[Val::I32(4)], &mut out).unwrap();
    assert_eq!(out[0].i32(), Some(5));
    assert_eq!(out[1].i64(), Some(400));
    assert_eq!(out[2].f64(), Some(1.0));
}

#[test]
fn wasm_returning_many_values_to_typed_and_dynamic_calls() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (func (export "many") (param i32)
               (result i32 i64 f32 f64 i32 i64 f32 f64)
               local.get 0
               i64.const 2 f32.const 3 f64.const 4
               i32.const 5 i64.const 6 f32.const 7 f64.const 8))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let i = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let many = i
        .get_typed_func::<i32, (i32, i64, f32, f64, i32, i64, f32, f64)>(&mut store, "many")
        .unwrap();
    assert_eq!(
        many.call(&mut store, 1).unwrap(),
        (1, 2, 3.0, 4.0, 5, 6, 7.0, 8.0)
    );
}

#[test]
fn externref_through_a_wasm_table_and_back() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (table $t (export "t") 4 externref)
             (func (export "put") (param i32 externref)
               local.get 0 local.get 1 table.set $t)
             (func (export "take") (param i32) (result externref)
               local.get 0 table.get $t)
             (func (export "id") (param externref) (result externref)
               local.get 0)
             (func (export "size") (result i32) table.size $t))"#,
    )
    .unwrap();
    let data = Arc::new(String::from("kept"));
    let mut store = Store::new(&engine, ());
    let i = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let put = i
        .get_typed_func::<(i32, Option<ExternRef>), ()>(&mut store, "put")
        .unwrap();
    let take = i
        .get_typed_func::<i32, Option<ExternRef>>(&mut store, "take")
        .unwrap();
    put.call(&mut store, (2, Some(ExternRef::new(data.clone()))))
        .unwrap();
    // Wasm holds the only other reference (in its table): it stays alive.
    assert_eq!(Arc::strong_count(&data), 2);
    let back = take.call(&mut store, 2).unwrap().unwrap();
    assert_eq!(
        back.downcast_ref::<Arc<String>>().map(|s| s.as_str()),
        Some("kept")
    );
    assert!(take.call(&mut store, 0).unwrap().is_none());
    // The same slot seen from the host.
    let t = i.get_table(&mut store, "t").unwrap();
    assert!(
        t.get(&store, 2)
            .unwrap()
            .externref()
            .unwrap()
            .unwrap()
            .ptr_eq(&back)
    );
    drop(back);
    // Out of bounds traps.
    assert!(take.call(&mut store, 4).is_err());
    // Dynamic call, identity.
    let id = i.get_func(&mut store, "id").unwrap();
    let r = ExternRef::new(3u32);
    let mut out = [Val::ExternRef(None)];
    id.call(&mut store, &[Val::ExternRef(Some(r.clone()))], &mut out)
        .unwrap();
    assert!(out[0].externref().unwrap().unwrap().ptr_eq(&r));
    // Growing from the host is visible to Wasm.
    assert_eq!(t.grow(&mut store, 3, Val::ExternRef(None)).unwrap(), 4);
    let size = i.get_typed_func::<(), i32>(&mut store, "size").unwrap();
    assert_eq!(size.call(&mut store, ()).unwrap(), 7);
    assert!(take.call(&mut store, 6).unwrap().is_none());
    drop(store);
    assert_eq!(Arc::strong_count(&data), 1);
}

#[test]
fn externref_passed_to_and_returned_by_a_host_function_from_wasm() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "h" "wrap" (func $wrap (param i32) (result externref)))
             (import "h" "unwrap" (func $unwrap (param externref) (result i32)))
             (func (export "round") (param i32) (result i32)
               local.get 0 call $wrap call $unwrap))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("h", "wrap", |x: i32| Some(ExternRef::new(x)))
        .unwrap()
        .func_wrap("h", "unwrap", |r: Option<ExternRef>| {
            r.and_then(|r| r.downcast_ref::<i32>().copied())
                .unwrap_or(-1)
        })
        .unwrap();
    let i = linker.instantiate(&mut store, &module).unwrap();
    let round = i.get_typed_func::<i32, i32>(&mut store, "round").unwrap();
    assert_eq!(round.call(&mut store, 77).unwrap(), 77);
}

#[test]
fn funcref_round_trip_through_wasm_global_and_table() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (type $ii (func (param i32) (result i32)))
             (global $g (export "g") (mut funcref) (ref.null func))
             (table $t (export "t") 2 funcref)
             (func $double (export "double") (param i32) (result i32)
               local.get 0 i32.const 2 i32.mul)
             (func (export "set_g") (param funcref) local.get 0 global.set $g)
             (func (export "get_g") (result funcref) global.get $g)
             (func (export "g_to_table") (param i32)
               local.get 0 global.get $g table.set $t)
             (func (export "from_table") (param i32) (result funcref)
               local.get 0 table.get $t)
             (func (export "call") (param i32 i32) (result i32)
               local.get 1 local.get 0 call_indirect $t (type $ii))
             (func (export "own") (result funcref) ref.func $double))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let i = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let host = Func::wrap(&mut store, |x: i32| x + 1000).unwrap();
    let set_g = i
        .get_typed_func::<Option<Func>, ()>(&mut store, "set_g")
        .unwrap();
    let get_g = i
        .get_typed_func::<(), Option<Func>>(&mut store, "get_g")
        .unwrap();
    let g_to_table = i
        .get_typed_func::<i32, ()>(&mut store, "g_to_table")
        .unwrap();
    let from_table = i
        .get_typed_func::<i32, Option<Func>>(&mut store, "from_table")
        .unwrap();
    let call = i
        .get_typed_func::<(i32, i32), i32>(&mut store, "call")
        .unwrap();

    set_g.call(&mut store, Some(host)).unwrap();
    assert_eq!(get_g.call(&mut store, ()).unwrap(), Some(host));
    let g = i.get_global(&mut store, "g").unwrap();
    assert_eq!(g.get(&store).funcref().unwrap(), Some(host));
    g_to_table.call(&mut store, 1).unwrap();
    assert_eq!(from_table.call(&mut store, 1).unwrap(), Some(host));
    assert_eq!(call.call(&mut store, (1, 5)).unwrap(), 1005);

    // A Wasm function's reference, set from the host into the table.
    let own = i
        .get_typed_func::<(), Option<Func>>(&mut store, "own")
        .unwrap()
        .call(&mut store, ())
        .unwrap();
    let double = i.get_func(&mut store, "double").unwrap();
    assert_eq!(own, Some(double));
    let t = i.get_table(&mut store, "t").unwrap();
    t.set(&mut store, 0, Val::FuncRef(own)).unwrap();
    assert_eq!(call.call(&mut store, (0, 21)).unwrap(), 42);
    assert_eq!(t.get(&store, 1).unwrap().funcref().unwrap(), Some(host));
    // Null again: calling it traps.
    g.set(&mut store, Val::FuncRef(None)).unwrap();
    g_to_table.call(&mut store, 0).unwrap();
    assert!(call.call(&mut store, (0, 1)).is_err());
}

#[test]
fn host_function_failures_called_from_wasm_become_host_traps() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (import "h" "panics" (func $panics (param i32) (result i32)))
             (import "h" "wrong_type" (func $wrong_type (result i32)))
             (import "h" "foreign" (func $foreign (result funcref)))
             (import "h" "caller" (func $caller (param i64 f32) (result f64 i32)))
             (func (export "panics") (param i32) (result i32) local.get 0 call $panics)
             (func (export "wrong_type") (result i32) call $wrong_type)
             (func (export "foreign") (result i32) call $foreign ref.is_null)
             (func (export "caller") (param i64 f32) (result f64 i32)
               local.get 0 local.get 1 call $caller))"#,
    )
    .unwrap();
    let mut other = Store::new(&engine, ());
    let foreign = Func::wrap(&mut other, || 1i32).unwrap();
    let mut store = Store::new(&engine, 5u32);
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("h", "panics", |x: i32| {
            assert!(x != 13, "unlucky {x}");
            x + 1
        })
        .unwrap()
        .func_new(
            "h",
            "wrong_type",
            FuncType::new([], [ValType::I32]),
            |_, _, results| {
                results[0] = Val::I64(1);
                Ok(())
            },
        )
        .unwrap()
        .func_wrap("h", "foreign", move || Some(foreign))
        .unwrap()
        .func_wrap(
            "h",
            "caller",
            |caller: strata::Caller<'_, u32>, a: i64, b: f32| {
                (a as f64 + f64::from(b), *caller.data() as i32)
            },
        )
        .unwrap();
    let i = linker.instantiate(&mut store, &module).unwrap();
    let panics = i.get_typed_func::<i32, i32>(&mut store, "panics").unwrap();
    assert_eq!(panics.call(&mut store, 1).unwrap(), 2);
    let err = panics.call(&mut store, 13).unwrap_err().to_string();
    assert!(err.contains("host function panicked: unlucky 13"), "{err}");
    // The store is usable after the panic was turned into a trap.
    assert_eq!(panics.call(&mut store, 41).unwrap(), 42);
    let wrong = i
        .get_typed_func::<(), i32>(&mut store, "wrong_type")
        .unwrap();
    let err = wrong.call(&mut store, ()).unwrap_err().to_string();
    assert!(
        err.contains("host function returned a i64 where i32 was expected"),
        "{err}"
    );
    let foreign = i.get_typed_func::<(), i32>(&mut store, "foreign").unwrap();
    let err = foreign.call(&mut store, ()).unwrap_err().to_string();
    assert!(err.contains("belongs to a store other than"), "{err}");
    let caller = i
        .get_typed_func::<(i64, f32), (f64, i32)>(&mut store, "caller")
        .unwrap();
    assert_eq!(caller.call(&mut store, (-7, 0.5)).unwrap(), (-6.5, 5));
}

#[test]
fn dynamic_calls_with_few_and_many_values() {
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
             (func (export "none"))
             (func (export "sum10")
               (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32 i64 i32 i32 i32 i32 i32 i32 i32 i32)
               local.get 0 local.get 1 i32.add local.get 2 i32.add local.get 3 i32.add
               local.get 4 i32.add local.get 5 i32.add local.get 6 i32.add local.get 7 i32.add
               local.get 8 i32.add local.get 9 i32.add
               i64.const -1
               local.get 9 local.get 8 local.get 7 local.get 6 local.get 5 local.get 4
               local.get 3 local.get 2))"#,
    )
    .unwrap();
    let mut store = Store::new(&engine, ());
    let i = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let none = i.get_func(&mut store, "none").unwrap();
    none.call(&mut store, &[], &mut []).unwrap();
    let sum10 = i.get_func(&mut store, "sum10").unwrap();
    let args: Vec<Val> = (1..=10).map(Val::I32).collect();
    let mut out = vec![Val::I32(0); 10];
    sum10.call(&mut store, &args, &mut out).unwrap();
    assert_eq!(out[0].i32(), Some(55));
    assert_eq!(out[1].i64(), Some(-1));
    let rest: Vec<i32> = out[2..].iter().map(|v| v.i32().unwrap()).collect();
    assert_eq!(rest, [10, 9, 8, 7, 6, 5, 4, 3]);
    // Wrong arity and types are errors, not calls.
    let err = sum10.call(&mut store, &args[..9], &mut out).unwrap_err();
    assert!(
        err.to_string().contains("expected 10 arguments, got 9"),
        "{err}"
    );
    let mut bad = args.clone();
    bad[3] = Val::I64(4);
    let err = sum10.call(&mut store, &bad, &mut out).unwrap_err();
    assert!(
        err.to_string()
            .contains("argument 3 has type i64, expected i32"),
        "{err}"
    );
    let err = sum10.call(&mut store, &args, &mut out[..9]).unwrap_err();
    assert!(
        err.to_string()
            .contains("expected room for 10 results, got 9"),
        "{err}"
    );
}
