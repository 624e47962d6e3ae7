//! Weight arithmetics and their widths, written once: the words `fixed`,
//! `pow2`, `binary` and `ternary`, the widths each takes, and the compact
//! form of the command line (`tomatl quantize --weights/--pointwise/
//! --depthwise/--edges`, `tomatl search --menu`). A description's policy
//! writes the same thing as `{arith: pow2, bits: 4}` and is checked by the
//! same rules ([`ArithSpec::new`]), with the same messages.
//!
//! The compact form:
//!
//! ```text
//! spec := arith [":" bits]     arith: fixed | pow2 | binary | ternary
//!                              bits:  decimal digits
//! list := spec ("," spec)*     spaces around a spec are ignored
//! ```
//!
//! `fixed` and `pow2` need bits (`fixed:8`, `pow2:4`); `binary` and
//! `ternary` imply theirs (1 and 2 bits) and take none or exactly those.
//! [`ArithSpec`]'s `Display` is the printer: it writes the shortest spec
//! (`binary`, never `binary:1`), which parses back to the same value.

use std::fmt;
use std::path::Path;

use crate::error::{InputError, Result};
use crate::ir::types::weight_bits_range;
use crate::ir::Arith;

/// Every arithmetic, in the order messages list them.
pub const ARITHS: [Arith; 4] = [Arith::Fixed, Arith::Pow2, Arith::Binary, Arith::Ternary];

/// The arithmetic a word names (`Arith::name` read back).
pub fn arith_named(word: &str) -> Option<Arith> {
    ARITHS.into_iter().find(|a| a.name() == word)
}

/// The width an arithmetic implies (binary 1 bit, ternary 2), if it does.
pub fn implied_bits(arith: Arith) -> Option<u32> {
    let (lo, hi) = weight_bits_range(arith);
    (lo == hi).then_some(lo)
}

/// `fixed, pow2, binary, ternary`.
fn names() -> String {
    ARITHS.map(|a| a.name()).join(", ")
}

/// How a spec is written, which messages follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `{arith: pow2, bits: 4}`, in a description's policy.
    Policy,
    /// `pow2:4`, on the command line.
    Compact,
}

/// What is wrong with a spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Nothing names the arithmetic.
    NoArith,
    /// A word that names no arithmetic.
    UnknownArith(String),
    /// `fixed` or `pow2` without bits.
    NeedsBits(Arith),
    /// Bits that are not a number (`given` as written).
    NotBits(Arith, String),
    /// Bits the arithmetic does not take (`given` as written).
    BadBits(Arith, String),
}

impl Problem {
    /// What is wrong.
    pub fn what(&self, form: Form) -> String {
        match self {
            Problem::NoArith => "no weight arithmetic is given".into(),
            Problem::UnknownArith(w) => format!("unknown weight arithmetic `{w}`"),
            Problem::NeedsBits(a) => match form {
                Form::Policy => format!("{} weights need `bits`", a.name()),
                Form::Compact => format!("{} weights need bits", a.name()),
            },
            Problem::NotBits(a, given) => {
                format!("bits `{given}` of {} weights are not a number", a.name())
            }
            Problem::BadBits(a, given) => match implied_bits(*a) {
                Some(w) => {
                    let written = match form {
                        Form::Policy => format!("bits: {given}"),
                        Form::Compact => format!("{}:{given}", a.name()),
                    };
                    format!(
                        "{} weights have {w} bit(s), `{written}` is not possible",
                        a.name()
                    )
                }
                None => format!("{} weights of {given} bits are not supported", a.name()),
            },
        }
    }

    /// What would be right.
    pub fn expected(&self, form: Form) -> String {
        let range = |a: &Arith| {
            let (lo, hi) = weight_bits_range(*a);
            format!("bits in {lo}..={hi} for {} weights", a.name())
        };
        match (self, form) {
            (Problem::NoArith, Form::Policy) => {
                format!(
                    "weights: {{arith: {}, bits: N}}",
                    names().replace(", ", "|")
                )
            }
            (Problem::UnknownArith(_), Form::Policy) => format!("one of {}", names()),
            (Problem::NoArith | Problem::UnknownArith(_), Form::Compact) => {
                "fixed:BITS, pow2:BITS, binary or ternary".into()
            }
            (Problem::NeedsBits(a), Form::Policy) => {
                format!("weights: {{arith: {}, bits: N}}", a.name())
            }
            (Problem::NeedsBits(a), Form::Compact) => {
                let (lo, hi) = weight_bits_range(*a);
                format!("`{}:BITS` with BITS in {lo}..={hi}", a.name())
            }
            (Problem::NotBits(a, _), _) => range(a),
            (Problem::BadBits(a, _), _) => match (implied_bits(*a), form) {
                (Some(w), Form::Policy) => {
                    format!("no `bits` for {} weights (or `bits: {w}`)", a.name())
                }
                (Some(w), Form::Compact) => format!("`{0}` (or `{0}:{w}`)", a.name()),
                (None, _) => range(a),
            },
        }
    }
}

/// A problem and the column (1-based, in characters) of the compact spec
/// or list where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located {
    pub column: usize,
    pub problem: Problem,
}

/// An arithmetic and a width it takes: what `fixed:8` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ArithSpec {
    pub arith: Arith,
    pub bits: u32,
}

impl ArithSpec {
    /// `arith` with `bits` (none for the arithmetics that imply theirs):
    /// the rule every form of spec is checked by.
    pub fn new(arith: Arith, bits: Option<i64>) -> std::result::Result<ArithSpec, Problem> {
        let (lo, hi) = weight_bits_range(arith);
        let bits = match (implied_bits(arith), bits) {
            (Some(w), None) => w,
            (None, None) => return Err(Problem::NeedsBits(arith)),
            (_, Some(b)) if (lo as i64..=hi as i64).contains(&b) => b as u32,
            (_, Some(b)) => return Err(Problem::BadBits(arith, b.to_string())),
        };
        Ok(ArithSpec { arith, bits })
    }

    /// Parse the compact form `arith[:bits]`.
    pub fn parse(text: &str) -> std::result::Result<ArithSpec, Located> {
        parse_at(text, 0)
    }
}

impl fmt::Display for ArithSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match implied_bits(self.arith) {
            Some(_) => f.write_str(self.arith.name()),
            None => write!(f, "{}:{}", self.arith.name(), self.bits),
        }
    }
}

impl std::str::FromStr for ArithSpec {
    type Err = Located;

    fn from_str(s: &str) -> std::result::Result<Self, Located> {
        ArithSpec::parse(s)
    }
}

/// Parse one compact spec that starts after `offset` characters of its
/// list.
fn parse_at(text: &str, offset: usize) -> std::result::Result<ArithSpec, Located> {
    let lead = text.chars().take_while(|c| c.is_whitespace()).count();
    let body = text.trim();
    let name_col = offset + lead + 1;
    let at = |column: usize| move |problem: Problem| Located { column, problem };
    if body.is_empty() {
        return Err(at(name_col)(Problem::NoArith));
    }
    let (name, bits) = match body.split_once(':') {
        Some((n, b)) => (n, Some(b)),
        None => (body, None),
    };
    let arith =
        arith_named(name).ok_or_else(|| at(name_col)(Problem::UnknownArith(name.to_string())))?;
    let Some(b) = bits else {
        return ArithSpec::new(arith, None).map_err(at(name_col));
    };
    let bits_col = name_col + name.chars().count() + 1;
    if b.is_empty() || !b.bytes().all(|c| c.is_ascii_digit()) {
        return Err(at(bits_col)(Problem::NotBits(arith, b.to_string())));
    }
    match b.parse::<i64>() {
        Ok(v) => ArithSpec::new(arith, Some(v)).map_err(at(bits_col)),
        // more digits than any width
        Err(_) => Err(at(bits_col)(Problem::BadBits(arith, b.to_string()))),
    }
}

/// Parse a comma-separated list of compact specs; columns count from the
/// start of `text`.
pub fn parse_list(text: &str) -> std::result::Result<Vec<ArithSpec>, Located> {
    let mut out = Vec::new();
    let mut offset = 0;
    for item in text.split(',') {
        out.push(parse_at(item, offset)?);
        offset += item.chars().count() + 1;
    }
    Ok(out)
}

/// The error of a command-line value: the flag stands for the file, the
/// column points into its value.
fn flag_error(flag: &str, e: Located) -> InputError {
    InputError::new(Path::new(flag), e.problem.what(Form::Compact))
        .at(1, e.column as u64)
        .expected(e.problem.expected(Form::Compact))
}

/// The spec a command-line flag (`--weights fixed:8`) gives.
pub fn parse_flag(flag: &str, text: &str) -> Result<ArithSpec> {
    ArithSpec::parse(text).map_err(|e| flag_error(flag, e).into())
}

/// The specs a command-line flag lists (`--menu ternary,pow2:4,fixed:8`).
pub fn parse_flag_list(flag: &str, text: &str) -> Result<Vec<ArithSpec>> {
    parse_list(text).map_err(|e| flag_error(flag, e).into())
}
