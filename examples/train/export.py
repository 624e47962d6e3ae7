"""Write a trained `nn.Sequential` as a float ONNX model (opset 13): Conv,
BatchNormalization (kept as its own node), Relu, MaxPool, Flatten, Gemm.
Node names are the layer names given, so `tomatl import` keeps them."""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import nn


def to_onnx(model, names, input_shape, path, doc):
    """`names[i]` names `model.layers[i]`; `input_shape` is (C, H, W)."""
    nodes, inits = [], []
    x = "input"

    def init(name, a):
        inits.append(numpy_helper.from_array(np.asarray(a, dtype=np.float32), name))
        return name

    for layer, name in zip(model.layers, names):
        y = name + "_out"
        if isinstance(layer, nn.Conv):
            ins = [x, init(name + ".weight", layer.w.value)]
            if layer.b:
                ins.append(init(name + ".bias", layer.b.value))
            p, k = layer.pad, layer.k
            nodes.append(helper.make_node("Conv", ins, [y], name=name, kernel_shape=[k, k],
                                          pads=[p, p, p, p], strides=[1, 1]))
        elif isinstance(layer, nn.BatchNorm):
            ins = [x, init(name + ".scale", layer.gamma.value), init(name + ".bias", layer.beta.value),
                   init(name + ".mean", layer.mean), init(name + ".var", layer.var)]
            nodes.append(helper.make_node("BatchNormalization", ins, [y], name=name,
                                          epsilon=layer.eps))
        elif isinstance(layer, nn.Relu):
            nodes.append(helper.make_node("Relu", [x], [y], name=name))
        elif isinstance(layer, nn.MaxPool2):
            nodes.append(helper.make_node("MaxPool", [x], [y], name=name, kernel_shape=[2, 2],
                                          strides=[2, 2]))
        elif isinstance(layer, nn.Flatten):
            nodes.append(helper.make_node("Flatten", [x], [y], name=name, axis=1))
        elif isinstance(layer, nn.Dense):
            ins = [x, init(name + ".weight", layer.w.value), init(name + ".bias", layer.b.value)]
            nodes.append(helper.make_node("Gemm", ins, [y], name=name, transB=1))
        else:
            raise TypeError(f"no ONNX export for {type(layer).__name__}")
        x = y
    nodes[-1].output[0] = "logits"
    classes = model.layers[-1].w.value.shape[0]
    graph = helper.make_graph(
        nodes, "net",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", *input_shape])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", classes])],
        inits,
    )
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                          producer_name="tomatl examples/train", doc_string=doc)
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, path)


def ort_predict(path, x):
    """Classes onnxruntime picks for NCHW float32 `x`."""
    import onnxruntime as ort
    s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return np.concatenate([s.run(None, {"input": x[i:i + 1000]})[0].argmax(axis=1)
                           for i in range(0, len(x), 1000)])
