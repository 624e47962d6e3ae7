//! design.json: the machine-readable summary of a generated design, read
//! back by `tomatl verify` and by scripts.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ir::{Graph, TensorType};
use crate::plan::HwPlan;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StreamInfo {
    pub shape: Vec<usize>,
    #[serde(rename = "type")]
    pub ty: TensorType,
    pub elems_per_beat: usize,
    pub beats_per_frame: usize,
    /// TDATA width: the elements padded to whole bytes.
    pub tdata_bits: usize,
}

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
    pub weight_rom_bits: u64,
    /// What the resource model predicts for the layer's engine, when the
    /// design was planned for a board.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicted: Option<crate::plan::Resources>,
    /// Two products share each DSP (pairs of PEs, `PACK = 1`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dsp_pack: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DesignInfo {
    pub tomatl_version: String,
    pub name: String,
    /// The top module's name.
    pub top: String,
    pub net_hash: u32,
    pub input: StreamInfo,
    pub output: StreamInfo,
    /// Planned cycles per frame (the slowest engine's).
    pub interval_cycles: u64,
    pub target_cycles: Option<u64>,
    pub macs_per_frame: u64,
    pub multipliers: usize,
    /// The board the design was planned for, with the predicted resources.
    #[serde(default)]
    pub board: Option<crate::plan::BoardFit>,
    pub layers: Vec<LayerInfo>,
}

fn stream(shape: &[usize], ty: TensorType, elems: usize) -> StreamInfo {
    let len: usize = shape.iter().product();
    StreamInfo {
        shape: shape.to_vec(),
        ty,
        elems_per_beat: elems,
        beats_per_frame: len / elems,
        tdata_bits: (elems * ty.bits as usize).div_ceil(8) * 8,
    }
}

impl DesignInfo {
    pub fn new(graph: &Graph, plan: &HwPlan) -> Self {
        let layers = graph
            .layers
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let eng = plan.engines.iter().find(|e| e.layer == i);
                let sum = l.summary();
                let (arith, bits, acc, rom) = (
                    sum.arith.map(str::to_string),
                    sum.weight_bits,
                    sum.acc_bits,
                    sum.param_bits,
                );
                LayerInfo {
                    name: l.name.clone(),
                    op: l.op.kind().into(),
                    in_shape: l.in_shape.clone(),
                    out_shape: l.out_shape.clone(),
                    macs: l.macs(),
                    arith,
                    bits,
                    acc_bits: acc,
                    out_type: l.out_type,
                    pe: eng.map(|e| e.pe),
                    simd: eng.map(|e| e.simd),
                    planned_cycles: eng.map(|e| e.cycles),
                    weight_rom_bits: rom,
                    predicted: match (eng, &plan.board) {
                        (Some(e), Some(b)) => Some(crate::plan::engine_cost(graph, e, b.family)),
                        _ => None,
                    },
                    dsp_pack: eng.is_some_and(|e| e.dsp_pack),
                }
            })
            .collect();
        DesignInfo {
            tomatl_version: env!("CARGO_PKG_VERSION").into(),
            name: graph.name.clone(),
            top: super::top_name(graph),
            net_hash: graph.hash32(),
            input: stream(&graph.input_shape, graph.input_type, plan.io_in_elems),
            output: stream(graph.output_shape(), graph.output_type(), plan.io_out_elems),
            interval_cycles: plan.interval,
            target_cycles: plan.target_cycles,
            macs_per_frame: graph.total_macs(),
            multipliers: plan.multipliers(),
            board: plan.board.clone(),
            layers,
        }
    }

    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map(|s| s + "\n")
            .map_err(|e| Error::Internal(format!("serializing design.json: {e}")))
    }
}
