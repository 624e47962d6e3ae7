/* tomatl C driver: the DMA back end tomatl.c runs frames through.
 *
 * One back end per DMA, chosen by the package (tomatl_design.h names it,
 * and the package holds only its file): tomatl_dma_axi.c, Xilinx's AXI DMA
 * in simple mode (PG021), one IP with both channels; tomatl_dma_msgdma.c,
 * Intel's two mSGDMAs (memory to stream, stream to memory, with the
 * stream-to-memory one's memory-mapped response port). Both reach their
 * registers through TOMATL_REGION_DMA of the HAL.
 *
 * A run is: reset (when a channel stopped), arm S2MM for one output frame,
 * start MM2S on every input frame at once, wait for each output frame
 * (bytes written and errors), arm the next, then wait for MM2S.
 */
#ifndef TOMATL_DMA_H
#define TOMATL_DMA_H

#include "tomatl.h"

/* The DMA's name, for messages ("AXI DMA", "mSGDMA"). */
extern const char tomatl_dma_name[];

/* Whether `length_width` is one the DMA can have (tomatl_config). */
int tomatl_dma_width_ok(unsigned length_width);

/* Reset both channels and leave them ready for descriptors or lengths. */
int tomatl_dma_reset(tomatl_dev *d);

/* Whether a channel stopped (after an error) and needs tomatl_dma_reset. */
int tomatl_dma_stopped(tomatl_dev *d);

/* Start the memory-to-stream transfer of [phys, phys + bytes). */
void tomatl_dma_mm2s_start(tomatl_dev *d, uint64_t phys, uint32_t bytes);

/* Arm the stream-to-memory transfer of at most `bytes` into phys, ended
 * by the stream's end of frame. */
void tomatl_dma_s2mm_arm(tomatl_dev *d, uint64_t phys, uint32_t bytes);

/* Wait for the armed stream-to-memory transfer: TOMATL_OK with the bytes
 * written in *got, or an error (TOMATL_ERR_LONG_FRAME when the frame did
 * not end within the buffer, TOMATL_ERR_TIMEOUT, a DMA error); MM2S is
 * watched for errors meanwhile. On an error d->last_dmasr and
 * d->last_length hold the failing channel's status and length. */
int tomatl_dma_s2mm_wait(tomatl_dev *d, uint32_t *got);

/* Wait until the memory-to-stream transfer is done. */
int tomatl_dma_mm2s_wait(tomatl_dev *d);

/* Polls and microseconds for the waits' timeouts. */
static inline uint64_t tomatl_dma_now(tomatl_dev *d, uint64_t polls)
{
    return d->hal.now_us ? d->hal.now_us(d->hal.ctx) : polls;
}

static inline uint32_t tomatl_dma_rd(tomatl_dev *d, uint32_t off)
{
    return d->hal.read32(d->hal.ctx, TOMATL_REGION_DMA, off);
}

static inline void tomatl_dma_wr(tomatl_dev *d, uint32_t off, uint32_t v)
{
    d->hal.write32(d->hal.ctx, TOMATL_REGION_DMA, off, v);
}

#endif
