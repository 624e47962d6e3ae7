/* Stand-in for the Xilinx standalone BSP's xil_types.h: the types
 * hal_baremetal.c uses, so it compiles without the Vitis BSP. */
#ifndef XIL_TYPES_H
#define XIL_TYPES_H
#include <stdint.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef uintptr_t UINTPTR;
typedef intptr_t INTPTR;
#endif
