//! What engine each layer becomes and what its parallelism costs in cycles.

use serde::Serialize;

use crate::ir::{Graph, Layer, Op, PoolKind};

/// The hardware of one layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EngineKind {
    /// Matrix-vector-activation unit on a vector (dense) or, behind a
    /// sliding-window unit, on every window of an image (conv).
    Mvau,
    /// Sliding-window unit feeding a matrix-vector unit (conv).
    ConvMvau,
    /// Sliding-window unit feeding the depthwise vector unit.
    Vvau,
    /// Sliding-window unit feeding a max/average pooling unit.
    Pool,
    /// Global average pooling.
    Gap,
    /// Residual add of two streams.
    Add,
}

/// The sizes that determine an engine's cycles for a given fold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub kind: EngineKind,
    /// What PE divides (output channels / lanes).
    pub pe_dim: usize,
    /// What SIMD divides (input channels); equal to `pe_dim` for engines
    /// whose input and output lanes are the same channels.
    pub simd_dim: usize,
    /// Output pixels per frame (1 for vectors).
    pub pixels: u64,
    /// Input pixels per frame (1 for vectors).
    pub in_pixels: u64,
    /// Kernel positions per window (1 without a window).
    pub window: u64,
}

impl Shape {
    /// Whether SIMD is tied to PE (one set of lanes).
    pub fn lanes_only(&self) -> bool {
        !matches!(self.kind, EngineKind::Mvau | EngineKind::ConvMvau)
    }

    /// Planned cycles per frame at a fold: the engine's own steps, and never
    /// fewer than the beats its input takes to arrive.
    pub fn cycles(&self, pe: usize, simd: usize) -> u64 {
        let (p, s) = (pe as u64, simd as u64);
        let (pd, sd) = (self.pe_dim as u64, self.simd_dim as u64);
        match self.kind {
            EngineKind::Mvau => (sd / s) * (pd / p),
            EngineKind::ConvMvau => {
                let compute = self.pixels * self.window * (sd / s) * (pd / p);
                compute.max(self.in_pixels * sd / s)
            }
            EngineKind::Vvau | EngineKind::Pool => {
                (self.pixels * self.window * pd / p).max(self.in_pixels * pd / p)
            }
            EngineKind::Gap | EngineKind::Add => self.in_pixels * pd / p,
        }
    }

    /// Multipliers (or add/shift units) the fold instantiates.
    pub fn multipliers(&self, pe: usize, simd: usize) -> usize {
        match self.kind {
            EngineKind::Mvau | EngineKind::ConvMvau => pe * simd,
            EngineKind::Vvau => pe,
            _ => 0,
        }
    }
}

fn pixels(s: &[usize]) -> u64 {
    if s.len() == 3 {
        (s[0] * s[1]) as u64
    } else {
        1
    }
}

/// The engine shape of a layer, `None` for layers without hardware
/// (flatten).
pub fn shape_of(graph: &Graph, layer: &Layer) -> Option<Shape> {
    let _ = graph;
    let px = pixels(&layer.out_shape);
    let in_px = pixels(&layer.in_shape);
    let ch = |s: &[usize]| s.last().copied().unwrap_or(1);
    let sh = |kind, pe_dim, simd_dim, window| Shape {
        kind,
        pe_dim,
        simd_dim,
        pixels: px,
        in_pixels: in_px,
        window,
    };
    match &layer.op {
        Op::Dense(d) => Some(sh(EngineKind::Mvau, d.out_features, d.in_features, 1)),
        Op::Conv(c) => {
            let k = (c.kernel[0] * c.kernel[1]) as u64;
            if c.depthwise {
                Some(sh(EngineKind::Vvau, c.in_ch, c.in_ch, k))
            } else if needs_window(layer) {
                Some(sh(EngineKind::ConvMvau, c.out_ch, c.in_ch, k))
            } else {
                // a 1x1 stride-1 convolution is a dense layer on every pixel
                Some(Shape {
                    window: 1,
                    ..sh(EngineKind::ConvMvau, c.out_ch, c.in_ch, 1)
                })
            }
        }
        Op::Pool(p) => {
            let k = (p.kernel[0] * p.kernel[1]) as u64;
            let _ = matches!(p.kind, PoolKind::Max);
            let c = ch(&layer.in_shape);
            Some(sh(EngineKind::Pool, c, c, k))
        }
        Op::GlobalAvgPool => {
            let c = ch(&layer.in_shape);
            Some(sh(EngineKind::Gap, c, c, 1))
        }
        Op::Add { .. } => {
            let c = ch(&layer.in_shape);
            Some(sh(EngineKind::Add, c, c, 1))
        }
        Op::Flatten => None,
    }
}

/// Whether a convolution needs a sliding-window unit (anything but 1x1,
/// stride 1, no padding).
pub fn needs_window(layer: &Layer) -> bool {
    match &layer.op {
        Op::Conv(c) => {
            c.depthwise || c.kernel != [1, 1] || c.stride != [1, 1] || c.pad != [0, 0, 0, 0]
        }
        Op::Pool(_) => true,
        _ => false,
    }
}
