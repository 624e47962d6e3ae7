//! Real numbers to codes: the rules that turn float weights, biases and
//! input tensors into integers.

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
