//! The typed, shape-inferred, quantized network: what the frontend produces
//! and every later stage reads.

pub mod display;
pub mod limits;
pub mod numerics;
pub mod serial;
pub mod types;

use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

pub use types::{Activation, Arith, RoundMode, TensorType, WeightType};

/// A layer's weights and biases as real numbers, in the layout of its codes:
/// the float arrays of a weight file (batch norm folded), or the values of
/// its codes when the parameters are codes. The float reference model
/// (`golden::float`) computes with them; they are not part of `net.json`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RealParams {
    pub weights: Array2<f64>,
    pub bias: Array1<f64>,
}

/// The per-channel requantization mode (docs/numerics.md §4.1): output
/// channel `o` is `round(acc_o · mult[o] / 2^shift)`, activated, saturated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelScale {
    pub mult: Vec<i64>,
    pub shift: u32,
}

/// The threshold mode (docs/numerics.md §4.2): per output channel, the
/// accumulator is compared with ascending integer thresholds
/// ([`numerics::threshold`]); the code is `min_code + step · count`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// `[out_channels, n]`, each row ascending, each threshold within one
    /// step of the accumulator's range (`numerics::clamp_threshold`).
    pub t: Array2<i64>,
    /// Channels whose output falls as the accumulator grows (`acc <= t`).
    pub descending: Vec<bool>,
    /// 1, or 2 for a bipolar output (codes −1 and +1).
    pub step: i64,
    /// The real value of one output code, when the model gave one (an
    /// imported quantizer's float scale); reports and tests read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,
}

impl Thresholds {
    /// The output code of channel `o` for accumulator `acc`.
    pub fn apply(&self, o: usize, acc: i64, out: &TensorType) -> i64 {
        let row = self.t.row(o);
        let t = row.as_slice().map_or_else(|| row.to_vec(), <[i64]>::to_vec);
        numerics::threshold(acc, &t, self.descending[o], self.step, out)
    }

    /// Thresholds per channel.
    pub fn count(&self) -> usize {
        self.t.ncols()
    }
}

/// A dense (fully connected) layer with quantized weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dense {
    pub in_features: usize,
    pub out_features: usize,
    pub wtype: WeightType,
    /// Weight codes `[out, in]` (see [`WeightType::value`]).
    pub codes: Array2<i64>,
    /// Bias per output channel, an integer at the accumulator's binary point
    /// `in.frac + wtype.frac`.
    pub bias: Array1<i64>,
    pub act: Activation,
    /// Width of the accumulator: the smallest that cannot overflow for these
    /// weights and biases over the whole input range.
    pub acc_bits: u32,
    /// Per-channel multipliers (weights with `scale: channel`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<ChannelScale>,
    /// Per-channel thresholds (weights with `scale: thresholds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<Thresholds>,
    #[serde(skip)]
    pub real: RealParams,
}

impl Dense {
    /// Integer weight values `[out, in]`.
    pub fn values(&self) -> Array2<i64> {
        self.codes.mapv(|c| self.wtype.value(c))
    }
}

/// A 2-D convolution over an HWC tensor, dense (`depthwise: false`) or
/// depthwise (one filter per channel).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conv {
    pub in_ch: usize,
    pub out_ch: usize,
    /// Kernel `[kh, kw]`.
    pub kernel: [usize; 2],
    /// Stride `[sh, sw]`.
    pub stride: [usize; 2],
    /// Zero padding `[top, left, bottom, right]` (code 0 of the input type).
    pub pad: [usize; 4],
    pub depthwise: bool,
    pub wtype: WeightType,
    /// Weight codes. Dense: `[out_ch, kh*kw*in_ch]`, columns in `(ky, kx, c)`
    /// order (the order of a window in HWC). Depthwise: `[ch, kh*kw]`,
    /// columns in `(ky, kx)` order.
    pub codes: Array2<i64>,
    /// Bias per output channel at the accumulator's binary point.
    pub bias: Array1<i64>,
    pub act: Activation,
    pub acc_bits: u32,
    /// Per-channel multipliers (weights with `scale: channel`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<ChannelScale>,
    /// Per-channel thresholds (weights with `scale: thresholds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<Thresholds>,
    #[serde(skip)]
    pub real: RealParams,
}

impl Conv {
    /// Integer weight values, in the layout of `codes`.
    pub fn values(&self) -> Array2<i64> {
        self.codes.mapv(|c| self.wtype.value(c))
    }

    /// Window elements feeding one output channel.
    pub fn window_len(&self) -> usize {
        let k = self.kernel[0] * self.kernel[1];
        if self.depthwise {
            k
        } else {
            k * self.in_ch
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PoolKind {
    Max,
    Avg,
}

/// Max or average pooling over `kernel` windows moved by `stride`, no
/// padding. Max keeps the input type; average rounds to the output type
/// (docs/numerics.md §5).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pool {
    pub kind: PoolKind,
    pub kernel: [usize; 2],
    pub stride: [usize; 2],
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Op {
    Dense(Dense),
    Conv(Conv),
    Pool(Pool),
    /// Average over all pixels, per channel: `[h, w, c]` to `[c]`.
    GlobalAvgPool,
    /// Element-wise sum of two tensors of one shape, aligned to a common
    /// binary point, rounded to the output type, then the activation.
    Add {
        act: Activation,
    },
    /// Reinterpret the input as a vector (HWC order is kept: no data moves).
    Flatten,
}

impl Op {
    pub fn kind(&self) -> &'static str {
        match self {
            Op::Dense(_) => "dense",
            Op::Conv(c) if c.depthwise => "dwconv",
            Op::Conv(_) => "conv",
            Op::Pool(Pool {
                kind: PoolKind::Max,
                ..
            }) => "maxpool",
            Op::Pool(_) => "avgpool",
            Op::GlobalAvgPool => "gavgpool",
            Op::Add { .. } => "add",
            Op::Flatten => "flatten",
        }
    }
}

/// Where a layer's input comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Src {
    /// The network input.
    Input,
    /// The output of `Graph::layers[i]` (always an earlier layer).
    Layer(usize),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Layer {
    pub name: String,
    pub op: Op,
    /// The layers (or the network input) this layer reads; two for `add`,
    /// one otherwise. The output of the network is the last layer's.
    pub inputs: Vec<Src>,
    /// Shape and type of `inputs[0]`.
    pub in_shape: Vec<usize>,
    pub out_shape: Vec<usize>,
    pub in_type: TensorType,
    pub out_type: TensorType,
}

impl Layer {
    /// Multiply-accumulates per frame.
    pub fn macs(&self) -> u64 {
        let pixels = |s: &[usize]| -> u64 {
            if s.len() == 3 {
                (s[0] * s[1]) as u64
            } else {
                1
            }
        };
        match &self.op {
            Op::Dense(d) => (d.in_features * d.out_features) as u64,
            Op::Conv(c) => pixels(&self.out_shape) * (c.out_ch * c.window_len()) as u64,
            _ => 0,
        }
    }

    /// Weight parameter bits (weights and biases).
    pub fn param_bits(&self) -> u64 {
        match &self.op {
            Op::Dense(d) => {
                (d.codes.len() as u64) * d.wtype.bits as u64
                    + d.out_features as u64 * d.acc_bits as u64
            }
            Op::Conv(c) => {
                (c.codes.len() as u64) * c.wtype.bits as u64 + c.out_ch as u64 * c.acc_bits as u64
            }
            _ => 0,
        }
    }

    /// Number of weights (not bits), biases included.
    pub fn param_count(&self) -> u64 {
        match &self.op {
            Op::Dense(d) => (d.codes.len() + d.bias.len()) as u64,
            Op::Conv(c) => (c.codes.len() + c.bias.len()) as u64,
            _ => 0,
        }
    }

    /// Accumulator binary point of a compute layer.
    pub fn acc_frac(&self) -> Option<i32> {
        match &self.op {
            Op::Dense(d) => Some(self.in_type.frac + d.wtype.frac),
            Op::Conv(c) => Some(self.in_type.frac + c.wtype.frac),
            _ => None,
        }
    }
}

/// A whole network: a chain of layers from the input to the output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    pub name: String,
    pub input_shape: Vec<usize>,
    pub input_type: TensorType,
    pub layers: Vec<Layer>,
    /// The `[h, w, c]` image the output flattens (`order: chw` on the last
    /// flatten), whose elements the host reads in ONNX's (c, h, w) order;
    /// the hardware streams them in HWC order like every tensor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_chw: Option<[usize; 3]>,
}

impl Graph {
    pub fn output_shape(&self) -> &[usize] {
        self.layers
            .last()
            .map(|l| l.out_shape.as_slice())
            .unwrap_or(&self.input_shape)
    }

    pub fn output_type(&self) -> TensorType {
        self.layers
            .last()
            .map(|l| l.out_type)
            .unwrap_or(self.input_type)
    }

    pub fn input_len(&self) -> usize {
        self.input_shape.iter().product()
    }

    pub fn output_len(&self) -> usize {
        self.output_shape().iter().product()
    }

    pub fn total_macs(&self) -> u64 {
        self.layers.iter().map(Layer::macs).sum()
    }

    /// Shape of a source.
    pub fn src_shape(&self, s: Src) -> &[usize] {
        match s {
            Src::Input => &self.input_shape,
            Src::Layer(i) => &self.layers[i].out_shape,
        }
    }

    /// Type of a source.
    pub fn src_type(&self, s: Src) -> TensorType {
        match s {
            Src::Input => self.input_type,
            Src::Layer(i) => self.layers[i].out_type,
        }
    }

    /// The network cut after layer `k`: layer `k` becomes the output, and
    /// only the layers it depends on are kept (indices renumbered).
    pub fn prefix(&self, k: usize) -> Graph {
        let mut keep = vec![false; self.layers.len()];
        let mut todo = vec![k];
        while let Some(i) = todo.pop() {
            if i < keep.len() && !std::mem::replace(&mut keep[i], true) {
                for s in &self.layers[i].inputs {
                    if let Src::Layer(j) = *s {
                        todo.push(j);
                    }
                }
            }
        }
        let mut index = vec![0usize; self.layers.len()];
        let mut layers = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            if keep[i] {
                index[i] = layers.len();
                let mut l = l.clone();
                for s in &mut l.inputs {
                    if let Src::Layer(j) = *s {
                        *s = Src::Layer(index[j]);
                    }
                }
                layers.push(l);
            }
        }
        // a cut ends elsewhere than the output flatten
        let output_chw = self
            .output_chw
            .filter(|_| layers.len() == self.layers.len());
        Graph {
            name: self.name.clone(),
            input_shape: self.input_shape.clone(),
            input_type: self.input_type,
            layers,
            output_chw,
        }
    }

    /// Output codes `[frames, len]` in stream (HWC) order to the order the
    /// host delivers: (c, h, w) for an `order: chw` output, else as they are.
    pub fn to_host_order<T: Copy>(&self, y: ndarray::ArrayView2<T>) -> ndarray::Array2<T> {
        match self.output_chw {
            None => y.to_owned(),
            Some([h, w, c]) => ndarray::Array2::from_shape_fn(y.dim(), |(f, j)| {
                // host element j = (ch, p): stream element p·c + ch
                let (ch, p) = (j / (h * w), j % (h * w));
                y[[f, p * c + ch]]
            }),
        }
    }

    /// The layers that read each source: `consumers(Src::Layer(i))`.
    pub fn consumers(&self, s: Src) -> Vec<usize> {
        self.layers
            .iter()
            .enumerate()
            .filter(|(_, l)| l.inputs.contains(&s))
            .map(|(i, _)| i)
            .collect()
    }

    /// How many streams read source `s`: every layer input naming it (an
    /// `add` of one tensor twice reads it twice), and the network output
    /// when `s` is the last layer.
    pub fn readers(&self, s: Src) -> usize {
        let inputs: usize = self
            .layers
            .iter()
            .map(|l| l.inputs.iter().filter(|&&x| x == s).count())
            .sum();
        inputs + usize::from(s == Src::Layer(self.layers.len().saturating_sub(1)))
    }

    /// A 32-bit fingerprint of everything that defines the computation
    /// (shapes, types, weights), exposed in the design's status registers.
    pub fn hash32(&self) -> u32 {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(self.name.as_bytes());
        h.update(format!("{:?}{:?}", self.input_shape, self.input_type).as_bytes());
        for l in &self.layers {
            h.update(
                format!(
                    "{}|{:?}|{:?}|{:?}",
                    l.name, l.out_shape, l.in_type, l.out_type
                )
                .as_bytes(),
            );
            h.update(format!("{:?}", l.inputs).as_bytes());
            match &l.op {
                Op::Dense(d) => {
                    h.update(format!("{:?}|{:?}|{}", d.wtype, d.act, d.acc_bits).as_bytes());
                    for c in d.codes.iter().chain(d.bias.iter()) {
                        h.update(c.to_le_bytes());
                    }
                    if let Some(ch) = &d.channel {
                        h.update(format!("{ch:?}").as_bytes());
                    }
                }
                Op::Conv(c) => {
                    h.update(
                        format!(
                            "{:?}|{:?}|{:?}|{}|{:?}|{:?}|{}",
                            c.kernel, c.stride, c.pad, c.depthwise, c.wtype, c.act, c.acc_bits
                        )
                        .as_bytes(),
                    );
                    for v in c.codes.iter().chain(c.bias.iter()) {
                        h.update(v.to_le_bytes());
                    }
                    if let Some(ch) = &c.channel {
                        h.update(format!("{ch:?}").as_bytes());
                    }
                }
                other => h.update(format!("{other:?}").as_bytes()),
            }
        }
        let out = h.finalize();
        u32::from_be_bytes([out[0], out[1], out[2], out[3]])
    }
}

/// Per-layer summary row, as printed by `tomatl check` and stored in
/// design.json.
#[derive(Clone, Debug, Serialize)]
pub struct LayerSummary {
    pub name: String,
    pub op: &'static str,
    pub in_shape: Vec<usize>,
    pub out_shape: Vec<usize>,
    pub macs: u64,
    pub arith: Option<&'static str>,
    pub weight_bits: Option<u32>,
    pub acc_bits: Option<u32>,
    pub param_bits: u64,
    pub out_type: String,
}

impl Layer {
    pub fn summary(&self) -> LayerSummary {
        let (arith, wbits, acc) = match &self.op {
            Op::Dense(d) => (
                Some(d.wtype.arith.name()),
                Some(d.wtype.bits),
                Some(d.acc_bits),
            ),
            Op::Conv(c) => (
                Some(c.wtype.arith.name()),
                Some(c.wtype.bits),
                Some(c.acc_bits),
            ),
            _ => (None, None, None),
        };
        LayerSummary {
            name: self.name.clone(),
            op: self.op.kind(),
            in_shape: self.in_shape.clone(),
            out_shape: self.out_shape.clone(),
            macs: self.macs(),
            arith,
            weight_bits: wbits,
            acc_bits: acc,
            param_bits: self.param_bits(),
            out_type: match self.thresholds() {
                // rounding is in the thresholds; say how many and the
                // code's real value when the model gave it
                Some(t) => {
                    let mut s = format!(
                        "{}{} {} thresholds",
                        self.out_type.short(),
                        if self.out_type.narrow { " narrow" } else { "" },
                        t.count()
                    );
                    if t.step == 2 {
                        s += " (bipolar)";
                    }
                    if let Some(sc) = t.scale {
                        s += &format!(" ×{sc:.6}");
                    }
                    s
                }
                None => self.out_type.short() + &self.out_type.rounding_note(),
            },
        }
    }

    /// The layer's thresholds (the threshold mode), if any.
    pub fn thresholds(&self) -> Option<&Thresholds> {
        match &self.op {
            Op::Dense(d) => d.thresholds.as_ref(),
            Op::Conv(c) => c.thresholds.as_ref(),
            _ => None,
        }
    }
}
