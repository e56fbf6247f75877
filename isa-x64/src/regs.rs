//! x86-64 register names and the allocator's [`MachineEnv`].
//!
//! Integer registers are [`RegClass::Int`] `PReg`s whose hardware encoding is
//! the x86 register number (rax = 0 … r15 = 15); xmm registers are
//! [`RegClass::Float`] `PReg`s with encodings 0..=15.
//!
//! Reserved (never allocatable, never fixed constraints): rsp, rbp (frame
//! pointer), r14 (VMContext), r15 (linear-memory base). Scratch registers that
//! the allocator keeps for itself: r10, r11, xmm14, xmm15.

use strata_regalloc::{MachineEnv, PReg, PRegSet, RegClass};

/// An integer register by hardware number.
pub const fn gpr(n: u8) -> PReg {
    PReg::new(n, RegClass::Int)
}

/// An xmm register by number.
pub const fn xmm(n: u8) -> PReg {
    PReg::new(n, RegClass::Float)
}

/// rax.
pub const RAX: PReg = gpr(0);
/// rcx.
pub const RCX: PReg = gpr(1);
/// rdx.
pub const RDX: PReg = gpr(2);
/// rbx.
pub const RBX: PReg = gpr(3);
/// rsp (reserved).
pub const RSP: u8 = 4;
/// rbp (reserved: frame pointer).
pub const RBP: u8 = 5;
/// rsi.
pub const RSI: PReg = gpr(6);
/// rdi.
pub const RDI: PReg = gpr(7);
/// r8.
pub const R8: PReg = gpr(8);
/// r9.
pub const R9: PReg = gpr(9);
/// r10 (allocator scratch).
pub const R10: PReg = gpr(10);
/// r11 (allocator scratch).
pub const R11: PReg = gpr(11);
/// r12.
pub const R12: PReg = gpr(12);
/// r13.
pub const R13: PReg = gpr(13);
/// Hardware number of r14, the pinned VMContext register.
pub const VMCTX: u8 = 14;
/// Hardware number of r15, the pinned linear-memory base register.
pub const HEAP: u8 = 15;

/// Allocatable integer registers, in order of preference: the callee-saved
/// ones last, so that a function saves them only when it needs them (to keep
/// values across calls, or under pressure).
pub const ALLOCATABLE_INT: [PReg; 10] = [RAX, RCX, RDX, RSI, RDI, R8, R9, RBX, R12, R13];

/// The allocatable registers a callee preserves, in the Wasm convention as
/// in SysV: a function that writes one saves it in its frame and restores it
/// before returning (see `abi`).
pub const CALLEE_SAVED_INT: [PReg; 3] = [RBX, R12, R13];

/// The number of allocatable float registers (xmm0–xmm13).
pub const NUM_ALLOCATABLE_FLOAT: u8 = 14;

/// The hardware number of a scratch register of `class` that the emitter
/// may use inside one instruction whose operands need none (r11, xmm15):
/// scratch registers never hold a value from one instruction to the next.
pub(crate) fn scratch(class: strata_regalloc::RegClass) -> u8 {
    match class {
        strata_regalloc::RegClass::Int => R11.hw_enc(),
        strata_regalloc::RegClass::Float => xmm(15).hw_enc(),
    }
}

/// Integer argument registers of the Wasm and SysV conventions.
pub const INT_ARG_REGS: [PReg; 6] = [RDI, RSI, RDX, RCX, R8, R9];
/// Float argument registers (xmm0–xmm7).
pub const FLOAT_ARG_REGS: [PReg; 8] = [
    xmm(0),
    xmm(1),
    xmm(2),
    xmm(3),
    xmm(4),
    xmm(5),
    xmm(6),
    xmm(7),
];
/// Integer result registers of the Wasm convention.
pub const INT_RET_REGS: [PReg; 2] = [RAX, RDX];
/// Float result registers of the Wasm convention.
pub const FLOAT_RET_REGS: [PReg; 2] = [xmm(0), xmm(1)];

/// The allocator's scratch registers: never hold a value from one
/// instruction to the next except through the allocator's own edits.
pub(crate) const SCRATCH_INT: [PReg; 2] = [R10, R11];
/// The float scratch registers.
pub(crate) const SCRATCH_FLOAT: [PReg; 2] = [xmm(14), xmm(15)];

/// Whether `r` is one of the allocator's scratch registers.
pub(crate) fn is_scratch(r: PReg) -> bool {
    SCRATCH_INT.contains(&r) || SCRATCH_FLOAT.contains(&r)
}

/// The allocator's view of the machine.
pub fn machine_env() -> MachineEnv {
    MachineEnv {
        regs: [
            ALLOCATABLE_INT.to_vec(),
            (0..NUM_ALLOCATABLE_FLOAT).map(xmm).collect(),
        ],
        scratch: [SCRATCH_INT.to_vec(), SCRATCH_FLOAT.to_vec()],
    }
}

/// Every allocatable xmm register.
const ALL_FLOAT: PRegSet = {
    let mut s = PRegSet::empty();
    let mut i = 0;
    while i < NUM_ALLOCATABLE_FLOAT {
        s = s.with(xmm(i));
        i += 1;
    }
    s
};

/// Registers a Wasm call clobbers: every allocatable register of both
/// classes except the callee-saved [`CALLEE_SAVED_INT`].
pub const WASM_CALL_CLOBBERS: PRegSet = {
    let mut callee_saved = PRegSet::empty();
    let mut k = 0;
    while k < CALLEE_SAVED_INT.len() {
        callee_saved = callee_saved.with(CALLEE_SAVED_INT[k]);
        k += 1;
    }
    let mut s = ALL_FLOAT;
    let mut k = 0;
    while k < ALLOCATABLE_INT.len() {
        if !callee_saved.contains(ALLOCATABLE_INT[k]) {
            s = s.with(ALLOCATABLE_INT[k]);
        }
        k += 1;
    }
    s
};

/// Allocatable registers a SysV C call clobbers: rax, rcx, rdx, rsi, rdi,
/// r8, r9 and every xmm (r10/r11 are scratch and never hold values across
/// instructions anyway).
pub const SYSV_CALL_CLOBBERS: PRegSet = ALL_FLOAT
    .with(RAX)
    .with(RCX)
    .with(RDX)
    .with(RSI)
    .with(RDI)
    .with(R8)
    .with(R9);

/// The conventional name of a register (`rax`, `xmm3`).
pub fn name(r: PReg) -> &'static str {
    const INT: [&str; 16] = [
        "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12",
        "r13", "r14", "r15",
    ];
    const FLT: [&str; 16] = [
        "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
        "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
    ];
    match r.class() {
        RegClass::Int => INT.get(r.hw_enc() as usize).copied().unwrap_or("r?"),
        RegClass::Float => FLT.get(r.hw_enc() as usize).copied().unwrap_or("xmm?"),
    }
}
