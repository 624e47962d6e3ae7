//! The float reference model and `tomatl eval`.
//!
//! With parameters given as codes and output types wide enough to hold
//! every accumulator exactly, the integer model does no rounding and no
//! saturation, so it must equal the float reference bit for bit (every
//! value is a small dyadic rational, exact in f64).

mod common;

use std::process::Command;

use common::*;
use ndarray::Array2;

/// Load `yaml`, run both models on random inputs, and compare the output
/// values exactly.
fn check_exact(yaml: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let net = dir.path().join("net.yaml");
    std::fs::write(&net, yaml).expect("write");
    let g = tomatl::frontend::load(&net).expect("load");
    let codes = tomatl::golden::random_inputs(&g, 6, 3);
    let scale = 2f64.powi(-g.input_type.frac);
    let reals = codes.mapv(|c| c as f64 * scale);
    let q = tomatl::golden::run(&g, codes.view());
    let f = tomatl::golden::float::run(&g, reals.view());
    let out = g.output_type();
    let qv: Array2<f64> = q.mapv(|c| c as f64 * 2f64.powi(-out.frac));
    assert_eq!(qv, f, "integer model and float reference differ");
}

#[test]
fn dense_without_rounding_equals_the_float_reference() {
    check_exact(
        "name: d\ninput: {shape: [7], type: {bits: 3, signed: true, frac: 1}}\n\
         params: {random: {seed: 4}}\n\
         policy:\n  default:\n    weights: {arith: fixed, bits: 3, frac: 1}\n    acts: {bits: 16, signed: true, frac: 2}\n\
         layers:\n  - {name: a, op: dense, out: 5, act: relu}\n",
    );
}

#[test]
fn every_arithmetic_without_rounding_equals_the_float_reference() {
    for arith in [
        "{arith: pow2, bits: 4, frac: 0}",
        "{arith: binary}",
        "{arith: ternary}",
    ] {
        check_exact(&format!(
            "name: d\ninput: {{shape: [9], type: {{bits: 5, signed: true, frac: 2}}}}\n\
             params: {{random: {{seed: 9}}}}\n\
             policy:\n  default:\n    weights: {arith}\n    acts: {{bits: 16, signed: true, frac: 2}}\n\
             layers:\n  - {{name: a, op: dense, out: 4}}\n"
        ));
    }
}

#[test]
fn convolutions_pools_and_adds_without_rounding_equal_the_float_reference() {
    check_exact(
        "name: c\ninput: {shape: [7, 6, 3], type: {bits: 3, signed: true, frac: 1}}\n\
         params: {random: {seed: 2}}\n\
         policy:\n  default:\n    weights: {arith: fixed, bits: 3, frac: 1}\n    acts: {bits: 16, signed: true, frac: 2}\n\
         layers:\n  - {name: a, op: conv, out: 3, kernel: 3, stride: 2, pad: 1, act: relu}\n\
         \x20 - {name: b, op: dwconv, kernel: [3, 2], stride: 2, pad: [1, 0], act: relu6, from: [input]}\n\
         \x20 - {name: s, op: add, from: [a, b]}\n\
         \x20 - {name: m, op: maxpool, kernel: 2}\n\
         \x20 - {name: t, op: flatten}\n",
    );
}

#[test]
fn float_weights_are_kept_unquantized_for_the_reference() {
    let dir = tempfile::tempdir().expect("tempdir");
    let w = ndarray::arr2(&[[0.3f64, -0.7], [0.05, 0.9]]);
    let b = ndarray::arr1(&[0.11f64, -0.2]);
    let mut npz = ndarray_npy::NpzWriter::new(
        std::fs::File::create(dir.path().join("w.npz")).expect("create"),
    );
    npz.add_array("a.weight", &w).expect("add");
    npz.add_array("a.bias", &b).expect("add");
    npz.finish().expect("finish");
    let net = dir.path().join("net.yaml");
    std::fs::write(
        &net,
        "name: f\ninput: {shape: [2], type: {bits: 8, signed: true, frac: 4}}\n\
         params: {file: w.npz}\n\
         policy:\n  default:\n    weights: {arith: fixed, bits: 4, frac: 2}\n    acts: {bits: 8, signed: true, frac: 4}\n\
         layers:\n  - {name: a, op: dense, out: 2}\n",
    )
    .expect("write");
    let g = tomatl::frontend::load(&net).expect("load");
    let x = ndarray::arr2(&[[1.0f64, 2.0]]);
    let y = tomatl::golden::float::run(&g, x.view());
    let want = w.dot(&x.row(0)) + &b;
    for (a, e) in y.row(0).iter().zip(want.iter()) {
        assert!((a - e).abs() < 1e-12, "{a} vs {e}");
    }
    // and the integer model sees the quantized weights: 0.3 -> 0.25 etc.
    let codes = ndarray::arr2(&[[16i64, 32]]);
    let q = tomatl::golden::run(&g, codes.view());
    // (0.25·1 − 0.75·2 + 0.11→0.125 at acc frac 6: 7/64 = 0.109375)
    // exact: 0.25 − 1.5 + 0.109375 = −1.140625 → code round(−18.25) = −18
    assert_eq!(q[[0, 0]], -18);
}

fn tomatl(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tomatl"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run tomatl")
}

#[test]
fn eval_reports_float_and_quantized_accuracy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let g = tomatl::frontend::load(&example("jet_tagger.yaml")).expect("load");
    let codes = tomatl::golden::random_inputs(&g, 50, 11);
    // labels: the quantized model's own classes, so its accuracy is 100%
    let labels: Vec<i64> = tomatl::ptq::eval::quant_classes(&g, codes.view())
        .into_iter()
        .map(|c| c as i64)
        .collect();
    let x = codes.mapv(|c| c as i8);
    ndarray_npy::write_npy(dir.path().join("x.npy"), &x).expect("x");
    ndarray_npy::write_npy(dir.path().join("y.npy"), &ndarray::Array1::from(labels)).expect("y");
    let net = example("jet_tagger.yaml");
    let net = net.to_str().expect("path");
    let o = tomatl(
        &[
            "eval", net, "--data", "x.npy", "--labels", "y.npy", "--json",
        ],
        dir.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["frames"], 50);
    assert_eq!(v["quant_top1"], 100.0);
    let f = v["float_top1"].as_f64().expect("float_top1");
    assert!((0.0..=100.0).contains(&f));

    // a label out of range, and a count mismatch, are located input errors
    ndarray_npy::write_npy(dir.path().join("bad.npy"), &ndarray::arr1(&[0i64, 5, 1])).expect("bad");
    let o = tomatl(
        &["eval", net, "--data", "x.npy", "--labels", "bad.npy"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("bad.npy") && err.contains("label 5 at index [1]"),
        "{err}"
    );
    ndarray_npy::write_npy(dir.path().join("few.npy"), &ndarray::arr1(&[0i64, 1])).expect("few");
    let o = tomatl(
        &["eval", net, "--data", "x.npy", "--labels", "few.npy"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("2 labels for 50 frames"));
}
