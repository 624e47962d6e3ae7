//! Helpers shared by the integration tests: generate a design into a
//! temporary directory and verify it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub mod soc;

use tomatl::ir::Graph;
use tomatl::plan::{Fold, HwPlan};
use tomatl::sim::{VerifyOptions, VerifyReport};

/// A two-layer dense network with random weights: the smallest good
/// description.
pub const TINY_NET: &str = "name: net
input: {shape: [4], type: {bits: 8, signed: true, frac: 0}}
params: {random: {seed: 1}}
policy: {default: {weights: {arith: fixed, bits: 4}, acts: {bits: 8, signed: true, frac: 0}}}
layers:
  - {name: a, op: dense, out: 3, act: relu}
  - {name: b, op: dense, out: 2}
";

/// The `tomatl` binary run with `args` in `cwd`.
pub fn tomatl(args: &[&str], cwd: &Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tomatl"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run tomatl")
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn example(name: &str) -> PathBuf {
    repo_root().join("examples").join(name)
}

/// A scratch directory under target/ that survives the test for inspection.
pub fn scratch(name: &str) -> PathBuf {
    let d = repo_root().join("target").join("test-designs").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.parent().unwrap_or(Path::new("."))).ok();
    d
}

pub fn generate(graph: &Graph, fold: Fold, out: &Path) -> HwPlan {
    let plan = tomatl::plan::plan(graph, fold).expect("plan");
    let files = tomatl::emit::emit(graph, &plan).expect("emit");
    tomatl::emit::write_design(out, &files).expect("write design");
    plan
}

pub fn verify(out: &Path, frames: usize, stall: f64, seed: u64) -> VerifyReport {
    let opts = VerifyOptions {
        frames,
        seed,
        stall,
        ..Default::default()
    };
    tomatl::sim::verify(out, &opts).unwrap_or_else(|e| panic!("verify {}: {e}", out.display()))
}

/// The acceptance rule: measured interval within 5% or 2 cycles of plan.
pub fn assert_interval(r: &VerifyReport, what: &str) {
    let measured = r.interval_cycles.expect("at least two frames");
    let planned = r.planned_interval_cycles as f64;
    let tol = (planned * 0.05).max(2.0);
    assert!(
        (measured - planned).abs() <= tol,
        "{what}: measured interval {measured:.2} vs planned {planned} (tolerance {tol:.2})"
    );
}

/// `verilator --lint-only -Wall` on a generated design.
pub fn lint(out: &Path, top: &str) {
    let mut sources: Vec<PathBuf> = std::fs::read_dir(out.join("rtl"))
        .expect("rtl dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "v"))
        .collect();
    sources.sort();
    if let Err(e) = tomatl::sim::verilator::lint(&sources, top, &[]) {
        panic!("lint of {}: {e}", out.display());
    }
}

/// `manifest.json` of a deployment package against its schema
/// (docs/manifest.schema.json), with Python's `jsonschema` (`make setup`
/// installs it).
pub fn assert_manifest_schema(manifest: &Path) {
    let schema = repo_root().join("docs").join("manifest.schema.json");
    let o = std::process::Command::new("python3")
        .args([
            "-c",
            "import json, sys, jsonschema\n\
             jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))",
        ])
        .arg(manifest)
        .arg(&schema)
        .output()
        .expect("python3 (with jsonschema: make setup installs scripts/requirements.txt)");
    assert!(
        o.status.success(),
        "{} against {}: {}",
        manifest.display(),
        schema.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Every file under `dir`: its path relative to `dir` and its bytes.
pub fn read_tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).expect("prefix").display().to_string();
                out.insert(rel, std::fs::read(&p).expect("read file"));
            }
        }
    }
    out
}

/// The examples (`examples/*.yaml`, by name) the planner fits on `board`
/// at its clock: what a user of that board can deploy. `TOMATL_MATRIX`
/// (`board:example,...`) keeps only the cases it names, to rerun one case
/// of a `make verify-all` test.
pub fn examples_that_fit(board: &str) -> Vec<String> {
    let only = std::env::var("TOMATL_MATRIX").ok();
    let wanted = |net: &str| {
        only.as_deref().is_none_or(|o| {
            o.split(',')
                .any(|case| case.trim() == format!("{board}:{net}"))
        })
    };
    let b = tomatl::plan::load_board(board).expect("board");
    let mut names: Vec<String> = std::fs::read_dir(repo_root().join("examples"))
        .expect("examples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .filter(|p| {
            let g = tomatl::frontend::load(p).expect("example loads");
            tomatl::plan::plan_for_board(&g, &b, None, None).is_ok()
        })
        .filter_map(|p| Some(p.file_stem()?.to_string_lossy().into_owned()))
        .filter(|n| wanted(n))
        .collect();
    names.sort();
    names
}

/// Whether `TOMATL_MATRIX` narrows the matrices to some cases.
pub fn matrix_narrowed() -> bool {
    std::env::var_os("TOMATL_MATRIX").is_some()
}

/// The codes of an integer `.npy` (`tomatl run`'s output, whatever integer
/// type it chose) as i64.
pub fn read_codes(bytes: &[u8]) -> Vec<i64> {
    use ndarray_npy::ReadNpyExt;
    macro_rules! try_as {
        ($t:ty) => {
            if let Ok(a) = ndarray::ArrayD::<$t>::read_npy(bytes) {
                return a.iter().map(|&v| v as i64).collect();
            }
        };
    }
    try_as!(i8);
    try_as!(i16);
    try_as!(i32);
    try_as!(i64);
    try_as!(u8);
    try_as!(u16);
    try_as!(u32);
    panic!("not an integer .npy");
}
