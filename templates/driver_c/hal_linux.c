/* tomatl HAL for Linux: the register windows through UIO, DMA buffers from
 * u-dma-buf, and /dev/mem where either is missing.
 *
 * Registers: the UIO device whose /sys/class/uio/uioN/name is
 * TOMATL_UIO_DMA (TOMATL_UIO_ACCEL), mapped with the size of
 * /sys/class/uio/uioN/maps/map0/size (tomatl.dtso declares both nodes
 * "generic-uio"; boot with uio_pdrv_genirq.of_id=generic-uio). Without it,
 * /dev/mem at TOMATL_DMA_PHYS (TOMATL_ACCEL_PHYS).
 *
 * Buffers: /dev/TOMATL_UDMABUF (ikwzm's u-dma-buf), its physical address
 * and size from /sys/class/u-dma-buf/<name>/phys_addr and size; cache
 * maintenance through sync_offset, sync_size, sync_direction and
 * sync_for_device (flush) / sync_for_cpu (invalidate). Without it, the
 * reserved memory at TOMATL_MEM_PHYS (TOMATL_MEM_BYTES) through /dev/mem
 * with O_SYNC (uncached: flush and invalidate have nothing to do).
 * Buffers are carved from the region, 4 KiB aligned, and freed all at once
 * by close.
 *
 * On the Intel SoC (tomatl_design.h defines TOMATL_FPGA_BRIDGES) the
 * bridges are checked first (tomatl_check_bridges); the windows are the
 * lightweight HPS-to-FPGA bridge's (the mSGDMAs' and the accelerator's).
 */
#define _DEFAULT_SOURCE
#define _FILE_OFFSET_BITS 64

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "tomatl.h"
#include "tomatl_design.h"

typedef struct window {
    volatile uint32_t *regs;
    size_t size;
} window;

typedef struct linux_ctx {
    window win[2];
    unsigned char *mem;
    uint64_t mem_phys;
    size_t mem_size, next;
    int cached;      /* u-dma-buf opened cached: sync through sysfs */
    char sys[256];   /* /sys/class/u-dma-buf/<name> */
} linux_ctx;

static int read_sysfs(const char *path, unsigned long long *v)
{
    char buf[64];
    FILE *f = fopen(path, "r");
    int ok;
    if (!f)
        return -1;
    ok = fgets(buf, sizeof buf, f) != NULL;
    fclose(f);
    if (!ok)
        return -1;
    *v = strtoull(buf, NULL, 0);
    return 0;
}

static int write_sysfs(const char *dir, const char *file, unsigned long long v)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (!(f = fopen(path, "w")))
        return -1;
    fprintf(f, "%llu", v);
    return fclose(f);
}

static void *map_phys(uint64_t phys, size_t size, int sync)
{
    void *p;
    int fd = open("/dev/mem", O_RDWR | (sync ? O_SYNC : 0));
    if (fd < 0)
        return NULL;
    p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)phys);
    close(fd);
    return p == MAP_FAILED ? NULL : p;
}

/* The UIO device named `name`: its mapping, or the /dev/mem fallback. */
static int open_window(window *w, const char *name, uint64_t phys, size_t size)
{
    DIR *d = opendir("/sys/class/uio");
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char path[512], got[128] = "";
        unsigned long long sz;
        FILE *f;
        if (strncmp(e->d_name, "uio", 3) != 0)
            continue;
        snprintf(path, sizeof path, "/sys/class/uio/%s/name", e->d_name);
        if (!(f = fopen(path, "r")))
            continue;
        if (!fgets(got, sizeof got, f))
            got[0] = 0;
        fclose(f);
        got[strcspn(got, "\n")] = 0;
        if (strcmp(got, name) != 0)
            continue;
        snprintf(path, sizeof path, "/sys/class/uio/%s/maps/map0/size", e->d_name);
        if (read_sysfs(path, &sz) == 0) {
            int fd;
            void *p;
            snprintf(path, sizeof path, "/dev/%s", e->d_name);
            fd = open(path, O_RDWR | O_SYNC);
            if (fd >= 0) {
                p = mmap(NULL, (size_t)sz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
                close(fd);
                if (p != MAP_FAILED) {
                    closedir(d);
                    w->regs = (volatile uint32_t *)p;
                    w->size = (size_t)sz;
                    return 0;
                }
            }
        }
    }
    if (d)
        closedir(d);
    w->regs = (volatile uint32_t *)map_phys(phys, size, 1);
    w->size = size;
    if (!w->regs) {
        fprintf(stderr, "tomatl: no UIO device named %s and no /dev/mem at 0x%llx (run as root?)\n", name,
                (unsigned long long)phys);
        return -1;
    }
    return 0;
}

static int open_mem(linux_ctx *c)
{
    char path[512];
    unsigned long long phys, size;
    int fd;
    snprintf(c->sys, sizeof c->sys, "/sys/class/u-dma-buf/%s", TOMATL_UDMABUF);
    snprintf(path, sizeof path, "%s/phys_addr", c->sys);
    if (read_sysfs(path, &phys) == 0) {
        snprintf(path, sizeof path, "%s/size", c->sys);
        if (read_sysfs(path, &size) == 0) {
            snprintf(path, sizeof path, "/dev/%s", TOMATL_UDMABUF);
            fd = open(path, O_RDWR); /* cached: maintenance through sysfs */
            if (fd >= 0) {
                void *p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
                close(fd);
                if (p != MAP_FAILED) {
                    c->mem = (unsigned char *)p;
                    c->mem_phys = phys;
                    c->mem_size = (size_t)size;
                    c->cached = 1;
                    return 0;
                }
            }
        }
    }
    c->mem = (unsigned char *)map_phys(TOMATL_MEM_PHYS, TOMATL_MEM_BYTES, 1);
    c->mem_phys = TOMATL_MEM_PHYS;
    c->mem_size = TOMATL_MEM_BYTES;
    c->cached = 0;
    if (!c->mem) {
        fprintf(stderr, "tomatl: no /dev/%s (load u-dma-buf) and no /dev/mem at 0x%llx\n", TOMATL_UDMABUF,
                (unsigned long long)TOMATL_MEM_PHYS);
        return -1;
    }
    return 0;
}

static uint32_t lx_read32(void *ctx, int region, uint32_t off)
{
    linux_ctx *c = (linux_ctx *)ctx;
    return c->win[region].regs[off / 4u];
}

static void lx_write32(void *ctx, int region, uint32_t off, uint32_t v)
{
    linux_ctx *c = (linux_ctx *)ctx;
    c->win[region].regs[off / 4u] = v;
}

static int lx_alloc(void *ctx, size_t bytes, tomatl_buffer *b)
{
    linux_ctx *c = (linux_ctx *)ctx;
    size_t at = (c->next + 4095u) & ~(size_t)4095u;
    if (bytes == 0 || at > c->mem_size || bytes > c->mem_size - at)
        return -1;
    c->next = at + bytes;
    b->virt = c->mem + at;
    b->phys = c->mem_phys + at;
    b->bytes = bytes;
    return 0;
}

static void lx_free(void *ctx, tomatl_buffer *b)
{
    linux_ctx *c = (linux_ctx *)ctx;
    /* the last buffer returns its space; others stay until close */
    if ((unsigned char *)b->virt + b->bytes == c->mem + c->next)
        c->next = (size_t)((unsigned char *)b->virt - c->mem);
    b->virt = NULL;
}

/* u-dma-buf: sync_direction 1 = to the device, 2 = from the device */
static void lx_sync(linux_ctx *c, const tomatl_buffer *b, size_t off, size_t bytes, int to_device)
{
    if (!c->cached || bytes == 0)
        return;
    write_sysfs(c->sys, "sync_offset", (unsigned long long)(b->phys - c->mem_phys + off));
    write_sysfs(c->sys, "sync_size", (unsigned long long)bytes);
    write_sysfs(c->sys, "sync_direction", to_device ? 1u : 2u);
    write_sysfs(c->sys, to_device ? "sync_for_device" : "sync_for_cpu", 1u);
}

static void lx_flush(void *ctx, const tomatl_buffer *b, size_t off, size_t bytes)
{
    lx_sync((linux_ctx *)ctx, b, off, bytes, 1);
}

static void lx_invalidate(void *ctx, const tomatl_buffer *b, size_t off, size_t bytes)
{
    lx_sync((linux_ctx *)ctx, b, off, bytes, 0);
}

static uint64_t lx_now_us(void *ctx)
{
    struct timespec t;
    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

static void lx_close(void *ctx)
{
    linux_ctx *c = (linux_ctx *)ctx;
    int i;
    for (i = 0; i < 2; i++)
        if (c->win[i].regs)
            munmap((void *)c->win[i].regs, c->win[i].size);
    if (c->mem)
        munmap(c->mem, c->mem_size);
    free(c);
}

int tomatl_hal_default_open(tomatl_hal *hal)
{
    linux_ctx *c;
#ifdef TOMATL_FPGA_BRIDGES
    /* the Intel SoC: the bridges the registers and the DMAs go through */
    int err = tomatl_check_bridges(TOMATL_FPGA_BRIDGES);
    if (err != TOMATL_OK)
        return err;
#endif
    c = (linux_ctx *)calloc(1, sizeof *c);
    if (!c)
        return TOMATL_ERR_NOMEM;
    if (open_window(&c->win[TOMATL_REGION_DMA], TOMATL_UIO_DMA, TOMATL_DMA_PHYS, TOMATL_DMA_SPAN) != 0 ||
        open_window(&c->win[TOMATL_REGION_ACCEL], TOMATL_UIO_ACCEL, TOMATL_ACCEL_PHYS, TOMATL_ACCEL_SPAN) != 0 ||
        open_mem(c) != 0) {
        lx_close(c);
        return TOMATL_ERR_HAL;
    }
    hal->ctx = c;
    hal->read32 = lx_read32;
    hal->write32 = lx_write32;
    hal->alloc = lx_alloc;
    hal->free = lx_free;
    hal->flush = lx_flush;
    hal->invalidate = lx_invalidate;
    hal->now_us = lx_now_us;
    hal->close = lx_close;
    return TOMATL_OK;
}
