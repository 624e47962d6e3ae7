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

/// Every frames/s figure of a board's design is at the board's planned
/// clock: report.md, report.html and design.json agree.
#[test]
fn reports_quote_the_boards_clock() {
    let dir = scratch("board_plan_report_clock");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let net = example("resnet8.yaml");
    let o = tomatl(
        &[
            "generate",
            net.to_str().expect("utf-8"),
            "-o",
            "d",
            "--board",
            "pynq-z2",
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let d: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("d/design.json")).expect("design.json"))
            .expect("json");
    let fps = d["board"]["fps"].as_f64().expect("fps");
    let interval = d["interval_cycles"].as_f64().expect("interval");
    assert!((fps - 143e6 / interval).abs() < 1e-6, "{fps}");
    let md = std::fs::read_to_string(dir.join("d/report.md")).expect("report.md");
    assert!(
        md.contains(&format!(
            "| frames/s at 143 MHz (the board's clock) | {fps:.0} |"
        )),
        "{md}"
    );
    assert!(md.contains("| board | pynq-z2 (xc7z020clg400-1) at 143 MHz |"));
    assert!(!md.contains("200 MHz"), "{md}");
    let html = std::fs::read_to_string(dir.join("d/report.html")).expect("report.html");
    assert!(
        !html.contains("200 MHz"),
        "report.html quotes another clock"
    );
    assert!(html.contains("143 MHz"));
}
