"""Run an ONNX model in onnxruntime on tomatl tensors.

    python3 examples/train/ort_run.py MODEL.onnx X.npy Y.npy [--input-frac F]

X is [N, H, W, C] (or [N, features]): integer arrays are codes scaled by
2^-F, float arrays real values. Y is written as float32 [N, outputs]."""

import argparse

import numpy as np
import onnxruntime as ort


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("x")
    ap.add_argument("y")
    ap.add_argument("--input-frac", type=int, default=0)
    a = ap.parse_args()
    x = np.load(a.x)
    x = x.astype(np.float32) / 2.0 ** a.input_frac if x.dtype.kind in "iu" else x.astype(np.float32)
    if x.ndim == 4:
        x = x.transpose(0, 3, 1, 2)
    s = ort.InferenceSession(a.model, providers=["CPUExecutionProvider"])
    name = s.get_inputs()[0].name
    y = np.concatenate([s.run(None, {name: x[i:i + 256]})[0] for i in range(0, len(x), 256)])
    np.save(a.y, y.reshape(len(x), -1).astype(np.float32))


if __name__ == "__main__":
    main()
