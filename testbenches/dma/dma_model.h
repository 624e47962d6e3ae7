// Behavioural model of the Xilinx AXI DMA (PG021) in simple (direct
// register) mode, without scatter-gather and without the data realignment
// engine: the MM2S and S2MM register blocks, a memory array addressed by
// physical address, and one stream beat per call on each side. It stands in
// for the DMA IP of a Zynq design so host drivers can run against the
// Verilated accelerator.
//
// Register map (byte offsets, PG021 table 2-5 / 2-13):
//   0x00 MM2S_DMACR   RS bit 0, Reset bit 2, IOC_IrqEn bit 12, Err_IrqEn bit 14
//   0x04 MM2S_DMASR   Halted bit 0, Idle bit 1, DMAIntErr bit 4, DMASlvErr bit 5,
//                     DMADecErr bit 6, IOC_Irq bit 12, Err_Irq bit 14 (W1C 12..14)
//   0x18 MM2S_SA      source address (0x1c: upper 32 bits)
//   0x28 MM2S_LENGTH  bytes; writing it starts the transfer
//   0x30 S2MM_DMACR, 0x34 S2MM_DMASR, 0x48 S2MM_DA (0x4c upper),
//   0x58 S2MM_LENGTH  buffer bytes; on completion the bytes actually written
//
// What the model checks and how it reports (the real IP's behaviour where
// PG021 defines it, a flagged error where the IP would silently misbehave):
//   - LENGTH >= 2^c_sg_length_width: DMAIntErr, halt (the IP keeps only the
//     low bits: a short transfer and a hang, the classic 16 KB limit);
//   - LENGTH 0: DMAIntErr, halt (PG021);
//   - an address that is not a multiple of the stream word (no DRE):
//     DMAIntErr, halt;
//   - an address range outside the memory: DMADecErr, halt;
//   - MM2S raises TLAST on the beat that reaches LENGTH;
//   - S2MM stops at TLAST; LENGTH then reads the bytes written;
//   - S2MM reaching LENGTH without TLAST: DMAIntErr, halt.
// An error clears RS and sets Halted and Err_Irq; only a reset clears it.
// After RS is set, Idle reads 0 until the channel's first transfer is done
// (as the IP does; PYNQ's DMA driver relies on the same rule).
#ifndef TOMATL_DMA_MODEL_H
#define TOMATL_DMA_MODEL_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tomatl_sim {

struct DmaConfig {
    unsigned length_width = 26;  // c_sg_length_width, 8..26
    unsigned mm2s_bytes = 4;     // MM2S stream word, bytes
    unsigned s2mm_bytes = 4;     // S2MM stream word, bytes
    uint64_t mem_base = 0x10000000u;
    std::size_t mem_bytes = 16u << 20;
};

namespace reg {
constexpr uint32_t MM2S_DMACR = 0x00, MM2S_DMASR = 0x04, MM2S_SA = 0x18, MM2S_SA_MSB = 0x1c,
                   MM2S_LENGTH = 0x28, S2MM_DMACR = 0x30, S2MM_DMASR = 0x34, S2MM_DA = 0x48,
                   S2MM_DA_MSB = 0x4c, S2MM_LENGTH = 0x58;
constexpr uint32_t CR_RS = 1u << 0, CR_RESET = 1u << 2, CR_IOC_IRQ_EN = 1u << 12,
                   CR_ERR_IRQ_EN = 1u << 14;
constexpr uint32_t SR_HALTED = 1u << 0, SR_IDLE = 1u << 1, SR_INT_ERR = 1u << 4,
                   SR_SLV_ERR = 1u << 5, SR_DEC_ERR = 1u << 6, SR_IOC_IRQ = 1u << 12,
                   SR_ERR_IRQ = 1u << 14;
}  // namespace reg

class DmaModel {
  public:
    explicit DmaModel(const DmaConfig &cfg);

    uint32_t read(uint32_t offset) const;
    void write(uint32_t offset, uint32_t value);

    // The memory behind physical addresses [phys, phys + n), or nullptr.
    uint8_t *mem(uint64_t phys, std::size_t n);
    const DmaConfig &config() const { return cfg_; }

    // MM2S: the beat offered now (valid), its bytes and TLAST; fire() after
    // the beat moved.
    bool mm2s_valid() const { return mm2s_.busy; }
    const uint8_t *mm2s_data() const { return word_.data(); }
    bool mm2s_last() const;
    void mm2s_fire();

    // S2MM: ready to take a beat now; fire() with the beat that moved.
    bool s2mm_ready() const { return s2mm_.busy; }
    void s2mm_fire(const uint8_t *data, bool last);

  private:
    struct Channel {
        uint32_t cr = 0x00010000u;
        uint32_t sr = reg::SR_HALTED;
        uint64_t addr = 0;
        uint32_t length = 0;  // the LENGTH register
        uint32_t pos = 0;     // bytes moved so far
        bool busy = false;
        bool done_once = false;
    };
    void reset();
    void start(Channel &c, uint32_t length, unsigned word);
    void fail(Channel &c, uint32_t bit);
    void load_word();
    uint32_t status(const Channel &c) const;
    void control(Channel &c, uint32_t value);

    DmaConfig cfg_;
    std::vector<uint8_t> mem_;
    std::vector<uint8_t> word_;
    Channel mm2s_, s2mm_;
};

}  // namespace tomatl_sim

#endif
