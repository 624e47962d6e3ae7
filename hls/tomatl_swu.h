// tomatl_swu.h: sliding-window unit of a convolution or pooling layer
// (rtl/tomatl_swu.v): zero padding (any of the four sides, asymmetric
// included) and stride, line buffers instead of im2col in memory. One frame
// per call.
//
// Input: IN_H x IN_W pixels in row-major order, each CB = CH/SIMD words of
// SIMD channels (word cb holds channels cb*SIMD ..), HWC order. Output: for
// each output pixel (oy, ox) in row-major order the window of input pixels
// (iy, ix) = (oy*S_H - PAD_T + ky, ox*S_W - PAD_L + kx), zeros outside the
// image, as words of SIMD channels:
//   DEPTHWISE false: for ky { for kx { for cb } }   (tomatl::mvau, whose
//                    input vector is the window in HWC: K_H*K_W*CH inputs);
//   DEPTHWISE true:  for cb { for ky { for kx } }   (tomatl::vvau, tomatl::pool).
//
// CFG: IN_H, IN_W, CH, SIMD, EL_BITS, K_H, K_W, S_H, S_W, PAD_T, PAD_L,
// PAD_B, PAD_R, DEPTHWISE (OUT_H and OUT_W follow: out_h(), out_w()).
//
// The line buffer holds K_H image rows (K_H * IN_W * CB words): before
// output row oy the rows up to its window's last real row are read into
// slot (row mod K_H), then the row's windows are emitted (both loops
// pipelined, one word per clock); rows below the last window are read and
// dropped, so a call consumes exactly one frame.
#ifndef TOMATL_SWU_H
#define TOMATL_SWU_H

#include <hls_stream.h>

#include "tomatl_common.h"

namespace tomatl {

template <class CFG>
struct swu_geometry {
    static const int CB = CFG::CH / CFG::SIMD;
    static const int ROW = CFG::IN_W * CB;
    static const int OUT_H = (CFG::IN_H + CFG::PAD_T + CFG::PAD_B - CFG::K_H) / CFG::S_H + 1;
    static const int OUT_W = (CFG::IN_W + CFG::PAD_L + CFG::PAD_R - CFG::K_W) / CFG::S_W + 1;
    static const int WINDOW = CFG::K_H * CFG::K_W * CB;
};

template <class CFG>
void swu(hls::stream<ap_uint<CFG::SIMD * CFG::EL_BITS> > &in,
         hls::stream<ap_uint<CFG::SIMD * CFG::EL_BITS> > &out) {
TOMATL_HLS(INLINE off)
    typedef swu_geometry<CFG> g;
    typedef ap_uint<CFG::SIMD * CFG::EL_BITS> word;
    const int K_H = CFG::K_H, K_W = CFG::K_W, CB = g::CB, IN_H = CFG::IN_H, IN_W = CFG::IN_W;
    static_assert(CFG::SIMD >= 1 && CFG::CH % CFG::SIMD == 0, "SIMD divides CH");
    static_assert(K_H >= 1 && K_W >= 1 && K_H <= 16 && K_W <= 16, "kernels are 1..16");
    static_assert(CFG::S_H >= 1 && CFG::S_W >= 1, "strides are >= 1");
    static_assert(CFG::PAD_T >= 0 && CFG::PAD_T < K_H && CFG::PAD_B >= 0 && CFG::PAD_B < K_H &&
                      CFG::PAD_L >= 0 && CFG::PAD_L < K_W && CFG::PAD_R >= 0 &&
                      CFG::PAD_R < K_W,
                  "pads are 0..K-1");
    static_assert(IN_H + CFG::PAD_T + CFG::PAD_B >= K_H && IN_W + CFG::PAD_L + CFG::PAD_R >= K_W,
                  "the padded image holds one window");

    word buf[K_H][g::ROW];

    int rows_read = 0;
    for (int oy = 0; oy < g::OUT_H; oy++) {
        const int top = oy * CFG::S_H - CFG::PAD_T;
        const int need = cmin(top + K_H, IN_H);
        const int n_rows = need > rows_read ? need - rows_read : 0;
        for (int i = 0; i < n_rows * g::ROW; i++) {
TOMATL_HLS(PIPELINE II = 1)
TOMATL_HLS(LOOP_TRIPCOUNT max = K_H * g::ROW)
            const int row = rows_read + i / g::ROW;
            buf[row % K_H][i % g::ROW] = in.read();
        }
        rows_read += n_rows;
        for (int j = 0; j < g::OUT_W * g::WINDOW; j++) {
TOMATL_HLS(PIPELINE II = 1)
            const int ox = j / g::WINDOW;
            const int e = j % g::WINDOW;
            int ky, kx, cb;
            if (CFG::DEPTHWISE) {
                cb = e / (K_H * K_W);
                ky = (e / K_W) % K_H;
                kx = e % K_W;
            } else {
                ky = e / (K_W * CB);
                kx = (e / CB) % K_W;
                cb = e % CB;
            }
            const int iy = top + ky;
            const int ix = ox * CFG::S_W - CFG::PAD_L + kx;
            word w = 0;
            if (iy >= 0 && iy < IN_H && ix >= 0 && ix < IN_W) {
                w = buf[iy % K_H][ix * CB + cb];
            }
            out.write(w);
        }
    }
    for (int i = 0; i < (IN_H - rows_read) * g::ROW; i++) {
TOMATL_HLS(PIPELINE II = 1)
TOMATL_HLS(LOOP_TRIPCOUNT max = K_H * g::ROW)
        in.read();
    }
}

} // namespace tomatl

#endif
