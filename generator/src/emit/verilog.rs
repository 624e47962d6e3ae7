//! The Verilog of a design: the top (rendered from templates/top.v), the
//! library modules it instantiates, and the weight and bias ROM images.
//!
//! The top is a dataflow graph of library instances joined by ready/valid
//! streams: per layer, a width converter and a FIFO in front of each input,
//! then the layer's engine (sliding-window unit + matrix-vector, vector,
//! pooling, global-pooling or add unit); a fork wherever a tensor feeds more
//! than one layer.

use std::collections::BTreeMap;

use askama::Template;

use super::design_json::DesignInfo;
use super::mem::{hex_word, twos};
use super::{embedded, version_word, Artifact};
use crate::error::{Error, Result};
use crate::ir::limits::{add_shifts, average_params, relu6_max_param, MAX_PARAM, MAX_READERS};
use crate::ir::numerics::MULT_BITS;
use crate::ir::{Activation, Graph, Layer, Op, PoolKind, Src, TensorType, WeightType};
use crate::plan::{EngineKind, EnginePlan, HwPlan};

/// Name of the generated top module for a network.
pub fn top_name(graph: &Graph) -> String {
    format!("{}_top", graph.name)
}

/// The magic in the ID register: "TMTL".
pub const ID_WORD: u32 = 0x544D_544C;

/// `name(value)`: a parameter or a port connection.
struct Conn {
    name: &'static str,
    value: String,
    /// The value of an integer parameter, checked against
    /// `limits::MAX_PARAM` before anything is rendered.
    int: Option<i64>,
}

/// Integers of every width the parameters come in.
trait IntParam {
    fn value(self) -> i64;
}

macro_rules! int_param {
    ($($t:ty),*) => {$(
        impl IntParam for $t {
            fn value(self) -> i64 {
                i64::try_from(self).unwrap_or(i64::MAX)
            }
        }
    )*};
}
int_param!(u8, u32, i32, u64, i64, usize);

/// An integer parameter, written as a sized 32-bit signed literal: the
/// width and signedness of a plain Verilog integer, never an unsized
/// literal that a tool may read differently.
fn c(name: &'static str, v: impl IntParam) -> Conn {
    let v = v.value();
    Conn {
        name,
        value: format!("32'sd{v}"),
        int: Some(v),
    }
}

/// A string parameter or a port connection, as written.
fn text(name: &'static str, value: impl ToString) -> Conn {
    Conn {
        name,
        value: value.to_string(),
        int: None,
    }
}

struct Stage {
    module: &'static str,
    inst: String,
    params: Vec<Conn>,
    ports: Vec<Conn>,
    note: String,
}

/// A ready/valid stream: wires `<name>_tdata/_tvalid/_tready`.
#[derive(Clone)]
struct Stream {
    name: String,
    elems: usize,
    el_bits: usize,
}

/// The template's view of a stream.
struct Wire {
    name: String,
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
    streams: Vec<Wire>,
    first_stream: String,
    last_stream: String,
    id_hex: String,
    version_hex: String,
    hash_hex: String,
}

/// Builds the graph of instances.
#[derive(Default)]
struct Builder {
    stages: Vec<Stage>,
    streams: Vec<Wire>,
    files: Vec<Artifact>,
}

fn single_ports(input: &Stream, out: &Stream) -> Vec<Conn> {
    vec![
        text("s_axis_tdata", format!("{}_tdata", input.name)),
        text("s_axis_tvalid", format!("{}_tvalid", input.name)),
        text("s_axis_tready", format!("{}_tready", input.name)),
        text("m_axis_tdata", format!("{}_tdata", out.name)),
        text("m_axis_tvalid", format!("{}_tvalid", out.name)),
        text("m_axis_tready", format!("{}_tready", out.name)),
    ]
}

impl Builder {
    fn stream(&mut self, hint: &str, elems: usize, el_bits: usize) -> Stream {
        let s = Stream {
            name: format!("s{}_{hint}", self.streams.len()),
            elems,
            el_bits,
        };
        self.streams.push(Wire {
            name: s.name.clone(),
            bits: elems * el_bits,
        });
        s
    }

    /// A one-in, one-out stage producing a new stream.
    #[allow(clippy::too_many_arguments)]
    fn single(
        &mut self,
        module: &'static str,
        inst: String,
        params: Vec<Conn>,
        note: String,
        input: &Stream,
        out_elems: usize,
        out_bits: usize,
    ) -> Stream {
        let out = self.stream(&inst, out_elems, out_bits);
        self.stages.push(Stage {
            module,
            inst,
            params,
            ports: single_ports(input, &out),
            note,
        });
        out
    }

    fn fifo(&mut self, inst: String, input: &Stream, depth: usize) -> Stream {
        let (e, b) = (input.elems, input.el_bits);
        self.single(
            "tomatl_fifo",
            inst,
            vec![c("WIDTH", e * b), c("DEPTH", depth)],
            format!("{depth} beats of {e} x {b} bits"),
            input,
            e,
            b,
        )
    }

    /// A width converter, only where the widths differ.
    fn convert(&mut self, inst: String, input: &Stream, elems: usize) -> Stream {
        if elems == input.elems {
            return input.clone();
        }
        let (from, b) = (input.elems, input.el_bits);
        self.single(
            "tomatl_dwc",
            inst,
            vec![c("EL_BITS", b), c("IN_ELEMS", from), c("OUT_ELEMS", elems)],
            format!("{from} -> {elems} elements of {b} bits"),
            input,
            elems,
            b,
        )
    }

    /// Width converter then FIFO: the front of every engine input.
    fn front(&mut self, prefix: &str, input: &Stream, elems: usize, depth: usize) -> Stream {
        let s = self.convert(format!("{prefix}_dwc"), input, elems);
        self.fifo(format!("{prefix}_fifo"), &s, depth)
    }

    fn fork(&mut self, inst: String, input: &Stream, n: usize) -> Vec<Stream> {
        let outs: Vec<Stream> = (0..n)
            .map(|i| self.stream(&format!("{inst}{i}"), input.elems, input.el_bits))
            .collect();
        let cat = |suffix: &str| -> String {
            let parts: Vec<String> = outs
                .iter()
                .rev()
                .map(|o| format!("{}_{suffix}", o.name))
                .collect();
            format!("{{{}}}", parts.join(", "))
        };
        self.stages.push(Stage {
            module: "tomatl_fork",
            inst: inst.clone(),
            params: vec![c("WIDTH", input.elems * input.el_bits), c("N_OUT", n)],
            ports: vec![
                text("s_axis_tdata", format!("{}_tdata", input.name)),
                text("s_axis_tvalid", format!("{}_tvalid", input.name)),
                text("s_axis_tready", format!("{}_tready", input.name)),
                text("m_axis_tdata", cat("tdata")),
                text("m_axis_tvalid", cat("tvalid")),
                text("m_axis_tready", cat("tready")),
            ],
            note: format!("broadcast to {n} consumers"),
        });
        outs
    }
}

/// Requantization parameters of an accumulator at `frac_acc`.
fn requant_params(frac_acc: i32, act: Activation, out: &TensorType) -> Vec<Conn> {
    let shift = frac_acc - out.frac;
    vec![
        c("RSHIFT", shift.max(0)),
        c("LSHIFT", (-shift).max(0)),
        c("ACT", act.rtl_code()),
        c("RELU6_MAX", relu6_max_param(out)),
        c("OUT_BITS", out.bits),
        c("OUT_SIGNED", out.signed as u8),
    ]
}

fn type_params(prefix: &'static str, signed: &'static str, t: &TensorType) -> [Conn; 2] {
    [c(prefix, t.bits), c(signed, t.signed as u8)]
}

/// Average parameters: the exact fraction `sum << AVG_LSHIFT / AVG_DIV`
/// (`ir::limits::average_params`, which the frontend checks).
fn avg_params(n: u64, inp: &TensorType, out: &TensorType, layer: &Layer) -> Result<Vec<Conn>> {
    let (lshift, div) = average_params(n, inp, out.frac).map_err(|e| {
        Error::Internal(format!(
            "layer `{}`: average beyond the limits of tomatl_avg: {e:?}",
            layer.name
        ))
    })?;
    Ok(vec![
        c("OUT_BITS", out.bits),
        c("OUT_SIGNED", out.signed as u8),
        c("AVG_LSHIFT", lshift),
        c("AVG_DIV", div),
    ])
}

/// The geometry of a sliding window.
struct Window {
    kernel: [usize; 2],
    stride: [usize; 2],
    pad: [usize; 4],
    depthwise: bool,
}

fn swu(
    b: &mut Builder,
    pre: &str,
    layer: &Layer,
    input: &Stream,
    simd: usize,
    win: Window,
) -> Stream {
    let Window {
        kernel,
        stride,
        pad,
        depthwise,
    } = win;
    let (h, w, ch) = (layer.in_shape[0], layer.in_shape[1], layer.in_shape[2]);
    let (oh, ow) = (layer.out_shape[0], layer.out_shape[1]);
    b.single(
        "tomatl_swu",
        format!("{pre}_swu"),
        vec![
            c("IN_H", h),
            c("IN_W", w),
            c("CH", ch),
            c("SIMD", simd),
            c("EL_BITS", input.el_bits),
            c("K_H", kernel[0]),
            c("K_W", kernel[1]),
            c("S_H", stride[0]),
            c("S_W", stride[1]),
            c("PAD_T", pad[0]),
            c("PAD_L", pad[1]),
            c("PAD_B", pad[2]),
            c("PAD_R", pad[3]),
            c("OUT_H", oh),
            c("OUT_W", ow),
            c("DEPTHWISE", depthwise as u8),
        ],
        format!(
            "{} windows {}x{} stride {}x{} over {h}x{w}x{ch}",
            layer.name, kernel[0], kernel[1], stride[0], stride[1]
        ),
        input,
        simd,
        input.el_bits,
    )
}

fn weight_params(wt: &WeightType, acc_bits: u32, layer: &str) -> (Vec<Conn>, String, String) {
    let wfile = format!("{layer}_weights.mem");
    let bfile = format!("{layer}_bias.mem");
    (
        vec![
            c("ARITH", wt.arith.rtl_code()),
            c("W_BITS", wt.bits),
            c("ACC_BITS", acc_bits),
        ],
        wfile,
        bfile,
    )
}

/// Emit the engine of one layer; returns its output stream.
fn engine(
    b: &mut Builder,
    graph: &Graph,
    layer: &Layer,
    e: &EnginePlan,
    inputs: &[Stream],
) -> Result<Stream> {
    let name = &layer.name;
    let pre = layer_prefix(e.layer, layer);
    let out_bits = layer.out_type.bits as usize;
    let in_t = &layer.in_type;
    match (&layer.op, e.kind) {
        (Op::Dense(_), _) | (Op::Conv(_), EngineKind::ConvMvau) => {
            let (wt, codes, bias, act, acc_bits, outs, channel) = match &layer.op {
                Op::Dense(d) => (
                    d.wtype,
                    &d.codes,
                    &d.bias,
                    d.act,
                    d.acc_bits,
                    d.out_features,
                    &d.channel,
                ),
                Op::Conv(cv) => (
                    cv.wtype,
                    &cv.codes,
                    &cv.bias,
                    cv.act,
                    cv.acc_bits,
                    cv.out_ch,
                    &cv.channel,
                ),
                _ => unreachable!("matched above"),
            };
            let mut s = b.front(&pre, &inputs[0], e.simd, e.in_fifo_depth[0]);
            if let Op::Conv(cv) = &layer.op {
                if crate::plan::needs_window(layer) {
                    s = swu(
                        b,
                        &pre,
                        layer,
                        &s,
                        e.simd,
                        Window {
                            kernel: cv.kernel,
                            stride: cv.stride,
                            pad: cv.pad,
                            depthwise: false,
                        },
                    );
                    s = b.fifo(format!("{pre}_win_fifo"), &s, e.sf + 2);
                }
            }
            let (wp, wfile, bfile) = weight_params(&wt, acc_bits, name);
            let mut params = vec![
                c("SIMD", e.simd),
                c("PE", e.pe),
                c("SF", e.sf),
                c("NF", e.nf),
            ];
            params.extend(type_params("IN_BITS", "IN_SIGNED", in_t));
            params.extend(wp);
            match channel {
                // per-channel mode: the shift of the multiplied sums
                Some(ch) => params.extend(requant_params(
                    ch.shift as i32 + layer.out_type.frac,
                    act,
                    &layer.out_type,
                )),
                None => params.extend(requant_params(in_t.frac + wt.frac, act, &layer.out_type)),
            }
            if e.dsp_pack {
                params.push(c("PACK", 1));
            }
            params.push(text("WEIGHT_FILE", format!("\"{wfile}\"")));
            params.push(text("BIAS_FILE", format!("\"{bfile}\"")));
            if let Some(ch) = channel {
                let mfile = format!("{name}_mult.mem");
                params.push(c("MULT_BITS", MULT_BITS));
                params.push(text("MULT_FILE", format!("\"{mfile}\"")));
                let m = ndarray::Array1::from(ch.mult.clone());
                b.files.push(Artifact::new(
                    format!("rtl/{mfile}"),
                    bias_mem(&m, MULT_BITS, e.pe),
                ));
            }
            b.files.push(Artifact::new(
                format!("rtl/{wfile}"),
                matrix_mem(codes, &wt, e.pe, e.simd, outs),
            ));
            b.files.push(Artifact::new(
                format!("rtl/{bfile}"),
                bias_mem(bias, acc_bits, e.pe),
            ));
            Ok(b.single(
                "tomatl_mvau",
                format!("{pre}_mvau"),
                params,
                format!(
                    "{name} {} {}, PE {} x SIMD {}, {} cycles",
                    layer.op.kind(),
                    wt.short(),
                    e.pe,
                    e.simd,
                    e.cycles
                ),
                &s,
                e.pe,
                out_bits,
            ))
        }
        (Op::Conv(cv), _) => {
            let s = b.front(&pre, &inputs[0], e.pe, e.in_fifo_depth[0]);
            let win = Window {
                kernel: cv.kernel,
                stride: cv.stride,
                pad: cv.pad,
                depthwise: true,
            };
            let s = swu(b, &pre, layer, &s, e.pe, win);
            let s = b.fifo(format!("{pre}_win_fifo"), &s, 4);
            let (wp, wfile, bfile) = weight_params(&cv.wtype, cv.acc_bits, name);
            let k = cv.kernel[0] * cv.kernel[1];
            let mut params = vec![c("CH", cv.in_ch), c("PE", e.pe), c("K", k)];
            params.extend(type_params("IN_BITS", "IN_SIGNED", in_t));
            params.extend(wp);
            params.extend(requant_params(
                in_t.frac + cv.wtype.frac,
                cv.act,
                &layer.out_type,
            ));
            params.push(text("WEIGHT_FILE", format!("\"{wfile}\"")));
            params.push(text("BIAS_FILE", format!("\"{bfile}\"")));
            b.files.push(Artifact::new(
                format!("rtl/{wfile}"),
                depthwise_mem(&cv.codes, &cv.wtype, e.pe),
            ));
            b.files.push(Artifact::new(
                format!("rtl/{bfile}"),
                bias_mem(&cv.bias, cv.acc_bits, e.pe),
            ));
            Ok(b.single(
                "tomatl_vvau",
                format!("{pre}_vvau"),
                params,
                format!(
                    "{name} dwconv {}, PE {}, {} cycles",
                    cv.wtype.short(),
                    e.pe,
                    e.cycles
                ),
                &s,
                e.pe,
                out_bits,
            ))
        }
        (Op::Pool(p), _) => {
            let s = b.front(&pre, &inputs[0], e.pe, e.in_fifo_depth[0]);
            let win = Window {
                kernel: p.kernel,
                stride: p.stride,
                pad: [0; 4],
                depthwise: true,
            };
            let s = swu(b, &pre, layer, &s, e.pe, win);
            let s = b.fifo(format!("{pre}_win_fifo"), &s, 4);
            let k = p.kernel[0] * p.kernel[1];
            let mut params = vec![
                c("CH", layer.in_shape[2]),
                c("PE", e.pe),
                c("K", k),
                c("KIND", (p.kind == PoolKind::Avg) as u8),
            ];
            params.extend(type_params("IN_BITS", "IN_SIGNED", in_t));
            params.extend(avg_params(k as u64, in_t, &layer.out_type, layer)?);
            Ok(b.single(
                "tomatl_pool",
                format!("{pre}_pool"),
                params,
                format!(
                    "{name} {}, PE {}, {} cycles",
                    layer.op.kind(),
                    e.pe,
                    e.cycles
                ),
                &s,
                e.pe,
                out_bits,
            ))
        }
        (Op::GlobalAvgPool, _) => {
            let s = b.front(&pre, &inputs[0], e.pe, e.in_fifo_depth[0]);
            let n = (layer.in_shape[0] * layer.in_shape[1]) as u64;
            let mut params = vec![c("CH", layer.in_shape[2]), c("PE", e.pe), c("N_PIX", n)];
            params.extend(type_params("IN_BITS", "IN_SIGNED", in_t));
            params.extend(avg_params(n, in_t, &layer.out_type, layer)?);
            Ok(b.single(
                "tomatl_gap",
                format!("{pre}_gap"),
                params,
                format!("{name} gavgpool, PE {}, {} cycles", e.pe, e.cycles),
                &s,
                e.pe,
                out_bits,
            ))
        }
        (Op::Add { act }, _) => {
            let a = b.front(&format!("{pre}_a"), &inputs[0], e.pe, e.in_fifo_depth[0]);
            let bb = b.front(&format!("{pre}_b"), &inputs[1], e.pe, e.in_fifo_depth[1]);
            let ta = layer.in_type;
            let tb = graph.src_type(layer.inputs[1]);
            let f = ta.frac.max(tb.frac);
            let (a_shl, b_shl) = add_shifts(ta.frac, tb.frac).ok_or_else(|| {
                Error::Internal(format!(
                    "layer `{name}`: add inputs at frac {} and {} are too far apart",
                    ta.frac, tb.frac
                ))
            })?;
            let mut params = vec![c("ELEMS", e.pe)];
            params.extend(type_params("A_BITS", "A_SIGNED", &ta));
            params.extend(type_params("B_BITS", "B_SIGNED", &tb));
            params.push(c("A_SHL", a_shl));
            params.push(c("B_SHL", b_shl));
            params.extend(requant_params(f, *act, &layer.out_type));
            let out = b.stream(&format!("{pre}_add"), e.pe, out_bits);
            b.stages.push(Stage {
                module: "tomatl_add",
                inst: format!("{pre}_add"),
                params,
                ports: vec![
                    text("s_axis_a_tdata", format!("{}_tdata", a.name)),
                    text("s_axis_a_tvalid", format!("{}_tvalid", a.name)),
                    text("s_axis_a_tready", format!("{}_tready", a.name)),
                    text("s_axis_b_tdata", format!("{}_tdata", bb.name)),
                    text("s_axis_b_tvalid", format!("{}_tvalid", bb.name)),
                    text("s_axis_b_tready", format!("{}_tready", bb.name)),
                    text("m_axis_tdata", format!("{}_tdata", out.name)),
                    text("m_axis_tvalid", format!("{}_tvalid", out.name)),
                    text("m_axis_tready", format!("{}_tready", out.name)),
                ],
                note: format!("{name} add, {} lanes, {} cycles", e.pe, e.cycles),
            });
            Ok(out)
        }
        (Op::Flatten, _) => Ok(inputs[0].clone()),
    }
}

fn key(s: Src) -> String {
    match s {
        Src::Input => "input".to_string(),
        Src::Layer(i) => format!("l{i}"),
    }
}

/// Offer a source's stream to its consumers (and to the top's output for
/// the last layer), through a fork when there are several.
fn produce(
    b: &mut Builder,
    graph: &Graph,
    pending: &mut BTreeMap<String, Vec<Stream>>,
    src: Src,
    s: Stream,
    label: &str,
) -> Result<()> {
    // every input that reads the source takes its own stream: an add of
    // one tensor twice gets two branches of the fork
    let n = graph.readers(src);
    if n > MAX_READERS {
        return Err(Error::Internal(format!(
            "`{label}` has {n} readers, more than a fork serves"
        )));
    }
    let outs = if n > 1 {
        b.fork(format!("{label}_fork"), &s, n)
    } else {
        vec![s]
    };
    pending.insert(key(src), outs.into_iter().rev().collect());
    Ok(())
}

/// The prefix of every instance of layer `index`: `l<index>_<name>`. The
/// index alone tells layers apart (it ends at the first `_`, and no other
/// instance or stream name starts with `l` and a digit), and each layer's
/// instances append distinct fixed roles (`_dwc`, `_fifo`, `_swu`,
/// `_win_fifo`, `_mvau`, `_a_fifo`, `_fork`, ...): instance names are unique
/// whatever the layer names are.
fn layer_prefix(index: usize, layer: &Layer) -> String {
    format!("l{index}_{}", layer.name)
}

/// Instance names are unique and integer parameters fit the RTL's 32-bit
/// parameters: what the construction above guarantees, checked.
fn check_stages(stages: &[Stage]) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for s in stages {
        if !seen.insert(s.inst.as_str()) {
            return Err(Error::Internal(format!(
                "instance name `{}` is used twice",
                s.inst
            )));
        }
        for p in &s.params {
            if let Some(v) = p.int {
                if !(0..=MAX_PARAM).contains(&v) {
                    return Err(Error::Internal(format!(
                        "instance `{}`: parameter {} = {v} does not fit 31 bits",
                        s.inst, p.name
                    )));
                }
            }
        }
    }
    Ok(())
}

pub fn emit(graph: &Graph, plan: &HwPlan, info: &DesignInfo) -> Result<Vec<Artifact>> {
    let mut b = Builder::default();
    let in_bits = graph.input_type.bits as usize;
    let first = b.stream("in", plan.io_in_elems, in_bits);
    // streams waiting for their consumers, per source
    let mut pending: BTreeMap<String, Vec<Stream>> = BTreeMap::new();
    let last = graph.layers.len().saturating_sub(1);
    produce(
        &mut b,
        graph,
        &mut pending,
        Src::Input,
        first.clone(),
        "input",
    )?;
    for (i, layer) in graph.layers.iter().enumerate() {
        let mut inputs = Vec::new();
        for &src in &layer.inputs {
            let s = pending
                .get_mut(&key(src))
                .and_then(|v| v.pop())
                .ok_or_else(|| {
                    Error::Internal(format!("no stream left for input of `{}`", layer.name))
                })?;
            inputs.push(s);
        }
        let out = match plan.engine(i) {
            Some(e) => engine(&mut b, graph, layer, e, &inputs)?,
            None => inputs[0].clone(),
        };
        let label = layer_prefix(i, layer);
        produce(&mut b, graph, &mut pending, Src::Layer(i), out, &label)?;
    }
    let out = pending
        .get_mut(&key(Src::Layer(last)))
        .and_then(|v| v.pop())
        .ok_or_else(|| Error::Internal("no output stream".into()))?;
    let out = b.front("io_out", &out, plan.io_out_elems, plan.out_fifo_depth);
    check_stages(&b.stages)?;

    let out_type = graph.output_type();
    let in_data_bits = plan.io_in_elems * in_bits;
    let out_data_bits = plan.io_out_elems * out_type.bits as usize;
    let top = info.top.clone();
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
        stages: b.stages,
        streams: b.streams,
        first_stream: first.name,
        last_stream: out.name,
        id_hex: format!("{ID_WORD:08x}"),
        version_hex: format!("{:08x}", version_word()),
        hash_hex: format!("{:08x}", info.net_hash),
    };
    let text = t
        .render()
        .map_err(|e| Error::Internal(format!("rendering top.v: {e}")))?
        + "\n";
    let mut files = b.files;
    files.push(Artifact::new(format!("rtl/{top}.v"), text));
    for (name, src) in embedded::RTL_LIBRARY {
        files.push(Artifact::new(format!("rtl/{name}"), *src));
    }
    Ok(files)
}

/// Weight ROM image of a matrix `[outs, ins]`: word `nf*SF + sf` holds
/// PE×SIMD codes, PE `p` lane `s` at field `p*SIMD + s`.
fn matrix_mem(
    codes: &ndarray::Array2<i64>,
    wt: &WeightType,
    pe: usize,
    simd: usize,
    outs: usize,
) -> String {
    let ins = codes.ncols();
    let (sf, nf) = (ins / simd, outs / pe);
    let mut out = String::new();
    let mut fields = Vec::with_capacity(pe * simd);
    for n in 0..nf {
        for s in 0..sf {
            fields.clear();
            for p in 0..pe {
                for l in 0..simd {
                    fields.push(wt.rom_bits(codes[[n * pe + p, s * simd + l]]));
                }
            }
            out.push_str(&hex_word(&fields, wt.bits));
            out.push('\n');
        }
    }
    out
}

/// Weight ROM image of a depthwise layer `[ch, k]`: word `cg*K + k` holds
/// the PE channels' weights at kernel position `k`.
fn depthwise_mem(codes: &ndarray::Array2<i64>, wt: &WeightType, pe: usize) -> String {
    let (ch, k) = codes.dim();
    let mut out = String::new();
    for g in 0..ch / pe {
        for j in 0..k {
            let fields: Vec<u64> = (0..pe)
                .map(|p| wt.rom_bits(codes[[g * pe + p, j]]))
                .collect();
            out.push_str(&hex_word(&fields, wt.bits));
            out.push('\n');
        }
    }
    out
}

/// Bias ROM image: word `nf` holds PE biases of ACC_BITS bits.
fn bias_mem(bias: &ndarray::Array1<i64>, acc_bits: u32, pe: usize) -> String {
    let mut out = String::new();
    for n in 0..bias.len() / pe {
        let fields: Vec<u64> = (0..pe).map(|p| twos(bias[n * pe + p], acc_bits)).collect();
        out.push_str(&hex_word(&fields, acc_bits));
        out.push('\n');
    }
    out
}
