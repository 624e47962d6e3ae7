//! Real numbers to codes: the rules that turn float weights, biases and
//! input tensors into integers, and the binary point that fits real
//! weights best.

use super::arith::ArithSpec;
use super::FRAC_RANGE;
use crate::ir::{Arith, TensorType, WeightType};

/// Round to the nearest integer, ties towards +∞ (`-2.5 → -2`, `2.5 → 3`),
/// exactly for every finite `x`.
pub fn round_half_up(x: f64) -> f64 {
    let f = x.floor();
    // `x - f` is exact: both lie in the same binade or f is 0.
    if x - f >= 0.5 {
        f + 1.0
    } else {
        f
    }
}

/// `x · 2^e`, exact unless it leaves the range of f64.
fn scale(x: f64, e: i32) -> f64 {
    x * 2f64.powi(e)
}

/// Clamp a float to `[lo, hi]` and convert it; `NaN` must be excluded by the
/// caller.
fn clamp_to_i64(x: f64, lo: i64, hi: i64) -> i64 {
    if x <= lo as f64 {
        lo
    } else if x >= hi as f64 {
        hi
    } else {
        x as i64
    }
}

/// The code of a real value in a tensor type: `saturate(round_half_up(x·2^frac))`.
pub fn tensor_code(x: f64, ty: &TensorType) -> i64 {
    clamp_to_i64(
        round_half_up(scale(x, ty.frac)),
        ty.min_code(),
        ty.max_code(),
    )
}

/// Largest bias magnitude a float bias is clamped to before the
/// accumulator-width check rejects it.
const BIAS_LIMIT: i64 = 1 << 62;

/// A real bias as an integer at the accumulator's binary point `acc_frac`.
pub fn bias_code(b: f64, acc_frac: i32) -> i64 {
    clamp_to_i64(round_half_up(scale(b, acc_frac)), -BIAS_LIMIT, BIAS_LIMIT)
}

/// The code of a real weight `w` in weight type `t`.
///
/// - fixed: `round_half_up(w·2^frac)` saturated to the signed range;
/// - pow2: `x = |w|·2^frac` goes to the nearest of `{0, 1, 2, 4, …,
///   2^(mmax−1)}` (ties to the larger magnitude, saturating at the largest),
///   the sign bit from `w`; zero is code 0;
/// - binary: `w >= 0` is code 0 (+1), otherwise code 1 (−1);
/// - ternary: `round_half_up(w·2^frac)` clamped to `[-1, 1]`.
pub fn weight_code(w: f64, t: &WeightType) -> i64 {
    let (lo, hi) = t.code_range();
    match t.arith {
        Arith::Fixed | Arith::Ternary => clamp_to_i64(round_half_up(scale(w, t.frac)), lo, hi),
        Arith::Binary => {
            if w >= 0.0 {
                0
            } else {
                1
            }
        }
        Arith::Pow2 => {
            let m = pow2_magnitude(scale(w.abs(), t.frac), t.bits);
            if m == 0 {
                0
            } else if w < 0.0 {
                (1i64 << (t.bits - 1)) | m
            } else {
                m
            }
        }
    }
}

/// The magnitude field `m` (value `2^(m-1)`, or 0 for `m = 0`) nearest to
/// `x >= 0`. The midpoint between `2^(m-2)` and `2^(m-1)` is `3·2^(m-3)`
/// (between 0 and 1 it is 1/2); a value on a midpoint takes the larger.
fn pow2_magnitude(x: f64, bits: u32) -> i64 {
    let mmax = (1i64 << (bits - 1)) - 1;
    let mut m = 0;
    for k in 1..=mmax {
        let threshold = if k == 1 {
            0.5
        } else {
            3.0 * 2f64.powi(k as i32 - 3)
        };
        if x >= threshold {
            m = k;
        } else {
            break;
        }
    }
    m
}

/// Fracs tried on either side of the one at which the largest weight just
/// fits.
const FIT_SEARCH: i32 = 4;

/// A frac within the range a description may give.
pub fn clamp_frac(f: i32) -> i32 {
    f.clamp(FRAC_RANGE.0 as i32, FRAC_RANGE.1 as i32)
}

/// Squared error of quantizing `ws` with weight type `t`.
fn weight_error(ws: &[f64], t: &WeightType) -> f64 {
    let s = 2f64.powi(-t.frac);
    ws.iter()
        .map(|&w| {
            let q = t.value(weight_code(w, t)) as f64 * s;
            (q - w) * (q - w)
        })
        .sum()
}

/// The weight type of `spec` whose binary point fits the real weights `ws`
/// best (least squared error), searched around the one at which the
/// largest weight just fits; the default binary point for all-zero
/// weights.
pub fn fitted_weight_type(ws: &[f64], spec: ArithSpec) -> WeightType {
    let max = ws.iter().fold(0f64, |m, w| m.max(w.abs()));
    let bits = super::arith::implied_bits(spec.arith).unwrap_or(spec.bits);
    let base = WeightType {
        arith: spec.arith,
        bits,
        frac: WeightType::default_frac(spec.arith, bits),
    };
    if max == 0.0 {
        return base;
    }
    // the frac at which the largest code's magnitude is about max|w|
    let top = base.max_abs_value() as f64; // largest |value| at frac 0
                                           // (beyond the frac range every candidate is its end: keep the sum in i32)
    let (lo, hi) = (FRAC_RANGE.0 as i32, FRAC_RANGE.1 as i32);
    let fit = ((top / max).log2().floor() as i32).clamp(lo - FIT_SEARCH - 1, hi + FIT_SEARCH + 1);
    let mut best = (f64::INFINITY, base);
    for f in (fit - FIT_SEARCH)..=(fit + FIT_SEARCH) {
        let t = WeightType {
            frac: clamp_frac(f),
            ..base
        };
        let e = weight_error(ws, &t);
        if e < best.0 {
            best = (e, t);
        }
    }
    best.1
}
