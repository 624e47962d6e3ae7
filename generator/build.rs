//! Embeds the hand-written Verilog library (`rtl/`), the simulation
//! harness (`testbenches/`), the HLS library (`hls/`) and the board
//! definitions (`boards/`) in the binary, so generated designs never point
//! back into the source tree.

use std::fmt::Write as _;
use std::path::Path;

fn embed(dir: &Path, ext: &str, out: &mut String, name: &str) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().and_then(|e| e.to_str()) == Some(ext));
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

fn main() {
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
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join("embedded.rs");
    std::fs::write(dest, out).unwrap_or_else(|e| panic!("writing embedded.rs: {e}"));
    println!(
        "cargo:rerun-if-changed={}",
        root.join("templates").display()
    );
}
