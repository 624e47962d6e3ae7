"""A stand-in for the DE10-Nano's memory map in the Python driver's tests:
tomatl_driver.hal_hps's platform (register windows on the lightweight
bridge, u-dma-buf buffers) over the simulated system of testbenches/dma
(tomatl_sim.h, built with TOMATL_SIM_MSGDMA) through ctypes, never
/dev/mem. TOMATL_SIM_LIB names the library; the simulation starts when the
platform opens; its clock is the simulation's (so timeouts do not depend
on how fast the simulation runs). TOMATL_FAKE_HPS_SKIP_INVALIDATE=1 drops the cache
invalidate, to show that a driver without it fails.
"""

import ctypes
import os

import numpy as np


class _Window:
    def __init__(self, lib, base, size):
        self._lib, self._base, self.size = lib, base, size

    def read(self, off):
        return int(self._lib.sim_read32(self._base + off))

    def write(self, off, value):
        self._lib.sim_write32(self._base + off, int(value) & 0xFFFFFFFF)


class _Buffer:
    def __init__(self, lib, nbytes):
        self._lib = lib
        phys = ctypes.c_uint64()
        ptr = lib.sim_alloc(nbytes, ctypes.byref(phys))
        if not ptr:
            raise MemoryError("the simulated DMA memory is exhausted")
        self.phys = phys.value
        self.array = np.ctypeslib.as_array((ctypes.c_uint8 * nbytes).from_address(ptr))

    def flush(self):
        self._lib.sim_flush(self.phys, self.array.nbytes)

    def invalidate(self):
        if os.environ.get("TOMATL_FAKE_HPS_SKIP_INVALIDATE") != "1":
            self._lib.sim_invalidate(self.phys, self.array.nbytes)


class SimPlatform:
    def __init__(self):
        lib = ctypes.CDLL(os.environ["TOMATL_SIM_LIB"])
        lib.sim_read32.restype = ctypes.c_uint32
        lib.sim_read32.argtypes = [ctypes.c_uint32]
        lib.sim_write32.argtypes = [ctypes.c_uint32, ctypes.c_uint32]
        lib.sim_alloc.restype = ctypes.c_void_p
        lib.sim_alloc.argtypes = [ctypes.c_size_t, ctypes.POINTER(ctypes.c_uint64)]
        lib.sim_flush.argtypes = [ctypes.c_uint64, ctypes.c_size_t]
        lib.sim_invalidate.argtypes = [ctypes.c_uint64, ctypes.c_size_t]
        lib.sim_time_us.restype = ctypes.c_uint64
        if lib.sim_open() != 0:
            raise RuntimeError("sim_open failed")
        self._lib = lib

    def regs(self, phys, span, uio_name):
        return _Window(self._lib, phys, span)

    def buffer(self, nbytes):
        return _Buffer(self._lib, nbytes)

    def release(self):
        pass

    def now(self):
        return self._lib.sim_time_us() / 1e6


def open_platform():
    return SimPlatform()
