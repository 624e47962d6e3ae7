//! Post-training quantization (`tomatl quantize`) on a float network.

mod common;

use std::path::Path;
use std::process::Command;

use ndarray::{Array, Array1, Array2, ArrayD, IxDyn};
use rand::{RngExt, SeedableRng};

fn tomatl(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tomatl"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run tomatl")
}

/// A small float CNN (conv 3×3 → 1×1 conv → depthwise → gavgpool → dense)
/// with Gaussian-like weights scaled per layer, written to `dir`.
fn float_cnn(dir: &Path) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let mut normal = |shape: &[usize], scale: f64| -> ArrayD<f64> {
        Array::from_shape_simple_fn(IxDyn(shape), || {
            // sum of uniforms: roughly normal, deterministic
            let s: f64 = (0..4).map(|_| rng.random_range(-1.0..1.0)).sum();
            s * 0.5 * scale
        })
    };
    let mut npz =
        ndarray_npy::NpzWriter::new(std::fs::File::create(dir.join("w.npz")).expect("npz"));
    for (name, shape, scale) in [
        ("c1", vec![8, 2, 3, 3], 0.4),
        ("pw", vec![12, 8, 1, 1], 0.3),
        ("dw", vec![12, 1, 3, 3], 0.5),
        ("fc", vec![5, 12], 0.6),
    ] {
        npz.add_array(format!("{name}.weight"), &normal(&shape, scale))
            .expect("w");
        npz.add_array(format!("{name}.bias"), &normal(&[shape[0]], 0.1))
            .expect("b");
    }
    npz.finish().expect("finish");
    std::fs::write(
        dir.join("net.yaml"),
        "name: f\ninput: {shape: [10, 10, 2], type: {bits: 8, signed: true, frac: 6}}\n\
         params: {file: w.npz}\n\
         policy:\n  default:\n    weights: {arith: fixed, bits: 8}\n    acts: {bits: 8, signed: false, frac: 4}\n\
         \x20 layers:\n    fc: {acts: {bits: 12, signed: true, frac: 4}}\n\
         layers:\n  - {name: c1, op: conv, out: 8, kernel: 3, pad: same, act: relu}\n\
         \x20 - {name: pw, op: conv, out: 12, kernel: 1, act: relu}\n\
         \x20 - {name: dw, op: dwconv, kernel: 3, stride: 2, pad: [0, 0, 1, 1], act: relu6}\n\
         \x20 - {name: g, op: gavgpool}\n\
         \x20 - {name: fc, op: dense, out: 5}\n",
    )
    .expect("yaml");
    let x: Array2<f32> = Array::from_shape_simple_fn((64, 200), || rng.random_range(-1.0f32..1.0));
    ndarray_npy::write_npy(dir.join("x.npy"), &x).expect("x");
}

#[test]
fn quantize_picks_binary_points_from_calibration_and_keeps_the_classes() {
    let dir = tempfile::tempdir().expect("tempdir");
    float_cnn(dir.path());
    std::fs::create_dir(dir.path().join("q")).expect("q dir");
    let o = tomatl(
        &[
            "quantize",
            "net.yaml",
            "--calib",
            "x.npy",
            "-o",
            "q/q.yaml",
            "--pointwise",
            "pow2:4",
            "--edges",
            "fixed:8",
            "--weights",
            "fixed:6",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(dir.path().join("q/q.yaml")).expect("q.yaml");
    assert!(text.contains("params: {file: \"../w.npz\"}"), "{text}");
    let q = tomatl::frontend::load(&dir.path().join("q/q.yaml")).expect("load q.yaml");
    let f = tomatl::frontend::load(&dir.path().join("net.yaml")).expect("load net.yaml");
    let wt = |g: &tomatl::ir::Graph, i: usize| match &g.layers[i].op {
        tomatl::ir::Op::Conv(c) => c.wtype,
        tomatl::ir::Op::Dense(d) => d.wtype,
        _ => panic!("no weights"),
    };
    // the rule: edges fixed 8, the 1x1 conv pow2 4, the rest fixed 6
    let kinds: Vec<String> = (0..5)
        .filter(|&i| i != 3)
        .map(|i| wt(&q, i).short())
        .collect();
    assert_eq!(kinds, ["fixed8", "pow24", "fixed6", "fixed8"]);
    // the asymmetric padding survives the round trip
    assert!(text.contains("pad: [0, 0, 1, 1]"), "{text}");
    // relu layers get unsigned outputs, the logits signed
    assert!(!q.layers[0].out_type.signed);
    assert!(q.layers[4].out_type.signed);
    // every output type's range is within a factor 2 above the calibration
    // maximum, or (when saturating outliers wins) at most 4 below
    let x = tomatl::frontend::read_real_tensor(
        &dir.path().join("x.npy"),
        &f.input_shape,
        &f.input_type,
    )
    .expect("x");
    let trace = tomatl::golden::float::trace(&f, x.view());
    for (l, t) in q.layers.iter().zip(&trace) {
        let max = t.iter().fold(0f64, |m, v| m.max(v.abs()));
        let top = l.out_type.max_code() as f64 * 2f64.powi(-l.out_type.frac);
        assert!(
            top >= max / 4.0 && top < max * 2.0,
            "{}: range {top} for calibration max {max}",
            l.name
        );
    }
    // the quantized network agrees with the float one on most frames
    let codes =
        tomatl::frontend::read_tensor(&dir.path().join("x.npy"), &q.input_shape, &q.input_type)
            .expect("codes");
    let labels = tomatl::ptq::eval::float_classes(&f, x.view());
    let acc = tomatl::ptq::evaluate(&q, x.view(), codes.view(), &labels);
    assert_eq!(acc.float_top1, 100.0);
    eprintln!("{}", acc.line());
    assert!(acc.agreement >= 80.0, "{}", acc.line());
}

#[test]
fn quantize_refuses_what_it_cannot_do() {
    let dir = tempfile::tempdir().expect("tempdir");
    float_cnn(dir.path());
    let o = tomatl(
        &[
            "quantize",
            "net.yaml",
            "--calib",
            "x.npy",
            "-o",
            "q.yaml",
            "--weights",
            "pow2",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--weights:1:1: pow2 weights need bits"),
        "{err}"
    );
    assert!(!dir.path().join("q.yaml").exists());
    // random weights have no real values to quantize
    let ex = common::example("jet_tagger.yaml");
    let o = tomatl(
        &[
            "quantize",
            ex.to_str().expect("path"),
            "--calib",
            "x.npy",
            "-o",
            "q.yaml",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("random weights"));
    // calibration frames of the wrong shape
    ndarray_npy::write_npy(dir.path().join("bad.npy"), &Array1::<f32>::zeros(7)).expect("bad");
    let o = tomatl(
        &["quantize", "net.yaml", "--calib", "bad.npy", "-o", "q.yaml"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("bad.npy"));
    assert!(!dir.path().join("q.yaml").exists());
}

#[test]
fn search_finds_fewer_dsps_than_all_fixed_8_within_the_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    float_cnn(dir.path());
    // labels: the float network's own classes
    let f = tomatl::frontend::load(&dir.path().join("net.yaml")).expect("load");
    let x = tomatl::frontend::read_real_tensor(
        &dir.path().join("x.npy"),
        &f.input_shape,
        &f.input_type,
    )
    .expect("x");
    let labels: Vec<i64> = tomatl::ptq::eval::float_classes(&f, x.view())
        .into_iter()
        .map(|c| c as i64)
        .collect();
    ndarray_npy::write_npy(dir.path().join("y.npy"), &Array1::from(labels)).expect("y");
    let o = tomatl(
        &[
            "search",
            "net.yaml",
            "--calib",
            "x.npy",
            "--data",
            "x.npy",
            "--labels",
            "y.npy",
            "--board",
            "pynq-z2",
            "--max-drop",
            "5",
            "-o",
            "s",
            "--json",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let (base, best) = (&v["baseline"], &v["best"]);
    eprintln!(
        "{}",
        std::fs::read_to_string(dir.path().join("s/search.md")).expect("md")
    );
    assert!(best["within"].as_bool().expect("within"));
    assert!(best["top1"].as_f64() >= v["bound"].as_f64());
    assert!(
        best["dsp"].as_f64() < base["dsp"].as_f64(),
        "best {best} baseline {base}"
    );
    assert!(!v["front"].as_array().expect("front").is_empty());
    // the chosen network is written, loads, and has the reported accuracy
    let q = tomatl::frontend::load(&dir.path().join("s/best.yaml")).expect("best.yaml");
    let codes =
        tomatl::frontend::read_tensor(&dir.path().join("x.npy"), &q.input_shape, &q.input_type)
            .expect("codes");
    let y: Vec<usize> = tomatl::ptq::eval::float_classes(&f, x.view());
    let acc = tomatl::ptq::evaluate(&q, x.view(), codes.view(), &y);
    assert_eq!(Some(acc.quant_top1), best["top1"].as_f64());
}
