//! `tomatl build`: real bitstreams with the open flow (YoWASP Yosys and
//! nextpnr), one small network per family, and the board files they are
//! built from.

mod common;

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

/// Generate the tiny network for `board`, build it, and check what the
/// flow reports and writes.
fn check(board: &str, bitstream: &str) {
    let dir = scratch(&format!("build_{board}"));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let net = dir.join("net.yaml");
    std::fs::write(&net, TINY_NET).expect("write net");
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
    // every resource fits the device, the clock is met
    for line in r["resources"].as_array().expect("resources") {
        let (used, avail) = (
            line["used"].as_u64().unwrap_or(u64::MAX),
            line["available"].as_u64().unwrap_or(0),
        );
        assert!(used <= avail, "{line}");
    }
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
    assert!(top.contains("net_top accel ("), "{top}");
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
    // the page is still the one the manifest lists, so generate may
    // replace the design
    let o = tomatl(
        &["generate", "net.yaml", "-o", "design", "--board", board],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    assert!(html.contains("Synthesised and placed: not built yet"));
    // a second build replaces the first build and package (its own)
    let o = tomatl(&["build", "design", "--json"], &dir);
    assert!(o.status.success());
    // a file of the user's in the package folder: refused before building
    let mine = pkg.join("notes.txt");
    std::fs::write(&mine, "mine").expect("write");
    let before = std::fs::metadata(b.join("build.json"))
        .and_then(|m| m.modified())
        .ok();
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
    assert_eq!(std::fs::read_to_string(&mine).ok().as_deref(), Some("mine"));
    let after = std::fs::metadata(b.join("build.json"))
        .and_then(|m| m.modified())
        .ok();
    assert_eq!(
        before, after,
        "the refused build left the earlier build alone"
    );
}

#[test]
fn ice40_bitstream_of_a_small_network() {
    check("icebreaker", "icebreaker.bin");
}

#[test]
#[ignore = "slow: make verify-all"]
fn ecp5_bitstream_of_a_small_network() {
    check("ulx3s-85f", "ulx3s-85f.bit");
}

#[test]
fn a_board_without_an_open_flow_is_refused() {
    let dir = scratch("build_refused");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("net.yaml"), TINY_NET).expect("write net");
    let o = tomatl(
        &["generate", "net.yaml", "-o", "design", "--board", "pynq-z2"],
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
    assert!(!dir.join("design").join("build").exists());
    // and a design without a board needs --board
    let o = tomatl(&["generate", "net.yaml", "-o", "plain"], &dir);
    assert!(o.status.success());
    let o = tomatl(&["build", "plain"], &dir);
    assert_eq!(o.status.code(), Some(2));
}
