// Unit bench of tomatl_credit_out: each instance is wrapped (by the Rust
// test, generator/tests/rtl_units.rs) in a stand-in engine that reserves a
// slot for every beat it takes, at most one every SPACING cycles, and
// delivers the beat LAT register stages later without a handshake. Random
// valid and ready stalls on both sides; the test checks that every beat
// comes out once and in order (a write beyond the reserved slots would drop
// one) and that without stalls the engine runs at its full rate.
#include "Vunit_top.h"
#include "unit_bench.h"

int main(int argc, char** argv) { return unit_bench::run_stream_bench<Vunit_top>(argc, argv); }
