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

use std::process::Command;

use common::soc::*;
use common::{examples_that_fit, repo_root, scratch};

#[test]
fn jet_tagger_selftest_and_error_paths() {
    let s = setup(
        "jet",
        &repo_root().join("examples/jet_tagger.yaml"),
        "pynq-z2",
        false,
    );
    build_sim(&s);
    selftests(&s);

    let exe = build_c(&s, "dma_errors", &[dma_dir().join("dma_errors.c")]);
    let scenario = |name: &str, env: &[(&str, &str)]| dma_scenario(&s, &exe, name, env);
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

    let (i, o) = (s.design.input.tdata_bits, s.design.output.tdata_bits);
    assert_ne!(i, o, "the swapped-width check needs different widths");
    pynq_driver(&s);
    cross_compile(&s, "pynq-z2");
    packing_on_the_board_cpus(&s);
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
    let pdir = s.dir.join("pynq");
    std::fs::create_dir_all(&pdir).expect("pynq dir");
    std::fs::write(pdir.join("good.bit"), b"bitstream placeholder").expect("bit");
    std::fs::write(pdir.join("good.hwh"), hwh(i, o)).expect("hwh");
    std::fs::write(pdir.join("swapped.bit"), b"bitstream placeholder").expect("bit");
    std::fs::write(pdir.join("swapped.hwh"), hwh(o, i)).expect("hwh");
    std::fs::write(pdir.join("lonely.bit"), b"bitstream placeholder").expect("bit");
    let script = r#"
import sys
import pynq
from tomatl_driver.hal_pynq import PynqAccelerator, HwhMismatch, HwhMissing
d, manifest, vec = sys.argv[1:4]
for name, err in (("lonely", HwhMissing), ("swapped", HwhMismatch)):
    try:
        PynqAccelerator(f"{d}/{name}.bit", manifest)
        print(f"{name}: no error")
    except err as e:
        print(f"{name}: {type(e).__name__}: {e}")
# timeouts in simulated time: the simulation is far slower than the board
acc = PynqAccelerator(f"{d}/good.bit", manifest, clock=pynq.sim_seconds)
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
    // with equal widths the swapped .hwh is the good one
    if i != o {
        assert!(
            out.contains("swapped: HwhMismatch") && out.contains("C_M_AXIS_MM2S_TDATA_WIDTH"),
            "{out}"
        );
    }
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
    let s = setup("cnn", &net, "pynq-z2", false);
    build_sim(&s);
    selftests(&s);
    packing_on_the_board_cpus(&s);
}

/// An output flatten with `order: chw` (ONNX's order): the C driver
/// delivers the stream's HWC elements in (c, h, w) order, bit for bit
/// against `tomatl run` (which writes the host's order) through the
/// simulated board, with and without stalls.
#[test]
fn a_chw_output_is_delivered_in_onnx_order() {
    let dir = scratch("soc_drivers_chw_net");
    std::fs::create_dir_all(&dir).expect("scratch");
    let net = dir.join("chw.yaml");
    std::fs::write(
        &net,
        "name: chw
input: {shape: [3, 4, 2], type: {bits: 6, signed: true, frac: 2}}
params: {random: {seed: 8}}
policy:
  default: {weights: {arith: fixed, bits: 4}, acts: {bits: 7, signed: true, frac: 2}}
layers:
  - {name: c, op: conv, out: 3, kernel: 3, pad: same}
  - {name: f, op: flatten, order: chw}
",
    )
    .expect("net");
    let s = setup("chw", &net, "pynq-z2", false);
    assert_eq!(s.design.output.chw, Some([3, 4, 3]));
    let header = std::fs::read_to_string(s.driver.join("tomatl_design.h")).expect("header");
    assert!(header.contains("#define TOMATL_OUT_CHW_C 3u"), "{header}");
    build_sim(&s);
    selftests(&s);
}

/// The driver's packing on the boards' CPUs: `pack_check` (the driver's
/// tomatl_pack and tomatl_unpack) cross-compiled statically for both Zynq
/// CPUs runs under qemu-user (standing in for the boards' Cortex-A9 and
/// Cortex-A53) on the golden vectors; its bytes equal the host build's and
/// the Python driver's `packing.pack`, and unpack to the same codes.
fn packing_on_the_board_cpus(s: &Setup) {
    need("python3", "python3-numpy");
    let dir = s.dir.join("packing");
    std::fs::create_dir_all(&dir).expect("packing dir");
    let script = r#"
import json, sys
import numpy as np
from tomatl_driver.packing import Stream, pack
design, vec, out = sys.argv[1:4]
d = json.load(open(design))
for side, name in (("input", "input"), ("output", "expected")):
    s = Stream.from_json(d[side])
    codes = np.load(f"{vec}/{name}.npy").astype("<i8").reshape(-1, s.elems)
    codes.tofile(f"{out}/{side}.codes")
    pack(codes, s).tofile(f"{out}/{side}.python")
    print(codes.shape[0])
"#;
    let said = run(Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(s.dir.join("D/design.json"))
        .arg(&s.vectors)
        .arg(&dir)
        .env("PYTHONPATH", repo_root().join("templates/driver")));
    let frames = said.lines().next().expect("frames").to_string();
    // the driver's own sources: tomatl*.c but its selftest program
    let mut sources: Vec<std::path::PathBuf> = std::fs::read_dir(&s.driver)
        .expect("driver")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            name.is_some_and(|n| {
                n.starts_with("tomatl") && n.ends_with(".c") && n != "tomatl_selftest.c"
            })
        })
        .collect();
    sources.sort();
    sources.push(dma_dir().join("pack_check.c"));
    for (cc, runner, package) in [
        ("gcc", None, "gcc"),
        (
            "arm-linux-gnueabihf-gcc",
            Some("qemu-arm"),
            "gcc-arm-linux-gnueabihf",
        ),
        (
            "aarch64-linux-gnu-gcc",
            Some("qemu-aarch64"),
            "gcc-aarch64-linux-gnu",
        ),
    ] {
        need(cc, package);
        let exe = dir.join(format!("pack_check-{cc}"));
        run(Command::new(cc)
            .args(["-std=c99", "-O2", "-static", "-Wall", "-Wextra", "-Werror"])
            .arg(format!("-I{}", s.driver.display()))
            .args(&sources)
            .arg("-o")
            .arg(&exe));
        let mut cmd = match runner {
            Some(q) => {
                need(q, "qemu-user");
                let mut c = Command::new(q);
                c.arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        let tag = cc.trim_end_matches("-gcc");
        let packed = |side: &str| dir.join(format!("{side}.{tag}"));
        let out = run(cmd
            .arg(&frames)
            .arg(dir.join("input.codes"))
            .arg(dir.join("output.codes"))
            .arg(packed("input"))
            .arg(packed("output")));
        assert!(out.contains("round trip: PASS"), "{cc}: {out}");
        for side in ["input", "output"] {
            let ours = std::fs::read(packed(side)).expect("packed");
            let python = std::fs::read(dir.join(format!("{side}.python"))).expect("python");
            assert!(!ours.is_empty());
            assert_eq!(
                ours, python,
                "{cc}: the {side} frames pack as the Python driver packs them"
            );
        }
    }
}

/// The driver for both Zynq CPUs, the bare-metal HAL against the BSP
/// stand-ins, the Makefile, and the overlay.
fn cross_compile(s: &Setup, board: &str) {
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
    let board = tomatl::plan::load_board(board).expect("board");
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

/// Every example that fits each Zynq board, planned for the board: the
/// C and Python drivers' selftests on the Verilated design and the
/// cross-compiled driver (make verify-all; make test runs jet_tagger and
/// a small CNN).
#[test]
#[ignore = "slow: make verify-all"]
fn every_example_that_fits_every_zynq_board() {
    for board in ["pynq-z2", "zcu104", "kv260", "ultra96v2"] {
        for net in examples_that_fit(board) {
            let start = std::time::Instant::now();
            let s = setup(
                &format!("{net}_{board}"),
                &common::example(&format!("{net}.yaml")),
                board,
                true,
            );
            build_sim(&s);
            selftests(&s);
            pynq_driver(&s);
            cross_compile(&s, board);
            eprintln!("{board} {net}: {:.0} s", start.elapsed().as_secs_f64());
        }
    }
}

/// Several elements a beat of widths that are not bytes, padded words,
/// the input and output words of different widths: packed alike by the C
/// driver on both Zynq CPUs and by the Python driver.
#[test]
fn odd_widths_pack_alike_on_the_board_cpus() {
    let dir = scratch("soc_drivers_odd_net");
    std::fs::create_dir_all(&dir).expect("scratch");
    let net = dir.join("odd.yaml");
    std::fs::write(
        &net,
        "name: odd
input: {shape: [12], type: {bits: 5, signed: true, frac: 2}}
params: {random: {seed: 5}}
policy:
  default: {weights: {arith: fixed, bits: 4}, acts: {bits: 11, signed: true, frac: 3}}
layers:
  - {name: a, op: dense, out: 7}
",
    )
    .expect("net");
    let s = setup("odd", &net, "zcu104", false);
    let (i, o) = (&s.design.input, &s.design.output);
    assert!(i.elems_per_beat > 1 && o.elems_per_beat > 1, "{i:?} {o:?}");
    assert!(i.tdata_bits > i.data_bits() && o.tdata_bits > o.data_bits());
    assert_ne!(i.tdata_bits, o.tdata_bits);
    packing_on_the_board_cpus(&s);
}
