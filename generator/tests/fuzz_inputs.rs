//! Mutated inputs never crash tomatl: descriptions (YAML), board files,
//! weight files (`.npz`), input tensors (`.npy`) and ONNX models, mutated
//! from seeds with a fixed-seed generator, are each run through the built
//! binary (`check`, `plan --board`, `run --input`, `import`) with a 5 s
//! limit. Every run must exit 0 or 2 without a panic or a signal, and every
//! refusal must start with `error: <file>` (and `:line:col` for text files).
//!
//! `TOMATL_FUZZ_CASES` (default 500) sets the number of cases and
//! `TOMATL_FUZZ_SEED` the seed; `make fuzz` runs 5000.

use std::fs::File;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ndarray::{Array1, Array2, Array4, ArrayD, IxDyn};
use ndarray_npy::{NpzWriter, WriteNpyExt};

const TIMEOUT: Duration = Duration::from_secs(5);
const DEFAULT_SEED: u64 = 0x746f_6d61_746c_2021;

/// SplitMix64: small, fixed and good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// Text put in place of numbers and values.
const VALUES: &[&str] = &[
    "0",
    "-1",
    "1",
    "2",
    "3",
    "17",
    "64",
    "65",
    "255",
    "4294967296",
    "-9223372036854775808",
    "9223372036854775807",
    "18446744073709551616",
    "99999999999999999999999999",
    "1099511627776",
    ".nan",
    ".inf",
    "-.inf",
    "1e308",
    "-0.0",
    "3.5",
    "''",
    "[]",
    "{}",
    "[1, 2]",
    "null",
    "true",
    "~",
    "*a",
    "&a 3",
    "\"\\u0000\"",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    "{a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: {a: 1}}}}}}}}}}}}}}",
];

/// YAML keys whose values get swapped.
const KEYS: &[&str] = &[
    "bits",
    "frac",
    "out",
    "kernel",
    "stride",
    "pad",
    "seed",
    "shape",
    "arith",
    "signed",
    "op",
    "act",
    "from",
    "name",
    "file",
    "scale",
    "clock_mhz",
    "dsp",
    "lut",
    "ff",
    "bram_kbit",
    "uram_kbit",
    "family",
    "weights",
    "acts",
    "input",
    "layers",
    "params",
];

fn mutate_bytes(rng: &mut Rng, b: &mut Vec<u8>, donors: &[Vec<u8>]) {
    match rng.below(8) {
        0 => {
            for _ in 0..1 + rng.below(8) {
                if !b.is_empty() {
                    let i = rng.below(b.len());
                    b[i] ^= 1 << rng.below(8);
                }
            }
        }
        1 => {
            let i = rng.below(b.len() + 1);
            let n = 1 + rng.below(16);
            let ins: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            b.splice(i..i, ins);
        }
        2 => {
            if !b.is_empty() {
                let i = rng.below(b.len());
                let n = (1 + rng.below(64)).min(b.len() - i);
                b.drain(i..i + n);
            }
        }
        3 => {
            let n = rng.below(b.len() + 1);
            b.truncate(n);
        }
        4 => {
            // splice in a piece of another seed (or of this one)
            let d = if donors.is_empty() || rng.chance(30) {
                b.clone()
            } else {
                rng.pick(donors).clone()
            };
            if !d.is_empty() {
                let s = rng.below(d.len());
                let n = (1 + rng.below(256)).min(d.len() - s);
                let i = rng.below(b.len() + 1);
                let piece = d[s..s + n].to_vec();
                b.splice(i..i, piece);
            }
        }
        5 => {
            // a huge or odd number written over some bytes
            let v = rng.pick(VALUES).as_bytes().to_vec();
            let i = rng.below(b.len() + 1);
            let end = (i + rng.below(8)).min(b.len());
            b.splice(i..end, v);
        }
        6 => {
            // bytes of interest: 0, 0xff runs (huge varints), magic boundaries
            let i = rng.below(b.len() + 1);
            let run: Vec<u8> = match rng.below(3) {
                0 => vec![0xff; 1 + rng.below(12)],
                1 => vec![0; 1 + rng.below(12)],
                _ => vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
            };
            let end = (i + run.len()).min(b.len());
            b.splice(i..end, run);
        }
        _ => {
            // duplicate a chunk in place
            if !b.is_empty() {
                let s = rng.below(b.len());
                let n = (1 + rng.below(128)).min(b.len() - s);
                let piece = b[s..s + n].to_vec();
                b.splice(s..s, piece);
            }
        }
    }
}

/// Structural mutations of YAML text, or byte mutations.
fn mutate_yaml(rng: &mut Rng, text: &str, donors: &[Vec<u8>]) -> Vec<u8> {
    let mut t = text.to_string();
    for _ in 0..1 + rng.below(3) {
        match rng.below(7) {
            0 | 1 => {
                // swap the value of a key
                let key = rng.pick(KEYS);
                let pat = format!("{key}: ");
                let hits: Vec<usize> = t.match_indices(&pat).map(|(i, _)| i).collect();
                if hits.is_empty() {
                    continue;
                }
                let start = hits[rng.below(hits.len())] + pat.len();
                let rest = &t[start..];
                let end = start + rest.find([',', '}', '\n']).unwrap_or(rest.len());
                let v = rng.pick(VALUES).to_string();
                t.replace_range(start..end, &v);
            }
            2 => {
                // duplicate a line (duplicated keys, layers)
                let lines: Vec<&str> = t.lines().collect();
                if lines.is_empty() {
                    continue;
                }
                let i = rng.below(lines.len());
                let mut out: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
                out.insert(i, lines[i].to_string());
                t = out.join("\n") + "\n";
            }
            3 => {
                // delete a line
                let lines: Vec<&str> = t.lines().collect();
                if lines.is_empty() {
                    continue;
                }
                let i = rng.below(lines.len());
                let out: Vec<&str> = lines
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| *k != i)
                    .map(|(_, s)| *s)
                    .collect();
                t = out.join("\n") + "\n";
            }
            4 => {
                // an alias bomb or deep nesting as the value of a key
                let n = 1 + rng.below(200);
                let v = if rng.chance(50) {
                    let mut s = String::from("[&a0 [1, 1, 1, 1, 1, 1, 1, 1]");
                    for k in 1..=(n % 12 + 1) {
                        let r = format!("*a{}", k - 1);
                        s += &format!(", &a{k} [{r}, {r}, {r}, {r}, {r}, {r}, {r}, {r}]");
                    }
                    s + "]"
                } else {
                    format!("{}1{}", "[".repeat(n), "]".repeat(n))
                };
                let key = rng.pick(KEYS);
                let pat = format!("{key}: ");
                match t.find(&pat) {
                    Some(i) => {
                        let start = i + pat.len();
                        let rest = &t[start..];
                        let end = start + rest.find([',', '}', '\n']).unwrap_or(rest.len());
                        t.replace_range(start..end, &v);
                    }
                    None => t = format!("deep: {v}\n{t}"),
                }
            }
            _ => {
                let mut b = t.into_bytes();
                mutate_bytes(rng, &mut b, donors);
                t = String::from_utf8_lossy(&b).into_owned();
                if rng.chance(10) {
                    // not UTF-8 at all
                    let mut b = t.into_bytes();
                    let i = rng.below(b.len() + 1);
                    b.insert(i, 0xff);
                    return b;
                }
            }
        }
    }
    t.into_bytes()
}

/// A `.npy` header of shape `shape` (text as given) with data bytes.
fn npy_with_header(header: &str, data: &[u8]) -> Vec<u8> {
    let mut h = header.as_bytes().to_vec();
    while !(10 + h.len() + 1).is_multiple_of(64) {
        h.push(b' ');
    }
    h.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(h.len().min(65535) as u16).to_le_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(data);
    out
}

/// Mutations of a `.npy` file: its header's fields, or its bytes.
fn mutate_npy(rng: &mut Rng, b: &[u8], donors: &[Vec<u8>]) -> Vec<u8> {
    let text_end = b
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| p + 1);
    let data = b.get(text_end..).unwrap_or(&[]).to_vec();
    match rng.below(4) {
        0 => {
            let dims = [
                "1099511627776, 16",
                "4294967296, 4294967296, 4294967296",
                "-1, 32",
                "0, 32",
                "",
                "3,",
                "9223372036854775807",
                "2, 4, 4, 2",
                "1, 32",
                "99999999999999999999",
            ];
            let descr = [
                "<f4", "<f8", "|i1", "<i8", "<u8", ">f4", "|b1", "<c8", "<U3", "", "f",
            ];
            let shape = if rng.chance(15) {
                let n = 1 + rng.below(64);
                format!("{}1{}", "(".repeat(n), ")".repeat(n))
            } else {
                format!("({})", rng.pick(&dims))
            };
            let fortran = if rng.chance(20) { "True" } else { "False" };
            let h = format!(
                "{{'descr': '{}', 'fortran_order': {fortran}, 'shape': {shape}, }}",
                rng.pick(&descr)
            );
            let mut d = data;
            d.truncate(rng.below(d.len() + 1).max(d.len() / 2));
            npy_with_header(&h, &d)
        }
        1 => {
            // header length field or version
            let mut v = b.to_vec();
            if v.len() >= 10 {
                let i = 6 + rng.below(4);
                v[i] = rng.next() as u8;
            }
            v
        }
        _ => {
            let mut v = b.to_vec();
            for _ in 0..1 + rng.below(3) {
                mutate_bytes(rng, &mut v, donors);
            }
            v
        }
    }
}

/// A zip of `.npy` members (stored, correct checksums).
fn zip_of(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in members {
        w.start_file(name.as_str(), opts)
            .unwrap_or_else(|e| panic!("zip: {e}"));
        w.write_all(bytes).unwrap_or_else(|e| panic!("zip: {e}"));
    }
    w.finish()
        .unwrap_or_else(|e| panic!("zip: {e}"))
        .into_inner()
}

fn npy_bytes<T: ndarray_npy::WritableElement, D: ndarray::Dimension>(
    a: &ndarray::Array<T, D>,
) -> Vec<u8> {
    let mut v = Vec::new();
    a.write_npy(&mut v).unwrap_or_else(|e| panic!("npy: {e}"));
    v
}

/// The small network weight files and input tensors are mutated for.
const SMALL_NET: &str = "name: fz
input: {shape: [4, 4, 2], type: {bits: 8, signed: true, frac: 4}}
params: {file: w.npz}
policy:
  default: {weights: {arith: fixed, bits: 6}, acts: {bits: 8, signed: false, frac: 4}}
  layers:
    fc: {weights: {arith: fixed, bits: 8, scale: channel}, acts: {bits: 16, signed: true, frac: 8}}
layers:
  - {name: c1, op: conv, out: 3, kernel: 3, pad: 1, act: relu}
  - {name: p, op: maxpool, kernel: 2}
  - {name: f, op: flatten}
  - {name: fc, op: dense, out: 5}
";

/// The members of the small network's weight file.
fn small_members(rng: &mut Rng) -> Vec<(String, Vec<u8>)> {
    let mut f = |n: usize| -> Vec<f32> {
        (0..n)
            .map(|_| (rng.next() % 2000) as f32 / 1000.0 - 1.0)
            .collect()
    };
    let cw = Array4::from_shape_vec((3, 2, 3, 3), f(54)).unwrap_or_else(|e| panic!("{e}"));
    let cb = Array1::from_vec(f(3));
    let fw = Array2::from_shape_vec((5, 12), f(60)).unwrap_or_else(|e| panic!("{e}"));
    let fb = Array1::from_vec(f(5));
    let gamma = Array1::from_vec(vec![1.0f32, 0.5, 2.0]);
    let var = Array1::from_vec(vec![1.0f32, 0.25, 4.0]);
    vec![
        ("c1.weight.npy".into(), npy_bytes(&cw)),
        ("c1.bias.npy".into(), npy_bytes(&cb)),
        ("c1.bn.weight.npy".into(), npy_bytes(&gamma)),
        ("c1.bn.bias.npy".into(), npy_bytes(&cb)),
        ("c1.bn.running_mean.npy".into(), npy_bytes(&cb)),
        ("c1.bn.running_var.npy".into(), npy_bytes(&var)),
        ("fc.weight.npy".into(), npy_bytes(&fw)),
        ("fc.bias.npy".into(), npy_bytes(&fb)),
    ]
}

fn compressed_npz(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    // the same arrays through NumPy's writer, deflated
    let mut w = NpzWriter::new_compressed(Cursor::new(Vec::new()));
    for (name, bytes) in members {
        let a = read_f32(bytes);
        w.add_array(name.trim_end_matches(".npy"), &a)
            .unwrap_or_else(|e| panic!("npz: {e}"));
    }
    w.finish()
        .unwrap_or_else(|e| panic!("npz: {e}"))
        .into_inner()
}

fn read_f32(bytes: &[u8]) -> ArrayD<f32> {
    use ndarray_npy::ReadNpyExt;
    ArrayD::<f32>::read_npy(bytes).unwrap_or_else(|e| panic!("npy: {e}"))
}

#[path = "common/pb.rs"]
mod wire;

/// An ONNX model: one Gemm `y = x·Wᵀ + b` on `n` features, by hand in the
/// protobuf wire format.
mod pb {
    pub use super::wire::*;

    /// A Gemm with weight dims `wdims` (data only when they are small).
    pub fn gemm(n: i64, out: i64, wdims: &[i64]) -> Vec<u8> {
        let count: i64 = wdims.iter().map(|&d| d.clamp(0, 1 << 20)).product();
        let count = if count <= 1 << 16 { count as usize } else { 0 };
        let w: Vec<f32> = (0..count).map(|i| (i % 7) as f32 / 8.0 - 0.4).collect();
        let b: Vec<f32> = (0..out.clamp(0, 1 << 16))
            .map(|i| i as f32 / 16.0)
            .collect();
        let mut node = Vec::new();
        for i in ["x", "W", "B"] {
            bytes(1, i.as_bytes(), &mut node);
        }
        bytes(2, b"y", &mut node);
        bytes(3, b"fc", &mut node);
        bytes(4, b"Gemm", &mut node);
        let mut attr = Vec::new();
        bytes(1, b"transB", &mut attr);
        int(3, 1, &mut attr);
        int(20, 2, &mut attr);
        bytes(5, &attr, &mut node);
        let mut g = Vec::new();
        bytes(1, &node, &mut g);
        bytes(2, b"g", &mut g);
        bytes(5, &tensor("W", wdims, &w), &mut g);
        bytes(5, &tensor("B", &[out], &b), &mut g);
        bytes(11, &value_info("x", &[1, n]), &mut g);
        bytes(12, &value_info("y", &[1, out]), &mut g);
        let mut m = Vec::new();
        int(1, 8, &mut m);
        bytes(2, b"fuzz", &mut m);
        bytes(7, &g, &mut m);
        let mut opset = Vec::new();
        int(2, 13, &mut opset);
        bytes(8, &opset, &mut m);
        m
    }
}

/// A protobuf message as a tree: length-delimited fields that parse as
/// messages are kept as sub-messages, so a value deep inside can change
/// and every length around it still be right.
#[derive(Clone)]
enum Field {
    Varint(u64, u64),
    Fixed64(u64, u64),
    Fixed32(u64, u32),
    Bytes(u64, Vec<u8>),
    Message(u64, Vec<Field>),
}

fn parse_message(b: &[u8], depth: usize) -> Option<Vec<Field>> {
    let mut out = Vec::new();
    let mut pos = 0;
    let varint = |pos: &mut usize| -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *b.get(*pos)?;
            *pos += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    };
    while pos < b.len() {
        let key = varint(&mut pos)?;
        let (field, wire) = (key >> 3, key & 7);
        if field == 0 {
            return None;
        }
        match wire {
            0 => out.push(Field::Varint(field, varint(&mut pos)?)),
            1 => {
                let v = b.get(pos..pos + 8)?;
                pos += 8;
                out.push(Field::Fixed64(
                    field,
                    u64::from_le_bytes(v.try_into().ok()?),
                ));
            }
            5 => {
                let v = b.get(pos..pos + 4)?;
                pos += 4;
                out.push(Field::Fixed32(
                    field,
                    u32::from_le_bytes(v.try_into().ok()?),
                ));
            }
            2 => {
                let n = usize::try_from(varint(&mut pos)?).ok()?;
                let v = b.get(pos..pos.checked_add(n)?)?;
                pos += n;
                let sub = if depth < 8 && !v.is_empty() {
                    parse_message(v, depth + 1)
                } else {
                    None
                };
                out.push(match sub {
                    Some(m) => Field::Message(field, m),
                    None => Field::Bytes(field, v.to_vec()),
                });
            }
            _ => return None,
        }
    }
    Some(out)
}

fn write_message(m: &[Field], out: &mut Vec<u8>) {
    for f in m {
        match f {
            Field::Varint(n, v) => {
                pb::varint(n << 3, out);
                pb::varint(*v, out);
            }
            Field::Fixed64(n, v) => {
                pb::varint(n << 3 | 1, out);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Field::Fixed32(n, v) => {
                pb::varint(n << 3 | 5, out);
                out.extend_from_slice(&v.to_le_bytes());
            }
            Field::Bytes(n, v) => {
                pb::varint(n << 3 | 2, out);
                pb::varint(v.len() as u64, out);
                out.extend_from_slice(v);
            }
            Field::Message(n, sub) => {
                let mut b = Vec::new();
                write_message(sub, &mut b);
                pb::varint(n << 3 | 2, out);
                pb::varint(b.len() as u64, out);
                out.extend_from_slice(&b);
            }
        }
    }
}

fn count_fields(m: &[Field]) -> usize {
    m.iter()
        .map(|f| match f {
            Field::Message(_, sub) => 1 + count_fields(sub),
            _ => 1,
        })
        .sum()
}

/// Change the `k`-th field (depth first) of a message; `false` once done.
fn mutate_field(rng: &mut Rng, m: &mut Vec<Field>, k: &mut usize) -> bool {
    for i in 0..m.len() {
        if *k == 0 {
            match &mut m[i] {
                Field::Varint(_, v) => {
                    *v = *rng.pick(&[
                        0,
                        1,
                        2,
                        3,
                        7,
                        (-1i64) as u64,
                        (-2i64) as u64,
                        1 << 31,
                        1 << 32,
                        1 << 40,
                        i64::MAX as u64,
                        u64::MAX,
                        v.wrapping_add(1),
                        v.wrapping_sub(1),
                    ]);
                }
                Field::Fixed32(_, v) => {
                    *v = rng
                        .pick(&[f32::NAN, f32::INFINITY, 0.0, -1.0, 1e30, 6.0, 0.5, 3.0])
                        .to_bits();
                }
                Field::Fixed64(_, v) => *v = rng.pick(&[f64::NAN, 0.0, -1.0, 1e300]).to_bits(),
                Field::Bytes(_, v) => match rng.below(3) {
                    0 => {
                        let n = rng.below(v.len() + 1);
                        v.truncate(n);
                    }
                    1 => {
                        let ops: [&[u8]; 10] = [
                            b"Conv",
                            b"Gemm",
                            b"MatMul",
                            b"Add",
                            b"Relu",
                            b"Flatten",
                            b"MaxPool",
                            b"Quant",
                            b"BatchNormalization",
                            b"Reshape",
                        ];
                        *v = rng.pick(&ops).to_vec();
                    }
                    _ => {
                        let extra = v.clone();
                        v.extend_from_slice(&extra);
                    }
                },
                Field::Message(_, _) => {
                    // repeat or drop a whole field (nodes, dims, initializers)
                    if rng.chance(50) {
                        let f = m[i].clone();
                        for _ in 0..1 + rng.below(3) {
                            m.insert(i, f.clone());
                        }
                    } else {
                        m.remove(i);
                    }
                }
            }
            return false;
        }
        *k -= 1;
        if let Field::Message(_, sub) = &mut m[i] {
            if !mutate_field(rng, sub, k) {
                return false;
            }
        }
    }
    true
}

/// Mutations of an ONNX model: values inside its messages (lengths kept
/// right), varints made huge, lengths changed, bytes.
fn mutate_onnx(rng: &mut Rng, b: &[u8], donors: &[Vec<u8>]) -> Vec<u8> {
    let mut v = b.to_vec();
    if rng.chance(60) {
        if let Some(mut m) = parse_message(&v, 0) {
            for _ in 0..1 + rng.below(3) {
                let n = count_fields(&m);
                let mut k = rng.below(n);
                mutate_field(rng, &mut m, &mut k);
            }
            let mut out = Vec::new();
            write_message(&m, &mut out);
            return out;
        }
    }
    for _ in 0..1 + rng.below(3) {
        if rng.chance(40) && !v.is_empty() {
            // replace the varint at a random position by a huge or negative one
            let i = rng.below(v.len());
            let mut end = i;
            while end < v.len() && v[end] & 0x80 != 0 && end - i < 10 {
                end += 1;
            }
            let end = (end + 1).min(v.len());
            let mut nv = Vec::new();
            let val = *rng.pick(&[
                u64::MAX,
                1 << 32,
                1 << 40,
                (-1i64) as u64,
                (-7i64) as u64,
                i64::MAX as u64,
                0,
                1 << 62,
            ]);
            pb::varint(val, &mut nv);
            v.splice(i..end, nv);
        } else {
            mutate_bytes(rng, &mut v, donors);
        }
    }
    v
}

/// What a case runs.
struct Case {
    /// Arguments; paths are absolute.
    args: Vec<String>,
    /// Files an error may name; text files need `:line:col`.
    files: Vec<(PathBuf, bool)>,
    what: String,
}

struct Seeds {
    yamls: Vec<String>,
    boards: Vec<String>,
    onnx: Vec<Vec<u8>>,
    jet: PathBuf,
}

fn seeds(root: &Path) -> Seeds {
    let mut yamls = Vec::new();
    let mut onnx = Vec::new();
    for dir in [root.join("examples"), root.join("generator/tests/data")] {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|r| r.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        entries.sort();
        for p in entries {
            match p.extension().and_then(|e| e.to_str()) {
                Some("yaml") => yamls.push(std::fs::read_to_string(&p).unwrap_or_default()),
                Some("onnx") => onnx.push(std::fs::read(&p).unwrap_or_default()),
                _ => {}
            }
        }
    }
    yamls.push(SMALL_NET.to_string());
    onnx.push(pb::gemm(6, 3, &[3, 6]));
    let mut boards = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(root.join("boards"))
        .map(|r| r.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    for p in entries {
        if p.extension().is_some_and(|e| e == "yaml") {
            boards.push(std::fs::read_to_string(&p).unwrap_or_default());
        }
    }
    assert!(yamls.len() >= 5 && onnx.len() >= 2 && !boards.is_empty());
    Seeds {
        yamls,
        boards,
        onnx,
        jet: root.join("examples/jet_tagger.yaml"),
    }
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn write(p: &Path, b: &[u8]) {
    std::fs::write(p, b).unwrap_or_else(|e| panic!("writing {}: {e}", p.display()));
}

/// Build case `index` in `dir`.
fn make_case(seed: u64, index: u64, seeds: &Seeds, dir: &Path) -> Case {
    let mut rng = Rng(seed ^ index.wrapping_mul(0xd1b5_4a32_d192_ed03));
    rng.next();
    let net = dir.join("net.yaml");
    let yaml_donors: Vec<Vec<u8>> = seeds.yamls.iter().map(|y| y.as_bytes().to_vec()).collect();
    match index % 5 {
        0 => {
            let y = rng.pick(&seeds.yamls).clone();
            let y = y.replace("params: {file: w.npz}", "params: {random: {seed: 3}}");
            write(&net, &mutate_yaml(&mut rng, &y, &yaml_donors));
            Case {
                args: vec!["check".into(), s(&net)],
                files: vec![(net, true)],
                what: "check a mutated description".into(),
            }
        }
        1 => {
            let members = small_members(&mut rng);
            let npz = dir.join("w.npz");
            let bytes = match rng.below(4) {
                0 => {
                    // one member's .npy mutated inside a well-formed zip
                    let mut m = members.clone();
                    let k = rng.below(m.len());
                    let donors: Vec<Vec<u8>> = members.iter().map(|(_, b)| b.clone()).collect();
                    m[k].1 = mutate_npy(&mut rng, &m[k].1, &donors);
                    zip_of(&m)
                }
                1 => {
                    let mut b = compressed_npz(&members);
                    for _ in 0..1 + rng.below(3) {
                        mutate_bytes(&mut rng, &mut b, &[]);
                    }
                    b
                }
                _ => {
                    let mut b = zip_of(&members);
                    for _ in 0..1 + rng.below(3) {
                        mutate_bytes(&mut rng, &mut b, &[]);
                    }
                    b
                }
            };
            write(&npz, &bytes);
            let y = if rng.chance(20) {
                mutate_yaml(&mut rng, SMALL_NET, &yaml_donors)
            } else {
                SMALL_NET.as_bytes().to_vec()
            };
            write(&net, &y);
            Case {
                args: vec!["check".into(), s(&net)],
                files: vec![(net, true), (npz, false)],
                what: "check with a mutated weight file".into(),
            }
        }
        2 => {
            let npz = dir.join("w.npz");
            write(&npz, &zip_of(&small_members(&mut rng)));
            write(&net, SMALL_NET.as_bytes());
            let frames = 1 + rng.below(3);
            let x = if rng.chance(50) {
                let v: Vec<i8> = (0..frames * 32).map(|_| rng.next() as i8).collect();
                npy_bytes(
                    &ArrayD::from_shape_vec(IxDyn(&[frames, 4, 4, 2]), v)
                        .unwrap_or_else(|e| panic!("{e}")),
                )
            } else {
                let v: Vec<f32> = (0..frames * 32)
                    .map(|_| (rng.next() % 1000) as f32 / 100.0 - 5.0)
                    .collect();
                npy_bytes(
                    &ArrayD::from_shape_vec(IxDyn(&[frames, 32]), v)
                        .unwrap_or_else(|e| panic!("{e}")),
                )
            };
            let input = dir.join("x.npy");
            write(&input, &mutate_npy(&mut rng, &x, &[]));
            let output = dir.join("y.npy");
            Case {
                args: vec![
                    "run".into(),
                    s(&net),
                    "--input".into(),
                    s(&input),
                    "--output".into(),
                    s(&output),
                ],
                files: vec![(input, false), (output, false), (net, true)],
                what: "run on a mutated input tensor".into(),
            }
        }
        3 => {
            let model = dir.join("m.onnx");
            let base = if rng.chance(25) {
                let wd = [
                    [3, 6],
                    [1 << 32, 1 << 32],
                    [-3, 6],
                    [0, 6],
                    [6, 0],
                    [1 << 40, 0],
                    [i64::MAX, 2],
                    [3, 1 << 33],
                ];
                let d = rng.pick(&wd);
                pb::gemm(6, 3, d)
            } else {
                rng.pick(&seeds.onnx).clone()
            };
            write(&model, &mutate_onnx(&mut rng, &base, &seeds.onnx));
            let out = dir.join("out").join("net.yaml");
            let _ = std::fs::create_dir_all(dir.join("out"));
            Case {
                args: vec!["import".into(), s(&model), "-o".into(), s(&out)],
                files: vec![
                    (model, false),
                    (out.clone(), true),
                    (out.with_extension("npz"), false),
                ],
                what: "import a mutated model".into(),
            }
        }
        _ => {
            let board = dir.join("board.yaml");
            let b = rng.pick(&seeds.boards).clone();
            let donors: Vec<Vec<u8>> = seeds.boards.iter().map(|y| y.as_bytes().to_vec()).collect();
            write(&board, &mutate_yaml(&mut rng, &b, &donors));
            Case {
                args: vec!["plan".into(), s(&seeds.jet), "--board".into(), s(&board)],
                // the planner's refusals name the flag that chose the board
                files: vec![(board, true), (PathBuf::from("--board"), false)],
                what: "plan on a mutated board file".into(),
            }
        }
    }
}

/// Whether an `error: ` message names one of the case's files (with
/// `:line:col` for a text file).
fn names_a_file(msg: &str, files: &[(PathBuf, bool)]) -> bool {
    let Some(rest) = msg.strip_prefix("error: ") else {
        return false;
    };
    files.iter().any(|(p, text)| {
        let Some(after) = rest.strip_prefix(&s(p)) else {
            return false;
        };
        if after.starts_with(": ") {
            return !text;
        }
        let mut parts = after.splitn(3, ':');
        let (_, l, c) = (parts.next(), parts.next(), parts.next());
        let digits = |x: Option<&str>| {
            x.is_some_and(|x| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()))
        };
        digits(l)
            && c.is_some_and(|c| {
                let n = c.bytes().take_while(u8::is_ascii_digit).count();
                n > 0 && c[n..].starts_with(": ")
            })
    })
}

enum Outcome {
    Accepted,
    Refused,
    Failed(String),
}

fn run_case(case: &Case, dir: &Path) -> (Outcome, Duration) {
    let out = File::create(dir.join("stdout")).unwrap_or_else(|e| panic!("{e}"));
    let err_path = dir.join("stderr");
    let err = File::create(&err_path).unwrap_or_else(|e| panic!("{e}"));
    let t = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tomatl"))
        .args(&case.args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("spawning tomatl: {e}"));
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st,
            Ok(None) if t.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return (
                    Outcome::Failed(format!("ran over {} s", TIMEOUT.as_secs())),
                    t.elapsed(),
                );
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(3)),
            Err(e) => panic!("waiting for tomatl: {e}"),
        }
    };
    let took = t.elapsed();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    if stderr.contains("panicked") {
        return (Outcome::Failed(format!("panic:\n{stderr}")), took);
    }
    match status.code() {
        Some(0) => (Outcome::Accepted, took),
        Some(2) if names_a_file(&stderr, &case.files) => (Outcome::Refused, took),
        Some(2) => (
            Outcome::Failed(format!(
                "refusal without `error: <file>[:line:col]: `:\n{stderr}"
            )),
            took,
        ),
        Some(c) => (Outcome::Failed(format!("exit code {c}:\n{stderr}")), took),
        None => (
            Outcome::Failed(format!("killed by a signal ({status}):\n{stderr}")),
            took,
        ),
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => {
            let v = v.trim();
            let parsed = match v.strip_prefix("0x") {
                Some(h) => u64::from_str_radix(h, 16),
                None => v.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("{name}={v} is not a number"))
        }
        Err(_) => default,
    }
}

#[test]
fn mutated_inputs_exit_0_or_2_with_a_located_message() {
    let cases = env_u64("TOMATL_FUZZ_CASES", 500);
    let seed = env_u64("TOMATL_FUZZ_SEED", DEFAULT_SEED);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let seeds = seeds(&root);
    let keep = root.join("target/fuzz-failures");
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let t = Instant::now();
    let threads = 2u64;
    // TOMATL_FUZZ_LOG=1 prints every case's first line of stderr
    let log = std::env::var_os("TOMATL_FUZZ_LOG").is_some();
    let results: Vec<(u64, u64, Vec<String>, Duration)> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                let (seeds, tmp, keep) = (&seeds, tmp.path(), &keep);
                sc.spawn(move || {
                    let (mut acc, mut refused, mut fails) = (0, 0, Vec::new());
                    let mut slowest = Duration::ZERO;
                    for i in (k..cases).step_by(threads as usize) {
                        let dir = tmp.join(format!("case{i}"));
                        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
                        let case = make_case(seed, i, seeds, &dir);
                        let (outcome, took) = run_case(&case, &dir);
                        if log {
                            let err =
                                std::fs::read_to_string(dir.join("stderr")).unwrap_or_default();
                            println!(
                                "case {i}: {}: {}",
                                case.what,
                                err.lines().next().unwrap_or("accepted")
                            );
                        }
                        slowest = slowest.max(took);
                        match outcome {
                            Outcome::Accepted => acc += 1,
                            Outcome::Refused => refused += 1,
                            Outcome::Failed(why) => {
                                let saved = keep.join(format!("case{i}"));
                                let _ = std::fs::create_dir_all(&saved);
                                if let Ok(rd) = std::fs::read_dir(&dir) {
                                    for e in rd.flatten() {
                                        let _ = std::fs::copy(e.path(), saved.join(e.file_name()));
                                    }
                                }
                                fails.push(format!(
                                    "case {i} ({}; `tomatl {}`; files kept in {}): {why}",
                                    case.what,
                                    case.args.join(" "),
                                    saved.display()
                                ));
                            }
                        }
                        let _ = std::fs::remove_dir_all(&dir);
                    }
                    (acc, refused, fails, slowest)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| panic!("fuzz worker panicked")))
            .collect()
    });
    let accepted: u64 = results.iter().map(|r| r.0).sum();
    let refused: u64 = results.iter().map(|r| r.1).sum();
    let slowest = results.iter().map(|r| r.3).max().unwrap_or_default();
    let fails: Vec<&String> = results.iter().flat_map(|r| r.2.iter()).collect();
    println!(
        "fuzz: {cases} cases, {accepted} accepted, {refused} refused, {} failed (seed {seed:#x}, {:.1} s, slowest run {:.2} s)",
        fails.len(),
        t.elapsed().as_secs_f64(),
        slowest.as_secs_f64()
    );
    assert!(
        fails.is_empty(),
        "{} of {cases} cases failed:\n{}",
        fails.len(),
        fails
            .iter()
            .take(20)
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    );
    assert_eq!(accepted + refused, cases);
    // the mutations must both keep some inputs valid and break others
    if cases >= 100 {
        assert!(
            accepted > 0 && refused > 0,
            "{accepted} accepted, {refused} refused"
        );
    }
}

#[test]
fn the_error_format_check_is_strict() {
    let files = vec![
        (PathBuf::from("/t/net.yaml"), true),
        (PathBuf::from("/t/w.npz"), false),
    ];
    assert!(names_a_file("error: /t/net.yaml:3:5: bad", &files));
    assert!(names_a_file("error: /t/w.npz: bad", &files));
    assert!(!names_a_file("error: /t/net.yaml: bad", &files));
    assert!(!names_a_file("error: /t/net.yaml:3: bad", &files));
    assert!(!names_a_file("error: other.yaml:3:5: bad", &files));
    assert!(!names_a_file("/t/w.npz: bad", &files));
    let mut r = Rng(1);
    let a: Vec<u64> = (0..3).map(|_| r.next()).collect();
    let mut r = Rng(1);
    assert_eq!(a, (0..3).map(|_| r.next()).collect::<Vec<_>>());
}
