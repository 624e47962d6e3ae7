//! The layer list: names, ops, keys, connections, shapes and types, checked
//! in file order.

use std::path::Path;

use serde_saphyr::{Location, Spanned};

use super::diag::{at, at_value, check_identifier, shape_str, Res};
use super::policy;
use super::spec::{LayerSpec, PolicySpec};
use crate::ir::{Activation, TensorType, WeightType};

/// Ops of the format that a later version will build.
const FUTURE_OPS: [&str; 6] = ["conv", "dwconv", "maxpool", "avgpool", "gavgpool", "add"];
const ALL_OPS: &str = "dense, flatten, conv, dwconv, maxpool, avgpool, gavgpool, add";

/// Largest number of elements of a tensor, and of weights of one layer.
pub const MAX_ELEMENTS: usize = 1 << 26;

/// A layer with everything but its parameters.
pub struct Planned {
    pub name: String,
    pub loc: Location,
    pub kind: Kind,
    pub in_shape: Vec<usize>,
    pub out_shape: Vec<usize>,
    pub in_type: TensorType,
    pub out_type: TensorType,
}

pub enum Kind {
    Dense {
        out: usize,
        act: Activation,
        wtype: WeightType,
    },
    Flatten,
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
    let mut out: Vec<Planned> = Vec::with_capacity(layers.len());
    for (i, (l, name)) in layers.iter().zip(names).enumerate() {
        let (prev, in_shape, in_type) = match out.last() {
            Some(p) => (p.name.as_str(), p.out_shape.clone(), p.out_type),
            None => ("input", input_shape.to_vec(), input_type),
        };
        let spec = &l.value;
        let op = spec.op.as_ref().ok_or_else(|| {
            at(file, &l.referenced, "layer has no `op`")
                .layer(name)
                .expected(format!("`op:` one of {ALL_OPS}"))
        })?;
        let allowed: &[&str] = match op.value.as_str() {
            "dense" => &["name", "op", "from", "out", "act"],
            "flatten" => &["name", "op", "from"],
            o if FUTURE_OPS.contains(&o) => {
                return Err(at_value(file, op, format!("op `{o}` is not supported yet"))
                    .layer(name)
                    .expected("dense or flatten"));
            }
            o => {
                return Err(at_value(file, op, format!("unknown op `{o}`"))
                    .layer(name)
                    .expected(format!("one of {ALL_OPS}")));
            }
        };
        for key in &spec.keys {
            if !allowed.contains(&key.value.as_str()) {
                return Err(at_value(
                    file,
                    key,
                    format!("unknown key `{}` for op `{}`", key.value, op.value),
                )
                .layer(name)
                .expected(format!("one of {}", allowed.join(", "))));
            }
        }
        check_from(file, spec, name, prev, &names[..i], &names[i + 1..])?;
        let planned = match op.value.as_str() {
            "dense" => dense(file, l, name, policy, in_shape, in_type, prev)?,
            _ => {
                let n = elements(file, &in_shape, &l.referenced, name)?;
                Planned {
                    name: name.clone(),
                    loc: l.referenced,
                    kind: Kind::Flatten,
                    in_shape,
                    out_shape: vec![n],
                    in_type,
                    out_type: in_type,
                }
            }
        };
        out.push(planned);
    }
    Ok(out)
}

/// `from`, when given, must name exactly the previous layer.
fn check_from(
    file: &Path,
    spec: &LayerSpec,
    name: &str,
    prev: &str,
    earlier: &[String],
    later: &[String],
) -> Res<()> {
    let Some(from) = &spec.from else {
        return Ok(());
    };
    for f in &from.value {
        let v = f.value.as_str();
        if v != "input" && !earlier.iter().any(|n| n == v) {
            let what = if later.iter().any(|n| n == v) || v == name {
                format!("`from` names `{v}`, which is not before this layer")
            } else {
                format!("`from` names unknown layer `{v}`")
            };
            return Err(at_value(file, f, what)
                .layer(name)
                .expected(format!("`from: [{prev}]`, the previous layer")));
        }
    }
    match from.value.as_slice() {
        [f] if f.value == prev => Ok(()),
        _ => Err(at_value(file, from, "branches are not supported yet")
            .layer(name)
            .expected(format!(
                "`from: [{prev}]` (the previous layer) or no `from`"
            ))),
    }
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

fn dense(
    file: &Path,
    l: &Spanned<LayerSpec>,
    name: &str,
    policy: Option<&PolicySpec>,
    in_shape: Vec<usize>,
    in_type: TensorType,
    prev: &str,
) -> Res<Planned> {
    let spec = &l.value;
    let in_features = match in_shape.as_slice() {
        [n] => *n,
        _ => {
            let at_op = spec.op.as_ref().map_or(l.referenced, |o| o.referenced);
            return Err(at(
                file,
                &at_op,
                format!(
                    "dense needs a 1-D input, but `{prev}` gives shape {}",
                    shape_str(&in_shape)
                ),
            )
            .layer(name)
            .expected(format!(
                "a `flatten` layer before `{name}`: {{name: flat, op: flatten}}"
            )));
        }
    };
    let out = spec.out.as_ref().ok_or_else(|| {
        at(file, &l.referenced, "dense layer has no `out`")
            .layer(name)
            .expected("`out: N`, the number of output features (N > 0)")
    })?;
    if out.value <= 0 || out.value as u64 > MAX_ELEMENTS as u64 {
        return Err(
            at_value(file, out, format!("`out: {}` is out of range", out.value))
                .layer(name)
                .expected(format!("1..={MAX_ELEMENTS} output features")),
        );
    }
    let out_n = out.value as usize;
    if in_features.saturating_mul(out_n) > MAX_ELEMENTS {
        return Err(at_value(
            file,
            out,
            format!("{in_features}×{out_n} weights are too many"),
        )
        .layer(name)
        .expected(format!("at most {MAX_ELEMENTS} weights per layer")));
    }
    let act = match &spec.act {
        None => Activation::None,
        Some(a) => match a.value.as_str() {
            "none" => Activation::None,
            "relu" => Activation::Relu,
            "relu6" => Activation::Relu6,
            other => {
                return Err(at_value(file, a, format!("unknown activation `{other}`"))
                    .layer(name)
                    .expected("one of none, relu, relu6"))
            }
        },
    };
    let (wtype, out_type) = policy::resolve(file, policy, name, &l.referenced)?;
    if act == Activation::Relu6 && out_type.frac < 0 {
        let place = spec.act.as_ref().map_or(l.referenced, |a| a.referenced);
        return Err(at(
            file,
            &place,
            format!(
                "relu6 needs an output type with frac >= 0, got {}",
                out_type.short()
            ),
        )
        .layer(name)
        .expected("an output `frac` of 0 or more, or another activation"));
    }
    Ok(Planned {
        name: name.to_string(),
        loc: l.referenced,
        kind: Kind::Dense {
            out: out_n,
            act,
            wtype,
        },
        in_shape,
        out_shape: vec![out_n],
        in_type,
        out_type,
    })
}
