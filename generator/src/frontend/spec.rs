//! The network description as written in YAML, before any checking beyond
//! its syntax. Values keep their location so later errors can point at them.
//!
//! A spec value is also what `tomatl import`, `quantize` and `search` build
//! to write a description ([`super::write`]): the constructors below make
//! values without a location, and two specs are equal when they say the
//! same thing, wherever it is written.

use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::{Location, MessageFormatter, UserMessageFormatter};

use super::diag::{at, fail, Fail, Res};
use crate::ir::{TensorType, WeightType};

/// A value and the place it is written (`referenced`: where it is used,
/// which for an alias is the alias). Equality compares values only.
#[derive(Clone, Debug)]
pub struct Spanned<T> {
    pub value: T,
    pub referenced: Location,
}

impl<T> Spanned<T> {
    /// A value written nowhere yet.
    pub fn new(value: T) -> Self {
        Spanned {
            value,
            referenced: Location::UNKNOWN,
        }
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Spanned<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = serde_saphyr::Spanned::<T>::deserialize(d)?;
        Ok(Spanned {
            value: s.value,
            referenced: s.referenced,
        })
    }
}

/// `Some` value written nowhere yet.
pub fn some<T>(value: T) -> Option<Spanned<T>> {
    Some(Spanned::new(value))
}

/// A size as a YAML integer (saturating: sizes that large are refused
/// when the description is checked).
fn int(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The whole file.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetSpec {
    #[serde(default)]
    pub name: Option<Spanned<String>>,
    #[serde(default)]
    pub input: Option<Spanned<InputSpec>>,
    #[serde(default)]
    pub params: Option<Spanned<ParamsSpec>>,
    #[serde(default)]
    pub policy: Option<Spanned<PolicySpec>>,
    #[serde(default)]
    pub layers: Option<Spanned<Vec<Spanned<LayerSpec>>>>,
}

/// `input: {shape: [...], type: {...}}`
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    #[serde(default)]
    pub shape: Option<Spanned<Vec<Spanned<i64>>>>,
    #[serde(default, rename = "type")]
    pub ty: Option<Spanned<TypeSpec>>,
}

/// A required key of a mapping at `loc`, or an error naming it.
pub fn required<'a, T>(
    file: &Path,
    v: &'a Option<T>,
    key: &str,
    loc: &serde_saphyr::Location,
    example: &str,
) -> Res<&'a T> {
    v.as_ref()
        .ok_or_else(|| at(file, loc, format!("missing key `{key}`")).expected(example.to_string()))
}

/// A tensor type `{bits, signed, frac}`; every field may be left to a
/// default of the policy.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeSpec {
    #[serde(default)]
    pub bits: Option<Spanned<i64>>,
    #[serde(default)]
    pub signed: Option<Spanned<bool>>,
    #[serde(default)]
    pub frac: Option<Spanned<i64>>,
    /// The rounding mode of the requantizer (`ir::RoundMode::name`).
    #[serde(default)]
    pub round: Option<Spanned<String>>,
    /// Narrow-range saturation.
    #[serde(default)]
    pub narrow: Option<Spanned<bool>>,
}

/// A weight type `{arith, bits, frac}`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightSpec {
    #[serde(default)]
    pub arith: Option<Spanned<String>>,
    #[serde(default)]
    pub bits: Option<Spanned<i64>>,
    #[serde(default)]
    pub frac: Option<Spanned<i64>>,
    /// `layer` (one shift per layer) or `channel` (per-channel multipliers).
    #[serde(default)]
    pub scale: Option<Spanned<String>>,
}

/// `params: {random: {seed: N}}` or `params: {file: x.npz}`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamsSpec {
    #[serde(default)]
    pub random: Option<Spanned<RandomSpec>>,
    #[serde(default)]
    pub file: Option<Spanned<String>>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomSpec {
    pub seed: Spanned<u64>,
}

/// `policy: {default: {...}, layers: {name: {...}}}`
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    #[serde(default)]
    pub default: Option<Spanned<LayerPolicySpec>>,
    #[serde(default)]
    pub layers: Option<Spanned<NamedMap<LayerPolicySpec>>>,
}

/// The precision of one layer (or the default of all).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerPolicySpec {
    #[serde(default)]
    pub weights: Option<Spanned<WeightSpec>>,
    #[serde(default)]
    pub acts: Option<Spanned<TypeSpec>>,
}

/// A mapping from names to values, in file order, names with their location.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NamedMap<V>(pub Vec<(Spanned<String>, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for NamedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V2<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for V2<V> {
            type Value = NamedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping from layer names to settings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = map.next_key::<Spanned<String>>()? {
                    let v = map.next_value::<V>()?;
                    out.push((k, v));
                }
                Ok(NamedMap(out))
            }
        }
        d.deserialize_map(V2(PhantomData))
    }
}

/// One entry of `layers:`. Keys are read loosely here (which keys an op
/// takes depends on the op and is checked later, with the op's own list);
/// values of keys no supported op uses are skipped.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LayerSpec {
    pub name: Option<Spanned<String>>,
    pub op: Option<Spanned<String>>,
    pub from: Option<Spanned<Names>>,
    pub out: Option<Spanned<i64>>,
    pub act: Option<Spanned<String>>,
    pub kernel: Option<Spanned<Dims>>,
    pub stride: Option<Spanned<Dims>>,
    pub pad: Option<Spanned<Dims>>,
    /// A flatten's element order (`hwc`, the default, or `chw`).
    pub order: Option<Spanned<String>>,
    /// Every key given, in file order.
    pub keys: Vec<Spanned<String>>,
}

impl<'de> Deserialize<'de> for LayerSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct LayerVisitor;
        impl<'de> Visitor<'de> for LayerVisitor {
            type Value = LayerSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a layer mapping such as {name: fc1, op: dense, out: 10}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<LayerSpec, A::Error> {
                let mut l = LayerSpec::default();
                while let Some(k) = map.next_key::<Spanned<String>>()? {
                    match k.value.as_str() {
                        "name" => l.name = Some(map.next_value()?),
                        "op" => l.op = Some(map.next_value()?),
                        "from" => l.from = Some(map.next_value()?),
                        "out" => l.out = Some(map.next_value()?),
                        "act" => l.act = Some(map.next_value()?),
                        "kernel" => l.kernel = Some(map.next_value()?),
                        "stride" => l.stride = Some(map.next_value()?),
                        "pad" => l.pad = Some(map.next_value()?),
                        "order" => l.order = Some(map.next_value()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                    l.keys.push(k);
                }
                Ok(l)
            }
        }
        d.deserialize_map(LayerVisitor)
    }
}

/// The value of `from`: one name, or a list of names.
#[derive(Clone, Debug, PartialEq)]
pub enum Names {
    One(String),
    List(Vec<Spanned<String>>),
}

impl Names {
    /// Every name with the place it is written (a lone name is at `loc`).
    pub fn items<'a>(&'a self, loc: &Location) -> Vec<(&'a str, Location)> {
        match self {
            Names::One(n) => vec![(n.as_str(), *loc)],
            Names::List(v) => v.iter().map(|n| (n.value.as_str(), n.referenced)).collect(),
        }
    }
}

impl<'de> Deserialize<'de> for Names {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NamesVisitor;
        impl<'de> Visitor<'de> for NamesVisitor {
            type Value = Names;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a layer name or a list of names such as [conv1, input]")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Names, E> {
                Ok(Names::One(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Names, A::Error> {
                let mut out = Vec::new();
                while let Some(n) = seq.next_element::<Spanned<String>>()? {
                    out.push(n);
                }
                Ok(Names::List(out))
            }
        }
        d.deserialize_any(NamesVisitor)
    }
}

/// The value of `kernel`, `stride` or `pad`: one number for both
/// dimensions, a list (a pair `[h, w]` when valid), or a word (`same`).
#[derive(Clone, Debug, PartialEq)]
pub enum Dims {
    One(i64),
    List(Vec<Spanned<i64>>),
    Word(String),
}

impl<'de> Deserialize<'de> for Dims {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct DimsVisitor;
        impl<'de> Visitor<'de> for DimsVisitor {
            type Value = Dims;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an integer or a pair of integers [h, w]")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Dims, E> {
                Ok(Dims::One(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Dims, E> {
                Ok(Dims::One(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Dims, E> {
                Ok(Dims::Word(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Dims, E> {
                Ok(Dims::Word(v.to_string()))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Dims, E> {
                Ok(Dims::Word(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Dims, A::Error> {
                let mut out = Vec::new();
                while let Some(n) = seq.next_element::<Spanned<i64>>()? {
                    out.push(n);
                }
                Ok(Dims::List(out))
            }
        }
        d.deserialize_any(DimsVisitor)
    }
}

impl NetSpec {
    /// A whole description.
    pub fn new(
        name: &str,
        shape: &[usize],
        ty: &TensorType,
        params: ParamsSpec,
        policy: PolicySpec,
        layers: Vec<LayerSpec>,
    ) -> NetSpec {
        NetSpec {
            name: some(name.to_string()),
            input: some(InputSpec {
                shape: some(shape.iter().map(|&d| Spanned::new(int(d))).collect()),
                ty: some(TypeSpec::of(ty)),
            }),
            params: some(params),
            policy: some(policy),
            layers: some(layers.into_iter().map(Spanned::new).collect()),
        }
    }
}

impl TypeSpec {
    /// A tensor type with every field; the rounding mode and `narrow`
    /// only when not the default.
    pub fn of(t: &TensorType) -> TypeSpec {
        TypeSpec {
            bits: some(i64::from(t.bits)),
            signed: some(t.signed),
            frac: some(i64::from(t.frac)),
            round: (!t.round.is_default()).then(|| Spanned::new(t.round.name().to_string())),
            narrow: t.narrow.then(|| Spanned::new(true)),
        }
    }
}

impl WeightSpec {
    /// A weight type with every field, `bits` only where the arithmetic
    /// does not imply it; `scale: channel` for per-channel scales.
    pub fn of(w: &WeightType, channel: bool) -> WeightSpec {
        WeightSpec {
            arith: some(w.arith.name().to_string()),
            bits: match super::arith::implied_bits(w.arith) {
                Some(_) => None,
                None => some(i64::from(w.bits)),
            },
            frac: some(i64::from(w.frac)),
            scale: channel.then(|| Spanned::new("channel".to_string())),
        }
    }
}

impl ParamsSpec {
    /// `{random: {seed: N}}`.
    pub fn random(seed: u64) -> ParamsSpec {
        ParamsSpec {
            random: some(RandomSpec {
                seed: Spanned::new(seed),
            }),
            file: None,
        }
    }

    /// `{file: path}`, relative to the description.
    pub fn file(path: &str) -> ParamsSpec {
        ParamsSpec {
            random: None,
            file: some(path.to_string()),
        }
    }
}

impl PolicySpec {
    /// A policy of per-layer entries only, in the order given.
    pub fn per_layer(entries: Vec<(String, LayerPolicySpec)>) -> PolicySpec {
        PolicySpec {
            default: None,
            layers: some(NamedMap(
                entries
                    .into_iter()
                    .map(|(k, v)| (Spanned::new(k), v))
                    .collect(),
            )),
        }
    }
}

impl LayerPolicySpec {
    pub fn new(weights: Option<WeightSpec>, acts: Option<TypeSpec>) -> LayerPolicySpec {
        LayerPolicySpec {
            weights: weights.map(Spanned::new),
            acts: acts.map(Spanned::new),
        }
    }

    /// Whether the entry sets nothing.
    pub fn is_empty(&self) -> bool {
        self.weights.is_none() && self.acts.is_none()
    }
}

impl LayerSpec {
    /// `{name: .., op: ..}`; the `with_` methods add keys in the order
    /// they are called, which is the order they are written in.
    pub fn new(name: &str, op: &str) -> LayerSpec {
        let mut l = LayerSpec::default();
        l.name = l.key("name", name.to_string());
        l.op = l.key("op", op.to_string());
        l
    }

    /// The value of a key, the key noted once in `keys`.
    fn key<T>(&mut self, key: &str, value: T) -> Option<Spanned<T>> {
        if !self.keys.iter().any(|k| k.value == key) {
            self.keys.push(Spanned::new(key.to_string()));
        }
        some(value)
    }

    pub fn with_out(mut self, n: usize) -> LayerSpec {
        self.out = self.key("out", int(n));
        self
    }

    pub fn with_kernel(mut self, d: Dims) -> LayerSpec {
        self.kernel = self.key("kernel", d);
        self
    }

    pub fn with_stride(mut self, d: Dims) -> LayerSpec {
        self.stride = self.key("stride", d);
        self
    }

    pub fn with_pad(mut self, d: Dims) -> LayerSpec {
        self.pad = self.key("pad", d);
        self
    }

    /// `order: chw` on a flatten (none for `hwc`, the default).
    pub fn with_chw_order(mut self, chw: bool) -> LayerSpec {
        if chw {
            self.order = self.key("order", "chw".to_string());
        }
        self
    }

    /// `act: <name>`; none for `none`, the default.
    pub fn with_act(mut self, act: &str) -> LayerSpec {
        if act != "none" {
            self.act = self.key("act", act.to_string());
        }
        self
    }

    pub fn with_from(mut self, names: Names) -> LayerSpec {
        self.from = self.key("from", names);
        self
    }

    /// `from:` naming `inputs` (`None` is the network input, `Some(j)`
    /// layer `j`, named `names[j]`) of layer `index`, unless it reads just
    /// what a layer reads without `from` (the layer before it, the network
    /// input for the first).
    pub fn reading(self, index: usize, inputs: &[Option<usize>], names: &[&str]) -> LayerSpec {
        let default = if index == 0 { None } else { Some(index - 1) };
        if inputs == [default] {
            return self;
        }
        let named = inputs
            .iter()
            .map(|s| s.map_or("input", |j| names[j]))
            .map(|n| Spanned::new(n.to_string()))
            .collect();
        self.with_from(Names::List(named))
    }
}

impl Dims {
    /// A kernel or stride `[h, w]`: one number when both are equal.
    pub fn pair(v: [usize; 2]) -> Dims {
        if v[0] == v[1] {
            Dims::One(int(v[0]))
        } else {
            Dims::List(v.iter().map(|&d| Spanned::new(int(d))).collect())
        }
    }

    /// Padding `[top, left, bottom, right]`: a pair when top equals bottom
    /// and left equals right.
    pub fn pad(p: [usize; 4]) -> Dims {
        if p[0] == p[2] && p[1] == p[3] {
            Dims::pair([p[0], p[1]])
        } else {
            Dims::List(p.iter().map(|&d| Spanned::new(int(d))).collect())
        }
    }
}

/// Parse the YAML text; syntax and type errors become [`InputError`]s with
/// the parser's location.
pub fn parse(yaml: &str, file: &Path) -> Res<Spanned<NetSpec>> {
    serde_saphyr::from_str::<Spanned<NetSpec>>(yaml).map_err(|e| syntax_error(&e, file))
}

fn syntax_error(e: &serde_saphyr::Error, file: &Path) -> Fail {
    let inner = e.without_snippet();
    let (what, expected) = describe(inner);
    let err = match e.location() {
        Some(loc) => at(file, &loc, what),
        None => fail(file, what),
    };
    match expected {
        Some(x) => err.expected(x),
        None => err,
    }
}

/// Wording of a parser error: what is wrong and, when known, what is expected.
fn describe(e: &serde_saphyr::Error) -> (String, Option<String>) {
    use serde_saphyr::Error as E;
    match e {
        E::InvalidScalar { ty, .. } => ("invalid value".into(), Some(scalar_kind(ty))),
        E::SerdeInvalidType {
            unexpected,
            expected,
            ..
        } => (format!("found {unexpected}"), Some(expected.clone())),
        E::SerdeInvalidValue {
            unexpected,
            expected,
            ..
        } => (
            format!("invalid value {unexpected}"),
            Some(expected.clone()),
        ),
        _ => {
            let msg = UserMessageFormatter.format_message(e).into_owned();
            reword(&msg)
        }
    }
}

fn scalar_kind(ty: &str) -> String {
    match ty {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a non-negative integer".into(),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "an integer".into(),
        "f32" | "f64" | "floating point" => "a number".into(),
        "bool" | "boolean" => "true or false".into(),
        other => format!("a {other}"),
    }
}

/// Serde speaks of fields; a YAML file has keys.
fn reword(msg: &str) -> (String, Option<String>) {
    let msg = msg
        .replace("unknown field", "unknown key")
        .replace("missing field", "missing key");
    match msg.split_once(", expected ") {
        Some((what, exp)) => (what.to_string(), Some(exp.to_string())),
        None => (msg, None),
    }
}
