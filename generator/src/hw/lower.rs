//! `(Graph, HwPlan)` → [`Design`]: every hardware decision of a design.
//!
//! Per layer, a width converter and a FIFO in front of each input (depths
//! from the plan), then the layer's engine: a sliding-window unit and its
//! FIFO where the plan gives the layer a window, then the matrix-vector,
//! vector, pooling, global-pooling or add unit with its requantizer
//! parameters and ROM images; a fork wherever a tensor feeds more than one
//! layer; the output's converter and FIFO; the register map.

use std::collections::BTreeMap;

use super::units::{self, act_code, arith_code, Average, Requant, Unit};
use super::{rom, top_name, Design, Instance, IoStream, LayerInfo, Rom, Stream};
use crate::error::{Error, Result};
use crate::ir::limits::{add_shifts, average_params, relu6_max_param, MAX_PARAM, MAX_READERS};
use crate::ir::numerics::MULT_BITS;
use crate::ir::{Activation, Graph, Layer, Op, PoolKind, Src, TensorType};
use crate::plan::{EngineKind, EnginePlan, HwPlan};

/// Depth of the FIFO behind a depthwise or pooling window unit.
const WINDOW_FIFO_DEPTH: usize = 4;
/// Slack beats of the FIFO behind a convolution's window unit, beyond the
/// `SF` beats of one window.
const WINDOW_FIFO_SLACK: usize = 2;

/// Builds the instances and streams.
#[derive(Default)]
struct Builder {
    streams: Vec<Stream>,
    instances: Vec<Instance>,
    roms: Vec<Rom>,
    /// The layer whose instances are being built.
    layer: Option<usize>,
    /// Whether to build the ROM images (not needed to price a plan).
    with_roms: bool,
}

impl Builder {
    /// Add the ROM image `make` builds, when images are built.
    fn rom(&mut self, make: impl FnOnce() -> Rom) {
        if self.with_roms {
            self.roms.push(make());
        }
    }

    fn stream(&mut self, hint: &str, elems: usize, el_bits: usize) -> Stream {
        let s = Stream {
            name: format!("s{}_{hint}", self.streams.len()),
            elems,
            el_bits,
        };
        self.streams.push(s.clone());
        s
    }

    fn push(
        &mut self,
        name: String,
        unit: Unit,
        inputs: &[&Stream],
        outputs: &[&Stream],
        note: String,
    ) {
        self.instances.push(Instance {
            name,
            layer: self.layer,
            unit,
            inputs: inputs.iter().map(|s| s.name.clone()).collect(),
            outputs: outputs.iter().map(|s| s.name.clone()).collect(),
            note,
        });
    }

    /// A one-in, one-out instance producing a new stream.
    fn single(
        &mut self,
        name: String,
        unit: Unit,
        note: String,
        input: &Stream,
        out_elems: usize,
        out_bits: usize,
    ) -> Stream {
        let out = self.stream(&name, out_elems, out_bits);
        self.push(name, unit, &[input], &[&out], note);
        out
    }

    fn fifo(&mut self, name: String, input: &Stream, depth: usize) -> Stream {
        let (e, b) = (input.elems, input.el_bits);
        let unit = Unit::Fifo(units::Fifo {
            width: (e * b) as u64,
            depth: depth as u64,
        });
        self.single(
            name,
            unit,
            format!("{depth} beats of {e} x {b} bits"),
            input,
            e,
            b,
        )
    }

    /// A width converter, only where the widths differ.
    fn convert(&mut self, name: String, input: &Stream, elems: usize) -> Stream {
        if elems == input.elems {
            return input.clone();
        }
        let (from, b) = (input.elems, input.el_bits);
        let unit = Unit::Dwc(units::Dwc {
            el_bits: b as u64,
            in_elems: from as u64,
            out_elems: elems as u64,
        });
        let note = format!("{from} -> {elems} elements of {b} bits");
        self.single(name, unit, note, input, elems, b)
    }

    /// Width converter then FIFO: the front of every engine input.
    fn front(&mut self, prefix: &str, input: &Stream, elems: usize, depth: usize) -> Stream {
        let s = self.convert(format!("{prefix}_dwc"), input, elems);
        self.fifo(format!("{prefix}_fifo"), &s, depth)
    }

    fn fork(&mut self, name: String, input: &Stream, n: usize) -> Vec<Stream> {
        let outs: Vec<Stream> = (0..n)
            .map(|i| self.stream(&format!("{name}{i}"), input.elems, input.el_bits))
            .collect();
        let unit = Unit::Fork(units::Fork {
            width: input.bits() as u64,
            n_out: n as u64,
        });
        let refs: Vec<&Stream> = outs.iter().collect();
        self.push(
            name,
            unit,
            &[input],
            &refs,
            format!("broadcast to {n} consumers"),
        );
        outs
    }
}

fn requant(frac_acc: i32, act: Activation, out: &TensorType) -> Requant {
    let shift = frac_acc - out.frac;
    Requant {
        rshift: shift.max(0) as u64,
        lshift: (-shift).max(0) as u64,
        act: act_code(act),
        relu6_max: relu6_max_param(out).max(0) as u64,
        out_bits: out.bits as u64,
        out_signed: out.signed,
        round_mode: out.round.code(),
        narrow: out.narrow,
    }
}

/// The exact fraction `sum << AVG_LSHIFT / AVG_DIV` of an average of `n`
/// codes (`ir::limits::average_params`, which the frontend checks).
fn average(n: u64, inp: &TensorType, out: &TensorType, layer: &Layer) -> Result<Average> {
    let (lshift, div) = average_params(n, inp, out.frac).map_err(|e| {
        Error::Internal(format!(
            "layer `{}`: average beyond the limits of tomatl_avg: {e:?}",
            layer.name
        ))
    })?;
    Ok(Average {
        out_bits: out.bits as u64,
        out_signed: out.signed,
        avg_lshift: lshift as u64,
        avg_div: div,
        round_mode: out.round.code(),
        narrow: out.narrow,
    })
}

/// The geometry of a sliding window.
struct Window {
    kernel: [usize; 2],
    stride: [usize; 2],
    pad: [usize; 4],
    depthwise: bool,
}

/// The sliding-window unit over `input` (`simd` channels a beat) and the
/// FIFO of `depth` beats behind it.
fn window_unit(
    b: &mut Builder,
    pre: &str,
    layer: &Layer,
    input: &Stream,
    simd: usize,
    win: Window,
    depth: usize,
) -> Stream {
    let Window {
        kernel,
        stride,
        pad,
        depthwise,
    } = win;
    let (h, w, ch) = (layer.in_shape[0], layer.in_shape[1], layer.in_shape[2]);
    let (oh, ow) = (layer.out_shape[0], layer.out_shape[1]);
    let u = |v: usize| v as u64;
    let unit = Unit::Swu(units::Swu {
        in_h: u(h),
        in_w: u(w),
        ch: u(ch),
        simd: u(simd),
        el_bits: u(input.el_bits),
        k_h: u(kernel[0]),
        k_w: u(kernel[1]),
        s_h: u(stride[0]),
        s_w: u(stride[1]),
        pad_t: u(pad[0]),
        pad_l: u(pad[1]),
        pad_b: u(pad[2]),
        pad_r: u(pad[3]),
        out_h: u(oh),
        out_w: u(ow),
        depthwise,
    });
    let note = format!(
        "{} windows {}x{} stride {}x{} over {h}x{w}x{ch}",
        layer.name, kernel[0], kernel[1], stride[0], stride[1]
    );
    let s = b.single(format!("{pre}_swu"), unit, note, input, simd, input.el_bits);
    b.fifo(format!("{pre}_win_fifo"), &s, depth)
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

/// The engine of one layer; returns its output stream.
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
    let u = |v: usize| v as u64;
    match (&layer.op, e.kind) {
        (Op::Dense(_), _) | (Op::Conv(_), EngineKind::ConvMvau) => {
            let (wt, codes, bias, act, acc_bits, channel, thresholds) = match &layer.op {
                Op::Dense(d) => (
                    d.wtype,
                    &d.codes,
                    &d.bias,
                    d.act,
                    d.acc_bits,
                    &d.channel,
                    &d.thresholds,
                ),
                Op::Conv(cv) => (
                    cv.wtype,
                    &cv.codes,
                    &cv.bias,
                    cv.act,
                    cv.acc_bits,
                    &cv.channel,
                    &cv.thresholds,
                ),
                _ => unreachable!("matched above"),
            };
            let mut s = b.front(&pre, &inputs[0], e.simd, e.in_fifo_depth[0]);
            if let (Op::Conv(cv), true) = (&layer.op, e.window) {
                let win = Window {
                    kernel: cv.kernel,
                    stride: cv.stride,
                    pad: cv.pad,
                    depthwise: false,
                };
                let depth = e.sf + WINDOW_FIFO_SLACK;
                s = window_unit(b, &pre, layer, &s, e.simd, win, depth);
            }
            let weight_file = format!("{name}_weights.mem");
            let bias_file = format!("{name}_bias.mem");
            // per-channel mode: the shift of the multiplied sums
            let frac_acc = match channel {
                Some(ch) => ch.shift as i32 + layer.out_type.frac,
                None => in_t.frac + wt.frac,
            };
            let mut mult_file = None;
            if let Some(ch) = channel {
                let f = format!("{name}_mult.mem");
                let m = ndarray::Array1::from(ch.mult.clone());
                b.rom(|| rom::per_output(f.clone(), &m, MULT_BITS, e.pe));
                mult_file = Some(f);
            }
            let mut th_file = None;
            if let Some(th) = thresholds {
                let f = format!("{name}_thresholds.mem");
                b.rom(|| rom::thresholds(f.clone(), th, acc_bits, e.pe));
                th_file = Some(f);
            }
            b.rom(|| rom::matrix(weight_file.clone(), codes, &wt, e.pe, e.simd));
            b.rom(|| rom::per_output(bias_file.clone(), bias, acc_bits, e.pe));
            let requant = match thresholds {
                // the thresholds hold shift, activation and saturation
                Some(_) => Requant {
                    act: 0,
                    ..requant(layer.out_type.frac, Activation::None, &layer.out_type)
                },
                None => requant(frac_acc, act, &layer.out_type),
            };
            let unit = Unit::Mvau(units::Mvau {
                simd: u(e.simd),
                pe: u(e.pe),
                sf: u(e.sf),
                nf: u(e.nf),
                in_bits: in_t.bits as u64,
                in_signed: in_t.signed,
                arith: arith_code(wt.arith),
                w_bits: wt.bits as u64,
                acc_bits: acc_bits as u64,
                requant,
                pack: e.dsp_pack,
                weight_file,
                bias_file,
                mult_bits: mult_file.as_ref().map(|_| MULT_BITS as u64),
                mult_file,
                th_count: thresholds.as_ref().map(|t| t.count() as u64),
                th_step: thresholds.as_ref().map(|t| t.step as u64),
                th_file,
            });
            let note = format!(
                "{name} {} {}, PE {} x SIMD {}, {} cycles",
                layer.op.kind(),
                wt.short(),
                e.pe,
                e.simd,
                e.cycles
            );
            Ok(b.single(format!("{pre}_mvau"), unit, note, &s, e.pe, out_bits))
        }
        (Op::Conv(cv), _) => {
            let s = b.front(&pre, &inputs[0], e.pe, e.in_fifo_depth[0]);
            let win = Window {
                kernel: cv.kernel,
                stride: cv.stride,
                pad: cv.pad,
                depthwise: true,
            };
            let s = window_unit(b, &pre, layer, &s, e.pe, win, WINDOW_FIFO_DEPTH);
            let weight_file = format!("{name}_weights.mem");
            let bias_file = format!("{name}_bias.mem");
            b.rom(|| rom::depthwise(weight_file.clone(), &cv.codes, &cv.wtype, e.pe));
            b.rom(|| rom::per_output(bias_file.clone(), &cv.bias, cv.acc_bits, e.pe));
            let unit = Unit::Vvau(units::Vvau {
                ch: u(cv.in_ch),
                pe: u(e.pe),
                k: u(cv.kernel[0] * cv.kernel[1]),
                in_bits: in_t.bits as u64,
                in_signed: in_t.signed,
                arith: arith_code(cv.wtype.arith),
                w_bits: cv.wtype.bits as u64,
                acc_bits: cv.acc_bits as u64,
                requant: requant(in_t.frac + cv.wtype.frac, cv.act, &layer.out_type),
                weight_file,
                bias_file,
            });
            let note = format!(
                "{name} dwconv {}, PE {}, {} cycles",
                cv.wtype.short(),
                e.pe,
                e.cycles
            );
            Ok(b.single(format!("{pre}_vvau"), unit, note, &s, e.pe, out_bits))
        }
        (Op::Pool(p), _) => {
            let s = b.front(&pre, &inputs[0], e.pe, e.in_fifo_depth[0]);
            let win = Window {
                kernel: p.kernel,
                stride: p.stride,
                pad: [0; 4],
                depthwise: true,
            };
            let s = window_unit(b, &pre, layer, &s, e.pe, win, WINDOW_FIFO_DEPTH);
            let k = p.kernel[0] * p.kernel[1];
            let unit = Unit::Pool(units::Pool {
                ch: u(layer.in_shape[2]),
                pe: u(e.pe),
                k: u(k),
                kind: (p.kind == PoolKind::Avg) as u64,
                in_bits: in_t.bits as u64,
                in_signed: in_t.signed,
                avg: average(k as u64, in_t, &layer.out_type, layer)?,
            });
            let note = format!(
                "{name} {}, PE {}, {} cycles",
                layer.op.kind(),
                e.pe,
                e.cycles
            );
            Ok(b.single(format!("{pre}_pool"), unit, note, &s, e.pe, out_bits))
        }
        (Op::GlobalAvgPool, _) => {
            let s = b.front(&pre, &inputs[0], e.pe, e.in_fifo_depth[0]);
            let n = (layer.in_shape[0] * layer.in_shape[1]) as u64;
            let unit = Unit::Gap(units::Gap {
                ch: u(layer.in_shape[2]),
                pe: u(e.pe),
                n_pix: n,
                in_bits: in_t.bits as u64,
                in_signed: in_t.signed,
                avg: average(n, in_t, &layer.out_type, layer)?,
            });
            let note = format!("{name} gavgpool, PE {}, {} cycles", e.pe, e.cycles);
            Ok(b.single(format!("{pre}_gap"), unit, note, &s, e.pe, out_bits))
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
            let unit = Unit::Add(units::Add {
                elems: u(e.pe),
                a_bits: ta.bits as u64,
                a_signed: ta.signed,
                b_bits: tb.bits as u64,
                b_signed: tb.signed,
                a_shl: a_shl as u64,
                b_shl: b_shl as u64,
                requant: requant(f, *act, &layer.out_type),
            });
            let inst = format!("{pre}_add");
            let out = b.stream(&inst, e.pe, out_bits);
            let note = format!("{name} add, {} lanes, {} cycles", e.pe, e.cycles);
            b.push(inst, unit, &[&a, &bb], &[&out], note);
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

/// Offer a source's stream to its consumers, through a fork when there
/// are several.
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

/// Instance names are unique and integer parameters fit the RTL's 32-bit
/// parameters: what the construction above guarantees, checked.
fn check(instances: &[Instance]) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for x in instances {
        if !seen.insert(x.name.as_str()) {
            return Err(Error::Internal(format!(
                "instance name `{}` is used twice",
                x.name
            )));
        }
        for p in x.unit.params() {
            if let units::Value::Int(v) = p.value {
                if v > MAX_PARAM as u64 {
                    return Err(Error::Internal(format!(
                        "instance `{}`: parameter {} = {v} does not fit 31 bits",
                        x.name, p.name
                    )));
                }
            }
        }
    }
    Ok(())
}

fn io(shape: &[usize], ty: TensorType, elems: usize, stream: &Stream) -> IoStream {
    let len: usize = shape.iter().product();
    IoStream {
        shape: shape.to_vec(),
        ty,
        elems_per_beat: elems,
        beats_per_frame: len / elems,
        // a power of two of bytes (DESIGN.md §6): the widths AXI DMA and
        // the stream interconnects take
        tdata_bits: (elems * ty.bits as usize).div_ceil(8).next_power_of_two() * 8,
        stream: stream.name.clone(),
        chw: None,
    }
}

fn layers(graph: &Graph, plan: &HwPlan) -> Vec<LayerInfo> {
    graph
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let eng = plan.engine(i);
            let sum = l.summary();
            LayerInfo {
                name: l.name.clone(),
                op: l.op.kind().into(),
                in_shape: l.in_shape.clone(),
                out_shape: l.out_shape.clone(),
                macs: l.macs(),
                arith: sum.arith.map(str::to_string),
                bits: sum.weight_bits,
                acc_bits: sum.acc_bits,
                out_type: l.out_type,
                pe: eng.map(|e| e.pe),
                simd: eng.map(|e| e.simd),
                planned_cycles: eng.map(|e| e.cycles),
                params: l.param_count(),
                weight_rom_bits: sum.param_bits,
                predicted: None,
                dsp_pack: eng.is_some_and(|e| e.dsp_pack),
                requant: requant_note(l),
            }
        })
        .collect()
}

/// The requantizer of a layer with weights for the report: a shift and the
/// thresholds are exact; the per-channel multipliers `M/2^s` lie within
/// `2^-(s+1)` of each scale, so the product is within
/// `2^(acc_bits-1) · 2^-(s+1)` output LSB of the exact scale's before
/// rounding, which may move it one more.
fn requant_note(l: &Layer) -> Option<String> {
    let (acc_bits, channel) = match &l.op {
        Op::Dense(d) => (d.acc_bits, &d.channel),
        Op::Conv(c) => (c.acc_bits, &c.channel),
        _ => return None,
    };
    Some(match (l.thresholds(), channel) {
        (Some(t), _) => format!(
            "{} thresholds{}, exact",
            t.count(),
            if t.step == 2 { " (bipolar)" } else { "" }
        ),
        (None, Some(ch)) => {
            let e = 2f64.powi(acc_bits as i32 - ch.shift as i32 - 2);
            format!("multipliers, ≤ {} LSB", e.ceil() as u64 + 1)
        }
        (None, None) => "shift, exact".to_string(),
    })
}

/// The hardware of a planned graph.
pub fn lower(graph: &Graph, plan: &HwPlan) -> Result<Design> {
    build(graph, plan, true)
}

/// [`lower`] without the ROM images (`roms` is empty) and the network hash
/// (0): everything the
/// resource model reads, at a fraction of the cost, for the planner's
/// search over candidate plans.
pub fn lower_without_roms(graph: &Graph, plan: &HwPlan) -> Result<Design> {
    build(graph, plan, false)
}

fn build(graph: &Graph, plan: &HwPlan, with_roms: bool) -> Result<Design> {
    let mut b = Builder {
        with_roms,
        ..Default::default()
    };
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
        b.layer = Some(i);
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
    b.layer = None;
    let out = pending
        .get_mut(&key(Src::Layer(last)))
        .and_then(|v| v.pop())
        .ok_or_else(|| Error::Internal("no output stream".into()))?;
    let out = b.front("io_out", &out, plan.io_out_elems, plan.out_fifo_depth);
    check(&b.instances)?;
    // the network's hash covers every weight: computed once, and only for
    // a complete design
    let net_hash = if with_roms { graph.hash32() } else { 0 };
    let mut design = Design {
        tomatl_version: env!("CARGO_PKG_VERSION").into(),
        name: graph.name.clone(),
        top: top_name(graph),
        net_hash,
        input: io(
            &graph.input_shape,
            graph.input_type,
            plan.io_in_elems,
            &first,
        ),
        output: IoStream {
            chw: graph.output_chw,
            ..io(
                graph.output_shape(),
                graph.output_type(),
                plan.io_out_elems,
                &out,
            )
        },
        interval_cycles: plan.interval,
        target_cycles: plan.target_cycles,
        macs_per_frame: graph.total_macs(),
        multipliers: plan.multipliers(),
        board: plan.board.clone(),
        layers: layers(graph, plan),
        streams: b.streams,
        instances: b.instances,
        registers: super::register_map(net_hash),
        roms: b.roms,
    };
    if let Some(fit) = &plan.board {
        for i in 0..design.layers.len() {
            if plan.engine(i).is_some() {
                design.layers[i].predicted = Some(crate::plan::layer_cost(&design, i, fit.family));
            }
        }
    }
    Ok(design)
}
