// Unit bench of tomatl_fifo: several FIFOs (various WIDTH and DEPTH) side by
// side, random valid and ready stalls on both sides. The Rust test
// (generator/tests/rtl_units.rs) checks that every beat comes out once, in
// order, and that with no stalls a FIFO of DEPTH >= 2 moves one beat per
// cycle.
#include "Vunit_top.h"
#include "unit_bench.h"

int main(int argc, char** argv) { return unit_bench::run_stream_bench<Vunit_top>(argc, argv); }
