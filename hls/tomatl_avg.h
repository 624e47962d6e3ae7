// tomatl_avg.h: the average of docs/numerics.md section 5 (rtl/tomatl_avg.v):
//   num = sum << AVG_LSHIFT, den = AVG_DIV,
//   y   = saturate(floor((num + c) / den))
// num/den rounded by ROUND_MODE, c its constant (rtl/tomatl_avg.v lists
// them; the default half_ceil, c = floor(den/2), is
// floor((2*num + den) / (2*den)), ties towards +infinity: -3.5 -> -3; half
// to even takes one less on a tie with an odd quotient), then saturated to
// the OUT_BITS-bit code (NARROW: the narrow range).
//
// The division by the constant is exact without a divider, as in the RTL:
// floor(X / D) with X = num + c, D = den. With U = X for X >= 0 and U = D - 1 - X for X < 0 (then
// floor(X/D) = -floor(U/D)), the quotient of U < 2^UB is floor(U*M / 2^SH)
// with L = clog2(D), SH = UB + L and M = ceil(2^SH / D): M*D = 2^SH + E,
// 0 <= E < D <= 2^L, so U*M/2^SH = U/D + U*E/(D*2^SH) with U*E < 2^SH, an
// error below 1/D that never carries U/D past the next integer.
#ifndef TOMATL_AVG_H
#define TOMATL_AVG_H

#include "tomatl_common.h"
#include "tomatl_requant.h"

namespace tomatl {

// The widths of the average's arithmetic (the names of rtl/tomatl_avg.v).
template <int SUM_BITS, int AVG_LSHIFT, long long AVG_DIV>
struct avg_widths {
    static const int L = clog2(AVG_DIV);
    static const int XB = cmax(SUM_BITS + AVG_LSHIFT, L + 1) + 1;
    static const int UB = cmax(XB - 1, L) + 1;
    static const int SH = UB + L;
    static const int MB = UB + 2;
    static const int QB = UB + 1;
};

// Bit i (0..63) of word w (0: bits 0..63, 1: bits 64..127) of
// M = ceil(2^sh / d) = floor((2^sh + d - 1) / d), by long division
// (sh < 127, d < 2^62).
constexpr unsigned long long avg_recip_word(int sh, long long d, int w) {
    unsigned long long rem = 0, q = 0;
    for (int i = 127; i >= 0; --i) {
        unsigned long long bit = (i == sh) ? 1 : (i < 62 ? (((unsigned long long)(d - 1) >> i) & 1) : 0);
        rem = (rem << 1) | bit;
        unsigned long long qb = 0;
        if (rem >= (unsigned long long)d) {
            rem -= (unsigned long long)d;
            qb = 1;
        }
        if ((i >> 6) == w) {
            q |= qb << (i & 63);
        }
    }
    return q;
}

// The constant c of ROUND_MODE for num / D, num < 0 (neg) or not.
constexpr long long avg_constant(int mode, long long d, bool neg) {
    return (mode == 4) ? 0
         : (mode == 5) ? d - 1
         : (mode == 6) ? (neg ? d - 1 : 0)
         : (mode == 7) ? (neg ? 0 : d - 1)
         : (mode == 2) ? (neg ? (d - 1) / 2 : d / 2)
         : (mode == 3) ? (neg ? d / 2 : (d - 1) / 2)
         : d / 2;
}

template <int SUM_BITS, int AVG_LSHIFT, long long AVG_DIV, int OUT_BITS, bool OUT_SIGNED,
          int ROUND_MODE = 0, bool NARROW = false>
ap_uint<OUT_BITS> avg(ap_int<SUM_BITS> sum) {
TOMATL_HLS(INLINE)
    static_assert(SUM_BITS >= 2 && SUM_BITS <= 56, "sums have 2..56 bits");
    static_assert(AVG_LSHIFT >= 0 && AVG_LSHIFT <= 16, "AVG_LSHIFT is 0..16");
    static_assert(AVG_DIV >= 1 && AVG_DIV <= (1LL << 30), "AVG_DIV is 1..2^30");
    static_assert(ROUND_MODE >= 0 && ROUND_MODE <= 7, "ROUND_MODE is 0..7");
    typedef avg_widths<SUM_BITS, AVG_LSHIFT, AVG_DIV> w;
    static_assert(w::SH < 127 && w::MB <= 128, "the reciprocal fits 128 bits");
    const unsigned long long M_LO = avg_recip_word(w::SH, AVG_DIV, 0);
    const unsigned long long M_HI = avg_recip_word(w::SH, AVG_DIV, 1);
    ap_uint<w::MB> m = M_HI;
    m = (m << 32) << 32;
    m |= ap_uint<w::MB>(M_LO);

    ap_int<w::XB> x = ap_int<w::XB>(sum) << AVG_LSHIFT;
    const bool num_neg = sum < 0;
    x += ap_int<w::XB>(num_neg ? avg_constant(ROUND_MODE, AVG_DIV, true)
                               : avg_constant(ROUND_MODE, AVG_DIV, false));
    const bool neg = x < 0;
    ap_uint<w::UB> u;
    if (neg) {
        ap_int<w::UB + 1> t = ap_int<w::UB + 1>(AVG_DIV - 1) - x;
        u = t;
    } else {
        u = x;
    }
    ap_uint<w::UB + w::MB> prod = u * m;
    ap_uint<w::QB> q_u = prod >> w::SH;
    ap_int<w::QB + 1> q;
    if (neg) {
        q = -q_u;
    } else {
        q = q_u;
    }
    if (ROUND_MODE == 1 && AVG_DIV % 2 == 0) {
        // a tie: X = q * D exactly (the remainder X - q * D lies in [0, D))
        ap_int<w::XB + 1> rem = ap_int<w::XB + 1>(x) - ap_int<w::XB + 1>(q * ap_int<w::QB + 1>(AVG_DIV));
        if (rem == 0 && q[0]) {
            q = q - 1;
        }
    }
    return requant<w::QB + 1, 0, 0, ACT_NONE, 0, OUT_BITS, OUT_SIGNED, 0, 0, NARROW>(q);
}

} // namespace tomatl

#endif
