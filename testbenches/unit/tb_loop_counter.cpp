// Unit bench of tomatl_loop_counter: a `unit_top` with N instances side by
// side (each its own INNER/OUTER), stepped cycle by cycle from a script of
// random steps (an engine that stalls on either side). Before every rising
// edge it logs every instance's outputs; the Rust test
// (generator/tests/rtl_units.rs) compares them with a naive reference.
//
// unit_top ports: step[N], flags[4*N] (inner_first, inner_last,
// outer_first, outer_last of instance i at 4i..4i+3), inner[32*N],
// outer[32*N], flat[32*N] (each value zero-extended to 32 bits); all padded
// to more than 64 bits, so Verilator makes every one a VlWide array.
//
// Stimulus: "<instances> <cycles>", then one hex word a cycle (bit i: step
// instance i). Results: one line a cycle and instance: "<cycle> <inst>
// <inner> <outer> <flat> <flags hex>", then "done <cycles>".
// Command line: <stimulus> <results>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "Vunit_top.h"
#include "unit_bench.h"

using unit_bench::get_field;

int main(int argc, char** argv) {
    auto apply = [](Vunit_top& top, std::ifstream& in, int n) {
        std::string h;
        in >> h;
        const uint64_t v = std::strtoull(h.c_str(), nullptr, 16);
        for (int i = 0; i < n; ++i) unit_bench::put_bit(top.step.data(), i, (v >> i) & 1);
    };
    auto log = [](Vunit_top& top, std::FILE* out, long c, int n) {
        for (int i = 0; i < n; ++i) {
            const unit_bench::Bits inner = get_field(top.inner.data(), 32 * i, 32);
            const unit_bench::Bits outer = get_field(top.outer.data(), 32 * i, 32);
            const unit_bench::Bits flat = get_field(top.flat.data(), 32 * i, 32);
            const unit_bench::Bits flags = get_field(top.flags.data(), 4 * i, 4);
            std::fprintf(out, "%ld %d %u %u %u %x\n", c, i, inner[0], outer[0], flat[0], flags[0]);
        }
    };
    return unit_bench::run_script_bench<Vunit_top>(argc, argv, apply, log);
}
