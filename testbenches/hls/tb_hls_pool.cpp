// C-simulation bench of tomatl::pool (cases from generator/tests/hls_units.rs).
// Case input: FRAMES, then FRAMES*REPS*(CH/PE)*K input words. Output: the
// output words.
#include "hls_bench.h"

#include "tomatl_pool.h"

#include "tomatl_cases.h"

template <class CFG>
void run(int id, std::istream &is, std::ostream &os) {
    const long long frames = bench::number(is);
    hls::stream<ap_uint<CFG::PE * CFG::IN_BITS> > in("pool.in");
    hls::stream<ap_uint<CFG::PE * CFG::OUT_BITS> > out("pool.out");
    bench::fill(is, in, frames * CFG::REPS * (CFG::CH / CFG::PE) * CFG::K);
    for (long long f = 0; f < frames; f++) {
        tomatl::pool<CFG>(in, out);
    }
    bench::drain(os, id, out);
    bench::left(os, id, in.size());
}

TOMATL_BENCH_MAIN
