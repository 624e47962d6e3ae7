/* pack_check: the C driver's packing (tomatl_pack / tomatl_unpack) on
 * whatever CPU runs it, for comparison with the host's and the Python
 * driver's bytes.
 *
 *     pack_check FRAMES IN_CODES OUT_CODES IN_PACKED OUT_PACKED
 *
 * IN_CODES and OUT_CODES hold FRAMES frames of codes of the design's
 * input and output (tomatl_design.h) as little-endian int64. Each is
 * packed into stream words (DESIGN.md section 6) and written to
 * *_PACKED, then unpacked again: exit 0 when the codes come back, 1 when
 * they do not, 2 on an error.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tomatl.h"

/* `n` little-endian int64 from `path`, whatever the CPU's byte order. */
static int64_t *read_codes(const char *path, size_t n)
{
    FILE *f = fopen(path, "rb");
    int64_t *c = (int64_t *)calloc(n + 1, sizeof *c);
    size_t i;
    int k;
    if (!f || !c) {
        fprintf(stderr, "%s: cannot read\n", path);
        if (f)
            fclose(f);
        free(c);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        unsigned char b[8];
        uint64_t v = 0;
        if (fread(b, 1, 8, f) != 8) {
            fprintf(stderr, "%s: %lu codes, expected %lu\n", path, (unsigned long)i, (unsigned long)n);
            fclose(f);
            free(c);
            return NULL;
        }
        for (k = 7; k >= 0; k--)
            v = v << 8 | b[k];
        c[i] = (int64_t)v;
    }
    fclose(f);
    return c;
}

/* Pack `frames` frames of `s` from `codes_path` into `packed_path`; 0 when
 * they unpack to the same codes. */
static int check(const tomatl_stream *s, size_t frames, const char *codes_path, const char *packed_path)
{
    size_t n = frames * s->elems, bytes = frames * tomatl_frame_bytes(s), i;
    int64_t *codes = read_codes(codes_path, n), *back;
    uint8_t *packed;
    FILE *f;
    int err, bad = 0;
    if (!codes)
        return 2;
    packed = (uint8_t *)calloc(bytes + 1, 1);
    back = (int64_t *)calloc(n + 1, sizeof *back);
    if (!packed || !back)
        return 2;
    if ((err = tomatl_pack(s, codes, frames, packed)) != TOMATL_OK) {
        fprintf(stderr, "%s: %s\n", codes_path, tomatl_errname(err));
        return 2;
    }
    f = fopen(packed_path, "wb");
    if (!f || fwrite(packed, 1, bytes, f) != bytes) {
        fprintf(stderr, "%s: cannot write\n", packed_path);
        return 2;
    }
    fclose(f);
    tomatl_unpack(s, packed, frames, back);
    for (i = 0; i < n; i++)
        if (back[i] != codes[i]) {
            printf("%s: element %lu packs to %lld\n", codes_path, (unsigned long)i, (long long)back[i]);
            bad = 1;
            break;
        }
    free(codes);
    free(packed);
    free(back);
    return bad;
}

int main(int argc, char **argv)
{
    tomatl_config cfg;
    size_t frames;
    int a, b;
    if (argc != 6) {
        fprintf(stderr, "usage: pack_check FRAMES IN_CODES OUT_CODES IN_PACKED OUT_PACKED\n");
        return 2;
    }
    frames = (size_t)strtoul(argv[1], NULL, 10);
    tomatl_default_config(&cfg);
    a = check(&cfg.in, frames, argv[2], argv[4]);
    b = check(&cfg.out, frames, argv[3], argv[5]);
    if (a == 2 || b == 2)
        return 2;
    printf("%s\n", a || b ? "round trip: FAIL" : "round trip: PASS");
    return a || b;
}
