"""Quantization-aware trained Brevitas models on Fashion-MNIST, exported to
QONNX (examples/brevitas/), with their QONNX reference outputs.

    python3 examples/train/brevitas_models.py [MODEL ...] [--out examples/brevitas]

MODEL is any of tfc_w1a1, tfc_w2a2, cnv_w4a4, cnv_w4a4_pow2, res_w4a4_pow2
(all when none is named). Needs torch, brevitas, qonnx, onnx, onnxruntime
(examples/brevitas/README.md has the versions); `make test` never runs it.

Every model reads the real value of 8-bit pixel codes, pixel/256, and
quantizes it first with an unsigned 8-bit QuantIdentity whose scale is the
constant 2^-8, so the exported graph is integer from the pixel codes on
(tomatl input type {bits: 8, signed: false, frac: 8}).

For each model it trains a float twin (the same layers without quantizers)
and the quantized model, then exports:

    <model>.onnx          export_qonnx(..., dynamo=False): the TorchScript exporter
    <model>_clean.onnx    the same after qonnx.util.cleanup
    <model>_dynamo.onnx   export_qonnx(..., dynamo=True): the torch.export exporter
                          (Brevitas's default from torch 2.9 on)

and, for each file, <file>.ref.npz: the uint8 codes `x` [200, 28, 28, 1] of
the first 200 test images, `y` the QONNX execution's output (float64) and
`labels`, checked against Brevitas in torch. `accuracy.json` collects the
float and quantized test accuracies and the checks."""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

import brevitas
import brevitas.nn as qnn
from brevitas.core.scaling import ScalingImplType
from brevitas.export import export_qonnx
from brevitas.quant import (Int8ActPerTensorFixedPoint, Int8WeightPerTensorFixedPoint,
                            SignedBinaryActPerTensorConst,
                            SignedBinaryWeightPerTensorConst, Uint8ActPerTensorFixedPoint)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import data  # noqa: E402
import qonnx_reference  # noqa: E402

N_REF = 200


class PixelQuant(Uint8ActPerTensorFixedPoint):
    """Unsigned 8 bits at the constant scale 2^-8: the pixel codes exactly."""
    scaling_impl_type = ScalingImplType.CONST
    scaling_const = 1.0  # threshold 1.0 over the power-of-two int scale 2^8
    max_val = 1.0
    bit_width = 8


def pixel_quant(quant):
    if not quant:
        return nn.Identity()
    return qnn.QuantIdentity(act_quant=PixelQuant, return_quant_tensor=True)


# --- the models: quant=False builds the float twin of the same shape ---------

class TFC(nn.Module):
    """784 -> 64 -> 64 -> 64 -> 10: dense without bias, batch norm, then a
    1-bit bipolar (w1a1) or 2-bit signed hard-tanh (w2a2) activation; the
    last dense layer has no batch norm."""

    def __init__(self, bits, quant=True, width=64):
        super().__init__()
        self.inp = pixel_quant(quant)
        layers = []
        n_in = 28 * 28
        for _ in range(3):
            layers += [self._dense(n_in, width, bits, quant), nn.BatchNorm1d(width),
                       self._act(bits, quant)]
            n_in = width
        layers.append(self._dense(n_in, 10, bits, quant))
        if quant and bits > 1:
            # the 2-bit weights' float scale makes the logits real numbers:
            # an 8-bit output quantizer makes them integers times a scale
            layers.append(qnn.QuantIdentity(bit_width=8))
        self.body = nn.Sequential(*layers)

    @staticmethod
    def _dense(n_in, n_out, bits, quant):
        if not quant:
            return nn.Linear(n_in, n_out, bias=False)
        if bits == 1:
            return qnn.QuantLinear(n_in, n_out, bias=False,
                                   weight_quant=SignedBinaryWeightPerTensorConst,
                                   weight_scaling_const=1.0)
        return qnn.QuantLinear(n_in, n_out, bias=False, weight_bit_width=bits)

    @staticmethod
    def _act(bits, quant):
        if not quant:
            return nn.Hardtanh()
        if bits == 1:
            return qnn.QuantIdentity(act_quant=SignedBinaryActPerTensorConst)
        return qnn.QuantHardTanh(bit_width=bits, min_val=-1.0, max_val=1.0)

    def forward(self, x):
        x = self.inp(x)
        return self.body(torch.flatten(x, 1))


class CNV(nn.Module):
    """conv3x3 16, conv3x3 16, maxpool 2, conv3x3 32, maxpool 2, dense 10 (no
    padding: 28 -> 26 -> 24 -> 12 -> 10 -> 5), 4-bit weights and activations.

    pow2=False: Brevitas's default quantizers (per-tensor float scales:
    Int8WeightPerTensorFloat, Uint8ActPerTensorFloat, Int8ActPerTensorFloat
    at 4 bits), convolutions without bias followed by batch norm.
    pow2=True: power-of-two scales (the fixed-point quantizers at 4 bits),
    no batch norm and no biases (tomatl's import takes no quantized bias yet)."""

    def __init__(self, pow2, quant=True, widths=(16, 16, 32)):
        super().__init__()
        self.pow2 = pow2
        self.inp = pixel_quant(quant)
        c1, c2, c3 = widths
        self.f1 = self._conv_block(1, c1, quant)
        self.f2 = self._conv_block(c1, c2, quant)
        self.pool = nn.MaxPool2d(2)
        self.f3 = self._conv_block(c2, c3, quant)
        n = c3 * 5 * 5
        if not quant:
            self.head = nn.Sequential(nn.Linear(n, 10, bias=False))
        elif pow2:
            self.head = nn.Sequential(
                qnn.QuantLinear(n, 10, bias=False, weight_quant=Int8WeightPerTensorFixedPoint,
                                weight_bit_width=4),
                qnn.QuantIdentity(act_quant=Int8ActPerTensorFixedPoint, bit_width=8))
        else:
            self.head = nn.Sequential(qnn.QuantLinear(n, 10, bias=False, weight_bit_width=4),
                                      qnn.QuantIdentity(bit_width=8))

    def _conv_block(self, cin, cout, quant):
        if not quant:
            if self.pow2:
                return nn.Sequential(nn.Conv2d(cin, cout, 3, bias=False), nn.ReLU())
            return nn.Sequential(nn.Conv2d(cin, cout, 3, bias=False), nn.BatchNorm2d(cout),
                                 nn.ReLU())
        if self.pow2:
            return nn.Sequential(
                qnn.QuantConv2d(cin, cout, 3, bias=False,
                                weight_quant=Int8WeightPerTensorFixedPoint, weight_bit_width=4),
                qnn.QuantReLU(act_quant=Uint8ActPerTensorFixedPoint, bit_width=4,
                              return_quant_tensor=True))
        return nn.Sequential(qnn.QuantConv2d(cin, cout, 3, bias=False, weight_bit_width=4),
                             nn.BatchNorm2d(cout), qnn.QuantReLU(bit_width=4))

    def forward(self, x):
        x = self.inp(x)
        x = self.pool(self.f2(self.f1(x)))
        x = self.pool(self.f3(x))
        return self.head(torch.flatten(x, 1))


class Res(nn.Module):
    """conv3x3 16 + ReLU (a), maxpool 2, then a residual block: conv3x3 16 +
    ReLU, conv3x3 16 (c), a + c, ReLU; maxpool 2, dense 10. Padding 1
    throughout (28 -> 14 -> 7), 4-bit weights and activations with
    power-of-two scales, no biases, no batch norm.
    The skip and the branch are both 4-bit power-of-two tensors (their scales
    may differ); the sum is requantized by the ReLU after it."""

    def __init__(self, quant=True, width=16):
        super().__init__()
        self.quant = quant
        self.inp = pixel_quant(quant)
        self.c0 = self._conv(1, width)
        self.a0 = self._relu()
        self.pool = nn.MaxPool2d(2)
        self.c1 = self._conv(width, width)
        self.a1 = self._relu()
        self.c2 = self._conv(width, width)
        self.q2 = (qnn.QuantIdentity(act_quant=Int8ActPerTensorFixedPoint, bit_width=4,
                                     return_quant_tensor=True) if quant else nn.Identity())
        self.a2 = self._relu()
        n = width * 7 * 7
        if quant:
            self.head = nn.Sequential(
                qnn.QuantLinear(n, 10, bias=False, weight_quant=Int8WeightPerTensorFixedPoint,
                                weight_bit_width=4),
                qnn.QuantIdentity(act_quant=Int8ActPerTensorFixedPoint, bit_width=8))
        else:
            self.head = nn.Linear(n, 10, bias=False)

    def _conv(self, cin, cout):
        if not self.quant:
            return nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        return qnn.QuantConv2d(cin, cout, 3, padding=1, bias=False,
                               weight_quant=Int8WeightPerTensorFixedPoint, weight_bit_width=4)

    def _relu(self):
        if not self.quant:
            return nn.ReLU()
        return qnn.QuantReLU(act_quant=Uint8ActPerTensorFixedPoint, bit_width=4,
                             return_quant_tensor=True)

    @staticmethod
    def _value(t):
        return t.value if hasattr(t, "value") else t

    def forward(self, x):
        x = self.inp(x)
        a = self.pool(self.a0(self.c0(x)))
        c = self.q2(self.c2(self.a1(self.c1(a))))
        # the plain sum of the two real tensors: an ONNX Add of two Quant outputs
        s = self.a2(self._value(a) + self._value(c))
        return self.head(torch.flatten(self.pool(s), 1))


# name: (builder, epochs, training images, learning rate, logit scale of the loss)
# Brevitas's fake quantization is slow on a CPU: the convolutional models see
# a part of the training split so that each trains in a few minutes on 2 cores.
MODELS = {
    "tfc_w1a1": (lambda q: TFC(1, q), 1, 60000, 3e-3, 1 / 8),
    "tfc_w2a2": (lambda q: TFC(2, q), 1, 60000, 3e-3, 1.0),
    "cnv_w4a4": (lambda q: CNV(False, q), 1, 20000, 3e-3, 1.0),
    "cnv_w4a4_pow2": (lambda q: CNV(True, q), 1, 20000, 3e-3, 1.0),
    "res_w4a4_pow2": (lambda q: Res(q), 1, 20000, 3e-3, 1.0),
}

DESCRIPTIONS = {
    "tfc_w1a1": "TFC-like MLP 784-64-64-64-10, 1-bit weights (±1, constant scale 1), "
                "batch norm, bipolar 1-bit activations",
    "tfc_w2a2": "TFC-like MLP 784-64-64-64-10, 2-bit weights (float scale), batch norm, "
                "2-bit hard-tanh activations (float scale), 8-bit output quantizer",
    "cnv_w4a4": "CNV-like CNN conv16-conv16-pool-conv32-pool-dense10, Brevitas default "
                "quantizers at 4 bits (float scales), batch norm",
    "cnv_w4a4_pow2": "CNV-like CNN conv16-conv16-pool-conv32-pool-dense10, fixed-point "
                     "quantizers at 4 bits (power-of-two scales), no batch norm",
    "res_w4a4_pow2": "conv16-pool, residual block (conv16, conv16, skip add), pool, dense10, "
                     "fixed-point 4 bits (power-of-two scales), no batch norm",
}


# --- training and evaluation ------------------------------------------------

def to_torch(codes):
    """uint8 HWC codes [N, 28, 28, 1] -> float NCHW pixel/256."""
    return torch.from_numpy(codes.transpose(0, 3, 1, 2).astype(np.float32) / 256.0)


BATCH = 256


def train(model, xtr, ytr, epochs, lr, seed, logit_scale=1.0):
    """Adam with a one-cycle schedule; the loss sees the logits times
    logit_scale (the binary model's integer logits span +-64)."""
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * ((len(xtr) + BATCH - 1) // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(seed)
    model.train()
    for ep in range(epochs):
        order = torch.randperm(len(xtr), generator=gen)
        total = 0.0
        for i in range(0, len(xtr), BATCH):
            idx = order[i:i + BATCH]
            out = model(xtr[idx])
            loss = loss_fn(out * logit_scale, ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        print(f"    epoch {ep + 1}/{epochs}: loss {total / len(xtr):.4f}", flush=True)
    model.eval()


@torch.no_grad()
def predict(model, x):
    model.eval()
    outs = [model(x[i:i + 500]) for i in range(0, len(x), 500)]
    return torch.cat([o.value if hasattr(o, "value") else o for o in outs]).double().numpy()


def export_all(name, model, out_dir):
    """The three exports of one model; returns their paths."""
    from qonnx.util.cleanup import cleanup
    sample = to_torch(np.zeros((1, 28, 28, 1), np.uint8))
    path = os.path.join(out_dir, f"{name}.onnx")
    export_qonnx(model, sample, export_path=path, dynamo=False)
    clean = os.path.join(out_dir, f"{name}_clean.onnx")
    cleanup(path, out_file=clean)
    dynamo = os.path.join(out_dir, f"{name}_dynamo.onnx")
    export_qonnx(model, sample, export_path=dynamo, dynamo=True)
    _drop_unused_external_data(dynamo)
    return [path, clean, dynamo]


def _drop_unused_external_data(path):
    """torch's dynamo exporter leaves MODEL.onnx.data behind, but the model
    Brevitas saves holds every initializer itself: remove the stray file."""
    import onnx
    stray = path + ".data"
    if not os.path.exists(stray):
        return
    m = onnx.load(path, load_external_data=False)
    if any(t.data_location == onnx.TensorProto.EXTERNAL for t in m.graph.initializer):
        return
    os.remove(stray)


def run(name, out_dir, xtr, ytr, xte, yte):
    build, epochs, n_train, lr, logit_scale = MODELS[name]
    t0 = time.time()
    xtr_t, ytr_t = to_torch(xtr[:n_train]), torch.from_numpy(ytr[:n_train])
    xte_t = to_torch(xte)
    print(f"{name}: float twin", flush=True)
    fmodel = build(False)
    train(fmodel, xtr_t, ytr_t, epochs, lr, seed=0, logit_scale=logit_scale)
    float_acc = float((predict(fmodel, xte_t).argmax(1) == yte).mean())
    print(f"{name}: quantized model", flush=True)
    qmodel = build(True)
    train(qmodel, xtr_t, ytr_t, epochs, lr, seed=0, logit_scale=logit_scale)
    torch_out = predict(qmodel, xte_t)
    quant_acc = float((torch_out.argmax(1) == yte).mean())
    train_s = time.time() - t0
    print(f"{name}: float {float_acc:.4f}, quantized {quant_acc:.4f} ({train_s:.0f} s)",
          flush=True)

    files = {}
    for path in export_all(name, qmodel, out_dir):
        ref = qonnx_reference.reference(path, xte[:N_REF])
        diff = float(np.abs(ref - torch_out[:N_REF]).max())
        agree = float((ref.argmax(1) == torch_out[:N_REF].argmax(1)).mean())
        np.savez_compressed(path[:-len(".onnx")] + ".ref.npz", x=xte[:N_REF], y=ref,
                            labels=yte[:N_REF])
        files[os.path.basename(path)] = {
            "bytes": os.path.getsize(path), "max_abs_diff_vs_torch": diff,
            "argmax_agreement_vs_torch": agree,
            "accuracy_first_200": float((ref.argmax(1) == yte[:N_REF]).mean())}
        print(f"  {os.path.basename(path)}: {os.path.getsize(path)} bytes, "
              f"max |QONNX - torch| {diff:.3g}", flush=True)
    return {"description": DESCRIPTIONS[name], "epochs": epochs, "training_images": n_train,
            "float_accuracy": float_acc, "quantized_accuracy": quant_acc,
            "train_seconds": round(train_s), "files": files}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="*", choices=[[]] + list(MODELS), default=[])
    ap.add_argument("--out", default=os.path.join(HERE, "..", "brevitas"))
    args = ap.parse_args()
    names = args.models or list(MODELS)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    os.makedirs(args.out, exist_ok=True)
    (xtr, ytr), (xte, yte) = data.fashion()
    acc_path = os.path.join(args.out, "accuracy.json")
    results = {}
    if os.path.exists(acc_path):
        with open(acc_path) as f:
            results = json.load(f)["models"]
    for name in names:
        results[name] = run(name, args.out, xtr, ytr, xte, yte)
        versions = {m.__name__: m.__version__ for m in [torch, brevitas, np]}
        import onnx, onnxruntime, qonnx  # noqa: E401
        for m in [onnx, onnxruntime]:
            versions[m.__name__] = m.__version__
        from importlib.metadata import version
        versions["qonnx"] = version("qonnx")
        with open(acc_path, "w") as f:
            json.dump({"versions": versions, "models": dict(sorted(results.items()))}, f,
                      indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
