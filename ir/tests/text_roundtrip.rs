//! The IR text form: `print(parse(print(f))) == print(f)` on functions that
//! use every instruction variant and every operation, condition and trap
//! name; the parser's numbering, typing and error reporting.

use strata_ir::parser::{parse_function, parse_functions};
use strata_ir::verifier::verify;
use strata_ir::{
    AddrSpace, BinaryOp, Block, BlockCall, CallKind, FloatCC, Function, InstData, IntCC, LoadOp,
    StoreOp, TrapCode, Type, UnaryOp, Value,
};

/// Argument and result type of a valid use of `op`.
fn unary_types(op: UnaryOp) -> (Type, Type) {
    use Type::{F32, F64, I32, I64};
    use UnaryOp as U;
    match op {
        U::Clz | U::Ctz | U::Popcnt | U::Sext8 | U::Sext16 => (I32, I32),
        U::Eqz => (I64, I32),
        U::Fneg | U::Fabs | U::Fsqrt | U::Fceil | U::Ffloor | U::Ftrunc | U::Fnearest => (F64, F64),
        U::SextI32 | U::UextI32 => (I32, I64),
        U::Wrap => (I64, I32),
        U::Sext32 => (I64, I64),
        U::TruncS | U::TruncU | U::TruncSatS | U::TruncSatU => (F32, I64),
        U::ConvertS | U::ConvertU => (I64, F32),
        U::Promote => (F32, F64),
        U::Demote => (F64, F32),
        U::Reinterpret => (F64, I64),
    }
}

fn is_float_op(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::Fadd
            | BinaryOp::Fsub
            | BinaryOp::Fmul
            | BinaryOp::Fdiv
            | BinaryOp::Fmin
            | BinaryOp::Fmax
            | BinaryOp::Fcopysign
    )
}

/// A valid SSA function with every instruction variant and every name.
fn everything() -> Function {
    use Type::{F32, F64, I32, I64};
    let mut f = Function::new();
    f.name = "everything".into();
    f.signature.params = vec![I32, I64, F32, F64];
    f.signature.results = vec![I32];
    let b0 = f.new_block();
    let params: Vec<Value> = [I32, I64, F32, F64]
        .iter()
        .map(|&t| f.append_block_param(b0, t))
        .collect();
    let arg = |t: Type| params[[I32, I64, F32, F64].iter().position(|&x| x == t).unwrap()];
    f.append_block_to_layout(b0);
    let emit = |f: &mut Function, d: InstData| {
        f.append_inst(b0, d, 0);
    };

    for imm in [0, 1, -1, i64::MIN, i64::MAX, 0xffff_ffff] {
        let dst = f.new_value(I64);
        emit(&mut f, InstData::Iconst { dst, imm });
    }
    let dst = f.new_value(I32);
    emit(&mut f, InstData::Iconst { dst, imm: 42 });
    for (t, bits) in [(F32, 0x3f80_0000), (F64, 0x7ff8_0000_0000_0001), (F64, 0)] {
        let dst = f.new_value(t);
        emit(&mut f, InstData::Fconst { dst, bits });
    }
    for op in UnaryOp::ALL {
        let (a, d) = unary_types(op);
        let dst = f.new_value(d);
        emit(
            &mut f,
            InstData::Unary {
                op,
                dst,
                arg: arg(a),
            },
        );
    }
    for op in BinaryOp::ALL {
        let types = if is_float_op(op) {
            [F32, F64]
        } else {
            [I32, I64]
        };
        for t in types {
            let dst = f.new_value(t);
            emit(
                &mut f,
                InstData::Binary {
                    op,
                    dst,
                    lhs: arg(t),
                    rhs: arg(t),
                },
            );
        }
    }
    for cc in IntCC::ALL {
        for t in [I32, I64] {
            let dst = f.new_value(I32);
            emit(
                &mut f,
                InstData::Icmp {
                    cc,
                    dst,
                    lhs: arg(t),
                    rhs: arg(t),
                },
            );
        }
    }
    for cc in FloatCC::ALL {
        for t in [F32, F64] {
            let dst = f.new_value(I32);
            emit(
                &mut f,
                InstData::Fcmp {
                    cc,
                    dst,
                    lhs: arg(t),
                    rhs: arg(t),
                },
            );
        }
    }
    for t in [I32, I64, F32, F64] {
        let dst = f.new_value(t);
        emit(
            &mut f,
            InstData::Select {
                dst,
                cond: arg(I32),
                if_true: arg(t),
                if_false: arg(t),
            },
        );
        let dst = f.new_value(t);
        emit(&mut f, InstData::Copy { dst, src: arg(t) });
    }
    let vmctx = f.new_value(I64);
    emit(&mut f, InstData::Vmctx { dst: vmctx });
    for op in LoadOp::ALL {
        for (space, addr, offset) in [
            (AddrSpace::Heap, arg(I32), 0),
            (AddrSpace::Vm, vmctx, u32::MAX),
        ] {
            let dst = f.new_value(op.result_type());
            emit(
                &mut f,
                InstData::Load {
                    op,
                    space,
                    dst,
                    addr,
                    offset,
                },
            );
        }
    }
    for op in StoreOp::ALL {
        for (space, addr, offset) in [(AddrSpace::Heap, arg(I32), 7), (AddrSpace::Vm, vmctx, 0)] {
            let value = arg(op.value_type());
            emit(
                &mut f,
                InstData::Store {
                    op,
                    space,
                    addr,
                    value,
                    offset,
                },
            );
        }
    }
    // Calls: no results, one, two; every kind.
    let args = f.make_value_list(&[arg(I32), arg(F64)]);
    emit(
        &mut f,
        InstData::Call {
            kind: CallKind::Direct { slot: 48 },
            args,
            results: Default::default(),
        },
    );
    let r = f.new_value(F32);
    let results = f.make_value_list(&[r]);
    let args = f.make_value_list(&[]);
    emit(
        &mut f,
        InstData::Call {
            kind: CallKind::Builtin { slot: 16 },
            args,
            results,
        },
    );
    let (r1, r2) = (f.new_value(I32), f.new_value(F64));
    let results = f.make_value_list(&[r1, r2]);
    let args = f.make_value_list(&[vmctx, vmctx, arg(I32)]);
    emit(
        &mut f,
        InstData::Call {
            kind: CallKind::Indirect,
            args,
            results,
        },
    );
    for code in TrapCode::ALL {
        emit(
            &mut f,
            InstData::TrapIf {
                cond: arg(I32),
                code,
            },
        );
    }

    // Control flow. Block numbers differ from layout order on purpose.
    let ret = f.new_block(); // block1(v: i32): return v
    let table_block = f.new_block(); // block2: br_table
    let trap_blocks: Vec<Block> = TrapCode::ALL.iter().map(|_| f.new_block()).collect();
    let jump_block = f.new_block();
    let rv = f.append_block_param(ret, I32);
    let then_args = f.make_value_list(&[r1]);
    f.append_inst(
        b0,
        InstData::Brif {
            cond: arg(I32),
            then_dest: BlockCall {
                block: ret,
                args: then_args,
            },
            else_dest: BlockCall::new(table_block),
        },
        0,
    );
    f.append_block_to_layout(jump_block);
    let jargs = f.make_value_list(&[arg(I32)]);
    f.append_inst(
        jump_block,
        InstData::Jump {
            dest: BlockCall {
                block: ret,
                args: jargs,
            },
        },
        0,
    );
    f.append_block_to_layout(table_block);
    let mut targets = trap_blocks.clone();
    targets.push(jump_block);
    let table = f.make_jump_table(targets);
    f.append_inst(
        table_block,
        InstData::BrTable {
            index: arg(I32),
            table,
        },
        0,
    );
    for (&b, code) in trap_blocks.iter().zip(TrapCode::ALL).rev() {
        f.append_block_to_layout(b);
        f.append_inst(b, InstData::Trap { code }, 0);
    }
    f.append_block_to_layout(ret);
    let rargs = f.make_value_list(&[rv]);
    f.append_inst(ret, InstData::Return { args: rargs }, 0);
    f
}

fn roundtrip(f: &Function) -> Function {
    let text = f.to_string();
    let g = parse_function(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(g.to_string(), text);
    g
}

#[test]
fn every_variant_and_name_round_trips() {
    let f = everything();
    verify(&f, true).unwrap();
    let text = f.to_string();
    // Every name appears in the text.
    for op in UnaryOp::ALL {
        assert!(
            text.contains(&format!(" = {}.", op.name())),
            "{}",
            op.name()
        );
    }
    for op in BinaryOp::ALL {
        assert!(
            text.contains(&format!(" = {}.", op.name())),
            "{}",
            op.name()
        );
    }
    for cc in IntCC::ALL {
        assert!(text.contains(&format!("icmp.{} ", cc.name())));
    }
    for cc in FloatCC::ALL {
        assert!(text.contains(&format!("fcmp.{} ", cc.name())));
    }
    for code in TrapCode::ALL {
        assert!(text.contains(&format!("trap {}\n", code.ir_name())));
        assert!(text.contains(&format!(", {}\n", code.ir_name())));
    }
    let g = roundtrip(&f);
    // The parse is faithful, not just the text.
    assert_eq!(g.layout, f.layout);
    assert_eq!(g.value_types, f.value_types);
    assert_eq!(g.num_values(), f.num_values());
    assert_eq!(g.blocks.len(), f.blocks.len());
    for (&gb, &fb) in g.layout.iter().zip(&f.layout) {
        let (gi, fi) = (&g.blocks[gb.index()], &f.blocks[fb.index()]);
        assert_eq!(gi.params, fi.params);
        assert_eq!(gi.insts.len(), fi.insts.len());
        for (&a, &b) in gi.insts.iter().zip(&fi.insts) {
            assert_eq!(g.display_inst(a), f.display_inst(b));
            // Instructions without lists compare directly.
            match &f.insts[b.index()] {
                InstData::Call { .. }
                | InstData::Jump { .. }
                | InstData::Brif { .. }
                | InstData::Return { .. }
                | InstData::BrTable { .. } => {}
                d => assert_eq!(&g.insts[a.index()], d),
            }
        }
    }
    verify(&g, true).unwrap();
}

#[test]
fn non_ssa_function_round_trips() {
    let text = "\
function %count(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 0
    jump block2
block2:
    v1 = iadd.i32 v1, v0
    v0 = iconst.i32 4294967295
    v3 = icmp.ne v0, v1
    brif v3, block2, block1
block1:
    return v1
}
";
    let f = parse_function(text).unwrap();
    assert_eq!(f.to_string(), text);
    assert_eq!(f.layout, vec![Block(0), Block(2), Block(1)]);
    assert_eq!(f.num_values(), 4);
    assert_eq!(f.blocks.len(), 3);
    verify(&f, false).unwrap();
    assert!(verify(&f, true).is_err());
    roundtrip(&f);
}

#[test]
fn display_doc_example_parses() {
    // The example in `display.rs`'s docs (with the values it leaves
    // undefined given definitions), with comments and blank lines.
    let text = "
; a comment before the function
function %add1(i32) -> i32 { ; and after the brace
block0(v0: i32):   ; entry
    v1 = iconst.i32 1

    v2 = iadd.i32 v0, v1   ; v2 = v0 + 1
    v3 = load.i32 heap v2+16
    v4 = vmctx
    store.i32 vm v4+8, v3
    v5: i32, v6: f64 = call direct(48) (v0, v1)
    brif v2, block1, block2
block1:
    br_table v2, [block1, block2]
block2:
    trapif v2, int_divz
    return v2
}
";
    let f = parse_function(text).unwrap();
    assert_eq!(f.name, "add1");
    assert_eq!(f.value_type(Value(4)), Type::I64);
    assert_eq!(f.value_type(Value(6)), Type::F64);
    assert_eq!(f.value_type(Value(3)), Type::I32);
    verify(&f, true).unwrap();
    roundtrip(&f);
}

#[test]
fn numbers_are_kept_and_gaps_allowed() {
    let text = "\
function %gaps() -> i64 {
block7:
    v10 = iconst.i64 -3
    jump block3
block3:
    return v10
}
";
    let f = parse_function(text).unwrap();
    assert_eq!(f.num_values(), 11);
    assert_eq!(f.value_type(Value(10)), Type::I64);
    assert_eq!(f.blocks.len(), 8);
    assert_eq!(f.layout, vec![Block(7), Block(3)]);
    assert_eq!(f.to_string(), text);
    verify(&f, true).unwrap();
}

#[test]
fn odd_names_and_signatures() {
    for name in ["", "f(x)", "a->b", "with space", "ünïcode", "$wat_name"] {
        let mut f = Function::new();
        f.name = name.into();
        f.signature.params = vec![Type::F32, Type::I64];
        f.signature.results = vec![Type::F64, Type::I32];
        let b = f.new_block();
        f.append_block_to_layout(b);
        f.append_block_param(b, Type::F32);
        f.append_block_param(b, Type::I64);
        f.append_inst(
            b,
            InstData::Trap {
                code: TrapCode::Unreachable,
            },
            0,
        );
        let g = roundtrip(&f);
        assert_eq!(g.name, name);
        assert_eq!(g.signature, f.signature);
    }
}

#[test]
fn several_functions() {
    let text = "\
function %a() {
block0:
    return
}

; between
function %b(i32) -> i32 {
block0(v0: i32):
    return v0
}
";
    let fs = parse_functions(text).unwrap();
    assert_eq!(fs.len(), 2);
    assert_eq!(fs[0].name, "a");
    assert_eq!(fs[1].signature.results, vec![Type::I32]);
    let printed: String = fs
        .iter()
        .map(|f| f.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(printed, text.replace("; between\n", ""));
    assert!(
        parse_function(text)
            .unwrap_err()
            .message
            .contains("one function")
    );
    assert!(parse_functions("").unwrap().is_empty());
}

/// Parses `body` inside a function header and returns the error.
fn error(body: &str) -> (usize, String) {
    let text = format!("function %e(i32) -> i32 {{\nblock0(v0: i32):\n{body}\n}}\n");
    let e = parse_function(&text).expect_err(&text);
    assert!(e.to_string().starts_with(&format!("line {}: ", e.line)));
    (e.line, e.message)
}

#[test]
fn errors_name_the_line_and_the_problem() {
    let cases: &[(&str, usize, &str)] = &[
        ("    return v9", 3, "v9 is used but never defined"),
        (
            "    v1 = iconst.i32 1\n    v1 = iconst.i64 1\n    return v1",
            4,
            "v1 is defined as i64",
        ),
        (
            "    v1 = frob.i32 v0\n    return v1",
            3,
            "unknown instruction `frob`",
        ),
        ("    v1 = iadd.i16 v0, v0", 3, "unknown type suffix `i16`"),
        (
            "    v1 = icmp.lt v0, v0",
            3,
            "unknown integer condition `lt`",
        ),
        (
            "    v1 = fcmp.slt v0, v0",
            3,
            "unknown float condition `slt`",
        ),
        ("    trap oops", 3, "unknown trap code `oops`"),
        (
            "    v1 = load.i32 stack v0+0",
            3,
            "unknown address space `stack`",
        ),
        ("    v1 = load.i32 heap v0", 3, "expected `+`"),
        ("    v1 = load.i32 heap v0+4294967296", 3, "32-bit unsigned"),
        ("    v1 = iadd.i32 v0 v0", 3, "expected `,`"),
        ("    v1 = call direct(0) ()", 3, "need their types"),
        ("    v1 = iconst.i32 one", 3, "expected a 64-bit integer"),
        (
            "    return v0\nblock0:\n    return v0",
            4,
            "block0 is already defined on line 2",
        ),
        ("    return v0 v0", 3, "unexpected `v0`"),
        ("    v01 = iconst.i32 0", 3, "unknown instruction `v01`"),
        ("    jump block99999999999", 3, "expected a block"),
        ("    jump block16777217", 3, "too large"),
    ];
    for &(body, line, msg) in cases {
        let (l, m) = error(body);
        assert!(m.contains(msg), "{body:?}: got {m:?}, expected {msg:?}");
        assert_eq!(l, line, "{body:?}: {m}");
    }
    let e = parse_function("function %x() {\nblock0:\n    return\n").unwrap_err();
    assert!(e.message.contains("not closed"), "{e}");
    let e = parse_function("function %x() {\n    return\n}\n").unwrap_err();
    assert_eq!(
        (e.line, e.message.contains("before the first block")),
        (2, true),
        "{e}"
    );
    let e = parse_function("function %x() {\n}\n").unwrap_err();
    assert!(e.message.contains("no blocks"), "{e}");
    let e = parse_function("function x() {\n}\n").unwrap_err();
    assert!(e.message.contains("%name"), "{e}");
    let e = parse_function("function %x(i33) {\n}\n").unwrap_err();
    assert!(e.message.contains("unknown type `i33`"), "{e}");
    let e = parse_function("garbage\n").unwrap_err();
    assert_eq!(e.line, 1);
}

#[test]
fn garbage_never_panics() {
    let f = everything().to_string();
    // Every prefix of a valid text, and every line dropped, either parses or
    // fails with an error: never a panic.
    for cut in (0..f.len()).filter(|&i| f.is_char_boundary(i)).step_by(7) {
        let _ = parse_function(&f[..cut]);
    }
    let lines: Vec<&str> = f.lines().collect();
    for skip in 0..lines.len() {
        let text: Vec<&str> = lines
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != skip)
            .map(|(_, l)| *l)
            .collect();
        if let Ok(g) = parse_function(&text.join("\n")) {
            let _ = verify(&g, true);
        }
    }
}
