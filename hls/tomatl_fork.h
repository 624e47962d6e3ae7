// tomatl_fork.h: broadcast of one stream to N_OUT consumers (2..4;
// rtl/tomatl_fork.v): every word of the input goes to each output, BEATS
// words per call, one word per clock. In a dataflow region each output is a
// FIFO of its own, so a consumer that stalls does not hold back the others
// beyond that FIFO's depth (the skip FIFO of a residual is sized by the
// generator).
//
// A generated top calls the overloads with two to four named output streams,
// fork<WIDTH, BEATS>(in, out0, out1 [, out2 [, out3]]), so that each branch
// is a stream of its own with its own depth (an array of streams shares one).
#ifndef TOMATL_FORK_H
#define TOMATL_FORK_H

#include <hls_stream.h>

#include "tomatl_common.h"

namespace tomatl {

template <int WIDTH, int N_OUT, int BEATS>
void fork(hls::stream<ap_uint<WIDTH> > &in, hls::stream<ap_uint<WIDTH> > out[N_OUT]) {
TOMATL_HLS(INLINE off)
    static_assert(WIDTH >= 1 && N_OUT >= 2 && N_OUT <= 4 && BEATS >= 1,
                  "WIDTH >= 1, N_OUT 2..4, BEATS >= 1");
    for (int i = 0; i < BEATS; i++) {
TOMATL_HLS(PIPELINE II = 1)
        const ap_uint<WIDTH> x = in.read();
        for (int o = 0; o < N_OUT; o++) {
TOMATL_HLS(UNROLL)
            out[o].write(x);
        }
    }
}

template <int WIDTH, int BEATS>
void fork(hls::stream<ap_uint<WIDTH> > &in, hls::stream<ap_uint<WIDTH> > &out0,
          hls::stream<ap_uint<WIDTH> > &out1) {
TOMATL_HLS(INLINE off)
    static_assert(WIDTH >= 1 && BEATS >= 1, "WIDTH >= 1, BEATS >= 1");
    for (int i = 0; i < BEATS; i++) {
TOMATL_HLS(PIPELINE II = 1)
        const ap_uint<WIDTH> x = in.read();
        out0.write(x);
        out1.write(x);
    }
}

template <int WIDTH, int BEATS>
void fork(hls::stream<ap_uint<WIDTH> > &in, hls::stream<ap_uint<WIDTH> > &out0,
          hls::stream<ap_uint<WIDTH> > &out1, hls::stream<ap_uint<WIDTH> > &out2) {
TOMATL_HLS(INLINE off)
    static_assert(WIDTH >= 1 && BEATS >= 1, "WIDTH >= 1, BEATS >= 1");
    for (int i = 0; i < BEATS; i++) {
TOMATL_HLS(PIPELINE II = 1)
        const ap_uint<WIDTH> x = in.read();
        out0.write(x);
        out1.write(x);
        out2.write(x);
    }
}

template <int WIDTH, int BEATS>
void fork(hls::stream<ap_uint<WIDTH> > &in, hls::stream<ap_uint<WIDTH> > &out0,
          hls::stream<ap_uint<WIDTH> > &out1, hls::stream<ap_uint<WIDTH> > &out2,
          hls::stream<ap_uint<WIDTH> > &out3) {
TOMATL_HLS(INLINE off)
    static_assert(WIDTH >= 1 && BEATS >= 1, "WIDTH >= 1, BEATS >= 1");
    for (int i = 0; i < BEATS; i++) {
TOMATL_HLS(PIPELINE II = 1)
        const ap_uint<WIDTH> x = in.read();
        out0.write(x);
        out1.write(x);
        out2.write(x);
        out3.write(x);
    }
}

} // namespace tomatl

#endif
