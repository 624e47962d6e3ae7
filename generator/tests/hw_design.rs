//! The hardware model: `design.json` is the complete dump of `hw::Design`.
//! For every example it reads back into the same value, and the Verilog
//! rendered from the value read back is the Verilog `generate` wrote.

mod common;

use common::{example, scratch};
use tomatl::hw::{Design, Unit};
use tomatl::plan::Fold;

/// Lower, dump, read back, render: `check(example, fold)`.
fn check(name: &str, fold: Fold) {
    let graph = tomatl::frontend::load(&example(name)).expect("load");
    let plan = tomatl::plan::plan(&graph, fold).expect("plan");
    let design = tomatl::hw::lower(&graph, &plan).expect("lower");
    let text = design.to_json().expect("json");
    let back = Design::from_json(&text).expect("read back");
    assert_eq!(back, design, "{name}: design.json does not read back");
    assert_eq!(
        back.to_json().expect("json"),
        text,
        "{name}: not a fixed point"
    );

    // the files generate writes come from the same value
    let out = scratch(&format!("hw_design_{}", name.trim_end_matches(".yaml")));
    let files = tomatl::emit::emit(&graph, &plan).expect("emit");
    tomatl::emit::write_design(&out, &files).expect("write");
    let on_disk = std::fs::read_to_string(out.join("design.json")).expect("design.json");
    assert_eq!(on_disk, text);
    for f in tomatl::emit::verilog::emit(&back).expect("render") {
        let written = std::fs::read_to_string(out.join(&f.path)).expect("written file");
        assert!(written == f.contents, "{name}: {} differs", f.path);
    }

    // the model is consistent: every stream has one writer and one reader
    // (the top's ports count as the input's writer and the output's reader)
    for s in &design.streams {
        let writers = design
            .instances
            .iter()
            .filter(|x| x.outputs.contains(&s.name))
            .count()
            + (s.name == design.input.stream) as usize;
        let readers = design
            .instances
            .iter()
            .map(|x| x.inputs.iter().filter(|i| **i == s.name).count())
            .sum::<usize>()
            + (s.name == design.output.stream) as usize;
        assert_eq!((writers, readers), (1, 1), "{name}: stream {}", s.name);
    }
    // every ROM an engine names exists, with one word per address
    for x in &design.instances {
        let files: Vec<(&String, u64)> = match &x.unit {
            Unit::Mvau(m) => vec![(&m.weight_file, m.nf * m.sf), (&m.bias_file, m.nf)],
            Unit::Vvau(v) => vec![
                (&v.weight_file, v.ch / v.pe * v.k),
                (&v.bias_file, v.ch / v.pe),
            ],
            _ => vec![],
        };
        for (f, depth) in files {
            let rom = design
                .rom(f)
                .unwrap_or_else(|| panic!("{name}: no ROM {f}"));
            assert_eq!(rom.words.len() as u64, depth, "{name}: ROM {f}");
        }
    }
}

#[test]
fn every_example_round_trips() {
    for name in [
        "jet_tagger.yaml",
        "binary_mlp.yaml",
        "lenet.yaml",
        "resnet8.yaml",
        "dscnn_kws.yaml",
        "mobilenet_v1_025_96.yaml",
    ] {
        check(
            name,
            Fold::Auto {
                target_cycles: None,
            },
        );
    }
    check("lenet.yaml", Fold::Max);
    check("resnet8.yaml", Fold::Min);
}

#[test]
fn a_board_plan_round_trips_with_its_predictions() {
    let graph = tomatl::frontend::load(&example("resnet8.yaml")).expect("load");
    let board = tomatl::plan::load_board("pynq-z2").expect("board");
    let plan = tomatl::plan::plan_for_board(&graph, &board, None, None).expect("plan");
    let design = tomatl::hw::lower(&graph, &plan).expect("lower");
    let back = Design::from_json(&design.to_json().expect("json")).expect("read back");
    assert_eq!(back, design);
    // the board's prediction is the sum over the instances
    let total = tomatl::plan::cost_of(&design, board.family);
    let fit = design.board.as_ref().expect("board fit");
    assert!(
        (fit.predicted.lut - total.lut).abs() < 1e-6,
        "{} vs {}",
        fit.predicted.lut,
        total.lut
    );
    assert!((fit.predicted.dsp - total.dsp).abs() < 1e-6);
    // and each layer's prediction the sum over its own
    let per_layer: f64 = design
        .layers
        .iter()
        .filter_map(|l| l.predicted)
        .map(|r| r.lut)
        .sum();
    assert!(per_layer < total.lut && per_layer > 0.5 * total.lut);
}

#[test]
fn rom_fields_read_back_the_codes() {
    let graph = tomatl::frontend::load(&example("lenet.yaml")).expect("load");
    let plan = tomatl::plan::plan(
        &graph,
        Fold::Auto {
            target_cycles: None,
        },
    )
    .expect("plan");
    let design = tomatl::hw::lower(&graph, &plan).expect("lower");
    let (i, layer) = graph
        .layers
        .iter()
        .enumerate()
        .find(|(_, l)| matches!(l.op, tomatl::ir::Op::Dense(_)))
        .expect("a dense layer");
    let tomatl::ir::Op::Dense(d) = &layer.op else {
        unreachable!()
    };
    let e = plan.engine(i).expect("engine");
    let rom = design
        .rom(&format!("{}_weights.mem", layer.name))
        .expect("rom");
    for n in 0..e.nf {
        for s in 0..e.sf {
            for p in 0..e.pe {
                for l in 0..e.simd {
                    let code = d.codes[[n * e.pe + p, s * e.simd + l]];
                    assert_eq!(
                        rom.field(n * e.sf + s, p * e.simd + l),
                        d.wtype.rom_bits(code)
                    );
                }
            }
        }
    }
}

/// The top's streams never slow the pipeline: for every example on every
/// board it fits, planned for that board, a frame's beats on either port
/// take no more cycles than the pipeline's interval; the words are a power
/// of two of bytes the DMAs take (8 to 1024 bits); and where the port's
/// beat is not the first or last engine's, a width converter of
/// `hw::Design` joins them, element counts matching on both of its sides.
#[test]
fn io_streams_never_bottleneck_the_pipeline() {
    let mut cases = 0;
    for board_name in tomatl::plan::board_names() {
        let board = tomatl::plan::load_board(board_name).expect("board");
        for net in common::examples_that_fit(board_name) {
            let graph = tomatl::frontend::load(&example(&format!("{net}.yaml"))).expect("load");
            let plan = tomatl::plan::plan_for_board(&graph, &board, None, None).expect("plan");
            let d = tomatl::hw::lower_without_roms(&graph, &plan).expect("lower");
            let what = format!("{net} on {board_name}");
            for (port, io) in [("input", &d.input), ("output", &d.output)] {
                assert!(
                    io.beats_per_frame as u64 <= d.interval_cycles,
                    "{what}: {port} takes {} beats a frame, the pipeline {} cycles",
                    io.beats_per_frame,
                    d.interval_cycles
                );
                assert!(
                    io.tdata_bits.is_power_of_two()
                        && (8..=1024).contains(&io.tdata_bits)
                        && io.tdata_bits >= io.data_bits(),
                    "{what}: {port} word of {} bits for {} data bits",
                    io.tdata_bits,
                    io.data_bits()
                );
                let s = d.stream(&io.stream).expect("the port's stream");
                assert_eq!(s.elems, io.elems_per_beat, "{what}: {port}");
            }
            for x in &d.instances {
                if let Unit::Dwc(c) = &x.unit {
                    let i = d.stream(&x.inputs[0]).expect("in");
                    let o = d.stream(&x.outputs[0]).expect("out");
                    assert_eq!(
                        (i.elems as u64, o.elems as u64),
                        (c.in_elems, c.out_elems),
                        "{what}: {}",
                        x.name
                    );
                }
            }
            cases += 1;
        }
    }
    assert!(cases >= 30, "{cases} cases");
}
