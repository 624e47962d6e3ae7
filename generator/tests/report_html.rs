//! report.html: a self-contained page (no external resources) with the
//! layers, the pipeline-balance and resource charts, and the measured
//! section; it renders in headless Chromium without console errors.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use tomatl::sim::VerifyReport;

/// resnet8 planned for the PYNQ-Z2, written to a scratch directory.
fn resnet8_on_pynq(name: &str) -> (tomatl::ir::Graph, PathBuf, String) {
    let graph = tomatl::frontend::load(&example("resnet8.yaml")).expect("load");
    let board = tomatl::plan::load_board("pynq-z2").expect("board");
    let plan = tomatl::plan::plan_for_board(&graph, &board, None, None).expect("plan");
    let files = tomatl::emit::emit(&graph, &plan).expect("emit");
    let out = scratch(name);
    tomatl::emit::write_design(&out, &files).expect("write");
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    (graph, out, html)
}

fn assert_self_contained(html: &str) {
    let without_ns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    assert!(
        !without_ns.contains("http"),
        "report.html refers to an external address"
    );
    for bad in ["<script src", "<link", "@import", "url(", "<img", "<iframe"] {
        assert!(!html.contains(bad), "report.html contains `{bad}`");
    }
}

#[test]
fn page_is_self_contained_with_every_layer_and_a_chart_each() {
    let (graph, out, html) = resnet8_on_pynq("report_html_structure");
    assert!(html.starts_with("<!DOCTYPE html>"), "{}", &html[..80]);
    assert!(html.trim_end().ends_with("</html>"));
    assert_self_contained(&html);
    // pipeline balance + resources against the board
    assert_eq!(html.matches("<svg").count(), 2, "one <svg> per chart");
    assert_eq!(html.matches("</svg>").count(), 2);
    for l in &graph.layers {
        assert!(
            html.contains(&format!(">{}<", l.name)),
            "layer {} missing",
            l.name
        );
    }
    for want in [
        "resnet8_top",
        "pynq-z2",
        "xc7z020clg400-1",
        "143 MHz",
        "frames/s",
        "efficiency",
        "MACs",
        "parameters",
        "class=\"bn\"",
        "on-chip memory",
        "Not measured yet",
    ] {
        assert!(html.contains(want), "report.html lacks {want:?}");
    }
    // the per-engine resource columns are there with the board, and the
    // design row totals the board prediction
    assert!(html.contains("<th class=\"n\">DSP</th>"));
    let text = std::fs::read_to_string(out.join("design.json")).expect("design.json");
    let info: tomatl::hw::Design = serde_json::from_str(&text).expect("parse");
    let fit = info.board.as_ref().expect("board");
    let total = html
        .split("<tr class=\"total\">")
        .nth(1)
        .and_then(|t| t.split("</tr>").next())
        .expect("design row");
    assert!(
        total.contains(&format!("<td class=\"n\">{:.0}</td>", fit.predicted.dsp)),
        "{total}"
    );

    // deterministic: the same input gives the same bytes
    let graph2 = tomatl::frontend::load(&example("resnet8.yaml")).expect("load");
    let board = tomatl::plan::load_board("pynq-z2").expect("board");
    let plan = tomatl::plan::plan_for_board(&graph2, &board, None, None).expect("plan");
    let files = tomatl::emit::emit(&graph2, &plan).expect("emit");
    let again = files
        .iter()
        .find(|f| f.path == "report.html")
        .expect("report.html emitted");
    assert_eq!(again.contents, html);
    let _ = out;
}

#[test]
fn without_a_board_there_is_no_resource_chart() {
    let graph = tomatl::frontend::load(&example("jet_tagger.yaml")).expect("load");
    let plan = tomatl::plan::plan(
        &graph,
        tomatl::plan::Fold::Auto {
            target_cycles: Some(64),
        },
    )
    .expect("plan");
    let info = tomatl::hw::lower(&graph, &plan).expect("lower");
    let html = tomatl::emit::report_html(&info, None, None).expect("render");
    assert_self_contained(&html);
    assert_eq!(html.matches("<svg").count(), 1);
    assert!(html.contains("No board"));
    assert!(!html.contains("<th class=\"n\">DSP</th>"));
}

fn report(pass: bool, interval: f64) -> VerifyReport {
    VerifyReport {
        pass,
        frames: 4,
        frames_received: 4,
        mismatches: if pass { 0 } else { 3 },
        first_mismatch: (!pass).then_some(tomatl::sim::verify::Mismatch {
            frame: 1,
            element: 7,
            expected: 12,
            got: -5,
        }),
        latency_cycles: 90_000,
        interval_cycles: Some(interval),
        planned_interval_cycles: 36_864,
        macs_per_frame: 12_501_632,
        multipliers: 341,
        efficiency: Some(12_501_632.0 / (341.0 * interval)),
        stall: 0.3,
        seed: 5,
        jobs: 1,
        frames_per_second: Some(3.5),
        problems: if pass {
            vec![]
        } else {
            vec!["TLAST <wrong> & late".into()]
        },
        backend: tomatl::sim::Backend::Rtl,
        netlist: None,
    }
}

#[test]
fn measured_section_shows_verdict_interval_and_mismatches_escaped() {
    let (_graph, out, _) = resnet8_on_pynq("report_html_measured");
    let text = std::fs::read_to_string(out.join("design.json")).expect("design.json");
    let info: tomatl::hw::Design = serde_json::from_str(&text).expect("parse");
    assert!(info.layers.iter().any(|l| l.predicted.is_some()));

    let ok = tomatl::emit::report_html(&info, Some(&report(true, 36_870.5)), None).expect("ok");
    assert_self_contained(&ok);
    assert!(ok.contains("verdict pass"));
    assert!(ok.contains("<div class=\"k\">verified</div><div class=\"v\">PASS</div>"));
    assert!(ok.contains("36870.50"), "measured interval shown");
    assert!(
        ok.contains("measured 36870.5"),
        "measured marker on the chart"
    );
    assert!(!ok.contains("Not measured yet"));

    let bad = tomatl::emit::report_html(&info, Some(&report(false, 40_000.0)), None).expect("bad");
    assert!(bad.contains("verdict fail"));
    assert!(bad.contains("<div class=\"v\">FAIL</div>"));
    assert!(bad.contains("frame 1 element 7: expected 12, got -5"));
    assert!(
        bad.contains("TLAST &#60;wrong&#62; &#38; late")
            || bad.contains("TLAST &lt;wrong&gt; &amp; late")
    );
    assert!(!bad.contains("<wrong>"));
}

#[test]
fn verify_writes_verify_json_and_refreshes_the_page() {
    let graph = tomatl::frontend::load(&example("jet_tagger.yaml")).expect("load");
    let out = scratch("report_html_verify");
    generate(
        &graph,
        tomatl::plan::Fold::Auto {
            target_cycles: Some(64),
        },
        &out,
    );
    let r = verify(&out, 6, 0.3, 2);
    assert!(r.pass, "{}", r.line());
    let text = std::fs::read_to_string(out.join("verify.json")).expect("verify.json");
    let back: VerifyReport = serde_json::from_str(&text).expect("parse verify.json");
    assert_eq!(back, r);
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    assert_self_contained(&html);
    assert!(html.contains("verdict pass"));
    let measured = format!("{:.2}", r.interval_cycles.expect("interval"));
    assert!(html.contains(&measured), "measured interval {measured}");
}

// ---- headless Chromium -------------------------------------------------

const CHROMIUM: &str = "/usr/bin/chromium";

/// Chromium, installed with apt when missing.
fn chromium() -> PathBuf {
    let bin = PathBuf::from(CHROMIUM);
    if bin.exists() {
        return bin;
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let apt = |args: &[&str]| -> bool {
        let mut c = if root {
            Command::new("apt-get")
        } else {
            let mut c = Command::new("sudo");
            c.arg("-n").arg("apt-get");
            c
        };
        c.args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    let ok = apt(&["install", "-y", "chromium"])
        || (apt(&["update"]) && apt(&["install", "-y", "chromium"]));
    assert!(
        ok && bin.exists(),
        "{CHROMIUM} is missing and `apt-get install -y chromium` failed{}: install Chromium to render report.html",
        if root { "" } else { " (run as root or with passwordless sudo)" }
    );
    bin
}

/// Run `cmd`, killing it after `limit`; (success, stderr).
fn run_with_limit(mut cmd: Command, limit: Duration, stderr_path: &Path) -> bool {
    let err = std::fs::File::create(stderr_path).expect("stderr file");
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(err)
        .spawn()
        .expect("start chromium");
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().expect("wait") {
            return s.success();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// RGB pixels of a PNG: (width, height, pixels).
fn decode_png(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let file = std::io::BufReader::new(std::fs::File::open(path).expect("open png"));
    let mut decoder = png::Decoder::new(file);
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("png size")];
    let info = reader.next_frame(&mut buf).expect("png frame");
    let ch = info.color_type.samples();
    assert!(
        ch >= 3,
        "screenshot is not in colour: {:?}",
        info.color_type
    );
    let px = buf[..info.buffer_size()]
        .chunks_exact(ch)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (info.width, info.height, px)
}

#[test]
fn page_renders_in_headless_chromium() {
    let start = Instant::now();
    let (_, out, _) = resnet8_on_pynq("report_html_chromium");
    let page = std::path::absolute(out.join("report.html")).expect("absolute");
    let tmp = tempfile::tempdir().expect("tempdir");
    let shot = tmp.path().join("shot.png");
    let mut cmd = Command::new(chromium());
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1280,2000",
    ])
    .arg(format!(
        "--user-data-dir={}",
        tmp.path().join("profile").display()
    ))
    .arg(format!("--screenshot={}", shot.display()))
    .arg(format!("file://{}", page.display()));
    let stderr_path = tmp.path().join("stderr.txt");
    let ok = run_with_limit(cmd, Duration::from_secs(60), &stderr_path);
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    assert!(ok, "chromium failed:\n{stderr}");
    let console: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(
        console.is_empty(),
        "console messages:\n{}",
        console.join("\n")
    );

    assert!(shot.exists(), "no screenshot; chromium said:\n{stderr}");
    let (w, h, px) = decode_png(&shot);
    assert_eq!((w, h), (1280, 2000));
    let near = |p: &[u8; 3], c: [u8; 3]| p.iter().zip(c).all(|(&a, b)| a.abs_diff(b) <= 6);
    let count = |c: [u8; 3]| px.iter().filter(|p| near(p, c)).count();
    let white = count([255, 255, 255]);
    assert!(
        white < px.len() * 97 / 100,
        "the page is blank ({white} of {} pixels white)",
        px.len()
    );
    let mut colours: Vec<u32> = px
        .iter()
        .map(|p| (p[0] as u32) << 16 | (p[1] as u32) << 8 | p[2] as u32)
        .collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() > 50, "only {} colours", colours.len());
    // the balance chart's bars were drawn: bottleneck orange, engine blue
    let orange = count([0xd9, 0x73, 0x0d]);
    let blue = count([0x4c, 0x7f, 0xb8]);
    assert!(orange > 2000, "bottleneck bars: {orange} px");
    assert!(blue > 500, "engine bars: {blue} px");
    eprintln!("rendered in {:.1} s", start.elapsed().as_secs_f64());
}
