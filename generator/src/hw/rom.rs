//! ROM images: the weight, bias and multiplier words of every engine, laid
//! out as the engine reads them, and their `$readmemh` text (one word per
//! line, hex, most significant digit first).

use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use crate::ir::WeightType;

/// One constant memory of an engine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rom {
    /// The file the RTL reads it from, beside the top (`rtl/<file>`).
    pub file: String,
    /// Bits of one field (a weight, a bias, a multiplier).
    pub field_bits: u32,
    /// Fields per word, field 0 in the least significant bits.
    pub fields: usize,
    /// The words, hex, most significant digit first.
    pub words: Vec<String>,
}

impl Rom {
    pub fn word_bits(&self) -> usize {
        self.field_bits as usize * self.fields
    }

    /// The `$readmemh` image.
    pub fn mem_text(&self) -> String {
        let mut out = String::with_capacity(
            self.words.len() * (self.words.first().map_or(1, String::len) + 1),
        );
        for w in &self.words {
            out.push_str(w);
            out.push('\n');
        }
        out
    }

    /// Field `f` of word `w` as hex digits, most significant first (a
    /// field of any width).
    pub fn field_hex(&self, w: usize, f: usize) -> String {
        let bits: Vec<bool> = (0..self.field_bits as usize)
            .map(|b| self.bit(w, f * self.field_bits as usize + b))
            .collect();
        hex_bits(&bits)
    }

    /// Field `f` of word `w` as an unsigned bit pattern.
    pub fn field(&self, w: usize, f: usize) -> u64 {
        (0..self.field_bits as usize)
            .filter(|&b| self.bit(w, f * self.field_bits as usize + b))
            .fold(0u64, |v, b| v | 1 << b)
    }

    /// Bit `bit` of word `w` (bit 0 the least significant).
    fn bit(&self, w: usize, bit: usize) -> bool {
        let word = self.words[w].as_bytes();
        let digit = word.len().checked_sub(1 + bit / 4).map(|i| word[i]);
        let nib = digit.and_then(|d| (d as char).to_digit(16)).unwrap_or(0);
        (nib >> (bit % 4)) & 1 == 1
    }
}

/// Weight ROM of a matrix `[outs, ins]` for PE × SIMD lanes: word
/// `nf*SF + sf` holds PE×SIMD codes, PE `p` lane `s` at field `p*SIMD + s`.
pub fn matrix(file: String, codes: &Array2<i64>, wt: &WeightType, pe: usize, simd: usize) -> Rom {
    let (outs, ins) = codes.dim();
    let (sf, nf) = (ins / simd, outs / pe);
    let mut words = Vec::with_capacity(nf * sf);
    let mut fields = Vec::with_capacity(pe * simd);
    for n in 0..nf {
        for s in 0..sf {
            fields.clear();
            for p in 0..pe {
                for l in 0..simd {
                    fields.push(wt.rom_bits(codes[[n * pe + p, s * simd + l]]));
                }
            }
            words.push(hex_word(&fields, wt.bits));
        }
    }
    Rom {
        file,
        field_bits: wt.bits,
        fields: pe * simd,
        words,
    }
}

/// Weight ROM of a depthwise layer `[ch, k]`: word `cg*K + k` holds the PE
/// channels' weights at kernel position `k`.
pub fn depthwise(file: String, codes: &Array2<i64>, wt: &WeightType, pe: usize) -> Rom {
    let (ch, k) = codes.dim();
    let mut words = Vec::with_capacity(ch / pe * k);
    for g in 0..ch / pe {
        for j in 0..k {
            let fields: Vec<u64> = (0..pe)
                .map(|p| wt.rom_bits(codes[[g * pe + p, j]]))
                .collect();
            words.push(hex_word(&fields, wt.bits));
        }
    }
    Rom {
        file,
        field_bits: wt.bits,
        fields: pe,
        words,
    }
}

/// Per-output ROM (biases, multipliers): word `nf` holds PE values of
/// `bits` bits, two's complement.
pub fn per_output(file: String, values: &Array1<i64>, bits: u32, pe: usize) -> Rom {
    let words = (0..values.len() / pe)
        .map(|n| {
            let fields: Vec<u64> = (0..pe).map(|p| twos(values[n * pe + p], bits)).collect();
            hex_word(&fields, bits)
        })
        .collect();
    Rom {
        file,
        field_bits: bits,
        fields: pe,
        words,
    }
}

/// The threshold ROM of `tomatl_threshold` (docs/numerics.md §4.2): word
/// `nf` holds PE fields of `count · (acc_bits + 1) + 1` bits, channel
/// `nf · PE + p` at field `p`; a field's bit 0 is the channel's descending
/// flag, threshold `k` the `acc_bits + 1` bits above `1 + k · (acc_bits + 1)`
/// (two's complement).
pub fn thresholds(file: String, th: &crate::ir::Thresholds, acc_bits: u32, pe: usize) -> Rom {
    let tb = acc_bits as usize + 1;
    let field = threshold_word_bits(th.count() as u64, u64::from(acc_bits)) as usize;
    let channels = th.t.nrows();
    let words = (0..channels / pe)
        .map(|n| {
            let mut bits = vec![false; field * pe];
            for p in 0..pe {
                let o = n * pe + p;
                let base = p * field;
                bits[base] = th.descending[o];
                for (k, &t) in th.t.row(o).iter().enumerate() {
                    let v = twos(t, tb as u32);
                    for b in 0..tb {
                        bits[base + 1 + k * tb + b] = (v >> b) & 1 == 1;
                    }
                }
            }
            hex_bits(&bits)
        })
        .collect();
    Rom {
        file,
        field_bits: field as u32,
        fields: pe,
        words,
    }
}

/// Bits of one channel's threshold word: `count` thresholds of
/// `acc_bits + 1` bits and the descending flag.
pub fn threshold_word_bits(count: u64, acc_bits: u64) -> u64 {
    count * (acc_bits + 1) + 1
}

/// A bit vector (bit 0 first) as hex, most significant digit first.
pub fn hex_bits(bits: &[bool]) -> String {
    let digits = bits.len().div_ceil(4).max(1);
    (0..digits)
        .rev()
        .map(|d| {
            let n = (0..4).fold(0u32, |n, b| {
                n | (u32::from(bits.get(d * 4 + b).copied().unwrap_or(false)) << b)
            });
            char::from_digit(n, 16).unwrap_or('0')
        })
        .collect()
}

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
