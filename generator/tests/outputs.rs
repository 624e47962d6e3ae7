//! Commands never destroy what they did not write: every refused `-o`
//! leaves the tree byte-identical, a replacing `generate` killed at any
//! moment leaves the old design or the new one whole, and file outputs are
//! replaced only when tomatl wrote them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;

use common::tomatl;

/// `args` run in `cwd` must exit 0.
fn succeeds(args: &[&str], cwd: &Path) {
    let o = tomatl(args, cwd);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Every file under `dir` (relative path) with the SHA-256 of its
/// contents; folders as entries of their own.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            let rel = p
                .strip_prefix(dir)
                .expect("prefix")
                .to_string_lossy()
                .into_owned();
            if p.is_dir() {
                m.insert(rel + "/", String::new());
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).expect("read");
                m.insert(rel, tomatl::output::sha256_hex(&bytes));
            }
        }
    }
    m
}

/// A work tree: `home/proj/net.yaml`, a user's folder with a file, and the
/// working directory `home/proj/sub/deep`.
fn setup() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().expect("tempdir");
    let proj = t.path().join("proj");
    std::fs::create_dir_all(proj.join("sub/deep")).expect("mkdir");
    std::fs::create_dir_all(proj.join("mine")).expect("mkdir");
    std::fs::write(proj.join("net.yaml"), common::TINY_NET).expect("write");
    std::fs::write(proj.join("mine/notes.txt"), "keep me").expect("write");
    std::fs::write(proj.join("sub/deep/data.bin"), [1u8, 2, 3]).expect("write");
    (t, proj)
}

/// `args` run in `cwd` must exit 2 with a message naming `what`, and leave
/// everything under `root` as it was.
fn refused(root: &Path, cwd: &Path, args: &[&str], what: &str) {
    let before = tree(root);
    let o = tomatl(args, cwd);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    assert!(err.contains(what), "{args:?}: stderr lacks {what:?}: {err}");
    assert!(err.contains("expected:"), "{args:?}: {err}");
    assert_eq!(before, tree(root), "{args:?} changed the tree");
}

#[test]
fn generate_refuses_every_output_it_did_not_write() {
    let (t, proj) = setup();
    let root = t.path();
    let deep = proj.join("sub/deep");
    let net = proj.join("net.yaml");
    let net = net.to_str().expect("utf-8");
    let cases: &[(&Path, &str, &str)] = &[
        (&proj, "mine", "tomatl did not write"),
        (&deep, ".", "working directory"),
        (&deep, "..", "working directory"),
        (&deep, "../..", "working directory"),
        (&deep, "x/../..", "working directory"),
        (&deep, "data.bin", "not a folder"),
        (&proj, ".", "working directory"),
        // the input's folder, from elsewhere
        (&deep, "../../../proj", "working directory"),
        (&root.join("proj/mine"), "..", "working directory"),
    ];
    for (cwd, out, what) in cases {
        refused(root, cwd, &["generate", net, "-o", out], what);
    }
    // the input's folder, not an ancestor of the working directory
    let elsewhere = tempfile::tempdir().expect("tempdir");
    refused(
        root,
        elsewhere.path(),
        &["generate", net, "-o", proj.to_str().expect("utf-8")],
        "an input of this command",
    );
    // every ancestor up to `/` is refused by the same rule
    let mut up = String::from("..");
    for _ in 0..deep.components().count() + 2 {
        refused(root, &deep, &["generate", net, "-o", &up], "ancestor");
        up += "/..";
    }
}

#[test]
fn the_root_folder_is_refused_before_anything_is_written() {
    // the check only reads: it never writes to `/`
    let e = tomatl::output::check_dir(Path::new("/"), tomatl::output::DirKind::Design, &[])
        .expect_err("/ refused");
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("root folder"), "{e}");
    let e = tomatl::output::check_file(Path::new("/"), tomatl::output::FileKind::Yaml, &[])
        .expect_err("/ refused");
    assert_eq!(e.exit_code(), 2);
}

#[test]
fn a_design_is_replaced_but_a_design_holding_user_files_is_not() {
    let (t, proj) = setup();
    succeeds(&["generate", "net.yaml", "-o", "out/d"], &proj);
    assert!(proj.join("out/d/tomatl-manifest.json").is_file());
    succeeds(
        &["generate", "net.yaml", "-o", "out/d", "--fold", "min"],
        &proj,
    );
    // verify's own files do not make the folder foreign
    succeeds(&["verify", "out/d", "--frames", "4"], &proj);
    succeeds(&["generate", "net.yaml", "-o", "out/d"], &proj);
    std::fs::write(proj.join("out/d/rtl/my_wrapper.v"), "// mine").expect("write");
    refused(
        t.path(),
        &proj,
        &["generate", "net.yaml", "-o", "out/d"],
        "rtl/my_wrapper.v",
    );
    // an empty folder is fine
    std::fs::create_dir_all(proj.join("empty")).expect("mkdir");
    succeeds(&["generate", "net.yaml", "-o", "empty"], &proj);
    // nothing of the writes is left beside the outputs
    let names: Vec<String> = std::fs::read_dir(proj.join("out"))
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["d"]);
}

/// The file set of a design folder, or `None` when it is not a whole
/// design equal to one of `whole`.
fn whole(dir: &Path, candidates: &[BTreeMap<String, String>]) -> bool {
    let t = tree(dir);
    candidates.contains(&t)
}

#[test]
fn a_killed_replacing_generate_leaves_the_old_or_the_new_design_whole() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path();
    let net = common::example("jet_tagger.yaml");
    let net = net.to_str().expect("utf-8");
    let gen = |out: &str, fold: &str| {
        succeeds(&["generate", net, "-o", out, "--fold", fold], dir);
    };
    gen("old", "min");
    gen("new", "max");
    let (old, new) = (tree(&dir.join("old")), tree(&dir.join("new")));
    assert_ne!(old, new);
    // how long one replacing generate takes
    gen("d", "min");
    let start = std::time::Instant::now();
    gen("d", "max");
    let took = start.elapsed();
    let mut rng = 0x1234_5678_9abc_def0u64;
    let mut seen_new = 0;
    for i in 0..24 {
        gen("d", "min");
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        // moments spread over the whole run, denser early (the process
        // start takes part of it)
        let u = (rng % 1000) as f64 / 1000.0;
        let delay = took.mul_f64(u * u);
        let mut child = Command::new(env!("CARGO_BIN_EXE_tomatl"))
            .args(["generate", net, "-o", "d", "--fold", "max"])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        let d = dir.join("d");
        assert!(
            whole(&d, &[old.clone(), new.clone()]),
            "kill {i} after {delay:?}: the design is neither the old nor the new one"
        );
        if tree(&d) == new {
            seen_new += 1;
        }
    }
    eprintln!("{seen_new} of 24 kills found the new design (one run takes {took:?})");
    assert!(seen_new < 24, "no kill landed before the replacement");
    // the next run removes what killed runs left
    gen("d", "max");
    let left: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tomatl-tmp"))
        .collect();
    assert!(left.is_empty(), "leftovers: {left:?}");
}

#[test]
fn import_writes_both_files_only_after_every_check() {
    let t = tempfile::tempdir().expect("tempdir");
    let dir = t.path();
    let model = common::example("digits_cnn.onnx");
    let model = model.to_str().expect("utf-8");
    // missing parents are created
    succeeds(&["import", model, "-o", "a/b/net.yaml"], dir);
    assert!(dir.join("a/b/net.npz").is_file());
    // its own outputs are replaced
    succeeds(&["import", model, "-o", "a/b/net.yaml"], dir);
    // -o naming the weights file
    refused(dir, dir, &["import", model, "-o", "a/b/net.npz"], ".yaml");
    // a description the user wrote, and weights the user made
    std::fs::write(dir.join("mine.yaml"), "name: mine\n").expect("write");
    refused(
        dir,
        dir,
        &["import", model, "-o", "mine.yaml"],
        "tomatl did not write",
    );
    std::fs::write(dir.join("w.npz"), b"PK user data").expect("write");
    refused(
        dir,
        dir,
        &["import", model, "-o", "w.yaml"],
        "tomatl did not write",
    );
    // a model that does not convert leaves no file behind
    std::fs::write(dir.join("bad.onnx"), b"\x08\x07garbage").expect("write");
    refused(
        dir,
        dir,
        &["import", "bad.onnx", "-o", "q/net.yaml"],
        "bad.onnx",
    );
    assert!(!dir.join("q").exists());
}

#[test]
fn run_and_quantize_never_replace_user_files() {
    let (t, proj) = setup();
    let root = t.path();
    let x = ndarray::Array2::<i64>::zeros((3, 4));
    ndarray_npy::write_npy(proj.join("x.npy"), &x).expect("write npy");
    // the output is the input
    refused(
        root,
        &proj,
        &["run", "net.yaml", "--input", "x.npy", "--output", "x.npy"],
        "an input of this command",
    );
    refused(
        root,
        &proj,
        &[
            "run", "net.yaml", "--input", "x.npy", "--output", "net.yaml",
        ],
        "an input of this command",
    );
    refused(
        root,
        &proj,
        &[
            "run",
            "net.yaml",
            "--input",
            "x.npy",
            "--output",
            "sub/deep/data.bin",
        ],
        "tomatl did not write",
    );
    succeeds(
        &["run", "net.yaml", "--input", "x.npy", "--output", "y/y.npy"],
        &proj,
    );
    // zero frames
    let empty = ndarray::Array2::<i64>::zeros((0, 4));
    ndarray_npy::write_npy(proj.join("e.npy"), &empty).expect("write npy");
    refused(
        root,
        &proj,
        &["run", "net.yaml", "--input", "e.npy", "--output", "z.npy"],
        "0 frames",
    );
    // quantize over the user's own description
    refused(
        root,
        &proj,
        &["quantize", "net.yaml", "--calib", "x.npy", "-o", "net.yaml"],
        "an input of this command",
    );
}

#[test]
fn write_errors_name_the_path_and_exit_2() {
    let (_t, proj) = setup();
    // a parent that is a file
    let o = tomatl(
        &["generate", "net.yaml", "-o", "sub/deep/data.bin/x"],
        &proj,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("sub/deep/data.bin/x"), "{err}");
    assert!(err.contains("expected:"), "{err}");
    // a folder nobody can create
    let o = tomatl(
        &["generate", "net.yaml", "-o", "/proc/tomatl-design"],
        &proj,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("/proc/tomatl-design"), "{err}");
    assert!(err.contains("expected:"), "{err}");
}
