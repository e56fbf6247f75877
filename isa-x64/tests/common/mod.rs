//! Test support: an IR builder shorthand, executable memory, and a fake
//! VMContext to run compiled functions through the array trampoline.
#![allow(dead_code)]

use strata_ir::{
    AddrSpace, BinaryOp, Block, BlockCall, CallKind, FloatCC, Function, InstData, IntCC, LoadOp,
    Signature, StoreOp, TrapCode, Type, UnaryOp, Value,
};
use strata_isa_x64::{CompileOptions, CompiledFunction, Compiler, array_trampoline};
use strata_regalloc::Mode;

/// A small function builder.
pub struct B {
    pub f: Function,
    pub cur: Block,
    pub loc: u32,
}

impl B {
    pub fn new(params: &[Type], results: &[Type]) -> (B, Vec<Value>) {
        let mut f = Function::new();
        f.name = "test".into();
        f.signature = Signature {
            params: params.to_vec(),
            results: results.to_vec(),
        };
        let b = f.new_block();
        f.append_block_to_layout(b);
        let ps = params.iter().map(|&t| f.append_block_param(b, t)).collect();
        (B { f, cur: b, loc: 0 }, ps)
    }
    pub fn ins(&mut self, d: InstData) {
        self.loc += 1;
        self.f.append_inst(self.cur, d, self.loc);
    }
    pub fn block(&mut self) -> Block {
        let b = self.f.new_block();
        self.f.append_block_to_layout(b);
        b
    }
    pub fn val(&mut self, ty: Type) -> Value {
        self.f.new_value(ty)
    }
    pub fn iconst(&mut self, ty: Type, imm: i64) -> Value {
        let dst = self.val(ty);
        self.ins(InstData::Iconst { dst, imm });
        dst
    }
    pub fn fconst(&mut self, ty: Type, bits: u64) -> Value {
        let dst = self.val(ty);
        self.ins(InstData::Fconst { dst, bits });
        dst
    }
    pub fn bin(&mut self, op: BinaryOp, ty: Type, lhs: Value, rhs: Value) -> Value {
        let dst = self.val(ty);
        self.ins(InstData::Binary { op, dst, lhs, rhs });
        dst
    }
    pub fn un(&mut self, op: UnaryOp, ty: Type, arg: Value) -> Value {
        let dst = self.val(ty);
        self.ins(InstData::Unary { op, dst, arg });
        dst
    }
    pub fn icmp(&mut self, cc: IntCC, lhs: Value, rhs: Value) -> Value {
        let dst = self.val(Type::I32);
        self.ins(InstData::Icmp { cc, dst, lhs, rhs });
        dst
    }
    pub fn fcmp(&mut self, cc: FloatCC, lhs: Value, rhs: Value) -> Value {
        let dst = self.val(Type::I32);
        self.ins(InstData::Fcmp { cc, dst, lhs, rhs });
        dst
    }
    pub fn copy(&mut self, dst: Value, src: Value) {
        self.ins(InstData::Copy { dst, src });
    }
    pub fn select(&mut self, ty: Type, cond: Value, t: Value, f: Value) -> Value {
        let dst = self.val(ty);
        self.ins(InstData::Select {
            dst,
            cond,
            if_true: t,
            if_false: f,
        });
        dst
    }
    pub fn load(&mut self, op: LoadOp, space: AddrSpace, addr: Value, offset: u32) -> Value {
        let dst = self.val(op.result_type());
        self.ins(InstData::Load {
            op,
            space,
            dst,
            addr,
            offset,
        });
        dst
    }
    pub fn store(&mut self, op: StoreOp, space: AddrSpace, addr: Value, value: Value, offset: u32) {
        self.ins(InstData::Store {
            op,
            space,
            addr,
            value,
            offset,
        });
    }
    pub fn call(&mut self, kind: CallKind, args: &[Value], results: &[Type]) -> Vec<Value> {
        let rs: Vec<Value> = results.iter().map(|&t| self.val(t)).collect();
        let args = self.f.make_value_list(args);
        let results = self.f.make_value_list(&rs);
        self.ins(InstData::Call {
            kind,
            args,
            results,
        });
        rs
    }
    pub fn jump(&mut self, b: Block) {
        self.ins(InstData::Jump {
            dest: BlockCall::new(b),
        });
    }
    pub fn brif(&mut self, cond: Value, t: Block, e: Block) {
        self.ins(InstData::Brif {
            cond,
            then_dest: BlockCall::new(t),
            else_dest: BlockCall::new(e),
        });
    }
    pub fn br_table(&mut self, index: Value, targets: Vec<Block>) {
        let table = self.f.make_jump_table(targets);
        self.ins(InstData::BrTable { index, table });
    }
    pub fn trap(&mut self, code: TrapCode) {
        self.ins(InstData::Trap { code });
    }
    pub fn ret(&mut self, vals: &[Value]) {
        let args = self.f.make_value_list(vals);
        self.ins(InstData::Return { args });
    }
    pub fn switch_to(&mut self, b: Block) {
        self.cur = b;
    }
}

/// Executable memory holding a copy of some code.
pub struct ExecMem {
    ptr: *mut u8,
    len: usize,
}

impl ExecMem {
    pub fn new(code: &[u8]) -> ExecMem {
        let len = code.len().max(1).div_ceil(4096) * 4096;
        // SAFETY: anonymous private mapping; checked for failure below.
        unsafe {
            let p = libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            assert_ne!(p, libc::MAP_FAILED);
            std::ptr::copy_nonoverlapping(code.as_ptr(), p as *mut u8, code.len());
            assert_eq!(libc::mprotect(p, len, libc::PROT_READ | libc::PROT_EXEC), 0);
            ExecMem {
                ptr: p as *mut u8,
                len,
            }
        }
    }
    pub fn addr(&self) -> *const u8 {
        self.ptr
    }
}

impl Drop for ExecMem {
    fn drop(&mut self) {
        // SAFETY: we own the mapping.
        unsafe {
            libc::munmap(self.ptr as *mut libc::c_void, self.len);
        }
    }
}

thread_local! {
    /// The allocator mode tests on this thread compile with.
    pub static MODE: std::cell::Cell<Mode> = const { std::cell::Cell::new(Mode::Fast) };
}

pub fn opts() -> CompileOptions {
    CompileOptions {
        regalloc_mode: MODE.with(|m| m.get()),
        validate_regalloc: true,
        bmi2: strata_isa_x64::host_has_bmi2(),
        avx: strata_isa_x64::host_has_avx(),
        ..CompileOptions::default()
    }
}

pub fn compile(f: &Function) -> CompiledFunction {
    let mut c = Compiler::new(opts());
    match c.compile(f) {
        Ok(cf) => cf,
        Err(e) => {
            let vc = c.lower(f).map(|v| v.to_string()).unwrap_or_default();
            panic!("compile failed: {e}\n{vc}");
        }
    }
}

/// A fake VMContext: slot 0 → stack limit (0), slot 1 = heap base, slots
/// 2.. free for code pointers.
pub struct Vm {
    pub slots: Box<[u64; 8]>,
    pub limit: Box<usize>,
    pub heap: Vec<u8>,
}

impl Vm {
    pub fn new(heap_size: usize) -> Vm {
        let limit = Box::new(0usize);
        let mut heap = vec![0u8; heap_size];
        let mut slots = Box::new([0u64; 8]);
        slots[0] = &*limit as *const usize as u64;
        slots[1] = heap.as_mut_ptr() as u64;
        Vm { slots, limit, heap }
    }
}

/// A compiled function ready to run.
pub struct Runnable {
    pub code: ExecMem,
    pub tramp: ExecMem,
    pub sig: Signature,
    pub compiled: CompiledFunction,
}

impl Runnable {
    pub fn new(f: &Function) -> Runnable {
        Runnable::from_compiled(f, compile(f))
    }

    /// Compiled with every forward jump emitted in the 2-byte form first
    /// (see `Compiler::set_optimistic_jumps`); also returns how many
    /// times the function's emission began again.
    pub fn optimistic(f: &Function) -> (Runnable, u64) {
        let mut c = Compiler::new(opts());
        c.set_optimistic_jumps(true);
        let compiled = c.compile(f).expect("compile");
        (Runnable::from_compiled(f, compiled), c.reemits())
    }

    /// Compiled with `options` (which must suit the host to be run).
    pub fn with_options(f: &Function, options: CompileOptions) -> Runnable {
        let compiled = Compiler::new(options).compile(f).expect("compile");
        Runnable::from_compiled(f, compiled)
    }

    fn from_compiled(f: &Function, compiled: CompiledFunction) -> Runnable {
        let tramp = array_trampoline(&f.signature).expect("trampoline");
        Runnable {
            code: ExecMem::new(&compiled.code),
            tramp: ExecMem::new(&tramp),
            sig: f.signature.clone(),
            compiled,
        }
    }

    /// Runs with raw 64-bit argument bits; returns raw result bits.
    pub fn run_vm(&self, vm: &mut Vm, args: &[u64]) -> Vec<u64> {
        assert_eq!(args.len(), self.sig.params.len());
        let n = args.len().max(self.sig.results.len()).max(1);
        let mut values = vec![[0u64; 2]; n];
        for (i, &a) in args.iter().enumerate() {
            values[i][0] = a;
        }
        type Tramp = unsafe extern "sysv64" fn(*mut u8, *const u8, *mut u8);
        // SAFETY: the trampoline follows the SysV ABI with this signature.
        unsafe {
            let t: Tramp = std::mem::transmute(self.tramp.addr());
            t(
                vm.slots.as_mut_ptr() as *mut u8,
                self.code.addr(),
                values.as_mut_ptr() as *mut u8,
            );
        }
        (0..self.sig.results.len())
            .map(|j| match self.sig.results[j] {
                Type::I32 | Type::F32 => values[j][0] & 0xffff_ffff,
                _ => values[j][0],
            })
            .collect()
    }

    pub fn run(&self, args: &[u64]) -> Vec<u64> {
        let mut vm = Vm::new(64);
        self.run_vm(&mut vm, args)
    }
}

/// Builds `fn(a: ty, b: ty) -> rty { op(a, b) }` via `f`.
pub fn binary_fn(pty: Type, rty: Type, f: impl FnOnce(&mut B, Value, Value) -> Value) -> Runnable {
    let (mut b, p) = B::new(&[pty, pty], &[rty]);
    let r = f(&mut b, p[0], p[1]);
    b.ret(&[r]);
    Runnable::new(&b.f)
}

/// Builds `fn(a: pty) -> rty { op(a) }` via `f`.
pub fn unary_fn(pty: Type, rty: Type, f: impl FnOnce(&mut B, Value) -> Value) -> Runnable {
    let (mut b, p) = B::new(&[pty], &[rty]);
    let r = f(&mut b, p[0]);
    b.ret(&[r]);
    Runnable::new(&b.f)
}

/// Reference semantics; `None` when Wasm traps.
pub fn int_binop(op: BinaryOp, a: u64, b: u64, w64: bool) -> Option<u64> {
    if w64 {
        let (sa, sb) = (a as i64, b as i64);
        Some(match op {
            BinaryOp::Iadd => a.wrapping_add(b),
            BinaryOp::Isub => a.wrapping_sub(b),
            BinaryOp::Imul => a.wrapping_mul(b),
            BinaryOp::DivS => sa.checked_div(sb)? as u64,
            BinaryOp::DivU => a.checked_div(b)?,
            BinaryOp::RemS => {
                if sb == 0 {
                    return None;
                }
                sa.wrapping_rem(sb) as u64
            }
            BinaryOp::RemU => a.checked_rem(b)?,
            BinaryOp::And => a & b,
            BinaryOp::Or => a | b,
            BinaryOp::Xor => a ^ b,
            BinaryOp::Shl => a.wrapping_shl(b as u32),
            BinaryOp::ShrS => sa.wrapping_shr(b as u32) as u64,
            BinaryOp::ShrU => a.wrapping_shr(b as u32),
            BinaryOp::Rotl => a.rotate_left((b % 64) as u32),
            BinaryOp::Rotr => a.rotate_right((b % 64) as u32),
            _ => unreachable!(),
        })
    } else {
        let (a, b) = (a as u32, b as u32);
        let (sa, sb) = (a as i32, b as i32);
        Some(match op {
            BinaryOp::Iadd => a.wrapping_add(b),
            BinaryOp::Isub => a.wrapping_sub(b),
            BinaryOp::Imul => a.wrapping_mul(b),
            BinaryOp::DivS => sa.checked_div(sb)? as u32,
            BinaryOp::DivU => a.checked_div(b)?,
            BinaryOp::RemS => {
                if sb == 0 {
                    return None;
                }
                sa.wrapping_rem(sb) as u32
            }
            BinaryOp::RemU => a.checked_rem(b)?,
            BinaryOp::And => a & b,
            BinaryOp::Or => a | b,
            BinaryOp::Xor => a ^ b,
            BinaryOp::Shl => a.wrapping_shl(b),
            BinaryOp::ShrS => sa.wrapping_shr(b) as u32,
            BinaryOp::ShrU => a.wrapping_shr(b),
            BinaryOp::Rotl => a.rotate_left(b % 32),
            BinaryOp::Rotr => a.rotate_right(b % 32),
            _ => unreachable!(),
        } as u64)
    }
}

/// Reference semantics of an integer comparison (inputs of 32-bit
/// comparisons are taken modulo 2^32).
pub fn icmp_ref(cc: IntCC, a: u64, b: u64, w64: bool) -> bool {
    let (a, b) = if w64 {
        (a, b)
    } else {
        (a as u32 as u64, b as u32 as u64)
    };
    let (sa, sb) = if w64 {
        (a as i64, b as i64)
    } else {
        (a as u32 as i32 as i64, b as u32 as i32 as i64)
    };
    match cc {
        IntCC::Equal => a == b,
        IntCC::NotEqual => a != b,
        IntCC::SignedLessThan => sa < sb,
        IntCC::SignedLessThanOrEqual => sa <= sb,
        IntCC::SignedGreaterThan => sa > sb,
        IntCC::SignedGreaterThanOrEqual => sa >= sb,
        IntCC::UnsignedLessThan => a < b,
        IntCC::UnsignedLessThanOrEqual => a <= b,
        IntCC::UnsignedGreaterThan => a > b,
        IntCC::UnsignedGreaterThanOrEqual => a >= b,
    }
}

/// The instructions of a listing (`strata_isa_x64::listing`), without
/// their offsets.
#[allow(dead_code)]
pub fn instructions(listing: &str) -> Vec<&str> {
    listing
        .lines()
        .filter_map(|l| l.trim().split_once(": ").map(|(_, t)| t))
        .collect()
}
