// Unit bench of the Avalon-ST adapters (tomatl_axis_to_avst,
// tomatl_avst_to_axis): each instance is wrapped (by the Rust test,
// generator/tests/rtl_avst.rs) so that its sideband signals travel inside
// the harness's data words: TLAST, startofpacket, endofpacket, empty and
// the framing error sit above the data bits. Random valid and ready stalls
// on both sides; the test checks every beat, the packet marks, and that no
// beat is lost or repeated.
#include "Vunit_top.h"
#include "unit_bench.h"

int main(int argc, char** argv) { return unit_bench::run_stream_bench<Vunit_top>(argc, argv); }
