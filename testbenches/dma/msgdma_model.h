// Behavioural model of Intel's Modular Scatter-Gather DMA (mSGDMA) as the
// DE10-Nano's system has it: two cores, memory to stream (MM2S, MODE 1)
// and stream to memory (S2MM, MODE 2), packets enabled, standard
// descriptors, "Full Word Accesses Only", S2MM's response port
// memory-mapped (RESPONSE_PORT 0), no error or channel signals. It stands
// in for the Platform Designer system of quartus/soc_system.tcl so host
// drivers can run against the Verilated accelerator, with the same
// one-beat-per-call stream interface as dma_model.h.
//
// The cores' windows, as byte offsets in one region (the lightweight
// bridge's offsets of quartus::regions() less the first DMA window's):
//   0x0000 MM2S CSR, 0x0020 MM2S descriptor slave,
//   0x1000 S2MM CSR, 0x1020 S2MM descriptor slave, 0x1040 S2MM response.
// Per core (Embedded Peripherals IP User Guide, "Modular Scatter-Gather
// DMA"):
//   CSR 0x00 status   Busy 0, Descriptor Buffer Empty 1, ... Full 2,
//                     Response Buffer Empty 3, ... Full 4, Stopped 5,
//                     Resetting 6, Stopped on Error 7, Stopped on Early
//                     Termination 8, IRQ 9 (write 1 to clear)
//   CSR 0x04 control  Stop Dispatcher 0, Reset Dispatcher 1, Stop on
//                     Error 2, Stop on Early Termination 3, Global
//                     Interrupt Enable 4, Stop Descriptors 5
//   CSR 0x08 descriptor fill level (read [15:0], write [31:16]),
//   CSR 0x0c response fill level [15:0]
//   descriptor 0x0 read address, 0x4 write address, 0x8 length,
//     0xc control: Generate SOP 8, Generate EOP 9, End on EOP 12,
//     Go 31; writing the control word commits the descriptor (dropped
//     when the FIFO is full, counted in dropped())
//   response 0x0 actual bytes transferred, 0x4 error [7:0] and early
//     termination 8; reading 0x4 pops the response
//
// Behaviour:
//   - descriptors run in order, one at a time per core, DESCRIPTOR_FIFO_DEPTH
//     (32) deep;
//   - the length field is log2(MAX_BYTE) + 1 bits wide: a longer length
//     keeps only those bits (as the IP's register does);
//   - word accesses only: the low address bits are ignored;
//   - MM2S raises TLAST (end of packet) on the descriptor's last beat
//     when it has Generate EOP;
//   - S2MM with End on EOP ends the descriptor at TLAST and pushes a
//     response with the bytes written; reaching the length without TLAST
//     ends it with early termination (and, with Stop on Early
//     Termination, stops the dispatcher); the rest of that packet goes to
//     the next descriptor;
//   - an address range outside the memory stops the core (Stopped on
//     Error; S2MM also responds with error bit 0) and moves no data;
//   - Reset Dispatcher empties the FIFOs and clears the stop bits.
#ifndef TOMATL_MSGDMA_MODEL_H
#define TOMATL_MSGDMA_MODEL_H

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "dma_model.h"

namespace tomatl_sim {

namespace msgdma {
constexpr uint32_t MM2S_CSR = 0x0000, MM2S_DESC = 0x0020, S2MM_CSR = 0x1000, S2MM_DESC = 0x1020,
                   S2MM_RESPONSE = 0x1040, WINDOW = 0x2000;
constexpr uint32_t ST_BUSY = 1u << 0, ST_DESC_EMPTY = 1u << 1, ST_DESC_FULL = 1u << 2,
                   ST_RESP_EMPTY = 1u << 3, ST_RESP_FULL = 1u << 4, ST_STOPPED = 1u << 5,
                   ST_RESETTING = 1u << 6, ST_STOPPED_ON_ERROR = 1u << 7, ST_STOPPED_ON_EARLY = 1u << 8,
                   ST_IRQ = 1u << 9;
constexpr uint32_t CTL_STOP = 1u << 0, CTL_RESET = 1u << 1, CTL_STOP_ON_ERROR = 1u << 2,
                   CTL_STOP_ON_EARLY = 1u << 3, CTL_STOP_DESCRIPTORS = 1u << 5;
constexpr uint32_t DC_GEN_SOP = 1u << 8, DC_GEN_EOP = 1u << 9, DC_END_ON_EOP = 1u << 12, DC_GO = 1u << 31;
constexpr uint32_t RESP_EARLY = 1u << 8;
constexpr std::size_t FIFO_DEPTH = 32;
}  // namespace msgdma

// cfg.length_width is log2(MAX_BYTE) here (10..31).
class MsgdmaModel {
  public:
    explicit MsgdmaModel(const DmaConfig &cfg);

    uint32_t read(uint32_t offset);
    void write(uint32_t offset, uint32_t value);

    uint8_t *mem(uint64_t phys, std::size_t n);
    const DmaConfig &config() const { return cfg_; }
    unsigned dropped() const { return dropped_; }

    bool mm2s_valid() const;
    const uint8_t *mm2s_data() const { return word_.data(); }
    bool mm2s_last() const;
    void mm2s_fire();

    bool s2mm_ready() const;
    void s2mm_fire(const uint8_t *data, bool last);

  private:
    struct Descriptor {
        uint32_t read = 0, write = 0, length = 0, control = 0;
    };
    struct Response {
        uint32_t bytes = 0, status = 0;
    };
    struct Core {
        uint32_t control = 0;
        bool irq = false, stopped_on_error = false, stopped_on_early = false;
        Descriptor staging;
        std::deque<Descriptor> fifo;
        bool active = false;
        Descriptor cur;
        uint32_t pos = 0;
        std::deque<Response> responses;  // S2MM only
    };
    uint32_t status(const Core &c, bool has_response) const;
    void control(Core &c, uint32_t value);
    void descriptor(Core &c, uint32_t offset, uint32_t value);
    bool running(const Core &c) const;
    void next(Core &c, bool s2mm);
    void load_word();

    DmaConfig cfg_;
    uint32_t length_mask_;
    std::vector<uint8_t> mem_;
    std::vector<uint8_t> word_;
    Core mm2s_, s2mm_;
    unsigned dropped_ = 0;
};

}  // namespace tomatl_sim

#endif
