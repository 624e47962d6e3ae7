//! The hardware plan: how far each layer is unrolled (PE × SIMD), how wide
//! the top's streams are, how deep each FIFO is, and the interval that
//! follows. A pure function of the graph and the folding request.

mod fold;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::ir::{Graph, Op};

pub use fold::{divisors, fold_layer};

/// How to choose each layer's parallelism.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fold {
    /// Every layer fully unrolled: one frame per cycle.
    Max,
    /// One multiplier per layer.
    Min,
    /// The fewest multipliers (as divisibility allows) that meet a target
    /// number of cycles per frame in every layer.
    Auto { target_cycles: Option<u64> },
}

/// The matrix-vector engine of one dense layer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnginePlan {
    /// Index of the layer in `Graph::layers`.
    pub layer: usize,
    pub name: String,
    pub pe: usize,
    pub simd: usize,
    /// Input passes per output group: `in_features / simd`.
    pub sf: usize,
    /// Output groups: `out_features / pe`.
    pub nf: usize,
    /// Planned cycles per frame: `sf * nf`.
    pub cycles: u64,
    /// Depth in beats (of SIMD elements) of the FIFO in front of the engine:
    /// one whole frame of its input plus slack, so the engine reads its input
    /// in a burst during its first pass while the producer already works on
    /// the next frame.
    pub in_fifo_depth: usize,
}

impl EnginePlan {
    pub fn multipliers(&self) -> usize {
        self.pe * self.simd
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HwPlan {
    pub engines: Vec<EnginePlan>,
    /// Elements per beat of the top's input stream.
    pub io_in_elems: usize,
    /// Elements per beat of the top's output stream.
    pub io_out_elems: usize,
    /// Depth in beats of the FIFO in front of the output stream.
    pub out_fifo_depth: usize,
    /// Cycles per frame of the slowest engine: the pipeline's interval.
    pub interval: u64,
    /// The target the planner folded to (auto only).
    pub target_cycles: Option<u64>,
}

impl HwPlan {
    pub fn multipliers(&self) -> usize {
        self.engines.iter().map(EnginePlan::multipliers).sum()
    }

    /// Beats per frame on the top's input stream.
    pub fn in_beats(&self, graph: &Graph) -> usize {
        graph.input_len() / self.io_in_elems
    }

    /// Beats per frame on the top's output stream.
    pub fn out_beats(&self, graph: &Graph) -> usize {
        graph.output_len() / self.io_out_elems
    }
}

/// Slack beats added to every frame-sized FIFO.
const FIFO_SLACK: usize = 2;

/// Plan the hardware for a graph.
pub fn plan(graph: &Graph, fold: Fold) -> Result<HwPlan> {
    let dense: Vec<(usize, usize, usize)> = graph
        .layers
        .iter()
        .enumerate()
        .filter_map(|(i, l)| match &l.op {
            Op::Dense(d) => Some((i, d.in_features, d.out_features)),
            _ => None,
        })
        .collect();
    if dense.is_empty() {
        return Err(Error::Internal(format!(
            "network `{}` has no compute layer to build an engine for",
            graph.name
        )));
    }
    let choose = |target: u64| -> Vec<(usize, usize)> {
        dense
            .iter()
            .map(|&(_, inf, outf)| fold_layer(inf, outf, target))
            .collect()
    };
    let (folds, target_cycles) = match fold {
        Fold::Max => (dense.iter().map(|&(_, i, o)| (o, i)).collect(), None),
        Fold::Min => (dense.iter().map(|_| (1, 1)).collect(), None),
        Fold::Auto { target_cycles } => {
            let target = target_cycles
                .unwrap_or_else(|| default_target(&dense))
                .max(1);
            // Fold to the target, then once more to the interval actually
            // reached: layers faster than the bottleneck give back multipliers.
            let first = choose(target);
            let reached = dense
                .iter()
                .zip(&first)
                .map(|(&(_, i, o), &(pe, simd))| ((i / simd) * (o / pe)) as u64)
                .max()
                .unwrap_or(target);
            (choose(reached), Some(target))
        }
    };
    let engines: Vec<EnginePlan> = dense
        .iter()
        .zip(folds)
        .map(|(&(layer, inf, outf), (pe, simd))| {
            let (sf, nf) = (inf / simd, outf / pe);
            EnginePlan {
                layer,
                name: graph.layers[layer].name.clone(),
                pe,
                simd,
                sf,
                nf,
                cycles: (sf * nf) as u64,
                in_fifo_depth: sf + FIFO_SLACK,
            }
        })
        .collect();
    let interval = engines.iter().map(|e| e.cycles).max().unwrap_or(1);
    let io_in_elems = io_width(graph.input_len(), interval);
    let io_out_elems = io_width(graph.output_len(), interval);
    Ok(HwPlan {
        io_in_elems,
        io_out_elems,
        out_fifo_depth: graph.output_len() / io_out_elems + FIFO_SLACK,
        interval,
        target_cycles,
        engines,
    })
}

/// Without a target, the largest layer gets 64 multipliers' worth of
/// cycles and the others are balanced to it.
fn default_target(dense: &[(usize, usize, usize)]) -> u64 {
    let max_macs = dense
        .iter()
        .map(|&(_, i, o)| (i * o) as u64)
        .max()
        .unwrap_or(1);
    max_macs.div_ceil(64)
}

/// Elements per beat of a top-level stream carrying `len` elements a frame:
/// the narrowest that moves a frame in at most half the interval, so that a
/// host stalling up to half the time does not slow the pipeline.
fn io_width(len: usize, interval: u64) -> usize {
    divisors(len)
        .into_iter()
        .find(|&d| ((len / d) as u64) * 2 <= interval)
        .unwrap_or(len)
}
