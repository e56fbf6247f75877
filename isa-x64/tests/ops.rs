//! Execution tests of every IR operation against Rust reference semantics.
mod common;
use common::*;
use strata_ir::{BinaryOp, FloatCC, IntCC, Type, UnaryOp};

const I32S: [u32; 14] = [
    0,
    1,
    2,
    5,
    0xffff_fffb,
    0xffff_ffff,
    0x7fff_ffff,
    0x8000_0000,
    31,
    32,
    33,
    0x1234_5678,
    0xdead_beef,
    0x8000_0001,
];
const I64S: [u64; 16] = [
    0,
    1,
    2,
    5,
    -5i64 as u64,
    u64::MAX,
    i64::MAX as u64,
    i64::MIN as u64,
    63,
    64,
    65,
    0x1234_5678_9abc_def0,
    1 << 31,
    1 << 32,
    0xffff_ffff,
    0x8000_0000_0000_0001,
];

fn f64s() -> Vec<f64> {
    vec![
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        -0.5,
        1.5,
        -1.5,
        2.5,
        -2.5,
        3.7,
        -3.7,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        -f64::NAN,
        1e300,
        -1e-300,
        f64::MIN_POSITIVE,
        2147483647.0,
        2147483648.0,
        -2147483648.0,
        -2147483648.9,
        -2147483649.0,
        4294967295.0,
        4294967296.0,
        9223372036854775807.0,
        -9223372036854775808.0,
        18446744073709549568.0,
        18446744073709551616.0,
        4503599627370497.0,
    ]
}

fn f32s() -> Vec<f32> {
    f64s().into_iter().map(|x| x as f32).collect()
}

const INT_BINOPS: [BinaryOp; 15] = [
    BinaryOp::Iadd,
    BinaryOp::Isub,
    BinaryOp::Imul,
    BinaryOp::DivS,
    BinaryOp::DivU,
    BinaryOp::RemS,
    BinaryOp::RemU,
    BinaryOp::And,
    BinaryOp::Or,
    BinaryOp::Xor,
    BinaryOp::Shl,
    BinaryOp::ShrS,
    BinaryOp::ShrU,
    BinaryOp::Rotl,
    BinaryOp::Rotr,
];

#[test]
fn int_binary_ops() {
    for w64 in [false, true] {
        let ty = if w64 { Type::I64 } else { Type::I32 };
        let vals: Vec<u64> = if w64 {
            I64S.to_vec()
        } else {
            I32S.iter().map(|&x| x as u64).collect()
        };
        for op in INT_BINOPS {
            let r = binary_fn(ty, ty, |b, x, y| b.bin(op, ty, x, y));
            for &a in &vals {
                for &c in &vals {
                    if let Some(exp) = int_binop(op, a, c, w64) {
                        assert_eq!(r.run(&[a, c]), vec![exp], "{op:?} {ty} {a:#x} {c:#x}");
                    }
                }
            }
            // Same operand twice (exercises fixed-register copies).
            let r2 = unary_fn(ty, ty, |b, x| b.bin(op, ty, x, x));
            for &a in &vals {
                if let Some(exp) = int_binop(op, a, a, w64) {
                    assert_eq!(r2.run(&[a]), vec![exp], "{op:?} {ty} {a:#x} twice");
                }
            }
        }
    }
}

#[test]
fn div_rem_trap_sites() {
    for (op, codes) in [
        (BinaryOp::DivS, &[1u8, 2][..]),
        (BinaryOp::DivU, &[1][..]),
        (BinaryOp::RemS, &[1][..]),
        (BinaryOp::RemU, &[1][..]),
    ] {
        for ty in [Type::I32, Type::I64] {
            let r = binary_fn(ty, ty, |b, x, y| b.bin(op, ty, x, y));
            let mut got: Vec<u8> = r.compiled.trap_sites.iter().map(|t| t.1 as u8).collect();
            got.retain(|&c| c != 8); // stack overflow
            got.sort();
            assert_eq!(got, codes, "{op:?} {ty}");
        }
    }
}

fn is_nan_bits(bits: u64, f64: bool) -> bool {
    if f64 {
        f64::from_bits(bits).is_nan()
    } else {
        f32::from_bits(bits as u32).is_nan()
    }
}

fn check_float(got: u64, exp: u64, f64: bool, what: &str) {
    if is_nan_bits(exp, f64) {
        assert!(is_nan_bits(got, f64), "{what}: expected NaN, got {got:#x}");
    } else {
        assert_eq!(got, exp, "{what}");
    }
}

fn wasm_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == 0.0 && b == 0.0 {
        if a.is_sign_negative() { a } else { b }
    } else {
        a.min(b)
    }
}
fn wasm_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == 0.0 && b == 0.0 {
        if a.is_sign_positive() { a } else { b }
    } else {
        a.max(b)
    }
}

fn float_binop64(op: BinaryOp, a: f64, b: f64) -> f64 {
    match op {
        BinaryOp::Fadd => a + b,
        BinaryOp::Fsub => a - b,
        BinaryOp::Fmul => a * b,
        BinaryOp::Fdiv => a / b,
        BinaryOp::Fmin => wasm_min(a, b),
        BinaryOp::Fmax => wasm_max(a, b),
        BinaryOp::Fcopysign => a.copysign(b),
        _ => unreachable!(),
    }
}

fn float_binop32(op: BinaryOp, a: f32, b: f32) -> f32 {
    match op {
        BinaryOp::Fadd => a + b,
        BinaryOp::Fsub => a - b,
        BinaryOp::Fmul => a * b,
        BinaryOp::Fdiv => a / b,
        BinaryOp::Fmin => wasm_min(a as f64, b as f64) as f32,
        BinaryOp::Fmax => wasm_max(a as f64, b as f64) as f32,
        BinaryOp::Fcopysign => a.copysign(b),
        _ => unreachable!(),
    }
}

const FLOAT_BINOPS: [BinaryOp; 7] = [
    BinaryOp::Fadd,
    BinaryOp::Fsub,
    BinaryOp::Fmul,
    BinaryOp::Fdiv,
    BinaryOp::Fmin,
    BinaryOp::Fmax,
    BinaryOp::Fcopysign,
];

#[test]
fn float_binary_ops() {
    for op in FLOAT_BINOPS {
        let r = binary_fn(Type::F64, Type::F64, |b, x, y| b.bin(op, Type::F64, x, y));
        for a in f64s() {
            for c in f64s() {
                let exp = float_binop64(op, a, c).to_bits();
                let got = r.run(&[a.to_bits(), c.to_bits()])[0];
                check_float(got, exp, true, &format!("{op:?} f64 {a} {c}"));
            }
        }
        let r = binary_fn(Type::F32, Type::F32, |b, x, y| b.bin(op, Type::F32, x, y));
        for a in f32s() {
            for c in f32s() {
                let exp = float_binop32(op, a, c).to_bits() as u64;
                let got = r.run(&[a.to_bits() as u64, c.to_bits() as u64])[0];
                check_float(got, exp, false, &format!("{op:?} f32 {a} {c}"));
            }
        }
    }
    // Copysign must keep NaN payloads and flip only the sign.
    let r = binary_fn(Type::F64, Type::F64, |b, x, y| {
        b.bin(BinaryOp::Fcopysign, Type::F64, x, y)
    });
    let nan = 0x7ff8_0000_0000_1234u64;
    assert_eq!(r.run(&[nan, (-1.0f64).to_bits()]), vec![nan | (1 << 63)]);
}

#[test]
fn int_compares() {
    for w64 in [false, true] {
        let ty = if w64 { Type::I64 } else { Type::I32 };
        let vals: Vec<u64> = if w64 {
            I64S.to_vec()
        } else {
            I32S.iter().map(|&x| x as u64).collect()
        };
        for cc in IntCC::ALL {
            let r = binary_fn(ty, Type::I32, |b, x, y| b.icmp(cc, x, y));
            for &a in &vals {
                for &c in &vals {
                    let exp = icmp_ref(cc, a, c, w64) as u64;
                    assert_eq!(r.run(&[a, c]), vec![exp], "{cc:?} {ty} {a:#x} {c:#x}");
                }
            }
        }
    }
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

#[test]
fn float_compares() {
    for cc in FloatCC::ALL {
        let r = binary_fn(Type::F64, Type::I32, |b, x, y| b.fcmp(cc, x, y));
        for a in f64s() {
            for c in f64s() {
                let exp = fcmp_ref(cc, a, c) as u64;
                assert_eq!(
                    r.run(&[a.to_bits(), c.to_bits()]),
                    vec![exp],
                    "{cc:?} {a} {c}"
                );
            }
        }
        let r = binary_fn(Type::F32, Type::I32, |b, x, y| b.fcmp(cc, x, y));
        for a in f32s() {
            for c in f32s() {
                let exp = fcmp_ref(cc, a as f64, c as f64) as u64;
                let got = r.run(&[a.to_bits() as u64, c.to_bits() as u64]);
                assert_eq!(got, vec![exp], "{cc:?} f32 {a} {c}");
            }
        }
    }
}

#[test]
fn int_unary_ops() {
    for &x in &I32S {
        let cases: [(UnaryOp, Type, u64); 6] = [
            (UnaryOp::Clz, Type::I32, x.leading_zeros() as u64),
            (UnaryOp::Ctz, Type::I32, x.trailing_zeros() as u64),
            (UnaryOp::Popcnt, Type::I32, x.count_ones() as u64),
            (UnaryOp::Eqz, Type::I32, (x == 0) as u64),
            (
                UnaryOp::Sext8,
                Type::I32,
                x as u8 as i8 as i32 as u32 as u64,
            ),
            (
                UnaryOp::Sext16,
                Type::I32,
                x as u16 as i16 as i32 as u32 as u64,
            ),
        ];
        for (op, rty, exp) in cases {
            let r = unary_fn(Type::I32, rty, |b, a| b.un(op, rty, a));
            assert_eq!(r.run(&[x as u64]), vec![exp], "{op:?} {x:#x}");
        }
        let r = unary_fn(Type::I32, Type::I64, |b, a| {
            b.un(UnaryOp::SextI32, Type::I64, a)
        });
        assert_eq!(r.run(&[x as u64]), vec![x as i32 as i64 as u64]);
        let r = unary_fn(Type::I32, Type::I64, |b, a| {
            b.un(UnaryOp::UextI32, Type::I64, a)
        });
        assert_eq!(r.run(&[x as u64]), vec![x as u64]);
    }
    for &x in &I64S {
        let cases: [(UnaryOp, Type, u64); 8] = [
            (UnaryOp::Clz, Type::I64, x.leading_zeros() as u64),
            (UnaryOp::Ctz, Type::I64, x.trailing_zeros() as u64),
            (UnaryOp::Popcnt, Type::I64, x.count_ones() as u64),
            (UnaryOp::Eqz, Type::I32, (x == 0) as u64),
            (UnaryOp::Sext8, Type::I64, x as u8 as i8 as i64 as u64),
            (UnaryOp::Sext16, Type::I64, x as u16 as i16 as i64 as u64),
            (UnaryOp::Sext32, Type::I64, x as u32 as i32 as i64 as u64),
            (UnaryOp::Wrap, Type::I32, x as u32 as u64),
        ];
        for (op, rty, exp) in cases {
            let r = unary_fn(Type::I64, rty, |b, a| b.un(op, rty, a));
            assert_eq!(r.run(&[x]), vec![exp], "{op:?} {x:#x}");
        }
    }
}

#[test]
fn float_unary_ops() {
    type F64Op = fn(f64) -> f64;
    let ops: [(UnaryOp, F64Op); 7] = [
        (UnaryOp::Fneg, |x| -x),
        (UnaryOp::Fabs, f64::abs),
        (UnaryOp::Fsqrt, f64::sqrt),
        (UnaryOp::Fceil, f64::ceil),
        (UnaryOp::Ffloor, f64::floor),
        (UnaryOp::Ftrunc, f64::trunc),
        (UnaryOp::Fnearest, f64::round_ties_even),
    ];
    for (op, f) in ops {
        let r = unary_fn(Type::F64, Type::F64, |b, a| b.un(op, Type::F64, a));
        for x in f64s() {
            let got = r.run(&[x.to_bits()])[0];
            check_float(got, f(x).to_bits(), true, &format!("{op:?} {x}"));
        }
        let r = unary_fn(Type::F32, Type::F32, |b, a| b.un(op, Type::F32, a));
        for x in f32s() {
            let exp = match op {
                UnaryOp::Fneg => -x,
                UnaryOp::Fabs => x.abs(),
                UnaryOp::Fsqrt => x.sqrt(),
                UnaryOp::Fceil => x.ceil(),
                UnaryOp::Ffloor => x.floor(),
                UnaryOp::Ftrunc => x.trunc(),
                _ => x.round_ties_even(),
            };
            let got = r.run(&[x.to_bits() as u64])[0];
            check_float(got, exp.to_bits() as u64, false, &format!("{op:?} f32 {x}"));
        }
    }
    // Fneg/Fabs are pure bit operations, NaN included.
    let r = unary_fn(Type::F64, Type::F64, |b, a| {
        b.un(UnaryOp::Fneg, Type::F64, a)
    });
    assert_eq!(r.run(&[0x7ff8_0000_0000_0001]), vec![0xfff8_0000_0000_0001]);
    let r = unary_fn(Type::F32, Type::F32, |b, a| {
        b.un(UnaryOp::Fabs, Type::F32, a)
    });
    assert_eq!(r.run(&[0xffc0_0001]), vec![0x7fc0_0001]);
    // Both operations at both widths on NaN payloads, zeros and infinities,
    // as one `xorps`/`andps` with a pool mask (no integer register).
    let f64s = [
        0x7ff8_0000_0000_0001u64,
        0xfff0_0000_0000_0000,
        0,
        1 << 63,
        0x4009_21fb_5444_2d18,
    ];
    let f32s = [0x7fc0_0001u64, 0xff80_0000, 0, 1 << 31, 0x4049_0fdb];
    for (ty, values, sign) in [(Type::F64, &f64s, 1u64 << 63), (Type::F32, &f32s, 1 << 31)] {
        for op in [UnaryOp::Fneg, UnaryOp::Fabs] {
            let r = unary_fn(ty, ty, |b, a| b.un(op, ty, a));
            let d = strata_isa_x64::listing(&r.compiled);
            let want_inst = if op == UnaryOp::Fneg {
                "xorps"
            } else {
                "andps"
            };
            assert!(
                d.contains(want_inst) && !d.contains("movq"),
                "{op:?} {ty}:\n{d}"
            );
            for &x in values {
                let want = if op == UnaryOp::Fneg {
                    x ^ sign
                } else {
                    x & !sign
                };
                assert_eq!(r.run(&[x]), vec![want], "{op:?} {ty} {x:#x}");
            }
        }
    }
}

fn trunc_valid(x: f64, src64: bool, dst64: bool, signed: bool) -> bool {
    if x.is_nan() {
        return false;
    }
    match (dst64, signed) {
        (false, true) => {
            if src64 {
                x > -2147483649.0 && x < 2147483648.0
            } else {
                (-2147483648.0..2147483648.0).contains(&x)
            }
        }
        (false, false) => x > -1.0 && x < 4294967296.0,
        (true, true) => (-9223372036854775808.0..9223372036854775808.0).contains(&x),
        (true, false) => x > -1.0 && x < 18446744073709551616.0,
    }
}

fn sat_ref(x: f64, dst64: bool, signed: bool) -> u64 {
    match (dst64, signed) {
        (false, true) => x as i32 as u32 as u64,
        (false, false) => x as u32 as u64,
        (true, true) => x as i64 as u64,
        (true, false) => x as u64,
    }
}

#[test]
fn float_to_int() {
    for src64 in [false, true] {
        let fty = if src64 { Type::F64 } else { Type::F32 };
        let inputs: Vec<(u64, f64)> = if src64 {
            f64s().into_iter().map(|x| (x.to_bits(), x)).collect()
        } else {
            f32s()
                .into_iter()
                .map(|x| (x.to_bits() as u64, x as f64))
                .collect()
        };
        for dst64 in [false, true] {
            let ity = if dst64 { Type::I64 } else { Type::I32 };
            for signed in [false, true] {
                let (top, sop) = if signed {
                    (UnaryOp::TruncS, UnaryOp::TruncSatS)
                } else {
                    (UnaryOp::TruncU, UnaryOp::TruncSatU)
                };
                let rt = unary_fn(fty, ity, |b, a| b.un(top, ity, a));
                let rs = unary_fn(fty, ity, |b, a| b.un(sop, ity, a));
                let mut codes: Vec<u8> = rt.compiled.trap_sites.iter().map(|t| t.1 as u8).collect();
                codes.sort();
                // Overflow and NaN (the leaf has no frame: no stack check).
                assert_eq!(codes, vec![2, 3], "{top:?} {fty}->{ity} trap codes");
                for &(bits, x) in &inputs {
                    let exp = sat_ref(x, dst64, signed);
                    assert_eq!(rs.run(&[bits]), vec![exp], "{sop:?} {fty}->{ity} {x}");
                    if trunc_valid(x, src64, dst64, signed) {
                        assert_eq!(rt.run(&[bits]), vec![exp], "{top:?} {fty}->{ity} {x}");
                    }
                }
            }
        }
    }
}

#[test]
fn int_to_float() {
    let ints64: Vec<u64> = I64S
        .iter()
        .copied()
        .chain([
            u64::MAX - 1023,
            (1 << 63) + 1025,
            (1 << 53) + 1,
            0x8000_0000_0000_0400,
        ])
        .collect();
    for f64 in [false, true] {
        let fty = if f64 { Type::F64 } else { Type::F32 };
        for signed in [false, true] {
            let op = if signed {
                UnaryOp::ConvertS
            } else {
                UnaryOp::ConvertU
            };
            let r32 = unary_fn(Type::I32, fty, |b, a| b.un(op, fty, a));
            for &x in &I32S {
                let exp = match (f64, signed) {
                    (true, true) => (x as i32 as f64).to_bits(),
                    (true, false) => (x as f64).to_bits(),
                    (false, true) => (x as i32 as f32).to_bits() as u64,
                    (false, false) => (x as f32).to_bits() as u64,
                };
                assert_eq!(r32.run(&[x as u64]), vec![exp], "{op:?} i32->{fty} {x:#x}");
            }
            let r64 = unary_fn(Type::I64, fty, |b, a| b.un(op, fty, a));
            for &x in &ints64 {
                let exp = match (f64, signed) {
                    (true, true) => (x as i64 as f64).to_bits(),
                    (true, false) => (x as f64).to_bits(),
                    (false, true) => (x as i64 as f32).to_bits() as u64,
                    (false, false) => (x as f32).to_bits() as u64,
                };
                assert_eq!(r64.run(&[x]), vec![exp], "{op:?} i64->{fty} {x:#x}");
            }
        }
    }
}

#[test]
fn float_conversions_and_reinterpret() {
    let r = unary_fn(Type::F32, Type::F64, |b, a| {
        b.un(UnaryOp::Promote, Type::F64, a)
    });
    for x in f32s() {
        check_float(
            r.run(&[x.to_bits() as u64])[0],
            (x as f64).to_bits(),
            true,
            "promote",
        );
    }
    let r = unary_fn(Type::F64, Type::F32, |b, a| {
        b.un(UnaryOp::Demote, Type::F32, a)
    });
    for x in f64s() {
        let got = r.run(&[x.to_bits()])[0];
        check_float(got, (x as f32).to_bits() as u64, false, "demote");
    }
    for (from, to) in [
        (Type::I32, Type::F32),
        (Type::F32, Type::I32),
        (Type::I64, Type::F64),
        (Type::F64, Type::I64),
    ] {
        let r = unary_fn(from, to, |b, a| b.un(UnaryOp::Reinterpret, to, a));
        for bits in [0u64, 0x7fc0_0001, 0xffff_ffff, 0x8000_0000, 0x1234_5678] {
            let bits = if from.bytes() == 8 {
                bits | (bits << 32)
            } else {
                bits
            };
            assert_eq!(r.run(&[bits]), vec![bits], "reinterpret {from}->{to}");
        }
    }
}

#[test]
fn constants() {
    for (ty, imm, exp) in [
        (Type::I32, -1i64, 0xffff_ffffu64),
        (Type::I32, 0, 0),
        (Type::I64, -1, u64::MAX),
        (Type::I64, 0x1234_5678_9abc_def0, 0x1234_5678_9abc_def0),
        (Type::I64, 0xffff_ffff, 0xffff_ffff),
        (Type::I64, -2147483648, 0xffff_ffff_8000_0000),
    ] {
        let (mut b, _) = B::new(&[], &[ty]);
        let v = b.iconst(ty, imm);
        b.ret(&[v]);
        assert_eq!(Runnable::new(&b.f).run(&[]), vec![exp]);
    }
    for (ty, bits) in [
        (Type::F64, 0u64),
        (Type::F64, (-0.0f64).to_bits()),
        (Type::F64, 3.25f64.to_bits()),
        (Type::F32, 1.5f32.to_bits() as u64),
        (Type::F32, 0x8000_0000),
    ] {
        let (mut b, _) = B::new(&[], &[ty]);
        let v = b.fconst(ty, bits);
        b.ret(&[v]);
        assert_eq!(Runnable::new(&b.f).run(&[]), vec![bits]);
    }
}

mod random_programs {
    //! Random straight-line non-SSA programs over many live values, run
    //! against a reference evaluator (exercises the allocator's spilling,
    //! reuse and fixed-register handling end to end).
    use super::*;
    use proptest::prelude::*;
    use strata_ir::Value;

    const OPS: [BinaryOp; 13] = [
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
        BinaryOp::DivU,
        BinaryOp::RemS,
    ];

    /// (op index, lhs pick, rhs pick, redefine an existing value?)
    type Step = (usize, usize, usize, Option<usize>);

    fn run_program(steps: &[Step], args: [u64; 4]) {
        let (mut b, p) = B::new(&[Type::I64; 4], &[Type::I64]);
        let mut vals: Vec<Value> = p.clone();
        let mut env: Vec<u64> = args.to_vec();
        let one = b.iconst(Type::I64, 1);
        for &(op, x, y, redef) in steps {
            let op = OPS[op % OPS.len()];
            let (xi, yi) = (x % vals.len(), y % vals.len());
            let (mut lhs, mut rhs) = (vals[xi], vals[yi]);
            let (mut a, mut c) = (env[xi], env[yi]);
            if op.can_trap() {
                // Keep the divisor odd (non-zero, never -1 for RemS is fine).
                rhs = b.bin(BinaryOp::Or, Type::I64, rhs, one);
                c |= 1;
            }
            if op == BinaryOp::Imul && x % 3 == 0 {
                lhs = vals[yi];
                a = env[yi];
                rhs = lhs;
                c = a;
            }
            let r = int_binop(op, a, c, true).unwrap();
            match redef {
                Some(k) => {
                    let k = k % vals.len();
                    let dst = vals[k];
                    b.ins(strata_ir::InstData::Binary { op, dst, lhs, rhs });
                    env[k] = r;
                }
                None => {
                    vals.push(b.bin(op, Type::I64, lhs, rhs));
                    env.push(r);
                }
            }
        }
        // Sum everything so that all values stay live to the end.
        let mut acc = vals[0];
        let mut exp = env[0];
        for k in 1..vals.len() {
            acc = b.bin(BinaryOp::Iadd, Type::I64, acc, vals[k]);
            exp = exp.wrapping_add(env[k]);
        }
        b.ret(&[acc]);
        let r = Runnable::new(&b.f);
        assert_eq!(r.run(&args), vec![exp]);
    }

    fn step() -> impl Strategy<Value = Step> {
        (
            0..OPS.len(),
            any::<usize>(),
            any::<usize>(),
            prop::option::weighted(0.2, any::<usize>()),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn random_int_programs(
            steps in prop::collection::vec(step(), 1..60),
            args in any::<[u64; 4]>(),
        ) {
            run_program(&steps, args);
        }
    }
}
