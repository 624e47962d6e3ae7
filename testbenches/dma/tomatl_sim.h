/* The simulated SoC of the driver tests, as a C library: the Verilated
 * tomatl top, a behavioural DMA wired to its AXI4-Stream ports, the
 * AXI4-Lite master of its status registers, and a DMA memory with a
 * modelled CPU cache in front of it. Built with -DTOMATL_SIM_MSGDMA it is
 * the Intel SoC (the two mSGDMAs of msgdma_model.h on the lightweight
 * HPS-to-FPGA bridge), else the Zynq (the AXI DMA of dma_model.h).
 *
 * Address map (physical, as on a PYNQ-Z2):
 *   SIM_DMA_BASE   the AXI DMA's registers (PG021 offsets)
 *   SIM_ACCEL_BASE the accelerator's AXI4-Lite registers (design.json)
 *   SIM_MEM_BASE   DMA memory, handed out by sim_alloc
 * With TOMATL_SIM_MSGDMA (as on a DE10-Nano, quartus::regions()):
 *   SIM_LW_BASE    the lightweight bridge, 0xff200000
 *   SIM_ACCEL_BASE its offset 0: the accelerator's AXI4-Lite registers
 *   SIM_DMA_BASE   its offset 0x1000: the mSGDMAs' windows
 *                  (msgdma_model.h offsets, SIM_WINDOW bytes)
 *
 * The CPU's view of the memory is a separate copy: what the host writes
 * through a sim_alloc pointer reaches the DMA only after sim_flush, and
 * what the DMA wrote is seen only after sim_invalidate, as with a
 * write-back data cache. A driver that forgets either fails.
 *
 * Time advances in sim_step and inside every sim_read32 (SIM_POLL_CYCLES,
 * so a polling loop makes progress) and AXI4-Lite access (the cycles of
 * the handshake). Configuration, from the environment at sim_open:
 *   TOMATL_SIM_LENGTH_WIDTH  the AXI DMA's c_sg_length_width (26), or
 *                            log2 of the mSGDMAs' MAX_BYTE (20)
 *   TOMATL_SIM_STALL         percent of cycles MM2S holds TVALID low and
 *                            S2MM holds TREADY low (0)
 *   TOMATL_SIM_SEED          seed of the stalls (1)
 *   TOMATL_SIM_MEM_MB        DMA memory in MiB (16)
 *   TOMATL_SIM_POLL_CYCLES   cycles one register read takes (16)
 *   TOMATL_SIM_CLOCK_MHZ     the clock sim_time_us counts in (100)
 */
#ifndef TOMATL_SIM_H
#define TOMATL_SIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef TOMATL_SIM_MSGDMA
#define SIM_LW_BASE 0xff200000u
#define SIM_ACCEL_BASE (SIM_LW_BASE + 0x0000u)
#define SIM_DMA_BASE (SIM_LW_BASE + 0x1000u)
#define SIM_MEM_BASE 0x10000000u
/* size of the DMA's register window */
#define SIM_WINDOW 0x2000u
#else
#define SIM_DMA_BASE 0x40400000u
#define SIM_ACCEL_BASE 0x43c00000u
#define SIM_MEM_BASE 0x10000000u
/* size of each register window */
#define SIM_WINDOW 0x10000u
#endif

/* Build the system and hold reset; 0 on success. */
int sim_open(void);
void sim_close(void);
/* A 32-bit register at a physical address; an address in no window reads
 * 0xffffffff and counts in sim_faults. */
uint32_t sim_read32(uint32_t addr);
void sim_write32(uint32_t addr, uint32_t value);
/* `bytes` of DMA memory (4 KiB aligned): the CPU's pointer, and its
 * physical address in *phys; NULL when the memory is exhausted. */
void *sim_alloc(size_t bytes, uint64_t *phys);
/* The CPU cache: write back / discard the lines of [phys, phys + bytes). */
void sim_flush(uint64_t phys, size_t bytes);
void sim_invalidate(uint64_t phys, size_t bytes);
void sim_step(uint64_t cycles);
uint64_t sim_cycles(void);
/* Simulated microseconds since sim_open. */
uint64_t sim_time_us(void);
/* Accesses that went wrong: no window, an AXI4-Lite error response or no
 * response. */
unsigned sim_faults(void);

#ifdef __cplusplus
}
#endif

#endif
