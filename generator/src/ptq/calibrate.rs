//! Post-training quantization: every layer's binary points chosen from its
//! real weights and from the ranges its outputs take on calibration data.
//!
//! - Weights: for the layer's arithmetic and bits, the `frac` whose
//!   quantized weights are closest to the real ones (least squared error),
//!   searched around the one that just fits the largest weight
//!   ([`crate::frontend::quantize::fitted_weight_type`]).
//! - Outputs: signed when calibration sees a negative value; `frac` the
//!   largest that holds the largest calibration value, or up to two more
//!   fractional bits when saturating the rare outliers lowers the squared
//!   error over the calibration set.

use ndarray::{Array2, ArrayView2, Axis};

use super::describe::{current, Choice};
use crate::frontend::quantize::{clamp_frac, fitted_weight_type, tensor_code};
use crate::frontend::ArithSpec;
use crate::golden;
use crate::ir::{Arith, Graph, Layer, Op, TensorType};

/// A precision rule: which arithmetic and bits each kind of layer gets.
/// A layer takes the first that applies of `edges` (the first and last
/// layers with weights), `pointwise` (1×1 convolutions), `depthwise`,
/// `weights` (every layer), and otherwise keeps its policy's.
#[derive(Clone, Debug, Default)]
pub struct Rule {
    pub weights: Option<ArithSpec>,
    pub pointwise: Option<ArithSpec>,
    pub depthwise: Option<ArithSpec>,
    pub edges: Option<ArithSpec>,
    /// Bits of every layer's output type (the policy's when absent).
    pub act_bits: Option<u32>,
    /// Per layer (by index), a spec before all the others.
    pub layers: Vec<Option<ArithSpec>>,
    /// Per-channel scales (`scale: channel`) on every dense and conv layer
    /// with fixed-point weights.
    pub per_channel: bool,
}

impl Rule {
    /// The weight spec the rule gives layer `i` of `graph`, if any.
    pub fn weights_for(&self, graph: &Graph, i: usize) -> Option<ArithSpec> {
        let with_weights: Vec<usize> = (0..graph.layers.len())
            .filter(|&j| current(&graph.layers[j]).weights.is_some())
            .collect();
        let is_edge = with_weights.first() == Some(&i) || with_weights.last() == Some(&i);
        let l = &graph.layers[i];
        let (pointwise, depthwise) = match &l.op {
            Op::Conv(c) => (!c.depthwise && c.kernel == [1, 1], c.depthwise),
            _ => (false, false),
        };
        current(l).weights?;
        if let Some(s) = self.layers.get(i).copied().flatten() {
            return Some(s);
        }
        let pick = [
            (is_edge, self.edges),
            (pointwise, self.pointwise),
            (depthwise, self.depthwise),
            (true, self.weights),
        ];
        pick.into_iter()
            .find_map(|(applies, s)| s.filter(|_| applies))
    }
}

/// The output type of `bits` bits for calibration values `ys`.
pub fn act_type(ys: &[f64], bits: u32) -> TensorType {
    let signed = ys.iter().any(|&y| y < 0.0);
    let max = ys.iter().fold(0f64, |m, y| m.max(y.abs()));
    let mut t = TensorType::new(bits, signed, bits as i32 - 1);
    if max == 0.0 {
        return t;
    }
    let top = t_max(&t) as f64;
    let fit = clamp_frac((top / max).log2().floor() as i32);
    let err = |t: &TensorType| -> f64 {
        let s = 2f64.powi(-t.frac);
        ys.iter()
            .map(|&y| {
                let q = tensor_code(y, t) as f64 * s;
                (q - y) * (q - y)
            })
            .sum()
    };
    let mut best = f64::INFINITY;
    for f in fit..=clamp_frac(fit + 2) {
        let c = TensorType { frac: f, ..t };
        let e = err(&c);
        if e < best {
            best = e;
            t = c;
        }
    }
    t
}

fn t_max(t: &TensorType) -> i64 {
    t.max_code()
}

/// Real weights of a layer with weights.
fn real_weights(l: &Layer) -> Option<Vec<f64>> {
    match &l.op {
        Op::Dense(d) => Some(d.real.weights.iter().copied().collect()),
        Op::Conv(c) => Some(c.real.weights.iter().copied().collect()),
        _ => None,
    }
}

/// Every layer's types for `rule`, from the real weights and the float
/// reference run over `calib` (real inputs `[frames, input_len]`).
pub fn calibrate(graph: &Graph, calib: ArrayView2<f64>, rule: &Rule) -> Vec<Choice> {
    choose(graph, &golden::float::trace(graph, calib), rule)
}

/// [`calibrate`] with the float trace of the calibration set given
/// (`golden::float::trace`): the trace does not depend on the rule.
pub fn choose(graph: &Graph, trace: &[Array2<f64>], rule: &Rule) -> Vec<Choice> {
    graph
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut c = current(l);
            if let (Some(w), Some(ws)) = (c.weights, real_weights(l)) {
                let spec = rule.weights_for(graph, i).unwrap_or(ArithSpec {
                    arith: w.arith,
                    bits: w.bits,
                });
                c.weights = Some(fitted_weight_type(&ws, spec));
                let depthwise = matches!(&l.op, Op::Conv(cv) if cv.depthwise);
                if rule.per_channel && spec.arith == Arith::Fixed && !depthwise {
                    c.channel = true;
                }
            }
            if let Some(a) = c.acts {
                let ys: Vec<f64> = trace[i].iter().copied().collect();
                let bits = rule.act_bits.unwrap_or(a.bits);
                c.acts = Some(act_type(&ys, bits));
            }
            c
        })
        .collect()
}

/// Largest absolute value per layer over the calibration set, for reports.
pub fn ranges(graph: &Graph, calib: ArrayView2<f64>) -> Vec<f64> {
    golden::float::trace(graph, calib)
        .iter()
        .map(|t| {
            t.map_axis(Axis(1), |r| r.iter().fold(0f64, |m, y| m.max(y.abs())))
                .iter()
                .fold(0f64, |m, &y| m.max(y))
        })
        .collect()
}
