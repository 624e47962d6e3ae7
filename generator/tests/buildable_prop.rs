//! The property behind `check`: for random descriptions, including values
//! at and beyond every limit, a description that loads plans and emits,
//! and the emitted Verilog lints clean (a sample of the accepted ones).
//!
//! Fixed seed; `TOMATL_PROP_CASES` sets the number of descriptions (default
//! 2000) and `TOMATL_PROP_LINTS` how many accepted ones are linted (60).

mod common;
#[path = "common/netgen.rs"]
mod netgen;

use std::path::Path;

use common::*;
use netgen::Mode;
use tomatl::plan::Fold;

fn env_count(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn check_ok_implies_generate_ok_and_lint_clean() {
    let cases = env_count("TOMATL_PROP_CASES", 2000);
    let lints = env_count("TOMATL_PROP_LINTS", 60);
    let (mut accepted, mut linted) = (0usize, 0usize);
    let mut refusals = std::collections::BTreeMap::<String, usize>::new();
    for case in 0..cases as u64 {
        let mode = if case % 3 == 0 {
            Mode::Build
        } else {
            Mode::Extreme
        };
        let seed = 0x5eed_0000 + case;
        let yaml = netgen::network(seed, mode);
        let graph = match tomatl::frontend::load_str(&yaml, Path::new("net.yaml")) {
            Ok(g) => g,
            Err(tomatl::error::Error::Input(e)) => {
                // refused at check: located, with what would be right
                assert!(
                    e.line.is_some() && e.expected.is_some(),
                    "case {case}: refusal without place or `expected:`: {e}\n{yaml}"
                );
                let key: String = e.what.chars().take(24).collect();
                *refusals.entry(key).or_default() += 1;
                continue;
            }
            Err(e) => panic!("case {case}: load failed with an internal error: {e}\n{yaml}"),
        };
        accepted += 1;
        let folds = [
            Fold::Auto {
                target_cycles: None,
            },
            Fold::Max,
            Fold::Min,
        ];
        let fold = folds[(case % 3) as usize];
        let plan = tomatl::plan::plan(&graph, fold)
            .unwrap_or_else(|e| panic!("case {case}: accepted but plan failed: {e}\n{yaml}"));
        let files = tomatl::emit::emit(&graph, &plan)
            .unwrap_or_else(|e| panic!("case {case}: accepted but emit failed: {e}\n{yaml}"));
        if linted < lints && accepted % 3 == 1 {
            let out = scratch(&format!("prop_{case}"));
            tomatl::emit::write_design(&out, &files).expect("write design");
            lint(&out, &tomatl::hw::top_name(&graph));
            let _ = std::fs::remove_dir_all(&out);
            linted += 1;
        }
    }
    eprintln!(
        "buildable_prop: {cases} descriptions, {accepted} accepted, {linted} linted; refusals: {refusals:?}"
    );
    // the generator reaches both sides of the limits
    assert!(accepted >= cases / 5, "only {accepted} of {cases} accepted");
    assert!(
        cases - accepted >= cases / 5,
        "only {} of {cases} refused",
        cases - accepted
    );
    assert!(linted >= lints.min(accepted / 3), "linted {linted}");
}
