"""A tomatl accelerator behind two mSGDMAs on an Intel SoC (the DE10-Nano's
Cyclone V), from the HPS's Linux.

    acc = HpsAccelerator("manifest.json")
    y = acc.run(x)            # x: codes (integers) or real values (floats)
    acc.selftest()            # golden vectors beside the manifest

The registers are on the lightweight HPS-to-FPGA bridge (the manifest's
``control_base`` for the accelerator, ``dma_base`` for the mSGDMAs'
windows, as ``quartus/soc_system.tcl`` places them), mapped through UIO
(the overlay's ``tomatl_dma`` / ``tomatl_accel``) or ``/dev/mem``; buffers
come from u-dma-buf (``/dev/udmabuf0``), its cache maintenance through
sysfs. Before anything is touched the manifest's DMA is checked (the
mSGDMAs' names and stream widths against the streams) and so are the
bridges: each of ``lwhps2fpga`` and ``fpga2sdram`` that Linux lists under
``/sys/class/fpga_bridge`` (or ``$TOMATL_FPGA_BRIDGE_ROOT``) must be
enabled. ``$TOMATL_HPS_PLATFORM`` names a module whose ``open_platform()``
stands in for the memory map (the tests' simulated system); a platform
with a ``now()`` (seconds) times the waits by it, else the monotonic
clock does.

A run is the C driver's (tomatl_dma_msgdma.c): one memory-to-stream
descriptor with all input frames (generate SOP and EOP), one
stream-to-memory descriptor per output frame (end on EOP), each frame's
response read from S2MM's response port: fewer bytes than a frame is a
:class:`ShortFrame`, early termination a :class:`LongFrame`.
"""

from __future__ import annotations

import importlib
import json
import mmap
import os
import time

import numpy as np

from . import packing
from .accelerator import Check, Manifest
from .soc import DmaError, SocAccelerator

DMA_IP = "altera_msgdma"
DMA_IN, DMA_OUT = "msgdma_mm2s", "msgdma_s2mm"
BRIDGES = ("lwhps2fpga", "fpga2sdram")
BRIDGE_ROOT = "/sys/class/fpga_bridge"

# the mSGDMAs' windows from the manifest's dma_base (quartus::regions())
MM2S_CSR, MM2S_DESC, S2MM_CSR, S2MM_DESC, S2MM_RESPONSE = 0x0000, 0x0020, 0x1000, 0x1020, 0x1040
DMA_SPAN, ACCEL_SPAN = 0x2000, 0x1000
# CSR status and control bits, descriptor control bits, response bits
_BUSY, _DESC_EMPTY, _RESP_EMPTY, _RESETTING, _IRQ = 1 << 0, 1 << 1, 1 << 3, 1 << 6, 1 << 9
_STOPPED_ANY = (1 << 5) | (1 << 7) | (1 << 8)
_RESET, _STOP_ON_ERROR, _STOP_ON_EARLY = 1 << 1, 1 << 2, 1 << 3
_GEN_SOP, _GEN_EOP, _END_ON_EOP, _GO = 1 << 8, 1 << 9, 1 << 12, 1 << 31
_EARLY, _ERROR = 1 << 8, 0xFF


class BridgeDisabled(RuntimeError):
    """An HPS-FPGA bridge is disabled: the registers or the DMAs' memory cannot be reached."""


class ManifestMismatch(ValueError):
    """The manifest's DMA is not this driver's (names, IP, widths)."""


class DmaTimeout(DmaError):
    """A transfer did not finish in time."""


class TransferTooLong(DmaError):
    """A transfer of 2**length_width bytes or more (the mSGDMA's MAX_BYTE)."""


class ShortFrame(DmaError):
    """The output frame ended (end of packet) before its last beat."""


class LongFrame(DmaError):
    """No end of packet at the output frame's last beat (early termination)."""


def check_bridges(root: str | None = None, names=BRIDGES) -> list:
    """Raise :class:`BridgeDisabled` for a listed bridge that is not
    enabled; the notes on bridges Linux does not list."""
    root = root or os.environ.get("TOMATL_FPGA_BRIDGE_ROOT") or BRIDGE_ROOT
    if not os.path.isdir(root):
        return [f"no {root}: cannot check the HPS-FPGA bridges (taken as enabled)"]
    found = {}
    for entry in sorted(os.listdir(root)):
        try:
            with open(os.path.join(root, entry, "name")) as f:
                name = f.read().strip()
            with open(os.path.join(root, entry, "state")) as f:
                found[name] = (os.path.join(root, entry), f.read().strip())
        except OSError:
            continue
    notes = []
    for name in names:
        if name not in found:
            notes.append(f"Linux lists no bridge {name} under {root} (taken as the boot loader left it)")
            continue
        where, state = found[name]
        if state != "enabled":
            raise BridgeDisabled(
                f"the FPGA bridge {name} ({where}) is {state}: enable the bridges after loading the bitstream, "
                "through a device-tree overlay on the FPGA region (which enables them once the FPGA is configured) "
                "or with U-Boot's `bridge enable` after `fpga load`"
            )
    return notes


def check_manifest(raw: dict, manifest: Manifest, path: str = "manifest.json") -> dict:
    """The manifest's ``dma`` against this driver and the streams."""
    dma = raw.get("dma")
    if raw.get("host") != "msgdma" or not isinstance(dma, dict):
        raise ManifestMismatch(f"{path}: host {raw.get('host')!r}, not an Intel SoC package (host msgdma with a dma entry)")
    want = {
        "ip": DMA_IP,
        "mm2s": DMA_IN,
        "s2mm": DMA_OUT,
        "mm2s_tdata_bits": manifest.input.tdata_bits,
        "s2mm_tdata_bits": manifest.output.tdata_bits,
    }
    for key, value in want.items():
        if dma.get(key) != value:
            raise ManifestMismatch(f"{path}: dma {key} is {dma.get(key)!r}, expected {value!r} (the input and output stream words, the mSGDMAs of soc_system.tcl)")
    for key in ("length_width", "dma_base", "control_base"):
        if not isinstance(dma.get(key), int):
            raise ManifestMismatch(f"{path}: dma has no integer {key}")
    return dma


# ---------------------------------------------------------------- Linux


class _Window:
    def __init__(self, mm, size):
        self._mm, self._words, self.size = mm, memoryview(mm).cast("I"), size

    def read(self, off: int) -> int:
        return int(self._words[off // 4])

    def write(self, off: int, value: int) -> None:
        self._words[off // 4] = int(value) & 0xFFFFFFFF


class _UdmaBuffer:
    def __init__(self, platform, at, nbytes):
        self._p, self._at = platform, at
        self.array = np.frombuffer(platform._mem, dtype=np.uint8, count=nbytes, offset=at)
        self.phys = platform._mem_phys + at

    def _sync(self, to_device: bool) -> None:
        s = self._p._sys
        for name, value in (("sync_offset", self._at), ("sync_size", self.array.nbytes), ("sync_direction", 1 if to_device else 2), ("sync_for_device" if to_device else "sync_for_cpu", 1)):
            with open(os.path.join(s, name), "w") as f:
                f.write(str(value))

    def flush(self) -> None:
        self._sync(True)

    def invalidate(self) -> None:
        self._sync(False)


class LinuxPlatform:
    """UIO (or /dev/mem) windows and u-dma-buf buffers."""

    def __init__(self, udmabuf: str = "udmabuf0"):
        self._sys = f"/sys/class/u-dma-buf/{udmabuf}"
        try:
            with open(os.path.join(self._sys, "phys_addr")) as f:
                self._mem_phys = int(f.read().strip(), 0)
            with open(os.path.join(self._sys, "size")) as f:
                size = int(f.read().strip(), 0)
            fd = os.open(f"/dev/{udmabuf}", os.O_RDWR)
        except OSError as e:
            raise OSError(f"no u-dma-buf {udmabuf} ({e}): load the u-dma-buf module with the package's overlay (driver/c/tomatl.dtso)") from e
        try:
            self._mem = mmap.mmap(fd, size)
        finally:
            os.close(fd)
        self._next = 0

    @staticmethod
    def _uio(name: str):
        base = "/sys/class/uio"
        for entry in sorted(os.listdir(base)) if os.path.isdir(base) else []:
            try:
                with open(os.path.join(base, entry, "name")) as f:
                    if f.read().strip() == name:
                        return entry
            except OSError:
                continue
        return None

    def regs(self, phys: int, span: int, uio_name: str):
        uio = self._uio(uio_name)
        path, offset = (f"/dev/{uio}", 0) if uio else ("/dev/mem", phys)
        fd = os.open(path, os.O_RDWR | os.O_SYNC)
        try:
            return _Window(mmap.mmap(fd, span, offset=offset), span)
        finally:
            os.close(fd)

    def buffer(self, nbytes: int):
        at = (self._next + 4095) & ~4095
        if at + nbytes > len(self._mem):
            raise MemoryError(f"u-dma-buf has {len(self._mem)} bytes; {nbytes} more do not fit")
        self._next = at + nbytes
        return _UdmaBuffer(self, at, nbytes)

    def release(self) -> None:
        self._next = 0


def open_platform():
    """The memory map: $TOMATL_HPS_PLATFORM's stand-in, else Linux's."""
    name = os.environ.get("TOMATL_HPS_PLATFORM")
    if name:
        return importlib.import_module(name).open_platform()
    return LinuxPlatform()


# ------------------------------------------------------------ the driver


class HpsAccelerator(SocAccelerator):
    """``manifest``: the package's manifest.json (a path)."""

    def __init__(self, manifest, *, platform=None, timeout: float = 1.0):
        path = os.fspath(manifest)
        with open(path) as f:
            raw = json.load(f)
        self.manifest = Manifest.load(path)
        dma = check_manifest(raw, self.manifest, path)
        self.notes = check_bridges()
        self.length_width = int(dma["length_width"])
        self.platform = platform or open_platform()
        self.dma = self.platform.regs(int(dma["dma_base"]), DMA_SPAN, "tomatl_dma")
        self.accel = self.platform.regs(int(dma["control_base"]), ACCEL_SPAN, "tomatl_accel")
        self.timeout = timeout
        self._now = getattr(self.platform, "now", time.monotonic)
        self._reset()

    def read_reg(self, reg) -> int:
        return self.accel.read(self.manifest.offset(reg))

    def _reset(self) -> None:
        for csr in (MM2S_CSR, S2MM_CSR):
            self.dma.write(csr + 4, _RESET)
        t0 = self._now()
        while (self.dma.read(MM2S_CSR) | self.dma.read(S2MM_CSR)) & _RESETTING:
            if self._now() - t0 > self.timeout:
                raise DmaTimeout("the mSGDMAs did not come out of reset")
        for csr in (MM2S_CSR, S2MM_CSR):
            self.dma.write(csr + 4, _STOP_ON_ERROR | _STOP_ON_EARLY)
            self.dma.write(csr, _IRQ)

    def _descriptor(self, at: int, read: int, write: int, nbytes: int, control: int) -> None:
        self.dma.write(at + 0x0, read & 0xFFFFFFFF)
        self.dma.write(at + 0x4, write & 0xFFFFFFFF)
        self.dma.write(at + 0x8, nbytes)
        self.dma.write(at + 0xC, control | _GO)

    def _response(self, k: int) -> int:
        t0 = self._now()
        while True:
            st = self.dma.read(S2MM_CSR)
            if not st & _RESP_EMPTY:
                nbytes = self.dma.read(S2MM_RESPONSE)
                status = self.dma.read(S2MM_RESPONSE + 4)  # pops the response
                if status & _EARLY:
                    raise LongFrame(f"output frame {k}: no end of packet within {nbytes} bytes (the manifest's frame is {self.manifest.output.frame_bytes}; S2MM early termination)")
                if status & _ERROR:
                    raise DmaError(f"output frame {k}: S2MM response error 0x{status & _ERROR:02x}")
                return nbytes
            if self._now() - t0 > self.timeout:
                raise DmaTimeout(f"output frame {k}: no S2MM response after {self.timeout} s (status 0x{st:08x})")

    def _mm2s_done(self) -> None:
        t0 = self._now()
        while True:
            st = self.dma.read(MM2S_CSR)
            if not st & _BUSY and st & _DESC_EMPTY:
                return
            if self._now() - t0 > self.timeout:
                raise DmaTimeout(f"MM2S still busy after {self.timeout} s (status 0x{st:08x})")

    def run_codes(self, codes: np.ndarray) -> np.ndarray:
        m = self.manifest
        data = packing.pack(codes, m.input)
        frames = data.shape[0]
        in_bytes, fb = frames * m.input.frame_bytes, m.output.frame_bytes
        if in_bytes >> self.length_width or fb >> self.length_width:
            raise TransferTooLong(f"{in_bytes} bytes in one transfer; the mSGDMA's MAX_BYTE allows {2**self.length_width - 1} here")
        if (self.dma.read(MM2S_CSR) | self.dma.read(S2MM_CSR)) & (_STOPPED_ANY | _BUSY) or not self.dma.read(S2MM_CSR) & _RESP_EMPTY:
            self._reset()
        inb = self.platform.buffer(in_bytes)
        outb = self.platform.buffer(frames * fb)
        try:
            inb.array[:] = data.reshape(-1)
            inb.flush()
            outb.flush()
            self._descriptor(S2MM_DESC, 0, outb.phys, fb, _END_ON_EOP)  # receive first
            self._descriptor(MM2S_DESC, inb.phys, 0, in_bytes, _GEN_SOP | _GEN_EOP)
            for k in range(frames):
                got = self._response(k)
                if got != fb:
                    raise ShortFrame(f"output frame {k} of {got} bytes, the manifest's frame is {fb}")
                if k + 1 < frames:
                    self._descriptor(S2MM_DESC, 0, outb.phys + (k + 1) * fb, fb, _END_ON_EOP)
            self._mm2s_done()
            outb.invalidate()
            out = np.array(outb.array).reshape(frames, fb)
        except DmaError:
            self._reset()
            raise
        finally:
            self.platform.release()
        return packing.unpack(out, m.output)

    def preflight(self) -> list:
        return [Check("bridges", True, "; ".join(self.notes) or f"{', '.join(BRIDGES)} enabled")]
