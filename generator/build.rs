//! Embeds the hand-written Verilog library (`rtl/`), the simulation
//! harness (`testbenches/`), the HLS library (`hls/`) and the board
//! definitions (`boards/`) in the binary, so generated designs never point
//! back into the source tree.

use std::fmt::Write as _;
use std::path::Path;

/// The files of `dir` with extension `ext` (every file for `*`) as the
/// constant `name`: (file name, contents).
fn embed(dir: &Path, ext: &str, out: &mut String, name: &str) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| {
        p.is_file() && (ext == "*" || p.extension().and_then(|e| e.to_str()) == Some(ext))
    });
    files.sort();
    writeln!(out, "pub const {name}: &[(&str, &str)] = &[").ok();
    for p in files {
        println!("cargo:rerun-if-changed={}", p.display());
        let file = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let abs = p.canonicalize().unwrap_or(p.clone());
        writeln!(
            out,
            "    ({file:?}, include_str!({:?})),",
            abs.display().to_string()
        )
        .ok();
    }
    writeln!(out, "];").ok();
}

include!("stages.rs");

/// Every `.rs` file under `dir`, as `(path relative to src, text)`.
fn sources(src: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            sources(src, &p, out);
        } else if p.extension().and_then(|e| e.to_str()) == Some("rs") {
            println!("cargo:rerun-if-changed={}", p.display());
            let rel = p
                .strip_prefix(src)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, std::fs::read_to_string(&p).unwrap_or_default()));
        }
    }
}

/// Fail the build when a stage names a later one (ARCHITECTURE.md,
/// "Invariants").
fn check_stages() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &src, &mut files);
    let mut msg = String::new();
    for m in unknown_modules(&files) {
        writeln!(msg, "src/{m}: a module in no stage (add it to stages.rs)").ok();
    }
    for p in stale_pending(&files) {
        writeln!(
            msg,
            "stages.rs: PENDING entry `{p}` is gone from the source: delete it"
        )
        .ok();
    }
    for (file, line, used) in boundary_violations(&files) {
        writeln!(
            msg,
            "src/{file}:{line}: stage `{}` uses `crate::{used}`, which is not a stage before it",
            stage_of(&file)
        )
        .ok();
    }
    if !msg.is_empty() {
        panic!("stage boundaries (generator/stages.rs):\n{msg}");
    }
}

fn main() {
    check_stages();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = String::new();
    embed(&root.join("rtl"), "v", &mut out, "RTL_LIBRARY");
    embed(&root.join("testbenches"), "cpp", &mut out, "HARNESS_FILES");
    embed(&root.join("boards"), "yaml", &mut out, "BOARD_FILES");
    embed(&root.join("hls"), "h", &mut out, "HLS_LIBRARY");
    embed(
        &root.join("hls").join("sim"),
        "h",
        &mut out,
        "HLS_SIM_FILES",
    );
    embed(
        &root.join("templates").join("driver").join("tomatl_driver"),
        "py",
        &mut out,
        "DRIVER_FILES",
    );
    // the C driver: every file, whatever its extension (a Makefile too)
    embed(
        &root.join("templates").join("driver_c"),
        "*",
        &mut out,
        "DRIVER_C_FILES",
    );
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join("embedded.rs");
    std::fs::write(dest, out).unwrap_or_else(|e| panic!("writing embedded.rs: {e}"));
    println!(
        "cargo:rerun-if-changed={}",
        root.join("templates").display()
    );
}
