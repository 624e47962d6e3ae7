//! The hardware model: which `rtl/` instances a design is made of, the
//! streams that join them, their FIFO depths, ROM images, the top's I/O
//! geometry and its register map. [`lower`] derives it from the graph and
//! the plan and takes every hardware decision; the backends (Verilog, HLS,
//! harness, report) and the resource model only read it. `design.json` is
//! its complete dump and reads back into it ([`Design::from_json`]).

mod lower;
mod regs;
pub mod rom;
pub mod units;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ir::{Graph, TensorType};
use crate::plan::{BoardFit, Resources};

pub use lower::{lower, lower_without_roms};
pub use regs::{register_map, version_word, Access, Register, ADDR_BITS, ID_WORD};
pub use rom::Rom;
pub use units::{Param, Unit, Value};

/// Name of the generated top module for a network.
pub fn top_name(graph: &Graph) -> String {
    format!("{}_top", graph.name)
}

/// One of the top's two AXI4-Stream ports. Packing (DESIGN.md §6):
/// element `i` of a beat at bits `[i*b, (i+1)*b)`, least significant first,
/// zero-padded to `tdata_bits`, a power of two of bytes; TLAST on the
/// last beat of a frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IoStream {
    pub shape: Vec<usize>,
    #[serde(rename = "type")]
    pub ty: TensorType,
    pub elems_per_beat: usize,
    pub beats_per_frame: usize,
    /// TDATA width: the elements padded to whole bytes.
    pub tdata_bits: usize,
    /// The internal stream the port is joined to.
    pub stream: String,
    /// The output only: the `[h, w, c]` image whose elements (streamed in
    /// HWC order) the host drivers deliver in ONNX's (c, h, w) order
    /// (`order: chw`); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chw: Option<[usize; 3]>,
}

impl IoStream {
    /// Bits of a beat that carry elements.
    pub fn data_bits(&self) -> usize {
        self.elems_per_beat * self.ty.bits as usize
    }
}

/// What a layer became, for readers of the report and scripts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerInfo {
    pub name: String,
    pub op: String,
    pub in_shape: Vec<usize>,
    pub out_shape: Vec<usize>,
    pub macs: u64,
    pub arith: Option<String>,
    pub bits: Option<u32>,
    pub acc_bits: Option<u32>,
    pub out_type: TensorType,
    pub pe: Option<usize>,
    pub simd: Option<usize>,
    pub planned_cycles: Option<u64>,
    /// Weights and biases.
    pub params: u64,
    pub weight_rom_bits: u64,
    /// What the resource model predicts for the layer's instances, when
    /// the design was planned for a board.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicted: Option<Resources>,
    /// Two products share each DSP (pairs of PEs, `PACK = 1`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dsp_pack: bool,
    /// How the accumulator becomes the output, and how far from the exact
    /// scale it may be (layers with weights).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requant: Option<String>,
}

/// A ready/valid stream between instances: `elems` elements of `el_bits`
/// bits a beat (wires `<name>_tdata/_tvalid/_tready`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stream {
    pub name: String,
    pub elems: usize,
    pub el_bits: usize,
}

impl Stream {
    pub fn bits(&self) -> usize {
        self.elems * self.el_bits
    }
}

/// One instance of an `rtl/` module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// `l<index>_<layer>_<role>`, unique in the design.
    pub name: String,
    /// The layer it belongs to (`None`: the top's output).
    pub layer: Option<usize>,
    #[serde(flatten)]
    pub unit: Unit,
    /// Streams read, in port order (`s_axis`, or `s_axis_a`, `s_axis_b`).
    pub inputs: Vec<String>,
    /// Streams written, in port order (a fork's branch 0 first).
    pub outputs: Vec<String>,
    /// One line on what it does.
    pub note: String,
}

/// The hardware of a design.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Design {
    pub tomatl_version: String,
    pub name: String,
    /// The top module's name.
    pub top: String,
    pub net_hash: u32,
    pub input: IoStream,
    pub output: IoStream,
    /// Planned cycles per frame (the slowest engine's).
    pub interval_cycles: u64,
    pub target_cycles: Option<u64>,
    pub macs_per_frame: u64,
    pub multipliers: usize,
    /// The board the design was planned for, with the predicted resources.
    #[serde(default)]
    pub board: Option<BoardFit>,
    pub layers: Vec<LayerInfo>,
    /// Every stream, in the order they are declared.
    pub streams: Vec<Stream>,
    /// Every instance, in dataflow order.
    pub instances: Vec<Instance>,
    /// The control port's registers.
    pub registers: Vec<Register>,
    /// Every ROM image, in instance order.
    pub roms: Vec<Rom>,
}

impl Design {
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map(|s| s + "\n")
            .map_err(|e| Error::Internal(format!("serializing design.json: {e}")))
    }

    /// A design read back from its `design.json` text.
    pub fn from_json(text: &str) -> std::result::Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The stream called `name`.
    pub fn stream(&self, name: &str) -> Option<&Stream> {
        self.streams.iter().find(|s| s.name == name)
    }

    /// The ROM read from `file`.
    pub fn rom(&self, file: &str) -> Option<&Rom> {
        self.roms.iter().find(|r| r.file == file)
    }

    /// The instances of layer `i`.
    pub fn layer_instances(&self, i: usize) -> impl Iterator<Item = &Instance> {
        self.instances.iter().filter(move |x| x.layer == Some(i))
    }
}
