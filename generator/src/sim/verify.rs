//! `tomatl verify`: every output element of every frame against the golden
//! model, plus the measured latency and interval.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::progress::Progress;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::verilator;
use crate::emit::DesignInfo;
use crate::error::{Error, InputError, Result};
use crate::ir::Graph;

#[derive(Clone, Debug)]
pub struct VerifyOptions {
    pub frames: usize,
    pub seed: u64,
    /// Probability that the source withholds valid / the sink withholds
    /// ready in a cycle.
    pub stall: f64,
    /// Mean stall length in cycles (1: independent cycles).
    pub burst: f64,
    /// Input codes `[frames, input_len]`; random within the input type when
    /// absent.
    pub inputs: Option<Array2<i64>>,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            frames: 16,
            seed: 1,
            stall: 0.0,
            burst: 1.0,
            inputs: None,
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
    /// Anything else that went wrong (TLAST, status registers, timeout).
    pub problems: Vec<String>,
}

impl VerifyReport {
    /// The one-line verdict.
    pub fn line(&self) -> String {
        let interval = self
            .interval_cycles
            .map(|i| format!("{i:.2}"))
            .unwrap_or_else(|| "-".into());
        let head = format!(
            "frames={} mismatches={} latency={} interval={}",
            self.frames, self.mismatches, self.latency_cycles, interval
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

fn read_design(out: &Path) -> Result<(DesignInfo, Graph)> {
    let dj = out.join("design.json");
    let text = std::fs::read_to_string(&dj).map_err(|e| {
        InputError::new(&dj, format!("cannot read the design: {e}"))
            .expected("a directory written by `tomatl generate`")
    })?;
    let info: DesignInfo = serde_json::from_str(&text)
        .map_err(|e| InputError::new(&dj, format!("not a tomatl design.json: {e}")))?;
    let nj = out.join("net.json");
    let text = std::fs::read_to_string(&nj).map_err(|e| {
        InputError::new(&nj, format!("cannot read the network: {e}"))
            .expected("a directory written by `tomatl generate`")
    })?;
    let graph = crate::ir::serial::from_json(&text)
        .map_err(|e| InputError::new(&nj, format!("not a tomatl net.json: {e}")))?;
    Ok((info, graph))
}

/// Build (incrementally) the Verilator model of the design in `out`.
pub fn build_model(out: &Path, info: &DesignInfo) -> Result<PathBuf> {
    let rtl = out.join("rtl");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&rtl)
        .map_err(|e| Error::io(format!("listing {}", rtl.display()), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "v"))
        .collect();
    sources.sort();
    let sim = out.join("sim");
    let b = verilator::Build {
        top: info.top.clone(),
        sources,
        cpp: vec![sim.join("tomatl_harness.cpp")],
        include_dirs: vec![sim.clone()],
        obj_dir: sim.join("obj_dir"),
        defines: vec![],
    };
    verilator::build(&b).map_err(|e| Error::Internal(format!("Verilator build failed: {e}")))
}

/// Verify the design in `out` against its golden model.
pub fn verify(out: &Path, opts: &VerifyOptions) -> Result<VerifyReport> {
    let (info, graph) = read_design(out)?;
    let inputs = match &opts.inputs {
        Some(x) => x.clone(),
        None => crate::golden::random_inputs(&graph, opts.frames, opts.seed),
    };
    let frames = inputs.nrows();
    let expected = crate::golden::run(&graph, inputs.view());
    let exe = build_model(out, &info)?;
    let sim = out.join("sim");
    let abs = |p: PathBuf| std::path::absolute(&p).unwrap_or(p);
    let in_path = abs(sim.join("input.txt"));
    let out_path = abs(sim.join("output.txt"));
    let mut text = format!("frames {} len {}\n", frames, inputs.ncols());
    for row in inputs.rows() {
        let line: Vec<String> = row.iter().map(|c| c.to_string()).collect();
        text += &line.join(" ");
        text.push('\n');
    }
    std::fs::write(&in_path, text)
        .map_err(|e| Error::io(format!("writing {}", in_path.display()), e))?;
    let per_frame =
        info.interval_cycles + (info.input.beats_per_frame + info.output.beats_per_frame) as u64;
    let slow = 1.0 / (1.0 - opts.stall.clamp(0.0, 0.95));
    let max_cycles = (100_000.0
        + (frames as f64 + 4.0) * per_frame as f64 * 8.0 * slow * opts.burst.max(1.0))
        as u64;
    let mut child = Command::new(&exe)
        .arg(&in_path)
        .arg(&out_path)
        .arg(opts.seed.to_string())
        .arg(opts.stall.to_string())
        .arg(max_cycles.to_string())
        .arg(opts.burst.to_string())
        .env("TOMATL_HARNESS_PROGRESS", "1")
        .current_dir(out.join("rtl"))
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io(format!("running {}", exe.display()), e))?;
    // the harness reports `progress N` (frames out) on stderr
    let bar = Progress::new("simulation frames", Some(frames as u64));
    let mut other = String::new();
    if let Some(err) = child.stderr.take() {
        for line in BufReader::new(err).lines().map_while(|l| l.ok()) {
            match line
                .strip_prefix("progress ")
                .map(|n| n.trim().parse::<u64>())
            {
                Some(Ok(n)) => bar.set(n),
                _ => {
                    other.push_str(&line);
                    other.push('\n');
                }
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| Error::io(format!("running {}", exe.display()), e))?;
    bar.finish();
    if !status.success() {
        return Err(Error::Internal(format!(
            "simulation {} exited with {status}: {other}",
            exe.display()
        )));
    }
    let text = std::fs::read_to_string(&out_path)
        .map_err(|e| Error::io(format!("reading {}", out_path.display()), e))?;
    let report = compare(&info, &graph, &expected, &text, opts, frames)?;
    write_measured(out, &info, &graph, &report)?;
    Ok(report)
}

/// Record a run next to the design: `verify.json`, and `report.html`
/// refreshed to show the measured interval and verdict.
fn write_measured(
    out: &Path,
    info: &DesignInfo,
    graph: &Graph,
    report: &VerifyReport,
) -> Result<()> {
    let json = serde_json::to_string_pretty(report)
        .map_err(|e| Error::Internal(format!("serializing verify.json: {e}")))?
        + "\n";
    let page = crate::emit::report_html(graph, info, Some(report))?;
    for (name, text) in [("verify.json", json), ("report.html", page)] {
        let p = out.join(name);
        std::fs::write(&p, text).map_err(|e| Error::io(format!("writing {}", p.display()), e))?;
    }
    Ok(())
}

fn compare(
    info: &DesignInfo,
    graph: &Graph,
    expected: &Array2<i64>,
    text: &str,
    opts: &VerifyOptions,
    frames: usize,
) -> Result<VerifyReport> {
    let bad = |what: &str| Error::Internal(format!("unreadable simulation output: {what}"));
    let mut lines = text.lines();
    let mut stamps = Vec::new();
    let mut mismatches = 0usize;
    let mut first = None;
    let mut problems = Vec::new();
    let mut status: Vec<u64> = Vec::new();
    let mut end: Vec<i64> = Vec::new();
    while let Some(line) = lines.next() {
        let w: Vec<&str> = line.split_whitespace().collect();
        match w.first().copied() {
            Some("frame") if w.len() == 6 => {
                let f: usize = w[1].parse().map_err(|_| bad(line))?;
                let t0: u64 = w[3].parse().map_err(|_| bad(line))?;
                let t1: u64 = w[5].parse().map_err(|_| bad(line))?;
                stamps.push((t0, t1));
                let codes = lines.next().ok_or_else(|| bad("missing codes"))?;
                for (e, c) in codes.split_whitespace().enumerate() {
                    let got: i64 = c.parse().map_err(|_| bad(codes))?;
                    let want = expected.get([f, e]).copied().unwrap_or(i64::MIN);
                    if got != want {
                        mismatches += 1;
                        if first.is_none() {
                            first = Some(Mismatch {
                                frame: f,
                                element: e,
                                expected: want,
                                got,
                            });
                        }
                    }
                }
            }
            Some("status") => {
                status = w
                    .iter()
                    .skip(2)
                    .step_by(2)
                    .filter_map(|v| v.parse().ok())
                    .collect();
            }
            Some("end") => {
                end = w
                    .iter()
                    .skip(2)
                    .step_by(2)
                    .filter_map(|v| v.parse().ok())
                    .collect();
            }
            _ => return Err(bad(line)),
        }
    }
    let received = stamps.len();
    if received < frames {
        problems.push(format!(
            "only {received} of {frames} frames came out before the cycle limit (deadlock?)"
        ));
    }
    if let [_, _, _, tlast_errors, first_err] = end[..] {
        if tlast_errors > 0 {
            problems.push(format!(
                "TLAST wrong on {tlast_errors} beat(s), first at output beat {first_err}"
            ));
        }
    } else {
        return Err(bad("missing end line"));
    }
    if let [id, hash, fin, fout] = status[..] {
        let want_id = crate::emit::ID_WORD as u64;
        if id != want_id {
            problems.push(format!("ID register reads {id:#x}, expected {want_id:#x}"));
        }
        if hash != info.net_hash as u64 {
            problems.push(format!(
                "NET_HASH register reads {hash:#x}, expected {:#x}",
                info.net_hash
            ));
        }
        if fin != frames as u64 || fout != frames as u64 {
            problems.push(format!(
                "frame counters read in={fin} out={fout}, expected {frames}"
            ));
        }
    } else {
        return Err(bad("missing status line"));
    }
    let latency = stamps.first().map(|(a, b)| b - a + 1).unwrap_or(0);
    let interval = (received >= 2)
        .then(|| (stamps[received - 1].1 - stamps[0].1) as f64 / (received - 1) as f64);
    let macs = graph.total_macs();
    let efficiency = interval.map(|i| macs as f64 / (info.multipliers as f64 * i.max(1.0)));
    Ok(VerifyReport {
        pass: mismatches == 0 && problems.is_empty(),
        frames,
        frames_received: received,
        mismatches,
        first_mismatch: first,
        latency_cycles: latency,
        interval_cycles: interval,
        planned_interval_cycles: info.interval_cycles,
        macs_per_frame: macs,
        multipliers: info.multipliers,
        efficiency,
        stall: opts.stall,
        seed: opts.seed,
        problems,
    })
}

/// After a failure: the first layer whose output already differs from the
/// golden model, found by verifying the network cut after a layer
/// (bisection over the layers; each probe is a design of its own under
/// `OUT/sim/bisect`). `None` when every cut passes.
pub fn smallest_failing_layer(out: &Path, opts: &VerifyOptions) -> Result<Option<String>> {
    let (_, graph) = read_design(out)?;
    let probe = |k: usize| -> Result<bool> {
        let cut = graph.prefix(k);
        let plan = crate::plan::plan(&cut, crate::plan::Fold::Min)?;
        let files = crate::emit::emit(&cut, &plan)?;
        let dir = out.join("sim").join("bisect").join(format!("upto_{k}"));
        crate::emit::write_design(&dir, &files)?;
        let mut o = opts.clone();
        o.frames = o.frames.min(2);
        o.inputs = o.inputs.map(|x| {
            x.slice(ndarray::s![..o.frames.min(x.nrows()), ..])
                .to_owned()
        });
        Ok(verify(&dir, &o)?.pass)
    };
    let (mut lo, mut hi) = (0usize, graph.layers.len());
    // invariant: cuts before `lo` pass, the cut at `hi - 1` (the whole
    // network) fails or is unknown
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if probe(mid)? {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    Ok(graph.layers.get(lo).map(|l| l.name.clone()))
}
