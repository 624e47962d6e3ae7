// C-simulation bench of tomatl::add (cases from generator/tests/hls_units.rs).
// Case input: FRAMES, FRAMES*BEATS words of a, then FRAMES*BEATS words of b.
// Output: the output words.
#include "hls_bench.h"

#include "tomatl_add.h"

#include "tomatl_cases.h"

template <class CFG>
void run(int id, std::istream &is, std::ostream &os) {
    const long long frames = bench::number(is);
    hls::stream<ap_uint<CFG::ELEMS * CFG::A_BITS> > a("add.a");
    hls::stream<ap_uint<CFG::ELEMS * CFG::B_BITS> > b("add.b");
    hls::stream<ap_uint<CFG::ELEMS * CFG::OUT_BITS> > out("add.out");
    bench::fill(is, a, frames * CFG::BEATS);
    bench::fill(is, b, frames * CFG::BEATS);
    for (long long f = 0; f < frames; f++) {
        tomatl::add<CFG>(a, b, out);
    }
    bench::drain(os, id, out);
    bench::left(os, id, a.size() + b.size());
}

TOMATL_BENCH_MAIN
