// tomatl_vvau.h: vector unit of a depthwise convolution (rtl/tomatl_vvau.v)
//     y_c = act(requant(bias_c + sum_k x[k][c] * w(c, k)))
// over the windows of tomatl::swu with DEPTHWISE = true, for CFG::REPS
// output pixels per call (OUT_H * OUT_W).
//
// Input per output pixel: for cg in 0..CH/PE-1 { K words of PE channels }
// (word k of group cg holds kernel position k of channels cg*PE ..). Output
// per pixel: CH/PE words of PE channels. One input word per clock (II=1),
// PE products each (unrolled).
//
// CFG: CH, PE, K, REPS, IN_BITS, IN_SIGNED, ARITH, W_BITS, ACC_BITS (2..62,
// sized by the generator: accumulation modulo 2^ACC_BITS is exact), RSHIFT,
// LSHIFT, ACT, RELU6_MAX, OUT_BITS, OUT_SIGNED.
// ROMs (one per PE, partitioned):
//   weights[p][cg*K + k]   the code of channel cg*PE+p at kernel position k;
//   bias[p][cg]            the bias of channel cg*PE+p.
#ifndef TOMATL_VVAU_H
#define TOMATL_VVAU_H

#include <hls_stream.h>

#include "tomatl_common.h"
#include "tomatl_mul.h"
#include "tomatl_requant.h"

namespace tomatl {

template <class CFG>
void vvau(hls::stream<ap_uint<CFG::PE * CFG::IN_BITS> > &in,
          hls::stream<ap_uint<CFG::PE * CFG::OUT_BITS> > &out,
          const typename rom_uint<CFG::W_BITS>::type weights[CFG::PE][CFG::CH / CFG::PE * CFG::K],
          const typename rom_int<CFG::ACC_BITS>::type bias[CFG::PE][CFG::CH / CFG::PE]) {
TOMATL_HLS(INLINE off)
TOMATL_HLS(ARRAY_PARTITION variable = weights complete dim = 1)
TOMATL_HLS(ARRAY_PARTITION variable = bias complete dim = 1)
    const int PE = CFG::PE, K = CFG::K, NG = CFG::CH / CFG::PE, ACC_BITS = CFG::ACC_BITS;
    static_assert(PE >= 1 && CFG::CH % PE == 0, "PE divides CH");
    static_assert(K >= 1 && CFG::REPS >= 1, "K and REPS are >= 1");
    static_assert(ACC_BITS >= 2 && ACC_BITS <= 62, "accumulators have 2..62 bits");

    ap_int<ACC_BITS> acc[PE];
TOMATL_HLS(ARRAY_PARTITION variable = acc complete)

    for (int r = 0; r < CFG::REPS; r++) {
        for (int cg = 0; cg < NG; cg++) {
            for (int k = 0; k < K; k++) {
TOMATL_HLS(PIPELINE II = 1)
                ap_uint<CFG::IN_BITS> x[PE];
                unpack<CFG::IN_BITS, PE>(in.read(), x);
                for (int p = 0; p < PE; p++) {
TOMATL_HLS(UNROLL)
#if TOMATL_CSIM_FAST
                    const ap_int<ACC_BITS> prod =
                        input_value<CFG::IN_BITS, CFG::IN_SIGNED>(x[p].to_uint64()) *
                        weight_value<CFG::ARITH, CFG::W_BITS>(weights[p][cg * K + k]);
#else
                    const ap_uint<CFG::W_BITS> w = weights[p][cg * K + k];
                    const ap_int<ACC_BITS> prod =
                        mul<CFG::ARITH, CFG::W_BITS, CFG::IN_BITS, CFG::IN_SIGNED, ACC_BITS>(x[p],
                                                                                            w);
#endif
                    const ap_int<ACC_BITS> b = bias[p][cg];
                    const ap_int<ACC_BITS> base = (k == 0) ? b : acc[p];
                    acc[p] = base + prod;
                }
                if (k == K - 1) {
                    ap_uint<CFG::OUT_BITS> y[PE];
                    for (int p = 0; p < PE; p++) {
TOMATL_HLS(UNROLL)
                        y[p] = requant<ACC_BITS, CFG::RSHIFT, CFG::LSHIFT, CFG::ACT,
                                       CFG::RELU6_MAX, CFG::OUT_BITS, CFG::OUT_SIGNED, 0,
                                       round_mode_of<CFG>::value, narrow_of<CFG>::value>(acc[p]);
                    }
                    out.write(pack<CFG::OUT_BITS, PE>(y));
                }
            }
        }
    }
}

} // namespace tomatl

#endif
