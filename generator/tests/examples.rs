//! The bundled examples, generated at every fold and verified bit for bit in
//! Verilator with random stalls on both sides.

mod common;

use common::*;
use tomatl::plan::Fold;

fn check(example_file: &str, fold: Fold, frames: usize, stall: f64) -> tomatl::sim::VerifyReport {
    let graph = tomatl::frontend::load(&example(example_file)).expect("load example");
    let tag = match fold {
        Fold::Max => "max".to_string(),
        Fold::Min => "min".to_string(),
        Fold::Auto { target_cycles } => format!("auto{}", target_cycles.unwrap_or(0)),
    };
    let out = scratch(&format!("{}_{tag}", graph.name));
    generate(&graph, fold, &out);
    lint(&out, &tomatl::hw::top_name(&graph));
    let r = verify(&out, frames, stall, 3);
    assert!(r.pass, "{example_file} {tag}: {}", r.line());
    assert_eq!(r.frames_received, frames);
    assert_interval(&r, &format!("{example_file} {tag}"));
    r
}

#[test]
fn jet_tagger_fold_max() {
    check("jet_tagger.yaml", Fold::Max, 100, 0.3);
}

#[test]
fn jet_tagger_fold_min() {
    check("jet_tagger.yaml", Fold::Min, 12, 0.3);
}

#[test]
fn jet_tagger_fold_auto_64_is_efficient() {
    let r = check(
        "jet_tagger.yaml",
        Fold::Auto {
            target_cycles: Some(64),
        },
        100,
        0.3,
    );
    let eff = r.efficiency.expect("efficiency");
    assert!(eff >= 0.9, "efficiency {eff:.3} < 0.9: {}", r.line());
}

/// The fully unrolled binary MLP: a Verilator build of a minute (make
/// verify-all; make test builds it at the other folds).
#[test]
#[ignore = "slow: make verify-all"]
fn binary_mlp_fold_max() {
    check("binary_mlp.yaml", Fold::Max, 40, 0.3);
}

#[test]
fn binary_mlp_fold_min() {
    check("binary_mlp.yaml", Fold::Min, 3, 0.3);
}

#[test]
fn binary_mlp_fold_auto() {
    check(
        "binary_mlp.yaml",
        Fold::Auto {
            target_cycles: None,
        },
        8,
        0.3,
    );
}
