//! The typed, shape-inferred, quantized network: what the frontend produces
//! and every later stage reads.

pub mod display;
pub mod numerics;
pub mod serial;
pub mod types;

use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

pub use types::{Activation, Arith, TensorType, WeightType};

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
}

impl Dense {
    /// Integer weight values `[out, in]`.
    pub fn values(&self) -> Array2<i64> {
        self.codes.mapv(|c| self.wtype.value(c))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Op {
    Dense(Dense),
    /// Reinterpret the input as a vector (HWC order is kept: no data moves).
    Flatten,
}

impl Op {
    pub fn kind(&self) -> &'static str {
        match self {
            Op::Dense(_) => "dense",
            Op::Flatten => "flatten",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Layer {
    pub name: String,
    pub op: Op,
    pub in_shape: Vec<usize>,
    pub out_shape: Vec<usize>,
    pub in_type: TensorType,
    pub out_type: TensorType,
}

impl Layer {
    /// Multiply-accumulates per frame.
    pub fn macs(&self) -> u64 {
        match &self.op {
            Op::Dense(d) => (d.in_features * d.out_features) as u64,
            Op::Flatten => 0,
        }
    }

    /// Weight parameter bits (weights and biases).
    pub fn param_bits(&self) -> u64 {
        match &self.op {
            Op::Dense(d) => {
                (d.codes.len() as u64) * d.wtype.bits as u64
                    + d.out_features as u64 * d.acc_bits as u64
            }
            Op::Flatten => 0,
        }
    }

    /// Accumulator binary point of a compute layer.
    pub fn acc_frac(&self) -> Option<i32> {
        match &self.op {
            Op::Dense(d) => Some(self.in_type.frac + d.wtype.frac),
            Op::Flatten => None,
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
            if let Op::Dense(d) = &l.op {
                h.update(format!("{:?}|{:?}|{}", d.wtype, d.act, d.acc_bits).as_bytes());
                for c in d.codes.iter().chain(d.bias.iter()) {
                    h.update(c.to_le_bytes());
                }
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
            Op::Flatten => (None, None, None),
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
            out_type: self.out_type.short(),
        }
    }
}
