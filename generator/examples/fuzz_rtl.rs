//! `make fuzz-rtl N=... SEED=...`: random networks (dense and CNN, every op,
//! arithmetic and width) generated, simulated in Verilator with random
//! stalls and compared bit for bit with the golden model. A mismatch prints
//! the seed, the case and the smallest failing layer; the exit code is 1 if
//! any network failed.
//!
//! Usage: `cargo run --release --example fuzz_rtl -- N SEED`.

#[path = "../tests/common/netgen.rs"]
mod netgen;

use std::path::{Path, PathBuf};
use std::time::Instant;

use tomatl::plan::Fold;
use tomatl::sim::VerifyOptions;

fn usage() -> ! {
    eprintln!("usage: fuzz_rtl N SEED  (N networks from seed SEED)");
    std::process::exit(2);
}

/// A fresh directory for one design under the system temporary directory.
fn fresh_dir(seed: u64, case: u64) -> PathBuf {
    let d = std::env::temp_dir()
        .join(format!("tomatl-fuzz-rtl-{}", std::process::id()))
        .join(format!("s{seed}_c{case}"));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// The outcome of one network.
enum Outcome {
    Pass(String),
    Fail(String),
}

fn run_case(seed: u64, case: u64, net_seed: u64, graph: &tomatl::ir::Graph) -> Outcome {
    // the fold and the stall come from the case too
    let fold = match net_seed % 3 {
        0 => Fold::Min,
        1 => Fold::Max,
        _ => Fold::Auto {
            target_cycles: None,
        },
    };
    let stall = [0.0, 0.2, 0.5][(net_seed / 3 % 3) as usize];
    let out = fresh_dir(seed, case);
    let prepared = tomatl::plan::plan(graph, fold)
        .and_then(|plan| tomatl::emit::emit(graph, &plan))
        .and_then(|files| tomatl::emit::write_design(&out, &files));
    if let Err(e) = prepared {
        return Outcome::Fail(format!("generate: {e}"));
    }
    let opts = VerifyOptions {
        frames: 4,
        seed: net_seed,
        stall,
        ..Default::default()
    };
    let outcome = match tomatl::sim::verify(&out, &opts) {
        Ok(r) if r.pass => Outcome::Pass(r.line()),
        Ok(r) => {
            let layer = match tomatl::sim::verify::smallest_failing_layer(&out, &opts) {
                Ok(Some(l)) => l,
                Ok(None) => "none (every cut passes)".to_string(),
                Err(e) => format!("unknown ({e})"),
            };
            Outcome::Fail(format!("{}; smallest failing layer: {layer}", r.line()))
        }
        Err(e) => Outcome::Fail(format!("verify: {e}")),
    };
    if matches!(outcome, Outcome::Pass(_)) {
        let _ = std::fs::remove_dir_all(&out);
    } else {
        eprintln!("  design kept in {}", out.display());
    }
    outcome
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [n, seed] = args.as_slice() else { usage() };
    let (Ok(n), Ok(seed)) = (n.parse::<u64>(), seed.parse::<u64>()) else {
        usage()
    };
    let t0 = Instant::now();
    let (mut passed, mut failed, mut refused) = (0u64, 0u64, 0u64);
    let mut failures = Vec::new();
    let mut draw = 0u64;
    for case in 0..n {
        // draw descriptions until one loads: the generator aims within the
        // limits, and `check` has the last word
        let (net_seed, graph, yaml) = loop {
            let net_seed = seed.wrapping_mul(1_000_003).wrapping_add(draw);
            draw += 1;
            let yaml = netgen::network(net_seed, netgen::Mode::Build);
            match tomatl::frontend::load_str(&yaml, Path::new("fuzz.yaml")) {
                Ok(g) => break (net_seed, g, yaml),
                Err(_) => refused += 1,
            }
        };
        let t = Instant::now();
        let ops: Vec<&str> = graph.layers.iter().map(|l| l.op.kind()).collect();
        match run_case(seed, case, net_seed, &graph) {
            Outcome::Pass(line) => {
                passed += 1;
                println!(
                    "seed {seed} case {case}: PASS {} [{}] in {:.1} s: {line}",
                    graph.name,
                    ops.join(" "),
                    t.elapsed().as_secs_f64()
                );
            }
            Outcome::Fail(what) => {
                failed += 1;
                println!(
                    "seed {seed} case {case}: FAIL {} [{}]: {what}",
                    graph.name,
                    ops.join(" ")
                );
                println!("--- description (seed {net_seed}):\n{yaml}---");
                failures.push(case);
            }
        }
    }
    println!(
        "fuzz-rtl: {n} networks, {passed} passed, {failed} failed ({refused} drawn descriptions refused at check, {:.0} s)",
        t0.elapsed().as_secs_f64()
    );
    if !failures.is_empty() {
        println!("failing cases of seed {seed}: {failures:?}");
        std::process::exit(1);
    }
}
