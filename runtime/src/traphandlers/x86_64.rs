//! x86-64 Linux specifics of the trap machinery: the assembly entry and
//! landing routines, the host-error raise stub, and signal-context access.
//!
//! Invariants:
//! - `strata_rt_entry` saves rbp, rbx, r12–r15 and an 8-byte pad, stores the
//!   resulting rsp into the first word of the activation it is given, and
//!   calls the array trampoline with a 16-byte-aligned stack. That stored rsp
//!   is the only state `strata_rt_landing` needs: jumping there with
//!   `rsp = saved rsp` restores the callee-saved registers and makes
//!   `strata_rt_entry` return 1 (0 on a normal return).
//! - `strata_rt_entry` sets up an rbp frame, so the frame-pointer chain of
//!   Wasm code ends at a return address into host code.

use core::arch::global_asm;

use super::TrapHandlerContext;

global_asm!(
    ".text",
    ".p2align 4",
    ".globl strata_rt_entry",
    ".hidden strata_rt_entry",
    ".type strata_rt_entry,@function",
    "strata_rt_entry:",
    ".cfi_startproc",
    "push rbp",
    ".cfi_def_cfa_offset 16",
    ".cfi_offset rbp, -16",
    "mov rbp, rsp",
    ".cfi_def_cfa_register rbp",
    "push rbx",
    ".cfi_offset rbx, -24",
    "push r12",
    ".cfi_offset r12, -32",
    "push r13",
    ".cfi_offset r13, -40",
    "push r14",
    ".cfi_offset r14, -48",
    "push r15",
    ".cfi_offset r15, -56",
    "sub rsp, 8",
    // activation->saved_sp = rsp
    "mov [rdi], rsp",
    "mov rax, rsi",
    "mov rdi, rdx",
    "mov rsi, rcx",
    "mov rdx, r8",
    "call rax",
    "xor eax, eax",
    "add rsp, 8",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "pop rbp",
    ".cfi_def_cfa rsp, 8",
    "ret",
    ".cfi_endproc",
    ".size strata_rt_entry, . - strata_rt_entry",
    "",
    ".p2align 4",
    ".globl strata_rt_landing",
    ".hidden strata_rt_landing",
    ".type strata_rt_landing,@function",
    // Entered with rsp = the saved rsp of an activation.
    "strata_rt_landing:",
    "mov eax, 1",
    "add rsp, 8",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "pop rbp",
    "ret",
    ".size strata_rt_landing, . - strata_rt_landing",
    "",
    ".p2align 4",
    ".globl strata_rt_unwind",
    ".hidden strata_rt_unwind",
    ".type strata_rt_unwind,@function",
    // strata_rt_unwind(saved_sp): never returns.
    "strata_rt_unwind:",
    "mov rsp, rdi",
    "jmp strata_rt_landing",
    ".size strata_rt_unwind, . - strata_rt_unwind",
    "",
    ".p2align 4",
    ".globl strata_rt_raise",
    ".hidden strata_rt_raise",
    ".type strata_rt_raise,@function",
    // Called by Wasm code: rbp is the caller's frame, [rsp] the return
    // address into the caller.
    "strata_rt_raise:",
    "mov rdi, rbp",
    "mov rsi, [rsp]",
    "lea rdx, [rsp + 8]",
    "and rsp, -16",
    "call {raise}",
    "ud2",
    ".size strata_rt_raise, . - strata_rt_raise",
    raise = sym super::raise_pending_trap_impl,
);

unsafe extern "C" {
    /// Saves callee-saved registers, stores rsp to `*(activation as *mut
    /// usize)`, calls `trampoline(vmctx, code, values)`. Returns 0 when the
    /// trampoline returns, 1 when a trap lands.
    fn strata_rt_entry(
        activation: *mut u8,
        trampoline: super::ArrayTrampoline,
        vmctx: *mut u8,
        code: *const u8,
        values: *mut u8,
    ) -> u32;
    /// Lands on the entry whose saved rsp is given (only its address is used).
    fn strata_rt_landing();
    /// Sets rsp to `saved_sp` and jumps to the landing routine.
    fn strata_rt_unwind(saved_sp: usize) -> !;
    /// The no-argument raise stub generated code calls.
    fn strata_rt_raise();
}

/// Calls the trampoline through the entry routine; see [`strata_rt_entry`].
///
/// # Safety
///
/// `activation` must point to a live activation whose first word receives
/// the saved rsp; the trampoline arguments must satisfy the trampoline's
/// contract.
pub(super) unsafe fn call_entry(
    activation: *mut u8,
    trampoline: super::ArrayTrampoline,
    vmctx: *mut u8,
    code: *const u8,
    values: *mut u8,
) -> u32 {
    // SAFETY: forwarded from the caller's contract.
    unsafe { strata_rt_entry(activation, trampoline, vmctx, code, values) }
}

/// Resumes at the landing routine of the activation whose saved rsp is
/// `saved_sp`, discarding every frame above it.
///
/// # Safety
///
/// `saved_sp` must be the saved rsp of an activation still on this
/// thread's stack, and the frames between here and there must need no
/// cleanup.
pub(super) unsafe fn unwind(saved_sp: usize) -> ! {
    // SAFETY: forwarded from the caller's contract.
    unsafe { strata_rt_unwind(saved_sp) }
}

/// Address of the raise stub.
pub(super) fn raise_stub_address() -> usize {
    strata_rt_raise as *const () as usize
}

/// Whether trap handling works on this target.
pub(super) const SUPPORTED: bool = true;

/// Reads pc, sp and fp from a signal context.
///
/// # Safety
///
/// `ctx` must be the `ucontext_t` pointer a signal handler received.
pub(super) unsafe fn context_registers(ctx: *mut libc::c_void) -> TrapHandlerContext {
    let uc = ctx.cast::<libc::ucontext_t>();
    // SAFETY: `uc` is the kernel-provided context, valid during the handler.
    let gregs = unsafe { &(*uc).uc_mcontext.gregs };
    TrapHandlerContext {
        pc: gregs[libc::REG_RIP as usize] as usize,
        sp: gregs[libc::REG_RSP as usize] as usize,
        fp: gregs[libc::REG_RBP as usize] as usize,
    }
}

/// Rewrites a signal context so that returning from the handler lands on
/// the entry routine of the activation whose saved rsp is `saved_sp`.
///
/// # Safety
///
/// `ctx` must be the `ucontext_t` pointer a signal handler received.
pub(super) unsafe fn redirect_to_landing(ctx: *mut libc::c_void, saved_sp: usize) {
    let uc = ctx.cast::<libc::ucontext_t>();
    // SAFETY: `uc` is the kernel-provided context, valid and writable
    // during the handler; the kernel restores it on return.
    let gregs = unsafe { &mut (*uc).uc_mcontext.gregs };
    gregs[libc::REG_RIP as usize] = strata_rt_landing as *const () as usize as i64;
    gregs[libc::REG_RSP as usize] = saved_sp as i64;
}

/// The current stack pointer.
#[inline(always)]
pub(super) fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads rsp into a register; no memory or flags are touched.
    unsafe {
        core::arch::asm!("mov {}, rsp", out(reg) sp, options(nomem, nostack, preserves_flags));
    }
    sp
}
