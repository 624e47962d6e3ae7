// Unit bench of the combinational requantizers (tomatl_requant and
// tomatl_avg): a `unit_top` with N instances side by side, their operands
// concatenated on one input bus `x` and their codes on one output bus `y`
// (both padded to more than 64 bits, so Verilator makes them VlWide
// arrays). Each script cycle sets `x`, the model settles and `y` is logged;
// the Rust test (generator/tests/rtl_units.rs) compares every code with
// ir::numerics.
//
// Stimulus: "<y bits> <cycles>", then one hex word of `x` a cycle (most
// significant digit first). Results: one hex word of `y` a cycle, then
// "done <cycles>".
// Command line: <stimulus> <results>
#include <cstdio>
#include <fstream>
#include <string>

#include "Vunit_top.h"
#include "unit_bench.h"

int main(int argc, char** argv) {
    auto apply = [](Vunit_top& top, std::ifstream& in, int) {
        std::string h;
        in >> h;
        const int n = 4 * (int)h.size();
        unit_bench::put_field(top.x.data(), 0, n, unit_bench::hex_to_bits(h, n));
    };
    auto log = [](Vunit_top& top, std::FILE* out, long, int y_bits) {
        const unit_bench::Bits y = unit_bench::get_field(top.y.data(), 0, y_bits);
        std::fprintf(out, "%s\n", unit_bench::bits_to_hex(y, y_bits).c_str());
    };
    return unit_bench::run_script_bench<Vunit_top>(argc, argv, apply, log);
}
