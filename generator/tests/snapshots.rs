//! Snapshots of the emitted text for a small network: the top, the ROM
//! images, design.json and the report. Refresh with `UPDATE_EXPECT=1 cargo
//! test --test snapshots` and review the diff. (Behaviour is verified in
//! simulation by the other tests; these catch unintended changes of text.)

use std::path::Path;

use expect_test::expect_file;
use tomatl::plan::Fold;

const TINY: &str = "name: tiny
input: {shape: [4], type: {bits: 4, signed: true, frac: 2}}
params: {random: {seed: 3}}
policy:
  default:
    weights: {arith: fixed, bits: 3}
    acts: {bits: 6, signed: false, frac: 2}
  layers:
    b: {weights: {arith: pow2, bits: 3}, acts: {bits: 8, signed: true, frac: 3}}
layers:
  - {name: a, op: dense, out: 6, act: relu}
  - {name: b, op: dense, out: 2}
";

fn file(files: &[tomatl::emit::Artifact], path: &str) -> String {
    files
        .iter()
        .find(|f| f.path == path)
        .map(|f| f.contents.clone())
        .unwrap_or_else(|| {
            panic!(
                "no {path} among {:?}",
                files.iter().map(|f| &f.path).collect::<Vec<_>>()
            )
        })
}

#[test]
fn tiny_network_emits_the_expected_text() {
    let graph = tomatl::frontend::load_str(TINY, Path::new("tiny.yaml")).expect("load");
    let plan = tomatl::plan::plan(
        &graph,
        Fold::Auto {
            target_cycles: Some(6),
        },
    )
    .expect("plan");
    let files = tomatl::emit::emit(&graph, &plan).expect("emit");
    expect_file!["snapshots/tiny_top.v"].assert_eq(&file(&files, "rtl/tiny_top.v"));
    expect_file!["snapshots/tiny_a_weights.mem"].assert_eq(&file(&files, "rtl/a_weights.mem"));
    expect_file!["snapshots/tiny_b_weights.mem"].assert_eq(&file(&files, "rtl/b_weights.mem"));
    expect_file!["snapshots/tiny_a_bias.mem"].assert_eq(&file(&files, "rtl/a_bias.mem"));
    expect_file!["snapshots/tiny_report.md"].assert_eq(&file(&files, "report.md"));
    let dj = file(&files, "design.json").replace(env!("CARGO_PKG_VERSION"), "VERSION");
    expect_file!["snapshots/tiny_design.json"].assert_eq(&dj);

    // the snapshotted design also behaves: simulate it
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-designs/tiny_snapshot");
    tomatl::emit::write_design(&out, &files).expect("write");
    let opts = tomatl::sim::VerifyOptions {
        frames: 20,
        stall: 0.3,
        ..Default::default()
    };
    let r = tomatl::sim::verify(&out, &opts).expect("verify");
    assert!(r.pass, "{}", r.line());
    let measured = r.interval_cycles.expect("interval");
    assert!(
        (measured - plan.interval as f64).abs() <= 2.0,
        "{}",
        r.line()
    );
}

/// The same network with a rounding mode and narrow range on layer `b`:
/// its requantizer's instance gains `ROUND_MODE` and `NARROW`, and nothing
/// else of the top changes but the network hash (a layer without a mode
/// stays byte-identical).
#[test]
fn a_rounding_mode_adds_its_parameters_and_nothing_else() {
    let emit_top = |yaml: &str| {
        let graph = tomatl::frontend::load_str(yaml, Path::new("tiny.yaml")).expect("load");
        let plan = tomatl::plan::plan(
            &graph,
            Fold::Auto {
                target_cycles: Some(6),
            },
        )
        .expect("plan");
        let files = tomatl::emit::emit(&graph, &plan).expect("emit");
        (file(&files, "rtl/tiny_top.v"), file(&files, "design.json"))
    };
    let moded = TINY.replace(
        "acts: {bits: 8, signed: true, frac: 3}}",
        "acts: {bits: 8, signed: true, frac: 3, round: half_even, narrow: true}}",
    );
    let (plain_top, plain_json) = emit_top(TINY);
    let (top, json) = emit_top(&moded);
    let plain: Vec<&str> = plain_top.lines().collect();
    // the network hash differs (the network does), and the two parameters
    let extra: Vec<&str> = top
        .lines()
        .filter(|l| !plain.contains(l) && !l.contains("NET_HASH"))
        .collect();
    assert_eq!(
        extra,
        ["        .ROUND_MODE(32'sd1),", "        .NARROW(32'sd1),"],
        "{top}"
    );
    assert_eq!(top.lines().count(), plain.len() + 2);
    assert!(json.contains("\"ROUND_MODE\": 1") && json.contains("\"NARROW\": true"));
    assert!(json.contains("\"round\": \"half_even\""), "{json}");
    assert!(!plain_json.contains("ROUND_MODE") && !plain_json.contains("\"round\""));
}
