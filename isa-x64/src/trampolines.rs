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
