//! The deployment package of a board without a CPU, written by `tomatl
//! build` beside the build: `OUT/deploy/<board>/` holds what a host needs
//! to program the board and talk to the accelerator over its UART, and
//! nothing that needs tomatl:
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
//! The folder is written whole through `output::write_dir` (its own
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

/// How the host reaches the accelerator.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Uart {
    /// Bits per second (8N1).
    pub baud: u64,
}

/// What `manifest.json` holds.
#[derive(Clone, Debug, Serialize)]
pub struct PackageManifest<'a> {
    pub tomatl_version: &'a str,
    pub name: &'a str,
    pub top: &'a str,
    pub net_hash: u32,
    pub board: &'a str,
    pub family: Family,
    pub part: &'a str,
    /// The accelerator's clock (what the PLL gives, else the oscillator).
    pub clock_mhz: f64,
    /// The host link: `uart` (the bridge of docs/uart-protocol.md).
    pub host: &'static str,
    pub uart: Uart,
    /// The bitstream, a file of this package.
    pub bitstream: String,
    pub input: &'a IoStream,
    pub output: &'a IoStream,
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

/// The package's files (relative path, contents), `manifest.json` last,
/// around the bitstream (its file name and bytes).
pub fn files(
    design: &Design,
    graph: &Graph,
    board: &Board,
    clock_mhz: f64,
    (bit_name, bit): (&str, Vec<u8>),
) -> Result<Vec<(String, Vec<u8>)>> {
    let bit_name = bit_name.to_string();
    let x = crate::golden::random_inputs(graph, SELFTEST_FRAMES, SELFTEST_SEED);
    let y = crate::golden::run(graph, x.view());
    let mut files = vec![
        (bit_name.clone(), bit),
        ("test/input.npy".to_string(), npy(&x, &design.input.shape)?),
        (
            "test/expected.npy".to_string(),
            npy(&y, &design.output.shape)?,
        ),
    ];
    for (name, text) in crate::embedded::DRIVER_FILES {
        files.push((format!("tomatl_driver/{name}"), text.as_bytes().to_vec()));
    }
    let manifest = PackageManifest {
        tomatl_version: &design.tomatl_version,
        name: &design.name,
        top: &design.top,
        net_hash: design.net_hash,
        board: &board.name,
        family: board.family,
        part: &board.part,
        clock_mhz,
        host: "uart",
        uart: Uart {
            baud: crate::emit::board::BAUD,
        },
        bitstream: bit_name,
        input: &design.input,
        output: &design.output,
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
