//! Unit benches of the HLS kernel library (`hls/`) in C simulation, each
//! against a naive reference written here on the rules of `ir::numerics`.
//!
//! Each kernel has a bench in `testbenches/hls/` compiled with g++ against
//! `hls/`, `hls/sim/` and the open-source ap_types headers (fetched by
//! `scripts/fetch_ap_types.sh` when missing). The parameterisations of a
//! test are written as config structs into a generated `tomatl_cases.h`;
//! the random data (fixed seeds) goes in on stdin as hexadecimal words and
//! the output words come back on stdout. Compiled benches are cached under
//! `target/hls-units/`, keyed by a hash of their sources, cases and flags
//! (`common_hls`' bench helpers).

mod common_hls;
mod common_rtl;

use std::path::PathBuf;
use std::process::Command;

use common_hls::{build_bench, members, parse, run_text, BenchSource, Cases, Output};
use common_rtl::{
    random_code, random_value, repo_root, sext, type_range, unpack, weight_value, Arith, Bits, Rng,
};
use tomatl::ir::numerics;
use tomatl::ir::{Activation, RoundMode, TensorType};

// ------------------------------------------------------------ the benches

const CXX_FLAGS: &[&str] = &["-std=c++17", "-Wall", "-Wextra", "-Werror", "-O0"];

/// The benches run the arithmetic Vitis HLS synthesises (ap_int products
/// and sums); the benches of the kernels with a second C-simulation form of
/// their sums or buffers (built-in integers, tomatl_common.h) run that one too, and
/// both must print the same.
const AP_ARITH: &str = "-DTOMATL_CSIM_AP_ARITH";
const FAST_BENCHES: &[&str] = &["tb_hls_mvau", "tb_hls_vvau", "tb_hls_dwc"];

/// Compiles `testbenches/hls/{bench}.cpp` with `cases` as tomatl_cases.h
/// and the extra `flags` (cached); returns the executable.
fn build(bench: &str, cases: &str, flags: &[&str]) -> PathBuf {
    let src = repo_root().join(format!("testbenches/hls/{bench}.cpp"));
    let flags = [CXX_FLAGS, flags].concat();
    build_bench(bench, BenchSource::File(src), cases, &flags, |out| {
        assert!(
            out.status.success(),
            "g++ {bench} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "g++ {bench} warned:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    })
}

impl Cases {
    /// Builds `bench` on the cases and runs it (those of [`FAST_BENCHES`]
    /// both ways, which must print the same); what it printed.
    fn build_and_run(&self, bench: &str) -> Output {
        let exe = build(bench, &self.header(), &[AP_ARITH]);
        let text = run_text(&exe, &self.input);
        if FAST_BENCHES.contains(&bench) {
            let fast = build(bench, &self.header(), &[]);
            assert!(
                run_text(&fast, &self.input) == text,
                "{bench}: the built-in-integer sums differ from the ap_int sums"
            );
        }
        parse(&text)
    }
}

/// A word of `lanes` elements of `bits` bits (values as two's complement or
/// unsigned codes), element 0 least significant.
fn pack(vals: &[i64], bits: u32) -> Bits {
    let mut b = Bits::new(vals.len() * bits as usize);
    for (i, &v) in vals.iter().enumerate() {
        b.set(i * bits as usize, bits, (v as u64) & mask(bits));
    }
    b
}

fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

fn word1(v: i64, bits: u32) -> Bits {
    pack(&[v], bits)
}

/// The elements of case `id`'s only output block, checked against `exp`
/// (and nothing left unread).
fn check(tag: &str, o: &Output, id: usize, lanes: usize, bits: u32, signed: bool, exp: &[i64]) {
    let got = unpack(&o.blocks_of(tag, id)[0], lanes, bits, signed);
    compare(tag, &got, exp, lanes);
    o.assert_read(tag, id);
}

fn compare(tag: &str, got: &[i64], exp: &[i64], lanes: usize) {
    common_rtl::assert_lanes(tag, got, exp, lanes, "word");
}

fn act_code(a: Activation) -> i64 {
    match a {
        Activation::None => 0,
        Activation::Relu => 1,
        Activation::Relu6 => 2,
    }
}

const ACTS: [Activation; 3] = [Activation::None, Activation::Relu, Activation::Relu6];

fn tt(bits: u32, signed: bool, frac: i32) -> TensorType {
    TensorType::new(bits, signed, frac)
}

/// RSHIFT and LSHIFT of a requantization from `frac_acc` to `frac_out`.
fn shifts(frac_acc: i32, frac_out: i32) -> (i64, i64) {
    let s = (frac_acc - frac_out) as i64;
    (s.max(0), (-s).max(0))
}

fn arith_code(a: Arith) -> i64 {
    tomatl::hw::units::arith_code(a) as i64
}

// ----------------------------------------------- requant, mul and avg

/// Accumulators for a requantization test: extremes, ties of the shift
/// (x.5 both signs), their neighbours and random values.
fn acc_values(rng: &mut Rng, acc_bits: u32, rshift: i64, n: usize) -> Vec<i64> {
    let (lo, hi) = type_range(acc_bits, true);
    let mut v = vec![lo, hi, 0, -1, 1, lo + 1, hi - 1];
    if rshift > 0 && rshift < acc_bits as i64 - 1 {
        let half = 1i64 << (rshift - 1);
        for k in [-5i64, -2, -1, 0, 1, 3] {
            let t = k * (1i64 << rshift) + half;
            v.extend([t - 1, t, t + 1]);
        }
    }
    while v.len() < n {
        v.push(random_value(rng, acc_bits, true));
    }
    v.into_iter().map(|x| x.clamp(lo, hi)).collect()
}

#[test]
fn requant_mul_and_avg_match_the_numerics() {
    let mut rng = Rng(0x5eed_0001);
    let mut cases = Cases::default();
    let mut expect: Vec<(usize, String, u32, bool, Vec<i64>)> = Vec::new();

    // requant: (acc_bits, frac_acc, out type, act) over every activation,
    // right and left shifts, 1..32-bit outputs, signed and unsigned, and
    // a 62-bit accumulator.
    let rq = [
        (10, 2, tt(8, false, 0)),
        (16, 5, tt(8, true, 2)),
        (24, 8, tt(4, false, 2)),
        (12, 1, tt(16, true, 4)),
        (20, 0, tt(2, true, 0)),
        (9, 6, tt(1, false, 1)),
        (30, 12, tt(32, true, 0)),
        (62, 20, tt(16, true, 3)),
        (14, 3, tt(8, true, 3)),
        (2, 0, tt(3, false, 1)),
        (18, 4, tt(6, false, 1)),
    ];
    for &(acc_bits, frac_acc, out) in &rq {
        for act in ACTS {
            let (rs, ls) = shifts(frac_acc, out.frac);
            let r6 = numerics::relu6_limit(out.frac);
            let body = members(&[
                ("ACC_BITS", acc_bits as i64),
                ("RSHIFT", rs),
                ("LSHIFT", ls),
                ("ACT", act_code(act)),
                ("RELU6_MAX", r6),
                ("OUT_BITS", out.bits as i64),
                ("OUT_SIGNED", out.signed as i64),
                ("MULT_BITS", 0),
            ]);
            let id = cases.add(Some("kind_requant"), &body);
            let accs = acc_values(&mut rng, acc_bits, rs, 60);
            cases.num(accs.len() as i64);
            for &a in &accs {
                cases.words([&word1(a, acc_bits), &word1(0, 1)]);
            }
            cases.end();
            let exp = accs
                .iter()
                .map(|&a| numerics::requantize(a, frac_acc, act, &out))
                .collect();
            let tag = format!("requant acc {acc_bits} frac {frac_acc} -> {out:?} {act:?}");
            expect.push((id, tag, out.bits, out.signed, exp));
        }
    }
    // the per-channel multiplier mode: 16-bit (and narrower) multipliers,
    // shifts 0..40, ties.
    let rqc = [
        (20, 16, 15, tt(8, true, 0)),
        (24, 16, 0, tt(8, false, 0)),
        (16, 16, 40, tt(16, true, 2)),
        (12, 8, 7, tt(4, false, 1)),
        (40, 16, 30, tt(8, true, 1)),
    ];
    for &(acc_bits, mb, shift, out) in &rqc {
        for act in ACTS {
            let body = members(&[
                ("ACC_BITS", acc_bits as i64),
                ("RSHIFT", shift as i64),
                ("LSHIFT", 0),
                ("ACT", act_code(act)),
                ("RELU6_MAX", numerics::relu6_limit(out.frac)),
                ("OUT_BITS", out.bits as i64),
                ("OUT_SIGNED", out.signed as i64),
                ("MULT_BITS", mb as i64),
            ]);
            let id = cases.add(Some("kind_requant"), &body);
            let accs = acc_values(&mut rng, acc_bits, 2, 60);
            let mults: Vec<i64> = (0..accs.len())
                .map(|i| match i % 5 {
                    0 => (1i64 << mb) - 1,
                    1 => rng.range(0, 3),
                    _ => rng.bits(mb) as i64,
                })
                .collect();
            cases.num(accs.len() as i64);
            for (&a, &m) in accs.iter().zip(&mults) {
                cases.words([&word1(a, acc_bits), &word1(m, mb)]);
            }
            cases.end();
            let exp = accs
                .iter()
                .zip(&mults)
                .map(|(&a, &m)| numerics::requantize_channel(a, m, shift, act, &out))
                .collect();
            let tag = format!("requant acc {acc_bits} * M{mb} >> {shift} -> {out:?} {act:?}");
            expect.push((id, tag, out.bits, out.signed, exp));
        }
    }

    // mul: every arithmetic at each of its widths, signed and unsigned
    // inputs, every weight code against extreme and random inputs; the
    // exact width and a narrower one (exact modulo 2^P).
    let muls: Vec<(Arith, u32)> = vec![
        (Arith::Fixed, 1),
        (Arith::Fixed, 2),
        (Arith::Fixed, 5),
        (Arith::Fixed, 8),
        (Arith::Fixed, 16),
        (Arith::Pow2, 2),
        (Arith::Pow2, 3),
        (Arith::Pow2, 4),
        (Arith::Pow2, 5),
        (Arith::Binary, 1),
        (Arith::Ternary, 2),
    ];
    let ins = [
        (1u32, false),
        (1, true),
        (4, true),
        (8, false),
        (8, true),
        (16, true),
    ];
    for (k, &(arith, wb)) in muls.iter().enumerate() {
        for (j, &(ib, is)) in ins.iter().enumerate() {
            if (k + j) % 2 == 1 && !(ib == 8 || ib == 1) {
                continue;
            }
            let exact = match arith {
                Arith::Fixed => ib + 1 + wb,
                Arith::Pow2 => ib + 2 + (1 << (wb - 1)) - 2,
                _ => ib + 2,
            };
            for pb in [exact, (exact - 1).max(2)] {
                let body = members(&[
                    ("ARITH", arith_code(arith)),
                    ("W_BITS", wb as i64),
                    ("IN_BITS", ib as i64),
                    ("IN_SIGNED", is as i64),
                    ("P_BITS", pb as i64),
                ]);
                let id = cases.add(Some("kind_mul"), &body);
                let (lo, hi) = type_range(ib, is);
                let mut pairs = Vec::new();
                let codes: Vec<u64> = if wb <= 5 {
                    (0..(1u64 << wb)).collect()
                } else {
                    let mut c = vec![0, 1, mask(wb), 1 << (wb - 1), (1 << (wb - 1)) - 1];
                    c.extend((0..12).map(|_| random_code(&mut rng, arith, wb)));
                    c
                };
                for &c in &codes {
                    if arith == Arith::Ternary && c == 2 {
                        continue;
                    }
                    for a in [lo, hi, 0, random_value(&mut rng, ib, is)] {
                        pairs.push((a, c));
                    }
                }
                cases.num(pairs.len() as i64);
                for &(a, c) in &pairs {
                    cases.words([&word1(a, ib), &word1(c as i64, wb)]);
                }
                cases.end();
                let exp = pairs
                    .iter()
                    .map(|&(a, c)| sext((a * weight_value(arith, wb, c)) as u64 & mask(pb), pb))
                    .collect();
                let tag = format!("mul {arith:?} w{wb} in {ib}/{is} on {pb} bits");
                expect.push((id, tag, pb, true, exp));
            }
        }
    }

    // avg: (sum bits, n, frac_in, out): non-power-of-two counts, both
    // directions of the binary point, saturation, wide sums.
    let avgs = [
        (8, 2, 0, tt(8, true, 0)),
        (12, 9, 0, tt(8, true, 0)),
        (16, 125, 0, tt(8, true, 0)),
        (10, 3, 0, tt(8, true, 4)),
        (14, 2, 4, tt(8, true, 1)),
        (12, 4, 0, tt(4, false, 0)),
        (12, 49, 2, tt(6, true, 0)),
        (20, 1000, 0, tt(16, true, 3)),
        (40, 7, 5, tt(32, true, 0)),
        (56, 1 << 20, 0, tt(32, true, 10)),
        (6, 1, 0, tt(2, true, 0)),
    ];
    for &(sb, n, frac_in, out) in &avgs {
        let (num, den) = numerics::average_fraction(1, n, frac_in, out.frac);
        let lshift = num.trailing_zeros() as i64;
        let body = members(&[
            ("SUM_BITS", sb as i64),
            ("AVG_LSHIFT", lshift),
            ("AVG_DIV", den as i64),
            ("OUT_BITS", out.bits as i64),
            ("OUT_SIGNED", out.signed as i64),
        ]);
        let id = cases.add(Some("kind_avg"), &body);
        let (lo, hi) = type_range(sb, true);
        let sums: Vec<i64> = if sb <= 12 {
            (lo..=hi).collect()
        } else {
            let mut s = vec![lo, hi, 0, -1, 1];
            for k in -4i64..4 {
                let t = k * n as i64 + n as i64 / 2;
                s.extend([t - 1, t, t + 1]);
            }
            s.extend((0..200).map(|_| random_value(&mut rng, sb, true)));
            s.into_iter().map(|x| x.clamp(lo, hi)).collect()
        };
        cases.num(sums.len() as i64);
        for &s in &sums {
            cases.words([&word1(s, sb)]);
        }
        cases.end();
        let exp = sums
            .iter()
            .map(|&s| numerics::average(s, n, frac_in, &out))
            .collect();
        let tag = format!("avg sum {sb} / {n} frac {frac_in} -> {out:?}");
        expect.push((id, tag, out.bits, out.signed, exp));
    }

    // every rounding mode, narrow or not: a shift, a multiplier and a shift,
    // and averages over an even (ties) and an odd count; the default mode
    // also without the members (the kernels' fallback)
    for (i, mode) in RoundMode::ALL.into_iter().enumerate() {
        for narrow in [false, true] {
            let extra: Vec<(&str, i64)> = if mode.is_default() && !narrow {
                vec![]
            } else {
                vec![
                    ("ROUND_MODE", mode.code() as i64),
                    ("NARROW", narrow as i64),
                ]
            };
            for &(acc_bits, mb, shift, out) in &[
                (14u32, 0u32, 3u32, tt(5, true, 0)),
                (12, 0, 1, tt(6, false, 0)),
                (20, 16, 17, tt(8, true, 0)),
            ] {
                let out = TensorType {
                    round: mode,
                    narrow,
                    ..out
                };
                let mut ps = vec![
                    ("ACC_BITS", acc_bits as i64),
                    ("RSHIFT", shift as i64),
                    ("LSHIFT", 0),
                    ("ACT", 0),
                    ("RELU6_MAX", 0),
                    ("OUT_BITS", out.bits as i64),
                    ("OUT_SIGNED", out.signed as i64),
                    ("MULT_BITS", mb as i64),
                ];
                ps.extend(extra.iter().copied());
                let id = cases.add(Some("kind_requant"), &members(&ps));
                let accs = acc_values(&mut rng, acc_bits, shift as i64, 60);
                let mults: Vec<i64> = (0..accs.len())
                    .map(|k| match (mb, k % 3) {
                        (0, _) => 0,
                        (_, 0) => 1,
                        _ => rng.bits(mb) as i64,
                    })
                    .collect();
                cases.num(accs.len() as i64);
                for (&a, &m) in accs.iter().zip(&mults) {
                    cases.words([&word1(a, acc_bits), &word1(m, mb.max(1))]);
                }
                cases.end();
                let exp = accs
                    .iter()
                    .zip(&mults)
                    .map(|(&a, &m)| {
                        if mb > 0 {
                            numerics::requantize_channel(a, m, shift, Activation::None, &out)
                        } else {
                            numerics::requantize(a, shift as i32, Activation::None, &out)
                        }
                    })
                    .collect();
                let tag =
                    format!("requant {mode:?} narrow {narrow} acc {acc_bits} M{mb} >> {shift}");
                expect.push((id, tag, out.bits, out.signed, exp));
            }
            for &(sb, n, lshift, out) in &[
                (10u32, 4u64, 0i64, tt(5, true, 0)),
                (10, 6, 1, tt(6, true, 1)),
                (9, 3, 0, tt(4, false, 0)),
            ] {
                let out = TensorType {
                    round: mode,
                    narrow,
                    ..out
                };
                let mut ps = vec![
                    ("SUM_BITS", sb as i64),
                    ("AVG_LSHIFT", lshift),
                    ("AVG_DIV", n as i64),
                    ("OUT_BITS", out.bits as i64),
                    ("OUT_SIGNED", out.signed as i64),
                ];
                ps.extend(extra.iter().copied());
                let id = cases.add(Some("kind_avg"), &members(&ps));
                let (lo, hi) = type_range(sb, true);
                let sums: Vec<i64> = (lo..=hi).step_by(1 + i % 2).collect();
                cases.num(sums.len() as i64);
                for &s in &sums {
                    cases.words([&word1(s, sb)]);
                }
                cases.end();
                let frac_in = out.frac - lshift as i32;
                let exp = sums
                    .iter()
                    .map(|&s| numerics::average(s, n, frac_in, &out))
                    .collect();
                let tag = format!("avg {mode:?} narrow {narrow} sum {sb} / {n} << {lshift}");
                expect.push((id, tag, out.bits, out.signed, exp));
            }
        }
    }

    let o = cases.build_and_run("tb_hls_requant");
    for (id, tag, bits, signed, exp) in &expect {
        check(tag, &o, *id, 1, *bits, *signed, exp);
    }
    assert!(expect.len() > 100, "{} cases", expect.len());
}

// ------------------------------------------------------------------ MVAU

/// One dense or conv layer for tomatl::mvau: sizes, types, codes.
struct Mvau {
    simd: usize,
    pe: usize,
    n_in: usize,
    n_out: usize,
    in_t: (u32, bool),
    arith: Arith,
    w_bits: u32,
    act: Activation,
    frac_acc: i32,
    out: TensorType,
    mult: Option<(u32, u32)>,
    codes: Vec<Vec<u64>>,
    bias: Vec<i64>,
    mults: Vec<i64>,
    acc_bits: u32,
}

#[allow(clippy::too_many_arguments)]
fn mvau_layer(
    rng: &mut Rng,
    (n_in, n_out, simd, pe): (usize, usize, usize, usize),
    in_t: (u32, bool),
    (arith, w_bits): (Arith, u32),
    act: Activation,
    frac_acc: i32,
    out: TensorType,
    mult: Option<(u32, u32)>,
) -> Mvau {
    let codes: Vec<Vec<u64>> = (0..n_out)
        .map(|_| (0..n_in).map(|_| random_code(rng, arith, w_bits)).collect())
        .collect();
    let bias: Vec<i64> = (0..n_out).map(|_| rng.range(-300, 300)).collect();
    let mults = match mult {
        Some((mb, _)) => (0..n_out).map(|_| rng.bits(mb) as i64).collect(),
        None => vec![0; n_out],
    };
    let (amin, amax) = type_range(in_t.0, in_t.1);
    let (mut lo, mut hi) = (0i128, 0i128);
    for o in 0..n_out {
        let (l, h) = numerics::dot_range(
            bias[o],
            codes[o].iter().map(|&c| weight_value(arith, w_bits, c)),
            amin,
            amax,
        );
        lo = lo.min(l);
        hi = hi.max(h);
    }
    let acc_bits = numerics::acc_bits_for(lo, hi).expect("fits");
    Mvau {
        simd,
        pe,
        n_in,
        n_out,
        in_t,
        arith,
        w_bits,
        act,
        frac_acc,
        out,
        mult,
        codes,
        bias,
        mults,
        acc_bits,
    }
}

impl Mvau {
    fn members(&self, reps: usize) -> String {
        let (rs, ls) = match self.mult {
            Some((_, s)) => (s as i64, 0),
            None => shifts(self.frac_acc, self.out.frac),
        };
        members(&[
            ("SIMD", self.simd as i64),
            ("PE", self.pe as i64),
            ("SF", (self.n_in / self.simd) as i64),
            ("NF", (self.n_out / self.pe) as i64),
            ("REPS", reps as i64),
            ("IN_BITS", self.in_t.0 as i64),
            ("IN_SIGNED", self.in_t.1 as i64),
            ("ARITH", arith_code(self.arith)),
            ("W_BITS", self.w_bits as i64),
            ("ACC_BITS", self.acc_bits as i64),
            ("RSHIFT", rs),
            ("LSHIFT", ls),
            ("ACT", act_code(self.act)),
            ("RELU6_MAX", numerics::relu6_limit(self.out.frac)),
            ("OUT_BITS", self.out.bits as i64),
            ("OUT_SIGNED", self.out.signed as i64),
            ("MULT_BITS", self.mult.map_or(0, |m| m.0) as i64),
        ])
    }
    fn roms(&self, cases: &mut Cases) {
        let (sf, nf) = (self.n_in / self.simd, self.n_out / self.pe);
        let mut ws = Vec::new();
        for p in 0..self.pe {
            for n in 0..nf {
                for s in 0..sf {
                    let o = n * self.pe + p;
                    let lanes: Vec<i64> = (0..self.simd)
                        .map(|l| self.codes[o][s * self.simd + l] as i64)
                        .collect();
                    ws.push(pack(&lanes, self.w_bits));
                }
            }
        }
        let mb = self.mult.map_or(1, |m| m.0);
        for p in 0..self.pe {
            for n in 0..nf {
                ws.push(word1(self.bias[n * self.pe + p], self.acc_bits));
            }
        }
        for p in 0..self.pe {
            for n in 0..nf {
                ws.push(word1(self.mults[n * self.pe + p], mb));
            }
        }
        cases.words(&ws);
    }
    fn reference(&self, x: &[i64]) -> Vec<i64> {
        (0..self.n_out)
            .map(|o| {
                let acc = self.bias[o]
                    + (0..self.n_in)
                        .map(|i| x[i] * weight_value(self.arith, self.w_bits, self.codes[o][i]))
                        .sum::<i64>();
                match self.mult {
                    Some((_, s)) => {
                        numerics::requantize_channel(acc, self.mults[o], s, self.act, &self.out)
                    }
                    None => numerics::requantize(acc, self.frac_acc, self.act, &self.out),
                }
            })
            .collect()
    }
}

#[test]
fn mvau_dense_matches_reference() {
    let mut rng = Rng(0x5eed_0002);
    let mut cases = Cases::default();
    let mut expect = Vec::new();
    type Cfg = (
        (usize, usize, usize, usize),
        (u32, bool),
        (Arith, u32),
        Activation,
        i32,
        TensorType,
        Option<(u32, u32)>,
    );
    let cfgs: Vec<Cfg> = vec![
        // PE = SIMD = 1
        (
            (5, 3, 1, 1),
            (8, true),
            (Arith::Fixed, 8),
            Activation::None,
            7,
            tt(8, true, 2),
            None,
        ),
        // full unroll
        (
            (6, 4, 6, 4),
            (8, false),
            (Arith::Fixed, 4),
            Activation::Relu,
            6,
            tt(8, false, 3),
            None,
        ),
        (
            (16, 8, 4, 2),
            (4, true),
            (Arith::Pow2, 4),
            Activation::Relu6,
            6,
            tt(8, false, 4),
            None,
        ),
        (
            (12, 6, 3, 3),
            (8, true),
            (Arith::Pow2, 5),
            Activation::None,
            5,
            tt(16, true, 2),
            None,
        ),
        (
            (32, 4, 8, 1),
            (1, false),
            (Arith::Binary, 1),
            Activation::None,
            0,
            tt(8, true, 0),
            None,
        ),
        (
            (9, 9, 9, 3),
            (8, true),
            (Arith::Ternary, 2),
            Activation::Relu,
            2,
            tt(4, false, 0),
            None,
        ),
        (
            (8, 4, 2, 4),
            (16, true),
            (Arith::Fixed, 16),
            Activation::None,
            20,
            tt(16, true, 8),
            None,
        ),
        (
            (10, 2, 5, 2),
            (2, true),
            (Arith::Fixed, 2),
            Activation::Relu6,
            1,
            tt(8, false, 2),
            None,
        ),
        (
            (4, 4, 1, 4),
            (8, true),
            (Arith::Fixed, 8),
            Activation::None,
            2,
            tt(8, true, 5),
            None,
        ),
        (
            (6, 3, 2, 1),
            (8, true),
            (Arith::Pow2, 3),
            Activation::None,
            1,
            tt(2, true, 0),
            None,
        ),
        (
            (12, 4, 4, 2),
            (8, true),
            (Arith::Fixed, 8),
            Activation::Relu,
            0,
            tt(8, false, 0),
            Some((16, 15)),
        ),
        (
            (8, 6, 8, 3),
            (8, false),
            (Arith::Pow2, 4),
            Activation::None,
            0,
            tt(8, true, 0),
            Some((12, 9)),
        ),
    ];
    for (shape, in_t, w, act, frac_acc, out, mult) in cfgs {
        let l = mvau_layer(&mut rng, shape, in_t, w, act, frac_acc, out, mult);
        let id = cases.add(Some("kind_dense"), &l.members(1));
        l.roms(&mut cases);
        let frames = 4;
        cases.num(frames);
        let mut exp = Vec::new();
        for _ in 0..frames {
            let x: Vec<i64> = (0..l.n_in)
                .map(|_| random_value(&mut rng, in_t.0, in_t.1))
                .collect();
            let words: Vec<Bits> = x.chunks(l.simd).map(|c| pack(c, in_t.0)).collect();
            cases.words(&words);
            exp.extend(l.reference(&x));
        }
        cases.end();
        let tag = format!("mvau {shape:?} in {in_t:?} {w:?} {act:?} -> {out:?} mult {mult:?}");
        expect.push((id, tag, l.pe, out, exp));
    }
    let o = cases.build_and_run("tb_hls_mvau");
    for (id, tag, pe, out, exp) in &expect {
        check(tag, &o, *id, *pe, out.bits, out.signed, exp);
    }
}

// ------------------------------------------------------ SWU and conv

#[derive(Clone, Copy, Debug)]
struct Geo {
    h: usize,
    w: usize,
    ch: usize,
    simd: usize,
    k: (usize, usize),
    s: (usize, usize),
    pad: (usize, usize, usize, usize), // top, left, bottom, right
}

impl Geo {
    fn out(&self) -> (usize, usize) {
        (
            (self.h + self.pad.0 + self.pad.2 - self.k.0) / self.s.0 + 1,
            (self.w + self.pad.1 + self.pad.3 - self.k.1) / self.s.1 + 1,
        )
    }
    fn members(&self, el_bits: u32, depthwise: bool) -> String {
        members(&[
            ("IN_H", self.h as i64),
            ("IN_W", self.w as i64),
            ("CH", self.ch as i64),
            ("SIMD", self.simd as i64),
            ("EL_BITS", el_bits as i64),
            ("K_H", self.k.0 as i64),
            ("K_W", self.k.1 as i64),
            ("S_H", self.s.0 as i64),
            ("S_W", self.s.1 as i64),
            ("PAD_T", self.pad.0 as i64),
            ("PAD_L", self.pad.1 as i64),
            ("PAD_B", self.pad.2 as i64),
            ("PAD_R", self.pad.3 as i64),
            ("DEPTHWISE", depthwise as i64),
        ])
    }
    /// The windows of an HWC image, in the order of tomatl::swu.
    fn windows(&self, img: &[i64], depthwise: bool) -> Vec<i64> {
        let (oh, ow) = self.out();
        let (kh, kw) = self.k;
        let mut v = Vec::new();
        let px = |iy: i64, ix: i64, c: usize| -> i64 {
            if iy < 0 || ix < 0 || iy >= self.h as i64 || ix >= self.w as i64 {
                0
            } else {
                img[(iy as usize * self.w + ix as usize) * self.ch + c]
            }
        };
        for oy in 0..oh {
            for ox in 0..ow {
                let y0 = (oy * self.s.0) as i64 - self.pad.0 as i64;
                let x0 = (ox * self.s.1) as i64 - self.pad.1 as i64;
                if depthwise {
                    for cb in 0..self.ch / self.simd {
                        for ky in 0..kh {
                            for kx in 0..kw {
                                for s in 0..self.simd {
                                    v.push(px(y0 + ky as i64, x0 + kx as i64, cb * self.simd + s));
                                }
                            }
                        }
                    }
                } else {
                    for ky in 0..kh {
                        for kx in 0..kw {
                            for c in 0..self.ch {
                                v.push(px(y0 + ky as i64, x0 + kx as i64, c));
                            }
                        }
                    }
                }
            }
        }
        v
    }
}

fn geos() -> Vec<Geo> {
    let g = |h, w, ch, simd, k, s, pad| Geo {
        h,
        w,
        ch,
        simd,
        k,
        s,
        pad,
    };
    vec![
        g(5, 5, 1, 1, (3, 3), (1, 1), (1, 1, 1, 1)),
        g(6, 7, 4, 2, (3, 3), (2, 2), (0, 0, 1, 1)),
        g(6, 6, 3, 3, (1, 1), (1, 1), (0, 0, 0, 0)),
        g(7, 6, 2, 1, (5, 5), (1, 1), (2, 2, 2, 2)),
        g(8, 8, 4, 4, (5, 5), (2, 2), (1, 2, 2, 1)),
        g(4, 9, 2, 2, (1, 3), (1, 2), (0, 1, 0, 0)),
        g(9, 4, 1, 1, (3, 1), (2, 1), (2, 0, 0, 0)),
        g(5, 5, 6, 3, (2, 2), (2, 2), (0, 0, 1, 1)),
        g(3, 3, 2, 2, (3, 3), (1, 1), (0, 0, 0, 0)),
        g(6, 5, 2, 1, (2, 3), (3, 2), (1, 0, 0, 2)),
    ]
}

#[test]
fn swu_windows_stride_and_padding() {
    let mut rng = Rng(0x5eed_0003);
    let mut cases = Cases::default();
    let mut expect = Vec::new();
    for (i, g) in geos().iter().enumerate() {
        for depthwise in [false, true] {
            let el = [8u32, 3, 5][i % 3];
            let id = cases.add(None, &g.members(el, depthwise));
            let frames = 2;
            cases.num(frames);
            let mut exp = Vec::new();
            for _ in 0..frames {
                let img: Vec<i64> = (0..g.h * g.w * g.ch).map(|_| rng.bits(el) as i64).collect();
                let words: Vec<Bits> = img.chunks(g.simd).map(|c| pack(c, el)).collect();
                cases.words(&words);
                exp.extend(g.windows(&img, depthwise));
            }
            cases.end();
            expect.push((id, format!("swu {g:?} dw {depthwise}"), g.simd, el, exp));
        }
    }
    let o = cases.build_and_run("tb_hls_swu");
    for (id, tag, simd, el, exp) in &expect {
        check(tag, &o, *id, *simd, *el, false, exp);
    }
}

#[test]
fn conv_through_swu_and_mvau_matches_reference() {
    let mut rng = Rng(0x5eed_0004);
    let mut cases = Cases::default();
    let mut expect = Vec::new();
    let ws = [
        (Arith::Fixed, 8),
        (Arith::Pow2, 4),
        (Arith::Ternary, 2),
        (Arith::Binary, 1),
        (Arith::Fixed, 3),
    ];
    for (i, g) in geos().iter().enumerate() {
        let in_t = [(8u32, false), (4, true), (8, true)][i % 3];
        let w = ws[i % ws.len()];
        let act = ACTS[i % 3];
        let cout = [4usize, 6, 2, 3][i % 4];
        let pe = [1usize, 2, cout][i % 3];
        let pe = if cout.is_multiple_of(pe) { pe } else { 1 };
        let n_in = g.k.0 * g.k.1 * g.ch;
        let out = tt(8, i % 2 == 0, 2);
        let l = mvau_layer(
            &mut rng,
            (n_in, cout, g.simd, pe),
            in_t,
            w,
            act,
            5,
            out,
            None,
        );
        let (oh, ow) = g.out();
        let body = format!(
            "struct swu {{ {} }}; struct mvau {{ {} }};",
            g.members(in_t.0, false),
            l.members(oh * ow)
        );
        let id = cases.add(Some("kind_conv"), &body);
        l.roms(&mut cases);
        let frames = 2;
        cases.num(frames);
        let mut exp = Vec::new();
        for _ in 0..frames {
            let img: Vec<i64> = (0..g.h * g.w * g.ch)
                .map(|_| random_value(&mut rng, in_t.0, in_t.1))
                .collect();
            let words: Vec<Bits> = img.chunks(g.simd).map(|c| pack(c, in_t.0)).collect();
            cases.words(&words);
            for win in g.windows(&img, false).chunks(n_in) {
                exp.extend(l.reference(win));
            }
        }
        cases.end();
        let tag = format!("conv {g:?} {w:?} in {in_t:?} {act:?} cout {cout} pe {pe}");
        expect.push((id, tag, pe, out, exp));
    }
    let o = cases.build_and_run("tb_hls_mvau");
    for (id, tag, pe, out, exp) in &expect {
        check(tag, &o, *id, *pe, out.bits, out.signed, exp);
    }
}

// ------------------------------------------- vvau, pool, gap, add, fork, dwc

#[test]
fn vvau_pool_and_gap_match_reference() {
    let mut rng = Rng(0x5eed_0005);
    // vvau: (ch, pe, k, reps, in, (arith, w_bits), act, frac_acc, out)
    let mut vc = Cases::default();
    let mut vexp = Vec::new();
    let vcfgs = [
        (
            4,
            1,
            9,
            3,
            (8, false),
            (Arith::Fixed, 8),
            Activation::Relu,
            7,
            tt(8, false, 3),
        ),
        (
            6,
            3,
            25,
            2,
            (4, true),
            (Arith::Pow2, 4),
            Activation::None,
            6,
            tt(8, true, 2),
        ),
        (
            8,
            8,
            9,
            2,
            (8, true),
            (Arith::Ternary, 2),
            Activation::Relu6,
            1,
            tt(8, false, 2),
        ),
        (
            2,
            2,
            1,
            4,
            (1, false),
            (Arith::Binary, 1),
            Activation::None,
            0,
            tt(4, true, 0),
        ),
        (
            3,
            1,
            4,
            2,
            (16, true),
            (Arith::Fixed, 16),
            Activation::None,
            18,
            tt(16, true, 4),
        ),
    ];
    for &(ch, pe, k, reps, in_t, (arith, wb), act, frac_acc, out) in &vcfgs {
        let ng = ch / pe;
        let codes: Vec<Vec<u64>> = (0..ch)
            .map(|_| (0..k).map(|_| random_code(&mut rng, arith, wb)).collect())
            .collect();
        let bias: Vec<i64> = (0..ch).map(|_| rng.range(-100, 100)).collect();
        let (amin, amax) = type_range(in_t.0, in_t.1);
        let (mut lo, mut hi) = (0i128, 0i128);
        for c in 0..ch {
            let (l, h) = numerics::dot_range(
                bias[c],
                codes[c].iter().map(|&x| weight_value(arith, wb, x)),
                amin,
                amax,
            );
            lo = lo.min(l);
            hi = hi.max(h);
        }
        let acc_bits = numerics::acc_bits_for(lo, hi).expect("fits");
        let (rs, ls) = shifts(frac_acc, out.frac);
        let body = members(&[
            ("CH", ch as i64),
            ("PE", pe as i64),
            ("K", k as i64),
            ("REPS", reps as i64),
            ("IN_BITS", in_t.0 as i64),
            ("IN_SIGNED", in_t.1 as i64),
            ("ARITH", arith_code(arith)),
            ("W_BITS", wb as i64),
            ("ACC_BITS", acc_bits as i64),
            ("RSHIFT", rs),
            ("LSHIFT", ls),
            ("ACT", act_code(act)),
            ("RELU6_MAX", numerics::relu6_limit(out.frac)),
            ("OUT_BITS", out.bits as i64),
            ("OUT_SIGNED", out.signed as i64),
        ]);
        let id = vc.add(None, &body);
        let mut ws = Vec::new();
        for p in 0..pe {
            for g in 0..ng {
                for &c in &codes[g * pe + p] {
                    ws.push(word1(c as i64, wb));
                }
            }
        }
        for p in 0..pe {
            for g in 0..ng {
                ws.push(word1(bias[g * pe + p], acc_bits));
            }
        }
        vc.words(&ws);
        vc.num(2);
        let mut exp = Vec::new();
        for _ in 0..2 * reps {
            for g in 0..ng {
                let x: Vec<Vec<i64>> = (0..k)
                    .map(|_| {
                        (0..pe)
                            .map(|_| random_value(&mut rng, in_t.0, in_t.1))
                            .collect()
                    })
                    .collect();
                let words: Vec<Bits> = x.iter().map(|l| pack(l, in_t.0)).collect();
                vc.words(&words);
                for p in 0..pe {
                    let c = g * pe + p;
                    let acc = bias[c]
                        + x.iter()
                            .zip(&codes[c])
                            .map(|(row, &code)| row[p] * weight_value(arith, wb, code))
                            .sum::<i64>();
                    exp.push(numerics::requantize(acc, frac_acc, act, &out));
                }
            }
        }
        vc.end();
        vexp.push((
            id,
            format!("vvau ch {ch} pe {pe} k {k} {arith:?}"),
            pe,
            out,
            exp,
        ));
    }
    let o = vc.build_and_run("tb_hls_vvau");
    for (id, tag, pe, out, exp) in &vexp {
        check(tag, &o, *id, *pe, out.bits, out.signed, exp);
    }

    // pool: (ch, pe, k, reps, kind, in, frac_in, out)
    let mut pc = Cases::default();
    let mut pexp = Vec::new();
    let pcfgs = [
        (4, 2, 4, 3, 0, (8, true), 0, tt(8, true, 0)),
        (3, 1, 9, 2, 0, (4, false), 0, tt(4, false, 0)),
        (4, 4, 4, 2, 1, (8, true), 0, tt(8, true, 0)),
        (6, 3, 9, 2, 1, (8, false), 2, tt(8, false, 0)),
        (2, 1, 9, 3, 1, (4, true), 0, tt(8, true, 3)),
        (2, 2, 25, 2, 1, (8, true), 3, tt(6, true, 1)),
    ];
    for &(ch, pe, k, reps, kind, in_t, frac_in, out) in &pcfgs {
        let (num, den) = numerics::average_fraction(1, k as u64, frac_in, out.frac);
        let body = members(&[
            ("CH", ch as i64),
            ("PE", pe as i64),
            ("K", k as i64),
            ("REPS", reps as i64),
            ("KIND", kind),
            ("IN_BITS", in_t.0 as i64),
            ("IN_SIGNED", in_t.1 as i64),
            ("OUT_BITS", out.bits as i64),
            ("OUT_SIGNED", out.signed as i64),
            ("AVG_LSHIFT", num.trailing_zeros() as i64),
            ("AVG_DIV", den as i64),
        ]);
        let id = pc.add(None, &body);
        pc.num(2);
        let mut exp = Vec::new();
        for _ in 0..2 * reps {
            for _ in 0..ch / pe {
                let x: Vec<Vec<i64>> = (0..k)
                    .map(|_| {
                        (0..pe)
                            .map(|_| random_value(&mut rng, in_t.0, in_t.1))
                            .collect()
                    })
                    .collect();
                let words: Vec<Bits> = x.iter().map(|l| pack(l, in_t.0)).collect();
                pc.words(&words);
                for p in 0..pe {
                    let col = x.iter().map(|row| row[p]);
                    exp.push(if kind == 0 {
                        col.max().expect("window")
                    } else {
                        numerics::average(col.sum(), k as u64, frac_in, &out)
                    });
                }
            }
        }
        pc.end();
        pexp.push((
            id,
            format!("pool kind {kind} ch {ch} pe {pe} k {k}"),
            pe,
            out,
            exp,
        ));
    }
    let o = pc.build_and_run("tb_hls_pool");
    for (id, tag, pe, out, exp) in &pexp {
        check(tag, &o, *id, *pe, out.bits, out.signed, exp);
    }

    // gap: (ch, pe, n_pix, in, frac_in, out)
    let mut gc = Cases::default();
    let mut gexp = Vec::new();
    let gcfgs = [
        (4, 2, 16, (8, true), 0, tt(8, true, 0)),
        (6, 6, 25, (8, false), 0, tt(8, false, 0)),
        (3, 1, 49, (4, true), 0, tt(8, true, 4)),
        (2, 1, 1, (8, true), 2, tt(8, true, 0)),
        (8, 4, 125, (8, true), 3, tt(6, true, 1)),
    ];
    for &(ch, pe, n_pix, in_t, frac_in, out) in &gcfgs {
        let (num, den) = numerics::average_fraction(1, n_pix as u64, frac_in, out.frac);
        let body = members(&[
            ("CH", ch as i64),
            ("PE", pe as i64),
            ("N_PIX", n_pix as i64),
            ("IN_BITS", in_t.0 as i64),
            ("IN_SIGNED", in_t.1 as i64),
            ("OUT_BITS", out.bits as i64),
            ("OUT_SIGNED", out.signed as i64),
            ("AVG_LSHIFT", num.trailing_zeros() as i64),
            ("AVG_DIV", den as i64),
        ]);
        let id = gc.add(None, &body);
        gc.num(2);
        let mut exp = Vec::new();
        for _ in 0..2 {
            let img: Vec<i64> = (0..n_pix * ch)
                .map(|_| random_value(&mut rng, in_t.0, in_t.1))
                .collect();
            let words: Vec<Bits> = img.chunks(pe).map(|c| pack(c, in_t.0)).collect();
            gc.words(&words);
            for c in 0..ch {
                let s = (0..n_pix).map(|p| img[p * ch + c]).sum();
                exp.push(numerics::average(s, n_pix as u64, frac_in, &out));
            }
        }
        gc.end();
        gexp.push((id, format!("gap ch {ch} pe {pe} n {n_pix}"), pe, out, exp));
    }
    let o = gc.build_and_run("tb_hls_gap");
    for (id, tag, pe, out, exp) in &gexp {
        check(tag, &o, *id, *pe, out.bits, out.signed, exp);
    }
}

#[test]
fn add_fork_dwc_and_stream_match_reference() {
    let mut rng = Rng(0x5eed_0006);
    // add: (elems, a type, b type, act, out)
    let mut ac = Cases::default();
    let mut aexp = Vec::new();
    let acfgs = [
        (
            4,
            tt(8, true, 3),
            tt(8, true, 3),
            Activation::None,
            tt(8, true, 3),
        ),
        (
            2,
            tt(8, false, 4),
            tt(8, true, 2),
            Activation::Relu,
            tt(8, false, 2),
        ),
        (
            3,
            tt(4, true, 0),
            tt(16, true, 6),
            Activation::Relu6,
            tt(8, false, 4),
        ),
        (
            1,
            tt(8, true, 1),
            tt(4, false, 1),
            Activation::None,
            tt(16, true, 5),
        ),
        (
            5,
            tt(16, true, 8),
            tt(8, true, 0),
            Activation::None,
            tt(4, true, 0),
        ),
    ];
    for &(el, ta, tb, act, out) in &acfgs {
        let f = ta.frac.max(tb.frac);
        let (rs, ls) = shifts(f, out.frac);
        let body = members(&[
            ("ELEMS", el as i64),
            ("BEATS", 20),
            ("A_BITS", ta.bits as i64),
            ("A_SIGNED", ta.signed as i64),
            ("B_BITS", tb.bits as i64),
            ("B_SIGNED", tb.signed as i64),
            ("A_SHL", (f - ta.frac) as i64),
            ("B_SHL", (f - tb.frac) as i64),
            ("RSHIFT", rs),
            ("LSHIFT", ls),
            ("ACT", act_code(act)),
            ("RELU6_MAX", numerics::relu6_limit(out.frac)),
            ("OUT_BITS", out.bits as i64),
            ("OUT_SIGNED", out.signed as i64),
        ]);
        let id = ac.add(None, &body);
        ac.num(2);
        let n = 2 * 20 * el;
        let a: Vec<i64> = (0..n)
            .map(|_| random_value(&mut rng, ta.bits, ta.signed))
            .collect();
        let b: Vec<i64> = (0..n)
            .map(|_| random_value(&mut rng, tb.bits, tb.signed))
            .collect();
        let wa: Vec<Bits> = a.chunks(el).map(|c| pack(c, ta.bits)).collect();
        let wb: Vec<Bits> = b.chunks(el).map(|c| pack(c, tb.bits)).collect();
        ac.words(&wa);
        ac.words(&wb);
        ac.end();
        let exp = a
            .iter()
            .zip(&b)
            .map(|(&x, &y)| numerics::add(x, ta.frac, y, tb.frac, act, &out))
            .collect::<Vec<i64>>();
        aexp.push((
            id,
            format!("add {ta:?} + {tb:?} {act:?} -> {out:?}"),
            el,
            out,
            exp,
        ));
    }
    let o = ac.build_and_run("tb_hls_add");
    for (id, tag, el, out, exp) in &aexp {
        check(tag, &o, *id, *el, out.bits, out.signed, exp);
    }

    // fork: every word to every consumer
    let mut fc = Cases::default();
    let mut fexp = Vec::new();
    for &(width, n_out) in &[(8u32, 2usize), (33, 3), (1, 4), (64, 2)] {
        let id = fc.add(
            None,
            &members(&[
                ("WIDTH", width as i64),
                ("N_OUT", n_out as i64),
                ("BEATS", 7),
            ]),
        );
        fc.num(3);
        let vals: Vec<i64> = (0..21).map(|_| rng.bits(width) as i64).collect();
        let words: Vec<Bits> = vals.iter().map(|&v| word1(v, width)).collect();
        fc.words(&words);
        fc.end();
        fexp.push((id, width, n_out, vals));
    }
    let o = fc.build_and_run("tb_hls_fork");
    for (id, width, n_out, vals) in &fexp {
        let blocks = &o.blocks[id];
        assert_eq!(blocks.len(), *n_out, "fork {width}: consumers");
        for (k, b) in blocks.iter().enumerate() {
            compare(
                &format!("fork {width} out {k}"),
                &unpack(b, 1, *width, false),
                vals,
                1,
            );
        }
        assert_eq!(o.left[id], 0, "fork {width}: input left unread");
    }

    // dwc: up, down, equal, coprime ratios, frames that are not a whole
    // number of words (zero padding of the last output word).
    let mut dc = Cases::default();
    let mut dexp = Vec::new();
    let dcfgs = [
        (8u32, 4usize, 6usize, 24usize),
        (8, 6, 4, 24),
        (3, 5, 1, 20),
        (4, 1, 7, 21),
        (8, 3, 3, 9),
        (5, 8, 2, 16),
        (1, 96, 16, 96),
        (6, 7, 3, 20),
        (8, 4, 16, 10),
        (7, 3, 5, 11),
    ];
    for &(el, i, oe, fe) in &dcfgs {
        let id = dc.add(
            None,
            &members(&[
                ("EL_BITS", el as i64),
                ("IN_ELEMS", i as i64),
                ("OUT_ELEMS", oe as i64),
                ("FRAME_ELEMS", fe as i64),
            ]),
        );
        let frames = 3;
        dc.num(frames);
        let mut exp = Vec::new();
        for _ in 0..frames {
            let elems: Vec<i64> = (0..fe).map(|_| rng.bits(el) as i64).collect();
            // the last input word's padding is garbage: the kernel drops it
            let mut padded = elems.clone();
            while !padded.len().is_multiple_of(i) {
                padded.push(rng.bits(el) as i64);
            }
            let words: Vec<Bits> = padded.chunks(i).map(|c| pack(c, el)).collect();
            dc.words(&words);
            let mut out = elems.clone();
            while !out.len().is_multiple_of(oe) {
                out.push(0);
            }
            exp.extend(out);
        }
        dc.end();
        dexp.push((
            id,
            format!("dwc el {el} {i} -> {oe} frame {fe}"),
            oe,
            el,
            exp,
        ));
    }
    let o = dc.build_and_run("tb_hls_dwc");
    for (id, tag, oe, el, exp) in &dexp {
        check(tag, &o, *id, *oe, *el, false, exp);
    }

    // hls::stream of hls/sim: FIFO semantics, and a read of an empty
    // stream aborts with the stream's name.
    let exe = build("tb_hls_stream", "", &[AP_ARITH]);
    let ok = Command::new(&exe)
        .arg("fifo")
        .output()
        .expect("tb_hls_stream");
    let text = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success() && text.ends_with("ok\n"),
        "stream bench:\n{text}"
    );
    assert!(!text.contains("FAIL"), "{text}");
    let bad = Command::new(&exe)
        .arg("empty")
        .output()
        .expect("tb_hls_stream");
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success(), "reading an empty stream must abort");
    assert!(
        err.contains("'starved'") && err.contains("read of an empty stream"),
        "message: {err}"
    );
    assert!(!String::from_utf8_lossy(&bad.stdout).contains("returned"));
}
