// tomatl_pool.h: max or average pooling over the windows of tomatl::swu with
// DEPTHWISE = true (rtl/tomatl_pool.v), for CFG::REPS output pixels per call.
//
// Input per output pixel: for cg in 0..CH/PE-1 { K words of PE lanes } (word
// k of group cg holds window element k of channels cg*PE ..). Output per
// pixel: CH/PE words of PE lanes.
//   KIND 0 max: the largest of the K codes (OUT_BITS, OUT_SIGNED = the input's).
//   KIND 1 avg: tomatl::avg of the exact sum of the K codes, rounded half up
//               and saturated (docs/numerics.md section 5; the generator
//               passes AVG_DIV = K * 2^max(frac_in - frac_out, 0) and
//               AVG_LSHIFT = max(frac_out - frac_in, 0)).
// One input word per clock (II=1).
//
// CFG: CH, PE, K, REPS, KIND, IN_BITS, IN_SIGNED, OUT_BITS, OUT_SIGNED,
// AVG_LSHIFT, AVG_DIV.
#ifndef TOMATL_POOL_H
#define TOMATL_POOL_H

#include <hls_stream.h>

#include "tomatl_avg.h"
#include "tomatl_common.h"

namespace tomatl {

enum { POOL_MAX = 0, POOL_AVG = 1 };

template <class CFG>
void pool(hls::stream<ap_uint<CFG::PE * CFG::IN_BITS> > &in,
          hls::stream<ap_uint<CFG::PE * CFG::OUT_BITS> > &out) {
TOMATL_HLS(INLINE off)
    const int PE = CFG::PE, K = CFG::K, NG = CFG::CH / CFG::PE, IN_BITS = CFG::IN_BITS;
    // A lane's running value: the exact sum of K codes (or the maximum), signed.
    const int SUM_BITS = IN_BITS + 1 + clog2(K);
    static_assert(PE >= 1 && CFG::CH % PE == 0, "PE divides CH");
    static_assert(K >= 1 && CFG::REPS >= 1, "K and REPS are >= 1");
    static_assert(CFG::KIND == POOL_MAX || CFG::KIND == POOL_AVG, "KIND is max or avg");
    static_assert(CFG::KIND != POOL_MAX ||
                      (CFG::OUT_BITS == IN_BITS && CFG::OUT_SIGNED == CFG::IN_SIGNED),
                  "max pooling keeps the input type");

    ap_int<SUM_BITS> run[PE];
TOMATL_HLS(ARRAY_PARTITION variable = run complete)

    for (int r = 0; r < CFG::REPS; r++) {
        for (int cg = 0; cg < NG; cg++) {
            for (int k = 0; k < K; k++) {
TOMATL_HLS(PIPELINE II = 1)
                ap_uint<IN_BITS> x[PE];
                unpack<IN_BITS, PE>(in.read(), x);
                ap_uint<CFG::OUT_BITS> y[PE];
                for (int p = 0; p < PE; p++) {
TOMATL_HLS(UNROLL)
                    const ap_int<IN_BITS + 1> v = code_value<IN_BITS, CFG::IN_SIGNED>(x[p]);
                    ap_int<SUM_BITS> next;
                    if (CFG::KIND == POOL_MAX) {
                        next = (k == 0 || v > run[p]) ? ap_int<SUM_BITS>(v) : run[p];
                    } else {
                        next = (k == 0) ? ap_int<SUM_BITS>(v) : ap_int<SUM_BITS>(run[p] + v);
                    }
                    run[p] = next;
                    if (CFG::KIND == POOL_MAX) {
                        y[p] = next;
                    } else if (k == K - 1) {
                        y[p] = avg<SUM_BITS, CFG::AVG_LSHIFT, CFG::AVG_DIV, CFG::OUT_BITS,
                                   CFG::OUT_SIGNED, round_mode_of<CFG>::value, narrow_of<CFG>::value>(next);
                    }
                }
                if (k == K - 1) {
                    out.write(pack<CFG::OUT_BITS, PE>(y));
                }
            }
        }
    }
}

} // namespace tomatl

#endif
