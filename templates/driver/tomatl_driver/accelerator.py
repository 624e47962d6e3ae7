"""A tomatl accelerator behind the UART bridge.

    acc = Accelerator("/dev/ttyUSB0", "design.json")
    y = acc.run(x)            # x: codes (integers) or real values (floats)
    y.codes, y.values
    acc.read_reg("FRAMES_OUT")
    acc.selftest()            # golden vectors beside the manifest
    acc.bench()               # frames/s and latency

The manifest is a JSON object with at least ``input`` and ``output`` (shape,
type {bits, signed, frac}, elems_per_beat, beats_per_frame, tdata_bits) and
``registers`` (name, offset, and a value for constant registers): the
entries of a generated ``design.json``, which can be used as it is.
Optional: ``uart`` {``baud``}, ``net_hash``, ``name``.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from . import packing
from .packing import Stream
from .protocol import (
    BridgeError,
    ConfigMismatch,
    Cmd,
    ErrorCode,
    Info,
    Link,
    ProtocolError,
    Reply,
    ShortFrame,
    read_request,
    write_request,
)

DEFAULT_BAUD = 1_000_000


@dataclass(frozen=True)
class Register:
    name: str
    offset: int
    value: int | None = None
    access: str = ""


@dataclass
class Manifest:
    input: Stream
    output: Stream
    registers: dict = field(default_factory=dict)
    name: str = ""
    net_hash: int | None = None
    baud: int | None = None
    path: str | None = None

    @staticmethod
    def load(source) -> "Manifest":
        """From a path (design.json or manifest.json) or a parsed dict."""
        path = None
        if isinstance(source, (str, os.PathLike)):
            path = os.fspath(source)
            with open(path) as f:
                d = json.load(f)
        else:
            d = dict(source)
        try:
            regs = {}
            for r in d.get("registers", []):
                reg = Register(str(r["name"]), int(r["offset"]), r.get("value"), str(r.get("access", "")))
                regs[reg.name] = reg
            uart = d.get("uart") or {}
            return Manifest(
                Stream.from_json(d["input"]),
                Stream.from_json(d["output"]),
                regs,
                str(d.get("name", "")),
                d.get("net_hash"),
                int(uart["baud"]) if "baud" in uart else None,
                path,
            )
        except KeyError as e:
            raise ValueError(f"{path or 'manifest'}: no {e.args[0]!r} entry (expected design.json's input, output, registers)") from e

    def offset(self, reg) -> int:
        if isinstance(reg, int):
            return reg
        try:
            return self.registers[reg].offset
        except KeyError:
            raise KeyError(f"no register {reg!r}; the manifest has {', '.join(self.registers)}") from None


class Output(NamedTuple):
    """Output frames: ``codes`` (int64) and ``values`` (codes * 2**-frac),
    both shaped ``[frames, *output shape]``."""

    codes: np.ndarray
    values: np.ndarray


@dataclass
class Check:
    name: str
    ok: bool
    message: str


@dataclass
class SelftestReport:
    checks: list

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def __str__(self) -> str:
        lines = [f"{'ok  ' if c.ok else 'FAIL'} {c.name}: {c.message}" for c in self.checks]
        lines.append("selftest passed" if self.ok else "selftest FAILED")
        return "\n".join(lines)


class Accelerator:
    """``port``: a serial port path, or a transport object (``write``,
    ``read(n, timeout)``); ``manifest``: a path or a :class:`Manifest`.
    With ``check`` the bridge's INFO is compared with the manifest at once
    (:class:`ConfigMismatch`)."""

    def __init__(self, port, manifest, *, baud: int | None = None, timeout: float = 1.0, check: bool = True):
        self.manifest = manifest if isinstance(manifest, Manifest) else Manifest.load(manifest)
        if isinstance(port, (str, os.PathLike)):
            from .hal_serial import SerialTransport

            transport = SerialTransport(os.fspath(port), baud or self.manifest.baud or DEFAULT_BAUD)
        else:
            transport = port
        self.link = Link(transport, timeout)
        self._info: Info | None = None
        self.max_in_flight = 0  # most frames sent and not yet answered
        if check:
            self.check_info()

    # ------------------------------------------------------------ control

    def info(self) -> Info:
        p = self.link.request(Cmd.INFO)
        self._expect(p, Reply.INFO)
        self._info = Info.parse(p.payload)
        return self._info

    def check_info(self) -> Info:
        """INFO against the manifest's frame geometry."""
        i = self.info()
        m = self.manifest
        want = (m.input.beat_bytes, m.input.beats_per_frame, m.output.beat_bytes, m.output.beats_per_frame)
        got = (i.in_bytes, i.in_beats, i.out_bytes, i.out_beats)
        if got != want:
            raise ConfigMismatch(
                "the bridge moves frames of {} x {} bytes in and {} x {} out; the manifest says "
                "{} x {} in and {} x {} out".format(*got, *want)
            )
        return i

    def read_reg(self, reg) -> int:
        """A 32-bit register, by name or byte offset."""
        p = self.link.request(Cmd.READ, read_request(self.manifest.offset(reg)))
        self._expect(p, Reply.READ, 4)
        return int.from_bytes(p.payload, "little")

    def write_reg(self, reg, value: int, strobe: int = 0xF) -> None:
        p = self.link.request(Cmd.WRITE, write_request(self.manifest.offset(reg), value, strobe))
        self._expect(p, Reply.WRITE)

    @staticmethod
    def _expect(p, kind: int, length: int | None = None) -> None:
        if p.cmd != kind:
            raise ProtocolError(f"expected a reply 0x{kind:02x}, got 0x{p.cmd:02x}")
        if length is not None and len(p.payload) != length:
            raise ShortFrame(f"reply of {len(p.payload)} bytes, expected {length}", p.payload)

    # ------------------------------------------------------------- frames

    def window(self) -> int:
        """Frames that may be in flight without a BUSY (INFO)."""
        return max(1, self._info.frames_buffered) if self._info else 1

    def run_codes(self, codes: np.ndarray, window: int | None = None) -> np.ndarray:
        """Input codes ``[frames, elems]`` to output codes ``[frames, elems]``,
        keeping up to ``window`` frames in flight."""
        m = self.manifest
        data = packing.pack(codes, m.input)
        frames = data.shape[0]
        out = np.zeros((frames, m.output.frame_bytes), np.uint8)
        window = window or self.window()
        pending: dict[int, int] = {}  # tag -> frame
        done: set[int] = set()
        sent = got = 0
        while got < frames:
            while sent < frames and len(pending) < window:
                tag = self.link.send(Cmd.FRAME, data[sent].tobytes())
                pending[tag] = sent
                sent += 1
            self.max_in_flight = max(self.max_in_flight, len(pending))
            p = self.link.receive()
            if p.tag not in pending:
                if p.cmd == Reply.ERROR and p.tag in done:
                    p.raise_error()  # OUTPUT_TLAST of a frame already received
                self.link.stray_replies += 1
                continue
            p.raise_error()
            if p.cmd != Reply.OUTPUT:
                raise ProtocolError(f"expected an output frame, got a reply 0x{p.cmd:02x}")
            n = len(p.payload)
            if n < m.output.frame_bytes:
                raise ShortFrame(
                    f"output frame of {n} bytes, the manifest's frame is {m.output.frame_bytes}", p.payload
                )
            if n > m.output.frame_bytes:
                raise ProtocolError(f"output frame of {n} bytes, the manifest's frame is {m.output.frame_bytes}")
            i = pending.pop(p.tag)
            done.add(p.tag)
            out[i] = np.frombuffer(p.payload, np.uint8)
            got += 1
        return packing.unpack(out, m.output)

    def run(self, x, window: int | None = None) -> Output:
        """Frames ``x`` (``[frames, *input shape]``, or one frame) to outputs.
        Integer arrays are codes; float arrays are real values, quantized by
        the input type (round half up, saturate)."""
        m = self.manifest
        codes = packing.to_codes(packing.as_frames(x, m.input), m.input.type)
        y = self.run_codes(codes, window).reshape((-1,) + m.output.shape)
        return Output(y, packing.values(y, m.output.type))

    # ----------------------------------------------------------- selftest

    def _vectors(self, inputs, expected):
        if inputs is None or expected is None:
            base = os.path.dirname(self.manifest.path or ".")
            for d in (os.path.join(base, "test"), base):
                i, e = os.path.join(d, "input.npy"), os.path.join(d, "expected.npy")
                if os.path.isfile(i) and os.path.isfile(e):
                    inputs, expected = inputs or i, expected or e
                    break
        if inputs is None or expected is None:
            raise FileNotFoundError("no golden vectors (test/input.npy and test/expected.npy beside the manifest)")
        load = lambda v: np.load(v) if isinstance(v, (str, os.PathLike)) else np.asarray(v)  # noqa: E731
        return load(inputs), load(expected)

    def selftest(self, inputs=None, expected=None) -> SelftestReport:
        """The bridge's geometry, the constant registers, and the golden
        vectors bit for bit (with the frame counters)."""
        m = self.manifest
        checks = []

        def check(name, f):
            try:
                ok, msg = f()
            except (ProtocolError, OSError, ValueError, KeyError) as e:
                ok, msg = False, f"{type(e).__name__}: {e}"
            checks.append(Check(name, ok, msg))
            return ok

        def info():
            i = self.check_info()
            return True, f"protocol {i.version}, {i.frames_buffered} frame(s) buffered, frames of {m.input.frame_bytes} bytes in, {m.output.frame_bytes} out"

        check("bridge", info)
        for r in m.registers.values():
            if r.value is not None:
                def const(r=r):
                    v = self.read_reg(r.offset)
                    return v == r.value, f"0x{v:08x}" + ("" if v == r.value else f", expected 0x{r.value:08x}")

                check(f"register {r.name}", const)
        counters = [n for n in ("FRAMES_IN", "FRAMES_OUT") if n in m.registers]
        before = {}

        def read_counters():
            before.update({n: self.read_reg(n) for n in counters})
            return True, ", ".join(f"{n} {v}" for n, v in before.items()) or "none in the manifest"

        check("counters", read_counters)

        def vectors():
            x, y = self._vectors(inputs, expected)
            t0 = time.monotonic()
            got = self.run(x).codes
            dt = time.monotonic() - t0
            want = packing.to_codes(np.asarray(y), m.output.type).reshape(got.shape)
            bad = np.argwhere(got != want)
            if len(bad):
                f, *e = (int(v) for v in bad[0])
                return False, (
                    f"{len(np.unique(bad[:, 0]))} of {got.shape[0]} frames differ; first: frame {f}, element {e}: "
                    f"got {int(got[tuple(bad[0])])}, expected {int(want[tuple(bad[0])])}"
                )
            return True, f"{got.shape[0]} frames bit-exact ({got.shape[0] / dt:.1f} frames/s)"

        ran = check("golden vectors", vectors)
        if ran and counters:
            frames = self._vectors(inputs, expected)[0].reshape((-1,) + m.input.shape).shape[0]

            def advanced():
                after = {n: self.read_reg(n) for n in counters}
                d = {n: (after[n] - before[n]) & 0xFFFFFFFF for n in counters}
                return all(v == frames for v in d.values()), ", ".join(f"{n} +{v}" for n, v in d.items()) + f" (sent {frames})"

            check("frame counters", advanced)
        return SelftestReport(checks)

    # -------------------------------------------------------------- bench

    def bench(self, frames: int = 200, latency_frames: int = 20, seed: int = 1) -> dict:
        """Throughput (frames in flight as INFO allows) and latency (one
        frame at a time, request to reply) on random input codes."""
        m = self.manifest
        t = m.input.type
        rng = np.random.default_rng(seed)
        x = rng.integers(t.min_code, t.max_code + 1, size=(frames, m.input.elems), dtype=np.int64)
        self.max_in_flight = 0
        t0 = time.monotonic()
        self.run_codes(x)
        dt = time.monotonic() - t0
        in_flight = self.max_in_flight
        lat = []
        for i in range(latency_frames):
            s = time.monotonic()
            self.run_codes(x[i % frames : i % frames + 1], window=1)
            lat.append(time.monotonic() - s)
        return {
            "frames": frames,
            "frames_per_s": frames / dt,
            "window": self.window(),
            "max_in_flight": in_flight,
            "latency_s_mean": float(np.mean(lat)) if lat else None,
            "latency_s_min": float(np.min(lat)) if lat else None,
            "latency_s_max": float(np.max(lat)) if lat else None,
            "bytes_in_per_frame": m.input.frame_bytes + 7,
            "bytes_out_per_frame": m.output.frame_bytes + 7,
        }

    # -------------------------------------------------------------- misc

    def close(self) -> None:
        self.link.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


__all__ = [
    "Accelerator",
    "BridgeError",
    "ErrorCode",
    "Manifest",
    "Output",
    "Register",
    "SelftestReport",
]
