//! `tomatl verify --netlist`: the netlist the YoWASP Yosys synthesises
//! from a design, simulated in Verilator with that Yosys's own cell models,
//! against the golden model; and what it refuses.

mod common;

use std::path::{Path, PathBuf};

use common::{scratch, tomatl, TINY_NET};

/// The tiny network generated in a fresh scratch folder (for `board` when
/// given); the folder the commands run in.
fn tiny(name: &str, board: Option<&str>) -> PathBuf {
    let dir = scratch(&format!("netlist_{name}"));
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("net.yaml"), TINY_NET).expect("write net");
    let mut args = vec!["generate", "net.yaml", "-o", "design"];
    if let Some(b) = board {
        args.extend(["--board", b]);
    }
    let o = tomatl(&args, &dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    dir
}

/// `tomatl verify design --netlist ARGS --json` in `dir`: the exit code,
/// the report and stderr.
fn verify(dir: &Path, args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let mut all = vec!["verify", "design", "--netlist", "--json"];
    all.extend(args);
    let o = tomatl(&all, dir);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let r = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (o.status.code(), r, stderr)
}

/// The iCE40 netlist of a board design (`synth_ice40 -dsp`: SB_MAC16
/// products, carry chains, LUT ROMs) computes what the golden model
/// computes, under stalls, at the planned interval; a second run reuses
/// the netlist and the model. Slow (`make verify-all`): `build_flow.rs`
/// verifies the iCE40 netlist of the jet tagger's board design under
/// stalls in `make test`.
#[test]
#[ignore = "slow: make verify-all"]
fn ice40_netlist_matches_the_golden_model() {
    let dir = tiny("ice40", Some("icebreaker"));
    let (code, r, stderr) = verify(&dir, &["--frames", "40", "--stall", "0.2"]);
    assert_eq!(code, Some(0), "{stderr}\n{r}");
    assert_eq!(r["pass"], true, "{r}");
    assert_eq!(r["backend"], "netlist");
    assert_eq!(r["mismatches"], 0);
    assert_eq!(r["frames_received"], 40);
    let n = &r["netlist"];
    assert_eq!(n["target"], "ice40", "{n}");
    assert_eq!(n["synth"], "synth_ice40 -dsp -top net_top", "{n}");
    assert!(n["yosys"].as_str().unwrap_or("").contains("Yosys"), "{n}");
    assert_eq!(n["cell_models"][0], "ice40/cells_sim.v");
    assert!(n["cells"]["SB_MAC16"].as_u64().unwrap_or(0) > 0, "{n}");
    assert!(n["cells"]["SB_LUT4"].as_u64().unwrap_or(0) > 50, "{n}");
    let netlist = dir
        .join("design")
        .join(n["netlist"].as_str().unwrap_or("?"));
    let text = std::fs::read_to_string(&netlist).expect("netlist written");
    assert!(text.contains("module net_top") && text.contains("SB_MAC16"));
    // the record next to the design says what was simulated
    let saved: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("design").join("verify.json")).expect("verify.json"),
    )
    .expect("json");
    assert_eq!(saved["backend"], "netlist");
    // nothing changed: neither synthesis nor the Verilator build reruns
    let (code, r, stderr) = verify(&dir, &["--frames", "16"]);
    assert_eq!(code, Some(0), "{stderr}\n{r}");
    assert_eq!(r["netlist"]["synth_seconds"], 0.0, "{r}");
    assert!(
        r["netlist"]["build_seconds"].as_f64().unwrap_or(99.0) < 5.0,
        "{r}"
    );
    // the plain line names the netlist and the Yosys
    let o = tomatl(&["verify", "design", "--netlist", "--frames", "8"], &dir);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("PASS "), "{out}");
    assert!(
        out.contains("netlist: sim/netlist/ice40/netlist.v (synth_ice40 -dsp"),
        "{out}"
    );
}

/// A ROM image Yosys cannot read is Yosys's error, named, not a netlist
/// without weights.
#[test]
fn a_missing_rom_image_is_a_clear_error() {
    let dir = tiny("missing_rom", None);
    std::fs::remove_file(dir.join("design/rtl/a_weights.mem")).expect("remove");
    let (code, _, stderr) = verify(&dir, &["--frames", "8"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("Yosys `synth -flatten -noabc`"), "{stderr}");
    assert!(
        stderr.contains("a_weights.mem") && stderr.contains("readmemh"),
        "{stderr}"
    );
}

/// `--family` needs `--netlist`, and `--netlist` is not a C simulation.
#[test]
fn netlist_flags_are_checked() {
    let dir = tiny("flags", None);
    for args in [
        &["verify", "design", "--family", "ice40"][..],
        &["verify", "design", "--netlist", "--backend", "hls"],
        &["verify", "design", "--netlist", "--family", "cyclonev"],
    ] {
        let o = tomatl(args, &dir);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
    let o = tomatl(&["verify", "--help"], &dir);
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(
        help.contains("--netlist") && help.contains("--family"),
        "{help}"
    );
}

/// A ROM image edited after `generate`: the RTL and its netlist read the
/// edited weights, the golden model the network's, and the netlist verify
/// fails with mismatches, as the RTL verify does.
#[test]
#[ignore = "slow: make verify-all"]
fn an_edited_rom_fails_after_synthesis() {
    let dir = tiny("edited_rom", Some("icebreaker"));
    let mem = dir.join("design/rtl/b_weights.mem");
    let text = std::fs::read_to_string(&mem).expect("rom");
    // flip the low bit of the first weight word
    let first = text.lines().next().expect("a word").trim().to_string();
    let last = first
        .chars()
        .last()
        .and_then(|c| c.to_digit(16))
        .expect("hex");
    let flipped = format!("{}{:x}", &first[..first.len() - 1], last ^ 1);
    std::fs::write(&mem, text.replacen(&first, &flipped, 1)).expect("edit");
    let opts = tomatl::sim::VerifyOptions {
        frames: 16,
        ..Default::default()
    };
    let r = tomatl::sim::verify_netlist(&dir.join("design"), &opts, None).expect("runs");
    assert!(!r.pass && r.mismatches > 0, "{}", r.line());
}

/// The other families: ECP5 (LUT multipliers and LUT RAM, Yosys having no
/// MULT18X18D and DP16KD models), 7-series (DSP48E1, CARRY4, RAM32M) and
/// the generic gates.
#[test]
#[ignore = "slow: make verify-all"]
fn ecp5_xilinx_and_generic_netlists_match_the_golden_model() {
    let dir = tiny("families", Some("ulx3s-85f"));
    for (family, cell) in [
        ("ecp5", "CCU2C"),
        ("xc7", "DSP48E1"),
        ("generic", "$_DFF_P_"),
    ] {
        let (code, r, stderr) = verify(&dir, &["--family", family, "--frames", "24"]);
        assert_eq!(code, Some(0), "{family}: {stderr}\n{r}");
        assert_eq!(r["netlist"]["target"], family);
        assert!(
            r["netlist"]["cells"][cell].as_u64().unwrap_or(0) > 0,
            "{family}: {r}"
        );
    }
}

/// The jet_tagger folded to 64 cycles, its first layer on its own (pow2
/// weights, a 16-lane adder tree of 17 bits): the generic netlist, whose
/// ABC mapping (`&nf` on the choices of `&dch -f`, YoWASP Yosys 0.70)
/// inverted the sum's sign bit, computes what the golden model computes.
#[test]
fn generic_netlist_of_jet_tagger_first_layer_folded() {
    let g = tomatl::frontend::load(&common::example("jet_tagger.yaml")).expect("load");
    let dir = scratch("netlist_jet_tagger_fc1");
    let fold = tomatl::plan::Fold::Auto {
        target_cycles: Some(64),
    };
    common::generate(&g.prefix(0), fold, &dir);
    let opts = tomatl::sim::VerifyOptions {
        frames: 4,
        ..Default::default()
    };
    let target = tomatl::sim::netlist::Target::Generic;
    let r = tomatl::sim::verify_netlist(&dir, &opts, Some(target)).expect("runs");
    assert!(r.pass, "{}", r.line());
    let n = r.netlist.expect("netlist info");
    assert!(n.synth.contains("&dch,-f;&put;map"), "{}", n.synth);
}

/// The whole jet_tagger folded to 64 cycles: its generic netlist passes,
/// as its RTL and its iCE40 netlist do.
#[test]
#[ignore = "slow: make verify-all"]
fn generic_netlist_of_jet_tagger_folded() {
    let dir = scratch("netlist_jet_tagger_64");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let net = common::example("jet_tagger.yaml");
    let net = net.to_str().expect("utf-8 path");
    let o = tomatl(
        &[
            "generate",
            net,
            "-o",
            "design",
            "--fold",
            "auto",
            "--target-cycles",
            "64",
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (code, r, stderr) = verify(&dir, &["--family", "generic", "--frames", "8"]);
    assert_eq!(code, Some(0), "{stderr}\n{r}");
    assert_eq!(r["pass"], true, "{r}");
    assert_eq!(r["netlist"]["target"], "generic", "{r}");
}
