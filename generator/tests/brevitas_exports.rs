//! Real Brevitas exports (`examples/brevitas/`: QAT models trained on
//! Fashion-MNIST, exported by Brevitas's TorchScript and dynamo exporters,
//! with and without qonnx cleanup) against the outputs QONNX execution
//! computes for them (`<model>.ref.npz`, written by
//! `examples/train/qonnx_reference.py`, equal to Brevitas in torch).
//!
//! Every export imports and computes exactly what QONNX computes: 0 LSB
//! on all 200 frames, so every argmax agrees. The two models imported as
//! thresholds (float scales with batch norms; bipolar W1A1) are generated
//! and verified in Verilator and the HLS C simulation here; in make
//! verify-all every export is, on 24 of the reference's frames.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};

use ndarray::{Array2, Array4};
use ndarray_npy::{ReadNpyExt, WriteNpyExt};

use common::{read_codes, repo_root, scratch, tomatl};

fn exports() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo_root().join("examples/brevitas"))
        .expect("examples/brevitas")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "onnx"))
        .collect();
    v.sort();
    v
}

/// An array of the reference's `.npz` (an uncompressed or deflated zip of
/// `.npy` files).
fn npz_entry(npz: &Path, name: &str) -> Vec<u8> {
    let f = std::fs::File::open(npz).expect("ref.npz");
    let mut z = zip::ZipArchive::new(f).expect("zip");
    let mut e = z.by_name(&format!("{name}.npy")).expect("entry");
    let mut bytes = Vec::new();
    e.read_to_end(&mut bytes).expect("read");
    bytes
}

/// The real value of one output code of the imported network: its last
/// layer's float scale (thresholds of a float-scale quantizer), else
/// `2^-frac`.
fn output_unit(yaml: &Path) -> f64 {
    let g = tomatl::frontend::load(yaml).expect("the imported network loads");
    let th = g.layers.last().and_then(|l| match &l.op {
        tomatl::ir::Op::Dense(d) => d.thresholds.as_ref(),
        tomatl::ir::Op::Conv(c) => c.thresholds.as_ref(),
        _ => None,
    });
    th.and_then(|t| t.scale)
        .unwrap_or_else(|| 2f64.powi(-g.output_type().frac))
}

/// Import `onnx` into scratch folder `<folder>_<stem>` and run it on the reference's
/// frames: the largest difference from QONNX in LSB and the frames, or
/// tomatl's refusal (exit 2).
fn check(onnx: &Path, folder: &str) -> Result<(u64, usize), String> {
    let stem = onnx
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    let dir = scratch(&format!("{folder}_{stem}"));
    std::fs::create_dir_all(&dir).expect("scratch");
    let o = tomatl(
        &[
            "import",
            &onnx.to_string_lossy(),
            "-o",
            "net.yaml",
            "--input-bits",
            "8",
            "--input-frac",
            "8",
            "--input-signed",
            "false",
        ],
        &dir,
    );
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    if !o.status.success() {
        assert_eq!(o.status.code(), Some(2), "{stem}: {err}");
        return Err(err);
    }
    let npz = onnx.with_extension("ref.npz");
    let x = Array4::<u8>::read_npy(&npz_entry(&npz, "x")[..]).expect("x");
    let y = Array2::<f64>::read_npy(&npz_entry(&npz, "y")[..]).expect("y");
    let frames = x.shape()[0];
    let mut f = std::fs::File::create(dir.join("x.npy")).expect("x.npy");
    x.write_npy(&mut f).expect("write x.npy");
    let o = tomatl(
        &["run", "net.yaml", "--input", "x.npy", "--output", "y.npy"],
        &dir,
    );
    assert!(
        o.status.success(),
        "{stem}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let got = read_codes(&std::fs::read(dir.join("y.npy")).expect("y.npy"));
    let unit = output_unit(&dir.join("net.yaml"));
    assert_eq!(got.len(), y.len(), "{stem}: outputs");
    let mut worst = 0u64;
    for (g, r) in got.iter().zip(y.iter()) {
        // QONNX's output is code × scale in float32
        let want = r / unit;
        assert!(
            (want - want.round()).abs() < 1e-3,
            "{stem}: QONNX's {r} is off the imported output grid ({unit})"
        );
        worst = worst.max((*g - want.round() as i64).unsigned_abs());
    }
    Ok((worst, frames))
}

#[test]
fn brevitas_exports_compute_what_qonnx_computes() {
    let mut imported = Vec::new();
    for onnx in exports() {
        let stem = onnx
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        match check(&onnx, "brevitas") {
            Ok((lsb, frames)) => {
                eprintln!("{stem}: {frames} frames, {lsb} LSB from QONNX");
                assert_eq!(lsb, 0, "{stem}: {lsb} LSB from QONNX execution");
                imported.push(stem);
            }
            Err(e) => panic!("{stem} is refused: {e}"),
        }
    }
    eprintln!("imported: {imported:?}");
    // every export of the five models, from both exporters
    assert_eq!(imported.len(), 15, "{imported:?}");
}

/// Generate the design of an imported export (where `check` left it)
/// and verify its RTL, with stalls, and its HLS C simulation on the
/// reference's first `frames` frames.
fn verify_export(onnx: &Path, frames: usize) {
    let stem = onnx
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    // a folder of its own: the tests run side by side
    check(onnx, "brevitas_rtl").unwrap_or_else(|e| panic!("{stem} is refused: {e}"));
    let dir = repo_root()
        .join("target/test-designs")
        .join(format!("brevitas_rtl_{stem}"));
    let x = ndarray::ArrayD::<u8>::read_npy(&std::fs::read(dir.join("x.npy")).expect("x.npy")[..])
        .expect("x");
    let few = x
        .slice_axis(ndarray::Axis(0), ndarray::Slice::from(0..frames))
        .to_owned();
    let mut f = std::fs::File::create(dir.join("xf.npy")).expect("xf.npy");
    few.write_npy(&mut f).expect("write");
    let o = tomatl(&["generate", "net.yaml", "-o", "design", "--hls"], &dir);
    assert!(
        o.status.success(),
        "{stem}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let n = frames.to_string();
    for backend in [&["--stall", "0.2"][..], &["--backend", "hls"][..]] {
        let mut args = vec!["verify", "design", "--input", "xf.npy", "--frames", &n];
        args.extend_from_slice(backend);
        let o = tomatl(&args, &dir);
        let said = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && said.starts_with("PASS"),
            "{stem} {backend:?}: {said}{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// The two models that import as thresholds (Brevitas's float scales with
/// batch norms, and bipolar W1A1): RTL and HLS C-sim equal the golden
/// model, which equals QONNX above.
#[test]
fn threshold_exports_verify_in_verilator_and_hls() {
    let dir = repo_root().join("examples/brevitas");
    verify_export(&dir.join("cnv_w4a4_clean.onnx"), 6);
    verify_export(&dir.join("tfc_w1a1_clean.onnx"), 12);
}

/// The RTL of every imported export, on the reference's first 24 frames
/// with stalls, and its HLS C simulation: equal to the golden model, which
/// equals QONNX above.
#[test]
#[ignore = "slow: make verify-all"]
fn brevitas_exports_verify_in_verilator() {
    let exports = exports();
    for onnx in &exports {
        verify_export(onnx, 24);
    }
    assert_eq!(exports.len(), 15);
}
