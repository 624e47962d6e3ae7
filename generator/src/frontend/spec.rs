//! The network description as written in YAML, before any checking beyond
//! its syntax. Values keep their location so later errors can point at them.

use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::{Location, MessageFormatter, Spanned, UserMessageFormatter};

use super::diag::{at, fail, Fail, Res};

/// The whole file.
#[derive(Debug, Deserialize)]
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
#[derive(Debug, Deserialize)]
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
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeSpec {
    #[serde(default)]
    pub bits: Option<Spanned<i64>>,
    #[serde(default)]
    pub signed: Option<Spanned<bool>>,
    #[serde(default)]
    pub frac: Option<Spanned<i64>>,
}

/// A weight type `{arith, bits, frac}`.
#[derive(Clone, Debug, Default, Deserialize)]
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
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamsSpec {
    #[serde(default)]
    pub random: Option<Spanned<RandomSpec>>,
    #[serde(default)]
    pub file: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomSpec {
    pub seed: Spanned<u64>,
}

/// `policy: {default: {...}, layers: {name: {...}}}`
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    #[serde(default)]
    pub default: Option<Spanned<LayerPolicySpec>>,
    #[serde(default)]
    pub layers: Option<Spanned<NamedMap<LayerPolicySpec>>>,
}

/// The precision of one layer (or the default of all).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerPolicySpec {
    #[serde(default)]
    pub weights: Option<Spanned<WeightSpec>>,
    #[serde(default)]
    pub acts: Option<Spanned<TypeSpec>>,
}

/// A mapping from names to values, in file order, names with their location.
#[derive(Debug)]
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
#[derive(Debug, Default)]
pub struct LayerSpec {
    pub name: Option<Spanned<String>>,
    pub op: Option<Spanned<String>>,
    pub from: Option<Spanned<Names>>,
    pub out: Option<Spanned<i64>>,
    pub act: Option<Spanned<String>>,
    pub kernel: Option<Spanned<Dims>>,
    pub stride: Option<Spanned<Dims>>,
    pub pad: Option<Spanned<Dims>>,
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
#[derive(Debug)]
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
#[derive(Debug)]
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
