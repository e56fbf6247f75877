//! Golden tests of lowering: each `tests/golden/NAME.ir` (IR text) is
//! compiled and its disassembly (addresses relative to the function start,
//! then the trap sites) compared with `tests/golden/NAME.asm`. Run with
//! `STRATA_BLESS=1` to rewrite the `.asm` files after an intended change,
//! and review the diff. Also: disassembly checks of a few lowered
//! instructions, and the printed VCode.
mod common;
use common::*;
use std::path::{Path, PathBuf};
use strata_ir::{AddrSpace, BinaryOp, IntCC, LoadOp, TrapCode, Type};
use strata_isa_x64::{CompileOptions, Compiler, listing};

/// The expected text of one golden case.
fn golden_output(ir_path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(ir_path).map_err(|e| e.to_string())?;
    let f = strata_ir::parser::parse_function(&text).map_err(|e| format!("parse: {e}"))?;
    let mut c = Compiler::new(CompileOptions {
        regalloc_mode: strata_regalloc::Mode::Fast,
        validate_regalloc: true,
        ..CompileOptions::default()
    });
    let cf = c.compile(&f).map_err(|e| format!("compile: {e}"))?;
    let mut out = format!("; %{} ({} bytes)\n", f.name, cf.code.len());
    out.push_str(&listing(&cf));
    for (off, code) in &cf.trap_sites {
        // Where the trap has no frame, the caller's return address is at
        // [rsp] (see `CompiledFunction::frameless_traps`).
        let frame = if cf.frameless_traps.contains(off) {
            ", no frame"
        } else {
            ""
        };
        out.push_str(&format!("; trap at {off:x}: {code:?}{frame}\n"));
    }
    Ok(out)
}

#[test]
fn golden_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var("STRATA_BLESS").is_ok_and(|v| v == "1");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/golden")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ir"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 15, "expected at least 15 golden cases");
    let mut failures = Vec::new();
    for ir in &cases {
        let name = ir.file_stem().unwrap().to_string_lossy().into_owned();
        let got = match golden_output(ir) {
            Ok(t) => t,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let asm = ir.with_extension("asm");
        if bless {
            std::fs::write(&asm, &got).expect("write .asm");
            continue;
        }
        match std::fs::read_to_string(&asm) {
            Ok(exp) if exp == got => {}
            Ok(exp) => {
                let diff: Vec<String> = exp
                    .lines()
                    .zip(got.lines())
                    .filter(|(a, b)| a != b)
                    .take(8)
                    .map(|(a, b)| format!("  expected: {a}\n       got: {b}"))
                    .collect();
                failures.push(format!(
                    "{name}: output differs (run with STRATA_BLESS=1 to update)\n{}\nfull output:\n{got}",
                    diff.join("\n")
                ));
            }
            Err(_) => failures.push(format!(
                "{name}: missing {} (run with STRATA_BLESS=1)",
                asm.display()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn disasm_binary(ty: Type, op: BinaryOp) -> String {
    let (mut b, p) = B::new(&[ty, ty], &[ty]);
    let v = b.bin(op, ty, p[0], p[1]);
    b.ret(&[v]);
    listing(&compile(&b.f))
}

/// A leaf that needs no stack needs no frame: no prologue, a bare `ret`,
/// also when it can trap (a heap access, a division through its
/// out-of-line `ud2`), its trap sites then marked as frameless.
#[test]
fn leaves_without_stack_use_have_no_frame() {
    let d = disasm_binary(Type::I32, BinaryOp::Iadd);
    let lines: Vec<&str> = d.lines().map(|l| l.split_once(": ").unwrap().1).collect();
    assert_eq!(lines, ["lea eax,[rdi+rsi]", "ret"], "{d}");
    let (mut b, p) = B::new(&[Type::I32, Type::I32], &[Type::I32]);
    let v = b.bin(BinaryOp::DivS, Type::I32, p[0], p[1]);
    b.ret(&[v]);
    let c = compile(&b.f);
    let d = listing(&c);
    assert!(!d.contains("rbp") && !d.contains("rsp"), "{d}");
    let sites: Vec<u32> = c.trap_sites.iter().map(|t| t.0).collect();
    assert_eq!(sites.len(), 2, "{d}");
    assert_eq!(c.frameless_traps, sites, "{d}");
    let (mut b, p) = B::new(&[Type::I32], &[Type::I32]);
    let v = b.load(LoadOp::I32, AddrSpace::Heap, p[0], 0);
    b.ret(&[v]);
    let c = compile(&b.f);
    let d = listing(&c);
    assert_eq!(instructions(&d), ["mov eax,[r15+rdi]", "ret"], "{d}");
    assert_eq!(c.trap_sites, [(0, TrapCode::MemoryOutOfBounds)], "{d}");
    assert_eq!(c.frameless_traps, [0], "{d}");
}

#[test]
fn prologue_and_epilogue() {
    // A call needs the frame (and its heap load's trap site is not
    // frameless).
    let (mut b, p) = B::new(&[Type::I32], &[Type::I32]);
    let v = b.load(LoadOp::I32, AddrSpace::Heap, p[0], 0);
    let r = b.call(
        strata_ir::CallKind::Direct { slot: 0x80 },
        &[v],
        &[Type::I32],
    );
    b.ret(&[r[0]]);
    let c = compile(&b.f);
    assert!(c.frameless_traps.is_empty());
    let d = listing(&c);
    let lines: Vec<&str> = d.lines().map(|l| l.split_once(": ").unwrap().1).collect();
    // No indirect call: the VMContext is not saved; the frame's `sub rsp`
    // covers its slot (16 bytes below rbp in all, keeping rsp aligned).
    assert_eq!(&lines[..2], &["push rbp", "mov rbp,rsp"], "{d}");
    assert!(lines[2].starts_with("mov r11,[r14"), "{d}");
    // A small frame: the stack pointer itself against the raised limit.
    assert_eq!(lines[3], "cmp rsp,[r11]", "{d}");
    assert!(lines[4].starts_with("jb "), "{d}");
    assert_eq!(lines[5], "sub rsp,0x10", "{d}");
    assert!(!d.contains("r14\n"), "{d}");
    assert!(d.contains("mov rsp,rbp\n") && d.contains("pop rbp\n") && d.contains("ret\n"));
    assert!(d.trim_end().ends_with("ud2"), "{d}");
}

/// A function that makes an indirect call saves its VMContext at
/// [rbp - 8] in the prologue and reloads it (and the heap base) from there
/// after the call.
#[test]
fn indirect_callers_save_the_vmctx() {
    let (mut b, p) = B::new(&[Type::I64, Type::I64, Type::I32], &[Type::I32]);
    let rs = b.call(
        strata_ir::CallKind::Indirect,
        &[p[0], p[1], p[2]],
        &[Type::I32],
    );
    b.ret(&[rs[0]]);
    let d = listing(&compile(&b.f));
    let lines: Vec<&str> = d.lines().map(|l| l.split_once(": ").unwrap().1).collect();
    assert_eq!(&lines[..3], &["push rbp", "mov rbp,rsp", "push r14"], "{d}");
    assert!(lines[3].starts_with("mov r11,[r14"), "{d}");
    assert_eq!(lines[6], "sub rsp,8", "{d}");
    let call = lines.iter().position(|l| l.starts_with("call ")).expect(&d);
    assert_eq!(lines[call + 1], "mov r14,[rbp-8]", "{d}");
}

#[test]
fn iadd_i32_uses_32bit_add() {
    // A two-address `add`, or a three-address `lea` when neither operand
    // dies at the addition.
    let d = disasm_binary(Type::I32, BinaryOp::Iadd);
    assert!(
        d.contains("add e") || d.contains("lea e") || d.contains("add r") && d.contains("d,"),
        "{d}"
    );
    let d = disasm_binary(Type::I64, BinaryOp::Iadd);
    assert!(d.contains("add r") || d.contains("lea r"), "{d}");
}

/// Without BMI2 (see `isel.rs` for `shlx`): shifts and rotates by a
/// variable count read it from cl.
#[test]
fn shift_uses_cl() {
    let no_bmi2 = |ty: Type, op: BinaryOp| {
        let (mut b, p) = B::new(&[ty, ty], &[ty]);
        let v = b.bin(op, ty, p[0], p[1]);
        b.ret(&[v]);
        let mut c = Compiler::new(CompileOptions {
            bmi2: false,
            ..opts()
        });
        listing(&c.compile(&b.f).unwrap())
    };
    let d = no_bmi2(Type::I32, BinaryOp::Shl);
    assert!(d.contains(",cl"), "{d}");
    let d = no_bmi2(Type::I64, BinaryOp::Rotr);
    assert!(d.contains("ror r") && d.contains(",cl"), "{d}");
    // A rotate needs cl with BMI2 too.
    assert!(disasm_binary(Type::I64, BinaryOp::Rotr).contains(",cl"));
}

#[test]
fn division_checks() {
    let d = disasm_binary(Type::I32, BinaryOp::DivS);
    assert!(
        d.contains("idiv") && d.contains("cdq") && d.contains("0x80000000"),
        "{d}"
    );
    let d = disasm_binary(Type::I64, BinaryOp::RemU);
    assert!(d.contains("div r") && d.contains("xor edx,edx"), "{d}");
}

#[test]
fn heap_load_addresses_r15() {
    let (mut b, p) = B::new(&[Type::I32], &[Type::I32]);
    let v = b.load(LoadOp::I32, AddrSpace::Heap, p[0], 16);
    b.ret(&[v]);
    let cf = compile(&b.f);
    let d = listing(&cf);
    assert!(d.contains("mov eax,[r15+rdi+0x10]"), "{d}");
    let site = cf
        .trap_sites
        .iter()
        .find(|t| t.1 == strata_ir::TrapCode::MemoryOutOfBounds)
        .unwrap();
    let line = d
        .lines()
        .find(|l| l.starts_with(&format!("  {:x}:", site.0)))
        .unwrap();
    assert!(line.contains("[r15+"), "trap site at the load: {line}");
}

#[test]
fn icmp_uses_setcc() {
    let (mut b, p) = B::new(&[Type::I64, Type::I64], &[Type::I32]);
    let v = b.icmp(IntCC::UnsignedLessThan, p[0], p[1]);
    b.ret(&[v]);
    let d = listing(&compile(&b.f));
    assert!(
        d.contains("cmp r") && d.contains("setb") && d.contains("movzx"),
        "{d}"
    );
}

#[test]
fn vcode_display() {
    let (mut b, p) = B::new(&[Type::I32, Type::I32], &[Type::I32]);
    let v = b.bin(BinaryOp::Shl, Type::I32, p[0], p[1]);
    b.ret(&[v]);
    let mut c = Compiler::new(CompileOptions {
        bmi2: false,
        ..opts()
    });
    let text = c.lower(&b.f).unwrap().to_string();
    assert!(text.contains("block0:"), "{text}");
    assert!(text.contains("Args =v0i:rdi, =v1i:rsi"), "{text}");
    assert!(text.contains("v1i:rcx"), "{text}");
    assert!(text.contains("=v2i:reuse0"), "{text}");
    assert!(text.contains("Ret v2i:rax"), "{text}");
}
