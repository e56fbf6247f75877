//! The trap machinery on hand-assembled x86-64 code: normal returns, `ud2`
//! and out-of-bounds traps, backtraces, stack overflow, host errors, nested
//! activations, many traps and concurrent traps.
#![cfg(all(target_arch = "x86_64", target_os = "linux"))]

use std::sync::Arc;

use strata_ir::TrapCode;
use strata_runtime::code_memory::CodeMemory;
use strata_runtime::memory::LinearMemory;
use strata_runtime::traphandlers::{
    ArrayTrampoline, CodeInfo, CodeRegistration, FuncRange, MAX_TRAP_FRAMES, TrapReason,
    TrapRecord, catch_traps, lookup_frame, raise_pending_trap_address, register_code,
    set_pending_host_error, stack_pointer,
};

/// A tiny x86-64 assembler: just the instructions these tests need.
#[derive(Default)]
struct Asm {
    code: Vec<u8>,
    trap_sites: Vec<(u32, TrapCode)>,
    funcs: Vec<FuncRange>,
    addr_map: Vec<(u32, u32)>,
}

impl Asm {
    fn here(&self) -> u32 {
        self.code.len() as u32
    }
    fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.code.extend_from_slice(b);
        self
    }
    /// `push rbp; mov rbp, rsp`
    fn prologue(&mut self) -> &mut Self {
        self.bytes(&[0x55, 0x48, 0x89, 0xe5])
    }
    /// `pop rbp; ret`
    fn epilogue(&mut self) -> &mut Self {
        self.bytes(&[0x5d, 0xc3])
    }
    /// `ud2`, registered as a trap site.
    fn ud2(&mut self, code: TrapCode) -> &mut Self {
        let at = self.here();
        self.trap_sites.push((at, code));
        self.bytes(&[0x0f, 0x0b])
    }
    /// `mov rax, [rdi]`, registered as a trap site.
    fn load_rax_from_rdi(&mut self) -> &mut Self {
        let at = self.here();
        self.trap_sites.push((at, TrapCode::MemoryOutOfBounds));
        self.bytes(&[0x48, 0x8b, 0x07])
    }
    /// `mov [rdx], rax`
    fn store_rax_to_rdx(&mut self) -> &mut Self {
        self.bytes(&[0x48, 0x89, 0x02])
    }
    /// `mov qword [rdx], imm32`
    fn store_imm_to_rdx(&mut self, imm: i32) -> &mut Self {
        self.bytes(&[0x48, 0xc7, 0x02]).bytes(&imm.to_le_bytes())
    }
    /// `mov rax, imm64; call rax`
    fn call_abs(&mut self, target: usize) -> &mut Self {
        self.bytes(&[0x48, 0xb8])
            .bytes(&(target as u64).to_le_bytes())
            .bytes(&[0xff, 0xd0])
    }
    /// `call rel32` to code offset `target`.
    fn call_rel(&mut self, target: u32) -> &mut Self {
        let next = self.here() as i64 + 5;
        let rel = (target as i64 - next) as i32;
        self.bytes(&[0xe8]).bytes(&rel.to_le_bytes())
    }
    fn func(&mut self, start: u32, func_index: u32) {
        let end = self.here();
        self.funcs.push(FuncRange {
            start,
            end,
            func_index,
        });
    }
    fn finish(&mut self) -> Compiled {
        let memory = CodeMemory::new(&self.code).unwrap();
        let info = CodeInfo {
            hidden_returns: Vec::new(),
            frameless_traps: Vec::new(),
            trap_sites: std::mem::take(&mut self.trap_sites),
            funcs: std::mem::take(&mut self.funcs),
            addr_map: std::mem::take(&mut self.addr_map),
        };
        let registration = register_code(memory.as_ptr() as usize, memory.len(), Arc::new(info));
        Compiled {
            registration: Some(registration),
            memory,
        }
    }
}

/// Registered code; the registration is dropped before the memory.
struct Compiled {
    registration: Option<CodeRegistration>,
    memory: CodeMemory,
}

impl Drop for Compiled {
    fn drop(&mut self) {
        self.registration.take();
    }
}

impl Compiled {
    fn addr(&self, offset: u32) -> usize {
        self.memory.as_ptr() as usize + offset as usize
    }
    /// The code at `offset` as an array trampoline.
    fn trampoline(&self, offset: u32) -> ArrayTrampoline {
        // SAFETY: the tests only pass offsets of code that follows the array
        // trampoline convention.
        unsafe { std::mem::transmute::<usize, ArrayTrampoline>(self.addr(offset)) }
    }
    /// Runs the trampoline at `offset` under `catch_traps`.
    fn run(&self, offset: u32, vmctx: *mut u8, values: &mut [u64]) -> Result<(), Box<TrapRecord>> {
        let mut limit = 0usize;
        // SAFETY: hand-made code obeying the trampoline convention, and a
        // valid stack limit; 256 KiB is far below the test threads' stacks.
        unsafe {
            catch_traps(
                &mut limit,
                256 * 1024,
                self.trampoline(offset),
                vmctx,
                std::ptr::null(),
                values.as_mut_ptr().cast(),
            )
        }
    }
}

fn wasm_code(r: &TrapRecord) -> TrapCode {
    match r.reason {
        TrapReason::Wasm(c) => c,
        TrapReason::Host(ref e) => panic!("expected a wasm trap, got host error {e}"),
    }
}

fn unreachable_code() -> Compiled {
    let mut a = Asm::default();
    a.prologue().ud2(TrapCode::Unreachable);
    a.func(0, 0);
    a.finish()
}

#[test]
fn normal_return_writes_values() {
    let mut a = Asm::default();
    a.prologue().store_imm_to_rdx(42).epilogue();
    let c = a.finish();
    let mut values = [0u64; 2];
    c.run(0, std::ptr::null_mut(), &mut values).unwrap();
    assert_eq!(values[0], 42);
}

#[test]
fn ud2_traps_with_its_code_and_pc() {
    let c = unreachable_code();
    let mut values = [0u64; 1];
    let trap = c.run(0, std::ptr::null_mut(), &mut values).unwrap_err();
    assert_eq!(wasm_code(&trap), TrapCode::Unreachable);
    assert_eq!(trap.pcs, vec![c.addr(4)]);
    assert_eq!(trap.fault_address, None);
    let frames = trap.frames();
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].func_index, 0);
    assert_eq!(frames[0].code_start, c.addr(0));
    assert!(trap.to_string().contains("unreachable"));
}

#[test]
fn out_of_bounds_load_traps_and_grow_makes_it_valid() {
    let mut a = Asm::default();
    a.prologue()
        .load_rax_from_rdi()
        .store_rax_to_rdx()
        .epilogue();
    let c = a.finish();
    let mut memory = LinearMemory::new(1, None, 10).unwrap();
    let base = memory.base() as usize;
    memory.data_mut()[65528..].copy_from_slice(&7u64.to_le_bytes());
    let mut values = [0u64; 1];

    // The last 8 bytes are readable.
    c.run(0, (base + 65528) as *mut u8, &mut values).unwrap();
    assert_eq!(values[0], 7);

    // Straddling and past the end: out of bounds.
    for addr in [
        base + 65529,
        base + 65536,
        base + (4 << 30) - 8,
        base + (8 << 30) + 8,
    ] {
        let trap = c.run(0, addr as *mut u8, &mut values).unwrap_err();
        assert_eq!(
            wasm_code(&trap),
            TrapCode::MemoryOutOfBounds,
            "at base+{:#x}",
            addr - base
        );
        assert_eq!(trap.pcs[0], c.addr(4));
        let fault = trap.fault_address.unwrap();
        assert!(
            fault >= base + 65536 && fault < addr + 8,
            "fault address {fault:#x}"
        );
    }

    assert_eq!(memory.grow(1), Some(1));
    values[0] = 99;
    c.run(0, (base + 65536) as *mut u8, &mut values).unwrap();
    assert_eq!(values[0], 0, "grown memory reads as zero");
}

#[test]
fn backtrace_walks_two_wasm_frames() {
    // tramp: call f1; f1: call f2; f2: ud2. Only f1 and f2 are functions.
    let mut a = Asm::default();
    a.prologue();
    let call_f1 = a.here();
    a.bytes(&[0xe8, 0, 0, 0, 0]).epilogue();
    let f1 = a.here();
    a.prologue();
    a.addr_map.push((a.here(), 1000));
    let call_f2 = a.here();
    a.bytes(&[0xe8, 0, 0, 0, 0]);
    let ret_in_f1 = a.here();
    a.addr_map.push((a.here(), 1010));
    a.epilogue();
    a.func(f1, 1);
    let f2 = a.here();
    a.prologue();
    a.addr_map.push((a.here(), 2000));
    let trap_at = a.here();
    a.ud2(TrapCode::IntegerDivideByZero);
    a.func(f2, 2);
    // Patch the two calls.
    for (at, target) in [(call_f1, f1), (call_f2, f2)] {
        let rel = (target as i64 - (at as i64 + 5)) as i32;
        a.code[at as usize + 1..at as usize + 5].copy_from_slice(&rel.to_le_bytes());
    }
    let c = a.finish();

    let trap = c.run(0, std::ptr::null_mut(), &mut [0]).unwrap_err();
    assert_eq!(wasm_code(&trap), TrapCode::IntegerDivideByZero);
    assert_eq!(trap.pcs, vec![c.addr(trap_at), c.addr(ret_in_f1)]);
    let frames = trap.frames();
    assert_eq!(frames.len(), 2);
    assert_eq!(
        (frames[0].func_index, frames[0].wasm_offset),
        (2, Some(2000))
    );
    // The return address maps back to the call, not to the code after it.
    assert_eq!(
        (frames[1].func_index, frames[1].wasm_offset),
        (1, Some(1000))
    );
    assert_eq!(
        lookup_frame(c.addr(ret_in_f1)).unwrap().wasm_offset,
        Some(1010)
    );
    assert_eq!(
        lookup_frame(c.addr(call_f1)),
        None,
        "the trampoline is not a function"
    );
}

/// `f(limit_ptr in rdi)`: recurses until `rsp < *limit`, then traps with
/// StackOverflow.
fn recursive_code() -> (Compiled, u32) {
    let mut a = Asm::default();
    let f = a.here();
    a.prologue();
    // cmp rsp, [rdi]; jae +2; ud2
    a.bytes(&[0x48, 0x3b, 0x27, 0x73, 0x02]);
    let trap_at = a.here();
    a.ud2(TrapCode::StackOverflow);
    a.call_rel(f).epilogue();
    a.func(f, 0);
    (a.finish(), trap_at)
}

#[test]
fn stack_overflow_traps_at_the_limit() {
    let (c, trap_at) = recursive_code();
    let mut limit = 0usize;
    let limit_ptr: *mut usize = &mut limit;
    let sp = stack_pointer();
    // SAFETY: the code reads the limit through rdi (vmctx) and obeys the
    // trampoline convention.
    let trap = unsafe {
        catch_traps(
            limit_ptr,
            128 * 1024,
            c.trampoline(0),
            limit_ptr.cast(),
            std::ptr::null(),
            std::ptr::null_mut(),
        )
    }
    .unwrap_err();
    assert_eq!(wasm_code(&trap), TrapCode::StackOverflow);
    assert_eq!(trap.pcs[0], c.addr(trap_at));
    assert_eq!(trap.pcs.len(), MAX_TRAP_FRAMES);
    assert!(trap.frames().iter().all(|f| f.func_index == 0));
    assert_eq!(limit, 0, "the limit is restored");
    // The recursion stopped about 128 KiB below the entry's stack pointer.
    assert!(trap.fault_address.is_none());
    let _ = sp;
}

#[test]
fn outermost_activation_replaces_and_restores_a_stale_limit() {
    let (c, _) = recursive_code();
    let sp = stack_pointer();
    // A non-zero limit left over (e.g. from another thread) is replaced by
    // the outermost activation of this thread, then restored.
    let mut limit = sp - 64 * 1024;
    let limit_ptr: *mut usize = &mut limit;
    // SAFETY: as in `stack_overflow_traps_at_the_limit`.
    let trap = unsafe {
        catch_traps(
            limit_ptr,
            32 * 1024,
            c.trampoline(0),
            limit_ptr.cast(),
            std::ptr::null(),
            std::ptr::null_mut(),
        )
    }
    .unwrap_err();
    assert_eq!(wasm_code(&trap), TrapCode::StackOverflow);
    assert_eq!(limit, sp - 64 * 1024);
}

extern "C" fn failing_host() {
    set_pending_host_error("host said no".into());
}

#[test]
fn host_error_raise_path() {
    // tramp: call f; f: call failing_host; call raise; ud2
    let mut a = Asm::default();
    a.prologue();
    let call_f = a.here();
    a.bytes(&[0xe8, 0, 0, 0, 0]).epilogue();
    let f = a.here();
    a.prologue();
    a.addr_map.push((a.here(), 77));
    a.call_abs(failing_host as *const () as usize);
    a.call_abs(raise_pending_trap_address());
    let ret_after_raise = a.here();
    a.bytes(&[0x0f, 0x0b]);
    a.func(f, 5);
    let rel = (f as i64 - (call_f as i64 + 5)) as i32;
    a.code[call_f as usize + 1..call_f as usize + 5].copy_from_slice(&rel.to_le_bytes());
    let c = a.finish();

    for _ in 0..3 {
        let trap = c.run(0, std::ptr::null_mut(), &mut [0]).unwrap_err();
        match &trap.reason {
            TrapReason::Host(e) => assert_eq!(e.to_string(), "host said no"),
            TrapReason::Wasm(code) => panic!("expected a host error, got {code}"),
        }
        assert_eq!(trap.pcs, vec![c.addr(ret_after_raise)]);
        let frames = trap.frames();
        assert_eq!(frames.len(), 1);
        assert_eq!((frames[0].func_index, frames[0].wasm_offset), (5, Some(77)));
    }
}

thread_local! {
    static INNER: std::cell::RefCell<Option<Result<(), Box<TrapRecord>>>> =
        const { std::cell::RefCell::new(None) };
    static INNER_CODE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

extern "C" fn host_calling_back_into_wasm() {
    let tramp = INNER_CODE.with(|c| c.get());
    let mut limit = 0usize;
    // SAFETY: `tramp` is the address of registered code following the
    // trampoline convention.
    let r = unsafe {
        catch_traps(
            &mut limit,
            64 * 1024,
            std::mem::transmute::<usize, ArrayTrampoline>(tramp),
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null_mut(),
        )
    };
    INNER.with(|i| *i.borrow_mut() = Some(r));
}

#[test]
fn nested_trap_unwinds_only_to_innermost() {
    let inner = unreachable_code();
    INNER_CODE.with(|c| c.set(inner.addr(0)));
    let mut a = Asm::default();
    // push rdx twice (keeps the stack aligned), call, pop rdx twice.
    a.prologue()
        .bytes(&[0x52, 0x52])
        .call_abs(host_calling_back_into_wasm as *const () as usize)
        .bytes(&[0x5a, 0x5a])
        .store_imm_to_rdx(5)
        .epilogue();
    a.func(0, 0);
    let outer = a.finish();
    let mut values = [0u64];
    outer.run(0, std::ptr::null_mut(), &mut values).unwrap();
    assert_eq!(values[0], 5, "the outer Wasm code continued");
    let inner_result = INNER.with(|i| i.borrow_mut().take()).unwrap();
    let trap = inner_result.unwrap_err();
    assert_eq!(wasm_code(&trap), TrapCode::Unreachable);
    assert_eq!(trap.pcs, vec![inner.addr(4)]);
}

/// Serialises the tests that measure or churn memory, so that the
/// resident-size measurement sees no other test's allocations.
static MEMORY_HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Resident pages of this process.
fn resident_pages() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    statm.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn ten_thousand_traps_do_not_leak() {
    let _serial = MEMORY_HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let c = unreachable_code();
    let mut values = [0u64];
    for _ in 0..100 {
        c.run(0, std::ptr::null_mut(), &mut values).unwrap_err();
    }
    let before = resident_pages();
    for _ in 0..10_000 {
        let trap = c.run(0, std::ptr::null_mut(), &mut values).unwrap_err();
        assert_eq!(wasm_code(&trap), TrapCode::Unreachable);
    }
    let after = resident_pages();
    // Other tests run concurrently in this process; allow some noise
    // (256 pages = 1 MiB), far less than 10,000 leaked records would use.
    assert!(
        after <= before + 256,
        "resident pages grew from {before} to {after}"
    );
}

#[test]
fn two_threads_trap_at_once() {
    let _serial = MEMORY_HEAVY.lock().unwrap_or_else(|e| e.into_inner());
    let c = Arc::new(unreachable_code());
    let mut a = Asm::default();
    a.prologue()
        .load_rax_from_rdi()
        .store_rax_to_rdx()
        .epilogue();
    let load = Arc::new(a.finish());
    let threads: Vec<_> = (0..2)
        .map(|t| {
            let c = Arc::clone(&c);
            let load = Arc::clone(&load);
            std::thread::spawn(move || {
                let memory = LinearMemory::new(1, None, 1).unwrap();
                let oob = memory.base() as usize + 65536;
                let mut values = [0u64];
                for i in 0..3000 {
                    if (i + t) % 2 == 0 {
                        let trap = c.run(0, std::ptr::null_mut(), &mut values).unwrap_err();
                        assert_eq!(wasm_code(&trap), TrapCode::Unreachable);
                    } else {
                        let trap = load.run(0, oob as *mut u8, &mut values).unwrap_err();
                        assert_eq!(wasm_code(&trap), TrapCode::MemoryOutOfBounds);
                        load.run(0, memory.base(), &mut values).unwrap();
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}
