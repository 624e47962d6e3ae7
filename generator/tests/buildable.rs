//! Accept only what can be built: every description `check` accepts
//! generates, lints clean and verifies; everything beyond the limits of the
//! RTL (`tomatl::ir::limits`) is refused at `check` with a located error,
//! fast, before any weight is drawn.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use tomatl::error::Error;
use tomatl::plan::Fold;

/// What a description should give.
enum Want<'a> {
    /// Loads; generates, lints clean and verifies with stalls.
    Builds,
    /// Refused at `check` (exit 2) at `line`, the message holding every
    /// fragment.
    Refused { line: u64, fragments: &'a [&'a str] },
}

/// The one helper of this file: load `input` and hold it to `want`.
fn check(input: &str, want: Want) {
    let t0 = Instant::now();
    let loaded = tomatl::frontend::load_str(input, Path::new("net.yaml"));
    let took = t0.elapsed();
    match (loaded, want) {
        (Ok(graph), Want::Builds) => {
            let out = scratch(&format!("buildable_{}", graph.name));
            generate(
                &graph,
                Fold::Auto {
                    target_cycles: None,
                },
                &out,
            );
            lint(&out, &tomatl::hw::top_name(&graph));
            let r = verify(&out, 6, 0.3, 5);
            assert!(r.pass, "{}\n{input}", r.line());
        }
        (Err(Error::Input(e)), Want::Refused { line, fragments }) => {
            let msg = e.to_string();
            assert_eq!(e.line, Some(line), "{msg}\n--- input:\n{input}");
            assert!(e.col.is_some(), "{msg}");
            for f in fragments {
                assert!(
                    msg.contains(f),
                    "message lacks {f:?}:\n{msg}\n--- input:\n{input}"
                );
            }
            assert!(e.expected.is_some(), "no `expected:` in {msg}");
            assert!(
                took < Duration::from_millis(900),
                "refused in {took:?}, not well under a second"
            );
        }
        (Ok(_), Want::Refused { fragments, .. }) => {
            panic!("accepted, expected a refusal with {fragments:?}:\n{input}")
        }
        (Err(e), Want::Builds) => panic!("refused: {e}\n--- input:\n{input}"),
        (Err(e), Want::Refused { .. }) => panic!("not an input error: {e}"),
    }
}

/// A description with an image input, default policy and the given layers.
fn net(name: &str, shape: &str, in_frac: i32, acts: &str, layers: &[&str]) -> String {
    let mut s = format!(
        "name: {name}
input: {{shape: {shape}, type: {{bits: 6, signed: true, frac: {in_frac}}}}}
params: {{random: {{seed: 11}}}}
policy:
  default:
    weights: {{arith: fixed, bits: 4}}
    acts: {acts}
layers:
"
    );
    for l in layers {
        s += &format!("  - {l}\n");
    }
    s
}

const ACTS: &str = "{bits: 6, signed: true, frac: 2}";

#[test]
fn generated_names_do_not_collide_with_layer_names() {
    // `a`'s window FIFO and `a_win`'s FIFO were both `layer_a_win_fifo`
    check(
        &net(
            "collide_win",
            "[6, 6, 2]",
            2,
            ACTS,
            &[
                "{name: a, op: conv, out: 2, kernel: 3}",
                "{name: a_win, op: conv, out: 2, kernel: 3}",
                "{name: a_win_fifo, op: flatten}",
                "{name: a_fifo, op: dense, out: 3}",
            ],
        ),
        Want::Builds,
    );
    // the add `q`'s input FIFO `layer_q_a_fifo` and layer `q_a`'s FIFO
    check(
        &net(
            "collide_add",
            "[4, 4, 2]",
            2,
            ACTS,
            &[
                "{name: q_a, op: conv, out: 2, kernel: 1, stride: 1}",
                "{name: q_b, op: dwconv, kernel: 3, pad: 1}",
                "{name: q, op: add, from: [q_a, q_b]}",
                "{name: q_fork, op: add, from: [q, q_a]}",
            ],
        ),
        Want::Builds,
    );
}

#[test]
fn add_of_one_tensor_twice_forks_it() {
    check(
        &net(
            "twice",
            "[3, 3, 2]",
            2,
            ACTS,
            &[
                "{name: c, op: conv, out: 2, kernel: 1}",
                "{name: d, op: add, from: [c, c], act: relu}",
            ],
        ),
        Want::Builds,
    );
    check(
        &net(
            "twice_input",
            "[4]",
            2,
            ACTS,
            &[
                "{name: s, op: add, from: [input, input]}",
                "{name: d, op: dense, out: 2}",
            ],
        ),
        Want::Builds,
    );
}

#[test]
fn relu6_at_every_output_frac_verifies() {
    // 6.0 at frac 29 and more does not fit a 32-bit parameter; the clamp
    // is the top code then, which saturation gives anyway
    for frac in [3, 29, 30, 32] {
        let acts = format!("{{bits: 12, signed: true, frac: {frac}}}");
        check(
            &net(
                &format!("relu6_frac{frac}"),
                "[6]",
                frac - 2,
                &acts,
                &["{name: d, op: dense, out: 4, act: relu6}"],
            ),
            Want::Builds,
        );
    }
}

#[test]
fn names_have_length_limits() {
    let long = |n: usize| format!("n{}", "x".repeat(n - 1));
    let layers = ["{name: d, op: dense, out: 2}"];
    check(&net(&long(64), "[4]", 2, ACTS, &layers), Want::Builds);
    check(
        &net(&long(65), "[4]", 2, ACTS, &layers),
        Want::Refused {
            line: 1,
            fragments: &["network name has 65 characters", "at most 64"],
        },
    );
    check(
        &net(&long(124), "[4]", 2, ACTS, &layers),
        Want::Refused {
            line: 1,
            fragments: &["124 characters"],
        },
    );
    let l48 = format!("{{name: {}, op: dense, out: 2}}", long(48));
    check(&net("len48", "[4]", 2, ACTS, &[&l48]), Want::Builds);
    let l49 = format!("{{name: {}, op: dense, out: 2}}", long(49));
    check(
        &net("len49", "[4]", 2, ACTS, &[&l49]),
        Want::Refused {
            line: 9,
            fragments: &["has 49 characters", "at most 48"],
        },
    );
}

#[test]
fn layer_names_differing_only_in_case_are_refused() {
    check(
        &net(
            "cases",
            "[4]",
            2,
            ACTS,
            &[
                "{name: fc, op: dense, out: 3}",
                "{name: FC, op: dense, out: 2}",
            ],
        ),
        Want::Refused {
            line: 10,
            fragments: &["`FC` differs from `fc` (line 9) only in case"],
        },
    );
}

#[test]
fn pool_strides_stop_at_the_sliding_window_limit() {
    let refused = |layer: &str, line: u64, fragments: &[&str]| {
        check(
            &net("pools", "[12, 12, 2]", 2, ACTS, &[layer]),
            Want::Refused { line, fragments },
        )
    };
    refused(
        "{name: p, op: maxpool, kernel: 2, stride: 5}",
        9,
        &["stride 5 is out of range", "1..=4"],
    );
    // the default stride is the kernel
    refused(
        "{name: p, op: avgpool, kernel: 5}",
        9,
        &[
            "default stride of avgpool is its kernel 5×5",
            "`stride: [sh, sw]`",
        ],
    );
    // a window that fits once takes one step whatever its stride
    check(
        &net(
            "pool_once",
            "[6, 6, 2]",
            2,
            ACTS,
            &["{name: p, op: maxpool, kernel: 6}"],
        ),
        Want::Builds,
    );
    check(
        &net(
            "pool_s4",
            "[9, 9, 2]",
            2,
            ACTS,
            &["{name: p, op: avgpool, kernel: [3, 2], stride: 4}"],
        ),
        Want::Builds,
    );
}

#[test]
fn averages_stay_within_the_divider() {
    // output frac more than 16 above the input's: AVG_LSHIFT > 16
    check(
        &net(
            "avg_lshift",
            "[4, 4, 2]",
            -8,
            "{bits: 8, signed: true, frac: 9}",
            &["{name: p, op: avgpool, kernel: 2}"],
        ),
        Want::Refused {
            line: 9,
            fragments: &["output frac 9 is 17 above the input's -8"],
        },
    );
    check(
        &net(
            "avg_lshift16",
            "[4, 4, 2]",
            -8,
            "{bits: 8, signed: true, frac: 8}",
            &["{name: p, op: avgpool, kernel: 2}"],
        ),
        Want::Builds,
    );
    // divisor 16 · 2^40 beyond 2^30 (it was refused only at generate)
    check(
        &net(
            "gap_div",
            "[4, 4, 2]",
            20,
            "{bits: 8, signed: true, frac: -20}",
            &["{name: g, op: gavgpool}"],
        ),
        Want::Refused {
            line: 9,
            fragments: &["divides by 17592186044416", "at most 1073741824"],
        },
    );
    check(
        &net(
            "gap_div_edge",
            "[4, 4, 2]",
            13,
            "{bits: 8, signed: true, frac: -13}",
            &["{name: g, op: gavgpool}"],
        ),
        Want::Builds,
    );
}

#[test]
fn add_inputs_align_within_32_bits() {
    let desc = |fa: i32| {
        format!(
            "name: align
input: {{shape: [4], type: {{bits: 6, signed: true, frac: 2}}}}
params: {{random: {{seed: 1}}}}
policy:
  default:
    weights: {{arith: fixed, bits: 4}}
    acts: {{bits: 8, signed: true, frac: 0}}
  layers:
    a: {{acts: {{bits: 8, signed: true, frac: {fa}}}}}
layers:
  - {{name: a, op: dense, out: 4}}
  - {{name: s, op: add, from: [a, input]}}
"
        )
    };
    check(&desc(-30), Want::Builds);
    check(
        &desc(-31),
        Want::Refused {
            line: 12,
            fragments: &["binary points 33 apart", "differ by at most 32"],
        },
    );
}

#[test]
fn a_network_without_an_engine_is_refused() {
    check(
        &net(
            "flat",
            "[2, 2, 3]",
            2,
            ACTS,
            &["{name: f, op: flatten}", "{name: g, op: flatten}"],
        ),
        Want::Refused {
            line: 9,
            fragments: &["only `flatten` layers", "at least one dense"],
        },
    );
}

#[test]
fn a_tensor_has_at_most_four_readers() {
    let layers = [
        "{name: c, op: conv, out: 2, kernel: 1}",
        "{name: a1, op: add, from: [c, c]}",
        "{name: a2, op: add, from: [c, a1]}",
        "{name: a3, op: add, from: [c, a2]}",
    ];
    // c: read four times
    check(
        &net("readers4", "[3, 3, 2]", 2, ACTS, &layers),
        Want::Builds,
    );
    let mut five = layers.to_vec();
    five.push("{name: a4, op: add, from: [c, a3]}");
    check(
        &net("readers5", "[3, 3, 2]", 2, ACTS, &five),
        Want::Refused {
            line: 13,
            fragments: &["`c` is read a 5th time here", "at most 4 readers"],
        },
    );
}

#[test]
fn parameter_budgets_refuse_huge_networks_fast() {
    // one layer beyond the per-layer budget (97 M weights, and 4 M + 2048)
    check(
        &net(
            "huge",
            "[9850]",
            2,
            ACTS,
            &["{name: d, op: dense, out: 9850}"],
        ),
        Want::Refused {
            line: 9,
            fragments: &["weights"],
        },
    );
    check(
        &net(
            "big",
            "[2048]",
            2,
            ACTS,
            &["{name: d, op: dense, out: 2049}"],
        ),
        Want::Refused {
            line: 9,
            fragments: &["4196352 weights", "at most 4194304 weights per layer"],
        },
    );
    // 40 dense layers of 8192 × 8192
    let layers: Vec<String> = (0..40)
        .map(|i| format!("{{name: d{i}, op: dense, out: 8192}}"))
        .collect();
    let refs: Vec<&str> = layers.iter().map(String::as_str).collect();
    check(
        &net("forty", "[8192]", 2, ACTS, &refs),
        Want::Refused {
            line: 9,
            fragments: &["67108864 weights"],
        },
    );
    // many layers each within budget, the network beyond it
    let layers: Vec<String> = (0..8)
        .map(|i| format!("{{name: d{i}, op: dense, out: 2048}}"))
        .collect();
    let refs: Vec<&str> = layers.iter().map(String::as_str).collect();
    check(
        &net("eight", "[2048]", 2, ACTS, &refs),
        Want::Refused {
            line: 9,
            fragments: &["the network has 33554432 weights", "at most 16777216"],
        },
    );
}

#[test]
fn folds_stay_within_the_multiplier_budget() {
    let yaml = net(
        "wide",
        "[512]",
        2,
        ACTS,
        &[
            "{name: d1, op: dense, out: 512}",
            "{name: d2, op: dense, out: 4}",
        ],
    );
    let graph = tomatl::frontend::load_str(&yaml, Path::new("net.yaml")).expect("load");
    let plan = tomatl::plan::plan(&graph, Fold::Max).expect("plan");
    let m: Vec<usize> = plan.engines.iter().map(|e| e.multipliers).collect();
    assert_eq!(
        m,
        [tomatl::ir::limits::MAX_ENGINE_MULTIPLIERS, 512 * 4],
        "d1 capped, d2 whole"
    );
    assert!(plan.multipliers() <= tomatl::ir::limits::MAX_NETWORK_MULTIPLIERS);
}

/// `tomatl check` and `tomatl generate` agree: a refusal is exit 2 with
/// file:line:col before anything is written, an acceptance generates.
#[test]
fn check_and_generate_agree_on_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tomatl"))
            .args(args)
            .output()
            .expect("run tomatl")
    };
    let flat = dir.path().join("flat.yaml");
    std::fs::write(
        &flat,
        net("flat", "[2, 2, 3]", 2, ACTS, &["{name: f, op: flatten}"]),
    )
    .expect("write");
    let out = dir.path().join("out_flat");
    for cmd in ["check", "generate"] {
        let mut args = vec![cmd.as_ref(), flat.as_os_str()];
        if cmd == "generate" {
            args.extend(["-o".as_ref(), out.as_os_str()]);
        }
        let o = run(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {err}");
        assert!(err.contains("flat.yaml:9:3:"), "{cmd}: {err}");
    }
    assert!(
        !out.exists(),
        "a refused description wrote {}",
        out.display()
    );

    let twice = dir.path().join("twice.yaml");
    std::fs::write(
        &twice,
        net(
            "twice_cli",
            "[4]",
            2,
            ACTS,
            &["{name: s, op: add, from: [input, input]}"],
        ),
    )
    .expect("write");
    let out = dir.path().join("out_twice");
    let o = run(&["check".as_ref(), twice.as_os_str()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = run(&[
        "generate".as_ref(),
        twice.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.join("rtl/twice_cli_top.v").exists());
}

/// Weights and biases of zero need a one-bit accumulator, but the RTL's
/// accumulators have at least two (`tomatl_mvau` `ACC_BITS` 2..62).
#[test]
fn all_zero_weights_still_build() {
    let dir = tempfile::tempdir().expect("tempdir");
    let npz = dir.path().join("zero.npz");
    let mut w = ndarray_npy::NpzWriter::new(std::fs::File::create(&npz).expect("create"));
    w.add_array("d.weight", &ndarray::Array2::<i64>::zeros((3, 4)))
        .expect("weight");
    w.add_array("d.bias", &ndarray::Array1::<i64>::zeros(3))
        .expect("bias");
    w.finish().expect("finish");
    let yaml = net("zeros", "[4]", 2, ACTS, &["{name: d, op: dense, out: 3}"])
        .replace("{random: {seed: 11}}", "{file: zero.npz}");
    let path = dir.path().join("zeros.yaml");
    std::fs::write(&path, &yaml).expect("write");
    let graph = tomatl::frontend::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let tomatl::ir::Op::Dense(d) = &graph.layers[0].op else {
        panic!("not dense")
    };
    assert_eq!(d.acc_bits, 2);
    let out = scratch("buildable_zeros");
    generate(&graph, Fold::Min, &out);
    lint(&out, &tomatl::hw::top_name(&graph));
}
