"""A small NumPy network library: just what the example CNNs need to train
on a CPU (convolution by im2col, batch norm, ReLU, 2x2 max pooling, dense,
softmax cross-entropy, Adam). Tensors are NCHW float32, as in ONNX."""

import numpy as np


class Param:
    def __init__(self, value):
        self.value = value.astype(np.float32)
        self.grad = np.zeros_like(self.value)
        self.m = np.zeros_like(self.value)
        self.v = np.zeros_like(self.value)


def _windows(xp, kh, kw):
    """Every kh x kw window of a padded NCHW tensor as rows (ky, kx inner per c)."""
    n, c, h, w = xp.shape
    oh, ow = h - kh + 1, w - kw + 1
    win = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))
    # win: (n, c, oh, ow, kh, kw) -> rows (n, oh, ow), columns (c, kh, kw)
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(n * oh * ow, c * kh * kw), oh, ow


class Conv:
    """Stride-1 convolution with zero padding `pad` on every side."""

    def __init__(self, rng, cin, cout, k, pad, bias=True):
        std = np.sqrt(2.0 / (cin * k * k))
        self.w = Param(rng.standard_normal((cout, cin, k, k)) * std)
        self.b = Param(np.zeros(cout)) if bias else None
        self.k, self.pad = k, pad

    def params(self):
        return [self.w] + ([self.b] if self.b else [])

    def forward(self, x, train):
        p = self.pad
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        cols, oh, ow = _windows(xp, self.k, self.k)
        wm = self.w.value.reshape(self.w.value.shape[0], -1)
        y = cols @ wm.T
        if self.b:
            y += self.b.value
        if train:
            self.cache = (x.shape, xp.shape, cols, oh, ow)
        n = x.shape[0]
        return y.reshape(n, oh, ow, -1).transpose(0, 3, 1, 2)

    def backward(self, dy):
        xshape, xpshape, cols, oh, ow = self.cache
        cout = dy.shape[1]
        d = dy.transpose(0, 2, 3, 1).reshape(-1, cout)
        self.w.grad += (d.T @ cols).reshape(self.w.value.shape)
        if self.b:
            self.b.grad += d.sum(axis=0)
        dcols = d @ self.w.value.reshape(cout, -1)
        n, c = xshape[0], xshape[1]
        k = self.k
        dcols = dcols.reshape(n, oh, ow, c, k, k)
        dxp = np.zeros(xpshape, dtype=np.float32)
        for ky in range(k):
            for kx in range(k):
                dxp[:, :, ky:ky + oh, kx:kx + ow] += dcols[:, :, :, :, ky, kx].transpose(0, 3, 1, 2)
        p = self.pad
        return dxp[:, :, p:p + xshape[2], p:p + xshape[3]]


class BatchNorm:
    def __init__(self, c, momentum=0.1, eps=1e-5):
        self.gamma = Param(np.ones(c))
        self.beta = Param(np.zeros(c))
        self.mean = np.zeros(c, dtype=np.float32)
        self.var = np.ones(c, dtype=np.float32)
        self.momentum, self.eps = momentum, eps

    def params(self):
        return [self.gamma, self.beta]

    def forward(self, x, train):
        if train:
            mu = x.mean(axis=(0, 2, 3))
            var = x.var(axis=(0, 2, 3))
            self.mean = (1 - self.momentum) * self.mean + self.momentum * mu
            n = x.size / x.shape[1]
            self.var = (1 - self.momentum) * self.var + self.momentum * var * n / (n - 1)
        else:
            mu, var = self.mean, self.var
        inv = 1.0 / np.sqrt(var + self.eps)
        xhat = (x - mu[None, :, None, None]) * inv[None, :, None, None]
        if train:
            self.cache = (xhat, inv)
        return self.gamma.value[None, :, None, None] * xhat + self.beta.value[None, :, None, None]

    def backward(self, dy):
        xhat, inv = self.cache
        self.gamma.grad += (dy * xhat).sum(axis=(0, 2, 3))
        self.beta.grad += dy.sum(axis=(0, 2, 3))
        n = dy.size / dy.shape[1]
        dxhat = dy * self.gamma.value[None, :, None, None]
        return (inv[None, :, None, None] / n) * (
            n * dxhat
            - dxhat.sum(axis=(0, 2, 3))[None, :, None, None]
            - xhat * (dxhat * xhat).sum(axis=(0, 2, 3))[None, :, None, None]
        )


class Relu:
    def params(self):
        return []

    def forward(self, x, train):
        if train:
            self.mask = x > 0
        return np.maximum(x, 0)

    def backward(self, dy):
        return dy * self.mask


class MaxPool2:
    def params(self):
        return []

    def forward(self, x, train):
        n, c, h, w = x.shape
        r = x.reshape(n, c, h // 2, 2, w // 2, 2)
        y = r.max(axis=(3, 5))
        if train:
            mask = r == y[:, :, :, None, :, None]
            # one winner per window: the first in row-major order
            first = mask.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5)
            first = first.reshape(n, c, h // 2, w // 2, 4)
            keep = np.zeros_like(first)
            idx = first.argmax(axis=-1)
            np.put_along_axis(keep, idx[..., None], True, axis=-1)
            self.keep = keep.reshape(n, c, h // 2, w // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5)
            self.shape = x.shape
        return y

    def backward(self, dy):
        g = self.keep * dy[:, :, :, None, :, None]
        return g.reshape(self.shape)


class Flatten:
    def params(self):
        return []

    def forward(self, x, train):
        self.shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy):
        return dy.reshape(self.shape)


class Dense:
    """y = x W^T + b with W shaped [out, in] (ONNX Gemm, transB = 1)."""

    def __init__(self, rng, din, dout):
        self.w = Param(rng.standard_normal((dout, din)) * np.sqrt(2.0 / din))
        self.b = Param(np.zeros(dout))

    def params(self):
        return [self.w, self.b]

    def forward(self, x, train):
        if train:
            self.x = x
        return x @ self.w.value.T + self.b.value

    def backward(self, dy):
        self.w.grad += dy.T @ self.x
        self.b.grad += dy.sum(axis=0)
        return dy @ self.w.value


class Sequential:
    def __init__(self, layers):
        self.layers = layers

    def params(self):
        return [p for l in self.layers for p in l.params()]

    def forward(self, x, train=False):
        for l in self.layers:
            x = l.forward(x, train)
        return x

    def backward(self, dy):
        for l in reversed(self.layers):
            dy = l.backward(dy)

    def predict(self, x, batch=500):
        return np.concatenate(
            [self.forward(x[i:i + batch]).argmax(axis=1) for i in range(0, len(x), batch)]
        )


def softmax_xent(logits, labels):
    """Mean cross-entropy and its gradient with respect to the logits."""
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    n = len(labels)
    loss = -np.log(p[np.arange(n), labels] + 1e-12).mean()
    g = p
    g[np.arange(n), labels] -= 1
    return loss, g / n


def train(model, x, y, epochs, batch, lr, seed, log=print):
    """Adam with a cosine learning-rate decay."""
    rng = np.random.default_rng(seed)
    params = model.params()
    b1, b2, eps = 0.9, 0.999, 1e-8
    steps = epochs * ((len(x) + batch - 1) // batch)
    t = 0
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        total = 0.0
        for i in range(0, len(x), batch):
            idx = order[i:i + batch]
            for p in params:
                p.grad[...] = 0
            loss, g = softmax_xent(model.forward(x[idx], train=True), y[idx])
            model.backward(g)
            t += 1
            a = lr * 0.5 * (1 + np.cos(np.pi * t / steps))
            for p in params:
                p.m = b1 * p.m + (1 - b1) * p.grad
                p.v = b2 * p.v + (1 - b2) * p.grad * p.grad
                mh = p.m / (1 - b1 ** t)
                vh = p.v / (1 - b2 ** t)
                p.value -= (a * mh / (np.sqrt(vh) + eps)).astype(np.float32)
            total += loss * len(idx)
        log(f"epoch {epoch + 1}/{epochs}: loss {total / len(x):.4f}")
