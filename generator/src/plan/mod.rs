//! The hardware plan: which engine each layer becomes, how far it is
//! unrolled (PE × SIMD), how wide the top's streams are, how deep each FIFO
//! is, and the interval that follows. A pure function of the graph and the
//! folding request.

mod board;
mod cost;
mod engine;
mod fold;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::ir::{Graph, Op, Src};

use crate::ir::limits::{MAX_ENGINE_MULTIPLIERS, MAX_NETWORK_MULTIPLIERS};
pub use board::{board_names, load_board, Board, Capacity, Family, OpenFlow, Pins, ResetPin};
pub use cost::{board_cost, cost_of, instance_cost, layer_cost, Resources};
pub use engine::{shape_of, EngineKind, Shape};
pub use fold::{divisors, fold, fold_layer, fold_within, max_fold, max_fold_within};

/// How to choose each layer's parallelism.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fold {
    /// Every engine fully unrolled (SIMD over channels only, for windows).
    Max,
    /// One multiplier (or lane) per engine.
    Min,
    /// The fewest multipliers (as divisibility allows) that meet a target
    /// number of cycles per frame in every engine.
    Auto { target_cycles: Option<u64> },
}

/// The engine of one layer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnginePlan {
    /// Index of the layer in `Graph::layers`.
    pub layer: usize,
    pub name: String,
    pub kind: EngineKind,
    /// Output lanes: channels computed per cycle.
    pub pe: usize,
    /// Input lanes: elements read per cycle (equal to `pe` for engines with
    /// one set of lanes).
    pub simd: usize,
    /// Input beats per window or vector (matrix-vector engines).
    pub sf: usize,
    /// Output beats per window or vector (matrix-vector engines).
    pub nf: usize,
    /// Planned cycles per frame.
    pub cycles: u64,
    /// Multipliers (or shift/add units) instantiated.
    pub multipliers: usize,
    /// Depth in beats of the FIFO in front of each input of the engine,
    /// after its width converter.
    pub in_fifo_depth: Vec<usize>,
    /// Pairs of PEs share one DSP per lane, two products packed into one
    /// multiplication (`tomatl_mvau` `PACK`).
    pub dsp_pack: bool,
    /// A sliding-window unit feeds the engine (every window other than a
    /// 1x1, stride-1, unpadded convolution's).
    pub window: bool,
}

impl EnginePlan {
    pub fn multipliers(&self) -> usize {
        self.multipliers
    }
}

/// How a plan sits on a board.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct BoardFit {
    pub board: String,
    pub family: Family,
    pub part: String,
    pub clock_mhz: f64,
    /// Frames per second at `clock_mhz`.
    pub fps: f64,
    /// What the resource model predicts for the design.
    pub predicted: Resources,
    pub capacity: Capacity,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
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
    /// The board the plan was made for, if any.
    pub board: Option<BoardFit>,
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

    /// The engine of layer `i`, if it has one.
    pub fn engine(&self, layer: usize) -> Option<&EnginePlan> {
        self.engines.iter().find(|e| e.layer == layer)
    }
}

/// Slack beats added to every FIFO.
const FIFO_SLACK: usize = 2;

/// Plan the hardware for a graph.
pub fn plan(graph: &Graph, fold_req: Fold) -> Result<HwPlan> {
    let shapes: Vec<(usize, Shape)> = graph
        .layers
        .iter()
        .enumerate()
        .filter_map(|(i, l)| shape_of(graph, l).map(|s| (i, s)))
        .collect();
    // a network of flatten layers only (the frontend refuses it; a cut of
    // a network may be one) is a stream from the input to the output
    // the multipliers of the whole design, shared out evenly when needed
    let cap = MAX_ENGINE_MULTIPLIERS.min(MAX_NETWORK_MULTIPLIERS / shapes.len().max(1));
    let choose = |target: u64| -> Vec<(usize, usize)> {
        shapes
            .iter()
            .map(|(_, s)| fold_within(s, target, cap))
            .collect()
    };
    let (folds, target_cycles) = match fold_req {
        Fold::Max => (
            shapes
                .iter()
                .map(|(_, s)| max_fold_within(s, cap))
                .collect(),
            None,
        ),
        Fold::Min => (shapes.iter().map(|_| (1, 1)).collect(), None),
        Fold::Auto { target_cycles } => {
            let target = target_cycles
                .unwrap_or_else(|| default_target(&shapes))
                .max(1);
            // Fold to the target, then once more to the interval actually
            // reached: engines faster than the bottleneck give back lanes.
            let first = choose(target);
            let reached = shapes
                .iter()
                .zip(&first)
                .map(|((_, s), &(pe, simd))| s.cycles(pe, simd))
                .max()
                .unwrap_or(target);
            (choose(reached.max(target.min(reached))), Some(target))
        }
    };
    let engines: Vec<EnginePlan> = shapes
        .iter()
        .zip(folds)
        .map(|(&(layer, s), (pe, simd))| {
            let l = &graph.layers[layer];
            let (sf, nf) = match s.kind {
                EngineKind::Mvau => (s.simd_dim / simd, s.pe_dim / pe),
                EngineKind::ConvMvau => (s.window as usize * s.simd_dim / simd, s.pe_dim / pe),
                _ => (0, 0),
            };
            let in_fifo_depth = l
                .inputs
                .iter()
                .enumerate()
                .map(|(k, &src)| {
                    let len: usize = graph.src_shape(src).iter().product();
                    let ch = graph.src_shape(src).last().copied().unwrap_or(1);
                    match s.kind {
                        // one input vector, read in a burst by the first pass
                        EngineKind::Mvau => sf + FIFO_SLACK,
                        // The shortcut of a residual block must hold what
                        // the other branch has in flight: one frame bounds
                        // that (no stall pattern can then deadlock the
                        // fork), a second lets the branch work on the next
                        // frame while the add drains this one. An input
                        // that is itself downstream of the other needs
                        // only a pixel.
                        EngineKind::Add => {
                            let other = l.inputs[1 - k];
                            if is_ancestor(graph, other, src) {
                                2 * ch / pe + FIFO_SLACK
                            } else {
                                2 * len / pe + FIFO_SLACK
                            }
                        }
                        // a pixel or two ahead of the line buffer
                        _ => 2 * ch / simd + FIFO_SLACK,
                    }
                })
                .collect();
            EnginePlan {
                layer,
                name: l.name.clone(),
                kind: s.kind,
                pe,
                simd,
                sf,
                nf,
                cycles: s.cycles(pe, simd),
                multipliers: s.multipliers(pe, simd),
                in_fifo_depth,
                dsp_pack: false,
                window: s.swu.is_some(),
            }
        })
        .collect();
    let interval = engines.iter().map(|e| e.cycles).max().unwrap_or(1);
    let io_in_elems = io_width(
        graph.input_len(),
        graph.input_shape.last().copied(),
        graph.input_type.bits as usize,
        interval,
    );
    let io_out_elems = io_width(
        graph.output_len(),
        graph.output_shape().last().copied(),
        graph.output_type().bits as usize,
        interval,
    );
    let _ = Op::Flatten;
    Ok(HwPlan {
        io_in_elems,
        io_out_elems,
        out_fifo_depth: graph.output_len() / io_out_elems + FIFO_SLACK,
        interval,
        target_cycles,
        engines,
        board: None,
    })
}

/// What the resource model predicts for a plan: the sum over the
/// instances of its hardware (`hw::lower`).
pub fn design_cost(graph: &Graph, plan: &HwPlan, family: Family) -> Result<Resources> {
    Ok(cost_of(
        &crate::hw::lower_without_roms(graph, plan)?,
        family,
    ))
}

/// Which resources of a prediction exceed a board, as readable phrases.
pub fn overruns(r: &Resources, cap: &Capacity) -> Vec<String> {
    let mut out = Vec::new();
    let bram = (cap.bram_kbit + cap.uram_kbit) as f64 * 1024.0;
    if r.dsp > cap.dsp as f64 {
        out.push(format!("DSP {:.0} > {}", r.dsp, cap.dsp));
    }
    if r.lut > cap.lut as f64 {
        out.push(format!("LUT {:.0} > {}", r.lut, cap.lut));
    }
    if r.ff > cap.ff as f64 {
        out.push(format!("FF {:.0} > {}", r.ff, cap.ff));
    }
    if r.bram_bits > bram {
        out.push(format!(
            "on-chip memory {:.0} kbit > {:.0} kbit",
            r.bram_bits / 1024.0,
            bram / 1024.0
        ));
    }
    out
}

/// Plan for a board: fold every engine to meet `fps` at the clock, or, when
/// no rate is asked for, to the fastest balanced rate whose predicted
/// resources fit the board. Every weight stays on chip. A request that
/// cannot fit is bad input (exit 2), naming what limits it.
pub fn plan_for_board(
    graph: &Graph,
    board: &Board,
    clock_mhz: Option<f64>,
    fps: Option<f64>,
) -> Result<HwPlan> {
    let clock = clock_mhz.unwrap_or(board.clock_mhz);
    let hz = clock * 1e6;
    let fit = |target: u64| -> Result<(HwPlan, Resources)> {
        let p = plan(
            graph,
            Fold::Auto {
                target_cycles: Some(target.max(1)),
            },
        )?;
        let mut p = p;
        pack_dsps(graph, &mut p, board.family);
        let r = board_cost(&crate::hw::lower_without_roms(graph, &p)?, board);
        Ok((p, r))
    };
    let (mut p, r) = match fps {
        Some(f) => {
            let target = (hz / f).floor().max(1.0) as u64;
            let (p, r) = fit(target)?;
            if p.interval > target {
                return Err(too_slow(graph, board, clock, f, p.interval));
            }
            let over = overruns(&r, &board.resources);
            if !over.is_empty() {
                return Err(does_not_fit(graph, board, &format!("{f} frames/s"), &over));
            }
            (p, r)
        }
        None => {
            // the slowest fold must fit; then search the fastest that does
            let slowest = plan(graph, Fold::Min)?.interval;
            let (p, r) = fit(slowest)?;
            let over = overruns(&r, &board.resources);
            if !over.is_empty() {
                return Err(does_not_fit(graph, board, "its slowest fold", &over));
            }
            let (mut lo, mut hi, mut best) = (1u64, slowest, (p, r));
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                let (p, r) = fit(mid)?;
                if overruns(&r, &board.resources).is_empty() {
                    hi = mid;
                    best = (p, r);
                } else {
                    lo = mid + 1;
                }
            }
            best
        }
    };
    p.board = Some(BoardFit {
        board: board.name.clone(),
        family: board.family,
        part: board.part.clone(),
        clock_mhz: clock,
        fps: hz / p.interval as f64,
        predicted: r,
        capacity: board.resources,
    });
    Ok(p)
}

/// Pack two products into each DSP wherever the family's DSP takes them:
/// matrix-vector engines with fixed-point weights and inputs of at most 8
/// bits, an even number of PEs, and products that would each take a DSP.
pub fn pack_dsps(graph: &Graph, plan: &mut HwPlan, family: Family) {
    if !family.packs_two_products() {
        return;
    }
    for e in &mut plan.engines {
        let l = &graph.layers[e.layer];
        let wtype = match &l.op {
            Op::Dense(d) => d.wtype,
            Op::Conv(c) if e.kind == EngineKind::ConvMvau || e.kind == EngineKind::Mvau => c.wtype,
            _ => continue,
        };
        e.dsp_pack = wtype.arith == crate::ir::Arith::Fixed
            && wtype.bits <= 8
            && l.in_type.bits <= 8
            && e.pe % 2 == 0
            && cost::product_on_dsp(family, wtype.arith, l.in_type.bits, wtype.bits);
    }
}

fn too_slow(graph: &Graph, board: &Board, clock: f64, fps: f64, interval: u64) -> Error {
    crate::error::InputError::new(
        std::path::Path::new("--fps"),
        format!(
            "network `{}` cannot reach {fps} frames/s at {clock} MHz on {}: even fully unrolled its slowest engine needs {interval} cycles a frame",
            graph.name, board.name
        ),
    )
    .expected(format!("at most {:.0} frames/s", clock * 1e6 / interval as f64))
    .into()
}

fn does_not_fit(graph: &Graph, board: &Board, what: &str, over: &[String]) -> Error {
    crate::error::InputError::new(
        std::path::Path::new("--board"),
        format!(
            "network `{}` at {what} does not fit {} ({}): {}",
            graph.name,
            board.name,
            board.part,
            over.join(", ")
        ),
    )
    .expected(
        "a lower --fps, a larger board, or narrower weights (pow2, binary, ternary need no DSP)",
    )
    .into()
}

/// Whether `a` is `b` or lies upstream of it.
fn is_ancestor(graph: &Graph, a: Src, b: Src) -> bool {
    let mut seen = vec![false; graph.layers.len()];
    let mut todo = vec![b];
    while let Some(s) = todo.pop() {
        if s == a {
            return true;
        }
        if let Src::Layer(i) = s {
            if !std::mem::replace(&mut seen[i], true) {
                todo.extend(graph.layers[i].inputs.iter().copied());
            }
        }
    }
    false
}

/// Without a target, the largest layer gets 64 multipliers' worth of
/// cycles and the others are balanced to it.
fn default_target(shapes: &[(usize, Shape)]) -> u64 {
    let max_work = shapes
        .iter()
        .map(|(_, s)| s.cycles(1, 1))
        .max()
        .unwrap_or(1);
    max_work.div_ceil(64)
}

/// Widest data of a top-level stream beat: AXI DMA and mSGDMA take words
/// of at most 1024 bits.
pub const MAX_IO_BITS: usize = 1024;

/// Elements per beat of a top-level stream carrying `len` elements of
/// `bits` a frame (channels innermost): the narrowest that moves a frame in
/// at most half the interval, so that a host stalling up to half the time
/// does not slow the pipeline. Beats never straddle pixels when there are
/// several, and carry at most `MAX_IO_BITS`; when no such width is fast
/// enough, the widest.
fn io_width(len: usize, channels: Option<usize>, bits: usize, interval: u64) -> usize {
    let unit = channels.unwrap_or(len);
    let widths: Vec<usize> = divisors(len)
        .into_iter()
        .filter(|&d| d <= unit && unit.is_multiple_of(d) || d == len)
        .filter(|&d| d == 1 || d * bits <= MAX_IO_BITS)
        .collect();
    widths
        .iter()
        .copied()
        .find(|&d| ((len / d) as u64) * 2 <= interval)
        .or(widths.last().copied())
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::io_width;

    /// `io_width(len, channels, bits, interval)` is `want`.
    fn check(len: usize, channels: usize, bits: usize, interval: u64, want: usize) {
        assert_eq!(
            io_width(len, Some(channels), bits, interval),
            want,
            "{len} elements in pixels of {channels}, {bits} bits, interval {interval}"
        );
    }

    #[test]
    fn io_widths() {
        // one element a beat is enough at twice the beats
        check(192, 3, 6, 576, 1);
        // whole pixels when single elements are too slow
        check(192, 3, 6, 200, 3);
        // the whole frame in a beat when it fits 1024 bits
        check(64, 64, 8, 2, 64);
        // never past 1024 bits: the widest that fits, even if too slow
        check(256, 256, 8, 2, 128);
        check(3072, 3, 8, 1000, 3);
        check(16, 16, 8, 1, 16);
    }
}
