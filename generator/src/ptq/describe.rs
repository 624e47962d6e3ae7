//! A network description (DESIGN.md §4) written back from an `ir::Graph`
//! with a chosen type per layer: what `tomatl quantize` and `tomatl search`
//! write, and what they load again through the frontend.

use std::fmt::Write;

use crate::ir::{Activation, Graph, Layer, Op, PoolKind, Src, TensorType, WeightType};

/// The types chosen for one layer: its weights (layers with weights) and
/// its output (layers whose output type the policy sets).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Choice {
    pub weights: Option<WeightType>,
    pub acts: Option<TensorType>,
    /// Per-channel weight scales (`scale: channel`).
    pub channel: bool,
}

/// Whether the policy sets this layer's output type (max pooling and
/// flatten keep their input's).
pub fn has_acts(layer: &Layer) -> bool {
    !matches!(
        layer.op,
        Op::Flatten
            | Op::Pool(crate::ir::Pool {
                kind: PoolKind::Max,
                ..
            })
    )
}

/// The layer's own types, as a choice.
pub fn current(layer: &Layer) -> Choice {
    let weights = match &layer.op {
        Op::Dense(d) => Some(d.wtype),
        Op::Conv(c) => Some(c.wtype),
        _ => None,
    };
    let channel = match &layer.op {
        Op::Dense(d) => d.channel.is_some(),
        Op::Conv(c) => c.channel.is_some(),
        _ => false,
    };
    Choice {
        weights,
        acts: has_acts(layer).then_some(layer.out_type),
        channel,
    }
}

/// A tensor type as a policy entry.
pub fn tensor(t: &TensorType) -> String {
    format!(
        "{{bits: {}, signed: {}, frac: {}}}",
        t.bits, t.signed, t.frac
    )
}

/// A weight type as a policy entry: `{arith: fixed, bits: 8, frac: 6}`,
/// with `scale: channel` for per-channel scales.
pub fn weights(w: &WeightType, channel: bool) -> String {
    let bits = match w.arith {
        crate::ir::Arith::Binary | crate::ir::Arith::Ternary => String::new(),
        _ => format!(", bits: {}", w.bits),
    };
    let scale = if channel { ", scale: channel" } else { "" };
    format!(
        "{{arith: {}{bits}, frac: {}{scale}}}",
        w.arith.name(),
        w.frac
    )
}

/// A kernel, stride or pad pair: one number when both are equal.
pub fn pair(v: [usize; 2]) -> String {
    if v[0] == v[1] {
        v[0].to_string()
    } else {
        format!("[{}, {}]", v[0], v[1])
    }
}

fn pad(p: [usize; 4]) -> String {
    if p[0] == p[2] && p[1] == p[3] {
        pair([p[0], p[1]])
    } else {
        format!("[{}, {}, {}, {}]", p[0], p[1], p[2], p[3])
    }
}

fn act(a: Activation) -> String {
    match a {
        Activation::None => String::new(),
        a => format!(", act: {}", a.name()),
    }
}

fn src(graph: &Graph, s: Src) -> &str {
    match s {
        Src::Input => "input",
        Src::Layer(j) => &graph.layers[j].name,
    }
}

/// The description of `graph` with `choices[i]` as layer `i`'s types and
/// `params` as its `params:` line (e.g. `{file: w.npz}`). `header` lines
/// become leading comments.
pub fn describe(graph: &Graph, choices: &[Choice], params: &str, header: &[String]) -> String {
    let mut s = String::new();
    for h in header {
        let _ = writeln!(s, "# {h}");
    }
    let _ = writeln!(s, "name: {}", graph.name);
    let shape: Vec<String> = graph.input_shape.iter().map(|d| d.to_string()).collect();
    let _ = writeln!(
        s,
        "input:\n  shape: [{}]\n  type: {}",
        shape.join(", "),
        tensor(&graph.input_type)
    );
    let _ = writeln!(s, "params: {params}");
    let _ = writeln!(s, "policy:\n  layers:");
    for (l, c) in graph.layers.iter().zip(choices) {
        let mut parts = Vec::new();
        if let Some(w) = &c.weights {
            parts.push(format!("weights: {}", weights(w, c.channel)));
        }
        if let Some(a) = &c.acts {
            parts.push(format!("acts: {}", tensor(a)));
        }
        if !parts.is_empty() {
            let _ = writeln!(s, "    {}: {{{}}}", l.name, parts.join(", "));
        }
    }
    let _ = writeln!(s, "layers:");
    for (i, l) in graph.layers.iter().enumerate() {
        let from = match l.inputs.as_slice() {
            [Src::Layer(j)] if i > 0 && *j == i - 1 => String::new(),
            [Src::Input] if i == 0 => String::new(),
            ins => {
                let names: Vec<&str> = ins.iter().map(|&x| src(graph, x)).collect();
                format!(", from: [{}]", names.join(", "))
            }
        };
        let body = match &l.op {
            Op::Dense(d) => format!("op: dense, out: {}{}", d.out_features, act(d.act)),
            Op::Conv(c) if c.depthwise => format!(
                "op: dwconv, kernel: {}, stride: {}, pad: {}{}",
                pair(c.kernel),
                pair(c.stride),
                pad(c.pad),
                act(c.act)
            ),
            Op::Conv(c) => format!(
                "op: conv, out: {}, kernel: {}, stride: {}, pad: {}{}",
                c.out_ch,
                pair(c.kernel),
                pair(c.stride),
                pad(c.pad),
                act(c.act)
            ),
            Op::Pool(p) => format!(
                "op: {}, kernel: {}, stride: {}",
                if p.kind == PoolKind::Max {
                    "maxpool"
                } else {
                    "avgpool"
                },
                pair(p.kernel),
                pair(p.stride)
            ),
            Op::GlobalAvgPool => "op: gavgpool".to_string(),
            Op::Add { act: a } => format!("op: add{}", act(*a)),
            Op::Flatten => "op: flatten".to_string(),
        };
        let _ = writeln!(s, "  - {{name: {}, {body}{from}}}", l.name);
    }
    s
}
