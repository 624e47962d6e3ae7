//! The per-channel multiplier mode (`scale: channel`): description, weight
//! files, golden model and RTL.

mod common;

use std::path::Path;

use common::*;
use ndarray::{arr1, Array, Array2, IxDyn};

const NET: &str = "name: pc\ninput: {shape: [6, 5, 3], type: {bits: 8, signed: true, frac: 6}}\n\
params: {random: {seed: 3}}\n\
policy:\n  default:\n    weights: {arith: fixed, bits: 6, scale: channel}\n    acts: {bits: 8, signed: false, frac: 4}\n\
\x20 layers:\n    d: {weights: {arith: pow2, bits: 4, scale: layer}}\n\
\x20   fc: {weights: {arith: ternary, scale: channel}, acts: {bits: 10, signed: true, frac: 3}}\n\
layers:\n  - {name: c, op: conv, out: 4, kernel: 3, pad: 1, act: relu}\n\
\x20 - {name: d, op: dwconv, kernel: 3, stride: 2, pad: same, act: relu6}\n\
\x20 - {name: p, op: conv, out: 6, kernel: 1, act: relu}\n\
\x20 - {name: f, op: flatten}\n\
\x20 - {name: fc, op: dense, out: 5}\n";

fn load(dir: &Path, yaml: &str) -> Result<tomatl::ir::Graph, tomatl::error::Error> {
    let net = dir.join("net.yaml");
    std::fs::write(&net, yaml).expect("write");
    tomatl::frontend::load(&net)
}

#[test]
fn per_channel_layers_verify_bit_exact_in_rtl() {
    let dir = tempfile::tempdir().expect("tempdir");
    let g = load(dir.path(), NET).expect("load");
    let scaled = g
        .layers
        .iter()
        .filter(|l| match &l.op {
            tomatl::ir::Op::Dense(d) => d.channel.is_some(),
            tomatl::ir::Op::Conv(c) => c.channel.is_some(),
            _ => false,
        })
        .count();
    assert_eq!(scaled, 3, "c, p and fc are per-channel");
    // the multipliers matter: the same network with one shift per layer
    // computes something else
    let plain = load(dir.path(), &NET.replace("scale: channel", "scale: layer")).expect("load");
    let x = tomatl::golden::random_inputs(&g, 8, 2);
    assert_ne!(
        tomatl::golden::run(&g, x.view()),
        tomatl::golden::run(&plain, x.view())
    );
    let out = scratch("per_channel_rtl");
    generate(
        &g,
        tomatl::plan::Fold::Auto {
            target_cycles: None,
        },
        &out,
    );
    lint(&out, &tomatl::hw::top_name(&g));
    let r = verify(&out, 24, 0.3, 9);
    assert!(r.pass, "{}", r.line());
    assert_interval(&r, "per-channel");
    let out = scratch("per_channel_rtl_max");
    generate(&g, tomatl::plan::Fold::Max, &out);
    let r = verify(&out, 12, 0.3, 4);
    assert!(r.pass, "{}", r.line());
}

/// A dense layer whose rows differ in magnitude by 100x: with one scale per
/// layer the small rows lose most of their bits, with per-channel scales
/// every row uses the full code range.
#[test]
fn per_channel_scales_keep_small_rows_precise() {
    let dir = tempfile::tempdir().expect("tempdir");
    let w = Array2::from_shape_fn((4, 6), |(o, i)| {
        let v = ((o * 7 + i * 3) % 11) as f64 / 11.0 - 0.45;
        if o % 2 == 0 {
            v
        } else {
            v / 100.0
        }
    });
    let mut npz =
        ndarray_npy::NpzWriter::new(std::fs::File::create(dir.path().join("w.npz")).expect("npz"));
    npz.add_array("a.weight", &w).expect("w");
    npz.add_array("a.bias", &arr1(&[0.01f64, -0.002, 0.0, 0.001]))
        .expect("b");
    npz.finish().expect("npz");
    let yaml = |scale: &str| {
        format!(
            "name: s\ninput: {{shape: [6], type: {{bits: 8, signed: true, frac: 6}}}}\n\
             params: {{file: w.npz}}\n\
             policy:\n  default:\n    weights: {{arith: fixed, bits: 6, frac: 6, scale: {scale}}}\n    acts: {{bits: 16, signed: true, frac: 14}}\n\
             layers:\n  - {{name: a, op: dense, out: 4}}\n"
        )
    };
    let x = Array::from_shape_fn((16, 6), |(f, i)| {
        ((f * 5 + i * 13) % 17) as f64 / 17.0 - 0.5
    });
    let err = |scale: &str| -> f64 {
        let g = load(dir.path(), &yaml(scale)).expect("load");
        let codes = x.mapv(|v| (v * 64.0).round() as i64);
        let reals = codes.mapv(|c| c as f64 / 64.0);
        let q = tomatl::golden::run(&g, codes.view()).mapv(|c| c as f64 / 2f64.powi(14));
        let f = tomatl::golden::float::run(&g, reals.view());
        // the error on the small rows, relative to their size
        let (mut e, mut n) = (0.0, 0.0);
        for r in 0..16 {
            for o in [1, 3] {
                e += (q[[r, o]] - f[[r, o]]).abs();
                n += f[[r, o]].abs();
            }
        }
        e / n
    };
    let (layer, channel) = (err("layer"), err("channel"));
    eprintln!("relative error on the small rows: layer {layer:.4}, channel {channel:.4}");
    assert!(channel < 0.05, "{channel}");
    assert!(
        channel * 5.0 < layer,
        "per-channel {channel} vs per-layer {layer}"
    );
}

fn check_err(
    dir: &Path,
    yaml: &str,
    arrays: &[(&str, ndarray::ArrayD<f64>)],
    ints: bool,
    needles: &[&str],
) {
    let mut npz =
        ndarray_npy::NpzWriter::new(std::fs::File::create(dir.join("w.npz")).expect("npz"));
    for (n, a) in arrays {
        if ints && n.ends_with(".weight") {
            npz.add_array(*n, &a.mapv(|v| v as i64)).expect("add");
        } else {
            npz.add_array(*n, a).expect("add");
        }
    }
    npz.finish().expect("npz");
    let e = load(dir, yaml).expect_err("must fail").to_string();
    for n in needles {
        assert!(e.contains(n), "`{n}` not in: {e}");
    }
}

#[test]
fn per_channel_input_errors_name_the_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let net = |w: &str| {
        format!(
            "name: e\ninput: {{shape: [3], type: {{bits: 8, signed: true, frac: 6}}}}\n\
             params: {{file: w.npz}}\n\
             policy:\n  default:\n    weights: {w}\n    acts: {{bits: 8, signed: true, frac: 4}}\n\
             layers:\n  - {{name: a, op: dense, out: 2}}\n"
        )
    };
    let w =
        || Array::from_shape_vec(IxDyn(&[2, 3]), vec![1.0, -2.0, 3.0, 0.5, 0.0, -1.0]).expect("w");
    let s = |v: Vec<f64>| Array::from_shape_vec(IxDyn(&[v.len()]), v).expect("s");
    check_err(
        d,
        &net("{arith: fixed, bits: 8, scale: row}"),
        &[("a.weight", w())],
        false,
        &[
            "net.yaml:6:45",
            "layer `a`",
            "unknown weight scale `row`",
            "scale: channel",
        ],
    );
    check_err(
        d,
        &net("{arith: fixed, bits: 8, scale: channel}"),
        &[("a.weight", w())],
        true,
        &["missing array `a.weight_scale`", "integer weight codes"],
    );
    check_err(
        d,
        &net("{arith: fixed, bits: 8, scale: channel}"),
        &[("a.weight", w()), ("a.weight_scale", s(vec![0.5, -1.0]))],
        false,
        &[
            "array `a.weight_scale` has -1 at index [1]",
            "positive finite",
        ],
    );
    check_err(
        d,
        &net("{arith: fixed, bits: 8, scale: channel}"),
        &[
            ("a.weight", w()),
            ("a.weight_scale", s(vec![0.5, 1.0, 2.0])),
        ],
        false,
        &["a.weight_scale", "[2]"],
    );
    check_err(
        d,
        &net("{arith: fixed, bits: 8}"),
        &[("a.weight", w()), ("a.weight_scale", s(vec![0.5, 1.0]))],
        false,
        &[
            "a.weight_scale",
            "without per-channel scales",
            "scale: channel",
        ],
    );
    let dw = "name: e\ninput: {shape: [4, 4, 2], type: {bits: 8, signed: true, frac: 6}}\n\
              params: {random: {seed: 1}}\n\
              policy:\n  default:\n    weights: {arith: fixed, bits: 8, scale: channel}\n    acts: {bits: 8, signed: true, frac: 4}\n\
              layers:\n  - {name: k, op: dwconv, kernel: 3}\n";
    let e = load(d, dw).expect_err("dwconv").to_string();
    assert!(e.contains("layer `k`") && e.contains("depthwise"), "{e}");
}

/// The requantizer's multiplier is built on its exact operand widths, so
/// Yosys maps each PE's `acc × M` to one DSP, as the model predicts.
#[test]
fn per_channel_multipliers_take_the_predicted_dsps_in_yosys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let g = load(dir.path(), NET).expect("load");
    let b = tomatl::plan::load_board("pynq-z2").expect("board");
    let plan = tomatl::plan::plan_for_board(&g, &b, None, Some(143e6 / 300.0)).expect("plan");
    let out = scratch("per_channel_synth");
    let files = tomatl::emit::emit(&g, &plan).expect("emit");
    tomatl::emit::write_design(&out, &files).expect("write");
    let r = tomatl::sim::yosys::synth_design(&out).expect("synth");
    eprint!("{}", r.table());
    let predicted = tomatl::plan::design_cost(&g, &plan, b.family)
        .expect("cost")
        .dsp;
    assert_eq!(r.measured.dsp, predicted);
}
