//! Calling conventions and the frame layout.
//!
//! ## Wasm calling convention
//! Used for wasm→wasm calls, the array trampoline → wasm, and wasm → host
//! trampoline. The callee's VMContext is in r14 and its memory base in r15.
//! Integer arguments go in rdi, rsi, rdx, rcx, r8, r9 and float arguments in
//! xmm0–xmm7, in argument order per class; the rest go on the stack in 8-byte
//! slots at `[rsp + 8k]` at the call (`[rbp + 16 + 8k]` in the callee), in
//! argument order. A call clobbers every allocatable register except rbx,
//! r12 and r13, which the callee preserves (as in SysV). rsp is 16-byte
//! aligned at every call. In a stack slot an `i32` is zero-extended to 64
//! bits and an `f32` is in the low 4 bytes (the high 4 are unspecified).
//!
//! ### Results (multi-value)
//! A function may return any number of results. The first two integer
//! results (in result order) come back in rax then rdx, the first two float
//! results in xmm0 then xmm1. Every further result goes to the *return
//! area*: 8-byte slots, one per such result in result order, which the
//! CALLER reserves in its outgoing-argument area right above the stack
//! arguments. With `S` bytes of stack arguments, the k-th extra result is at
//! `[rsp + S + 8k]` at the call, which the callee sees as
//! `[rbp + 16 + S + 8k]` (just above its incoming stack arguments) and writes
//! before its epilogue; the caller loads it from `[rsp + S + 8k]` right
//! after the call. No hidden pointer is passed: both sides derive the
//! location from the signature. The outgoing area of a frame is
//! `align16(S + return area)`, so rsp stays 16-byte aligned.
//! ```text
//!   caller's frame at the call            callee's view
//!   [rsp + S + 8k]   extra result k       [rbp + 16 + S + 8k]
//!   [rsp + 8j]       stack argument j     [rbp + 16 + 8j]
//!                    return address       [rbp + 8]
//! ```
//! Example: `(i32, f64, i64, i32, f32, f64, f64)` with no stack arguments:
//! eax, xmm0, rdx, `[rsp]`, xmm1, `[rsp + 8]`, `[rsp + 16]`.
//!
//! Builtins use the SysV C convention, which has the same argument registers
//! but at most one result per class (rax / xmm0) and no return area.
//!
//! ## Frame layout of a Wasm function
//! ```text
//!   [rbp + 16 + S + 8k] return-area slot k (S = incoming stack-arg bytes)
//!   [rbp + 16 + 8k]     incoming stack argument k
//!   [rbp + 8]           return address
//!   [rbp]               caller's rbp            <- rbp
//!   [rbp - 8]           saved r14 (VMContext) if the function makes
//!                       indirect calls, else unused
//!   [rbp - 16 - 8j]     saved callee-saved register j (rbx, r12, r13: those
//!                       the function writes, in that order), else padding
//!   [rbp - 32 - 16k - P] spill slot k (16 bytes, 16-byte aligned), with
//!                       P = 16 when two or three registers are saved, else 0
//!   ...
//!   [rsp + S + 8k]      return-area slot k of a call (S = its stack-arg bytes)
//!   [rsp + 8k]          outgoing stack argument k   <- rsp (16-byte aligned)
//! ```
//! The prologue is `push rbp; mov rbp, rsp; push r14`, the stack check
//! (`rsp - N` against the limit, or `rsp` itself when `N` is at most
//! `strata_ir::vmctx::STACK_LIMIT_SLACK`, by which the limit is raised), then
//! `sub rsp, N` with `N = 8 + P + 16 * spill_slots + align16(outgoing)`,
//! where `outgoing` is the largest `S + return area` over the function's
//! calls, so the frame size `rbp - rsp` is `N + 8`; then the stores of the
//! saved registers. Only a function that makes indirect calls (which reload
//! r14 from its slot after the call, and whose callee may be a host
//! function's trampoline, which reads its caller's slot) saves r14: any
//! other leaves out the `push r14` and subtracts `N + 8`. Every return
//! reloads the saved registers before `mov rsp, rbp; pop rbp;
//! ret`. The loads of a call's extra
//! results directly follow the call, before anything can reuse the area.

use strata_ir::Type;
use strata_regalloc::PReg;

use crate::CompileError;
use crate::regs::{FLOAT_ARG_REGS, FLOAT_RET_REGS, INT_ARG_REGS, INT_RET_REGS, RAX, xmm};

/// Where one argument or result is passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgLoc {
    /// In a register.
    Reg(PReg),
    /// In an 8-byte stack slot: for an argument, this byte offset from rsp
    /// at the call; for a result, this byte offset in the return area (see
    /// [`outgoing_result_offset`] and [`incoming_result_offset`]).
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

/// Assigns result locations for `tys` under `conv`, appending to `out`:
/// registers first per class, then return-area slots in result order (Wasm
/// convention only). Returns the size in bytes of the return area.
pub fn assign_results(
    conv: CallConv,
    tys: impl IntoIterator<Item = Type>,
    out: &mut Vec<ArgLoc>,
) -> Result<u32, CompileError> {
    let (ints, floats): (&[PReg], &[PReg]) = match conv {
        CallConv::Wasm => (&INT_RET_REGS, &FLOAT_RET_REGS),
        CallConv::SysV => (&[RAX], &[xmm(0)]),
    };
    let (mut ni, mut nf, mut area) = (0, 0, 0u32);
    for ty in tys {
        let r = if ty.is_int() {
            ni += 1;
            ints.get(ni - 1)
        } else {
            nf += 1;
            floats.get(nf - 1)
        };
        match (r, conv) {
            (Some(&r), _) => out.push(ArgLoc::Reg(r)),
            (None, CallConv::Wasm) => {
                out.push(ArgLoc::Stack(area));
                area += 8;
            }
            (None, CallConv::SysV) => {
                return Err(CompileError(
                    "unsupported: a builtin with more than 1 result of a class".into(),
                ));
            }
        }
    }
    Ok(area)
}

/// Byte offset from rsp at a call (and right after it) of the return-area
/// slot at `off`, for a callee with `stack_args` bytes of stack arguments.
pub const fn outgoing_result_offset(stack_args: u32, off: u32) -> u32 {
    stack_args + off
}

/// Byte offset from rbp, in the callee, of its return-area slot at `off`
/// when it has `stack_args` bytes of stack arguments.
pub const fn incoming_result_offset(stack_args: u32, off: u32) -> i32 {
    16 + stack_args as i32 + off as i32
}

/// Byte offset from rbp of incoming stack argument at call offset `off`.
pub const fn incoming_arg_offset(off: u32) -> i32 {
    16 + off as i32
}

/// Byte offset from rbp of the saved VMContext.
pub const SAVED_VMCTX_OFFSET: i32 = -8;

/// Byte offset from rbp of spill slot `k` in a frame that saves `saved`
/// callee-saved registers.
pub const fn spill_slot_offset(k: usize, saved: usize) -> i32 {
    -32 - 16 * k as i32 - save_pad(saved) as i32
}

/// Byte offset from rbp of the `j`-th saved callee-saved register.
pub const fn saved_reg_offset(j: usize) -> i32 {
    -16 - 8 * j as i32
}

/// The bytes the saved registers take below the padding slot at rbp - 16.
const fn save_pad(saved: usize) -> u32 {
    if saved > 1 { 16 } else { 0 }
}

/// Rounds up to a multiple of 16.
pub const fn align16(n: u32) -> u32 {
    (n + 15) & !15
}

/// The `sub rsp, N` amount for `spill_slots` slots, `saved` callee-saved
/// registers and an outgoing-argument area of `outgoing` bytes (keeps rsp
/// 16-byte aligned after `push r14`).
pub const fn frame_sub(spill_slots: u32, saved: usize, outgoing: u32) -> u32 {
    8 + save_pad(saved) + 16 * spill_slots + align16(outgoing)
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
        let area =
            assign_results(CallConv::Wasm, [Type::I32, Type::F64, Type::I64], &mut v).unwrap();
        assert_eq!(
            v,
            vec![
                ArgLoc::Reg(RAX),
                ArgLoc::Reg(xmm(0)),
                ArgLoc::Reg(crate::regs::RDX)
            ]
        );
        assert_eq!(area, 0);
        let mut v = Vec::new();
        assert!(assign_results(CallConv::SysV, [Type::I32, Type::I32], &mut v).is_err());
        // rbp - 8 (r14) - frame_sub must keep rsp 16-byte aligned, spill
        // slots are 16-byte aligned below the saved registers, and the frame
        // holds them all.
        for saved in 0..=3 {
            for (s, o) in [(0, 0), (1, 8), (3, 40)] {
                let sub = frame_sub(s, saved, o);
                assert_eq!((8 + sub) % 16, 0);
                if s > 0 {
                    let lowest = spill_slot_offset(s as usize - 1, saved);
                    assert!(-lowest <= (8 + sub - align16(o)) as i32);
                }
            }
            assert_eq!(spill_slot_offset(0, saved) % 16, 0);
            if saved > 0 {
                assert!(saved_reg_offset(saved - 1) >= spill_slot_offset(0, saved) + 16);
            }
        }
    }

    #[test]
    fn extra_results_go_to_the_return_area_in_order() {
        use Type::*;
        let mut v = Vec::new();
        let tys = [I32, F64, I64, I32, F32, F64, F64];
        let area = assign_results(CallConv::Wasm, tys, &mut v).unwrap();
        assert_eq!(
            v,
            vec![
                ArgLoc::Reg(RAX),
                ArgLoc::Reg(xmm(0)),
                ArgLoc::Reg(crate::regs::RDX),
                ArgLoc::Stack(0),
                ArgLoc::Reg(xmm(1)),
                ArgLoc::Stack(8),
                ArgLoc::Stack(16),
            ]
        );
        assert_eq!(area, 24);
        // With 16 bytes of stack arguments the slots sit right above them.
        assert_eq!(outgoing_result_offset(16, 8), 24);
        assert_eq!(incoming_result_offset(16, 8), 40);
        assert_eq!(
            incoming_result_offset(16, 8),
            incoming_arg_offset(outgoing_result_offset(16, 8))
        );
    }
}
