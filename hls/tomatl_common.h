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

#include <type_traits>

// TOMATL_HLS(X) is `#pragma HLS X` when Vitis HLS synthesises (it defines
// __SYNTHESIS__) and nothing otherwise, so C simulation with any compiler
// sees no unknown pragmas.
#ifdef __SYNTHESIS__
#define TOMATL_HLS_STR(x) #x
#define TOMATL_HLS(x) _Pragma(TOMATL_HLS_STR(HLS x))
#else
#define TOMATL_HLS(x)
#endif

// The products of a matrix-vector or vector unit are summed in one of two
// ways, which compute the same integers:
//   ap_int (synthesis, and C simulation with -DTOMATL_CSIM_AP_ARITH): each
//     product formed exactly on its own width by shifts and negations
//     (tomatl_mul.h) and added to an ap_int<ACC_BITS> sum, wrapping modulo
//     2^ACC_BITS on every assignment;
//   built-in integers (C simulation otherwise, TOMATL_CSIM_FAST): input
//     and weight values as unsigned integers modulo 2^K (K = 32 for
//     accumulators of up to 32 bits, else 64), each product and the sum
//     modulo 2^K, reduced modulo 2^ACC_BITS once.
// Reduction modulo 2^ACC_BITS commutes with addition and multiplication and
// 2^ACC_BITS divides 2^K, so both give the same ap_int<ACC_BITS> for every
// input, whatever the widths; the second has no data-dependent branch and
// runs some twenty times faster. hls_units tests the first; the design tests compile both.
#if !defined(__SYNTHESIS__) && !defined(TOMATL_CSIM_AP_ARITH)
#define TOMATL_CSIM_FAST 1
#else
#define TOMATL_CSIM_FAST 0
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
// A config's rounding mode and narrow range (docs/numerics.md section 4):
// CFG::ROUND_MODE and CFG::NARROW where the config has them (the generator
// writes them only when not the default), else 0 (half_ceil) and false.
template <class CFG, class = void>
struct round_mode_of {
    static const int value = 0;
};
template <class CFG>
struct round_mode_of<CFG, decltype(void(CFG::ROUND_MODE))> {
    static const int value = CFG::ROUND_MODE;
};
template <class CFG, class = void>
struct narrow_of {
    static const bool value = false;
};
template <class CFG>
struct narrow_of<CFG, decltype(void(CFG::NARROW))> {
    static const bool value = CFG::NARROW;
};
// A matrix-vector config's thresholds (tomatl_threshold.h): CFG::TH_COUNT
// and CFG::TH_STEP where the config has them (the generator writes them for
// an engine in the threshold mode only), else 0 (no thresholds: the
// requantizer) and 1.
template <class CFG, class = void>
struct th_count_of {
    static const int value = 0;
};
template <class CFG>
struct th_count_of<CFG, decltype(void(CFG::TH_COUNT))> {
    static const int value = CFG::TH_COUNT;
};
template <class CFG, class = void>
struct th_step_of {
    static const int value = 1;
};
template <class CFG>
struct th_step_of<CFG, decltype(void(CFG::TH_STEP))> {
    static const int value = CFG::TH_STEP;
};

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

// The element types of constant ROM arrays (weights, biases, multipliers,
// thresholds): ap_uint<BITS> / ap_int<BITS> for synthesis. In C simulation,
// the smallest built-in integer that holds BITS bits (1..64), so that a
// generated top's ROMs are constant-initialised data: an array of ap_uint is
// built by code at start-up, which g++ compiles slowly for ROMs of 10^5
// words. Wider words (threshold words, one a channel) are ap_uint<BITS> /
// ap_int<BITS> there too, written `tomatl::rom_uint<BITS>::type("<hex>",
// 16)`: ap_int's string constructor, the only literal of more than 64 bits,
// with the hexadecimal digits of the word without leading zeros (a string
// beginning `0b`, `0o`, `0d` or `0x` is read as a base prefix), and
// AP_INT_MAX_W covering BITS above 1024. The kernels read
// an element into an ap_uint<BITS> / ap_int<BITS> before any use, so both
// compute the same.
#ifdef __SYNTHESIS__
template <int BITS>
struct rom_uint {
    typedef ap_uint<BITS> type;
};
template <int BITS>
struct rom_int {
    typedef ap_int<BITS> type;
};
#else
template <int BITS>
struct rom_uint {
    static_assert(BITS >= 1, "ROM words of 1 bit or more");
    typedef typename std::conditional<
        (BITS <= 8), unsigned char,
        typename std::conditional<
            (BITS <= 16), unsigned short,
            typename std::conditional<
                (BITS <= 32), unsigned int,
                typename std::conditional<(BITS <= 64), unsigned long long,
                                          ap_uint<BITS> >::type>::type>::type>::type type;
};
template <int BITS>
struct rom_int {
    static_assert(BITS >= 1, "ROM words of 1 bit or more");
    typedef typename std::conditional<
        (BITS <= 8), signed char,
        typename std::conditional<
            (BITS <= 16), short,
            typename std::conditional<
                (BITS <= 32), int,
                typename std::conditional<(BITS <= 64), long long, ap_int<BITS> >::type>::type>::
            type>::type type;
};
#endif

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

// Whole words are unpacked and packed 64 bits at a time: the same wires as
// one range per element in hardware, but in C simulation a range of a word
// wider than 64 bits shifts the whole word, so one range per element costs
// a shift of the word per element (quadratic in the width).
template <int W>
struct chunks64 {
    static const int N = (W + 63) / 64;
};

// The 64-bit chunks of a word, chunk 0 least significant (one spare zero
// chunk on top, so an element never reads past the end).
template <int W>
void to_chunks(const ap_uint<W> &word, unsigned long long c[chunks64<W>::N + 1]) {
TOMATL_HLS(INLINE)
    if (W <= 64) {
        c[0] = word.to_uint64();
    } else {
        for (int k = 0; k < chunks64<W>::N; k++) {
TOMATL_HLS(UNROLL)
            const int hi = cmin(64 * k + 63, W - 1);
            c[k] = word.range(hi, 64 * k).to_uint64();
        }
    }
    c[chunks64<W>::N] = 0;
}

// Elements 0..N-1 of a word of N BITS-bit elements (BITS <= 64).
template <int BITS, int N>
void unpack(const ap_uint<N * BITS> &word, ap_uint<BITS> out[N]) {
TOMATL_HLS(INLINE)
    static_assert(BITS >= 1 && BITS <= 64 && N >= 1, "elements of 1..64 bits");
    unsigned long long c[chunks64<N * BITS>::N + 1];
    to_chunks<N * BITS>(word, c);
    for (int i = 0; i < N; i++) {
TOMATL_HLS(UNROLL)
        const int k = (i * BITS) / 64, off = (i * BITS) % 64;
        unsigned long long v = c[k] >> off;
        if (off + BITS > 64) {
            v |= c[k + 1] << (64 - off);
        }
        out[i] = v;
    }
}

// The word of N BITS-bit elements (BITS <= 64), element 0 least significant.
template <int BITS, int N>
ap_uint<N * BITS> pack(const ap_uint<BITS> in[N]) {
TOMATL_HLS(INLINE)
    static_assert(BITS >= 1 && BITS <= 64 && N >= 1, "elements of 1..64 bits");
    const int C = chunks64<N * BITS>::N;
    unsigned long long c[C + 1];
    for (int k = 0; k <= C; k++) {
TOMATL_HLS(UNROLL)
        c[k] = 0;
    }
    for (int i = 0; i < N; i++) {
TOMATL_HLS(UNROLL)
        const int k = (i * BITS) / 64, off = (i * BITS) % 64;
        const unsigned long long v = in[i].to_uint64();
        c[k] |= v << off;
        if (off + BITS > 64) {
            c[k + 1] |= v >> (64 - off);
        }
    }
    if (N * BITS <= 64) {
        return ap_uint<N * BITS>(c[0]);
    }
    ap_uint<N * BITS> word = 0;
    for (int k = 0; k < C; k++) {
TOMATL_HLS(UNROLL)
        const int hi = cmin(64 * k + 63, N * BITS - 1);
        word.range(hi, 64 * k) = c[k];
    }
    return word;
}

} // namespace tomatl

#endif
