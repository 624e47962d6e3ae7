//! Board definitions (`boards/*.yaml`, embedded in the binary): the part,
//! its clock and the resources a plan must fit.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{InputError, Result};

/// Device families with their own synthesis flow and resource model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// 7-series and Zynq-7000: DSP48E1, 6-input LUTs, 36 kbit block RAM.
    Xilinx7,
    /// UltraScale+: DSP48E2, 6-input LUTs, block RAM and UltraRAM.
    XilinxUltrascale,
    /// Cyclone V: variable-precision DSP, ALMs, M10K.
    IntelCycloneV,
    /// ECP5: MULT18X18D, 4-input LUTs, 18 kbit EBR.
    LatticeEcp5,
    /// iCE40 UltraPlus: SB_MAC16, 4-input LUTs, 4 kbit EBR, SPRAM.
    LatticeIce40,
}

impl Family {
    /// Whether one DSP multiplies two products of 8-bit operands that
    /// share an operand (25/27 x 18-bit multipliers: DSP48E1, DSP48E2).
    pub fn packs_two_products(&self) -> bool {
        matches!(self, Family::Xilinx7 | Family::XilinxUltrascale)
    }

    /// The Yosys synthesis command for the family.
    pub fn yosys_synth(&self) -> &'static str {
        match self {
            Family::Xilinx7 => "synth_xilinx -family xc7",
            Family::XilinxUltrascale => "synth_xilinx -family xcup",
            Family::IntelCycloneV => "synth_intel_alm -family cyclonev",
            Family::LatticeEcp5 => "synth_ecp5",
            Family::LatticeIce40 => "synth_ice40 -dsp",
        }
    }
}

/// What a device offers.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capacity {
    pub dsp: u64,
    pub lut: u64,
    pub ff: u64,
    pub bram_kbit: u64,
    pub uram_kbit: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Board {
    pub name: String,
    pub vendor: String,
    pub family: Family,
    pub part: String,
    /// The default clock of designs for this board.
    pub clock_mhz: f64,
    pub resources: Capacity,
    /// How a host reaches the accelerator: zynq-ps, zynqmp-ps, pcie,
    /// intel-hps or none.
    pub host: String,
}

/// Names of the bundled boards.
pub fn board_names() -> Vec<&'static str> {
    crate::emit::embedded::BOARD_FILES
        .iter()
        .map(|(f, _)| f.trim_end_matches(".yaml"))
        .collect()
}

/// A bundled board by name, or a board file by path.
pub fn load_board(name: &str) -> Result<Board> {
    let (file, text) = match crate::emit::embedded::BOARD_FILES
        .iter()
        .find(|(f, _)| f.trim_end_matches(".yaml") == name)
    {
        Some((f, t)) => (Path::new(f).to_path_buf(), t.to_string()),
        None => {
            let p = Path::new(name);
            let text = std::fs::read_to_string(p).map_err(|e| {
                InputError::new(
                    Path::new("--board"),
                    format!("unknown board `{name}` ({e})"),
                )
                .expected(format!(
                    "one of {} or a board .yaml file",
                    board_names().join(", ")
                ))
            })?;
            (p.to_path_buf(), text)
        }
    };
    serde_saphyr::from_str(&text).map_err(|e| {
        let (line, col) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        InputError::new(&file, format!("bad board definition: {e}"))
            .at(line, col)
            .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_board_loads() {
        let names = board_names();
        for want in [
            "pynq-z2",
            "zcu104",
            "kv260",
            "ultra96v2",
            "alveo-u250",
            "de10-nano",
            "ulx3s-85f",
            "icebreaker",
        ] {
            assert!(names.contains(&want), "{want} missing from {names:?}");
            let b = load_board(want).unwrap_or_else(|e| panic!("{want}: {e}"));
            assert_eq!(b.name, want);
            assert!(b.resources.dsp > 0 && b.resources.lut > 0 && b.clock_mhz > 0.0);
        }
        assert_eq!(
            load_board("pynq-z2").map(|b| b.part).ok().as_deref(),
            Some("xc7z020clg400-1")
        );
        assert!(load_board("no-such-board").is_err());
    }
}
