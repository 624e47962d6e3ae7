"""A tomatl accelerator behind an AXI DMA on a Zynq board, through PYNQ.

    acc = PynqAccelerator("tomatl.bit", "manifest.json")
    y = acc.run(x)            # x: codes (integers) or real values (floats)
    acc.selftest()            # golden vectors beside the manifest

On load the ``.hwh`` beside the ``.bit`` (same basename) is read and the
DMA's ``C_M_AXIS_MM2S_TDATA_WIDTH``, ``C_S_AXIS_S2MM_TDATA_WIDTH`` and
``C_SG_LENGTH_WIDTH`` are checked against the manifest's stream words
before the bitstream is loaded. A run arms the receive channel before the
send channel, one output frame per receive (the accelerator ends each frame
with TLAST, where S2MM stops), polls the DMA status with a timeout and
turns its error bits into the exceptions below.
"""

from __future__ import annotations

import os
import time
import xml.etree.ElementTree as ET

import numpy as np

from . import packing
from .accelerator import Manifest
from .soc import DmaError, SocAccelerator

DMA_NAME = "dma"
ACCEL_NAME = "accel"

# DMASR bits (PG021)
_HALTED, _IDLE, _INT_ERR, _SLV_ERR, _DEC_ERR = 0x1, 0x2, 0x10, 0x20, 0x40


class HwhMissing(FileNotFoundError):
    """No .hwh beside the .bit with the same basename."""


class HwhMismatch(ValueError):
    """The .hwh's DMA does not match the manifest."""


class DmaInternalError(DmaError):
    """DMASR DMAIntErr on MM2S (length 0 or beyond C_SG_LENGTH_WIDTH, unaligned address)."""


class DmaSlaveError(DmaError):
    """DMASR DMASlvErr: the memory answered SLVERR."""


class DmaDecodeError(DmaError):
    """DMASR DMADecErr: no memory at the buffer's address."""


class DmaTimeout(DmaError):
    """A transfer did not finish in time."""


class TransferTooLong(DmaError):
    """A transfer of 2**C_SG_LENGTH_WIDTH bytes or more."""


class ShortFrame(DmaError):
    """TLAST before the output frame's last beat."""


class LongFrame(DmaError):
    """No TLAST at the output frame's last beat (S2MM DMAIntErr)."""


def hwh_path(bitfile) -> str:
    path = os.path.splitext(os.fspath(bitfile))[0] + ".hwh"
    if not os.path.isfile(path):
        raise HwhMissing(f"{path}: no .hwh beside {bitfile} (Vivado writes it with the bitstream; copy both with the same basename)")
    return path


def hwh_dma_params(path, dma_name: str = DMA_NAME) -> dict:
    """The parameters of the DMA instance ``dma_name`` in a .hwh file."""
    root = ET.parse(path).getroot()
    for m in root.iter("MODULE"):
        if m.get("INSTANCE") == dma_name:
            return {p.get("NAME"): p.get("VALUE") for p in m.iter("PARAMETER")}
    raise HwhMismatch(f"{path}: no DMA instance {dma_name!r}")


def check_hwh(path, manifest: Manifest, dma_name: str = DMA_NAME) -> int:
    """The DMA's stream widths against the manifest; its length width."""
    p = hwh_dma_params(path, dma_name)
    want = {
        "C_M_AXIS_MM2S_TDATA_WIDTH": manifest.input.tdata_bits,
        "C_S_AXIS_S2MM_TDATA_WIDTH": manifest.output.tdata_bits,
    }
    for name, bits in want.items():
        if name not in p or int(p[name]) != bits:
            raise HwhMismatch(f"{path}: {dma_name} {name} is {p.get(name)}, the manifest's stream word is {bits} bits")
    if "C_SG_LENGTH_WIDTH" not in p:
        raise HwhMismatch(f"{path}: {dma_name} has no C_SG_LENGTH_WIDTH")
    return int(p["C_SG_LENGTH_WIDTH"])


class PynqAccelerator(SocAccelerator):
    """``bitfile``: the .bit (its .hwh beside it); ``manifest``: a path or
    a :class:`Manifest`."""

    def __init__(
        self,
        bitfile,
        manifest,
        *,
        dma_name: str = DMA_NAME,
        accel_name: str = ACCEL_NAME,
        timeout: float = 1.0,
        clock=time.monotonic,
    ):
        """``timeout``: seconds a transfer may take, as ``clock()`` (seconds,
        ``time.monotonic`` on a board) counts them."""
        self.manifest = manifest if isinstance(manifest, Manifest) else Manifest.load(manifest)
        self.length_width = check_hwh(hwh_path(bitfile), self.manifest, dma_name)
        try:
            import pynq
        except ImportError as e:
            raise ImportError("pynq not found: run on a PYNQ image (or put a stand-in pynq package on sys.path)") from e
        self._pynq = pynq
        self.overlay = pynq.Overlay(os.fspath(bitfile))
        self.dma = getattr(self.overlay, dma_name)
        self.accel = getattr(self.overlay, accel_name)
        self.timeout = timeout
        self.clock = clock
        self._bufs = None

    def read_reg(self, reg) -> int:
        return int(self.accel.mmio.read(self.manifest.offset(reg)))

    def _status(self, s2mm: bool) -> int:
        return int(self.dma.mmio.read(0x34 if s2mm else 0x04))

    def _wait(self, s2mm: bool) -> None:
        t0 = self.clock()
        while True:
            mm2s = self._status(False)
            if mm2s & _DEC_ERR:
                raise DmaDecodeError(f"MM2S DMASR 0x{mm2s:08x}: no memory at the input buffer's address")
            if mm2s & _SLV_ERR:
                raise DmaSlaveError(f"MM2S DMASR 0x{mm2s:08x}")
            if mm2s & _INT_ERR:
                raise DmaInternalError(f"MM2S DMASR 0x{mm2s:08x}: length beyond C_SG_LENGTH_WIDTH {self.length_width} or unaligned")
            sr = self._status(True) if s2mm else mm2s
            if s2mm and sr & _DEC_ERR:
                raise DmaDecodeError(f"S2MM DMASR 0x{sr:08x}: no memory at the output buffer's address")
            if s2mm and sr & _SLV_ERR:
                raise DmaSlaveError(f"S2MM DMASR 0x{sr:08x}")
            if s2mm and sr & _INT_ERR:
                raise LongFrame(f"S2MM DMASR 0x{sr:08x}: the output frame did not end at {self.manifest.output.frame_bytes} bytes")
            if sr & _IDLE:
                return
            if self.clock() - t0 > self.timeout:
                raise DmaTimeout(f"{'S2MM' if s2mm else 'MM2S'} DMASR 0x{sr:08x} after {self.timeout} s")

    def _restart(self) -> None:
        self.dma.mmio.write(0x00, 0x4)  # reset both channels
        self.dma.sendchannel.start()
        self.dma.recvchannel.start()

    def run_codes(self, codes: np.ndarray) -> np.ndarray:
        m = self.manifest
        data = packing.pack(codes, m.input)
        frames = data.shape[0]
        in_bytes = frames * m.input.frame_bytes
        if in_bytes >> self.length_width or m.output.frame_bytes >> self.length_width:
            raise TransferTooLong(f"{in_bytes} bytes in one transfer; C_SG_LENGTH_WIDTH {self.length_width} allows {2**self.length_width - 1}")
        inb = self._pynq.allocate(shape=(in_bytes,), dtype=np.uint8)
        outb = self._pynq.allocate(shape=(frames * m.output.frame_bytes,), dtype=np.uint8)
        try:
            inb[:] = data.reshape(-1)
            inb.flush()
            outb.flush()
            fb = m.output.frame_bytes
            self.dma.recvchannel.transfer(outb, start=0, nbytes=fb)  # receive first
            self.dma.sendchannel.transfer(inb)
            for k in range(frames):
                self._wait(True)
                got = int(self.dma.mmio.read(0x58))
                if got != fb:
                    raise ShortFrame(f"output frame {k} of {got} bytes, the manifest's frame is {fb}")
                if k + 1 < frames:
                    self.dma.recvchannel.transfer(outb, start=(k + 1) * fb, nbytes=fb)
            self._wait(False)
            outb.invalidate()
            out = np.array(outb).reshape(frames, fb)
        except DmaError:
            self._restart()
            raise
        finally:
            inb.freebuffer()
            outb.freebuffer()
        return packing.unpack(out, m.output)
