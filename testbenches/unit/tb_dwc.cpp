// Unit bench of tomatl_dwc: width converters of many ratios (up, down, equal,
// coprime) side by side, random valid and ready stalls on both sides. The Rust
// test (generator/tests/rtl_units.rs) checks that the element sequence is
// preserved and that with no stalls the converter accepts a beat every cycle
// (IN_ELEMS <= OUT_ELEMS) or emits one every cycle (OUT_ELEMS <= IN_ELEMS).
#include "Vunit_top.h"
#include "unit_bench.h"

int main(int argc, char** argv) { return unit_bench::run_stream_bench<Vunit_top>(argc, argv); }
