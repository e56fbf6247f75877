//! Instruction encodings: the emitter picks the short form wherever the
//! operand allows it. Every function here (the golden cases and a generated
//! one with displacements, immediates and loop lengths on both sides of the
//! 8-bit limits) is compiled in both allocator modes, decoded with iced-x86,
//! and each instruction checked:
//! - a memory operand (other than RIP-relative or without a base) whose
//!   displacement fits in 8 bits does not carry a 32-bit displacement;
//! - an ALU instruction with an immediate that fits in 8 bits uses the
//!   sign-extended 8-bit form;
//! - a backward branch within reach of a 2-byte jump is one.
//!
//! A forward branch takes the 2-byte form where the emitter's estimate of
//! the code it crosses is within reach (checked on a chain of conditional
//! blocks of growing length); alignment `nop`s are padding, not code.
use std::path::Path;

use iced_x86::{Decoder, DecoderOptions, Instruction, Mnemonic, OpKind, Register};
use strata_isa_x64::{CompileOptions, Compiler};
use strata_regalloc::Mode;

/// A `jmp` or `jcc` to a code address.
fn is_jump(inst: &Instruction) -> bool {
    inst.op_count() == 1
        && inst.op0_kind() == OpKind::NearBranch64
        && inst.mnemonic() != Mnemonic::Call
}

/// The violations of the rules above in `code`, one line each.
fn long_encodings(code: &[u8]) -> Vec<String> {
    let mut bad = Vec::new();
    let mut decoder = Decoder::with_ip(64, code, 0, DecoderOptions::NONE);
    let mut inst = Instruction::default();
    while decoder.can_decode() {
        decoder.decode_out(&mut inst);
        let at = inst.ip();
        if inst.is_invalid() {
            bad.push(format!("{at:x}: undecodable"));
            break;
        }
        if inst.mnemonic() == Mnemonic::Nop {
            continue;
        }
        let has_mem = (0..inst.op_count()).any(|k| inst.op_kind(k) == OpKind::Memory);
        // (With no base register, as in `lea r, [i * 4 + disp]`, the
        // displacement is always 32 bits.)
        if has_mem
            && !matches!(inst.memory_base(), Register::RIP | Register::None)
            && inst.memory_displ_size() >= 4
            && i8::try_from(inst.memory_displacement64() as i64).is_ok()
        {
            bad.push(format!("{at:x}: {inst} has a 32-bit displacement"));
        }
        let alu = matches!(
            inst.mnemonic(),
            Mnemonic::Add
                | Mnemonic::Sub
                | Mnemonic::And
                | Mnemonic::Or
                | Mnemonic::Xor
                | Mnemonic::Cmp
                | Mnemonic::Imul
        );
        for k in 0..inst.op_count() {
            let imm = match inst.op_kind(k) {
                OpKind::Immediate32 => inst.immediate(k) as u32 as i32 as i64,
                OpKind::Immediate32to64 => inst.immediate(k) as i64,
                _ => continue,
            };
            if alu && i8::try_from(imm).is_ok() {
                bad.push(format!("{at:x}: {inst} has a 32-bit immediate"));
            }
        }
        if is_jump(&inst) {
            let target = inst.near_branch_target() as i64;
            let short_disp = target - (at as i64 + 2);
            if target <= at as i64 && i8::try_from(short_disp).is_ok() && inst.len() != 2 {
                bad.push(format!("{at:x}: {inst} could be a 2-byte jump"));
            }
        }
    }
    bad
}

/// Compiles `text` (one IR function) in `mode`; returns its code (without
/// the constant pool and jump tables).
fn compile(text: &str, mode: Mode) -> Vec<u8> {
    let f = strata_ir::parser::parse_function(text).expect("parse");
    let mut c = Compiler::new(CompileOptions {
        regalloc_mode: mode,
        validate_regalloc: true,
        ..CompileOptions::default()
    });
    let cf = c.compile(&f).expect("compile");
    cf.code[..cf.code_len as usize].to_vec()
}

/// A function with heap offsets, immediates, spill slots and loop bodies on
/// both sides of the 8-bit limits.
fn boundary_function() -> String {
    let mut t = String::from("function %bounds(i32, i64) -> i64 {\nblock0(v0: i32, v1: i64):\n");
    let mut n = 2;
    // Appends `vN = rhs`; returns `vN`.
    let mut def = |t: &mut String, rhs: String| {
        t.push_str(&format!("    v{n} = {rhs}\n"));
        n += 1;
        format!("v{}", n - 1)
    };
    // 40 values live to the end: most of them spill, to slots both within
    // and beyond 128 bytes of the frame pointer.
    let mut live = Vec::new();
    for off in [0, 8, 120, 127, 128, 136, 4096]
        .into_iter()
        .chain((0..33).map(|k| 200 + 8 * k))
    {
        live.push(def(&mut t, format!("load.i64 heap v0+{off}")));
    }
    let mut acc = def(&mut t, "copy.i64 v1".into());
    for c in [-129i64, -128, -1, 1, 127, 128, 1 << 20] {
        let k = def(&mut t, format!("iconst.i64 {c}"));
        for op in ["iadd", "band", "bor", "bxor", "imul"] {
            acc = def(&mut t, format!("{op}.i64 {acc}, {k}"));
        }
        let k32 = def(&mut t, format!("iconst.i32 {c}"));
        let x = def(&mut t, format!("iadd.i32 v0, {k32}"));
        let cmp = def(&mut t, format!("icmp.slt {x}, {k32}"));
        let ext = def(&mut t, format!("uext_i32.i64 {cmp}"));
        acc = def(&mut t, format!("iadd.i64 {acc}, {ext}"));
    }
    // A short loop and a loop whose body is longer than a 2-byte jump
    // reaches back, each counting `v0` down to zero.
    let one = def(&mut t, "iconst.i32 1".into());
    let i = def(&mut t, "copy.i32 v0".into());
    t.push_str("    jump block1\nblock1:\n");
    let next = def(&mut t, format!("isub.i32 {i}, {one}"));
    t.push_str(&format!("    {i} = copy.i32 {next}\n"));
    t.push_str(&format!("    brif {i}, block1, block2\nblock2:\n"));
    t.push_str(&format!(
        "    {i} = copy.i32 v0\n    jump block3\nblock3:\n"
    ));
    let mut x = acc.clone();
    for v in &live[..24] {
        x = def(&mut t, format!("imul.i64 {x}, {v}"));
    }
    t.push_str(&format!("    {acc} = copy.i64 {x}\n"));
    let next = def(&mut t, format!("isub.i32 {i}, {one}"));
    t.push_str(&format!("    {i} = copy.i32 {next}\n"));
    t.push_str(&format!("    brif {i}, block3, block4\nblock4:\n"));
    for v in &live {
        acc = def(&mut t, format!("iadd.i64 {acc}, {v}"));
    }
    t.push_str(&format!("    return {acc}\n}}\n"));
    t
}

#[test]
fn short_forms_wherever_the_operand_fits() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut cases: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("tests/golden")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ir"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read");
            (p.file_name().unwrap().to_string_lossy().into_owned(), text)
        })
        .collect();
    assert!(cases.len() >= 15);
    cases.push(("generated bounds".into(), boundary_function()));
    let mut failures = Vec::new();
    for (name, text) in &cases {
        for mode in [Mode::Fast, Mode::Optimizing] {
            let code = compile(text, mode);
            for b in long_encodings(&code) {
                failures.push(format!("{name} ({mode:?}): {b}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The generated function exercises what the rules are about: some
/// displacements and immediates need 32 bits and get them, some fit in 8
/// bits; one loop branch is short and one is not.
#[test]
fn the_boundary_function_covers_both_sides_of_each_limit() {
    let code = compile(&boundary_function(), Mode::Fast);
    let mut decoder = Decoder::with_ip(64, &code, 0, DecoderOptions::NONE);
    let mut inst = Instruction::default();
    let (mut disp8, mut disp32, mut imm8, mut imm32) = (0, 0, 0, 0);
    let (mut short_back, mut near_back) = (0, 0);
    while decoder.can_decode() {
        decoder.decode_out(&mut inst);
        if inst.mnemonic() == Mnemonic::Nop {
            continue;
        }
        if (0..inst.op_count()).any(|k| inst.op_kind(k) == OpKind::Memory) {
            match inst.memory_displ_size() {
                1 => disp8 += 1,
                4 | 8 if inst.memory_base() != Register::RIP => disp32 += 1,
                _ => {}
            }
        }
        for k in 0..inst.op_count() {
            match inst.op_kind(k) {
                OpKind::Immediate8to32 | OpKind::Immediate8to64 => imm8 += 1,
                OpKind::Immediate32 | OpKind::Immediate32to64 => imm32 += 1,
                _ => {}
            }
        }
        if is_jump(&inst) && inst.near_branch_target() <= inst.ip() {
            if inst.len() == 2 {
                short_back += 1;
            } else {
                near_back += 1;
            }
        }
    }
    assert!(disp8 > 0 && disp32 > 0, "disp8 {disp8}, disp32 {disp32}");
    assert!(imm8 > 0 && imm32 > 0, "imm8 {imm8}, imm32 {imm32}");
    assert!(
        short_back > 0 && near_back > 0,
        "backward branches: {short_back} short, {near_back} near"
    );
}

/// A chain of conditional blocks, the k-th of k multiply-adds (so the jump
/// over it crosses about 8k bytes), in both allocator modes: the jumps
/// over the short ones take the 2-byte form, those over the long ones the
/// 32-bit one, and every forward jump lands on an instruction.
#[test]
fn forward_jumps_over_short_code_are_short() {
    let mut t = String::from("function %chain(i64, i64) -> i64 {\nblock0(v0: i64, v1: i64):\n");
    t.push_str("    v2 = copy.i64 v0\n    jump block1\n");
    let mut n = 3;
    let blocks = 24;
    for k in 1..=blocks {
        let (test, body, join) = (3 * k - 2, 3 * k - 1, 3 * k);
        t.push_str(&format!("block{test}:\n"));
        t.push_str(&format!("    v{n} = iconst.i64 {k}\n"));
        t.push_str(&format!("    v{} = icmp.ult v1, v{n}\n", n + 1));
        t.push_str(&format!("    brif v{}, block{body}, block{join}\n", n + 1));
        n += 2;
        t.push_str(&format!("block{body}:\n"));
        for j in 0..k {
            t.push_str(&format!("    v{n} = iconst.i64 {}\n", 1000 + 77 * j));
            t.push_str(&format!("    v{} = imul.i64 v2, v{n}\n", n + 1));
            t.push_str(&format!("    v2 = iadd.i64 v{}, v0\n", n + 1));
            n += 2;
        }
        t.push_str(&format!("    jump block{join}\n"));
        t.push_str(&format!("block{join}:\n"));
        if k == blocks {
            t.push_str("    return v2\n");
        } else {
            t.push_str(&format!("    jump block{}\n", 3 * k + 1));
        }
    }
    t.push_str("}\n");
    for mode in [Mode::Fast, Mode::Optimizing] {
        let code = compile(&t, mode);
        let mut decoder = Decoder::with_ip(64, &code, 0, DecoderOptions::NONE);
        let mut inst = Instruction::default();
        let mut starts = std::collections::HashSet::new();
        let mut targets = Vec::new();
        let (mut short_fwd, mut near_fwd) = (0, 0);
        while decoder.can_decode() {
            decoder.decode_out(&mut inst);
            starts.insert(inst.ip());
            if is_jump(&inst) && inst.near_branch_target() > inst.ip() {
                targets.push((inst.ip(), inst.near_branch_target()));
                if inst.len() == 2 {
                    short_fwd += 1;
                } else {
                    near_fwd += 1;
                }
            }
        }
        for (at, target) in targets {
            assert!(
                starts.contains(&target) || target == code.len() as u64,
                "{mode:?}: the jump at {at:x} lands inside an instruction ({target:x})"
            );
        }
        // (Blocks of up to about 7 multiply-adds are within reach.)
        assert!(
            short_fwd >= 5 && near_fwd >= 8,
            "{mode:?}: forward jumps: {short_fwd} short, {near_fwd} near"
        );
    }
}
