//! The resource model against Yosys: designs planned for a board are
//! synthesized for its family and the measured cells compared with the
//! prediction in design.json.

mod common;

use std::path::Path;

use common::*;
use tomatl::sim::yosys::{synth_design, SynthReport};

/// Plans `net` for `board` at `fps`, writes it to `out` and synthesizes it.
fn plan_and_synth(net: &Path, board: &str, fps: f64, out: &Path) -> SynthReport {
    let graph = tomatl::frontend::load(net).expect("load");
    let b = tomatl::plan::load_board(board).expect("board");
    let plan = tomatl::plan::plan_for_board(&graph, &b, None, Some(fps)).expect("plan");
    let files = tomatl::emit::emit(&graph, &plan).expect("emit");
    tomatl::emit::write_design(out, &files).expect("write design");
    let r = synth_design(out).unwrap_or_else(|e| panic!("synth {}: {e}", out.display()));
    eprint!("{}", r.table());
    r
}

fn assert_within(r: &SynthReport, resource: &str, tol: f64) {
    let c = r
        .compared
        .iter()
        .find(|c| c.resource == resource)
        .expect("resource compared");
    let ratio = c.ratio.unwrap_or(f64::INFINITY);
    assert!(
        (ratio - 1.0).abs() <= tol,
        "{}: {resource} predicted {:.0}, measured {:.0} (ratio {ratio:.2}, tolerance {tol})",
        r.design,
        c.predicted,
        c.measured
    );
}

/// jet_tagger on the PYNQ-Z2 at 2 M frames/s (64 cycles a frame at
/// 143 MHz, 68 multipliers; the fastest fold that fits takes about 100 s
/// in Yosys, too slow for the suite): DSP and LUT within 25%.
#[test]
fn jet_tagger_pynq_z2_prediction_within_25_percent() {
    let out = scratch("synth_jet_tagger_pynq_z2");
    let r = plan_and_synth(&example("jet_tagger.yaml"), "pynq-z2", 2.0e6, &out);
    assert!(r.measured.dsp > 0.0, "fixed-point layers use DSPs");
    assert_within(&r, "dsp", 0.25);
    assert_within(&r, "lut", 0.25);
}

/// A network whose every layer is pow2, binary or ternary uses no DSP, and
/// the model predicts none.
#[test]
fn shift_and_add_layers_use_no_dsp() {
    let dir = scratch("synth_no_dsp");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let net = dir.join("no_dsp.yaml");
    std::fs::write(
        &net,
        "name: no_dsp
input:
  shape: [16]
  type: {bits: 8, signed: true, frac: 4}
params: {random: {seed: 3}}
policy:
  default:
    weights: {arith: pow2, bits: 4}
    acts: {bits: 8, signed: false, frac: 4}
  layers:
    b: {weights: {arith: binary}}
    t: {weights: {arith: ternary}}
layers:
  - {name: p, op: dense, out: 16, act: relu}
  - {name: b, op: dense, out: 16, act: relu}
  - {name: t, op: dense, out: 8}
",
    )
    .expect("write net");
    let r = plan_and_synth(&net, "pynq-z2", 4.0e6, &dir.join("out"));
    assert_eq!(r.measured.dsp, 0.0, "cells: {:?}", r.cells);
    assert_eq!(r.predicted.dsp, 0.0);
    assert!(r.measured.lut > 0.0);
}

/// A design generated without a board has nothing to compare with: bad
/// input (exit 2) telling to generate with --board.
#[test]
fn a_design_without_a_board_is_refused() {
    let out = scratch("synth_no_board");
    let graph = tomatl::frontend::load(&example("jet_tagger.yaml")).expect("load");
    generate(
        &graph,
        tomatl::plan::Fold::Auto {
            target_cycles: None,
        },
        &out,
    );
    let e = synth_design(&out).expect_err("no board");
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("--board"), "{e}");
}

/// Two 8-bit products per DSP: a fixed-point layer planned for a Xilinx
/// board packs pairs of PEs into one DSP each; Yosys finds half the DSPs of
/// the same fold unpacked, as predicted, and the packed design is exact in
/// Verilator with stalls.
#[test]
fn packed_dsps_halve_the_dsp_count_and_stay_exact() {
    let dir = scratch("synth_packed");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let net = dir.join("packed.yaml");
    std::fs::write(
        &net,
        "name: packed\ninput: {shape: [12], type: {bits: 8, signed: false, frac: 4}}\n\
         params: {random: {seed: 6}}\n\
         policy:\n  default:\n    weights: {arith: fixed, bits: 8}\n    acts: {bits: 8, signed: true, frac: 3}\n\
         layers:\n  - {name: a, op: dense, out: 8}\n",
    )
    .expect("write");
    let graph = tomatl::frontend::load(&net).expect("load");
    let b = tomatl::plan::load_board("pynq-z2").expect("board");
    let packed = tomatl::plan::plan_for_board(&graph, &b, None, Some(143e6 / 4.0)).expect("plan");
    assert!(packed.engines[0].dsp_pack, "{:?}", packed.engines[0]);
    let mut unpacked = packed.clone();
    unpacked.engines[0].dsp_pack = false;
    let mut dsps = Vec::new();
    for (name, plan) in [("packed", &packed), ("unpacked", &unpacked)] {
        let out = dir.join(name);
        let files = tomatl::emit::emit(&graph, plan).expect("emit");
        tomatl::emit::write_design(&out, &files).expect("write design");
        let r = synth_design(&out).unwrap_or_else(|e| panic!("synth {name}: {e}"));
        eprint!("{name}\n{}", r.table());
        let predicted = tomatl::plan::design_cost(&graph, plan, b.family)
            .expect("cost")
            .dsp;
        assert_eq!(r.measured.dsp, predicted, "{name}: DSPs as predicted");
        dsps.push(r.measured.dsp);
        if name == "packed" {
            assert_within(&r, "lut", 0.25);
            let v = verify(&out, 40, 0.3, 5);
            assert!(v.pass, "{}", v.line());
            assert_interval(&v, name);
        }
    }
    assert_eq!(dsps[0] * 2.0, dsps[1], "packing halves the DSPs");
    assert!(dsps[0] > 0.0);
}
