//! One parameter struct per `rtl/` module. Its fields are the module's
//! Verilog parameters in the module's order, serialised under their
//! Verilog names; [`Unit::params`] reads them back in that order from the
//! serialised form, so the list exists once. The Verilog backend
//! instantiates from it (`emit::verilog::instance_header`, the one
//! rendering as Verilog), the HLS backend fills its kernel configs from it,
//! and the unit benches of `tests/rtl_units.rs` and `tests/rtl_cnn_units.rs`
//! build these structs and render their instances and tool checks through
//! the same function.

use serde::{Deserialize, Serialize};

use crate::ir::{Activation, Arith};

/// The `ARITH` code of `tomatl_mvau`/`tomatl_vvau`/`tomatl_mul`.
pub fn arith_code(a: Arith) -> u64 {
    match a {
        Arith::Fixed => 0,
        Arith::Pow2 => 1,
        Arith::Binary => 2,
        Arith::Ternary => 3,
    }
}

/// The arithmetic of an `ARITH` code (`None` for a code no module takes).
pub fn arith_of_code(code: u64) -> Option<Arith> {
    [Arith::Fixed, Arith::Pow2, Arith::Binary, Arith::Ternary]
        .into_iter()
        .find(|&a| arith_code(a) == code)
}

/// The `ACT` code of `tomatl_requant`.
pub fn act_code(a: Activation) -> u64 {
    match a {
        Activation::None => 0,
        Activation::Relu => 1,
        Activation::Relu6 => 2,
    }
}

/// The value of one Verilog parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// An integer (the RTL's parameters are 32-bit signed, non-negative).
    Int(u64),
    /// A file name (`$readmemh`), written as a string literal.
    File(String),
}

/// `NAME = value` of one instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub value: Value,
}

/// Round, shift, activate and saturate (`tomatl_requant`, inside every
/// engine with an accumulator).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Requant {
    /// Right shift with rounding (by `ROUND_MODE`).
    pub rshift: u64,
    /// Left shift (an output finer than the accumulator).
    pub lshift: u64,
    /// Activation code ([`act_code`]).
    pub act: u64,
    /// relu6's ceiling as an output code.
    pub relu6_max: u64,
    pub out_bits: u64,
    pub out_signed: bool,
    /// The rounding mode (`ir::RoundMode::code`); absent for the default.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub round_mode: u64,
    /// Narrow-range saturation; absent when full range.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub narrow: bool,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

/// Exact average of a window or an image (`tomatl_avg` inside
/// `tomatl_pool` and `tomatl_gap`): `sum << AVG_LSHIFT / AVG_DIV`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Average {
    pub out_bits: u64,
    pub out_signed: bool,
    pub avg_lshift: u64,
    pub avg_div: u64,
    /// The rounding mode (`ir::RoundMode::code`); absent for the default.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub round_mode: u64,
    /// Narrow-range saturation; absent when full range.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub narrow: bool,
}

/// `tomatl_fifo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Fifo {
    pub width: u64,
    pub depth: u64,
}

/// `tomatl_dwc`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Dwc {
    pub el_bits: u64,
    pub in_elems: u64,
    pub out_elems: u64,
}

/// `tomatl_fork`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Fork {
    pub width: u64,
    pub n_out: u64,
}

/// `tomatl_swu`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Swu {
    pub in_h: u64,
    pub in_w: u64,
    pub ch: u64,
    pub simd: u64,
    pub el_bits: u64,
    pub k_h: u64,
    pub k_w: u64,
    pub s_h: u64,
    pub s_w: u64,
    pub pad_t: u64,
    pub pad_l: u64,
    pub pad_b: u64,
    pub pad_r: u64,
    pub out_h: u64,
    pub out_w: u64,
    pub depthwise: bool,
}

/// `tomatl_mvau`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Mvau {
    pub simd: u64,
    pub pe: u64,
    pub sf: u64,
    pub nf: u64,
    pub in_bits: u64,
    pub in_signed: bool,
    pub arith: u64,
    pub w_bits: u64,
    pub acc_bits: u64,
    #[serde(flatten)]
    pub requant: Requant,
    /// Two products share each DSP (pairs of PEs); absent when not.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pack: bool,
    pub weight_file: String,
    pub bias_file: String,
    /// Per-channel multipliers: their width and ROM (absent: one shift).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mult_bits: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mult_file: Option<String>,
    /// Per-channel thresholds (`tomatl_threshold`): how many a channel
    /// has, the output step (2: bipolar) and their ROM; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub th_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub th_step: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub th_file: Option<String>,
}

/// `tomatl_vvau`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Vvau {
    pub ch: u64,
    pub pe: u64,
    pub k: u64,
    pub in_bits: u64,
    pub in_signed: bool,
    pub arith: u64,
    pub w_bits: u64,
    pub acc_bits: u64,
    #[serde(flatten)]
    pub requant: Requant,
    pub weight_file: String,
    pub bias_file: String,
}

/// `tomatl_pool`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Pool {
    pub ch: u64,
    pub pe: u64,
    pub k: u64,
    /// 0 max, 1 average.
    pub kind: u64,
    pub in_bits: u64,
    pub in_signed: bool,
    #[serde(flatten)]
    pub avg: Average,
}

/// `tomatl_gap`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Gap {
    pub ch: u64,
    pub pe: u64,
    pub n_pix: u64,
    pub in_bits: u64,
    pub in_signed: bool,
    #[serde(flatten)]
    pub avg: Average,
}

/// `tomatl_add`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Add {
    pub elems: u64,
    pub a_bits: u64,
    pub a_signed: bool,
    pub b_bits: u64,
    pub b_signed: bool,
    pub a_shl: u64,
    pub b_shl: u64,
    #[serde(flatten)]
    pub requant: Requant,
}

/// One `rtl/` module with its parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "module", content = "params")]
pub enum Unit {
    #[serde(rename = "tomatl_fifo")]
    Fifo(Fifo),
    #[serde(rename = "tomatl_dwc")]
    Dwc(Dwc),
    #[serde(rename = "tomatl_fork")]
    Fork(Fork),
    #[serde(rename = "tomatl_swu")]
    Swu(Swu),
    #[serde(rename = "tomatl_mvau")]
    Mvau(Mvau),
    #[serde(rename = "tomatl_vvau")]
    Vvau(Vvau),
    #[serde(rename = "tomatl_pool")]
    Pool(Pool),
    #[serde(rename = "tomatl_gap")]
    Gap(Gap),
    #[serde(rename = "tomatl_add")]
    Add(Add),
}

impl Unit {
    /// The `rtl/` module this unit instantiates.
    pub fn module(&self) -> &'static str {
        match self {
            Unit::Fifo(_) => "tomatl_fifo",
            Unit::Dwc(_) => "tomatl_dwc",
            Unit::Fork(_) => "tomatl_fork",
            Unit::Swu(_) => "tomatl_swu",
            Unit::Mvau(_) => "tomatl_mvau",
            Unit::Vvau(_) => "tomatl_vvau",
            Unit::Pool(_) => "tomatl_pool",
            Unit::Gap(_) => "tomatl_gap",
            Unit::Add(_) => "tomatl_add",
        }
    }

    /// The Verilog parameters, in the module's order: the fields of its
    /// struct as serialised (booleans as 0 and 1, absent options left out).
    pub fn params(&self) -> Vec<Param> {
        let fields = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut m)) => m.remove("params"),
            _ => None,
        };
        let Some(serde_json::Value::Object(fields)) = fields else {
            return Vec::new();
        };
        fields
            .into_iter()
            .filter_map(|(name, v)| {
                let value = match v {
                    serde_json::Value::Bool(b) => Value::Int(b as u64),
                    serde_json::Value::Number(n) => Value::Int(n.as_u64()?),
                    serde_json::Value::String(f) => Value::File(f),
                    _ => return None,
                };
                Some(Param { name, value })
            })
            .collect()
    }

    /// Whether the unit computes (an engine) rather than moves data.
    pub fn is_engine(&self) -> bool {
        matches!(
            self,
            Unit::Mvau(_) | Unit::Vvau(_) | Unit::Pool(_) | Unit::Gap(_) | Unit::Add(_)
        )
    }
}
