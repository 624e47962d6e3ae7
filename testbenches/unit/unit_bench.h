// Shared helpers of the unit benches: bit fields inside wide Verilator
// ports, hex text, a small deterministic random generator, and the stream
// harness used by the FIFO, width-converter and MVAU benches.
//
// The stream benches drive a wrapper `unit_top` that places N independent
// instances of the module under test side by side:
//   s_tdata (all inputs, concatenated), s_tvalid[N], s_tready[N],
//   m_tdata (all outputs, concatenated), m_tvalid[N], m_tready[N].
// Every port is wider than 64 bits (the wrapper pads them) so that Verilator
// represents all of them as VlWide word arrays.
//
// Stimulus file:
//   <instances>
//   per instance: <in_off> <in_bits> <out_off> <out_bits> <in_beats> <out_beats>
//   then, per instance in order, <in_beats> lines of hex (most significant
//   digit first)
// Results file:
//   i <instance> <cycle>           an input beat accepted
//   o <instance> <cycle> <hex>     an output beat delivered
//   done <cycles> | timeout <cycles>
// Command line: <stimulus> <results> <seed> <p_valid_drop> <p_ready_drop>
//               [max_cycles] [burst]
// With burst > 0 the stalls come in bursts: each side of each instance
// alternates between periods of 1..burst cycles, a period being a stall with
// probability p_valid_drop (input side) or p_ready_drop (output side).
#ifndef TOMATL_UNIT_BENCH_H
#define TOMATL_UNIT_BENCH_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "verilated.h"

namespace unit_bench {

// xorshift64*: a deterministic stream for stall decisions.
struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
    uint64_t next() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 2685821657736338717ull;
    }
    // true with probability p
    bool chance(double p) { return (double)(next() >> 11) * (1.0 / 9007199254740992.0) < p; }
};

// A bit vector as 32-bit words, least significant first.
typedef std::vector<uint32_t> Bits;

inline Bits hex_to_bits(const std::string& hex, int nbits) {
    Bits b((nbits + 31) / 32, 0);
    int bit = 0;
    for (int i = (int)hex.size() - 1; i >= 0 && bit < nbits; --i) {
        char c = hex[i];
        int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : 0;
        for (int k = 0; k < 4 && bit < nbits; ++k, ++bit) {
            if ((v >> k) & 1) b[bit / 32] |= 1u << (bit % 32);
        }
    }
    return b;
}

inline std::string bits_to_hex(const Bits& b, int nbits) {
    int digits = (nbits + 3) / 4;
    std::string s(digits, '0');
    for (int d = 0; d < digits; ++d) {
        int v = 0;
        for (int k = 0; k < 4; ++k) {
            int bit = d * 4 + k;
            if (bit < nbits && ((b[bit / 32] >> (bit % 32)) & 1)) v |= 1 << k;
        }
        s[digits - 1 - d] = "0123456789abcdef"[v];
    }
    return s;
}

inline void put_bit(WData* w, int pos, bool v) {
    if (v) w[pos / 32] |= 1u << (pos % 32);
    else w[pos / 32] &= ~(1u << (pos % 32));
}

inline bool get_bit(const WData* w, int pos) { return (w[pos / 32] >> (pos % 32)) & 1; }

inline void put_field(WData* w, int off, int nbits, const Bits& v) {
    for (int i = 0; i < nbits; ++i) put_bit(w, off + i, (v[i / 32] >> (i % 32)) & 1);
}

inline Bits get_field(const WData* w, int off, int nbits) {
    Bits b((nbits + 31) / 32, 0);
    for (int i = 0; i < nbits; ++i)
        if (get_bit(w, off + i)) b[i / 32] |= 1u << (i % 32);
    return b;
}

// One clock cycle of a model: the rising edge, then the falling one.
template <class T>
void tick(T& top) {
    top.clk = 1;
    top.eval();
    top.clk = 0;
    top.eval();
}

// Reset held for `cycles` cycles, then released.
template <class T>
void reset(T& top, int cycles) {
    top.clk = 0;
    top.rst = 1;
    for (int c = 0; c < cycles; ++c) tick(top);
    top.rst = 0;
}

// The files of a script bench (argv[1] the stimulus, argv[2] the results)
// and the stimulus head "<instances> <cycles>".
struct ScriptFiles {
    std::ifstream in;
    std::FILE* out = nullptr;
    int instances = 0;
    long cycles = 0;
};

inline void die(const char* msg, const char* arg);

inline void open_script(int argc, char** argv, ScriptFiles& f) {
    if (argc < 3) die("usage: <stimulus> <results>", "");
    f.in.open(argv[1]);
    if (!f.in) die("cannot read", argv[1]);
    f.out = std::fopen(argv[2], "w");
    if (!f.out) die("cannot write", argv[2]);
    f.in >> f.instances >> f.cycles;
}

// Runs a script bench on model `T`: reset, then for every cycle of the
// script `apply(top, in)` reads that cycle's stimulus and sets the inputs,
// the model settles, `log(top, out, cycle, instances)` writes its outputs,
// and the clock ticks; "done <cycles>" ends the results. The model's inputs
// are zero during the reset (their initial value).
template <class T, class Apply, class Log>
int run_script_bench(int argc, char** argv, Apply apply, Log log) {
    ScriptFiles f;
    open_script(argc, argv, f);
    VerilatedContext ctx;
    T top(&ctx);
    reset(top, 4);
    for (long c = 0; c < f.cycles; ++c) {
        apply(top, f.in, f.instances);
        top.eval();
        log(top, f.out, c, f.instances);
        tick(top);
    }
    std::fprintf(f.out, "done %ld\n", f.cycles);
    std::fclose(f.out);
    top.final();
    return 0;
}

// A side of a stream in burst mode: the current period and its kind.
struct Burst {
    long left = 0;
    bool stalled = false;
    bool step(Rng& rng, double p, long max_len) {
        if (left == 0) {
            stalled = rng.chance(p);
            left = 1 + (long)(rng.next() % (uint64_t)max_len);
        }
        --left;
        return stalled;
    }
};

struct StreamInst {
    int in_off, in_bits, out_off, out_bits;
    long in_beats, out_beats;
    std::vector<Bits> data;
    long next_in = 0, got_out = 0;
    bool holding = false;  // valid is up with data[next_in], not yet accepted
    Burst in_burst, out_burst;
};

inline void die(const char* msg, const char* arg) {
    std::fprintf(stderr, "%s %s\n", msg, arg);
    std::exit(2);
}

// Runs the stream harness on model `T` (a Verilated `unit_top`).
template <class T>
int run_stream_bench(int argc, char** argv) {
    if (argc < 6) die("usage: <stimulus> <results> <seed> <p_valid_drop> <p_ready_drop> [max_cycles] [burst]", "");
    std::ifstream in(argv[1]);
    if (!in) die("cannot read", argv[1]);
    std::FILE* out = std::fopen(argv[2], "w");
    if (!out) die("cannot write", argv[2]);
    Rng rng(std::strtoull(argv[3], nullptr, 10));
    double p_valid_drop = std::atof(argv[4]);
    double p_ready_drop = std::atof(argv[5]);
    long max_cycles = argc > 6 ? std::atol(argv[6]) : 1000000;
    long burst = argc > 7 ? std::atol(argv[7]) : 0;

    int n = 0;
    in >> n;
    std::vector<StreamInst> insts(n);
    for (auto& s : insts) in >> s.in_off >> s.in_bits >> s.out_off >> s.out_bits >> s.in_beats >> s.out_beats;
    for (auto& s : insts) {
        for (long b = 0; b < s.in_beats; ++b) {
            std::string h;
            in >> h;
            s.data.push_back(hex_to_bits(h, s.in_bits));
        }
    }

    VerilatedContext ctx;
    T top(&ctx);
    WData* s_tdata = top.s_tdata.data();
    WData* s_tvalid = top.s_tvalid.data();
    WData* s_tready = top.s_tready.data();
    WData* m_tdata = top.m_tdata.data();
    WData* m_tvalid = top.m_tvalid.data();
    WData* m_tready = top.m_tready.data();

    top.clk = 0;
    top.rst = 1;
    for (int i = 0; i < n; ++i) {
        put_bit(s_tvalid, i, false);
        put_bit(m_tready, i, false);
    }
    for (int c = 0; c < 4; ++c) {
        top.eval();
        top.clk = 1;
        top.eval();
        top.clk = 0;
        top.eval();
    }
    top.rst = 0;

    long cycle = 0;
    bool finished = false;
    for (; cycle < max_cycles; ++cycle) {
        finished = true;
        for (auto& s : insts)
            if (s.got_out < s.out_beats || s.next_in < s.in_beats) finished = false;
        if (finished) break;
        for (int i = 0; i < n; ++i) {
            StreamInst& s = insts[i];
            // AXI-Stream: a raised valid stays up, with its data, until accepted.
            bool in_stall = burst > 0 ? s.in_burst.step(rng, p_valid_drop, burst) : rng.chance(p_valid_drop);
            if (!s.holding && s.next_in < s.in_beats && !in_stall) s.holding = true;
            put_bit(s_tvalid, i, s.holding);
            if (s.holding) put_field(s_tdata, s.in_off, s.in_bits, s.data[s.next_in]);
            bool out_stall = burst > 0 ? s.out_burst.step(rng, p_ready_drop, burst) : rng.chance(p_ready_drop);
            put_bit(m_tready, i, !out_stall);
        }
        top.eval();
        for (int i = 0; i < n; ++i) {
            StreamInst& s = insts[i];
            if (s.holding && get_bit(s_tready, i)) {
                std::fprintf(out, "i %d %ld\n", i, cycle);
                s.holding = false;
                s.next_in++;
            }
            if (get_bit(m_tvalid, i) && get_bit(m_tready, i)) {
                std::fprintf(out, "o %d %ld %s\n", i, cycle,
                             bits_to_hex(get_field(m_tdata, s.out_off, s.out_bits), s.out_bits).c_str());
                s.got_out++;
            }
        }
        top.clk = 1;
        top.eval();
        top.clk = 0;
        top.eval();
    }
    std::fprintf(out, "%s %ld\n", finished ? "done" : "timeout", cycle);
    std::fclose(out);
    top.final();
    return 0;
}

}  // namespace unit_bench

#endif
