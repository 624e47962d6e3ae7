//! Top-1 accuracy of a network on labelled data: the float reference and
//! the integer (golden) model side by side.

use ndarray::{ArrayView1, ArrayView2};
use serde::Serialize;

use crate::golden;
use crate::ir::Graph;

/// Accuracy of one network on one data set.
#[derive(Clone, Debug, Serialize)]
pub struct Accuracy {
    pub frames: usize,
    /// Top-1 accuracy of the float reference, in percent.
    pub float_top1: f64,
    /// Top-1 accuracy of the quantized network (the golden model, which the
    /// RTL matches bit for bit), in percent.
    pub quant_top1: f64,
    /// Share of frames, in percent, where both pick the same class.
    pub agreement: f64,
}

impl Accuracy {
    /// Points of accuracy lost to quantization.
    pub fn drop(&self) -> f64 {
        self.float_top1 - self.quant_top1
    }

    pub fn line(&self) -> String {
        format!(
            "frames={} float_top1={:.2}% quant_top1={:.2}% drop={:.2} agreement={:.2}%",
            self.frames,
            self.float_top1,
            self.quant_top1,
            self.drop(),
            self.agreement
        )
    }
}

/// Index of the largest element; the first on ties (NaN never wins).
pub fn argmax<T: PartialOrd + Copy>(row: ArrayView1<T>) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v > row[best] {
            best = i;
        }
    }
    best
}

/// Classes picked by the integer model for input codes `[frames, len]`.
pub fn quant_classes(graph: &Graph, codes: ArrayView2<i64>) -> Vec<usize> {
    let y = graph.to_host_order(golden::run(graph, codes).view());
    y.rows().into_iter().map(argmax).collect()
}

/// Classes picked by the float reference for real inputs `[frames, len]`.
pub fn float_classes(graph: &Graph, reals: ArrayView2<f64>) -> Vec<usize> {
    let y = graph.to_host_order(golden::float::run(graph, reals).view());
    y.rows().into_iter().map(argmax).collect()
}

fn percent(n: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        100.0 * n as f64 / of as f64
    }
}

/// Accuracy of the float reference on `reals` and of the integer model on
/// `codes` (the same frames, quantized to the input type).
pub fn evaluate(
    graph: &Graph,
    reals: ArrayView2<f64>,
    codes: ArrayView2<i64>,
    labels: &[usize],
) -> Accuracy {
    let fc = float_classes(graph, reals);
    let qc = quant_classes(graph, codes);
    let hits = |c: &[usize]| c.iter().zip(labels).filter(|(a, b)| a == b).count();
    let same = fc.iter().zip(&qc).filter(|(a, b)| a == b).count();
    Accuracy {
        frames: labels.len(),
        float_top1: percent(hits(&fc), labels.len()),
        quant_top1: percent(hits(&qc), labels.len()),
        agreement: percent(same, labels.len()),
    }
}
