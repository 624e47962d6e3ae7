// Unit bench of tomatl_axil_status: runs a script of AXI4-Lite transactions
// one at a time, as a master that keeps every valid (and its payload) up
// until the handshake. Writes raise AW and W after independent delays
// (together, AW before W, W before AW); B and R ready are dropped at random.
// The Rust test (generator/tests/rtl_units.rs) checks every read value and
// response and that each write of 1 to CONTROL bit 0 gives a one-cycle
// `clear` pulse.
//
// Stimulus lines:
//   s <frames_in> <frames_out> <cycles hex> <busy>   set the status inputs
//   w <addr> <data hex> <strb> <aw_delay> <w_delay>  one write
//   r <addr>                                         one read
// Results lines: "b <resp>", "r <data hex> <resp>", "c <cycle>" (a cycle
// with clear high), then "done <cycles>" or "timeout <cycles>".
// Command line: <stimulus> <results> <seed> <unused> <p_ready_drop>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "Vunit_top.h"
#include "unit_bench.h"

using unit_bench::Rng;

struct Bench {
    Vunit_top& top;
    std::FILE* out;
    Rng& rng;
    double p_ready_drop;
    long cycle = 0;
    long limit;

    // One clock: inputs are set, outputs sampled before the edge by the
    // caller through `pre`, then the rising edge.
    void tick() {
        top.eval();
        if (top.clear) std::fprintf(out, "c %ld\n", cycle);
        top.clk = 1;
        top.eval();
        top.clk = 0;
        top.eval();
        cycle++;
    }
    bool timed_out() const { return cycle >= limit; }

    void write(unsigned addr, unsigned data, unsigned strb, int aw_delay, int w_delay) {
        bool aw_done = false, w_done = false, b_done = false;
        int t = 0;
        while (!b_done && !timed_out()) {
            top.s_axil_awvalid = !aw_done && t >= aw_delay;
            top.s_axil_awaddr = addr;
            top.s_axil_wvalid = !w_done && t >= w_delay;
            top.s_axil_wdata = data;
            top.s_axil_wstrb = strb;
            top.s_axil_bready = !rng.chance(p_ready_drop);
            top.eval();
            bool aw_hs = top.s_axil_awvalid && top.s_axil_awready;
            bool w_hs = top.s_axil_wvalid && top.s_axil_wready;
            if (top.s_axil_bvalid && top.s_axil_bready) {
                std::fprintf(out, "b %u\n", (unsigned)top.s_axil_bresp);
                b_done = true;
            }
            tick();
            aw_done = aw_done || aw_hs;
            w_done = w_done || w_hs;
            t++;
        }
        top.s_axil_awvalid = 0;
        top.s_axil_wvalid = 0;
        top.s_axil_bready = 0;
    }

    void read(unsigned addr) {
        bool ar_done = false, r_done = false;
        while (!r_done && !timed_out()) {
            top.s_axil_arvalid = !ar_done;
            top.s_axil_araddr = addr;
            top.s_axil_rready = !rng.chance(p_ready_drop);
            top.eval();
            bool ar_hs = top.s_axil_arvalid && top.s_axil_arready;
            if (top.s_axil_rvalid && top.s_axil_rready) {
                std::fprintf(out, "r %08x %u\n", (unsigned)top.s_axil_rdata, (unsigned)top.s_axil_rresp);
                r_done = true;
            }
            tick();
            ar_done = ar_done || ar_hs;
        }
        top.s_axil_arvalid = 0;
        top.s_axil_rready = 0;
    }
};

int main(int argc, char** argv) {
    if (argc < 6) unit_bench::die("usage: <stimulus> <results> <seed> <unused> <p_ready_drop>", "");
    std::ifstream in(argv[1]);
    if (!in) unit_bench::die("cannot read", argv[1]);
    std::FILE* out = std::fopen(argv[2], "w");
    if (!out) unit_bench::die("cannot write", argv[2]);
    Rng rng(std::strtoull(argv[3], nullptr, 10));

    VerilatedContext ctx;
    Vunit_top top(&ctx);
    Bench b{top, out, rng, std::atof(argv[5]), 0, 100000};

    top.clk = 0;
    top.rst = 1;
    for (int c = 0; c < 4; ++c) b.tick();
    top.rst = 0;
    b.cycle = 0;

    std::string line;
    while (std::getline(in, line) && !b.timed_out()) {
        std::istringstream ls(line);
        std::string op;
        ls >> op;
        if (op == "s") {
            unsigned fi, fo, busy;
            std::string cyc;
            ls >> fi >> fo >> cyc >> busy;
            top.frames_in = fi;
            top.frames_out = fo;
            top.cycles = std::strtoull(cyc.c_str(), nullptr, 16);
            top.busy = busy;
        } else if (op == "w") {
            unsigned addr, strb;
            std::string data;
            int awd, wd;
            ls >> addr >> data >> strb >> awd >> wd;
            b.write(addr, (unsigned)std::strtoul(data.c_str(), nullptr, 16), strb, awd, wd);
            // a few idle cycles so that a late clear pulse is seen
            for (int k = 0; k < 2; ++k) b.tick();
        } else if (op == "r") {
            unsigned addr;
            ls >> addr;
            b.read(addr);
        }
    }
    std::fprintf(out, "%s %ld\n", b.timed_out() ? "timeout" : "done", b.cycle);
    std::fclose(out);
    top.final();
    return 0;
}
