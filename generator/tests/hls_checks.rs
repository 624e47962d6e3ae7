//! What targets Vitis HLS, checked without it: `run_hls.tcl` run in tclsh
//! against recording stubs of the Vitis commands (part, clock, top, file
//! list), the include closure of `hls/`, the generated files deterministic
//! and the RTL unchanged by `--hls`, and the CLI of `verify --backend hls`
//! (its refusals, its JSON, the files it trusts).

mod common;
mod common_hls;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use common_hls::*;
use tomatl::plan::Fold;

const AUTO: Fold = Fold::Auto {
    target_cycles: None,
};

/// Procs named like the Vitis HLS commands that record their arguments, one
/// `CMD name` line and one `ARG value` line each; anything else unknown is
/// recorded as `UNKNOWN`.
const STUBS: &str = r#"
set log [open $::env(TOMATL_TCL_LOG) w]
proc record {cmd args} {
    puts $::log "CMD $cmd"
    foreach a $args { puts $::log "ARG $a" }
}
foreach c {open_project set_top add_files open_solution set_part create_clock
           csim_design csynth_design export_design} {
    proc $c args "record $c {*}\$args"
}
rename exit tcl_exit
proc exit args {
    record exit {*}$args
    puts $::log "PWD [pwd]"
    close $::log
    tcl_exit 0
}
proc unknown args { record UNKNOWN {*}$args }
source [lindex $argv 0]
puts $::log "PWD [pwd]"
close $::log
"#;

/// The commands `run_hls.tcl` of `out` ran, with their arguments, and the
/// folder it ran in.
fn run_script(out: &Path) -> (Vec<(String, Vec<String>)>, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let stubs = dir.path().join("stubs.tcl");
    let log = dir.path().join("log.txt");
    std::fs::write(&stubs, STUBS).expect("write stubs");
    let o = Command::new("tclsh")
        .arg(&stubs)
        .arg(out.join("hls").join("run_hls.tcl"))
        .env("TOMATL_TCL_LOG", &log)
        .output()
        .expect("tclsh (apt-get install tcl)");
    assert!(
        o.status.success(),
        "tclsh: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(&log).expect("log");
    let mut cmds: Vec<(String, Vec<String>)> = Vec::new();
    let mut pwd = PathBuf::new();
    for line in text.lines() {
        if let Some(c) = line.strip_prefix("CMD ") {
            cmds.push((c.to_string(), Vec::new()));
        } else if let Some(a) = line.strip_prefix("ARG ") {
            cmds.last_mut()
                .expect("an argument after a command")
                .1
                .push(a.to_string());
        } else if let Some(p) = line.strip_prefix("PWD ") {
            pwd = PathBuf::from(p);
        }
    }
    (cmds, pwd)
}

fn design(out: &Path) -> tomatl::hw::Design {
    serde_json::from_str(&std::fs::read_to_string(out.join("design.json")).expect("json"))
        .expect("design.json")
}

/// The option value after `flag` in `args`.
fn opt<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn check_script(out: &Path, part: &str, clock_mhz: f64) {
    let d = design(out);
    let (cmds, pwd) = run_script(out);
    let names: Vec<&str> = cmds.iter().map(|(c, _)| c.as_str()).collect();
    assert!(!names.contains(&"UNKNOWN"), "unknown commands: {cmds:?}");
    let order = [
        "open_project",
        "set_top",
        "add_files",
        "open_solution",
        "set_part",
        "create_clock",
        "csim_design",
        "csynth_design",
        "export_design",
        "exit",
    ];
    let mut firsts: Vec<&str> = names.clone();
    firsts.dedup();
    assert_eq!(firsts, order, "the order of the Vitis commands");
    assert_eq!(
        std::fs::canonicalize(&pwd).expect("pwd"),
        std::fs::canonicalize(out.join("hls")).expect("hls"),
        "the script runs in its own folder"
    );
    let args = |name: &str| -> Vec<&Vec<String>> {
        cmds.iter()
            .filter(|(c, _)| c == name)
            .map(|(_, a)| a)
            .collect()
    };
    assert_eq!(args("set_top"), [&vec![d.top.clone()]], "set_top");
    assert_eq!(args("set_part"), [&vec![part.to_string()]], "set_part");
    let clock = args("create_clock");
    let period: f64 = opt(clock[0], "-period")
        .expect("-period")
        .parse()
        .expect("a period");
    assert!(
        (period - 1000.0 / clock_mhz).abs() < 1e-3,
        "period {period} ns for {clock_mhz} MHz"
    );
    let exp = args("export_design");
    assert_eq!(opt(exp[0], "-format"), Some("ip_catalog"));
    assert!(opt(args("open_solution")[0], "-flow_target") == Some("vivado"));
    // the file list: the top's source; the testbench and its golden vectors
    let (mut sources, mut tb) = (Vec::new(), Vec::new());
    for a in args("add_files") {
        let cflags = opt(a, "-cflags").expect("-cflags");
        assert!(
            cflags.contains("-std=c++14") && cflags.contains("-I."),
            "{cflags}"
        );
        assert!(
            !cflags.contains("sim"),
            "tomatl's own vendor-header stand-ins stay off Vitis's path"
        );
        let file = a
            .iter()
            .find(|x| !x.starts_with('-') && Some(x.as_str()) != Some(cflags))
            .expect("a file")
            .clone();
        assert!(pwd.join(&file).exists(), "add_files {file}: missing");
        if a.iter().any(|x| x == "-tb") {
            tb.push(file);
        } else {
            sources.push(file);
        }
    }
    assert_eq!(sources, [format!("{}.cpp", d.top)]);
    tb.sort();
    assert_eq!(tb, [format!("{}_tb.cpp", d.top), "tb_data".to_string()]);
}

#[test]
fn run_hls_tcl_targets_the_boards_part_and_clock() {
    let g = tomatl::frontend::load(&example("jet_tagger.yaml")).expect("load");
    // no board: the default part at the report's clock
    let out = scratch("hls_tcl_default");
    generate_hls(&g, AUTO, &out);
    check_script(
        &out,
        tomatl::emit::hls::DEFAULT_PART,
        tomatl::emit::hls::DEFAULT_CLOCK_MHZ,
    );
    // boards, with their default clock and with --clock
    for (board, clock) in [("pynq-z2", None), ("zcu104", Some(250.0)), ("kv260", None)] {
        let b = tomatl::plan::load_board(board).expect("board");
        let plan = tomatl::plan::plan_for_board(&g, &b, clock, None).expect("plan");
        let files = tomatl::emit::emit_with_hls(&g, &plan).expect("emit");
        let out = scratch(&format!("hls_tcl_{board}"));
        tomatl::emit::write_design(&out, &files).expect("write");
        let fit = plan.board.as_ref().expect("fit");
        assert_eq!(fit.clock_mhz, clock.unwrap_or(b.clock_mhz));
        check_script(&out, &b.part, fit.clock_mhz);
    }
}

/// Every `#include "..."` of hls/ resolves inside hls/; `<...>` names only
/// the vendor headers (found in ap_types, Vitis, or hls/sim as stand-ins).
#[test]
fn hls_folder_is_self_contained() {
    let g = tomatl::frontend::load(&example("resnet8.yaml")).expect("load");
    let out = scratch("hls_includes");
    generate_hls(&g, AUTO, &out);
    let hls = out.join("hls");
    let vendor = [
        "ap_int.h",
        "ap_axi_sdata.h",
        "hls_stream.h",
        "cstdio",
        "cstdlib",
        "cstddef",
        "deque",
        "string",
        "vector",
        "type_traits",
    ];
    let mut n = 0;
    for dir in [hls.clone(), hls.join("sim")] {
        for e in std::fs::read_dir(&dir).expect("hls") {
            let p = e.expect("entry").path();
            if !p.is_file() {
                continue;
            }
            let text = std::fs::read_to_string(&p).expect("read");
            for line in text.lines() {
                let Some(inc) = line.trim().strip_prefix("#include ") else {
                    continue;
                };
                n += 1;
                if let Some(q) = inc.strip_prefix('"') {
                    let f = q.trim_end_matches('"');
                    assert!(dir.join(f).is_file(), "{}: {f} not found", p.display());
                } else {
                    let f = inc.trim_start_matches('<').trim_end_matches('>');
                    assert!(
                        vendor.contains(&f),
                        "{}: <{f}> is not a vendor header",
                        p.display()
                    );
                }
            }
        }
    }
    assert!(n > 20, "only {n} includes");
    let bad = lint_design(&out);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// The lint itself refuses what it should: a stray statement in the
/// DATAFLOW region, a stream with two consumers, a pragma of another form.
#[test]
fn pragma_lint_finds_what_it_should() {
    let g = tomatl::frontend::load(&example("jet_tagger.yaml")).expect("load");
    let out = scratch("hls_lint_self");
    generate_hls(&g, AUTO, &out);
    let (top, text) = top_source(&out);
    assert!(lint_top(&top, &text).is_empty());
    let stray = text.replace(
        "#pragma HLS DATAFLOW\n",
        "#pragma HLS DATAFLOW\n    int i = 0;\n",
    );
    assert!(lint_top(&top, &stray)
        .iter()
        .any(|p| p.contains("only streams and kernel calls")));
    let twice = text.replace(
        "tomatl::axis_out<",
        "tomatl::dwc<8, 1, 1, 1>(s0_in, s1_l0_fc1_dwc);\n    tomatl::axis_out<",
    );
    assert!(lint_top(&top, &twice)
        .iter()
        .any(|p| p.contains("producer")));
    let pragma = text.replace(
        "#pragma HLS DATAFLOW",
        "#pragma HLS DATAFLOW disable_start_propagation",
    );
    assert!(lint_top(&top, &pragma)
        .iter()
        .any(|p| p.contains("not an allowed form")));
    assert!(!allowed("PIPELINE II=1 rewind") && allowed("PIPELINE II = 1"));
}

fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .expect("rel")
                    .to_string_lossy()
                    .to_string();
                v.push((rel, std::fs::read(&p).expect("read")));
            }
        }
    }
    v.sort();
    v
}

#[test]
fn generation_is_deterministic_and_leaves_the_rtl_unchanged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let net = example("resnet8.yaml");
    let net = net.to_str().expect("path");
    let gen = |name: &str, hls: bool| {
        let out = dir.path().join(name);
        let mut args = vec!["generate", net, "-o", out.to_str().expect("path")];
        if hls {
            args.push("--hls");
        }
        let o = tomatl(&args, dir.path());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        files_of(&out)
    };
    let a = gen("a", true);
    let b = gen("b", true);
    assert!(a == b, "two --hls generations differ");
    let rtl = gen("rtl", false);
    let without: Vec<(String, Vec<u8>)> = a
        .iter()
        .filter(|(p, _)| !p.starts_with("hls/") && p != "tomatl-manifest.json")
        .cloned()
        .collect();
    let rtl_files: Vec<(String, Vec<u8>)> = rtl
        .into_iter()
        .filter(|(p, _)| p != "tomatl-manifest.json")
        .collect();
    assert!(without == rtl_files, "--hls changed files outside hls/");
    assert!(a.iter().any(|(p, _)| p == "hls/resnet8_top.cpp"));
    // the library functions agree with the CLI
    let g = tomatl::frontend::load(Path::new(net)).expect("load");
    let plan = tomatl::plan::plan(&g, AUTO).expect("plan");
    let plain = tomatl::emit::emit(&g, &plan).expect("emit");
    let with = tomatl::emit::emit_with_hls(&g, &plan).expect("emit");
    let kept: Vec<_> = with
        .iter()
        .filter(|f| !f.path.starts_with("hls/"))
        .cloned()
        .collect();
    assert_eq!(kept, plain);
}

fn ok_json(o: &std::process::Output) -> serde_json::Value {
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("json")
}

#[test]
fn verify_backend_hls_cli() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(d.join("net.yaml"), TINY_NET).expect("write");
    // without --hls: a clear refusal, exit 2
    let o = tomatl(&["generate", "net.yaml", "-o", "rtl"], d);
    assert!(o.status.success());
    let o = tomatl(&["verify", "rtl", "--backend", "hls"], d);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("without --hls") && err.contains("tomatl generate"),
        "{err}"
    );
    // a board Vitis cannot target
    let o = tomatl(
        &[
            "generate",
            "net.yaml",
            "-o",
            "lat",
            "--hls",
            "--board",
            "ulx3s-85f",
        ],
        d,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--hls") && err.contains("Xilinx"), "{err}");
    assert!(!d.join("lat").exists());
    // with --hls: the same JSON as the RTL verify, backend hls
    let o = tomatl(&["generate", "net.yaml", "-o", "both", "--hls"], d);
    assert!(o.status.success());
    let v = ok_json(&tomatl(
        &[
            "verify",
            "both",
            "--backend",
            "hls",
            "--frames",
            "40",
            "--json",
        ],
        d,
    ));
    assert_eq!(v["pass"], true);
    assert_eq!(v["backend"], "hls");
    assert_eq!(v["frames_received"], 40);
    assert!(v["frames_per_second"].as_f64().is_some_and(|f| f > 0.0));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("both/verify.json")).expect("json"))
            .expect("verify.json");
    assert_eq!(written["backend"], "hls");
    let r = ok_json(&tomatl(&["verify", "both", "--frames", "20", "--json"], d));
    assert_eq!(r["backend"], "rtl");
    assert!(r["frames_per_second"].as_f64().is_some_and(|f| f > 0.0));
    let line = tomatl(&["verify", "both", "--backend", "hls"], d);
    let text = String::from_utf8_lossy(&line.stdout);
    assert!(
        text.starts_with("PASS frames=16 mismatches=0 latency=- interval=-"),
        "{text}"
    );
    // stalls need a clock
    let o = tomatl(&["verify", "both", "--backend", "hls", "--stall", "0.3"], d);
    assert_eq!(o.status.code(), Some(2));
    // the top is what is verified: an edit is simulated, not refused
    let top = d.join("both/hls/net_top.cpp");
    let text = std::fs::read_to_string(&top).expect("top");
    let broken = text.replacen("RSHIFT = ", "RSHIFT = 1 + ", 1);
    std::fs::write(&top, broken).expect("write");
    let v = ok_json_any(&tomatl(
        &["verify", "both", "--backend", "hls", "--json"],
        d,
    ));
    assert_eq!(v["pass"], false, "an edited requantizer must mismatch");
    std::fs::write(&top, text).expect("restore");
    // the testbench is trusted only as generated
    let tb = d.join("both/hls/net_top_tb.cpp");
    let t = std::fs::read_to_string(&tb).expect("tb");
    std::fs::write(&tb, t.clone() + "\n// edited\n").expect("write");
    let o = tomatl(&["verify", "both", "--backend", "hls"], d);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("net_top_tb.cpp"), "{err}");
    std::fs::write(&tb, t).expect("restore");
    // no ap_int headers: a clear error naming make setup
    let o = Command::new(env!("CARGO_BIN_EXE_tomatl"))
        .args(["verify", "both", "--backend", "hls"])
        .env("TOMATL_AP_TYPES", d.join("nowhere"))
        .current_dir(d)
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("make setup"), "{err}");
}

/// The JSON of a run that may fail (exit 1).
fn ok_json_any(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}
