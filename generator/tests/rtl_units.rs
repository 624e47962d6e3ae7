//! Unit benches of the hand-written RTL library (`rtl/`), each against a
//! naive reference written here.
//!
//! Every stream module is tested by one Verilator build of a generated
//! wrapper (`unit_top`) that places many parameterisations side by side; the
//! C++ benches in `testbenches/unit/` drive them with random valid/ready
//! stalls on both sides and log every handshake. The build is cached in
//! `target/` (keyed by a hash of its inputs), so reruns skip the C++ compile.

mod common_rtl;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common_rtl::*;
use tomatl::hw::units::{self, arith_code};
use tomatl::hw::Unit;
use tomatl::ir::{numerics, Activation, RoundMode, TensorType};
use tomatl::sim::verilator;

// -------------------------------------------------------------------- FIFO

/// `n` beats of `w` random bits.
fn random_beats(rng: &mut Rng, w: usize, n: usize) -> Vec<Bits> {
    (0..n)
        .map(|_| {
            let mut b = Bits::new(w);
            for off in (0..w).step_by(32) {
                let k = (w - off).min(32) as u32;
                b.set(off, k, rng.bits(k));
            }
            b
        })
        .collect()
}

fn fifo(width: usize, depth: u64) -> Unit {
    Unit::Fifo(units::Fifo {
        width: width as u64,
        depth,
    })
}

#[test]
fn fifo_order_and_full_rate() {
    require_verilator();
    let mut rng = Rng(11);
    let cfgs = [
        (8, 1),
        (8, 2),
        (5, 3),
        (16, 4),
        (1, 5),
        (33, 7),
        (70, 16),
        (12, 6),
    ];
    let insts: Vec<StreamInst> = cfgs
        .iter()
        .map(|&(w, d)| {
            let input = random_beats(&mut rng, w, 300);
            StreamInst {
                module: header(&fifo(w, d)),
                in_bits: w,
                out_bits: w,
                out_beats: input.len(),
                input,
            }
        })
        .collect();
    let (exe, offs) = build_stream("fifo", "tb_fifo.cpp", &["tomatl_fifo"], &insts);
    for (name, seed, pv, pr) in SCENARIOS {
        let res = run_stream(&exe, name, &insts, &offs, seed, pv, pr);
        for ((i, r), (w, d)) in insts.iter().zip(&res).zip(cfgs) {
            assert_eq!(r.out, i.input, "fifo W={w} D={d} {name}: data");
            if name == "nostall" {
                let limit = if d >= 2 { 1 } else { 2 };
                assert!(
                    gaps(&r.in_cycles).iter().all(|&g| g <= limit),
                    "fifo D={d}: input gaps {:?}",
                    gaps(&r.in_cycles)
                );
                assert!(
                    gaps(&r.out_cycles).iter().all(|&g| g <= limit),
                    "fifo D={d}: output gaps {:?}",
                    gaps(&r.out_cycles)
                );
            }
        }
    }
}

// --------------------------------------------------------------------- DWC

#[test]
fn dwc_order_and_rate() {
    require_verilator();
    let mut rng = Rng(22);
    // (EL_BITS, IN_ELEMS, OUT_ELEMS)
    let cfgs = [
        (8, 4, 6),
        (8, 6, 4),
        (3, 5, 1),
        (4, 1, 7),
        (8, 3, 3),
        (2, 2, 8),
        (5, 8, 2),
        (7, 1, 1),
        (4, 12, 16),
        (6, 7, 3),
        (1, 96, 16),
        (3, 10, 15),
    ];
    let mut elems_of = Vec::new();
    let insts: Vec<StreamInst> = cfgs
        .iter()
        .map(|&(el, i, o)| {
            let lcm = i * o / gcd(i, o);
            let n = lcm * (240 / lcm).max(4);
            let elems: Vec<u64> = (0..n).map(|_| rng.bits(el)).collect();
            let input = elems
                .chunks(i)
                .map(|c| {
                    let mut b = Bits::new(i * el as usize);
                    for (k, &e) in c.iter().enumerate() {
                        b.set(k * el as usize, el, e);
                    }
                    b
                })
                .collect();
            elems_of.push(elems);
            StreamInst {
                module: header(&dwc(el, i, o)),
                in_bits: i * el as usize,
                out_bits: o * el as usize,
                out_beats: n / o,
                input,
            }
        })
        .collect();
    let (exe, offs) = build_stream("dwc", "tb_dwc.cpp", &["tomatl_dwc", "tomatl_fifo"], &insts);
    for (name, seed, pv, pr) in SCENARIOS {
        let res = run_stream(&exe, name, &insts, &offs, seed, pv, pr);
        for (((r, &(el, i, o)), elems), inst) in res.iter().zip(&cfgs).zip(&elems_of).zip(&insts) {
            let got: Vec<u64> = r
                .out
                .iter()
                .flat_map(|b| (0..o).map(move |k| b.get(k * el as usize, el)))
                .collect();
            assert_eq!(&got, elems, "dwc {el}x{i}->{o} {name}: elements");
            assert_eq!(r.out.len(), inst.out_beats);
            if name == "nostall" {
                if i <= o {
                    assert!(
                        gaps(&r.in_cycles).iter().all(|&g| g == 1),
                        "dwc {i}->{o}: input gaps {:?}",
                        gaps(&r.in_cycles)
                    );
                }
                if o <= i {
                    assert!(
                        gaps(&r.out_cycles).iter().all(|&g| g == 1),
                        "dwc {i}->{o}: output gaps {:?}",
                        gaps(&r.out_cycles)
                    );
                }
            }
        }
    }
}

fn dwc(el_bits: u32, in_elems: usize, out_elems: usize) -> Unit {
    Unit::Dwc(units::Dwc {
        el_bits: el_bits as u64,
        in_elems: in_elems as u64,
        out_elems: out_elems as u64,
    })
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

#[derive(Clone, Debug)]
struct MvauCfg {
    shape: MvauShape,
    rshift: u32,
    lshift: u32,
    /// 0 none, 1 relu, 2 relu6
    act: u32,
    relu6_max: i64,
    out_bits: u32,
    out_signed: bool,
    /// Bias range relative to the largest |dot product| (saturation control).
    bias_scale: f64,
    /// PEs share multipliers in pairs (`PACK = 1`).
    pack: bool,
}

#[allow(clippy::too_many_arguments)]
fn cfg(
    (simd, pe, sf, nf): (usize, usize, usize, usize),
    (in_bits, in_signed): (u32, bool),
    (arith, w_bits): (Arith, u32),
    (rshift, lshift): (u32, u32),
    act: u32,
    relu6_max: i64,
    (out_bits, out_signed): (u32, bool),
    bias_scale: f64,
) -> MvauCfg {
    MvauCfg {
        shape: MvauShape::new((simd, pe, sf, nf), (in_bits, in_signed), (arith, w_bits)),
        rshift,
        lshift,
        act,
        relu6_max,
        out_bits,
        out_signed,
        bias_scale,
        pack: false,
    }
}

/// A random MVAU layer: weight values `w[out][in]` with their codes, biases,
/// and the exact accumulator width.
struct Layer {
    cfg: MvauCfg,
    codes: Vec<Vec<u64>>,
    w: Vec<Vec<i64>>,
    bias: Vec<i64>,
    acc_bits: u32,
}

fn make_layer(c: &MvauCfg, rng: &mut Rng) -> Layer {
    let (n_in, n_out) = (c.shape.simd * c.shape.sf, c.shape.pe * c.shape.nf);
    let mut codes = random_codes(rng, c.shape.arith, c.shape.w_bits, n_out, n_in);
    if c.pack {
        // the corners of packing: the most negative weight in both PEs of
        // a pair, and the most negative against the largest
        let (neg, pos) = (
            1u64 << (c.shape.w_bits - 1),
            (1u64 << (c.shape.w_bits - 1)) - 1,
        );
        for (i, code) in codes[0].iter_mut().enumerate() {
            *code = if i % 3 == 2 { pos } else { neg };
        }
        for (i, code) in codes[1].iter_mut().enumerate() {
            *code = if i % 2 == 0 { neg } else { pos };
        }
    }
    let w = weight_values(c.shape.arith, c.shape.w_bits, &codes);
    let (amin, amax) = type_range(c.shape.in_bits, c.shape.in_signed);
    let span = |row: &Vec<i64>| -> (i128, i128) {
        let mut lo = 0i128;
        let mut hi = 0i128;
        for &wv in row {
            let a = wv as i128 * amin as i128;
            let b = wv as i128 * amax as i128;
            lo += a.min(b);
            hi += a.max(b);
        }
        (lo, hi)
    };
    let biggest = w
        .iter()
        .map(|r| {
            let (lo, hi) = span(r);
            lo.abs().max(hi.abs())
        })
        .max()
        .unwrap_or(1)
        .max(1);
    let b = ((biggest as f64 * c.bias_scale) as i64).max(1);
    let bias: Vec<i64> = (0..n_out).map(|_| rng.range(-b, b)).collect();
    let (mut lo, mut hi) = (0i128, 0i128);
    for (r, &bv) in w.iter().zip(&bias) {
        let (l, h) = span(r);
        lo = lo.min(l + bv as i128);
        hi = hi.max(h + bv as i128);
    }
    let acc_bits = signed_bits_for(lo, hi).max(2);
    assert!(
        acc_bits <= 62,
        "test layer needs {acc_bits} accumulator bits"
    );
    Layer {
        cfg: c.clone(),
        codes,
        w,
        bias,
        acc_bits,
    }
}

/// The numerics contract with i128 arithmetic, one output channel.
fn reference_out(l: &Layer, x: &[i64], o: usize) -> (i64, i128) {
    let c = &l.cfg;
    let mut acc = l.bias[o] as i128;
    for (xi, wi) in x.iter().zip(&l.w[o]) {
        acc += *xi as i128 * *wi as i128;
    }
    let mut r = if c.rshift > 0 {
        (acc + (1i128 << (c.rshift - 1))) >> c.rshift
    } else {
        acc << c.lshift
    };
    if c.act >= 1 {
        r = r.max(0);
    }
    if c.act == 2 {
        r = r.min(c.relu6_max as i128);
    }
    let (omin, omax) = type_range(c.out_bits, c.out_signed);
    (r.clamp(omin as i128, omax as i128) as i64, r)
}

/// Writes the two ROM images; returns their paths.
fn write_roms(l: &Layer, dir: &Path, k: usize) -> (PathBuf, PathBuf) {
    let c = &l.cfg;
    let wtext = c.shape.weight_rom(&l.codes);
    let mut btext = String::new();
    for nf in 0..c.shape.nf {
        let mut word = Bits::new(c.shape.pe * l.acc_bits as usize);
        for p in 0..c.shape.pe {
            word.set(
                p * l.acc_bits as usize,
                l.acc_bits,
                code_of(l.bias[nf * c.shape.pe + p], l.acc_bits, true),
            );
        }
        btext += &word.to_hex();
        btext.push('\n');
    }
    let wp = dir.join(format!("w{k}.mem"));
    let bp = dir.join(format!("b{k}.mem"));
    write(&wp, &wtext);
    write(&bp, &btext);
    (wp, bp)
}

/// The parameters of a layer's `tomatl_mvau` with its ROM images.
fn mvau_params(l: &Layer, wp: &Path, bp: &Path) -> units::Mvau {
    let c = &l.cfg;
    units::Mvau {
        simd: c.shape.simd as u64,
        pe: c.shape.pe as u64,
        sf: c.shape.sf as u64,
        nf: c.shape.nf as u64,
        in_bits: c.shape.in_bits as u64,
        in_signed: c.shape.in_signed,
        arith: arith_code(c.shape.arith),
        w_bits: c.shape.w_bits as u64,
        acc_bits: l.acc_bits as u64,
        requant: units::Requant {
            rshift: c.rshift as u64,
            lshift: c.lshift as u64,
            act: c.act as u64,
            relu6_max: c.relu6_max as u64,
            out_bits: c.out_bits as u64,
            out_signed: c.out_signed,
            ..Default::default()
        },
        pack: c.pack,
        weight_file: abs_path(wp),
        bias_file: abs_path(bp),
        mult_bits: None,
        mult_file: None,
        th_count: None,
        th_step: None,
        th_file: None,
    }
}

fn mvau_configs() -> Vec<MvauCfg> {
    use Arith::*;
    vec![
        // fixed 8-bit, relu, unsigned output
        cfg(
            (4, 3, 2, 2),
            (8, true),
            (Fixed, 8),
            (6, 0),
            1,
            0,
            (8, false),
            0.5,
        ),
        // fixed 1-bit weights, left shift, unsigned 4-bit inputs
        cfg(
            (3, 2, 3, 1),
            (4, false),
            (Fixed, 1),
            (0, 2),
            0,
            0,
            (8, true),
            1.0,
        ),
        // fixed 16-bit weights, 16-bit signed inputs, relu6
        cfg(
            (2, 2, 2, 3),
            (16, true),
            (Fixed, 16),
            (12, 0),
            2,
            6 << 3,
            (8, true),
            0.5,
        ),
        // fixed 3-bit, no shift, 2-bit inputs, SIMD = PE = 1
        cfg(
            (1, 1, 5, 4),
            (2, true),
            (Fixed, 3),
            (0, 0),
            0,
            0,
            (4, true),
            0.5,
        ),
        // pow2 2-bit (+-1 or 0), relu
        cfg(
            (5, 7, 1, 2),
            (6, false),
            (Pow2, 2),
            (1, 0),
            1,
            0,
            (4, false),
            0.3,
        ),
        // pow2 5-bit (shifts up to 14)
        cfg(
            (7, 3, 2, 1),
            (8, true),
            (Pow2, 5),
            (10, 0),
            0,
            0,
            (8, true),
            0.5,
        ),
        // binary, primes, relu6 with a left shift
        cfg(
            (13, 5, 3, 2),
            (3, true),
            (Binary, 1),
            (0, 1),
            2,
            24,
            (6, false),
            0.5,
        ),
        // ternary, unsigned 12-bit inputs, relu
        cfg(
            (2, 11, 4, 3),
            (12, false),
            (Ternary, 2),
            (4, 0),
            1,
            0,
            (8, true),
            0.5,
        ),
        // fully unrolled (SF = NF = 1)
        cfg(
            (16, 8, 1, 1),
            (8, false),
            (Fixed, 4),
            (5, 0),
            0,
            0,
            (8, true),
            0.5,
        ),
        // fully unrolled binary, wider
        cfg(
            (64, 32, 1, 1),
            (8, true),
            (Binary, 1),
            (3, 0),
            1,
            0,
            (8, false),
            0.2,
        ),
        // pow2 3-bit, relu6 limit above the output range
        cfg(
            (3, 4, 3, 2),
            (5, true),
            (Pow2, 3),
            (1, 0),
            2,
            6 << 6,
            (8, false),
            0.5,
        ),
        // wide accumulator with a left shift: r is wider than 64 bits
        cfg(
            (3, 2, 1, 2),
            (16, true),
            (Fixed, 16),
            (0, 10),
            0,
            0,
            (16, true),
            3.0e7,
        ),
        // 16-bit unsigned inputs, big right shift, 16-bit output
        cfg(
            (4, 2, 1, 4),
            (16, false),
            (Fixed, 16),
            (20, 0),
            0,
            0,
            (16, true),
            0.5,
        ),
        // ternary, single lane and PE, 16-bit signed inputs, left shift
        cfg(
            (1, 1, 1, 1),
            (16, true),
            (Ternary, 2),
            (0, 3),
            0,
            0,
            (16, true),
            2.0,
        ),
        // pow2 4-bit, unsigned 2-bit inputs, relu
        cfg(
            (6, 2, 2, 2),
            (2, false),
            (Pow2, 4),
            (2, 0),
            1,
            0,
            (3, false),
            0.5,
        ),
    ]
}

/// Input vectors of `frames` frames for a layer.
fn random_frames(l: &Layer, frames: usize, rng: &mut Rng) -> Vec<Vec<i64>> {
    let c = &l.cfg;
    let (lo, hi) = type_range(c.shape.in_bits, c.shape.in_signed);
    (0..frames)
        .map(|f| {
            (0..c.shape.simd * c.shape.sf)
                .map(|_| {
                    // packed pairs: a frame of the smallest and one of the
                    // largest inputs
                    if c.pack && f < 2 {
                        return [lo, hi][f];
                    }
                    // favour the extremes a little: they drive saturation
                    match rng.range(0, 9) {
                        0 => lo,
                        1 => hi,
                        _ => rng.range(lo, hi),
                    }
                })
                .collect()
        })
        .collect()
}

/// Builds one bench with all `cfgs` side by side, runs `scenarios`, checks
/// every output, the frame interval and the latency; returns the build time
/// in seconds.
fn run_mvau_bench(
    name: &str,
    cfgs: &[MvauCfg],
    frames: usize,
    scenarios: &[(&str, u64, f64, f64)],
    require_corners: bool,
) -> f64 {
    require_verilator();
    let dir = work(name);
    let mut rng = Rng(33);
    let layers: Vec<Layer> = cfgs.iter().map(|c| make_layer(c, &mut rng)).collect();
    let xs: Vec<Vec<Vec<i64>>> = layers
        .iter()
        .map(|l| random_frames(l, frames, &mut rng))
        .collect();
    let mut insts = Vec::new();
    for (k, (l, x)) in layers.iter().zip(&xs).enumerate() {
        let c = &l.cfg;
        let (wp, bp) = write_roms(l, &dir, k);
        let input = c.shape.input(x);
        insts.push(StreamInst {
            module: header(&Unit::Mvau(mvau_params(l, &wp, &bp))),
            in_bits: c.shape.simd * c.shape.in_bits as usize,
            out_bits: c.shape.pe * c.out_bits as usize,
            input,
            out_beats: frames * c.shape.nf,
        });
    }
    // expected outputs and coverage of the corner cases
    let (mut sat_lo, mut sat_hi, mut relu6_clip) = (false, false, false);
    let expected: Vec<Vec<i64>> = layers
        .iter()
        .zip(&xs)
        .map(|(l, x)| {
            let c = &l.cfg;
            let (omin, omax) = type_range(c.out_bits, c.out_signed);
            let mut out = Vec::new();
            for fx in x {
                for o in 0..c.shape.pe * c.shape.nf {
                    let (y, r) = reference_out(l, fx, o);
                    sat_lo |= r < omin as i128;
                    sat_hi |= r > omax as i128;
                    relu6_clip |= c.act == 2 && y == c.relu6_max.min(omax) && y > 0;
                    out.push(y);
                }
            }
            out
        })
        .collect();
    assert!(
        !require_corners || (sat_lo && sat_hi && relu6_clip),
        "test data must saturate at both ends and clip relu6"
    );

    let t = std::time::Instant::now();
    let (exe, offs) = build_stream(
        name,
        "tb_mvau.cpp",
        &[&["tomatl_mvau"], MVAU_DEPS].concat(),
        &insts,
    );
    let build_s = t.elapsed().as_secs_f64();
    for &(name, seed, pv, pr) in scenarios {
        let res = run_stream(&exe, name, &insts, &offs, seed, pv, pr);
        for (k, ((l, r), exp)) in layers.iter().zip(&res).zip(&expected).enumerate() {
            let c = &l.cfg;
            assert_eq!(
                r.out.len(),
                frames * c.shape.nf,
                "mvau #{k} {name}: output beats"
            );
            let got: Vec<i64> = r
                .out
                .iter()
                .flat_map(|b| {
                    (0..c.shape.pe).map(move |p| {
                        value_of(
                            b.get(p * c.out_bits as usize, c.out_bits),
                            c.out_bits,
                            c.out_signed,
                        )
                    })
                })
                .collect();
            if &got != exp {
                let i = got.iter().zip(exp).position(|(a, b)| a != b).unwrap_or(0);
                panic!(
                    "mvau #{k} {c:?} (ACC_BITS {}) {name}: first mismatch at output {i} \
                     (frame {}, channel {}): got {}, expected {}",
                    l.acc_bits,
                    i / (c.shape.pe * c.shape.nf),
                    i % (c.shape.pe * c.shape.nf),
                    got[i],
                    exp[i]
                );
            }
            if name == "nostall" {
                // frames start exactly SF*NF cycles apart; latency: last
                // input beat of frame 0 -> its first output beat
                let unit = format!("mvau #{k}");
                c.shape
                    .assert_nostall_timing(r, &format!("{unit} {c:?}"), &unit);
            }
        }
    }
    build_s
}

#[test]
fn mvau_matches_reference_and_rate() {
    let s = run_mvau_bench("mvau", &mvau_configs(), 6, &SCENARIOS, true);
    eprintln!("mvau bench build: {s:.1} s");
}

/// Two products per multiplier (`PACK = 1`): fixed weights of 2..8 bits,
/// signed and unsigned inputs up to 8 bits, the extreme codes of both,
/// bit-exact with stalls on both sides.
#[test]
fn mvau_packed_pairs_are_exact() {
    use Arith::*;
    let packed = |c: MvauCfg| MvauCfg { pack: true, ..c };
    let cfgs = vec![
        packed(cfg(
            (3, 4, 2, 2),
            (8, false),
            (Fixed, 8),
            (6, 0),
            1,
            0,
            (8, false),
            0.5,
        )),
        packed(cfg(
            (2, 2, 3, 2),
            (8, true),
            (Fixed, 8),
            (7, 0),
            0,
            0,
            (8, true),
            0.5,
        )),
        packed(cfg(
            (5, 6, 1, 2),
            (5, true),
            (Fixed, 2),
            (0, 0),
            0,
            0,
            (8, true),
            0.5,
        )),
        packed(cfg(
            (1, 2, 4, 1),
            (3, false),
            (Fixed, 5),
            (2, 0),
            2,
            12,
            (6, false),
            0.5,
        )),
        packed(cfg(
            (4, 8, 2, 1),
            (8, true),
            (Fixed, 5),
            (5, 0),
            0,
            0,
            (10, true),
            0.3,
        )),
    ];
    run_mvau_bench("mvau_packed", &cfgs, 6, &SCENARIOS, false);
}

/// Build-time measurement of the largest fully unrolled engines: binary
/// 784x256 (SIMD 784, PE 256, one cycle per frame) and fixed 8-bit 256x256
/// folded by 16x16. Run with `cargo test --test rtl_units -- --ignored`.
#[test]
#[ignore]
fn mvau_large_instances() {
    use Arith::*;
    let nostall = [SCENARIOS[0], SCENARIOS[1]];
    let big = cfg(
        (784, 256, 1, 1),
        (8, true),
        (Binary, 1),
        (4, 0),
        1,
        0,
        (8, false),
        0.5,
    );
    let s = run_mvau_bench("mvau_784x256_binary", &[big], 4, &nostall, false);
    eprintln!("784x256 binary SIMD=784 PE=256: build {s:.1} s");
    let mid = cfg(
        (16, 16, 16, 16),
        (8, true),
        (Fixed, 8),
        (8, 0),
        0,
        0,
        (8, true),
        0.5,
    );
    let s = run_mvau_bench("mvau_256x256_fixed8", &[mid], 4, &nostall, false);
    eprintln!("256x256 fixed-8 SIMD=16 PE=16: build {s:.1} s");
}

// ------------------------------------------------------- credit output

/// A stand-in engine around `tomatl_credit_out` for the stream harness: it
/// takes a beat only with a slot reserved and at most once every SPACING
/// cycles, and delivers it LAT register stages later without a handshake
/// (TRIP = LAT + 2: the stages, the FIFO, the pop).
const CREDIT_PIPE: &str = "`default_nettype none
module credit_pipe #(
    parameter WIDTH   = 8,  // bits per beat
    parameter LAT     = 3,  // register stages from the reservation to the FIFO (>= 1)
    parameter SPACING = 1   // fewest cycles between two reservations (>= 1)
) (
    input  wire             clk,
    input  wire             rst,
    input  wire [WIDTH-1:0] s_axis_tdata,
    input  wire             s_axis_tvalid,
    output wire             s_axis_tready,
    output wire [WIDTH-1:0] m_axis_tdata,
    output wire             m_axis_tvalid,
    input  wire             m_axis_tready
);
    localparam SP_BITS = 8;
    localparam [SP_BITS-1:0] SP_WAIT = SPACING - 1;
    wire step_ok;
    reg [SP_BITS-1:0] wait_reg;
    wire space_ok = (wait_reg == {SP_BITS{1'b0}});
    wire take = s_axis_tvalid && step_ok && space_ok;
    assign s_axis_tready = step_ok && space_ok;
    reg [LAT*WIDTH-1:0] d_reg;
    reg [LAT-1:0] v_reg;
    generate
        if (LAT == 1) begin : g_one
            always @(posedge clk) begin
                d_reg <= s_axis_tdata;
                v_reg <= rst ? 1'b0 : take;
            end
        end else begin : g_more
            always @(posedge clk) begin
                d_reg <= {d_reg[(LAT-1)*WIDTH-1:0], s_axis_tdata};
                v_reg <= rst ? {LAT{1'b0}} : {v_reg[LAT-2:0], take};
            end
        end
    endgenerate
    always @(posedge clk) begin
        if (rst) begin
            wait_reg <= {SP_BITS{1'b0}};
        end else if (take) begin
            wait_reg <= SP_WAIT;
        end else if (!space_ok) begin
            wait_reg <= wait_reg - 1'b1;
        end
    end
    tomatl_credit_out #(
        .WIDTH  (WIDTH),
        .TRIP   (LAT + 2),
        .SPACING(SPACING)
    ) u_dut (
        .clk          (clk),
        .rst          (rst),
        .step_ends    (1'b1),
        .step         (take),
        .step_ok      (step_ok),
        .s_axis_tdata (d_reg[(LAT-1)*WIDTH+:WIDTH]),
        .s_axis_tvalid(v_reg[LAT-1]),
        .m_axis_tdata (m_axis_tdata),
        .m_axis_tvalid(m_axis_tvalid),
        .m_axis_tready(m_axis_tready)
    );
endmodule
`default_nettype wire
";

#[test]
fn credit_out_order_and_full_rate() {
    require_verilator();
    let dir = work("credit_out");
    let mut rng = Rng(66);
    // (WIDTH, LAT, SPACING): the trips of swu (2), pool (2), mvau and
    // vvau (3) at one reservation a cycle, every few cycles, and rarely
    let cfgs = [
        (8, 2, 1),
        (70, 3, 1),
        (1, 1, 1),
        (16, 3, 2),
        (33, 3, 9),
        (12, 5, 3),
        (9, 2, 4),
        (24, 4, 1),
    ];
    let insts: Vec<StreamInst> = cfgs
        .iter()
        .map(|&(w, lat, sp)| {
            let input = random_beats(&mut rng, w, 200);
            StreamInst {
                module: format!("credit_pipe #(.WIDTH({w}), .LAT({lat}), .SPACING({sp}))"),
                in_bits: w,
                out_bits: w,
                out_beats: input.len(),
                input,
            }
        })
        .collect();
    let (top, offs) = stream_wrapper(&insts);
    let top_path = dir.join("unit_top.v");
    write(&top_path, &top);
    let pipe_path = dir.join("credit_pipe.v");
    write(&pipe_path, CREDIT_PIPE);
    let exe = verilator::build(&verilator::Build {
        top: "unit_top".into(),
        sources: vec![
            rtl("tomatl_credit_out"),
            rtl("tomatl_fifo"),
            pipe_path,
            top_path,
        ],
        cpp: vec![bench_dir().join("tb_credit_out.cpp")],
        include_dirs: vec![bench_dir()],
        obj_dir: dir.join("obj_dir"),
        defines: vec![],
    })
    .unwrap_or_else(|e| panic!("{e}"));
    for (name, seed, pv, pr) in SCENARIOS {
        let res = run_stream(&exe, name, &insts, &offs, seed, pv, pr);
        for ((i, r), (w, lat, sp)) in insts.iter().zip(&res).zip(cfgs) {
            assert_eq!(
                r.out, i.input,
                "credit_out W={w} LAT={lat} SPACING={sp} {name}: data"
            );
            if name == "nostall" {
                // one beat every SPACING cycles on both sides, the first
                // LAT + 1 cycles after the first take
                let sp = sp as u64;
                assert!(
                    gaps(&r.in_cycles).iter().all(|&g| g == sp),
                    "credit_out LAT={lat} SPACING={sp}: input gaps {:?}",
                    gaps(&r.in_cycles)
                );
                assert!(
                    gaps(&r.out_cycles).iter().all(|&g| g == sp),
                    "credit_out LAT={lat} SPACING={sp}: output gaps {:?}",
                    gaps(&r.out_cycles)
                );
                assert_eq!(
                    r.out_cycles[0] - r.in_cycles[0],
                    lat as u64 + 1,
                    "credit_out LAT={lat}: latency"
                );
            }
        }
    }
}

// --------------------------------------------------------- loop counter

/// True with probability `p`.
fn chance(rng: &mut Rng, p: f64) -> bool {
    ((rng.next() >> 11) as f64 / (1u64 << 53) as f64) < p
}

// ------------------------------------------------- rounding modes

/// One combinational requantizer of the rounding bench: `tomatl_requant`
/// (a shift, optionally after a multiplier) or `tomatl_avg` (a division).
#[derive(Clone, Copy, Debug)]
struct RoundCfg {
    mode: RoundMode,
    /// Accumulator (requant) or sum (avg) bits.
    in_bits: u32,
    /// Right shift (requant; negative: a left shift) or AVG_LSHIFT (avg).
    shift: i32,
    /// `Some(den)`: tomatl_avg with AVG_DIV = den.
    div: Option<u64>,
    mult_bits: u32,
    out_bits: u32,
    out_signed: bool,
    narrow: bool,
}

impl RoundCfg {
    fn out(&self) -> TensorType {
        TensorType {
            round: self.mode,
            narrow: self.narrow,
            ..TensorType::new(self.out_bits, self.out_signed, 0)
        }
    }

    /// Operands near ties: `k · d + d/2 + {-1, 0, 1}` (d the divisor), the
    /// extremes of the input, and random ones.
    fn operands(&self, rng: &mut Rng) -> (i64, u64) {
        let (lo, hi) = type_range(self.in_bits, true);
        let mult = if self.mult_bits > 0 {
            match rng.range(0, 3) {
                0 => 1,
                1 => (1u64 << self.mult_bits) - 1,
                _ => rng.bits(self.mult_bits),
            }
        } else {
            1
        };
        let d: i64 = match self.div {
            Some(d) => d as i64 >> self.shift.clamp(0, 62),
            None if self.shift > 0 => 1i64 << self.shift,
            None => 1,
        }
        .max(1);
        let x = match rng.range(0, 5) {
            0 => lo,
            1 => hi,
            2 => rng.range(lo, hi),
            _ if mult == 1 => {
                let k = rng.range(lo / d, hi / d);
                (k * d + d / 2 + rng.range(-1, 1)).clamp(lo, hi)
            }
            _ => rng.range(lo / 64, hi / 64),
        };
        (x, mult)
    }

    fn expected(&self, x: i64, mult: u64) -> i64 {
        let out = self.out();
        match self.div {
            Some(d) => numerics::average(x, d, -self.shift, &out),
            None if self.mult_bits > 0 => numerics::requantize_channel(
                x,
                mult as i64,
                self.shift as u32,
                Activation::None,
                &out,
            ),
            None => numerics::requantize(x, self.shift, Activation::None, &out),
        }
    }
}

impl BusUnit for RoundCfg {
    fn x_bits(&self) -> usize {
        (self.in_bits + self.mult_bits) as usize
    }

    fn y_bits(&self) -> usize {
        self.out_bits as usize
    }

    fn instance(&self, k: usize, x_off: usize, y_off: usize) -> String {
        let (ib, yb) = (self.in_bits, self.out_bits);
        let common = format!(
            ".OUT_BITS({yb}), .OUT_SIGNED({}), .ROUND_MODE({}), .NARROW({})",
            self.out_signed as u8,
            self.mode.code(),
            self.narrow as u8
        );
        match self.div {
            Some(d) => format!(
                "    tomatl_avg #(.SUM_BITS({ib}), .AVG_LSHIFT({}), .AVG_DIV({d}), {common}) u{k} (
        .sum(x[{x_off} +: {ib}]), .y(y[{y_off} +: {yb}]));\n",
                self.shift
            ),
            None => {
                let mult = if self.mult_bits > 0 {
                    format!("x[{} +: {}]", x_off + ib as usize, self.mult_bits)
                } else {
                    "1'b0".into()
                };
                format!(
                    "    tomatl_requant #(.ACC_BITS({ib}), .RSHIFT({}), .LSHIFT({}), .ACT(0), \
                     .RELU6_MAX(0), .MULT_BITS({}), {common}) u{k} (
        .acc(x[{x_off} +: {ib}]), .mult({mult}), .y(y[{y_off} +: {yb}]));\n",
                    self.shift.max(0),
                    (-self.shift).max(0),
                    self.mult_bits
                )
            }
        }
    }
}

#[test]
fn requant_and_avg_round_by_every_mode_like_the_golden_model() {
    require_verilator();
    let dir = work("round_modes");
    let shapes = [
        // (in_bits, shift, div, mult_bits, out_bits, out_signed, narrow)
        (12, 3, None, 0, 4, true, false),
        (12, 3, None, 0, 4, false, true),
        (10, 1, None, 0, 6, true, true),
        (20, 5, None, 16, 8, true, true),
        (24, 9, None, 7, 6, false, false),
        (44, 33, None, 0, 8, true, true),
        (16, -2, None, 0, 8, true, true),
        (14, 0, Some(6), 0, 6, true, true),
        (14, 2, Some(9), 0, 6, true, false),
        (12, 0, Some(8), 0, 5, false, true),
        (18, 0, Some(250), 0, 8, true, false),
    ];
    let cfgs: Vec<RoundCfg> = RoundMode::ALL
        .into_iter()
        .flat_map(|mode| {
            shapes.iter().map(
                move |&(in_bits, shift, div, mult_bits, out_bits, out_signed, narrow)| RoundCfg {
                    mode,
                    in_bits,
                    shift,
                    div,
                    mult_bits,
                    out_bits,
                    out_signed,
                    narrow,
                },
            )
        })
        .collect();
    let bench = bus_bench(&dir, &cfgs, &["tomatl_requant", "tomatl_avg"]);
    let mut rng = Rng(41);
    let (script, want) = bench.script(1500, |_, xb| {
        let mut exp = Vec::new();
        for (c, &off) in cfgs.iter().zip(&bench.x_offs) {
            let (x, m) = c.operands(&mut rng);
            xb.set(off, c.in_bits, code_of(x, c.in_bits, true));
            if c.mult_bits > 0 {
                xb.set(off + c.in_bits as usize, c.mult_bits, m);
            }
            exp.push((x, m, c.expected(x, m)));
        }
        exp
    });
    let results = bench.results(&dir, "round", &script, &want);
    for (cycle, (y, exp)) in results.enumerate() {
        for ((c, &off), &(x, m, e)) in cfgs.iter().zip(&bench.y_offs).zip(exp) {
            let got = value_of(y.get(off, c.out_bits), c.out_bits, c.out_signed);
            assert_eq!(got, e, "cycle {cycle}: {c:?} of x = {x}, mult = {m}");
        }
    }
    // an illegal mode is refused at elaboration
    let rq = |mode: &str| elab("tomatl_requant", &[], &[("ROUND_MODE", mode)]);
    assert!(verilator_lint(&rq("7")).0, "ROUND_MODE 7 is legal");
    assert!(!verilator_lint(&rq("8")).0, "ROUND_MODE 8 must be refused");
    let avg = |mode: &str| elab("tomatl_avg", &["tomatl_requant"], &[("ROUND_MODE", mode)]);
    assert!(!verilator_lint(&avg("9")).0, "ROUND_MODE 9 must be refused");
}

#[test]
fn loop_counter_matches_reference() {
    require_verilator();
    let dir = work("loop_counter");
    // (INNER, OUTER): single iterations, one loop, powers of two and not,
    // a ROM-sized flat index
    let cfgs: [(u32, u32); 7] = [(1, 1), (9, 4), (1, 7), (5, 1), (4, 16), (3, 3), (64, 10)];
    let n = cfgs.len();
    let bits = |c: u32| {
        if c > 1 {
            32 - (c - 1).leading_zeros()
        } else {
            1
        }
    };
    let mut body = String::new();
    for (k, &(i, o)) in cfgs.iter().enumerate() {
        let (ib, ob, fb) = (bits(i), bits(o), bits(i * o));
        let _ = writeln!(
            body,
            "    wire [{ib1}:0] in{k};
    wire [{ob1}:0] out{k};
    wire [{fb1}:0] fl{k};
    tomatl_loop_counter #(.INNER({i}), .OUTER({o})) u{k} (
        .clk(clk), .rst(rst), .step(step[{k}]), .inner(in{k}), .outer(out{k}), .flat(fl{k}),
        .inner_first(flags[{k}*4]), .inner_last(flags[{k}*4+1]),
        .outer_first(flags[{k}*4+2]), .outer_last(flags[{k}*4+3]));
    assign inner[{k}*32 +: 32] = {{{iz}'d0, in{k}}};
    assign outer[{k}*32 +: 32] = {{{oz}'d0, out{k}}};
    assign flat[{k}*32 +: 32] = {{{fz}'d0, fl{k}}};",
            ib1 = ib - 1,
            ob1 = ob - 1,
            fb1 = fb - 1,
            iz = 32 - ib,
            oz = 32 - ob,
            fz = 32 - fb
        );
    }
    let exe = script_bench(
        &dir,
        &[
            ("input", "step", n),
            ("output", "flags", 4 * n),
            ("output", "inner", 32 * n),
            ("output", "outer", 32 * n),
            ("output", "flat", 32 * n),
        ],
        &body,
        "tomatl_loop_counter",
        "tb_loop_counter.cpp",
    );

    for (seed, p_step) in [(1u64, 1.0), (2, 0.5), (3, 0.1)] {
        let mut rng = Rng(seed);
        let cycles = 5_000;
        let mut script = format!("{n} {cycles}\n");
        let mut steps = Vec::with_capacity(cycles);
        for _ in 0..cycles {
            let mut v = 0u64;
            for k in 0..n {
                v |= (chance(&mut rng, p_step) as u64) << k;
            }
            let _ = writeln!(script, "{v:x}");
            steps.push(v);
        }
        let text = run_script(&exe, &dir, "loop", &script);
        // the reference: the iteration count, taken apart
        let mut done = vec![0u64; n];
        let mut lines = text.lines();
        for (cycle, &v) in steps.iter().enumerate() {
            for (k, &(i, o)) in cfgs.iter().enumerate() {
                let l = lines.next().unwrap_or_else(|| panic!("short results"));
                let f: Vec<&str> = l.split_whitespace().collect();
                let flat = (done[k] % (i as u64 * o as u64)) as u32;
                let (inner, outer) = (flat % i, flat / i);
                let flags = (inner == 0) as u32
                    | ((inner == i - 1) as u32) << 1
                    | ((outer == 0) as u32) << 2
                    | ((outer == o - 1) as u32) << 3;
                let exp = format!("{inner} {outer} {flat} {flags:x}");
                assert_eq!(
                    f[2..].join(" "),
                    exp,
                    "loop counter {:?} seed {seed}: cycle {cycle} (inner outer flat flags)",
                    cfgs[k]
                );
                done[k] += (v >> k) & 1;
            }
        }
    }
}

// ------------------------------------------------------- frame counters

/// What `tomatl_frame_counters` shows before a clock edge.
#[derive(Clone, Debug, PartialEq)]
struct CounterView {
    out_last: bool,
    frames_in: u32,
    frames_out: u32,
    cycles: u64,
    busy: bool,
}

/// The naive reference: beats counted modulo the frame, frames and cycles
/// since reset or the last clear.
struct CounterModel {
    in_beats: u32,
    out_beats: u32,
    in_beat: u32,
    out_beat: u32,
    frames_in: u32,
    frames_out: u32,
    cycles: u64,
}

impl CounterModel {
    fn view(&self) -> CounterView {
        CounterView {
            out_last: self.out_beat == self.out_beats - 1,
            frames_in: self.frames_in,
            frames_out: self.frames_out,
            cycles: self.cycles,
            busy: self.frames_in != self.frames_out,
        }
    }
    fn step(&mut self, in_fire: bool, out_fire: bool, clear: bool) {
        let in_end = in_fire && self.in_beat == self.in_beats - 1;
        let out_end = out_fire && self.out_beat == self.out_beats - 1;
        if in_fire {
            self.in_beat = if in_end { 0 } else { self.in_beat + 1 };
        }
        if out_fire {
            self.out_beat = if out_end { 0 } else { self.out_beat + 1 };
        }
        if clear {
            self.frames_in = 0;
            self.frames_out = 0;
            self.cycles = 0;
        } else {
            self.cycles += 1;
            self.frames_in = self.frames_in.wrapping_add(in_end as u32);
            self.frames_out = self.frames_out.wrapping_add(out_end as u32);
        }
    }
}

#[test]
fn frame_counters_match_reference() {
    require_verilator();
    let dir = work("frame_counters");
    // (IN_BEATS, OUT_BEATS)
    let cfgs: [(u32, u32); 4] = [(1, 1), (3, 2), (7, 1), (3072, 10)];
    let n = cfgs.len();
    let mut body = String::new();
    for (k, (ib, ob)) in cfgs.iter().enumerate() {
        let _ = writeln!(
            body,
            "    tomatl_frame_counters #(.IN_BEATS(32'd{ib}), .OUT_BEATS(32'd{ob})) u{k} (
        .clk(clk), .rst(rst), .in_fire(in_fire[{k}]), .out_fire(out_fire[{k}]), .clear(clear[{k}]),
        .out_last(out_last[{k}]), .frames_in(frames_in[{k}*32 +: 32]), .frames_out(frames_out[{k}*32 +: 32]),
        .cycles(cycles[{k}*64 +: 64]), .busy(busy[{k}]));"
        );
    }
    let exe = script_bench(
        &dir,
        &[
            ("input", "in_fire", n),
            ("input", "out_fire", n),
            ("input", "clear", n),
            ("output", "out_last", n),
            ("output", "busy", n),
            ("output", "frames_in", 32 * n),
            ("output", "frames_out", 32 * n),
            ("output", "cycles", 64 * n),
        ],
        &body,
        "tomatl_frame_counters",
        "tb_frame_counters.cpp",
    );

    // random beats on both sides (the streams stall), clear pulses now and
    // then; the long frames of the last instance cross whole frames too
    for (seed, p_in, p_out, p_clear) in [
        (1u64, 0.9, 0.9, 0.0),
        (2, 0.5, 0.3, 0.01),
        (3, 0.2, 0.7, 0.002),
    ] {
        let mut rng = Rng(seed);
        let cycles = 20_000;
        let mut script = format!("{n} {cycles}\n");
        let mut fires = Vec::with_capacity(cycles);
        for _ in 0..cycles {
            let (mut i, mut o, mut c) = (0u64, 0u64, 0u64);
            for k in 0..n {
                i |= (chance(&mut rng, p_in) as u64) << k;
                o |= (chance(&mut rng, p_out) as u64) << k;
                c |= (chance(&mut rng, p_clear) as u64) << k;
            }
            let _ = writeln!(script, "{i:x} {o:x} {c:x}");
            fires.push((i, o, c));
        }
        let text = run_script(&exe, &dir, "counters", &script);
        let mut models: Vec<CounterModel> = cfgs
            .iter()
            .map(|&(ib, ob)| CounterModel {
                in_beats: ib,
                out_beats: ob,
                in_beat: 0,
                out_beat: 0,
                frames_in: 0,
                frames_out: 0,
                cycles: 0,
            })
            .collect();
        let mut lines = text.lines();
        for (cycle, &(i, o, c)) in fires.iter().enumerate() {
            for (k, m) in models.iter_mut().enumerate() {
                let l = lines.next().unwrap_or_else(|| panic!("short results"));
                let f: Vec<&str> = l.split_whitespace().collect();
                let got = CounterView {
                    out_last: f[2] == "1",
                    frames_in: f[3].parse().unwrap_or(u32::MAX),
                    frames_out: f[4].parse().unwrap_or(u32::MAX),
                    cycles: u64::from_str_radix(f[5], 16).unwrap_or(u64::MAX),
                    busy: f[6] == "1",
                };
                assert_eq!(
                    got,
                    m.view(),
                    "frame counters {:?} seed {seed}: cycle {cycle}",
                    cfgs[k]
                );
                m.step((i >> k) & 1 == 1, (o >> k) & 1 == 1, (c >> k) & 1 == 1);
            }
        }
        // every configuration saw whole frames on both sides
        for (m, cfg) in models.iter().zip(cfgs) {
            assert!(
                seed != 1 || (m.frames_in > 1 && m.frames_out > 1),
                "frame counters {cfg:?}: too few frames"
            );
        }
    }
}

// ------------------------------------------------------------ AXI4-Lite

#[test]
fn axil_status_registers() {
    require_verilator();
    let dir = work("axil");
    let (id, version, hash) = (0x746f_6d61u32, 0x0001_0203u32, 0xdead_beefu32);
    let top = format!(
        "`default_nettype none
module unit_top (
    input  wire        clk,
    input  wire        rst,
    input  wire [5:0]  s_axil_awaddr,
    input  wire        s_axil_awvalid,
    output wire        s_axil_awready,
    input  wire [31:0] s_axil_wdata,
    input  wire [3:0]  s_axil_wstrb,
    input  wire        s_axil_wvalid,
    output wire        s_axil_wready,
    output wire [1:0]  s_axil_bresp,
    output wire        s_axil_bvalid,
    input  wire        s_axil_bready,
    input  wire [5:0]  s_axil_araddr,
    input  wire        s_axil_arvalid,
    output wire        s_axil_arready,
    output wire [31:0] s_axil_rdata,
    output wire [1:0]  s_axil_rresp,
    output wire        s_axil_rvalid,
    input  wire        s_axil_rready,
    input  wire [31:0] frames_in,
    input  wire [31:0] frames_out,
    input  wire [63:0] cycles,
    input  wire        busy,
    output wire        clear
);
    tomatl_axil_status #(.ID(32'h{id:08x}), .VERSION(32'h{version:08x}), .NET_HASH(32'h{hash:08x}))
    u_status (
        .clk(clk), .rst(rst),
        .s_axil_awaddr(s_axil_awaddr), .s_axil_awvalid(s_axil_awvalid), .s_axil_awready(s_axil_awready),
        .s_axil_wdata(s_axil_wdata), .s_axil_wstrb(s_axil_wstrb), .s_axil_wvalid(s_axil_wvalid),
        .s_axil_wready(s_axil_wready), .s_axil_bresp(s_axil_bresp), .s_axil_bvalid(s_axil_bvalid),
        .s_axil_bready(s_axil_bready), .s_axil_araddr(s_axil_araddr), .s_axil_arvalid(s_axil_arvalid),
        .s_axil_arready(s_axil_arready), .s_axil_rdata(s_axil_rdata), .s_axil_rresp(s_axil_rresp),
        .s_axil_rvalid(s_axil_rvalid), .s_axil_rready(s_axil_rready),
        .frames_in(frames_in), .frames_out(frames_out), .cycles(cycles), .busy(busy), .clear(clear)
    );
endmodule
`default_nettype wire
"
    );
    let top_path = dir.join("unit_top.v");
    write(&top_path, &top);
    let exe = verilator::build(&verilator::Build {
        top: "unit_top".into(),
        sources: vec![rtl("tomatl_axil_status"), top_path],
        cpp: vec![bench_dir().join("tb_axil_status.cpp")],
        include_dirs: vec![bench_dir()],
        obj_dir: dir.join("obj_dir"),
        defines: vec![],
    })
    .unwrap_or_else(|e| panic!("{e}"));

    // A script and the expected results line by line.
    let mut rng = Rng(44);
    let mut script = String::new();
    let mut expect: Vec<String> = Vec::new();
    let mut clears = 0;
    for round in 0..40u64 {
        let fi = rng.next() as u32;
        let fo = rng.next() as u32;
        let cyc = rng.next();
        let busy = (round % 2) as u32;
        let _ = writeln!(script, "s {fi} {fo} {cyc:x} {busy}");
        let values = [
            id,
            version,
            hash,
            busy,
            fi,
            fo,
            cyc as u32,
            (cyc >> 32) as u32,
        ];
        for _ in 0..4 {
            let addr = rng.range(0, 63) as u32;
            let _ = writeln!(script, "r {addr}");
            let word = (addr / 4) as usize;
            let v = values.get(word).copied().unwrap_or(0);
            expect.push(format!("r {v:08x} 0"));
        }
        // a write: together, AW first or W first
        let (awd, wd) = match round % 3 {
            0 => (0, 0),
            1 => (0, rng.range(1, 4)),
            _ => (rng.range(1, 4), 0),
        };
        let addr = if rng.range(0, 1) == 0 {
            0x0c
        } else {
            rng.range(0, 63) as u32
        };
        let data = rng.next() as u32;
        let strb = rng.range(0, 15) as u32;
        let _ = writeln!(script, "w {addr} {data:x} {strb} {awd} {wd}");
        expect.push("b 0".into());
        if addr / 4 == 3 && strb & 1 == 1 && data & 1 == 1 {
            clears += 1;
        }
    }
    let stim = dir.join("axil.stim");
    let res = dir.join("axil.res");
    write(&stim, &script);
    for (seed, p) in [(1u64, 0.0), (2, 0.5)] {
        let args = [seed.to_string(), "0".into(), p.to_string()];
        let text = run_bench(&exe, &stim, &res, &args);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines.last().is_some_and(|l| l.starts_with("done")),
            "axil bench timed out"
        );
        let got: Vec<&str> = lines
            .iter()
            .filter(|l| l.starts_with("r ") || l.starts_with("b "))
            .copied()
            .collect();
        assert_eq!(got, expect, "axil responses (p_ready_drop {p})");
        let pulses: Vec<u64> = lines
            .iter()
            .filter_map(|l| l.strip_prefix("c "))
            .filter_map(|c| c.parse().ok())
            .collect();
        assert_eq!(pulses.len(), clears, "clear pulses");
        assert!(
            gaps(&pulses).iter().all(|&g| g > 1),
            "clear must be a one-cycle pulse: {pulses:?}"
        );
    }
}

#[test]
fn rtl_lints_clean_and_reads_in_icarus_and_yosys() {
    require_verilator();
    let dir = work("tools");
    let mut rng = Rng(55);
    // small ROM images for the MVAU parameter sets
    let mut mvau = |c: MvauCfg, k: usize| -> units::Mvau {
        let l = make_layer(&c, &mut rng);
        let (wp, bp) = write_roms(&l, &dir, k);
        mvau_params(&l, &wp, &bp)
    };
    let mvau_elab = |m: units::Mvau| unit_elab(&Unit::Mvau(m), MVAU_DEPS);
    let cfgs = mvau_configs();
    let mut sets: Vec<Elab> = vec![
        unit_elab(&fifo(8, 1), &[]),
        unit_elab(&fifo(13, 2), &[]),
        unit_elab(&fifo(32, 5), &[]),
        unit_elab(&fifo(1, 16), &[]),
        unit_elab(&dwc(8, 4, 6), &["tomatl_fifo"]),
        unit_elab(&dwc(8, 6, 4), &["tomatl_fifo"]),
        unit_elab(&dwc(3, 5, 1), &["tomatl_fifo"]),
        unit_elab(&dwc(4, 1, 7), &["tomatl_fifo"]),
        unit_elab(&dwc(8, 3, 3), &["tomatl_fifo"]),
        elab("tomatl_axil_status", &[], &[]),
        elab(
            "tomatl_axil_status",
            &[],
            &[("ADDR_BITS", "12"), ("ID", "32'h12345678")],
        ),
        elab("tomatl_credit_out", &["tomatl_fifo"], &[]),
        elab(
            "tomatl_credit_out",
            &["tomatl_fifo"],
            &[("WIDTH", "70"), ("TRIP", "5"), ("SPACING", "9")],
        ),
        elab(
            "tomatl_credit_out",
            &["tomatl_fifo"],
            &[("WIDTH", "3"), ("TRIP", "5"), ("SPACING", "2")],
        ),
        elab("tomatl_frame_counters", &[], &[]),
        elab("tomatl_loop_counter", &[], &[]),
        elab(
            "tomatl_loop_counter",
            &[],
            &[("INNER", "9"), ("OUTER", "64")],
        ),
        elab("tomatl_loop_counter", &[], &[("INNER", "5")]),
        elab(
            "tomatl_frame_counters",
            &[],
            &[("IN_BEATS", "32'd3072"), ("OUT_BEATS", "32'd10")],
        ),
    ];
    for (k, i) in [0usize, 2, 4, 6, 7, 11, 14].into_iter().enumerate() {
        sets.push(mvau_elab(mvau(cfgs[i].clone(), k)));
    }
    // packed pairs (their own arithmetic and the trees it feeds), with an
    // input buffer and without
    for (k, c) in [
        cfg(
            (3, 4, 2, 2),
            (8, false),
            (Arith::Fixed, 8),
            (6, 0),
            1,
            0,
            (8, false),
            0.5,
        ),
        cfg(
            (5, 2, 1, 1),
            (5, true),
            (Arith::Fixed, 2),
            (0, 0),
            0,
            0,
            (8, true),
            0.5,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        sets.push(mvau_elab(mvau(MvauCfg { pack: true, ..c }, 20 + k)));
    }
    let mut failures = legal_refused(&sets, &dir, yosys);
    // illegal parameters must stop every tool
    let bad: Vec<Elab> = vec![
        unit_elab(&fifo(8, 0), &[]),
        unit_elab(&dwc(8, 0, 1), &["tomatl_fifo"]),
        elab("tomatl_axil_status", &[], &[("ADDR_BITS", "4")]),
        elab("tomatl_credit_out", &["tomatl_fifo"], &[("TRIP", "0")]),
        elab("tomatl_credit_out", &["tomatl_fifo"], &[("SPACING", "0")]),
        elab("tomatl_frame_counters", &[], &[("OUT_BEATS", "32'd0")]),
        elab("tomatl_loop_counter", &[], &[("OUTER", "0")]),
        elab(
            "tomatl_loop_counter",
            &[],
            &[("INNER", "4"), ("INNER_BITS", "3")],
        ),
        mvau_elab(units::Mvau {
            arith: 4,
            ..mvau(cfgs[0].clone(), 100)
        }),
        {
            let m = mvau(cfgs[0].clone(), 101);
            mvau_elab(units::Mvau {
                requant: units::Requant {
                    lshift: 2,
                    ..m.requant
                },
                ..m
            })
        },
        mvau_elab(units::Mvau {
            w_bits: 6,
            ..mvau(cfgs[4].clone(), 102)
        }),
        mvau_elab(units::Mvau {
            nf: 0,
            ..mvau(cfgs[0].clone(), 103)
        }),
    ];
    failures.extend(illegal_accepted(&bad, &dir, yosys));
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The library's `lint` wrapper: clean RTL passes, a warning is reported
/// with its text.
#[test]
fn lint_wrapper_reports_warnings() {
    require_verilator();
    let dir = work("lintwrap");
    verilator::lint(&[rtl("tomatl_fifo")], "tomatl_fifo", &[]).unwrap_or_else(|e| panic!("{e}"));
    let bad = dir.join("bad.v");
    write(
        &bad,
        "module bad (input wire [3:0] a, output wire [1:0] y);\n  assign y = a;\nendmodule\n",
    );
    match verilator::lint(&[bad], "bad", &[]) {
        Err(e) => assert!(e.to_string().contains("WIDTH"), "{e}"),
        Ok(()) => panic!("a width mismatch must not lint clean"),
    }
}
