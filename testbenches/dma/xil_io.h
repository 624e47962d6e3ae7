/* Stand-in for the Xilinx standalone BSP's xil_io.h (the same
 * declarations), so hal_baremetal.c compiles without the Vitis BSP. */
#ifndef XIL_IO_H
#define XIL_IO_H
#include "xil_types.h"
u32 Xil_In32(UINTPTR addr);
void Xil_Out32(UINTPTR addr, u32 value);
#endif
