// Unit bench of tomatl_swu: sliding-window units of many shapes (kernels,
// strides, paddings, channel folds, both window orders) side by side, random
// valid and ready stalls on both sides, per cycle or in long bursts. The
// Rust test (generator/tests/rtl_cnn_units.rs) compares every window beat
// with a naive reference and, with no stalls, measures the cycles per frame.
#include "Vunit_top.h"
#include "unit_bench.h"

int main(int argc, char** argv) { return unit_bench::run_stream_bench<Vunit_top>(argc, argv); }
