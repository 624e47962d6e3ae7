//! Unit benches of the threshold mode of the RTL (`rtl/tomatl_threshold.v`
//! and `tomatl_mvau` with `TH_COUNT > 0`), against `ir::numerics::threshold`
//! bit for bit.
//!
//! The combinational unit runs in the script bench of the requantizers
//! (`testbenches/unit/tb_requant.cpp`: instances side by side on one input
//! and one output bus); the matrix-vector unit in the stream bench
//! (`tb_mvau.cpp`) with stalls on both sides and ROM images written here.
//! Builds are cached under `target/rtl-units/` like `rtl_units`'.

mod common_rtl;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use common_rtl::*;
use tomatl::ir::{numerics, TensorType};
use tomatl::sim::verilator;

// ------------------------------------------------------------ the benches

/// The top bit of a script bench port carrying `bits` bits: wider than 64
/// bits (a VlWide in the bench), with at least one bit of padding.
fn padded_msb(bits: usize) -> usize {
    (bits + 1).max(65) - 1
}

/// The script bench `unit_top` with an input bus `x` and an output bus `y`
/// around `body`, built with `tb_requant.cpp`; returns the executable.
fn script_bench(dir: &Path, x_bits: usize, y_bits: usize, body: &str) -> PathBuf {
    let (xm, ym) = (padded_msb(x_bits), padded_msb(y_bits));
    let v = format!(
        "`default_nettype none
module unit_top (
    input  wire clk,
    input  wire rst,
    input  wire [{xm}:0] x,
    output wire [{ym}:0] y
);
{body}    assign y[{ym}:{y_bits}] = {{{}{{1'b0}}}};
    // the clock, the reset and the padding of the input carry nothing
    /* verilator lint_off UNUSEDSIGNAL */
    wire unused_pad = ^{{clk, rst, x[{xm}:{x_bits}]}};
    /* verilator lint_on UNUSEDSIGNAL */
endmodule
`default_nettype wire
",
        ym + 1 - y_bits
    );
    let top = dir.join("unit_top.v");
    write(&top, &v);
    verilator::build(&verilator::Build {
        top: "unit_top".into(),
        sources: vec![rtl("tomatl_threshold"), top],
        cpp: vec![bench_dir().join("tb_requant.cpp")],
        include_dirs: vec![bench_dir()],
        obj_dir: dir.join("obj_dir"),
        defines: vec![],
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Runs the script bench on `script`; the output lines, checked to end with
/// `done`.
fn run_script(exe: &Path, dir: &Path, name: &str, script: &str) -> String {
    let stim = dir.join(format!("{name}.stim"));
    let res = dir.join(format!("{name}.res"));
    write(&stim, script);
    let out = Command::new(exe)
        .arg(&stim)
        .arg(&res)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", exe.display()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&res).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        text.lines().last().is_some_and(|l| l.starts_with("done")),
        "{name}: the bench did not finish"
    );
    text
}

// ------------------------------------------------------- the thresholds

/// One channel's thresholds: ascending values of `acc_bits + 1` bits and
/// the descending flag.
#[derive(Clone, Debug)]
struct Channel {
    t: Vec<i64>,
    desc: bool,
}

/// Bits of a channel's threshold word.
fn th_word_bits(acc_bits: u32, count: usize) -> usize {
    count * (acc_bits as usize + 1) + 1
}

/// The channel's threshold word as `tomatl_threshold` reads it: bit 0 the
/// descending flag, threshold k at `1 + k*(acc_bits+1)`.
fn th_word(c: &Channel, acc_bits: u32) -> Bits {
    let tb = acc_bits + 1;
    let mut b = Bits::new(th_word_bits(acc_bits, c.t.len()));
    b.set(0, 1, c.desc as u64);
    for (k, &t) in c.t.iter().enumerate() {
        b.set(1 + k * tb as usize, tb, code_of(t, tb, true));
    }
    b
}

/// Random ascending thresholds for accumulators of `acc_bits` bits that
/// see values around `near`: every kind of set the generator may write
/// (spread over the range, clustered with duplicates, around `near`, beyond
/// the accumulator's range on either side, the extremes of the threshold
/// type), each channel ascending or descending.
fn random_channel(rng: &mut Rng, acc_bits: u32, count: usize, near: i64) -> Channel {
    let (alo, ahi) = type_range(acc_bits, true);
    let (tlo, thi) = type_range(acc_bits + 1, true);
    let kind = rng.range(0, 7);
    let mut t: Vec<i64> = (0..count)
        .map(|_| match kind {
            // over the threshold type, beyond the accumulator's range too
            0 => rng.range(tlo, thi),
            // over the accumulator's range
            1 => rng.range(alo, ahi),
            // few distinct values: duplicates
            2 => near + rng.range(-2, 2),
            // around the accumulator values of the test
            3 => near + rng.range(-(count as i64), count as i64),
            // beyond the range: above (never reached) or below (always)
            4 => rng.range(ahi + 1, thi),
            5 => rng.range(tlo, alo - 1),
            // a mix with the extremes of both types
            _ => [tlo, thi, alo, ahi, alo - 1, ahi + 1, near, near + 1][rng.range(0, 7) as usize],
        })
        .map(|v| v.clamp(tlo, thi))
        .collect();
    t.sort_unstable();
    Channel {
        t,
        desc: rng.range(0, 2) == 0,
    }
}

/// An accumulator value to test against a channel: the ends of the range,
/// a threshold or its neighbours (ties), or random.
fn random_acc(rng: &mut Rng, acc_bits: u32, c: &Channel) -> i64 {
    let (lo, hi) = type_range(acc_bits, true);
    let k = rng.range(0, c.t.len() as i64 - 1) as usize;
    match rng.range(0, 7) {
        0 => lo,
        1 => hi,
        2 | 3 => c.t[k].clamp(lo, hi),
        4 => (c.t[k] + rng.range(-1, 1)).clamp(lo, hi),
        _ => rng.range(lo, hi),
    }
}

fn out_type(bits: u32, signed: bool, narrow: bool) -> TensorType {
    TensorType {
        narrow,
        ..TensorType::new(bits, signed, 0)
    }
}

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
    fn x_bits(&self) -> usize {
        self.acc_bits as usize + self.th_bits()
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
    let mut body = String::new();
    let (mut xo, mut yo) = (Vec::new(), Vec::new());
    let (mut x_bits, mut y_bits) = (0usize, 0usize);
    for (k, c) in cfgs.iter().enumerate() {
        xo.push(x_bits);
        yo.push(y_bits);
        body.push_str(&c.instance(k, x_bits, y_bits));
        x_bits += c.x_bits();
        y_bits += c.out_bits as usize;
    }
    let exe = script_bench(&dir, x_bits, y_bits, &body);
    let mut rng = Rng(0x7468);
    let cycles = 600;
    let yp = padded_msb(y_bits) + 1;
    let mut script = format!("{yp} {cycles}\n");
    let mut want = Vec::new();
    // per config: outputs at the bottom and the top code, ties, descending
    // channels, thresholds beyond the range seen
    let mut seen = vec![[false; 5]; cfgs.len()];
    for cycle in 0..cycles {
        let mut xb = Bits::new(padded_msb(x_bits) + 1);
        let mut exp = Vec::new();
        for (i, (c, &off)) in cfgs.iter().zip(&xo).enumerate() {
            let (lo, hi) = type_range(c.acc_bits, true);
            let near = match cycle % 3 {
                0 => 0,
                1 => rng.range(lo, hi),
                _ => [lo, hi][rng.range(0, 1) as usize],
            };
            let ch = random_channel(&mut rng, c.acc_bits, c.count, near);
            let acc = random_acc(&mut rng, c.acc_bits, &ch);
            xb.set(off, c.acc_bits, code_of(acc, c.acc_bits, true));
            let w = th_word(&ch, c.acc_bits);
            for j in 0..c.th_bits() {
                xb.set(off + c.acc_bits as usize + j, 1, w.get(j, 1));
            }
            let out = c.out();
            let y = numerics::threshold(acc, &ch.t, ch.desc, c.step, &out);
            let s = &mut seen[i];
            s[0] |= y == out.min_code();
            s[1] |= y == out.min_code() + c.step * c.count as i64;
            s[2] |= ch.t.contains(&acc);
            s[3] |= ch.desc;
            s[4] |= ch.t.iter().any(|&t| t < lo || t > hi);
            exp.push((acc, ch, y));
        }
        let _ = writeln!(script, "{}", xb.to_hex());
        want.push(exp);
    }
    for (c, s) in cfgs.iter().zip(&seen) {
        assert!(
            s.iter().all(|&b| b),
            "{c:?}: the data must reach the bottom and the top code, ties, \
             descending channels and thresholds beyond the range ({s:?})"
        );
    }
    let text = run_script(&exe, &dir, "threshold", &script);
    let mut lines = 0;
    for (cycle, (line, exp)) in text.lines().zip(&want).enumerate() {
        lines += 1;
        let y = Bits::from_hex(line, yp);
        for ((c, &off), (acc, ch, e)) in cfgs.iter().zip(&yo).zip(exp) {
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

/// What `tomatl_mvau` instantiates.
const MVAU_DEPS: &[&str] = &[
    "tomatl_mul",
    "tomatl_credit_out",
    "tomatl_loop_counter",
    "tomatl_fifo",
    "tomatl_requant",
    "tomatl_threshold",
];

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
    let mut failures = Vec::new();
    for e in &sets {
        let tag = format!("{} {:?}", e.module, e.params);
        for (tool, (ok, text)) in [
            ("verilator -Wall", verilator_lint(e)),
            ("iverilog -g2005", icarus(e, &dir)),
            ("yosys", yosys(e)),
        ] {
            if !ok {
                failures.push(format!("{tool} on {tag}:\n{text}"));
            }
        }
    }
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
    simd: usize,
    pe: usize,
    sf: usize,
    nf: usize,
    in_bits: u32,
    in_signed: bool,
    arith: Arith,
    w_bits: u32,
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
    let (n_in, n_out) = (c.simd * c.sf, c.pe * c.nf);
    let codes: Vec<Vec<u64>> = (0..n_out)
        .map(|_| {
            (0..n_in)
                .map(|_| random_code(rng, c.arith, c.w_bits))
                .collect()
        })
        .collect();
    let w: Vec<Vec<i64>> = codes
        .iter()
        .map(|r| {
            r.iter()
                .map(|&k| weight_value(c.arith, c.w_bits, k))
                .collect()
        })
        .collect();
    let (amin, amax) = type_range(c.in_bits, c.in_signed);
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
    // thresholds where the sums of random inputs fall (about the standard
    // deviation of a dot product), with the special sets of random_channel
    // now and then
    let ch = w
        .iter()
        .zip(&bias)
        .map(|(r, &b)| {
            let sd =
                (r.iter().map(|v| (v * v) as f64).sum::<f64>()).sqrt() * (amax - amin) as f64 / 3.5;
            let sd = (sd as i64).max(1);
            if rng.range(0, 4) == 0 {
                return random_channel(rng, acc_bits, c.count, b);
            }
            let mid = b + r.iter().sum::<i64>() * (amax + amin) / 2;
            let (tlo, thi) = type_range(acc_bits + 1, true);
            let mut t: Vec<i64> = (0..c.count)
                .map(|_| (mid + rng.range(-2 * sd, 2 * sd)).clamp(tlo, thi))
                .collect();
            t.sort_unstable();
            Channel {
                t,
                desc: rng.range(0, 2) == 0,
            }
        })
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
    let mut wtext = String::new();
    for nf in 0..c.nf {
        for sf in 0..c.sf {
            let mut word = Bits::new(c.pe * c.simd * c.w_bits as usize);
            for p in 0..c.pe {
                for s in 0..c.simd {
                    let code = l.codes[nf * c.pe + p][sf * c.simd + s];
                    word.set((p * c.simd + s) * c.w_bits as usize, c.w_bits, code);
                }
            }
            let _ = writeln!(wtext, "{}", word.to_hex());
        }
    }
    let (mut btext, mut ttext) = (String::new(), String::new());
    let tw = th_word_bits(l.acc_bits, c.count);
    for nf in 0..c.nf {
        let mut bword = Bits::new(c.pe * l.acc_bits as usize);
        let mut tword = Bits::new(c.pe * tw);
        for p in 0..c.pe {
            let o = nf * c.pe + p;
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
    let arith = tomatl::hw::units::arith_code(c.arith);
    let int = |v: u64| format!("32'sd{v}");
    let file = |p: &Path| format!("\"{}\"", abs_path(p));
    [
        ("SIMD", int(c.simd as u64)),
        ("PE", int(c.pe as u64)),
        ("SF", int(c.sf as u64)),
        ("NF", int(c.nf as u64)),
        ("IN_BITS", int(c.in_bits as u64)),
        ("IN_SIGNED", int(c.in_signed as u64)),
        ("ARITH", int(arith)),
        ("W_BITS", int(c.w_bits as u64)),
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
        simd,
        pe,
        sf,
        nf,
        in_bits,
        in_signed,
        arith,
        w_bits,
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
            (0..c.simd * c.sf)
                .map(|_| random_value(rng, c.in_bits, c.in_signed))
                .collect()
        })
        .collect()
}

/// The reference: the integer dot product plus bias, through the
/// channel's thresholds.
fn reference(l: &Layer, x: &[i64]) -> Vec<i64> {
    let c = &l.cfg;
    (0..c.pe * c.nf)
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
        let mut input = Vec::new();
        for fx in x {
            for sf in 0..c.sf {
                let mut b = Bits::new(c.simd * c.in_bits as usize);
                for s in 0..c.simd {
                    b.set(
                        s * c.in_bits as usize,
                        c.in_bits,
                        code_of(fx[sf * c.simd + s], c.in_bits, c.in_signed),
                    );
                }
                input.push(b);
            }
        }
        insts.push(StreamInst {
            module: mvau_header(l, &files),
            in_bits: c.simd * c.in_bits as usize,
            out_bits: c.pe * c.out_bits as usize,
            input,
            out_beats: frames * c.nf,
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
                .flat_map(|b| lanes_of(b, c.pe, c.out_bits, c.out_signed))
                .collect();
            assert_lanes(
                &format!("mvau #{k} {c:?} (ACC_BITS {}) {scenario}", l.acc_bits),
                &got,
                exp,
                c.pe * c.nf,
                "frame",
            );
            if scenario == "nostall" {
                // frames SF*NF cycles apart, 4 cycles from the last input
                // beat to the first output beat: the timing of the requantizer
                let starts: Vec<u64> = r.out_cycles.iter().step_by(c.nf).copied().collect();
                assert!(
                    gaps(&starts).iter().all(|&g| g == (c.sf * c.nf) as u64),
                    "mvau #{k}: frame starts {starts:?}, expected {} cycles apart",
                    c.sf * c.nf
                );
                assert_eq!(
                    r.out_cycles[0] - r.in_cycles[c.sf - 1],
                    4,
                    "mvau #{k}: latency from the last input beat to the first output beat"
                );
            }
        }
    }
}
