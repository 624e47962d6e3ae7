// tomatl_dwc.h: stream width converter between words of IN_ELEMS and
// OUT_ELEMS elements of EL_BITS bits (rtl/tomatl_dwc.v), one frame of
// FRAME_ELEMS elements per call. Element 0 of a word is in its least
// significant bits and the order of elements is kept across words.
//
// A frame is ceil(FRAME_ELEMS / IN_ELEMS) input words and
// ceil(FRAME_ELEMS / OUT_ELEMS) output words: the elements past the frame's
// end in its last input word are ignored, those of its last output word are
// zero (the padding of the I/O contract, DESIGN.md section 6).
//
// A buffer of IN_ELEMS + OUT_ELEMS elements holds `have` real ones, the
// oldest at the bottom. Each clock (II=1) writes an output word when the
// buffer holds OUT_ELEMS (or the frame's input is all in), then reads an
// input word when fewer than OUT_ELEMS are left: full rate on the wider
// side. (C simulation keeps the buffer as an array of elements,
// TOMATL_CSIM_FAST; both are run by the unit bench.)
#ifndef TOMATL_DWC_H
#define TOMATL_DWC_H

#include <hls_stream.h>

#include "tomatl_common.h"

namespace tomatl {

template <int EL_BITS, int IN_ELEMS, int OUT_ELEMS, int FRAME_ELEMS>
void dwc(hls::stream<ap_uint<IN_ELEMS * EL_BITS> > &in,
         hls::stream<ap_uint<OUT_ELEMS * EL_BITS> > &out) {
TOMATL_HLS(INLINE off)
    static_assert(EL_BITS >= 1 && IN_ELEMS >= 1 && OUT_ELEMS >= 1 && FRAME_ELEMS >= 1,
                  "EL_BITS, IN_ELEMS, OUT_ELEMS and FRAME_ELEMS are >= 1");
    const int N_IN = (FRAME_ELEMS + IN_ELEMS - 1) / IN_ELEMS;
    const int N_OUT = (FRAME_ELEMS + OUT_ELEMS - 1) / OUT_ELEMS;
    const int BUF = IN_ELEMS + OUT_ELEMS;
    // The real elements of the last input word.
    const int LAST_IN = FRAME_ELEMS - (N_IN - 1) * IN_ELEMS;

#if TOMATL_CSIM_FAST
    // C simulation: the same buffer as an array of elements (a shift of a
    // word wider than 64 bits costs a pass over the whole word).
    static_assert(EL_BITS <= 64, "elements of at most 64 bits");
    ap_uint<EL_BITS> e[BUF];
    int have = 0;
    int reads_left = N_IN;
    int writes_left = N_OUT;
    while (writes_left > 0) {
        if (have >= OUT_ELEMS || reads_left == 0) {
            ap_uint<EL_BITS> o[OUT_ELEMS];
            for (int i = 0; i < OUT_ELEMS; i++) {
                o[i] = i < have ? e[i] : ap_uint<EL_BITS>(0);
            }
            out.write(pack<EL_BITS, OUT_ELEMS>(o));
            for (int i = OUT_ELEMS; i < have; i++) {
                e[i - OUT_ELEMS] = e[i];
            }
            have = have > OUT_ELEMS ? have - OUT_ELEMS : 0;
            writes_left--;
        }
        if (reads_left > 0 && have < OUT_ELEMS) {
            const int real = reads_left == 1 ? LAST_IN : IN_ELEMS;
            ap_uint<EL_BITS> x[IN_ELEMS];
            unpack<EL_BITS, IN_ELEMS>(in.read(), x);
            for (int i = 0; i < real; i++) {
                e[have + i] = x[i];
            }
            have += real;
            reads_left--;
        }
    }
#else
    ap_uint<BUF * EL_BITS> buf = 0;
    int have = 0;
    int reads_left = N_IN;
    int writes_left = N_OUT;
    while (writes_left > 0) {
TOMATL_HLS(PIPELINE II = 1)
TOMATL_HLS(LOOP_TRIPCOUNT max = N_IN + N_OUT)
        if (have >= OUT_ELEMS || reads_left == 0) {
            out.write(ap_uint<OUT_ELEMS * EL_BITS>(buf));
            buf >>= OUT_ELEMS * EL_BITS;
            have = have > OUT_ELEMS ? have - OUT_ELEMS : 0;
            writes_left--;
        }
        if (reads_left > 0 && have < OUT_ELEMS) {
            const int real = reads_left == 1 ? LAST_IN : IN_ELEMS;
            ap_uint<BUF * EL_BITS> x = in.read();
            // Clear the elements past the frame's end.
            const ap_uint<BUF * EL_BITS> mask = ~(~ap_uint<BUF * EL_BITS>(0) << (real * EL_BITS));
            x &= mask;
            buf |= x << (have * EL_BITS);
            have += real;
            reads_left--;
        }
    }
#endif
}

} // namespace tomatl

#endif
