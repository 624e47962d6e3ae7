//! `tomatl verify`: every output element of every frame against the golden
//! model, plus the measured latency and interval.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::progress::Progress;

use ndarray::Array2;

use super::netlist::Target;
use super::verilator;
use crate::error::{Error, InputError, Result};
use crate::hw::Design as DesignInfo;
use crate::ir::Graph;
use crate::output::{DirKind, Manifest, MANIFEST};
pub use crate::verdict::{interval_limit, Backend, Mismatch, VerifyReport};

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
    /// Simulation processes the frames are shared out to (each gets at
    /// least 8 frames).
    pub jobs: usize,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            frames: 16,
            seed: 1,
            stall: 0.0,
            burst: 1.0,
            inputs: None,
            jobs: 1,
        }
    }
}

/// The most input and output elements one verify holds in memory (as
/// 64-bit codes: 2 GiB).
pub const MAX_ELEMENTS: u64 = 1 << 28;

/// Read a design folder, refusing one whose parts disagree: the network
/// (`net.json`), the design (`design.json`) and the harness sources must be
/// what `tomatl generate` wrote together (the manifest's hashes), and the
/// design must describe that network. The RTL is what is verified, so it
/// may differ.
pub fn read_design(out: &Path) -> Result<(DesignInfo, Graph)> {
    let not_ours = |what: String| -> Error {
        InputError::new(out, what)
            .expected("a folder written by `tomatl generate` (regenerate the design)")
            .into()
    };
    let Some(manifest) = Manifest::read(out, DirKind::Design) else {
        if out.join("design.json").is_file() {
            return Err(not_ours(format!(
                "has no valid {MANIFEST}: it was not written by this version of tomatl, or was edited"
            )));
        }
        return Err(not_ours("is not a tomatl design (no design.json)".into()));
    };
    // each bound file is read once: checked against the manifest, and the
    // two JSON files kept for parsing
    let (mut design, mut net) = (None, None);
    for (rel, hash) in &manifest.files {
        if !(rel == "design.json"
            || rel == "net.json"
            || rel.starts_with("sim/")
            || crate::emit::hls::is_harness(rel))
        {
            continue;
        }
        let p = out.join(rel);
        let bytes = std::fs::read(&p).map_err(|e| {
            InputError::new(&p, format!("cannot read the design: {e}"))
                .expected("a directory written by `tomatl generate`")
        })?;
        if *hash != crate::output::sha256_hex(&bytes) {
            return Err(not_ours(format!(
                "`{rel}` is not the file `tomatl generate` wrote with this design: \
                 the network, the design and the harness would disagree"
            )));
        }
        match rel.as_str() {
            "design.json" => design = Some(bytes),
            "net.json" => net = Some(bytes),
            _ => {}
        }
    }
    let (Some(design), Some(net)) = (design, net) else {
        return Err(not_ours(format!(
            "its {MANIFEST} does not list design.json and net.json"
        )));
    };
    let dj = out.join("design.json");
    let info: DesignInfo = serde_json::from_slice(&design)
        .map_err(|e| InputError::new(&dj, format!("not a tomatl design.json: {e}")))?;
    let nj = out.join("net.json");
    let text = String::from_utf8(net)
        .map_err(|e| InputError::new(&nj, format!("not a tomatl net.json: {e}")))?;
    let graph = crate::ir::serial::from_json(&text)
        .map_err(|e| InputError::new(&nj, format!("not a tomatl net.json: {e}")))?;
    if graph.hash32() != info.net_hash || crate::hw::top_name(&graph) != info.top {
        return Err(not_ours(
            "design.json describes another network than net.json".into(),
        ));
    }
    Ok((info, graph))
}

/// Build (incrementally) the Verilator model of the design in `out`. Builds
/// of one design are serialised by a lock on `sim/obj_dir.lock`, so
/// concurrent verifies share one build.
/// The lock that serialises the builds of one design (`sim/obj_dir.lock`,
/// held until the returned file is dropped).
pub(crate) fn build_lock(out: &Path) -> Result<std::fs::File> {
    let lock_path = out.join("sim").join("obj_dir.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| crate::output::write_err(&lock_path, "cannot open the build lock", e))?;
    lock.lock()
        .map_err(|e| Error::io(format!("locking {}", lock_path.display()), e))?;
    Ok(lock)
}

pub fn build_model(out: &Path, info: &DesignInfo) -> Result<PathBuf> {
    let rtl = out.join("rtl");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&rtl)
        .map_err(|e| Error::io(format!("listing {}", rtl.display()), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "v"))
        .collect();
    sources.sort();
    let sim = out.join("sim");
    let lock = build_lock(out)?;
    let b = verilator::Build {
        top: info.top.clone(),
        sources,
        cpp: vec![sim.join("tomatl_harness.cpp")],
        include_dirs: vec![sim.clone()],
        obj_dir: sim.join("obj_dir"),
        defines: vec![],
    };
    let r =
        verilator::build(&b).map_err(|e| Error::Internal(format!("Verilator build failed: {e}")));
    let _ = lock.unlock();
    r
}

/// A private folder for one simulation process: `sim/runs/PID-N`.
fn run_dir(out: &Path, shard: usize) -> Result<PathBuf> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let d = out
        .join("sim")
        .join("runs")
        .join(format!("{}-{n}-{shard}", std::process::id()));
    let d = std::path::absolute(&d).unwrap_or(d);
    std::fs::create_dir_all(&d)
        .map_err(|e| crate::output::write_err(&d, "cannot create the run folder", e))?;
    Ok(d)
}

/// One simulation process: a contiguous range of frames.
struct Shard {
    first: usize,
    frames: usize,
    seed: u64,
    dir: PathBuf,
    backend: Backend,
}

/// What one shard's simulation reported.
struct ShardResult {
    /// Frames that came out.
    received: usize,
    /// Their first-input and last-output cycles (RTL only).
    stamps: Vec<(u64, u64)>,
    mismatches: usize,
    first: Option<Mismatch>,
    problems: Vec<String>,
}

/// How many processes to run `frames` in: at most `jobs`, each with at
/// least 8 frames so that every shard measures its own interval.
fn shard_count(frames: usize, jobs: usize) -> usize {
    jobs.clamp(1, (frames / 8).max(1))
}

/// Verify the RTL of the design in `out` against its golden model.
pub fn verify(out: &Path, opts: &VerifyOptions) -> Result<VerifyReport> {
    verify_backend(out, opts, Backend::Rtl)
}

/// Verify the design in `out` against its golden model, in Verilator
/// (`Backend::Rtl`) or in the C simulation of its HLS C++ (`Backend::Hls`,
/// a design generated with `--hls`; stalls do not apply).
pub fn verify_backend(out: &Path, opts: &VerifyOptions, backend: Backend) -> Result<VerifyReport> {
    verify_in(out, opts, backend, None)
}

/// Verify the netlist Yosys synthesises from the design in `out` for
/// `family` (the design's board's family when `None`, generic synthesis
/// without a board) against the golden model, in Verilator with Yosys's
/// cell models: the frames, stalls and verdict of [`verify`].
pub fn verify_netlist(
    out: &Path,
    opts: &VerifyOptions,
    family: Option<Target>,
) -> Result<VerifyReport> {
    verify_in(out, opts, Backend::Netlist, family)
}

/// [`verify_backend`], with the synthesis target of `Backend::Netlist`.
fn verify_in(
    out: &Path,
    opts: &VerifyOptions,
    backend: Backend,
    family: Option<Target>,
) -> Result<VerifyReport> {
    let (info, graph) = read_design(out)?;
    if backend == Backend::Hls {
        super::hls::require_hls(out, &info)?;
    }
    let per_frame = (graph.input_len() + graph.output_len()) as u64;
    let requested = opts.inputs.as_ref().map_or(opts.frames, |x| x.nrows());
    let flag = if opts.inputs.is_some() {
        "--input"
    } else {
        "--frames"
    };
    if requested == 0 {
        return Err(InputError::new(Path::new(flag), "no frames to verify")
            .expected("at least 1 frame")
            .into());
    }
    if (requested as u64).saturating_mul(per_frame) > MAX_ELEMENTS {
        return Err(InputError::new(
            Path::new(flag),
            format!(
                "{requested} frames of {per_frame} input and output elements are more than one verify holds"
            ),
        )
        .expected(format!(
            "at most {} frames of this design",
            MAX_ELEMENTS / per_frame.max(1)
        ))
        .into());
    }
    let inputs = match &opts.inputs {
        Some(x) => x.clone(),
        None => crate::golden::random_inputs(&graph, opts.frames, opts.seed),
    };
    let frames = inputs.nrows();
    let expected = crate::golden::run(&graph, inputs.view());
    let mut netlist = None;
    let exe = match backend {
        Backend::Rtl => build_model(out, &info)?,
        Backend::Hls => super::hls::build(out, &info)?,
        Backend::Netlist => {
            let target = super::netlist::target_of(&info, family);
            let built = super::netlist::build(out, &info, target)?;
            netlist = Some(built.info);
            built.exe
        }
    };
    let cycle_per_frame =
        info.interval_cycles + (info.input.beats_per_frame + info.output.beats_per_frame) as u64;
    let slow = 1.0 / (1.0 - opts.stall.clamp(0.0, 0.95));
    let n = shard_count(frames, opts.jobs);
    let mut shards = Vec::with_capacity(n);
    for k in 0..n {
        let first = frames * k / n;
        let last = frames * (k + 1) / n;
        shards.push(Shard {
            first,
            frames: last - first,
            // shard 0 runs exactly what a single process would
            seed: opts.seed.wrapping_add(k as u64),
            dir: run_dir(out, k)?,
            backend,
        });
    }
    let bar = Progress::new("simulation frames", Some(frames as u64));
    let started = std::time::Instant::now();
    let done: Vec<std::sync::atomic::AtomicU64> = (0..n)
        .map(|_| std::sync::atomic::AtomicU64::new(0))
        .collect();
    let results: Vec<Result<String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = shards
            .iter()
            .enumerate()
            .map(|(k, sh)| {
                let (exe, inputs, bar, done) = (&exe, &inputs, &bar, &done);
                let max_cycles = (100_000.0
                    + (sh.frames as f64 + 4.0)
                        * cycle_per_frame as f64
                        * 8.0
                        * slow
                        * opts.burst.max(1.0)) as u64;
                scope.spawn(move || {
                    let rows = inputs.slice(ndarray::s![sh.first..sh.first + sh.frames, ..]);
                    simulate(out, exe, rows, sh, opts, max_cycles, |f| {
                        done[k].store(f, std::sync::atomic::Ordering::Relaxed);
                        bar.set(
                            done.iter()
                                .map(|d| d.load(std::sync::atomic::Ordering::Relaxed))
                                .sum(),
                        );
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::Internal("a simulation thread failed".into())))
            })
            .collect()
    });
    let seconds = started.elapsed().as_secs_f64();
    bar.finish();
    for sh in &shards {
        let _ = std::fs::remove_dir_all(&sh.dir);
    }
    let mut parsed = Vec::with_capacity(n);
    for (sh, text) in shards.iter().zip(results) {
        parsed.push(compare_shard(&info, &expected, &text?, sh)?);
    }
    let mut report = combine(&info, &graph, &shards, parsed, opts, frames, seconds);
    report.netlist = netlist;
    write_measured(out, &info, &report)?;
    Ok(report)
}

/// Run the model on one shard's frames; the text of its output file.
fn simulate(
    out: &Path,
    exe: &Path,
    rows: ndarray::ArrayView2<i64>,
    sh: &Shard,
    opts: &VerifyOptions,
    max_cycles: u64,
    progress: impl Fn(u64),
) -> Result<String> {
    let in_path = sh.dir.join("input.txt");
    let out_path = sh.dir.join("output.txt");
    let mut text = String::with_capacity(rows.len() * 4 + 32);
    text += &format!("frames {} len {}\n", rows.nrows(), rows.ncols());
    for row in rows.rows() {
        let mut first = true;
        for c in row {
            if !first {
                text.push(' ');
            }
            first = false;
            text += &c.to_string();
        }
        text.push('\n');
    }
    std::fs::write(&in_path, text)
        .map_err(|e| crate::output::write_err(&in_path, "cannot write", e))?;
    let mut cmd = Command::new(exe);
    cmd.arg(&in_path).arg(&out_path);
    match sh.backend {
        Backend::Rtl | Backend::Netlist => {
            cmd.arg(sh.seed.to_string())
                .arg(opts.stall.to_string())
                .arg(max_cycles.to_string())
                .arg(opts.burst.to_string())
                .current_dir(out.join("rtl"));
        }
        Backend::Hls => {
            cmd.current_dir(out.join(crate::emit::hls::DIR));
        }
    }
    let mut child = cmd
        .env("TOMATL_HARNESS_PROGRESS", "1")
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io(format!("running {}", exe.display()), e))?;
    // the harness reports `progress N` (frames out) on stderr
    let mut other = String::new();
    if let Some(err) = child.stderr.take() {
        for line in BufReader::new(err).lines().map_while(|l| l.ok()) {
            match line
                .strip_prefix("progress ")
                .map(|n| n.trim().parse::<u64>())
            {
                Some(Ok(n)) => progress(n),
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
    if !status.success() {
        return Err(Error::Internal(format!(
            "simulation {} exited with {status}: {other}",
            exe.display()
        )));
    }
    std::fs::read_to_string(&out_path)
        .map_err(|e| Error::io(format!("reading {}", out_path.display()), e))
}

/// Record a run next to the design: `verify.json`, and, after an RTL run,
/// `report.html` refreshed to show the measured interval and verdict (the
/// page shows the hardware's cycles, which a C simulation does not
/// measure). Each file is renamed into place whole, so concurrent verifies
/// never leave half a file.
fn write_measured(out: &Path, info: &DesignInfo, report: &VerifyReport) -> Result<()> {
    let json = serde_json::to_string_pretty(report)
        .map_err(|e| Error::Internal(format!("serializing verify.json: {e}")))?
        + "\n";
    let mut files = vec![("verify.json", json)];
    if report.backend == Backend::Rtl {
        // the page keeps showing a build of the design's board
        let built = info
            .board
            .as_ref()
            .and_then(|b| crate::implemented::Implementation::read(out, &b.board));
        files.push((
            "report.html",
            crate::emit::report_html(info, Some(report), built.as_ref())?,
        ));
    }
    for (name, text) in files {
        let p = out.join(name);
        crate::output::write_file(&p, &p, text.as_bytes())?;
    }
    Ok(())
}

fn compare_shard(
    info: &DesignInfo,
    expected: &Array2<i64>,
    text: &str,
    sh: &Shard,
) -> Result<ShardResult> {
    let backend = sh.backend;
    let bad = |what: &str| Error::Internal(format!("unreadable simulation output: {what}"));
    let mut lines = text.lines();
    let mut stamps = Vec::new();
    let mut mismatches = 0usize;
    let mut first = None;
    let mut problems = Vec::new();
    let mut status: Vec<u64> = Vec::new();
    // `end key value ...`
    let mut end: Option<std::collections::BTreeMap<String, i64>> = None;
    let mut received = 0usize;
    while let Some(line) = lines.next() {
        let w: Vec<&str> = line.split_whitespace().collect();
        match w.first().copied() {
            // `frame F first_in T0 last_out T1` (RTL) or `frame F` (C simulation)
            Some("frame") if w.len() == 6 || w.len() == 2 => {
                let f: usize = w[1].parse().map_err(|_| bad(line))?;
                if w.len() == 6 {
                    let t0: u64 = w[3].parse().map_err(|_| bad(line))?;
                    let t1: u64 = w[5].parse().map_err(|_| bad(line))?;
                    stamps.push((t0, t1));
                }
                received += 1;
                let codes = lines.next().ok_or_else(|| bad("missing codes"))?;
                let f = sh.first + f;
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
            Some("end") if w.len() % 2 == 1 => {
                let mut m = std::collections::BTreeMap::new();
                for kv in w[1..].chunks(2) {
                    m.insert(kv[0].to_string(), kv[1].parse().map_err(|_| bad(line))?);
                }
                end = Some(m);
            }
            _ => return Err(bad(line)),
        }
    }
    let frames = sh.frames;
    let end = end.ok_or_else(|| bad("missing end line"))?;
    let value = |k: &str| {
        end.get(k)
            .copied()
            .ok_or_else(|| bad(&format!("end line without {k}")))
    };
    if received < frames {
        problems.push(match backend {
            Backend::Rtl | Backend::Netlist => format!(
                "only {received} of {frames} frames came out before the cycle limit (deadlock?)"
            ),
            Backend::Hls => format!(
                "only {received} of {frames} frames came out: the top wrote {} output beat(s) short",
                value("missing_beats")?
            ),
        });
    }
    let tlast_errors = value("tlast_errors")?;
    if tlast_errors > 0 {
        problems.push(format!(
            "TLAST wrong on {tlast_errors} beat(s), first at output beat {}",
            value("first_tlast_error")?
        ));
    }
    if backend == Backend::Hls {
        for (k, what) in [
            ("extra_beats", "output beat(s) beyond the frames"),
            ("unread_beats", "input beat(s) the top did not read"),
            ("leftover_beats", "beat(s) left unread in the top's streams"),
        ] {
            let n = value(k)?;
            if n > 0 {
                problems.push(format!("{n} {what}"));
            }
        }
        return Ok(ShardResult {
            received,
            stamps,
            mismatches,
            first,
            problems,
        });
    }
    if let [id, hash, fin, fout] = status[..] {
        let want_id = crate::hw::ID_WORD as u64;
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
    Ok(ShardResult {
        received,
        stamps,
        mismatches,
        first,
        problems,
    })
}

fn combine(
    info: &DesignInfo,
    graph: &Graph,
    shards: &[Shard],
    parsed: Vec<ShardResult>,
    opts: &VerifyOptions,
    frames: usize,
    seconds: f64,
) -> VerifyReport {
    let backend = shards.first().map_or(Backend::Rtl, |s| s.backend);
    let mut problems = Vec::new();
    let mut mismatches = 0;
    let mut first: Option<Mismatch> = None;
    let (mut span, mut gaps, mut received) = (0u64, 0usize, 0usize);
    for (sh, r) in shards.iter().zip(&parsed) {
        mismatches += r.mismatches;
        if first.is_none() {
            first = r.first.clone();
        }
        for p in &r.problems {
            problems.push(if shards.len() > 1 {
                format!("frames {}..{}: {p}", sh.first, sh.first + sh.frames)
            } else {
                p.clone()
            });
        }
        received += r.received;
        if let (Some(a), Some(b)) = (r.stamps.first(), r.stamps.last()) {
            span += b.1 - a.1;
            gaps += r.stamps.len() - 1;
        }
    }
    let latency = parsed
        .first()
        .and_then(|r| r.stamps.first())
        .map(|(a, b)| b - a + 1)
        .unwrap_or(0);
    let interval = (gaps > 0).then(|| span as f64 / gaps as f64);
    let planned = info.interval_cycles;
    let macs = graph.total_macs();
    let efficiency = interval.map(|i| macs as f64 / (info.multipliers as f64 * i.max(1.0)));
    let mut report = VerifyReport {
        pass: false,
        frames,
        frames_received: received,
        mismatches,
        first_mismatch: first,
        latency_cycles: latency,
        interval_cycles: interval,
        planned_interval_cycles: planned,
        macs_per_frame: macs,
        multipliers: info.multipliers,
        efficiency,
        stall: match backend {
            Backend::Rtl | Backend::Netlist => opts.stall,
            Backend::Hls => 0.0,
        },
        seed: opts.seed,
        jobs: shards.len(),
        frames_per_second: (seconds > 0.0).then(|| frames as f64 / seconds),
        problems,
        backend,
        netlist: None,
    };
    if report.interval_over_plan() {
        report.problems.push(format!(
            "interval {:.2} cycles/frame is above the planned {planned} (limit {:.2} without stalls)",
            interval.unwrap_or(0.0),
            interval_limit(planned)
        ));
    }
    report.pass = report.mismatches == 0 && report.problems.is_empty();
    report
}

/// The design of the network cut after layer `k`, generated afresh under
/// `OUT/sim/bisect/upto_K`, verified with at most `frames` frames.
fn probe_prefix(
    out: &Path,
    graph: &Graph,
    k: usize,
    fold: crate::plan::Fold,
    opts: &VerifyOptions,
    (backend, family): (Backend, Option<Target>),
    frames: usize,
) -> Result<VerifyReport> {
    let cut = graph.prefix(k);
    let plan = crate::plan::plan(&cut, fold)?;
    let files = match backend {
        Backend::Rtl | Backend::Netlist => crate::emit::emit(&cut, &plan)?,
        Backend::Hls => crate::emit::emit_with_hls(&cut, &plan)?,
    };
    let dir = out.join("sim").join("bisect").join(format!("upto_{k}"));
    crate::emit::write_design(&dir, &files)?;
    let mut o = opts.clone();
    o.frames = o.frames.min(frames);
    o.jobs = 1;
    o.inputs = o.inputs.map(|x| {
        x.slice(ndarray::s![..o.frames.min(x.nrows()), ..])
            .to_owned()
    });
    verify_in(&dir, &o, backend, family)
}

/// The first layer `k` for which `fails(k)` holds, by bisection over the
/// layers (cuts before it pass, the whole network is assumed to fail);
/// `None` when every cut passes.
fn first_failing(
    graph: &Graph,
    mut fails: impl FnMut(usize) -> Result<bool>,
) -> Result<Option<String>> {
    let (mut lo, mut hi) = (0usize, graph.layers.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if fails(mid)? {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Ok(graph.layers.get(lo).map(|l| l.name.clone()))
}

/// After a mismatch: the first layer whose output already differs from the
/// golden model, found by verifying the network cut after a layer (each
/// probe is a design of its own under `OUT/sim/bisect`). `None` when every
/// cut passes.
pub fn smallest_failing_layer(out: &Path, opts: &VerifyOptions) -> Result<Option<String>> {
    smallest_failing_layer_of(out, opts, Backend::Rtl)
}

/// [`smallest_failing_layer`] of a backend: the cuts are generated for it
/// and simulated in it.
pub fn smallest_failing_layer_of(
    out: &Path,
    opts: &VerifyOptions,
    backend: Backend,
) -> Result<Option<String>> {
    smallest_failing(out, opts, backend, None)
}

/// [`smallest_failing_layer`] of the netlist synthesised for `target`:
/// each cut, planned at the design's interval (what synthesis makes of a
/// layer depends on its fold), is synthesised for it and simulated with
/// its cell models.
pub fn smallest_failing_netlist_layer(
    out: &Path,
    opts: &VerifyOptions,
    target: Target,
) -> Result<Option<String>> {
    smallest_failing(out, opts, Backend::Netlist, Some(target))
}

fn smallest_failing(
    out: &Path,
    opts: &VerifyOptions,
    backend: Backend,
    family: Option<Target>,
) -> Result<Option<String>> {
    let (info, graph) = read_design(out)?;
    let fold = match backend {
        Backend::Netlist => crate::plan::Fold::Auto {
            target_cycles: Some(info.interval_cycles),
        },
        Backend::Rtl | Backend::Hls => crate::plan::Fold::Min,
    };
    first_failing(&graph, |k| {
        Ok(probe_prefix(out, &graph, k, fold, opts, (backend, family), 2)?.mismatches > 0)
    })
}

/// After a run slower than planned (`--stall 0`): the first layer whose
/// cut of the network, planned at the design's interval, is already slower
/// than its plan: the stage whose stream stalls. `None` when every cut
/// meets its plan.
pub fn slowest_stage(out: &Path, opts: &VerifyOptions) -> Result<Option<String>> {
    let (info, graph) = read_design(out)?;
    let fold = crate::plan::Fold::Auto {
        target_cycles: Some(info.interval_cycles),
    };
    let mut o = opts.clone();
    o.stall = 0.0;
    first_failing(&graph, |k| {
        Ok(probe_prefix(out, &graph, k, fold, &o, (Backend::Rtl, None), 8)?.interval_over_plan())
    })
}
