"""A stand-in for the parts of PYNQ the tomatl driver uses (Overlay,
allocate, MMIO, the AXI DMA's send and receive channels), driving the
simulated system of testbenches/dma (tomatl_sim.h) through ctypes instead
of a board. TOMATL_SIM_LIB names the library; the simulation starts when
an Overlay is made; ``sim_seconds`` is its clock. Channel semantics follow pynq/lib/dma.py (simple mode):
start sets RS, transfer checks running / idle / buffer_max_size and writes
the address then LENGTH.
"""

import ctypes
import os

import numpy as np

_lib = None
DMA_BASE, ACCEL_BASE = 0x40400000, 0x43C00000


def _sim():
    global _lib
    if _lib is None:
        _lib = ctypes.CDLL(os.environ["TOMATL_SIM_LIB"])
        _lib.sim_read32.restype = ctypes.c_uint32
        _lib.sim_read32.argtypes = [ctypes.c_uint32]
        _lib.sim_write32.argtypes = [ctypes.c_uint32, ctypes.c_uint32]
        _lib.sim_alloc.restype = ctypes.c_void_p
        _lib.sim_alloc.argtypes = [ctypes.c_size_t, ctypes.POINTER(ctypes.c_uint64)]
        _lib.sim_flush.argtypes = [ctypes.c_uint64, ctypes.c_size_t]
        _lib.sim_invalidate.argtypes = [ctypes.c_uint64, ctypes.c_size_t]
        _lib.sim_time_us.restype = ctypes.c_uint64
    return _lib


def sim_seconds():
    """Simulated seconds since the simulation started: not PYNQ's, the
    clock a driver's timeouts count in here (the simulation runs far
    slower than the board)."""
    return _sim().sim_time_us() / 1e6


class MMIO:
    def __init__(self, base_addr, length=0x10000):
        self.base_addr, self.length = base_addr, length

    def read(self, offset=0, length=4):
        return _sim().sim_read32(self.base_addr + offset)

    def write(self, offset, data):
        _sim().sim_write32(self.base_addr + offset, int(data) & 0xFFFFFFFF)


class PynqBuffer(np.ndarray):
    def flush(self):
        _sim().sim_flush(self.physical_address, self.nbytes)

    def invalidate(self):
        _sim().sim_invalidate(self.physical_address, self.nbytes)

    def freebuffer(self):
        pass


def allocate(shape, dtype="u4", **kwargs):
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    phys = ctypes.c_uint64()
    ptr = _sim().sim_alloc(nbytes, ctypes.byref(phys))
    if not ptr:
        raise RuntimeError("Failed to allocate memory")
    raw = np.ctypeslib.as_array((ctypes.c_uint8 * nbytes).from_address(ptr))
    buf = raw.view(dtype).reshape(shape).view(PynqBuffer)
    buf.physical_address = phys.value
    return buf


class _Channel:
    def __init__(self, mmio, offset, width):
        self._mmio, self._offset, self._first_transfer = mmio, offset, True
        self.buffer_max_size = 2**width - 1

    @property
    def running(self):
        return self._mmio.read(self._offset + 4) & 1 == 0

    @property
    def idle(self):
        return self._mmio.read(self._offset + 4) & 2 == 2

    def start(self):
        self._mmio.write(self._offset, (self._mmio.read(self._offset) & 0xFFFFFFFE) | 1)
        self._first_transfer = True

    def transfer(self, array, start=0, nbytes=0):
        if not self.running:
            raise RuntimeError("DMA channel not started")
        if not self.idle and not self._first_transfer:
            raise RuntimeError("DMA channel not idle")
        nbytes = nbytes or array.nbytes - start
        if nbytes > self.buffer_max_size:
            raise ValueError(f"Transferred array is {nbytes} bytes, which exceeds the maximum DMA buffer size {self.buffer_max_size}")
        addr = array.physical_address + start
        self._mmio.write(self._offset + 0x18, addr & 0xFFFFFFFF)
        self._mmio.write(self._offset + 0x1C, addr >> 32)
        self._mmio.write(self._offset + 0x28, nbytes)
        self._first_transfer = False


class _Dma:
    def __init__(self):
        self.mmio = MMIO(DMA_BASE)
        width = int(os.environ.get("TOMATL_SIM_LENGTH_WIDTH", "26"))
        self.sendchannel = _Channel(self.mmio, 0x00, width)
        self.recvchannel = _Channel(self.mmio, 0x30, width)
        self.mmio.write(0x00, 0x4)
        self.sendchannel.start()
        self.recvchannel.start()


class _Ip:
    def __init__(self, base):
        self.mmio = MMIO(base)

    def read(self, offset=0):
        return self.mmio.read(offset)

    def write(self, offset, value):
        self.mmio.write(offset, value)


class Overlay:
    def __init__(self, bitfile, download=True):
        if not os.path.isfile(bitfile):
            raise IOError(f"Bitstream file {bitfile} does not exist.")
        if _sim().sim_open() != 0:
            raise RuntimeError("sim_open failed")
        self.dma = _Dma()
        self.accel = _Ip(ACCEL_BASE)
