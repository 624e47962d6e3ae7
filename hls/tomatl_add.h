// tomatl_add.h: element-wise add of two streams, a residual connection
// (docs/numerics.md section 5, rtl/tomatl_add.v). BEATS words per call.
//
// Lane i of an output word comes from lane i of one word of a and one of b:
//   s = (a << A_SHL) + (b << B_SHL)   exact: both aligned to the finer
//                                     binary point (one shift is 0)
//   y = requant(s): RSHIFT/LSHIFT rounding by ROUND_MODE, ACT, saturation
//       (NARROW: narrow range); both optional in CFG (round_mode_of).
//
// CFG: ELEMS, BEATS, A_BITS, A_SIGNED, B_BITS, B_SIGNED, A_SHL, B_SHL,
// RSHIFT, LSHIFT, ACT, RELU6_MAX, OUT_BITS, OUT_SIGNED.
#ifndef TOMATL_ADD_H
#define TOMATL_ADD_H

#include <hls_stream.h>

#include "tomatl_common.h"
#include "tomatl_requant.h"

namespace tomatl {

template <class CFG>
void add(hls::stream<ap_uint<CFG::ELEMS * CFG::A_BITS> > &a,
         hls::stream<ap_uint<CFG::ELEMS * CFG::B_BITS> > &b,
         hls::stream<ap_uint<CFG::ELEMS * CFG::OUT_BITS> > &out) {
TOMATL_HLS(INLINE off)
    // Width of the exact sum: a sign bit, the wider shifted operand, a carry.
    const int S_BITS = cmax(CFG::A_BITS + CFG::A_SHL + 1, CFG::B_BITS + CFG::B_SHL + 1) + 1;
    static_assert(CFG::ELEMS >= 1 && CFG::BEATS >= 1, "ELEMS and BEATS are >= 1");
    static_assert(CFG::A_SHL >= 0 && CFG::B_SHL >= 0 && !(CFG::A_SHL > 0 && CFG::B_SHL > 0),
                  "one input is shifted at most");
    for (int i = 0; i < CFG::BEATS; i++) {
TOMATL_HLS(PIPELINE II = 1)
        ap_uint<CFG::A_BITS> xa[CFG::ELEMS];
        ap_uint<CFG::B_BITS> xb[CFG::ELEMS];
        unpack<CFG::A_BITS, CFG::ELEMS>(a.read(), xa);
        unpack<CFG::B_BITS, CFG::ELEMS>(b.read(), xb);
        ap_uint<CFG::OUT_BITS> y[CFG::ELEMS];
        for (int e = 0; e < CFG::ELEMS; e++) {
TOMATL_HLS(UNROLL)
            const ap_int<S_BITS> va =
                ap_int<S_BITS>(code_value<CFG::A_BITS, CFG::A_SIGNED>(xa[e])) << CFG::A_SHL;
            const ap_int<S_BITS> vb =
                ap_int<S_BITS>(code_value<CFG::B_BITS, CFG::B_SIGNED>(xb[e])) << CFG::B_SHL;
            const ap_int<S_BITS> s = va + vb;
            y[e] = requant<S_BITS, CFG::RSHIFT, CFG::LSHIFT, CFG::ACT, CFG::RELU6_MAX,
                           CFG::OUT_BITS, CFG::OUT_SIGNED, 0, round_mode_of<CFG>::value, narrow_of<CFG>::value>(s);
        }
        out.write(pack<CFG::OUT_BITS, CFG::ELEMS>(y));
    }
}

} // namespace tomatl

#endif
