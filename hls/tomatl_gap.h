// tomatl_gap.h: global average pooling, the average of each channel over the
// N_PIX pixels of a frame (rtl/tomatl_gap.v). One frame per call.
//
// Input: N_PIX pixels, each CH/PE words of PE lanes (HWC). Output: CH/PE
// words of PE lanes, tomatl::avg of each channel's exact sum (rounded half
// up, saturated; the generator passes AVG_DIV = N_PIX * 2^max(frac_in -
// frac_out, 0) and AVG_LSHIFT = max(frac_out - frac_in, 0)). The sums of the
// last pixel's words go out as they complete: one input word per clock.
//
// CFG: CH, PE, N_PIX, IN_BITS, IN_SIGNED, OUT_BITS, OUT_SIGNED, AVG_LSHIFT,
// AVG_DIV.
#ifndef TOMATL_GAP_H
#define TOMATL_GAP_H

#include <hls_stream.h>

#include "tomatl_avg.h"
#include "tomatl_common.h"

namespace tomatl {

template <class CFG>
void gap(hls::stream<ap_uint<CFG::PE * CFG::IN_BITS> > &in,
         hls::stream<ap_uint<CFG::PE * CFG::OUT_BITS> > &out) {
TOMATL_HLS(INLINE off)
    const int PE = CFG::PE, NG = CFG::CH / CFG::PE, IN_BITS = CFG::IN_BITS;
    // A channel's exact sum over N_PIX codes, signed.
    const int SUM_BITS = IN_BITS + 1 + clog2(CFG::N_PIX);
    static_assert(PE >= 1 && CFG::CH % PE == 0, "PE divides CH");
    static_assert(CFG::N_PIX >= 1, "N_PIX is >= 1");

    ap_int<SUM_BITS> sums[NG][PE];
TOMATL_HLS(ARRAY_PARTITION variable = sums complete dim = 2)

    for (int px = 0; px < CFG::N_PIX; px++) {
        for (int cg = 0; cg < NG; cg++) {
TOMATL_HLS(PIPELINE II = 1)
            ap_uint<IN_BITS> x[PE];
            unpack<IN_BITS, PE>(in.read(), x);
            ap_uint<CFG::OUT_BITS> y[PE];
            for (int p = 0; p < PE; p++) {
TOMATL_HLS(UNROLL)
                const ap_int<IN_BITS + 1> v = code_value<IN_BITS, CFG::IN_SIGNED>(x[p]);
                const ap_int<SUM_BITS> s =
                    (px == 0) ? ap_int<SUM_BITS>(v) : ap_int<SUM_BITS>(sums[cg][p] + v);
                sums[cg][p] = s;
                if (px == CFG::N_PIX - 1) {
                    y[p] = avg<SUM_BITS, CFG::AVG_LSHIFT, CFG::AVG_DIV, CFG::OUT_BITS,
                               CFG::OUT_SIGNED, round_mode_of<CFG>::value, narrow_of<CFG>::value>(s);
                }
            }
            if (px == CFG::N_PIX - 1) {
                out.write(pack<CFG::OUT_BITS, PE>(y));
            }
        }
    }
}

} // namespace tomatl

#endif
