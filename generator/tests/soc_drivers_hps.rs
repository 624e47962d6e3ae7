//! The DE10-Nano's host drivers (Intel Cyclone V SoC) against the
//! Verilated accelerator.
//!
//! What cannot run here is stood in for: the board's Platform Designer
//! system (two `altera_msgdma` cores, packets, S2MM's memory-mapped
//! response port, on the lightweight HPS-to-FPGA bridge) by the
//! behavioural mSGDMA model of `testbenches/dma/msgdma_model.h` (CSR,
//! descriptor FIFO, SOP/EOP generation, end on EOP, response FIFO,
//! MAX_BYTE, random stream stalls) wired to the Verilated `<net>_top` and
//! built as a shared library (`tomatl_sim.h` with `TOMATL_SIM_MSGDMA`); the
//! Linux kernel (UIO, u-dma-buf, the CPU cache) by the simulated HAL
//! `testbenches/dma/hal_sim.c`; Linux's FPGA bridge class
//! (`/sys/class/fpga_bridge/*/{name,state}`) by fake sysfs trees under the
//! test's scratch folder, named by `TOMATL_FPGA_BRIDGE_ROOT`; `/dev/mem`
//! and u-dma-buf of the Python driver by `testbenches/dma/fake_hps`
//! (ctypes over the same library, named by `TOMATL_HPS_PLATFORM`).
//!
//! For jet_tagger and a small CNN generated with `--board de10-nano`: the
//! C driver's `tomatl_selftest` passes bit for bit on golden vectors from
//! `tomatl run`, also with random stalls, and fails when the HAL skips the
//! cache invalidate; the error paths (short frame, long frame, a transfer
//! over MAX_BYTE, an unaligned buffer, a timeout, a disabled bridge) each
//! give their named error; the package's Python driver passes its
//! selftest and raises its named errors for a disabled bridge and a
//! manifest whose DMA does not match; the package's Makefile
//! cross-compiles the driver with `arm-linux-gnueabihf-gcc -Wall -Wextra
//! -Werror`, and its overlay compiles with `dtc -@`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::soc::*;
use common::{repo_root, scratch};

const BOARD: &str = "de10-nano";

/// A fake `/sys/class/fpga_bridge`: the Cyclone V's four bridges, each
/// enabled but those named in `disabled`.
fn bridges(dir: &Path, disabled: &[&str]) -> PathBuf {
    let root = dir.join(format!("fpga_bridge-{}", disabled.join("-")));
    let _ = std::fs::remove_dir_all(&root);
    for (i, name) in ["hps2fpga", "lwhps2fpga", "fpga2hps", "fpga2sdram"]
        .iter()
        .enumerate()
    {
        let br = root.join(format!("br{i}"));
        std::fs::create_dir_all(&br).expect("bridge dir");
        std::fs::write(br.join("name"), format!("{name}\n")).expect("name");
        let state = if disabled.contains(name) {
            "disabled"
        } else {
            "enabled"
        };
        std::fs::write(br.join("state"), format!("{state}\n")).expect("state");
    }
    root
}

/// Generate `net` for the DE10-Nano, check its driver is the mSGDMA's and
/// build the simulated system.
fn hps_setup(name: &str, net: &Path) -> Setup {
    let s = setup(name, net, BOARD, true);
    assert!(is_msgdma(&s), "the DE10-Nano's driver drives the mSGDMAs");
    let names: Vec<String> = driver_sources(&s)
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    assert_eq!(
        names,
        ["tomatl.c", "tomatl_bridges.c", "tomatl_dma_msgdma.c"],
        "only the mSGDMA back end is in the package"
    );
    // the header's windows are the bridge's regions (soc_system.tcl)
    let header = std::fs::read_to_string(s.driver.join("tomatl_design.h")).expect("header");
    let lw = u64::from(tomatl::build::quartus::LW_BRIDGE_BASE);
    let at =
        |slave: &str| lw + u64::from(tomatl::build::quartus::region_offset(slave).expect(slave));
    let dma = at("msgdma_mm2s.csr");
    assert!(
        header.contains(&format!("#define TOMATL_DMA_PHYS 0x{dma:08x}u")),
        "{header}"
    );
    assert!(header.contains(&format!(
        "#define TOMATL_ACCEL_PHYS 0x{:08x}u",
        at("accel_0.s_axil")
    )));
    for (def, slave) in [
        ("S2MM_CSR", "msgdma_s2mm.csr"),
        ("S2MM_DESC", "msgdma_s2mm.descriptor_slave"),
        ("S2MM_RESPONSE", "msgdma_s2mm.response"),
    ] {
        assert!(
            header.contains(&format!(
                "#define TOMATL_MSGDMA_{def} 0x{:04x}u",
                at(slave) - dma
            )),
            "{def}: {header}"
        );
    }
    build_sim(&s);
    s
}

/// The C selftest: bit-exact, with stalls, and failing without the
/// invalidate; bridges enabled in a fake sysfs.
fn c_selftests(s: &Setup, exe: &Path) {
    let ok = bridges(&s.dir, &[]);
    let root = ok.to_string_lossy().into_owned();
    assert_selftest_passes(s, exe, &[("TOMATL_FPGA_BRIDGE_ROOT", &root)]);
    assert_selftest_passes(
        s,
        exe,
        &[
            ("TOMATL_FPGA_BRIDGE_ROOT", &root),
            ("TOMATL_SIM_STALL", "40"),
            ("TOMATL_SIM_SEED", "7"),
        ],
    );
    let o = selftest(
        s,
        exe,
        &[
            ("TOMATL_FPGA_BRIDGE_ROOT", &root),
            ("HAL_SIM_SKIP_INVALIDATE", "1"),
        ],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains(": FAIL"), "{out}");
}

#[test]
fn jet_tagger_on_the_de10_nano() {
    let s = hps_setup("hps_jet", &repo_root().join("examples/jet_tagger.yaml"));
    let exe = build_c(&s, "tomatl_selftest", &[s.driver.join("tomatl_selftest.c")]);
    c_selftests(&s, &exe);

    // a disabled bridge: the named error, the bridge and how to enable it
    for bridge in ["fpga2sdram", "lwhps2fpga"] {
        let off = bridges(&s.dir, &[bridge]);
        let o = selftest(
            &s,
            &exe,
            &[("TOMATL_FPGA_BRIDGE_ROOT", &off.to_string_lossy())],
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("TOMATL_ERR_BRIDGE"), "{err}");
        assert!(
            err.contains(&format!("bridge {bridge} (")) && err.contains("is disabled"),
            "{err}"
        );
        assert!(err.contains("bridge enable"), "how to enable it: {err}");
    }
    // the bridge the driver does not use may be off
    let o = selftest(
        &s,
        &exe,
        &[(
            "TOMATL_FPGA_BRIDGE_ROOT",
            &bridges(&s.dir, &["hps2fpga"]).to_string_lossy(),
        )],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    error_paths(&s);
    python_driver(&s);
    cross_compile(&s);
}

/// Every error path of `testbenches/dma/dma_errors.c` the mSGDMA has.
fn error_paths(s: &Setup) {
    let exe = build_c(s, "dma_errors", &[dma_dir().join("dma_errors.c")]);
    let root = bridges(&s.dir, &[]).to_string_lossy().into_owned();
    let scenario = |name: &str| dma_scenario(s, &exe, name, &[("TOMATL_FPGA_BRIDGE_ROOT", &root)]);
    let out_fb = (s.design.output.tdata_bits / 8 * s.design.output.beats_per_frame) as u32;
    for (name, want) in [
        ("short", "short: TOMATL_ERR_SHORT_FRAME"),
        ("long", "long: TOMATL_ERR_LONG_FRAME"),
        ("timeout", "timeout: TOMATL_ERR_TIMEOUT"),
        ("length", "length: TOMATL_ERR_LENGTH"),
        ("align", "align: TOMATL_ERR_ALIGN"),
    ] {
        let out = scenario(name);
        assert!(out.starts_with(want), "{name}: expected {want}, got {out}");
        let length: u32 = out
            .split(", LENGTH ")
            .nth(1)
            .and_then(|t| t.split(')').next())
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("no LENGTH in {out}"));
        match name {
            // S2MM's response: the frame's bytes, one beat short of the
            // descriptor the driver expected
            "short" => assert_eq!(length, out_fb, "{out}"),
            // early termination with the descriptor (one beat short) full
            "long" => assert_eq!(
                length,
                out_fb - (s.design.output.tdata_bits / 8) as u32,
                "{out}"
            ),
            _ => {}
        }
    }
    // the same transfer as `length` with the mSGDMAs' MAX_BYTE goes through
    let out = scenario("width-mismatch");
    assert!(out.starts_with("width-mismatch: TOMATL_OK"), "{out}");
}

/// The package's Python driver (`tomatl build`'s `tomatl_driver/`) on the
/// same simulated system through `fake_hps`: the selftest bit for bit,
/// failing without the invalidate, and the bridge and manifest checks.
fn python_driver(s: &Setup) {
    need("python3", "python3-numpy");
    let o = common::tomatl(&["build", "D"], &s.dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pkg = s.dir.join("D/deploy").join(BOARD);
    let manifest = pkg.join("manifest.json");
    assert!(pkg.join("tomatl_driver/hal_hps.py").is_file());
    let path = format!("{}:{}", pkg.display(), dma_dir().join("fake_hps").display());
    let ok = bridges(&s.dir, &[]);
    let py = |manifest: &Path, root: &Path, extra: &[(&str, &str)]| {
        Command::new("python3")
            .args(["-m", "tomatl_driver", "selftest", "--manifest"])
            .arg(manifest)
            .current_dir(&s.rtl)
            .env("PYTHONPATH", &path)
            .env("TOMATL_HPS_PLATFORM", "tomatl_fake_hps")
            .env("TOMATL_SIM_LIB", s.sim.join("libtomatl_sim.so"))
            .env("TOMATL_FPGA_BRIDGE_ROOT", root)
            .envs(extra.iter().copied())
            .output()
            .expect("python3")
    };
    let o = py(&manifest, &ok, &[]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let frames = out.lines().filter(|l| l.starts_with("ok   frame ")).count();
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest).expect("manifest")).expect("json");
    assert_eq!(
        frames as u64,
        m["selftest_frames"].as_u64().expect("frames"),
        "{out}"
    );
    assert!(
        out.contains("ok   bridges:") && out.contains("selftest passed"),
        "{out}"
    );
    // stale memory without the invalidate
    let o = py(&manifest, &ok, &[("TOMATL_FAKE_HPS_SKIP_INVALIDATE", "1")]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FAIL frame "), "{out}");
    // a disabled bridge
    let o = py(&manifest, &bridges(&s.dir, &["fpga2sdram"]), &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("BridgeDisabled: the FPGA bridge fpga2sdram") && err.contains("bridge enable"),
        "{err}"
    );
    // a manifest whose mSGDMAs carry each other's words
    let (i, o_bits) = (s.design.input.tdata_bits, s.design.output.tdata_bits);
    assert_ne!(i, o_bits, "the swapped-width check needs different widths");
    let mut swapped = m.clone();
    swapped["dma"]["mm2s_tdata_bits"] = o_bits.into();
    swapped["dma"]["s2mm_tdata_bits"] = i.into();
    let bad = pkg.join("swapped.json");
    std::fs::write(&bad, serde_json::to_vec(&swapped).expect("json")).expect("write");
    let o = py(&bad, &ok, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("ManifestMismatch") && err.contains("mm2s_tdata_bits"),
        "{err}"
    );
    let mut renamed = m.clone();
    renamed["dma"]["s2mm"] = "msgdma_1".into();
    std::fs::write(&bad, serde_json::to_vec(&renamed).expect("json")).expect("write");
    let o = py(&bad, &ok, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("ManifestMismatch") && err.contains("s2mm"),
        "{err}"
    );
    std::fs::remove_file(&bad).expect("rm");
}

/// The package's Makefile for the DE10-Nano's Cortex-A9, and its overlay.
fn cross_compile(s: &Setup) {
    need("arm-linux-gnueabihf-gcc", "gcc-arm-linux-gnueabihf");
    let out = s.dir.join("cross-arm");
    let _ = std::fs::remove_dir_all(&out);
    run(Command::new("cp").arg("-r").arg(&s.driver).arg(&out));
    let log = run(Command::new("make")
        .arg("-C")
        .arg(&out)
        .arg("CROSS_COMPILE=arm-linux-gnueabihf-"));
    assert!(log.contains("-Wall -Wextra -Werror"), "{log}");
    assert!(
        log.contains("tomatl_dma_msgdma.c") && log.contains("tomatl_bridges.c"),
        "{log}"
    );
    assert!(out.join("tomatl_selftest").is_file() && out.join("libtomatl.a").is_file());
    let file = run(Command::new("file").arg(out.join("tomatl_selftest")));
    assert!(file.contains("ARM,") && file.contains("32-bit"), "{file}");
    need("dtc", "device-tree-compiler");
    run(Command::new("dtc")
        .args(["-@", "-I", "dts", "-O", "dtb", "-o"])
        .arg(s.dir.join("tomatl.dtbo"))
        .arg(s.driver.join("tomatl.dtso")));
    let back = run(Command::new("dtc")
        .args(["-I", "dtb", "-O", "dts"])
        .arg(s.dir.join("tomatl.dtbo")));
    for want in [
        "generic-uio",
        "ikwzm,u-dma-buf",
        "tomatl_dma@ff201000",
        "tomatl_accel@ff200000",
    ] {
        assert!(back.contains(want), "{want} in\n{back}");
    }
}

#[test]
fn small_cnn_on_the_de10_nano() {
    let dir = scratch("soc_drivers_hps_cnn_net");
    std::fs::create_dir_all(&dir).expect("scratch");
    let net = dir.join("small_cnn.yaml");
    std::fs::write(&net, SMALL_CNN).expect("net");
    let s = hps_setup("hps_cnn", &net);
    let exe = build_c(&s, "tomatl_selftest", &[s.driver.join("tomatl_selftest.c")]);
    c_selftests(&s, &exe);
}

/// Every example of `examples/*.yaml` that fits the DE10-Nano (its board
/// plan succeeds), at the board's fold: the C and the Python selftests.
#[test]
#[ignore = "slow: make verify-all"]
fn every_example_that_fits_the_de10_nano() {
    let board = tomatl::plan::load_board(BOARD).expect("board");
    let mut names: Vec<PathBuf> = std::fs::read_dir(repo_root().join("examples"))
        .expect("examples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    names.sort();
    let mut ran = Vec::new();
    for net in names {
        let graph = tomatl::frontend::load(&net).expect("load");
        if tomatl::plan::plan_for_board(&graph, &board, None, None).is_err() {
            continue;
        }
        let stem = net
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let s = hps_setup(&format!("hps_all_{stem}"), &net);
        let exe = build_c(&s, "tomatl_selftest", &[s.driver.join("tomatl_selftest.c")]);
        let root = bridges(&s.dir, &[]).to_string_lossy().into_owned();
        assert_selftest_passes(&s, &exe, &[("TOMATL_FPGA_BRIDGE_ROOT", &root)]);
        let o = common::tomatl(&["build", "D"], &s.dir);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let pkg = s.dir.join("D/deploy").join(BOARD);
        let out = run(Command::new("python3")
            .args(["-m", "tomatl_driver", "selftest", "--manifest"])
            .arg(pkg.join("manifest.json"))
            .current_dir(&s.rtl)
            .env(
                "PYTHONPATH",
                format!("{}:{}", pkg.display(), dma_dir().join("fake_hps").display()),
            )
            .env("TOMATL_HPS_PLATFORM", "tomatl_fake_hps")
            .env("TOMATL_SIM_LIB", s.sim.join("libtomatl_sim.so"))
            .env("TOMATL_FPGA_BRIDGE_ROOT", &root));
        assert!(out.contains("selftest passed"), "{stem}: {out}");
        ran.push(stem);
    }
    assert!(
        ran.iter().any(|n| n == "jet_tagger"),
        "at least the jet tagger fits: {ran:?}"
    );
    eprintln!("selftests passed on the de10-nano for {ran:?}");
}
