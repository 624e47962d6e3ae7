//! The threshold mode (docs/numerics.md §4.2) end to end: random dense
//! and conv networks with `scale: thresholds` (random sorted thresholds,
//! some channels descending, bipolar outputs among them), the golden model
//! against a naive reference written from the contract, the RTL in
//! Verilator with stalls and the HLS C simulation, bit for bit; and the
//! frontend's refusals of threshold arrays it cannot take.

mod common;
mod common_hls;

use common::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tomatl::ir::{Graph, Op, Thresholds};
use tomatl::plan::Fold;

/// A random network of dense (or conv) layers in the threshold mode, each
/// output 2 to 8 bits (a narrow signed 2-bit output is bipolar for about
/// half of the frontend's draws: one threshold, codes −1 and +1).
fn random_yaml(seed: u64, conv: bool) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let depth = rng.random_range(1..=3usize);
    let in_bits = rng.random_range(2..=8u32);
    let input = if conv {
        let c = rng.random_range(1..=3usize);
        format!("[6, 5, {c}]")
    } else {
        format!("[{}]", rng.random_range(1..=24usize))
    };
    let mut y = format!(
        "name: thr{seed}\ninput:\n  shape: {input}\n  type: {{bits: {in_bits}, signed: true, frac: 0}}\nparams: {{random: {{seed: {seed}}}}}\npolicy:\n  default:\n    weights: {{arith: fixed, bits: 4, scale: thresholds}}\n    acts: {{bits: 4, signed: false, frac: 0}}\n  layers:\n"
    );
    let mut layers = String::new();
    for i in 0..depth {
        let out = rng.random_range(1..=12usize);
        let (arith, wbits) = match rng.random_range(0..4) {
            0 => ("fixed", rng.random_range(2..=8)),
            1 => ("pow2", rng.random_range(2..=4)),
            2 => ("binary", 1),
            _ => ("ternary", 2),
        };
        let wspec = if matches!(arith, "binary" | "ternary") {
            format!("{{arith: {arith}, scale: thresholds}}")
        } else {
            format!("{{arith: {arith}, bits: {wbits}, scale: thresholds}}")
        };
        let obits = rng.random_range(2..=8u32);
        let osigned = rng.random_bool(0.5);
        let narrow = rng.random_bool(if obits == 2 { 0.6 } else { 0.3 });
        y += &format!(
            "    l{i}:\n      weights: {wspec}\n      acts: {{bits: {obits}, signed: {osigned}, frac: 0, narrow: {narrow}}}\n"
        );
        layers += &if conv {
            let k = rng.random_range(1..=3usize);
            format!("  - {{name: l{i}, op: conv, out: {out}, kernel: {k}, pad: same}}\n")
        } else {
            format!("  - {{name: l{i}, op: dense, out: {out}}}\n")
        };
    }
    y + "layers:\n" + &layers
}

/// The contract with nothing of tomatl's numerics: each output channel's
/// accumulator (bias plus the dot product, with zero padding for convs),
/// then `min + step · #{thresholds reached}`.
fn reference(graph: &Graph, x: &[i64]) -> Vec<i64> {
    let mut cur = x.to_vec();
    for l in &graph.layers {
        let (th, accs): (&Thresholds, Vec<(usize, i64)>) = match &l.op {
            Op::Dense(d) => {
                let v = d.values();
                let accs = (0..d.out_features)
                    .map(|o| {
                        let a: i64 = (0..d.in_features).map(|i| v[[o, i]] * cur[i]).sum();
                        (o, a + d.bias[o])
                    })
                    .collect();
                (d.thresholds.as_ref().expect("thresholds"), accs)
            }
            Op::Conv(c) => {
                let v = c.values();
                let (h, w, cin) = (l.in_shape[0], l.in_shape[1], l.in_shape[2]);
                let (oh, ow, cout) = (l.out_shape[0], l.out_shape[1], l.out_shape[2]);
                let mut accs = Vec::new();
                for oy in 0..oh {
                    for ox in 0..ow {
                        for o in 0..cout {
                            let mut a = c.bias[o];
                            for ky in 0..c.kernel[0] {
                                for kx in 0..c.kernel[1] {
                                    let iy = (oy * c.stride[0] + ky) as i64 - c.pad[0] as i64;
                                    let ix = (ox * c.stride[1] + kx) as i64 - c.pad[1] as i64;
                                    if iy < 0 || ix < 0 || iy >= h as i64 || ix >= w as i64 {
                                        continue;
                                    }
                                    for ci in 0..cin {
                                        let col = (ky * c.kernel[1] + kx) * cin + ci;
                                        let xi = (iy as usize * w + ix as usize) * cin + ci;
                                        a += v[[o, col]] * cur[xi];
                                    }
                                }
                            }
                            accs.push((o, a));
                        }
                    }
                }
                (c.thresholds.as_ref().expect("thresholds"), accs)
            }
            _ => panic!("only dense and conv layers"),
        };
        let min = l.out_type.min_code();
        cur = accs
            .into_iter()
            .map(|(o, a)| {
                let n =
                    th.t.row(o)
                        .iter()
                        .filter(|&&t| if th.descending[o] { a <= t } else { a >= t })
                        .count() as i64;
                let y = min + th.step * n;
                assert!(
                    y <= l.out_type.max_code(),
                    "{}: code {y} beyond the type",
                    l.name
                );
                y
            })
            .collect();
    }
    cur
}

fn check_golden(graph: &Graph, seed: u64, what: &str) {
    let x = tomatl::golden::random_inputs(graph, 16, seed);
    let golden = tomatl::golden::run(graph, x.view());
    for (f, row) in x.rows().into_iter().enumerate() {
        let want = reference(graph, &row.to_vec());
        assert_eq!(
            golden.row(f).to_vec(),
            want,
            "{what}: golden != reference on frame {f}"
        );
    }
}

#[test]
fn random_threshold_networks_match_the_reference() {
    let mut bipolar = false;
    for seed in 0..40 {
        let conv = seed % 2 == 1;
        let yaml = random_yaml(seed, conv);
        let graph =
            tomatl::frontend::load_str(&yaml, std::path::Path::new(&format!("thr{seed}.yaml")))
                .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{yaml}"));
        for l in &graph.layers {
            let th = match &l.op {
                Op::Dense(d) => d.thresholds.as_ref(),
                Op::Conv(c) => c.thresholds.as_ref(),
                _ => None,
            }
            .expect("every layer has thresholds");
            assert_eq!(
                th.count() as i64 * th.step,
                l.out_type.max_code() - l.out_type.min_code(),
                "seed {seed}: one threshold per code step"
            );
            bipolar |= th.step == 2;
        }
        check_golden(&graph, seed, &format!("seed {seed}"));
    }
    assert!(bipolar, "no bipolar layer among the random networks");
}

/// The RTL and the HLS C simulation of random threshold networks, with
/// stalls, bit for bit against the golden model.
#[test]
fn random_threshold_networks_in_verilator_and_hls() {
    for seed in [3u64, 4] {
        let conv = seed % 2 == 1;
        let yaml = random_yaml(seed, conv);
        let graph =
            tomatl::frontend::load_str(&yaml, std::path::Path::new(&format!("thr{seed}.yaml")))
                .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{yaml}"));
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let fold = if rng.random_bool(0.5) {
            Fold::Max
        } else {
            Fold::Min
        };
        let out = scratch(&format!("thr{seed}"));
        common_hls::generate_hls(&graph, fold, &out);
        let r = verify(&out, 12, 0.3, seed);
        assert!(r.pass, "seed {seed} RTL: {}\n{yaml}", r.line());
        let h = common_hls::verify_hls(&out, 12, seed);
        assert!(h.pass, "seed {seed} HLS: {}\n{yaml}", h.line());
    }
}

/// A one-layer network with thresholds from `<layer>.thresholds` in an
/// `.npz` written here: the frontend's message for each bad array.
fn npz_case(arrays: &[(&str, ndarray::ArrayD<i64>)]) -> String {
    let dir = scratch("thr_npz");
    std::fs::create_dir_all(&dir).expect("dir");
    let f = std::fs::File::create(dir.join("w.npz")).expect("npz");
    let mut z = ndarray_npy::NpzWriter::new(f);
    let w = ndarray::Array2::<i64>::from_elem((2, 3), 1);
    z.add_array("d.weight", &w).expect("weight");
    for (n, a) in arrays {
        z.add_array(*n, a).expect("array");
    }
    z.finish().expect("finish");
    let yaml = "name: t\ninput:\n  shape: [3]\n  type: {bits: 4, signed: true, frac: 0}\nparams: {file: w.npz}\npolicy:\n  default:\n    weights: {arith: fixed, bits: 4, frac: 0, scale: thresholds}\n    acts: {bits: 2, signed: false, frac: 0}\nlayers:\n  - {name: d, op: dense, out: 2}\n";
    std::fs::write(dir.join("t.yaml"), yaml).expect("yaml");
    match tomatl::frontend::load(&dir.join("t.yaml")) {
        Ok(_) => "ok".into(),
        Err(e) => e.to_string(),
    }
}

fn arr(shape: &[usize], v: &[i64]) -> ndarray::ArrayD<i64> {
    ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(shape), v.to_vec()).expect("shape")
}

#[test]
fn threshold_arrays_are_checked() {
    let check = |arrays: &[(&str, ndarray::ArrayD<i64>)], expected: &[&str]| {
        let msg = npz_case(arrays);
        for e in expected {
            assert!(msg.contains(e), "expected {e:?} in: {msg}");
        }
    };
    let good = arr(&[2, 3], &[-2, 0, 2, -1, -1, 5]);
    check(&[("d.thresholds", good.clone())], &["ok"]);
    check(
        &[
            ("d.thresholds", good.clone()),
            ("d.descending", arr(&[2], &[0, 1])),
        ],
        &["ok"],
    );
    check(&[], &["missing array `d.thresholds`", "[2, 3]"]);
    check(
        &[("d.thresholds", arr(&[2, 2], &[0, 1, 2, 3]))],
        &[
            "2 thresholds per channel for a 4-code output",
            "3 thresholds",
        ],
    );
    check(
        &[("d.thresholds", arr(&[2, 3], &[0, 2, 1, 0, 1, 2]))],
        &["channel 0 fall at index 2", "ascending"],
    );
    check(
        &[("d.thresholds", good), ("d.descending", arr(&[2], &[0, 2]))],
        &["`d.descending` is not 0s and 1s"],
    );
    check(
        &[("d.thresholds", arr(&[3, 3], &[0; 9]))],
        &["`d.thresholds` has shape [3, 3]"],
    );
}

/// A layer without `scale: thresholds` given threshold arrays is refused.
#[test]
fn threshold_arrays_need_the_mode() {
    let dir = scratch("thr_nomode");
    std::fs::create_dir_all(&dir).expect("dir");
    let f = std::fs::File::create(dir.join("w.npz")).expect("npz");
    let mut z = ndarray_npy::NpzWriter::new(f);
    z.add_array("d.weight", &ndarray::Array2::<i64>::from_elem((2, 3), 1))
        .expect("weight");
    z.add_array("d.thresholds", &ndarray::Array2::<i64>::zeros((2, 3)))
        .expect("t");
    z.finish().expect("finish");
    let yaml = "name: t\ninput:\n  shape: [3]\n  type: {bits: 4, signed: true, frac: 0}\nparams: {file: w.npz}\npolicy:\n  default:\n    weights: {arith: fixed, bits: 4, frac: 0}\n    acts: {bits: 2, signed: false, frac: 0}\nlayers:\n  - {name: d, op: dense, out: 2}\n";
    std::fs::write(dir.join("t.yaml"), yaml).expect("yaml");
    let e = tomatl::frontend::load(&dir.join("t.yaml")).expect_err("refused");
    assert!(
        e.to_string()
            .contains("given for a layer without thresholds"),
        "{e}"
    );
}
