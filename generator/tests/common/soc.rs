//! The simulated SoC of the driver tests: a generated design with golden
//! vectors and its C driver, the Verilated top behind the behavioural DMA
//! model of `testbenches/dma/` as a shared library, C programs linked
//! with the driver and the simulated HAL, and the selftest's assertions.
//! The DMA is the one the driver's `tomatl_design.h` names: the AXI DMA
//! (Zynq) or the two mSGDMAs of the Intel SoC (`-DTOMATL_SIM_MSGDMA`).

use std::path::{Path, PathBuf};
use std::process::Command;

use ndarray::Array2;
use ndarray_npy::WriteNpyExt;

use super::{repo_root, scratch, tomatl};

/// Golden frames of every selftest.
pub const FRAMES: usize = 6;

/// A small CNN: 8x8x3 input, a 3x3 convolution, max pooling, a dense layer.
pub const SMALL_CNN: &str = "name: small_cnn
input:
  shape: [8, 8, 3]
  type: {bits: 6, signed: true, frac: 4}
params: {random: {seed: 3}}
policy:
  default:
    weights: {arith: fixed, bits: 6}
    acts: {bits: 8, signed: false, frac: 4}
  layers:
    out: {acts: {bits: 12, signed: true, frac: 6}}
layers:
  - {name: conv1, op: conv, out: 8, kernel: 3, pad: 1, act: relu}
  - {name: pool1, op: maxpool, kernel: 2}
  - {name: flat, op: flatten}
  - {name: out, op: dense, out: 6}
";

pub fn dma_dir() -> PathBuf {
    repo_root().join("testbenches").join("dma")
}

/// `program` on PATH, or a failure naming the Debian package.
pub fn need(program: &str, package: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "`{program}` is missing: install it with `apt-get install -y {package}`"
    );
}

/// Run a command; its stdout, or a failure with everything it printed.
pub fn run(cmd: &mut Command) -> String {
    let o = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "{cmd:?} failed ({}):\n{out}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// A generated design with golden vectors and its C driver.
pub struct Setup {
    pub dir: PathBuf,
    pub design: tomatl::hw::Design,
    /// `D/rtl`: where the ROM images are read from.
    pub rtl: PathBuf,
    pub vectors: PathBuf,
    pub driver: PathBuf,
    pub sim: PathBuf,
}

/// Generate `net`, make golden vectors with `tomatl run`, write the C
/// driver for `board`; with `fold_for_board` the design is planned for the
/// board (`--board`), else at the default fold.
pub fn setup(name: &str, net: &Path, board: &str, fold_for_board: bool) -> Setup {
    let dir = scratch(&format!("soc_drivers_{name}"));
    std::fs::create_dir_all(&dir).expect("scratch");
    let net_s = net.to_string_lossy().into_owned();
    let mut args = vec!["generate", &net_s, "-o", "D"];
    if fold_for_board {
        args.extend(["--board", board]);
    }
    let o = tomatl(&args, &dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(dir.join("D/design.json")).expect("design.json");
    let design: tomatl::hw::Design = serde_json::from_str(&text).expect("design.json reads back");

    // random input codes over the input type's full range
    let ty = design.input.ty;
    let elems: usize = design.input.shape.iter().product();
    let (lo, hi) = (ty.min_code(), ty.max_code());
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let x = Array2::from_shape_fn((FRAMES, elems), |_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        lo + (state % (hi - lo + 1) as u64) as i64
    });
    let vectors = dir.join("vectors");
    std::fs::create_dir_all(&vectors).expect("vectors");
    let mut shape = vec![FRAMES];
    shape.extend(&design.input.shape);
    let xs = x
        .into_shape_with_order(ndarray::IxDyn(&shape))
        .expect("frames");
    let mut f = std::fs::File::create(vectors.join("input.npy")).expect("input.npy");
    xs.write_npy(&mut f).expect("write input.npy");
    let o = tomatl(
        &[
            "run",
            &net_s,
            "--input",
            "vectors/input.npy",
            "--output",
            "vectors/expected.npy",
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let board = tomatl::plan::load_board(board).expect("board");
    let files = tomatl::build::driver_c::files(&design, &board).expect("driver files");
    let again = tomatl::build::driver_c::files(&design, &board).expect("driver files");
    assert_eq!(files, again, "the driver's files are deterministic");
    for (path, bytes) in &files {
        assert!(path.starts_with("driver/c/"), "{path}");
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, bytes).expect("write");
    }
    let header = String::from_utf8_lossy(
        &files
            .iter()
            .find(|(p, _)| p.ends_with("tomatl_design.h"))
            .expect("header")
            .1,
    )
    .into_owned();
    let frame_bytes = design.input.tdata_bits / 8 * design.input.beats_per_frame;
    assert!(
        header.contains(&format!("#define TOMATL_IN_FRAME_BYTES {frame_bytes}u")),
        "{header}"
    );
    assert!(header.contains(&format!(
        "#define TOMATL_NET_HASH 0x{:08x}u",
        design.net_hash
    )));
    Setup {
        rtl: dir.join("D/rtl"),
        driver: dir.join("driver/c"),
        sim: dir.join("sim"),
        vectors,
        design,
        dir,
    }
}

/// Whether the driver of `s` drives the Intel SoC's mSGDMAs.
pub fn is_msgdma(s: &Setup) -> bool {
    std::fs::read_to_string(s.driver.join("tomatl_design.h"))
        .map(|h| h.contains("#define TOMATL_DMA_MSGDMA 1"))
        .unwrap_or(false)
}

/// The driver's C files of `s`: `tomatl.c`, its DMA back end and, on the
/// Intel SoC, the bridge check.
pub fn driver_sources(s: &Setup) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(&s.driver)
        .expect("driver/c")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().map(|n| n.to_string_lossy().into_owned());
            n.is_some_and(|n| {
                n == "tomatl.c"
                    || n == "tomatl_bridges.c"
                    || (n.starts_with("tomatl_dma_") && n.ends_with(".c"))
            })
        })
        .collect();
    v.sort();
    v
}

/// The simulated system as `sim/libtomatl_sim.so`.
pub fn build_sim(s: &Setup) {
    need("verilator", "verilator");
    need("g++", "g++");
    let top = &s.design.top;
    let obj = s.sim.join("obj");
    std::fs::create_dir_all(&obj).expect("sim dir");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&s.rtl)
        .expect("rtl")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "v"))
        .collect();
    sources.sort();
    run(Command::new("verilator")
        .args([
            "--cc",
            "--build",
            "-j",
            "2",
            "--top-module",
            top,
            "-Wno-fatal",
        ])
        .args([
            "-CFLAGS",
            "-fPIC",
            "-MAKEFLAGS",
            "OPT_FAST=-O1 OPT_SLOW=-O0 OPT_GLOBAL=-O1",
        ])
        .arg("--Mdir")
        .arg(&obj)
        .args(&sources));
    let vi = Path::new("/usr/share/verilator/include");
    let dma = dma_dir();
    let mut gpp = Command::new("g++");
    if is_msgdma(s) {
        gpp.arg("-DTOMATL_SIM_MSGDMA")
            .arg(dma.join("msgdma_model.cpp"));
    }
    run(gpp
        .args(["-std=c++17", "-O1", "-fPIC", "-shared", "-Wall"])
        .arg(format!("-DTOMATL_TOP={top}"))
        .arg(format!(
            "-DTOMATL_IN_BYTES={}",
            s.design.input.tdata_bits / 8
        ))
        .arg(format!(
            "-DTOMATL_OUT_BYTES={}",
            s.design.output.tdata_bits / 8
        ))
        .arg(format!("-I{}", obj.display()))
        .arg(format!("-I{}", vi.display()))
        .arg(format!("-I{}", vi.join("vltstd").display()))
        .arg(format!("-I{}", dma.display()))
        .arg(dma.join("tomatl_sim.cpp"))
        .arg(dma.join("dma_model.cpp"))
        .arg(vi.join("verilated.cpp"))
        .arg(vi.join("verilated_threads.cpp"))
        .arg(obj.join(format!("V{top}__ALL.a")))
        .args(["-lpthread", "-o"])
        .arg(s.sim.join("libtomatl_sim.so")));
}

/// A C program of `sources` linked with the driver, the simulated HAL
/// and the simulated system.
pub fn build_c(s: &Setup, name: &str, sources: &[PathBuf]) -> PathBuf {
    need("gcc", "gcc");
    let exe = s.sim.join(name);
    let mut gcc = Command::new("gcc");
    if is_msgdma(s) {
        gcc.arg("-DTOMATL_SIM_MSGDMA");
    }
    run(gcc
        .args(["-std=c99", "-O1", "-Wall", "-Wextra", "-Werror"])
        .arg(format!("-I{}", s.driver.display()))
        .arg(format!("-I{}", dma_dir().display()))
        .args(sources)
        .args(driver_sources(s))
        .arg(dma_dir().join("hal_sim.c"))
        .arg(format!("-L{}", s.sim.display()))
        .arg("-ltomatl_sim")
        .arg(format!("-Wl,-rpath,{}", s.sim.display()))
        .arg("-o")
        .arg(&exe));
    exe
}

/// `tomatl_selftest` in the design's rtl/ (the ROM images' folder).
pub fn selftest(s: &Setup, exe: &Path, env: &[(&str, &str)]) -> std::process::Output {
    Command::new(exe)
        .arg(&s.vectors)
        .current_dir(&s.rtl)
        .envs(env.iter().copied())
        .output()
        .expect("run selftest")
}

pub fn assert_selftest_passes(s: &Setup, exe: &Path, env: &[(&str, &str)]) {
    let o = selftest(s, exe, env);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{env:?}\n{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let passes = out
        .lines()
        .filter(|l| l.starts_with("frame ") && l.ends_with(": PASS"))
        .count();
    assert_eq!(passes, FRAMES, "{out}");
    assert!(
        out.contains(&format!("{FRAMES} of {FRAMES} frames bit-exact: PASS")),
        "{out}"
    );
    assert!(out.contains("frame counters: PASS"), "{out}");
}

pub fn selftests(s: &Setup) {
    let exe = build_c(s, "tomatl_selftest", &[s.driver.join("tomatl_selftest.c")]);
    assert_selftest_passes(s, &exe, &[]);
    assert_selftest_passes(
        s,
        &exe,
        &[("TOMATL_SIM_STALL", "40"), ("TOMATL_SIM_SEED", "7")],
    );
    // without the invalidate the CPU reads stale memory: the selftest must see it
    let o = selftest(s, &exe, &[("HAL_SIM_SKIP_INVALIDATE", "1")]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains(": FAIL"), "{out}");
}

/// `exe` (a `dma_errors` build) on scenario `name` in the design's rtl/,
/// with `env`: what it printed; it must exit 0.
pub fn dma_scenario(s: &Setup, exe: &Path, name: &str, env: &[(&str, &str)]) -> String {
    let o = Command::new(exe)
        .arg(name)
        .current_dir(&s.rtl)
        .envs(env.iter().copied())
        .output()
        .expect("dma_errors");
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}
