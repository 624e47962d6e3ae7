// Unit bench of tomatl_fork and tomatl_add: each stream of a module (every
// fork output, both add inputs) takes its own harness slot, so its valid or
// ready stalls independently of the others. The Rust test
// (generator/tests/rtl_cnn_units.rs) checks every beat against a naive
// reference.
#include "Vunit_top.h"
#include "unit_bench.h"

int main(int argc, char** argv) { return unit_bench::run_stream_bench<Vunit_top>(argc, argv); }
