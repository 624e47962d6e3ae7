//! A verifier you can trust: concurrent verifies of one design, folders
//! whose parts disagree, frame counts out of bounds, a design slower than
//! planned, and faults injected into the generated RTL.

mod common;

use std::path::Path;
use std::process::Command;

use tomatl::plan::Fold;
use tomatl::sim::{VerifyOptions, VerifyReport};

use common::tomatl;

fn jet_tagger(out: &Path) {
    let g = tomatl::frontend::load(&common::example("jet_tagger.yaml")).expect("load");
    common::generate(
        &g,
        Fold::Auto {
            target_cycles: Some(64),
        },
        out,
    );
}

fn copy_dir(from: &Path, to: &Path) {
    let o = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .output()
        .expect("cp");
    assert!(
        o.status.success(),
        "cp: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

fn run(out: &Path, frames: usize, stall: f64, jobs: usize) -> VerifyReport {
    let opts = VerifyOptions {
        frames,
        stall,
        jobs,
        ..Default::default()
    };
    tomatl::sim::verify(out, &opts).unwrap_or_else(|e| panic!("verify {}: {e}", out.display()))
}

#[test]
fn two_verifies_of_one_design_at_once_both_pass() {
    let t = tempfile::tempdir().expect("tempdir");
    let d = t.path().join("d");
    jet_tagger(&d);
    let spawn = |seed: &str| {
        Command::new(env!("CARGO_BIN_EXE_tomatl"))
            .args([
                "verify", "d", "--frames", "24", "--stall", "0.2", "--seed", seed,
            ])
            .current_dir(t.path())
            .output()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| spawn("1"));
        let b = s.spawn(|| spawn("2"));
        (a.join(), b.join())
    });
    for o in [a, b] {
        let o = o.expect("thread").expect("run");
        let text = String::from_utf8_lossy(&o.stdout);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{text}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(text.starts_with("PASS"), "{text}");
    }
    // each run kept its scratch files to itself and removed them
    let runs = d.join("sim/runs");
    assert!(!runs.exists() || std::fs::read_dir(&runs).expect("runs").next().is_none());
}

#[test]
fn frames_shared_over_processes_give_the_same_verdict() {
    let d = common::scratch("verify_jobs");
    jet_tagger(&d);
    let one = run(&d, 32, 0.0, 1);
    let two = run(&d, 32, 0.0, 2);
    assert!(one.pass && two.pass, "{} / {}", one.line(), two.line());
    assert_eq!((one.jobs, two.jobs), (1, 2));
    assert_eq!(one.frames, two.frames);
    common::assert_interval(&two, "jet_tagger over 2 processes");
    assert!(two.frames_per_second.is_some_and(|f| f > 0.0));
    // a fault is found in whichever shard it shows
    let bad = common::scratch("verify_jobs_fault");
    copy_dir(&d, &bad);
    corrupt_weight(&bad);
    let r = run(&bad, 32, 0.0, 2);
    assert!(!r.pass && r.mismatches > 0, "{}", r.line());
}

#[test]
fn inconsistent_folders_and_frame_counts_are_refused() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path();
    let d = dir.join("d");
    jet_tagger(&d);
    let refused = |args: &[&str], what: &str| {
        let o = tomatl(args, dir);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(what), "{args:?}: stderr lacks {what:?}: {err}");
        assert!(err.contains("expected:"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    };
    refused(&["verify", "d", "--frames", "0"], "no frames");
    refused(
        &["verify", "d", "--frames", "18446744073709551615"],
        "more than one verify holds",
    );
    refused(&["verify", "d", "--jobs", "0"], "--jobs");
    let empty = ndarray::Array2::<i64>::zeros((0, 16));
    ndarray_npy::write_npy(dir.join("e.npy"), &empty).expect("write");
    refused(&["verify", "d", "--input", "e.npy"], "no frames");
    // hand-edited network: the golden model would not be the design's
    let bad = dir.join("net_edit");
    copy_dir(&d, &bad);
    edit(&bad.join("net.json"), "\"name\"", "\"name\" ");
    refused(&["verify", "net_edit"], "net.json");
    let bad = dir.join("net_garbage");
    copy_dir(&d, &bad);
    std::fs::write(bad.join("net.json"), "{\"layers\": 7}").expect("write");
    refused(&["verify", "net_garbage"], "net.json");
    // a design edited to describe other streams
    let bad = dir.join("design_edit");
    copy_dir(&d, &bad);
    edit(
        &bad.join("design.json"),
        "\"beats_per_frame\": ",
        "\"beats_per_frame\": 1",
    );
    refused(&["verify", "design_edit"], "design.json");
    // a harness that is not the one generated with the design
    let bad = dir.join("harness_edit");
    copy_dir(&d, &bad);
    edit(
        &bad.join("sim/design.h"),
        "#define",
        "#define TOMATL_EDITED 1\n#define",
    );
    refused(&["verify", "harness_edit"], "sim/design.h");
    // no manifest: not a design tomatl wrote
    let bad = dir.join("no_manifest");
    copy_dir(&d, &bad);
    std::fs::remove_file(bad.join("tomatl-manifest.json")).expect("rm");
    refused(&["verify", "no_manifest"], "tomatl-manifest.json");
    refused(&["verify", "nowhere"], "not a tomatl design");
}

/// A fault put into a copy of a design.
type Inject = dyn Fn(&Path);

fn corrupt_weight(d: &Path) {
    // the first weight word of the first layer, every bit flipped
    let p = d.join("rtl/fc1_weights.mem");
    let text = std::fs::read_to_string(&p).expect("read");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let w = &lines[0];
    let flipped: String = w
        .chars()
        .map(|c| {
            let v = c.to_digit(16).expect("hex digit");
            std::char::from_digit(15 - v, 16).expect("digit")
        })
        .collect();
    lines[0] = flipped;
    std::fs::write(&p, lines.join("\n") + "\n").expect("write");
}

#[test]
fn a_design_slower_than_planned_and_injected_faults_fail() {
    let base = common::scratch("verify_faults");
    jet_tagger(&base);
    let good = run(&base, 16, 0.0, 1);
    assert!(good.pass, "{}", good.line());

    // every FIFO one deep: right numbers, slower than the plan
    let d = common::scratch("verify_faults_fifo1");
    copy_dir(&base, &d);
    let top = d.join("rtl/jet_tagger_top.v");
    let text = std::fs::read_to_string(&top).expect("read");
    let mut edited = String::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find(".DEPTH(") {
        let (head, tail) = rest.split_at(i + ".DEPTH(".len());
        edited += head;
        edited += "1";
        rest = &tail[tail.find(')').expect("close")..];
    }
    edited += rest;
    assert_ne!(edited, text);
    std::fs::write(&top, edited).expect("write");
    let r = run(&d, 16, 0.0, 1);
    assert!(!r.pass, "{}", r.line());
    assert_eq!(r.mismatches, 0, "{}", r.line());
    assert!(r.interval_over_plan(), "{}", r.line());
    assert!(r.line().contains("interval"), "{}", r.line());
    // with stalls it is reported, measured against planned, not judged
    let r = run(&d, 16, 0.2, 1);
    assert!(r.line().contains("planned=64"), "{}", r.line());

    let faults: [(&str, &Inject); 3] = [
        ("a weight word", &corrupt_weight),
        ("the rounding constant", &|d: &Path| {
            edit(
                &d.join("rtl/tomatl_requant.v"),
                "(RQ_ONE << RSHIFT) >> 1",
                "(RQ_ONE << RSHIFT) >> 2",
            )
        }),
        ("a shift", &|d: &Path| {
            edit(&d.join("rtl/jet_tagger_top.v"), ".RSHIFT(", ".RSHIFT(1+")
        }),
    ];
    for (k, (what, inject)) in faults.iter().enumerate() {
        let d = common::scratch(&format!("verify_faults_{k}"));
        copy_dir(&base, &d);
        inject(&d);
        let r = run(&d, 16, 0.0, 1);
        assert!(!r.pass && r.mismatches > 0, "{what}: {}", r.line());
    }
}
