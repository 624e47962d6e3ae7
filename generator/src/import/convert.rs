//! ONNX graph to tomatl description: one pass over the nodes in their
//! (topological) order, building tomatl layers and fusing what tomatl
//! keeps inside a layer (batch norm into the convolution before it, Relu
//! and Clip(0, 6) into the layer before them, an Add of a constant into a
//! MatMul's bias, QONNX quantizers into weight codes and output types).
//!
//! Layout: ONNX is NCHW and its Flatten orders features (c, h, w); tomatl
//! is HWC and flattens (h, w, c). The first dense layer after a flatten
//! gets its weight columns permuted accordingly, so both compute the same
//! function.

use std::collections::BTreeMap;

use ndarray::{ArrayD, IxDyn};

use super::onnx::{Data, Graph, Model, Node, Tensor};
use super::thresholds::{channel_thresholds, Bn, Chain, Quantizer};
use crate::frontend::quantize::fitted_weight_type;
use crate::frontend::spec::{
    Dims, LayerPolicySpec, LayerSpec, NetSpec, ParamsSpec, PolicySpec, Spanned, TypeSpec,
    WeightSpec,
};
use crate::frontend::write::{write_commented, Comments};
use crate::frontend::ArithSpec;
use crate::ir::{Arith, RoundMode, TensorType, WeightType};

/// An import problem: the node (as [`Node::label`] names it) and what is
/// wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub node: Option<String>,
    pub what: String,
    pub expected: String,
}

type Res<T> = Result<T, Problem>;

fn problem(node: &Node, what: impl Into<String>, expected: impl Into<String>) -> Problem {
    Problem {
        node: Some(node.label()),
        what: what.into(),
        expected: expected.into(),
    }
}

/// The ONNX ops the importer reads (each within the limits its conversion
/// states; QONNX's `Quant` and `BipolarQuant` besides).
pub const SUPPORTED_OPS: [&str; 16] = [
    "Conv",
    "Gemm",
    "MatMul",
    "Add",
    "Relu",
    "Clip",
    "MaxPool",
    "AveragePool",
    "GlobalAveragePool",
    "BatchNormalization",
    "Flatten",
    "Reshape",
    "Transpose",
    "Identity",
    "Dropout",
    "Quant",
];

/// One array of the weight file.
#[derive(Clone, Debug, PartialEq)]
pub enum Array {
    Float(ArrayD<f32>),
    Int(ArrayD<i64>),
}

/// What `tomatl import` writes.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The description, with `params: {file: <npz_name>}`, as the
    /// frontend's writer writes it (marked as tomatl's).
    pub yaml: String,
    /// The weight file's arrays, in a fixed order.
    pub arrays: Vec<(String, Array)>,
    pub layers: usize,
    pub params: usize,
    /// Each layer's name and the ONNX node it came from ([`Node::label`]).
    pub onnx_nodes: Vec<(String, String)>,
}

/// A tensor's shape as tomatl sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Shape {
    /// An image, HWC in tomatl (NCHW in ONNX).
    Img { c: usize, h: usize, w: usize },
    /// A vector; `chw` is the ONNX (c, h, w) it was flattened from.
    Vec {
        n: usize,
        chw: Option<(usize, usize, usize)>,
    },
    /// An image transposed to NHWC in ONNX (`Transpose` with perm
    /// [0, 2, 3, 1]): tomatl's own order, which only a flatten may follow
    /// (FINN's flatten order).
    Nhwc { c: usize, h: usize, w: usize },
}

// the most elements a tensor of an imported graph may have: the
// frontend's limit
use crate::ir::limits::MAX_ELEMENTS;

impl Shape {
    /// Elements (saturating: shapes are checked against [`MAX_ELEMENTS`]
    /// where they are made).
    fn len(&self) -> usize {
        match *self {
            Shape::Img { c, h, w } | Shape::Nhwc { c, h, w } => {
                c.saturating_mul(h).saturating_mul(w)
            }
            Shape::Vec { n, .. } => n,
        }
    }

    /// Every size at least 1 and at most [`MAX_ELEMENTS`] elements.
    fn valid(&self) -> bool {
        let sizes_ok = match *self {
            Shape::Img { c, h, w } | Shape::Nhwc { c, h, w } => c > 0 && h > 0 && w > 0,
            Shape::Vec { n, .. } => n > 0,
        };
        sizes_ok && self.len() <= MAX_ELEMENTS
    }
}

/// A value of the ONNX graph: which tomatl tensor holds it.
#[derive(Clone, Debug)]
struct Value {
    /// Index into `layers`, or `None` for the network input.
    src: Option<usize>,
    shape: Shape,
}

#[derive(Clone, Debug, PartialEq)]
enum Op {
    Conv {
        out: usize,
        kernel: [usize; 2],
        stride: [usize; 2],
        pad: Pad,
        depthwise: bool,
    },
    Dense {
        out: usize,
    },
    Pool {
        max: bool,
        kernel: [usize; 2],
        stride: [usize; 2],
    },
    Gap,
    Add,
    Flatten,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Pad {
    Same,
    Explicit([usize; 4]),
}

#[derive(Clone, Debug)]
struct Layer {
    name: String,
    onnx: String,
    /// The node as messages name it ([`Node::label`]).
    label: String,
    op: Op,
    from: Vec<Option<usize>>,
    act: &'static str,
    weights: Option<Array>,
    /// Floats, or integer codes in the accumulator's unit (a QONNX bias
    /// quantizer at the accumulator's scale).
    bias: Option<Array>,
    bn: Option<[ArrayD<f32>; 5]>,
    wtype: Option<WeightType>,
    /// Per-channel weight scales (`scale: channel`, `<layer>.weight_scale`).
    weight_scale: Option<Vec<f64>>,
    out: TensorType,
    /// Output type fixed by a quantizer (QONNX), not a default.
    out_fixed: bool,
    /// The real value of one output code when it is not `2^-out.frac`
    /// (a quantizer's float scale, carried through pools and flattens).
    out_scale: Option<f64>,
    /// The output quantizer of the threshold mode (docs/numerics.md
    /// §4.2): set when what follows the accumulator is more than a shift.
    thr: Option<Quantizer>,
    /// The thresholds made of it (`[out, n]`) and the descending channels.
    thresholds: Option<(ArrayD<i64>, Vec<bool>)>,
    /// A flatten that is the graph output: ONNX's (c, h, w) order
    /// (`order: chw`).
    chw: bool,
}

/// Weight codes a QONNX quantizer made from an initializer.
#[derive(Clone, Debug)]
struct Codes {
    codes: ArrayD<i64>,
    wtype: WeightType,
    /// Scales of the per-channel multiplier mode (real weight = code ·
    /// scale), or `None` for a power-of-two scale (in `wtype.frac`).
    scale: Option<ChanScale>,
}

/// A weight quantizer's scales, as ONNX broadcasts them over the weight.
#[derive(Clone, Debug, PartialEq)]
enum ChanScale {
    /// One scale for the whole tensor.
    Uniform(f64),
    /// One scale per index of axis `.0` of the weight tensor.
    Axis(usize, Vec<f64>),
}

/// A constant quantized by a QONNX `Quant`: its integers (rounded and
/// clamped as the quantizer does) and each element's scale.
#[derive(Clone, Debug)]
struct QConst {
    dims: Vec<usize>,
    q: Vec<i64>,
    scale: Vec<f64>,
    bits: u32,
}

struct Converter<'a> {
    graph: &'a Graph,
    values: BTreeMap<String, Value>,
    layers: Vec<Layer>,
    /// Weight codes by the quantizer output's name; an error when the
    /// quantizer cannot make weight codes (said where they are used).
    codes: BTreeMap<String, Result<Codes, Problem>>,
    /// Quantized constants by the quantizer output's name (biases).
    qconsts: BTreeMap<String, QConst>,
    /// Constants computed at import (a Transpose of an initializer).
    consts: BTreeMap<String, Tensor>,
    uses: BTreeMap<String, usize>,
    input_type: TensorType,
    input_fixed: bool,
    /// Layer names given so far, and the next suffix to try per base name.
    names: std::collections::BTreeSet<String>,
    next_suffix: BTreeMap<String, usize>,
}

/// An identifier from an ONNX name: kept when it is one, otherwise
/// non-identifier characters become `_`.
fn identifier(name: &str, fallback: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s2 = s.trim_matches('_').to_string();
    if !s2.is_empty() {
        s = s2;
    }
    if s.is_empty() || s.chars().all(|c| c == '_') {
        s = fallback.to_string();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}

fn usize_of(v: i64) -> Option<usize> {
    usize::try_from(v).ok()
}

/// The `strides` attribute of a 2-D conv or pool: two positive integers
/// (1, 1 when absent).
fn strides(node: &Node) -> Res<[usize; 2]> {
    match node.ints("strides") {
        None => Ok([1, 1]),
        Some([a, b]) if *a > 0 && *b > 0 => {
            Ok([usize_of(*a).unwrap_or(1), usize_of(*b).unwrap_or(1)])
        }
        Some(s) => Err(problem(
            node,
            format!("attribute `strides` {s:?}"),
            "two positive strides",
        )),
    }
}

/// `2^-k` of a scale that is a power of two: `Some(k)`.
fn pow2_frac(scale: f64) -> Option<i32> {
    if scale.is_nan() || scale <= 0.0 || !scale.is_finite() {
        return None;
    }
    let k = -scale.log2();
    (k.fract() == 0.0 && k.abs() <= 32.0).then_some(k as i32)
}

fn default_act_type(act: &str) -> TensorType {
    match act {
        "relu" => TensorType::new(8, false, 4),
        "relu6" => TensorType::new(8, false, 5),
        _ => TensorType::new(16, true, 8),
    }
}

impl Converter<'_> {
    fn init(&self, name: &str) -> Option<&Tensor> {
        self.graph
            .initializers
            .get(name)
            .or_else(|| self.consts.get(name))
    }

    fn value(&self, node: &Node, name: &str) -> Res<Value> {
        self.values.get(name).cloned().ok_or_else(|| {
            problem(
                node,
                format!("input `{name}` is not produced by any supported node"),
                "a tensor computed from the graph input",
            )
        })
    }

    fn input_value(&self, node: &Node, i: usize) -> Res<Value> {
        let name = node.inputs.get(i).ok_or_else(|| {
            problem(
                node,
                format!("has no input {i}"),
                "the inputs ONNX defines for the op",
            )
        })?;
        self.value(node, name)
    }

    fn set_output(&mut self, node: &Node, v: Value) -> Res<()> {
        let out = node
            .outputs
            .first()
            .ok_or_else(|| problem(node, "has no output", "one output"))?;
        self.values.insert(out.clone(), v);
        Ok(())
    }

    fn unique_name(&mut self, node: &Node) -> String {
        let fallback = format!("{}{}", node.op.to_lowercase(), self.layers.len());
        let mut base = identifier(&node.name, &fallback);
        if base == "input" {
            base = "input_".into();
        }
        let mut name = base.clone();
        let mut k = self.next_suffix.get(&base).copied().unwrap_or(2);
        while self.names.contains(&name) {
            name = format!("{base}_{k}");
            k += 1;
        }
        self.next_suffix.insert(base, k);
        self.names.insert(name.clone());
        name
    }

    fn src_type(&self, src: Option<usize>) -> TensorType {
        match src {
            None => self.input_type,
            Some(i) => self.layers[i].out,
        }
    }

    /// The real value of one code of a source.
    fn scale_of(&self, src: Option<usize>) -> f64 {
        match src {
            Some(i) => self.layers[i]
                .out_scale
                .unwrap_or_else(|| 2f64.powi(-self.layers[i].out.frac)),
            None => 2f64.powi(-self.input_type.frac),
        }
    }

    fn push(&mut self, node: &Node, op: Op, from: Vec<Option<usize>>, shape: Shape) -> Res<usize> {
        if !shape.valid() {
            return Err(problem(
                node,
                format!("the output would have shape {shape:?}"),
                format!("outputs of 1 to {MAX_ELEMENTS} elements, every size at least 1"),
            ));
        }
        let name = self.unique_name(node);
        let (out, out_scale) = match op {
            // pools keep (max) or average in their input's type
            Op::Pool { .. } | Op::Gap | Op::Flatten => (
                self.src_type(from[0]),
                from[0].and_then(|j| self.layers[j].out_scale),
            ),
            _ => (default_act_type("none"), None),
        };
        self.layers.push(Layer {
            name,
            onnx: node.name.clone(),
            label: node.label(),
            op,
            from,
            act: "none",
            weights: None,
            bias: None,
            bn: None,
            wtype: None,
            weight_scale: None,
            out,
            out_fixed: false,
            out_scale,
            thr: None,
            thresholds: None,
            chw: false,
        });
        let i = self.layers.len() - 1;
        self.set_output(
            node,
            Value {
                src: Some(i),
                shape,
            },
        )?;
        Ok(i)
    }

    /// The layer producing input 0 of `node`, when it may absorb the node
    /// (its output feeds nothing else).
    fn fusable(&self, node: &Node, what: &str) -> Res<usize> {
        let x = node.inputs.first().map(String::as_str).unwrap_or("");
        let v = self.value(node, x)?;
        let Some(i) = v.src else {
            return Err(problem(
                node,
                format!("{what} of the network input cannot be fused into a layer"),
                format!("{what} after a conv, dense or add"),
            ));
        };
        if self.uses.get(x).copied().unwrap_or(0) > 1 {
            return Err(problem(
                node,
                format!(
                    "the output of `{}` feeds other nodes besides this {what}",
                    self.layers[i].onnx
                ),
                format!("{what} as the only consumer of the layer before it"),
            ));
        }
        Ok(i)
    }

    fn weight_input(&self, node: &Node, i: usize) -> Res<Either> {
        let name = node.inputs.get(i).map(String::as_str).unwrap_or("");
        if let Some(c) = self.codes.get(name) {
            return c.clone().map(Either::Codes);
        }
        if let Some(q) = self.qconsts.get(name) {
            return Err(problem(
                node,
                format!(
                    "weight `{name}` is quantized to {} bits, which tomatl's weights cannot hold",
                    q.bits
                ),
                "weight quantizers of 2 to 16 bits (BipolarQuant for binary weights)",
            ));
        }
        match self.init(name) {
            Some(t) => {
                check_weight_dims(node, t)?;
                Ok(Either::Float(t.clone()))
            }
            None => Err(problem(
                node,
                format!("weight `{name}` is not a constant initializer"),
                "weights stored in the model (initializers)",
            )),
        }
    }

    fn node(&mut self, node: &Node) -> Res<()> {
        match node.op.as_str() {
            "Conv" => self.conv(node),
            "Gemm" => self.gemm(node),
            "MatMul" => self.matmul(node),
            "BatchNormalization" => self.batch_norm(node),
            "Relu" => self.activation(node, "relu"),
            "Clip" => self.clip(node),
            "MaxPool" | "AveragePool" => self.pool(node),
            "GlobalAveragePool" => {
                let v = self.input_value(node, 0)?;
                let Shape::Img { c, .. } = v.shape else {
                    return Err(problem(node, "input is not an image", "an NCHW input"));
                };
                self.push(
                    node,
                    Op::Gap,
                    vec![v.src],
                    Shape::Vec {
                        n: c,
                        chw: Some((c, 1, 1)),
                    },
                )?;
                Ok(())
            }
            "Add" => self.add(node),
            "Flatten" => self.flatten(node),
            "Reshape" => self.reshape(node),
            "Identity" | "Dropout" => {
                let v = self.input_value(node, 0)?;
                self.set_output(node, v)
            }
            "Transpose" => self.transpose(node),
            "Quant" | "BipolarQuant" => self.quant(node),
            op => Err(problem(
                node,
                format!("op `{op}` is not supported"),
                format!("{}, and QONNX BipolarQuant", SUPPORTED_OPS.join(", ")),
            )),
        }
    }

    fn conv(&mut self, node: &Node) -> Res<()> {
        let x = self.input_value(node, 0)?;
        let Shape::Img { c, h, w } = x.shape else {
            return Err(problem(node, "input is not an image", "an NCHW input"));
        };
        let wt = self.weight_input(node, 1)?;
        let dims = wt.dims();
        if dims.len() != 4 {
            return Err(problem(
                node,
                format!("weight has dims {dims:?}"),
                "[out, in/group, kh, kw]",
            ));
        }
        let [o, ci, kh, kw] = [dims[0], dims[1], dims[2], dims[3]];
        let group = usize_of(node.int("group").unwrap_or(1)).unwrap_or(0);
        let depthwise = if group == 1 && ci == c {
            false
        } else if group == c && ci == 1 && o == c {
            true
        } else {
            return Err(problem(
                node,
                format!("grouped convolution (group {group}, {c} input channels, weight {dims:?})"),
                "group 1, or depthwise: group = input channels = output channels",
            ));
        };
        if node
            .ints("dilations")
            .is_some_and(|d| d.iter().any(|&x| x != 1))
        {
            return Err(problem(node, "dilated convolution", "dilations of 1"));
        }
        let stride = strides(node)?;
        if let Some(p) = node.ints("pads").filter(|p| p.iter().any(|&v| v < 0)) {
            return Err(problem(
                node,
                format!("attribute `pads` {p:?} is negative (a crop)"),
                "pads of 0 or more",
            ));
        }
        let pad = match node.attr("auto_pad").and_then(|a| a.s.as_deref()) {
            Some("SAME_UPPER") => Pad::Same,
            Some("SAME_LOWER") => {
                return Err(problem(
                    node,
                    "auto_pad SAME_LOWER",
                    "explicit pads, VALID or SAME_UPPER",
                ))
            }
            Some("VALID") => Pad::Explicit([0; 4]),
            _ => match node.ints("pads") {
                None => Pad::Explicit([0; 4]),
                Some([t, l, b, r]) => {
                    let p = [*t, *l, *b, *r].map(|v| usize_of(v).unwrap_or(usize::MAX));
                    Pad::Explicit(p)
                }
                Some(p) => {
                    return Err(problem(
                        node,
                        format!("pads {p:?}"),
                        "[top, left, bottom, right]",
                    ))
                }
            },
        };
        let invalid = || {
            problem(
                node,
                format!(
                    "kernel {kh}x{kw} with strides {stride:?} and pads {pad:?} on a {h}x{w} input"
                ),
                "a valid convolution: positive strides, a kernel within the padded input",
            )
        };
        if stride.contains(&0) {
            return Err(invalid());
        }
        let [pt, pl, pb, pr] = match pad {
            Pad::Explicit(p) => p,
            Pad::Same => {
                let total = |n: usize, s: usize, k: usize| {
                    (n.div_ceil(s) - 1)
                        .checked_mul(s)
                        .and_then(|v| v.checked_add(k))
                        .map(|t| t.saturating_sub(n))
                };
                let (Some(th), Some(tw)) = (total(h, stride[0], kh), total(w, stride[1], kw))
                else {
                    return Err(invalid());
                };
                [th / 2, tw / 2, th - th / 2, tw - tw / 2]
            }
        };
        let padded = |n: usize, a: usize, b: usize, k: usize| {
            n.checked_add(a)
                .and_then(|v| v.checked_add(b))
                .and_then(|v| v.checked_sub(k))
        };
        let (Some(ph), Some(pw)) = (padded(h, pt, pb, kh), padded(w, pl, pr, kw)) else {
            return Err(invalid());
        };
        let oh = ph / stride[0] + 1;
        let ow = pw / stride[1] + 1;
        let i = self.push(
            node,
            Op::Conv {
                out: o,
                kernel: [kh, kw],
                stride,
                pad,
                depthwise,
            },
            vec![x.src],
            Shape::Img { c: o, h: oh, w: ow },
        )?;
        self.set_weights(node, i, wt, None)?;
        if let Some(b) = node.inputs.get(2).filter(|s| !s.is_empty()) {
            self.set_bias(node, i, b, o, 1.0, true)?;
        }
        Ok(())
    }

    fn set_weights(
        &mut self,
        node: &Node,
        i: usize,
        wt: Either,
        perm: Option<Vec<usize>>,
    ) -> Res<()> {
        let (arr, wtype) = match wt {
            Either::Float(t) => {
                let v: Vec<f32> = t.reals().into_iter().map(|x| x as f32).collect();
                if v.iter().any(|x| !x.is_finite()) {
                    return Err(problem(
                        node,
                        format!("weight `{}` holds NaN or infinity", t.name),
                        "finite weights",
                    ));
                }
                let a = ArrayD::from_shape_vec(IxDyn(&dims_usize(&t.dims)), v)
                    .map_err(|e| problem(node, e.to_string(), "a well-formed tensor"))?;
                let reals: Vec<f64> = a.iter().map(|&x| f64::from(x)).collect();
                let wt = fitted_weight_type(
                    &reals,
                    ArithSpec {
                        arith: Arith::Fixed,
                        bits: 8,
                    },
                );
                (Array::Float(a), wt)
            }
            Either::Codes(c) => {
                let rows = c.codes.shape().first().copied().unwrap_or(0);
                self.layers[i].weight_scale = match c.scale {
                    None => None,
                    Some(ChanScale::Uniform(s)) => Some(vec![s; rows]),
                    Some(ChanScale::Axis(0, v)) if v.len() == rows => Some(v),
                    Some(ChanScale::Axis(k, v)) => {
                        return Err(problem(
                            node,
                            format!(
                                "the weight quantizer's {} scales vary along axis {k} of the weight as this node reads it (axis 0 of {:?} being the outputs), not per output",
                                v.len(),
                                c.codes.shape()
                            ),
                            "one scale, or one per output channel",
                        ))
                    }
                };
                (Array::Int(c.codes), c.wtype)
            }
        };
        let arr = match perm {
            None => arr,
            Some(p) => permute_columns(arr, &p),
        };
        let l = &mut self.layers[i];
        l.weights = Some(arr);
        l.wtype = Some(wtype);
        Ok(())
    }

    /// The bias `name` of layer `i` (`out` outputs) scaled by `beta`:
    /// `rank1` for a Conv's (exactly `[out]`), otherwise any shape ONNX
    /// broadcasts to `[rows, out]` that is the same for every row: per
    /// output (`[out]`, `[1, out]`) or one value. A bias quantized by QONNX
    /// at the accumulator's scale becomes integer codes, exactly.
    fn set_bias(
        &mut self,
        node: &Node,
        i: usize,
        name: &str,
        out: usize,
        beta: f64,
        rank1: bool,
    ) -> Res<()> {
        let (dims, values): (Vec<usize>, Vec<f64>) = if let Some(q) = self.qconsts.get(name) {
            (q.dims.clone(), q.scale.clone())
        } else if let Some(t) = self.init(name) {
            (dims_usize(&t.dims), t.reals())
        } else {
            return Err(problem(
                node,
                format!("bias `{name}` is not a constant initializer"),
                "a bias stored in the model",
            ));
        };
        let idx = bias_index(node, name, &dims, out, rank1)?;
        let pick = |v: &[f64]| -> Vec<f64> { idx.iter().map(|&k| v[k]).collect() };
        let int_weights = matches!(self.layers[i].weights, Some(Array::Int(_)));
        let qconst = self.qconsts.get(name).cloned();
        let values = match &qconst {
            // float weights: the bias quantizer's values
            Some(q) if !int_weights => {
                q.q.iter()
                    .zip(&q.scale)
                    .map(|(&k, s)| k as f64 * s)
                    .collect()
            }
            _ => values,
        };
        let bias = if let Some(q) = qconst.filter(|_| int_weights) {
            let scale: Vec<f64> = pick(&values).into_iter().map(|s| s * beta).collect();
            let acc = self.acc_scale(i, out);
            let off = scale
                .iter()
                .zip(&acc)
                .position(|(s, a)| ((s / a) - 1.0).abs() > 1e-6);
            if let Some(c) = off {
                return Err(problem(
                    node,
                    format!(
                        "bias `{name}` is quantized with scale {} at output {c}, but the accumulator's scale there (input scale × weight scale) is {}",
                        scale[c], acc[c]
                    ),
                    "a bias quantizer whose scale is the input's times the weight's (Brevitas's Int32Bias); give the input's type with --input-frac when no Quant fixes it",
                ));
            }
            let codes: Vec<i64> = idx.iter().map(|&k| q.q[k]).collect();
            Array::Int(
                ArrayD::from_shape_vec(IxDyn(&[out]), codes)
                    .map_err(|e| problem(node, e.to_string(), ""))?,
            )
        } else {
            let v: Vec<f32> = pick(&values)
                .into_iter()
                .map(|x| (x * beta) as f32)
                .collect();
            Array::Float(
                ArrayD::from_shape_vec(IxDyn(&[out]), v)
                    .map_err(|e| problem(node, e.to_string(), ""))?,
            )
        };
        self.layers[i].bias = Some(bias);
        Ok(())
    }

    /// The real value of one accumulator unit of layer `i`, per output:
    /// `2^-(input frac + weight frac)`, times the channel's weight scale in
    /// the per-channel mode.
    fn acc_scale(&self, i: usize, out: usize) -> Vec<f64> {
        let l = &self.layers[i];
        let in_frac = self.src_type(l.from.first().copied().flatten()).frac;
        let w_frac = l.wtype.map_or(0, |w| w.frac);
        let unit = 2f64.powi(-(in_frac + w_frac));
        (0..out)
            .map(|c| {
                unit * l
                    .weight_scale
                    .as_ref()
                    .and_then(|s| s.get(c))
                    .copied()
                    .unwrap_or(1.0)
            })
            .collect()
    }

    fn dense_from(&mut self, node: &Node, x: Value, wt: Either, transposed: bool) -> Res<usize> {
        let (n, chw) = match x.shape {
            Shape::Vec { n, chw } => (n, chw),
            Shape::Img { .. } | Shape::Nhwc { .. } => {
                return Err(problem(
                    node,
                    "input is an image",
                    "a Flatten before the dense layer",
                ));
            }
        };
        let dims = wt.dims();
        if dims.len() != 2 {
            return Err(problem(
                node,
                format!("weight has dims {dims:?}"),
                "a matrix",
            ));
        }
        let wt = if transposed { wt } else { wt.transposed() };
        let dims = wt.dims();
        let (out, inp) = (dims[0], dims[1]);
        if inp != n {
            return Err(problem(
                node,
                format!("weight has {inp} inputs for {n} features"),
                format!("{n} inputs"),
            ));
        }
        // CHW-ordered features to HWC-ordered columns
        let perm = match chw {
            Some((c, h, w)) if h * w > 1 => Some(
                (0..h * w * c)
                    .map(|j| {
                        let (p, ch) = (j / c, j % c);
                        ch * h * w + p
                    })
                    .collect(),
            ),
            _ => None,
        };
        let i = self.push(
            node,
            Op::Dense { out },
            vec![x.src],
            Shape::Vec { n: out, chw: None },
        )?;
        self.set_weights(node, i, wt, perm)?;
        Ok(i)
    }

    /// Gemm: `Y = alpha · A' · B' + beta · C` (A' = A, or its transpose
    /// with transA; B' likewise with transB), C broadcast to `[M, N]`.
    fn gemm(&mut self, node: &Node) -> Res<()> {
        if node.int("transA").unwrap_or(0) != 0 {
            return Err(problem(
                node,
                "attribute `transA` = 1 (the input is transposed: its batch rows become the features)",
                "transA = 0",
            ));
        }
        let alpha = node.float("alpha").unwrap_or(1.0);
        let beta = node.float("beta").unwrap_or(1.0);
        for (a, v) in [("alpha", alpha), ("beta", beta)] {
            if !v.is_finite() {
                return Err(problem(
                    node,
                    format!("attribute `{a}` is {v}"),
                    format!("a finite {a}"),
                ));
            }
        }
        let x = self.input_value(node, 0)?;
        let wt = self.weight_input(node, 1)?;
        let wt = scaled(node, wt, alpha)?;
        let i = self.dense_from(node, x, wt, node.int("transB").unwrap_or(0) != 0)?;
        if let Some(b) = node.inputs.get(2).filter(|s| !s.is_empty()) {
            let out = match self.layers[i].op {
                Op::Dense { out } => out,
                _ => 0,
            };
            self.set_bias(node, i, b, out, beta, false)?;
        }
        Ok(())
    }

    fn matmul(&mut self, node: &Node) -> Res<()> {
        let x = self.input_value(node, 0)?;
        let wt = self.weight_input(node, 1)?;
        self.dense_from(node, x, wt, false)?;
        Ok(())
    }

    fn batch_norm(&mut self, node: &Node) -> Res<()> {
        let i = self.fusable(node, "BatchNormalization")?;
        let l = &self.layers[i];
        let out = match l.op {
            Op::Conv { out, .. } | Op::Dense { out } => out,
            _ => {
                return Err(problem(
                    node,
                    format!("follows `{}`, which has no weights to fold it into", l.onnx),
                    "BatchNormalization right after a Conv or Gemm",
                ))
            }
        };
        if l.act != "none" || l.bn.is_some() {
            return Err(problem(
                node,
                "follows an activation",
                "BatchNormalization before the Relu",
            ));
        }
        // after quantized weights the batch norm goes into thresholds (the
        // quantizer after it decides them), after float weights it is folded
        let mut arrs = Vec::new();
        for k in 1..5 {
            let name = node.inputs.get(k).map(String::as_str).unwrap_or("");
            let t = self.init(name).ok_or_else(|| {
                problem(
                    node,
                    format!("`{name}` is not a constant"),
                    "scale, bias, mean and var initializers",
                )
            })?;
            let v: Vec<f32> = t.reals().into_iter().map(|x| x as f32).collect();
            if v.len() != out {
                return Err(problem(
                    node,
                    format!("`{name}` has {} values", v.len()),
                    format!("{out}, one per channel"),
                ));
            }
            arrs.push(
                ArrayD::from_shape_vec(IxDyn(&[out]), v)
                    .map_err(|e| problem(node, e.to_string(), ""))?,
            );
        }
        let eps = node.float("epsilon").unwrap_or(1e-5) as f32;
        let eps = ArrayD::from_shape_vec(IxDyn(&[]), vec![eps])
            .map_err(|e| problem(node, e.to_string(), ""))?;
        let [g, b, m, v]: [ArrayD<f32>; 4] = arrs
            .try_into()
            .map_err(|_| problem(node, "four arrays", ""))?;
        self.layers[i].bn = Some([g, b, m, v, eps]);
        let v = self.input_value(node, 0)?;
        self.set_output(node, v)
    }

    fn activation(&mut self, node: &Node, act: &'static str) -> Res<()> {
        let i = self.fusable(node, act)?;
        let l = &mut self.layers[i];
        if !matches!(l.op, Op::Conv { .. } | Op::Dense { .. } | Op::Add) || l.act != "none" {
            return Err(problem(
                node,
                format!("`{act}` after `{}` cannot be fused (tomatl applies activations inside conv, dense and add layers)", l.onnx),
                "the activation right after a Conv, Gemm/MatMul or Add",
            ));
        }
        l.act = act;
        if !l.out_fixed {
            l.out = default_act_type(act);
        }
        let v = self.input_value(node, 0)?;
        self.set_output(node, v)
    }

    fn clip(&mut self, node: &Node) -> Res<()> {
        let bound = |k: usize, attr: &str| -> Option<f64> {
            match node.inputs.get(k).filter(|s| !s.is_empty()) {
                Some(n) => self.init(n).and_then(|t| t.reals().first().copied()),
                None => node.float(attr),
            }
        };
        match (bound(1, "min"), bound(2, "max")) {
            (Some(lo), Some(hi)) if lo == 0.0 && hi == 6.0 => self.activation(node, "relu6"),
            (Some(0.0), None) => self.activation(node, "relu"),
            (lo, hi) => Err(problem(
                node,
                format!("Clip to [{lo:?}, {hi:?}]"),
                "Clip(0, 6) (relu6) or Clip(0) (relu)",
            )),
        }
    }

    fn pool(&mut self, node: &Node) -> Res<()> {
        let x = self.input_value(node, 0)?;
        let Shape::Img { c, h, w } = x.shape else {
            return Err(problem(node, "input is not an image", "an NCHW input"));
        };
        let kernel = match node.ints("kernel_shape") {
            Some([a, b]) if *a > 0 && *b > 0 => {
                [usize_of(*a).unwrap_or(0), usize_of(*b).unwrap_or(0)]
            }
            k => {
                return Err(problem(
                    node,
                    format!("attribute `kernel_shape` {k:?}"),
                    "two positive kernel sizes",
                ))
            }
        };
        let stride = strides(node)?;
        if let Some(p) = node.ints("pads").filter(|p| p.iter().any(|&v| v < 0)) {
            return Err(problem(
                node,
                format!("attribute `pads` {p:?} is negative"),
                "pooling without padding",
            ));
        }
        if node.ints("pads").is_some_and(|p| p.iter().any(|&v| v != 0))
            || node
                .attr("auto_pad")
                .and_then(|a| a.s.as_deref())
                .is_some_and(|s| s != "NOTSET" && s != "VALID")
        {
            return Err(problem(node, "padded pooling", "pooling without padding"));
        }
        if node
            .ints("dilations")
            .is_some_and(|d| d.iter().any(|&x| x != 1))
        {
            return Err(problem(node, "dilated pooling", "dilations of 1"));
        }
        if stride.contains(&0) || kernel.contains(&0) || kernel[0] > h || kernel[1] > w {
            return Err(problem(
                node,
                format!("kernel {kernel:?} on a {h}x{w} input"),
                "a kernel within the input",
            ));
        }
        let oh = (h - kernel[0]) / stride[0] + 1;
        let ow = (w - kernel[1]) / stride[1] + 1;
        if node.int("ceil_mode").unwrap_or(0) != 0
            && ((h - kernel[0]) % stride[0] != 0 || (w - kernel[1]) % stride[1] != 0)
        {
            return Err(problem(
                node,
                "ceil_mode with a partial last window",
                "ceil_mode 0",
            ));
        }
        let op = Op::Pool {
            max: node.op == "MaxPool",
            kernel,
            stride,
        };
        self.push(node, op, vec![x.src], Shape::Img { c, h: oh, w: ow })?;
        Ok(())
    }

    fn add(&mut self, node: &Node) -> Res<()> {
        let names: Vec<&str> = node.inputs.iter().map(String::as_str).collect();
        if names.len() != 2 {
            return Err(problem(
                node,
                format!("{} inputs", names.len()),
                "two inputs",
            ));
        }
        // an Add of a constant after MatMul: the dense layer's bias
        if let Some(k) = names.iter().position(|n| self.init(n).is_some()) {
            let other = names[1 - k];
            let v = self.value(node, other)?;
            let i = v
                .src
                .filter(|&i| {
                    matches!(self.layers[i].op, Op::Dense { .. }) && self.layers[i].bias.is_none()
                })
                .ok_or_else(|| {
                    problem(
                        node,
                        "adds a constant to a tensor that is not a MatMul's output",
                        "an Add of a bias right after MatMul",
                    )
                })?;
            let Op::Dense { out } = self.layers[i].op else {
                return Err(problem(node, "", ""));
            };
            self.set_bias(node, i, names[k], out, 1.0, false)?;
            return self.set_output(node, v);
        }
        let a = self.value(node, names[0])?;
        let b = self.value(node, names[1])?;
        if a.shape != b.shape {
            return Err(problem(
                node,
                format!("adds shapes {:?} and {:?}", a.shape, b.shape),
                "two tensors of one shape",
            ));
        }
        self.push(node, Op::Add, vec![a.src, b.src], a.shape)?;
        Ok(())
    }

    fn flatten_value(&mut self, node: &Node, x: Value) -> Res<()> {
        match x.shape {
            Shape::Vec { .. } => self.set_output(node, x),
            Shape::Img { c, h, w } => {
                self.push(
                    node,
                    Op::Flatten,
                    vec![x.src],
                    Shape::Vec {
                        n: x.shape.len(),
                        chw: Some((c, h, w)),
                    },
                )?;
                Ok(())
            }
            // transposed to NHWC first: ONNX flattens (h, w, c) as tomatl does
            Shape::Nhwc { .. } => {
                let n = x.shape.len();
                if x.src.is_none() {
                    return Err(problem(
                        node,
                        "flattens the network input",
                        "a flatten after a layer",
                    ));
                }
                self.push(node, Op::Flatten, vec![x.src], Shape::Vec { n, chw: None })?;
                Ok(())
            }
        }
    }

    fn flatten(&mut self, node: &Node) -> Res<()> {
        let x = self.input_value(node, 0)?;
        let rank: i64 = match x.shape {
            Shape::Vec { .. } => 2,
            _ => 4,
        };
        let axis = node.int("axis").unwrap_or(1);
        if axis != 1 && axis != 1 - rank {
            return Err(problem(
                node,
                format!("attribute `axis` is {axis} (on a rank-{rank} tensor)"),
                "Flatten with axis 1 (keep the batch)",
            ));
        }
        self.flatten_value(node, x)
    }

    fn reshape(&mut self, node: &Node) -> Res<()> {
        let x = self.input_value(node, 0)?;
        let target = node
            .inputs
            .get(1)
            .and_then(|n| self.init(n))
            .map(|t| t.reals().into_iter().map(|v| v as i64).collect::<Vec<_>>())
            .ok_or_else(|| {
                problem(
                    node,
                    "the target shape is not a constant",
                    "a constant shape",
                )
            })?;
        let n = x.shape.len() as i64;
        let flat = matches!(target.as_slice(), [b, r] if (*b == 1 || *b == -1 || *b == 0) && (*r == -1 || *r == n));
        if !flat {
            return Err(problem(
                node,
                format!("reshape to {target:?}"),
                format!("a flatten: [-1, {n}] or [1, -1]"),
            ));
        }
        self.flatten_value(node, x)
    }

    /// Transpose: of a constant or of weight codes (any permutation, e.g.
    /// a weight transposed before MatMul); of an image only to NHWC
    /// ([0, 2, 3, 1], before a flatten: FINN's order); the identity.
    fn transpose(&mut self, node: &Node) -> Res<()> {
        let x = node.inputs.first().cloned().unwrap_or_default();
        let out = node
            .outputs
            .first()
            .cloned()
            .ok_or_else(|| problem(node, "has no output", "one output"))?;
        let check = |rank: usize| -> Res<Vec<usize>> {
            let perm: Vec<usize> = match node.ints("perm") {
                None => (0..rank).rev().collect(),
                Some(p) => p
                    .iter()
                    .map(|&v| usize_of(v).unwrap_or(usize::MAX))
                    .collect(),
            };
            let mut seen = perm.clone();
            seen.sort_unstable();
            if seen != (0..rank).collect::<Vec<_>>() {
                return Err(problem(
                    node,
                    format!(
                        "attribute `perm` {:?} is not a permutation of the {rank} axes",
                        node.ints("perm").unwrap_or(&[])
                    ),
                    format!("a permutation of 0..{rank}"),
                ));
            }
            Ok(perm)
        };
        if let Some(c) = self.codes.get(&x).cloned() {
            let c = match c {
                Ok(c) => {
                    let perm = check(c.codes.ndim())?;
                    match Either::Codes(c).permuted(&perm) {
                        Either::Codes(c) => Ok(c),
                        Either::Float(_) => return Err(problem(node, "", "")),
                    }
                }
                e => e,
            };
            self.codes.insert(out, c);
            return Ok(());
        }
        if let Some(t) = self.init(&x).cloned() {
            let perm = check(t.dims.len())?;
            let t = permute_tensor(t, &perm);
            self.consts.insert(out, t);
            return Ok(());
        }
        let v = self.input_value(node, 0)?;
        match v.shape {
            Shape::Img { c, h, w } => {
                let perm = check(4)?;
                match perm.as_slice() {
                    [0, 1, 2, 3] => self.set_output(node, v),
                    [0, 2, 3, 1] => self.set_output(
                        node,
                        Value {
                            src: v.src,
                            shape: Shape::Nhwc { c, h, w },
                        },
                    ),
                    p => Err(problem(
                        node,
                        format!("attribute `perm` {p:?} on an NCHW image"),
                        "perm [0, 2, 3, 1] (to NHWC) before a Flatten, or a transpose of a constant",
                    )),
                }
            }
            Shape::Vec { .. } => {
                let perm = check(2)?;
                if perm != [0, 1] {
                    return Err(problem(
                        node,
                        format!("attribute `perm` {perm:?} transposes the batch with the features"),
                        "perm [0, 1] on a [batch, features] tensor",
                    ));
                }
                self.set_output(node, v)
            }
            Shape::Nhwc { c, h, w } => {
                let perm = check(4)?;
                match perm.as_slice() {
                    [0, 1, 2, 3] => self.set_output(node, v),
                    [0, 3, 1, 2] => self.set_output(
                        node,
                        Value {
                            src: v.src,
                            shape: Shape::Img { c, h, w },
                        },
                    ),
                    p => Err(problem(
                        node,
                        format!("attribute `perm` {p:?} on an NHWC image"),
                        "perm [0, 3, 1, 2] (back to NCHW), or a Flatten",
                    )),
                }
            }
        }
    }

    /// A QONNX quantizer of a constant (weights, or a bias): its integers
    /// and scales as ONNX broadcasts the scale over the tensor, kept as
    /// weight codes (2 to 16 bits, signed; or binary) and as a quantized
    /// constant (a bias, up to 32 bits).
    fn quant_const(&mut self, node: &Node, t: Tensor) -> Res<()> {
        let out = node.outputs.first().cloned().unwrap_or_default();
        check_weight_dims(node, &t)?;
        let dims = dims_usize(&t.dims);
        let sname = node.inputs.get(1).map(String::as_str).unwrap_or("");
        let st = self.init(sname).cloned().ok_or_else(|| {
            problem(
                node,
                format!("scale `{sname}` is not a constant"),
                "a constant scale",
            )
        })?;
        let scales = st.reals();
        if scales.is_empty() {
            return Err(problem(
                node,
                "the scale is empty",
                "a scale with one value, or one per output channel",
            ));
        }
        if let Some(v) = scales.iter().find(|v| !(v.is_finite() && **v > 0.0)) {
            return Err(problem(
                node,
                format!("scale {v}"),
                "positive finite scales",
            ));
        }
        // numpy broadcasting of the scale's dims against the tensor's
        let sd = dims_usize(&st.dims);
        let bad_shape = || {
            problem(
                node,
                format!(
                    "scale `{sname}` of dims {sd:?} does not broadcast to the tensor's {dims:?}"
                ),
                "one scale, or a scale of the tensor's rank with one size not 1 (the channel axis)",
            )
        };
        if sd.len() > dims.len() {
            return Err(bad_shape());
        }
        let lead = dims.len() - sd.len();
        let mut axis = None;
        for (j, &d) in sd.iter().enumerate() {
            if d == 1 {
                continue;
            }
            if d != dims[lead + j] || axis.is_some() {
                return Err(bad_shape());
            }
            axis = Some(lead + j);
        }
        let first = scales[0];
        let uniform = scales.iter().all(|&v| v == first);
        // each element's scale
        let stride = |a: usize| dims[a + 1..].iter().product::<usize>();
        let elem_scale = |i: usize| match axis {
            Some(a) if !uniform => scales[(i / stride(a)) % dims[a]],
            _ => first,
        };
        let chan = match axis {
            _ if uniform && pow2_frac(first).is_some() => None,
            Some(a) if !uniform => Some(ChanScale::Axis(a, scales.clone())),
            _ => Some(ChanScale::Uniform(first)),
        };
        let frac = match chan {
            None => pow2_frac(first).unwrap_or(0),
            Some(_) => 0,
        };
        let reals = t.reals();
        if node.op == "BipolarQuant" {
            let c: Vec<i64> = reals.iter().map(|&w| i64::from(w < 0.0)).collect();
            let codes = ArrayD::from_shape_vec(IxDyn(&dims), c)
                .map_err(|e| problem(node, e.to_string(), ""))?;
            let wtype = WeightType {
                arith: Arith::Binary,
                bits: 1,
                frac,
            };
            self.codes.insert(
                out,
                Ok(Codes {
                    codes,
                    wtype,
                    scale: chan,
                }),
            );
            return Ok(());
        }
        let bits = self.quant_bits(
            node,
            32,
            "a whole number of bits in 1..=32 (weights 2..=16, biases up to 32)",
            "",
        )?;
        let signed = node.int("signed").unwrap_or(1) != 0;
        let narrow = node.int("narrow").unwrap_or(0) != 0;
        let (lo, hi) = if signed {
            let hi = (1i64 << (bits - 1)) - 1;
            (if narrow { -hi } else { -hi - 1 }, hi)
        } else {
            (0, (1i64 << bits) - 1 - i64::from(narrow))
        };
        // QONNX's ROUND: half to even
        let q: Vec<i64> = reals
            .iter()
            .enumerate()
            .map(|(i, &w)| ((w / elem_scale(i)).round_ties_even() as i64).clamp(lo, hi))
            .collect();
        self.qconsts.insert(
            out.clone(),
            QConst {
                dims: dims.clone(),
                q: q.clone(),
                scale: (0..reals.len()).map(elem_scale).collect(),
                bits,
            },
        );
        let codes = if !signed {
            Err(problem(
                node,
                "unsigned weights",
                "signed weight quantization",
            ))
        } else if bits < 2 {
            Err(problem(
                node,
                "1-bit Quant of weights",
                "BipolarQuant for binary weights, or 2..16 bits",
            ))
        } else if bits > 16 {
            Err(problem(
                node,
                format!("{bits}-bit Quant of weights"),
                "weights of 2..16 bits (wider quantizers only on biases)",
            ))
        } else {
            ArrayD::from_shape_vec(IxDyn(&dims), q)
                .map_err(|e| problem(node, e.to_string(), ""))
                .map(|codes| Codes {
                    codes,
                    wtype: WeightType {
                        arith: Arith::Fixed,
                        bits,
                        frac,
                    },
                    scale: chan,
                })
        };
        self.codes.insert(out, codes);
        Ok(())
    }

    /// The bit width of a symmetric `Quant` (zero point 0): a whole number
    /// in `1..=max` (`expected` says what is taken; `why_one` as for
    /// `scalar_input`).
    fn quant_bits(&self, node: &Node, max: u32, expected: &str, why_one: &str) -> Res<u32> {
        if self.scalar_input(node, 2, "zero point", why_one)? != 0.0 {
            return Err(problem(
                node,
                "zero point is not 0",
                "symmetric quantization (zero point 0)",
            ));
        }
        let b = self.scalar_input(node, 3, "bit width", why_one)?;
        if b.fract() != 0.0 || !(1.0..=f64::from(max)).contains(&b) {
            return Err(problem(node, format!("bit width {b}"), expected));
        }
        Ok(b as u32)
    }

    /// Input `k` of `node`: a constant `what` with one value for the
    /// whole tensor (`why_one` says why a per-channel one is refused).
    fn scalar_input(&self, node: &Node, k: usize, what: &str, why_one: &str) -> Res<f64> {
        let name = node.inputs.get(k).map(String::as_str).unwrap_or("");
        let t = self.init(name).ok_or_else(|| {
            problem(
                node,
                format!("{what} `{name}` is not a constant"),
                format!("a constant {what}"),
            )
        })?;
        let v = t.reals();
        let first = v.first().copied().unwrap_or(f64::NAN);
        if v.iter().any(|&x| x != first) {
            return Err(problem(
                node,
                format!("{what} varies per channel"),
                format!("one {what} for the tensor{why_one}"),
            ));
        }
        Ok(first)
    }

    fn quant(&mut self, node: &Node) -> Res<()> {
        let x0 = node.inputs.first().cloned().unwrap_or_default();
        if let Some(t) = self.init(&x0).cloned() {
            return self.quant_const(node, t);
        }
        let scalar = |k: usize, what: &str| self.scalar_input(node, k, what, PER_TENSOR_ONLY);
        let scale = scalar(1, "scale")?;
        let pow2 = pow2_frac(scale);
        let bipolar = node.op == "BipolarQuant";
        let (bits, signed, narrow) = if bipolar {
            (2u32, true, true)
        } else {
            (
                self.quant_bits(
                    node,
                    16,
                    "a whole number of bits in 1..=16",
                    PER_TENSOR_ONLY,
                )?,
                node.int("signed").unwrap_or(1) != 0,
                node.int("narrow").unwrap_or(0) != 0,
            )
        };
        // QONNX's default mode is ROUND (half to even)
        let mode = node.attr("rounding_mode").and_then(|a| a.s.as_deref());
        let round = if bipolar {
            RoundMode::default()
        } else {
            RoundMode::from_qonnx(mode.unwrap_or("ROUND")).ok_or_else(|| {
                problem(
                    node,
                    format!("rounding_mode `{}`", mode.unwrap_or_default()),
                    "ROUND (HALF_EVEN), CEIL, FLOOR, UP, DOWN, HALF_UP or HALF_DOWN",
                )
            })?
        };
        if narrow && bits < 2 {
            return Err(problem(
                node,
                "narrow range of 1 bit",
                "narrow=1 with 2..16 bits",
            ));
        }
        let x = node.inputs.first().cloned().unwrap_or_default();
        let v = self.value(node, &x)?;
        let not_pow2 = |what: &str| {
            problem(
                node,
                format!("scale {scale} of {what} is not a power of two"),
                "power-of-two scales on the network input, adds and average pools (a float scale is taken after a conv or dense layer, as thresholds)",
            )
        };
        match v.src {
            None => {
                if bipolar {
                    return Err(problem(
                        node,
                        "a bipolar quantizer on the network input",
                        "integer input codes (a Quant with a power-of-two scale)",
                    ));
                }
                // the input arrives as codes: nothing of tomatl rounds it
                let frac = pow2.ok_or_else(|| not_pow2("the network input"))?;
                self.input_type = TensorType::new(bits, signed, frac);
                self.input_fixed = true;
            }
            Some(i) if matches!(self.layers[i].op, Op::Flatten | Op::Pool { max: true, .. }) => {
                // after a flatten or max pool, whose type follows its
                // input: nothing to do when every value of that type is
                // one of this quantizer's (e.g. Brevitas's QuantIdentity
                // after a flatten, with the scale of the QuantReLU before)
                let have = self.layers[i].out;
                let have_scale = self.scale_of(Some(i));
                let same = match (pow2, self.layers[i].out_scale) {
                    (Some(frac), None) => {
                        holds(&TensorType::new(bits, signed, frac), narrow, &have)
                    }
                    // a float scale: the same scale and every code kept
                    _ => {
                        (scale - have_scale).abs() <= 1e-9 * scale
                            && holds(
                                &TensorType::new(bits, signed, 0),
                                narrow,
                                &TensorType { frac: 0, ..have },
                            )
                    }
                };
                if !same {
                    return Err(problem(
                        node,
                        format!(
                            "re-quantizes the output of `{}` ({}), whose type follows its input, from {have:?} (scale {have_scale}) to {bits} bits at scale {scale}",
                            self.layers[i].onnx, self.layers[i].label
                        ),
                        "a Quant after a flatten or max pool that keeps every value of the quantizer before it (the same scale, as many bits or more)",
                    ));
                }
            }
            Some(_) => {
                let i = self.fusable(node, "Quant")?;
                let in_scale = self.scale_of(self.layers[i].from.first().copied().flatten());
                let l = &mut self.layers[i];
                if !matches!(
                    l.op,
                    Op::Conv { .. }
                        | Op::Dense { .. }
                        | Op::Add
                        | Op::Gap
                        | Op::Pool { max: false, .. }
                ) {
                    return Err(problem(
                        node,
                        format!(
                            "quantizes the output of `{}`, whose type follows its input",
                            l.onnx
                        ),
                        "Quant after a conv, dense, add or average pool",
                    ));
                }
                let int_w = matches!(l.weights, Some(Array::Int(_)));
                // thresholds wherever a shift cannot say what follows the
                // accumulator; for float weight scales alone, where they
                // are cheap (at most 15 a channel) and the multipliers'
                // rounding would not be exact
                let thresholds = bipolar
                    || pow2.is_none()
                    || pow2_frac(in_scale).is_none()
                    || (l.bn.is_some() && int_w)
                    || (l.weight_scale.is_some()
                        && int_w
                        && bits <= 4
                        && !matches!(
                            l.op,
                            Op::Conv {
                                depthwise: true,
                                ..
                            }
                        ));
                if !thresholds {
                    let frac = pow2.ok_or_else(|| not_pow2("an activation"))?;
                    l.out = TensorType {
                        round,
                        narrow,
                        ..TensorType::new(bits, signed, frac)
                    };
                    l.out_fixed = true;
                    return self.set_output(node, v);
                }
                let why = if bipolar {
                    "a bipolar output".to_string()
                } else if l.bn.is_some() {
                    "a batch norm after quantized weights".to_string()
                } else {
                    format!("the float scale {scale}")
                };
                let depthwise = matches!(
                    l.op,
                    Op::Conv {
                        depthwise: true,
                        ..
                    }
                );
                if !matches!(l.op, Op::Conv { .. } | Op::Dense { .. }) || depthwise {
                    return Err(problem(
                        node,
                        format!("{why} on the output of `{}` ({}) needs thresholds, which only conv and dense layers have", l.onnx, l.label),
                        "float scales, bipolar outputs and batch norms after quantized weights on conv (not depthwise) and dense layers; power-of-two scales elsewhere",
                    ));
                }
                if !int_w {
                    return Err(problem(
                        node,
                        format!("{why} after `{}` ({}), whose weights are floats", l.onnx, l.label),
                        "quantized weights (a Quant or BipolarQuant on the weight) before a float-scale or bipolar quantizer",
                    ));
                }
                if bits > 8 {
                    return Err(problem(
                        node,
                        format!("{why} with a {bits}-bit output"),
                        "outputs of at most 8 bits where the scale is a float, a batch norm follows quantized weights or the input has a float scale (thresholds: 2^bits - 1 per channel)",
                    ));
                }
                let ty = TensorType {
                    round,
                    narrow,
                    ..TensorType::new(bits, signed, pow2.unwrap_or(0))
                };
                l.thr = Some(if bipolar {
                    Quantizer::Bipolar
                } else {
                    Quantizer::Quant { scale, ty }
                });
                l.out = if bipolar {
                    TensorType {
                        narrow: true,
                        ..TensorType::new(2, true, pow2.unwrap_or(0))
                    }
                } else {
                    ty
                };
                l.out_scale = if pow2.is_some() { None } else { Some(scale) };
                l.out_fixed = true;
            }
        }
        self.set_output(node, v)
    }

    /// The thresholds of every layer whose output quantizer needs them
    /// (after the last node, when every quantizer is known), and the
    /// refusals of what cannot be computed otherwise.
    fn make_thresholds(&mut self) -> Res<()> {
        for i in 0..self.layers.len() {
            let src = self.layers[i].from.first().copied().flatten();
            let in_scale = self.scale_of(src);
            let in_type = self.src_type(src);
            let l = &self.layers[i];
            let at = || Problem {
                node: Some(l.label.clone()),
                what: String::new(),
                expected: String::new(),
            };
            let Some(q) = l.thr else {
                let int_w = matches!(l.weights, Some(Array::Int(_)));
                let why = if l.bn.is_some() && int_w {
                    Some("a batch norm after quantized weights".to_string())
                } else if pow2_frac(in_scale).is_none()
                    && !matches!(l.op, Op::Flatten | Op::Pool { max: true, .. })
                {
                    Some(format!("reads a tensor of float scale {in_scale}"))
                } else {
                    None
                };
                if let Some(why) = why {
                    return Err(Problem {
                        what: format!(
                            "{why}, and no quantizer (Quant or BipolarQuant) follows `{}`",
                            l.onnx
                        ),
                        expected: if matches!(l.op, Op::Conv { .. } | Op::Dense { .. }) {
                            "a quantizer of at most 8 bits after the layer (with its batch norm and activation), from which tomatl makes thresholds".into()
                        } else {
                            "power-of-two scales into adds and average pools".into()
                        },
                        ..at()
                    });
                }
                continue;
            };
            let (Some(Array::Int(codes)), Some(wt)) = (&l.weights, l.wtype) else {
                continue; // refused in quant()
            };
            let out = codes.shape()[0];
            let cols = codes.len() / out.max(1);
            let (xmin, xmax) = (in_type.min_code(), in_type.max_code());
            let (bias_codes, bias_real): (Vec<i64>, Vec<f64>) = match &l.bias {
                Some(Array::Int(b)) => (b.iter().copied().collect(), vec![0.0; out]),
                Some(Array::Float(b)) => (vec![0; out], b.iter().map(|&x| f64::from(x)).collect()),
                None => (vec![0; out], vec![0.0; out]),
            };
            let bn = l.bn.as_ref().map(|[g, b, m, v, e]| {
                let eps = e.iter().next().copied().map_or(1e-5, f64::from);
                (0..out)
                    .map(|o| Bn {
                        gamma: f64::from(g[o]),
                        beta: f64::from(b[o]),
                        mean: f64::from(m[o]),
                        var: f64::from(v[o]),
                        eps,
                    })
                    .collect::<Vec<_>>()
            });
            let out_t = l.out;
            let step = if matches!(q, Quantizer::Bipolar) {
                2
            } else {
                1
            };
            let levels = ((out_t.max_code() - out_t.min_code()) / step) as usize;
            let wunit = 2f64.powi(-wt.frac);
            let flat: Vec<i64> = codes.iter().copied().collect();
            let mut t = Vec::with_capacity(out * levels);
            let mut desc = Vec::with_capacity(out);
            for o in 0..out {
                // the range the frontend sizes the accumulator for; it
                // holds 62 bits at most, so the bounds fit an i64
                let (lo, hi) = crate::ir::numerics::dot_range(
                    bias_codes[o],
                    flat[o * cols..(o + 1) * cols].iter().map(|&c| wt.value(c)),
                    xmin,
                    xmax,
                );
                let clamp =
                    |v: i128| v.clamp(i128::from(i64::MIN / 4), i128::from(i64::MAX / 4)) as i64;
                let (lo, hi) = (clamp(lo), clamp(hi));
                let ws = l.weight_scale.as_ref().map_or(1.0, |s| s[o]);
                let chain = Chain {
                    unit: in_scale * wunit * ws,
                    bias: bias_real[o],
                    bn: bn.as_ref().map(|b| b[o]),
                    act: l.act,
                    quant: q,
                };
                let (row, d) = channel_thresholds(&chain, out_t.min_code(), step, levels, (lo, hi));
                t.extend(row);
                desc.push(d);
            }
            let t = ArrayD::from_shape_vec(IxDyn(&[out, levels]), t).map_err(|e| Problem {
                what: e.to_string(),
                ..at()
            })?;
            let l = &mut self.layers[i];
            l.thresholds = Some((t, desc));
            // folded into the thresholds
            l.bn = None;
            l.weight_scale = None;
            if matches!(l.bias, Some(Array::Float(_))) {
                l.bias = None;
            }
        }
        Ok(())
    }
}

/// Whether every value of type `have` is a value of quantizer type `ty`
/// (narrow range: without its most negative code), so the quantizer is
/// the identity on it.
fn holds(ty: &TensorType, narrow: bool, have: &TensorType) -> bool {
    let range = |t: &TensorType, narrow: bool| -> (f64, f64) {
        let unit = 2f64.powi(-t.frac);
        if t.signed {
            let hi = 2f64.powi(t.bits as i32 - 1) - 1.0;
            let lo = if narrow { -hi } else { -hi - 1.0 };
            (lo * unit, hi * unit)
        } else {
            (0.0, (2f64.powi(t.bits as i32) - 1.0) * unit)
        }
    };
    let (lo, hi) = range(ty, narrow);
    let (hlo, hhi) = range(have, false);
    have.frac <= ty.frac && lo <= hlo && hhi <= hi
}

/// A weight: floats of an initializer or codes of a quantizer.
#[derive(Clone, Debug)]
enum Either {
    Float(Tensor),
    Codes(Codes),
}

impl Either {
    fn dims(&self) -> Vec<usize> {
        match self {
            Either::Float(t) => dims_usize(&t.dims),
            Either::Codes(c) => c.codes.shape().to_vec(),
        }
    }

    /// A matrix transposed (`[in, out]` to `[out, in]`).
    fn transposed(self) -> Either {
        self.permuted(&[1, 0])
    }

    /// The tensor with its axes permuted as ONNX's Transpose does: axis
    /// `j` of the result is axis `perm[j]` of this one (`perm` a
    /// permutation of the tensor's axes, checked by the caller).
    fn permuted(self, perm: &[usize]) -> Either {
        match self {
            Either::Float(t) => Either::Float(permute_tensor(t, perm)),
            Either::Codes(mut c) => {
                c.codes = c
                    .codes
                    .permuted_axes(IxDyn(perm))
                    .as_standard_layout()
                    .to_owned();
                if let Some(ChanScale::Axis(k, v)) = c.scale {
                    let nk = perm.iter().position(|&p| p == k).unwrap_or(k);
                    c.scale = Some(ChanScale::Axis(nk, v));
                }
                Either::Codes(c)
            }
        }
    }
}

/// A tensor's axes permuted (see [`Either::permuted`]).
fn permute_tensor(mut t: Tensor, perm: &[usize]) -> Tensor {
    let d = dims_usize(&t.dims);
    let permute = |a: ArrayD<f64>| a.permuted_axes(IxDyn(perm)).as_standard_layout().to_owned();
    let permute_i = |a: ArrayD<i64>| a.permuted_axes(IxDyn(perm)).as_standard_layout().to_owned();
    let data = match &t.data {
        Data::Float(v) => ArrayD::from_shape_vec(IxDyn(&d), v.clone())
            .ok()
            .map(|a| Data::Float(permute(a).iter().copied().collect())),
        Data::Int(v) => ArrayD::from_shape_vec(IxDyn(&d), v.clone())
            .ok()
            .map(|a| Data::Int(permute_i(a).iter().copied().collect())),
    };
    if let Some(data) = data {
        t.dims = perm.iter().map(|&p| t.dims[p]).collect();
        t.data = data;
    }
    t
}

/// For each of `out` outputs, the index into a bias of dims `dims` that
/// ONNX broadcasts to it. `rank1`: a Conv's bias, exactly `[out]`. Otherwise
/// the bias is broadcast (unidirectionally, as Gemm's C; or as an Add's
/// constant) against `[rows, out]`, and must be the same for every row: its
/// last size 1 (one value) or `out`, every other size 1.
fn bias_index(node: &Node, name: &str, dims: &[usize], out: usize, rank1: bool) -> Res<Vec<usize>> {
    if rank1 {
        if dims != [out] {
            return Err(problem(
                node,
                format!("bias `{name}` has dims {dims:?}"),
                format!("[{out}], one per output channel"),
            ));
        }
        return Ok((0..out).collect());
    }
    let last = dims.last().copied().unwrap_or(1);
    if last != 1 && last != out {
        return Err(problem(
            node,
            format!("bias `{name}` of dims {dims:?} does not broadcast to the {out} outputs"),
            format!("a bias of dims [{out}], [1, {out}] or one value"),
        ));
    }
    if let Some(d) = dims.iter().rev().skip(1).find(|&&d| d != 1) {
        let what = if dims.len() == 2 {
            format!("bias `{name}` of dims {dims:?} broadcasts over the rows (one value per batch row, {d} rows), not per output")
        } else {
            format!("bias `{name}` of dims {dims:?} has a leading size {d}")
        };
        return Err(problem(
            node,
            what,
            format!("a bias of dims [{out}], [1, {out}] or one value"),
        ));
    }
    Ok((0..out).map(|c| if last == 1 { 0 } else { c }).collect())
}

/// A weight multiplied by Gemm's `alpha`: float weights directly, codes
/// through their scale (a power-of-two scale becomes the per-channel
/// multiplier mode's uniform scale unless alpha is a power of two).
fn scaled(node: &Node, wt: Either, alpha: f64) -> Res<Either> {
    if alpha == 1.0 {
        return Ok(wt);
    }
    if alpha == 0.0 {
        return Err(problem(node, "attribute `alpha` is 0", "a nonzero alpha"));
    }
    Ok(match wt {
        Either::Float(mut t) => {
            t.data = Data::Float(t.reals().into_iter().map(|v| v * alpha).collect());
            Either::Float(t)
        }
        Either::Codes(mut c) => {
            let neg = alpha < 0.0;
            let a = alpha.abs();
            if neg {
                if c.wtype.arith != Arith::Fixed {
                    return Err(problem(
                        node,
                        format!(
                            "attribute `alpha` {alpha} is negative with {:?} weights",
                            c.wtype.arith
                        ),
                        "a positive alpha",
                    ));
                }
                let lo = -(1i64 << (c.wtype.bits - 1));
                if c.codes.iter().any(|&v| v == lo) {
                    return Err(problem(
                        node,
                        format!("attribute `alpha` {alpha} negates the weight code {lo}, which has no negative in {} bits", c.wtype.bits),
                        "a positive alpha, or narrow-range weights",
                    ));
                }
                c.codes.mapv_inplace(|v| -v);
            }
            c.scale = match c.scale {
                Some(ChanScale::Uniform(s)) => Some(ChanScale::Uniform(s * a)),
                Some(ChanScale::Axis(k, v)) => {
                    Some(ChanScale::Axis(k, v.into_iter().map(|s| s * a).collect()))
                }
                None => match pow2_frac(a) {
                    Some(k) if (-32..=32).contains(&(c.wtype.frac + k)) => {
                        c.wtype.frac += k;
                        None
                    }
                    _ => {
                        let s = 2f64.powi(-c.wtype.frac) * a;
                        c.wtype.frac = 0;
                        Some(ChanScale::Uniform(s))
                    }
                },
            };
            Either::Codes(c)
        }
    })
}

/// A weight tensor must have sizes of at least 1 (its element count then
/// bounds every size).
fn check_weight_dims(node: &Node, t: &Tensor) -> Res<()> {
    if t.dims.is_empty() || t.dims.iter().any(|&d| d < 1) {
        return Err(problem(
            node,
            format!("weight `{}` has dims {:?}", t.name, t.dims),
            "a weight tensor with every dimension at least 1",
        ));
    }
    Ok(())
}

fn dims_usize(d: &[i64]) -> Vec<usize> {
    d.iter().map(|&x| usize_of(x).unwrap_or(0)).collect()
}

/// New column `j` takes old column `perm[j]`.
fn permute_columns(a: Array, perm: &[usize]) -> Array {
    fn go<T: Copy>(a: &ArrayD<T>, perm: &[usize]) -> ArrayD<T> {
        let rows = a.shape()[0];
        let cols = a.shape()[1];
        ArrayD::from_shape_fn(IxDyn(&[rows, cols]), |i| a[[i[0], perm[i[1]]]])
    }
    match a {
        Array::Float(f) => Array::Float(go(&f, perm)),
        Array::Int(c) => Array::Int(go(&c, perm)),
    }
}

/// Convert a parsed model. `npz_name` is the weight file's name as the
/// description refers to it; `source` names the model in the header.
pub fn convert(
    model: &Model,
    input_type: TensorType,
    npz_name: &str,
    source: &str,
) -> Res<Imported> {
    let g = &model.graph;
    let mut uses: BTreeMap<String, usize> = BTreeMap::new();
    for n in &g.nodes {
        for i in &n.inputs {
            *uses.entry(i.clone()).or_default() += 1;
        }
    }
    for o in &g.outputs {
        *uses.entry(o.name.clone()).or_default() += 1;
    }
    let inputs: Vec<_> = g
        .inputs
        .iter()
        .filter(|i| !g.initializers.contains_key(&i.name))
        .collect();
    let global = |what: String, expected: &str| Problem {
        node: None,
        what,
        expected: expected.into(),
    };
    let [input] = inputs.as_slice() else {
        let names: Vec<String> = inputs.iter().map(|i| format!("`{}`", i.name)).collect();
        return Err(global(
            format!(
                "the graph has {} inputs ({})",
                inputs.len(),
                names.join(", ")
            ),
            "one input tensor (weights, biases and shapes as initializers)",
        ));
    };
    let dims: Vec<Option<i64>> = input.dims.clone();
    let known = |d: &[Option<i64>]| -> Option<Vec<usize>> {
        d.iter().map(|x| x.and_then(usize_of)).collect()
    };
    let shape = match dims.as_slice() {
        [_, rest @ ..] if rest.len() == 3 => known(rest).map(|v| Shape::Img { c: v[0], h: v[1], w: v[2] }),
        [_, rest @ ..] if rest.len() == 1 => known(rest).map(|v| Shape::Vec { n: v[0], chw: None }),
        _ => None,
    }
    .filter(Shape::valid)
    .ok_or_else(|| {
        global(
            format!(
                "input `{}` has shape [{}]",
                input.name,
                dims.iter()
                    .map(|d| d.map_or_else(|| "?".to_string(), |v| v.to_string()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            &format!("an input shaped [batch, channels, height, width] or [batch, features] with known sizes, at most {MAX_ELEMENTS} elements"),
        )
    })?;
    let mut cv = Converter {
        graph: g,
        values: BTreeMap::new(),
        layers: Vec::new(),
        codes: BTreeMap::new(),
        qconsts: BTreeMap::new(),
        consts: BTreeMap::new(),
        uses,
        input_type,
        input_fixed: false,
        names: Default::default(),
        next_suffix: BTreeMap::new(),
    };
    cv.values
        .insert(input.name.clone(), Value { src: None, shape });
    for n in &g.nodes {
        cv.node(n)?;
    }
    cv.make_thresholds()?;
    let [output] = g.outputs.as_slice() else {
        let names: Vec<String> = g.outputs.iter().map(|o| format!("`{}`", o.name)).collect();
        return Err(global(
            format!(
                "the graph has {} outputs ({})",
                g.outputs.len(),
                names.join(", ")
            ),
            "one output tensor",
        ));
    };
    let out_value = cv.values.get(&output.name);
    let last = out_value.and_then(|v| v.src);
    if cv.layers.is_empty() || last != Some(cv.layers.len() - 1) {
        return Err(global(
            format!("output `{}` is not computed by the last layer", output.name),
            "a graph whose output is its last node's",
        ));
    }
    let by = |i: usize| cv.layers[i].label.clone();
    if cv.layers.iter().all(|l| l.op == Op::Flatten) {
        return Err(Problem {
            node: Some(by(cv.layers.len() - 1)),
            what: "the graph only flattens its input: no node becomes hardware".into(),
            expected: "at least one Conv, Gemm/MatMul, pooling or Add node".into(),
        });
    }
    match out_value.map(|v| v.shape) {
        // ONNX orders a flattened image (c, h, w), tomatl (h, w, c): a
        // dense layer after the flatten absorbs it (its columns are
        // permuted); a flatten that is the output is delivered in ONNX's
        // order by the host (`order: chw`)
        Some(Shape::Vec {
            chw: Some((c, h, w)),
            ..
        }) if c > 1 && h * w > 1 => {
            let last = cv.layers.len() - 1;
            if cv.layers[last].op != Op::Flatten {
                return Err(Problem {
                    node: Some(by(last)),
                    what: format!(
                        "the graph output `{}` is a {c}x{h}x{w} (CxHxW) image flattened before this node, whose elements tomatl keeps in (h, w, c) order",
                        output.name
                    ),
                    expected: "a Flatten or Reshape as the graph's last node (delivered in ONNX's order), a dense layer after the flatten, or the image itself as the output".into(),
                });
            }
            cv.layers[last].chw = true;
        }
        Some(Shape::Nhwc { .. }) => {
            return Err(global(
                format!(
                    "the graph output `{}` is an image transposed to NHWC",
                    output.name
                ),
                "an NCHW image or a vector as the output",
            ))
        }
        _ => {}
    }
    Ok(write(&cv, shape, npz_name, source, model))
}

fn write(cv: &Converter, shape: Shape, npz: &str, source: &str, model: &Model) -> Imported {
    let producer = if model.producer.is_empty() {
        String::new()
    } else {
        format!(" (producer: {})", model.producer)
    };
    let header = vec![
        format!("imported from {source} by `tomatl import`{producer}"),
        "binary points are defaults from the weights: refine them with `tomatl quantize`".into(),
    ];
    let name = identifier(
        source
            .rsplit('/')
            .next()
            .unwrap_or(source)
            .trim_end_matches(".onnx"),
        "net",
    );
    let dims = match shape {
        Shape::Img { c, h, w } | Shape::Nhwc { c, h, w } => vec![h, w, c],
        Shape::Vec { n, .. } => vec![n],
    };
    let entries = cv
        .layers
        .iter()
        .map(|l| {
            let weights = l.wtype.map(|w| {
                let mut spec = WeightSpec::of(&w, l.weight_scale.is_some());
                if l.thresholds.is_some() {
                    spec.scale = Some(Spanned::new("thresholds".to_string()));
                }
                spec
            });
            let acts = (!matches!(l.op, Op::Flatten | Op::Pool { max: true, .. }))
                .then(|| TypeSpec::of(&l.out));
            (l.name.clone(), LayerPolicySpec::new(weights, acts))
        })
        .filter(|(_, p)| !p.is_empty())
        .collect();
    let names: Vec<&str> = cv.layers.iter().map(|l| l.name.as_str()).collect();
    let layers = cv
        .layers
        .iter()
        .enumerate()
        .map(|(i, l)| layer_spec(l).reading(i, &l.from, &names))
        .collect();
    let spec = NetSpec::new(
        &name,
        &dims,
        &cv.input_type,
        ParamsSpec::file(npz),
        PolicySpec::per_layer(entries),
        layers,
    );
    let notes = cv
        .layers
        .iter()
        .map(|l| {
            (l.name != l.onnx && !l.onnx.is_empty()).then(|| format!("ONNX node {:?}", l.onnx))
        })
        .collect();
    let yaml = write_commented(
        &spec,
        &Comments {
            header,
            layers: notes,
        },
    );
    let mut arrays = Vec::new();
    let mut params = 0;
    for l in &cv.layers {
        if let Some(w) = &l.weights {
            params += match w {
                Array::Float(a) => a.len(),
                Array::Int(a) => a.len(),
            };
            arrays.push((format!("{}.weight", l.name), w.clone()));
        }
        if let Some(sc) = &l.weight_scale {
            let v: Vec<f32> = sc.iter().map(|&x| x as f32).collect();
            if let Ok(a) = ArrayD::from_shape_vec(IxDyn(&[v.len()]), v) {
                arrays.push((format!("{}.weight_scale", l.name), Array::Float(a)));
            }
        }
        if let Some(b) = &l.bias {
            params += match b {
                Array::Float(a) => a.len(),
                Array::Int(a) => a.len(),
            };
            arrays.push((format!("{}.bias", l.name), b.clone()));
        }
        if let Some((t, desc)) = &l.thresholds {
            arrays.push((format!("{}.thresholds", l.name), Array::Int(t.clone())));
            let d: Vec<i64> = desc.iter().map(|&d| i64::from(d)).collect();
            if let Ok(a) = ArrayD::from_shape_vec(IxDyn(&[d.len()]), d) {
                arrays.push((format!("{}.descending", l.name), Array::Int(a)));
            }
            if let Some(sc) = l.out_scale {
                if let Ok(a) = ArrayD::from_shape_vec(IxDyn(&[1]), vec![sc as f32]) {
                    arrays.push((format!("{}.act_scale", l.name), Array::Float(a)));
                }
            }
        }
        if let Some([g, b, m, v, e]) = &l.bn {
            for (k, a) in [
                ("bn.weight", g),
                ("bn.bias", b),
                ("bn.running_mean", m),
                ("bn.running_var", v),
                ("bn.eps", e),
            ] {
                arrays.push((format!("{}.{k}", l.name), Array::Float(a.clone())));
            }
        }
    }
    Imported {
        yaml,
        arrays,
        layers: cv.layers.len(),
        params,
        onnx_nodes: cv
            .layers
            .iter()
            .map(|l| (l.name.clone(), l.label.clone()))
            .collect(),
    }
}

/// A layer's entry in `layers:`, without `from`.
fn layer_spec(l: &Layer) -> LayerSpec {
    let spec = match &l.op {
        Op::Conv {
            out,
            kernel,
            stride,
            pad,
            depthwise,
        } => {
            let spec = if *depthwise {
                LayerSpec::new(&l.name, "dwconv")
            } else {
                LayerSpec::new(&l.name, "conv").with_out(*out)
            };
            let pad = match pad {
                Pad::Same => Dims::Word("same".into()),
                Pad::Explicit(p) => Dims::pad(*p),
            };
            spec.with_kernel(Dims::pair(*kernel))
                .with_stride(Dims::pair(*stride))
                .with_pad(pad)
        }
        Op::Dense { out } => LayerSpec::new(&l.name, "dense").with_out(*out),
        Op::Pool {
            max,
            kernel,
            stride,
        } => LayerSpec::new(&l.name, if *max { "maxpool" } else { "avgpool" })
            .with_kernel(Dims::pair(*kernel))
            .with_stride(Dims::pair(*stride)),
        Op::Gap => LayerSpec::new(&l.name, "gavgpool"),
        Op::Add => LayerSpec::new(&l.name, "add"),
        Op::Flatten => LayerSpec::new(&l.name, "flatten").with_chw_order(l.chw),
    };
    spec.with_act(l.act)
}

/// Why an activation quantizer takes one scale for the tensor.
const PER_TENSOR_ONLY: &str =
    " (per-channel scales need the per-channel multiplier mode, which import does not support yet)";
