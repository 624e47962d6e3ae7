// tomatl_requant.h: requantization of one accumulator to an output code
// (docs/numerics.md sections 4 and 4.1; rtl/tomatl_requant.v):
//   m = MULT_BITS > 0 ? acc * mult : acc     (per-channel multiplier, unsigned)
//   r = RSHIFT > 0 ? (m + c) >> RSHIFT : m << LSHIFT
//       (arithmetic shift, a floor), c the constant of ROUND_MODE with
//       h = 2^(RSHIFT-1), f = 2^RSHIFT - 1, n the sign of m, o its bit RSHIFT:
//       0 half_ceil c = h (the default), 1 half_even c = h - 1 + o,
//       2 half_away c = h - n, 3 half_zero c = h - 1 + n, 4 floor c = 0,
//       5 ceil c = f, 6 to_zero c = n ? f : 0, 7 away c = n ? 0 : f
//   ACT_NONE: r, ACT_RELU: max(r, 0), ACT_RELU6: min(max(r, 0), RELU6_MAX)
//   y = r saturated to the OUT_BITS-bit code range (two's complement when
//       OUT_SIGNED, else unsigned; NARROW leaves out the bottom signed or
//       the top unsigned code), returned as its OUT_BITS-bit code.
// The arithmetic runs on rq_bits() bits, wide enough for the product, the
// left shift and the rounding add, so nothing wraps. Activation and
// saturation are one clamp to [lo, hi]: lo = max(0, min code) with an
// activation, hi = min(RELU6_MAX, max code) for relu6 (the same result,
// since 0 lies in every code range).
#ifndef TOMATL_REQUANT_H
#define TOMATL_REQUANT_H

#include "tomatl_common.h"

namespace tomatl {

// Width of the multiplier port (1 when there is none).
constexpr int mult_port_bits(int mult_bits) { return mult_bits > 0 ? mult_bits : 1; }

// Width of the requantization arithmetic.
constexpr int rq_bits(int acc_bits, int rshift, int lshift, int out_bits, int mult_bits) {
    return cmax(cmax(acc_bits + mult_port_bits(mult_bits) + 2 + lshift + rshift, out_bits + 2), 34);
}

// Largest and smallest code of a BITS-bit type (narrow range: without the
// top unsigned or the bottom signed code).
constexpr long long code_max(int bits, bool is_signed, bool narrow = false) {
    return is_signed ? (1LL << (bits - 1)) - 1 : (1LL << bits) - 1 - (narrow ? 1 : 0);
}
constexpr long long code_min(int bits, bool is_signed, bool narrow = false) {
    return is_signed ? -(1LL << (bits - 1)) + (narrow ? 1 : 0) : 0;
}

template <int ACC_BITS, int RSHIFT, int LSHIFT, int ACT, long long RELU6_MAX, int OUT_BITS,
          bool OUT_SIGNED, int MULT_BITS = 0, int ROUND_MODE = 0, bool NARROW = false>
ap_uint<OUT_BITS> requant(ap_int<ACC_BITS> acc, ap_uint<mult_port_bits(MULT_BITS)> mult = 0) {
TOMATL_HLS(INLINE)
    static_assert(ACC_BITS >= 2 && ACC_BITS <= 128, "accumulators have 2..128 bits");
    static_assert(RSHIFT >= 0 && LSHIFT >= 0 && !(RSHIFT > 0 && LSHIFT > 0),
                  "RSHIFT and LSHIFT are >= 0 and not both > 0");
    static_assert(ACT >= ACT_NONE && ACT <= ACT_RELU6, "ACT is none, relu or relu6");
    static_assert(OUT_BITS >= 1 && OUT_BITS <= 32, "output codes have 1..32 bits");
    static_assert(MULT_BITS >= 0 && MULT_BITS <= 16, "per-channel multipliers have 0..16 bits");
    static_assert(ACT != ACT_RELU6 || RELU6_MAX >= 0, "the relu6 limit is >= 0");
    static_assert(ROUND_MODE >= 0 && ROUND_MODE <= 7, "ROUND_MODE is 0..7");
    static_assert(!NARROW || OUT_BITS >= 2, "narrow range needs 2 bits or more");
    const int MB = mult_port_bits(MULT_BITS);
    const int RQ = rq_bits(ACC_BITS, RSHIFT, LSHIFT, OUT_BITS, MULT_BITS);
    const long long OMAX = code_max(OUT_BITS, OUT_SIGNED, NARROW);
    const long long OMIN = code_min(OUT_BITS, OUT_SIGNED, NARROW);
    const long long HI = ACT == ACT_RELU6 ? cminll(RELU6_MAX, OMAX) : OMAX;
    const long long LO = ACT != ACT_NONE ? cmaxll(0, OMIN) : OMIN;

    ap_int<RQ> r;
    if (MULT_BITS > 0) {
        ap_int<MB + 1> m = mult;
        ap_int<ACC_BITS + MB + 1> prod = acc * m;
        r = prod;
    } else {
        r = acc;
    }
    if (RSHIFT > 0) {
        const ap_int<RQ> half = ap_int<RQ>(1) << (RSHIFT > 0 ? RSHIFT - 1 : 0);
        const ap_int<RQ> full = (ap_int<RQ>(1) << RSHIFT) - 1;
        const bool n = r < 0;
        const bool o = r[RSHIFT > 0 ? RSHIFT : 0];
        ap_int<RQ> c;
        switch (ROUND_MODE) {
        case 1: c = o ? half : ap_int<RQ>(half - 1); break;
        case 2: c = n ? ap_int<RQ>(half - 1) : half; break;
        case 3: c = n ? half : ap_int<RQ>(half - 1); break;
        case 4: c = 0; break;
        case 5: c = full; break;
        case 6: c = n ? full : ap_int<RQ>(0); break;
        case 7: c = n ? ap_int<RQ>(0) : full; break;
        default: c = half; break;
        }
        ap_int<RQ> rounded = r + c;
        r = rounded >> RSHIFT;
    } else {
        r = r << LSHIFT;
    }
    if (r > ap_int<RQ>(HI)) {
        r = HI;
    }
    if (r < ap_int<RQ>(LO)) {
        r = LO;
    }
    return ap_uint<OUT_BITS>(r);
}

} // namespace tomatl

#endif
