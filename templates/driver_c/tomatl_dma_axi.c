/* tomatl C driver, DMA back end: Xilinx's AXI DMA in simple (direct
 * register) mode, PG021. See tomatl_dma.h. */
#include "tomatl_dma.h"

/* AXI DMA registers (PG021, simple mode) */
#define DMA_MM2S_DMACR 0x00u
#define DMA_MM2S_DMASR 0x04u
#define DMA_MM2S_SA 0x18u
#define DMA_MM2S_LENGTH 0x28u
#define DMA_S2MM_DMACR 0x30u
#define DMA_S2MM_DMASR 0x34u
#define DMA_S2MM_DA 0x48u
#define DMA_S2MM_LENGTH 0x58u
#define DMACR_RS 0x1u
#define DMACR_RESET 0x4u
#define DMASR_HALTED 0x1u
#define DMASR_IDLE 0x2u
#define DMASR_INT_ERR 0x10u
#define DMASR_SLV_ERR 0x20u
#define DMASR_DEC_ERR 0x40u
#define DMASR_ERRORS (DMASR_INT_ERR | DMASR_SLV_ERR | DMASR_DEC_ERR)
#define DMASR_IRQS 0x7000u

const char tomatl_dma_name[] = "AXI DMA";

int tomatl_dma_width_ok(unsigned length_width)
{
    return length_width >= 8 && length_width <= 26; /* c_sg_length_width */
}

int tomatl_dma_reset(tomatl_dev *d)
{
    int i;
    tomatl_dma_wr(d, DMA_MM2S_DMACR, DMACR_RESET);
    for (i = 0; i < 100000; i++) {
        if (!(tomatl_dma_rd(d, DMA_MM2S_DMACR) & DMACR_RESET) && !(tomatl_dma_rd(d, DMA_S2MM_DMACR) & DMACR_RESET))
            break;
    }
    if (i == 100000)
        return TOMATL_ERR_TIMEOUT;
    tomatl_dma_wr(d, DMA_MM2S_DMACR, DMACR_RS);
    tomatl_dma_wr(d, DMA_S2MM_DMACR, DMACR_RS);
    if ((tomatl_dma_rd(d, DMA_MM2S_DMASR) | tomatl_dma_rd(d, DMA_S2MM_DMASR)) & DMASR_HALTED)
        return TOMATL_ERR_DMA_INTERNAL;
    return TOMATL_OK;
}

int tomatl_dma_stopped(tomatl_dev *d)
{
    return ((tomatl_dma_rd(d, DMA_MM2S_DMASR) | tomatl_dma_rd(d, DMA_S2MM_DMASR)) & (DMASR_HALTED | DMASR_ERRORS)) !=
           0;
}

static int channel_error(uint32_t sr, int s2mm)
{
    if (sr & DMASR_DEC_ERR)
        return TOMATL_ERR_DMA_DECODE;
    if (sr & DMASR_SLV_ERR)
        return TOMATL_ERR_DMA_SLAVE;
    if (sr & DMASR_INT_ERR)
        return s2mm ? TOMATL_ERR_LONG_FRAME : TOMATL_ERR_DMA_INTERNAL;
    return TOMATL_OK;
}

/* Wait until a channel is idle (s2mm: S2MM, watching MM2S for errors
 * meanwhile; else MM2S). */
static int wait_idle(tomatl_dev *d, int s2mm)
{
    uint64_t polls = 0, t0 = tomatl_dma_now(d, 0);
    for (;;) {
        uint32_t mm2s = tomatl_dma_rd(d, DMA_MM2S_DMASR);
        uint32_t s = s2mm ? tomatl_dma_rd(d, DMA_S2MM_DMASR) : mm2s;
        int err = channel_error(mm2s, 0);
        if (err) {
            d->last_dmasr = mm2s;
            d->last_length = tomatl_dma_rd(d, DMA_MM2S_LENGTH);
            return err;
        }
        if (s2mm && (err = channel_error(s, 1)) != TOMATL_OK) {
            d->last_dmasr = s;
            d->last_length = tomatl_dma_rd(d, DMA_S2MM_LENGTH);
            return err;
        }
        if (s & DMASR_IDLE) {
            tomatl_dma_wr(d, s2mm ? DMA_S2MM_DMASR : DMA_MM2S_DMASR, DMASR_IRQS);
            return TOMATL_OK;
        }
        polls++;
        if (tomatl_dma_now(d, polls) - t0 > d->cfg.timeout_us) {
            d->last_dmasr = s;
            d->last_length = tomatl_dma_rd(d, s2mm ? DMA_S2MM_LENGTH : DMA_MM2S_LENGTH);
            return TOMATL_ERR_TIMEOUT;
        }
    }
}

static void arm(tomatl_dev *d, uint32_t addr_off, uint64_t phys, uint32_t len_off, uint32_t len)
{
    tomatl_dma_wr(d, addr_off, (uint32_t)phys);
    tomatl_dma_wr(d, addr_off + 4u, (uint32_t)(phys >> 32));
    tomatl_dma_wr(d, len_off, len);
}

void tomatl_dma_mm2s_start(tomatl_dev *d, uint64_t phys, uint32_t bytes)
{
    arm(d, DMA_MM2S_SA, phys, DMA_MM2S_LENGTH, bytes);
}

void tomatl_dma_s2mm_arm(tomatl_dev *d, uint64_t phys, uint32_t bytes)
{
    arm(d, DMA_S2MM_DA, phys, DMA_S2MM_LENGTH, bytes);
}

int tomatl_dma_s2mm_wait(tomatl_dev *d, uint32_t *got)
{
    int err = wait_idle(d, 1);
    if (err != TOMATL_OK)
        return err;
    /* on completion S2MM's LENGTH reads the bytes written */
    *got = tomatl_dma_rd(d, DMA_S2MM_LENGTH);
    d->last_dmasr = tomatl_dma_rd(d, DMA_S2MM_DMASR);
    d->last_length = *got;
    return TOMATL_OK;
}

int tomatl_dma_mm2s_wait(tomatl_dev *d)
{
    return wait_idle(d, 0);
}
