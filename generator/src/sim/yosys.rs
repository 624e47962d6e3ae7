//! Driving the `yosys` command line: synthesize a generated design for its
//! board's family and count what it uses (DSP, LUT, flip-flops, block
//! memory bits), to compare with what the resource model predicted.
//!
//! Yosys runs in the design's `rtl/` directory so that `$readmemh` finds
//! the `.mem` files; the cell counts come from `stat -json`, written with
//! `tee -o` and read from its first `{` (the layout of that text differs
//! between Yosys versions; only the JSON object is relied on).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

use crate::plan::{Family, Resources};

/// A failed Yosys step: the command, its status and what it printed.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// `yosys` is not installed (or not on `PATH`).
    #[error("`yosys` was not found ({0}); install it with `apt-get install -y yosys`")]
    Missing(String),
    /// The command ran and failed.
    #[error("`{command}` failed ({status}):\n{stderr}")]
    Failed {
        command: String,
        status: String,
        stderr: String,
    },
    /// The command could not be started.
    #[error("cannot run `{command}`: {source}")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
    /// Reading the design or the statistics failed.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// The statistics are not what `stat -json` writes.
    #[error("{file}: cannot read the cell counts: {what}")]
    Stat { file: PathBuf, what: String },
}

/// What synthesis used.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Measured {
    pub family: Family,
    /// The Yosys command the design went through.
    pub synth: String,
    /// Cells of the flattened design by type.
    pub cells: BTreeMap<String, u64>,
    /// The cells counted as DSP, LUT, FF and block memory bits.
    pub resources: Resources,
}

/// The Verilog sources of a design directory (`rtl/*.v`), sorted.
pub fn sources(rtl: &Path) -> Result<Vec<String>, SynthError> {
    let entries = std::fs::read_dir(rtl).map_err(|source| SynthError::Io {
        context: format!("reading {}", rtl.display()),
        source,
    })?;
    let mut out: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".v"))
        .collect();
    out.sort();
    Ok(out)
}

/// The Yosys script for a design: plain `read_verilog`, the top, the
/// family's synthesis command flattened (the default of every family's
/// script but `synth_xilinx`), and the statistics as JSON.
pub fn script(sources: &[String], top: &str, family: Family, stat_file: &str) -> String {
    let flatten = match family {
        Family::Xilinx7 | Family::XilinxUltrascale => " -flatten",
        _ => "",
    };
    format!(
        "read_verilog {}; hierarchy -top {top}; {} -top {top}{flatten}; tee -q -o {stat_file} stat -json",
        sources.join(" "),
        family.yosys_synth()
    )
}

/// Synthesizes the design in `out` (a directory written by `tomatl
/// generate`) whose top module is `top`, for `family`.
pub fn synth(out: &Path, top: &str, family: Family) -> Result<Measured, SynthError> {
    let rtl = out.join("rtl");
    let srcs = sources(&rtl)?;
    let stat_name = "tomatl_stat.json";
    let stat_path = rtl.join(stat_name);
    let _ = std::fs::remove_file(&stat_path);
    let mut cmd = Command::new("yosys");
    cmd.arg("-q")
        .arg("-p")
        .arg(script(&srcs, top, family, stat_name))
        .current_dir(&rtl);
    let command = format!("cd {} && yosys -q -p '...'", rtl.display());
    let label = format!("Yosys {}", family.yosys_synth());
    let o = super::progress::while_running(&label, || cmd.output()).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            SynthError::Missing(source.to_string())
        } else {
            SynthError::Spawn {
                command: command.clone(),
                source,
            }
        }
    })?;
    if !o.status.success() {
        return Err(SynthError::Failed {
            command,
            status: o.status.to_string(),
            stderr: String::from_utf8_lossy(&o.stdout).into_owned()
                + &String::from_utf8_lossy(&o.stderr),
        });
    }
    let text = std::fs::read_to_string(&stat_path).map_err(|source| SynthError::Io {
        context: format!("reading {}", stat_path.display()),
        source,
    })?;
    let cells = parse_stat(&text).map_err(|what| SynthError::Stat {
        file: stat_path.clone(),
        what,
    })?;
    let resources = map_cells(family, &cells);
    Ok(Measured {
        family,
        synth: family.yosys_synth().to_string(),
        cells,
        resources,
    })
}

/// The cells by type of `stat -json` output: the `design` totals when
/// present, else the sum over the modules. Text before the JSON object
/// (some versions echo the command) and after it is ignored.
pub fn parse_stat(text: &str) -> Result<BTreeMap<String, u64>, String> {
    let start = text.find('{').ok_or("no JSON object")?;
    let mut stream =
        serde_json::Deserializer::from_str(&text[start..]).into_iter::<serde_json::Value>();
    let json = match stream.next() {
        Some(Ok(v)) => v,
        Some(Err(e)) => return Err(format!("not JSON: {e}")),
        None => return Err("no JSON object".into()),
    };
    let by_type = |v: &serde_json::Value| -> Option<BTreeMap<String, u64>> {
        let obj = v.get("num_cells_by_type")?.as_object()?;
        Some(
            obj.iter()
                .map(|(k, n)| (k.trim_start_matches('\\').to_string(), count(n)))
                .collect(),
        )
    };
    if let Some(d) = json.get("design").and_then(by_type) {
        return Ok(d);
    }
    let modules = json
        .get("modules")
        .and_then(|m| m.as_object())
        .ok_or("neither `design` nor `modules` with `num_cells_by_type`")?;
    let mut total = BTreeMap::new();
    for m in modules.values() {
        for (k, n) in by_type(m).unwrap_or_default() {
            *total.entry(k).or_insert(0) += n;
        }
    }
    Ok(total)
}

/// A count written as a number or, by some versions, as a string.
fn count(v: &serde_json::Value) -> u64 {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        .unwrap_or(0)
}

/// What one cell of a family counts as.
fn cell_resources(family: Family, cell: &str) -> Resources {
    let r = |dsp: f64, lut: f64, ff: f64, bram_bits: f64| Resources {
        dsp,
        lut,
        ff,
        bram_bits,
    };
    match family {
        Family::Xilinx7 | Family::XilinxUltrascale => match cell {
            c if c.starts_with("DSP48") => r(1.0, 0.0, 0.0, 0.0),
            "LUT1" | "LUT2" | "LUT3" | "LUT4" | "LUT5" | "LUT6" | "INV" => r(0.0, 1.0, 0.0, 0.0),
            // LUT RAM and shift registers occupy LUTs
            "RAM32M" | "RAM64M" => r(0.0, 4.0, 0.0, 0.0),
            "RAM32M16" | "RAM64M8" => r(0.0, 8.0, 0.0, 0.0),
            "RAM32X1D" | "RAM64X1D" | "RAM128X1S" => r(0.0, 2.0, 0.0, 0.0),
            "RAM128X1D" | "RAM256X1S" => r(0.0, 4.0, 0.0, 0.0),
            "RAM32X1S" | "RAM64X1S" | "SRL16E" | "SRLC16E" | "SRLC32E" => r(0.0, 1.0, 0.0, 0.0),
            c if c.starts_with("FD") => r(0.0, 0.0, 1.0, 0.0),
            "RAMB18E1" | "RAMB18E2" => r(0.0, 0.0, 0.0, 18_432.0),
            "RAMB36E1" | "RAMB36E2" => r(0.0, 0.0, 0.0, 36_864.0),
            "URAM288" => r(0.0, 0.0, 0.0, 294_912.0),
            _ => Resources::default(),
        },
        Family::LatticeEcp5 => match cell {
            "MULT18X18D" => r(1.0, 0.0, 0.0, 0.0),
            "LUT4" => r(0.0, 1.0, 0.0, 0.0),
            // a carry cell is the two LUT4s of a slice
            "CCU2C" => r(0.0, 2.0, 0.0, 0.0),
            "TRELLIS_DPR16X4" => r(0.0, 4.0, 0.0, 0.0),
            "TRELLIS_FF" => r(0.0, 0.0, 1.0, 0.0),
            "DP16KD" | "PDPW16KD" => r(0.0, 0.0, 0.0, 18_432.0),
            _ => Resources::default(),
        },
        Family::LatticeIce40 => match cell {
            "SB_MAC16" => r(1.0, 0.0, 0.0, 0.0),
            "SB_LUT4" => r(0.0, 1.0, 0.0, 0.0),
            c if c.starts_with("SB_DFF") => r(0.0, 0.0, 1.0, 0.0),
            c if c.starts_with("SB_RAM40_4K") => r(0.0, 0.0, 0.0, 4_096.0),
            "SB_SPRAM256KA" => r(0.0, 0.0, 0.0, 262_144.0),
            _ => Resources::default(),
        },
        Family::IntelCycloneV => match cell {
            c if c.starts_with("MISTRAL_MUL") => r(1.0, 0.0, 0.0, 0.0),
            c if c.starts_with("MISTRAL_ALUT") || c == "MISTRAL_NOT" => r(0.0, 1.0, 0.0, 0.0),
            // an MLAB is a LAB of ten ALMs used as memory
            "MISTRAL_MLAB" => r(0.0, 10.0, 0.0, 0.0),
            "MISTRAL_FF" => r(0.0, 0.0, 1.0, 0.0),
            "MISTRAL_M10K" => r(0.0, 0.0, 0.0, 10_240.0),
            _ => Resources::default(),
        },
    }
}

/// DSP, LUT, FF and block memory bits of a set of cells.
pub fn map_cells(family: Family, cells: &BTreeMap<String, u64>) -> Resources {
    let mut total = Resources::default();
    for (cell, &n) in cells {
        let one = cell_resources(family, cell);
        let n = n as f64;
        total += Resources {
            dsp: one.dsp * n,
            lut: one.lut * n,
            ff: one.ff * n,
            bram_bits: one.bram_bits * n,
        };
    }
    total
}

/// One resource, predicted against measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Compared {
    pub resource: &'static str,
    pub predicted: f64,
    pub measured: f64,
    /// predicted / measured (1 when both are 0; `None` when only the
    /// measurement is 0).
    pub ratio: Option<f64>,
}

/// Predicted against measured for DSP, LUT, FF and block memory (kbit).
pub fn compare(predicted: &Resources, measured: &Resources) -> Vec<Compared> {
    let one = |resource, p: f64, m: f64| Compared {
        resource,
        predicted: p,
        measured: m,
        ratio: if m > 0.0 {
            Some(p / m)
        } else if p == 0.0 {
            Some(1.0)
        } else {
            None
        },
    };
    vec![
        one("dsp", predicted.dsp, measured.dsp),
        one("lut", predicted.lut, measured.lut),
        one("ff", predicted.ff, measured.ff),
        one(
            "bram_kbit",
            predicted.bram_bits / 1024.0,
            measured.bram_bits / 1024.0,
        ),
    ]
}

/// A design's synthesis result against its board plan's prediction.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SynthReport {
    pub design: String,
    pub top: String,
    pub board: String,
    pub family: Family,
    pub synth: String,
    pub predicted: Resources,
    pub measured: Resources,
    pub compared: Vec<Compared>,
    pub cells: BTreeMap<String, u64>,
}

impl SynthReport {
    /// The comparison as a small table.
    pub fn table(&self) -> String {
        let mut s = format!(
            "{} on {} ({}: {})\n{:<10} {:>12} {:>12} {:>8}\n",
            self.design,
            self.board,
            self.top,
            self.synth,
            "resource",
            "predicted",
            "measured",
            "ratio"
        );
        for c in &self.compared {
            let ratio = c
                .ratio
                .map(|r| format!("{r:.2}"))
                .unwrap_or_else(|| "-".into());
            s += &format!(
                "{:<10} {:>12.0} {:>12.0} {:>8}\n",
                c.resource, c.predicted, c.measured, ratio
            );
        }
        s
    }
}

/// Synthesizes the design in `out` for the board it was generated for and
/// compares with the prediction in its `design.json`. A design generated
/// without a board is bad input.
pub fn synth_design(out: &Path) -> crate::error::Result<SynthReport> {
    use crate::error::{Error, InputError};
    let dj = out.join("design.json");
    let text = std::fs::read_to_string(&dj)
        .map_err(|e| InputError::new(&dj, format!("cannot read the design: {e}")))?;
    let info: crate::hw::Design = serde_json::from_str(&text)
        .map_err(|e| InputError::new(&dj, format!("not a tomatl design.json: {e}")))?;
    let fit = info.board.ok_or_else(|| {
        InputError::new(
            &dj,
            format!(
                "design `{}` was generated without a board: there is no device family to synthesize for and no prediction to compare with",
                info.name
            ),
        )
        .expected("a design generated with `tomatl generate NET -o OUT --board NAME`")
    })?;
    let m = synth(out, &info.top, fit.family).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(SynthReport {
        design: info.name,
        top: info.top,
        board: fit.board,
        family: fit.family,
        synth: m.synth,
        compared: compare(&fit.predicted, &m.resources),
        predicted: fit.predicted,
        measured: m.resources,
        cells: m.cells,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_json_of_either_layout() {
        let old = "stat -json\n{\n \"modules\": {\"\\\\top\": {\"num_cells_by_type\": {\"LUT6\": 3}}},\n \"design\": {\"num_cells_by_type\": {\"LUT6\": 3, \"FDRE\": \"4\", \"DSP48E1\": 1, \"RAMB36E1\": 2, \"CARRY4\": 5, \"RAM32M\": 1}}\n}\ntrailing";
        let cells = parse_stat(old).expect("parse");
        let r = map_cells(Family::Xilinx7, &cells);
        assert_eq!((r.dsp, r.lut, r.ff), (1.0, 7.0, 4.0));
        assert_eq!(r.bram_bits, 2.0 * 36_864.0);
        let modules_only = "{\"modules\": {\"a\": {\"num_cells_by_type\": {\"SB_LUT4\": 2}}, \"b\": {\"num_cells_by_type\": {\"SB_LUT4\": 3, \"SB_MAC16\": 1}}}}";
        let r = map_cells(
            Family::LatticeIce40,
            &parse_stat(modules_only).expect("parse"),
        );
        assert_eq!((r.dsp, r.lut), (1.0, 5.0));
        assert!(parse_stat("no json here").is_err());
    }

    #[test]
    fn ratios() {
        let p = Resources {
            dsp: 0.0,
            lut: 120.0,
            ff: 10.0,
            bram_bits: 0.0,
        };
        let m = Resources {
            dsp: 0.0,
            lut: 100.0,
            ff: 0.0,
            bram_bits: 0.0,
        };
        let c = compare(&p, &m);
        assert_eq!(c[0].ratio, Some(1.0));
        assert_eq!(c[1].ratio, Some(1.2));
        assert_eq!(c[2].ratio, None);
    }
}
