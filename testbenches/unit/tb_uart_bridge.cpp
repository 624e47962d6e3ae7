// Unit bench of tomatl_uart_bridge: several bridges (different clock/baud
// ratios, beat sizes and frame lengths) side by side in `unit_top`, each
// with its own
//  * host: a UART model that plays a script of byte strings onto uart_rx at
//    its own bit rate (a few per cent off the bridge's), and decodes uart_tx
//    into reply packets;
//  * accelerator model behind m_axis/s_axis: takes input beats with random
//    ready stalls, checks TLAST, and answers each whole frame with an output
//    frame out[j] = in[j % n] + 3j + sum(in) (mod 256), sent with random
//    valid stalls;
//  * AXI4-Lite register file behind m_axil with random channel latencies
//    (the last two words answer SLVERR and DECERR).
// It checks the handshake rules of every interface the bridge drives (a
// raised valid stays up with its payload until accepted; one register
// access at a time) and the UART framing of every byte sent. What is right
// is decided by the Rust test (generator/tests/rtl_uart.rs), which holds the
// reference model of the protocol.
//
// Stimulus file:
//   <instances>
//   per instance: <clk_hz> <baud> <host_rate> <in_bytes> <in_beats> <out_bytes>
//                 <out_beats> <addr_bits> <m_off> <s_off> <a_off>
//                 <p_in_stall> <p_out_stall> <axi_max_latency>
//   then per instance: "script <instance> <lines>" and that many lines:
//     t <frames> <ctrl> <gap> <hex>  send the bytes, then idle <gap> cycles;
//                                    the request owes <frames> output
//                                    frames and <ctrl> other replies
//     w <frames> <ctrl>              wait until at most that many are owed
//     b <0|1>                        block the accelerator's input (or not)
//     o <0|1>                        block the accelerator's output (or not)
//     l <0|1|2>                      the next output frame's TLAST: right,
//                                    missing at the end, or also early
//     h <cycles>                     the next AR/AW is accepted that late
//     g <cycles>                     hold uart_rx low that long (a glitch
//                                    or a break), then idle two bit times
// Results file:
//   r <instance> <cycle> <hex>       a reply packet (sync to CRC)
//   a <instance> <cycle> <hex>       an input frame the accelerator took
//   x <instance> <cycle> <what>      a rule broken
//   done <cycles> | timeout <cycles>
// Command line: <stimulus> <results> <seed> [max_cycles]
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "Vunit_top.h"
#include "uart_host.h"
#include "unit_bench.h"

using unit_bench::Bits;
using unit_bench::get_bit;
using unit_bench::get_field;
using unit_bench::put_bit;
using unit_bench::put_field;
using unit_bench::Rng;

static std::FILE* g_out = nullptr;

static std::string hex_bytes(const std::vector<uint8_t>& b) {
    static const char* d = "0123456789abcdef";
    std::string s;
    for (uint8_t v : b) {
        s.push_back(d[v >> 4]);
        s.push_back(d[v & 15]);
    }
    return s.empty() ? "-" : s;
}

static std::vector<uint8_t> parse_hex(const std::string& h) {
    std::vector<uint8_t> b;
    if (h == "-") return b;
    for (size_t i = 0; i + 1 < h.size(); i += 2) b.push_back((uint8_t)std::strtoul(h.substr(i, 2).c_str(), nullptr, 16));
    return b;
}

static Bits word_bits(uint64_t v, int n) {
    Bits b((n + 31) / 32, 0);
    for (int i = 0; i < n && i < 64; ++i)
        if ((v >> i) & 1) b[i / 32] |= 1u << (i % 32);
    return b;
}

static uint64_t bits_word(const Bits& b, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n && i < 64; ++i)
        if ((b[i / 32] >> (i % 32)) & 1) v |= 1ull << i;
    return v;
}

struct Line {
    char op;
    long a = 0, b = 0, c = 0;
    std::vector<uint8_t> bytes;
};

struct Inst {
    int k;
    long clk_hz, baud;
    double host_rate;
    int in_bytes, in_beats, out_bytes, out_beats, addr_bits;
    int m_off, s_off, a_off;
    double p_in_stall, p_out_stall;
    int axi_lat;
    std::vector<Line> script;
    size_t pc = 0;
    long owed_frames = 0, owed_ctrl = 0;
    long gap_until = -1;  // idle after a transaction until this cycle
    bool sending = false;
    long low_until = -1;   // uart_rx forced low before this cycle
    long quiet_until = -1;  // and idle before this one

    uart_host::Tx tx;
    uart_host::Rx rx;
    // reply packet assembly
    std::vector<uint8_t> pkt;
    // accelerator model
    bool blocked = false;
    bool out_blocked = false;
    int tlast_mode_next = 0;
    std::vector<uint8_t> in_frame;
    int in_beat = 0;
    struct OutBeat {
        std::vector<uint8_t> data;
        bool last;
    };
    std::deque<OutBeat> out_q;
    bool out_holding = false;
    bool m_prev_valid = false;
    Bits m_prev_data;
    bool m_prev_last = false;
    // register file
    std::vector<uint32_t> regs;
    long hold_next = 0;
    // AXI slave state
    bool aw_seen = false, aw_done = false, w_seen = false, w_done = false;
    long aw_at = 0, w_at = 0, b_at = 0, ar_at = 0, r_at = 0;
    uint64_t aw_addr = 0, ar_addr = 0;
    uint32_t w_data = 0;
    unsigned w_strb = 0;
    bool b_pending = false, b_valid = false;
    unsigned b_resp = 0;
    bool ar_seen = false, ar_done = false, r_valid = false;
    uint32_t r_data = 0;
    unsigned r_resp = 0;
    uint64_t aw_addr_seen = 0, ar_addr_seen = 0, w_data_seen = 0;

    void violation(long cycle, const std::string& what) { std::fprintf(g_out, "x %d %ld %s\n", k, cycle, what.c_str()); }

    unsigned resp_of(uint64_t addr) const {
        long words = 1l << (addr_bits - 2);
        long w = (long)(addr >> 2);
        if (w == words - 2) return 2;  // SLVERR
        if (w == words - 1) return 3;  // DECERR
        return 0;
    }

    void frame_done(long cycle) {
        std::fprintf(g_out, "a %d %ld %s\n", k, cycle, hex_bytes(in_frame).c_str());
        unsigned sum = 0;
        for (uint8_t v : in_frame) sum += v;
        int n = (int)in_frame.size();
        int mode = tlast_mode_next;
        tlast_mode_next = 0;
        for (int b = 0; b < out_beats; ++b) {
            OutBeat ob;
            for (int i = 0; i < out_bytes; ++i) {
                int j = b * out_bytes + i;
                ob.data.push_back((uint8_t)(in_frame[j % n] + 3 * j + sum));
            }
            bool last = (b == out_beats - 1);
            if (mode == 1) last = false;  // missing at the end
            if (mode == 2) last = !last;  // early, and missing at the end
            ob.last = last;
            out_q.push_back(ob);
        }
        in_frame.clear();
    }
};

int main(int argc, char** argv) {
    if (argc < 4) unit_bench::die("usage: <stimulus> <results> <seed> [max_cycles]", "");
    std::ifstream in(argv[1]);
    if (!in) unit_bench::die("cannot read", argv[1]);
    g_out = std::fopen(argv[2], "w");
    if (!g_out) unit_bench::die("cannot write", argv[2]);
    Rng rng(std::strtoull(argv[3], nullptr, 10));
    long max_cycles = argc > 4 ? std::atol(argv[4]) : 20000000;

    int n = 0;
    in >> n;
    std::vector<Inst> insts(n);
    for (int i = 0; i < n; ++i) {
        Inst& s = insts[i];
        s.k = i;
        in >> s.clk_hz >> s.baud >> s.host_rate >> s.in_bytes >> s.in_beats >> s.out_bytes >> s.out_beats >>
            s.addr_bits >> s.m_off >> s.s_off >> s.a_off >> s.p_in_stall >> s.p_out_stall >> s.axi_lat;
        double bit = (double)s.clk_hz / (double)s.baud;
        s.tx.period = bit / s.host_rate;
        s.rx.period = bit / s.host_rate;
        s.regs.assign((size_t)1 << (s.addr_bits - 2), 0);
        for (size_t r = 0; r < s.regs.size(); ++r) s.regs[r] = (uint32_t)(0x1000 * r + 0x55);
    }
    std::string word;
    for (int i = 0; i < n; ++i) {
        int k = 0;
        long lines = 0;
        in >> word >> k >> lines;
        if (word != "script" || k < 0 || k >= n) unit_bench::die("bad script header", word.c_str());
        std::string rest;
        std::getline(in, rest);
        for (long l = 0; l < lines; ++l) {
            std::string text;
            std::getline(in, text);
            std::istringstream ls(text);
            Line ln;
            ls >> ln.op;
            if (ln.op == 't') {
                std::string h;
                ls >> ln.a >> ln.b >> ln.c >> h;
                ln.bytes = parse_hex(h);
            } else {
                ls >> ln.a >> ln.b;
            }
            insts[k].script.push_back(ln);
        }
    }

    VerilatedContext ctx;
    Vunit_top top(&ctx);
    WData* uart_rx = top.uart_rx.data();
    WData* uart_tx = top.uart_tx.data();
    WData* m_tdata = top.m_tdata.data();
    WData* m_tvalid = top.m_tvalid.data();
    WData* m_tready = top.m_tready.data();
    WData* m_tlast = top.m_tlast.data();
    WData* s_tdata = top.s_tdata.data();
    WData* s_tvalid = top.s_tvalid.data();
    WData* s_tready = top.s_tready.data();
    WData* s_tlast = top.s_tlast.data();
    WData* awaddr = top.awaddr.data();
    WData* awvalid = top.awvalid.data();
    WData* awready = top.awready.data();
    WData* wdata = top.wdata.data();
    WData* wstrb = top.wstrb.data();
    WData* wvalid = top.wvalid.data();
    WData* wready = top.wready.data();
    WData* bresp = top.bresp.data();
    WData* bvalid = top.bvalid.data();
    WData* bready = top.bready.data();
    WData* araddr = top.araddr.data();
    WData* arvalid = top.arvalid.data();
    WData* arready = top.arready.data();
    WData* rdata = top.rdata.data();
    WData* rresp = top.rresp.data();
    WData* rvalid = top.rvalid.data();
    WData* rready = top.rready.data();

    auto tick = [&]() {
        top.clk = 1;
        top.eval();
        top.clk = 0;
        top.eval();
    };
    top.clk = 0;
    top.rst = 1;
    for (int i = 0; i < n; ++i) put_bit(uart_rx, i, true);
    for (int c = 0; c < 4; ++c) {
        top.eval();
        tick();
    }
    top.rst = 0;

    long cycle = 0;
    bool finished = false;
    for (; cycle < max_cycles; ++cycle) {
        finished = true;
        for (auto& s : insts)
            if (s.pc < s.script.size() || s.sending || cycle < s.quiet_until || s.owed_frames > 0 ||
                s.owed_ctrl > 0)
                finished = false;
        if (finished) break;

        // ---- the host scripts
        for (auto& s : insts) {
            if (cycle < s.quiet_until) continue;
            if (s.sending) {
                if (s.tx.idle(cycle)) {
                    if (s.gap_until < 0) s.gap_until = cycle + s.script[s.pc - 1].c;
                    if (cycle >= s.gap_until) {
                        s.sending = false;
                        s.gap_until = -1;
                    }
                }
                continue;
            }
            while (s.pc < s.script.size()) {
                Line& ln = s.script[s.pc];
                if (ln.op == 'w') {
                    if (s.owed_frames > ln.a || s.owed_ctrl > ln.b) break;
                    s.pc++;
                } else if (ln.op == 'b') {
                    s.blocked = ln.a != 0;
                    s.pc++;
                } else if (ln.op == 'o') {
                    s.out_blocked = ln.a != 0;
                    s.pc++;
                } else if (ln.op == 'l') {
                    s.tlast_mode_next = (int)ln.a;
                    s.pc++;
                } else if (ln.op == 'h') {
                    s.hold_next = ln.a;
                    s.pc++;
                } else if (ln.op == 'g') {
                    s.low_until = cycle + ln.a;
                    s.quiet_until = s.low_until + (long)std::ceil(2 * s.tx.period);
                    s.pc++;
                    break;
                } else {  // t
                    for (uint8_t v : ln.bytes) {
                        double gap = rng.chance(0.1) ? (double)(rng.next() % 300) / 100.0 * s.tx.period : 0.0;
                        s.tx.q.push_back({v, gap});
                    }
                    s.owed_frames += ln.a;
                    s.owed_ctrl += ln.b;
                    s.sending = true;
                    s.pc++;
                    break;
                }
            }
        }

        // ---- drive the inputs
        for (auto& s : insts) {
            int i = s.k;
            put_bit(uart_rx, i, cycle >= s.low_until && s.tx.line(cycle) != 0);
            put_bit(m_tready, i, !s.blocked && !rng.chance(s.p_in_stall));
            if (!s.out_holding && !s.out_q.empty() && !s.out_blocked && !rng.chance(s.p_out_stall))
                s.out_holding = true;
            put_bit(s_tvalid, i, s.out_holding);
            if (s.out_holding) {
                Bits b((s.out_bytes * 8 + 31) / 32, 0);
                for (int j = 0; j < s.out_bytes; ++j)
                    for (int q = 0; q < 8; ++q)
                        if ((s.out_q.front().data[j] >> q) & 1) b[(j * 8 + q) / 32] |= 1u << ((j * 8 + q) % 32);
                put_field(s_tdata, s.s_off, s.out_bytes * 8, b);
                put_bit(s_tlast, i, s.out_q.front().last);
            } else {
                put_field(s_tdata, s.s_off, s.out_bytes * 8, Bits((s.out_bytes * 8 + 31) / 32, 0xdeadbeef));
                put_bit(s_tlast, i, false);
            }
            // AXI slave outputs
            put_bit(awready, i, s.aw_seen && !s.aw_done && cycle >= s.aw_at);
            put_bit(wready, i, s.w_seen && !s.w_done && cycle >= s.w_at);
            put_bit(bvalid, i, s.b_valid);
            put_field(bresp, 2 * i, 2, word_bits(s.b_resp, 2));
            put_bit(arready, i, s.ar_seen && !s.ar_done && cycle >= s.ar_at);
            put_bit(rvalid, i, s.r_valid);
            put_field(rdata, 32 * i, 32, word_bits(s.r_valid ? s.r_data : 0xdeadbeef, 32));
            put_field(rresp, 2 * i, 2, word_bits(s.r_resp, 2));
        }
        top.eval();

        // ---- observe
        for (auto& s : insts) {
            int i = s.k;
            // UART from the bridge
            int b = s.rx.step(cycle, get_bit(uart_tx, i) ? 1 : 0);
            if (b == -2) s.violation(cycle, "uart_tx_stop_bit_low");
            if (b >= 0) {
                if (s.pkt.empty() && b != 0xa5) {
                    s.violation(cycle, "uart_tx_byte_outside_a_packet");
                } else {
                    s.pkt.push_back((uint8_t)b);
                    if (s.pkt.size() >= 5) {
                        size_t len = s.pkt[3] | (s.pkt[4] << 8);
                        if (s.pkt.size() == 7 + len) {
                            std::fprintf(g_out, "r %d %ld %s\n", i, cycle, hex_bytes(s.pkt).c_str());
                            if (s.pkt[1] == 0x81) s.owed_frames--;
                            else s.owed_ctrl--;
                            s.pkt.clear();
                        }
                    }
                }
            }
            // m_axis: the bridge's frames to the accelerator
            bool mv = get_bit(m_tvalid, i);
            Bits md = get_field(m_tdata, s.m_off, s.in_bytes * 8);
            bool ml = get_bit(m_tlast, i);
            if (s.m_prev_valid && (!mv || md != s.m_prev_data || ml != s.m_prev_last))
                s.violation(cycle, "m_axis_changed_before_accepted");
            bool mhs = mv && get_bit(m_tready, i);
            s.m_prev_valid = mv && !mhs;
            s.m_prev_data = md;
            s.m_prev_last = ml;
            if (mhs) {
                for (int j = 0; j < s.in_bytes; ++j) s.in_frame.push_back((uint8_t)bits_word(get_field(m_tdata, s.m_off + 8 * j, 8), 8));
                bool want_last = (s.in_beat == s.in_beats - 1);
                if (ml != want_last) s.violation(cycle, "m_axis_tlast_wrong");
                if (want_last) {
                    s.in_beat = 0;
                    s.frame_done(cycle);
                } else {
                    s.in_beat++;
                }
            }
            // s_axis: results into the bridge
            if (s.out_holding && get_bit(s_tready, i)) {
                s.out_q.pop_front();
                s.out_holding = false;
            }
            // AXI4-Lite
            bool awv = get_bit(awvalid, i), wv = get_bit(wvalid, i), arv = get_bit(arvalid, i);
            uint64_t awa = bits_word(get_field(awaddr, s.a_off, s.addr_bits), s.addr_bits);
            uint64_t ara = bits_word(get_field(araddr, s.a_off, s.addr_bits), s.addr_bits);
            uint64_t wd = bits_word(get_field(wdata, 32 * i, 32), 32) | (bits_word(get_field(wstrb, 4 * i, 4), 4) << 32);
            if (s.aw_seen && !s.aw_done && (!awv || awa != s.aw_addr_seen)) s.violation(cycle, "awvalid_or_awaddr_changed");
            if (s.w_seen && !s.w_done && (!wv || wd != s.w_data_seen)) s.violation(cycle, "wvalid_or_wdata_changed");
            if (s.ar_seen && !s.ar_done && (!arv || ara != s.ar_addr_seen)) s.violation(cycle, "arvalid_or_araddr_changed");
            auto lat = [&]() { return (long)(s.axi_lat > 0 ? rng.next() % (uint64_t)(s.axi_lat + 1) : 0); };
            if (awv && !s.aw_seen) {
                if (s.ar_seen) s.violation(cycle, "write_during_a_read");
                s.aw_seen = true;
                s.aw_addr_seen = awa;
                s.aw_at = cycle + lat() + s.hold_next;
                s.hold_next = 0;
            }
            if (wv && !s.w_seen) {
                if (s.ar_seen) s.violation(cycle, "write_during_a_read");
                s.w_seen = true;
                s.w_data_seen = wd;
                s.w_at = cycle + lat();
            }
            if (arv && !s.ar_seen) {
                if (s.aw_seen || s.w_seen) s.violation(cycle, "read_during_a_write");
                s.ar_seen = true;
                s.ar_addr_seen = ara;
                s.ar_at = cycle + lat() + s.hold_next;
                s.hold_next = 0;
            }
            if (s.aw_seen && !s.aw_done && get_bit(awready, i)) {
                s.aw_done = true;
                s.aw_addr = awa;
            }
            if (s.w_seen && !s.w_done && get_bit(wready, i)) {
                s.w_done = true;
                s.w_data = (uint32_t)wd;
                s.w_strb = (unsigned)(wd >> 32);
            }
            if (s.aw_done && s.w_done && !s.b_pending) {
                s.b_pending = true;
                s.b_at = cycle + 1 + lat();
            }
            if (s.b_pending && !s.b_valid && cycle >= s.b_at) {
                s.b_valid = true;
                s.b_resp = s.resp_of(s.aw_addr);
                if (s.b_resp == 0) {
                    uint32_t& r = s.regs[(size_t)(s.aw_addr >> 2)];
                    for (int q = 0; q < 4; ++q)
                        if ((s.w_strb >> q) & 1) r = (r & ~(0xffu << (8 * q))) | (s.w_data & (0xffu << (8 * q)));
                }
            } else if (s.b_valid && get_bit(bready, i)) {
                s.b_valid = false;
                s.b_pending = s.aw_seen = s.aw_done = s.w_seen = s.w_done = false;
            }
            if (s.ar_seen && !s.ar_done && get_bit(arready, i)) {
                s.ar_done = true;
                s.ar_addr = ara;
                s.r_at = cycle + 1 + lat();
            }
            if (s.ar_done && !s.r_valid && cycle >= s.r_at) {
                s.r_valid = true;
                s.r_resp = s.resp_of(s.ar_addr);
                s.r_data = s.r_resp == 0 ? s.regs[(size_t)(s.ar_addr >> 2)] : 0xdeadbeef;
            } else if (s.r_valid && get_bit(rready, i)) {
                s.r_valid = false;
                s.ar_seen = s.ar_done = false;
            }
        }
        tick();
    }
    std::fprintf(g_out, "%s %ld\n", finished ? "done" : "timeout", cycle);
    if (!finished) {
        for (auto& s : insts)
            std::fprintf(g_out, "# instance %d: line %zu of %zu, owed frames %ld, owed replies %ld\n", s.k, s.pc,
                         s.script.size(), s.owed_frames, s.owed_ctrl);
    }
    std::fclose(g_out);
    top.final();
    return 0;
}
