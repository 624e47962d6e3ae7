"""A float ONNX model shaped like the MLPerf Tiny ResNet-8 (32x32x3 input,
16/32/64 channels, three residual stacks, average pool, dense 10), with
random weights and batch-norm statistics from a fixed seed. Used to test
`tomatl import` on residual networks.

    python3 examples/train/make_resnet8_onnx.py OUT.onnx"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(8)
    nodes, inits = [], []

    def init(name, a):
        inits.append(numpy_helper.from_array(np.asarray(a, dtype=np.float32), name))
        return name

    def conv(name, x, cin, cout, k, stride, bn=True, relu=True):
        w = rng.standard_normal((cout, cin, k, k)) * np.sqrt(2.0 / (cin * k * k))
        p = k // 2
        y = name + "_c"
        nodes.append(helper.make_node("Conv", [x, init(name + ".weight", w), init(name + ".bias", rng.standard_normal(cout) * 0.05)],
                                      [y], name=name, kernel_shape=[k, k], pads=[p] * 4, strides=[stride] * 2))
        if bn:
            x, y = y, name + "_bn"
            nodes.append(helper.make_node(
                "BatchNormalization",
                [x, init(name + "_bn.scale", rng.uniform(0.5, 1.5, cout)), init(name + "_bn.bias", rng.standard_normal(cout) * 0.1),
                 init(name + "_bn.mean", rng.standard_normal(cout) * 0.1), init(name + "_bn.var", rng.uniform(0.5, 2.0, cout))],
                [y], name=name + "_bn", epsilon=1e-3))
        if relu:
            x, y = y, name + "_r"
            nodes.append(helper.make_node("Relu", [x], [y], name=name + "_relu"))
        return y

    x = conv("conv0", "input", 3, 16, 3, 1)
    cin = 16
    for i, (c, s) in enumerate([(16, 1), (32, 2), (64, 2)], start=1):
        a = conv(f"s{i}c1", x, cin, c, 3, s)
        a = conv(f"s{i}c2", a, c, c, 3, 1, relu=False)
        sc = x if s == 1 and cin == c else conv(f"s{i}sc", x, cin, c, 1, s, bn=False, relu=False)
        y = f"s{i}_sum"
        nodes.append(helper.make_node("Add", [a, sc], [y], name=f"s{i}add"))
        x = f"s{i}_out"
        nodes.append(helper.make_node("Relu", [y], [x], name=f"s{i}relu"))
        cin = c
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["pooled"], name="pool"))
    nodes.append(helper.make_node("Flatten", ["pooled"], ["flat"], name="flatten", axis=1))
    nodes.append(helper.make_node("Gemm", ["flat", init("fc.weight", rng.standard_normal((10, 64)) * 0.2), init("fc.bias", rng.standard_normal(10) * 0.1)],
                                  ["logits"], name="fc", transB=1))
    g = helper.make_graph(nodes, "resnet8",
                          [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 32, 32])],
                          [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="tomatl examples/train")
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, out)


if __name__ == "__main__":
    main()
