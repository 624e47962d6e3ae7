//! `tomatl build`: real bitstreams with the open flow (YoWASP Yosys and
//! nextpnr): the jet tagger on the iCEBreaker and a small CNN on the
//! ULX3S, each unpacked again and compared with nextpnr's configuration,
//! placed within the device, at the board's clock, and within 25% of
//! tomatl's prediction; the netlist of each board's synthesis against the
//! golden model; each deployment package's selftest against the
//! Verilated board top; and the board files they are built from.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{scratch, tomatl, TINY_NET};

/// Pins of the bundled boards as a second source has them (the board
/// definitions of amaranth-boards: ulx3s.py, icebreaker.py).
#[test]
fn board_pins_match_the_board_schematics() {
    let check = |board: &str, clock: &str, rx: &str, tx: &str, leds: &[&str]| {
        let b = tomatl::plan::load_board(board).expect("board");
        let f = b.open_flow.expect("open flow");
        assert_eq!(
            (
                f.pins.clock.as_str(),
                f.pins.uart_rx.as_str(),
                f.pins.uart_tx.as_str()
            ),
            (clock, rx, tx),
            "{board}"
        );
        assert_eq!(f.pins.leds, leds, "{board}");
    };
    check(
        "ulx3s-85f",
        "G2",
        "M1",
        "L4",
        &["B2", "C2", "C1", "D2", "D1", "E2", "E1", "H3"],
    );
    check("icebreaker", "35", "6", "9", &["11", "37"]);
}

/// The configuration sections of a textual FPGA configuration (nextpnr's
/// `.asc`, iceunpack's): header line -> its lines, comments and empty
/// lines left out, all-zero tiles equal to absent ones.
fn sections(text: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut out = std::collections::BTreeMap::new();
    let mut key: Option<String> = None;
    let mut lines: Vec<String> = Vec::new();
    let mut flush = |key: &Option<String>, lines: &mut Vec<String>| {
        if let Some(k) = key {
            let zero = !lines.is_empty() && lines.iter().all(|l| l.chars().all(|c| c == '0'));
            // comments and `.sym` (a net's name) set no bits
            let comment = k.starts_with(".comment") || k.starts_with(".sym");
            if !(comment || zero) {
                out.insert(k.clone(), std::mem::take(lines));
            }
        }
        lines.clear();
    };
    for l in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if l.starts_with('.') {
            flush(&key, &mut lines);
            key = Some(l.to_string());
        } else {
            lines.push(l.to_string());
        }
    }
    flush(&key, &mut lines);
    out
}

/// Run a YoWASP tool in `dir` (it sees only that folder).
fn run_tool(dir: &std::path::Path, tool: &str, args: &[&str]) {
    let o = std::process::Command::new(tool)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    assert!(
        o.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The bitstream holds exactly nextpnr's configuration. iCE40: iceunpack's
/// text equals nextpnr's `.asc` (net names and comments aside). ECP5:
/// nextpnr's `.config` also names routing and modes that set no bits, so
/// it is packed again (uncompressed) and both bitstreams unpacked: the two
/// texts are equal.
fn unpacked_equals_nextpnr(build: &std::path::Path, board: &str, bitstream: &str) {
    // beside the build folder (which holds only what builds wrote), on
    // copies of the bitstream and nextpnr's configuration
    let b = &build.with_file_name(format!("{board}-unpack"));
    let _ = std::fs::remove_dir_all(b);
    std::fs::create_dir_all(b).expect("mkdir");
    for f in [bitstream, "pnr.asc", "pnr.config"] {
        if build.join(f).exists() {
            std::fs::copy(build.join(f), b.join(f)).expect("copy");
        }
    }
    if bitstream.ends_with(".bin") {
        run_tool(b, "yowasp-iceunpack", &[bitstream, "unpacked.asc"]);
        let read = |f: &str| std::fs::read_to_string(b.join(f)).expect(f);
        let (placed, unpacked) = (sections(&read("pnr.asc")), sections(&read("unpacked.asc")));
        assert!(placed.len() > 100, "{board}: {} sections", placed.len());
        assert!(
            placed == unpacked,
            "{board}: iceunpack of the bitstream differs from nextpnr's .asc"
        );
    } else {
        run_tool(
            b,
            "yowasp-ecppack",
            &["--input", "pnr.config", "--bit", "placed.bit"],
        );
        run_tool(b, "yowasp-ecpunpack", &["placed.bit", "placed.unpacked"]);
        run_tool(b, "yowasp-ecpunpack", &[bitstream, "unpacked.config"]);
        let read = |f: &str| std::fs::read_to_string(b.join(f)).expect(f);
        let unpacked = read("unpacked.config");
        assert!(
            unpacked.matches(".tile ").count() > 100,
            "{board}: unpacked {} bytes",
            unpacked.len()
        );
        assert!(
            unpacked == read("placed.unpacked"),
            "{board}: ecpunpack of the bitstream differs from nextpnr's .config packed again"
        );
    }
}

/// The deployment package's own selftest, run as its README says
/// (`python3 -m tomatl_driver selftest --port ...` in the package folder),
/// against this build's board top (`<board>_top.v`) Verilated on a
/// pseudo-terminal (testbenches/uart/uart_pty.cpp). Stood in: the board,
/// by Verilator, and its PLL, by a behavioural model
/// (testbenches/board/<family>/tomatl_pll.v: the clock passed through,
/// locked after 16 cycles), since SB_PLL40_PAD and EHXPLLL have no
/// simulation model here; the simulated clock is the PLL's output, the
/// rate the bridge was built for.
fn selftest_on_the_verilated_board_top(out: &Path, board: &str) {
    let b = out.join("build").join(board);
    let top = format!("{}_top", board.replace('-', "_"));
    let text = std::fs::read_to_string(b.join(format!("{top}.v"))).expect("board top");
    let param = |name: &str| -> u64 {
        let key = format!(".{name}(32'sd");
        let at = text
            .find(&key)
            .unwrap_or_else(|| panic!("{name} in {top}.v"));
        let digits: String = text[at + key.len()..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        digits.parse().expect(name)
    };
    let (clk_hz, baud) = (param("CLK_HZ"), param("BAUD"));
    let family = if board == "ulx3s-85f" {
        "ecp5"
    } else {
        "ice40"
    };
    let reset_low = tomatl::plan::load_board(board)
        .expect("board")
        .open_flow
        .and_then(|f| f.pins.reset)
        .map(|r| r.active_low);
    // the harness's top: its clock is the oscillator pin, its reset the
    // board's button (held for the first cycles), the LEDs left open
    let button = match reset_low {
        Some(true) => "\n        .btn_reset(!rst),",
        Some(false) => "\n        .btn_reset(rst),",
        None => "",
    };
    let leds = if text.contains("output wire [") {
        "\n        .led(),"
    } else {
        ""
    };
    // beside the design folder, which holds only what tomatl wrote
    let sim = out.with_file_name("board_sim");
    std::fs::create_dir_all(&sim).expect("mkdir");
    let wrapper = sim.join("uart_accel_top.v");
    std::fs::write(
        &wrapper,
        format!(
            "`default_nettype none\nmodule uart_accel_top (\n    input  wire clk,\n    input  wire rst,\n    input  wire uart_rx,\n    output wire uart_tx\n);\n    {top} board (\n        .clk_osc(clk),{button}{leds}\n        .uart_rx(uart_rx),\n        .uart_tx(uart_tx)\n    );\nendmodule\n`default_nettype wire\n"
        ),
    )
    .expect("write wrapper");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(out.join("rtl"))
        .expect("rtl")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "v"))
        .collect();
    sources.sort();
    let benches = common::repo_root().join("testbenches");
    if text.contains("tomatl_pll pll") {
        sources.push(benches.join("board").join(family).join("tomatl_pll.v"));
    }
    sources.push(b.join(format!("{top}.v")));
    sources.push(wrapper);
    let exe = tomatl::sim::verilator::build(&tomatl::sim::verilator::Build {
        top: "uart_accel_top".into(),
        sources,
        cpp: vec![benches.join("uart").join("uart_pty.cpp")],
        include_dirs: vec![benches.join("uart")],
        obj_dir: sim.join("obj_dir"),
        defines: vec![],
    })
    .expect("Verilator build of the board top");
    let mut board_sim = Command::new(&exe)
        .args([clk_hz.to_string(), baud.to_string(), "600".into()])
        .current_dir(out.join("rtl"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run the Verilated board");
    let mut first = String::new();
    BufReader::new(board_sim.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("the pty line");
    let pty = first
        .trim()
        .strip_prefix("pty ")
        .expect("pty <path>")
        .to_string();
    let o = Command::new("python3")
        .args([
            "-m",
            "tomatl_driver",
            "selftest",
            "--port",
            &pty,
            "--timeout",
            "30",
        ])
        .current_dir(out.join("deploy").join(board))
        .output()
        .expect("python3");
    drop(board_sim.stdin.take());
    let _ = board_sim.wait();
    let said =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success(),
        "{board}: the package's selftest failed:\n{said}"
    );
    assert!(said.contains("selftest passed"), "{board}: {said}");
    eprintln!(
        "{board}: selftest against the Verilated board top: {}",
        said.trim()
    );
}

/// Generate `net` for `board`, build it, and check what the flow reports
/// and writes, the netlist of the board's synthesis, and the package's
/// selftest against the board top.
fn check(net_yaml: &str, board: &str, bitstream: &str) {
    let dir = scratch(&format!("build_{board}"));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let net = dir.join("net.yaml");
    std::fs::write(&net, net_yaml).expect("write net");
    let out = dir.join("design");
    let o = tomatl(
        &["generate", "net.yaml", "-o", "design", "--board", board],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = tomatl(&["build", "design", "--json"], &dir);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "build failed: {stderr}");
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(r["board"], board);
    assert_eq!(r["timing_met"], true, "{}", r);
    let b = out.join("build").join(board);
    let bit = std::fs::canonicalize(b.join(bitstream)).expect("bitstream");
    let reported = r["bitstream"]
        .as_str()
        .map(|p| std::fs::canonicalize(p).expect("reported"));
    assert_eq!(reported.as_deref(), Some(bit.as_path()));
    assert!(std::fs::metadata(&bit).expect("bitstream").len() > 10_000);
    // every resource fits the device, the clock is met, and tomatl's
    // prediction is within 25% of the placed LUTs, DSPs and block RAMs
    for line in r["resources"].as_array().expect("resources") {
        let (used, avail) = (
            line["used"].as_u64().unwrap_or(u64::MAX),
            line["available"].as_u64().unwrap_or(0),
        );
        assert!(used <= avail, "{line}");
        if ["LUT", "DSP", "BRAM"].contains(&line["resource"].as_str().unwrap_or("")) {
            let p = line["predicted"].as_f64().expect("predicted");
            let ok = if used == 0 {
                p < 0.5
            } else {
                (p / used as f64 - 1.0).abs() <= 0.25
            };
            eprintln!("{board}: predicted {p:.0} against {used} placed ({line})");
            assert!(
                ok,
                "{board}: predicted {p:.0} against {used} placed: {line}"
            );
        }
    }
    unpacked_equals_nextpnr(&b, board, bitstream);
    let lut = r["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .find(|l| l["resource"] == "LUT")
        .expect("LUT line");
    assert!(lut["used"].as_u64().unwrap_or(0) > 50, "{lut}");
    for (clk, f) in r["fmax"].as_object().expect("fmax") {
        assert!(
            f["achieved_mhz"].as_f64() >= f["constraint_mhz"].as_f64(),
            "{clk}: {f}"
        );
    }
    // the inputs of the tools are there for the user, and the board top
    // names the accelerator
    let top = std::fs::read_to_string(b.join(format!("{}_top.v", board.replace('-', "_"))))
        .expect("board top");
    let design: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("design.json")).expect("design.json"))
            .expect("design json");
    let accel = format!("{} accel (", design["top"].as_str().expect("top"));
    assert!(top.contains(&accel), "{accel} not in {top}");
    for f in [
        "synth.json",
        "pnr.json",
        "synth.log",
        "pnr.log",
        "build.json",
    ] {
        assert!(b.join(f).exists(), "{f}");
    }
    // the deployment package: the same bitstream, the driver, the golden
    // vectors, every file in manifest.json with its hash
    let pkg = out.join("deploy").join(board);
    let reported = r["deploy"]
        .as_str()
        .map(|p| std::fs::canonicalize(p).expect("deploy"));
    assert_eq!(
        reported,
        Some(std::fs::canonicalize(&pkg).expect("package"))
    );
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pkg.join("manifest.json")).expect("manifest.json"))
            .expect("manifest json");
    assert_eq!(m["bitstream"], bitstream);
    assert_eq!(m["board"], board);
    common::assert_manifest_schema(&pkg.join("manifest.json"));
    let readme = std::fs::read_to_string(pkg.join("README.md")).expect("README.md");
    assert!(
        readme.contains(&format!(" {bitstream}\n"))
            && readme.contains("tomatl_driver selftest --port"),
        "the README programs the board and runs the selftest: {readme}"
    );
    assert_eq!(
        std::fs::read(pkg.join(bitstream)).expect("packaged bitstream"),
        std::fs::read(&bit).expect("bitstream"),
    );
    let files = m["files"].as_object().expect("files");
    for f in [
        "test/input.npy",
        "test/expected.npy",
        "tomatl_driver/__main__.py",
    ] {
        assert!(files.contains_key(f), "{f} in manifest.json");
    }
    for (rel, sha) in files {
        let bytes = std::fs::read(pkg.join(rel)).expect(rel);
        assert_eq!(
            Some(tomatl::output::sha256_hex(&bytes).as_str()),
            sha.as_str(),
            "{rel}"
        );
    }
    // the netlist this board's synthesis makes of the accelerator
    // computes what the golden model computes, and the package's selftest
    // passes on the board top
    let family = if board == "ulx3s-85f" {
        "ecp5"
    } else {
        "ice40"
    };
    let o = tomatl(
        &[
            "verify",
            "design",
            "--netlist",
            "--family",
            family,
            "--frames",
            "8",
            "--stall",
            "0.2",
        ],
        &dir,
    );
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success() && said.contains("PASS"),
        "{board}: verify --netlist: {said}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    eprintln!("{board}: {}", said.trim());
    selftest_on_the_verilated_board_top(&out, board);

    // report.html now shows predicted, synthesised and placed side by
    // side, with the numbers of this build, and Fmax against the clock
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    let built = html
        .split("Predicted, synthesised and placed")
        .nth(1)
        .expect("the build section")
        .split("</table>")
        .next()
        .unwrap_or("");
    for col in ["predicted", "synthesised", "placed", "available"] {
        assert!(built.contains(&format!(">{col}<")), "column {col}: {built}");
    }
    assert!(!html.contains("Synthesised and placed: not built yet"));
    for line in r["resources"].as_array().expect("resources") {
        let synth = line["synthesised"].as_u64().expect("synthesised count");
        let predicted = line["predicted"]
            .as_f64()
            .map(|p| format!("{p:.0}"))
            .unwrap_or_else(|| "-".into());
        let row = format!(
            "<td class=\"n\">{predicted}</td><td class=\"n\">{synth}</td><td class=\"n\">{}</td><td class=\"n\">{} (",
            line["used"],
            line["available"]
        );
        assert!(built.contains(&row), "{row} not in {built}");
    }
    assert!(
        html.contains("MHz (met)") && html.contains("Fmax of"),
        "Fmax against the clock"
    );
    // a file of the user's in the build folder or in the package folder:
    // refused before building, the file kept and the earlier build left
    let refused = |folder: &std::path::Path| {
        let theirs = folder.join("notes.txt");
        std::fs::write(&theirs, "mine").expect("write");
        let o = tomatl(&["build", "design"], &dir);
        assert_eq!(
            o.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(
            e.contains("notes.txt") && e.contains("tomatl did not write"),
            "{e}"
        );
        assert_eq!(
            std::fs::read_to_string(&theirs).ok().as_deref(),
            Some("mine")
        );
        std::fs::remove_file(&theirs).expect("rm");
    };
    let before = std::fs::metadata(b.join("build.json"))
        .and_then(|m| m.modified())
        .ok();
    refused(&b);
    refused(&pkg);
    let after = std::fs::metadata(b.join("build.json"))
        .and_then(|m| m.modified())
        .ok();
    assert_eq!(
        before, after,
        "the refused build left the earlier build alone"
    );
    // the page is still the one the manifest lists, so generate may
    // replace the design
    let o = tomatl(
        &["generate", "net.yaml", "-o", "design", "--board", board],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    assert!(html.contains("Synthesised and placed: not built yet"));
}

#[test]
fn jet_tagger_bitstream_for_the_icebreaker() {
    let net = std::fs::read_to_string(common::example("jet_tagger.yaml")).expect("jet_tagger");
    check(&net, "icebreaker", "icebreaker.bin");
}

#[test]
fn small_cnn_bitstream_for_the_ulx3s() {
    let net = std::fs::read_to_string(common::example("small_cnn.yaml")).expect("small_cnn");
    check(&net, "ulx3s-85f", "ulx3s-85f.bit");
}

#[test]
fn a_board_without_an_open_flow_is_refused() {
    let dir = scratch("build_refused");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("net.yaml"), TINY_NET).expect("write net");
    let o = tomatl(
        &[
            "generate",
            "net.yaml",
            "-o",
            "design",
            "--board",
            "alveo-u250",
        ],
        &dir,
    );
    assert!(o.status.success());
    let o = tomatl(&["build", "design"], &dir);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("not built by the open flow") && e.contains("expected:"),
        "{e}"
    );
    assert!(!dir.join("design").join("deploy").exists());
    assert!(!dir.join("design").join("build").exists());
    // and a design without a board needs --board
    let o = tomatl(&["generate", "net.yaml", "-o", "plain"], &dir);
    assert!(o.status.success());
    let o = tomatl(&["build", "plain"], &dir);
    assert_eq!(o.status.code(), Some(2));
}
