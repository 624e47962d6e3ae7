//! What tomatl builds, in one place: every limit the frontend enforces at
//! `check` so that `generate` succeeds and the RTL elaborates. Each limit
//! names the parameter check of `rtl/` it mirrors (the `g_illegal_*` block
//! of the module), or the budget it keeps a design within. The frontend
//! refuses what lies beyond with a located error; the emitter calls the
//! same functions and treats a miss as an internal fault.

use super::types::TensorType;

/// Longest network name. The top module is `<name>_top` and Verilator
/// builds file and class names from it (`V<name>_top__Syms.h`, ...); it
/// shortens identifiers beyond about 120 characters into hashes, which the
/// harness cannot name.
pub const MAX_NETWORK_NAME: usize = 64;
/// Longest layer name. ROM images are `<layer>_weights.mem` and instances
/// `l<index>_<layer>_<role>`: both stay short file names and identifiers.
pub const MAX_LAYER_NAME: usize = 48;

/// Binary points of weights and tensors (inclusive).
pub const FRAC_RANGE: (i64, i64) = (-32, 32);
/// Activation widths (inclusive); within `OUT_BITS` 1..32 of
/// `tomatl_requant` / `tomatl_mvau` `g_illegal_out_type`.
pub const ACT_BITS_RANGE: (u32, u32) = (2, 16);
/// Input widths (inclusive): the network input may be 1..16 bits (within
/// `IN_BITS` 1..32 of `tomatl_pool`, `tomatl_gap` `g_illegal_in_type` and
/// `A_BITS`, `B_BITS` of `tomatl_add`).
pub const INPUT_BITS_RANGE: (u32, u32) = (1, 16);

/// Most thresholds a channel of the threshold mode has (an 8-bit output):
/// `tomatl_threshold` `g_illegal_th_count` (`TH_COUNT` 1..255); the
/// frontend also keeps `min_code + step · count` a code of the output
/// type (`g_illegal_th_range`) and the step 1 or 2 (`g_illegal_th_step`).
pub const MAX_THRESHOLDS: usize = 255;

/// Largest number of layers of a network.
pub const MAX_LAYERS: usize = 1024;

/// Largest number of elements of a tensor.
pub const MAX_ELEMENTS: usize = 1 << 26;

/// Kernel sizes of convolutions and pooling windows, each dimension:
/// `tomatl_swu` `g_illegal_kernel` (`K_H`, `K_W` in 1..16).
pub const KERNEL_RANGE: (i64, i64) = (1, 16);
/// Largest window of a kernel, `kh·kw`: a 7×7 square, or a rectangle of
/// no more elements (DS-CNN's 10×4).
pub const MAX_WINDOW: usize = 49;
/// Strides of convolutions and pooling windows, each dimension:
/// `tomatl_swu` `g_illegal_stride` (`S_H`, `S_W` in 1..4).
pub const STRIDE_RANGE: (i64, i64) = (1, 4);

/// Accumulator widths: `tomatl_mvau` / `tomatl_vvau` `g_illegal_acc_bits`
/// (`ACC_BITS` in 2..62).
pub const ACC_BITS_RANGE: (u32, u32) = (2, 62);

/// Most readers of one tensor (layers reading it, an `add` reading it
/// twice counting twice, and the network output): `tomatl_fork`
/// `g_illegal_n_out` (`N_OUT` in 2..4).
pub const MAX_READERS: usize = 4;

/// Largest alignment shift of an `add` input, `|frac_a - frac_b|`:
/// `tomatl_add` `g_illegal_shl` (`A_SHL`, `B_SHL` in 0..32).
pub const MAX_ADD_SHIFT: i32 = 32;

/// Largest `frac_out - frac_in` of an average: `tomatl_avg`
/// `g_illegal_avg_lshift` (`AVG_LSHIFT` in 0..16).
pub const MAX_AVG_LSHIFT: i32 = 16;
/// Largest divisor of an average, `N · 2^max(frac_in - frac_out, 0)`:
/// `tomatl_avg` `g_illegal_avg_div` (`AVG_DIV` in 1..2^30).
pub const MAX_AVG_DIV: i128 = 1 << 30;
/// Widths of an average's exact sum, `in_bits + 1 + clog2(N)`:
/// `tomatl_avg` `g_illegal_sum_bits` (`SUM_BITS` in 2..56).
pub const AVG_SUM_BITS_RANGE: (u32, u32) = (2, 56);

/// Integer parameters of the emitted instances are 32-bit signed
/// (`tomatl_requant` takes `RELU6_MAX[31:0]` and sign-extends it).
pub const MAX_PARAM: i64 = i32::MAX as i64;

/// Weights of one layer.
pub const MAX_LAYER_PARAMS: u64 = 1 << 22;
/// Weights of a whole network.
pub const MAX_NETWORK_PARAMS: u64 = 1 << 24;
/// Weight ROM bits of one layer (codes, biases and per-channel multipliers).
pub const MAX_LAYER_WEIGHT_BITS: u64 = 1 << 26;
/// Weight ROM bits of a whole network.
pub const MAX_NETWORK_WEIGHT_BITS: u64 = 1 << 28;
/// Most multipliers (lanes, for engines without multipliers) the planner
/// gives one engine, whatever fold is asked for: Verilator unrolls each.
pub const MAX_ENGINE_MULTIPLIERS: usize = 4096;
/// Most multipliers of a whole design; the planner shares them out when
/// the engines' own folds would exceed it.
pub const MAX_NETWORK_MULTIPLIERS: usize = 1 << 16;

/// The `RELU6_MAX` parameter of a requantizer with output type `out`: the
/// code of 6.0, or the largest output code when 6.0 lies beyond it (the
/// saturation that follows the clamp then gives the same result), so the
/// value always fits `MAX_PARAM`.
pub fn relu6_max_param(out: &TensorType) -> i64 {
    super::numerics::relu6_limit(out.frac).min(out.max_code())
}

/// `(A_SHL, B_SHL)` of an `add` of inputs at `frac_a` and `frac_b`, or
/// `None` beyond `MAX_ADD_SHIFT`.
pub fn add_shifts(frac_a: i32, frac_b: i32) -> Option<(i32, i32)> {
    let f = frac_a.max(frac_b);
    let (a, b) = (f - frac_a, f - frac_b);
    (a <= MAX_ADD_SHIFT && b <= MAX_ADD_SHIFT).then_some((a, b))
}

/// Why an average cannot be built: which bound of `tomatl_avg` it misses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AvgLimit {
    /// `frac_out - frac_in` above `MAX_AVG_LSHIFT`.
    Lshift(i32),
    /// The divisor above `MAX_AVG_DIV`.
    Div(i128),
    /// The sum wider than `AVG_SUM_BITS_RANGE`.
    SumBits(u32),
}

/// `(AVG_LSHIFT, AVG_DIV)` of an average of `n` codes of type `inp` to
/// binary point `frac_out` (docs/numerics.md §5), within the bounds of
/// `tomatl_avg`.
pub fn average_params(n: u64, inp: &TensorType, frac_out: i32) -> Result<(u32, u64), AvgLimit> {
    let d = frac_out - inp.frac;
    if d > MAX_AVG_LSHIFT {
        return Err(AvgLimit::Lshift(d));
    }
    let (num, div) = super::numerics::average_fraction(1, n, inp.frac, frac_out);
    if div > MAX_AVG_DIV {
        return Err(AvgLimit::Div(div));
    }
    let clog2 = if n > 1 {
        64 - (n - 1).leading_zeros()
    } else {
        0
    };
    let sum_bits = inp.bits + 1 + clog2;
    if sum_bits < AVG_SUM_BITS_RANGE.0 || sum_bits > AVG_SUM_BITS_RANGE.1 {
        return Err(AvgLimit::SumBits(sum_bits));
    }
    Ok((num.trailing_zeros(), div as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(bits: u32, signed: bool, frac: i32) -> TensorType {
        TensorType::new(bits, signed, frac)
    }

    #[test]
    fn relu6_param_fits_32_bits_at_every_frac() {
        assert_eq!(relu6_max_param(&t(8, false, 4)), 96);
        // 6.0 beyond an s8.5 code: the top code, same result after saturation
        assert_eq!(relu6_max_param(&t(8, true, 5)), 127);
        for frac in -32..=32 {
            for bits in 2..=16 {
                let v = relu6_max_param(&t(bits, true, frac));
                assert!((0..=MAX_PARAM).contains(&v), "frac {frac}: {v}");
            }
        }
    }

    #[test]
    fn average_params_follow_the_rtl_bounds() {
        let s8 = t(8, true, 0);
        assert_eq!(average_params(4, &s8, 0), Ok((0, 4)));
        assert_eq!(average_params(4, &s8, 3), Ok((3, 4)));
        assert_eq!(average_params(4, &s8, 16), Ok((16, 4)));
        assert_eq!(average_params(4, &s8, 17), Err(AvgLimit::Lshift(17)));
        assert_eq!(average_params(4, &s8, -28), Ok((0, 1 << 30)));
        assert_eq!(average_params(4, &s8, -29), Err(AvgLimit::Div(1 << 31)));
    }

    #[test]
    fn add_shifts_stop_at_32() {
        assert_eq!(add_shifts(3, 5), Some((2, 0)));
        assert_eq!(add_shifts(-16, 16), Some((32, 0)));
        assert_eq!(add_shifts(-16, 17), None);
    }
}
