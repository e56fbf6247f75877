//! Random IR functions for property tests (hidden from the docs: test
//! support only).
//!
//! [`random_function`] builds a *valid SSA* function (it passes
//! `verifier::verify(&f, true)`) in which every use is dominated by its
//! definition. It is a structured generator: a function body is a *region*,
//! a sequence of straight-line code and nested constructs, each of which
//! starts in the current block and leaves a new current block behind:
//!
//! - `if`/`else` and `if` without `else`: a `brif` to two blocks, or to one
//!   block and the join (a critical edge carrying arguments), both arms
//!   ending in a `jump` to a join block with parameters;
//! - a counted loop: a header with loop-carried parameters and an `i32`
//!   counter (1 to 4 iterations), whose latch `brif`s back to the header
//!   (again a critical edge with arguments) or on to an exit block;
//! - a `br_table` over arm blocks (duplicates and, when the join takes no
//!   parameters, the join itself among the targets);
//! - a guard: a `brif` to a block that returns or traps early.
//!
//! A value is available (may be used) in the block that defines it and, while
//! the construct that defined it is open, in the blocks it dominates; leaving
//! an arm or a loop body forgets what it defined (the available set is a
//! stack truncated on exit), and join and exit blocks receive values only
//! through their parameters. Operands are picked among the available values
//! of the right type, or are fresh constants (edge values included).
//!
//! Heap accesses stay within a 64 KiB heap unless the configuration allows
//! traps; calls are `Direct` calls to the fixed callees of [`CALLEES`], which
//! [`test_call`] implements deterministically.

use crate::interp::{Env, VM_BASE};
use crate::{
    AddrSpace, BinaryOp, Block, BlockCall, CallKind, FloatCC, Function, InstData, IntCC, LoadOp,
    Signature, StoreOp, TrapCode, Type, UnaryOp, Value,
};

/// Size of the heap of [`env_for_tests`].
pub const TEST_HEAP_SIZE: usize = 64 * 1024;
/// Size of the vm space of [`env_for_tests`]; generated `vm` accesses use
/// offsets from 16 up to this size.
pub const TEST_VM_SIZE: usize = 256;

/// A seedable xorshift64* generator (deterministic across platforms).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (any value, 0 included).
    pub fn new(seed: u64) -> Rng {
        let mut r = Rng(seed ^ 0x9e37_79b9_7f4a_7c15);
        if r.0 == 0 {
            r.0 = 1;
        }
        r.next_u64();
        r
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A random element of a non-empty slice.
    pub fn choose<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// What [`random_function`] may generate.
#[derive(Clone, Debug)]
pub struct GenConfig {
    /// Upper bound on the number of blocks (at least 1 is always made).
    pub max_blocks: usize,
    /// Upper bound on the straight-line instructions of one code run.
    pub max_insts_per_block: usize,
    /// Whether to emit `Direct` calls to [`CALLEES`].
    pub allow_calls: bool,
    /// Whether to emit counted loops.
    pub allow_loops: bool,
    /// Whether operations that can trap may (division by any value,
    /// trapping truncation, out-of-bounds heap addresses, `trapif`, `trap`,
    /// the trapping callee).
    pub allow_traps: bool,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            max_blocks: 20,
            max_insts_per_block: 8,
            allow_calls: true,
            allow_loops: true,
            allow_traps: true,
        }
    }
}

/// Signatures of the callees that generated `Direct` calls use: callee `k`
/// sits at VMContext slot `16 + 8 * k` (see [`callee_slot`]).
pub const CALLEES: [(&[Type], &[Type]); 6] = [
    (&[Type::I32, Type::I32], &[Type::I32]),
    (&[Type::I64], &[Type::I64, Type::I32]),
    (&[Type::F64, Type::I32], &[Type::F64]),
    (&[], &[]),
    // Traps (`unreachable`) when its argument's low 4 bits are all set.
    (&[Type::I32], &[Type::I32]),
    (&[Type::F32], &[Type::F32]),
];

/// The index in [`CALLEES`] of the callee that can trap.
pub const TRAPPING_CALLEE: usize = 4;

/// The VMContext slot of callee `k`.
pub const fn callee_slot(k: usize) -> u32 {
    16 + 8 * k as u32
}

/// The callee behind a `Direct` call `slot`, if it is one of [`CALLEES`].
pub fn callee_index(kind: CallKind) -> Option<usize> {
    match kind {
        CallKind::Direct { slot } if slot >= 16 && slot % 8 == 0 => {
            let k = (slot as usize - 16) / 8;
            (k < CALLEES.len()).then_some(k)
        }
        _ => None,
    }
}

/// The callback that implements [`CALLEES`]: results are a deterministic
/// hash of the callee and the arguments (floats are small integers, so they
/// are never NaN). Unknown callees and argument counts trap with
/// `IndirectCallTypeMismatch`.
pub fn test_call(kind: CallKind, args: &[u64]) -> Result<Vec<u64>, TrapCode> {
    let Some(k) = callee_index(kind) else {
        return Err(TrapCode::IndirectCallTypeMismatch);
    };
    let (params, results) = CALLEES[k];
    if args.len() != params.len() {
        return Err(TrapCode::IndirectCallTypeMismatch);
    }
    if k == TRAPPING_CALLEE && args[0] & 15 == 15 {
        return Err(TrapCode::Unreachable);
    }
    let mut h = 0x51_7cc1_b727_220a_u64.wrapping_add(k as u64);
    for &a in args {
        h = (h ^ a).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        h ^= h >> 29;
    }
    Ok(results
        .iter()
        .enumerate()
        .map(|(i, &t)| {
            let x = h.rotate_left(17 * i as u32);
            match t {
                Type::I32 => x & 0xffff_ffff,
                Type::I64 => x,
                Type::F32 => ((x % 2001) as f32 - 1000.0).to_bits() as u64,
                Type::F64 => ((x % 2001) as f64 - 1000.0).to_bits(),
            }
        })
        .collect())
}

/// An environment for tests: a [`TEST_HEAP_SIZE`] heap and a
/// [`TEST_VM_SIZE`] vm space filled with a fixed byte pattern, and
/// [`test_call`] as the call callback.
pub fn env_for_tests() -> Env<'static> {
    // Built once: the pattern is slow to compute in debug builds.
    static HEAP: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let pattern = |i: usize| (i.wrapping_mul(31) ^ (i >> 8)) as u8;
    let heap = HEAP.get_or_init(|| (0..TEST_HEAP_SIZE).map(pattern).collect());
    Env {
        heap: heap.clone(),
        vm: (0..TEST_VM_SIZE).map(|i| pattern(i + 7)).collect(),
        // `test_call` is a zero-sized function item: boxing it allocates
        // nothing, so leaking the box leaks nothing.
        call: Box::leak(Box::new(test_call)),
    }
}

const INT_EDGES: [i64; 12] = [
    0,
    1,
    -1,
    2,
    i32::MIN as i64,
    i32::MAX as i64,
    1 << 31,
    1 << 32,
    i64::MIN,
    i64::MAX,
    0xff,
    0x8000,
];

const F64_EDGES: [f64; 16] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    2.5,
    -1.5,
    f64::INFINITY,
    f64::NEG_INFINITY,
    2147483648.0,
    -2147483649.0,
    4294967296.0,
    9223372036854775808.0,
    18446744073709551616.0,
    1e30,
    5e-324,
];

/// A random integer of type `ty` (edge values often), as bits.
fn random_int(rng: &mut Rng, ty: Type) -> i64 {
    let x = match rng.below(3) {
        0 => rng.choose(&INT_EDGES),
        1 => rng.range(0, 20) as i64 - 4,
        _ => rng.next_u64() as i64,
    };
    if ty == Type::I32 { x as u32 as i64 } else { x }
}

/// Random float bits of type `ty` (edge values and NaNs often).
fn random_float(rng: &mut Rng, ty: Type) -> u64 {
    let v = match rng.below(8) {
        0 => {
            // A NaN: canonical, negative, or with a payload.
            return match (ty, rng.below(3)) {
                (Type::F32, 0) => 0x7fc0_0000,
                (Type::F32, 1) => 0xffc0_0000,
                (Type::F32, _) => 0x7fa0_0001,
                (_, 0) => 0x7ff8_0000_0000_0000,
                (_, 1) => 0xfff8_0000_0000_0000,
                _ => 0x7ff4_0000_0000_0001,
            };
        }
        1..=3 => rng.choose(&F64_EDGES),
        4 => rng.next_u64() as i64 as f64 / (1u64 << rng.below(64)) as f64,
        _ => rng.range(0, 40) as f64 / 4.0 - 5.0,
    };
    match ty {
        Type::F32 => (v as f32).to_bits() as u64,
        _ => v.to_bits(),
    }
}

/// Random argument bits for `sig`'s parameters.
pub fn random_args(rng: &mut Rng, sig: &Signature) -> Vec<u64> {
    sig.params
        .iter()
        .map(|&t| {
            if t.is_int() {
                random_int(rng, t) as u64 & if t == Type::I32 { 0xffff_ffff } else { !0 }
            } else {
                random_float(rng, t)
            }
        })
        .collect()
}

const TYPES: [Type; 4] = [Type::I32, Type::I64, Type::F32, Type::F64];
const MAX_DEPTH: u32 = 3;

/// A random valid SSA function (see the module docs).
pub fn random_function(rng: &mut Rng, cfg: &GenConfig) -> Function {
    let mut f = Function::new();
    f.name = format!("rand{}", rng.below(1_000_000));
    let nparams = rng.below(5) as usize;
    let nresults = rng.below(3) as usize;
    f.signature.params = (0..nparams).map(|_| rng.choose(&TYPES)).collect();
    f.signature.results = (0..nresults).map(|_| rng.choose(&TYPES)).collect();
    let entry = f.new_block();
    f.append_block_to_layout(entry);
    let mut g = Gen {
        f,
        rng,
        cfg,
        cur: entry,
        avail: Vec::new(),
        loop_depth: 0,
    };
    for i in 0..nparams {
        let t = g.f.signature.params[i];
        let p = g.f.append_block_param(entry, t);
        g.avail.push(p);
    }
    g.region(0);
    let results = g.f.signature.results.clone();
    let vals: Vec<Value> = results.iter().map(|&t| g.checksum(t)).collect();
    let args = g.f.make_value_list(&vals);
    g.emit(InstData::Return { args });
    g.f
}

struct Gen<'a> {
    f: Function,
    rng: &'a mut Rng,
    cfg: &'a GenConfig,
    /// The block instructions are appended to.
    cur: Block,
    /// Values usable in `cur`, as a stack (see the module docs).
    avail: Vec<Value>,
    loop_depth: u32,
}

impl Gen<'_> {
    fn emit(&mut self, d: InstData) {
        self.f.append_inst(self.cur, d, 0);
    }

    fn new_block(&mut self, nparams: usize) -> Block {
        let b = self.f.new_block();
        self.f.append_block_to_layout(b);
        self.f.blocks[b.index()].loop_depth = self.loop_depth;
        for _ in 0..nparams {
            let t = self.rng.choose(&TYPES);
            self.f.append_block_param(b, t);
        }
        b
    }

    fn blocks_left(&self) -> usize {
        self.cfg.max_blocks.saturating_sub(self.f.layout.len())
    }

    /// Enters `b`: it becomes current and its parameters available.
    fn switch_to(&mut self, b: Block) {
        self.cur = b;
        let params = self.f.blocks[b.index()].params.clone();
        self.avail.extend(params);
    }

    fn constant(&mut self, ty: Type) -> Value {
        let dst = self.f.new_value(ty);
        if ty.is_int() {
            let imm = random_int(self.rng, ty);
            self.emit(InstData::Iconst { dst, imm });
        } else {
            let bits = random_float(self.rng, ty);
            self.emit(InstData::Fconst { dst, bits });
        }
        dst
    }

    fn iconst(&mut self, ty: Type, imm: i64) -> Value {
        let dst = self.f.new_value(ty);
        self.emit(InstData::Iconst { dst, imm });
        dst
    }

    /// An available value of type `ty`, or a fresh constant.
    fn pick(&mut self, ty: Type) -> Value {
        if !self.rng.chance(15) {
            let n = self
                .avail
                .iter()
                .filter(|&&v| self.f.value_type(v) == ty)
                .count();
            if n > 0 {
                // Favour the latest values, for long chains of data flow.
                let k = if self.rng.chance(40) {
                    n - 1 - self.rng.below(n.min(3) as u64) as usize
                } else {
                    self.rng.below(n as u64) as usize
                };
                let f = &self.f;
                return self
                    .avail
                    .iter()
                    .copied()
                    .filter(|&v| f.value_type(v) == ty)
                    .nth(k)
                    .expect("k < n");
            }
        }
        self.constant(ty)
    }

    /// A value of type `ty` that depends on several available values (the
    /// `xor` of the latest integers), so that results observe much of the
    /// computation.
    fn checksum(&mut self, ty: Type) -> Value {
        let mut acc = self.pick(ty);
        if ty.is_float() {
            return acc;
        }
        let latest: Vec<Value> = self
            .avail
            .iter()
            .rev()
            .copied()
            .filter(|&v| self.f.value_type(v) == ty)
            .take(6)
            .collect();
        for v in latest {
            let dst = self.def(ty);
            self.emit(InstData::Binary {
                op: BinaryOp::Xor,
                dst,
                lhs: acc,
                rhs: v,
            });
            acc = dst;
        }
        acc
    }

    fn def(&mut self, ty: Type) -> Value {
        let v = self.f.new_value(ty);
        self.avail.push(v);
        v
    }

    fn int_type(&mut self) -> Type {
        if self.rng.chance(50) {
            Type::I32
        } else {
            Type::I64
        }
    }

    fn float_type(&mut self) -> Type {
        if self.rng.chance(50) {
            Type::F32
        } else {
            Type::F64
        }
    }

    /// A branch condition that is neither almost always true nor false.
    fn condition(&mut self) -> Value {
        if self.rng.chance(30) {
            return self.pick(Type::I32);
        }
        let t = self.int_type();
        let (lhs, rhs) = (self.pick(t), self.pick(t));
        let dst = self.def(Type::I32);
        let cc = self.rng.choose(&IntCC::ALL);
        self.emit(InstData::Icmp { cc, dst, lhs, rhs });
        dst
    }

    /// A branch target with arguments picked for its parameters.
    fn call_to(&mut self, b: Block) -> BlockCall {
        let tys: Vec<Type> = self.f.blocks[b.index()]
            .params
            .iter()
            .map(|&p| self.f.value_type(p))
            .collect();
        let vals: Vec<Value> = tys.iter().map(|&t| self.pick(t)).collect();
        BlockCall {
            block: b,
            args: self.f.make_value_list(&vals),
        }
    }

    // ---- regions -------------------------------------------------------

    fn region(&mut self, depth: u32) {
        let items = self.rng.range(1, 3);
        for _ in 0..items {
            if depth < MAX_DEPTH && self.blocks_left() >= 4 && self.rng.chance(60) {
                match self.rng.below(6) {
                    0 | 1 => self.if_else(depth, true),
                    2 => self.if_else(depth, false),
                    3 if self.cfg.allow_loops => self.counted_loop(depth),
                    3 | 4 => self.br_table(depth),
                    _ => self.guard(),
                }
            } else {
                self.straight_line();
            }
        }
    }

    fn straight_line(&mut self) {
        let max = self.cfg.max_insts_per_block.max(1) as u64;
        for _ in 0..self.rng.range(1, max) {
            self.inst();
        }
    }

    /// `brif c, then, else` (or `brif c, then, join` without `else`); both
    /// arms jump to `join`.
    fn if_else(&mut self, depth: u32, with_else: bool) {
        let join = {
            let n = self.rng.below(3) as usize;
            self.new_block(n)
        };
        let then_b = {
            let n = self.rng.below(2) as usize;
            self.new_block(n)
        };
        let else_b = if with_else {
            {
                let n = self.rng.below(2) as usize;
                self.new_block(n)
            }
        } else {
            join
        };
        let cond = self.condition();
        let then_dest = self.call_to(then_b);
        let else_dest = self.call_to(else_b);
        self.emit(InstData::Brif {
            cond,
            then_dest,
            else_dest,
        });
        let base_after = self.avail.len();
        let mut arms = vec![then_b];
        if with_else {
            arms.push(else_b);
        }
        for arm in arms {
            self.avail.truncate(base_after);
            self.switch_to(arm);
            self.region(depth + 1);
            let dest = self.call_to(join);
            self.emit(InstData::Jump { dest });
        }
        self.avail.truncate(base_after);
        self.switch_to(join);
        // Move the join block after the arms in the layout (it was created
        // first so that its parameters exist when the arms jump to it).
        self.move_to_layout_end(join);
    }

    fn move_to_layout_end(&mut self, b: Block) {
        if let Some(pos) = self.f.layout.iter().position(|&x| x == b) {
            self.f.layout.remove(pos);
            self.f.layout.push(b);
        }
    }

    /// A loop running 1 to 4 times with loop-carried parameters.
    fn counted_loop(&mut self, depth: u32) {
        let n = self.rng.range(1, 4) as i64;
        let init_count = self.iconst(Type::I32, n);
        self.loop_depth += 1;
        let header = {
            let n = self.rng.range(0, 3) as usize;
            self.new_block(n)
        };
        if self.rng.chance(50) {
            // One type for all, so that the back edge can permute them.
            let t = self.rng.choose(&TYPES);
            for i in 0..self.f.blocks[header.index()].params.len() {
                let p = self.f.blocks[header.index()].params[i];
                self.f.value_types[p.index()] = t;
            }
        }
        let counter = self.f.append_block_param(header, Type::I32);
        self.loop_depth -= 1;
        let mut init = self.call_to_without_last(header);
        init.push(init_count);
        let args = self.f.make_value_list(&init);
        self.emit(InstData::Jump {
            dest: BlockCall {
                block: header,
                args,
            },
        });
        let base = self.avail.len();
        self.loop_depth += 1;
        self.switch_to(header);
        let base_body = self.avail.len();
        self.region(depth + 1);
        if self.rng.chance(50) {
            // Make the carried values observable on every trip.
            let params = self.f.blocks[header.index()].params.clone();
            for (i, &p) in params.iter().enumerate() {
                let op = match self.f.value_type(p) {
                    Type::I32 => StoreOp::I32,
                    Type::I64 => StoreOp::I64,
                    Type::F32 => StoreOp::F32,
                    Type::F64 => StoreOp::F64,
                };
                let addr = self.iconst(Type::I32, 512 + 8 * i as i64);
                self.emit(InstData::Store {
                    op,
                    space: AddrSpace::Heap,
                    addr,
                    value: p,
                    offset: 8 * depth,
                });
            }
        }
        // The latch: count down, go round again while non-zero.
        let one = self.iconst(Type::I32, 1);
        let next_count = self.def(Type::I32);
        self.emit(InstData::Binary {
            op: BinaryOp::Isub,
            dst: next_count,
            lhs: counter,
            rhs: one,
        });
        let mut carried = self.call_to_without_last(header);
        // Often pass the header's own parameters around (swaps, rotations:
        // parallel copies with cycles once out of SSA).
        let params = self.f.blocks[header.index()].params.clone();
        let params = &params[..params.len() - 1];
        for (i, c) in carried.iter_mut().enumerate() {
            if self.rng.chance(60) {
                let t = self.f.value_type(params[i]);
                let same: Vec<Value> = params
                    .iter()
                    .copied()
                    .filter(|&p| self.f.value_type(p) == t)
                    .collect();
                *c = self.rng.choose(&same);
            }
        }
        carried.push(next_count);
        let args = self.f.make_value_list(&carried);
        self.loop_depth -= 1;
        let exit = {
            let n = self.rng.below(2) as usize;
            self.new_block(n)
        };
        let else_dest = self.call_to(exit);
        self.emit(InstData::Brif {
            cond: next_count,
            then_dest: BlockCall {
                block: header,
                args,
            },
            else_dest,
        });
        // The header dominates the exit; the body's values do not.
        self.avail.truncate(base_body);
        debug_assert!(self.avail.len() >= base);
        self.switch_to(exit);
    }

    /// Values for all but the last parameter of `b`.
    fn call_to_without_last(&mut self, b: Block) -> Vec<Value> {
        let params = self.f.blocks[b.index()].params.clone();
        params[..params.len() - 1]
            .iter()
            .map(|&p| {
                let t = self.f.value_type(p);
                self.pick(t)
            })
            .collect()
    }

    /// `br_table` over 1 to 3 arms that jump to a join.
    fn br_table(&mut self, depth: u32) {
        let join_params = if self.rng.chance(50) {
            0
        } else {
            self.rng.range(1, 2) as usize
        };
        let join = self.new_block(join_params);
        let narms = self.rng.range(1, 3).min(self.blocks_left() as u64 - 1) as usize;
        let arms: Vec<Block> = (0..narms).map(|_| self.new_block(0)).collect();
        let mut targets = Vec::new();
        for _ in 0..self.rng.range(1, 5) {
            if join_params == 0 && self.rng.chance(25) {
                targets.push(join);
            } else {
                targets.push(self.rng.choose(&arms));
            }
        }
        // Every arm is reachable from the table.
        targets.extend(arms.iter().copied());
        let len = targets.len();
        for i in (1..len).rev() {
            let j = self.rng.below(i as u64 + 1) as usize;
            targets.swap(i, j);
        }
        let index = if self.rng.chance(50) {
            let t = self.pick(Type::I32);
            let m = self.iconst(Type::I32, 7);
            let dst = self.def(Type::I32);
            self.emit(InstData::Binary {
                op: BinaryOp::And,
                dst,
                lhs: t,
                rhs: m,
            });
            dst
        } else {
            self.pick(Type::I32)
        };
        let table = self.f.make_jump_table(targets);
        self.emit(InstData::BrTable { index, table });
        let base_after = self.avail.len();
        for arm in arms {
            self.avail.truncate(base_after);
            self.switch_to(arm);
            self.region(depth + 1);
            let dest = self.call_to(join);
            self.emit(InstData::Jump { dest });
        }
        self.avail.truncate(base_after);
        self.switch_to(join);
        self.move_to_layout_end(join);
    }

    /// `brif c, out, cont` where `out` returns or traps.
    fn guard(&mut self) {
        let out = self.new_block(0);
        let cont = {
            let n = self.rng.below(2) as usize;
            self.new_block(n)
        };
        let cond = self.condition();
        let else_dest = self.call_to(cont);
        self.emit(InstData::Brif {
            cond,
            then_dest: BlockCall::new(out),
            else_dest,
        });
        let base = self.avail.len();
        self.cur = out;
        if self.cfg.allow_traps && self.rng.chance(30) {
            let code = self.rng.choose(&TrapCode::ALL);
            self.emit(InstData::Trap { code });
        } else {
            let results = self.f.signature.results.clone();
            let vals: Vec<Value> = results.iter().map(|&t| self.pick(t)).collect();
            let args = self.f.make_value_list(&vals);
            self.emit(InstData::Return { args });
        }
        self.avail.truncate(base);
        self.switch_to(cont);
    }

    // ---- instructions --------------------------------------------------

    fn inst(&mut self) {
        match self.rng.below(100) {
            0..8 => {
                let t = self.rng.choose(&TYPES);
                let v = self.constant(t);
                self.avail.push(v);
            }
            8..25 => self.unary(),
            25..50 => self.binary(),
            50..57 => {
                let t = self.int_type();
                let (lhs, rhs) = (self.pick(t), self.pick(t));
                let dst = self.def(Type::I32);
                let cc = self.rng.choose(&IntCC::ALL);
                self.emit(InstData::Icmp { cc, dst, lhs, rhs });
            }
            57..62 => {
                let t = self.float_type();
                let (lhs, rhs) = (self.pick(t), self.pick(t));
                let dst = self.def(Type::I32);
                let cc = self.rng.choose(&FloatCC::ALL);
                self.emit(InstData::Fcmp { cc, dst, lhs, rhs });
            }
            62..67 => {
                let t = self.rng.choose(&TYPES);
                let cond = self.pick(Type::I32);
                let (if_true, if_false) = (self.pick(t), self.pick(t));
                let dst = self.def(t);
                self.emit(InstData::Select {
                    dst,
                    cond,
                    if_true,
                    if_false,
                });
            }
            67..70 => {
                let t = self.rng.choose(&TYPES);
                let src = self.pick(t);
                let dst = self.def(t);
                self.emit(InstData::Copy { dst, src });
            }
            70..80 => self.heap_access(),
            80..86 => self.vm_access(),
            86..92 if self.cfg.allow_calls => self.call(),
            92..96 if self.cfg.allow_traps => {
                let t = self.pick(Type::I32);
                let k = self.rng.range(0, 3) as i64;
                let c = self.iconst(Type::I32, k);
                let cond = self.def(Type::I32);
                self.emit(InstData::Icmp {
                    cc: IntCC::Equal,
                    dst: cond,
                    lhs: t,
                    rhs: c,
                });
                let code = self.rng.choose(&TrapCode::ALL);
                self.emit(InstData::TrapIf { cond, code });
            }
            _ => self.binary(),
        }
    }

    fn unary(&mut self) {
        use Type::{F32, F64, I32, I64};
        use UnaryOp as U;
        let mut op = self.rng.choose(&UnaryOp::ALL);
        if !self.cfg.allow_traps {
            op = match op {
                U::TruncS => U::TruncSatS,
                U::TruncU => U::TruncSatU,
                o => o,
            };
        }
        let (at, dt) = match op {
            U::Clz | U::Ctz | U::Popcnt | U::Sext8 | U::Sext16 => {
                let t = self.int_type();
                (t, t)
            }
            U::Sext32 => (I64, I64),
            U::Eqz => (self.int_type(), I32),
            U::Fneg | U::Fabs | U::Fsqrt | U::Fceil | U::Ffloor | U::Ftrunc | U::Fnearest => {
                let t = self.float_type();
                (t, t)
            }
            U::SextI32 | U::UextI32 => (I32, I64),
            U::Wrap => (I64, I32),
            U::TruncS | U::TruncU | U::TruncSatS | U::TruncSatU => {
                (self.float_type(), self.int_type())
            }
            U::ConvertS | U::ConvertU => (self.int_type(), self.float_type()),
            U::Promote => (F32, F64),
            U::Demote => (F64, F32),
            U::Reinterpret => self
                .rng
                .choose(&[(I32, F32), (F32, I32), (I64, F64), (F64, I64)]),
        };
        let arg = self.pick(at);
        let dst = self.def(dt);
        self.emit(InstData::Unary { op, dst, arg });
    }

    fn binary(&mut self) {
        let op = self.rng.choose(&BinaryOp::ALL);
        let is_float = matches!(
            op,
            BinaryOp::Fadd
                | BinaryOp::Fsub
                | BinaryOp::Fmul
                | BinaryOp::Fdiv
                | BinaryOp::Fmin
                | BinaryOp::Fmax
                | BinaryOp::Fcopysign
        );
        let t = if is_float {
            self.float_type()
        } else {
            self.int_type()
        };
        let lhs = self.pick(t);
        let rhs = if op.can_trap() && (!self.cfg.allow_traps || self.rng.chance(60)) {
            // A divisor that neither is zero nor -1.
            let d = self.rng.choose(&[2, 3, 7, 10, -2, -7, 0x10001, 1]);
            self.iconst(t, d)
        } else {
            self.pick(t)
        };
        let dst = self.def(t);
        self.emit(InstData::Binary { op, dst, lhs, rhs });
    }

    fn heap_access(&mut self) {
        let offset = self.rng.range(0, 64) as u32;
        let addr = match self.rng.below(10) {
            // A few fixed addresses, so that accesses alias often.
            0..4 => {
                let a = self.rng.choose(&[0, 8, 16, 32, 100, 1000]);
                self.iconst(Type::I32, a)
            }
            4..8 => {
                let x = self.pick(Type::I32);
                let mask = self.rng.choose(&[0xf8, 0x7ff8]);
                let m = self.iconst(Type::I32, mask);
                let dst = self.def(Type::I32);
                self.emit(InstData::Binary {
                    op: BinaryOp::And,
                    dst,
                    lhs: x,
                    rhs: m,
                });
                if !self.rng.chance(50) {
                    return self.heap_op(dst, offset);
                }
                // An array base added to the index; where traps are allowed,
                // sometimes so large that the 32-bit sum wraps (to an address
                // in the heap) or goes past the heap.
                let base = if self.cfg.allow_traps {
                    self.rng.choose(&[16, 1024, 0x8000, -256, -8])
                } else {
                    self.rng.choose(&[16, 1024])
                };
                let b = self.iconst(Type::I32, base);
                let sum = self.def(Type::I32);
                self.emit(InstData::Binary {
                    op: BinaryOp::Iadd,
                    dst: sum,
                    lhs: dst,
                    rhs: b,
                });
                sum
            }
            8 if self.cfg.allow_traps => {
                let a = TEST_HEAP_SIZE as i64 - self.rng.range(0, 80) as i64;
                self.iconst(Type::I32, a)
            }
            9 if self.cfg.allow_traps => self.pick(Type::I32),
            _ => self.iconst(Type::I32, 64),
        };
        self.heap_op(addr, offset);
    }

    /// A heap load or store at `addr + offset`.
    fn heap_op(&mut self, addr: Value, offset: u32) {
        if self.rng.chance(55) {
            let op = self.rng.choose(&LoadOp::ALL);
            let dst = self.def(op.result_type());
            self.emit(InstData::Load {
                op,
                space: AddrSpace::Heap,
                dst,
                addr,
                offset,
            });
        } else {
            let op = self.rng.choose(&StoreOp::ALL);
            let value = self.pick(op.value_type());
            self.emit(InstData::Store {
                op,
                space: AddrSpace::Heap,
                addr,
                value,
                offset,
            });
        }
    }

    fn vm_access(&mut self) {
        // The vmctx value is not made available: it would flow into heap
        // addresses only through `wrap`, which is harmless but pointless.
        let addr = self.f.new_value(Type::I64);
        self.emit(InstData::Vmctx { dst: addr });
        let offset = 16 + 8 * self.rng.below((TEST_VM_SIZE as u64 - 16) / 8) as u32;
        debug_assert!(VM_BASE + offset as u64 + 8 <= VM_BASE + TEST_VM_SIZE as u64);
        if self.rng.chance(55) {
            let op = self.rng.choose(&LoadOp::ALL);
            let dst = self.def(op.result_type());
            self.emit(InstData::Load {
                op,
                space: AddrSpace::Vm,
                dst,
                addr,
                offset,
            });
        } else {
            let op = self.rng.choose(&StoreOp::ALL);
            let value = self.pick(op.value_type());
            self.emit(InstData::Store {
                op,
                space: AddrSpace::Vm,
                addr,
                value,
                offset,
            });
        }
    }

    fn call(&mut self) {
        let mut k = self.rng.below(CALLEES.len() as u64) as usize;
        if k == TRAPPING_CALLEE && !self.cfg.allow_traps {
            k = 0;
        }
        let (params, results) = CALLEES[k];
        let args: Vec<Value> = params.iter().map(|&t| self.pick(t)).collect();
        let res: Vec<Value> = results.iter().map(|&t| self.def(t)).collect();
        let args = self.f.make_value_list(&args);
        let results = self.f.make_value_list(&res);
        self.emit(InstData::Call {
            kind: CallKind::Direct {
                slot: callee_slot(k),
            },
            args,
            results,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interp::{Outcome, run};
    use crate::verifier::verify;

    #[test]
    fn random_functions_verify_and_run() {
        let cfgs = [
            GenConfig::default(),
            GenConfig {
                allow_traps: false,
                allow_calls: false,
                ..GenConfig::default()
            },
            GenConfig {
                max_blocks: 60,
                max_insts_per_block: 3,
                ..GenConfig::default()
            },
        ];
        let mut counts = [0usize; 4];
        let mut blocks = 0;
        for seed in 0..300 {
            let cfg = &cfgs[seed as usize % cfgs.len()];
            let mut rng = Rng::new(seed);
            let f = random_function(&mut rng, cfg);
            if let Err(e) = verify(&f, true) {
                panic!("seed {seed}: {e}\n{f}");
            }
            blocks += f.layout.len();
            for _ in 0..3 {
                let args = random_args(&mut rng, &f.signature);
                let mut env = env_for_tests();
                let o = run(&f, &args, &mut env, 100_000);
                let i = match &o {
                    Outcome::Returned(v) => {
                        assert_eq!(v.len(), f.signature.results.len());
                        0
                    }
                    Outcome::Trapped(_) => {
                        assert!(cfg.allow_traps, "seed {seed}: {o:?}\n{f}");
                        1
                    }
                    Outcome::OutOfFuel => 2,
                    Outcome::Error(e) => panic!("seed {seed}: {e}\n{f}"),
                };
                counts[i] += 1;
            }
        }
        // Both endings are common; no generated loop runs away.
        assert!(counts[0] > 200 && counts[1] > 50, "{counts:?}");
        assert_eq!(counts[2], 0);
        assert!(blocks > 300 * 4, "{blocks}");
    }

    #[test]
    fn rng_is_deterministic() {
        let (mut a, mut b) = (Rng::new(5), Rng::new(5));
        assert!((0..100).all(|_| a.next_u64() == b.next_u64()));
        let f1 = random_function(&mut Rng::new(9), &GenConfig::default()).to_string();
        let f2 = random_function(&mut Rng::new(9), &GenConfig::default()).to_string();
        assert_eq!(f1, f2);
    }

    #[test]
    fn test_call_is_deterministic_and_typed() {
        let k = CallKind::Direct {
            slot: callee_slot(1),
        };
        assert_eq!(test_call(k, &[5]), test_call(k, &[5]));
        assert_ne!(test_call(k, &[5]), test_call(k, &[6]));
        let r = test_call(k, &[5]).unwrap();
        assert!(r[1] <= 0xffff_ffff);
        let t = CallKind::Direct {
            slot: callee_slot(TRAPPING_CALLEE),
        };
        assert_eq!(test_call(t, &[0x1f]), Err(TrapCode::Unreachable));
        assert!(test_call(t, &[0x1e]).is_ok());
        assert!(test_call(CallKind::Indirect, &[]).is_err());
    }
}
