/* tomatl C driver: the hardware abstraction it runs over.
 *
 * Two register windows (the DMA's and the accelerator's AXI4-Lite status
 * registers) and DMA buffers with a physical address. One HAL per
 * platform: hal_linux.c (UIO and u-dma-buf, else /dev/mem; on the Intel
 * SoC after tomatl_check_bridges), hal_baremetal.c (Xilinx standalone
 * BSP). Every HAL also provides tomatl_hal_default_open,
 * the platform's defaults, which tomatl_selftest uses.
 */
#ifndef TOMATL_HAL_H
#define TOMATL_HAL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The register windows. */
enum tomatl_region {
    TOMATL_REGION_DMA = 0,   /* the AXI DMA (PG021), or the mSGDMAs' windows
                                (TOMATL_MSGDMA_* offsets in it) */
    TOMATL_REGION_ACCEL = 1  /* the accelerator's AXI4-Lite slave */
};

/* A DMA buffer: the CPU's pointer and the address the DMA uses. */
typedef struct tomatl_buffer {
    void *virt;
    uint64_t phys;
    size_t bytes;
} tomatl_buffer;

typedef struct tomatl_hal {
    void *ctx;
    uint32_t (*read32)(void *ctx, int region, uint32_t offset);
    void (*write32)(void *ctx, int region, uint32_t offset, uint32_t value);
    /* 0 on success; buffers are at least 64-byte aligned */
    int (*alloc)(void *ctx, size_t bytes, tomatl_buffer *buf);
    void (*free)(void *ctx, tomatl_buffer *buf);
    /* CPU writes -> memory, before the DMA reads [off, off + bytes) */
    void (*flush)(void *ctx, const tomatl_buffer *buf, size_t off, size_t bytes);
    /* memory -> CPU, after the DMA wrote [off, off + bytes) */
    void (*invalidate)(void *ctx, const tomatl_buffer *buf, size_t off, size_t bytes);
    /* microseconds of a monotonic clock; NULL: timeouts count polls */
    uint64_t (*now_us)(void *ctx);
    void (*close)(void *ctx);
} tomatl_hal;

/* The platform's default HAL (each hal_*.c defines it); 0 on success,
 * otherwise a TOMATL_ERR_* code, with a message on stderr. */
int tomatl_hal_default_open(tomatl_hal *hal);

/* Intel SoC (tomatl_bridges.c): every bridge of the space-separated
 * `names` that Linux lists under /sys/class/fpga_bridge (or the folder
 * TOMATL_FPGA_BRIDGE_ROOT names) must read "enabled" in its state;
 * TOMATL_OK, or TOMATL_ERR_BRIDGE with the bridge and how to enable it
 * on stderr. A bridge Linux does not list is taken as the boot loader
 * left it (a note on stderr). */
int tomatl_check_bridges(const char *names);

#ifdef __cplusplus
}
#endif

#endif
