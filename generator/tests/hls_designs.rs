//! The HLS C++ backend end to end: the examples, the imported CNNs and
//! random networks (every op, weight arithmetic and width, per-channel
//! multipliers) generated with their HLS C++, compiled with g++ and
//! simulated in C (`verify --backend hls`), every output bit for bit
//! against the golden model; each top passes the pragma lint. A few are
//! also compiled with the sums as Vitis HLS synthesises them (ap_int,
//! `-DTOMATL_CSIM_AP_ARITH`) and run on their own golden vectors.

mod common;
mod common_hls;
#[path = "common/netgen.rs"]
mod netgen;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::*;
use common_hls::*;
use tomatl::ir::{Arith, Op};
use tomatl::plan::Fold;

const AUTO: Fold = Fold::Auto {
    target_cycles: None,
};

/// Generate, lint and verify in C simulation; returns the design folder.
fn check(graph: &tomatl::ir::Graph, fold: Fold, tag: &str, frames: usize) -> std::path::PathBuf {
    let out = scratch(&format!("hls_{tag}"));
    generate_hls(graph, fold, &out);
    let bad = lint_design(&out);
    assert!(bad.is_empty(), "{tag}: pragma lint:\n{}", bad.join("\n"));
    let r = verify_hls(&out, frames, 7);
    assert!(r.pass, "{tag}: {}", r.line());
    assert_eq!(r.frames_received, frames, "{tag}");
    assert_eq!(r.backend, tomatl::sim::Backend::Hls);
    out
}

fn example_graph(file: &str) -> tomatl::ir::Graph {
    tomatl::frontend::load(&example(file)).expect("load example")
}

/// The testbench on its own golden vectors (tb_data/), compiled with the
/// ap_int sums of synthesis: PASS.
fn ap_arith_passes(out: &Path) {
    let d: tomatl::hw::Design =
        serde_json::from_str(&std::fs::read_to_string(out.join("design.json")).expect("json"))
            .expect("design.json");
    let exe = tomatl::sim::hls::build_with(out, &d, &["-DTOMATL_CSIM_AP_ARITH".to_string()])
        .expect("build with ap_int sums");
    let o = Command::new(&exe)
        .current_dir(out.join("hls"))
        .output()
        .expect("run the testbench");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && text.starts_with("PASS"),
        "{}: {text}{}",
        out.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn jet_tagger_and_binary_mlp_at_every_fold() {
    for (file, frames) in [("jet_tagger.yaml", 200), ("binary_mlp.yaml", 40)] {
        let g = example_graph(file);
        for (fold, tag) in [(Fold::Max, "max"), (Fold::Min, "min"), (AUTO, "auto")] {
            let out = check(&g, fold, &format!("{}_{tag}", g.name), frames);
            if file == "jet_tagger.yaml" && tag == "max" {
                ap_arith_passes(&out);
            }
        }
    }
}

#[test]
fn lenet_and_dscnn_kws() {
    check(&example_graph("lenet.yaml"), AUTO, "lenet", 20);
    check(&example_graph("dscnn_kws.yaml"), AUTO, "dscnn_kws", 5);
}

#[test]
fn resnet8() {
    let out = check(&example_graph("resnet8.yaml"), AUTO, "resnet8", 8);
    ap_arith_passes(&out);
}

#[test]
#[ignore = "slow: make verify-all"]
fn mobilenet_v1_025_96() {
    check(
        &example_graph("mobilenet_v1_025_96.yaml"),
        AUTO,
        "mobilenet",
        3,
    );
}

/// The imported CNNs (digits, Fashion-MNIST; ONNX to a description with
/// float weights quantized by its policy), and the digits CNN quantized with
/// pow2 weights and fixed-point edges on random calibration frames.
#[test]
fn imported_cnns() {
    let dir = tempfile::tempdir().expect("tempdir");
    for model in ["digits_cnn", "fashion_cnn"] {
        let net = dir.path().join(format!("{model}.yaml"));
        let o = tomatl(
            &[
                "import",
                example(&format!("{model}.onnx")).to_str().expect("path"),
                "-o",
                net.to_str().expect("path"),
                "--input-bits",
                "8",
                "--input-frac",
                "8",
                "--input-signed",
                "false",
            ],
            dir.path(),
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let g = tomatl::frontend::load(&net).expect("load imported");
        check(&g, AUTO, model, 20);
        if model == "digits_cnn" {
            let x = tomatl::golden::random_inputs(&g, 32, 3);
            let shape: Vec<usize> = std::iter::once(32).chain(g.input_shape.clone()).collect();
            let x = x.into_shape_with_order(shape).expect("shape");
            let calib = dir.path().join("calib.npy");
            ndarray_npy::write_npy(&calib, &x).expect("write calib");
            let mixed = dir.path().join("mixed.yaml");
            let o = tomatl(
                &[
                    "quantize",
                    net.to_str().expect("path"),
                    "--calib",
                    calib.to_str().expect("path"),
                    "-o",
                    mixed.to_str().expect("path"),
                    "--weights",
                    "pow2:4",
                    "--edges",
                    "fixed:8",
                ],
                dir.path(),
            );
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let g = tomatl::frontend::load(&mixed).expect("load mixed");
            check(&g, AUTO, "digits_mixed", 20);
        }
    }
}

/// Per-channel multipliers on conv, 1x1 conv and dense layers, at two folds.
#[test]
fn per_channel_multipliers() {
    let yaml = "name: pc\ninput: {shape: [6, 5, 3], type: {bits: 8, signed: true, frac: 6}}\n\
params: {random: {seed: 3}}\n\
policy:\n  default:\n    weights: {arith: fixed, bits: 6, scale: channel}\n    acts: {bits: 8, signed: false, frac: 4}\n\
\x20 layers:\n    d: {weights: {arith: pow2, bits: 4, scale: layer}}\n\
\x20   fc: {weights: {arith: ternary, scale: channel}, acts: {bits: 10, signed: true, frac: 3}}\n\
layers:\n  - {name: c, op: conv, out: 4, kernel: 3, pad: 1, act: relu}\n\
\x20 - {name: d, op: dwconv, kernel: 3, stride: 2, pad: same, act: relu6}\n\
\x20 - {name: p, op: conv, out: 6, kernel: 1, act: relu}\n\
\x20 - {name: f, op: flatten}\n\
\x20 - {name: fc, op: dense, out: 5}\n";
    let g = tomatl::frontend::load_str(yaml, Path::new("pc.yaml")).expect("load");
    let out = check(&g, AUTO, "per_channel", 24);
    ap_arith_passes(&out);
    check(&g, Fold::Max, "per_channel_max", 12);
}

/// What a set of random networks covered.
#[derive(Default)]
struct Coverage {
    networks: usize,
    ops: BTreeSet<String>,
    ariths: BTreeSet<String>,
    weight_bits: BTreeSet<u32>,
    act_bits: BTreeSet<u32>,
}

fn random_networks(seeds: impl Iterator<Item = u64>, want: usize) -> Coverage {
    let mut c = Coverage::default();
    for seed in seeds {
        if c.networks == want {
            break;
        }
        let yaml = netgen::network(seed, netgen::Mode::Build);
        let Ok(g) = tomatl::frontend::load_str(&yaml, Path::new("net.yaml")) else {
            continue;
        };
        // small enough to compile and run in seconds
        if g.total_macs() > 200_000 || g.input_len() > 4096 {
            continue;
        }
        let fold = [AUTO, Fold::Min, Fold::Max][(seed % 3) as usize];
        if fold == Fold::Max && tomatl::plan::plan(&g, fold).is_err() {
            continue;
        }
        for l in &g.layers {
            c.ops.insert(l.op.kind().to_string());
            c.act_bits.insert(l.out_type.bits);
            let wt = match &l.op {
                Op::Dense(d) => Some(d.wtype),
                Op::Conv(cv) => Some(cv.wtype),
                _ => None,
            };
            if let Some(w) = wt {
                c.ariths.insert(format!("{:?}", w.arith));
                if w.arith == Arith::Fixed || w.arith == Arith::Pow2 {
                    c.weight_bits.insert(w.bits);
                }
            }
        }
        let tag = format!("rnd{seed}");
        let out = scratch(&format!("hls_{tag}"));
        generate_hls(&g, fold, &out);
        let bad = lint_design(&out);
        assert!(
            bad.is_empty(),
            "{tag}: pragma lint:\n{}\n{yaml}",
            bad.join("\n")
        );
        let r = verify_hls(&out, 6, seed);
        assert!(r.pass, "seed {seed} ({fold:?}): {}\n{yaml}", r.line());
        c.networks += 1;
    }
    c
}

fn assert_covers(c: &Coverage, n: usize) {
    assert_eq!(
        c.networks, n,
        "only {} random networks were usable",
        c.networks
    );
    for op in ["dense", "conv", "add"] {
        assert!(c.ops.contains(op), "no {op} among {:?}", c.ops);
    }
}

#[test]
fn random_networks_even_seeds() {
    let c = random_networks((0..400u64).map(|s| 2 * s), 21);
    assert_covers(&c, 21);
    for a in ["Fixed", "Pow2", "Binary", "Ternary"] {
        assert!(c.ariths.contains(a), "no {a} weights among {:?}", c.ariths);
    }
}

#[test]
fn random_networks_odd_seeds() {
    let c = random_networks((0..400u64).map(|s| 2 * s + 1), 21);
    assert_covers(&c, 21);
    for op in ["dwconv", "maxpool", "avgpool", "gavgpool", "flatten"] {
        assert!(c.ops.contains(op), "no {op} among {:?}", c.ops);
    }
    assert!(
        c.weight_bits.len() >= 6,
        "weight widths {:?}",
        c.weight_bits
    );
    assert!(c.act_bits.len() >= 6, "output widths {:?}", c.act_bits);
}
