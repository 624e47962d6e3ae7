//! The Vivado project of a design for a Zynq board (PYNQ-Z2, ZCU104,
//! KV260, Ultra96-V2), as files of the deployment package (all under
//! `vivado/`, run from there with `make` or `vivado -mode batch -source
//! <script>`; the design's Verilog and ROM images sit in `rtl/` at the
//! package root):
//!
//! - `ip/<top>_ip.v`: the vendor-ready wrapper of the top: `ap_clk`,
//!   `ap_rst_n` (active low, registered into the top's active-high `rst`),
//!   `s_axis_*`, `m_axis_*` and `s_axi_control_*` with the
//!   `X_INTERFACE_INFO` / `X_INTERFACE_PARAMETER` attributes Vivado's IP
//!   packager infers the bus interfaces from (FREQ_HZ = the clock);
//! - `package_ip.tcl`: the wrapper, `rtl/*.v` and every ROM image packaged
//!   as the IP `tomatl.org:tomatl:<top>_ip:1.0` in `vivado/ip_repo/` (bus
//!   interfaces on `ap_clk`, a 4 KiB memory map for the control port, the
//!   `.mem` files in the IP's file groups);
//! - `bd.tcl`: the block design: the processing system, an AXI DMA in
//!   simple mode (26-bit length register; MM2S word = the input word,
//!   S2MM word = the output word), the IP, control over AXI-Lite from the
//!   PS's general-purpose master, data through the board's HP port, the PS
//!   clock at the design's clock, addresses, validation, the HDL wrapper;
//! - `build.tcl`: synthesis to bitstream with a missing `$readmem` file an
//!   error (Synth 8-4445), the run's status, timing (negative slack fails)
//!   and utilisation checked, then `<basename>.bit`, `<basename>.hwh` and
//!   `<basename>.xsa` at the package root, one basename for the three;
//! - `Makefile`: the three steps, each a target.
//!
//! Every board fact (board part, processing system, HP port, its width,
//! the control window's base) is in [`ZYNQ_BOARDS`]; the templates
//! (`templates/vivado/`) only render it. Alveo cards are out of scope:
//! theirs is a Vitis `v++` link flow against a platform, not a block
//! design with a processing system, and `files` refuses them as it
//! refuses every board not in the table.

use std::path::Path;

use askama::Template;

use crate::error::{Error, InputError, Result};
use crate::hw::{Design, ADDR_BITS};
use crate::plan::Board;

/// The processing system of a Zynq board.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ps {
    /// Zynq-7000: `processing_system7` (M_AXI_GP0, S_AXI_HP0, FCLK_CLK0).
    Zynq7,
    /// Zynq UltraScale+ MPSoC: `zynq_ultra_ps_e` (M_AXI_HPM0_FPD,
    /// S_AXI_HP0_FPD, pl_clk0).
    ZynqUltraScale,
}

/// What the Vivado flow needs to know of a Zynq board.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZynqBoard {
    /// tomatl's board name (`boards/<name>.yaml`).
    pub name: &'static str,
    /// The device, as in the board definition.
    pub part: &'static str,
    /// Vivado's board part.
    pub board_part: &'static str,
    /// Where the board part's files come from, for the error when they
    /// are missing.
    pub board_files: &'static str,
    pub ps: Ps,
    /// The PS slave port the DMA's memory side reaches DDR through.
    pub hp_port: &'static str,
    /// Its data width in bits (the DMA's memory-mapped width at least).
    pub hp_bits: usize,
    /// Address bits of the DMA's memory side.
    pub dma_addr_bits: usize,
    /// The base of the PS master's window onto the PL: the DMA's
    /// registers there, the accelerator's 64 KiB above.
    pub ctrl_base: u64,
}

/// The Zynq boards with a Vivado flow.
pub const ZYNQ_BOARDS: &[ZynqBoard] = &[
    ZynqBoard {
        name: "pynq-z2",
        part: "xc7z020clg400-1",
        board_part: "tul.com.tw:pynq-z2:part0:1.0",
        board_files: "TUL's PYNQ-Z2 board files (Vivado's board store: Tools > Vivado Store > Boards > pynq-z2; or set TOMATL_BOARD_REPO to a folder of board files)",
        ps: Ps::Zynq7,
        hp_port: "S_AXI_HP0",
        hp_bits: 64,
        dma_addr_bits: 32,
        ctrl_base: 0x4000_0000,
    },
    ZynqBoard {
        name: "zcu104",
        part: "xczu7ev-ffvc1156-2-e",
        board_part: "xilinx.com:zcu104:part0:1.1",
        board_files: "the ZCU104 board files (installed with Vivado's Zynq UltraScale+ devices; or set TOMATL_BOARD_REPO to a folder of board files)",
        ps: Ps::ZynqUltraScale,
        hp_port: "S_AXI_HP0_FPD",
        hp_bits: 128,
        dma_addr_bits: 64,
        ctrl_base: 0xA000_0000,
    },
    ZynqBoard {
        name: "kv260",
        part: "xck26-sfvc784-2LV-c",
        board_part: "xilinx.com:kv260_som:part0:1.3",
        board_files: "the KV260 SOM board files (Vivado's board store: Tools > Vivado Store > Boards > kv260_som; or set TOMATL_BOARD_REPO to a folder of board files)",
        ps: Ps::ZynqUltraScale,
        hp_port: "S_AXI_HP0_FPD",
        hp_bits: 128,
        dma_addr_bits: 64,
        ctrl_base: 0xA000_0000,
    },
    ZynqBoard {
        name: "ultra96v2",
        part: "xczu3eg-sbva484-1-i",
        board_part: "avnet.com:ultra96v2:part0:1.2",
        board_files: "Avnet's Ultra96-V2 board files (Vivado's board store: Tools > Vivado Store > Boards > ultra96v2; or set TOMATL_BOARD_REPO to a folder of board files)",
        ps: Ps::ZynqUltraScale,
        hp_port: "S_AXI_HP0_FPD",
        hp_bits: 128,
        dma_addr_bits: 64,
        ctrl_base: 0xA000_0000,
    },
];

/// The accelerator's register window above the DMA's.
pub const IP_OFFSET: u64 = 0x1_0000;

/// The block design's cells of the AXI DMA and of the accelerator
/// (templates/vivado/bd.tcl), the names PYNQ's overlay and the `.hwh` know
/// them by.
pub const DMA_CELL: &str = "dma";
pub const IP_CELL: &str = "accel";

/// The Vivado facts of `board`, or an error naming the boards there are.
pub fn zynq_board(board: &Board) -> Result<&'static ZynqBoard> {
    let names: Vec<&str> = ZYNQ_BOARDS.iter().map(|b| b.name).collect();
    let Some(z) = ZYNQ_BOARDS.iter().find(|z| z.name == board.name) else {
        let why = if board.host == "pcie" {
            " (an Alveo card is a Vitis v++ link flow, not a block design)"
        } else {
            ""
        };
        return Err(InputError::new(
            Path::new("--board"),
            format!(
                "board `{}` has no Vivado block-design flow{why}",
                board.name
            ),
        )
        .expected(format!("one of the Zynq boards {}", names.join(", ")))
        .into());
    };
    if z.part != board.part {
        return Err(InputError::new(
            Path::new("--board"),
            format!(
                "board `{}` names part `{}`, but its Vivado board part {} is a {}",
                board.name, board.part, z.board_part, z.part
            ),
        )
        .expected(format!("part `{}` for board `{}`", z.part, z.name))
        .into());
    }
    Ok(z)
}

/// The AXI DMA's stream width for a port of `tdata_bits`: the power of two
/// of bytes (8..1024 bits) the DMA takes, which DESIGN.md §6 makes every
/// stream word; a narrower word is zero padded by the wrapper.
pub fn dma_word_bits(tdata_bits: usize) -> Result<usize> {
    let w = tdata_bits.max(8).next_power_of_two();
    if tdata_bits == 0 || w > 1024 {
        return Err(Error::Internal(format!(
            "a stream word of {tdata_bits} bits: the AXI DMA takes words of 8 to 1024 bits"
        )));
    }
    Ok(w)
}

/// `text` inside a Tcl double-quoted string: no substitution.
fn tcl_quoted(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "[]$\"\\{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One side of the wrapper: the DMA's word and the top's.
struct Port {
    dma_bits: usize,
    top_bits: usize,
}

impl Port {
    fn pad(&self) -> usize {
        self.dma_bits - self.top_bits
    }
}

#[derive(Template)]
#[template(path = "vivado/ip.v", escape = "none")]
struct IpWrapper<'a> {
    ip: &'a str,
    top: &'a str,
    version: &'a str,
    basename: &'a str,
    freq_hz: u64,
    addr_bits: u32,
    input: Port,
    output: Port,
}

#[derive(Template)]
#[template(path = "vivado/package_ip.tcl", escape = "none")]
struct PackageIp<'a> {
    ip: &'a str,
    top: &'a str,
    version: &'a str,
    basename: &'a str,
    part: &'a str,
    mems: Vec<&'a str>,
}

#[derive(Template)]
#[template(path = "vivado/bd.tcl", escape = "none")]
struct BlockDesign<'a> {
    ip: &'a str,
    version: &'a str,
    basename: &'a str,
    board: &'a ZynqBoard,
    /// Where the board files come from, quoted for Tcl.
    board_files: String,
    zynq7: bool,
    mhz: String,
    in_bits: usize,
    out_bits: usize,
    mm2s_mm_bits: usize,
    s2mm_mm_bits: usize,
    mm2s_burst: usize,
    s2mm_burst: usize,
    dma_base: String,
    ip_base: String,
}

#[derive(Template)]
#[template(path = "vivado/build.tcl", escape = "none")]
struct BuildScript<'a> {
    version: &'a str,
    basename: &'a str,
}

#[derive(Template)]
#[template(path = "vivado/Makefile", escape = "none")]
struct Makefile<'a> {
    ip: &'a str,
    version: &'a str,
    basename: &'a str,
}

/// The longest DMA burst (in beats, 2..256) that stays within one 4 KiB
/// AXI boundary at a memory-mapped width of `mm_bits`.
fn burst(mm_bits: usize) -> usize {
    (4096 / (mm_bits / 8)).clamp(2, 256)
}

/// A template's text, ending in a newline (askama drops the last one).
fn render(t: &impl Template, what: &str) -> Result<Vec<u8>> {
    let mut text = t
        .render()
        .map_err(|e| Error::Internal(format!("rendering {what}: {e}")))?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text.into_bytes())
}

/// The Vivado project of `design` for the Zynq `board`, as files relative
/// to the deployment package's root (all under `vivado/`).
pub fn files(
    design: &Design,
    board: &Board,
    clock_mhz: f64,
    basename: &str,
) -> Result<Vec<(String, Vec<u8>)>> {
    let z = zynq_board(board)?;
    if !(clock_mhz.is_finite() && clock_mhz > 0.0) {
        return Err(
            InputError::new(Path::new("--clock"), format!("a clock of {clock_mhz} MHz"))
                .expected("a positive clock in MHz")
                .into(),
        );
    }
    let ident = |c: char| c.is_ascii_alphanumeric() || "_-.".contains(c);
    if basename.is_empty() || !basename.chars().all(ident) {
        return Err(Error::Internal(format!(
            "the outputs' basename `{basename}` is not a file name of letters, digits, `_`, `-` and `.`"
        )));
    }
    let version = design.tomatl_version.as_str();
    let top = design.top.as_str();
    let ip = format!("{top}_ip");
    let input = Port {
        dma_bits: dma_word_bits(design.input.tdata_bits)?,
        top_bits: design.input.tdata_bits,
    };
    let output = Port {
        dma_bits: dma_word_bits(design.output.tdata_bits)?,
        top_bits: design.output.tdata_bits,
    };
    let mm2s_mm_bits = z.hp_bits.max(input.dma_bits);
    let s2mm_mm_bits = z.hp_bits.max(output.dma_bits);
    let bd = BlockDesign {
        ip: &ip,
        version,
        basename,
        board: z,
        board_files: tcl_quoted(z.board_files),
        zynq7: z.ps == Ps::Zynq7,
        mhz: crate::output::mhz(clock_mhz),
        in_bits: input.dma_bits,
        out_bits: output.dma_bits,
        mm2s_mm_bits,
        s2mm_mm_bits,
        mm2s_burst: burst(mm2s_mm_bits),
        s2mm_burst: burst(s2mm_mm_bits),
        dma_base: format!("0x{:08X}", z.ctrl_base),
        ip_base: format!("0x{:08X}", z.ctrl_base + IP_OFFSET),
    };
    let wrapper = IpWrapper {
        ip: &ip,
        top,
        version,
        basename,
        freq_hz: (clock_mhz * 1e6).round() as u64,
        addr_bits: ADDR_BITS,
        input,
        output,
    };
    let mut mems: Vec<&str> = design.roms.iter().map(|r| r.file.as_str()).collect();
    mems.sort_unstable();
    mems.dedup();
    let pkg = PackageIp {
        ip: &ip,
        top,
        version,
        basename,
        part: z.part,
        mems,
    };
    Ok(vec![
        (
            format!("vivado/ip/{ip}.v"),
            render(&wrapper, "the IP wrapper")?,
        ),
        (
            "vivado/package_ip.tcl".into(),
            render(&pkg, "package_ip.tcl")?,
        ),
        ("vivado/bd.tcl".into(), render(&bd, "bd.tcl")?),
        (
            "vivado/build.tcl".into(),
            render(&BuildScript { version, basename }, "build.tcl")?,
        ),
        (
            "vivado/Makefile".into(),
            render(
                &Makefile {
                    ip: &ip,
                    version,
                    basename,
                },
                "the Makefile",
            )?,
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dma_words_are_powers_of_two_of_bytes() {
        assert_eq!(dma_word_bits(8).ok(), Some(8));
        assert_eq!(dma_word_bits(24).ok(), Some(32));
        assert_eq!(dma_word_bits(80).ok(), Some(128));
        assert_eq!(dma_word_bits(1024).ok(), Some(1024));
        assert!(dma_word_bits(1032).is_err());
        assert!(dma_word_bits(0).is_err());
    }

    #[test]
    fn bursts_stay_within_4k() {
        assert_eq!(burst(64), 256);
        assert_eq!(burst(128), 256);
        assert_eq!(burst(256), 128);
        assert_eq!(burst(1024), 32);
    }

    #[test]
    fn tcl_quoting() {
        assert_eq!(
            tcl_quoted("a [b] $c \\ \"d\""),
            "a \\[b\\] \\$c \\\\ \\\"d\\\""
        );
    }

    #[test]
    fn clock_text() {
        assert_eq!(crate::output::mhz(143.0), "143");
        assert_eq!(crate::output::mhz(142.5), "142.5");
        assert_eq!(crate::output::mhz(99.999_999_9), "100");
    }

    #[test]
    fn the_table_matches_the_board_definitions() {
        for z in ZYNQ_BOARDS {
            let b = crate::plan::load_board(z.name).expect("board");
            assert_eq!(zynq_board(&b).ok(), Some(z), "{}", z.name);
        }
        let alveo = crate::plan::load_board("alveo-u250").expect("board");
        let e = zynq_board(&alveo).err().map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("Vitis")));
    }
}
