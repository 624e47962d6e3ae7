"""The driver against the Verilated bridge wrapped around a generated design
(testbenches/uart/), on a pseudo-terminal through pyserial.

generator/tests/rtl_uart.rs builds the simulation and the golden vectors and
runs this file with:
  TOMATL_UART_SIM   the simulation executable (prints "pty <path>")
  TOMATL_UART_CLK   its clock frequency, TOMATL_UART_BAUD its bit rate
  TOMATL_UART_RTL   the design's rtl/ folder (the ROM images), its cwd
  TOMATL_UART_DATA  a folder with design.json, input.npy, expected.npy,
                    input_real.npy, expected_real.npy (from `tomatl run`)
Without them the tests are skipped.
"""

import copy
import json
import os
import subprocess
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from tomatl_driver import (  # noqa: E402
    Accelerator,
    BridgeError,
    BridgeTimeout,
    ConfigMismatch,
    CrcError,
    ErrorCode,
    Manifest,
    ShortFrame,
)
from tomatl_driver import protocol as p  # noqa: E402
from tomatl_driver.hal_serial import SerialTransport  # noqa: E402

ENV = ("TOMATL_UART_SIM", "TOMATL_UART_CLK", "TOMATL_UART_BAUD", "TOMATL_UART_RTL", "TOMATL_UART_DATA")
HAVE_SIM = all(os.environ.get(k) for k in ENV)
SIM = None
PORT = None


def setUpModule():
    global SIM, PORT
    if not HAVE_SIM:
        return
    SIM = subprocess.Popen(
        [os.environ["TOMATL_UART_SIM"], os.environ["TOMATL_UART_CLK"], os.environ["TOMATL_UART_BAUD"], "300"],
        cwd=os.environ["TOMATL_UART_RTL"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = SIM.stdout.readline().split()
    if line[:1] != ["pty"]:
        raise RuntimeError(f"the simulation did not announce its pty: {line}")
    PORT = line[1]


def tearDownModule():
    if SIM is not None:
        SIM.stdin.close()  # the simulation exits when its stdin closes
        SIM.wait(timeout=30)


def data(name):
    return os.path.join(os.environ["TOMATL_UART_DATA"], name)


class Faulty:
    """A transport that damages the next reply: flips a bit of, or drops,
    byte ``index`` of what arrives."""

    def __init__(self, inner):
        self.inner = inner
        self.fault = None
        self.seen = 0

    def arm(self, kind, index):
        self.fault, self.seen, self.index = kind, 0, index

    def write(self, b):
        self.inner.write(b)

    def read(self, n, timeout):
        got = bytearray(self.inner.read(n, timeout))
        if self.fault and self.seen <= self.index < self.seen + len(got):
            i = self.index - self.seen
            if self.fault == "flip":
                got[i] ^= 0x04
            else:
                del got[i]
                self.seen += 1
            self.fault = None
        self.seen += len(got)
        return bytes(got)

    def close(self):
        self.inner.close()


@unittest.skipUnless(HAVE_SIM, "no simulation (run by generator/tests/rtl_uart.rs)")
class OnTheBridge(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.baud = int(os.environ["TOMATL_UART_BAUD"])
        cls.faulty = Faulty(SerialTransport(PORT, cls.baud))
        # generous: the simulation may run far slower than real time on a
        # busy machine; only failures wait this long
        cls.acc = Accelerator(cls.faulty, data("design.json"), timeout=10.0)
        cls.m = cls.acc.manifest

    @classmethod
    def tearDownClass(cls):
        cls.acc.close()

    def test_golden_codes(self):
        x = np.load(data("input.npy"))
        y = self.acc.run(x)
        want = np.load(data("expected.npy"))
        self.assertEqual(y.codes.shape, want.shape)
        np.testing.assert_array_equal(y.codes, want)
        np.testing.assert_array_equal(y.values, want * 2.0 ** -self.m.output.type.frac)

    def test_real_inputs_are_quantized_like_tomatl(self):
        x = np.load(data("input_real.npy"))
        self.assertEqual(x.dtype.kind, "f")
        y = self.acc.run(x)
        np.testing.assert_array_equal(y.codes, np.load(data("expected_real.npy")))
        # one frame on its own, shaped like the input
        one = self.acc.run(x[3])
        np.testing.assert_array_equal(one.codes[0], y.codes[3])

    def test_selftest(self):
        r = self.acc.selftest(data("input.npy"), data("expected.npy"))
        self.assertTrue(r.ok, str(r))
        names = [c.name for c in r.checks]
        for n in ("bridge", "register ID", "register NET_HASH", "golden vectors", "frame counters"):
            self.assertIn(n, names)
        # a wrong golden vector fails it
        bad = np.load(data("expected.npy")).copy()
        bad[1, 2] += 1
        r = self.acc.selftest(data("input.npy"), bad)
        self.assertFalse(r.ok)
        self.assertIn("frame 1, element [2]", str(r))

    def test_registers(self):
        regs = {r.name: r for r in self.m.registers.values()}
        self.assertEqual(self.acc.read_reg("ID"), regs["ID"].value)
        self.assertEqual(self.acc.read_reg("NET_HASH"), self.m.net_hash)
        self.acc.run(np.load(data("input.npy"))[:3])
        self.assertGreaterEqual(self.acc.read_reg("FRAMES_IN"), 3)
        self.acc.write_reg("CONTROL", 1)  # clear the counters
        self.assertEqual(self.acc.read_reg("FRAMES_IN"), 0)
        self.assertEqual(self.acc.read_reg("FRAMES_OUT"), 0)
        with self.assertRaises(BridgeError) as e:
            self.acc.read_reg(0x40)  # beyond the 6 address bits
        self.assertEqual(e.exception.code, ErrorCode.BAD_ADDRESS)

    def test_request_errors_are_named_and_nothing_reaches_the_accelerator(self):
        link = self.acc.link
        frames_in = self.acc.read_reg("FRAMES_IN")
        frame = bytes(self.m.input.frame_bytes)
        # a bad CRC
        pkt = bytearray(p.encode(p.Cmd.FRAME, 0x51, frame))
        pkt[-1] ^= 0x80
        link.send_raw(pkt)
        with self.assertRaises(BridgeError) as e:
            link.reply_to(0x51)
        self.assertEqual(e.exception.code, ErrorCode.BAD_CRC)
        # a frame of the wrong length
        link.send_raw(p.encode(p.Cmd.FRAME, 0x52, frame[:-1]))
        with self.assertRaises(BridgeError) as e:
            link.reply_to(0x52)
        self.assertEqual(e.exception.code, ErrorCode.BAD_LENGTH)
        # an unknown command
        link.send_raw(p.encode(0x33, 0x53, b"xyz"))
        with self.assertRaises(BridgeError) as e:
            link.reply_to(0x53)
        self.assertEqual(e.exception.code, ErrorCode.UNKNOWN_CMD)
        # a truncated frame: the bridge's inter-byte timeout
        link.send_raw(p.encode(p.Cmd.FRAME, 0x54, frame)[:9])
        with self.assertRaises(BridgeError) as e:
            link.reply_to(0x54)
        self.assertEqual(e.exception.code, ErrorCode.TIMEOUT)
        self.assertEqual(e.exception.cmd, p.Cmd.FRAME)
        self.assertEqual(self.acc.read_reg("FRAMES_IN"), frames_in)
        # and the link works
        np.testing.assert_array_equal(
            self.acc.run(np.load(data("input.npy"))[:1]).codes, np.load(data("expected.npy"))[:1]
        )

    def test_no_reply_is_a_bridge_timeout(self):
        # a packet whose SYNC is lost is invisible to the bridge
        pkt = bytearray(p.encode(p.Cmd.INFO, 0x61))
        pkt[0] = 0x00
        self.acc.link.send_raw(pkt)
        with self.assertRaises(BridgeTimeout):
            self.acc.link.reply_to(0x61, timeout=0.3)
        self.acc.info()

    def test_corrupt_reply_is_a_crc_error(self):
        self.faulty.arm("flip", 9)  # a payload byte of the output frame
        with self.assertRaises(CrcError):
            self.acc.run(np.load(data("input.npy"))[:1])
        self.acc.info()

    def test_lost_reply_byte_is_a_short_frame(self):
        self.faulty.arm("drop", 7)
        with self.assertRaises(ShortFrame) as e:
            self.acc.run(np.load(data("input.npy"))[:1])
        self.assertEqual(len(e.exception.received), 7 + self.m.output.frame_bytes - 1)
        self.acc.link.drain()
        self.acc.info()

    def test_manifest_mismatch(self):
        with open(data("design.json")) as f:
            d = json.load(f)
        longer = copy.deepcopy(d)
        out = longer["output"]
        out["shape"] = [out["shape"][0] + 1]
        out["beats_per_frame"] += 1
        with self.assertRaises(ConfigMismatch):
            Accelerator(self.faulty, Manifest.load(longer))
        acc = Accelerator(self.faulty, Manifest.load(longer), check=False, timeout=10.0)
        with self.assertRaises(ShortFrame):
            acc.run(np.load(data("input.npy"))[:1])

    def test_bench(self):
        b = self.acc.bench(frames=24, latency_frames=6)
        # two frames in flight keep both directions of the line busy (the
        # bridge buffers two), and none was refused
        self.assertEqual((b["window"], b["max_in_flight"]), (2, 2), b)
        self.assertGreater(b["frames_per_s"], 0)
        self.assertGreater(b["latency_s_min"], 0)


@unittest.skipUnless(HAVE_SIM, "no simulation (run by generator/tests/rtl_uart.rs)")
class CommandLine(unittest.TestCase):
    def run_cli(self, *args):
        env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(__file__), ".."))
        return subprocess.run(
            [sys.executable, "-m", "tomatl_driver", *args, "--port", PORT, "--baud", os.environ["TOMATL_UART_BAUD"]],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    def test_selftest(self):
        r = self.run_cli(
            "selftest", "--manifest", data("design.json"), "--input", data("input.npy"), "--expected", data("expected.npy")
        )
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("selftest passed", r.stdout)

    def test_selftest_fails_on_wrong_vectors(self):
        r = self.run_cli(
            "selftest", "--manifest", data("design.json"), "--input", data("input_real.npy"), "--expected", data("expected.npy")
        )
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("selftest FAILED", r.stdout)


@unittest.skipUnless(HAVE_SIM and os.environ.get("TOMATL_UART_PACKAGE"), "no deployment package (run by generator/tests/rtl_uart.rs)")
class DeploymentPackage(unittest.TestCase):
    """The package `tomatl build` writes (OUT/deploy/<board>/), used as a
    user would: its own driver copy, its manifest.json and its golden
    vectors found from the working directory, no other argument."""

    def test_selftest_in_the_package_folder(self):
        pkg = os.environ["TOMATL_UART_PACKAGE"]
        r = subprocess.run(
            [sys.executable, "-m", "tomatl_driver", "selftest", "--port", PORT,
             "--baud", os.environ["TOMATL_UART_BAUD"], "--timeout", "10"],
            capture_output=True,
            text=True,
            cwd=pkg,
            env=dict(os.environ, PYTHONPATH=pkg),
            timeout=120,
        )
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("selftest passed", r.stdout)
        self.assertIn("golden vectors", r.stdout)


if __name__ == "__main__":
    unittest.main()
