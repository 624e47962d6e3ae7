//! Board definitions (`boards/*.yaml`, embedded in the binary): the part,
//! its clock and the resources a plan must fit.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

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
    /// What the open flow (`tomatl build`) needs: the device options of
    /// nextpnr and the pins of the board's oscillator, UART, LEDs and
    /// reset. Boards without it are not built by the open flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_flow: Option<OpenFlow>,
}

/// A board's open-flow definition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenFlow {
    /// nextpnr's device option (`85k`, `up5k`, ...).
    pub device: String,
    /// nextpnr's `--package`.
    pub package: String,
    /// ECP5 speed grade (`--speed`).
    #[serde(default)]
    pub speed: Option<u32>,
    /// The oscillator's frequency on the clock pin.
    pub osc_mhz: f64,
    /// IO standard of every pin (ECP5 `IOBUF IO_TYPE`).
    #[serde(default)]
    pub io_standard: Option<String>,
    pub pins: Pins,
}

/// The pins the board top uses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pins {
    /// The oscillator.
    pub clock: String,
    /// The USB-serial bridge's data towards the FPGA.
    pub uart_rx: String,
    /// The FPGA's data towards the USB-serial bridge.
    pub uart_tx: String,
    /// Status LEDs, bit 0 first.
    #[serde(default)]
    pub leds: Vec<String>,
    /// The LEDs light on a low level.
    #[serde(default)]
    pub leds_active_low: bool,
    /// A button that resets the design.
    #[serde(default)]
    pub reset: Option<ResetPin>,
}

/// A reset button.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetPin {
    pub pin: String,
    /// Pressed reads 0.
    pub active_low: bool,
}

/// Names of the bundled boards.
pub fn board_names() -> Vec<&'static str> {
    crate::embedded::BOARD_FILES
        .iter()
        .map(|(f, _)| f.trim_end_matches(".yaml"))
        .collect()
}

/// A bundled board by name, or a board file by path.
pub fn load_board(name: &str) -> Result<Board> {
    let (file, text) = match crate::embedded::BOARD_FILES
        .iter()
        .find(|(f, _)| f.trim_end_matches(".yaml") == name)
    {
        Some((f, t)) => (Path::new(f).to_path_buf(), t.to_string()),
        None => {
            let p = Path::new(name);
            if !p.exists() {
                return Err(InputError::new(
                    Path::new("--board"),
                    format!("unknown board `{name}` (no such file)"),
                )
                .expected(format!(
                    "one of {} or a board .yaml file",
                    board_names().join(", ")
                ))
                .into());
            }
            let text =
                crate::frontend::read::read_text_bounded(p, MAX_BOARD_BYTES, "board definition")?;
            (p.to_path_buf(), text)
        }
    };
    let syntax = |e: serde_saphyr::Error| {
        let (line, col) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        InputError::new(&file, format!("bad board definition: {e}")).at(line, col)
    };
    let board: Board = serde_saphyr::from_str(&text).map_err(syntax)?;
    let located: Located = serde_saphyr::from_str(&text).map_err(syntax)?;
    validate(&file, &located)?;
    Ok(board)
}

/// The largest board file read.
pub use crate::frontend::read::MAX_BOARD_BYTES;
/// The fastest clock a board may name.
pub const MAX_CLOCK_MHZ: f64 = 2000.0;
/// The most of any one resource a board may name (the largest devices
/// have a few million LUTs and under a million kbit of memory).
pub const MAX_RESOURCE: u64 = 1_000_000_000;

/// The numbers of a board file with the places they were written.
#[derive(Deserialize)]
struct Located {
    clock_mhz: Spanned<f64>,
    resources: Spanned<LocatedCapacity>,
}

#[derive(Deserialize)]
struct LocatedCapacity {
    dsp: Spanned<u64>,
    lut: Spanned<u64>,
    ff: Spanned<u64>,
    bram_kbit: Spanned<u64>,
    uram_kbit: Spanned<u64>,
}

/// A clock that is a positive finite number of MHz, and resources that a
/// device can have.
fn validate(file: &Path, b: &Located) -> Result<()> {
    let place = |s: &serde_saphyr::Location, what: String, expected: String| {
        InputError::new(file, what)
            .at(s.line(), s.column())
            .expected(expected)
    };
    let c = b.clock_mhz.value;
    if !(c.is_finite() && c > 0.0 && c <= MAX_CLOCK_MHZ) {
        return Err(place(
            &b.clock_mhz.referenced,
            format!("`clock_mhz: {c}` is not a usable clock"),
            format!("a clock in MHz above 0 and at most {MAX_CLOCK_MHZ}"),
        )
        .into());
    }
    let r = &b.resources.value;
    for (name, v, min) in [
        ("dsp", &r.dsp, 0),
        ("lut", &r.lut, 1),
        ("ff", &r.ff, 1),
        ("bram_kbit", &r.bram_kbit, 0),
        ("uram_kbit", &r.uram_kbit, 0),
    ] {
        if v.value < min || v.value > MAX_RESOURCE {
            return Err(place(
                &v.referenced,
                format!("resource `{name}: {}` is out of range", v.value),
                format!("{name} in {min}..={MAX_RESOURCE}"),
            )
            .into());
        }
    }
    Ok(())
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

    fn board_err(text: &str) -> String {
        let dir = std::env::temp_dir().join(format!("tomatl-board-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let p = dir.join(format!("b{}.yaml", text.len()));
        std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
        let r = load_board(&p.to_string_lossy());
        let _ = std::fs::remove_file(&p);
        match r {
            Ok(_) => "accepted".into(),
            Err(e) => {
                assert_eq!(e.exit_code(), 2, "{e}");
                let msg = e.to_string();
                let name = p.display().to_string();
                msg.strip_prefix(&name).map(str::to_string).unwrap_or(msg)
            }
        }
    }

    #[test]
    fn unusable_clocks_and_resources_are_refused_with_their_place() {
        let good = "name: b\nvendor: xilinx\nfamily: xilinx7\npart: p\nclock_mhz: 100\nresources: {dsp: 220, lut: 53200, ff: 106400, bram_kbit: 5040, uram_kbit: 0}\nhost: none\n";
        assert_eq!(board_err(good), "accepted");
        for clock in [".nan", "0", "-5", ".inf", "1e9"] {
            let m = board_err(&good.replace("clock_mhz: 100", &format!("clock_mhz: {clock}")));
            assert!(m.starts_with(":5:12: `clock_mhz: "), "{clock}: {m}");
            assert!(m.contains("is not a usable clock"), "{clock}: {m}");
        }
        let m = board_err(&good.replace("lut: 53200", "lut: 99999999999"));
        assert!(
            m.starts_with(":6:28: resource `lut: 99999999999` is out of range"),
            "{m}"
        );
        let m = board_err(&good.replace("ff: 106400", "ff: 0"));
        assert!(m.contains("resource `ff: 0` is out of range"), "{m}");
        let m = board_err(&good.replace("dsp: 220", "dsp: -1"));
        assert!(m.starts_with(":6:"), "{m}");
        let m = board_err(&good.replace("clock_mhz: 100", "clock_mhz: fast"));
        assert!(m.starts_with(":5:"), "{m}");
        let e = load_board("/dev/zero")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("not a regular file"), "{e}");
    }
}
