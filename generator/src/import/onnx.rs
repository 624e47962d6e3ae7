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
    let mut graph = None;
    each(buf, 0, |n, v, at| {
        match n {
            2 => m.producer = string(v, at)?,
            7 => graph = Some(parse_graph(bytes(v, at)?, at)?),
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
            1 => g.nodes.push(parse_node(bytes(v, at)?, at)?),
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

/// ONNX element types tomatl reads.
const FLOAT: i64 = 1;
const UINT8: i64 = 2;
const INT8: i64 = 3;
const INT32: i64 = 6;
const INT64: i64 = 7;
const DOUBLE: i64 = 11;

fn parse_tensor(buf: &[u8], base: usize) -> Res<Tensor> {
    let mut name = String::new();
    let mut dims = Vec::new();
    let mut dtype = 0;
    let (mut fl, mut ints, mut dbl) = (Vec::new(), Vec::new(), Vec::new());
    let mut raw: Option<&[u8]> = None;
    let mut external = false;
    each(buf, base, |n, v, at| {
        match n {
            1 => dims.extend(varints(v, at)?.into_iter().map(|x| x as i64)),
            2 => dtype = varints(v, at)?.first().copied().unwrap_or(0) as i64,
            4 => fl.extend(floats(v, at)?),
            5 | 7 => ints.extend(varints(v, at)?.into_iter().map(|x| x as i64)),
            8 => name = string(v, at)?,
            9 => raw = Some(bytes(v, at)?),
            10 => dbl.extend(doubles(v, at)?),
            14 => external = varints(v, at)?.first() == Some(&1),
            _ => {}
        }
        Ok(())
    })?;
    if external {
        return Err(bad(
            base,
            format!("tensor `{name}` keeps its data in an external file, which is not supported"),
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
    let data = match (dtype, raw) {
        (FLOAT, Some(r)) => Data::Float(floats(Value::Bytes(r), base)?.into_iter().map(f64::from).collect()),
        (DOUBLE, Some(r)) => Data::Float(doubles(Value::Bytes(r), base)?),
        (UINT8, Some(r)) => Data::Int(r.iter().map(|&b| i64::from(b)).collect()),
        (INT8, Some(r)) => Data::Int(r.iter().map(|&b| i64::from(b as i8)).collect()),
        (INT32, Some(r)) if r.len() % 4 == 0 => Data::Int(
            r.chunks_exact(4)
                .map(|c| i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])))
                .collect(),
        ),
        (INT64, Some(r)) if r.len() % 8 == 0 => Data::Int(
            r.chunks_exact(8)
                .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .collect(),
        ),
        (FLOAT, None) => Data::Float(fl.into_iter().map(f64::from).collect()),
        (DOUBLE, None) => Data::Float(dbl),
        (UINT8 | INT8 | INT32 | INT64, None) => Data::Int(ints),
        (t, _) => {
            return Err(bad(
                base,
                format!("tensor `{name}` has element type {t}, which is not supported (float, double, int8, uint8, int32, int64 are)"),
            ))
        }
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
