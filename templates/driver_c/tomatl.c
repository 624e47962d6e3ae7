/* tomatl C driver: see tomatl.h. */
#include "tomatl.h"

#include <string.h>

#include "tomatl_design.h"
#include "tomatl_dma.h"

/* an output flatten with `order: chw` defines these; otherwise the
 * output is delivered in the stream's order */
#ifndef TOMATL_OUT_CHW_H
#define TOMATL_OUT_CHW_H 0u
#define TOMATL_OUT_CHW_W 0u
#define TOMATL_OUT_CHW_C 0u
#endif

static void design_stream(tomatl_stream *s, unsigned tdata_bits, unsigned epb, unsigned beats,
                          unsigned bits, int is_signed, unsigned elems)
{
    s->tdata_bits = tdata_bits;
    s->elems_per_beat = epb;
    s->beats_per_frame = beats;
    s->elem_bits = bits;
    s->is_signed = is_signed;
    s->elems = elems;
    s->chw_h = s->chw_w = s->chw_c = 0;
}

void tomatl_default_config(tomatl_config *cfg)
{
    design_stream(&cfg->in, TOMATL_IN_TDATA_BITS, TOMATL_IN_ELEMS_PER_BEAT, TOMATL_IN_BEATS_PER_FRAME,
                  TOMATL_IN_ELEM_BITS, TOMATL_IN_SIGNED, TOMATL_IN_ELEMS);
    design_stream(&cfg->out, TOMATL_OUT_TDATA_BITS, TOMATL_OUT_ELEMS_PER_BEAT, TOMATL_OUT_BEATS_PER_FRAME,
                  TOMATL_OUT_ELEM_BITS, TOMATL_OUT_SIGNED, TOMATL_OUT_ELEMS);
    cfg->out.chw_h = TOMATL_OUT_CHW_H;
    cfg->out.chw_w = TOMATL_OUT_CHW_W;
    cfg->out.chw_c = TOMATL_OUT_CHW_C;
    cfg->length_width = TOMATL_DMA_LENGTH_WIDTH;
    cfg->timeout_us = TOMATL_TIMEOUT_US;
}

size_t tomatl_frame_bytes(const tomatl_stream *s)
{
    return (size_t)(s->tdata_bits / 8u) * s->beats_per_frame;
}

static int stream_ok(const tomatl_stream *s)
{
    return s->tdata_bits >= 8 && s->tdata_bits % 8 == 0 && s->tdata_bits <= 1024 && s->elem_bits >= 1 &&
           s->elem_bits <= 32 && s->elems_per_beat >= 1 && s->beats_per_frame >= 1 &&
           s->elems_per_beat * s->elem_bits <= s->tdata_bits && s->elems >= 1 &&
           s->elems <= s->elems_per_beat * s->beats_per_frame;
}

int tomatl_open(tomatl_dev *dev, const tomatl_hal *hal, const tomatl_config *cfg)
{
    if (!dev || !hal || !hal->read32 || !hal->write32 || !hal->alloc || !hal->flush || !hal->invalidate)
        return TOMATL_ERR_ARG;
    memset(dev, 0, sizeof *dev);
    dev->hal = *hal;
    if (cfg)
        dev->cfg = *cfg;
    else
        tomatl_default_config(&dev->cfg);
    if (!stream_ok(&dev->cfg.in) || !stream_ok(&dev->cfg.out) || !tomatl_dma_width_ok(dev->cfg.length_width))
        return TOMATL_ERR_ARG;
    return tomatl_dma_reset(dev);
}

void tomatl_close(tomatl_dev *dev)
{
    if (!dev)
        return;
    if (dev->hal.free) {
        if (dev->have_in)
            dev->hal.free(dev->hal.ctx, &dev->in_buf);
        if (dev->have_out)
            dev->hal.free(dev->hal.ctx, &dev->out_buf);
    }
    dev->have_in = dev->have_out = 0;
}

static int transfer(tomatl_dev *d, const tomatl_buffer *in, size_t in_off, const tomatl_buffer *out,
                    size_t out_off, size_t n)
{
    const tomatl_config *c = &d->cfg;
    size_t in_fb = tomatl_frame_bytes(&c->in), out_fb = tomatl_frame_bytes(&c->out);
    uint64_t max_len = ((uint64_t)1 << c->length_width) - 1u;
    uint64_t in_total = (uint64_t)in_fb * n;
    uint64_t in_phys = in->phys + in_off, out_phys = out->phys + out_off;
    size_t k;
    int err;
    if (n == 0)
        return TOMATL_OK;
    if (in_total > max_len || out_fb > max_len)
        return TOMATL_ERR_LENGTH;
    if (in_phys % (c->in.tdata_bits / 8u) || out_phys % (c->out.tdata_bits / 8u))
        return TOMATL_ERR_ALIGN;
    if (in_off > in->bytes || in_total > in->bytes - in_off || out_off > out->bytes ||
        (uint64_t)out_fb * n > out->bytes - out_off)
        return TOMATL_ERR_ARG;
    if (tomatl_dma_stopped(d)) {
        if ((err = tomatl_dma_reset(d)) != TOMATL_OK)
            return err;
    }
    d->hal.flush(d->hal.ctx, in, in_off, (size_t)in_total);
    /* no dirty line of the output may be written back over the DMA's data */
    d->hal.flush(d->hal.ctx, out, out_off, out_fb * n);
    /* S2MM first: the accelerator's first output beat must find it armed */
    tomatl_dma_s2mm_arm(d, out_phys, (uint32_t)out_fb);
    tomatl_dma_mm2s_start(d, in_phys, (uint32_t)in_total);
    for (k = 0; k < n; k++) {
        uint32_t got = 0;
        if ((err = tomatl_dma_s2mm_wait(d, &got)) != TOMATL_OK)
            return err;
        if (got != out_fb) {
            d->last_length = got;
            return TOMATL_ERR_SHORT_FRAME;
        }
        if (k + 1 < n)
            tomatl_dma_s2mm_arm(d, out_phys + (k + 1) * out_fb, (uint32_t)out_fb);
    }
    if ((err = tomatl_dma_mm2s_wait(d)) != TOMATL_OK)
        return err;
    d->hal.invalidate(d->hal.ctx, out, out_off, out_fb * n);
    return TOMATL_OK;
}

int tomatl_run_buffers(tomatl_dev *dev, const tomatl_buffer *in, size_t in_off, const tomatl_buffer *out,
                       size_t out_off, size_t n_frames)
{
    int err;
    if (!dev || !in || !out)
        return TOMATL_ERR_ARG;
    err = transfer(dev, in, in_off, out, out_off, n_frames);
    if (err != TOMATL_OK && err != TOMATL_ERR_LENGTH && err != TOMATL_ERR_ALIGN && err != TOMATL_ERR_ARG)
        (void)tomatl_dma_reset(dev); /* leave the DMA ready for the next run */
    return err;
}

static int ensure(tomatl_dev *d, tomatl_buffer *b, int *have, size_t bytes)
{
    if (*have && b->bytes >= bytes)
        return TOMATL_OK;
    if (*have && d->hal.free)
        d->hal.free(d->hal.ctx, b);
    *have = 0;
    if (d->hal.alloc(d->hal.ctx, bytes, b) != 0)
        return TOMATL_ERR_NOMEM;
    *have = 1;
    return TOMATL_OK;
}

int tomatl_run(tomatl_dev *dev, const int64_t *in_codes, size_t n_frames, int64_t *out_codes)
{
    size_t in_bytes, out_bytes;
    int err;
    if (!dev || (n_frames && (!in_codes || !out_codes)))
        return TOMATL_ERR_ARG;
    if (n_frames == 0)
        return TOMATL_OK;
    in_bytes = tomatl_frame_bytes(&dev->cfg.in) * n_frames;
    out_bytes = tomatl_frame_bytes(&dev->cfg.out) * n_frames;
    if (in_bytes >> dev->cfg.length_width)
        return TOMATL_ERR_LENGTH;
    if ((err = ensure(dev, &dev->in_buf, &dev->have_in, in_bytes)) != TOMATL_OK ||
        (err = ensure(dev, &dev->out_buf, &dev->have_out, out_bytes)) != TOMATL_OK)
        return err;
    if ((err = tomatl_pack(&dev->cfg.in, in_codes, n_frames, (uint8_t *)dev->in_buf.virt)) != TOMATL_OK)
        return err;
    if ((err = tomatl_run_buffers(dev, &dev->in_buf, 0, &dev->out_buf, 0, n_frames)) != TOMATL_OK)
        return err;
    tomatl_unpack(&dev->cfg.out, (const uint8_t *)dev->out_buf.virt, n_frames, out_codes);
    return TOMATL_OK;
}

int tomatl_pack(const tomatl_stream *s, const int64_t *codes, size_t n_frames, uint8_t *bytes)
{
    size_t wb = s->tdata_bits / 8u, f;
    int64_t lo = s->is_signed ? -((int64_t)1 << (s->elem_bits - 1)) : 0;
    int64_t hi = s->is_signed ? ((int64_t)1 << (s->elem_bits - 1)) - 1 : ((int64_t)1 << s->elem_bits) - 1;
    uint64_t mask = ((uint64_t)1 << s->elem_bits) - 1u;
    if (!stream_ok(s))
        return TOMATL_ERR_ARG;
    memset(bytes, 0, tomatl_frame_bytes(s) * n_frames);
    for (f = 0; f < n_frames; f++) {
        unsigned e;
        for (e = 0; e < s->elems; e++) {
            int64_t c = codes[f * s->elems + e];
            uint8_t *beat = bytes + (f * s->beats_per_frame + e / s->elems_per_beat) * wb;
            unsigned pos = (e % s->elems_per_beat) * s->elem_bits, left = s->elem_bits;
            uint64_t v;
            if (c < lo || c > hi)
                return TOMATL_ERR_RANGE;
            v = (uint64_t)c & mask;
            while (left) {
                unsigned sh = pos % 8u, take = 8u - sh < left ? 8u - sh : left;
                beat[pos / 8u] |= (uint8_t)((v & ((1u << take) - 1u)) << sh);
                v >>= take;
                pos += take;
                left -= take;
            }
        }
    }
    return TOMATL_OK;
}

void tomatl_unpack(const tomatl_stream *s, const uint8_t *bytes, size_t n_frames, int64_t *codes)
{
    size_t wb = s->tdata_bits / 8u, f;
    for (f = 0; f < n_frames; f++) {
        unsigned e;
        for (e = 0; e < s->elems; e++) {
            const uint8_t *beat = bytes + (f * s->beats_per_frame + e / s->elems_per_beat) * wb;
            unsigned pos = (e % s->elems_per_beat) * s->elem_bits, got = 0;
            uint64_t v = 0;
            while (got < s->elem_bits) {
                unsigned sh = pos % 8u, take = 8u - sh < s->elem_bits - got ? 8u - sh : s->elem_bits - got;
                v |= (uint64_t)((beat[pos / 8u] >> sh) & ((1u << take) - 1u)) << got;
                pos += take;
                got += take;
            }
            if (s->is_signed && (v >> (s->elem_bits - 1)) & 1u)
                v |= ~(((uint64_t)1 << s->elem_bits) - 1u);
            if (s->chw_c) /* stream element (pixel p, channel ch) to ch*h*w + p */
                codes[f * s->elems + (e % s->chw_c) * s->chw_h * s->chw_w + e / s->chw_c] = (int64_t)v;
            else
                codes[f * s->elems + e] = (int64_t)v;
        }
    }
}

uint32_t tomatl_read_reg(tomatl_dev *dev, uint32_t offset)
{
    return dev->hal.read32(dev->hal.ctx, TOMATL_REGION_ACCEL, offset);
}

void tomatl_write_reg(tomatl_dev *dev, uint32_t offset, uint32_t value)
{
    dev->hal.write32(dev->hal.ctx, TOMATL_REGION_ACCEL, offset, value);
}

int tomatl_check_id(tomatl_dev *dev)
{
    if (tomatl_read_reg(dev, TOMATL_REG_ID) != TOMATL_REG_ID_VALUE)
        return TOMATL_ERR_ID;
    if (tomatl_read_reg(dev, TOMATL_REG_NET_HASH) != TOMATL_NET_HASH)
        return TOMATL_ERR_ID;
    return TOMATL_OK;
}

static const struct {
    int code;
    const char *name, *text;
} errors[] = {
    {TOMATL_OK, "TOMATL_OK", "success"},
    {TOMATL_ERR_TIMEOUT, "TOMATL_ERR_TIMEOUT",
     "timeout: a DMA transfer did not finish (no output frame: a wrong input length or a stalled accelerator)"},
    {TOMATL_ERR_DMA_INTERNAL, "TOMATL_ERR_DMA_INTERNAL",
     "DMA internal error (AXI DMA: MM2S DMASR DMAIntErr, a LENGTH of 0 or beyond c_sg_length_width, or an unaligned "
     "address; mSGDMA: an error bit in S2MM's response, or a dispatcher that would not start)"},
    {TOMATL_ERR_DMA_SLAVE, "TOMATL_ERR_DMA_SLAVE", "DMA slave error (DMASR DMASlvErr: the memory answered SLVERR)"},
    {TOMATL_ERR_DMA_DECODE, "TOMATL_ERR_DMA_DECODE",
     "DMA decode error (DMASR DMADecErr: no memory at the buffer's address; check the address map and HP port)"},
    {TOMATL_ERR_LENGTH, "TOMATL_ERR_LENGTH",
     "transfer too long for the DMA's length register (2^length_width bytes or more: the AXI DMA's "
     "c_sg_length_width, build with 26; the mSGDMA's MAX_BYTE is 2^length_width)"},
    {TOMATL_ERR_ALIGN, "TOMATL_ERR_ALIGN", "buffer not aligned to the stream word (the DMA has no realignment engine)"},
    {TOMATL_ERR_SHORT_FRAME, "TOMATL_ERR_SHORT_FRAME", "short output frame: TLAST (end of packet) before the frame's last beat"},
    {TOMATL_ERR_LONG_FRAME, "TOMATL_ERR_LONG_FRAME",
     "long output frame: no TLAST (end of packet) at the frame's last beat (AXI DMA: S2MM DMAIntErr; mSGDMA: early "
     "termination in S2MM's response)"},
    {TOMATL_ERR_RANGE, "TOMATL_ERR_RANGE", "an input code outside the input type's range"},
    {TOMATL_ERR_ARG, "TOMATL_ERR_ARG", "bad argument or stream geometry"},
    {TOMATL_ERR_NOMEM, "TOMATL_ERR_NOMEM", "no DMA buffer of that size"},
    {TOMATL_ERR_HAL, "TOMATL_ERR_HAL", "the platform (HAL) could not be opened"},
    {TOMATL_ERR_ID, "TOMATL_ERR_ID", "the ID or NET_HASH register is not this design's (wrong bitstream?)"},
    {TOMATL_ERR_BRIDGE, "TOMATL_ERR_BRIDGE",
     "an HPS-FPGA bridge is disabled (/sys/class/fpga_bridge/*/state): enable the bridges after loading the "
     "bitstream"},
};

const char *tomatl_strerror(int err)
{
    size_t i;
    for (i = 0; i < sizeof errors / sizeof errors[0]; i++)
        if (errors[i].code == err)
            return errors[i].text;
    return "unknown error";
}

const char *tomatl_errname(int err)
{
    size_t i;
    for (i = 0; i < sizeof errors / sizeof errors[0]; i++)
        if (errors[i].code == err)
            return errors[i].name;
    return "TOMATL_ERR_UNKNOWN";
}
