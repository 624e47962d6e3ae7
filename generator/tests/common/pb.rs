//! The protobuf wire format of ONNX, by hand: enough to write small models
//! (a varint, length-delimited and integer fields, a float tensor, a
//! graph input or output with its shape). Shared by the input tests.
#![allow(dead_code)]

pub fn varint(mut v: u64, out: &mut Vec<u8>) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

pub fn bytes(field: u32, b: &[u8], out: &mut Vec<u8>) {
    varint(u64::from(field) << 3 | 2, out);
    varint(b.len() as u64, out);
    out.extend_from_slice(b);
}

pub fn int(field: u32, v: i64, out: &mut Vec<u8>) {
    varint(u64::from(field) << 3, out);
    varint(v as u64, out);
}

/// A float tensor `name` of `dims` holding `data` (raw little-endian).
pub fn tensor(name: &str, dims: &[i64], data: &[f32]) -> Vec<u8> {
    let mut t = Vec::new();
    for &d in dims {
        int(1, d, &mut t);
    }
    int(2, 1, &mut t);
    bytes(8, name.as_bytes(), &mut t);
    let raw: Vec<u8> = data.iter().flat_map(|x| x.to_le_bytes()).collect();
    bytes(9, &raw, &mut t);
    t
}

/// A graph input or output `name` of float elements shaped `dims`.
pub fn value_info(name: &str, dims: &[i64]) -> Vec<u8> {
    let mut shape = Vec::new();
    for &d in dims {
        let mut dim = Vec::new();
        int(1, d, &mut dim);
        bytes(1, &dim, &mut shape);
    }
    let mut tt = Vec::new();
    int(1, 1, &mut tt);
    bytes(2, &shape, &mut tt);
    let mut ty = Vec::new();
    bytes(1, &tt, &mut ty);
    let mut vi = Vec::new();
    bytes(1, name.as_bytes(), &mut vi);
    bytes(2, &ty, &mut vi);
    vi
}
