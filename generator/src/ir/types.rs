//! Number types of tensors and weights (docs/numerics.md §1–§2).

use serde::{Deserialize, Serialize};

/// A tensor element type: code `q`, real value `q * 2^-frac`, saturating
/// range of a `bits`-bit two's-complement (signed) or unsigned integer.
/// `round` and `narrow` say how a layer producing this type requantizes
/// (docs/numerics.md §4): the rounding mode of its shift or division, and
/// whether saturation leaves out the most negative code (signed) or the
/// largest (unsigned). Both are left out of the JSON when default.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TensorType {
    pub bits: u32,
    pub signed: bool,
    pub frac: i32,
    #[serde(default, skip_serializing_if = "RoundMode::is_default")]
    pub round: RoundMode,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub narrow: bool,
}

/// As derived, without `round` and `narrow` when default: the network hash
/// (`Graph::hash32`) of a network without modes is what it always was.
impl std::fmt::Debug for TensorType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("TensorType");
        d.field("bits", &self.bits)
            .field("signed", &self.signed)
            .field("frac", &self.frac);
        if !self.round.is_default() {
            d.field("round", &self.round);
        }
        if self.narrow {
            d.field("narrow", &self.narrow);
        }
        d.finish()
    }
}

/// How a requantizer rounds a value `v = x / d` (docs/numerics.md §4): the
/// names say where ties (`half_*`) or every non-integer go. The QONNX
/// `Quant` mode of each is in [`RoundMode::from_qonnx`]; note that QONNX's
/// `HALF_UP` is tomatl's `half_away`, not `half_ceil`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundMode {
    /// Nearest, ties towards +inf: `floor(v + 1/2)` (the default).
    #[default]
    HalfCeil,
    /// Nearest, ties to the even integer (QONNX `ROUND`/`HALF_EVEN`, numpy `round`).
    HalfEven,
    /// Nearest, ties away from zero (QONNX `HALF_UP`).
    HalfAway,
    /// Nearest, ties towards zero (QONNX `HALF_DOWN`).
    HalfZero,
    /// Towards -inf (QONNX `FLOOR`).
    Floor,
    /// Towards +inf (QONNX `CEIL`).
    Ceil,
    /// Towards zero, truncation (QONNX `DOWN`, numpy `fix`).
    ToZero,
    /// Away from zero (QONNX `UP`).
    Away,
}

impl RoundMode {
    /// Every mode, in the order of their `ROUND_MODE` codes.
    pub const ALL: [RoundMode; 8] = [
        RoundMode::HalfCeil,
        RoundMode::HalfEven,
        RoundMode::HalfAway,
        RoundMode::HalfZero,
        RoundMode::Floor,
        RoundMode::Ceil,
        RoundMode::ToZero,
        RoundMode::Away,
    ];

    pub fn is_default(&self) -> bool {
        *self == RoundMode::HalfCeil
    }

    /// The name in the YAML policy and the reports.
    pub fn name(&self) -> &'static str {
        match self {
            RoundMode::HalfCeil => "half_ceil",
            RoundMode::HalfEven => "half_even",
            RoundMode::HalfAway => "half_away",
            RoundMode::HalfZero => "half_zero",
            RoundMode::Floor => "floor",
            RoundMode::Ceil => "ceil",
            RoundMode::ToZero => "to_zero",
            RoundMode::Away => "away",
        }
    }

    /// The mode of a name of [`RoundMode::name`].
    pub fn named(name: &str) -> Option<RoundMode> {
        RoundMode::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Every name, comma separated (for error messages).
    pub fn names() -> String {
        RoundMode::ALL.map(|m| m.name()).join(", ")
    }

    /// The `ROUND_MODE` code of `tomatl_requant` and `tomatl_avg`.
    pub fn code(&self) -> u64 {
        RoundMode::ALL
            .iter()
            .position(|m| m == self)
            .unwrap_or_default() as u64
    }

    /// The mode of a QONNX `Quant` `rounding_mode` (case-insensitive, as
    /// qonnx's `resolve_rounding_mode`).
    pub fn from_qonnx(mode: &str) -> Option<RoundMode> {
        Some(match mode.to_ascii_uppercase().as_str() {
            "ROUND" | "HALF_EVEN" => RoundMode::HalfEven,
            "CEIL" => RoundMode::Ceil,
            "FLOOR" => RoundMode::Floor,
            "UP" => RoundMode::Away,
            "DOWN" => RoundMode::ToZero,
            "HALF_UP" => RoundMode::HalfAway,
            "HALF_DOWN" => RoundMode::HalfZero,
            _ => return None,
        })
    }
}

impl TensorType {
    /// A type of the default rounding and full range.
    pub fn new(bits: u32, signed: bool, frac: i32) -> TensorType {
        TensorType {
            bits,
            signed,
            frac,
            round: RoundMode::HalfCeil,
            narrow: false,
        }
    }

    /// The same number type with the default rounding and full range.
    pub fn plain(&self) -> TensorType {
        TensorType::new(self.bits, self.signed, self.frac)
    }

    /// Smallest code of the type (narrow range: `-(2^(bits-1) - 1)`).
    pub fn min_code(&self) -> i64 {
        if self.signed {
            -(1i64 << (self.bits - 1)) + self.narrow as i64
        } else {
            0
        }
    }

    /// Largest code of the type (narrow range and unsigned: `2^bits - 2`,
    /// as QONNX's `max_int`).
    pub fn max_code(&self) -> i64 {
        if self.signed {
            (1i64 << (self.bits - 1)) - 1
        } else {
            (1i64 << self.bits) - 1 - self.narrow as i64
        }
    }

    /// Clamp an integer into the code range.
    pub fn saturate(&self, v: i64) -> i64 {
        v.clamp(self.min_code(), self.max_code())
    }

    /// The rounding mode and range of a requantizer's output when not the
    /// default (`" half_even narrow"`), else empty: what `check` and the
    /// reports add after [`TensorType::short`].
    pub fn rounding_note(&self) -> String {
        let mut s = String::new();
        if !self.round.is_default() {
            s.push(' ');
            s.push_str(self.round.name());
        }
        if self.narrow {
            s.push_str(" narrow");
        }
        s
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
