// tomatl_common.h: what every kernel of the HLS library shares: the codes of
// the weight arithmetics and activations, compile-time helpers and the
// packing of elements into stream words.
//
// A stream word (ap_uint<ELEMS * BITS>) carries ELEMS elements, element i at
// bits [i*BITS, (i+1)*BITS): least significant first, as the RTL's TDATA
// (DESIGN.md section 6). An element is a BITS-bit code, two's complement or
// unsigned as its tensor type says.
#ifndef TOMATL_COMMON_H
#define TOMATL_COMMON_H

#include <ap_int.h>

// TOMATL_HLS(X) is `#pragma HLS X` when Vitis HLS synthesises (it defines
// __SYNTHESIS__) and nothing otherwise, so C simulation with any compiler
// sees no unknown pragmas.
#ifdef __SYNTHESIS__
#define TOMATL_HLS_STR(x) #x
#define TOMATL_HLS(x) _Pragma(TOMATL_HLS_STR(HLS x))
#else
#define TOMATL_HLS(x)
#endif

namespace tomatl {

// Weight arithmetics (docs/numerics.md section 2).
enum { ARITH_FIXED = 0, ARITH_POW2 = 1, ARITH_BINARY = 2, ARITH_TERNARY = 3 };
// Activations (docs/numerics.md section 4).
enum { ACT_NONE = 0, ACT_RELU = 1, ACT_RELU6 = 2 };

constexpr int cmax(int a, int b) { return a > b ? a : b; }
constexpr int cmin(int a, int b) { return a < b ? a : b; }
constexpr long long cmaxll(long long a, long long b) { return a > b ? a : b; }
constexpr long long cminll(long long a, long long b) { return a < b ? a : b; }
// Smallest n with 2^n >= v (v >= 1).
constexpr int clog2(long long v) { return v <= 1 ? 0 : 1 + clog2((v + 1) / 2); }

// The integer a BITS-bit code stands for, one bit wider and signed, so
// signed and unsigned codes mix without surprises.
template <int BITS, bool SIGNED>
ap_int<BITS + 1> code_value(ap_uint<BITS> c) {
TOMATL_HLS(INLINE)
    ap_int<BITS + 1> v;
    if (SIGNED) {
        ap_int<BITS> s = c;
        v = s;
    } else {
        v = c;
    }
    return v;
}

// Element i of a word of BITS-bit elements.
template <int BITS, int W>
ap_uint<BITS> lane(const ap_uint<W> &word, int i) {
TOMATL_HLS(INLINE)
    return word.range(i * BITS + BITS - 1, i * BITS);
}

// Writes element i of a word of BITS-bit elements.
template <int BITS, int W>
void set_lane(ap_uint<W> &word, int i, ap_uint<BITS> v) {
TOMATL_HLS(INLINE)
    word.range(i * BITS + BITS - 1, i * BITS) = v;
}

} // namespace tomatl

#endif
