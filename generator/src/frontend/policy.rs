//! The precision policy: defaults and per-layer overrides resolved into the
//! weight type and output type of each layer.

use std::path::Path;

use serde_saphyr::Location;

use super::arith::{arith_named, ArithSpec, Form, Problem};
use super::diag::{at, at_value, Fail, Res};
use super::spec::{LayerPolicySpec, PolicySpec, Spanned, TypeSpec, WeightSpec};
use crate::ir::types::ACT_BITS_RANGE;
use crate::ir::{RoundMode, TensorType, WeightType};

pub use crate::ir::limits::FRAC_RANGE;

/// The settings of one policy entry, each field possibly missing.
struct Merged<'a> {
    weights: WeightFields<'a>,
    acts: TypeFields<'a>,
}

#[derive(Default, Clone, Copy)]
struct WeightFields<'a> {
    arith: Option<&'a Spanned<String>>,
    bits: Option<&'a Spanned<i64>>,
    frac: Option<&'a Spanned<i64>>,
    scale: Option<&'a Spanned<String>>,
}

/// Fields of a tensor type, each possibly missing.
#[derive(Default, Clone, Copy)]
pub struct TypeFields<'a> {
    pub bits: Option<&'a Spanned<i64>>,
    pub signed: Option<&'a Spanned<bool>>,
    pub frac: Option<&'a Spanned<i64>>,
    pub round: Option<&'a Spanned<String>>,
    pub narrow: Option<&'a Spanned<bool>>,
}

impl<'a> TypeFields<'a> {
    pub fn of(t: &'a TypeSpec) -> Self {
        TypeFields {
            bits: t.bits.as_ref(),
            signed: t.signed.as_ref(),
            frac: t.frac.as_ref(),
            round: t.round.as_ref(),
            narrow: t.narrow.as_ref(),
        }
    }

    fn over(self, base: TypeFields<'a>) -> Self {
        TypeFields {
            bits: self.bits.or(base.bits),
            signed: self.signed.or(base.signed),
            frac: self.frac.or(base.frac),
            round: self.round.or(base.round),
            narrow: self.narrow.or(base.narrow),
        }
    }
}

impl<'a> WeightFields<'a> {
    fn of(w: &'a WeightSpec) -> Self {
        WeightFields {
            arith: w.arith.as_ref(),
            bits: w.bits.as_ref(),
            frac: w.frac.as_ref(),
            scale: w.scale.as_ref(),
        }
    }

    /// A layer's weights replace the default when they name an arithmetic,
    /// otherwise they refine it field by field.
    fn over(self, base: WeightFields<'a>) -> Self {
        if self.arith.is_some() {
            WeightFields {
                scale: self.scale.or(base.scale),
                ..self
            }
        } else {
            WeightFields {
                arith: base.arith,
                bits: self.bits.or(base.bits),
                frac: self.frac.or(base.frac),
                scale: self.scale.or(base.scale),
            }
        }
    }
}

fn fields(p: Option<&LayerPolicySpec>) -> Merged<'_> {
    Merged {
        weights: p
            .and_then(|p| p.weights.as_ref())
            .map(|w| WeightFields::of(&w.value))
            .unwrap_or_default(),
        acts: p
            .and_then(|p| p.acts.as_ref())
            .map(|a| TypeFields::of(&a.value))
            .unwrap_or_default(),
    }
}

/// Check that every `policy.layers` entry names a layer.
pub fn check_layer_names(file: &Path, policy: Option<&PolicySpec>, layers: &[&str]) -> Res<()> {
    let Some(map) = policy.and_then(|p| p.layers.as_ref()) else {
        return Ok(());
    };
    for (name, _) in &map.value.0 {
        if !layers.contains(&name.value.as_str()) {
            return Err(at_value(
                file,
                name,
                format!("policy for unknown layer `{}`", name.value),
            )
            .expected(format!("one of the layers: {}", layers.join(", "))));
        }
    }
    Ok(())
}

/// The policy entries that apply to `layer`: the default and its own.
fn specs<'a>(
    policy: Option<&'a PolicySpec>,
    layer: &str,
) -> (Option<&'a LayerPolicySpec>, Option<&'a LayerPolicySpec>) {
    let default_spec = policy.and_then(|p| p.default.as_ref()).map(|d| &d.value);
    let own_spec = policy
        .and_then(|p| p.layers.as_ref())
        .and_then(|m| m.value.0.iter().find(|(k, _)| k.value == layer))
        .map(|(_, v)| v);
    (default_spec, own_spec)
}

/// The weight type and output type of compute layer `layer`, whose entry in
/// `layers:` is at `loc`.
pub fn resolve(
    file: &Path,
    policy: Option<&PolicySpec>,
    layer: &str,
    loc: &Location,
) -> Res<(WeightType, TensorType)> {
    let wtype = resolve_weights(file, policy, layer, loc)?;
    let acts = resolve_acts(file, policy, layer, loc)?;
    Ok((wtype, acts))
}

/// The weight type of layer `layer`.
pub fn resolve_weights(
    file: &Path,
    policy: Option<&PolicySpec>,
    layer: &str,
    loc: &Location,
) -> Res<WeightType> {
    let (default_spec, own_spec) = specs(policy, layer);
    let weights = fields(own_spec).weights.over(fields(default_spec).weights);
    weight_type(file, weights, layer, loc)
}

/// How layer `layer`'s accumulator becomes its output
/// (`scale: layer`, the default: one shift; `scale: channel`: per-channel
/// multipliers; `scale: thresholds`: per-channel thresholds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScaleMode {
    Layer,
    Channel,
    Thresholds,
}

pub fn resolve_scale_mode(file: &Path, policy: Option<&PolicySpec>, layer: &str) -> Res<ScaleMode> {
    let (default_spec, own_spec) = specs(policy, layer);
    let weights = fields(own_spec).weights.over(fields(default_spec).weights);
    match weights.scale {
        None => Ok(ScaleMode::Layer),
        Some(s) if s.value == "layer" => Ok(ScaleMode::Layer),
        Some(s) if s.value == "channel" => Ok(ScaleMode::Channel),
        Some(s) if s.value == "thresholds" => Ok(ScaleMode::Thresholds),
        Some(s) => Err(at_value(file, s, format!("unknown weight scale `{}`", s.value))
            .layer(layer)
            .expected("`scale: layer` (one shift per layer), `scale: channel` (per-channel multipliers) or `scale: thresholds` (per-channel thresholds)")),
    }
}

/// The output type of layer `layer` (from `acts`).
pub fn resolve_acts(
    file: &Path,
    policy: Option<&PolicySpec>,
    layer: &str,
    loc: &Location,
) -> Res<TensorType> {
    let (default_spec, own_spec) = specs(policy, layer);
    let acts = fields(own_spec).acts.over(fields(default_spec).acts);
    // a missing field is reported at the most specific `acts:` there is
    let acts_loc = [own_spec, default_spec]
        .into_iter()
        .flatten()
        .find_map(|p| p.acts.as_ref())
        .map_or(*loc, |a| a.referenced);
    tensor_type(file, acts, "output type", ACT_BITS_RANGE, &acts_loc).map_err(|e| {
        with_policy_hint(
            e.layer(layer),
            layer,
            "acts: {bits: N, signed: true|false, frac: N}",
        )
    })
}

/// A missing field gets a hint on where to set it.
fn with_policy_hint(e: Fail, layer: &str, example: &str) -> Fail {
    if e.has_expected() {
        e
    } else {
        e.expected(format!(
            "`{example}` under `policy.default` or `policy.layers.{layer}`"
        ))
    }
}

fn weight_type(file: &Path, w: WeightFields<'_>, layer: &str, loc: &Location) -> Res<WeightType> {
    let problem = |at_loc: &Location, p: Problem| {
        let e = at(file, at_loc, p.what(Form::Policy)).layer(layer);
        match p {
            // a missing field: where to set it
            Problem::NoArith | Problem::NeedsBits(_) => {
                with_policy_hint(e, layer, &p.expected(Form::Policy))
            }
            _ => e.expected(p.expected(Form::Policy)),
        }
    };
    let Some(arith_s) = w.arith else {
        return Err(problem(loc, Problem::NoArith));
    };
    let Some(arith) = arith_named(&arith_s.value) else {
        let p = Problem::UnknownArith(arith_s.value.clone());
        return Err(problem(&arith_s.referenced, p));
    };
    let spec = ArithSpec::new(arith, w.bits.map(|b| b.value)).map_err(|p| {
        // a width is wrong where it is written, a missing one at the arithmetic
        let place = w.bits.map_or(arith_s.referenced, |b| b.referenced);
        problem(&place, p)
    })?;
    let frac = match w.frac {
        Some(f) => check_frac(file, f).map_err(|e| e.layer(layer))?,
        None => WeightType::default_frac(arith, spec.bits),
    };
    Ok(WeightType {
        arith,
        bits: spec.bits,
        frac,
    })
}

fn check_frac(file: &Path, f: &Spanned<i64>) -> Res<i32> {
    let (lo, hi) = FRAC_RANGE;
    if f.value < lo || f.value > hi {
        return Err(
            at_value(file, f, format!("frac {} is out of range", f.value))
                .expected(format!("frac in {lo}..={hi}")),
        );
    }
    Ok(f.value as i32)
}

/// A complete tensor type from its fields; `what` names it in messages
/// ("input type", "output type"), `loc` is where to point when a field is
/// missing.
pub fn tensor_type(
    file: &Path,
    t: TypeFields<'_>,
    what: &str,
    (lo, hi): (u32, u32),
    loc: &Location,
) -> Res<TensorType> {
    let missing = |key: &str| at(file, loc, format!("{what} has no `{key}`"));
    let bits = t.bits.ok_or_else(|| missing("bits"))?;
    let signed = t.signed.ok_or_else(|| missing("signed"))?;
    let frac = t.frac.ok_or_else(|| missing("frac"))?;
    if bits.value < lo as i64 || bits.value > hi as i64 {
        return Err(at_value(
            file,
            bits,
            format!("{what} of {} bits is not supported", bits.value),
        )
        .expected(format!("bits in {lo}..={hi}")));
    }
    let round = match t.round {
        None => RoundMode::default(),
        Some(r) => RoundMode::named(&r.value).ok_or_else(|| {
            at_value(file, r, format!("unknown rounding mode `{}`", r.value))
                .expected(format!("`round:` one of {}", RoundMode::names()))
        })?,
    };
    Ok(TensorType {
        bits: bits.value as u32,
        signed: signed.value,
        frac: check_frac(file, frac)?,
        round,
        narrow: t.narrow.is_some_and(|n| n.value),
    })
}
