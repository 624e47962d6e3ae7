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


def qonnx_input_float_scale():
    """An input quantizer whose scale (0.3) is not a power of two: tomatl's
    input arrives as integer codes of a binary point."""
    n = [
        helper.make_node("Quant", ["x", init("xs", 0.3), init("xz", 0.0), init("xb", 6.0)], ["xq"],
                         name="xquant", domain="qonnx.custom_op.general", signed=1, narrow=0,
                         rounding_mode="ROUND"),
        helper.make_node("Gemm", ["xq", init("w", rand(3, 8)), init("b", rand(3))], ["y"], name="fc", transB=1),
    ]
    return model(n, [8], 3)


def qonnx_thresholds():
    """What becomes thresholds: a 6-bit input quantizer at 1/2, 4-bit
    weights with a float scale per output channel, a float bias, a batch
    norm with gammas of both signs (descending channels) and a zero, a Relu
    and a 3-bit unsigned output quantizer at the float scale 0.37; then a
    second Gemm reading that float-scale tensor into a bipolar output (with
    a bias: a float32 executor's sum of an exact zero may land on either
    side of it, where tomatl's integers are exact)."""
    ws = np.asarray([0.11, 0.07, 0.23, 0.05, 0.13], dtype=np.float32).reshape(-1, 1)
    w = rand(5, 8, scale=1.0)
    g = np.asarray([1.3, -0.8, 0.0, 2.1, -1.7], dtype=np.float32)
    n = [
        helper.make_node("Quant", ["x", init("xs", 0.5), init("xz", 0.0), init("xb", 6.0)], ["xq"],
                         name="xquant", domain="qonnx.custom_op.general", signed=1, narrow=0,
                         rounding_mode="ROUND"),
        helper.make_node("Quant", [init("w", w), init("ws", ws), init("wz", 0.0), init("wb", 4.0)], ["wq"],
                         name="wquant", domain="qonnx.custom_op.general", signed=1, narrow=1,
                         rounding_mode="ROUND"),
        helper.make_node("Gemm", ["xq", "wq", init("b", rand(5))], ["z"], name="fc", transB=1),
        helper.make_node("BatchNormalization", ["z", init("g", g), init("be", rand(5)),
                                                init("mu", rand(5)), init("var", np.abs(rand(5)) + 0.5)],
                         ["zb"], name="bn", epsilon=1e-5),
        helper.make_node("Relu", ["zb"], ["zr"], name="relu"),
        helper.make_node("Quant", ["zr", init("as", 0.37), init("az", 0.0), init("ab", 3.0)], ["a"],
                         name="aquant", domain="qonnx.custom_op.general", signed=0, narrow=0,
                         rounding_mode="ROUND"),
        helper.make_node("Quant", [init("w2", rand(4, 5)), init("w2s", 0.5), init("w2z", 0.0), init("w2b", 3.0)],
                         ["w2q"], name="w2quant", domain="qonnx.custom_op.general", signed=1, narrow=0,
                         rounding_mode="ROUND"),
        helper.make_node("Gemm", ["a", "w2q", init("b2", rand(4) + 0.01)], ["z2"], name="fc2", transB=1),
        helper.make_node("BipolarQuant", ["z2", init("bs", 1.0)], ["y"], name="sign",
                         domain="qonnx.custom_op.general"),
    ]
    return model(n, [8], 4)


def relu_of_input():
    n = [helper.make_node("Relu", ["x"], ["r"], name="r"),
         helper.make_node("Gemm", ["r", init("wg", rand(3, 4)), init("bg", rand(3))], ["y"], name="fc", transB=1)]
    return model(n, [4], 3)


QDOM = "qonnx.custom_op.general"


def quant(x, scale, bits, out, name, signed=1, narrow=0):
    """A QONNX Quant node (zero point 0, ROUND)."""
    k = len(inits)
    return helper.make_node("Quant", [x, init(f"s{k}", scale), init(f"z{k}", 0.0), init(f"b{k}", float(bits))],
                            [out], name=name, domain=QDOM, signed=signed, narrow=narrow,
                            rounding_mode="ROUND")


def qvals(w, scale, bits, signed=1, narrow=0):
    """What QONNX's Quant computes: clip(round_half_even(w / s)) * s."""
    hi = 2 ** (bits - 1) - 1 if signed else 2 ** bits - 1
    lo = (-hi if narrow else -hi - 1) if signed else 0
    return np.clip(np.round(np.asarray(w, np.float64) / scale), lo, hi) * scale


def twin(qmodel, nodes, cin_shape, out_dim):
    """A model and its float twin for onnxruntime: the same graph with the
    constants' quantizers folded (what QONNX computes for them) and no
    activation quantizers."""
    global inits
    keep = list(inits)
    inits = []
    ref = model(nodes(), cin_shape, out_dim, name="twin")
    inits = keep
    return qmodel, ref


def mm_channel(rows=4, cols=4):
    """TorchScript + qonnx cleanup: MatMul of an [in, out] weight quantized
    with [1, out] scales (per output channel, along axis 1)."""
    ws = np.linspace(0.05, 0.4, cols).reshape(1, cols).astype(np.float32)
    w = rand(rows, cols, scale=1.0)
    b = rand(cols)
    q = model([quant(init("w", w), ws, 4, "wq", "wquant"),
               helper.make_node("MatMul", ["x", "wq"], ["m"], name="mm"),
               helper.make_node("Add", ["m", init("b", b)], ["y"], name="bias")], [rows], cols)
    return twin(q, lambda: [helper.make_node("MatMul", ["x", init("w", qvals(w, ws, 4))], ["m"], name="mm"),
                            helper.make_node("Add", ["m", init("b", b)], ["y"], name="bias")], [rows], cols)


def transpose_mm():
    """Brevitas's QuantLinear as exported: Quant of the [out, in] weight with
    [out, 1] scales, Transpose, MatMul; then a float weight transposed."""
    ws = np.asarray([[0.1], [0.03], [0.25]], np.float32)
    w = rand(3, 6, scale=1.0)
    w2 = rand(4, 3)
    nodes = lambda wq: [
        helper.make_node("Transpose", [wq], ["wt"], name="t1", perm=[1, 0]),
        helper.make_node("MatMul", ["x", "wt"], ["m"], name="mm"),
        helper.make_node("Relu", ["m"], ["r"], name="relu"),
        helper.make_node("Transpose", [init("w2", w2)], ["w2t"], name="t2"),
        helper.make_node("MatMul", ["r", "w2t"], ["y"], name="mm2")]
    q = model([quant(init("w", w), ws, 4, "wq", "wquant")] + nodes("wq"), [6], 4)
    return twin(q, lambda: nodes(init("w", qvals(w, ws, 4))), [6], 4)


def gemm_attrs():
    """Gemm with alpha, beta, transB = 0 and a [1, N] bias; then one with a
    scalar bias."""
    n = lambda: [helper.make_node("Gemm", ["x", init("w", rand(5, 4)), init("c", rand(1, 4))], ["g"], name="g1",
                                  alpha=0.5, beta=2.0),
                 helper.make_node("Gemm", ["g", init("w2", rand(3, 4)), init("c2", rand(1, 1))], ["y"], name="g2",
                                  transB=1, beta=-0.75)]
    return model(n(), [5], 3)


def gemm_row_bias():
    """A bias of dims [3, 1]: ONNX broadcasts it over the rows (the batch),
    not over the 3 outputs."""
    n = [helper.make_node("Gemm", ["x", init("w", rand(3, 4)), init("c", rand(3, 1))], ["y"], name="fc", transB=1)]
    return model(n, [4], 3)


def mm_row_bias():
    n = [helper.make_node("MatMul", ["x", init("w", rand(4, 3))], ["m"], name="mm"),
         helper.make_node("Add", ["m", init("c", rand(3, 1))], ["y"], name="bias")]
    return model(n, [4], 3)


def conv_flat(nhwc=False, reshape=False):
    """conv then flatten (or a Reshape to [N, 18]) as the graph output (or,
    FINN's order, a Transpose to NHWC before the flatten)."""
    n = [helper.make_node("Conv", ["x", init("w1", rand(2, 2, 3, 3)), init("b1", rand(2))], ["a"],
                          name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1])]
    if nhwc:
        n.append(helper.make_node("Transpose", ["a"], ["t"], name="nhwc", perm=[0, 2, 3, 1]))
        n.append(helper.make_node("Reshape", ["t", init("shape", [-1, 18], np.int64)], ["y"], name="flat"))
    elif reshape:
        n.append(helper.make_node("Reshape", ["a", init("shape", [-1, 18], np.int64)], ["y"], name="flat"))
    else:
        n.append(helper.make_node("Flatten", ["a"], ["y"], name="flat"))
    return model(n, [2, 3, 3], 18)


def finn_flatten(ident_bits=8, ident_scale=0.25):
    """Brevitas: QuantReLU, max pool, FINN-order flatten (Transpose to NHWC,
    Reshape), QuantIdentity, QuantLinear."""
    w1, b1, w2 = rand(3, 2, 3, 3), rand(3), rand(4, 3 * 2 * 2)
    def nodes(q):
        n = [helper.make_node("Conv", ["x", init("w1", w1), init("b1", b1)], ["a"], name="conv",
                              kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["a"], ["ar"], name="relu")]
        n += [quant("ar", 0.25, 4, "aq", "relu_quant", signed=0)] if q else [helper.make_node("Identity", ["ar"], ["aq"])]
        n += [helper.make_node("MaxPool", ["aq"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
              helper.make_node("Transpose", ["p"], ["t"], name="nhwc", perm=[0, 2, 3, 1]),
              helper.make_node("Reshape", ["t", init("shape", [-1, 12], np.int64)], ["f"], name="flat")]
        n += [quant("f", ident_scale, ident_bits, "fq", "ident")] if q else [helper.make_node("Identity", ["f"], ["fq"])]
        n += [helper.make_node("MatMul", ["fq", init("w2", w2.T)], ["y"], name="fc")]
        return n
    return twin(model(nodes(True), [2, 4, 4], 4), lambda: nodes(False), [2, 4, 4], 4)


def int32_bias():
    """Brevitas's QuantLinear with Int32Bias: the bias quantized to 32 bits
    at the accumulator's scale (input scale x weight scale)."""
    ws = np.asarray([[0.1], [0.03], [0.25]], np.float32)
    xs = 2.0 ** -4
    w, b = rand(3, 8, scale=1.0), rand(3)
    bs = (xs * ws.reshape(3)).astype(np.float32)
    q = model([quant("x", xs, 8, "xq", "inquant"),
               quant(init("w", w), ws, 4, "wq", "wquant"),
               quant(init("b", b), bs, 32, "bq", "bquant"),
               helper.make_node("Gemm", ["xq", "wq", "bq"], ["y"], name="fc", transB=1)], [8], 3)
    return twin(q, lambda: [helper.make_node("Gemm", ["x", init("w", qvals(w, ws, 4)),
                                                       init("b", qvals(b, bs, 32))], ["y"], name="fc", transB=1)],
                [8], 3)


def dtypes():
    """Initializers of every integer element type and bool (unused by the
    graph, but they must be read)."""
    for t in [np.int16, np.uint16, np.uint32, np.uint64, np.bool_, np.float16]:
        init(f"extra_{np.dtype(t).name}", [1, 0, 1], t)
    n = [helper.make_node("Gemm", ["x", init("wg", rand(3, 4)), init("bg", rand(3))], ["y"], name="fc", transB=1)]
    return model(n, [4], 3)


def strings():
    m = dtypes()
    m.graph.initializer.append(helper.make_tensor("names", TensorProto.STRING, [1], [b"a"]))
    return m


def unnamed():
    n = [helper.make_node("Gemm", ["x", init("wg", rand(3, 4)), init("bg", rand(3))], ["z"], transB=1),
         helper.make_node("Softmax", ["z"], ["y"])]
    return model(n, [4], 3)


def negative_pads():
    n = [helper.make_node("Conv", ["x", init("w1", rand(2, 2, 3, 3))], ["a"], name="crop",
                          kernel_shape=[3, 3], pads=[-1, 0, 0, 0]),
         helper.make_node("Flatten", ["a"], ["f"], name="flat"),
         helper.make_node("Gemm", ["f", init("w", rand(3, 2 * 3 * 4))], ["y"], name="fc", transB=1)]
    return model(n, [2, 6, 6], 3)


def stride5():
    """valid ONNX that converts, but beyond what tomatl builds (stride 5)."""
    n = [helper.make_node("Conv", ["x", init("w1", rand(2, 2, 3, 3))], ["a"], name="big_stride",
                          kernel_shape=[3, 3], strides=[5, 5]),
         helper.make_node("Flatten", ["a"], ["f"], name="flat"),
         helper.make_node("Gemm", ["f", init("w", rand(3, 2 * 2 * 2))], ["y"], name="fc", transB=1)]
    return model(n, [2, 8, 8], 3)


FIXTURES = {"mm_channel": mm_channel, "mm_channel_rect": lambda: mm_channel(6, 3),
            "transpose_mm": transpose_mm, "gemm_attrs": gemm_attrs, "gemm_row_bias": gemm_row_bias,
            "mm_row_bias": mm_row_bias, "conv_flat": conv_flat, "conv_flat_nhwc": lambda: conv_flat(True), "conv_reshape": lambda: conv_flat(reshape=True),
            "finn_flatten": finn_flatten, "finn_flatten_requant": lambda: finn_flatten(8, 0.5),
            "int32_bias": int32_bias, "dtypes": dtypes, "strings": strings, "unnamed": unnamed,
            "negative_pads": negative_pads, "stride5": stride5,
            "mixed": mixed, "chw": chw, "softmax": softmax, "qonnx": qonnx,
            "qonnx_channel": lambda: qonnx([0.1, 0.03, 0.25]),
            "qonnx_bad_scale": lambda: qonnx(0.125, 0.3), "relu_of_input": relu_of_input,
            "qonnx_input_float_scale": qonnx_input_float_scale,
            "qonnx_thresholds": qonnx_thresholds,
            "qonnx_round": lambda: qonnx_rounding("ROUND", 0),
            "qonnx_floor_narrow": lambda: qonnx_rounding("FLOOR", 1),
            "qonnx_half_up_narrow": lambda: qonnx_rounding("HALF_UP", 1),
            "qonnx_bad_round": lambda: qonnx_rounding("STOCHASTIC", 0)}

if __name__ == "__main__":
    m = FIXTURES[sys.argv[1]]()
    if isinstance(m, tuple):
        # the float twin beside it, for onnxruntime: OUT.ref.onnx
        m, ref = m
        save(ref, sys.argv[2][: -len(".onnx")] + ".ref.onnx")
    save(m, sys.argv[2])
