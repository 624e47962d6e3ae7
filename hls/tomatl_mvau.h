// tomatl_mvau.h: matrix-vector-activation unit (rtl/tomatl_mvau.v), one
// dense layer, or a convolution behind tomatl::swu (DEPTHWISE = false):
//     y = act(requant(bias + W * x))       (docs/numerics.md sections 3, 4)
// for CFG::REPS input vectors per call (1 for a dense layer, OUT_H * OUT_W
// windows for a convolution).
//
// Folding: IN_FEATURES = SIMD * SF inputs, OUT_FEATURES = PE * NF outputs.
// An input vector arrives as SF words of SIMD elements (word sf holds inputs
// sf*SIMD .. sf*SIMD+SIMD-1); its output leaves as NF words of PE channels
// (word nf holds channels nf*PE .. nf*PE+PE-1). Loop order: for nf { for sf }:
// the input words are read during the nf == 0 pass and kept for the others.
// One (nf, sf) step per clock (the pipelined loop, II=1), each step PE x SIMD
// products (unrolled), so a vector takes SF*NF cycles.
//
// CFG (a struct of static const members):
//   SIMD, PE, SF, NF, REPS   folding and vectors per call;
//   IN_BITS, IN_SIGNED       the input type;
//   ARITH, W_BITS            weight arithmetic (tomatl_mul.h) and code bits;
//   ACC_BITS                 accumulator width (2..62): the generator sizes it
//                            so that every partial sum fits, which makes
//                            accumulation modulo 2^ACC_BITS exact;
//   RSHIFT, LSHIFT, ACT, RELU6_MAX, OUT_BITS, OUT_SIGNED   requantization
//                            (tomatl_requant.h);
//   MULT_BITS                0, or the bits of the per-channel multipliers.
// ROMs (static const arrays of the caller; one per PE, partitioned):
//   weights[p][nf*SF + sf]   SIMD codes, lane s at [s*W_BITS +: W_BITS]: the
//                            weight of output channel nf*PE+p for input
//                            sf*SIMD+s (the RTL's WEIGHT_FILE word nf*SF+sf,
//                            split by PE);
//   bias[p][nf]              the bias of channel nf*PE+p at frac_acc;
//   mults[p][nf]             its multiplier M (MULT_BITS > 0 only).
#ifndef TOMATL_MVAU_H
#define TOMATL_MVAU_H

#include <hls_stream.h>

#include "tomatl_common.h"
#include "tomatl_mul.h"
#include "tomatl_requant.h"

namespace tomatl {

template <class CFG>
void mvau(hls::stream<ap_uint<CFG::SIMD * CFG::IN_BITS> > &in,
          hls::stream<ap_uint<CFG::PE * CFG::OUT_BITS> > &out,
          const ap_uint<CFG::SIMD * CFG::W_BITS> weights[CFG::PE][CFG::NF * CFG::SF],
          const ap_int<CFG::ACC_BITS> bias[CFG::PE][CFG::NF],
          const ap_uint<mult_port_bits(CFG::MULT_BITS)> mults[CFG::PE][CFG::NF]) {
TOMATL_HLS(INLINE off)
TOMATL_HLS(ARRAY_PARTITION variable = weights complete dim = 1)
TOMATL_HLS(ARRAY_PARTITION variable = bias complete dim = 1)
TOMATL_HLS(ARRAY_PARTITION variable = mults complete dim = 1)
    const int SIMD = CFG::SIMD, PE = CFG::PE, SF = CFG::SF, NF = CFG::NF;
    const int IN_BITS = CFG::IN_BITS, W_BITS = CFG::W_BITS, ACC_BITS = CFG::ACC_BITS;
    static_assert(SIMD >= 1 && PE >= 1 && SF >= 1 && NF >= 1 && CFG::REPS >= 1,
                  "SIMD, PE, SF, NF and REPS are >= 1");
    static_assert(ACC_BITS >= 2 && ACC_BITS <= 62, "accumulators have 2..62 bits");

    ap_uint<SIMD * IN_BITS> inbuf[SF];
    ap_int<ACC_BITS> acc[PE];
TOMATL_HLS(ARRAY_PARTITION variable = acc complete)

    for (int r = 0; r < CFG::REPS; r++) {
        for (int nf = 0; nf < NF; nf++) {
            for (int sf = 0; sf < SF; sf++) {
TOMATL_HLS(PIPELINE II = 1)
                ap_uint<SIMD * IN_BITS> x;
                if (nf == 0) {
                    x = in.read();
                    inbuf[sf] = x;
                } else {
                    x = inbuf[sf];
                }
                ap_uint<CFG::PE * CFG::OUT_BITS> y = 0;
                for (int p = 0; p < PE; p++) {
TOMATL_HLS(UNROLL)
                    const ap_uint<SIMD * W_BITS> wword = weights[p][nf * SF + sf];
                    ap_int<ACC_BITS> dot = 0;
                    for (int s = 0; s < SIMD; s++) {
TOMATL_HLS(UNROLL)
                        dot += mul<CFG::ARITH, W_BITS, IN_BITS, CFG::IN_SIGNED, ACC_BITS>(
                            lane<IN_BITS>(x, s), lane<W_BITS>(wword, s));
                    }
                    const ap_int<ACC_BITS> base = (sf == 0) ? bias[p][nf] : acc[p];
                    acc[p] = base + dot;
                    set_lane<CFG::OUT_BITS>(
                        y, p,
                        requant<ACC_BITS, CFG::RSHIFT, CFG::LSHIFT, CFG::ACT, CFG::RELU6_MAX,
                                CFG::OUT_BITS, CFG::OUT_SIGNED, CFG::MULT_BITS>(acc[p],
                                                                               mults[p][nf]));
                }
                if (sf == SF - 1) {
                    out.write(y);
                }
            }
        }
    }
}

// Without per-channel multipliers (CFG::MULT_BITS == 0).
template <class CFG>
void mvau(hls::stream<ap_uint<CFG::SIMD * CFG::IN_BITS> > &in,
          hls::stream<ap_uint<CFG::PE * CFG::OUT_BITS> > &out,
          const ap_uint<CFG::SIMD * CFG::W_BITS> weights[CFG::PE][CFG::NF * CFG::SF],
          const ap_int<CFG::ACC_BITS> bias[CFG::PE][CFG::NF]) {
TOMATL_HLS(INLINE)
    static_assert(CFG::MULT_BITS == 0, "per-channel multipliers need the mults ROM");
    static const ap_uint<1> no_mults[CFG::PE][CFG::NF] = {};
    mvau<CFG>(in, out, weights, bias, no_mults);
}

} // namespace tomatl

#endif
