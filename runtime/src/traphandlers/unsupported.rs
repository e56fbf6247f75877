//! Stand-in for targets without trap support yet (e.g. AArch64): Wasm cannot
//! be entered, so `catch_traps` reports an error and the signal handler
//! forwards every signal to the previous handler.
//!
//! Invariant: nothing here ever runs Wasm code.

use super::TrapHandlerContext;

/// Whether trap handling works on this target.
pub(super) const SUPPORTED: bool = false;

/// Never called on this target ([`SUPPORTED`] is false).
///
/// # Safety
///
/// None needed: it does not call anything.
pub(super) unsafe fn call_entry(
    _activation: *mut u8,
    _trampoline: super::ArrayTrampoline,
    _vmctx: *mut u8,
    _code: *const u8,
    _values: *mut u8,
) -> u32 {
    unreachable!("Wasm entry on an unsupported target")
}

/// Never called on this target.
///
/// # Safety
///
/// None needed: it aborts.
pub(super) unsafe fn unwind(_saved_sp: usize) -> ! {
    std::process::abort()
}

extern "C" fn raise_unsupported() {
    std::process::abort()
}

/// Address of a stub that aborts.
pub(super) fn raise_stub_address() -> usize {
    raise_unsupported as *const () as usize
}

/// Signal contexts are not decoded on this target.
///
/// # Safety
///
/// None needed.
pub(super) unsafe fn context_registers(_ctx: *mut libc::c_void) -> TrapHandlerContext {
    TrapHandlerContext {
        pc: 0,
        sp: 0,
        fp: 0,
    }
}

/// Never called on this target.
///
/// # Safety
///
/// None needed.
pub(super) unsafe fn redirect_to_landing(_ctx: *mut libc::c_void, _saved_sp: usize) {}

/// Approximate current stack pointer: the address of a local.
#[inline(always)]
pub(super) fn stack_pointer() -> usize {
    let x = 0u8;
    core::hint::black_box(&x) as *const u8 as usize
}
