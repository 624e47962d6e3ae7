// Unit bench of tomatl_vvau: depthwise vector units of every weight
// arithmetic, channel fold, requantization and activation side by side,
// random valid and ready stalls on both sides. The Rust test
// (generator/tests/rtl_cnn_units.rs) compares every output with a naive
// reference of the numerics contract.
#include "Vunit_top.h"
#include "unit_bench.h"

int main(int argc, char** argv) { return unit_bench::run_stream_bench<Vunit_top>(argc, argv); }
