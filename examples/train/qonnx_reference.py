"""The QONNX reference outputs of an exported model: QONNX execution
(qonnx.core.onnx_exec.execute_onnx on a ModelWrapper) of each image.

    python3 examples/train/qonnx_reference.py MODEL.onnx [REF.npz]

With REF.npz (default: MODEL.ref.npz next to MODEL.onnx) it reads the uint8
input codes `x` [N, 28, 28, 1] (HWC) from it, recomputes `y`, reports the
largest difference from the stored `y` and the argmax agreement, and exits
non-zero when they differ; `--write` stores the recomputed `y` instead
(with `--codes x.npy --labels y.npy` for a new file).

The model's input is the real value of the codes, code/256 (NCHW float32);
the output `y` is the model's output as float64, one row per image."""

import argparse
import os
import sys

import numpy as np


def load(path):
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.infer_shapes import InferShapes
    model = ModelWrapper(path)
    return model.transform(InferShapes())


def reference(path, codes, frac=8):
    """The model's outputs on the uint8 codes [N, H, W, C], one frame at a time
    (the exports have batch 1)."""
    from qonnx.core.onnx_exec import execute_onnx
    model = load(path)
    inp = model.graph.input[0].name
    out = model.graph.output[0].name
    x = codes.transpose(0, 3, 1, 2).astype(np.float32) / float(2 ** frac)
    rows = []
    for i in range(len(x)):
        res = execute_onnx(model, {inp: x[i:i + 1]})
        rows.append(np.asarray(res[out], dtype=np.float64).reshape(-1))
    return np.stack(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("ref", nargs="?")
    ap.add_argument("--write", action="store_true", help="store the recomputed y")
    ap.add_argument("--codes", help="uint8 input codes .npy [N, 28, 28, 1] for a new file")
    ap.add_argument("--labels", help="labels .npy for a new file")
    args = ap.parse_args()
    ref = args.ref or args.model[:-len(".onnx")] + ".ref.npz"
    if args.codes:
        x = np.load(args.codes).astype(np.uint8)
        labels = np.load(args.labels) if args.labels else np.zeros(len(x), np.int64)
        stored = None
    else:
        with np.load(ref) as f:
            x, labels, stored = f["x"], f["labels"], f["y"]
    y = reference(args.model, x)
    if stored is not None:
        diff = float(np.abs(y - stored).max())
        agree = float((y.argmax(1) == stored.argmax(1)).mean())
        print(f"{os.path.basename(args.model)}: {len(x)} frames, max |recomputed - stored| "
              f"{diff:.3g}, argmax agreement {agree:.4f}, accuracy "
              f"{(y.argmax(1) == labels).mean():.4f}")
    if args.write:
        np.savez_compressed(ref, x=x, y=y, labels=labels)
        print(f"wrote {ref}")
    elif stored is not None and diff != 0.0:
        sys.exit(1)


if __name__ == "__main__":
    main()
