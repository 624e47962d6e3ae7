// tomatl_mul.h: one product of an input code and a weight code, by weight
// arithmetic (docs/numerics.md section 2; rtl/tomatl_mul.v):
//   ARITH_FIXED   (W_BITS 1..16): w = the two's complement code (a multiplier);
//   ARITH_POW2    (W_BITS 2..5):  code[W_BITS-1] = sign (1 negative),
//                 m = code[W_BITS-2:0]; m == 0: w = 0, else w = +-2^(m-1)
//                 (shift and conditional negate, no multiplier);
//   ARITH_BINARY  (W_BITS 1):     code 0: w = +1, code 1: w = -1 (add/subtract);
//   ARITH_TERNARY (W_BITS 2):     01: +1, 11: -1, 00: 0 (add/subtract/skip).
// The product is formed exactly on prod_bits() bits, then sign-extended or
// cut to P_BITS: exact when P_BITS >= prod_bits(), exact modulo 2^P_BITS
// otherwise, which is what an accumulator of P_BITS bits needs (every
// partial sum of a layer fits its accumulator, docs/numerics.md section 3).
#ifndef TOMATL_MUL_H
#define TOMATL_MUL_H

#include "tomatl_common.h"

namespace tomatl {

// Largest shift of a pow2 weight of W_BITS bits: 2^(W_BITS-1) - 2.
constexpr int pow2_max_shift(int w_bits) { return (1 << (w_bits - 1)) - 2; }

// Exact width of one product of an IN_BITS-bit input and a weight.
constexpr int prod_bits(int arith, int w_bits, int in_bits) {
    return arith == ARITH_FIXED  ? in_bits + 1 + w_bits
           : arith == ARITH_POW2 ? in_bits + 2 + pow2_max_shift(w_bits)
                                 : in_bits + 2;
}

template <int ARITH>
struct weight_mul;

template <>
struct weight_mul<ARITH_FIXED> {
    template <int P_BITS, int IN_BITS, int W_BITS>
    static ap_int<P_BITS> mul(ap_int<IN_BITS + 1> x, ap_uint<W_BITS> code) {
TOMATL_HLS(INLINE)
        static_assert(W_BITS >= 1 && W_BITS <= 16, "fixed weights have 1..16 bits");
        ap_int<W_BITS> w = code;
        ap_int<IN_BITS + 1 + W_BITS> p = x * w;
        return ap_int<P_BITS>(p);
    }
};

template <>
struct weight_mul<ARITH_POW2> {
    template <int P_BITS, int IN_BITS, int W_BITS>
    static ap_int<P_BITS> mul(ap_int<IN_BITS + 1> x, ap_uint<W_BITS> code) {
TOMATL_HLS(INLINE)
        static_assert(W_BITS >= 2 && W_BITS <= 5, "pow2 weights have 2..5 bits");
        const int PB = IN_BITS + 2 + pow2_max_shift(W_BITS);
        ap_int<PB> xw = x;
        ap_uint<W_BITS - 1> m = code.range(W_BITS - 2, 0);
        ap_int<PB> p = 0;
        if (m != 0) {
            ap_int<PB> mag = xw << (int)(m - 1);
            if (code[W_BITS - 1]) {
                p = -mag;
            } else {
                p = mag;
            }
        }
        return ap_int<P_BITS>(p);
    }
};

template <>
struct weight_mul<ARITH_BINARY> {
    template <int P_BITS, int IN_BITS, int W_BITS>
    static ap_int<P_BITS> mul(ap_int<IN_BITS + 1> x, ap_uint<W_BITS> code) {
TOMATL_HLS(INLINE)
        static_assert(W_BITS == 1, "binary weights have 1 bit");
        ap_int<IN_BITS + 2> xw = x;
        ap_int<IN_BITS + 2> p;
        if (code[0]) {
            p = -xw;
        } else {
            p = xw;
        }
        return ap_int<P_BITS>(p);
    }
};

template <>
struct weight_mul<ARITH_TERNARY> {
    template <int P_BITS, int IN_BITS, int W_BITS>
    static ap_int<P_BITS> mul(ap_int<IN_BITS + 1> x, ap_uint<W_BITS> code) {
TOMATL_HLS(INLINE)
        static_assert(W_BITS == 2, "ternary weights have 2 bits");
        ap_int<IN_BITS + 2> xw = x;
        ap_int<IN_BITS + 2> p = 0;
        if (code[0]) {
            if (code[1]) {
                p = -xw;
            } else {
                p = xw;
            }
        }
        return ap_int<P_BITS>(p);
    }
};

// x * w(code) on P_BITS bits (see above), x the value of an IN_BITS-bit
// code (code_value).
template <int ARITH, int W_BITS, int IN_BITS, int P_BITS>
ap_int<P_BITS> mul_value(ap_int<IN_BITS + 1> x, ap_uint<W_BITS> code) {
TOMATL_HLS(INLINE)
    static_assert(IN_BITS >= 1, "inputs have at least 1 bit");
    static_assert(P_BITS >= 2, "products have at least 2 bits");
    return weight_mul<ARITH>::template mul<P_BITS, IN_BITS, W_BITS>(x, code);
}

#if TOMATL_CSIM_FAST
// The value of a weight code as a built-in integer, without a branch (C
// simulation): fixed sign-extends, pow2 is +-2^(m-1) (0 for m = 0),
// binary +-1, ternary 01 +1, 11 -1, else 0.
template <int ARITH, int W_BITS>
inline long long weight_value(unsigned long long code) {
    if (ARITH == ARITH_FIXED) {
        return (long long)(code << (64 - W_BITS)) >> (64 - W_BITS);
    } else if (ARITH == ARITH_POW2) {
        const long long m = (long long)(code & ((1ULL << (W_BITS - 1)) - 1));
        const long long mag = (1LL << m) >> 1;
        const long long neg = (long long)((code >> (W_BITS - 1)) & 1);
        return (mag ^ -neg) + neg;
    } else if (ARITH == ARITH_BINARY) {
        return 1 - 2 * (long long)(code & 1);
    } else {
        return (long long)(code & 1) * (1 - (long long)(code & 2));
    }
}

// The value of a BITS-bit input code as a built-in integer.
template <int BITS, bool SIGNED>
inline long long input_value(unsigned long long code) {
    return SIGNED ? (long long)(code << (64 - BITS)) >> (64 - BITS) : (long long)code;
}
#endif

// a * w(code) on P_BITS bits, a an IN_BITS-bit input code.
template <int ARITH, int W_BITS, int IN_BITS, bool IN_SIGNED, int P_BITS>
ap_int<P_BITS> mul(ap_uint<IN_BITS> a, ap_uint<W_BITS> code) {
TOMATL_HLS(INLINE)
    return mul_value<ARITH, W_BITS, IN_BITS, P_BITS>(code_value<IN_BITS, IN_SIGNED>(a), code);
}

} // namespace tomatl

#endif
