// C-simulation bench of tomatl::fork (cases from generator/tests/hls_units.rs).
// Case input: FRAMES, then FRAMES*BEATS words. Output: one block of words
// per consumer.
#include "hls_bench.h"

#include "tomatl_fork.h"

#include "tomatl_cases.h"

template <class CFG>
void run(int id, std::istream &is, std::ostream &os) {
    const long long frames = bench::number(is);
    hls::stream<ap_uint<CFG::WIDTH> > in("fork.in");
    hls::stream<ap_uint<CFG::WIDTH> > out[CFG::N_OUT];
    bench::fill(is, in, frames * CFG::BEATS);
    for (long long f = 0; f < frames; f++) {
        tomatl::fork<CFG::WIDTH, CFG::N_OUT, CFG::BEATS>(in, out);
    }
    for (int o = 0; o < CFG::N_OUT; o++) {
        bench::drain(os, id, out[o]);
    }
    bench::left(os, id, in.size());
}

TOMATL_BENCH_MAIN
