/* tomatl C driver (C99): frames through the accelerator over the board's
 * DMA (an AXI DMA in simple mode, PG021, on Zynq; two mSGDMAs on the
 * Intel SoC: tomatl_dma.h), on any tomatl_hal.
 *
 *     tomatl_hal hal;  tomatl_dev dev;
 *     tomatl_hal_default_open(&hal);
 *     tomatl_open(&dev, &hal, NULL);            (NULL: tomatl_design.h)
 *     tomatl_run(&dev, in_codes, n_frames, out_codes);
 *     tomatl_close(&dev);
 *
 * Codes are int64, TOMATL_IN_ELEMS per input frame and TOMATL_OUT_ELEMS per
 * output frame, in the order of the network's tensors (HWC). A run packs
 * the codes into stream words (DESIGN.md section 6), flushes, arms S2MM for
 * the first output frame before MM2S starts, then takes the output frame by
 * frame (the accelerator ends each with TLAST, where S2MM stops), checks
 * every frame's length, invalidates and unpacks. Every function returns
 * TOMATL_OK or a negative TOMATL_ERR_* code (tomatl_strerror).
 */
#ifndef TOMATL_H
#define TOMATL_H

#include <stddef.h>
#include <stdint.h>

#include "tomatl_hal.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TOMATL_OK 0
#define TOMATL_ERR_TIMEOUT (-1)       /* a DMA transfer did not finish in time */
#define TOMATL_ERR_DMA_INTERNAL (-2)  /* DMASR DMAIntErr on MM2S */
#define TOMATL_ERR_DMA_SLAVE (-3)     /* DMASR DMASlvErr: the memory answered SLVERR */
#define TOMATL_ERR_DMA_DECODE (-4)    /* DMASR DMADecErr: no memory at the buffer's address */
#define TOMATL_ERR_LENGTH (-5)        /* a transfer of 2^length_width bytes or more */
#define TOMATL_ERR_ALIGN (-6)         /* a buffer not aligned to the stream word (no DRE) */
#define TOMATL_ERR_SHORT_FRAME (-7)   /* TLAST before the frame's last beat */
#define TOMATL_ERR_LONG_FRAME (-8)    /* no TLAST at the frame's last beat (S2MM DMAIntErr) */
#define TOMATL_ERR_RANGE (-9)         /* an input code outside its type */
#define TOMATL_ERR_ARG (-10)          /* a bad argument or geometry */
#define TOMATL_ERR_NOMEM (-11)        /* no DMA buffer */
#define TOMATL_ERR_HAL (-12)          /* the platform could not be opened */
#define TOMATL_ERR_ID (-13)           /* the ID or NET_HASH register is not this design's */
#define TOMATL_ERR_BRIDGE (-14)       /* an HPS-FPGA bridge is disabled (Intel SoC) */

/* One stream's geometry (design.json input / output). */
typedef struct tomatl_stream {
    unsigned tdata_bits;      /* stream word, a whole number of bytes */
    unsigned elems_per_beat;
    unsigned beats_per_frame;
    unsigned elem_bits;
    int is_signed;
    unsigned elems;           /* elements per frame (<= elems_per_beat * beats_per_frame) */
    unsigned chw_h, chw_w, chw_c; /* output only: the [h, w, c] image that tomatl_unpack
                                     delivers in ONNX's (c, h, w) order (streamed HWC);
                                     0 0 0: in the stream's order */
} tomatl_stream;

typedef struct tomatl_config {
    tomatl_stream in, out;
    unsigned length_width;    /* transfers of at most 2^length_width - 1 bytes: the AXI DMA's
                                 c_sg_length_width, log2 of the mSGDMAs' MAX_BYTE */
    uint64_t timeout_us;      /* per output frame */
} tomatl_config;

typedef struct tomatl_dev {
    tomatl_hal hal;
    tomatl_config cfg;
    tomatl_buffer in_buf, out_buf;
    int have_in, have_out;
    /* after an error: the failing channel's status register and length
     * (AXI DMA: DMASR, LENGTH; mSGDMA: the CSR status, the response's
     * actual bytes) */
    uint32_t last_dmasr, last_length;
} tomatl_dev;

/* The geometry of tomatl_design.h. */
void tomatl_default_config(tomatl_config *cfg);
size_t tomatl_frame_bytes(const tomatl_stream *s);

/* Reset the DMA and start both channels; cfg NULL: the design's. */
int tomatl_open(tomatl_dev *dev, const tomatl_hal *hal, const tomatl_config *cfg);
void tomatl_close(tomatl_dev *dev);

/* n_frames frames of codes through the accelerator. */
int tomatl_run(tomatl_dev *dev, const int64_t *in_codes, size_t n_frames, int64_t *out_codes);
/* The same on packed frames in caller's DMA buffers, from byte offsets
 * in_off and out_off (zero copy); the caller packs and unpacks. */
int tomatl_run_buffers(tomatl_dev *dev, const tomatl_buffer *in, size_t in_off,
                       const tomatl_buffer *out, size_t out_off, size_t n_frames);

/* Packing (DESIGN.md section 6): element i of a beat at bits
 * [i*elem_bits, (i+1)*elem_bits), LSB first, zero padded, beats little-endian. */
int tomatl_pack(const tomatl_stream *s, const int64_t *codes, size_t n_frames, uint8_t *bytes);
void tomatl_unpack(const tomatl_stream *s, const uint8_t *bytes, size_t n_frames, int64_t *codes);

/* A register of the accelerator (TOMATL_REG_* offsets). */
uint32_t tomatl_read_reg(tomatl_dev *dev, uint32_t offset);
void tomatl_write_reg(tomatl_dev *dev, uint32_t offset, uint32_t value);
/* ID and NET_HASH against tomatl_design.h. */
int tomatl_check_id(tomatl_dev *dev);

const char *tomatl_strerror(int err);
/* The code's name, "TOMATL_ERR_TIMEOUT". */
const char *tomatl_errname(int err);

#ifdef __cplusplus
}
#endif

#endif
