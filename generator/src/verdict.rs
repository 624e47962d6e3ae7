//! What `tomatl verify` measured: the verdict of one run (its frames,
//! mismatches, latency and interval), shared by the simulators that
//! produce it (`sim`) and the reports that show it (`emit`).

use serde::{Deserialize, Serialize};

/// What `verify` simulates: the RTL in Verilator, the HLS C++ in a C
/// simulation compiled with g++ (`tomatl generate --hls`), or the netlist
/// Yosys synthesises from the RTL, in Verilator with Yosys's cell models
/// (`--netlist`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    #[default]
    Rtl,
    Hls,
    Netlist,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Rtl => "rtl",
            Backend::Hls => "hls",
            Backend::Netlist => "netlist",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mismatch {
    pub frame: usize,
    pub element: usize,
    pub expected: i64,
    pub got: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VerifyReport {
    pub pass: bool,
    pub frames: usize,
    pub frames_received: usize,
    pub mismatches: usize,
    pub first_mismatch: Option<Mismatch>,
    /// Cycles from the first input beat of frame 0 to its last output beat.
    pub latency_cycles: u64,
    /// Mean cycles between the last output beats of consecutive frames.
    pub interval_cycles: Option<f64>,
    pub planned_interval_cycles: u64,
    pub macs_per_frame: u64,
    pub multipliers: usize,
    /// MACs / (multipliers × measured interval).
    pub efficiency: Option<f64>,
    pub stall: f64,
    pub seed: u64,
    /// Simulation processes the frames ran in.
    #[serde(default = "one")]
    pub jobs: usize,
    /// Frames simulated per second of wall-clock time (all processes).
    #[serde(default)]
    pub frames_per_second: Option<f64>,
    /// Anything else that went wrong (TLAST, status registers, timeout).
    pub problems: Vec<String>,
    /// What was simulated. The C simulation (`hls`) has no clock: it
    /// measures no latency and no interval, and runs without stalls.
    #[serde(default)]
    pub backend: Backend,
    /// Which netlist, synthesised by which Yosys (`Backend::Netlist`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netlist: Option<NetlistInfo>,
}

fn one() -> usize {
    1
}

impl VerifyReport {
    /// Whether the run was slower than planned without injected stalls.
    pub fn interval_over_plan(&self) -> bool {
        self.stall == 0.0
            && self
                .interval_cycles
                .is_some_and(|i| i > interval_limit(self.planned_interval_cycles))
    }

    /// The one-line verdict.
    pub fn line(&self) -> String {
        let interval = self
            .interval_cycles
            .map(|i| format!("{i:.2}"))
            .unwrap_or_else(|| "-".into());
        let latency = match self.backend {
            Backend::Rtl | Backend::Netlist => self.latency_cycles.to_string(),
            Backend::Hls => "-".into(),
        };
        let head = format!(
            "frames={} mismatches={} latency={} interval={} planned={}",
            self.frames, self.mismatches, latency, interval, self.planned_interval_cycles
        );
        if self.pass {
            format!("PASS {head}")
        } else {
            let mut s = format!("FAIL {head}");
            if let Some(m) = &self.first_mismatch {
                s += &format!(
                    " first_mismatch: frame {} element {} expected {} got {}",
                    m.frame, m.element, m.expected, m.got
                );
            }
            for p in &self.problems {
                s += &format!("; {p}");
            }
            s
        }
    }
}

/// The measured interval may exceed the plan by this much at `--stall 0`:
/// 5%, or 2 cycles for short intervals.
pub fn interval_limit(planned: u64) -> f64 {
    (planned as f64 * 1.05).max(planned as f64 + 2.0)
}

/// Which netlist a run simulated (`netlist` in `verify.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetlistInfo {
    /// `generic`, `ice40`, `ecp5`, `xc7` or `xcup`.
    pub target: String,
    /// The synthesis command.
    pub synth: String,
    /// The Yosys program and its version line.
    pub yosys: String,
    /// The netlist, relative to the design folder.
    pub netlist: String,
    /// The cell models it was simulated with (relative to Yosys's share
    /// folder).
    pub cell_models: Vec<String>,
    /// Cells of the netlist by type.
    pub cells: std::collections::BTreeMap<String, u64>,
    /// Seconds of synthesis (0 when the earlier netlist was still current)
    /// and of the Verilator build.
    pub synth_seconds: f64,
    pub build_seconds: f64,
}
