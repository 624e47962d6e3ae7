// C-simulation bench of tomatl::requant, tomatl::avg and tomatl::mul, the
// shared arithmetic of hls/ (cases from generator/tests/hls_units.rs).
// The kind of a case is in its config; its input is N, then N operands
// (requant: acc and mult words; avg: a sum word; mul: an input code and a
// weight code). Output: N results (requant, avg: OUT_BITS-bit codes; mul:
// the P_BITS-bit product).
#include "hls_bench.h"

#include "tomatl_avg.h"
#include "tomatl_mul.h"
#include "tomatl_requant.h"

// The kind of a case: its config struct says `typedef kind_requant kind;` etc.
struct kind_requant {};
struct kind_avg {};
struct kind_mul {};

#include "tomatl_cases.h"

// requant: ACC_BITS, RSHIFT, LSHIFT, ACT, RELU6_MAX, OUT_BITS, OUT_SIGNED, MULT_BITS
// (ROUND_MODE and NARROW where the case has them)
template <class CFG>
void run_requant(int id, std::istream &is, std::ostream &os) {
    const long long n = bench::number(is);
    hls::stream<ap_uint<CFG::OUT_BITS> > out;
    for (long long i = 0; i < n; i++) {
        const ap_int<CFG::ACC_BITS> acc = bench::word<CFG::ACC_BITS>(is);
        const ap_uint<tomatl::mult_port_bits(CFG::MULT_BITS)> m =
            bench::word<tomatl::mult_port_bits(CFG::MULT_BITS)>(is);
        out.write(tomatl::requant<CFG::ACC_BITS, CFG::RSHIFT, CFG::LSHIFT, CFG::ACT, CFG::RELU6_MAX,
                                  CFG::OUT_BITS, CFG::OUT_SIGNED, CFG::MULT_BITS,
                                  tomatl::round_mode_of<CFG>::value,
                                  tomatl::narrow_of<CFG>::value>(acc, m));
    }
    bench::drain(os, id, out);
}

// avg: SUM_BITS, AVG_LSHIFT, AVG_DIV, OUT_BITS, OUT_SIGNED (ROUND_MODE and
// NARROW where the case has them)
template <class CFG>
void run_avg(int id, std::istream &is, std::ostream &os) {
    const long long n = bench::number(is);
    hls::stream<ap_uint<CFG::OUT_BITS> > out;
    for (long long i = 0; i < n; i++) {
        const ap_int<CFG::SUM_BITS> sum = bench::word<CFG::SUM_BITS>(is);
        out.write(tomatl::avg<CFG::SUM_BITS, CFG::AVG_LSHIFT, CFG::AVG_DIV, CFG::OUT_BITS,
                              CFG::OUT_SIGNED, tomatl::round_mode_of<CFG>::value,
                              tomatl::narrow_of<CFG>::value>(sum));
    }
    bench::drain(os, id, out);
}

// mul: ARITH, W_BITS, IN_BITS, IN_SIGNED, P_BITS
template <class CFG>
void run_mul(int id, std::istream &is, std::ostream &os) {
    const long long n = bench::number(is);
    hls::stream<ap_uint<CFG::P_BITS> > out;
    for (long long i = 0; i < n; i++) {
        const ap_uint<CFG::IN_BITS> a = bench::word<CFG::IN_BITS>(is);
        const ap_uint<CFG::W_BITS> c = bench::word<CFG::W_BITS>(is);
        const ap_int<CFG::P_BITS> p =
            tomatl::mul<CFG::ARITH, CFG::W_BITS, CFG::IN_BITS, CFG::IN_SIGNED, CFG::P_BITS>(a, c);
        out.write(ap_uint<CFG::P_BITS>(p));
    }
    bench::drain(os, id, out);
}

template <class CFG>
void run_kind(kind_requant, int id, std::istream &is, std::ostream &os) {
    run_requant<CFG>(id, is, os);
}
template <class CFG>
void run_kind(kind_avg, int id, std::istream &is, std::ostream &os) {
    run_avg<CFG>(id, is, os);
}
template <class CFG>
void run_kind(kind_mul, int id, std::istream &is, std::ostream &os) {
    run_mul<CFG>(id, is, os);
}

template <class CFG>
void run(int id, std::istream &is, std::ostream &os) {
    run_kind<CFG>(typename CFG::kind(), id, is, os);
}

TOMATL_BENCH_MAIN
