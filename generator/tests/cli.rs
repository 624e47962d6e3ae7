//! The command line end to end: `check`, `generate` and `run` on good input,
//! and bad input that must give one located message, exit code 2, and no
//! output directory.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use ndarray::Array2;
use ndarray_npy::{NpzWriter, WriteNpyExt};

use common::tomatl;

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

const GOOD: &str = common::TINY_NET;

fn npz(dir: &Path, name: &str, arrays: &[(&str, Array2<f64>)]) {
    let f = std::fs::File::create(dir.join(name)).expect("create npz");
    let mut w = NpzWriter::new(f);
    for (k, v) in arrays {
        w.add_array(*k, v).expect("add array");
    }
    w.finish().expect("finish npz");
}

/// Bad input: `generate` exits 2, stderr names every `expect` fragment, and
/// no output directory is left.
fn check(yaml: &str, setup: impl Fn(&Path), expect: &[&str]) {
    let dir = tmp();
    std::fs::write(dir.path().join("net.yaml"), yaml).expect("write yaml");
    setup(dir.path());
    let o = tomatl(&["generate", "net.yaml", "-o", "out"], dir.path());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(2),
        "exit code for:\n{yaml}\nstderr: {err}"
    );
    for e in expect {
        assert!(err.contains(e), "stderr lacks {e:?}:\n{err}");
    }
    assert!(!err.contains("panicked"), "panic: {err}");
    assert!(
        !dir.path().join("out").exists(),
        "output directory left behind"
    );
    let leftovers: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains("tomatl-tmp"))
        })
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    // `check` rejects it the same way
    let o = tomatl(&["check", "net.yaml"], dir.path());
    assert_eq!(o.status.code(), Some(2));
}

fn none(_: &Path) {}

#[test]
fn malformed_yaml() {
    check(
        "name: net\ninput: {shape: [4]\nlayers: [\n",
        none,
        &["net.yaml:3:"],
    );
}

#[test]
fn unknown_op() {
    check(
        &GOOD.replace("op: dense, out: 2", "op: convolve, out: 2"),
        none,
        &[
            "net.yaml:7:",
            "layer `b`",
            "unknown op `convolve`",
            "expected:",
        ],
    );
}

#[test]
fn unknown_key() {
    check(
        &GOOD.replace("out: 2}", "out: 2, activation: relu}"),
        none,
        &["net.yaml:7:", "`activation`", "expected:"],
    );
}

#[test]
fn duplicate_layer_names() {
    check(
        &GOOD.replace("name: b", "name: a"),
        none,
        &["net.yaml:7:", "duplicate", "line 6"],
    );
}

#[test]
fn unsupported_bit_width() {
    check(
        &GOOD.replace("bits: 4}", "bits: 17}"),
        none,
        &["net.yaml:4:", "17", "1..=16"],
    );
    check(
        &GOOD.replace(
            "acts: {bits: 8, signed: true, frac: 0}",
            "acts: {bits: 1, signed: true, frac: 0}",
        ),
        none,
        &["net.yaml:4:", "2..=16"],
    );
}

#[test]
fn missing_weight_file() {
    check(
        &GOOD.replace("random: {seed: 1}", "file: nothere.npz"),
        none,
        &["net.yaml:3:", "nothere.npz"],
    );
}

#[test]
fn shape_mismatch_in_weight_file() {
    check(
        &GOOD.replace("random: {seed: 1}", "file: w.npz"),
        |d| {
            npz(
                d,
                "w.npz",
                &[
                    ("a.weight", Array2::zeros((3, 5))),
                    ("b.weight", Array2::zeros((2, 3))),
                ],
            )
        },
        &["w.npz", "a.weight", "[3, 4]", "[3, 5]"],
    );
}

#[test]
fn nan_in_weights() {
    check(
        &GOOD.replace("random: {seed: 1}", "file: w.npz"),
        |d| {
            let mut a = Array2::zeros((3, 4));
            a[[1, 2]] = f64::NAN;
            npz(
                d,
                "w.npz",
                &[("a.weight", a), ("b.weight", Array2::zeros((2, 3)))],
            )
        },
        &["w.npz", "a.weight", "NaN", "[1, 2]"],
    );
}

#[test]
fn good_network_checks_generates_and_runs() {
    let dir = tmp();
    let d = dir.path();
    std::fs::write(d.join("net.yaml"), GOOD).expect("write");
    let o = tomatl(&["check", "net.yaml"], d);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = String::from_utf8_lossy(&o.stdout);
    for want in ["a ", "dense", "fixed 4b", "12", "total: 18 MACs"] {
        assert!(
            table.contains(want),
            "check output lacks {want:?}:\n{table}"
        );
    }
    let o = tomatl(&["generate", "net.yaml", "-o", "out", "--fold", "min"], d);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let design: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.join("out/design.json")).expect("design.json"),
    )
    .expect("json");
    assert_eq!(design["top"], "net_top");
    assert_eq!(design["interval_cycles"], 12);
    assert_eq!(design["layers"][0]["pe"], 1);
    assert_eq!(design["layers"][0]["simd"], 1);
    assert_eq!(design["layers"][0]["arith"], "fixed");
    assert!(d.join("out/rtl/net_top.v").exists());
    assert!(d.join("out/report.md").exists());

    // run: float input quantized, integer output codes written
    let x = Array2::from_shape_vec(
        (2, 4),
        vec![1.0f64, -2.0, 3.4, 100.0, 0.0, 0.5, -0.5, -200.0],
    )
    .expect("shape");
    let f = std::fs::File::create(d.join("x.npy")).expect("create");
    x.write_npy(f).expect("write npy");
    let o = tomatl(
        &["run", "net.yaml", "--input", "x.npy", "--output", "y.npy"],
        d,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let graph = tomatl::frontend::load(&d.join("net.yaml")).expect("load");
    let codes =
        tomatl::frontend::read_tensor(&d.join("x.npy"), &[4], &graph.input_type).expect("read x");
    // round half up, then saturate at 127 / -128
    assert_eq!(codes.row(0).to_vec(), vec![1, -2, 3, 100]);
    assert_eq!(codes.row(1).to_vec(), vec![0, 1, 0, -128]);
    let want = tomatl::golden::run(&graph, codes.view());
    let got = tomatl::frontend::read_tensor(&d.join("y.npy"), &[2], &graph.output_type())
        .expect("read y");
    assert_eq!(got, want);
}

#[test]
fn bad_flags_exit_2() {
    let dir = tmp();
    std::fs::write(dir.path().join("net.yaml"), GOOD).expect("write");
    let o = tomatl(
        &["generate", "net.yaml", "-o", "out", "--target-cycles", "0"],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("out").exists());
    let o = tomatl(&["verify", "nowhere"], dir.path());
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("design.json"));
}

#[test]
fn verify_catches_a_corrupted_rom_and_names_the_first_mismatch() {
    let dir = tmp();
    let d = dir.path();
    std::fs::write(d.join("net.yaml"), GOOD).expect("write");
    let o = tomatl(&["generate", "net.yaml", "-o", "out", "--fold", "max"], d);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = tomatl(&["verify", "out", "--frames", "5", "--json"], d);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    for key in [
        "frames",
        "mismatches",
        "latency_cycles",
        "interval_cycles",
        "planned_interval_cycles",
        "macs_per_frame",
        "multipliers",
    ] {
        assert!(!j[key].is_null(), "--json lacks {key}: {j}");
    }
    assert_eq!(j["mismatches"], 0);
    assert_eq!(j["macs_per_frame"], 18);
    // long steps report progress on stderr, never on stdout
    let o = Command::new(env!("CARGO_BIN_EXE_tomatl"))
        .args(["verify", "out", "--frames", "300", "--json"])
        .env("TOMATL_PROGRESS", "always")
        .current_dir(d)
        .output()
        .expect("run");
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("simulation frames [") && err.contains("] 300/300"),
        "{err}"
    );
    // a line per tenth of the frames: the harness reports as frames come
    // out, so the count that opens a tenth may be past its first frame
    let counts: Vec<u64> = err
        .lines()
        .filter_map(|l| l.split("] ").nth(1)?.split('/').next()?.parse().ok())
        .collect();
    assert!(
        counts.iter().any(|n| (150..180).contains(n)),
        "no line in the sixth tenth: {err}"
    );
    serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("stdout stays JSON");
    // flip every bias of the last layer: outputs must differ and be caught
    let bias = d.join("out/rtl/b_bias.mem");
    let text = std::fs::read_to_string(&bias).expect("bias mem");
    let flipped: String = text
        .chars()
        .map(|c| match c.to_digit(16) {
            Some(v) => char::from_digit(15 - v, 16).unwrap_or(c),
            None => c,
        })
        .collect();
    std::fs::write(&bias, flipped).expect("corrupt");
    let o = tomatl(&["verify", "out", "--frames", "5"], d);
    let line = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{line}");
    assert!(line.starts_with("FAIL frames=5 mismatches="), "{line}");
    assert!(line.contains("first_mismatch: frame 0 element"), "{line}");
    // the layer search regenerates each cut from net.json: an edited ROM
    // image is not reproduced there, and the message says so
    assert!(line.contains("every cut of the network passes"), "{line}");
}
