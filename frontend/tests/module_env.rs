//! `translate_module` on valid modules: every section kind lands in the
//! expected place of the `ModuleEnv`.

use strata_frontend::module::{
    ConstExpr, ConstOp, DataKind, ElemItems, ElemKind, ExportKind, FuncType, GlobalType,
    ImportKind, MemoryType, RefType, TableType, ValType, WasmFeatures, translate_module,
    wasm2_features,
};
use wasmparser::FuncValidatorAllocations;

const EVERY_SECTION: &str = r#"
(module $m
  (type $t0 (func (param i32) (result i64)))
  (type $t1 (func))
  (import "env" "f" (func $imp (type $t0)))
  (import "env" "tab" (table 2 10 funcref))
  (import "env" "mem" (memory 1 2))
  (import "env" "g" (global $gimp i32))
  (func $main (type $t1) data.drop $pd)
  (func $other (param i32) (result i64) local.get 0 i64.extend_i32_u)
  (table $t 3 funcref)
  (global $g (mut i64) (i64.const 42))
  (global $g2 i32 (global.get $gimp))
  (global $g3 funcref (ref.func $other))
  (export "main" (func $main))
  (export "mem" (memory 0))
  (export "tab" (table $t))
  (export "g" (global $g))
  (start $main)
  (elem (table $t) (i32.const 1) func $main $other)
  (elem (i32.const 0) func $other)
  (elem $p funcref (ref.func $main) (ref.null func))
  (elem declare func $main)
  (data (i32.const 8) "hello")
  (data $pd "xyz")
)
"#;

#[test]
fn every_section_kind_lands_in_the_env() {
    let bytes = wat::parse_str(EVERY_SECTION).unwrap();
    let env = translate_module(&bytes, wasm2_features()).unwrap();

    assert_eq!(
        env.types,
        vec![
            FuncType {
                params: vec![ValType::I32].into(),
                results: vec![ValType::I64].into()
            },
            FuncType::default(),
        ]
    );

    // Imports of all four kinds, and the index spaces they open.
    let kinds: Vec<_> = env
        .imports
        .iter()
        .map(|i| (i.module.as_str(), i.name.as_str(), i.kind))
        .collect();
    let imported_table = TableType {
        elem: RefType::FUNCREF,
        initial: 2,
        maximum: Some(10),
        table64: false,
    };
    let imported_memory = MemoryType {
        initial: 1,
        maximum: Some(2),
        memory64: false,
        shared: false,
        page_size_log2: None,
    };
    assert_eq!(
        kinds,
        vec![
            ("env", "f", ImportKind::Func(0)),
            ("env", "tab", ImportKind::Table(imported_table)),
            ("env", "mem", ImportKind::Memory(imported_memory)),
            (
                "env",
                "g",
                ImportKind::Global(GlobalType {
                    ty: ValType::I32,
                    mutable: false
                })
            ),
        ]
    );
    assert_eq!(env.num_imported_funcs, 1);
    assert_eq!(env.num_imported_tables, 1);
    assert_eq!(env.num_imported_memories, 1);
    assert_eq!(env.num_imported_globals, 1);

    // Functions: imported first.
    assert_eq!(env.functions, vec![0, 1, 0]);
    assert!(env.is_imported_func(0));
    assert!(!env.is_imported_func(1));
    assert_eq!(
        env.func_type(2).to_string(),
        "(func (param i32) (result i64))"
    );
    assert_eq!(env.func_type(1).to_string(), "(func)");

    // Tables and memories.
    assert_eq!(env.tables.len(), 2);
    assert_eq!(env.tables[0], imported_table);
    assert_eq!(env.tables[1].initial, 3);
    assert_eq!(env.tables[1].maximum, None);
    assert_eq!(env.table_inits, vec![None]);
    assert_eq!(env.memories, vec![imported_memory]);

    // Globals: types of all, initialisers of the defined ones.
    assert_eq!(
        env.globals
            .iter()
            .map(|g| (g.ty, g.mutable))
            .collect::<Vec<_>>(),
        vec![
            (ValType::I32, false),
            (ValType::I64, true),
            (ValType::I32, false),
            (ValType::FUNCREF, false),
        ]
    );
    assert_eq!(
        env.global_inits,
        vec![
            ConstExpr::I64(42),
            ConstExpr::GlobalGet(0),
            ConstExpr::RefFunc(2)
        ]
    );

    // Exports and start.
    let exports: Vec<_> = env
        .exports
        .iter()
        .map(|e| (e.name.as_str(), e.kind, e.index))
        .collect();
    assert_eq!(
        exports,
        vec![
            ("main", ExportKind::Func, 1),
            ("mem", ExportKind::Memory, 0),
            ("tab", ExportKind::Table, 1),
            ("g", ExportKind::Global, 1),
        ]
    );
    assert_eq!(env.export("tab").map(|e| e.index), Some(1));
    assert!(env.export("nope").is_none());
    assert_eq!(env.start, Some(1));

    // Element segments: active (explicit and implicit table), passive, declared.
    assert_eq!(env.elements.len(), 4);
    assert_eq!(
        env.elements[0].kind,
        ElemKind::Active {
            table: 1,
            offset: ConstExpr::I32(1)
        }
    );
    assert_eq!(env.elements[0].items, ElemItems::Funcs(vec![1, 2].into()));
    assert_eq!(
        env.elements[1].kind,
        ElemKind::Active {
            table: 0,
            offset: ConstExpr::I32(0)
        }
    );
    assert_eq!(env.elements[2].kind, ElemKind::Passive);
    assert_eq!(
        env.elements[2].items,
        ElemItems::Exprs(
            RefType::FUNCREF,
            vec![ConstExpr::RefFunc(1), ConstExpr::RefNull(RefType::FUNCREF)].into()
        )
    );
    assert_eq!(env.elements[3].kind, ElemKind::Declared);
    assert_eq!(env.elements[3].items.len(), 1);

    // Data: ranges point at the payload bytes.
    assert_eq!(env.data.len(), 2);
    assert_eq!(
        env.data[0].kind,
        DataKind::Active {
            memory: 0,
            offset: ConstExpr::I32(8)
        }
    );
    assert_eq!(&bytes[env.data[0].data.clone()], b"hello");
    assert_eq!(env.data[1].kind, DataKind::Passive);
    assert_eq!(&bytes[env.data[1].data.clone()], b"xyz");
    assert_eq!(env.data_count, Some(2));

    // Names.
    assert_eq!(env.module_name.as_deref(), Some("m"));
    assert_eq!(env.func_name(0), Some("imp"));
    assert_eq!(env.func_name(2), Some("other"));
    assert_eq!(env.func_name(7), None);

    // ref.func targets from globals, elements and exports.
    let mut refs: Vec<_> = env.declared_func_refs.iter().copied().collect();
    refs.sort();
    assert_eq!(refs, vec![1, 2]);

    // Bodies: one per defined function, each validating with its validator.
    assert_eq!(env.bodies.len(), 2);
    let mut allocs = FuncValidatorAllocations::default();
    for (i, info) in env.bodies.iter().enumerate() {
        assert_eq!(info.func_index(), env.num_imported_funcs + i as u32);
        assert!(env.body(info.func_index()).is_some());
        let body = info.function_body(&bytes);
        assert_eq!(body.range().start as usize, info.body.start);
        let mut v = info.func_validator(allocs);
        v.validate(&body).unwrap();
        allocs = v.into_allocations();
    }
    assert!(env.body(0).is_none());
    assert!(env.body(3).is_none());
}

#[test]
fn func_type_display() {
    let ty = FuncType {
        params: vec![ValType::I32, ValType::F64].into(),
        results: vec![ValType::I64, ValType::V128].into(),
    };
    assert_eq!(ty.to_string(), "(func (param i32 f64) (result i64 v128))");
    let ty = FuncType {
        params: Box::new([]),
        results: vec![ValType::F32].into(),
    };
    assert_eq!(ty.to_string(), "(func (result f32))");
}

#[test]
fn extended_const_tags_and_table_initialisers_with_wasm3() {
    let bytes = wat::parse_str(
        r#"(module
          (type $e (func (param i32)))
          (import "env" "tag" (tag (type $e)))
          (import "env" "base" (global $b i32))
          (tag $t (param i32))
          (func $f)
          (table 4 funcref (ref.func $f))
          (global i32 (i32.add (global.get $b) (i32.mul (i32.const 2) (i32.const 3))))
          (export "t" (tag $t)))"#,
    )
    .unwrap();
    let env = translate_module(&bytes, WasmFeatures::WASM3).unwrap();
    assert_eq!(env.imports[0].kind, ImportKind::Tag(0));
    assert_eq!(env.tags, vec![0, 0]);
    assert_eq!(env.num_imported_tags, 1);
    assert_eq!(
        env.export("t").map(|e| (e.kind, e.index)),
        Some((ExportKind::Tag, 1))
    );
    assert_eq!(env.table_inits, vec![Some(ConstExpr::RefFunc(0))]);
    assert!(env.declared_func_refs.contains(&0));
    assert_eq!(
        env.global_inits[0],
        ConstExpr::Extended(
            vec![
                ConstOp::GlobalGet(0),
                ConstOp::I32Const(2),
                ConstOp::I32Const(3),
                ConstOp::I32Mul,
                ConstOp::I32Add,
            ]
            .into()
        )
    );
    assert_eq!(env.global_inits[0].ops().len(), 5);
}

#[test]
fn malformed_name_section_is_ignored() {
    let mut bytes = wat::parse_str("(module (func))").unwrap();
    // Custom section "name" whose module-name subsection claims more bytes
    // than it has.
    let name_payload: &[u8] = &[4, b'n', b'a', b'm', b'e', 0, 9, 3, b'a', b'b'];
    bytes.push(0);
    bytes.push(name_payload.len() as u8);
    bytes.extend_from_slice(name_payload);
    let env = translate_module(&bytes, wasm2_features()).unwrap();
    assert_eq!(env.module_name, None);
    assert!(env.func_names.is_empty());
}

#[test]
fn empty_module() {
    let env = translate_module(b"\0asm\x01\0\0\0", wasm2_features()).unwrap();
    assert!(env.types.is_empty() && env.functions.is_empty() && env.bodies.is_empty());
    assert_eq!(env.start, None);
    assert_eq!(env.data_count, None);
}

/// The loop the IR builders use: read each operator once, validate it at its
/// offset, then translate it (here: record it).
#[test]
fn one_pass_read_validate_translate() {
    let bytes = wat::parse_str(
        "(module (func (param i32) (result i32) (local i64 i64)
            (block (result i32) (i32.add (local.get 0) (i32.const 1)))))",
    )
    .unwrap();
    let env = translate_module(&bytes, wasm2_features()).unwrap();
    let info = &env.bodies[0];
    let body = info.function_body(&bytes);
    let mut validator = info.func_validator(FuncValidatorAllocations::default());

    let mut locals = Vec::new();
    let mut locals_reader = body.get_locals_reader().unwrap();
    for _ in 0..locals_reader.get_count() {
        let offset = locals_reader.original_position();
        let (count, ty) = locals_reader.read().unwrap();
        validator.define_locals(offset, count, ty).unwrap();
        locals.push((count, ty));
    }
    let mut ops = wasmparser::OperatorsReader::new(locals_reader.get_binary_reader());
    let mut seen = Vec::new();
    while !ops.eof() {
        let (op, offset) = ops.read_with_offset().unwrap();
        validator.op(offset, &op).unwrap();
        seen.push(format!("{op:?}")); // translate(op) goes here
    }
    ops.finish().unwrap();

    assert_eq!(locals, vec![(2, ValType::I64)]);
    assert_eq!(seen.len(), 6);
    assert!(seen[0].starts_with("Block"));
    assert_eq!(seen.last().unwrap(), "End");
}

#[test]
fn module_env_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<strata_frontend::module::ModuleEnv>();
}
