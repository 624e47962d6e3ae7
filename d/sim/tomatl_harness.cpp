// Verilator harness for a generated tomatl accelerator.
//
// Streams frames of input codes into the top's AXI4-Stream slave with random
// valid stalls, drains the AXI4-Stream master with random ready stalls,
// checks that TLAST closes every frame, reads the AXI4-Lite status registers
// at the end, and writes what came out (with cycle stamps) for `tomatl verify`
// to compare against the golden model.
//
// usage: harness INPUT OUTPUT SEED STALL MAX_CYCLES [BURST]
//   INPUT   text: "frames N len L" then N lines of L decimal codes
//   OUTPUT  text: one "frame F first_in T0 last_out T1" line and one line of
//           codes per frame, then "status ..." and "end ..." lines
//   STALL   probability in [0,1) that the source withholds valid / the sink
//           withholds ready in a cycle
//   BURST   mean length in cycles of a stall once it starts (default 1:
//           independent cycles); long bursts model a host that pauses
//
// design.h (generated) defines TOP_CLASS and the stream geometry.
#include "design.h"

#include <verilated.h>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <type_traits>
#include <vector>

namespace {

template <typename T>
typename std::enable_if<std::is_integral<T>::value>::type set_bits(T& port, int lsb, int width,
                                                                    uint64_t v) {
    for (int i = 0; i < width; ++i) {
        const T bit = static_cast<T>(T(1) << (lsb + i));
        if ((v >> i) & 1U) {
            port = static_cast<T>(port | bit);
        } else {
            port = static_cast<T>(port & static_cast<T>(~bit));
        }
    }
}

template <std::size_t N>
void set_bits(VlWide<N>& port, int lsb, int width, uint64_t v) {
    for (int i = 0; i < width; ++i) {
        const int b = lsb + i;
        const uint32_t mask = 1U << (b % 32);
        if ((v >> i) & 1U) {
            port[b / 32] |= mask;
        } else {
            port[b / 32] &= ~mask;
        }
    }
}

template <typename T>
typename std::enable_if<std::is_integral<T>::value, uint64_t>::type get_bits(const T& port,
                                                                             int lsb, int width) {
    return (static_cast<uint64_t>(port) >> lsb) & ((width >= 64) ? ~0ULL : ((1ULL << width) - 1));
}

template <std::size_t N>
uint64_t get_bits(const VlWide<N>& port, int lsb, int width) {
    uint64_t v = 0;
    for (int i = 0; i < width; ++i) {
        const int b = lsb + i;
        if ((port[b / 32] >> (b % 32)) & 1U) v |= 1ULL << i;
    }
    return v;
}

int64_t sign_extend(uint64_t v, int bits) {
    const uint64_t m = 1ULL << (bits - 1);
    return static_cast<int64_t>((v ^ m) - m);
}

// A stall source: Bernoulli cycles, or bursts with geometric lengths whose
// long-run stalled fraction is still `p`.
struct Staller {
    std::mt19937_64& rng;
    double p;
    double burst;
    bool stalled = false;
    bool next() {
        std::uniform_real_distribution<double> u(0.0, 1.0);
        if (burst <= 1.0) return u(rng) < p;
        if (stalled) {
            if (u(rng) < 1.0 / burst) stalled = false;
        } else {
            // leave the running state at a rate that keeps the stalled share at p
            const double enter = (p / (1.0 - p)) / burst;
            if (u(rng) < enter) stalled = true;
        }
        return stalled;
    }
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 6) {
        std::fprintf(stderr, "usage: %s INPUT OUTPUT SEED STALL MAX_CYCLES [BURST]\n", argv[0]);
        return 2;
    }
    FILE* in = std::fopen(argv[1], "r");
    if (!in) {
        std::fprintf(stderr, "cannot open %s\n", argv[1]);
        return 2;
    }
    long frames = 0, len = 0;
    if (std::fscanf(in, "frames %ld len %ld", &frames, &len) != 2 || len != IN_ELEMS * IN_BEATS) {
        std::fprintf(stderr, "bad input header (expected len %d)\n", IN_ELEMS * IN_BEATS);
        return 2;
    }
    std::vector<int64_t> codes(static_cast<size_t>(frames * len));
    for (auto& c : codes) {
        if (std::fscanf(in, "%" SCNd64, &c) != 1) {
            std::fprintf(stderr, "short input file\n");
            return 2;
        }
    }
    std::fclose(in);
    FILE* out = std::fopen(argv[2], "w");
    if (!out) {
        std::fprintf(stderr, "cannot open %s\n", argv[2]);
        return 2;
    }
    std::mt19937_64 rng(std::strtoull(argv[3], nullptr, 10));
    const double stall = std::strtod(argv[4], nullptr);
    const uint64_t max_cycles = std::strtoull(argv[5], nullptr, 10);
    const double burst = argc > 6 ? std::strtod(argv[6], nullptr) : 1.0;
    Staller src{rng, stall, burst};
    Staller snk{rng, stall, burst};

    auto ctx = std::make_unique<VerilatedContext>();
    auto top = std::make_unique<TOP_CLASS>(ctx.get());
    uint64_t cycle = 0;
    auto tick = [&]() {
        top->clk = 1;
        top->eval();
        top->clk = 0;
        top->eval();
        ++cycle;
    };
    top->clk = 0;
    top->rst = 1;
    top->s_axis_tvalid = 0;
    top->m_axis_tready = 0;
    top->s_axil_awvalid = 0;
    top->s_axil_wvalid = 0;
    top->s_axil_bready = 0;
    top->s_axil_arvalid = 0;
    top->s_axil_rready = 0;
    for (int i = 0; i < 4; ++i) tick();
    top->rst = 0;
    cycle = 0;

    const long total_in = frames * IN_BEATS;
    long in_beat = 0, out_beat = 0;
    bool in_valid = false;
    std::vector<uint64_t> first_in(static_cast<size_t>(frames), 0);
    std::vector<uint64_t> last_out(static_cast<size_t>(frames), 0);
    std::vector<int64_t> got(static_cast<size_t>(frames * OUT_ELEMS * OUT_BEATS), 0);
    long tlast_errors = 0, first_tlast_error = -1;
    // `progress N` lines on stderr (frames out so far) for the caller's bar,
    // about a hundred per run
    const bool progress = std::getenv("TOMATL_HARNESS_PROGRESS") != nullptr;
    const long progress_step = frames / 100 > 1 ? frames / 100 : 1;

    while (out_beat < frames * OUT_BEATS && cycle < max_cycles) {
        if (!in_valid && in_beat < total_in && !src.next()) {
            in_valid = true;
            for (int e = 0; e < IN_ELEMS; ++e) {
                set_bits(top->s_axis_tdata, e * IN_BITS, IN_BITS,
                         static_cast<uint64_t>(codes[static_cast<size_t>(in_beat * IN_ELEMS + e)]));
            }
            top->s_axis_tlast = (in_beat % IN_BEATS) == IN_BEATS - 1;
        }
        top->s_axis_tvalid = in_valid;
        top->m_axis_tready = !snk.next();
        top->eval();
        const bool in_fire = in_valid && top->s_axis_tready;
        if (in_fire) {
            if (in_beat % IN_BEATS == 0) first_in[static_cast<size_t>(in_beat / IN_BEATS)] = cycle;
            ++in_beat;
            in_valid = false;
        }
        if (top->m_axis_tvalid && top->m_axis_tready) {
            for (int e = 0; e < OUT_ELEMS; ++e) {
                const uint64_t raw = get_bits(top->m_axis_tdata, e * OUT_BITS, OUT_BITS);
                got[static_cast<size_t>(out_beat * OUT_ELEMS + e)] =
                    OUT_SIGNED ? sign_extend(raw, OUT_BITS) : static_cast<int64_t>(raw);
            }
            const bool want_last = (out_beat % OUT_BEATS) == OUT_BEATS - 1;
            if (static_cast<bool>(top->m_axis_tlast) != want_last) {
                if (first_tlast_error < 0) first_tlast_error = out_beat;
                ++tlast_errors;
            }
            if (want_last) {
                last_out[static_cast<size_t>(out_beat / OUT_BEATS)] = cycle;
                const long done = out_beat / OUT_BEATS + 1;
                if (progress && (done % progress_step == 0 || done == frames)) {
                    std::fprintf(stderr, "progress %ld\n", done);
                }
            }
            ++out_beat;
        }
        tick();
    }
    const long frames_done = out_beat / OUT_BEATS;

    // Read the status registers over AXI4-Lite.
    top->s_axis_tvalid = 0;
    auto axil_read = [&](uint32_t addr) -> uint32_t {
        top->s_axil_araddr = addr;
        top->s_axil_arvalid = 1;
        top->s_axil_rready = 1;
        uint32_t data = 0xDEADBEEF;
        for (int i = 0; i < 64; ++i) {
            top->eval();
            const bool ar_fire = top->s_axil_arvalid && top->s_axil_arready;
            const bool r_fire = top->s_axil_rvalid && top->s_axil_rready;
            if (r_fire) data = top->s_axil_rdata;
            tick();
            if (ar_fire) top->s_axil_arvalid = 0;
            if (r_fire) break;
        }
        top->s_axil_arvalid = 0;
        top->s_axil_rready = 0;
        return data;
    };
    const uint64_t run_cycles = cycle;
    const uint32_t id = axil_read(0x00);
    const uint32_t hash = axil_read(0x08);
    const uint32_t frames_in_reg = axil_read(0x10);
    const uint32_t frames_out_reg = axil_read(0x14);

    for (long f = 0; f < frames_done; ++f) {
        std::fprintf(out, "frame %ld first_in %" PRIu64 " last_out %" PRIu64 "\n", f,
                     first_in[static_cast<size_t>(f)], last_out[static_cast<size_t>(f)]);
        for (long i = 0; i < OUT_ELEMS * OUT_BEATS; ++i) {
            std::fprintf(out, i ? " %" PRId64 : "%" PRId64,
                         got[static_cast<size_t>(f * OUT_ELEMS * OUT_BEATS + i)]);
        }
        std::fprintf(out, "\n");
    }
    std::fprintf(out, "status id %u hash %u frames_in %u frames_out %u\n", id, hash, frames_in_reg,
                 frames_out_reg);
    std::fprintf(out, "end frames %ld cycles %" PRIu64 " timeout %d tlast_errors %ld first_tlast_error %ld\n",
                 frames_done, run_cycles, frames_done < frames ? 1 : 0, tlast_errors,
                 first_tlast_error);
    std::fclose(out);
    top->final();
    return 0;
}
