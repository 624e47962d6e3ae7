//! Number types of tensors and weights (docs/numerics.md §1–§2).

use serde::{Deserialize, Serialize};

/// A tensor element type: code `q`, real value `q * 2^-frac`, saturating
/// range of a `bits`-bit two's-complement (signed) or unsigned integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TensorType {
    pub bits: u32,
    pub signed: bool,
    pub frac: i32,
}

impl TensorType {
    /// Smallest code of the type.
    pub fn min_code(&self) -> i64 {
        if self.signed {
            -(1i64 << (self.bits - 1))
        } else {
            0
        }
    }

    /// Largest code of the type.
    pub fn max_code(&self) -> i64 {
        if self.signed {
            (1i64 << (self.bits - 1)) - 1
        } else {
            (1i64 << self.bits) - 1
        }
    }

    /// Clamp an integer into the code range.
    pub fn saturate(&self, v: i64) -> i64 {
        v.clamp(self.min_code(), self.max_code())
    }

    /// `ap_fixed`-style spelling used in reports: `s8.5` / `u8.5`.
    pub fn short(&self) -> String {
        format!(
            "{}{}.{}",
            if self.signed { "s" } else { "u" },
            self.bits,
            self.frac
        )
    }
}

/// How a layer's weights multiply (DESIGN.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Arith {
    /// Signed `bits`-bit two's-complement codes; a real multiplier.
    Fixed,
    /// Sign bit + magnitude `m` of `bits-1` bits; `m = 0` is zero, otherwise
    /// the weight is `±2^(m-1)`: a shift and a conditional negate.
    Pow2,
    /// One bit: code 0 is +1, code 1 is −1: add/subtract.
    Binary,
    /// Two-bit two's complement in {−1, 0, +1}: add/subtract/skip.
    Ternary,
}

impl Arith {
    pub fn name(&self) -> &'static str {
        match self {
            Arith::Fixed => "fixed",
            Arith::Pow2 => "pow2",
            Arith::Binary => "binary",
            Arith::Ternary => "ternary",
        }
    }
}

/// The weight type of one layer: arithmetic, code width, and the binary point
/// of the weight's integer value (`real = value(code) * 2^-frac`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WeightType {
    pub arith: Arith,
    pub bits: u32,
    pub frac: i32,
}

/// Supported weight code widths per arithmetic (inclusive).
pub fn weight_bits_range(arith: Arith) -> (u32, u32) {
    match arith {
        Arith::Fixed => (1, 16),
        // magnitude field of 1..=4 bits: shifts of 0..=14
        Arith::Pow2 => (2, 5),
        Arith::Binary => (1, 1),
        Arith::Ternary => (2, 2),
    }
}

pub use super::limits::{ACT_BITS_RANGE, INPUT_BITS_RANGE};
/// Largest accumulator the generator will build (`ir::limits::ACC_BITS_RANGE`).
pub const MAX_ACC_BITS: u32 = super::limits::ACC_BITS_RANGE.1;

impl WeightType {
    /// The default binary point when the policy does not give one: the
    /// largest code maps to a magnitude just under (fixed) or at (pow2,
    /// binary, ternary) 1.0.
    pub fn default_frac(arith: Arith, bits: u32) -> i32 {
        match arith {
            Arith::Fixed => bits as i32 - 1,
            Arith::Pow2 => (1i32 << (bits - 1)) - 2,
            Arith::Binary | Arith::Ternary => 0,
        }
    }

    /// Whether `code` (taken as an unsigned `bits`-bit pattern, or as a
    /// signed integer for fixed/ternary) is a legal code.
    pub fn code_range(&self) -> (i64, i64) {
        match self.arith {
            Arith::Fixed => (-(1i64 << (self.bits - 1)), (1i64 << (self.bits - 1)) - 1),
            Arith::Pow2 => (0, (1i64 << self.bits) - 1),
            Arith::Binary => (0, 1),
            Arith::Ternary => (-1, 1),
        }
    }

    /// Integer value of a weight code (`real = value * 2^-frac`).
    pub fn value(&self, code: i64) -> i64 {
        match self.arith {
            Arith::Fixed => code,
            Arith::Pow2 => {
                let m = code & ((1i64 << (self.bits - 1)) - 1);
                let neg = (code >> (self.bits - 1)) & 1 == 1;
                if m == 0 {
                    0
                } else if neg {
                    -(1i64 << (m - 1))
                } else {
                    1i64 << (m - 1)
                }
            }
            Arith::Binary => {
                if code & 1 == 1 {
                    -1
                } else {
                    1
                }
            }
            Arith::Ternary => code,
        }
    }

    /// The `bits`-bit pattern stored in the weight ROM for a code.
    pub fn rom_bits(&self, code: i64) -> u64 {
        (code as u64) & ((1u64 << self.bits) - 1)
    }

    /// Largest magnitude of an integer weight value this type can hold.
    pub fn max_abs_value(&self) -> i64 {
        match self.arith {
            Arith::Fixed => 1i64 << (self.bits - 1),
            Arith::Pow2 => 1i64 << ((1i64 << (self.bits - 1)) - 2),
            Arith::Binary | Arith::Ternary => 1,
        }
    }

    pub fn short(&self) -> String {
        format!("{}{}", self.arith.name(), self.bits)
    }
}

/// Output activation of a compute layer, applied after rounding and before
/// saturation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    None,
    Relu,
    Relu6,
}

impl Activation {
    pub fn name(&self) -> &'static str {
        match self {
            Activation::None => "none",
            Activation::Relu => "relu",
            Activation::Relu6 => "relu6",
        }
    }
}
