// tomatl_sim.h over the Verilated top: see there. Built with
//   -DTOMATL_TOP=<top>  -DTOMATL_IN_BYTES=<s_axis bytes>  -DTOMATL_OUT_BYTES=<m_axis bytes>
// and -DTOMATL_SIM_MSGDMA for the Intel SoC's mSGDMAs (with msgdma_model.cpp).
#include "tomatl_sim.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "dma_model.h"
#ifdef TOMATL_SIM_MSGDMA
#include "msgdma_model.h"
#endif
#include "verilated.h"

#define TOMATL_STR2(x) #x
#define TOMATL_STR(x) TOMATL_STR2(x)
#define TOMATL_CAT2(a, b) a##b
#define TOMATL_CAT(a, b) TOMATL_CAT2(a, b)
#define TOMATL_CLASS TOMATL_CAT(V, TOMATL_TOP)
#include TOMATL_STR(TOMATL_CLASS.h)

double sc_time_stamp() { return 0; }

namespace {

using tomatl_sim::DmaConfig;
#ifdef TOMATL_SIM_MSGDMA
using Dma = tomatl_sim::MsgdmaModel;
constexpr long LENGTH_WIDTH = 20, MIN_WIDTH = 10, MAX_WIDTH = 31;
#else
using Dma = tomatl_sim::DmaModel;
constexpr long LENGTH_WIDTH = 26, MIN_WIDTH = 8, MAX_WIDTH = 26;
#endif

// Stream words to and from Verilator's port types (up to 64 bits an
// integer, wider an array of 32-bit words).
template <typename T> void put_word(T &port, const uint8_t *b, unsigned n) {
    uint64_t v = 0;
    for (unsigned i = 0; i < n && i < 8; i++) v |= (uint64_t)b[i] << (8 * i);
    port = static_cast<T>(v);
}
template <std::size_t N> void put_word(VlWide<N> &port, const uint8_t *b, unsigned n) {
    for (std::size_t w = 0; w < N; w++) {
        uint32_t v = 0;
        for (unsigned i = 0; i < 4; i++)
            if (4 * w + i < n) v |= (uint32_t)b[4 * w + i] << (8 * i);
        port[w] = v;
    }
}
template <typename T> void get_word(const T &port, uint8_t *b, unsigned n) {
    uint64_t v = port;
    for (unsigned i = 0; i < n; i++) b[i] = i < 8 ? (uint8_t)(v >> (8 * i)) : 0;
}
template <std::size_t N> void get_word(const VlWide<N> &port, uint8_t *b, unsigned n) {
    for (unsigned i = 0; i < n; i++) b[i] = i / 4 < N ? (uint8_t)(port[i / 4] >> (8 * (i % 4))) : 0;
}

long env(const char *name, long dflt) {
    const char *s = std::getenv(name);
    if (!s || !*s) return dflt;
    char *end = nullptr;
    long v = std::strtol(s, &end, 0);
    return (end && *end == 0) ? v : dflt;
}

struct System {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<TOMATL_CLASS> top;
    std::unique_ptr<Dma> dma;
    std::vector<uint8_t> cpu;  // the CPU's (cached) view of the DMA memory
    uint64_t next_alloc = SIM_MEM_BASE;
    uint64_t cycles = 0;
    unsigned poll_cycles = 16;
    double clock_mhz = 100.0;
    unsigned stall = 0;  // percent
    std::mt19937_64 rng;
    bool offering = false;
    unsigned faults = 0;
    // the AXI4-Lite master's signals, held between cycles
    uint32_t araddr = 0, awaddr = 0, wdata = 0;
    bool arvalid = false, rready = false, awvalid = false, wvalid = false, bready = false;
    uint8_t out_word[TOMATL_OUT_BYTES + 8];

    bool stalled() { return stall && (rng() % 100) < stall; }

    // One clock cycle: drive the inputs, settle, sample the handshakes,
    // then the rising edge. Returns the AXI4-Lite events of the cycle.
    struct Fired {
        bool ar, r, aw, w, b;
        uint32_t rdata;
        unsigned rresp, bresp;
    };
    Fired cycle() {
        TOMATL_CLASS &t = *top;
        t.clk = 0;
        if (!offering && dma->mm2s_valid() && !stalled()) offering = true;
        t.s_axis_tvalid = offering;
        put_word(t.s_axis_tdata, dma->mm2s_data(), TOMATL_IN_BYTES);
        t.s_axis_tlast = offering && dma->mm2s_last();
        bool ready = dma->s2mm_ready() && !stalled();
        t.m_axis_tready = ready;
        t.s_axil_araddr = araddr & 0x3f;
        t.s_axil_arvalid = arvalid;
        t.s_axil_rready = rready;
        t.s_axil_awaddr = awaddr & 0x3f;
        t.s_axil_awvalid = awvalid;
        t.s_axil_wdata = wdata;
        t.s_axil_wstrb = 0xf;
        t.s_axil_wvalid = wvalid;
        t.s_axil_bready = bready;
        t.eval();
        bool in_fire = offering && t.s_axis_tready;
        bool out_fire = ready && t.m_axis_tvalid;
        bool out_last = t.m_axis_tlast;
        if (out_fire) get_word(t.m_axis_tdata, out_word, TOMATL_OUT_BYTES);
        Fired f{arvalid && t.s_axil_arready, rready && t.s_axil_rvalid,
                awvalid && t.s_axil_awready, wvalid && t.s_axil_wready,
                bready && t.s_axil_bvalid, t.s_axil_rdata, t.s_axil_rresp, t.s_axil_bresp};
        t.clk = 1;
        t.eval();
        ctx->timeInc(1);
        cycles++;
        if (in_fire) {
            dma->mm2s_fire();
            offering = false;
        }
        if (out_fire) dma->s2mm_fire(out_word, out_last);
        return f;
    }

    uint32_t axil_read(uint32_t off) {
        araddr = off;
        arvalid = true;
        rready = true;
        for (int i = 0; i < 1000; i++) {
            Fired f = cycle();
            if (f.ar) arvalid = false;
            if (f.r) {
                arvalid = rready = false;
                if (f.rresp) faults++;
                return f.rdata;
            }
        }
        arvalid = rready = false;
        faults++;
        return 0xffffffffu;
    }

    void axil_write(uint32_t off, uint32_t value) {
        awaddr = off;
        wdata = value;
        awvalid = wvalid = bready = true;
        for (int i = 0; i < 1000; i++) {
            Fired f = cycle();
            if (f.aw) awvalid = false;
            if (f.w) wvalid = false;
            if (f.b) {
                awvalid = wvalid = bready = false;
                if (f.bresp) faults++;
                return;
            }
        }
        awvalid = wvalid = bready = false;
        faults++;
    }
};

System *sys_ = nullptr;

// [phys, phys + bytes) inside the memory: its offset, or false.
bool span(uint64_t phys, size_t bytes, size_t *off) {
    if (phys < SIM_MEM_BASE) return false;
    uint64_t o = phys - SIM_MEM_BASE;
    if (o > sys_->cpu.size() || bytes > sys_->cpu.size() - o) return false;
    *off = (size_t)o;
    return true;
}

}  // namespace

extern "C" {

int sim_open(void) {
    if (sys_) sim_close();
    long width = env("TOMATL_SIM_LENGTH_WIDTH", LENGTH_WIDTH);
    if (width < MIN_WIDTH || width > MAX_WIDTH) return -1;
    DmaConfig cfg;
    cfg.length_width = (unsigned)width;
    cfg.mm2s_bytes = TOMATL_IN_BYTES;
    cfg.s2mm_bytes = TOMATL_OUT_BYTES;
    cfg.mem_base = SIM_MEM_BASE;
    cfg.mem_bytes = (size_t)env("TOMATL_SIM_MEM_MB", 16) << 20;
    sys_ = new System();
    sys_->ctx.reset(new VerilatedContext);
    sys_->top.reset(new TOMATL_CLASS(sys_->ctx.get()));
    sys_->dma.reset(new Dma(cfg));
    sys_->cpu.assign(cfg.mem_bytes, 0);
    sys_->poll_cycles = (unsigned)env("TOMATL_SIM_POLL_CYCLES", 16);
    sys_->clock_mhz = (double)env("TOMATL_SIM_CLOCK_MHZ", 100);
    long stall = env("TOMATL_SIM_STALL", 0);
    sys_->stall = stall < 0 ? 0 : stall > 90 ? 90 : (unsigned)stall;
    sys_->rng.seed((uint64_t)env("TOMATL_SIM_SEED", 1));
    sys_->top->rst = 1;
    for (int i = 0; i < 8; i++) sys_->cycle();
    sys_->top->rst = 0;
    sys_->cycles = 0;
    return 0;
}

void sim_close(void) {
    if (!sys_) return;
    sys_->top->final();
    delete sys_;
    sys_ = nullptr;
}

uint32_t sim_read32(uint32_t addr) {
    if (!sys_) return 0xffffffffu;
    if (addr >= SIM_DMA_BASE && addr < SIM_DMA_BASE + SIM_WINDOW) {
        sim_step(sys_->poll_cycles);
        return sys_->dma->read(addr - SIM_DMA_BASE);
    }
    if (addr >= SIM_ACCEL_BASE && addr < SIM_ACCEL_BASE + 0x40) return sys_->axil_read(addr - SIM_ACCEL_BASE);
    sys_->faults++;
    return 0xffffffffu;
}

void sim_write32(uint32_t addr, uint32_t value) {
    if (!sys_) return;
    if (addr >= SIM_DMA_BASE && addr < SIM_DMA_BASE + SIM_WINDOW) {
        sys_->dma->write(addr - SIM_DMA_BASE, value);
        sim_step(1);
    } else if (addr >= SIM_ACCEL_BASE && addr < SIM_ACCEL_BASE + 0x40) {
        sys_->axil_write(addr - SIM_ACCEL_BASE, value);
    } else {
        sys_->faults++;
    }
}

void *sim_alloc(size_t bytes, uint64_t *phys) {
    if (!sys_ || !phys) return nullptr;
    uint64_t at = (sys_->next_alloc + 4095) & ~(uint64_t)4095;
    size_t off;
    if (!bytes || !span(at, bytes, &off)) return nullptr;
    sys_->next_alloc = at + bytes;
    *phys = at;
    return sys_->cpu.data() + off;
}

void sim_flush(uint64_t phys, size_t bytes) {
    size_t off;
    if (!sys_ || !span(phys, bytes, &off)) return;
    std::memcpy(sys_->dma->mem(phys, bytes), sys_->cpu.data() + off, bytes);
}

void sim_invalidate(uint64_t phys, size_t bytes) {
    size_t off;
    if (!sys_ || !span(phys, bytes, &off)) return;
    std::memcpy(sys_->cpu.data() + off, sys_->dma->mem(phys, bytes), bytes);
}

void sim_step(uint64_t cycles) {
    if (!sys_) return;
    for (uint64_t i = 0; i < cycles; i++) sys_->cycle();
}

uint64_t sim_cycles(void) { return sys_ ? sys_->cycles : 0; }

uint64_t sim_time_us(void) { return sys_ ? (uint64_t)(sys_->cycles / sys_->clock_mhz) : 0; }

unsigned sim_faults(void) { return sys_ ? sys_->faults : 0; }

}  // extern "C"
