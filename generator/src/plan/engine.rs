//! What engine each layer becomes and what its parallelism costs in cycles.

use serde::Serialize;

use crate::ir::{Graph, Layer, Op};

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
    /// The sliding-window unit in front of the engine, if any.
    pub swu: Option<SwuGeom>,
}

/// What the sliding-window unit's timing depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwuGeom {
    pub in_h: u64,
    pub in_w: u64,
    pub ch: u64,
    pub k_h: u64,
    pub s_h: u64,
    pub pad_t: u64,
    pub out_h: u64,
}

impl SwuGeom {
    /// Cycles a frame loses waiting for the rows its first windows need
    /// when the frame before has left too few of them in the line buffer
    /// (`K_H + S_H` rows), in beats of `lanes` channels. Matches
    /// `tomatl_swu` cycle for cycle with the output always ready.
    pub fn stall_beats(&self, lanes: u64) -> u64 {
        let nrows = self.k_h + self.s_h;
        let row = self.in_w * self.ch / lanes;
        let last = ((self.out_h - 1) * self.s_h).saturating_sub(self.pad_t);
        let prefetch = nrows as i64 - (self.in_h - last) as i64;
        let first = (self.k_h - self.pad_t).min(self.in_h) as i64;
        (first - prefetch).max(0) as u64 * row
    }
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
        let stall = |lanes: u64| self.swu.map(|g| g.stall_beats(lanes)).unwrap_or(0);
        match self.kind {
            EngineKind::Mvau => (sd / s) * (pd / p),
            EngineKind::ConvMvau => {
                let compute = self.pixels * self.window * (sd / s) * (pd / p);
                (compute + stall(s)).max(self.in_pixels * sd / s)
            }
            EngineKind::Vvau | EngineKind::Pool => {
                (self.pixels * self.window * pd / p + stall(p)).max(self.in_pixels * pd / p)
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
    let swu = |k_h: usize, s_h: usize, pad_t: usize| {
        Some(SwuGeom {
            in_h: layer.in_shape[0] as u64,
            in_w: layer.in_shape[1] as u64,
            ch: ch(&layer.in_shape) as u64,
            k_h: k_h as u64,
            s_h: s_h as u64,
            pad_t: pad_t as u64,
            out_h: layer.out_shape[0] as u64,
        })
    };
    let sh = |kind, pe_dim, simd_dim, window| Shape {
        kind,
        pe_dim,
        simd_dim,
        pixels: px,
        in_pixels: in_px,
        window,
        swu: None,
    };
    match &layer.op {
        Op::Dense(d) => Some(sh(EngineKind::Mvau, d.out_features, d.in_features, 1)),
        Op::Conv(c) => {
            let k = (c.kernel[0] * c.kernel[1]) as u64;
            let geom = swu(c.kernel[0], c.stride[0], c.pad[0]);
            if c.depthwise {
                Some(Shape {
                    swu: geom,
                    ..sh(EngineKind::Vvau, c.in_ch, c.in_ch, k)
                })
            } else if needs_window(layer) {
                Some(Shape {
                    swu: geom,
                    ..sh(EngineKind::ConvMvau, c.out_ch, c.in_ch, k)
                })
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
            let c = ch(&layer.in_shape);
            Some(Shape {
                swu: swu(p.kernel[0], p.stride[0], 0),
                ..sh(EngineKind::Pool, c, c, k)
            })
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
fn needs_window(layer: &Layer) -> bool {
    match &layer.op {
        Op::Conv(c) => {
            c.depthwise || c.kernel != [1, 1] || c.stride != [1, 1] || c.pad != [0, 0, 0, 0]
        }
        Op::Pool(_) => true,
        _ => false,
    }
}
