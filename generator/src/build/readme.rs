//! The README of a deployment package (templates/deploy/): what the
//! folder holds and the steps from copying it to a passing selftest, each
//! step marked with where it runs (`<!-- step: host|vendor|board -->`:
//! any machine, one with the vendor's tools, the board), so that a test
//! can follow the walkthrough up to the point where a board is needed.

use askama::Template;

use crate::error::{Error, Result};
use crate::hw::Design;
use crate::plan::{Board, Family};

#[derive(Template)]
#[template(path = "deploy/lattice_README.md", escape = "none")]
struct Lattice<'a> {
    name: &'a str,
    board: &'a str,
    version: &'a str,
    part: &'a str,
    clock_mhz: String,
    in_shape: String,
    in_type: String,
    out_shape: String,
    out_type: String,
    baud: u64,
    bitstream: &'a str,
    frames: usize,
    program: String,
    port: &'static str,
}

#[derive(Template)]
#[template(path = "deploy/soc_README.md", escape = "none")]
struct Soc<'a> {
    name: &'a str,
    board: &'a str,
    version: &'a str,
    part: &'a str,
    clock_mhz: String,
    in_shape: String,
    in_type: String,
    in_bits: usize,
    out_shape: String,
    out_type: String,
    out_bits: usize,
    dma_text: &'static str,
    project: &'static str,
    tool: &'static str,
    zynq: bool,
    frames: usize,
    bitstream: &'a str,
    hwh: String,
    build_command: &'static str,
    cross: &'static str,
    board_login: &'static str,
    selftest: String,
    load: String,
}

fn shape(s: &[usize]) -> String {
    s.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("×")
}

fn render(t: &impl Template) -> Result<String> {
    t.render()
        .map_err(|e| Error::Internal(format!("rendering the package README: {e}")))
}

/// The README of a board without a CPU, reached over its USB serial port.
pub fn lattice(design: &Design, board: &Board, clock_mhz: f64, bitstream: &str) -> Result<String> {
    let program = match board.family {
        Family::LatticeIce40 => format!("iceprog {bitstream}"),
        _ => format!(
            "openFPGALoader -b {} {bitstream}",
            board.name.split('-').next().unwrap_or(&board.name)
        ),
    };
    render(&Lattice {
        name: &design.name,
        board: &board.name,
        version: &design.tomatl_version,
        part: &board.part,
        clock_mhz: crate::output::mhz(clock_mhz),
        in_shape: shape(&design.input.shape),
        in_type: design.input.ty.short(),
        out_shape: shape(&design.output.shape),
        out_type: design.output.ty.short(),
        baud: crate::emit::board::BAUD,
        bitstream,
        frames: super::deploy::SELFTEST_FRAMES,
        program,
        port: "/dev/ttyUSB0",
    })
}

/// The README of a board with a processor, whose bitstream the package's
/// vendor project builds.
pub fn soc(
    design: &Design,
    board: &Board,
    clock_mhz: f64,
    base: &str,
    bitstream: &str,
    zynq: bool,
) -> Result<String> {
    let ultrascale = board.family == Family::XilinxUltrascale;
    render(&Soc {
        name: &design.name,
        board: &board.name,
        version: &design.tomatl_version,
        part: &board.part,
        clock_mhz: crate::output::mhz(clock_mhz),
        in_shape: shape(&design.input.shape),
        in_type: design.input.ty.short(),
        in_bits: design.input.tdata_bits,
        out_shape: shape(&design.output.shape),
        out_type: design.output.ty.short(),
        out_bits: design.output.tdata_bits,
        dma_text: if zynq {
            "an AXI DMA in simple mode (26-bit lengths) on the processor's high-performance port"
        } else {
            "two mSGDMAs (memory to stream, stream to memory) on the HPS's FPGA-to-SDRAM port"
        },
        project: if zynq { "vivado/" } else { "quartus/" },
        tool: if zynq { "Vivado" } else { "Quartus Prime" },
        zynq,
        frames: super::deploy::SELFTEST_FRAMES,
        bitstream,
        hwh: format!("{base}.hwh"),
        build_command: if zynq {
            "make -C vivado"
        } else {
            "make -C quartus"
        },
        cross: if ultrascale {
            "aarch64-linux-gnu-"
        } else {
            "arm-linux-gnueabihf-"
        },
        board_login: if zynq {
            "xilinx@pynq"
        } else {
            "root@de10-nano"
        },
        selftest: if zynq {
            format!("sudo python3 -m tomatl_driver selftest --bitfile {bitstream}")
        } else {
            "sudo python3 -m tomatl_driver selftest".to_string()
        },
        load: format!("sudo sh -c 'cp {bitstream} /lib/firmware/ && echo {bitstream} > /sys/class/fpga_manager/fpga0/firmware'"),
    })
}
