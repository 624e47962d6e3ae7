"""Train an example CNN in NumPy and export it to ONNX.

    python3 examples/train/train.py digits examples/digits_cnn.onnx
    python3 examples/train/train.py fashion examples/fashion_cnn.onnx

Inputs are the real values of the tomatl input codes (data.py): pixel/16
for digits, pixel/256 for Fashion-MNIST. Deterministic for a given NumPy.
Prints the float test accuracy of the NumPy model and of the exported ONNX
model under onnxruntime (they must agree)."""

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import export  # noqa: E402
import nn  # noqa: E402


def digits_model(rng):
    layers = [nn.Conv(rng, 1, 8, 3, 1), nn.BatchNorm(8), nn.Relu(), nn.MaxPool2(),
              nn.Conv(rng, 8, 16, 3, 1), nn.Relu(), nn.MaxPool2(),
              nn.Flatten(), nn.Dense(rng, 16 * 2 * 2, 10)]
    names = ["conv1", "bn1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten", "fc"]
    return nn.Sequential(layers), names, dict(epochs=40, batch=32, lr=3e-3)


def fashion_model(rng):
    layers = [nn.Conv(rng, 1, 16, 3, 1), nn.BatchNorm(16), nn.Relu(), nn.MaxPool2(),
              nn.Conv(rng, 16, 32, 3, 1), nn.BatchNorm(32), nn.Relu(), nn.MaxPool2(),
              nn.Conv(rng, 32, 32, 1, 0), nn.Relu(),
              nn.Flatten(), nn.Dense(rng, 32 * 7 * 7, 64), nn.Relu(), nn.Dense(rng, 64, 10)]
    names = ["conv1", "bn1", "relu1", "pool1", "conv2", "bn2", "relu2", "pool2",
             "conv3", "relu3", "flatten", "fc1", "relu4", "fc2"]
    return nn.Sequential(layers), names, dict(epochs=4, batch=64, lr=2e-3)


MODELS = {"digits": digits_model, "fashion": fashion_model}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in MODELS:
        sys.exit("usage: train.py digits|fashion OUT.onnx")
    name, out = sys.argv[1], sys.argv[2]
    ((xtr, ytr), (xte, yte)), frac = data.load(name)
    real = lambda x: (x.astype(np.float32) / 2 ** frac).transpose(0, 3, 1, 2)
    xtr, xte = real(xtr), real(xte)
    rng = np.random.default_rng(1)
    model, names, cfg = MODELS[name](rng)
    t = time.time()
    nn.train(model, xtr, ytr, seed=2, **cfg)
    acc = (model.predict(xte) == yte).mean() * 100
    print(f"{name}: trained in {time.time() - t:.0f} s, float test accuracy {acc:.2f}%")
    doc = (f"{name} CNN trained by examples/train/train.py; input = pixel / 2^{frac} "
           f"(tomatl input type u8.{frac}); float test accuracy {acc:.2f}%")
    export.to_onnx(model, names, xtr.shape[1:], out, doc)
    ort = (export.ort_predict(out, xte) == yte).mean() * 100
    print(f"{name}: onnxruntime test accuracy {ort:.2f}% ({out}, {os.path.getsize(out)} bytes)")
    if abs(ort - acc) > 0.05:
        sys.exit("error: the exported model does not classify like the trained one")


if __name__ == "__main__":
    main()
