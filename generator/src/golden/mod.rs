//! The golden model: bit-exact integer inference of an `ir::Graph`, the
//! executable form of docs/numerics.md. RTL and HLS are tested against it.

pub mod float;
mod ops;

use ndarray::{Array1, Array2, ArrayView2};

use crate::ir::{Graph, Src};

/// Every layer's output for every frame: `trace[i]` is `[frames, len_i]`
/// for layer `i` (HWC order).
pub fn trace(graph: &Graph, inputs: ArrayView2<i64>) -> Vec<Array2<i64>> {
    parallel_frames(inputs, |chunk| trace_serial(graph, chunk))
}

/// The window of output pixel `(oy, ox)` of convolution `c` over the HWC
/// image `x` of shape `in_shape`, in `(ky, kx, c)` order, zero where it
/// leaves the image: `patch` holds `kh·kw·in_channels` elements.
pub(crate) fn gather_window<T: Copy + Default>(
    x: ndarray::ArrayView1<T>,
    in_shape: &[usize],
    c: &crate::ir::Conv,
    (oy, ox): (usize, usize),
    patch: &mut [T],
) {
    let (h, w, cin) = (in_shape[0], in_shape[1], in_shape[2]);
    let [kh, kw] = c.kernel;
    let y0 = (oy * c.stride[0]) as isize - c.pad[0] as isize;
    let x0 = (ox * c.stride[1]) as isize - c.pad[1] as isize;
    for ky in 0..kh {
        for kx in 0..kw {
            let (iy, ix) = (y0 + ky as isize, x0 + kx as isize);
            let inside = iy >= 0 && ix >= 0 && iy < h as isize && ix < w as isize;
            for ch in 0..cin {
                patch[(ky * kw + kx) * cin + ch] = if inside {
                    x[(iy as usize * w + ix as usize) * cin + ch]
                } else {
                    T::default()
                };
            }
        }
    }
}

/// Pooling of the HWC image `x` (`in_shape`) into `out_shape`: `reduce`
/// of each window's values, `ky`-major, for every channel.
pub(crate) fn pool_windows<T: Copy, U: Clone + Default>(
    x: ndarray::ArrayView1<T>,
    in_shape: &[usize],
    out_shape: &[usize],
    p: &crate::ir::Pool,
    reduce: impl Fn(&[T]) -> U,
) -> Array1<U> {
    let (w, ch) = (in_shape[1], in_shape[2]);
    let (oh, ow) = (out_shape[0], out_shape[1]);
    let [kh, kw] = p.kernel;
    let [sh, sw] = p.stride;
    let mut out = Array1::<U>::default(oh * ow * ch);
    let mut vals = Vec::with_capacity(kh * kw);
    for oy in 0..oh {
        for ox in 0..ow {
            for c in 0..ch {
                vals.clear();
                for ky in 0..kh {
                    for kx in 0..kw {
                        vals.push(x[((oy * sh + ky) * w + ox * sw + kx) * ch + c]);
                    }
                }
                out[(oy * ow + ox) * ch + c] = reduce(&vals);
            }
        }
    }
    out
}

/// Run `f` on chunks of the frames (rows) of `inputs` on every core and
/// stack the per-layer results in frame order: frames are independent.
pub(crate) fn parallel_frames<A, B>(
    inputs: ArrayView2<A>,
    f: impl Fn(ArrayView2<A>) -> Vec<Array2<B>> + Sync,
) -> Vec<Array2<B>>
where
    A: Sync,
    B: Clone + Send,
{
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let frames = inputs.nrows();
    if threads < 2 || frames < 2 {
        return f(inputs);
    }
    let per = frames.div_ceil(threads);
    let parts: Vec<Vec<Array2<B>>> = std::thread::scope(|s| {
        let handles: Vec<_> = inputs
            .axis_chunks_iter(ndarray::Axis(0), per)
            .map(|chunk| {
                let f = &f;
                s.spawn(move || f(chunk))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let layers = parts.first().map_or(0, |p| p.len());
    (0..layers)
        .map(|i| {
            let views: Vec<_> = parts.iter().map(|p| p[i].view()).collect();
            ndarray::concatenate(ndarray::Axis(0), &views).unwrap_or_else(|_| parts[0][i].clone())
        })
        .collect()
}

fn trace_serial(graph: &Graph, inputs: ArrayView2<i64>) -> Vec<Array2<i64>> {
    let mut outs: Vec<Array2<i64>> = Vec::with_capacity(graph.layers.len());
    for (i, layer) in graph.layers.iter().enumerate() {
        let len: usize = layer.out_shape.iter().product();
        let frames = inputs.nrows();
        let mut next = Array2::<i64>::zeros((frames, len));
        for f in 0..frames {
            let args: Vec<Array1<i64>> = layer
                .inputs
                .iter()
                .map(|s| match *s {
                    Src::Input => inputs.row(f).to_owned(),
                    Src::Layer(j) => outs[j].row(f).to_owned(),
                })
                .collect();
            next.row_mut(f).assign(&ops::forward(graph, i, &args));
        }
        outs.push(next);
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

/// Per-frame outputs of one layer, in frames: used by tests.
pub fn layer_outputs(graph: &Graph, inputs: ArrayView2<i64>, layer: usize) -> Array2<i64> {
    trace(graph, inputs).swap_remove(layer)
}
