//! Backends: pure functions from the hardware model ([`hw::Design`]) to the
//! files of a design. Nothing here touches the disk except
//! [`write_design`], which writes all files into a fresh directory and
//! moves it into place only when complete.

pub mod board;
pub mod hls;
mod plan_table;
mod report;
mod report_html;
pub mod sim;
pub mod verilog;

use std::path::Path;

use crate::error::Result;
use crate::hw::Design;
use crate::ir::Graph;
use crate::plan::HwPlan;

pub use plan_table::plan_table;
pub use report_html::html as report_html;

/// One generated file, its path relative to the output directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    pub path: String,
    pub contents: String,
}

impl Artifact {
    pub(crate) fn new(path: impl Into<String>, contents: impl Into<String>) -> Self {
        Artifact {
            path: path.into(),
            contents: contents.into(),
        }
    }
}

/// Every file of a design, sorted by path.
pub fn emit(graph: &Graph, plan: &HwPlan) -> Result<Vec<Artifact>> {
    let design = crate::hw::lower(graph, plan)?;
    emit_design(graph, &design)
}

/// Every file of a design with its HLS C++ (`hls/`, [`hls::emit`]) too.
pub fn emit_with_hls(graph: &Graph, plan: &HwPlan) -> Result<Vec<Artifact>> {
    let design = crate::hw::lower(graph, plan)?;
    let mut files = emit_design(graph, &design)?;
    let inputs = crate::golden::random_inputs(graph, hls::TB_FRAMES, hls::TB_SEED);
    let expected = crate::golden::run(graph, inputs.view());
    files.extend(hls::emit(&design, &inputs, &expected)?);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Every file of a design lowered beforehand: the backends read the
/// design; the graph is stored beside it (`net.json`) for `verify`.
pub fn emit_design(graph: &Graph, info: &Design) -> Result<Vec<Artifact>> {
    let mut files = Vec::new();
    files.extend(verilog::emit(info)?);
    files.extend(sim::emit(info)?);
    files.push(Artifact::new("design.json", info.to_json()?));
    files.push(Artifact::new(
        "net.json",
        crate::ir::serial::to_json(graph)?,
    ));
    files.push(Artifact::new("report.md", report::markdown(info)));
    files.push(Artifact::new(
        "report.html",
        report_html::html(info, None, None)?,
    ));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Write the artifacts to `out` as a design folder (see [`crate::output`]):
/// `out` must be new, empty or an earlier design; it is replaced
/// atomically, so a failure or a kill never leaves half a design behind.
pub fn write_design(out: &Path, files: &[Artifact]) -> Result<()> {
    let target = crate::output::check_dir(out, crate::output::DirKind::Design, &[])?;
    write_design_to(&target, files)
}

/// [`write_design`] into a target checked beforehand (with the command's
/// inputs, before any work).
pub fn write_design_to(target: &crate::output::DirTarget, files: &[Artifact]) -> Result<()> {
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|f| (f.path.as_str(), f.contents.as_bytes()))
        .collect();
    crate::output::write_dir(target, &files)
}
