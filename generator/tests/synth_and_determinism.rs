//! A generated design goes through Yosys `synth_xilinx` and its cell counts
//! are read back from `stat -json`; generation is deterministic.

mod common;

use std::process::Command;

use common::*;
use tomatl::plan::Fold;

#[test]
fn generation_is_byte_identical() {
    for ex in ["jet_tagger.yaml", "binary_mlp.yaml"] {
        let a = scratch(&format!("det_a_{ex}"));
        let b = scratch(&format!("det_b_{ex}"));
        for out in [&a, &b] {
            // load anew each time: the frontend must be deterministic too
            let graph = tomatl::frontend::load(&example(ex)).expect("load");
            generate(
                &graph,
                Fold::Auto {
                    target_cycles: None,
                },
                out,
            );
        }
        let (ta, tb) = (read_tree(&a), read_tree(&b));
        assert!(ta.len() > 5, "{ex}: too few files: {:?}", ta.keys());
        assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
        for (k, v) in &ta {
            assert!(v == &tb[k], "{ex}: {k} differs between two runs");
        }
    }
}

/// Slow (`make verify-all`): `synth.rs` reads the same `stat -json` of
/// `synth_xilinx` in `make test`.
#[test]
#[ignore = "slow: make verify-all"]
fn yosys_synth_xilinx_reports_cells() {
    let graph = tomatl::frontend::load(&example("jet_tagger.yaml")).expect("load");
    let out = scratch("jet_tagger_synth");
    generate(
        &graph,
        Fold::Auto {
            target_cycles: Some(64),
        },
        &out,
    );
    let top = tomatl::hw::top_name(&graph);
    let rtl = out.join("rtl");
    let mut sources: Vec<String> = std::fs::read_dir(&rtl)
        .expect("rtl")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".v"))
        .collect();
    sources.sort();
    let script = format!(
        "read_verilog {}; synth_xilinx -top {top} -flatten; tee -o stat.json stat -json",
        sources.join(" ")
    );
    let o = Command::new("yosys")
        .args(["-q", "-p", &script])
        .current_dir(&rtl)
        .output()
        .expect("run yosys (apt-get install -y yosys)");
    assert!(
        o.status.success(),
        "yosys failed:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(rtl.join("stat.json")).expect("stat.json");
    // `tee -o` may prefix the JSON with the command echo; parse from the brace
    let json: serde_json::Value =
        serde_json::from_str(&text[text.find('{').expect("json object")..]).expect("stat -json");
    let design = &json["design"];
    let cells = design["num_cells_by_type"]
        .as_object()
        .expect("cells by type");
    let count = |prefix: &str| -> u64 {
        cells
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(_, v)| v.as_u64().unwrap_or(0))
            .sum()
    };
    let luts = count("LUT");
    let ffs = count("FD");
    let dsps = count("DSP48");
    eprintln!("synth_xilinx {top}: LUT {luts}, FF {ffs}, DSP {dsps}, cells {cells:?}");
    assert!(luts > 100, "implausibly few LUTs: {luts}");
    assert!(ffs > 100, "implausibly few flip-flops: {ffs}");
    // fc2 (fixed 6-bit, 32 multipliers) and out (fixed 8-bit) multiply;
    // fc1 and fc3 are pow2 and must not use DSPs, so DSPs stay below the
    // fixed layers' multiplier count
    let fixed_mults: usize = ["fc2", "out"]
        .iter()
        .map(|n| {
            let p = tomatl::plan::plan(
                &graph,
                Fold::Auto {
                    target_cycles: Some(64),
                },
            )
            .expect("plan");
            p.engines
                .iter()
                .filter(|e| e.name == *n)
                .map(|e| e.multipliers())
                .sum::<usize>()
        })
        .sum();
    assert!(
        dsps as usize <= fixed_mults,
        "DSP {dsps} > fixed multipliers {fixed_mults}"
    );
}
