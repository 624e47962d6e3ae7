"""Small ONNX models for the import tests: python3 onnx_fixtures.py NAME OUT.onnx"""

import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save

rng = np.random.default_rng(3)
inits = []


def init(name, a, dtype=np.float32):
    inits.append(numpy_helper.from_array(np.asarray(a, dtype=dtype), name))
    return name


def rand(*shape, scale=0.5):
    return rng.standard_normal(shape) * scale


def model(nodes, cin_shape, out_dim, name="fixture"):
    g = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", *cin_shape])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", out_dim])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13),
                                            helper.make_opsetid("qonnx.custom_op.general", 1)])
    m.ir_version = 8
    return m


def mixed():
    """conv (asymmetric pads, stride 2) + relu, depthwise (group) + Clip(0,6),
    1x1 conv, residual Add + Relu, avg pool, flatten, MatMul + Add."""
    n = [
        helper.make_node("Conv", ["x", init("w1", rand(6, 3, 3, 3)), init("b1", rand(6))], ["a"],
                         name="c1", kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1]),
        helper.make_node("Relu", ["a"], ["ar"], name="r1"),
        helper.make_node("Conv", ["ar", init("w2", rand(6, 1, 3, 3)), init("b2", rand(6))], ["d"],
                         name="dw", kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=6),
        helper.make_node("Clip", ["d", init("lo", 0.0), init("hi", 6.0)], ["dr"], name="r6"),
        helper.make_node("Conv", ["dr", init("w3", rand(6, 6, 1, 1))], ["p"], name="pw", kernel_shape=[1, 1]),
        helper.make_node("Add", ["p", "ar"], ["s"], name="/block/Add"),
        helper.make_node("Relu", ["s"], ["sr"], name="r2"),
        helper.make_node("AveragePool", ["sr"], ["ap"], name="ap", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["ap"], ["f"], name="flat", axis=1),
        helper.make_node("MatMul", ["f", init("wm", rand(6 * 2 * 2, 5))], ["m"], name="mm"),
        helper.make_node("Add", ["m", init("bm", rand(5))], ["y"], name="bias"),
    ]
    return model(n, [3, 9, 8], 5)


def chw():
    """conv then flatten then Gemm: wrong without the CHW-to-HWC permutation."""
    n = [
        helper.make_node("Conv", ["x", init("w1", rand(4, 2, 3, 3)), init("b1", rand(4))], ["a"],
                         name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("MaxPool", ["a"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"], name="flat"),
        helper.make_node("Gemm", ["f", init("wg", rand(3, 4 * 3 * 2)), init("bg", rand(3))], ["y"],
                         name="fc", transB=1),
    ]
    return model(n, [2, 6, 4], 3)


def softmax():
    n = [
        helper.make_node("Gemm", ["f", init("wg", rand(3, 4)), init("bg", rand(3))], ["z"], name="fc", transB=1),
        helper.make_node("Softmax", ["z"], ["y"], name="sm"),
    ]
    m = model(n, [4], 3)
    m.graph.node[0].input[0] = "x"
    return m


def qonnx(scale=0.125, ascale=0.25):
    """Brevitas-style: 4-bit weights with a scale (one, or one per output
    channel), 6-bit activations with a power-of-two scale."""
    s = np.asarray(scale, dtype=np.float32).reshape(-1, 1)
    w = np.clip(np.round(rand(3, 8, scale=1.0) / s), -8, 7) * s + rng.uniform(-0.02, 0.02, (3, 8)) * s
    n = [
        helper.make_node("Quant", [init("w", w), init("ws", np.asarray(scale).reshape(-1, 1) if np.ndim(scale) else scale),
                                   init("wz", 0.0), init("wb", 4.0)], ["wq"],
                         name="wquant", domain="qonnx.custom_op.general", signed=1, narrow=0,
                         rounding_mode="ROUND"),
        helper.make_node("Gemm", ["x", "wq", init("b", rand(3))], ["z"], name="fc", transB=1),
        helper.make_node("Quant", ["z", init("as", ascale), init("az", 0.0), init("ab", 6.0)], ["y"],
                         name="aquant", domain="qonnx.custom_op.general", signed=1, narrow=0,
                         rounding_mode="ROUND"),
    ]
    return model(n, [8], 3)


def qonnx_rounding(mode, narrow):
    """An input quantizer (6 bits at scale 1/2), 4-bit weights at 1/8, a bias
    at 1/16 (exact at the accumulator's binary point) and a 4-bit output
    quantizer at 1/4 with rounding_mode `mode` and `narrow`: the accumulator
    (binary point 4) is shifted by 2, so a quarter of the values are ties."""
    w = np.clip(np.round(rand(5, 8, scale=4.0)), -8, 7) / 8
    b = np.round(rand(5, scale=8.0)) / 16
    n = [
        helper.make_node("Quant", ["x", init("xs", 0.5), init("xz", 0.0), init("xb", 6.0)], ["xq"],
                         name="xquant", domain="qonnx.custom_op.general", signed=1, narrow=0,
                         rounding_mode="ROUND"),
        helper.make_node("Quant", [init("w", w), init("ws", 0.125), init("wz", 0.0), init("wb", 4.0)], ["wq"],
                         name="wquant", domain="qonnx.custom_op.general", signed=1, narrow=0,
                         rounding_mode="ROUND"),
        helper.make_node("Gemm", ["xq", "wq", init("b", b)], ["z"], name="fc", transB=1),
        helper.make_node("Quant", ["z", init("as", 0.25), init("az", 0.0), init("ab", 4.0)], ["y"],
                         name="aquant", domain="qonnx.custom_op.general", signed=1, narrow=narrow,
                         rounding_mode=mode),
    ]
    return model(n, [8], 5)


def relu_of_input():
    n = [helper.make_node("Relu", ["x"], ["r"], name="r"),
         helper.make_node("Gemm", ["r", init("wg", rand(3, 4)), init("bg", rand(3))], ["y"], name="fc", transB=1)]
    return model(n, [4], 3)


FIXTURES = {"mixed": mixed, "chw": chw, "softmax": softmax, "qonnx": qonnx,
            "qonnx_channel": lambda: qonnx([0.1, 0.03, 0.25]),
            "qonnx_bad_scale": lambda: qonnx(0.125, 0.3), "relu_of_input": relu_of_input,
            "qonnx_round": lambda: qonnx_rounding("ROUND", 0),
            "qonnx_floor_narrow": lambda: qonnx_rounding("FLOOR", 1),
            "qonnx_half_up_narrow": lambda: qonnx_rounding("HALF_UP", 1),
            "qonnx_bad_round": lambda: qonnx_rounding("STOCHASTIC", 0)}

if __name__ == "__main__":
    save(FIXTURES[sys.argv[1]](), sys.argv[2])
