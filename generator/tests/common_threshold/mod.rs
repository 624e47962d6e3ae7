//! What the benches of the threshold mode share (`rtl_threshold.rs` on the
//! RTL, `hls_threshold.rs` in C simulation): a channel's thresholds and its
//! threshold word as both libraries read it, and the random channels,
//! accumulators and unit tests both draw against `ir::numerics::threshold`.
//!
//! It uses `common_rtl` (its random numbers and bit vectors): a bench that
//! includes this module includes `common_rtl` at its root too.
#![allow(dead_code)]

use tomatl::ir::{numerics, TensorType};

use crate::common_rtl::{code_of, type_range, Bits, Rng};

/// An output type of `bits` bits without a fraction, `narrow` or not.
pub fn out_type(bits: u32, signed: bool, narrow: bool) -> TensorType {
    TensorType {
        narrow,
        ..TensorType::new(bits, signed, 0)
    }
}

/// One channel's thresholds: ascending values of `acc_bits + 1` bits and
/// the descending flag.
#[derive(Clone, Debug)]
pub struct Channel {
    pub t: Vec<i64>,
    pub desc: bool,
}

/// Bits of a channel's threshold word.
pub fn th_word_bits(acc_bits: u32, count: usize) -> usize {
    count * (acc_bits as usize + 1) + 1
}

/// The channel's threshold word as `tomatl_threshold` and
/// `tomatl::threshold` read it: bit 0 the descending flag, threshold k at
/// `1 + k*(acc_bits+1)` (two's complement, `acc_bits + 1` bits).
pub fn th_word(c: &Channel, acc_bits: u32) -> Bits {
    let tb = acc_bits + 1;
    let mut b = Bits::new(th_word_bits(acc_bits, c.t.len()));
    b.set(0, 1, c.desc as u64);
    for (k, &t) in c.t.iter().enumerate() {
        b.set(1 + k * tb as usize, tb, code_of(t, tb, true));
    }
    b
}

/// Random ascending thresholds for accumulators of `acc_bits` bits that
/// see values around `near`: every kind of set the generator may write
/// (spread over the range, clustered with duplicates, around `near`, beyond
/// the accumulator's range on either side, the extremes of the threshold
/// type), each channel ascending or descending.
pub fn random_channel(rng: &mut Rng, acc_bits: u32, count: usize, near: i64) -> Channel {
    let (alo, ahi) = type_range(acc_bits, true);
    let (tlo, thi) = type_range(acc_bits + 1, true);
    let kind = rng.range(0, 7);
    let mut t: Vec<i64> = (0..count)
        .map(|_| match kind {
            // over the threshold type, beyond the accumulator's range too
            0 => rng.range(tlo, thi),
            // over the accumulator's range
            1 => rng.range(alo, ahi),
            // few distinct values: duplicates
            2 => near + rng.range(-2, 2),
            // around the accumulator values of the test
            3 => near + rng.range(-(count as i64), count as i64),
            // beyond the range: above (never reached) or below (always)
            4 => rng.range(ahi + 1, thi),
            5 => rng.range(tlo, alo - 1),
            // a mix with the extremes of both types
            _ => [tlo, thi, alo, ahi, alo - 1, ahi + 1, near, near + 1][rng.range(0, 7) as usize],
        })
        .map(|v| v.clamp(tlo, thi))
        .collect();
    t.sort_unstable();
    Channel {
        t,
        desc: rng.range(0, 2) == 0,
    }
}

/// An accumulator value to test against a channel: the ends of the range,
/// a threshold or its neighbours (ties), or random.
pub fn random_acc(rng: &mut Rng, acc_bits: u32, c: &Channel) -> i64 {
    let (lo, hi) = type_range(acc_bits, true);
    let k = rng.range(0, c.t.len() as i64 - 1) as usize;
    match rng.range(0, 7) {
        0 => lo,
        1 => hi,
        2 | 3 => c.t[k].clamp(lo, hi),
        4 => (c.t[k] + rng.range(-1, 1)).clamp(lo, hi),
        _ => rng.range(lo, hi),
    }
}

/// What the tests of a threshold unit must reach: the bottom and the top
/// code, a tie, a descending channel and a threshold beyond the
/// accumulator's range.
pub type Seen = [bool; 5];

/// The `i`-th test of a threshold unit with accumulators of `acc_bits`
/// bits, `count` thresholds and `step` into `out`: a random channel around
/// 0, a random value or an end of the range (by `i % 3`), an accumulator to
/// test it with, and the code `ir::numerics::threshold` gives for them;
/// marks in `seen` what the test reaches.
pub fn unit_test(
    rng: &mut Rng,
    i: usize,
    (acc_bits, count, step): (u32, usize, i64),
    out: &TensorType,
    seen: &mut Seen,
) -> (i64, Channel, i64) {
    let (lo, hi) = type_range(acc_bits, true);
    let near = match i % 3 {
        0 => 0,
        1 => rng.range(lo, hi),
        _ => [lo, hi][rng.range(0, 1) as usize],
    };
    let ch = random_channel(rng, acc_bits, count, near);
    let acc = random_acc(rng, acc_bits, &ch);
    let y = numerics::threshold(acc, &ch.t, ch.desc, step, out);
    seen[0] |= y == out.min_code();
    seen[1] |= y == out.min_code() + step * count as i64;
    seen[2] |= ch.t.contains(&acc);
    seen[3] |= ch.desc;
    seen[4] |= ch.t.iter().any(|&t| t < lo || t > hi);
    (acc, ch, y)
}

/// The thresholds of a matrix-vector channel with the weights `row`, the
/// bias `bias` and inputs in `amin..=amax`: now and then (one in four) a
/// [`random_channel`] around the bias, else thresholds where the sums of
/// random inputs fall (within about two standard deviations of a dot
/// product around its middle).
pub fn dot_channel(
    rng: &mut Rng,
    (acc_bits, count): (u32, usize),
    row: &[i64],
    bias: i64,
    (amin, amax): (i64, i64),
) -> Channel {
    if rng.range(0, 4) == 0 {
        return random_channel(rng, acc_bits, count, bias);
    }
    let sd = row.iter().map(|v| (v * v) as f64).sum::<f64>().sqrt() * (amax - amin) as f64 / 3.5;
    let sd = (sd as i64).max(1);
    let mid = bias + row.iter().sum::<i64>() * (amax + amin) / 2;
    let (tlo, thi) = type_range(acc_bits + 1, true);
    let mut t: Vec<i64> = (0..count)
        .map(|_| (mid + rng.range(-2 * sd, 2 * sd)).clamp(tlo, thi))
        .collect();
    t.sort_unstable();
    Channel {
        t,
        desc: rng.range(0, 2) == 0,
    }
}
