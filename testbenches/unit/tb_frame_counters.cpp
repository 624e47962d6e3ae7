// Unit bench of tomatl_frame_counters: a `unit_top` with N instances side by
// side (each its own IN_BEATS/OUT_BEATS), driven cycle by cycle from a
// script of input and output beats (random, so both streams stall) and
// clear pulses. Before every rising edge it logs every instance's outputs;
// the Rust test (generator/tests/rtl_units.rs) compares them with a naive
// reference.
//
// unit_top ports: in_fire[N], out_fire[N], clear[N], out_last[N], busy[N],
// frames_in[32*N], frames_out[32*N], cycles[64*N] (all padded to more than
// 64 bits, so Verilator makes every one a VlWide array).
//
// Stimulus: "<instances> <cycles>", then one line a cycle of three hex
// words: in_fire, out_fire, clear (bit i = instance i).
// Results: one line a cycle and instance: "<cycle> <inst> <out_last>
// <frames_in> <frames_out> <cycles hex> <busy>", then "done <cycles>".
// Command line: <stimulus> <results>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "Vunit_top.h"
#include "unit_bench.h"

using unit_bench::get_field;
using unit_bench::get_bit;
using unit_bench::put_bit;

int main(int argc, char** argv) {
    if (argc < 3) unit_bench::die("usage: <stimulus> <results>", "");
    std::ifstream in(argv[1]);
    if (!in) unit_bench::die("cannot read", argv[1]);
    std::FILE* out = std::fopen(argv[2], "w");
    if (!out) unit_bench::die("cannot write", argv[2]);
    int n = 0;
    long cycles = 0;
    in >> n >> cycles;

    VerilatedContext ctx;
    Vunit_top top(&ctx);
    auto tick = [&]() {
        top.clk = 1;
        top.eval();
        top.clk = 0;
        top.eval();
    };
    WData* in_fire = top.in_fire.data();
    WData* out_fire = top.out_fire.data();
    WData* clear = top.clear.data();
    for (int i = 0; i < n; ++i) {
        put_bit(in_fire, i, false);
        put_bit(out_fire, i, false);
        put_bit(clear, i, false);
    }
    top.clk = 0;
    top.rst = 1;
    for (int c = 0; c < 4; ++c) tick();
    top.rst = 0;

    for (long c = 0; c < cycles; ++c) {
        std::string hi, ho, hc;
        in >> hi >> ho >> hc;
        const uint64_t vi = std::strtoull(hi.c_str(), nullptr, 16);
        const uint64_t vo = std::strtoull(ho.c_str(), nullptr, 16);
        const uint64_t vc = std::strtoull(hc.c_str(), nullptr, 16);
        for (int i = 0; i < n; ++i) {
            put_bit(in_fire, i, (vi >> i) & 1);
            put_bit(out_fire, i, (vo >> i) & 1);
            put_bit(clear, i, (vc >> i) & 1);
        }
        top.eval();
        for (int i = 0; i < n; ++i) {
            const unit_bench::Bits fi = get_field(top.frames_in.data(), 32 * i, 32);
            const unit_bench::Bits fo = get_field(top.frames_out.data(), 32 * i, 32);
            const unit_bench::Bits cy = get_field(top.cycles.data(), 64 * i, 64);
            std::fprintf(out, "%ld %d %d %u %u %s %d\n", c, i, (int)get_bit(top.out_last.data(), i),
                         fi[0], fo[0], unit_bench::bits_to_hex(cy, 64).c_str(),
                         (int)get_bit(top.busy.data(), i));
        }
        tick();
    }
    std::fprintf(out, "done %ld\n", cycles);
    std::fclose(out);
    top.final();
    return 0;
}
