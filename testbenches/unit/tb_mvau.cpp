// Unit bench of tomatl_mvau: MVAU instances of every weight arithmetic,
// folding, requantization and activation side by side, random valid and
// ready stalls on both sides. The Rust test (generator/tests/rtl_units.rs)
// compares every output with a naive reference of the numerics contract and,
// with no stalls, checks that consecutive frames start exactly SF*NF cycles
// apart.
#include "Vunit_top.h"
#include "unit_bench.h"

int main(int argc, char** argv) { return unit_bench::run_stream_bench<Vunit_top>(argc, argv); }
