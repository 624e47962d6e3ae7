"""Real data sets as tomatl tensors (.npy): integer codes shaped
[N, H, W, 1] (HWC) of an unsigned 8-bit input type, int64 labels.

    python3 examples/train/data.py digits OUTDIR    # scikit-learn's digits, 8x8
    python3 examples/train/data.py fashion OUTDIR   # Fashion-MNIST, 28x28

digits: codes 0..16, input type {bits: 8, signed: false, frac: 4}
(value = pixel / 16); a fixed shuffle (seed 0) puts 1257 images in the
training split and 540 in the test split.
fashion: codes 0..255, input type {bits: 8, signed: false, frac: 8}
(value = pixel / 256), from Debian's dataset-fashion-mnist (60000 training
and 10000 test images).

Writes x_train/y_train (training), x_calib (the first 500 training images,
for post-training quantization), x_test/y_test (evaluation)."""

import gzip
import os
import sys

import numpy as np

FASHION_DIR = "/usr/share/datasets/fashion-mnist"


def digits():
    from sklearn.datasets import load_digits
    d = load_digits()
    x = d.images.astype(np.uint8)[..., None]  # 0..16
    y = d.target.astype(np.int64)
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]
    n = 1257
    return (x[:n], y[:n]), (x[n:], y[n:])


def _idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def fashion():
    if not os.path.isdir(FASHION_DIR):
        sys.exit(f"error: {FASHION_DIR} is missing: install it with "
                 "`apt-get install -y dataset-fashion-mnist`")
    load = lambda n: _idx(os.path.join(FASHION_DIR, n))
    xtr = load("train-images-idx3-ubyte.gz")[..., None]
    ytr = load("train-labels-idx1-ubyte.gz").astype(np.int64)
    xte = load("t10k-images-idx3-ubyte.gz")[..., None]
    yte = load("t10k-labels-idx1-ubyte.gz").astype(np.int64)
    return (xtr, ytr), (xte, yte)


SETS = {"digits": (digits, 4), "fashion": (fashion, 8)}


def load(name):
    """((x_train, y_train), (x_test, y_test)) as codes, and the input frac."""
    fn, frac = SETS[name]
    return fn(), frac


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in SETS:
        sys.exit("usage: data.py digits|fashion OUTDIR")
    (xtr, ytr), (xte, yte) = load(sys.argv[1])[0]
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for name, a in [("x_train", xtr), ("y_train", ytr), ("x_calib", xtr[:500]),
                    ("x_test", xte), ("y_test", yte)]:
        np.save(os.path.join(out, name + ".npy"), a)
    print(f"{sys.argv[1]}: {len(xtr)} training and {len(xte)} test images in {out}")


if __name__ == "__main__":
    main()
