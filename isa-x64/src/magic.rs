//! Magic numbers for integer division by a constant (Granlund & Montgomery
//! 1994; Warren, *Hacker's Delight*, chapter 10), computed with `u128`
//! arithmetic for 32- and 64-bit operands.
//!
//! Unsigned, divisor `d ≥ 3` and not a power of two, width `N`:
//! `t = mulhi_u(x, mul)`; without `add`, `q = t >> shift`; with `add` (the
//! true multiplier has `N + 1` bits), `q = (((x - t) >> 1) + t) >> shift`.
//!
//! Signed, `|d| ≥ 3` and not a power of two: `t = mulhi_s(x, mul)`, then
//! `t += x` if `d > 0 && mul < 0`, `t -= x` if `d < 0 && mul > 0`, then
//! `t >>= shift` (arithmetic) and `q = t + (t >>> (N - 1))` (add one when
//! negative, to round toward zero). The sign of `d` is folded into `mul`.
//!
//! [`udiv_ref`] and [`sdiv_ref`] evaluate these sequences in Rust; the unit
//! tests compare them with `/` for many divisors and dividends, and the
//! emitter's sequences mirror them instruction by instruction.

/// How division by a constant is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DivPlan {
    /// The divisor is 1: the quotient is the dividend.
    One,
    /// The divisor is `±2^k` (`k ≥ 1`): shifts (and a negation when `neg`).
    Pow2 {
        /// The exponent.
        k: u32,
        /// The divisor is negative (signed only).
        neg: bool,
    },
    /// A high multiply by a magic number.
    Magic,
}

/// The plan for dividing by `divisor` (its low `bits` bits; signed or not).
/// `None` when the divisor is 0 or, signed, -1 (those keep the generic,
/// trapping path).
pub fn div_plan(signed: bool, bits: u32, divisor: u64) -> Option<DivPlan> {
    let (mag, neg) = if signed {
        let v = if bits == 64 {
            divisor as i64
        } else {
            divisor as u32 as i32 as i64
        };
        if v == -1 {
            return None;
        }
        (v.unsigned_abs(), v < 0)
    } else {
        (divisor & (mask(bits) as u64), false)
    };
    Some(match mag {
        0 => return None,
        1 => DivPlan::One,
        m if m.is_power_of_two() => DivPlan::Pow2 {
            k: m.trailing_zeros(),
            neg,
        },
        _ => DivPlan::Magic,
    })
}

/// An unsigned magic multiplier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UMagic {
    /// The multiplier's low `N` bits.
    pub mul: u64,
    /// Whether the multiplier has an implicit `2^N` (the "add" sequence).
    pub add: bool,
    /// The final shift.
    pub shift: u32,
}

/// A signed magic multiplier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SMagic {
    /// The multiplier (sign-extended from `N` bits).
    pub mul: i64,
    /// The final arithmetic shift.
    pub shift: u32,
}

fn mask(bits: u32) -> u128 {
    (1u128 << bits) - 1
}

/// The magic number for unsigned division by `d` at width `bits` (32 or 64).
/// Requires `d ≥ 3`, `d` not a power of two, `d < 2^bits`.
pub fn magic_unsigned(d: u64, bits: u32) -> UMagic {
    debug_assert!(d >= 3 && !d.is_power_of_two() && (d as u128) <= mask(bits));
    let p = 63 - d.leading_zeros(); // floor(log2 d)
    let num = 1u128 << (bits + p);
    let d128 = d as u128;
    let m = num / d128;
    let rem = num % d128;
    let e = d128 - rem;
    if e < (1u128 << p) {
        // 2^(N+p) / d rounded up fits in N bits and is exact enough.
        UMagic {
            mul: ((m + 1) & mask(bits)) as u64,
            add: false,
            shift: p,
        }
    } else {
        // One more bit of precision: the multiplier is 2^N + mul.
        let m2 = 2 * m + u128::from(2 * rem >= d128);
        UMagic {
            mul: ((m2 + 1) & mask(bits)) as u64,
            add: true,
            shift: p,
        }
    }
}

/// The magic number for signed division by `d` at width `bits` (Hacker's
/// Delight figure 10-1). Requires `|d| ≥ 3` and `|d|` not a power of two.
pub fn magic_signed(d: i64, bits: u32) -> SMagic {
    let ad = d.unsigned_abs() as u128;
    debug_assert!(ad >= 3 && !ad.is_power_of_two() && ad < (1u128 << (bits - 1)));
    let two_n1 = 1u128 << (bits - 1);
    let t = two_n1 + u128::from(d < 0);
    let anc = t - 1 - t % ad; // |nc|
    let mut p = bits - 1;
    let (mut q1, mut r1) = (two_n1 / anc, two_n1 % anc);
    let (mut q2, mut r2) = (two_n1 / ad, two_n1 % ad);
    loop {
        p += 1;
        q1 *= 2;
        r1 *= 2;
        if r1 >= anc {
            q1 += 1;
            r1 -= anc;
        }
        q2 *= 2;
        r2 *= 2;
        if r2 >= ad {
            q2 += 1;
            r2 -= ad;
        }
        let delta = ad - r2;
        if !(q1 < delta || (q1 == delta && r1 == 0)) {
            break;
        }
    }
    let m = ((q2 + 1) & mask(bits)) as u64;
    // Sign-extend from `bits`, then negate for a negative divisor.
    let m = if bits == 64 {
        m as i64
    } else {
        m as u32 as i32 as i64
    };
    let m = if d < 0 { m.wrapping_neg() } else { m };
    let m = if bits == 64 { m } else { m as i32 as i64 };
    SMagic {
        mul: m,
        shift: p - bits,
    }
}

/// The unsigned sequence evaluated in Rust (`x < 2^bits`).
pub fn udiv_ref(x: u64, d: u64, bits: u32) -> u64 {
    let m = magic_unsigned(d, bits);
    let t = ((x as u128 * m.mul as u128) >> bits) as u64;
    if m.add {
        let msk = mask(bits) as u64;
        ((((x.wrapping_sub(t)) & msk) >> 1) + t) >> m.shift
    } else {
        t >> m.shift
    }
}

/// The signed sequence evaluated in Rust (`x` sign-extended from `bits`).
pub fn sdiv_ref(x: i64, d: i64, bits: u32) -> i64 {
    let m = magic_signed(d, bits);
    let wrap = |v: i128| -> i64 {
        if bits == 64 {
            v as i64
        } else {
            v as i32 as i64
        }
    };
    let mut t = wrap((x as i128 * m.mul as i128) >> bits);
    if d > 0 && m.mul < 0 {
        t = wrap(t as i128 + x as i128);
    } else if d < 0 && m.mul > 0 {
        t = wrap(t as i128 - x as i128);
    }
    t >>= m.shift;
    let sign = if bits == 64 {
        (t as u64 >> 63) as i64
    } else {
        (t as u32 >> 31) as i64
    };
    wrap(t as i128 + sign as i128)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift64*).
    fn rng(seed: &mut u64) -> u64 {
        *seed ^= *seed >> 12;
        *seed ^= *seed << 25;
        *seed ^= *seed >> 27;
        seed.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn divisors(bits: u32) -> Vec<u64> {
        let max = mask(bits) as u64;
        let mut v: Vec<u64> = (3..3000).collect();
        for k in 2..bits {
            for delta in [-3i64, -1, 1, 3, 5] {
                v.push((1u64 << k).wrapping_add(delta as u64) & max);
            }
        }
        v.extend([
            max,
            max - 1,
            max - 2,
            max / 3,
            max / 7,
            641,
            6_700_417,
            1_000_000_007,
        ]);
        let mut seed = 0x1234_5678_9abc_def1u64 ^ bits as u64;
        for _ in 0..2000 {
            let r = rng(&mut seed) & max;
            v.push(r >> (r % bits as u64));
        }
        v.retain(|&d| d >= 3 && !d.is_power_of_two() && d <= max);
        v
    }

    fn dividends(bits: u32, d: u64, seed: &mut u64) -> Vec<u64> {
        let max = mask(bits) as u64;
        let mut v = vec![
            0,
            1,
            2,
            max,
            max - 1,
            max >> 1,
            (max >> 1) + 1,
            (max >> 1) - 1,
        ];
        for k in [1u64, 2, 3, 1000] {
            let m = d.wrapping_mul(k) & max;
            v.extend([m, m.wrapping_sub(1) & max, m.wrapping_add(1) & max]);
        }
        let q = max / d;
        v.extend([q * d, q * d - 1, q * d + (max - q * d)]);
        for _ in 0..64 {
            v.push(rng(seed) & max);
        }
        v
    }

    #[test]
    fn unsigned_magic_divides() {
        for bits in [32, 64] {
            let mut seed = 99;
            for d in divisors(bits) {
                for x in dividends(bits, d, &mut seed) {
                    assert_eq!(udiv_ref(x, d, bits), x / d, "{x} / {d} ({bits} bits)");
                }
            }
        }
    }

    #[test]
    fn unsigned_small_exhaustive_dividends() {
        // Every 32-bit dividend in a few windows for some divisors.
        for d in [3u64, 7, 10, 641, 0xffff_fffd, 0x8000_0001, 1_000_000_007] {
            for base in [0u64, 0x7fff_0000, 0xffff_0000] {
                for x in base..base + 0x1_0000 {
                    assert_eq!(udiv_ref(x, d, 32), x / d, "{x} / {d}");
                }
            }
        }
    }

    #[test]
    fn signed_magic_divides() {
        for bits in [32u32, 64] {
            let mut seed = 7;
            let sx = |v: u64| -> i64 {
                if bits == 64 {
                    v as i64
                } else {
                    v as u32 as i32 as i64
                }
            };
            let mut ds: Vec<i64> = Vec::new();
            for d in divisors(bits) {
                let d = sx(d);
                if d != i64::MIN && d.unsigned_abs() >= 3 && !d.unsigned_abs().is_power_of_two() {
                    ds.push(d);
                    ds.push(-d);
                }
            }
            for d in ds {
                let ad = d.unsigned_abs();
                if (bits == 32 && ad >= 1 << 31) || ad < 3 || ad.is_power_of_two() {
                    continue;
                }
                for x in dividends(bits, ad, &mut seed) {
                    let x = sx(x);
                    let exp = if bits == 64 {
                        x.wrapping_div(d)
                    } else {
                        (x as i32).wrapping_div(d as i32) as i64
                    };
                    assert_eq!(sdiv_ref(x, d, bits), exp, "{x} / {d} ({bits} bits)");
                }
            }
        }
    }

    #[test]
    fn known_magics() {
        // Hacker's Delight table 10-1 / 10-2.
        assert_eq!(
            magic_signed(7, 32),
            SMagic {
                mul: 0x9249_2493u32 as i32 as i64,
                shift: 2
            }
        );
        assert_eq!(
            magic_signed(3, 32),
            SMagic {
                mul: 0x5555_5556,
                shift: 0
            }
        );
        assert_eq!(magic_signed(-5, 32).mul, -0x6666_6667);
        assert_eq!(
            magic_unsigned(7, 32),
            UMagic {
                mul: 0x2492_4925,
                add: true,
                shift: 2
            }
        );
        assert_eq!(
            magic_unsigned(3, 32),
            UMagic {
                mul: 0xaaaa_aaab,
                add: false,
                shift: 1
            }
        );
    }
}
