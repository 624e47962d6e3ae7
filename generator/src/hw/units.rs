//! One parameter struct per `rtl/` module. Field names serialise as the
//! module's Verilog parameter names, and [`Unit::params`] lists them in the
//! module's order: the Verilog backend instantiates from it, the HLS
//! backend fills its kernel configs from it, and the unit benches take
//! their parameter lists from it.

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
    pub name: &'static str,
    pub value: Value,
}

fn int(name: &'static str, v: impl Into<u64>) -> Param {
    Param {
        name,
        value: Value::Int(v.into()),
    }
}

fn file(name: &'static str, f: &str) -> Param {
    Param {
        name,
        value: Value::File(f.to_string()),
    }
}

/// Round, shift, activate and saturate (`tomatl_requant`, inside every
/// engine with an accumulator).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Requant {
    /// Right shift with rounding, half up.
    pub rshift: u64,
    /// Left shift (an output finer than the accumulator).
    pub lshift: u64,
    /// Activation code ([`act_code`]).
    pub act: u64,
    /// relu6's ceiling as an output code.
    pub relu6_max: u64,
    pub out_bits: u64,
    pub out_signed: bool,
}

impl Requant {
    fn params(&self, out: &mut Vec<Param>) {
        out.push(int("RSHIFT", self.rshift));
        out.push(int("LSHIFT", self.lshift));
        out.push(int("ACT", self.act));
        out.push(int("RELU6_MAX", self.relu6_max));
        out.push(int("OUT_BITS", self.out_bits));
        out.push(int("OUT_SIGNED", self.out_signed));
    }
}

/// Exact average of a window or an image (`tomatl_avg` inside
/// `tomatl_pool` and `tomatl_gap`): `sum << AVG_LSHIFT / AVG_DIV`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Average {
    pub out_bits: u64,
    pub out_signed: bool,
    pub avg_lshift: u64,
    pub avg_div: u64,
}

impl Average {
    fn params(&self, out: &mut Vec<Param>) {
        out.push(int("OUT_BITS", self.out_bits));
        out.push(int("OUT_SIGNED", self.out_signed));
        out.push(int("AVG_LSHIFT", self.avg_lshift));
        out.push(int("AVG_DIV", self.avg_div));
    }
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
    /// Two products share each DSP (pairs of PEs).
    pub pack: bool,
    pub weight_file: String,
    pub bias_file: String,
    /// Per-channel multipliers: their width and ROM (`None`: one shift).
    pub mult_bits: Option<u64>,
    pub mult_file: Option<String>,
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

    /// The Verilog parameters, in the module's order.
    pub fn params(&self) -> Vec<Param> {
        let mut p = Vec::new();
        match self {
            Unit::Fifo(f) => {
                p.push(int("WIDTH", f.width));
                p.push(int("DEPTH", f.depth));
            }
            Unit::Dwc(d) => {
                p.push(int("EL_BITS", d.el_bits));
                p.push(int("IN_ELEMS", d.in_elems));
                p.push(int("OUT_ELEMS", d.out_elems));
            }
            Unit::Fork(f) => {
                p.push(int("WIDTH", f.width));
                p.push(int("N_OUT", f.n_out));
            }
            Unit::Swu(s) => {
                for (n, v) in [
                    ("IN_H", s.in_h),
                    ("IN_W", s.in_w),
                    ("CH", s.ch),
                    ("SIMD", s.simd),
                    ("EL_BITS", s.el_bits),
                    ("K_H", s.k_h),
                    ("K_W", s.k_w),
                    ("S_H", s.s_h),
                    ("S_W", s.s_w),
                    ("PAD_T", s.pad_t),
                    ("PAD_L", s.pad_l),
                    ("PAD_B", s.pad_b),
                    ("PAD_R", s.pad_r),
                    ("OUT_H", s.out_h),
                    ("OUT_W", s.out_w),
                ] {
                    p.push(int(n, v));
                }
                p.push(int("DEPTHWISE", s.depthwise));
            }
            Unit::Mvau(m) => {
                p.push(int("SIMD", m.simd));
                p.push(int("PE", m.pe));
                p.push(int("SF", m.sf));
                p.push(int("NF", m.nf));
                p.push(int("IN_BITS", m.in_bits));
                p.push(int("IN_SIGNED", m.in_signed));
                p.push(int("ARITH", m.arith));
                p.push(int("W_BITS", m.w_bits));
                p.push(int("ACC_BITS", m.acc_bits));
                m.requant.params(&mut p);
                if m.pack {
                    p.push(int("PACK", 1u64));
                }
                p.push(file("WEIGHT_FILE", &m.weight_file));
                p.push(file("BIAS_FILE", &m.bias_file));
                if let (Some(bits), Some(f)) = (m.mult_bits, &m.mult_file) {
                    p.push(int("MULT_BITS", bits));
                    p.push(file("MULT_FILE", f));
                }
            }
            Unit::Vvau(v) => {
                p.push(int("CH", v.ch));
                p.push(int("PE", v.pe));
                p.push(int("K", v.k));
                p.push(int("IN_BITS", v.in_bits));
                p.push(int("IN_SIGNED", v.in_signed));
                p.push(int("ARITH", v.arith));
                p.push(int("W_BITS", v.w_bits));
                p.push(int("ACC_BITS", v.acc_bits));
                v.requant.params(&mut p);
                p.push(file("WEIGHT_FILE", &v.weight_file));
                p.push(file("BIAS_FILE", &v.bias_file));
            }
            Unit::Pool(q) => {
                p.push(int("CH", q.ch));
                p.push(int("PE", q.pe));
                p.push(int("K", q.k));
                p.push(int("KIND", q.kind));
                p.push(int("IN_BITS", q.in_bits));
                p.push(int("IN_SIGNED", q.in_signed));
                q.avg.params(&mut p);
            }
            Unit::Gap(g) => {
                p.push(int("CH", g.ch));
                p.push(int("PE", g.pe));
                p.push(int("N_PIX", g.n_pix));
                p.push(int("IN_BITS", g.in_bits));
                p.push(int("IN_SIGNED", g.in_signed));
                g.avg.params(&mut p);
            }
            Unit::Add(a) => {
                p.push(int("ELEMS", a.elems));
                p.push(int("A_BITS", a.a_bits));
                p.push(int("A_SIGNED", a.a_signed));
                p.push(int("B_BITS", a.b_bits));
                p.push(int("B_SIGNED", a.b_signed));
                p.push(int("A_SHL", a.a_shl));
                p.push(int("B_SHL", a.b_shl));
                a.requant.params(&mut p);
            }
        }
        p
    }

    /// Whether the unit computes (an engine) rather than moves data.
    pub fn is_engine(&self) -> bool {
        matches!(
            self,
            Unit::Mvau(_) | Unit::Vvau(_) | Unit::Pool(_) | Unit::Gap(_) | Unit::Add(_)
        )
    }
}
