// C-simulation bench of tomatl::dwc (cases from generator/tests/hls_units.rs).
// Case input: FRAMES, then FRAMES*ceil(FRAME_ELEMS/IN_ELEMS) words. Output:
// the output words.
#include "hls_bench.h"

#include "tomatl_dwc.h"

#include "tomatl_cases.h"

template <class CFG>
void run(int id, std::istream &is, std::ostream &os) {
    const long long frames = bench::number(is);
    const int n_in = (CFG::FRAME_ELEMS + CFG::IN_ELEMS - 1) / CFG::IN_ELEMS;
    hls::stream<ap_uint<CFG::IN_ELEMS * CFG::EL_BITS> > in("dwc.in");
    hls::stream<ap_uint<CFG::OUT_ELEMS * CFG::EL_BITS> > out("dwc.out");
    bench::fill(is, in, frames * n_in);
    for (long long f = 0; f < frames; f++) {
        tomatl::dwc<CFG::EL_BITS, CFG::IN_ELEMS, CFG::OUT_ELEMS, CFG::FRAME_ELEMS>(in, out);
    }
    bench::drain(os, id, out);
    bench::left(os, id, in.size());
}

TOMATL_BENCH_MAIN
