//! `make bench`: generator speed, golden-model, Verilator and HLS
//! C-simulation throughput, the arithmetic density of planned designs and
//! the open flow's time per step, measured in one run. Prints a table and writes BENCH.md.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn load(net: &str) -> tomatl::ir::Graph {
    tomatl::frontend::load(&root().join("examples").join(net))
        .unwrap_or_else(|e| panic!("{net}: {e}"))
}

/// Where the notes of BENCH.md begin (everything from this line on is kept).
const NOTES_MARK: &str = "<!-- notes: kept by make bench -->";

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// User and system CPU seconds of the finished child processes so far.
fn children_cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) } != 0 {
        return 0.0;
    }
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 * 1e-6;
    t(u.ru_utime) + t(u.ru_stime)
}

fn main() {
    let load_avg = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "-".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut md = format!(
        "# Benchmarks\n\nMeasured in one run of `make bench` on this machine ({cores} cores, \
         load average {load_avg} at the start: wall-clock rates fall when others share the cores; \
         frames per CPU-second do not).\n\n"
    );
    let mut rows: Vec<(String, String)> = Vec::new();

    // generator: MobileNet-V1 224 from YAML to a written design
    let t = Instant::now();
    let g = load("mobilenet_v1.yaml");
    let board = tomatl::plan::load_board("zcu104").expect("board");
    let plan = tomatl::plan::plan_for_board(&g, &board, None, None).expect("plan");
    let files = tomatl::emit::emit(&g, &plan).expect("emit");
    let out = root().join("target/bench/mobilenet_v1");
    tomatl::emit::write_design(&out, &files).expect("write");
    let gen_s = secs(t);
    rows.push((
        "generate mobilenet_v1 (224) for zcu104".into(),
        format!("{gen_s:.2} s"),
    ));
    let fit = plan.board.as_ref().expect("fit");
    let dsp_density = |g: &tomatl::ir::Graph, p: &tomatl::plan::HwPlan| {
        let f = p.board.as_ref().expect("fit");
        g.total_macs() as f64 / (f.predicted.dsp.max(1.0) * p.interval as f64)
    };
    rows.push((
        "mobilenet_v1 on zcu104: planned frames/s".into(),
        format!("{:.0} at {} MHz", fit.fps, fit.clock_mhz),
    ));
    rows.push((
        "mobilenet_v1 on zcu104: MACs per DSP per cycle".into(),
        format!("{:.2}", dsp_density(&g, &plan)),
    ));

    for (net, frames, sim_frames) in [("jet_tagger.yaml", 20000, 2000), ("resnet8.yaml", 20, 3)] {
        let g = load(net);
        let x = tomatl::golden::random_inputs(&g, frames, 1);
        let t = Instant::now();
        let _ = tomatl::golden::run(&g, x.view());
        let golden_fps = frames as f64 / secs(t);
        let board = tomatl::plan::load_board("pynq-z2").expect("board");
        let plan = tomatl::plan::plan_for_board(&g, &board, None, None).expect("plan");
        let out = root().join("target/bench").join(&g.name);
        let files = tomatl::emit::emit_with_hls(&g, &plan).expect("emit");
        tomatl::emit::write_design(&out, &files).expect("write");
        let info: tomatl::hw::Design = serde_json::from_str(
            &std::fs::read_to_string(out.join("design.json")).expect("design.json"),
        )
        .expect("json");
        let t = Instant::now();
        tomatl::sim::verify::build_model(&out, &info).expect("build");
        let build_s = secs(t);
        let t = Instant::now();
        let r = tomatl::sim::verify(
            &out,
            &tomatl::sim::VerifyOptions {
                frames: sim_frames,
                ..Default::default()
            },
        )
        .expect("verify");
        let sim_s = secs(t);
        assert!(r.pass, "{net}: {}", r.line());
        let cycles = r.latency_cycles as f64
            + r.interval_cycles.unwrap_or(0.0) * (sim_frames.saturating_sub(1)) as f64;
        let sim_fps = sim_frames as f64 / sim_s;
        let name = g.name.clone();
        let fit = plan.board.as_ref().expect("fit");
        rows.push((
            format!("{name}: golden model frames/s"),
            format!("{golden_fps:.0}"),
        ));
        rows.push((
            format!("{name}: Verilator build"),
            format!("{build_s:.1} s"),
        ));
        rows.push((
            format!("{name}: Verilator simulated cycles/s"),
            format!("{:.0}", cycles / sim_s),
        ));
        rows.push((
            format!("{name}: Verilator frames/s"),
            format!("{sim_fps:.1}"),
        ));
        rows.push((
            format!("{name}: golden model / Verilator speed"),
            format!("{:.0}x", golden_fps / sim_fps),
        ));
        rows.push((
            format!("{name} on pynq-z2: planned frames/s"),
            format!("{:.0} at {} MHz", fit.fps, fit.clock_mhz),
        ));
        rows.push((
            format!("{name} on pynq-z2: MACs per DSP per cycle"),
            format!("{:.2}", dsp_density(&g, &plan)),
        ));
        if name == "resnet8" {
            // the same frames in one simulation process and shared over two
            let run = |jobs: usize| {
                let r = tomatl::sim::verify(
                    &out,
                    &tomatl::sim::VerifyOptions {
                        frames: 48,
                        jobs,
                        ..Default::default()
                    },
                )
                .expect("verify");
                assert!(r.pass, "{net} --jobs {jobs}: {}", r.line());
                r
            };
            let (r1, r2) = (run(1), run(2));
            assert_eq!(r1.pass, r2.pass, "verdicts differ");
            let (one, two) = (
                r1.frames_per_second.unwrap_or(0.0),
                r2.frames_per_second.unwrap_or(0.0),
            );
            // the RTL's simulated cycles per second on one core: the cycles
            // of the 48 frames (the first one's latency, then one interval
            // a frame) over the simulation's wall-clock time
            let sim_cycles = r1.latency_cycles as f64
                + r1.interval_cycles.unwrap_or(0.0) * (r1.frames.saturating_sub(1)) as f64;
            rows.push((
                "resnet8: verify --jobs 1, 48 frames: RTL simulated cycles/s".into(),
                format!("{:.0}", sim_cycles * one / r1.frames.max(1) as f64),
            ));
            rows.push((
                "resnet8: verify --jobs 1, 48 frames: simulated frames/s".into(),
                format!("{one:.2}"),
            ));
            rows.push((
                "resnet8: verify --jobs 2, 48 frames: simulated frames/s".into(),
                format!("{two:.2}"),
            ));
            rows.push((
                "resnet8: verify --jobs 2 / --jobs 1 (same verdict)".into(),
                format!("{:.2}x", two / one.max(1e-9)),
            ));
            rows.push((
                "resnet8 on pynq-z2 / published INT8 ResNet-8 (2,431 frames/s at 143 MHz)".into(),
                format!("{:.2}x", fit.fps / 2431.0),
            ));
            // the HLS C++ of the same design in C simulation (g++)
            let t = Instant::now();
            tomatl::sim::hls::build(&out, &info).expect("C-simulation build");
            rows.push((
                "resnet8: HLS C-simulation build (g++ -O2)".into(),
                format!("{:.1} s", secs(t)),
            ));
            // wall-clock frames/s, and frames per CPU-second of the
            // simulation processes (what other work on the machine leaves
            // unchanged)
            let hls_fps = |jobs: usize| {
                let cpu0 = children_cpu_seconds();
                let r = tomatl::sim::verify_backend(
                    &out,
                    &tomatl::sim::VerifyOptions {
                        frames: 96,
                        jobs,
                        ..Default::default()
                    },
                    tomatl::sim::Backend::Hls,
                )
                .expect("verify --backend hls");
                assert!(r.pass, "{net} --backend hls --jobs {jobs}: {}", r.line());
                let cpu = children_cpu_seconds() - cpu0;
                (
                    r.frames_per_second.unwrap_or(0.0),
                    r.frames as f64 / cpu.max(1e-9),
                )
            };
            let (one, one_cpu) = hls_fps(1);
            let (two, _) = hls_fps(2);
            rows.push((
                "resnet8: HLS C-sim frames per CPU-second of the simulation (1 process)".into(),
                format!("{one_cpu:.1}"),
            ));
            rows.push((
                "resnet8: verify --backend hls --jobs 1, 96 frames: frames/s".into(),
                format!("{one:.1}"),
            ));
            rows.push((
                "resnet8: verify --backend hls --jobs 2, 96 frames: frames/s".into(),
                format!("{two:.1}"),
            ));
            rows.push((
                "resnet8: HLS C-sim --jobs 2 / hls4ml 1.3 C-sim of the same shape (5.4 frames/s)"
                    .into(),
                format!("{:.1}x", two / 5.4),
            ));
            rows.push((
                "resnet8: HLS C-sim per CPU-second / hls4ml 1.3 C-sim (5.4 frames/s)".into(),
                format!("{:.1}x", one_cpu / 5.4),
            ));
        }
    }
    // the open flow: the jet tagger planned for the iCEBreaker and the
    // small CNN for the ULX3S (the designs build_flow builds; the jet
    // tagger fully unrolled on the ECP5-85F spends over half an hour in
    // nextpnr), seconds per step (a YoWASP tool's very first run also
    // compiles its WebAssembly, cached afterwards)
    for (net, board) in [("jet_tagger", "icebreaker"), ("small_cnn", "ulx3s-85f")] {
        let b = tomatl::plan::load_board(board).expect("board");
        let g = load(&format!("{net}.yaml"));
        let plan = tomatl::plan::plan_for_board(&g, &b, None, None).expect("plan");
        let out = root().join(format!("target/bench/{net}_{board}"));
        let files = tomatl::emit::emit(&g, &plan).expect("emit");
        tomatl::emit::write_design(&out, &files).expect("write");
        let (design, _) = tomatl::sim::verify::read_design(&out).expect("design");
        let opts = tomatl::build::BuildOptions::default();
        let r = tomatl::build::build(&out, &design, &b, &opts).expect("build");
        let mut total = 0.0;
        for (step, s) in &r.steps {
            total += s;
            rows.push((
                format!("open flow, {net} on {board}: {step}"),
                format!("{s:.1} s"),
            ));
        }
        rows.push((
            format!("open flow, {net} on {board}: total"),
            format!("{total:.1} s"),
        ));
    }
    let _ = writeln!(md, "| measurement | value |\n|---|---:|");
    for (k, v) in &rows {
        println!("{k:<70} {v}");
        let _ = writeln!(md, "| {k} | {v} |");
    }
    // the notes after the table (measurements made by hand, e.g. against an
    // older tree) are kept
    let path = root().join("BENCH.md");
    if let Ok(old) = std::fs::read_to_string(&path) {
        if let Some(at) = old.find(NOTES_MARK) {
            md.push('\n');
            md.push_str(&old[at..]);
        }
    }
    std::fs::write(&path, md).expect("write BENCH.md");
    println!("wrote BENCH.md");
}
