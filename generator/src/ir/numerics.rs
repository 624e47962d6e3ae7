//! The numerics contract (docs/numerics.md), written once. The golden model,
//! the planner and the emitters call these functions; the RTL and the HLS
//! C++ are tested against them bit for bit.

use super::types::{Activation, RoundMode, TensorType};

/// Arithmetic shift right by `s` with rounding half up (ties towards +inf):
/// `(x + 2^(s-1)) >> s` for `s > 0`, exact left shift for `s < 0`.
pub fn round_shift(x: i64, s: i32) -> i64 {
    round_shift_mode(x, s, RoundMode::HalfCeil)
}

/// The constant `c` of `(x + c) >> s` (`s > 0`, arithmetic shift, so a
/// floor) that rounds `x / 2^s` by `mode` (docs/numerics.md §4): `neg` is
/// the sign bit of `x`, `odd` its bit `s` (the lowest bit of
/// `floor(x / 2^s)`, half to even's tie test).
pub fn shift_constant(mode: RoundMode, s: u32, neg: bool, odd: bool) -> i128 {
    let half = 1i128 << (s - 1);
    let full = (1i128 << s) - 1;
    let (neg, odd) = (neg as i128, odd as i128);
    match mode {
        RoundMode::HalfCeil => half,
        RoundMode::HalfEven => half - 1 + odd,
        RoundMode::HalfAway => half - neg,
        RoundMode::HalfZero => half - 1 + neg,
        RoundMode::Floor => 0,
        RoundMode::Ceil => full,
        RoundMode::ToZero => full * neg,
        RoundMode::Away => full * (1 - neg),
    }
}

/// `x / 2^s` rounded by `mode` for `s > 0` (`s` up to 100): `(x + c) >> s`
/// with the constant of [`shift_constant`].
pub fn shift_round_i128(x: i128, s: u32, mode: RoundMode) -> i128 {
    let c = shift_constant(mode, s, x < 0, (x >> s) & 1 == 1);
    (x + c) >> s
}

/// Arithmetic shift right by `s` rounded by `mode` (exact left shift for
/// `s < 0`), as [`round_shift`].
pub fn round_shift_mode(x: i64, s: i32, mode: RoundMode) -> i64 {
    // exact in i128, then clamped where only saturation can decide: the
    // result is saturated to a code of at most 32 bits afterwards
    let x = x as i128;
    let r = if s > 0 {
        shift_round_i128(x, s.min(100) as u32, mode)
    } else if x == 0 {
        0
    } else if -s >= 64 {
        x.signum() * i128::from(i64::MAX)
    } else {
        x << (-s)
    };
    r.clamp(i128::from(i64::MIN / 2), i128::from(i64::MAX / 2)) as i64
}

/// The code of `6.0` in a type with binary point `frac` (relu6's clamp).
pub fn relu6_limit(frac: i32) -> i64 {
    6i64 << frac.max(0)
}

/// Apply an activation to a rounded value (before saturation).
pub fn activate(x: i64, act: Activation, out: &TensorType) -> i64 {
    match act {
        Activation::None => x,
        Activation::Relu => x.max(0),
        Activation::Relu6 => x.clamp(0, relu6_limit(out.frac)),
    }
}

/// Requantize an accumulator at binary point `frac_acc` to `out`:
/// round by `out.round`, activate, saturate (to the narrow range when
/// `out.narrow`).
pub fn requantize(acc: i64, frac_acc: i32, act: Activation, out: &TensorType) -> i64 {
    let r = round_shift_mode(acc, frac_acc - out.frac, out.round);
    out.saturate(activate(r, act, out))
}

/// Largest per-channel multiplier: `M_c` is an unsigned 16-bit integer.
pub const MULT_BITS: u32 = 16;
/// Largest shift of the per-channel mode.
pub const MAX_CHANNEL_SHIFT: u32 = 40;

/// The per-channel mode (docs/numerics.md §4.1): `acc · mult`, rounded
/// by `out.round` over `shift`, activated, saturated. Exact in i128.
pub fn requantize_channel(
    acc: i64,
    mult: i64,
    shift: u32,
    act: Activation,
    out: &TensorType,
) -> i64 {
    let m = acc as i128 * mult as i128;
    let r = if shift > 0 {
        shift_round_i128(m, shift, out.round)
    } else {
        m
    };
    // beyond the output range saturation decides alone
    let r = r.clamp(i64::MIN as i128 / 2, i64::MAX as i128 / 2) as i64;
    out.saturate(activate(r, act, out))
}

/// Multipliers and shift of the per-channel mode for real factors
/// `f_c > 0` (`scale_c · 2^(frac_out − frac_acc)`): the largest shift
/// `s <= MAX_CHANNEL_SHIFT` with every `round_half_up(f_c · 2^s)` below
/// `2^MULT_BITS`, and those multipliers. `None` when even `s = 0` does not
/// fit (a factor of 2^16 or more).
pub fn channel_multipliers(factors: &[f64]) -> Option<(Vec<i64>, u32)> {
    let top = (1i64 << MULT_BITS) - 1;
    let m = |f: f64, s: u32| (f * 2f64.powi(s as i32) + 0.5).floor();
    let fits = |s: u32| factors.iter().all(|&f| m(f, s) <= top as f64);
    let s = (0..=MAX_CHANNEL_SHIFT).rev().find(|&s| fits(s))?;
    Some((factors.iter().map(|&f| m(f, s) as i64).collect(), s))
}

/// Average of `n` codes whose sum is `sum` (at binary point `frac_in`),
/// rounded by `out.round` to `out`, then saturated: for the default
/// `floor(sum · 2^(frac_out - frac_in) / n + 1/2)`, computed exactly.
pub fn average(sum: i64, n: u64, frac_in: i32, out: &TensorType) -> i64 {
    let (num, den) = average_fraction(sum, n, frac_in, out.frac);
    let q = div_round(num, den, out.round);
    out.saturate(q.clamp(i64::MIN as i128 / 2, i64::MAX as i128 / 2) as i64)
}

/// The constant `c` of `floor((num + c) / den)` that rounds `num / den`
/// (`den > 0`) by `mode`, `neg` the sign of `num`; half to even then
/// corrects a tie ([`div_round`]).
pub fn div_constant(mode: RoundMode, den: i128, neg: bool) -> i128 {
    let (lo, hi) = ((den - 1) / 2, den / 2);
    match mode {
        RoundMode::HalfCeil | RoundMode::HalfEven => hi,
        RoundMode::HalfAway => {
            if neg {
                lo
            } else {
                hi
            }
        }
        RoundMode::HalfZero => {
            if neg {
                hi
            } else {
                lo
            }
        }
        RoundMode::Floor => 0,
        RoundMode::Ceil => den - 1,
        RoundMode::ToZero => {
            if neg {
                den - 1
            } else {
                0
            }
        }
        RoundMode::Away => {
            if neg {
                0
            } else {
                den - 1
            }
        }
    }
}

/// `num / den` (`den > 0`) rounded by `mode`: `q = floor((num + c) / den)`
/// with [`div_constant`]; for half to even, a tie (`den` even and
/// `num + den/2` a multiple of `den`) with `q` odd gives `q - 1`.
pub fn div_round(num: i128, den: i128, mode: RoundMode) -> i128 {
    let x = num + div_constant(mode, den, num < 0);
    let q = x.div_euclid(den);
    let tie = den % 2 == 0 && x.rem_euclid(den) == 0;
    if mode == RoundMode::HalfEven && tie && q & 1 == 1 {
        q - 1
    } else {
        q
    }
}

/// The exact rational `num / den` that [`average`] rounds: `den > 0`.
pub fn average_fraction(sum: i64, n: u64, frac_in: i32, frac_out: i32) -> (i128, i128) {
    let d = frac_out - frac_in;
    if d >= 0 {
        ((sum as i128) << d, n as i128)
    } else {
        (sum as i128, (n as i128) << (-d))
    }
}

/// Element-wise add of `a` (at `frac_a`) and `b` (at `frac_b`): both are
/// aligned to the finer binary point exactly, summed, then requantized to
/// `out` like an accumulator (rounding by `out.round`, activation,
/// saturation).
pub fn add(a: i64, frac_a: i32, b: i64, frac_b: i32, act: Activation, out: &TensorType) -> i64 {
    let f = frac_a.max(frac_b);
    let sum = (a << (f - frac_a)) + (b << (f - frac_b));
    requantize(sum, f, act, out)
}

/// Smallest width of a two's-complement integer holding every value in
/// `[lo, hi]`.
pub fn signed_bits_for(lo: i64, hi: i64) -> u32 {
    let mut n = 1u32;
    while n < 64 {
        let min = -(1i128 << (n - 1));
        let max = (1i128 << (n - 1)) - 1;
        if (lo as i128) >= min && (hi as i128) <= max {
            return n;
        }
        n += 1;
    }
    64
}

/// Range of `bias + Σ a_i·w_i` over every input in `[amin, amax]`, for one
/// output channel with integer weight values `w`.
///
/// Every term's range contains 0 (input ranges always contain code 0), so
/// any partial sum of the terms lies in the same range: the hardware may add
/// the terms in any order and grouping without overflowing the width derived
/// from this range.
pub fn dot_range(
    bias: i64,
    w: impl IntoIterator<Item = i64>,
    amin: i64,
    amax: i64,
) -> (i128, i128) {
    let mut lo = bias as i128;
    let mut hi = bias as i128;
    for wv in w {
        let a = wv as i128 * amin as i128;
        let b = wv as i128 * amax as i128;
        lo += a.min(b);
        hi += a.max(b);
    }
    (lo, hi)
}

/// Width of the accumulator for a range from [`dot_range`] (at least 2
/// bits, the narrowest register the engines build), `None` when it does not
/// fit 64 bits.
pub fn acc_bits_for(lo: i128, hi: i128) -> Option<u32> {
    if lo < i64::MIN as i128 || hi > i64::MAX as i128 {
        return None;
    }
    Some(signed_bits_for(lo as i64, hi as i64).max(2))
}

/// Most thresholds a channel of the threshold mode has (an 8-bit output).
pub use super::limits::MAX_THRESHOLDS;

/// The threshold mode (docs/numerics.md §4.2): the accumulator `acc`
/// compared with a channel's ascending thresholds `t`; the count `n` of
/// those it reaches (`acc >= t_k`, or `acc <= t_k` for a `descending`
/// channel, whose output falls as the accumulator grows) gives the code
/// `out.min_code() + step · n`. `step` is 1, or 2 for a bipolar output
/// (codes −1 and +1 of a narrow 2-bit type). Activation and saturation are
/// in the thresholds: nothing else is applied.
pub fn threshold(acc: i64, t: &[i64], descending: bool, step: i64, out: &TensorType) -> i64 {
    let n = t
        .iter()
        .filter(|&&tk| if descending { acc <= tk } else { acc >= tk })
        .count() as i64;
    out.min_code() + step * n
}

/// A threshold moved into the range the hardware stores (`acc_bits + 1`
/// signed bits) without changing any comparison with an `acc_bits`-bit
/// accumulator: below the range it becomes one less than the smallest
/// accumulator (every `acc >=` holds, no `acc <=`), above it one more
/// than the largest.
pub fn clamp_threshold(t: i64, acc_bits: u32) -> i64 {
    let lo = -(1i64 << (acc_bits - 1));
    let hi = (1i64 << (acc_bits - 1)) - 1;
    t.clamp(lo - 1, hi + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(bits: u32, signed: bool, frac: i32) -> TensorType {
        TensorType::new(bits, signed, frac)
    }

    /// One `check(input, expected)` per rule: (acc, frac_acc, act, out) -> code.
    fn check(acc: i64, frac_acc: i32, act: Activation, out: TensorType, expected: i64) {
        assert_eq!(
            requantize(acc, frac_acc, act, &out),
            expected,
            "requantize({acc}, frac_acc={frac_acc}, {act:?}, {out:?})"
        );
    }

    #[test]
    fn rounding_half_up_positive_ties() {
        // 5/2 = 2.5 -> 3 ; 3/2 = 1.5 -> 2
        check(5, 1, Activation::None, t(8, true, 0), 3);
        check(3, 1, Activation::None, t(8, true, 0), 2);
        // 6/4 = 1.5 -> 2 ; 5/4 = 1.25 -> 1 ; 7/4 = 1.75 -> 2
        check(6, 2, Activation::None, t(8, true, 0), 2);
        check(5, 2, Activation::None, t(8, true, 0), 1);
        check(7, 2, Activation::None, t(8, true, 0), 2);
    }

    #[test]
    fn rounding_ties_on_negative_values_go_up() {
        // -5/2 = -2.5 -> -2 (towards +inf), not -3
        check(-5, 1, Activation::None, t(8, true, 0), -2);
        // -3/2 = -1.5 -> -1
        check(-3, 1, Activation::None, t(8, true, 0), -1);
        // -1/2 = -0.5 -> 0
        check(-1, 1, Activation::None, t(8, true, 0), 0);
        // -6/4 = -1.5 -> -1 ; -7/4 = -1.75 -> -2 ; -5/4 = -1.25 -> -1
        check(-6, 2, Activation::None, t(8, true, 0), -1);
        check(-7, 2, Activation::None, t(8, true, 0), -2);
        check(-5, 2, Activation::None, t(8, true, 0), -1);
    }

    #[test]
    fn zero_and_negative_shift_are_exact() {
        check(-77, 3, Activation::None, t(16, true, 3), -77);
        // out has more fractional bits than the accumulator: shift left
        check(-3, 1, Activation::None, t(16, true, 4), -24);
    }

    #[test]
    fn saturation_at_both_ends() {
        check(1000, 0, Activation::None, t(8, true, 0), 127);
        check(-1000, 0, Activation::None, t(8, true, 0), -128);
        check(127, 0, Activation::None, t(8, true, 0), 127);
        check(-128, 0, Activation::None, t(8, true, 0), -128);
        check(300, 0, Activation::None, t(8, false, 0), 255);
        check(-300, 0, Activation::None, t(8, false, 0), 0);
        check(2, 0, Activation::None, t(2, true, 0), 1);
        check(-3, 0, Activation::None, t(2, true, 0), -2);
        // rounding happens before saturation: 255.5 -> 256 -> 255
        check(511, 1, Activation::None, t(8, false, 0), 255);
    }

    #[test]
    fn relu_after_rounding() {
        check(-1, 1, Activation::Relu, t(8, true, 0), 0);
        check(-3, 1, Activation::Relu, t(8, true, 0), 0);
        check(3, 1, Activation::Relu, t(8, true, 0), 2);
        check(-100, 0, Activation::Relu, t(4, false, 0), 0);
        check(100, 0, Activation::Relu, t(4, false, 0), 15);
    }

    #[test]
    fn relu6_clamps_at_six_in_the_output_type() {
        // out frac 2: 6.0 is code 24
        check(100 << 2, 2, Activation::Relu6, t(8, false, 2), 24);
        check(23, 2, Activation::Relu6, t(8, false, 2), 23);
        check(-5, 2, Activation::Relu6, t(8, false, 2), 0);
        // 6.0 does not fit a u4.2 (max 3.75): saturation wins
        check(100, 2, Activation::Relu6, t(4, false, 2), 15);
        // accumulator at frac 4 -> out frac 1: 6.0 = code 12
        check(6 * 16 + 7, 4, Activation::Relu6, t(8, true, 1), 12);
    }

    #[test]
    fn average_rounds_half_up_exactly() {
        let t8 = t(8, true, 0);
        // 7/2 = 3.5 -> 4 ; -7/2 = -3.5 -> -3 ; 10/4 = 2.5 -> 3 ; -10/4 -> -2
        assert_eq!(average(7, 2, 0, &t8), 4);
        assert_eq!(average(-7, 2, 0, &t8), -3);
        assert_eq!(average(10, 4, 0, &t8), 3);
        assert_eq!(average(-10, 4, 0, &t8), -2);
        // non-power-of-two counts: 125 pixels of DS-CNN's pool
        assert_eq!(average(187, 125, 0, &t8), 1); // 1.496
        assert_eq!(average(188, 125, 0, &t8), 2); // 1.504
                                                  // more output fraction bits: 3/9 at frac 0 -> frac 4: 5.33 -> 5
        assert_eq!(average(3, 9, 0, &t(8, true, 4)), 5);
        // fewer: sum 100 at frac 4 over 2 -> frac 1: 50/16*2 = 6.25 -> 6
        assert_eq!(average(100, 2, 4, &t(8, true, 1)), 6);
        // saturates at both ends
        assert_eq!(average(1000, 2, 0, &t(4, false, 0)), 15);
        assert_eq!(average(-1000, 2, 0, &t(4, true, 0)), -8);
    }

    #[test]
    fn add_aligns_then_rounds() {
        // 1.5 (3 at frac 1) + 0.25 (1 at frac 2) = 1.75 -> frac 0: 2
        assert_eq!(add(3, 1, 1, 2, Activation::None, &t(8, true, 0)), 2);
        // -1.5 + 0 -> -1 (half up)
        assert_eq!(add(-3, 1, 0, 0, Activation::None, &t(8, true, 0)), -1);
        // relu after the sum
        assert_eq!(add(-3, 0, 1, 0, Activation::Relu, &t(8, true, 0)), 0);
        // saturation
        assert_eq!(add(127, 0, 127, 0, Activation::None, &t(8, true, 0)), 127);
        assert_eq!(
            add(-128, 0, -128, 0, Activation::None, &t(8, true, 0)),
            -128
        );
        // finer output keeps all bits
        assert_eq!(add(3, 1, 1, 2, Activation::None, &t(8, true, 3)), 14);
    }

    #[test]
    fn accumulator_width_is_tight() {
        // 2 inputs in [-128, 127], weights 1 and -1, bias 0:
        // range [-255, 255] -> 9 bits
        let (lo, hi) = dot_range(0, [1, -1], -128, 127);
        assert_eq!((lo, hi), (-255, 255));
        assert_eq!(acc_bits_for(lo, hi), Some(9));
        // unsigned inputs [0, 255], weight 1: [0, 255] -> 9 bits signed
        let (lo, hi) = dot_range(0, [1], 0, 255);
        assert_eq!(acc_bits_for(lo, hi), Some(9));
        // -128 * -128 = 16384 -> needs 16 bits
        let (lo, hi) = dot_range(0, [-128], -128, 127);
        assert_eq!((lo, hi), (-16256, 16384));
        assert_eq!(acc_bits_for(lo, hi), Some(16));
        assert_eq!(signed_bits_for(-1, 0), 1);
        assert_eq!(signed_bits_for(0, 1), 2);
        assert_eq!(signed_bits_for(-128, 127), 8);
        assert_eq!(signed_bits_for(-129, 0), 9);
    }

    fn check_channel(
        acc: i64,
        mult: i64,
        shift: u32,
        act: Activation,
        out: TensorType,
        expected: i64,
    ) {
        assert_eq!(
            requantize_channel(acc, mult, shift, act, &out),
            expected,
            "acc {acc} · {mult} >> {shift} to {out:?}"
        );
    }

    #[test]
    fn channel_multiplier_rounds_half_up_including_negative_ties() {
        let s8 = t(8, true, 0);
        check_channel(3, 3, 2, Activation::None, s8, 2); // 9/4 = 2.25 -> 2
        check_channel(2, 3, 2, Activation::None, s8, 2); // 6/4 = 1.5 -> 2
        check_channel(-2, 3, 2, Activation::None, s8, -1); // -1.5 -> -1
        check_channel(-5, 1, 1, Activation::None, s8, -2); // -2.5 -> -2
        check_channel(7, 1, 0, Activation::None, s8, 7); // no shift
    }

    #[test]
    fn channel_multiplier_saturates_at_both_ends_and_activates() {
        let s8 = t(8, true, 0);
        let u4 = t(4, false, 1);
        check_channel(1 << 40, 65535, 3, Activation::None, s8, 127);
        check_channel(-(1 << 40), 65535, 3, Activation::None, s8, -128);
        check_channel(i64::MAX / 4, 65535, 0, Activation::None, s8, 127);
        check_channel(-9, 4, 2, Activation::Relu, s8, 0);
        // relu6 at frac 1 clamps to code 12 before the 4-bit range (15)
        check_channel(100, 1, 0, Activation::Relu6, u4, 12);
        check_channel(0, 0, 5, Activation::None, s8, 0);
    }

    #[test]
    fn channel_multipliers_take_the_largest_shift_that_fits_16_bits() {
        let (m, s) = channel_multipliers(&[1.0, 0.5, 0.3]).expect("fits");
        assert_eq!(s, 15);
        assert_eq!(m, vec![32768, 16384, 9830]);
        // a factor of 3 leaves 14 bits of shift: 3 · 2^14 = 49152
        let (m, s) = channel_multipliers(&[3.0]).expect("fits");
        assert_eq!((m[0], s), (49152, 14));
        // tiny factors are capped by the largest shift
        let (_, s) = channel_multipliers(&[1e-9]).expect("fits");
        assert_eq!(s, MAX_CHANNEL_SHIFT);
        assert!(channel_multipliers(&[70000.0]).is_none());
    }

    /// The naive rounding of the rational `x / d` (`d > 0`) by `mode`:
    /// the floor `q` and remainder `r` in `[0, d)`, then a comparison of
    /// `2r` with `d` (a tie is `2r = d`) and of `x` with 0, each mode as
    /// its definition says.
    fn reference(x: i128, d: i128, mode: RoundMode) -> i128 {
        let q = x.div_euclid(d);
        let r = x.rem_euclid(d);
        let up = match mode {
            RoundMode::Floor => false,
            RoundMode::Ceil => r > 0,
            RoundMode::ToZero => x < 0 && r > 0,
            RoundMode::Away => x > 0 && r > 0,
            _ if 2 * r > d => true,
            _ if 2 * r < d => false,
            // ties
            RoundMode::HalfCeil => true,
            RoundMode::HalfEven => q % 2 != 0,
            RoundMode::HalfAway => x > 0,
            RoundMode::HalfZero => x < 0,
        };
        q + up as i128
    }

    fn saturate_reference(v: i128, bits: u32, signed: bool, narrow: bool) -> i64 {
        let (lo, hi) = if signed {
            (
                -(1i128 << (bits - 1)) + narrow as i128,
                (1i128 << (bits - 1)) - 1,
            )
        } else {
            (0, (1i128 << bits) - 1 - narrow as i128)
        };
        v.clamp(lo, hi) as i64
    }

    fn any_mode() -> impl proptest::strategy::Strategy<Value = RoundMode> {
        proptest::sample::select(RoundMode::ALL.to_vec())
    }

    /// Accumulators near a tie of a shift by `s` (exactly on it, one
    /// above, one below) or anywhere.
    fn near_ties() -> impl proptest::strategy::Strategy<Value = (i64, i32)> {
        use proptest::prelude::*;
        (
            0i32..=40,
            // k * 2^40 stays within i64
            -(1i32 << 20)..(1i32 << 20),
            -1i64..=1,
            any::<bool>(),
            any::<i64>(),
        )
            .prop_map(|(s, k, off, tie, any)| {
                if tie && s > 0 {
                    let t = (k as i64) * (1i64 << s) + (1i64 << (s - 1)) + off;
                    (t, s)
                } else {
                    (any >> 16, s)
                }
            })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        #[test]
        fn every_mode_requantizes_as_the_reference(
            (acc, s) in near_ties(),
            mode in any_mode(),
            bits in 2u32..=16,
            signed in proptest::bool::ANY,
            narrow in proptest::bool::ANY,
            frac_out in -4i32..=8,
        ) {
            let out = TensorType { round: mode, narrow, ..TensorType::new(bits, signed, frac_out) };
            let frac_acc = frac_out + s;
            let want = saturate_reference(reference(acc as i128, 1i128 << s, mode), bits, signed, narrow);
            proptest::prop_assert_eq!(requantize(acc, frac_acc, Activation::None, &out), want);
            // the per-channel form with a multiplier of 1 is the same shift
            proptest::prop_assert_eq!(requantize_channel(acc, 1, s as u32, Activation::None, &out), want);
        }

        #[test]
        fn every_mode_requantizes_channel_products_as_the_reference(
            acc in -(1i64 << 40)..(1i64 << 40),
            mult in 0i64..(1 << 16),
            s in 0u32..=40,
            mode in any_mode(),
            bits in 2u32..=16,
            signed in proptest::bool::ANY,
            narrow in proptest::bool::ANY,
        ) {
            let out = TensorType { round: mode, narrow, ..TensorType::new(bits, signed, 0) };
            let want = saturate_reference(
                reference(acc as i128 * mult as i128, 1i128 << s, mode), bits, signed, narrow);
            proptest::prop_assert_eq!(requantize_channel(acc, mult, s, Activation::None, &out), want);
        }

        #[test]
        fn every_mode_averages_as_the_reference(
            sum in -(1i64 << 24)..(1i64 << 24),
            n in 1u64..=300,
            frac_in in -2i32..=6,
            frac_out in -2i32..=6,
            mode in any_mode(),
            bits in 2u32..=16,
            signed in proptest::bool::ANY,
            narrow in proptest::bool::ANY,
            tie in proptest::bool::ANY,
        ) {
            // a tie on purpose: sum = (2k + 1) · n / 2 for even n
            let sum = if tie && n.is_multiple_of(2) { (sum >> 10 | 1) * (n as i64 / 2) } else { sum };
            let out = TensorType { round: mode, narrow, ..TensorType::new(bits, signed, frac_out) };
            let (num, den) = average_fraction(sum, n, frac_in, frac_out);
            let want = saturate_reference(reference(num, den, mode), bits, signed, narrow);
            proptest::prop_assert_eq!(average(sum, n, frac_in, &out), want);
        }
    }

    #[test]
    fn the_modes_round_ties_as_named() {
        // x / 2 for x = -5..=5 (ties at the odd x)
        let table: [(RoundMode, [i64; 11]); 8] = [
            (RoundMode::HalfCeil, [-2, -2, -1, -1, 0, 0, 1, 1, 2, 2, 3]),
            (RoundMode::HalfEven, [-2, -2, -2, -1, 0, 0, 0, 1, 2, 2, 2]),
            (RoundMode::HalfAway, [-3, -2, -2, -1, -1, 0, 1, 1, 2, 2, 3]),
            (RoundMode::HalfZero, [-2, -2, -1, -1, 0, 0, 0, 1, 1, 2, 2]),
            (RoundMode::Floor, [-3, -2, -2, -1, -1, 0, 0, 1, 1, 2, 2]),
            (RoundMode::Ceil, [-2, -2, -1, -1, 0, 0, 1, 1, 2, 2, 3]),
            (RoundMode::ToZero, [-2, -2, -1, -1, 0, 0, 0, 1, 1, 2, 2]),
            (RoundMode::Away, [-3, -2, -2, -1, -1, 0, 1, 1, 2, 2, 3]),
        ];
        for (mode, want) in table {
            let out = TensorType {
                round: mode,
                ..t(8, true, 0)
            };
            let got: Vec<i64> = (-5..=5)
                .map(|x| requantize(x, 1, Activation::None, &out))
                .collect();
            assert_eq!(got, want, "{mode:?}");
            // the average of two codes summing to x is the same rounding
            let avg: Vec<i64> = (-5..=5).map(|x| average(x, 2, 0, &out)).collect();
            assert_eq!(avg, want, "average {mode:?}");
        }
    }

    #[test]
    fn narrow_range_leaves_out_the_extreme_code() {
        let s4 = TensorType {
            narrow: true,
            ..t(4, true, 0)
        };
        assert_eq!(requantize(-100, 0, Activation::None, &s4), -7);
        assert_eq!(requantize(100, 0, Activation::None, &s4), 7);
        let u4 = TensorType {
            narrow: true,
            ..t(4, false, 0)
        };
        assert_eq!(requantize(100, 0, Activation::None, &u4), 14);
        assert_eq!(average(-1000, 2, 0, &s4), -7);
        assert_eq!(add(-8, 0, -8, 0, Activation::None, &s4), -7);
    }
}
