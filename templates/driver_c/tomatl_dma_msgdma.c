/* tomatl C driver, DMA back end: Intel's Modular Scatter-Gather DMA
 * (mSGDMA) as two cores, memory to stream (MM2S, frames into the
 * accelerator) and stream to memory (S2MM, results out), packets enabled,
 * standard descriptors, S2MM's response port memory-mapped. See
 * tomatl_dma.h; the offsets of the five register windows inside
 * TOMATL_REGION_DMA come from tomatl_design.h.
 *
 * Per core (Embedded Peripherals IP User Guide, "Modular Scatter-Gather
 * DMA"): the dispatcher's CSR (status at 0x00, control at 0x04, fill
 * levels), the descriptor slave (read address, write address, length,
 * control: a descriptor is committed when its control word is written
 * with GO) and, on S2MM, the response slave (actual bytes transferred at
 * 0x00; error bits 7:0 and early termination bit 8 at 0x04, whose read
 * pops the response).
 *
 * MM2S sends all input frames as one packet (generate SOP and EOP); S2MM
 * takes one output frame per descriptor, its length the frame's bytes,
 * ended by the stream's end of packet (end on EOP). A frame that ends
 * early shows as fewer actual bytes; one that fills the descriptor
 * without its end of packet as early termination (long frame).
 */
#include "tomatl_dma.h"
#include "tomatl_design.h"

/* CSR */
#define CSR_STATUS 0x00u
#define CSR_CONTROL 0x04u
#define ST_BUSY (1u << 0)
#define ST_DESC_EMPTY (1u << 1)
#define ST_RESP_EMPTY (1u << 3)
#define ST_STOPPED (1u << 5)
#define ST_RESETTING (1u << 6)
#define ST_STOPPED_ON_ERROR (1u << 7)
#define ST_STOPPED_ON_EARLY (1u << 8)
#define ST_IRQ (1u << 9)
#define CTL_RESET (1u << 1)
#define CTL_STOP_ON_ERROR (1u << 2)
#define CTL_STOP_ON_EARLY (1u << 3)
/* standard descriptor */
#define DESC_READ 0x00u
#define DESC_WRITE 0x04u
#define DESC_LENGTH 0x08u
#define DESC_CONTROL 0x0cu
#define DC_GEN_SOP (1u << 8)
#define DC_GEN_EOP (1u << 9)
#define DC_END_ON_EOP (1u << 12)
#define DC_GO (1u << 31)
/* response */
#define RESP_BYTES 0x00u
#define RESP_STATUS 0x04u
#define RESP_ERROR 0xffu
#define RESP_EARLY (1u << 8)

#define MM2S_CSR TOMATL_MSGDMA_MM2S_CSR
#define MM2S_DESC TOMATL_MSGDMA_MM2S_DESC
#define S2MM_CSR TOMATL_MSGDMA_S2MM_CSR
#define S2MM_DESC TOMATL_MSGDMA_S2MM_DESC
#define S2MM_RESP TOMATL_MSGDMA_S2MM_RESPONSE

const char tomatl_dma_name[] = "mSGDMA";

int tomatl_dma_width_ok(unsigned length_width)
{
    return length_width >= 10 && length_width <= 31; /* MAX_BYTE 1 KiB .. 2 GiB */
}

int tomatl_dma_reset(tomatl_dev *d)
{
    int i;
    uint32_t ctl = CTL_STOP_ON_ERROR | CTL_STOP_ON_EARLY;
    tomatl_dma_wr(d, MM2S_CSR + CSR_CONTROL, CTL_RESET);
    tomatl_dma_wr(d, S2MM_CSR + CSR_CONTROL, CTL_RESET);
    for (i = 0; i < 100000; i++) {
        if (!((tomatl_dma_rd(d, MM2S_CSR + CSR_STATUS) | tomatl_dma_rd(d, S2MM_CSR + CSR_STATUS)) & ST_RESETTING))
            break;
    }
    if (i == 100000)
        return TOMATL_ERR_TIMEOUT;
    tomatl_dma_wr(d, MM2S_CSR + CSR_CONTROL, ctl);
    tomatl_dma_wr(d, S2MM_CSR + CSR_CONTROL, ctl);
    tomatl_dma_wr(d, MM2S_CSR + CSR_STATUS, ST_IRQ);
    tomatl_dma_wr(d, S2MM_CSR + CSR_STATUS, ST_IRQ);
    if ((tomatl_dma_rd(d, MM2S_CSR + CSR_STATUS) | tomatl_dma_rd(d, S2MM_CSR + CSR_STATUS)) &
        (ST_STOPPED | ST_STOPPED_ON_ERROR | ST_STOPPED_ON_EARLY))
        return TOMATL_ERR_DMA_INTERNAL;
    return TOMATL_OK;
}

/* Stopped, still busy, or holding descriptors or responses of an earlier
 * run: not ready for a new one. */
static int not_ready(uint32_t st)
{
    return (st & (ST_STOPPED | ST_STOPPED_ON_ERROR | ST_STOPPED_ON_EARLY | ST_BUSY)) || !(st & ST_DESC_EMPTY) ||
           !(st & ST_RESP_EMPTY);
}

int tomatl_dma_stopped(tomatl_dev *d)
{
    uint32_t mm2s = tomatl_dma_rd(d, MM2S_CSR + CSR_STATUS);
    /* MM2S has no response port: its "response buffer" reads empty */
    return not_ready(mm2s | ST_RESP_EMPTY) || not_ready(tomatl_dma_rd(d, S2MM_CSR + CSR_STATUS));
}

static void descriptor(tomatl_dev *d, uint32_t at, uint64_t rd, uint64_t wr, uint32_t bytes, uint32_t control)
{
    tomatl_dma_wr(d, at + DESC_READ, (uint32_t)rd);
    tomatl_dma_wr(d, at + DESC_WRITE, (uint32_t)wr);
    tomatl_dma_wr(d, at + DESC_LENGTH, bytes);
    tomatl_dma_wr(d, at + DESC_CONTROL, control | DC_GO); /* commits it */
}

void tomatl_dma_mm2s_start(tomatl_dev *d, uint64_t phys, uint32_t bytes)
{
    descriptor(d, MM2S_DESC, phys, 0, bytes, DC_GEN_SOP | DC_GEN_EOP);
}

void tomatl_dma_s2mm_arm(tomatl_dev *d, uint64_t phys, uint32_t bytes)
{
    descriptor(d, S2MM_DESC, 0, phys, bytes, DC_END_ON_EOP);
}

static int timed_out(tomatl_dev *d, uint64_t t0, uint64_t polls)
{
    return tomatl_dma_now(d, polls) - t0 > d->cfg.timeout_us;
}

int tomatl_dma_s2mm_wait(tomatl_dev *d, uint32_t *got)
{
    uint64_t polls = 0, t0 = tomatl_dma_now(d, 0);
    for (;;) {
        uint32_t st = tomatl_dma_rd(d, S2MM_CSR + CSR_STATUS);
        if (!(st & ST_RESP_EMPTY)) {
            /* the bytes first: reading the status word pops the response */
            uint32_t bytes = tomatl_dma_rd(d, S2MM_RESP + RESP_BYTES);
            uint32_t rs = tomatl_dma_rd(d, S2MM_RESP + RESP_STATUS);
            tomatl_dma_wr(d, S2MM_CSR + CSR_STATUS, ST_IRQ);
            d->last_dmasr = st;
            d->last_length = bytes;
            if (rs & RESP_EARLY)
                return TOMATL_ERR_LONG_FRAME;
            if (rs & RESP_ERROR)
                return TOMATL_ERR_DMA_INTERNAL;
            *got = bytes;
            return TOMATL_OK;
        }
        polls++;
        if (timed_out(d, t0, polls)) {
            d->last_dmasr = st;
            d->last_length = 0;
            return TOMATL_ERR_TIMEOUT;
        }
    }
}

int tomatl_dma_mm2s_wait(tomatl_dev *d)
{
    uint64_t polls = 0, t0 = tomatl_dma_now(d, 0);
    for (;;) {
        uint32_t st = tomatl_dma_rd(d, MM2S_CSR + CSR_STATUS);
        if (!(st & ST_BUSY) && (st & ST_DESC_EMPTY)) {
            tomatl_dma_wr(d, MM2S_CSR + CSR_STATUS, ST_IRQ);
            return TOMATL_OK;
        }
        polls++;
        if (timed_out(d, t0, polls)) {
            d->last_dmasr = st;
            d->last_length = 0;
            return TOMATL_ERR_TIMEOUT;
        }
    }
}
