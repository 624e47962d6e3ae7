"""Packing (DESIGN.md §6) and quantization against naive references."""

import os
import random
import sys
import unittest
from fractions import Fraction

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from tomatl_driver import packing  # noqa: E402
from tomatl_driver.packing import Stream, TensorType  # noqa: E402


def naive_pack(codes, s):
    """Bit by bit: element e of beat b at bits [e*bits, (e+1)*bits) of the
    beat, the beat's bytes little-endian."""
    out = []
    b = s.type.bits
    for frame in codes:
        data = bytearray()
        for beat in range(s.beats_per_frame):
            word = 0
            for e in range(s.elems_per_beat):
                v = int(frame[beat * s.elems_per_beat + e]) & ((1 << b) - 1)
                word |= v << (e * b)
            data += word.to_bytes(s.beat_bytes, "little")
        out.append(bytes(data))
    return out


def naive_code(x, ty):
    """saturate(round_half_up(x * 2^frac)) in exact rational arithmetic."""
    s = Fraction(x) * Fraction(2) ** ty.frac
    f = s.numerator // s.denominator
    r = f + 1 if s - f >= Fraction(1, 2) else f
    return max(ty.min_code, min(ty.max_code, r))


class Packing(unittest.TestCase):
    def test_round_trip_against_naive(self):
        rng = random.Random(5)
        for bits in (1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17, 31, 32, 40, 63):
            for signed in (False, True):
                for elems in (1, 2, 3, 5):
                    ty = TensorType(bits, signed, rng.randint(-2, 9))
                    width = elems * bits
                    tbits = 8
                    while tbits < width:
                        tbits *= 2
                    beats = rng.randint(1, 4)
                    s = Stream((elems * beats,), ty, elems, beats, tbits)
                    codes = np.array(
                        [[rng.randint(ty.min_code, ty.max_code) for _ in range(s.elems)] for _ in range(3)],
                        dtype=np.int64,
                    )
                    codes[0, 0] = ty.min_code
                    codes[0, -1] = ty.max_code
                    data = packing.pack(codes, s)
                    self.assertEqual([bytes(r) for r in data], naive_pack(codes, s), (bits, signed, elems))
                    np.testing.assert_array_equal(packing.unpack(data, s), codes)

    def test_chw_output_is_unpacked_in_onnx_order(self):
        # a [2, 3, 2] image streamed HWC, delivered (c, h, w)
        d = {"shape": [12], "type": {"bits": 8, "signed": True, "frac": 0}, "elems_per_beat": 4,
             "beats_per_frame": 3, "tdata_bits": 32, "stream": "y", "chw": [2, 3, 2]}
        s = Stream.from_json(d)
        hwc = np.arange(12, dtype=np.int64).reshape(1, 12)
        got = packing.unpack(packing.pack(hwc, Stream.from_json({**d, "chw": None})), s)
        np.testing.assert_array_equal(got, hwc.reshape(1, 2, 3, 2).transpose(0, 3, 1, 2).reshape(1, 12))
        with self.assertRaises(ValueError):
            Stream.from_json({**d, "chw": [2, 2, 2]})

    def test_design_json_stream(self):
        s = Stream.from_json(
            {"shape": [2, 2, 3], "type": {"bits": 4, "signed": True, "frac": 2}, "elems_per_beat": 3,
             "beats_per_frame": 4, "tdata_bits": 16, "stream": "x"}
        )
        self.assertEqual((s.elems, s.beat_bytes, s.frame_bytes), (12, 2, 8))
        # elements -1, 2, -8 in one beat: 0xf | 0x2 << 4 | 0x8 << 8 = 0x08 2f
        codes = np.array([[-1, 2, -8] + [0] * 9])
        self.assertEqual(bytes(packing.pack(codes, s)[0][:2]), bytes([0x2F, 0x08]))
        with self.assertRaises(ValueError):
            Stream.from_json({"shape": [5], "type": {"bits": 8, "signed": True, "frac": 0}, "elems_per_beat": 2,
                              "beats_per_frame": 2, "tdata_bits": 16})


class Quantize(unittest.TestCase):
    def test_against_exact_rounding(self):
        rng = random.Random(9)
        for ty in (TensorType(8, True, 5), TensorType(8, False, 4), TensorType(4, True, 0), TensorType(16, True, 8)):
            xs = []
            for _ in range(400):
                k = rng.randint(-600, 600)
                xs.append((k + 0.5) / 2**ty.frac)  # ties
                xs.append(k / 2**ty.frac)
                xs.append(rng.uniform(-2, 2) * 2 ** (ty.bits - ty.frac))  # saturation
            xs += [0.49999999999999994 / 2**ty.frac, -0.5 / 2**ty.frac, -2.5 / 2**ty.frac]
            got = packing.quantize(np.array(xs), ty)
            want = [naive_code(x, ty) for x in xs]
            self.assertEqual(got.tolist(), want, ty)

    def test_codes_are_checked(self):
        ty = TensorType(8, True, 5)
        np.testing.assert_array_equal(packing.to_codes(np.array([-128, 127], np.int16), ty), [-128, 127])
        with self.assertRaises(ValueError) as e:
            packing.to_codes(np.array([[0, 128]]), ty)
        self.assertIn("[0, 1]", str(e.exception))
        with self.assertRaises(ValueError):
            packing.quantize([float("nan")], ty)


if __name__ == "__main__":
    unittest.main()
