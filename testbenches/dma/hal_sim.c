/* The tomatl HAL over the simulated system (tomatl_sim.h): the stand-in
 * for the Linux kernel's UIO and u-dma-buf in the driver tests. Registers
 * go to the behavioural DMA and the Verilated accelerator, buffers come
 * from the simulated DMA memory, flush and invalidate drive its modelled
 * cache, and time is simulated time (so timeouts are deterministic).
 *
 * HAL_SIM_SKIP_FLUSH=1 / HAL_SIM_SKIP_INVALIDATE=1 in the environment
 * drop the cache maintenance, to show that a driver without it fails.
 *
 * Built with -DTOMATL_SIM_MSGDMA against an Intel SoC package, it opens
 * as the DE10-Nano's Linux HAL does: the FPGA bridges are checked first
 * (tomatl_check_bridges, under TOMATL_FPGA_BRIDGE_ROOT: a fake sysfs tree
 * in the tests), then the registers are the lightweight bridge's.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tomatl.h"
#include "tomatl_design.h"
#include "tomatl_sim.h"

static int skip_flush, skip_invalidate;

static uint32_t base(int region)
{
    return region == TOMATL_REGION_DMA ? SIM_DMA_BASE : SIM_ACCEL_BASE;
}

static uint32_t hs_read32(void *ctx, int region, uint32_t off)
{
    (void)ctx;
    return sim_read32(base(region) + off);
}

static void hs_write32(void *ctx, int region, uint32_t off, uint32_t v)
{
    (void)ctx;
    sim_write32(base(region) + off, v);
}

static int hs_alloc(void *ctx, size_t bytes, tomatl_buffer *b)
{
    uint64_t phys = 0;
    void *p = sim_alloc(bytes, &phys);
    (void)ctx;
    if (!p)
        return -1;
    b->virt = p;
    b->phys = phys;
    b->bytes = bytes;
    return 0;
}

static void hs_free(void *ctx, tomatl_buffer *b)
{
    (void)ctx;
    b->virt = NULL;
}

static void hs_flush(void *ctx, const tomatl_buffer *b, size_t off, size_t bytes)
{
    (void)ctx;
    if (!skip_flush)
        sim_flush(b->phys + off, bytes);
}

static void hs_invalidate(void *ctx, const tomatl_buffer *b, size_t off, size_t bytes)
{
    (void)ctx;
    if (!skip_invalidate)
        sim_invalidate(b->phys + off, bytes);
}

static uint64_t hs_now_us(void *ctx)
{
    (void)ctx;
    return sim_time_us();
}

static void hs_close(void *ctx)
{
    (void)ctx;
    if (sim_faults())
        fprintf(stderr, "hal_sim: %u bad register accesses\n", sim_faults());
    sim_close();
}

int tomatl_hal_default_open(tomatl_hal *hal)
{
    const char *f = getenv("HAL_SIM_SKIP_FLUSH"), *i = getenv("HAL_SIM_SKIP_INVALIDATE");
    skip_flush = f && *f == '1';
    skip_invalidate = i && *i == '1';
#ifdef TOMATL_FPGA_BRIDGES
    {
        int err = tomatl_check_bridges(TOMATL_FPGA_BRIDGES);
        if (err != TOMATL_OK)
            return err;
    }
#endif
    if (sim_open() != 0) {
        fprintf(stderr, "hal_sim: sim_open failed (TOMATL_SIM_LENGTH_WIDTH out of the DMA's range)\n");
        return TOMATL_ERR_HAL;
    }
    hal->ctx = NULL;
    hal->read32 = hs_read32;
    hal->write32 = hs_write32;
    hal->alloc = hs_alloc;
    hal->free = hs_free;
    hal->flush = hs_flush;
    hal->invalidate = hs_invalidate;
    hal->now_us = hs_now_us;
    hal->close = hs_close;
    return TOMATL_OK;
}
