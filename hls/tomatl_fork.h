// tomatl_fork.h: broadcast of one stream to N_OUT consumers (2..4;
// rtl/tomatl_fork.v): every word of the input goes to each output, BEATS
// words per call, one word per clock. In a dataflow region each output is a
// FIFO of its own, so a consumer that stalls does not hold back the others
// beyond that FIFO's depth (the skip FIFO of a residual is sized by the
// generator).
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

} // namespace tomatl

#endif
