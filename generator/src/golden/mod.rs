//! The golden model: bit-exact integer inference of an `ir::Graph`, the
//! executable form of docs/numerics.md. RTL and HLS are tested against it.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

use crate::ir::numerics::requantize;
use crate::ir::{Dense, Graph, Layer, Op};

/// One layer's output codes for one input vector.
pub fn layer_forward(layer: &Layer, x: ArrayView1<i64>) -> Array1<i64> {
    match &layer.op {
        Op::Dense(d) => dense_forward(d, layer, x),
        Op::Flatten => x.to_owned(),
    }
}

fn dense_forward(d: &Dense, layer: &Layer, x: ArrayView1<i64>) -> Array1<i64> {
    let w = d.values();
    let frac_acc = layer.in_type.frac + d.wtype.frac;
    let acc = w.dot(&x) + &d.bias;
    acc.mapv(|a| requantize(a, frac_acc, d.act, &layer.out_type))
}

/// Every layer's output for every frame: `trace[i]` is `[frames, len_i]`
/// for layer `i`.
pub fn trace(graph: &Graph, inputs: ArrayView2<i64>) -> Vec<Array2<i64>> {
    let mut outs = Vec::with_capacity(graph.layers.len());
    let mut cur = inputs.to_owned();
    for layer in &graph.layers {
        let len: usize = layer.out_shape.iter().product();
        let mut next = Array2::<i64>::zeros((cur.nrows(), len));
        for (f, row) in cur.axis_iter(Axis(0)).enumerate() {
            next.row_mut(f).assign(&layer_forward(layer, row));
        }
        outs.push(next.clone());
        cur = next;
    }
    outs
}

/// The network's output codes `[frames, output_len]` for input codes
/// `[frames, input_len]`.
pub fn run(graph: &Graph, inputs: ArrayView2<i64>) -> Array2<i64> {
    trace(graph, inputs)
        .pop()
        .unwrap_or_else(|| inputs.to_owned())
}

/// Deterministic random input codes covering the whole input range.
pub fn random_inputs(graph: &Graph, frames: usize, seed: u64) -> Array2<i64> {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let (lo, hi) = (graph.input_type.min_code(), graph.input_type.max_code());
    Array2::from_shape_fn((frames, graph.input_len()), |_| rng.random_range(lo..=hi))
}
