//! frontend stage: the network description (YAML) and its parameters become
//! a typed, shape-inferred, quantized [`ir::Graph`].
//!
//! Every problem with the input is an [`InputError`] naming the file, the
//! place (line:col, layer) and what would be right.

pub mod arith;
mod arrays;
mod diag;
mod layers;
mod npy;
mod params;
mod policy;
pub mod quantize;
pub mod read;
pub mod spec;
mod tensors;
pub mod write;

use std::path::Path;

use crate::error::Error;
use crate::ir::limits::{
    ACC_BITS_RANGE, MAX_LAYERS, MAX_LAYER_PARAMS, MAX_LAYER_WEIGHT_BITS, MAX_NETWORK_NAME,
    MAX_NETWORK_PARAMS, MAX_NETWORK_WEIGHT_BITS,
};
use crate::ir::numerics::MULT_BITS;
use crate::ir::numerics::{acc_bits_for, dot_range};
use crate::ir::types::{INPUT_BITS_RANGE, MAX_ACC_BITS};
use crate::ir::{self, Conv, Dense, Layer, Op, Pool, WeightType};

use diag::{at, at_value, check_identifier, Res};
use layers::{Kind, Planned};
use params::Params;
use policy::TypeFields;
use spec::required;

pub use arith::ArithSpec;
pub use policy::FRAC_RANGE;
pub use tensors::{read_labels, read_real_tensor, read_tensor, write_tensor};

/// Read a network description and its parameters: validate, infer shapes,
/// quantize.
pub fn load(path: &Path) -> Result<ir::Graph, Error> {
    let yaml = read::read_text_bounded(path, read::MAX_DESCRIPTION_BYTES, "network description")?;
    load_str(&yaml, path)
}

/// [`load`] with the YAML given as text; `path` names it in messages and is
/// the base of relative paths inside it.
pub fn load_str(yaml: &str, path: &Path) -> Result<ir::Graph, Error> {
    Ok(build(yaml, path)?)
}

/// The weight file a network description names (`params: {file: ...}`),
/// resolved against the description's folder; `None` for random weights.
/// The description must load: call after [`load`].
pub fn weight_file(path: &Path) -> Result<Option<std::path::PathBuf>, Error> {
    let yaml = read::read_text_bounded(path, read::MAX_DESCRIPTION_BYTES, "network description")?;
    let doc = spec::parse(&yaml, path)?;
    let file = doc
        .value
        .params
        .as_ref()
        .and_then(|p| p.value.file.as_ref())
        .map(|f| path.parent().unwrap_or(Path::new("")).join(&f.value));
    Ok(file)
}

fn build(yaml: &str, file: &Path) -> Res<ir::Graph> {
    let doc = spec::parse(yaml, file)?;
    let (net, root) = (&doc.value, &doc.referenced);
    let name = required(file, &net.name, "name", root, "`name: <identifier>`")?;
    check_identifier(file, name, "network name")?;
    if name.value.len() > MAX_NETWORK_NAME {
        return Err(at_value(
            file,
            name,
            format!("network name has {} characters", name.value.len()),
        )
        .expected(format!(
            "at most {MAX_NETWORK_NAME} characters: the name becomes the top module `<name>_top`"
        )));
    }

    let input = required(
        file,
        &net.input,
        "input",
        root,
        "`input: {shape: [...], type: {bits: N, signed: true|false, frac: N}}`",
    )?;
    let shape = required(
        file,
        &input.value.shape,
        "shape",
        &input.referenced,
        "`shape: [features]` or `shape: [height, width, channels]`",
    )?;
    let ty = required(
        file,
        &input.value.ty,
        "type",
        &input.referenced,
        "`type: {bits: N, signed: true|false, frac: N}`",
    )?;
    let params_spec = required(
        file,
        &net.params,
        "params",
        root,
        "`params: {random: {seed: N}}` or `params: {file: weights.npz}`",
    )?;
    let layer_list = required(
        file,
        &net.layers,
        "layers",
        root,
        "`layers:` followed by a list of layers",
    )?;

    let input_shape = input_shape(file, shape)?;
    if let Some(r) = &ty.value.round {
        return Err(at_value(file, r, "the network input is not rounded")
            .expected("`round:` in a layer's `acts:` (the input type takes bits, signed, frac)"));
    }
    if let Some(n) = &ty.value.narrow {
        return Err(at_value(file, n, "the network input has no narrow range")
            .expected("`narrow:` in a layer's `acts:` (the input type takes bits, signed, frac)"));
    }
    let input_type = policy::tensor_type(
        file,
        TypeFields::of(&ty.value),
        "input type",
        INPUT_BITS_RANGE,
        &ty.referenced,
    )
    .map_err(|e| {
        if e.has_expected() {
            e
        } else {
            e.expected("`type: {bits: N, signed: true|false, frac: N}`")
        }
    })?;

    let specs = &layer_list.value;
    if specs.is_empty() {
        return Err(at_value(file, layer_list, "the network has no layers")
            .expected("at least one layer, such as {name: fc1, op: dense, out: 10}"));
    }
    if specs.len() > MAX_LAYERS {
        return Err(at_value(
            file,
            layer_list,
            format!("the network has {} layers", specs.len()),
        )
        .expected(format!("at most {MAX_LAYERS} layers")));
    }
    let names = layers::check_names(file, specs)?;
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let policy = net.policy.as_ref().map(|p| &p.value);
    policy::check_layer_names(file, policy, &name_refs)?;
    let planned = layers::plan(file, specs, &names, policy, &input_shape, input_type)?;
    if planned.iter().all(|l| matches!(l.kind, Kind::Flatten)) {
        return Err(at_value(
            file,
            layer_list,
            "the network has only `flatten` layers: no layer becomes hardware",
        )
        .expected("at least one dense, conv, dwconv, maxpool, avgpool, gavgpool or add layer"));
    }
    check_budget(file, layer_list, &planned)?;

    let p = &params_spec.value;
    let params = match (&p.random, &p.file) {
        (Some(r), None) => params::random(r.value.seed.value, &planned),
        (None, Some(f)) => params::from_npz(file, f, &planned)?,
        _ => {
            return Err(at_value(
                file,
                params_spec,
                "`params` needs exactly one of `random` and `file`",
            )
            .expected("`params: {random: {seed: N}}` or `params: {file: weights.npz}`"))
        }
    };

    let output_chw = planned
        .last()
        .filter(|l| l.chw)
        .and_then(|l| <[usize; 3]>::try_from(l.in_shape.as_slice()).ok());
    let layers = planned
        .into_iter()
        .zip(params)
        .map(|(l, p)| finish(file, l, p))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ir::Graph {
        name: name.value.clone(),
        input_shape,
        input_type,
        layers,
        output_chw,
    })
}

fn input_shape(file: &Path, shape: &spec::Spanned<Vec<spec::Spanned<i64>>>) -> Res<Vec<usize>> {
    let expected = "`shape: [features]` or `shape: [height, width, channels]`, each at least 1";
    if !matches!(shape.value.len(), 1 | 3) {
        return Err(at_value(
            file,
            shape,
            format!("input shape has {} dimensions", shape.value.len()),
        )
        .expected(expected));
    }
    let mut dims = Vec::with_capacity(shape.value.len());
    for d in &shape.value {
        if d.value < 1 || d.value as u64 > layers::MAX_ELEMENTS as u64 {
            return Err(at_value(
                file,
                d,
                format!("input dimension {} is out of range", d.value),
            )
            .expected(expected));
        }
        dims.push(d.value as usize);
    }
    let total = dims.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    if total.is_none_or(|n| n > layers::MAX_ELEMENTS) {
        return Err(at_value(file, shape, "input shape is too large")
            .expected(format!("at most {} elements", layers::MAX_ELEMENTS)));
    }
    Ok(dims)
}

/// The parameter budget of each layer and of the network, checked from the
/// shapes alone, before any weight is read or drawn. ROM bits count codes,
/// biases at the widest accumulator and per-channel multipliers.
fn check_budget<T>(file: &Path, list: &spec::Spanned<T>, planned: &[Planned]) -> Res<()> {
    let (mut params, mut bits) = (0u64, 0u64);
    for l in planned {
        let Some(ws) = l.weights() else { continue };
        let n = ws.rows as u64 * ws.cols as u64;
        let thresholds = if l.thresholds {
            let span = (l.out_type.max_code() - l.out_type.min_code()) as u64;
            span * (u64::from(ACC_BITS_RANGE.1) + 1) + 1
        } else {
            0
        };
        let per_row = u64::from(ACC_BITS_RANGE.1)
            + if l.channel { u64::from(MULT_BITS) } else { 0 }
            + thresholds;
        let b = n * u64::from(ws.wtype.bits) + ws.rows as u64 * per_row;
        let over = |what: String, limit: String| {
            at(file, &l.loc, what)
                .layer(&l.name)
                .expected(format!("{limit} per layer: fewer or narrower weights"))
        };
        if n > MAX_LAYER_PARAMS {
            return Err(over(
                format!("{n} weights"),
                format!("at most {MAX_LAYER_PARAMS} weights"),
            ));
        }
        if b > MAX_LAYER_WEIGHT_BITS {
            return Err(over(
                format!("{b} bits of weight and bias memory"),
                format!("at most {MAX_LAYER_WEIGHT_BITS} bits"),
            ));
        }
        params += n;
        bits += b;
    }
    if params > MAX_NETWORK_PARAMS {
        return Err(
            at_value(file, list, format!("the network has {params} weights"))
                .expected(format!("at most {MAX_NETWORK_PARAMS} weights in a network")),
        );
    }
    if bits > MAX_NETWORK_WEIGHT_BITS {
        return Err(at_value(
            file,
            list,
            format!("the network needs {bits} bits of weight and bias memory"),
        )
        .expected(format!(
            "at most {MAX_NETWORK_WEIGHT_BITS} bits in a network"
        )));
    }
    Ok(())
}

/// The ir layer, with the accumulator width of a layer with weights.
fn finish(file: &Path, l: Planned, p: Option<Params>) -> Res<Layer> {
    let missing = || at(file, &l.loc, "no parameters were produced for this layer").layer(&l.name);
    let op = match l.kind {
        Kind::Flatten => Op::Flatten,
        Kind::GlobalAvgPool => Op::GlobalAvgPool,
        Kind::Add { act } => Op::Add { act },
        Kind::Pool {
            kind,
            kernel,
            stride,
        } => Op::Pool(Pool {
            kind,
            kernel,
            stride,
        }),
        Kind::Dense { out, act, wtype } => {
            let p = p.ok_or_else(missing)?;
            let channel = channel_scale(file, &l, &wtype, &p)?;
            let acc_bits = acc_bits(file, &l, &wtype, &p)?;
            let thresholds = thresholds(file, &l, &p, acc_bits)?;
            Op::Dense(Dense {
                in_features: l.in_shape.iter().product(),
                out_features: out,
                wtype,
                channel,
                thresholds,
                acc_bits,
                codes: p.codes,
                bias: p.bias,
                act,
                real: p.real,
            })
        }
        Kind::Conv {
            out,
            kernel,
            stride,
            pad,
            depthwise,
            act,
            wtype,
        } => {
            let p = p.ok_or_else(missing)?;
            let channel = channel_scale(file, &l, &wtype, &p)?;
            let acc_bits = acc_bits(file, &l, &wtype, &p)?;
            let thresholds = thresholds(file, &l, &p, acc_bits)?;
            Op::Conv(Conv {
                channel,
                thresholds,
                in_ch: l.in_shape.last().copied().unwrap_or(0),
                out_ch: out,
                kernel,
                stride,
                pad,
                depthwise,
                wtype,
                acc_bits,
                codes: p.codes,
                bias: p.bias,
                act,
                real: p.real,
            })
        }
    };
    Ok(Layer {
        name: l.name,
        op,
        inputs: l.inputs,
        in_shape: l.in_shape,
        out_shape: l.out_shape,
        in_type: l.in_type,
        out_type: l.out_type,
    })
}

/// The thresholds of a layer with `scale: thresholds` (docs/numerics.md
/// §4.2): as many per channel as output code steps (or one for a bipolar
/// output, codes −1 and +1 of a narrow signed 2-bit type), each row
/// ascending, moved into the range the accumulator's comparators hold.
fn thresholds(file: &Path, l: &Planned, p: &Params, acc_bits: u32) -> Res<Option<ir::Thresholds>> {
    let Some(raw) = &p.thresholds else {
        return Ok(None);
    };
    let out = &l.out_type;
    let span = out.max_code() - out.min_code();
    let n = raw.t.ncols() as i64;
    let step = if n == span {
        1
    } else if span == 2 && n == 1 {
        2
    } else {
        return Err(at(
            file,
            &l.loc,
            format!("{n} thresholds per channel for a {}-code output", span + 1),
        )
        .layer(&l.name)
        .expected(format!(
            "{span} thresholds per channel (one per output code step{})",
            if span == 2 {
                "; 1 for a bipolar −1/+1 output"
            } else {
                ""
            }
        )));
    };
    if n as usize > ir::numerics::MAX_THRESHOLDS {
        return Err(at(file, &l.loc, format!("{n} thresholds per channel"))
            .layer(&l.name)
            .expected(format!(
                "at most {} (an output of at most 8 bits)",
                ir::numerics::MAX_THRESHOLDS
            )));
    }
    for (o, row) in raw.t.rows().into_iter().enumerate() {
        if let Some(k) = (1..row.len()).find(|&k| row[k] < row[k - 1]) {
            return Err(at(
                file,
                &l.loc,
                format!(
                    "the thresholds of channel {o} fall at index {k} ({} after {})",
                    row[k],
                    row[k - 1]
                ),
            )
            .layer(&l.name)
            .expected("each channel's thresholds in ascending order"));
        }
    }
    Ok(Some(ir::Thresholds {
        t: raw.t.mapv(|t| ir::numerics::clamp_threshold(t, acc_bits)),
        descending: raw.descending.clone(),
        step,
        scale: raw.scale,
    }))
}

/// The per-channel multipliers of a layer with `scale: channel`: factors
/// `scale_o · 2^(frac_out − frac_acc)` to 16-bit multipliers and one shift.
fn channel_scale(
    file: &Path,
    l: &Planned,
    wtype: &WeightType,
    p: &Params,
) -> Res<Option<ir::ChannelScale>> {
    let Some(scale) = &p.scale else {
        return Ok(None);
    };
    let e = l.out_type.frac - (l.in_type.frac + wtype.frac);
    let factors: Vec<f64> = scale.iter().map(|s| s * 2f64.powi(e)).collect();
    match ir::numerics::channel_multipliers(&factors) {
        Some((mult, shift)) => Ok(Some(ir::ChannelScale { mult, shift })),
        None => Err(at(file, &l.loc, "a per-channel scale needs a multiplier of 2^16 or more")
            .layer(&l.name)
            .expected("scales · 2^(frac_out − frac_in − frac_w) below 65536: a smaller output frac or larger weight frac")),
    }
}

/// The accumulator width of a layer: per output channel (row of codes),
/// the range of `bias + Σ x·w` over the whole input range; padding adds
/// zeros, which lie inside it.
fn acc_bits(file: &Path, l: &Planned, wtype: &WeightType, p: &Params) -> Res<u32> {
    let (amin, amax) = (l.in_type.min_code(), l.in_type.max_code());
    let mut acc_bits = Some(ACC_BITS_RANGE.0);
    for (row, &b) in p.codes.rows().into_iter().zip(p.bias.iter()) {
        let (lo, hi) = dot_range(b, row.iter().map(|&c| wtype.value(c)), amin, amax);
        acc_bits = match (acc_bits, acc_bits_for(lo, hi)) {
            (Some(a), Some(b)) => Some(a.max(b)),
            _ => None,
        };
    }
    match acc_bits {
        Some(bits) if bits <= MAX_ACC_BITS => Ok(bits),
        _ => {
            let need = acc_bits.map_or("more than 64".to_string(), |b| b.to_string());
            Err(
                at(file, &l.loc, format!("the accumulator needs {need} bits"))
                    .layer(&l.name)
                    .expected(format!(
                    "at most {MAX_ACC_BITS} bits: use narrower weights or inputs, or smaller biases"
                )),
            )
        }
    }
}
