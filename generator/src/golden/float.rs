//! The float reference: the network computed in f64 with its real weights
//! ([`crate::ir::RealParams`]) and no quantization at all. It is what an
//! imported model computes before tomatl quantizes it, the baseline of
//! `tomatl eval` and the range source of `tomatl quantize`.
//!
//! Same layer semantics as the integer model, without rounding or
//! saturation: `act(W·x + b)` with `relu6` clamping to `[0, 6]`, zero
//! padding, max and mean pooling, `act(a + b)` for residual adds.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use crate::ir::{Activation, Conv, Dense, Graph, Layer, Op, Pool, PoolKind, Src};

/// Every layer's real output for every frame: `trace[i]` is
/// `[frames, len_i]` for layer `i` (HWC order).
pub fn trace(graph: &Graph, inputs: ArrayView2<f64>) -> Vec<Array2<f64>> {
    super::parallel_frames(inputs, |chunk| trace_serial(graph, chunk))
}

fn trace_serial(graph: &Graph, inputs: ArrayView2<f64>) -> Vec<Array2<f64>> {
    let mut outs: Vec<Array2<f64>> = Vec::with_capacity(graph.layers.len());
    for layer in &graph.layers {
        let len: usize = layer.out_shape.iter().product();
        let mut next = Array2::<f64>::zeros((inputs.nrows(), len));
        for f in 0..inputs.nrows() {
            let arg = |s: Src| match s {
                Src::Input => inputs.row(f),
                Src::Layer(j) => outs[j].row(f),
            };
            let x = arg(layer.inputs[0]);
            let y = match &layer.op {
                Op::Dense(d) => dense(d, x),
                Op::Conv(c) => conv(c, layer, x),
                Op::Pool(p) => pool(p, layer, x),
                Op::GlobalAvgPool => gavgpool(layer, x),
                Op::Add { act } => {
                    let b = arg(layer.inputs[1]);
                    Array1::from_iter(x.iter().zip(b.iter()).map(|(a, b)| activate(a + b, *act)))
                }
                Op::Flatten => x.to_owned(),
            };
            next.row_mut(f).assign(&y);
        }
        outs.push(next);
    }
    outs
}

/// The network's real output `[frames, output_len]` for real inputs
/// `[frames, input_len]`.
pub fn run(graph: &Graph, inputs: ArrayView2<f64>) -> Array2<f64> {
    trace(graph, inputs)
        .pop()
        .unwrap_or_else(|| inputs.to_owned())
}

fn activate(x: f64, act: Activation) -> f64 {
    match act {
        Activation::None => x,
        Activation::Relu => x.max(0.0),
        Activation::Relu6 => x.clamp(0.0, 6.0),
    }
}

fn dense(d: &Dense, x: ArrayView1<f64>) -> Array1<f64> {
    (d.real.weights.dot(&x) + &d.real.bias).mapv(|a| activate(a, d.act))
}

fn hwc(s: &[usize]) -> (usize, usize, usize) {
    (s[0], s[1], s[2])
}

fn conv(c: &Conv, layer: &Layer, x: ArrayView1<f64>) -> Array1<f64> {
    let cin = layer.in_shape[2];
    let (oh, ow, cout) = hwc(&layer.out_shape);
    let [kh, kw] = c.kernel;
    let wv = &c.real.weights;
    let k = c.window_len();
    let ws = wv
        .as_slice()
        .map(<[f64]>::to_vec)
        .unwrap_or_else(|| wv.iter().copied().collect());
    let mut patch = vec![0f64; kh * kw * cin];
    let mut out = Array1::<f64>::zeros(oh * ow * cout);
    for oy in 0..oh {
        for ox in 0..ow {
            super::gather_window(x.view(), &layer.in_shape, c, (oy, ox), &mut patch);
            for o in 0..cout {
                let row = &ws[o * k..(o + 1) * k];
                let acc: f64 = if c.depthwise {
                    (0..kh * kw).map(|p| patch[p * cin + o] * row[p]).sum()
                } else {
                    row.iter().zip(&patch).map(|(a, b)| a * b).sum()
                };
                out[(oy * ow + ox) * cout + o] = activate(c.real.bias[o] + acc, c.act);
            }
        }
    }
    out
}

fn pool(p: &Pool, layer: &Layer, x: ArrayView1<f64>) -> Array1<f64> {
    super::pool_windows(x, &layer.in_shape, &layer.out_shape, p, |v| match p.kind {
        PoolKind::Max => v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        PoolKind::Avg => v.iter().sum::<f64>() / v.len() as f64,
    })
}

fn gavgpool(layer: &Layer, x: ArrayView1<f64>) -> Array1<f64> {
    let (h, w, ch) = hwc(&layer.in_shape);
    Array1::from_iter((0..ch).map(|c| {
        let sum: f64 = (0..h * w).map(|p| x[p * ch + c]).sum();
        sum / (h * w) as f64
    }))
}
