//! Faults that are not Wasm traps kill the process the normal way (checked
//! in forked children): an access just past a linear memory's size outside
//! Wasm, and a `ud2` in Wasm code that is not a registered trap site.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

use std::ptr;
use std::sync::Arc;

use strata_runtime::code_memory::CodeMemory;
use strata_runtime::memory::LinearMemory;
use strata_runtime::traphandlers::{
    ArrayTrampoline, CodeInfo, FuncRange, catch_traps, init_traps, register_code,
};

/// Runs `child` in a forked process and returns its wait status.
fn in_child(child: impl FnOnce()) -> libc::c_int {
    // SAFETY: this test binary has a single test, so no other thread holds
    // a lock the child could need; the child only touches memory and exits.
    unsafe {
        let pid = libc::fork();
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            child();
            libc::_exit(0);
        }
        let mut status = 0;
        assert_eq!(libc::waitpid(pid, &mut status, 0), pid);
        status
    }
}

fn killed_by(status: libc::c_int) -> Option<libc::c_int> {
    libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status))
}

#[test]
fn foreign_faults_are_fatal() {
    init_traps();
    let mut memory = LinearMemory::new(1, None, 1).unwrap();
    memory.data_mut()[65535] = 1;
    let base = memory.base();

    let status = in_child(|| {
        // SAFETY: the last byte of our own memory.
        unsafe { ptr::write_volatile(base.add(65535), 2) }
    });
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "status {status:#x}"
    );
    let status = in_child(|| {
        // SAFETY: inside our own reservation; it faults, killing the child.
        unsafe { ptr::write_volatile(base.add(65536), 2) }
    });
    assert_eq!(killed_by(status), Some(libc::SIGSEGV), "status {status:#x}");

    // push rbp; mov rbp,rsp; ud2 -- with no trap site registered.
    let code = CodeMemory::new(&[0x55, 0x48, 0x89, 0xe5, 0x0f, 0x0b]).unwrap();
    let info = CodeInfo {
        hidden_returns: Vec::new(),
        frameless_traps: Vec::new(),
        trap_sites: vec![],
        funcs: vec![FuncRange {
            start: 0,
            end: 6,
            func_index: 0,
        }],
        addr_map: vec![],
    };
    let reg = register_code(code.as_ptr() as usize, code.len(), Arc::new(info));
    let status = in_child(|| {
        let mut limit = 0usize;
        // SAFETY: hand-made code following the trampoline convention.
        let _ = unsafe {
            catch_traps(
                &mut limit,
                64 * 1024,
                std::mem::transmute::<*const u8, ArrayTrampoline>(code.as_ptr()),
                ptr::null_mut(),
                ptr::null(),
                ptr::null_mut(),
            )
        };
    });
    assert_eq!(killed_by(status), Some(libc::SIGILL), "status {status:#x}");
    drop(reg);
}
