//! `tomatl import`: ONNX models in, descriptions out; the float reference
//! of an imported model against onnxruntime.
//!
//! Needs python3 with onnx and onnxruntime (`pip install -r
//! scripts/requirements.txt`, which `make test` does): the fixtures are
//! written with the onnx package and onnxruntime is the reference.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use ndarray::{Array2, ArrayD};

fn tomatl(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tomatl"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run tomatl")
}

fn python(args: &[&str]) {
    let o = Command::new("python3")
        .args(args)
        .output()
        .expect("python3 must be installed");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success(),
        "python3 {args:?} failed{}:\n{err}",
        if err.contains("ModuleNotFoundError") {
            " (run `pip install -r scripts/requirements.txt`)"
        } else {
            ""
        }
    );
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Write fixture `name` (tests/data/onnx_fixtures.py) into `dir`.
fn fixture(name: &str, dir: &Path) -> PathBuf {
    let out = dir.join(format!("{name}.onnx"));
    let script = repo_root().join("generator/tests/data/onnx_fixtures.py");
    python(&[path(&script), name, path(&out)]);
    out
}

/// Import `model` into `dir/net.yaml` with the given input flags.
fn import(model: &Path, dir: &Path, input: &[&str]) -> tomatl::ir::Graph {
    let mut args = vec!["import", path(model), "-o", "net.yaml"];
    args.extend_from_slice(input);
    let o = tomatl(&args, dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    tomatl::frontend::load(&dir.join("net.yaml")).expect("the import loads")
}

/// The float reference of `graph` and onnxruntime on the same real inputs
/// `[frames, input_len]` (HWC): the largest difference relative to the
/// largest output magnitude.
fn float_vs_onnxruntime(
    graph: &tomatl::ir::Graph,
    model: &Path,
    x: &Array2<f64>,
    dir: &Path,
) -> f64 {
    let mut shape = vec![x.nrows()];
    shape.extend_from_slice(&graph.input_shape);
    let xd = ArrayD::from_shape_vec(shape, x.iter().map(|&v| v as f32).collect()).expect("shape");
    ndarray_npy::write_npy(dir.join("x.npy"), &xd).expect("x.npy");
    let runner = repo_root().join("examples/train/ort_run.py");
    python(&[
        path(&runner),
        path(model),
        path(&dir.join("x.npy")),
        path(&dir.join("y_ort.npy")),
    ]);
    let y_ort: Array2<f32> = ndarray_npy::read_npy(dir.join("y_ort.npy")).expect("y_ort");
    // in the order the host reads (ONNX's for an output flatten)
    let y = graph.to_host_order(tomatl::golden::float::run(graph, x.view()).view());
    assert_eq!(y.dim(), y_ort.dim());
    let range = y_ort.iter().fold(0f64, |m, &v| m.max(f64::from(v).abs()));
    let diff = y
        .iter()
        .zip(y_ort.iter())
        .fold(0f64, |m, (&a, &b)| m.max((a - f64::from(b)).abs()));
    diff / range.max(1e-9)
}

fn random_reals(g: &tomatl::ir::Graph, frames: usize, lo: f64, hi: f64) -> Array2<f64> {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    Array2::from_shape_simple_fn((frames, g.input_len()), || rng.random_range(lo..hi))
}

/// f32 arithmetic in onnxruntime against f64 in tomatl, over sums of a few
/// hundred terms: a relative difference of 1e-4 is far above rounding and
/// far below any layout or folding mistake (those are of order 1).
const BOUND: f64 = 1e-4;

#[test]
fn every_supported_op_imports_and_matches_onnxruntime() {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = fixture("mixed", dir.path());
    let g = import(&model, dir.path(), &[]);
    let kinds: Vec<&str> = g.layers.iter().map(|l| l.op.kind()).collect();
    assert_eq!(
        kinds,
        ["conv", "dwconv", "conv", "add", "avgpool", "flatten", "dense"]
    );
    // asymmetric pads kept; an ONNX name that is no identifier is sanitized
    // and kept in a comment
    let text = std::fs::read_to_string(dir.path().join("net.yaml")).expect("yaml");
    assert!(text.contains("pad: [0, 0, 1, 1]"), "{text}");
    assert!(
        text.contains(
            "name: block_Add, op: add, act: relu, from: [pw, c1]}  # ONNX node \"/block/Add\""
        ),
        "{text}"
    );
    assert!(text.contains("act: relu6"), "{text}");
    let x = random_reals(&g, 6, -1.0, 1.0);
    let d = float_vs_onnxruntime(&g, &model, &x, dir.path());
    assert!(d <= BOUND, "relative difference {d}");
}

#[test]
fn dense_columns_follow_hwc_after_a_flatten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = fixture("chw", dir.path());
    let g = import(&model, dir.path(), &[]);
    let x = random_reals(&g, 4, -1.0, 1.0);
    let d = float_vs_onnxruntime(&g, &model, &x, dir.path());
    assert!(d <= BOUND, "relative difference {d}");
    // and the permutation matters: without it the outputs differ widely
    let mut wrong = g.clone();
    let n = wrong.layers.len() - 1;
    if let tomatl::ir::Op::Dense(dn) = &mut wrong.layers[n].op {
        let (c, h, w) = (4, 3, 2);
        let fixed = dn.real.weights.clone();
        for j in 0..h * w * c {
            let (p, ch) = (j / c, j % c);
            dn.real
                .weights
                .column_mut(ch * h * w + p)
                .assign(&fixed.column(j));
        }
    }
    let d = float_vs_onnxruntime(&wrong, &model, &x, dir.path());
    assert!(d > 0.01, "a CHW-ordered dense must not match: {d}");
}

#[test]
fn resnet8_shaped_model_imports_and_matches_onnxruntime() {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = dir.path().join("r8.onnx");
    let script = repo_root().join("examples/train/make_resnet8_onnx.py");
    python(&[path(&script), path(&model)]);
    let g = import(&model, dir.path(), &[]);
    assert_eq!(g.layers.iter().filter(|l| l.op.kind() == "add").count(), 3);
    assert_eq!(g.total_macs(), 12_501_632);
    let x = random_reals(&g, 3, -1.0, 1.0);
    let d = float_vs_onnxruntime(&g, &model, &x, dir.path());
    assert!(d <= BOUND, "relative difference {d}");
    let o = tomatl(&["generate", "net.yaml", "-o", "out"], dir.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn trained_digits_model_classifies_like_onnxruntime() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = repo_root().join("examples/train/data.py");
    python(&[path(&data), "digits", path(dir.path())]);
    let model = example("digits_cnn.onnx");
    let g = import(
        &model,
        dir.path(),
        &[
            "--input-bits",
            "8",
            "--input-frac",
            "4",
            "--input-signed",
            "false",
        ],
    );
    let x = tomatl::frontend::read_real_tensor(
        &dir.path().join("x_test.npy"),
        &g.input_shape,
        &g.input_type,
    )
    .expect("x_test");
    let d = float_vs_onnxruntime(&g, &model, &x, dir.path());
    assert!(d <= BOUND, "relative difference {d}");
    // the float accuracy the model was trained to (examples/train/README.md)
    let o = tomatl(
        &[
            "eval",
            "net.yaml",
            "--data",
            "x_test.npy",
            "--labels",
            "y_test.npy",
            "--json",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(
        v["float_top1"].as_f64().map(|f| (f * 100.0).round()),
        Some(9870.0)
    );
}

#[test]
fn qonnx_quantizers_become_codes_and_types() {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = fixture("qonnx", dir.path());
    let g = import(&model, dir.path(), &[]);
    let tomatl::ir::Op::Dense(d) = &g.layers[0].op else {
        panic!("dense expected")
    };
    assert_eq!(
        (d.wtype.arith, d.wtype.bits, d.wtype.frac),
        (tomatl::ir::Arith::Fixed, 4, 3)
    );
    let out = g.layers[0].out_type;
    assert_eq!((out.bits, out.signed, out.frac), (6, true, 2));
    // the codes are the quantizer's: round(w / 0.125) within 4 bits
    let npz = dir.path().join("net.npz");
    let mut r = ndarray_npy::NpzReader::new(std::fs::File::open(npz).expect("npz")).expect("npz");
    let w: ndarray::Array2<i64> = r.by_name("fc.weight").expect("integer codes");
    assert_eq!(w, d.codes);
    assert!(w.iter().all(|&c| (-8..=7).contains(&c)));
}

#[test]
fn qonnx_per_channel_scales_use_the_multiplier_mode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = fixture("qonnx_channel", dir.path());
    let g = import(&model, dir.path(), &[]);
    let tomatl::ir::Op::Dense(d) = &g.layers[0].op else {
        panic!("dense expected")
    };
    assert_eq!((d.wtype.bits, d.wtype.frac), (4, 0));
    let ch = d.channel.as_ref().expect("per-channel multipliers");
    assert_eq!(ch.mult.len(), 3);
    let text = std::fs::read_to_string(dir.path().join("net.yaml")).expect("yaml");
    assert!(text.contains("scale: channel"), "{text}");
    // the real weights are codes times each channel's scale
    let scales = [0.1f64, 0.03, 0.25];
    for (o, s) in scales.iter().enumerate() {
        for i in 0..8 {
            let want = d.codes[[o, i]] as f64 * (*s as f32) as f64;
            assert!((d.real.weights[[o, i]] - want).abs() < 1e-9);
        }
    }
    // and the design generated from it verifies
    let o = tomatl(&["generate", "net.yaml", "-o", "out"], dir.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = verify(&dir.path().join("out"), 20, 0.3, 3);
    assert!(r.pass, "{}", r.line());
}

/// Each bad model: exit 2, the message names the node and op, no files.
fn check_refused(name: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = if name == "corrupt" {
        let p = dir.path().join("corrupt.onnx");
        let good = std::fs::read(example("digits_cnn.onnx")).expect("digits");
        std::fs::write(&p, &good[..good.len() / 3]).expect("write");
        p
    } else {
        fixture(name, dir.path())
    };
    let o = tomatl(&["import", path(&model), "-o", "net.yaml"], dir.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{name}: {err}");
    for n in needles {
        assert!(err.contains(n), "{name}: `{n}` not in {err}");
    }
    assert!(
        !dir.path().join("net.yaml").exists(),
        "{name}: half an import left"
    );
    assert!(
        !dir.path().join("net.npz").exists(),
        "{name}: half an import left"
    );
}

#[test]
fn bad_models_are_refused_with_the_node_and_op() {
    check_refused(
        "softmax",
        &[
            "node `sm` (Softmax): op `Softmax` is not supported",
            "expected: Conv, Gemm",
        ],
    );
    check_refused(
        "qonnx_input_float_scale",
        &[
            "node `xquant` (Quant): scale 0.3",
            "of the network input is not a power of two",
            "power-of-two scales on the network input",
        ],
    );
    check_refused("relu_of_input", &["node `r` (Relu)", "network input"]);
    check_refused(
        "corrupt",
        &[
            "corrupt.onnx",
            "not a readable ONNX model",
            "malformed protobuf at byte",
        ],
    );
}

#[test]
fn import_is_deterministic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = example("digits_cnn.onnx");
    import(&model, dir.path(), &[]);
    let a = (
        std::fs::read(dir.path().join("net.yaml")).expect("yaml"),
        std::fs::read(dir.path().join("net.npz")).expect("npz"),
    );
    import(&model, dir.path(), &[]);
    let b = (
        std::fs::read(dir.path().join("net.yaml")).expect("yaml"),
        std::fs::read(dir.path().join("net.npz")).expect("npz"),
    );
    assert!(a == b, "two imports differ");
}

/// Import fixture `name` and compare tomatl's float reference with
/// onnxruntime on its float twin (`name.ref.onnx`: the constants'
/// quantizers folded as QONNX computes them), or on the model itself.
fn matches_onnxruntime(name: &str) -> (tomatl::ir::Graph, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = fixture(name, dir.path());
    let g = import(&model, dir.path(), &[]);
    let twin = dir.path().join(format!("{name}.ref.onnx"));
    let reference = if twin.exists() { twin } else { model };
    let x = random_reals(&g, 5, -1.0, 1.0);
    let d = float_vs_onnxruntime(&g, &reference, &x, dir.path());
    assert!(d <= BOUND, "{name}: relative difference {d}");
    (g, dir)
}

#[test]
fn matmul_weights_with_per_output_scales_along_axis_1() {
    // [in, out] weights with [1, out] scales: square (was silently wrong)
    // and not (was refused)
    for name in ["mm_channel", "mm_channel_rect"] {
        let (g, _dir) = matches_onnxruntime(name);
        let tomatl::ir::Op::Dense(d) = &g.layers[0].op else {
            panic!("dense expected")
        };
        assert!(d.channel.is_some(), "{name}: per-channel multipliers");
    }
}

#[test]
fn transposed_weights_before_matmul() {
    let (g, _dir) = matches_onnxruntime("transpose_mm");
    assert_eq!(g.layers.len(), 2);
}

#[test]
fn gemm_alpha_beta_and_bias_broadcast_follow_onnx() {
    matches_onnxruntime("gemm_attrs");
    // a [M, 1] bias varies over the batch rows, not over the outputs
    check_refused(
        "gemm_row_bias",
        &[
            "node `fc` (Gemm): bias `c` of dims [3, 1] broadcasts over the rows",
            "expected: a bias of dims [3], [1, 3] or one value",
        ],
    );
    check_refused(
        "mm_row_bias",
        &["node `bias` (Add): bias `c` of dims [3, 1] broadcasts over the rows"],
    );
}

#[test]
fn a_flatten_as_the_output_keeps_onnx_order() {
    // a Flatten or Reshape of an NCHW image as the output: delivered in
    // ONNX's (c, h, w) order (was HWC, silently)
    for name in ["conv_flat", "conv_reshape"] {
        let (g, dir) = matches_onnxruntime(name);
        assert_eq!(g.output_chw, Some([3, 3, 2]), "{name}");
        let text = std::fs::read_to_string(dir.path().join("net.yaml")).expect("yaml");
        assert!(text.contains("order: chw"), "{name}: {text}");
        // `tomatl run` writes the host's order
        let x = tomatl::golden::random_inputs(&g, 4, 3);
        ndarray_npy::write_npy(dir.path().join("xc.npy"), &x).expect("x");
        let o = tomatl(
            &["run", "net.yaml", "--input", "xc.npy", "--output", "yc.npy"],
            dir.path(),
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let bytes = std::fs::read(dir.path().join("yc.npy")).expect("yc");
        let y = read_codes(&bytes);
        let stream = tomatl::golden::run(&g, x.view());
        let host = g.to_host_order(stream.view());
        assert_eq!(y, host.iter().copied().collect::<Vec<_>>(), "{name}");
        assert_ne!(host, stream, "{name}: the orders differ");
    }
    // after a Transpose to NHWC ONNX's order is tomatl's
    let (g, _dir) = matches_onnxruntime("conv_flat_nhwc");
    assert_eq!(g.output_chw, None);
}

#[test]
fn brevitas_finn_order_flatten_then_quant_identity() {
    let (g, _dir) = matches_onnxruntime("finn_flatten");
    let kinds: Vec<&str> = g.layers.iter().map(|l| l.op.kind()).collect();
    assert_eq!(kinds, ["conv", "maxpool", "flatten", "dense"]);
    // a QuantIdentity that would round values again is refused, not dropped
    check_refused(
        "finn_flatten_requant",
        &["node `ident` (Quant): re-quantizes the output of `flat`"],
    );
}

#[test]
fn int32_bias_becomes_exact_integer_codes() {
    let (g, dir) = matches_onnxruntime("int32_bias");
    let tomatl::ir::Op::Dense(d) = &g.layers[0].op else {
        panic!("dense expected")
    };
    let npz = dir.path().join("net.npz");
    let mut r = ndarray_npy::NpzReader::new(std::fs::File::open(npz).expect("npz")).expect("npz");
    let b: ndarray::Array1<i64> = r.by_name("fc.bias").expect("integer bias codes");
    assert_eq!(b, d.bias);
    assert_eq!(g.input_type.frac, 4);
}

#[test]
fn every_element_type_is_read_or_refused_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = fixture("dtypes", dir.path());
    import(&model, dir.path(), &[]);
    check_refused(
        "strings",
        &[
            "tensor `names` has element type STRING, which tomatl does not read",
            "expected: tensors of the element types tomatl reads: FLOAT",
        ],
    );
    let o = {
        let dir = tempfile::tempdir().expect("tempdir");
        let m = fixture("strings", dir.path());
        tomatl(&["import", path(&m), "-o", "net.yaml"], dir.path())
    };
    assert!(!String::from_utf8_lossy(&o.stderr).contains("malformed"));
}

#[test]
fn messages_name_unnamed_nodes_negative_pads_and_the_model() {
    check_refused(
        "unnamed",
        &["node #1 (Softmax): op `Softmax` is not supported"],
    );
    check_refused(
        "negative_pads",
        &["node `crop` (Conv): attribute `pads` [-1, 0, 0, 0] is negative"],
    );
    // the frontend's refusal of what import wrote names the model and the
    // node, never a line of a description that was not written
    check_refused(
        "stride5",
        &[
            "stride5.onnx: the imported network is not valid for tomatl: node `big_stride` (Conv)",
            "stride 5 is out of range",
        ],
    );
}

/// numpy's execution of the `qonnx_rounding` fixture on input codes
/// `x.npy` (real value code / 2): the weights through their quantizer,
/// the Gemm in float64 (exact: every value is a multiple of 1/16), then the
/// output quantizer as QONNX's `Quant` computes it (`np.round` for ROUND,
/// `np.floor` for FLOOR, sign · floor(|v| + 1/2) for HALF_UP; clipped to
/// QONNX's min_int/max_int); writes the codes to `y.npy`.
const QONNX_REFERENCE: &str = r#"
import sys
import numpy as np
import onnx
from onnx import numpy_helper
m = onnx.load(sys.argv[1])
t = {i.name: numpy_helper.to_array(i).astype(np.float64) for i in m.graph.initializer}
q = [n for n in m.graph.node if n.name == "aquant"][0]
attrs = {a.name: (a.s.decode() if a.type == onnx.AttributeProto.STRING else a.i) for a in q.attribute}
mode, narrow = attrs["rounding_mode"], attrs["narrow"]
x = np.load(sys.argv[2]).astype(np.float64) * 0.5
wq = np.clip(np.round(t["w"] / 0.125), -8, 7) * 0.125
v = (x @ wq.T + t["b"]) / 0.25
r = {"ROUND": np.round, "FLOOR": np.floor,
     "HALF_UP": lambda a: np.sign(a) * np.floor(np.abs(a) + 0.5)}[mode](v)
lo, hi = (-7 if narrow else -8), 7
np.save(sys.argv[3], np.clip(r, lo, hi).astype(np.int64))
np.save(sys.argv[4], v)
"#;

/// QONNX's semantics of `qonnx_thresholds` in float32, one node at a time
/// as QONNX executes it: argv x.npy (input codes, real value code/2),
/// out.npy (the bipolar outputs, -1/+1).
const THRESHOLD_REFERENCE: &str = r#"
import sys
import numpy as np
import onnx
from onnx import numpy_helper
f = np.float32
m = onnx.load(sys.argv[1])
t = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
def quant(v, s, bits, signed, narrow):
    lo = -(2 ** (bits - 1)) + narrow if signed else 0
    hi = 2 ** (bits - 1) - 1 if signed else 2 ** bits - 1 - narrow
    return (np.clip(np.round(v / f(s)), lo, hi) * f(s)).astype(f)
x = (np.load(sys.argv[2]).astype(f) * f(0.5)).astype(f)
wq = quant(t["w"], t["ws"], 4, 1, 1)
z = (x @ wq.T + t["b"]).astype(f)
zb = ((z - t["mu"]) / np.sqrt(t["var"] + f(1e-5)) * t["g"] + t["be"]).astype(f)
a = quant(np.maximum(zb, f(0)), 0.37, 3, 0, 0)
w2q = quant(t["w2"], 0.5, 3, 1, 0)
z2 = (a @ w2q.T + t["b2"]).astype(f)
np.save(sys.argv[3], np.where(z2 >= 0, 1, -1).astype(np.int64))
np.save(sys.argv[4], np.round(a / f(0.37)).astype(np.int64))
"#;

/// Float scales, a batch norm after quantized weights (negative and zero
/// gammas: descending and constant channels) and a bipolar output become
/// thresholds, which compute what QONNX's float32 chain computes on every
/// input code tried.
#[test]
fn float_scales_batch_norm_and_bipolar_become_exact_thresholds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let model = fixture("qonnx_thresholds", dir.path());
    let g = import(&model, dir.path(), &[]);
    let text = std::fs::read_to_string(dir.path().join("net.yaml")).expect("yaml");
    assert!(text.contains("scale: thresholds"), "{text}");
    let th = g.layers[0].thresholds().expect("thresholds on fc");
    assert_eq!((th.count(), th.step), (7, 1));
    assert_eq!(th.scale.map(|s| s as f32), Some(0.37));
    assert!(th.descending.iter().any(|&d| d), "a descending channel");
    let th2 = g.layers[1].thresholds().expect("thresholds on fc2");
    assert_eq!((th2.count(), th2.step), (1, 2), "bipolar");
    let x = tomatl::golden::random_inputs(&g, 500, 5);
    ndarray_npy::write_npy(dir.path().join("x.npy"), &x).expect("x.npy");
    let script = dir.path().join("reference.py");
    std::fs::write(&script, THRESHOLD_REFERENCE).expect("script");
    let (y, a) = (dir.path().join("y.npy"), dir.path().join("a.npy"));
    python(&[
        path(&script),
        path(&model),
        path(&dir.path().join("x.npy")),
        path(&y),
        path(&a),
    ]);
    let want: Array2<i64> = ndarray_npy::read_npy(&y).expect("y.npy");
    let want_a: Array2<i64> = ndarray_npy::read_npy(&a).expect("a.npy");
    let trace = tomatl::golden::trace(&g, x.view());
    assert_eq!(
        trace[0], want_a,
        "the 3-bit float-scale layer against numpy"
    );
    assert_eq!(trace[1], want, "the bipolar layer against numpy");
    // and the design verifies in Verilator
    let o = tomatl(&["generate", "net.yaml", "-o", "out"], dir.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = verify(&dir.path().join("out"), 20, 0.3, 3);
    assert!(r.pass, "{}", r.line());
}

#[test]
fn qonnx_rounding_modes_and_narrow_range_follow_numpy() {
    use tomatl::ir::RoundMode;
    for (fixture_name, mode, narrow) in [
        ("qonnx_round", RoundMode::HalfEven, false),
        ("qonnx_floor_narrow", RoundMode::Floor, true),
        ("qonnx_half_up_narrow", RoundMode::HalfAway, true),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let model = fixture(fixture_name, dir.path());
        let g = import(&model, dir.path(), &[]);
        let out = g.layers[0].out_type;
        assert_eq!(
            (out.bits, out.frac, out.round, out.narrow),
            (4, 2, mode, narrow),
            "{fixture_name}"
        );
        let text = std::fs::read_to_string(dir.path().join("net.yaml")).expect("yaml");
        assert!(text.contains(&format!("round: {}", mode.name())), "{text}");
        // every input code, ties included
        let x = tomatl::golden::random_inputs(&g, 400, 11);
        ndarray_npy::write_npy(dir.path().join("x.npy"), &x).expect("x.npy");
        let script = dir.path().join("reference.py");
        std::fs::write(&script, QONNX_REFERENCE).expect("script");
        let (y, v) = (dir.path().join("y.npy"), dir.path().join("v.npy"));
        python(&[
            path(&script),
            path(&model),
            path(&dir.path().join("x.npy")),
            path(&y),
            path(&v),
        ]);
        let want: Array2<i64> = ndarray_npy::read_npy(&y).expect("y.npy");
        let v: Array2<f64> = ndarray_npy::read_npy(&v).expect("v.npy");
        let ties = v.iter().filter(|a| a.fract().abs() == 0.5).count();
        assert!(ties > 100, "{fixture_name}: only {ties} ties");
        if narrow {
            assert!(
                v.iter().any(|&a| a < -8.0),
                "{fixture_name}: saturation never hit"
            );
        }
        let got = tomatl::golden::run(&g, x.view());
        assert_eq!(got, want, "{fixture_name}: tomatl against numpy");
    }
    check_refused(
        "qonnx_bad_round",
        &[
            "node `aquant` (Quant): rounding_mode `STOCHASTIC`",
            "ROUND (HALF_EVEN)",
        ],
    );
}
