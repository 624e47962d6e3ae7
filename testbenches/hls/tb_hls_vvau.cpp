// C-simulation bench of tomatl::vvau (cases from generator/tests/hls_units.rs).
// Case input: PE*(CH/PE)*K weight codes (PE by PE), PE*(CH/PE) bias words,
// FRAMES, then FRAMES*REPS*(CH/PE)*K input words. Output: the output words.
#include "hls_bench.h"

#include "tomatl_vvau.h"

#include "tomatl_cases.h"

template <class CFG>
void run(int id, std::istream &is, std::ostream &os) {
    const int NG = CFG::CH / CFG::PE;
    static ap_uint<CFG::W_BITS> w[CFG::PE][NG * CFG::K];
    static ap_int<CFG::ACC_BITS> b[CFG::PE][NG];
    for (int p = 0; p < CFG::PE; p++)
        for (int i = 0; i < NG * CFG::K; i++)
            w[p][i] = bench::word<CFG::W_BITS>(is);
    for (int p = 0; p < CFG::PE; p++)
        for (int i = 0; i < NG; i++)
            b[p][i] = bench::word<CFG::ACC_BITS>(is);
    const long long frames = bench::number(is);
    hls::stream<ap_uint<CFG::PE * CFG::IN_BITS> > in("vvau.in");
    hls::stream<ap_uint<CFG::PE * CFG::OUT_BITS> > out("vvau.out");
    bench::fill(is, in, frames * CFG::REPS * NG * CFG::K);
    for (long long f = 0; f < frames; f++) {
        tomatl::vvau<CFG>(in, out, w, b);
    }
    bench::drain(os, id, out);
    bench::left(os, id, in.size());
}

TOMATL_BENCH_MAIN
