// Behavioural AXI DMA (PG021, simple mode): see dma_model.h.
#include "dma_model.h"

#include <algorithm>
#include <cstring>

namespace tomatl_sim {

DmaModel::DmaModel(const DmaConfig &cfg)
    : cfg_(cfg), mem_(cfg.mem_bytes, 0), word_(std::max(cfg.mm2s_bytes, 1u), 0) {}

uint8_t *DmaModel::mem(uint64_t phys, std::size_t n) {
    if (phys < cfg_.mem_base) return nullptr;
    uint64_t off = phys - cfg_.mem_base;
    if (off > mem_.size() || n > mem_.size() - off) return nullptr;
    return mem_.data() + off;
}

void DmaModel::reset() {
    mm2s_ = Channel();
    s2mm_ = Channel();
}

uint32_t DmaModel::status(const Channel &c) const {
    uint32_t sr = c.sr;
    bool running = (c.cr & reg::CR_RS) && !(sr & reg::SR_HALTED);
    if (running && !c.busy && c.done_once) sr |= reg::SR_IDLE;
    return sr;
}

uint32_t DmaModel::read(uint32_t offset) const {
    switch (offset) {
    case reg::MM2S_DMACR: return mm2s_.cr;
    case reg::MM2S_DMASR: return status(mm2s_);
    case reg::MM2S_SA: return static_cast<uint32_t>(mm2s_.addr);
    case reg::MM2S_SA_MSB: return static_cast<uint32_t>(mm2s_.addr >> 32);
    case reg::MM2S_LENGTH: return mm2s_.length;
    case reg::S2MM_DMACR: return s2mm_.cr;
    case reg::S2MM_DMASR: return status(s2mm_);
    case reg::S2MM_DA: return static_cast<uint32_t>(s2mm_.addr);
    case reg::S2MM_DA_MSB: return static_cast<uint32_t>(s2mm_.addr >> 32);
    case reg::S2MM_LENGTH: return s2mm_.length;
    default: return 0;
    }
}

void DmaModel::control(Channel &c, uint32_t value) {
    if (value & reg::CR_RESET) {
        // a reset of either channel resets the whole DMA (PG021)
        reset();
        return;
    }
    c.cr = value & ~reg::CR_RESET;
    if (c.cr & reg::CR_RS) {
        if (!(c.sr & (reg::SR_INT_ERR | reg::SR_SLV_ERR | reg::SR_DEC_ERR))) c.sr &= ~reg::SR_HALTED;
    } else if (!c.busy) {
        c.sr |= reg::SR_HALTED;
    }
}

void DmaModel::fail(Channel &c, uint32_t bit) {
    c.sr |= bit | reg::SR_HALTED | reg::SR_ERR_IRQ;
    c.cr &= ~reg::CR_RS;
    c.busy = false;
}

void DmaModel::start(Channel &c, uint32_t length, unsigned word) {
    bool running = (c.cr & reg::CR_RS) && !(c.sr & reg::SR_HALTED);
    if (!running || c.busy) return;  // the IP ignores LENGTH then
    c.length = length;
    c.pos = 0;
    if (length == 0 || (cfg_.length_width < 32 && (uint64_t)length >> cfg_.length_width)) {
        fail(c, reg::SR_INT_ERR);
        return;
    }
    if (c.addr % word) {
        fail(c, reg::SR_INT_ERR);
        return;
    }
    if (!mem(c.addr, length)) {
        fail(c, reg::SR_DEC_ERR);
        return;
    }
    c.busy = true;
}

void DmaModel::load_word() {
    std::fill(word_.begin(), word_.end(), 0);
    if (!mm2s_.busy) return;
    uint32_t n = std::min<uint32_t>(cfg_.mm2s_bytes, mm2s_.length - mm2s_.pos);
    std::memcpy(word_.data(), mem(mm2s_.addr + mm2s_.pos, n), n);
}

void DmaModel::write(uint32_t offset, uint32_t value) {
    switch (offset) {
    case reg::MM2S_DMACR: control(mm2s_, value); break;
    case reg::S2MM_DMACR: control(s2mm_, value); break;
    case reg::MM2S_DMASR: mm2s_.sr &= ~(value & (reg::SR_IOC_IRQ | (1u << 13) | reg::SR_ERR_IRQ)); break;
    case reg::S2MM_DMASR: s2mm_.sr &= ~(value & (reg::SR_IOC_IRQ | (1u << 13) | reg::SR_ERR_IRQ)); break;
    case reg::MM2S_SA: mm2s_.addr = (mm2s_.addr & ~0xffffffffull) | value; break;
    case reg::MM2S_SA_MSB: mm2s_.addr = (mm2s_.addr & 0xffffffffull) | ((uint64_t)value << 32); break;
    case reg::S2MM_DA: s2mm_.addr = (s2mm_.addr & ~0xffffffffull) | value; break;
    case reg::S2MM_DA_MSB: s2mm_.addr = (s2mm_.addr & 0xffffffffull) | ((uint64_t)value << 32); break;
    case reg::MM2S_LENGTH:
        start(mm2s_, value, cfg_.mm2s_bytes);
        load_word();
        break;
    case reg::S2MM_LENGTH: start(s2mm_, value, cfg_.s2mm_bytes); break;
    default: break;
    }
}

bool DmaModel::mm2s_last() const {
    return mm2s_.busy && mm2s_.pos + cfg_.mm2s_bytes >= mm2s_.length;
}

void DmaModel::mm2s_fire() {
    if (!mm2s_.busy) return;
    mm2s_.pos = std::min<uint32_t>(mm2s_.pos + cfg_.mm2s_bytes, mm2s_.length);
    if (mm2s_.pos >= mm2s_.length) {
        mm2s_.busy = false;
        mm2s_.done_once = true;
        mm2s_.sr |= reg::SR_IOC_IRQ;
        if (!(mm2s_.cr & reg::CR_RS)) mm2s_.sr |= reg::SR_HALTED;
    }
    load_word();
}

void DmaModel::s2mm_fire(const uint8_t *data, bool last) {
    if (!s2mm_.busy) return;
    uint32_t n = std::min<uint32_t>(cfg_.s2mm_bytes, s2mm_.length - s2mm_.pos);
    std::memcpy(mem(s2mm_.addr + s2mm_.pos, n), data, n);
    s2mm_.pos += n;
    if (last) {
        s2mm_.length = s2mm_.pos;  // the bytes actually written
        s2mm_.busy = false;
        s2mm_.done_once = true;
        s2mm_.sr |= reg::SR_IOC_IRQ;
        if (!(s2mm_.cr & reg::CR_RS)) s2mm_.sr |= reg::SR_HALTED;
    } else if (s2mm_.pos >= s2mm_.length) {
        // the buffer is full and the stream did not end: PG021's
        // "S2MM ... without TLAST" internal error
        fail(s2mm_, reg::SR_INT_ERR);
    }
}

}  // namespace tomatl_sim
