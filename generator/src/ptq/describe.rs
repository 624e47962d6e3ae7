//! A network description (DESIGN.md §4) built back from an `ir::Graph`
//! with a chosen type per layer, as a spec value written by the frontend's
//! writer: what `tomatl quantize` and `tomatl search` write, and what they
//! load again through the frontend.

use crate::frontend::spec::{
    Dims, LayerPolicySpec, LayerSpec, NetSpec, ParamsSpec, PolicySpec, TypeSpec, WeightSpec,
};
use crate::frontend::write::{write_commented, Comments};
use crate::ir::{Graph, Layer, Op, PoolKind, Src, TensorType, WeightType};

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

/// The description of `graph` with `choices[i]` as layer `i`'s types and
/// `params` as its weights. `header` lines become leading comments.
pub fn describe(
    graph: &Graph,
    choices: &[Choice],
    params: ParamsSpec,
    header: &[String],
) -> String {
    let names: Vec<&str> = graph.layers.iter().map(|l| l.name.as_str()).collect();
    let entries = graph
        .layers
        .iter()
        .zip(choices)
        .map(|(l, c)| {
            let p = LayerPolicySpec::new(
                c.weights.map(|w| WeightSpec::of(&w, c.channel)),
                c.acts.as_ref().map(TypeSpec::of),
            );
            (l.name.clone(), p)
        })
        .filter(|(_, p)| !p.is_empty())
        .collect();
    let layers = graph
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let inputs: Vec<Option<usize>> = l
                .inputs
                .iter()
                .map(|s| match s {
                    Src::Input => None,
                    Src::Layer(j) => Some(*j),
                })
                .collect();
            let last = i + 1 == graph.layers.len();
            layer(l)
                .with_chw_order(last && graph.output_chw.is_some())
                .reading(i, &inputs, &names)
        })
        .collect();
    let spec = NetSpec::new(
        &graph.name,
        &graph.input_shape,
        &graph.input_type,
        params,
        PolicySpec::per_layer(entries),
        layers,
    );
    let comments = Comments {
        header: header.to_vec(),
        layers: Vec::new(),
    };
    write_commented(&spec, &comments)
}

/// A layer's entry in `layers:`, without `from`.
fn layer(l: &Layer) -> LayerSpec {
    match &l.op {
        Op::Dense(d) => LayerSpec::new(&l.name, "dense")
            .with_out(d.out_features)
            .with_act(d.act.name()),
        Op::Conv(c) => {
            let spec = if c.depthwise {
                LayerSpec::new(&l.name, "dwconv")
            } else {
                LayerSpec::new(&l.name, "conv").with_out(c.out_ch)
            };
            spec.with_kernel(Dims::pair(c.kernel))
                .with_stride(Dims::pair(c.stride))
                .with_pad(Dims::pad(c.pad))
                .with_act(c.act.name())
        }
        Op::Pool(p) => {
            let op = if p.kind == PoolKind::Max {
                "maxpool"
            } else {
                "avgpool"
            };
            LayerSpec::new(&l.name, op)
                .with_kernel(Dims::pair(p.kernel))
                .with_stride(Dims::pair(p.stride))
        }
        Op::GlobalAvgPool => LayerSpec::new(&l.name, "gavgpool"),
        Op::Add { act } => LayerSpec::new(&l.name, "add").with_act(act.name()),
        Op::Flatten => LayerSpec::new(&l.name, "flatten"),
    }
}
