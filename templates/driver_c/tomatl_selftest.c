/* tomatl_selftest: the golden vectors through the accelerator.
 *
 *     tomatl_selftest [DIR]      (DIR: test/, with input.npy and expected.npy)
 *
 * Checks the ID and NET_HASH registers, runs every frame of input.npy,
 * compares with expected.npy bit for bit, prints PASS or FAIL per frame
 * and checks the frame counters advanced by the frames sent. Exit 0 when
 * everything passed, 1 on a mismatch, 2 on an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tomatl.h"
#include "tomatl_design.h"

/* A .npy file of little-endian integers ('<i8' as deploy packages hold,
 * or any of i1..i8 / u1..u4 as `tomatl run` writes), C order: its codes as
 * int64, its frames (the first dimension) and elements per frame; NULL on
 * error (printed). */
static int64_t *read_npy(const char *path, size_t *frames, size_t *elems)
{
    unsigned char pre[12];
    size_t hlen, n = 1, dims = 0, total, i, size;
    char *hdr, *p, kind;
    int64_t *data;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return NULL;
    }
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        fprintf(stderr, "%s: not a .npy file\n", path);
        fclose(f);
        return NULL;
    }
    if (pre[6] == 1) {
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
    } else {
        if (fread(pre + 10, 1, 2, f) != 2) {
            fclose(f);
            return NULL;
        }
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    }
    hdr = (char *)malloc(hlen + 1);
    if (!hdr || fread(hdr, 1, hlen, f) != hlen) {
        fprintf(stderr, "%s: truncated header\n", path);
        free(hdr);
        fclose(f);
        return NULL;
    }
    hdr[hlen] = 0;
    p = strstr(hdr, "'descr': '");
    kind = p ? p[11] : 0;
    size = p ? (size_t)(p[12] - '0') : 0;
    if (!p || (p[10] != '<' && p[10] != '|') || (kind != 'i' && kind != 'u') ||
        (size != 1 && size != 2 && size != 4 && size != 8) || (kind == 'u' && size == 8) ||
        !strstr(hdr, "'fortran_order': False") || !(p = strstr(hdr, "'shape': ("))) {
        fprintf(stderr, "%s: expected little-endian integers in C order, got %s\n", path, hdr);
        free(hdr);
        fclose(f);
        return NULL;
    }
    p += strlen("'shape': (");
    *frames = 0;
    while (*p && *p != ')') {
        char *end;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p)
            break;
        if (dims == 0)
            *frames = v;
        else
            n *= v;
        dims++;
        p = end;
        while (*p == ',' || *p == ' ')
            p++;
    }
    free(hdr);
    if (dims == 0) {
        fprintf(stderr, "%s: a scalar, expected [frames, ...]\n", path);
        fclose(f);
        return NULL;
    }
    *elems = n;
    total = *frames * n;
    data = (int64_t *)malloc(total ? total * sizeof *data : 1);
    if (!data) {
        fclose(f);
        return NULL;
    }
    for (i = 0; i < total; i++) {
        unsigned char b[8];
        uint64_t v = 0;
        int k;
        if (fread(b, 1, size, f) != size) {
            fprintf(stderr, "%s: truncated data\n", path);
            free(data);
            fclose(f);
            return NULL;
        }
        for (k = (int)size - 1; k >= 0; k--)
            v = v << 8 | b[k];
        if (kind == 'i' && size < 8 && (v >> (8 * size - 1)) & 1u)
            v |= ~(uint64_t)0 << (8 * size);
        data[i] = (int64_t)v;
    }
    fclose(f);
    return data;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "test";
    char path[4096];
    size_t nx, ex, ny, ey, f, passed = 0;
    int64_t *x, *y, *got;
    tomatl_hal hal;
    tomatl_dev dev;
    uint32_t in0, out0, in1, out1;
    int err;

    snprintf(path, sizeof path, "%s/input.npy", dir);
    if (!(x = read_npy(path, &nx, &ex)))
        return 2;
    snprintf(path, sizeof path, "%s/expected.npy", dir);
    if (!(y = read_npy(path, &ny, &ey)))
        return 2;
    if (ex != TOMATL_IN_ELEMS || ey != TOMATL_OUT_ELEMS || nx != ny) {
        fprintf(stderr, "vectors of %lu x %lu in and %lu x %lu out; %s takes %u in and %u out per frame\n",
                (unsigned long)nx, (unsigned long)ex, (unsigned long)ny, (unsigned long)ey, TOMATL_NET_NAME,
                TOMATL_IN_ELEMS, TOMATL_OUT_ELEMS);
        return 2;
    }
    if ((err = tomatl_hal_default_open(&hal)) != TOMATL_OK) {
        fprintf(stderr, "hal: %s: %s\n", tomatl_errname(err), tomatl_strerror(err));
        return 2;
    }
    if ((err = tomatl_open(&dev, &hal, NULL)) != TOMATL_OK) {
        fprintf(stderr, "open: %s: %s\n", tomatl_errname(err), tomatl_strerror(err));
        return 2;
    }
    if ((err = tomatl_check_id(&dev)) != TOMATL_OK) {
        fprintf(stderr, "%s: ID 0x%08x NET_HASH 0x%08x, expected 0x%08x 0x%08x: %s\n", tomatl_errname(err),
                (unsigned)tomatl_read_reg(&dev, TOMATL_REG_ID), (unsigned)tomatl_read_reg(&dev, TOMATL_REG_NET_HASH),
                (unsigned)TOMATL_REG_ID_VALUE, (unsigned)TOMATL_NET_HASH, tomatl_strerror(err));
        return 2;
    }
    printf("%s: ID and NET_HASH 0x%08x match\n", TOMATL_NET_NAME, (unsigned)TOMATL_NET_HASH);
    got = (int64_t *)calloc(ny * ey + 1, sizeof *got);
    if (!got)
        return 2;
    in0 = tomatl_read_reg(&dev, TOMATL_REG_FRAMES_IN);
    out0 = tomatl_read_reg(&dev, TOMATL_REG_FRAMES_OUT);
    if ((err = tomatl_run(&dev, x, nx, got)) != TOMATL_OK) {
        fprintf(stderr, "run: %s: %s (DMASR 0x%08x, LENGTH %u)\n", tomatl_errname(err), tomatl_strerror(err),
                (unsigned)dev.last_dmasr, (unsigned)dev.last_length);
        return 2;
    }
    for (f = 0; f < nx; f++) {
        size_t e, bad = ey;
        for (e = 0; e < ey && bad == ey; e++)
            if (got[f * ey + e] != y[f * ey + e])
                bad = e;
        if (bad == ey) {
            printf("frame %lu: PASS\n", (unsigned long)f);
            passed++;
        } else {
            printf("frame %lu: FAIL (element %lu: got %lld, expected %lld)\n", (unsigned long)f, (unsigned long)bad,
                   (long long)got[f * ey + bad], (long long)y[f * ey + bad]);
        }
    }
    in1 = tomatl_read_reg(&dev, TOMATL_REG_FRAMES_IN);
    out1 = tomatl_read_reg(&dev, TOMATL_REG_FRAMES_OUT);
    if (in1 - in0 != nx || out1 - out0 != nx) {
        printf("frame counters: FAIL (FRAMES_IN +%u, FRAMES_OUT +%u, sent %lu)\n", (unsigned)(in1 - in0),
               (unsigned)(out1 - out0), (unsigned long)nx);
        passed = 0;
    } else {
        printf("frame counters: PASS (+%lu)\n", (unsigned long)nx);
    }
    printf("%lu of %lu frames bit-exact: %s\n", (unsigned long)passed, (unsigned long)nx,
           passed == nx ? "PASS" : "FAIL");
    tomatl_close(&dev);
    if (hal.close)
        hal.close(hal.ctx);
    free(x);
    free(y);
    free(got);
    return passed == nx ? 0 : 1;
}
