//! strata-isa-x64: the x86-64 backend.
//!
//! ```text
//!   ir::Function (non-SSA, blocks in layout order)
//!      │ lower      instruction selection → VCode (MInst + regalloc Operands)
//!      ▼
//!   VCode ── strata_regalloc::allocate (linear scan) ──► allocations + edits
//!      │ emit       dynasm: prologue + stack check, blocks with edits,
//!      ▼            trap stubs, jump tables, float constants
//!   CompiledFunction { code, code_len, trap_sites, frameless_traps, addr_map, frame_size, osr_returns }
//! ```
//!
//! Also: the host ↔ Wasm trampolines ([`array_trampoline`],
//! [`host_trampoline`]), the lazy-compilation stubs ([`lazy_stubs`]) and a
//! disassembler ([`disassemble`]).
//!
//! Register conventions (see [`regs`] and [`abi`]): r14 holds the VMContext
//! and r15 the base of linear memory 0 for the whole Wasm execution; rbp is
//! the frame pointer; r10, r11, xmm14 and xmm15 belong to the allocator as
//! scratch. The baseline ISA requirement is SSE4.1, POPCNT, LZCNT and BMI1
//! ([`host_supports`]).

#![warn(missing_docs)]

pub mod abi;
pub mod disasm;
pub mod emit;
pub mod inst;
pub mod lower;
pub mod magic;
pub mod regs;
pub mod trampolines;

use std::fmt;

use strata_regalloc::{LivenessMode, Mode, Options};

pub use disasm::{disassemble, listing};
pub use inst::VCode;
pub use regs::machine_env;
pub use trampolines::{LazyStubs, array_trampoline, host_trampoline, lazy_stubs};

/// A compilation failure (unsupported input or an internal error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError(pub String);

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CompileError {}

/// One compiled function.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompiledFunction {
    /// Machine code (position independent; calls go through the VMContext).
    pub code: Vec<u8>,
    /// Bytes of `code` that are instructions; the rest is data (jump tables
    /// and float constants).
    pub code_len: u32,
    /// Code offset of each trapping instruction and its trap code, sorted by offset.
    pub trap_sites: Vec<(u32, strata_ir::TrapCode)>,
    /// Code offsets (sorted) of the trap sites reached without a frame: in
    /// a leaf without a prologue or an early exit before it, where the
    /// caller's return address is at `[rsp]` and rbp is the caller's frame
    /// pointer (a backtrace from there takes the caller from `[rsp]`).
    pub frameless_traps: Vec<u32>,
    /// (code offset, Wasm bytecode offset) pairs, sorted by code offset: one
    /// per trap site and per call return address.
    pub addr_map: Vec<(u32, u32)>,
    /// Bytes between rbp and rsp in the function body (the VMContext's slot, spill
    /// slots, outgoing arguments).
    pub frame_size: u32,
    /// Code offsets (sorted) of the last byte of each call that enters
    /// optimized code through OSR: a frame returning there continues in the
    /// callee, so backtraces leave it out.
    pub osr_returns: Vec<u32>,
}

/// Compilation options.
#[derive(Clone, Copy, Debug, Default)]
pub struct CompileOptions {
    /// The register allocator's mode.
    pub regalloc_mode: Mode,
    /// Run the allocation checker (slow; for tests and debug builds).
    pub validate_regalloc: bool,
    /// How the allocator computes live intervals.
    pub liveness: LivenessMode,
    /// Use BMI2 instructions (`rorx`). The code then runs only on CPUs
    /// that have them: set it from [`host_has_bmi2`] to run on this host.
    pub bmi2: bool,
    /// Use AVX's three-operand (VEX) forms of scalar float arithmetic
    /// (`vaddsd d, a, b`): the result need not overwrite an input, so no
    /// copy keeps an input that lives on. The code then runs only on CPUs
    /// that have AVX: set it from [`host_has_avx`] to run on this host.
    pub avx: bool,
    /// The runtime keeps at least [`NEGATIVE_HEAP_DISP_MAX`] inaccessible
    /// bytes below every linear memory's base and never lets a memory reach
    /// `4 GiB - NEGATIVE_HEAP_DISP_MAX` bytes. Instruction selection then
    /// folds two kinds of `x + c` into a heap access's addressing mode,
    /// where Wasm computes the sum modulo 2^32:
    /// - a negative `c` (`[r15 + x - 48]` for `load (x + -48)`, offset 0):
    ///   where `x + c` would wrap (`x < -c`), Wasm's address `2^32 + x + c`
    ///   is out of bounds and the folded address `base + x + c` lies in the
    ///   guard below, so both trap; otherwise the two addresses are the same;
    /// - a positive `c` after a heap access through `x` has run in the block
    ///   (`[r15 + p + 8]` after `[r15 + p]`): that access proved
    ///   `x + offset + width <= 4 GiB - NEGATIVE_HEAP_DISP_MAX`, so `x + c`
    ///   cannot wrap for `c` up to that margin plus `offset + width`.
    pub bounded_heap: bool,
}

/// The most negative constant (its magnitude, in bytes) that
/// [`CompileOptions::bounded_heap`] folds into a heap access's addressing
/// mode: the guard below every memory and its distance from 4 GiB.
pub const NEGATIVE_HEAP_DISP_MAX: u32 = 65536;

/// A reusable compiler: keeps its buffers across functions.
pub struct Compiler {
    opts: CompileOptions,
    env: strata_regalloc::MachineEnv,
    vcode: VCode,
    scratch: lower::LowerScratch,
    emitter: emit::Emitter,
}

impl Compiler {
    /// A compiler with `opts`.
    pub fn new(opts: CompileOptions) -> Self {
        Compiler {
            opts,
            env: machine_env(),
            vcode: VCode::default(),
            scratch: lower::LowerScratch::default(),
            emitter: emit::Emitter::default(),
        }
    }

    /// The register allocator's mode for the functions compiled from now
    /// on (the optimizing tier compiles a function it could not put in SSA
    /// form like the baseline does).
    pub fn set_regalloc_mode(&mut self, mode: Mode) {
        self.opts.regalloc_mode = mode;
    }

    /// Test setting: every forward jump takes the 2-byte form first, as if
    /// its target were always within reach, so that the emitter's fallback
    /// (emitting the function again with the jumps that fell out of reach
    /// in the long form) runs wherever a jump crosses more than 127 bytes.
    #[doc(hidden)]
    pub fn set_optimistic_jumps(&mut self, on: bool) {
        self.emitter.set_optimistic_jumps(on);
    }

    /// How many times a function's emission began again because a 2-byte
    /// forward jump fell out of reach, over the functions this compiler
    /// compiled.
    pub fn reemits(&self) -> u64 {
        self.emitter.reemits()
    }

    /// Lowers `func` without allocating registers (for tests and debugging).
    pub fn lower(&mut self, func: &strata_ir::Function) -> Result<&VCode, CompileError> {
        lower::lower(func, &mut self.vcode, &mut self.scratch, &self.opts)?;
        Ok(&self.vcode)
    }

    /// Compiles one function.
    pub fn compile(
        &mut self,
        func: &strata_ir::Function,
    ) -> Result<CompiledFunction, CompileError> {
        lower::lower(func, &mut self.vcode, &mut self.scratch, &self.opts)?;
        let options = Options {
            mode: self.opts.regalloc_mode,
            validate: self.opts.validate_regalloc,
            liveness: self.opts.liveness,
        };
        let out = strata_regalloc::allocate(&self.vcode, &self.env, &options)
            .map_err(|e| CompileError(format!("register allocation of {}: {e}", func.name)))?;
        self.emitter
            .set_drop_dead_constants(self.opts.regalloc_mode == Mode::Optimizing);
        let compiled = self.emitter.emit(&self.vcode, &out);
        strata_regalloc::recycle(out);
        compiled
    }
}

/// Whether the host CPU has BMI2 (which [`CompileOptions::bmi2`] may use).
pub fn host_has_bmi2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("bmi2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Whether the host CPU has AVX and the OS saves its registers (which
/// [`CompileOptions::avx`] may use).
pub fn host_has_avx() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Checks that the host CPU has the features the emitted code requires
/// (SSE4.1, POPCNT, LZCNT, BMI1).
pub fn host_supports() -> Result<(), String> {
    #[cfg(target_arch = "x86_64")]
    {
        let mut missing = Vec::new();
        if !std::is_x86_feature_detected!("sse4.1") {
            missing.push("sse4.1");
        }
        if !std::is_x86_feature_detected!("popcnt") {
            missing.push("popcnt");
        }
        if !std::is_x86_feature_detected!("lzcnt") {
            missing.push("lzcnt");
        }
        if !std::is_x86_feature_detected!("bmi1") {
            missing.push("bmi1");
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("the CPU lacks {}", missing.join(", ")))
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        Err("the host is not x86-64".into())
    }
}
