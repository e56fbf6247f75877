//! Execution tests of the instruction-selection patterns (immediates,
//! compare-and-branch fusion, `test`, `cmov`, `lea`, vm addressing modes,
//! stores of constants, division by constants, copies), each against Rust
//! semantics with edge values, and with non-SSA redefinitions that must
//! block fusion.
mod common;
use common::*;
use strata_ir::{AddrSpace, BinaryOp, FloatCC, InstData, IntCC, LoadOp, StoreOp, Type, UnaryOp};

const I32S: [u32; 16] = [
    0,
    1,
    2,
    3,
    5,
    7,
    0xffff_fffb,
    0xffff_ffff,
    0x7fff_ffff,
    0x8000_0000,
    0x8000_0001,
    31,
    32,
    33,
    0x1234_5678,
    0xdead_beef,
];
const I64S: [u64; 18] = [
    0,
    1,
    2,
    3,
    5,
    7,
    -5i64 as u64,
    u64::MAX,
    i64::MAX as u64,
    i64::MIN as u64,
    i64::MIN as u64 + 1,
    63,
    64,
    65,
    0x1234_5678_9abc_def0,
    1 << 31,
    1 << 32,
    0xffff_ffff,
];

fn vals(w64: bool) -> Vec<u64> {
    if w64 {
        I64S.to_vec()
    } else {
        I32S.iter().map(|&x| x as u64).collect()
    }
}

fn ty_of(w64: bool) -> Type {
    if w64 { Type::I64 } else { Type::I32 }
}

fn mask(v: u64, w64: bool) -> u64 {
    if w64 { v } else { v & 0xffff_ffff }
}

/// Disassembly of a compiled function.
fn disasm(f: &strata_ir::Function) -> String {
    strata_isa_x64::listing(&compile(f))
}

const IMM_OPS: [BinaryOp; 15] = [
    BinaryOp::Iadd,
    BinaryOp::Isub,
    BinaryOp::Imul,
    BinaryOp::And,
    BinaryOp::Or,
    BinaryOp::Xor,
    BinaryOp::Shl,
    BinaryOp::ShrS,
    BinaryOp::ShrU,
    BinaryOp::Rotl,
    BinaryOp::Rotr,
    BinaryOp::DivS,
    BinaryOp::DivU,
    BinaryOp::RemS,
    BinaryOp::RemU,
];

/// `x op C` and `C op x` for constants that fit an immediate or not.
#[test]
fn binary_with_constant_operand() {
    for w64 in [false, true] {
        let ty = ty_of(w64);
        let mut consts = vals(w64);
        consts.extend([
            9,
            4,
            8,
            16,
            1 << 40,
            0x7fff_ffff_ffff,
            0xffff_ffff_8000_0000,
        ]);
        for op in IMM_OPS {
            for &c in &consts {
                let c = mask(c, w64);
                let r = unary_fn(ty, ty, |b, x| {
                    let k = b.iconst(ty, c as i64);
                    b.bin(op, ty, x, k)
                });
                let l = unary_fn(ty, ty, |b, x| {
                    let k = b.iconst(ty, c as i64);
                    b.bin(op, ty, k, x)
                });
                for &x in &vals(w64) {
                    if let Some(e) = int_binop(op, x, c, w64) {
                        assert_eq!(r.run(&[x]), vec![e], "{op:?} {ty} {x:#x} op {c:#x}");
                    }
                    if let Some(e) = int_binop(op, c, x, w64) {
                        assert_eq!(l.run(&[x]), vec![e], "{op:?} {ty} {c:#x} op {x:#x}");
                    }
                }
            }
        }
    }
}

#[test]
fn immediates_are_used() {
    let (mut b, p) = B::new(&[Type::I32], &[Type::I32]);
    let k = b.iconst(Type::I32, 0x1234);
    let v = b.bin(BinaryOp::Xor, Type::I32, p[0], k);
    let s = b.iconst(Type::I32, 35);
    let v = b.bin(BinaryOp::Shl, Type::I32, v, s);
    b.ret(&[v]);
    let d = disasm(&b.f);
    assert!(d.contains(",0x1234"), "{d}");
    assert!(d.contains("shl eax,3") || d.contains(",3\n"), "{d}");
    assert!(!d.contains(",cl"), "{d}");
    // A 64-bit constant that does not fit stays in a register.
    let (mut b, p) = B::new(&[Type::I64], &[Type::I64]);
    let k = b.iconst(Type::I64, 1 << 40);
    let v = b.bin(BinaryOp::And, Type::I64, p[0], k);
    b.ret(&[v]);
    let d = disasm(&b.f);
    assert!(d.contains("0x10000000000"), "{d}");
}

fn divisors(w64: bool) -> Vec<u64> {
    let mut v: Vec<u64> = (1..=300).collect();
    let bits = if w64 { 64 } else { 32 };
    for k in 1..bits {
        let p = 1u64 << k;
        v.extend([p, p - 1, p + 1, p.wrapping_neg()]);
    }
    v.extend([641, 6_700_417, 1_000_000_007, 0x5555_5555, 0xaaaa_aaab]);
    v.extend((1..=300u64).map(|d| d.wrapping_neg()));
    let mut seed = 0x9e37_79b9_7f4a_7c15u64 ^ bits;
    for _ in 0..150 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        v.push(seed >> (seed % bits));
    }
    v.into_iter()
        .map(|d| mask(d, w64))
        .filter(|&d| d != 0)
        .collect()
}

fn dividends(w64: bool, d: u64, seed: &mut u64) -> Vec<u64> {
    let mut v = vals(w64);
    let max = mask(u64::MAX, w64);
    for k in [1u64, 2, 3, 1000] {
        let m = d.wrapping_mul(k);
        v.extend([m, m.wrapping_sub(1), m.wrapping_add(1)]);
        v.extend([m.wrapping_neg(), m.wrapping_neg().wrapping_add(1)]);
    }
    v.extend([max / d * d, (max / d * d).wrapping_sub(1)]);
    for _ in 0..24 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        v.push(*seed);
    }
    v.into_iter().map(|x| mask(x, w64)).collect()
}

/// Division and remainder by constants (magic numbers, shifts) against
/// Rust for many divisors and dividends. Division by -1 keeps the generic
/// path (its overflow trap is checked in `div_by_constant_traps`).
#[test]
fn div_by_constant() {
    let mut seed = 0x1234_5678_9abc_def1u64;
    for w64 in [false, true] {
        let ty = ty_of(w64);
        for d in divisors(w64) {
            for op in [
                BinaryOp::DivU,
                BinaryOp::DivS,
                BinaryOp::RemU,
                BinaryOp::RemS,
            ] {
                let r = unary_fn(ty, ty, |b, x| {
                    let k = b.iconst(ty, d as i64);
                    b.bin(op, ty, x, k)
                });
                for x in dividends(w64, d, &mut seed) {
                    if let Some(e) = int_binop(op, x, d, w64) {
                        assert_eq!(r.run(&[x]), vec![e], "{op:?} {ty} {x:#x} / {d:#x}");
                    }
                }
            }
        }
    }
}

#[test]
fn div_by_constant_traps() {
    let sites = |op: BinaryOp, ty: Type, d: i64| -> Vec<strata_ir::TrapCode> {
        let (mut b, p) = B::new(&[ty], &[ty]);
        let k = b.iconst(ty, d);
        let v = b.bin(op, ty, p[0], k);
        b.ret(&[v]);
        let mut s: Vec<_> = compile(&b.f).trap_sites.iter().map(|t| t.1).collect();
        s.retain(|&c| c != strata_ir::TrapCode::StackOverflow);
        s
    };
    use strata_ir::TrapCode::{IntegerDivideByZero as Dz, IntegerOverflow as Ovf};
    for ty in [Type::I32, Type::I64] {
        // A non-zero constant divisor cannot trap, and there is no `div`.
        for op in [
            BinaryOp::DivU,
            BinaryOp::DivS,
            BinaryOp::RemU,
            BinaryOp::RemS,
        ] {
            assert_eq!(sites(op, ty, 7), vec![], "{op:?} {ty}");
            let mut s = sites(op, ty, 0);
            s.sort_by_key(|c| *c as u8);
            let exp = if op == BinaryOp::DivS {
                vec![Dz, Ovf]
            } else {
                vec![Dz]
            };
            assert_eq!(s, exp, "{op:?} {ty} by 0 keeps the generic path");
        }
        // Signed division by -1 still traps on INT_MIN.
        let mut s = sites(BinaryOp::DivS, ty, -1);
        s.sort_by_key(|c| *c as u8);
        assert_eq!(s, vec![Dz, Ovf], "{ty}");
        let (mut b, p) = B::new(&[ty], &[ty]);
        let k = b.iconst(ty, 7);
        let v = b.bin(BinaryOp::DivU, ty, p[0], k);
        b.ret(&[v]);
        let d = disasm(&b.f);
        assert!(!d.contains("div "), "{d}");
    }
    // rem_s by -1 is 0, INT_MIN included.
    for w64 in [false, true] {
        let ty = ty_of(w64);
        let r = unary_fn(ty, ty, |b, x| {
            let k = b.iconst(ty, -1);
            b.bin(BinaryOp::RemS, ty, x, k)
        });
        for x in vals(w64) {
            assert_eq!(r.run(&[x]), vec![0]);
        }
    }
}

/// How the condition of a branch or select is computed.
#[derive(Clone, Copy, Debug)]
enum CondShape {
    /// `icmp cc a, b`
    Regs,
    /// `icmp cc a, C`
    ImmRight(u64),
    /// `icmp cc C, a`
    ImmLeft(u64),
}

/// Whether `cc` of `shape` can be the carry flag after one `cmp`: an
/// unsigned order (`a > k` as `a >= k + 1`, unless `k + 1` wraps or is no
/// sign-extended 32-bit immediate) or a test for zero.
fn carry_condition(cc: IntCC, shape: CondShape, w64: bool) -> bool {
    use IntCC::*;
    match cc {
        UnsignedLessThan | UnsignedGreaterThanOrEqual => true,
        UnsignedGreaterThan | UnsignedLessThanOrEqual => !matches!(shape,
            CondShape::ImmRight(k) if k == mask(u64::MAX, w64) || (w64 && k == 0x7fff_ffff)),
        Equal | NotEqual => matches!(shape, CondShape::ImmRight(0)),
        _ => false,
    }
}

impl CondShape {
    /// The compared operands for the function's arguments `a` and `b`.
    fn operands(self, a: u64, b: u64) -> (u64, u64) {
        match self {
            CondShape::Regs => (a, b),
            CondShape::ImmRight(c) => (a, c),
            CondShape::ImmLeft(c) => (c, a),
        }
    }
}

/// Builds the condition `cc` of `a` and `b` (or a constant) as an i32 value.
fn build_cond(
    b: &mut B,
    cc: IntCC,
    ty: Type,
    x: strata_ir::Value,
    y: strata_ir::Value,
    shape: CondShape,
) -> strata_ir::Value {
    match shape {
        CondShape::Regs => b.icmp(cc, x, y),
        CondShape::ImmRight(c) => {
            let k = b.iconst(ty, c as i64);
            b.icmp(cc, x, k)
        }
        CondShape::ImmLeft(c) => {
            let k = b.iconst(ty, c as i64);
            b.icmp(cc, k, x)
        }
    }
}

/// `brif (icmp cc a b)` fused into `cmp; jcc`, with register and immediate
/// operands, compared with Rust for every condition.
#[test]
fn compare_and_branch() {
    for w64 in [false, true] {
        let ty = ty_of(w64);
        for cc in IntCC::ALL {
            for shape in [
                CondShape::Regs,
                CondShape::ImmRight(5),
                CondShape::ImmRight(mask(-1i64 as u64, w64)),
                CondShape::ImmLeft(0x8000_0000),
                CondShape::ImmRight(0),
            ] {
                let (mut b, p) = B::new(&[ty, ty], &[Type::I32]);
                let c = build_cond(&mut b, cc, ty, p[0], p[1], shape);
                branch_to_returns(&mut b, c, 1, 0);
                let r = Runnable::new(&b.f);
                let d = strata_isa_x64::listing(&r.compiled);
                assert!(!d.contains("set"), "fused: {d}");
                for &x in &vals(w64) {
                    for &y in &vals(w64) {
                        let (l, rr) = shape.operands(x, y);
                        let e = icmp_ref(cc, l, rr, w64) as u64;
                        assert_eq!(
                            r.run(&[x, y]),
                            vec![e],
                            "{cc:?} {ty} {shape:?} {x:#x} {y:#x}"
                        );
                    }
                }
            }
        }
    }
}

/// Conditions as values (`setcc`), with immediates, `test` and `eqz` of a
/// comparison (inverted condition).
#[test]
fn compare_to_value() {
    for w64 in [false, true] {
        let ty = ty_of(w64);
        for cc in IntCC::ALL {
            for shape in [
                CondShape::Regs,
                CondShape::ImmRight(7),
                CondShape::ImmLeft(0),
                CondShape::ImmRight(0),
            ] {
                for negate in [false, true] {
                    let (mut b, p) = B::new(&[ty, ty], &[Type::I32]);
                    let mut c = build_cond(&mut b, cc, ty, p[0], p[1], shape);
                    if negate {
                        c = b.un(UnaryOp::Eqz, Type::I32, c);
                    }
                    b.ret(&[c]);
                    let r = Runnable::new(&b.f);
                    for &x in &vals(w64) {
                        for &y in &vals(w64)[..8] {
                            let (l, rr) = shape.operands(x, y);
                            let e = (icmp_ref(cc, l, rr, w64) != negate) as u64;
                            assert_eq!(
                                r.run(&[x, y]),
                                vec![e],
                                "{cc:?} {ty} {shape:?} !{negate} {x:#x} {y:#x}"
                            );
                        }
                    }
                }
            }
        }
    }
}

/// `x + cond` and `x - cond` for a comparison used only there: for the
/// unsigned orders and tests for zero, `cmp` and `adc`/`sbb` with the
/// condition in the carry flag (no `setcc`); for the others `setcc` as
/// before. Every condition, with registers and with immediates at the
/// edges of `k + 1` (`a > k` is `a >= k + 1`), against Rust.
#[test]
fn condition_added_or_subtracted_is_adc_or_sbb() {
    for w64 in [false, true] {
        let ty = ty_of(w64);
        for cc in IntCC::ALL {
            for shape in [
                CondShape::Regs,
                CondShape::ImmRight(7),
                CondShape::ImmRight(0),
                CondShape::ImmRight(mask(-1i64 as u64, w64)),
                CondShape::ImmRight(mask(-2i64 as u64, w64)),
                CondShape::ImmRight(0x7fff_ffff),
                CondShape::ImmLeft(0x7fff_fffe),
                CondShape::ImmLeft(mask(-8i64 as u64, w64)),
            ] {
                for (sub, eqz) in [(false, false), (true, false), (false, true), (true, true)] {
                    // Three parameters: x (i32) and the compared a and b.
                    let (mut b, p) = B::new(&[Type::I32, ty, ty], &[Type::I32]);
                    let c = if eqz {
                        b.un(UnaryOp::Eqz, Type::I32, p[1])
                    } else {
                        build_cond(&mut b, cc, ty, p[1], p[2], shape)
                    };
                    let op = if sub { BinaryOp::Isub } else { BinaryOp::Iadd };
                    // (Returned on its own: the sum needs no other register.)
                    let v = b.bin(op, Type::I32, p[0], c);
                    b.ret(&[v]);
                    let r = Runnable::new(&b.f);
                    let d = strata_isa_x64::listing(&r.compiled);
                    let expect = eqz || carry_condition(cc, shape, w64);
                    let fused = d.contains("adc") || d.contains("sbb");
                    assert_eq!(
                        fused && !d.contains("set"),
                        expect,
                        "{cc:?} {ty} {shape:?} sub {sub} eqz {eqz}:\n{d}"
                    );
                    for &x in &I32S[..8] {
                        for &a in &vals(w64) {
                            for &bb in &vals(w64)[..10] {
                                let cond = if eqz {
                                    mask(a, w64) == 0
                                } else {
                                    let (l, rr) = shape.operands(a, bb);
                                    icmp_ref(cc, l, rr, w64)
                                };
                                let e = if sub {
                                    x.wrapping_sub(cond as u32)
                                } else {
                                    x.wrapping_add(cond as u32)
                                };
                                assert_eq!(
                                    r.run(&[x as u64, a, bb]),
                                    vec![e as u64],
                                    "{cc:?} {ty} {shape:?} sub {sub} eqz {eqz} {x:#x} {a:#x} {bb:#x}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A comparison with several uses in its block, each a flag consumer (a
/// `select`'s or `brif`'s condition, or added with `adc`/`sbb`): each use
/// compares again and the comparison itself makes no `setcc`. Not where an
/// operand is redefined before a use, nor where a use needs the value.
/// Every condition, against Rust.
#[test]
fn comparison_used_several_times_is_compared_at_each_use() {
    for w64 in [false, true] {
        let ty = ty_of(w64);
        for cc in IntCC::ALL {
            for shape in [
                CondShape::Regs,
                CondShape::ImmRight(7),
                CondShape::ImmRight(0),
                CondShape::ImmLeft(0x8000_0000),
            ] {
                // 0: select and brif; 1: select, add and brif; 2: select and
                // returned as a value; 3: select, an operand redefined, add.
                for variant in 0..4 {
                    if variant == 1 && !carry_condition(cc, shape, w64) {
                        continue;
                    }
                    // x, y (i32) and the compared a and b.
                    let (mut b, p) = B::new(&[Type::I32, Type::I32, ty, ty], &[Type::I32]);
                    let (x, y) = (p[0], p[1]);
                    let c = build_cond(&mut b, cc, ty, p[2], p[3], shape);
                    let t = b.select(Type::I32, c, x, y);
                    let v = match variant {
                        0 => t,
                        2 => {
                            let k = b.iconst(Type::I32, 3);
                            let m = b.bin(BinaryOp::Imul, Type::I32, c, k);
                            b.bin(BinaryOp::Iadd, Type::I32, t, m)
                        }
                        _ => {
                            if variant == 3 {
                                b.copy(p[2], p[3]);
                            }
                            let u = b.bin(BinaryOp::Iadd, Type::I32, x, c);
                            b.bin(BinaryOp::Iadd, Type::I32, t, u)
                        }
                    };
                    if variant <= 1 {
                        let (yes, no) = (b.block(), b.block());
                        b.brif(c, yes, no);
                        b.switch_to(yes);
                        let k = b.iconst(Type::I32, 1000);
                        let w = b.bin(BinaryOp::Iadd, Type::I32, v, k);
                        b.ret(&[w]);
                        b.switch_to(no);
                        b.ret(&[v]);
                    } else {
                        b.ret(&[v]);
                    }
                    let r = Runnable::new(&b.f);
                    let d = strata_isa_x64::listing(&r.compiled);
                    assert_eq!(
                        d.contains("set"),
                        variant >= 2,
                        "{cc:?} {ty} {shape:?} variant {variant}:\n{d}"
                    );
                    for &xv in &I32S[..4] {
                        for &a in &vals(w64) {
                            for &bb in &vals(w64)[..10] {
                                let (l, rr) = shape.operands(a, bb);
                                let cond = icmp_ref(cc, l, rr, w64) as u32;
                                let yv = 0x55u32;
                                let t = if cond != 0 { xv } else { yv };
                                let e = match variant {
                                    0 => t + 1000 * cond,
                                    1 => t.wrapping_add(xv.wrapping_add(cond)) + 1000 * cond,
                                    2 => t.wrapping_add(3 * cond),
                                    _ => {
                                        // c uses the old a.
                                        t.wrapping_add(xv.wrapping_add(cond))
                                    }
                                };
                                assert_eq!(
                                    r.run(&[xv as u64, yv as u64, a, bb]),
                                    vec![e as u64],
                                    "{cc:?} {ty} {shape:?} variant {variant} {xv:#x} {a:#x} {bb:#x}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `test` patterns: `brif (and a b)`, `icmp eq/ne (and a b), 0`, `eqz`,
/// `eqz (and a C)`, in branches and as values.
#[test]
fn test_patterns() {
    for w64 in [false, true] {
        let ty = ty_of(w64);
        #[derive(Clone, Copy, Debug)]
        enum Shape {
            BrAnd,
            AndEqZero,
            AndNeZero,
            Eqz,
            EqzAndImm(u64),
            AndImmNeZero(u64),
        }
        for shape in [
            Shape::BrAnd,
            Shape::AndEqZero,
            Shape::AndNeZero,
            Shape::Eqz,
            Shape::EqzAndImm(0x80),
            Shape::EqzAndImm(mask(0xffff_ffff_8000_0000, w64)),
            Shape::AndImmNeZero(1),
        ] {
            if matches!(shape, Shape::BrAnd) && w64 {
                continue; // brif takes an i32
            }
            for branch in [true, false] {
                let (mut b, p) = B::new(&[ty, ty], &[Type::I32]);
                let zero = b.iconst(ty, 0);
                let c = match shape {
                    Shape::BrAnd => b.bin(BinaryOp::And, ty, p[0], p[1]),
                    Shape::AndEqZero | Shape::AndNeZero => {
                        let a = b.bin(BinaryOp::And, ty, p[0], p[1]);
                        let cc = if matches!(shape, Shape::AndEqZero) {
                            IntCC::Equal
                        } else {
                            IntCC::NotEqual
                        };
                        b.icmp(cc, a, zero)
                    }
                    Shape::Eqz => b.un(UnaryOp::Eqz, Type::I32, p[0]),
                    Shape::EqzAndImm(k) => {
                        let k = b.iconst(ty, k as i64);
                        let a = b.bin(BinaryOp::And, ty, k, p[0]);
                        b.un(UnaryOp::Eqz, Type::I32, a)
                    }
                    Shape::AndImmNeZero(k) => {
                        let k = b.iconst(ty, k as i64);
                        let a = b.bin(BinaryOp::And, ty, p[0], k);
                        b.icmp(IntCC::NotEqual, a, zero)
                    }
                };
                if branch {
                    branch_to_returns(&mut b, c, 1, 0);
                } else {
                    let c = if matches!(shape, Shape::BrAnd) {
                        let z32 = b.iconst(Type::I32, 0);
                        b.icmp(IntCC::NotEqual, c, z32)
                    } else {
                        c
                    };
                    b.ret(&[c]);
                }
                let r = Runnable::new(&b.f);
                let d = strata_isa_x64::listing(&r.compiled);
                assert!(d.contains("test "), "{shape:?}: {d}");
                for &x in &vals(w64) {
                    for &y in &vals(w64) {
                        let e = match shape {
                            Shape::BrAnd | Shape::AndNeZero => x & y != 0,
                            Shape::AndEqZero => x & y == 0,
                            Shape::Eqz => x == 0,
                            Shape::EqzAndImm(k) => x & k == 0,
                            Shape::AndImmNeZero(k) => x & k != 0,
                        };
                        assert_eq!(
                            r.run(&[x, y]),
                            vec![e as u64],
                            "{shape:?} {ty} {x:#x} {y:#x} branch {branch}"
                        );
                    }
                }
            }
        }
    }
}

fn special_f64s() -> Vec<f64> {
    vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        1.5,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        -f64::NAN,
        f64::MIN_POSITIVE,
        1e300,
    ]
}

fn fcmp_ref(cc: FloatCC, a: f64, b: f64) -> bool {
    match cc {
        FloatCC::Equal => a == b,
        FloatCC::NotEqual => a != b,
        FloatCC::LessThan => a < b,
        FloatCC::LessThanOrEqual => a <= b,
        FloatCC::GreaterThan => a > b,
        FloatCC::GreaterThanOrEqual => a >= b,
    }
}

/// `brif (fcmp cc a b)` and `select (fcmp ..)` with NaN semantics.
#[test]
fn float_compare_and_branch_and_select() {
    for f64 in [false, true] {
        let ty = if f64 { Type::F64 } else { Type::F32 };
        let bits = |x: f64| {
            if f64 {
                x.to_bits()
            } else {
                (x as f32).to_bits() as u64
            }
        };
        for cc in FloatCC::ALL {
            // Branch.
            let (mut b, p) = B::new(&[ty, ty], &[Type::I32]);
            let c = b.fcmp(cc, p[0], p[1]);
            branch_to_returns(&mut b, c, 1, 0);
            let br = Runnable::new(&b.f);
            // Same, with the branch targets in the other layout order.
            let (mut b, p) = B::new(&[ty, ty], &[Type::I32]);
            let c = b.fcmp(cc, p[0], p[1]);
            let (e, t) = (b.block(), b.block());
            b.brif(c, t, e);
            b.switch_to(t);
            let one = b.iconst(Type::I32, 1);
            b.ret(&[one]);
            b.switch_to(e);
            let z = b.iconst(Type::I32, 0);
            b.ret(&[z]);
            let br2 = Runnable::new(&b.f);
            // Int select and float select on the comparison.
            let (mut b, p) = B::new(&[ty, ty, Type::I64, Type::I64], &[Type::I64]);
            let c = b.fcmp(cc, p[0], p[1]);
            let v = b.select(Type::I64, c, p[2], p[3]);
            b.ret(&[v]);
            let si = Runnable::new(&b.f);
            let (mut b, p) = B::new(&[ty, ty, ty, ty], &[ty]);
            let c = b.fcmp(cc, p[0], p[1]);
            let v = b.select(ty, c, p[2], p[3]);
            b.ret(&[v]);
            let sf = Runnable::new(&b.f);
            for x in special_f64s() {
                for y in special_f64s() {
                    let (xf, yf) = if f64 {
                        (x, y)
                    } else {
                        (x as f32 as f64, y as f32 as f64)
                    };
                    let e = fcmp_ref(cc, xf, yf);
                    let args = [bits(x), bits(y)];
                    assert_eq!(br.run(&args), vec![e as u64], "{cc:?} {ty} {x} {y}");
                    assert_eq!(
                        br2.run(&args),
                        vec![e as u64],
                        "{cc:?} {ty} {x} {y} (layout 2)"
                    );
                    let (tv, fv) = (0x1111_2222_3333_4444u64, 0x5555_6666_7777_8888u64);
                    let exp = if e { tv } else { fv };
                    assert_eq!(
                        si.run(&[args[0], args[1], tv, fv]),
                        vec![exp],
                        "select.i64 {cc:?} {x} {y}"
                    );
                    let (tb, fb) = (bits(2.5), bits(-7.0));
                    let exp = if e { tb } else { fb };
                    assert_eq!(
                        sf.run(&[args[0], args[1], tb, fb]),
                        vec![exp],
                        "select.{ty} {cc:?} {x} {y}"
                    );
                }
            }
        }
    }
}

/// `select (icmp ..)` becomes `cmp; cmov` (ints) with every condition.
#[test]
fn select_on_compare() {
    for w64 in [false, true] {
        let ty = ty_of(w64);
        for cc in IntCC::ALL {
            for shape in [CondShape::Regs, CondShape::ImmRight(3)] {
                // min/max shape: select (a cc b), a, b.
                let (mut b, p) = B::new(&[ty, ty], &[ty]);
                let c = build_cond(&mut b, cc, ty, p[0], p[1], shape);
                let v = b.select(ty, c, p[0], p[1]);
                b.ret(&[v]);
                let r = Runnable::new(&b.f);
                let d = strata_isa_x64::listing(&r.compiled);
                assert!(d.contains("cmov"), "{d}");
                assert!(!d.contains("set"), "{d}");
                // Float values selected by an int comparison.
                let (mut b, p) = B::new(&[ty, ty, Type::F64, Type::F64], &[Type::F64]);
                let c = build_cond(&mut b, cc, ty, p[0], p[1], shape);
                let v = b.select(Type::F64, c, p[2], p[3]);
                b.ret(&[v]);
                let rf = Runnable::new(&b.f);
                for &x in &vals(w64) {
                    for &y in &vals(w64) {
                        let (l, rr) = shape.operands(x, y);
                        let e = icmp_ref(cc, l, rr, w64);
                        assert_eq!(
                            r.run(&[x, y]),
                            vec![if e { x } else { y }],
                            "{cc:?} {ty} {x:#x} {y:#x}"
                        );
                        let (t, f) = (1.5f64.to_bits(), (-3.0f64).to_bits());
                        assert_eq!(rf.run(&[x, y, t, f]), vec![if e { t } else { f }]);
                    }
                }
            }
        }
    }
}

/// `lea` for `a + C`, `a + b + C`, `a + (b << k)`, `a + (b + C)`, `a * 3/5/9`
/// and `a - C`, at both widths.
#[test]
fn lea_patterns() {
    for w64 in [false, true] {
        let ty = ty_of(w64);
        for shape in 0..9 {
            for (ci, &c) in [1u64, 0x7fff_ffff, mask(-8i64 as u64, w64), 0x8000_0000]
                .iter()
                .enumerate()
            {
                // (Shapes 7 and 8: the shift count.)
                let sh = ci as u64;
                let (mut b, p) = B::new(&[ty, ty], &[ty, ty]);
                let (x, y) = (p[0], p[1]);
                let v = match shape {
                    0 => {
                        let k = b.iconst(ty, c as i64);
                        b.bin(BinaryOp::Iadd, ty, x, k)
                    }
                    1 => {
                        let k = b.iconst(ty, c as i64);
                        let s = b.bin(BinaryOp::Iadd, ty, x, y);
                        b.bin(BinaryOp::Iadd, ty, k, s)
                    }
                    2 => {
                        let k = b.iconst(ty, (c % 4) as i64);
                        let s = b.bin(BinaryOp::Shl, ty, y, k);
                        b.bin(BinaryOp::Iadd, ty, s, x)
                    }
                    3 => {
                        let k = b.iconst(ty, c as i64);
                        let s = b.bin(BinaryOp::Iadd, ty, y, k);
                        b.bin(BinaryOp::Iadd, ty, x, s)
                    }
                    4 => {
                        let k = b.iconst(ty, [3, 5, 9, 3][(c % 4) as usize]);
                        b.bin(BinaryOp::Imul, ty, x, k)
                    }
                    5 => {
                        let k = b.iconst(ty, c as i64);
                        b.bin(BinaryOp::Isub, ty, x, k)
                    }
                    6 => {
                        let k = b.iconst(ty, 8);
                        b.bin(BinaryOp::Imul, ty, y, k)
                    }
                    // A shifted index plus a constant (a global array's
                    // element), either way round: one `lea` with no base.
                    _ => {
                        let k = b.iconst(ty, sh as i64);
                        let s = b.bin(BinaryOp::Shl, ty, y, k);
                        let d = b.iconst(ty, 0xe60);
                        if shape == 7 {
                            b.bin(BinaryOp::Iadd, ty, s, d)
                        } else {
                            b.bin(BinaryOp::Iadd, ty, d, s)
                        }
                    }
                };
                // Return x too, so that the result needs its own register.
                b.ret(&[v, x]);
                if shape >= 7 {
                    let d = disasm(&b.f);
                    let scale = ["+0xE60]", "+0xE60]", "*4+0xE60]", "*8+0xE60]"][ci];
                    assert!(
                        d.contains("lea") && d.contains(scale) && !d.contains("shl"),
                        "shape {shape} {ty} shift {sh}:\n{d}"
                    );
                }
                let r = Runnable::new(&b.f);
                for &a in &vals(w64) {
                    for &bb in &vals(w64)[..10] {
                        let add = |u: u64, v: u64| mask(u.wrapping_add(v), w64);
                        let e = match shape {
                            0 => add(a, c),
                            1 => add(add(a, bb), c),
                            2 => add(a, bb << (c % 4)),
                            3 => add(a, add(bb, c)),
                            4 => mask(a.wrapping_mul([3, 5, 9, 3][(c % 4) as usize]), w64),
                            5 => mask(a.wrapping_sub(c), w64),
                            6 => mask(bb.wrapping_mul(8), w64),
                            _ => add(bb << sh, 0xe60),
                        };
                        assert_eq!(
                            r.run(&[a, bb]),
                            vec![e, a],
                            "shape {shape} {ty} c={c:#x} {a:#x} {bb:#x}"
                        );
                    }
                }
            }
        }
    }
}

/// `(y << k) + c` as one `lea` with no base, for 32-bit constants across
/// the sign boundary (the 32-bit result wraps like `i32.add`; at 64 bits
/// the constant must be a sign-extended 32-bit displacement, and is folded
/// exactly when it is one).
#[test]
fn scaled_index_plus_constant_across_the_sign_boundary() {
    for w64 in [false, true] {
        let ty = ty_of(w64);
        for sh in 2..=3u64 {
            for c in [8u64, 0x7fff_ffff, 0x8000_0000, mask(-8i64 as u64, w64)] {
                let (mut b, p) = B::new(&[ty], &[ty]);
                let k = b.iconst(ty, sh as i64);
                let s = b.bin(BinaryOp::Shl, ty, p[0], k);
                let d = b.iconst(ty, c as i64);
                let v = b.bin(BinaryOp::Iadd, ty, s, d);
                b.ret(&[v]);
                let r = Runnable::new(&b.f);
                let listing = strata_isa_x64::listing(&r.compiled);
                // (A 64-bit constant that is no displacement is a base
                // register: `lea rax,[rax+rdi*4]`.)
                let fits = !w64 || i32::try_from(c as i64).is_ok();
                let no_base = listing.lines().any(|l| {
                    l.contains("lea ")
                        && l.split_once(",[").is_some_and(|(_, m)| {
                            m.split(['+', '-']).next().is_some_and(|t| t.contains('*'))
                        })
                });
                assert!(
                    !listing.contains("shl") && no_base == fits,
                    "{ty} << {sh} + {c:#x}:\n{listing}"
                );
                for &y in &vals(w64) {
                    let e = mask((y << sh).wrapping_add(c), w64);
                    assert_eq!(r.run(&[y]), vec![e], "{ty} {y:#x} << {sh} + {c:#x}");
                }
            }
        }
    }
}

/// Vm loads and stores through folded addresses: `[p + i*s + off]` and
/// `[p + C + off]`.
#[test]
fn vm_addressing_modes() {
    let mut vm = Vm::new(1024);
    for (k, byte) in vm.heap.iter_mut().enumerate() {
        *byte = (k * 7 + 3) as u8;
    }
    let base = vm.heap.as_ptr() as u64;
    let word = |heap: &[u8], at: usize| u64::from_le_bytes(heap[at..at + 8].try_into().unwrap());
    for shift in 0..4u64 {
        for off in [0u32, 8, 200] {
            // load.i64 vm (iadd p (ishl i shift))+off
            let (mut b, p) = B::new(&[Type::I64, Type::I64], &[Type::I64]);
            let k = b.iconst(Type::I64, shift as i64);
            let s = b.bin(BinaryOp::Shl, Type::I64, p[1], k);
            let a = b.bin(BinaryOp::Iadd, Type::I64, p[0], s);
            let v = b.load(LoadOp::I64, AddrSpace::Vm, a, off);
            b.ret(&[v]);
            let r = Runnable::new(&b.f);
            let d = strata_isa_x64::listing(&r.compiled);
            // One instruction: no separate shift, add or lea.
            // (The prologue's stack check compares rsp itself: no lea.)
            assert!(
                !d.contains("shl ") && !d.contains("add ") && !d.contains("lea "),
                "{d}"
            );
            for i in [0u64, 1, 5, 30] {
                let at = (i << shift) as usize + off as usize;
                assert_eq!(
                    r.run_vm(&mut vm, &[base, i]),
                    vec![word(&vm.heap, at)],
                    "shift {shift} off {off} i {i}"
                );
            }
            // store.i32 vm (iadd (ishl i shift) p)+off, v
            let (mut b, p) = B::new(&[Type::I64, Type::I64, Type::I32], &[]);
            let k = b.iconst(Type::I64, shift as i64);
            let s = b.bin(BinaryOp::Shl, Type::I64, p[1], k);
            let a = b.bin(BinaryOp::Iadd, Type::I64, s, p[0]);
            b.store(StoreOp::I32, AddrSpace::Vm, a, p[2], off);
            b.ret(&[]);
            let r = Runnable::new(&b.f);
            r.run_vm(&mut vm, &[base, 3, 0xdead_beef]);
            let at = (3 << shift) as usize + off as usize;
            assert_eq!(&vm.heap[at..at + 4], &0xdead_beefu32.to_le_bytes());
        }
    }
    // [p + C + off], and a negative constant.
    for c in [16i64, -16, 0x100] {
        let (mut b, p) = B::new(&[Type::I64], &[Type::I32]);
        let k = b.iconst(Type::I64, c);
        let a = b.bin(BinaryOp::Iadd, Type::I64, p[0], k);
        let v = b.load(LoadOp::I32Load8U, AddrSpace::Vm, a, 4);
        b.ret(&[v]);
        let r = Runnable::new(&b.f);
        let at = (512 + c + 4) as usize;
        assert_eq!(
            r.run_vm(&mut vm, &[base + 512]),
            vec![vm.heap[at] as u64],
            "c {c}"
        );
    }
}

/// Heap addresses `x + C` with C negative are not folded without
/// `CompileOptions::bounded_heap` (this harness's heap has no
/// guard below it): `i32.add x, C` wraps at 32 bits.
#[test]
fn heap_address_add_is_not_folded() {
    let (mut b, p) = B::new(&[Type::I32], &[Type::I32]);
    let k = b.iconst(Type::I32, -4);
    let a = b.bin(BinaryOp::Iadd, Type::I32, p[0], k);
    let v = b.load(LoadOp::I32Load8U, AddrSpace::Heap, a, 0);
    b.ret(&[v]);
    let r = Runnable::new(&b.f);
    let mut vm = Vm::new(64);
    vm.heap[6] = 0x5a;
    // 10 - 4 = 6 (and 3 - 4 wraps to 0xffff_ffff, which would fault).
    assert_eq!(r.run_vm(&mut vm, &[10]), vec![0x5a]);
    let d = strata_isa_x64::listing(&r.compiled);
    assert!(!d.contains("[r15+rdi-"), "{d}");
}

/// A full-width heap load whose only use is an integer `add`, `sub`,
/// `and`, `or`, `xor` or `imul` folds into it as a memory operand (either
/// operand of a commutative one, only the second of `sub`), at both widths,
/// with the results of the unfolded operation.
#[test]
fn heap_load_folds_into_alu_operation() {
    let ops = [
        (BinaryOp::Iadd, "add", true),
        (BinaryOp::Isub, "sub", false),
        (BinaryOp::And, "and", true),
        (BinaryOp::Or, "or", true),
        (BinaryOp::Xor, "xor", true),
        (BinaryOp::Imul, "imul", true),
    ];
    let mut vm = Vm::new(64);
    let word: u64 = 0x8765_4321_fedc_ba98;
    vm.heap[8..16].copy_from_slice(&word.to_le_bytes());
    for (op, mnemonic, commutative) in ops {
        for ty in [Type::I32, Type::I64] {
            let w64 = ty == Type::I64;
            let load_op = if w64 { LoadOp::I64 } else { LoadOp::I32 };
            for load_first in [false, true] {
                // f(x, addr) = x op load(addr + 4), or load(..) op x.
                let (mut b, p) = B::new(&[ty, Type::I32], &[ty]);
                let v = b.load(load_op, AddrSpace::Heap, p[1], 4);
                let r = if load_first {
                    b.bin(op, ty, v, p[0])
                } else {
                    b.bin(op, ty, p[0], v)
                };
                b.ret(&[r]);
                let run = Runnable::new(&b.f);
                let d = strata_isa_x64::listing(&run.compiled);
                let folded = d
                    .lines()
                    .any(|l| l.contains(&format!(": {mnemonic} ")) && l.contains("[r15+"));
                assert_eq!(
                    folded,
                    commutative || !load_first,
                    "{mnemonic} {ty} load_first={load_first}:\n{d}"
                );
                let loaded = mask(word, w64);
                for x in [0u64, 5, 0xffff_ffff_0000_0001, u64::MAX] {
                    let x = mask(x, w64);
                    let (a, c) = if load_first { (loaded, x) } else { (x, loaded) };
                    let want = match op {
                        BinaryOp::Iadd => a.wrapping_add(c),
                        BinaryOp::Isub => a.wrapping_sub(c),
                        BinaryOp::And => a & c,
                        BinaryOp::Or => a | c,
                        BinaryOp::Xor => a ^ c,
                        _ => a.wrapping_mul(c),
                    };
                    assert_eq!(
                        run.run_vm(&mut vm, &[x, 4]),
                        vec![mask(want, w64)],
                        "{mnemonic} {ty} load_first={load_first} x={x:#x}"
                    );
                }
            }
        }
    }
    // A narrower load (here 8 bits, zero-extended) is not folded.
    let (mut b, p) = B::new(&[Type::I32, Type::I32], &[Type::I32]);
    let v = b.load(LoadOp::I32Load8U, AddrSpace::Heap, p[1], 0);
    let r = b.bin(BinaryOp::Iadd, Type::I32, p[0], v);
    b.ret(&[r]);
    let run = Runnable::new(&b.f);
    let d = strata_isa_x64::listing(&run.compiled);
    assert!(d.contains("movzx"), "{d}");
    assert_eq!(run.run_vm(&mut vm, &[1, 9]), vec![1 + 0xba]);
}

/// Stores of constants use `mov [mem], imm` for every width.
#[test]
fn store_constants() {
    for op in StoreOp::ALL {
        let ty = op.value_type();
        if ty.is_float() {
            continue;
        }
        for c in [
            0x8877_6655_4433_2211u64 as i64,
            -2,
            0x7fff_ffff,
            0x1_0000_0000,
        ] {
            for space in [AddrSpace::Heap, AddrSpace::Vm] {
                let aty = if space == AddrSpace::Heap {
                    Type::I32
                } else {
                    Type::I64
                };
                let (mut b, p) = B::new(&[aty], &[]);
                let k = b.iconst(ty, c);
                b.store(op, space, p[0], k, 3);
                b.ret(&[]);
                let r = Runnable::new(&b.f);
                let mut vm = Vm::new(64);
                vm.heap.fill(0xee);
                let addr = if space == AddrSpace::Heap {
                    5
                } else {
                    vm.heap.as_ptr() as u64 + 5
                };
                r.run_vm(&mut vm, &[addr]);
                let w = op.width() as usize;
                let val = if ty == Type::I32 {
                    c as u32 as u64
                } else {
                    c as u64
                };
                assert_eq!(
                    &vm.heap[8..8 + w],
                    &val.to_le_bytes()[..w],
                    "{op:?} {c:#x} {space:?}"
                );
                assert_eq!(vm.heap[8 + w], 0xee);
                assert_eq!(vm.heap[7], 0xee);
            }
        }
    }
}

/// In non-SSA form an operand may be reassigned between a definition and
/// its single use: the definition must then not be fused.
#[test]
fn redefinition_blocks_fusion() {
    for w64 in [false, true] {
        let ty = ty_of(w64);
        // c = icmp slt a, b; a = b; brif c
        let (mut b, p) = B::new(&[ty, ty], &[Type::I32]);
        let c = b.icmp(IntCC::SignedLessThan, p[0], p[1]);
        b.copy(p[0], p[1]);
        branch_to_returns(&mut b, c, 1, 0);
        let r = Runnable::new(&b.f);
        assert_eq!(r.run(&[1, 2]), vec![1]);
        assert_eq!(r.run(&[2, 1]), vec![0]);
        // s = a + b; a = 100; r = s + 8 (lea chain must use the old a).
        let (mut b, p) = B::new(&[ty, ty], &[ty]);
        let s = b.bin(BinaryOp::Iadd, ty, p[0], p[1]);
        let k = b.iconst(ty, 100);
        b.copy(p[0], k);
        let eight = b.iconst(ty, 8);
        let v = b.bin(BinaryOp::Iadd, ty, s, eight);
        let v = b.bin(BinaryOp::Iadd, ty, v, p[0]);
        b.ret(&[v]);
        let r = Runnable::new(&b.f);
        assert_eq!(r.run(&[1, 2]), vec![1 + 2 + 8 + 100]);
        // A constant reassigned: k = 3; x = x + k; k = 5; x = x * k.
        let (mut b, p) = B::new(&[ty], &[ty]);
        let k = b.iconst(ty, 3);
        let x1 = b.bin(BinaryOp::Iadd, ty, p[0], k);
        b.ins(InstData::Iconst { dst: k, imm: 5 });
        let x2 = b.bin(BinaryOp::Imul, ty, x1, k);
        b.ret(&[x2]);
        let r = Runnable::new(&b.f);
        assert_eq!(r.run(&[4]), vec![35]);
        // The compared value is the def's own operand: c = icmp eq c0, 0
        // style with the dst reusing an operand name.
        let (mut b, p) = B::new(&[Type::I32, Type::I32], &[Type::I32]);
        let x = p[0];
        b.ins(InstData::Icmp {
            cc: IntCC::UnsignedLessThan,
            dst: x,
            lhs: x,
            rhs: p[1],
        });
        branch_to_returns(&mut b, x, 1, 0);
        let r = Runnable::new(&b.f);
        assert_eq!(r.run(&[1, 2]), vec![1]);
        assert_eq!(r.run(&[3, 2]), vec![0]);
        // Vm address whose pointer is reassigned before the load.
        let mut vm = Vm::new(64);
        vm.heap[8] = 0x11;
        vm.heap[24] = 0x22;
        let base = vm.heap.as_ptr() as u64;
        let (mut b, p) = B::new(&[Type::I64], &[Type::I32]);
        let k = b.iconst(Type::I64, 8);
        let a = b.bin(BinaryOp::Iadd, Type::I64, p[0], k);
        let k16 = b.iconst(Type::I64, 16);
        let p2 = b.bin(BinaryOp::Iadd, Type::I64, p[0], k16);
        b.copy(p[0], p2);
        let v = b.load(LoadOp::I32Load8U, AddrSpace::Vm, a, 0);
        let w = b.load(LoadOp::I32Load8U, AddrSpace::Vm, p[0], 8);
        let s = b.bin(BinaryOp::Iadd, Type::I32, v, w);
        b.ret(&[s]);
        let r = Runnable::new(&b.f);
        assert_eq!(r.run_vm(&mut vm, &[base]), vec![0x33]);
    }
}

/// A counted loop in the optimizing tier's shape (copies from parallel
/// moves, compare-and-branch at the head, constants hoisted out of the loop
/// with several uses).
#[test]
fn loop_with_copies() {
    let (mut b, p) = B::new(&[Type::I32], &[Type::I32]);
    let n = p[0];
    let one = b.iconst(Type::I32, 1);
    let three = b.iconst(Type::I32, 3);
    let i = b.val(Type::I32);
    let acc = b.val(Type::I32);
    let z = b.iconst(Type::I32, 0);
    b.copy(i, z);
    b.copy(acc, one);
    let head = b.block();
    let body = b.block();
    let exit = b.block();
    b.f.blocks[head.index()].loop_depth = 1;
    b.f.blocks[body.index()].loop_depth = 1;
    b.jump(head);
    b.switch_to(head);
    let c = b.icmp(IntCC::SignedLessThan, i, n);
    b.brif(c, body, exit);
    b.switch_to(body);
    let t = b.bin(BinaryOp::Imul, Type::I32, acc, three);
    let t2 = b.bin(BinaryOp::Iadd, Type::I32, t, i);
    let m = b.iconst(Type::I32, 1000);
    let t3 = b.bin(BinaryOp::RemU, Type::I32, t2, m);
    let i2 = b.bin(BinaryOp::Iadd, Type::I32, i, one);
    b.copy(acc, t3);
    b.copy(i, i2);
    b.jump(head);
    b.switch_to(exit);
    b.ret(&[acc]);
    for mode in [
        strata_regalloc::Mode::Fast,
        strata_regalloc::Mode::Optimizing,
    ] {
        MODE.with(|m| m.set(mode));
        let r = Runnable::new(&b.f);
        for n in [0u32, 1, 5, 100] {
            let mut acc = 1u32;
            for i in 0..n {
                acc = (acc * 3 + i) % 1000;
            }
            assert_eq!(r.run(&[n as u64]), vec![acc as u64], "n {n} {mode:?}");
        }
    }
    MODE.with(|m| m.set(strata_regalloc::Mode::Fast));
}

/// The patterns again with the optimizing allocator.
#[test]
fn optimizing_mode() {
    MODE.with(|m| m.set(strata_regalloc::Mode::Optimizing));
    binary_with_constant_operand();
    compare_and_branch();
    test_patterns();
    float_compare_and_branch_and_select();
    select_on_compare();
    lea_patterns();
    vm_addressing_modes();
    store_constants();
    redefinition_blocks_fusion();
}

/// A heap index whose range bounds it (a mask, a remainder, a shift right,
/// a byte load, their `or`, a `select` of them) folds `index << 2 + c`
/// into the addressing mode `[r15 + index*4 + disp]`; an index that could
/// wrap does not. Each folded access reads what Wasm's 32-bit arithmetic
/// names.
#[test]
fn bounded_heap_index_folds_into_the_addressing_mode() {
    type Shape = fn(&mut B, strata_ir::Value) -> strata_ir::Value;
    type Case = (&'static str, Shape, fn(u32) -> u32);
    let k = |b: &mut B, c: i64| b.iconst(Type::I32, c);
    let folds: [Case; 6] = [
        (
            "and",
            |b, x| {
                let m = b.iconst(Type::I32, 0xff);
                b.bin(BinaryOp::And, Type::I32, x, m)
            },
            |x| x & 0xff,
        ),
        (
            "rem_u",
            |b, x| {
                let m = b.iconst(Type::I32, 100);
                b.bin(BinaryOp::RemU, Type::I32, x, m)
            },
            |x| x % 100,
        ),
        (
            "shr_u",
            |b, x| {
                let m = b.iconst(Type::I32, 24);
                b.bin(BinaryOp::ShrU, Type::I32, x, m)
            },
            |x| x >> 24,
        ),
        (
            "load8_u",
            |b, x| {
                let m = b.iconst(Type::I32, 0x3f);
                let a = b.bin(BinaryOp::And, Type::I32, x, m);
                b.load(LoadOp::I32Load8U, AddrSpace::Heap, a, 0)
            },
            |x| (x & 0x3f) + 0x40,
        ),
        (
            "or",
            |b, x| {
                let m = b.iconst(Type::I32, 0xf);
                let lo = b.bin(BinaryOp::And, Type::I32, x, m);
                let s = b.iconst(Type::I32, 28);
                let hi = b.bin(BinaryOp::ShrU, Type::I32, x, s);
                b.bin(BinaryOp::Or, Type::I32, lo, hi)
            },
            |x| (x & 0xf) | (x >> 28),
        ),
        (
            "select",
            |b, x| {
                let m = b.iconst(Type::I32, 0xff);
                let lo = b.bin(BinaryOp::And, Type::I32, x, m);
                let seven = b.iconst(Type::I32, 7);
                let c = b.icmp(IntCC::UnsignedLessThan, x, seven);
                b.select(Type::I32, c, seven, lo)
            },
            |x| if x < 7 { 7 } else { x & 0xff },
        ),
    ];
    let mut vm = Vm::new(2048);
    // Byte k of the heap is k + 0x40 for the byte-load shape's first 64
    // bytes; words from 0x100 on hold their own address.
    for (i, byte) in vm.heap.iter_mut().enumerate().take(0x40) {
        *byte = i as u8 + 0x40;
    }
    for a in (0x100..2048).step_by(4) {
        vm.heap[a..a + 4].copy_from_slice(&(a as u32).to_le_bytes());
    }
    for (name, shape, reference) in folds {
        // f(x) = load(shape(x) << 2 + 0xf0, offset 0x10)
        let (mut b, p) = B::new(&[Type::I32], &[Type::I32]);
        let idx = shape(&mut b, p[0]);
        let two = k(&mut b, 2);
        let scaled = b.bin(BinaryOp::Shl, Type::I32, idx, two);
        let base = k(&mut b, 0xf0);
        let addr = b.bin(BinaryOp::Iadd, Type::I32, scaled, base);
        let v = b.load(LoadOp::I32, AddrSpace::Heap, addr, 0x10);
        b.ret(&[v]);
        let run = Runnable::new(&b.f);
        let d = strata_isa_x64::listing(&run.compiled);
        assert!(d.contains("*4+0x100]"), "{name}:\n{d}");
        assert!(!d.contains("shl "), "{name}:\n{d}");
        for x in I32S {
            let want = reference(x) * 4 + 0x100;
            assert_eq!(
                run.run_vm(&mut vm, &[u64::from(x)]),
                vec![u64::from(want)],
                "{name} x={x:#x}"
            );
        }
    }
    // Unknown or too wide: x + c and (x & 0x7fff_ffff) << 2 could wrap.
    let (mut b, p) = B::new(&[Type::I32], &[Type::I32]);
    let c = k(&mut b, 4);
    let addr = b.bin(BinaryOp::Iadd, Type::I32, p[0], c);
    let v = b.load(LoadOp::I32, AddrSpace::Heap, addr, 0);
    b.ret(&[v]);
    let d = strata_isa_x64::listing(&Runnable::new(&b.f).compiled);
    assert!(d.contains("lea e"), "{d}");
    let (mut b, p) = B::new(&[Type::I32], &[Type::I32]);
    let m = k(&mut b, 0x7fff_ffff);
    let idx = b.bin(BinaryOp::And, Type::I32, p[0], m);
    let two = k(&mut b, 2);
    let addr = b.bin(BinaryOp::Shl, Type::I32, idx, two);
    let v = b.load(LoadOp::I32, AddrSpace::Heap, addr, 0);
    b.ret(&[v]);
    let d = strata_isa_x64::listing(&Runnable::new(&b.f).compiled);
    assert!(d.contains("shl "), "{d}");
}

/// `x & (y ^ -1)` in any operand order is one `andn` (BMI1), with the
/// complement not computed; a complement with another use, or an `xor`
/// with another constant, is not fused.
#[test]
fn and_with_complement_is_andn() {
    for w64 in [false, true] {
        let ty = ty_of(w64);
        let ones = mask(u64::MAX, w64) as i64;
        for (xor_on_left, ones_on_left) in
            [(false, false), (false, true), (true, false), (true, true)]
        {
            let r = binary_fn(ty, ty, |b, x, y| {
                let m = b.iconst(ty, ones);
                let n = if ones_on_left {
                    b.bin(BinaryOp::Xor, ty, m, y)
                } else {
                    b.bin(BinaryOp::Xor, ty, y, m)
                };
                if xor_on_left {
                    b.bin(BinaryOp::And, ty, n, x)
                } else {
                    b.bin(BinaryOp::And, ty, x, n)
                }
            });
            let d = strata_isa_x64::listing(&r.compiled);
            assert!(d.contains("andn "), "{d}");
            assert!(!d.contains("xor "), "{d}");
            for &x in &vals(w64) {
                for &y in &vals(w64) {
                    let want = mask(x & !y, w64);
                    assert_eq!(r.run(&[x, y]), vec![want], "{ty} {x:#x} & !{y:#x}");
                }
            }
        }
        // The complement used again: computed once, no `andn`.
        let (mut b, p) = B::new(&[ty, ty], &[ty, ty]);
        let m = b.iconst(ty, ones);
        let n = b.bin(BinaryOp::Xor, ty, p[1], m);
        let a = b.bin(BinaryOp::And, ty, p[0], n);
        b.ret(&[a, n]);
        let r = Runnable::new(&b.f);
        assert!(!strata_isa_x64::listing(&r.compiled).contains("andn "));
        assert_eq!(r.run(&[0xf0f0, 0xff00]), vec![0xf0, mask(!0xff00, w64)]);
        // Not all ones: an `xor` and an `and`.
        let r = binary_fn(ty, ty, |b, x, y| {
            let m = b.iconst(ty, 0x7fff_ffff);
            let n = b.bin(BinaryOp::Xor, ty, y, m);
            b.bin(BinaryOp::And, ty, x, n)
        });
        assert!(!strata_isa_x64::listing(&r.compiled).contains("andn "));
        for &x in &vals(w64) {
            for &y in &vals(w64) {
                assert_eq!(r.run(&[x, y]), vec![mask(x & (y ^ 0x7fff_ffff), w64)]);
            }
        }
    }
}

/// A rotate by a constant whose input lives on is BMI2's three-address
/// `rorx` (rotate left by k = right by width - k; no copy of the input) when
/// the options allow BMI2, else a copy and `rol`/`ror`; one whose input
/// dies there stays `rol`/`ror` in place. Results agree (run where the host
/// has BMI2).
#[test]
fn rotate_of_a_live_value_is_rorx_with_bmi2() {
    for w64 in [false, true] {
        let ty = ty_of(w64);
        let bits = if w64 { 64 } else { 32 };
        for op in [BinaryOp::Rotl, BinaryOp::Rotr] {
            for k in [1, 7, bits - 1] {
                // (x rot k) ^ x: x lives on after the rotate.
                let (mut b, p) = B::new(&[ty], &[ty]);
                let c = b.iconst(ty, k);
                let r = b.bin(op, ty, p[0], c);
                let x = b.bin(BinaryOp::Xor, ty, r, p[0]);
                b.ret(&[x]);
                for bmi2 in [false, true] {
                    let mut c = strata_isa_x64::Compiler::new(strata_isa_x64::CompileOptions {
                        bmi2,
                        ..opts()
                    });
                    let cf = c.compile(&b.f).unwrap();
                    let d = strata_isa_x64::listing(&cf);
                    assert_eq!(
                        d.contains("rorx "),
                        bmi2,
                        "{op:?} {k} {ty} bmi2={bmi2}\n{d}"
                    );
                    if bmi2 {
                        // (The listing prints counts below 10 in decimal.)
                        let right = if op == BinaryOp::Rotl { bits - k } else { k };
                        let count = if right < 10 {
                            right.to_string()
                        } else {
                            format!("0x{right:X}")
                        };
                        assert!(d.contains(&format!(",{count}\n")), "{d}");
                    }
                }
                if !strata_isa_x64::host_has_bmi2() {
                    continue;
                }
                let run = Runnable::new(&b.f);
                for &v in &vals(w64) {
                    let rot = |v: u64| -> u64 {
                        let k = k as u32;
                        match (op, w64) {
                            (BinaryOp::Rotl, true) => v.rotate_left(k),
                            (BinaryOp::Rotr, true) => v.rotate_right(k),
                            (BinaryOp::Rotl, false) => (v as u32).rotate_left(k) as u64,
                            _ => (v as u32).rotate_right(k) as u64,
                        }
                    };
                    assert_eq!(run.run(&[v]), vec![rot(v) ^ v], "{op:?} {k} {ty} {v:#x}");
                }
            }
        }
        // The input dies at the rotate: in place.
        let r = unary_fn(ty, ty, |b, x| {
            let one = b.iconst(ty, 1);
            let t = b.bin(BinaryOp::Xor, ty, x, one);
            let c = b.iconst(ty, 5);
            b.bin(BinaryOp::Rotl, ty, t, c)
        });
        let d = strata_isa_x64::listing(&r.compiled);
        assert!(d.contains("rol ") && !d.contains("rorx"), "{d}");
    }
}

/// A shift by a variable count is BMI2's `shlx`/`sarx`/`shrx` when the
/// options allow BMI2 (the count in any register, no copy of the input),
/// else `shl`/`sar`/`shr` by cl; rotates by a variable count stay `rol`/`ror`
/// by cl. Counts are taken modulo the width either way (run where the host
/// has BMI2).
#[test]
fn variable_shift_is_shlx_with_bmi2() {
    for w64 in [false, true] {
        let ty = ty_of(w64);
        for (op, mnemonic) in [
            (BinaryOp::Shl, "shlx "),
            (BinaryOp::ShrS, "sarx "),
            (BinaryOp::ShrU, "shrx "),
            (BinaryOp::Rotl, "rol "),
        ] {
            let (mut b, p) = B::new(&[ty, ty], &[ty]);
            let s = b.bin(op, ty, p[0], p[1]);
            // The input lives on: `shl` would need a copy first.
            let x = b.bin(BinaryOp::Xor, ty, s, p[0]);
            b.ret(&[x]);
            for bmi2 in [false, true] {
                let mut c = strata_isa_x64::Compiler::new(strata_isa_x64::CompileOptions {
                    bmi2,
                    ..opts()
                });
                let d = strata_isa_x64::listing(&c.compile(&b.f).unwrap());
                let x_form = bmi2 && op != BinaryOp::Rotl;
                assert_eq!(
                    d.contains(mnemonic),
                    x_form || op == BinaryOp::Rotl,
                    "{op:?} {ty}\n{d}"
                );
                assert_eq!(d.contains(",cl"), !x_form, "{op:?} {ty} bmi2={bmi2}\n{d}");
            }
            if !strata_isa_x64::host_has_bmi2() {
                continue;
            }
            let run = Runnable::new(&b.f);
            for &v in &vals(w64) {
                for n in [0u64, 1, 5, 31, 32, 33, 63, 64, 65, 0xffff_ffff] {
                    let want = int_binop(op, v, mask(n, w64), w64).unwrap() ^ v;
                    assert_eq!(
                        run.run(&[v, mask(n, w64)]),
                        vec![want],
                        "{op:?} {ty} {v:#x} {n}"
                    );
                }
            }
        }
    }
}

/// Asserts that the function has one out-of-bounds trap site, with the
/// bytecode offset `loc` (a folded load's).
fn assert_one_heap_trap_site_at(r: &Runnable, loc: u32, d: &str) {
    let oob: Vec<u32> = r
        .compiled
        .trap_sites
        .iter()
        .filter(|t| t.1 == strata_ir::TrapCode::MemoryOutOfBounds)
        .map(|t| t.0)
        .collect();
    assert_eq!(oob.len(), 1, "{d}");
    assert!(r.compiled.addr_map.contains(&(oob[0], loc)), "{d}");
}

/// Ends the function in `b` with `if cond { return yes } else { return no }`
/// (the `then` block laid out first).
fn branch_to_returns(b: &mut B, cond: strata_ir::Value, yes: i64, no: i64) {
    let (t, e) = (b.block(), b.block());
    b.brif(cond, t, e);
    b.switch_to(t);
    let y = b.iconst(Type::I32, yes);
    b.ret(&[y]);
    b.switch_to(e);
    let n = b.iconst(Type::I32, no);
    b.ret(&[n]);
}

/// The instruction lines of a listing.
fn code_lines(d: &str) -> Vec<String> {
    d.lines()
        .filter_map(|l| l.trim().split_once(": ").map(|x| x.1.to_string()))
        .collect()
}

/// A store of `load op x` (or `x op load`, but for `sub`) to the place the
/// load reads is one read-modify-write instruction, in linear memory
/// (`add [r15+..],r` / `add dword ptr [r15+..],imm`), in vm memory through
/// an address and in the VMContext (`[r14+..]`), at both widths, with
/// register, 8-bit and 32-bit operands, and the right memory afterwards. It
/// is a trap site where the load was, with the load's bytecode offset.
#[test]
fn load_op_store_of_one_place_is_read_modify_write() {
    let ops = [
        (BinaryOp::Iadd, "add"),
        (BinaryOp::Isub, "sub"),
        (BinaryOp::And, "and"),
        (BinaryOp::Or, "or"),
        (BinaryOp::Xor, "xor"),
    ];
    for w64 in [false, true] {
        let ty = ty_of(w64);
        let (lop, sop, width) = if w64 {
            (LoadOp::I64, StoreOp::I64, 8)
        } else {
            (LoadOp::I32, StoreOp::I32, 4)
        };
        let old = mask(0x0123_4567_89ab_cdef, w64);
        for (op, name) in ops {
            for load_left in [true, false] {
                // `None`: the operand is a parameter; else a constant.
                for konst in [None, Some(-3i64), Some(0x1234_5678)] {
                    let (mut b, p) = B::new(&[Type::I32, ty], &[]);
                    let l = b.load(lop, AddrSpace::Heap, p[0], 16);
                    let load_loc = b.loc;
                    let x = match konst {
                        Some(c) => b.iconst(ty, c),
                        None => p[1],
                    };
                    let v = if load_left {
                        b.bin(op, ty, l, x)
                    } else {
                        b.bin(op, ty, x, l)
                    };
                    b.store(sop, AddrSpace::Heap, p[0], v, 16);
                    b.ret(&[]);
                    for mode in [
                        strata_regalloc::Mode::Fast,
                        strata_regalloc::Mode::Optimizing,
                    ] {
                        MODE.with(|c| c.set(mode));
                        let r = Runnable::new(&b.f);
                        let d = strata_isa_x64::listing(&r.compiled);
                        let code = code_lines(&d);
                        let rmw = load_left || op != BinaryOp::Isub;
                        let fused = code
                            .iter()
                            .filter(|t| t.starts_with(&format!("{name} ")) && t.contains("[r15+"))
                            .count();
                        let writes = code
                            .iter()
                            .filter(|t| t.starts_with("mov ") && t.contains("[r15+"))
                            .count();
                        if rmw {
                            assert_eq!((fused, writes), (1, 0), "{name} {ty} {mode:?}\n{d}");
                            assert_one_heap_trap_site_at(&r, load_loc, &d);
                        } else {
                            assert_eq!(writes, 1, "{name} {ty} {mode:?}\n{d}");
                        }
                        let xv = match konst {
                            Some(c) => mask(c as u64, w64),
                            None => mask(0xfedc_ba98_7654_3210, w64),
                        };
                        let (a, bv) = if load_left { (old, xv) } else { (xv, old) };
                        let want = int_binop(op, a, bv, w64).unwrap();
                        let mut vm = Vm::new(64);
                        vm.heap[24..24 + width].copy_from_slice(&old.to_le_bytes()[..width]);
                        r.run_vm(&mut vm, &[8, 0xfedc_ba98_7654_3210]);
                        assert_eq!(
                            &vm.heap[24..24 + width],
                            &want.to_le_bytes()[..width],
                            "{name} {ty} {mode:?} {konst:?}\n{d}"
                        );
                        assert!(vm.heap[24 + width..].iter().all(|&x| x == 0));
                    }
                }
            }
        }
        // Vm memory through an address, and the VMContext (slot 5).
        for vmctx in [false, true] {
            let (mut b, p) = B::new(&[Type::I64, ty], &[]);
            let (addr, off) = if vmctx {
                let ctx = b.val(Type::I64);
                b.ins(InstData::Vmctx { dst: ctx });
                (ctx, 40)
            } else {
                (p[0], 8)
            };
            let l = b.load(lop, AddrSpace::Vm, addr, off);
            let v = b.bin(BinaryOp::Iadd, ty, l, p[1]);
            let addr2 = if vmctx {
                let ctx = b.val(Type::I64);
                b.ins(InstData::Vmctx { dst: ctx });
                ctx
            } else {
                addr
            };
            b.store(sop, AddrSpace::Vm, addr2, v, off);
            b.ret(&[]);
            let r = Runnable::new(&b.f);
            let d = strata_isa_x64::listing(&r.compiled);
            let code = code_lines(&d);
            let place = if vmctx { "[r14+0x28]" } else { "+8]" };
            assert!(
                code.iter()
                    .any(|t| t.starts_with("add ") && t.contains(place)),
                "{d}"
            );
            assert!(
                !code
                    .iter()
                    .any(|t| t.starts_with("mov ") && t.contains(place)),
                "{d}"
            );
            let mut vm = Vm::new(64);
            vm.slots[5] = 40;
            vm.heap[8..16].copy_from_slice(&40u64.to_le_bytes());
            let ptr = vm.heap.as_ptr() as u64;
            r.run_vm(&mut vm, &[ptr, 2]);
            if vmctx {
                assert_eq!(vm.slots[5], 42);
            } else {
                assert_eq!(vm.heap[8], 42);
            }
        }
    }
    MODE.with(|c| c.set(strata_regalloc::Mode::Fast));
}

/// No read-modify-write where it would change what runs: a store between
/// the load and the store, a trap that could come first, the sum used
/// again, another offset or a narrower store.
#[test]
fn read_modify_write_only_where_equivalent() {
    type Shape = fn(&mut B, &[strata_ir::Value]);
    let shapes: [(&str, Shape); 5] = [
        ("store between", |b, p| {
            let l = b.load(LoadOp::I32, AddrSpace::Heap, p[0], 0);
            b.store(StoreOp::I32, AddrSpace::Heap, p[1], p[1], 0);
            let v = b.bin(BinaryOp::Iadd, Type::I32, l, p[1]);
            b.store(StoreOp::I32, AddrSpace::Heap, p[0], v, 0);
        }),
        ("division between", |b, p| {
            let l = b.load(LoadOp::I32, AddrSpace::Heap, p[0], 0);
            let q = b.bin(BinaryOp::DivU, Type::I32, p[1], p[1]);
            let v = b.bin(BinaryOp::Iadd, Type::I32, l, q);
            b.store(StoreOp::I32, AddrSpace::Heap, p[0], v, 0);
        }),
        ("sum used again", |b, p| {
            let l = b.load(LoadOp::I32, AddrSpace::Heap, p[0], 0);
            let v = b.bin(BinaryOp::Iadd, Type::I32, l, p[1]);
            b.store(StoreOp::I32, AddrSpace::Heap, p[0], v, 0);
            b.store(StoreOp::I32, AddrSpace::Heap, p[1], v, 0);
        }),
        ("another offset", |b, p| {
            let l = b.load(LoadOp::I32, AddrSpace::Heap, p[0], 0);
            let v = b.bin(BinaryOp::Iadd, Type::I32, l, p[1]);
            b.store(StoreOp::I32, AddrSpace::Heap, p[0], v, 4);
        }),
        ("narrow store", |b, p| {
            let l = b.load(LoadOp::I32, AddrSpace::Heap, p[0], 0);
            let v = b.bin(BinaryOp::Iadd, Type::I32, l, p[1]);
            b.store(StoreOp::I32Store8, AddrSpace::Heap, p[0], v, 0);
        }),
    ];
    for (what, shape) in shapes {
        let (mut b, p) = B::new(&[Type::I32, Type::I32], &[]);
        shape(&mut b, &p);
        b.ret(&[]);
        let d = strata_isa_x64::listing(&Runnable::new(&b.f).compiled);
        assert!(
            !code_lines(&d)
                .iter()
                .any(|t| t.starts_with("add [") || t.starts_with("add dword ptr [")),
            "{what}\n{d}"
        );
    }
}

/// The `test r,r` lines of a listing right after an `add`, `sub`, `and`,
/// `or` or `xor` into `r`, which set the zero flag already.
fn redundant_tests(d: &str) -> Vec<String> {
    let code = code_lines(d);
    code.windows(2)
        .filter(|w| {
            let Some((r, r2)) = w[1].strip_prefix("test ").and_then(|t| t.split_once(',')) else {
                return false;
            };
            r == r2
                && ["add ", "sub ", "and ", "or ", "xor "]
                    .iter()
                    .any(|op| w[0].starts_with(&format!("{op}{r},")))
        })
        .map(|w| w.join("; "))
        .collect()
}

/// A branch on (or `eqz` of) a register that the instruction right before
/// computed with `add`, `sub`, `and`, `or` or `xor` reuses its flags: no
/// `test` (`sub r,1; jne`). Where the value comes from two paths (a block
/// start between) or another instruction comes between, the `test` stays.
/// Results are checked on both sides of zero.
#[test]
fn zero_test_reuses_the_flags_of_the_operation_before() {
    let ops = [
        BinaryOp::Iadd,
        BinaryOp::Isub,
        BinaryOp::And,
        BinaryOp::Or,
        BinaryOp::Xor,
    ];
    for w64 in [false, true] {
        let ty = ty_of(w64);
        for op in ops {
            for konst in [false, true] {
                // fn(a, b) -> i32 { x = a op b (or 1); if x != 0 { 7 } else { 9 } }
                let (mut b, p) = B::new(&[ty, ty], &[Type::I32]);
                let y = if konst { b.iconst(ty, 1) } else { p[1] };
                let x = b.bin(op, ty, p[0], y);
                let cond = if w64 {
                    let z = b.iconst(ty, 0);
                    b.icmp(IntCC::NotEqual, x, z)
                } else {
                    x
                };
                branch_to_returns(&mut b, cond, 7, 9);
                let r = Runnable::new(&b.f);
                let d = strata_isa_x64::listing(&r.compiled);
                assert!(redundant_tests(&d).is_empty(), "{op:?} {ty}\n{d}");
                // No test of a register for zero (`test r,r`; `test a,b` is
                // an `and` itself), unless a sum became a three-address
                // `lea`, which sets no flags.
                let code = code_lines(&d);
                let self_test = code.iter().any(|t| {
                    t.strip_prefix("test ")
                        .and_then(|t| t.split_once(','))
                        .is_some_and(|(a, b)| a == b)
                });
                assert!(
                    !self_test || code.iter().any(|t| t.starts_with("lea ")),
                    "{op:?} {ty}\n{d}"
                );
                for &a in &vals(w64) {
                    for &bv in &[0, 1, a, mask(a.wrapping_neg(), w64), mask(!a, w64)] {
                        let bv = if konst { 1 } else { bv };
                        let x = int_binop(op, a, bv, w64).unwrap();
                        let want = if x != 0 { 7 } else { 9 };
                        assert_eq!(r.run(&[a, bv]), vec![want], "{op:?} {ty} {a:#x} {bv:#x}");
                    }
                }
            }
        }
        // `eqz` of a difference.
        let r = binary_fn(ty, Type::I32, |b, x, y| {
            let s = b.bin(BinaryOp::Isub, ty, x, y);
            b.un(UnaryOp::Eqz, Type::I32, s)
        });
        let d = strata_isa_x64::listing(&r.compiled);
        assert!(
            !code_lines(&d).iter().any(|t| t.starts_with("test ")),
            "{d}"
        );
        assert!(code_lines(&d).iter().any(|t| t.starts_with("sub ")), "{d}");
        assert_eq!(r.run(&[5, 5]), vec![1]);
        assert_eq!(r.run(&[5, 6]), vec![0]);
    }
    // `x` set on two paths: block 1 (`xor`) falls into block 2, which block
    // 0 (after its own `test` of the flag) also branches to.
    let (mut b, p) = B::new(&[Type::I32, Type::I32], &[Type::I32]);
    let x = b.val(Type::I32);
    b.ins(InstData::Binary {
        op: BinaryOp::Iadd,
        dst: x,
        lhs: p[0],
        rhs: p[0],
    });
    let (b1, b2, b3, b4) = (b.block(), b.block(), b.block(), b.block());
    b.brif(p[1], b1, b2);
    b.switch_to(b1);
    let one = b.iconst(Type::I32, 1);
    b.ins(InstData::Binary {
        op: BinaryOp::Xor,
        dst: x,
        lhs: p[0],
        rhs: one,
    });
    b.jump(b2);
    b.switch_to(b2);
    b.brif(x, b3, b4);
    b.switch_to(b3);
    let seven = b.iconst(Type::I32, 7);
    b.ret(&[seven]);
    b.switch_to(b4);
    let nine = b.iconst(Type::I32, 9);
    b.ret(&[nine]);
    for mode in [
        strata_regalloc::Mode::Fast,
        strata_regalloc::Mode::Optimizing,
    ] {
        MODE.with(|c| c.set(mode));
        let r = Runnable::new(&b.f);
        let d = strata_isa_x64::listing(&r.compiled);
        // (x = 2a on the direct path, a ^ 1 through block 1.)
        assert_eq!(r.run(&[1, 0]), vec![7], "{mode:?}\n{d}");
        assert_eq!(r.run(&[0, 0]), vec![9], "{mode:?}\n{d}");
        assert_eq!(r.run(&[1, 1]), vec![9], "{mode:?}\n{d}");
        assert_eq!(r.run(&[2, 1]), vec![7], "{mode:?}\n{d}");
        assert_eq!(r.run(&[0, 5]), vec![7], "{mode:?}\n{d}");
    }
    MODE.with(|c| c.set(strata_regalloc::Mode::Fast));
    // The flags of another register: `test` stays. (Combined with `xor`:
    // added, the `eqz` would be `cmp x, 1; adc`.)
    let r = binary_fn(Type::I32, Type::I32, |b, x, y| {
        let s = b.bin(BinaryOp::Isub, Type::I32, x, y);
        let e = b.un(UnaryOp::Eqz, Type::I32, x);
        b.bin(BinaryOp::Xor, Type::I32, s, e)
    });
    let d = strata_isa_x64::listing(&r.compiled);
    assert!(code_lines(&d).iter().any(|t| t.starts_with("test ")), "{d}");
    assert_eq!(r.run(&[0, 3]), vec![(-3i32 ^ 1) as u32 as u64]);
    assert_eq!(r.run(&[4, 3]), vec![1]);
}

/// A heap load used only by a comparison is compared in memory: `cmp
/// [r15+..],r` / `cmp [..],imm` for either operand order at both widths
/// (the condition swapped when the load is the second operand), `cmp byte
/// ptr [..],imm8` for a byte load against a constant that fits (equality
/// and unsigned order only), and `cmp [..],0` for a branch on a load. It is
/// the load's trap site, with its bytecode offset. Results are checked
/// against the comparison's semantics.
#[test]
fn load_used_by_a_comparison_is_compared_in_memory() {
    let ccs = [
        IntCC::Equal,
        IntCC::NotEqual,
        IntCC::SignedLessThan,
        IntCC::SignedGreaterThanOrEqual,
        IntCC::UnsignedLessThan,
        IntCC::UnsignedGreaterThan,
    ];
    for w64 in [false, true] {
        let ty = ty_of(w64);
        let (lop, width) = if w64 {
            (LoadOp::I64, 8)
        } else {
            (LoadOp::I32, 4)
        };
        for cc in ccs {
            for load_left in [true, false] {
                for konst in [None, Some(-2i64), Some(100)] {
                    // fn(p, x) -> i32 { if load(p + 16) cc x { 7 } else { 9 } }
                    let (mut b, p) = B::new(&[Type::I32, ty], &[Type::I32]);
                    let l = b.load(lop, AddrSpace::Heap, p[0], 16);
                    let load_loc = b.loc;
                    let x = match konst {
                        Some(c) => b.iconst(ty, c),
                        None => p[1],
                    };
                    let c = if load_left {
                        b.icmp(cc, l, x)
                    } else {
                        b.icmp(cc, x, l)
                    };
                    branch_to_returns(&mut b, c, 7, 9);
                    let r = Runnable::new(&b.f);
                    let d = strata_isa_x64::listing(&r.compiled);
                    let code = code_lines(&d);
                    assert!(
                        code.iter()
                            .any(|t| t.starts_with("cmp ") && t.contains("[r15+")),
                        "{cc:?} {ty}\n{d}"
                    );
                    assert!(
                        !code
                            .iter()
                            .any(|t| t.starts_with("mov ") && t.contains("[r15+"))
                    );
                    assert_one_heap_trap_site_at(&r, load_loc, &d);
                    for &m in &vals(w64) {
                        for &xv in &[0, 1, m, mask(m.wrapping_add(1), w64), mask(!m, w64)] {
                            let xv = konst.map_or(xv, |c| mask(c as u64, w64));
                            let mut vm = Vm::new(64);
                            vm.heap[24..24 + width].copy_from_slice(&m.to_le_bytes()[..width]);
                            let (a, bv) = if load_left { (m, xv) } else { (xv, m) };
                            let want = if icmp_ref(cc, a, bv, w64) { 7 } else { 9 };
                            assert_eq!(
                                r.run_vm(&mut vm, &[8, xv]),
                                vec![want],
                                "{cc:?} {ty} {a:#x} {bv:#x}\n{d}"
                            );
                        }
                    }
                }
            }
        }
    }
    // Byte loads: against a constant that fits, for equality and unsigned
    // order, in memory; a signed order or a constant that does not fit
    // loads the byte (`movzx`) and compares the register. A branch on the
    // byte itself compares it with zero.
    let cases: [(Option<(IntCC, i64)>, bool); 6] = [
        (Some((IntCC::Equal, 200)), true),
        (Some((IntCC::UnsignedLessThan, 200)), true),
        (Some((IntCC::UnsignedGreaterThan, 255)), true),
        (Some((IntCC::SignedLessThan, 100)), false),
        (Some((IntCC::Equal, 256)), false),
        (None, true),
    ];
    for (cmp, in_memory) in cases {
        let (mut b, p) = B::new(&[Type::I32], &[Type::I32]);
        let l = b.load(LoadOp::I32Load8U, AddrSpace::Heap, p[0], 0);
        let c = match cmp {
            Some((cc, k)) => {
                let k = b.iconst(Type::I32, k);
                b.icmp(cc, l, k)
            }
            None => l,
        };
        branch_to_returns(&mut b, c, 7, 9);
        let r = Runnable::new(&b.f);
        let d = strata_isa_x64::listing(&r.compiled);
        let folded = code_lines(&d)
            .iter()
            .any(|t| t.starts_with("cmp byte ptr [r15+"));
        assert_eq!(folded, in_memory, "{cmp:?}\n{d}");
        for byte in [0u8, 1, 100, 199, 200, 201, 255] {
            let mut vm = Vm::new(64);
            vm.heap[5] = byte;
            let v = u64::from(byte);
            let holds = match cmp {
                Some((cc, k)) => icmp_ref(cc, v, k as u64, false),
                None => byte != 0,
            };
            let want = if holds { 7 } else { 9 };
            assert_eq!(r.run_vm(&mut vm, &[5]), vec![want], "{cmp:?} {byte}\n{d}");
        }
    }
    // A store between the load and the comparison: the load stays first.
    let (mut b, p) = B::new(&[Type::I32, Type::I32], &[Type::I32]);
    let l = b.load(LoadOp::I32, AddrSpace::Heap, p[0], 0);
    b.store(StoreOp::I32, AddrSpace::Heap, p[0], p[1], 0);
    let c = b.icmp(IntCC::Equal, l, p[1]);
    branch_to_returns(&mut b, c, 7, 9);
    let r = Runnable::new(&b.f);
    let d = strata_isa_x64::listing(&r.compiled);
    assert!(
        !code_lines(&d)
            .iter()
            .any(|t| t.starts_with("cmp ") && t.contains("[r15")),
        "{d}"
    );
    let mut vm = Vm::new(64);
    vm.heap[8] = 3;
    assert_eq!(r.run_vm(&mut vm, &[8, 3]), vec![7]);
    assert_eq!(
        r.run_vm(&mut vm, &[8, 4]),
        vec![9],
        "compared the stored value"
    );
}

/// Scalar float arithmetic whose first input lives on: with AVX the
/// three-operand form (`vaddsd d, a, b`, `vmulsd d, a, [r15+..]`, `vxorps
/// d, a, [mask]`) and no copy; without, the SSE two-operand form after a
/// copy of that input. Results agree with Rust's arithmetic either way
/// (the AVX code runs where the host has AVX).
#[test]
fn float_arithmetic_is_three_operand_with_avx() {
    let host_avx = strata_isa_x64::host_has_avx();
    let ops = [
        (BinaryOp::Fadd, "add"),
        (BinaryOp::Fsub, "sub"),
        (BinaryOp::Fmul, "mul"),
        (BinaryOp::Fdiv, "div"),
    ];
    let mut vm = Vm::new(64);
    for f64 in [false, true] {
        let ty = if f64 { Type::F64 } else { Type::F32 };
        let suffix = if f64 { "sd" } else { "ss" };
        let bits = |x: f64| {
            if f64 {
                x.to_bits()
            } else {
                (x as f32).to_bits() as u64
            }
        };
        let value = |b: u64| {
            if f64 {
                f64::from_bits(b)
            } else {
                f32::from_bits(b as u32) as f64
            }
        };
        // Rust's result, rounded to the type, as bits (any NaN stands for
        // every NaN: Wasm leaves their payload open).
        let arith = |op: BinaryOp, x: f64, y: f64| -> f64 {
            if f64 {
                match op {
                    BinaryOp::Fadd => x + y,
                    BinaryOp::Fsub => x - y,
                    BinaryOp::Fmul => x * y,
                    _ => x / y,
                }
            } else {
                let (x, y) = (x as f32, y as f32);
                (match op {
                    BinaryOp::Fadd => x + y,
                    BinaryOp::Fsub => x - y,
                    BinaryOp::Fmul => x * y,
                    _ => x / y,
                }) as f64
            }
        };
        let check = |got: u64, want: f64, what: &str| {
            let g = value(got);
            assert!(
                (g.is_nan() && want.is_nan()) || got == bits(want),
                "{what}: got {g} ({got:#x}), want {want}"
            );
        };
        for (op, name) in ops {
            let three = format!("v{name}{suffix} ");
            let two = format!(": {name}{suffix} ");
            // (x op y) * x, and (x op load(addr + 8)) * x: x lives on.
            let (mut b, p) = B::new(&[ty, ty], &[ty]);
            let r = b.bin(op, ty, p[0], p[1]);
            let s = b.bin(BinaryOp::Fmul, ty, r, p[0]);
            b.ret(&[s]);
            let regs = b.f;
            let (mut b, p) = B::new(&[ty, Type::I32], &[ty]);
            let load_op = if f64 { LoadOp::F64 } else { LoadOp::F32 };
            let v = b.load(load_op, AddrSpace::Heap, p[1], 8);
            let r = b.bin(op, ty, p[0], v);
            let s = b.bin(BinaryOp::Fmul, ty, r, p[0]);
            b.ret(&[s]);
            let mem = b.f;
            for avx in [false, true] {
                let options = strata_isa_x64::CompileOptions { avx, ..opts() };
                for (f, in_memory) in [(&regs, false), (&mem, true)] {
                    let mut c = strata_isa_x64::Compiler::new(options);
                    let d = strata_isa_x64::listing(&c.compile(f).unwrap());
                    let what = format!("{op:?} {ty} avx={avx} memory={in_memory}");
                    let op_line = d
                        .lines()
                        .find(|l| l.contains(&three) || l.contains(&two))
                        .unwrap_or_else(|| panic!("{what}: no {name}{suffix}\n{d}"));
                    assert_eq!(op_line.contains(&three), avx, "{what}\n{d}");
                    assert_eq!(op_line.contains("[r15+"), in_memory, "{what}\n{d}");
                    assert_eq!(d.contains("movaps "), !avx, "{what}\n{d}");
                    if avx && !host_avx {
                        continue;
                    }
                    let run = Runnable::with_options(f, options);
                    for x in special_f64s() {
                        for y in special_f64s() {
                            let want = arith(BinaryOp::Fmul, arith(op, x, y), x);
                            let got = if in_memory {
                                vm.heap[8..16].copy_from_slice(&bits(y).to_le_bytes());
                                run.run_vm(&mut vm, &[bits(x), 0])[0]
                            } else {
                                run.run(&[bits(x), bits(y)])[0]
                            };
                            check(got, want, &format!("{what} {x} {y}"));
                        }
                    }
                }
            }
        }
        // -x * x and |x| * x.
        for (op, name) in [(UnaryOp::Fneg, "xorps"), (UnaryOp::Fabs, "andps")] {
            let (mut b, p) = B::new(&[ty], &[ty]);
            let r = b.un(op, ty, p[0]);
            let s = b.bin(BinaryOp::Fmul, ty, r, p[0]);
            b.ret(&[s]);
            for avx in [false, true] {
                let options = strata_isa_x64::CompileOptions { avx, ..opts() };
                let mut c = strata_isa_x64::Compiler::new(options);
                let d = strata_isa_x64::listing(&c.compile(&b.f).unwrap());
                let what = format!("{op:?} {ty} avx={avx}");
                assert_eq!(d.contains(&format!("v{name} ")), avx, "{what}\n{d}");
                assert_eq!(d.contains(&format!(": {name} ")), !avx, "{what}\n{d}");
                assert_eq!(d.contains("movaps "), !avx, "{what}\n{d}");
                if avx && !host_avx {
                    continue;
                }
                let run = Runnable::with_options(&b.f, options);
                for x in special_f64s() {
                    let xr = value(bits(x));
                    let r = if op == UnaryOp::Fneg { -xr } else { xr.abs() };
                    check(run.run(&[bits(x)])[0], arith(BinaryOp::Fmul, r, xr), &what);
                }
            }
        }
    }
}

/// AVX's three-operand forms with high registers and memory operands:
/// sixteen values loaded from the heap are live at once, so the allocator
/// spreads them over xmm0-xmm14 (the high ones take VEX's extension bits)
/// and spills some (stack operands); partial results that live on are
/// combined with heap loads folded into the operation (`r15` plus an index
/// and a 32-bit displacement) and negated or made absolute (`vxorps`,
/// `vandps`). In both allocator modes, the result equals the SSE code's,
/// bit for bit (run where the host has AVX).
#[test]
fn avx_forms_with_high_registers_and_memory_operands() {
    for f64 in [false, true] {
        let ty = if f64 { Type::F64 } else { Type::F32 };
        let (load_op, width) = if f64 {
            (LoadOp::F64, 8)
        } else {
            (LoadOp::F32, 4)
        };
        let (mut b, p) = B::new(&[ty, Type::I32], &[ty]);
        let offsets: Vec<u32> = (0..16)
            .map(|k| k * width + if k % 2 == 0 { 0 } else { 200 })
            .collect();
        let xs: Vec<_> = offsets
            .iter()
            .map(|&o| b.load(load_op, AddrSpace::Heap, p[1], o))
            .collect();
        let ops = [
            BinaryOp::Fadd,
            BinaryOp::Fsub,
            BinaryOp::Fmul,
            BinaryOp::Fdiv,
        ];
        let mut ys = Vec::new();
        for k in 0..16 {
            let y = b.bin(ops[k % 4], ty, xs[k], xs[(k + 1) % 16]);
            ys.push(y);
        }
        // Folded loads: each partial result against a fresh heap load,
        // at offsets past 127 bytes too.
        let mut acc = p[0];
        for (k, &y) in ys.iter().enumerate() {
            let m = b.load(load_op, AddrSpace::Heap, p[1], 4096 + 8 * k as u32);
            let z = b.bin(ops[(k + 1) % 4], ty, y, m);
            let n = b.un(
                if k % 3 == 0 {
                    UnaryOp::Fneg
                } else {
                    UnaryOp::Fabs
                },
                ty,
                z,
            );
            let w = b.bin(BinaryOp::Fmul, ty, n, z);
            acc = b.bin(ops[k % 4], ty, acc, w);
        }
        b.ret(&[acc]);
        let f = b.f;
        let mut results = Vec::new();
        for (avx, regalloc_mode) in [
            (false, strata_regalloc::Mode::Fast),
            (true, strata_regalloc::Mode::Fast),
            (true, strata_regalloc::Mode::Optimizing),
        ] {
            let options = strata_isa_x64::CompileOptions {
                avx,
                regalloc_mode,
                ..opts()
            };
            let mut c = strata_isa_x64::Compiler::new(options);
            let d = strata_isa_x64::listing(&c.compile(&f).unwrap());
            if avx {
                let fast = regalloc_mode == strata_regalloc::Mode::Fast;
                let wants = ["xmm8", "xmm13", "[r15+rdi+0x10", "ps ", "[rbp-"];
                // (The splitting allocator reloads instead of reading a
                // spill slot.)
                for want in &wants[..if fast { 5 } else { 4 }] {
                    assert!(
                        d.lines().any(|l| l.contains(": v") && l.contains(want)),
                        "{ty} {regalloc_mode:?}: no AVX instruction with {want}\n{d}"
                    );
                }
                if !strata_isa_x64::host_has_avx() {
                    continue;
                }
            }
            let run = Runnable::with_options(&f, options);
            let mut vm = Vm::new(8192);
            for (k, chunk) in vm.heap.chunks_mut(width as usize).enumerate() {
                let x = 1.0 + (k % 97) as f64 / 8.0;
                if f64 {
                    chunk.copy_from_slice(&x.to_le_bytes());
                } else {
                    chunk.copy_from_slice(&(x as f32).to_le_bytes());
                }
            }
            let x = if f64 {
                0.75f64.to_bits()
            } else {
                0.75f32.to_bits() as u64
            };
            results.push(run.run_vm(&mut vm, &[x, 16])[0]);
        }
        for r in &results[1..] {
            assert_eq!(*r, results[0], "{ty}: SSE and AVX results differ");
        }
    }
}

/// `n` products of the first (integer) parameter, `x * (2k + 3)`, and `n`
/// of the second (float) one, `y * (1 + k / div)`: values to keep live.
fn products(
    b: &mut B,
    p: &[strata_ir::Value],
    n: usize,
    div: f64,
) -> (Vec<strata_ir::Value>, Vec<strata_ir::Value>) {
    let xs = (0..n)
        .map(|k| {
            let c = b.iconst(Type::I64, 2 * k as i64 + 3);
            b.bin(BinaryOp::Imul, Type::I64, p[0], c)
        })
        .collect();
    let fs = (0..n)
        .map(|k| {
            let c = b.fconst(Type::F64, (1.0 + k as f64 / div).to_bits());
            b.bin(BinaryOp::Fmul, Type::F64, p[1], c)
        })
        .collect();
    (xs, fs)
}

/// Runs `run`, a function of an `i64` and an `f64` returning one of each,
/// on a few arguments and checks its results (as bits) against `expect`.
fn run_products(run: &Runnable, expect: impl Fn(i64, f64) -> (u64, u64), what: &str) {
    for (x, y) in [
        (0i64, 0.0f64),
        (7, 1.5),
        (-123_456_789, -3.25),
        (i64::MAX, 1e300),
    ] {
        let (ei, ef) = expect(x, y);
        assert_eq!(
            run.run(&[x as u64, y.to_bits()]),
            vec![ei, ef],
            "{what} ({x}, {y})"
        );
    }
}

/// A copy whose source lives in a spill slot loads the slot straight into
/// its destination (`mov rbx,[rbp-0x40]`, `movups xmm3,[rbp-0x90]`), not
/// through a scratch register and a second move; with either allocator, the
/// results are those of the same arithmetic in Rust.
#[test]
fn copies_of_spilled_values_load_straight_from_the_slot() {
    const N: usize = 20;
    let (mut b, p) = B::new(&[Type::I64, Type::F64], &[Type::I64, Type::F64]);
    let (xs, fs) = products(&mut b, &p, N, 4.0);
    // Every value is live when the first is copied, more than there are
    // registers; each copy is used right away.
    let (mut acc, mut facc) = (p[0], p[1]);
    let c31 = b.iconst(Type::I64, 31);
    let half = b.fconst(Type::F64, 0.5f64.to_bits());
    for k in 0..N {
        let y = b.val(Type::I64);
        b.copy(y, xs[N - 1 - k]);
        let t = b.bin(BinaryOp::Imul, Type::I64, acc, c31);
        acc = b.bin(BinaryOp::Iadd, Type::I64, t, y);
        let g = b.val(Type::F64);
        b.copy(g, fs[N - 1 - k]);
        let u = b.bin(BinaryOp::Fmul, Type::F64, facc, half);
        facc = b.bin(BinaryOp::Fadd, Type::F64, u, g);
    }
    b.ret(&[acc, facc]);
    let f = b.f;
    let expect = |x: i64, y: f64| {
        let (mut acc, mut facc) = (x, y);
        for k in 0..N {
            let j = (N - 1 - k) as i64;
            acc = acc.wrapping_mul(31).wrapping_add(x.wrapping_mul(2 * j + 3));
            facc = facc * 0.5 + y * (1.0 + j as f64 / 4.0);
        }
        (acc as u64, facc.to_bits())
    };
    for regalloc_mode in [
        strata_regalloc::Mode::Fast,
        strata_regalloc::Mode::Optimizing,
    ] {
        let options = strata_isa_x64::CompileOptions {
            regalloc_mode,
            ..opts()
        };
        let mut c = strata_isa_x64::Compiler::new(options);
        let d = strata_isa_x64::listing(&c.compile(&f).unwrap());
        let lines: Vec<&str> = d.lines().collect();
        assert!(
            lines
                .iter()
                .any(|l| l.contains("mov r") && l.contains(",[rbp-")),
            "{regalloc_mode:?}: no load from a spill slot\n{d}"
        );
        for w in lines.windows(2) {
            // A slot stored from a register and read right after is read
            // from that register.
            if let Some((slot, _)) = w[0]
                .split_once(": mov [rbp-")
                .and_then(|(_, t)| t.split_once("],"))
            {
                assert!(
                    !w[1].ends_with(&format!(",[rbp-{slot}]")),
                    "{regalloc_mode:?}: a slot read back right after its store\n{d}"
                );
            }
            // (A load into a scratch register then stored, `mov r10,[rbp-x];
            // mov [rbp-y],r10`, is a copy between two spilled values.)
            let via_scratch = ["r10", "r11", "xmm14", "xmm15"].iter().any(|s| {
                w[0].contains(&format!(" {s},[rbp-"))
                    && w[1].ends_with(&format!(",{s}"))
                    && !w[1].contains('[')
            });
            assert!(
                !via_scratch,
                "{regalloc_mode:?}: a slot copied through a scratch register:\n{}\n{}\n{d}",
                w[0], w[1]
            );
        }
        let run = Runnable::with_options(&f, options);
        run_products(&run, expect, &format!("{regalloc_mode:?}"));
    }
}

/// The IR of SHA-256's compression function as the optimizing tier leaves
/// it (from the benchmark suite's `sha256.c`; its stack pointer global
/// moved to VMContext offset 48), lowered with the splitting allocator. Its eight state words
/// are spilled at the loop's entry while their copies take registers: a
/// copy out of a slot loads straight into its destination, and a register
/// stored into a slot is not loaded back from it right after (the store
/// splits the value; the copy read the slot, `mov [rbp-0x90],r8; mov
/// r10,[rbp-0x90]; mov r8,r10` before). Memory afterwards is the IR
/// interpreter's.
#[test]
fn sha256_block_reads_spilled_state_once() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ir/sha256_block.ir"),
    )
    .unwrap();
    let mut f = strata_ir::parser::parse_function(&text).unwrap();
    // (The text form has no loop depths: blocks 1, 3, 5 and 6 are loops.)
    for b in [1, 3, 5, 6] {
        f.blocks[b].loop_depth = 1;
    }
    strata_ir::ssa::destruct(&mut f);
    strata_ir::ssa::split_critical_edges(&mut f);
    let options = strata_isa_x64::CompileOptions {
        regalloc_mode: strata_regalloc::Mode::Optimizing,
        bounded_heap: true,
        ..opts()
    };
    let d = strata_isa_x64::listing(&strata_isa_x64::Compiler::new(options).compile(&f).unwrap());
    let code = instructions(&d);
    let mut spills = 0;
    for w in code.windows(2) {
        if let Some((slot, reg)) = w[0]
            .strip_prefix("mov [rbp-")
            .and_then(|t| t.split_once("],"))
        {
            spills += 1;
            assert_ne!(
                w[1],
                format!("mov {reg},[rbp-{slot}]"),
                "a register loaded back from the slot it was just stored into\n{d}"
            );
        }
        for s in ["r10", "r11"] {
            assert!(
                !(w[0].starts_with(&format!("mov {s},[rbp-"))
                    && w[1].starts_with("mov r")
                    && w[1].ends_with(&format!(",{s}"))),
                "a slot copied through {s}: `{}; {}`\n{d}",
                w[0],
                w[1]
            );
        }
    }
    assert!(spills >= 8, "{spills} spill stores\n{d}");
    // h at 64, the message at 128, the round constants at 1248 (where the
    // module's data put them), the frame below 4096.
    let mut heap = vec![0u8; 8192];
    let mut x = 7u32;
    for b in heap.iter_mut() {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        *b = (x >> 16) as u8;
    }
    let mut call = |_: strata_ir::CallKind, _: &[u64]| -> Result<Vec<u64>, strata_ir::TrapCode> {
        unreachable!("no calls")
    };
    // The stack pointer global at VMContext offset 48.
    let mut vm_bytes = vec![0u8; 64];
    vm_bytes[48..52].copy_from_slice(&4096u32.to_le_bytes());
    let mut env = strata_ir::interp::Env {
        heap: heap.clone(),
        vm: vm_bytes,
        call: &mut call,
    };
    let args = [64u64, 128];
    let want = strata_ir::interp::run(&f, &args, &mut env, 1_000_000);
    assert_eq!(want, strata_ir::interp::Outcome::Returned(vec![]));
    let run = Runnable::with_options(&f, options);
    let mut vm = Vm::new(8192);
    vm.heap.copy_from_slice(&heap);
    vm.slots[6] = 4096;
    run.run_vm(&mut vm, &args);
    assert!(vm.heap == env.heap, "memory differs from the interpreter's");
    assert_eq!(vm.slots[6], 4096);
}

/// A spilled non-SSA value (a baseline local) written by a copy and then
/// read by a shift, whose count must be in `rcx` (without BMI2): the copy
/// stores its source register into the slot (`mov [rbp-0x30],rax`, not
/// `mov r10,rax; mov [rbp-0x30],r10`), and the read that follows takes that
/// register (`mov rcx,rax`) rather than loading the slot just stored. The
/// result is the same arithmetic's in Rust.
#[test]
fn a_slot_read_right_after_its_store_comes_from_the_register() {
    const N: usize = 16;
    let (mut b, p) = B::new(&[Type::I64], &[Type::I64]);
    // `l` lives from the start to the end with few uses: the first to be
    // spilled among more values than registers, each used three times.
    let l = b.val(Type::I64);
    b.copy(l, p[0]);
    let xs: Vec<_> = (0..N)
        .map(|k| {
            let c = b.iconst(Type::I64, k as i64 + 2);
            b.bin(BinaryOp::Imul, Type::I64, p[0], c)
        })
        .collect();
    let mut acc = p[0];
    for round in 0..3 {
        for &x in &xs {
            let op = [BinaryOp::Iadd, BinaryOp::Xor, BinaryOp::Isub][round];
            acc = b.bin(op, Type::I64, acc, x);
        }
    }
    let one = b.iconst(Type::I64, 1);
    let t = b.bin(BinaryOp::Iadd, Type::I64, l, one);
    b.copy(l, t);
    let s = b.bin(BinaryOp::Shl, Type::I64, acc, l);
    let r = b.bin(BinaryOp::Iadd, Type::I64, s, l);
    b.ret(&[r]);
    let f = b.f;
    let options = strata_isa_x64::CompileOptions {
        bmi2: false,
        ..opts()
    };
    let run = Runnable::with_options(&f, options);
    let d = strata_isa_x64::listing(&run.compiled);
    let code = instructions(&d);
    let mut stored_then_used = 0;
    for k in 1..code.len() {
        let Some((slot, reg)) = code[k - 1]
            .strip_prefix("mov [rbp-")
            .and_then(|t| t.split_once("],"))
        else {
            continue;
        };
        assert!(
            !code[k].ends_with(&format!(",[rbp-{slot}]")),
            "a slot read back right after its store\n{d}"
        );
        stored_then_used += usize::from(code[k] == format!("mov rcx,{reg}"));
        let through_scratch = k >= 2
            && ["r10", "r11"].contains(&reg)
            && code[k - 2]
                .strip_prefix(&format!("mov {reg},"))
                .is_some_and(|src| !src.contains('['));
        assert!(!through_scratch, "a copy stored through {reg}\n{d}");
    }
    assert_eq!(stored_then_used, 1, "{d}");
    assert!(
        code.iter()
            .any(|t| t.starts_with("shl ") && t.ends_with(",cl")),
        "{d}"
    );
    let want = |x: u64| {
        let xs: Vec<u64> = (0..N as u64).map(|k| x.wrapping_mul(k + 2)).collect();
        let mut acc = x;
        for &v in &xs {
            acc = acc.wrapping_add(v);
        }
        for &v in &xs {
            acc ^= v;
        }
        for &v in &xs {
            acc = acc.wrapping_sub(v);
        }
        let l = x.wrapping_add(1);
        (acc << (l % 64)).wrapping_add(l)
    };
    for x in [0u64, 3, 1 << 33, u64::MAX] {
        assert_eq!(run.run(&[x]), vec![want(x)], "x={x}");
    }
}

/// Copies between values that both live in spill slots (baseline locals
/// set from other locals): one load into a scratch register and one store
/// (`mov r11,[rbp-0x40]; mov [rbp-0x70],r11`), for both classes. The
/// results are the same arithmetic's in Rust.
#[test]
fn copies_between_spilled_values_go_through_one_scratch_register() {
    const N: usize = 14;
    let (mut b, p) = B::new(&[Type::I64, Type::F64], &[Type::I64, Type::F64]);
    let (xs, fs) = products(&mut b, &p, N, 8.0);
    // Copies made while every original is live, and originals and copies
    // both live to the end.
    let mut ys = Vec::new();
    let mut gs = Vec::new();
    for k in 0..N {
        let y = b.val(Type::I64);
        b.copy(y, xs[(k + 5) % N]);
        ys.push(y);
        let g = b.val(Type::F64);
        b.copy(g, fs[(k + 3) % N]);
        gs.push(g);
    }
    let (mut acc, mut facc) = (p[0], p[1]);
    let c31 = b.iconst(Type::I64, 31);
    let half = b.fconst(Type::F64, 0.5f64.to_bits());
    for k in 0..N {
        for (v, f) in [(xs[k], fs[k]), (ys[k], gs[k])] {
            let t = b.bin(BinaryOp::Imul, Type::I64, acc, c31);
            acc = b.bin(BinaryOp::Iadd, Type::I64, t, v);
            let u = b.bin(BinaryOp::Fmul, Type::F64, facc, half);
            facc = b.bin(BinaryOp::Fadd, Type::F64, u, f);
        }
    }
    b.ret(&[acc, facc]);
    let f = b.f;
    let expect = |x: i64, y: f64| {
        let xs: Vec<i64> = (0..N as i64).map(|k| x.wrapping_mul(2 * k + 3)).collect();
        let fs: Vec<f64> = (0..N).map(|k| y * (1.0 + k as f64 / 8.0)).collect();
        let (mut acc, mut facc) = (x, y);
        for k in 0..N {
            for (v, f) in [(xs[k], fs[k]), (xs[(k + 5) % N], fs[(k + 3) % N])] {
                acc = acc.wrapping_mul(31).wrapping_add(v);
                facc = facc * 0.5 + f;
            }
        }
        (acc as u64, facc.to_bits())
    };
    let run = Runnable::new(&f);
    let d = strata_isa_x64::listing(&run.compiled);
    let code = instructions(&d);
    for (scratch, load, store) in [
        ("r11", "mov r11,[rbp-", "mov [rbp-"),
        ("xmm15", "movups xmm15,[rbp-", "movups [rbp-"),
    ] {
        let n = code
            .windows(2)
            .filter(|w| {
                w[0].starts_with(load)
                    && w[1].starts_with(store)
                    && w[1].ends_with(&format!("],{scratch}"))
            })
            .count();
        assert!(n >= 4, "{n} slot-to-slot copies through {scratch}\n{d}");
    }
    run_products(&run, expect, "");
}
