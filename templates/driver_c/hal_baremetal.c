/* tomatl HAL for bare metal (Xilinx standalone BSP): registers with
 * Xil_In32 / Xil_Out32 at TOMATL_DMA_PHYS and TOMATL_ACCEL_PHYS (or the
 * xparameters.h addresses, when the application defines TOMATL_DMA_PHYS
 * and TOMATL_ACCEL_PHYS from them before including tomatl_design.h),
 * buffers from a static pool (physical = virtual), cache maintenance with
 * Xil_DCacheFlushRange / Xil_DCacheInvalidateRange. Timeouts count polls.
 */
#include "tomatl.h"
#include "tomatl_design.h"
#include "xil_cache.h"
#include "xil_io.h"

#ifndef TOMATL_BAREMETAL_POOL_BYTES
#define TOMATL_BAREMETAL_POOL_BYTES (1u << 20)
#endif

static unsigned char pool[TOMATL_BAREMETAL_POOL_BYTES] __attribute__((aligned(64)));
static size_t pool_next;

static UINTPTR base(int region)
{
    return region == TOMATL_REGION_DMA ? (UINTPTR)TOMATL_DMA_PHYS : (UINTPTR)TOMATL_ACCEL_PHYS;
}

static uint32_t bm_read32(void *ctx, int region, uint32_t off)
{
    (void)ctx;
    return Xil_In32(base(region) + off);
}

static void bm_write32(void *ctx, int region, uint32_t off, uint32_t v)
{
    (void)ctx;
    Xil_Out32(base(region) + off, v);
}

static int bm_alloc(void *ctx, size_t bytes, tomatl_buffer *b)
{
    /* cache lines of 64 bytes: a buffer shares none with another */
    size_t at = (pool_next + 63u) & ~(size_t)63u, len = (bytes + 63u) & ~(size_t)63u;
    (void)ctx;
    if (bytes == 0 || at > sizeof pool || len > sizeof pool - at)
        return -1;
    pool_next = at + len;
    b->virt = pool + at;
    b->phys = (uint64_t)(UINTPTR)(pool + at);
    b->bytes = bytes;
    return 0;
}

static void bm_free(void *ctx, tomatl_buffer *b)
{
    (void)ctx;
    if ((unsigned char *)b->virt + ((b->bytes + 63u) & ~(size_t)63u) == pool + pool_next)
        pool_next = (size_t)((unsigned char *)b->virt - pool);
    b->virt = 0;
}

static void bm_flush(void *ctx, const tomatl_buffer *b, size_t off, size_t bytes)
{
    (void)ctx;
    Xil_DCacheFlushRange((INTPTR)((unsigned char *)b->virt + off), (u32)bytes);
}

static void bm_invalidate(void *ctx, const tomatl_buffer *b, size_t off, size_t bytes)
{
    (void)ctx;
    Xil_DCacheInvalidateRange((INTPTR)((unsigned char *)b->virt + off), (u32)bytes);
}

int tomatl_hal_default_open(tomatl_hal *hal)
{
    hal->ctx = 0;
    hal->read32 = bm_read32;
    hal->write32 = bm_write32;
    hal->alloc = bm_alloc;
    hal->free = bm_free;
    hal->flush = bm_flush;
    hal->invalidate = bm_invalidate;
    hal->now_us = 0;
    hal->close = 0;
    return TOMATL_OK;
}
