"""Numbers to stream words and back (DESIGN.md §6).

A tensor type is ``{bits, signed, frac}``: code ``q`` means ``q * 2**-frac``.
A beat of ``tdata_bits`` bits (a whole number of bytes) carries
``elems_per_beat`` elements, element ``i`` at bits ``[i*bits, (i+1)*bits)``,
least significant first, two's complement when signed, zero-padded; a frame
is ``beats_per_frame`` beats, each sent as ``tdata_bits / 8`` bytes,
little-endian.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TensorType:
    bits: int
    signed: bool
    frac: int

    @staticmethod
    def from_json(d: dict) -> "TensorType":
        return TensorType(int(d["bits"]), bool(d["signed"]), int(d.get("frac", 0)))

    @property
    def min_code(self) -> int:
        return -(1 << (self.bits - 1)) if self.signed else 0

    @property
    def max_code(self) -> int:
        return (1 << (self.bits - 1)) - 1 if self.signed else (1 << self.bits) - 1

    def short(self) -> str:
        return f"{'s' if self.signed else 'u'}{self.bits}.{self.frac}"


@dataclass(frozen=True)
class Stream:
    """One of the accelerator's two streams (design.json ``input``/``output``)."""

    shape: tuple
    type: TensorType
    elems_per_beat: int
    beats_per_frame: int
    tdata_bits: int
    # the output's [h, w, c] image delivered in ONNX's (c, h, w) order
    # (design.json ``output.chw``, a flatten with ``order: chw``); the
    # stream carries it in HWC order
    chw: tuple | None = None

    @staticmethod
    def from_json(d: dict) -> "Stream":
        s = Stream(
            tuple(int(v) for v in d["shape"]),
            TensorType.from_json(d["type"]),
            int(d["elems_per_beat"]),
            int(d["beats_per_frame"]),
            int(d["tdata_bits"]),
            tuple(int(v) for v in d["chw"]) if d.get("chw") else None,
        )
        if s.chw is not None and (len(s.chw) != 3 or int(np.prod(s.chw)) != s.elems):
            raise ValueError(f"an output image {list(s.chw)} is not a frame of shape {list(s.shape)}")
        if s.tdata_bits % 8 or s.elems_per_beat * s.type.bits > s.tdata_bits:
            raise ValueError(f"stream words of {s.tdata_bits} bits cannot hold {s.elems_per_beat} x {s.type.bits} bits")
        if s.elems_per_beat * s.beats_per_frame != s.elems:
            raise ValueError(
                f"{s.beats_per_frame} beats of {s.elems_per_beat} elements are not a frame of shape {list(s.shape)}"
            )
        if not 1 <= s.type.bits <= 63:
            raise ValueError(f"{s.type.bits}-bit elements are not supported")
        return s

    @property
    def elems(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def beat_bytes(self) -> int:
        return self.tdata_bits // 8

    @property
    def frame_bytes(self) -> int:
        return self.beat_bytes * self.beats_per_frame


def round_half_up(s: np.ndarray) -> np.ndarray:
    """Nearest integer, ties towards +inf, exactly (as the golden model:
    ``floor(s)`` plus one when ``s - floor(s) >= 0.5``)."""
    f = np.floor(s)
    return f + (s - f >= 0.5)


def quantize(x, ty: TensorType) -> np.ndarray:
    """Real values to codes: ``saturate(round_half_up(x * 2**frac))``."""
    a = np.asarray(x, dtype=np.float64)
    if np.isnan(a).any():
        raise ValueError("NaN in the input")
    s = round_half_up(a * 2.0**ty.frac)
    return np.clip(s, ty.min_code, ty.max_code).astype(np.int64)


def to_codes(x, ty: TensorType) -> np.ndarray:
    """Integer arrays are codes (checked against the type's range); float
    arrays are real values, quantized."""
    a = np.asarray(x)
    if a.dtype.kind in "iub":
        c = a.astype(np.int64)
        bad = (c < ty.min_code) | (c > ty.max_code)
        if bad.any():
            i = tuple(int(v) for v in np.argwhere(bad)[0])
            raise ValueError(
                f"code {int(c[i])} at index {list(i)} is out of range for {ty.short()} "
                f"({ty.min_code}..{ty.max_code})"
            )
        return c
    if a.dtype.kind == "f":
        return quantize(a, ty)
    raise ValueError(f"unsupported dtype {a.dtype}")


def values(codes: np.ndarray, ty: TensorType) -> np.ndarray:
    """Codes to real values."""
    return np.asarray(codes, dtype=np.float64) * 2.0**-ty.frac


def as_frames(x, s: Stream) -> np.ndarray:
    """``x`` shaped ``[frames, *shape]``, ``[frames, elems]`` or one frame
    ``shape`` as ``[frames, elems]``."""
    a = np.asarray(x)
    if a.shape == s.shape or a.shape == (s.elems,):
        return a.reshape(1, s.elems)
    if a.ndim >= 1 and (a.shape[1:] == s.shape or a.shape[1:] == (s.elems,)):
        return a.reshape(a.shape[0], s.elems)
    raise ValueError(f"input of shape {list(a.shape)}: expected [frames, {', '.join(map(str, s.shape))}]")


def pack(codes: np.ndarray, s: Stream) -> np.ndarray:
    """Codes ``[frames, elems]`` to frame bytes ``[frames, frame_bytes]``."""
    c = np.asarray(codes, dtype=np.int64)
    frames = c.shape[0]
    b = s.type.bits
    u = (c & ((1 << b) - 1)).astype(np.uint64)
    u = u.reshape(frames, s.beats_per_frame, s.elems_per_beat)
    bits = ((u[..., None] >> np.arange(b, dtype=np.uint64)) & np.uint64(1)).astype(np.uint8)
    bits = bits.reshape(frames, s.beats_per_frame, s.elems_per_beat * b)
    pad = s.tdata_bits - s.elems_per_beat * b
    if pad:
        bits = np.concatenate([bits, np.zeros((frames, s.beats_per_frame, pad), np.uint8)], axis=2)
    by = np.packbits(bits, axis=2, bitorder="little")
    return by.reshape(frames, s.frame_bytes)


def unpack(data, s: Stream) -> np.ndarray:
    """Frame bytes ``[frames, frame_bytes]`` (or one frame's bytes) to codes
    ``[frames, elems]``, in ONNX's (c, h, w) order for a ``chw`` output."""
    by = np.frombuffer(bytes(data), dtype=np.uint8) if isinstance(data, (bytes, bytearray)) else np.asarray(data, np.uint8)
    by = by.reshape(-1, s.beats_per_frame, s.beat_bytes)
    frames = by.shape[0]
    b = s.type.bits
    bits = np.unpackbits(by, axis=2, bitorder="little")[:, :, : s.elems_per_beat * b]
    bits = bits.reshape(frames, s.beats_per_frame, s.elems_per_beat, b).astype(np.uint64)
    u = (bits << np.arange(b, dtype=np.uint64)).sum(axis=3, dtype=np.uint64)
    v = u.astype(np.int64)
    if s.type.signed:
        sign = np.int64(1 << (b - 1))
        v = (v ^ sign) - sign
    if s.chw is not None:
        h, w, c = s.chw
        return v.reshape(frames, h, w, c).transpose(0, 3, 1, 2).reshape(frames, s.elems)
    return v.reshape(frames, s.elems)
