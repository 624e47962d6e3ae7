// tomatl_mvau.h: matrix-vector-activation unit (rtl/tomatl_mvau.v), one
// dense layer, or a convolution behind tomatl::swu (DEPTHWISE = false):
//     y = act(requant(bias + W * x))       (docs/numerics.md sections 3, 4)
// or, in the threshold mode (TH_COUNT > 0), y = threshold(bias + W * x)
// (tomatl_threshold.h, ir::numerics::threshold),
// for CFG::REPS input vectors per call (1 for a dense layer, OUT_H * OUT_W
// windows for a convolution).
//
// Folding: IN_FEATURES = SIMD * SF inputs, OUT_FEATURES = PE * NF outputs.
// An input vector arrives as SF words of SIMD elements (word sf holds inputs
// sf*SIMD .. sf*SIMD+SIMD-1); its output leaves as NF words of PE channels
// (word nf holds channels nf*PE .. nf*PE+PE-1). Loop order: for nf { for sf }:
// the input words are read during the nf == 0 pass and kept (as elements)
// for the others; the requantizer runs on the last sf step of an output.
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
//   MULT_BITS                0, or the bits of the per-channel multipliers;
//   TH_COUNT, TH_STEP        optional (th_count_of, th_step_of: 0 and 1 when
//                            absent): TH_COUNT > 0 thresholds a channel
//                            (1..255) instead of the requantizer, the code
//                            rising by TH_STEP (1, or 2 for bipolar) a
//                            threshold reached; then MULT_BITS, RSHIFT,
//                            LSHIFT and ACT are 0 (RELU6_MAX and ROUND_MODE
//                            are not used).
// ROMs (static const arrays of the caller; one per PE, partitioned):
//   weights[p][nf*SF + sf][s]  the code of the weight of output channel
//                            nf*PE+p for input sf*SIMD+s (the RTL's
//                            WEIGHT_FILE word nf*SF+sf, split by PE and
//                            lane; the lanes of a word are reshaped into one
//                            ROM word of SIMD*W_BITS bits, as in the RTL);
//   bias[p][nf]              the bias of channel nf*PE+p at frac_acc;
//   mults[p][nf]             per channel, of mvau_chan<CFG>::BITS bits:
//                            its multiplier M (MULT_BITS > 0), or with
//                            TH_COUNT > 0 its threshold word of
//                            th_word_bits(ACC_BITS, TH_COUNT) =
//                            TH_COUNT*(ACC_BITS+1)+1 bits (tomatl_threshold.h:
//                            bit 0 descending, threshold k at
//                            [1 + k*(ACC_BITS+1) +: ACC_BITS+1]; the RTL's
//                            TH_FILE word nf split by PE), an ap_uint of
//                            any width (rom_uint).
#ifndef TOMATL_MVAU_H
#define TOMATL_MVAU_H

#include <hls_stream.h>

#include "tomatl_common.h"
#include "tomatl_mul.h"
#include "tomatl_requant.h"
#include "tomatl_threshold.h"

namespace tomatl {

// The output of channel p of pass nf from its accumulator and its word of
// the per-channel ROM: the requantizer (with the multiplier, if any) or the
// thresholds. BITS is the width of the ROM's words.
template <class CFG, bool THRESHOLDS = (th_count_of<CFG>::value > 0)>
struct mvau_chan;

template <class CFG>
struct mvau_chan<CFG, false> {
    static const int BITS = mult_port_bits(CFG::MULT_BITS);
    typedef typename rom_uint<BITS>::type rom_t;
    static ap_uint<CFG::OUT_BITS> out(const ap_int<CFG::ACC_BITS> &acc,
                                      const rom_t rom[CFG::PE][CFG::NF], int p, int nf) {
TOMATL_HLS(INLINE)
        const ap_uint<BITS> m = rom[p][nf];
        return requant<CFG::ACC_BITS, CFG::RSHIFT, CFG::LSHIFT, CFG::ACT, CFG::RELU6_MAX,
                       CFG::OUT_BITS, CFG::OUT_SIGNED, CFG::MULT_BITS, round_mode_of<CFG>::value,
                       narrow_of<CFG>::value>(acc, m);
    }
};

template <class CFG>
struct mvau_chan<CFG, true> {
    static const int TH_COUNT = th_count_of<CFG>::value, TH_STEP = th_step_of<CFG>::value;
    static const int BITS = th_word_bits(CFG::ACC_BITS, TH_COUNT);
    typedef typename rom_uint<BITS>::type rom_t;
    static_assert(TH_COUNT <= 255 && (TH_STEP == 1 || TH_STEP == 2),
                  "1..255 thresholds a channel, TH_STEP 1 or 2");
    static_assert(CFG::MULT_BITS == 0 && CFG::RSHIFT == 0 && CFG::LSHIFT == 0 &&
                      CFG::ACT == ACT_NONE,
                  "thresholds replace the multipliers, the shifts and the activation");
    static ap_uint<CFG::OUT_BITS> out(const ap_int<CFG::ACC_BITS> &acc,
                                      const rom_t rom[CFG::PE][CFG::NF], int p, int nf) {
TOMATL_HLS(INLINE)
#if TOMATL_CSIM_FAST
        // C simulation: the thresholds decoded once from the ROM (as the
        // weights are), the count taken on built-in integers.
        const int TB = th_bits(CFG::ACC_BITS);
        static long long t[CFG::PE][CFG::NF][TH_COUNT];
        static bool desc[CFG::PE][CFG::NF];
        static const void *decoded = 0;
        if (decoded != (const void *)rom) {
            for (int q = 0; q < CFG::PE; q++)
                for (int i = 0; i < CFG::NF; i++) {
                    const ap_uint<BITS> w = rom[q][i];
                    desc[q][i] = w[0];
                    for (int k = 0; k < TH_COUNT; k++) {
                        const ap_int<TB> tk = w.range(1 + k * TB + TB - 1, 1 + k * TB);
                        t[q][i][k] = tk.to_int64();
                    }
                }
            decoded = (const void *)rom;
        }
        const long long a = acc.to_int64();
        const long long *tv = t[p][nf];
        int n = 0;
        if (desc[p][nf]) {
            for (int k = 0; k < TH_COUNT; k++)
                n += a <= tv[k];
        } else {
            for (int k = 0; k < TH_COUNT; k++)
                n += a >= tv[k];
        }
        return threshold_code<TH_STEP, CFG::OUT_BITS, CFG::OUT_SIGNED, narrow_of<CFG>::value>(n);
#else
        const ap_uint<BITS> w = rom[p][nf];
        return threshold<CFG::ACC_BITS, TH_COUNT, TH_STEP, CFG::OUT_BITS, CFG::OUT_SIGNED,
                         narrow_of<CFG>::value>(acc, w);
#endif
    }
};

template <class CFG>
void mvau(hls::stream<ap_uint<CFG::SIMD * CFG::IN_BITS> > &in,
          hls::stream<ap_uint<CFG::PE * CFG::OUT_BITS> > &out,
          const typename rom_uint<CFG::W_BITS>::type weights[CFG::PE][CFG::NF * CFG::SF][CFG::SIMD],
          const typename rom_int<CFG::ACC_BITS>::type bias[CFG::PE][CFG::NF],
          const typename mvau_chan<CFG>::rom_t mults[CFG::PE][CFG::NF]) {
TOMATL_HLS(INLINE off)
TOMATL_HLS(ARRAY_PARTITION variable = weights complete dim = 1)
TOMATL_HLS(ARRAY_RESHAPE variable = weights complete dim = 3)
TOMATL_HLS(ARRAY_PARTITION variable = bias complete dim = 1)
TOMATL_HLS(ARRAY_PARTITION variable = mults complete dim = 1)
    const int SIMD = CFG::SIMD, PE = CFG::PE, SF = CFG::SF, NF = CFG::NF;
    const int IN_BITS = CFG::IN_BITS, W_BITS = CFG::W_BITS, ACC_BITS = CFG::ACC_BITS;
    static_assert(SIMD >= 1 && PE >= 1 && SF >= 1 && NF >= 1 && CFG::REPS >= 1,
                  "SIMD, PE, SF, NF and REPS are >= 1");
    static_assert(ACC_BITS >= 2 && ACC_BITS <= 62, "accumulators have 2..62 bits");

#if TOMATL_CSIM_FAST
    // C simulation: input and weight values as built-in unsigned integers
    // modulo 2^32 (accumulators of up to 32 bits) or 2^64, the weights
    // decoded once from the ROM (weight_value); sums wrap modulo the same.
    typedef typename std::conditional<(ACC_BITS <= 32), unsigned int, unsigned long long>::type
        word_t;
    static word_t xbuf[SF][SIMD];
    static word_t wval[PE][NF * SF][SIMD];
    static const void *decoded = 0;
    if (decoded != (const void *)weights) {
        for (int p = 0; p < PE; p++)
            for (int i = 0; i < NF * SF; i++)
                for (int s = 0; s < SIMD; s++)
                    wval[p][i][s] = (word_t)weight_value<CFG::ARITH, W_BITS>(weights[p][i][s]);
        decoded = (const void *)weights;
    }
#else
    ap_uint<IN_BITS> inbuf[SF][SIMD];
TOMATL_HLS(ARRAY_RESHAPE variable = inbuf complete dim = 2)
#endif
    ap_int<ACC_BITS> acc[PE];
TOMATL_HLS(ARRAY_PARTITION variable = acc complete)

    for (int r = 0; r < CFG::REPS; r++) {
        for (int nf = 0; nf < NF; nf++) {
            for (int sf = 0; sf < SF; sf++) {
TOMATL_HLS(PIPELINE II = 1)
#if TOMATL_CSIM_FAST
                if (nf == 0) {
                    ap_uint<IN_BITS> lanes[SIMD];
                    unpack<IN_BITS, SIMD>(in.read(), lanes);
                    for (int s = 0; s < SIMD; s++) {
                        xbuf[sf][s] =
                            (word_t)input_value<IN_BITS, CFG::IN_SIGNED>(lanes[s].to_uint64());
                    }
                }
                const word_t *xv = xbuf[sf];
#else
                ap_uint<IN_BITS> lanes[SIMD];
                if (nf == 0) {
                    unpack<IN_BITS, SIMD>(in.read(), lanes);
                    for (int s = 0; s < SIMD; s++) {
TOMATL_HLS(UNROLL)
                        inbuf[sf][s] = lanes[s];
                    }
                } else {
                    for (int s = 0; s < SIMD; s++) {
TOMATL_HLS(UNROLL)
                        lanes[s] = inbuf[sf][s];
                    }
                }
                ap_int<IN_BITS + 1> x[SIMD];
                for (int s = 0; s < SIMD; s++) {
TOMATL_HLS(UNROLL)
                    x[s] = code_value<IN_BITS, CFG::IN_SIGNED>(lanes[s]);
                }
#endif
                for (int p = 0; p < PE; p++) {
TOMATL_HLS(UNROLL)
#if TOMATL_CSIM_FAST
                    const word_t *wrow = wval[p][nf * SF + sf];
                    word_t sum = 0;
                    for (int s = 0; s < SIMD; s++) {
                        sum += xv[s] * wrow[s];
                    }
                    const ap_int<ACC_BITS> dot = (unsigned long long)sum;
#else
                    ap_int<ACC_BITS> dot = 0;
                    for (int s = 0; s < SIMD; s++) {
TOMATL_HLS(UNROLL)
                        const ap_uint<W_BITS> w = weights[p][nf * SF + sf][s];
                        dot += mul_value<CFG::ARITH, W_BITS, IN_BITS, ACC_BITS>(x[s], w);
                    }
#endif
                    const ap_int<ACC_BITS> b = bias[p][nf];
                    const ap_int<ACC_BITS> base = (sf == 0) ? b : acc[p];
                    acc[p] = base + dot;
                }
                if (sf == SF - 1) {
                    ap_uint<CFG::OUT_BITS> y[PE];
                    for (int p = 0; p < PE; p++) {
TOMATL_HLS(UNROLL)
                        y[p] = mvau_chan<CFG>::out(acc[p], mults, p, nf);
                    }
                    out.write(pack<CFG::OUT_BITS, PE>(y));
                }
            }
        }
    }
}

// Without a per-channel ROM (CFG::MULT_BITS == 0, no thresholds).
template <class CFG>
void mvau(hls::stream<ap_uint<CFG::SIMD * CFG::IN_BITS> > &in,
          hls::stream<ap_uint<CFG::PE * CFG::OUT_BITS> > &out,
          const typename rom_uint<CFG::W_BITS>::type weights[CFG::PE][CFG::NF * CFG::SF][CFG::SIMD],
          const typename rom_int<CFG::ACC_BITS>::type bias[CFG::PE][CFG::NF]) {
TOMATL_HLS(INLINE)
    static_assert(CFG::MULT_BITS == 0, "per-channel multipliers need the mults ROM");
    static_assert(th_count_of<CFG>::value == 0, "thresholds need the per-channel ROM (mults)");
    static const typename rom_uint<1>::type no_mults[CFG::PE][CFG::NF] = {};
    mvau<CFG>(in, out, weights, bias, no_mults);
}

} // namespace tomatl

#endif
