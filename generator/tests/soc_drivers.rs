//! The Zynq host drivers against the Verilated accelerator.
//!
//! What cannot run here is stood in for: the board and its AXI DMA IP by
//! the behavioural PG021 simple-mode model of `testbenches/dma/` (register
//! file, memory, a CPU cache in front of it, random stream stalls) wired
//! to the Verilated `<net>_top`, built as a shared library
//! (`tomatl_sim.h`); the Linux kernel (UIO, u-dma-buf) by the simulated HAL
//! `testbenches/dma/hal_sim.c` over that library; the Xilinx BSP by the
//! `xil_io.h` / `xil_cache.h` stand-ins; PYNQ by the `fake_pynq` package.
//!
//! For jet_tagger and a small CNN: the C driver (`driver/c/` as
//! `build::driver_c::files` writes it) runs `tomatl_selftest` on golden
//! vectors from `tomatl run`, bit-exact, also with random stalls, and
//! fails when the HAL skips the cache invalidate; every error path raises
//! its named error; the driver cross-compiles for both Zynq CPUs at
//! `-Wall -Wextra -Werror`, the bare-metal HAL compiles against the BSP
//! stand-ins, and the overlay compiles with `dtc -@`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use ndarray::Array2;
use ndarray_npy::WriteNpyExt;

use common::{repo_root, scratch, tomatl};

const FRAMES: usize = 6;

/// A small CNN: 8x8x3 input, a 3x3 convolution, max pooling, a dense layer.
const SMALL_CNN: &str = "name: small_cnn
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

fn dma_dir() -> PathBuf {
    repo_root().join("testbenches").join("dma")
}

/// `program` on PATH, or a failure naming the Debian package.
fn need(program: &str, package: &str) {
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
fn run(cmd: &mut Command) -> String {
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
struct Setup {
    dir: PathBuf,
    design: tomatl::hw::Design,
    /// `D/rtl`: where the ROM images are read from.
    rtl: PathBuf,
    vectors: PathBuf,
    driver: PathBuf,
    sim: PathBuf,
}

/// Generate `yaml` (a file name in `dir` or an example), make golden
/// vectors with `tomatl run`, write the C driver for the PYNQ-Z2.
fn setup(name: &str, net: &Path) -> Setup {
    let dir = scratch(&format!("soc_drivers_{name}"));
    std::fs::create_dir_all(&dir).expect("scratch");
    let net_s = net.to_string_lossy().into_owned();
    let o = tomatl(&["generate", &net_s, "-o", "D"], &dir);
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

    let board = tomatl::plan::load_board("pynq-z2").expect("pynq-z2");
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

/// The simulated system as `sim/libtomatl_sim.so`.
fn build_sim(s: &Setup) {
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
    run(Command::new("g++")
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
fn build_c(s: &Setup, name: &str, sources: &[PathBuf]) -> PathBuf {
    need("gcc", "gcc");
    let exe = s.sim.join(name);
    run(Command::new("gcc")
        .args(["-std=c99", "-O1", "-Wall", "-Wextra", "-Werror"])
        .arg(format!("-I{}", s.driver.display()))
        .arg(format!("-I{}", dma_dir().display()))
        .args(sources)
        .arg(s.driver.join("tomatl.c"))
        .arg(dma_dir().join("hal_sim.c"))
        .arg(format!("-L{}", s.sim.display()))
        .arg("-ltomatl_sim")
        .arg(format!("-Wl,-rpath,{}", s.sim.display()))
        .arg("-o")
        .arg(&exe));
    exe
}

/// `tomatl_selftest` in the design's rtl/ (the ROM images' folder).
fn selftest(s: &Setup, exe: &Path, env: &[(&str, &str)]) -> std::process::Output {
    Command::new(exe)
        .arg(&s.vectors)
        .current_dir(&s.rtl)
        .envs(env.iter().copied())
        .output()
        .expect("run selftest")
}

fn assert_selftest_passes(s: &Setup, exe: &Path, env: &[(&str, &str)]) {
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

fn selftests(s: &Setup) {
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

#[test]
fn jet_tagger_selftest_and_error_paths() {
    let s = setup("jet", &repo_root().join("examples/jet_tagger.yaml"));
    build_sim(&s);
    selftests(&s);

    let exe = build_c(&s, "dma_errors", &[dma_dir().join("dma_errors.c")]);
    let scenario = |name: &str, env: &[(&str, &str)]| -> String {
        let o = Command::new(&exe)
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
    };
    for (name, env, want) in [
        ("short", &[][..], "short: TOMATL_ERR_SHORT_FRAME"),
        ("long", &[][..], "long: TOMATL_ERR_LONG_FRAME"),
        ("timeout", &[][..], "timeout: TOMATL_ERR_TIMEOUT"),
        (
            "length",
            &[("TOMATL_SIM_LENGTH_WIDTH", "14")][..],
            "length: TOMATL_ERR_LENGTH",
        ),
        (
            "width-mismatch",
            &[("TOMATL_SIM_LENGTH_WIDTH", "14")][..],
            "width-mismatch: TOMATL_ERR_DMA_INTERNAL",
        ),
        ("align", &[][..], "align: TOMATL_ERR_ALIGN"),
        ("decode", &[][..], "decode: TOMATL_ERR_DMA_DECODE"),
    ] {
        let out = scenario(name, env);
        assert!(out.starts_with(want), "{name}: expected {want}, got {out}");
    }
    // the same transfer with the DMA's 26 bits goes through
    let out = scenario("width-mismatch", &[]);
    assert!(out.starts_with("width-mismatch: TOMATL_OK"), "{out}");
    // the long frame is S2MM's DMAIntErr with the buffer full
    let out = scenario("long", &[]);
    assert!(out.contains("DMASR 0x"), "{out}");
    let dmasr = u32::from_str_radix(&out[out.find("DMASR 0x").expect("dmasr") + 8..][..8], 16)
        .expect("hex");
    assert_eq!(dmasr & 0x11, 0x11, "Halted and DMAIntErr: {out}");

    pynq_driver(&s);
    cross_compile(&s);
}

/// The Python driver's PYNQ back end on the same simulated system, through
/// the stand-in `pynq` package: the .hwh check (missing, swapped widths),
/// then the selftest bit for bit.
fn pynq_driver(s: &Setup) {
    need("python3", "python3-numpy");
    let hwh = |mm2s: usize, s2mm: usize| {
        format!(
            "<?xml version=\"1.0\"?>\n<EDKSYSTEM><MODULES>\n<MODULE INSTANCE=\"dma\" MODTYPE=\"axi_dma\" VLNV=\"xilinx.com:ip:axi_dma:7.1\"><PARAMETERS>\n<PARAMETER NAME=\"C_INCLUDE_SG\" VALUE=\"0\"/>\n<PARAMETER NAME=\"C_SG_LENGTH_WIDTH\" VALUE=\"26\"/>\n<PARAMETER NAME=\"C_M_AXIS_MM2S_TDATA_WIDTH\" VALUE=\"{mm2s}\"/>\n<PARAMETER NAME=\"C_S_AXIS_S2MM_TDATA_WIDTH\" VALUE=\"{s2mm}\"/>\n</PARAMETERS></MODULE>\n</MODULES></EDKSYSTEM>\n"
        )
    };
    let (i, o) = (s.design.input.tdata_bits, s.design.output.tdata_bits);
    assert_ne!(i, o, "the swapped-width check needs different widths");
    let pdir = s.dir.join("pynq");
    std::fs::create_dir_all(&pdir).expect("pynq dir");
    std::fs::write(pdir.join("good.bit"), b"bitstream placeholder").expect("bit");
    std::fs::write(pdir.join("good.hwh"), hwh(i, o)).expect("hwh");
    std::fs::write(pdir.join("swapped.bit"), b"bitstream placeholder").expect("bit");
    std::fs::write(pdir.join("swapped.hwh"), hwh(o, i)).expect("hwh");
    std::fs::write(pdir.join("lonely.bit"), b"bitstream placeholder").expect("bit");
    let script = r#"
import sys
from tomatl_driver.hal_pynq import PynqAccelerator, HwhMismatch, HwhMissing
d, manifest, vec = sys.argv[1:4]
for name, err in (("lonely", HwhMissing), ("swapped", HwhMismatch)):
    try:
        PynqAccelerator(f"{d}/{name}.bit", manifest)
        print(f"{name}: no error")
    except err as e:
        print(f"{name}: {type(e).__name__}: {e}")
acc = PynqAccelerator(f"{d}/good.bit", manifest)
r = acc.selftest(f"{vec}/input.npy", f"{vec}/expected.npy")
print(r)
sys.exit(0 if r.ok else 1)
"#;
    let path = format!(
        "{}:{}",
        dma_dir().join("fake_pynq").display(),
        repo_root().join("templates/driver").display()
    );
    let out = run(Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&pdir)
        .arg(s.dir.join("D/design.json"))
        .arg(&s.vectors)
        .current_dir(&s.rtl)
        .env("PYTHONPATH", path)
        .env("TOMATL_SIM_LIB", s.sim.join("libtomatl_sim.so")));
    assert!(out.contains("lonely: HwhMissing"), "{out}");
    assert!(
        out.contains("swapped: HwhMismatch") && out.contains("C_M_AXIS_MM2S_TDATA_WIDTH"),
        "{out}"
    );
    let frames = out.lines().filter(|l| l.starts_with("ok   frame ")).count();
    assert_eq!(frames, FRAMES, "{out}");
    assert!(out.contains("selftest passed"), "{out}");
}

#[test]
fn small_cnn_selftest() {
    let dir = scratch("soc_drivers_cnn_net");
    std::fs::create_dir_all(&dir).expect("scratch");
    let net = dir.join("small_cnn.yaml");
    std::fs::write(&net, SMALL_CNN).expect("net");
    let s = setup("cnn", &net);
    build_sim(&s);
    selftests(&s);
}

/// The driver for both Zynq CPUs, the bare-metal HAL against the BSP
/// stand-ins, the Makefile, and the overlay.
fn cross_compile(s: &Setup) {
    for (cc, package) in [
        ("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu"),
        ("arm-linux-gnueabihf-gcc", "gcc-arm-linux-gnueabihf"),
    ] {
        need(cc, package);
        let prefix = cc.trim_end_matches("gcc");
        let out = s.dir.join(format!("cross-{prefix}"));
        let _ = std::fs::remove_dir_all(&out);
        // the package's own Makefile, in a copy of the folder
        run(Command::new("cp").arg("-r").arg(&s.driver).arg(&out));
        run(Command::new("make")
            .arg("-C")
            .arg(&out)
            .arg(format!("CROSS_COMPILE={prefix}")));
        assert!(out.join("tomatl_selftest").is_file() && out.join("libtomatl.a").is_file());
        let file = run(Command::new("file").arg(out.join("tomatl_selftest")));
        let arch = if prefix.starts_with("aarch64") {
            "aarch64"
        } else {
            "ARM"
        };
        assert!(file.contains(arch), "{file}");
        run(Command::new(cc)
            .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-c", "-o"])
            .arg(out.join("hal_baremetal.o"))
            .arg(format!("-I{}", s.driver.display()))
            .arg(format!("-I{}", dma_dir().display()))
            .arg(s.driver.join("hal_baremetal.c")));
    }
    need("dtc", "device-tree-compiler");
    run(Command::new("dtc")
        .args(["-@", "-I", "dts", "-O", "dtb", "-o"])
        .arg(s.dir.join("tomatl.dtbo"))
        .arg(s.driver.join("tomatl.dtso")));
    let back = run(Command::new("dtc")
        .args(["-I", "dtb", "-O", "dts"])
        .arg(s.dir.join("tomatl.dtbo")));
    // at the addresses the block design gives them (bd.tcl)
    let board = tomatl::plan::load_board("pynq-z2").expect("board");
    let base = tomatl::build::vivado::zynq_board(&board)
        .expect("zynq")
        .ctrl_base;
    let ip = base + tomatl::build::vivado::IP_OFFSET;
    for want in [
        "generic-uio".to_string(),
        "ikwzm,u-dma-buf".to_string(),
        format!("tomatl_dma@{base:x}"),
        format!("tomatl_accel@{ip:x}"),
    ] {
        assert!(back.contains(&want), "{want} in\n{back}");
    }
}
