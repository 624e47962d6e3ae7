//! A protocol-buffers wire-format reader: just enough to walk the fields of
//! an ONNX file (varints, fixed 32/64-bit values and length-delimited
//! bytes). Field meaning is the caller's business (`onnx.rs`).

/// One field's value as the wire carries it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

/// A message tomatl cannot read: malformed (what went wrong and at which
/// byte offset), or well-formed but holding what tomatl does not read
/// (`unsupported`, e.g. a tensor's element type).
#[derive(Clone, Debug, PartialEq)]
pub struct WireError {
    pub offset: usize,
    pub what: String,
    /// Valid protobuf and valid ONNX, but not read by tomatl.
    pub unsupported: bool,
}

impl WireError {
    /// A well-formed value tomatl does not read.
    pub fn unsupported(offset: usize, what: impl Into<String>) -> WireError {
        WireError {
            offset,
            what: what.into(),
            unsupported: true,
        }
    }
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.unsupported {
            write!(f, "{}", self.what)
        } else {
            write!(
                f,
                "malformed protobuf at byte {}: {}",
                self.offset, self.what
            )
        }
    }
}

impl std::error::Error for WireError {}

/// Iterates over the `(field number, value)` pairs of one message.
pub struct Fields<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Offset of `buf` in the whole file, for messages.
    base: usize,
}

impl<'a> Fields<'a> {
    pub fn new(buf: &'a [u8], base: usize) -> Fields<'a> {
        Fields { buf, pos: 0, base }
    }

    fn err(&self, what: &str) -> WireError {
        WireError {
            offset: self.base + self.pos,
            what: what.to_string(),
            unsupported: false,
        }
    }

    fn varint(&mut self) -> Result<u64, WireError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self
                .buf
                .get(self.pos)
                .ok_or_else(|| self.err("truncated varint"))?;
            self.pos += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(self.err("varint longer than 10 bytes"))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or_else(|| self.err("field runs past the end of its message"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    /// The next field, its value, and the file offset of the value.
    pub fn next_field(&mut self) -> Option<Result<(u32, Value<'a>, usize), WireError>> {
        if self.pos >= self.buf.len() {
            return None;
        }
        Some(self.read_field())
    }

    fn read_field(&mut self) -> Result<(u32, Value<'a>, usize), WireError> {
        let key = self.varint()?;
        let field = u32::try_from(key >> 3).map_err(|_| self.err("field number too large"))?;
        let at = self.base + self.pos;
        let v = match key & 7 {
            0 => Value::Varint(self.varint()?),
            1 => {
                let b = self.take(8)?;
                Value::Fixed64(u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
            }
            2 => {
                let n = self.varint()?;
                let n = usize::try_from(n).map_err(|_| self.err("length too large"))?;
                Value::Bytes(self.take(n)?)
            }
            5 => {
                let b = self.take(4)?;
                Value::Fixed32(u32::from_le_bytes(b.try_into().unwrap_or([0; 4])))
            }
            w => return Err(self.err(&format!("unsupported wire type {w}"))),
        };
        Ok((field, v, at))
    }
}

/// Varints of a packed repeated field (or one unpacked element).
pub fn varints(v: Value, at: usize) -> Result<Vec<u64>, WireError> {
    match v {
        Value::Varint(x) => Ok(vec![x]),
        Value::Bytes(b) => {
            let mut f = Fields::new(b, at);
            let mut out = Vec::new();
            while f.pos < b.len() {
                out.push(f.varint()?);
            }
            Ok(out)
        }
        _ => Err(WireError {
            offset: at,
            what: "expected integers".into(),
            unsupported: false,
        }),
    }
}

/// Little-endian 32-bit floats of a packed field (or one element).
pub fn floats(v: Value, at: usize) -> Result<Vec<f32>, WireError> {
    match v {
        Value::Fixed32(x) => Ok(vec![f32::from_bits(x)]),
        Value::Bytes(b) if b.len() % 4 == 0 => Ok(b
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()),
        _ => Err(WireError {
            offset: at,
            what: "expected 32-bit floats".into(),
            unsupported: false,
        }),
    }
}

/// Little-endian 64-bit floats of a packed field (or one element).
pub fn doubles(v: Value, at: usize) -> Result<Vec<f64>, WireError> {
    match v {
        Value::Fixed64(x) => Ok(vec![f64::from_bits(x)]),
        Value::Bytes(b) if b.len() % 8 == 0 => Ok(b
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect()),
        _ => Err(WireError {
            offset: at,
            what: "expected 64-bit floats".into(),
            unsupported: false,
        }),
    }
}

/// A length-delimited field as UTF-8 text.
pub fn string(v: Value, at: usize) -> Result<String, WireError> {
    match v {
        Value::Bytes(b) => String::from_utf8(b.to_vec()).map_err(|_| WireError {
            offset: at,
            what: "string is not UTF-8".into(),
            unsupported: false,
        }),
        _ => Err(WireError {
            offset: at,
            what: "expected a string".into(),
            unsupported: false,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(b: &[u8]) -> Result<Vec<(u32, Value<'_>)>, WireError> {
        let mut f = Fields::new(b, 0);
        let mut out = Vec::new();
        while let Some(r) = f.next_field() {
            let (n, v, _) = r?;
            out.push((n, v));
        }
        Ok(out)
    }

    #[test]
    fn reads_each_wire_type() {
        // field 1 varint 300; field 2 bytes "hi"; field 3 fixed32 1.0f; field 4 fixed64
        let mut b = vec![0x08, 0xac, 0x02, 0x12, 2, b'h', b'i', 0x1d];
        b.extend_from_slice(&1.0f32.to_le_bytes());
        b.push(0x21);
        b.extend_from_slice(&7u64.to_le_bytes());
        let f = all(&b).expect("parse");
        assert_eq!(f[0], (1, Value::Varint(300)));
        assert_eq!(f[1], (2, Value::Bytes(b"hi")));
        assert_eq!(f[2], (3, Value::Fixed32(1.0f32.to_bits())));
        assert_eq!(f[3], (4, Value::Fixed64(7)));
    }

    #[test]
    fn packed_fields_and_negative_varints() {
        let packed = [
            0x03, 0x8e, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        ];
        let v = varints(Value::Bytes(&packed), 0).expect("varints");
        assert_eq!(v[0], 3);
        assert_eq!(v[1], 270);
        assert_eq!(v[2] as i64, -1);
        let fl = floats(Value::Bytes(&[0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0]), 0).expect("floats");
        assert_eq!(fl, vec![1.0, -2.0]);
    }

    #[test]
    fn truncation_is_an_error_with_its_offset() {
        let e = all(&[0x12, 5, b'a']).expect_err("truncated");
        assert!(e.what.contains("past the end"), "{e}");
        let e = all(&[0x08, 0x80]).expect_err("varint");
        assert_eq!(e.offset, 2);
        let e = all(&[0x0b]).expect_err("group");
        assert!(e.what.contains("wire type 3"));
    }
}
