//! ONNX's own conformance data: the backend node tests of the onnx 1.17
//! wheel (`onnx/backend/test/data/node`, fetched into
//! `target/onnx-node-tests` by `scripts/fetch_onnx_node_tests.sh`, never
//! committed). Every node test whose nodes are all ops the importer reads
//! ([`SUPPORTED_OPS`]) is imported; the weights a node test passes as graph
//! inputs are given to the model as initializers (from the test's
//! `input_1.pb`, `input_2.pb`, ...; the first input stays the network
//! input). Each test then either imports and tomatl's float reference
//! matches the test's expected output within [`BOUND`], or is refused with
//! exit 2 and a message naming the node (or the graph input or output) and
//! what is wrong. None may be silently wrong. The table of outcomes is
//! printed (`cargo test --test onnx_conformance -- --nocapture`).

mod common;

use std::path::{Path, PathBuf};

use common::*;
use ndarray::{Array2, ArrayD, IxDyn};
use tomatl::import::convert::SUPPORTED_OPS;
use tomatl::import::onnx;

/// The float reference computes in f64 what the tests' expected outputs
/// hold in f32 (the imported layers keep the real weights, so nothing is
/// quantized on this path): a difference of at most 1e-4 of the largest
/// expected magnitude (and 1e-5 absolute) is rounding, while any layout,
/// broadcast or attribute mistake is of the order of the values themselves.
const BOUND: f64 = 1e-4;

fn tests_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("TOMATL_ONNX_NODE_TESTS") {
        return PathBuf::from(d);
    }
    let d = repo_root().join("target/onnx-node-tests");
    if !d.join("test_relu/model.onnx").exists() {
        let o = std::process::Command::new("bash")
            .arg(repo_root().join("scripts/fetch_onnx_node_tests.sh"))
            .output()
            .expect("run scripts/fetch_onnx_node_tests.sh");
        assert!(
            o.status.success(),
            "scripts/fetch_onnx_node_tests.sh failed:\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    d
}

fn key(out: &mut Vec<u8>, field: u64, len: usize) {
    varint(out, (field << 3) | 2);
    varint(out, len as u64);
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// `model` with `tensors` added to its graph's initializers: protobuf
/// merges a repeated message field, so a second `graph` field holding only
/// initializers appends them.
fn with_initializers(model: &[u8], tensors: &[Vec<u8>]) -> Vec<u8> {
    let mut graph = Vec::new();
    for t in tensors {
        key(&mut graph, 5, t.len());
        graph.extend_from_slice(t);
    }
    let mut out = model.to_vec();
    key(&mut out, 7, graph.len());
    out.extend_from_slice(&graph);
    out
}

/// A tensor's values per frame (its first axis), an NCHW image as tomatl's
/// HWC.
fn frames(t: &onnx::Tensor) -> Array2<f64> {
    let dims: Vec<usize> = t.dims.iter().map(|&d| d as usize).collect();
    let v = t.reals();
    let a = ArrayD::from_shape_vec(IxDyn(&dims), v).expect("tensor shape");
    let a = if dims.len() == 4 {
        a.permuted_axes(IxDyn(&[0, 2, 3, 1]))
    } else {
        a
    };
    let n = dims.first().copied().unwrap_or(1).max(1);
    let flat: Vec<f64> = a.iter().copied().collect();
    let per = flat.len() / n;
    Array2::from_shape_vec((n, per), flat).expect("frames")
}

fn read_tensor(p: &Path) -> onnx::Tensor {
    let b = std::fs::read(p).expect("read tensor");
    onnx::parse_tensor_proto(&b).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

enum Outcome {
    Imported(f64),
    Refused(String),
    Wrong(String),
}

fn run_one(test: &Path, work: &Path) -> Outcome {
    let name = test
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let data = test.join("test_data_set_0");
    let model = std::fs::read(test.join("model.onnx")).expect("model");
    let mut inputs: Vec<PathBuf> = (0..)
        .map(|k| data.join(format!("input_{k}.pb")))
        .take_while(|p| p.exists())
        .collect();
    let consts: Vec<Vec<u8>> = inputs
        .drain(1.min(inputs.len())..)
        .map(|p| std::fs::read(p).expect("input"))
        .collect();
    let dir = work.join(&name);
    std::fs::create_dir_all(&dir).expect("dir");
    let m = dir.join("model.onnx");
    std::fs::write(&m, with_initializers(&model, &consts)).expect("write model");
    let o = tomatl(&["import", "model.onnx", "-o", "net.yaml"], &dir);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    match o.status.code() {
        Some(0) => {}
        Some(2) => {
            let line = err
                .lines()
                .next()
                .unwrap_or("")
                .trim_start_matches("error: model.onnx: ")
                .to_string();
            let names_it = ["node ", "input `", "output `", "the graph has", "tensor `"]
                .iter()
                .any(|n| line.contains(n));
            return if names_it {
                Outcome::Refused(line)
            } else {
                Outcome::Wrong(format!("refused without naming the node: {err}"))
            };
        }
        c => return Outcome::Wrong(format!("exit {c:?}: {err}")),
    }
    let g = match tomatl::frontend::load(&dir.join("net.yaml")) {
        Ok(g) => g,
        Err(e) => return Outcome::Wrong(format!("imported, but does not load: {e}")),
    };
    let (Some(x), true) = (inputs.first(), data.join("output_0.pb").exists()) else {
        return Outcome::Wrong("imported a test without input or output".into());
    };
    let x = frames(&read_tensor(x));
    let want = frames(&read_tensor(&data.join("output_0.pb")));
    if x.ncols() != g.input_len() || want.nrows() != x.nrows() {
        return Outcome::Wrong(format!(
            "imported with input length {} for {} values a frame",
            g.input_len(),
            x.ncols()
        ));
    }
    let y = tomatl::golden::float::run(&g, x.view());
    if y.dim() != want.dim() {
        return Outcome::Wrong(format!("output {:?}, ONNX's {:?}", y.dim(), want.dim()));
    }
    let range = want.iter().fold(0f64, |m, v| m.max(v.abs()));
    let diff = y
        .iter()
        .zip(want.iter())
        .fold(0f64, |m, (a, b)| m.max((a - b).abs()));
    if diff <= BOUND * range + 1e-5 {
        Outcome::Imported(diff)
    } else {
        Outcome::Wrong(format!(
            "imported, but differs by {diff} (largest value {range})"
        ))
    }
}

#[test]
fn onnx_node_tests_import_right_or_are_refused_clearly() {
    let root = tests_dir();
    let mut tests: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("node tests")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("model.onnx").exists())
        .collect();
    tests.sort();
    let supported = |m: &onnx::Model| {
        !m.graph.nodes.is_empty()
            && m.graph.nodes.iter().all(|n| {
                (n.domain.is_empty() || n.domain == "ai.onnx")
                    && SUPPORTED_OPS.contains(&n.op.as_str())
            })
    };
    let chosen: Vec<PathBuf> = tests
        .into_iter()
        .filter(|t| {
            std::fs::read(t.join("model.onnx"))
                .ok()
                .and_then(|b| onnx::parse(&b).ok())
                .is_some_and(|m| supported(&m))
        })
        .collect();
    assert!(chosen.len() > 50, "only {} node tests chosen", chosen.len());
    let work = tempfile::tempdir().expect("tempdir");
    let (mut imported, mut refused, mut wrong) = (0, 0, Vec::new());
    println!("{:<62} outcome", "ONNX node test");
    for t in &chosen {
        let name = t.file_name().expect("name").to_string_lossy().into_owned();
        match run_one(t, work.path()) {
            Outcome::Imported(d) => {
                imported += 1;
                println!("{name:<62} imported, max difference {d:.1e}");
            }
            Outcome::Refused(why) => {
                refused += 1;
                println!("{name:<62} refused: {why}");
            }
            Outcome::Wrong(why) => {
                println!("{name:<62} WRONG: {why}");
                wrong.push(format!("{name}: {why}"));
            }
        }
    }
    println!(
        "{} node tests: {imported} imported and matching, {refused} refused, {} wrong",
        chosen.len(),
        wrong.len()
    );
    assert!(imported >= 10, "only {imported} node tests imported");
    assert!(
        wrong.is_empty(),
        "silently wrong or unclear:\n{}",
        wrong.join("\n")
    );
}
