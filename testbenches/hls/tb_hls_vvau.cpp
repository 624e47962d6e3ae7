// C-simulation bench of tomatl::vvau (cases from generator/tests/hls_units.rs).
// Case input: PE*(CH/PE)*K weight codes (PE by PE), PE*(CH/PE) bias words,
// FRAMES, then FRAMES*REPS*(CH/PE)*K input words. Output: the output words.
#include "hls_bench.h"

#include "tomatl_vvau.h"

#include "tomatl_cases.h"

template <class CFG>
void run(int id, std::istream &is, std::ostream &os) {
    const int NG = CFG::CH / CFG::PE;
    static typename tomatl::rom_uint<CFG::W_BITS>::type w[CFG::PE][NG * CFG::K];
    static typename tomatl::rom_int<CFG::ACC_BITS>::type b[CFG::PE][NG];
    for (int p = 0; p < CFG::PE; p++)
        for (int i = 0; i < NG * CFG::K; i++)
            w[p][i] = bench::word<CFG::W_BITS>(is).to_uint64();
    for (int p = 0; p < CFG::PE; p++)
        for (int i = 0; i < NG; i++)
            b[p][i] = ap_int<CFG::ACC_BITS>(bench::word<CFG::ACC_BITS>(is)).to_int64();
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
