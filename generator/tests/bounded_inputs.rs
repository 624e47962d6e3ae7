//! Readers bound their work by the file's real size: headers that claim
//! more data than the file holds, headers nested deep, devices and FIFOs,
//! oversized files, shapes that overflow in ONNX models and unusable board
//! files are all refused at once with exit code 2 and a message naming the
//! file.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ndarray::{Array1, Array2};
use ndarray_npy::WriteNpyExt;

/// Net with a weight file and a 16-feature input.
const NET: &str = "name: net
input: {shape: [16], type: {bits: 8, signed: true, frac: 4}}
params: {file: w.npz}
policy: {default: {weights: {arith: fixed, bits: 8}, acts: {bits: 8, signed: true, frac: 4}}}
layers:
  - {name: fc, op: dense, out: 4}
";

/// Run tomatl in `dir` with a 10 s limit: exit code and stderr.
fn tomatl(args: &[&str], dir: &Path) -> (Option<i32>, String, Duration) {
    let t = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tomatl"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tomatl");
    let mut stderr = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if t.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tomatl {args:?} ran over 10 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let err = reader.join().unwrap_or_default();
    (status.code(), err, t.elapsed())
}

fn refused(args: &[&str], dir: &Path, needles: &[&str]) {
    let (code, err, took) = tomatl(args, dir);
    assert_eq!(code, Some(2), "tomatl {args:?}: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(
            err.contains(n),
            "tomatl {args:?}: stderr lacks {n:?}:\n{err}"
        );
    }
    assert!(
        took < Duration::from_secs(3),
        "tomatl {args:?} took {took:?}"
    );
}

fn npy(header: &str, data: &[u8]) -> Vec<u8> {
    let mut h = header.as_bytes().to_vec();
    while !(10 + h.len() + 1).is_multiple_of(64) {
        h.push(b' ');
    }
    h.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(h.len() as u16).to_le_bytes());
    out.extend_from_slice(&h);
    out.extend_from_slice(data);
    out
}

/// 192 bytes claiming shape [2^40, 16] of float32: 70 TB.
fn huge_claim() -> Vec<u8> {
    let b = npy(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 16), }",
        &[0; 64],
    );
    assert_eq!(b.len(), 192);
    b
}

fn nested_claim() -> Vec<u8> {
    npy(
        &format!(
            "{{'descr': '<f4', 'fortran_order': False, 'shape': {}16{}, }}",
            "(".repeat(40),
            ")".repeat(40)
        ),
        &[0; 64],
    )
}

fn npy_of<A: WriteNpyExt>(a: &A) -> Vec<u8> {
    let mut v = Vec::new();
    a.write_npy(&mut v).expect("npy");
    v
}

fn zip_of(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in members {
        w.start_file(*name, opts).expect("zip");
        w.write_all(bytes).expect("zip");
    }
    w.finish().expect("zip").into_inner()
}

/// A directory with the net, good weights, good inputs and labels.
fn setup() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(d.path().join("net.yaml"), NET).expect("net");
    let w = Array2::<f32>::from_shape_fn((4, 16), |(i, j)| ((i * 16 + j) % 5) as f32 / 8.0);
    let b = Array1::<f32>::zeros(4);
    std::fs::write(
        d.path().join("w.npz"),
        zip_of(&[("fc.weight.npy", npy_of(&w)), ("fc.bias.npy", npy_of(&b))]),
    )
    .expect("npz");
    let x = Array2::<f32>::from_shape_fn((3, 16), |(i, j)| (i + j) as f32 / 16.0);
    std::fs::write(d.path().join("x.npy"), npy_of(&x)).expect("x");
    std::fs::write(
        d.path().join("labels.npy"),
        npy_of(&Array1::<i64>::zeros(3)),
    )
    .expect("l");
    d
}

#[test]
fn good_files_still_read() {
    let d = setup();
    let (code, err, _) = tomatl(
        &["run", "net.yaml", "--input", "x.npy", "--output", "y.npy"],
        d.path(),
    );
    assert_eq!(code, Some(0), "{err}");
    let (code, err, _) = tomatl(
        &[
            "eval",
            "net.yaml",
            "--data",
            "x.npy",
            "--labels",
            "labels.npy",
        ],
        d.path(),
    );
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn a_npy_header_claiming_70_tb_is_refused_at_once_everywhere() {
    let d = setup();
    let p = d.path();
    std::fs::write(p.join("huge.npy"), huge_claim()).expect("write");
    let claim = "(70368744177664 bytes of data), but only 64 bytes follow it";
    refused(
        &[
            "run", "net.yaml", "--input", "huge.npy", "--output", "y.npy",
        ],
        p,
        &["error: huge.npy: not a readable .npy file", claim],
    );
    refused(
        &[
            "quantize", "net.yaml", "--calib", "huge.npy", "-o", "q.yaml",
        ],
        p,
        &["error: huge.npy:", claim],
    );
    refused(
        &[
            "eval",
            "net.yaml",
            "--data",
            "huge.npy",
            "--labels",
            "labels.npy",
        ],
        p,
        &["error: huge.npy:", claim],
    );
    refused(
        &[
            "eval", "net.yaml", "--data", "x.npy", "--labels", "huge.npy",
        ],
        p,
        &["error: huge.npy: not a readable label file", claim],
    );
    // inside the weight file
    let b = Array1::<f32>::zeros(4);
    std::fs::write(
        p.join("w.npz"),
        zip_of(&[("fc.weight.npy", huge_claim()), ("fc.bias.npy", npy_of(&b))]),
    )
    .expect("npz");
    refused(
        &["check", "net.yaml"],
        p,
        &[
            "error: w.npz: layer `fc`: cannot read array `fc.weight`",
            claim,
        ],
    );
}

#[test]
fn deeply_nested_npy_headers_are_refused_in_linear_time() {
    let d = setup();
    let p = d.path();
    std::fs::write(p.join("deep.npy"), nested_claim()).expect("write");
    refused(
        &[
            "run", "net.yaml", "--input", "deep.npy", "--output", "y.npy",
        ],
        p,
        &[
            "error: deep.npy: not a readable .npy file",
            "nested more than 8 deep",
        ],
    );
    let b = Array1::<f32>::zeros(4);
    std::fs::write(
        p.join("w.npz"),
        zip_of(&[
            ("fc.weight.npy", nested_claim()),
            ("fc.bias.npy", npy_of(&b)),
        ]),
    )
    .expect("npz");
    refused(
        &["check", "net.yaml"],
        p,
        &["error: w.npz:", "nested more than 8 deep"],
    );
}

#[test]
fn devices_fifos_directories_and_oversized_files_are_refused() {
    let d = setup();
    let p = d.path();
    refused(
        &["check", "/dev/zero"],
        p,
        &["error: /dev/zero: cannot read network description: it is not a regular file"],
    );
    refused(
        &[
            "run",
            "net.yaml",
            "--input",
            "/dev/zero",
            "--output",
            "y.npy",
        ],
        p,
        &["error: /dev/zero: cannot read tensor file"],
    );
    refused(
        &["import", "/dev/zero", "-o", "m.yaml"],
        p,
        &["error: /dev/zero: cannot read model"],
    );
    refused(
        &["check", "."],
        p,
        &["error: .: cannot read network description: it is a directory"],
    );
    let fifo = p.join("fifo.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        refused(
            &["check", "fifo.yaml"],
            p,
            &["error: fifo.yaml:", "not a regular file"],
        );
        let net = NET.replace("w.npz", "fifo.yaml");
        std::fs::write(p.join("fifo_w.yaml"), net).expect("write");
        refused(
            &["check", "fifo_w.yaml"],
            p,
            &["error: ", "fifo.yaml", "not a regular file"],
        );
    }
    // a sparse 17 MiB description
    let big = std::fs::File::create(p.join("big.yaml")).expect("big");
    big.set_len(17 << 20).expect("set_len");
    refused(
        &["check", "big.yaml"],
        p,
        &["error: big.yaml: the network description is 17 MiB, more than the limit of 16 MiB"],
    );
    // a symbolic link to a regular file is followed
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(p.join("net.yaml"), p.join("link.yaml")).expect("symlink");
        let (code, err, _) = tomatl(&["check", "link.yaml"], p);
        assert_eq!(code, Some(0), "{err}");
    }
}

/// Protobuf wire format, enough for a Gemm model.
#[path = "common/pb.rs"]
mod pb;

fn gemm_model(wdims: &[i64], wdata: &[f32]) -> Vec<u8> {
    let mut node = Vec::new();
    for i in ["x", "W"] {
        pb::bytes(1, i.as_bytes(), &mut node);
    }
    pb::bytes(2, b"y", &mut node);
    pb::bytes(3, b"fc", &mut node);
    pb::bytes(4, b"Gemm", &mut node);
    let mut attr = Vec::new();
    pb::bytes(1, b"transB", &mut attr);
    pb::int(3, 1, &mut attr);
    pb::int(20, 2, &mut attr);
    pb::bytes(5, &attr, &mut node);
    let mut g = Vec::new();
    pb::bytes(1, &node, &mut g);
    pb::bytes(5, &pb::tensor("W", wdims, wdata), &mut g);
    pb::bytes(11, &pb::value_info("x", &[1, 6]), &mut g);
    pb::bytes(12, &pb::value_info("y", &[1, 3]), &mut g);
    let mut m = Vec::new();
    pb::int(1, 8, &mut m);
    pb::bytes(7, &g, &mut m);
    m
}

#[test]
fn onnx_dims_that_overflow_or_are_empty_are_refused() {
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path();
    let good = gemm_model(&[3, 6], &[0.25; 18]);
    std::fs::write(p.join("good.onnx"), good).expect("write");
    let (code, err, _) = tomatl(&["import", "good.onnx", "-o", "good.yaml"], p);
    assert_eq!(code, Some(0), "{err}");
    for (dims, needle) in [
        (
            vec![1i64 << 32, 1 << 32],
            "tensor `W` has dims [4294967296, 4294967296], whose product overflows",
        ),
        (vec![i64::MAX, 2], "whose product overflows"),
        (vec![-3, -6], "tensor `W` has a negative dimension -3"),
        (
            vec![1 << 40, 0],
            "node `fc` (Gemm): weight `W` has dims [1099511627776, 0]",
        ),
        (vec![6, 0], "node `fc` (Gemm): weight `W` has dims [6, 0]"),
    ] {
        std::fs::write(p.join("bad.onnx"), gemm_model(&dims, &[])).expect("write");
        refused(
            &["import", "bad.onnx", "-o", "bad.yaml"],
            p,
            &["error: bad.onnx: ", needle],
        );
        assert!(!p.join("bad.yaml").exists());
    }
}

#[test]
fn board_files_with_unusable_clocks_or_resources_are_refused() {
    let d = setup();
    let p = d.path();
    let good = "name: b\nvendor: xilinx\nfamily: xilinx7\npart: p\nclock_mhz: 100\nresources: {dsp: 220, lut: 53200, ff: 106400, bram_kbit: 5040, uram_kbit: 0}\nhost: none\n";
    std::fs::write(p.join("b.yaml"), good).expect("write");
    let (code, err, _) = tomatl(&["plan", "net.yaml", "--board", "b.yaml"], p);
    assert_eq!(code, Some(0), "{err}");
    for (from, to, place) in [
        (
            "clock_mhz: 100",
            "clock_mhz: .nan",
            "b.yaml:5:12: `clock_mhz: NaN`",
        ),
        (
            "clock_mhz: 100",
            "clock_mhz: 0",
            "b.yaml:5:12: `clock_mhz: 0`",
        ),
        (
            "clock_mhz: 100",
            "clock_mhz: -100",
            "b.yaml:5:12: `clock_mhz: -100`",
        ),
        (
            "clock_mhz: 100",
            "clock_mhz: .inf",
            "b.yaml:5:12: `clock_mhz: inf`",
        ),
        ("lut: 53200", "lut: 0", "b.yaml:6:28: resource `lut: 0`"),
        (
            "dsp: 220",
            "dsp: 1000000000000",
            "b.yaml:6:18: resource `dsp: 1000000000000`",
        ),
        ("dsp: 220", "dsp: -220", "b.yaml:6:"),
    ] {
        std::fs::write(p.join("b.yaml"), good.replace(from, to)).expect("write");
        refused(
            &["plan", "net.yaml", "--board", "b.yaml"],
            p,
            &[&format!("error: {place}")],
        );
        let (_, err, _) = tomatl(&["plan", "net.yaml", "--board", "b.yaml"], p);
        assert!(!err.contains("NaN frames/s"), "{err}");
    }
    refused(
        &["plan", "net.yaml", "--board", "/dev/zero"],
        p,
        &["error: /dev/zero: cannot read board definition: it is not a regular file"],
    );
}
