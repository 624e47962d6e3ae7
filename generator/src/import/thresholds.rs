//! The threshold mode's integers from a model's floats (docs/numerics.md
//! §4.2), as FINN's MultiThreshold: what a QONNX graph computes after a
//! layer's integer accumulator — `acc · unit + bias`, a batch norm, an
//! activation and the output quantizer (or a bipolar sign) — is a
//! monotone function of the accumulator per channel. Its thresholds, the
//! accumulators where the output code steps up, are found by bisection
//! over the accumulator's whole range, evaluating that function exactly
//! as the graph states it (in f64, one operation at a time), so every
//! accumulator gives the quantizer's code.

use crate::ir::{RoundMode, TensorType};

/// The float chain after one channel's accumulator.
#[derive(Clone, Debug)]
pub struct Chain {
    /// Real value of one accumulator unit (input scale × weight scale).
    pub unit: f64,
    /// Real bias added after scaling (0 when the bias is in the codes).
    pub bias: f64,
    /// Batch norm `(x − mean) / sqrt(var + eps) · gamma + beta`.
    pub bn: Option<Bn>,
    /// `relu` or `relu6` (`none` otherwise).
    pub act: &'static str,
    pub quant: Quantizer,
}

#[derive(Clone, Copy, Debug)]
pub struct Bn {
    pub gamma: f64,
    pub beta: f64,
    pub mean: f64,
    pub var: f64,
    pub eps: f64,
}

/// The output quantizer: QONNX `Quant` (scale, zero point 0, rounding
/// mode, range of `ty`) or `BipolarQuant` (+1 where the value is >= 0).
#[derive(Clone, Copy, Debug)]
pub enum Quantizer {
    Quant { scale: f64, ty: TensorType },
    Bipolar,
}

impl Chain {
    /// The output code for accumulator `acc`.
    pub fn code(&self, acc: i64) -> i64 {
        let mut y = acc as f64 * self.unit + self.bias;
        if let Some(b) = self.bn {
            y = (y - b.mean) / (b.var + b.eps).sqrt() * b.gamma + b.beta;
        }
        y = match self.act {
            "relu" => y.max(0.0),
            "relu6" => y.clamp(0.0, 6.0),
            _ => y,
        };
        match self.quant {
            Quantizer::Bipolar => {
                if y >= 0.0 {
                    1
                } else {
                    -1
                }
            }
            Quantizer::Quant { scale, ty } => ty.saturate(round_real(y / scale, ty.round)),
        }
    }
}

/// `v` rounded by `mode` (docs/numerics.md §4.0), clamped to ±2^40
/// first (outputs are saturated to at most 8 bits afterwards); NaN is 0.
/// `v − floor(v)` is exact in f64, so ties are seen exactly.
fn round_real(v: f64, mode: RoundMode) -> i64 {
    const BIG: f64 = (1u64 << 40) as f64;
    if v.is_nan() {
        return 0;
    }
    let v = v.clamp(-BIG, BIG);
    let fl = v.floor();
    let frac = v - fl;
    let up = if frac == 0.0 {
        false
    } else {
        let tie = frac == 0.5;
        match mode {
            RoundMode::HalfCeil => frac >= 0.5,
            RoundMode::HalfEven => frac > 0.5 || (tie && (fl as i64) & 1 == 1),
            RoundMode::HalfAway => frac > 0.5 || (tie && v > 0.0),
            RoundMode::HalfZero => frac > 0.5 || (tie && v < 0.0),
            RoundMode::Floor => false,
            RoundMode::Ceil => true,
            RoundMode::ToZero => v < 0.0,
            RoundMode::Away => v > 0.0,
        }
    };
    fl as i64 + i64::from(up)
}

/// Thresholds of one channel for an output of `levels` codes above the
/// lowest, `step` apart (`lowest + k · step`, k = 1..=levels), over
/// accumulators `lo..=hi`: ascending, and whether the channel is
/// descending (its code falls as the accumulator grows).
pub fn channel_thresholds(
    chain: &Chain,
    lowest: i64,
    step: i64,
    levels: usize,
    (lo, hi): (i64, i64),
) -> (Vec<i64>, bool) {
    let descending = chain.code(lo) > chain.code(hi);
    let mut t: Vec<i64> = (1..=levels as i64)
        .map(|k| {
            let level = lowest + k * step;
            if descending {
                // the largest accumulator still at or above the level
                last_true(lo, hi, |a| chain.code(a) >= level).unwrap_or(lo - 1)
            } else {
                // the smallest accumulator at or above the level
                first_true(lo, hi, |a| chain.code(a) >= level).unwrap_or(hi + 1)
            }
        })
        .collect();
    t.sort_unstable();
    (t, descending)
}

/// The smallest `a` in `lo..=hi` where the monotone `p` (false, then true)
/// holds.
fn first_true(lo: i64, hi: i64, p: impl Fn(i64) -> bool) -> Option<i64> {
    if !p(hi) {
        return None;
    }
    let (mut a, mut b) = (lo, hi);
    while a < b {
        let m = a + (b - a) / 2;
        if p(m) {
            b = m;
        } else {
            a = m + 1;
        }
    }
    Some(a)
}

/// The largest `a` in `lo..=hi` where the monotone `p` (true, then false)
/// holds.
fn last_true(lo: i64, hi: i64, p: impl Fn(i64) -> bool) -> Option<i64> {
    if !p(lo) {
        return None;
    }
    let (mut a, mut b) = (lo, hi);
    while a < b {
        let m = a + (b - a + 1) / 2;
        if p(m) {
            a = m;
        } else {
            b = m - 1;
        }
    }
    Some(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::numerics::threshold;

    fn check(chain: &Chain, out: &TensorType, step: i64, range: (i64, i64)) {
        let levels = ((out.max_code() - out.min_code()) / step) as usize;
        let (t, desc) = channel_thresholds(chain, out.min_code(), step, levels, range);
        for a in range.0..=range.1 {
            assert_eq!(
                threshold(a, &t, desc, step, out),
                chain.code(a),
                "acc {a}, {chain:?}"
            );
        }
    }

    #[test]
    fn thresholds_reproduce_the_chain_on_every_accumulator() {
        let u4 = TensorType {
            round: RoundMode::HalfEven,
            ..TensorType::new(4, false, 0)
        };
        let s2 = TensorType {
            round: RoundMode::HalfEven,
            ..TensorType::new(2, true, 0)
        };
        let bipolar = TensorType {
            narrow: true,
            ..TensorType::new(2, true, 0)
        };
        for (gamma, act) in [(1.3, "relu"), (-0.7, "relu"), (0.0, "none"), (-2.0, "none")] {
            let bn = Some(Bn {
                gamma,
                beta: 0.2,
                mean: 1.5,
                var: 0.8,
                eps: 1e-5,
            });
            for bias in [0.0, -0.37] {
                let c = |quant| Chain {
                    unit: 0.013,
                    bias,
                    bn,
                    act,
                    quant,
                };
                let q = |scale, ty| Quantizer::Quant { scale, ty };
                check(&c(q(0.11, u4)), &u4, 1, (-300, 300));
                check(&c(q(0.05, s2)), &s2, 1, (-300, 300));
                check(&c(Quantizer::Bipolar), &bipolar, 2, (-300, 300));
            }
        }
    }

    #[test]
    fn ties_round_by_the_quantizers_mode() {
        // unit 0.25, scale 0.5: acc 2 is 0.5 / 0.5 = 1 exactly, acc 1 a tie
        let ty = |round| TensorType {
            round,
            ..TensorType::new(4, true, 0)
        };
        let c = |round| Chain {
            unit: 0.25,
            bias: 0.0,
            bn: None,
            act: "none",
            quant: Quantizer::Quant {
                scale: 0.5,
                ty: ty(round),
            },
        };
        assert_eq!(c(RoundMode::HalfEven).code(1), 0);
        assert_eq!(c(RoundMode::HalfEven).code(3), 2);
        assert_eq!(c(RoundMode::HalfAway).code(-1), -1);
        assert_eq!(c(RoundMode::Floor).code(-1), -1);
        for m in [RoundMode::HalfEven, RoundMode::HalfAway, RoundMode::Floor] {
            check(&c(m), &ty(m), 1, (-40, 40));
        }
    }
}
