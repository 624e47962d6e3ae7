/* The C driver's error paths against the simulated system: one scenario
 * per run, named by argv[1], printing "<scenario>: <error name>". Each
 * scenario is a mistake seen on boards:
 *   short           the driver expects one output beat more than the
 *                   design sends: TLAST before LENGTH
 *   long            one beat fewer: S2MM reaches LENGTH without TLAST
 *   timeout         one input beat short: the frame never completes
 *   length          more than 16 KiB in one transfer with a 14-bit
 *                   length register, known to the driver
 *   width-mismatch  the same transfer, the driver believing 26 bits (the
 *                   DMA flags it: run with TOMATL_SIM_LENGTH_WIDTH=14)
 *   align           an output buffer off the stream word (no DRE)
 *   decode          an output buffer at an address with no memory
 * Against the Intel SoC's mSGDMAs (built with TOMATL_SIM_MSGDMA) the same
 * scenarios read: short, S2MM's response reports fewer bytes than the
 * descriptor; long, early termination; length, a transfer over the
 * MAX_BYTE the driver knows (14 bits here); width-mismatch, the same
 * transfer within the model's MAX_BYTE. LENGTH prints the response's
 * bytes, DMASR the S2MM CSR status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tomatl.h"

static unsigned shrink(tomatl_stream *s, int delta)
{
    s->beats_per_frame = (unsigned)((int)s->beats_per_frame + delta);
    if (s->elems > s->elems_per_beat * s->beats_per_frame)
        s->elems = s->elems_per_beat * s->beats_per_frame;
    return s->beats_per_frame;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    tomatl_hal hal;
    tomatl_dev dev;
    tomatl_config cfg;
    tomatl_buffer in, out;
    size_t n = 2, in_off = 0, out_off = 0, in_fb, out_fb;
    int err;

    tomatl_default_config(&cfg);
    cfg.timeout_us = 5000;
    if (!strcmp(what, "short")) {
        shrink(&cfg.out, +1);
    } else if (!strcmp(what, "long")) {
        if (cfg.out.beats_per_frame < 2) {
            printf("%s: skipped (one beat per frame)\n", what);
            return 0;
        }
        shrink(&cfg.out, -1);
    } else if (!strcmp(what, "timeout")) {
        if (cfg.in.beats_per_frame < 2) {
            printf("%s: skipped (one beat per frame)\n", what);
            return 0;
        }
        shrink(&cfg.in, -1);
        n = 1;
    } else if (!strcmp(what, "length") || !strcmp(what, "width-mismatch")) {
        if (!strcmp(what, "length"))
            cfg.length_width = 14;
        n = (1u << 14) / tomatl_frame_bytes(&cfg.in) + 1;
    } else if (!strcmp(what, "align")) {
        if (cfg.out.tdata_bits > 8)
            out_off = 1;
        else if (cfg.in.tdata_bits > 8)
            in_off = 1;
        else {
            printf("%s: skipped (byte-wide streams)\n", what);
            return 0;
        }
    } else if (strcmp(what, "decode") != 0) {
        fprintf(stderr, "unknown scenario %s\n", what);
        return 2;
    }
    if ((err = tomatl_hal_default_open(&hal)) != TOMATL_OK)
        return 2;
    if ((err = tomatl_open(&dev, &hal, &cfg)) != TOMATL_OK) {
        printf("%s: open %s\n", what, tomatl_errname(err));
        return 2;
    }
    in_fb = tomatl_frame_bytes(&cfg.in);
    out_fb = tomatl_frame_bytes(&cfg.out);
    if (hal.alloc(hal.ctx, in_fb * n + 64, &in) || hal.alloc(hal.ctx, out_fb * n + 64, &out))
        return 2;
    memset(in.virt, 0, in.bytes);
    if (!strcmp(what, "decode"))
        out.phys = 0x100; /* below the memory */
    err = tomatl_run_buffers(&dev, &in, in_off, &out, out_off, n);
    printf("%s: %s (DMASR 0x%08x, LENGTH %u): %s\n", what, tomatl_errname(err), (unsigned)dev.last_dmasr,
           (unsigned)dev.last_length, tomatl_strerror(err));
    tomatl_close(&dev);
    hal.close(hal.ctx);
    return 0;
}
