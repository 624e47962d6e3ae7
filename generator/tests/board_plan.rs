//! Planning for a board: the fastest fold that fits, a requested rate, and
//! clear refusals.

mod common;

use common::*;
use std::process::Command;

fn plan(net: &str, board: &str, fps: Option<f64>) -> tomatl::plan::HwPlan {
    let graph = tomatl::frontend::load(&example(net)).expect("load");
    let b = tomatl::plan::load_board(board).expect("board");
    tomatl::plan::plan_for_board(&graph, &b, None, fps).expect("plan")
}

#[test]
fn resnet8_fits_pynq_z2_faster_than_the_published_int8_design() {
    let p = plan("resnet8.yaml", "pynq-z2", None);
    let fit = p.board.as_ref().expect("board fit");
    assert!(tomatl::plan::overruns(&fit.predicted, &fit.capacity).is_empty());
    // a published INT8 ResNet-8 on the same chip runs 2,431 frames/s at 143 MHz
    assert!(fit.fps >= 2431.0, "planned {:.0} frames/s", fit.fps);
    assert_eq!(fit.clock_mhz, 143.0);
}

#[test]
fn a_requested_rate_is_met_with_fewer_multipliers() {
    let fast = plan("jet_tagger.yaml", "pynq-z2", None);
    let slow = plan("jet_tagger.yaml", "pynq-z2", Some(1e5));
    let slow_fit = slow.board.as_ref().expect("fit");
    assert!(slow_fit.fps >= 1e5, "{} frames/s", slow_fit.fps);
    assert!(slow.multipliers() < fast.multipliers());
    assert!(slow.interval as f64 <= 143e6 / 1e5);
}

#[test]
fn mobilenet_v1_fits_zcu104_with_every_weight_on_chip() {
    let p = plan("mobilenet_v1.yaml", "zcu104", None);
    let fit = p.board.as_ref().expect("fit");
    assert!(tomatl::plan::overruns(&fit.predicted, &fit.capacity).is_empty());
    let graph = tomatl::frontend::load(&example("mobilenet_v1.yaml")).expect("load");
    let weight_bits: u64 = graph.layers.iter().map(|l| l.param_bits()).sum();
    assert!(
        fit.predicted.bram_bits >= weight_bits as f64,
        "weights must be on chip"
    );
    // LUT-bound: the 1x1 convolutions are pow2 and stay off the DSPs
    assert!(fit.fps > 500.0, "{} frames/s", fit.fps);
}

#[test]
fn a_network_that_cannot_fit_is_refused_with_its_limits() {
    let o = Command::new(env!("CARGO_BIN_EXE_tomatl"))
        .args(["plan", "mobilenet_v1.yaml", "--board", "icebreaker"])
        .current_dir(repo_root().join("examples"))
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("does not fit icebreaker") && err.contains("on-chip memory"),
        "{err}"
    );
    let o = Command::new(env!("CARGO_BIN_EXE_tomatl"))
        .args(["plan", "jet_tagger.yaml", "--board", "no-such-board"])
        .current_dir(repo_root().join("examples"))
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("pynq-z2"));
}
