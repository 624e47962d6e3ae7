// hls_bench.h: what the C-simulation benches of hls/ share (driven by
// generator/tests/hls_units.rs). A bench is compiled with a generated
// tomatl_cases.h that defines one config struct per case and the list
//   #define TOMATL_CASES X(0, case_0) X(1, case_1) ...
// and reads its test vectors on stdin, as whitespace-separated tokens:
//   case ID <the case's ROMs and input words, in the bench's order> ...
// Words are hexadecimal, most significant digit first, element 0 of a word
// in its least significant bits. For each case the bench prints
//   out ID N        followed by N words, one a line
//   left ID N       words the kernel left unread in its input stream(s)
#ifndef TOMATL_HLS_BENCH_H
#define TOMATL_HLS_BENCH_H

#include <ap_int.h>
#include <hls_stream.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

namespace bench {

[[noreturn]] inline void fail(const std::string &what) {
    std::fprintf(stderr, "bench: %s\n", what.c_str());
    std::exit(2);
}

inline std::string token(std::istream &is) {
    std::string t;
    if (!(is >> t)) {
        fail("unexpected end of input");
    }
    return t;
}

inline long long number(std::istream &is) {
    const std::string t = token(is);
    char *end = nullptr;
    const long long v = std::strtoll(t.c_str(), &end, 10);
    if (end == t.c_str() || *end != '\0') {
        fail("not a number: " + t);
    }
    return v;
}

// A hexadecimal word; digits above bit N-1 must be zero.
template <int N>
ap_uint<N> word(std::istream &is) {
    const std::string t = token(is);
    ap_uint<N> v = 0;
    int bits = 0;
    for (char c : t) {
        int d;
        if (c >= '0' && c <= '9') {
            d = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            d = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            d = c - 'A' + 10;
        } else {
            fail("not a hexadecimal word: " + t);
        }
        if (bits >= N && d != 0) {
            fail("word wider than " + std::to_string(N) + " bits: " + t);
        }
        v = (v << 4) | ap_uint<N>(d);
        if (d != 0 || bits > 0) {
            bits += 4;
        }
    }
    return v;
}

template <int N>
std::string hex(const ap_uint<N> &v) {
    const int digits = (N + 3) / 4;
    std::string s(digits, '0');
    for (int d = 0; d < digits; d++) {
        const ap_uint<N> t = v >> (4 * d);
        const unsigned nib = (unsigned)(t & ap_uint<N>(15)).to_uint();
        s[digits - 1 - d] = "0123456789abcdef"[nib];
    }
    return s;
}

template <int N>
void fill(std::istream &is, hls::stream<ap_uint<N> > &s, long long n) {
    for (long long i = 0; i < n; i++) {
        s.write(word<N>(is));
    }
}

template <int N>
void drain(std::ostream &os, int id, hls::stream<ap_uint<N> > &s) {
    os << "out " << id << " " << s.size() << "\n";
    while (!s.empty()) {
        os << hex<N>(s.read()) << "\n";
    }
}

inline void left(std::ostream &os, int id, std::size_t n) { os << "left " << id << " " << n << "\n"; }

} // namespace bench

// Each bench defines `template <class CFG> void run(int id, std::istream &, std::ostream &)`
// before including this main.
#define TOMATL_BENCH_MAIN                                                                          \
    static bool dispatch(int id, std::istream &is, std::ostream &os) {                             \
        switch (id) {                                                                              \
            TOMATL_CASES                                                                           \
        default:                                                                                   \
            return false;                                                                          \
        }                                                                                          \
    }                                                                                              \
    int main() {                                                                                   \
        std::ios::sync_with_stdio(false);                                                          \
        std::string t;                                                                             \
        while (std::cin >> t) {                                                                    \
            if (t != "case") {                                                                     \
                bench::fail("expected 'case', got " + t);                                          \
            }                                                                                      \
            const int id = (int)bench::number(std::cin);                                           \
            if (!dispatch(id, std::cin, std::cout)) {                                              \
                bench::fail("no case " + std::to_string(id));                                      \
            }                                                                                      \
        }                                                                                          \
        std::cout.flush();                                                                         \
        return 0;                                                                                  \
    }

#define X(ID, CFG)                                                                                 \
    case ID:                                                                                       \
        run<CFG>(ID, is, os);                                                                      \
        return true;

#endif
