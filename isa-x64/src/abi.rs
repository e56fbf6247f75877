//! Calling conventions and the frame layout.
//!
//! ## Wasm calling convention
//! Used for wasm→wasm calls, the array trampoline → wasm, and wasm → host
//! trampoline. The callee's VMContext is in r14 and its memory base in r15.
//! Integer arguments go in rdi, rsi, rdx, rcx, r8, r9 and float arguments in
//! xmm0–xmm7, in argument order per class; the rest go on the stack in 8-byte
//! slots at `[rsp + 8k]` at the call (`[rbp + 16 + 8k]` in the callee), in
//! argument order. Integer results come back in rax then rdx, float results in
//! xmm0 then xmm1. A call clobbers every allocatable register. rsp is 16-byte
//! aligned at every call.
//!
//! Builtins use the SysV C convention, which has the same argument registers
//! but one result per class (rax / xmm0).
//!
//! ## Frame layout of a Wasm function
//! ```text
//!   [rbp + 16 + 8k]     incoming stack argument k
//!   [rbp + 8]           return address
//!   [rbp]               caller's rbp            <- rbp
//!   [rbp - 8]           saved r14 (VMContext)
//!   [rbp - 16]          padding
//!   [rbp - 32 - 16k]    spill slot k (16 bytes, 16-byte aligned)
//!   ...
//!   [rsp + 8k]          outgoing stack argument k   <- rsp (16-byte aligned)
//! ```
//! The prologue is `push rbp; mov rbp, rsp; push r14`, the stack check, then
//! `sub rsp, N` with `N = 8 + 16 * spill_slots + align16(outgoing)`, so the
//! frame size `rbp - rsp` is `N + 8`.

use strata_ir::{Signature, Type};
use strata_regalloc::PReg;

use crate::CompileError;
use crate::regs::{FLOAT_ARG_REGS, FLOAT_RET_REGS, INT_ARG_REGS, INT_RET_REGS, RAX, xmm};

/// Where one argument or result is passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgLoc {
    /// In a register.
    Reg(PReg),
    /// In the 8-byte stack slot at this byte offset from rsp at the call.
    Stack(u32),
}

/// Which convention a call uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallConv {
    /// The Wasm convention (see the module docs).
    Wasm,
    /// SysV C (builtins).
    SysV,
}

/// Assigns locations to arguments of types `tys`, appending to `out`.
/// Returns the size in bytes of the stack-argument area.
pub fn assign_args(tys: impl IntoIterator<Item = Type>, out: &mut Vec<ArgLoc>) -> u32 {
    let (mut ni, mut nf, mut stack) = (0usize, 0usize, 0u32);
    for ty in tys {
        let loc = if ty.is_int() && ni < INT_ARG_REGS.len() {
            ni += 1;
            ArgLoc::Reg(INT_ARG_REGS[ni - 1])
        } else if ty.is_float() && nf < FLOAT_ARG_REGS.len() {
            nf += 1;
            ArgLoc::Reg(FLOAT_ARG_REGS[nf - 1])
        } else {
            stack += 8;
            ArgLoc::Stack(stack - 8)
        };
        out.push(loc);
    }
    stack
}

/// Assigns result registers for `tys` under `conv`, appending to `out`.
pub fn assign_results(
    conv: CallConv,
    tys: impl IntoIterator<Item = Type>,
    out: &mut Vec<PReg>,
) -> Result<(), CompileError> {
    let (ints, floats): (&[PReg], &[PReg]) = match conv {
        CallConv::Wasm => (&INT_RET_REGS, &FLOAT_RET_REGS),
        CallConv::SysV => (&[RAX], &[xmm(0)]),
    };
    let (mut ni, mut nf) = (0, 0);
    for ty in tys {
        let r = if ty.is_int() {
            ni += 1;
            ints.get(ni - 1)
        } else {
            nf += 1;
            floats.get(nf - 1)
        };
        match r {
            Some(&r) => out.push(r),
            None => {
                return Err(CompileError(
                    "unsupported: more than 2 results of a class".into(),
                ));
            }
        }
    }
    Ok(())
}

/// Checks that a signature is supported by the Wasm convention.
pub fn check_signature(sig: &Signature) -> Result<(), CompileError> {
    let mut v = Vec::new();
    assign_results(CallConv::Wasm, sig.results.iter().copied(), &mut v)
}

/// Byte offset from rbp of incoming stack argument at call offset `off`.
pub const fn incoming_arg_offset(off: u32) -> i32 {
    16 + off as i32
}

/// Byte offset from rbp of the saved VMContext.
pub const SAVED_VMCTX_OFFSET: i32 = -8;

/// Byte offset from rbp of spill slot `k`.
pub const fn spill_slot_offset(k: usize) -> i32 {
    -32 - 16 * k as i32
}

/// Rounds up to a multiple of 16.
pub const fn align16(n: u32) -> u32 {
    (n + 15) & !15
}

/// The `sub rsp, N` amount for `spill_slots` slots and an outgoing-argument
/// area of `outgoing` bytes (keeps rsp 16-byte aligned after `push r14`).
pub const fn frame_sub(spill_slots: u32, outgoing: u32) -> u32 {
    8 + 16 * spill_slots + align16(outgoing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_arguments_overflow_in_order() {
        let mut tys = Vec::new();
        for _ in 0..10 {
            tys.push(Type::I64);
            tys.push(Type::F64);
        }
        let mut locs = Vec::new();
        let stack = assign_args(tys, &mut locs);
        assert_eq!(locs[0], ArgLoc::Reg(INT_ARG_REGS[0]));
        assert_eq!(locs[1], ArgLoc::Reg(FLOAT_ARG_REGS[0]));
        // ints 6..10 and floats 8..10 go to the stack in argument order.
        let stack_locs: Vec<_> = locs
            .iter()
            .filter_map(|l| match l {
                ArgLoc::Stack(o) => Some(*o),
                _ => None,
            })
            .collect();
        assert_eq!(stack_locs, vec![0, 8, 16, 24, 32, 40]);
        assert_eq!(stack, 48);
        assert_eq!(locs[12], ArgLoc::Stack(0)); // 7th int
        assert_eq!(locs[17], ArgLoc::Stack(24)); // 9th float
    }

    #[test]
    fn results_and_frame() {
        let mut v = Vec::new();
        assign_results(CallConv::Wasm, [Type::I32, Type::F64, Type::I64], &mut v).unwrap();
        assert_eq!(v, vec![RAX, xmm(0), crate::regs::RDX]);
        let mut v = Vec::new();
        assert!(assign_results(CallConv::SysV, [Type::I32, Type::I32], &mut v).is_err());
        // rbp - 8 (r14) - frame_sub must keep rsp 16-byte aligned.
        for (s, o) in [(0, 0), (1, 8), (3, 40)] {
            assert_eq!((8 + frame_sub(s, o)) % 16, 0);
        }
        assert_eq!(spill_slot_offset(0) % 16, 0);
    }
}
