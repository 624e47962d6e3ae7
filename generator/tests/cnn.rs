//! Convolutional networks end to end: the bundled CNN examples and random
//! small CNNs (kernels, strides, paddings, channel counts including primes,
//! residual adds, arithmetic and bits per layer) generated, simulated in
//! Verilator with random stalls and compared bit for bit with the golden
//! model.

mod common;

use common::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tomatl::plan::Fold;

fn check_example(file: &str, frames: usize, stall: f64) -> tomatl::sim::VerifyReport {
    let graph = tomatl::frontend::load(&example(file)).expect("load example");
    let out = scratch(&format!("{}_default", graph.name));
    generate(
        &graph,
        Fold::Auto {
            target_cycles: None,
        },
        &out,
    );
    lint(&out, &tomatl::hw::top_name(&graph));
    let r = verify(&out, frames, stall, 5);
    assert!(r.pass, "{file}: {}", r.line());
    assert_interval(&r, file);
    r
}

#[test]
fn lenet_verifies() {
    check_example("lenet.yaml", 20, 0.3);
}

#[test]
fn dscnn_kws_verifies_and_is_efficient() {
    let r = check_example("dscnn_kws.yaml", 5, 0.3);
    let eff = r.efficiency.expect("efficiency");
    assert!(eff >= 0.85, "dscnn_kws efficiency {eff:.3}: {}", r.line());
}

/// ResNet-8 verifies at full efficiency, and the same design survives
/// 300-cycle stall bursts on both sides (one build for both).
#[test]
fn resnet8_verifies_is_efficient_and_survives_long_stall_bursts() {
    let r = check_example("resnet8.yaml", 3, 0.3);
    let eff = r.efficiency.expect("efficiency");
    assert!(eff >= 0.85, "resnet8 efficiency {eff:.3}: {}", r.line());
    let opts = tomatl::sim::VerifyOptions {
        frames: 3,
        seed: 9,
        stall: 0.5,
        burst: 300.0,
        inputs: None,
        jobs: 1,
    };
    let graph = tomatl::frontend::load(&example("resnet8.yaml")).expect("load");
    let out = repo_root()
        .join("target/test-designs")
        .join(format!("{}_default", graph.name));
    let r = tomatl::sim::verify(&out, &opts).expect("verify");
    assert!(r.pass, "resnet8 with 300-cycle bursts: {}", r.line());
}

#[test]
#[ignore = "slow: make verify-all"]
fn mobilenet_v1_025_96_verifies() {
    check_example("mobilenet_v1_025_96.yaml", 2, 0.3);
}

/// A random small CNN; `residual` forces a residual block.
fn random_cnn(seed: u64, residual: bool) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let h = rng.random_range(3..=11usize);
    let w = rng.random_range(3..=11usize);
    let mut c = [1usize, 2, 3, 4, 5, 7][rng.random_range(0..6)];
    let (mut hh, mut ww) = (h, w);
    let in_bits = rng.random_range(2..=10u32);
    let mut y = format!(
        "name: cnn{seed}\ninput: {{shape: [{h}, {w}, {c}], type: {{bits: {in_bits}, signed: {}, frac: {}}}}}\nparams: {{random: {{seed: {seed}}}}}\npolicy:\n  default:\n    weights: {{arith: fixed, bits: 4}}\n    acts: {{bits: 8, signed: false, frac: 3}}\n  layers:\n",
        rng.random_bool(0.5),
        rng.random_range(0..=in_bits as i32),
    );
    let mut layers = String::new();
    let mut prev = "input".to_string();
    let blocks = rng.random_range(1..=3usize);
    for b in 0..blocks {
        let kind = if residual && b == 0 {
            4
        } else {
            rng.random_range(0..5)
        };
        let weights = match rng.random_range(0..4) {
            0 => format!("{{arith: fixed, bits: {}}}", rng.random_range(1..=8)),
            1 => format!("{{arith: pow2, bits: {}}}", rng.random_range(2..=4)),
            2 => "{arith: binary}".to_string(),
            _ => "{arith: ternary}".to_string(),
        };
        let acts = format!(
            "{{bits: {}, signed: {}, frac: {}}}",
            rng.random_range(3..=10),
            rng.random_bool(0.3),
            rng.random_range(0..=3)
        );
        let act = ["none", "relu", "relu6"][rng.random_range(0..3)];
        let name = format!("b{b}");
        match kind {
            0 | 1 => {
                // conv, maybe rectangular, strided, padded
                let kh = rng.random_range(1..=hh.min(5));
                let kw = if rng.random_bool(0.3) {
                    rng.random_range(1..=ww.min(5))
                } else {
                    kh.min(ww)
                };
                let s = rng.random_range(1..=3usize);
                let (pad, ph, pw) = match rng.random_range(0..3) {
                    0 => ("0".to_string(), 0, 0),
                    1 => {
                        let (ph, pw) = (rng.random_range(0..kh), rng.random_range(0..kw));
                        (format!("[{ph}, {pw}]"), ph, pw)
                    }
                    _ => ("same".to_string(), usize::MAX, usize::MAX),
                };
                let out = [1usize, 2, 3, 4, 5, 6, 7, 8][rng.random_range(0..8)];
                let dw = kind == 1;
                if pad == "same" {
                    hh = hh.div_ceil(s);
                    ww = ww.div_ceil(s);
                } else {
                    hh = (hh + 2 * ph - kh) / s + 1;
                    ww = (ww + 2 * pw - kw) / s + 1;
                }
                let op = if dw {
                    "dwconv".to_string()
                } else {
                    format!("conv, out: {out}")
                };
                layers += &format!(
                    "  - {{name: {name}, op: {op}, kernel: [{kh}, {kw}], stride: {s}, pad: {pad}, act: {act}}}\n"
                );
                if !dw {
                    c = out;
                }
                y += &format!("    {name}: {{weights: {weights}, acts: {acts}}}\n");
            }
            2 => {
                let k = rng.random_range(1..=hh.min(ww).min(3));
                let avg = rng.random_bool(0.5);
                let op = if avg { "avgpool" } else { "maxpool" };
                layers += &format!("  - {{name: {name}, op: {op}, kernel: {k}}}\n");
                hh = (hh - k) / k + 1;
                ww = (ww - k) / k + 1;
                if avg {
                    y += &format!("    {name}: {{acts: {acts}}}\n");
                }
            }
            3 => {
                // depthwise-separable block
                layers += &format!(
                    "  - {{name: {name}d, op: dwconv, kernel: 3, pad: same, act: relu}}\n  - {{name: {name}, op: conv, out: {c}, kernel: 1, act: {act}}}\n"
                );
                y +=
                    &format!("    {name}d: {{weights: {weights}}}\n    {name}: {{acts: {acts}}}\n");
            }
            _ => {
                // residual block: two same-padded convs and an add from the block input
                layers += &format!(
                    "  - {{name: {name}a, op: conv, out: {c}, kernel: 3, pad: same, act: relu}}\n  - {{name: {name}b, op: conv, out: {c}, kernel: 3, pad: same}}\n  - {{name: {name}, op: add, from: [{prev}, {name}b], act: {act}}}\n"
                );
                y +=
                    &format!("    {name}a: {{weights: {weights}}}\n    {name}: {{acts: {acts}}}\n");
            }
        }
        prev = name;
    }
    if rng.random_bool(0.5) {
        layers += "  - {name: gap, op: gavgpool}\n";
    } else {
        layers += "  - {name: flat, op: flatten}\n";
    }
    layers += &format!(
        "  - {{name: head, op: dense, out: {}}}\n",
        rng.random_range(1..=7)
    );
    y + "layers:\n" + &layers
}

/// Random CNNs of `seeds` in Verilator (every fourth seed asks for a
/// residual add); two halves, two tests, side by side.
fn random_cnns(seeds: std::ops::Range<u64>) {
    let n = seeds.end - seeds.start;
    let mut residuals = 0;
    for seed in seeds {
        let yaml = random_cnn(seed, seed % 4 == 0);
        let path = std::path::PathBuf::from(format!("cnn{seed}.yaml"));
        let graph = match tomatl::frontend::load_str(&yaml, &path) {
            Ok(g) => g,
            Err(e) => panic!("seed {seed}: {e}\n{yaml}"),
        };
        if graph.layers.iter().any(|l| l.inputs.len() == 2) {
            residuals += 1;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(500 + seed);
        let fold = match rng.random_range(0..3) {
            0 => Fold::Min,
            1 => Fold::Max,
            _ => Fold::Auto {
                target_cycles: None,
            },
        };
        let out = scratch(&format!("cnn{seed}"));
        generate(&graph, fold, &out);
        let stall = [0.0, 0.3][(seed % 2) as usize];
        let r = verify(&out, 4, stall, seed);
        assert!(r.pass, "seed {seed} ({fold:?}): {}\n{yaml}", r.line());
        assert_interval(&r, &format!("cnn seed {seed}"));
        if seed % 4 == 0 {
            // a residual network under long stall bursts on both sides
            let opts = tomatl::sim::VerifyOptions {
                frames: 3,
                seed,
                stall: 0.5,
                burst: 200.0,
                inputs: None,
                jobs: 1,
            };
            let r = tomatl::sim::verify(&out, &opts).expect("verify");
            assert!(r.pass, "seed {seed} with stall bursts: {}", r.line());
        }
    }
    assert!(
        residuals >= n / 4,
        "only {residuals} random networks had a residual add"
    );
}

#[test]
fn random_cnns_match_the_golden_model_in_rtl_first_half() {
    random_cnns(0..6);
}

#[test]
fn random_cnns_match_the_golden_model_in_rtl_second_half() {
    random_cnns(6..12);
}

#[test]
fn mobilenet_v1_224_checks_and_generates() {
    let graph = tomatl::frontend::load(&example("mobilenet_v1.yaml")).expect("load");
    let macs = graph.total_macs();
    let params: u64 = graph.layers.iter().map(|l| l.param_count()).sum();
    // published: 569 M multiply-accumulates, 4.2 M parameters
    assert!((568_000_000..571_000_000).contains(&macs), "MACs {macs}");
    assert!(
        (4_150_000..4_260_000).contains(&params),
        "parameters {params}"
    );
    let out = scratch("mobilenet_v1_generate");
    let plan = generate(
        &graph,
        Fold::Auto {
            target_cycles: None,
        },
        &out,
    );
    assert_eq!(plan.engines.len(), 29);
    let info: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("design.json")).expect("design.json"),
    )
    .expect("json");
    assert_eq!(info["macs_per_frame"], macs);
    lint(&out, &tomatl::hw::top_name(&graph));
}

#[test]
fn a_network_cut_after_a_layer_keeps_what_it_depends_on() {
    let graph = tomatl::frontend::load(&example("resnet8.yaml")).expect("load");
    let k = graph
        .layers
        .iter()
        .position(|l| l.name == "s2sc")
        .expect("s2sc");
    let cut = graph.prefix(k);
    let names: Vec<&str> = cut.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["stem", "s1c1", "s1c2", "s1add", "s2sc"]);
    // the cut computes exactly that layer of the whole network
    let x = tomatl::golden::random_inputs(&graph, 2, 4);
    assert_eq!(
        tomatl::golden::run(&cut, x.view()),
        tomatl::golden::layer_outputs(&graph, x.view(), k)
    );
    // and is a network of its own: it plans and emits
    let plan = tomatl::plan::plan(&cut, Fold::Min).expect("plan");
    tomatl::emit::emit(&cut, &plan).expect("emit");
}
