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

using unit_bench::get_bit;
using unit_bench::get_field;
using unit_bench::put_bit;

int main(int argc, char** argv) {
    auto apply = [](Vunit_top& top, std::ifstream& in, int n) {
        std::string hi, ho, hc;
        in >> hi >> ho >> hc;
        const uint64_t vi = std::strtoull(hi.c_str(), nullptr, 16);
        const uint64_t vo = std::strtoull(ho.c_str(), nullptr, 16);
        const uint64_t vc = std::strtoull(hc.c_str(), nullptr, 16);
        for (int i = 0; i < n; ++i) {
            put_bit(top.in_fire.data(), i, (vi >> i) & 1);
            put_bit(top.out_fire.data(), i, (vo >> i) & 1);
            put_bit(top.clear.data(), i, (vc >> i) & 1);
        }
    };
    auto log = [](Vunit_top& top, std::FILE* out, long c, int n) {
        for (int i = 0; i < n; ++i) {
            const unit_bench::Bits fi = get_field(top.frames_in.data(), 32 * i, 32);
            const unit_bench::Bits fo = get_field(top.frames_out.data(), 32 * i, 32);
            const unit_bench::Bits cy = get_field(top.cycles.data(), 64 * i, 64);
            std::fprintf(out, "%ld %d %d %u %u %s %d\n", c, i, (int)get_bit(top.out_last.data(), i),
                         fi[0], fo[0], unit_bench::bits_to_hex(cy, 64).c_str(),
                         (int)get_bit(top.busy.data(), i));
        }
    };
    return unit_bench::run_script_bench<Vunit_top>(argc, argv, apply, log);
}
