//! Entering Wasm code and catching its traps.
//!
//! This module owns the per-thread chain of *activations* (one per
//! [`catch_traps`] call on the stack), the signal handlers that turn hardware
//! faults in Wasm code into trap records, the host-error raise path, and the
//! lock-free registry of compiled code ([`registry`]).
//!
//! How a trap travels:
//!
//! ```text
//!  catch_traps ── pushes Activation, sets the stack limit
//!    └ strata_rt_entry (asm) ── saves callee-saved regs, activation.saved_sp = rsp
//!        └ array trampoline ─ Wasm ─ Wasm ─ ud2 / bad load        (SIGILL / SIGSEGV …)
//!                                            │ signal handler: registered trap site?
//!                                            │ record code, pc, ([rsp] at a frameless site,)
//!                                            │   rbp-chain return addresses
//!                                            │ context.rip = landing, context.rsp = saved_sp
//!        strata_rt_landing ◄─────────────────┘ restores regs, entry "returns" 1
//!  catch_traps ── pops Activation, restores limit, builds the TrapRecord
//! ```
//!
//! A failing host call takes the same road without a signal: the glue calls
//! [`set_pending_host_error`], returns, and generated code calls the stub at
//! [`raise_pending_trap_address`], which records the frames and jumps to the
//! landing routine directly.
//!
//! Invariants:
//! - The thread-local activation pointer is either null or points to the
//!   innermost live `Activation`, which lives in the frame of its
//!   `catch_traps` call. It is `const`-initialised with no destructor, so the
//!   signal handler may read it at any time.
//! - A trap only ever unwinds to the innermost activation. The frames it
//!   discards are Wasm frames (plus, for a host error, the raise stub's own
//!   Rust frame, which holds nothing to drop). Host code must therefore never
//!   be on the stack between the faulting Wasm code and the innermost
//!   `catch_traps`: a host function that calls back into Wasm does so through
//!   its own `catch_traps`.
//! - Everything the handler writes lives in fixed-size fields of the
//!   activation; allocation happens only in `catch_traps` after landing.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::mem::MaybeUninit;
use std::ptr;

use strata_ir::TrapCode;

pub mod registry;
mod signals;

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[path = "x86_64.rs"]
mod arch;
#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
#[path = "unsupported.rs"]
mod arch;

pub use registry::{
    CodeInfo, CodeRegistration, CodeTable, FrameInfo, FuncRange, lookup_frame, lookup_trap_code,
    register_code, register_code_table,
};
pub use signals::init_traps;

/// The signature of an array trampoline: `(vmctx, code, values)`, the
/// platform's C convention (SysV on x86-64 Linux). It calls the Wasm
/// function at `code` with arguments read from `values` and writes the
/// results back there.
pub type ArrayTrampoline = unsafe extern "C" fn(vmctx: *mut u8, code: *const u8, values: *mut u8);

/// The most program counters a [`TrapRecord`] holds.
pub const MAX_TRAP_FRAMES: usize = 64;

/// Why Wasm execution stopped.
#[derive(Debug)]
pub enum TrapReason {
    /// A trap of the Wasm code itself.
    Wasm(TrapCode),
    /// A host function failed with this error.
    Host(Box<dyn std::error::Error + Send + Sync>),
}

impl fmt::Display for TrapReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrapReason::Wasm(code) => write!(f, "wasm trap: {code}"),
            TrapReason::Host(error) => write!(f, "host error: {error}"),
        }
    }
}

/// A trap as [`catch_traps`] reports it.
#[derive(Debug)]
pub struct TrapRecord {
    /// What happened.
    pub reason: TrapReason,
    /// Innermost first, at most [`MAX_TRAP_FRAMES`]. For a Wasm trap,
    /// `pcs[0]` is the faulting instruction itself; every other entry (and,
    /// for a host error, every entry including the first) is a return
    /// address into a Wasm function.
    pub pcs: Vec<usize>,
    /// The faulting data address, for SIGSEGV/SIGBUS traps.
    pub fault_address: Option<usize>,
}

impl TrapRecord {
    /// The Wasm frames of [`Self::pcs`], innermost first, looked up in the
    /// code registry (return addresses are looked up at `pc - 1`). PCs no
    /// longer registered, or outside any function, are skipped.
    pub fn frames(&self) -> Vec<FrameInfo> {
        let exact_first = matches!(self.reason, TrapReason::Wasm(_));
        self.pcs
            .iter()
            .enumerate()
            .filter_map(|(i, &pc)| {
                let pc = if i == 0 && exact_first {
                    pc
                } else {
                    pc.wrapping_sub(1)
                };
                lookup_frame(pc)
            })
            .collect()
    }
}

impl fmt::Display for TrapRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.reason, f)
    }
}

impl std::error::Error for TrapRecord {}

/// Registers read from a signal context.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TrapHandlerContext {
    /// Program counter of the faulting instruction.
    pub pc: usize,
    /// Stack pointer at the fault.
    pub sp: usize,
    /// Frame pointer at the fault.
    pub fp: usize,
}

/// What kind of trap an activation recorded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
enum Recorded {
    /// Nothing recorded.
    Nothing,
    /// A Wasm trap with `Activation::trap_code`.
    Wasm,
    /// A host error (taken from the pending-error slot).
    Host,
}

/// One `catch_traps` call in progress; lives in that call's stack frame.
#[repr(C)]
pub(crate) struct Activation {
    /// rsp after the entry routine saved the callee-saved registers.
    /// Written by the assembly entry; must stay the first field.
    saved_sp: usize,
    /// The next outer activation of this thread, or null.
    prev: *mut Activation,
    /// What the handler or the raise path recorded.
    recorded: Recorded,
    /// The trap code, when `recorded == Wasm`.
    trap_code: TrapCode,
    /// The faulting data address (0 with `has_fault_address == false`).
    fault_address: usize,
    /// Whether `fault_address` is meaningful.
    has_fault_address: bool,
    /// Number of valid entries in `pcs`.
    num_pcs: usize,
    /// Faulting pc, then return addresses, innermost first: the first
    /// `num_pcs` are written by the handler or the raise path before they
    /// are read; the rest stay uninitialized (a call that does not trap
    /// never touches them, so entering Wasm does not zero 512 bytes).
    pcs: [MaybeUninit<usize>; MAX_TRAP_FRAMES],
}

thread_local! {
    /// Innermost activation of this thread (see the module invariants).
    static ACTIVATION: Cell<*mut Activation> = const { Cell::new(ptr::null_mut()) };
    /// The error a host function reported before generated code raises it.
    static PENDING_HOST_ERROR: RefCell<Option<Box<dyn std::error::Error + Send + Sync>>> =
        const { RefCell::new(None) };
}

/// This thread's innermost activation, or null. Async-signal-safe.
pub(crate) fn current_activation() -> *mut Activation {
    ACTIVATION.with(|a| a.get())
}

/// Records a trap into `activation`: its kind, the pc, and the return
/// addresses found by walking the frame-pointer chain from `fp`; when
/// `frameless` (the pc is in code that runs without a frame of its own,
/// see `CodeInfo::frameless_traps`), first the caller's return address at
/// `[sp]`, `fp` then being the caller's frame. Async-signal-safe.
///
/// The walk reads `[fp]` and `[fp + 8]` only while `sp <= fp` and
/// `fp + 16 <= saved_sp` (so it stays within the Wasm part of this
/// thread's stack), requires `fp` to increase strictly, and stops at the
/// first return address outside a registered Wasm function.
///
/// # Safety
///
/// `activation` must be this thread's innermost live activation and `sp`
/// a stack pointer of this thread below its saved rsp.
pub(crate) unsafe fn record_trap(
    activation: *mut Activation,
    trap_code: Option<TrapCode>,
    fault_address: Option<usize>,
    pc: usize,
    mut fp: usize,
    sp: usize,
    frameless: bool,
) {
    // SAFETY: per the contract `activation` is live and ours; every stack
    // word read lies in [sp, saved_sp), which is mapped stack of this thread.
    unsafe {
        let a = &mut *activation;
        match trap_code {
            Some(code) => {
                a.recorded = Recorded::Wasm;
                a.trap_code = code;
            }
            None => a.recorded = Recorded::Host,
        }
        a.has_fault_address = fault_address.is_some();
        a.fault_address = fault_address.unwrap_or(0);
        a.pcs[0] = MaybeUninit::new(pc);
        let mut n = 1;
        let top = a.saved_sp;
        if frameless && sp.is_multiple_of(8) && sp.checked_add(8).is_some_and(|end| end <= top) {
            let ret = *(sp as *const usize);
            if registry::is_wasm_function_pc(ret.wrapping_sub(1)) {
                a.pcs[1] = MaybeUninit::new(ret);
                n = 2;
            }
        }
        while n < MAX_TRAP_FRAMES {
            if fp < sp || !fp.is_multiple_of(8) || fp.checked_add(16).is_none_or(|end| end > top) {
                break;
            }
            let frame = fp as *const usize;
            let ret = *frame.add(1);
            if !registry::is_wasm_function_pc(ret.wrapping_sub(1)) {
                break;
            }
            a.pcs[n] = MaybeUninit::new(ret);
            n += 1;
            let next = *frame;
            if next <= fp {
                break;
            }
            fp = next;
        }
        a.num_pcs = n;
    }
}

/// Calls `trampoline(vmctx, code, values)` and catches any trap of the Wasm
/// code it runs.
///
/// Installs the signal handlers if needed, gives the thread an alternate
/// signal stack, and pushes an activation. If `*stack_limit` is 0 or this
/// is the thread's outermost activation, sets `*stack_limit` for the
/// duration of the call (the current stack pointer minus `max_wasm_stack`,
/// plus `STACK_LIMIT_SLACK`) and restores the old value afterwards; nested
/// calls keep the outer limit.
///
/// Returns `Err` when the Wasm code trapped or raised a host error; the
/// record's `pcs` are the Wasm frames at that point.
///
/// # Safety
///
/// - `trampoline`, `vmctx`, `code` and `values` must form a valid call of
///   an array trampoline produced for `code`'s signature.
/// - `stack_limit` must be valid for reads and writes, and be the limit the
///   code's prologues check.
/// - `max_wasm_stack` must be smaller than the stack left on this thread,
///   so that the limit trips before the host stack's guard page.
/// - All code that may run must stay registered for the whole call, and
///   host functions called by it must not unwind (panic) into Wasm frames.
pub unsafe fn catch_traps(
    stack_limit: *mut usize,
    max_wasm_stack: usize,
    trampoline: ArrayTrampoline,
    vmctx: *mut u8,
    code: *const u8,
    values: *mut u8,
) -> Result<(), Box<TrapRecord>> {
    if !arch::SUPPORTED {
        return Err(Box::new(TrapRecord {
            reason: TrapReason::Host(
                "running Wasm code is not supported on this architecture yet".into(),
            ),
            pcs: Vec::new(),
            fault_address: None,
        }));
    }
    init_traps();
    signals::ensure_alt_stack();

    let prev = current_activation();
    let mut activation = Activation {
        saved_sp: 0,
        prev,
        recorded: Recorded::Nothing,
        trap_code: TrapCode::Unreachable,
        fault_address: 0,
        has_fault_address: false,
        num_pcs: 0,
        pcs: [MaybeUninit::uninit(); MAX_TRAP_FRAMES],
    };
    // From here on the activation is only accessed through this pointer: the
    // entry routine and the signal handler write it behind Rust's back.
    let act: *mut Activation = &mut activation;

    // SAFETY: the caller guarantees `stack_limit` is valid.
    let old_limit = unsafe { *stack_limit };
    let set_limit = old_limit == 0 || prev.is_null();
    if set_limit {
        // (Stored above the lowest address by the slack the prologues of
        // small frames leave out, see `STACK_LIMIT_SLACK`.)
        let lowest = arch::stack_pointer().saturating_sub(max_wasm_stack);
        let slack = strata_ir::vmctx::STACK_LIMIT_SLACK as usize;
        // SAFETY: as above.
        unsafe { *stack_limit = lowest.saturating_add(slack) };
    }

    ACTIVATION.with(|a| a.set(act));
    // SAFETY: `act` is live for the whole call and its first word receives
    // the saved rsp; the trampoline call itself is the caller's contract.
    let trapped = unsafe { arch::call_entry(act.cast(), trampoline, vmctx, code, values) };
    // SAFETY: `act` is still live; reading its `prev` field.
    ACTIVATION.with(|a| a.set(unsafe { (*act).prev }));

    if set_limit {
        // SAFETY: as above.
        unsafe { *stack_limit = old_limit };
    }
    if trapped == 0 {
        return Ok(());
    }
    // SAFETY: the handler or the raise path finished writing `*act` before
    // control reached the landing routine.
    let (recorded, trap_code, fault_address, pcs) = unsafe {
        let a = &*act;
        (
            a.recorded,
            a.trap_code,
            a.has_fault_address.then_some(a.fault_address),
            // (The first `num_pcs` entries were written: see the field.)
            a.pcs[..a.num_pcs]
                .iter()
                .map(|p| p.assume_init())
                .collect::<Vec<usize>>(),
        )
    };
    let reason = match recorded {
        Recorded::Wasm => TrapReason::Wasm(trap_code),
        Recorded::Host | Recorded::Nothing => TrapReason::Host(
            take_pending_host_error()
                .unwrap_or_else(|| "a host function failed without reporting an error".into()),
        ),
    };
    Err(Box::new(TrapRecord {
        reason,
        pcs,
        fault_address,
    }))
}

/// Stores the error of a failed host call, to be reported by the innermost
/// `catch_traps` once generated code calls the raise stub. Replaces any
/// error stored earlier on this thread.
pub fn set_pending_host_error(err: Box<dyn std::error::Error + Send + Sync>) {
    PENDING_HOST_ERROR.with(|p| *p.borrow_mut() = Some(err));
}

/// Takes the pending host error of this thread, if any.
fn take_pending_host_error() -> Option<Box<dyn std::error::Error + Send + Sync>> {
    PENDING_HOST_ERROR.with(|p| p.borrow_mut().take())
}

/// Address of the raise stub: a function taking no arguments and never
/// returning, to be called (with a plain `call`, from a Wasm function whose
/// rbp frame is set up) after a host call failed. It unwinds to the
/// innermost `catch_traps`, which returns `Err(TrapRecord { reason:
/// Host(err), .. })` with the error given to [`set_pending_host_error`] and
/// the Wasm frames of the caller's rbp chain. The stack needs no particular
/// alignment at the call.
pub fn raise_pending_trap_address() -> usize {
    arch::raise_stub_address()
}

/// Body of the raise stub: `fp` is the caller's rbp, `pc` the return address
/// into the caller, `sp` the caller's rsp after the call returns.
#[cfg_attr(
    not(all(target_arch = "x86_64", target_os = "linux")),
    allow(dead_code)
)]
extern "C" fn raise_pending_trap_impl(fp: usize, pc: usize, sp: usize) -> ! {
    let activation = current_activation();
    if activation.is_null() {
        // No catch_traps to return to: nothing sane is left to do.
        let msg = b"strata: raise_pending_trap called outside catch_traps\n";
        // SAFETY: writing a static buffer to stderr.
        unsafe { libc::write(2, msg.as_ptr().cast(), msg.len()) };
        std::process::abort();
    }
    // SAFETY: `activation` is this thread's innermost live activation and
    // `sp` lies in the Wasm part of its stack. This frame owns nothing that
    // needs dropping, so discarding it in `unwind` is fine.
    unsafe {
        record_trap(activation, None, None, pc, fp, sp, false);
        arch::unwind((*activation).saved_sp)
    }
}

/// The current stack pointer (approximate on targets without assembly
/// support): for tests and for computing stack limits.
#[inline(never)]
pub fn stack_pointer() -> usize {
    arch::stack_pointer()
}
