//! The Quartus / Platform Designer project of a design for an Intel SoC
//! board (the DE10-Nano's Cyclone V SoC): scripts that Quartus runs, which
//! tomatl writes but cannot run. Every file lands under `quartus/` of a
//! package whose `rtl/` (beside it) holds the design's Verilog and ROM
//! images:
//!
//! - `<top>_avst.v`: the top behind two Avalon-ST adapters
//!   (`rtl/tomatl_avst_to_axis.v`, `rtl/tomatl_axis_to_avst.v`), with the
//!   AXI4-Lite port as Platform Designer names it (plus `awprot`/`arprot`);
//! - `<top>_hw.tcl`: the component (`package require -exact qsys 16.1`): a
//!   `QUARTUS_SYNTH` fileset of the wrapper, every `rtl/*.v` and the `.mem`
//!   files; the clock, the active-high synchronous reset, the `axi4lite`
//!   slave `s_axil`, the Avalon-ST sink `asi` and source `aso` (byte
//!   symbols, `firstSymbolInHighOrderBits false`: memory byte 0 is bits
//!   [7:0] of a beat, the stream contract's order, readyLatency 0);
//! - `soc_system.tcl` (qsys-script): the HPS (DDR3, one FPGA-to-SDRAM port,
//!   the lightweight bridge), two mSGDMAs with packets (memory to stream at
//!   the input's word width, stream to memory at the output's), the
//!   accelerator, a PLL when the clock is not the oscillator's 50 MHz;
//! - `<board>_soc_top.v`: the system with the clock pin, keys and LEDs;
//! - `<basename>.tcl` (`quartus_sh -t`): the project, the pins, the SDC, a
//!   refusal when a ROM image is missing, `execute_flow -compile`;
//! - `<basename>.sdc` and a `Makefile` (qsys-script, qsys-generate,
//!   quartus_sh, `quartus_cpf` to a compressed `.rbf` that Linux or U-Boot
//!   loads).
//!
//! The same design, board, clock and name give byte-identical files.

use std::path::Path;

use askama::Template;

use crate::error::{Error, InputError, Result};
use crate::hw::{Design, IoStream};
use crate::plan::{Board, Family};

/// The folder of the package the files are written under.
pub const DIR: &str = "quartus";

/// Base address of the lightweight HPS-to-FPGA bridge on the HPS.
pub const LW_BRIDGE_BASE: u32 = 0xFF20_0000;

/// The oscillator the project's clock comes from (MHz).
pub const OSC_MHZ: f64 = 50.0;

/// Bits of the FPGA-to-SDRAM port the DMAs use.
pub const SDRAM_PORT_BITS: u32 = 64;

/// Names of the two DMAs in the system (and for a driver).
pub const DMA_IN: &str = "msgdma_mm2s";
pub const DMA_OUT: &str = "msgdma_s2mm";
/// Name of the accelerator's instance in the system.
pub const ACCEL: &str = "accel_0";

/// One register window on the lightweight bridge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    /// `instance.interface` of the slave.
    pub slave: String,
    /// Offset on the bridge.
    pub offset: u32,
    /// Bytes.
    pub span: u32,
    pub what: &'static str,
}

/// The register windows of the system, in address order.
pub fn regions() -> Vec<Region> {
    vec![
        Region {
            slave: format!("{ACCEL}.s_axil"),
            offset: 0x0000,
            span: 1 << AXIL_ADDR_BITS,
            what: "the accelerator's status registers (design.json `registers`)",
        },
        Region {
            slave: format!("{DMA_IN}.csr"),
            offset: 0x1000,
            span: 32,
            what: "memory-to-stream mSGDMA: control and status",
        },
        Region {
            slave: format!("{DMA_IN}.descriptor_slave"),
            offset: 0x1020,
            span: 16,
            what: "memory-to-stream mSGDMA: descriptors (standard format)",
        },
        Region {
            slave: format!("{DMA_OUT}.csr"),
            offset: 0x2000,
            span: 32,
            what: "stream-to-memory mSGDMA: control and status",
        },
        Region {
            slave: format!("{DMA_OUT}.descriptor_slave"),
            offset: 0x2020,
            span: 16,
            what: "stream-to-memory mSGDMA: descriptors (standard format)",
        },
        Region {
            slave: format!("{DMA_OUT}.response"),
            offset: 0x2040,
            span: 8,
            what: "stream-to-memory mSGDMA: responses (bytes written, early termination)",
        },
    ]
}

/// The offset of `slave` (`instance.interface`) on the lightweight
/// bridge, if it is one of [`regions`].
pub fn region_offset(slave: &str) -> Option<u32> {
    regions()
        .into_iter()
        .find(|r| r.slave == slave)
        .map(|r| r.offset)
}

/// Bytes of a stream's frame.
fn frame_of(io: &IoStream) -> u64 {
    io.beats_per_frame as u64 * (io.tdata_bits as u64 / 8)
}

/// log2 of the smaller MAX_BYTE of the two mSGDMAs of `design`: the host
/// drivers send at most 2^width - 1 bytes in one descriptor.
pub fn dma_length_width(design: &Design) -> u32 {
    max_byte(frame_of(&design.input))
        .min(max_byte(frame_of(&design.output)))
        .trailing_zeros()
}

/// Address bits of the top's AXI4-Lite port.
const AXIL_ADDR_BITS: u32 = 6;

/// A pin of the board: a top-level port (a bit of a bus is `NAME[i]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pin {
    pub port: &'static str,
    /// `PIN_..` for a fabric pin; empty for the HPS's dedicated pins.
    pub location: &'static str,
    pub io_standard: &'static str,
}

/// The fabric pins the project uses, from the DE10-Nano schematic and user
/// manual: the 50 MHz oscillator FPGA_CLK1_50, the two push buttons KEY
/// (low when pressed) and the eight green LEDs, all 3.3-V LVTTL.
pub const DE10_NANO_PINS: &[Pin] = &[
    lvttl("FPGA_CLK1_50", "PIN_V11"),
    lvttl("KEY[0]", "PIN_AH17"),
    lvttl("KEY[1]", "PIN_AH16"),
    lvttl("LED[0]", "PIN_W15"),
    lvttl("LED[1]", "PIN_AA24"),
    lvttl("LED[2]", "PIN_V16"),
    lvttl("LED[3]", "PIN_V15"),
    lvttl("LED[4]", "PIN_AF26"),
    lvttl("LED[5]", "PIN_AE26"),
    lvttl("LED[6]", "PIN_Y16"),
    lvttl("LED[7]", "PIN_AA23"),
];

const fn lvttl(port: &'static str, location: &'static str) -> Pin {
    Pin {
        port,
        location,
        io_standard: "3.3-V LVTTL",
    }
}

/// The HPS's DDR3 SDRAM on the DE10-Nano (two x16 devices, 32 bits): a
/// port of the top, its width, the `soc_system` port it joins and its IO
/// standard (SSTL-15; differential for the clock and strobes; 1.5 V for
/// the calibration resistor).
pub const DE10_NANO_DDR3: &[(&str, u32, &str, &str)] = &[
    ("HPS_DDR3_ADDR", 15, "memory_mem_a", SSTL),
    ("HPS_DDR3_BA", 3, "memory_mem_ba", SSTL),
    ("HPS_DDR3_CAS_N", 1, "memory_mem_cas_n", SSTL),
    ("HPS_DDR3_CKE", 1, "memory_mem_cke", SSTL),
    ("HPS_DDR3_CK_N", 1, "memory_mem_ck_n", DIFF_SSTL),
    ("HPS_DDR3_CK_P", 1, "memory_mem_ck", DIFF_SSTL),
    ("HPS_DDR3_CS_N", 1, "memory_mem_cs_n", SSTL),
    ("HPS_DDR3_DM", 4, "memory_mem_dm", SSTL),
    ("HPS_DDR3_DQ", 32, "memory_mem_dq", SSTL),
    ("HPS_DDR3_DQS_N", 4, "memory_mem_dqs_n", DIFF_SSTL),
    ("HPS_DDR3_DQS_P", 4, "memory_mem_dqs", DIFF_SSTL),
    ("HPS_DDR3_ODT", 1, "memory_mem_odt", SSTL),
    ("HPS_DDR3_RAS_N", 1, "memory_mem_ras_n", SSTL),
    ("HPS_DDR3_RESET_N", 1, "memory_mem_reset_n", SSTL),
    ("HPS_DDR3_RZQ", 1, "memory_oct_rzqin", "1.5 V"),
    ("HPS_DDR3_WE_N", 1, "memory_mem_we_n", SSTL),
];

const SSTL: &str = "SSTL-15 CLASS I";
const DIFF_SSTL: &str = "DIFFERENTIAL 1.5-V SSTL CLASS I";

/// Bidirectional DDR3 ports of the top (data and strobes).
fn ddr3_inout(port: &str) -> bool {
    matches!(port, "HPS_DDR3_DQ" | "HPS_DDR3_DQS_N" | "HPS_DDR3_DQS_P")
}

/// The name of the board's top module: `<board>_soc_top`, the board's
/// name with `-` as `_`.
pub fn soc_top(board: &Board) -> String {
    format!("{}_soc_top", board.name.replace('-', "_"))
}

/// The module `<top>_hw.tcl` packages.
pub fn wrapper(design: &Design) -> String {
    format!("{}_avst", design.top)
}

/// The largest transfer of an mSGDMA with a frame of `frame_bytes`: one
/// MiB (many frames a descriptor), or the next power of two of a larger
/// frame.
fn max_byte(frame_bytes: u64) -> u64 {
    frame_bytes.next_power_of_two().max(1 << 20)
}

/// The mSGDMA's largest transfer setting below 2^31.
const MSGDMA_MAX_BYTE: u64 = 1 << 30;

// ------------------------------------------------------------- templates

struct Port {
    decl: String,
}

struct IfPort {
    name: String,
    role: &'static str,
    dir: &'static str,
    width: usize,
}

struct Interface {
    name: &'static str,
    kind: &'static str,
    dir: &'static str,
    doc: String,
    props: Vec<(&'static str, String)>,
    ports: Vec<IfPort>,
}

#[derive(Template)]
#[template(path = "quartus/wrapper.v", escape = "none")]
struct Wrapper<'a> {
    wrapper: &'a str,
    top: &'a str,
    name: &'a str,
    version: &'a str,
    ports: Vec<Port>,
    in_bits: usize,
    in_symbols: usize,
    in_beats: usize,
    out_bits: usize,
    out_symbols: usize,
    out_beats: usize,
}

#[derive(Template)]
#[template(path = "quartus/hw.tcl", escape = "none")]
struct HwTcl<'a> {
    top: &'a str,
    wrapper: &'a str,
    name: &'a str,
    version: &'a str,
    verilog: Vec<String>,
    mems: Vec<String>,
    interfaces: &'a [Interface],
}

struct RegionLine {
    slave: String,
    offset: String,
    hps: String,
    span: u32,
    what: &'static str,
}

#[derive(Template)]
#[template(path = "quartus/soc_system.tcl", escape = "none")]
struct SocSystem<'a> {
    top: &'a str,
    board: &'a str,
    part: &'a str,
    version: &'a str,
    soc_top: &'a str,
    family_tcl: String,
    clock: String,
    pll: bool,
    clk_src: &'static str,
    in_bits: usize,
    out_bits: usize,
    in_max_byte: u64,
    out_max_byte: u64,
    sdram_bits: u32,
    sdram_type_tcl: &'static str,
    sdram_width_tcl: String,
    lw_base: String,
    regions: Vec<RegionLine>,
    dma_in: &'static str,
    dma_out: &'static str,
    accel: &'static str,
    clocked: Vec<String>,
    resets: Vec<String>,
}

#[derive(Template)]
#[template(path = "quartus/soc_top.v", escape = "none")]
struct SocTop<'a> {
    soc_top: &'a str,
    board: &'a str,
    top: &'a str,
    version: &'a str,
    clock: String,
    pll: bool,
    ports: Vec<Port>,
    memory: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "quartus/project.tcl", escape = "none")]
struct Project<'a> {
    basename: &'a str,
    top: &'a str,
    board: &'a str,
    family: &'static str,
    part: &'a str,
    version: &'a str,
    soc_top: &'a str,
    mems: Vec<String>,
    pins: Vec<PinLine>,
    hps_pins: Vec<PinLine>,
}

/// A pin assignment as the project script writes it: the target braced
/// (a bus bit's brackets are not Tcl's command substitution).
struct PinLine {
    location: &'static str,
    target: String,
    io_standard: &'static str,
}

#[derive(Template)]
#[template(path = "quartus/project.sdc", escape = "none")]
struct Sdc<'a> {
    basename: &'a str,
    soc_top: &'a str,
    version: &'a str,
    clock_pin: &'static str,
}

#[derive(Template)]
#[template(path = "quartus/Makefile", escape = "none")]
struct Makefile<'a> {
    board: &'a str,
    version: &'a str,
    top: &'a str,
    wrapper: &'a str,
    basename: &'a str,
    family: &'static str,
    part: &'a str,
    soc_top: &'a str,
}

fn render(what: &str, r: std::result::Result<String, askama::Error>) -> Result<Vec<u8>> {
    r.map(|mut s| {
        // askama drops the template's last newline
        if !s.ends_with('\n') {
            s.push('\n');
        }
        s.into_bytes()
    })
    .map_err(|e| Error::Internal(format!("rendering quartus/{what}: {e}")))
}

// ---------------------------------------------------------- interfaces

/// The interfaces of the packaged module, in port order: each port of
/// `<top>_avst` is in exactly one.
fn interfaces(d: &Design) -> Vec<Interface> {
    let p = |name: &str, role: &'static str, dir: &'static str, width: usize| IfPort {
        name: name.to_string(),
        role,
        dir,
        width,
    };
    let clocked = |props: &mut Vec<(&'static str, String)>| {
        props.push(("associatedClock", "clock".into()));
        props.push(("associatedReset", "reset".into()));
    };
    let mut v = vec![
        Interface {
            name: "clock",
            kind: "clock",
            dir: "end",
            doc: "the accelerator's clock".into(),
            props: vec![("clockRate", "0".into())],
            ports: vec![p("clk", "clk", "Input", 1)],
        },
        Interface {
            name: "reset",
            kind: "reset",
            dir: "end",
            doc: "synchronous reset, active high".into(),
            props: vec![
                ("associatedClock", "clock".into()),
                ("synchronousEdges", "BOTH".into()),
            ],
            ports: vec![p("rst", "reset", "Input", 1)],
        },
    ];
    let mut axil = Interface {
        name: "s_axil",
        kind: "axi4lite",
        dir: "end",
        doc: "status registers: AXI4-Lite slave, 32-bit data".into(),
        props: Vec::new(),
        ports: Vec::new(),
    };
    clocked(&mut axil.props);
    let a = AXIL_ADDR_BITS as usize;
    for (role, dir, width) in [
        ("awaddr", "Input", a),
        ("awprot", "Input", 3),
        ("awvalid", "Input", 1),
        ("awready", "Output", 1),
        ("wdata", "Input", 32),
        ("wstrb", "Input", 4),
        ("wvalid", "Input", 1),
        ("wready", "Output", 1),
        ("bresp", "Output", 2),
        ("bvalid", "Output", 1),
        ("bready", "Input", 1),
        ("araddr", "Input", a),
        ("arprot", "Input", 3),
        ("arvalid", "Input", 1),
        ("arready", "Output", 1),
        ("rdata", "Output", 32),
        ("rresp", "Output", 2),
        ("rvalid", "Output", 1),
        ("rready", "Input", 1),
    ] {
        axil.ports
            .push(p(&format!("s_axil_{role}"), role, dir, width));
    }
    v.push(axil);
    for (name, io, sink) in [("asi", &d.input, true), ("aso", &d.output, false)] {
        let symbols = io.tdata_bits / 8;
        let (i, o) = if sink {
            ("Input", "Output")
        } else {
            ("Output", "Input")
        };
        let mut st = Interface {
            name,
            kind: "avalon_streaming",
            dir: if sink { "end" } else { "start" },
            doc: format!(
                "{}: {} beat(s) a frame of {} bits, byte symbols, symbol 0 in bits [7:0]",
                if sink {
                    "input frames (from the memory-to-stream mSGDMA)"
                } else {
                    "output frames (to the stream-to-memory mSGDMA)"
                },
                io.beats_per_frame,
                io.tdata_bits
            ),
            props: Vec::new(),
            ports: Vec::new(),
        };
        clocked(&mut st.props);
        st.props.extend([
            ("dataBitsPerSymbol", "8".to_string()),
            ("symbolsPerBeat", symbols.to_string()),
            ("firstSymbolInHighOrderBits", "false".into()),
            ("readyLatency", "0".into()),
            ("maxChannel", "0".into()),
            ("errorDescriptor", "\"\"".into()),
            ("beatsPerCycle", "1".into()),
            ("emptyWithinPacket", "false".into()),
        ]);
        st.ports = vec![
            p(&format!("{name}_data"), "data", i, io.tdata_bits),
            p(&format!("{name}_valid"), "valid", i, 1),
            p(&format!("{name}_ready"), "ready", o, 1),
            p(&format!("{name}_startofpacket"), "startofpacket", i, 1),
            p(&format!("{name}_endofpacket"), "endofpacket", i, 1),
        ];
        if symbols > 1 {
            st.ports
                .push(p(&format!("{name}_empty"), "empty", i, empty_bits(symbols)));
        }
        v.push(st);
    }
    v
}

/// Bits of the empty signal of a beat of `symbols` symbols.
fn empty_bits(symbols: usize) -> usize {
    (usize::BITS - (symbols - 1).leading_zeros()) as usize
}

fn decl(dir: &str, width: usize, name: &str) -> Port {
    let d = match dir {
        "Input" => "input ",
        "Output" => "output",
        _ => "inout ",
    };
    let range = if width > 1 {
        format!("[{}:0] ", width - 1)
    } else {
        String::new()
    };
    Port {
        decl: format!("{d} wire {range}{name}"),
    }
}

// ---------------------------------------------------------------- checks

fn check_stream(io: &IoStream, what: &str) -> Result<usize> {
    let w = io.tdata_bits;
    if !(8..=1024).contains(&w) || !w.is_power_of_two() {
        return Err(InputError::new(
            Path::new("design.json"),
            format!("the {what} stream is {w} bits wide, which an mSGDMA cannot carry"),
        )
        .expected("a power of two of bytes from 8 to 1024 bits (DESIGN.md section 6)")
        .into());
    }
    let frame = io.beats_per_frame as u64 * (w as u64 / 8);
    if frame == 0 || frame > MSGDMA_MAX_BYTE {
        return Err(InputError::new(
            Path::new("design.json"),
            format!("a frame of the {what} stream is {frame} bytes"),
        )
        .expected(format!(
            "1 to {MSGDMA_MAX_BYTE} bytes (one mSGDMA transfer)"
        ))
        .into());
    }
    Ok(w)
}

fn check_basename(basename: &str) -> Result<()> {
    let ok = !basename.is_empty()
        && basename.len() <= 64
        && basename
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !basename.starts_with(|c: char| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(InputError::new(
            Path::new("--name"),
            format!("`{basename}` cannot name a Quartus project"),
        )
        .expected("an identifier: letters, digits and `_`, not starting with a digit, at most 64")
        .into())
    }
}

/// The Quartus / Platform Designer project of `design` for the Intel SoC
/// `board` (de10-nano), as files relative to the package root (under `quartus/`).
pub fn files(
    design: &Design,
    board: &Board,
    clock_mhz: f64,
    basename: &str,
) -> Result<Vec<(String, Vec<u8>)>> {
    let pins = match board.name.as_str() {
        "de10-nano" if board.family == Family::IntelCycloneV => DE10_NANO_PINS,
        _ => {
            return Err(InputError::new(
                Path::new("--board"),
                format!(
                    "board `{}` ({:?}, host {}) has no Quartus / Platform Designer flow",
                    board.name, board.family, board.host
                ),
            )
            .expected("an Intel SoC board: de10-nano")
            .into())
        }
    };
    // the PLL's range on Cyclone V (an output of 5 MHz to the fabric's limit)
    if !(clock_mhz.is_finite() && (5.0..=400.0).contains(&clock_mhz)) {
        return Err(InputError::new(
            Path::new("--clock"),
            format!("{clock_mhz} MHz is not a clock the Cyclone V PLL makes from 50 MHz"),
        )
        .expected("5 to 400 MHz")
        .into());
    }
    check_basename(basename)?;
    let in_bits = check_stream(&design.input, "input")?;
    let out_bits = check_stream(&design.output, "output")?;
    let version = design.tomatl_version.as_str();
    let top = design.top.as_str();
    let wrapper_name = wrapper(design);
    let soc_top_name = soc_top(board);
    let pll = clock_mhz != OSC_MHZ;
    let clock = format!("{clock_mhz:.3}");

    // the package's rtl/: the library, the top, the ROM images
    let mut verilog: Vec<String> = crate::embedded::RTL_LIBRARY
        .iter()
        .map(|(f, _)| f.to_string())
        .collect();
    verilog.push(format!("{top}.v"));
    verilog.sort();
    verilog.dedup();
    let mut mems: Vec<String> = design.roms.iter().map(|r| r.file.clone()).collect();
    mems.sort();
    mems.dedup();
    for m in &mems {
        if m.is_empty()
            || m.contains(['/', '\\', ' ', '{', '}', '"', '$', '[', ']'])
            || m.starts_with('.')
        {
            return Err(Error::Internal(format!(
                "ROM image name `{m}` is not a plain file name"
            )));
        }
    }

    let ifs = interfaces(design);
    let wrapper_ports: Vec<Port> = ifs
        .iter()
        .flat_map(|i| i.ports.iter())
        .map(|p| decl(p.dir, p.width, &p.name))
        .collect();
    let w = Wrapper {
        wrapper: &wrapper_name,
        top,
        name: &design.name,
        version,
        ports: wrapper_ports,
        in_bits,
        in_symbols: in_bits / 8,
        in_beats: design.input.beats_per_frame,
        out_bits,
        out_symbols: out_bits / 8,
        out_beats: design.output.beats_per_frame,
    };
    let hw = HwTcl {
        top,
        wrapper: &wrapper_name,
        name: &design.name,
        version,
        verilog,
        mems: mems.clone(),
        interfaces: &ifs,
    };

    let regions: Vec<RegionLine> = regions()
        .into_iter()
        .map(|r| RegionLine {
            offset: format!("0x{:08x}", r.offset),
            hps: format!("0x{:08X}", LW_BRIDGE_BASE + r.offset),
            slave: r.slave,
            span: r.span,
            what: r.what,
        })
        .collect();
    let clk_src = if pll { "pll_0.outclk0" } else { "clk_0.clk" };
    let clocked = [
        "hps_0.h2f_lw_axi_clock",
        "hps_0.f2h_sdram0_clock",
        &format!("{DMA_IN}.clock"),
        &format!("{DMA_OUT}.clock"),
        &format!("{ACCEL}.clock"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let resets = [
        format!("{DMA_IN}.reset"),
        format!("{DMA_OUT}.reset"),
        format!("{ACCEL}.reset"),
    ]
    .to_vec();
    let soc = SocSystem {
        top,
        board: &board.name,
        part: &board.part,
        version,
        soc_top: &soc_top_name,
        family_tcl: "{Cyclone V}".into(),
        clock: clock.clone(),
        pll,
        clk_src,
        in_bits,
        out_bits,
        in_max_byte: max_byte(frame_of(&design.input)),
        out_max_byte: max_byte(frame_of(&design.output)),
        sdram_bits: SDRAM_PORT_BITS,
        sdram_type_tcl: "{{Avalon-MM Bidirectional}}",
        sdram_width_tcl: format!("{{{SDRAM_PORT_BITS}}}"),
        lw_base: format!("0x{LW_BRIDGE_BASE:08X}"),
        regions,
        dma_in: DMA_IN,
        dma_out: DMA_OUT,
        accel: ACCEL,
        clocked,
        resets,
    };

    // the board top: fabric pins (buses grouped), then the SDRAM
    let mut top_ports = vec![
        decl("Input", 1, "FPGA_CLK1_50"),
        decl("Input", 2, "KEY"),
        decl("Output", 8, "LED"),
    ];
    for (port, width, _, _) in DE10_NANO_DDR3 {
        let dir = if ddr3_inout(port) {
            "Inout"
        } else if *port == "HPS_DDR3_RZQ" {
            "Input"
        } else {
            "Output"
        };
        top_ports.push(decl(dir, *width as usize, port));
    }
    let st = SocTop {
        soc_top: &soc_top_name,
        board: &board.name,
        top,
        version,
        clock: clock.clone(),
        pll,
        ports: top_ports,
        memory: DE10_NANO_DDR3
            .iter()
            .map(|(port, _, sys, _)| (sys.to_string(), port.to_string()))
            .collect(),
    };
    let pin_lines: Vec<PinLine> = pins
        .iter()
        .map(|p| PinLine {
            location: p.location,
            target: format!("{{{}}}", p.port),
            io_standard: p.io_standard,
        })
        .collect();
    // the SDRAM's IO standards, bit by bit
    let mut hps_pins = Vec::new();
    for (port, width, _, std) in DE10_NANO_DDR3 {
        for i in 0..*width {
            hps_pins.push(PinLine {
                location: "",
                target: if *width == 1 {
                    format!("{{{port}}}")
                } else {
                    format!("{{{port}[{i}]}}")
                },
                io_standard: std,
            });
        }
    }
    let prj = Project {
        basename,
        top,
        board: &board.name,
        family: "Cyclone V",
        part: &board.part,
        version,
        soc_top: &soc_top_name,
        mems,
        pins: pin_lines,
        hps_pins,
    };
    let sdc = Sdc {
        basename,
        soc_top: &soc_top_name,
        version,
        clock_pin: "FPGA_CLK1_50",
    };
    let mk = Makefile {
        board: &board.name,
        version,
        top,
        wrapper: &wrapper_name,
        basename,
        family: "Cyclone V",
        part: &board.part,
        soc_top: &soc_top_name,
    };
    let f = |name: String| format!("{DIR}/{name}");
    Ok(vec![
        (
            f(format!("{wrapper_name}.v")),
            render("wrapper", w.render())?,
        ),
        (f(format!("{top}_hw.tcl")), render("_hw.tcl", hw.render())?),
        (
            f("soc_system.tcl".into()),
            render("soc_system.tcl", soc.render())?,
        ),
        (
            f(format!("{soc_top_name}.v")),
            render("soc_top", st.render())?,
        ),
        (
            f(format!("{basename}.tcl")),
            render("project", prj.render())?,
        ),
        (f(format!("{basename}.sdc")), render("sdc", sdc.render())?),
        (f("Makefile".into()), render("Makefile", mk.render())?),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_bits_cover_the_symbols() {
        assert_eq!(empty_bits(2), 1);
        assert_eq!(empty_bits(4), 2);
        assert_eq!(empty_bits(8), 3);
        assert_eq!(empty_bits(128), 7);
    }

    #[test]
    fn basenames_are_identifiers() {
        assert!(check_basename("jet_tagger").is_ok());
        for bad in ["", "9x", "a-b", "a b", "a/b", "x;rm"] {
            assert!(check_basename(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn max_byte_covers_a_frame() {
        assert_eq!(max_byte(784), 1 << 20);
        assert_eq!(max_byte((1 << 20) + 1), 1 << 21);
    }
}
