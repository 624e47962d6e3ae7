//! The part of an ONNX model tomatl reads (onnx.proto field numbers):
//! the graph's nodes, initializers, inputs and outputs, node attributes,
//! and tensors with their data in any of the ways ONNX stores it.

use std::collections::BTreeMap;

use super::proto::{doubles, floats, string, varints, Fields, Value, WireError};

/// A tensor's data, widened: floats as f64, integers as i64.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    Float(Vec<f64>),
    Int(Vec<i64>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    pub name: String,
    pub dims: Vec<i64>,
    pub data: Data,
}

impl Tensor {
    pub fn len(&self) -> usize {
        match &self.data {
            Data::Float(v) => v.len(),
            Data::Int(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values as f64 (integers converted).
    pub fn reals(&self) -> Vec<f64> {
        match &self.data {
            Data::Float(v) => v.clone(),
            Data::Int(v) => v.iter().map(|&x| x as f64).collect(),
        }
    }
}

/// A node attribute; only the fields tomatl uses.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attr {
    pub name: String,
    pub f: Option<f64>,
    pub i: Option<i64>,
    pub s: Option<String>,
    pub ints: Vec<i64>,
    pub floats: Vec<f64>,
    pub t: Option<Tensor>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Node {
    /// Position in the graph's node list (0-based), for unnamed nodes.
    pub index: usize,
    pub name: String,
    pub op: String,
    pub domain: String,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub attrs: Vec<Attr>,
}

impl Node {
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        self.attr(name).and_then(|a| a.i)
    }

    pub fn float(&self, name: &str) -> Option<f64> {
        self.attr(name).and_then(|a| a.f)
    }

    pub fn ints(&self, name: &str) -> Option<&[i64]> {
        self.attr(name).map(|a| a.ints.as_slice())
    }

    /// How messages name the node: node `name` (Op), or for a node
    /// without a name, node #index (Op).
    pub fn label(&self) -> String {
        if self.name.is_empty() {
            format!("node #{} ({})", self.index, self.op)
        } else {
            format!("node `{}` ({})", self.name, self.op)
        }
    }
}

/// A graph input or output: its name and shape (`None` for a symbolic or
/// unknown dimension).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ValueInfo {
    pub name: String,
    pub dims: Vec<Option<i64>>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub initializers: BTreeMap<String, Tensor>,
    pub inputs: Vec<ValueInfo>,
    pub outputs: Vec<ValueInfo>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Model {
    pub producer: String,
    /// Opset version of the default domain.
    pub opset: i64,
    pub graph: Graph,
}

type Res<T> = Result<T, WireError>;

fn bad(at: usize, what: impl Into<String>) -> WireError {
    WireError {
        offset: at,
        what: what.into(),
        unsupported: false,
    }
}

fn each<'a>(
    buf: &'a [u8],
    base: usize,
    mut f: impl FnMut(u32, Value<'a>, usize) -> Res<()>,
) -> Res<()> {
    let mut it = Fields::new(buf, base);
    while let Some(r) = it.next_field() {
        let (n, v, at) = r?;
        f(n, v, at)?;
    }
    Ok(())
}

fn bytes(v: Value<'_>, at: usize) -> Res<&[u8]> {
    match v {
        Value::Bytes(b) => Ok(b),
        _ => Err(bad(at, "expected a message")),
    }
}

/// Parse a whole `.onnx` file.
pub fn parse(buf: &[u8]) -> Res<Model> {
    let mut m = Model::default();
    let mut graph: Option<Graph> = None;
    each(buf, 0, |n, v, at| {
        match n {
            2 => m.producer = string(v, at)?,
            // a message field given twice is merged (protobuf's rule)
            7 => {
                let g = parse_graph(bytes(v, at)?, at)?;
                graph = Some(match graph.take() {
                    None => g,
                    Some(mut old) => {
                        let base = old.nodes.len();
                        old.nodes.extend(g.nodes.into_iter().map(|mut n| {
                            n.index += base;
                            n
                        }));
                        old.initializers.extend(g.initializers);
                        old.inputs.extend(g.inputs);
                        old.outputs.extend(g.outputs);
                        old
                    }
                });
            }
            8 => {
                let (mut domain, mut version) = (String::new(), 0);
                each(bytes(v, at)?, at, |n, v, at| {
                    match n {
                        1 => domain = string(v, at)?,
                        2 => version = varints(v, at)?.first().copied().unwrap_or(0) as i64,
                        _ => {}
                    }
                    Ok(())
                })?;
                if domain.is_empty() || domain == "ai.onnx" {
                    m.opset = version;
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    m.graph = graph.ok_or_else(|| bad(buf.len(), "the model has no graph"))?;
    Ok(m)
}

fn parse_graph(buf: &[u8], base: usize) -> Res<Graph> {
    let mut g = Graph::default();
    each(buf, base, |n, v, at| {
        match n {
            1 => {
                let mut node = parse_node(bytes(v, at)?, at)?;
                node.index = g.nodes.len();
                g.nodes.push(node);
            }
            5 => {
                let t = parse_tensor(bytes(v, at)?, at)?;
                g.initializers.insert(t.name.clone(), t);
            }
            11 => g.inputs.push(parse_value_info(bytes(v, at)?, at)?),
            12 => g.outputs.push(parse_value_info(bytes(v, at)?, at)?),
            _ => {}
        }
        Ok(())
    })?;
    Ok(g)
}

fn parse_node(buf: &[u8], base: usize) -> Res<Node> {
    let mut node = Node::default();
    each(buf, base, |n, v, at| {
        match n {
            1 => node.inputs.push(string(v, at)?),
            2 => node.outputs.push(string(v, at)?),
            3 => node.name = string(v, at)?,
            4 => node.op = string(v, at)?,
            5 => node.attrs.push(parse_attr(bytes(v, at)?, at)?),
            7 => node.domain = string(v, at)?,
            _ => {}
        }
        Ok(())
    })?;
    Ok(node)
}

fn parse_attr(buf: &[u8], base: usize) -> Res<Attr> {
    let mut a = Attr::default();
    each(buf, base, |n, v, at| {
        match n {
            1 => a.name = string(v, at)?,
            2 => a.f = floats(v, at)?.first().map(|&x| f64::from(x)),
            3 => a.i = varints(v, at)?.first().map(|&x| x as i64),
            4 => a.s = Some(String::from_utf8_lossy(bytes(v, at)?).into_owned()),
            5 => a.t = Some(parse_tensor(bytes(v, at)?, at)?),
            7 => a.floats.extend(floats(v, at)?.into_iter().map(f64::from)),
            8 => a.ints.extend(varints(v, at)?.into_iter().map(|x| x as i64)),
            _ => {}
        }
        Ok(())
    })?;
    Ok(a)
}

fn parse_value_info(buf: &[u8], base: usize) -> Res<ValueInfo> {
    let mut vi = ValueInfo::default();
    each(buf, base, |n, v, at| {
        match n {
            1 => vi.name = string(v, at)?,
            // TypeProto.tensor_type (1) -> shape (2) -> dim (1) -> dim_value (1)
            2 => each(bytes(v, at)?, at, |n, v, at| {
                if n == 1 {
                    each(bytes(v, at)?, at, |n, v, at| {
                        if n == 2 {
                            each(bytes(v, at)?, at, |n, v, at| {
                                if n == 1 {
                                    let mut d = None;
                                    each(bytes(v, at)?, at, |n, v, at| {
                                        if n == 1 {
                                            d = varints(v, at)?.first().map(|&x| x as i64);
                                        }
                                        Ok(())
                                    })?;
                                    vi.dims.push(d);
                                }
                                Ok(())
                            })?;
                        }
                        Ok(())
                    })?;
                }
                Ok(())
            })?,
            _ => {}
        }
        Ok(())
    })?;
    Ok(vi)
}

/// Every element type of ONNX's `TensorProto.DataType`, by number.
const ELEMENT_TYPES: [&str; 24] = [
    "UNDEFINED",
    "FLOAT",
    "UINT8",
    "INT8",
    "UINT16",
    "INT16",
    "INT32",
    "INT64",
    "STRING",
    "BOOL",
    "FLOAT16",
    "DOUBLE",
    "UINT32",
    "UINT64",
    "COMPLEX64",
    "COMPLEX128",
    "BFLOAT16",
    "FLOAT8E4M3FN",
    "FLOAT8E4M3FNUZ",
    "FLOAT8E5M2",
    "FLOAT8E5M2FNUZ",
    "UINT4",
    "INT4",
    "FLOAT4E2M1",
];

/// The name of element type `t` (`TensorProto.DataType`).
pub fn element_type_name(t: i64) -> String {
    usize::try_from(t)
        .ok()
        .and_then(|i| ELEMENT_TYPES.get(i))
        .map_or_else(|| format!("unknown element type {t}"), |n| (*n).to_string())
}

/// The element types whose tensors tomatl reads.
pub const READ_TYPES: &str = "FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT8, UINT8, INT16, UINT16, INT32, UINT32, INT64, UINT64 (up to 2^63 - 1), BOOL, INT4, UINT4";

/// IEEE half precision to f64.
fn f16_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let man = f64::from(h & 0x3ff);
    match exp {
        0 => sign * man * 2f64.powi(-24),
        31 if man == 0.0 => sign * f64::INFINITY,
        31 => f64::NAN,
        e => sign * (1.0 + man / 1024.0) * 2f64.powi(e - 15),
    }
}

/// bfloat16 (the top half of an f32) to f64.
fn bf16_to_f64(h: u16) -> f64 {
    f64::from(f32::from_bits(u32::from(h) << 16))
}

/// Little-endian fixed-size chunks of `raw`, or a malformed-data error.
fn chunks<'a, const N: usize>(
    raw: &'a [u8],
    base: usize,
    name: &str,
    ty: &str,
) -> Res<impl Iterator<Item = [u8; N]> + 'a> {
    if !raw.len().is_multiple_of(N) {
        return Err(bad(
            base,
            format!(
                "tensor `{name}` of element type {ty} has {} raw bytes, not a multiple of {N}",
                raw.len()
            ),
        ));
    }
    Ok(raw.chunks_exact(N).map(|c| {
        let mut a = [0u8; N];
        a.copy_from_slice(c);
        a
    }))
}

/// Parse one serialized `TensorProto` (e.g. an ONNX test's `input_0.pb`).
pub fn parse_tensor_proto(buf: &[u8]) -> Res<Tensor> {
    parse_tensor(buf, 0)
}

fn parse_tensor(buf: &[u8], base: usize) -> Res<Tensor> {
    let mut name = String::new();
    let mut dims = Vec::new();
    let mut dtype = 0;
    let (mut fl, mut i32s, mut i64s, mut u64s, mut dbl) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut raw: Option<&[u8]> = None;
    let mut external = false;
    each(buf, base, |n, v, at| {
        match n {
            1 => dims.extend(varints(v, at)?.into_iter().map(|x| x as i64)),
            2 => dtype = varints(v, at)?.first().copied().unwrap_or(0) as i64,
            4 => fl.extend(floats(v, at)?),
            5 => i32s.extend(varints(v, at)?),
            7 => i64s.extend(varints(v, at)?.into_iter().map(|x| x as i64)),
            8 => name = string(v, at)?,
            9 => raw = Some(bytes(v, at)?),
            10 => dbl.extend(doubles(v, at)?),
            11 => u64s.extend(varints(v, at)?),
            14 => external = varints(v, at)?.first() == Some(&1),
            _ => {}
        }
        Ok(())
    })?;
    let ty = element_type_name(dtype);
    if external {
        return Err(WireError::unsupported(
            base,
            format!(
                "tensor `{name}` keeps its data in an external file, which tomatl does not read"
            ),
        ));
    }
    if let Some(d) = dims.iter().find(|&&d| d < 0) {
        return Err(bad(
            base,
            format!("tensor `{name}` has a negative dimension {d} in dims {dims:?}"),
        ));
    }
    let count = dims
        .iter()
        .try_fold(1i64, |a, &d| a.checked_mul(d))
        .ok_or_else(|| {
            bad(
                base,
                format!("tensor `{name}` has dims {dims:?}, whose product overflows"),
            )
        })?;
    let refuse = |why: &str| {
        WireError::unsupported(
            base,
            format!("tensor `{name}` has element type {ty}{why}, which tomatl does not read"),
        )
    };
    // int32_data holds the narrow integer types, bool and the 16-bit floats
    // (as their bit patterns); a value out of the type's range is malformed
    let narrow = |lo: i64, hi: i64| -> Res<Vec<i64>> {
        i32s.iter()
            .map(|&x| {
                let v = x as i64;
                // int32_data values are written as sign-extended varints
                let v = if (lo..=hi).contains(&v) {
                    v
                } else {
                    i64::from(x as i32)
                };
                if (lo..=hi).contains(&v) {
                    Ok(v)
                } else {
                    Err(bad(
                        base,
                        format!(
                            "tensor `{name}` of element type {ty} holds {v}, outside [{lo}, {hi}]"
                        ),
                    ))
                }
            })
            .collect()
    };
    let nibbles = |r: &[u8], signed: bool| -> Vec<i64> {
        let mut out = Vec::with_capacity(r.len() * 2);
        for &b in r {
            for n in [b & 0x0f, b >> 4] {
                out.push(if signed {
                    i64::from(((n << 4) as i8) >> 4)
                } else {
                    i64::from(n)
                });
            }
        }
        out
    };
    let data = match (ty.as_str(), raw) {
        ("FLOAT", Some(r)) => Data::Float(
            chunks::<4>(r, base, &name, &ty)?
                .map(|c| f64::from(f32::from_le_bytes(c)))
                .collect(),
        ),
        ("FLOAT", None) => Data::Float(fl.into_iter().map(f64::from).collect()),
        ("DOUBLE", Some(r)) => Data::Float(
            chunks::<8>(r, base, &name, &ty)?
                .map(f64::from_le_bytes)
                .collect(),
        ),
        ("DOUBLE", None) => Data::Float(dbl),
        ("FLOAT16", Some(r)) => Data::Float(
            chunks::<2>(r, base, &name, &ty)?
                .map(|c| f16_to_f64(u16::from_le_bytes(c)))
                .collect(),
        ),
        ("FLOAT16", None) => Data::Float(
            narrow(0, 0xffff)?
                .into_iter()
                .map(|v| f16_to_f64(v as u16))
                .collect(),
        ),
        ("BFLOAT16", Some(r)) => Data::Float(
            chunks::<2>(r, base, &name, &ty)?
                .map(|c| bf16_to_f64(u16::from_le_bytes(c)))
                .collect(),
        ),
        ("BFLOAT16", None) => Data::Float(
            narrow(0, 0xffff)?
                .into_iter()
                .map(|v| bf16_to_f64(v as u16))
                .collect(),
        ),
        ("UINT8", Some(r)) => Data::Int(r.iter().map(|&b| i64::from(b)).collect()),
        ("UINT8", None) => Data::Int(narrow(0, 255)?),
        ("INT8", Some(r)) => Data::Int(r.iter().map(|&b| i64::from(b as i8)).collect()),
        ("INT8", None) => Data::Int(narrow(-128, 127)?),
        ("BOOL", Some(r)) => Data::Int(r.iter().map(|&b| i64::from(b != 0)).collect()),
        ("BOOL", None) => Data::Int(narrow(0, 1)?),
        ("UINT16", Some(r)) => Data::Int(
            chunks::<2>(r, base, &name, &ty)?
                .map(|c| i64::from(u16::from_le_bytes(c)))
                .collect(),
        ),
        ("UINT16", None) => Data::Int(narrow(0, 0xffff)?),
        ("INT16", Some(r)) => Data::Int(
            chunks::<2>(r, base, &name, &ty)?
                .map(|c| i64::from(i16::from_le_bytes(c)))
                .collect(),
        ),
        ("INT16", None) => Data::Int(narrow(-0x8000, 0x7fff)?),
        ("INT32", Some(r)) => Data::Int(
            chunks::<4>(r, base, &name, &ty)?
                .map(|c| i64::from(i32::from_le_bytes(c)))
                .collect(),
        ),
        ("INT32", None) => Data::Int(i32s.iter().map(|&x| i64::from(x as i32)).collect()),
        ("UINT32", Some(r)) => Data::Int(
            chunks::<4>(r, base, &name, &ty)?
                .map(|c| i64::from(u32::from_le_bytes(c)))
                .collect(),
        ),
        ("UINT32", None) => Data::Int(u64s.iter().map(|&x| i64::from(x as u32)).collect()),
        ("INT64", Some(r)) => Data::Int(
            chunks::<8>(r, base, &name, &ty)?
                .map(i64::from_le_bytes)
                .collect(),
        ),
        ("INT64", None) => Data::Int(i64s),
        ("UINT64", r) => {
            let v: Vec<u64> = match r {
                Some(r) => chunks::<8>(r, base, &name, &ty)?
                    .map(u64::from_le_bytes)
                    .collect(),
                None => u64s,
            };
            let v: Option<Vec<i64>> = v.into_iter().map(|x| i64::try_from(x).ok()).collect();
            Data::Int(v.ok_or_else(|| refuse(" with a value of 2^63 or more"))?)
        }
        ("INT4" | "UINT4", r) => {
            let signed = ty == "INT4";
            let mut v = match r {
                Some(r) => nibbles(r, signed),
                None => {
                    let b: Vec<u8> = narrow(0, 255)?.into_iter().map(|x| x as u8).collect();
                    nibbles(&b, signed)
                }
            };
            // an odd count leaves the last high nibble unused
            if usize::try_from(count).is_ok_and(|c| c + 1 == v.len()) {
                v.pop();
            }
            Data::Int(v)
        }
        _ => return Err(refuse("")),
    };
    let t = Tensor { name, dims, data };
    if i64::try_from(t.len()).ok() != Some(count) {
        return Err(bad(
            base,
            format!(
                "tensor `{}` has {} values for dims {:?}",
                t.name,
                t.len(),
                t.dims
            ),
        ));
    }
    Ok(t)
}
