//! What `tomatl build` measured of one build: per resource the prediction,
//! what Yosys synthesised and what nextpnr placed, and the clocks placed
//! timing reaches. Shared by the build that produces it (`build`, written
//! into `build/<board>/build.json`) and the report that shows it (`emit`:
//! report.html), so neither names the other.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// A clock's frequency, in MHz (nextpnr's report names the fields
/// `achieved` and `constraint`; tomatl's own JSON `achieved_mhz` and
/// `constraint_mhz`, and reads back either).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fmax {
    #[serde(rename(serialize = "achieved_mhz"), alias = "achieved_mhz")]
    pub achieved: f64,
    #[serde(rename(serialize = "constraint_mhz"), alias = "constraint_mhz")]
    pub constraint: f64,
}

/// One line of the resource table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceLine {
    /// tomatl's name of the resource (DSP, LUT, FF, BRAM).
    pub resource: String,
    /// The cell type counted: nextpnr's where it reports the resource.
    pub cell: String,
    /// What nextpnr placed (iCE40 flip-flops, which nextpnr reports only as
    /// part of logic cells: the synthesised count, every one placed).
    pub used: u64,
    pub available: u64,
    /// What Yosys synthesised, in the same cells (LUT4s and carry halves
    /// for ECP5 LUTs; block RAMs).
    #[serde(default)]
    pub synthesised: Option<u64>,
    /// What tomatl's resource model predicted for the design on the board
    /// (in cells of this type), when it models them.
    pub predicted: Option<f64>,
}

/// The measured part of a build: what report.html shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Implementation {
    pub board: String,
    pub part: String,
    /// The clock asked for and what the PLL gives.
    pub clock_mhz: f64,
    pub pll_mhz: Option<f64>,
    pub resources: Vec<ResourceLine>,
    pub fmax: BTreeMap<String, Fmax>,
    pub timing_met: bool,
}

/// The summary a build writes in its folder.
pub const BUILD_JSON: &str = "build.json";

impl Implementation {
    /// The build of `board` recorded in the design folder `out`
    /// (`build/<board>/build.json`), when there is one that reads.
    pub fn read(out: &Path, board: &str) -> Option<Implementation> {
        let text = std::fs::read_to_string(out.join("build").join(board).join(BUILD_JSON)).ok()?;
        serde_json::from_str(&text).ok()
    }
}
