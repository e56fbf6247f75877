//! Signal handlers and per-thread alternate signal stacks.
//!
//! This module owns the process's SIGSEGV, SIGBUS, SIGILL and SIGFPE
//! handlers while strata is loaded, and one alternate signal stack per
//! thread that enters Wasm (when the thread has none big enough).
//!
//! Invariants:
//! - Handlers are installed once per process ([`init_traps`]) and never
//!   removed, except that a signal forwarded to a previous `SIG_DFL`/`SIG_IGN`
//!   disposition resets it to `SIG_DFL` so the fault kills the process the
//!   normal way when it re-executes.
//! - The handler is async-signal-safe: it allocates nothing, takes no lock
//!   and cannot panic. It reads only the thread-local activation chain, the
//!   lock-free code registry and the signal context.
//! - A signal is claimed only when the thread is inside [`super::catch_traps`]
//!   and the PC is a registered trap site; everything else goes to the
//!   handler that was installed before ours.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::ptr;
use std::sync::Once;

use libc::c_int;

use super::{arch, current_activation, record_trap, registry};

/// The signals we handle, in the order of [`PREVIOUS`].
const SIGNALS: [c_int; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];

/// The dispositions that were in place before ours, indexed like
/// [`SIGNALS`]. Entry `i` is written by `sigaction` before our handler for
/// `SIGNALS[i]` is installed, and never written again.
struct PreviousHandlers(UnsafeCell<[MaybeUninit<libc::sigaction>; 4]>);

// SAFETY: each entry is written once, inside `INIT`, before the handler that
// reads it can run; afterwards it is only read.
unsafe impl Sync for PreviousHandlers {}

static PREVIOUS: PreviousHandlers = PreviousHandlers(UnsafeCell::new([MaybeUninit::uninit(); 4]));
static INIT: Once = Once::new();

/// Installs strata's handlers for SIGSEGV, SIGBUS, SIGILL and SIGFPE (once
/// per process), remembering the previous handlers to forward foreign
/// faults to.
///
/// # Panics
///
/// Panics if `sigaction` fails, which only happens for invalid arguments.
pub fn init_traps() {
    INIT.call_once(|| {
        for (i, &signal) in SIGNALS.iter().enumerate() {
            // SAFETY: a zeroed `sigaction` is a valid value; we fill in a
            // handler with the `SA_SIGINFO` signature and an empty mask.
            // `PREVIOUS[i]` is not read until our handler for `signal` is
            // installed by this very call, which writes it first.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = trap_handler as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
                libc::sigemptyset(&mut action.sa_mask);
                let previous = (*PREVIOUS.0.get())[i].as_mut_ptr();
                if libc::sigaction(signal, &action, previous) != 0 {
                    panic!(
                        "failed to install the handler for signal {signal}: {}",
                        std::io::Error::last_os_error()
                    );
                }
            }
        }
    });
}

/// The handler for all four signals.
unsafe extern "C" fn trap_handler(
    signal: c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    // SAFETY: the kernel passes a valid siginfo and ucontext.
    if unsafe { handle_wasm_trap(signal, info, context) } {
        return;
    }
    // SAFETY: same arguments, forwarded unchanged.
    unsafe { forward_to_previous(signal, info, context) }
}

/// Claims the signal if it is a trap of Wasm code running under
/// `catch_traps` on this thread: records it and redirects the context to
/// the landing routine. Returns whether it did.
///
/// # Safety
///
/// Must be called from the signal handler with its arguments.
unsafe fn handle_wasm_trap(
    signal: c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) -> bool {
    if !arch::SUPPORTED {
        return false;
    }
    // Only faults the kernel raised for the instruction at the PC count:
    // a signal sent with kill/tgkill/sigqueue has `si_code <= 0`.
    // SAFETY: the kernel passes a valid siginfo.
    if unsafe { (*info).si_code } <= 0 {
        return false;
    }
    let activation = current_activation();
    if activation.is_null() {
        return false;
    }
    // SAFETY: `context` is the handler's ucontext.
    let regs = unsafe { arch::context_registers(context) };
    let Some((start, code_info)) = registry::handler_lookup(regs.pc) else {
        return false;
    };
    let Ok(offset) = u32::try_from(regs.pc - start) else {
        return false;
    };
    let Some(trap_code) = code_info.trap_code(offset) else {
        return false;
    };
    let fault_address = match signal {
        // SAFETY: for SIGSEGV and SIGBUS the kernel fills in `si_addr`.
        libc::SIGSEGV | libc::SIGBUS => Some(unsafe { (*info).si_addr() } as usize),
        _ => None,
    };
    // SAFETY: `activation` is the innermost live activation of this thread
    // (its frame is below us on this thread's stack); recording writes only
    // its fixed-size fields and reads stack words it bounds-checks.
    unsafe {
        record_trap(
            activation,
            Some(trap_code),
            fault_address,
            regs.pc,
            regs.fp,
            regs.sp,
            code_info.is_frameless_trap(offset),
        );
        arch::redirect_to_landing(context, (*activation).saved_sp);
    }
    true
}

/// Passes a signal that is not ours to the disposition installed before
/// ours.
///
/// # Safety
///
/// Must be called from the signal handler with its arguments.
unsafe fn forward_to_previous(
    signal: c_int,
    info: *mut libc::siginfo_t,
    context: *mut libc::c_void,
) {
    let Some(i) = SIGNALS.iter().position(|&s| s == signal) else {
        return;
    };
    // SAFETY: `PREVIOUS[i]` was written before our handler for `signal`
    // was installed, and is read-only since.
    let previous = unsafe { &*(*PREVIOUS.0.get())[i].as_ptr() };
    let handler = previous.sa_sigaction;
    if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        // Reset to the default disposition and return: the faulting
        // instruction re-executes and the kernel applies the default
        // action (a synchronous fault cannot be ignored).
        // SAFETY: a zeroed `sigaction` with SIG_DFL is valid; sigaction is
        // async-signal-safe.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = libc::SIG_DFL;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, ptr::null_mut());
        }
    } else if previous.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: with SA_SIGINFO the previous handler has this signature;
        // we call it as the kernel would have.
        unsafe {
            let f: unsafe extern "C" fn(c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                std::mem::transmute(handler);
            f(signal, info, context);
        }
    } else {
        // SAFETY: without SA_SIGINFO the previous handler takes only the
        // signal number.
        unsafe {
            let f: unsafe extern "C" fn(c_int) = std::mem::transmute(handler);
            f(signal);
        }
    }
}

/// Size of the alternate signal stacks we allocate, and the minimum size of
/// an existing one we are willing to reuse.
const ALT_STACK_SIZE: usize = 64 * 1024;

/// An alternate signal stack this thread installed, unmapped at thread exit.
struct AltStack {
    /// Start of the mapping (a guard page, then the stack); null when the
    /// thread already had a usable alternate stack or allocation failed.
    mapping: *mut u8,
    /// Length of the mapping.
    mapping_len: usize,
}

thread_local! {
    static ALT_STACK: AltStack = AltStack::install();
}

/// Makes sure the calling thread has an alternate signal stack of at least
/// 64 KiB (installing one on first use), so that faults are handled even
/// when the thread's stack is exhausted.
pub(super) fn ensure_alt_stack() {
    ALT_STACK.with(|_| {});
}

impl AltStack {
    /// Installs an alternate stack unless a big enough one is in place.
    /// Failure is not fatal: the handler then runs on the thread's stack.
    fn install() -> AltStack {
        let none = AltStack {
            mapping: ptr::null_mut(),
            mapping_len: 0,
        };
        // SAFETY: querying the current alternate stack writes `old` only.
        let mut old: libc::stack_t = unsafe { std::mem::zeroed() };
        // SAFETY: see above.
        if unsafe { libc::sigaltstack(ptr::null(), &mut old) } != 0 {
            return none;
        }
        if old.ss_flags & libc::SS_DISABLE == 0 && old.ss_size >= ALT_STACK_SIZE {
            return none;
        }
        let page = page_size();
        let mapping_len = ALT_STACK_SIZE + page;
        // SAFETY: a fresh anonymous mapping aliases nothing.
        let mapping = unsafe {
            libc::mmap(
                ptr::null_mut(),
                mapping_len,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if mapping == libc::MAP_FAILED {
            return none;
        }
        let mapping = mapping.cast::<u8>();
        // SAFETY: the stack part lies inside our mapping; the first page
        // stays PROT_NONE as a guard.
        let stack = unsafe { mapping.add(page) };
        // SAFETY: as above.
        let ok = unsafe {
            libc::mprotect(
                stack.cast(),
                ALT_STACK_SIZE,
                libc::PROT_READ | libc::PROT_WRITE,
            ) == 0
        };
        let new = libc::stack_t {
            ss_sp: stack.cast(),
            ss_flags: 0,
            ss_size: ALT_STACK_SIZE,
        };
        // SAFETY: `new` describes readable, writable memory we own until
        // thread exit.
        if !ok || unsafe { libc::sigaltstack(&new, ptr::null_mut()) } != 0 {
            // SAFETY: unmapping our own, unused mapping.
            unsafe { libc::munmap(mapping.cast(), mapping_len) };
            return none;
        }
        AltStack {
            mapping,
            mapping_len,
        }
    }
}

impl Drop for AltStack {
    fn drop(&mut self) {
        if self.mapping.is_null() {
            return;
        }
        // SAFETY: query, then disable the alternate stack if it is still
        // ours (another runtime may have replaced or disabled it), then
        // unmap our memory, which nothing refers to any more. We do not
        // restore the previous stack: its owner may already have freed it.
        unsafe {
            let mut current: libc::stack_t = std::mem::zeroed();
            libc::sigaltstack(ptr::null(), &mut current);
            let ours = self.mapping.add(page_size());
            if current.ss_flags & libc::SS_DISABLE == 0 && current.ss_sp.cast::<u8>() == ours {
                let disable = libc::stack_t {
                    ss_sp: ptr::null_mut(),
                    ss_flags: libc::SS_DISABLE,
                    ss_size: ALT_STACK_SIZE,
                };
                libc::sigaltstack(&disable, ptr::null_mut());
            }
            libc::munmap(self.mapping.cast(), self.mapping_len);
        }
    }
}

/// The system page size.
fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size).unwrap_or(4096)
}
