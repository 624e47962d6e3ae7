//! nextpnr's `--report` JSON: utilisation per cell type and the achieved
//! frequency per clock (nextpnr docs/report.md), and the table
//! `tomatl build` prints from it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Deserialize;

pub use crate::implemented::{Fmax, ResourceLine};
use crate::plan::{Family, Resources};

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Usage {
    pub used: u64,
    pub available: u64,
}

/// One step of a critical path.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PathStep {
    #[serde(default)]
    pub delay: f64,
    #[serde(default)]
    pub from: Option<Endpoint>,
    #[serde(default)]
    pub to: Option<Endpoint>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Endpoint {
    pub cell: String,
    #[serde(default)]
    pub port: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CriticalPath {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub path: Vec<PathStep>,
}

/// What nextpnr reports.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PnrReport {
    pub utilization: BTreeMap<String, Usage>,
    #[serde(default)]
    pub fmax: BTreeMap<String, Fmax>,
    #[serde(default)]
    pub critical_paths: Vec<CriticalPath>,
}

/// The cell types that stand for tomatl's resources, per family, and how
/// many of tomatl's units one cell is (a block RAM in bits).
fn cell_types(family: Family) -> &'static [(&'static str, &'static str)] {
    match family {
        Family::LatticeEcp5 => &[
            ("LUT", "TRELLIS_COMB"),
            ("FF", "TRELLIS_FF"),
            ("DSP", "MULT18X18D"),
            ("BRAM", "DP16KD"),
        ],
        _ => &[
            ("LUT", "ICESTORM_LC"),
            ("DSP", "ICESTORM_DSP"),
            ("BRAM", "ICESTORM_RAM"),
            ("SPRAM", "ICESTORM_SPRAM"),
        ],
    }
}

/// Bits of one block RAM cell.
fn bram_bits(family: Family) -> f64 {
    match family {
        Family::LatticeEcp5 => 18_432.0,
        _ => 4_096.0,
    }
}

/// The resource lines of a report against a prediction and, when Yosys's
/// statistics were read, what synthesis mapped (`synth`: cells by type).
/// iCE40 flip-flops, which nextpnr counts only inside logic cells, get a
/// line of their own from synthesis (nextpnr places every one).
pub fn resources(
    report: &PnrReport,
    family: Family,
    predicted: &Resources,
    synth: Option<&BTreeMap<String, u64>>,
) -> Vec<ResourceLine> {
    let measured = synth.map(|c| crate::sim::yosys::map_cells(family, c));
    let synthesised = |res: &str, cell: &str| -> Option<u64> {
        let m = measured?;
        let v = match res {
            "LUT" => m.lut,
            "FF" => m.ff,
            "DSP" => m.dsp,
            "BRAM" => m.bram_bits / bram_bits(family),
            _ => synth?
                .iter()
                .filter(|(k, _)| {
                    k.as_str() == cell
                        || (cell == "ICESTORM_SPRAM" && k.as_str() == "SB_SPRAM256KA")
                })
                .map(|(_, n)| *n as f64)
                .sum(),
        };
        Some(v.round() as u64)
    };
    let predicted_of = |res: &str| match res {
        "LUT" => Some(predicted.lut),
        "FF" => Some(predicted.ff),
        "DSP" => Some(predicted.dsp),
        "BRAM" => Some(predicted.bram_bits / bram_bits(family)),
        _ => None,
    };
    let mut lines: Vec<ResourceLine> = cell_types(family)
        .iter()
        .filter_map(|(res, cell)| {
            let u = report.utilization.get(*cell)?;
            Some(ResourceLine {
                resource: res.to_string(),
                cell: cell.to_string(),
                used: u.used,
                available: u.available,
                synthesised: synthesised(res, cell),
                predicted: predicted_of(res),
            })
        })
        .collect();
    if family == Family::LatticeIce40 {
        if let (Some(ff), Some(lc)) = (synthesised("FF", ""), report.utilization.get("ICESTORM_LC"))
        {
            lines.insert(
                1,
                ResourceLine {
                    resource: "FF".into(),
                    cell: "SB_DFF* (in LCs)".into(),
                    used: ff,
                    available: lc.available,
                    synthesised: Some(ff),
                    predicted: predicted_of("FF"),
                },
            );
        }
    }
    lines
}

/// The slowest clock's path, in words.
pub fn critical_path(report: &PnrReport) -> Option<String> {
    let p = report.critical_paths.first()?;
    let cells: Vec<&str> = p
        .path
        .iter()
        .filter_map(|s| s.to.as_ref().map(|e| e.cell.as_str()))
        .collect();
    let total: f64 = p.path.iter().map(|s| s.delay).sum();
    let start = p
        .path
        .first()
        .and_then(|s| s.from.as_ref())
        .map(|e| e.cell.as_str())
        .unwrap_or("?");
    let end = cells.last().copied().unwrap_or("?");
    Some(format!(
        "{} -> {} ({}): {start} -> {end}, {} steps, {total:.2} ns",
        p.from,
        p.to,
        if p.from == p.to {
            "same clock"
        } else {
            "across clocks"
        },
        p.path.len()
    ))
}

/// The table `tomatl build` prints.
pub fn table(lines: &[ResourceLine], fmax: &BTreeMap<String, Fmax>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<6} {:<16} {:>10} {:>12} {:>8} {:>10} {:>6}",
        "", "cell", "predicted", "synthesised", "placed", "available", "use"
    );
    for l in lines {
        let _ = writeln!(
            s,
            "{:<6} {:<16} {:>10} {:>12} {:>8} {:>10} {:>5.0}%",
            l.resource,
            l.cell,
            l.predicted
                .map(|p| format!("{p:.0}"))
                .unwrap_or_else(|| "-".into()),
            l.synthesised
                .map(|p| p.to_string())
                .unwrap_or_else(|| "-".into()),
            l.used,
            l.available,
            100.0 * l.used as f64 / l.available.max(1) as f64,
        );
    }
    for (clk, f) in fmax {
        let _ = writeln!(
            s,
            "clock {clk}: {:.1} MHz achieved, {:.1} MHz asked ({})",
            f.achieved,
            f.constraint,
            if f.achieved >= f.constraint {
                "met"
            } else {
                "FAILED"
            }
        );
    }
    s
}
