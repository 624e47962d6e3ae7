// C-simulation bench of tomatl::mvau (dense layers) and of tomatl::swu
// feeding tomatl::mvau (convolutions); cases from generator/tests/hls_units.rs.
// Dense case input: the ROMs (PE*NF*SF weight words of SIMD codes, PE by PE; PE*NF bias
// words; PE*NF multiplier words), FRAMES, then FRAMES*REPS*SF input words.
// Conv case (CFG::swu, CFG::mvau): the same ROMs, FRAMES, then the frames'
// pixels (IN_H*IN_W*CH/SIMD words each). Output: the output words.
#include "hls_bench.h"

#include <type_traits>

#include "tomatl_mvau.h"
#include "tomatl_swu.h"

struct kind_dense {};
struct kind_conv {};

#include "tomatl_cases.h"

template <class M>
struct mvau_roms {
    static const int MB = tomatl::mult_port_bits(M::MULT_BITS);
    typename tomatl::rom_uint<M::W_BITS>::type w[M::PE][M::NF * M::SF][M::SIMD];
    typename tomatl::rom_int<M::ACC_BITS>::type b[M::PE][M::NF];
    typename tomatl::rom_uint<MB>::type m[M::PE][M::NF];
    void read(std::istream &is) {
        for (int p = 0; p < M::PE; p++)
            for (int i = 0; i < M::NF * M::SF; i++) {
                ap_uint<M::W_BITS> lanes[M::SIMD];
                tomatl::unpack<M::W_BITS, M::SIMD>(bench::word<M::SIMD * M::W_BITS>(is), lanes);
                for (int s = 0; s < M::SIMD; s++)
                    w[p][i][s] = lanes[s].to_uint64();
            }
        for (int p = 0; p < M::PE; p++)
            for (int i = 0; i < M::NF; i++)
                b[p][i] = ap_int<M::ACC_BITS>(bench::word<M::ACC_BITS>(is)).to_int64();
        for (int p = 0; p < M::PE; p++)
            for (int i = 0; i < M::NF; i++)
                m[p][i] = bench::word<MB>(is).to_uint64();
    }
};

// Dense layers take the mults ROM only when they have multipliers (the
// overload without it is what a generated top calls for MULT_BITS = 0).
template <class M>
void call_mvau(hls::stream<ap_uint<M::SIMD * M::IN_BITS> > &in,
               hls::stream<ap_uint<M::PE * M::OUT_BITS> > &out, const mvau_roms<M> &r,
               std::true_type) {
    tomatl::mvau<M>(in, out, r.w, r.b);
}
template <class M>
void call_mvau(hls::stream<ap_uint<M::SIMD * M::IN_BITS> > &in,
               hls::stream<ap_uint<M::PE * M::OUT_BITS> > &out, const mvau_roms<M> &r,
               std::false_type) {
    tomatl::mvau<M>(in, out, r.w, r.b, r.m);
}
template <class M>
void call_mvau(hls::stream<ap_uint<M::SIMD * M::IN_BITS> > &in,
               hls::stream<ap_uint<M::PE * M::OUT_BITS> > &out, const mvau_roms<M> &r) {
    call_mvau<M>(in, out, r, std::integral_constant<bool, M::MULT_BITS == 0>());
}

template <class CFG>
void run_kind(kind_dense, int id, std::istream &is, std::ostream &os) {
    static mvau_roms<CFG> roms;
    roms.read(is);
    const long long frames = bench::number(is);
    hls::stream<ap_uint<CFG::SIMD * CFG::IN_BITS> > in("mvau.in");
    hls::stream<ap_uint<CFG::PE * CFG::OUT_BITS> > out("mvau.out");
    bench::fill(is, in, frames * CFG::REPS * CFG::SF);
    for (long long f = 0; f < frames; f++) {
        call_mvau<CFG>(in, out, roms);
    }
    bench::drain(os, id, out);
    bench::left(os, id, in.size());
}

template <class CFG>
void run_kind(kind_conv, int id, std::istream &is, std::ostream &os) {
    typedef typename CFG::swu S;
    typedef typename CFG::mvau M;
    static mvau_roms<M> roms;
    roms.read(is);
    const long long frames = bench::number(is);
    hls::stream<ap_uint<S::SIMD * S::EL_BITS> > in("conv.in");
    hls::stream<ap_uint<S::SIMD * S::EL_BITS> > win("conv.windows");
    hls::stream<ap_uint<M::PE * M::OUT_BITS> > out("conv.out");
    bench::fill(is, in, frames * S::IN_H * S::IN_W * (S::CH / S::SIMD));
    for (long long f = 0; f < frames; f++) {
        tomatl::swu<S>(in, win);
        call_mvau<M>(win, out, roms);
    }
    bench::drain(os, id, out);
    bench::left(os, id, in.size() + win.size());
}

template <class CFG>
void run(int id, std::istream &is, std::ostream &os) {
    run_kind<CFG>(typename CFG::kind(), id, is, os);
}

TOMATL_BENCH_MAIN
