//! One function per op: a layer's output codes for one frame.

use ndarray::Array1;

use crate::ir::numerics::{add, average, requantize, requantize_channel};
use crate::ir::{Conv, Dense, Graph, Layer, Op, Pool, PoolKind};

/// Output of layer `i` of `graph` for one frame, given its inputs (HWC,
/// flattened).
pub fn forward(graph: &Graph, i: usize, args: &[Array1<i64>]) -> Array1<i64> {
    let layer = &graph.layers[i];
    let x = &args[0];
    match &layer.op {
        Op::Dense(d) => dense(d, layer, x),
        Op::Conv(c) => conv(c, layer, x),
        Op::Pool(p) => pool(p, layer, x),
        Op::GlobalAvgPool => gavgpool(layer, x),
        Op::Add { act } => {
            let tb = graph.src_type(layer.inputs[1]);
            let ta = layer.in_type;
            Array1::from_iter(
                x.iter()
                    .zip(args[1].iter())
                    .map(|(&a, &b)| add(a, ta.frac, b, tb.frac, *act, &layer.out_type)),
            )
        }
        Op::Flatten => x.clone(),
    }
}

fn dense(d: &Dense, layer: &Layer, x: &Array1<i64>) -> Array1<i64> {
    let frac_acc = layer.in_type.frac + d.wtype.frac;
    let acc = d.values().dot(x) + &d.bias;
    Array1::from_iter(
        acc.iter()
            .enumerate()
            .map(|(o, &a)| match (&d.channel, &d.thresholds) {
                (_, Some(th)) => th.apply(o, a, &layer.out_type),
                (Some(ch), None) => {
                    requantize_channel(a, ch.mult[o], ch.shift, d.act, &layer.out_type)
                }
                (None, None) => requantize(a, frac_acc, d.act, &layer.out_type),
            }),
    )
}

/// `[h, w, c]` of a 3-D shape.
fn hwc(s: &[usize]) -> (usize, usize, usize) {
    (s[0], s[1], s[2])
}

fn conv(c: &Conv, layer: &Layer, x: &Array1<i64>) -> Array1<i64> {
    let cin = layer.in_shape[2];
    let (oh, ow, cout) = hwc(&layer.out_shape);
    let [kh, kw] = c.kernel;
    let wv = c.values();
    let ws = wv.as_slice().unwrap_or(&[]);
    let frac_acc = layer.in_type.frac + c.wtype.frac;
    let k = c.window_len();
    let mut out = Array1::<i64>::zeros(oh * ow * cout);
    let mut patch = vec![0i64; kh * kw * cin];
    for oy in 0..oh {
        for ox in 0..ow {
            super::gather_window(x.view(), &layer.in_shape, c, (oy, ox), &mut patch);
            for o in 0..cout {
                let acc = if c.depthwise {
                    let row = &ws[o * k..(o + 1) * k];
                    (0..kh * kw)
                        .map(|p| patch[p * cin + o] * row[p])
                        .sum::<i64>()
                } else {
                    let row = &ws[o * k..(o + 1) * k];
                    row.iter().zip(&patch).map(|(a, b)| a * b).sum::<i64>()
                };
                out[(oy * ow + ox) * cout + o] = match (&c.channel, &c.thresholds) {
                    (_, Some(th)) => th.apply(o, c.bias[o] + acc, &layer.out_type),
                    (Some(ch), None) => requantize_channel(
                        c.bias[o] + acc,
                        ch.mult[o],
                        ch.shift,
                        c.act,
                        &layer.out_type,
                    ),
                    (None, None) => requantize(c.bias[o] + acc, frac_acc, c.act, &layer.out_type),
                };
            }
        }
    }
    out
}

fn pool(p: &Pool, layer: &Layer, x: &Array1<i64>) -> Array1<i64> {
    let n = (p.kernel[0] * p.kernel[1]) as u64;
    super::pool_windows(
        x.view(),
        &layer.in_shape,
        &layer.out_shape,
        p,
        |v| match p.kind {
            PoolKind::Max => v.iter().copied().max().unwrap_or(0),
            PoolKind::Avg => average(v.iter().sum(), n, layer.in_type.frac, &layer.out_type),
        },
    )
}

fn gavgpool(layer: &Layer, x: &Array1<i64>) -> Array1<i64> {
    let (h, w, ch) = hwc(&layer.in_shape);
    Array1::from_iter((0..ch).map(|c| {
        let sum: i64 = (0..h * w).map(|p| x[p * ch + c]).sum();
        average(sum, (h * w) as u64, layer.in_type.frac, &layer.out_type)
    }))
}
