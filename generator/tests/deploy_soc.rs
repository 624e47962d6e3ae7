//! `tomatl build` for the boards with a processor (pynq-z2, zcu104,
//! kv260, ultra96v2: Vivado; de10-nano: Quartus): the deployment package,
//! its manifest against docs/manifest.schema.json, every file against its
//! hash, no path outside the package, and the README's walkthrough
//! followed up to where the vendor's tool or the board is needed.
//!
//! Vivado and Quartus cannot run here. Without them the build writes the
//! package and says so. With a stand-in on the variable that names the
//! tool (`TOMATL_VIVADO`, `TOMATL_QUARTUS_SH`: a shell script that records
//! how it was called and writes the files the real flow would, not the
//! flow itself, whose scripts vivado_tcl.rs and quartus_tcl.rs check
//! against recording stubs) the build runs the package's Makefile in
//! `OUT/build/<board>/` and the bitstream joins the package.

mod common;

use ndarray_npy::ReadNpyExt;
use std::path::Path;
use std::process::Command;

use common::{example, scratch, tomatl};

/// The blocks of the README after `<!-- step: WHERE -->`.
fn steps<'a>(readme: &'a str, wher: &str) -> Vec<&'a str> {
    let marker = format!("<!-- step: {wher} -->");
    readme
        .split(&marker)
        .skip(1)
        .filter_map(|rest| {
            let body = rest.split_once("```sh\n")?.1;
            Some(body.split_once("```")?.0)
        })
        .collect()
}

/// `python3 -m tomatl_driver check --manifest manifest.json` in `pkg`.
fn driver_check(pkg: &Path) -> std::process::Output {
    Command::new("python3")
        .args([
            "-m",
            "tomatl_driver",
            "check",
            "--manifest",
            "manifest.json",
        ])
        .current_dir(pkg)
        .output()
        .expect("python3")
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).expect("json")
}

/// Generate the jet tagger for `board`, build it as the user would with
/// no vendor tool, and check the package.
fn check(board: &str) {
    check_net("jet_tagger", board);
}

/// The same for the example `net`.
fn check_net(net: &str, board: &str) {
    check_file(&example(&format!("{net}.yaml")), net, board);
}

/// The same for the network description `path`, in scratch folder
/// `deploy_<tag>_<board>`.
fn check_file(path: &Path, tag: &str, board: &str) {
    let dir = scratch(&format!("deploy_{tag}_{board}"));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let net = path.to_string_lossy();
    let o = tomatl(&["generate", &net, "-o", "design", "--board", board], &dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = Command::new(env!("CARGO_BIN_EXE_tomatl"))
        .args(["build", "design"])
        .current_dir(&dir)
        .env_remove("TOMATL_VIVADO")
        .env_remove("TOMATL_QUARTUS_SH")
        .output()
        .expect("tomatl build");
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let zynq = board != "de10-nano";
    let tool = if zynq { "Vivado" } else { "Quartus" };
    assert!(
        said.contains(&format!(
            "{tool} is not on PATH: no bitstream was built here"
        )),
        "the build says plainly that {tool} did not run: {said}"
    );

    let pkg = dir.join("design").join("deploy").join(board);
    let manifest = pkg.join("manifest.json");
    common::assert_manifest_schema(&manifest);
    let m = json(&std::fs::read(&manifest).expect("manifest.json"));
    let d = json(&std::fs::read(dir.join("design").join("design.json")).expect("design.json"));
    assert_eq!(m["board"], board);
    assert_eq!(m["input"], d["input"]);
    assert_eq!(m["output"], d["output"]);
    assert_eq!(m["registers"], d["registers"]);
    // the DMA's channels carry the accelerator's words, each its own way
    assert_eq!(m["dma"]["mm2s_tdata_bits"], d["input"]["tdata_bits"]);
    assert_eq!(m["dma"]["s2mm_tdata_bits"], d["output"]["tdata_bits"]);
    // the AXI DMA's c_sg_length_width; log2 of the mSGDMAs' MAX_BYTE (one
    // MiB for the jet tagger's small frames)
    assert_eq!(m["dma"]["length_width"], if zynq { 26 } else { 20 });
    assert_eq!(m["host"], if zynq { "axi-dma" } else { "msgdma" });
    let base = m["bitstream"]
        .as_str()
        .expect("bitstream")
        .rsplit_once('.')
        .expect("extension")
        .0
        .to_string();
    if zynq {
        assert_eq!(m["hwh"].as_str(), Some(format!("{base}.hwh").as_str()));
        // the project names the DMA as the manifest does (PYNQ finds it
        // by that name in the .hwh)
        let bd = std::fs::read_to_string(pkg.join("vivado").join("bd.tcl")).expect("bd.tcl");
        let mm2s = m["dma"]["mm2s"].as_str().expect("mm2s");
        assert!(
            bd.contains(&format!("axi_dma:*] {mm2s}]")),
            "{mm2s} in bd.tcl"
        );
    } else {
        let qsys =
            std::fs::read_to_string(pkg.join("quartus").join("soc_system.tcl")).expect("qsys");
        for ch in ["mm2s", "s2mm"] {
            let name = m["dma"][ch].as_str().expect(ch);
            assert!(qsys.contains(name), "{name} in soc_system.tcl");
        }
    }
    // every file of the package is listed with its hash, and the design's
    // Verilog and ROMs are the design folder's
    let files = m["files"].as_object().expect("files");
    let on_disk: Vec<String> = common::read_tree(&pkg)
        .into_keys()
        .filter(|rel| rel != "manifest.json" && rel != "tomatl-manifest.json")
        .collect();
    let mut listed: Vec<String> = files.keys().cloned().collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "the manifest lists exactly the package's files"
    );
    let root = dir.to_string_lossy().into_owned();
    for (rel, sha) in files {
        let bytes = std::fs::read(pkg.join(rel)).expect(rel);
        assert_eq!(
            Some(tomatl::output::sha256_hex(&bytes).as_str()),
            sha.as_str(),
            "{rel}"
        );
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&root),
            "{rel} names a path outside the package"
        );
        if let Some(name) = rel.strip_prefix("rtl/") {
            let ours = std::fs::read(dir.join("design").join("rtl").join(name)).expect(name);
            assert_eq!(ours, bytes, "{rel} is the design's");
        }
    }

    // the README, followed: each step on this machine runs in the package
    // as it is written; the vendor's and the board's steps name files the
    // package has
    let readme = std::fs::read_to_string(pkg.join("README.md")).expect("README.md");
    let here = steps(&readme, "host");
    assert!(!here.is_empty(), "{readme}");
    for block in here {
        let o = Command::new("sh")
            .args(["-ec", block])
            .current_dir(&pkg)
            .output()
            .expect("sh");
        assert!(
            o.status.success(),
            "{board}: README step `{block}`: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let vendor = steps(&readme, "vendor").join("\n");
    let project = if zynq { "vivado" } else { "quartus" };
    assert!(vendor.contains(&format!("make -C {project}")), "{vendor}");
    assert!(pkg.join(project).join("Makefile").is_file());
    let board_steps = steps(&readme, "board").join("\n");
    assert!(
        board_steps.contains(m["bitstream"].as_str().expect("bitstream")),
        "{board_steps}"
    );
    assert!(pkg.join("driver/c/tomatl_design.h").is_file());
    if !zynq {
        // the bridges are looked at before the selftest, which checks them
        assert!(
            board_steps.contains("/sys/class/fpga_bridge"),
            "{board_steps}"
        );
        assert!(
            board_steps.contains("tomatl_driver selftest"),
            "{board_steps}"
        );
        assert!(
            board_steps.contains("driver/c/tomatl_selftest test"),
            "{board_steps}"
        );
        let header = std::fs::read_to_string(pkg.join("driver/c/tomatl_design.h")).expect("h");
        assert!(header.contains("#define TOMATL_DMA_MSGDMA 1"), "{header}");
        assert!(pkg.join("driver/c/tomatl_dma_msgdma.c").is_file());
        assert!(!pkg.join("driver/c/tomatl_dma_axi.c").exists());
        assert!(pkg.join("tomatl_driver/hal_hps.py").is_file());
        assert!(!readme.contains("no selftest"), "{readme}");
    }
    {
        if zynq {
            assert!(board_steps.contains("tomatl_driver selftest --bitfile"));
        }
        // the C driver the README cross-compiled is for the board's CPU
        let arch = Command::new("file")
            .arg(pkg.join("driver/c/tomatl_selftest"))
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        let cpu = if m["family"] == "xilinx_ultrascale" {
            "aarch64"
        } else {
            "ARM,"
        };
        assert!(arch.contains(cpu), "{board}: {arch}");
        // the cross-compiled files are not the package's: check says so
        let o = driver_check(&pkg);
        assert!(
            o.status.success(),
            "objects beside the sources are not checked"
        );
    }
    // a changed file is named
    let victim = pkg.join("test").join("expected.npy");
    let mut bytes = std::fs::read(&victim).expect("expected.npy");
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&victim, &bytes).expect("write");
    let o = driver_check(&pkg);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("test/expected.npy"));
}

#[test]
fn pynq_z2_package() {
    check("pynq-z2");
}

#[test]
fn zcu104_package() {
    check("zcu104");
}

#[test]
fn kv260_package() {
    check("kv260");
}

#[test]
fn ultra96v2_package() {
    check("ultra96v2");
}

#[test]
fn de10_nano_package() {
    check("de10-nano");
}

/// A network whose output has a rounding mode, narrow range and ONNX's
/// order (`order: chw`): its manifest still meets the schema, and the
/// golden vectors are in the order the drivers deliver.
#[test]
fn a_rounded_narrow_chw_output_package() {
    let dir = scratch("deploy_chw_net");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let net = dir.join("chw.yaml");
    std::fs::write(
        &net,
        "name: chw\ninput: {shape: [2, 3, 2], type: {bits: 6, signed: true, frac: 2}}\nparams: {random: {seed: 4}}\npolicy:\n  default: {weights: {arith: fixed, bits: 4}, acts: {bits: 6, signed: true, frac: 2, round: half_even, narrow: true}}\nlayers:\n  - {name: c, op: conv, out: 3, kernel: 1}\n  - {name: f, op: flatten, order: chw}\n",
    )
    .expect("net");
    check_file(&net, "chw", "pynq-z2");
    let pkg =
        common::repo_root().join("target/test-designs/deploy_chw_pynq-z2/design/deploy/pynq-z2");
    let m = json(&std::fs::read(pkg.join("manifest.json")).expect("manifest"));
    assert_eq!(m["output"]["chw"], serde_json::json!([2, 3, 3]));
    assert_eq!(m["output"]["type"]["narrow"], true);
    let g = tomatl::frontend::load(&net).expect("net");
    let x: ndarray::ArrayD<i64> =
        ndarray_npy::read_npy(pkg.join("test/input.npy")).expect("input.npy");
    let frames = x.len() / 12;
    let x = x.into_shape_with_order((frames, 12)).expect("frames");
    // check_file flipped the file's last bit to see the driver's check name it
    let mut bytes = std::fs::read(pkg.join("test/expected.npy")).expect("expected.npy");
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let y = ndarray::ArrayD::<i64>::read_npy(&bytes[..]).expect("expected.npy");
    let host = g.to_host_order(tomatl::golden::run(&g, x.view()).view());
    assert_eq!(
        y.iter().copied().collect::<Vec<_>>(),
        host.iter().copied().collect::<Vec<_>>()
    );
}

/// Every example that fits each SoC board: its package, built and
/// checked as above, the README's host steps run (make verify-all).
#[test]
#[ignore = "slow: make verify-all"]
fn every_example_that_fits_every_soc_board() {
    for board in ["pynq-z2", "zcu104", "kv260", "ultra96v2", "de10-nano"] {
        for net in common::examples_that_fit(board) {
            check_net(&net, board);
        }
    }
}

/// A stand-in for the vendor's tool: records its arguments and writes what
/// the real flow leaves beside the manifest.
fn stand_in(dir: &Path, outputs: &[String]) -> std::path::PathBuf {
    let script = dir.join("vendor-tool");
    let mut text = String::from("#!/bin/sh\necho \"$0 $*\" >> \"$(dirname \"$0\")/calls.log\"\n");
    for o in outputs {
        text.push_str(&format!("echo 'stand-in output' > ../{o}\n"));
    }
    std::fs::write(&script, text).expect("write stand-in");
    let _ = Command::new("chmod").arg("+x").arg(&script).status();
    script
}

/// With the tool found, the build runs the package's Makefile in a copy
/// of the package (OUT/build/<board>/), and the bitstream (and the Zynq's
/// `.hwh`) join the package under one basename, listed with their hashes.
#[test]
fn a_vendor_tool_on_path_builds_into_the_package() {
    for (board, var) in [
        ("pynq-z2", "TOMATL_VIVADO"),
        ("de10-nano", "TOMATL_QUARTUS_SH"),
    ] {
        let dir = scratch(&format!("deploy_tool_{board}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let net = example("jet_tagger.yaml");
        let o = tomatl(
            &[
                "generate",
                &net.to_string_lossy(),
                "-o",
                "design",
                "--board",
                board,
            ],
            &dir,
        );
        assert!(o.status.success());
        let d = json(&std::fs::read(dir.join("design").join("design.json")).expect("design.json"));
        let base = format!(
            "{}_{}_{:08x}",
            d["name"].as_str().expect("name"),
            board.replace('-', "_"),
            d["net_hash"].as_u64().expect("hash")
        );
        let outputs: Vec<String> = if var == "TOMATL_VIVADO" {
            vec![format!("{base}.bit"), format!("{base}.hwh")]
        } else {
            // quartus_sh compiles; quartus_cpf (beside it) converts
            vec![format!("{base}.rbf")]
        };
        let tool = stand_in(&dir, &outputs);
        if var == "TOMATL_QUARTUS_SH" {
            for t in ["qsys-script", "qsys-generate", "quartus_cpf"] {
                std::fs::copy(&tool, dir.join(t)).expect("copy");
                let _ = Command::new("chmod").arg("+x").arg(dir.join(t)).status();
            }
        }
        let o = Command::new(env!("CARGO_BIN_EXE_tomatl"))
            .args(["build", "design", "--json"])
            .current_dir(&dir)
            .env(var, &tool)
            .output()
            .expect("tomatl build");
        assert!(
            o.status.success(),
            "{board}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let r = json(&o.stdout);
        let pkg = dir.join("design").join("deploy").join(board);
        let bit =
            std::fs::canonicalize(pkg.join(&outputs[0])).expect("the bitstream in the package");
        assert_eq!(
            r["bitstream"]
                .as_str()
                .map(|p| std::fs::canonicalize(p).expect("reported")),
            Some(bit)
        );
        let m = json(&std::fs::read(pkg.join("manifest.json")).expect("manifest"));
        for f in &outputs {
            assert!(m["files"][f.as_str()].is_string(), "{f} listed: {m}");
        }
        common::assert_manifest_schema(&pkg.join("manifest.json"));
        let calls = std::fs::read_to_string(dir.join("calls.log")).expect("the tool ran");
        let script = if var == "TOMATL_VIVADO" {
            "-source build.tcl"
        } else {
            format!("-t {base}.tcl").leak()
        };
        assert!(calls.contains(script), "{board}: {calls}");
        assert!(dir
            .join("design")
            .join("build")
            .join(board)
            .join("build.log")
            .is_file());
    }
}
