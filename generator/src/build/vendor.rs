//! `tomatl build` for the boards with a processor: Zynq (Vivado) and the
//! Intel SoC (Quartus). The deployment package holds the vendor project
//! (deploy::soc_files); when the vendor's tool is on PATH (or named by
//! `TOMATL_VIVADO` / `TOMATL_QUARTUS_SH`), the project is built in
//! `OUT/build/<board>/`, a copy of the package, and the bitstream (and the
//! Zynq's `.hwh`) join the package. Without the tool the build says so
//! and stops at the package.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

use super::deploy::{self, Dma};
use crate::error::{Error, Result};
use crate::hw::Design;
use crate::ir::Graph;
use crate::output::{self, DirTarget};
use crate::plan::Board;

/// The vendor flow of a board.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flow {
    Vivado,
    Quartus,
}

impl Flow {
    /// The flow of `board`, if it has a processor tomatl targets.
    pub fn of(board: &Board) -> Option<Flow> {
        match board.host.as_str() {
            "zynq-ps" | "zynqmp-ps" => Some(Flow::Vivado),
            "intel-hps" => Some(Flow::Quartus),
            _ => None,
        }
    }

    /// The command that runs the flow, and the variable that names
    /// another.
    fn command(self) -> (&'static str, &'static str) {
        match self {
            Flow::Vivado => ("vivado", "TOMATL_VIVADO"),
            Flow::Quartus => ("quartus_sh", "TOMATL_QUARTUS_SH"),
        }
    }

    /// The tool's name, for messages.
    pub fn tool_name(self) -> &'static str {
        match self {
            Flow::Vivado => "Vivado",
            Flow::Quartus => "Quartus",
        }
    }

    /// The project folder in the package.
    pub fn folder(self) -> &'static str {
        match self {
            Flow::Vivado => "vivado",
            Flow::Quartus => "quartus",
        }
    }
}

/// What a vendor build did.
#[derive(Clone, Debug, Serialize)]
pub struct VendorBuild {
    pub board: String,
    pub part: String,
    pub flow: Flow,
    pub clock_mhz: f64,
    /// The vendor tool found, if any.
    pub tool: Option<PathBuf>,
    /// The package (always written).
    pub deploy: PathBuf,
    /// The bitstream in the package, when the tool ran.
    pub bitstream: Option<PathBuf>,
}

/// `name` on PATH (or the file the variable names).
fn find_tool(flow: Flow) -> Option<PathBuf> {
    let (name, var) = flow.command();
    if let Some(p) = std::env::var_os(var) {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The design's Verilog and ROM images, as the package's `rtl/` holds
/// them.
fn rtl_files(out: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let dir = out.join("rtl");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| Error::io(dir.display().to_string(), e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let p = dir.join(&n);
            std::fs::read(&p)
                .map(|b| (n, b))
                .map_err(|e| Error::io(p.display().to_string(), e))
        })
        .collect()
}

/// The DMA of the board's project, as its scripts name and place it.
fn dma(flow: Flow, design: &Design, board: &Board) -> Result<Dma> {
    let (ip, mm2s, s2mm, dma_base, control_base, length_width) = match flow {
        Flow::Vivado => {
            let z = super::vivado::zynq_board(board)?;
            (
                "axi_dma",
                super::vivado::DMA_CELL,
                super::vivado::DMA_CELL,
                z.ctrl_base,
                z.ctrl_base + super::vivado::IP_OFFSET,
                super::driver_c::DMA_LENGTH_WIDTH,
            )
        }
        Flow::Quartus => {
            let base = u64::from(super::quartus::LW_BRIDGE_BASE);
            let at = |slave: String| {
                super::quartus::regions()
                    .into_iter()
                    .find(|r| r.slave == slave)
                    .map_or(0, |r| base + u64::from(r.offset))
            };
            (
                "altera_msgdma",
                super::quartus::DMA_IN,
                super::quartus::DMA_OUT,
                at(format!("{}.csr", super::quartus::DMA_IN)),
                at(format!("{}.s_axil", super::quartus::ACCEL)),
                super::quartus::dma_length_width(design),
            )
        }
    };
    Ok(Dma {
        ip,
        mm2s,
        s2mm,
        length_width,
        mm2s_tdata_bits: design.input.tdata_bits,
        s2mm_tdata_bits: design.output.tdata_bits,
        dma_base,
        control_base,
    })
}

/// Every file of the package of `design` for `board`, with `built` (the
/// bitstream and `.hwh` of a vendor build, when there is one).
pub fn package_files(
    out: &Path,
    design: &Design,
    graph: &Graph,
    board: &Board,
    flow: Flow,
    clock_mhz: f64,
    built: Vec<(String, Vec<u8>)>,
) -> Result<Vec<(String, Vec<u8>)>> {
    let base = deploy::basename(design, board);
    let mut vendor = match flow {
        Flow::Vivado => super::vivado::files(design, board, clock_mhz, &base)?,
        Flow::Quartus => super::quartus::files(design, board, clock_mhz, &base)?,
    };
    // the C driver, over the board's DMA (an AXI DMA or the mSGDMAs)
    vendor.extend(super::driver_c::files(design, board)?);
    vendor.extend(built);
    deploy::soc_files(
        design,
        graph,
        board,
        clock_mhz,
        rtl_files(out)?,
        vendor,
        dma(flow, design, board)?,
    )
}

/// Write the package into the folder `target` (checked before), and build
/// it when the vendor's tool is found.
pub fn build(
    out: &Path,
    design: &Design,
    graph: &Graph,
    board: &Board,
    flow: Flow,
    target: &DirTarget,
) -> Result<VendorBuild> {
    let clock_mhz = match &design.board {
        Some(fit) if fit.board == board.name => fit.clock_mhz,
        _ => board.clock_mhz,
    };
    let files = package_files(out, design, graph, board, flow, clock_mhz, vec![])?;
    write(target, &files)?;
    let tool = find_tool(flow);
    let mut report = VendorBuild {
        board: board.name.clone(),
        part: board.part.clone(),
        flow,
        clock_mhz,
        tool: tool.clone(),
        deploy: target.resolved.clone(),
        bitstream: None,
    };
    let Some(tool) = tool else {
        return Ok(report);
    };
    // the build runs in a copy of the package, so that the package only
    // ever holds what tomatl listed
    let dir = out.join("build").join(&board.name);
    super::folder::check(&dir)?;
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| output::write_err(&dir, "cannot clear the earlier build", e))?;
    }
    for (rel, bytes) in &files {
        let p = dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| output::write_err(parent, "cannot create", e))?;
        }
        std::fs::write(&p, bytes).map_err(|e| output::write_err(&p, "cannot write", e))?;
    }
    let (name, var) = flow.command();
    let log = dir.join("build.log");
    let mut c = Command::new("make");
    c.arg("-C").arg(flow.folder());
    c.arg(format!(
        "{}={}",
        var.trim_start_matches("TOMATL_"),
        tool.display()
    ));
    c.current_dir(&dir);
    let result =
        crate::progress::while_running(&format!("{name} build of {}", design.top), || c.output());
    let listed = super::folder::record(&dir);
    let o = result.map_err(|e| Error::Tool(format!("make (to run {name}): {e}")))?;
    let text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    std::fs::write(&log, &text).map_err(|e| output::write_err(&log, "cannot write", e))?;
    listed?;
    if !o.status.success() {
        return Err(Error::Tool(format!(
            "{name} failed ({}); its output is in {}",
            o.status,
            log.display()
        )));
    }
    // the bitstream (and .hwh) join the package
    let base = deploy::basename(design, board);
    let built: Vec<String> = match flow {
        Flow::Vivado => vec![format!("{base}.bit"), format!("{base}.hwh")],
        Flow::Quartus => vec![format!("{base}.rbf")],
    };
    let mut outputs = Vec::new();
    for b in &built {
        let p = dir.join(b);
        let bytes = std::fs::read(&p).map_err(|e| {
            Error::Tool(format!(
                "{name} ran but did not write {} ({e}; log {})",
                p.display(),
                log.display()
            ))
        })?;
        outputs.push((b.clone(), bytes));
    }
    let files = package_files(out, design, graph, board, flow, clock_mhz, outputs)?;
    write(target, &files)?;
    report.bitstream = Some(target.resolved.join(&built[0]));
    Ok(report)
}

fn write(target: &DirTarget, files: &[(String, Vec<u8>)]) -> Result<()> {
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    output::write_dir(target, &refs)
}
