//! Rounding modes and narrow-range saturation per layer (`acts: {...,
//! round: MODE, narrow: true}`): the policy, `check`, and networks of every
//! mode verified bit-exact in Verilator against the golden model.

mod common;

use std::path::Path;

use common::*;
use tomatl::ir::RoundMode;

/// Every requantizer of the contract with a mode of its own: a conv and a
/// dwconv (shift), a per-channel pointwise conv (multipliers), an add, an
/// average pool (an even divisor, so ties), a global average, and dense
/// layers with one shift and with multipliers. Signed outputs without an
/// activation, so negative ties occur.
const MIXED: &str = "name: rmix\ninput: {shape: [6, 6, 3], type: {bits: 8, signed: true, frac: 4}}\n\
params: {random: {seed: 12}}\n\
policy:\n  default:\n    weights: {arith: fixed, bits: 4}\n    acts: {bits: 6, signed: true, frac: 2}\n\
\x20 layers:\n\
\x20   c1: {acts: {round: half_even, narrow: true}}\n\
\x20   d1: {acts: {bits: 6, signed: true, frac: 2, round: floor}}\n\
\x20   p1: {weights: {arith: fixed, bits: 5, scale: channel}, acts: {round: half_away, narrow: true}}\n\
\x20   a1: {acts: {bits: 6, signed: true, frac: 1, round: half_zero}}\n\
\x20   ap: {acts: {bits: 6, signed: true, frac: 1, round: half_even, narrow: true}}\n\
\x20   g: {acts: {bits: 8, signed: true, frac: 3, round: ceil}}\n\
\x20   fc1: {acts: {round: to_zero, narrow: true}}\n\
\x20   fc2: {weights: {arith: fixed, bits: 6, scale: channel}, acts: {round: away}}\n\
layers:\n  - {name: c1, op: conv, out: 4, kernel: 3, pad: 1}\n\
\x20 - {name: d1, op: dwconv, kernel: 3, pad: same}\n\
\x20 - {name: p1, op: conv, out: 4, kernel: 1}\n\
\x20 - {name: a1, op: add, from: [c1, p1]}\n\
\x20 - {name: ap, op: avgpool, kernel: 2}\n\
\x20 - {name: g, op: gavgpool}\n\
\x20 - {name: fc1, op: dense, out: 6}\n\
\x20 - {name: fc2, op: dense, out: 5}\n";

fn load(dir: &Path, yaml: &str) -> Result<tomatl::ir::Graph, tomatl::error::Error> {
    let net = dir.join("net.yaml");
    std::fs::write(&net, yaml).expect("write");
    tomatl::frontend::load(&net)
}

/// The network without any `round:` or `narrow:`.
fn without_modes(yaml: &str) -> String {
    let mut s = yaml.replace("narrow: true", "");
    for m in RoundMode::ALL {
        s = s.replace(&format!("round: {}", m.name()), "");
    }
    for _ in 0..3 {
        s = s
            .replace(", ,", ",")
            .replace("{, ", "{")
            .replace(", }", "}")
            .replace("{acts: {}}", "{}")
            .replace(", acts: {}", "");
    }
    s.lines()
        .filter(|l| !l.ends_with(": {}"))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn generate_and_verify(g: &tomatl::ir::Graph, name: &str, frames: usize) {
    let out = scratch(name);
    generate(
        g,
        tomatl::plan::Fold::Auto {
            target_cycles: None,
        },
        &out,
    );
    lint(&out, &tomatl::hw::top_name(g));
    let r = verify(&out, frames, 0.3, 5);
    assert!(r.pass, "{name}: {}", r.line());
}

#[test]
fn mixed_modes_per_layer_verify_bit_exact_in_rtl() {
    let dir = tempfile::tempdir().expect("tempdir");
    let g = load(dir.path(), MIXED).expect("load");
    let modes: Vec<(&str, RoundMode, bool)> = g
        .layers
        .iter()
        .map(|l| (l.name.as_str(), l.out_type.round, l.out_type.narrow))
        .collect();
    assert_eq!(
        modes,
        [
            ("c1", RoundMode::HalfEven, true),
            ("d1", RoundMode::Floor, false),
            ("p1", RoundMode::HalfAway, true),
            ("a1", RoundMode::HalfZero, false),
            ("ap", RoundMode::HalfEven, true),
            ("g", RoundMode::Ceil, false),
            ("fc1", RoundMode::ToZero, true),
            ("fc2", RoundMode::Away, false),
        ]
    );
    // the modes matter: without them the network computes something else
    let plain = load(dir.path(), &without_modes(MIXED)).expect("load");
    assert!(plain
        .layers
        .iter()
        .all(|l| l.out_type.round.is_default() && !l.out_type.narrow));
    let x = tomatl::golden::random_inputs(&g, 16, 3);
    assert_ne!(
        tomatl::golden::run(&g, x.view()),
        tomatl::golden::run(&plain, x.view())
    );
    generate_and_verify(&g, "round_mixed", 24);
}

/// One network per mode, every requantizer in it rounding by that mode.
fn one_mode(mode: RoundMode, narrow: bool) -> String {
    let acts = format!(
        "{{bits: 6, signed: true, frac: 1, round: {}{}}}",
        mode.name(),
        if narrow { ", narrow: true" } else { "" }
    );
    format!(
        "name: r_{m}\ninput: {{shape: [4, 4, 2], type: {{bits: 6, signed: true, frac: 3}}}}\n\
params: {{random: {{seed: 5}}}}\n\
policy:\n  default:\n    weights: {{arith: fixed, bits: 4}}\n    acts: {acts}\n\
\x20 layers:\n    fc: {{weights: {{arith: fixed, bits: 5, scale: channel}}}}\n\
layers:\n  - {{name: c, op: conv, out: 3, kernel: 3, pad: 1}}\n\
\x20 - {{name: d, op: dwconv, kernel: 3, pad: same}}\n\
\x20 - {{name: a, op: add, from: [c, d]}}\n\
\x20 - {{name: p, op: avgpool, kernel: 2}}\n\
\x20 - {{name: g, op: gavgpool}}\n\
\x20 - {{name: fc, op: dense, out: 4}}\n",
        m = mode.name()
    )
}

#[test]
#[ignore = "slow: make verify-all"]
fn every_mode_verifies_bit_exact_in_rtl() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, mode) in RoundMode::ALL.into_iter().enumerate() {
        let g = load(dir.path(), &one_mode(mode, i % 2 == 1)).expect("load");
        assert!(g.layers.iter().all(|l| l.out_type.round == mode));
        generate_and_verify(&g, &format!("round_{}", mode.name()), 16);
    }
}

#[test]
fn an_unknown_mode_is_refused_with_the_place_and_the_modes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let yaml = MIXED.replace("round: floor", "round: nearest");
    std::fs::write(dir.path().join("net.yaml"), &yaml).expect("write");
    let o = tomatl(&["check", "net.yaml"], dir.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for needle in [
        "net.yaml:10:",
        "unknown rounding mode `nearest`",
        "half_ceil, half_even, half_away, half_zero, floor, ceil, to_zero, away",
    ] {
        assert!(err.contains(needle), "`{needle}` not in {err}");
    }
    // the input is not rounded
    let yaml = MIXED.replace("frac: 4}}", "frac: 4, round: floor}}");
    let e = load(dir.path(), &yaml).expect_err("refused").to_string();
    assert!(e.contains("the network input is not rounded"), "{e}");
}

#[test]
fn check_shows_each_layers_mode_and_range() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("net.yaml"), MIXED).expect("write");
    let o = tomatl(&["check", "net.yaml"], dir.path());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no line for {name} in {text}"))
            .to_string()
    };
    assert!(line("c1").ends_with("s6.2 half_even narrow"), "{text}");
    assert!(line("d1").ends_with("s6.2 floor"), "{text}");
    assert!(line("fc2").ends_with("s6.2 away"), "{text}");
    // a layer with the defaults shows the type alone
    let plain = without_modes(MIXED);
    std::fs::write(dir.path().join("net.yaml"), plain).expect("write");
    let o = tomatl(&["check", "net.yaml"], dir.path());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(line_ends(&text, "c1", " s6.2"), "{text}");
}

fn line_ends(text: &str, name: &str, end: &str) -> bool {
    text.lines()
        .any(|l| l.starts_with(&format!("{name} ")) && l.ends_with(end))
}
