//! Unit benches of the threshold mode of the RTL (`rtl/tomatl_threshold.v`
//! and `tomatl_mvau` with `TH_COUNT > 0`), against `ir::numerics::threshold`
//! bit for bit.
//!
//! The combinational unit runs in the script bench of the requantizers
//! (`testbenches/unit/tb_requant.cpp`: instances side by side on one input
//! and one output bus); the matrix-vector unit in the stream bench
//! (`tb_mvau.cpp`) with stalls on both sides and ROM images written here.
//! Builds are cached under `target/rtl-units/` like `rtl_units`'. The
//! benches and the MVAU's weights are `common_rtl`'s; the thresholds and
//! their random draws `common_threshold`'s, as `hls_threshold`'s.

mod common_rtl;
mod common_threshold;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common_rtl::*;
use common_threshold::*;
use tomatl::ir::{numerics, TensorType};

// ------------------------------------------------ the combinational unit

/// One `tomatl_threshold` of the combinational bench.
#[derive(Clone, Copy, Debug)]
struct ThCfg {
    acc_bits: u32,
    count: usize,
    step: i64,
    out_bits: u32,
    out_signed: bool,
    narrow: bool,
}

impl ThCfg {
    fn out(&self) -> TensorType {
        out_type(self.out_bits, self.out_signed, self.narrow)
    }
    fn th_bits(&self) -> usize {
        th_word_bits(self.acc_bits, self.count)
    }
    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("ACC_BITS", self.acc_bits.to_string()),
            ("TH_COUNT", self.count.to_string()),
            ("TH_STEP", self.step.to_string()),
            ("OUT_BITS", self.out_bits.to_string()),
            ("OUT_SIGNED", (self.out_signed as u8).to_string()),
            ("NARROW", (self.narrow as u8).to_string()),
        ]
    }
}

impl BusUnit for ThCfg {
    fn x_bits(&self) -> usize {
        self.acc_bits as usize + self.th_bits()
    }
    fn y_bits(&self) -> usize {
        self.out_bits as usize
    }
    fn instance(&self, k: usize, x_off: usize, y_off: usize) -> String {
        let ps: Vec<String> = self
            .params()
            .iter()
            .map(|(n, v)| format!(".{n}({v})"))
            .collect();
        format!(
            "    tomatl_threshold #({}) u{k} (
        .acc(x[{x_off} +: {}]), .th(x[{} +: {}]), .y(y[{y_off} +: {}]));\n",
            ps.join(", "),
            self.acc_bits,
            x_off + self.acc_bits as usize,
            self.th_bits(),
            self.out_bits
        )
    }
}

fn th(
    acc_bits: u32,
    count: usize,
    step: i64,
    (out_bits, out_signed, narrow): (u32, bool, bool),
) -> ThCfg {
    ThCfg {
        acc_bits,
        count,
        step,
        out_bits,
        out_signed,
        narrow,
    }
}

/// The parameter sets of the combinational bench: ACC_BITS 2..62, 1..255
/// thresholds, steps 1 and 2, signed, unsigned and narrow outputs.
fn th_configs() -> Vec<ThCfg> {
    vec![
        // the narrowest accumulator, thresholds of 3 bits
        th(2, 2, 1, (2, false, false)),
        th(2, 3, 1, (2, true, false)),
        // bipolar: -1 / +1 of a narrow 2-bit signed type
        th(10, 1, 2, (2, true, true)),
        th(3, 1, 2, (2, true, true)),
        // a 1-bit unsigned output: one threshold
        th(6, 1, 1, (1, false, false)),
        // unsigned 4-bit with 15 thresholds (and narrow: 14)
        th(12, 15, 1, (4, false, false)),
        th(9, 14, 1, (4, false, true)),
        // signed 8-bit with 255 thresholds
        th(16, 255, 1, (8, true, false)),
        // narrow signed 6-bit, every code used
        th(20, 62, 1, (6, true, true)),
        // step 2 over a wider code range
        th(14, 7, 2, (4, false, false)),
        th(13, 15, 2, (5, true, true)),
        // wide accumulators
        th(24, 3, 1, (3, true, false)),
        th(32, 31, 1, (5, false, false)),
        th(40, 40, 1, (8, false, false)),
        th(40, 5, 1, (32, true, true)),
        th(62, 6, 1, (32, false, false)),
        // a wide output with few thresholds
        th(18, 2, 2, (16, true, false)),
    ]
}

#[test]
fn threshold_unit_matches_the_numerics() {
    require_verilator();
    let dir = work("threshold");
    let cfgs = th_configs();
    let bench = bus_bench(&dir, &cfgs, &["tomatl_threshold"]);
    let mut rng = Rng(0x7468);
    let cycles = 600;
    // per config: outputs at the bottom and the top code, ties, descending
    // channels, thresholds beyond the range seen
    let mut seen = vec![[false; 5]; cfgs.len()];
    let (script, want) = bench.script(cycles, |cycle, xb| {
        let mut exp = Vec::new();
        for (i, (c, &off)) in cfgs.iter().zip(&bench.x_offs).enumerate() {
            let shape = (c.acc_bits, c.count, c.step);
            let (acc, ch, y) = unit_test(&mut rng, cycle, shape, &c.out(), &mut seen[i]);
            xb.set(off, c.acc_bits, code_of(acc, c.acc_bits, true));
            let w = th_word(&ch, c.acc_bits);
            for j in 0..c.th_bits() {
                xb.set(off + c.acc_bits as usize + j, 1, w.get(j, 1));
            }
            exp.push((acc, ch, y));
        }
        exp
    });
    for (c, s) in cfgs.iter().zip(&seen) {
        assert!(
            s.iter().all(|&b| b),
            "{c:?}: the data must reach the bottom and the top code, ties, \
             descending channels and thresholds beyond the range ({s:?})"
        );
    }
    let mut lines = 0;
    for (cycle, (y, exp)) in bench.results(&dir, "threshold", &script, &want).enumerate() {
        lines += 1;
        for ((c, &off), (acc, ch, e)) in cfgs.iter().zip(&bench.y_offs).zip(exp) {
            let got = value_of(y.get(off, c.out_bits), c.out_bits, c.out_signed);
            assert_eq!(
                got, *e,
                "cycle {cycle}: {c:?} of acc = {acc}, {ch:?}: got {got}, expected {e}"
            );
        }
    }
    assert_eq!(lines, cycles, "one output line a cycle");
}

// ------------------------------------------- lint and illegal parameters

fn threshold_elab(c: &ThCfg) -> Elab {
    Elab {
        module: "tomatl_threshold",
        deps: &[],
        params: c
            .params()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    }
}

fn with(e: Elab, name: &str, value: &str) -> Elab {
    let mut params: Vec<(String, String)> =
        e.params.into_iter().filter(|(k, _)| k != name).collect();
    params.push((name.to_string(), value.to_string()));
    Elab { params, ..e }
}

#[test]
fn threshold_rtl_lints_clean_and_refuses_illegal_parameters() {
    require_verilator();
    let dir = work("threshold_tools");
    let mut rng = Rng(0x6c69);
    let mut sets: Vec<Elab> = th_configs().iter().map(threshold_elab).collect();
    sets.push(elab("tomatl_threshold", &[], &[]));
    sets.push(threshold_elab(&th(64, 9, 1, (32, true, false))));
    sets.push(threshold_elab(&th(64, 1, 2, (2, true, true))));
    // matrix-vector units in the threshold mode, with ROM images
    for (k, m) in mvau_configs().iter().enumerate() {
        let l = make_layer(m, &mut rng);
        let files = write_roms(&l, &dir, k);
        sets.push(mvau_elab(&l, &files));
    }
    let mut failures = legal_refused(&sets, &dir, yosys);
    // unsigned 4-bit codes from 15 thresholds, one parameter changed
    let base = || threshold_elab(&th(12, 15, 1, (4, false, false)));
    let bad_th = |name: &str, value: &str| with(base(), name, value);
    let mut bad: Vec<Elab> = vec![
        bad_th("TH_STEP", "0"),
        bad_th("TH_STEP", "3"),
        bad_th("TH_COUNT", "0"),
        bad_th("TH_COUNT", "-1"),
        bad_th("ACC_BITS", "1"),
        bad_th("ACC_BITS", "65"),
        bad_th("OUT_BITS", "0"),
        bad_th("OUT_BITS", "33"),
        bad_th("OUT_SIGNED", "2"),
        bad_th("NARROW", "2"),
        with(bad_th("TH_COUNT", "256"), "OUT_BITS", "16"),
        // min_code + TH_STEP*TH_COUNT beyond the top code
        bad_th("TH_COUNT", "16"),
        with(bad_th("TH_COUNT", "15"), "NARROW", "1"),
        with(bad_th("TH_STEP", "2"), "TH_COUNT", "8"),
        threshold_elab(&th(10, 2, 2, (2, true, true))),
        threshold_elab(&th(10, 2, 1, (1, false, false))),
        threshold_elab(&th(16, 255, 1, (8, true, true))),
        threshold_elab(&th(16, 128, 2, (8, true, false))),
    ];
    // the matrix-vector unit: thresholds with multipliers, shifts or an
    // activation, and out-of-range counts and steps
    let l = make_layer(&mvau_configs()[0], &mut rng);
    let files = write_roms(&l, &dir, 100);
    let m = || mvau_elab(&l, &files);
    bad.extend([
        with(m(), "MULT_BITS", "8"),
        with(m(), "ACT", "1"),
        with(m(), "RSHIFT", "2"),
        with(m(), "LSHIFT", "1"),
        with(m(), "TH_STEP", "3"),
        with(m(), "TH_COUNT", "256"),
        with(m(), "TH_COUNT", "-1"),
        with(m(), "TH_COUNT", "16"),
    ]);
    failures.extend(illegal_accepted(&bad, &dir, yosys));
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// -------------------------------------------------- the matrix-vector unit

/// A matrix-vector unit in the threshold mode.
#[derive(Clone, Debug)]
struct MvauCfg {
    shape: MvauShape,
    count: usize,
    step: i64,
    out_bits: u32,
    out_signed: bool,
    narrow: bool,
    pack: bool,
}

impl MvauCfg {
    fn out(&self) -> TensorType {
        out_type(self.out_bits, self.out_signed, self.narrow)
    }
}

/// Random weights, biases and thresholds with the exact accumulator width.
struct Layer {
    cfg: MvauCfg,
    codes: Vec<Vec<u64>>,
    w: Vec<Vec<i64>>,
    bias: Vec<i64>,
    ch: Vec<Channel>,
    acc_bits: u32,
}

fn make_layer(c: &MvauCfg, rng: &mut Rng) -> Layer {
    let (n_in, n_out) = (c.shape.simd * c.shape.sf, c.shape.pe * c.shape.nf);
    let codes = random_codes(rng, c.shape.arith, c.shape.w_bits, n_out, n_in);
    let w = weight_values(c.shape.arith, c.shape.w_bits, &codes);
    let (amin, amax) = type_range(c.shape.in_bits, c.shape.in_signed);
    let span = |row: &[i64]| -> (i64, i64) {
        row.iter().fold((0, 0), |(lo, hi), &wv| {
            let (a, b) = (wv * amin, wv * amax);
            (lo + a.min(b), hi + a.max(b))
        })
    };
    let bias: Vec<i64> = w
        .iter()
        .map(|r| {
            let (lo, hi) = span(r);
            let b = (lo.abs().max(hi.abs()) / 4).max(1);
            rng.range(-b, b)
        })
        .collect();
    let (mut lo, mut hi) = (0i128, 0i128);
    for (r, &b) in w.iter().zip(&bias) {
        let (l, h) = span(r);
        lo = lo.min((l + b) as i128);
        hi = hi.max((h + b) as i128);
    }
    let acc_bits = signed_bits_for(lo, hi).max(2);
    let ch = w
        .iter()
        .zip(&bias)
        .map(|(r, &b)| dot_channel(rng, (acc_bits, c.count), r, b, (amin, amax)))
        .collect();
    Layer {
        cfg: c.clone(),
        codes,
        w,
        bias,
        ch,
        acc_bits,
    }
}

/// The ROM images (weights, biases, thresholds) of a layer.
fn write_roms(l: &Layer, dir: &Path, k: usize) -> (PathBuf, PathBuf, PathBuf) {
    let c = &l.cfg;
    let wtext = c.shape.weight_rom(&l.codes);
    let (mut btext, mut ttext) = (String::new(), String::new());
    let tw = th_word_bits(l.acc_bits, c.count);
    for nf in 0..c.shape.nf {
        let mut bword = Bits::new(c.shape.pe * l.acc_bits as usize);
        let mut tword = Bits::new(c.shape.pe * tw);
        for p in 0..c.shape.pe {
            let o = nf * c.shape.pe + p;
            bword.set(
                p * l.acc_bits as usize,
                l.acc_bits,
                code_of(l.bias[o], l.acc_bits, true),
            );
            let f = th_word(&l.ch[o], l.acc_bits);
            for j in 0..tw {
                tword.set(p * tw + j, 1, f.get(j, 1));
            }
        }
        let _ = writeln!(btext, "{}", bword.to_hex());
        let _ = writeln!(ttext, "{}", tword.to_hex());
    }
    let paths = (
        dir.join(format!("th_w{k}.mem")),
        dir.join(format!("th_b{k}.mem")),
        dir.join(format!("th_t{k}.mem")),
    );
    write(&paths.0, &wtext);
    write(&paths.1, &btext);
    write(&paths.2, &ttext);
    paths
}

/// The parameters of a layer's `tomatl_mvau`, as Verilog literals.
fn mvau_params(l: &Layer, (wp, bp, tp): &(PathBuf, PathBuf, PathBuf)) -> Vec<(String, String)> {
    let c = &l.cfg;
    let arith = tomatl::hw::units::arith_code(c.shape.arith);
    let int = |v: u64| format!("32'sd{v}");
    let file = |p: &Path| format!("\"{}\"", abs_path(p));
    [
        ("SIMD", int(c.shape.simd as u64)),
        ("PE", int(c.shape.pe as u64)),
        ("SF", int(c.shape.sf as u64)),
        ("NF", int(c.shape.nf as u64)),
        ("IN_BITS", int(c.shape.in_bits as u64)),
        ("IN_SIGNED", int(c.shape.in_signed as u64)),
        ("ARITH", int(arith)),
        ("W_BITS", int(c.shape.w_bits as u64)),
        ("ACC_BITS", int(l.acc_bits as u64)),
        ("RSHIFT", int(0)),
        ("LSHIFT", int(0)),
        ("ACT", int(0)),
        ("RELU6_MAX", int(0)),
        ("OUT_BITS", int(c.out_bits as u64)),
        ("OUT_SIGNED", int(c.out_signed as u64)),
        ("NARROW", int(c.narrow as u64)),
        ("PACK", int(c.pack as u64)),
        ("TH_COUNT", int(c.count as u64)),
        ("TH_STEP", int(c.step as u64)),
        ("WEIGHT_FILE", file(wp)),
        ("BIAS_FILE", file(bp)),
        ("TH_FILE", file(tp)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn mvau_header(l: &Layer, files: &(PathBuf, PathBuf, PathBuf)) -> String {
    let ps: Vec<String> = mvau_params(l, files)
        .iter()
        .map(|(k, v)| format!(".{k}({v})"))
        .collect();
    format!("tomatl_mvau #({})", ps.join(", "))
}

fn mvau_elab(l: &Layer, files: &(PathBuf, PathBuf, PathBuf)) -> Elab {
    Elab {
        module: "tomatl_mvau",
        deps: MVAU_DEPS,
        params: mvau_params(l, files),
    }
}

fn mv(
    (simd, pe, sf, nf): (usize, usize, usize, usize),
    (in_bits, in_signed): (u32, bool),
    (arith, w_bits): (Arith, u32),
    (count, step): (usize, i64),
    (out_bits, out_signed, narrow): (u32, bool, bool),
    pack: bool,
) -> MvauCfg {
    MvauCfg {
        shape: MvauShape::new((simd, pe, sf, nf), (in_bits, in_signed), (arith, w_bits)),
        count,
        step,
        out_bits,
        out_signed,
        narrow,
        pack,
    }
}

fn mvau_configs() -> Vec<MvauCfg> {
    use Arith::*;
    vec![
        // unsigned 4-bit inputs and outputs, 15 thresholds, folded both ways
        mv(
            (3, 2, 2, 3),
            (4, false),
            (Fixed, 4),
            (15, 1),
            (4, false, false),
            false,
        ),
        // binary weights, bipolar output (one threshold, step 2)
        mv(
            (4, 4, 2, 2),
            (1, false),
            (Binary, 1),
            (1, 2),
            (2, true, true),
            false,
        ),
        // ternary, signed 8-bit output with 255 thresholds, no input buffer
        mv(
            (2, 1, 3, 1),
            (8, true),
            (Ternary, 2),
            (255, 1),
            (8, true, false),
            false,
        ),
        // packed pairs of PEs, 7 thresholds into a 3-bit code
        mv(
            (2, 2, 2, 2),
            (8, true),
            (Fixed, 8),
            (7, 1),
            (3, false, false),
            true,
        ),
        // pow2 weights, step 2 into a narrow signed 4-bit code
        mv(
            (1, 3, 4, 2),
            (6, false),
            (Pow2, 4),
            (7, 2),
            (4, true, true),
            false,
        ),
    ]
}

/// Input vectors of `frames` frames for a layer.
fn random_frames(l: &Layer, frames: usize, rng: &mut Rng) -> Vec<Vec<i64>> {
    let c = &l.cfg;
    (0..frames)
        .map(|_| {
            (0..c.shape.simd * c.shape.sf)
                .map(|_| random_value(rng, c.shape.in_bits, c.shape.in_signed))
                .collect()
        })
        .collect()
}

/// The reference: the integer dot product plus bias, through the
/// channel's thresholds.
fn reference(l: &Layer, x: &[i64]) -> Vec<i64> {
    let c = &l.cfg;
    (0..c.shape.pe * c.shape.nf)
        .map(|o| {
            let acc = l.bias[o] + x.iter().zip(&l.w[o]).map(|(a, b)| a * b).sum::<i64>();
            numerics::threshold(acc, &l.ch[o].t, l.ch[o].desc, c.step, &c.out())
        })
        .collect()
}

#[test]
fn mvau_with_thresholds_matches_reference_and_rate() {
    require_verilator();
    let name = "mvau_threshold";
    let dir = work(name);
    let mut rng = Rng(0x6d76);
    let frames = 8;
    let layers: Vec<Layer> = mvau_configs()
        .iter()
        .map(|c| make_layer(c, &mut rng))
        .collect();
    let xs: Vec<Vec<Vec<i64>>> = layers
        .iter()
        .map(|l| random_frames(l, frames, &mut rng))
        .collect();
    let mut insts = Vec::new();
    let mut expected = Vec::new();
    for (k, (l, x)) in layers.iter().zip(&xs).enumerate() {
        let c = &l.cfg;
        let files = write_roms(l, &dir, k);
        let input = c.shape.input(x);
        insts.push(StreamInst {
            module: mvau_header(l, &files),
            in_bits: c.shape.simd * c.shape.in_bits as usize,
            out_bits: c.shape.pe * c.out_bits as usize,
            input,
            out_beats: frames * c.shape.nf,
        });
        let exp: Vec<i64> = x.iter().flat_map(|fx| reference(l, fx)).collect();
        // the outputs must not be constant: thresholds in the sums' range
        let (omin, omax) = (exp.iter().min(), exp.iter().max());
        assert!(
            omin < omax,
            "mvau #{k} {c:?}: every output is {omin:?}; the test data must vary"
        );
        expected.push(exp);
    }
    let (exe, offs) = build_stream(
        name,
        "tb_mvau.cpp",
        &[&["tomatl_mvau"], MVAU_DEPS].concat(),
        &insts,
    );
    for &(scenario, seed, pv, pr) in &SCENARIOS {
        let res = run_stream(&exe, scenario, &insts, &offs, seed, pv, pr);
        for (k, ((l, r), exp)) in layers.iter().zip(&res).zip(&expected).enumerate() {
            let c = &l.cfg;
            let got: Vec<i64> = r
                .out
                .iter()
                .flat_map(|b| lanes_of(b, c.shape.pe, c.out_bits, c.out_signed))
                .collect();
            assert_lanes(
                &format!("mvau #{k} {c:?} (ACC_BITS {}) {scenario}", l.acc_bits),
                &got,
                exp,
                c.shape.pe * c.shape.nf,
                "frame",
            );
            if scenario == "nostall" {
                // frames SF*NF cycles apart, 4 cycles from the last input
                // beat to the first output beat: the timing of the requantizer
                let unit = format!("mvau #{k}");
                c.shape.assert_nostall_timing(r, &unit, &unit);
            }
        }
    }
}
