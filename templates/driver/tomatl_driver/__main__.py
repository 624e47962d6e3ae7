"""python3 -m tomatl_driver selftest|bench|info --port /dev/ttyUSB0 [--manifest M]

  selftest  the bridge's geometry, the constant registers and the golden
            vectors (test/input.npy, test/expected.npy beside the manifest,
            or --input/--expected) bit for bit; exit 0 when all pass
  bench     frames/s and latency on random frames
  info      what the bridge was built for, and every register
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
    ap.add_argument("command", choices=["selftest", "bench", "info"])
    ap.add_argument("--port", required=True, help="serial port, e.g. /dev/ttyUSB0")
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


if __name__ == "__main__":
    sys.exit(main())
