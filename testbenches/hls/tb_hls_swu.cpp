// C-simulation bench of tomatl::swu (cases from generator/tests/hls_units.rs).
// Case input: FRAMES, then the frames' pixels (IN_H*IN_W*CH/SIMD words each).
// Output: the window words.
#include "hls_bench.h"

#include "tomatl_swu.h"

#include "tomatl_cases.h"

template <class CFG>
void run(int id, std::istream &is, std::ostream &os) {
    const long long frames = bench::number(is);
    hls::stream<ap_uint<CFG::SIMD * CFG::EL_BITS> > in("swu.in"), out("swu.out");
    bench::fill(is, in, frames * CFG::IN_H * CFG::IN_W * (CFG::CH / CFG::SIMD));
    for (long long f = 0; f < frames; f++) {
        tomatl::swu<CFG>(in, out);
    }
    bench::drain(os, id, out);
    bench::left(os, id, in.size());
}

TOMATL_BENCH_MAIN
