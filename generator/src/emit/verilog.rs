//! The Verilog of a design: the top (rendered from templates/top.v), the
//! library modules it instantiates, and the weight and bias ROM images.

use askama::Template;

use super::design_json::DesignInfo;
use super::mem::{hex_word, twos};
use super::{embedded, version_word, Artifact};
use crate::error::{Error, Result};
use crate::ir::{Graph, Op};
use crate::plan::HwPlan;

/// Name of the generated top module for a network.
pub fn top_name(graph: &Graph) -> String {
    format!("{}_top", graph.name)
}

/// One module instance of the top's chain; stream `i` feeds stage `i`.
struct Stage {
    module: &'static str,
    inst: String,
    params: Vec<Param>,
    note: String,
}

struct Param {
    name: &'static str,
    value: String,
}

fn p(name: &'static str, value: impl ToString) -> Param {
    Param {
        name,
        value: value.to_string(),
    }
}

struct Stream {
    bits: usize,
}

#[derive(Template)]
#[template(path = "top.v", escape = "none")]
struct TopTemplate<'a> {
    top: &'a str,
    name: &'a str,
    version: &'static str,
    interval: u64,
    in_elems: usize,
    in_beats: usize,
    in_type: String,
    out_elems: usize,
    out_beats: usize,
    out_type: String,
    in_data_bits: usize,
    in_tdata_bits: usize,
    out_data_bits: usize,
    out_tdata_bits: usize,
    stages: Vec<Stage>,
    streams: Vec<Stream>,
    last_stream: usize,
    id_hex: String,
    version_hex: String,
    hash_hex: String,
}

/// The magic in the ID register: "TMTL".
pub const ID_WORD: u32 = 0x544D_544C;

/// Builds the chain: [DWC → FIFO → MVAU]* → DWC → FIFO; a DWC only where
/// the widths differ.
struct Chain {
    stages: Vec<Stage>,
    streams: Vec<Stream>,
    /// elements per beat and bits per element of the stream being built
    elems: usize,
    el_bits: usize,
}

impl Chain {
    fn push(&mut self, stage: Stage, out_elems: usize, out_el_bits: usize) {
        self.stages.push(stage);
        self.elems = out_elems;
        self.el_bits = out_el_bits;
        self.streams.push(Stream {
            bits: out_elems * out_el_bits,
        });
    }

    fn fifo(&mut self, inst: String, depth: usize) {
        let (elems, bits) = (self.elems, self.el_bits);
        self.push(
            Stage {
                module: "tomatl_fifo",
                inst,
                params: vec![p("WIDTH", elems * bits), p("DEPTH", depth)],
                note: format!("{depth} beats of {elems} x {bits} bits"),
            },
            elems,
            bits,
        );
    }

    /// A width converter, only where the widths differ.
    fn convert_to(&mut self, inst: String, elems: usize) {
        if elems == self.elems {
            return;
        }
        let (from, bits) = (self.elems, self.el_bits);
        self.push(
            Stage {
                module: "tomatl_dwc",
                inst,
                params: vec![
                    p("EL_BITS", bits),
                    p("IN_ELEMS", from),
                    p("OUT_ELEMS", elems),
                ],
                note: format!("{from} -> {elems} elements of {bits} bits"),
            },
            elems,
            bits,
        );
    }
}

pub fn emit(graph: &Graph, plan: &HwPlan, info: &DesignInfo) -> Result<Vec<Artifact>> {
    let mut files = Vec::new();
    let in_bits = graph.input_type.bits as usize;
    let mut chain = Chain {
        stages: Vec::new(),
        streams: vec![Stream {
            bits: plan.io_in_elems * in_bits,
        }],
        elems: plan.io_in_elems,
        el_bits: in_bits,
    };
    for e in &plan.engines {
        let layer = &graph.layers[e.layer];
        let Op::Dense(d) = &layer.op else {
            return Err(Error::Internal(format!(
                "engine planned for non-dense layer `{}`",
                layer.name
            )));
        };
        chain.convert_to(format!("layer_{}_dwc", layer.name), e.simd);
        chain.fifo(format!("layer_{}_fifo", layer.name), e.in_fifo_depth);
        let frac_acc = layer.in_type.frac + d.wtype.frac;
        let shift = frac_acc - layer.out_type.frac;
        let wfile = format!("{}_weights.mem", layer.name);
        let bfile = format!("{}_bias.mem", layer.name);
        let out_bits = layer.out_type.bits as usize;
        chain.push(
            Stage {
                module: "tomatl_mvau",
                inst: format!("layer_{}_mvau", layer.name),
                params: vec![
                    p("SIMD", e.simd),
                    p("PE", e.pe),
                    p("SF", e.sf),
                    p("NF", e.nf),
                    p("IN_BITS", layer.in_type.bits),
                    p("IN_SIGNED", layer.in_type.signed as u8),
                    p("ARITH", d.wtype.arith.rtl_code()),
                    p("W_BITS", d.wtype.bits),
                    p("ACC_BITS", d.acc_bits),
                    p("RSHIFT", shift.max(0)),
                    p("LSHIFT", (-shift).max(0)),
                    p("ACT", d.act.rtl_code()),
                    p(
                        "RELU6_MAX",
                        crate::ir::numerics::relu6_limit(layer.out_type.frac),
                    ),
                    p("OUT_BITS", out_bits),
                    p("OUT_SIGNED", layer.out_type.signed as u8),
                    p("WEIGHT_FILE", format!("\"{wfile}\"")),
                    p("BIAS_FILE", format!("\"{bfile}\"")),
                ],
                note: format!(
                    "{} {}x{} {}, PE {} x SIMD {}, {} cycles",
                    layer.name,
                    d.in_features,
                    d.out_features,
                    d.wtype.short(),
                    e.pe,
                    e.simd,
                    e.cycles
                ),
            },
            e.pe,
            out_bits,
        );
        files.push(Artifact::new(
            format!("rtl/{wfile}"),
            weight_mem(d, e.pe, e.simd),
        ));
        files.push(Artifact::new(format!("rtl/{bfile}"), bias_mem(d, e.pe)));
    }
    chain.convert_to("io_out_dwc".into(), plan.io_out_elems);
    chain.fifo("io_out_fifo".into(), plan.out_fifo_depth);

    let out_type = graph.output_type();
    let in_data_bits = plan.io_in_elems * in_bits;
    let out_data_bits = plan.io_out_elems * out_type.bits as usize;
    let top = info.top.clone();
    let last_stream = chain.stages.len();
    let t = TopTemplate {
        top: &top,
        name: &graph.name,
        version: env!("CARGO_PKG_VERSION"),
        interval: plan.interval,
        in_elems: plan.io_in_elems,
        in_beats: plan.in_beats(graph),
        in_type: graph.input_type.short(),
        out_elems: plan.io_out_elems,
        out_beats: plan.out_beats(graph),
        out_type: out_type.short(),
        in_data_bits,
        in_tdata_bits: info.input.tdata_bits,
        out_data_bits,
        out_tdata_bits: info.output.tdata_bits,
        stages: chain.stages,
        streams: chain.streams,
        last_stream,
        id_hex: format!("{ID_WORD:08x}"),
        version_hex: format!("{:08x}", version_word()),
        hash_hex: format!("{:08x}", info.net_hash),
    };
    let text = t
        .render()
        .map_err(|e| Error::Internal(format!("rendering top.v: {e}")))?
        + "\n";
    files.push(Artifact::new(format!("rtl/{top}.v"), text));
    for (name, src) in embedded::RTL_LIBRARY {
        files.push(Artifact::new(format!("rtl/{name}"), *src));
    }
    Ok(files)
}

/// Weight ROM image: word `nf*SF + sf` holds PE×SIMD codes, PE `p` lane
/// `s` at field `p*SIMD + s`.
fn weight_mem(d: &crate::ir::Dense, pe: usize, simd: usize) -> String {
    let (sf, nf) = (d.in_features / simd, d.out_features / pe);
    let mut out = String::new();
    let mut fields = Vec::with_capacity(pe * simd);
    for n in 0..nf {
        for s in 0..sf {
            fields.clear();
            for p in 0..pe {
                for l in 0..simd {
                    let code = d.codes[[n * pe + p, s * simd + l]];
                    fields.push(d.wtype.rom_bits(code));
                }
            }
            out.push_str(&hex_word(&fields, d.wtype.bits));
            out.push('\n');
        }
    }
    out
}

/// Bias ROM image: word `nf` holds PE biases of ACC_BITS bits.
fn bias_mem(d: &crate::ir::Dense, pe: usize) -> String {
    let mut out = String::new();
    for n in 0..d.out_features / pe {
        let fields: Vec<u64> = (0..pe)
            .map(|p| twos(d.bias[n * pe + p], d.acc_bits))
            .collect();
        out.push_str(&hex_word(&fields, d.acc_bits));
        out.push('\n');
    }
    out
}
