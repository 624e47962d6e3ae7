//! The network description as written in YAML, before any checking beyond
//! its syntax. Values keep their location so later errors can point at them.

use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::{MessageFormatter, Spanned, UserMessageFormatter};

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
    pub from: Option<Spanned<Vec<Spanned<String>>>>,
    pub out: Option<Spanned<i64>>,
    pub act: Option<Spanned<String>>,
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
