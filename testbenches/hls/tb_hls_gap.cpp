// C-simulation bench of tomatl::gap (cases from generator/tests/hls_units.rs).
// Case input: FRAMES, then FRAMES*N_PIX*(CH/PE) input words. Output: the
// output words.
#include "hls_bench.h"

#include "tomatl_gap.h"

#include "tomatl_cases.h"

template <class CFG>
void run(int id, std::istream &is, std::ostream &os) {
    const long long frames = bench::number(is);
    hls::stream<ap_uint<CFG::PE * CFG::IN_BITS> > in("gap.in");
    hls::stream<ap_uint<CFG::PE * CFG::OUT_BITS> > out("gap.out");
    bench::fill(is, in, frames * CFG::N_PIX * (CFG::CH / CFG::PE));
    for (long long f = 0; f < frames; f++) {
        tomatl::gap<CFG>(in, out);
    }
    bench::drain(os, id, out);
    bench::left(os, id, in.size());
}

TOMATL_BENCH_MAIN
