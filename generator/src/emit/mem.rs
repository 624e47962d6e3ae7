//! `.mem` files for `$readmemh`: one word per line, hex, most significant
//! digit first.

/// Pack `fields` (each `width` bits, field 0 in the least significant bits)
/// into one hex word of `fields.len() * width` bits.
pub fn hex_word(fields: &[u64], width: u32) -> String {
    let total = fields.len() * width as usize;
    let digits = total.div_ceil(4).max(1);
    let mut nibbles = vec![0u8; digits];
    for (i, &f) in fields.iter().enumerate() {
        for b in 0..width as usize {
            if (f >> b) & 1 == 1 {
                let bit = i * width as usize + b;
                nibbles[bit / 4] |= 1 << (bit % 4);
            }
        }
    }
    nibbles
        .iter()
        .rev()
        .map(|n| char::from_digit(*n as u32, 16).unwrap_or('0'))
        .collect()
}

/// Two's-complement bit pattern of `v` in `width` bits.
pub fn twos(v: i64, width: u32) -> u64 {
    if width >= 64 {
        v as u64
    } else {
        (v as u64) & ((1u64 << width) - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_lsb_first() {
        assert_eq!(hex_word(&[0x1, 0x2], 4), "21");
        assert_eq!(hex_word(&[1, 0, 1], 1), "5");
        assert_eq!(hex_word(&[twos(-1, 6), 0], 6), "03f");
        assert_eq!(hex_word(&[], 3), "0");
    }
}
