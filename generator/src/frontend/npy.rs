//! NumPy `.npy` arrays (format versions 1, 2 and 3), read with work bounded
//! by the bytes really present: the header is parsed in one linear pass, and
//! the data it announces is checked against what the file (or archive
//! member) holds before anything is allocated for it.

use std::io::Read;

use ndarray::{ArrayD, IxDyn, ShapeBuilder};

use super::arrays::{unravel, AnyArray, ArrayError};

const MAGIC: &[u8; 6] = b"\x93NUMPY";
/// The longest header accepted (NumPy itself writes about 128 bytes and
/// refuses more than 10000 by default).
pub const MAX_HEADER_BYTES: usize = 1 << 16;
/// How deep brackets may nest in a header (a structured dtype needs four).
const MAX_DEPTH: usize = 8;

/// Element types tomatl reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Float,
    Int,
    Uint,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dtype {
    pub kind: Kind,
    /// Bytes per element.
    pub size: usize,
    pub big_endian: bool,
}

/// What a `.npy` header says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub dtype: Dtype,
    pub fortran_order: bool,
    pub shape: Vec<usize>,
}

impl Header {
    /// Elements and bytes of data; `None` when they overflow.
    pub fn sizes(&self) -> Option<(usize, u64)> {
        let n = self
            .shape
            .iter()
            .try_fold(1usize, |a, &d| a.checked_mul(d))?;
        let bytes = u64::try_from(n).ok()?.checked_mul(self.dtype.size as u64)?;
        Some((n, bytes))
    }
}

fn other(msg: impl Into<String>) -> ArrayError {
    ArrayError::Other(msg.into())
}

/// The fixed part before the header: magic, version and header length.
/// Returns (bytes of the fixed part, header length). `pre` holds at least
/// the first 8 bytes, and 10 or 12 when the version needs them.
fn preamble(pre: &[u8]) -> Result<(usize, usize), ArrayError> {
    if pre.len() < 8 || &pre[..6] != MAGIC {
        return Err(other("no .npy magic string (\\x93NUMPY) at the start"));
    }
    let (major, minor) = (pre[6], pre[7]);
    let (fixed, hlen) = match major {
        1 if pre.len() >= 10 => (10, usize::from(u16::from_le_bytes([pre[8], pre[9]]))),
        2 | 3 if pre.len() >= 12 => {
            let n = u32::from_le_bytes([pre[8], pre[9], pre[10], pre[11]]);
            (12, usize::try_from(n).unwrap_or(usize::MAX))
        }
        1..=3 => return Err(other("truncated .npy header")),
        _ => {
            return Err(other(format!(
                "unsupported .npy format version {major}.{minor}"
            )))
        }
    };
    if hlen > MAX_HEADER_BYTES {
        return Err(other(format!(
            "the header is {hlen} bytes long, more than the {MAX_HEADER_BYTES} accepted"
        )));
    }
    Ok((fixed, hlen))
}

/// Bytes of the fixed part for a format version byte (10 or 12).
fn fixed_len(major: u8) -> usize {
    if major == 1 {
        10
    } else {
        12
    }
}

/// A Python literal as it appears in a header.
#[derive(Debug, PartialEq)]
enum Lit {
    Str(String),
    Int(i64),
    Bool(bool),
    None,
    Seq(Vec<Lit>),
    Dict(Vec<(Lit, Lit)>),
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, what: &str) -> ArrayError {
        other(format!("bad .npy header at character {}: {what}", self.pos))
    }

    fn skip_ws(&mut self) {
        while self
            .s
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_whitespace())
        {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.pos).copied()
    }

    fn value(&mut self, depth: usize) -> Result<Lit, ArrayError> {
        match self.peek() {
            None => Err(self.err("unexpected end")),
            Some(q @ (b'\'' | b'"')) => self.string(q),
            Some(b'-' | b'0'..=b'9') => self.int(),
            Some(open @ (b'(' | b'[' | b'{')) => {
                if depth >= MAX_DEPTH {
                    return Err(self.err(&format!("brackets nested more than {MAX_DEPTH} deep")));
                }
                self.pos += 1;
                if open == b'{' {
                    self.dict(depth + 1)
                } else {
                    self.seq(if open == b'(' { b')' } else { b']' }, depth + 1)
                }
            }
            Some(_) => {
                for (word, v) in [
                    ("True", Lit::Bool(true)),
                    ("False", Lit::Bool(false)),
                    ("None", Lit::None),
                ] {
                    if self.s[self.pos..].starts_with(word.as_bytes()) {
                        self.pos += word.len();
                        return Ok(v);
                    }
                }
                Err(self.err("expected a string, number, True, False, None or bracket"))
            }
        }
    }

    fn string(&mut self, quote: u8) -> Result<Lit, ArrayError> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.s.get(self.pos).copied() {
                None => return Err(self.err("unterminated string")),
                Some(b'\\') => {
                    let c = self
                        .s
                        .get(self.pos + 1)
                        .copied()
                        .ok_or_else(|| self.err("unterminated string"))?;
                    out.push(c);
                    self.pos += 2;
                }
                Some(c) if c == quote => {
                    self.pos += 1;
                    break;
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        String::from_utf8(out)
            .map(Lit::Str)
            .map_err(|_| self.err("string is not UTF-8"))
    }

    fn int(&mut self) -> Result<Lit, ArrayError> {
        let neg = self.s.get(self.pos) == Some(&b'-');
        if neg {
            self.pos += 1;
        }
        let start = self.pos;
        let mut v: i64 = 0;
        while let Some(d) = self.s.get(self.pos).filter(|c| c.is_ascii_digit()) {
            v = v
                .checked_mul(10)
                .and_then(|v| v.checked_add(i64::from(d - b'0')))
                .ok_or_else(|| self.err("number too large"))?;
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.err("expected digits"));
        }
        // Python 2 long suffix
        if matches!(self.s.get(self.pos), Some(b'L' | b'l')) {
            self.pos += 1;
        }
        Ok(Lit::Int(if neg { -v } else { v }))
    }

    fn seq(&mut self, close: u8, depth: usize) -> Result<Lit, ArrayError> {
        let mut items = Vec::new();
        loop {
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok(Lit::Seq(items));
            }
            items.push(self.value(depth)?);
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(c) if c == close => {}
                _ => return Err(self.err("expected `,` or a closing bracket")),
            }
        }
    }

    fn dict(&mut self, depth: usize) -> Result<Lit, ArrayError> {
        let mut items = Vec::new();
        loop {
            if self.peek() == Some(b'}') {
                self.pos += 1;
                return Ok(Lit::Dict(items));
            }
            let k = self.value(depth)?;
            if self.peek() != Some(b':') {
                return Err(self.err("expected `:` after a key"));
            }
            self.pos += 1;
            let v = self.value(depth)?;
            items.push((k, v));
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {}
                _ => return Err(self.err("expected `,` or `}`")),
            }
        }
    }
}

/// The dtype of a `descr` string such as `<f4` or `|u1`; `None` when
/// tomatl does not read it.
fn dtype(descr: &str) -> Option<Dtype> {
    let b = descr.as_bytes();
    let (big_endian, rest) = match b.first()? {
        b'<' | b'|' | b'=' => (false, &b[1..]),
        b'>' => (true, &b[1..]),
        _ => (false, b),
    };
    let (kind, size) = match rest {
        b"f4" => (Kind::Float, 4),
        b"f8" => (Kind::Float, 8),
        [b'i', n] | [b'u', n] => {
            let size = match n {
                b'1' => 1,
                b'2' => 2,
                b'4' => 4,
                b'8' => 8,
                _ => return None,
            };
            (
                if rest[0] == b'i' {
                    Kind::Int
                } else {
                    Kind::Uint
                },
                size,
            )
        }
        _ => return None,
    };
    Some(Dtype {
        kind,
        size,
        big_endian,
    })
}

/// Parse the header dictionary (the text after the fixed part).
pub fn parse_header(text: &[u8]) -> Result<Header, ArrayError> {
    let mut p = Parser { s: text, pos: 0 };
    let Lit::Dict(items) = p.value(0)? else {
        return Err(other("the .npy header is not a dictionary"));
    };
    if p.peek().is_some() {
        return Err(p.err("text after the header dictionary"));
    }
    let get = |key: &str| {
        items
            .iter()
            .find(|(k, _)| matches!(k, Lit::Str(s) if s == key))
            .map(|(_, v)| v)
    };
    let missing = |key: &str| other(format!("the .npy header has no `{key}`"));
    let dt = match get("descr").ok_or_else(|| missing("descr"))? {
        Lit::Str(s) => dtype(s).ok_or_else(|| ArrayError::Dtype(format!("'{s}'")))?,
        _ => return Err(ArrayError::Dtype("a structured dtype".into())),
    };
    let fortran_order = match get("fortran_order").ok_or_else(|| missing("fortran_order"))? {
        Lit::Bool(b) => *b,
        _ => {
            return Err(other(
                "`fortran_order` in the .npy header is not True or False",
            ))
        }
    };
    let Lit::Seq(dims) = get("shape").ok_or_else(|| missing("shape"))? else {
        return Err(other("`shape` in the .npy header is not a tuple"));
    };
    let mut shape = Vec::with_capacity(dims.len());
    for d in dims {
        match d {
            Lit::Int(n) if *n >= 0 => shape.push(
                usize::try_from(*n).map_err(|_| other(format!("dimension {n} is too large")))?,
            ),
            Lit::Int(n) => return Err(other(format!("negative dimension {n} in the shape"))),
            _ => return Err(other("`shape` in the .npy header holds a non-integer")),
        }
    }
    let h = Header {
        dtype: dt,
        fortran_order,
        shape,
    };
    if h.sizes().is_none() {
        return Err(other(format!(
            "shape {:?} has more elements than can be addressed",
            h.shape
        )));
    }
    Ok(h)
}

fn claims_more(h: &Header, need: u64, have: u64) -> ArrayError {
    other(format!(
        "the header claims shape {:?} of {}-byte elements ({need} bytes of data), but only {have} bytes follow it",
        h.shape, h.dtype.size
    ))
}

/// Read a whole `.npy` file held in memory.
pub fn read_bytes(bytes: &[u8]) -> Result<AnyArray, ArrayError> {
    let (fixed, hlen) = preamble(&bytes[..bytes.len().min(12)])?;
    let text = bytes
        .get(fixed..)
        .and_then(|r| r.get(..hlen))
        .ok_or_else(|| other("truncated .npy header"))?;
    let h = parse_header(text)?;
    let data = &bytes[fixed + hlen..];
    let (_, need) = h.sizes().ok_or_else(|| other("shape too large"))?;
    if need > data.len() as u64 {
        return Err(claims_more(&h, need, data.len() as u64));
    }
    decode(&h, &data[..need as usize])
}

/// Read a `.npy` stream (an archive member) that holds at most `available`
/// bytes; its data counts against `budget`, which shrinks by that much.
pub fn read_stream(
    r: &mut impl Read,
    available: u64,
    budget: &mut u64,
) -> Result<AnyArray, ArrayError> {
    let io = |e: std::io::Error| other(format!("cannot read the array: {e}"));
    let mut pre = [0u8; 12];
    let short = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            other("truncated .npy header")
        } else {
            io(e)
        }
    };
    r.read_exact(&mut pre[..8]).map_err(short)?;
    let fixed = fixed_len(pre[6]);
    if &pre[..6] == MAGIC && (1..=3).contains(&pre[6]) {
        r.read_exact(&mut pre[8..fixed]).map_err(short)?;
    }
    let (fixed, hlen) = preamble(&pre[..fixed])?;
    if (fixed + hlen) as u64 > available {
        return Err(other("truncated .npy header"));
    }
    let mut text = vec![0u8; hlen];
    r.read_exact(&mut text).map_err(short)?;
    let h = parse_header(&text)?;
    let (_, need) = h.sizes().ok_or_else(|| other("shape too large"))?;
    let have = available - (fixed + hlen) as u64;
    if need > have {
        return Err(claims_more(&h, need, have));
    }
    if need > *budget {
        return Err(other(format!(
            "the array holds {need} bytes of data, more than the {} left to read from this file",
            *budget
        )));
    }
    let mut data = Vec::with_capacity(usize::try_from(need.min(1 << 20)).unwrap_or(0));
    r.take(need).read_to_end(&mut data).map_err(io)?;
    if (data.len() as u64) < need {
        return Err(other(format!(
            "truncated data: {} of the {need} bytes the header announces",
            data.len()
        )));
    }
    *budget -= need;
    decode(&h, &data)
}

/// The elements of `data` (exactly the header's size) as an array in
/// row-major order.
fn decode(h: &Header, data: &[u8]) -> Result<AnyArray, ArrayError> {
    let d = h.dtype;
    let word = |c: &[u8]| -> u64 {
        let mut b = [0u8; 8];
        if d.big_endian {
            b[8 - c.len()..].copy_from_slice(c);
            u64::from_be_bytes(b)
        } else {
            b[..c.len()].copy_from_slice(c);
            u64::from_le_bytes(b)
        }
    };
    let words = data.chunks_exact(d.size).map(word);
    match d.kind {
        Kind::Float => {
            let v: Vec<f64> = if d.size == 4 {
                words.map(|w| f64::from(f32::from_bits(w as u32))).collect()
            } else {
                words.map(f64::from_bits).collect()
            };
            Ok(AnyArray::Float(shaped(h, v)?))
        }
        Kind::Int => {
            let shift = 64 - 8 * d.size as u32;
            // sign-extend from the element's width
            let v: Vec<i64> = words.map(|w| ((w << shift) as i64) >> shift).collect();
            Ok(AnyArray::Int(shaped(h, v)?))
        }
        Kind::Uint => {
            let a = shaped(h, words.collect::<Vec<u64>>())?;
            if let Some((i, &v)) = a.iter().enumerate().find(|(_, &v)| v > i64::MAX as u64) {
                return Err(ArrayError::TooLarge(unravel(i, a.shape()), v));
            }
            Ok(AnyArray::Int(a.mapv(|v| v as i64)))
        }
    }
}

/// Values in file order to an array in standard (row-major) layout.
fn shaped<T: Clone>(h: &Header, v: Vec<T>) -> Result<ArrayD<T>, ArrayError> {
    let dim = IxDyn(&h.shape);
    let a = if h.fortran_order {
        ArrayD::from_shape_vec(dim.f(), v)
    } else {
        ArrayD::from_shape_vec(dim, v)
    }
    .map_err(|e| other(format!("array data does not match its shape: {e}")))?;
    Ok(if h.fortran_order {
        a.as_standard_layout().into_owned()
    } else {
        a
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(header: &str, data: &[u8]) -> Vec<u8> {
        let mut h = header.as_bytes().to_vec();
        while !(10 + h.len() + 1).is_multiple_of(64) {
            h.push(b' ');
        }
        h.push(b'\n');
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&(h.len() as u16).to_le_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(data);
        out
    }

    fn err(bytes: &[u8]) -> String {
        match read_bytes(bytes) {
            Err(ArrayError::Other(m)) => m,
            Err(ArrayError::Dtype(d)) => format!("dtype {d}"),
            Err(ArrayError::TooLarge(_, v)) => format!("too large {v}"),
            Ok(a) => format!("read shape {:?}", a.shape()),
        }
    }

    #[test]
    fn reads_dtypes_orders_and_versions() {
        let b = npy(
            "{'descr': '<i2', 'fortran_order': False, 'shape': (2, 2), }",
            &[1, 0, 0xff, 0xff, 3, 0, 4, 0],
        );
        let Ok(AnyArray::Int(a)) = read_bytes(&b) else {
            panic!("not read");
        };
        assert_eq!(a.iter().copied().collect::<Vec<_>>(), vec![1, -1, 3, 4]);
        // column-major: file order 1, 3, 2, 4 is the matrix [[1, 2], [3, 4]]
        let b = npy(
            "{'descr': '>u2', 'fortran_order': True, 'shape': (2, 2)}",
            &[0, 1, 0, 3, 0, 2, 0, 4],
        );
        let Ok(AnyArray::Int(a)) = read_bytes(&b) else {
            panic!("not read");
        };
        assert_eq!(a.iter().copied().collect::<Vec<_>>(), vec![1, 2, 3, 4]);
        let b = npy(
            "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": ()}",
            &1.5f32.to_le_bytes(),
        );
        let Ok(AnyArray::Float(a)) = read_bytes(&b) else {
            panic!("not read");
        };
        assert_eq!(a.shape(), &[] as &[usize]);
        assert_eq!(a.iter().copied().collect::<Vec<_>>(), vec![1.5]);
        // version 2: a 4-byte header length
        let mut v2 = MAGIC.to_vec();
        let h = b"{'descr': '|u1', 'fortran_order': False, 'shape': (3,)}\n";
        v2.extend_from_slice(&[2, 0]);
        v2.extend_from_slice(&(h.len() as u32).to_le_bytes());
        v2.extend_from_slice(h);
        v2.extend_from_slice(&[7, 8, 9]);
        assert_eq!(err(&v2), "read shape [3]");
        let b = npy(
            "{'descr': '<u8', 'fortran_order': False, 'shape': (1,)}",
            &u64::MAX.to_le_bytes(),
        );
        assert_eq!(err(&b), format!("too large {}", u64::MAX));
        let b = npy(
            "{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}",
            &[0; 8],
        );
        assert_eq!(err(&b), "dtype '<c8'");
    }

    #[test]
    fn a_header_claiming_more_than_the_file_is_refused_at_once() {
        let b = npy(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 16), }",
            &[0; 64],
        );
        assert!(b.len() <= 192);
        let m = err(&b);
        assert!(
            m.contains("(70368744177664 bytes of data), but only 64 bytes follow it"),
            "{m}"
        );
        let b = npy(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }",
            &[],
        );
        assert!(
            err(&b).contains("more elements than can be addressed"),
            "{}",
            err(&b)
        );
        let mut budget = 1000u64;
        let b = npy(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 16), }",
            &[0; 64],
        );
        let r = read_stream(&mut &b[..], b.len() as u64, &mut budget);
        assert!(matches!(r, Err(ArrayError::Other(m)) if m.contains("but only 64 bytes")));
        // a stream shorter than it says
        let b = npy(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }",
            &[0; 8],
        );
        let r = read_stream(&mut &b[..], 10_000, &mut budget);
        assert!(
            matches!(r, Err(ArrayError::Other(m)) if m.contains("truncated data: 8 of the 16"))
        );
    }

    #[test]
    fn nested_brackets_are_refused_in_linear_time() {
        let deep = format!(
            "{{'descr': '<f4', 'fortran_order': False, 'shape': {}1{}}}",
            "(".repeat(40),
            ")".repeat(40)
        );
        let t = std::time::Instant::now();
        let m = err(&npy(&deep, &[]));
        assert!(m.contains("nested more than 8 deep"), "{m}");
        let huge = format!(
            "{{'descr': '<f4', 'fortran_order': False, 'shape': {}}}",
            "[".repeat(60000)
        );
        let m = err(&npy(&huge, &[]));
        assert!(m.contains("nested more than 8 deep"), "{m}");
        assert!(t.elapsed().as_millis() < 500);
    }

    #[test]
    fn malformed_headers_are_errors() {
        for (h, want) in [
            ("{'descr': '<f4', 'shape': (1,)}", "no `fortran_order`"),
            (
                "{'descr': '<f4', 'fortran_order': 1, 'shape': (1,)}",
                "not True or False",
            ),
            (
                "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}",
                "negative dimension -1",
            ),
            (
                "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}",
                "number too large",
            ),
            (
                "{'descr': '<f4', 'fortran_order': False, 'shape': ('a',)}",
                "non-integer",
            ),
            (
                "{'descr': '<f4' 'fortran_order': False}",
                "expected `,` or `}`",
            ),
            ("{'descr: '<f4'}", "expected `:`"),
            ("[1, 2]", "not a dictionary"),
            (
                "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x",
                "text after",
            ),
        ] {
            let m = err(&npy(h, &[0; 4]));
            assert!(m.contains(want), "{h}: {m}");
        }
        assert!(err(b"\x93NUMPY").contains("magic"));
        assert!(err(b"\x93NUMPY\x01\x00\xff\x00{").contains("truncated"));
        assert!(err(b"\x93NUMPY\x09\x00\x10\x00").contains("version 9.0"));
        assert!(err(b"\x93NUMPY\x02\x00\xff\xff\xff\x7f").contains("more than the"));
        assert!(err(b"").contains("magic"));
    }
}
