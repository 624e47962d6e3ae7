// tomatl_threshold.h: multi-threshold requantization of one accumulator to
// an output code (rtl/tomatl_threshold.v, ir::numerics::threshold; FINN's
// MultiThreshold):
//   n = #{k : desc ? acc <= t_k : acc >= t_k}
//   y = min_code + TH_STEP * n, returned as its OUT_BITS-bit code
// min_code is code_min(OUT_BITS, OUT_SIGNED, NARROW); activation and
// saturation are in the thresholds, nothing else is applied. TH_STEP = 2 is
// a bipolar output (-1 and +1 of a narrow 2-bit signed type).
//
// The channel's threshold word th, th_word_bits(ACC_BITS, TH_COUNT) =
// TH_COUNT*(ACC_BITS+1)+1 bits:
//   bit 0                                 desc: 1 for a descending channel
//   [1 + k*(ACC_BITS+1) +: ACC_BITS+1]    threshold t_k, two's complement
// (one bit wider than the accumulator, so that a threshold can lie beyond
// its range: always or never reached).
#ifndef TOMATL_THRESHOLD_H
#define TOMATL_THRESHOLD_H

#include "tomatl_common.h"
#include "tomatl_requant.h"

namespace tomatl {

// Bits of one threshold, and of a channel's threshold word.
constexpr int th_bits(int acc_bits) { return acc_bits + 1; }
constexpr int th_word_bits(int acc_bits, int th_count) {
    return th_count * th_bits(acc_bits) + 1;
}

// min_code + TH_STEP * n as an OUT_BITS-bit code (n <= TH_COUNT, which the
// callers' static_asserts keep within the code range).
template <int TH_STEP, int OUT_BITS, bool OUT_SIGNED, bool NARROW>
ap_uint<OUT_BITS> threshold_code(int n) {
TOMATL_HLS(INLINE)
    const long long OMIN = code_min(OUT_BITS, OUT_SIGNED, NARROW);
    const ap_int<OUT_BITS + 10> y = ap_int<OUT_BITS + 10>(OMIN) + ap_int<OUT_BITS + 10>(TH_STEP * n);
    return ap_uint<OUT_BITS>(y);
}

template <int ACC_BITS, int TH_COUNT, int TH_STEP, int OUT_BITS, bool OUT_SIGNED, bool NARROW = false>
ap_uint<OUT_BITS> threshold(ap_int<ACC_BITS> acc, ap_uint<th_word_bits(ACC_BITS, TH_COUNT)> th) {
TOMATL_HLS(INLINE)
    static_assert(ACC_BITS >= 2 && ACC_BITS <= 64, "accumulators have 2..64 bits");
    static_assert(TH_COUNT >= 1 && TH_COUNT <= 255, "a channel has 1..255 thresholds");
    static_assert(TH_STEP == 1 || TH_STEP == 2, "TH_STEP is 1 or 2");
    static_assert(OUT_BITS >= 1 && OUT_BITS <= 32, "output codes have 1..32 bits");
    static_assert(!NARROW || OUT_BITS >= 2, "narrow range needs 2 bits or more");
    static_assert(code_min(OUT_BITS, OUT_SIGNED, NARROW) + (long long)TH_STEP * TH_COUNT <=
                      code_max(OUT_BITS, OUT_SIGNED, NARROW),
                  "min_code + TH_STEP * TH_COUNT must be a code of the output type");
    const int TB = th_bits(ACC_BITS);
    const bool desc = th[0];
    const ap_int<TB> a = acc;
    ap_uint<clog2(TH_COUNT + 1)> n = 0;
    for (int k = 0; k < TH_COUNT; k++) {
TOMATL_HLS(UNROLL)
        const ap_int<TB> t = th.range(1 + k * TB + TB - 1, 1 + k * TB);
        const bool hit = desc ? (a <= t) : (a >= t);
        n += hit;
    }
    return threshold_code<TH_STEP, OUT_BITS, OUT_SIGNED, NARROW>(n.to_int());
}

} // namespace tomatl

#endif
