//! The DE10-Nano's Quartus / Platform Designer project
//! (`tomatl::build::quartus`), checked without Quartus. Quartus and
//! Platform Designer cannot run here, so the scripts run in a plain tclsh
//! against recording stand-ins of their commands
//! (`testbenches/vendor/quartus_stubs.tcl`: every command logged, and what
//! the real tools refuse refused: unknown instances, interfaces an IP does
//! not have, unknown parameters, streams of different widths, clock inputs
//! left unconnected, missing fileset files). On the log:
//!
//! - the project's family, device, top and files; every port of the board
//!   top (read from Yosys's JSON) with a pin and an IO standard, the pins
//!   those of the DE10-Nano's schematic (the list below, written out here
//!   as the oracle, not read from the generator);
//! - every port of the packaged module (Yosys's JSON of the wrapper) in
//!   exactly one interface of `_hw.tcl`, with its direction, width and a
//!   role, and each interface with its complete set of roles; the
//!   Avalon-ST interfaces with byte symbols, symbol 0 in the low bits
//!   (`firstSymbolInHighOrderBits false`) and readyLatency 0;
//! - the mSGDMAs' widths equal to design.json's input and output words,
//!   with designs whose input is narrower and wider than their output;
//! - a deleted ROM image makes the project script fail before compiling;
//! - two calls give byte-identical files; the wrapper lints clean and
//!   Yosys maps it (and the adapters) to Cyclone V cells.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{example, repo_root, scratch, tomatl};
use tomatl::build::quartus;
use tomatl::hw::Design;
use tomatl::plan::Board;

/// The DE10-Nano's fabric pins (Terasic's schematic and user manual): the
/// 50 MHz clock, the LEDs 0..7 and the keys 0..1, all 3.3-V LVTTL.
const CLOCK_PIN: (&str, &str) = ("FPGA_CLK1_50", "PIN_V11");
const LED_PINS: [&str; 8] = [
    "PIN_W15", "PIN_AA24", "PIN_V16", "PIN_V15", "PIN_AF26", "PIN_AE26", "PIN_Y16", "PIN_AA23",
];
const KEY_PINS: [&str; 2] = ["PIN_AH17", "PIN_AH16"];
const LVTTL: &str = "3.3-V LVTTL";

fn need(tool: &str, package: &str) {
    let ok = Command::new(tool)
        .arg(if tool == "tclsh" { "/dev/null" } else { "-V" })
        .output()
        .is_ok();
    assert!(ok, "`{tool}` is needed: apt-get install -y {package}");
}

/// One command of a log and its arguments.
#[derive(Clone, Debug)]
struct Cmd {
    name: String,
    args: Vec<String>,
}

/// Runs `script` (in `dir`) under the stubs; the log, and whether tclsh
/// succeeded with its stderr.
fn run_stubbed(dir: &Path, script: &str) -> (Vec<Cmd>, bool, String) {
    need("tclsh", "tcl");
    let stubs = repo_root().join("testbenches/vendor/quartus_stubs.tcl");
    let log = dir.join(format!("{script}.log"));
    let o = Command::new("tclsh")
        .arg(&stubs)
        .arg(&log)
        .arg(script)
        .current_dir(dir)
        .output()
        .expect("tclsh (apt-get install -y tcl)");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let mut cmds: Vec<Cmd> = Vec::new();
    for line in text.lines() {
        if let Some(c) = line.strip_prefix("CMD ") {
            cmds.push(Cmd {
                name: c.to_string(),
                args: Vec::new(),
            });
        } else if let Some(a) = line.strip_prefix("ARG ") {
            if let Some(c) = cmds.last_mut() {
                c.args.push(a.to_string());
            }
        }
    }
    let err = String::from_utf8_lossy(&o.stderr).into_owned() + &text;
    (cmds, o.status.success(), err)
}

fn run_ok(dir: &Path, script: &str) -> Vec<Cmd> {
    let (cmds, ok, err) = run_stubbed(dir, script);
    assert!(ok, "{script} failed under the stubs:\n{err}");
    cmds
}

fn named<'a>(cmds: &'a [Cmd], name: &str) -> Vec<&'a [String]> {
    cmds.iter()
        .filter(|c| c.name == name)
        .map(|c| c.args.as_slice())
        .collect()
}

/// `tomatl generate <example> -o <dir> --board de10-nano`, read back.
fn generate(yaml: &Path, tag: &str) -> (PathBuf, Design) {
    let out = scratch(&format!("quartus_{tag}"));
    let o = tomatl(
        &[
            "generate",
            &yaml.display().to_string(),
            "-o",
            &out.display().to_string(),
            "--board",
            "de10-nano",
        ],
        &repo_root(),
    );
    assert!(
        o.status.success(),
        "tomatl generate {}: {}",
        yaml.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    let (d, _) = tomatl::sim::verify::read_design(&out).expect("read_design");
    (out, d)
}

fn board() -> Board {
    tomatl::plan::load_board("de10-nano").expect("board")
}

/// The package: the design's rtl/ copied, the project under quartus/.
fn package(design_dir: &Path, d: &Design, tag: &str) -> PathBuf {
    let pkg = scratch(&format!("quartus_pkg_{tag}"));
    let rtl = pkg.join("rtl");
    std::fs::create_dir_all(&rtl).expect("mkdir");
    for e in std::fs::read_dir(design_dir.join("rtl")).expect("rtl") {
        let p = e.expect("entry").path();
        std::fs::copy(&p, rtl.join(p.file_name().expect("name"))).expect("copy");
    }
    let b = board();
    let files = quartus::files(d, &b, b.clock_mhz, &d.name).expect("quartus files");
    for (rel, bytes) in &files {
        let p = pkg.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, bytes).expect("write");
    }
    pkg
}

/// Ports of `module` in Yosys's JSON of `files`: name -> (direction, width).
fn yosys_ports(
    files: &[PathBuf],
    module: &str,
    elaborate: bool,
) -> BTreeMap<String, (String, usize)> {
    need("yosys", "yosys");
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("ports.json");
    let reads: Vec<String> = files
        .iter()
        .map(|f| format!("read_verilog {}", f.display()))
        .collect();
    let script = format!(
        "{}; {}proc; write_json {}",
        reads.join("; "),
        if elaborate {
            format!("hierarchy -check -top {module}; ")
        } else {
            String::new()
        },
        json.display()
    );
    let o = Command::new("yosys")
        .args(["-q", "-p", &script])
        .output()
        .expect("yosys");
    assert!(
        o.status.success(),
        "yosys: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("json");
    let ports = v["modules"][module]["ports"]
        .as_object()
        .unwrap_or_else(|| panic!("no module {module} in Yosys's JSON"));
    ports
        .iter()
        .map(|(n, p)| {
            let dir = p["direction"].as_str().unwrap_or("").to_string();
            let w = p["bits"].as_array().map(|b| b.len()).unwrap_or(0);
            (n.clone(), (dir, w))
        })
        .collect()
}

fn rtl_files(pkg: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(pkg.join("rtl"))
        .expect("rtl")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "v"))
        .collect();
    v.sort();
    v
}

/// The roles each interface kind must have, all of them: the clock, the
/// active-high reset, the AXI4-Lite slave's 19 signals, the Avalon-ST
/// packet stream (with empty when a beat has several symbols).
fn required_roles(kind: &str, symbols: usize) -> BTreeSet<&'static str> {
    let v: Vec<&'static str> = match kind {
        "clock" => vec!["clk"],
        "reset" => vec!["reset"],
        "axi4lite" => vec![
            "awaddr", "awprot", "awvalid", "awready", "wdata", "wstrb", "wvalid", "wready",
            "bresp", "bvalid", "bready", "araddr", "arprot", "arvalid", "arready", "rdata",
            "rresp", "rvalid", "rready",
        ],
        "avalon_streaming" if symbols > 1 => vec![
            "data",
            "valid",
            "ready",
            "startofpacket",
            "endofpacket",
            "empty",
        ],
        "avalon_streaming" => vec!["data", "valid", "ready", "startofpacket", "endofpacket"],
        k => panic!("unexpected interface kind {k}"),
    };
    v.into_iter().collect()
}

/// The component: its interfaces against the wrapper's ports.
fn check_component(pkg: &Path, d: &Design) {
    let q = pkg.join("quartus");
    let cmds = run_ok(&q, &format!("{}_hw.tcl", d.top));
    let wrapper = quartus::wrapper(d);
    // the fileset: the wrapper, every rtl/*.v, every ROM image
    let files: BTreeSet<String> = named(&cmds, "add_fileset_file")
        .iter()
        .map(|a| a[3].clone())
        .collect();
    let mut want: BTreeSet<String> = std::fs::read_dir(pkg.join("rtl"))
        .expect("rtl")
        .map(|e| format!("../rtl/{}", e.expect("entry").file_name().to_string_lossy()))
        .collect();
    want.insert(format!("{wrapper}.v"));
    assert_eq!(
        files, want,
        "the fileset is the package's rtl/ and the wrapper"
    );
    for r in &d.roms {
        assert!(files.contains(&format!("../rtl/{}", r.file)), "{}", r.file);
    }
    assert!(named(&cmds, "set_fileset_property")
        .iter()
        .any(|a| a[..] == ["QUARTUS_SYNTH", "TOP_LEVEL", wrapper.as_str()]));

    // interfaces: kind and direction; properties; ports
    let mut kinds: BTreeMap<String, (String, String)> = BTreeMap::new();
    for a in named(&cmds, "add_interface") {
        kinds.insert(a[0].clone(), (a[1].clone(), a[2].clone()));
    }
    let mut props: BTreeMap<(String, String), String> = BTreeMap::new();
    for a in named(&cmds, "set_interface_property") {
        props.insert((a[0].clone(), a[1].clone()), a[2].clone());
    }
    let mut iface_ports: BTreeMap<String, (String, String, String, usize)> = BTreeMap::new();
    let mut roles: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for a in named(&cmds, "add_interface_port") {
        let (iface, port, role, dir) = (&a[0], &a[1], &a[2], &a[3]);
        let w: usize = a[4].parse().expect("width");
        assert!(
            iface_ports
                .insert(port.clone(), (iface.clone(), role.clone(), dir.clone(), w))
                .is_none(),
            "port {port} is in two interfaces"
        );
        assert!(
            roles.entry(iface.clone()).or_default().insert(role.clone()),
            "role {role} twice in {iface}"
        );
    }
    let mut sources = rtl_files(pkg);
    sources.push(q.join(format!("{wrapper}.v")));
    let hdl = yosys_ports(&sources, &wrapper, true);
    let hdl_names: BTreeSet<&String> = hdl.keys().collect();
    let tcl_names: BTreeSet<&String> = iface_ports.keys().collect();
    assert_eq!(
        hdl_names, tcl_names,
        "the HDL ports and the interfaces' ports"
    );
    for (port, (dir, w)) in &hdl {
        let (iface, _, tdir, tw) = &iface_ports[port];
        let want = match dir.as_str() {
            "input" => "Input",
            "output" => "Output",
            _ => "Bidir",
        };
        assert_eq!(tdir, want, "{port} of {iface}: direction");
        assert_eq!(tw, w, "{port} of {iface}: width");
    }
    for (iface, (kind, _)) in &kinds {
        let symbols = props
            .get(&(iface.clone(), "symbolsPerBeat".into()))
            .map(|s| s.parse().expect("symbols"))
            .unwrap_or(1);
        let got: BTreeSet<&str> = roles
            .get(iface)
            .map(|r| r.iter().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(got, required_roles(kind, symbols), "the roles of {iface}");
        if kind != "clock" {
            assert_eq!(
                props
                    .get(&(iface.clone(), "associatedClock".into()))
                    .map(String::as_str),
                Some("clock"),
                "{iface} is clocked by `clock`"
            );
        }
    }
    assert_eq!(kinds["clock"], ("clock".into(), "end".into()));
    assert_eq!(kinds["reset"], ("reset".into(), "end".into()));
    assert_eq!(iface_ports["rst"].1, "reset", "rst is active high");
    assert_eq!(kinds["s_axil"], ("axi4lite".into(), "end".into()));
    // the Avalon-ST streams: byte symbols, symbol 0 low, no ready latency
    for (iface, dir, io) in [("asi", "end", &d.input), ("aso", "start", &d.output)] {
        assert_eq!(kinds[iface], ("avalon_streaming".into(), dir.into()));
        let p = |k: &str| props.get(&(iface.to_string(), k.to_string())).cloned();
        assert_eq!(
            p("firstSymbolInHighOrderBits").as_deref(),
            Some("false"),
            "{iface}"
        );
        assert_eq!(p("readyLatency").as_deref(), Some("0"), "{iface}");
        assert_eq!(p("dataBitsPerSymbol").as_deref(), Some("8"), "{iface}");
        assert_eq!(
            p("symbolsPerBeat"),
            Some((io.tdata_bits / 8).to_string()),
            "{iface}"
        );
        assert_eq!(iface_ports[&format!("{iface}_data")].3, io.tdata_bits);
    }
}

/// The system: the IP, the DMAs' widths and modes, the wiring.
fn check_system(q: &Path, d: &Design) {
    let cmds = run_ok(q, "soc_system.tcl");
    let mut inst: BTreeMap<String, String> = BTreeMap::new();
    for a in named(&cmds, "add_instance") {
        inst.insert(a[0].clone(), a[1].clone());
    }
    let mut param: BTreeMap<(String, String), String> = BTreeMap::new();
    for a in named(&cmds, "set_instance_parameter_value") {
        param.insert((a[0].clone(), a[1].clone()), a[2].clone());
    }
    let p = |i: &str, k: &str| param.get(&(i.to_string(), k.to_string())).cloned();
    let of = |ty: &str| -> Vec<String> {
        inst.iter()
            .filter(|(_, t)| t.as_str() == ty)
            .map(|(n, _)| n.clone())
            .collect()
    };
    let hps = of("altera_hps");
    assert_eq!(hps.len(), 1, "one HPS");
    let hps = &hps[0];
    assert_eq!(p(hps, "HPS_PROTOCOL").as_deref(), Some("DDR3"));
    assert_eq!(p(hps, "F2SDRAM_Width").as_deref(), Some("64"));
    assert_eq!(p(hps, "LWH2F_Enable").as_deref(), Some("true"));
    let accel = of(&d.top);
    assert_eq!(accel.len(), 1, "one accelerator");
    let accel = &accel[0];
    let dmas = of("altera_msgdma");
    assert_eq!(dmas.len(), 2, "two mSGDMAs");
    let mode = |m: &str| -> String {
        let v: Vec<&String> = dmas
            .iter()
            .filter(|n| p(n, "MODE").as_deref() == Some(m))
            .collect();
        assert_eq!(v.len(), 1, "one mSGDMA of MODE {m}");
        v[0].clone()
    };
    let (mm2s, s2mm) = (mode("1"), mode("2"));
    assert_eq!(
        p(&mm2s, "DATA_WIDTH"),
        Some(d.input.tdata_bits.to_string()),
        "the memory-to-stream mSGDMA carries the input words"
    );
    assert_eq!(
        p(&s2mm, "DATA_WIDTH"),
        Some(d.output.tdata_bits.to_string()),
        "the stream-to-memory mSGDMA carries the output words"
    );
    // the drivers read the bytes of each output frame from S2MM's
    // memory-mapped response port; MM2S needs none
    assert_eq!(p(&s2mm, "RESPONSE_PORT").as_deref(), Some("0"), "{s2mm}");
    assert_eq!(p(&mm2s, "RESPONSE_PORT").as_deref(), Some("2"), "{mm2s}");
    for dma in [&mm2s, &s2mm] {
        assert_eq!(p(dma, "PACKET_ENABLE").as_deref(), Some("1"), "{dma}");
        let max: u64 = p(dma, "MAX_BYTE").expect("MAX_BYTE").parse().expect("n");
        let io = if dma == &mm2s { &d.input } else { &d.output };
        assert!(max >= (io.beats_per_frame * io.tdata_bits / 8) as u64);
    }
    let conns: BTreeSet<(String, String)> = named(&cmds, "add_connection")
        .iter()
        .map(|a| (a[0].clone(), a[1].clone()))
        .collect();
    let has = |a: String, b: String| {
        assert!(
            conns.contains(&(a.clone(), b.clone())),
            "no connection {a} -> {b}"
        );
    };
    has(format!("{mm2s}.st_source"), format!("{accel}.asi"));
    has(format!("{accel}.aso"), format!("{s2mm}.st_sink"));
    has(format!("{mm2s}.mm_read"), format!("{hps}.f2h_sdram0_data"));
    has(format!("{s2mm}.mm_write"), format!("{hps}.f2h_sdram0_data"));
    // registers on the lightweight bridge, windows apart
    let lw = format!("{hps}.h2f_lw_axi_master");
    let mut bases = Vec::new();
    for slave in [
        format!("{accel}.s_axil"),
        format!("{mm2s}.csr"),
        format!("{mm2s}.descriptor_slave"),
        format!("{s2mm}.csr"),
        format!("{s2mm}.descriptor_slave"),
        format!("{s2mm}.response"),
    ] {
        has(lw.clone(), slave.clone());
        let base = named(&cmds, "set_connection_parameter_value")
            .iter()
            .find(|a| a[0] == format!("{lw}/{slave}") && a[1] == "baseAddress")
            .map(|a| a[2].clone())
            .unwrap_or_else(|| panic!("no base address of {slave}"));
        bases.push(u32::from_str_radix(base.trim_start_matches("0x"), 16).expect("hex"));
    }
    let mut sorted = bases.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        sorted.len(),
        bases.len(),
        "distinct base addresses {bases:x?}"
    );
    assert!(named(&cmds, "save_system")
        .iter()
        .any(|a| a[0] == "soc_system.qsys"));
}

/// The project: device, top, files, pins; the flow last.
fn check_project(pkg: &Path, d: &Design) {
    let q = pkg.join("quartus");
    let b = board();
    let soc_top = quartus::soc_top(&b);
    let script = format!("{}.tcl", d.name);
    let cmds = run_ok(&q, &script);
    let mut global: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for a in named(&cmds, "set_global_assignment") {
        assert_eq!(a[0], "-name");
        global.entry(a[1].clone()).or_default().push(a[2].clone());
    }
    let one = |k: &str| -> String {
        let v = global.get(k).unwrap_or_else(|| panic!("no {k}"));
        assert_eq!(v.len(), 1, "{k}: {v:?}");
        v[0].clone()
    };
    assert_eq!(one("FAMILY"), "Cyclone V");
    assert_eq!(one("DEVICE"), "5CSEBA6U23I7");
    assert_eq!(one("DEVICE"), b.part);
    assert_eq!(one("TOP_LEVEL_ENTITY"), soc_top);
    assert_eq!(one("QSYS_FILE"), "soc_system.qsys");
    for k in ["VERILOG_FILE", "SDC_FILE"] {
        assert!(q.join(one(k)).is_file(), "{k} {} exists", one(k));
    }
    // the flow compiles once, after every assignment
    let names: Vec<&str> = cmds.iter().map(|c| c.name.as_str()).collect();
    let flow = names
        .iter()
        .position(|n| *n == "execute_flow")
        .expect("execute_flow");
    assert_eq!(cmds[flow].args, ["-compile"]);
    assert!(names[flow + 1..].iter().all(|n| *n == "project_close"));
    assert_eq!(names[0], "project_new", "the project comes first");

    // pins: every bit of every port of the board top
    let mut loc: BTreeMap<String, String> = BTreeMap::new();
    for a in named(&cmds, "set_location_assignment") {
        assert!(
            loc.insert(a[2].clone(), a[0].clone()).is_none(),
            "{} placed twice",
            a[2]
        );
    }
    let mut std: BTreeMap<String, String> = BTreeMap::new();
    for a in named(&cmds, "set_instance_assignment") {
        if a[1] == "IO_STANDARD" {
            std.insert(a[4].clone(), a[2].clone());
        }
    }
    let ports = yosys_ports(&[q.join(format!("{soc_top}.v"))], &soc_top, false);
    let mut want_loc: BTreeMap<String, String> = BTreeMap::new();
    want_loc.insert(CLOCK_PIN.0.into(), CLOCK_PIN.1.into());
    for (i, p) in LED_PINS.iter().enumerate() {
        want_loc.insert(format!("LED[{i}]"), p.to_string());
    }
    for (i, p) in KEY_PINS.iter().enumerate() {
        want_loc.insert(format!("KEY[{i}]"), p.to_string());
    }
    let mut fabric_bits = BTreeSet::new();
    for (port, (dir, w)) in &ports {
        if port.starts_with("HPS_DDR3_") {
            // the HPS's SDRAM: dedicated pins its hard memory interface
            // places; the project gives each an IO standard
            for i in 0..*w {
                let bit = if *w == 1 {
                    port.clone()
                } else {
                    format!("{port}[{i}]")
                };
                let s = std
                    .get(&bit)
                    .unwrap_or_else(|| panic!("{bit}: no IO_STANDARD"));
                assert!(s.contains("SSTL") || s == "1.5 V", "{bit}: {s}");
                assert!(!loc.contains_key(&bit), "{bit} is a dedicated pin");
            }
            continue;
        }
        for i in 0..*w {
            let bit = if *w == 1 {
                port.clone()
            } else {
                format!("{port}[{i}]")
            };
            let l = loc
                .get(&bit)
                .unwrap_or_else(|| panic!("{bit} ({dir}): no PIN_"));
            assert_eq!(std.get(&bit).map(String::as_str), Some(LVTTL), "{bit}");
            assert_eq!(Some(l), want_loc.get(&bit), "{bit}: the DE10-Nano's pin");
            fabric_bits.insert(bit);
        }
    }
    let want_bits: BTreeSet<String> = want_loc.keys().cloned().collect();
    assert_eq!(
        fabric_bits, want_bits,
        "the board top uses the clock, LEDs and keys"
    );
    assert_eq!(ports["FPGA_CLK1_50"].0, "input");
    assert_eq!(ports["LED"], ("output".into(), 8));
    assert_eq!(ports["KEY"], ("input".into(), 2));
    // the SDRAM ports are exactly the ones the system's memory conduit has
    let ddr: BTreeSet<&str> = ports
        .keys()
        .filter(|p| p.starts_with("HPS_DDR3_"))
        .map(String::as_str)
        .collect();
    let table: BTreeSet<&str> = quartus::DE10_NANO_DDR3.iter().map(|t| t.0).collect();
    assert_eq!(ddr, table);
    let top_text = std::fs::read_to_string(q.join(format!("{soc_top}.v"))).expect("top");
    for (port, w, sys, _) in quartus::DE10_NANO_DDR3 {
        assert!(top_text.contains(&format!(".{sys}({port})")), "{sys}");
        assert_eq!(ports[*port].1, *w as usize, "{port}");
    }
}

/// The SDC and the Makefile: the 20 ns clock, the PLL and uncertainty
/// derivations, the .rbf conversion.
fn check_sdc_and_make(q: &Path, d: &Design) {
    let sdc = std::fs::read_to_string(q.join(format!("{}.sdc", d.name))).expect("sdc");
    let lines: Vec<Vec<&str>> = sdc
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_whitespace().collect())
        .collect();
    let clock = lines
        .iter()
        .find(|l| l[0] == "create_clock")
        .expect("create_clock");
    let period_at = clock.iter().position(|w| *w == "-period").expect("-period");
    let period: f64 = clock[period_at + 1].parse().expect("period");
    assert!((period - 20.0).abs() < 1e-9, "20 ns for 50 MHz");
    assert!(clock.join(" ").ends_with("[get_ports FPGA_CLK1_50]"));
    for c in ["derive_pll_clocks", "derive_clock_uncertainty"] {
        assert!(lines.iter().any(|l| l == &[c]), "{c}");
    }
    let make = std::fs::read_to_string(q.join("Makefile")).expect("Makefile");
    let cpf = make
        .lines()
        .find(|l| l.trim_start().starts_with("$(BIN)quartus_cpf"))
        .expect("quartus_cpf");
    let w: Vec<&str> = cpf.split_whitespace().collect();
    assert_eq!(w[1..4], ["-c", "-o", "bitstream_compression=on"]);
    assert!(w[4].ends_with(&format!("{}.sof", d.name)), "{cpf}");
    // beside manifest.json, where `tomatl build` and the README look
    assert_eq!(w[5], format!("../{}.rbf", d.name));
    for tool in [
        "$(BIN)qsys-script",
        "$(BIN)qsys-generate",
        "$(QUARTUS_SH) -t",
    ] {
        assert!(
            make.lines().any(|l| l.trim_start().starts_with(tool)),
            "the Makefile runs {tool}"
        );
    }
}

/// A missing ROM image stops the project script before anything is
/// compiled, naming the file.
fn check_missing_mem(pkg: &Path, d: &Design) {
    let rom = d.roms.first().expect("a design with ROMs");
    let p = pkg.join("rtl").join(&rom.file);
    let keep = std::fs::read(&p).expect("rom");
    std::fs::remove_file(&p).expect("rm");
    let (cmds, ok, err) = run_stubbed(&pkg.join("quartus"), &format!("{}.tcl", d.name));
    // the component refuses it too (its fileset lists the file)
    let (_, hw_ok, hw_err) = run_stubbed(&pkg.join("quartus"), &format!("{}_hw.tcl", d.top));
    std::fs::write(&p, keep).expect("restore");
    assert!(!ok, "the project script ran without {}", rom.file);
    assert!(
        err.contains(&rom.file),
        "the error names {}: {err}",
        rom.file
    );
    assert!(named(&cmds, "execute_flow").is_empty(), "nothing compiled");
    assert!(named(&cmds, "project_new").is_empty(), "no project made");
    assert!(!hw_ok && hw_err.contains(&rom.file), "{hw_err}");
}

fn check_example(yaml: &str, tag: &str) {
    let (out, d) = generate(&example(yaml), tag);
    let pkg = package(&out, &d, tag);
    let q = pkg.join("quartus");
    check_component(&pkg, &d);
    check_system(&q, &d);
    check_project(&pkg, &d);
    check_sdc_and_make(&q, &d);
    // determinism: a second call, byte for byte
    let b = board();
    let one = quartus::files(&d, &b, b.clock_mhz, &d.name).expect("files");
    let two = quartus::files(&d, &b, b.clock_mhz, &d.name).expect("files");
    assert_eq!(one, two, "two calls differ");
    for (rel, bytes) in &one {
        assert_eq!(&std::fs::read(pkg.join(rel)).expect("read"), bytes, "{rel}");
    }
    // the wrapper and the design lint clean
    let mut sources = rtl_files(&pkg);
    sources.push(q.join(format!("{}.v", quartus::wrapper(&d))));
    if let Err(e) = tomatl::sim::verilator::lint(&sources, &quartus::wrapper(&d), &[]) {
        panic!("lint of {}: {e}", quartus::wrapper(&d));
    }
    // a missing ROM image; then, restored, the script runs again
    check_missing_mem(&pkg, &d);
    run_ok(&q, &format!("{}.tcl", d.name));
}

/// Every example that fits the DE10-Nano: its component, system, project
/// and constraints (make verify-all; make test checks jet_tagger and lenet).
#[test]
#[ignore = "slow: make verify-all"]
fn every_example_that_fits_the_de10_nano() {
    let nets = common::examples_that_fit("de10-nano");
    assert!(common::matrix_narrowed() || nets.len() >= 6, "{nets:?}");
    for net in nets {
        check_example(&format!("{net}.yaml"), &format!("all_{net}"));
    }
}

#[test]
fn jet_tagger_project() {
    check_example("jet_tagger.yaml", "jet_tagger");
}

#[test]
fn lenet_project() {
    check_example("lenet.yaml", "lenet");
}

/// A network whose words are `in_bits` in and `out_bits` out.
fn net(name: &str, in_elems: usize, in_bits: u32, out_bits: u32) -> String {
    format!(
        "name: {name}
input: {{shape: [{in_elems}], type: {{bits: {in_bits}, signed: true, frac: 0}}}}
params: {{random: {{seed: 3}}}}
policy: {{default: {{weights: {{arith: fixed, bits: 4}}, acts: {{bits: 8, signed: true, frac: 0}}}},
  layers: {{b: {{acts: {{bits: {out_bits}, signed: true, frac: 0}}}}}}}}
layers:
  - {{name: a, op: dense, out: 3, act: relu}}
  - {{name: b, op: dense, out: 2}}
"
    )
}

/// The mSGDMAs take the design's widths in both directions: an input
/// wider than the output and one narrower (a swap would fail one of them).
#[test]
fn dma_widths_follow_the_design_in_both_directions() {
    let mut seen = Vec::new();
    for (tag, n, ib, ob) in [("wide_in", 4, 16, 8), ("wide_out", 1, 8, 16)] {
        let dir = scratch(&format!("quartus_{tag}_src"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let yaml = dir.join(format!("{tag}.yaml"));
        std::fs::write(&yaml, net(tag, n, ib, ob)).expect("yaml");
        let (out, d) = generate(&yaml, tag);
        let pkg = package(&out, &d, tag);
        check_component(&pkg, &d);
        check_system(&pkg.join("quartus"), &d);
        seen.push((d.input.tdata_bits, d.output.tdata_bits));
        // the stubs refuse a system whose stream widths disagree: the same
        // system with the DMAs' widths swapped
        let q = pkg.join("quartus");
        let text = std::fs::read_to_string(q.join("soc_system.tcl")).expect("tcl");
        let swapped = text
            .replace(
                &format!("msgdma_mm2s DATA_WIDTH {}", d.input.tdata_bits),
                "msgdma_mm2s DATA_WIDTH IN",
            )
            .replace(
                &format!("msgdma_s2mm DATA_WIDTH {}", d.output.tdata_bits),
                &format!("msgdma_s2mm DATA_WIDTH {}", d.input.tdata_bits),
            )
            .replace(
                "msgdma_mm2s DATA_WIDTH IN",
                &format!("msgdma_mm2s DATA_WIDTH {}", d.output.tdata_bits),
            );
        assert_ne!(swapped, text);
        std::fs::write(q.join("swapped.tcl"), swapped).expect("write");
        let (_, ok, err) = run_stubbed(&q, "swapped.tcl");
        assert!(!ok && err.contains("-bit stream into a"), "{err}");
    }
    assert!(seen[0].0 > seen[0].1 && seen[1].0 < seen[1].1, "{seen:?}");
}

/// Other boards, clocks out of the PLL's range and names Quartus cannot
/// take are refused; 50 MHz needs no PLL, another clock gets one.
#[test]
fn refusals_and_the_pll() {
    let (_, d) = generate(&example("jet_tagger.yaml"), "jet_tagger_refusals");
    let b = board();
    for other in ["pynq-z2", "ulx3s-85f"] {
        let ob = tomatl::plan::load_board(other).expect("board");
        assert!(quartus::files(&d, &ob, 100.0, "x").is_err(), "{other}");
    }
    for clock in [0.0, -1.0, f64::NAN, 1000.0] {
        assert!(quartus::files(&d, &b, clock, "x").is_err(), "{clock}");
    }
    for name in ["", "a b", "1x", "a/b"] {
        assert!(quartus::files(&d, &b, 100.0, name).is_err(), "{name:?}");
    }
    let text = |mhz: f64| -> String {
        let f = quartus::files(&d, &b, mhz, "x").expect("files");
        let (_, bytes) = f
            .iter()
            .find(|(r, _)| r == "quartus/soc_system.tcl")
            .expect("soc_system.tcl");
        String::from_utf8(bytes.clone()).expect("utf8")
    };
    let direct = text(50.0);
    assert!(!direct.contains("altera_pll"));
    let pll = text(125.0);
    assert!(pll.contains("add_instance pll_0 altera_pll"));
    assert!(pll.contains("gui_output_clock_frequency0 125.000"));
}

/// Yosys maps the adapters and a packaged design to Cyclone V cells.
#[test]
fn yosys_maps_the_adapters_and_the_wrapper_to_cyclone_v() {
    need("yosys", "yosys");
    let rtl = |m: &str| repo_root().join("rtl").join(format!("{m}.v"));
    for (m, bits) in [
        ("tomatl_axis_to_avst", 8),
        ("tomatl_axis_to_avst", 64),
        ("tomatl_avst_to_axis", 8),
        ("tomatl_avst_to_axis", 256),
    ] {
        let script = format!(
            "read_verilog {}; chparam -set DATA_BITS {bits} {m}; synth_intel_alm -family cyclonev -top {m}; stat",
            rtl(m).display()
        );
        let o = Command::new("yosys")
            .args(["-q", "-p", &script])
            .output()
            .expect("yosys");
        assert!(
            o.status.success(),
            "{m} {bits}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let dir = scratch("quartus_tiny_src");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let yaml = dir.join("tiny.yaml");
    std::fs::write(&yaml, net("tiny", 4, 8, 16)).expect("yaml");
    let (out, d) = generate(&yaml, "tiny");
    let pkg = package(&out, &d, "tiny");
    let wrapper = quartus::wrapper(&d);
    let mut reads: Vec<String> = rtl_files(&pkg)
        .iter()
        .map(|f| format!("read_verilog {}", f.display()))
        .collect();
    reads.push(format!(
        "read_verilog {}",
        pkg.join("quartus").join(format!("{wrapper}.v")).display()
    ));
    let json = pkg.join("synth.json");
    let script = format!(
        "{}; synth_intel_alm -family cyclonev -top {wrapper}; tee -o {} stat -json",
        reads.join("; "),
        json.display()
    );
    let o = Command::new("yosys")
        .args(["-q", "-p", &script])
        .output()
        .expect("yosys");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stat = std::fs::read_to_string(&json).expect("stat");
    assert!(stat.contains("MISTRAL_"), "Cyclone V cells in the netlist");
}
