//! `sin` and `cos` for the arguments of a great-circle distance, bit-identical to `libm`'s.
//!
//! A distance takes sines and cosines of latitudes, and of half the differences of latitudes
//! and longitudes: every argument is within ±π, since coordinates are validated to ±90° and
//! ±180°. `libm` reduces any argument, and its reduction of huge ones (`rem_pio2_large`, with
//! its table of the digits of 2/π) was 2.9 KiB of the gzipped module. This is `libm`'s code
//! (itself from FreeBSD's msun, whose notice follows) for arguments up to 5π/4, and its
//! medium-size reduction beyond; an argument of 2²⁰·π/2 or more, infinite or NaN, gives NaN.
//! The tests check every result up to 5π/4 against `libm`'s, bit for bit.
//!
//! > Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
//! > Developed at SunPro, a Sun Microsystems, Inc. business.
//! > Permission to use, copy, modify, and distribute this software is freely granted,
//! > provided that this notice is preserved.

/// The sine of `x` (|x| < 2²⁰·π/2; NaN beyond).
pub fn sin(x: f64) -> f64 {
    let ix = high_word(x);
    if ix <= 0x3fe9_21fb {
        // |x| ≲ π/4; below 2⁻²⁶ the sine is x itself.
        return if ix < 0x3e50_0000 { x } else { k_sin(x, 0.0, false) };
    }
    let Some((n, y0, y1)) = rem_pio2(x) else { return f64::NAN };
    match n & 3 {
        0 => k_sin(y0, y1, true),
        1 => k_cos(y0, y1),
        2 => -k_sin(y0, y1, true),
        _ => -k_cos(y0, y1),
    }
}

/// The cosine of `x` (|x| < 2²⁰·π/2; NaN beyond).
pub fn cos(x: f64) -> f64 {
    let ix = high_word(x);
    if ix <= 0x3fe9_21fb {
        // |x| ≲ π/4; below 2⁻²⁷·√2 the cosine is 1.
        return if ix < 0x3e46_a09e { 1.0 } else { k_cos(x, 0.0) };
    }
    let Some((n, y0, y1)) = rem_pio2(x) else { return f64::NAN };
    match n & 3 {
        0 => k_cos(y0, y1),
        1 => -k_sin(y0, y1, true),
        2 => -k_cos(y0, y1),
        _ => k_sin(y0, y1, true),
    }
}

/// The high 32 bits of |x|.
fn high_word(x: f64) -> u32 {
    (x.to_bits() >> 32) as u32 & 0x7fff_ffff
}

/// The sine on [-π/4, π/4] of `x + y` (`y` the tail of a reduced argument, used when `tail`).
fn k_sin(x: f64, y: f64, tail: bool) -> f64 {
    const S1: f64 = f64::from_bits(0xbfc5_5555_5555_5549);
    const S2: f64 = f64::from_bits(0x3f81_1111_1110_f8a6);
    const S3: f64 = f64::from_bits(0xbf2a_01a0_19c1_61d5);
    const S4: f64 = f64::from_bits(0x3ec7_1de3_57b1_fe7d);
    const S5: f64 = f64::from_bits(0xbe5a_e5e6_8a2b_9ceb);
    const S6: f64 = f64::from_bits(0x3de5_d93a_5acf_d57c);
    let z = x * x;
    let w = z * z;
    let r = S2 + z * (S3 + z * S4) + z * w * (S5 + z * S6);
    let v = z * x;
    if tail {
        x - ((z * (0.5 * y - v * r) - y) - v * S1)
    } else {
        x + v * (S1 + z * r)
    }
}

/// The cosine on [-π/4, π/4] of `x + y`.
fn k_cos(x: f64, y: f64) -> f64 {
    const C1: f64 = f64::from_bits(0x3fa5_5555_5555_554c);
    const C2: f64 = f64::from_bits(0xbf56_c16c_16c1_5177);
    const C3: f64 = f64::from_bits(0x3efa_01a0_19cb_1590);
    const C4: f64 = f64::from_bits(0xbe92_7e4f_809c_52ad);
    const C5: f64 = f64::from_bits(0x3e21_ee9e_bdb4_b1c4);
    const C6: f64 = f64::from_bits(0xbda8_fae9_be88_38d4);
    let z = x * x;
    let w = z * z;
    let r = z * (C1 + z * (C2 + z * C3)) + w * w * (C4 + z * (C5 + z * C6));
    let hz = 0.5 * z;
    let w = 1.0 - hz;
    w + (((1.0 - w) - hz) + (z * r - x * y))
}

/// π/2 in three parts, each with its tail. Constants are given by their bits, as `libm` notes
/// them.
const PIO2_1: f64 = f64::from_bits(0x3ff9_21fb_5440_0000);
const PIO2_1T: f64 = f64::from_bits(0x3dd0_b461_1a62_6331);
const PIO2_2: f64 = f64::from_bits(0x3dd0_b461_1a60_0000);
const PIO2_2T: f64 = f64::from_bits(0x3ba3_198a_2e03_7073);
const PIO2_3: f64 = f64::from_bits(0x3ba3_198a_2e00_0000);
const PIO2_3T: f64 = f64::from_bits(0x397b_839a_2520_49c1);

/// `x` as `n·π/2 + (y0 + y1)` with |y0 + y1| ≤ π/4: `Some((n, y0, y1))`, or `None` when
/// |x| ≥ 2²⁰·π/2 or `x` is not finite.
fn rem_pio2(x: f64) -> Option<(i32, f64, f64)> {
    let ix = high_word(x);
    let negative = x.is_sign_negative();
    // |x| ≲ 5π/4, away from π/2 and π (where the one-step reduction cancels): n is ±1 or ±2.
    if ix <= 0x400f_6a7a && ix & 0xfffff != 0x921fb {
        let k = if ix <= 0x4002_d97c { 1.0 } else { 2.0 };
        let (n, sign) = if negative { (-(k as i32), -1.0) } else { (k as i32, 1.0) };
        let z = x - sign * k * PIO2_1;
        let y0 = z - sign * k * PIO2_1T;
        let y1 = (z - y0) - sign * k * PIO2_1T;
        return Some((n, y0, y1));
    }
    (ix < 0x4139_21fb).then(|| medium(x, ix))
}

/// Cody and Waite's reduction in up to three rounds (`libm`'s `medium`).
fn medium(x: f64, ix: u32) -> (i32, f64, f64) {
    const TO_INT: f64 = 1.5 / f64::EPSILON;
    const INV_PIO2: f64 = f64::from_bits(0x3fe4_5f30_6dc9_c883);
    // rint(x / (π/2)), with round-to-nearest.
    let f_n = (x * INV_PIO2 + TO_INT) - TO_INT;
    let n = f_n as i32;
    let mut r = x - f_n * PIO2_1;
    let mut w = f_n * PIO2_1T;
    let mut y0 = r - w;
    let exponent = |y: f64| ((y.to_bits() >> 52) & 0x7ff) as i32;
    let ex = (ix >> 20) as i32;
    if ex - exponent(y0) > 16 {
        let t = r;
        w = f_n * PIO2_2;
        r = t - w;
        w = f_n * PIO2_2T - ((t - r) - w);
        y0 = r - w;
        if ex - exponent(y0) > 49 {
            let t = r;
            w = f_n * PIO2_3;
            r = t - w;
            w = f_n * PIO2_3T - ((t - r) - w);
            y0 = r - w;
        }
    }
    (n, y0, (r - y0) - w)
}

#[cfg(test)]
mod tests {
    use super::{cos, sin};
    use core::f64::consts::PI;

    fn same(x: f64) {
        assert_eq!(sin(x).to_bits(), libm::sin(x).to_bits(), "sin({x:e}) = sin({:#x})", x.to_bits());
        assert_eq!(cos(x).to_bits(), libm::cos(x).to_bits(), "cos({x:e}) = cos({:#x})", x.to_bits());
    }

    #[test]
    fn bit_identical_to_libm_up_to_five_quarters_pi() {
        let limit = 1.25 * PI;
        // Evenly spaced, both signs.
        let steps = 400_000;
        for i in 0..=steps {
            let x = limit * f64::from(i) / f64::from(steps);
            same(x);
            same(-x);
        }
        // Pseudo-random bit patterns within the range (a fixed-seed xorshift).
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..400_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let x = f64::from_bits(state >> 2);
            if x.is_finite() && x.abs() <= limit {
                same(x);
                same(-x);
            }
        }
        // Around every boundary of the code paths: each high word and its neighbours.
        for high in [0x3e46_a09e_u64, 0x3e50_0000, 0x3fe9_21fb, 0x3ff9_21fb, 0x4002_d97c, 0x4009_21fb, 0x400f_6a7a] {
            for delta in [-1i64, 0, 1] {
                let word = (high as i64 + delta) as u64;
                for low in [0u64, 1, 0x5444_2d18, 0x7fff_ffff, 0xffff_ffff] {
                    let x = f64::from_bits(word << 32 | low);
                    same(x);
                    same(-x);
                }
            }
        }
        for x in [0.0, f64::MIN_POSITIVE, 1e-300, 1e-9, PI / 4.0, PI / 2.0, 3.0 * PI / 4.0, PI, 1.25 * PI] {
            same(x);
            same(-x);
        }
    }

    #[test]
    fn beyond_the_medium_range_is_nan() {
        for x in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 1e7, -1e300] {
            assert!(sin(x).is_nan() && cos(x).is_nan(), "{x}");
        }
        // Within the medium range, `libm`'s answer to within an ulp (its fast paths differ).
        for x in [4.0, 10.0, -100.0, 1e6] {
            assert!((sin(x) - libm::sin(x)).abs() <= 2.0 * f64::EPSILON, "{x}");
            assert!((cos(x) - libm::cos(x)).abs() <= 2.0 * f64::EPSILON, "{x}");
        }
    }
}
