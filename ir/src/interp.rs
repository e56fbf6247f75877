//! An IR interpreter: the oracle for the optimizer's property tests and for
//! comparing the two IR builders.
//!
//! It executes both forms (see the crate docs): in non-SSA form a value is a
//! register that instructions may reassign; in SSA form a branch assigns its
//! [`BlockCall`](crate::BlockCall) arguments to the target's parameters as a
//! *parallel* copy (all arguments are read before any parameter is written).
//!
//! Semantics are Wasm's, exactly (see [`crate::InstData`]): wrapping integer
//! arithmetic, trapping division and truncation, shift counts modulo the
//! width, NaN-propagating `min`/`max` with -0 below +0, `nearest` rounding
//! ties to even. Wasm lets an arithmetic float operation that produces a NaN
//! return any quiet NaN; this interpreter always returns the *canonical*
//! quiet NaN (positive, only the top mantissa bit set) so that runs are
//! deterministic. Bit operations (`fneg`, `fabs`, `fcopysign`,
//! `reinterpret`, loads, stores, copies) keep NaN payloads. Compare results
//! of other engines with [`same_outcome`], which treats any two NaNs of a
//! float result as equal.
//!
//! Values are `u64` bits: an `i32` zero-extended, an `f32` in the low 32 bits.
//! Reading a value that no instruction has written yet is reported as
//! [`Outcome::Error`], as is any other malformed IR met during execution
//! (the interpreter never panics on a bad function). Each executed
//! instruction costs one unit of fuel.

use crate::{
    AddrSpace, BinaryOp, Block, CallKind, FloatCC, Function, InstData, IntCC, LoadOp, TrapCode,
    Type, UnaryOp, Value,
};

/// The address that `vmctx` yields: `vm` accesses are relative to it.
pub const VM_BASE: u64 = 0x1000_0000;

/// The canonical quiet NaN of `f32`.
pub const CANON_NAN_F32: u32 = 0x7fc0_0000;
/// The canonical quiet NaN of `f64`.
pub const CANON_NAN_F64: u64 = 0x7ff8_0000_0000_0000;

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The function returned these values (bits, see the module docs).
    Returned(Vec<u64>),
    /// The function trapped.
    Trapped(TrapCode),
    /// The fuel ran out before the function finished.
    OutOfFuel,
    /// The IR is malformed (or a `vm` access left [`Env::vm`]).
    Error(String),
}

/// The call callback: receives the callee description and the argument bits,
/// returns the result bits (as many as the call has results) or a trap.
pub type CallFn<'a> = dyn FnMut(CallKind, &[u64]) -> Result<Vec<u64>, TrapCode> + 'a;

/// The world a function runs in.
pub struct Env<'a> {
    /// Linear memory: a `heap` access with `zext(index) + offset + width >
    /// len` traps with [`TrapCode::MemoryOutOfBounds`].
    pub heap: Vec<u8>,
    /// Runtime data: the bytes at addresses `VM_BASE..VM_BASE + vm.len()`.
    pub vm: Vec<u8>,
    /// Performs a call (see [`CallFn`]).
    pub call: &'a mut CallFn<'a>,
}

/// Whether two outcomes agree, treating any two NaNs as equal in returned
/// values whose type (`results`, usually the signature's results) is a float.
pub fn same_outcome(a: &Outcome, b: &Outcome, results: &[Type]) -> bool {
    match (a, b) {
        (Outcome::Returned(x), Outcome::Returned(y)) => {
            x.len() == y.len()
                && x.iter().zip(y).enumerate().all(|(i, (&x, &y))| {
                    x == y
                        || match results.get(i) {
                            Some(Type::F32) => is_nan32(x) && is_nan32(y),
                            Some(Type::F64) => is_nan64(x) && is_nan64(y),
                            _ => false,
                        }
                })
        }
        _ => a == b,
    }
}

fn is_nan32(bits: u64) -> bool {
    f32::from_bits(bits as u32).is_nan()
}

fn is_nan64(bits: u64) -> bool {
    f64::from_bits(bits).is_nan()
}

/// Runs `func` on `args` (one per signature parameter) with at most `fuel`
/// instructions executed.
pub fn run(func: &Function, args: &[u64], env: &mut Env<'_>, fuel: u64) -> Outcome {
    let mut m = Machine {
        f: func,
        regs: vec![0; func.num_values()],
        written: vec![false; func.num_values()],
        env,
        fuel,
    };
    match m.run(args) {
        Ok(vals) => Outcome::Returned(vals),
        Err(Stop::Trap(t)) => Outcome::Trapped(t),
        Err(Stop::Fuel) => Outcome::OutOfFuel,
        Err(Stop::Error(e)) => Outcome::Error(e),
    }
}

enum Stop {
    Trap(TrapCode),
    Fuel,
    Error(String),
}

type R<T> = Result<T, Stop>;

fn err<T>(msg: impl Into<String>) -> R<T> {
    Err(Stop::Error(msg.into()))
}

fn trap<T>(code: TrapCode) -> R<T> {
    Err(Stop::Trap(code))
}

/// Keeps the bits that a value of type `ty` holds.
fn mask(ty: Type, bits: u64) -> u64 {
    match ty {
        Type::I32 | Type::F32 => bits & 0xffff_ffff,
        Type::I64 | Type::F64 => bits,
    }
}

fn f32_bits(x: f32) -> u64 {
    if x.is_nan() {
        CANON_NAN_F32 as u64
    } else {
        x.to_bits() as u64
    }
}

fn f64_bits(x: f64) -> u64 {
    if x.is_nan() {
        CANON_NAN_F64
    } else {
        x.to_bits()
    }
}

fn as_f32(bits: u64) -> f32 {
    f32::from_bits(bits as u32)
}

fn as_f64(bits: u64) -> f64 {
    f64::from_bits(bits)
}

struct Machine<'f, 'e, 'c> {
    f: &'f Function,
    regs: Vec<u64>,
    written: Vec<bool>,
    env: &'e mut Env<'c>,
    fuel: u64,
}

impl<'f> Machine<'f, '_, '_> {
    fn ty(&self, v: Value) -> R<Type> {
        match self.f.value_types.get(v.index()) {
            Some(&t) => Ok(t),
            None => err(format!("{v} does not exist")),
        }
    }

    fn get(&self, v: Value) -> R<u64> {
        match self.written.get(v.index()) {
            Some(true) => Ok(self.regs[v.index()]),
            Some(false) => err(format!("{v} is read before it is written")),
            None => err(format!("{v} does not exist")),
        }
    }

    fn set(&mut self, v: Value, bits: u64) -> R<()> {
        let t = self.ty(v)?;
        self.regs[v.index()] = mask(t, bits);
        self.written[v.index()] = true;
        Ok(())
    }

    fn list(&self, l: crate::ValueList) -> R<&'f [Value]> {
        let (s, n) = (l.start as usize, l.len as usize);
        match self.f.value_pool.get(s..s + n) {
            Some(vs) => Ok(vs),
            None => err("value list outside the value pool"),
        }
    }

    fn read_all(&self, vs: &[Value]) -> R<Vec<u64>> {
        vs.iter().map(|&v| self.get(v)).collect()
    }

    fn params(&self, b: Block) -> R<&'f [Value]> {
        match self.f.blocks.get(b.index()) {
            Some(d) => Ok(&d.params),
            None => err(format!("{b} does not exist")),
        }
    }

    /// Assigns `vals` to the parameters of `b` (the values were all read
    /// before: a parallel copy).
    fn enter(&mut self, b: Block, vals: &[u64]) -> R<()> {
        let params = self.params(b)?;
        if params.len() != vals.len() {
            return err(format!(
                "{b} has {} parameters but receives {} values",
                params.len(),
                vals.len()
            ));
        }
        for (&p, &x) in params.iter().zip(vals) {
            self.set(p, x)?;
        }
        Ok(())
    }

    fn branch(&mut self, bc: &crate::BlockCall) -> R<Block> {
        let vals = self.read_all(self.list(bc.args)?)?;
        self.enter(bc.block, &vals)?;
        Ok(bc.block)
    }

    fn run(&mut self, args: &[u64]) -> R<Vec<u64>> {
        let f = self.f;
        let Some(entry) = f.entry_block() else {
            return err("the function has no blocks");
        };
        if args.len() != f.signature.params.len() {
            return err(format!(
                "{} arguments for {} parameters",
                args.len(),
                f.signature.params.len()
            ));
        }
        self.enter(entry, args)?;
        let mut block = entry;
        loop {
            let Some(data) = f.blocks.get(block.index()) else {
                return err(format!("{block} does not exist"));
            };
            let mut next = None;
            for &inst in &data.insts {
                if self.fuel == 0 {
                    return Err(Stop::Fuel);
                }
                self.fuel -= 1;
                let Some(d) = f.insts.get(inst.index()) else {
                    return err(format!("{inst} does not exist"));
                };
                match self.step(d)? {
                    Flow::Next => {}
                    Flow::Goto(b) => {
                        next = Some(b);
                        break;
                    }
                    Flow::Return(vals) => return Ok(vals),
                }
            }
            match next {
                Some(b) => block = b,
                None => return err(format!("{block} falls off its end")),
            }
        }
    }

    fn step(&mut self, d: &InstData) -> R<Flow> {
        match d {
            InstData::Iconst { dst, imm } => {
                if !self.ty(*dst)?.is_int() {
                    return err("iconst of a float type");
                }
                self.set(*dst, *imm as u64)?
            }
            InstData::Fconst { dst, bits } => {
                if !self.ty(*dst)?.is_float() {
                    return err("fconst of an integer type");
                }
                self.set(*dst, *bits)?
            }
            InstData::Unary { op, dst, arg } => {
                let (dt, at) = (self.ty(*dst)?, self.ty(*arg)?);
                let x = self.get(*arg)?;
                let r = unary(*op, dt, at, x)?;
                self.set(*dst, r)?
            }
            InstData::Binary { op, dst, lhs, rhs } => {
                let t = self.ty(*dst)?;
                let (a, b) = (self.get(*lhs)?, self.get(*rhs)?);
                let r = binary(*op, t, a, b)?;
                self.set(*dst, r)?
            }
            InstData::Icmp { cc, dst, lhs, rhs } => {
                let t = self.ty(*lhs)?;
                let (a, b) = (self.get(*lhs)?, self.get(*rhs)?);
                self.set(*dst, icmp(*cc, t, a, b)? as u64)?
            }
            InstData::Fcmp { cc, dst, lhs, rhs } => {
                let t = self.ty(*lhs)?;
                let (a, b) = (self.get(*lhs)?, self.get(*rhs)?);
                self.set(*dst, fcmp(*cc, t, a, b)? as u64)?
            }
            InstData::Select {
                dst,
                cond,
                if_true,
                if_false,
            } => {
                let c = self.get(*cond)? as u32;
                let r = if c != 0 {
                    self.get(*if_true)?
                } else {
                    self.get(*if_false)?
                };
                self.set(*dst, r)?
            }
            InstData::Copy { dst, src } => {
                let x = self.get(*src)?;
                self.set(*dst, x)?
            }
            InstData::Vmctx { dst } => self.set(*dst, VM_BASE)?,
            InstData::Load {
                op,
                space,
                dst,
                addr,
                offset,
            } => {
                let a = self.get(*addr)?;
                let bytes = self.mem(*space, a, *offset, op.width())?;
                let mut buf = [0u8; 8];
                buf[..bytes.len()].copy_from_slice(bytes);
                let raw = u64::from_le_bytes(buf);
                self.set(*dst, extend_load(*op, raw))?
            }
            InstData::Store {
                op,
                space,
                addr,
                value,
                offset,
            } => {
                let a = self.get(*addr)?;
                let x = self.get(*value)?;
                let w = op.width() as usize;
                let slot = self.mem(*space, a, *offset, op.width())?;
                slot.copy_from_slice(&x.to_le_bytes()[..w]);
            }
            InstData::Call {
                kind,
                args,
                results,
            } => {
                let vals = self.read_all(self.list(*args)?)?;
                let out = (self.env.call)(*kind, &vals).map_err(Stop::Trap)?;
                let results = self.list(*results)?;
                if out.len() != results.len() {
                    return err(format!(
                        "the callee returned {} values for {} results",
                        out.len(),
                        results.len()
                    ));
                }
                for (&r, &x) in results.iter().zip(&out) {
                    self.set(r, x)?;
                }
            }
            InstData::Jump { dest } => return Ok(Flow::Goto(self.branch(dest)?)),
            InstData::Brif {
                cond,
                then_dest,
                else_dest,
            } => {
                let c = self.get(*cond)? as u32;
                let dest = if c != 0 { then_dest } else { else_dest };
                return Ok(Flow::Goto(self.branch(dest)?));
            }
            InstData::BrTable { index, table } => {
                let i = self.get(*index)? as u32 as usize;
                let Some(targets) = self.f.jump_tables.get(table.index()) else {
                    return err(format!("{table} does not exist"));
                };
                let Some(&last) = targets.last() else {
                    return err(format!("{table} is empty"));
                };
                let b = targets.get(i).copied().unwrap_or(last);
                self.enter(b, &[])?;
                return Ok(Flow::Goto(b));
            }
            InstData::Return { args } => {
                let vals = self.read_all(self.list(*args)?)?;
                return Ok(Flow::Return(vals));
            }
            InstData::Trap { code } => return trap(*code),
            InstData::TrapIf { cond, code } => {
                if self.get(*cond)? as u32 != 0 {
                    return trap(*code);
                }
            }
        }
        Ok(Flow::Next)
    }

    /// The bytes an access of `width` at `addr + offset` touches.
    fn mem(&mut self, space: AddrSpace, addr: u64, offset: u32, width: u32) -> R<&mut [u8]> {
        match space {
            AddrSpace::Heap => {
                let start = (addr as u32 as u64) + offset as u64;
                let end = start + width as u64;
                if end > self.env.heap.len() as u64 {
                    return trap(TrapCode::MemoryOutOfBounds);
                }
                Ok(&mut self.env.heap[start as usize..end as usize])
            }
            AddrSpace::Vm => {
                let start = addr.wrapping_add(offset as u64).wrapping_sub(VM_BASE);
                let len = self.env.vm.len() as u64;
                if start > len || len - start < width as u64 {
                    return err(format!(
                        "vm access of {width} bytes at {:#x} outside the vm space",
                        addr.wrapping_add(offset as u64)
                    ));
                }
                Ok(&mut self.env.vm[start as usize..(start + width as u64) as usize])
            }
        }
    }
}

enum Flow {
    Next,
    Goto(Block),
    Return(Vec<u64>),
}

fn extend_load(op: LoadOp, raw: u64) -> u64 {
    match op {
        LoadOp::I32 | LoadOp::F32 | LoadOp::I64 | LoadOp::F64 => raw,
        LoadOp::I32Load8U | LoadOp::I32Load16U => raw,
        LoadOp::I64Load8U | LoadOp::I64Load16U | LoadOp::I64Load32U => raw,
        LoadOp::I32Load8S => raw as i8 as i32 as u32 as u64,
        LoadOp::I32Load16S => raw as i16 as i32 as u32 as u64,
        LoadOp::I64Load8S => raw as i8 as i64 as u64,
        LoadOp::I64Load16S => raw as i16 as i64 as u64,
        LoadOp::I64Load32S => raw as i32 as i64 as u64,
    }
}

/// Bits of a float of type `t` truncated toward zero, as an exact `f64`
/// (`f32` widens exactly), or `None` for NaN.
fn trunc_f64(t: Type, x: u64) -> R<Option<f64>> {
    let v = match t {
        Type::F32 => as_f32(x) as f64,
        Type::F64 => as_f64(x),
        _ => return err("float operation on an integer"),
    };
    Ok((!v.is_nan()).then(|| v.trunc()))
}

fn unary(op: UnaryOp, dt: Type, at: Type, x: u64) -> R<u64> {
    use Type::{F32, F64, I32, I64};
    use UnaryOp as U;
    let bad = || err(format!("{} from {at} to {dt}", op.name()));
    // Result types the match below does not imply.
    let dst_ok = match op {
        U::Clz | U::Ctz | U::Popcnt | U::Sext8 | U::Sext16 | U::Sext32 => dt == at,
        U::Eqz | U::Wrap => dt == I32,
        U::SextI32 | U::UextI32 => dt == I64,
        U::Fneg | U::Fabs | U::Fsqrt | U::Fceil | U::Ffloor | U::Ftrunc | U::Fnearest => dt == at,
        _ => true,
    };
    if !dst_ok {
        return bad();
    }
    Ok(match (op, at) {
        (U::Clz, I32) => (x as u32).leading_zeros() as u64,
        (U::Clz, I64) => x.leading_zeros() as u64,
        (U::Ctz, I32) => (x as u32).trailing_zeros() as u64,
        (U::Ctz, I64) => x.trailing_zeros() as u64,
        (U::Popcnt, I32) => (x as u32).count_ones() as u64,
        (U::Popcnt, I64) => x.count_ones() as u64,
        (U::Eqz, I32 | I64) => (x == 0) as u64,
        (U::Fneg, F32) => x ^ 0x8000_0000,
        (U::Fneg, F64) => x ^ (1 << 63),
        (U::Fabs, F32) => x & 0x7fff_ffff,
        (U::Fabs, F64) => x & !(1 << 63),
        (U::Fsqrt, F32) => f32_bits(as_f32(x).sqrt()),
        (U::Fsqrt, F64) => f64_bits(as_f64(x).sqrt()),
        (U::Fceil, F32) => f32_bits(as_f32(x).ceil()),
        (U::Fceil, F64) => f64_bits(as_f64(x).ceil()),
        (U::Ffloor, F32) => f32_bits(as_f32(x).floor()),
        (U::Ffloor, F64) => f64_bits(as_f64(x).floor()),
        (U::Ftrunc, F32) => f32_bits(as_f32(x).trunc()),
        (U::Ftrunc, F64) => f64_bits(as_f64(x).trunc()),
        (U::Fnearest, F32) => f32_bits(as_f32(x).round_ties_even()),
        (U::Fnearest, F64) => f64_bits(as_f64(x).round_ties_even()),
        (U::SextI32, I32) => x as u32 as i32 as i64 as u64,
        (U::UextI32, I32) => x as u32 as u64,
        (U::Wrap, I64) => x as u32 as u64,
        (U::Sext8, I32) => x as i8 as i32 as u32 as u64,
        (U::Sext8, I64) => x as i8 as i64 as u64,
        (U::Sext16, I32) => x as i16 as i32 as u32 as u64,
        (U::Sext16, I64) => x as i16 as i64 as u64,
        (U::Sext32, I64) => x as i32 as i64 as u64,
        (U::TruncS | U::TruncU, F32 | F64) => {
            let Some(t) = trunc_f64(at, x)? else {
                return trap(TrapCode::BadConversionToInteger);
            };
            // Every bound is exact in f64.
            let ok = match (op, dt) {
                (U::TruncS, I32) => (-2147483648.0..=2147483647.0).contains(&t),
                (U::TruncS, I64) => (-9223372036854775808.0..9223372036854775808.0).contains(&t),
                (U::TruncU, I32) => (0.0..=4294967295.0).contains(&t),
                (U::TruncU, I64) => (0.0..18446744073709551616.0).contains(&t),
                _ => return bad(),
            };
            if !ok {
                return trap(TrapCode::IntegerOverflow);
            }
            match (op, dt) {
                (U::TruncS, _) => t as i64 as u64,
                _ => t as u64,
            }
        }
        (U::TruncSatS | U::TruncSatU, F32 | F64) => {
            // Rust's float-to-int casts saturate and map NaN to 0; going
            // through f64 is exact for f32.
            let v = if at == F32 {
                as_f32(x) as f64
            } else {
                as_f64(x)
            };
            match (op, dt) {
                (U::TruncSatS, I32) => v as i32 as u32 as u64,
                (U::TruncSatS, I64) => v as i64 as u64,
                (U::TruncSatU, I32) => v as u32 as u64,
                (U::TruncSatU, I64) => v as u64,
                _ => return bad(),
            }
        }
        // Rust's int-to-float casts round to nearest, ties to even.
        (U::ConvertS, I32 | I64) => {
            let v = if at == I32 {
                x as u32 as i32 as i64
            } else {
                x as i64
            };
            match dt {
                F32 => (v as f32).to_bits() as u64,
                F64 => (v as f64).to_bits(),
                _ => return bad(),
            }
        }
        (U::ConvertU, I32 | I64) => match dt {
            F32 => (x as f32).to_bits() as u64,
            F64 => (x as f64).to_bits(),
            _ => return bad(),
        },
        (U::Promote, F32) if dt == F64 => f64_bits(as_f32(x) as f64),
        (U::Demote, F64) if dt == F32 => f32_bits(as_f64(x) as f32),
        (U::Reinterpret, _) if at.bytes() == dt.bytes() && at.is_int() != dt.is_int() => x,
        _ => return bad(),
    })
}

fn binary(op: BinaryOp, t: Type, a: u64, b: u64) -> R<u64> {
    use BinaryOp as B;
    let is_float_op = matches!(
        op,
        B::Fadd | B::Fsub | B::Fmul | B::Fdiv | B::Fmin | B::Fmax | B::Fcopysign
    );
    if is_float_op != t.is_float() {
        return err(format!("{} applied to {t}", op.name()));
    }
    Ok(match t {
        Type::I32 => binary32(op, a as u32, b as u32)? as u64,
        Type::I64 => binary64(op, a, b)?,
        Type::F32 => {
            let (x, y) = (as_f32(a), as_f32(b));
            match op {
                B::Fadd => f32_bits(x + y),
                B::Fsub => f32_bits(x - y),
                B::Fmul => f32_bits(x * y),
                B::Fdiv => f32_bits(x / y),
                B::Fmin | B::Fmax => {
                    if x.is_nan() || y.is_nan() {
                        CANON_NAN_F32 as u64
                    } else if x == 0.0 && y == 0.0 {
                        // -0 < +0: min keeps a set sign bit, max a clear one.
                        if op == B::Fmin { a | b } else { a & b }
                    } else {
                        f32_bits(if op == B::Fmin { x.min(y) } else { x.max(y) })
                    }
                }
                _ => (a & 0x7fff_ffff) | (b & 0x8000_0000),
            }
        }
        Type::F64 => {
            let (x, y) = (as_f64(a), as_f64(b));
            match op {
                B::Fadd => f64_bits(x + y),
                B::Fsub => f64_bits(x - y),
                B::Fmul => f64_bits(x * y),
                B::Fdiv => f64_bits(x / y),
                B::Fmin | B::Fmax => {
                    if x.is_nan() || y.is_nan() {
                        CANON_NAN_F64
                    } else if x == 0.0 && y == 0.0 {
                        if op == B::Fmin { a | b } else { a & b }
                    } else {
                        f64_bits(if op == B::Fmin { x.min(y) } else { x.max(y) })
                    }
                }
                _ => (a & !(1 << 63)) | (b & (1 << 63)),
            }
        }
    })
}

macro_rules! int_binary {
    ($name:ident, $u:ty, $s:ty) => {
        fn $name(op: BinaryOp, a: $u, b: $u) -> R<$u> {
            use BinaryOp as B;
            let bits = <$u>::BITS;
            Ok(match op {
                B::Iadd => a.wrapping_add(b),
                B::Isub => a.wrapping_sub(b),
                B::Imul => a.wrapping_mul(b),
                B::DivS | B::DivU | B::RemS | B::RemU if b == 0 => {
                    return trap(TrapCode::IntegerDivideByZero);
                }
                B::DivS => {
                    let (x, y) = (a as $s, b as $s);
                    if x == <$s>::MIN && y == -1 {
                        return trap(TrapCode::IntegerOverflow);
                    }
                    (x / y) as $u
                }
                B::DivU => a / b,
                B::RemS => (a as $s).wrapping_rem(b as $s) as $u,
                B::RemU => a % b,
                B::And => a & b,
                B::Or => a | b,
                B::Xor => a ^ b,
                B::Shl => a << (b % bits as $u),
                B::ShrS => ((a as $s) >> (b % bits as $u)) as $u,
                B::ShrU => a >> (b % bits as $u),
                B::Rotl => a.rotate_left((b % bits as $u) as u32),
                B::Rotr => a.rotate_right((b % bits as $u) as u32),
                _ => return err(format!("{} applied to an integer", op.name())),
            })
        }
    };
}

int_binary!(binary32, u32, i32);
int_binary!(binary64, u64, i64);

fn icmp(cc: IntCC, t: Type, a: u64, b: u64) -> R<bool> {
    let (sa, sb, ua, ub) = match t {
        Type::I32 => (
            a as u32 as i32 as i64,
            b as u32 as i32 as i64,
            a as u32 as u64,
            b as u32 as u64,
        ),
        Type::I64 => (a as i64, b as i64, a, b),
        _ => return err(format!("icmp on {t}")),
    };
    Ok(match cc {
        IntCC::Equal => ua == ub,
        IntCC::NotEqual => ua != ub,
        IntCC::SignedLessThan => sa < sb,
        IntCC::SignedLessThanOrEqual => sa <= sb,
        IntCC::SignedGreaterThan => sa > sb,
        IntCC::SignedGreaterThanOrEqual => sa >= sb,
        IntCC::UnsignedLessThan => ua < ub,
        IntCC::UnsignedLessThanOrEqual => ua <= ub,
        IntCC::UnsignedGreaterThan => ua > ub,
        IntCC::UnsignedGreaterThanOrEqual => ua >= ub,
    })
}

fn fcmp(cc: FloatCC, t: Type, a: u64, b: u64) -> R<bool> {
    // f32 widens to f64 exactly, so comparing as f64 is exact.
    let (x, y) = match t {
        Type::F32 => (as_f32(a) as f64, as_f32(b) as f64),
        Type::F64 => (as_f64(a), as_f64(b)),
        _ => return err(format!("fcmp on {t}")),
    };
    Ok(match cc {
        FloatCC::Equal => x == y,
        FloatCC::NotEqual => x != y,
        FloatCC::LessThan => x < y,
        FloatCC::LessThanOrEqual => x <= y,
        FloatCC::GreaterThan => x > y,
        FloatCC::GreaterThanOrEqual => x >= y,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse_function;

    fn no_calls(_: CallKind, _: &[u64]) -> Result<Vec<u64>, TrapCode> {
        Err(TrapCode::Unreachable)
    }

    fn exec(text: &str, args: &[u64]) -> Outcome {
        let f = parse_function(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let mut call = no_calls;
        let mut env = Env {
            heap: vec![0; 64],
            vm: vec![0; 32],
            call: &mut call,
        };
        run(&f, args, &mut env, 10_000)
    }

    /// Runs `op` as a one-instruction function on `args`.
    fn op1(op: &str, ty: &str, aty: &str, x: u64) -> Outcome {
        exec(
            &format!(
                "function %t({aty}) -> {ty} {{\nblock0(v0: {aty}):\n    v1 = {op}.{ty} v0\n    return v1\n}}"
            ),
            &[x],
        )
    }

    fn op2(op: &str, ty: &str, a: u64, b: u64) -> Outcome {
        exec(
            &format!(
                "function %t({ty}, {ty}) -> {ty} {{\nblock0(v0: {ty}, v1: {ty}):\n    v2 = {op}.{ty} v0, v1\n    return v2\n}}"
            ),
            &[a, b],
        )
    }

    fn ret(x: u64) -> Outcome {
        Outcome::Returned(vec![x])
    }

    const M32: u64 = 0xffff_ffff;
    const MIN32: u64 = 0x8000_0000;
    const MIN64: u64 = 1 << 63;

    fn f32b(x: f32) -> u64 {
        x.to_bits() as u64
    }
    fn f64b(x: f64) -> u64 {
        x.to_bits()
    }

    #[test]
    fn integer_arithmetic_wraps() {
        assert_eq!(op2("iadd", "i32", M32, 2), ret(1));
        assert_eq!(op2("isub", "i32", 0, 1), ret(M32));
        assert_eq!(op2("imul", "i32", MIN32, 2), ret(0));
        assert_eq!(op2("iadd", "i64", u64::MAX, 2), ret(1));
        assert_eq!(op2("imul", "i64", 3, MIN64 + 1), ret(MIN64 + 3));
        assert_eq!(op2("band", "i32", 0xf0f0, 0xff00), ret(0xf000));
        assert_eq!(op2("bor", "i64", 1, MIN64), ret(MIN64 + 1));
        assert_eq!(op2("bxor", "i32", M32, 1), ret(M32 - 1));
    }

    #[test]
    fn division_traps_and_edges() {
        use TrapCode::*;
        for op in ["sdiv", "udiv", "srem", "urem"] {
            assert_eq!(op2(op, "i32", 5, 0), Outcome::Trapped(IntegerDivideByZero));
            assert_eq!(op2(op, "i64", 5, 0), Outcome::Trapped(IntegerDivideByZero));
        }
        assert_eq!(
            op2("sdiv", "i32", MIN32, M32),
            Outcome::Trapped(IntegerOverflow)
        );
        assert_eq!(
            op2("sdiv", "i64", MIN64, u64::MAX),
            Outcome::Trapped(IntegerOverflow)
        );
        assert_eq!(op2("srem", "i32", MIN32, M32), ret(0));
        assert_eq!(op2("srem", "i64", MIN64, u64::MAX), ret(0));
        assert_eq!(
            op2("sdiv", "i32", (-7i32) as u32 as u64, 2),
            ret((-3i32) as u32 as u64)
        );
        assert_eq!(op2("srem", "i32", (-7i32) as u32 as u64, 2), ret(M32));
        assert_eq!(op2("udiv", "i32", M32, 2), ret(0x7fff_ffff));
        assert_eq!(op2("urem", "i64", u64::MAX, 10), ret(5));
    }

    #[test]
    fn shifts_and_rotates_take_the_count_modulo_the_width() {
        assert_eq!(op2("ishl", "i32", 1, 33), ret(2));
        assert_eq!(op2("ishl", "i64", 1, 65), ret(2));
        assert_eq!(op2("sshr", "i32", MIN32, 31), ret(M32));
        assert_eq!(op2("ushr", "i32", MIN32, 63), ret(1));
        assert_eq!(op2("sshr", "i64", MIN64, 127), ret(u64::MAX));
        assert_eq!(op2("rotl", "i32", MIN32 | 1, 1), ret(3));
        assert_eq!(op2("rotr", "i32", 1, 33), ret(MIN32));
        assert_eq!(op2("rotl", "i64", MIN64, 64 + 1), ret(1));
        assert_eq!(op2("rotr", "i64", 1, u64::MAX), ret(2));
    }

    #[test]
    fn bit_counts_and_extensions() {
        assert_eq!(op1("clz", "i32", "i32", 0), ret(32));
        assert_eq!(op1("clz", "i64", "i64", 1), ret(63));
        assert_eq!(op1("ctz", "i32", "i32", 0), ret(32));
        assert_eq!(op1("ctz", "i64", "i64", 0), ret(64));
        assert_eq!(op1("popcnt", "i32", "i32", M32), ret(32));
        assert_eq!(op1("popcnt", "i64", "i64", u64::MAX), ret(64));
        assert_eq!(op1("eqz", "i32", "i64", MIN64), ret(0));
        assert_eq!(op1("eqz", "i32", "i32", 0), ret(1));
        assert_eq!(op1("sext8", "i32", "i32", 0x80), ret(0xffff_ff80));
        assert_eq!(
            op1("sext16", "i64", "i64", 0x8000),
            ret(0xffff_ffff_ffff_8000)
        );
        assert_eq!(
            op1("sext32", "i64", "i64", MIN32),
            ret(0xffff_ffff_8000_0000)
        );
        assert_eq!(op1("sext_i32", "i64", "i32", M32), ret(u64::MAX));
        assert_eq!(op1("uext_i32", "i64", "i32", M32), ret(M32));
        assert_eq!(op1("wrap", "i32", "i64", u64::MAX), ret(M32));
        // Arguments are masked to their type.
        assert_eq!(op1("popcnt", "i32", "i32", u64::MAX), ret(32));
    }

    fn is_nan_result(o: &Outcome, ty: Type) -> bool {
        match (o, ty) {
            (Outcome::Returned(v), Type::F32) => is_nan32(v[0]),
            (Outcome::Returned(v), Type::F64) => is_nan64(v[0]),
            _ => false,
        }
    }

    #[test]
    fn float_arithmetic_and_nans() {
        assert_eq!(op2("fadd", "f32", f32b(1.5), f32b(2.0)), ret(f32b(3.5)));
        assert_eq!(
            op2("fdiv", "f64", f64b(1.0), f64b(0.0)),
            ret(f64b(f64::INFINITY))
        );
        let nan = op2("fsub", "f64", f64b(f64::INFINITY), f64b(f64::INFINITY));
        assert_eq!(nan, ret(CANON_NAN_F64));
        let nan = op2("fmul", "f32", f32b(0.0), f32b(f32::INFINITY));
        assert_eq!(nan, ret(CANON_NAN_F32 as u64));
        // min/max: NaN wins, -0 < +0.
        for op in ["fmin", "fmax"] {
            assert!(is_nan_result(
                &op2(op, "f32", f32b(f32::NAN), f32b(1.0)),
                Type::F32
            ));
            assert!(is_nan_result(
                &op2(op, "f64", f64b(1.0), 0xfff0_0000_0000_0001),
                Type::F64
            ));
        }
        assert_eq!(op2("fmin", "f32", f32b(0.0), f32b(-0.0)), ret(f32b(-0.0)));
        assert_eq!(op2("fmin", "f64", f64b(-0.0), f64b(0.0)), ret(f64b(-0.0)));
        assert_eq!(op2("fmax", "f32", f32b(-0.0), f32b(0.0)), ret(f32b(0.0)));
        assert_eq!(op2("fmax", "f64", f64b(0.0), f64b(-0.0)), ret(f64b(0.0)));
        assert_eq!(op2("fmin", "f64", f64b(-3.0), f64b(2.0)), ret(f64b(-3.0)));
        // Sign operations keep NaN payloads.
        let snan = 0x7fa0_0001u64;
        assert_eq!(op1("fneg", "f32", "f32", snan), ret(snan | MIN32));
        assert_eq!(op1("fabs", "f32", "f32", snan | MIN32), ret(snan));
        assert_eq!(op2("fcopysign", "f32", snan, f32b(-1.0)), ret(snan | MIN32));
        assert_eq!(
            op2("fcopysign", "f64", f64b(-2.0), f64b(0.0)),
            ret(f64b(2.0))
        );
        assert_eq!(op1("fneg", "f64", "f64", f64b(0.0)), ret(f64b(-0.0)));
        assert_eq!(op1("sqrt", "f64", "f64", f64b(-1.0)), ret(CANON_NAN_F64));
        assert_eq!(op1("sqrt", "f32", "f32", f32b(-0.0)), ret(f32b(-0.0)));
    }

    #[test]
    fn rounding() {
        let cases: [(&str, f64, f64); 10] = [
            ("nearest", 2.5, 2.0),
            ("nearest", 3.5, 4.0),
            ("nearest", -0.5, -0.0),
            ("nearest", -1.5, -2.0),
            ("ceil", -0.5, -0.0),
            ("ceil", 1.1, 2.0),
            ("floor", -1.1, -2.0),
            ("floor", 0.5, 0.0),
            ("trunc", -1.9, -1.0),
            ("trunc", 1e300, 1e300),
        ];
        for (op, x, want) in cases {
            assert_eq!(op1(op, "f64", "f64", f64b(x)), ret(f64b(want)), "{op} {x}");
            assert_eq!(
                op1(op, "f32", "f32", f32b(x as f32)),
                ret(f32b(want as f32)),
                "{op} {x}"
            );
        }
        assert_eq!(
            op1("nearest", "f32", "f32", f32b(8388609.0)),
            ret(f32b(8388609.0))
        );
        assert_eq!(
            op1("nearest", "f64", "f64", 0x7ff4_0000_0000_0000),
            ret(CANON_NAN_F64)
        );
    }

    #[test]
    fn trapping_truncation_bounds() {
        use TrapCode::*;
        let ovf = Outcome::Trapped(IntegerOverflow);
        let nan = Outcome::Trapped(BadConversionToInteger);
        assert_eq!(op1("trunc_s", "i32", "f32", f32b(f32::NAN)), nan);
        assert_eq!(op1("trunc_u", "i64", "f64", f64b(-f64::NAN)), nan);
        // i32 signed: (-2^31 - 1, 2^31) exclusive.
        assert_eq!(
            op1("trunc_s", "i32", "f64", f64b(-2147483648.9)),
            ret(MIN32)
        );
        assert_eq!(op1("trunc_s", "i32", "f64", f64b(-2147483649.0)), ovf);
        assert_eq!(
            op1("trunc_s", "i32", "f64", f64b(2147483647.9)),
            ret(0x7fff_ffff)
        );
        assert_eq!(op1("trunc_s", "i32", "f64", f64b(2147483648.0)), ovf);
        assert_eq!(
            op1("trunc_s", "i32", "f32", f32b(-2147483648.0)),
            ret(MIN32)
        );
        assert_eq!(op1("trunc_s", "i32", "f32", f32b(2147483648.0)), ovf);
        // u32: (-1, 2^32).
        assert_eq!(op1("trunc_u", "i32", "f64", f64b(-0.9)), ret(0));
        assert_eq!(op1("trunc_u", "i32", "f64", f64b(-1.0)), ovf);
        assert_eq!(op1("trunc_u", "i32", "f64", f64b(4294967295.9)), ret(M32));
        assert_eq!(op1("trunc_u", "i32", "f64", f64b(4294967296.0)), ovf);
        // i64 and u64.
        assert_eq!(
            op1("trunc_s", "i64", "f64", f64b(-9223372036854775808.0)),
            ret(MIN64)
        );
        assert_eq!(
            op1("trunc_s", "i64", "f64", f64b(9223372036854775808.0)),
            ovf
        );
        assert_eq!(op1("trunc_s", "i64", "f32", f32b(-1.5)), ret(u64::MAX));
        assert_eq!(
            op1("trunc_u", "i64", "f64", f64b(18446744073709549568.0)),
            ret(0xffff_ffff_ffff_f800)
        );
        assert_eq!(
            op1("trunc_u", "i64", "f64", f64b(18446744073709551616.0)),
            ovf
        );
        assert_eq!(op1("trunc_u", "i64", "f32", f32b(f32::INFINITY)), ovf);
        assert_eq!(op1("trunc_s", "i64", "f32", f32b(f32::NEG_INFINITY)), ovf);
    }

    #[test]
    fn saturating_truncation() {
        assert_eq!(op1("trunc_sat_s", "i32", "f32", f32b(f32::NAN)), ret(0));
        assert_eq!(op1("trunc_sat_s", "i32", "f64", f64b(-1e10)), ret(MIN32));
        assert_eq!(
            op1("trunc_sat_s", "i32", "f64", f64b(1e10)),
            ret(0x7fff_ffff)
        );
        assert_eq!(op1("trunc_sat_u", "i32", "f64", f64b(-5.0)), ret(0));
        assert_eq!(op1("trunc_sat_u", "i32", "f64", f64b(1e10)), ret(M32));
        assert_eq!(
            op1("trunc_sat_s", "i64", "f64", f64b(f64::INFINITY)),
            ret(i64::MAX as u64)
        );
        assert_eq!(
            op1("trunc_sat_u", "i64", "f32", f32b(f32::INFINITY)),
            ret(u64::MAX)
        );
        assert_eq!(
            op1("trunc_sat_s", "i64", "f32", f32b(-2.5)),
            ret((-2i64) as u64)
        );
    }

    #[test]
    fn conversions() {
        assert_eq!(op1("convert_s", "f32", "i32", M32), ret(f32b(-1.0)));
        assert_eq!(op1("convert_u", "f32", "i32", M32), ret(f32b(4294967296.0)));
        assert_eq!(
            op1("convert_u", "f64", "i64", u64::MAX),
            ret(f64b(18446744073709551616.0))
        );
        assert_eq!(
            op1("convert_s", "f64", "i64", MIN64),
            ret(f64b(-9223372036854775808.0))
        );
        // 2^24 + 1 rounds to even (2^24); u64 to f32 rounds once, correctly.
        assert_eq!(
            op1("convert_s", "f32", "i32", 16777217),
            ret(f32b(16777216.0))
        );
        assert_eq!(
            op1("convert_u", "f32", "i64", 0x0020_0000_2000_0001),
            ret(f32b(9007200328482816.0))
        );
        assert_eq!(op1("promote", "f64", "f32", f32b(-0.0)), ret(f64b(-0.0)));
        assert_eq!(
            op1("promote", "f64", "f32", 0x7f80_0001),
            ret(CANON_NAN_F64)
        );
        assert_eq!(
            op1("demote", "f32", "f64", f64b(1e300)),
            ret(f32b(f32::INFINITY))
        );
        assert_eq!(
            op1("demote", "f32", "f64", f64b(1.0 + 1e-12)),
            ret(f32b(1.0))
        );
        assert_eq!(
            op1("reinterpret", "i32", "f32", 0x7fa0_0001),
            ret(0x7fa0_0001)
        );
        assert_eq!(op1("reinterpret", "f64", "i64", MIN64), ret(f64b(-0.0)));
    }

    #[test]
    fn comparisons_and_select() {
        let cmp = |cc: &str, ty: &str, a: u64, b: u64| {
            let op = if ty.starts_with('f') { "fcmp" } else { "icmp" };
            exec(
                &format!(
                    "function %t({ty}, {ty}) -> i32 {{\nblock0(v0: {ty}, v1: {ty}):\n    v2 = {op}.{cc} v0, v1\n    return v2\n}}"
                ),
                &[a, b],
            )
        };
        assert_eq!(cmp("slt", "i32", M32, 0), ret(1));
        assert_eq!(cmp("ult", "i32", M32, 0), ret(0));
        assert_eq!(cmp("sge", "i64", MIN64, 0), ret(0));
        assert_eq!(cmp("ugt", "i64", MIN64, 0), ret(1));
        assert_eq!(cmp("eq", "i32", 5, 5), ret(1));
        assert_eq!(cmp("sle", "i32", MIN32, MIN32), ret(1));
        let nan = f64b(f64::NAN);
        assert_eq!(cmp("ne", "f64", nan, nan), ret(1));
        assert_eq!(cmp("eq", "f64", nan, nan), ret(0));
        for cc in ["lt", "le", "gt", "ge"] {
            assert_eq!(cmp(cc, "f32", f32b(f32::NAN), f32b(0.0)), ret(0));
        }
        assert_eq!(cmp("eq", "f32", f32b(-0.0), f32b(0.0)), ret(1));
        assert_eq!(cmp("lt", "f32", f32b(-1.0), f32b(0.0)), ret(1));
        let sel = "function %t(i32, i64, i64) -> i64 {
block0(v0: i32, v1: i64, v2: i64):
    v3 = select.i64 v0, v1, v2
    return v3
}";
        assert_eq!(exec(sel, &[2, 10, 20]), ret(10));
        assert_eq!(exec(sel, &[0, 10, 20]), ret(20));
    }

    #[test]
    fn memory_accesses() {
        let text = "function %t(i32) -> i64 {
block0(v0: i32):
    v1 = iconst.i64 -2
    store.i64 heap v0+8, v1
    v2 = load8_s.i64 heap v0+8
    v3 = load16_u.i64 heap v0+9
    v4 = bxor.i64 v2, v3
    v5 = vmctx
    store32.i64 vm v5+16, v4
    v6 = load32_s.i64 vm v5+16
    return v6
}";
        // -2 ^ 0xffff = 0xffff_ffff_ffff_0001; the vm round trip sign-extends
        // its low 32 bits.
        assert_eq!(exec(text, &[0]), ret(0xffff_ffff_ffff_0001));
        // The heap is 64 bytes: 48 + 8 + 8 = 64 is the last valid end.
        assert_eq!(exec(text, &[48]), ret(0xffff_ffff_ffff_0001));
        assert_eq!(
            exec(text, &[49]),
            Outcome::Trapped(TrapCode::MemoryOutOfBounds)
        );
        // The index is zero-extended: -1 is 4 GiB - 1, not -1.
        assert_eq!(
            exec(text, &[M32]),
            Outcome::Trapped(TrapCode::MemoryOutOfBounds)
        );
        let oob_vm = "function %t() -> i32 {
block0:
    v0 = vmctx
    v1 = load.i32 vm v0+29
    return v1
}";
        assert!(matches!(exec(oob_vm, &[]), Outcome::Error(_)));
    }

    #[test]
    fn non_ssa_loop_and_fuel() {
        // sum of 1..=n with values reassigned.
        let text = "function %sum(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 0
    jump block1
block1:
    brif v0, block2, block3
block2:
    v1 = iadd.i32 v1, v0
    v2 = iconst.i32 1
    v0 = isub.i32 v0, v2
    jump block1
block3:
    return v1
}";
        assert_eq!(exec(text, &[10]), ret(55));
        assert_eq!(exec(text, &[0]), ret(0));
        assert_eq!(exec(text, &[100_000]), Outcome::OutOfFuel);
    }

    #[test]
    fn block_params_are_a_parallel_copy() {
        // Swap v1 and v2 n times through the loop header's parameters.
        let text = "function %swap(i32) -> i32 {
block0(v0: i32):
    v1 = iconst.i32 1
    v2 = iconst.i32 2
    jump block1(v0, v1, v2)
block1(v3: i32, v4: i32, v5: i32):
    brif v3, block2, block3
block2:
    v6 = iconst.i32 1
    v7 = isub.i32 v3, v6
    jump block1(v7, v5, v4)
block3:
    v8 = iconst.i32 10
    v9 = imul.i32 v4, v8
    v10 = iadd.i32 v9, v5
    return v10
}";
        assert_eq!(exec(text, &[0]), ret(12));
        assert_eq!(exec(text, &[1]), ret(21));
        assert_eq!(exec(text, &[4]), ret(12));
        assert_eq!(exec(text, &[5]), ret(21));
    }

    #[test]
    fn br_table_selects_default_past_the_end() {
        let text = "function %t(i32) -> i32 {
block0(v0: i32):
    br_table v0, [block1, block2, block3]
block1:
    v1 = iconst.i32 10
    return v1
block2:
    v2 = iconst.i32 20
    return v2
block3:
    v3 = iconst.i32 30
    return v3
}";
        assert_eq!(exec(text, &[0]), ret(10));
        assert_eq!(exec(text, &[1]), ret(20));
        assert_eq!(exec(text, &[2]), ret(30));
        assert_eq!(exec(text, &[M32]), ret(30));
    }

    #[test]
    fn calls_go_through_the_callback() {
        let text = "function %t(i32) -> i64 {
block0(v0: i32):
    v1: i64, v2: i32 = call direct(48) (v0, v0)
    v3 = uext_i32.i64 v2
    v4 = iadd.i64 v1, v3
    return v4
}";
        let f = parse_function(text).unwrap();
        let mut seen = Vec::new();
        let mut call = |k: CallKind, a: &[u64]| {
            seen.push((k, a.to_vec()));
            if a[0] == 7 {
                return Err(TrapCode::StackOverflow);
            }
            Ok(vec![a[0] * 100, u64::MAX])
        };
        let mut env = Env {
            heap: vec![],
            vm: vec![],
            call: &mut call,
        };
        assert_eq!(run(&f, &[3], &mut env, 100), ret(300 + M32));
        assert_eq!(
            run(&f, &[7], &mut env, 100),
            Outcome::Trapped(TrapCode::StackOverflow)
        );
        assert_eq!(seen[0], (CallKind::Direct { slot: 48 }, vec![3, 3]));
    }

    #[test]
    fn traps_and_malformed_ir() {
        let text = "function %t(i32) -> i32 {
block0(v0: i32):
    trapif v0, int_ovf
    trap unreachable
}";
        assert_eq!(
            exec(text, &[1]),
            Outcome::Trapped(TrapCode::IntegerOverflow)
        );
        assert_eq!(exec(text, &[0]), Outcome::Trapped(TrapCode::Unreachable));
        assert!(matches!(exec(text, &[]), Outcome::Error(_)));
        let undef = "function %t() -> i32 {
block0:
    v1 = iadd.i32 v0, v0
    v0 = iconst.i32 1
    return v1
}";
        assert!(matches!(exec(undef, &[]), Outcome::Error(_)));
    }

    #[test]
    fn same_outcome_equates_nans() {
        let a = Outcome::Returned(vec![CANON_NAN_F64, 1]);
        let b = Outcome::Returned(vec![0xfff8_0000_0000_0000, 1]);
        assert!(same_outcome(&a, &b, &[Type::F64, Type::I32]));
        assert!(!same_outcome(&a, &b, &[Type::I64, Type::I32]));
        assert!(!same_outcome(
            &a,
            &Outcome::OutOfFuel,
            &[Type::F64, Type::I32]
        ));
    }
}
