//! The deployment package of a board, written by `tomatl build`:
//! `OUT/deploy/<board>/` holds what a host needs to program the board and
//! talk to the accelerator, and nothing that needs tomatl. On a board
//! without a CPU (the open flow) it holds:
//!
//! - `manifest.json`: tomatl's version, the network's hash, the board,
//!   part and clock, the input and output streams (shape, type, word width,
//!   packing), the register map, the UART's rate, the bitstream's name and
//!   every other file with its SHA-256 (DESIGN.md §6);
//! - the bitstream (`<board>.bit` / `<board>.bin`);
//! - `tomatl_driver/`, the Python host driver (numpy and pyserial);
//! - `test/input.npy` and `test/expected.npy`: golden vectors (input codes
//!   and the golden model's output codes) for `python3 -m tomatl_driver
//!   selftest --port /dev/ttyUSB0`, run in the package folder.
//!
//! On a board with a processor (Zynq, Intel SoC) the bitstream is built by
//! the vendor's tools from the package itself: it holds the design's
//! Verilog and ROMs (`rtl/`), the vendor project (`vivado/` or
//! `quartus/`), the drivers, the golden vectors and a README that walks
//! from copying the folder to a passing selftest ([`soc_files`]).
//!
//! One schema for all boards: docs/manifest.schema.json. The folder is
//! written whole through `output::write_dir` (its own
//! `tomatl-manifest.json`; a folder tomatl did not write is refused).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ndarray::{Array2, ArrayD, IxDyn};
use ndarray_npy::WriteNpyExt;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::hw::{Design, IoStream, Register};
use crate::ir::Graph;
use crate::output::{self, DirKind, DirTarget};
use crate::plan::{Board, Family};

/// Frames of the golden vectors in `test/`.
pub const SELFTEST_FRAMES: usize = 8;
/// Seed of their random input codes.
pub const SELFTEST_SEED: u64 = 1;

/// The version of manifest.json's schema (docs/manifest.schema.json).
pub const SCHEMA_VERSION: u32 = 1;

/// How the host reaches the accelerator.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Uart {
    /// Bits per second (8N1).
    pub baud: u64,
}

/// The DMA engines between the processor's memory and the accelerator's
/// streams (Zynq: one AXI DMA in simple mode; Intel: two mSGDMAs).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dma {
    /// The IP: `axi_dma` or `altera_msgdma`.
    pub ip: &'static str,
    /// Its instance names in the vendor project: memory to stream (the
    /// accelerator's input) and stream to memory (its output); the same
    /// instance for both channels of an AXI DMA.
    pub mm2s: &'static str,
    pub s2mm: &'static str,
    /// Width of the transfer length: a transfer of 2^width bytes or more
    /// cannot be sent (the AXI DMA's `c_sg_length_width`; log2 of the
    /// mSGDMAs' smaller MAX_BYTE).
    pub length_width: u32,
    /// TDATA bits of each channel: the accelerator's input and output words.
    pub mm2s_tdata_bits: usize,
    pub s2mm_tdata_bits: usize,
    /// The processor's addresses of the DMA's and the accelerator's
    /// registers.
    pub dma_base: u64,
    pub control_base: u64,
}

/// The packing rule of every stream word (DESIGN.md §6).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Packing {
    /// Element `i` of a beat at bits `[i*b, (i+1)*b)`, zero-padded.
    pub elements: &'static str,
    /// How memory holds a beat.
    pub word_bytes: &'static str,
    /// How a frame ends.
    pub frame: &'static str,
}

/// The one packing rule.
pub const PACKING: Packing = Packing {
    elements: "lsb_first",
    word_bytes: "little_endian",
    frame: "tlast_on_last_beat",
};

/// What `manifest.json` holds.
#[derive(Clone, Debug, Serialize)]
pub struct PackageManifest<'a> {
    pub schema_version: u32,
    pub tomatl_version: &'a str,
    pub name: &'a str,
    pub top: &'a str,
    pub net_hash: u32,
    pub board: &'a str,
    pub family: Family,
    pub part: &'a str,
    /// The accelerator's clock (what the PLL gives, else the oscillator).
    pub clock_mhz: f64,
    /// The host link: `uart` (the bridge of docs/uart-protocol.md),
    /// `axi-dma` (Zynq) or `msgdma` (Intel SoC).
    pub host: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uart: Option<Uart>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dma: Option<Dma>,
    /// The bitstream: a file of this package, or, on a board built by the
    /// vendor's tools, the name the project writes it under (beside the
    /// manifest).
    pub bitstream: String,
    /// The Zynq's hardware handoff, written beside the bitstream under the
    /// same basename.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hwh: Option<String>,
    /// The vendor project that builds the bitstream (`vivado/`,
    /// `quartus/`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    pub input: &'a IoStream,
    pub output: &'a IoStream,
    pub packing: Packing,
    pub registers: &'a [Register],
    /// Frames of the golden vectors in `test/`.
    pub selftest_frames: usize,
    /// Every other file of the package and its SHA-256.
    pub files: BTreeMap<String, String>,
}

/// `[frames, …shape]` codes as `.npy` bytes.
fn npy(codes: &Array2<i64>, shape: &[usize]) -> Result<Vec<u8>> {
    let mut dims = vec![codes.nrows()];
    dims.extend_from_slice(shape);
    let a = ArrayD::from_shape_vec(IxDyn(&dims), codes.iter().copied().collect())
        .map_err(|e| Error::Internal(format!("shaping the golden vectors: {e}")))?;
    let mut bytes = Vec::new();
    a.write_npy(&mut bytes)
        .map_err(|e| Error::Internal(format!("writing the golden vectors: {e}")))?;
    Ok(bytes)
}

/// The golden vectors and the Python driver, which every package holds.
fn common_files(design: &Design, graph: &Graph) -> Result<Vec<(String, Vec<u8>)>> {
    let x = crate::golden::random_inputs(graph, SELFTEST_FRAMES, SELFTEST_SEED);
    // what the drivers deliver: ONNX's order for an `order: chw` output
    let y = graph.to_host_order(crate::golden::run(graph, x.view()).view());
    let mut files = vec![
        ("test/input.npy".to_string(), npy(&x, &design.input.shape)?),
        (
            "test/expected.npy".to_string(),
            npy(&y, &design.output.shape)?,
        ),
    ];
    for (name, text) in crate::embedded::DRIVER_FILES {
        files.push((format!("tomatl_driver/{name}"), text.as_bytes().to_vec()));
    }
    Ok(files)
}

/// How a package's host reaches its accelerator, and what builds its
/// bitstream.
struct Link {
    host: &'static str,
    uart: Option<Uart>,
    dma: Option<Dma>,
    bitstream: String,
    hwh: Option<String>,
    project: Option<String>,
}

/// `files` with `manifest.json` appended: every file listed with its hash.
fn with_manifest(
    mut files: Vec<(String, Vec<u8>)>,
    design: &Design,
    board: &Board,
    clock_mhz: f64,
    link: Link,
) -> Result<Vec<(String, Vec<u8>)>> {
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let manifest = PackageManifest {
        schema_version: SCHEMA_VERSION,
        tomatl_version: &design.tomatl_version,
        name: &design.name,
        top: &design.top,
        net_hash: design.net_hash,
        board: &board.name,
        family: board.family,
        part: &board.part,
        clock_mhz,
        host: link.host,
        uart: link.uart,
        dma: link.dma,
        bitstream: link.bitstream,
        hwh: link.hwh,
        project: link.project,
        input: &design.input,
        output: &design.output,
        packing: PACKING,
        registers: &design.registers,
        selftest_frames: SELFTEST_FRAMES,
        files: files
            .iter()
            .map(|(p, b)| (p.clone(), output::sha256_hex(b)))
            .collect(),
    };
    let text = serde_json::to_string_pretty(&manifest)
        .map_err(|e| Error::Internal(format!("serializing manifest.json: {e}")))?;
    files.push(("manifest.json".to_string(), (text + "\n").into_bytes()));
    Ok(files)
}

/// The package's files (relative path, contents), `manifest.json` last,
/// around the bitstream (its file name and bytes): a board without a CPU,
/// reached over the UART bridge.
pub fn files(
    design: &Design,
    graph: &Graph,
    board: &Board,
    clock_mhz: f64,
    (bit_name, bit): (&str, Vec<u8>),
) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = common_files(design, graph)?;
    files.push((bit_name.to_string(), bit));
    let readme = super::readme::lattice(design, board, clock_mhz, bit_name)?;
    files.push(("README.md".to_string(), readme.into_bytes()));
    let link = Link {
        host: "uart",
        uart: Some(Uart {
            baud: crate::emit::board::BAUD,
        }),
        dma: None,
        bitstream: bit_name.to_string(),
        hwh: None,
        project: None,
    };
    with_manifest(files, design, board, clock_mhz, link)
}

/// The unique basename of a vendor build's outputs (`.bit` and `.hwh`,
/// `.rbf`): the network, the board and the network's hash, so that a
/// rebuilt overlay never meets a stale cache of an earlier one; an
/// identifier, as a Quartus project name must be.
pub fn basename(design: &Design, board: &Board) -> String {
    format!(
        "{}_{}_{:08x}",
        design.name,
        board.name.replace('-', "_"),
        design.net_hash
    )
}

/// The package of a board with a processor: the design's Verilog and
/// ROMs (`rtl/`, from `rtl_files`), the vendor project and the C driver
/// (`vendor_files`, paths under `vivado/`, `quartus/` and `driver/c/`),
/// the Python driver, the golden vectors and the README; `manifest.json`
/// last. The bitstream is not in it yet: the project writes it beside the
/// manifest under [`basename`].
pub fn soc_files(
    design: &Design,
    graph: &Graph,
    board: &Board,
    clock_mhz: f64,
    rtl_files: Vec<(String, Vec<u8>)>,
    vendor_files: Vec<(String, Vec<u8>)>,
    dma: Dma,
) -> Result<Vec<(String, Vec<u8>)>> {
    let base = basename(design, board);
    let zynq = dma.ip == "axi_dma";
    let (bitstream, hwh, project) = if zynq {
        (
            format!("{base}.bit"),
            Some(format!("{base}.hwh")),
            "vivado/",
        )
    } else {
        (format!("{base}.rbf"), None, "quartus/")
    };
    let mut files = common_files(design, graph)?;
    files.extend(
        rtl_files
            .into_iter()
            .map(|(name, bytes)| (format!("rtl/{name}"), bytes)),
    );
    files.extend(vendor_files);
    let readme = super::readme::soc(design, board, clock_mhz, &base, &bitstream, zynq)?;
    files.push(("README.md".to_string(), readme.into_bytes()));
    let link = Link {
        host: if zynq { "axi-dma" } else { "msgdma" },
        uart: None,
        dma: Some(dma),
        bitstream,
        hwh,
        project: Some(project.to_string()),
    };
    with_manifest(files, design, board, clock_mhz, link)
}

/// Check that `out/deploy/<board>/` may receive a package (new, empty, or
/// a package tomatl wrote), before anything is built.
pub fn check(out: &Path, board: &Board) -> Result<DirTarget> {
    output::check_dir(&out.join("deploy").join(&board.name), DirKind::Deploy, &[])
}

/// Write the package of `design` built for `board` into the folder
/// [`check`] accepted; returns that folder.
pub fn package(
    target: &DirTarget,
    design: &Design,
    graph: &Graph,
    board: &Board,
    clock_mhz: f64,
    bitstream: &Path,
) -> Result<PathBuf> {
    let bit_name = bitstream
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| Error::Internal(format!("bitstream {}", bitstream.display())))?;
    let bit =
        std::fs::read(bitstream).map_err(|e| Error::io(bitstream.display().to_string(), e))?;
    let files = files(design, graph, board, clock_mhz, (&bit_name, bit))?;
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    output::write_dir(target, &refs)?;
    Ok(target.resolved.clone())
}
