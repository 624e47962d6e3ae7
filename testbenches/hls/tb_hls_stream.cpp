// C-simulation bench of hls/sim/hls_stream.h and hls/sim/ap_axi_sdata.h.
//   tb_hls_stream fifo    writes, reads, non-blocking reads, sizes: prints
//                         one line per check and "ok"
//   tb_hls_stream empty   a blocking read of an empty stream: must abort
#include <ap_axi_sdata.h>
#include <ap_int.h>
#include <hls_stream.h>

#include <cstdio>
#include <cstring>

static int failures = 0;

static void check(bool ok, const char *what) {
    std::printf("%s %s\n", ok ? "pass" : "FAIL", what);
    if (!ok) {
        failures++;
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: tb_hls_stream fifo|empty\n");
        return 2;
    }
    if (std::strcmp(argv[1], "empty") == 0) {
        hls::stream<ap_uint<8> > s("starved");
        s.write(1);
        (void)s.read();
        (void)s.read();
        std::printf("read past the end returned\n");
        return 0;
    }
    hls::stream<ap_uint<12>, 4> s("fifo");
    check(s.empty() && s.size() == 0, "a new stream is empty");
    for (int i = 0; i < 6; i++) {
        s.write(ap_uint<12>(100 * i + 7));
    }
    check(s.size() == 6 && !s.full(), "six beats held, never full in C simulation");
    check(s.max_size() == 6 && s.depth() == 4, "largest occupancy and the declared depth");
    bool order = true;
    for (int i = 0; i < 6; i++) {
        ap_uint<12> v;
        s >> v;
        order = order && v == ap_uint<12>(100 * i + 7);
    }
    check(order, "first in, first out");
    ap_uint<12> v = 5;
    check(!s.read_nb(v) && v == 5, "a non-blocking read of an empty stream fails, value kept");
    check(s.write_nb(9) && s.read_nb(v) && v == 9, "non-blocking write then read");
    check(s.writes() == 7 && s.empty(), "writes counted, empty again");

    hls::stream<ap_axiu<32> > a("axis");
    ap_axiu<32> w;
    w.data = 0xdeadbeef;
    w.keep = 0xf;
    w.strb = 0x3;
    w.last = 1;
    a.write(w);
    const ap_axiu<32> r = a.read();
    check(r.data == 0xdeadbeef && r.keep == 0xf && r.strb == 0x3 && r.last == 1,
          "an AXI4-Stream beat keeps data, keep, strb and last");
    check(sizeof(r.keep) > 0 && decltype(r.keep)::width == 4, "keep has a bit per byte");
    if (failures == 0) {
        std::printf("ok\n");
    }
    return failures == 0 ? 0 : 1;
}
