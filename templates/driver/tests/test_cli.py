"""The command line without a board: clear messages, no tracebacks."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

PKG = os.path.join(os.path.dirname(__file__), "..")

MANIFEST = {
    "input": {"shape": [4], "type": {"bits": 8, "signed": True, "frac": 0}, "elems_per_beat": 1,
              "beats_per_frame": 4, "tdata_bits": 8},
    "output": {"shape": [2], "type": {"bits": 16, "signed": True, "frac": 8}, "elems_per_beat": 1,
               "beats_per_frame": 2, "tdata_bits": 16},
    "registers": [{"name": "ID", "offset": 0, "value": 1414353996}],
}


class CommandLine(unittest.TestCase):
    def run_cli(self, args, extra_path=None, cwd=None):
        path = os.pathsep.join(p for p in (extra_path, PKG) if p)
        return subprocess.run(
            [sys.executable, "-m", "tomatl_driver", *args],
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONPATH=path),
            cwd=cwd,
            timeout=60,
        )

    def test_without_pyserial(self):
        with tempfile.TemporaryDirectory() as d:
            # a `serial` that cannot be imported, as on a machine without pyserial
            os.mkdir(os.path.join(d, "serial"))
            with open(os.path.join(d, "serial", "__init__.py"), "w") as f:
                f.write("raise ImportError('No module named serial')\n")
            m = os.path.join(d, "design.json")
            with open(m, "w") as f:
                json.dump(MANIFEST, f)
            r = self.run_cli(["info", "--port", "/dev/ttyUSB9", "--manifest", m], extra_path=d)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("pyserial not found", r.stderr)
        self.assertNotIn("Traceback", r.stderr)

    def test_without_a_manifest(self):
        with tempfile.TemporaryDirectory() as d:
            r = self.run_cli(["selftest", "--port", "/dev/ttyUSB9"], cwd=d)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no manifest", r.stderr)
        self.assertNotIn("Traceback", r.stderr)

    def test_bad_manifest(self):
        with tempfile.TemporaryDirectory() as d:
            m = os.path.join(d, "manifest.json")
            with open(m, "w") as f:
                json.dump({"input": MANIFEST["input"]}, f)
            r = self.run_cli(["info", "--port", "/dev/ttyUSB9", "--manifest", m])
        self.assertEqual(r.returncode, 2)
        self.assertIn("'output'", r.stderr)
        self.assertNotIn("Traceback", r.stderr)


if __name__ == "__main__":
    unittest.main()
