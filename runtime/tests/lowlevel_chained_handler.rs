//! A SIGSEGV handler installed before strata's keeps receiving the faults
//! that are not Wasm traps: outside Wasm, in host code called from Wasm, and
//! at a Wasm PC that is not a registered trap site.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

use std::ptr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use strata_ir::TrapCode;
use strata_runtime::code_memory::CodeMemory;
use strata_runtime::traphandlers::{
    ArrayTrampoline, CodeInfo, FuncRange, TrapReason, catch_traps, init_traps, register_code,
};

/// How often the test's own handler ran.
static CALLS: AtomicUsize = AtomicUsize::new(0);

/// The test's SIGSEGV handler: makes the faulting page read-write so that
/// the access succeeds when it re-executes.
extern "C" fn previous_handler(
    _sig: libc::c_int,
    info: *mut libc::siginfo_t,
    _ctx: *mut libc::c_void,
) {
    CALLS.fetch_add(1, Ordering::SeqCst);
    // SAFETY: the kernel fills in si_addr for SIGSEGV; we only change the
    // protection of the test's own page (mprotect is async-signal-safe).
    unsafe {
        let addr = (*info).si_addr() as usize & !4095;
        libc::mprotect(
            addr as *mut libc::c_void,
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
        );
    }
}

/// A fresh PROT_NONE page.
fn guard_page() -> *mut u64 {
    // SAFETY: an anonymous mapping aliases nothing.
    let p = unsafe {
        libc::mmap(
            ptr::null_mut(),
            4096,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert_ne!(p, libc::MAP_FAILED);
    p.cast()
}

static HOST_PAGE: AtomicUsize = AtomicUsize::new(0);

extern "C" fn host_touching_guard_page() {
    let page = HOST_PAGE.load(Ordering::SeqCst) as *mut u64;
    // SAFETY: the page is ours; the previous handler makes it writable.
    unsafe { ptr::write_volatile(page, 3) };
}

fn run(
    code: &CodeMemory,
    vmctx: *mut u8,
    values: &mut [u64],
) -> Result<(), Box<strata_runtime::traphandlers::TrapRecord>> {
    let mut limit = 0usize;
    // SAFETY: hand-made code following the trampoline convention.
    unsafe {
        catch_traps(
            &mut limit,
            64 * 1024,
            std::mem::transmute::<*const u8, ArrayTrampoline>(code.as_ptr()),
            vmctx,
            ptr::null(),
            values.as_mut_ptr().cast(),
        )
    }
}

#[test]
fn previous_handler_still_runs_for_foreign_faults() {
    // SAFETY: installing a valid SA_SIGINFO handler with an empty mask.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = previous_handler as *const () as usize;
        action.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(libc::sigaction(libc::SIGSEGV, &action, ptr::null_mut()), 0);
    }
    init_traps();

    // 1. A fault outside Wasm, no activation.
    let page = guard_page();
    // SAFETY: the page is ours; the previous handler makes it writable.
    unsafe { ptr::write_volatile(page, 1) };
    assert_eq!(CALLS.load(Ordering::SeqCst), 1);
    // SAFETY: now read-write.
    assert_eq!(unsafe { ptr::read_volatile(page) }, 1);

    // 2. Wasm traps are still ours.
    let code = CodeMemory::new(&[0x55, 0x48, 0x89, 0xe5, 0x0f, 0x0b]).unwrap();
    let info = CodeInfo {
        hidden_returns: Vec::new(),
        frameless_traps: Vec::new(),
        trap_sites: vec![(4, TrapCode::Unreachable)],
        funcs: vec![FuncRange {
            start: 0,
            end: 6,
            func_index: 0,
        }],
        addr_map: vec![],
    };
    let reg = register_code(code.as_ptr() as usize, code.len(), Arc::new(info));
    let trap = run(&code, ptr::null_mut(), &mut [0]).unwrap_err();
    assert!(matches!(
        trap.reason,
        TrapReason::Wasm(TrapCode::Unreachable)
    ));
    assert_eq!(CALLS.load(Ordering::SeqCst), 1);
    drop(reg);

    // 3. A fault in host code called from Wasm (an activation exists).
    HOST_PAGE.store(guard_page() as usize, Ordering::SeqCst);
    let mut bytes = vec![0x55, 0x48, 0x89, 0xe5, 0x48, 0xb8];
    bytes.extend_from_slice(&(host_touching_guard_page as *const () as usize as u64).to_le_bytes());
    bytes.extend_from_slice(&[0xff, 0xd0, 0x5d, 0xc3]); // call rax; pop rbp; ret
    let code = CodeMemory::new(&bytes).unwrap();
    let info = CodeInfo {
        hidden_returns: Vec::new(),
        frameless_traps: Vec::new(),
        trap_sites: vec![],
        funcs: vec![FuncRange {
            start: 0,
            end: bytes.len() as u32,
            func_index: 0,
        }],
        addr_map: vec![],
    };
    let reg = register_code(code.as_ptr() as usize, code.len(), Arc::new(info));
    run(&code, ptr::null_mut(), &mut [0]).unwrap();
    assert_eq!(CALLS.load(Ordering::SeqCst), 2);
    drop(reg);

    // 4. A fault at a Wasm PC that is not a registered trap site.
    // push rbp; mov rbp,rsp; mov rax,[rdi]; mov [rdx],rax; pop rbp; ret
    let bytes = [
        0x55, 0x48, 0x89, 0xe5, 0x48, 0x8b, 0x07, 0x48, 0x89, 0x02, 0x5d, 0xc3,
    ];
    let code = CodeMemory::new(&bytes).unwrap();
    let info = CodeInfo {
        hidden_returns: Vec::new(),
        frameless_traps: Vec::new(),
        trap_sites: vec![(0, TrapCode::Unreachable)],
        funcs: vec![FuncRange {
            start: 0,
            end: bytes.len() as u32,
            func_index: 0,
        }],
        addr_map: vec![],
    };
    let reg = register_code(code.as_ptr() as usize, code.len(), Arc::new(info));
    let page = guard_page();
    let mut values = [9u64];
    run(&code, page.cast(), &mut values).unwrap();
    assert_eq!(CALLS.load(Ordering::SeqCst), 3);
    assert_eq!(
        values[0], 0,
        "the load re-executed after the handler fixed the page"
    );
    drop(reg);
}
