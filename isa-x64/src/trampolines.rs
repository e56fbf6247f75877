//! Host ↔ Wasm trampolines.
//!
//! - The *array trampoline* of a signature lets the host call Wasm code: it is
//!   an ordinary SysV function `fn(vmctx, code, values)` where `values` is an
//!   array of 16-byte slots holding the arguments on entry and the results on
//!   return (slot i at byte `16 * i`; `i32`/`f32` use the low 4 bytes).
//! - The *host trampoline* of a signature lets Wasm code call a host function:
//!   it is called with the Wasm convention (r14 = the host function's context),
//!   spills the arguments into a slot array on its stack, calls
//!   `host_fn(ctx, values) -> u32`, and either raises (non-zero) or loads the
//!   results from the slots.
//!
//! Both handle any number of results: slot j always holds result j; the
//! trampolines move results beyond the result registers between the slots
//! and the return area (see [`crate::abi`]). The slot array must have
//! `max(params, results, 1)` slots (the host trampoline allocates its own).
//!
//! - The *lazy-compilation stubs* of a module ([`lazy_stubs`]) stand for
//!   the code of functions not compiled yet: called with the Wasm
//!   convention, they have the function compiled and jump to it.
//!
//! The machine code itself is emitted by [`crate::emit`].

use strata_ir::Signature;

use crate::CompileError;
use crate::abi::{self, CallConv};
use crate::emit;

/// A trampoline's plan: argument and result locations (results in the
/// return area as offsets in it), the size of the stack-argument area, and
/// the size of the return area.
struct Plan {
    args: Vec<emit::TrampolineArg>,
    results: Vec<emit::TrampolineArg>,
    stack: u32,
    ret_area: u32,
}

fn plan(sig: &Signature) -> Result<Plan, CompileError> {
    let mut locs = Vec::new();
    let stack = abi::assign_args(sig.params.iter().copied(), &mut locs);
    let args = sig.params.iter().copied().zip(locs).collect();
    let mut rlocs = Vec::new();
    let ret_area = abi::assign_results(CallConv::Wasm, sig.results.iter().copied(), &mut rlocs)?;
    let results = sig.results.iter().copied().zip(rlocs).collect();
    Ok(Plan {
        args,
        results,
        stack,
        ret_area,
    })
}

/// The array-call trampoline for `sig`: machine code for
/// `unsafe extern "sysv64" fn(vmctx: *mut u8, code: *const u8, values: *mut u8)`.
///
/// It loads the arguments from the 16-byte slots of `values`, calls `code`
/// with the Wasm convention (r14 = `vmctx`, r15 = `[vmctx + HEAP_BASE]`) and
/// stores the results (all of them, including those returned in the return
/// area) into slots `0..`.
pub fn array_trampoline(sig: &Signature) -> Result<Vec<u8>, CompileError> {
    let p = plan(sig)?;
    emit::array_trampoline_code(&p.args, &p.results, p.stack, p.ret_area)
}

/// The Wasm → host trampoline for `sig`, calling
/// `host_fn: extern "sysv64" fn(ctx: *mut u8, values: *mut u8, caller_vmctx: *mut u8) -> u32`
/// with ctx = r14 and `caller_vmctx` the calling Wasm function's VMContext
/// (read from the caller's frame, which must be a Wasm frame); when it returns non-zero, calls `raise_fn` (SysV, no arguments,
/// never returns).
pub fn host_trampoline(
    sig: &Signature,
    host_fn: usize,
    raise_fn: usize,
) -> Result<Vec<u8>, CompileError> {
    let p = plan(sig)?;
    emit::host_trampoline_code(&p.args, &p.results, p.stack, host_fn, raise_fn)
}

/// The lazy-compilation stubs of a module (see [`lazy_stubs`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LazyStubs {
    /// The machine code: a common entry, then one stub per function.
    pub code: Vec<u8>,
    /// Offset of stub 0.
    pub first: u32,
    /// Bytes between two stubs.
    pub stride: u32,
}

impl LazyStubs {
    /// Offset in [`code`](Self::code) of the stub of defined function `def`.
    pub fn offset(&self, def: u32) -> u32 {
        self.first + self.stride * def
    }
}

/// The lazy-compilation stubs for `count` defined functions: stub `def`
/// (at [`LazyStubs::offset`]) stands for function `def`'s code until it is
/// compiled. Called with the Wasm convention, it calls the builtin whose
/// pointer is at `[r14 + builtin]` (r14 = the callee's VMContext) as
/// `extern "sysv64" fn(vmctx, def: u32) -> code`, with every argument
/// register (and the stack arguments and return area) preserved across it,
/// then jumps to the returned code as if it had been called directly. When
/// the builtin returns 0 it calls `raise_fn` (SysV, no arguments, never
/// returns; see the host trampoline).
pub fn lazy_stubs(count: u32, builtin: u32, raise_fn: usize) -> Result<LazyStubs, CompileError> {
    let builtin = i32::try_from(builtin).map_err(|_| CompileError("builtin offset".into()))?;
    let (code, first) = emit::lazy_stubs_code(count, builtin, raise_fn)?;
    Ok(LazyStubs {
        code,
        first,
        stride: emit::LAZY_STUB_STRIDE,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_lazy_stub_names_its_function_and_jumps_to_the_common_entry() {
        let stubs = lazy_stubs(3, 0x68, 0x1234_5678).unwrap();
        assert_eq!(stubs.first % stubs.stride, 0);
        assert_eq!(stubs.code.len() as u32, stubs.offset(3));
        let common = crate::disassemble(&stubs.code[..stubs.first as usize], 0);
        for needle in [
            "push rbp",
            "movdqu [rsp+0xa0],xmm7",
            "call qword ptr [r14+0x68]",
            "movdqu xmm7,[rsp+0xa0]",
            "jmp r11",
        ] {
            assert!(
                common.to_lowercase().contains(&needle.to_lowercase()),
                "{needle} missing in:\n{common}"
            );
        }
        for def in 0..3 {
            let at = stubs.offset(def) as usize;
            let text = crate::disassemble(&stubs.code[at..at + 11], at as u64);
            assert!(
                text.to_lowercase().contains(&format!("mov r11d,{def}")),
                "{text}"
            );
            assert!(text.to_lowercase().contains("jmp 0\n"), "{text}");
        }
    }
}
