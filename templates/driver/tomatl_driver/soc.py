"""What the DMA back ends of the boards with a processor share (PYNQ's AXI
DMA in ``hal_pynq``, the Intel SoC's mSGDMAs in ``hal_hps``): frames of
codes or values through ``run_codes``, and the selftest on the golden
vectors."""

from __future__ import annotations

import os

import numpy as np

from . import packing
from .accelerator import Check, Output, SelftestReport


class DmaError(RuntimeError):
    """A DMA transfer failed."""


class SocAccelerator:
    """A back end gives ``manifest``, ``read_reg(offset)`` and
    ``run_codes(codes [frames, elems]) -> codes [frames, elems]``, and may
    add checks of its own before the registers (``preflight``)."""

    def preflight(self) -> list:
        return []

    def run(self, x) -> Output:
        m = self.manifest
        codes = packing.to_codes(packing.as_frames(x, m.input), m.input.type)
        y = self.run_codes(codes).reshape((-1,) + m.output.shape)
        return Output(y, packing.values(y, m.output.type))

    def selftest(self, inputs=None, expected=None) -> SelftestReport:
        """The back end's own checks, the constant registers and the golden
        vectors bit for bit (``test/`` beside the manifest by default)."""
        m = self.manifest
        checks = list(self.preflight())
        for r in m.registers.values():
            if r.value is not None:
                v = self.read_reg(r.offset)
                checks.append(Check(f"register {r.name}", v == r.value, f"0x{v:08x}"))
        if inputs is None or expected is None:
            base = os.path.join(os.path.dirname(m.path or "."), "test")
            inputs, expected = os.path.join(base, "input.npy"), os.path.join(base, "expected.npy")
        x = np.load(inputs) if isinstance(inputs, (str, os.PathLike)) else np.asarray(inputs)
        y = np.load(expected) if isinstance(expected, (str, os.PathLike)) else np.asarray(expected)
        try:
            got = self.run(x).codes
            want = np.asarray(y, np.int64).reshape(got.shape)
            for f in range(got.shape[0]):
                ok = bool(np.array_equal(got[f], want[f]))
                checks.append(Check(f"frame {f}", ok, "bit-exact" if ok else "differs"))
        except DmaError as e:
            checks.append(Check("golden vectors", False, f"{type(e).__name__}: {e}"))
        return SelftestReport(checks)
