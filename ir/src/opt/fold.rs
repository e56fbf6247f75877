//! Constant folding and algebraic simplification, Wasm-exact.
//!
//! One forward walk over the blocks in layout order rewrites each
//! instruction in place: the replacement keeps the instruction's `Inst` and
//! its result value, so no use has to be rewritten. A simplification that
//! reduces an instruction to one of its operands produces a `copy` (the copy
//! propagation of [`crate::opt::dce`] removes it); one that needs a new
//! constant inserts an `iconst` right before the instruction.
//!
//! What it does:
//! - **Constants**: unary, binary, `icmp`, `fcmp` and `select` on constant
//!   operands become `iconst`/`fconst`, computed with Wasm's semantics
//!   (wrapping `i32`/`i64` arithmetic, shift counts modulo the width,
//!   conversions, saturating truncations, trapping truncations and divisions
//!   only when they do not trap).
//! - **Integer identities**: `x+0`, `x-0`, `x*1`, `x*0`, `x&0`, `x&-1`,
//!   `x|0`, `x|-1`, `x^0`, `x^x`, `x-x`, `x&x`, `x|x`, shifts and rotates by
//!   a multiple of the width, counts `>=` the width reduced modulo the width,
//!   `x cc x`, unsigned compares against 0 and the maximum, signed compares
//!   against the extremes; chains of `+`/`-`, `*`, `&`, `|`, `^`, shifts and
//!   rotates by constants are reassociated into one operation; constants of
//!   commutative operations and comparisons move to the right.
//! - **Strength reduction**: `x * 2^k` → `x << k`, `udiv x, 2^k` → `x >> k`,
//!   `urem x, 2^k` → `x & (2^k - 1)`, `sdiv x, 1` → `x`,
//!   `srem x, ±1` → `0` (the divisor is a non-zero constant: no trap is lost).
//! - **Booleans**: `eqz(icmp cc)` → `icmp !cc`, `eqz(fcmp eq/ne)` →
//!   `fcmp ne/eq`, `eqz(eqz b)` → `b` for a 0/1 value `b`, `select` on a
//!   constant condition or with equal arms → `copy`, `select(eqz c, a, b)` →
//!   `select(c, b, a)`, `select(b, 1, 0)` → `b`, `select(b, 0, 1)` → `eqz b`,
//!   `brif (eqz c)` → `brif c` with the targets swapped.
//! - **Other unary identities**: `fneg(fneg x)`, `fabs(fabs x)`,
//!   `fabs(fneg x)`, `fcopysign(x, x)`, `fcopysign(x, +c)` → `fabs x`,
//!   nested sign extensions, `wrap(uext/sext x)`, `reinterpret(reinterpret x)`.
//! - **Traps**: `trapif` on constant 0 is deleted; on a non-zero constant it
//!   becomes `trap`, the rest of its block is dropped, and blocks that became
//!   unreachable are removed from the layout (so that no use of a dropped
//!   definition stays in the layout).
//!
//! What it never does: change the bits of a float result that could be a
//! NaN (a float operation on constants is folded only when neither operand
//! nor the result is NaN, except for the bit operations `fneg`, `fabs`,
//! `fcopysign` and `reinterpret`, which are exact), apply float algebra that
//! is not bit-exact (`x * 1.0`, `x + 0.0`, ...), or remove, move or add a
//! trap (a division, remainder or trapping truncation whose constant
//! operands trap stays as it is).
//!
//! **Requires**: SSA form (every value defined once, definitions dominate
//! uses). No analysis. `i32` constants may be written unnormalized; they are
//! rewritten as zero-extended `u32`s in the 64-bit immediate (`f32`
//! constants: the low 32 bits), the form the frontend produces.
//!
//! **Preserves**: SSA form, block parameters and branch arguments, the
//! result value and `Inst` of every rewritten instruction. The CFG is
//! preserved unless a `trapif` became a `trap` (then edges and unreachable
//! blocks go away, invalidating a dominator tree), or a `brif` had its
//! targets swapped.
//!
//! Linear in the size of the function (each instruction is rewritten at most
//! [`MAX_REWRITES`] times).

use crate::{BinaryOp, FloatCC, Function, Inst, InstData, IntCC, Type, UnaryOp, Value};

/// How many times one instruction may be rewritten in a row (each rewrite
/// may enable another, e.g. `isub` of a constant feeding an `iadd`).
pub const MAX_REWRITES: usize = 8;

/// The pass's buffers, kept from one run to the next (see
/// [`super::Context`]).
#[derive(Debug, Default)]
pub struct Scratch {
    konst: Vec<Option<u64>>,
    alias: Vec<Value>,
    def: Vec<Option<Inst>>,
    out: Vec<Inst>,
}

/// Runs the pass; returns whether it changed anything.
pub fn run(func: &mut Function) -> bool {
    run_with(func, &mut Scratch::default())
}

/// Runs the pass with reusable buffers; returns whether it changed anything.
pub fn run_with(func: &mut Function, s: &mut Scratch) -> bool {
    let n = func.num_values();
    let mut konst = std::mem::take(&mut s.konst);
    konst.clear();
    konst.resize(n, None);
    let mut alias = std::mem::take(&mut s.alias);
    alias.clear();
    alias.extend((0..n).map(Value::new));
    let mut def = std::mem::take(&mut s.def);
    def.clear();
    def.resize(n, None);
    let mut f = Folder {
        func,
        konst,
        alias,
        def,
        out: std::mem::take(&mut s.out),
        srcloc: 0,
        changed: false,
        cfg_changed: false,
    };
    f.prescan();
    f.walk();
    if f.cfg_changed {
        super::dce::remove_unreachable_blocks(f.func);
    }
    let changed = f.changed;
    s.konst = f.konst;
    s.alias = f.alias;
    s.def = f.def;
    s.out = f.out;
    changed
}

/// The state of one run.
struct Folder<'a> {
    func: &'a mut Function,
    /// The constant bits of each value (`i32`/`f32`: zero-extended).
    konst: Vec<Option<u64>>,
    /// The source of a copy (the value itself if it is not a copy).
    alias: Vec<Value>,
    /// The instruction that defines each value (none for block parameters).
    def: Vec<Option<Inst>>,
    /// A spare instruction list, swapped with each block's.
    out: Vec<Inst>,
    /// Source location of the instruction being simplified (for new ones).
    srcloc: u32,
    changed: bool,
    /// A `trapif` became a `trap`: the CFG lost edges.
    cfg_changed: bool,
}

/// What to do with a visited instruction.
enum Visit {
    Keep,
    Delete,
    /// Keep it; it is now a terminator: drop the rest of the block.
    Terminate,
}

/// `x` reduced to the width of `ty` (`i32`/`f32`: the low 32 bits).
fn mask(ty: Type, x: u64) -> u64 {
    if ty.bytes() == 4 { x & 0xffff_ffff } else { x }
}

/// The width of `ty` in bits.
fn width(ty: Type) -> u64 {
    u64::from(ty.bytes()) * 8
}

fn iconst(dst: Value, ty: Type, bits: u64) -> InstData {
    InstData::Iconst {
        dst,
        imm: mask(ty, bits) as i64,
    }
}

fn copy(dst: Value, src: Value) -> InstData {
    InstData::Copy { dst, src }
}

impl Folder<'_> {
    fn ty(&self, v: Value) -> Type {
        self.func.value_type(v)
    }

    /// Records what `inst` tells about its results.
    fn record(&mut self, inst: Inst) {
        match self.func.insts[inst.index()] {
            InstData::Iconst { dst, imm } => {
                self.konst[dst.index()] = Some(mask(self.func.value_type(dst), imm as u64));
            }
            InstData::Fconst { dst, bits } => {
                self.konst[dst.index()] = Some(mask(self.func.value_type(dst), bits));
            }
            InstData::Copy { dst, src } if dst != src => {
                self.alias[dst.index()] = src;
            }
            _ => {}
        }
        let data = &self.func.insts[inst.index()];
        if let Some(d) = data.single_dst() {
            self.def[d.index()] = Some(inst);
        } else if let InstData::Call { results, .. } = data {
            for &v in self.func.values(*results) {
                self.def[v.index()] = Some(inst);
            }
        }
    }

    /// Learns every constant, copy and definition of the layout, so that
    /// operands defined in blocks later in the layout are known too.
    fn prescan(&mut self) {
        for bi in 0..self.func.layout.len() {
            let b = self.func.layout[bi];
            for ii in 0..self.func.blocks[b.index()].insts.len() {
                let inst = self.func.blocks[b.index()].insts[ii];
                self.record(inst);
            }
        }
    }

    /// The value `v` is a copy of (following chains; bounded so that a copy
    /// cycle in unreachable code cannot hang the pass).
    fn resolve(&self, v: Value) -> Value {
        let mut v = v;
        for _ in 0..self.alias.len() {
            let a = self.alias[v.index()];
            if a == v {
                break;
            }
            v = a;
        }
        v
    }

    /// The constant bits of `v`, if known.
    fn k(&self, v: Value) -> Option<u64> {
        self.konst[self.resolve(v).index()]
    }

    /// The instruction defining `v` (through copies), as data.
    fn def_data(&self, v: Value) -> Option<InstData> {
        let i = self.def[self.resolve(v).index()]?;
        Some(self.func.insts[i.index()].clone())
    }

    /// Whether `v` is known to be 0 or 1.
    fn is_bool(&self, v: Value) -> bool {
        match self.k(v) {
            Some(c) => c <= 1,
            None => matches!(
                self.def_data(v),
                Some(
                    InstData::Icmp { .. }
                        | InstData::Fcmp { .. }
                        | InstData::Unary {
                            op: UnaryOp::Eqz,
                            ..
                        }
                )
            ),
        }
    }

    /// A new constant, placed at the end of `out` (before the instruction
    /// being simplified).
    fn new_const(&mut self, ty: Type, bits: u64, out: &mut Vec<Inst>) -> Value {
        let bits = mask(ty, bits);
        let v = self.func.new_value(ty);
        let data = if ty.is_int() {
            InstData::Iconst {
                dst: v,
                imm: bits as i64,
            }
        } else {
            InstData::Fconst { dst: v, bits }
        };
        let i = self.func.new_inst(data, self.srcloc);
        out.push(i);
        self.konst.push(Some(bits));
        self.alias.push(v);
        self.def.push(Some(i));
        v
    }

    fn walk(&mut self) {
        for bi in 0..self.func.layout.len() {
            let b = self.func.layout[bi];
            let old = std::mem::take(&mut self.func.blocks[b.index()].insts);
            let mut out = std::mem::take(&mut self.out);
            out.clear();
            out.reserve(old.len());
            for &inst in &old {
                match self.visit(inst, &mut out) {
                    Visit::Keep => out.push(inst),
                    Visit::Delete => self.changed = true,
                    Visit::Terminate => {
                        out.push(inst);
                        self.changed = true;
                        self.cfg_changed = true;
                        break;
                    }
                }
            }
            self.func.blocks[b.index()].insts = out;
            self.out = old;
        }
    }

    fn visit(&mut self, inst: Inst, out: &mut Vec<Inst>) -> Visit {
        self.srcloc = self.func.srclocs.get(inst.index()).copied().unwrap_or(0);
        for _ in 0..MAX_REWRITES {
            let data = self.func.insts[inst.index()].clone();
            if let InstData::TrapIf { cond, code } = data {
                return match self.k(cond) {
                    Some(0) => Visit::Delete,
                    Some(_) => {
                        self.func.insts[inst.index()] = InstData::Trap { code };
                        Visit::Terminate
                    }
                    None => Visit::Keep,
                };
            }
            match self.simplify(&data, out) {
                Some(new) => {
                    self.func.insts[inst.index()] = new;
                    self.changed = true;
                    self.record(inst);
                }
                None => break,
            }
        }
        Visit::Keep
    }

    /// A simpler equivalent of `data` (same results), if there is one.
    fn simplify(&mut self, data: &InstData, out: &mut Vec<Inst>) -> Option<InstData> {
        match *data {
            InstData::Iconst { dst, imm } => {
                let n = mask(self.ty(dst), imm as u64) as i64;
                (n != imm).then_some(InstData::Iconst { dst, imm: n })
            }
            InstData::Fconst { dst, bits } => {
                let n = mask(self.ty(dst), bits);
                (n != bits).then_some(InstData::Fconst { dst, bits: n })
            }
            InstData::Unary { op, dst, arg } => self.unary(op, dst, arg),
            InstData::Binary { op, dst, lhs, rhs } => {
                if self.ty(dst).is_int() {
                    self.int_binary(op, dst, lhs, rhs, out)
                } else {
                    self.float_binary(op, dst, lhs, rhs)
                }
            }
            InstData::Icmp { cc, dst, lhs, rhs } => self.icmp(cc, dst, lhs, rhs),
            InstData::Fcmp { cc, dst, lhs, rhs } => {
                let ty = self.ty(lhs);
                let (a, b) = (self.k(lhs)?, self.k(rhs)?);
                Some(iconst(dst, Type::I32, eval_fcmp(cc, ty, a, b) as u64))
            }
            InstData::Select {
                dst,
                cond,
                if_true,
                if_false,
            } => self.select(dst, cond, if_true, if_false),
            InstData::Brif {
                cond,
                then_dest,
                else_dest,
            } => match self.def_data(cond)? {
                InstData::Unary {
                    op: UnaryOp::Eqz,
                    arg,
                    ..
                } if self.ty(arg) == Type::I32 => Some(InstData::Brif {
                    cond: arg,
                    then_dest: else_dest,
                    else_dest: then_dest,
                }),
                _ => None,
            },
            _ => None,
        }
    }

    fn unary(&mut self, op: UnaryOp, dst: Value, arg: Value) -> Option<InstData> {
        let (dt, at) = (self.ty(dst), self.ty(arg));
        if let Some(a) = self.k(arg) {
            let r = eval_unary(op, dt, at, a)?;
            return Some(if dt.is_int() {
                iconst(dst, dt, r)
            } else {
                InstData::Fconst {
                    dst,
                    bits: mask(dt, r),
                }
            });
        }
        let inner = self.def_data(arg)?;
        use UnaryOp as U;
        match (op, inner) {
            (U::Eqz, InstData::Icmp { cc, lhs, rhs, .. }) => Some(InstData::Icmp {
                cc: cc.inverse(),
                dst,
                lhs,
                rhs,
            }),
            (
                U::Eqz,
                InstData::Fcmp {
                    cc: cc @ (FloatCC::Equal | FloatCC::NotEqual),
                    lhs,
                    rhs,
                    ..
                },
            ) => Some(InstData::Fcmp {
                cc: if cc == FloatCC::Equal {
                    FloatCC::NotEqual
                } else {
                    FloatCC::Equal
                },
                dst,
                lhs,
                rhs,
            }),
            (
                U::Eqz,
                InstData::Unary {
                    op: U::Eqz, arg: y, ..
                },
            ) if self.ty(y) == Type::I32 && self.is_bool(y) => Some(copy(dst, y)),
            (
                U::Fneg,
                InstData::Unary {
                    op: U::Fneg,
                    arg: y,
                    ..
                },
            ) => Some(copy(dst, y)),
            (U::Fabs, InstData::Unary { op: U::Fabs, .. }) => Some(copy(dst, arg)),
            (
                U::Fabs,
                InstData::Unary {
                    op: U::Fneg,
                    arg: y,
                    ..
                },
            ) => Some(InstData::Unary {
                op: U::Fabs,
                dst,
                arg: y,
            }),
            (
                U::Sext8 | U::Sext16 | U::Sext32,
                InstData::Unary {
                    op: inner @ (U::Sext8 | U::Sext16 | U::Sext32),
                    arg: y,
                    ..
                },
            ) => {
                if sext_bits(inner) <= sext_bits(op) {
                    Some(copy(dst, arg))
                } else {
                    Some(InstData::Unary { op, dst, arg: y })
                }
            }
            (
                U::Wrap,
                InstData::Unary {
                    op: U::UextI32 | U::SextI32,
                    arg: y,
                    ..
                },
            ) => Some(copy(dst, y)),
            (
                U::Reinterpret,
                InstData::Unary {
                    op: U::Reinterpret,
                    arg: y,
                    ..
                },
            ) if self.ty(y) == dt => Some(copy(dst, y)),
            _ => None,
        }
    }

    fn int_binary(
        &mut self,
        op: BinaryOp,
        dst: Value,
        lhs: Value,
        rhs: Value,
        out: &mut Vec<Inst>,
    ) -> Option<InstData> {
        use BinaryOp as B;
        let ty = self.ty(dst);
        let (ka, kb) = (self.k(lhs), self.k(rhs));
        if let (Some(a), Some(b)) = (ka, kb) {
            // None: the operation traps; it stays.
            return eval_int_binary(op, ty, a, b).map(|r| iconst(dst, ty, r));
        }
        if op.is_commutative() && ka.is_some() {
            return Some(InstData::Binary {
                op,
                dst,
                lhs: rhs,
                rhs: lhs,
            });
        }
        let (x, y) = (self.resolve(lhs), self.resolve(rhs));
        let ones = mask(ty, u64::MAX);
        let w = width(ty);
        if x == y {
            match op {
                B::Isub | B::Xor => return Some(iconst(dst, ty, 0)),
                B::And | B::Or => return Some(copy(dst, x)),
                _ => {}
            }
        }
        let Some(c) = kb else {
            // Constant on the left of a non-commutative operation.
            let c = ka?;
            return match op {
                B::Shl | B::ShrU if c == 0 => Some(iconst(dst, ty, 0)),
                B::ShrS | B::Rotl | B::Rotr if c == 0 || c == ones => Some(iconst(dst, ty, c)),
                _ => None,
            };
        };
        // The inner operation on `x` with a constant right operand, if any.
        let inner = match self.def_data(x) {
            Some(InstData::Binary {
                op: iop,
                lhs: l2,
                rhs: r2,
                ..
            }) => self.k(r2).map(|c2| (iop, l2, c2)),
            _ => None,
        };
        match op {
            B::Iadd | B::Isub => {
                if c == 0 {
                    return Some(copy(dst, x));
                }
                let addend = if op == B::Iadd { c } else { c.wrapping_neg() };
                let (iop @ (B::Iadd | B::Isub), l2, c2) = inner? else {
                    return None;
                };
                let inner_addend = if iop == B::Iadd {
                    c2
                } else {
                    c2.wrapping_neg()
                };
                let net = mask(ty, addend.wrapping_add(inner_addend));
                if net == 0 {
                    return Some(copy(dst, l2));
                }
                let k = self.new_const(ty, net, out);
                Some(InstData::Binary {
                    op: B::Iadd,
                    dst,
                    lhs: l2,
                    rhs: k,
                })
            }
            B::Imul => {
                if c == 0 {
                    return Some(iconst(dst, ty, 0));
                }
                if c == 1 {
                    return Some(copy(dst, x));
                }
                if let Some((B::Imul, l2, c2)) = inner {
                    let k = self.new_const(ty, c.wrapping_mul(c2), out);
                    return Some(InstData::Binary {
                        op: B::Imul,
                        dst,
                        lhs: l2,
                        rhs: k,
                    });
                }
                if c.is_power_of_two() {
                    let k = self.new_const(ty, u64::from(c.trailing_zeros()), out);
                    return Some(InstData::Binary {
                        op: B::Shl,
                        dst,
                        lhs,
                        rhs: k,
                    });
                }
                None
            }
            B::DivU | B::RemU => {
                if !c.is_power_of_two() {
                    return None; // including 0: it traps
                }
                if op == B::DivU {
                    if c == 1 {
                        return Some(copy(dst, x));
                    }
                    let k = self.new_const(ty, u64::from(c.trailing_zeros()), out);
                    Some(InstData::Binary {
                        op: B::ShrU,
                        dst,
                        lhs,
                        rhs: k,
                    })
                } else {
                    if c == 1 {
                        return Some(iconst(dst, ty, 0));
                    }
                    let k = self.new_const(ty, c - 1, out);
                    Some(InstData::Binary {
                        op: B::And,
                        dst,
                        lhs,
                        rhs: k,
                    })
                }
            }
            // `sdiv x, -1` may overflow: it stays.
            B::DivS if c == 1 => Some(copy(dst, x)),
            // `INT_MIN rem -1` is 0 in Wasm: no trap for a divisor of ±1.
            B::RemS if c == 1 || c == ones => Some(iconst(dst, ty, 0)),
            B::And | B::Or | B::Xor => {
                let absorbing = if op == B::And { 0 } else { ones };
                let identity = if op == B::Or { 0 } else { ones };
                if op != B::Xor && c == absorbing {
                    return Some(iconst(dst, ty, c));
                }
                if (op == B::Xor && c == 0) || (op != B::Xor && c == identity) {
                    return Some(copy(dst, x));
                }
                let (iop, l2, c2) = inner?;
                if iop != op {
                    return None;
                }
                let net = match op {
                    B::And => c & c2,
                    B::Or => c | c2,
                    _ => c ^ c2,
                };
                if op == B::Xor && net == 0 {
                    return Some(copy(dst, l2));
                }
                let k = self.new_const(ty, net, out);
                Some(InstData::Binary {
                    op,
                    dst,
                    lhs: l2,
                    rhs: k,
                })
            }
            B::Shl | B::ShrS | B::ShrU | B::Rotl | B::Rotr => {
                let s = c & (w - 1);
                if s == 0 {
                    return Some(copy(dst, x));
                }
                if s != c {
                    let k = self.new_const(ty, s, out);
                    return Some(InstData::Binary {
                        op,
                        dst,
                        lhs,
                        rhs: k,
                    });
                }
                let (iop, l2, c2) = inner?;
                if iop != op {
                    return None;
                }
                let total = s + (c2 & (w - 1));
                let total = match op {
                    B::Shl | B::ShrU if total >= w => return Some(iconst(dst, ty, 0)),
                    B::ShrS => total.min(w - 1),
                    B::Rotl | B::Rotr => total % w,
                    _ => total,
                };
                if total == 0 {
                    return Some(copy(dst, l2));
                }
                let k = self.new_const(ty, total, out);
                Some(InstData::Binary {
                    op,
                    dst,
                    lhs: l2,
                    rhs: k,
                })
            }
            _ => None,
        }
    }

    fn float_binary(
        &mut self,
        op: BinaryOp,
        dst: Value,
        lhs: Value,
        rhs: Value,
    ) -> Option<InstData> {
        let ty = self.ty(dst);
        let (ka, kb) = (self.k(lhs), self.k(rhs));
        if let (Some(a), Some(b)) = (ka, kb) {
            let bits = eval_float_binary(op, ty, a, b)?;
            return Some(InstData::Fconst { dst, bits });
        }
        if op != BinaryOp::Fcopysign {
            return None;
        }
        if self.resolve(lhs) == self.resolve(rhs) {
            return Some(copy(dst, lhs));
        }
        match kb {
            Some(b) if b & sign_bit(ty) == 0 => Some(InstData::Unary {
                op: UnaryOp::Fabs,
                dst,
                arg: lhs,
            }),
            _ => None,
        }
    }

    fn icmp(&mut self, cc: IntCC, dst: Value, lhs: Value, rhs: Value) -> Option<InstData> {
        use IntCC as C;
        let ty = self.ty(lhs);
        let (ka, kb) = (self.k(lhs), self.k(rhs));
        if let (Some(a), Some(b)) = (ka, kb) {
            return Some(iconst(dst, Type::I32, eval_icmp(cc, ty, a, b) as u64));
        }
        if ka.is_some() {
            return Some(InstData::Icmp {
                cc: cc.swap_args(),
                dst,
                lhs: rhs,
                rhs: lhs,
            });
        }
        if self.resolve(lhs) == self.resolve(rhs) {
            let t = matches!(
                cc,
                C::Equal
                    | C::SignedLessThanOrEqual
                    | C::SignedGreaterThanOrEqual
                    | C::UnsignedLessThanOrEqual
                    | C::UnsignedGreaterThanOrEqual
            );
            return Some(iconst(dst, Type::I32, t as u64));
        }
        let c = kb?;
        let ones = mask(ty, u64::MAX);
        let smin = 1u64 << (width(ty) - 1);
        let smax = smin - 1;
        let always = |t: bool| Some(iconst(dst, Type::I32, t as u64));
        let with = |cc| Some(InstData::Icmp { cc, dst, lhs, rhs });
        match cc {
            C::UnsignedLessThan if c == 0 => always(false),
            C::UnsignedGreaterThanOrEqual if c == 0 => always(true),
            C::UnsignedGreaterThan if c == 0 => with(C::NotEqual),
            C::UnsignedLessThanOrEqual if c == 0 => with(C::Equal),
            C::UnsignedGreaterThan if c == ones => always(false),
            C::UnsignedLessThanOrEqual if c == ones => always(true),
            C::SignedLessThan if c == smin => always(false),
            C::SignedGreaterThanOrEqual if c == smin => always(true),
            C::SignedGreaterThan if c == smax => always(false),
            C::SignedLessThanOrEqual if c == smax => always(true),
            _ => None,
        }
    }

    fn select(
        &mut self,
        dst: Value,
        cond: Value,
        if_true: Value,
        if_false: Value,
    ) -> Option<InstData> {
        if let Some(c) = self.k(cond) {
            return Some(copy(dst, if c != 0 { if_true } else { if_false }));
        }
        if self.resolve(if_true) == self.resolve(if_false) {
            return Some(copy(dst, if_true));
        }
        if let Some(InstData::Unary {
            op: UnaryOp::Eqz,
            arg,
            ..
        }) = self.def_data(cond)
            && self.ty(arg) == Type::I32
        {
            return Some(InstData::Select {
                dst,
                cond: arg,
                if_true: if_false,
                if_false: if_true,
            });
        }
        if self.ty(dst) == Type::I32 && self.is_bool(cond) {
            match (self.k(if_true), self.k(if_false)) {
                (Some(1), Some(0)) => return Some(copy(dst, cond)),
                (Some(0), Some(1)) => {
                    return Some(InstData::Unary {
                        op: UnaryOp::Eqz,
                        dst,
                        arg: cond,
                    });
                }
                _ => {}
            }
        }
        None
    }
}

/// The number of low bits a sign extension keeps.
fn sext_bits(op: UnaryOp) -> u32 {
    match op {
        UnaryOp::Sext8 => 8,
        UnaryOp::Sext16 => 16,
        _ => 32,
    }
}

/// The sign bit of a float type's bits.
fn sign_bit(ty: Type) -> u64 {
    if ty == Type::F32 { 1 << 31 } else { 1 << 63 }
}

/// `a op b` for integers of type `ty` (operands and result zero-extended),
/// or `None` if the operation traps (or is not an integer operation).
fn eval_int_binary(op: BinaryOp, ty: Type, a: u64, b: u64) -> Option<u64> {
    use BinaryOp as B;
    macro_rules! eval {
        ($u:ty, $s:ty) => {{
            let (a, b) = (a as $u, b as $u);
            let (sa, sb) = (a as $s, b as $s);
            let r: $u = match op {
                B::Iadd => a.wrapping_add(b),
                B::Isub => a.wrapping_sub(b),
                B::Imul => a.wrapping_mul(b),
                B::DivS => {
                    if sb == 0 || (sa == <$s>::MIN && sb == -1) {
                        return None;
                    }
                    sa.wrapping_div(sb) as $u
                }
                B::DivU => a.checked_div(b)?,
                B::RemS => {
                    if sb == 0 {
                        return None;
                    }
                    sa.wrapping_rem(sb) as $u
                }
                B::RemU => a.checked_rem(b)?,
                B::And => a & b,
                B::Or => a | b,
                B::Xor => a ^ b,
                B::Shl => a.wrapping_shl(b as u32),
                B::ShrS => sa.wrapping_shr(b as u32) as $u,
                B::ShrU => a.wrapping_shr(b as u32),
                B::Rotl => a.rotate_left((b % <$u>::BITS as $u) as u32),
                B::Rotr => a.rotate_right((b % <$u>::BITS as $u) as u32),
                _ => return None,
            };
            r as u64
        }};
    }
    Some(if ty == Type::I32 {
        eval!(u32, i32)
    } else {
        eval!(u64, i64)
    })
}

/// `a op b` for floats of type `ty` given by their bits, or `None` if an
/// operand or the result is NaN (its bits are left to the hardware) or the
/// operation is not a float operation.
fn eval_float_binary(op: BinaryOp, ty: Type, a: u64, b: u64) -> Option<u64> {
    use BinaryOp as B;
    if op == B::Fcopysign {
        let s = sign_bit(ty);
        return Some((a & !s) | (b & s));
    }
    macro_rules! eval {
        ($f:ty, $bits:ty) => {{
            let (x, y) = (<$f>::from_bits(a as $bits), <$f>::from_bits(b as $bits));
            if x.is_nan() || y.is_nan() {
                return None;
            }
            let r: $f = match op {
                B::Fadd => x + y,
                B::Fsub => x - y,
                B::Fmul => x * y,
                B::Fdiv => x / y,
                // Neither is NaN; equal values differ only for ±0, where
                // min takes the sign bit of either and max of both.
                B::Fmin | B::Fmax => {
                    if x < y {
                        if op == B::Fmin { x } else { y }
                    } else if y < x {
                        if op == B::Fmin { y } else { x }
                    } else if op == B::Fmin {
                        <$f>::from_bits(x.to_bits() | y.to_bits())
                    } else {
                        <$f>::from_bits(x.to_bits() & y.to_bits())
                    }
                }
                _ => return None,
            };
            if r.is_nan() {
                return None;
            }
            r.to_bits() as u64
        }};
    }
    Some(if ty == Type::F32 {
        eval!(f32, u32)
    } else {
        eval!(f64, u64)
    })
}

/// `a cc b` for integers of type `ty`.
fn eval_icmp(cc: IntCC, ty: Type, a: u64, b: u64) -> bool {
    use IntCC as C;
    let (sa, sb) = if ty == Type::I32 {
        (i64::from(a as u32 as i32), i64::from(b as u32 as i32))
    } else {
        (a as i64, b as i64)
    };
    let (a, b) = (mask(ty, a), mask(ty, b));
    match cc {
        C::Equal => a == b,
        C::NotEqual => a != b,
        C::SignedLessThan => sa < sb,
        C::SignedLessThanOrEqual => sa <= sb,
        C::SignedGreaterThan => sa > sb,
        C::SignedGreaterThanOrEqual => sa >= sb,
        C::UnsignedLessThan => a < b,
        C::UnsignedLessThanOrEqual => a <= b,
        C::UnsignedGreaterThan => a > b,
        C::UnsignedGreaterThanOrEqual => a >= b,
    }
}

/// The float of type `ty` with bits `a`, widened exactly to `f64`.
fn to_f64(ty: Type, a: u64) -> f64 {
    if ty == Type::F32 {
        f64::from(f32::from_bits(a as u32))
    } else {
        f64::from_bits(a)
    }
}

/// `a cc b` for floats of type `ty` (ordered, except `ne`).
fn eval_fcmp(cc: FloatCC, ty: Type, a: u64, b: u64) -> bool {
    // Widening to f64 is exact and keeps the order and NaN-ness.
    let (x, y) = (to_f64(ty, a), to_f64(ty, b));
    match cc {
        FloatCC::Equal => x == y,
        FloatCC::NotEqual => x != y,
        FloatCC::LessThan => x < y,
        FloatCC::LessThanOrEqual => x <= y,
        FloatCC::GreaterThan => x > y,
        FloatCC::GreaterThanOrEqual => x >= y,
    }
}

/// `op a` with result type `dt` and argument type `at` (bits zero-extended),
/// or `None` if it traps or its float result (or argument) is NaN.
fn eval_unary(op: UnaryOp, dt: Type, at: Type, a: u64) -> Option<u64> {
    use Type::{F32, I32};
    use UnaryOp as U;
    let a = mask(at, a);
    let is32 = at == I32;
    /// A float operation computed on the float of type `t`.
    fn float_op(t: Type, a: u64, f32op: fn(f32) -> f32, f64op: fn(f64) -> f64) -> Option<u64> {
        if t == F32 {
            let x = f32::from_bits(a as u32);
            if x.is_nan() {
                return None;
            }
            let r = f32op(x);
            (!r.is_nan()).then_some(r.to_bits() as u64)
        } else {
            let x = f64::from_bits(a);
            if x.is_nan() {
                return None;
            }
            let r = f64op(x);
            (!r.is_nan()).then_some(r.to_bits())
        }
    }
    let r = match op {
        U::Clz => {
            if is32 {
                (a as u32).leading_zeros() as u64
            } else {
                a.leading_zeros() as u64
            }
        }
        U::Ctz => {
            if is32 {
                (a as u32).trailing_zeros() as u64
            } else {
                a.trailing_zeros() as u64
            }
        }
        U::Popcnt => a.count_ones() as u64,
        U::Eqz => (a == 0) as u64,
        U::Fneg => a ^ sign_bit(at),
        U::Fabs => a & !sign_bit(at),
        U::Fsqrt => float_op(at, a, f32::sqrt, f64::sqrt)?,
        U::Fceil => float_op(at, a, f32::ceil, f64::ceil)?,
        U::Ffloor => float_op(at, a, f32::floor, f64::floor)?,
        U::Ftrunc => float_op(at, a, f32::trunc, f64::trunc)?,
        U::Fnearest => float_op(at, a, f32::round_ties_even, f64::round_ties_even)?,
        U::SextI32 | U::Sext32 => a as u32 as i32 as i64 as u64,
        U::UextI32 | U::Wrap => a & 0xffff_ffff,
        U::Sext8 => a as u8 as i8 as i64 as u64,
        U::Sext16 => a as u16 as i16 as i64 as u64,
        U::TruncS | U::TruncU => {
            let x = to_f64(at, a);
            let signed = op == U::TruncS;
            // The open interval of values whose truncation is in range.
            let (lo, hi) = match (dt == I32, signed) {
                (true, true) => (-2147483649.0, 2147483648.0),
                (true, false) => (-1.0, 4294967296.0),
                (false, true) => (-9223372036854777856.0, 9223372036854775808.0),
                (false, false) => (-1.0, 18446744073709551616.0),
            };
            // NaN fails both comparisons.
            if !(x > lo && x < hi) {
                return None;
            }
            match (dt == I32, signed) {
                (true, true) => x as i32 as u32 as u64,
                (true, false) => x as u32 as u64,
                (false, true) => x as i64 as u64,
                (false, false) => x as u64,
            }
        }
        U::TruncSatS | U::TruncSatU => {
            // `as` saturates and maps NaN to 0, exactly Wasm's rule;
            // widening f32 to f64 first changes nothing.
            let x = to_f64(at, a);
            match (dt == I32, op == U::TruncSatS) {
                (true, true) => x as i32 as u32 as u64,
                (true, false) => x as u32 as u64,
                (false, true) => x as i64 as u64,
                (false, false) => x as u64,
            }
        }
        U::ConvertS | U::ConvertU => {
            // Rust's int-to-float `as` rounds to nearest, ties to even.
            let signed = op == U::ConvertS;
            if dt == F32 {
                let r = match (is32, signed) {
                    (true, true) => a as u32 as i32 as f32,
                    (true, false) => a as u32 as f32,
                    (false, true) => a as i64 as f32,
                    (false, false) => a as f32,
                };
                r.to_bits() as u64
            } else {
                let r = match (is32, signed) {
                    (true, true) => a as u32 as i32 as f64,
                    (true, false) => a as u32 as f64,
                    (false, true) => a as i64 as f64,
                    (false, false) => a as f64,
                };
                r.to_bits()
            }
        }
        U::Promote => {
            let x = f32::from_bits(a as u32);
            if x.is_nan() {
                return None;
            }
            f64::from(x).to_bits()
        }
        U::Demote => {
            let x = f64::from_bits(a);
            if x.is_nan() {
                return None;
            }
            (x as f32).to_bits() as u64
        }
        U::Reinterpret => a,
    };
    Some(mask(dt, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_evaluation_wraps_and_traps() {
        use BinaryOp as B;
        let m = 0x8000_0000;
        assert_eq!(eval_int_binary(B::Iadd, Type::I32, 0xffff_ffff, 1), Some(0));
        assert_eq!(eval_int_binary(B::DivS, Type::I32, m, 0xffff_ffff), None);
        assert_eq!(eval_int_binary(B::RemS, Type::I32, m, 0xffff_ffff), Some(0));
        assert_eq!(eval_int_binary(B::DivU, Type::I64, 7, 0), None);
        assert_eq!(eval_int_binary(B::Shl, Type::I32, 1, 33), Some(2));
        assert_eq!(
            eval_int_binary(B::ShrS, Type::I32, m, 31),
            Some(0xffff_ffff)
        );
        assert_eq!(eval_int_binary(B::Rotl, Type::I64, 1 << 63, 65), Some(1));
        assert_eq!(
            eval_int_binary(B::DivS, Type::I64, (-7i64) as u64, 2),
            Some((-3i64) as u64)
        );
    }

    #[test]
    fn float_evaluation_leaves_nans_alone() {
        use BinaryOp as B;
        let one = 1.0f32.to_bits() as u64;
        let zero = 0u64;
        let neg_zero = (-0.0f32).to_bits() as u64;
        assert_eq!(eval_float_binary(B::Fdiv, Type::F32, zero, zero), None);
        assert_eq!(
            eval_float_binary(B::Fadd, Type::F32, one, one),
            Some(2.0f32.to_bits() as u64)
        );
        assert_eq!(
            eval_float_binary(B::Fmin, Type::F32, zero, neg_zero),
            Some(neg_zero)
        );
        assert_eq!(
            eval_float_binary(B::Fmax, Type::F32, neg_zero, zero),
            Some(zero)
        );
        let nan = 0x7fc0_0001u64;
        assert_eq!(eval_float_binary(B::Fadd, Type::F32, nan, one), None);
        // Bit operations are exact even on NaN.
        assert_eq!(
            eval_float_binary(B::Fcopysign, Type::F32, nan, neg_zero),
            Some(0xffc0_0001)
        );
        assert_eq!(
            eval_unary(UnaryOp::Fneg, Type::F32, Type::F32, nan),
            Some(0xffc0_0001)
        );
        assert_eq!(
            eval_unary(UnaryOp::Promote, Type::F64, Type::F32, nan),
            None
        );
    }

    #[test]
    fn truncations_trap_exactly_out_of_range() {
        use UnaryOp as U;
        let f = |x: f64| x.to_bits();
        let t = |op, dt, x| eval_unary(op, dt, Type::F64, f(x));
        assert_eq!(t(U::TruncS, Type::I32, 2147483647.9), Some(0x7fff_ffff));
        assert_eq!(t(U::TruncS, Type::I32, 2147483648.0), None);
        assert_eq!(t(U::TruncS, Type::I32, -2147483648.9), Some(0x8000_0000));
        assert_eq!(t(U::TruncS, Type::I32, -2147483649.0), None);
        assert_eq!(t(U::TruncU, Type::I32, -0.9), Some(0));
        assert_eq!(t(U::TruncU, Type::I32, -1.0), None);
        assert_eq!(
            t(U::TruncU, Type::I64, 18446744073709549568.0),
            Some(u64::MAX - 2047)
        );
        assert_eq!(t(U::TruncU, Type::I64, 18446744073709551616.0), None);
        assert_eq!(
            t(U::TruncS, Type::I64, -9223372036854775808.0),
            Some(1 << 63)
        );
        assert_eq!(t(U::TruncS, Type::I64, 9223372036854775808.0), None);
        assert_eq!(t(U::TruncS, Type::I64, f64::NAN), None);
        assert_eq!(t(U::TruncSatS, Type::I32, f64::NAN), Some(0));
        assert_eq!(t(U::TruncSatS, Type::I32, -1e10), Some(0x8000_0000));
        assert_eq!(t(U::TruncSatU, Type::I64, 1e30), Some(u64::MAX));
    }

    #[test]
    fn conversions_round_to_nearest_even() {
        use UnaryOp as U;
        // 2^24 + 1 is a tie between 2^24 and 2^24 + 2: even wins.
        let r = eval_unary(U::ConvertU, Type::F32, Type::I32, (1 << 24) + 1);
        assert_eq!(r, Some(16777216.0f32.to_bits() as u64));
        let r = eval_unary(U::ConvertS, Type::F64, Type::I32, 0xffff_ffff);
        assert_eq!(r, Some((-1.0f64).to_bits()));
        let r = eval_unary(U::Fnearest, Type::F64, Type::F64, 2.5f64.to_bits());
        assert_eq!(r, Some(2.0f64.to_bits()));
        let r = eval_unary(U::Sext8, Type::I32, Type::I32, 0x80);
        assert_eq!(r, Some(0xffff_ff80));
    }
}
