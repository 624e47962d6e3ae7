// ap_axi_sdata.h: the beat of an AXI4-Stream port with side channels, for
// the C simulation of a top level when the vendor's header is absent. Only
// what the tomatl tops use: TDATA, TKEEP, TSTRB and TLAST (no TUSER, TID,
// TDEST: their widths must be 0).
#ifndef TOMATL_SIM_AP_AXI_SDATA_H
#define TOMATL_SIM_AP_AXI_SDATA_H

#include <ap_int.h>
#include <cstddef>

namespace hls {

template <typename T, std::size_t WUser = 0, std::size_t WId = 0, std::size_t WDest = 0>
struct axis {
    static_assert(WUser == 0 && WId == 0 && WDest == 0,
                  "this C-simulation axis has no TUSER, TID or TDEST");
    static constexpr std::size_t BYTES = (T::width + 7) / 8;
    T data;
    ap_uint<BYTES> keep;
    ap_uint<BYTES> strb;
    ap_uint<1> last;
};

} // namespace hls

template <int D, int U = 0, int TI = 0, int TD = 0>
using ap_axiu = hls::axis<ap_uint<D>, U, TI, TD>;
template <int D, int U = 0, int TI = 0, int TD = 0>
using ap_axis = hls::axis<ap_int<D>, U, TI, TD>;

#endif
