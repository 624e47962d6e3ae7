// Behavioural Intel mSGDMA pair (MM2S and S2MM): see msgdma_model.h.
#include "msgdma_model.h"

#include <algorithm>
#include <cstring>

namespace tomatl_sim {

using namespace msgdma;

MsgdmaModel::MsgdmaModel(const DmaConfig &cfg)
    : cfg_(cfg),
      length_mask_(cfg.length_width >= 31 ? 0xffffffffu : (2u << cfg.length_width) - 1u),
      mem_(cfg.mem_bytes, 0),
      word_(std::max(cfg.mm2s_bytes, 1u), 0) {}

uint8_t *MsgdmaModel::mem(uint64_t phys, std::size_t n) {
    if (phys < cfg_.mem_base) return nullptr;
    uint64_t off = phys - cfg_.mem_base;
    if (off > mem_.size() || n > mem_.size() - off) return nullptr;
    return mem_.data() + off;
}

bool MsgdmaModel::running(const Core &c) const {
    return !(c.control & CTL_STOP) && !c.stopped_on_error && !c.stopped_on_early;
}

uint32_t MsgdmaModel::status(const Core &c, bool has_response) const {
    uint32_t st = 0;
    if (c.active || !c.fifo.empty()) st |= ST_BUSY;
    if (c.fifo.empty()) st |= ST_DESC_EMPTY;
    if (c.fifo.size() >= FIFO_DEPTH) st |= ST_DESC_FULL;
    if (!has_response || c.responses.empty()) st |= ST_RESP_EMPTY;
    if (has_response && c.responses.size() >= FIFO_DEPTH) st |= ST_RESP_FULL;
    if (!running(c)) st |= ST_STOPPED;
    if (c.stopped_on_error) st |= ST_STOPPED_ON_ERROR;
    if (c.stopped_on_early) st |= ST_STOPPED_ON_EARLY;
    if (c.irq) st |= ST_IRQ;
    return st;
}

uint32_t MsgdmaModel::read(uint32_t offset) {
    Core *c = offset >= S2MM_CSR ? &s2mm_ : &mm2s_;
    bool s2mm = c == &s2mm_;
    uint32_t base = s2mm ? S2MM_CSR : MM2S_CSR;
    switch (offset - base) {
    case 0x00: return status(*c, s2mm);
    case 0x04: return c->control;
    case 0x08: return s2mm ? (uint32_t)c->fifo.size() << 16 : (uint32_t)c->fifo.size();
    case 0x0c: return (uint32_t)c->responses.size();
    default: break;
    }
    if (offset == S2MM_RESPONSE) return s2mm_.responses.empty() ? 0 : s2mm_.responses.front().bytes;
    if (offset == S2MM_RESPONSE + 4) {
        if (s2mm_.responses.empty()) return 0;
        uint32_t st = s2mm_.responses.front().status;
        s2mm_.responses.pop_front();  // the destructive read
        return st;
    }
    return 0;
}

void MsgdmaModel::control(Core &c, uint32_t value) {
    if (value & CTL_RESET) {
        bool s2mm = &c == &s2mm_;
        c = Core();
        if (!s2mm) load_word();
        return;
    }
    c.control = value & ~CTL_RESET;
}

void MsgdmaModel::descriptor(Core &c, uint32_t offset, uint32_t value) {
    switch (offset) {
    case 0x0: c.staging.read = value; break;
    case 0x4: c.staging.write = value; break;
    case 0x8: c.staging.length = value; break;
    case 0xc:
        c.staging.control = value;
        if (value & DC_GO) {
            if (c.fifo.size() >= FIFO_DEPTH) {
                dropped_++;
            } else {
                Descriptor d = c.staging;
                d.length &= length_mask_;
                c.fifo.push_back(d);
            }
        }
        break;
    default: break;
    }
}

// Start the core's next descriptor when it is idle and may.
void MsgdmaModel::next(Core &c, bool s2mm) {
    while (!c.active && !c.fifo.empty() && running(c) && !(c.control & CTL_STOP_DESCRIPTORS)) {
        Descriptor d = c.fifo.front();
        c.fifo.pop_front();
        unsigned word = s2mm ? cfg_.s2mm_bytes : cfg_.mm2s_bytes;
        uint64_t addr = (s2mm ? d.write : d.read) & ~(uint64_t)(word - 1);
        if (s2mm) d.write = (uint32_t)addr;
        else d.read = (uint32_t)addr;
        if (d.length == 0) {
            if (s2mm) c.responses.push_back({0, 0});
            c.irq = true;
            continue;
        }
        if (!mem(addr, d.length)) {
            c.stopped_on_error = true;
            if (s2mm) c.responses.push_back({0, 1});
            c.irq = true;
            return;
        }
        c.cur = d;
        c.pos = 0;
        c.active = true;
    }
}

void MsgdmaModel::write(uint32_t offset, uint32_t value) {
    if (offset >= MM2S_CSR && offset < MM2S_CSR + 0x20) {
        if (offset == MM2S_CSR + 0x00 && (value & ST_IRQ)) mm2s_.irq = false;
        if (offset == MM2S_CSR + 0x04) control(mm2s_, value);
    } else if (offset >= MM2S_DESC && offset < MM2S_DESC + 0x10) {
        descriptor(mm2s_, offset - MM2S_DESC, value);
    } else if (offset >= S2MM_CSR && offset < S2MM_CSR + 0x20) {
        if (offset == S2MM_CSR + 0x00 && (value & ST_IRQ)) s2mm_.irq = false;
        if (offset == S2MM_CSR + 0x04) control(s2mm_, value);
    } else if (offset >= S2MM_DESC && offset < S2MM_DESC + 0x10) {
        descriptor(s2mm_, offset - S2MM_DESC, value);
    }
    next(mm2s_, false);
    next(s2mm_, true);
    load_word();
}

void MsgdmaModel::load_word() {
    std::fill(word_.begin(), word_.end(), 0);
    if (!mm2s_.active) return;
    uint32_t n = std::min<uint32_t>(cfg_.mm2s_bytes, mm2s_.cur.length - mm2s_.pos);
    std::memcpy(word_.data(), mem(mm2s_.cur.read + mm2s_.pos, n), n);
}

bool MsgdmaModel::mm2s_valid() const { return mm2s_.active && running(mm2s_); }

bool MsgdmaModel::mm2s_last() const {
    return mm2s_.active && (mm2s_.cur.control & DC_GEN_EOP) && mm2s_.pos + cfg_.mm2s_bytes >= mm2s_.cur.length;
}

void MsgdmaModel::mm2s_fire() {
    if (!mm2s_.active) return;
    mm2s_.pos = std::min<uint32_t>(mm2s_.pos + cfg_.mm2s_bytes, mm2s_.cur.length);
    if (mm2s_.pos >= mm2s_.cur.length) {
        mm2s_.active = false;
        mm2s_.irq = true;
        next(mm2s_, false);
    }
    load_word();
}

bool MsgdmaModel::s2mm_ready() const {
    return s2mm_.active && running(s2mm_) && s2mm_.responses.size() < FIFO_DEPTH;
}

void MsgdmaModel::s2mm_fire(const uint8_t *data, bool last) {
    if (!s2mm_.active) return;
    Core &c = s2mm_;
    uint32_t n = std::min<uint32_t>(cfg_.s2mm_bytes, c.cur.length - c.pos);
    std::memcpy(mem(c.cur.write + c.pos, n), data, n);
    c.pos += n;
    bool eop = last && (c.cur.control & DC_END_ON_EOP);
    if (eop) {
        c.responses.push_back({c.pos, 0});
    } else if (c.pos >= c.cur.length) {
        if (c.cur.control & DC_END_ON_EOP) {
            // the packet is longer than the descriptor: early termination
            c.responses.push_back({c.pos, RESP_EARLY});
            if (c.control & CTL_STOP_ON_EARLY) c.stopped_on_early = true;
        } else {
            c.responses.push_back({c.pos, 0});
        }
    } else {
        return;
    }
    c.active = false;
    c.irq = true;
    next(c, true);
}

}  // namespace tomatl_sim
