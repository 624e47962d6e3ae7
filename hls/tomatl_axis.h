// tomatl_axis.h: the two AXI4-Stream ports of a generated top (DESIGN.md
// section 6). A port beat is an hls::axis<ap_uint<TDATA>, 0, 0, 0> (TDATA,
// TKEEP, TSTRB, TLAST: Vitis HLS keeps TLAST only on this type, not on a
// plain struct); the stream inside is ap_uint<DATA>, the DATA <= TDATA bits
// that carry elements (element 0 in the least significant bits, the rest of
// TDATA zero padding). BEATS beats a frame, one frame per call.
//   axis_in:  TDATA bits in, the low DATA bits out; TLAST and TKEEP are not
//             needed (frames are counted in beats) and ignored.
//   axis_out: DATA bits in, zero-padded to TDATA, TKEEP and TSTRB all ones,
//             TLAST on the last beat of the frame.
#ifndef TOMATL_AXIS_H
#define TOMATL_AXIS_H

#include <ap_axi_sdata.h>
#include <hls_stream.h>

#include "tomatl_common.h"

namespace tomatl {

template <int TDATA, int DATA, int BEATS>
void axis_in(hls::stream<hls::axis<ap_uint<TDATA>, 0, 0, 0> > &in,
             hls::stream<ap_uint<DATA> > &out) {
TOMATL_HLS(INLINE off)
    static_assert(DATA >= 1 && DATA <= TDATA && TDATA % 8 == 0 && BEATS >= 1,
                  "1 <= DATA <= TDATA, TDATA whole bytes, BEATS >= 1");
    for (int i = 0; i < BEATS; i++) {
TOMATL_HLS(PIPELINE II = 1)
        const hls::axis<ap_uint<TDATA>, 0, 0, 0> beat = in.read();
        out.write(ap_uint<DATA>(beat.data));
    }
}

template <int DATA, int TDATA, int BEATS>
void axis_out(hls::stream<ap_uint<DATA> > &in,
              hls::stream<hls::axis<ap_uint<TDATA>, 0, 0, 0> > &out) {
TOMATL_HLS(INLINE off)
    static_assert(DATA >= 1 && DATA <= TDATA && TDATA % 8 == 0 && BEATS >= 1,
                  "1 <= DATA <= TDATA, TDATA whole bytes, BEATS >= 1");
    for (int i = 0; i < BEATS; i++) {
TOMATL_HLS(PIPELINE II = 1)
        hls::axis<ap_uint<TDATA>, 0, 0, 0> beat;
        beat.data = ap_uint<TDATA>(in.read());
        beat.keep = -1;
        beat.strb = -1;
        beat.last = (i == BEATS - 1);
        out.write(beat);
    }
}

} // namespace tomatl

#endif
