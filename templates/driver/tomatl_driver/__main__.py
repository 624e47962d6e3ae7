"""python3 -m tomatl_driver selftest|bench|info|check [--port /dev/ttyUSB0 | --bitfile X.bit] [--manifest M]

  selftest  the link's geometry, the constant registers and the golden
            vectors (test/input.npy, test/expected.npy beside the manifest,
            or --input/--expected) bit for bit; exit 0 when all pass
  bench     frames/s and latency on random frames
  info      what the link was built for, and every register
  check     every file of the package against its SHA-256 in manifest.json

A board reached over its USB serial port (manifest host "uart") takes
--port; a Zynq (host "axi-dma") takes --bitfile, the overlay, with PYNQ;
an Intel SoC (host "msgdma", the DE10-Nano) needs neither: the bitstream
is loaded and the bridges enabled beforehand, and the manifest.json of
the package says where the mSGDMAs are.
"""

from __future__ import annotations

import argparse
import json
import os
import sys


def _default_manifest() -> str | None:
    for name in ("manifest.json", "design.json"):
        if os.path.isfile(name):
            return name
    return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m tomatl_driver", description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["selftest", "bench", "info", "check"])
    ap.add_argument("--port", default=None, help="serial port, e.g. /dev/ttyUSB0 (a board over USB serial)")
    ap.add_argument("--bitfile", default=None, help="the overlay's .bit, its .hwh beside it (a Zynq, with PYNQ)")
    ap.add_argument("--manifest", default=None, help="design.json or manifest.json (default: in the working directory)")
    ap.add_argument("--baud", type=int, default=None, help="UART rate (default: the manifest's, else 1000000)")
    ap.add_argument("--timeout", type=float, default=1.0, help="seconds to wait for a reply")
    ap.add_argument("--input", default=None, help="selftest input frames (.npy)")
    ap.add_argument("--expected", default=None, help="selftest expected output codes (.npy)")
    ap.add_argument("--frames", type=int, default=200, help="bench: frames")
    a = ap.parse_args(argv)

    manifest = a.manifest or _default_manifest()
    if manifest is None:
        print("no manifest: pass --manifest design.json (or run where manifest.json is)", file=sys.stderr)
        return 2
    if a.command == "check":
        from .package import check_files

        bad = check_files(manifest)
        for line in bad:
            print(line, file=sys.stderr)
        print("package files match manifest.json" if not bad else f"{len(bad)} file(s) do not match manifest.json")
        return 0 if not bad else 1
    with open(manifest, encoding="utf-8") as f:
        host = json.load(f).get("host", "uart")
    if host == "axi-dma":
        return _pynq(a, manifest)
    if host == "msgdma":
        return _hps(a, manifest)
    if a.port is None:
        print("--port is needed: the serial port the board is on, e.g. /dev/ttyUSB0", file=sys.stderr)
        return 2
    from .accelerator import Accelerator
    from .protocol import ProtocolError

    try:
        acc = Accelerator(a.port, manifest, baud=a.baud, timeout=a.timeout, check=a.command != "selftest")
    except (OSError, RuntimeError, ValueError, ProtocolError) as e:
        print(f"cannot open the accelerator: {e}", file=sys.stderr)
        return 2
    try:
        if a.command == "selftest":
            report = acc.selftest(a.input, a.expected)
            print(report)
            return 0 if report.ok else 1
        if a.command == "bench":
            print(json.dumps(acc.bench(a.frames), indent=2))
            return 0
        i = acc.info()
        print(json.dumps(i.__dict__, indent=2))
        for r in acc.manifest.registers.values():
            print(f"{r.name:12s} 0x{r.offset:02x}  0x{acc.read_reg(r.offset):08x}")
        return 0
    except (OSError, ValueError, ProtocolError) as e:
        print(f"{a.command} failed: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    finally:
        acc.close()


def _pynq(a, manifest: str) -> int:
    """The commands on a Zynq, through PYNQ's overlay and AXI DMA."""
    if a.bitfile is None:
        print("--bitfile is needed: the overlay's .bit (its .hwh beside it, same basename)", file=sys.stderr)
        return 2
    try:
        from .hal_pynq import PynqAccelerator
    except ImportError as e:
        print(f"pynq not found ({e}): run on the board's PYNQ image, or install pynq", file=sys.stderr)
        return 2
    try:
        acc = PynqAccelerator(a.bitfile, manifest)
    except (OSError, ValueError, RuntimeError) as e:
        print(f"cannot load the overlay: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    return _soc_command(a, acc, "a Zynq", (OSError, ValueError, RuntimeError))


def _soc_command(a, acc, where: str, failures) -> int:
    """`selftest` or `regs` on a board's DMA back end `acc`; exit code."""
    try:
        if a.command == "selftest":
            report = acc.selftest(a.input, a.expected)
            print(report)
            return 0 if report.ok else 1
        if a.command == "bench":
            print(f"bench: not on {where} yet; selftest prints the frames' results", file=sys.stderr)
            return 2
        for r in acc.manifest.registers.values():
            print(f"{r.name:12s} 0x{r.offset:02x}  0x{acc.read_reg(r.offset):08x}")
        return 0
    except failures as e:
        print(f"{a.command} failed: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


def _hps(a, manifest: str) -> int:
    """The commands on an Intel SoC, through the mSGDMAs on the lightweight bridge."""
    from .hal_hps import BridgeDisabled, DmaError, HpsAccelerator, ManifestMismatch

    try:
        acc = HpsAccelerator(manifest, timeout=a.timeout)
    except (BridgeDisabled, ManifestMismatch) as e:
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return 2
    except (OSError, ValueError, RuntimeError) as e:
        print(f"cannot open the accelerator: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    return _soc_command(a, acc, "the Intel SoC", (OSError, ValueError, DmaError))


if __name__ == "__main__":
    sys.exit(main())
