//! Emitters: pure functions from (graph, plan) to the files of a design.
//! Nothing here touches the disk except [`write_design`], which writes all
//! files into a fresh directory and moves it into place only when complete.

mod design_json;
mod mem;
mod plan_table;
mod report;
mod report_html;
mod sim;
mod verilog;

use std::path::Path;

use crate::error::Result;
use crate::ir::Graph;
use crate::plan::HwPlan;

pub use design_json::{DesignInfo, LayerInfo, StreamInfo};
pub use plan_table::plan_table;
pub use report_html::html as report_html;
pub use verilog::{top_name, ID_WORD};

/// The embedded Verilog library and harness sources.
pub mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// One generated file, its path relative to the output directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    pub path: String,
    pub contents: String,
}

impl Artifact {
    fn new(path: impl Into<String>, contents: impl Into<String>) -> Self {
        Artifact {
            path: path.into(),
            contents: contents.into(),
        }
    }
}

/// `major.minor.patch` packed as 0x00MMmmpp for the VERSION register.
pub fn version_word() -> u32 {
    let v: Vec<u32> = env!("CARGO_PKG_VERSION")
        .split('.')
        .map(|p| p.parse().unwrap_or(0))
        .collect();
    (v.first().copied().unwrap_or(0) << 16)
        | (v.get(1).copied().unwrap_or(0) << 8)
        | v.get(2).copied().unwrap_or(0)
}

/// Every file of a design, sorted by path.
pub fn emit(graph: &Graph, plan: &HwPlan) -> Result<Vec<Artifact>> {
    let info = DesignInfo::new(graph, plan);
    let mut files = Vec::new();
    files.extend(verilog::emit(graph, plan, &info)?);
    files.extend(sim::emit(&info)?);
    files.push(Artifact::new("design.json", info.to_json()?));
    files.push(Artifact::new(
        "net.json",
        crate::ir::serial::to_json(graph)?,
    ));
    files.push(Artifact::new(
        "report.md",
        report::markdown(graph, plan, &info),
    ));
    files.push(Artifact::new(
        "report.html",
        report_html::html(graph, &info, None)?,
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
