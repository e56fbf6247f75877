//! A disassembler for emitted code (tests, `strata compile --disasm`).

use std::fmt::Write;

use iced_x86::{Decoder, DecoderOptions, Formatter, Instruction, IntelFormatter};

/// Disassembles `code` (loaded at `address`) in Intel syntax, one instruction
/// per line: `"  offset: mnemonic operands"` (offset in hex, relative to the
/// start of `code`).
pub fn disassemble(code: &[u8], address: u64) -> String {
    let mut decoder = Decoder::with_ip(64, code, address, DecoderOptions::NONE);
    let mut formatter = IntelFormatter::new();
    formatter.options_mut().set_hex_prefix("0x");
    formatter.options_mut().set_hex_suffix("");
    formatter
        .options_mut()
        .set_space_after_operand_separator(false);
    formatter.options_mut().set_branch_leading_zeros(false);
    let mut out = String::new();
    let mut text = String::new();
    let mut inst = Instruction::default();
    while decoder.can_decode() {
        decoder.decode_out(&mut inst);
        text.clear();
        formatter.format(&inst, &mut text);
        let _ = writeln!(out, "  {:x}: {}", inst.ip() - address, text);
    }
    out
}

/// The listing of a compiled function: its instructions (as
/// [`disassemble`]), then its data (jump tables, float constants) as rows of
/// up to 8 bytes: `"  offset: .bytes xx xx ..."`.
pub fn listing(f: &crate::CompiledFunction) -> String {
    let split = (f.code_len as usize).min(f.code.len());
    let mut out = disassemble(&f.code[..split], 0);
    // Rows end at 8-byte offsets, so each pool entry is one row.
    let mut at = split;
    while at < f.code.len() {
        let end = ((at / 8 + 1) * 8).min(f.code.len());
        let _ = write!(out, "  {at:x}: .bytes");
        for b in &f.code[at..end] {
            let _ = write!(out, " {b:02x}");
        }
        out.push('\n');
        at = end;
    }
    out
}
