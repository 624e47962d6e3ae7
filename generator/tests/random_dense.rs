//! Randomized differential tests over dense networks: random widths
//! (including primes), depths, arithmetics and bit widths per layer. Every
//! network's golden model is checked against a naive reference written from
//! the numerics contract with exact rational arithmetic; the plan is checked
//! for its invariants; the small ones are simulated in Verilator with random
//! stalls and compared bit for bit.

mod common;

use common::*;
use ndarray::Array2;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tomatl::ir::{Activation, Graph, Op, WeightType};
use tomatl::plan::Fold;

const NETWORKS: u64 = 60;
const WIDTHS: &[usize] = &[
    1, 2, 3, 4, 5, 7, 8, 11, 12, 13, 16, 17, 19, 23, 24, 29, 31, 32, 37, 41, 47, 53, 59, 61, 64,
    67, 70,
];

/// A random network description (YAML) and whether it is small enough to
/// simulate.
fn random_yaml(seed: u64) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let depth = rng.random_range(1..=5usize);
    let in_bits = rng.random_range(2..=16u32);
    let in_signed = rng.random_bool(0.5);
    let in_frac = rng.random_range(0..=in_bits as i32);
    let mut width = WIDTHS[rng.random_range(0..WIDTHS.len())];
    let mut y = format!(
        "name: rnd{seed}\ninput:\n  shape: [{width}]\n  type: {{bits: {in_bits}, signed: {in_signed}, frac: {in_frac}}}\nparams: {{random: {{seed: {seed}}}}}\npolicy:\n  default:\n    weights: {{arith: fixed, bits: 8}}\n    acts: {{bits: 8, signed: true, frac: 4}}\n  layers:\n"
    );
    let mut layers = String::new();
    let (mut frac, mut bits, mut signed) = (in_frac, in_bits, in_signed);
    for i in 0..depth {
        let out = WIDTHS[rng.random_range(0..WIDTHS.len())];
        // the first networks pin the widths the contract must cover
        let (arith, wbits) = match (seed, i) {
            (0, 0) => ("fixed", 1),
            (1, 0) => ("fixed", 3),
            (2, 0) => ("fixed", 16),
            (3, 0) => ("pow2", 3),
            (4, 0) => ("pow2", 5),
            _ => match rng.random_range(0..4) {
                0 => ("fixed", rng.random_range(1..=16)),
                1 => ("pow2", rng.random_range(2..=5)),
                2 => ("binary", 1),
                _ => ("ternary", 2),
            },
        };
        let a = match arith {
            "fixed" => tomatl::ir::Arith::Fixed,
            "pow2" => tomatl::ir::Arith::Pow2,
            "binary" => tomatl::ir::Arith::Binary,
            _ => tomatl::ir::Arith::Ternary,
        };
        let wt = WeightType {
            arith: a,
            bits: wbits,
            frac: WeightType::default_frac(a, wbits),
        };
        // pick the output binary point so typical sums land mid-range
        // (with a random offset so that saturation happens too)
        let amax = if signed {
            1u64 << (bits - 1)
        } else {
            (1u64 << bits) - 1
        } as f64;
        let typical = (width as f64).sqrt() * amax * 0.5 * wt.max_abs_value() as f64 * 0.5;
        let obits = rng.random_range(2..=16u32);
        let osigned = rng.random_bool(0.5);
        let shift =
            typical.max(1.0).log2().round() as i32 - (obits as i32 - 2) + rng.random_range(-2..=2);
        let ofrac = (frac + wt.frac - shift).clamp(-8, 32);
        let act = match rng.random_range(0..3) {
            0 => "none",
            1 => "relu",
            _ if ofrac >= 0 => "relu6",
            _ => "relu",
        };
        let wspec = if matches!(arith, "binary" | "ternary") {
            format!("{{arith: {arith}}}")
        } else {
            format!("{{arith: {arith}, bits: {wbits}}}")
        };
        y += &format!(
            "    l{i}:\n      weights: {wspec}\n      acts: {{bits: {obits}, signed: {osigned}, frac: {ofrac}}}\n"
        );
        layers += &format!("  - {{name: l{i}, op: dense, out: {out}, act: {act}}}\n");
        if rng.random_bool(0.15) {
            layers += &format!("  - {{name: flat{i}, op: flatten}}\n");
        }
        width = out;
        frac = ofrac;
        bits = obits;
        signed = osigned;
    }
    y + "layers:\n" + &layers
}

/// Naive reference: the contract with exact rationals. The real value of the
/// accumulator is `acc / 2^frac_acc`; the output code is
/// `floor(acc · 2^frac_out / 2^frac_acc + 1/2)`, then the activation, then
/// saturation.
fn reference(graph: &Graph, x: &Array2<i64>) -> Array2<i64> {
    let mut cur: Vec<Vec<i128>> = x
        .rows()
        .into_iter()
        .map(|r| r.iter().map(|&v| v as i128).collect())
        .collect();
    for l in &graph.layers {
        let Op::Dense(d) = &l.op else { continue };
        let frac_acc = l.in_type.frac + d.wtype.frac;
        let fout = l.out_type.frac;
        cur = cur
            .iter()
            .map(|v| {
                (0..d.out_features)
                    .map(|o| {
                        let mut acc = d.bias[o] as i128;
                        for (i, a) in v.iter().enumerate() {
                            acc += a * d.wtype.value(d.codes[[o, i]]) as i128;
                        }
                        // floor((acc·2^fout + 2^(frac_acc-1)) / 2^frac_acc) as exact rationals:
                        // scale numerator and denominator to integers
                        let (num, den) = if fout >= 0 {
                            (acc << fout, 1i128)
                        } else {
                            (acc, 1i128 << -fout)
                        };
                        let (num, den) = if frac_acc >= 0 {
                            (num, den << frac_acc)
                        } else {
                            (num << -frac_acc, den)
                        };
                        let r = (2 * num + den).div_euclid(2 * den);
                        let r = match d.act {
                            Activation::None => r,
                            Activation::Relu => r.max(0),
                            Activation::Relu6 => r.clamp(0, 6i128 << fout),
                        };
                        r.clamp(l.out_type.min_code() as i128, l.out_type.max_code() as i128)
                    })
                    .collect()
            })
            .collect();
    }
    let cols = cur.first().map(|r| r.len()).unwrap_or(0);
    Array2::from_shape_fn((cur.len(), cols), |(f, e)| cur[f][e] as i64)
}

/// The networks of `seeds`: the golden model against the naive
/// reference, the plan's invariants, and up to `max_sim` of the small ones
/// in Verilator (at least `max_sim - 1`). Two halves, two tests: they run
/// side by side.
fn check_networks(seeds: std::ops::Range<u64>, max_sim: usize) {
    let mut simulated = 0;
    for seed in seeds {
        let yaml = random_yaml(seed);
        let path = std::path::PathBuf::from(format!("rnd{seed}.yaml"));
        let graph = tomatl::frontend::load_str(&yaml, &path)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{yaml}"));
        // golden model against the naive reference, over the input range
        let x = tomatl::golden::random_inputs(&graph, 24, seed);
        let golden = tomatl::golden::run(&graph, x.view());
        assert_eq!(
            golden,
            reference(&graph, &x),
            "seed {seed}: golden != reference\n{yaml}"
        );

        let mut rng = ChaCha8Rng::seed_from_u64(1000 + seed);
        let macs = graph.total_macs();
        let fold = match rng.random_range(0..3) {
            0 if macs <= 3000 => Fold::Max,
            1 => Fold::Min,
            _ => Fold::Auto {
                target_cycles: Some(rng.random_range(1..=macs.max(1))),
            },
        };
        let plan = tomatl::plan::plan(&graph, fold).expect("plan");
        for e in &plan.engines {
            let Op::Dense(d) = &graph.layers[e.layer].op else {
                panic!("engine on non-dense")
            };
            assert_eq!(d.in_features % e.simd, 0, "seed {seed}: SIMD divides in");
            assert_eq!(d.out_features % e.pe, 0, "seed {seed}: PE divides out");
            assert_eq!(e.cycles, (e.sf * e.nf) as u64);
            if let Fold::Auto {
                target_cycles: Some(t),
            } = fold
            {
                assert!(
                    e.cycles <= t,
                    "seed {seed}: {} cycles > target {t}",
                    e.cycles
                );
            }
        }
        // simulate the small ones
        let small = plan.interval <= 400 && macs <= 6000;
        if small && simulated < max_sim {
            simulated += 1;
            let out = scratch(&format!("rnd{seed}"));
            generate(&graph, fold, &out);
            let stall = [0.0, 0.3, 0.5][(seed % 3) as usize];
            let r = verify(&out, 12, stall, seed);
            assert!(r.pass, "seed {seed} ({fold:?}): {}\n{yaml}", r.line());
            assert_interval(&r, &format!("seed {seed}"));
        }
    }
    assert!(
        simulated + 1 >= max_sim,
        "only {simulated} networks were small enough to simulate"
    );
}

#[test]
fn random_dense_networks_match_reference_and_rtl_first_half() {
    check_networks(0..NETWORKS / 2, 3);
}

#[test]
fn random_dense_networks_match_reference_and_rtl_second_half() {
    check_networks(NETWORKS / 2..NETWORKS, 3);
}

#[test]
fn random_networks_have_1_3_and_16_bit_weights() {
    let mut saw_bits = std::collections::BTreeSet::new();
    for seed in 0..NETWORKS {
        let yaml = random_yaml(seed);
        let path = std::path::PathBuf::from(format!("rnd{seed}.yaml"));
        let graph = tomatl::frontend::load_str(&yaml, &path)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{yaml}"));
        for l in &graph.layers {
            if let Op::Dense(d) = &l.op {
                saw_bits.insert(d.wtype.bits);
            }
        }
    }
    for b in [1, 3, 16] {
        assert!(
            saw_bits.contains(&b),
            "no {b}-bit weights among the random networks"
        );
    }
}
