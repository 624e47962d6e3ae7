//! The layer list: names, ops, keys, connections, shapes and types, checked
//! in file order.

use std::path::Path;

use serde_saphyr::Location;

use super::diag::{at, at_value, check_identifier, shape_str, Res};
use super::policy;
use super::spec::{Dims, LayerSpec, PolicySpec, Spanned};
use crate::ir::{Activation, PoolKind, RoundMode, Src, TensorType, WeightType};

const ALL_OPS: &str = "dense, flatten, conv, dwconv, maxpool, avgpool, gavgpool, add";

use crate::ir::limits::{
    add_shifts, average_params, AvgLimit, MAX_ADD_SHIFT, MAX_AVG_DIV, MAX_AVG_LSHIFT,
    MAX_LAYER_NAME, MAX_READERS, STRIDE_RANGE,
};
pub use crate::ir::limits::{KERNEL_RANGE, MAX_ELEMENTS, MAX_WINDOW};

const KERNEL_EXPECTED: &str =
    "`kernel: k` or `kernel: [kh, kw]`, each in 1..=16, at most 49 elements (7×7, or a rectangle such as [10, 4])";

/// A layer with everything but its parameters.
pub struct Planned {
    pub name: String,
    pub loc: Location,
    pub kind: Kind,
    /// The sources the layer reads (two for `add`).
    pub inputs: Vec<Src>,
    pub in_shape: Vec<usize>,
    pub out_shape: Vec<usize>,
    pub in_type: TensorType,
    pub out_type: TensorType,
    /// Per-channel scales on the weights (`scale: channel`).
    pub channel: bool,
    /// Per-channel thresholds (`scale: thresholds`).
    pub thresholds: bool,
    /// A flatten with `order: chw`: the network's output, delivered to the
    /// host in ONNX's (c, h, w) order.
    pub chw: bool,
}

pub enum Kind {
    Dense {
        out: usize,
        act: Activation,
        wtype: WeightType,
    },
    Conv {
        out: usize,
        kernel: [usize; 2],
        stride: [usize; 2],
        /// `[top, left, bottom, right]`.
        pad: [usize; 4],
        depthwise: bool,
        act: Activation,
        wtype: WeightType,
    },
    Pool {
        kind: PoolKind,
        kernel: [usize; 2],
        stride: [usize; 2],
    },
    GlobalAvgPool,
    Add {
        act: Activation,
    },
    Flatten,
}

/// The weights of a layer as the ir stores them, and as weight files hold
/// them.
pub struct WeightShape {
    pub wtype: WeightType,
    /// Rows (output channels) and columns of the ir's code matrix.
    pub rows: usize,
    pub cols: usize,
    /// Shape of `<layer>.weight` in a weight file.
    pub file_shape: Vec<usize>,
    /// How that shape reads, for messages.
    pub file_layout: &'static str,
}

impl Planned {
    /// The weights of a dense or convolution layer; `None` for layers
    /// without parameters.
    pub fn weights(&self) -> Option<WeightShape> {
        match &self.kind {
            Kind::Dense { out, wtype, .. } => {
                let inn = self.in_shape.iter().product::<usize>();
                Some(WeightShape {
                    wtype: *wtype,
                    rows: *out,
                    cols: inn,
                    file_shape: vec![*out, inn],
                    file_layout: "[out, in]",
                })
            }
            Kind::Conv {
                out,
                kernel: [kh, kw],
                depthwise,
                wtype,
                ..
            } => {
                let inn = self.in_shape.last().copied().unwrap_or(0);
                Some(if *depthwise {
                    WeightShape {
                        wtype: *wtype,
                        rows: *out,
                        cols: kh * kw,
                        file_shape: vec![*out, 1, *kh, *kw],
                        file_layout: "[channels, 1, kh, kw], PyTorch/ONNX depthwise layout",
                    }
                } else {
                    WeightShape {
                        wtype: *wtype,
                        rows: *out,
                        cols: kh * kw * inn,
                        file_shape: vec![*out, inn, *kh, *kw],
                        file_layout: "[out, in, kh, kw], PyTorch/ONNX layout",
                    }
                })
            }
            _ => None,
        }
    }
}

/// Check layer names: identifiers, unique.
pub fn check_names(file: &Path, layers: &[Spanned<LayerSpec>]) -> Res<Vec<String>> {
    let mut seen: Vec<&Spanned<String>> = Vec::new();
    for l in layers {
        let Some(name) = &l.value.name else {
            return Err(at(file, &l.referenced, "layer has no `name`")
                .expected("`name: <identifier>` in every layer"));
        };
        check_identifier(file, name, "layer name")?;
        if name.value == "input" {
            return Err(at_value(
                file,
                name,
                "layer name `input` is reserved for the network input",
            )
            .expected("another name"));
        }
        if name.value.len() > MAX_LAYER_NAME {
            return Err(at_value(
                file,
                name,
                format!(
                    "layer name `{}` has {} characters",
                    name.value,
                    name.value.len()
                ),
            )
            .expected(format!(
                "at most {MAX_LAYER_NAME} characters: layer names become file and instance names"
            )));
        }
        if let Some(first) = seen
            .iter()
            .find(|n| n.value != name.value && n.value.eq_ignore_ascii_case(&name.value))
        {
            return Err(at_value(
                file,
                name,
                format!(
                    "layer name `{}` differs from `{}` (line {}) only in case",
                    name.value,
                    first.value,
                    first.referenced.line()
                ),
            )
            .expected("names that differ in more than case: each names files, which some file systems do not tell apart by case"));
        }
        if let Some(first) = seen.iter().find(|n| n.value == name.value) {
            return Err(at_value(
                file,
                name,
                format!(
                    "layer name `{}` is duplicated: first used at line {}, again at line {}",
                    name.value,
                    first.referenced.line(),
                    name.referenced.line()
                ),
            )
            .expected("a unique name for each layer"));
        }
        seen.push(name);
    }
    Ok(seen.into_iter().map(|n| n.value.clone()).collect())
}

/// The ops of the format.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OpName {
    Dense,
    Flatten,
    Conv,
    DwConv,
    MaxPool,
    AvgPool,
    GAvgPool,
    Add,
}

impl OpName {
    fn parse(s: &str) -> Option<OpName> {
        Some(match s {
            "dense" => OpName::Dense,
            "flatten" => OpName::Flatten,
            "conv" => OpName::Conv,
            "dwconv" => OpName::DwConv,
            "maxpool" => OpName::MaxPool,
            "avgpool" => OpName::AvgPool,
            "gavgpool" => OpName::GAvgPool,
            "add" => OpName::Add,
            _ => return None,
        })
    }

    fn allowed_keys(self) -> &'static [&'static str] {
        match self {
            OpName::Dense => &["name", "op", "from", "out", "act"],
            OpName::Conv | OpName::DwConv => &[
                "name", "op", "from", "out", "kernel", "stride", "pad", "act",
            ],
            OpName::MaxPool | OpName::AvgPool => &["name", "op", "from", "kernel", "stride", "pad"],
            OpName::Add => &["name", "op", "from", "act"],
            OpName::Flatten => &["name", "op", "from", "order"],
            OpName::GAvgPool => &["name", "op", "from"],
        }
    }
}

/// What a layer being checked knows: the file, its entry, its name, its op.
struct Ctx<'a> {
    file: &'a Path,
    l: &'a Spanned<LayerSpec>,
    name: &'a str,
    op: &'a Spanned<String>,
    policy: Option<&'a PolicySpec>,
}

impl Ctx<'_> {
    fn spec(&self) -> &LayerSpec {
        &self.l.value
    }

    /// An error at the layer's entry.
    fn here(&self, what: impl Into<String>) -> super::diag::Fail {
        at(self.file, &self.l.referenced, what).layer(self.name)
    }

    /// An error at a value of the layer.
    fn at<T>(&self, v: &Spanned<T>, what: impl Into<String>) -> super::diag::Fail {
        at_value(self.file, v, what).layer(self.name)
    }

    /// An error at the `op:` of the layer.
    fn at_op(&self, what: impl Into<String>) -> super::diag::Fail {
        self.at(self.op, what)
    }

    /// An error at the layer's `from:`, or its entry when it has none.
    fn at_from(&self, what: impl Into<String>) -> super::diag::Fail {
        at(self.file, &from_loc(self.l), what).layer(self.name)
    }
}

/// Where a layer names its inputs: its `from:`, or its entry.
fn from_loc(l: &Spanned<LayerSpec>) -> Location {
    l.value.from.as_ref().map_or(l.referenced, |f| f.referenced)
}

/// One source of a layer: where it comes from, its name, shape and type.
#[derive(Clone)]
struct Input {
    src: Src,
    name: String,
    shape: Vec<usize>,
    ty: TensorType,
}

/// Check every layer and infer its shapes and types, starting from the
/// network input.
pub fn plan(
    file: &Path,
    layers: &[Spanned<LayerSpec>],
    names: &[String],
    policy: Option<&PolicySpec>,
    input_shape: &[usize],
    input_type: TensorType,
) -> Res<Vec<Planned>> {
    let net_in = Input {
        src: Src::Input,
        name: "input".to_string(),
        shape: input_shape.to_vec(),
        ty: input_type,
    };
    let mut out: Vec<Planned> = Vec::with_capacity(layers.len());
    for (i, (l, name)) in layers.iter().zip(names).enumerate() {
        let spec = &l.value;
        let op = spec.op.as_ref().ok_or_else(|| {
            at(file, &l.referenced, "layer has no `op`")
                .layer(name)
                .expected(format!("`op:` one of {ALL_OPS}"))
        })?;
        let Some(kind) = OpName::parse(&op.value) else {
            return Err(at_value(file, op, format!("unknown op `{}`", op.value))
                .layer(name)
                .expected(format!("one of {ALL_OPS}")));
        };
        let cx = Ctx {
            file,
            l,
            name,
            op,
            policy,
        };
        check_keys(&cx, kind)?;
        let inputs = sources(&cx, kind, i, layers, names, &out, &net_in)?;
        let planned = match kind {
            OpName::Dense => dense(&cx, &inputs[0])?,
            OpName::Conv => conv(&cx, &inputs[0], false)?,
            OpName::DwConv => conv(&cx, &inputs[0], true)?,
            OpName::MaxPool => pool(&cx, &inputs[0], PoolKind::Max)?,
            OpName::AvgPool => pool(&cx, &inputs[0], PoolKind::Avg)?,
            OpName::GAvgPool => gavgpool(&cx, &inputs[0])?,
            OpName::Add => add(&cx, &inputs)?,
            OpName::Flatten => {
                let x = &inputs[0];
                let n = elements(file, &x.shape, &l.referenced, name)?;
                let ty = TensorType {
                    round: RoundMode::default(),
                    ..x.ty
                };
                let chw = flatten_order(&cx, x, i + 1 == layers.len())?;
                Planned {
                    chw,
                    ..planned(&cx, x, Kind::Flatten, vec![n], ty)
                }
            }
        };
        out.push(Planned {
            inputs: inputs.iter().map(|x| x.src).collect(),
            ..planned
        });
    }
    check_all_read(file, layers, &out)?;
    check_readers(file, layers, &out)?;
    Ok(out)
}

/// A flatten's `order`: `hwc` (the default: the elements stay in the
/// stream's order) or `chw`, for the network's output only, which the
/// host then reads in ONNX's (c, h, w) order.
fn flatten_order(cx: &Ctx, x: &Input, last: bool) -> Res<bool> {
    let Some(o) = cx.spec().order.as_ref() else {
        return Ok(false);
    };
    match o.value.as_str() {
        "hwc" => Ok(false),
        "chw" if x.shape.len() != 3 => Err(cx
            .at(o, "`order: chw` of a vector")
            .expected("`order: chw` on a flatten of an image [height, width, channels]")),
        "chw" if !last => Err(cx
            .at(o, "`order: chw` on a flatten that is not the network's output")
            .expected("`order: chw` on the last layer only (a dense layer after a flatten takes any order by the order of its weight columns)")),
        "chw" => Ok(true),
        other => Err(cx
            .at(o, format!("unknown flatten order `{other}`"))
            .expected("`order: hwc` (the default) or `order: chw` (ONNX's order, for the network's output)")),
    }
}

/// No tensor has more readers than a fork serves: each layer input reading
/// it (an `add` of one tensor twice reads it twice) and the network output.
fn check_readers(file: &Path, layers: &[Spanned<LayerSpec>], planned: &[Planned]) -> Res<()> {
    let last = planned.len().saturating_sub(1);
    let mut count: std::collections::BTreeMap<Src, usize> = std::collections::BTreeMap::new();
    count.insert(Src::Layer(last), 1);
    for (i, p) in planned.iter().enumerate() {
        for &s in &p.inputs {
            let n = count.entry(s).or_insert(0);
            *n += 1;
            if *n > MAX_READERS {
                let name = match s {
                    Src::Input => "input".to_string(),
                    Src::Layer(j) => planned[j].name.clone(),
                };
                return Err(at(
                    file,
                    &from_loc(&layers[i]),
                    format!("`{name}` is read a {}th time here", *n),
                )
                .layer(&p.name)
                .expected(format!(
                    "at most {MAX_READERS} readers of one tensor (the network output counts as one, an `add` of one tensor twice as two)"
                )));
            }
        }
    }
    Ok(())
}

/// A planned layer reading `x` (its first input).
fn planned(
    cx: &Ctx,
    x: &Input,
    kind: Kind,
    out_shape: Vec<usize>,
    out_type: TensorType,
) -> Planned {
    Planned {
        name: cx.name.to_string(),
        loc: cx.l.referenced,
        kind,
        inputs: vec![x.src],
        in_shape: x.shape.clone(),
        out_shape,
        in_type: x.ty,
        out_type,
        channel: false,
        thresholds: false,
        chw: false,
    }
}

fn check_keys(cx: &Ctx, kind: OpName) -> Res<()> {
    let allowed = kind.allowed_keys();
    for key in &cx.spec().keys {
        if allowed.contains(&key.value.as_str()) {
            continue;
        }
        if key.value == "act" {
            return Err(cx
                .at(key, format!("{} takes no activation", cx.op.value))
                .expected(
                    "no `act` here: activations belong to dense, conv, dwconv and add layers",
                ));
        }
        return Err(cx
            .at(
                key,
                format!("unknown key `{}` for op `{}`", key.value, cx.op.value),
            )
            .expected(format!("one of {}", allowed.join(", "))));
    }
    Ok(())
}

/// The sources of layer `i`: those named by `from`, or the layer before it
/// (the network input for the first layer).
fn sources(
    cx: &Ctx,
    kind: OpName,
    i: usize,
    layers: &[Spanned<LayerSpec>],
    names: &[String],
    done: &[Planned],
    net_in: &Input,
) -> Res<Vec<Input>> {
    let input = || net_in.clone();
    let layer = |j: usize| Input {
        src: Src::Layer(j),
        name: done[j].name.clone(),
        shape: done[j].out_shape.clone(),
        ty: done[j].out_type,
    };
    let prev = if i == 0 {
        "input"
    } else {
        names[i - 1].as_str()
    };
    let earlier = || {
        let mut v = vec!["input"];
        v.extend(names[..i].iter().map(String::as_str));
        v.join(", ")
    };
    let Some(from) = &cx.spec().from else {
        if kind == OpName::Add {
            return Err(cx
                .here("add has no `from`")
                .expected("`from: [a, b]`, the two layers (or `input`) to add"));
        }
        return Ok(vec![if i == 0 { input() } else { layer(i - 1) }]);
    };
    let items = from.value.items(&from.referenced);
    let mut out = Vec::with_capacity(items.len());
    for (n, loc) in &items {
        let found = if *n == "input" {
            Some(input())
        } else {
            names[..i].iter().position(|x| x == n).map(layer)
        };
        match found {
            Some(x) => out.push(x),
            None => {
                let what = if *n == cx.name {
                    format!("`from` names `{n}`, the layer itself")
                } else if let Some(j) = names[i + 1..].iter().position(|x| x == n) {
                    let line = layers[i + 1 + j]
                        .value
                        .name
                        .as_ref()
                        .map_or(0, |n| n.referenced.line());
                    format!("`from` names `{n}`, which is defined later (line {line})")
                } else {
                    format!("`from` names `{n}`, which does not exist")
                };
                return Err(at(cx.file, loc, what)
                    .layer(cx.name)
                    .expected(format!("`input` or an earlier layer: {}", earlier())));
            }
        }
    }
    let want = if kind == OpName::Add { 2 } else { 1 };
    if out.len() != want {
        let what = match (kind, out.len()) {
            (_, 0) => "`from` is empty".to_string(),
            (OpName::Add, n) => format!("add needs two inputs, `from` names {n}"),
            (_, n) => format!("{} reads one input, `from` names {n}", cx.op.value),
        };
        let expected = if kind == OpName::Add {
            "`from: [a, b]`, exactly two layers (or `input`) to add".to_string()
        } else {
            format!("one layer or `input`, such as `from: [{prev}]`; only `add` reads two")
        };
        return Err(cx.at(from, what).expected(expected));
    }
    Ok(out)
}

/// Every layer but the last must be read by a later layer.
fn check_all_read(file: &Path, layers: &[Spanned<LayerSpec>], planned: &[Planned]) -> Res<()> {
    let last = planned.len().saturating_sub(1);
    for (i, p) in planned.iter().enumerate().take(last) {
        let read = planned[i + 1..]
            .iter()
            .any(|q| q.inputs.contains(&Src::Layer(i)));
        if !read {
            let loc = layers[i]
                .value
                .name
                .as_ref()
                .map_or(p.loc, |n| n.referenced);
            return Err(at(
                file,
                &loc,
                "its output is never read by a later layer",
            )
            .layer(&p.name)
            .expected(format!(
                "`{}` in the `from` of a later layer, or no layer `{}`: only the last layer (the network output) is read by no layer",
                p.name, p.name
            )));
        }
    }
    Ok(())
}

fn elements(file: &Path, shape: &[usize], loc: &Location, name: &str) -> Res<usize> {
    shape
        .iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d))
        .filter(|&n| n <= MAX_ELEMENTS)
        .ok_or_else(|| {
            at(
                file,
                loc,
                format!("tensor of shape {} is too large", shape_str(shape)),
            )
            .layer(name)
            .expected(format!("at most {MAX_ELEMENTS} elements"))
        })
}

fn activation(cx: &Ctx) -> Res<Activation> {
    Ok(match &cx.spec().act {
        None => Activation::None,
        Some(a) => match a.value.as_str() {
            "none" => Activation::None,
            "relu" => Activation::Relu,
            "relu6" => Activation::Relu6,
            other => {
                return Err(cx
                    .at(a, format!("unknown activation `{other}`"))
                    .expected("one of none, relu, relu6"))
            }
        },
    })
}

/// relu6 clamps at 6: the output type must hold 6 exactly.
fn check_relu6(cx: &Ctx, act: Activation, out_type: &TensorType) -> Res<()> {
    if act == Activation::Relu6 && out_type.frac < 0 {
        let place = cx
            .spec()
            .act
            .as_ref()
            .map_or(cx.l.referenced, |a| a.referenced);
        return Err(at(
            cx.file,
            &place,
            format!(
                "relu6 needs an output type with frac >= 0, got {}",
                out_type.short()
            ),
        )
        .layer(cx.name)
        .expected("an output `frac` of 0 or more, or another activation"));
    }
    Ok(())
}

/// `out:` of a layer: 1..=MAX_ELEMENTS.
fn out_count(cx: &Ctx, out: &Spanned<i64>, what: &str) -> Res<usize> {
    if out.value <= 0 || out.value as u64 > MAX_ELEMENTS as u64 {
        return Err(cx
            .at(out, format!("`out: {}` is out of range", out.value))
            .expected(format!("1..={MAX_ELEMENTS} {what}")));
    }
    Ok(out.value as usize)
}

fn dense(cx: &Ctx, x: &Input) -> Res<Planned> {
    let in_features = match x.shape.as_slice() {
        [n] => *n,
        _ => {
            return Err(cx
                .at_op(format!(
                    "dense needs a 1-D input, but `{}` gives shape {}",
                    x.name,
                    shape_str(&x.shape)
                ))
                .expected(format!(
                    "a `flatten` layer before `{}`: {{name: flat, op: flatten}}",
                    cx.name
                )));
        }
    };
    let out = cx.spec().out.as_ref().ok_or_else(|| {
        cx.here("dense layer has no `out`")
            .expected("`out: N`, the number of output features (N > 0)")
    })?;
    let out_n = out_count(cx, out, "output features")?;
    if in_features.saturating_mul(out_n) > MAX_ELEMENTS {
        return Err(cx
            .at(out, format!("{in_features}×{out_n} weights are too many"))
            .expected(format!("at most {MAX_ELEMENTS} weights per layer")));
    }
    let act = activation(cx)?;
    let (wtype, out_type) = policy::resolve(cx.file, cx.policy, cx.name, &cx.l.referenced)?;
    check_relu6(cx, act, &out_type)?;
    let mode = policy::resolve_scale_mode(cx.file, cx.policy, cx.name)?;
    Ok(Planned {
        channel: mode == policy::ScaleMode::Channel,
        thresholds: mode == policy::ScaleMode::Thresholds,
        ..planned(
            cx,
            x,
            Kind::Dense {
                out: out_n,
                act,
                wtype,
            },
            vec![out_n],
            out_type,
        )
    })
}

/// `[h, w, c]` of an input that must be an image.
fn image(cx: &Ctx, x: &Input) -> Res<[usize; 3]> {
    match x.shape.as_slice() {
        &[h, w, c] => Ok([h, w, c]),
        _ => Err(cx
            .at_op(format!(
                "{} needs a 3-D [height, width, channels] input, but `{}` gives shape {}",
                cx.op.value,
                x.name,
                shape_str(&x.shape)
            ))
            .expected(
                "an input of shape [height, width, channels]: the network input or the output of a conv, dwconv, pooling or add layer",
            )),
    }
}

/// `kernel: k | [kh, kw]` or `stride: s | [sh, sw]`, each in `range`.
fn pair(cx: &Ctx, key: &str, v: &Spanned<Dims>, (lo, hi): (i64, i64)) -> Res<[usize; 2]> {
    let expected = || format!("`{key}: n` or `{key}: [h, w]`, each in {lo}..={hi}");
    let check = |n: i64, at: &Location| -> Res<usize> {
        if n < lo || n > hi {
            Err(at_value_loc(cx, at, format!("{key} {n} is out of range")).expected(expected()))
        } else {
            Ok(n as usize)
        }
    };
    match &v.value {
        Dims::One(n) => {
            let n = check(*n, &v.referenced)?;
            Ok([n, n])
        }
        Dims::List(l) if l.len() == 2 => Ok([
            check(l[0].value, &l[0].referenced)?,
            check(l[1].value, &l[1].referenced)?,
        ]),
        Dims::List(l) => Err(cx
            .at(v, format!("`{key}` has {} values", l.len()))
            .expected(expected())),
        Dims::Word(w) => Err(cx
            .at(v, format!("`{key}: {w}` is not a size"))
            .expected(expected())),
    }
}

/// `kernel:` of a conv or pooling layer (required).
fn kernel<'a>(cx: &Ctx<'a>) -> Res<([usize; 2], &'a Spanned<Dims>)> {
    let kv = cx.l.value.kernel.as_ref().ok_or_else(|| {
        cx.here(format!("{} layer has no `kernel`", cx.op.value))
            .expected(KERNEL_EXPECTED)
    })?;
    let k = pair(cx, "kernel", kv, KERNEL_RANGE).map_err(|e| e.expected(KERNEL_EXPECTED))?;
    if k[0] * k[1] > MAX_WINDOW {
        return Err(cx
            .at(
                kv,
                format!(
                    "kernel {}×{} has {} elements, more than {MAX_WINDOW}",
                    k[0],
                    k[1],
                    k[0] * k[1]
                ),
            )
            .expected(KERNEL_EXPECTED));
    }
    Ok((k, kv))
}

fn at_value_loc(cx: &Ctx, loc: &Location, what: String) -> super::diag::Fail {
    at(cx.file, loc, what).layer(cx.name)
}

/// Output size of one dimension: `(n + pads - k) / s + 1`, or `None` when
/// the window does not fit.
fn out_size(n: usize, pads: usize, k: usize, s: usize) -> Option<usize> {
    (n + pads).checked_sub(k).map(|d| d / s + 1)
}

/// `pad: p | [ph, pw] | [top, left, bottom, right] | same` as
/// `[top, left, bottom, right]`.
fn padding(
    cx: &Ctx,
    v: &Spanned<Dims>,
    kernel: [usize; 2],
    stride: [usize; 2],
    hw: [usize; 2],
) -> Res<[usize; 4]> {
    let expected = "`pad: p`, `pad: [ph, pw]` (top/bottom, left/right), `pad: [top, left, bottom, right]` or `pad: same`, each pad smaller than the kernel";
    let nonneg = |n: i64, at: &Location| -> Res<usize> {
        if n < 0 {
            Err(at_value_loc(cx, at, format!("pad {n} is negative")).expected(expected))
        } else {
            Ok(usize::try_from(n).unwrap_or(usize::MAX))
        }
    };
    let pad = match &v.value {
        Dims::One(n) => {
            let p = nonneg(*n, &v.referenced)?;
            [p, p, p, p]
        }
        Dims::List(l) if l.len() == 2 => {
            let ph = nonneg(l[0].value, &l[0].referenced)?;
            let pw = nonneg(l[1].value, &l[1].referenced)?;
            [ph, pw, ph, pw]
        }
        Dims::List(l) if l.len() == 4 => {
            let mut p = [0; 4];
            for (d, v) in p.iter_mut().zip(l) {
                *d = nonneg(v.value, &v.referenced)?;
            }
            p
        }
        Dims::List(l) => {
            return Err(cx
                .at(v, format!("`pad` has {} values", l.len()))
                .expected(expected))
        }
        Dims::Word(w) if w == "same" => {
            let [th, tw] = [0, 1].map(|d| {
                let (n, k, s) = (hw[d], kernel[d], stride[d]);
                let out = n.div_ceil(s);
                ((out - 1) * s + k).saturating_sub(n)
            });
            [th / 2, tw / 2, th - th / 2, tw - tw / 2]
        }
        Dims::Word(w) => {
            return Err(cx
                .at(v, format!("unknown padding `{w}`"))
                .expected(expected))
        }
    };
    let [kh, kw] = kernel;
    for (p, k, dim) in [
        (pad[0], kh, "top/bottom"),
        (pad[1], kw, "left/right"),
        (pad[2], kh, "top/bottom"),
        (pad[3], kw, "left/right"),
    ] {
        if p >= k {
            let which = if dim == "top/bottom" {
                "height"
            } else {
                "width"
            };
            return Err(cx
                .at(
                    v,
                    format!("{dim} padding {p} is not smaller than the kernel {which} {k}"),
                )
                .expected(format!(
                    "padding smaller than the kernel in each dimension (kernel {kh}×{kw}: pad < {kh} top/bottom, < {kw} left/right)"
                )));
        }
    }
    Ok(pad)
}

fn conv(cx: &Ctx, x: &Input, depthwise: bool) -> Res<Planned> {
    let [h, w, c] = image(cx, x)?;
    let (kernel, kv) = kernel(cx)?;
    let stride = match &cx.spec().stride {
        Some(s) => pair(cx, "stride", s, STRIDE_RANGE)?,
        None => [1, 1],
    };
    let pad = match &cx.spec().pad {
        Some(p) => padding(cx, p, kernel, stride, [h, w])?,
        None => [0; 4],
    };
    let out = if depthwise {
        if let Some(o) = &cx.spec().out {
            if o.value != c as i64 {
                return Err(cx
                    .at(
                        o,
                        format!(
                            "dwconv with `out: {}` on {c} input channels: channel multipliers are not supported",
                            o.value
                        ),
                    )
                    .expected(format!("`out: {c}` (the input channels) or no `out`")));
            }
        }
        c
    } else {
        let o = cx.spec().out.as_ref().ok_or_else(|| {
            cx.here("conv layer has no `out`")
                .expected("`out: N`, the number of output channels (N > 0)")
        })?;
        let n = out_count(cx, o, "output channels")?;
        let weights = n
            .checked_mul(kernel[0] * kernel[1])
            .and_then(|v| v.checked_mul(c));
        if weights.is_none_or(|v| v > MAX_ELEMENTS) {
            return Err(cx
                .at(
                    o,
                    format!("{n}×{}×{}×{c} weights are too many", kernel[0], kernel[1]),
                )
                .expected(format!("at most {MAX_ELEMENTS} weights per layer")));
        }
        n
    };
    let oh = out_size(h, pad[0] + pad[2], kernel[0], stride[0]);
    let ow = out_size(w, pad[1] + pad[3], kernel[1], stride[1]);
    let (Some(oh), Some(ow)) = (oh, ow) else {
        return Err(cx
            .at(
                kv,
                format!(
                    "a {}×{} kernel does not fit the {h}×{w} input padded to {}×{}",
                    kernel[0],
                    kernel[1],
                    h + pad[0] + pad[2],
                    w + pad[1] + pad[3]
                ),
            )
            .expected("a kernel no larger than the padded input in each dimension"));
    };
    let out_shape = vec![oh, ow, out];
    elements(cx.file, &out_shape, &cx.l.referenced, cx.name)?;
    let act = activation(cx)?;
    let (wtype, out_type) = policy::resolve(cx.file, cx.policy, cx.name, &cx.l.referenced)?;
    check_relu6(cx, act, &out_type)?;
    let mode = policy::resolve_scale_mode(cx.file, cx.policy, cx.name)?;
    if mode != policy::ScaleMode::Layer && depthwise {
        return Err(cx
            .here("per-channel weight scales or thresholds on a depthwise convolution are not supported yet")
            .expected("`scale: layer` for dwconv layers (conv and dense take `scale: channel` and `scale: thresholds`)"));
    }
    Ok(Planned {
        channel: mode == policy::ScaleMode::Channel,
        thresholds: mode == policy::ScaleMode::Thresholds,
        ..planned(
            cx,
            x,
            Kind::Conv {
                out,
                kernel,
                stride,
                pad,
                depthwise,
                act,
                wtype,
            },
            out_shape,
            out_type,
        )
    })
}

fn pool(cx: &Ctx, x: &Input, kind: PoolKind) -> Res<Planned> {
    let [h, w, c] = image(cx, x)?;
    let op = cx.op.value.as_str();
    let (kernel, kv) = kernel(cx)?;
    let stride = match &cx.spec().stride {
        Some(s) => pair(cx, "stride", s, STRIDE_RANGE)?,
        None => {
            // the default stride is the kernel; where the window fits only
            // once, any stride above the slack takes the same single step
            let stride = [0, 1].map(|d| {
                let n = [h, w][d];
                kernel[d].min(n.saturating_sub(kernel[d]) + 1)
            });
            let (lo, hi) = STRIDE_RANGE;
            if stride.iter().any(|&s| s as i64 > hi) {
                return Err(cx
                    .at(
                        kv,
                        format!(
                            "the default stride of {op} is its kernel {}×{}, above the largest stride {hi}",
                            kernel[0], kernel[1]
                        ),
                    )
                    .expected(format!(
                        "`stride: [sh, sw]` each in {lo}..={hi}, or a kernel of at most {hi}×{hi}"
                    )));
            }
            stride
        }
    };
    if let Some(p) = &cx.spec().pad {
        let zero = match &p.value {
            Dims::One(n) => *n == 0,
            Dims::List(l) => l.len() == 2 && l.iter().all(|v| v.value == 0),
            Dims::Word(_) => false,
        };
        if !zero {
            return Err(cx
                .at(p, "pooling padding is not supported")
                .expected(format!(
                    "no `pad` (or `pad: 0`) on {op}: pad with the convolution before it"
                )));
        }
    }
    let oh = out_size(h, 0, kernel[0], stride[0]);
    let ow = out_size(w, 0, kernel[1], stride[1]);
    let (Some(oh), Some(ow)) = (oh, ow) else {
        return Err(cx
            .at(
                kv,
                format!(
                    "a {}×{} window does not fit the {h}×{w} input",
                    kernel[0], kernel[1]
                ),
            )
            .expected(format!(
                "a window no larger than the input ({h}×{w}), or `gavgpool` to average all pixels"
            )));
    };
    let out_type = match kind {
        // no rounding: the input's codes and range
        PoolKind::Max => TensorType {
            round: RoundMode::default(),
            ..x.ty
        },
        PoolKind::Avg => {
            let t = policy::resolve_acts(cx.file, cx.policy, cx.name, &cx.l.referenced)?;
            check_average(cx, (kernel[0] * kernel[1]) as u64, &x.ty, &t)?;
            t
        }
    };
    Ok(planned(
        cx,
        x,
        Kind::Pool {
            kind,
            kernel,
            stride,
        },
        vec![oh, ow, c],
        out_type,
    ))
}

fn gavgpool(cx: &Ctx, x: &Input) -> Res<Planned> {
    let [h, w, c] = image(cx, x)?;
    let out_type = policy::resolve_acts(cx.file, cx.policy, cx.name, &cx.l.referenced)?;
    check_average(cx, (h * w) as u64, &x.ty, &out_type)?;
    Ok(planned(cx, x, Kind::GlobalAvgPool, vec![c], out_type))
}

/// An average of `n` codes of type `inp` to `out` must fit the divider of
/// `tomatl_avg` (`ir::limits::average_params`).
fn check_average(cx: &Ctx, n: u64, inp: &TensorType, out: &TensorType) -> Res<()> {
    let what = match average_params(n, inp, out.frac) {
        Ok(_) => return Ok(()),
        Err(AvgLimit::Lshift(d)) => format!(
            "the output frac {} is {d} above the input's {}",
            out.frac, inp.frac
        ),
        Err(AvgLimit::Div(div)) => format!(
            "the average of {n} codes from frac {} to frac {} divides by {div}",
            inp.frac, out.frac
        ),
        Err(AvgLimit::SumBits(b)) => format!("the sum of {n} codes needs {b} bits"),
    };
    Err(cx.here(what).expected(format!(
        "an output frac at most {MAX_AVG_LSHIFT} above the input's, and a divisor (codes averaged × 2^(frac_in − frac_out)) of at most {MAX_AVG_DIV}"
    )))
}

fn add(cx: &Ctx, inputs: &[Input]) -> Res<Planned> {
    let (a, b) = (&inputs[0], &inputs[1]);
    if a.shape != b.shape {
        return Err(cx
            .at_from(format!(
                "add of different shapes: `{}` gives {}, `{}` gives {}",
                a.name,
                shape_str(&a.shape),
                b.name,
                shape_str(&b.shape)
            ))
            .expected("two inputs of one shape"));
    }
    if add_shifts(a.ty.frac, b.ty.frac).is_none() {
        return Err(cx
            .at_from(format!(
                "add of `{}` ({}) and `{}` ({}): binary points {} apart",
                a.name,
                a.ty.short(),
                b.name,
                b.ty.short(),
                (a.ty.frac - b.ty.frac).abs()
            ))
            .expected(format!(
                "inputs whose `frac` differ by at most {MAX_ADD_SHIFT}"
            )));
    }
    let act = activation(cx)?;
    let out_type = policy::resolve_acts(cx.file, cx.policy, cx.name, &cx.l.referenced)?;
    check_relu6(cx, act, &out_type)?;
    Ok(planned(cx, a, Kind::Add { act }, a.shape.clone(), out_type))
}
